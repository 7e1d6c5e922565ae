//! Properties 13 and 14: the gas rule (spec §16) and the chain list (spec §17).
//!
//! * 13, step: an allowed op respects the paymaster rule, the fee cap and the per-op limit, and
//!   moves the gas counter by exactly its cost, within the total; the model allows exactly the
//!   ops [`expected`] (an independent restatement of §16 in 256-bit arithmetic) allows.
//! * 13, sequence: over a sequence of ops from a fresh session, the costs of the allowed ops add
//!   up to at most the total: **the session's total gas cost never exceeds its limit**.
//! * 14: no op is allowed on a chain outside the policy's list, and on a listed chain the list
//!   never denies.
//!
//! The bodies draw every gas value over its whole 128-bit type (Kani) with hints at the
//! EntryPoint's bound `2^120 - 1` and around the limits.

use alloy_primitives::{Address, U256, address};
use leash_model::bounds::MAX_CHAINS;
use leash_model::{
    ArgDecoding, BoundedVec, Counters, DenyReason, Env, GasLimit, OpGas, PaymasterRule, Permission,
    Policy, Selector, Session, Status, Target,
};

use crate::source::Source;
use crate::sut::CheckOpFn;
use crate::world::{ACCOUNT, Call, GAME, KEY, MODULE, executions};
use crate::{CaseResult, Outcome};

/// The paymaster a policy may list.
pub(crate) const PAYMASTER: Address = address!("0x000000000000000000000000000000000000fa70");
/// A paymaster no policy lists.
pub(crate) const OTHER_PAYMASTER: Address = address!("0x000000000000000000000000000000000000fa71");

/// The largest gas value the EntryPoint admits (`AA94`).
const ENTRY_POINT_MAX: u128 = (1 << 120) - 1;

/// A cost the hints use for limits: two gas limits of 100 at a fee of 7.
const COST: U256 = U256::from_limbs([1400, 0, 0, 0]);

/// The policy of these harnesses: plain calls to the game, the window always open, and a gas
/// rule whose every part is optional.
fn gas_policy<S: Source>(src: &mut S) -> Policy {
    let paymaster = match src.choose("gas.paymaster", 3) {
        0 => PaymasterRule::Any,
        1 => PaymasterRule::Required,
        _ => {
            let mut list = BoundedVec::new();
            list.push(src.address_in("gas.paymasters[0]", &[PAYMASTER])).expect("capacity");
            PaymasterRule::OneOf(list)
        }
    };
    let max_fee_per_gas = src
        .bool("gas.max_fee?")
        .then(|| u128_in(src, ("gas.max_fee_per_gas.hi", "gas.max_fee_per_gas.lo"), &[7]));
    let per_op =
        src.bool("gas.per_op?").then(|| src.u256_in("gas.per_op", &[U256::ZERO, COST, U256::MAX]));
    let total = src
        .bool("gas.total?")
        .then(|| src.u256_in("gas.total", &[U256::ZERO, COST, COST + COST, U256::MAX]));
    Policy {
        permissions: game_permission(),
        gas: Some(GasLimit { paymaster, max_fee_per_gas, per_op, total }),
        ..Policy::default()
    }
}

fn game_permission() -> BoundedVec<Permission, { leash_model::bounds::MAX_PERMISSIONS }> {
    let mut permissions = BoundedVec::new();
    let p = Permission {
        target: Target::Address(GAME),
        selector: Selector::Empty,
        ..Default::default()
    };
    permissions.push(p).expect("capacity");
    permissions
}

/// A `u128` as two 64-bit draws labelled `(high, low)` (the [`Source`] has no 128-bit draw),
/// hinted by `hint`.
fn u128_in<S: Source>(src: &mut S, labels: (&'static str, &'static str), hint: &[u128]) -> u128 {
    let high_hint: Vec<u64> = hint.iter().map(|h| (h >> 64) as u64).collect();
    let low_hint: Vec<u64> = hint.iter().map(|h| *h as u64).collect();
    let high = src.u64_in(labels.0, &dedup(&high_hint));
    let low = src.u64_in(labels.1, &dedup(&low_hint));
    (u128::from(high) << 64) | u128::from(low)
}

fn dedup(values: &[u64]) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for v in values {
        if !out.contains(v) {
            out.push(*v);
        }
    }
    out
}

