//! Generator for spec §7: native-value caps and the values that test them.

use alloy_primitives::U256;
use arbitrary::Unstructured;
use leash_model::{NativeCap, Policy};

use super::{Dictionary, allowance};

/// 1e15 wei: the game's price of a life, so capped value can buy something.
const FINNEY: u64 = 1_000_000_000_000_000;

/// No cap (no value at all), or a per-call and a total cap in multiples of the game's price,
/// with allowances over time placed around `now` when the policy is `timed` (spec §7.4, §7.5).
pub(super) fn cap(
    u: &mut Unstructured<'_>,
    now: u64,
    timed: bool,
) -> arbitrary::Result<Option<NativeCap>> {
    if u.ratio(1, 2)? {
        return Ok(None);
    }
    let per_call = U256::from(FINNEY) * U256::from(u.int_in_range(0u8..=5)?);
    let total = match u.int_in_range(0u8..=3)? {
        0 => per_call,
        1 => U256::MAX,
        _ => U256::from(FINNEY) * U256::from(u.int_in_range(0u8..=20)?),
    };
    let unit = U256::from(FINNEY);
    let (periodic, streaming) = allowance::pair(u, now, unit, timed)?;
    let mut cap = NativeCap { per_call, total, periodic, streaming };
    if (periodic.is_some() || streaming.is_some()) && u.ratio(1, 2)? {
        // A subscription or a stream as its own budget: no lifetime total (version 2), and a
        // per-call cap that lets a whole period's amount through.
        cap.total = U256::MAX;
        cap.per_call = cap.per_call.max(periodic.map_or(U256::ZERO, |p| p.amount));
    }
    Ok(Some(cap))
}

/// The value an execution sends: usually none, else near the policy's caps.
pub(super) fn value(
    u: &mut Unstructured<'_>,
    policy: &Policy,
    d: &Dictionary,
) -> arbitrary::Result<U256> {
    let Some(cap) = policy.native else {
        // Without a cap, value is always denied (spec §7.1): send some only now and then.
        return Ok(if u.ratio(1, 10)? { d.pick(u)? } else { U256::ZERO });
    };
    let timed = cap.periodic.is_some() || cap.streaming.is_some();
    Ok(match u.int_in_range(0u8..=5)? {
        // What a period allows or a stream has unlocked, exactly or one more (spec §7.4, §7.5).
        0 | 1 if timed => d.pick_allowance_edge(u)?,
        0 | 1 => U256::ZERO,
        2 => cap.per_call.saturating_add(U256::from(u.int_in_range(0u8..=1)?)),
        3 => U256::from(FINNEY) * U256::from(u.int_in_range(1u8..=3)?),
        4 => cap.per_call.saturating_sub(U256::from(u.int_in_range(0u8..=3)?)),
        _ => d.pick(u)?,
    })
}
