//! A replay of a corpus entry that keeps what a reproducer needs: every lifecycle call's
//! calldata and result, every op's nonce key and outcome (the calls the account made, or the
//! EntryPoint's denial), and where a counter divergence was seen.
//!
//! `leash_fuzz::engine::replay` says what a case shows (its first finding) but not what each op
//! did, so this module replays the case a second time, on a world of its own, the way
//! `leash_fuzz::run::Runner` runs it: the same deployment, the same timestamps, nonce keys
//! 2, 3, ... in op order, the same signer recovery, the model stepped alongside for the counter
//! comparisons (before each install or revoke for its key, after each bundle and at the end for
//! every session the model holds), stopping where the runner stops. The two replays are then
//! checked against each other: the finding's op must have the outcome the finding describes,
//! and a counter finding must be the first divergence seen here.

use alloy_primitives::{Address, B256, Bytes};
use alloy_sol_types::SolCall;
use anyhow::{Context as _, bail};
use leash_fuzz::case::{Case, START_TIME, Signer, Step};
use leash_fuzz::evm::{
    EncodeError, ISessionManager, OpOutcome, Signing, World, decode_session_view, encode_policy,
    session_keys,
};
use leash_fuzz::finding::{Class, Finding};
use leash_fuzz::oracle::describe_outcome;
use leash_fuzz::run::RunConfig;
use leash_fuzz::target::Target;
use leash_model::{AccountState, Counters, Status, UserOp};

/// A session's status and counters, as the model or the module holds them (`None`: no session).
pub(super) type SessionState = Option<(Status, Counters)>;

/// What replaying an entry did, step by step, up to where the run stops.
#[derive(Debug)]
pub(super) struct Trace {
    /// The first finding, as `leash_fuzz::engine::replay` reports it.
    pub(super) finding: Option<Finding>,
    /// The steps that ran, in order (a prefix of the case's steps).
    pub(super) steps: Vec<StepTrace>,
    /// The counter comparison that diverged, for a counter finding.
    pub(super) state_check: Option<StateCheck>,
}

/// One step that ran.
#[derive(Debug)]
pub(super) enum StepTrace {
    /// An install or a revoke: the owner's call to the module through the account.
    Lifecycle(LifecycleTrace),
    /// The clock moved (or stayed: it never moves backwards).
    Time {
        /// The clock after the step.
        now: u64,
    },
    /// A bundle.
    Bundle(BundleTrace),
    /// A lifecycle step the run stopped before: the counter comparison before it diverged.
    StoppedBefore,
}

/// An install or revoke.
#[derive(Debug)]
pub(super) struct LifecycleTrace {
    /// Install (`true`) or revoke.
    pub(super) install: bool,
    /// The key's index.
    pub(super) key: u8,
    /// The block timestamp of the call.
    pub(super) now: u64,
    /// The module call the owner sent through `account.execute` (`installSession(key,
    /// policy)` or `revokeSession(key)`), or why leash sent none.
    pub(super) call: Result<Vec<u8>, EncodeError>,
    /// Whether the module call succeeded.
    pub(super) module_ok: bool,
    /// Whether the spec (the model) accepted the lifecycle call.
    pub(super) model_ok: bool,
}

/// A bundle.
#[derive(Debug)]
pub(super) struct BundleTrace {
    /// The block timestamp of `handleOps`.
    pub(super) now: u64,
    /// The ops, in bundle order.
    pub(super) ops: Vec<OpTrace>,
}

/// One op of a bundle.
#[derive(Debug)]
pub(super) struct OpTrace {
    /// Its nonce key (the nonce is `key << 64`).
    pub(super) nonce_key: u64,
    /// Who signed it.
    pub(super) signer: Signer,
    /// Its callData.
    pub(super) call_data: Vec<u8>,
    /// Bytes after its 65 signature bytes.
    pub(super) signature_tail: Vec<u8>,
    /// What happened to it.
    pub(super) outcome: OpOutcome,
}

/// A counter comparison that diverged.
#[derive(Debug)]
pub(super) struct StateCheck {
    /// The step it belongs to.
    pub(super) step: usize,
    /// Whether it ran before the step (a lifecycle step compares its key first) or after it.
    pub(super) before: bool,
    /// The session key.
    pub(super) key: Address,
    /// The model's state.
    pub(super) model: SessionState,
    /// The module's state.
    pub(super) module: SessionState,
    /// The module's raw `sessionState(account, key)`.
    pub(super) view: ISessionManager::SessionView,
}

/// The address of key `key`, wrapping as the harness does.
fn key_address(key: u8) -> Address {
    crate::render::key_address(key)
}

