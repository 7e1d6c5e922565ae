//! spec §7.4, §7.5, §8.6, §8.7 and §15: allowances over time, periodic and streaming.
//!
//! The native cap (`native.rs`) and each ERC-20 cap (`erc20.rs`) call these checks with the
//! amount they count, after their lifetime cap. The arithmetic is Kani-friendly: periods use
//! 64-bit time only, and a stream's `rate * elapsed` is two 64x64-bit products assembled into
//! a 256-bit word, never a 256-bit multiplication or division.

use alloy_primitives::U256;

use crate::counters::PeriodSpend;
use crate::policy::{PeriodicAllowance, StreamingAllowance};
use crate::profile::{AllowanceSemantics, PeriodAnchor, StreamOverflow};

/// The current period at `now` and what the session has spent in it (spec §15.1, §15.2), from
/// the allowance's counter; `None` before `start`, when no period has begun.
///
/// A counter from an earlier period reads as nothing spent: unspent allowance does not carry
/// over. A boundary second begins the next period.
pub fn current_period(
    allowance: &PeriodicAllowance,
    counter: PeriodSpend,
    now: u64,
    semantics: AllowanceSemantics,
) -> Option<PeriodSpend> {
    let t = semantics.clock.time(now);
    if t < allowance.start {
        return None;
    }
    let start = match semantics.anchor {
        // A valid policy's period is at least 1 (spec §12.8); a zero one has no period at all.
        PeriodAnchor::Aligned => t - (t - allowance.start).checked_rem(allowance.period)?,
        PeriodAnchor::Rolling => {
            let s = if counter.start >= allowance.start { counter.start } else { allowance.start };
            if t >= s && t - s >= allowance.period { t } else { s }
        }
    };
    let spent = if counter.start == start { counter.spent } else { U256::ZERO };
    Some(PeriodSpend { start, spent })
}

/// What the periodic allowance still lets through at `now` (spec §15.2): zero before `start`.
pub fn period_available(
    allowance: &PeriodicAllowance,
    counter: PeriodSpend,
    now: u64,
    semantics: AllowanceSemantics,
) -> U256 {
    current_period(allowance, counter, now, semantics)
        .map_or(U256::ZERO, |current| allowance.amount.saturating_sub(current.spent))
}

/// `rate * elapsed`, exactly: below `2^192`, so it always fits (spec §15.3).
pub fn stream_accrued(rate: u128, elapsed: u64) -> U256 {
    let elapsed = u128::from(elapsed);
    // Each product is of two 64-bit halves, so each fits in 128 bits.
    let low = (rate & u128::from(u64::MAX)) * elapsed;
    let high = (rate >> 64) * elapsed;
    // `rate * elapsed = high * 2^64 + low`, limb by limb.
    let limb0 = low as u64;
    let (limb1, carry) = ((low >> 64) as u64).overflowing_add(high as u64);
    // `high <= (2^64 - 1)^2`, so `high >> 64 <= 2^64 - 2` and adding the carry cannot overflow.
    let limb2 = (high >> 64) as u64 + u64::from(carry);
    U256::from_limbs([limb0, limb1, limb2, 0])
}

/// What a stream has unlocked at `now` (spec §15.3): nothing before `start`, then
/// `min(max, initial + rate * (now - start))`. `None` when that sum overflows and the semantics
/// deny it ([`StreamOverflow::Deny`]).
pub fn unlocked(stream: &StreamingAllowance, now: u64, overflow: StreamOverflow) -> Option<U256> {
    if now < stream.start {
        return Some(U256::ZERO);
    }
    let accrued = stream_accrued(stream.rate, now - stream.start);
    match stream.initial.checked_add(accrued) {
        Some(sum) => Some(if sum < stream.max { sum } else { stream.max }),
        None => match overflow {
            StreamOverflow::Saturate => Some(stream.max),
            StreamOverflow::Deny => None,
        },
    }
}

/// spec §7.4, §8.6: `amount` (> 0) fits in the current period; returns the counter after it.
pub(super) fn check_periodic(
    allowance: &PeriodicAllowance,
    counter: PeriodSpend,
    amount: U256,
    now: u64,
    semantics: AllowanceSemantics,
) -> Option<PeriodSpend> {
    let current = current_period(allowance, counter, now, semantics)?;
    match current.spent.checked_add(amount) {
        Some(spent) if spent <= allowance.amount => {
            Some(PeriodSpend { start: current.start, spent })
        }
        _ => None,
    }
}

/// spec §7.5, §8.7: `spent_after` (the lifetime counter with this execution's amount added) is
/// within what the stream has unlocked at `now`.
pub(super) fn check_streaming(
    stream: &StreamingAllowance,
    spent_after: U256,
    now: u64,
    overflow: StreamOverflow,
) -> bool {
    unlocked(stream, now, overflow).is_some_and(|unlocked| spent_after <= unlocked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accrual_is_the_exact_product() {
        for rate in [0u128, 1, 3, u128::from(u64::MAX), u128::from(u64::MAX) + 1, u128::MAX] {
            for elapsed in [0u64, 1, 7, u64::MAX - 1, u64::MAX] {
                let expected = U256::from(rate) * U256::from(elapsed);
                assert_eq!(stream_accrued(rate, elapsed), expected, "{rate} * {elapsed}");
            }
        }
    }

    #[test]
    fn aligned_periods_begin_on_their_boundary_second() {
        let p = PeriodicAllowance { amount: U256::from(5), period: 10, start: 100 };
        let s = AllowanceSemantics::default();
        let at = |now| current_period(&p, PeriodSpend::default(), now, s).map(|c| c.start);
        assert_eq!(at(99), None);
        assert_eq!(at(100), Some(100));
        assert_eq!(at(109), Some(100));
        assert_eq!(at(110), Some(110));
        assert_eq!(at(u64::MAX), Some(u64::MAX - (u64::MAX - 100) % 10));
    }
}
