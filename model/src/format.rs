//! The policy file format, versions 1 to 3: the serde representation of [`Policy`].
//!
//! The same structure reads from and writes to JSON and TOML. Deserializing validates the policy
//! (spec §12), so every `Policy` that comes out of a file is valid, and unknown fields are errors
//! (a misspelt `valid_untill` must not silently mean "no expiry").
//!
//! ```toml
//! version = 3
//! valid_after = 1767225600          # unix seconds; 0 = from the start
//! valid_until = 1767312000          # unix seconds; 0 = no end
//! usage_limit = 100                 # optional: most calls ever
//! chains = ["base", 10]             # version 3, optional: chain ids or names; default every chain
//!
//! [gas]                             # version 3, optional: what the session's ops may cost
//! max_fee_per_gas = "50 gwei"       # optional: the highest maxFeePerGas an op may name
//! per_op = "0.002 ether"            # optional: the most one op may cost
//! total = "0.01 ether"              # optional: the most all the session's ops may cost
//! paymaster = "required"            # optional: "any" (default) or "required"
//! paymasters = ["0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"]   # optional: only these pay
//!
//! [native]                          # optional: without it no native value may be sent
//! per_call = "0.01 ether"           # version 2: optional, no per-call limit when absent
//! total = "0.1 ether"               # version 2: optional, no lifetime limit when absent
//!
//! [native.periodic]                 # version 2, optional: at most `amount` per period
//! amount = "0.02 ether"
//! period = "1 day"                  # seconds, or "<n> seconds|minutes|hours|days|weeks"
//! start = 1767225600                # optional: when the first period begins (default valid_after)
//!
//! [native.streaming]                # version 2, optional: `initial` at start, then `rate` a second
//! initial = "0"                     # optional, default 0
//! rate = "1 gwei"                   # per second, below 2^128
//! max = "0.05 ether"                # the most the stream ever unlocks
//! start = 1767225600                # optional (default valid_after)
//!
//! [rate_limit]                      # optional: at most max_calls in any interval seconds
//! max_calls = 5
//! interval = 60
//!
//! [[permissions]]
//! target = "0x5FbDB2315678afecb367f032d93F642f64180aa3"   # or "*" for any target
//! function = "attack(uint256)"      # selector and argument types
//!
//! [[permissions.rules]]
//! arg = 0                           # argument index
//! lte = "100"                       # one of eq, neq, gt, gte, lt, lte, in_range, one_of
//! limit = "1000"                    # optional cumulative limit on the argument
//!
//! [[permissions]]
//! target = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
//! selector = "0xa9059cbb"           # a bare selector: any arguments, no rules
//!
//! [[permissions]]
//! target = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
//! selector = "empty"                # plain native-value transfers (empty calldata)
//!
//! [[erc20]]
//! token = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
//! limit = "1000000"                 # version 2: optional, no lifetime limit when absent
//! spenders = ["0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"]   # optional approve allowlist
//! decimals = 6                      # optional: how amounts read to people (`5 USDC`); display
//! symbol = "USDC"                   # only, no rule reads them (amounts stay base units)
//!
//! [erc20.periodic]                  # version 2, optional: as [native.periodic]
//! amount = "5000000"
//! period = "30 days"
//! ```
//!
//! Version 1 files (no allowances over time; `per_call`, `total` and `limit` required) load
//! unchanged, and so do version 2 files (no gas rule, no chain list). A policy is written in the
//! lowest version that expresses it, so a policy without allowances over time, gas rule or
//! chain list still writes as version 1.
//!
//! An op's gas cost is its maximum cost, `(sum of its gas limits) * maxFeePerGas` (spec §16).
//!
//! Amounts are integers, decimal strings, `0x` hex strings, or decimal strings with a unit
//! (`wei`, `gwei`, `ether`). A rule on a `bytes` or `string` argument needs a
//! `slice = { offset = 0, length = 4 }` naming the bytes of the content it reads.

use alloy_primitives::{Address, U256, keccak256};
use serde::{Deserialize, Serialize};

use crate::bounded::BoundedVec;
use crate::policy::{
    AbiType, ArgRule, Condition, GasLimit, NativeCap, PaymasterRule, PeriodicAllowance, Permission,
    Policy, RateLimit, Selector, Slice, StreamingAllowance, Target, TokenCap, TokenSymbol,
};

/// The newest format version this module reads and writes (it reads every version from 1).
pub const FORMAT_VERSION: u32 = 3;

/// The version that introduced allowances over time (spec §7.4, §7.5, §8.6, §8.7).
const ALLOWANCES_VERSION: u32 = 2;

/// The version that introduced gas rules and chain lists (spec §16, §17).
const GAS_VERSION: u32 = 3;

/// Chains the format and `leash explain` know by name: `(chain id, name)`.
pub const CHAIN_NAMES: &[(u64, &str)] = &[
    (1, "ethereum"),
    (10, "optimism"),
    (56, "bsc"),
    (100, "gnosis"),
    (137, "polygon"),
    (8453, "base"),
    (42161, "arbitrum"),
    (43114, "avalanche"),
    (59144, "linea"),
    (534352, "scroll"),
    (31337, "anvil"),
    (11155111, "sepolia"),
    (84532, "base-sepolia"),
];

