//! The in-process campaign engine: workers that generate cases from bytes, run them on the model
//! and the EVM, keep the inputs that reach new behaviour, and report minimized findings.
//!
//! Each worker owns a world and a seeded random stream, so a worker's run is deterministic for a
//! given seed, worker index and case budget (a time budget only decides where it stops). Workers
//! keep their own corpora of inputs: an input that reaches a behaviour feature the worker has not
//! seen (a verdict, a module outcome, a mutation kind, a batch size, together) is kept and mutated
//! later, byte by byte, the way libFuzzer mutates its inputs. A finding is minimized by the
//! worker that found it and handed to the caller.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arbitrary::Unstructured;

use crate::case::Case;
use crate::corpus::{Entry, Provenance};
use crate::finding::{Class, Finding};
use crate::generate::{CaseConfig, Catalog, generate_case};
use crate::minimize::{MinimizeBudget, minimize};
use crate::run::{RunConfig, Runner};
use crate::target::{Target, TargetError};

/// When a campaign stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// After this long (each worker checks between cases).
    Time(Duration),
    /// After this many cases per worker (deterministic).
    Cases(u64),
}

/// How a campaign runs.
#[derive(Clone, Debug)]
pub struct CampaignConfig {
    /// The campaign's seed; worker `w` derives its own.
    pub seed: u64,
    /// Worker threads.
    pub workers: usize,
    /// When to stop.
    pub budget: Budget,
    /// How cases are generated (mutation on or off).
    pub case: CaseConfig,
    /// How cases are run.
    pub run: RunConfig,
    /// Minimization budget per finding; `None` keeps findings as found.
    pub minimize: Option<MinimizeBudget>,
    /// Stop at the first finding of this class or a more severe one (benchmarks: `Bypass`).
    pub stop_at: Option<Class>,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        Self {
            seed: 0x1ea5_4ca5,
            workers: 1,
            budget: Budget::Time(Duration::from_secs(60)),
            case: CaseConfig::default(),
            run: RunConfig::campaign(),
            minimize: Some(MinimizeBudget::default()),
            stop_at: None,
        }
    }
}

/// Size of the shared behaviour-feature bitmap, in bits.
const FEATURE_BITS: usize = 1 << 16;

/// Live counters of a running campaign, shared with whoever reports progress.
#[derive(Debug)]
pub struct Progress {
    started: Instant,
    /// Cases run.
    pub cases: AtomicU64,
    /// Ops submitted.
    pub ops: AtomicU64,
    /// Ops the model allowed.
    pub allowed: AtomicU64,
    /// Cases the harness could not run to the end (a harness limit, never a finding).
    pub not_runnable: AtomicU64,
    /// Distinct findings, by class (indexed as `Class::ALL`).
    pub findings: [AtomicU64; 6],
    features: Vec<AtomicU64>,
    /// Set to stop the campaign (Ctrl-C); workers stop after their current case. Shared, so a
    /// signal handler can hold it.
    pub stop: Arc<AtomicBool>,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            cases: AtomicU64::new(0),
            ops: AtomicU64::new(0),
            allowed: AtomicU64::new(0),
            not_runnable: AtomicU64::new(0),
            findings: Default::default(),
            features: (0..FEATURE_BITS / 64).map(|_| AtomicU64::new(0)).collect(),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// A point-in-time copy of [`Progress`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Seconds since the campaign started.
    pub elapsed: f64,
    /// Cases run.
    pub cases: u64,
    /// Ops submitted.
    pub ops: u64,
    /// Ops the model allowed.
    pub allowed: u64,
    /// Cases the harness could not run to the end.
    pub not_runnable: u64,
    /// Distinct behaviour features reached.
    pub features: u64,
    /// Distinct findings by class, as `Class::ALL` orders them.
    pub findings: [u64; 6],
}

impl Snapshot {
    /// Ops per second so far.
    pub fn ops_per_sec(&self) -> f64 {
        if self.elapsed > 0.0 { self.ops as f64 / self.elapsed } else { 0.0 }
    }

    /// All findings.
    pub fn total_findings(&self) -> u64 {
        self.findings.iter().sum()
    }
}

