//! Running a case on the model and on the EVM, step by step, and comparing them.
//!
//! Each step runs on both sides: lifecycle calls must succeed or fail together, every op gets
//! the [`oracle`](crate::oracle)'s verdict, the module's counters are compared with the
//! model's, and on-chain invariants are checked from what the chain itself reports (native
//! value the account sent, the capped tokens' `Transfer` and `Approval` events), independently
//! of any calldata decoding. A case stops at its first finding.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolEvent;
use leash_model::abi::execute::EXECUTE_SELECTOR;
use leash_model::abi::execute::decode_execute_unlimited;
use leash_model::profile::{CounterPhase, CounterScope, DecoderClass, NativeDefault};
use leash_model::{
    AccountState, ArgDecoding, Counter, Denial, DenyReason, Effects, Env, Execution, Executions,
    LifecycleError, OpGas, Policy, SemanticProfile, Session, Target, UserOp, Verdict,
};

use crate::case::{
    Action, Actor, Case, Code, Op, Replay, START_CHAIN, START_TIME, Signer, SlotWrite, Step,
    Validator,
};
#[cfg(doc)]
use crate::evm::EdgeHit;
use crate::evm::abi::ILeashToken;
use crate::evm::frame::ACCOUNT_7702_NAMESPACE;
use crate::evm::keys::{Signing, recover_signer};
use crate::evm::{
    CallError, KEY_COUNT, OpOutcome, PackedUserOperation, Recording, World, key_address,
    session_keys,
};
use crate::finding::{Class, Finding};
use crate::modules::{Frame, IntentGap, Observed, Redemption, SessionModule};
use crate::oracle::{self, describe_outcome};
use crate::target::{Target as ModuleTarget, TargetError};

/// When the module's counters are read back and compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StateChecks {
    /// Before every install and revoke, and at the end of the case (the campaign default:
    /// counters that diverge stay diverged until a reinstall resets them).
    #[default]
    Lifecycle,
    /// Also after every bundle (replays and minimization, to pin the first divergence).
    EveryBundle,
}

/// How a runner runs cases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunConfig {
    /// When counters are compared.
    pub state_checks: StateChecks,
    /// How ops are signed.
    pub signing: Signing,
    /// Whether denials for different clauses are findings. Modules that do not report the
    /// spec's denial codes would otherwise show a `reason` finding on every denial.
    pub compare_reasons: bool,
    /// Whether the module's branch edges are recorded ([`CaseReport::edges`]); campaigns use
    /// them to keep inputs that reach new code.
    pub coverage: bool,
}

impl RunConfig {
    /// The configuration campaigns use against modules that report the spec's denial codes:
    /// reasons compared, coverage on.
    pub fn campaign() -> Self {
        Self { compare_reasons: true, coverage: true, ..Self::default() }
    }
}

/// What running one case produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseReport {
    /// The first finding, if any.
    pub finding: Option<Finding>,
    /// Ops submitted.
    pub ops: u64,
    /// Ops the model allowed.
    pub allowed: u64,
    /// Behaviour features the case reached (for coverage).
    pub features: Vec<u32>,
    /// Why the harness could not run the case to the end, if it could not: a harness limit (a
    /// bundle's gas, an op refused for gas), which says nothing about the module. Such a case
    /// has no finding.
    pub not_runnable: Option<String>,
    /// The first documented limitation the case exercised (class `limitation`), while it ran
    /// on; it becomes the case's finding if no other comes.
    pub limitation: Option<Finding>,
    /// The module's branch edges the case reached, as feature ids ([`EdgeHit::feature`]: the
    /// edge and its hit-count bucket); empty unless [`RunConfig::coverage`] is on.
    pub edges: Vec<u32>,
    /// Why the model denied each op it denied, in order: the rules the case exercised.
    pub denials: Vec<DenyReason>,
    /// How many ops the model allowed moved each counter (indexed as `Counter::ALL`): the
    /// rules that counted what they let through (spec §14).
    pub counted: [u64; Counter::ALL.len()],
    /// Where the case's time went.
    pub time: TimeSpent,
}

/// Where a case's time went, in nanoseconds: the model's verdicts and lifecycle, the EVM running
/// the module's lifecycle calls and the ops (bundles or redemptions) and reading its counters
/// back (with the comparison, which is small beside the calls), and signing ops. The rest of a
/// case (the oracle, the invariants, coverage and feature bookkeeping) is not broken down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeSpent {
    /// The model.
    pub model: u64,
    /// The EVM.
    pub evm: u64,
    /// Signing ops.
    pub signing: u64,
}

/// Runs `f`, adding the nanoseconds it took to `slot`.
fn timed<T>(slot: &mut u64, f: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let value = f();
    *slot = slot.saturating_add(elapsed_nanos(started));
    value
}

/// Nanoseconds since `started`.
fn elapsed_nanos(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Where an op sits in its case, and who signed it.
#[derive(Clone, Copy)]
struct OpAt<'o> {
    step: usize,
    position: usize,
    op: &'o Op,
    signer: Option<Address>,
    /// The op's gas terms (spec §16): [`OpGas::FREE`] for a redemption, which has none.
    gas: &'o OpGas,
    /// Whether the op ran in a `handleOps` bundle (its validation path is recorded) rather than
    /// as a redemption.
    bundled: bool,
}

/// Why a case stops early: a finding, or a harness limit.
enum Stop {
    Finding(Finding),
    NotRunnable(String),
}

impl From<Finding> for Stop {
    fn from(finding: Finding) -> Self {
        Self::Finding(finding)
    }
}

/// Whether the EntryPoint refused an op for gas: `AA26 over verificationGasLimit` (validation
/// used more than the op's gas limit) or `AA95 out of gas` (the bundle's transaction ran short).
/// The harness sets both limits, so such a refusal is not the module's behaviour.
fn refused_for_gas(outcome: &OpOutcome) -> Option<&str> {
    match outcome {
        OpOutcome::Denied(crate::evm::EvmDenial::Other { reason, .. })
            if reason.starts_with("AA26") || reason.starts_with("AA95") =>
        {
            Some(reason)
        }
        _ => None,
    }
}

/// Whether the EntryPoint refused an op for its payer after the account's validation returned:
/// `AA21 didn't pay prefund` (the account could not prefund it), or any paymaster refusal
/// (`AA3x`: not deployed, deposit too low, reverted, over its gas limit, ...).
fn refused_for_funds(outcome: &OpOutcome) -> Option<&str> {
    match outcome {
        OpOutcome::Denied(crate::evm::EvmDenial::Other { reason, .. })
            if reason.starts_with("AA21") || reason.starts_with("AA3") =>
        {
            Some(reason)
        }
        _ => None,
    }
}

/// Sees what a runner does, step by step, for tools that need more than the first finding
/// (`leash export foundry` rebuilds the run as a Foundry test from it). Every method has an
/// empty default.
pub trait Observer {
    /// A lifecycle call ran at `now`: an install of `policy`, or a revoke (`None`), of key
    /// `key`; whether the model and the module accepted it.
    fn lifecycle(
        &mut self,
        _step: usize,
        _key: u8,
        _policy: Option<&Policy>,
        _now: u64,
        _model_ok: bool,
        _module_ok: bool,
    ) {
    }
    /// The clock is `now` after step `step`.
    fn time(&mut self, _step: usize, _now: u64) {}
    /// A bundle ran at `now`: each op's nonce key and what the EVM did with it.
    fn bundle(&mut self, _step: usize, _now: u64, _nonce_keys: &[u64], _outcomes: &[OpOutcome]) {}
    /// The counters of `key` diverged, compared before step `step` (`before`) or after it.
    fn state_diverged(
        &mut self,
        _step: usize,
        _before: bool,
        _key: Address,
        _model: Option<(leash_model::Status, leash_model::Counters)>,
        _module: Option<(leash_model::Status, leash_model::Counters)>,
    ) {
    }
}

/// The observer that sees nothing.
impl Observer for () {}

/// Value the account sent and tokens it let go during one session (spec §7, §8), from what the
/// chain reports.
#[derive(Clone, Debug, Default)]
struct Ledger {
    native: U256,
    tokens: BTreeMap<Address, U256>,
}

/// Runs cases against one world.
pub struct Runner {
    world: World,
    module: Box<dyn SessionModule>,
    config: RunConfig,
    nonce_key: u64,
}

/// A feature id from its parts (a small, stable hash).
fn feature(parts: &[u32]) -> u32 {
    parts.iter().fold(0x811c_9dc5u32, |h, p| (h ^ p).wrapping_mul(0x0100_0193))
}

/// A lifecycle call's outcome in the model, as a feature part: 0 accepted, the spec §12 code of
/// an invalid policy (1 to 14), or a number above them for the other refusals (§2.1, §2.2,
/// §2.5).
fn lifecycle_refusal(model: &Result<(), LifecycleError>) -> u32 {
    match model {
        Ok(()) => 0,
        Err(LifecycleError::InvalidPolicy(why)) => u32::from(why.code()),
        Err(LifecycleError::ZeroKey) => 100,
        Err(LifecycleError::UnknownSession { .. }) => 101,
        Err(LifecycleError::Capacity { .. }) => 102,
        Err(_) => 103,
    }
}

impl Runner {
    /// A runner over `world`, whose module `module` drives, reset to its deployed state before
    /// each case.
    pub fn new(mut world: World, module: Box<dyn SessionModule>, config: RunConfig) -> Self {
        let config = RunConfig {
            compare_reasons: config.compare_reasons && module.reports_spec_codes(),
            ..config
        };
        world.coverage_mut().set_enabled(config.coverage);
        world.coverage_mut().set_compare_log(config.coverage);
        Self { world, module, config, nonce_key: 1 }
    }

