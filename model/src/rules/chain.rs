//! spec §17: the chains a session may act on.

use crate::policy::Policy;
use crate::verdict::DenyReason;

/// Checks `chain_id` (the validation phase's `block.chainid`) against the policy's chain list.
pub(super) fn check(policy: &Policy, chain_id: u64) -> Result<(), DenyReason> {
    // spec §17.1
    match &policy.chains {
        Some(chains) if !chains.iter().any(|c| *c == chain_id) => Err(DenyReason::Chain),
        _ => Ok(()),
    }
}
