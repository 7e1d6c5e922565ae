//! Session policies: what a session key may do (spec §5 to §11, §16, §17) and when a policy is
//! valid (§12).
//!
//! The types here are plain data. Their file format (JSON and TOML) lives in [`crate::format`].

use alloy_primitives::{Address, U256};

use crate::bounded::BoundedVec;
use crate::bounds::{
    MAX_ARGS, MAX_CHAINS, MAX_ONE_OF, MAX_PAYMASTERS, MAX_PERMISSIONS, MAX_RATE, MAX_RULES,
    MAX_SPENDERS, MAX_TOKENS, TIME_MAX,
};

/// A session policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Start of the time window (spec §11), `<= TIME_MAX`.
    pub valid_after: u64,
    /// End of the time window (spec §11), `<= TIME_MAX`; `0` means no end.
    pub valid_until: u64,
    /// The calls the session may make (spec §5, §6).
    pub permissions: BoundedVec<Permission, MAX_PERMISSIONS>,
    /// The native-value cap (spec §7); `None` allows no native value at all.
    pub native: Option<NativeCap>,
    /// ERC-20 spend caps (spec §8).
    pub erc20: BoundedVec<TokenCap, MAX_TOKENS>,
    /// The most calls the session may ever make (spec §10); `None` means `2^64 - 1`.
    pub usage_limit: Option<u64>,
    /// The rate limit (spec §9).
    pub rate_limit: Option<RateLimit>,
    /// Limits on what the session's ops may cost in gas, and on who pays (spec §16, v3).
    pub gas: Option<GasLimit>,
    /// The chains the session may act on (spec §17, v3); `None` means every chain.
    pub chains: Option<BoundedVec<u64, MAX_CHAINS>>,
}

/// Limits on the gas a session's ops may cost, and on who pays for them (spec §16).
///
/// An op's cost is its maximum cost, the prefund the EntryPoint computes at validation:
/// `(verificationGasLimit + callGasLimit + paymasterVerificationGasLimit +
/// paymasterPostOpGasLimit + preVerificationGas) * maxFeePerGas`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GasLimit {
    /// Who may pay for the session's ops (spec §16.1).
    pub paymaster: PaymasterRule,
    /// The highest `maxFeePerGas` an op may name, in wei per gas (spec §16.2).
    pub max_fee_per_gas: Option<u128>,
    /// The most one op may cost, in wei (spec §16.3).
    pub per_op: Option<U256>,
    /// The most the session's ops may cost in total, in wei (spec §16.4).
    pub total: Option<U256>,
}

/// Who may pay for a session's ops (spec §16.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaymasterRule {
    /// The account or any paymaster.
    #[default]
    Any,
    /// Some paymaster: the account never prefunds the session's ops.
    Required,
    /// One of these paymasters (1..=`MAX_PAYMASTERS`, none the zero address).
    OneOf(BoundedVec<Address, MAX_PAYMASTERS>),
}

/// The target a permission applies to (spec §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// Any target (looked up only after exact targets, spec §5.3).
    Any,
    /// Exactly this address.
    Address(Address),
}

impl Default for Target {
    fn default() -> Self {
        Self::Address(Address::ZERO)
    }
}

/// The selector a permission applies to (spec §5.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Selector {
    /// Empty calldata: a plain native-value transfer.
    #[default]
    Empty,
    /// Calldata starting with these four bytes.
    Exact([u8; 4]),
}

/// One allowed (target, selector) pair, with optional argument types and rules (spec §5, §6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permission {
    /// The target.
    pub target: Target,
    /// The selector.
    pub selector: Selector,
    /// The declared argument types; `None` accepts any bytes after the selector (spec §6).
    pub args: Option<BoundedVec<AbiType, MAX_ARGS>>,
    /// Argument rules, checked in order (spec §6.2 to §6.4).
    pub rules: BoundedVec<ArgRule, MAX_RULES>,
}

