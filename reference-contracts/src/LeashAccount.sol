// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccount} from "@account-abstraction/contracts/interfaces/IAccount.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {LeashAccountCore} from "./lib/LeashAccountCore.sol";
import {IValidator} from "./interfaces/IValidator.sol";

/// @title LeashAccount
/// @notice A minimal ERC-4337 (EntryPoint v0.8) / ERC-7579-style smart account with one installed
///         validator. It is the account that leash's fuzzer drives, so it executes the way real
///         accounts do, even where that is permissive.
/// @dev What is deliberately realistic:
///      - Validation and `execute` are `LeashAccountCore`'s: validation delegated wholesale to the
///        validator module, lenient bounded Solady decoding, delegatecall and try mode supported,
///        target 0 aliasing the account (see `lib/LeashAccountCore.sol`).
///      - `owner` (slot 0) and `validator` (slot 1) live in storage, so a delegatecall can overwrite
///        them just as it could in a real account. The EntryPoint is immutable, as in SimpleAccount.
contract LeashAccount is IAccount, LeashAccountCore {
    /// @notice A constructor argument that must be non-zero was zero.
    error ZeroAddress();
    /// @notice `validateUserOp` was called by someone other than the EntryPoint.
    error NotEntryPoint(address caller);

    /// @notice The ERC-4337 EntryPoint this account trusts.
    address public immutable entryPoint;
    /// @notice The owner, allowed to call `execute` directly. Storage slot 0.
    address public owner;
    /// @notice The validator module every user operation is validated by. Storage slot 1.
    address public validator;

    /// @notice Deploys the account and installs its validator.
    /// @param entryPoint_ The EntryPoint (must be non-zero).
    /// @param owner_ The owner (may be zero: then only the EntryPoint and the account can execute).
    /// @param validator_ The validator module (must be non-zero).
    /// @param validatorInitData Passed to `IValidator(validator_).onInstall`.
    constructor(address entryPoint_, address owner_, address validator_, bytes memory validatorInitData) {
        if (entryPoint_ == address(0) || validator_ == address(0)) revert ZeroAddress();
        entryPoint = entryPoint_;
        owner = owner_;
        validator = validator_;
        IValidator(validator_).onInstall(validatorInitData);
    }

    /// @notice Accepts plain ether transfers.
    receive() external payable {}

    /// @notice ERC-4337 validation entry point: forwards to the validator, then pays the prefund.
    /// @dev Only the EntryPoint may call. A reverting validator's revert data is bubbled unchanged.
    ///      A failed prefund transfer is ignored, as in SimpleAccount: the EntryPoint checks it.
    /// @param userOp The user operation being validated.
    /// @param userOpHash The EntryPoint's hash of `userOp`.
    /// @param missingAccountFunds Wei the account must send to the EntryPoint (may be zero).
    /// @return validationData The validator's packed validation data, unchanged.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != entryPoint) revert NotEntryPoint(msg.sender);
        validationData = _forwardValidation(validator, userOp, userOpHash, missingAccountFunds);
    }

    /// @dev The EntryPoint, the owner and the account itself may call `execute`.
    function _authorizeExecute() internal view override {
        if (msg.sender != entryPoint && msg.sender != owner && msg.sender != address(this)) {
            revert Unauthorized(msg.sender);
        }
    }

    /// @notice ERC-7579 account identifier.
    /// @return The identifier `leash.account.1`.
    function accountId() external pure returns (string memory) {
        return "leash.account.1";
    }
}
