//! spec §16: gas and paymaster limits, over the op's maximum cost.
//!
//! The cost is `required_gas * maxFeePerGas` ([`OpGas::max_cost`]): the sum in 128 bits, the
//! product exact in 256 bits from four 64x64-bit products, so no predicate here multiplies or
//! divides wide words.

use crate::counters::Counters;
use crate::op::OpGas;
use crate::policy::{GasLimit, PaymasterRule};
use crate::verdict::DenyReason;

/// Checks an op's gas terms against the policy's gas rule and counts its cost (spec §16).
pub(super) fn check(
    limit: Option<&GasLimit>,
    gas: &OpGas,
    counters: &mut Counters,
) -> Result<(), DenyReason> {
    let Some(limit) = limit else {
        return Ok(());
    };
    // spec §16.1: `address(0)` is the account paying for itself.
    let sponsored = !gas.paymaster.is_zero();
    match &limit.paymaster {
        PaymasterRule::Any => {}
        // spec §16.1.1
        PaymasterRule::Required if !sponsored => return Err(DenyReason::PaymasterRequired),
        PaymasterRule::Required => {}
        PaymasterRule::OneOf(_) if !sponsored => return Err(DenyReason::PaymasterRequired),
        // spec §16.1.2
        PaymasterRule::OneOf(list) => {
            if !list.iter().any(|p| *p == gas.paymaster) {
                return Err(DenyReason::Paymaster);
            }
        }
    }
    // spec §16.2
    if let Some(cap) = limit.max_fee_per_gas
        && gas.max_fee_per_gas > cap
    {
        return Err(DenyReason::GasFee);
    }
    // An op whose gas limits overflow 128 bits (which the EntryPoint never admits) costs more
    // than every limit.
    let cost = gas.max_cost();
    // spec §16.3
    if let Some(per_op) = limit.per_op
        && cost.is_none_or(|cost| cost > per_op)
    {
        return Err(DenyReason::GasPerOp);
    }
    // spec §16.4
    if let Some(total) = limit.total {
        match cost.and_then(|cost| counters.gas_spent.checked_add(cost)) {
            Some(spent) if spent <= total => counters.gas_spent = spent,
            _ => return Err(DenyReason::GasTotal),
        }
    }
    Ok(())
}