/// An ABI type a permission can declare for an argument (spec §6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AbiType {
    /// `address`.
    #[default]
    Address,
    /// `bool`.
    Bool,
    /// `uintN`, with `N` (the field) a multiple of 8 in 8..=256.
    Uint(u16),
    /// `bytesN`, with `N` (the field) in 1..=32.
    FixedBytes(u8),
    /// `bytes` (dynamic).
    Bytes,
    /// `string` (dynamic; encoded like `bytes`).
    String,
}

impl AbiType {
    /// Whether the type is dynamic (its head word is an offset to a tail).
    pub fn is_dynamic(self) -> bool {
        matches!(self, Self::Bytes | Self::String)
    }

    /// Whether the type is one spec §12.4 allows.
    pub fn is_supported(self) -> bool {
        match self {
            Self::Uint(bits) => (8..=256).contains(&bits) && bits % 8 == 0,
            Self::FixedBytes(n) => (1..=32).contains(&n),
            Self::Address | Self::Bool | Self::Bytes | Self::String => true,
        }
    }
}

impl core::fmt::Display for AbiType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Address => f.write_str("address"),
            Self::Bool => f.write_str("bool"),
            Self::Uint(bits) => write!(f, "uint{bits}"),
            Self::FixedBytes(n) => write!(f, "bytes{n}"),
            Self::Bytes => f.write_str("bytes"),
            Self::String => f.write_str("string"),
        }
    }
}

/// A rule over one argument (spec §6.2 to §6.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArgRule {
    /// The index of the argument in the permission's declared arguments.
    pub arg: u8,
    /// For a dynamic argument, the slice of its content the rule reads; `None` for static ones.
    pub slice: Option<Slice>,
    /// The condition the value must satisfy.
    pub condition: Condition,
    /// The cumulative limit on the sum of the rule's values, if any.
    pub limit: Option<U256>,
}

/// A slice of a dynamic argument's content, read as a big-endian unsigned integer (spec §6.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Slice {
    /// Byte offset into the content.
    pub offset: u32,
    /// Length in bytes, 1..=32.
    pub length: u8,
}

/// A condition on an unsigned 256-bit value (spec §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `x == r`.
    Eq(U256),
    /// `x != r`.
    Neq(U256),
    /// `x > r`.
    Gt(U256),
    /// `x >= r`.
    Gte(U256),
    /// `x < r`.
    Lt(U256),
    /// `x <= r`.
    Lte(U256),
    /// `lo <= x <= hi`.
    InRange {
        /// Lower bound, inclusive.
        lo: U256,
        /// Upper bound, inclusive.
        hi: U256,
    },
    /// `x` equals one of the values.
    OneOf(BoundedVec<U256, MAX_ONE_OF>),
}

impl Default for Condition {
    fn default() -> Self {
        Self::Eq(U256::ZERO)
    }
}

impl Condition {
    /// Whether `x` satisfies the condition (spec §6.3).
    pub fn holds(&self, x: U256) -> bool {
        match self {
            Self::Eq(r) => x == *r,
            Self::Neq(r) => x != *r,
            Self::Gt(r) => x > *r,
            Self::Gte(r) => x >= *r,
            Self::Lt(r) => x < *r,
            Self::Lte(r) => x <= *r,
            Self::InRange { lo, hi } => *lo <= x && x <= *hi,
            Self::OneOf(values) => values.iter().any(|v| *v == x),
        }
    }

    /// The condition's name in the policy file format.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Eq(_) => "eq",
            Self::Neq(_) => "neq",
            Self::Gt(_) => "gt",
            Self::Gte(_) => "gte",
            Self::Lt(_) => "lt",
            Self::Lte(_) => "lte",
            Self::InRange { .. } => "in_range",
            Self::OneOf(_) => "one_of",
        }
    }
}

