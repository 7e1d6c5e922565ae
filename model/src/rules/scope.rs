//! spec §4: targets no session may call (with §P7: which of them a module forbids).

use alloy_primitives::Address;

use crate::abi::execute::EXECUTE_SELECTOR;
use crate::env::Env;
use crate::profile::{ModuleCall, SelfCallScope, ZeroTarget};
use crate::verdict::DenyReason;

/// Denies calls to the account, the module and `address(0)`, in that order, as far as the
/// profile forbids them.
pub(super) fn check(env: &Env, target: Address, data: &[u8]) -> Result<(), DenyReason> {
    let profile = &env.profile;
    // spec §4.1, §P7.1
    let self_call = match profile.self_call {
        SelfCallScope::AnyCall => true,
        SelfCallScope::ExecuteOnly => data.starts_with(&EXECUTE_SELECTOR),
        SelfCallScope::None => false,
    };
    if target == env.account && self_call {
        return Err(DenyReason::SelfCall);
    }
    // spec §4.2, §P7.2
    if target == env.module && profile.module_call == ModuleCall::Denied {
        return Err(DenyReason::ModuleCall);
    }
    // spec §4.3, §P7.3
    if target == Address::ZERO && profile.zero_target == ZeroTarget::Denied {
        return Err(DenyReason::ZeroTarget);
    }
    Ok(())
}
