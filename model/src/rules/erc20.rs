//! spec §8: ERC-20 spend caps (with §P12 and §P14), and their allowances over time (§8.6, §8.7).

use alloy_primitives::{Address, U256};

use super::allowance;
use crate::abi::args::{ArgDecoding, decode_args};
use crate::counters::Counters;
use crate::env::Env;
use crate::policy::{AbiType, Policy, Target, TokenCap};
use crate::profile::{
    CounterScope, Erc20Args, Erc20Selectors, Erc20Value, SemanticProfile, TransferFrom,
};
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
/// amount to the cap's counter: the token's (spec §8.5) or, under per-action counters (§P12),
/// that of `permission`, the permission the execution matched. A denial of §8.2 carries the
/// argument index.
pub(super) fn check(
    policy: &Policy,
    env: &Env,
    execution: &Execution<'_>,
    permission: usize,
    counters: &mut Counters,
    decoding: ArgDecoding,
    profile: &SemanticProfile,
) -> Result<(), (DenyReason, Option<u8>)> {
    let Some((index, cap)) = policy.token_cap(execution.target) else {
        return Ok(());
    };
    let account = env.account;
    // spec §P12: a cap lives on the token's own permissions; the wildcard does not see it.
    let scope = profile.counter_scope;
    if scope != CounterScope::Session
        && policy.permissions[permission].target != Target::Address(execution.target)
    {
        return Ok(());
    }
    let rules = profile.erc20;
    // spec §P14.3
    if rules.value == Erc20Value::Zero && !execution.value.is_zero() {
        return Err((DenyReason::NativeValue, None));
    }
    // spec §8.1
    let selector = match execution.data {
        [a, b, c, d, ..] => [*a, *b, *c, *d],
        _ => return Err((DenyReason::TokenSelector, None)),
    };
    let types: &[AbiType] = match (selector, rules.selectors) {
        (TRANSFER, _) => &ADDRESS_AMOUNT,
        (APPROVE | INCREASE_ALLOWANCE, Erc20Selectors::All) => &ADDRESS_AMOUNT,
        (TRANSFER_FROM, Erc20Selectors::All) => &FROM_TO_AMOUNT,
        _ => return Err((DenyReason::TokenSelector, None)),
    };
    // spec §8.2, §P14.1
    let amount = match rules.args {
        Erc20Args::RawExactLength => raw_amount(execution.data, types.len())?,
        Erc20Args::Strict | Erc20Args::AbiDecode => {
            let decoding =
                if rules.args == Erc20Args::Strict { decoding } else { ArgDecoding::Solidity };
            decoded_amount(cap, account, execution.data, types, decoding, rules.transfer_from)?
        }
    };
    // spec §8.5, §P12
    let counter = *token_counter(counters, scope, index, permission);
    let spent = match counter.checked_add(amount) {
        Some(sum) if sum <= cap.limit => sum,
        _ => return Err((DenyReason::TokenCap, None)),
    };
    // A zero amount passes §8.6 and §8.7 and moves neither allowance, unless the profile checks
    // it (§P21.5).
    let semantics = env.profile.allowances;
    if semantics.checks(amount) {
        // spec §8.6
        if let Some(periodic) = &cap.periodic {
            counters.token_period[index] = allowance::check_periodic(
                periodic,
                counters.token_period[index],
                amount,
                env.now,
                semantics,
            )
            .ok_or((DenyReason::TokenPeriod, None))?;
        }
        // spec §8.7: the stream's spend is the cap's counter.
        if let Some(stream) = &cap.streaming
            && !allowance::check_streaming(stream, spent, env.now, semantics.stream_overflow)
        {
            return Err((DenyReason::TokenStream, None));
        }
    }
    *token_counter(counters, scope, index, permission) = spent;
    Ok(())
}

/// The counter a call to cap `index` through `permission` adds to (spec §8.5, §P12).
fn token_counter(
    counters: &mut Counters,
    scope: CounterScope,
    index: usize,
    permission: usize,
) -> &mut U256 {
    match scope {
        CounterScope::Session => &mut counters.token_spent[index],
        CounterScope::Action => &mut counters.action_token_spent[permission],
        CounterScope::Delegation => &mut counters.token_spent[0],
    }
}

/// spec §P14.1 `RawExactLength`: exactly the selector and `words` words; the amount is the last
/// word, read raw.
fn raw_amount(data: &[u8], words: usize) -> Result<U256, (DenyReason, Option<u8>)> {
    if data.len() != 4 + 32 * words {
        return Err((DenyReason::TokenArgs, None));
    }
    let at = 4 + 32 * (words - 1);
    Ok(U256::from_be_slice(&data[at..at + 32]))
}

/// spec §8.2 to §8.4 (with §P14.2): the arguments decoded, `transferFrom`'s `from` and the
/// spender checked; the amount the call counts.
fn decoded_amount(
    cap: &TokenCap,
    account: Address,
    data: &[u8],
    types: &[AbiType],
    decoding: ArgDecoding,
    transfer_from: TransferFrom,
) -> Result<U256, (DenyReason, Option<u8>)> {
    let args =
        decode_args(&data[4..], types, decoding).map_err(|e| (DenyReason::TokenArgs, e.arg))?;
    let word = |i: usize| args[i].as_word().expect("static argument");
    let address = |i: usize| Address::from_word(word(i).to_be_bytes::<32>().into());
    let mut amount = word(types.len() - 1);
    let selector = [data[0], data[1], data[2], data[3]];
    match selector {
        // spec §8.3, §P14.2
        TRANSFER_FROM => match transfer_from {
            TransferFrom::FromAccount if address(0) != account => {
                return Err((DenyReason::TransferFromOther, None));
            }
            TransferFrom::ToAccountFree if address(1) == account => amount = U256::ZERO,
            _ => {}
        },
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
    Ok(amount)
}