/// The native-value cap (spec §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NativeCap {
    /// The most value one execution may send.
    pub per_call: U256,
    /// The most value the session may send in total.
    pub total: U256,
    /// At most so much value per period (spec §7.4, §15.2).
    pub periodic: Option<PeriodicAllowance>,
    /// At most what a stream has unlocked (spec §7.5, §15.3).
    pub streaming: Option<StreamingAllowance>,
}

/// An ERC-20 spend cap (spec §8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenCap {
    /// The token contract.
    pub token: Address,
    /// The most the session may transfer, approve or transfer-from in total.
    pub limit: U256,
    /// The spenders `approve` and `increaseAllowance` may name; `None` allows any spender.
    pub spenders: Option<BoundedVec<Address, MAX_SPENDERS>>,
    /// At most so much per period, counted as §8.5 counts (spec §8.6, §15.2).
    pub periodic: Option<PeriodicAllowance>,
    /// At most what a stream has unlocked, counted as §8.5 counts (spec §8.7, §15.3).
    pub streaming: Option<StreamingAllowance>,
    /// The token's decimals, as the policy names them, for showing amounts to people; no rule
    /// reads it (amounts are always base units).
    pub decimals: Option<u8>,
    /// The token's symbol, as the policy names it, for showing amounts to people; no rule
    /// reads it.
    pub symbol: Option<TokenSymbol>,
}

/// A token symbol a policy names (`USDC`): 1 to [`TokenSymbol::MAX_LEN`] printable ASCII
/// characters without spaces, so it prints safely on any terminal. Display only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TokenSymbol(BoundedVec<u8, MAX_SYMBOL_LEN>);

/// [`TokenSymbol::MAX_LEN`].
const MAX_SYMBOL_LEN: usize = 16;

impl TokenSymbol {
    /// The longest symbol, in bytes.
    pub const MAX_LEN: usize = MAX_SYMBOL_LEN;

    /// The most decimals a token's amounts can be shown with: `10^77` is the largest power of
    /// ten below `2^256`, so beyond it no amount has a whole unit.
    pub const MAX_DECIMALS: u8 = 77;

    /// `text` as a symbol, or why it cannot be one.
    pub fn new(text: &str) -> Result<Self, String> {
        if text.is_empty() || text.len() > Self::MAX_LEN {
            return Err(format!("a symbol has 1 to {} characters", Self::MAX_LEN));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("a symbol is printable ASCII without spaces".to_string());
        }
        BoundedVec::try_from_iter(text.bytes())
            .map(Self)
            .map_err(|_| format!("a symbol has 1 to {} characters", Self::MAX_LEN))
    }

    /// The symbol's text.
    pub fn as_str(&self) -> &str {
        // Only `new` builds one, from ASCII.
        core::str::from_utf8(self.0.as_slice()).unwrap_or_default()
    }
}

/// A periodic allowance: at most `amount` in each period of `period` seconds, the first one
/// beginning at `start` (spec §15.2). Unspent allowance does not carry over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PeriodicAllowance {
    /// The most one period may move.
    pub amount: U256,
    /// The period's length in seconds, 1..=`TIME_MAX` (spec §12.8).
    pub period: u64,
    /// When the first period begins (unix seconds, `<= TIME_MAX`).
    pub start: u64,
}

/// A streaming allowance: from `start`, `initial` at once and `rate` more per second, up to
/// `max` in all (spec §15.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StreamingAllowance {
    /// What is available at `start`, `<= max` (spec §12.9).
    pub initial: U256,
    /// What unlocks per second (at most `RATE_MAX = 2^128 - 1` by type).
    pub rate: u128,
    /// The most the stream ever unlocks.
    pub max: U256,
    /// When the stream begins (unix seconds, `<= TIME_MAX`).
    pub start: u64,
}

/// Which cap an allowance over time belongs to, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowanceOf {
    /// The native-value cap (spec §7).
    Native,
    /// The ERC-20 cap with this index (spec §8).
    Token(usize),
}

