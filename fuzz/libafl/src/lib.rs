//! leash's differential harness driven by [LibAFL](https://docs.rs/libafl/0.16.1): the engine
//! evaluated against leash's own (`ARCHITECTURE.md`, "Engine").
//!
//! The pieces are LibAFL's, the work is leash's:
//!
//! * the input is a [`BytesInput`] of entropy, the same [`INPUT_LEN`] bytes leash's own engine
//!   keeps and mutates; leash's generators ([`generate_case`]) turn it into a case inside the
//!   executor, applying its calldata mutations (non-canonical encodings) as they go;
//! * [`LeashExecutor`] is a LibAFL [`Executor`] around leash's [`Runner`]: it plays the case on
//!   the model and in revm, writes the branch edges of the module's code (with their hit-count
//!   buckets) and the case's behaviour features into two map observers, and reports
//!   [`ExitKind::Crash`] when the oracle's finding is severe enough (the objective);
//! * two [`MaxMapFeedback`]s over those maps decide what joins the corpus, [`CrashFeedback`] what
//!   is a solution; the words the module compared while running a kept input join the
//!   generators' dictionary, as in leash's engine;
//! * [`LeashMutator`] is leash's own mutation step as a LibAFL [`Mutator`] (half the time a fresh
//!   input, half a mutant of the scheduled one spliced with another corpus entry, through
//!   [`mutate_input`]); LibAFL's havoc mutations can replace it ([`Mutation::Havoc`]);
//! * the scheduler is LibAFL's [`QueueScheduler`] or its weighted power scheduler
//!   ([`Schedule::Power`], AFL++'s `explore` schedule with a calibration stage); one process,
//!   one core, [`SimpleEventManager`], an in-memory corpus.
//!
//! [`campaign`] runs one single-core campaign and says what it found and when.

use std::borrow::Cow;
use std::collections::HashSet;
use std::time::{Duration, Instant};

use leash_fuzz::engine::{INPUT_LEN, MAX_WORDS, SplitMix64, campaign_catalog, mutate_input};
use leash_fuzz::finding::{Class, Finding};
use leash_fuzz::generate::{CaseConfig, Catalog, generate_case};
use leash_fuzz::run::{CaseReport, RunConfig, Runner};
use leash_fuzz::target::{Target, TargetError};

use alloy_primitives::U256;
use arbitrary::Unstructured;
use libafl::Error;
use libafl::corpus::{Corpus, InMemoryCorpus};
use libafl::events::SimpleEventManager;
use libafl::executors::{Executor, ExitKind, HasObservers};
use libafl::feedback_or;
use libafl::feedbacks::{CrashFeedback, MaxMapFeedback};
use libafl::fuzzer::{Evaluator, Fuzzer, StdFuzzer};
use libafl::generators::Generator;
use libafl::inputs::{BytesInput, HasMutatorBytes};
use libafl::monitors::NopMonitor;
use libafl::mutators::{HavocScheduledMutator, MutationResult, Mutator, havoc_mutations};
use libafl::observers::{CanTrack, ExplicitTracking, StdMapObserver};
use libafl::schedulers::powersched::PowerSchedule;
use libafl::schedulers::{IndexesLenTimeMinimizerScheduler, QueueScheduler, StdWeightedScheduler};
use libafl::stages::{CalibrationStage, StdMutationalStage, StdPowerMutationalStage};
use libafl::state::{HasCorpus, HasExecutions, StdState};
use libafl_bolts::Named;
use libafl_bolts::rands::StdRand;
use libafl_bolts::tuples::{RefIndexable, tuple_list};

/// Entries of each map observer. Edge and feature ids are hashes; they are folded into the map.
pub const MAP_SIZE: usize = 1 << 16;

