// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {
    ConfigId,
    IPolicy,
    IActionPolicy,
    IUserOpPolicy,
    I1271Policy
} from "@rhinestone/modulekit/src/module-bases/interfaces/IPolicy.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title LeashPolicyBase
/// @notice What every leash SmartSessions policy shares: the ERC-7579 module surface a policy
///         carries under modulekit's `IPolicy` (policies are not installed on accounts, so these
///         do nothing), its interface ids, and the "initialized" bookkeeping.
/// @dev leash's own code (MIT), written for leash's fuzzing harness from the documented behaviour
///      of the SmartSessions policies it mirrors; it is not a copy of them. Config state is keyed
///      by (config id, multiplexer = msg.sender, account), as SmartSessions expects.
abstract contract LeashPolicyBase is IPolicy {
    /// @notice The policy's `initializeWithMultiplexer` was called for (config id, multiplexer, account).
    event PolicySet(ConfigId id, address multiplexer, address account);

    /// @notice A check ran on a configuration nobody initialized.
    error PolicyNotInitialized(ConfigId id, address multiplexer, address account);

    mapping(ConfigId id => mapping(address multiplexer => mapping(address account => bool))) internal _initialized;

    /// @dev The interface ids of the policy types this contract implements.
    function _supportsPolicyType(bytes4 interfaceId) internal pure virtual returns (bool);

    /// @inheritdoc IPolicy
    function initializeWithMultiplexer(address account, ConfigId configId, bytes calldata initData) external {
        _initialize(configId, msg.sender, account, initData);
        _initialized[configId][msg.sender][account] = true;
        emit PolicySet(configId, msg.sender, account);
    }

    /// @dev Overwrites the configuration of (`id`, `multiplexer`, `account`) with `initData`.
    function _initialize(ConfigId id, address multiplexer, address account, bytes calldata initData) internal virtual;

    /// @inheritdoc IPolicy
    function isInitialized(address account, ConfigId configId) external view returns (bool) {
        return _initialized[configId][msg.sender][account];
    }

    /// @inheritdoc IPolicy
    function isInitialized(address account, address multiplexer, ConfigId configId) external view returns (bool) {
        return _initialized[configId][multiplexer][account];
    }

    /// @notice Policies are not installed on accounts: nothing to do.
    function onInstall(bytes calldata) external pure {}

    /// @notice Policies are not installed on accounts: nothing to do.
    function onUninstall(bytes calldata) external pure {}

    /// @notice ERC-7579 module type 5 (policy).
    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == 5;
    }

    /// @notice Always false: a policy is initialized per configuration, not per account.
    function isInitialized(address) external pure returns (bool) {
        return false;
    }

    /// @notice ERC-165: IERC165, IPolicy and the policy types this contract implements.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC165).interfaceId || interfaceId == type(IPolicy).interfaceId
            || _supportsPolicyType(interfaceId);
    }
}
