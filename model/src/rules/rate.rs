//! spec §9: the rate limit, a sliding window kept as a ring of the last calls' timestamps.

use crate::counters::Counters;
use crate::policy::RateLimit;
use crate::verdict::DenyReason;

/// Checks the rate limit for one call at `now` and records it in the ring.
///
/// Runs before the usage counter is incremented, so `counters.calls` is the number of calls
/// made before this one.
pub(super) fn check(
    rate: Option<&RateLimit>,
    now: u64,
    counters: &mut Counters,
) -> Result<(), DenyReason> {
    let Some(rate) = rate else {
        return Ok(());
    };
    // The head is always below `max_calls` in counters that validation produced; reading any
    // other head as 0 keeps validation total on counters built by hand.
    let head = usize::from(counters.rate_head);
    let head = if head < usize::from(rate.max_calls) { head } else { 0 };
    // spec §9.1: with fewer than `max_calls` calls so far the ring is not full yet.
    if counters.calls >= u64::from(rate.max_calls) {
        let oldest = counters.rate_ring[head];
        if now < rate.interval || oldest > now - rate.interval {
            return Err(DenyReason::RateLimit);
        }
    }
    // spec §9.2
    counters.rate_ring[head] = now;
    // `head + 1 <= max_calls <= MAX_RATE`, so the cast cannot truncate.
    counters.rate_head = if head + 1 == usize::from(rate.max_calls) { 0 } else { head as u8 + 1 };
    Ok(())
}
