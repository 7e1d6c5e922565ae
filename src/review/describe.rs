//! A policy in plain English: who acts, when, what it may call and how much it may move.
//! Each section carries its facts (for JSON) and its sentences (for people).

use alloy_primitives::{Address, U256, hex};
use leash_model::bounds::TIME_MAX;
use leash_model::format::chain_name;
use leash_model::{
    AbiType, ArgRule, Condition, GasLimit, PaymasterRule, PeriodicAllowance, Permission, Policy,
    Selector, StreamingAllowance, Target, WindowPredicate,
};
use serde::Serialize;

use super::known::{self, KnownFunction};
use crate::human;

/// Who may act (spec §2).
pub(super) fn who() -> Vec<String> {
    vec![
        "The session key. The policy does not name it: the account names the key when it \
         installs the session (§2.1). Whoever holds that key may do what follows, and nothing \
         else (§5.3)."
            .to_string(),
        "Only the account can revoke the session; from then on every op is denied (§2.2, \
         §2.3.2). Installing it again starts every counter from zero (§2.1). Seed advice: \
         \"Build clear revoke session controls.\""
            .to_string(),
    ]
}

/// The time window (spec §11), judged against `now` with EntryPoint v0.8's predicate
/// (`valid_after < now <= valid_until`; no end read as `TIME_MAX`, and no window at all when
/// both bounds are 0).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct When {
    /// The policy's `valid_after` (unix seconds; 0: from installation).
    pub(crate) valid_after: u64,
    /// The policy's `valid_until` (unix seconds; 0: no end).
    pub(crate) valid_until: u64,
    /// `valid_until == 0`.
    pub(crate) no_end: bool,
    /// Where `now` falls: `not started`, `active` or `ended`.
    pub(crate) status: WindowStatus,
    /// How long a session installed at `now` can act, if the window has an end and is not over.
    pub(crate) usable_for_seconds: Option<u64>,
    /// The window in sentences.
    pub(crate) text: Vec<String>,
}

/// Where a moment falls relative to a window (EntryPoint v0.8 predicate, spec §11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WindowStatus {
    /// `now <= valid_after`: every op is denied `NotYetValid`.
    NotStarted,
    /// Inside the window.
    Active,
    /// `now > valid_until`: every op is denied `Expired`.
    Ended,
}

/// The last second a window allows (EntryPoint v0.8 reads no end as `TIME_MAX`).
pub(super) fn last_second(policy: &Policy) -> u64 {
    if policy.valid_until == 0 { TIME_MAX } else { policy.valid_until }
}

/// The predicate the reference module's EntryPoint applies (spec §11).
const ENTRY_POINT: WindowPredicate = WindowPredicate::EntryPointV08;

/// Where `now` falls relative to the policy's window, by the model's own predicate.
pub(super) fn window_status(policy: &Policy, now: u64) -> WindowStatus {
    if ENTRY_POINT.unbounded(policy.valid_after, policy.valid_until) {
        WindowStatus::Active
    } else if !ENTRY_POINT.after_start(policy.valid_after, now) {
        WindowStatus::NotStarted
    } else if !ENTRY_POINT.before_end(policy.valid_until, now) {
        WindowStatus::Ended
    } else {
        WindowStatus::Active
    }
}

/// How long a session installed at `now` can act: from the later of `now` and the start, to
/// the end. `None` without an end or once the window is over.
pub(super) fn usable_for(policy: &Policy, now: u64) -> Option<u64> {
    if policy.valid_until == 0 || now > policy.valid_until {
        return None;
    }
    Some(policy.valid_until - now.max(policy.valid_after))
}

