//! `leash-libafl`: leash's differential campaign on LibAFL, and its head-to-head with leash's own
//! engine (`README.md` beside this crate).
//!
//! ```text
//! leash-libafl fuzz [--mutant NAME] [--seed N] [--seconds N | --cases N]
//!                   [--mutation leash|havoc] [--schedule queue|power]
//! leash-libafl kill --mutants A,B,... [--seeds N] [--seconds N]
//!                   [--mutation leash|havoc] [--schedule queue|power]
//! leash-libafl throughput [--seconds N] [--workload N]
//! ```
//!
//! Exit codes: 0 done (and, for `fuzz`, no finding), 1 `fuzz` found something, 2 bad usage or a
//! target that does not deploy.

use std::process::ExitCode;
use std::time::Duration;

use leash_fuzz::engine::{Budget as LeashBudget, CampaignConfig, Progress, run_campaign};
use leash_fuzz::finding::Class;
use leash_fuzz::generate::{CaseConfig, Catalog};
use leash_fuzz::kill::kill;
use leash_fuzz::run::RunConfig;
use leash_fuzz::target::Target;
use leash_fuzz::throughput::{Workload, bare};
use leash_libafl::{Budget, Config, Mutation, Schedule, campaign};

/// Writes a line to stdout; a closed stdout (piped into `head`) is not worth a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Writes a line to stderr: progress and errors.
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// The first seed `leash bench` uses; seed `i` is this plus `i`.
const BENCH_SEED: u64 = 0x1ea5_4ca5;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            err!("leash-libafl: {message}");
            ExitCode::from(2)
        }
    }
}

/// The flags of every subcommand, read from `--name value` pairs.
struct Flags {
    mutant: Option<String>,
    mutants: Vec<String>,
    seed: u64,
    seeds: u64,
    seconds: u64,
    cases: Option<u64>,
    workload: usize,
    mutation: Mutation,
    schedule: Schedule,
}

impl Flags {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut flags = Self {
            mutant: None,
            mutants: Vec::new(),
            seed: BENCH_SEED,
            seeds: 3,
            seconds: 60,
            cases: None,
            workload: 1500,
            mutation: Mutation::Leash,
            schedule: Schedule::Queue,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag:?} needs a value"))?;
            let number = || parse_number(flag, value);
            match flag.as_str() {
                "--mutant" => flags.mutant = Some(value.clone()),
                "--mutants" => flags.mutants = value.split(',').map(str::to_owned).collect(),
                "--seed" => flags.seed = number()?,
                "--seeds" => flags.seeds = number()?,
                "--seconds" => flags.seconds = number()?,
                "--cases" => flags.cases = Some(number()?),
                "--workload" => {
                    flags.workload = usize::try_from(number()?).map_err(|e| e.to_string())?
                }
                "--mutation" => {
                    flags.mutation = match value.as_str() {
                        "leash" => Mutation::Leash,
                        "havoc" => Mutation::Havoc,
                        _ => return Err(format!("--mutation {value:?}: expected leash or havoc")),
                    }
                }
                "--schedule" => {
                    flags.schedule = match value.as_str() {
                        "queue" => Schedule::Queue,
                        "power" => Schedule::Power,
                        _ => return Err(format!("--schedule {value:?}: expected queue or power")),
                    }
                }
                _ => return Err(format!("unknown flag {flag:?}")),
            }
        }
        Ok(flags)
    }

    fn budget(&self) -> Budget {
        match self.cases {
            Some(n) => Budget::Cases(n),
            None => Budget::Time(Duration::from_secs(self.seconds)),
        }
    }

    fn config(&self, seed: u64, budget: Budget) -> Config {
        Config { mutation: self.mutation, schedule: self.schedule, ..Config::kill(seed, budget) }
    }
}

fn parse_number(flag: &str, value: &str) -> Result<u64, String> {
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    parsed.map_err(|e| format!("{flag} {value:?}: {e}"))
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err("expected a subcommand: fuzz, kill or throughput".into());
    };
    let flags = Flags::parse(rest)?;
    match command.as_str() {
        "fuzz" => fuzz(&flags),
        "kill" => kill_table(&flags).map(|()| ExitCode::SUCCESS),
        "throughput" => throughput(&flags).map(|()| ExitCode::SUCCESS),
        _ => Err(format!("unknown subcommand {command:?}: expected fuzz, kill or throughput")),
    }
}

/// A mutant on the frame its bug lives on, as `leash bench` loads it.
fn mutant(name: &str) -> Result<Target, String> {
    Target::mutant(name)
        .and_then(|t| t.with_frame(Target::mutant_frame(name)))
        .map_err(|e| e.to_string())
}

