//! `leash bench`: measures the fuzzer and writes `BENCHMARKS.md`.
//!
//! * `throughput`: differential ops/s against bare revm executing the same transactions.
//! * `scaling`: campaign throughput with 1 worker and with every core.
//! * `long`: a long campaign on the reference module (it must find nothing).
//! * `mutants`: the kill benchmark: time to the first bypass in each mutant, several seeds,
//!   with calldata mutation on and off.
//! * `memory`: the peak resident memory of a `leash fuzz` campaign, run as a child process
//!   under GNU time (`/usr/bin/time -v`).
//! * `smartsessions`: differential throughput against bare revm for SmartSessions on each host.
//! * `rediscovery`: campaigns on each SmartSessions build and host, several seeds, and which
//!   published findings they find, in what class, how fast.
//! * `metamask`: MetaMask's Delegation Framework on both DeleGator accounts: throughput of the
//!   redemptions against bare revm, and campaigns with the rediscovery table of its findings.
//!
//! Each section is measured in this run and written with the machine it ran on; sections not
//! selected keep what the file already says.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use leash_fuzz::engine::{Budget, CampaignConfig, Progress, run_campaign};
use leash_fuzz::evm::{Frame, Signing};
use leash_fuzz::finding::Class;
use leash_fuzz::generate::{CaseConfig, Catalog};
use leash_fuzz::kill::{KillRun, kill};
use leash_fuzz::modules::metamask::Delegator;
use leash_fuzz::modules::smartsessions::Build;
use leash_fuzz::run::RunConfig;
use leash_fuzz::target::Target;
use leash_fuzz::throughput::{Workload, bare, differential};

use super::{Outcome, Run};
use crate::human;

/// Arguments of `leash bench`.
#[derive(Debug, Args)]
#[command(after_help = "Writes the selected sections into --out, keeping the others. Timing \
                        depends on the machine; the file records which one.")]
pub(crate) struct BenchArgs {
    /// Which sections to measure (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    sections: Vec<Section>,
    /// Cases in the throughput workload.
    #[arg(long, value_name = "N", default_value_t = 1500)]
    workload: usize,
    /// Seconds of each scaling campaign.
    #[arg(long, value_name = "N", default_value_t = 20)]
    scaling_seconds: u64,
    /// Seconds of the long campaign.
    #[arg(long, value_name = "N", default_value_t = 600)]
    long_seconds: u64,
    /// Seconds of the campaign whose memory is measured.
    #[arg(long, value_name = "N", default_value_t = 600)]
    memory_seconds: u64,
    /// Budget of each kill run, in seconds (one core each).
    #[arg(long, value_name = "N", default_value_t = 60)]
    kill_seconds: u64,
    /// Seeds per mutant and mode, per SmartSessions build and host (rediscovery), and per MetaMask
    /// account.
    #[arg(long, value_name = "N", default_value_t = 3)]
    seeds: u64,
    /// Only these mutants (default: all).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    mutants: Vec<String>,
    /// Write each mutant's first minimized bypass (with mutation on, first seed) here, as
    /// `mutant-<name>.json`, and every rediscovery finding under `rediscovery/<run>/`.
    #[arg(long, value_name = "DIR")]
    reproducers: Option<PathBuf>,
    /// Cases in each SmartSessions throughput workload.
    #[arg(long, value_name = "N", default_value_t = 600)]
    smartsessions_workload: usize,
    /// Cases in each MetaMask throughput workload.
    #[arg(long, value_name = "N", default_value_t = 300)]
    metamask_workload: usize,
    /// Seconds of each rediscovery campaign (one core each), SmartSessions and MetaMask.
    #[arg(long, value_name = "N", default_value_t = 120)]
    rediscovery_seconds: u64,
    /// A SmartSessions build (Foundry-layout artifacts) to measure besides modulekit's.
    #[arg(long, value_name = "DIR")]
    smartsessions_artifacts: Option<PathBuf>,
    /// What the tables call the build of `--smartsessions-artifacts` (by default its path).
    #[arg(long, value_name = "NAME", requires = "smartsessions_artifacts")]
    smartsessions_label: Option<String>,
    /// The file to write.
    #[arg(long, value_name = "FILE", default_value = "BENCHMARKS.md")]
    out: PathBuf,
}

/// A section of BENCHMARKS.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Section {
    /// Differential vs bare revm.
    Throughput,
    /// Worker scaling.
    Scaling,
    /// A long campaign on the reference module.
    Long,
    /// The mutant kill benchmark.
    Mutants,
    /// Peak memory of a campaign (GNU time).
    Memory,
    /// SmartSessions throughput on each host.
    Smartsessions,
    /// The SmartSessions rediscovery table.
    Rediscovery,
    /// MetaMask's throughput and rediscovery table.
    Metamask,
}

impl Section {
    const ALL: [Section; 8] = [
        Self::Throughput,
        Self::Scaling,
        Self::Long,
        Self::Mutants,
        Self::Memory,
        Self::Smartsessions,
        Self::Rediscovery,
        Self::Metamask,
    ];

    fn marker(self) -> &'static str {
        match self {
            Self::Throughput => "throughput",
            Self::Scaling => "scaling",
            Self::Long => "long",
            Self::Mutants => "mutants",
            Self::Memory => "memory",
            Self::Smartsessions => "smartsessions",
            Self::Rediscovery => "rediscovery",
            Self::Metamask => "metamask",
        }
    }
}

fn say(line: impl AsRef<str>) -> io::Result<()> {
    writeln!(io::stderr(), "leash bench: {}", line.as_ref())
}

/// The machine the numbers come from.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    format!("{cpu}, {cores} cores, leash {} (release build)", env!("CARGO_PKG_VERSION"))
}

