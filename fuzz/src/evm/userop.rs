//! Building `PackedUserOperation`s and computing EntryPoint v0.8's EIP-712 `userOpHash` in Rust.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolValue;
use leash_model::OpGas;

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

/// The `initCode` of an op from an EOA delegated with EIP-7702: EntryPoint v0.8's marker,
/// `0x7702` then 18 zero bytes. The EntryPoint creates nothing for it; it hashes the sender's
/// delegate in its place ([`user_op_hash_7702`]), so the signature binds the code the EOA runs.
pub const EIP7702_INIT_CODE: [u8; 20] = {
    let mut marker = [0u8; 20];
    marker[0] = 0x77;
    marker[1] = 0x02;
    marker
};

/// Whether EntryPoint v0.8 reads `init_code` as the EIP-7702 marker (`Eip7702Support`): at
/// least 2 bytes whose first 20, zero-padded as calldata is, are [`EIP7702_INIT_CODE`]. Bytes
/// after the 20th are calldata the EntryPoint sends the EOA before validation.
pub fn is_eip7702_init_code(init_code: &[u8]) -> bool {
    let mut head = [0u8; 20];
    let n = init_code.len().min(20);
    head[..n].copy_from_slice(&init_code[..n]);
    init_code.len() >= 2 && head == EIP7702_INIT_CODE
}

/// EntryPoint v0.8's `getUserOpHash(op)`: the EIP-712 digest of every field but `signature`,
/// for an op whose `initCode` is not the EIP-7702 marker (use [`user_op_hash_7702`] for one).
pub fn user_op_hash(op: &PackedUserOperation, entry_point: Address, chain_id: u64) -> B256 {
    digest(op, keccak256(&op.initCode), entry_point, chain_id)
}

/// EntryPoint v0.8's `getUserOpHash(op)` for an op from an EOA that delegates to `delegate`:
/// when `initCode` is the EIP-7702 marker ([`is_eip7702_init_code`]) its hash is replaced by
/// `keccak256(delegate ‖ initCode[20..])`, so re-delegating the EOA to other code invalidates
/// every op signed before. Any other `initCode` is hashed as [`user_op_hash`] does.
pub fn user_op_hash_7702(
    op: &PackedUserOperation,
    delegate: Address,
    entry_point: Address,
    chain_id: u64,
) -> B256 {
    digest(op, init_code_hash(op, Some(delegate)), entry_point, chain_id)
}

/// The hash EntryPoint v0.8 puts where `initCode`'s would be: with the EIP-7702 marker and a
/// `delegate`, `keccak256(delegate ‖ initCode[20..])`; otherwise `keccak256(initCode)`.
fn init_code_hash(op: &PackedUserOperation, delegate: Option<Address>) -> B256 {
    match delegate {
        Some(delegate) if is_eip7702_init_code(&op.initCode) => {
            let tail = op.initCode.get(20..).unwrap_or_default();
            keccak256([delegate.as_slice(), tail].concat())
        }
        _ => keccak256(&op.initCode),
    }
}

/// The EIP-712 digest `keccak256(0x1901 ‖ domain ‖ struct_hash)`.
fn eip712(domain: B256, struct_hash: B256) -> B256 {
    let mut preimage = [0u8; 66];
    preimage[..2].copy_from_slice(&[0x19, 0x01]);
    preimage[2..34].copy_from_slice(domain.as_slice());
    preimage[34..].copy_from_slice(struct_hash.as_slice());
    keccak256(preimage)
}

fn digest(
    op: &PackedUserOperation,
    init_code_hash: B256,
    entry_point: Address,
    chain_id: u64,
) -> B256 {
    let struct_hash = keccak256(
        (
            packed_user_op_typehash(),
            op.sender,
            op.nonce,
            init_code_hash,
            keccak256(&op.callData),
            op.accountGasLimits,
            op.preVerificationGas,
            op.gasFees,
            keccak256(&op.paymasterAndData),
        )
            .abi_encode(),
    );
    eip712(domain_separator(entry_point, chain_id), struct_hash)
}

/// `keccak256` of the EIP-712 type strings and domain name and version of the reference module's
/// own digest ([`session_op_digest`]), hashed once.
struct SessionDigestConstants {
    domain_typehash: B256,
    name_hash: B256,
    version_hash: B256,
    session_op_typehash: B256,
}

static SESSION_DIGEST: std::sync::LazyLock<SessionDigestConstants> =
    std::sync::LazyLock::new(|| SessionDigestConstants {
        domain_typehash: keccak256(
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
        ),
        name_hash: keccak256("LeashSessionManager"),
        version_hash: keccak256("1"),
        session_op_typehash: keccak256(
            "SessionOp(address entryPoint,address account,uint256 nonce,bytes32 opHash)",
        ),
    });

