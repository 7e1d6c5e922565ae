//! Generator for spec §11: windows, and timestamps on their edges.

use arbitrary::Unstructured;
use leash_model::Policy;
use leash_model::bounds::TIME_MAX;

/// A valid window around `start`: open or closed ends, short or long, sometimes at `TIME_MAX`.
pub(super) fn window(u: &mut Unstructured<'_>, start: u64) -> arbitrary::Result<(u64, u64)> {
    let after = match u.int_in_range(0u8..=3)? {
        0 => 0,
        1 => start.saturating_sub(u.int_in_range(0..=3600)?),
        2 => start.saturating_add(u.int_in_range(0..=600)?),
        _ => start,
    };
    // Keep the window valid (spec §12.1) even when the clock has run past TIME_MAX.
    let after = after.min(TIME_MAX - 4);
    let until = match u.int_in_range(0u8..=4)? {
        0 => 0,
        1 => TIME_MAX - u.int_in_range(0..=3)?,
        2 => after + u.int_in_range(1..=120)?,
        _ => after + u.int_in_range(1..=86_400)?,
    };
    Ok((after, until.min(TIME_MAX)))
}

/// The next block timestamp, never earlier than `now`: a small step, or a jump to an edge of
/// the window ±3 (spec §11.1, §11.2), including the `TIME_MAX` end of an open window.
pub(super) fn next_time(
    u: &mut Unstructured<'_>,
    policy: &Policy,
    now: u64,
) -> arbitrary::Result<u64> {
    let jitter = i64::from(u.int_in_range(-3i8..=3)?);
    let edge = match u.int_in_range(0u8..=9)? {
        0 | 1 => policy.valid_after,
        2 | 3 if policy.valid_until != 0 => policy.valid_until,
        4 => TIME_MAX,
        _ => return Ok(now.saturating_add(u.int_in_range(0..=30)?)),
    };
    Ok(edge.saturating_add_signed(jitter).max(now))
}
