// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IValidator} from "../interfaces/IValidator.sol";

/// @title AnyOpValidator
/// @notice A stranger's validator module: it validates every user operation of every account
///         that installs it. What an attacker installs on an account whose initializer anyone can
///         call (`docs/spec.md` §18.4; EIP-7702, Security Considerations, "front running
///         initialization"): after that, any op the attacker signs runs as the account.
contract AnyOpValidator is IValidator {
    /// @notice Accepts the install.
    /// @param data Ignored.
    function onInstall(bytes calldata data) external override {}

    /// @notice Accepts the uninstall.
    /// @param data Ignored.
    function onUninstall(bytes calldata data) external override {}

    /// @notice Validates every user operation, at any time.
    /// @param userOp Ignored.
    /// @param userOpHash Ignored.
    /// @return validationData Always 0: a valid signature, no time bounds.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        pure
        override
        returns (uint256 validationData)
    {
        (userOp, userOpHash);
        return 0;
    }
}
