//! A leash policy as the Delegation Framework can express it: one delegation's caveats, the
//! effective policy the model judges against under [`SemanticProfile::METAMASK`], and the
//! intent gaps.
//!
//! | leash | caveat |
//! |---|---|
//! | each permission | a caveat group: `AllowedTargets([target])` (none for any target), `AllowedMethods([selector])` or, for plain transfers, `ExactCalldata("")` |
//! | `eq` rule (or a one-value `one_of`) on a static argument, or on a slice of the first dynamic one | `AllowedCalldata(4 + offset, bytes)` at the canonical position (§P10) in the group |
//! | native cap | `ValueLte(per_call)` (when below the total) and `NativeTokenTransferAmount(total)` in every group; no cap: `ValueLte(0)` |
//! | ERC-20 cap | `ERC20TransferAmount(token, limit)` in the group of the token's `transfer` permission (§P12, §P14) |
//! | several permissions | the groups in one `LogicalOrWrapperEnforcer` caveat (one group: its caveats directly; none: `AllowedMethods([0xffffffff])` and `ExactCalldata("")`, which no call satisfies) |
//! | usage limit | `LimitedCalls(n)` after the groups: per redemption, shared by all of them |
//! | window | `Timestamp(valid_after, valid_until)` last, exclusive at both ends |
//! | other conditions, cumulative limits, rate limits, approve/transferFrom on a capped token | dropped (intent gaps) |
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
    ArgRule, BoundedVec, Condition, NativeCap, Permission, Policy, Selector, SemanticProfile,
    Target, TokenCap,
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
}

impl Enforcer {
    /// Every enforcer, in the order the world deploys them.
    pub(crate) const ALL: [Self; 10] = [
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

fn allowance_dropped(subject: &str) -> IntentGap {
    gap(
        "allowance-over-time-dropped",
        GapDirection::Widened,
        subject.to_owned(),
        "its periodic or streaming allowance is not configured: only the lifetime cap is \
         enforced"
            .into(),
        "§P21",
    )
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

    // spec §7 → ValueLte and NativeTokenTransferAmount in every group.
    let zero = NativeCap { per_call: U256::ZERO, total: U256::ZERO, ..NativeCap::default() };
    let native = policy.native.unwrap_or(zero);
    if native.periodic.is_some() || native.streaming.is_some() {
        gaps.push(allowance_dropped("the native cap"));
    }
    let native = NativeCap { periodic: None, streaming: None, ..native };
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

    // spec §8 → ERC20TransferAmount on each token's transfer permission.
    for cap in policy.erc20.iter() {
        effective
            .erc20
            .push(TokenCap {
                token: cap.token,
                limit: cap.limit,
                spenders: None,
                periodic: None,
                streaming: None,
            })
            .expect("as many caps as the policy has");
        if cap.periodic.is_some() || cap.streaming.is_some() {
            gaps.push(allowance_dropped(&format!("the ERC-20 cap on {}", cap.token)));
        }
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
            Target::Address(a) => policy.token_cap(a).map(|(_, cap)| *cap),
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
        if let Some(cap) = cap {
            let mut terms = cap.token.to_vec();
            terms.extend_from_slice(&word(cap.limit));
            caveats.push(PlannedCaveat { enforcer: Enforcer::Erc20TransferAmount, terms });
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
}