impl Run for BenchArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        for (flag, value) in [
            ("--workload", self.workload as u64),
            ("--scaling-seconds", self.scaling_seconds),
            ("--long-seconds", self.long_seconds),
            ("--memory-seconds", self.memory_seconds),
            ("--kill-seconds", self.kill_seconds),
            ("--seeds", self.seeds),
            ("--smartsessions-workload", self.smartsessions_workload as u64),
            ("--rediscovery-seconds", self.rediscovery_seconds),
            ("--metamask-workload", self.metamask_workload as u64),
        ] {
            if value == 0 {
                bail!("{flag} must be at least 1 (a benchmark of nothing measures nothing)");
            }
        }
        let sections =
            if self.sections.is_empty() { Section::ALL.to_vec() } else { self.sections.clone() };
        let mut file = match std::fs::read_to_string(&self.out) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read '{}'", self.out.display()));
            }
        };
        // An --out that cannot be written fails now, not after minutes of measuring.
        write_atomic(&self.out, &file)?;
        let machine = machine();
        for section in sections {
            let body = match section {
                Section::Throughput => self.throughput(&machine)?,
                Section::Scaling => self.scaling(&machine)?,
                Section::Long => self.long(&machine)?,
                Section::Mutants => self.mutants(&machine)?,
                Section::Memory => self.memory(&machine)?,
                Section::Smartsessions => self.smartsessions(&machine)?,
                Section::Rediscovery => self.rediscovery(&machine)?,
                Section::Metamask => self.metamask(&machine)?,
            };
            file = replace_section(&file, section.marker(), &body);
            // Written after each section, atomically, so a long run keeps what it measured.
            write_atomic(&self.out, &file)?;
            say(format!("wrote the {} section of {}", section.marker(), self.out.display()))?;
        }
        Ok(Outcome::Clean)
    }
}

impl BenchArgs {
    fn throughput(&self, machine: &str) -> anyhow::Result<String> {
        say(format!("throughput: {} generated cases, reference module", self.workload))?;
        let load_before = load_average();
        let target = Target::reference()?;
        let catalog = Catalog::reference(target.world()?.addresses());
        let workload =
            Workload::generate(0x1ea5_4ca5, self.workload, &catalog, &CaseConfig::default());
        // Warm up once, then measure the four side by side, twice, and keep the best of each.
        let _ = bare(&target, &workload)?;
        let (mut best_bare, mut best_cov, mut best_plain, mut best_rfc) = (0f64, 0f64, 0f64, 0f64);
        let mut findings = 0;
        let plain = RunConfig { coverage: false, ..RunConfig::campaign() };
        let rfc = RunConfig { signing: Signing::Rfc6979, ..RunConfig::campaign() };
        for _ in 0..2 {
            best_bare = best_bare.max(bare(&target, &workload)?.ops_per_sec());
            let (covered, f) = differential(&target, &workload, RunConfig::campaign())?;
            findings += f;
            best_cov = best_cov.max(covered.ops_per_sec());
            best_plain = best_plain.max(differential(&target, &workload, plain)?.0.ops_per_sec());
            best_rfc = best_rfc.max(differential(&target, &workload, rfc)?.0.ops_per_sec());
        }
        // The same measurement on the EIP-7702 frame, with its own workload: the cases there
        // also re-delegate, clear and restore the EOA's delegation and send plain transactions.
        say(format!(
            "throughput: {} generated cases, reference module, EIP-7702 frame",
            self.workload
        ))?;
        let frame = target.clone().with_frame(Frame::Eip7702)?;
        let catalog_7702 =
            Catalog { frame: Frame::Eip7702, ..Catalog::reference(frame.world()?.addresses()) };
        let workload_7702 =
            Workload::generate(0x1ea5_4ca5, self.workload, &catalog_7702, &CaseConfig::default());
        let _ = bare(&frame, &workload_7702)?;
        let (mut bare_7702, mut diff_7702) = (0f64, 0f64);
        for _ in 0..2 {
            bare_7702 = bare_7702.max(bare(&frame, &workload_7702)?.ops_per_sec());
            let (run, f) = differential(&frame, &workload_7702, RunConfig::campaign())?;
            findings += f;
            diff_7702 = diff_7702.max(run.ops_per_sec());
        }
        let load_after = load_average();
        // What RFC 6979 signing adds per op, from the two rows that differ only in it.
        let rfc_micros = (1.0 / best_rfc.max(1e-9) - 1.0 / best_cov.max(1e-9)) * 1e6;
        Ok(format!(
            "## Differential throughput against bare revm\n\n\
             Machine: {machine}; 1-minute load average {load_before} at the start and \
             {load_after} at the end (the ratios compare runs made side by side, so they hold \
             better than the absolute rates on a loaded machine). One thread. Workload: {} generated cases, {} ops (installs, \
             revocations, bundles of 1 to 3 ops, about 40% of ops mutated), run on the \
             reference module through EntryPoint v0.8 with real secp256k1 signatures verified \
             by the `ecrecover` precompile.\n\n\
             * **Bare revm** executes exactly the same transactions: every op signed before the \
             clock starts, no inspector, no model, no checks, the same bundles resubmitted \
             without the same refused ops.\n\
             * **Differential** is what a campaign worker does per case (without generating \
             it): sign, run the model, run the EVM with the call recorder, compare every op, \
             check on-chain invariants, read counters back at lifecycle points. With \
             **coverage** (what `leash fuzz` runs), the same inspector also records the branch \
             edges and blocks of the module's and the account's code, lifecycle and view calls \
             included.\n\n\
             | run | ops/s | ratio to bare |\n|---|---|---|\n\
             | bare revm `handleOps` | {:.0} | 1.00 |\n\
             | differential with coverage, fixed-nonce signing (the campaign default) | {:.0} | **{:.2}** |\n\
             | differential without coverage, fixed-nonce signing | {:.0} | {:.2} |\n\
             | differential with coverage, RFC 6979 signing | {:.0} | {:.2} |\n\n\
             On the EIP-7702 frame (an EOA delegated to `LeashAccount7702`, spec §18), a \
             workload of {} generated cases, {} ops, from the same seed: the same kinds of steps \
             plus re-delegations to other code, to malicious code and back, cleared \
             delegations, the owner's plain transactions and a stranger's initialize; bare revm \
             runs the same transactions, each op signed before the clock starts for the code \
             the EOA will run then.\n\n\
             | run, EIP-7702 frame | ops/s | ratio to bare on that frame |\n|---|---|---|\n\
             | bare revm `handleOps` | {:.0} | 1.00 |\n\
             | differential with coverage, fixed-nonce signing (the campaign default) | {:.0} | **{:.2}** |\n\n\
             Best of two runs each. Divergences found on the reference module during these \
             runs, on both frames: {findings}.\n\n\
             Fixed-nonce signing reuses one ECDSA nonce per session key. That is only \
             acceptable because leash's session keys are public constants of its source \
             (`fuzz/src/evm/keys.rs`); the signatures are ordinary valid signatures the real \
             precompile verifies. RFC 6979 signing cost {rfc_micros:.0} µs per op in this run, \
             which is what separates the last row from the first.\n",
            workload.cases.len(),
            human::group_digits(workload.ops()),
            best_bare,
            best_cov,
            best_cov / best_bare,
            best_plain,
            best_plain / best_bare,
            best_rfc,
            best_rfc / best_bare,
            workload_7702.cases.len(),
            human::group_digits(workload_7702.ops()),
            bare_7702,
            diff_7702,
            diff_7702 / bare_7702,
        ))
    }

