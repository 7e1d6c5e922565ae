// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {LibERC7579} from "solady/src/accounts/LibERC7579.sol";
import {IValidator} from "../interfaces/IValidator.sol";

/// @title LeashAccountCore
/// @notice What leash's accounts share: the ERC-7579 `execute` and the forwarding of ERC-4337
///         validation to one validator module. One implementation, so the same module meets the
///         same semantics on a deployed account (`LeashAccount`) and on an EOA delegated with
///         EIP-7702 (`LeashAccount7702`). Who may call `execute` and where the validator is kept
///         are each account's business (`_authorizeExecute`, the `validator` it forwards to).
/// @dev What is deliberately realistic:
///      - Validation is delegated wholesale to the validator module (`_forwardValidation`). The
///        account re-encodes the user operation (`abi.encodeCall`) exactly as modular accounts do,
///        bubbles the module's revert data unchanged and returns its `validationData` untouched.
///      - `execute(bytes32 mode, bytes executionCalldata)` decodes the ERC-7579 mode and payload with
///        Solady's `LibERC7579`, which is lenient but bounded:
///          * only mode byte 0 (call type) and byte 1 (exec type) are read; bytes 2..31 are ignored;
///          * single = `target(20) | value(32) | callData`, at least 52 bytes;
///          * batch = `abi.encode(Execution[])`, accepted with non-canonical offsets, aliased or
///            overlapping items and trailing bytes, as long as every offset and length is below
///            2^64 and every head and tail lies inside `executionCalldata`; the upper 12 bytes of
///            each item's target word are ignored (as in Solady's ERC7821);
///          * delegatecall = `target(20) | callData`, at least 20 bytes.
///      - Delegatecall and try mode are supported: restricting them is the validator's job, not
///        the account's.
///      - Target `address(0)` means `address(this)` for single and batch calls (the alias used by
///        OpenZeppelin's ERC7579Utils and Solady's ERC7821). Delegatecall targets are not aliased.
abstract contract LeashAccountCore {
    /// @notice Emitted in try mode for each call that failed.
    /// @param index Position of the failed call in the batch (0 for single and delegatecall).
    /// @param result The revert data returned by the failed call.
    event TryExecuteUnsuccessful(uint256 index, bytes result);

    /// @notice `execute` was called by someone the account does not let execute.
    error Unauthorized(address caller);
    /// @notice Mode byte 0 is not single (0x00), batch (0x01) or delegatecall (0xff).
    error UnsupportedCallType(bytes1 callType);
    /// @notice Mode byte 1 is not default (0x00) or try (0x01).
    error UnsupportedExecType(bytes1 execType);

    /// @notice ERC-7579 execution.
    /// @dev Callable by whom `_authorizeExecute` lets through. Mode byte 0 selects single, batch or
    ///      delegatecall; mode byte 1 selects default (revert on the first failure, with the
    ///      callee's revert data) or try (emit `TryExecuteUnsuccessful` and continue).
    /// @param mode The ERC-7579 mode word; bytes 2..31 are ignored.
    /// @param executionCalldata The encoded execution(s), see the contract header.
    function execute(bytes32 mode, bytes calldata executionCalldata) external payable {
        _authorizeExecute();
        bytes1 callType = LibERC7579.getCallType(mode);
        bytes1 execType = LibERC7579.getExecType(mode);
        if (!_supportsCallType(callType)) revert UnsupportedCallType(callType);
        if (!_supportsExecType(execType)) revert UnsupportedExecType(execType);
        bool isTry = execType == LibERC7579.EXECTYPE_TRY;

        if (callType == LibERC7579.CALLTYPE_SINGLE) {
            (address target, uint256 value, bytes calldata data) = LibERC7579.decodeSingle(executionCalldata);
            _call(0, isTry, target, value, data);
        } else if (callType == LibERC7579.CALLTYPE_BATCH) {
            bytes32[] calldata pointers = LibERC7579.decodeBatch(executionCalldata);
            for (uint256 i; i < pointers.length; ++i) {
                (address target, uint256 value, bytes calldata data) = LibERC7579.getExecution(pointers, i);
                assembly ("memory-safe") {
                    target := shr(96, shl(96, target))
                }
                _call(i, isTry, target, value, data);
            }
        } else {
            (address target, bytes calldata data) = LibERC7579.decodeDelegate(executionCalldata);
            (bool success, bytes memory result) = target.delegatecall(data);
            _handleResult(0, isTry, success, result);
        }
    }

    /// @notice Whether `execute` accepts `mode`.
    /// @param mode The ERC-7579 mode word; only bytes 0 and 1 matter.
    /// @return True for call types single, batch, delegatecall with exec types default or try.
    function supportsExecutionMode(bytes32 mode) external pure returns (bool) {
        return _supportsCallType(LibERC7579.getCallType(mode)) && _supportsExecType(LibERC7579.getExecType(mode));
    }

    /// @dev Reverts `Unauthorized(msg.sender)` unless the caller may call `execute`.
    function _authorizeExecute() internal view virtual;

    /// @dev Asks `validator` about `userOp`, then pays the prefund. A reverting validator's revert
    ///      data is bubbled unchanged. A failed prefund transfer is ignored, as in SimpleAccount:
    ///      the EntryPoint checks it.
    function _forwardValidation(
        address validator,
        PackedUserOperation calldata userOp,
        bytes32 userOpHash,
        uint256 missingAccountFunds
    ) internal returns (uint256 validationData) {
        (bool ok, bytes memory ret) = validator.call(abi.encodeCall(IValidator.validateUserOp, (userOp, userOpHash)));
        if (!ok) _bubble(ret);
        validationData = abi.decode(ret, (uint256));
        if (missingAccountFunds != 0) {
            (bool paid,) = payable(msg.sender).call{value: missingAccountFunds}("");
            (paid);
        }
    }

    /// @dev Plain CALL with value; target 0 is aliased to this account.
    function _call(uint256 index, bool isTry, address target, uint256 value, bytes calldata data) private {
        if (target == address(0)) target = address(this);
        (bool success, bytes memory result) = target.call{value: value}(data);
        _handleResult(index, isTry, success, result);
    }

    /// @dev Default mode bubbles the failure; try mode reports it and continues.
    function _handleResult(uint256 index, bool isTry, bool success, bytes memory result) private {
        if (success) return;
        if (!isTry) _bubble(result);
        emit TryExecuteUnsuccessful(index, result);
    }

    /// @dev Reverts with `data` as the revert data, unchanged.
    function _bubble(bytes memory data) private pure {
        assembly ("memory-safe") {
            revert(add(data, 0x20), mload(data))
        }
    }

    function _supportsCallType(bytes1 callType) private pure returns (bool) {
        return callType == LibERC7579.CALLTYPE_SINGLE || callType == LibERC7579.CALLTYPE_BATCH
            || callType == LibERC7579.CALLTYPE_DELEGATECALL;
    }

    function _supportsExecType(bytes1 execType) private pure returns (bool) {
        return execType == LibERC7579.EXECTYPE_DEFAULT || execType == LibERC7579.EXECTYPE_TRY;
    }
}
