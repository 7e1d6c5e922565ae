//! Generator for spec §7.4, §7.5, §8.6, §8.7 and §15: allowances over time on the native and
//! ERC-20 caps, placed around the case's clock, and the times and amounts at their edges.
//!
//! Periods start just before, at or just after `now`, or whole periods earlier; their lengths
//! run from one second to a month. Streams start around `now` with rates from zero to
//! `2^128 - 1` (where `initial + rate * elapsed` overflows). Clock moves land on a period
//! boundary ±1, a few or very many periods later (whole periods skipped), a stream's start ±1
//! or the second its accrual reaches `max`. Amounts land on what a period allows and on what a
//! stream has unlocked at `now`, exactly and one more.

use alloy_primitives::{Address, U256};
use arbitrary::Unstructured;
use leash_model::allowance::unlocked;
use leash_model::bounds::TIME_MAX;
use leash_model::selectors::{APPROVE, TRANSFER};
use leash_model::{
    AbiType, BoundedVec, PeriodicAllowance, Permission, Policy, Selector, StreamOverflow,
    StreamingAllowance, Target,
};

/// Period lengths: a second, a few seconds, a minute, an hour, a day, a week, 30 days.
const PERIODS: [u64; 8] = [1, 2, 10, 60, 3_600, 86_400, 604_800, 30 * 86_400];

/// A start around `now` for an allowance whose natural step is `step` seconds: `now` ±1, a few
/// steps earlier, a little later, or the epoch.
fn start(u: &mut Unstructured<'_>, now: u64, step: u64) -> arbitrary::Result<u64> {
    let start = match u.int_in_range(0u8..=7)? {
        0 => now,
        1 => now.saturating_sub(1),
        2 => now.saturating_add(1),
        3 => now.saturating_sub(step.saturating_mul(u.int_in_range(1..=3)?)),
        4 => now.saturating_sub(step.saturating_sub(1)),
        5 => now.saturating_add(u.int_in_range(0..=600)?),
        6 => 0,
        _ => now.saturating_sub(u.int_in_range(0..=3_600)?),
    };
    // Keep the allowance valid (spec §12.8, §12.9) even when the clock has run past TIME_MAX.
    Ok(start.min(TIME_MAX))
}

/// A cap's allowances over time: none unless the policy is `timed`; then each of a periodic
/// and a streaming allowance half the time. Policies that are not timed keep the shapes the
/// other rules' bugs need (a token amount near `2^256`, a long batch) free of allowances.
pub(super) fn pair(
    u: &mut Unstructured<'_>,
    now: u64,
    unit: U256,
    timed: bool,
) -> arbitrary::Result<(Option<PeriodicAllowance>, Option<StreamingAllowance>)> {
    if !timed {
        return Ok((None, None));
    }
    let periodic = if u.ratio(1, 2)? { Some(periodic(u, now, unit)?) } else { None };
    let streaming = if u.ratio(1, 2)? { Some(streaming(u, now, unit)?) } else { None };
    Ok((periodic, streaming))
}

/// `unit * (1..=5)` per period (sometimes nothing, or no limit), starting around `now`.
fn periodic(
    u: &mut Unstructured<'_>,
    now: u64,
    unit: U256,
) -> arbitrary::Result<PeriodicAllowance> {
    let period = *u.choose(&PERIODS)?;
    let amount = match u.int_in_range(0u8..=7)? {
        0 => U256::ZERO,
        1 => U256::MAX,
        _ => unit.saturating_mul(U256::from(u.int_in_range(1u8..=5)?)),
    };
    Ok(PeriodicAllowance { amount, period, start: start(u, now, period)? })
}

/// A stream starting around `now`: `initial` and `max` in units, a rate from zero to
/// `2^128 - 1` per second.
fn streaming(
    u: &mut Unstructured<'_>,
    now: u64,
    unit: U256,
) -> arbitrary::Result<StreamingAllowance> {
    let initial = match u.int_in_range(0u8..=3)? {
        0 | 1 => U256::ZERO,
        2 => unit,
        _ => unit.saturating_mul(U256::from(3)),
    };
    let max = match u.int_in_range(0u8..=5)? {
        0 => initial,
        1 => U256::MAX,
        // With an initial near 2^256 - 1, any accrual overflows (spec §15.3).
        2 => {
            let top = U256::MAX - U256::from(u.int_in_range(0u8..=3)?);
            return Ok(StreamingAllowance {
                initial: top,
                rate: *u.choose(&[1u128, u128::MAX])?,
                max: U256::MAX,
                start: start(u, now, 1)?,
            });
        }
        _ => initial.saturating_add(unit.saturating_mul(U256::from(u.int_in_range(1u8..=10)?))),
    };
    let unit_per_second = |seconds: u64| u128::try_from(unit / U256::from(seconds)).unwrap_or(1);
    let rate = match u.int_in_range(0u8..=6)? {
        0 => 0,
        1 => 1,
        2 => unit_per_second(1),
        3 => unit_per_second(60),
        4 => unit_per_second(3_600),
        5 => u128::MAX,
        _ => u128::from(u.int_in_range(1u32..=1_000)?),
    };
    Ok(StreamingAllowance { initial, rate, max, start: start(u, now, 60)? })
}

