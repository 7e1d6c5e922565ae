// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Router
/// @notice A router-shaped call target whose `swap` takes a dynamic `bytes` argument, so that
///         policies over dynamic ABI types (offsets, lengths, non-canonical encodings) can be
///         exercised. It moves no tokens: it only records and emits what the ABI decoder gave it,
///         and never reverts on well-formed calldata.
contract Router {
    /// @notice What a caller's last swap decoded to.
    struct LastSwap {
        address tokenIn;
        uint256 amountIn;
        bytes32 pathHash;
        uint256 minOut;
    }

    /// @notice Number of swaps made by each caller.
    mapping(address caller => uint256) public swapCount;
    /// @notice Each caller's last swap (`pathHash` is `keccak256(path)`).
    mapping(address caller => LastSwap) public lastSwap;

    /// @notice A swap was requested; the arguments are exactly as decoded.
    event Swapped(address caller, address tokenIn, uint256 amountIn, bytes path, uint256 minOut);

    /// @notice Records a swap request.
    /// @param tokenIn The token that would be sold.
    /// @param amountIn The amount that would be sold.
    /// @param path An opaque route (any bytes).
    /// @param minOut The minimum output the caller would accept.
    function swap(address tokenIn, uint256 amountIn, bytes calldata path, uint256 minOut) external {
        ++swapCount[msg.sender];
        lastSwap[msg.sender] = LastSwap(tokenIn, amountIn, keccak256(path), minOut);
        emit Swapped(msg.sender, tokenIn, amountIn, path, minOut);
    }
}
