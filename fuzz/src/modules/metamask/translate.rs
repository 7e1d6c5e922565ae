//! A leash policy as the Delegation Framework can express it: one delegation's caveats, the
//! effective policy the model judges against under [`SemanticProfile::METAMASK`], and the
//! intent gaps.
//!
//! | leash | caveat |
//! |---|---|
//! | each permission | a caveat group: `AllowedTargets([target])` (none for any target), `AllowedMethods([selector])` or, for plain transfers, `ExactCalldata("")` |
//! | `eq` rule (or a one-value `one_of`) on a static argument, or on a slice of the first dynamic one | `AllowedCalldata(4 + offset, bytes)` at the canonical position (§P10) in the group |
//! | native cap | `ValueLte(per_call)` (when below the total) and `NativeTokenTransferAmount(total)` in every group; no cap: `ValueLte(0)` |
//! | its periodic allowance, its stream (§7.4, §7.5) | `NativeTokenPeriodTransfer(amount, period, start)`, `NativeTokenStreaming(initial, max, rate, start)` after them in every group (§P21: zero amounts checked, overflowing streams denied) |
//! | ERC-20 cap | `ERC20TransferAmount(token, limit)` in the group of the token's `transfer` permission (§P12, §P14) |
//! | its periodic allowance, its stream (§8.6, §8.7) | `ERC20PeriodTransfer(token, …)` (one token's: the enforcer keeps one state per delegation), `ERC20Streaming(token, …)` (only with one capped token) after it in the same group |
//! | a periodic amount of 0 | a cap of 0 (the enforcers refuse zero terms) |
//! | a start of 0 | a period later (periodic), second 1 with `initial + rate` (streams): the enforcers refuse a zero start |
//! | several permissions | the groups in one `LogicalOrWrapperEnforcer` caveat (one group: its caveats directly; none: `AllowedMethods([0xffffffff])` and `ExactCalldata("")`, which no call satisfies) |
//! | usage limit | `LimitedCalls(n)` after the groups: per redemption, shared by all of them |
//! | window | `Timestamp(valid_after, valid_until)` last, exclusive at both ends |
//! | other conditions, cumulative limits, rate limits, gas rules, chain lists, approve/transferFrom on a capped token, allowances over time the enforcers cannot hold | dropped (intent gaps) |
//!
//! Why one delegation with caveat groups and not one delegation per permission: the counters
//! users expect of a session (its usage limit, its native total, its token caps) are per
//! session. Caveats outside the wrapper (and the transfer-amount enforcers inside it, keyed by
//! the wrapper and the one delegation hash) count every redemption of the session together;
//! one delegation per permission would give every permission a budget of its own, multiplying
//! the session's limits by its number of permissions (`LimitedCallsEnforcer` and the
//! transfer-amount enforcers key their counters by delegation hash). The fuzz tests check the
//! shared counters on the real bytecode (`one_delegation_counts_every_permission_together` in
//! `fuzz/tests/metamask.rs`).

use alloy_primitives::{Address, U256};
use leash_model::profile::raw_span;
use leash_model::selectors::TRANSFER;
use leash_model::{
    ArgRule, BoundedVec, Condition, NativeCap, PeriodicAllowance, Permission, Policy, Selector,
    SemanticProfile, StreamingAllowance, Target, TokenCap,
};

use crate::modules::{GapDirection, IntentGap, Translation};

/// The caveat enforcers the harness configures (and deploys, in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Enforcer {
    /// `AllowedTargetsEnforcer`: concatenated 20-byte addresses.
    AllowedTargets,
    /// `AllowedMethodsEnforcer`: concatenated selectors.
    AllowedMethods,
    /// `AllowedCalldataEnforcer`: `uint256 dataStart ‖ bytes value`.
    AllowedCalldata,
    /// `ExactCalldataEnforcer`: the whole calldata.
    ExactCalldata,
    /// `ValueLteEnforcer`: `uint256`.
    ValueLte,
    /// `NativeTokenTransferAmountEnforcer`: `uint256`.
    NativeTokenTransferAmount,
    /// `ERC20TransferAmountEnforcer`: `token(20) ‖ uint256`.
    Erc20TransferAmount,
    /// `LimitedCallsEnforcer`: `uint256`.
    LimitedCalls,
    /// `TimestampEnforcer`: `uint128 after ‖ uint128 before`.
    Timestamp,
    /// `LogicalOrWrapperEnforcer`: `abi.encode(CaveatGroup[])`.
    LogicalOrWrapper,
    /// `NativeTokenPeriodTransferEnforcer`: `periodAmount ‖ periodDuration ‖ startDate`
    /// (`uint256` each).
    NativeTokenPeriodTransfer,
    /// `NativeTokenStreamingEnforcer`: `initialAmount ‖ maxAmount ‖ amountPerSecond ‖
    /// startTime` (`uint256` each).
    NativeTokenStreaming,
    /// `ERC20PeriodTransferEnforcer`: `token(20) ‖ periodAmount ‖ periodDuration ‖ startDate`.
    Erc20PeriodTransfer,
    /// `ERC20StreamingEnforcer`: `token(20) ‖ initialAmount ‖ maxAmount ‖ amountPerSecond ‖
    /// startTime`.
    Erc20Streaming,
}

