//! The spec, restated independently of the model's implementation: what the harnesses compare
//! the model against.
//!
//! Each function is a direct reading of a clause of `docs/spec.md`, written without calling the
//! model function that implements that clause, so that a bug in the model is not repeated here.
//! Two deliberate exceptions, both documented where used: ABI argument *values* as the callee
//! sees them are read with the model's Solidity-compatible decoder (a separate code path from
//! the strict decoder under test), and `U256` arithmetic is ruint's.

use alloy_primitives::{Address, U256};
use leash_model::abi::args::ArgValue;
use leash_model::bounds::{MAX_PERMISSIONS, MAX_RATE, MAX_RULES, MAX_TOKENS, TIME_MAX};
use leash_model::selectors::TRANSFER_FROM;
use leash_model::{
    ArgRule, Condition, Counters, PeriodClock, PeriodSpend, PeriodicAllowance, Policy, Selector,
    StreamOverflow, StreamingAllowance, Target, WindowPredicate,
};

/// spec §11 table: whether `now` satisfies the lower bound (§11.1) and the upper bound (§11.2).
pub(crate) fn window(
    predicate: WindowPredicate,
    valid_after: u64,
    valid_until: u64,
    now: u64,
) -> (bool, bool) {
    let entry_point =
        matches!(predicate, WindowPredicate::EntryPointV08 | WindowPredicate::EntryPointV07);
    // The EntryPoint does not time-check `validationData == 0`, which is what no bounds pack to.
    if entry_point && valid_after == 0 && valid_until == 0 {
        return (true, true);
    }
    let until = if valid_until == 0 { TIME_MAX } else { valid_until };
    match predicate {
        WindowPredicate::EntryPointV08 => (valid_after < now, now <= until),
        WindowPredicate::EntryPointV07 => (valid_after <= now, now <= until),
        WindowPredicate::HalfOpen => (valid_after <= now, valid_until == 0 || now < valid_until),
        WindowPredicate::Exclusive => {
            (valid_after == 0 || now > valid_after, valid_until == 0 || now < valid_until)
        }
    }
}

/// spec §5.1 and §5.3: the index of the permission an execution falls under, if any. One pass,
/// remembering the first wildcard, unlike the model's two lookups.
pub(crate) fn permission_for(policy: &Policy, target: Address, data: &[u8]) -> Option<usize> {
    let selector = match data {
        [] => Selector::Empty,
        [a, b, c, d, ..] => Selector::Exact([*a, *b, *c, *d]),
        _ => return None,
    };
    let mut wildcard = None;
    for (index, permission) in policy.permissions.iter().enumerate() {
        if permission.selector != selector {
            continue;
        }
        match permission.target {
            Target::Address(a) if a == target => return Some(index),
            Target::Any if wildcard.is_none() => wildcard = Some(index),
            _ => {}
        }
    }
    wildcard
}

/// spec §6.3: whether `x` satisfies the condition, each comparison written with `x` on the
/// side the spec's table puts it.
pub(crate) fn condition_holds(condition: &Condition, x: U256) -> bool {
    match condition {
        Condition::Eq(r) => x == *r,
        Condition::Neq(r) => x != *r,
        Condition::Gt(r) => *r < x,
        Condition::Gte(r) => *r <= x,
        Condition::Lt(r) => x < *r,
        Condition::Lte(r) => x <= *r,
        Condition::InRange { lo, hi } => *lo <= x && x <= *hi,
        Condition::OneOf(values) => {
            let mut found = false;
            for r in values.iter() {
                found |= *r == x;
            }
            found
        }
    }
}

/// spec §6.2: the value a rule reads from an argument, if its slice lies inside the content.
pub(crate) fn rule_value(rule: &ArgRule, value: ArgValue<'_>) -> Option<U256> {
    match value {
        ArgValue::Word(w) => Some(w),
        ArgValue::Dynamic(content) => {
            let slice = rule.slice?;
            let start = usize::try_from(slice.offset).ok()?;
            let length = usize::from(slice.length);
            if length == 0 || length > 32 || start > content.len() || length > content.len() - start
            {
                return None;
            }
            let mut word = [0u8; 32];
            word[32 - length..].copy_from_slice(&content[start..start + length]);
            Some(U256::from_be_bytes(word))
        }
    }
}

/// The amount an ERC-20 call moves (spec §8.5): its `amount` argument, the last static word of
/// `transfer`/`approve`/`increaseAllowance(address,uint256)` (word 1) and of
/// `transferFrom(address,address,uint256)` (word 2), read at its fixed head position as any
/// decoder reads a static argument. Zero when the calldata is too short to hold it.
pub(crate) fn token_amount(data: &[u8]) -> U256 {
    let index = if data.get(..4) == Some(&TRANSFER_FROM[..]) { 2 } else { 1 };
    let at = 4 + 32 * index;
    match data.get(at..at + 32) {
        Some(word) => {
            let mut w = [0u8; 32];
            w.copy_from_slice(word);
            U256::from_be_bytes(w)
        }
        None => U256::ZERO,
    }
}

/// The index of the ERC-20 cap on `token`, if the policy caps it (spec §8).
pub(crate) fn token_cap_index(policy: &Policy, token: Address) -> Option<usize> {
    let mut found = None;
    for (index, cap) in policy.erc20.iter().enumerate() {
        if found.is_none() && cap.token == token {
            found = Some(index);
        }
    }
    found
}

/// spec §7: the native value spent stays within the cap (zero without one).
pub(crate) fn native_within(policy: &Policy, c: &Counters) -> bool {
    match &policy.native {
        Some(cap) => c.native_spent <= cap.total,
        None => c.native_spent.is_zero(),
    }
}