/// The digest a session key signs for the reference module (`SessionManager.sessionOpDigest`,
/// spec §1.4.1), computed in Rust: EIP-712 under the domain `("LeashSessionManager", "1",
/// chain_id, module)` of `SessionOp(entryPoint, account, nonce, opHash)`, where `account` is the
/// op's sender and `opHash` hashes its other fields as EntryPoint v0.8 packs them. `delegate` is
/// the code the sender delegates to (the EIP-7702 frame): with the EIP-7702 `initCode` marker the
/// op binds it, as [`user_op_hash_7702`] does.
pub fn session_op_digest(
    op: &PackedUserOperation,
    delegate: Option<Address>,
    entry_point: Address,
    module: Address,
    chain_id: u64,
) -> B256 {
    let c = &*SESSION_DIGEST;
    let op_hash = keccak256(
        (
            init_code_hash(op, delegate),
            keccak256(&op.callData),
            op.accountGasLimits,
            op.preVerificationGas,
            op.gasFees,
            keccak256(&op.paymasterAndData),
        )
            .abi_encode(),
    );
    let domain = keccak256(
        (c.domain_typehash, c.name_hash, c.version_hash, U256::from(chain_id), module).abi_encode(),
    );
    let struct_hash =
        keccak256((c.session_op_typehash, entry_point, op.sender, op.nonce, op_hash).abi_encode());
    eip712(domain, struct_hash)
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

/// The op's gas terms as EntryPoint v0.8 reads them (spec §16): the two halves of
/// `accountGasLimits` and `gasFees`, `preVerificationGas`, and the paymaster's static fields of
/// `paymasterAndData` (none when it is shorter than the 52 bytes the EntryPoint requires of a
/// non-empty one, which it refuses with `AA93`). A `preVerificationGas` above 128 bits (refused
/// with `AA94`) reads as `u128::MAX`.
pub fn op_gas(op: &PackedUserOperation) -> OpGas {
    let halves = |word: &B256| {
        let high = u128::from_be_bytes(word.0[..16].try_into().expect("16 bytes"));
        let low = u128::from_be_bytes(word.0[16..].try_into().expect("16 bytes"));
        (high, low)
    };
    let (verification_gas_limit, call_gas_limit) = halves(&op.accountGasLimits);
    let (_, max_fee_per_gas) = halves(&op.gasFees);
    let pm = &op.paymasterAndData;
    let (paymaster, paymaster_verification_gas_limit, paymaster_post_op_gas_limit) =
        if pm.len() >= 52 {
            let read = |range: core::ops::Range<usize>| {
                u128::from_be_bytes(pm[range].try_into().expect("16 bytes"))
            };
            (Address::from_slice(&pm[..20]), read(20..36), read(36..52))
        } else {
            (Address::ZERO, 0, 0)
        };
    OpGas {
        verification_gas_limit,
        call_gas_limit,
        pre_verification_gas: op.preVerificationGas.saturating_to(),
        max_fee_per_gas,
        paymaster,
        paymaster_verification_gas_limit,
        paymaster_post_op_gas_limit,
    }
}

/// `paymasterAndData` of 1 to 51 bytes: EntryPoint v0.8 reverts the whole `handleOps` with
/// `Error("AA93 invalid paymasterAndData")` (spec §1.4.3).
pub const AA93_INVALID_PAYMASTER_AND_DATA: &str = "AA93 invalid paymasterAndData";
/// `paymasterAndData` of 52 bytes or more naming `address(0)`: EntryPoint v0.8 reverts the whole
/// `handleOps` with `Error("AA98 invalid paymaster")` (spec §1.4.3).
pub const AA98_INVALID_PAYMASTER: &str = "AA98 invalid paymaster";

/// Why EntryPoint v0.8's `_copyUserOpToMemory` refuses an op with this `paymasterAndData`
/// before any account or module code runs (spec §1.4.3): [`AA93_INVALID_PAYMASTER_AND_DATA`]
/// for 1 to 51 bytes, [`AA98_INVALID_PAYMASTER`] for 52 or more whose first 20 name
/// `address(0)`; `None` for an empty field (the account pays) or one naming a paymaster. Unlike
/// a validation failure, the refusal is a plain `Error(string)` that names no op: the whole
/// `handleOps` reverts, and the bundler finds the op by this predicate ([`World::run_bundle`]).
///
/// [`World::run_bundle`]: super::World::run_bundle
pub fn paymaster_and_data_refusal(paymaster_and_data: &[u8]) -> Option<&'static str> {
    match paymaster_and_data.len() {
        0 => None,
        1..=51 => Some(AA93_INVALID_PAYMASTER_AND_DATA),
        _ if paymaster_and_data[..20] == [0u8; 20] => Some(AA98_INVALID_PAYMASTER),
        _ => None,
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
    fn the_eip7702_marker_is_read_as_the_entry_point_reads_it() {
        assert!(is_eip7702_init_code(&EIP7702_INIT_CODE));
        // Calldata is zero-padded: two bytes are enough, and calldata may follow the marker.
        assert!(is_eip7702_init_code(&[0x77, 0x02]));
        assert!(is_eip7702_init_code(&[EIP7702_INIT_CODE.as_slice(), &[0xab; 4]].concat()));
        assert!(!is_eip7702_init_code(&[0x77]));
        assert!(!is_eip7702_init_code(&[]));
        let mut dirty = EIP7702_INIT_CODE;
        dirty[19] = 1;
        assert!(!is_eip7702_init_code(&dirty));
        // The delegate is hashed in the marker's place, and only there.
        let mut op = unsigned_op(Address::repeat_byte(1), 3, Bytes::from_static(b"x"));
        let (ep, a, b) =
            (Address::repeat_byte(2), Address::repeat_byte(3), Address::repeat_byte(4));
        assert_eq!(user_op_hash_7702(&op, a, ep, 1), user_op_hash(&op, ep, 1));
        op.initCode = Bytes::copy_from_slice(&EIP7702_INIT_CODE);
        assert_ne!(user_op_hash_7702(&op, a, ep, 1), user_op_hash_7702(&op, b, ep, 1));
        assert_ne!(user_op_hash_7702(&op, a, ep, 1), user_op_hash(&op, ep, 1));
    }

    #[test]
    fn nonces_put_the_key_above_the_sequence() {
        assert_eq!(nonce_for_key(1), U256::from(1u128 << 64));
        let op = unsigned_op(Address::repeat_byte(1), 7, Bytes::from_static(b"x"));
        assert_eq!(op.nonce >> 64, U256::from(7));
        assert_eq!(op.gasFees, B256::ZERO);
        assert!(op.initCode.is_empty());
        assert_eq!(
            U256::from_be_bytes(op.accountGasLimits.0) >> 128,
            U256::from(VERIFICATION_GAS_LIMIT)
        );
    }

    #[test]
    fn gas_terms_are_read_as_the_entry_point_unpacks_them() {
        let mut op = unsigned_op(Address::repeat_byte(1), 7, Bytes::new());
        let free = op_gas(&op);
        assert_eq!(free.verification_gas_limit, VERIFICATION_GAS_LIMIT);
        assert_eq!(free.call_gas_limit, CALL_GAS_LIMIT);
        assert_eq!(free.pre_verification_gas, u128::from(PRE_VERIFICATION_GAS));
        assert_eq!((free.max_fee_per_gas, free.paymaster), (0, Address::ZERO));
        assert_eq!(free.max_cost(), Some(U256::ZERO));
        op.gasFees = pack_u128(3, 7);
        let mut pm = Address::repeat_byte(0xaa).to_vec();
        pm.extend_from_slice(&11u128.to_be_bytes());
        pm.extend_from_slice(&13u128.to_be_bytes());
        pm.extend_from_slice(b"data");
        op.paymasterAndData = Bytes::from(pm);
        let gas = op_gas(&op);
        assert_eq!(gas.max_fee_per_gas, 7);
        assert_eq!(gas.paymaster, Address::repeat_byte(0xaa));
        assert_eq!(
            (gas.paymaster_verification_gas_limit, gas.paymaster_post_op_gas_limit),
            (11, 13)
        );
        let required = VERIFICATION_GAS_LIMIT + CALL_GAS_LIMIT + 24 + 100_000;
        assert_eq!(gas.max_cost(), Some(U256::from(required * 7)));
    }
    #[test]
    fn malformed_paymaster_fields_are_refused_as_the_entry_point_refuses_them() {
        let named = paymaster_field(Address::repeat_byte(0xaa));
        assert_eq!(paymaster_and_data_refusal(&[]), None);
        assert_eq!(paymaster_and_data_refusal(&named), None);
        assert_eq!(paymaster_and_data_refusal(&[named.as_slice(), b"data"].concat()), None);
        for len in [1, 19, 20, 21, 51] {
            assert_eq!(
                paymaster_and_data_refusal(&named[..len]),
                Some(AA93_INVALID_PAYMASTER_AND_DATA),
                "{len} bytes"
            );
        }
        let zero = paymaster_field(Address::ZERO);
        assert_eq!(paymaster_and_data_refusal(&zero), Some(AA98_INVALID_PAYMASTER));
        assert_eq!(
            paymaster_and_data_refusal(&[zero.as_slice(), &[1; 9]].concat()),
            Some(AA98_INVALID_PAYMASTER)
        );
        // Only the address is read: zero gas limits after a named paymaster are admitted.
        let mut limits_zero = named.clone();
        limits_zero[20..].fill(0);
        assert_eq!(paymaster_and_data_refusal(&limits_zero), None);
    }

    /// `paymasterAndData` naming `paymaster`, with verification gas 11 and post-op gas 13.
    fn paymaster_field(paymaster: Address) -> Vec<u8> {
        let mut pm = paymaster.to_vec();
        pm.extend_from_slice(&11u128.to_be_bytes());
        pm.extend_from_slice(&13u128.to_be_bytes());
        pm
    }
}
