//! spec §10: the usage limit.

use crate::counters::Counters;
use crate::verdict::DenyReason;

/// Counts one call, if the limit (or, without one, `2^64 - 1`) allows it.
pub(super) fn check(limit: Option<u64>, counters: &mut Counters) -> Result<(), DenyReason> {
    // spec §10.1
    if counters.calls >= limit.unwrap_or(u64::MAX) {
        return Err(DenyReason::UsageLimit);
    }
    counters.calls += 1;
    Ok(())
}