    /// A runner for `target`, with a freshly deployed world.
    pub fn for_target(target: &ModuleTarget, config: RunConfig) -> Result<Self, TargetError> {
        let (world, module) = target.instantiate()?;
        Ok(Self::new(world, module, config))
    }

    /// The configuration in force.
    pub fn config(&self) -> RunConfig {
        self.config
    }

    /// The world (for addresses and direct inspection).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The model's environment at `now` in this world, with the module's semantics and window.
    fn env(&self, now: u64) -> Env {
        Env { profile: self.module.profile(), window: self.module.window(), ..self.world.env(now) }
    }

    /// The adapter driving the module.
    pub fn module(&self) -> &dyn SessionModule {
        &*self.module
    }

    /// Runs `case` from the deployed world and reports its first finding.
    pub fn run(&mut self, case: &Case) -> CaseReport {
        self.run_observed(case, &mut ())
    }

    /// The world, to inspect its state after a run (the run stops at its first finding, so the
    /// state is the one the finding was seen in).
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// The words the module's code compared in the last case run (the operands of its `EQ`,
    /// `LT`, `GT`, `SLT` and `SGT`; empty unless coverage is on). Logged while the case runs, so
    /// learning them costs no second run.
    pub fn compared(&self) -> &[U256] {
        self.world.coverage().compared()
    }

    /// Like [`Runner::run`], telling `observer` every step.
    pub fn run_observed(&mut self, case: &Case, observer: &mut dyn Observer) -> CaseReport {
        // Whatever ran outside a case (view calls of other tools) is not this case's coverage.
        let coverage = self.world.coverage_mut();
        coverage.drain_case(|_| {});
        coverage.clear_compared();
        let mut report = self.run_steps(case, observer);
        self.world.coverage_mut().drain_case(|hit| report.edges.push(hit.feature()));
        report
    }

    fn run_steps(&mut self, case: &Case, observer: &mut dyn Observer) -> CaseReport {
        self.world.reset();
        self.world.set_chain_id(START_CHAIN);
        self.module.reset();
        let mut run = CaseRun {
            frame: self
                .world
                .eip7702()
                .map(|f| FrameState::new(self.world.addresses().module, f.stranger_validator)),
            intent: (!self.module.profile().is_spec_v1()).then(Intent::default),
            model: AccountState::new(),
            now: START_TIME,
            report: CaseReport::default(),
            ledgers: BTreeMap::new(),
            allowances: BTreeMap::new(),
            submitted: BTreeMap::new(),
            used_nonces: std::collections::BTreeSet::new(),
            signed_on: BTreeMap::new(),
            other_account: case
                .steps
                .iter()
                .any(|step| {
                    matches!(step, Step::Bundle { ops }
                        if ops.iter().any(|op| op.replay == Some(Replay::OtherAccount)))
                })
                .then(|| self.world.other_account())
                .flatten(),
        };
        for (index, step) in case.steps.iter().enumerate() {
            match self.step(&mut run, index, step, observer) {
                Ok(()) => {}
                Err(Stop::Finding(finding)) => {
                    run.report.finding = Some(finding);
                    return run.report;
                }
                Err(Stop::NotRunnable(why)) => {
                    run.report.not_runnable = Some(why);
                    return run.report;
                }
            }
        }
        let last = case.steps.len().saturating_sub(1);
        let started = std::time::Instant::now();
        let compared = self.compare_all_counters(&run, last, observer);
        run.report.time.evm += elapsed_nanos(started);
        if let Err(finding) = compared {
            run.report.finding = Some(finding);
        }
        // A documented limitation is the case's finding only when nothing else diverged.
        if run.report.finding.is_none() {
            run.report.finding = run.report.limitation.clone();
        }
        run.report
    }

    fn step(
        &mut self,
        run: &mut CaseRun,
        index: usize,
        step: &Step,
        observer: &mut dyn Observer,
    ) -> Result<(), Stop> {
        let finding = |detail: String, model: String, module: String| Finding {
            class: Class::State,
            step: index,
            op: None,
            model,
            module,
            detail,
            path: Box::default(),
        };
        match step {
            Step::Install { key, policy } => {
                let address = key_address(*key);
                // The model holds what the module can express of the policy (its translation's
                // effective policy); the module is configured from the policy itself.
                let translation = self.module.translate(policy);
                // Counters are compared before a call that resets them. One the spec refuses
                // (§2.1, §12) changes nothing, and comparing there would end the case before
                // the steps that show what a divergence leads to.
                if address != Address::ZERO && translation.effective.validate().is_ok() {
                    let started = std::time::Instant::now();
                    let compared = self.compare_counters(run, index, address, true, observer);
                    run.report.time.evm += elapsed_nanos(started);
                    compared?;
                }
                self.world.set_timestamp(run.now);
                if let Some(intent) = &mut run.intent {
                    intent.install(address, policy, translation.gaps.clone());
                }
                let model = timed(&mut run.report.time.model, || {
                    run.model.install(address, translation.effective)
                });
                let module = timed(&mut run.report.time.evm, || {
                    self.module.install(&mut self.world, address, policy)
                });
                observer.lifecycle(
                    index,
                    *key,
                    Some(policy),
                    run.now,
                    model.is_ok(),
                    module.is_ok(),
                );
                if model.is_ok() && module.is_ok() {
                    run.signed_on.insert(address, self.world.chain_id());
                }
                // An accepted install, or the spec clause (§12) that refused the policy.
                let refused_for = lifecycle_refusal(&model);
                run.report.features.push(feature(&[1, u32::from(*key), refused_for]));
                if model.is_ok() != module.is_ok() {
                    return Err(finding(
                        "installSession diverged".into(),
                        format!("{model:?}"),
                        format!("{module:?}"),
                    )
                    .into());
                }
                // Both refused: a module that reports the spec's codes must refuse an invalid
                // policy for the clause the model names (`InvalidPolicy(code)`, spec §12).
                if let (
                    Err(LifecycleError::InvalidPolicy(why)),
                    Err(CallError::InvalidPolicy { code }),
                ) = (&model, &module)
                    && self.config.compare_reasons
                    && why.code() != *code
                {
                    return Err(finding(
                        format!(
                            "installSession refused an invalid policy for another clause: the \
                             spec says {why}, the module InvalidPolicy({code})"
                        ),
                        format!("{model:?}"),
                        format!("{module:?}"),
                    )
                    .into());
                }
                // Both refused the zero address (§2.1): a module that reports the spec's reasons
                // must say `ZeroKey`, not refuse for the policy it never got to.
                if let (Err(LifecycleError::ZeroKey), Err(refusal)) = (&model, &module)
                    && self.config.compare_reasons
                    && !matches!(refusal, CallError::ZeroKey { .. })
                {
                    return Err(finding(
                        format!(
                            "installSession refused the zero address for another reason: the \
                             spec says {}, the module {refusal}",
                            LifecycleError::ZeroKey
                        ),
                        format!("{model:?}"),
                        format!("{module:?}"),
                    )
                    .into());
                }
                if model.is_ok() {
                    run.ledgers.insert(address, Ledger::default());
                }
                self.mirror(run, index, address, Some(policy), module.is_ok())?;
            }
            Step::Revoke { key } => {
                let address = key_address(*key);
                // As for installs: revoking a key without a session (§2.2) changes nothing.
                if run.model.session(address).is_some() {
                    let started = std::time::Instant::now();
                    let compared = self.compare_counters(run, index, address, true, observer);
                    run.report.time.evm += elapsed_nanos(started);
                    compared?;
                }
                self.world.set_timestamp(run.now);
                let model = timed(&mut run.report.time.model, || run.model.revoke(address));
                run.report.features.push(feature(&[2, u32::from(*key), lifecycle_refusal(&model)]));
                if let Some(intent) = &mut run.intent {
                    intent.revoke(address);
                }
                let module = timed(&mut run.report.time.evm, || {
                    self.module.revoke(&mut self.world, address)
                });
                observer.lifecycle(index, *key, None, run.now, model.is_ok(), module.is_ok());
                if model.is_ok() != module.is_ok() {
                    return Err(finding(
                        "revokeSession diverged".into(),
                        format!("{model:?}"),
                        format!("{module:?}"),
                    )
                    .into());
                }
                self.mirror(run, index, address, None, module.is_ok())?;
            }
            Step::Chain { id } => {
                // spec §17: the same state, validated on another chain from now on.
                self.world.set_chain_id(*id);
                run.report.features.push(feature(&[5, (*id % 1024) as u32]));
            }
            Step::Time { now } => {
                run.now = run.now.max(*now);
                observer.time(index, run.now);
            }
            Step::Delegate { to, writes, chain } => {
                let frame = Self::frame_state(&mut run.frame, index)?;
                let code = Code::ALL.iter().position(|c| c == to).unwrap_or_default() as u32;
                self.world.set_timestamp(run.now);
                // spec §18.10: an authorization for another chain is skipped, and the sessions
                // stay as honoured as they were (the world checks the EOA's code against that).
                let applied = self
                    .world
                    .redelegate(*to, writes, *chain)
                    .map_err(|e| Stop::NotRunnable(format!("step {index}: {e}")))?;
                let authorization = match chain {
                    None => 0,
                    Some(0) => 1,
                    Some(_) => 2 + u32::from(applied),
                };
                run.report.features.push(feature(&[
                    5,
                    code,
                    u32::from(!writes.is_empty()),
                    authorization,
                ]));
                if !applied {
                    return Ok(());
                }
                frame.code = *to;
                if *to == Code::Malicious {
                    frame.written(writes);
                }
            }
            Step::Direct { from, action } => {
                let module = self.world.addresses().module;
                if let (Actor::Owner, Action::Call { target, .. }) = (from, action)
                    && (*target == module || *target == self.world.addresses().account)
                {
                    return Err(Stop::NotRunnable(format!(
                        "step {index}: the owner's direct call to {target} would manage \
                         sessions or the account outside the case's install and revoke steps"
                    )));
                }
                let frame = Self::frame_state(&mut run.frame, index)?;
                self.world.set_timestamp(run.now);
                let done = self
                    .world
                    .direct(*from, action)
                    .map_err(|e| Stop::NotRunnable(format!("step {index}: {e}")))?;
                run.report.features.push(feature(&[
                    6,
                    u32::from(*from == Actor::Owner),
                    u32::from(matches!(action, Action::Initialize { .. })),
                    u32::from(done),
                ]));
                frame.direct(*from, action);
            }
            Step::Bundle { ops } => {
                self.bundle(run, index, ops, observer)?;
                if self.config.state_checks == StateChecks::EveryBundle {
                    let started = std::time::Instant::now();
                    let compared = self.compare_all_counters(run, index, observer);
                    run.report.time.evm += elapsed_nanos(started);
                    compared?;
                }
            }
        }
        Ok(())
    }