impl core::fmt::Display for AllowanceOf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Native => f.write_str("the native cap"),
            Self::Token(index) => write!(f, "erc20 cap {index}"),
        }
    }
}

/// A rate limit: at most `max_calls` calls in any `interval` seconds (spec §10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per interval, 1..=`MAX_RATE`.
    pub max_calls: u8,
    /// Interval length in seconds, at least 1.
    pub interval: u64,
}

/// Why a policy is not valid (spec §12). Each variant names the offending part.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// A timestamp exceeds `TIME_MAX` (spec §12.1).
    TimeTooLarge {
        /// `valid_after` or `valid_until`.
        field: &'static str,
        /// The value given.
        value: u64,
    },
    /// `valid_until != 0` and `valid_after >= valid_until` (spec §12.1).
    EmptyWindow {
        /// The policy's `valid_after`.
        valid_after: u64,
        /// The policy's `valid_until`.
        valid_until: u64,
    },
    /// Two permissions share a target and selector (spec §12.2).
    DuplicatePermission {
        /// The index of the first of the two.
        first: usize,
        /// The index of the second.
        second: usize,
    },
    /// A permission for the empty selector declares arguments or rules (spec §12.3).
    EmptySelectorWithArgs {
        /// The permission's index.
        permission: usize,
    },
    /// An argument type is not supported (spec §12.4).
    UnsupportedType {
        /// The permission's index.
        permission: usize,
        /// The argument's index.
        arg: usize,
        /// The type given.
        ty: AbiType,
    },
    /// A rule is malformed (spec §12.5).
    BadRule {
        /// The permission's index.
        permission: usize,
        /// The rule's index.
        rule: usize,
        /// What is wrong.
        problem: RuleProblem,
    },
    /// Two ERC-20 caps name the same token (spec §12.6).
    DuplicateToken {
        /// The token.
        token: Address,
    },
    /// An ERC-20 cap names the zero address (spec §12.6).
    ZeroToken {
        /// The cap's index.
        index: usize,
    },
    /// A rate limit is malformed (spec §12.7).
    BadRateLimit {
        /// The `max_calls` given.
        max_calls: u8,
        /// The `interval` given.
        interval: u64,
    },
    /// A periodic allowance has a period outside 1..=`TIME_MAX` or a start past `TIME_MAX`
    /// (spec §12.8).
    BadPeriodicAllowance {
        /// The cap it belongs to.
        of: AllowanceOf,
        /// The `period` given.
        period: u64,
        /// The `start` given.
        start: u64,
    },
    /// A streaming allowance has `initial > max` or a start past `TIME_MAX` (spec §12.9).
    BadStreamingAllowance {
        /// The cap it belongs to.
        of: AllowanceOf,
        /// The `initial` given.
        initial: U256,
        /// The `max` given.
        max: U256,
        /// The `start` given.
        start: u64,
    },
    /// A paymaster allowlist is empty, names the zero address or names one paymaster twice
    /// (spec §12.10).
    BadPaymasters {
        /// The list's length.
        len: usize,
        /// The offending entry, if one is (the zero address or a repeat).
        entry: Option<Address>,
    },
    /// A chain list is empty, names chain 0 or names one chain twice (spec §12.11).
    BadChains {
        /// The list's length.
        len: usize,
        /// The offending entry, if one is (0 or a repeat).
        entry: Option<u64>,
    },
}

/// What is wrong with a rule (spec §12.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleProblem {
    /// The permission declares no arguments, so rules have nothing to read.
    NoArgs,
    /// The rule names an argument the permission does not declare.
    NoSuchArg {
        /// The index named.
        arg: u8,
        /// How many arguments are declared.
        declared: usize,
    },
    /// A rule on a static argument has a slice.
    SliceOnStatic,
    /// A rule on a dynamic argument has no slice.
    MissingSlice,
    /// A slice's length is not in 1..=32, or it ends past `2^32`.
    BadSlice {
        /// The slice given.
        slice: Slice,
    },
    /// `in_range` has `lo > hi`.
    EmptyRange,
    /// `one_of` has no values.
    EmptyOneOf,
}

