//! `leash replay`: runs a corpus entry's case again, against the module it names (or another
//! one), with counters compared after every bundle. Exit 1 when the case shows a finding.

use std::io::{self, Write as _};
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use leash_fuzz::corpus::Entry;
use leash_fuzz::engine::replay;
use leash_fuzz::finding::Class;
use leash_fuzz::run::RunConfig;
use leash_fuzz::target::Target;
use serde::Serialize;

use super::{Outcome, OutputFormat, Run};
use crate::target_args::TargetArgs;

/// Arguments of `leash replay`.
#[derive(Debug, Args)]
#[command(after_help = "Without --mutant or --module the case runs against the module the entry \
                        names. Exit status: 0 the case shows no finding, 1 it shows one, 2 bad \
                        input.")]
pub(crate) struct ReplayArgs {
    /// The corpus entry (a JSON file written by `leash fuzz` or in corpus/regressions/).
    entry: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
    /// Do not report denials for different clauses.
    #[arg(long)]
    no_reasons: bool,
    /// Output for people (text) or for tools (json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

#[derive(Serialize)]
struct JsonReplay<'a> {
    entry: String,
    module: &'a str,
    expected: Option<Class>,
    found: Option<&'a leash_fuzz::finding::Finding>,
    as_expected: bool,
    ops: u64,
}

impl Run for ReplayArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        let entry = Entry::load(&self.entry)?;
        let target = match self.target.resolve_given()? {
            Some(target) => target,
            None => Target::from_label(&entry.module)?,
        };
        let run = RunConfig { compare_reasons: !self.no_reasons, ..RunConfig::campaign() };
        let report = replay(&target, &entry.case, run)?;
        if let Some(why) = &report.not_runnable {
            bail!(
                "the harness cannot run '{}' against {} ({why}): a harness limit, not a finding",
                self.entry.display(),
                target.label
            );
        }
        let expected = if target.label == entry.module { entry.expect } else { None };
        let found_class = report.finding.as_ref().map(|f| f.class);
        let as_expected = found_class == expected;
        match self.format {
            OutputFormat::Json => {
                let json = JsonReplay {
                    entry: self.entry.display().to_string(),
                    module: &target.label,
                    expected,
                    found: report.finding.as_ref(),
                    as_expected,
                    ops: report.ops,
                };
                writeln!(io::stdout(), "{}", serde_json::to_string_pretty(&json)?)?;
            }
            OutputFormat::Text => {
                let mut out = io::stdout().lock();
                writeln!(
                    out,
                    "replayed {} against {} ({} ops)",
                    self.entry.display(),
                    target.label,
                    report.ops
                )?;
                match &report.finding {
                    None => {
                        writeln!(out, "  no finding: the module agrees with the spec on this case")?
                    }
                    Some(f) => {
                        writeln!(
                            out,
                            "  finding [{}, {}] at step {}{}",
                            f.class,
                            f.class.severity(),
                            f.step,
                            f.op.map_or_else(String::new, |o| format!(", op {o}"))
                        )?;
                        writeln!(out, "    spec:   {}", f.model)?;
                        writeln!(out, "    module: {}", f.module)?;
                        writeln!(out, "    why:    {}", f.detail)?;
                    }
                }
                if let Some(class) = expected {
                    let verdict = if as_expected { "reproduces" } else { "does NOT reproduce" };
                    writeln!(out, "  {verdict} the entry's expected {class} finding")?;
                }
            }
        }
        Ok(if report.finding.is_some() { Outcome::Findings } else { Outcome::Clean })
    }
}
