// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {
    ConfigId,
    IActionPolicy,
    IUserOpPolicy,
    I1271Policy
} from "@rhinestone/modulekit/src/module-bases/interfaces/IPolicy.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {LeashPolicyBase} from "./LeashPolicyBase.sol";

/// @title LeashSudoPolicy
/// @notice Allows everything: an action whose only policy is this one has no restriction (the
///         behaviour of SmartSessions' SudoPolicy). leash's own code (MIT).
contract LeashSudoPolicy is LeashPolicyBase, IActionPolicy, IUserOpPolicy, I1271Policy {
    function _initialize(ConfigId, address, address, bytes calldata) internal override {}

    /// @inheritdoc IActionPolicy
    function checkAction(ConfigId, address, address, uint256, bytes calldata) external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc IUserOpPolicy
    function checkUserOpPolicy(ConfigId, PackedUserOperation calldata) external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc I1271Policy
    function check1271SignedAction(ConfigId, address, address, bytes32, bytes calldata) external pure returns (bool) {
        return true;
    }

    function _supportsPolicyType(bytes4 interfaceId) internal pure override returns (bool) {
        return interfaceId == type(IActionPolicy).interfaceId || interfaceId == type(IUserOpPolicy).interfaceId
            || interfaceId == type(I1271Policy).interfaceId;
    }
}
