//! The in-process campaign engine: workers that generate cases from bytes, run them on the model
//! and the EVM, keep the inputs that reach new behaviour or new code, and report minimized
//! findings.
//!
//! Each worker owns a world and a seeded random stream, so a worker's run is deterministic for a
//! given seed, worker index and case budget (a time budget only decides where it stops). Workers
//! keep their own corpora of inputs: an input is kept and mutated later, byte by byte, the way
//! libFuzzer mutates its inputs, when it reaches something the worker has not seen: a behaviour
//! feature (a verdict, a module outcome, a mutation kind, a batch size, together) or, with
//! coverage guidance on ([`CampaignConfig::guidance`]), a branch edge of the module's code in a
//! new hit-count bucket; then the words the module compares while running a kept input new to
//! the campaign also join the worker's dictionary, next to the constants its bytecode pushes.
//! Guidance is on by default: two quiet measurements on the mutants found bypasses sooner with it
//! than with behaviour features alone (`docs/coverage.md`, `BENCHMARKS.md`). With coverage
//! recorded but not guiding, edges are still counted and reported. A finding is minimized by the worker that found it and handed
//! to the caller.
//!
//! With a corpus directory ([`CampaignConfig::corpus`], [`crate::corpus_dir`]) every worker
//! starts from the entries in it, every input that reached coverage new to the campaign is
//! saved there atomically, and entries other processes add are picked up as the campaign runs.

use std::collections::HashSet;
use std::ffi::OsString;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy_primitives::U256;
use arbitrary::Unstructured;

use crate::case::Case;
use crate::corpus::{CorpusError, Entry, Provenance};
use crate::corpus_dir::CorpusDir;
use crate::evm::coverage::push_constants;
use crate::evm::{EdgeHit, Reached};
use crate::finding::{Class, Finding};
use crate::generate::{CaseConfig, Catalog, generate_case};
use crate::minimize::{MinimizeBudget, minimize};
use crate::run::{CaseReport, RunConfig, Runner};
use crate::target::{Target, TargetError};
use leash_model::{Counter, DenyReason};

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
    /// A corpus directory to start from, save new coverage to, and share with other campaigns.
    pub corpus: Option<PathBuf>,
    /// Whether the module's branch edges guide the campaign: an input reaching an edge (or an
    /// edge's hit-count bucket) new to the worker is kept and mutated, and the words the module
    /// compares join the dictionary. Needs [`RunConfig::coverage`]; without guidance, recorded
    /// edges are only counted and reported.
    pub guidance: bool,
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
            corpus: None,
            guidance: true,
        }
    }
}

/// Size of the shared behaviour-feature bitmap, in bits.
const FEATURE_BITS: usize = 1 << 16;
/// Size of the shared edge bitmap (edges with their hit-count buckets), in bits.
const EDGE_BITS: usize = 1 << 20;

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
    /// The corpus directory could not be read or written.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
}

/// A set of feature ids shared by the workers: which ids any worker has reached.
#[derive(Debug)]
struct SharedBits(Vec<AtomicU64>);

impl SharedBits {
    fn new(bits: usize) -> Self {
        Self((0..bits / 64).map(|_| AtomicU64::new(0)).collect())
    }

    /// Marks `id`; whether no worker had reached it before.
    fn mark(&self, id: u32) -> bool {
        let bit = id as usize % (self.0.len() * 64);
        let mask = 1 << (bit % 64);
        self.0[bit / 64].fetch_or(mask, Ordering::Relaxed) & mask == 0
    }