/// The window in words and facts, judged at `now`.
pub(super) fn when(policy: &Policy, now: u64) -> When {
    let mut text = Vec::new();
    text.push(if policy.valid_after == 0 {
        "Starts: as soon as the session is installed (valid_after = 0).".to_string()
    } else {
        format!(
            "Starts: after {} (valid_after = {}; the first usable second is the next one, §11.1).",
            human::utc(policy.valid_after),
            policy.valid_after
        )
    });
    text.push(if ENTRY_POINT.unbounded(policy.valid_after, policy.valid_until) {
        "Ends: NEVER (with valid_after and valid_until both 0 the module returns validationData \
         0, for which the EntryPoint skips its time check, §11). Only revocation stops it."
            .to_string()
    } else if policy.valid_until == 0 {
        format!(
            "Ends: NEVER (valid_until = 0 means no end; the EntryPoint reads it as {}, §11). Only \
             revocation stops it.",
            human::utc(TIME_MAX)
        )
    } else {
        format!(
            "Ends: at {}, that second included (valid_until = {}, §11.2).",
            human::utc(policy.valid_until),
            policy.valid_until
        )
    });
    if policy.valid_until != 0 && policy.valid_after != 0 {
        text.push(format!("Length: {}.", human::duration(policy.valid_until - policy.valid_after)));
    }
    let status = window_status(policy, now);
    let now_text = human::utc(now);
    text.push(match status {
        WindowStatus::NotStarted => format!(
            "Now ({now_text}): not started; it starts in {}.",
            human::duration(policy.valid_after - now + 1)
        ),
        WindowStatus::Active if policy.valid_until == 0 => {
            format!("Now ({now_text}): active, with no end.")
        }
        WindowStatus::Active => {
            format!("Now ({now_text}): active; {} left.", human::duration(policy.valid_until - now))
        }
        WindowStatus::Ended => format!(
            "Now ({now_text}): over; it ended {} ago.",
            human::duration(now - last_second(policy))
        ),
    });
    When {
        valid_after: policy.valid_after,
        valid_until: policy.valid_until,
        no_end: policy.valid_until == 0,
        status,
        usable_for_seconds: usable_for(policy, now),
        text,
    }
}

/// One permission, described.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PermissionView {
    /// Its index in the file's `permissions` list (from 0, as the validator's errors count).
    pub(crate) index: usize,
    /// `*` for any target, else the checksummed address.
    pub(crate) target: String,
    /// `0x` and four bytes, or `empty` for plain value transfers.
    pub(crate) selector: String,
    /// The well-known function with this selector, with parameter names, if the table has one.
    pub(crate) function: Option<String>,
    /// Where that function comes from (`ERC-20`, `reference Game`).
    pub(crate) family: Option<&'static str>,
    /// The declared argument types; `null` when not declared (any bytes after the selector).
    pub(crate) args: Option<Vec<String>>,
    /// Each rule, in words.
    pub(crate) rules: Vec<String>,
    /// The permission in sentences: a headline (`Call attack(uint256 monsterId) on 0x...`),
    /// then the arguments, rules and notes.
    pub(crate) text: Vec<String>,
}

/// Every permission, in file order.
pub(super) fn what(policy: &Policy) -> Vec<PermissionView> {
    policy.permissions.iter().enumerate().map(|(index, p)| permission(policy, index, p)).collect()
}

/// A target in words: `ANY contract` (or `ANY address` for plain transfers) or the address.
pub(super) fn target_words(target: Target, plain_transfer: bool) -> String {
    match target {
        Target::Any if plain_transfer => "ANY address".to_string(),
        Target::Any => "ANY contract".to_string(),
        Target::Address(address) => address.to_checksum(None),
    }
}

/// The well-known function with the permission's selector, if the table has one. Its
/// parameter names are shown only when the declared types agree with it ([`declared_match`]).
pub(super) fn known_function(p: &Permission) -> Option<&'static KnownFunction> {
    let Selector::Exact(selector) = p.selector else { return None };
    known::function(selector)
}

/// Whether the declared types are exactly the known function's.
fn declared_match(p: &Permission, function: &KnownFunction) -> bool {
    p.args.as_ref().is_some_and(|args| {
        let declared: Vec<String> = args.iter().map(ToString::to_string).collect();
        declared == function.param_types()
    })
}

/// A short name for a permission in lint messages: `permission 2 (transfer on ANY contract)`.
pub(super) fn label(index: usize, p: &Permission) -> String {
    let call = match (p.selector, known_function(p)) {
        (Selector::Empty, _) => "plain transfers".to_string(),
        (Selector::Exact(_), Some(function)) => function.name().to_string(),
        (Selector::Exact(selector), None) => format!("selector 0x{}", hex::encode(selector)),
    };
    let to = if p.selector == Selector::Empty { "to" } else { "on" };
    format!(
        "permission {} ({call} {to} {})",
        index + 1,
        target_words(p.target, p.selector == Selector::Empty)
    )
}