    /// Repeats an install (`policy`) or a revoke (`None`) of `key` on the other account, when
    /// the case replays ops from it: the same owner gives the same key the same session there.
    /// Its result must be the account's (`accepted`): the two run the same code.
    fn mirror(
        &mut self,
        run: &mut CaseRun,
        index: usize,
        key: Address,
        policy: Option<&Policy>,
        accepted: bool,
    ) -> Result<(), Stop> {
        let Some(other) = run.other_account else { return Ok(()) };
        let mirrored = timed(&mut run.report.time.evm, || match policy {
            Some(policy) => self.world.install_session_on(other, key, policy),
            None => self.world.revoke_session_on(other, key),
        });
        if mirrored.is_ok() == accepted {
            return Ok(());
        }
        Err(Stop::NotRunnable(format!(
            "step {index}: the other account's copy of this lifecycle call ended otherwise than \
             the account's ({mirrored:?})"
        )))
    }

    /// The EIP-7702 frame's state, or why a step that needs the frame cannot run.
    fn frame_state(frame: &mut Option<FrameState>, index: usize) -> Result<&mut FrameState, Stop> {
        frame.as_mut().ok_or_else(|| {
            Stop::NotRunnable(format!(
                "step {index} re-delegates or sends a plain transaction, which only the EIP-7702 \
                 frame has (run it with --frame 7702)"
            ))
        })
    }

    /// Signs `op` for the EVM and returns it with the signer the model sees: the key that made
    /// a (valid, low-s) signature, or none for a malformed one (spec §1.4); for another key's
    /// signature in the signer's place, as the module identifies sessions (§1.4.4). No recovery
    /// is needed for signatures leash made itself; recovering would cost more than the op.
    fn sign(&mut self, op: &Op) -> Signed {
        self.nonce_key += 1;
        let (mut packed, named, ecdsa, digest) =
            presign_op(&mut self.world, &*self.module, self.nonce_key, op, self.config.signing);
        packed.signature = self.module.wrap_signature(named, &ecdsa);
        let names = self.module.named_session(named);
        // spec §1.4.4: another key's signature in the signer's place is judged as the module
        // identifies sessions.
        let signer = match op.replay {
            Some(Replay::SignedBy { key }) => {
                self.module.session_identity().model_signer(names, Signer::Key(key).address())
            }
            _ => named,
        };
        Signed { packed, signer, names, nonce_key: self.nonce_key, ecdsa, digest }
    }

    /// Who the model sees as the signer of `op` carrying `signed`'s signature: `signed`'s
    /// signer when `op`'s digest (spec §1.4.1) on the world now is the one the signature was
    /// made for, otherwise the unrelated address it recovers to over it, as the module
    /// identifies sessions (§1.4.4).
    fn replayed_signer(&self, op: &PackedUserOperation, signed: &Signed) -> Option<Address> {
        let digest = self.signed_digest(op);
        if digest == signed.digest {
            signed.signer
        } else {
            let recovered = recover_signer(digest, &signed.ecdsa);
            self.module.session_identity().model_signer(signed.names, recovered)
        }
    }