impl core::fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoArgs => f.write_str("the permission declares no arguments for it to read"),
            Self::NoSuchArg { arg, declared } => {
                write!(f, "it names argument {arg} but only {declared} are declared")
            }
            Self::SliceOnStatic => f.write_str("it has a slice but its argument is static"),
            Self::MissingSlice => f.write_str("its argument is dynamic, so it needs a slice"),
            Self::BadSlice { slice } => write!(
                f,
                "slice offset {} length {} must have length 1..=32 and end by 2^32",
                slice.offset, slice.length
            ),
            Self::EmptyRange => f.write_str("in_range has lo > hi"),
            Self::EmptyOneOf => f.write_str("one_of has no values"),
        }
    }
}

impl core::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TimeTooLarge { field, value } => {
                write!(f, "{field} {value} exceeds the largest timestamp 2^48-1 (spec §12.1)")
            }
            Self::EmptyWindow { valid_after, valid_until } => write!(
                f,
                "the window is empty: valid_after {valid_after} is not before valid_until \
                 {valid_until} (spec §12.1)"
            ),
            Self::DuplicatePermission { first, second } => write!(
                f,
                "permissions {first} and {second} have the same target and selector (spec §12.2)"
            ),
            Self::EmptySelectorWithArgs { permission } => write!(
                f,
                "permission {permission} is for empty calldata but declares arguments or rules \
                 (spec §12.3)"
            ),
            Self::UnsupportedType { permission, arg, ty } => write!(
                f,
                "permission {permission} argument {arg} has unsupported type {ty} (spec §12.4)"
            ),
            Self::BadRule { permission, rule, problem } => {
                write!(f, "permission {permission} rule {rule}: {problem} (spec §12.5)")
            }
            Self::DuplicateToken { token } => {
                write!(f, "token {token} is capped twice (spec §12.6)")
            }
            Self::ZeroToken { index } => {
                write!(f, "erc20 cap {index} names the zero address (spec §12.6)")
            }
            Self::BadRateLimit { max_calls, interval } => write!(
                f,
                "rate limit max_calls {max_calls} interval {interval}: max_calls must be in \
                 1..={MAX_RATE} and interval at least 1 (spec §12.7)"
            ),
            Self::BadPeriodicAllowance { of, period, start } => write!(
                f,
                "the periodic allowance of {of} has period {period} and start {start}: the \
                 period must be in 1..={TIME_MAX} seconds and the start at most {TIME_MAX} \
                 (spec §12.8)"
            ),
            Self::BadStreamingAllowance { of, initial, max, start } => write!(
                f,
                "the streaming allowance of {of} has initial {initial}, max {max} and start \
                 {start}: initial must be at most max and the start at most {TIME_MAX} \
                 (spec §12.9)"
            ),
            Self::BadPaymasters { len, entry: Some(entry) } => write!(
                f,
                "the paymaster allowlist of {len} entries names {entry}, which is the zero address \
                 or a repeat (spec §12.10)"
            ),
            Self::BadPaymasters { len, entry: None } => write!(
                f,
                "the paymaster allowlist has {len} entries: it needs 1..={MAX_PAYMASTERS} \
                 (spec §12.10)"
            ),
            Self::BadChains { len, entry: Some(entry) } => write!(
                f,
                "the chain list of {len} entries names chain {entry}, which is 0 or a repeat \
                 (spec §12.11)"
            ),
            Self::BadChains { len, entry: None } => write!(
                f,
                "the chain list has {len} entries: it needs 1..={MAX_CHAINS} (spec §12.11)"
            ),
        }
    }
}