impl Progress {
    /// A snapshot of the counters.
    pub fn snapshot(&self) -> Snapshot {
        let mut findings = [0; 6];
        for (slot, counter) in findings.iter_mut().zip(&self.findings) {
            *slot = counter.load(Ordering::Relaxed);
        }
        Snapshot {
            elapsed: self.started.elapsed().as_secs_f64(),
            cases: self.cases.load(Ordering::Relaxed),
            ops: self.ops.load(Ordering::Relaxed),
            allowed: self.allowed.load(Ordering::Relaxed),
            not_runnable: self.not_runnable.load(Ordering::Relaxed),
            features: self
                .features
                .iter()
                .map(|w| u64::from(w.load(Ordering::Relaxed).count_ones()))
                .sum(),
            findings,
        }
    }

    fn mark_feature(&self, feature: u32) {
        let bit = feature as usize % FEATURE_BITS;
        self.features[bit / 64].fetch_or(1 << (bit % 64), Ordering::Relaxed);
    }
}

/// A finding as a campaign reports it: minimized, with its provenance, ready to write.
#[derive(Clone, Debug)]
pub struct Found {
    /// The corpus entry.
    pub entry: Entry,
    /// Seconds into the campaign when the worker first saw it.
    pub seconds: f64,
    /// The worker's case count when it saw it.
    pub cases: u64,
}

/// What a finished campaign did.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The final counters.
    pub progress: Snapshot,
    /// Every distinct finding, in the order they were found.
    pub found: Vec<Found>,
}

/// SplitMix64: a tiny, good, seedable stream of random bytes for case inputs.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fills `out` with random bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// Bytes per case input: enough for a long case with batches and mutations.
const INPUT_LEN: usize = 4096;
/// The most inputs a worker keeps.
const CORPUS_CAP: usize = 2048;

/// libFuzzer-style byte mutation of a kept input: flip, set, insert or delete bytes, or splice
/// in a piece of another kept input.
fn mutate_input(rng: &mut SplitMix64, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len().max(1);
        match rng.below(6) {
            0 => {
                let i = rng.below(len).min(out.len().saturating_sub(1));
                if let Some(b) = out.get_mut(i) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => {
                let i = rng.below(len).min(out.len().saturating_sub(1));
                if let Some(b) = out.get_mut(i) {
                    *b = rng.next_u64() as u8;
                }
            }
            2 => {
                let at = rng.below(len);
                let mut piece = vec![0u8; 1 + rng.below(16)];
                rng.fill(&mut piece);
                out.splice(at.min(out.len())..at.min(out.len()), piece);
            }
            3 if out.len() > 16 => {
                let at = rng.below(out.len() - 8);
                let n = 1 + rng.below(8);
                out.drain(at..at + n);
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let n = (1 + rng.below(64)).min(other.len() - from);
                let at = rng.below(len).min(out.len());
                let end = (at + n).min(out.len());
                out.splice(at..end, other[from..from + n].iter().copied());
            }
            _ => {
                // Re-randomize a tail: later steps of the case change, earlier ones stay.
                let at = rng.below(len).min(out.len());
                rng.fill(&mut out[at..]);
            }
        }
    }
    out.resize(INPUT_LEN, 0);
    out
}

/// Why a campaign could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CampaignError {
    /// The target did not deploy.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The operating system would not start a worker thread.
    #[error("cannot start worker thread {worker} of {workers}: {source}")]
    Spawn {
        /// The worker's index.
        worker: usize,
        /// How many were asked for.
        workers: usize,
        /// Why.
        source: std::io::Error,
    },
}