    /// Signs a bundle's ops: each afresh, or as it replays another (spec §1.4.2). The signer the
    /// model sees for a replayed signature is its key when the op's digest (spec §1.4.1) on the
    /// world now is the one it was made for, and otherwise the unrelated address it recovers to.
    fn sign_bundle(&mut self, run: &CaseRun, step: usize, ops: &[Op]) -> Result<Vec<Signed>, Stop> {
        let mut signed = Vec::with_capacity(ops.len());
        for op in ops {
            signed.push(match op.replay {
                Some(Replay::Resubmit { step: earlier, op: position }) => {
                    let Some(original) = run.submitted.get(&(earlier, position)) else {
                        return Err(Stop::NotRunnable(format!(
                            "step {step}: an op resubmits op {position} of step {earlier}, which \
                             was never submitted"
                        )));
                    };
                    let signer = self.replayed_signer(&original.packed, original);
                    Signed { signer, ..original.clone() }
                }
                Some(Replay::OtherAccount) => {
                    let Some(other) = self.world.other_account() else {
                        return Err(Stop::NotRunnable(format!(
                            "step {step}: an op is replayed from another account, which only the \
                             reference world on the deployed account has"
                        )));
                    };
                    let mut replayed = self.sign(op);
                    replayed.packed.sender = other;
                    replayed.signer = self.replayed_signer(&replayed.packed, &replayed);
                    replayed
                }
                _ => self.sign(op),
            });
        }
        for (position, op) in ops.iter().enumerate() {
            if let Some(Replay::SignatureOf { op: other }) = op.replay {
                let Some(source) = signed.get(other).filter(|_| other != position).cloned() else {
                    return Err(Stop::NotRunnable(format!(
                        "step {step}, op {position}: it carries the signature of op {other}, \
                         which is no other op of its bundle"
                    )));
                };
                let signer = self.replayed_signer(&signed[position].packed, &source);
                let target = &mut signed[position];
                target.packed.signature = source.packed.signature;
                target.signer = signer;
                target.names = source.names;
                target.ecdsa = source.ecdsa;
                target.digest = source.digest;
            }
        }
        let mut keys: Vec<u64> = signed.iter().map(|s| s.nonce_key).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            return Err(Stop::NotRunnable(format!(
                "step {step}: two ops of the bundle resubmit one op (one nonce twice in a bundle)"
            )));
        }
        Ok(signed)
    }

    /// The digest that binds `op` on the world as it is now (spec §1.4.1): on the chain and
    /// under the delegation the world has now.
    fn signed_digest(&self, op: &PackedUserOperation) -> B256 {
        self.module.session_digest(&self.world, op, self.world.delegation_ref(op.sender))
    }

    fn bundle(
        &mut self,
        run: &mut CaseRun,
        index: usize,
        ops: &[Op],
        observer: &mut dyn Observer,
    ) -> Result<(), Stop> {
        if self.module.frame() == Frame::Redeem {
            return self.redemptions(run, index, ops, observer);
        }
        let honour = run.frame.as_ref().map_or(Honour::Honoured, |f| f.honour());
        if honour != Honour::Honoured {
            return self.unhonoured_bundle(run, index, ops, honour, observer);
        }
        let mut signing = 0;
        let signed = timed(&mut signing, || self.sign_bundle(run, index, ops));
        run.report.time.signing += signing;
        let signed = signed?;
        let ops = as_submitted(ops, &signed);
        let packed: Vec<PackedUserOperation> = signed.iter().map(|s| s.packed.clone()).collect();
        let nonce_keys: Vec<u64> = signed.iter().map(|s| s.nonce_key).collect();
        let gases: Vec<OpGas> = packed.iter().map(crate::evm::userop::op_gas).collect();
        let env = self.env(run.now);
        // The model validates the ops in order (the EntryPoint validates all, then executes all;
        // executions do not touch the model's state).
        let mut verdicts = Vec::with_capacity(ops.len());
        for ((op, signed), gas) in ops.iter().map(|op| &**op).zip(&signed).zip(&gases) {
            if let Some(refusal) = Unjudged::of(run, signed) {
                verdicts.push(Err(refusal));
                continue;
            }
            let signer = &signed.signer;
            let before: Option<Session> = signer.and_then(|s| run.model.session(s).cloned());
            let user_op = UserOp { signer: *signer, call_data: &op.call_data, gas: *gas };
            let judged = timed(&mut run.report.time.model, || {
                let verdict = run.model.execute_op(&env, &user_op);
                match verdict.denial() {
                    Some(d) if d.reason == DenyReason::BatchTooLarge => {
                        beyond_capacity(&mut run.model, &env, gas, *signer, &op.call_data)
                            .map_or(Judged::Model(verdict), Judged::Many)
                    }
                    _ => Judged::Model(verdict),
                }
            });
            verdicts.push(Ok((judged, before, *signer)));
        }
        run.report.ops += ops.len() as u64;
        let funds_before = self.account_funds(index)?;
        let outcomes =
            match timed(&mut run.report.time.evm, || self.world.run_bundle(run.now, &packed)) {
                Ok(outcomes) => {
                    observer.bundle(index, run.now, &nonce_keys, &outcomes);
                    outcomes
                }
                // The harness builds the transaction: its failing is a harness limit (gas, the
                // EIP-7623 calldata floor), not the module's behaviour, and never a finding.
                Err(e) => return Err(Stop::NotRunnable(format!("step {index}: {e}"))),
            };
        if let Some((position, reason)) =
            outcomes.iter().enumerate().find_map(|(i, o)| refused_for_gas(o).map(|r| (i, r)))
        {
            return Err(Stop::NotRunnable(format!(
                "step {index}, op {position}: the EntryPoint refused it for gas ({reason}), a \
                 limit the harness sets"
            )));
        }
        if let Some((position, reason)) =
            outcomes.iter().enumerate().find_map(|(i, o)| refused_for_funds(o).map(|r| (i, r)))
        {
            // The EntryPoint checks the prefund after the account's `validateUserOp` returned:
            // the module let the op through. Only the denials the module answers by returning
            // (no session, the window it leaves to the EntryPoint) may come to that.
            if let Ok((judged, ..)) = &verdicts[position]
                && let oracle::Expected::Deny(denial) = judged.expected()
                && !matches!(
                    denial.reason,
                    DenyReason::NoSession | DenyReason::NotYetValid | DenyReason::Expired
                )
            {
                return Err(Stop::Finding(Finding {
                    class: Class::Bypass,
                    step: index,
                    op: Some(position),
                    model: judged.expected().describe(),
                    module: format!("passed validation, then the EntryPoint refused it: {reason}"),
                    path: Box::default(),
                    detail: format!(
                        "the module let through validation an op the spec denies ({}, spec {}); \
                         only the prefund stopped it",
                        denial.reason.name(),
                        denial.reason.clause()
                    ),
                }));
            }
            return Err(Stop::NotRunnable(format!(
                "step {index}, op {position}: the EntryPoint refused its payer ({reason}) after \
                 the module let it through"
            )));
        }
        for (position, (((verdict, outcome), op), gas)) in
            verdicts.iter().zip(&outcomes).zip(&ops).zip(&gases).enumerate()
        {
            let op = &**op;
            let (verdict, before, signer) = match verdict {
                Ok(judged) => judged,
                Err(refusal) => {
                    refusal.judge(index, position, outcome)?;
                    continue;
                }
            };
            let at = OpAt { step: index, position, op, signer: *signer, gas, bundled: true };
            self.judge(run, &env, at, verdict, outcome, before.as_ref())?;
        }
        Self::remember(run, index, signed, &outcomes);
        self.check_paid(index, funds_before, &outcomes, &gases)?;
        Ok(())
    }

    /// A bundle while the EIP-7702 frame's sessions are suspended or may be (spec §18.5 to
    /// §18.7): no op may execute while they are suspended; while they may be, an op that
    /// executes is judged as the model judges it, and one that is denied is not a finding. The
    /// model's counters move only for ops that executed.
    fn unhonoured_bundle(
        &mut self,
        run: &mut CaseRun,
        index: usize,
        ops: &[Op],
        honour: Honour,
        observer: &mut dyn Observer,
    ) -> Result<(), Stop> {
        let signed = self.sign_bundle(run, index, ops)?;
        let ops = as_submitted(ops, &signed);
        let packed: Vec<PackedUserOperation> = signed.iter().map(|s| s.packed.clone()).collect();
        let nonce_keys: Vec<u64> = signed.iter().map(|s| s.nonce_key).collect();
        run.report.ops += ops.len() as u64;
        let outcomes = match self.world.run_bundle(run.now, &packed) {
            Ok(outcomes) => outcomes,
            // `handleOps` refused the bundle whole (an op from an EOA without code cannot even
            // be hashed, spec §18.1): no op executed.
            Err(crate::evm::BundleError::UnattributedRevert { data, .. }) => {
                let refused = OpOutcome::Denied(crate::evm::EvmDenial::Other {
                    reason: "handleOps reverted for the whole bundle".into(),
                    data,
                });
                vec![refused; ops.len()]
            }
            Err(e) => return Err(Stop::NotRunnable(format!("step {index}: {e}"))),
        };
        observer.bundle(index, run.now, &nonce_keys, &outcomes);
        if let Some((position, reason)) =
            outcomes.iter().enumerate().find_map(|(i, o)| refused_for_gas(o).map(|r| (i, r)))
        {
            return Err(Stop::NotRunnable(format!(
                "step {index}, op {position}: the EntryPoint refused it for gas ({reason}), a \
                 limit the harness sets"
            )));
        }
        let env = self.env(run.now);
        let code = run.frame.as_ref().map_or(Code::Account, |f| f.code);
        for (position, ((op, signed), outcome)) in
            ops.iter().zip(&signed).zip(&outcomes).enumerate()
        {
            let op = &**op;
            let (p, signer) = (&signed.packed, &signed.signer);
            if let Some(refusal) = Unjudged::of(run, signed) {
                // Whatever the frame, these fail before any account code (spec §1.4.2, §1.4.3).
                refusal.judge(index, position, outcome)?;
                continue;
            }
            run.report.features.push(feature(&[
                7,
                honour as u32,
                code as u32,
                self.outcome_code(outcome),
            ]));
            let OpOutcome::Executed { calls, .. } = outcome else { continue };
            if honour == Honour::Suspended {
                let effective = oracle::effective(calls).count();
                let (class, what) = if effective > 0 {
                    (Class::Bypass, format!("{effective} effective call(s)"))
                } else {
                    (Class::Strictness, "nothing that took effect".into())
                };
                return Err(Stop::Finding(Finding {
                    class,
                    step: index,
                    op: Some(position),
                    model: format!(
                        "deny: no session is honoured while {} (spec §18)",
                        code.suspension()
                    ),
                    module: self.describe(outcome),
                    detail: format!(
                        "the account executed an op signed by {} while its sessions are \
                         suspended ({}), making {what}",
                        signer.map_or_else(|| "no one".to_owned(), |s| s.to_string()),
                        code.suspension()
                    ),
                    path: self.validation_path(true, position),
                }));
            }
            let gas = crate::evm::userop::op_gas(p);
            let before: Option<Session> = signer.and_then(|s| run.model.session(s).cloned());
            let user_op = UserOp { signer: *signer, call_data: &op.call_data, gas };
            let verdict = run.model.validate(&env, &user_op);
            if let Verdict::Allow(effects) = &verdict {
                run.model.apply(effects).expect("effects computed from this state apply to it");
            }
            let at = OpAt { step: index, position, op, signer: *signer, gas: &gas, bundled: true };
            self.judge(run, &env, at, &Judged::Model(verdict), outcome, before.as_ref())?;
        }
        Self::remember(run, index, signed, &outcomes);
        Ok(())
    }

    /// Remembers what a bundle submitted, and whose nonce the EntryPoint used (every op that
    /// passed validation, whether its execution succeeded or not), for later replays.
    fn remember(run: &mut CaseRun, index: usize, signed: Vec<Signed>, outcomes: &[OpOutcome]) {
        for (position, (signed, outcome)) in signed.into_iter().zip(outcomes).enumerate() {
            if outcome.is_executed() {
                run.used_nonces.insert(signed.nonce_key);
            }
            run.submitted.insert((index, position), signed);
        }
    }

    /// The account's native balance plus its deposit at the EntryPoint: what it can pay gas
    /// from (spec §16).
    fn account_funds(&mut self, step: usize) -> Result<U256, Stop> {
        let account = self.world.addresses().account;
        let entry_point = self.world.addresses().entry_point;
        let deposit = self
            .world
            .view_sol(
                "balanceOf",
                entry_point,
                crate::evm::abi::IEntryPoint::balanceOfCall { account },
            )
            .map_err(|e| Stop::NotRunnable(format!("step {step}: reading the deposit: {e}")))?;
        Ok(self.world.native_balance(account).saturating_add(deposit))
    }

    /// What the account paid for the bundle's gas (its funds before, less its funds after, less
    /// the native value its executions sent) is at most the cost of the executed ops it paid
    /// for itself, each `required_gas * maxFeePerGas` (spec §16: the EntryPoint never charges
    /// more than it prefunded); an op a paymaster sponsors costs the account nothing.
    fn check_paid(
        &mut self,
        step: usize,
        before: U256,
        outcomes: &[OpOutcome],
        gases: &[OpGas],
    ) -> Result<(), Stop> {
        let after = self.account_funds(step)?;
        let mut sent = U256::ZERO;
        let mut allowed = U256::ZERO;
        for (outcome, gas) in outcomes.iter().zip(gases) {
            if let OpOutcome::Executed { calls, .. } = outcome {
                sent = sent.saturating_add(oracle::native_sent(calls));
                if gas.paymaster.is_zero() {
                    allowed = allowed.saturating_add(gas.max_cost().unwrap_or(U256::MAX));
                }
            }
        }
        let paid = before.saturating_sub(after).saturating_sub(sent);
        if paid <= allowed {
            return Ok(());
        }
        Err(Stop::Finding(Finding {
            class: Class::Bypass,
            step,
            op: None,
            model: format!(
                "the bundle's ops the account pays for may cost it at most {allowed} wei (spec §16)"
            ),
            module: format!("the account paid {paid} wei for gas"),
            path: Box::default(),
            detail: format!(
                "the account's balance and EntryPoint deposit fell by {} wei, {sent} of it native \
                 value its executions sent: {paid} wei went to gas, more than the {allowed} wei \
                 maximum cost of the executed ops it paid for (sponsored ops cost it nothing)",
                before.saturating_sub(after)
            ),
        }))
    }

    /// The redeem frame (§P3): each op is a transaction of its own, in order; the module's
    /// counters move in it and roll back with it, so the model applies an allowed op's effects
    /// only when its execution did not revert.
    fn redemptions(
        &mut self,
        run: &mut CaseRun,
        index: usize,
        ops: &[Op],
        observer: &mut dyn Observer,
    ) -> Result<(), Stop> {
        let env = self.env(run.now);
        let rolled_back = env.profile.counter_phase == CounterPhase::RolledBackOnRevert;
        for (position, op) in ops.iter().enumerate() {
            self.nonce_key += 1;
            run.report.ops += 1;
            let signer = op.signer.address();
            // The frame carries a mode and an execution, not calldata: an op whose calldata is
            // not an `execute(bytes32,bytes)` call cannot be sent as a redemption at all.
            let Some((mode, execution)) = redemption_of(&op.call_data) else {
                run.report.features.push(feature(&[4, mutation_code(op)]));
                continue;
            };
            let call_data = encode_execute(mode, &execution);
            // spec §P3: a delegation signed on another chain redeems nothing here.
            let chain = self.world.chain_id();
            let elsewhere = signer
                .and_then(|s| run.signed_on.get(&s))
                .filter(|&&on| on != chain)
                .map(|&signed_on| Unjudged::OtherChain { signed_on, chain });
            let redemption = Redemption {
                now: run.now,
                sender: signer.unwrap_or_else(|| session_keys()[KEY_COUNT - 1].address()),
                mode,
                execution: &execution,
                recording: Recording::Calls,
            };
            let redeemed = timed(&mut run.report.time.evm, || {
                self.module.redeem(&mut self.world, &redemption)
            });
            let outcome = match redeemed {
                Ok(outcome) => outcome,
                Err(e) => {
                    return Err(Stop::NotRunnable(format!("step {index}, op {position}: {e}")));
                }
            };
            if let Some(refusal) = elsewhere {
                run.report.features.push(feature(&[8, self.outcome_code(&outcome)]));
                observer.bundle(index, run.now, &[self.nonce_key], std::slice::from_ref(&outcome));
                refusal.judge(index, position, &outcome)?;
                continue;
            }
            let before: Option<Session> = signer.and_then(|s| run.model.session(s).cloned());
            let user_op = UserOp { signer, call_data: &call_data, gas: OpGas::FREE };
            let verdict = timed(&mut run.report.time.model, || run.model.validate(&env, &user_op));
            if let Verdict::Allow(effects) = &verdict
                && !(rolled_back && matches!(outcome, OpOutcome::Executed { success: false, .. }))
            {
                run.model.apply(effects).expect("effects computed from this state apply to it");
            }
            observer.bundle(index, run.now, &[self.nonce_key], std::slice::from_ref(&outcome));
            let at = OpAt { step: index, position, op, signer, gas: &OpGas::FREE, bundled: false };
            self.judge(run, &env, at, &Judged::Model(verdict), &outcome, before.as_ref())?;
        }
        Ok(())
    }

    /// Judges one op: the oracle's verdict on what the module did, the on-chain invariants, and
    /// the policy as written.
    fn judge(
        &mut self,
        run: &mut CaseRun,
        env: &Env,
        at: OpAt<'_>,
        verdict: &Judged<'_>,
        outcome: &OpOutcome,
        before: Option<&Session>,
    ) -> Result<(), Stop> {
        let OpAt { step, position, op, signer, gas, bundled } = at;
        run.report.allowed += u64::from(verdict.is_allow());
        if let Judged::Model(Verdict::Allow(effects)) = verdict {
            for (n, counter) in run.report.counted.iter_mut().zip(Counter::ALL) {
                *n += u64::from(counter.moved(&effects.before, &effects.after));
            }
        }
        if let oracle::Expected::Deny(denial) = verdict.expected() {
            run.report.denials.push(denial.reason);
        }
        let code = verdict.code();
        run.report.features.push(feature(&[
            3,
            code,
            self.outcome_code(outcome),
            mutation_code(op),
            batch_bucket(op),
        ]));
        let expected = verdict.expected();
        if let Some(d) = oracle::compare(expected, outcome, before, env, gas) {
            let same_clause = match (expected, outcome.denial()) {
                (oracle::Expected::Deny(model), Some(evm)) => self
                    .module
                    .denial_reasons(evm)
                    .is_some_and(|reasons| reasons.contains(&model.reason)),
                _ => false,
            };
            if d.class == Class::Reason && (!self.config.compare_reasons || same_clause) {
                return Ok(());
            }
            return Err(Stop::Finding(Finding {
                class: d.class,
                step,
                op: Some(position),
                model: expected.describe(),
                module: self.describe(outcome),
                detail: d.detail,
                path: self.validation_path(bundled, position),
            }));
        }
        if let (OpOutcome::Executed { calls, logs, .. }, Some(signer)) = (outcome, signer) {
            self.check_invariants(run, signer, calls, logs, before).map_err(|detail| Finding {
                class: Class::Bypass,
                step,
                op: Some(position),
                model: expected.describe(),
                module: self.describe(outcome),
                detail,
                path: self.validation_path(bundled, position),
            })?;
            if let Some(intent) = &mut run.intent
                && let Err(detail) = intent.check(env, gas, signer, calls)
                && run.report.limitation.is_none()
            {
                run.report.limitation = Some(Finding {
                    class: Class::Limitation,
                    step,
                    op: Some(position),
                    model: expected.describe(),
                    module: self.describe(outcome),
                    detail,
                    path: self.validation_path(bundled, position),
                });
            }
        }
        Ok(())
    }

    /// The module's branches in an op's validation frame, for a finding to point at: a bundle
    /// records them per op; a redemption is a transaction of its own, whose path is not kept.
    fn validation_path(
        &self,
        bundled: bool,
        position: usize,
    ) -> Box<[crate::evm::coverage::CodeBranch]> {
        if bundled { self.world.validation_path(position).into() } else { Box::default() }
    }

    /// The outcome's part of a behaviour feature: its denial's clause when the adapter knows it.
    fn outcome_code(&self, outcome: &OpOutcome) -> u32 {
        match outcome.denial().and_then(|d| self.module.denial_reasons(d)) {
            Some([first, ..]) => 200 + u32::from(first.code()),
            _ => outcome_code(outcome),
        }
    }

    /// The module's outcome in words, with what the adapter knows of its refusals.
    fn describe(&self, outcome: &OpOutcome) -> String {
        match outcome.denial().and_then(|d| self.module.describe_denial(d)) {
            Some(what) => format!("denied: {what}"),
            None => describe_outcome(outcome),
        }
    }

    /// On-chain invariants for the session of `signer` (spec §7, §8): native value sent and
    /// tokens let go, summed over the session's life from what the chain reports, stay within
    /// its caps.
    fn check_invariants(
        &mut self,
        run: &mut CaseRun,
        signer: Address,
        calls: &[crate::evm::AccountCall],
        logs: &[revm::primitives::Log],
        session: Option<&Session>,
    ) -> Result<(), String> {
        let account = self.world.addresses().account;
        let ledger = run.ledgers.entry(signer).or_default();
        ledger.native = ledger.native.saturating_add(oracle::native_sent(calls));
        for log in logs {
            if let Ok(t) = ILeashToken::Transfer::decode_log(log) {
                // A transfer from the account to itself lets nothing go.
                if t.from == account && t.to != account {
                    let moved = ledger.tokens.entry(log.address).or_default();
                    *moved = moved.saturating_add(t.value);
                }
            } else if let Ok(a) = ILeashToken::Approval::decode_log(log)
                && a.owner == account
            {
                // Count allowance increases: approve counts its full amount and
                // increaseAllowance its increase, so increases never exceed what the cap saw.
                let previous =
                    run.allowances.insert((log.address, a.spender), a.value).unwrap_or_default();
                let moved = ledger.tokens.entry(log.address).or_default();
                *moved = moved.saturating_add(a.value.saturating_sub(previous));
            }
        }
        let Some(policy) = session.map(|s| &s.policy) else {
            return Ok(());
        };
        check_ledger(policy, &self.module.profile(), ledger)
    }

    fn compare_all_counters(
        &mut self,
        run: &CaseRun,
        step: usize,
        observer: &mut dyn Observer,
    ) -> Result<(), Finding> {
        let keys: Vec<Address> = run.model.sessions().iter().map(|s| s.key).collect();
        for key in keys {
            self.compare_counters(run, step, key, false, observer)?;
        }
        Ok(())
    }

    /// Compares `key`'s counters before step `step` (`before`) or after it.
    fn compare_counters(
        &mut self,
        run: &CaseRun,
        step: usize,
        key: Address,
        before: bool,
        observer: &mut dyn Observer,
    ) -> Result<(), Finding> {
        let Some(module) = self.module.session_state(&mut self.world, key) else {
            return Ok(());
        };
        let model = run.model.session(key).map(|s| (s.status, s.counters));
        let module = match module {
            Ok(state) => state,
            Err(e) => {
                return Err(Finding {
                    class: Class::State,
                    step,
                    op: None,
                    model: format!("{model:?}"),
                    module: format!("reading the session's state failed: {e}"),
                    detail: format!("the module's counters for {key} could not be read: {e}"),
                    path: Box::default(),
                });
            }
        };
        // Only the counters the module reports are compared, on both sides.
        let observed = module.map_or(Observed::ALL, |m| m.observed);
        let model = model.map(|(status, counters)| (status, observed.mask(&counters)));
        let module = module.map(|m| (m.status, observed.mask(&m.counters)));
        if model == module {
            return Ok(());
        }
        observer.state_diverged(step, before, key, model, module);
        Err(Finding {
            class: Class::State,
            step,
            op: None,
            model: format!("{model:?}"),
            module: format!("{module:?}"),
            detail: format!(
                "state of session {key}: {}",
                counter_difference(model.as_ref(), module.as_ref())
            ),
            path: Box::default(),
        })
    }
}

