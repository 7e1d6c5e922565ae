//! `leash fuzz`: a differential campaign against the reference module (the default), a mutant,
//! or an external module, with live progress, findings written to the corpus as they are found,
//! and a summary. Exit 1 when there are findings.

use std::io::{self, IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use leash_fuzz::engine::{Budget, CampaignConfig, Found, Progress, Snapshot, run_campaign};
use leash_fuzz::evm::Signing;
use leash_fuzz::finding::Class;
use leash_fuzz::generate::CaseConfig;
use leash_fuzz::minimize::MinimizeBudget;
use leash_fuzz::run::RunConfig;
use serde::Serialize;

use super::{Outcome, OutputFormat, Run};
use crate::human;
use crate::target_args::TargetArgs;

/// Arguments of `leash fuzz`.
#[derive(Debug, Args)]
#[command(after_help = "Findings are minimized and written to --out as they are found (one \
                        JSON file each, written atomically), so stopping with Ctrl-C keeps every \
                        one. Exit status: 0 no findings, 1 findings, 2 bad input.")]
pub(crate) struct FuzzArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Install this policy (TOML or JSON, format version 1) instead of generated ones. Its
    /// addresses must be those of the reference world (see the README).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "N", default_value_t = 60, conflicts_with = "cases")]
    seconds: u64,
    /// Stop after this many cases per worker instead (deterministic for a seed).
    #[arg(long, value_name = "N")]
    cases: Option<u64>,
    /// The campaign's seed (decimal or 0x hex).
    #[arg(long, value_name = "SEED", value_parser = parse_seed, default_value = "0x1ea54ca5")]
    seed: u64,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Send only canonical encodings, as ABI-typed fuzzers do.
    #[arg(long)]
    no_mutation: bool,
    /// Keep findings as found instead of minimizing them.
    #[arg(long)]
    no_minimize: bool,
    /// Stop the campaign at the first finding of this class or a more severe one.
    #[arg(long, value_enum, value_name = "CLASS")]
    stop_at: Option<ClassArg>,
    /// Do not report denials for different clauses (for modules without the spec's codes).
    #[arg(long)]
    no_reasons: bool,
    /// How ops are signed: one fixed nonce per (public, throwaway) key, or RFC 6979.
    #[arg(long, value_enum, default_value_t = SigningArg::FixedNonce)]
    signing: SigningArg,
    /// Where findings are written.
    #[arg(long, value_name = "DIR", default_value = "corpus/findings")]
    out: PathBuf,
    /// Output for people (text) or for tools (json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

/// A finding class on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ClassArg {
    /// Bypass (critical).
    Bypass,
    /// Strictness.
    Strictness,
    /// Liveness.
    Liveness,
    /// State.
    State,
    /// Reason.
    Reason,
}

impl From<ClassArg> for Class {
    fn from(c: ClassArg) -> Self {
        match c {
            ClassArg::Bypass => Class::Bypass,
            ClassArg::Strictness => Class::Strictness,
            ClassArg::Liveness => Class::Liveness,
            ClassArg::State => Class::State,
            ClassArg::Reason => Class::Reason,
        }
    }
}

/// A signing mode on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SigningArg {
    /// A fixed nonce per key (about 1 µs per signature).
    FixedNonce,
    /// RFC 6979 deterministic nonces (about 40 µs per signature).
    Rfc6979,
}

/// Parses a seed written in decimal or `0x` hex.
pub(crate) fn parse_seed(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|e| format!("{e} (a seed is a 64-bit number, decimal or 0x hex)"))
}

/// The JSON summary of a campaign.
#[derive(Serialize)]
struct JsonSummary<'a> {
    module: &'a str,
    seed: u64,
    workers: usize,
    mutation: bool,
    seconds: f64,
    cases: u64,
    ops: u64,
    ops_per_sec: f64,
    allowed: u64,
    features: u64,
    findings: Vec<JsonFinding>,
}

#[derive(Serialize)]
struct JsonFinding {
    class: Class,
    severity: &'static str,
    file: String,
    seconds: f64,
    detail: String,
}

