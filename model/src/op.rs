//! What the model sees of an op: its recovered signer, its `callData` and its gas terms (spec
//! §1.4, §16).

use alloy_primitives::{Address, U256};

/// What the model sees of an op: its recovered signer, its `callData` and its gas terms
/// (spec §1.4, §16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserOp<'a> {
    /// The address `signature[0..65]` recovers to over the `userOpHash`; `None` when the
    /// signature is malformed.
    pub signer: Option<Address>,
    /// `userOp.callData`.
    pub call_data: &'a [u8],
    /// The gas terms the EntryPoint reads from the op (spec §16).
    pub gas: OpGas,
}

impl<'a> UserOp<'a> {
    /// An op with this signer and `callData` and no gas cost: every gas value zero and no
    /// paymaster (what leash's EVM world sends when a case names no gas terms).
    pub fn new(signer: Option<Address>, call_data: &'a [u8]) -> Self {
        Self { signer, call_data, gas: OpGas::FREE }
    }
}

/// An op's gas terms as EntryPoint v0.8 reads them from `accountGasLimits`,
/// `preVerificationGas`, `gasFees` and `paymasterAndData` (spec §16).
///
/// The EntryPoint refuses an op any of whose gas values exceeds `2^120 - 1` (`AA94`) before the
/// account sees it, so every op a module validates has values far below these 128-bit fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OpGas {
    /// `accountGasLimits[0..16]`.
    pub verification_gas_limit: u128,
    /// `accountGasLimits[16..32]`.
    pub call_gas_limit: u128,
    /// `preVerificationGas`.
    pub pre_verification_gas: u128,
    /// `gasFees[16..32]`.
    pub max_fee_per_gas: u128,
    /// `paymasterAndData[0..20]`, or `address(0)` when `paymasterAndData` is empty (then the
    /// account prefunds the op itself).
    pub paymaster: Address,
    /// `paymasterAndData[20..36]` (zero without a paymaster).
    pub paymaster_verification_gas_limit: u128,
    /// `paymasterAndData[36..52]` (zero without a paymaster).
    pub paymaster_post_op_gas_limit: u128,
}

impl OpGas {
    /// Every gas value zero and no paymaster: an op that costs nothing.
    pub const FREE: Self = Self {
        verification_gas_limit: 0,
        call_gas_limit: 0,
        pre_verification_gas: 0,
        max_fee_per_gas: 0,
        paymaster: Address::ZERO,
        paymaster_verification_gas_limit: 0,
        paymaster_post_op_gas_limit: 0,
    };

    /// The gas the EntryPoint reserves for the op (spec §16): the sum of its five gas limits;
    /// `None` when the sum does not fit in 128 bits, which no op the EntryPoint admits reaches
    /// (each term is below `2^120`).
    pub fn required_gas(&self) -> Option<u128> {
        self.verification_gas_limit
            .checked_add(self.call_gas_limit)?
            .checked_add(self.paymaster_verification_gas_limit)?
            .checked_add(self.paymaster_post_op_gas_limit)?
            .checked_add(self.pre_verification_gas)
    }

    /// The op's maximum cost (spec §16): its required gas times `maxFeePerGas`, the prefund the
    /// EntryPoint computes at validation. Exact: `None` only when [`Self::required_gas`] is.
    pub fn max_cost(&self) -> Option<U256> {
        self.required_gas().map(|gas| wide_product(gas, self.max_fee_per_gas))
    }
}

/// `a * b` exactly, as a 256-bit word built from four 64x64-bit products: no 128- or 256-bit
/// multiplication (spec §16, the model's Kani-friendly arithmetic).
pub fn wide_product(a: u128, b: u128) -> U256 {
    const LOW: u128 = u64::MAX as u128;
    let (a0, a1) = (a & LOW, a >> 64);
    let (b0, b1) = (b & LOW, b >> 64);
    // Each partial product is of two 64-bit halves, so it fits in 128 bits.
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // a * b = p11 * 2^128 + (p01 + p10) * 2^64 + p00, assembled limb by limb.
    let limb0 = p00 as u64;
    let mid = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let limb1 = mid as u64;
    let high = (mid >> 64) + (p01 >> 64) + (p10 >> 64) + (p11 & LOW);
    let limb2 = high as u64;
    let limb3 = ((high >> 64) + (p11 >> 64)) as u64;
    U256::from_limbs([limb0, limb1, limb2, limb3])
}
