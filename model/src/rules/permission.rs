//! spec §5: the permission an execution falls under (with §P8 and §P9).

use alloy_primitives::Address;

use crate::policy::{Policy, Selector, Target};
use crate::profile::{FALLBACK_FLAG, SemanticProfile, ShortCalldata, WildcardModel, same_selector};
use crate::verdict::DenyReason;

/// The selector of an execution's calldata (spec §5.1).
pub fn selector_of(data: &[u8]) -> Result<Selector, DenyReason> {
    selector_as(data, ShortCalldata::Denied)
}

/// The selector of an execution's calldata under `short` (spec §5.1, §P8).
pub fn selector_as(data: &[u8], short: ShortCalldata) -> Result<Selector, DenyReason> {
    match (data, short) {
        ([], _) => Ok(Selector::Empty),
        ([a, b, c, d, ..], _) => Ok(Selector::Exact([*a, *b, *c, *d])),
        (_, ShortCalldata::ValueSelector) => Ok(Selector::Empty),
        (_, ShortCalldata::Denied) => Err(DenyReason::ShortCalldata),
    }
}

/// The permissions an execution for `target` and `selector` may fall under, in the order they
/// are tried (spec §5.3, §P9): one, except under [`WildcardModel::AnyMatching`], where the
/// exact permission and the wildcard with the same selector are both candidates.
pub(super) fn candidates(
    policy: &Policy,
    profile: &SemanticProfile,
    target: Address,
    selector: Selector,
) -> Result<([usize; 2], usize), DenyReason> {
    if profile.wildcard != WildcardModel::AnyMatching {
        return lookup(policy, profile, target, selector).map(|p| ([p, p], 1));
    }
    let find = |wanted: Target| {
        policy.permissions.iter().position(|p| p.target == wanted && p.selector == selector)
    };
    match (find(Target::Address(target)), find(Target::Any)) {
        (Some(exact), Some(any)) => Ok(([exact, any], 2)),
        (Some(one), None) | (None, Some(one)) => Ok(([one, one], 1)),
        (None, None) => Err(DenyReason::NotPermitted),
    }
}

/// The index of the permission for `target` and `selector` (spec §5.3): an exact target first,
/// then the wildcard, as the profile reads it (§P9).
pub(super) fn lookup(
    policy: &Policy,
    profile: &SemanticProfile,
    target: Address,
    selector: Selector,
) -> Result<usize, DenyReason> {
    let short = profile.short_calldata;
    let find = |wanted: Target| {
        policy
            .permissions
            .iter()
            .position(|p| p.target == wanted && same_selector(short, p.selector, selector))
    };
    match profile.wildcard {
        WildcardModel::AnyTargetSameSelector | WildcardModel::AnyMatching => {
            find(Target::Address(target))
                .or_else(|| find(Target::Any))
                .ok_or(DenyReason::NotPermitted)
        }
        WildcardModel::Fallback => {
            if target == FALLBACK_FLAG {
                return Err(DenyReason::NotPermitted);
            }
            find(Target::Address(target))
                .or_else(|| policy.permissions.iter().position(|p| p.target == Target::Any))
                .ok_or(DenyReason::NotPermitted)
        }
    }
}