    /// Every SmartSessions (build, host) this machine can run: modulekit's build (required) and
    /// `--smartsessions-artifacts`, each on LeashAccount, the OpenZeppelin host and Nexus.
    fn smartsessions_targets(&self) -> anyhow::Result<Vec<(String, String, Target)>> {
        let node_modules = Target::node_modules(None);
        let mut builds = vec![("modulekit 0.5.9".to_owned(), Build::modulekit(&node_modules)?)];
        if let Some(dir) = &self.smartsessions_artifacts {
            let label = match &self.smartsessions_label {
                Some(label) => label.clone(),
                None => format!("artifacts `{}`", dir.display()),
            };
            builds.push((label, Build::from_artifacts(dir)?));
        }
        let mut out = Vec::new();
        for (name, build) in builds {
            for host in ["leash-account", "oz-account", "nexus"] {
                let target =
                    Target::smartsessions(build.clone(), Target::host(host, &node_modules)?)?;
                target.probe()?;
                out.push((name.clone(), host.to_owned(), target));
            }
        }
        Ok(out)
    }

    fn smartsessions(&self, machine: &str) -> anyhow::Result<String> {
        let mut rows = String::new();
        let load = load_average();
        for (build, host, target) in self.smartsessions_targets()? {
            say(format!("smartsessions throughput: {build} on {host}"))?;
            let run = RunConfig { compare_reasons: false, ..RunConfig::campaign() };
            let (ops, best_bare, best_diff) =
                bare_and_differential(&target, self.smartsessions_workload, run)?;
            rows += &format!(
                "| {build} | {host} | {} | {best_bare:.0} | {best_diff:.0} | **{:.2}** |\n",
                human::group_digits(ops),
                best_diff / best_bare
            );
        }
        Ok(format!(
            "## SmartSessions throughput against bare revm\n\n\
             Machine: {machine}; load average {load} when it started. One thread. For each \
             SmartSessions build and host, a workload of {} generated cases (installs, \
             revocations, bundles of 1 to 3 ops, about 40% of ops mutated), as in the reference \
             throughput section: **bare** runs the same transactions (signatures made before the \
             clock starts, wrapped in SmartSessions' USE layout as they run, no inspector, no \
             model); **differential** is a campaign worker without generation (translation, \
             model under the SmartSessions profile, recorder, oracle, the policy as written, \
             counter readback from the policies). Best of two runs each.\n\n\
             | build | host | ops | bare ops/s | differential ops/s | ratio to bare |\n\
             |---|---|---|---|---|---|\n{rows}",
            self.smartsessions_workload
        ))
    }

    fn rediscovery(&self, machine: &str) -> anyhow::Result<String> {
        use leash_fuzz::modules::smartsessions::known::{Applies, KNOWN};
        let targets = self.smartsessions_targets()?;
        let seeds: Vec<u64> = (0..self.seeds).map(|i| 0x1ea5_4ca5 + i).collect();
        let load = load_average();
        let run = RunConfig { compare_reasons: false, ..RunConfig::campaign() };
        let results = self.rediscovery_campaigns(&targets, &seeds, run)?;
        let rows: Vec<KnownRow> = KNOWN
            .iter()
            .filter_map(|k| k.detect.map(|detect| KnownRow { id: k.id, detect }))
            .collect();
        let (found_rows, class_rows) = rediscovery_tables(&targets, &results, &rows, |t, id| {
            let (build, host, _) = &targets[t];
            let known = KNOWN.iter().find(|k| k.id == id).expect("rows come from KNOWN");
            let applies =
                if build.starts_with("modulekit") { known.modulekit } else { known.current };
            match known.hosts {
                Some(hosts) if applies == Applies::Yes && !hosts.contains(&host.as_str()) => {
                    "not on this host".to_owned()
                }
                _ => applies.describe().to_owned(),
            }
        })?;
        let sources = known_sources(
            KNOWN
                .iter()
                .map(|k| (k.id, k.title, k.source, k.detect.is_none().then_some(k.unobservable))),
        );
        Ok(format!(
            "## SmartSessions rediscovery\n\n\
             Machine: {machine}; load average {load} when it started. For each SmartSessions \
             build and host: {} single-worker campaigns (seeds 0x1ea54ca5 and up) of {} s each, \
             the SmartSessions profile in force, calldata mutation on, reasons not compared. A \
             finding is matched to a known one by the clause the model denied and what executed \
             (`fuzz/src/modules/smartsessions/known.rs`). \"found\" counts the seeds whose \
             campaign showed it in any class; \"class\" is the most severe class it showed in \
             (and the others it showed in on other seeds); \"first seen\" is the median, over the \
             seeds that showed it in its most severe class, of the seconds into the campaign.\n\n\
             The published findings and leash's own:\n\n{sources}\n\
             | build | host | finding | the build | found | class | first seen |\n\
             |---|---|---|---|---|---|---|\n{found_rows}\n\
             Every distinct finding of these campaigns, by class (summed over the seeds), and how \
             many of those that are not limitations match no known finding (each one is triaged \
             in `docs/smartsessions.md`):\n\n\
             | build | host | cases | ops | bypass | strictness | liveness | state | reason | limitation | unmatched |\n\
             |---|---|---|---|---|---|---|---|---|---|---|\n{class_rows}",
            seeds.len(),
            self.rediscovery_seconds
        ))
    }