    fn count(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.load(Ordering::Relaxed).count_ones())).sum()
    }
}

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
    /// Distinct findings, by class (indexed as `Class::ALL`).
    pub findings: [AtomicU64; 6],
    /// Cases the harness could not run to the end (a harness limit, never a finding).
    pub not_runnable: AtomicU64,
    /// Corpus directory entries run at start (by every worker).
    pub loaded: AtomicU64,
    /// Inputs saved to the corpus directory.
    pub saved: AtomicU64,
    /// Entries of other campaigns run from the corpus directory.
    pub imported: AtomicU64,
    features: SharedBits,
    edges: SharedBits,
    time: TimeCounters,
    /// Ops the model denied, by reason (indexed as `DenyReason::ALL`).
    denials: Vec<AtomicU64>,
    /// Allowed ops that moved each counter (indexed as `Counter::ALL`).
    counted: [AtomicU64; Counter::ALL.len()],
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
            findings: Default::default(),
            not_runnable: AtomicU64::new(0),
            loaded: AtomicU64::new(0),
            saved: AtomicU64::new(0),
            imported: AtomicU64::new(0),
            features: SharedBits::new(FEATURE_BITS),
            edges: SharedBits::new(EDGE_BITS),
            time: TimeCounters::default(),
            denials: DenyReason::ALL.iter().map(|_| AtomicU64::new(0)).collect(),
            counted: Default::default(),
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
    /// Distinct behaviour features reached.
    pub features: u64,
    /// Distinct branch edges of the module's (and account's) code reached.
    pub edges: u64,
    /// Cases the harness could not run to the end.
    pub not_runnable: u64,
    /// Corpus directory entries run at start (by every worker).
    pub loaded: u64,
    /// Inputs saved to the corpus directory.
    pub saved: u64,
    /// Entries of other campaigns run from the corpus directory.
    pub imported: u64,
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
            features: self.features.count(),
            edges: self.edges.count(),
            not_runnable: self.not_runnable.load(Ordering::Relaxed),
            loaded: self.loaded.load(Ordering::Relaxed),
            saved: self.saved.load(Ordering::Relaxed),
            imported: self.imported.load(Ordering::Relaxed),
            findings,
        }
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
    /// The branch edges and blocks of the module's (and account's) code the campaign reached,
    /// over all workers; empty with coverage off.
    pub reached: Reached,
    /// Where the workers' time went.
    pub time: CampaignTime,
    /// How many ops the model denied for each reason, in the order of `DenyReason::ALL`
    /// (reasons no op hit included, with 0): the policy rules the campaign exercised.
    pub denials: Vec<(DenyReason, u64)>,
    /// How many allowed ops moved each counter, in the order of `Counter::ALL` (counters no op
    /// moved included, with 0): the rules that counted what they let through.
    pub counted: Vec<(Counter, u64)>,
}

/// Where a campaign's worker time went, in seconds summed over the workers. `workers` is the
/// whole: what the parts leave is the oracle, the invariants and bookkeeping.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct CampaignTime {
    /// Wall-clock time of the workers, summed (about `elapsed * workers`).
    pub workers: f64,
    /// The model's verdicts and lifecycle.
    pub model: f64,
    /// The EVM: the module's lifecycle calls, the ops and the counters read back.
    pub evm: f64,
    /// Signing ops.
    pub signing: f64,
    /// Generating and mutating cases.
    pub generation: f64,
    /// Minimizing findings.
    pub minimization: f64,
}

/// [`CampaignTime`]'s running counters, in nanoseconds.
#[derive(Debug, Default)]
struct TimeCounters {
    workers: AtomicU64,
    model: AtomicU64,
    evm: AtomicU64,
    signing: AtomicU64,
    generation: AtomicU64,
    minimization: AtomicU64,
}

