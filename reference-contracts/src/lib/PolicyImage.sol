// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SSTORE2} from "solady/src/utils/SSTORE2.sol";
import {ISessionManager} from "../interfaces/ISessionManager.sol";

/// @title PolicyImage
/// @notice A policy flattened into one word per field, as `SessionManager` stores it and reads it.
/// @dev Why: a policy is written once, at install, and read by every op. Validation copies the image
///      from the code of an SSTORE2 contract with one EXTCODECOPY into a `uint256[]` and reads only
///      the words it needs, by index. The ABI encoding would need a memory `abi.decode` of every
///      nested array on every op (about 2,000 gas per permission, measured), and storage would cost
///      one cold SLOAD (2,100 gas) per word. A new image is written per install and never changed.
///
///      Layout (word indexes). Booleans are 0 or 1; addresses and selectors are right-aligned.
///
///        header       0  validAfter             6  usageLimit
///                     1  validUntil             7  hasRateLimit
///                     2  hasNative              8  rateMaxCalls
///                     3  nativePerCall          9  rateInterval
///                     4  nativeTotal           10  tokenCount T
///                     5  hasUsageLimit         11  permissionCount P
///                     12.. the native cap's allowances (ALLOWANCE_WORDS, below)
///                     21 hasGas, 22 paymaster rule, 23 paymasterCount, 24.. paymasters (4 words),
///                     28 hasMaxFeePerGas, 29 maxFeePerGas, 30 hasPerOp, 31 perOp, 32 hasTotal,
///                     33 total (spec v3, §16); 34 hasChains, 35 chainCount, 36.. chains (8 words,
///                     §17)
///        tokens       HEADER_WORDS + TOKEN_WORDS * t, for t < T:
///                     +0 token, +1 limit, +2 restrictSpenders, +3 spenderCount, +4.. spenders (4 words),
///                     +8.. the cap's allowances (ALLOWANCE_WORDS)
///        allowances   (spec v2, §15) +0 hasPeriodic, +1 amount, +2 period, +3 start,
///                     +4 hasStreaming, +5 initial, +6 rate, +7 max, +8 start
///        permissions  permissionsAt(T) + PERMISSION_WORDS * p, for p < P:
///                     +0 key (see `permissionKey`), +1 hasArgs, +2 argCount, +3 ruleCount,
///                     +4 image index of its first rule, +5.. argTypes (8 words)
///        rules        after the permissions, in permission order, RULE_WORDS each:
///                     +0 arg, +1 hasSlice, +2 sliceOffset, +3 sliceLength, +4 condition,
///                     +5 hasLimit, +6 limit, +7 valueCount, +8.. values (4 words)
///
///      Fixed-size records keep every index a product and a sum. The largest image the bounds allow
///      is 44 + 4*17 + 8*13 + 32*12 = 600 words (19,200 bytes), under the 24,576-byte code limit.
library PolicyImage {
    uint256 internal constant VALID_AFTER = 0;
    uint256 internal constant VALID_UNTIL = 1;
    uint256 internal constant HAS_NATIVE = 2;
    uint256 internal constant NATIVE_PER_CALL = 3;
    uint256 internal constant NATIVE_TOTAL = 4;
    uint256 internal constant HAS_USAGE_LIMIT = 5;
    uint256 internal constant USAGE_LIMIT = 6;
    uint256 internal constant HAS_RATE_LIMIT = 7;
    uint256 internal constant RATE_MAX_CALLS = 8;
    uint256 internal constant RATE_INTERVAL = 9;
    uint256 internal constant TOKEN_COUNT = 10;
    uint256 internal constant PERMISSION_COUNT = 11;
    uint256 internal constant NATIVE_ALLOWANCES = 12;
    // spec §16: the gas rule. `GAS_PAYMASTER` is `GasRule.paymaster` (0 any, 1 required, 2 allowlist).
    uint256 internal constant HAS_GAS = 21; // 12 + ALLOWANCE_WORDS
    uint256 internal constant GAS_PAYMASTER = 22;
    uint256 internal constant GAS_PAYMASTER_COUNT = 23;
    uint256 internal constant GAS_PAYMASTERS = 24;
    uint256 internal constant GAS_HAS_MAX_FEE = 28; // 24 + MAX_PAYMASTERS
    uint256 internal constant GAS_MAX_FEE = 29;
    uint256 internal constant GAS_HAS_PER_OP = 30;
    uint256 internal constant GAS_PER_OP = 31;
    uint256 internal constant GAS_HAS_TOTAL = 32;
    uint256 internal constant GAS_TOTAL = 33;
    // spec §17: the chain list.
    uint256 internal constant HAS_CHAINS = 34;
    uint256 internal constant CHAIN_COUNT = 35;
    uint256 internal constant CHAINS = 36;
    uint256 internal constant HEADER_WORDS = 44; // 36 + MAX_CHAINS

    uint256 internal constant TOKEN_ADDRESS = 0;
    uint256 internal constant TOKEN_LIMIT = 1;
    uint256 internal constant TOKEN_RESTRICT_SPENDERS = 2;
    uint256 internal constant TOKEN_SPENDER_COUNT = 3;
    uint256 internal constant TOKEN_SPENDERS = 4;
    uint256 internal constant TOKEN_ALLOWANCES = 8; // 4 + MAX_SPENDERS
    uint256 internal constant TOKEN_WORDS = 17; // TOKEN_ALLOWANCES + ALLOWANCE_WORDS

    // One cap's allowances over time (spec §15), relative to the start of its block.
    uint256 internal constant HAS_PERIODIC = 0;
    uint256 internal constant PERIOD_AMOUNT = 1;
    uint256 internal constant PERIOD_LENGTH = 2;
    uint256 internal constant PERIOD_START = 3;
    uint256 internal constant HAS_STREAMING = 4;
    uint256 internal constant STREAM_INITIAL = 5;
    uint256 internal constant STREAM_RATE = 6;
    uint256 internal constant STREAM_MAX = 7;
    uint256 internal constant STREAM_START = 8;
    uint256 internal constant ALLOWANCE_WORDS = 9;

    uint256 internal constant PERMISSION_KEY = 0;
    uint256 internal constant PERMISSION_HAS_ARGS = 1;
    uint256 internal constant PERMISSION_ARG_COUNT = 2;
    uint256 internal constant PERMISSION_RULE_COUNT = 3;
    uint256 internal constant PERMISSION_RULES_AT = 4;
    uint256 internal constant PERMISSION_ARG_TYPES = 5;
    uint256 internal constant PERMISSION_WORDS = 13; // 5 + MAX_ARGS

    uint256 internal constant RULE_ARG = 0;
    uint256 internal constant RULE_HAS_SLICE = 1;
    uint256 internal constant RULE_SLICE_OFFSET = 2;
    uint256 internal constant RULE_SLICE_LENGTH = 3;
    uint256 internal constant RULE_CONDITION = 4;
    uint256 internal constant RULE_HAS_LIMIT = 5;
    uint256 internal constant RULE_LIMIT = 6;
    uint256 internal constant RULE_VALUE_COUNT = 7;
    uint256 internal constant RULE_VALUES = 8;
    uint256 internal constant RULE_WORDS = 12; // 8 + MAX_ONE_OF

    /// @dev The word that identifies a permission's (target, selector) pair: two permissions have the
    ///      same target (or both any) and selector (or both empty) iff their keys are equal (spec
    ///      §5.3, §12.2). `target` must be 0 when `anyTarget`, `selector` 0 when `emptySelector`.
    function permissionKey(bool anyTarget, address target, bool emptySelector, bytes4 selector)
        internal
        pure
        returns (uint256)
    {
        return uint256(uint160(target)) | uint256(uint32(selector)) << 160 | _bit(anyTarget) << 192
            | _bit(emptySelector) << 193;
    }

    /// @dev Flattens a policy that `SessionManager` has checked (counts within the bounds) and writes
    ///      it to a new SSTORE2 contract.
    function write(ISessionManager.Policy calldata policy) internal returns (address pointer) {
        uint256 tokenCount = policy.tokens.length;
        uint256 permissionCount = policy.permissions.length;
        uint256 ruleCount;
        for (uint256 p; p < permissionCount; ++p) {
            ruleCount += policy.permissions[p].rules.length;
        }
        uint256 rulesAt = permissionsAt(tokenCount) + PERMISSION_WORDS * permissionCount;
        uint256[] memory image = new uint256[](rulesAt + RULE_WORDS * ruleCount);

        image[VALID_AFTER] = policy.validAfter;
        image[VALID_UNTIL] = policy.validUntil;
        image[HAS_NATIVE] = _bit(policy.hasNative);
        image[NATIVE_PER_CALL] = policy.nativePerCall;
        image[NATIVE_TOTAL] = policy.nativeTotal;
        image[HAS_USAGE_LIMIT] = _bit(policy.hasUsageLimit);
        image[USAGE_LIMIT] = policy.usageLimit;
        image[HAS_RATE_LIMIT] = _bit(policy.hasRateLimit);
        image[RATE_MAX_CALLS] = policy.rateMaxCalls;
        image[RATE_INTERVAL] = policy.rateInterval;
        image[TOKEN_COUNT] = tokenCount;
        image[PERMISSION_COUNT] = permissionCount;
        _writeAllowances(
            image,
            NATIVE_ALLOWANCES,
            policy.hasNativePeriodic,
            policy.nativePeriodic,
            policy.hasNativeStreaming,
            policy.nativeStreaming
        );

        _writeGas(image, policy);
        _writeChains(image, policy);

        for (uint256 t; t < tokenCount; ++t) {
            ISessionManager.TokenCap calldata cap = policy.tokens[t];
            uint256 tokenBase = tokenAt(t);
            image[tokenBase + TOKEN_ADDRESS] = uint160(cap.token);
            image[tokenBase + TOKEN_LIMIT] = cap.limit;
            image[tokenBase + TOKEN_RESTRICT_SPENDERS] = _bit(cap.restrictSpenders);
            image[tokenBase + TOKEN_SPENDER_COUNT] = cap.spenders.length;
            for (uint256 s; s < cap.spenders.length; ++s) {
                image[tokenBase + TOKEN_SPENDERS + s] = uint160(cap.spenders[s]);
            }
            _writeAllowances(
                image, tokenBase + TOKEN_ALLOWANCES, cap.hasPeriodic, cap.periodic, cap.hasStreaming, cap.streaming
            );
        }

        for (uint256 p; p < permissionCount; ++p) {
            ISessionManager.Permission calldata permission = policy.permissions[p];
            uint256 base = permissionAt(image, p);
            image[base + PERMISSION_KEY] = permissionKey(
                permission.anyTarget, permission.target, permission.emptySelector, permission.selector
            );
            image[base + PERMISSION_HAS_ARGS] = _bit(permission.hasArgs);
            image[base + PERMISSION_ARG_COUNT] = permission.argTypes.length;
            image[base + PERMISSION_RULE_COUNT] = permission.rules.length;
            image[base + PERMISSION_RULES_AT] = rulesAt;
            for (uint256 j; j < permission.argTypes.length; ++j) {
                image[base + PERMISSION_ARG_TYPES + j] = permission.argTypes[j];
            }
            for (uint256 r; r < permission.rules.length; ++r) {
                ISessionManager.Rule calldata rule = permission.rules[r];
                image[rulesAt + RULE_ARG] = rule.arg;
                image[rulesAt + RULE_HAS_SLICE] = _bit(rule.hasSlice);
                image[rulesAt + RULE_SLICE_OFFSET] = rule.sliceOffset;
                image[rulesAt + RULE_SLICE_LENGTH] = rule.sliceLength;
                image[rulesAt + RULE_CONDITION] = rule.condition;
                image[rulesAt + RULE_HAS_LIMIT] = _bit(rule.hasLimit);
                image[rulesAt + RULE_LIMIT] = rule.limit;
                image[rulesAt + RULE_VALUE_COUNT] = rule.values.length;
                for (uint256 k; k < rule.values.length; ++k) {
                    image[rulesAt + RULE_VALUES + k] = rule.values[k];
                }
                rulesAt += RULE_WORDS;
            }
        }
        pointer = SSTORE2.write(abi.encodePacked(image));
    }

    /// @dev The image stored at `pointer`, as a `uint256[]` whose reads Solidity bounds-checks.
    function read(address pointer) internal view returns (uint256[] memory image) {
        bytes memory data = SSTORE2.read(pointer);
        // `data` is `abi.encodePacked(uint256[])`: whole words. Reinterpret the `bytes` in place as a
        // `uint256[]` by turning its byte length into a word count.
        assembly ("memory-safe") {
            image := data
            mstore(image, shr(5, mload(data)))
        }
    }

    /// @dev Image index of token cap `t`.
    function tokenAt(uint256 t) internal pure returns (uint256) {
        return HEADER_WORDS + TOKEN_WORDS * t;
    }

    /// @dev Image index of the first permission of a policy with `tokenCount` token caps.
    function permissionsAt(uint256 tokenCount) internal pure returns (uint256) {
        return HEADER_WORDS + TOKEN_WORDS * tokenCount;
    }

    /// @dev Image index of permission `p`.
    function permissionAt(uint256[] memory image, uint256 p) internal pure returns (uint256) {
        return permissionsAt(image[TOKEN_COUNT]) + PERMISSION_WORDS * p;
    }

    /// @dev Image index of rule `r` of the permission at image index `permission`.
    function ruleAt(uint256[] memory image, uint256 permission, uint256 r) internal pure returns (uint256) {
        return image[permission + PERMISSION_RULES_AT] + RULE_WORDS * r;
    }

    /// @dev Writes the gas rule (spec §16) into the header.
    function _writeGas(uint256[] memory image, ISessionManager.Policy calldata policy) private pure {
        ISessionManager.GasRule calldata gas = policy.gas;
        image[HAS_GAS] = _bit(policy.hasGas);
        image[GAS_PAYMASTER] = gas.paymaster;
        image[GAS_PAYMASTER_COUNT] = gas.paymasters.length;
        for (uint256 k; k < gas.paymasters.length; ++k) {
            image[GAS_PAYMASTERS + k] = uint160(gas.paymasters[k]);
        }
        image[GAS_HAS_MAX_FEE] = _bit(gas.hasMaxFeePerGas);
        image[GAS_MAX_FEE] = gas.maxFeePerGas;
        image[GAS_HAS_PER_OP] = _bit(gas.hasPerOp);
        image[GAS_PER_OP] = gas.perOp;
        image[GAS_HAS_TOTAL] = _bit(gas.hasTotal);
        image[GAS_TOTAL] = gas.total;
    }

    /// @dev Writes the chain list (spec §17) into the header.
    function _writeChains(uint256[] memory image, ISessionManager.Policy calldata policy) private pure {
        image[HAS_CHAINS] = _bit(policy.hasChains);
        image[CHAIN_COUNT] = policy.chains.length;
        for (uint256 c; c < policy.chains.length; ++c) {
            image[CHAINS + c] = policy.chains[c];
        }
    }

    /// @dev Writes one cap's allowance block at image index `base`.
    function _writeAllowances(
        uint256[] memory image,
        uint256 base,
        bool hasPeriodic,
        ISessionManager.PeriodicAllowance calldata periodic,
        bool hasStreaming,
        ISessionManager.StreamingAllowance calldata streaming
    ) private pure {
        image[base + HAS_PERIODIC] = _bit(hasPeriodic);
        image[base + PERIOD_AMOUNT] = periodic.amount;
        image[base + PERIOD_LENGTH] = periodic.period;
        image[base + PERIOD_START] = periodic.start;
        image[base + HAS_STREAMING] = _bit(hasStreaming);
        image[base + STREAM_INITIAL] = streaming.initial;
        image[base + STREAM_RATE] = streaming.rate;
        image[base + STREAM_MAX] = streaming.max;
        image[base + STREAM_START] = streaming.start;
    }

    function _bit(bool b) private pure returns (uint256) {
        return b ? 1 : 0;
    }
}
