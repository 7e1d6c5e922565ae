//! Semantic profiles: the ways a real session module's semantics differ from spec v1
//! (`docs/spec.md`, Part P).
//!
//! A profile is a parameter of the model, like the window predicate: [`Env::profile`] selects
//! it, and [`SemanticProfile::SPEC_V1`] (the default) is spec v1 exactly, so the reference module,
//! its mutants and the proofs see no difference. Each field is one parameter `§Pn` of the spec,
//! a `Copy` enum whose first (default) variant is spec v1's semantics.
//!
//! A profile describes what a module *does* with a configuration; which configuration a leash
//! policy becomes is the adapter's translation (the *effective policy*), and
//! [`SemanticProfile::check_policy`] says whether a policy is expressible under a profile at all.
//!
//! [`Env::profile`]: crate::env::Env::profile

use alloy_primitives::{Address, U256, address};

use crate::bounds::MAX_ARGS;
use crate::policy::{ArgRule, Condition, Permission, Policy, Selector, Target};

/// The fallback flag target of SmartSessions: under [`WildcardModel::Fallback`] it cannot be
/// called (spec §P9).
pub const FALLBACK_FLAG: Address = address!("0x0000000000000000000000000000000000000001");

/// How `userOp.callData` is decoded into executions (spec §P4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DecoderClass {
    /// Spec §3: only the canonical encoding passes.
    #[default]
    Strict,
    /// The Solady `LibERC7579` family (SmartSessions after its December 2024 fixes): offsets
    /// and lengths are followed wherever they point, as long as every one is below `2^64` and
    /// everything read lies inside the buffer it belongs to.
    Bounded,
    /// No bounds at all (SmartSessions before its December 2024 fixes, Kernel's `ExecLib`):
    /// offsets are followed with wrapping arithmetic and may leave `executionCalldata`. What lies
    /// outside `callData` is unknowable to the model, which denies such an op; the oracle then
    /// judges the module by what the account executed.
    Unbounded,
}

/// What bytes 2..32 of the mode word must hold (spec §P5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ModePayload {
    /// Spec §3.3.3: all zero.
    #[default]
    Zero,
    /// Ignored (every real module: only the call type and exec type bytes are read).
    Ignored,
}

/// Which call types a module executes (spec §P5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CallTypes {
    /// Spec §3.3.1: single and batch.
    #[default]
    SingleAndBatch,
    /// Single only: a batch is denied `CallType` before it is decoded (MetaMask's scoped caveat
    /// enforcers, `onlySingleCallTypeMode`).
    SingleOnly,
}

/// Which calls to the account itself are forbidden (spec §P7.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SelfCallScope {
    /// Spec §4.1: every call to the account.
    #[default]
    AnyCall,
    /// Only calls to the account whose calldata starts with `execute`'s selector (SmartSessions'
    /// `InvalidSelfCall`); other self-calls are looked up like any other target.
    ExecuteOnly,
    /// None: the account is looked up like any other target (MetaMask: only the delegation's
    /// caveats decide, and the delegator itself can be a target).
    None,
}

/// Whether a session may call the module itself (spec §P7.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ModuleCall {
    /// Spec §4.2: denied (SmartSessions since October 2024: a dedicated action id that leash
    /// never configures).
    #[default]
    Denied,
    /// Looked up like any other target; no permission can name the module, so only the
    /// wildcard can allow it.
    Wildcard,
}

/// What a call to `address(0)` is (spec §P7.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ZeroTarget {
    /// Spec §4.3: denied.
    #[default]
    Denied,
    /// Looked up like any other target; no permission can name `address(0)` (SmartSessions
    /// rejects such actions), so only the wildcard can allow it.
    Wildcard,
}

/// The selector of calldata shorter than four bytes (spec §P8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ShortCalldata {
    /// Spec §5.1: empty calldata has the empty selector, 1 to 3 bytes are denied.
    #[default]
    Denied,
    /// Calldata shorter than four bytes, and calldata starting with `0xffffffff`, all have the
    /// empty selector (SmartSessions' `VALUE_SELECTOR`).
    ValueSelector,
}

