//! `leash fuzz`: a differential campaign against the reference module (the default), a mutant,
//! or an external module, with live progress, findings written to the corpus as they are found,
//! and a summary. Exit 1 when there are findings.

use std::io::{self, IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leash_fuzz::corpus;
use leash_fuzz::engine::{
    Budget, CampaignConfig, CampaignTime, Found, Progress, Snapshot, Summary, run_campaign,
};
use leash_fuzz::evm::Signing;
use leash_fuzz::finding::Class;
use leash_fuzz::generate::CaseConfig;
use leash_fuzz::limits::MAX_WORKERS;
use leash_fuzz::minimize::MinimizeBudget;
use leash_fuzz::run::RunConfig;
use leash_fuzz::sources::coverage::CodeCoverage;
use serde::Serialize;

use super::{Outcome, OutputFormat, Run};
use crate::target_args::TargetArgs;
use crate::{human, terminal};

/// Arguments of `leash fuzz`.
#[derive(Debug, Args)]
#[command(after_help = "Findings are minimized and written to --out as they are found (one \
                        JSON file each, written atomically), so stopping with Ctrl-C keeps every \
                        one; a finding that cannot be written is printed instead. Exit status: 0 \
                        no findings, 1 findings, 2 bad input or a finding that could not be \
                        written, 130 stopped by Ctrl-C before any finding.")]
pub(crate) struct FuzzArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Install this policy (TOML or JSON, format version 1 to 3) instead of generated ones. Its
    /// addresses must be those of the reference world (see the README). A gas rule or chain list
    /// (version 3) cannot be sent to an ISessionManager module yet.
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
    /// A corpus directory: start from the inputs in it, save every input that reaches new
    /// coverage to it (atomically), and pick up what other campaigns sharing it add.
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Do not record the module's branch edges (no coverage lines, no lcov, no inspector cost
    /// per instruction).
    #[arg(long)]
    no_coverage: bool,
    /// Record the module's branch edges but do not let them guide: keep inputs for new
    /// behaviours only, and do not feed the words the module compares to the generators.
    /// Guidance is on by default: on the reference module's mutants it finds bypasses sooner
    /// (docs/coverage.md).
    #[arg(long, conflicts_with = "no_coverage")]
    no_coverage_guidance: bool,
    /// Write the lcov of the module's (and account's) Solidity the campaign reached here.
    #[arg(long, value_name = "FILE", conflicts_with = "no_coverage")]
    coverage_out: Option<PathBuf>,
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
    /// Documented limitation.
    Limitation,
}

impl From<ClassArg> for Class {
    fn from(c: ClassArg) -> Self {
        match c {
            ClassArg::Bypass => Class::Bypass,
            ClassArg::Strictness => Class::Strictness,
            ClassArg::Liveness => Class::Liveness,
            ClassArg::State => Class::State,
            ClassArg::Reason => Class::Reason,
            ClassArg::Limitation => Class::Limitation,
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
    let (digits, radix) = match text.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    // Digits only: `from_str_radix` would also take a sign.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err("not a number (a seed is a 64-bit number, decimal or 0x hex)".into());
    }
    u64::from_str_radix(digits, radix)
        .map_err(|e| format!("{e} (a seed is a 64-bit number, decimal or 0x hex)"))
}

/// The JSON summary of a campaign.
#[derive(Serialize)]
struct JsonSummary<'a> {
    module: &'a str,
    seed: u64,
    workers: usize,
    mutation: bool,
    /// Whether the module's branch edges guided the campaign (not `--no-coverage` nor
    /// `--no-coverage-guidance`).
    coverage_guidance: bool,
    seconds: f64,
    cases: u64,
    ops: u64,
    ops_per_sec: f64,
    allowed: u64,
    not_runnable: u64,
    features: u64,
    edges: u64,
    corpus_loaded: u64,
    corpus_saved: u64,
    corpus_imported: u64,
    /// Per covered code: (reached, total) source branches and (hit, total) lines, when its
    /// artifact has a source map.
    code: Vec<JsonCode>,
    /// Where the workers' time went, in seconds summed over the workers.
    time: CampaignTime,
    /// Ops the model denied, by reason: every reason, with its clause, including those no op
    /// hit (the rules the campaign did not exercise).
    denials: Vec<JsonDenial>,
    /// Allowed ops that moved each counter: every counter, with its clause, including those
    /// no allowed op moved.
    counted: Vec<JsonCounted>,
    findings: Vec<JsonFinding>,
    unwritten: Vec<JsonUnwritten<'a>>,
    interrupted: bool,
}