/// One permission: its call, its arguments and rules, and how the policy's caps bear on it.
fn permission(policy: &Policy, index: usize, p: &Permission) -> PermissionView {
    let function = known_function(p);
    let names_apply = function.is_some_and(|f| declared_match(p, f));
    let mut text = Vec::new();
    match p.selector {
        Selector::Empty => text.push(format!(
            "Send native value with empty calldata (a plain transfer) to {}.",
            target_words(p.target, true)
        )),
        Selector::Exact(selector) => {
            let call = match function {
                Some(f) => format!("{} [{}, 0x{}]", f.display(), f.family, hex::encode(selector)),
                None => format!(
                    "the function with selector 0x{} (not in leash's table of well-known \
                     functions)",
                    hex::encode(selector)
                ),
            };
            text.push(format!("Call {call} on {}.", target_words(p.target, false)));
        }
    }
    match (&p.args, p.selector) {
        (_, Selector::Empty) => {}
        (None, _) => text.push(
            "Arguments: not declared, so any bytes after the selector are accepted and none is \
             checked (§6)."
                .to_string(),
        ),
        (Some(args), _) if args.is_empty() => {
            text.push("Arguments: none; the calldata must be exactly the selector (§6.1).".into());
        }
        (Some(args), _) => {
            let list: Vec<String> = args
                .iter()
                .enumerate()
                .map(|(j, ty)| {
                    match function.filter(|_| names_apply).and_then(|f| f.params.get(j)) {
                        Some(name) => format!("{ty} {name}"),
                        None => ty.to_string(),
                    }
                })
                .collect();
            text.push(format!(
                "Arguments: ({}), decoded strictly: only their canonical ABI encoding passes \
                 (§6.1).",
                list.join(", ")
            ));
            if let Some(f) = function.filter(|_| !names_apply) {
                text.push(format!(
                    "Note: the declared types differ from the well-known {}; calls must match the \
                     declared types.",
                    f.signature
                ));
            }
        }
    }
    // The amount argument of an ERC-20 function, on a token whose decimals the policy names (or
    // a well-known token), reads in the token's units.
    let amount = match (p.target, function) {
        (Target::Address(token), Some(f))
            if names_apply && matches!(f.effect, known::Effect::Erc20Capped(_)) =>
        {
            known::units_at(policy, token)
                .filter(|(decimals, _)| decimals.is_some())
                .map(|units| TokenAmountArg { index: f.params.len() - 1, units })
        }
        _ => None,
    };
    let rules: Vec<String> =
        p.rules.iter().map(|rule| rule_words(p, rule, function, names_apply, amount)).collect();
    if p.rules.is_empty() && p.args.as_ref().is_some_and(|args| !args.is_empty()) {
        text.push("Rules: none, so any argument values pass.".to_string());
    }
    for rule in &rules {
        text.push(format!("Rule: {rule}."));
    }
    if let Target::Address(target) = p.target
        && let Some((_, cap)) = policy.token_cap(target)
    {
        let erc20 = matches!(function.map(|f| f.effect), Some(known::Effect::Erc20Capped(_)));
        text.push(if erc20 {
            let mut over_time = Vec::new();
            if let Some(p) = &cap.periodic {
                let amount = known::token_amount(cap, p.amount);
                over_time.push(format!("{amount} {} (§8.6)", per(p.period)));
            }
            if cap.streaming.is_some() {
                over_time.push("what its stream has unlocked (§8.7)".to_string());
            }
            let over_time = if over_time.is_empty() {
                String::new()
            } else {
                format!("; together they must also stay within {}", over_time.join(" and "))
            };
            format!(
                "This token has an ERC-20 cap of {}: each call counts its full amount (§8.5){over_time}.",
                known::token_amount(cap, cap.limit)
            )
        } else {
            "This target has an ERC-20 cap, which admits only transfer, approve, transferFrom and \
             increaseAllowance (§8.1): this permission can never be used."
                .to_string()
        });
    }
    if function.is_some_and(|f| f.effect == known::Effect::Executes) {
        text.push(
            "It executes calls of its own; this policy does not check the calls inside.".into(),
        );
    }
    PermissionView {
        index,
        target: match p.target {
            Target::Any => "*".to_string(),
            Target::Address(address) => address.to_checksum(None),
        },
        selector: match p.selector {
            Selector::Empty => "empty".to_string(),
            Selector::Exact(selector) => format!("0x{}", hex::encode(selector)),
        },
        function: function.map(KnownFunction::display),
        family: function.map(|f| f.family),
        args: p.args.as_ref().map(|args| args.iter().map(ToString::to_string).collect()),
        rules,
        text,
    }
}