/// The map of branch edges of the module's code (value: hit-count bucket + 1), tracking which
/// entries each corpus entry covers (the power scheduler reads them).
pub type EdgeMap = ExplicitTracking<StdMapObserver<'static, u8, false>, true, false>;
/// The map of behaviour features (value: 1).
pub type FeatureMap = StdMapObserver<'static, u8, false>;
/// The executor's observers.
pub type Maps = (EdgeMap, (FeatureMap, ()));
/// The LibAFL state of a campaign.
pub type State =
    StdState<InMemoryCorpus<BytesInput>, BytesInput, StdRand, InMemoryCorpus<BytesInput>>;

/// When a campaign stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// After this long.
    Time(Duration),
    /// After this many cases (exactly: the executor runs no case past it).
    Cases(u64),
}

/// Which mutations make the next input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// leash's own step ([`LeashMutator`]).
    Leash,
    /// LibAFL's havoc mutations over the entropy bytes, stacked.
    Havoc,
}

/// Which LibAFL scheduler picks the corpus entry to mutate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Round robin over the corpus ([`QueueScheduler`]).
    Queue,
    /// AFL++'s `explore` power schedule over the edge map ([`StdWeightedScheduler`]), its
    /// favoured entries culled by length and time ([`IndexesLenTimeMinimizerScheduler`]), with
    /// a calibration stage: LibAFL's AFL++-style setup.
    Power,
}

/// How a campaign runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Seeds LibAFL's random stream and leash's mutation stream.
    pub seed: u64,
    /// When to stop.
    pub budget: Budget,
    /// Stop at the first finding of this class or a more severe one; such findings are the
    /// objective (`None`: every finding is, and the campaign runs its whole budget).
    pub stop_at: Option<Class>,
    /// How cases are generated (calldata mutation on or off).
    pub case: CaseConfig,
    /// How cases run (coverage guidance on or off).
    pub run: RunConfig,
    /// The mutations.
    pub mutation: Mutation,
    /// The scheduler.
    pub schedule: Schedule,
}

impl Config {
    /// What `leash bench --sections mutants` runs per mutant, seed and budget, on LibAFL: one
    /// core, calldata mutation and coverage guidance on, reason differences not compared, stop
    /// at the first bypass.
    pub fn kill(seed: u64, budget: Budget) -> Self {
        Self {
            seed,
            budget,
            stop_at: Some(Class::Bypass),
            case: CaseConfig::default(),
            run: RunConfig { compare_reasons: false, ..RunConfig::campaign() },
            mutation: Mutation::Leash,
            schedule: Schedule::Queue,
        }
    }
}

/// A finding the first time the campaign saw it (not minimized).
#[derive(Clone, Debug)]
pub struct Seen {
    /// The oracle's finding.
    pub finding: Finding,
    /// Seconds into the campaign.
    pub seconds: f64,
    /// Cases run until then, this one included.
    pub cases: u64,
}

/// What a campaign did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Cases run (inputs the generators could not make into a case included, as leash counts).
    pub cases: u64,
    /// Ops submitted.
    pub ops: u64,
    /// Wall-clock seconds, from the first case (after the target deployed).
    pub seconds: f64,
    /// Entries in LibAFL's corpus at the end.
    pub corpus: usize,
    /// Every distinct finding (by [`Finding::signature`]) in the order seen.
    pub found: Vec<Seen>,
}

impl Outcome {
    /// The first finding of `class`.
    pub fn first(&self, class: Class) -> Option<&Seen> {
        self.found.iter().find(|s| s.finding.class == class)
    }

    /// Ops per second.
    pub fn ops_per_sec(&self) -> f64 {
        if self.seconds > 0.0 { self.ops as f64 / self.seconds } else { 0.0 }
    }
}

/// leash's [`Runner`] as a LibAFL executor over entropy inputs: generates the case, runs it,
/// fills the observers, and reports the objective as [`ExitKind::Crash`].
pub struct LeashExecutor {
    runner: Runner,
    catalog: Catalog,
    case: CaseConfig,
    observers: Maps,
    /// The dictionary's words, to add each once.
    words: HashSet<U256>,
    /// The words the module compared in the last case run.
    compared: Vec<U256>,
    /// The corpus size when the last case ran: when it grew, that case was kept.
    corpus_seen: usize,
    budget: Budget,
    stop_at: Option<Class>,
    started: Instant,
    stopped: bool,
    outcome: Outcome,
}

