// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/// @title IValidator
/// @notice The validator module interface that `LeashAccount` installs and forwards user-operation
///         validation to (the ERC-7579 validator shape, without `isValidSignatureWithSender`).
interface IValidator {
    /// @notice Called once by the account when the module is installed.
    /// @param data Module-specific initialisation data.
    function onInstall(bytes calldata data) external;

    /// @notice Called by the account when the module is uninstalled.
    /// @param data Module-specific de-initialisation data.
    function onUninstall(bytes calldata data) external;

    /// @notice Validates a user operation on behalf of the calling account (`msg.sender`).
    /// @param userOp The user operation, as re-encoded by the account.
    /// @param userOpHash The EntryPoint's hash of `userOp`.
    /// @return validationData ERC-4337 packed validation data
    ///         (`authorizer(20) | validUntil(6) | validAfter(6)`, authorizer 1 = signature failure).
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        returns (uint256 validationData);
}
