//! Lints: what in a policy goes against the seed articles' advice to product teams (short
//! expiry, value caps, approved contracts and methods, calldata parameter validation) or
//! resembles a bug class other Session Manager modules shipped (C1 to C13 of
//! `docs/bug-classes.md`). `docs/policy-review.md` lists them all.

use alloy_primitives::{U256, hex};
use leash_fuzz::limits::MAX_OP_CALLDATA;
use leash_model::{
    AbiType, Condition, PaymasterRule, PeriodicAllowance, Permission, Policy, Selector,
    StreamingAllowance, Target,
};
use serde::Serialize;
use std::fmt;

use super::describe::{self, WindowStatus};
use super::known::{ERC20_AMOUNT_ARG, Effect, Erc20Function};
use crate::human;

/// How much a lint matters. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    /// Worth knowing; not a risk by itself.
    Info,
    /// A risk or a likely mistake that can be intended.
    Warning,
    /// A policy that gives a leaked key more than the seed advice allows.
    Error,
}

impl Severity {
    /// The lowercase name (`error`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// A piece of seed advice a lint quotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Advice {
    /// The words of the article.
    pub(crate) quote: &'static str,
    /// Which article (its number in `docs/policy-review.md`'s table of seed articles).
    pub(crate) source: &'static str,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Lint {
    /// The stable id (`no-expiry`).
    pub(crate) id: LintId,
    /// How much it matters.
    pub(crate) severity: Severity,
    /// The spec clauses and bug classes it relates to (`§11`, `C7`).
    pub(crate) relates_to: &'static [&'static str],
    /// What was found, naming the part of the policy.
    pub(crate) message: String,
    /// Why it matters, in one line.
    pub(crate) why: &'static str,
    /// The seed advice it goes against, if one fits.
    pub(crate) advice: Option<Advice>,
}

/// A lint's stable id, written in kebab case (`no-expiry`); lints of one severity are listed in
/// the order of this enum, which is the order they are checked in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LintId {
    /// `no-expiry`.
    NoExpiry,
    /// `long-session`.
    LongSession,
    /// `window-ended`.
    WindowEnded,
    /// `window-not-started`.
    WindowNotStarted,
    /// `no-permissions`.
    NoPermissions,
    /// `unlimited-native-cap`.
    UnlimitedNativeCap,
    /// `unlimited-token-cap`.
    UnlimitedTokenCap,
    /// `token-units-differ`.
    TokenUnitsDiffer,
    /// `periodic-no-end`.
    PeriodicNoEnd,
    /// `unbounded-stream`.
    UnboundedStream,
    /// `allowance-after-end`.
    AllowanceAfterEnd,
    /// `period-shorter-than-rate-interval`.
    PeriodShorterThanRateInterval,
    /// `allowance-never-binds`.
    AllowanceNeverBinds,
    /// `allowance-allows-nothing`.
    AllowanceAllowsNothing,
    /// `no-call-limit`.
    NoCallLimit,
    /// `no-gas-limit`.
    NoGasLimit,
    /// `unbounded-max-fee`.
    UnboundedMaxFee,
    /// `value-only`.
    ValueOnly,
    /// `wildcard-target`.
    WildcardTarget,
    /// `executes-calls`.
    ExecutesCalls,
    /// `unrestricted-approve`.
    UnrestrictedApprove,
    /// `uncapped-token-transfer`.
    UncappedTokenTransfer,
    /// `uncapped-asset-function`.
    UncappedAssetFunction,
    /// `no-declared-arguments`.
    NoDeclaredArguments,
    /// `unchecked-arguments`.
    UncheckedArguments,
    /// `dynamic-argument-rule`.
    DynamicArgumentRule,
    /// `unreachable-slice`.
    UnreachableSlice,
    /// `sentinel-selector`.
    SentinelSelector,
    /// `dead-permission`.
    DeadPermission,
    /// `dead-token-cap`.
    DeadTokenCap,
}

impl LintId {
    /// Every lint id, in order (for the tests that check the docs list them all).
    #[cfg(test)]
    pub(crate) const ALL: [Self; 30] = [
        Self::NoExpiry,
        Self::LongSession,
        Self::WindowEnded,
        Self::WindowNotStarted,
        Self::NoPermissions,
        Self::UnlimitedNativeCap,
        Self::UnlimitedTokenCap,
        Self::TokenUnitsDiffer,
        Self::PeriodicNoEnd,
        Self::UnboundedStream,
        Self::AllowanceAfterEnd,
        Self::PeriodShorterThanRateInterval,
        Self::AllowanceNeverBinds,
        Self::AllowanceAllowsNothing,
        Self::NoCallLimit,
        Self::NoGasLimit,
        Self::UnboundedMaxFee,
        Self::ValueOnly,
        Self::WildcardTarget,
        Self::ExecutesCalls,
        Self::UnrestrictedApprove,
        Self::UncappedTokenTransfer,
        Self::UncappedAssetFunction,
        Self::NoDeclaredArguments,
        Self::UncheckedArguments,
        Self::DynamicArgumentRule,
        Self::UnreachableSlice,
        Self::SentinelSelector,
        Self::DeadPermission,
        Self::DeadTokenCap,
    ];

    /// The id as written: `no-expiry`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::NoExpiry => "no-expiry",
            Self::LongSession => "long-session",
            Self::WindowEnded => "window-ended",
            Self::WindowNotStarted => "window-not-started",
            Self::NoPermissions => "no-permissions",
            Self::UnlimitedNativeCap => "unlimited-native-cap",
            Self::UnlimitedTokenCap => "unlimited-token-cap",
            Self::TokenUnitsDiffer => "token-units-differ",
            Self::PeriodicNoEnd => "periodic-no-end",
            Self::UnboundedStream => "unbounded-stream",
            Self::AllowanceAfterEnd => "allowance-after-end",
            Self::PeriodShorterThanRateInterval => "period-shorter-than-rate-interval",
            Self::AllowanceNeverBinds => "allowance-never-binds",
            Self::AllowanceAllowsNothing => "allowance-allows-nothing",
            Self::NoCallLimit => "no-call-limit",
            Self::NoGasLimit => "no-gas-limit",
            Self::UnboundedMaxFee => "unbounded-max-fee",
            Self::ValueOnly => "value-only",
            Self::WildcardTarget => "wildcard-target",
            Self::ExecutesCalls => "executes-calls",
            Self::UnrestrictedApprove => "unrestricted-approve",
            Self::UncappedTokenTransfer => "uncapped-token-transfer",
            Self::UncappedAssetFunction => "uncapped-asset-function",
            Self::NoDeclaredArguments => "no-declared-arguments",
            Self::UncheckedArguments => "unchecked-arguments",
            Self::DynamicArgumentRule => "dynamic-argument-rule",
            Self::UnreachableSlice => "unreachable-slice",
            Self::SentinelSelector => "sentinel-selector",
            Self::DeadPermission => "dead-permission",
            Self::DeadTokenCap => "dead-token-cap",
        }
    }
}