/// What a permission for **any** target matches (spec §P9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WildcardModel {
    /// Spec §5.3: any target with the permission's own selector.
    #[default]
    AnyTargetSameSelector,
    /// A fallback: any target and any selector that no exact permission names; the
    /// permission's selector is ignored and a policy has at most one (SmartSessions'
    /// `FALLBACK_ACTIONID`). The fallback flag address `0x…01` itself cannot be called.
    Fallback,
    /// Any permission that matches: the exact one and the wildcard with the same selector are
    /// both candidates, and an execution is allowed when either allows it, its rules, native
    /// and ERC-20 checks included (MetaMask's `LogicalOrWrapperEnforcer`: the delegate picks the
    /// caveat group). When both deny, the wildcard's denial stands.
    AnyMatching,
}

/// Where an argument rule reads its value (spec §P10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ArgAddressing {
    /// Spec §6.1 and §6.2: arguments are decoded as declared, rules read decoded values.
    #[default]
    Typed,
    /// No argument decoding: a rule reads the raw 32-byte word at a fixed byte offset after the
    /// selector ([`raw_offset`]), and a word past the end of the calldata denies
    /// (SmartSessions' `UniActionPolicy`, Kernel's `CallPolicy`).
    RawWord,
    /// No argument decoding: a rule reads raw bytes at a fixed byte offset after the selector
    /// ([`raw_span`]), 32 for a static argument and the slice's own length for a slice of a
    /// dynamic one; a span past the end of the calldata denies (MetaMask's
    /// `AllowedCalldataEnforcer`).
    RawBytes,
}

/// The width of `in_range` bounds (spec §P11).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum InRangeWidth {
    /// Spec §6.3: 256-bit bounds.
    #[default]
    Full,
    /// Both bounds are packed into one word, 128 bits each: bounds are read modulo `2^128`
    /// (SmartSessions' `IN_RANGE`).
    Bits128,
}

/// Which conditions argument rules have (spec §P11).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ArgConditions {
    /// Spec §6.3 and §6.4: every condition, with cumulative limits.
    #[default]
    All,
    /// Equality only, without cumulative limits (MetaMask's `AllowedCalldataEnforcer`): a
    /// policy with any other condition or a limit is not expressible.
    EqualityOnly,
}

/// Whether `one_of` exists (spec §P11).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OneOf {
    /// Spec §6.3.
    #[default]
    Supported,
    /// No such condition (SmartSessions): a policy using it is not expressible.
    Unsupported,
}

/// Who shares an ERC-20 cap's counter (spec §P12).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CounterScope {
    /// Spec §8.5: one counter per token for the whole session, for every call to the token.
    #[default]
    Session,
    /// One counter per exact permission on the token (SmartSessions: the spending policy lives on
    /// an action); calls that reach the token through the wildcard are not counted.
    Action,
    /// One counter for the whole session shared by every capped token (the first cap's,
    /// `token_spent[0]`), each call checked against its own token's limit; calls that reach a
    /// token through the wildcard are not counted (MetaMask: `ERC20TransferAmountEnforcer`
    /// keys its counter by delegation, not by token, and sits in the token's own caveat group).
    Delegation,
}

/// What a policy without a native-value cap allows (spec §P13).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NativeDefault {
    /// Spec §7.1: no native value.
    #[default]
    Deny,
    /// Any native value (SmartSessions, MetaMask: value is free unless a policy caps it).
    Allow,
}

/// How ERC-20 spend caps read a call (spec §P14).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Erc20Rules {
    /// Which functions a capped token may be called with.
    pub selectors: Erc20Selectors,
    /// How the arguments are decoded.
    pub args: Erc20Args,
    /// What `transferFrom` may do and how much it counts.
    pub transfer_from: TransferFrom,
    /// Whether a call to a capped token may carry native value.
    pub value: Erc20Value,
}

/// Which functions a capped token may be called with (spec §P14.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Erc20Selectors {
    /// Spec §8.1: `transfer`, `approve`, `transferFrom` and `increaseAllowance`.
    #[default]
    All,
    /// `transfer` only (MetaMask's `ERC20TransferAmountEnforcer`).
    TransferOnly,
}

