// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The ERC-7579 account's entry point for executor modules.
interface IERC7579ExecuteFromExecutor {
    function executeFromExecutor(bytes32 mode, bytes calldata executionCalldata)
        external
        payable
        returns (bytes[] memory returnData);
}

/// @title LeashOwnerExecutor
/// @notice An ERC-7579 executor module (type 2) through which the owner EOA makes the account
///         call something: how leash's harness sends lifecycle calls (install and revoke a
///         session) to accounts whose `execute` only the EntryPoint may call, such as Nexus.
///         leash's own code (MIT).
contract LeashOwnerExecutor {
    /// @notice Someone other than the owner called `exec`.
    error NotOwner(address caller);

    /// @notice The EOA allowed to use the executor.
    address public immutable owner;

    /// @param owner_ The owner EOA.
    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Makes `account` call `target` with `data` (single call, no value, revert on failure).
    /// @param account An account that installed this executor.
    /// @param target The call's target.
    /// @param data The call's data.
    /// @return returnData What the account's `executeFromExecutor` returned.
    function exec(address account, address target, bytes calldata data) external returns (bytes[] memory returnData) {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        return IERC7579ExecuteFromExecutor(account).executeFromExecutor(bytes32(0), abi.encodePacked(target, uint256(0), data));
    }

    /// @notice Nothing to install.
    function onInstall(bytes calldata) external pure {}

    /// @notice Nothing to uninstall.
    function onUninstall(bytes calldata) external pure {}

    /// @notice ERC-7579 module type 2 (executor).
    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == 2;
    }

    /// @notice Stateless: never initialized.
    function isInitialized(address) external pure returns (bool) {
        return false;
    }
}
