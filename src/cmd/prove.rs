//! `leash prove`: runs the model's property harnesses (`leash_proofs::harnesses()`)
//! exhaustively over their boundary domains and on random full-width inputs, or hands over to
//! Kani with `--kani`. Exit 1 when a property fails.

use std::io::{self, Write as _};
use std::panic::{self, PanicHookInfo};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use leash_proofs::{Harness, Mode, Report, harnesses};
use serde::Serialize;

use super::fuzz::parse_seed;
use super::{Outcome, OutputFormat, Run};
use crate::terminal;

/// The most cases an exhaustive run may take: more than any harness's domain (the largest,
/// `p6_scope`, is under 100,000), so a run that reaches it is reported incomplete.
const EXHAUSTIVE_CASE_LIMIT: u64 = 1_000_000;
/// How to install Kani.
const KANI_INSTALL: &str = "cargo install --locked kani-verifier && cargo kani setup";

/// Arguments of `leash prove`.
#[derive(Debug, Args)]
#[command(after_help = "Without --kani this is testing, not a proof: every harness runs \
                        exhaustively over the small boundary domains listed in proofs/README.md \
                        and on --budget random full-width cases. --kani runs the bounded proofs \
                        (`cargo kani -p leash-proofs`). Exit status: 0 all passed, 1 a property \
                        failed, 2 bad input or Kani missing.")]
pub(crate) struct ProveArgs {
    /// Which runners to use.
    #[arg(long, value_enum, default_value_t = ModeChoice::Both)]
    mode: ModeChoice,
    /// Random cases per harness (checked plus discarded).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    budget: u64,
    /// The random runners' seed (decimal or 0x hex; the default is the one proofs/tests use).
    /// The harness name is mixed in, so harnesses do not share streams.
    #[arg(long, value_name = "SEED", value_parser = parse_seed, default_value = "0x1ea54ca5")]
    seed: u64,
    /// Run only this harness: a name from the table (an unknown name lists them all).
    #[arg(long, value_name = "NAME")]
    harness: Option<String>,
    /// Output for people (text) or for tools (json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Run the bounded proofs with Kani (`cargo kani -p leash-proofs`) instead, streaming its
    /// output and exiting with its status.
    #[arg(long, conflicts_with_all = ["mode", "budget", "seed", "format"])]
    kani: bool,
}

/// Which runners `--mode` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ModeChoice {
    /// Every combination of each harness's boundary hints, once.
    Exhaustive,
    /// `--budget` random cases per harness, mostly full-width values.
    Random,
    /// Exhaustive, then random.
    Both,
}

impl Run for ProveArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        if self.budget == 0 && self.mode != ModeChoice::Exhaustive && !self.kani {
            bail!(
                "--budget must be at least 1 (no random case would run); --mode exhaustive runs none"
            );
        }
        if self.kani {
            return run_kani(self.harness.as_deref());
        }
        let selected: Vec<&'static Harness> = match &self.harness {
            Some(name) => match leash_proofs::harness(name) {
                Some(harness) => vec![harness],
                None => bail!("no harness named '{name}' (harnesses: {})", harness_names()),
            },
            None => harnesses().iter().collect(),
        };
        let modes: Vec<Mode> = match self.mode {
            ModeChoice::Exhaustive => vec![Mode::Exhaustive],
            ModeChoice::Random => vec![Mode::Random { seed: self.seed }],
            ModeChoice::Both => vec![Mode::Exhaustive, Mode::Random { seed: self.seed }],
        };
        let mut stdout = io::stdout().lock();
        let text = self.format == OutputFormat::Text;
        if text {
            writeln!(stdout, "{}", table_header())?;
            stdout.flush()?;
        }
        let mut rows = Vec::new();
        for harness in selected {
            for &mode in &modes {
                let budget = match mode {
                    Mode::Exhaustive => EXHAUSTIVE_CASE_LIMIT,
                    Mode::Random { .. } => self.budget,
                };
                let row = Row::run(harness, mode, budget);
                if text {
                    writeln!(stdout, "{}", row.table_line())?;
                    stdout.flush()?;
                }
                rows.push(row);
            }
        }
        let guarantee = guarantee(self.mode, self.budget, self.seed);
        let failed = rows.iter().filter(|row| row.result != RunResult::Pass).count();
        if text {
            write!(stdout, "{}", text_epilogue(&rows, &guarantee))?;
        } else {
            let document = ProveJson {
                runs: rows.iter().map(Row::json).collect(),
                random_budget: (self.mode != ModeChoice::Exhaustive).then_some(self.budget),
                seed: (self.mode != ModeChoice::Exhaustive).then(|| format!("{:#x}", self.seed)),
                failed,
                kani: "not run",
                guarantee: &guarantee,
            };
            // Serialized first, so a closed stdout is a plain `io::Error` (see `main`).
            writeln!(stdout, "{}", serde_json::to_string_pretty(&document)?)?;
        }
        stdout.flush()?;
        Ok(if failed > 0 { Outcome::Findings } else { Outcome::Clean })
    }
}

