// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title LeashToken
/// @notice Test ERC-20 target: OpenZeppelin's ERC20 ("Leash Token", "LEASH", 18 decimals), a public
///         `mint` that anyone may call, and the legacy `increaseAllowance` that OpenZeppelin 5
///         removed but many deployed tokens still have. `increaseAllowance` is a second way to grant
///         an allowance besides `approve`, so spend-cap policies must account for it.
contract LeashToken is ERC20 {
    /// @notice Deploys the token with no initial supply.
    constructor() ERC20("Leash Token", "LEASH") {}

    /// @notice Mints `amount` tokens to `to`. Unrestricted: this is a test token.
    /// @param to The recipient.
    /// @param amount The amount to mint.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Raises the caller's allowance for `spender` by `added`.
    /// @dev Reverts on overflow. Emits `Approval` with the new allowance, as `approve` does.
    /// @param spender The account allowed to spend the caller's tokens.
    /// @param added The amount added to the current allowance.
    /// @return Always true.
    function increaseAllowance(address spender, uint256 added) external returns (bool) {
        _approve(msg.sender, spender, allowance(msg.sender, spender) + added);
        return true;
    }
}
