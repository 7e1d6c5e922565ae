// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccount} from "@account-abstraction/contracts/interfaces/IAccount.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {LeashAccountCore} from "../lib/LeashAccountCore.sol";
import {IValidator} from "../interfaces/IValidator.sol";

/// @title OtherAccount7702
/// @notice A second, different account implementation an EOA may re-delegate to with EIP-7702
///         (`docs/spec.md` §18.5): an ordinary modular account written the way accounts behind
///         proxies are, with Solidity's default storage layout. Benign on its own: the EOA is its
///         owner, only the EOA initializes it, and until then it validates no user operation.
/// @dev Its one state variable, the validator, sits at slot 0, where nothing of
///      `LeashAccount7702` (which keeps its state in the ERC-7201 namespace `leash.account7702`)
///      lives. An EOA that delegated to `LeashAccount7702` and moves here finds slot 0 empty:
///      the sessions it had are not honoured through this code. An account implementation that
///      kept its own validator at slot 0 would hand it to this one (the mutant
///      `e7702-storage-collision`).
contract OtherAccount7702 is IAccount, LeashAccountCore {
    /// @notice The validator module every user operation is validated by (slot 0); zero until
    ///         `initialize`.
    address public validator;

    /// @notice The ERC-4337 EntryPoint this account trusts.
    address public immutable entryPoint;

    /// @dev ERC-4337 `SIG_VALIDATION_FAILED`.
    uint256 private constant SIG_VALIDATION_FAILED = 1;

    /// @notice A constructor or `initialize` argument that must be non-zero was zero.
    error ZeroAddress();
    /// @notice `validateUserOp` was called by someone other than the EntryPoint.
    error NotEntryPoint(address caller);
    /// @notice `initialize` was called on an account that already has a validator.
    error AlreadyInitialized(address validator);

    /// @notice Deploys the implementation.
    /// @param entryPoint_ The EntryPoint (must be non-zero).
    constructor(address entryPoint_) {
        if (entryPoint_ == address(0)) revert ZeroAddress();
        entryPoint = entryPoint_;
    }

    /// @notice Accepts plain ether transfers.
    receive() external payable {}

    /// @notice Installs the validator module: once, and only by the EOA itself.
    /// @param validator_ The validator module (must be non-zero).
    /// @param validatorInitData Passed to `IValidator(validator_).onInstall`.
    function initialize(address validator_, bytes calldata validatorInitData) external {
        if (msg.sender != address(this)) revert Unauthorized(msg.sender);
        if (validator != address(0)) revert AlreadyInitialized(validator);
        if (validator_ == address(0)) revert ZeroAddress();
        validator = validator_;
        IValidator(validator_).onInstall(validatorInitData);
    }

    /// @notice ERC-4337 validation entry point: forwards to the validator, if there is one.
    /// @param userOp The user operation being validated.
    /// @param userOpHash The EntryPoint's hash of `userOp`.
    /// @param missingAccountFunds Wei the account must send to the EntryPoint (may be zero).
    /// @return validationData The validator's packed validation data, or `SIG_VALIDATION_FAILED`
    ///         without a validator.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != entryPoint) revert NotEntryPoint(msg.sender);
        if (validator == address(0)) return SIG_VALIDATION_FAILED;
        validationData = _forwardValidation(validator, userOp, userOpHash, missingAccountFunds);
    }

    /// @notice ERC-7579 account identifier.
    /// @return The identifier `leash.other7702.1`.
    function accountId() external pure returns (string memory) {
        return "leash.other7702.1";
    }

    /// @dev The EntryPoint and the EOA itself may call `execute`.
    function _authorizeExecute() internal view override {
        if (msg.sender != entryPoint && msg.sender != address(this)) revert Unauthorized(msg.sender);
    }
}
