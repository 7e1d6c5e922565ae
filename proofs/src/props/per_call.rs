//! Property 2: every allowed execution respects the per-call caps (spec §7.1, §7.2).
//!
//! The per-call caps on arguments (`lte`, `in_range`, ... on a value) are rule conditions; they
//! are property 6's ("satisfies its argument rules").

use alloy_primitives::U256;
use leash_model::{
    ArgDecoding, BoundedVec, NativeCap, Permission, Policy, Selector, Session, Status, Target,
};

use crate::oracle;
use crate::source::Source;
use crate::sut::CheckFn;
use crate::world::{
    BATCH_KANI, BATCH_RUNNERS, CAP, Call, GAME, KEY, OTHER, SPEND, below, env, executions,
};
use crate::{CaseResult, Outcome};

/// A policy that allows plain transfers and `spend` calls to any target, with an optional
/// native cap whose per-call cap is drawn independently of its total.
fn policy<S: Source>(src: &mut S) -> Policy {
    let mut permissions = BoundedVec::new();
    for selector in [Selector::Empty, Selector::Exact(SPEND)] {
        let p = Permission { target: Target::Any, selector, ..Permission::default() };
        permissions.push(p).expect("capacity");
    }
    let native = if src.bool("policy.native?") {
        let per_call = src.u256_in("policy.native.per_call", &[U256::ZERO, CAP, U256::MAX]);
        let total = src.u256_in("policy.native.total", &[CAP, U256::MAX]);
        Some(NativeCap { per_call, total, ..NativeCap::default() })
    } else {
        None
    };
    Policy {
        valid_after: src.u64_in("policy.valid_after", &[0]),
        valid_until: src.u64_in("policy.valid_until", &[0]),
        permissions,
        native,
        ..Policy::default()
    }
}

/// allowed ⇒ every execution's value is at most `per_call` (zero without a native cap).
pub(crate) fn body<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let policy = policy(src);
    // A session only ever holds a valid policy (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let mut counters = leash_model::Counters::default();
    if let Some(cap) = policy.native {
        counters.native_spent = src.u256_in("counters.native_spent", &below(cap.total));
    }
    // Reachable counters only: the invariant holds in every reachable state (property 1).
    assume!(src, oracle::invariant(&policy, &counters));
    let env = env(src, &[1], &[0]);
    let per_call = policy.native.map_or(U256::ZERO, |cap| cap.per_call);
    let max = if src.symbolic() { BATCH_KANI } else { BATCH_RUNNERS };
    let n = 1 + src.choose_in("batch.len-1", max, &[0, 1]);
    let mut calls = [Call::new(OTHER, U256::ZERO); BATCH_RUNNERS];
    for call in calls.iter_mut().take(n) {
        let hint = [U256::ZERO, U256::from(1), per_call, per_call.saturating_add(U256::from(1))];
        let value = src.u256_in("call.value", &hint);
        let spend = src.bool_in("call.spend?", &[false]);
        let target = src.address_in("call.target", &[if spend { GAME } else { OTHER }]);
        *call = Call::new(target, value);
        if spend {
            call.push(&SPEND);
        }
    }
    let executions = executions(&calls[..n]);
    let session = Session { key: KEY, policy, status: Status::Active, counters };

    let result = check(&session, &env, &executions, ArgDecoding::Strict);
    cover!(
        src,
        result.is_ok() && executions.iter().any(|x| !x.value.is_zero() && x.value == per_call),
        "P2: an execution sending exactly the per-call cap is allowed"
    );
    if result.is_err() {
        return Ok(Outcome::Denied);
    }
    for x in executions.iter() {
        match &session.policy.native {
            Some(cap) => ensure!(
                x.value <= cap.per_call,
                "P2: an allowed execution sends at most per_call (§7.2)"
            ),
            None => ensure!(
                x.value.is_zero(),
                "P2: without a native cap an allowed execution sends nothing (§7.1)"
            ),
        }
    }
    Ok(Outcome::Allowed)
}