/// Every harness name, comma-separated.
fn harness_names() -> String {
    harnesses().iter().map(|h| h.name).collect::<Vec<_>>().join(", ")
}

/// How a harness run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum RunResult {
    /// Completed without a counterexample.
    Pass,
    /// A property clause did not hold.
    Fail,
    /// The model or the harness panicked (a counterexample too).
    Panic,
    /// An exhaustive run hit the case limit before covering its domain.
    Incomplete,
}

impl RunResult {
    fn of(report: &Report) -> Self {
        match &report.counterexample {
            Some(counterexample)
                if counterexample.starts_with(&format!("{}: panicked", report.harness)) =>
            {
                Self::Panic
            }
            Some(_) => Self::Fail,
            None if !report.complete => Self::Incomplete,
            None => Self::Pass,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::Panic => "PANIC",
            Self::Incomplete => "INCOMPLETE",
        }
    }
}

/// One harness run in one mode.
struct Row {
    harness: &'static Harness,
    report: Report,
    result: RunResult,
    seconds: f64,
}

impl Row {
    /// Runs `harness` under `mode`, with the default panic hook silenced: the runner turns a
    /// panic into a counterexample, which the table reports.
    fn run(harness: &'static Harness, mode: Mode, budget: u64) -> Self {
        Self::timed(harness, || (harness.run)(mode, budget))
    }

    /// Times `run`, which reports on `harness`, with the panic hook silenced.
    fn timed(harness: &'static Harness, run: impl FnOnce() -> Report) -> Self {
        let started = Instant::now();
        let report = {
            let _quiet = QuietPanics::install();
            run()
        };
        let seconds = started.elapsed().as_secs_f64();
        let result = RunResult::of(&report);
        Self { harness, report, result, seconds }
    }

    fn table_line(&self) -> String {
        let r = &self.report;
        format!(
            "{:<25} {:>4}  {:<10} {:>8} {:>9} {:>8} {:>8}  {:<10} {:>9} {:>7.1}s  {}",
            self.harness.name,
            self.harness.property,
            mode_name(r.mode),
            r.cases,
            r.discarded,
            r.allowed,
            r.denied,
            self.result.name(),
            r.uncovered().len(),
            self.seconds,
            self.harness.clauses.join(" ")
        )
    }

    fn json(&self) -> RunJson<'_> {
        let r = &self.report;
        RunJson {
            harness: self.harness.name,
            property: self.harness.property,
            clauses: self.harness.clauses,
            summary: self.harness.summary,
            mode: mode_name(r.mode),
            seed: match r.mode {
                Mode::Random { seed } => Some(format!("{seed:#x}")),
                Mode::Exhaustive => None,
            },
            cases: r.cases,
            discarded: r.discarded,
            allowed: r.allowed,
            denied: r.denied,
            complete: r.complete,
            result: self.result,
            uncovered: r.uncovered(),
            counterexample: r.counterexample.as_deref(),
            seconds: self.seconds,
        }
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Exhaustive => "exhaustive",
        Mode::Random { .. } => "random",
    }
}

fn table_header() -> String {
    format!(
        "{:<25} {:>4}  {:<10} {:>8} {:>9} {:>8} {:>8}  {:<10} {:>9} {:>8}  {}",
        "harness",
        "prop",
        "mode",
        "checked",
        "discarded",
        "allowed",
        "denied",
        "result",
        "uncovered",
        "time",
        "clauses"
    )
}