/// `argument 2 (uint256 amount)`, numbered from 1; the parameter name when the table knows it.
fn arg_name(
    p: &Permission,
    j: usize,
    function: Option<&KnownFunction>,
    names_apply: bool,
) -> String {
    let ty = p.args.as_ref().and_then(|args| args.get(j)).map_or("?".into(), ToString::to_string);
    let name = function
        .filter(|_| names_apply)
        .and_then(|f| f.params.get(j))
        .map_or(String::new(), |name| format!(" {name}"));
    format!("argument {} ({ty}{name})", j + 1)
}

/// The argument of an ERC-20 function that is an amount of the token, and the token's units.
#[derive(Clone, Copy)]
struct TokenAmountArg<'a> {
    /// The argument's index.
    index: usize,
    /// The token's decimals and symbol ([`known::units_at`]).
    units: (Option<u8>, Option<&'a str>),
}

/// One rule in words: `argument 1 (uint256 monsterId) must be at most 100; at most 5000 in
/// total over the session`. A rule on `amount`, a token amount argument, shows its values in the
/// token's units: `must be at most 20 LEASH (20000000000000000000 base units)`.
fn rule_words(
    p: &Permission,
    rule: &ArgRule,
    function: Option<&KnownFunction>,
    names_apply: bool,
    amount: Option<TokenAmountArg<'_>>,
) -> String {
    let j = usize::from(rule.arg);
    let ty = p.args.as_ref().and_then(|args| args.get(j)).copied().unwrap_or(AbiType::Bytes);
    let argument = arg_name(p, j, function, names_apply);
    let (subject, shown) = match rule.slice {
        Some(slice) => {
            let end = u64::from(slice.offset) + u64::from(slice.length);
            let subject = if slice.offset == 0 && slice.length == 4 {
                format!("the first 4 bytes of {argument} (a nested call's selector)")
            } else {
                let reading = if slice.length == 20 {
                    "an address".to_string()
                } else {
                    format!("a {}-byte number", slice.length)
                };
                format!(
                    "bytes {} to {} of the content of {argument}, read as {reading},",
                    slice.offset,
                    end - 1,
                )
            };
            (subject, ValueShape::Slice(slice.length))
        }
        None => (argument, ValueShape::Static(ty)),
    };
    let units = amount.filter(|a| rule.slice.is_none() && a.index == j).map(|a| a.units);
    let value = |v: U256| match units {
        Some((decimals, symbol)) => known::amount_in(v, decimals, symbol),
        None => shown.render(v),
    };
    let condition = match &rule.condition {
        Condition::Eq(r) => format!("must equal {}", value(*r)),
        Condition::Neq(r) => format!("must not equal {}", value(*r)),
        Condition::Gt(r) => format!("must be more than {}", value(*r)),
        Condition::Gte(r) => format!("must be at least {}", value(*r)),
        Condition::Lt(r) => format!("must be less than {}", value(*r)),
        Condition::Lte(r) => format!("must be at most {}", value(*r)),
        Condition::InRange { lo, hi } => {
            format!("must be between {} and {} (both included)", value(*lo), value(*hi))
        }
        Condition::OneOf(values) => match values.as_slice() {
            [only] => format!("must equal {}", value(*only)),
            values => {
                let shown: Vec<String> = values.iter().map(|v| value(*v)).collect();
                let (last, rest) = shown.split_last().expect("one_of has at least two here");
                format!("must be one of {} or {last}", rest.join(", "))
            }
        },
    };
    let limit = rule.limit.map_or(String::new(), |limit| {
        let limit = match units {
            Some((decimals, symbol)) => known::amount_in(limit, decimals, symbol),
            None => human::integer(limit),
        };
        format!("; at most {limit} in total over the session (§6.4)")
    });
    format!("{subject} {condition}{limit}")
}

