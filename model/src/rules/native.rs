//! spec §7: native value.

use alloy_primitives::U256;

use crate::policy::NativeCap;
use crate::state::Counters;
use crate::verdict::DenyReason;

/// Checks an execution's value against the cap and adds it to `native_spent`.
pub(super) fn check(
    cap: Option<&NativeCap>,
    value: U256,
    counters: &mut Counters,
) -> Result<(), DenyReason> {
    let Some(cap) = cap else {
        // spec §7.1
        return if value.is_zero() { Ok(()) } else { Err(DenyReason::NativeValue) };
    };
    // spec §7.2
    if value > cap.per_call {
        return Err(DenyReason::NativePerCall);
    }
    // spec §7.3
    match counters.native_spent.checked_add(value) {
        Some(spent) if spent <= cap.total => {
            counters.native_spent = spent;
            Ok(())
        }
        _ => Err(DenyReason::NativeTotal),
    }
}
