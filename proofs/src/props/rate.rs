//! Property 5: usage and rate limits hold: no more than `max_calls` calls in any `interval`, and
//! no more than `usage_limit` calls ever (spec §9, §10).
//!
//! [`step`] proves the rate limit for sequences of any length: a ghost list of the last
//! `max_calls` call timestamps is related to the ring (`R`), and an allowed op both respects the
//! limit and re-establishes `R`. `R` holds for fresh counters (no calls, ring zero, head 0).
//! [`sequence`] runs bounded sequences and counts directly.

use alloy_primitives::U256;
use leash_model::bounds::MAX_RATE;
use leash_model::{
    ArgDecoding, BoundedVec, Counters, DenyReason, Env, Permission, Policy, RateLimit, Selector,
    Session, Status, Target,
};

use crate::oracle;
use crate::source::Source;
use crate::sut::CheckFn;
use crate::world::{ACCOUNT, BATCH_KANI, BATCH_RUNNERS, Call, KEY, MODULE, OTHER, executions};
use crate::{CaseResult, Outcome};

/// A policy allowing plain transfers to anyone, with the given rate and usage limits.
fn policy<S: Source>(src: &mut S, rate: Option<RateLimit>, usage_limit: Option<u64>) -> Policy {
    let transfer =
        Permission { target: Target::Any, selector: Selector::Empty, ..Permission::default() };
    Policy {
        valid_after: src.u64_in("policy.valid_after", &[0]),
        valid_until: src.u64_in("policy.valid_until", &[0]),
        permissions: BoundedVec::try_from_iter([transfer]).expect("capacity"),
        rate_limit: rate,
        usage_limit,
        ..Policy::default()
    }
}

fn usage_limit<S: Source>(src: &mut S, hint: &[bool]) -> Option<u64> {
    if src.bool_in("policy.usage?", hint) {
        Some(src.u64_in("policy.usage_limit", &[2]))
    } else {
        None
    }
}

/// `(head + j) mod m` for `head, j < m`, without a division.
fn slot(head: usize, j: usize, m: usize) -> usize {
    let index = head + j;
    if index >= m { index - m } else { index }
}

/// R(ring, ghost) ∧ allowed ⇒ every new call respects the limit ∧ R(ring', ghost').
pub(crate) fn step<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let max_calls = src.u8_in("policy.rate.max_calls", &[1, 2, 3]);
    let interval = src.u64_in("policy.rate.interval", &[1, 10, u64::MAX]);
    let usage = usage_limit(src, &[false]);
    let policy = policy(src, Some(RateLimit { max_calls, interval }), usage);
    // A session only ever holds a valid policy (spec §2.1): here 1 <= max_calls <= MAX_RATE
    // and interval >= 1 (§12.7).
    assume!(src, policy.validate().is_ok());
    let m = usize::from(max_calls);
    let now_hint = [0, interval.saturating_sub(1), interval, interval.saturating_add(1), u64::MAX];
    let now = src.u64_in("env.now", &now_hint);
    let calls = src.u64_in(
        "counters.calls",
        &[0, u64::from(max_calls) - 1, u64::from(max_calls), u64::from(max_calls) + 1],
    );

    // The ghost: the timestamps of the last min(calls, m) calls, oldest first.
    let k = if calls < m as u64 { calls as usize } else { m };
    let mut ghost = [0u64; MAX_RATE + BATCH_RUNNERS];
    let edge = now.saturating_sub(interval);
    let t_hint = [0, edge.saturating_sub(1), edge, edge.saturating_add(1), now];
    let mut previous = 0;
    for t in ghost.iter_mut().take(k) {
        *t = src.u64_in("ghost.timestamp", &t_hint);
        // Calls happen at non-decreasing block timestamps, none after the current one (spec §9:
        // the guarantee holds when `now` never decreases).
        assume!(src, previous <= *t && *t <= now);
        previous = *t;
    }
    // The ring R relates to the ghost: before the ring is full its slots are the calls in
    // order and the head is the count; once full, the ghost starts at the head and wraps.
    let mut counters = Counters { calls, ..Counters::default() };
    if calls < m as u64 {
        counters.rate_head = calls as u8;
        counters.rate_ring[..k].copy_from_slice(&ghost[..k]);
    } else {
        counters.rate_head = src.u8_in("counters.rate_head", &[0, max_calls - 1]);
        // The head is a slot of the ring (the invariant, property 1).
        assume!(src, usize::from(counters.rate_head) < m);
        for (j, t) in ghost.iter().enumerate().take(m) {
            counters.rate_ring[slot(usize::from(counters.rate_head), j, m)] = *t;
        }
    }
    // Reachable counters only (the invariant of property 1).
    assume!(src, oracle::invariant(&policy, &counters));

    let max = if src.symbolic() { BATCH_KANI } else { BATCH_RUNNERS };
    let n = 1 + src.choose_in("batch.len-1", max, &[0, 1]);
    let calls_made = [Call::new(OTHER, U256::ZERO); BATCH_RUNNERS];
    let executions = executions(&calls_made[..n]);
    let env = Env::new(now, ACCOUNT, MODULE);
    let session = Session { key: KEY, policy, status: Status::Active, counters };

    let result = check(&session, &env, &executions, ArgDecoding::Strict);
    cover!(
        src,
        result.as_ref().is_err_and(|d| d.reason == DenyReason::RateLimit),
        "P5 step: denied by the rate limit"
    );
    cover!(
        src,
        result.is_ok() && k == m && ghost[0] == edge && now >= interval,
        "P5 step: allowed with the oldest call exactly one interval ago"
    );
    let Ok(after) = result else {
        return Ok(Outcome::Denied);
    };
    // The new calls join the ghost, all at `now`.
    for t in ghost.iter_mut().skip(k).take(n) {
        *t = now;
    }
    for i in 0..n {
        // Call `k + i` of the ghost has at least `m` calls before it iff `k + i >= m`; the
        // m-th previous one must be at least one interval old.
        if k + i >= m {
            let oldest = ghost[k + i - m];
            ensure!(
                now >= interval && oldest <= now - interval,
                "P5: an allowed call has fewer than max_calls calls in the interval before it (§9.1)"
            );
        }
    }
    let total = calls.checked_add(n as u64);
    ensure!(
        after.calls.checked_sub(calls) == Some(n as u64),
        "P5: every allowed execution counts one call (§10.1)"
    );
    let total = total.unwrap_or(u64::MAX);
    let recorded = k + n;
    let kept = if recorded < m { recorded } else { m };
    let last = &ghost[recorded - kept..recorded];
    let head = usize::from(after.rate_head);
    if total < m as u64 {
        ensure!(
            head as u64 == total,
            "P5: before the ring is full its head counts the calls (§9.2)"
        );
        ensure!(
            after.rate_ring[..kept] == *last,
            "P5: before the ring is full it holds the calls in order (§9.2)"
        );
    } else {
        ensure!(head < m, "P5: the head stays a slot of the ring (§9.2)");
        let mut exact = true;
        for (j, t) in last.iter().enumerate() {
            exact &= after.rate_ring[slot(head, j, m)] == *t;
        }
        ensure!(
            exact,
            "P5: the ring holds the last max_calls timestamps, oldest at the head (§9.2)"
        );
    }
    Ok(Outcome::Allowed)
}

