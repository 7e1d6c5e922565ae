//! Property 10: a batch's total spend is bounded by the cap remaining before it (spec §13.2).

use leash_model::{ArgDecoding, Session, Status};

use super::{moved, within_remaining};
use crate::oracle;
use crate::source::Source;
use crate::sut::CheckFn;
use crate::world::{Focus, KEY, caps_batch, caps_counters, caps_policy, env, executions};
use crate::{CaseResult, Outcome};

/// allowed batch ⇒ for each cap, the sum over the batch is at most what was left before it:
/// native value, each ERC-20 cap, each limited rule, and the usage limit.
pub(crate) fn body<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let focus = Focus::draw(src);
    let policy = caps_policy(src, focus);
    // A session only ever holds a valid policy (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let before = caps_counters(src, &policy, false);
    // Reachable counters only (the invariant of property 1 holds in every reachable state).
    assume!(src, oracle::invariant(&policy, &before));
    let env = env(src, &[1], &[0]);
    let (calls, n) = caps_batch(src, focus, false, &policy, &before, 2, &[0]);
    let executions = executions(&calls[..n]);
    let session = Session { key: KEY, policy, status: Status::Active, counters: before };

    let result = check(&session, &env, &executions, ArgDecoding::Strict);
    let policy = &session.policy;
    let exact = |m: &leash_model::Counters| {
        policy.native.is_some_and(|cap| {
            !m.native_spent.is_zero() && before.native_spent + m.native_spent == cap.total
        })
    };
    let moved = moved(policy, &executions);
    cover!(
        src,
        result.is_ok() && moved.as_ref().is_some_and(exact),
        "P10: a batch spends exactly the native value left"
    );
    if result.is_err() {
        return Ok(Outcome::Denied);
    }
    ensure!(moved.is_some(), "P10: what an allowed batch moves fits in 256 bits (§13.3)");
    let m = moved.unwrap_or_default();
    match &policy.native {
        Some(cap) => ensure!(
            within_remaining(m.native_spent, cap.total, before.native_spent),
            "P10: a batch sends at most the native value left before it (§7.3)"
        ),
        None => ensure!(
            m.native_spent.is_zero(),
            "P10: without a native cap a batch sends nothing (§7.1)"
        ),
    }
    for (index, cap) in policy.erc20.iter().enumerate() {
        ensure!(
            within_remaining(m.token_spent[index], cap.limit, before.token_spent[index]),
            "P10: a batch moves at most the token amount left before it (§8.5)"
        );
    }
    for (p, permission) in policy.permissions.iter().enumerate() {
        for (r, rule) in permission.rules.iter().enumerate() {
            if let Some(limit) = rule.limit {
                ensure!(
                    within_remaining(m.rule_used[p][r], limit, before.rule_used[p][r]),
                    "P10: a batch's rule values sum to at most what the limit had left (§6.4)"
                );
            }
        }
    }
    let limit = policy.usage_limit.unwrap_or(u64::MAX);
    ensure!(
        before.calls <= limit && m.calls <= limit - before.calls,
        "P10: a batch makes at most the calls the usage limit had left (§10.1)"
    );
    Ok(Outcome::Allowed)
}