impl TimeCounters {
    fn add(counter: &AtomicU64, elapsed: Duration) {
        counter.fetch_add(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn seconds(&self) -> CampaignTime {
        let s = |c: &AtomicU64| Duration::from_nanos(c.load(Ordering::Relaxed)).as_secs_f64();
        CampaignTime {
            workers: s(&self.workers),
            model: s(&self.model),
            evm: s(&self.evm),
            signing: s(&self.signing),
            generation: s(&self.generation),
            minimization: s(&self.minimization),
        }
    }
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
pub const INPUT_LEN: usize = 4096;
/// The most inputs a worker keeps in each of its queues.
const CORPUS_CAP: usize = 2048;

/// A worker's kept inputs, in two queues: inputs that reached a behaviour feature new to the
/// worker, and inputs that reached only code new to it (an edge, or a hit-count bucket of one).
///
/// Which queue an input to mutate comes from follows what mutating each has yielded: each
/// non-empty queue is drawn in proportion to the share of its mutants that reached a new
/// behaviour (Laplace-smoothed, so a queue that has yielded nothing yet keeps a chance). Edges
/// are plentiful (every new hit count of every branch keeps an input), behaviours are what a
/// differential campaign is after; drawing uniformly over one queue would let the inputs kept
/// for code crowd out, as the corpus grows, the ones that reach behaviours, and the mutations
/// that find bugs with them. The code queue still gets the energy its mutants earn, which is
/// what guides a campaign into branches of a module the behaviours do not name.
#[derive(Debug, Default)]
struct Corpus {
    /// [`Corpus::BEHAVIOUR`] and [`Corpus::CODE`].
    queues: [Vec<Vec<u8>>; 2],
    /// Per queue: inputs mutated from it.
    picks: [u64; 2],
    /// Per queue: of those, how many reached a behaviour new to the worker.
    yields: [u64; 2],
}

impl Corpus {
    const BEHAVIOUR: usize = 0;
    const CODE: usize = 1;

    fn is_empty(&self) -> bool {
        self.queues.iter().all(Vec::is_empty)
    }

    fn len(&self) -> usize {
        self.queues.iter().map(Vec::len).sum()
    }

    /// Keeps `input` in `queue`; a full queue replaces one of its inputs at random, so it keeps
    /// taking what the campaign finds late.
    fn keep(&mut self, rng: &mut SplitMix64, queue: usize, input: Vec<u8>) {
        let q = &mut self.queues[queue];
        if q.len() < CORPUS_CAP {
            q.push(input);
        } else {
            let i = rng.below(q.len());
            q[i] = input;
        }
    }

    /// A mutant of a kept input (the corpus must not be empty), and the queue it came from.
    fn mutant(&mut self, rng: &mut SplitMix64) -> (usize, Vec<u8>) {
        // Per-million weights: (yields + 1) / (picks + 2) for a non-empty queue, else 0.
        let weight = |q: usize| {
            if self.queues[q].is_empty() {
                0
            } else {
                (self.yields[q] + 1).saturating_mul(1_000_000) / (self.picks[q] + 2)
            }
        };
        let (behaviour, code) = (weight(Self::BEHAVIOUR), weight(Self::CODE));
        let queue = if (rng.next_u64() % (behaviour + code)) < behaviour {
            Self::BEHAVIOUR
        } else {
            Self::CODE
        };
        self.picks[queue] += 1;
        let inputs = &self.queues[queue];
        let input = &inputs[rng.below(inputs.len())];
        // The splice partner comes from either queue.
        let other = rng.below(self.len());
        let other = match other.checked_sub(self.queues[0].len()) {
            None => &self.queues[0][other],
            Some(i) => &self.queues[1][i],
        };
        (queue, mutate_input(rng, input, other))
    }

    /// Counts what a mutant from `queue` reached.
    fn credit(&mut self, queue: usize, new_behaviour: bool) {
        self.yields[queue] += u64::from(new_behaviour);
    }
}

/// What a run reached that was new.
#[derive(Clone, Copy, Debug, Default)]
struct Novelty {
    /// A behaviour feature new to the worker.
    behaviour: bool,
    /// An edge, or an edge's hit-count bucket, new to the worker.
    code: bool,
    /// A behaviour feature or an edge new to the whole campaign.
    campaign: bool,
}

impl Novelty {
    /// The queue an input that reached this goes to, if it is kept at all.
    fn queue(self) -> Option<usize> {
        if self.behaviour {
            Some(Corpus::BEHAVIOUR)
        } else if self.code {
            Some(Corpus::CODE)
        } else {
            None
        }
    }
}

/// libFuzzer-style byte mutation of a kept input: flip, set, insert or delete bytes, or splice
/// in a piece of another kept input. The result is [`INPUT_LEN`] bytes long. (Public for other
/// engines driving the same generators: `fuzz/libafl`.)
pub fn mutate_input(rng: &mut SplitMix64, input: &[u8], other: &[u8]) -> Vec<u8> {
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

/// How often a worker looks at the corpus directory for other campaigns' entries. (Only other
/// processes' entries are imported, so a campaign alone with its directory stays deterministic
/// whatever the clock says.)
const SYNC_EVERY: Duration = Duration::from_secs(2);
/// The most words a worker's dictionary holds (mined constants and compared words).
pub const MAX_WORDS: usize = 2048;

/// The dictionary a campaign starts with: the constants the module's deployed code pushes.
fn mined_words(code: &[u8]) -> Vec<U256> {
    let mut words = push_constants(code);
    words.truncate(MAX_WORDS / 2);
    words
}

/// What a campaign on `target` generates from: the catalog of its deployed world and frame, with
/// the constants its module's code pushes as the starting dictionary. Deploys `target` once.
pub fn campaign_catalog(target: &Target) -> Result<Catalog, TargetError> {
    let (mut probe, module) = target.instantiate()?;
    let mut catalog =
        Catalog { frame: target.frame, ..Catalog::for_module(probe.addresses(), &*module) };
    catalog.other_account = probe.other_account().is_some();
    let module_address = probe.addresses().module;
    catalog.words = mined_words(&probe.code(module_address));
    Ok(catalog)
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
    let catalog = campaign_catalog(target)?;
    let dir = config.corpus.as_deref().map(CorpusDir::open).transpose()?;
    // Every entry there now seeds every worker; a bad one stops the campaign before it starts.
    let mut seeds = Vec::new();
    let mut known = HashSet::new();
    if let Some(dir) = &dir {
        for name in dir.names()? {
            seeds.push(dir.load(&name)?);
            known.insert(name);
        }
    }
    let seen: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    let found: Mutex<Vec<Found>> = Mutex::new(Vec::new());
    let reached: Mutex<Reached> = Mutex::new(Reached::default());
    let workers = config.workers.max(1);
    let report = |f: Found| {
        let signature = f.entry.finding.as_ref().map_or_else(String::new, Finding::signature);
        let new = seen.lock().expect("no worker panics holding it").insert(signature);
        if new {
            let class = f.entry.expect;
            if let Some(class) = class {
                let i = Class::ALL.iter().position(|c| *c == class).expect("listed");
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
    };
    let started = Instant::now();
    let result: Result<(), CampaignError> = std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(workers);
        for w in 0..workers {
            let (catalog, seeds, known, dir, report, reached) =
                (&catalog, &seeds, &known, dir.as_ref(), &report, &reached);
            let spawned = std::thread::Builder::new()
                .name(format!("leash-worker-{w}"))
                .spawn_scoped(scope, move || -> Result<(), CampaignError> {
                    let mut worker = Worker::new(target, config, progress, catalog, w as u32, dir)?;
                    worker.known = known.clone();
                    let began = Instant::now();
                    let result = worker.run(seeds, started, report);
                    TimeCounters::add(&progress.time.workers, began.elapsed());
                    reached
                        .lock()
                        .expect("no worker panics holding it")
                        .merge(&worker.runner.world().coverage().reached());
                    result
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
        reached: reached.into_inner().expect("workers are done"),
        time: progress.time.seconds(),
        denials: DenyReason::ALL
            .iter()
            .zip(&progress.denials)
            .map(|(reason, n)| (*reason, n.load(Ordering::Relaxed)))
            .collect(),
        counted: Counter::ALL
            .into_iter()
            .zip(&progress.counted)
            .map(|(counter, n)| (counter, n.load(Ordering::Relaxed)))
            .collect(),
    })
}

/// A set of feature ids. Every case looks up each of its edges and behaviour features here, so
/// it hashes with one multiplication instead of SipHash: the ids are hashes already, and
/// nothing outside the worker picks them.
type FeatureSet = HashSet<u32, BuildHasherDefault<FeatureHasher>>;

/// [`FeatureSet`]'s hasher: Fibonacci hashing of the id, which spreads it over the high bits
/// the table's control bytes take as well as the low bits its buckets do.
#[derive(Clone, Copy, Debug, Default)]
struct FeatureHasher(u64);

impl Hasher for FeatureHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u32(u32::from(*byte));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(32) ^ u64::from(n)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// One worker: its runner, random stream, corpus of inputs and what it has reached.
struct Worker<'c> {
    target: &'c Target,
    config: &'c CampaignConfig,
    progress: &'c Progress,
    index: u32,
    runner: Runner,
    rng: SplitMix64,
    /// Its catalog, whose dictionary grows with the words the module compares.
    catalog: Catalog,
    /// The words in the catalog's dictionary, to add each once.
    words: HashSet<U256>,
    corpus: Corpus,
    /// Behaviour features and edges reached.
    reached: FeatureSet,
    signatures: HashSet<String>,
    cases: u64,
    dir: Option<&'c CorpusDir>,
    /// Names in the corpus directory already run.
    known: HashSet<OsString>,
}

impl<'c> Worker<'c> {
    fn new(
        target: &'c Target,
        config: &'c CampaignConfig,
        progress: &'c Progress,
        catalog: &Catalog,
        index: u32,
        dir: Option<&'c CorpusDir>,
    ) -> Result<Self, TargetError> {
        Ok(Self {
            target,
            config,
            progress,
            index,
            runner: {
                let mut runner = Runner::for_target(target, config.run)?;
                // The compare log only feeds guidance's dictionary.
                runner
                    .world_mut()
                    .coverage_mut()
                    .set_compare_log(config.guidance && config.run.coverage);
                runner
            },
            rng: SplitMix64::new(
                config.seed ^ (u64::from(index) + 1).wrapping_mul(0xd134_2543_de82_ef95),
            ),
            catalog: catalog.clone(),
            words: catalog.words.iter().copied().collect(),
            corpus: Corpus::default(),
            reached: FeatureSet::default(),
            signatures: HashSet::new(),
            cases: 0,
            dir,
            known: HashSet::new(),
        })
    }

    fn run(
        &mut self,
        seeds: &[Entry],
        started: Instant,
        report: &dyn Fn(Found),
    ) -> Result<(), CampaignError> {
        for seed in seeds {
            self.progress.loaded.fetch_add(1, Ordering::Relaxed);
            self.run_entry(seed, report);
        }
        let mut last_sync = Instant::now();
        loop {
            let out_of_budget = match self.config.budget {
                Budget::Time(limit) => started.elapsed() >= limit,
                Budget::Cases(limit) => self.cases >= limit,
            };
            if out_of_budget || self.progress.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if last_sync.elapsed() >= SYNC_EVERY
                && let Some(dir) = self.dir
            {
                last_sync = Instant::now();
                let (entries, _unreadable) = dir.new_entries(&mut self.known)?;
                for entry in &entries {
                    self.progress.imported.fetch_add(1, Ordering::Relaxed);
                    self.run_entry(entry, report);
                }
            }
            let generating = Instant::now();
            let (from, input) = if !self.corpus.is_empty() && self.rng.below(2) == 0 {
                let (queue, input) = self.corpus.mutant(&mut self.rng);
                (Some(queue), input)
            } else {
                let mut fresh = vec![0u8; INPUT_LEN];
                self.rng.fill(&mut fresh);
                (None, fresh)
            };
            self.cases += 1;
            let generated =
                generate_case(&mut Unstructured::new(&input), &self.catalog, &self.config.case);
            TimeCounters::add(&self.progress.time.generation, generating.elapsed());
            let Ok(case) = generated else {
                continue;
            };
            let outcome = self.runner.run(&case);
            let novelty = self.account(&outcome);
            if let Some(queue) = from {
                self.corpus.credit(queue, novelty.behaviour);
            }
            if let Some(queue) = novelty.queue() {
                self.keep(queue, input, &case, novelty.campaign)?;
            }
            self.handle_finding(case, outcome, report);
        }
    }

    /// Runs a corpus entry: its case as stored; its input (if it has one) joins the corpus when
    /// the case reaches something new to this worker.
    fn run_entry(&mut self, entry: &Entry, report: &dyn Fn(Found)) {
        let outcome = self.runner.run(&entry.case);
        if let Some(queue) = self.account(&outcome).queue() {
            self.learn_words();
            if !entry.input.is_empty() {
                let mut input = entry.input.clone();
                input.resize(INPUT_LEN, 0);
                self.corpus.keep(&mut self.rng, queue, input);
            }
        }
        self.handle_finding(entry.case.clone(), outcome, report);
    }

    /// Counts a run in the progress counters. Returns what it reached that was new to this
    /// worker or to the whole campaign.
    fn account(&mut self, outcome: &CaseReport) -> Novelty {
        let p = self.progress;
        p.cases.fetch_add(1, Ordering::Relaxed);
        p.ops.fetch_add(outcome.ops, Ordering::Relaxed);
        p.allowed.fetch_add(outcome.allowed, Ordering::Relaxed);
        let nanos = Duration::from_nanos;
        TimeCounters::add(&p.time.model, nanos(outcome.time.model));
        TimeCounters::add(&p.time.evm, nanos(outcome.time.evm));
        TimeCounters::add(&p.time.signing, nanos(outcome.time.signing));
        for reason in &outcome.denials {
            let index = DenyReason::ALL.iter().position(|r| r == reason).expect("listed");
            p.denials[index].fetch_add(1, Ordering::Relaxed);
        }
        for (total, n) in p.counted.iter().zip(outcome.counted).filter(|(_, n)| *n > 0) {
            total.fetch_add(n, Ordering::Relaxed);
        }
        if outcome.not_runnable.is_some() {
            p.not_runnable.fetch_add(1, Ordering::Relaxed);
        }
        let mut novelty = Novelty::default();
        for feature in &outcome.features {
            novelty.campaign |= p.features.mark(*feature);
            novelty.behaviour |= self.reached.insert(*feature);
        }
        for edge in &outcome.edges {
            // New to the campaign: a new edge; new to the worker: also a new hit-count bucket.
            let new_edge = p.edges.mark(EdgeHit::edge_of(*edge));
            if self.guided() {
                novelty.campaign |= new_edge;
                // Behaviour features and edge ids share the set; their hashes differ by a tag.
                novelty.code |= self.reached.insert(*edge);
            }
        }
        novelty
    }

    /// Keeps an input that reached something new: in the worker's corpus and, when it was new to
    /// the campaign, in the corpus directory and its compared words in the dictionary.
    fn keep(
        &mut self,
        queue: usize,
        input: Vec<u8>,
        case: &Case,
        new_to_campaign: bool,
    ) -> Result<(), CorpusError> {
        // An input only this worker had not seen (another worker reached its edges first, or it
        // is a new hit count of known edges) rarely shows the module comparing anything new.
        if new_to_campaign {
            self.learn_words();
        }
        if let (Some(dir), true) = (self.dir, new_to_campaign) {
            // Recipes stay out: the input makes them again, and they are half an entry's size.
            let mut case = case.clone();
            case.strip_recipes();
            let entry =
                Entry::new(self.target.label.clone(), None, None, self.provenance(false), case)
                    .with_input(&input);
            dir.save(&entry)?;
            self.progress.saved.fetch_add(1, Ordering::Relaxed);
        }
        self.corpus.keep(&mut self.rng, queue, input);
        Ok(())
    }

    /// Adds the words the module compared in the case just run (the runner logs them while it
    /// runs) to the worker's dictionary: what libFuzzer's and AFL++'s CMP tracing do for new
    /// inputs.
    fn learn_words(&mut self) {
        if !self.guided() || self.catalog.words.len() >= MAX_WORDS {
            return;
        }
        for word in self.runner.compared() {
            if self.catalog.words.len() >= MAX_WORDS {
                break;
            }
            if self.words.insert(*word) {
                self.catalog.words.push(*word);
            }
        }
    }

    /// Whether edges guide this worker (guidance asked for, and edges recorded).
    fn guided(&self) -> bool {
        self.config.guidance && self.config.run.coverage
    }

    fn provenance(&self, minimized: bool) -> Provenance {
        Provenance {
            seed: self.config.seed,
            worker: self.index,
            exec: self.cases,
            mutate: self.config.case.mutate,
            leash: env!("CARGO_PKG_VERSION").into(),
            minimized,
        }
    }

    /// Minimizes and reports the run's finding, if it is one this worker has not reported.
    fn handle_finding(&mut self, case: Case, outcome: CaseReport, report: &dyn Fn(Found)) {
        let Some(finding) = outcome.finding else {
            return;
        };
        if !self.signatures.insert(finding.signature()) {
            return;
        }
        let seconds = self.progress.snapshot().elapsed;
        let (case, finding, minimized) = match self.config.minimize {
            Some(budget) => {
                let minimizing = Instant::now();
                let m = minimize(&mut self.runner, &case, &finding, budget);
                TimeCounters::add(&self.progress.time.minimization, minimizing.elapsed());
                (m.case, m.finding, true)
            }
            None => (case, finding, false),
        };
        let entry = Entry::new(
            self.target.label.clone(),
            Some(finding.class),
            Some(finding),
            self.provenance(minimized),
            case,
        );
        report(Found { entry, seconds, cases: self.cases });
    }
}

/// Runs `cases` against `target` with coverage on and returns what they reached together (what
/// `leash coverage` reports on a corpus).
pub fn replay_coverage<'a>(
    target: &Target,
    cases: impl IntoIterator<Item = &'a Case>,
    run: RunConfig,
) -> Result<Reached, TargetError> {
    let mut runner = Runner::for_target(target, RunConfig { coverage: true, ..run })?;
    for case in cases {
        runner.run(case);
    }
    Ok(runner.world().coverage().reached())
}

/// Runs one case against `target` as a campaign with `run` would: what `leash replay` does.
pub fn replay(
    target: &Target,
    case: &Case,
    run: RunConfig,
) -> Result<crate::run::CaseReport, TargetError> {
    Ok(Runner::for_target(target, run)?.run(case))
}
