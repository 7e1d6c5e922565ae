//! spec §6: argument decoding and argument rules (with §P10 and §P11).

use alloy_primitives::U256;

use crate::abi::args::{ArgDecoding, ArgValue, decode_args};
use crate::bounds::MAX_RULES;
use crate::policy::{ArgRule, Permission};
use crate::profile::{ArgAddressing, SemanticProfile, raw_offset, raw_span};
use crate::verdict::DenyReason;

/// Decodes the execution's arguments as the permission declares them and checks its rules in
/// order, adding each limited rule's value to `used` (spec §6.4). Under raw addressing (§P10)
/// nothing is decoded and each rule reads its word or bytes in place.
///
/// A denial carries the argument index (§6.1) or the rule index (§6.2 to §6.4).
pub(super) fn check(
    permission: &Permission,
    data: &[u8],
    used: &mut [U256; MAX_RULES],
    decoding: ArgDecoding,
    profile: &SemanticProfile,
) -> Result<(), (DenyReason, Option<u8>)> {
    let Some(types) = &permission.args else {
        // A valid policy has no rules without declared arguments (spec §12.5).
        return Ok(());
    };
    // A permission with declared arguments has an exact selector (spec §12.3), so `data` has at
    // least four bytes here, except where the empty selector aliases `0xffffffff` (§P8).
    let arguments = data.get(4..);
    // spec §6.1, §P10
    let values = match profile.arg_addressing {
        ArgAddressing::Typed => {
            let arguments = arguments.ok_or((DenyReason::ArgsTruncated, None))?;
            Some(decode_args(arguments, types, decoding).map_err(|e| (e.reason, e.arg))?)
        }
        ArgAddressing::RawWord | ArgAddressing::RawBytes => None,
    };
    let arguments = arguments.unwrap_or_default();
    for (index, rule) in permission.rules.iter().enumerate() {
        // `index < MAX_RULES <= u8::MAX`.
        let deny = |reason| (reason, Some(index as u8));
        // spec §6.2, §P10
        let x = match (&values, profile.arg_addressing) {
            (Some(values), _) => rule_value(rule, values[usize::from(rule.arg)]),
            (None, ArgAddressing::RawBytes) => raw_bytes(permission, rule, arguments),
            (None, _) => raw_word(permission, rule, arguments),
        }
        .ok_or(deny(DenyReason::SliceOutOfBounds))?;
        // spec §6.3, §P11
        if !profile.in_range.holds(&rule.condition, x) {
            return Err(deny(DenyReason::ArgCondition));
        }
        // spec §6.4
        if let Some(limit) = rule.limit {
            match used[index].checked_add(x) {
                Some(sum) if sum <= limit => used[index] = sum,
                _ => return Err(deny(DenyReason::ArgLimit)),
            }
        }
    }
    Ok(())
}

/// The value a rule reads (spec §6.2), or `None` if its slice lies outside the content.
pub(crate) fn rule_value(rule: &ArgRule, value: ArgValue<'_>) -> Option<U256> {
    match (value, rule.slice) {
        (ArgValue::Word(w), _) => Some(w),
        (ArgValue::Dynamic(content), Some(slice)) => {
            let start = usize::try_from(slice.offset).ok()?;
            let end = start.checked_add(usize::from(slice.length))?;
            content.get(start..end).map(U256::from_be_slice)
        }
        // A valid policy gives every rule on a dynamic argument a slice (spec §12.5).
        (ArgValue::Dynamic(_), None) => None,
    }
}

/// The raw bytes a rule reads at its fixed span in `arguments` (spec §P10 `RawBytes`), as a
/// big-endian number, or `None` when the span runs past the calldata or the rule has none.
fn raw_bytes(permission: &Permission, rule: &ArgRule, arguments: &[u8]) -> Option<U256> {
    let (start, length) = raw_span(permission, rule)?;
    let start = usize::try_from(start).ok()?;
    arguments.get(start..start.checked_add(usize::from(length))?).map(U256::from_be_slice)
}

/// The raw word a rule reads at its fixed offset in `arguments` (spec §P10), or `None` when the
/// word runs past the calldata or the rule has no fixed offset.
fn raw_word(permission: &Permission, rule: &ArgRule, arguments: &[u8]) -> Option<U256> {
    let start = usize::try_from(raw_offset(permission, rule)?).ok()?;
    arguments.get(start..start.checked_add(32)?).map(U256::from_be_slice)
}
