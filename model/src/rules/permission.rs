//! spec §5: the permission an execution falls under.

use alloy_primitives::Address;

use crate::policy::{Policy, Selector, Target};
use crate::verdict::DenyReason;

/// The selector of an execution's calldata (spec §5.1).
pub fn selector_of(data: &[u8]) -> Result<Selector, DenyReason> {
    match data {
        [] => Ok(Selector::Empty),
        [a, b, c, d, ..] => Ok(Selector::Exact([*a, *b, *c, *d])),
        _ => Err(DenyReason::ShortCalldata),
    }
}

/// The index of the permission for `target` and `selector` (spec §5.3): an exact target first,
/// then the wildcard.
pub(super) fn lookup(
    policy: &Policy,
    target: Address,
    selector: Selector,
) -> Result<usize, DenyReason> {
    let find = |wanted: Target| {
        policy.permissions.iter().position(|p| p.target == wanted && p.selector == selector)
    };
    find(Target::Address(target)).or_else(|| find(Target::Any)).ok_or(DenyReason::NotPermitted)
}