impl Enforcer {
    /// Every enforcer, in the order the world deploys them.
    pub(crate) const ALL: [Self; 14] = [
        Self::AllowedTargets,
        Self::AllowedMethods,
        Self::AllowedCalldata,
        Self::ExactCalldata,
        Self::ValueLte,
        Self::NativeTokenTransferAmount,
        Self::Erc20TransferAmount,
        Self::LimitedCalls,
        Self::Timestamp,
        Self::LogicalOrWrapper,
        Self::NativeTokenPeriodTransfer,
        Self::NativeTokenStreaming,
        Self::Erc20PeriodTransfer,
        Self::Erc20Streaming,
    ];

    /// The contract's name in the package.
    pub(crate) fn contract(self) -> &'static str {
        match self {
            Self::AllowedTargets => "AllowedTargetsEnforcer",
            Self::AllowedMethods => "AllowedMethodsEnforcer",
            Self::AllowedCalldata => "AllowedCalldataEnforcer",
            Self::ExactCalldata => "ExactCalldataEnforcer",
            Self::ValueLte => "ValueLteEnforcer",
            Self::NativeTokenTransferAmount => "NativeTokenTransferAmountEnforcer",
            Self::Erc20TransferAmount => "ERC20TransferAmountEnforcer",
            Self::LimitedCalls => "LimitedCallsEnforcer",
            Self::Timestamp => "TimestampEnforcer",
            Self::LogicalOrWrapper => "LogicalOrWrapperEnforcer",
            Self::NativeTokenPeriodTransfer => "NativeTokenPeriodTransferEnforcer",
            Self::NativeTokenStreaming => "NativeTokenStreamingEnforcer",
            Self::Erc20PeriodTransfer => "ERC20PeriodTransferEnforcer",
            Self::Erc20Streaming => "ERC20StreamingEnforcer",
        }
    }
}

/// A caveat to configure: its enforcer and terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlannedCaveat {
    /// The enforcer.
    pub(crate) enforcer: Enforcer,
    /// Its terms.
    pub(crate) terms: Vec<u8>,
}

/// One caveat group: the caveats of one effective permission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Group {
    /// The effective permission's target.
    pub(crate) target: Target,
    /// Its selector.
    pub(crate) selector: Selector,
    /// The caveats, in the spec's clause order (§5, §6, §7, §8).
    pub(crate) caveats: Vec<PlannedCaveat>,
}

/// A delegation's configuration, with what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The effective policy and the intent gaps.
    pub(crate) translation: Translation,
    /// One group per effective permission, in its order.
    pub(crate) groups: Vec<Group>,
    /// The caveats after the groups (§10, §11).
    pub(crate) shared: Vec<PlannedCaveat>,
}

/// The caveats of a delegation without permissions: a selector that must be `0xffffffff` and
/// calldata that must be empty, which no call satisfies. Every refusal comes in the spec's order
/// (§3.3, §3.5, §5.1, §5.3), as for a policy without permissions.
pub(crate) fn nothing_allowed() -> Vec<PlannedCaveat> {
    vec![
        PlannedCaveat { enforcer: Enforcer::AllowedMethods, terms: vec![0xff; 4] },
        PlannedCaveat { enforcer: Enforcer::ExactCalldata, terms: Vec::new() },
    ]
}

impl Plan {
    /// Whether the groups go into a `LogicalOrWrapperEnforcer` (two or more of them; one group's
    /// caveats are the delegation's own, and without any the delegation gets
    /// [`nothing_allowed`]).
    pub(crate) fn wrapped(&self) -> bool {
        self.groups.len() > 1
    }

    /// Whether any caveat uses `enforcer`.
    pub(crate) fn uses(&self, enforcer: Enforcer) -> bool {
        self.groups
            .iter()
            .flat_map(|g| &g.caveats)
            .chain(&self.shared)
            .any(|c| c.enforcer == enforcer)
    }

    /// The groups an execution for `target` with `selector` may use, in the order the harness
    /// tries them (the exact permission first, then the wildcard: §P9 `AnyMatching`).
    pub(crate) fn candidates(&self, target: Address, selector: Option<Selector>) -> Vec<usize> {
        let Some(selector) = selector else {
            return Vec::new();
        };
        let find = |wanted: Target| {
            self.groups.iter().position(|g| g.target == wanted && g.selector == selector)
        };
        find(Target::Address(target)).into_iter().chain(find(Target::Any)).collect()
    }
}