/// What follows the table: counterexamples, uncovered goals, and what was (not) shown.
fn text_epilogue(rows: &[Row], guarantee: &str) -> String {
    let mut out = String::new();
    for row in rows {
        let uncovered = row.report.uncovered();
        if !uncovered.is_empty() {
            out.push_str(&format!(
                "\n{} ({}): cover goals never reached: {}\n",
                row.harness.name,
                mode_name(row.report.mode),
                uncovered.iter().map(|goal| format!("\"{goal}\"")).collect::<Vec<_>>().join(", ")
            ));
        }
        match (row.result, &row.report.counterexample) {
            (_, Some(counterexample)) => {
                out.push_str(&format!(
                    "\n{} FAILED: {}\n  property: {}\ncounterexample: {counterexample}\n",
                    row.harness.name,
                    row.harness.clauses.join(" "),
                    row.harness.summary
                ));
            }
            (RunResult::Incomplete, None) => out.push_str(&format!(
                "\n{} ({}): stopped at {} cases before covering its domain\n",
                row.harness.name,
                mode_name(row.report.mode),
                EXHAUSTIVE_CASE_LIMIT
            )),
            _ => {}
        }
    }
    let failed = rows.iter().filter(|row| row.result != RunResult::Pass).count();
    out.push('\n');
    out.push_str(&match (failed, rows.len()) {
        (0, 1) => "The run passed.\n".to_string(),
        (0, runs) => format!("All {runs} runs passed.\n"),
        (failed, runs) => format!("{failed} of {runs} runs FAILED.\n"),
    });
    out.push_str(&terminal::wrap(guarantee, 0, 0, terminal::wrap_width()));
    out.push('\n');
    out
}

/// The plain statement of what a run without Kani shows.
fn guarantee(mode: ModeChoice, budget: u64, seed: u64) -> String {
    let checked = match mode {
        ModeChoice::Exhaustive => {
            "exhaustive over the small boundary domains listed in proofs/README.md".to_string()
        }
        ModeChoice::Random => {
            format!("{budget} random full-width cases per harness (seed {seed:#x})")
        }
        ModeChoice::Both => format!(
            "exhaustive over the small boundary domains listed in proofs/README.md and {budget} \
             random full-width cases per harness (seed {seed:#x})"
        ),
    };
    format!(
        "What this shows: {checked}; this is testing, not a proof. Kani was not run. Run `cargo \
         kani -p leash-proofs` (or `leash prove --kani`) for the bounded proof."
    )
}

/// The JSON document `--format json` prints.
#[derive(Serialize)]
struct ProveJson<'a> {
    runs: Vec<RunJson<'a>>,
    random_budget: Option<u64>,
    seed: Option<String>,
    failed: usize,
    kani: &'static str,
    guarantee: &'a str,
}

/// One run in the JSON document.
#[derive(Serialize)]
struct RunJson<'a> {
    harness: &'static str,
    property: u8,
    clauses: &'static [&'static str],
    summary: &'static str,
    mode: &'static str,
    /// Hex, as `--seed` takes it (and a 64-bit number would not survive a JavaScript reader).
    seed: Option<String>,
    cases: u64,
    discarded: u64,
    allowed: u64,
    denied: u64,
    complete: bool,
    result: RunResult,
    uncovered: Vec<&'static str>,
    counterexample: Option<&'a str>,
    seconds: f64,
}

/// A panic hook, as `std::panic::take_hook` returns it.
type PanicHook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Replaces the panic hook with a silent one until dropped, then puts the previous one back.
struct QuietPanics {
    previous: Option<PanicHook>,
}

impl QuietPanics {
    fn install() -> Self {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(|_| {}));
        Self { previous: Some(previous) }
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            panic::set_hook(previous);
        }
    }
}