/// An op's gas terms: every value any 128-bit number. `wide` hints: the verification limit at
/// 0 and the EntryPoint's bound, the fee around the cap's hint, the paymaster none, listed or
/// another; otherwise a cost of [`COST`] paid by the account or the listed paymaster.
fn op_gas<S: Source>(src: &mut S, wide: bool) -> OpGas {
    let (verification, fees, paymasters): (&[u128], &[u128], &[Address]) = if wide {
        (&[0, ENTRY_POINT_MAX], &[0, 7, 8], &[Address::ZERO, PAYMASTER, OTHER_PAYMASTER])
    } else {
        (&[0], &[7], &[Address::ZERO, PAYMASTER])
    };
    let paymaster = src.address_in("op.paymaster", paymasters);
    let sponsored = !paymaster.is_zero();
    let pm_limit = |src: &mut S, label| {
        let value = u128_in(src, label, &[0]);
        // Without a paymaster the EntryPoint reads no paymaster limits (they are zero).
        if sponsored { value } else { 0 }
    };
    OpGas {
        verification_gas_limit: u128_in(
            src,
            ("op.verification_gas_limit.hi", "op.verification_gas_limit.lo"),
            verification,
        ),
        call_gas_limit: u128_in(src, ("op.call_gas_limit.hi", "op.call_gas_limit.lo"), &[100]),
        pre_verification_gas: u128_in(
            src,
            ("op.pre_verification_gas.hi", "op.pre_verification_gas.lo"),
            &[100],
        ),
        max_fee_per_gas: u128_in(src, ("op.max_fee_per_gas.hi", "op.max_fee_per_gas.lo"), fees),
        paymaster,
        paymaster_verification_gas_limit: pm_limit(
            src,
            ("op.paymaster_verification_gas_limit.hi", "op.paymaster_verification_gas_limit.lo"),
        ),
        paymaster_post_op_gas_limit: pm_limit(
            src,
            ("op.paymaster_post_op_gas_limit.hi", "op.paymaster_post_op_gas_limit.lo"),
        ),
    }
}

/// The op's cost restated: the five limits added in 256 bits and multiplied in 256 bits
/// (never overflowing, as each is below `2^128`), independently of [`OpGas::max_cost`].
fn cost(gas: &OpGas) -> U256 {
    let sum = [
        gas.verification_gas_limit,
        gas.call_gas_limit,
        gas.pre_verification_gas,
        gas.paymaster_verification_gas_limit,
        gas.paymaster_post_op_gas_limit,
    ]
    .iter()
    .fold(U256::ZERO, |acc, g| acc + U256::from(*g));
    sum * U256::from(gas.max_fee_per_gas)
}

/// §16 restated: the reason the rule denies `gas` with `spent` counted, or `None`. Where the
/// model's 128-bit sum overflows (gas values the EntryPoint never admits) the model denies at
/// the first limit; this restatement treats the sum exactly, so callers compare the two only
/// for sums below `2^128`.
fn expected(rule: &GasLimit, gas: &OpGas, spent: U256) -> Option<DenyReason> {
    let sponsored = !gas.paymaster.is_zero();
    match &rule.paymaster {
        PaymasterRule::Any => {}
        PaymasterRule::Required | PaymasterRule::OneOf(_) if !sponsored => {
            return Some(DenyReason::PaymasterRequired);
        }
        PaymasterRule::Required => {}
        PaymasterRule::OneOf(list) if !list.as_slice().contains(&gas.paymaster) => {
            return Some(DenyReason::Paymaster);
        }
        PaymasterRule::OneOf(_) => {}
    }
    if rule.max_fee_per_gas.is_some_and(|cap| gas.max_fee_per_gas > cap) {
        return Some(DenyReason::GasFee);
    }
    let cost = cost(gas);
    if rule.per_op.is_some_and(|per_op| cost > per_op) {
        return Some(DenyReason::GasPerOp);
    }
    if let Some(total) = rule.total
        && spent.checked_add(cost).is_none_or(|after| after > total)
    {
        return Some(DenyReason::GasTotal);
    }
    None
}

fn env(chain_id: u64) -> Env {
    Env { chain_id, ..Env::new(1, ACCOUNT, MODULE) }
}

/// One plain call to the game: what the gas harnesses' ops execute.
fn game_call() -> [Call; 1] {
    [Call::new(GAME, U256::ZERO)]
}