/// How a capped token call's arguments are decoded (spec §P14.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Erc20Args {
    /// Spec §8.2: the canonical encoding only.
    #[default]
    Strict,
    /// Solidity's `abi.decode`: dirty static words deny, trailing bytes are ignored.
    AbiDecode,
    /// The calldata is exactly 68 bytes and the amount is the raw word at byte 36; the
    /// recipient word is not read (MetaMask's `ERC20TransferAmountEnforcer`).
    RawExactLength,
}

/// `transferFrom` on a capped token (spec §P14.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TransferFrom {
    /// Spec §8.3: `from` must be the account; the full amount counts.
    #[default]
    FromAccount,
    /// Any `from`; a transfer *to* the account counts zero (SmartSessions).
    ToAccountFree,
}

/// Native value on a call to a capped token (spec §P14.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Erc20Value {
    /// Spec: governed by §7 only.
    #[default]
    Native,
    /// Must be zero (SmartSessions' spending policy fails on any value).
    Zero,
}

/// What the usage limit counts (spec §P15).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UsageUnit {
    /// Spec §10: every execution.
    #[default]
    PerExecution,
    /// Every op, however many executions it has (SmartSessions' `UsageLimitPolicy` as a userOp
    /// policy).
    PerOp,
}

/// When counters move, and whether an execution that reverts gives them back (spec §P3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CounterPhase {
    /// Spec §13.1: in the validation phase, never refunded.
    #[default]
    Validation,
    /// In the same transaction as the execution, before the call: an execution that reverts
    /// reverts them too, so it consumes nothing (MetaMask's caveat enforcers, in
    /// `redeemDelegations`).
    RolledBackOnRevert,
}

/// Whether rate limits exist (spec §P16).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RateModel {
    /// Spec §9: a sliding window.
    #[default]
    SlidingRing,
    /// No rate limits (SmartSessions): a policy with one is not expressible.
    Unsupported,
}

/// Whether a policy without bounds never expires under the EntryPoint predicates (spec §P17).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NeverExpires {
    /// Spec §11: `valid_after == valid_until == 0` gives `validationData == 0`, no window at all.
    #[default]
    Honoured,
    /// The module never returns a zero `validationData`, so every session ends at `TIME_MAX`
    /// (SmartSessions intersects every policy's window and reads a zero `validUntil` as
    /// `TIME_MAX`).
    Off,
}

/// Whether a module has allowances over time at all (spec §P21.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TimedAllowances {
    /// Spec §7.4, §7.5, §8.6, §8.7: periodic and streaming allowances.
    #[default]
    Supported,
    /// None (SmartSessions): a policy with one is not expressible.
    Unsupported,
}

/// Where the periods of a periodic allowance begin (spec §P21.2, §15.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PeriodAnchor {
    /// Periods are `[start + k*period, start + (k+1)*period)` (MetaMask's period enforcers,
    /// Coinbase Spend Permissions, Safe AllowanceModule).
    #[default]
    Aligned,
    /// A period begins at `start`, and every later one at the first spend at or after the end of
    /// the one before (Alchemy SessionKeyPlugin's refresh interval).
    Rolling,
}

/// The unit periods count time in (spec §P21.3, §15.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PeriodClock {
    /// Seconds: `t = now`.
    #[default]
    Seconds,
    /// Whole minutes: `t = now - now % 60` (Safe AllowanceModule).
    Minutes,
}

impl PeriodClock {
    /// The time periods are computed at, for a block timestamp `now` (spec §15.1).
    pub fn time(self, now: u64) -> u64 {
        match self {
            Self::Seconds => now,
            Self::Minutes => now - now % 60,
        }
    }
}

/// What a stream does when `initial + rate * elapsed` exceeds `2^256 - 1` (spec §P21.4, §15.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StreamOverflow {
    /// The sum is more than `max`, so `max` is unlocked.
    #[default]
    Saturate,
    /// The execution is denied (MetaMask's streaming enforcers revert on the overflow).
    Deny,
}