/// spec §8.5: each token's counter stays within its cap; counters past the caps stay zero.
pub(crate) fn tokens_within(policy: &Policy, c: &Counters) -> bool {
    let mut ok = true;
    for index in 0..MAX_TOKENS {
        ok &= match policy.erc20.get(index) {
            Some(cap) => c.token_spent[index] <= cap.limit,
            None => c.token_spent[index].is_zero(),
        };
    }
    ok
}

/// spec §6.4: each limited rule's sum stays within its limit; every other slot stays zero.
pub(crate) fn rules_within(policy: &Policy, c: &Counters) -> bool {
    let mut ok = true;
    for p in 0..MAX_PERMISSIONS {
        for r in 0..MAX_RULES {
            let limit = policy.permissions.get(p).and_then(|perm| perm.rules.get(r)?.limit);
            ok &= match limit {
                Some(limit) => c.rule_used[p][r] <= limit,
                None => c.rule_used[p][r].is_zero(),
            };
        }
    }
    ok
}

/// spec §10.1: the call counter stays within the usage limit (`2^64 - 1` without one).
pub(crate) fn usage_within(policy: &Policy, c: &Counters) -> bool {
    c.calls <= policy.usage_limit.unwrap_or(u64::MAX)
}

/// spec §9: the rate ring is well formed. With a rate limit `max_calls = m`: the head is a slot
/// of the ring (`head < m`), slots past `m` are never written, and before the ring is full the
/// head is the number of calls made. Without one, the ring is untouched.
pub(crate) fn rate_well_formed(policy: &Policy, c: &Counters) -> bool {
    let m = policy.rate_limit.map_or(0, |rate| usize::from(rate.max_calls));
    let head = usize::from(c.rate_head);
    let mut ok = if m == 0 { head == 0 } else { head < m };
    if c.calls < m as u64 {
        ok &= head as u64 == c.calls;
    }
    for slot in m.min(MAX_RATE)..MAX_RATE {
        ok &= c.rate_ring[slot] == 0;
    }
    ok
}

/// spec §15.1: the time periods are read at: `now`, or the minute it falls in. Written with a
/// division, where the model subtracts a remainder.
pub(crate) fn period_time(now: u64, clock: PeriodClock) -> u64 {
    match clock {
        PeriodClock::Seconds => now,
        PeriodClock::Minutes => now / 60 * 60,
    }
}

/// spec §15.2 under the `Aligned` anchor: the start of the period holding `t` (`t >= start`),
/// `start + k * period` with `k` the number of whole periods since `start`.
pub(crate) fn aligned_period_start(p: &PeriodicAllowance, t: u64) -> u64 {
    p.start + (t - p.start) / p.period * p.period
}

/// spec §15.3: what a stream has unlocked at `now`, read straight off the clause with 256-bit
/// arithmetic (the model assembles `rate * elapsed` from 64-bit halves instead). `None` when
/// `initial + rate * elapsed` overflows and the semantics deny it.
pub(crate) fn unlocked(s: &StreamingAllowance, now: u64, overflow: StreamOverflow) -> Option<U256> {
    if now < s.start {
        return Some(U256::ZERO);
    }
    // A 128-bit rate times a 64-bit duration is below 2^192: the product always fits.
    let accrued = U256::from(s.rate) * U256::from(now - s.start);
    match s.initial.checked_add(accrued) {
        Some(sum) if sum > s.max => Some(s.max),
        Some(sum) => Some(sum),
        None if overflow == StreamOverflow::Saturate => Some(s.max),
        None => None,
    }
}

/// spec §7.4, §8.6: each periodic allowance's counter stays within its amount; counters of caps
/// without one stay zero.
pub(crate) fn periods_within(policy: &Policy, c: &Counters) -> bool {
    let within = |p: Option<PeriodicAllowance>, counter: PeriodSpend| match p {
        Some(p) => counter.spent <= p.amount,
        None => counter == PeriodSpend::default(),
    };
    let mut ok = within(policy.native.and_then(|cap| cap.periodic), c.native_period);
    for index in 0..MAX_TOKENS {
        ok &= within(policy.erc20.get(index).and_then(|cap| cap.periodic), c.token_period[index]);
    }
    ok
}

/// The step invariant of the counters: every cumulative counter within its cap, and the rate
/// ring well formed. It holds for fresh counters (all zero) and every proof of property 1
/// shows an allowed op preserves it, so it holds in every reachable state.
pub(crate) fn invariant(policy: &Policy, c: &Counters) -> bool {
    native_within(policy, c)
        && tokens_within(policy, c)
        && rules_within(policy, c)
        && usage_within(policy, c)
        && rate_well_formed(policy, c)
        && periods_within(policy, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use leash_model::{Permission, RateLimit};

    #[test]
    fn fresh_counters_satisfy_the_invariant() {
        let policy = Policy {
            usage_limit: Some(0),
            rate_limit: Some(RateLimit { max_calls: 3, interval: 10 }),
            ..Policy::default()
        };
        assert!(invariant(&policy, &Counters::default()));
        let bad_head = Counters { rate_head: 3, calls: 5, ..Counters::default() };
        assert!(!rate_well_formed(&policy, &bad_head));
    }

    #[test]
    fn lookup_prefers_an_exact_target_over_an_earlier_wildcard() {
        let game = Address::repeat_byte(0x11);
        let mut policy = Policy::default();
        for target in [Target::Any, Target::Address(game)] {
            let p = Permission { target, selector: Selector::Empty, ..Permission::default() };
            policy.permissions.push(p).unwrap();
        }
        assert_eq!(permission_for(&policy, game, &[]), Some(1));
        assert_eq!(permission_for(&policy, Address::ZERO, &[]), Some(0));
        assert_eq!(permission_for(&policy, game, &[1, 2, 3]), None);
    }
}
