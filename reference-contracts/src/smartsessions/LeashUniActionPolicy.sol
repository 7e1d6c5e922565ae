// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConfigId, IActionPolicy} from "@rhinestone/modulekit/src/module-bases/interfaces/IPolicy.sol";
import {LeashPolicyBase} from "./LeashPolicyBase.sol";

/// @notice How a rule compares its word with its reference (the encoding of SmartSessions'
///         `ParamCondition`).
enum ParamCondition {
    EQUAL,
    GREATER_THAN,
    LESS_THAN,
    GREATER_THAN_OR_EQUAL,
    LESS_THAN_OR_EQUAL,
    NOT_EQUAL,
    IN_RANGE
}

/// @notice A cumulative limit on a rule's values and how much of it is used.
struct LimitUsage {
    uint256 limit;
    uint256 used;
}

/// @notice One rule: the 32-byte word at `4 + offset` of the calldata, compared with `ref`.
struct ParamRule {
    ParamCondition condition;
    uint64 offset;
    bool isLimited;
    bytes32 ref;
    LimitUsage usage;
}

/// @notice Up to 16 rules.
struct ParamRules {
    uint256 length;
    ParamRule[16] rules;
}

/// @notice An action's configuration: a per-call value cap and its rules.
struct ActionConfig {
    uint256 valueLimitPerUse;
    ParamRules paramRules;
}

/// @title LeashUniActionPolicy
/// @notice An action policy over raw calldata words, with the configuration encoding, getter and
///         semantics of SmartSessions' UniActionPolicy, so leash drives both the same way:
///         - the configuration is `abi.encode(ActionConfig)`; at least one rule is required;
///         - a value above `valueLimitPerUse` reverts;
///         - rule i reads `bytes32(data[4 + offset : 4 + offset + 32])` (a slice past the end
///           reverts) and compares it as an unsigned integer; `IN_RANGE` packs `min << 128 | max`;
///         - a limited rule adds its word to `usage.used` and fails past `usage.limit`;
///         - the first failing rule fails the action.
///         leash's own code (MIT), written from that documented behaviour.
contract LeashUniActionPolicy is LeashPolicyBase, IActionPolicy {
    /// @notice `value` exceeds the action's per-call cap.
    error ValueLimitExceeded(ConfigId id, uint256 value, uint256 limit);

    /// @notice The configuration of (config id, multiplexer, account).
    mapping(ConfigId id => mapping(address multiplexer => mapping(address account => ActionConfig))) public
        actionConfigs;

    function _initialize(ConfigId id, address multiplexer, address account, bytes calldata initData)
        internal
        override
    {
        ActionConfig memory config = abi.decode(initData, (ActionConfig));
        ActionConfig storage stored = actionConfigs[id][multiplexer][account];
        stored.valueLimitPerUse = config.valueLimitPerUse;
        stored.paramRules.length = config.paramRules.length;
        for (uint256 i; i < config.paramRules.length; ++i) {
            stored.paramRules.rules[i] = config.paramRules.rules[i];
        }
    }

    /// @inheritdoc IActionPolicy
    function checkAction(ConfigId id, address account, address, uint256 value, bytes calldata data)
        external
        returns (uint256)
    {
        ActionConfig storage config = actionConfigs[id][msg.sender][account];
        uint256 length = config.paramRules.length;
        if (length == 0) revert PolicyNotInitialized(id, msg.sender, account);
        if (value > config.valueLimitPerUse) revert ValueLimitExceeded(id, value, config.valueLimitPerUse);
        for (uint256 i; i < length; ++i) {
            if (!_holds(config.paramRules.rules[i], data)) return 1;
        }
        return 0;
    }

    /// @dev Whether `data` satisfies `rule`, counting its word against the rule's limit.
    function _holds(ParamRule storage rule, bytes calldata data) private returns (bool) {
        uint256 start = 4 + uint256(rule.offset);
        uint256 word = uint256(bytes32(data[start:start + 32]));
        uint256 ref = uint256(rule.ref);
        ParamCondition condition = rule.condition;
        bool ok;
        if (condition == ParamCondition.EQUAL) ok = word == ref;
        else if (condition == ParamCondition.GREATER_THAN) ok = word > ref;
        else if (condition == ParamCondition.LESS_THAN) ok = word < ref;
        else if (condition == ParamCondition.GREATER_THAN_OR_EQUAL) ok = word >= ref;
        else if (condition == ParamCondition.LESS_THAN_OR_EQUAL) ok = word <= ref;
        else if (condition == ParamCondition.NOT_EQUAL) ok = word != ref;
        else ok = word >= (ref >> 128) && word <= uint256(uint128(ref));
        if (!ok) return false;
        if (rule.isLimited) {
            uint256 used = rule.usage.used + word;
            if (used > rule.usage.limit) return false;
            rule.usage.used = used;
        }
        return true;
    }

    function _supportsPolicyType(bytes4 interfaceId) internal pure override returns (bool) {
        return interfaceId == type(IActionPolicy).interfaceId;
    }
}
