//! spec §7: native value.

use alloy_primitives::U256;

use crate::policy::NativeCap;
use crate::profile::NativeDefault;
use crate::state::Counters;
use crate::verdict::DenyReason;

/// Checks an execution's value against the cap and adds it to `native_spent`; without a cap,
/// `default` decides (spec §P13).
pub(super) fn check(
    cap: Option<&NativeCap>,
    default: NativeDefault,
    value: U256,
    counters: &mut Counters,
) -> Result<(), DenyReason> {
    let Some(cap) = cap else {
        // spec §7.1, §P13
        return if value.is_zero() || default == NativeDefault::Allow {
            Ok(())
        } else {
            Err(DenyReason::NativeValue)
        };
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