/// Property 13, one op.
pub(crate) fn step<S: Source>(src: &mut S, check: CheckOpFn) -> CaseResult {
    let policy = gas_policy(src);
    // A session only ever holds a valid policy (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let rule = policy.gas.expect("the gas policy has a gas rule");
    let mut counters = Counters::default();
    if let Some(total) = rule.total {
        counters.gas_spent = src.u256_in("counters.gas_spent", &[U256::ZERO, total]);
        // Reachable counters only: the counter never exceeds the total (this property, by
        // induction from a fresh session, whose counter is zero).
        assume!(src, counters.gas_spent <= total);
    }
    let gas = op_gas(src, true);
    let calls = game_call();
    let executions = executions(&calls);
    let session = Session { key: KEY, policy, status: Status::Active, counters };
    let result = check(&session, &env(1), &gas, &executions, ArgDecoding::Strict);
    let in_128 = gas.required_gas().is_some();
    cover!(
        src,
        result.is_ok()
            && rule
                .total
                .is_some_and(|t| !t.is_zero() && result.as_ref().is_ok_and(|c| c.gas_spent == t)),
        "P13: an op that spends exactly what the total has left is allowed"
    );
    cover!(
        src,
        result.as_ref().is_err_and(|d| d.reason == DenyReason::GasTotal),
        "P13: an op over what the total has left is denied"
    );
    if in_128 {
        ensure!(
            result.as_ref().err().map(|d| d.reason) == expected(&rule, &gas, counters.gas_spent),
            "P13: the model allows exactly what §16 allows (§16.1 to §16.4)"
        );
    }
    let Ok(after) = result else {
        return Ok(Outcome::Denied);
    };
    let sponsored = !gas.paymaster.is_zero();
    match &rule.paymaster {
        PaymasterRule::Any => {}
        PaymasterRule::Required => {
            ensure!(sponsored, "P13: a required paymaster pays every allowed op (§16.1.1)");
        }
        PaymasterRule::OneOf(list) => ensure!(
            list.as_slice().contains(&gas.paymaster),
            "P13: a listed paymaster pays every allowed op (§16.1.2)"
        ),
    }
    ensure!(
        rule.max_fee_per_gas.is_none_or(|cap| gas.max_fee_per_gas <= cap),
        "P13: an allowed op's maxFeePerGas is within the cap (§16.2)"
    );
    let cost = cost(&gas);
    ensure!(
        rule.per_op.is_none_or(|per_op| cost <= per_op),
        "P13: an allowed op costs at most the per-op limit (§16.3)"
    );
    match rule.total {
        Some(total) => {
            ensure!(
                counters.gas_spent.checked_add(cost) == Some(after.gas_spent),
                "P13: the gas counter grows by exactly the op's cost (§16.4)"
            );
            ensure!(
                after.gas_spent <= total,
                "P13: the gas counter stays within the total (§16.4)"
            );
        }
        None => ensure!(
            after.gas_spent == counters.gas_spent,
            "P13: without a total the gas counter does not move (§16.4)"
        ),
    }
    Ok(Outcome::Allowed)
}

/// The most ops a sequence holds.
const SEQUENCE: usize = 3;

/// Property 13 over a sequence of ops from a fresh session.
pub(crate) fn sequence<S: Source>(src: &mut S, check: CheckOpFn) -> CaseResult {
    let policy = gas_policy(src);
    // A session only ever holds a valid policy (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let rule = policy.gas.expect("the gas policy has a gas rule");
    let calls = game_call();
    let executions = executions(&calls);
    let mut session = Session::new(KEY, policy);
    let n = 1 + src.choose_in("ops-1", SEQUENCE, &[SEQUENCE - 1]);
    let mut paid = U256::ZERO;
    let mut allowed = 0;
    for _ in 0..n {
        let gas = op_gas(src, false);
        let Ok(after) = check(&session, &env(1), &gas, &executions, ArgDecoding::Strict) else {
            continue;
        };
        allowed += 1;
        // An allowed op's cost is below 2^243 and at most `total` is ever paid: no overflow.
        paid = paid.saturating_add(cost(&gas));
        session.counters = after;
        if let Some(total) = rule.total {
            ensure!(paid <= total, "P13: the session's ops never cost more than its total (§16.4)");
            ensure!(
                session.counters.gas_spent == paid,
                "P13: the gas counter is the sum of the allowed ops' costs (§16.4)"
            );
        }
    }
    cover!(
        src,
        allowed >= 2 && rule.total.is_some_and(|t| paid == t && !t.is_zero()),
        "P13: two or more ops use the total up exactly"
    );
    Ok(if allowed > 0 { Outcome::Allowed } else { Outcome::Denied })
}

/// Property 14: the chain list.
pub(crate) fn chain<S: Source>(src: &mut S, check: CheckOpFn) -> CaseResult {
    let chains = if src.bool("policy.chains?") {
        let len = 1 + src.choose_in("policy.chains.len-1", MAX_CHAINS, &[0, 1]);
        let mut list = BoundedVec::new();
        for _ in 0..len {
            list.push(src.u64_in("policy.chain", &[10, 8453])).expect("at most MAX_CHAINS");
        }
        Some(list)
    } else {
        None
    };
    let policy = Policy { permissions: game_permission(), chains, ..Policy::default() };
    // A session only ever holds a valid policy (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let chain_id = src.u64_in("env.chain_id", &[1, 10, 8453, u64::MAX]);
    let calls = game_call();
    let executions = executions(&calls);
    let session = Session::new(KEY, policy);
    let listed = session.policy.chains.is_none_or(|c| c.as_slice().contains(&chain_id));
    let result = check(&session, &env(chain_id), &OpGas::FREE, &executions, ArgDecoding::Strict);
    cover!(
        src,
        result.is_ok() && session.policy.chains.is_some(),
        "P14: a listed chain is allowed"
    );
    if result.is_ok() {
        ensure!(listed, "P14: no op is allowed on a chain outside the list (§17.1)");
        return Ok(Outcome::Allowed);
    }
    ensure!(!listed, "P14: on a listed chain the chain list never denies (§17.1)");
    Ok(Outcome::Denied)
}