/// `op` as the EVM receives it: on lane `lane`, signed over the digest the module verifies by
/// its signer, with its decoy tail, in the module's signature layout.
pub fn sign_op(
    world: &mut World,
    module: &dyn SessionModule,
    lane: u64,
    op: &Op,
    signing: Signing,
) -> PackedUserOperation {
    let (mut packed, signer, signature, _) = presign_op(world, module, lane, op, signing);
    packed.signature = module.wrap_signature(signer, &signature);
    packed
}

/// `op` unsigned on lane `lane`, its signer, the 65-byte ECDSA signature over the digest the
/// module verifies ([`SessionModule::signing_digest`]) followed by its decoy tail (spec §1.4: a
/// malformed signature is 64 zero bytes and has no signer), not yet in the module's signature
/// layout, and the op's digest as spec §1.4.1 binds it ([`SessionModule::session_digest`]).
pub fn presign_op(
    world: &mut World,
    module: &dyn SessionModule,
    lane: u64,
    op: &Op,
    signing: Signing,
) -> (PackedUserOperation, Option<Address>, Vec<u8>, B256) {
    let delegate = world.delegation_ref(world.addresses().account);
    presign_op_under(world, module, lane, op, signing, delegate)
}

/// [`presign_op`] for when the account will delegate to `delegate` (`None`: no code), which
/// the digest of an op with the EIP-7702 marker binds (spec §18.1): ops signed before a
/// re-delegation takes place.
pub fn presign_op_under(
    world: &mut World,
    module: &dyn SessionModule,
    lane: u64,
    op: &Op,
    signing: Signing,
    delegate: Option<Address>,
) -> (PackedUserOperation, Option<Address>, Vec<u8>, B256) {
    let mut packed = world.unsigned_op(lane, Bytes::copy_from_slice(&op.call_data));
    if let Some(gas) = &op.gas {
        gas.apply_to(&mut packed);
    }
    packed.nonce = module.nonce(lane);
    let digest: B256 = module.session_digest(world, &packed, delegate);
    // The module's own view is asked only when some key signs (a malformed signature has none).
    let signs = op.signer.key().is_some() || op.replay.and_then(Replay::other_key).is_some();
    let signed =
        if signs { module.signing_digest(world, &packed, delegate, digest) } else { digest };
    let (signature, signer) = op_signature(op, signed, signing);
    (packed, signer, signature, digest)
}