impl fmt::Display for LintId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const SHORT_EXPIRY: Advice = Advice {
    quote: "Set time expiry aggressively short by default.",
    source: "seed 001, implementation checklist for product teams",
};
const NARROW_AND_SHORT: Advice = Advice {
    quote: "A narrow session key for one game action over ten minutes is very different from a \
            broad session key with high spend limits and weak expiration.",
    source: "seed 000, Session Keys Explained",
};
const VALUE_CAPS: Advice = Advice {
    quote: "Use value caps where assets are involved.",
    source: "seed 001, implementation checklist for product teams",
};
const APPROVED_CONTRACTS: Advice = Advice {
    quote: "Restrict to approved contracts and methods.",
    source: "seed 001, implementation checklist for product teams",
};
const CALL_COUNT: Advice = Advice {
    quote: "It can be limited by transaction count, which means it works only a certain number \
            of times.",
    source: "seed 000, Session Keys Explained",
};
const APPROVE_PARAMETERS: Advice = Advice {
    quote: "A session key scoped to approve(address,uint256) on a specific ERC-20 should also \
            validate the spender address and amount.",
    source: "seed 004, Zealynx glossary: Session Key",
};
const CALLDATA_PARAMETERS: Advice = Advice {
    quote: "Teams typically validate the target contract address and function selector \
            correctly but fail to validate calldata parameters.",
    source: "seed 004, Zealynx glossary: Session Key",
};
const DECODING_BUGS: Advice = Advice {
    quote: "A Q4 2025 Session Manager had a calldata-decoding bug that let attackers bypass \
            amount caps — favor audited implementations.",
    source: "seed 002, What Are Session Keys",
};
const GAS_LIMITS: Advice = Advice {
    quote: "Use value caps where assets are involved.",
    source: "seed 001, implementation checklist for product teams (gas the account prefunds is \
             an asset the session spends)",
};
const EXPLAIN_CLEARLY: Advice = Advice {
    quote: "If your app cannot clearly explain permissions to users, you are probably shipping a \
            system you do not fully control.",
    source: "seed 001, implementation checklist for product teams",
};

/// A session usable for longer than this is a warning...
const LONG_SESSION_WARNING: u64 = 7 * 24 * 3600;
/// ...and longer than this an error.
const LONG_SESSION_ERROR: u64 = 30 * 24 * 3600;

/// Lints `policy` as of unix time `now`; the most severe first, otherwise in check order.
pub(super) fn lint(policy: &Policy, now: u64) -> Vec<Lint> {
    let mut found = Vec::new();
    window(policy, now, &mut found);
    caps(policy, &mut found);
    gas(policy, &mut found);
    allowances(policy, &mut found);
    for (index, permission) in policy.permissions.iter().enumerate() {
        scope(policy, index, permission, &mut found);
        arguments(policy, index, permission, &mut found);
    }
    dead(policy, &mut found);
    // Stable: lints of one severity keep the order of `LintId`, then of the permissions.
    found.sort_by_key(|lint: &Lint| (std::cmp::Reverse(lint.severity), lint.id));
    found
}

/// The window: no end, too long, over, not started.
fn window(policy: &Policy, now: u64, found: &mut Vec<Lint>) {
    if policy.valid_until == 0 {
        found.push(Lint {
            id: LintId::NoExpiry,
            severity: Severity::Error,
            relates_to: &["§11", "C7"],
            message: "the session never ends (valid_until = 0): only revocation stops it"
                .to_string(),
            why: "a leaked key stays usable until someone notices, and modules disagree on what a \
                  zero end means (C7: no end on one path, expired on another)",
            advice: Some(SHORT_EXPIRY),
        });
    }
    match describe::window_status(policy, now) {
        WindowStatus::Ended => found.push(Lint {
            id: LintId::WindowEnded,
            severity: Severity::Warning,
            relates_to: &["§11.2"],
            message: format!(
                "the window ended at {}, {} before now: a session installed with this policy can \
                 do nothing",
                human::utc(describe::last_second(policy)),
                human::duration(now - describe::last_second(policy))
            ),
            why: "every op is denied Expired; the policy was probably meant for another date",
            advice: None,
        }),
        WindowStatus::NotStarted => found.push(Lint {
            id: LintId::WindowNotStarted,
            severity: Severity::Info,
            relates_to: &["§11.1"],
            message: format!(
                "the window opens after {}, in {}: until then every op is denied",
                human::utc(policy.valid_after),
                human::duration(policy.valid_after - now + 1)
            ),
            why: "ops before the start are denied NotYetValid; fine for a scheduled session",
            advice: None,
        }),
        WindowStatus::Active => {}
    }
    if let Some(usable) = describe::usable_for(policy, now)
        && usable > LONG_SESSION_WARNING
    {
        // A subscription or a savings plan is meant to last: when an allowance over time paces
        // every cap, a leaked key drains at most one period's (or the stream's) worth before
        // someone can notice, so a long window is a warning, not an error.
        let paced = paced_by_allowances(policy);
        let severity =
            if usable > LONG_SESSION_ERROR && !paced { Severity::Error } else { Severity::Warning };
        let threshold = match severity {
            Severity::Error => "more than 30 days is an error",
            _ if usable > LONG_SESSION_ERROR => {
                "more than 7 days is a warning (not an error past 30 days: an allowance over \
                 time paces every cap)"
            }
            _ => "more than 7 days is a warning",
        };
        found.push(Lint {
            id: LintId::LongSession,
            severity,
            relates_to: &["§11"],
            message: format!(
                "a session installed now can act for {} (until {}); {threshold}",
                human::duration(usable),
                human::utc(policy.valid_until),
            ),
            why: "the longer a session lasts, the longer a leaked key can spend what its caps \
                  allow",
            advice: Some(NARROW_AND_SHORT),
        });
    }
}