/// Whether an allowance over time checks an execution that moves nothing (spec §P21.5, §15).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ZeroAmounts {
    /// A zero amount passes §7.4, §7.5, §8.6 and §8.7 and moves no allowance.
    #[default]
    Uncounted,
    /// A zero amount is checked like any other: denied before a periodic allowance's start and
    /// where a stream's sum overflows under [`StreamOverflow::Deny`]; it moves a periodic
    /// allowance's counter into the current period (MetaMask's period and streaming enforcers,
    /// which check every execution they see).
    Checked,
}

/// How allowances over time are read (spec §P21): real systems disagree on where periods begin,
/// the unit they count in, what an overflowing stream does, and whether a zero amount is checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AllowanceSemantics {
    /// §P21.1.
    pub support: TimedAllowances,
    /// §P21.2.
    pub anchor: PeriodAnchor,
    /// §P21.3.
    pub clock: PeriodClock,
    /// §P21.4.
    pub stream_overflow: StreamOverflow,
    /// §P21.5.
    pub zero_amounts: ZeroAmounts,
}

impl AllowanceSemantics {
    /// The spec's own reading (§15): aligned periods in seconds, saturating streams.
    pub const SPEC: Self = Self {
        support: TimedAllowances::Supported,
        anchor: PeriodAnchor::Aligned,
        clock: PeriodClock::Seconds,
        stream_overflow: StreamOverflow::Saturate,
        zero_amounts: ZeroAmounts::Uncounted,
    };

    /// Whether an execution that moves `amount` is checked against the allowances (spec §P21.5).
    pub fn checks(&self, amount: U256) -> bool {
        !amount.is_zero() || self.zero_amounts == ZeroAmounts::Checked
    }
}

/// A module's semantics, as parameters of the model (spec Part P).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SemanticProfile {
    /// §P3.
    pub counter_phase: CounterPhase,
    /// §P4.
    pub decoder: DecoderClass,
    /// §P5.
    pub mode_payload: ModePayload,
    /// §P5.
    pub call_types: CallTypes,
    /// §P7.1.
    pub self_call: SelfCallScope,
    /// §P7.2.
    pub module_call: ModuleCall,
    /// §P7.3.
    pub zero_target: ZeroTarget,
    /// §P8.
    pub short_calldata: ShortCalldata,
    /// §P9.
    pub wildcard: WildcardModel,
    /// §P10.
    pub arg_addressing: ArgAddressing,
    /// §P11.
    pub conditions: ArgConditions,
    /// §P11.
    pub in_range: InRangeWidth,
    /// §P11.
    pub one_of: OneOf,
    /// §P12.
    pub counter_scope: CounterScope,
    /// §P13.
    pub native_default: NativeDefault,
    /// §P14.
    pub erc20: Erc20Rules,
    /// §P15.
    pub usage_unit: UsageUnit,
    /// §P16.
    pub rate: RateModel,
    /// §P17.
    pub never_expires: NeverExpires,
    /// §P21.
    pub allowances: AllowanceSemantics,
}

/// Why a policy cannot be expressed under a profile (it would need something the profile's
/// module does not have). The adapter's translation never produces such a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Inexpressible {
    /// A rate limit under [`RateModel::Unsupported`].
    RateLimit,
    /// A rate limit together with [`UsageUnit::PerOp`] (the ring counts executions).
    RateWithPerOpUsage,
    /// A `one_of` condition under [`OneOf::Unsupported`].
    OneOf {
        /// The permission's index.
        permission: usize,
        /// The rule's index.
        rule: usize,
    },
    /// A rule that has no fixed raw offset under [`ArgAddressing::RawWord`].
    NoRawOffset {
        /// The permission's index.
        permission: usize,
        /// The rule's index.
        rule: usize,
    },
    /// A condition other than `eq`, or a cumulative limit, under
    /// [`ArgConditions::EqualityOnly`].
    NotEquality {
        /// The permission's index.
        permission: usize,
        /// The rule's index.
        rule: usize,
    },
    /// A second wildcard permission under [`WildcardModel::Fallback`].
    SecondFallback {
        /// The second one's index.
        permission: usize,
    },
    /// A periodic or streaming allowance under [`TimedAllowances::Unsupported`].
    AllowanceOverTime,
}