/// Runs a campaign against `target`, calling `on_found` (from worker threads) with each
/// distinct finding. Returns when the budget is spent (a time budget counts from the
/// campaign's start, however long workers take to start), `progress.stop` is set, or (with
/// `stop_at`) a finding of that severity is in.
pub fn run_campaign(
    target: &Target,
    config: &CampaignConfig,
    progress: &Progress,
    on_found: &(dyn Fn(&Found) + Sync),
) -> Result<Summary, CampaignError> {
    // Deploy once up front so a bad target fails before any thread starts.
    let (probe, module) = target.instantiate()?;
    let catalog = Catalog::for_module(probe.addresses(), &*module);
    drop((probe, module));
    let seen: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    let found: Mutex<Vec<Found>> = Mutex::new(Vec::new());
    let workers = config.workers.max(1);
    let started = Instant::now();
    let result: Result<(), CampaignError> = std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(workers);
        for w in 0..workers {
            let (catalog, seen, found) = (&catalog, &seen, &found);
            let spawned = std::thread::Builder::new()
                .name(format!("leash-worker-{w}"))
                .spawn_scoped(scope, move || {
                    worker(target, config, progress, catalog, w as u32, started, &|f: Found| {
                        let signature =
                            f.entry.finding.as_ref().map_or_else(String::new, Finding::signature);
                        let new =
                            seen.lock().expect("no worker panics holding it").insert(signature);
                        if new {
                            let class = f.entry.expect;
                            if let Some(class) = class {
                                let i =
                                    Class::ALL.iter().position(|c| *c == class).expect("listed");
                                progress.findings[i].fetch_add(1, Ordering::Relaxed);
                            }
                            on_found(&f);
                            found.lock().expect("no worker panics holding it").push(f);
                            if let (Some(stop), Some(class)) = (config.stop_at, class)
                                && class <= stop
                            {
                                progress.stop.store(true, Ordering::Relaxed);
                            }
                        }
                    })
                });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(source) => {
                    // The workers already running stop after their case.
                    progress.stop.store(true, Ordering::Relaxed);
                    for handle in handles {
                        let _ = handle.join();
                    }
                    return Err(CampaignError::Spawn { worker: w, workers, source });
                }
            }
        }
        for handle in handles {
            handle.join().expect("campaign workers do not panic")?;
        }
        Ok(())
    });
    result?;
    Ok(Summary {
        progress: progress.snapshot(),
        found: found.into_inner().expect("workers are done"),
    })
}

fn worker(
    target: &Target,
    config: &CampaignConfig,
    progress: &Progress,
    catalog: &Catalog,
    index: u32,
    started: Instant,
    report: &dyn Fn(Found),
) -> Result<(), TargetError> {
    let mut runner = Runner::for_target(target, config.run)?;
    let mut rng =
        SplitMix64::new(config.seed ^ (u64::from(index) + 1).wrapping_mul(0xd134_2543_de82_ef95));
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    let mut features: HashSet<u32> = HashSet::new();
    let mut signatures: HashSet<String> = HashSet::new();
    let mut cases = 0u64;
    loop {
        let out_of_budget = match config.budget {
            Budget::Time(limit) => started.elapsed() >= limit,
            Budget::Cases(limit) => cases >= limit,
        };
        if out_of_budget || progress.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let input = if !corpus.is_empty() && rng.below(2) == 0 {
            let a = rng.below(corpus.len());
            let b = rng.below(corpus.len());
            mutate_input(&mut rng, &corpus[a], &corpus[b])
        } else {
            let mut fresh = vec![0u8; INPUT_LEN];
            rng.fill(&mut fresh);
            fresh
        };
        cases += 1;
        let Ok(case) = generate_case(&mut Unstructured::new(&input), catalog, &config.case) else {
            continue;
        };
        let report_case = runner.run(&case);
        progress.cases.fetch_add(1, Ordering::Relaxed);
        progress.ops.fetch_add(report_case.ops, Ordering::Relaxed);
        progress.allowed.fetch_add(report_case.allowed, Ordering::Relaxed);
        if report_case.not_runnable.is_some() {
            progress.not_runnable.fetch_add(1, Ordering::Relaxed);
        }
        let mut novel = false;
        for feature in &report_case.features {
            progress.mark_feature(*feature);
            novel |= features.insert(*feature);
        }
        if novel && corpus.len() < CORPUS_CAP {
            corpus.push(input);
        }
        let Some(finding) = report_case.finding else {
            continue;
        };
        if !signatures.insert(finding.signature()) {
            continue;
        }
        let seconds = progress.snapshot().elapsed;
        let (case, finding, minimized) = match config.minimize {
            Some(budget) => {
                let m = minimize(&mut runner, &case, &finding, budget);
                (m.case, m.finding, true)
            }
            None => (case, finding, false),
        };
        let provenance = Provenance {
            seed: config.seed,
            worker: index,
            exec: cases,
            mutate: config.case.mutate,
            leash: env!("CARGO_PKG_VERSION").into(),
            minimized,
        };
        let entry =
            Entry::new(target.label.clone(), Some(finding.class), Some(finding), provenance, case);
        report(Found { entry, seconds, cases });
    }
}

/// Runs one case against `target` as a campaign with `run` would: what `leash replay` does.
pub fn replay(
    target: &Target,
    case: &Case,
    run: RunConfig,
) -> Result<crate::run::CaseReport, TargetError> {
    Ok(Runner::for_target(target, run)?.run(case))
}