/// The policy-wide bounds: permissions at all, unreachable caps, call limits.
fn caps(policy: &Policy, found: &mut Vec<Lint>) {
    if policy.permissions.is_empty() {
        found.push(Lint {
            id: LintId::NoPermissions,
            severity: Severity::Warning,
            relates_to: &["§5.3"],
            message: "the policy has no permissions: every call is denied NotPermitted".into(),
            why: "a session that can do nothing is almost always a policy left unfinished",
            advice: None,
        });
    }
    if let Some(cap) = policy.native
        && cap.total == U256::MAX
        && !bounded_over_time(cap.periodic, cap.streaming)
    {
        found.push(Lint {
            id: LintId::UnlimitedNativeCap,
            severity: Severity::Error,
            relates_to: &["§7.3", "C5"],
            message: format!(
                "the native-value cap has no total (2^256-1 wei): the session can send the \
                 account's whole balance, {} per call",
                human::ether(cap.per_call)
            ),
            why: "a cap that cannot be reached does not cap anything",
            advice: Some(VALUE_CAPS),
        });
    }
    for cap in policy
        .erc20
        .iter()
        .filter(|cap| cap.limit == U256::MAX && !bounded_over_time(cap.periodic, cap.streaming))
    {
        found.push(Lint {
            id: LintId::UnlimitedTokenCap,
            severity: Severity::Error,
            relates_to: &["§8.5", "C6"],
            message: format!(
                "the ERC-20 cap on {} is 2^256-1: the session can move the account's whole \
                 balance of that token",
                cap.token.to_checksum(None)
            ),
            why: "a cap that cannot be reached does not cap anything",
            advice: Some(VALUE_CAPS),
        });
    }
    for cap in policy.erc20.iter() {
        let Some(known) = super::known::token(cap.token) else { continue };
        let decimals = cap.decimals.filter(|d| *d != known.decimals);
        let symbol = cap.symbol.filter(|s| s.as_str() != known.symbol);
        if decimals.is_none() && symbol.is_none() {
            continue;
        }
        let mut differences = Vec::new();
        if let Some(d) = decimals {
            differences.push(format!("{d} decimals (it has {})", known.decimals));
        }
        if let Some(s) = symbol {
            differences.push(format!("the symbol {} (it is {})", s.as_str(), known.symbol));
        }
        found.push(Lint {
            id: LintId::TokenUnitsDiffer,
            // Wrong decimals put every amount off by a power of ten.
            severity: if decimals.is_some() { Severity::Error } else { Severity::Warning },
            relates_to: &["§8"],
            message: format!(
                "the ERC-20 cap on {} ({} on {}) names {}: amounts written or read with them are \
                 not the token's",
                cap.token.to_checksum(None),
                known.symbol,
                known.chain,
                differences.join(" and ")
            ),
            why: "a cap written in the wrong decimals allows a power of ten more (or less) than \
                  meant, and the explanation shows it in the wrong units",
            advice: Some(EXPLAIN_CLEARLY),
        });
    }
    let usage_unlimited = policy.usage_limit.is_none_or(|limit| limit == u64::MAX);
    if usage_unlimited && policy.rate_limit.is_none() && !policy.permissions.is_empty() {
        found.push(Lint {
            id: LintId::NoCallLimit,
            severity: Severity::Warning,
            relates_to: &["§9", "§10"],
            message: "no usage limit and no rate limit: only the window and the caps bound how \
                      many calls the session makes"
                .to_string(),
            why: "a leaked key can call as often as blocks allow until the session ends or is \
                  revoked",
            advice: Some(CALL_COUNT),
        });
    }
}

/// Gas (spec §16): what the account may prefund for the session's ops.
fn gas(policy: &Policy, found: &mut Vec<Lint>) {
    if policy.permissions.is_empty() {
        return;
    }
    // Under a required paymaster (or an allowlist) the account never prefunds.
    let account_pays = policy.gas.is_none_or(|g| g.paymaster == PaymasterRule::Any);
    let limited = policy.gas.is_some_and(|g| g.total.is_some() || g.per_op.is_some());
    if account_pays && !limited {
        found.push(Lint {
            id: LintId::NoGasLimit,
            severity: Severity::Warning,
            relates_to: &["§16"],
            message: match policy.gas {
                None => "no gas rule: the account prefunds every op at whatever gas limits and \
                         maxFeePerGas the session key signs"
                    .to_string(),
                Some(_) => "the gas rule has no per-op or total limit and requires no \
                            paymaster: the account prefunds every op, with nothing bounding \
                            how many ops it prefunds"
                    .to_string(),
            },
            why: "a leaked key that sets the fee as high as it likes drains the account through \
                  the prefund, and a bundler it colludes with keeps the fee; value and token caps \
                  never see it",
            advice: Some(GAS_LIMITS),
        });
    }
    if let Some(g) = policy.gas
        && account_pays
        && g.max_fee_per_gas.is_none()
    {
        found.push(Lint {
            id: LintId::UnboundedMaxFee,
            severity: Severity::Warning,
            relates_to: &["§16.2"],
            message: "the gas rule does not cap maxFeePerGas: within its limits the session key \
                      chooses the price of gas, so few ops can spend the whole gas budget"
                .to_string(),
            why: "a fee far above the market price buys nothing but goes to the bundler, who may \
                  be the key's holder",
            advice: Some(GAS_LIMITS),
        });
    }
}

/// Whether an allowance over time bounds what a cap lets through when its lifetime total does
/// not: any periodic allowance (per period; `periodic-no-end` speaks for an open window), or a
/// stream with a maximum.
fn bounded_over_time(
    periodic: Option<PeriodicAllowance>,
    streaming: Option<StreamingAllowance>,
) -> bool {
    periodic.is_some() || streaming.is_some_and(|s| s.max != U256::MAX)
}

/// Whether the policy's value moves only under allowances over time: it has at least one cap,
/// and every cap it has (native value, each token) is bounded by a periodic allowance or a
/// stream with a maximum (spec §15).
fn paced_by_allowances(policy: &Policy) -> bool {
    let native = policy.native.is_none_or(|cap| bounded_over_time(cap.periodic, cap.streaming));
    let tokens = policy.erc20.iter().all(|cap| bounded_over_time(cap.periodic, cap.streaming));
    (policy.native.is_some() || !policy.erc20.is_empty()) && native && tokens
}

/// One cap's allowances over time, for the allowance lints: what the cap is called, its lifetime
/// total, its allowances, the clauses, and how to show one of its amounts.
struct TimedCap {
    name: String,
    total: U256,
    periodic: Option<PeriodicAllowance>,
    streaming: Option<StreamingAllowance>,
    clauses: &'static [&'static str],
    amount: Box<dyn Fn(U256) -> String>,
}

/// The allowances over time (spec §7.4, §7.5, §8.6, §8.7, §15): an open-ended subscription, a
/// stream without a maximum, allowances that start after the window ends, that renew faster than
/// the rate limit lets calls through, that never bind or that allow nothing.
fn allowances(policy: &Policy, found: &mut Vec<Lint>) {
    let mut caps = Vec::new();
    if let Some(cap) = policy.native {
        caps.push(TimedCap {
            name: "the native-value cap".into(),
            total: cap.total,
            periodic: cap.periodic,
            streaming: cap.streaming,
            clauses: &["§7.4", "§7.5", "§15"],
            amount: Box::new(human::ether),
        });
    }
    for &cap in policy.erc20.iter() {
        caps.push(TimedCap {
            name: format!("the ERC-20 cap on {}", cap.token.to_checksum(None)),
            total: cap.limit,
            periodic: cap.periodic,
            streaming: cap.streaming,
            clauses: &["§8.6", "§8.7", "§15"],
            amount: Box::new(move |v| super::known::token_amount(&cap, v)),
        });
    }
    for cap in &caps {
        if let Some(p) = cap.periodic {
            periodic_lints(policy, cap, &p, found);
        }
        if let Some(s) = cap.streaming {
            streaming_lints(policy, cap, &s, found);
        }
    }
}