/// `leash prove --kani`: hands over to `cargo kani` if it is installed.
fn run_kani(harness: Option<&str>) -> anyhow::Result<Outcome> {
    if let Some(name) = harness {
        // Kani's entry points are the harness names, plus variants of one harness named
        // `<harness>_<variant>` (`p3_window_half_open`); `cargo kani --harness` matches
        // substrings.
        let known = harnesses().iter().any(|h| {
            name == h.name || name.strip_prefix(h.name).is_some_and(|rest| rest.starts_with('_'))
        });
        if !known {
            bail!("no harness named '{name}' (harnesses: {})", harness_names());
        }
    }
    let installed = Command::new("cargo")
        .args(["kani", "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        bail!(
            "Kani is not installed (`cargo kani --version` failed); install it with \
             `{KANI_INSTALL}`, then run `leash prove --kani` again from the repository"
        );
    }
    let mut command = Command::new("cargo");
    command.args(["kani", "-p", "leash-proofs"]);
    if let Some(name) = harness {
        command.args(["--harness", name]);
    }
    let shown = format!(
        "cargo kani -p leash-proofs{}",
        harness.map_or(String::new(), |name| format!(" --harness {name}"))
    );
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "leash prove --kani: running `{shown}`; the output below is Kani's.")?;
    stdout.flush()?;
    drop(stdout);
    let status = command.status().with_context(|| format!("cannot start `{shown}`"))?;
    match status.code() {
        Some(0) => Ok(Outcome::Clean),
        Some(code) => Ok(Outcome::Child(u8::try_from(code).unwrap_or(1))),
        None => bail!("`{shown}` was stopped by a signal before it finished"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_read_decimal_and_hex() {
        assert_eq!(parse_seed("0x1ea54ca5"), Ok(0x1ea5_4ca5));
        assert_eq!(parse_seed("12"), Ok(12));
        assert!(parse_seed("0xzz").is_err());
        // Issue #17 D7: `from_str_radix` and `parse` take a sign.
        for signed in ["+12", "0x+1", "-0", "0x", ""] {
            assert!(parse_seed(signed).is_err(), "{signed}");
        }
    }

    #[test]
    fn the_guarantee_says_it_is_not_a_proof() {
        let both = guarantee(ModeChoice::Both, 500, 1);
        assert!(both.contains(
            "exhaustive over the small boundary domains listed in proofs/README.md and 500 random \
             full-width cases"
        ));
        assert!(both.contains("this is testing, not a proof"));
        assert!(both.contains("`cargo kani -p leash-proofs` (or `leash prove --kani`)"));
    }

    fn harness_named(name: &str) -> &'static Harness {
        leash_proofs::harness(name).unwrap_or_else(|| panic!("no harness {name}"))
    }

    fn mutant(name: &str) -> &'static leash_proofs::mutants::Mutant {
        leash_proofs::mutants::mutants()
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no mutant {name}"))
    }

    #[test]
    fn a_failed_property_shows_its_counterexample() {
        let broken = mutant("per_call_off_by_one");
        let row = Row::timed(harness_named(broken.harness), || {
            (broken.run)(Mode::Exhaustive, EXHAUSTIVE_CASE_LIMIT)
        });
        assert_eq!(row.result, RunResult::Fail);
        assert!(row.table_line().contains("FAIL"), "{}", row.table_line());
        let epilogue = text_epilogue(std::slice::from_ref(&row), "guarantee");
        assert!(epilogue.contains("p2_per_call FAILED: §7.1 §7.2"), "{epilogue}");
        assert!(epilogue.contains("counterexample: p2_per_call: "), "{epilogue}");
        assert!(epilogue.contains("1 of 1 runs FAILED."), "{epilogue}");
    }

    #[test]
    fn a_panic_in_the_model_is_a_quiet_counterexample() {
        let broken = mutant("unchecked_outer_length");
        let row = Row::timed(harness_named(broken.harness), || {
            (broken.run)(Mode::Exhaustive, EXHAUSTIVE_CASE_LIMIT)
        });
        assert_eq!(row.result, RunResult::Panic, "{:?}", row.report.counterexample);
    }

    #[test]
    fn a_panicking_body_is_reported_as_a_panic() {
        let report = Report {
            harness: "h",
            mode: Mode::Exhaustive,
            cases: 1,
            discarded: 0,
            allowed: 0,
            denied: 0,
            complete: false,
            covers: Vec::new(),
            counterexample: Some("h: panicked: index out of bounds (exhaustive, case 0)".into()),
        };
        assert_eq!(RunResult::of(&report), RunResult::Panic);
    }
}