/// What the translation needs to know about the world.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context {
    /// The delegator (the account).
    pub(crate) account: Address,
    /// The DelegationManager.
    pub(crate) manager: Address,
}

fn word(x: U256) -> Vec<u8> {
    x.to_be_bytes::<32>().to_vec()
}

/// Names permission `index` of `policy` for gap reports.
fn subject(index: usize, p: &Permission) -> String {
    let target = match p.target {
        Target::Any => "any target".to_owned(),
        Target::Address(a) => a.to_string(),
    };
    let selector = match p.selector {
        Selector::Empty => "plain transfers".to_owned(),
        Selector::Exact(s) => format!("0x{}", alloy_primitives::hex::encode(s)),
    };
    format!("permission {index} ({selector} on {target})")
}

fn gap(
    id: &str,
    direction: GapDirection,
    subject: String,
    detail: String,
    clause: &str,
) -> IntentGap {
    IntentGap { id: id.to_owned(), direction, subject, detail, clause: clause.to_owned() }
}

/// What became of one permission's rules: the effective ones and their `AllowedCalldata`
/// caveats, or `None` when a rule can never hold (the permission allows nothing).
fn translate_rules(
    gaps: &mut Vec<IntentGap>,
    index: usize,
    p: &Permission,
) -> Option<(BoundedVec<ArgRule, { leash_model::bounds::MAX_RULES }>, Vec<PlannedCaveat>)> {
    let mut effective = BoundedVec::new();
    let mut caveats = Vec::new();
    for (r, rule) in p.rules.iter().enumerate() {
        let about = format!("{} rule {r}", subject(index, p));
        let x = match &rule.condition {
            Condition::Eq(x) => *x,
            Condition::OneOf(values) if values.len() == 1 => values[0],
            other => {
                gaps.push(gap(
                    "argument-rule-dropped",
                    GapDirection::Widened,
                    about,
                    format!(
                        "{}: AllowedCalldataEnforcer compares bytes for equality only, so the \
                         rule is not enforced",
                        condition_name(other)
                    ),
                    "§P11",
                ));
                continue;
            }
        };
        let Some((start, length)) = raw_span(p, rule) else {
            gaps.push(gap(
                "argument-rule-dropped",
                GapDirection::Widened,
                about,
                "the rule reads a dynamic argument after another dynamic one, which has no \
                 fixed position: not enforced"
                    .into(),
                "§P10",
            ));
            continue;
        };
        let bytes = x.to_be_bytes::<32>();
        let skip = 32 - usize::from(length);
        if bytes[..skip].iter().any(|b| *b != 0) {
            gaps.push(gap(
                "permission-dropped",
                GapDirection::Narrowed,
                subject(index, p),
                format!(
                    "rule {r} compares {length} byte(s) with {x}, which does not fit in them: the \
                     permission never allows anything and is left out"
                ),
                "§6.3",
            ));
            return None;
        }
        if let Some(limit) = rule.limit {
            gaps.push(gap(
                "rule-limit-dropped",
                GapDirection::Widened,
                about.clone(),
                format!("cumulative limit {limit}: no enforcer sums argument values, not enforced"),
                "§P11",
            ));
        }
        if p.args
            .as_ref()
            .and_then(|a| a.get(usize::from(rule.arg)))
            .is_some_and(|t| t.is_dynamic())
        {
            gaps.push(gap(
                "rule-on-dynamic-argument",
                GapDirection::Widened,
                about,
                "AllowedCalldataEnforcer compares the bytes where a canonical encoding puts this \
                 slice; the callee decodes the argument wherever its offset points, so a \
                 non-canonical encoding passes other bytes (Diligence 6-24 §5.6: static types \
                 only)"
                    .into(),
                "§P10",
            ));
        }
        let mut terms = word(U256::from(4 + start));
        terms.extend_from_slice(&bytes[skip..]);
        caveats.push(PlannedCaveat { enforcer: Enforcer::AllowedCalldata, terms });
        effective
            .push(ArgRule { condition: Condition::Eq(x), limit: None, ..*rule })
            .expect("no more rules than the policy's");
    }
    Some((effective, caveats))
}

fn allowance_dropped(subject: &str, why: &str) -> IntentGap {
    gap(
        "allowance-over-time-dropped",
        GapDirection::Widened,
        subject.to_owned(),
        format!("its allowance over time is not configured ({why}): the other limits still hold"),
        "§P21",
    )
}