/// How many ops the model denied for one reason.
#[derive(Serialize)]
struct JsonDenial {
    reason: &'static str,
    clause: &'static str,
    ops: u64,
}

/// How many allowed ops moved one counter.
#[derive(Serialize)]
struct JsonCounted {
    counter: &'static str,
    clause: &'static str,
    ops: u64,
}

/// A finding that could not be written, with its whole entry.
#[derive(Serialize)]
struct JsonUnwritten<'a> {
    class: Class,
    error: String,
    entry: &'a leash_fuzz::corpus::Entry,
}

#[derive(Serialize)]
struct JsonCode {
    name: String,
    branches: Option<(usize, usize)>,
    lines: Option<(usize, usize)>,
}

#[derive(Serialize)]
struct JsonFinding {
    class: Class,
    severity: &'static str,
    file: String,
    seconds: f64,
    detail: String,
}

impl FuzzArgs {
    /// Whether the module's branch edges guide the campaign: they are recorded and guidance is
    /// not turned off.
    fn guided(&self) -> bool {
        !self.no_coverage && !self.no_coverage_guidance
    }
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
        if workers > MAX_WORKERS {
            bail!(
                "--workers {workers} is more than {MAX_WORKERS}, the most leash runs \
                 (docs/limits.md); this machine has {} core(s)",
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            );
        }
        let budget = match self.cases {
            Some(0) => bail!("--cases must be at least 1 (a campaign of no cases tests nothing)"),
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
                coverage: !self.no_coverage,
                ..RunConfig::campaign()
            },
            minimize: (!self.no_minimize).then(MinimizeBudget::default),
            stop_at: self.stop_at.map(Class::from),
            corpus: self.corpus.clone(),
            guidance: self.guided(),
        };
        std::fs::create_dir_all(&self.out).with_context(|| {
            format!("cannot create the findings directory '{}'", self.out.display())
        })?;
        // A directory findings cannot go to fails now, not at the first finding.
        let probe = self.out.join(format!(".leash-write-probe-{}", std::process::id()));
        std::fs::write(&probe, b"").and_then(|()| std::fs::remove_file(&probe)).with_context(
            || format!("cannot write to the findings directory '{}'", self.out.display()),
        )?;
        let recovered = corpus::recover(&self.out)?;

        let progress = Progress::default();
        let interrupted = Arc::new(AtomicBool::new(false));
        install_ctrl_c(&progress, &interrupted);
        let text = self.format == OutputFormat::Text;
        let live = text && io::stderr().is_terminal();
        if text && !recovered.is_empty() {
            let paths: Vec<String> = recovered.iter().map(|p| p.display().to_string()).collect();
            writeln!(
                io::stderr(),
                "leash fuzz: recovered {} an interrupted run left in temporary files: {}",
                human::plural(recovered.len() as u64, "finding"),
                paths.join(", ")
            )?;
        }
        if text {
            writeln!(
                io::stderr(),
                "leash fuzz: {} with {} worker(s), seed {:#x}, mutation {}, coverage {}, {}",
                target.label,
                workers,
                self.seed,
                if self.no_mutation { "off (canonical encodings only)" } else { "on" },
                match (self.no_coverage, self.no_coverage_guidance) {
                    (true, _) => "off",
                    (false, true) => "recorded (guidance off)",
                    (false, false) => "recorded and guiding",
                },
                match budget {
                    Budget::Time(d) => format!("{} s", d.as_secs()),
                    Budget::Cases(n) => format!("{n} cases per worker"),
                }
            )?;
        }
        let bar = progress_bar(budget, workers, live);
        // A line printed while the bar is drawn goes above it.
        let print = |text: String| match &bar {
            Some(bar) => bar.suspend(|| writeln!(io::stderr(), "{text}")),
            None => writeln!(io::stderr(), "{text}"),
        };
        let written: Mutex<Vec<(Found, PathBuf)>> = Mutex::new(Vec::new());
        let unwritten: Mutex<Vec<(Found, String)>> = Mutex::new(Vec::new());
        let on_found = |found: &Found| match found.entry.write(&self.out) {
            Ok(path) => {
                if text {
                    let detail = found.entry.finding.as_ref().map_or("", |f| f.detail.as_str());
                    let class = found.entry.expect.map_or("finding", Class::name);
                    let _ = print(format!(
                        "finding [{class}] after {:.1} s: {detail}\n  written to {}",
                        found.seconds,
                        path.display()
                    ));
                }
                written.lock().expect("not poisoned").push((found.clone(), path));
            }
            // The finding is not lost: it is printed here (text) and in the summary (both
            // formats), and the campaign stops, since the next one would fail the same way.
            Err(e) => {
                progress.stop.store(true, Ordering::Relaxed);
                if text {
                    let class = found.entry.expect.map_or("finding", Class::name);
                    let _ = print(format!(
                        "finding [{class}] after {:.1} s could NOT be written ({e}); the \
                         entry:\n{}",
                        found.seconds,
                        serde_json::to_string(&found.entry).unwrap_or_default()
                    ));
                }
                unwritten.lock().expect("not poisoned").push((found.clone(), e.to_string()));
            }
        };
        let summary = std::thread::scope(|scope| {
            let reporter = text
                .then(|| scope.spawn(|| report_progress(&progress, budget, workers, bar.as_ref())));
            let result = run_campaign(&target, &config, &progress, &on_found);
            progress.stop.store(true, Ordering::Relaxed);
            if let Some(reporter) = reporter {
                // Wake it from its tick: the process exits as soon as the campaign does.
                reporter.thread().unpark();
                let _ = reporter.join();
            }
            result
        })?;
        // A Ctrl-C after the campaign ended does not make it an interrupted one.
        let interrupted = interrupted.load(Ordering::Relaxed);
        let written = written.into_inner().expect("not poisoned");
        let unwritten = unwritten.into_inner().expect("not poisoned");
        let p = summary.progress;
        let codes = if self.no_coverage {
            Vec::new()
        } else {
            super::coverage::covered_codes(&target, &summary.reached)?
        };
        if let Some(path) = &self.coverage_out {
            super::coverage::write_lcov(path, &codes)?;
        }
        // A reader that went away (`| head`) does not change what the campaign found: the exit
        // status still says it.
        let printed = match self.format {
            OutputFormat::Text => print_summary(&target.label, &summary, &written, &unwritten)
                .and_then(|()| print_coverage(&p, &codes, self.coverage_out.as_deref())),
            OutputFormat::Json => {
                let json = JsonSummary {
                    module: &target.label,
                    seed: self.seed,
                    workers,
                    mutation: !self.no_mutation,
                    coverage_guidance: self.guided(),
                    seconds: p.elapsed,
                    cases: p.cases,
                    ops: p.ops,
                    ops_per_sec: p.ops_per_sec(),
                    allowed: p.allowed,
                    not_runnable: p.not_runnable,
                    features: p.features,
                    edges: p.edges,
                    corpus_loaded: p.loaded,
                    corpus_saved: p.saved,
                    corpus_imported: p.imported,
                    time: summary.time,
                    denials: summary
                        .denials
                        .iter()
                        .map(|(reason, ops)| JsonDenial {
                            reason: reason.name(),
                            clause: reason.clause(),
                            ops: *ops,
                        })
                        .collect(),
                    counted: summary
                        .counted
                        .iter()
                        .map(|(counter, ops)| JsonCounted {
                            counter: counter.name(),
                            clause: counter.clause(),
                            ops: *ops,
                        })
                        .collect(),
                    code: codes
                        .iter()
                        .map(|(name, c)| JsonCode {
                            name: name.clone(),
                            branches: c.as_ref().ok().map(|c| c.branch_counts()),
                            lines: c.as_ref().ok().map(|c| c.line_counts()),
                        })
                        .collect(),
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
                    unwritten: unwritten
                        .iter()
                        .map(|(f, error)| JsonUnwritten {
                            class: f.entry.expect.unwrap_or(Class::State),
                            error: error.clone(),
                            entry: &f.entry,
                        })
                        .collect(),
                    interrupted,
                };
                let text = serde_json::to_string_pretty(&json)?;
                writeln!(io::stdout(), "{text}")
            }
        };
        match printed {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e.into()),
            _ => {}
        }
        if let Some((_, error)) = unwritten.first() {
            bail!(
                "{} could not be written to '{}' ({error}); the campaign stopped and printed {} \
                 on {}",
                human::plural(unwritten.len() as u64, "finding"),
                self.out.display(),
                if unwritten.len() == 1 { "it" } else { "them" },
                if text { "stderr" } else { "stdout (\"unwritten\")" }
            );
        }
        // A documented limitation is the module doing what it is designed to do: reported, but
        // not a failure.
        let failing = written.iter().any(|(f, _)| f.entry.expect != Some(Class::Limitation));
        Ok(if failing {
            Outcome::Findings
        } else if interrupted {
            Outcome::Interrupted
        } else {
            Outcome::Clean
        })
    }
}