impl Run for FuzzArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        let target = self.target.resolve()?;
        let policy = match &self.policy {
            Some(path) => Some(Box::new(crate::policy_file::read(path)?.policy)),
            None => None,
        };
        let workers = self.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        if workers == 0 {
            bail!("--workers must be at least 1");
        }
        let budget = match self.cases {
            Some(n) => Budget::Cases(n),
            None if self.seconds == 0 => bail!("--seconds must be at least 1"),
            None => Budget::Time(Duration::from_secs(self.seconds)),
        };
        let config = CampaignConfig {
            seed: self.seed,
            workers,
            budget,
            case: CaseConfig { mutate: !self.no_mutation, policy, ..CaseConfig::default() },
            run: RunConfig {
                compare_reasons: !self.no_reasons,
                signing: match self.signing {
                    SigningArg::FixedNonce => Signing::FixedNonce,
                    SigningArg::Rfc6979 => Signing::Rfc6979,
                },
                ..RunConfig::campaign()
            },
            minimize: (!self.no_minimize).then(MinimizeBudget::default),
            stop_at: self.stop_at.map(Class::from),
        };
        std::fs::create_dir_all(&self.out).with_context(|| {
            format!("cannot create the findings directory '{}'", self.out.display())
        })?;

        let progress = Progress::default();
        install_ctrl_c(&progress);
        let text = self.format == OutputFormat::Text;
        let live = text && io::stderr().is_terminal();
        if text {
            writeln!(
                io::stderr(),
                "leash fuzz: {} with {} worker(s), seed {:#x}, mutation {}, {}",
                target.label,
                workers,
                self.seed,
                if self.no_mutation { "off (canonical encodings only)" } else { "on" },
                match budget {
                    Budget::Time(d) => format!("{} s", d.as_secs()),
                    Budget::Cases(n) => format!("{n} cases per worker"),
                }
            )?;
        }
        let written: std::sync::Mutex<Vec<(Found, PathBuf)>> = std::sync::Mutex::new(Vec::new());
        let write_error: std::sync::Mutex<Option<anyhow::Error>> = std::sync::Mutex::new(None);
        let on_found = |found: &Found| match found.entry.write(&self.out) {
            Ok(path) => {
                if text {
                    let detail = found.entry.finding.as_ref().map_or("", |f| f.detail.as_str());
                    let class = found.entry.expect.map_or("finding", Class::name);
                    let _ = writeln!(
                        io::stderr(),
                        "{}finding [{class}] after {:.1} s: {detail}\n  written to {}",
                        if live { "\r\x1b[2K" } else { "" },
                        found.seconds,
                        path.display()
                    );
                }
                written.lock().expect("not poisoned").push((found.clone(), path));
            }
            Err(e) => {
                progress.stop.store(true, Ordering::Relaxed);
                *write_error.lock().expect("not poisoned") = Some(e.into());
            }
        };
        let summary = std::thread::scope(|scope| {
            let reporter = text.then(|| scope.spawn(|| report_progress(&progress, budget, live)));
            let result = run_campaign(&target, &config, &progress, &on_found);
            progress.stop.store(true, Ordering::Relaxed);
            if let Some(reporter) = reporter {
                let _ = reporter.join();
            }
            result
        })?;
        if let Some(error) = write_error.into_inner().expect("not poisoned") {
            return Err(error.context("a finding could not be written; the campaign stopped"));
        }
        let written = written.into_inner().expect("not poisoned");
        let p = summary.progress;
        match self.format {
            OutputFormat::Text => print_summary(&target.label, &p, &written)?,
            OutputFormat::Json => {
                let json = JsonSummary {
                    module: &target.label,
                    seed: self.seed,
                    workers,
                    mutation: !self.no_mutation,
                    seconds: p.elapsed,
                    cases: p.cases,
                    ops: p.ops,
                    ops_per_sec: p.ops_per_sec(),
                    allowed: p.allowed,
                    features: p.features,
                    findings: written
                        .iter()
                        .map(|(f, path)| JsonFinding {
                            class: f.entry.expect.unwrap_or(Class::State),
                            severity: f.entry.expect.map_or("", Class::severity),
                            file: path.display().to_string(),
                            seconds: f.seconds,
                            detail: f
                                .entry
                                .finding
                                .as_ref()
                                .map_or_else(String::new, |x| x.detail.clone()),
                        })
                        .collect(),
                };
                let text = serde_json::to_string_pretty(&json)?;
                writeln!(io::stdout(), "{text}")?;
            }
        }
        Ok(if written.is_empty() { Outcome::Clean } else { Outcome::Findings })
    }
}

