// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ISessionManager} from "./interfaces/ISessionManager.sol";
import {PolicyImage} from "./lib/PolicyImage.sol";

/// @title SessionManager
/// @notice The reference leash Session Manager: an ERC-7579 validator module that lets session keys
///         act for an account within a policy. It implements `docs/spec.md` (spec v3) clause by
///         clause and returns exactly the verdicts of the Rust model in `model/src/`. Every check
///         cites its clause (`// spec §x.y`), so this file can be read next to the spec.
/// @dev Layout of the file: constants, storage, lifecycle (§2, §12), validation (§1.6: §2.3, §3,
///      then §4 to §10 per execution, §16 and §17 per op, §11 returned), then the helpers of each
///      clause in spec order.
///
///      Storage. Everything an account owns sits in slots associated with the account in the sense
///      of ERC-7562 (`keccak256(account ‖ x) + n`, `n < 128`), so a bundler would accept it:
///      - `_records[key][account]` (Solidity puts it at `keccak256(account ‖ keccak256(key ‖ 0))`)
///        is one word: the SSTORE2 pointer of the policy, the status and the install epoch.
///      - The counters of one installed session are a block of `COUNTER_SLOTS` words at
///        `base = keccak256(abi.encode(account, keccak256(abi.encode(COUNTERS_DOMAIN, key, epoch))))`:
///          base + 0                 `calls` (bits 0..63) and `rateHead` (bits 64..71)
///          base + 1, base + 2       the rate ring, four uint64 per word, slot k at word 1 + k / 4,
///                                   bits 64 * (k % 4)
///          base + 3                 `nativeSpent`
///          base + 4 + t             `tokenSpent[t]`, t < MAX_TOKENS
///          base + 8 + 4 * p + r     `ruleUsed[p][r]`, p < MAX_PERMISSIONS, r < MAX_RULES
///          base + 40, base + 41     the native cap's period counter: its period's start, its spent
///          base + 42 + 2 * t, + 1   token cap t's period counter, t < MAX_TOKENS
///          base + 50                `gasSpent` (spec §16.4)
///      Every install bumps the epoch, so a reinstalled session reads a block no earlier session
///      ever wrote: its counters are zero by construction, and nothing has to be cleared (§2.1).
///
///      Policy storage. A policy is written once, at install, and read by every op. It is kept as a
///      `PolicyImage` (one word per field, fixed-size records; see `lib/PolicyImage.sol`) in the code
///      of a new SSTORE2 contract per install. Validation pays one cold EXTCODECOPY (2600 gas plus 3
///      per word) and reads only the words it needs; storage would cost one cold SLOAD (2100 gas)
///      per word, and a memory `abi.decode` of the ABI encoding about 2000 gas per permission. The
///      image is immutable, so no policy data of an earlier install can be read after a reinstall.
///
///      Decoding. `userOp.callData` and the calldata of every execution are read in place (calldata
///      slices and `_word`), never copied. Every read is preceded by the spec's own bounds check and
///      is bounds-checked a second time where it happens, so no read can leave its buffer (§3, §6.1).
///
///      Counters. Validation reads the counters it needs into a memory cache (at most one SLOAD per
///      word), checks every execution against the cache as earlier executions updated it (§13.2),
///      and writes the changed words back only after the whole op passed (§13.1). All counter sums
///      are checked explicitly: an overflow is the clause's denial, never a panic (§13.3).
/// @dev What the module asks the calling account for: the EntryPoint its ops come through (spec
///      §1.4.1 binds it). `LeashAccount`, `LeashAccount7702` and OpenZeppelin's accounts have it.
interface IEntryPointHolder {
    function entryPoint() external view returns (address);
}

