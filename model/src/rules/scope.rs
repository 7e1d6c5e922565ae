//! spec §4: targets no session may call.

use alloy_primitives::Address;

use crate::env::Env;
use crate::verdict::DenyReason;

/// Denies calls to the account, the module and `address(0)`, in that order.
pub(super) fn check(env: &Env, target: Address) -> Result<(), DenyReason> {
    // spec §4.1
    if target == env.account {
        return Err(DenyReason::SelfCall);
    }
    // spec §4.2
    if target == env.module {
        return Err(DenyReason::ModuleCall);
    }
    // spec §4.3
    if target == Address::ZERO {
        return Err(DenyReason::ZeroTarget);
    }
    Ok(())
}