fn periodic_lints(policy: &Policy, cap: &TimedCap, p: &PeriodicAllowance, found: &mut Vec<Lint>) {
    let name = &cap.name;
    if policy.valid_until == 0 {
        found.push(Lint {
            id: LintId::PeriodicNoEnd,
            severity: if cap.total == U256::MAX { Severity::Error } else { Severity::Warning },
            relates_to: &["§7.4", "§8.6", "§11"],
            message: format!(
                "{name} renews {} every {} and the window has no end: it pays forever{}",
                (cap.amount)(p.amount),
                human::duration(p.period),
                if cap.total == U256::MAX { ", with no lifetime total either" } else { "" }
            ),
            why: "a subscription is for a number of periods: set valid_until to start + n \
                  periods (12 monthly payments end 12 periods after the start)",
            advice: Some(SHORT_EXPIRY),
        });
    }
    let what = format!("the periodic allowance of {name}");
    shared_lints(policy, cap, &what, p.start, found);
    if let Some(rate) = policy.rate_limit
        && p.period < rate.interval
    {
        found.push(Lint {
            id: LintId::PeriodShorterThanRateInterval,
            severity: Severity::Warning,
            relates_to: &["§9", "§15.2"],
            message: format!(
                "the period of {name} ({}) is shorter than the rate limit's interval ({}): \
                 several periods pass between the calls the rate limit lets through",
                human::duration(p.period),
                human::duration(rate.interval)
            ),
            why: "the rate limit, not the period, then decides how fast the allowance can be \
                  spent; the two were likely meant in the same unit",
            advice: None,
        });
    }
    if p.amount >= cap.total && !p.amount.is_zero() {
        let per = (cap.amount)(p.amount);
        found.push(never_binds(cap, format!("{what} ({per} per period)")));
    }
    if p.amount.is_zero() {
        found.push(allows_nothing(cap, format!("{what} is 0 per period")));
    }
}

fn streaming_lints(policy: &Policy, cap: &TimedCap, s: &StreamingAllowance, found: &mut Vec<Lint>) {
    let name = &cap.name;
    if s.max == U256::MAX && s.rate != 0 {
        found.push(Lint {
            id: LintId::UnboundedStream,
            severity: if cap.total == U256::MAX { Severity::Error } else { Severity::Warning },
            relates_to: &["§7.5", "§8.7", "§15.3"],
            message: format!(
                "the stream of {name} ({} per second) has no maximum{}",
                (cap.amount)(U256::from(s.rate)),
                if cap.total == U256::MAX {
                    " and the cap no lifetime total: it accrues without end".to_string()
                } else {
                    format!(": only the lifetime total ({}) stops it", (cap.amount)(cap.total))
                }
            ),
            why: "a stream is a budget that fills over time; without a maximum a key left unused \
                  for long accrues a large sum it can spend at once",
            advice: Some(VALUE_CAPS),
        });
    }
    let what = format!("the stream of {name}");
    shared_lints(policy, cap, &what, s.start, found);
    if s.initial >= cap.total && !s.initial.is_zero() {
        let at_once = (cap.amount)(s.initial);
        found.push(never_binds(cap, format!("{what} (making {at_once} available at once)")));
    }
    if s.max.is_zero() {
        found.push(allows_nothing(cap, format!("{what} has a maximum of 0")));
    }
}

/// What both kinds of allowance are linted for by their start: one that begins after the
/// window ends never lets anything through.
fn shared_lints(policy: &Policy, cap: &TimedCap, what: &str, start: u64, found: &mut Vec<Lint>) {
    if policy.valid_until != 0 && start > policy.valid_until {
        found.push(Lint {
            id: LintId::AllowanceAfterEnd,
            severity: Severity::Warning,
            relates_to: cap.clauses,
            message: format!(
                "{what} starts at {}, after the window ends ({}): it never lets anything through",
                human::utc(start),
                human::utc(policy.valid_until)
            ),
            why: "before its start an allowance lets nothing through, and after the window ends \
                  every op is denied",
            advice: None,
        });
    }
}

/// `what` is at least the cap's lifetime total, which therefore always binds first.
fn never_binds(cap: &TimedCap, what: String) -> Lint {
    Lint {
        id: LintId::AllowanceNeverBinds,
        severity: Severity::Info,
        relates_to: cap.clauses,
        message: format!(
            "{what} is at least the lifetime total ({}): the total binds first",
            (cap.amount)(cap.total)
        ),
        why: "an allowance the lifetime cap always undercuts limits nothing",
        advice: None,
    }
}

/// `what` allows nothing.
fn allows_nothing(cap: &TimedCap, what: String) -> Lint {
    Lint {
        id: LintId::AllowanceAllowsNothing,
        severity: Severity::Warning,
        relates_to: cap.clauses,
        message: format!("{what}: nothing may move"),
        why: "an allowance of zero denies every non-zero amount",
        advice: None,
    }
}

