//! `leash minimize`: shrinks a corpus entry's case while it still shows a finding of the same
//! class, and writes the smaller entry next to the original (or to --out).

use std::io::{self, Write as _};
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use leash_fuzz::corpus::{Entry, Provenance};
use leash_fuzz::minimize::{MinimizeBudget, minimize};
use leash_fuzz::run::{RunConfig, Runner};
use leash_fuzz::target::Target;

use super::{Outcome, Run};

/// Arguments of `leash minimize`.
#[derive(Debug, Args)]
#[command(after_help = "The entry must show a finding against the module it names. Exit \
                        status: 0 minimized entry written, 2 bad input or no finding to keep.")]
pub(crate) struct MinimizeArgs {
    /// The corpus entry to shrink.
    entry: PathBuf,
    /// The most cases minimization may run.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    runs: usize,
    /// Where to write the minimized entry (default: the entry's directory).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

impl Run for MinimizeArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        let entry = Entry::load(&self.entry)?;
        let target = Target::from_label(&entry.module)?;
        let mut runner = Runner::for_target(&target, RunConfig::campaign())?;
        let Some(finding) = runner.run(&entry.case).finding else {
            bail!(
                "'{}' shows no finding against {}: there is nothing to keep while shrinking",
                self.entry.display(),
                entry.module
            );
        };
        let before = (entry.case.steps.len(), entry.case.op_count());
        let m = minimize(&mut runner, &entry.case, &finding, MinimizeBudget { runs: self.runs });
        let provenance = Provenance { minimized: true, ..entry.provenance.clone() };
        let smaller = Entry::new(
            entry.module.clone(),
            Some(m.finding.class),
            Some(m.finding),
            provenance,
            m.case,
        );
        let dir = match &self.out {
            Some(dir) => dir.clone(),
            None => self.entry.parent().map_or_else(|| PathBuf::from("."), PathBuf::from),
        };
        let path = smaller.write(&dir)?;
        writeln!(
            io::stdout(),
            "minimized {} ({} steps, {} ops) to {} ({} steps, {} ops) in {} runs",
            self.entry.display(),
            before.0,
            before.1,
            path.display(),
            smaller.case.steps.len(),
            smaller.case.op_count(),
            m.runs
        )?;
        Ok(Outcome::Clean)
    }
}