/// How a rule's value reads for its argument.
#[derive(Clone, Copy)]
enum ValueShape {
    /// The word of a static argument of this type.
    Static(AbiType),
    /// A slice of this many bytes of a dynamic argument.
    Slice(u8),
}

impl ValueShape {
    /// The value as the argument's type reads it: an address checksummed, a bool as a word,
    /// `bytesN` and slices in hex, integers in decimal.
    fn render(self, value: U256) -> String {
        let word = value.to_be_bytes::<32>();
        match self {
            Self::Static(AbiType::Address) if value.bit_len() <= 160 => {
                Address::from_slice(&word[12..]).to_checksum(None)
            }
            Self::Static(AbiType::Bool) if value <= U256::from(1) => {
                (if value == U256::ZERO { "false" } else { "true" }).to_string()
            }
            Self::Static(AbiType::FixedBytes(n))
                if word[usize::from(n)..].iter().all(|b| *b == 0) =>
            {
                format!("0x{}", hex::encode(&word[..usize::from(n)]))
            }
            Self::Slice(4) => {
                let selector = [word[28], word[29], word[30], word[31]];
                match known::function(selector) {
                    Some(f) if value.bit_len() <= 32 => {
                        format!("0x{} ({})", hex::encode(selector), f.name())
                    }
                    _ => format!("{value:#x}"),
                }
            }
            Self::Slice(20) if value.bit_len() <= 160 => {
                Address::from_slice(&word[12..]).to_checksum(None)
            }
            Self::Slice(length) if value.bit_len() <= 8 * usize::from(length) => {
                format!("0x{}", hex::encode(&word[32 - usize::from(length)..]))
            }
            Self::Static(AbiType::FixedBytes(_)) | Self::Slice(_) => format!("{value:#x}"),
            Self::Static(_) => human::integer(value),
        }
    }
}

/// The caps and limits (spec §7 to §10).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct HowMuch {
    /// The native-value cap in wei (decimal strings), if any.
    pub(crate) native: Option<NativeView>,
    /// The ERC-20 caps.
    pub(crate) erc20: Vec<TokenView>,
    /// The most calls ever, if limited.
    pub(crate) usage_limit: Option<u64>,
    /// The rate limit, if any.
    pub(crate) rate_limit: Option<RateView>,
    /// The gas rule, if any (spec §16).
    pub(crate) gas: Option<GasView>,
    /// The chains the session may act on; `null` for every chain (spec §17).
    pub(crate) chains: Option<Vec<ChainView>>,
    /// The caps in sentences.
    pub(crate) text: Vec<String>,
}

/// The native-value cap (spec §7), in wei as decimal strings.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct NativeView {
    /// The most one execution may send.
    pub(crate) per_call: String,
    /// The most the session may send in total.
    pub(crate) total: String,
    /// The periodic allowance, if any (spec §7.4).
    pub(crate) periodic: Option<PeriodicView>,
    /// The streaming allowance, if any (spec §7.5).
    pub(crate) streaming: Option<StreamingView>,
}

/// An ERC-20 cap (spec §8), amounts as decimal strings in the token's base units.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TokenView {
    /// The token.
    pub(crate) token: String,
    /// The most the session may move in total.
    pub(crate) limit: String,
    /// The spenders approvals may name; `null` for any.
    pub(crate) spenders: Option<Vec<String>>,
    /// The periodic allowance, if any (spec §8.6).
    pub(crate) periodic: Option<PeriodicView>,
    /// The streaming allowance, if any (spec §8.7).
    pub(crate) streaming: Option<StreamingView>,
    /// The decimals amounts are shown with: the policy's, else a well-known token's.
    pub(crate) decimals: Option<u8>,
    /// The symbol amounts are shown with: the policy's, else a well-known token's.
    pub(crate) symbol: Option<String>,
}

/// A periodic allowance (spec §15.2), the amount as a decimal string in base units.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PeriodicView {
    /// The most one period may move.
    pub(crate) amount: String,
    /// The period's length in seconds.
    pub(crate) period_seconds: u64,
    /// When the first period begins (unix seconds).
    pub(crate) start: u64,
}