impl LeashExecutor {
    /// An executor on `target` (deploys it), its generators seeded with the constants the
    /// module's code pushes.
    pub fn new(target: &Target, config: &Config) -> Result<Self, TargetError> {
        let catalog = campaign_catalog(target)?;
        Ok(Self {
            runner: Runner::for_target(target, config.run)?,
            words: catalog.words.iter().copied().collect(),
            catalog,
            case: config.case.clone(),
            observers: tuple_list!(
                StdMapObserver::owned("leash-edges", vec![0u8; MAP_SIZE]).track_indices(),
                StdMapObserver::owned("leash-features", vec![0u8; MAP_SIZE])
            ),
            compared: Vec::new(),
            corpus_seen: 0,
            budget: config.budget,
            stop_at: config.stop_at,
            started: Instant::now(),
            stopped: false,
            outcome: Outcome::default(),
        })
    }

    /// Whether the budget is spent or the objective was reached: from then on the executor runs
    /// nothing, so a LibAFL stage in progress ends at once.
    pub fn done(&mut self) -> bool {
        if !self.stopped {
            self.stopped = match self.budget {
                Budget::Time(limit) => self.started.elapsed() >= limit,
                Budget::Cases(limit) => self.outcome.cases >= limit,
            };
        }
        self.stopped
    }

    /// Runs one case as the campaign does and judges it: whether its finding (if any) is the
    /// objective. Fills the observers.
    pub fn run_case(&mut self, case: &leash_fuzz::case::Case) -> ExitKind {
        let report = self.runner.run(case);
        self.observe(&report);
        self.judge(report)
    }

    fn observe(&mut self, report: &CaseReport) {
        self.outcome.ops += report.ops;
        let edges = self.observers.0.as_mut().map_mut();
        for &edge in &report.edges {
            // The edge's hash in the upper 29 bits, its hit-count bucket in the lower 3.
            let slot = &mut edges[(edge >> 3) as usize % MAP_SIZE];
            *slot = (*slot).max((edge & 7) as u8 + 1);
        }
        let features = self.observers.1.0.map_mut();
        for &feature in &report.features {
            features[feature as usize % MAP_SIZE] = 1;
        }
        self.compared.clear();
        self.compared.extend_from_slice(self.runner.compared());
    }

    fn judge(&mut self, report: CaseReport) -> ExitKind {
        let Some(finding) = report.finding else {
            return ExitKind::Ok;
        };
        let signature = finding.signature();
        if self.outcome.found.iter().all(|s| s.finding.signature() != signature) {
            self.outcome.found.push(Seen {
                finding: finding.clone(),
                seconds: self.started.elapsed().as_secs_f64(),
                cases: self.outcome.cases,
            });
        }
        match self.stop_at {
            Some(stop) if finding.class <= stop => {
                self.stopped = true;
                ExitKind::Crash
            }
            Some(_) => ExitKind::Ok,
            None => ExitKind::Crash,
        }
    }

    /// Adds the words the module compared in the last case to the generators' dictionary (the
    /// case was kept: new coverage or a new behaviour), up to leash's cap.
    fn learn_words(&mut self) {
        for word in self.compared.drain(..) {
            if self.catalog.words.len() >= MAX_WORDS {
                break;
            }
            if self.words.insert(word) {
                self.catalog.words.push(word);
            }
        }
    }

    /// What the campaign did so far.
    pub fn outcome(&self) -> Outcome {
        Outcome { seconds: self.started.elapsed().as_secs_f64(), ..self.outcome.clone() }
    }
}

