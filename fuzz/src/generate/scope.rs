//! Generator for spec §4: the targets no session may call, mixed into ordinary ones.

use alloy_primitives::Address;
use arbitrary::Unstructured;

use super::Catalog;

/// The targets spec §4 forbids, plus `address(1)` (a sentinel in SmartSessions).
pub(super) fn forbidden(u: &mut Unstructured<'_>, catalog: &Catalog) -> arbitrary::Result<Address> {
    Ok(*u.choose(&[catalog.account, catalog.module, Address::ZERO, Address::with_last_byte(1)])?)
}

/// Any address the world knows: mostly bystanders and contracts, sometimes a forbidden one,
/// sometimes a special one.
pub(super) fn address(u: &mut Unstructured<'_>, catalog: &Catalog) -> arbitrary::Result<Address> {
    Ok(match u.int_in_range(0u8..=10)? {
        0..=4 => *u.choose(&catalog.bystanders)?,
        5..=7 => u.choose(&catalog.contracts)?.address,
        8 | 9 => forbidden(u, catalog)?,
        _ => special(u, catalog)?,
    })
}

/// Addresses code treats specially: the precompiles (`0x01` to `0x0a`, and `0x100` where
/// P-256 verification lives), the account, the module, the harness's session keys (installed
/// or not), and words the module's code uses that fit in an address.
pub(super) fn special(u: &mut Unstructured<'_>, catalog: &Catalog) -> arbitrary::Result<Address> {
    Ok(match u.int_in_range(0u8..=4)? {
        0 => Address::with_last_byte(u.int_in_range(1u8..=10)?),
        1 => Address::left_padding_from(&[0x01, 0x00]),
        2 => *u.choose(&[catalog.account, catalog.module])?,
        3 => u.choose(crate::evm::session_keys())?.address(),
        _ => {
            let small: Vec<Address> = catalog
                .words
                .iter()
                .filter(|w| w.bit_len() <= 160 && w.bit_len() > 16)
                .map(|w| Address::from_word(w.to_be_bytes::<32>().into()))
                .collect();
            match small.is_empty() {
                true => catalog.account,
                false => *u.choose(&small)?,
            }
        }
    })
}