/// Who a permission reaches and what its function does.
fn scope(policy: &Policy, index: usize, p: &Permission, found: &mut Vec<Lint>) {
    let label = describe::label(index, p);
    let function = describe::known_function(p);
    let effect = function.map_or(Effect::Other, |f| f.effect);
    if p.target == Target::Any && policy.native.is_some() {
        let plain = p.selector == Selector::Empty;
        found.push(Lint {
            id: LintId::ValueOnly,
            severity: if plain { Severity::Warning } else { Severity::Error },
            relates_to: &["§7", "C6"],
            message: if plain {
                format!(
                    "{label} sends native value to any address, and runs the receive or fallback \
                     code of any contract: only the native cap limits where value goes"
                )
            } else {
                format!(
                    "{label} can attach native value, up to the cap, to calls on any contract: \
                     the cap limits how much leaves, not where it goes"
                )
            },
            why: "value caps alone do not restrict calls (MetaMask NativeTokenStreamingEnforcer, \
                  Diligence 2-25 §5.1: a value-only caveat let any target and calldata through)",
            advice: Some(APPROVED_CONTRACTS),
        });
    }
    if p.target == Target::Any && p.selector != Selector::Empty {
        let moves =
            matches!(effect, Effect::Erc20Capped(_) | Effect::MovesAssets | Effect::Executes);
        found.push(Lint {
            id: LintId::WildcardTarget,
            severity: if moves { Severity::Error } else { Severity::Warning },
            relates_to: &["§5.3", "C9"],
            message: if moves {
                format!(
                    "{label}: a function that moves assets or runs calls, on every contract no \
                     other permission names (every token without its own cap included)"
                )
            } else {
                format!("{label} applies to every contract no other permission names")
            },
            why: "a wildcard reaches contracts nobody reviewed, including ones deployed after the \
                  session was granted",
            advice: Some(APPROVED_CONTRACTS),
        });
    }
    if effect == Effect::Executes {
        found.push(Lint {
            id: LintId::ExecutesCalls,
            severity: Severity::Error,
            relates_to: &["§4", "C4", "C13"],
            message: format!(
                "{label} lets the session make another contract execute calls this policy never \
                 sees"
            ),
            why: "§4 forbids calls to the account and the module, but another account or an \
                  executor runs whatever batch it is given (C4 (d) self-call escalation, C13)",
            advice: Some(APPROVED_CONTRACTS),
        });
    }
    if let Effect::Erc20Capped(erc20) = effect {
        token_function(policy, &label, p, erc20, found);
    }
    if effect == Effect::MovesAssets {
        found.push(Lint {
            id: LintId::UncappedAssetFunction,
            severity: Severity::Warning,
            relates_to: &["§8", "C6"],
            message: format!(
                "{label} moves or approves NFTs or multi-tokens, which no cap of a leash policy \
                 counts"
            ),
            why: "ERC-20 caps only count the four ERC-20 functions (§8.1); other asset functions \
                  are bounded by argument rules alone",
            advice: Some(VALUE_CAPS),
        });
    }
    if let Selector::Exact(selector @ ([0, 0, 0, 0] | [0xff, 0xff, 0xff, 0xff])) = p.selector {
        let elsewhere = if selector == [0, 0, 0, 0] {
            "ZeroDev CallPolicy's native-transfer selector, which there also matches empty calldata"
        } else {
            "SmartSessions' VALUE_SELECTOR, which there also matches empty and 1-3 byte calldata"
        };
        found.push(Lint {
            id: LintId::SentinelSelector,
            severity: Severity::Warning,
            relates_to: &["§5.1", "C9"],
            message: format!("{label} names 0x{}, {elsewhere}", hex::encode(selector)),
            why: "leash reads it as an ordinary selector (§5.1), but the same policy ported to a \
                  module that uses it as a sentinel allows more calls",
            advice: None,
        });
    }
}

/// The lints of a permission for one of the four ERC-20 functions of §8.1.
fn token_function(
    policy: &Policy,
    label: &str,
    p: &Permission,
    erc20: Erc20Function,
    found: &mut Vec<Lint>,
) {
    let cap = match p.target {
        Target::Address(token) => policy.token_cap(token).map(|(_, cap)| cap),
        Target::Any => None,
    };
    let amount_limited = argument_rule(p, amount_arg(erc20), |rule| rule.limit.is_some());
    if erc20.approves() {
        let spender_pinned = argument_rule(p, 0, |rule| {
            matches!(rule.condition, Condition::Eq(_) | Condition::OneOf(_))
        });
        let spender_open = !spender_pinned && cap.is_none_or(|cap| cap.spenders.is_none());
        let amount_open = cap.is_none() && !amount_limited;
        if spender_open || amount_open {
            let tokens = match p.target {
                Target::Any => "every token without its own ERC-20 cap",
                Target::Address(_) if cap.is_some() => "the token's ERC-20 cap lists no spenders",
                Target::Address(_) => "the token has no ERC-20 cap",
            };
            let what = match (spender_open, amount_open) {
                (true, true) => "any spender for any amount",
                (true, false) => "any spender",
                (false, _) => "any amount",
            };
            let rules = match (spender_open, amount_open) {
                (true, true) => "no rule pins the spender or limits the total amount",
                (true, false) => "no rule pins the spender",
                (false, _) => "no rule limits the total amount",
            };
            found.push(Lint {
                id: LintId::UnrestrictedApprove,
                severity: Severity::Error,
                relates_to: &["§8.4", "C6"],
                message: format!("{label} can approve {what}: {tokens}, and {rules}"),
                why: "an approval outlives the session: the spender can pull the tokens later, and \
                      a leaked key can approve itself",
                advice: Some(APPROVE_PARAMETERS),
            });
        }
    } else if cap.is_none() && !amount_limited {
        let from_others = if erc20 == Erc20Function::TransferFrom {
            "; without a cap, transferFrom may also spend allowances others gave the account \
             (§8.3 applies to capped tokens only)"
        } else {
            ""
        };
        let token = match p.target {
            Target::Any => "every token without its own ERC-20 cap".to_string(),
            Target::Address(token) => format!("{} has no ERC-20 cap", token.to_checksum(None)),
        };
        found.push(Lint {
            id: LintId::UncappedTokenTransfer,
            severity: Severity::Error,
            relates_to: &["§8", "C6"],
            message: format!("{label} moves tokens without a total: {token}{from_others}"),
            why: "without an ERC-20 cap (or a rule with a cumulative limit on the amount), a \
                  leaked key can move the account's whole balance",
            advice: Some(VALUE_CAPS),
        });
    }
}

/// The index of the amount argument of an ERC-20 function.
fn amount_arg(function: Erc20Function) -> usize {
    ERC20_AMOUNT_ARG.iter().find(|(f, _)| *f == function).map_or(1, |(_, arg)| *arg)
}

/// Whether the permission has a rule on argument `arg` (a static one) that satisfies `test`.
fn argument_rule(p: &Permission, arg: usize, test: impl Fn(&leash_model::ArgRule) -> bool) -> bool {
    p.rules.iter().any(|rule| usize::from(rule.arg) == arg && rule.slice.is_none() && test(rule))
}