    fn campaign(
        target: &Target,
        workers: usize,
        seconds: u64,
    ) -> anyhow::Result<leash_fuzz::engine::Summary> {
        let config = CampaignConfig {
            workers,
            budget: Budget::Time(Duration::from_secs(seconds)),
            ..CampaignConfig::default()
        };
        Ok(run_campaign(target, &config, &Progress::default(), &|_| {})?)
    }

    fn scaling(&self, machine: &str) -> anyhow::Result<String> {
        let target = Target::reference()?;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let mut rows = String::new();
        let mut single = 0.0;
        for workers in [1, cores] {
            say(format!("scaling: {} s with {workers} worker(s)", self.scaling_seconds))?;
            let s = Self::campaign(&target, workers, self.scaling_seconds)?.progress;
            if workers == 1 {
                single = s.ops_per_sec();
            }
            rows += &format!(
                "| {workers} | {} | {} | {:.0} | {:.2} | {} |\n",
                human::group_digits(s.cases),
                human::group_digits(s.ops),
                s.ops_per_sec(),
                s.ops_per_sec() / single,
                s.total_findings()
            );
            if cores == 1 {
                break;
            }
        }
        Ok(format!(
            "## Scaling with workers\n\nMachine: {machine}. Whole campaigns on the reference \
             module ({} s each, generation, mutation and minimization included).\n\n\
             | workers | cases | ops | ops/s | speed-up | findings |\n|---|---|---|---|---|---|\n{rows}",
            self.scaling_seconds
        ))
    }

    fn long(&self, machine: &str) -> anyhow::Result<String> {
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let mut rows = String::new();
        for frame in Frame::ALL {
            let target = Target::reference()?.with_frame(frame)?;
            say(format!(
                "long campaign: {} s with {workers} workers on {}",
                self.long_seconds, target.label
            ))?;
            let load_before = load_average();
            let summary = Self::campaign(&target, workers, self.long_seconds)?;
            let load_after = load_average();
            let s = summary.progress;
            let findings = if summary.found.is_empty() {
                "none".to_owned()
            } else {
                summary.found.iter().map(|f| f.entry.id.clone()).collect::<Vec<_>>().join(", ")
            };
            rows += &format!(
                "| {frame} | {:.0} s | {} | {} | {} | {} | {load_before} / {load_after} | {findings} |\n",
                s.elapsed,
                human::group_digits(s.cases),
                human::group_digits(s.ops),
                human::group_digits(s.allowed),
                s.features
            );
        }
        Ok(format!(
            "## A long campaign on the reference module\n\nMachine: {machine}. One campaign per \
             frame: the deployed account, and the EIP-7702 frame (an EOA delegated to \
             `LeashAccount7702`, whose cases also re-delegate, clear and restore the \
             delegation, spec §18). {workers} workers, seed 0x1ea54ca5, calldata mutation on. \
             The 1-minute load average is given at the start and the end of each (the campaign \
             has a time budget, so on a loaded machine it runs fewer cases).\n\n\
             | frame | time | cases | ops | ops allowed by the spec | behaviours | load | divergences |\n\
             |---|---|---|---|---|---|---|---|\n{rows}"
        ))
    }