/// The name of a chain [`CHAIN_NAMES`] knows.
pub fn chain_name(chain_id: u64) -> Option<&'static str> {
    CHAIN_NAMES.iter().find(|(id, _)| *id == chain_id).map(|(_, name)| *name)
}

impl Serialize for Policy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        PolicyRepr::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr: PolicyRepr = table(deserializer)?;
        let policy = Policy::try_from(repr).map_err(serde::de::Error::custom)?;
        policy.validate().map_err(serde::de::Error::custom)?;
        Ok(policy)
    }
}

/// Serde functions (`#[serde(with = "leash_model::format::unvalidated")]`) for a boxed policy
/// that may break spec §12: the same file format, read without [`Policy::validate`] and with any
/// well-formed `uintN` or `bytesN` type name (the widths spec §12.4 refuses included).
///
/// A fuzz case's install step uses it, so that a case can install a policy the spec rejects and
/// check that the module refuses it too. Everything else about the format (field names, tables,
/// versions, amounts, addresses) is read as strictly as a policy file.
pub mod unvalidated {
    use serde::{Deserializer, Serialize, Serializer};

    use super::{PolicyRepr, TypeNames, table};
    use crate::Policy;

    /// Writes the policy as [`Policy`]'s own `Serialize` does.
    pub fn serialize<S: Serializer>(policy: &Policy, serializer: S) -> Result<S::Ok, S::Error> {
        policy.serialize(serializer)
    }

    /// Reads a policy without checking spec §12.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Box<Policy>, D::Error> {
        let repr: PolicyRepr = table(deserializer)?;
        Policy::from_repr(repr, TypeNames::WellFormed)
            .map(Box::new)
            .map_err(serde::de::Error::custom)
    }
}

/// Which argument type names a reading accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TypeNames {
    /// Only the types spec §12.4 supports (policy files).
    Supported,
    /// Any canonical `uintN` or `bytesN` whose width fits the model's field ([`unvalidated`]).
    WellFormed,
}

impl Serialize for AbiType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AbiType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        parse_abi_type(&name).map_err(serde::de::Error::custom)
    }
}

/// Reads a struct of the format from a table (a TOML table, a JSON object) only. Serde's derived
/// structs also read arrays by position, which would give `rate_limit = [5, 60]` or a JSON
/// `[1, 2, 3]` policy a meaning nobody wrote.
fn table<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    struct TableOnly<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for TableOnly<T> {
        type Value = T;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a table of named fields")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_map(TableOnly(std::marker::PhantomData))
}

/// [`table`] for an optional field (called only when the field is present).
fn optional_table<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    table(deserializer).map(Some)
}

/// [`table`] for each element of an array of structs.
fn tables<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    struct Table<T>(T);
    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Table<T> {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            table(deserializer).map(Table)
        }
    }
    Ok(Vec::<Table<T>>::deserialize(deserializer)?.into_iter().map(|t| t.0).collect())
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyRepr {
    #[serde(default = "format_version")]
    version: u32,
    #[serde(default)]
    valid_after: u64,
    #[serde(default)]
    valid_until: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    usage_limit: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "optional_table")]
    native: Option<NativeRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "optional_table")]
    rate_limit: Option<RateLimitRepr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "tables")]
    permissions: Vec<PermissionRepr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "tables")]
    erc20: Vec<TokenCapRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "optional_table")]
    gas: Option<GasRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chains: Option<Vec<ChainId>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GasRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_fee_per_gas: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    per_op: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    total: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paymaster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paymasters: Option<Vec<Checked>>,
}

/// A chain: written as its id, read from an integer or a name in [`CHAIN_NAMES`].
#[derive(Clone, Copy)]
struct ChainId(u64);