/// Whether the permission's calldata is decoded and checked.
fn arguments(policy: &Policy, index: usize, p: &Permission, found: &mut Vec<Lint>) {
    let Selector::Exact(_) = p.selector else { return };
    let label = describe::label(index, p);
    let function = describe::known_function(p);
    // A capped token decodes the four ERC-20 functions itself (§8.2) and caps their amount.
    let capped_token_function = matches!(
        (p.target, function.map(|f| f.effect)),
        (Target::Address(token), Some(Effect::Erc20Capped(_))) if policy.token_cap(token).is_some()
    );
    match &p.args {
        None if !capped_token_function => {
            let declare = function.map_or(String::new(), |f| {
                format!("; declare them with function = \"{}\"", f.signature)
            });
            found.push(Lint {
                id: LintId::NoDeclaredArguments,
                severity: Severity::Warning,
                relates_to: &["§6", "§6.1"],
                message: format!(
                    "{label} declares no arguments, so any bytes after the selector pass and no \
                     rule can check them{declare}"
                ),
                why: "the selector alone says which function runs, not with what values",
                advice: Some(CALLDATA_PARAMETERS),
            });
        }
        Some(args) if !args.is_empty() && p.rules.is_empty() && !capped_token_function => {
            found.push(Lint {
                id: LintId::UncheckedArguments,
                severity: Severity::Info,
                relates_to: &["§6.3"],
                message: format!("{label} decodes its arguments but no rule checks their values"),
                why: "any values pass; fine when every value of the function is acceptable",
                advice: Some(CALLDATA_PARAMETERS),
            });
        }
        _ => {}
    }
    for (rule_index, rule) in p.rules.iter().enumerate() {
        let ty = p.args.as_ref().and_then(|args| args.get(usize::from(rule.arg))).copied();
        if ty.is_some_and(AbiType::is_dynamic) {
            found.push(Lint {
                id: LintId::DynamicArgumentRule,
                severity: Severity::Warning,
                relates_to: &["§6.1", "§6.2", "C2"],
                message: format!(
                    "{label} rule {} reads argument {} ({}), a dynamic type: leash follows its \
                     offset and accepts only the canonical encoding, modules that read rules at \
                     fixed offsets do not",
                    rule_index + 1,
                    usize::from(rule.arg) + 1,
                    ty.map_or(String::new(), |t| t.to_string())
                ),
                why: "a portability warning: ported to MetaMask AllowedCalldata, ZeroDev \
                      CallPolicy or SmartSessions UniActionPolicy, the rule can be bypassed by \
                      pointing the argument's head at other bytes (C2)",
                advice: Some(DECODING_BUGS),
            });
        }
        if let Some(slice) = rule.slice
            && u64::from(slice.offset) + u64::from(slice.length) > MAX_OP_CALLDATA as u64
        {
            found.push(Lint {
                id: LintId::UnreachableSlice,
                severity: Severity::Warning,
                relates_to: &["§6.2"],
                message: format!(
                    "{label} rule {} reads bytes {} to {} of argument {}'s content, past the {} \
                     KiB an op's callData has at most in leash (docs/limits.md): the rule can \
                     only deny (§6.2), and leash's fuzzer only ever tests that denial",
                    rule_index + 1,
                    slice.offset,
                    u64::from(slice.offset) + u64::from(slice.length),
                    usize::from(rule.arg) + 1,
                    MAX_OP_CALLDATA / 1024
                ),
                why: "a call must carry at least that much content for the rule to pass; an \
                      offset this far out is most likely a mistake",
                advice: Some(EXPLAIN_CLEARLY),
            });
        }
    }
}

