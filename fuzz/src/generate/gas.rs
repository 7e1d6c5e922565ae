//! Generator for spec §16: gas rules, and op gas terms at and around their limits.
//!
//! An op's cost is `(verificationGasLimit + callGasLimit + paymasterVerificationGasLimit +
//! paymasterPostOpGasLimit + preVerificationGas) * maxFeePerGas`. The generator keeps the limits
//! the EVM needs (validation and execution must fit their gas) and aims the cost with
//! `preVerificationGas`, which the EntryPoint only charges for: with a fee of one wei a gas it
//! hits a limit exactly. It also reaches the extremes the EntryPoint admits (`2^120 - 1`, AA94).

use alloy_primitives::{Address, U256};
use arbitrary::Unstructured;
use leash_model::bounded::BoundedVec;
use leash_model::{GasLimit, PaymasterRule, Policy};

use super::Catalog;
use crate::case::GasTerms;

/// 1 gwei.
const GWEI: u128 = 1_000_000_000;
/// The largest gas value the EntryPoint admits (`AA94 gas values overflow` above it).
pub(crate) const ENTRY_POINT_MAX: u128 = (1 << 120) - 1;
/// The highest fee an op the account pays for names (100 gwei).
const ACCOUNT_FEE_MAX: u128 = 100 * GWEI;
/// Amounts of wei the limits are drawn from: nothing, one wei, a gwei, a finney, a hundredth of
/// an ether, a tenth.
const AMOUNTS: [u128; 6] =
    [0, 1, GWEI, 1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000];

/// No gas rule, or one with a paymaster rule, a fee cap and per-op and total limits, each
/// present or not, the allowlists naming the world's first paymaster (and, sometimes, a
/// bystander that pays nothing).
pub(super) fn rule(
    u: &mut Unstructured<'_>,
    catalog: &Catalog,
) -> arbitrary::Result<Option<GasLimit>> {
    if u.ratio(1, 2)? {
        return Ok(None);
    }
    let paymaster = match u.int_in_range(0u8..=9)? {
        0..=4 => PaymasterRule::Any,
        5 | 6 => PaymasterRule::Required,
        _ => {
            let mut list = BoundedVec::new();
            if let Some(first) = catalog.paymasters.first() {
                list.push(*first).expect("one of MAX_PAYMASTERS");
            }
            if list.is_empty() || u.ratio(1, 3)? {
                list.push(*u.choose(&catalog.bystanders)?).expect("two of MAX_PAYMASTERS");
            }
            PaymasterRule::OneOf(list)
        }
    };
    let max_fee_per_gas = if u.ratio(1, 2)? {
        Some(*u.choose(&[0, 1, GWEI, 50 * GWEI, ENTRY_POINT_MAX])?)
    } else {
        None
    };
    let per_op = if u.ratio(1, 2)? { Some(amount(u)?) } else { None };
    let total = if u.ratio(1, 2)? {
        Some(match u.int_in_range(0u8..=2)? {
            // A few ops' worth of the per-op limit, so the total runs out within a case.
            0 => per_op.unwrap_or(U256::ZERO).saturating_mul(U256::from(u.int_in_range(1u8..=3)?)),
            _ => amount(u)?,
        })
    } else {
        None
    };
    Ok(Some(GasLimit { paymaster, max_fee_per_gas, per_op, total }))
}

fn amount(u: &mut Unstructured<'_>) -> arbitrary::Result<U256> {
    Ok(U256::from(*u.choose(&AMOUNTS)?) * U256::from(u.int_in_range(1u8..=3)?))
}