impl core::fmt::Display for Inexpressible {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::RateLimit => f.write_str("the module has no rate limits (spec §P16)"),
            Self::RateWithPerOpUsage => {
                f.write_str("a rate limit needs usage counted per execution (spec §P15, §P16)")
            }
            Self::OneOf { permission, rule } => write!(
                f,
                "permission {permission} rule {rule}: the module has no one_of (spec §P11)"
            ),
            Self::NoRawOffset { permission, rule } => write!(
                f,
                "permission {permission} rule {rule}: its value has no fixed offset in the \
                 calldata (spec §P10)"
            ),
            Self::NotEquality { permission, rule } => write!(
                f,
                "permission {permission} rule {rule}: the module has equality rules only, without \
                 cumulative limits (spec §P11)"
            ),
            Self::SecondFallback { permission } => write!(
                f,
                "permission {permission}: the module has one fallback, not two (spec §P9)"
            ),
            Self::AllowanceOverTime => {
                f.write_str("the module has no periodic or streaming allowances (spec §P21)")
            }
        }
    }
}

impl core::error::Error for Inexpressible {}

impl SemanticProfile {
    /// The spec as written: every parameter at its default (spec v1, and spec v2's defaults for
    /// allowances over time, §15).
    pub const SPEC_V1: Self = Self {
        counter_phase: CounterPhase::Validation,
        decoder: DecoderClass::Strict,
        mode_payload: ModePayload::Zero,
        call_types: CallTypes::SingleAndBatch,
        self_call: SelfCallScope::AnyCall,
        module_call: ModuleCall::Denied,
        zero_target: ZeroTarget::Denied,
        short_calldata: ShortCalldata::Denied,
        wildcard: WildcardModel::AnyTargetSameSelector,
        arg_addressing: ArgAddressing::Typed,
        conditions: ArgConditions::All,
        in_range: InRangeWidth::Full,
        one_of: OneOf::Supported,
        counter_scope: CounterScope::Session,
        native_default: NativeDefault::Deny,
        erc20: Erc20Rules {
            selectors: Erc20Selectors::All,
            args: Erc20Args::Strict,
            transfer_from: TransferFrom::FromAccount,
            value: Erc20Value::Native,
        },
        usage_unit: UsageUnit::PerExecution,
        rate: RateModel::SlidingRing,
        never_expires: NeverExpires::Honoured,
        allowances: AllowanceSemantics::SPEC,
    };

    /// Rhinestone/Biconomy SmartSessions with its standard policies (`UniActionPolicy`,
    /// `ValueLimitPolicy`, `UsageLimitPolicy`, `TimeFramePolicy`, `ERC20SpendingLimitPolicy`,
    /// `SudoPolicy`), as released since December 2024 (bounded decoding).
    pub const SMART_SESSIONS: Self = Self {
        counter_phase: CounterPhase::Validation,
        decoder: DecoderClass::Bounded,
        mode_payload: ModePayload::Ignored,
        call_types: CallTypes::SingleAndBatch,
        self_call: SelfCallScope::ExecuteOnly,
        module_call: ModuleCall::Denied,
        zero_target: ZeroTarget::Wildcard,
        short_calldata: ShortCalldata::ValueSelector,
        wildcard: WildcardModel::Fallback,
        arg_addressing: ArgAddressing::RawWord,
        conditions: ArgConditions::All,
        in_range: InRangeWidth::Bits128,
        one_of: OneOf::Unsupported,
        counter_scope: CounterScope::Action,
        native_default: NativeDefault::Allow,
        erc20: Erc20Rules {
            selectors: Erc20Selectors::All,
            args: Erc20Args::AbiDecode,
            transfer_from: TransferFrom::ToAccountFree,
            value: Erc20Value::Zero,
        },
        usage_unit: UsageUnit::PerOp,
        rate: RateModel::Unsupported,
        never_expires: NeverExpires::Off,
        allowances: AllowanceSemantics {
            support: TimedAllowances::Unsupported,
            ..AllowanceSemantics::SPEC
        },
    };