impl core::error::Error for PolicyError {}

impl PolicyError {
    /// The code the Solidity module reverts with (`InvalidPolicy(code)`). Code 10 is reserved for
    /// encodings the model's types cannot express (too many items, an unknown condition code);
    /// codes 11 and 12 are spec v2's, 13 and 14 spec v3's.
    pub fn code(&self) -> u8 {
        match self {
            Self::TimeTooLarge { .. } => 1,
            Self::EmptyWindow { .. } => 2,
            Self::DuplicatePermission { .. } => 3,
            Self::EmptySelectorWithArgs { .. } => 4,
            Self::UnsupportedType { .. } => 5,
            Self::BadRule { .. } => 6,
            Self::DuplicateToken { .. } => 7,
            Self::ZeroToken { .. } => 8,
            Self::BadRateLimit { .. } => 9,
            Self::BadPeriodicAllowance { .. } => 11,
            Self::BadStreamingAllowance { .. } => 12,
            Self::BadPaymasters { .. } => 13,
            Self::BadChains { .. } => 14,
        }
    }
}

impl Policy {
    /// Checks spec §12, in the order its clauses are written.
    pub fn validate(&self) -> Result<(), PolicyError> {
        // spec §12.1
        for (field, value) in [("valid_after", self.valid_after), ("valid_until", self.valid_until)]
        {
            if value > TIME_MAX {
                return Err(PolicyError::TimeTooLarge { field, value });
            }
        }
        if self.valid_until != 0 && self.valid_after >= self.valid_until {
            return Err(PolicyError::EmptyWindow {
                valid_after: self.valid_after,
                valid_until: self.valid_until,
            });
        }
        // spec §12.2
        for (second, b) in self.permissions.iter().enumerate() {
            for (first, a) in self.permissions.iter().enumerate().take(second) {
                if a.target == b.target && a.selector == b.selector {
                    return Err(PolicyError::DuplicatePermission { first, second });
                }
            }
        }
        for (index, permission) in self.permissions.iter().enumerate() {
            permission.validate(index)?;
        }
        // spec §12.6
        for (index, cap) in self.erc20.iter().enumerate() {
            if cap.token == Address::ZERO {
                return Err(PolicyError::ZeroToken { index });
            }
            if self.erc20.iter().take(index).any(|earlier| earlier.token == cap.token) {
                return Err(PolicyError::DuplicateToken { token: cap.token });
            }
        }
        // spec §12.7
        if let Some(rate) = self.rate_limit
            && (rate.max_calls == 0 || usize::from(rate.max_calls) > MAX_RATE || rate.interval == 0)
        {
            return Err(PolicyError::BadRateLimit {
                max_calls: rate.max_calls,
                interval: rate.interval,
            });
        }
        // spec §12.8, §12.9: the native cap's allowances, then each ERC-20 cap's, in order.
        if let Some(cap) = &self.native {
            validate_allowances(AllowanceOf::Native, cap.periodic, cap.streaming)?;
        }
        for (index, cap) in self.erc20.iter().enumerate() {
            validate_allowances(AllowanceOf::Token(index), cap.periodic, cap.streaming)?;
        }
        // spec §12.10
        if let Some(GasLimit { paymaster: PaymasterRule::OneOf(list), .. }) = &self.gas {
            let len = list.len();
            if list.is_empty() {
                return Err(PolicyError::BadPaymasters { len, entry: None });
            }
            for (index, paymaster) in list.iter().enumerate() {
                if *paymaster == Address::ZERO || list.iter().take(index).any(|p| p == paymaster) {
                    return Err(PolicyError::BadPaymasters { len, entry: Some(*paymaster) });
                }
            }
        }
        // spec §12.11
        if let Some(chains) = &self.chains {
            let len = chains.len();
            if chains.is_empty() {
                return Err(PolicyError::BadChains { len, entry: None });
            }
            for (index, chain) in chains.iter().enumerate() {
                if *chain == 0 || chains.iter().take(index).any(|c| c == chain) {
                    return Err(PolicyError::BadChains { len, entry: Some(*chain) });
                }
            }
        }
        Ok(())
    }