/// `periodAmount ‖ periodDuration ‖ startDate` for `periodic`, and the allowance the module
/// enforces with them; `None` for an amount of 0, which the enforcer refuses as terms (every
/// execution would revert) and which allows no positive amount: the caller caps the amounts at
/// 0 instead. The enforcer refuses a start of 0 too: the periods start one period later, at the
/// same boundaries, and the seconds before it allow nothing.
fn periodic_terms(
    gaps: &mut Vec<IntentGap>,
    subject: &str,
    periodic: PeriodicAllowance,
    valid_after: u64,
) -> Option<(PeriodicAllowance, Vec<u8>)> {
    if periodic.amount.is_zero() {
        gaps.push(gap(
            "period-amount-zero",
            GapDirection::Widened,
            subject.to_owned(),
            format!(
                "a periodic allowance of 0 every {} s: the period enforcer refuses zero terms, so \
                 the cap is 0 instead, which also lets zero amounts through before the \
                 allowance's start",
                periodic.period
            ),
            "§P21",
        ));
        return None;
    }
    let mut periodic = periodic;
    if periodic.start == 0 {
        periodic.start = periodic.period;
        if valid_after < periodic.period {
            gaps.push(gap(
                "period-start-moved",
                GapDirection::Narrowed,
                subject.to_owned(),
                format!(
                    "the period enforcer refuses a start of 0: the first period begins at {} \
                     (the same boundaries), and nothing passes before it",
                    periodic.period
                ),
                "§P21",
            ));
        }
    }
    let mut terms = word(periodic.amount);
    terms.extend_from_slice(&word(U256::from(periodic.period)));
    terms.extend_from_slice(&word(U256::from(periodic.start)));
    Some((periodic, terms))
}

/// `initialAmount ‖ maxAmount ‖ amountPerSecond ‖ startTime` for `stream`, and the stream the
/// module enforces with them. The enforcer refuses a start of 0: the stream starts at second 1
/// with `initial + rate` available, which unlocks the same amounts from then on; where that sum
/// passes `max`, `max` is available at once and only an overflow of `initial + rate·elapsed`
/// (§P21.4) can tell the two apart.
fn streaming_terms(
    gaps: &mut Vec<IntentGap>,
    subject: &str,
    stream: StreamingAllowance,
) -> (StreamingAllowance, Vec<u8>) {
    let mut stream = stream;
    if stream.start == 0 {
        let initial = stream.initial.checked_add(U256::from(stream.rate));
        let exact = initial.is_some_and(|i| i <= stream.max);
        stream.initial = initial.filter(|_| exact).unwrap_or(stream.max);
        stream.start = 1;
        if !exact {
            gaps.push(gap(
                "stream-start-moved",
                GapDirection::Widened,
                subject.to_owned(),
                "the streaming enforcer refuses a start of 0: the stream starts at second 1 with \
                 its max available, and overflows of initial + rate·elapsed come later than \
                 the policy's"
                    .into(),
                "§P21",
            ));
        }
    }
    let mut terms = word(stream.initial);
    terms.extend_from_slice(&word(stream.max));
    terms.extend_from_slice(&word(U256::from(stream.rate)));
    terms.extend_from_slice(&word(U256::from(stream.start)));
    (stream, terms)
}

fn condition_name(c: &Condition) -> &'static str {
    match c {
        Condition::Eq(_) => "eq",
        Condition::Neq(_) => "neq",
        Condition::Gt(_) => "gt",
        Condition::Gte(_) => "gte",
        Condition::Lt(_) => "lt",
        Condition::Lte(_) => "lte",
        Condition::InRange { .. } => "in_range",
        Condition::OneOf(_) => "one_of with several values",
    }
}

