//! Generator for spec §9: rate limits, and timestamps at their interval boundaries.

use arbitrary::Unstructured;
use leash_model::bounds::MAX_RATE;
use leash_model::{Policy, RateLimit};

/// No rate limit, or `max_calls` in 1..=`MAX_RATE` per a short or long interval.
pub(super) fn limit(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<RateLimit>> {
    if u.ratio(1, 2)? {
        return Ok(None);
    }
    let max_calls = u.int_in_range(1..=MAX_RATE as u8)?;
    let interval = *u.choose(&[1u64, 2, 10, 60, 3600, u64::MAX / 2])?;
    Ok(Some(RateLimit { max_calls, interval }))
}

/// A reinstall's rate limit: mostly the earlier one tightened to at most its `max_calls` over the
/// same interval, else a fresh draw. A tighter ring over counters left from the earlier session is
/// where residue (class C8) lets calls through.
pub(super) fn amended(
    u: &mut Unstructured<'_>,
    earlier: Option<RateLimit>,
) -> arbitrary::Result<Option<RateLimit>> {
    match earlier {
        Some(rate) if u.ratio(3, 4)? => Ok(Some(RateLimit {
            max_calls: u.int_in_range(1..=rate.max_calls)?,
            interval: rate.interval,
        })),
        _ => limit(u),
    }
}

/// A timestamp one interval after `now`, ±1, when the policy has a rate limit.
pub(super) fn next_time(
    u: &mut Unstructured<'_>,
    policy: &Policy,
    now: u64,
) -> arbitrary::Result<Option<u64>> {
    let Some(rate) = policy.rate_limit else {
        return Ok(None);
    };
    let step = rate.interval.saturating_add_signed(i64::from(u.int_in_range(-1i8..=1)?));
    Ok(Some(now.saturating_add(step)))
}
