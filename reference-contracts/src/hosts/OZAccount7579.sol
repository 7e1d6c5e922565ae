// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccountERC7579} from "@openzeppelin/contracts/account/extensions/draft-AccountERC7579.sol";
import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {MODULE_TYPE_VALIDATOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";

/// @title OZAccount7579
/// @notice OpenZeppelin's `AccountERC7579` (`@openzeppelin/contracts@5.7.0`) made concrete for
///         leash's harness, as a host account for ERC-7579 validator modules such as
///         SmartSessions. Validation and execution are OpenZeppelin's, unchanged: the validator is
///         the top 20 bytes of `userOp.nonce`; `execute` decodes batches with
///         `ERC7579Utils.decodeBatch` (which checks item pointers against `calldatasize`, not
///         against `executionCalldata`), and a call to `address(0)` is a call to the account
///         itself.
/// @dev Three things are leash's, none of them on the validation or execution path of an op:
///      the EntryPoint is a constructor argument (OpenZeppelin defaults to v0.9's address); the
///      constructor installs one validator; and the owner EOA may call `execute` and
///      `installModule` directly (the harness's lifecycle calls), besides the EntryPoint and the
///      account itself. leash's own code (MIT).
contract OZAccount7579 is AccountERC7579 {
    IEntryPoint private immutable _entryPoint;

    /// @notice The EOA allowed to call `execute` directly.
    address public immutable owner;

    /// @param entryPoint_ The EntryPoint (v0.8 in leash's world).
    /// @param owner_ The owner EOA.
    /// @param validator The validator module to install.
    /// @param validatorInitData Its `onInstall` data.
    constructor(address entryPoint_, address owner_, address validator, bytes memory validatorInitData) {
        _entryPoint = IEntryPoint(entryPoint_);
        owner = owner_;
        _installModule(MODULE_TYPE_VALIDATOR, validator, validatorInitData);
    }

    /// @notice The EntryPoint given at construction.
    function entryPoint() public view override returns (IEntryPoint) {
        return _entryPoint;
    }

    /// @dev The owner, the EntryPoint or the account itself.
    function _checkEntryPointOrSelf() internal view override {
        if (msg.sender != owner) super._checkEntryPointOrSelf();
    }
}