    /// What SmartSessions as built into `@rhinestone/modulekit@0.5.9` (October 2024) actually
    /// does: [`Self::SMART_SESSIONS`] with unbounded decoding, before the fixes for Renascence v2
    /// M-1 and M-2. leash judges that build by [`Self::SMART_SESSIONS`], so the missing bounds
    /// show up as findings; this profile models them, for comparison.
    pub const SMART_SESSIONS_MODULEKIT: Self =
        Self { decoder: DecoderClass::Unbounded, ..Self::SMART_SESSIONS };

    /// The MetaMask Delegation Framework v1.3.0 (`@metamask/delegation-abis@2.0.0`) as leash
    /// configures it: one delegation per session, its (target, selector) pairs as caveat groups
    /// of a `LogicalOrWrapperEnforcer` (`AllowedTargets`, `AllowedMethods` or `ExactCalldata`,
    /// `AllowedCalldata`, `ValueLte`, `NativeTokenTransferAmount`, `ERC20TransferAmount`, the
    /// period and streaming enforcers for allowances over time), then
    /// `LimitedCalls` and `Timestamp`, redeemed through `DelegationManager.redeemDelegations`.
    /// Its window predicate is [`crate::WindowPredicate::Exclusive`] (the `Env`'s, not the
    /// profile's).
    pub const METAMASK: Self = Self {
        counter_phase: CounterPhase::RolledBackOnRevert,
        decoder: DecoderClass::Strict,
        mode_payload: ModePayload::Ignored,
        call_types: CallTypes::SingleOnly,
        self_call: SelfCallScope::None,
        module_call: ModuleCall::Wildcard,
        zero_target: ZeroTarget::Wildcard,
        short_calldata: ShortCalldata::Denied,
        wildcard: WildcardModel::AnyMatching,
        arg_addressing: ArgAddressing::RawBytes,
        conditions: ArgConditions::EqualityOnly,
        in_range: InRangeWidth::Full,
        one_of: OneOf::Unsupported,
        counter_scope: CounterScope::Delegation,
        native_default: NativeDefault::Allow,
        erc20: Erc20Rules {
            selectors: Erc20Selectors::TransferOnly,
            args: Erc20Args::RawExactLength,
            transfer_from: TransferFrom::FromAccount,
            value: Erc20Value::Native,
        },
        usage_unit: UsageUnit::PerExecution,
        rate: RateModel::Unsupported,
        never_expires: NeverExpires::Honoured,
        allowances: AllowanceSemantics {
            support: TimedAllowances::Supported,
            anchor: PeriodAnchor::Aligned,
            clock: PeriodClock::Seconds,
            stream_overflow: StreamOverflow::Deny,
            zero_amounts: ZeroAmounts::Checked,
        },
    };

    /// Whether this is spec v1.
    pub fn is_spec_v1(&self) -> bool {
        *self == Self::SPEC_V1
    }

    /// The parameters that differ from spec v1, as `(clause, name, value)`, for reports.
    pub fn differences(&self) -> Vec<(&'static str, &'static str, String)> {
        let spec = Self::SPEC_V1;
        let mut out = Vec::new();
        macro_rules! diff {
            ($clause:literal, $name:literal, $field:ident) => {
                if self.$field != spec.$field {
                    out.push(($clause, $name, format!("{:?}", self.$field)));
                }
            };
        }
        diff!("§P3", "counter phase", counter_phase);
        diff!("§P4", "decoder", decoder);
        diff!("§P5", "mode payload", mode_payload);
        diff!("§P5", "call types", call_types);
        diff!("§P7.1", "self-call scope", self_call);
        diff!("§P7.2", "module call", module_call);
        diff!("§P7.3", "zero target", zero_target);
        diff!("§P8", "short calldata", short_calldata);
        diff!("§P9", "wildcard", wildcard);
        diff!("§P10", "argument addressing", arg_addressing);
        diff!("§P11", "conditions", conditions);
        diff!("§P11", "in_range width", in_range);
        diff!("§P11", "one_of", one_of);
        diff!("§P12", "ERC-20 counter scope", counter_scope);
        diff!("§P13", "native default", native_default);
        diff!("§P14", "ERC-20 rules", erc20);
        diff!("§P15", "usage unit", usage_unit);
        diff!("§P16", "rate model", rate);
        diff!("§P17", "never-expire exception", never_expires);
        diff!("§P21", "allowances over time", allowances);
        out
    }

