//! Property 1: cumulative caps are never exceeded (spec §6.4, §7.3, §8.5, §10.1, §13).
//!
//! [`step`] proves the step invariant, which covers sequences of any length by induction: the
//! invariant holds for fresh counters (all zero, spec §2.1), and if it holds before an allowed op
//! it holds after it. [`sequence`] runs a bounded sequence from a fresh session and checks the
//! totals directly, without trusting the counters.

use leash_model::{ArgDecoding, Counters, Session, Status};

use super::{moved, plus};
use crate::oracle;
use crate::source::Source;
use crate::sut::CheckFn;
use crate::world::{Focus, KEY, caps_batch, caps_counters, caps_policy, env, executions};
use crate::{CaseResult, Outcome};

/// invariant(before) ∧ allowed ⇒ invariant(after) ∧ after = before + what the op moved.
pub(crate) fn step<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let focus = Focus::draw(src);
    let policy = caps_policy(src, focus);
    // A session only ever holds a valid policy: install refuses any other (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let counters = caps_counters(src, &policy, false);
    // The induction hypothesis. It holds for fresh counters, and this harness shows every
    // allowed op preserves it, so assuming it covers every reachable state.
    assume!(src, oracle::invariant(&policy, &counters));
    let env = env(src, &[1], &[0]);
    let decoding = if src.bool_in("decoding.solidity", &[false]) {
        ArgDecoding::Solidity
    } else {
        ArgDecoding::Strict
    };
    let (calls, n) = caps_batch(src, focus, false, &policy, &counters, 1, &[0, 1]);
    let executions = executions(&calls[..n]);
    let session = Session { key: KEY, policy, status: Status::Active, counters };

    let result = check(&session, &env, &executions, decoding);
    cover!(src, result.is_ok() && n == 2, "P1 step: a batch of two is allowed");
    let after = match result {
        Ok(after) => after,
        Err(_) => return Ok(Outcome::Denied),
    };
    let policy = &session.policy;
    ensure!(
        oracle::native_within(policy, &after),
        "P1: native value spent stays within native.total (§7.3)"
    );
    ensure!(
        oracle::tokens_within(policy, &after),
        "P1: each ERC-20 counter stays within its cap (§8.5)"
    );
    ensure!(
        oracle::rules_within(policy, &after),
        "P1: each rule sum stays within its cumulative limit (§6.4)"
    );
    ensure!(oracle::usage_within(policy, &after), "P1: calls stay within the usage limit (§10.1)");
    ensure!(oracle::rate_well_formed(policy, &after), "P1: the rate ring stays well formed (§9.2)");
    let expected = moved(policy, &executions).and_then(|m| plus(&counters, &m));
    ensure!(expected.is_some(), "P1: what an allowed op moves fits under its caps (§13.3)");
    let expected = expected.unwrap_or_default();
    ensure!(
        after.native_spent == expected.native_spent,
        "P1: native_spent grows by exactly the values sent (§7.3)"
    );
    ensure!(
        after.token_spent == expected.token_spent,
        "P1: token counters grow by exactly the amounts counted (§8.5)"
    );
    ensure!(
        after.rule_used == expected.rule_used,
        "P1: rule sums grow by exactly the rule values (§6.4)"
    );
    ensure!(after.calls == expected.calls, "P1: calls grow by exactly the executions (§10.1)");
    Ok(Outcome::Allowed)
}

/// The most ops in a sequence: 2 under Kani, 3 in the runners.
const OPS_KANI: usize = 2;
const OPS_RUNNERS: usize = 3;

/// From a fresh session, a sequence of ops, each applied when allowed (spec §1.3): the totals
/// the allowed ops moved, computed from their executions by the oracle, never exceed a cap.
pub(crate) fn sequence<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let focus = Focus::draw(src);
    let policy = caps_policy(src, focus);
    // A session only ever holds a valid policy (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let env = env(src, &[1], &[0]);
    let mut session = Session::new(KEY, policy);
    let max_ops = if src.symbolic() { OPS_KANI } else { OPS_RUNNERS };
    let ops = 1 + src.choose_in("ops-1", max_ops, &[1]);
    let mut total = Counters::default();
    let mut allowed_ops = 0;
    for _ in 0..ops {
        let (calls, n) = caps_batch(src, focus, false, &session.policy, &session.counters, 1, &[0]);
        let executions = executions(&calls[..n]);
        if let Ok(after) = check(&session, &env, &executions, ArgDecoding::Strict) {
            let moved = moved(&session.policy, &executions);
            let sum = moved.and_then(|m| plus(&total, &m));
            ensure!(sum.is_some(), "P1: the totals of allowed ops fit in 256 bits (§13.3)");
            total = sum.unwrap_or_default();
            session.counters = after;
            allowed_ops += 1;
        }
        let policy = &session.policy;
        ensure!(
            oracle::native_within(policy, &total),
            "P1: the native value of allowed ops stays within native.total (§7.3)"
        );
        ensure!(
            oracle::tokens_within(policy, &total),
            "P1: the amounts of allowed ops stay within each ERC-20 cap (§8.5)"
        );
        ensure!(
            oracle::rules_within(policy, &total),
            "P1: the rule values of allowed ops stay within each limit (§6.4)"
        );
        ensure!(
            oracle::usage_within(policy, &total),
            "P1: allowed executions stay within the usage limit (§10.1)"
        );
    }
    cover!(src, allowed_ops >= 2, "P1 sequence: two ops are allowed");
    cover!(
        src,
        session
            .policy
            .native
            .is_some_and(|cap| cap.total == total.native_spent && !cap.total.is_zero()),
        "P1 sequence: the native cap is used up exactly"
    );
    Ok(if allowed_ops > 0 { Outcome::Allowed } else { Outcome::Denied })
}