    /// Runs `leash fuzz` on the reference module for `--memory-seconds` with every core, as a
    /// child process of GNU time, and reports its maximum resident set size.
    fn memory(&self, machine: &str) -> anyhow::Result<String> {
        let time = Path::new("/usr/bin/time");
        let version = Command::new(time).arg("--version").output();
        let gnu = |o: &std::process::Output| {
            [&o.stdout, &o.stderr].iter().any(|b| String::from_utf8_lossy(b).contains("GNU Time"))
        };
        if !version.is_ok_and(|o| gnu(&o)) {
            bail!("the memory section needs GNU time at /usr/bin/time (apt-get install time)");
        }
        let exe = std::env::current_exe().context("cannot find the leash binary")?;
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let out = std::env::temp_dir().join(format!("leash-bench-memory-{}", std::process::id()));
        let seconds = self.memory_seconds.to_string();
        let workers_text = workers.to_string();
        let args = ["fuzz", "--seconds", &seconds, "--workers", &workers_text, "--format", "json"];
        say(format!("memory: leash {} under /usr/bin/time -v", args.join(" ")))?;
        let load_before = load_average();
        let output = Command::new(time)
            .arg("-v")
            .arg(&exe)
            .args(args)
            .arg("--out")
            .arg(&out)
            .output()
            .context("cannot run /usr/bin/time")?;
        let load_after = load_average();
        let _ = std::fs::remove_dir_all(&out);
        let report = String::from_utf8_lossy(&output.stderr);
        let field = |name: &str| {
            report.lines().find_map(|l| l.trim().strip_prefix(name)).map(|v| v.trim().to_owned())
        };
        let peak_kb: u64 = field("Maximum resident set size (kbytes):")
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("GNU time reported no maximum resident set size: {report}"))?;
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("the campaign printed no JSON summary: {report}"))?;
        let number = |key: &str| summary[key].as_u64().unwrap_or(0);
        Ok(format!(
            "## Memory of a campaign\n\nMachine: {machine}. `/usr/bin/time -v leash fuzz \
             --seconds {seconds} --workers {workers} --format json --out <dir>` on the reference \
             module (seed 0x1ea54ca5, calldata mutation on), measured by `leash bench --sections \
             memory`.\n\n\
             | time | workers | cases | ops | peak resident memory (GNU time) |\n\
             |---|---|---|---|---|\n| {} s | {workers} | {} | {} | {:.1} MiB |\n\n\
             Load average (1 minute) when the campaign started and when it ended: {load_before} \
             and {load_after}; on a shared machine cases and ops are fewer, and the inputs \
             kept, which memory follows, may be fewer too.\n\n\
             What bounds it: each worker keeps at most 2,048 inputs of 4 KiB (8 MiB) that \
             reached new behaviour, its own EVM world reset to one deployed snapshot before each \
             case, and the sets of behaviours (a few thousand) and distinct findings it saw; \
             generated ops stay under 128 KiB and generation never grows an argument past 1 KiB \
             (`docs/limits.md`). Memory grows with the number of workers and of distinct \
             findings, not with the campaign's length.\n",
            summary["seconds"].as_f64().unwrap_or(0.0).round(),
            human::group_digits(number("cases")),
            human::group_digits(number("ops")),
            peak_kb as f64 / 1024.0,
        ))
    }

    fn mutants(&self, machine: &str) -> anyhow::Result<String> {
        let names: Vec<String> = if self.mutants.is_empty() {
            Target::mutant_names().map(str::to_owned).collect()
        } else {
            self.mutants.clone()
        };
        for name in &names {
            Target::mutant(name)?;
        }
        let seeds: Vec<u64> = (0..self.seeds).map(|i| 0x1ea5_4ca5 + i).collect();
        // Three modes: the default (mutation and coverage guidance on), guidance off, and
        // canonical encodings only (guidance on).
        let modes = [(true, true), (true, false), (false, true)];
        let mut jobs: Vec<(String, u64, bool, bool)> = Vec::new();
        for name in &names {
            for (mutate, coverage) in modes {
                for seed in &seeds {
                    jobs.push((name.clone(), *seed, mutate, coverage));
                }
            }
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        say(format!(
            "kill benchmark: {} runs of at most {} s on {cores} core(s)",
            jobs.len(),
            self.kill_seconds
        ))?;
        let load_before = load_average();
        let mut results = on_every_core(cores, jobs, |(name, seed, mutate, coverage)| {
            let run = kill(&name, seed, mutate, coverage, self.kill_seconds)?;
            let status = match &run.bypass {
                Some(b) => format!("bypass after {:.1} s", b.seconds),
                None => "no bypass".into(),
            };
            let on = |b: bool| if b { "on" } else { "off" };
            say(format!(
                "{name} seed {seed:#x} mutation {} coverage {}: {status}",
                on(mutate),
                on(coverage)
            ))?;
            Ok(run)
        })?;
        results.sort_by(|a, b| {
            (&a.mutant, !a.mutate, !a.coverage, a.seed).cmp(&(
                &b.mutant,
                !b.mutate,
                !b.coverage,
                b.seed,
            ))
        });
        if let Some(dir) = &self.reproducers {
            for name in &names {
                let first = results
                    .iter()
                    .find(|r| &r.mutant == name && r.mutate && r.coverage && r.seed == seeds[0]);
                if let Some(seen) = first.and_then(|r| r.bypass.as_ref().or(r.other.as_ref())) {
                    let mut entry = seen.entry.clone();
                    entry.note = Some(format!(
                        "The kill benchmark's first {} finding in mutant {name} (seed {:#x}), minimized.",
                        seen.class, seeds[0]
                    ));
                    let path = dir.join(format!("mutant-{name}.json"));
                    let json = serde_json::to_string_pretty(&entry)? + "\n";
                    write_atomic(&path, &json)?;
                }
            }
        }
        say(format!(
            "reference campaign: {} s with and without coverage guidance",
            self.scaling_seconds
        ))?;
        let reference = Target::reference()?;
        let cost = |guidance: bool| -> anyhow::Result<f64> {
            let config = CampaignConfig {
                budget: Budget::Time(Duration::from_secs(self.scaling_seconds)),
                guidance,
                ..CampaignConfig::default()
            };
            let s = run_campaign(&reference, &config, &Progress::default(), &|_| {})?.progress;
            Ok(s.cases as f64 / s.elapsed.max(1e-9))
        };
        let reference_rates = (cost(true)?, cost(false)?, self.scaling_seconds);
        let load = (load_before, load_average());
        Ok(render_kills(
            machine,
            &load,
            &names,
            &results,
            self.kill_seconds,
            seeds.len(),
            reference_rates,
        ))
    }
}

/// The runs of one mutant in one mode.
fn runs_of<'r>(
    results: &'r [KillRun],
    name: &str,
    mutate: bool,
    coverage: bool,
) -> Vec<&'r KillRun> {
    results
        .iter()
        .filter(|r| r.mutant == name && r.mutate == mutate && r.coverage == coverage)
        .collect()
}

/// The median time to the first bypass, a run without one counted at the budget.
fn censored_median(runs: &[&KillRun], budget: u64) -> Option<f64> {
    let mut times: Vec<f64> =
        runs.iter().map(|r| r.bypass.as_ref().map_or(budget as f64, |b| b.seconds)).collect();
    median_f64(&mut times)
}

