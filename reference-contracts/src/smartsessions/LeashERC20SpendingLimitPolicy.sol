// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConfigId, IActionPolicy} from "@rhinestone/modulekit/src/module-bases/interfaces/IPolicy.sol";
import {LeashPolicyBase} from "./LeashPolicyBase.sol";

/// @title LeashERC20SpendingLimitPolicy
/// @notice An action policy capping what a session spends and approves of ERC-20 tokens, with
///         the configuration, getter and semantics of SmartSessions' ERC20SpendingLimitPolicy:
///         - the configuration is `abi.encode(address[] tokens, uint256[] limits)` (equal
///           lengths, no zero token, no zero limit); re-initializing forgets every earlier token;
///         - the token is the action's target; a token not configured has limit zero;
///         - any native value fails; the selector must be `approve`, `increaseAllowance`,
///           `transfer` or `transferFrom`, its arguments decoded with `abi.decode` (every other
///           selector fails);
///         - `approve` and `increaseAllowance` add their amount to `approvedAmount`, `transfer`
///           and `transferFrom` to `alreadySpent`; a `transferFrom` to the account counts zero;
///         - `alreadySpent + approvedAmount <= spendingLimit`, checked after adding.
///         leash's own code (MIT), written from that documented behaviour.
contract LeashERC20SpendingLimitPolicy is LeashPolicyBase, IActionPolicy {
    /// @notice A configuration named the zero address as a token.
    error InvalidTokenAddress(address token);
    /// @notice A configuration gave a token a zero limit.
    error InvalidLimit(uint256 limit);
    /// @notice A configuration's token and limit lists differ in length.
    error InvalidInitDataLength();

    /// @notice A token's limit and what the session spent and approved of it.
    struct TokenPolicyData {
        uint256 alreadySpent;
        uint256 approvedAmount;
        uint256 spendingLimit;
    }

    mapping(ConfigId id => mapping(address multiplexer => mapping(address account => address[]))) internal _tokens;
    mapping(
        ConfigId id
            => mapping(address multiplexer => mapping(address token => mapping(address account => TokenPolicyData)))
    ) internal _data;

    function _initialize(ConfigId id, address multiplexer, address account, bytes calldata initData)
        internal
        override
    {
        (address[] memory tokens, uint256[] memory limits) = abi.decode(initData, (address[], uint256[]));
        if (tokens.length != limits.length) revert InvalidInitDataLength();
        address[] storage known = _tokens[id][multiplexer][account];
        for (uint256 i; i < known.length; ++i) {
            delete _data[id][multiplexer][known[i]][account];
        }
        delete _tokens[id][multiplexer][account];
        for (uint256 i; i < tokens.length; ++i) {
            if (tokens[i] == address(0)) revert InvalidTokenAddress(tokens[i]);
            if (limits[i] == 0) revert InvalidLimit(limits[i]);
            _data[id][multiplexer][tokens[i]][account].spendingLimit = limits[i];
            known.push(tokens[i]);
        }
    }

    /// @inheritdoc IActionPolicy
    function checkAction(ConfigId id, address account, address target, uint256 value, bytes calldata data)
        external
        returns (uint256)
    {
        if (value != 0) return 1;
        bytes4 selector = bytes4(data[0:4]);
        uint256 amount;
        bool approval;
        if (selector == 0x095ea7b3 || selector == 0x39509351) {
            (, amount) = abi.decode(data[4:], (address, uint256));
            approval = true;
        } else if (selector == 0xa9059cbb) {
            (, amount) = abi.decode(data[4:], (address, uint256));
        } else if (selector == 0x23b872dd) {
            address to;
            (, to, amount) = abi.decode(data[4:], (address, address, uint256));
            if (to == account) amount = 0;
        } else {
            return 1;
        }
        TokenPolicyData storage token = _data[id][msg.sender][target][account];
        uint256 spent = token.alreadySpent;
        uint256 approved = token.approvedAmount;
        if (approval) approved += amount;
        else spent += amount;
        if (spent + approved > token.spendingLimit) return 1;
        token.alreadySpent = spent;
        token.approvedAmount = approved;
        return 0;
    }

    /// @notice A configured token's limit, spent and approved amounts; reverts for a token the
    ///         configuration does not name.
    function getPolicyData(ConfigId id, address multiplexer, address token, address account)
        external
        view
        returns (uint256 spendingLimit, uint256 alreadySpent, uint256 approvedAmount)
    {
        TokenPolicyData storage data = _data[id][multiplexer][token][account];
        if (token == address(0) || data.spendingLimit == 0) revert InvalidTokenAddress(token);
        return (data.spendingLimit, data.alreadySpent, data.approvedAmount);
    }

    function _supportsPolicyType(bytes4 interfaceId) internal pure override returns (bool) {
        return interfaceId == type(IActionPolicy).interfaceId;
    }
}
