//! Generator for spec §4: the targets no session may call, mixed into ordinary ones.

use alloy_primitives::Address;
use arbitrary::Unstructured;

use super::Catalog;

/// The targets spec §4 forbids, plus `address(1)` (a sentinel in SmartSessions).
pub(super) fn forbidden(u: &mut Unstructured<'_>, catalog: &Catalog) -> arbitrary::Result<Address> {
    Ok(*u.choose(&[catalog.account, catalog.module, Address::ZERO, Address::with_last_byte(1)])?)
}

/// Any address the world knows: mostly bystanders and contracts, sometimes a forbidden one.
pub(super) fn address(u: &mut Unstructured<'_>, catalog: &Catalog) -> arbitrary::Result<Address> {
    Ok(match u.int_in_range(0u8..=9)? {
        0..=4 => *u.choose(&catalog.bystanders)?,
        5..=7 => u.choose(&catalog.contracts)?.address,
        _ => forbidden(u, catalog)?,
    })
}