/// `op`'s ECDSA signature over `hash` followed by its tail, and the signer whose session its
/// signature layout names (spec §1.4): its own signer's signature, or for
/// [`Replay::SignedBy`] the other key's in its place, and for [`Replay::KeyTail`] the other
/// key's right after it (§1.4.4). A key that recovers to no one signs 64 zero bytes.
fn op_signature(op: &Op, hash: B256, signing: Signing) -> (Vec<u8>, Option<Address>) {
    let ecdsa = |signer: Signer| match signer.key() {
        Some(key) => key.sign_hash_with(hash, signing).to_vec(),
        None => vec![0u8; 64],
    };
    let mut signature = match op.replay {
        Some(Replay::SignedBy { key }) => ecdsa(Signer::Key(key)),
        _ => ecdsa(op.signer),
    };
    if let Some(Replay::KeyTail { key }) = op.replay {
        // A malformed signature is 64 bytes: the other key's starts at byte 65 all the same.
        signature.resize(65, 0);
        signature.extend_from_slice(&ecdsa(Signer::Key(key)));
    }
    signature.extend_from_slice(&op.signature_tail);
    (signature, op.signer.address())
}

/// The mode and execution calldata an op's calldata carries, read as Solidity's ABI decoder
/// reads an `execute(bytes32,bytes)` call: what a redemption of it sends. `None` when the
/// calldata is no such call.
pub fn redemption_of(call_data: &[u8]) -> Option<(B256, Vec<u8>)> {
    use alloy_sol_types::SolValue;
    if call_data.get(..4) != Some(&EXECUTE_SELECTOR[..]) {
        return None;
    }
    let (mode, execution) = <(B256, Bytes)>::abi_decode_params(&call_data[4..]).ok()?;
    Some((mode, execution.to_vec()))
}

/// `execute(mode, execution)`, canonically encoded: what the model judges a redemption by.
fn encode_execute(mode: B256, execution: &[u8]) -> Vec<u8> {
    use alloy_sol_types::SolValue;
    let mut out = EXECUTE_SELECTOR.to_vec();
    out.extend_from_slice(&(mode, Bytes::copy_from_slice(execution)).abi_encode_params());
    out
}

/// What the model expects of one op: its verdict, or for an op with more executions than the
/// model holds (a bounded or unbounded decoder's batch, §P4), the result of checking all of
/// them in chunks.
#[allow(
    clippy::large_enum_variant,
    reason = "one per op of a bundle, matched at once; boxing would only add an allocation"
)]
enum Judged<'a> {
    /// The model's verdict.
    Model(Verdict<'a>),
    /// The executions a lenient decoder reads, checked in chunks, or the denial.
    Many(Result<Vec<Execution<'a>>, Denial>),
}

impl<'a> Judged<'a> {
    fn expected(&self) -> oracle::Expected<'_, 'a> {
        match self {
            Self::Model(verdict) => oracle::Expected::of(verdict),
            Self::Many(Ok(executions)) => oracle::Expected::Allow(executions),
            Self::Many(Err(denial)) => oracle::Expected::Deny(denial),
        }
    }

    fn is_allow(&self) -> bool {
        matches!(self.expected(), oracle::Expected::Allow(_))
    }

    fn code(&self) -> u32 {
        match self.expected() {
            oracle::Expected::Allow(_) => 0,
            oracle::Expected::Deny(d) => u32::from(d.reason.code()),
        }
    }
}

/// For an op the model denied only because its batch exceeds `MAX_BATCH`, under a profile whose
/// decoder has no such bound: all its executions checked in chunks (and, if allowed, their
/// effects applied). `None` under spec v1, where the bound is a rule.
fn beyond_capacity<'a>(
    model: &mut AccountState,
    env: &Env,
    gas: &OpGas,
    signer: Option<Address>,
    call_data: &'a [u8],
) -> Option<Result<Vec<Execution<'a>>, Denial>> {
    if env.profile.decoder == DecoderClass::Strict {
        return None;
    }
    let session = signer.and_then(|s| model.session(s))?.clone();
    let executions = match decode_execute_unlimited(call_data, &env.profile) {
        Ok(executions) => executions,
        Err(denial) => return Some(Err(denial)),
    };
    Some(match session.check_many(env, gas, &executions, ArgDecoding::Strict) {
        Ok(after) => {
            let effects = Effects {
                key: session.key,
                executions: Executions::new(),
                before: session.counters,
                after,
            };
            model.apply(&effects).expect("computed from this state");
            Ok(executions)
        }
        Err(denial) => Err(denial),
    })
}

/// The policies as their users wrote them, judged under spec v1 against what the account
/// executed, beside the model's effective policies: a module whose semantics differ from
/// spec v1 can do what its own semantics allow and still break what the user asked, which is a
/// documented limitation (spec Part P, the translation's intent gaps), not a bypass.
#[derive(Default)]
struct Intent {
    state: AccountState,
    gaps: BTreeMap<Address, Vec<IntentGap>>,
    /// Keys whose executed calls already broke their policy: not checked again until the key
    /// is reinstalled (their counters no longer mean anything).
    broken: std::collections::BTreeSet<Address>,
}

impl Intent {
    fn install(&mut self, key: Address, policy: &Policy, gaps: Vec<IntentGap>) {
        let _ = self.state.install(key, policy.clone());
        self.gaps.insert(key, gaps);
        self.broken.remove(&key);
    }

    fn revoke(&mut self, key: Address) {
        let _ = self.state.revoke(key);
    }

    /// Checks what the account executed for `signer` against the policy as written; `Err` says
    /// what it breaks and which gap or limitation lets it.
    fn check(
        &mut self,
        env: &Env,
        gas: &OpGas,
        signer: Address,
        calls: &[crate::evm::AccountCall],
    ) -> Result<(), String> {
        if self.broken.contains(&signer) {
            return Ok(());
        }
        let Some(session) = self.state.session(signer).cloned() else {
            return Ok(());
        };
        let executions: Vec<Execution<'_>> = oracle::effective(calls)
            .map(|c| Execution { target: c.target, value: c.value, data: &c.input })
            .collect();
        let spec = Env { profile: SemanticProfile::SPEC_V1, ..*env };
        match session.check_many(&spec, gas, &executions, ArgDecoding::Solidity) {
            Ok(after) => {
                let effects = Effects {
                    key: signer,
                    executions: Executions::new(),
                    before: session.counters,
                    after,
                };
                let _ = self.state.apply(&effects);
                Ok(())
            }
            Err(denial) => {
                self.broken.insert(signer);
                let gaps = self.gaps.get(&signer).map_or(&[][..], Vec::as_slice);
                Err(format!(
                    "the executed calls break the policy as written: {denial}; {}",
                    explain_limitation(denial.reason, gaps, &env.profile)
                ))
            }
        }
    }
}