    /// Whether the policy has a gas rule or a chain list (spec v3).
    pub fn has_gas_or_chains(&self) -> bool {
        self.gas.is_some() || self.chains.is_some()
    }

    /// Whether the native cap or an ERC-20 cap has a periodic or streaming allowance (spec v2).
    pub fn has_allowances_over_time(&self) -> bool {
        let timed = |periodic: bool, streaming: bool| periodic || streaming;
        self.native.is_some_and(|n| timed(n.periodic.is_some(), n.streaming.is_some()))
            || self.erc20.iter().any(|c| timed(c.periodic.is_some(), c.streaming.is_some()))
    }

    /// The ERC-20 cap on `token`, with its index, if the policy caps it.
    pub fn token_cap(&self, token: Address) -> Option<(usize, &TokenCap)> {
        self.erc20.iter().enumerate().find(|(_, cap)| cap.token == token)
    }
}

/// spec §12.8 and §12.9 for the allowances of one cap.
fn validate_allowances(
    of: AllowanceOf,
    periodic: Option<PeriodicAllowance>,
    streaming: Option<StreamingAllowance>,
) -> Result<(), PolicyError> {
    if let Some(p) = periodic
        && (p.period == 0 || p.period > TIME_MAX || p.start > TIME_MAX)
    {
        return Err(PolicyError::BadPeriodicAllowance { of, period: p.period, start: p.start });
    }
    if let Some(s) = streaming
        && (s.initial > s.max || s.start > TIME_MAX)
    {
        return Err(PolicyError::BadStreamingAllowance {
            of,
            initial: s.initial,
            max: s.max,
            start: s.start,
        });
    }
    Ok(())
}

impl Permission {
    fn validate(&self, permission: usize) -> Result<(), PolicyError> {
        // spec §12.3
        if self.selector == Selector::Empty && (self.args.is_some() || !self.rules.is_empty()) {
            return Err(PolicyError::EmptySelectorWithArgs { permission });
        }
        // spec §12.4
        let args = self.args.as_ref().map_or(&[][..], |args| args.as_slice());
        for (arg, ty) in args.iter().enumerate() {
            if !ty.is_supported() {
                return Err(PolicyError::UnsupportedType { permission, arg, ty: *ty });
            }
        }
        // spec §12.5
        for (rule_index, rule) in self.rules.iter().enumerate() {
            let bad = |problem| PolicyError::BadRule { permission, rule: rule_index, problem };
            let Some(declared) = &self.args else {
                return Err(bad(RuleProblem::NoArgs));
            };
            let Some(ty) = declared.get(usize::from(rule.arg)) else {
                return Err(bad(RuleProblem::NoSuchArg {
                    arg: rule.arg,
                    declared: declared.len(),
                }));
            };
            match (ty.is_dynamic(), rule.slice) {
                (false, Some(_)) => return Err(bad(RuleProblem::SliceOnStatic)),
                (true, None) => return Err(bad(RuleProblem::MissingSlice)),
                (true, Some(slice)) => {
                    let end = u64::from(slice.offset) + u64::from(slice.length);
                    if slice.length == 0 || slice.length > 32 || end > 1 << 32 {
                        return Err(bad(RuleProblem::BadSlice { slice }));
                    }
                }
                (false, None) => {}
            }
            match &rule.condition {
                Condition::InRange { lo, hi } if lo > hi => {
                    return Err(bad(RuleProblem::EmptyRange));
                }
                Condition::OneOf(values) if values.is_empty() => {
                    return Err(bad(RuleProblem::EmptyOneOf));
                }
                _ => {}
            }
        }
        Ok(())
    }
}