/// Ctrl-C sets the campaign's stop flag, so workers finish their case and every finding is
/// kept, and marks the campaign interrupted (exit 130 without findings); a second Ctrl-C exits
/// at once.
fn install_ctrl_c(progress: &Progress, interrupted: &Arc<AtomicBool>) {
    let stop = Arc::clone(&progress.stop);
    let interrupted = Arc::clone(interrupted);
    // Only the first campaign of the process installs a handler; there is only ever one.
    let _ = ctrlc::set_handler(move || {
        interrupted.store(true, Ordering::Relaxed);
        if stop.swap(true, Ordering::Relaxed) {
            std::process::exit(130);
        }
    });
}

/// The live progress bar on a terminal: the budget's share done, rate, elapsed time and ETA,
/// then the campaign's counters; `None` when stderr is not a terminal.
fn progress_bar(budget: Budget, workers: usize, live: bool) -> Option<ProgressBar> {
    if !live {
        return None;
    }
    let (length, template) = match budget {
        // Position in milliseconds of the budget, so the ETA is the time left.
        Budget::Time(d) => (
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            "[{bar:20}] {percent:>3}% {elapsed} (ETA {eta})  {wide_msg}",
        ),
        // Position in cases of all workers; the rate is theirs.
        Budget::Cases(n) => (
            n.saturating_mul(workers as u64),
            "[{bar:20}] {percent:>3}% {elapsed} ({per_sec}, ETA {eta})  {wide_msg}",
        ),
    };
    let style = ProgressStyle::with_template(template)
        .expect("the template is valid")
        .progress_chars("#>-");
    let bar =
        ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr()).with_style(style);
    Some(bar)
}