impl From<PeriodicAllowance> for PeriodicView {
    fn from(p: PeriodicAllowance) -> Self {
        Self { amount: p.amount.to_string(), period_seconds: p.period, start: p.start }
    }
}

/// A streaming allowance (spec §15.3), amounts as decimal strings in base units.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct StreamingView {
    /// What is available at `start`.
    pub(crate) initial: String,
    /// What unlocks per second.
    pub(crate) rate_per_second: String,
    /// The most the stream ever unlocks.
    pub(crate) max: String,
    /// When the stream begins (unix seconds).
    pub(crate) start: u64,
    /// The second the stream has unlocked `max`, if it gets there by `TIME_MAX`.
    pub(crate) full_at: Option<u64>,
}

impl From<StreamingAllowance> for StreamingView {
    fn from(s: StreamingAllowance) -> Self {
        Self {
            initial: s.initial.to_string(),
            rate_per_second: s.rate.to_string(),
            max: s.max.to_string(),
            start: s.start,
            full_at: stream_full_at(&s),
        }
    }
}

/// The second a stream has unlocked its `max` (spec §15.3), if that is by `TIME_MAX`.
pub(super) fn stream_full_at(s: &StreamingAllowance) -> Option<u64> {
    if s.initial >= s.max {
        return Some(s.start);
    }
    if s.rate == 0 || s.max == U256::MAX {
        return None;
    }
    let seconds = (s.max - s.initial).div_ceil(U256::from(s.rate));
    u64::try_from(seconds)
        .ok()
        .and_then(|seconds| s.start.checked_add(seconds))
        .filter(|t| *t <= TIME_MAX)
}

/// `per day` for a period of exactly one unit, else `per 30 days`.
fn per(period: u64) -> String {
    let words = human::duration(period);
    match words.strip_prefix("1 ") {
        Some(unit) if !unit.contains(' ') => format!("per {unit}"),
        _ => format!("per {words}"),
    }
}

/// A periodic allowance in words: `up to 5 USDC (5000000 base units) per 30 days, starting
/// 1 Jan 2027`, with what happens at its edges. `amount` renders an amount of what it counts.
fn periodic_words(p: &PeriodicAllowance, clause: &str, amount: &dyn Fn(U256) -> String) -> String {
    format!(
        "up to {} {}, starting {} ({clause}). A period begins every {} from then, its first \
         second included; what a period leaves unspent does not carry over, and before the start \
         nothing may be moved",
        amount(p.amount),
        per(p.period),
        human::moment(p.start),
        human::duration(p.period)
    )
}

/// A streaming allowance in words: `a stream of 1 gwei per second from 1 Jan 2027, ...`.
fn streaming_words(
    s: &StreamingAllowance,
    clause: &str,
    amount: &dyn Fn(U256) -> String,
) -> String {
    let start = human::moment(s.start);
    let flow = if s.rate == 0 {
        format!("a fixed {} from {start}", amount(s.initial))
    } else {
        format!(
            "{} at {start}, then {} more per second",
            amount(s.initial),
            amount(U256::from(s.rate))
        )
    };
    let limit = if s.max == U256::MAX {
        "with no maximum of its own".to_string()
    } else {
        let when = match stream_full_at(s) {
            Some(t) => format!("reached {}", human::moment(t)),
            None => "not reached before 2^48-1".to_string(),
        };
        format!("up to {} in all ({when})", amount(s.max))
    };
    format!(
        "{flow}, {limit} ({clause}). What is not spent stays available; nothing is available \
         before the start"
    )
}

/// The rate limit (spec §9).
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct RateView {
    /// Calls allowed per interval.
    pub(crate) max_calls: u8,
    /// The interval in seconds.
    pub(crate) interval: u64,
}

/// A gas rule (spec §16), amounts in wei as decimal strings.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct GasView {
    /// `any`, `required`, or `allowlist`.
    pub(crate) paymaster: &'static str,
    /// The paymasters of an allowlist.
    pub(crate) paymasters: Option<Vec<String>>,
    /// The highest `maxFeePerGas`, if capped.
    pub(crate) max_fee_per_gas: Option<String>,
    /// The most one op may cost, if limited.
    pub(crate) per_op: Option<String>,
    /// The most all the session's ops may cost, if limited.
    pub(crate) total: Option<String>,
}

