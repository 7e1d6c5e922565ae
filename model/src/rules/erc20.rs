//! spec §8: ERC-20 spend caps.

use alloy_primitives::Address;

use crate::abi::args::{ArgDecoding, decode_args};
use crate::policy::{AbiType, Policy};
use crate::state::Counters;
use crate::verdict::{DenyReason, Execution};

/// `transfer(address,uint256)`.
pub const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// `approve(address,uint256)`.
pub const APPROVE: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];
/// `transferFrom(address,address,uint256)`.
pub const TRANSFER_FROM: [u8; 4] = [0x23, 0xb8, 0x72, 0xdd];
/// `increaseAllowance(address,uint256)`.
pub const INCREASE_ALLOWANCE: [u8; 4] = [0x39, 0x50, 0x93, 0x51];

const ADDRESS_AMOUNT: [AbiType; 2] = [AbiType::Address, AbiType::Uint(256)];
const FROM_TO_AMOUNT: [AbiType; 3] = [AbiType::Address, AbiType::Address, AbiType::Uint(256)];

/// If the execution's target is a capped token, checks the call against the cap and adds its
/// amount to the token's counter. A denial of §8.2 carries the argument index.
pub(super) fn check(
    policy: &Policy,
    account: Address,
    execution: &Execution<'_>,
    counters: &mut Counters,
    decoding: ArgDecoding,
) -> Result<(), (DenyReason, Option<u8>)> {
    let Some((index, cap)) = policy.token_cap(execution.target) else {
        return Ok(());
    };
    // spec §8.1
    let selector = match execution.data {
        [a, b, c, d, ..] => [*a, *b, *c, *d],
        _ => return Err((DenyReason::TokenSelector, None)),
    };
    let types: &[AbiType] = match selector {
        TRANSFER | APPROVE | INCREASE_ALLOWANCE => &ADDRESS_AMOUNT,
        TRANSFER_FROM => &FROM_TO_AMOUNT,
        _ => return Err((DenyReason::TokenSelector, None)),
    };
    // spec §8.2
    let args = decode_args(&execution.data[4..], types, decoding)
        .map_err(|e| (DenyReason::TokenArgs, e.arg))?;
    let word = |i: usize| args[i].as_word().expect("static argument");
    let address = |i: usize| Address::from_word(word(i).to_be_bytes::<32>().into());
    let amount = word(types.len() - 1);
    match selector {
        // spec §8.3
        TRANSFER_FROM if address(0) != account => {
            return Err((DenyReason::TransferFromOther, None));
        }
        // spec §8.4
        APPROVE | INCREASE_ALLOWANCE => {
            if let Some(spenders) = &cap.spenders
                && !spenders.contains(&address(0))
            {
                return Err((DenyReason::Spender, None));
            }
        }
        _ => {}
    }
    // spec §8.5
    match counters.token_spent[index].checked_add(amount) {
        Some(spent) if spent <= cap.limit => {
            counters.token_spent[index] = spent;
            Ok(())
        }
        _ => Err((DenyReason::TokenCap, None)),
    }
}
