// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IValidator} from "./IValidator.sol";

/// @title ISessionManager
/// @notice The interface of a leash Session Manager module: an ERC-7579 validator that lets session
///         keys act for an account within a policy. `docs/spec.md` (spec v3) is its semantics; the
///         Rust model in `model/` is the executable version. leash drives any module with this
///         interface, so an implementation under audit can be plugged in by implementing it.
/// @dev Encoding conventions shared with the Rust side (`fuzz/src/evm/abi.rs` builds these structs
///      from a model `Policy`; it is the one place that encodes policies):
///      - `Permission.argTypes`: `1` address, `2` bool, `3` bytes, `4` string,
///        `0x100 + N/8` uintN (N/8 in 1..=32), `0x200 + N` bytesN (N in 1..=32).
///      - `Rule.condition`: `0` eq, `1` neq, `2` gt, `3` gte, `4` lt, `5` lte (one value each),
///        `6` in_range (values = [lo, hi]), `7` one_of (1..=4 values).
///      - A `has*` flag false means the field after it is absent and must be zero/empty.
///      - Spec v2: the native cap and each token cap carry an optional periodic and an optional
///        streaming allowance (`has*` flag, then the struct). The native ones need `hasNative`.
///      - Spec v3: an optional gas rule (`hasGas`, then `GasRule`) and an optional chain list
///        (`hasChains`, then 1..=8 chain ids). `GasRule.paymaster`: `0` any, `1` required,
///        `2` allowlist (`paymasters`, 1..=4 of them; empty under the other two).
interface ISessionManager is IValidator {
    /// @notice A rule over one argument (spec §6.2 to §6.4).
    struct Rule {
        uint8 arg;
        bool hasSlice;
        uint32 sliceOffset;
        uint8 sliceLength;
        uint8 condition;
        uint256[] values;
        bool hasLimit;
        uint256 limit;
    }

    /// @notice One allowed (target, selector) pair (spec §5, §6).
    struct Permission {
        bool anyTarget;
        address target;
        bool emptySelector;
        bytes4 selector;
        bool hasArgs;
        uint16[] argTypes;
        Rule[] rules;
    }

    /// @notice At most `amount` per period of `period` seconds, the first beginning at `start`
    ///         (spec §7.4, §8.6, §15.2).
    struct PeriodicAllowance {
        uint256 amount;
        uint48 period;
        uint48 start;
    }

    /// @notice From `start`, `initial` at once and `rate` more per second, up to `max` in all
    ///         (spec §7.5, §8.7, §15.3).
    struct StreamingAllowance {
        uint256 initial;
        uint128 rate;
        uint256 max;
        uint48 start;
    }

    /// @notice An ERC-20 spend cap (spec §8).
    struct TokenCap {
        address token;
        uint256 limit;
        bool restrictSpenders;
        address[] spenders;
        bool hasPeriodic;
        PeriodicAllowance periodic;
        bool hasStreaming;
        StreamingAllowance streaming;
    }

    /// @notice Limits on what a session's ops may cost in gas, and on who pays (spec §16). An op's
    ///         cost is its five gas limits summed, times `maxFeePerGas`: the EntryPoint's prefund.
    struct GasRule {
        uint8 paymaster;
        address[] paymasters;
        bool hasMaxFeePerGas;
        uint128 maxFeePerGas;
        bool hasPerOp;
        uint256 perOp;
        bool hasTotal;
        uint256 total;
    }

    /// @notice A session policy (spec §5 to §12, §16, §17).
    struct Policy {
        uint48 validAfter;
        uint48 validUntil;
        Permission[] permissions;
        bool hasNative;
        uint256 nativePerCall;
        uint256 nativeTotal;
        bool hasNativePeriodic;
        PeriodicAllowance nativePeriodic;
        bool hasNativeStreaming;
        StreamingAllowance nativeStreaming;
        TokenCap[] tokens;
        bool hasUsageLimit;
        uint64 usageLimit;
        bool hasRateLimit;
        uint8 rateMaxCalls;
        uint64 rateInterval;
        bool hasGas;
        GasRule gas;
        bool hasChains;
        uint64[] chains;
    }

    /// @notice A periodic allowance's counter (spec §13): the start of the period `spent` was
    ///         counted in, and that amount.
    struct PeriodSpend {
        uint64 start;
        uint256 spent;
    }

    /// @notice A session's status and counters (spec §13), as the model's `Session` holds them.
    /// @dev `status`: 0 none, 1 active, 2 revoked. `tokenSpent` has one entry per policy token cap;
    ///      `ruleUsed[p][r]` one per permission and rule (zero for rules without a limit);
    ///      `rateRing` has `rateMaxCalls` entries (none without a rate limit); `tokenPeriod` one per
    ///      token cap (zero for caps without a periodic allowance); `gasSpent` the maximum cost of
    ///      the session's ops so far (spec §16.4, zero without a total gas limit).
    struct SessionView {
        uint8 status;
        uint64 calls;
        uint256 nativeSpent;
        uint256[] tokenSpent;
        uint256[][] ruleUsed;
        uint64[] rateRing;
        uint8 rateHead;
        PeriodSpend nativePeriod;
        PeriodSpend[] tokenPeriod;
        uint256 gasSpent;
    }

    /// @notice An op was denied. `code` is the spec's denial code (Appendix A); `execution` and
    ///         `detail` are the model's indices, `0xff` when they do not apply.
    error SessionDenied(uint8 code, uint8 execution, uint8 detail);
    /// @notice The policy is not valid (spec §12). `code` is `PolicyError::code` in the model;
    ///         `10` means an encoding the model's types cannot express.
    error InvalidPolicy(uint8 code);
    /// @notice A session key cannot be the zero address (spec §2.1).
    error ZeroKey();
    /// @notice The key has no session (spec §2.2).
    error UnknownSession(address key);

    /// @notice A session was installed (or reinstalled with clean counters).
    event SessionInstalled(address indexed account, address indexed key);
    /// @notice A session was revoked.
    event SessionRevoked(address indexed account, address indexed key);

    /// @notice Installs a session for `key` on the calling account (spec §2.1).
    function installSession(address key, Policy calldata policy) external;

    /// @notice Revokes the calling account's session of `key` (spec §2.2).
    function revokeSession(address key) external;

    /// @notice The status and counters of `account`'s session of `key`.
    function sessionState(address account, address key) external view returns (SessionView memory);

    /// @notice The EIP-712 digest a session key signs for `userOp` (spec §1.4.1) when `account`
    ///         submits it through `entryPoint` on this chain: domain `("LeashSessionManager", "1",
    ///         block.chainid, this module)`, struct `SessionOp(address entryPoint, address account,
    ///         uint256 nonce, bytes32 opHash)`, where `opHash` hashes every other field of the op but
    ///         the signature (an EIP-7702 `initCode` marker is replaced by `account`'s delegate, as
    ///         EntryPoint v0.8 does).
    function sessionOpDigest(PackedUserOperation calldata userOp, address entryPoint, address account)
        external
        view
        returns (bytes32);

    /// @notice Validates a user operation of the calling account (spec §1 to §11, §16, §17).
    /// @return validationData `SIG_VALIDATION_FAILED` (1) when the signer has no session (spec §2.3.1);
    ///         otherwise `validUntil << 160 | validAfter << 208`. Every other denial reverts with
    ///         `SessionDenied`.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        override
        returns (uint256 validationData);
}
