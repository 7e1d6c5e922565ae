// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConfigId, IUserOpPolicy, IActionPolicy} from "@rhinestone/modulekit/src/module-bases/interfaces/IPolicy.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {LeashPolicyBase} from "./LeashPolicyBase.sol";

/// @title LeashUsageLimitPolicy
/// @notice Counts uses against a limit, with the configuration, getter and semantics of
///         SmartSessions' UsageLimitPolicy: the configuration is a non-zero `uint128` limit in its
///         first 16 bytes; every check counts one (per op as a userOp policy, per execution as an
///         action policy) and fails once `used + 1 > limit`. leash's own code (MIT).
contract LeashUsageLimitPolicy is LeashPolicyBase, IUserOpPolicy, IActionPolicy {
    /// @notice A configuration's limit and its uses.
    struct UsageLimitConfig {
        uint128 limit;
        uint128 used;
    }

    /// @notice The configuration of (config id, multiplexer, account).
    mapping(ConfigId id => mapping(address multiplexer => mapping(address account => UsageLimitConfig))) public
        usageLimitConfigs;

    function _initialize(ConfigId id, address multiplexer, address account, bytes calldata initData)
        internal
        override
    {
        uint128 limit = uint128(bytes16(initData[0:16]));
        if (limit == 0) revert PolicyNotInitialized(id, multiplexer, account);
        usageLimitConfigs[id][multiplexer][account] = UsageLimitConfig({limit: limit, used: 0});
    }

    /// @inheritdoc IUserOpPolicy
    function checkUserOpPolicy(ConfigId id, PackedUserOperation calldata op) external returns (uint256) {
        return _use(id, op.sender);
    }

    /// @inheritdoc IActionPolicy
    function checkAction(ConfigId id, address account, address, uint256, bytes calldata) external returns (uint256) {
        return _use(id, account);
    }

    /// @notice The uses counted so far.
    function getUsed(ConfigId id, address multiplexer, address account) external view returns (uint128) {
        return usageLimitConfigs[id][multiplexer][account].used;
    }

    function _use(ConfigId id, address account) private returns (uint256) {
        UsageLimitConfig storage config = usageLimitConfigs[id][msg.sender][account];
        uint128 used = config.used + 1;
        if (used > config.limit) return 1;
        config.used = used;
        return 0;
    }

    function _supportsPolicyType(bytes4 interfaceId) internal pure override returns (bool) {
        return interfaceId == type(IUserOpPolicy).interfaceId || interfaceId == type(IActionPolicy).interfaceId;
    }
}