/// Reports progress on stderr until the campaign stops: the bar redrawn four times a second on
/// a terminal, a plain line every ten seconds otherwise. It sleeps parked, so the campaign's end
/// wakes it.
fn report_progress(progress: &Progress, budget: Budget, workers: usize, bar: Option<&ProgressBar>) {
    let tick = if bar.is_some() { Duration::from_millis(250) } else { Duration::from_secs(10) };
    let mut last = Instant::now();
    while !progress.stop.load(Ordering::Relaxed) {
        std::thread::park_timeout(tick.saturating_sub(last.elapsed()));
        if progress.stop.load(Ordering::Relaxed) {
            break;
        }
        if last.elapsed() < tick {
            continue;
        }
        last = Instant::now();
        let s = progress.snapshot();
        match bar {
            Some(bar) => {
                bar.set_position(match budget {
                    Budget::Time(_) => (s.elapsed * 1000.0) as u64,
                    Budget::Cases(_) => s.cases,
                });
                bar.set_message(counters(&s));
            }
            None => {
                let _ = writeln!(io::stderr(), "{}", status_line(&s, budget, workers));
            }
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

/// The plain progress line for a log: the budget's share done, time, time left, counters
/// (`budget` is per worker; `workers` of them share it). With a case budget the time left is
/// projected from the rate so far, and left out before the first case.
fn status_line(s: &Snapshot, budget: Budget, workers: usize) -> String {
    let (share, left) = match budget {
        Budget::Time(d) => {
            let budget = d.as_secs_f64();
            let share = if budget > 0.0 { s.elapsed / budget } else { 1.0 };
            (share, Some(budget - s.elapsed))
        }
        Budget::Cases(n) => {
            let total = n.saturating_mul(workers as u64) as f64;
            let share = if total > 0.0 { s.cases as f64 / total } else { 1.0 };
            let left = (s.cases > 0).then(|| s.elapsed * (total - s.cases as f64) / s.cases as f64);
            (share, left)
        }
    };
    let eta = left.map_or(String::new(), |left| format!(" (ETA {:.0} s)", left.max(0.0)));
    format!("{:>3.0}% {:.0} s{eta}  {}", share.clamp(0.0, 1.0) * 100.0, s.elapsed, counters(s))
}

/// The campaign's counters: findings first (a narrow terminal cuts the end), cases, ops and
/// their rate, behaviours, edges.
fn counters(s: &Snapshot) -> String {
    format!(
        "findings: {}  {} cases  {} ops ({:.0} ops/s)  {} behaviours  {} edges",
        findings_by_class(s),
        human::group_digits(s.cases),
        human::group_digits(s.ops),
        s.ops_per_sec(),
        s.features,
        s.edges,
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

/// The summary's coverage lines: one per covered code, the corpus directory's counts, the
/// lcov file.
fn print_coverage(
    p: &Snapshot,
    codes: &[(String, Result<CodeCoverage, String>)],
    lcov: Option<&std::path::Path>,
) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for (name, coverage) in codes {
        writeln!(out, "  {name} code: {}", super::coverage::summary_line(coverage))?;
    }
    if p.loaded + p.saved + p.imported > 0 {
        writeln!(
            out,
            "  corpus:     {} run at start, {} saved, {} from other campaigns",
            p.loaded, p.saved, p.imported
        )?;
    }
    if let Some(path) = lcov {
        writeln!(out, "  lcov:       {}", path.display())?;
    }
    Ok(())
}

/// Joins the words of one summary entry that a terminal line must not split.
const NO_BREAK: char = '\u{a0}';

/// Where the workers' time went, as shares of it: `model <1%, EVM 71%, ...` (a part that took
/// some time but rounds to 0% shows as `<1%`, so `0%` means none at all).
fn time_shares(time: &CampaignTime) -> String {
    let parts = [
        ("model", time.model),
        ("EVM", time.evm),
        ("signing", time.signing),
        ("generation", time.generation),
        ("minimization", time.minimization),
    ];
    let share = |part: f64| {
        let percent = if time.workers > 0.0 { part / time.workers * 100.0 } else { 0.0 };
        if part > 0.0 && percent < 0.5 { "<1%".to_string() } else { format!("{percent:.0}%") }
    };
    let rest = time.workers - parts.iter().map(|(_, t)| t).sum::<f64>();
    let mut shown: Vec<String> =
        parts.iter().map(|(name, t)| format!("{name} {}", share(*t))).collect();
    shown.push(format!("the rest (oracle, invariants, bookkeeping) {}", share(rest.max(0.0))));
    format!("{} of {:.1} worker-seconds", shown.join(", "), time.workers)
}

/// Splits tallies `(clause, name, count)` into the entries counted, as "clause name count", and
/// the `(clause, name)` of those never counted.
fn split_tallies<'a>(
    tallies: impl Iterator<Item = (&'a str, &'a str, u64)>,
) -> (Vec<String>, Vec<(&'a str, &'a str)>) {
    let (counted, never): (Vec<_>, Vec<_>) = tallies.partition(|(_, _, n)| *n > 0);
    let counted = counted
        .iter()
        .map(|(clause, name, n)| unbroken(&[clause, name, &human::group_digits(*n)]))
        .collect();
    (counted, never.into_iter().map(|(clause, name, _)| (clause, name)).collect())
}

/// Words joined so a wrapped line never splits them: by no-break spaces, their own spaces too.
fn unbroken(words: &[&str]) -> String {
    words.join(" ").replace(' ', NO_BREAK.encode_utf8(&mut [0; 4]))
}

/// A list's entries, or "none".
fn listed(entries: &[String]) -> String {
    if entries.is_empty() { "none".to_string() } else { entries.join(", ") }
}

fn print_summary(
    label: &str,
    summary: &Summary,
    written: &[(Found, PathBuf)],
    unwritten: &[(Found, String)],
) -> io::Result<()> {
    let p = &summary.progress;
    // The long lines (time shares, clause lists) wrap under their values on a terminal, never
    // inside one clause's entry (its words are joined by no-break spaces until wrapped).
    let width = terminal::wrap_width();
    let wrapped = |line: String| terminal::wrap(&line, 2, 14, width).replace(NO_BREAK, " ");
    let mut out = io::stdout().lock();
    writeln!(out, "leash fuzz summary for {label}")?;
    writeln!(out, "  time:       {:.1} s", p.elapsed)?;
    writeln!(out, "{}", wrapped(format!("time went:  {}", time_shares(&summary.time))))?;
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
    let (hit, missed) =
        split_tallies(summary.denials.iter().map(|(r, n)| (r.clause(), r.name(), *n)));
    writeln!(
        out,
        "{}",
        wrapped(format!(
            "rules hit:  {} of {} denial clauses: {}",
            hit.len(),
            summary.denials.len(),
            listed(&hit)
        ))
    )?;
    if !missed.is_empty() {
        let missed: Vec<&str> = missed.iter().map(|(clause, _)| *clause).collect();
        writeln!(out, "{}", wrapped(format!("never hit:  {}", missed.join(", "))))?;
    }
    let (moved, unmoved) =
        split_tallies(summary.counted.iter().map(|(c, n)| (c.clause(), c.name(), *n)));
    writeln!(
        out,
        "{}",
        wrapped(format!(
            "counted:    allowed ops moved {} of {} counters: {}",
            moved.len(),
            summary.counted.len(),
            listed(&moved)
        ))
    )?;
    if !unmoved.is_empty() {
        let unmoved: Vec<String> =
            unmoved.iter().map(|(clause, name)| unbroken(&[clause, name])).collect();
        writeln!(out, "{}", wrapped(format!("unmoved:    {}", unmoved.join(", "))))?;
    }
    writeln!(
        out,
        "  coverage:   {} distinct behaviours (spec verdict x module outcome x mutation x batch size)",
        p.features
    )?;
    if p.not_runnable > 0 {
        writeln!(
            out,
            "  not run:    {} the harness could not run to the end (its gas limits; not findings)",
            human::plural(p.not_runnable, "case")
        )?;
    }
    writeln!(out, "  findings:   {}", findings_by_class(p))?;
    for (found, path) in written {
        let class = found.entry.expect.map_or("finding", Class::name);
        let severity = found.entry.expect.map_or("", Class::severity);
        writeln!(out, "    [{class}, {severity}] {}", path.display())?;
        if let Some(f) = &found.entry.finding {
            writeln!(out, "      {}", f.detail)?;
        }
    }
    for (found, error) in unwritten {
        let class = found.entry.expect.map_or("finding", Class::name);
        writeln!(out, "    [{class}] NOT WRITTEN ({error}); the entry follows on one line:")?;
        writeln!(out, "{}", serde_json::to_string(&found.entry).unwrap_or_default())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_progress_lines_show_the_share_done_and_the_time_left() {
        let s = Snapshot { elapsed: 30.0, cases: 300, ops: 3000, ..Snapshot::default() };
        let counters = "findings: none  300 cases  3,000 ops (100 ops/s)  0 behaviours  0 edges";
        let time = Budget::Time(Duration::from_secs(60));
        assert_eq!(status_line(&s, time, 2), format!(" 50% 30 s (ETA 30 s)  {counters}"));
        // 300 of 2 x 600 cases in 30 s: 900 more take 90 s at that rate.
        let cases = Budget::Cases(600);
        assert_eq!(status_line(&s, cases, 2), format!(" 25% 30 s (ETA 90 s)  {counters}"));
        // Before the first case there is no rate to project from.
        let start = Snapshot { elapsed: 10.0, ..Snapshot::default() };
        assert!(status_line(&start, cases, 2).starts_with("  0% 10 s  findings: none"));
    }

    #[test]
    fn a_share_that_rounds_to_nothing_shows_as_below_one_percent() {
        let time = CampaignTime {
            workers: 100.0,
            model: 0.2,
            evm: 75.0,
            signing: 11.0,
            generation: 5.0,
            minimization: 0.0,
        };
        assert_eq!(
            time_shares(&time),
            "model <1%, EVM 75%, signing 11%, generation 5%, minimization 0%, the rest (oracle, \
             invariants, bookkeeping) 9% of 100.0 worker-seconds"
        );
    }
}