impl Serialize for ChainId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for ChainId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChainVisitor;
        impl serde::de::Visitor<'_> for ChainVisitor {
            type Value = ChainId;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a chain: its id, or a name such as \"base\"")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<ChainId, E> {
                Ok(ChainId(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<ChainId, E> {
                u64::try_from(n)
                    .map(ChainId)
                    .map_err(|_| E::custom(format!("chain id {n} is negative")))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<ChainId, E> {
                Err(E::custom(format!("chain id {x} is not a whole number below 2^64")))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<ChainId, E> {
                parse_chain(text).map(ChainId).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(ChainVisitor)
    }
}

/// Parses a chain: a decimal chain id, or a name in [`CHAIN_NAMES`].
pub fn parse_chain(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return trimmed
            .parse()
            .map_err(|_| format!("chain id {} does not fit in 64 bits", quote(text)));
    }
    CHAIN_NAMES.iter().find(|(_, name)| *name == trimmed).map(|(id, _)| *id).ok_or_else(|| {
        let names: Vec<_> = CHAIN_NAMES.iter().map(|(_, name)| *name).collect();
        format!("unknown chain {} (give its id, or one of {})", quote(text), names.join(", "))
    })
}

fn format_version() -> u32 {
    FORMAT_VERSION
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeRepr {
    #[serde(default)]
    per_call: Option<Amount>,
    #[serde(default)]
    total: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    periodic: Option<PeriodicRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    streaming: Option<StreamingRepr>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodicRepr {
    amount: Amount,
    period: Duration,
    #[serde(default)]
    start: Option<u64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamingRepr {
    #[serde(default)]
    initial: Option<Amount>,
    rate: Amount,
    max: Amount,
    #[serde(default)]
    start: Option<u64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimitRepr {
    max_calls: u8,
    interval: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionRepr {
    target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    args: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "tables")]
    rules: Vec<RuleRepr>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleRepr {
    arg: u8,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "optional_table")]
    slice: Option<SliceRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    eq: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    neq: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gt: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gte: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lt: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lte: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_range: Option<Vec<Amount>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    one_of: Option<Vec<Amount>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<Amount>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SliceRepr {
    offset: u32,
    length: u8,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenCapRepr {
    token: Checked,
    #[serde(default)]
    limit: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spenders: Option<Vec<Checked>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    periodic: Option<PeriodicRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    streaming: Option<StreamingRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decimals: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    symbol: Option<String>,
}

/// An address as the format reads it: `0x` and 40 hex digits, all lowercase, all uppercase,
/// or mixed case that is its EIP-55 checksum.
#[derive(Clone, Copy)]
struct Checked(Address);

impl Serialize for Checked {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_address(&text).map(Checked).map_err(serde::de::Error::custom)
    }
}

/// Parses an address: `0x` and 40 hex digits; a mixed-case one must be its EIP-55 checksum (a
/// wrong checksum is a typo in an address, which must not pass).
pub fn parse_address(text: &str) -> Result<Address, String> {
    address(text).map_err(|why| format!("{} is not an address: {why}", quote(text)))
}

/// [`parse_address`], with only the reason as its error.
fn address(text: &str) -> Result<Address, String> {
    let digits = "expected 0x and 40 hex digits";
    let hex = text.strip_prefix("0x").ok_or(digits)?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(digits.into());
    }
    let address: Address = text.parse().map_err(|_| digits)?;
    let lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if lower && upper && address.to_checksum(None) != text {
        return Err(format!(
            "wrong EIP-55 checksum (the checksummed form is {}; all lowercase is also accepted)",
            address.to_checksum(None)
        ));
    }
    Ok(address)
}

/// A length of time in seconds: written as an integer, read from an integer or from a string
/// `"<n> <unit>"` with unit `second(s)`, `minute(s)`, `hour(s)`, `day(s)` or `week(s)`.
#[derive(Clone, Copy)]
struct Duration(u64);

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl serde::de::Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a duration: whole seconds, or a string such as \"30 days\"")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Duration, E> {
                Ok(Duration(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Duration, E> {
                u64::try_from(n)
                    .map(Duration)
                    .map_err(|_| E::custom(format!("duration {n} is negative")))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Duration, E> {
                Err(E::custom(format!("duration {x} is not a whole number of seconds")))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Duration, E> {
                parse_duration(text).map(Duration).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// Parses a duration: whole seconds, or `"<n> <unit>"` with unit `second`, `minute`, `hour`,
/// `day` or `week` (singular or plural).
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = |why: &str| format!("duration {}: {why}", quote(text));
    let trimmed = text.trim();
    let (number, unit) = trimmed.split_once(' ').unwrap_or((trimmed, "seconds"));
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("not a whole number"));
    }
    let n: u64 = number.parse().map_err(|_| bad("does not fit in 64 bits"))?;
    let seconds = match unit.trim().trim_end_matches('s') {
        "second" => 1,
        "minute" => 60,
        "hour" => 3_600,
        "day" => 86_400,
        "week" => 604_800,
        other => {
            return Err(bad(&format!(
                "unknown unit {other:?} (use seconds, minutes, hours, days or weeks)"
            )));
        }
    };
    n.checked_mul(seconds).ok_or_else(|| bad("does not fit in 64 bits"))
}

/// A 256-bit amount: written as a decimal string, read from an integer or a string.
#[derive(Clone, Copy)]
struct Amount(U256);

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AmountVisitor;
        impl serde::de::Visitor<'_> for AmountVisitor {
            type Value = Amount;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("an amount: a non-negative integer or a string such as \"1.5 ether\"")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Amount, E> {
                Ok(Amount(U256::from(n)))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Amount, E> {
                u64::try_from(n)
                    .map(|n| Amount(U256::from(n)))
                    .map_err(|_| E::custom(format!("amount {n} is negative")))
            }
            fn visit_u128<E: serde::de::Error>(self, n: u128) -> Result<Amount, E> {
                Ok(Amount(U256::from(n)))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Amount, E> {
                Err(E::custom(format!(
                    "amount {x} is not an integer below 2^64; write amounts as strings \
                     (\"18446744073709551616\", \"1.5 ether\")"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Amount, E> {
                parse_amount(text).map(Amount).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(AmountVisitor)
    }
}

/// Parses an amount: decimal, `0x` hex, or decimal with a `wei`/`gwei`/`ether` unit.
pub fn parse_amount(text: &str) -> Result<U256, String> {
    let bad = |why: &str| format!("amount {}: {why}", quote(text));
    let trimmed = text.trim();
    if let Some(hex) = trimmed.strip_prefix("0x") {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("expected hex digits after 0x"));
        }
        return U256::from_str_radix(hex, 16).map_err(|_| bad("does not fit in 256 bits"));
    }
    let (number, decimals) = match trimmed.split_once(' ') {
        None => (trimmed, 0u8),
        Some((number, unit)) => match unit.trim() {
            "wei" => (number, 0),
            "gwei" => (number, 9),
            "ether" => (number, 18),
            other => return Err(bad(&format!("unknown unit {other:?} (use wei, gwei or ether)"))),
        },
    };
    let (whole, fraction) = match number.split_once('.') {
        // `1.` and `.5` are not written with nothing on one side of the point.
        Some((_, "")) | Some(("", _)) => return Err(bad("not a number")),
        Some(parts) => parts,
        None => (number, ""),
    };
    let is_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !is_digits(whole) || !is_digits(fraction) {
        return Err(bad("not a number"));
    }
    if fraction.len() > usize::from(decimals) {
        return Err(bad(&format!("more than {decimals} decimals")));
    }
    // Checked above: alloy's `parse_units` would drop extra decimals and take a sign.
    alloy_primitives::utils::parse_units(number, decimals)
        .map(|units| units.get_absolute())
        .map_err(|_| bad("does not fit in 256 bits"))
}

/// Parses an ABI type name (spec §6): `address`, `bool`, `uintN`/`uint`, `bytesN`, `bytes`,
/// `string`.
pub fn parse_abi_type(name: &str) -> Result<AbiType, String> {
    parse_type_name(name, TypeNames::Supported)
}

/// [`parse_abi_type`], with the widths `names` accepts.
fn parse_type_name(name: &str, names: TypeNames) -> Result<AbiType, String> {
    let ty = match name.trim() {
        "address" => AbiType::Address,
        "bool" => AbiType::Bool,
        "bytes" => AbiType::Bytes,
        "string" => AbiType::String,
        "uint" => AbiType::Uint(256),
        other => {
            let parsed = if let Some(bits) = other.strip_prefix("uint") {
                bits.parse().ok().map(AbiType::Uint)
            } else if let Some(n) = other.strip_prefix("bytes") {
                n.parse().ok().map(AbiType::FixedBytes)
            } else {
                None
            };
            // The canonical name only: `parse` would also read `uint+8` and `uint08`.
            match parsed {
                Some(ty)
                    if (ty.is_supported() || names == TypeNames::WellFormed)
                        && ty.to_string() == other =>
                {
                    ty
                }
                _ => {
                    return Err(format!(
                        "unsupported argument type {} (supported: address, bool, uintN, bytesN, \
                         bytes, string)",
                        quote(other)
                    ));
                }
            }
        }
    };
    Ok(ty)
}

/// Parses a function signature such as `transfer(address,uint256)` into its selector and
/// argument types. Tuples and arrays are not part of the spec (v1 or v2).
pub fn parse_function(signature: &str) -> Result<([u8; 4], Vec<AbiType>), String> {
    let bad = |why: &str| format!("function {}: {why}", quote(signature));
    let (name, rest) = signature.trim().split_once('(').ok_or_else(|| bad("missing '('"))?;
    let params = rest.strip_suffix(')').ok_or_else(|| bad("missing ')' at the end"))?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(bad("the name must be a Solidity identifier"));
    }
    let types: Vec<AbiType> = if params.trim().is_empty() {
        Vec::new()
    } else {
        params.split(',').map(parse_abi_type).collect::<Result<_, _>>().map_err(|e| bad(&e))?
    };
    let canonical =
        format!("{name}({})", types.iter().map(ToString::to_string).collect::<Vec<_>>().join(","));
    let hash = keccak256(canonical.as_bytes());
    Ok(([hash[0], hash[1], hash[2], hash[3]], types))
}

fn parse_selector(text: &str) -> Result<Selector, String> {
    if text == "empty" {
        return Ok(Selector::Empty);
    }
    let hex = text.strip_prefix("0x").unwrap_or(text);
    // Digits are checked before any slicing: `from_str_radix` would take a `+` sign, and a
    // multi-byte character would put a slice boundary inside it.
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "selector {}: expected 0x and 8 hex digits, or \"empty\"",
            quote(text)
        ));
    }
    let mut bytes = [0u8; 4];
    alloy_primitives::hex::decode_to_slice(hex, &mut bytes)
        .map_err(|_| format!("selector {}: not hex", quote(text)))?;
    Ok(Selector::Exact(bytes))
}

/// The longest piece of an input an error message quotes, in characters (`docs/limits.md`).
pub const MAX_QUOTED_CHARS: usize = 64;

/// `text` quoted for a one-line error message: escaped like a Rust string (so control
/// characters cannot reach the terminal) and cut after [`MAX_QUOTED_CHARS`] characters, saying
/// how long the whole input was.
pub fn quote(text: &str) -> String {
    let chars = text.chars().count();
    if chars <= MAX_QUOTED_CHARS {
        return format!("{text:?}");
    }
    let head: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    format!("{:?}... ({chars} characters)", head)
}

fn bounded<T: Default, const N: usize>(
    items: Vec<T>,
    what: &str,
) -> Result<BoundedVec<T, N>, String> {
    let found = items.len();
    BoundedVec::try_from_iter(items).map_err(|_| format!("at most {N} {what}, found {found}"))
}

impl TryFrom<PolicyRepr> for Policy {
    type Error = String;

    fn try_from(repr: PolicyRepr) -> Result<Self, String> {
        Policy::from_repr(repr, TypeNames::Supported)
    }
}

impl Policy {
    /// A policy from its file form, its argument types read as `names` says; spec §12 is not
    /// checked.
    fn from_repr(repr: PolicyRepr, names: TypeNames) -> Result<Self, String> {
        if !(1..=FORMAT_VERSION).contains(&repr.version) {
            return Err(format!(
                "policy format version {} is not supported (this leash reads versions 1 to \
                 {FORMAT_VERSION})",
                repr.version
            ));
        }
        let version = repr.version;
        let valid_after = repr.valid_after;
        let permissions = repr
            .permissions
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                Permission::from_repr(p, names).map_err(|e| format!("permission {i}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let erc20 = repr
            .erc20
            .into_iter()
            .enumerate()
            .map(|(i, cap)| {
                let context = |e: String| format!("erc20 cap {i}: {e}");
                let spenders = cap
                    .spenders
                    .map(|s| bounded(s.into_iter().map(|c| c.0).collect(), "spenders"))
                    .transpose()
                    .map_err(context)?;
                let (periodic, streaming) =
                    allowances(version, valid_after, cap.periodic, cap.streaming)
                        .map_err(context)?;
                if let Some(decimals) = cap.decimals.filter(|d| *d > TokenSymbol::MAX_DECIMALS) {
                    return Err(context(format!(
                        "decimals {decimals}: at most {} (10^{} is the largest power of ten in \
                         256 bits)",
                        TokenSymbol::MAX_DECIMALS,
                        TokenSymbol::MAX_DECIMALS
                    )));
                }
                let symbol = cap
                    .symbol
                    .map(|text| {
                        TokenSymbol::new(&text).map_err(|e| format!("symbol {}: {e}", quote(&text)))
                    })
                    .transpose()
                    .map_err(context)?;
                Ok(TokenCap {
                    token: cap.token.0,
                    limit: required(version, "limit", cap.limit).map_err(context)?,
                    spenders,
                    periodic,
                    streaming,
                    decimals: cap.decimals,
                    symbol,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let native = repr
            .native
            .map(|n| {
                let context = |e: String| format!("native: {e}");
                let (periodic, streaming) =
                    allowances(version, valid_after, n.periodic, n.streaming).map_err(context)?;
                Ok::<_, String>(NativeCap {
                    per_call: required(version, "per_call", n.per_call).map_err(context)?,
                    total: required(version, "total", n.total).map_err(context)?,
                    periodic,
                    streaming,
                })
            })
            .transpose()?;
        if version < GAS_VERSION && (repr.gas.is_some() || repr.chains.is_some()) {
            let which = if repr.gas.is_some() { "a gas rule" } else { "a chain list" };
            return Err(format!(
                "{which} needs policy format version {GAS_VERSION} (the file says version \
                 {version})"
            ));
        }
        let gas = repr.gas.map(gas_limit).transpose().map_err(|e| format!("gas: {e}"))?;
        let chains = repr
            .chains
            .map(|chains| bounded(chains.into_iter().map(|c| c.0).collect(), "chains"))
            .transpose()?;
        Ok(Policy {
            valid_after: repr.valid_after,
            valid_until: repr.valid_until,
            permissions: bounded(permissions, "permissions")?,
            native,
            erc20: bounded(erc20, "erc20 caps")?,
            usage_limit: repr.usage_limit,
            rate_limit: repr
                .rate_limit
                .map(|r| RateLimit { max_calls: r.max_calls, interval: r.interval }),
            gas,
            chains,
        })
    }
}

/// A gas rule from its file form (spec §16).
fn gas_limit(repr: GasRepr) -> Result<GasLimit, String> {
    let max_fee_per_gas = repr
        .max_fee_per_gas
        .map(|fee| {
            u128::try_from(fee.0).map_err(|_| {
                format!("max_fee_per_gas {} does not fit in 128 bits (spec §16.2)", fee.0)
            })
        })
        .transpose()?;
    let paymaster = match (repr.paymaster.as_deref(), repr.paymasters) {
        (None | Some("any"), None) => PaymasterRule::Any,
        (None | Some("required"), Some(list)) => {
            PaymasterRule::OneOf(bounded(list.into_iter().map(|c| c.0).collect(), "paymasters")?)
        }
        (Some("required"), None) => PaymasterRule::Required,
        (Some("any"), Some(_)) => {
            return Err("paymaster = \"any\" contradicts a paymasters allowlist (an allowlist \
                        requires one of its paymasters)"
                .into());
        }
        (Some(other), _) => {
            return Err(format!("paymaster {}: expected \"any\" or \"required\"", quote(other)));
        }
    };
    Ok(GasLimit {
        paymaster,
        max_fee_per_gas,
        per_op: repr.per_op.map(|a| a.0),
        total: repr.total.map(|a| a.0),
    })
}

fn gas_repr(gas: &GasLimit) -> GasRepr {
    let (paymaster, paymasters) = match gas.paymaster {
        PaymasterRule::Any => (None, None),
        PaymasterRule::Required => (Some("required".into()), None),
        PaymasterRule::OneOf(list) => (None, Some(list.iter().copied().map(Checked).collect())),
    };
    GasRepr {
        max_fee_per_gas: gas.max_fee_per_gas.map(|fee| Amount(U256::from(fee))),
        per_op: gas.per_op.map(Amount),
        total: gas.total.map(Amount),
        paymaster,
        paymasters,
    }
}

/// A cap's amount: required in version 1; in version 2, absent means no limit (`2^256 - 1`).
fn required(version: u32, field: &str, amount: Option<Amount>) -> Result<U256, String> {
    match amount {
        Some(amount) => Ok(amount.0),
        None if version >= ALLOWANCES_VERSION => Ok(U256::MAX),
        None => Err(format!("missing field `{field}` (required in policy format version 1)")),
    }
}

/// A cap's allowances over time, which need format version 2; a missing `start` is the
/// policy's `valid_after`.
fn allowances(
    version: u32,
    valid_after: u64,
    periodic: Option<PeriodicRepr>,
    streaming: Option<StreamingRepr>,
) -> Result<(Option<PeriodicAllowance>, Option<StreamingAllowance>), String> {
    if version < ALLOWANCES_VERSION && (periodic.is_some() || streaming.is_some()) {
        let which = if periodic.is_some() { "periodic" } else { "streaming" };
        return Err(format!(
            "a {which} allowance needs policy format version {ALLOWANCES_VERSION} (the file says \
             version {version})"
        ));
    }
    let periodic = periodic.map(|p| PeriodicAllowance {
        amount: p.amount.0,
        period: p.period.0,
        start: p.start.unwrap_or(valid_after),
    });
    let streaming = streaming
        .map(|s| {
            let rate = u128::try_from(s.rate.0).map_err(|_| {
                format!("streaming rate {} does not fit in 128 bits (spec §12.9)", s.rate.0)
            })?;
            Ok::<_, String>(StreamingAllowance {
                initial: s.initial.map_or(U256::ZERO, |a| a.0),
                rate,
                max: s.max.0,
                start: s.start.unwrap_or(valid_after),
            })
        })
        .transpose()?;
    Ok((periodic, streaming))
}

fn periodic_repr(p: PeriodicAllowance) -> PeriodicRepr {
    PeriodicRepr { amount: Amount(p.amount), period: Duration(p.period), start: Some(p.start) }
}

fn streaming_repr(s: StreamingAllowance) -> StreamingRepr {
    StreamingRepr {
        initial: Some(Amount(s.initial)),
        rate: Amount(U256::from(s.rate)),
        max: Amount(s.max),
        start: Some(s.start),
    }
}

impl Policy {
    /// The lowest policy format version that expresses this policy: 3 if it has a gas rule or
    /// a chain list, else 2 if any cap has an allowance over time, else 1.
    pub fn format_version(&self) -> u32 {
        if self.has_gas_or_chains() {
            GAS_VERSION
        } else if self.has_allowances_over_time() {
            ALLOWANCES_VERSION
        } else {
            1
        }
    }
}

impl TryFrom<PermissionRepr> for Permission {
    type Error = String;

    fn try_from(repr: PermissionRepr) -> Result<Self, String> {
        Permission::from_repr(repr, TypeNames::Supported)
    }
}

impl Permission {
    /// A permission from its file form, its argument types read as `names` says.
    fn from_repr(repr: PermissionRepr, names: TypeNames) -> Result<Self, String> {
        let target = match repr.target.as_str() {
            "*" => Target::Any,
            text => Target::Address(parse_address(text).map_err(|e| format!("target {e}"))?),
        };
        let (selector, args) = match (&repr.function, &repr.selector, repr.args) {
            (Some(function), None, None) => {
                let (selector, types) = parse_function(function)?;
                (Selector::Exact(selector), Some(types))
            }
            (None, Some(selector), args) => {
                let args = args
                    .map(|types| types.iter().map(|n| parse_type_name(n, names)).collect())
                    .transpose()?;
                (parse_selector(selector)?, args)
            }
            (Some(_), _, _) => {
                return Err("give either `function` or `selector` (with optional `args`), not \
                            both"
                    .into());
            }
            (None, None, _) => {
                return Err("needs `function = \"name(types)\"` or `selector = \"0x...\"`".into());
            }
        };
        let rules = repr
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, r)| ArgRule::try_from(r).map_err(|e| format!("rule {i}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Permission {
            target,
            selector,
            args: args.map(|a| bounded(a, "arguments")).transpose()?,
            rules: bounded(rules, "rules")?,
        })
    }
}

/// A one-value condition's name, its value in the file, and its constructor.
type SimpleCondition = (&'static str, Option<Amount>, fn(U256) -> Condition);

impl TryFrom<RuleRepr> for ArgRule {
    type Error = String;

    fn try_from(r: RuleRepr) -> Result<Self, String> {
        let mut conditions = Vec::new();
        let simple: [SimpleCondition; 6] = [
            ("eq", r.eq, Condition::Eq),
            ("neq", r.neq, Condition::Neq),
            ("gt", r.gt, Condition::Gt),
            ("gte", r.gte, Condition::Gte),
            ("lt", r.lt, Condition::Lt),
            ("lte", r.lte, Condition::Lte),
        ];
        for (name, value, make) in simple {
            if let Some(value) = value {
                conditions.push((name, make(value.0)));
            }
        }
        if let Some(range) = r.in_range {
            let [lo, hi] = range[..] else {
                return Err(format!(
                    "in_range needs exactly two values [lo, hi], found {}",
                    range.len()
                ));
            };
            conditions.push(("in_range", Condition::InRange { lo: lo.0, hi: hi.0 }));
        }
        if let Some(values) = r.one_of {
            let values = bounded(values.into_iter().map(|v| v.0).collect(), "one_of values")?;
            conditions.push(("one_of", Condition::OneOf(values)));
        }
        let condition = match conditions.len() {
            1 => conditions.remove(0).1,
            0 => {
                return Err("needs a condition: one of eq, neq, gt, gte, lt, lte, in_range, \
                            one_of"
                    .into());
            }
            _ => {
                let names: Vec<_> = conditions.iter().map(|(name, _)| *name).collect();
                return Err(format!("has {} conditions; give exactly one", names.join(" and ")));
            }
        };
        Ok(ArgRule {
            arg: r.arg,
            slice: r.slice.map(|s| Slice { offset: s.offset, length: s.length }),
            condition,
            limit: r.limit.map(|l| l.0),
        })
    }
}

impl From<&Policy> for PolicyRepr {
    fn from(policy: &Policy) -> Self {
        PolicyRepr {
            version: policy.format_version(),
            valid_after: policy.valid_after,
            valid_until: policy.valid_until,
            usage_limit: policy.usage_limit,
            native: policy.native.map(|n| NativeRepr {
                per_call: Some(Amount(n.per_call)),
                total: Some(Amount(n.total)),
                periodic: n.periodic.map(periodic_repr),
                streaming: n.streaming.map(streaming_repr),
            }),
            rate_limit: policy
                .rate_limit
                .map(|r| RateLimitRepr { max_calls: r.max_calls, interval: r.interval }),
            permissions: policy.permissions.iter().map(PermissionRepr::from).collect(),
            erc20: policy
                .erc20
                .iter()
                .map(|cap| TokenCapRepr {
                    token: Checked(cap.token),
                    limit: Some(Amount(cap.limit)),
                    spenders: cap.spenders.map(|s| s.iter().copied().map(Checked).collect()),
                    periodic: cap.periodic.map(periodic_repr),
                    streaming: cap.streaming.map(streaming_repr),
                    decimals: cap.decimals,
                    symbol: cap.symbol.map(|s| s.as_str().to_string()),
                })
                .collect(),
            gas: policy.gas.as_ref().map(gas_repr),
            chains: policy.chains.map(|chains| chains.iter().copied().map(ChainId).collect()),
        }
    }
}

impl From<&Permission> for PermissionRepr {
    fn from(p: &Permission) -> Self {
        PermissionRepr {
            target: match p.target {
                Target::Any => "*".into(),
                Target::Address(a) => a.to_checksum(None),
            },
            function: None,
            selector: Some(match p.selector {
                Selector::Empty => "empty".into(),
                Selector::Exact(s) => format!("0x{}", alloy_primitives::hex::encode(s)),
            }),
            args: p.args.map(|args| args.iter().map(ToString::to_string).collect()),
            rules: p.rules.iter().map(RuleRepr::from).collect(),
        }
    }
}

impl From<&ArgRule> for RuleRepr {
    fn from(rule: &ArgRule) -> Self {
        let mut repr = RuleRepr {
            arg: rule.arg,
            slice: rule.slice.map(|s| SliceRepr { offset: s.offset, length: s.length }),
            eq: None,
            neq: None,
            gt: None,
            gte: None,
            lt: None,
            lte: None,
            in_range: None,
            one_of: None,
            limit: rule.limit.map(Amount),
        };
        match rule.condition {
            Condition::Eq(v) => repr.eq = Some(Amount(v)),
            Condition::Neq(v) => repr.neq = Some(Amount(v)),
            Condition::Gt(v) => repr.gt = Some(Amount(v)),
            Condition::Gte(v) => repr.gte = Some(Amount(v)),
            Condition::Lt(v) => repr.lt = Some(Amount(v)),
            Condition::Lte(v) => repr.lte = Some(Amount(v)),
            Condition::InRange { lo, hi } => repr.in_range = Some(vec![Amount(lo), Amount(hi)]),
            Condition::OneOf(values) => {
                repr.one_of = Some(values.iter().copied().map(Amount).collect());
            }
        }
        repr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_signatures_give_their_selector_and_types() {
        let (selector, types) = parse_function("transfer(address,uint256)").unwrap();
        assert_eq!(selector, [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(types, [AbiType::Address, AbiType::Uint(256)]);
        // `uint` is an alias of `uint256` in the canonical signature.
        assert_eq!(parse_function("transfer(address, uint)").unwrap().0, selector);
        assert_eq!(parse_function("ping()").unwrap().1, []);
    }

    #[test]
    fn bad_signatures_quote_the_input() {
        for (text, needle) in [
            ("transfer", "missing '('"),
            ("transfer(address", "missing ')'"),
            ("f(uint7)", "unsupported argument type \"uint7\""),
            ("f(uint256[])", "unsupported argument type \"uint256[]\""),
            ("(address)", "Solidity identifier"),
        ] {
            let err = parse_function(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn amounts_accept_integers_hex_and_units() {
        assert_eq!(parse_amount("1000").unwrap(), U256::from(1000));
        assert_eq!(parse_amount("0xff").unwrap(), U256::from(255));
        assert_eq!(parse_amount("1 gwei").unwrap(), U256::from(1_000_000_000u64));
        assert_eq!(parse_amount("0.5 ether").unwrap(), U256::from(500_000_000_000_000_000u64));
        assert!(parse_amount("1.5").unwrap_err().contains("more than 0 decimals"));
        assert!(parse_amount("1 finney").unwrap_err().contains("unknown unit"));
        assert!(parse_amount("-3").unwrap_err().contains("not a number"));
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(parse_amount(max).unwrap(), U256::MAX);
        assert!(parse_amount(&format!("{max}0")).unwrap_err().contains("256 bits"));
        // Within 256 bits as digits, beyond them once scaled by the unit.
        assert!(parse_amount(&format!("{max} ether")).unwrap_err().contains("256 bits"));
        assert_eq!(parse_amount("1.25 gwei").unwrap(), U256::from(1_250_000_000u64));
        assert_eq!(
            parse_amount("1.000000000000000001 ether").unwrap(),
            U256::from(10u64.pow(18) + 1)
        );
        assert!(parse_amount("1.0000000000000000001 ether").unwrap_err().contains("more than 18"));
    }

    #[test]
    fn selectors_parse_hex_and_empty() {
        assert_eq!(parse_selector("empty").unwrap(), Selector::Empty);
        assert_eq!(parse_selector("0x00000000").unwrap(), Selector::Exact([0; 4]));
        assert!(parse_selector("0x123").is_err());
        assert!(parse_selector("0xzzzzzzzz").is_err());
    }

    /// Issue #17 D2: a selector whose 8 bytes split a multi-byte character panicked.
    #[test]
    fn selectors_with_non_ascii_characters_are_errors_not_panics() {
        for text in ["0xa\u{e9}23456", "\u{e9}\u{e9}\u{e9}\u{e9}", "0x1234567\u{e9}"] {
            let err = parse_selector(text).unwrap_err();
            assert!(err.contains("expected 0x and 8 hex digits"), "{err}");
        }
    }

    /// Issue #17 D7: `from_str_radix` reads `+1+2+3+4` as the bytes 01 02 03 04.
    #[test]
    fn selectors_with_signs_are_errors_not_other_selectors() {
        assert!(parse_selector("+1+2+3+4").is_err());
        assert!(parse_selector("0x+1+2+3+4").is_err());
        assert_eq!(
            parse_selector("0xA9059cbb").unwrap(),
            Selector::Exact([0xa9, 0x05, 0x9c, 0xbb])
        );
    }

    #[test]
    fn token_units_round_trip_and_are_checked() {
        let cap = |units: &str| {
            let text = format!(
                r#"{{"version": 1, "valid_after": 1, "valid_until": 2, "erc20": [{{"token":
                "0x00000000000000000000000000000000000000e0", "limit": "5"{units}}}]}}"#
            );
            serde_json::from_str::<Policy>(&text).map_err(|e| e.to_string())
        };
        let named = cap(r#", "decimals": 6, "symbol": "USDC""#).expect("valid units");
        assert_eq!(named.erc20[0].decimals, Some(6));
        assert_eq!(named.erc20[0].symbol.map(|s| s.as_str().to_string()).as_deref(), Some("USDC"));
        let json = serde_json::to_string(&named).unwrap();
        assert!(json.contains(r#""decimals":6,"symbol":"USDC""#), "{json}");
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), named);
        // Display only: a policy that names them writes the version it did before.
        assert_eq!(named.format_version(), 1);
        // Without them nothing is written.
        let plain = cap("").unwrap();
        assert!(!serde_json::to_string(&plain).unwrap().contains("decimals"));
        let error = cap(r#", "decimals": 78"#).unwrap_err();
        assert!(error.contains("erc20 cap 0: decimals 78: at most 77"), "{error}");
        let error = cap(r#", "symbol": "US DC""#).unwrap_err();
        assert!(error.contains(r#"symbol "US DC": a symbol is printable ASCII"#), "{error}");
        let error = cap(r#", "symbol": "ABCDEFGHIJKLMNOPQ""#).unwrap_err();
        assert!(error.contains("1 to 16 characters"), "{error}");
        assert!(cap(r#", "symbol": """#).is_err());
        assert!(cap(r#", "decimals": 256"#).is_err());
    }

    #[test]
    fn quoted_inputs_are_escaped_and_cut() {
        assert_eq!(quote("a\u{1b}[2Jb"), "\"a\\u{1b}[2Jb\"");
        let long = "7".repeat(1 << 20);
        let quoted = quote(&long);
        assert!(quoted.len() < 100, "{quoted}");
        assert!(quoted.ends_with("... (1048576 characters)"), "{quoted}");
    }
}