/// Which intent gaps of the translation, or which parameters of the module's profile, let an
/// op break the policy as written with `reason`.
fn explain_limitation(reason: DenyReason, gaps: &[IntentGap], profile: &SemanticProfile) -> String {
    let code = reason.code();
    let topics: &[&str] = match code {
        40 => &["§P7.1", "§P9"],
        41 => &["§P7.2", "§P9"],
        42 => &["§P7.3", "§P9"],
        50 | 51 => &["§P8", "§P9", "§5", "§P7"],
        // §P9: where the wildcard is another candidate, its rules may be the ones that allowed it.
        60..=68 => &["§P10", "§P11", "§6", "§P9"],
        70..=72 => &["§7", "§P13", "§P9"],
        73 | 74 | 85 | 86 => &["§P21"],
        80 => &["§8.1", "§P12", "§P14", "§P9"],
        81 => &["§8.2", "§P14", "§P9"],
        82 => &["§8.3", "§P14", "§P9"],
        83 => &["§8.4", "§P9"],
        84 => &["§8.5", "§P12", "§P9"],
        90 => &["§9", "§P16"],
        100 => &["§10", "§P15"],
        110 | 111 => &["§11", "§P17"],
        120..=124 => &["§16"],
        130 => &["§17"],
        _ => &[],
    };
    let named: Vec<String> = gaps
        .iter()
        .filter(|g| topics.iter().any(|t| g.clause.starts_with(t)))
        .map(|g| format!("{} ({})", g.id, g.detail))
        .collect();
    if !named.is_empty() {
        return format!("the module cannot express it: {}", named.join("; "));
    }
    let params: Vec<String> = profile
        .differences()
        .into_iter()
        .filter(|(clause, _, _)| topics.iter().any(|t| clause.starts_with(t)))
        .map(|(clause, name, value)| format!("{name} {value} ({clause})"))
        .collect();
    if params.is_empty() {
        "a documented limitation of the module's semantics (spec Part P)".into()
    } else {
        format!("a documented limitation of the module's semantics: {}", params.join(", "))
    }
}

/// Whether the EIP-7702 frame's sessions are honoured (spec §18), from what the case did to
/// the frame: the environment, not the model's semantics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Honour {
    /// The EOA runs the account code with the module installed: every op is judged by the model.
    Honoured,
    /// No session may act: the EOA runs other code that has no validator, the malicious code, no
    /// code at all, or the account code with no validator installed (§18.4, §18.5, §18.7).
    Suspended,
    /// Code the owner authorized rewrote the state an account implementation keeps (§18.6: the
    /// spec asks no account to survive that), or the owner installed the module on the other
    /// code: an op may be denied, but one that executes must be one the model allows.
    MaySuspend,
}

/// What the case did to the EIP-7702 frame: the code the EOA runs, and the validator words the
/// account implementations read, as the spec says they are (§18.3, §18.4), predicted from the
/// steps, never read from the chain.
#[derive(Clone, Copy, Debug)]
struct FrameState {
    code: Code,
    module: Address,
    stranger_validator: Address,
    /// `LeashAccount7702`'s validator, the word at its ERC-7201 slot.
    validator: U256,
    /// `OtherAccount7702`'s validator, the word at slot 0.
    other_validator: U256,
}

impl FrameState {
    fn new(module: Address, stranger_validator: Address) -> Self {
        Self {
            code: Code::Account,
            module,
            stranger_validator,
            validator: U256::from_be_slice(module.as_slice()),
            other_validator: U256::ZERO,
        }
    }

    fn honour(&self) -> Honour {
        let module = U256::from_be_slice(self.module.as_slice());
        let installed = |word: U256| {
            if word == module {
                Honour::Honoured
            } else if word.is_zero() {
                Honour::Suspended
            } else {
                Honour::MaySuspend
            }
        };
        match self.code {
            Code::Account => installed(self.validator),
            Code::Other => match installed(self.other_validator) {
                Honour::Suspended => Honour::Suspended,
                _ => Honour::MaySuspend,
            },
            Code::Malicious | Code::None => Honour::Suspended,
        }
    }

    /// The malicious code stored `writes` into the EOA's storage.
    fn written(&mut self, writes: &[SlotWrite]) {
        let namespace = U256::from_be_bytes(ACCOUNT_7702_NAMESPACE.0);
        for w in writes {
            if w.slot == namespace {
                self.validator = w.value;
            } else if w.slot.is_zero() {
                self.other_validator = w.value;
            }
        }
    }

    /// `from` sent the plain transaction `action` (an owner's call never reaches the account:
    /// the runner refuses one to the account or the module).
    fn direct(&mut self, from: Actor, action: &Action) {
        let Action::Initialize { validator } = action else { return };
        let address = match validator {
            Validator::Module => self.module,
            Validator::Stranger => self.stranger_validator,
        };
        let word = U256::from_be_slice(address.as_slice());
        match (self.code, from) {
            // §18.4: only the EOA initializes, and only an account without a validator.
            (Code::Account, Actor::Owner) if self.validator.is_zero() => self.validator = word,
            (Code::Other, Actor::Owner) if self.other_validator.is_zero() => {
                self.other_validator = word;
            }
            (Code::Malicious, _) => {
                // The malicious code stores the calldata's (slot, value) pairs.
                let data = crate::evm::frame::initialize_calldata(address);
                let writes: Vec<SlotWrite> = data
                    .chunks_exact(64)
                    .map(|pair| SlotWrite {
                        slot: U256::from_be_slice(&pair[..32]),
                        value: U256::from_be_slice(&pair[32..]),
                    })
                    .collect();
                self.written(&writes);
            }
            _ => {}
        }
    }
}

impl Code {
    /// What the EOA runs, as a suspension's reason.
    fn suspension(self) -> &'static str {
        match self {
            Code::Account => "the account code has no validator installed",
            Code::Other => "the EOA delegates to other code",
            Code::Malicious => "the EOA delegates to the malicious code",
            Code::None => "the EOA's delegation is cleared",
        }
    }
}

/// The state one case builds up on the model's side.
/// The bundle's ops as they were submitted: a resubmitted op carries the bytes of the op it
/// resubmits, which the model judges (a minimized case may have changed the step's own copy).
fn as_submitted<'a>(ops: &'a [Op], signed: &[Signed]) -> Vec<std::borrow::Cow<'a, Op>> {
    ops.iter()
        .zip(signed)
        .map(|(op, signed)| match op.replay {
            Some(Replay::Resubmit { .. }) if op.call_data[..] != signed.packed.callData[..] => {
                std::borrow::Cow::Owned(Op {
                    call_data: signed.packed.callData.to_vec(),
                    ..op.clone()
                })
            }
            _ => std::borrow::Cow::Borrowed(op),
        })
        .collect()
}

/// An op the model gives no verdict, because the EntryPoint refuses it whatever the module
/// decides: any refusal is right, and one that executes is a bypass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unjudged {
    /// Its `paymasterAndData` is malformed (spec §1.4.3): the EntryPoint reverts the whole
    /// `handleOps` with this reason before any account or module code runs.
    MalformedPaymaster(&'static str),
    /// Spec §1.4.2: it was resubmitted after it was included. The EntryPoint calls the account's
    /// `validateUserOp` before it checks the nonce, so the refusal is the module's own denial or,
    /// when the module lets it through, the nonce check (`AA25`); either is right.
    UsedNonce,
    /// Spec §P3: a redemption of a delegation signed on chain `signed_on`, sent on `chain`: the
    /// delegation's signature binds its chain, so the manager refuses it before any caveat runs.
    OtherChain {
        /// The chain the session's delegation was signed on.
        signed_on: u64,
        /// The chain the redemption was sent on.
        chain: u64,
    },
}

impl Unjudged {
    /// Why the op `signed` never reaches a verdict, if it does not: the EntryPoint reads
    /// `paymasterAndData` before it checks the nonce.
    fn of(run: &CaseRun, signed: &Signed) -> Option<Self> {
        if let Some(reason) =
            crate::evm::userop::paymaster_and_data_refusal(&signed.packed.paymasterAndData)
        {
            return Some(Self::MalformedPaymaster(reason));
        }
        run.used_nonces.contains(&signed.nonce_key).then_some(Self::UsedNonce)
    }

    /// A finding when the op executed anyway.
    fn judge(self, step: usize, position: usize, outcome: &OpOutcome) -> Result<(), Stop> {
        if !outcome.is_executed() {
            return Ok(());
        }
        let (model, detail) = match self {
            Self::MalformedPaymaster(reason) => (
                format!(
                    "deny: the EntryPoint refuses its paymasterAndData ({reason}, spec §1.4.3)"
                ),
                "an op with a malformed paymasterAndData executed",
            ),
            Self::UsedNonce => (
                "deny: its nonce was used when it was included (AA25, spec §1.4.2)".to_owned(),
                "a signed op resubmitted after it was included executed again",
            ),
            Self::OtherChain { signed_on, chain } => (
                format!(
                    "deny: its delegation was signed on chain {signed_on}, and this is chain \
                     {chain} (spec §P3)"
                ),
                "a delegation signed on one chain was redeemed on another",
            ),
        };
        Err(Stop::Finding(Finding {
            class: Class::Bypass,
            step,
            op: Some(position),
            model,
            module: describe_outcome(outcome),
            path: Box::default(),
            detail: detail.into(),
        }))
    }
}