/// The most ops in a sequence: 3 under Kani, 4 in the runners.
const OPS_KANI: usize = 3;
const OPS_RUNNERS: usize = 4;
const HISTORY: usize = OPS_RUNNERS * BATCH_RUNNERS;

/// From a fresh session, ops at non-decreasing times: counting the allowed calls directly, no
/// call has `max_calls` allowed calls in the interval before it, and no more than `usage_limit`
/// calls are ever allowed.
pub(crate) fn sequence<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let rate = if src.bool_in("policy.rate?", &[true]) {
        let max_calls = src.u8_in("policy.rate.max_calls", &[1, 2]);
        let interval = src.u64_in("policy.rate.interval", &[1, 10]);
        Some(RateLimit { max_calls, interval })
    } else {
        None
    };
    let usage = usage_limit(src, &[false, true]);
    let policy = policy(src, rate, usage);
    // A session only ever holds a valid policy (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let interval = rate.map_or(1, |r| r.interval);
    let mut session = Session::new(KEY, policy);
    let mut history = [0u64; HISTORY];
    let mut recorded = 0;
    let max_ops = if src.symbolic() { OPS_KANI } else { OPS_RUNNERS };
    let ops = 1 + src.choose_in("ops-1", max_ops, &[max_ops - 1]);
    let mut now = src.u64_in("env.now", &[1]);
    let mut denied_by_rate = false;
    for op in 0..ops {
        if op > 0 {
            let hint = [
                now,
                now.saturating_add(1),
                now.saturating_add(interval - 1),
                now.saturating_add(interval),
            ];
            let next = src.u64_in("env.now", &hint);
            // Block timestamps never decrease; the §9 guarantee is stated under that hypothesis.
            assume!(src, next >= now);
            now = next;
        }
        let max = if src.symbolic() { BATCH_KANI } else { BATCH_RUNNERS };
        let n = 1 + src.choose_in("batch.len-1", max, &[0, 1]);
        let calls = [Call::new(OTHER, U256::ZERO); BATCH_RUNNERS];
        let executions = executions(&calls[..n]);
        let env = Env::new(now, ACCOUNT, MODULE);
        match check(&session, &env, &executions, ArgDecoding::Strict) {
            Ok(after) => {
                for _ in 0..n {
                    if let Some(rate) = rate {
                        let mut recent = 0u64;
                        for t in &history[..recorded] {
                            // `t > now - interval`, without underflow.
                            recent +=
                                u64::from(t.checked_add(rate.interval).is_none_or(|end| end > now));
                        }
                        ensure!(
                            recent < u64::from(rate.max_calls),
                            "P5: no interval holds more than max_calls allowed calls (§9)"
                        );
                    }
                    history[recorded] = now;
                    recorded += 1;
                }
                ensure!(
                    recorded as u64 <= session.policy.usage_limit.unwrap_or(u64::MAX),
                    "P5: a session makes at most usage_limit calls (§10.1)"
                );
                session.counters = after;
            }
            Err(denial) => denied_by_rate |= denial.reason == DenyReason::RateLimit,
        }
    }
    cover!(
        src,
        denied_by_rate && recorded >= 2,
        "P5 sequence: the rate limit denies after allowed calls"
    );
    Ok(if recorded > 0 { Outcome::Allowed } else { Outcome::Denied })
}