/// A chain the session may act on (spec §17).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ChainView {
    /// The chain id.
    pub(crate) id: u64,
    /// Its name, if leash knows it.
    pub(crate) name: Option<&'static str>,
}

/// A fee per gas in gwei with every significant decimal, then in wei.
fn gwei(wei: u128) -> String {
    let whole = wei / 1_000_000_000;
    let fraction = format!("{:09}", wei % 1_000_000_000);
    let fraction = fraction.trim_end_matches('0');
    let gwei = if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") };
    format!("{gwei} gwei ({wei} wei)")
}

/// A chain by name and id (`Base (8453)`), or by id alone.
fn chain_words(id: u64) -> String {
    match chain_name(id) {
        Some(name) => {
            let mut chars = name.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
            format!("{}{} ({id})", first.unwrap_or_default(), chars.as_str())
        }
        None => format!("chain {id}"),
    }
}

/// The gas rule (spec §16) in one sentence.
fn gas_words(gas: Option<&GasLimit>) -> String {
    let Some(gas) = gas else {
        return "Gas: no limit. Unless a paymaster pays, the account prefunds every op the \
                session sends at whatever gas limits and maxFeePerGas its key signs (§16)."
            .to_string();
    };
    let mut limits = Vec::new();
    if let Some(total) = gas.total {
        limits.push(format!("may spend at most {} on gas in total", human::ether(total)));
    }
    if let Some(per_op) = gas.per_op {
        limits.push(format!("at most {} per op", human::ether(per_op)));
    }
    if let Some(fee) = gas.max_fee_per_gas {
        limits.push(format!("with maxFeePerGas at most {}", gwei(fee)));
    }
    let limits = if limits.is_empty() {
        "no limit on what an op may cost".to_string()
    } else {
        limits.join(", ")
    };
    let payer = match &gas.paymaster {
        PaymasterRule::Any => "paid by the account or any paymaster".to_string(),
        PaymasterRule::Required => "only ops a paymaster pays for: never the account".to_string(),
        PaymasterRule::OneOf(list) => format!(
            "only ops paid by {}",
            list.iter().map(|p| p.to_checksum(None)).collect::<Vec<_>>().join(" or ")
        ),
    };
    format!(
        "Gas: {limits}; {payer}. An op's cost is its maximum, the gas limits times \
         maxFeePerGas that the EntryPoint prefunds, counted when it is validated whoever pays \
         (§16)."
    )
}

/// The chain list (spec §17) in one sentence.
fn chain_sentence(chains: Option<&[u64]>) -> String {
    match chains {
        None => "Chains: any chain the account is on (§17).".to_string(),
        Some(list) => {
            let words: Vec<String> = list.iter().map(|id| chain_words(*id)).collect();
            let joined = match words.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => words.join(""),
            };
            format!("Chains: only on {joined} (§17).")
        }
    }
}