/// The mirror of one run: the world, the model and the clock.
struct Mirror<'t> {
    target: &'t Target,
    world: World,
    model: AccountState,
    now: u64,
    nonce_key: u64,
}

impl Mirror<'_> {
    /// Compares the counters of `keys`, as `Runner::compare_counters` does; returns the first
    /// divergence.
    fn compare(
        &mut self,
        step: usize,
        before: bool,
        keys: &[Address],
    ) -> anyhow::Result<Option<StateCheck>> {
        for &key in keys {
            let model = self.model.session(key).map(|s| (s.status, s.counters));
            let view = self
                .world
                .session_view(key)
                .with_context(|| format!("reading the module's counters for {key}"))?;
            let module = decode_session_view(&view)
                .with_context(|| format!("decoding the module's counters for {key}"))?;
            if model != module {
                return Ok(Some(StateCheck { step, before, key, model, module, view }));
            }
        }
        Ok(None)
    }

    /// Every key the model holds a session for.
    fn model_keys(&self) -> Vec<Address> {
        self.model.sessions().iter().map(|s| s.key).collect()
    }

    fn lifecycle(&mut self, install: Option<&leash_model::Policy>, key: u8) -> LifecycleTrace {
        let address = key_address(key);
        self.world.set_timestamp(self.now);
        let module = self.target.module();
        let (call, module_ok, model_ok) = match install {
            Some(policy) => {
                let model_ok = self.model.install(address, policy.clone()).is_ok();
                let call = encode_policy(policy).map(|encoded| {
                    ISessionManager::installSessionCall { key: address, policy: encoded }
                        .abi_encode()
                });
                let module_ok = module.install(&mut self.world, address, policy).is_ok();
                (call, module_ok, model_ok)
            }
            None => {
                let model_ok = self.model.revoke(address).is_ok();
                let call = Ok(ISessionManager::revokeSessionCall { key: address }.abi_encode());
                let module_ok = module.revoke(&mut self.world, address).is_ok();
                (call, module_ok, model_ok)
            }
        };
        LifecycleTrace { install: install.is_some(), key, now: self.now, call, module_ok, model_ok }
    }

    fn bundle(&mut self, step: usize, ops: &[leash_fuzz::case::Op]) -> anyhow::Result<BundleTrace> {
        let mut signed = Vec::with_capacity(ops.len());
        let mut signers = Vec::with_capacity(ops.len());
        let mut nonce_keys = Vec::with_capacity(ops.len());
        for op in ops {
            self.nonce_key += 1;
            let mut packed =
                self.world.unsigned_op(self.nonce_key, Bytes::copy_from_slice(&op.call_data));
            let hash: B256 = self.world.user_op_hash(&packed);
            // The signer the model sees: the key that signed, or none for a malformed signature
            // (spec §1.4), as the runner derives it.
            let (mut signature, signer) = match op.signer {
                Signer::Key(k) => {
                    let keys = session_keys();
                    let key = &keys[usize::from(k) % keys.len()];
                    (key.sign_hash_with(hash, Signing::default()).to_vec(), Some(key.address()))
                }
                Signer::Malformed => (vec![0u8; 64], None),
            };
            signature.extend_from_slice(&op.signature_tail);
            signers.push(signer);
            packed.signature = signature.into();
            signed.push(packed);
            nonce_keys.push(self.nonce_key);
        }
        let env = self.world.env(self.now);
        // The model steps its counters as the runner's does; the verdicts themselves are the
        // replay's business (its finding), not the trace's.
        for (op, signer) in ops.iter().zip(&signers) {
            let _ =
                self.model.execute_op(&env, &UserOp { signer: *signer, call_data: &op.call_data });
        }
        let outcomes = self.world.run_bundle(self.now, &signed).map_err(|e| {
            anyhow::anyhow!(
                "step {step}: handleOps could not be run ({e}); leash cannot export a finding \
                 where the bundle itself fails"
            )
        })?;
        let ops = ops
            .iter()
            .zip(nonce_keys)
            .zip(outcomes)
            .map(|((op, nonce_key), outcome)| OpTrace {
                nonce_key,
                signer: op.signer,
                call_data: op.call_data.clone(),
                signature_tail: op.signature_tail.clone(),
                outcome,
            })
            .collect();
        Ok(BundleTrace { now: self.now, ops })
    }
}