    /// Checks that `policy` means something under this profile: that a module with these
    /// semantics can be configured to enforce exactly it. Spec v1 accepts every valid policy.
    pub fn check_policy(&self, policy: &Policy) -> Result<(), Inexpressible> {
        if self.allowances.support == TimedAllowances::Unsupported
            && policy.has_allowances_over_time()
        {
            return Err(Inexpressible::AllowanceOverTime);
        }
        if policy.rate_limit.is_some() {
            if self.rate == RateModel::Unsupported {
                return Err(Inexpressible::RateLimit);
            }
            if self.usage_unit == UsageUnit::PerOp {
                return Err(Inexpressible::RateWithPerOpUsage);
            }
        }
        let mut fallback_seen = false;
        for (p, permission) in policy.permissions.iter().enumerate() {
            if self.wildcard == WildcardModel::Fallback && permission.target == Target::Any {
                if fallback_seen {
                    return Err(Inexpressible::SecondFallback { permission: p });
                }
                fallback_seen = true;
            }
            for (r, rule) in permission.rules.iter().enumerate() {
                if self.one_of == OneOf::Unsupported
                    && matches!(rule.condition, Condition::OneOf(_))
                {
                    return Err(Inexpressible::OneOf { permission: p, rule: r });
                }
                if self.conditions == ArgConditions::EqualityOnly
                    && (!matches!(rule.condition, Condition::Eq(_)) || rule.limit.is_some())
                {
                    return Err(Inexpressible::NotEquality { permission: p, rule: r });
                }
                let fixed = match self.arg_addressing {
                    ArgAddressing::Typed => true,
                    ArgAddressing::RawWord => raw_offset(permission, rule).is_some(),
                    ArgAddressing::RawBytes => raw_span(permission, rule).is_some(),
                };
                if !fixed {
                    return Err(Inexpressible::NoRawOffset { permission: p, rule: r });
                }
            }
        }
        Ok(())
    }
}

/// The byte offset after the selector where a rule's 32-byte value starts in a canonical
/// encoding, when that offset does not depend on the call (spec §P10): `32·j` for a static
/// argument `j`; for a 32-byte slice of a dynamic argument with no dynamic argument before it,
/// its content's canonical start plus the slice offset. `None` otherwise.
pub fn raw_offset(permission: &Permission, rule: &ArgRule) -> Option<u64> {
    let args = permission.args.as_ref()?;
    let j = usize::from(rule.arg);
    let ty = *args.get(j)?;
    if !ty.is_dynamic() {
        return (rule.slice.is_none()).then_some(32 * j as u64);
    }
    let slice = rule.slice?;
    if slice.length != 32 || args.iter().take(j).any(|t| t.is_dynamic()) {
        return None;
    }
    // The first dynamic argument's content starts right after the head and its length word.
    let k = args.len().min(MAX_ARGS) as u64;
    Some(32 * k + 32 + u64::from(slice.offset))
}

/// Where a rule's value lies in a canonical encoding under [`ArgAddressing::RawBytes`] (spec
/// §P10): `(offset after the selector, length)`. A static argument `j` is the 32 bytes at
/// `32·j`; a slice of a dynamic argument with no dynamic argument before it is its `length`
/// bytes at the content's canonical start plus the slice offset. `None` otherwise.
pub fn raw_span(permission: &Permission, rule: &ArgRule) -> Option<(u64, u8)> {
    let args = permission.args.as_ref()?;
    let j = usize::from(rule.arg);
    let ty = *args.get(j)?;
    if !ty.is_dynamic() {
        return (rule.slice.is_none()).then_some((32 * j as u64, 32));
    }
    let slice = rule.slice?;
    if slice.length == 0 || slice.length > 32 || args.iter().take(j).any(|t| t.is_dynamic()) {
        return None;
    }
    let k = args.len().min(MAX_ARGS) as u64;
    Some((32 * k + 32 + u64::from(slice.offset), slice.length))
}