/// Translates `policy` into one delegation from `ctx.account` (see the module documentation).
pub(crate) fn plan(policy: &Policy, ctx: Context) -> Plan {
    let mut gaps = Vec::new();
    let mut effective = Policy {
        valid_after: policy.valid_after,
        valid_until: policy.valid_until,
        usage_limit: policy.usage_limit,
        ..Policy::default()
    };
    let mut shared = Vec::new();

    // spec §10 → LimitedCalls, per redemption: one execution each, as batches never pass.
    if let Some(n) = policy.usage_limit {
        shared.push(PlannedCaveat { enforcer: Enforcer::LimitedCalls, terms: word(U256::from(n)) });
    }
    // spec §9: no enforcer limits a rate.
    if let Some(rate) = policy.rate_limit {
        gaps.push(gap(
            "rate-limit-dropped",
            GapDirection::Widened,
            "the rate limit".into(),
            format!(
                "at most {} calls in {} s: no caveat enforcer limits a rate, so it is not enforced",
                rate.max_calls, rate.interval
            ),
            "§P16",
        ));
    }
    // spec §16, §17: a redemption is a transaction the delegate pays for; no caveat reads gas.
    if policy.gas.is_some() {
        gaps.push(gap(
            "gas-rule-dropped",
            GapDirection::Widened,
            "the gas rule".into(),
            "a redemption is no UserOperation: the delegate sends and pays for it, no caveat \
             enforcer limits its gas or names a paymaster, so the rule is not enforced"
                .into(),
            "§16",
        ));
    }
    if let Some(chains) = policy.chains {
        gaps.push(gap(
            "chain-list-dropped",
            GapDirection::Widened,
            "the chain list".into(),
            format!(
                "{} chains: no caveat enforcer reads block.chainid (the delegation's signature \
                 binds it to the DelegationManager's EIP-712 domain, chain id included), so the \
                 list is not enforced",
                chains.len()
            ),
            "§17",
        ));
    }
    // spec §11 → Timestamp, exclusive at both ends.
    if policy.valid_after != 0 || policy.valid_until != 0 {
        let mut terms = vec![0u8; 32];
        terms[8..16].copy_from_slice(&policy.valid_after.to_be_bytes());
        terms[24..32].copy_from_slice(&policy.valid_until.to_be_bytes());
        shared.push(PlannedCaveat { enforcer: Enforcer::Timestamp, terms });
        if policy.valid_until != 0 {
            gaps.push(gap(
                "window-end-exclusive",
                GapDirection::Narrowed,
                "the window".into(),
                format!(
                    "TimestampEnforcer ends the session before {}, which the spec's EntryPoint \
                     window still includes",
                    policy.valid_until
                ),
                "§11",
            ));
        }
    }

    // spec §7 → ValueLte and NativeTokenTransferAmount in every group, then the allowances over
    // time (§7.4, §7.5) after them, in every group too.
    let zero = NativeCap { per_call: U256::ZERO, total: U256::ZERO, ..NativeCap::default() };
    let mut native = policy.native.unwrap_or(zero);
    let mut over_time = Vec::new();
    if let Some(periodic) = native.periodic {
        match periodic_terms(&mut gaps, "the native cap", periodic, policy.valid_after) {
            Some((periodic, terms)) => {
                native.periodic = Some(periodic);
                over_time
                    .push(PlannedCaveat { enforcer: Enforcer::NativeTokenPeriodTransfer, terms });
            }
            None => {
                native.periodic = None;
                native.per_call = U256::ZERO;
            }
        }
    }
    if let Some(stream) = native.streaming {
        let (stream, terms) = streaming_terms(&mut gaps, "the native cap", stream);
        native.streaming = Some(stream);
        over_time.push(PlannedCaveat { enforcer: Enforcer::NativeTokenStreaming, terms });
    }
    effective.native = Some(native);
    let mut native_caveats = Vec::new();
    // ValueLte even where the total implies the per-call cap, so that a value above both is
    // refused for the per-call cap first, as the spec refuses it (§7.2 before §7.3).
    if native.per_call != U256::MAX {
        native_caveats
            .push(PlannedCaveat { enforcer: Enforcer::ValueLte, terms: word(native.per_call) });
    }
    if policy.native.is_some() {
        native_caveats.push(PlannedCaveat {
            enforcer: Enforcer::NativeTokenTransferAmount,
            terms: word(native.total),
        });
    }
    native_caveats.extend(over_time);

    // spec §8 → ERC20TransferAmount on each token's transfer permission, then its allowances
    // over time (§8.6, §8.7). The period and streaming enforcers key their state by delegation
    // (and by the wrapper), not by token, and keep the terms of the first transfer they see: one
    // periodic allowance can be configured, and a stream only where one token is capped, whose
    // transfers are then all that the lifetime counter (§P12) and the stream count.
    let mut token_over_time: Vec<Vec<PlannedCaveat>> = Vec::new();
    let mut periodic_taken = false;
    for cap in policy.erc20.iter() {
        let about = format!("the ERC-20 cap on {}", cap.token);
        let mut effective_cap =
            TokenCap { spenders: None, periodic: None, streaming: None, ..*cap };
        let mut caveats = Vec::new();
        if let Some(periodic) = cap.periodic {
            if periodic_taken {
                gaps.push(allowance_dropped(
                    &about,
                    "ERC20PeriodTransferEnforcer keeps one period state per delegation, which \
                     another token's periodic allowance already has",
                ));
            } else {
                periodic_taken = true;
                match periodic_terms(&mut gaps, &about, periodic, policy.valid_after) {
                    Some((periodic, period)) => {
                        effective_cap.periodic = Some(periodic);
                        let mut terms = cap.token.to_vec();
                        terms.extend_from_slice(&period);
                        caveats
                            .push(PlannedCaveat { enforcer: Enforcer::Erc20PeriodTransfer, terms });
                    }
                    None => effective_cap.limit = U256::ZERO,
                }
            }
        }
        if let Some(stream) = cap.streaming {
            if policy.erc20.len() > 1 {
                gaps.push(allowance_dropped(
                    &about,
                    "ERC20StreamingEnforcer counts this token's transfers only, while the \
                     lifetime counter it must agree with is shared by every capped token (§P12)",
                ));
            } else {
                let (stream, streaming) = streaming_terms(&mut gaps, &about, stream);
                effective_cap.streaming = Some(stream);
                let mut terms = cap.token.to_vec();
                terms.extend_from_slice(&streaming);
                caveats.push(PlannedCaveat { enforcer: Enforcer::Erc20Streaming, terms });
            }
        }
        effective.erc20.push(effective_cap).expect("as many caps as the policy has");
        token_over_time.push(caveats);
    }
    if policy.erc20.len() > 1 {
        gaps.push(gap(
            "token-counter-shared",
            GapDirection::Narrowed,
            "the ERC-20 caps".into(),
            format!(
                "ERC20TransferAmountEnforcer keys its counter by delegation, not by token: the {} \
                 capped tokens share one counter, each transfer checked against its own token's \
                 limit",
                policy.erc20.len()
            ),
            "§P12",
        ));
    }
    let wildcard = policy.permissions.iter().any(|p| p.target == Target::Any);
    if wildcard && !policy.erc20.is_empty() {
        gaps.push(gap(
            "wildcard-reaches-tokens-uncapped",
            GapDirection::Widened,
            "the any-target permissions".into(),
            "their caveat groups have no ERC20TransferAmount, so calls that reach a capped \
             token through them are not counted against its cap"
                .into(),
            "§P12",
        ));
    }
    if wildcard {
        gaps.push(gap(
            "wildcard-reaches-account",
            GapDirection::Widened,
            "the any-target permissions".into(),
            "no caveat keeps a call away from the delegator itself, the DelegationManager or \
             address(0), which the spec forbids any session to call"
                .into(),
            "§P7",
        ));
    }

    // spec §5, §6 → groups.
    let mut groups = Vec::new();
    for (index, p) in policy.permissions.iter().enumerate() {
        if let Target::Address(a) = p.target {
            let why = if a == ctx.account {
                Some("the spec forbids calls to the account (§4.1); the caveats would allow them")
            } else if a == ctx.manager {
                Some("the spec forbids calls to the module (§4.2); the caveats would allow them")
            } else if a == Address::ZERO {
                Some("the spec forbids calls to address(0) (§4.3); the caveats would allow them")
            } else {
                None
            };
            if let Some(why) = why {
                gaps.push(gap(
                    "permission-dropped",
                    GapDirection::Narrowed,
                    subject(index, p),
                    format!("not configured: {why}"),
                    "§P7",
                ));
                continue;
            }
        }
        let cap = match p.target {
            Target::Address(a) => effective.token_cap(a).map(|(index, cap)| (index, *cap)),
            Target::Any => None,
        };
        if cap.is_some() && p.selector != Selector::Exact(TRANSFER) {
            gaps.push(gap(
                "erc20-transfer-only",
                GapDirection::Narrowed,
                subject(index, p),
                "not configured: ERC20TransferAmountEnforcer lets a capped token be called with \
                 transfer(address,uint256) only"
                    .into(),
                "§P14",
            ));
            continue;
        }
        let Some((rules, calldata)) = translate_rules(&mut gaps, index, p) else {
            continue;
        };
        let mut caveats = Vec::new();
        if let Target::Address(a) = p.target {
            caveats.push(PlannedCaveat { enforcer: Enforcer::AllowedTargets, terms: a.to_vec() });
        }
        caveats.push(match p.selector {
            Selector::Exact(s) => {
                PlannedCaveat { enforcer: Enforcer::AllowedMethods, terms: s.to_vec() }
            }
            Selector::Empty => {
                PlannedCaveat { enforcer: Enforcer::ExactCalldata, terms: Vec::new() }
            }
        });
        caveats.extend(calldata);
        caveats.extend(native_caveats.iter().cloned());
        if let Some((index, cap)) = cap {
            let mut terms = cap.token.to_vec();
            terms.extend_from_slice(&word(cap.limit));
            caveats.push(PlannedCaveat { enforcer: Enforcer::Erc20TransferAmount, terms });
            caveats.extend(token_over_time[index].iter().cloned());
        }
        effective
            .permissions
            .push(Permission { target: p.target, selector: p.selector, args: p.args, rules })
            .expect("no more permissions than the policy's");
        groups.push(Group { target: p.target, selector: p.selector, caveats });
    }
    // spec §P9: the delegate picks the group.
    for (index, p) in effective.permissions.iter().enumerate() {
        if p.target != Target::Any
            && effective
                .permissions
                .iter()
                .any(|q| q.target == Target::Any && q.selector == p.selector)
        {
            gaps.push(gap(
                "delegate-picks-group",
                GapDirection::Widened,
                subject(index, p),
                "the any-target permission with the same selector is another caveat group, and \
                 the delegate chooses the group it redeems with: a call the exact permission \
                 denies passes under the wildcard's caveats (LogicalOrWrapperEnforcer: the redeemer selects the group)"
                    .into(),
                "§P9",
            ));
        }
    }
    debug_assert_eq!(effective.validate(), Ok(()), "effective policies are valid");
    debug_assert_eq!(
        SemanticProfile::METAMASK.check_policy(&effective),
        Ok(()),
        "effective policies are expressible"
    );
    Plan { translation: Translation { effective, gaps }, groups, shared }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    const CTX: Context = Context {
        account: address!("0x00000000000000000000000000000000000acc01"),
        manager: address!("0x000000000000000000000000000000000000d0d1"),
    };
    const GAME: &str = "0x0000000000000000000000000000000000009a3e";
    const TOKEN: &str = "0x000000000000000000000000000000000000707e";

    fn policy(text: &str) -> Policy {
        toml::from_str(&text.replace("{game}", GAME).replace("{token}", TOKEN)).unwrap()
    }

    fn ids(plan: &Plan) -> Vec<&str> {
        plan.translation.gaps.iter().map(|g| g.id.as_str()).collect()
    }

    fn enforcers(group: &Group) -> Vec<Enforcer> {
        group.caveats.iter().map(|c| c.enforcer).collect()
    }

    #[test]
    fn permissions_become_groups_in_clause_order() {
        let plan = plan(
            &policy(
                r#"
                valid_after = 10
                valid_until = 1000
                usage_limit = 3
                [native]
                per_call = "5"
                total = "100"
                [[permissions]]
                target = "{game}"
                function = "useSkill(uint8,uint256)"
                [[permissions.rules]]
                arg = 1
                eq = "7"
                [[permissions]]
                target = "{token}"
                function = "transfer(address,uint256)"
                [[erc20]]
                token = "{token}"
                limit = "50"
            "#,
            ),
            CTX,
        );
        assert!(plan.wrapped());
        use Enforcer::*;
        assert_eq!(
            enforcers(&plan.groups[0]),
            [AllowedTargets, AllowedMethods, AllowedCalldata, ValueLte, NativeTokenTransferAmount]
        );
        assert_eq!(plan.groups[0].caveats[2].terms[..32], word(U256::from(4 + 32)));
        assert_eq!(plan.groups[0].caveats[2].terms[32..], word(U256::from(7)));
        assert_eq!(
            enforcers(&plan.groups[1]),
            [
                AllowedTargets,
                AllowedMethods,
                ValueLte,
                NativeTokenTransferAmount,
                Erc20TransferAmount
            ]
        );
        let shared: Vec<Enforcer> = plan.shared.iter().map(|c| c.enforcer).collect();
        assert_eq!(shared, [LimitedCalls, Timestamp]);
        assert_eq!(&plan.shared[1].terms[8..16], &10u64.to_be_bytes());
        assert_eq!(&plan.shared[1].terms[24..], &1000u64.to_be_bytes());
        assert_eq!(ids(&plan), ["window-end-exclusive"]);
    }

    #[test]
    fn what_caveats_cannot_express_becomes_gaps() {
        let plan = plan(
            &policy(
                r#"
                chains = [1, 10]
                [rate_limit]
                max_calls = 2
                interval = 60
                [gas]
                per_op = 100000
                [[permissions]]
                target = "{game}"
                function = "attack(uint256)"
                [[permissions.rules]]
                arg = 0
                lte = "9"
                [[permissions]]
                target = "*"
                function = "attack(uint256)"
                [[permissions]]
                target = "{token}"
                function = "approve(address,uint256)"
                [[permissions]]
                target = "{game}"
                function = "swap(address,uint256,bytes,uint256)"
                [[permissions.rules]]
                arg = 2
                slice = { offset = 0, length = 4 }
                eq = "0x11223344"
                limit = "5"
                [[erc20]]
                token = "{token}"
                limit = "10"
            "#,
            ),
            CTX,
        );
        let ids = ids(&plan);
        for id in [
            "rate-limit-dropped",
            "gas-rule-dropped",
            "chain-list-dropped",
            "argument-rule-dropped",
            "erc20-transfer-only",
            "wildcard-reaches-tokens-uncapped",
            "wildcard-reaches-account",
            "delegate-picks-group",
            "rule-limit-dropped",
            "rule-on-dynamic-argument",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        let eff = &plan.translation.effective;
        assert_eq!(eff.permissions.len(), 3);
        assert_eq!(eff.rate_limit, None);
        assert!(eff.permissions[0].rules.is_empty());
        // The 4-byte slice: 4 bytes at the canonical start of the first dynamic argument.
        let calldata = &plan.groups[2].caveats[2];
        assert_eq!(calldata.enforcer, Enforcer::AllowedCalldata);
        assert_eq!(calldata.terms[..32], word(U256::from(4 + 4 * 32 + 32)));
        assert_eq!(calldata.terms[32..], [0x11, 0x22, 0x33, 0x44]);
        // No native cap: value 0 in every group.
        assert_eq!(plan.groups[1].caveats[1].enforcer, Enforcer::ValueLte);
        assert_eq!(eff.native, Some(NativeCap { per_call: U256::ZERO, ..NativeCap::default() }));
    }

    #[test]
    fn no_permissions_allow_nothing_and_plain_transfers_need_empty_calldata() {
        let empty = plan(&policy("usage_limit = 0"), CTX);
        assert!(!empty.wrapped() && empty.groups.is_empty());
        let plain = plan(
            &policy(
                r#"
                [native]
                per_call = "10"
                total = "10"
                [[permissions]]
                target = "{game}"
                selector = "empty"
                [[permissions]]
                target = "0x00000000000000000000000000000000000acc01"
                selector = "empty"
            "#,
            ),
            CTX,
        );
        assert!(!plain.wrapped());
        assert_eq!(
            enforcers(&plain.groups[0]),
            [
                Enforcer::AllowedTargets,
                Enforcer::ExactCalldata,
                Enforcer::ValueLte,
                Enforcer::NativeTokenTransferAmount
            ]
        );
        assert_eq!(ids(&plain), ["permission-dropped"]);
    }

    #[test]
    fn allowances_over_time_become_period_and_streaming_caveats() {
        let plan = plan(
            &policy(
                r#"
                version = 2
                valid_after = 5000
                [native]
                per_call = "9"
                total = "90"
                [native.periodic]
                amount = "10"
                period = 100
                start = 0
                [native.streaming]
                initial = "3"
                rate = "2"
                max = "20"
                start = 0
                [[permissions]]
                target = "{token}"
                function = "transfer(address,uint256)"
                [[erc20]]
                token = "{token}"
                limit = "50"
                [erc20.periodic]
                amount = "0"
                period = 60
                start = 7
                [erc20.streaming]
                initial = "1"
                rate = "1"
                max = "50"
                start = 7
            "#,
            ),
            CTX,
        );
        use Enforcer::*;
        assert_eq!(
            enforcers(&plan.groups[0]),
            [
                AllowedTargets,
                AllowedMethods,
                ValueLte,
                NativeTokenTransferAmount,
                NativeTokenPeriodTransfer,
                NativeTokenStreaming,
                Erc20TransferAmount,
                Erc20Streaming
            ]
        );
        let eff = &plan.translation.effective;
        let native = eff.native.unwrap();
        // A start of 0: the periods begin a period later, at the same boundaries (no gap: the
        // window opens after 100); the stream at second 1 with initial + rate.
        assert_eq!(native.periodic.unwrap().start, 100);
        let stream = native.streaming.unwrap();
        assert_eq!((stream.start, stream.initial), (1, U256::from(5)));
        assert_eq!(plan.groups[0].caveats[4].terms[64..], word(U256::from(100)));
        assert_eq!(plan.groups[0].caveats[5].terms[..32], word(U256::from(5)));
        // A periodic amount of 0 is a cap of 0.
        assert_eq!(eff.erc20[0].limit, U256::ZERO);
        assert_eq!(eff.erc20[0].periodic, None);
        assert_eq!(plan.groups[0].caveats[6].terms[20..], word(U256::ZERO));
        assert_eq!(ids(&plan), ["period-amount-zero"]);
    }

    #[test]
    fn token_allowances_the_enforcers_cannot_hold_are_gaps() {
        let plan = plan(
            &policy(
                r#"
                version = 2
                [[permissions]]
                target = "{token}"
                function = "transfer(address,uint256)"
                [[erc20]]
                token = "{token}"
                limit = "50"
                [erc20.periodic]
                amount = "5"
                period = 60
                start = 0
                [erc20.streaming]
                initial = "1"
                rate = "1"
                max = "50"
                start = 7
                [[erc20]]
                token = "{game}"
                limit = "50"
                [erc20.periodic]
                amount = "5"
                period = 60
                start = 7
            "#,
            ),
            CTX,
        );
        assert_eq!(
            ids(&plan),
            [
                "period-start-moved",
                "allowance-over-time-dropped",
                "allowance-over-time-dropped",
                "token-counter-shared"
            ]
        );
        let eff = &plan.translation.effective;
        assert_eq!(eff.erc20[0].periodic.map(|p| p.start), Some(60));
        assert_eq!((eff.erc20[0].streaming, eff.erc20[1].periodic), (None, None));
        assert_eq!(*enforcers(&plan.groups[0]).last().unwrap(), Enforcer::Erc20PeriodTransfer);
    }
}