fn fuzz(flags: &Flags) -> Result<ExitCode, String> {
    let target = match &flags.mutant {
        Some(name) => mutant(name)?,
        None => Target::reference().map_err(|e| e.to_string())?,
    };
    let outcome =
        campaign(&target, &flags.config(flags.seed, flags.budget())).map_err(|e| e.to_string())?;
    out!(
        "{}: {} cases, {} ops in {:.1} s ({:.0} ops/s), corpus {}",
        target.label,
        outcome.cases,
        outcome.ops,
        outcome.seconds,
        outcome.ops_per_sec(),
        outcome.corpus
    );
    for seen in &outcome.found {
        out!(
            "{:?} after {:.2} s, case {}: {}",
            seen.finding.class,
            seen.seconds,
            seen.cases,
            seen.finding.detail
        );
    }
    Ok(if outcome.found.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// One engine's run on one mutant and seed: seconds and cases to the first bypass.
type Kill = Option<(f64, u64)>;

/// Runs leash's engine (`leash bench`'s default mode, through the same `kill` function) and
/// the LibAFL engine on every mutant and seed, alternating, and prints a Markdown table.
fn kill_table(flags: &Flags) -> Result<(), String> {
    if flags.mutants.is_empty() {
        return Err("kill needs --mutants A,B,...".into());
    }
    let seeds: Vec<u64> = (0..flags.seeds).map(|i| BENCH_SEED + i).collect();
    let budget = Duration::from_secs(flags.seconds);
    let mut rows = Vec::new();
    for name in &flags.mutants {
        let target = mutant(name)?;
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for &seed in &seeds {
            let run = kill(name, seed, true, true, flags.seconds).map_err(|e| e.to_string())?;
            let leash: Kill = run.bypass.map(|b| (b.seconds, b.cases));
            let outcome = campaign(&target, &flags.config(seed, Budget::Time(budget)))
                .map_err(|e| e.to_string())?;
            let libafl: Kill = outcome.first(Class::Bypass).map(|s| (s.seconds, s.cases));
            err!(
                "{name} seed {seed:#x}: leash {}, LibAFL {} ({} cases, {:.0} ops/s)",
                show(leash),
                show(libafl),
                outcome.cases,
                outcome.ops_per_sec()
            );
            ours.push(leash);
            theirs.push(libafl);
        }
        rows.push((name.clone(), ours, theirs));
    }
    out!(
        "| mutant | leash: bypass | median s | median cases | LibAFL: bypass | median s | median cases |\n\
         |---|---|---|---|---|---|---|"
    );
    for (name, ours, theirs) in &rows {
        let cells = |runs: &[Kill]| {
            let found = runs.iter().filter(|r| r.is_some()).count();
            format!(
                "{found}/{} | {} | {}",
                runs.len(),
                censored_median(runs, flags.seconds).map_or("-".into(), |m| format!("{m:.1}")),
                median(runs.iter().filter_map(|r| r.map(|k| k.1 as f64)))
                    .map_or("-".into(), |m| format!("{m:.0}")),
            )
        };
        out!("| `{name}` | {} | {} |", cells(ours), cells(theirs));
    }
    Ok(())
}

fn show(kill: Kill) -> String {
    kill.map_or("no bypass".into(), |(s, c)| format!("bypass after {s:.1} s ({c} cases)"))
}

/// The median of `values`, if any.
fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// The median time to the first bypass, a run without one counted at the budget (as `leash
/// bench` counts them); `None` when that median is a run without one.
fn censored_median(runs: &[Kill], budget: u64) -> Option<f64> {
    median(runs.iter().map(|r| r.map_or(budget as f64, |k| k.0))).filter(|m| *m < budget as f64)
}

/// Campaign throughput on the reference module for both engines, as ratios to bare revm on the
/// throughput benchmark's workload, measured side by side.
fn throughput(flags: &Flags) -> Result<(), String> {
    let target = Target::reference().map_err(|e| e.to_string())?;
    let catalog = Catalog::reference(target.world().map_err(|e| e.to_string())?.addresses());
    let workload = Workload::generate(BENCH_SEED, flags.workload, &catalog, &CaseConfig::default());
    let seconds = flags.seconds;
    let mut best = [0f64; 3];
    for _ in 0..2 {
        let bare = bare(&target, &workload).map_err(|e| e.to_string())?;
        best[0] = best[0].max(bare.ops_per_sec());
        let config = CampaignConfig {
            seed: BENCH_SEED,
            budget: LeashBudget::Time(Duration::from_secs(seconds)),
            run: RunConfig::campaign(),
            minimize: None,
            ..CampaignConfig::default()
        };
        let progress = Progress::default();
        let summary =
            run_campaign(&target, &config, &progress, &|_| {}).map_err(|e| e.to_string())?;
        best[1] = best[1].max(summary.progress.ops_per_sec());
        let libafl = Config {
            stop_at: None,
            run: RunConfig::campaign(),
            ..flags.config(BENCH_SEED, Budget::Time(Duration::from_secs(seconds)))
        };
        let outcome = campaign(&target, &libafl).map_err(|e| e.to_string())?;
        best[2] = best[2].max(outcome.ops_per_sec());
    }
    out!(
        "| run (reference module, one core, {seconds} s campaigns, best of two) | ops/s | ratio to bare |\n\
         |---|---|---|\n\
         | bare revm `handleOps` ({} cases) | {:.0} | 1.00 |\n\
         | leash's engine (`leash fuzz`, coverage on) | {:.0} | {:.2} |\n\
         | LibAFL engine (coverage on) | {:.0} | {:.2} |",
        workload.cases.len(),
        best[0],
        best[1],
        best[1] / best[0],
        best[2],
        best[2] / best[0]
    );
    Ok(())
}