impl InRangeWidth {
    /// Whether `x` satisfies `condition` as a module whose `in_range` bounds have this width
    /// reads it (spec §6.3, §P11).
    pub fn holds(self, condition: &Condition, x: U256) -> bool {
        match condition {
            Condition::InRange { lo, hi } => {
                let (lo, hi) = in_range_bounds(self, *lo, *hi);
                lo <= x && x <= hi
            }
            other => other.holds(x),
        }
    }
}

/// `in_range` bounds as a module of width `width` reads them (spec §P11).
pub fn in_range_bounds(width: InRangeWidth, lo: U256, hi: U256) -> (U256, U256) {
    match width {
        InRangeWidth::Full => (lo, hi),
        InRangeWidth::Bits128 => {
            let mask = (U256::from(1) << 128) - U256::from(1);
            (lo & mask, hi & mask)
        }
    }
}

/// Whether a permission's selector is the one of `selector` under `short` (spec §P8): the
/// empty selector and `0xffffffff` are one under [`ShortCalldata::ValueSelector`].
pub fn same_selector(short: ShortCalldata, a: Selector, b: Selector) -> bool {
    let canonical = |s: Selector| match (short, s) {
        (ShortCalldata::ValueSelector, Selector::Exact([0xff, 0xff, 0xff, 0xff])) => {
            Selector::Empty
        }
        _ => s,
    };
    canonical(a) == canonical(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounded::BoundedVec;
    use crate::policy::{AbiType, Slice};

    fn permission(args: &[AbiType]) -> Permission {
        Permission {
            target: Target::Any,
            selector: Selector::Exact([1, 2, 3, 4]),
            args: Some(BoundedVec::try_from_iter(args.iter().copied()).unwrap()),
            rules: BoundedVec::new(),
        }
    }

    #[test]
    fn spec_v1_is_the_default_and_differs_in_nothing() {
        assert_eq!(SemanticProfile::default(), SemanticProfile::SPEC_V1);
        assert!(SemanticProfile::SPEC_V1.differences().is_empty());
        assert!(SemanticProfile::SMART_SESSIONS.differences().len() > 10);
    }

    #[test]
    fn raw_offsets_follow_the_canonical_layout() {
        let p = permission(&[AbiType::Address, AbiType::Uint(256), AbiType::Bytes]);
        let rule = |arg, slice| ArgRule { arg, slice, ..ArgRule::default() };
        assert_eq!(raw_offset(&p, &rule(1, None)), Some(32));
        let slice = Slice { offset: 4, length: 32 };
        assert_eq!(raw_offset(&p, &rule(2, Some(slice))), Some(96 + 32 + 4));
        let short = Slice { offset: 0, length: 4 };
        assert_eq!(raw_offset(&p, &rule(2, Some(short))), None);
        let p = permission(&[AbiType::Bytes, AbiType::Bytes]);
        assert_eq!(raw_offset(&p, &rule(1, Some(slice))), None);
    }

    #[test]
    fn in_range_bounds_wrap_at_128_bits() {
        let big = U256::from(1) << 130;
        assert_eq!(in_range_bounds(InRangeWidth::Full, U256::ZERO, big), (U256::ZERO, big));
        assert_eq!(in_range_bounds(InRangeWidth::Bits128, U256::from(3), big).1, U256::ZERO);
    }

    #[test]
    fn the_value_selector_aliases_ffffffff() {
        let ff = Selector::Exact([0xff; 4]);
        assert!(same_selector(ShortCalldata::ValueSelector, Selector::Empty, ff));
        assert!(!same_selector(ShortCalldata::Denied, Selector::Empty, ff));
    }
}
