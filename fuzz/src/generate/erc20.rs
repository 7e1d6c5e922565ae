//! Generator for spec §8: ERC-20 caps, and the whole selector family that moves value.

use alloy_primitives::{Address, U256};
use arbitrary::Unstructured;
use leash_model::bounds::{MAX_SPENDERS, MAX_TOKENS};
use leash_model::selectors::{APPROVE, INCREASE_ALLOWANCE, TRANSFER, TRANSFER_FROM};
use leash_model::{AbiType, BoundedVec, Policy, TokenCap};

use super::{Catalog, Dictionary, allowance, permission};
use crate::mutate::PlannedCall;

/// Caps on some of the catalog's tokens, with an approve allowlist sometimes (possibly empty),
/// and allowances over time placed around `now` when the policy is `timed` (spec §8.6, §8.7).
pub(super) fn caps(
    u: &mut Unstructured<'_>,
    catalog: &Catalog,
    now: u64,
    timed: bool,
) -> arbitrary::Result<BoundedVec<TokenCap, MAX_TOKENS>> {
    let mut caps = BoundedVec::new();
    for token in catalog.tokens.iter().take(MAX_TOKENS) {
        if u.ratio(1, 3)? {
            continue;
        }
        let scale = U256::from(10).pow(U256::from(*u.choose(&[0u8, 18])?));
        let mut limit = U256::from(*u.choose(&[0u64, 1, 100, 1000, 1_000_000])?) * scale;
        let spenders = match u.int_in_range(0u8..=2)? {
            0 => None,
            1 => Some(BoundedVec::new()),
            _ => {
                let n = u.int_in_range(1..=MAX_SPENDERS.min(catalog.bystanders.len()))?;
                Some(
                    BoundedVec::try_from_iter(catalog.bystanders.iter().copied().take(n))
                        .expect("bounded"),
                )
            }
        };
        let unit = scale * U256::from(*u.choose(&[1u64, 10, 100])?);
        let (periodic, streaming) = allowance::pair(u, now, unit, timed)?;
        if (periodic.is_some() || streaming.is_some()) && u.ratio(1, 2)? {
            // The allowance as the token's only budget (no lifetime limit, version 2).
            limit = U256::MAX;
        }
        caps.push(TokenCap {
            token: *token,
            limit,
            spenders,
            periodic,
            streaming,
            ..TokenCap::default()
        })
        .expect("at most MAX_TOKENS");
    }
    Ok(caps)
}

/// A call from the family that moves a capped token's value: `transfer`, `approve`,
/// `transferFrom` (from the account or a third party), `increaseAllowance`, with amounts at the
/// cap's edges and halves.
pub(super) fn call(
    u: &mut Unstructured<'_>,
    policy: &Policy,
    catalog: &Catalog,
    d: &Dictionary,
) -> arbitrary::Result<Option<PlannedCall>> {
    let token = match policy.erc20.is_empty() {
        false => u.choose(&policy.erc20)?.token,
        true if !catalog.tokens.is_empty() => *u.choose(&catalog.tokens)?,
        true => return Ok(None),
    };
    let party = |u: &mut Unstructured<'_>| -> arbitrary::Result<Address> {
        Ok(if u.ratio(1, 4)? { catalog.account } else { *u.choose(&catalog.bystanders)? })
    };
    let word = |a: Address| Some(U256::from_be_slice(a.as_slice()));
    let two = vec![AbiType::Address, AbiType::Uint(256)];
    let (selector, args, fixed) = match u.int_in_range(0u8..=3)? {
        0 => (TRANSFER, two, vec![word(party(u)?), None]),
        1 => (APPROVE, two, vec![word(party(u)?), None]),
        2 => (INCREASE_ALLOWANCE, two, vec![word(party(u)?), None]),
        _ => {
            let from =
                if u.ratio(2, 3)? { catalog.account } else { *u.choose(&catalog.bystanders)? };
            let three = vec![AbiType::Address, AbiType::Address, AbiType::Uint(256)];
            (TRANSFER_FROM, three, vec![word(from), word(party(u)?), None])
        }
    };
    let rules = permission::rules_for(policy, token, selector);
    let data = permission::encode_args_for(u, selector, &args, rules, &fixed, catalog, d)?;
    Ok(Some(PlannedCall { target: token, value: U256::ZERO, data, args: Some(args) }))
}