contract SessionManager is ISessionManager {
    // ---------------------------------------------------------------------------------------------
    // Constants
    // ---------------------------------------------------------------------------------------------

    // spec §1.4.1: the EIP-712 digest a session key signs (`sessionOpDigest`).
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant DOMAIN_NAME_HASH = keccak256("LeashSessionManager");
    bytes32 private constant DOMAIN_VERSION_HASH = keccak256("1");
    bytes32 private constant SESSION_OP_TYPEHASH =
        keccak256("SessionOp(address entryPoint,address account,uint256 nonce,bytes32 opHash)");
    /// @dev EntryPoint v0.8's EIP-7702 `initCode` marker (`0x7702` then 18 zero bytes) and the code
    ///      prefix of a delegated EOA (`Eip7702Support`).
    bytes20 private constant EIP7702_MARKER = bytes20(bytes2(0x7702));
    bytes3 private constant EIP7702_PREFIX = 0xef0100;

    /// @dev ERC-4337 `SIG_VALIDATION_FAILED`: the answer for `NoSession` (spec §2.3.1).
    uint256 private constant SIG_VALIDATION_FAILED = 1;
    /// @dev ERC-7579 module type of a validator.
    uint256 private constant MODULE_TYPE_VALIDATOR = 1;

    // Bounds of the spec (docs/spec.md, table "Bounds"; model/src/bounds.rs).
    uint256 private constant MAX_PERMISSIONS = 8;
    uint256 private constant MAX_ARGS = 8;
    uint256 private constant MAX_RULES = 4;
    uint256 private constant MAX_ONE_OF = 4;
    uint256 private constant MAX_TOKENS = 4;
    uint256 private constant MAX_SPENDERS = 4;
    uint256 private constant MAX_BATCH = 8;
    uint256 private constant MAX_RATE = 8;
    uint256 private constant MAX_PAYMASTERS = 4;
    uint256 private constant MAX_CHAINS = 8;

    // Session status, as `SessionView.status` reports it.
    uint8 private constant STATUS_NONE = 0;
    uint8 private constant STATUS_ACTIVE = 1;
    uint8 private constant STATUS_REVOKED = 2;

    // Selectors (spec §3.1, §8.1).
    bytes4 private constant EXECUTE = 0xe9ae5c53; // execute(bytes32,bytes)
    bytes4 private constant TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    bytes4 private constant APPROVE = 0x095ea7b3; // approve(address,uint256)
    bytes4 private constant TRANSFER_FROM = 0x23b872dd; // transferFrom(address,address,uint256)
    bytes4 private constant INCREASE_ALLOWANCE = 0x39509351; // increaseAllowance(address,uint256)

    // `GasRule.paymaster` codes (ISessionManager, spec §16.1).
    uint8 private constant PAYMASTER_ANY = 0;
    uint8 private constant PAYMASTER_REQUIRED = 1;
    uint8 private constant PAYMASTER_ALLOWLIST = 2;
    /// @dev Length of the static part of a non-empty `paymasterAndData`: the paymaster and its two
    ///      gas limits (EntryPoint v0.8's `PAYMASTER_DATA_OFFSET`; a shorter one is refused, AA93).
    uint256 private constant PAYMASTER_DATA_OFFSET = 52;

    // ERC-7579 mode bytes (spec §3.3).
    uint8 private constant CALLTYPE_SINGLE = 0x00;
    uint8 private constant CALLTYPE_BATCH = 0x01;

    // `Permission.argTypes` codes (ISessionManager): 1 address, 2 bool, 3 bytes, 4 string,
    // 0x100 + N/8 uintN, 0x200 + N bytesN.
    uint16 private constant TYPE_ADDRESS = 1;
    uint16 private constant TYPE_BOOL = 2;
    uint16 private constant TYPE_BYTES = 3;
    uint16 private constant TYPE_STRING = 4;
    uint16 private constant TYPE_UINT = 0x100;
    uint16 private constant TYPE_FIXED_BYTES = 0x200;
    uint16 private constant TYPE_UINT256 = TYPE_UINT + 32;

    // `Rule.condition` codes (ISessionManager, spec §6.3).
    uint8 private constant COND_EQ = 0;
    uint8 private constant COND_NEQ = 1;
    uint8 private constant COND_GT = 2;
    uint8 private constant COND_GTE = 3;
    uint8 private constant COND_LT = 4;
    uint8 private constant COND_LTE = 5;
    uint8 private constant COND_IN_RANGE = 6;
    uint8 private constant COND_ONE_OF = 7;

    // `InvalidPolicy` codes: `PolicyError::code()` in model/src/policy.rs, and 10 for encodings the
    // model's types cannot express.
    uint8 private constant POLICY_TIME_TOO_LARGE = 1; // spec §12.1; unreachable: uint48 fields
    uint8 private constant POLICY_EMPTY_WINDOW = 2; // spec §12.1
    uint8 private constant POLICY_DUPLICATE_PERMISSION = 3; // spec §12.2
    uint8 private constant POLICY_EMPTY_SELECTOR_WITH_ARGS = 4; // spec §12.3
    uint8 private constant POLICY_UNSUPPORTED_TYPE = 5; // spec §12.4
    uint8 private constant POLICY_BAD_RULE = 6; // spec §12.5
    uint8 private constant POLICY_DUPLICATE_TOKEN = 7; // spec §12.6
    uint8 private constant POLICY_ZERO_TOKEN = 8; // spec §12.6
    uint8 private constant POLICY_BAD_RATE_LIMIT = 9; // spec §12.7
    uint8 private constant POLICY_ENCODING = 10; // not expressible in the model
    uint8 private constant POLICY_BAD_PERIODIC_ALLOWANCE = 11; // spec §12.8
    uint8 private constant POLICY_BAD_STREAMING_ALLOWANCE = 12; // spec §12.9
    uint8 private constant POLICY_BAD_PAYMASTERS = 13; // spec §12.10
    uint8 private constant POLICY_BAD_CHAINS = 14; // spec §12.11

    // Denial codes (spec Appendix A; `DenyReason` in model/src/verdict.rs).
    uint8 private constant REVOKED = 2; // §2.3.2 (NoSession, 1, is SIG_VALIDATION_FAILED)
    uint8 private constant NOT_EXECUTE = 10; // §3.1
    uint8 private constant HEAD_TRUNCATED = 11; // §3.2
    uint8 private constant CALL_TYPE = 12; // §3.3.1
    uint8 private constant EXEC_TYPE = 13; // §3.3.2
    uint8 private constant MODE_PAYLOAD = 14; // §3.3.3
    uint8 private constant OUTER_OFFSET = 15; // §3.4.1
    uint8 private constant OUTER_TRUNCATED = 16; // §3.4.2
    uint8 private constant OUTER_LENGTH = 17; // §3.4.3
    uint8 private constant OUTER_PADDING = 18; // §3.4.4
    uint8 private constant SINGLE_TOO_SHORT = 19; // §3.5
    uint8 private constant BATCH_TRUNCATED = 20; // §3.6.1
    uint8 private constant ARRAY_OFFSET = 21; // §3.6.2
    uint8 private constant EMPTY_BATCH = 22; // §3.6.3
    uint8 private constant BATCH_TOO_LARGE = 23; // §3.6.4
    uint8 private constant OFFSETS_TRUNCATED = 24; // §3.6.5
    uint8 private constant ITEM_OFFSET = 25; // §3.6.6
    uint8 private constant ITEM_TRUNCATED = 26; // §3.6.7
    uint8 private constant DIRTY_TARGET = 27; // §3.6.8
    uint8 private constant DATA_OFFSET = 28; // §3.6.9
    uint8 private constant DATA_TRUNCATED = 29; // §3.6.10
    uint8 private constant DATA_PADDING = 30; // §3.6.11
    uint8 private constant BATCH_LENGTH = 31; // §3.6.12
    uint8 private constant SELF_CALL = 40; // §4.1
    uint8 private constant MODULE_CALL = 41; // §4.2
    uint8 private constant ZERO_TARGET = 42; // §4.3
    uint8 private constant SHORT_CALLDATA = 50; // §5.1
    uint8 private constant NOT_PERMITTED = 51; // §5.3
    uint8 private constant ARGS_TRUNCATED = 60; // §6.1.1
    uint8 private constant ARG_DIRTY = 61; // §6.1.2
    uint8 private constant ARG_OFFSET = 62; // §6.1.3
    uint8 private constant ARG_TAIL_TRUNCATED = 63; // §6.1.4
    uint8 private constant ARG_PADDING = 64; // §6.1.5
    uint8 private constant ARGS_LENGTH = 65; // §6.1.6
    uint8 private constant SLICE_OUT_OF_BOUNDS = 66; // §6.2
    uint8 private constant ARG_CONDITION = 67; // §6.3
    uint8 private constant ARG_LIMIT = 68; // §6.4
    uint8 private constant NATIVE_VALUE = 70; // §7.1
    uint8 private constant NATIVE_PER_CALL = 71; // §7.2
    uint8 private constant NATIVE_TOTAL = 72; // §7.3
    uint8 private constant NATIVE_PERIOD = 73; // §7.4
    uint8 private constant NATIVE_STREAM = 74; // §7.5
    uint8 private constant TOKEN_SELECTOR = 80; // §8.1
    uint8 private constant TOKEN_ARGS = 81; // §8.2
    uint8 private constant TRANSFER_FROM_OTHER = 82; // §8.3
    uint8 private constant SPENDER = 83; // §8.4
    uint8 private constant TOKEN_CAP = 84; // §8.5
    uint8 private constant TOKEN_PERIOD = 85; // §8.6
    uint8 private constant TOKEN_STREAM = 86; // §8.7
    uint8 private constant RATE_LIMIT = 90; // §9.1
    uint8 private constant USAGE_LIMIT = 100; // §10.1
    uint8 private constant PAYMASTER_REQUIRED_DENIAL = 120; // §16.1.1
    uint8 private constant PAYMASTER_DENIAL = 121; // §16.1.2
    uint8 private constant GAS_FEE = 122; // §16.2
    uint8 private constant GAS_PER_OP = 123; // §16.3
    uint8 private constant GAS_TOTAL = 124; // §16.4
    uint8 private constant CHAIN = 130; // §17.1
    /// @dev `SessionDenied`'s `execution` or `detail` when it does not apply (the model's `None`).
    uint8 private constant NONE = 0xff;
    /// @dev Internal "no error" result of the argument decoder (not a denial code).
    uint8 private constant DECODED = 0;

    // Counter block layout (see the contract header).
    uint256 private constant COUNTER_SLOTS = 8 + MAX_PERMISSIONS * MAX_RULES + 2 + 2 * MAX_TOKENS + 1;
    uint256 private constant SLOT_CALLS_HEAD = 0;
    uint256 private constant SLOT_RING = 1;
    uint256 private constant SLOT_NATIVE = 3;
    uint256 private constant SLOT_TOKENS = 4;
    uint256 private constant SLOT_RULES = 8;
    uint256 private constant SLOT_NATIVE_PERIOD = 8 + MAX_PERMISSIONS * MAX_RULES;
    uint256 private constant SLOT_TOKEN_PERIODS = SLOT_NATIVE_PERIOD + 2;
    uint256 private constant SLOT_GAS_SPENT = SLOT_TOKEN_PERIODS + 2 * MAX_TOKENS;
    /// @dev Domain of the counter-block preimage, so it can never equal another hash preimage here.
    bytes32 private constant COUNTERS_DOMAIN = keccak256("leash.SessionManager.counters");

    // ---------------------------------------------------------------------------------------------
    // Storage and memory types
    // ---------------------------------------------------------------------------------------------

    /// @dev What the module knows of one (account, key): one storage word.
    struct Record {
        /// @dev SSTORE2 pointer holding the `PolicyImage` of the current install.
        address policy;
        /// @dev `STATUS_NONE`, `STATUS_ACTIVE` or `STATUS_REVOKED`.
        uint8 status;
        /// @dev Number of installs so far; selects the counter block (0: never installed).
        uint64 epoch;
    }

    /// @dev One execution decoded by spec §3; its calldata is `cd[dataStart : dataStart + dataLength]`
    ///      with `cd = userOp.callData`.
    struct Call {
        address target;
        uint256 value;
        uint256 dataStart;
        uint256 dataLength;
    }

    /// @dev The state of one `validateUserOp`: the policy image, the counter cache and scratch space.
    struct Validation {
        address account;
        /// @dev The session's policy, see `PolicyImage`.
        uint256[] image;
        /// @dev First storage slot of the session's counter block.
        uint256 counterBase;
        /// @dev Bit i set: `counters[i]` holds the stored word (or a newer value).
        uint256 loaded;
        /// @dev Bit i set: `counters[i]` changed and is written back at the end.
        uint256 dirty;
        uint256[COUNTER_SLOTS] counters;
        /// @dev §6.1 decoder output: a static argument's word, or a dynamic argument's content start.
        uint256[MAX_ARGS] argHead;
        /// @dev §6.1 decoder output: a dynamic argument's content length.
        uint256[MAX_ARGS] argLength;
    }

    /// @notice A block timestamp does not fit the 64 bits spec §1.5 gives timestamps.
    error TimestampOutOfRange(uint256 timestamp);
    /// @notice Unreachable: a calldata read would have left its buffer. It would mean a bug here.
    error ReadOutOfBounds();

    /// @dev key => account => record. The account is the outer hash input: ERC-7562 associated.
    mapping(address key => mapping(address account => Record)) private _records;

    // ---------------------------------------------------------------------------------------------
    // ERC-7579 module hooks
    // ---------------------------------------------------------------------------------------------

    /// @notice Called by an account installing the module. Does nothing: sessions are installed one
    ///         by one with `installSession`.
    /// @param data Ignored.
    function onInstall(bytes calldata data) external override {}

    /// @notice Called by an account uninstalling the module. Does nothing and clears nothing: the
    ///         account's sessions keep their state, and reinstalling a key starts clean anyway
    ///         (spec §2.1). An account that wants them gone revokes them first (spec §2.2).
    /// @param data Ignored.
    function onUninstall(bytes calldata data) external override {}

    /// @notice ERC-7579: whether the module is of type `moduleTypeId`.
    /// @param moduleTypeId An ERC-7579 module type.
    /// @return True for the validator type (1) only.
    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    // ---------------------------------------------------------------------------------------------
    // Lifecycle (spec §2, §12)
    // ---------------------------------------------------------------------------------------------

    /// @notice Installs a session for `key` on the calling account (spec §2.1), replacing any earlier
    ///         session of the key, active or revoked, with an active one whose counters are all zero.
    /// @dev Reverts `ZeroKey` for key 0, then `InvalidPolicy(code)` for a policy that is not valid
    ///      (spec §12). The policy is stored as a `PolicyImage` in a new SSTORE2 contract.
    /// @param key The session key (an EOA address).
    /// @param policy The session's policy.
    function installSession(address key, Policy calldata policy) external override {
        // spec §2.1
        if (key == address(0)) revert ZeroKey();
        _checkPolicyEncoding(policy);
        _checkPolicyValidity(policy);
        // spec §2.4: sessions are keyed by the caller.
        Record storage record = _records[key][msg.sender];
        // spec §2.1: a new epoch selects a counter block no earlier session wrote.
        record.epoch += 1;
        record.status = STATUS_ACTIVE;
        record.policy = PolicyImage.write(policy);
        emit SessionInstalled(msg.sender, key);
    }

    /// @notice Revokes the calling account's session of `key` (spec §2.2).
    /// @dev Reverts `UnknownSession(key)` if the key never had a session on this account. Revoking a
    ///      revoked session succeeds and changes nothing (no event either).
    /// @param key The session key.
    function revokeSession(address key) external override {
        Record storage record = _records[key][msg.sender];
        uint8 status = record.status;
        // spec §2.2
        if (status == STATUS_NONE) revert UnknownSession(key);
        if (status == STATUS_REVOKED) return;
        record.status = STATUS_REVOKED;
        emit SessionRevoked(msg.sender, key);
    }

    /// @notice The status and counters of `account`'s session of `key` (spec §13), as the model's
    ///         `Session` holds them. A key without a session gives status 0 and empty counters.
    /// @param account The account.
    /// @param key The session key.
    /// @return state See `ISessionManager.SessionView`.
    function sessionState(address account, address key)
        external
        view
        override
        returns (SessionView memory state)
    {
        Record memory record = _records[key][account];
        state.status = record.status;
        if (record.status == STATUS_NONE) return state;
        uint256[] memory image = PolicyImage.read(record.policy);
        uint256 base = _counterBase(account, key, record.epoch);

        uint256 callsHead = _sload(base + SLOT_CALLS_HEAD);
        state.calls = uint64(callsHead);
        state.rateHead = uint8(callsHead >> 64);
        state.nativeSpent = _sload(base + SLOT_NATIVE);
        uint256 tokenCount = image[PolicyImage.TOKEN_COUNT];
        state.tokenSpent = new uint256[](tokenCount);
        state.tokenPeriod = new PeriodSpend[](tokenCount);
        for (uint256 t; t < tokenCount; ++t) {
            state.tokenSpent[t] = _sload(base + SLOT_TOKENS + t);
            state.tokenPeriod[t] = _periodSpend(base + SLOT_TOKEN_PERIODS + 2 * t);
        }
        state.nativePeriod = _periodSpend(base + SLOT_NATIVE_PERIOD);
        state.gasSpent = _sload(base + SLOT_GAS_SPENT);
        uint256 permissionCount = image[PolicyImage.PERMISSION_COUNT];
        state.ruleUsed = new uint256[][](permissionCount);
        for (uint256 p; p < permissionCount; ++p) {
            uint256 rules = image[PolicyImage.permissionAt(image, p) + PolicyImage.PERMISSION_RULE_COUNT];
            state.ruleUsed[p] = new uint256[](rules);
            for (uint256 r; r < rules; ++r) {
                state.ruleUsed[p][r] = _sload(base + _ruleSlot(p, r));
            }
        }
        if (image[PolicyImage.HAS_RATE_LIMIT] != 0) {
            uint256 maxCalls = image[PolicyImage.RATE_MAX_CALLS];
            state.rateRing = new uint64[](maxCalls);
            for (uint256 k; k < maxCalls; ++k) {
                state.rateRing[k] = uint64(_sload(base + SLOT_RING + k / 4) >> (64 * (k % 4)));
            }
        }
    }

    /// @dev A period counter (spec §13) stored at `slot` (start) and `slot + 1` (spent).
    function _periodSpend(uint256 slot) private view returns (PeriodSpend memory) {
        return PeriodSpend({start: uint64(_sload(slot)), spent: _sload(slot + 1)});
    }

    /// @dev Rejects encodings the model's `Policy` type cannot express, with `InvalidPolicy(10)`.
    ///      These are checked over the whole policy before any clause of spec §12, so every policy
    ///      that reaches `_checkPolicyValidity` is the image of exactly one model `Policy`, and the
    ///      codes 1 to 9 then come in the model's order. The fuzzer only installs model-valid
    ///      policies; this order only matters for hand-written ones.
    function _checkPolicyEncoding(Policy calldata policy) private pure {
        if (policy.permissions.length > MAX_PERMISSIONS) _invalidPolicy(POLICY_ENCODING);
        for (uint256 p; p < policy.permissions.length; ++p) {
            Permission calldata permission = policy.permissions[p];
            // `Target::Any` and `Selector::Empty` carry no value.
            if (permission.anyTarget && permission.target != address(0)) _invalidPolicy(POLICY_ENCODING);
            if (permission.emptySelector && permission.selector != bytes4(0)) _invalidPolicy(POLICY_ENCODING);
            // `args: None` has no types.
            if (!permission.hasArgs && permission.argTypes.length != 0) _invalidPolicy(POLICY_ENCODING);
            if (permission.argTypes.length > MAX_ARGS) _invalidPolicy(POLICY_ENCODING);
            for (uint256 a; a < permission.argTypes.length; ++a) {
                if (!_isTypeCode(permission.argTypes[a])) _invalidPolicy(POLICY_ENCODING);
            }
            if (permission.rules.length > MAX_RULES) _invalidPolicy(POLICY_ENCODING);
            for (uint256 r; r < permission.rules.length; ++r) {
                Rule calldata rule = permission.rules[r];
                if (!rule.hasSlice && (rule.sliceOffset != 0 || rule.sliceLength != 0)) {
                    _invalidPolicy(POLICY_ENCODING);
                }
                uint8 condition = rule.condition;
                uint256 values = rule.values.length;
                if (condition > COND_ONE_OF) _invalidPolicy(POLICY_ENCODING);
                if (condition <= COND_LTE && values != 1) _invalidPolicy(POLICY_ENCODING);
                if (condition == COND_IN_RANGE && values != 2) _invalidPolicy(POLICY_ENCODING);
                // An empty `one_of` is expressible (and invalid, spec §12.5); more than 4 is not.
                if (condition == COND_ONE_OF && values > MAX_ONE_OF) _invalidPolicy(POLICY_ENCODING);
                if (!rule.hasLimit && rule.limit != 0) _invalidPolicy(POLICY_ENCODING);
            }
        }
        if (policy.tokens.length > MAX_TOKENS) _invalidPolicy(POLICY_ENCODING);
        for (uint256 t; t < policy.tokens.length; ++t) {
            TokenCap calldata cap = policy.tokens[t];
            if (!cap.restrictSpenders && cap.spenders.length != 0) _invalidPolicy(POLICY_ENCODING);
            if (cap.spenders.length > MAX_SPENDERS) _invalidPolicy(POLICY_ENCODING);
            _checkAllowancesEncoding(cap.hasPeriodic, cap.periodic, cap.hasStreaming, cap.streaming);
        }
        if (!policy.hasNative && (policy.nativePerCall != 0 || policy.nativeTotal != 0)) {
            _invalidPolicy(POLICY_ENCODING);
        }
        // Allowances over time live inside the native cap (spec §7).
        if (!policy.hasNative && (policy.hasNativePeriodic || policy.hasNativeStreaming)) {
            _invalidPolicy(POLICY_ENCODING);
        }
        _checkAllowancesEncoding(
            policy.hasNativePeriodic, policy.nativePeriodic, policy.hasNativeStreaming, policy.nativeStreaming
        );
        if (!policy.hasUsageLimit && policy.usageLimit != 0) _invalidPolicy(POLICY_ENCODING);
        if (!policy.hasRateLimit && (policy.rateMaxCalls != 0 || policy.rateInterval != 0)) {
            _invalidPolicy(POLICY_ENCODING);
        }
        _checkGasEncoding(policy.hasGas, policy.gas);
        // An absent chain list has no chains; more than `MAX_CHAINS` is not expressible (an empty
        // one is, and is invalid, spec §12.11).
        if (!policy.hasChains && policy.chains.length != 0) _invalidPolicy(POLICY_ENCODING);
        if (policy.chains.length > MAX_CHAINS) _invalidPolicy(POLICY_ENCODING);
    }

    /// @dev An absent gas rule (`hasGas` false) carries no value; a paymaster list belongs to an
    ///      allowlist only, and holds at most `MAX_PAYMASTERS` entries (an empty allowlist is
    ///      expressible, and invalid, spec §12.10); an absent limit is zero.
    function _checkGasEncoding(bool hasGas, GasRule calldata gas) private pure {
        if (
            !hasGas
                && (
                    gas.paymaster != PAYMASTER_ANY || gas.paymasters.length != 0 || gas.hasMaxFeePerGas
                        || gas.hasPerOp || gas.hasTotal
                )
        ) {
            _invalidPolicy(POLICY_ENCODING);
        }
        if (gas.paymaster > PAYMASTER_ALLOWLIST) _invalidPolicy(POLICY_ENCODING);
        if (gas.paymaster != PAYMASTER_ALLOWLIST && gas.paymasters.length != 0) _invalidPolicy(POLICY_ENCODING);
        if (gas.paymasters.length > MAX_PAYMASTERS) _invalidPolicy(POLICY_ENCODING);
        if (!gas.hasMaxFeePerGas && gas.maxFeePerGas != 0) _invalidPolicy(POLICY_ENCODING);
        if (!gas.hasPerOp && gas.perOp != 0) _invalidPolicy(POLICY_ENCODING);
        if (!gas.hasTotal && gas.total != 0) _invalidPolicy(POLICY_ENCODING);
    }

    /// @dev An absent allowance (`has*` false) carries no value.
    function _checkAllowancesEncoding(
        bool hasPeriodic,
        PeriodicAllowance calldata periodic,
        bool hasStreaming,
        StreamingAllowance calldata streaming
    ) private pure {
        if (!hasPeriodic && (periodic.amount != 0 || periodic.period != 0 || periodic.start != 0)) {
            _invalidPolicy(POLICY_ENCODING);
        }
        if (
            !hasStreaming
                && (streaming.initial != 0 || streaming.rate != 0 || streaming.max != 0 || streaming.start != 0)
        ) {
            _invalidPolicy(POLICY_ENCODING);
        }
    }

    /// @dev Spec §12, clause by clause, in the order of `Policy::validate` in model/src/policy.rs.
    function _checkPolicyValidity(Policy calldata policy) private pure {
        // spec §12.1: `validAfter` and `validUntil` are uint48, so both are `<= TIME_MAX` by type
        // and `POLICY_TIME_TOO_LARGE` cannot occur.
        if (policy.validUntil != 0 && policy.validAfter >= policy.validUntil) _invalidPolicy(POLICY_EMPTY_WINDOW);
        // spec §12.2 (the count is checked in `_checkPolicyEncoding`)
        Permission[] calldata permissions = policy.permissions;
        for (uint256 second; second < permissions.length; ++second) {
            for (uint256 first; first < second; ++first) {
                if (_sameTargetAndSelector(permissions[first], permissions[second])) {
                    _invalidPolicy(POLICY_DUPLICATE_PERMISSION);
                }
            }
        }
        for (uint256 p; p < permissions.length; ++p) {
            _checkPermissionValidity(permissions[p]);
        }
        // spec §12.6
        TokenCap[] calldata tokens = policy.tokens;
        for (uint256 t; t < tokens.length; ++t) {
            if (tokens[t].token == address(0)) _invalidPolicy(POLICY_ZERO_TOKEN);
            for (uint256 earlier; earlier < t; ++earlier) {
                if (tokens[earlier].token == tokens[t].token) _invalidPolicy(POLICY_DUPLICATE_TOKEN);
            }
        }
        // spec §12.7
        if (
            policy.hasRateLimit
                && (policy.rateMaxCalls == 0 || policy.rateMaxCalls > MAX_RATE || policy.rateInterval == 0)
        ) {
            _invalidPolicy(POLICY_BAD_RATE_LIMIT);
        }
        // spec §12.8, §12.9: the native cap's allowances, then each token cap's, in order.
        _checkAllowancesValidity(
            policy.hasNativePeriodic, policy.nativePeriodic, policy.hasNativeStreaming, policy.nativeStreaming
        );
        for (uint256 t; t < tokens.length; ++t) {
            TokenCap calldata cap = tokens[t];
            _checkAllowancesValidity(cap.hasPeriodic, cap.periodic, cap.hasStreaming, cap.streaming);
        }
        // spec §12.10: an allowlist names 1..=MAX_PAYMASTERS distinct paymasters, none address(0)
        // (the count's upper bound is checked in `_checkGasEncoding`).
        if (policy.hasGas && policy.gas.paymaster == PAYMASTER_ALLOWLIST) {
            address[] calldata paymasters = policy.gas.paymasters;
            if (paymasters.length == 0) _invalidPolicy(POLICY_BAD_PAYMASTERS);
            for (uint256 k; k < paymasters.length; ++k) {
                if (paymasters[k] == address(0)) _invalidPolicy(POLICY_BAD_PAYMASTERS);
                for (uint256 earlier; earlier < k; ++earlier) {
                    if (paymasters[earlier] == paymasters[k]) _invalidPolicy(POLICY_BAD_PAYMASTERS);
                }
            }
        }
        // spec §12.11: a chain list names 1..=MAX_CHAINS distinct chains, none 0.
        if (policy.hasChains) {
            uint64[] calldata chains = policy.chains;
            if (chains.length == 0) _invalidPolicy(POLICY_BAD_CHAINS);
            for (uint256 c; c < chains.length; ++c) {
                if (chains[c] == 0) _invalidPolicy(POLICY_BAD_CHAINS);
                for (uint256 earlier; earlier < c; ++earlier) {
                    if (chains[earlier] == chains[c]) _invalidPolicy(POLICY_BAD_CHAINS);
                }
            }
        }
    }

    /// @dev Spec §12.8 and §12.9 for one cap. `period` and the starts are uint48, so `<= TIME_MAX`
    ///      holds by type; a period must still be at least one second, and a stream start below its
    ///      maximum.
    function _checkAllowancesValidity(
        bool hasPeriodic,
        PeriodicAllowance calldata periodic,
        bool hasStreaming,
        StreamingAllowance calldata streaming
    ) private pure {
        if (hasPeriodic && periodic.period == 0) _invalidPolicy(POLICY_BAD_PERIODIC_ALLOWANCE);
        if (hasStreaming && streaming.initial > streaming.max) _invalidPolicy(POLICY_BAD_STREAMING_ALLOWANCE);
    }

    /// @dev Spec §12.3 to §12.5 for one permission (`Permission::validate` in the model).
    function _checkPermissionValidity(Permission calldata permission) private pure {
        // spec §12.3
        if (permission.emptySelector && (permission.hasArgs || permission.rules.length != 0)) {
            _invalidPolicy(POLICY_EMPTY_SELECTOR_WITH_ARGS);
        }
        // spec §12.4
        uint16[] calldata types = permission.argTypes;
        for (uint256 a; a < types.length; ++a) {
            if (!_isSupportedType(types[a])) _invalidPolicy(POLICY_UNSUPPORTED_TYPE);
        }
        // spec §12.5, each rule's problems in the model's order
        for (uint256 r; r < permission.rules.length; ++r) {
            Rule calldata rule = permission.rules[r];
            if (!permission.hasArgs) _invalidPolicy(POLICY_BAD_RULE); // NoArgs
            if (rule.arg >= types.length) _invalidPolicy(POLICY_BAD_RULE); // NoSuchArg
            bool dynamic = _isDynamic(types[rule.arg]);
            if (!dynamic && rule.hasSlice) _invalidPolicy(POLICY_BAD_RULE); // SliceOnStatic
            if (dynamic && !rule.hasSlice) _invalidPolicy(POLICY_BAD_RULE); // MissingSlice
            if (
                dynamic
                    && (
                        rule.sliceLength == 0 || rule.sliceLength > 32
                            || uint256(rule.sliceOffset) + rule.sliceLength > 1 << 32
                    )
            ) {
                _invalidPolicy(POLICY_BAD_RULE); // BadSlice
            }
            if (rule.condition == COND_IN_RANGE && rule.values[0] > rule.values[1]) {
                _invalidPolicy(POLICY_BAD_RULE); // EmptyRange
            }
            if (rule.condition == COND_ONE_OF && rule.values.length == 0) {
                _invalidPolicy(POLICY_BAD_RULE); // EmptyOneOf
            }
        }
    }

    /// @dev Spec §12.2: both permissions name the same target (or both any) and the same selector
    ///      (or both empty). `_checkPolicyEncoding` made the fields behind a wildcard zero.
    function _sameTargetAndSelector(Permission calldata a, Permission calldata b) private pure returns (bool) {
        return PolicyImage.permissionKey(a.anyTarget, a.target, a.emptySelector, a.selector)
            == PolicyImage.permissionKey(b.anyTarget, b.target, b.emptySelector, b.selector);
    }

    function _invalidPolicy(uint8 code) private pure {
        revert InvalidPolicy(code);
    }

    // ---------------------------------------------------------------------------------------------
    // Validation (spec §1.6)
    // ---------------------------------------------------------------------------------------------

    /// @notice Validates a user operation of the calling account (spec §1 to §11, §16, §17).
    /// @dev Order of spec §1.6: §2.3 (session), §3 (decoding), then for each execution §4 to §10,
    ///      each execution against the counters as the earlier ones left them (§13.2), then the
    ///      op's gas terms (§16) and its chain (§17). The counters
    ///      are written only when every execution passed (§13.1). §11 is left to the EntryPoint,
    ///      which receives the window in `validationData`. Every denial except `NoSession` reverts
    ///      `SessionDenied(code, execution, detail)`.
    ///      The session key signs the module's own digest (`sessionOpDigest`, spec §1.4.1), not the
    ///      EntryPoint's `userOpHash`: the module binds what it must itself.
    /// @param userOp The user operation, as re-encoded by the account.
    /// @return validationData `SIG_VALIDATION_FAILED` (1) for `NoSession`, otherwise
    ///         `validUntil << 160 | validAfter << 208`.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32)
        external
        override
        returns (uint256 validationData)
    {
        // spec §1.4.1: an account that names no EntryPoint has no digest a key could have signed.
        (bool named, bytes memory entryPoint) =
            msg.sender.staticcall(abi.encodeCall(IEntryPointHolder.entryPoint, ()));
        if (!named || entryPoint.length < 32) return SIG_VALIDATION_FAILED;
        bytes32 digest = sessionOpDigest(userOp, abi.decode(entryPoint, (address)), msg.sender);
        // spec §1.4, §2.3.1: a malformed signature has no signer; a signer without a session of
        // this account is `NoSession`.
        address signer = _recoverSigner(userOp.signature, digest);
        if (signer == address(0)) return SIG_VALIDATION_FAILED;
        Record memory record = _records[signer][msg.sender];
        if (record.status == STATUS_NONE) return SIG_VALIDATION_FAILED;
        // spec §2.3.2
        if (record.status == STATUS_REVOKED) _deny(REVOKED, NONE, NONE);

        // spec §3
        bytes calldata cd = userOp.callData;
        Call[] memory calls = _decodeExecute(cd);

        Validation memory v;
        v.account = msg.sender;
        v.image = PolicyImage.read(record.policy);
        v.counterBase = _counterBase(msg.sender, signer, record.epoch);
        // spec §4 to §10, per execution in order (§1.6, §13.2)
        for (uint256 i; i < calls.length; ++i) {
            Call memory call = calls[i];
            _checkExecution(v, i, call.target, call.value, cd[call.dataStart:call.dataStart + call.dataLength]);
        }
        // spec §16, once per op after its executions
        _checkGas(v, userOp);
        // spec §17
        _checkChain(v.image);
        // spec §13.1: the op passed; its counters move now.
        _writeCounters(v);
        // spec §11: the EntryPoint v0.8 applies the window (`validAfter < now <= validUntil'`).
        return v.image[PolicyImage.VALID_UNTIL] << 160 | v.image[PolicyImage.VALID_AFTER] << 208;
    }

    /// @dev Spec §4 to §10 for execution `i`.
    function _checkExecution(Validation memory v, uint256 i, address target, uint256 value, bytes calldata data)
        private
        view
    {
        // spec §4.1
        if (target == v.account) _deny(SELF_CALL, i, NONE);
        // spec §4.2
        if (target == address(this)) _deny(MODULE_CALL, i, NONE);
        // spec §4.3
        if (target == address(0)) _deny(ZERO_TARGET, i, NONE);

        // spec §5.1
        bool empty = data.length == 0;
        if (!empty && data.length < 4) _deny(SHORT_CALLDATA, i, NONE);
        bytes4 selector = empty ? bytes4(0) : bytes4(data[0:4]);
        // spec §5.3
        uint256 p = _lookupPermission(v.image, target, empty, selector, i);

        // spec §6
        _checkArguments(v, i, p, data);
        // spec §7
        _checkNativeValue(v, i, value);
        // spec §8
        _checkToken(v, i, target, data);
        // spec §9 (before §10 increments `calls`)
        _checkRateLimit(v, i);
        // spec §10
        _checkUsageLimit(v, i);
    }

    /// @dev Reverts with the denial `code` of spec Appendix A.
    function _deny(uint8 code, uint256 execution, uint256 detail) private pure {
        revert SessionDenied(code, uint8(execution), uint8(detail));
    }

    // ---------------------------------------------------------------------------------------------
    // spec §1.4, §2.3: signer
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ISessionManager
    /// @dev Spec §1.4.1: the domain binds the chain and this module, the struct the EntryPoint, the
    ///      account, the nonce and (through `opHash`) every other field the EntryPoint hashes; the
    ///      session is the key the signature recovers to (§2.3.1).
    function sessionOpDigest(PackedUserOperation calldata userOp, address entryPoint, address account)
        public
        view
        returns (bytes32)
    {
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, DOMAIN_NAME_HASH, DOMAIN_VERSION_HASH, block.chainid, address(this))
        );
        bytes32 structHash =
            keccak256(abi.encode(SESSION_OP_TYPEHASH, entryPoint, account, userOp.nonce, _opHash(userOp, account)));
        return keccak256(abi.encodePacked(hex"1901", domain, structHash));
    }

    /// @dev The hash of `userOp`'s fields but `sender`, `nonce` and `signature`, each as EntryPoint
    ///      v0.8 packs it: `initCode`, `callData` and `paymasterAndData` by their keccak, an
    ///      EIP-7702 marker's `initCode` as `keccak256(delegate ‖ initCode[20:])` with `account`'s
    ///      delegate (spec §18.1), so a re-delegation invalidates every op signed before it.
    function _opHash(PackedUserOperation calldata userOp, address account) private view returns (bytes32) {
        bytes calldata initCode = userOp.initCode;
        bytes32 initCodeHash = keccak256(initCode);
        if (initCode.length >= 2 && bytes20(initCode) == EIP7702_MARKER) {
            bytes32 code;
            assembly ("memory-safe") {
                extcodecopy(account, 0, 0, 23)
                code := mload(0)
            }
            // EntryPoint v0.8 refuses a marker from a sender that delegates nothing before it
            // calls the account; here `code` is `0xef0100 ‖ delegate`.
            if (bytes3(code) == EIP7702_PREFIX) {
                address delegate = address(bytes20(code << 24));
                initCodeHash = initCode.length <= 20
                    ? keccak256(abi.encodePacked(delegate))
                    : keccak256(abi.encodePacked(delegate, initCode[20:]));
            }
        }
        return keccak256(
            abi.encode(
                initCodeHash,
                keccak256(userOp.callData),
                userOp.accountGasLimits,
                userOp.preVerificationGas,
                userOp.gasFees,
                keccak256(userOp.paymasterAndData)
            )
        );
    }

    /// @dev The address `signature[0:65]` recovers to over `hash`, or 0 when it has none: shorter
    ///      than 65 bytes, `s` in the upper half, `v` not 27 or 28, or recovery fails (OpenZeppelin
    ///      `ECDSA.tryRecover`). Bytes after the 65th are ignored (spec §1.4).
    function _recoverSigner(bytes calldata signature, bytes32 hash) private pure returns (address) {
        if (signature.length < 65) return address(0);
        (address signer, ECDSA.RecoverError recoverError,) = ECDSA.tryRecoverCalldata(hash, signature[0:65]);
        return recoverError == ECDSA.RecoverError.NoError ? signer : address(0);
    }

    // ---------------------------------------------------------------------------------------------
    // spec §3: strict decoding of userOp.callData
    // ---------------------------------------------------------------------------------------------

    /// @dev Decodes `cd` strictly (spec §3): exactly the bytes of
    ///      `abi.encodeCall(IERC7579Account.execute, (mode, executionCalldata))` for a default-exec
    ///      single or batch mode, or the first failing sub-clause's denial.
    function _decodeExecute(bytes calldata cd) private pure returns (Call[] memory calls) {
        // spec §3.1
        if (cd.length < 4 || bytes4(cd[0:4]) != EXECUTE) _deny(NOT_EXECUTE, NONE, NONE);
        // spec §3.2
        if (cd.length < 100) _deny(HEAD_TRUNCATED, NONE, NONE);
        bytes32 mode = bytes32(cd[4:36]);
        // spec §3.3.1
        uint8 callType = uint8(mode[0]);
        if (callType != CALLTYPE_SINGLE && callType != CALLTYPE_BATCH) _deny(CALL_TYPE, NONE, NONE);
        // spec §3.3.2
        if (mode[1] != 0) _deny(EXEC_TYPE, NONE, NONE);
        // spec §3.3.3
        if (uint256(mode) << 16 != 0) _deny(MODE_PAYLOAD, NONE, NONE);
        // spec §3.4.1
        if (_word(cd, 36) != 0x40) _deny(OUTER_OFFSET, NONE, NONE);
        // spec §3.4.2
        uint256 len = _word(cd, 68);
        if (len > cd.length - 100) _deny(OUTER_TRUNCATED, NONE, NONE);
        // spec §3.4.3 (`len <= cd.length`, so `_ceil32` cannot overflow)
        if (cd.length != 100 + _ceil32(len)) _deny(OUTER_LENGTH, NONE, NONE);
        // spec §3.4.4
        if (!_allZero(cd[100 + len:])) _deny(OUTER_PADDING, NONE, NONE);
        // `E = cd[100 : 100 + len]`; offsets below are relative to E, `dataStart` relative to cd.
        bytes calldata e = cd[100:100 + len];
        calls = callType == CALLTYPE_SINGLE ? _decodeSingle(e) : _decodeBatch(e);
    }

    /// @dev Spec §3.5: `target(20) | value(32) | callData`. `e` starts at `cd[100]`.
    function _decodeSingle(bytes calldata e) private pure returns (Call[] memory calls) {
        if (e.length < 52) _deny(SINGLE_TOO_SHORT, NONE, NONE);
        calls = new Call[](1);
        calls[0] = Call({
            target: address(bytes20(e[0:20])),
            value: _word(e, 20),
            dataStart: 100 + 52,
            dataLength: e.length - 52
        });
    }

    /// @dev Spec §3.6: the canonical `abi.encode(Execution[])`. `e` starts at `cd[100]`.
    function _decodeBatch(bytes calldata e) private pure returns (Call[] memory calls) {
        uint256 len = e.length;
        // spec §3.6.1
        if (len < 64) _deny(BATCH_TRUNCATED, NONE, NONE);
        // spec §3.6.2
        if (_word(e, 0) != 0x20) _deny(ARRAY_OFFSET, NONE, NONE);
        uint256 n = _word(e, 32);
        // spec §3.6.3
        if (n == 0) _deny(EMPTY_BATCH, NONE, NONE);
        // spec §3.6.4
        if (n > MAX_BATCH) _deny(BATCH_TOO_LARGE, NONE, NONE);
        // spec §3.6.5
        if (64 + 32 * n > len) _deny(OFFSETS_TRUNCATED, NONE, NONE);
        calls = new Call[](n);
        // Invariant: `64 + cursor <= len`, so no sum below can overflow.
        uint256 cursor = 32 * n;
        for (uint256 i; i < n; ++i) {
            // spec §3.6.6
            if (_word(e, 64 + 32 * i) != cursor) _deny(ITEM_OFFSET, i, NONE);
            uint256 base = 64 + cursor;
            // spec §3.6.7
            if (base + 128 > len) _deny(ITEM_TRUNCATED, i, NONE);
            uint256 targetWord = _word(e, base);
            // spec §3.6.8
            if (targetWord >> 160 != 0) _deny(DIRTY_TARGET, i, NONE);
            // spec §3.6.9
            if (_word(e, base + 64) != 0x60) _deny(DATA_OFFSET, i, NONE);
            // spec §3.6.10 (`_ceil32` runs only once `dataLength <= len`)
            uint256 dataStart = base + 128;
            uint256 dataLength = _word(e, base + 96);
            if (dataLength > len - dataStart || dataStart + _ceil32(dataLength) > len) {
                _deny(DATA_TRUNCATED, i, NONE);
            }
            // spec §3.6.11
            if (!_allZero(e[dataStart + dataLength:dataStart + _ceil32(dataLength)])) _deny(DATA_PADDING, i, NONE);
            calls[i] = Call({
                target: address(uint160(targetWord)),
                value: _word(e, base + 32),
                dataStart: 100 + dataStart,
                dataLength: dataLength
            });
            cursor += 128 + _ceil32(dataLength);
        }
        // spec §3.6.12
        if (64 + cursor != len) _deny(BATCH_LENGTH, NONE, NONE);
    }

    // ---------------------------------------------------------------------------------------------
    // spec §5: permission lookup
    // ---------------------------------------------------------------------------------------------

    /// @dev Spec §5.3: the index of the permission for exactly `target` and the selector, else of the
    ///      one for any target and the selector, else deny `NotPermitted`. `selector` is 0 when
    ///      `empty`. A permission matches iff its key equals the execution's key (`PolicyImage`).
    function _lookupPermission(uint256[] memory image, address target, bool empty, bytes4 selector, uint256 i)
        private
        pure
        returns (uint256)
    {
        uint256 count = image[PolicyImage.PERMISSION_COUNT];
        uint256 first = PolicyImage.permissionAt(image, 0);
        uint256 exactKey = PolicyImage.permissionKey(false, target, empty, selector);
        for (uint256 p; p < count; ++p) {
            if (image[first + PolicyImage.PERMISSION_WORDS * p + PolicyImage.PERMISSION_KEY] == exactKey) return p;
        }
        uint256 anyKey = PolicyImage.permissionKey(true, address(0), empty, selector);
        for (uint256 p; p < count; ++p) {
            if (image[first + PolicyImage.PERMISSION_WORDS * p + PolicyImage.PERMISSION_KEY] == anyKey) return p;
        }
        _deny(NOT_PERMITTED, i, NONE);
    }

    // ---------------------------------------------------------------------------------------------
    // spec §6: arguments
    // ---------------------------------------------------------------------------------------------

    /// @dev Spec §6: strict decoding of the declared arguments (§6.1), then each rule in order, each
    ///      fully (§6.2 value, §6.3 condition, §6.4 cumulative limit) before the next.
    function _checkArguments(Validation memory v, uint256 i, uint256 p, bytes calldata data) private view {
        uint256[] memory image = v.image;
        uint256 permission = PolicyImage.permissionAt(image, p);
        // A permission without declared arguments accepts any bytes and has no rules (spec §6,
        // §12.5).
        if (image[permission + PolicyImage.PERMISSION_HAS_ARGS] == 0) return;
        // Declared arguments imply an exact selector (spec §12.3), so `data.length >= 4`.
        bytes calldata args = data[4:];
        // spec §6.1 (denials carry the argument index, or none for §6.1.1 and §6.1.6)
        uint256 typesAt = permission + PolicyImage.PERMISSION_ARG_TYPES;
        uint256 argCount = image[permission + PolicyImage.PERMISSION_ARG_COUNT];
        (uint8 reason, uint256 arg) = _decodeArgs(args, image, typesAt, argCount, v.argHead, v.argLength);
        if (reason != DECODED) _deny(reason, i, arg);

        uint256 ruleCount = image[permission + PolicyImage.PERMISSION_RULE_COUNT];
        for (uint256 r; r < ruleCount; ++r) {
            uint256 rule = PolicyImage.ruleAt(image, permission, r);
            uint256 j = image[rule + PolicyImage.RULE_ARG];
            uint256 x;
            if (_isDynamic(image[typesAt + j])) {
                // spec §6.2: the slice must lie inside the content (`end <= 2^32`, spec §12.5).
                uint256 sliceOffset = image[rule + PolicyImage.RULE_SLICE_OFFSET];
                uint256 sliceLength = image[rule + PolicyImage.RULE_SLICE_LENGTH];
                uint256 end = sliceOffset + sliceLength;
                if (end > v.argLength[j]) _deny(SLICE_OUT_OF_BOUNDS, i, r);
                uint256 start = v.argHead[j];
                // `sliceLength` bytes read big-endian: the slice left-aligned in a word, shifted down.
                bytes calldata slice = args[start + sliceOffset:start + end];
                x = uint256(bytes32(slice)) >> (8 * (32 - sliceLength));
            } else {
                // spec §6.2: a static argument's word.
                x = v.argHead[j];
            }
            // spec §6.3
            if (!_conditionHolds(image, rule, x)) _deny(ARG_CONDITION, i, r);
            // spec §6.4: only rules with a limit accumulate (as the model's `rule_used`).
            if (image[rule + PolicyImage.RULE_HAS_LIMIT] != 0) {
                uint256 slot = _ruleSlot(p, r);
                (bool ok, uint256 sum) = _add(_counter(v, slot), x);
                if (!ok || sum > image[rule + PolicyImage.RULE_LIMIT]) _deny(ARG_LIMIT, i, r);
                _setCounter(v, slot, sum);
            }
        }
    }

    /// @dev Spec §6.1: decodes `a` (calldata after the selector) strictly as the `k <= 8` argument
    ///      types `types[typesAt .. typesAt + k]`. Returns `(DECODED, 0)` and fills `head` (a static
    ///      argument's word, or a dynamic argument's content start in `a`) and `length` (a dynamic
    ///      argument's content length); or the §6.1 denial code and the argument index it concerns
    ///      (`NONE` for §6.1.1 and §6.1.6).
    function _decodeArgs(
        bytes calldata a,
        uint256[] memory types,
        uint256 typesAt,
        uint256 k,
        uint256[MAX_ARGS] memory head,
        uint256[MAX_ARGS] memory length
    ) private pure returns (uint8 reason, uint256 arg) {
        // spec §6.1.1
        if (a.length < 32 * k) return (ARGS_TRUNCATED, NONE);
        // Invariant: `cursor <= a.length`, so no sum below can overflow.
        uint256 cursor = 32 * k;
        for (uint256 j; j < k; ++j) {
            uint256 t = types[typesAt + j];
            if (_isDynamic(t)) {
                // spec §6.1.3
                if (_word(a, 32 * j) != cursor) return (ARG_OFFSET, j);
                // spec §6.1.4 (`_ceil32` runs only once `len <= a.length`)
                uint256 start = cursor + 32;
                if (start > a.length) return (ARG_TAIL_TRUNCATED, j);
                uint256 len = _word(a, cursor);
                if (len > a.length - start || start + _ceil32(len) > a.length) return (ARG_TAIL_TRUNCATED, j);
                // spec §6.1.5
                if (!_allZero(a[start + len:start + _ceil32(len)])) return (ARG_PADDING, j);
                head[j] = start;
                length[j] = len;
                cursor = start + _ceil32(len);
            } else {
                uint256 w = _word(a, 32 * j);
                // spec §6.1.2
                if (!_isClean(t, w)) return (ARG_DIRTY, j);
                head[j] = w;
            }
        }
        // spec §6.1.6
        if (a.length != cursor) return (ARGS_LENGTH, NONE);
        return (DECODED, 0);
    }

    /// @dev Spec §6.1.2: whether the static word `w` is clean for type `t`.
    function _isClean(uint256 t, uint256 w) private pure returns (bool) {
        if (t == TYPE_ADDRESS) return w >> 160 == 0;
        if (t == TYPE_BOOL) return w <= 1;
        uint256 n = t & 0xff;
        // uintN, N = 8n: `w < 2^N`.
        if (t >> 8 == TYPE_UINT >> 8) return n == 32 || w >> (8 * n) == 0;
        // bytesN, N = n: the low `32 - n` bytes are zero.
        if (t >> 8 == TYPE_FIXED_BYTES >> 8) return n == 32 || w << (8 * n) == 0;
        return true; // dynamic types have no static word
    }

    /// @dev Spec §6.3: whether `x` satisfies the condition of the rule at image index `rule` (value
    ///      counts were checked at install).
    function _conditionHolds(uint256[] memory image, uint256 rule, uint256 x) private pure returns (bool) {
        uint256 condition = image[rule + PolicyImage.RULE_CONDITION];
        uint256 values = rule + PolicyImage.RULE_VALUES;
        if (condition == COND_EQ) return x == image[values];
        if (condition == COND_NEQ) return x != image[values];
        if (condition == COND_GT) return x > image[values];
        if (condition == COND_GTE) return x >= image[values];
        if (condition == COND_LT) return x < image[values];
        if (condition == COND_LTE) return x <= image[values];
        if (condition == COND_IN_RANGE) return image[values] <= x && x <= image[values + 1];
        // COND_ONE_OF
        uint256 count = image[rule + PolicyImage.RULE_VALUE_COUNT];
        for (uint256 k; k < count; ++k) {
            if (image[values + k] == x) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------
    // spec §7: native value
    // ---------------------------------------------------------------------------------------------

    /// @dev Spec §7 for execution `i` sending `value`.
    function _checkNativeValue(Validation memory v, uint256 i, uint256 value) private view {
        uint256[] memory image = v.image;
        if (image[PolicyImage.HAS_NATIVE] == 0) {
            // spec §7.1
            if (value != 0) _deny(NATIVE_VALUE, i, NONE);
            return;
        }
        // spec §7.2
        if (value > image[PolicyImage.NATIVE_PER_CALL]) _deny(NATIVE_PER_CALL, i, NONE);
        // spec §7.3
        (bool ok, uint256 spent) = _add(_counter(v, SLOT_NATIVE), value);
        if (!ok || spent > image[PolicyImage.NATIVE_TOTAL]) _deny(NATIVE_TOTAL, i, NONE);
        _setCounter(v, SLOT_NATIVE, spent);
        // spec §7.4, §7.5
        _checkAllowances(
            v, i, PolicyImage.NATIVE_ALLOWANCES, SLOT_NATIVE_PERIOD, value, spent, NATIVE_PERIOD, NATIVE_STREAM
        );
    }

    // ---------------------------------------------------------------------------------------------
    // spec §8: ERC-20 spend caps
    // ---------------------------------------------------------------------------------------------

    /// @dev Spec §8 for execution `i`; does nothing unless `target` is a capped token.
    function _checkToken(Validation memory v, uint256 i, address target, bytes calldata data) private view {
        uint256[] memory image = v.image;
        uint256 tokenCount = image[PolicyImage.TOKEN_COUNT];
        uint256 t;
        while (t < tokenCount && image[PolicyImage.tokenAt(t) + PolicyImage.TOKEN_ADDRESS] != uint160(target)) ++t;
        if (t == tokenCount) return; // not a capped token
        uint256 cap = PolicyImage.tokenAt(t);

        // spec §8.1
        if (data.length < 4) _deny(TOKEN_SELECTOR, i, NONE);
        bytes4 selector = bytes4(data[0:4]);
        uint256[] memory types = new uint256[](3);
        uint256 argCount;
        if (selector == TRANSFER || selector == APPROVE || selector == INCREASE_ALLOWANCE) {
            (types[0], types[1], argCount) = (TYPE_ADDRESS, TYPE_UINT256, 2);
        } else if (selector == TRANSFER_FROM) {
            (types[0], types[1], types[2], argCount) = (TYPE_ADDRESS, TYPE_ADDRESS, TYPE_UINT256, 3);
        } else {
            _deny(TOKEN_SELECTOR, i, NONE);
        }
        // spec §8.2 (detail: the argument index where §6.1 failed, if it names one)
        (uint8 reason, uint256 arg) = _decodeArgs(data[4:], types, 0, argCount, v.argHead, v.argLength);
        if (reason != DECODED) _deny(TOKEN_ARGS, i, arg);
        // spec §8.3
        if (selector == TRANSFER_FROM && v.argHead[0] != uint160(v.account)) _deny(TRANSFER_FROM_OTHER, i, NONE);
        // spec §8.4
        bool approval = selector == APPROVE || selector == INCREASE_ALLOWANCE;
        if (approval && image[cap + PolicyImage.TOKEN_RESTRICT_SPENDERS] != 0) {
            uint256 spenderCount = image[cap + PolicyImage.TOKEN_SPENDER_COUNT];
            uint256 s;
            while (s < spenderCount && image[cap + PolicyImage.TOKEN_SPENDERS + s] != v.argHead[0]) ++s;
            if (s == spenderCount) _deny(SPENDER, i, NONE);
        }
        // spec §8.5: the full amount of every one of the four functions.
        uint256 amount = v.argHead[argCount - 1];
        (bool ok, uint256 spent) = _add(_counter(v, SLOT_TOKENS + t), amount);
        if (!ok || spent > image[cap + PolicyImage.TOKEN_LIMIT]) _deny(TOKEN_CAP, i, NONE);
        _setCounter(v, SLOT_TOKENS + t, spent);
        // spec §8.6, §8.7
        uint256 allowances = cap + PolicyImage.TOKEN_ALLOWANCES;
        _checkAllowances(v, i, allowances, SLOT_TOKEN_PERIODS + 2 * t, amount, spent, TOKEN_PERIOD, TOKEN_STREAM);
    }

    // ---------------------------------------------------------------------------------------------
    // spec §7.4, §7.5, §8.6, §8.7, §15: allowances over time
    // ---------------------------------------------------------------------------------------------

    /// @dev The allowances of one cap, whose block starts at image index `base`, for execution `i`
    ///      moving `amount`: the periodic allowance (§7.4, §8.6), whose counter is at counter offsets
    ///      `periodSlot` (its period's start) and `periodSlot + 1` (its spent), then the streaming one
    ///      (§7.5, §8.7) against `spent`, the cap's lifetime counter with `amount` added. A zero amount
    ///      passes both and moves neither. Periods are aligned to their start and counted in seconds,
    ///      streams saturate (spec §15's defaults, `AllowanceSemantics::default()` in the model).
    function _checkAllowances(
        Validation memory v,
        uint256 i,
        uint256 base,
        uint256 periodSlot,
        uint256 amount,
        uint256 spent,
        uint8 periodCode,
        uint8 streamCode
    ) private view {
        if (amount == 0) return;
        uint256[] memory image = v.image;
        if (image[base + PolicyImage.HAS_PERIODIC] != 0) {
            uint256 nowTs = _now();
            uint256 start = image[base + PolicyImage.PERIOD_START];
            // spec §15.2: before start no period has begun, and nothing is available.
            if (nowTs < start) _deny(periodCode, i, NONE);
            // The current period `[current, current + period)`; a boundary second begins the next one.
            uint256 current = nowTs - (nowTs - start) % image[base + PolicyImage.PERIOD_LENGTH];
            // A counter of an earlier period reads as nothing spent: nothing carries over.
            uint256 spentInPeriod = _counter(v, periodSlot) == current ? _counter(v, periodSlot + 1) : 0;
            (bool ok, uint256 sum) = _add(spentInPeriod, amount);
            if (!ok || sum > image[base + PolicyImage.PERIOD_AMOUNT]) _deny(periodCode, i, NONE);
            _setCounter(v, periodSlot, current);
            _setCounter(v, periodSlot + 1, sum);
        }
        if (image[base + PolicyImage.HAS_STREAMING] != 0 && spent > _unlocked(image, base, _now())) {
            _deny(streamCode, i, NONE);
        }
    }

    /// @dev Spec §15.3: what the stream of the allowance block at `base` has unlocked at `nowTs`:
    ///      nothing before its start, then `min(max, initial + rate * (nowTs - start))`, a sum past
    ///      2^256 - 1 counting as more than `max`. `rate < 2^128` and `nowTs - start < 2^64`, so
    ///      the product cannot overflow.
    function _unlocked(uint256[] memory image, uint256 base, uint256 nowTs) private pure returns (uint256) {
        uint256 start = image[base + PolicyImage.STREAM_START];
        if (nowTs < start) return 0;
        uint256 max = image[base + PolicyImage.STREAM_MAX];
        uint256 accrued = image[base + PolicyImage.STREAM_RATE] * (nowTs - start);
        (bool ok, uint256 sum) = _add(image[base + PolicyImage.STREAM_INITIAL], accrued);
        return !ok || sum > max ? max : sum;
    }

    /// @dev The block timestamp, which spec §1.5 makes a 64-bit number. Read only by sessions with a
    ///      rate limit or an allowance over time (ERC-7562 bans TIMESTAMP in validation for unstaked
    ///      entities; §11 needs no clock here, the EntryPoint applies it).
    function _now() private view returns (uint256) {
        if (block.timestamp > type(uint64).max) revert TimestampOutOfRange(block.timestamp);
        return block.timestamp;
    }

    // ---------------------------------------------------------------------------------------------
    // spec §9: rate limit
    // ---------------------------------------------------------------------------------------------

    /// @dev Spec §9 for execution `i`, as model/src/rules/rate.rs. `calls` is still the count before
    ///      this execution (§10 runs after).
    function _checkRateLimit(Validation memory v, uint256 i) private view {
        uint256[] memory image = v.image;
        if (image[PolicyImage.HAS_RATE_LIMIT] == 0) return;
        uint256 nowTs = _now();
        uint256 interval = image[PolicyImage.RATE_INTERVAL];
        uint256 maxCalls = image[PolicyImage.RATE_MAX_CALLS];
        uint256 callsHead = _counter(v, SLOT_CALLS_HEAD);
        uint256 calls = uint64(callsHead);
        uint256 head = uint8(callsHead >> 64);
        uint256 ringSlot = SLOT_RING + head / 4;
        uint256 shift = 64 * (head % 4);
        uint256 ringWord = _counter(v, ringSlot);
        // spec §9.1: with fewer than `maxCalls` calls so far the ring is not full yet.
        if (calls >= maxCalls) {
            uint256 oldest = uint64(ringWord >> shift);
            if (nowTs < interval || oldest > nowTs - interval) _deny(RATE_LIMIT, i, NONE);
        }
        // spec §9.2
        ringWord = (ringWord & ~(uint256(type(uint64).max) << shift)) | (nowTs << shift);
        _setCounter(v, ringSlot, ringWord);
        uint256 next = head + 1 == maxCalls ? 0 : head + 1;
        _setCounter(v, SLOT_CALLS_HEAD, calls | next << 64);
    }

    // ---------------------------------------------------------------------------------------------
    // spec §10: usage limit
    // ---------------------------------------------------------------------------------------------

    /// @dev Spec §10 for execution `i`: counts one call.
    function _checkUsageLimit(Validation memory v, uint256 i) private view {
        uint256[] memory image = v.image;
        uint256 callsHead = _counter(v, SLOT_CALLS_HEAD);
        uint256 calls = uint64(callsHead);
        uint256 limit = image[PolicyImage.HAS_USAGE_LIMIT] != 0 ? image[PolicyImage.USAGE_LIMIT] : type(uint64).max;
        // spec §10.1 (`calls < limit <= 2^64 - 1`, so `calls + 1` fits in 64 bits)
        if (calls >= limit) _deny(USAGE_LIMIT, i, NONE);
        _setCounter(v, SLOT_CALLS_HEAD, (callsHead & ~uint256(type(uint64).max)) | (calls + 1));
    }

    // ---------------------------------------------------------------------------------------------
    // spec §16: gas and paymaster
    // ---------------------------------------------------------------------------------------------

    /// @dev Spec §16 for the op as a whole (denials name no execution). The gas terms are read as
    ///      EntryPoint v0.8 unpacks them: `verificationGasLimit` and `callGasLimit` are the high and
    ///      low halves of `accountGasLimits`, `maxFeePerGas` the low half of `gasFees`, and the
    ///      paymaster with its verification and post-op gas limits `paymasterAndData[0:20]`,
    ///      `[20:36]` and `[36:52]`. A `paymasterAndData` shorter than 52 bytes names no paymaster
    ///      (the EntryPoint refuses a non-empty one, AA93, before the account runs).
    function _checkGas(Validation memory v, PackedUserOperation calldata userOp) private view {
        uint256[] memory image = v.image;
        if (image[PolicyImage.HAS_GAS] == 0) return;
        bytes calldata pm = userOp.paymasterAndData;
        address paymaster;
        uint256 paymasterGas;
        if (pm.length >= PAYMASTER_DATA_OFFSET) {
            paymaster = address(bytes20(pm[0:20]));
            paymasterGas = uint256(uint128(bytes16(pm[20:36]))) + uint128(bytes16(pm[36:52]));
        }
        uint256 rule = image[PolicyImage.GAS_PAYMASTER];
        if (rule != PAYMASTER_ANY) {
            // spec §16.1.1: `address(0)` is the account paying for itself.
            if (paymaster == address(0)) _deny(PAYMASTER_REQUIRED_DENIAL, NONE, NONE);
            // spec §16.1.2
            if (rule == PAYMASTER_ALLOWLIST) {
                uint256 count = image[PolicyImage.GAS_PAYMASTER_COUNT];
                uint256 k;
                while (k < count && image[PolicyImage.GAS_PAYMASTERS + k] != uint160(paymaster)) ++k;
                if (k == count) _deny(PAYMASTER_DENIAL, NONE, NONE);
            }
        }
        uint256 maxFeePerGas = uint128(uint256(userOp.gasFees));
        // spec §16.2
        if (image[PolicyImage.GAS_HAS_MAX_FEE] != 0 && maxFeePerGas > image[PolicyImage.GAS_MAX_FEE]) {
            _deny(GAS_FEE, NONE, NONE);
        }
        // The cost: the five gas limits summed, times `maxFeePerGas` (the EntryPoint's
        // `_getRequiredPrefund`). Each term but `preVerificationGas` is below 2^128 by its width, so
        // the sum cannot overflow; a sum of 2^128 or more (the EntryPoint refuses any term above
        // 2^120 - 1, AA94, so only a direct call has one) costs more than every limit, as in the
        // model, and below that the product fits in 256 bits.
        uint256 limits = uint256(userOp.accountGasLimits);
        uint256 required = userOp.preVerificationGas;
        bool finite = required <= type(uint128).max;
        uint256 cost;
        if (finite) {
            required += (limits >> 128) + uint128(limits) + paymasterGas;
            finite = required <= type(uint128).max;
            cost = required * maxFeePerGas;
        }
        // spec §16.3
        if (image[PolicyImage.GAS_HAS_PER_OP] != 0 && (!finite || cost > image[PolicyImage.GAS_PER_OP])) {
            _deny(GAS_PER_OP, NONE, NONE);
        }
        // spec §16.4: counted in the validation phase, never refunded (§13.1).
        if (image[PolicyImage.GAS_HAS_TOTAL] != 0) {
            (bool ok, uint256 spent) = _add(_counter(v, SLOT_GAS_SPENT), cost);
            if (!finite || !ok || spent > image[PolicyImage.GAS_TOTAL]) _deny(GAS_TOTAL, NONE, NONE);
            _setCounter(v, SLOT_GAS_SPENT, spent);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // spec §17: chain
    // ---------------------------------------------------------------------------------------------

    /// @dev Spec §17.1: `block.chainid` of the validation phase is in the chain list, when the policy
    ///      has one. Read at validation, never stored: a replicated account is judged by its chain.
    function _checkChain(uint256[] memory image) private view {
        if (image[PolicyImage.HAS_CHAINS] == 0) return;
        uint256 count = image[PolicyImage.CHAIN_COUNT];
        for (uint256 c; c < count; ++c) {
            if (image[PolicyImage.CHAINS + c] == block.chainid) return;
        }
        _deny(CHAIN, NONE, NONE);
    }

    // ---------------------------------------------------------------------------------------------
    // Counters (spec §13)
    // ---------------------------------------------------------------------------------------------

    /// @dev First slot of the counter block of `account`'s session of `key` installed at `epoch`.
    function _counterBase(address account, address key, uint64 epoch) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(account, keccak256(abi.encode(COUNTERS_DOMAIN, key, epoch)))));
    }

    /// @dev Offset of `ruleUsed[p][r]` in the counter block.
    function _ruleSlot(uint256 p, uint256 r) private pure returns (uint256) {
        return SLOT_RULES + p * MAX_RULES + r;
    }

    /// @dev Counter word `index`, read from storage on first use.
    function _counter(Validation memory v, uint256 index) private view returns (uint256 value) {
        uint256 bit = 1 << index;
        if (v.loaded & bit != 0) return v.counters[index];
        value = _sload(v.counterBase + index);
        v.counters[index] = value;
        v.loaded |= bit;
    }

    /// @dev Sets counter word `index` in the cache; `_writeCounters` stores it.
    function _setCounter(Validation memory v, uint256 index, uint256 value) private pure {
        v.counters[index] = value;
        v.loaded |= 1 << index;
        v.dirty |= 1 << index;
    }

    /// @dev Spec §13.1: stores every changed counter word. Called once the whole op passed.
    function _writeCounters(Validation memory v) private {
        uint256 dirty = v.dirty;
        for (uint256 index; dirty != 0; ++index) {
            if (dirty & 1 != 0) {
                uint256 slot = v.counterBase + index;
                uint256 value = v.counters[index];
                assembly ("memory-safe") {
                    sstore(slot, value)
                }
            }
            dirty >>= 1;
        }
    }

    function _sload(uint256 slot) private view returns (uint256 value) {
        assembly ("memory-safe") {
            value := sload(slot)
        }
    }

    /// @dev `a + b`, and whether it fit in 256 bits (spec §13.3).
    function _add(uint256 a, uint256 b) private pure returns (bool ok, uint256 sum) {
        unchecked {
            sum = a + b;
        }
        ok = sum >= a;
    }

    // ---------------------------------------------------------------------------------------------
    // Argument types
    // ---------------------------------------------------------------------------------------------

    /// @dev Whether `t` is an `argTypes` code at all: one of the four named codes, or a uintN or
    ///      bytesN code with any low byte. Codes of those two families that spec §12.4 does not
    ///      support (uint0, uint264.., bytes0, bytes33..) are model types (`Uint(8 * n)`,
    ///      `FixedBytes(n)`) and get `UnsupportedType`; every other code gets code 10.
    function _isTypeCode(uint256 t) private pure returns (bool) {
        return (t >= TYPE_ADDRESS && t <= TYPE_STRING) || t >> 8 == TYPE_UINT >> 8
            || t >> 8 == TYPE_FIXED_BYTES >> 8;
    }

    /// @dev Spec §12.4: address, bool, bytes, string, uintN (N a multiple of 8 in 8..=256) and
    ///      bytesN (N in 1..=32).
    function _isSupportedType(uint256 t) private pure returns (bool) {
        if (t >= TYPE_ADDRESS && t <= TYPE_STRING) return true;
        uint256 n = t & 0xff;
        return (t >> 8 == TYPE_UINT >> 8 || t >> 8 == TYPE_FIXED_BYTES >> 8) && n >= 1 && n <= 32;
    }

    function _isDynamic(uint256 t) private pure returns (bool) {
        return t == TYPE_BYTES || t == TYPE_STRING;
    }

    // ---------------------------------------------------------------------------------------------
    // Calldata helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev `word(b, offset)` of the spec. The callers' spec checks already guarantee
    ///      `offset + 32 <= b.length`; it is checked again so that no read can leave `b`.
    function _word(bytes calldata b, uint256 offset) private pure returns (uint256 w) {
        if (offset > b.length || b.length - offset < 32) revert ReadOutOfBounds();
        assembly ("memory-safe") {
            w := calldataload(add(b.offset, offset))
        }
    }

    /// @dev Whether every byte of `b` is zero.
    function _allZero(bytes calldata b) private pure returns (bool) {
        for (uint256 from; from < b.length; from += 32) {
            uint256 end = b.length - from < 32 ? b.length : from + 32;
            // A slice shorter than 32 bytes converts right-padded with zeros.
            if (bytes32(b[from:end]) != 0) return false;
        }
        return true;
    }

    /// @dev `ceil32(n)` of the spec. Callers pass lengths bounded by a calldata length.
    function _ceil32(uint256 n) private pure returns (uint256) {
        return (n + 31) & ~uint256(31);
    }
}
