// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConfigId, IUserOpPolicy} from "@rhinestone/modulekit/src/module-bases/interfaces/IPolicy.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {LeashPolicyBase} from "./LeashPolicyBase.sol";

/// @title LeashTimeFramePolicy
/// @notice A userOp policy returning a time window for the EntryPoint to enforce, with the
///         configuration and semantics of SmartSessions' TimeFramePolicy as a userOp policy: the
///         configuration is 12 bytes, `validUntil (6) | validAfter (6)`, with
///         `validUntil == 0 || validAfter <= validUntil`; a check on a configuration whose both
///         bounds are zero reverts; otherwise it returns `validUntil << 160 | validAfter << 208`.
///         leash's own code (MIT).
contract LeashTimeFramePolicy is LeashPolicyBase, IUserOpPolicy {
    /// @notice The bounds of (config id, multiplexer, account): `validUntil << 48 | validAfter`.
    mapping(ConfigId id => mapping(address multiplexer => mapping(address account => uint96))) public
        timeFrameConfigs;

    function _initialize(ConfigId id, address multiplexer, address account, bytes calldata initData)
        internal
        override
    {
        uint96 config = uint96(bytes12(initData[0:12]));
        uint48 validUntil = uint48(config >> 48);
        uint48 validAfter = uint48(config);
        if (validUntil != 0 && validAfter > validUntil) revert PolicyNotInitialized(id, multiplexer, account);
        timeFrameConfigs[id][multiplexer][account] = config;
    }

    /// @inheritdoc IUserOpPolicy
    function checkUserOpPolicy(ConfigId id, PackedUserOperation calldata op) external view returns (uint256) {
        uint96 config = timeFrameConfigs[id][msg.sender][op.sender];
        if (config == 0) revert PolicyNotInitialized(id, msg.sender, op.sender);
        uint256 validUntil = uint48(config >> 48);
        uint256 validAfter = uint48(config);
        return validUntil << 160 | validAfter << 208;
    }

    function _supportsPolicyType(bytes4 interfaceId) internal pure override returns (bool) {
        return interfaceId == type(IUserOpPolicy).interfaceId;
    }
}