/// The caps and limits in words and facts.
pub(super) fn how_much(policy: &Policy) -> HowMuch {
    let mut text = Vec::new();
    match policy.native {
        None => text.push("Native value: none; every call must send 0 (§7.1).".to_string()),
        Some(cap) => {
            let total = if cap.total == U256::MAX {
                "no total limit (2^256-1 wei)".to_string()
            } else {
                format!("{} in total", human::ether(cap.total))
            };
            let per_call = if cap.per_call == U256::MAX {
                "no per-call limit".to_string()
            } else {
                format!("at most {} per call", human::ether(cap.per_call))
            };
            text.push(format!(
                "Native value: {per_call} and {total}, on any permitted call (§7.2, §7.3)."
            ));
            let ether = |v: U256| human::ether(v);
            if let Some(p) = &cap.periodic {
                text.push(format!(
                    "Native value per period: {}.",
                    periodic_words(p, "§7.4", &ether)
                ));
            }
            if let Some(s) = &cap.streaming {
                text.push(format!(
                    "Native value streamed: {}.",
                    streaming_words(s, "§7.5", &ether)
                ));
            }
        }
    }
    for cap in &policy.erc20 {
        let spenders = match &cap.spenders {
            None => "approvals may name any spender".to_string(),
            Some(list) if list.is_empty() => {
                "no approvals at all (its spender list is empty)".into()
            }
            Some(list) => format!(
                "approvals only to {}",
                list.iter().map(|s| s.to_checksum(None)).collect::<Vec<_>>().join(", ")
            ),
        };
        let name = match (&cap.symbol, known::token(cap.token)) {
            (Some(symbol), _) => format!("{} ({})", cap.token.to_checksum(None), symbol.as_str()),
            (None, Some(known)) => {
                format!("{} ({} on {})", cap.token.to_checksum(None), known.symbol, known.chain)
            }
            (None, None) => cap.token.to_checksum(None),
        };
        let limit = if cap.limit == U256::MAX {
            "no total limit (2^256-1 base units)".to_string()
        } else {
            format!("at most {} in total", known::token_amount(cap, cap.limit))
        };
        text.push(format!(
            "Token {name}: {limit} over transfer, approve, transferFrom and increaseAllowance, \
             each counting its full amount (§8.5); {spenders} (§8.4); transferFrom only from \
             the account itself (§8.3); every other function on it is denied (§8.1)."
        ));
        let amount = |v: U256| known::token_amount(cap, v);
        if let Some(p) = &cap.periodic {
            text.push(format!("Token {name} per period: {}.", periodic_words(p, "§8.6", &amount)));
        }
        if let Some(s) = &cap.streaming {
            text.push(format!("Token {name} streamed: {}.", streaming_words(s, "§8.7", &amount)));
        }
    }
    text.push(match policy.usage_limit {
        Some(limit) => {
            format!("Calls: at most {} over the session (§10).", human::group_digits(limit))
        }
        None => "Calls: no usage limit (up to 2^64-1, §10).".to_string(),
    });
    text.push(match policy.rate_limit {
        Some(rate) => format!(
            "Rate: at most {} in any {}{} (§9).",
            human::plural(u64::from(rate.max_calls), "call"),
            human::plural(rate.interval, "second"),
            if rate.interval >= 60 {
                format!(" ({})", human::duration(rate.interval))
            } else {
                String::new()
            }
        ),
        None => "Rate: no rate limit (§9).".to_string(),
    });
    text.push(gas_words(policy.gas.as_ref()));
    text.push(chain_sentence(policy.chains.as_ref().map(|c| c.as_slice())));
    text.push(
        "Counters move when an op is validated and are not refunded if its execution reverts \
         (§13.1)."
            .to_string(),
    );
    HowMuch {
        native: policy.native.map(|cap| NativeView {
            per_call: cap.per_call.to_string(),
            total: cap.total.to_string(),
            periodic: cap.periodic.map(PeriodicView::from),
            streaming: cap.streaming.map(StreamingView::from),
        }),
        erc20: policy
            .erc20
            .iter()
            .map(|cap| TokenView {
                token: cap.token.to_checksum(None),
                limit: cap.limit.to_string(),
                spenders: cap
                    .spenders
                    .as_ref()
                    .map(|list| list.iter().map(|s| s.to_checksum(None)).collect()),
                periodic: cap.periodic.map(PeriodicView::from),
                streaming: cap.streaming.map(StreamingView::from),
                decimals: known::token_units(cap).0,
                symbol: known::token_units(cap).1.map(str::to_string),
            })
            .collect(),
        usage_limit: policy.usage_limit,
        rate_limit: policy
            .rate_limit
            .map(|rate| RateView { max_calls: rate.max_calls, interval: rate.interval }),
        gas: policy.gas.map(|gas| GasView {
            paymaster: match gas.paymaster {
                PaymasterRule::Any => "any",
                PaymasterRule::Required => "required",
                PaymasterRule::OneOf(_) => "allowlist",
            },
            paymasters: match gas.paymaster {
                PaymasterRule::OneOf(list) => {
                    Some(list.iter().map(|p| p.to_checksum(None)).collect())
                }
                _ => None,
            },
            max_fee_per_gas: gas.max_fee_per_gas.map(|fee| fee.to_string()),
            per_op: gas.per_op.map(|v| v.to_string()),
            total: gas.total.map(|v| v.to_string()),
        }),
        chains: policy.chains.map(|list| {
            list.iter().map(|id| ChainView { id: *id, name: chain_name(*id) }).collect()
        }),
        text,
    }
}
