//! Building `PackedUserOperation`s and computing EntryPoint v0.8's EIP-712 `userOpHash` in Rust.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolValue;

use super::abi::PackedUserOperation;
use super::keys::SessionKey;

/// `verificationGasLimit` of every op the harness builds.
pub const VERIFICATION_GAS_LIMIT: u128 = 10_000_000;
/// `callGasLimit` of every op the harness builds.
pub const CALL_GAS_LIMIT: u128 = 10_000_000;
/// `preVerificationGas` of every op the harness builds.
pub const PRE_VERIFICATION_GAS: u64 = 100_000;

/// `keccak256("PackedUserOperation(address sender,uint256 nonce,bytes initCode,bytes callData,
/// bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,bytes paymasterAndData)")`.
pub fn packed_user_op_typehash() -> B256 {
    keccak256(
        "PackedUserOperation(address sender,uint256 nonce,bytes initCode,bytes callData,\
         bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,\
         bytes paymasterAndData)",
    )
}

/// EntryPoint v0.8's EIP-712 domain separator: name `ERC4337`, version `1`, `chain_id`, and the
/// EntryPoint as verifying contract.
pub fn domain_separator(entry_point: Address, chain_id: u64) -> B256 {
    let typehash = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    );
    keccak256(
        (typehash, keccak256("ERC4337"), keccak256("1"), U256::from(chain_id), entry_point)
            .abi_encode(),
    )
}

/// EntryPoint v0.8's `getUserOpHash(op)`: the EIP-712 digest of every field but `signature`.
///
/// It differs from the EntryPoint only for an `initCode` starting with the EIP-7702 marker
/// (`0x7702` then 18 zero bytes), whose hash the EntryPoint replaces with the sender's delegate.
pub fn user_op_hash(op: &PackedUserOperation, entry_point: Address, chain_id: u64) -> B256 {
    let struct_hash = keccak256(
        (
            packed_user_op_typehash(),
            op.sender,
            op.nonce,
            keccak256(&op.initCode),
            keccak256(&op.callData),
            op.accountGasLimits,
            op.preVerificationGas,
            op.gasFees,
            keccak256(&op.paymasterAndData),
        )
            .abi_encode(),
    );
    let mut digest = [0u8; 66];
    digest[..2].copy_from_slice(&[0x19, 0x01]);
    digest[2..34].copy_from_slice(domain_separator(entry_point, chain_id).as_slice());
    digest[34..].copy_from_slice(struct_hash.as_slice());
    keccak256(digest)
}

/// The nonce of an op with 192-bit key `key` and sequence number 0: `key << 64`.
///
/// Every op of a case gets its own key, so dropping (or denying) one op never invalidates the
/// nonces of the others.
pub fn nonce_for_key(key: u64) -> U256 {
    U256::from(key) << 64
}

/// Packs two 128-bit numbers into a word: `high << 128 | low` (`accountGasLimits`, `gasFees`).
pub fn pack_u128(high: u128, low: u128) -> B256 {
    B256::from((U256::from(high) << 128) | U256::from(low))
}

/// An unsigned op from `sender` with nonce key `nonce_key` (sequence 0) and `call_data`: no
/// `initCode`, no paymaster, generous gas limits, and zero fees
/// (`maxFeePerGas = maxPriorityFeePerGas = 0`), so no prefund is ever needed.
pub fn unsigned_op(sender: Address, nonce_key: u64, call_data: Bytes) -> PackedUserOperation {
    PackedUserOperation {
        sender,
        nonce: nonce_for_key(nonce_key),
        initCode: Bytes::new(),
        callData: call_data,
        accountGasLimits: pack_u128(VERIFICATION_GAS_LIMIT, CALL_GAS_LIMIT),
        preVerificationGas: U256::from(PRE_VERIFICATION_GAS),
        gasFees: B256::ZERO,
        paymasterAndData: Bytes::new(),
        signature: Bytes::new(),
    }
}

/// Signs `op` in place with `key` over its `userOpHash`, replacing its signature with the 65-byte
/// `r | s | v`. Returns the hash.
///
/// Tests that need a malformed signature, or trailing decoy bytes after the 65th, overwrite or
/// extend `op.signature` afterwards: the signature is not covered by the hash.
pub fn sign_op(
    op: &mut PackedUserOperation,
    key: &SessionKey,
    entry_point: Address,
    chain_id: u64,
) -> B256 {
    let hash = user_op_hash(op, entry_point, chain_id);
    op.signature = Bytes::copy_from_slice(&key.sign_hash(hash));
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typehash_matches_the_entry_point_constant() {
        // `UserOperationLib.PACKED_USEROP_TYPEHASH`, as EntryPoint v0.8's
        // `getPackedUserOpTypeHash()` returns it.
        assert_eq!(
            packed_user_op_typehash(),
            "0x29a0bca4af4be3421398da00295e58e6d7de38cb492214754cb6a47507dd6f8e"
                .parse::<B256>()
                .unwrap()
        );
    }

    #[test]
    fn nonces_put_the_key_above_the_sequence() {
        assert_eq!(nonce_for_key(1), U256::from(1u128 << 64));
        let op = unsigned_op(Address::repeat_byte(1), 7, Bytes::from_static(b"x"));
        assert_eq!(op.nonce >> 64, U256::from(7));
        assert_eq!(op.gasFees, B256::ZERO);
        assert_eq!(
            U256::from_be_bytes(op.accountGasLimits.0) >> 128,
            U256::from(VERIFICATION_GAS_LIMIT)
        );
    }
}