/// Replays `case` against `target` and traces it; `expect` is what the entry says it shows.
pub(super) fn trace(target: &Target, case: &Case, expect: Option<Class>) -> anyhow::Result<Trace> {
    let config =
        RunConfig { compare_reasons: expect == Some(Class::Reason), ..RunConfig::default() };
    let report = leash_fuzz::engine::replay(target, case, config)?;
    let finding = report.finding;
    let found = finding.as_ref().map(|f| f.class);
    if found != expect {
        let say = |class: Option<Class>| {
            class.map_or("no finding".to_string(), |c| format!("a {c} finding"))
        };
        bail!(
            "replaying the case against {} shows {} but the entry expects {}: a test made from it \
             would not show what the entry says",
            target.label,
            say(found),
            say(expect)
        );
    }
    let mut mirror = Mirror {
        target,
        world: target.world()?,
        model: AccountState::new(),
        now: START_TIME,
        nonce_key: 1,
    };
    let op_finding = finding.as_ref().filter(|f| f.op.is_some()).map(|f| f.step);
    let mut steps = Vec::new();
    let mut state_check = None;
    // Whether the run stopped before the end of the case, as the runner does at a finding.
    let mut stopped = true;
    for (index, step) in case.steps.iter().enumerate() {
        match step {
            Step::Install { key, .. } | Step::Revoke { key } => {
                if let Some(check) = mirror.compare(index, true, &[key_address(*key)])? {
                    steps.push(StepTrace::StoppedBefore);
                    state_check = Some(check);
                    break;
                }
                let policy = match step {
                    Step::Install { policy, .. } => Some(&**policy),
                    _ => None,
                };
                let lifecycle = mirror.lifecycle(policy, *key);
                let diverged = lifecycle.model_ok != lifecycle.module_ok;
                steps.push(StepTrace::Lifecycle(lifecycle));
                if diverged {
                    break;
                }
            }
            Step::Time { now } => {
                mirror.now = mirror.now.max(*now);
                steps.push(StepTrace::Time { now: mirror.now });
            }
            Step::Bundle { ops } => {
                let bundle = mirror.bundle(index, ops)?;
                steps.push(StepTrace::Bundle(bundle));
                if op_finding == Some(index) {
                    break;
                }
                let keys = mirror.model_keys();
                if let Some(check) = mirror.compare(index, false, &keys)? {
                    state_check = Some(check);
                    break;
                }
            }
        }
        stopped = index + 1 < case.steps.len();
    }
    if !stopped || case.steps.is_empty() {
        let keys = mirror.model_keys();
        state_check = mirror.compare(case.steps.len().saturating_sub(1), false, &keys)?;
    }
    let trace = Trace { finding, steps, state_check };
    agree(&trace)?;
    Ok(trace)
}

/// Checks that the trace shows the finding the replay reported, where it reported it.
fn agree(trace: &Trace) -> anyhow::Result<()> {
    let disagree = |what: String| {
        anyhow::anyhow!(
            "leash's two replays of the case disagree ({what}); please report this as a leash bug"
        )
    };
    let Some(finding) = &trace.finding else {
        if let Some(check) = &trace.state_check {
            return Err(disagree(format!(
                "counters of {} diverge at step {}",
                check.key, check.step
            )));
        }
        if trace
            .steps
            .iter()
            .any(|s| matches!(s, StepTrace::Lifecycle(l) if l.model_ok != l.module_ok))
        {
            return Err(disagree("a lifecycle call diverged".into()));
        }
        return Ok(());
    };
    if trace.steps.len() != finding.step + 1 {
        return Err(disagree(format!(
            "the run stops at step {}, the finding is at step {}",
            trace.steps.len().saturating_sub(1),
            finding.step
        )));
    }
    match (finding.op, &trace.steps[finding.step]) {
        (Some(op), StepTrace::Bundle(bundle)) => {
            let outcome = &bundle
                .ops
                .get(op)
                .ok_or_else(|| disagree(format!("step {} has no op {op}", finding.step)))?
                .outcome;
            if describe_outcome(outcome) != finding.module {
                return Err(disagree(format!(
                    "op {op} of step {}: {} here, {} in the finding",
                    finding.step,
                    describe_outcome(outcome),
                    finding.module
                )));
            }
        }
        (None, StepTrace::Lifecycle(l)) if l.model_ok != l.module_ok => {}
        (None, _) => {
            let check = trace.state_check.as_ref().ok_or_else(|| {
                disagree(format!("no counter divergence at step {}", finding.step))
            })?;
            if check.step != finding.step
                || format!("{:?}", check.module) != finding.module
                || format!("{:?}", check.model) != finding.model
            {
                return Err(disagree(format!(
                    "the first counter divergence is for {} at step {}",
                    check.key, check.step
                )));
            }
        }
        (Some(op), _) => {
            return Err(disagree(format!("op {op} of step {} is not in a bundle", finding.step)));
        }
    }
    Ok(())
}