/// For a token cap with an allowance over time, sometimes the permission that spends it: a
/// subscription or a DCA session has `transfer` (or `approve`) on the token next to its allowance
/// (spec §8.6, §8.7). Without it the allowance only ever meets §5's denial.
pub(super) fn spending_permission(
    u: &mut Unstructured<'_>,
    policy: &Policy,
) -> arbitrary::Result<Option<Permission>> {
    let timed: Vec<Address> = policy
        .erc20
        .iter()
        .filter(|cap| cap.periodic.is_some() || cap.streaming.is_some())
        .map(|cap| cap.token)
        .collect();
    if timed.is_empty() || u.ratio(1, 4)? {
        return Ok(None);
    }
    let token = *u.choose(&timed)?;
    let selector = if u.ratio(3, 4)? { TRANSFER } else { APPROVE };
    let args = BoundedVec::try_from_iter([AbiType::Address, AbiType::Uint(256)]).expect("two");
    Ok(Some(Permission {
        target: Target::Address(token),
        selector: Selector::Exact(selector),
        args: Some(args),
        rules: BoundedVec::new(),
    }))
}

/// The allowances over time of `policy`: the native cap's, then each ERC-20 cap's.
fn all(policy: &Policy) -> (Vec<PeriodicAllowance>, Vec<StreamingAllowance>) {
    let native = policy.native.iter().map(|cap| (cap.periodic, cap.streaming));
    let tokens = policy.erc20.iter().map(|cap| (cap.periodic, cap.streaming));
    let (periodic, streaming): (Vec<_>, Vec<_>) = native.chain(tokens).unzip();
    (periodic.into_iter().flatten().collect(), streaming.into_iter().flatten().collect())
}

/// The first period boundary at or after `now` (or `start` itself before it).
fn next_boundary(p: &PeriodicAllowance, now: u64) -> u64 {
    if now <= p.start {
        return p.start;
    }
    let into = (now - p.start) % p.period;
    if into == 0 { now } else { now.saturating_add(p.period - into) }
}

/// The second a stream's accrual first reaches its `max`, if it ever does before `TIME_MAX`.
fn stream_full(s: &StreamingAllowance) -> Option<u64> {
    if s.rate == 0 {
        return None;
    }
    let needed = s.max.saturating_sub(s.initial);
    let rate = U256::from(s.rate);
    let seconds = needed.div_ceil(rate);
    u64::try_from(seconds).ok().and_then(|seconds| s.start.checked_add(seconds))
}

/// The next block timestamp for a policy with allowances over time, never earlier than `now`:
/// a period boundary ±1 (the next one, the one after, or one many periods later), a stream's
/// start ±1, or the second a stream reaches its maximum ±1. `None` without allowances.
pub(super) fn next_time(
    u: &mut Unstructured<'_>,
    policy: &Policy,
    now: u64,
) -> arbitrary::Result<Option<u64>> {
    let (periodic, streaming) = all(policy);
    // Just after a boundary: what was spent on the boundary second belongs to the period that
    // began then, which the next seconds show (a boundary counted in the old period shows here).
    if periodic.iter().any(|p| next_boundary(p, now) == now) && u.ratio(1, 2)? {
        let step = if u.ratio(2, 3)? { 1 } else { u.int_in_range(2..=3)? };
        return Ok(Some(now.saturating_add(step)));
    }
    // The edge itself twice as often as either neighbour.
    let jitter = match u.int_in_range(0u8..=3)? {
        0 | 1 => 0,
        2 => -1,
        _ => 1,
    };
    let edge = if !periodic.is_empty() && (streaming.is_empty() || u.ratio(2, 3)?) {
        let p = u.choose(&periodic)?;
        let boundary = next_boundary(p, now);
        match u.int_in_range(0u8..=5)? {
            0..=2 => boundary,
            3 => boundary.saturating_add(p.period),
            // Whole periods skipped: a few, or very many.
            4 => boundary.saturating_add(p.period.saturating_mul(u.int_in_range(2..=5)?)),
            _ => boundary.saturating_add(p.period.saturating_mul(u.int_in_range(1_000..=1 << 20)?)),
        }
    } else if let Ok(s) = u.choose(&streaming) {
        match stream_full(s) {
            Some(full) if u.ratio(1, 2)? => full,
            _ if now < s.start || u.ratio(1, 2)? => s.start,
            _ => now.saturating_add(u.int_in_range(1..=120)?),
        }
    } else {
        return Ok(None);
    };
    Ok(Some(edge.saturating_add_signed(jitter).max(now)))
}