/// An op's gas terms: the harness's free defaults now and then (`None`), else a payer (the
/// account, an allowlisted or another of the world's paymasters, with or without paymaster
/// data, now and then a field the EntryPoint refuses: [`malform`]), a fee at the policy's cap or
/// around common prices, and a cost aimed at the policy's per-op limit, what its total has left
/// of `spent`, or the EntryPoint's extremes.
pub(super) fn terms(
    u: &mut Unstructured<'_>,
    policy: &Policy,
    catalog: &Catalog,
    spent: U256,
) -> arbitrary::Result<Option<GasTerms>> {
    if u.ratio(1, 4)? {
        return Ok(None);
    }
    let gas = policy.gas.as_ref();
    let mut terms = GasTerms {
        verification_gas_limit: *u.choose(&[3_000_000, 10_000_000])?,
        call_gas_limit: *u.choose(&[2_000_000, 10_000_000])?,
        pre_verification_gas: *u.choose(&[0, 21_000, 100_000])?,
        max_priority_fee_per_gas: 0,
        max_fee_per_gas: 0,
        paymaster_and_data: Vec::new(),
    };
    // Who pays: the account, or one of the world's paymasters.
    let sponsored = !catalog.paymasters.is_empty() && u.ratio(1, 2)?;
    if sponsored {
        // An allowlisted one mostly; only deployed paymasters ever pay (an allowlist may also
        // name a bystander, which no op names).
        let listed: Vec<Address> = match gas.map(|g| &g.paymaster) {
            Some(PaymasterRule::OneOf(list)) => {
                catalog.paymasters.iter().copied().filter(|p| list.iter().any(|l| l == p)).collect()
            }
            _ => Vec::new(),
        };
        let paymaster = if !listed.is_empty() && u.ratio(2, 3)? {
            *u.choose(&listed)?
        } else {
            *u.choose(&catalog.paymasters)?
        };
        let verification = *u.choose(&[100_000, 1_000_000])?;
        let post_op = *u.choose(&[0, 50_000])?;
        terms.paymaster_and_data = GasTerms::paymaster_and_data(paymaster, verification, post_op);
        if u.ratio(1, 4)? {
            // Paymaster data after the static fields (the EntryPoint passes it on).
            let mut data = vec![0u8; u.int_in_range(1..=40)?];
            u.fill_buffer(&mut data)?;
            terms.paymaster_and_data.extend_from_slice(&data);
        }
        if u.ratio(1, 16)? {
            malform(u, &mut terms.paymaster_and_data)?;
        }
    }
    let cap = gas.and_then(|g| g.max_fee_per_gas);
    terms.max_fee_per_gas = match (u.int_in_range(0u8..=9)?, cap) {
        (0..=2, Some(cap)) => cap.saturating_add(u128::from(u.int_in_range(0u8..=1)?)),
        (3, Some(cap)) => cap.saturating_sub(1),
        (4..=6, _) => 1,
        (7, _) if sponsored => ENTRY_POINT_MAX,
        _ => *u.choose(&[0, GWEI, 30 * GWEI])?,
    }
    .min(ENTRY_POINT_MAX);
    if !sponsored {
        // The account holds 1,000 ether: at 100 gwei it can prefund any op of a case.
        terms.max_fee_per_gas = terms.max_fee_per_gas.min(ACCOUNT_FEE_MAX);
    }
    // The account pays what the op costs at `maxPriorityFeePerGas` (the block has no base fee):
    // all of it, none, or a part.
    terms.max_priority_fee_per_gas = match u.int_in_range(0u8..=2)? {
        0 => terms.max_fee_per_gas,
        1 => 0,
        _ => terms.max_fee_per_gas / 2,
    };
    // The cost to aim at.
    let target = match (u.int_in_range(0u8..=5)?, gas) {
        (0 | 1, Some(GasLimit { per_op: Some(per_op), .. })) => Some(*per_op),
        (2 | 3, Some(GasLimit { total: Some(total), .. })) => Some(total.saturating_sub(spent)),
        (4, _) => {
            // The EntryPoint's largest pre-verification gas, at a fee of one wei when a
            // paymaster's deposit can prefund it, else free (the account holds far less).
            let fee = u128::from(sponsored);
            terms.pre_verification_gas = ENTRY_POINT_MAX;
            terms.max_fee_per_gas = terms.max_fee_per_gas.min(fee);
            terms.max_priority_fee_per_gas = terms.max_priority_fee_per_gas.min(fee);
            None
        }
        _ => None,
    };
    if let Some(target) = target {
        aim(u, &mut terms, target)?;
    }
    Ok(Some(terms))
}

/// Makes a paymaster's `paymasterAndData` one the EntryPoint refuses before any module sees it
/// (spec §1.4.3): cut to 1 byte, short of the address (19), the bare address (20), a byte past it
/// (21), a byte short of the static fields (51) or any length below 52 (`AA93`); or, with the
/// static fields whole, naming `address(0)` (`AA98`).
fn malform(u: &mut Unstructured<'_>, paymaster_and_data: &mut Vec<u8>) -> arbitrary::Result<()> {
    if u.ratio(1, 4)? {
        paymaster_and_data[..20].fill(0);
        return Ok(());
    }
    let len = match u.int_in_range(0u8..=5)? {
        0 => 1,
        1 => 19,
        2 => 20,
        3 => 21,
        4 => 51,
        _ => u.int_in_range(1..=51)?,
    };
    paymaster_and_data.truncate(len);
    Ok(())
}

/// Sets `preVerificationGas` so that the op's cost is `target` or a wei around it (exactly, at
/// a fee of one wei; the nearest multiple of the fee otherwise).
fn aim(u: &mut Unstructured<'_>, terms: &mut GasTerms, target: U256) -> arbitrary::Result<()> {
    let fee = terms.max_fee_per_gas.max(1);
    terms.max_fee_per_gas = fee;
    terms.max_priority_fee_per_gas = terms.max_priority_fee_per_gas.min(fee);
    let gas = target / U256::from(fee);
    let gas = match u.int_in_range(0u8..=2)? {
        0 => gas.saturating_add(U256::from(1)),
        1 => gas.saturating_sub(U256::from(1)),
        _ => gas,
    };
    let fixed = terms.verification_gas_limit + terms.call_gas_limit + paymaster_gas(terms);
    let pre = gas.saturating_sub(U256::from(fixed));
    terms.pre_verification_gas =
        if pre > U256::from(ENTRY_POINT_MAX) { ENTRY_POINT_MAX } else { pre.to::<u128>() };
    Ok(())
}

/// The paymaster's two gas limits, when the op names a paymaster.
fn paymaster_gas(terms: &GasTerms) -> u128 {
    let pm = &terms.paymaster_and_data;
    if pm.len() < 52 {
        return 0;
    }
    let read = |at: usize| u128::from_be_bytes(pm[at..at + 16].try_into().expect("16 bytes"));
    read(20) + read(36)
}

/// The world's paymasters, as the catalog names them: an allowlist's first entry and another.
pub(crate) fn paymasters(addresses: &crate::evm::Addresses) -> Vec<Address> {
    addresses.paymasters.to_vec()
}