impl<EM, S, Z> Executor<EM, BytesInput, S, Z> for LeashExecutor
where
    S: HasCorpus<BytesInput> + HasExecutions,
{
    fn run_target(
        &mut self,
        _fuzzer: &mut Z,
        state: &mut S,
        _mgr: &mut EM,
        input: &BytesInput,
    ) -> Result<ExitKind, Error> {
        let kept = state.corpus().count();
        if kept > self.corpus_seen {
            self.corpus_seen = kept;
            self.learn_words();
        }
        if self.done() {
            return Ok(ExitKind::Ok);
        }
        *state.executions_mut() += 1;
        self.outcome.cases += 1;
        self.compared.clear();
        let Ok(case) =
            generate_case(&mut Unstructured::new(input.mutator_bytes()), &self.catalog, &self.case)
        else {
            return Ok(ExitKind::Ok);
        };
        Ok(self.run_case(&case))
    }
}

impl HasObservers for LeashExecutor {
    type Observers = Maps;

    fn observers(&self) -> RefIndexable<&Maps, Maps> {
        RefIndexable::from(&self.observers)
    }

    fn observers_mut(&mut self) -> RefIndexable<&mut Maps, Maps> {
        RefIndexable::from(&mut self.observers)
    }
}

/// leash's generator input: [`INPUT_LEN`] random bytes from a seeded stream (leash's generators
/// run on them in the executor).
#[derive(Debug)]
pub struct EntropyGenerator(SplitMix64);

impl EntropyGenerator {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(SplitMix64::new(seed))
    }

    fn fresh(&mut self) -> Vec<u8> {
        let mut bytes = vec![0u8; INPUT_LEN];
        self.0.fill(&mut bytes);
        bytes
    }
}

impl<S> Generator<BytesInput, S> for EntropyGenerator {
    fn generate(&mut self, _state: &mut S) -> Result<BytesInput, Error> {
        Ok(BytesInput::new(self.fresh()))
    }
}

/// leash's own mutation step: half the time a fresh input (leash's engine draws fresh inputs
/// as often as mutants), half the scheduled input through [`mutate_input`], spliced with a
/// random corpus entry.
#[derive(Debug)]
pub struct LeashMutator {
    rng: SplitMix64,
    fresh: EntropyGenerator,
}

impl LeashMutator {
    /// A mutator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            fresh: EntropyGenerator::new(seed ^ 0x6a09_e667_f3bc_c908),
        }
    }
}

impl<S> Mutator<BytesInput, S> for LeashMutator
where
    S: HasCorpus<BytesInput>,
{
    fn mutate(&mut self, state: &mut S, input: &mut BytesInput) -> Result<MutationResult, Error> {
        let bytes = if self.rng.below(2) == 0 {
            self.fresh.fresh()
        } else {
            let corpus = state.corpus();
            let other = match corpus.count() {
                0 => input.clone(),
                n => corpus.cloned_input_for_id(corpus.nth(self.rng.below(n)))?,
            };
            mutate_input(&mut self.rng, input.mutator_bytes(), other.mutator_bytes())
        };
        *input = BytesInput::new(bytes);
        Ok(MutationResult::Mutated)
    }

    fn post_exec(
        &mut self,
        _state: &mut S,
        _new_corpus_id: Option<libafl::corpus::CorpusId>,
    ) -> Result<(), Error> {
        Ok(())
    }
}

impl Named for LeashMutator {
    fn name(&self) -> &Cow<'static, str> {
        static NAME: Cow<'static, str> = Cow::Borrowed("LeashMutator");
        &NAME
    }
}

/// Inputs generated before the mutational stages start (leash's engine starts from none and
/// draws fresh inputs half the time; LibAFL's stages need a non-empty corpus).
const INITIAL_INPUTS: usize = 16;