fn render_kills(
    machine: &str,
    (load_before, load_after): &(String, String),
    names: &[String],
    results: &[KillRun],
    budget: u64,
    seeds: usize,
    (rate_with, rate_without, reference_seconds): (f64, f64, u64),
) -> String {
    let mut table = String::from(
        "| mutant | any finding | bypass | median time to bypass | median cases | bypass without coverage guidance | its median time | bypass, canonical only | first finding when not a bypass |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    let mut all_times = Vec::new();
    let (mut bypass_everywhere, mut found_everywhere) = (0, 0);
    let mut needs_mutation = Vec::new();
    let (mut total_with, mut total_without) = (0.0, 0.0);
    let (mut faster, mut slower) = (0, 0);
    for name in names {
        let on = runs_of(results, name, true, true);
        let unguided = runs_of(results, name, true, false);
        let off = runs_of(results, name, false, true);
        let kills = |runs: &[&KillRun]| runs.iter().filter(|r| r.killed()).count();
        let kills_on = kills(&on);
        let found_on = on.iter().filter(|r| r.killed() || r.other.is_some()).count();
        let kills_off = kills(&off);
        bypass_everywhere += usize::from(kills_on == on.len());
        found_everywhere += usize::from(found_on == on.len());
        if kills_on > 0 && kills_off == 0 {
            needs_mutation.push(name.clone());
        }
        let mut times: Vec<f64> =
            on.iter().filter_map(|r| r.bypass.as_ref().map(|b| b.seconds)).collect();
        let mut cases: Vec<u64> =
            on.iter().filter_map(|r| r.bypass.as_ref().map(|b| b.cases)).collect();
        all_times.extend(times.iter().copied());
        let median_time =
            median_f64(&mut times).map_or_else(|| "-".into(), |t| format!("{t:.1} s"));
        let median_cases = median_u64(&mut cases).map_or_else(|| "-".into(), |c| c.to_string());
        let mut unguided_times: Vec<f64> =
            unguided.iter().filter_map(|r| r.bypass.as_ref().map(|b| b.seconds)).collect();
        let unguided_time =
            median_f64(&mut unguided_times).map_or_else(|| "-".into(), |t| format!("{t:.1} s"));
        if let (Some(with), Some(without)) =
            (censored_median(&on, budget), censored_median(&unguided, budget))
        {
            total_with += with;
            total_without += without;
            faster += usize::from(with < without);
            slower += usize::from(with > without);
        }
        let others: Vec<String> = on
            .iter()
            .filter(|r| !r.killed())
            .filter_map(|r| r.other.as_ref().map(|o| format!("{} ({:.1} s)", o.class, o.seconds)))
            .collect();
        table += &format!(
            "| `{name}` | {found_on}/{n} | {kills_on}/{n} | {median_time} | {median_cases} | {}/{} | {unguided_time} | {kills_off}/{} | {} |\n",
            kills(&unguided),
            unguided.len(),
            off.len(),
            if others.is_empty() { "-".to_owned() } else { others.join(", ") },
            n = on.len(),
        );
    }
    let overall = median_f64(&mut all_times).map_or_else(|| "-".into(), |t| format!("{t:.1} s"));
    let only_mutation = if needs_mutation.is_empty() {
        "none".to_owned()
    } else {
        needs_mutation.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    };
    let cost = 1.0 - rate_with / rate_without.max(1e-9);
    let saving = 1.0 - total_with / total_without.max(1e-9);
    let verdict = if saving >= cost {
        "guidance saves more time on the mutants than it costs the reference campaign"
    } else {
        "guidance costs the reference campaign more than it saves on the mutants"
    };
    format!(
        "## Mutant kill benchmark\n\nMachine: {machine}; 1-minute load average {load_before} at \
         the start and {load_after} at the end (the runs have a time budget, so on a loaded \
         machine they find less in it). Each mutant is the reference module with \
         one real bug planted (`reference-contracts/mutants/README.md`). Every run is a \
         single-worker campaign with its own seed ({}), stopped at the first **bypass** (the \
         account executed something the policy forbids) or after {budget} s; \"any finding\" \
         counts runs that found a bypass or a lower-severity divergence (strictness, liveness, \
         state) in that time. The first columns are campaigns with calldata mutation and \
         coverage guidance on, the default campaign (inputs are kept for new module branch \
         edges as well as new behaviours, and the module's compared words feed the \
         dictionary). \"Without coverage guidance\" is `leash fuzz --no-coverage-guidance`: \
         inputs are kept for new behaviours only (the module's edges are still recorded and \
         reported); \
         \"canonical only\" turns calldata mutation off (guidance on), so leash sends only the \
         canonical encodings an ABI-typed fuzzer (Foundry, Echidna, Medusa) would send.\n\n\
         {table}\n\
         Found by some divergence on every seed: {found_everywhere} of {} mutants. Killed with a \
         bypass on every seed: {bypass_everywhere} of {}. Median time to the first bypass over all \
         killing runs: {overall}. Mutants only calldata mutation kills: {only_mutation}.\n\n\
         **Coverage guidance.** Summed over mutants, the median time to the first bypass (a run \
         without one counted at the budget) is {total_with:.1} s with guidance and \
         {total_without:.1} s without ({:+.0}%); guidance is faster on {} and slower on \
         {slower}. On the reference module (no bug to find) a {reference_seconds} s \
         single-worker campaign runs {rate_with:.0} cases/s with guidance and {rate_without:.0} \
         without ({:.0}% fewer cases): {verdict}.\n{}",
        human::plural(seeds as u64, "seed") + " per mutant and mode",
        names.len(),
        names.len(),
        -saving * 100.0,
        human::plural(faster as u64, "mutant"),
        cost * 100.0,
        if names.iter().any(|n| n == "c4-empty-batch") {
            "\nA mutant whose bug cannot make the account execute anything forbidden shows only \
             lower-severity findings: `c4-empty-batch` accepts an empty batch, which executes \
             nothing.\n"
        } else {
            ""
        },
    )
}

/// A workload of `cases` generated for `target`'s module, run bare and differentially (after a
/// warm-up), best of two runs each: its ops, bare ops/s, differential ops/s.
fn bare_and_differential(
    target: &Target,
    cases: usize,
    run: RunConfig,
) -> anyhow::Result<(u64, f64, f64)> {
    let (world, module) = target.instantiate()?;
    let catalog = Catalog::for_module(world.addresses(), &*module);
    drop((world, module));
    let workload = Workload::generate(0x1ea5_4ca5, cases, &catalog, &CaseConfig::default());
    let _ = bare(target, &workload)?;
    let (mut best_bare, mut best_diff) = (0f64, 0f64);
    for _ in 0..2 {
        best_bare = best_bare.max(bare(target, &workload)?.ops_per_sec());
        best_diff = best_diff.max(differential(target, &workload, run)?.0.ops_per_sec());
    }
    Ok((workload.ops(), best_bare, best_diff))
}

impl BenchArgs {
    fn metamask(&self, machine: &str) -> anyhow::Result<String> {
        use leash_fuzz::modules::metamask::known::KNOWN;
        let node_modules = Target::node_modules(None);
        let mut targets = Vec::new();
        for delegator in Delegator::ALL {
            let target = Target::metamask_npm(&node_modules, delegator)?;
            targets.push(("v1.3.0".to_owned(), delegator.name().to_owned(), target));
        }
        let load = load_average();
        let mut throughput = String::new();
        for (_, delegator, target) in &targets {
            say(format!("metamask throughput: {delegator}"))?;
            let (ops, best_bare, best_diff) =
                bare_and_differential(target, self.metamask_workload, RunConfig::campaign())?;
            throughput += &format!(
                "| {delegator} | {} | {best_bare:.0} | {best_diff:.0} | **{:.2}** |\n",
                human::group_digits(ops),
                best_diff / best_bare
            );
        }
        let seeds: Vec<u64> = (0..self.seeds).map(|i| 0x1ea5_4ca5 + i).collect();
        let results = self.rediscovery_campaigns(&targets, &seeds, RunConfig::campaign())?;
        let rows: Vec<KnownRow> = KNOWN
            .iter()
            .filter_map(|k| k.detect.map(|detect| KnownRow { id: k.id, detect }))
            .collect();
        let (found_rows, class_rows) = rediscovery_tables(&targets, &results, &rows, |_, id| {
            KNOWN.iter().find(|k| k.id == id).map_or("", |k| k.applies).to_owned()
        })?;
        let load_end = load_average();
        let sources = known_sources(
            KNOWN
                .iter()
                .map(|k| (k.id, k.title, k.source, k.detect.is_none().then_some(k.unobservable))),
        );
        Ok(format!(
            "## MetaMask Delegation Framework\n\n\
             Machine: {machine}; load average {load} when it started, {load_end} when it \
             ended. Measured by `cargo run --release -- bench --sections metamask` (after `npm \
             ci` in `reference-contracts/`). Delegation Framework v1.3.0 from \
             `@metamask/delegation-abis@2.0.0`, on MultiSigDeleGator behind an ERC1967 proxy \
             (`multisig`) and on an EOA delegated to EIP7702StatelessDeleGator by an EIP-7702 \
             authorization (`eip7702`), in the redeem frame, allowances over time on the period \
             and streaming enforcers.\n\n\
             Throughput, one thread: a workload of {} generated cases per account (installs, \
             revocations, bundles of 1 to 3 ops, about 40% of ops mutated). **Bare** sends the \
             same redemptions (each op's `redeemDelegations` from its session key, with the \
             adapter's caveat-group choice, no inspector, no model); **differential** is a \
             campaign worker without generation (translation, model under the MetaMask profile, \
             recorder, oracle, the policy as written, counters read back from the enforcers). \
             Best of two runs each.\n\n\
             | account | ops | bare ops/s | differential ops/s | ratio to bare |\n\
             |---|---|---|---|---|\n{throughput}\n\
             Rediscovery: {} single-worker campaigns per account (seeds 0x1ea54ca5 and up) of {} \
             s each, the MetaMask profile in force, calldata mutation on, refusals compared by \
             clause. A finding is matched to a known one by the intent gap it uses \
             (`fuzz/src/modules/metamask/known.rs`); columns as in the SmartSessions \
             rediscovery section.\n\n\
             The published findings and leash's own:\n\n{sources}\n\
             | build | account | finding | the build | found | class | first seen |\n\
             |---|---|---|---|---|---|---|\n{found_rows}\n\
             Every distinct finding of these campaigns, by class (summed over the seeds), and how \
             many of those that are not limitations match no known finding:\n\n\
             | build | account | cases | ops | bypass | strictness | liveness | state | reason | limitation | unmatched |\n\
             |---|---|---|---|---|---|---|---|---|---|---|\n{class_rows}",
            self.metamask_workload,
            seeds.len(),
            self.rediscovery_seconds
        ))
    }
}

/// The list of a rediscovery section's known findings: `(id, title, source, why leash cannot
/// observe it)`, the last `None` for those it can.
fn known_sources<'a>(
    known: impl Iterator<Item = (&'a str, &'a str, &'a str, Option<&'a str>)>,
) -> String {
    known
        .map(|(id, title, source, unobservable)| match unobservable {
            None => format!("* `{id}`: {title} ({source}).\n"),
            Some(why) => {
                format!("* `{id}`: {title} ({source}). Not observable by leash: {why}.\n")
            }
        })
        .collect()
}

