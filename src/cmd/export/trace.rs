//! A replay of a corpus entry that keeps what a reproducer needs: every lifecycle call's
//! calldata and result, every op's nonce key and outcome (the calls the account made, or the
//! EntryPoint's denial), and where a counter divergence was seen.
//!
//! It is the runner's own replay (`Runner::run_observed`), seen through an observer, so the
//! reproducer shows exactly the run that produced the finding.

use alloy_primitives::Address;
use alloy_sol_types::SolCall;
use anyhow::{Context as _, bail};
use leash_fuzz::case::{Case, Signer, Step};
use leash_fuzz::evm::{EncodeError, ISessionManager, OpOutcome, encode_policy};
use leash_fuzz::finding::{Class, Finding};
use leash_fuzz::run::{Observer, RunConfig, Runner};
use leash_fuzz::target::Target;
use leash_model::{Counters, Status};

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

/// Collects the steps the runner reports.
struct Recorder<'c> {
    case: &'c Case,
    steps: Vec<StepTrace>,
    diverged: Option<(usize, bool, Address, SessionState, SessionState)>,
}

impl Observer for Recorder<'_> {
    fn lifecycle(
        &mut self,
        _step: usize,
        key: u8,
        policy: Option<&leash_model::Policy>,
        now: u64,
        model_ok: bool,
        module_ok: bool,
    ) {
        let address = leash_fuzz::evm::key_address(key);
        let call = match policy {
            Some(policy) => encode_policy(policy).map(|encoded| {
                ISessionManager::installSessionCall { key: address, policy: encoded }.abi_encode()
            }),
            None => Ok(ISessionManager::revokeSessionCall { key: address }.abi_encode()),
        };
        let install = policy.is_some();
        self.steps.push(StepTrace::Lifecycle(LifecycleTrace {
            install,
            key,
            now,
            call,
            module_ok,
            model_ok,
        }));
    }

    fn time(&mut self, _step: usize, now: u64) {
        self.steps.push(StepTrace::Time { now });
    }

    fn bundle(&mut self, step: usize, now: u64, nonce_keys: &[u64], outcomes: &[OpOutcome]) {
        let Step::Bundle { ops } = &self.case.steps[step] else {
            unreachable!("the runner reports bundles for bundle steps")
        };
        let ops = ops
            .iter()
            .zip(nonce_keys)
            .zip(outcomes)
            .map(|((op, nonce_key), outcome)| OpTrace {
                nonce_key: *nonce_key,
                signer: op.signer,
                call_data: op.call_data.clone(),
                signature_tail: op.signature_tail.clone(),
                outcome: outcome.clone(),
            })
            .collect();
        self.steps.push(StepTrace::Bundle(BundleTrace { now, ops }));
    }

    fn state_diverged(
        &mut self,
        step: usize,
        before: bool,
        key: Address,
        model: SessionState,
        module: SessionState,
    ) {
        if before {
            self.steps.push(StepTrace::StoppedBefore);
        }
        self.diverged = Some((step, before, key, model, module));
    }
}

/// Replays `case` against `target` and traces it; `expect` is what the entry says it shows.
pub(super) fn trace(target: &Target, case: &Case, expect: Option<Class>) -> anyhow::Result<Trace> {
    let config =
        RunConfig { compare_reasons: expect == Some(Class::Reason), ..RunConfig::campaign() };
    let mut runner = Runner::for_target(target, config)?;
    let mut recorder = Recorder { case, steps: Vec::new(), diverged: None };
    let report = runner.run_observed(case, &mut recorder);
    if let Some(why) = report.not_runnable {
        bail!(
            "the harness cannot run the case against {} ({why}), so no test can be made from it",
            target.label
        );
    }
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
    if let Some(Finding { op: None, .. }) = &finding
        && recorder.diverged.is_none()
        && !recorder
            .steps
            .iter()
            .any(|s| matches!(s, StepTrace::Lifecycle(l) if l.model_ok != l.module_ok))
    {
        bail!(
            "step {}: the module's counters could not be read; leash cannot export a finding a \
             test cannot show",
            finding.as_ref().map_or(0, |f| f.step)
        );
    }
    let state_check = match recorder.diverged {
        Some((step, before, key, model, module)) => {
            // The run stopped at the divergence, so the world still holds the module's state.
            let view = runner
                .world_mut()
                .session_view(key)
                .with_context(|| format!("reading the module's counters for {key}"))?;
            Some(StateCheck { step, before, key, model, module, view })
        }
        None => None,
    };
    Ok(Trace { finding, steps: recorder.steps, state_check })
}