/// Runs one single-core LibAFL campaign on `target` and says what it found and when.
pub fn campaign(target: &Target, config: &Config) -> Result<Outcome, CampaignError> {
    let executor = LeashExecutor::new(target, config)?;
    match config.mutation {
        Mutation::Leash => run_with(executor, config, LeashMutator::new(config.seed)),
        Mutation::Havoc => {
            run_with(executor, config, HavocScheduledMutator::new(havoc_mutations()))
        }
    }
}

/// Why a LibAFL campaign could not run.
#[derive(Debug)]
pub enum CampaignError {
    /// The target did not deploy.
    Target(TargetError),
    /// LibAFL refused (a broken corpus or stage).
    LibAfl(Error),
}

impl std::fmt::Display for CampaignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Target(e) => e.fmt(f),
            Self::LibAfl(e) => write!(f, "LibAFL: {e}"),
        }
    }
}

impl std::error::Error for CampaignError {}

impl From<TargetError> for CampaignError {
    fn from(e: TargetError) -> Self {
        Self::Target(e)
    }
}

impl From<Error> for CampaignError {
    fn from(e: Error) -> Self {
        Self::LibAfl(e)
    }
}

fn run_with<M>(
    mut executor: LeashExecutor,
    config: &Config,
    mutator: M,
) -> Result<Outcome, CampaignError>
where
    M: Mutator<BytesInput, State> + Named,
{
    let edge_feedback = MaxMapFeedback::new(&executor.observers.0);
    let calibration = CalibrationStage::new(&edge_feedback);
    let mut feedback = feedback_or!(edge_feedback, MaxMapFeedback::new(&executor.observers.1.0));
    let mut objective = CrashFeedback::new();
    let mut state = StdState::new(
        StdRand::with_seed(config.seed),
        InMemoryCorpus::<BytesInput>::new(),
        InMemoryCorpus::new(),
        &mut feedback,
        &mut objective,
    )?;
    let mut mgr = SimpleEventManager::new(NopMonitor::new());
    let mut generator = EntropyGenerator::new(config.seed);
    match config.schedule {
        Schedule::Queue => {
            let mut fuzzer = StdFuzzer::new(QueueScheduler::new(), feedback, objective);
            let mut stages = tuple_list!(StdMutationalStage::new(mutator));
            drive(&mut fuzzer, &mut stages, &mut executor, &mut state, &mut mgr, &mut generator)?;
        }
        Schedule::Power => {
            let scheduler = IndexesLenTimeMinimizerScheduler::new(
                &executor.observers.0,
                StdWeightedScheduler::with_schedule(
                    &mut state,
                    &executor.observers.0,
                    Some(PowerSchedule::explore()),
                ),
            );
            let mut fuzzer = StdFuzzer::new(scheduler, feedback, objective);
            let mut stages = tuple_list!(calibration, StdPowerMutationalStage::new(mutator));
            drive(&mut fuzzer, &mut stages, &mut executor, &mut state, &mut mgr, &mut generator)?;
        }
    }
    let mut outcome = executor.outcome();
    outcome.corpus = state.corpus().count();
    Ok(outcome)
}

/// The campaign's event manager: one process, no monitor output.
type Mgr = SimpleEventManager<BytesInput, NopMonitor, State>;

/// Seeds the corpus with [`INITIAL_INPUTS`] generated inputs (those that reach something new),
/// then runs the fuzzer's stages until the executor is done.
fn drive<Z, ST>(
    fuzzer: &mut Z,
    stages: &mut ST,
    executor: &mut LeashExecutor,
    state: &mut State,
    mgr: &mut Mgr,
    generator: &mut EntropyGenerator,
) -> Result<(), Error>
where
    Z: Fuzzer<LeashExecutor, Mgr, BytesInput, State, ST>
        + Evaluator<LeashExecutor, Mgr, BytesInput, State>,
{
    state.generate_initial_inputs(fuzzer, executor, generator, mgr, INITIAL_INPUTS)?;
    while !executor.done() {
        fuzzer.fuzz_one(stages, executor, state, mgr)?;
    }
    Ok(())
}