/// One campaign of a rediscovery table: the target's index, the seed, what it found.
type Ran = (usize, u64, leash_fuzz::engine::Summary);

/// A known finding as a row of a rediscovery table: its id and how a finding is recognised.
struct KnownRow {
    id: &'static str,
    detect: fn(&leash_fuzz::finding::Finding) -> bool,
}

impl BenchArgs {
    /// Single-worker campaigns of `--rediscovery-seconds` on every (target, seed), spread over
    /// the cores; each campaign's findings go under `--reproducers` when it is given.
    fn rediscovery_campaigns(
        &self,
        targets: &[(String, String, Target)],
        seeds: &[u64],
        run: RunConfig,
    ) -> anyhow::Result<Vec<Ran>> {
        let jobs: Vec<(usize, u64)> =
            (0..targets.len()).flat_map(|t| seeds.iter().map(move |s| (t, *s))).collect();
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        say(format!(
            "rediscovery: {} campaigns of {} s on {cores} core(s)",
            jobs.len(),
            self.rediscovery_seconds
        ))?;
        on_every_core(cores, jobs, |(t, seed)| -> anyhow::Result<Ran> {
            let (build, host, target) = &targets[t];
            let config = CampaignConfig {
                seed,
                workers: 1,
                budget: Budget::Time(Duration::from_secs(self.rediscovery_seconds)),
                run,
                ..CampaignConfig::default()
            };
            let summary = run_campaign(target, &config, &Progress::default(), &|_| {})?;
            say(format!("{build} on {host} seed {seed:#x}: {} finding(s)", summary.found.len()))?;
            if let Some(dir) = &self.reproducers {
                let slug: String = format!("{build}-{host}-{seed:x}")
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                let dir = dir.join("rediscovery").join(slug);
                for found in &summary.found {
                    found.entry.write(&dir)?;
                }
            }
            Ok((t, seed, summary))
        })
    }
}

