// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Paymaster} from "@openzeppelin/contracts/account/paymaster/Paymaster.sol";
import {IEntryPoint, PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";

/// @title LeashPaymaster
/// @notice OpenZeppelin's `Paymaster` (npm `@openzeppelin/contracts` 5.7.0) bound to the world's
///         EntryPoint, sponsoring every op from its deposit: the paymaster of leash's reference world,
///         so that ops a gas rule requires a paymaster for (spec §16.1) can run. The world deploys
///         two, funds their deposits, and names one in the allowlists it generates.
contract LeashPaymaster is Paymaster {
    IEntryPoint private immutable _entryPoint;

    /// @param entryPoint_ The EntryPoint this paymaster pays into and takes calls from.
    constructor(IEntryPoint entryPoint_) {
        _entryPoint = entryPoint_;
    }

    /// @notice The EntryPoint this paymaster serves (OpenZeppelin's default is the canonical v0.9
    ///         address; the world deploys its own v0.8).
    function entryPoint() public view override returns (IEntryPoint) {
        return _entryPoint;
    }

    /// @notice Adds `msg.value` to this paymaster's deposit at the EntryPoint.
    function deposit() external payable {
        _deposit(msg.value);
    }

    /// @dev Sponsors every op: no context, no time range, no signature to check.
    function _validatePaymasterUserOp(PackedUserOperation calldata, bytes32, uint256)
        internal
        pure
        override
        returns (bytes memory context, uint256 validationData)
    {
        return ("", 0);
    }
}