/// The seconds of a straddle: around a period boundary `b` (the next one, or one many periods
/// on), `[b - 1, b]`, `[b, b + 1]`, `[b - 1, b, b + 1]` or `[b, b + period - 1]` (a period's first
/// and last second); around a stream's start likewise. Never earlier than `now`; empty without
/// allowances over time.
pub(super) fn straddle(
    u: &mut Unstructured<'_>,
    policy: &Policy,
    now: u64,
) -> arbitrary::Result<Vec<u64>> {
    let (periodic, streaming) = all(policy);
    let (edge, last) = if !periodic.is_empty() && (streaming.is_empty() || u.ratio(3, 4)?) {
        let p = u.choose(&periodic)?;
        // The next boundary, one a few periods on (the period before it untouched), or one very
        // many periods on.
        let periods = match u.int_in_range(0u8..=2)? {
            0 => 0,
            1 => u.int_in_range(1..=3)?,
            _ => u.int_in_range(4..=1_000)?,
        };
        let later = p.period.saturating_mul(periods);
        let b = next_boundary(p, now.saturating_add(1)).saturating_add(later);
        (b, b.saturating_add(p.period - 1))
    } else if let Ok(s) = u.choose(&streaming) {
        (s.start.max(now.saturating_add(1)), s.start.saturating_add(1))
    } else {
        return Ok(Vec::new());
    };
    let times = match u.int_in_range(0u8..=3)? {
        0 => vec![edge.saturating_sub(1), edge],
        1 => vec![edge, edge.saturating_add(1)],
        2 => vec![edge.saturating_sub(1), edge, edge.saturating_add(1)],
        _ => vec![edge, last.max(edge)],
    };
    Ok(times.into_iter().map(|t| t.max(now)).collect())
}

/// The amounts at the edges of `policy`'s allowances at `now`: each period's amount, each
/// stream's `initial`, `max` and what it has unlocked at `now`, and what is left of those after
/// each amount in `history` (the case's recent amounts), so a call can take exactly what is
/// available, or one more.
///
/// Returns the bases (each period's amount, each stream's `initial`, `max` and unlocked amount)
/// apart from the rest, so that a caller can reach for a whole period's amount more often.
pub(super) fn edges(policy: &Policy, now: u64, history: &[U256]) -> (Vec<U256>, Vec<U256>) {
    let (periodic, streaming) = all(policy);
    let mut bases = Vec::new();
    for p in periodic {
        bases.push(p.amount);
    }
    for s in streaming {
        bases.extend([s.initial, s.max]);
        bases.extend(unlocked(&s, now, StreamOverflow::Saturate));
    }
    let mut out = bases.clone();
    for base in &bases {
        out.extend(history.iter().map(|x| base.saturating_sub(*x)));
    }
    let plus_one: Vec<U256> = out.iter().map(|x| x.saturating_add(U256::from(1))).collect();
    out.extend(plus_one);
    (bases, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_the_next_period_start() {
        let p = PeriodicAllowance { amount: U256::from(1), period: 10, start: 100 };
        assert_eq!(next_boundary(&p, 50), 100);
        assert_eq!(next_boundary(&p, 100), 100);
        assert_eq!(next_boundary(&p, 101), 110);
        assert_eq!(next_boundary(&p, 110), 110);
        assert_eq!(next_boundary(&p, u64::MAX), u64::MAX);
    }

    #[test]
    fn a_stream_is_full_when_its_accrual_reaches_max() {
        let s =
            StreamingAllowance { initial: U256::from(2), rate: 3, max: U256::from(20), start: 100 };
        // 2 + 3 * 6 = 20.
        assert_eq!(stream_full(&s), Some(106));
        assert_eq!(unlocked(&s, 105, StreamOverflow::Saturate), Some(U256::from(17)));
        assert_eq!(stream_full(&StreamingAllowance { rate: 0, ..s }), None);
    }
}
