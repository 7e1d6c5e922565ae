//! Property 4: a revoked session denies every op; reinstalling starts from clean counters
//! (spec §2.1, §2.2, §2.3.2).

use leash_model::abi::execute::{encode_batch, encode_single};
use leash_model::{
    AccountState, ArgDecoding, Counters, Denial, DenyReason, Env, Policy, Session, Status, UserOp,
    Verdict,
};

use crate::oracle;
use crate::source::Source;
use crate::sut::{self, CheckFn, InstallFn};
use crate::world::{Focus, KEY, caps_batch, caps_counters, caps_policy, env, executions};
use crate::{CaseResult, Outcome};

/// A revoked session with any policy and reachable counters denies any executions with
/// `Revoked`, an op-level denial (no execution index).
pub(crate) fn revoked<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let focus = Focus::draw(src);
    let policy = caps_policy(src, focus);
    // A session only ever holds a valid policy (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let counters = caps_counters(src, &policy, true);
    // Reachable counters only (the invariant of property 1 holds in every reachable state).
    assume!(src, oracle::invariant(&policy, &counters));
    let env = env(src, &[1], &[0]);
    let (calls, n) = caps_batch(src, focus, true, &policy, &counters, 1, &[0, 1]);
    let executions = executions(&calls[..n]);
    let session = Session { key: KEY, policy, status: Status::Revoked, counters };

    let result = check(&session, &env, &executions, ArgDecoding::Strict);
    // Non-vacuity: among the revoked sessions are ones whose op would be allowed if active.
    let active = Session { status: Status::Active, ..session.clone() };
    let would_allow = sut::check(&active, &env, &executions, ArgDecoding::Strict).is_ok();
    cover!(src, would_allow, "P4: a revoked session whose op an active one would allow");
    ensure!(
        result == Err(Denial::op(DenyReason::Revoked)),
        "P4: a revoked session denies every op with Revoked (§2.3.2)"
    );
    Ok(Outcome::Denied)
}

/// The canonical `callData` of the calls: `encode_single` for one call when `single`, else
/// `encode_batch`.
fn call_data<S: Source>(src: &mut S, calls: &[crate::world::Call]) -> Vec<u8> {
    let executions = executions(calls);
    if executions.len() == 1 && src.bool_in("op.single?", &[true]) {
        encode_single(&executions[0])
    } else {
        encode_batch(&executions)
    }
}

/// Runs one op of the caps world against `state` (validate, then apply if allowed).
fn op<'a>(state: &mut AccountState, env: &Env, call_data: &'a [u8]) -> Verdict<'a> {
    state.execute_op(env, &UserOp::new(Some(KEY), call_data))
}

/// Use a session, revoke it (its ops are then denied with `Revoked`), reinstall it with a new
/// policy through `install`: the session is active with zero counters and the new policy, and it
/// judges the next op exactly as a fresh account holding only the new policy does.
pub(crate) fn reinstall<S: Source>(src: &mut S, install: InstallFn) -> CaseResult {
    // Every cap present, tight hints: a lifecycle has four ops, so the runners keep each small.
    let focus = Focus::All;
    let first: Policy = caps_policy(src, focus);
    let mut state = AccountState::new();
    // Installing an invalid policy is an error, not a state (spec §2.1): nothing to check.
    assume!(src, install(&mut state, KEY, first).is_ok());
    let env = env(src, &[1], &[0]);
    let uses = 1 + src.choose_in("uses-1", 2, &[0]);
    for _ in 0..uses {
        let counters = state.session(KEY).map(|s| s.counters).unwrap_or_default();
        let policy = state.session(KEY).map(|s| s.policy.clone()).unwrap_or_default();
        let (calls, n) = caps_batch(src, focus, true, &policy, &counters, 1, &[0]);
        let cd = call_data(src, &calls[..n]);
        let _ = op(&mut state, &env, &cd);
    }
    let used = state.session(KEY).is_some_and(|s| s.counters != Counters::default());
    cover!(src, used, "P4: the session used part of its budget before revocation");
    ensure!(state.revoke(KEY).is_ok(), "P4: an installed session can be revoked (§2.2)");

    let policy = state.session(KEY).map(|s| s.policy.clone()).unwrap_or_default();
    let counters = state.session(KEY).map(|s| s.counters).unwrap_or_default();
    let (calls, n) = caps_batch(src, focus, true, &policy, &counters, 1, &[0]);
    let cd = call_data(src, &calls[..n]);
    let verdict = op(&mut state, &env, &cd);
    ensure!(
        verdict.denial() == Some(&Denial::op(DenyReason::Revoked)),
        "P4: after revocation every op is denied with Revoked (§2.2, §2.3.2)"
    );

    let second = caps_policy(src, focus);
    // As above: an invalid policy does not install.
    assume!(src, install(&mut state, KEY, second.clone()).is_ok());
    let session = state.session(KEY);
    ensure!(
        session.is_some_and(|s| s.counters == Counters::default()),
        "P4: a reinstalled session starts from zero counters (§2.1)"
    );
    ensure!(
        session.is_some_and(|s| s.status == Status::Active && s.policy == second),
        "P4: a reinstalled session is active with the new policy (§2.1)"
    );
    let mut fresh = AccountState::new();
    ensure!(fresh.install(KEY, second.clone()).is_ok(), "P4: a valid policy installs (§2.1)");
    let (calls, n) = caps_batch(src, focus, true, &second, &Counters::default(), 1, &[0]);
    let cd = call_data(src, &calls[..n]);
    let verdict = op(&mut state, &env, &cd);
    let expected = op(&mut fresh, &env, &cd);
    ensure!(verdict == expected, "P4: a reinstalled session judges ops as a fresh one (§2.1)");
    ensure!(
        state.session(KEY) == fresh.session(KEY),
        "P4: and ends in the same state as a fresh one (§2.1)"
    );
    cover!(src, used && verdict.is_allow(), "P4: after use and reinstall, an op is allowed");
    Ok(if verdict.is_allow() { Outcome::Allowed } else { Outcome::Denied })
}
