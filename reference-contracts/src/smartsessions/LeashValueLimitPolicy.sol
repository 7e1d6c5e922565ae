// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConfigId, IUserOpPolicy} from "@rhinestone/modulekit/src/module-bases/interfaces/IPolicy.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {LeashPolicyBase} from "./LeashPolicyBase.sol";

/// @notice An ERC-7579 execution, as `abi.encode(Execution[])` lays it out.
struct Execution {
    address target;
    uint256 value;
    bytes callData;
}

/// @title LeashValueLimitPolicy
/// @notice A userOp policy capping the native value a session sends in total, with the
///         configuration, getter and semantics of SmartSessions' ValueLimitPolicy as a userOp
///         policy: the configuration is a 32-byte non-zero limit; an `execute` op counts the value
///         of its single execution, or the sum over its batch; other selectors count zero;
///         delegatecall and static call types revert; `used + value <= limit`, then
///         `used += value`.
/// @dev It decodes `callData` the way SmartSession did in October 2024 (the build inside
///      modulekit 0.5.9, which it accompanies): offsets are followed with no bounds
///      checks beyond Solidity's own calldata checks. leash's own code (MIT).
contract LeashValueLimitPolicy is LeashPolicyBase, IUserOpPolicy {
    /// @notice The op's call type is neither single nor batch.
    error UnsupportedCallType(bytes1 callType);

    /// @notice A session's cap and what it has used.
    struct ValueLimitConfig {
        uint256 valueLimit;
        uint256 limitUsed;
    }

    /// @notice The configuration of (config id, multiplexer, account).
    mapping(ConfigId id => mapping(address multiplexer => mapping(address account => ValueLimitConfig))) public
        valueLimitConfigs;

    function _initialize(ConfigId id, address multiplexer, address account, bytes calldata initData)
        internal
        override
    {
        uint256 limit = uint256(bytes32(initData[0:32]));
        if (limit == 0) revert PolicyNotInitialized(id, multiplexer, account);
        valueLimitConfigs[id][multiplexer][account] = ValueLimitConfig({valueLimit: limit, limitUsed: 0});
    }

    /// @inheritdoc IUserOpPolicy
    function checkUserOpPolicy(ConfigId id, PackedUserOperation calldata op) external returns (uint256) {
        ValueLimitConfig storage config = valueLimitConfigs[id][msg.sender][op.sender];
        uint256 value = _opValue(op.callData);
        if (config.limitUsed + value > config.valueLimit) return 1;
        config.limitUsed += value;
        return 0;
    }

    /// @notice The native value used so far.
    function getUsed(ConfigId id, address multiplexer, address account) external view returns (uint256) {
        return valueLimitConfigs[id][multiplexer][account].limitUsed;
    }

    /// @dev The value an op's executions send: zero unless it calls `execute(bytes32,bytes)`.
    function _opValue(bytes calldata callData) private pure returns (uint256 total) {
        if (bytes4(callData[0:4]) != 0xe9ae5c53) return 0;
        bytes1 callType = callData[4:36][0];
        bytes calldata executionCalldata;
        assembly ("memory-safe") {
            let base := add(callData.offset, 0x24)
            executionCalldata.offset := add(base, calldataload(base))
            executionCalldata.length := calldataload(sub(executionCalldata.offset, 0x20))
        }
        if (callType == 0x00) return uint256(bytes32(executionCalldata[20:52]));
        if (callType != 0x01) revert UnsupportedCallType(callType);
        Execution[] calldata executions;
        assembly ("memory-safe") {
            let array := add(executionCalldata.offset, calldataload(executionCalldata.offset))
            executions.offset := add(array, 0x20)
            executions.length := calldataload(array)
        }
        for (uint256 i; i < executions.length; ++i) {
            total += executions[i].value;
        }
    }

    function _supportsPolicyType(bytes4 interfaceId) internal pure override returns (bool) {
        return interfaceId == type(IUserOpPolicy).interfaceId;
    }
}