/// Permissions that can never do anything useful, and caps nothing reaches.
fn dead(policy: &Policy, found: &mut Vec<Lint>) {
    for (index, p) in policy.permissions.iter().enumerate() {
        let label = describe::label(index, p);
        let function = describe::known_function(p);
        let cap = match p.target {
            Target::Address(token) => policy.token_cap(token).map(|(_, cap)| cap),
            Target::Any => None,
        };
        let dead_because = match (p.selector, cap, function.map(|f| f.effect)) {
            (Selector::Empty, _, _) if policy.native.is_none() => Some((
                "it allows plain transfers, but without a native-value cap they can only send 0 \
                 (§7.1)"
                    .to_string(),
                &["§7.1"][..],
            )),
            (_, Some(_), effect) if !matches!(effect, Some(Effect::Erc20Capped(_))) => Some((
                "its target has an ERC-20 cap, which admits only transfer, approve, \
                 transferFrom and increaseAllowance calls (§8.1)"
                    .to_string(),
                &["§8.1"][..],
            )),
            (_, Some(cap), Some(Effect::Erc20Capped(erc20)))
                if erc20.approves()
                    && cap.spenders.as_ref().is_some_and(|list| list.is_empty()) =>
            {
                Some((
                    "its token's ERC-20 cap lists no spenders, so every approval is denied (§8.4)"
                        .to_string(),
                    &["§8.4"][..],
                ))
            }
            _ => None,
        };
        if let Some((because, relates_to)) = dead_because {
            found.push(Lint {
                id: LintId::DeadPermission,
                severity: Severity::Warning,
                relates_to,
                message: format!("{label} can never be used as meant: {because}"),
                why: "a permission that cannot work hides what the policy really allows; drop it \
                      or fix the cap it collides with",
                advice: Some(EXPLAIN_CLEARLY),
            });
        }
    }
    for cap in &policy.erc20 {
        let reached = policy.permissions.iter().any(|p| {
            let on_token = match p.target {
                Target::Any => true,
                Target::Address(target) => target == cap.token,
            };
            let erc20 = describe::known_function(p)
                .is_some_and(|f| matches!(f.effect, Effect::Erc20Capped(_)));
            on_token && erc20
        });
        if !reached {
            found.push(Lint {
                id: LintId::DeadTokenCap,
                severity: Severity::Warning,
                relates_to: &["§8"],
                message: format!(
                    "the ERC-20 cap on {} applies to nothing: no permission allows transfer, \
                     approve, transferFrom or increaseAllowance on it",
                    cap.token.to_checksum(None)
                ),
                why: "either the cap is left over or the permission it was meant for is missing",
                advice: Some(EXPLAIN_CLEARLY),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(toml: &str) -> Policy {
        toml::from_str(toml).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ids(policy: &Policy, now: u64) -> Vec<&'static str> {
        lint(policy, now).iter().map(|l| l.id.name()).collect()
    }

    const GAME: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const TOKEN: &str = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
    const SPENDER: &str = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
    /// A gas rule that limits what the account prefunds (spec §16).
    const GAS: &str = "[gas]\ntotal = \"0.01 ether\"\nmax_fee_per_gas = \"50 gwei\"\n";

    #[test]
    fn a_tight_game_session_is_clean() {
        let p = policy(&format!(
            r#"
            valid_after = 1000
            valid_until = 8200
            usage_limit = 50
            [[permissions]]
            target = "{GAME}"
            function = "attack(uint256)"
            [[permissions.rules]]
            arg = 0
            lte = "100"
            {GAS}"#
        ));
        assert_eq!(ids(&p, 2000), Vec::<&str>::new());
    }

    #[test]
    fn gas_the_account_prefunds_needs_a_limit_and_a_fee_cap() {
        let base = format!(
            "valid_until = 100\nusage_limit = 1\n[[permissions]]\ntarget = \"{GAME}\"\n\
             function = \"attack(uint256)\"\n[[permissions.rules]]\narg = 0\nlte = 1\n"
        );
        let gas = |table: &str| ids(&policy(&format!("{base}[gas]\n{table}")), 1);
        assert_eq!(ids(&policy(&base), 1), ["no-gas-limit"]);
        assert_eq!(gas(""), ["no-gas-limit", "unbounded-max-fee"]);
        assert_eq!(gas("total = 5"), ["unbounded-max-fee"]);
        assert_eq!(gas("per_op = 5"), ["unbounded-max-fee"]);
        assert_eq!(gas("max_fee_per_gas = 5"), ["no-gas-limit"]);
        assert_eq!(gas("per_op = 5\nmax_fee_per_gas = 5"), Vec::<&str>::new());
        // A paymaster pays for every op: the account prefunds nothing.
        assert_eq!(gas("paymaster = \"required\""), Vec::<&str>::new());
        assert_eq!(gas(&format!("paymasters = [\"{SPENDER}\"]")), Vec::<&str>::new());
        let lint = lint(&policy(&base), 1).remove(0);
        assert!(lint.message.contains("no gas rule"), "{}", lint.message);
        assert_eq!(lint.relates_to, ["§16"]);
    }

    #[test]
    fn session_length_is_measured_from_now_or_the_start() {
        let day = 24 * 3600;
        let p = policy(&format!(
            "valid_until = {}\nusage_limit = 1\n[[permissions]]\ntarget = \"{GAME}\"\n\
             function = \"attack(uint256)\"\n[[permissions.rules]]\narg = 0\nlte = 1\n{GAS}",
            1000 + 8 * day
        ));
        let long = lint(&p, 1000);
        assert_eq!(long[0].id, LintId::LongSession);
        assert_eq!(long[0].severity, Severity::Warning);
        // Two days later only six days are left.
        assert_eq!(ids(&p, 1000 + 2 * day), Vec::<&str>::new());
        let p = policy(&format!("valid_until = {}\n", 1000 + 31 * day));
        assert_eq!(lint(&p, 1000)[0].severity, Severity::Error);
    }

    #[test]
    fn a_long_session_paced_by_allowances_is_a_warning() {
        let day = 24 * 3600;
        let base = format!("version = 2\nvalid_until = {}\n", 1000 + 365 * day);
        let token = format!("[[erc20]]\ntoken = \"{TOKEN}\"\n");
        let periodic = "amount = 5\nperiod = \"30 days\"\nstart = 1001\n";
        let long = |toml: &str| {
            let found = lint(&policy(&format!("{base}{toml}")), 1000);
            found
                .into_iter()
                .find(|l| l.id == LintId::LongSession)
                .expect("a long session")
                .severity
        };
        // Every cap paced: a year-long subscription is a warning.
        let paced = format!("{token}[erc20.periodic]\n{periodic}");
        assert_eq!(long(&paced), Severity::Warning);
        let streamed = "[native.streaming]\ninitial = 0\nrate = 1\nmax = 100\nstart = 1001\n";
        assert_eq!(long(&format!("{paced}{streamed}")), Severity::Warning);
        // One cap without an allowance over time, no cap at all, or a stream without a maximum:
        // an error, as before.
        assert_eq!(long(&format!("{paced}[native]\nper_call = 1\ntotal = 5\n")), Severity::Error);
        assert_eq!(long(""), Severity::Error);
        let max = "f".repeat(64);
        let endless =
            format!("[native.streaming]\ninitial = 0\nrate = 1\nmax = \"0x{max}\"\nstart = 1001\n");
        assert_eq!(long(&endless), Severity::Error);
    }

    #[test]
    fn units_that_contradict_a_well_known_token_are_linted() {
        let usdc = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
        let cap = |units: &str| {
            let p = policy(&format!("[[erc20]]\ntoken = \"{usdc}\"\nlimit = 5\n{units}"));
            lint(&p, 1).into_iter().find(|l| l.id == LintId::TokenUnitsDiffer)
        };
        assert_eq!(cap(""), None);
        assert_eq!(cap("decimals = 6\nsymbol = \"USDC\"\n"), None);
        let wrong = cap("decimals = 18\n").expect("wrong decimals");
        assert_eq!(wrong.severity, Severity::Error);
        assert!(wrong.message.contains("18 decimals (it has 6)"), "{}", wrong.message);
        let renamed = cap("symbol = \"USD\"\n").expect("another symbol");
        assert_eq!(renamed.severity, Severity::Warning);
        assert!(renamed.message.contains("the symbol USD (it is USDC)"), "{}", renamed.message);
        // An unknown token's units are the policy's to name.
        let p = policy(&format!("[[erc20]]\ntoken = \"{TOKEN}\"\nlimit = 5\ndecimals = 2\n"));
        assert!(!ids(&p, 1).contains(&"token-units-differ"));
    }

    #[test]
    fn window_status_lints() {
        let p = policy("valid_after = 100\nvalid_until = 200\nusage_limit = 1\n");
        assert!(ids(&p, 100).contains(&"window-not-started"));
        assert!(!ids(&p, 101).contains(&"window-not-started"));
        assert!(!ids(&p, 200).contains(&"window-ended"));
        assert!(ids(&p, 201).contains(&"window-ended"));
        // No end: the EntryPoint reads it as TIME_MAX, unless both bounds are 0, which is no
        // window at all (spec §11).
        let after_time_max = leash_model::bounds::TIME_MAX + 1;
        let no_end = policy("valid_after = 5\nusage_limit = 1\n");
        assert!(ids(&no_end, after_time_max).contains(&"window-ended"));
        let unbounded = policy("usage_limit = 1\n");
        assert!(!ids(&unbounded, after_time_max).contains(&"window-ended"));
        assert!(ids(&unbounded, after_time_max).contains(&"no-expiry"));
    }

    #[test]
    fn approvals_need_a_spender_list_or_a_spender_rule() {
        let base = format!(
            "valid_until = 100\nusage_limit = 1\n[[permissions]]\ntarget = \"{TOKEN}\"\n\
             function = \"approve(address,uint256)\"\n"
        );
        let open = policy(&format!("{base}[[erc20]]\ntoken = \"{TOKEN}\"\nlimit = 10\n"));
        assert!(ids(&open, 1).contains(&"unrestricted-approve"));
        let listed = policy(&format!(
            "{base}[[erc20]]\ntoken = \"{TOKEN}\"\nlimit = 10\nspenders = [\"{SPENDER}\"]\n"
        ));
        assert!(!ids(&listed, 1).contains(&"unrestricted-approve"));
        let pinned_by_rules = policy(&format!(
            "{base}[[permissions.rules]]\narg = 0\neq = \"{SPENDER}\"\n\
             [[permissions.rules]]\narg = 1\nlte = 5\nlimit = 10\n"
        ));
        assert!(!ids(&pinned_by_rules, 1).contains(&"unrestricted-approve"));
        let blocked =
            policy(&format!("{base}[[erc20]]\ntoken = \"{TOKEN}\"\nlimit = 10\nspenders = []\n"));
        assert!(ids(&blocked, 1).contains(&"dead-permission"));
    }

    #[test]
    fn token_transfers_need_a_cap() {
        let base = format!(
            "valid_until = 100\nusage_limit = 1\n[[permissions]]\ntarget = \"{TOKEN}\"\n\
             function = \"transfer(address,uint256)\"\n"
        );
        assert!(ids(&policy(&base), 1).contains(&"uncapped-token-transfer"));
        let capped = policy(&format!("{base}[[erc20]]\ntoken = \"{TOKEN}\"\nlimit = 10\n{GAS}"));
        assert_eq!(ids(&capped, 1), Vec::<&str>::new());
        let limited =
            policy(&format!("{base}[[permissions.rules]]\narg = 1\nlte = 5\nlimit = 10\n"));
        assert!(!ids(&limited, 1).contains(&"uncapped-token-transfer"));
    }

    #[test]
    fn caps_no_permission_reaches_are_dead() {
        let p = policy(&format!(
            "valid_until = 100\nusage_limit = 1\n[[permissions]]\ntarget = \"{GAME}\"\n\
             function = \"attack(uint256)\"\n[[permissions.rules]]\narg = 0\nlte = 1\n\
             [[erc20]]\ntoken = \"{TOKEN}\"\nlimit = 10\n{GAS}"
        ));
        assert_eq!(ids(&p, 1), ["dead-token-cap"]);
    }

    /// Issue #17 D1: this policy passed `explain` silently and then exhausted memory in `fuzz`.
    #[test]
    fn a_slice_ending_at_2_pow_32_is_unreachable() {
        let rule = |offset: u32| {
            format!(
                "[[permissions]]\ntarget = \"{GAME}\"\nfunction = \"f(bytes)\"\n\
                 [[permissions.rules]]\narg = 0\nslice = {{ offset = {offset}, length = 32 }}\n\
                 lt = \"5\"\n"
            )
        };
        assert!(ids(&policy(&rule(4_294_967_264)), 1).contains(&"unreachable-slice"));
        assert!(ids(&policy(&rule(1 << 20)), 1).contains(&"unreachable-slice"));
        assert!(!ids(&policy(&rule(64)), 1).contains(&"unreachable-slice"));
    }

    #[test]
    fn errors_come_first() {
        let p =
            policy(&format!("[[permissions]]\ntarget = \"{GAME}\"\nselector = \"0x00000000\"\n"));
        let severities: Vec<Severity> = lint(&p, 1).iter().map(|l| l.severity).collect();
        let mut sorted = severities.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(severities, sorted);
        assert!(ids(&p, 1).contains(&"sentinel-selector"));
    }

    #[test]
    fn allowances_over_time_are_linted_at_their_edges() {
        let native = |window: &str, total: &str, allowances: &str| {
            policy(&format!(
                "version = 2\n{window}\nusage_limit = 1\n[native]\n{total}\n{allowances}\n\
                 [[permissions]]\ntarget = \"{GAME}\"\nselector = \"empty\"\n"
            ))
        };
        let periodic = "[native.periodic]\namount = \"5\"\nperiod = 100\nstart = 10";
        // An open window: the subscription pays forever; with no total it is an error.
        let open = native("", "", periodic);
        let found = lint(&open, 1);
        let no_end = found.iter().find(|l| l.id == LintId::PeriodicNoEnd).unwrap();
        assert_eq!(no_end.severity, Severity::Error);
        // The periodic allowance bounds the cap, so the missing total is not also an error.
        assert!(!ids(&open, 1).contains(&"unlimited-native-cap"));
        let with_total = native("", "total = \"50\"", periodic);
        let found = lint(&with_total, 1);
        assert_eq!(
            found.iter().find(|l| l.id == LintId::PeriodicNoEnd).unwrap().severity,
            Severity::Warning
        );
        let closed = native("valid_until = 1000", "total = \"50\"", periodic);
        assert!(!ids(&closed, 1).contains(&"periodic-no-end"));
        // Starting after the window ends: nothing ever gets through.
        let late = native("valid_until = 9", "total = \"50\"", periodic);
        assert!(ids(&late, 1).contains(&"allowance-after-end"));
        // A period of 100 s under a rate limit of one call per 3600 s.
        let rated = policy(&format!(
            "version = 2\nvalid_until = 1000\n[rate_limit]\nmax_calls = 1\ninterval = 3600\n\
             [native]\ntotal = \"50\"\n{periodic}\n"
        ));
        assert!(ids(&rated, 1).contains(&"period-shorter-than-rate-interval"));
        let never = native("valid_until = 1000", "total = \"5\"", periodic);
        assert!(ids(&never, 1).contains(&"allowance-never-binds"));
        let zero = native(
            "valid_until = 1000",
            "total = \"5\"",
            "[native.periodic]\namount = 0\nperiod = 1",
        );
        assert!(ids(&zero, 1).contains(&"allowance-allows-nothing"));
        // Streams: no maximum is unbounded, an error without a lifetime total.
        let stream =
            |max: &str| format!("[native.streaming]\nrate = 1\nmax = \"{max}\"\nstart = 10");
        let max = U256::MAX.to_string();
        let unbounded = native("valid_until = 1000", "", &stream(&max));
        let found = lint(&unbounded, 1);
        assert_eq!(
            found.iter().find(|l| l.id == LintId::UnboundedStream).unwrap().severity,
            Severity::Error
        );
        assert!(ids(&unbounded, 1).contains(&"unlimited-native-cap"));
        let capped = native("valid_until = 1000", "total = \"50\"", &stream(&max));
        let found = lint(&capped, 1);
        assert_eq!(
            found.iter().find(|l| l.id == LintId::UnboundedStream).unwrap().severity,
            Severity::Warning
        );
        let bounded = native("valid_until = 1000", "", &stream("40"));
        assert!(!ids(&bounded, 1).contains(&"unbounded-stream"));
        assert!(!ids(&bounded, 1).contains(&"unlimited-native-cap"));
        assert!(
            ids(&native("valid_until = 1000", "", &stream("0")), 1)
                .contains(&"allowance-allows-nothing")
        );
    }

    #[test]
    fn docs_list_every_lint() {
        let docs = include_str!("../../docs/policy-review.md");
        for id in LintId::ALL {
            assert!(docs.contains(&format!("| `{id}` |")), "docs/policy-review.md lacks {id}");
        }
    }

    #[test]
    fn every_lint_id_is_listed_once_in_order_and_serializes_as_its_name() {
        // Discriminants count up from 0, so `ALL` holds every variant exactly when each sits at
        // its own index and the last one is the last variant.
        for (index, id) in LintId::ALL.iter().enumerate() {
            assert_eq!(*id as usize, index, "{id}");
            assert_eq!(serde_json::to_value(id).unwrap(), id.name());
        }
        assert_eq!(LintId::ALL.len(), LintId::DeadTokenCap as usize + 1);
    }
}