/// The two tables of a rediscovery section from its campaigns: per target and known finding,
/// on how many seeds it showed, in which class, how fast (`applies` says whether the target has
/// it); and per target, its findings by class and how many of those that are not limitations
/// match no known finding (each printed).
fn rediscovery_tables(
    targets: &[(String, String, Target)],
    results: &[Ran],
    known: &[KnownRow],
    applies: impl Fn(usize, &str) -> String,
) -> anyhow::Result<(String, String)> {
    let explained = |f: &leash_fuzz::finding::Finding| {
        f.class == Class::Limitation || known.iter().any(|k| (k.detect)(f))
    };
    let mut found_rows = String::new();
    let mut class_rows = String::new();
    for (t, (build, host, _)) in targets.iter().enumerate() {
        let runs: Vec<&Ran> = results.iter().filter(|r| r.0 == t).collect();
        let mut by_class = [0usize; Class::ALL.len()];
        let (mut cases, mut ops, mut unexplained) = (0u64, 0u64, 0usize);
        for (_, seed, summary) in &runs {
            cases += summary.progress.cases;
            ops += summary.progress.ops;
            for f in &summary.found {
                let Some(finding) = &f.entry.finding else { continue };
                let i = Class::ALL.iter().position(|c| *c == finding.class);
                by_class[i.expect("every class is listed")] += 1;
                if !explained(finding) {
                    unexplained += 1;
                    say(format!(
                        "{build} on {host} seed {seed:#x}: not a known finding: {} at {:.1} s: {}; {}",
                        finding.class.name(),
                        f.seconds,
                        finding.model,
                        finding.detail
                    ))?;
                }
            }
        }
        class_rows += &format!(
            "| {build} | {host} | {} | {} | {} | {unexplained} |\n",
            human::group_digits(cases),
            human::group_digits(ops),
            by_class.iter().map(ToString::to_string).collect::<Vec<_>>().join(" | ")
        );
        for known in known {
            let detect = known.detect;
            let applies = applies(t, known.id);
            // Per seed, the most severe class it showed in and when it first did.
            let mut firsts: Vec<(Class, f64)> = Vec::new();
            for (_, _, summary) in &runs {
                let worst = summary
                    .found
                    .iter()
                    .filter_map(|f| f.entry.finding.as_ref().map(|finding| (finding, f.seconds)))
                    .filter(|(finding, _)| detect(finding))
                    .map(|(finding, seconds)| (finding.class, seconds))
                    .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
                firsts.extend(worst);
            }
            let (class, median) = match firsts.iter().map(|(c, _)| *c).min() {
                None => (String::new(), String::new()),
                Some(worst) => {
                    let mut times: Vec<f64> =
                        firsts.iter().filter(|(c, _)| *c == worst).map(|(_, t)| *t).collect();
                    times.sort_by(f64::total_cmp);
                    let others: std::collections::BTreeSet<&str> =
                        firsts.iter().filter(|(c, _)| *c != worst).map(|(c, _)| c.name()).collect();
                    let class = if others.is_empty() {
                        worst.name().to_owned()
                    } else {
                        let others: Vec<&str> = others.into_iter().collect();
                        format!("{} (else {})", worst.name(), others.join(", "))
                    };
                    (class, format!("{:.1} s", times[times.len() / 2]))
                }
            };
            found_rows += &format!(
                "| {build} | {host} | `{}` | {applies} | {}/{} seeds | {class} | {median} |\n",
                known.id,
                firsts.len(),
                runs.len()
            );
        }
    }
    Ok((found_rows, class_rows))
}

fn median_f64(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    (!values.is_empty()).then(|| values[values.len() / 2])
}

fn median_u64(values: &mut [u64]) -> Option<u64> {
    values.sort_unstable();
    (!values.is_empty()).then(|| values[values.len() / 2])
}

/// Replaces the section between `<!-- leash-bench:NAME -->` markers, or appends it.
fn replace_section(file: &str, name: &str, body: &str) -> String {
    let start = format!("<!-- leash-bench:{name} -->");
    let end = format!("<!-- /leash-bench:{name} -->");
    let block = format!("{start}\n{body}{end}\n");
    let mut out = if file.is_empty() {
        "# Benchmarks\n\nWritten by `leash bench` (see `leash bench --help`); every number below was \
         measured by the run that wrote its section.\n\n"
            .to_owned()
    } else {
        file.to_owned()
    };
    match (out.find(&start), out.find(&end)) {
        (Some(a), Some(b)) if b > a => {
            out.replace_range(a..b + end.len() + 1.min(out.len() - b - end.len()), &block);
        }
        _ => {
            if !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(&block);
        }
    }
    out
}

/// Runs `work` on every job, `cores` jobs at a time, each on its own thread; the results come
/// in the order the jobs finished. A worker whose job fails takes no more jobs, and the error is
/// returned once the others are done.
fn on_every_core<J: Send, R: Send>(
    cores: usize,
    jobs: Vec<J>,
    work: impl Fn(J) -> anyhow::Result<R> + Sync,
) -> anyhow::Result<Vec<R>> {
    let next = std::sync::Mutex::new(jobs.into_iter());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let handles: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let job = next.lock().expect("not poisoned").next();
                        let Some(job) = job else { return Ok(()) };
                        let result = work(job)?;
                        results.lock().expect("not poisoned").push(result);
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("benchmark workers do not panic")?;
        }
        Ok(())
    })?;
    Ok(results.into_inner().expect("not poisoned"))
}

/// The 1-minute load average (`/proc/loadavg`), or "unknown".
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// Writes `text` to `path` through a temporary file and a rename.
fn write_atomic(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write '{}'", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_replaced_in_place_and_others_kept() {
        let one = replace_section("", "a", "A1\n");
        let two = replace_section(&one, "b", "B1\n");
        let three = replace_section(&two, "a", "A2\n");
        assert!(three.contains("A2\n") && !three.contains("A1") && three.contains("B1\n"));
        assert!(three.find("leash-bench:a").unwrap() < three.find("leash-bench:b").unwrap());
    }

    #[test]
    fn the_kill_section_counts_in_words_and_names_only_mutants_it_measured() {
        let run = |mutant: &str, mutate, coverage| KillRun {
            mutant: mutant.into(),
            seed: 1,
            mutate,
            coverage,
            budget: 10,
            bypass: None,
            other: None,
        };
        let render = |name: &str| {
            let results: Vec<KillRun> = [(true, true), (true, false), (false, true)]
                .into_iter()
                .map(|(m, c)| run(name, m, c))
                .collect();
            let load = ("1.00".to_owned(), "1.00".to_owned());
            render_kills("test", &load, &[name.to_owned()], &results, 10, 1, (90.0, 100.0, 5))
        };
        let subset = render("c9-zero-selector-empty");
        assert!(subset.contains("guidance is faster on 0 mutants and slower on 0"), "{subset}");
        assert!(!subset.contains("c4-empty-batch"), "{subset}");
        assert!(render("c4-empty-batch").contains("`c4-empty-batch` accepts an empty batch"));
    }
}