/// An op as the runner submitted it: what a later replay resubmits (spec §1.4.2).
#[derive(Clone)]
struct Signed {
    /// The op with its signature in the module's layout.
    packed: PackedUserOperation,
    /// Who the model sees as its signer.
    signer: Option<Address>,
    /// The key whose session its signature layout names ([`SessionModule::named_session`]).
    names: Option<Address>,
    /// Its nonce key.
    nonce_key: u64,
    /// The 65-byte ECDSA signature (64 zero bytes when malformed) and its decoy tail.
    ecdsa: Vec<u8>,
    /// The digest (spec §1.4.1, [`SessionModule::session_digest`]) of the op the signature was
    /// made for, on the world as it was then.
    digest: B256,
}

struct CaseRun {
    /// The EIP-7702 frame's state, on that frame.
    frame: Option<FrameState>,
    /// The policies as written, beside the effective ones (only for modules that differ from
    /// spec v1).
    intent: Option<Intent>,
    /// Every op submitted so far, by (step, position), for replays.
    submitted: BTreeMap<(usize, usize), Signed>,
    /// The nonce keys of the ops the EntryPoint included (their nonces are used).
    used_nonces: std::collections::BTreeSet<u64>,
    /// The chain each key's session was last installed on: on the redeem frame its delegation's
    /// signature binds that chain (spec §P3).
    signed_on: BTreeMap<Address, u64>,
    model: AccountState,
    now: u64,
    report: CaseReport,
    ledgers: BTreeMap<Address, Ledger>,
    allowances: BTreeMap<(Address, Address), U256>,
    /// The world's other account, when the case replays ops from it (spec §1.4.2): it mirrors
    /// the case's installs and revokes, so the key it replays has a session there too.
    other_account: Option<Address>,
}

/// Whether what left the account during a session stays within the caps of its (effective)
/// policy, as the profile scopes them (spec §7, §8, §P12, §P13).
fn check_ledger(policy: &Policy, profile: &SemanticProfile, ledger: &Ledger) -> Result<(), String> {
    let native_cap = match (policy.native, profile.native_default) {
        (Some(cap), _) => cap.total,
        (None, NativeDefault::Deny) => U256::ZERO,
        (None, NativeDefault::Allow) => U256::MAX,
    };
    if ledger.native > native_cap {
        return Err(format!(
            "on-chain invariant: the account sent {} wei during this session, above its native cap {native_cap} (spec §7)",
            ledger.native
        ));
    }
    for cap in policy.erc20.iter() {
        let moved = ledger.tokens.get(&cap.token).copied().unwrap_or_default();
        let limit = match profile.counter_scope {
            // One counter per token, or one shared by all of them with each token's own limit
            // (§P12): either way no token moves more than its limit.
            CounterScope::Session => cap.limit,
            CounterScope::Delegation
                if policy.permissions.iter().any(|p| p.target == Target::Any) =>
            {
                U256::MAX
            }
            CounterScope::Delegation => cap.limit,
            // Each exact permission on the token has a counter of its own, and the wildcard
            // reaches the token uncounted.
            CounterScope::Action if policy.permissions.iter().any(|p| p.target == Target::Any) => {
                U256::MAX
            }
            CounterScope::Action => {
                let own = policy
                    .permissions
                    .iter()
                    .filter(|p| p.target == Target::Address(cap.token))
                    .count();
                cap.limit.saturating_mul(U256::from(own))
            }
        };
        if moved > limit {
            return Err(format!(
                "on-chain invariant: token {} transfers and new allowances from the account total {moved} during this session, above its cap {} (spec §8.5)",
                cap.token, limit
            ));
        }
    }
    Ok(())
}

fn counter_difference(
    model: Option<&(leash_model::Status, leash_model::Counters)>,
    module: Option<&(leash_model::Status, leash_model::Counters)>,
) -> String {
    match (model, module) {
        (Some((ms, mc)), Some((es, ec))) => {
            let mut parts = Vec::new();
            if ms != es {
                parts.push(format!("status {ms:?} vs {es:?}"));
            }
            if mc.calls != ec.calls {
                parts.push(format!("calls {} vs {}", mc.calls, ec.calls));
            }
            if mc.native_spent != ec.native_spent {
                parts.push(format!("native {} vs {}", mc.native_spent, ec.native_spent));
            }
            if mc.token_spent != ec.token_spent {
                parts.push("token counters differ".into());
            }
            if mc.rule_used != ec.rule_used {
                parts.push("rule sums differ".into());
            }
            if mc.rate_ring != ec.rate_ring || mc.rate_head != ec.rate_head {
                parts.push("rate ring differs".into());
            }
            if mc.native_period != ec.native_period {
                parts.push(format!(
                    "native period (start, spent) ({}, {}) vs ({}, {})",
                    mc.native_period.start,
                    mc.native_period.spent,
                    ec.native_period.start,
                    ec.native_period.spent
                ));
            }
            if mc.token_period != ec.token_period {
                parts.push("token period counters differ".into());
            }
            format!("model vs module: {}", parts.join(", "))
        }
        (None, Some(_)) => "the module has a session the model does not".into(),
        (Some(_), None) => "the model has a session the module does not".into(),
        (None, None) => "no session on either side".into(),
    }
}

fn outcome_code(outcome: &OpOutcome) -> u32 {
    match outcome {
        OpOutcome::Denied(crate::evm::EvmDenial::SignatureFailed) => 1,
        OpOutcome::Denied(crate::evm::EvmDenial::OutOfWindow) => 2,
        OpOutcome::Denied(crate::evm::EvmDenial::Module { code, .. }) => 100 + u32::from(*code),
        OpOutcome::Denied(crate::evm::EvmDenial::Other { .. }) => 3,
        OpOutcome::Executed { success, .. } => 10 + u32::from(*success),
    }
}

fn mutation_code(op: &Op) -> u32 {
    let kind = op.recipe.as_ref().and_then(|r| r.mutation.as_ref()).map(|m| m.kind());
    kind.map_or(0, |k| k.index() as u32 + 1)
}

fn batch_bucket(op: &Op) -> u32 {
    op.recipe
        .as_ref()
        .map_or(0, |r| if r.planned.batch { 1 + r.planned.calls.len().min(9) as u32 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::GapDirection;

    /// An op the EntryPoint or the manager refuses whatever the module decides: any refusal is
    /// right, an execution is a bypass naming the clause.
    #[test]
    fn unjudged_ops_are_bypasses_only_when_they_execute() {
        let executed = OpOutcome::Executed {
            success: true,
            revert_reason: None,
            calls: Vec::new(),
            logs: Vec::new(),
        };
        let refused = OpOutcome::Denied(crate::evm::EvmDenial::Other {
            reason: crate::evm::userop::AA93_INVALID_PAYMASTER_AND_DATA.into(),
            data: Bytes::new(),
        });
        for (unjudged, clause) in [
            (Unjudged::MalformedPaymaster(crate::evm::userop::AA98_INVALID_PAYMASTER), "§1.4.3"),
            (Unjudged::UsedNonce, "§1.4.2"),
            (Unjudged::OtherChain { signed_on: 31337, chain: 10 }, "§P3"),
        ] {
            assert!(unjudged.judge(3, 1, &refused).is_ok(), "{unjudged:?} refused is a finding");
            let Err(Stop::Finding(finding)) = unjudged.judge(3, 1, &executed) else {
                panic!("{unjudged:?} executed without a finding");
            };
            assert_eq!((finding.class, finding.step, finding.op), (Class::Bypass, 3, Some(1)));
            assert!(finding.model.contains(clause), "{unjudged:?}: {}", finding.model);
        }
    }

    fn gap(id: &str, clause: &str) -> IntentGap {
        IntentGap {
            id: id.into(),
            direction: GapDirection::Widened,
            subject: "the native cap".into(),
            detail: "not enforced".into(),
            clause: clause.into(),
        }
    }

    #[test]
    fn limitations_are_explained_by_the_gap_or_parameter_of_their_clause() {
        let gaps = [
            gap("never-expires-off", "§P17"),
            gap("periodic-allowance-dropped", "§P21"),
            gap("per-call-cap-dropped", "§7.2"),
        ];
        let profile = SemanticProfile::SMART_SESSIONS;
        for reason in [
            DenyReason::NativePeriod,
            DenyReason::NativeStream,
            DenyReason::TokenPeriod,
            DenyReason::TokenStream,
        ] {
            let said = explain_limitation(reason, &gaps, &profile);
            assert!(said.contains("periodic-allowance-dropped"), "{reason:?}: {said}");
            assert!(!said.contains("never-expires-off") && !said.contains("per-call"), "{said}");
        }
        let said = explain_limitation(DenyReason::NativePerCall, &gaps, &profile);
        assert!(said.contains("per-call-cap-dropped") && !said.contains("periodic"), "{said}");
        let tokens = [
            gap("spender-allowlist-dropped", "§8.4"),
            gap("fallback-reaches-tokens-uncapped", "§P12"),
        ];
        let said = explain_limitation(DenyReason::TransferFromOther, &tokens, &profile);
        assert!(said.contains("ERC-20 rules") && !said.contains("dropped"), "{said}");
        let said = explain_limitation(DenyReason::Spender, &tokens, &profile);
        assert!(said.contains("spender-allowlist") && !said.contains("uncapped"), "{said}");
        let said = explain_limitation(DenyReason::TokenCap, &tokens, &profile);
        assert!(said.contains("uncapped") && !said.contains("spender"), "{said}");
        let said = explain_limitation(DenyReason::Expired, &gaps, &profile);
        assert!(said.contains("never-expires-off") && !said.contains("periodic"), "{said}");
        let said = explain_limitation(DenyReason::GasFee, &gaps, &profile);
        assert!(!said.contains("never-expires-off"), "{said}");
    }
}
