// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccount} from "@account-abstraction/contracts/interfaces/IAccount.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {LeashAccountCore} from "./lib/LeashAccountCore.sol";
import {IValidator} from "./interfaces/IValidator.sol";

/// @title LeashAccount7702
/// @notice `LeashAccount` for an EOA that delegates to it with EIP-7702: the same validation and
///         execution (`LeashAccountCore`), with the EOA itself as the owner and the account's state
///         in an ERC-7201 namespace of the EOA's storage (`docs/spec.md` §18).
/// @dev Deployed once as an implementation; EOAs run its code on their own storage and balance.
///      - Owner. The EOA's key: it calls its own address (`msg.sender == address(this)`) to execute
///        and to initialize, and it alone can change or clear the delegation. There is no owner
///        slot that other code could overwrite.
///      - Storage. The validator is the one word of the namespace `leash.account7702` (ERC-7201),
///        never slot 0 or 1, so code the EOA delegated to before or delegates to next (which sees
///        the same storage) does not collide with it by accident. Nothing else is kept: sessions
///        and their counters live in the module, keyed by the EOA's address.
///      - Initialization. There is no constructor on an EOA: `initialize` installs the validator,
///        once, and only the EOA itself may call it. An EIP-7702 authorization signs the code's
///        address, not calldata, so an initializer anyone could call would let the first caller
///        after the delegation install its own validator (EIP-7702, Security Considerations,
///        "front running initialization").
///      - Not initialized, the account validates no user operation (`SIG_VALIDATION_FAILED`).
///      - The EntryPoint is an immutable: it comes with the code, on every EOA that delegates here.
contract LeashAccount7702 is IAccount, LeashAccountCore {
    /// @custom:storage-location erc7201:leash.account7702
    struct AccountStorage {
        /// @dev The validator module every user operation is validated by; zero before
        ///      `initialize`.
        address validator;
    }

    /// @dev `keccak256(abi.encode(uint256(keccak256("leash.account7702")) - 1)) & ~bytes32(uint256(0xff))`.
    bytes32 private constant STORAGE_LOCATION = 0x3bccc5a3d15ef7131a72a83558f2fb4c4340732925b6e7969eb41ba8f5873600;

    /// @dev ERC-4337 `SIG_VALIDATION_FAILED`.
    uint256 private constant SIG_VALIDATION_FAILED = 1;

    /// @notice A constructor or `initialize` argument that must be non-zero was zero.
    error ZeroAddress();
    /// @notice `validateUserOp` was called by someone other than the EntryPoint.
    error NotEntryPoint(address caller);
    /// @notice `initialize` was called on an account that already has a validator.
    error AlreadyInitialized(address validator);

    /// @notice The account installed `validator` (`initialize`).
    /// @param validator The validator module.
    event Initialized(address indexed validator);

    /// @notice The ERC-4337 EntryPoint this account trusts.
    address public immutable entryPoint;

    /// @notice Deploys the implementation.
    /// @param entryPoint_ The EntryPoint (must be non-zero).
    constructor(address entryPoint_) {
        if (entryPoint_ == address(0)) revert ZeroAddress();
        entryPoint = entryPoint_;
    }

    /// @notice Accepts plain ether transfers, as the EOA did before it delegated.
    receive() external payable {}

    /// @notice Installs the validator module: once, and only by the EOA itself.
    /// @param validator_ The validator module (must be non-zero).
    /// @param validatorInitData Passed to `IValidator(validator_).onInstall`.
    function initialize(address validator_, bytes calldata validatorInitData) external {
        if (msg.sender != address(this)) revert Unauthorized(msg.sender);
        AccountStorage storage $ = _storage();
        if ($.validator != address(0)) revert AlreadyInitialized($.validator);
        if (validator_ == address(0)) revert ZeroAddress();
        $.validator = validator_;
        IValidator(validator_).onInstall(validatorInitData);
        emit Initialized(validator_);
    }

    /// @notice The validator module, zero before `initialize`.
    /// @return The validator every user operation is validated by.
    function validator() external view returns (address) {
        return _storage().validator;
    }

    /// @notice ERC-4337 validation entry point: forwards to the validator, then pays the prefund.
    /// @dev Only the EntryPoint may call. Before `initialize` no op validates.
    /// @param userOp The user operation being validated.
    /// @param userOpHash The EntryPoint's hash of `userOp` (for an op with the EIP-7702 `initCode`
    ///        marker it binds the delegate, this implementation).
    /// @param missingAccountFunds Wei the account must send to the EntryPoint (may be zero).
    /// @return validationData The validator's packed validation data, unchanged.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != entryPoint) revert NotEntryPoint(msg.sender);
        address validator_ = _storage().validator;
        if (validator_ == address(0)) return SIG_VALIDATION_FAILED;
        validationData = _forwardValidation(validator_, userOp, userOpHash, missingAccountFunds);
    }

    /// @notice ERC-7579 account identifier.
    /// @return The identifier `leash.account7702.1`.
    function accountId() external pure returns (string memory) {
        return "leash.account7702.1";
    }

    /// @dev The EntryPoint and the EOA itself may call `execute`.
    function _authorizeExecute() internal view override {
        if (msg.sender != entryPoint && msg.sender != address(this)) revert Unauthorized(msg.sender);
    }

    function _storage() private pure returns (AccountStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }
}
