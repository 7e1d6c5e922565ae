// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Game
/// @notice A small on-chain game used as a call target. Every action updates per-player state
///         (keyed by `msg.sender`) and emits an event, so an executed call is visible both in the
///         logs and in storage. Well-formed calls never revert, except `buyLives` with the wrong
///         payment. `buyLives` is payable, so policies on native value can be exercised.
contract Game {
    /// @notice An item pickup.
    struct Pickup {
        address item;
        uint256 amount;
    }

    /// @notice Price of one life, in wei.
    uint256 public constant LIFE_PRICE = 1e15;

    /// @notice Number of `attack` calls made by each player.
    mapping(address player => uint256) public attacks;
    /// @notice Monster id of each player's last attack.
    mapping(address player => uint256) public lastMonster;
    /// @notice Number of times each player used each skill.
    mapping(address player => mapping(uint8 skill => uint256)) public skillUses;
    /// @notice Target of each player's last skill use.
    mapping(address player => uint256) public lastSkillTarget;
    /// @notice Number of `pickup` calls made by each player.
    mapping(address player => uint256) public pickups;
    /// @notice Item and amount of each player's last pickup.
    mapping(address player => Pickup) public lastPickup;
    /// @notice Lives bought by each player.
    mapping(address player => uint256) public lives;

    /// @notice A player attacked a monster.
    event Attacked(address indexed player, uint256 indexed monsterId, uint256 totalAttacks);
    /// @notice A player used a skill on a target.
    event SkillUsed(address indexed player, uint8 indexed skill, uint256 target);
    /// @notice A player picked up an amount of an item.
    event PickedUp(address indexed player, address indexed item, uint256 amount);
    /// @notice A player bought lives.
    event LivesBought(address indexed player, uint256 count, uint256 paid);

    /// @notice `msg.value` is not exactly `count * LIFE_PRICE`.
    error WrongPayment(uint256 count, uint256 paid);

    /// @notice Attacks monster `monsterId`.
    /// @param monsterId Any monster id.
    function attack(uint256 monsterId) external {
        uint256 total = ++attacks[msg.sender];
        lastMonster[msg.sender] = monsterId;
        emit Attacked(msg.sender, monsterId, total);
    }

    /// @notice Uses skill `skill` on `target`.
    /// @param skill The skill number (a uint8: a calldata word with upper bits set is rejected by the ABI decoder).
    /// @param target Any target id.
    function useSkill(uint8 skill, uint256 target) external {
        ++skillUses[msg.sender][skill];
        lastSkillTarget[msg.sender] = target;
        emit SkillUsed(msg.sender, skill, target);
    }

    /// @notice Picks up `amount` of `item`.
    /// @param item Any item address (no token is transferred).
    /// @param amount The amount picked up.
    function pickup(address item, uint256 amount) external {
        ++pickups[msg.sender];
        lastPickup[msg.sender] = Pickup(item, amount);
        emit PickedUp(msg.sender, item, amount);
    }

    /// @notice Buys `count` lives at `LIFE_PRICE` each.
    /// @dev Requires `msg.value == count * LIFE_PRICE` (checked without overflow).
    /// @param count Number of lives to buy.
    function buyLives(uint256 count) external payable {
        if (msg.value % LIFE_PRICE != 0 || msg.value / LIFE_PRICE != count) revert WrongPayment(count, msg.value);
        lives[msg.sender] += count;
        emit LivesBought(msg.sender, count, msg.value);
    }
}