/// Ctrl-C sets the campaign's stop flag, so workers finish their case and every finding is
/// kept; a second Ctrl-C exits at once.
fn install_ctrl_c(progress: &Progress) {
    let stop = std::sync::Arc::clone(&progress.stop);
    // Only the first campaign of the process installs a handler; there is only ever one.
    let _ = ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::Relaxed) {
            std::process::exit(130);
        }
    });
}

/// Prints progress to stderr until the campaign stops: a bar rewritten in place on a terminal,
/// a plain line every ten seconds otherwise.
fn report_progress(progress: &Progress, budget: Budget, live: bool) {
    let tick = if live { Duration::from_millis(250) } else { Duration::from_secs(10) };
    while !progress.stop.load(Ordering::Relaxed) {
        std::thread::sleep(tick);
        if progress.stop.load(Ordering::Relaxed) {
            break;
        }
        let s = progress.snapshot();
        let line = status_line(&s, budget);
        let _ = if live {
            write!(io::stderr(), "\r\x1b[2K{line}")
        } else {
            writeln!(io::stderr(), "{line}")
        };
    }
    if live {
        let _ = write!(io::stderr(), "\r\x1b[2K");
    }
}

fn status_line(s: &Snapshot, budget: Budget) -> String {
    let bar = match budget {
        Budget::Time(d) => {
            let done = (s.elapsed / d.as_secs_f64()).clamp(0.0, 1.0);
            let filled = (done * 20.0).round() as usize;
            format!("[{}{}] {:>3.0}% ", "#".repeat(filled), "-".repeat(20 - filled), done * 100.0)
        }
        Budget::Cases(_) => String::new(),
    };
    format!(
        "{bar}{:.0} s  {} cases  {} ops ({:.0} ops/s)  {} features  findings: {}",
        s.elapsed,
        human::group_digits(s.cases),
        human::group_digits(s.ops),
        s.ops_per_sec(),
        s.features,
        findings_by_class(s)
    )
}

fn findings_by_class(s: &Snapshot) -> String {
    let parts: Vec<String> = Class::ALL
        .iter()
        .zip(s.findings)
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| format!("{n} {c}"))
        .collect();
    if parts.is_empty() { "none".into() } else { parts.join(", ") }
}

fn print_summary(label: &str, p: &Snapshot, written: &[(Found, PathBuf)]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "leash fuzz summary for {label}")?;
    writeln!(out, "  time:       {:.1} s", p.elapsed)?;
    writeln!(
        out,
        "  executed:   {} cases, {} ops ({:.0} ops/s, {:.0} cases/s)",
        human::group_digits(p.cases),
        human::group_digits(p.ops),
        p.ops_per_sec(),
        if p.elapsed > 0.0 { p.cases as f64 / p.elapsed } else { 0.0 }
    )?;
    writeln!(
        out,
        "  verdicts:   {} ops allowed by the spec, {} denied",
        human::group_digits(p.allowed),
        human::group_digits(p.ops.saturating_sub(p.allowed))
    )?;
    writeln!(
        out,
        "  coverage:   {} distinct behaviours (spec verdict x module outcome x mutation x batch size)",
        p.features
    )?;
    writeln!(out, "  findings:   {}", findings_by_class(p))?;
    for (found, path) in written {
        let class = found.entry.expect.map_or("finding", Class::name);
        let severity = found.entry.expect.map_or("", Class::severity);
        writeln!(out, "    [{class}, {severity}] {}", path.display())?;
        if let Some(f) = &found.entry.finding {
            writeln!(out, "      {}", f.detail)?;
        }
    }
    if !written.is_empty() {
        writeln!(
            out,
            "  next:       leash report {}",
            written[0].1.parent().map_or_else(String::new, |p| p.display().to_string())
        )?;
    }
    Ok(())
}
