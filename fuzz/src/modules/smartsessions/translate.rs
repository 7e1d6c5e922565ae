//! A leash policy as SmartSessions can express it: the session configuration (policies and
//! their init data), the effective policy the model judges against under
//! [`SemanticProfile::SMART_SESSIONS`], and the intent gaps.
//!
//! | leash | SmartSessions |
//! |---|---|
//! | window | `TimeFramePolicy` (userOp), omitted when both bounds are 0 |
//! | usage limit `n` | `UsageLimitPolicy(n)` (userOp): counted per op (§P15) |
//! | native total | `ValueLimitPolicy(total)` (userOp) |
//! | native per call, no native value | `UniActionPolicy.valueLimitPerUse` on every action |
//! | exact permission | an action `(target, selector)`; the empty selector is `0xffffffff` (§P8) |
//! | argument rules | `UniActionPolicy` rules over raw words at canonical offsets (§P10) |
//! | `in_range` beyond 128 bits | two rules, `>=` and `<=` (§P11) |
//! | ERC-20 cap | `ERC20SpendingLimitPolicy` on each action whose target is the token (§P12) |
//! | any-target permission | the fallback action: any target and function (§P9) |
//! | rate limit, spender allowlist, `one_of` with 2+ values | dropped (intent gaps) |
//! | periodic and streaming allowances (spec v2, §15) | dropped (intent gaps, §P21) |

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolValue;
use leash_model::bounds::{MAX_RULES, TIME_MAX};
use leash_model::profile::{FALLBACK_FLAG, raw_offset};
use leash_model::{
    AbiType, ArgRule, BoundedVec, Condition, NativeCap, Permission, Policy, Selector,
    SemanticProfile, Target, TokenCap,
};

use super::abi::{self, condition};
use crate::modules::{GapDirection, IntentGap, Translation};

/// The selector of SmartSessions' fallback action.
pub(super) const FALLBACK_SELECTOR: [u8; 4] = [0, 0, 0, 1];
/// SmartSessions' `VALUE_SELECTOR`: the action of calldata shorter than four bytes.
pub(super) const VALUE_SELECTOR: [u8; 4] = [0xff; 4];

/// The policies the harness configures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PolicyKind {
    /// `SudoPolicy`.
    Sudo,
    /// `UniActionPolicy`.
    UniAction,
    /// `ValueLimitPolicy`.
    ValueLimit,
    /// `UsageLimitPolicy`.
    UsageLimit,
    /// `TimeFramePolicy`.
    TimeFrame,
    /// `ERC20SpendingLimitPolicy`.
    Erc20SpendingLimit,
}

impl PolicyKind {
    /// Every kind, in the order a build lists its contracts.
    pub(crate) const ALL: [Self; 6] = [
        Self::Sudo,
        Self::UniAction,
        Self::ValueLimit,
        Self::UsageLimit,
        Self::TimeFrame,
        Self::Erc20SpendingLimit,
    ];

    /// The contract's name in SmartSessions' artifacts.
    pub(crate) fn contract(self) -> &'static str {
        match self {
            Self::Sudo => "SudoPolicy",
            Self::UniAction => "UniActionPolicy",
            Self::ValueLimit => "ValueLimitPolicy",
            Self::UsageLimit => "UsageLimitPolicy",
            Self::TimeFrame => "TimeFramePolicy",
            Self::Erc20SpendingLimit => "ERC20SpendingLimitPolicy",
        }
    }
}

/// A policy to enable, with its init data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlannedPolicy {
    /// Which policy.
    pub(crate) kind: PolicyKind,
    /// Its `initData`.
    pub(crate) init: Vec<u8>,
}

/// An action to enable, and which effective permission it implements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlannedAction {
    /// `actionTarget` (the fallback flag for the fallback action).
    pub(crate) target: Address,
    /// `actionTargetSelector`.
    pub(crate) selector: [u8; 4],
    /// Its policies.
    pub(crate) policies: Vec<PlannedPolicy>,
    /// The index of the effective permission it implements.
    pub(crate) permission: usize,
    /// For each effective rule of that permission, the index of the UniActionPolicy rule that
    /// carries its cumulative limit.
    pub(crate) rule_slots: Vec<usize>,
    /// The token whose spending policy (with a non-zero limit) is on this action.
    pub(crate) token: Option<Address>,
}

/// A session configuration, with what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The effective policy and the intent gaps.
    pub(crate) translation: Translation,
    /// userOp policies.
    pub(crate) user_op: Vec<PlannedPolicy>,
    /// Actions.
    pub(crate) actions: Vec<PlannedAction>,
}

impl Plan {
    /// Whether a userOp policy of `kind` is configured.
    pub(crate) fn has_user_op(&self, kind: PolicyKind) -> bool {
        self.user_op.iter().any(|p| p.kind == kind)
    }
}

/// What the translation needs to know about the world.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context {
    /// The account the session belongs to.
    pub(crate) account: Address,
    /// The SmartSession module.
    pub(crate) module: Address,
}

/// How the session caps native value per call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PerCall {
    /// No action needs a per-call cap: the total cap implies it.
    Implied,
    /// Every action carries `valueLimitPerUse = cap` (UniActionPolicy everywhere).
    Uniform(U256),
}

struct Builder {
    gaps: Vec<IntentGap>,
}

impl Builder {
    fn gap(
        &mut self,
        id: &str,
        direction: GapDirection,
        subject: String,
        detail: String,
        clause: &str,
    ) {
        self.gaps.push(IntentGap {
            id: id.to_owned(),
            direction,
            subject,
            detail,
            clause: clause.to_owned(),
        });
    }
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

/// A UniActionPolicy rule.
fn uni_rule(cond: u8, offset: u64, reference: U256, limit: Option<U256>) -> abi::ParamRule {
    abi::ParamRule {
        condition: cond,
        offset,
        isLimited: limit.is_some(),
        r#ref: reference.to_be_bytes::<32>().into(),
        usage: abi::LimitUsage { limit: limit.unwrap_or_default(), used: U256::ZERO },
    }
}

/// `abi.encode(ActionConfig)` for these rules.
fn uni_action_init(value_limit: U256, rules: &[abi::ParamRule]) -> Vec<u8> {
    let mut all: [abi::ParamRule; 16] = Default::default();
    all[..rules.len()].clone_from_slice(rules);
    abi::ActionConfig {
        valueLimitPerUse: value_limit,
        paramRules: abi::ParamRules { length: U256::from(rules.len()), rules: all },
    }
    .abi_encode()
}

/// The rules of one permission: the effective rules and the UniActionPolicy rules, with the
/// UniActionPolicy index carrying each effective rule's limit.
struct Rules {
    effective: BoundedVec<ArgRule, MAX_RULES>,
    uni: Vec<abi::ParamRule>,
    slots: Vec<usize>,
}

fn translate_rules(b: &mut Builder, index: usize, p: &Permission) -> Rules {
    let mut out = Rules { effective: BoundedVec::new(), uni: Vec::new(), slots: Vec::new() };
    let two_128 = U256::from(1) << 128;
    for (r, rule) in p.rules.iter().enumerate() {
        let Some(offset) = raw_offset(p, rule) else {
            b.gap(
                "argument-rule-dropped",
                GapDirection::Widened,
                format!("{} rule {r}", subject(index, p)),
                "the rule reads a dynamic argument other than a 32-byte slice of the first one; \
                 UniActionPolicy reads only raw 32-byte words at fixed offsets, so the rule is not \
                 enforced"
                    .into(),
                "§P10",
            );
            continue;
        };
        if out.effective.len() == MAX_RULES {
            b.gap(
                "argument-rule-dropped",
                GapDirection::Widened,
                format!("{} rule {r}", subject(index, p)),
                "an earlier in_range took two rules, so this one no longer fits the permission's                  rule bound: not enforced"
                    .into(),
                "§P11",
            );
            continue;
        }
        let push = |out: &mut Rules, eff: ArgRule, cond: u8, reference: U256| {
            out.slots.push(out.uni.len());
            out.uni.push(uni_rule(cond, offset, reference, eff.limit));
            out.effective.push(eff).expect("no more effective rules than the policy's");
        };
        let (cond, reference) = match &rule.condition {
            Condition::Eq(x) => (condition::EQUAL, *x),
            Condition::Neq(x) => (condition::NOT_EQUAL, *x),
            Condition::Gt(x) => (condition::GREATER_THAN, *x),
            Condition::Gte(x) => (condition::GREATER_THAN_OR_EQUAL, *x),
            Condition::Lt(x) => (condition::LESS_THAN, *x),
            Condition::Lte(x) => (condition::LESS_THAN_OR_EQUAL, *x),
            Condition::InRange { lo, hi } if *lo < two_128 && *hi < two_128 => {
                (condition::IN_RANGE, (*lo << 128) | *hi)
            }
            Condition::InRange { lo, hi } => {
                // Two full-width rules, the limit on the first; both must fit the permission.
                if out.effective.len() + 2 > MAX_RULES {
                    b.gap(
                        "argument-rule-dropped",
                        GapDirection::Widened,
                        format!("{} rule {r}", subject(index, p)),
                        "in_range with a bound of 2^128 or more needs two UniActionPolicy rules \
                         and the permission has no room for them: not enforced"
                            .into(),
                        "§P11",
                    );
                    continue;
                }
                let low = ArgRule { condition: Condition::Gte(*lo), ..*rule };
                push(&mut out, low, condition::GREATER_THAN_OR_EQUAL, *lo);
                let high = ArgRule { condition: Condition::Lte(*hi), limit: None, ..*rule };
                out.uni.push(uni_rule(condition::LESS_THAN_OR_EQUAL, offset, *hi, None));
                out.slots.push(out.uni.len() - 1);
                out.effective.push(high).expect("room checked above");
                continue;
            }
            Condition::OneOf(values) if values.len() == 1 => {
                let eff = ArgRule { condition: Condition::Eq(values[0]), ..*rule };
                push(&mut out, eff, condition::EQUAL, values[0]);
                continue;
            }
            Condition::OneOf(values) => {
                b.gap(
                    "one-of-dropped",
                    GapDirection::Widened,
                    format!("{} rule {r}", subject(index, p)),
                    format!(
                        "one_of with {} values: SmartSessions has no one_of, so the rule is not \
                         enforced",
                        values.len()
                    ),
                    "§P11",
                );
                continue;
            }
        };
        push(&mut out, *rule, cond, reference);
    }
    out
}

/// Whether a rule that always holds (`word at offset 0 >= 0`, what UniActionPolicy needs to cap
/// value on a permission without rules) can name `p`'s first declared argument; otherwise the
/// effective permission declares one `uint256` for it.
fn first_arg_static(p: &Permission) -> bool {
    matches!(&p.args, Some(args) if args.first().is_some_and(|t| !t.is_dynamic()))
}

/// Translates `policy` for a session of `ctx.account` (see the module documentation).
pub(crate) fn plan(policy: &Policy, ctx: Context) -> Plan {
    let mut b = Builder { gaps: Vec::new() };
    let mut effective = Policy {
        valid_after: policy.valid_after,
        valid_until: policy.valid_until,
        ..Policy::default()
    };
    let mut user_op = Vec::new();
    let mut actions = Vec::new();

    // spec §11 → TimeFramePolicy.
    if policy.valid_after != 0 || policy.valid_until != 0 {
        let config = (u128::from(policy.valid_until) << 48) | u128::from(policy.valid_after);
        user_op.push(PlannedPolicy {
            kind: PolicyKind::TimeFrame,
            init: config.to_be_bytes()[4..].to_vec(),
        });
    } else {
        b.gap(
            "never-expires-off",
            GapDirection::Narrowed,
            "the window".into(),
            format!(
                "no bounds: SmartSessions still ends the session at {TIME_MAX} (2^48 - 1), where \
                 the spec's EntryPoint exception never expires it"
            ),
            "§P17",
        );
    }
    // spec §9: no rate policy.
    if let Some(rate) = policy.rate_limit {
        b.gap(
            "rate-limit-dropped",
            GapDirection::Widened,
            "the rate limit".into(),
            format!(
                "at most {} calls in {} s: SmartSessions has no rate policy, so it is not enforced",
                rate.max_calls, rate.interval
            ),
            "§P16",
        );
    }
    // spec §16, §17: leash configures no gas or chain policy on SmartSessions.
    if policy.gas.is_some() {
        b.gap(
            "gas-rule-dropped",
            GapDirection::Widened,
            "the gas rule".into(),
            "leash configures no SmartSessions user-op policy for gas or paymasters, so the \
             op's gas cost is not limited"
                .into(),
            "§16",
        );
    }
    if let Some(chains) = policy.chains {
        b.gap(
            "chain-list-dropped",
            GapDirection::Widened,
            "the chain list".into(),
            format!(
                "{} chains: leash configures no SmartSessions policy on block.chainid, so the \
                 session acts on every chain",
                chains.len()
            ),
            "§17",
        );
    }
    // spec §10 → UsageLimitPolicy, per op.
    let usage_zero = policy.usage_limit == Some(0);
    match policy.usage_limit {
        Some(0) => b.gap(
            "usage-limit-zero",
            GapDirection::Narrowed,
            "the usage limit".into(),
            "a limit of 0 cannot be configured (UsageLimitPolicy needs a non-zero limit): the \
             session gets no actions at all"
                .into(),
            "§10",
        ),
        Some(n) => {
            user_op.push(PlannedPolicy {
                kind: PolicyKind::UsageLimit,
                init: u128::from(n).to_be_bytes().to_vec(),
            });
            effective.usage_limit = Some(n);
            b.gap(
                "usage-counted-per-op",
                GapDirection::Widened,
                "the usage limit".into(),
                format!("{n} counts ops, not calls: a batch of several calls counts once"),
                "§P15",
            );
        }
        None => {}
    }

    // spec §7 → ValueLimitPolicy (total) and valueLimitPerUse (per call).
    let (per_call, total) =
        policy.native.map_or((U256::ZERO, U256::ZERO), |c| (c.per_call, c.total));
    let plain_transfers = policy.permissions.iter().any(|p| p.selector == Selector::Empty);
    let per_call_rule = if total.is_zero() {
        // No native value: every action caps it at zero, so plain transfers cannot be expressed.
        PerCall::Uniform(U256::ZERO)
    } else if per_call >= total {
        PerCall::Implied
    } else if plain_transfers {
        b.gap(
            "per-call-cap-dropped",
            GapDirection::Widened,
            "the native cap".into(),
            format!(
                "per call {per_call}: a plain-transfer action cannot carry UniActionPolicy, so no \
                 action caps value per call; only the total {total} is enforced"
            ),
            "§7.2",
        );
        PerCall::Implied
    } else {
        PerCall::Uniform(per_call)
    };
    if !total.is_zero() {
        user_op.push(PlannedPolicy {
            kind: PolicyKind::ValueLimit,
            init: total.to_be_bytes::<32>().to_vec(),
        });
    }
    effective.native = Some(match per_call_rule {
        PerCall::Uniform(cap) => NativeCap {
            per_call: cap,
            total: if total.is_zero() { U256::MAX } else { total },
            ..NativeCap::default()
        },
        PerCall::Implied => NativeCap { per_call: total, total, ..NativeCap::default() },
    });
    // spec §7.4, §7.5, §8.6, §8.7: no periodic or streaming policy (§P21).
    let native =
        policy.native.iter().map(|cap| ("the native cap".to_owned(), cap.periodic, cap.streaming));
    let tokens = policy
        .erc20
        .iter()
        .map(|cap| (format!("the ERC-20 cap on {}", cap.token), cap.periodic, cap.streaming));
    for (subject, periodic, streaming) in native.chain(tokens) {
        if let Some(p) = periodic {
            b.gap(
                "periodic-allowance-dropped",
                GapDirection::Widened,
                subject.clone(),
                format!(
                    "at most {} per {} s: SmartSessions has no periodic policy, so only the \
                     lifetime cap is enforced",
                    p.amount, p.period
                ),
                "§P21",
            );
        }
        if let Some(s) = streaming {
            b.gap(
                "streaming-allowance-dropped",
                GapDirection::Widened,
                subject,
                format!(
                    "a stream of {} per second up to {}: SmartSessions has no streaming policy, \
                     so only the lifetime cap is enforced",
                    s.rate, s.max
                ),
                "§P21",
            );
        }
    }

    // spec §8 caps: kept on the tokens' own actions (§P12); spender lists dropped.
    for cap in policy.erc20.iter() {
        if let Some(spenders) = &cap.spenders {
            b.gap(
                "spender-allowlist-dropped",
                GapDirection::Widened,
                format!("the ERC-20 cap on {}", cap.token),
                if spenders.is_empty() {
                    "no approvals at all (an empty spender list): ERC20SpendingLimitPolicy has \
                     no spender list, so any spender may be approved within the cap"
                        .to_owned()
                } else {
                    format!(
                        "approvals to {} listed spender(s) only: ERC20SpendingLimitPolicy has no \
                         spender list, so any spender may be approved within the cap",
                        spenders.len()
                    )
                },
                "§8.4",
            );
        }
        effective
            .erc20
            .push(TokenCap {
                token: cap.token,
                limit: cap.limit,
                decimals: cap.decimals,
                symbol: cap.symbol,
                ..TokenCap::default()
            })
            .expect("as many caps as the policy has");
        let own =
            policy.permissions.iter().filter(|p| p.target == Target::Address(cap.token)).count();
        if own > 1 {
            b.gap(
                "token-cap-per-action",
                GapDirection::Widened,
                format!("the ERC-20 cap on {}", cap.token),
                format!(
                    "{own} permissions on the token each get the full limit {}: \
                     ERC20SpendingLimitPolicy counts per action",
                    cap.limit
                ),
                "§P12",
            );
        }
    }

    // spec §5, §6 → actions.
    let mut fallback_done = false;
    for (index, p) in policy.permissions.iter().enumerate() {
        if usage_zero {
            break;
        }
        let (action_target, selector) = match p.target {
            Target::Any => {
                if fallback_done {
                    b.gap(
                        "second-wildcard-dropped",
                        GapDirection::Narrowed,
                        subject(index, p),
                        "SmartSessions has one fallback action; an earlier any-target permission \
                         already is it"
                            .into(),
                        "§P9",
                    );
                    continue;
                }
                b.gap(
                    "wildcard-is-fallback",
                    GapDirection::Widened,
                    subject(index, p),
                    "becomes SmartSessions' fallback action: any target and any function without \
                     an action of its own, calls to the account itself other than execute \
                     included, under this permission's rules"
                        .into(),
                    "§P9",
                );
                if !policy.erc20.is_empty() {
                    b.gap(
                        "fallback-reaches-tokens-uncapped",
                        GapDirection::Widened,
                        subject(index, p),
                        "calls that reach a capped token through the fallback action are not \
                         counted against its cap"
                            .into(),
                        "§P12",
                    );
                }
                fallback_done = true;
                (FALLBACK_FLAG, FALLBACK_SELECTOR)
            }
            Target::Address(a) => {
                let unconfigurable = if a == Address::ZERO || a == FALLBACK_FLAG || a == ctx.module
                {
                    Some(
                        "SmartSessions refuses actions for address(0), its fallback flag and itself",
                    )
                } else if a == ctx.account {
                    Some(
                        "the spec forbids calls to the account (§4.1), SmartSessions would allow them",
                    )
                } else {
                    None
                };
                if let Some(why) = unconfigurable {
                    b.gap(
                        "permission-dropped",
                        GapDirection::Narrowed,
                        subject(index, p),
                        format!("not configured: {why}"),
                        "§P7",
                    );
                    continue;
                }
                let selector = match p.selector {
                    Selector::Empty => VALUE_SELECTOR,
                    Selector::Exact(s) => s,
                };
                if actions.iter().any(|x: &PlannedAction| x.target == a && x.selector == selector) {
                    b.gap(
                        "permission-dropped",
                        GapDirection::Narrowed,
                        subject(index, p),
                        "plain transfers and the selector 0xffffffff are one action in \
                         SmartSessions; an earlier permission already is it"
                            .into(),
                        "§P8",
                    );
                    continue;
                }
                (a, selector)
            }
        };
        if p.selector == Selector::Empty && p.target != Target::Any {
            if per_call_rule == PerCall::Uniform(U256::ZERO) {
                b.gap(
                    "permission-dropped",
                    GapDirection::Narrowed,
                    subject(index, p),
                    "without a native cap it could only send 0 wei, and SmartSessions cannot \
                     deny value on a call without argument rules"
                        .into(),
                    "§P13",
                );
                continue;
            }
            b.gap(
                "value-selector-aliases",
                GapDirection::Widened,
                subject(index, p),
                "SmartSessions files calldata of 1 to 3 bytes, and calldata starting with \
                 0xffffffff, under plain transfers"
                    .into(),
                "§P8",
            );
        }
        let token = policy
            .token_cap(action_target)
            .map(|(_, cap)| *cap)
            .filter(|_| p.target != Target::Any);
        let mut rules = translate_rules(&mut b, index, p);
        let mut args = p.args;
        let mut policies = Vec::new();
        let value_limit = match per_call_rule {
            // A token action's spending policy already denies any value.
            PerCall::Uniform(cap) if token.is_none() => Some(cap),
            _ if !rules.uni.is_empty() => Some(U256::MAX),
            _ => None,
        };
        if let Some(value_limit) = value_limit {
            if rules.uni.is_empty() {
                // UniActionPolicy needs a rule: one that always holds on a present word.
                if !first_arg_static(p) {
                    args = Some(BoundedVec::try_from_iter([AbiType::Uint(256)]).expect("one"));
                }
                if p.args.as_ref().is_none_or(|a| a.is_empty()) {
                    b.gap(
                        "needs-argument-word",
                        GapDirection::Narrowed,
                        subject(index, p),
                        "UniActionPolicy caps value only with an argument rule: calls with fewer \
                         than 32 bytes of arguments are denied"
                            .into(),
                        "§P10",
                    );
                }
                let always = ArgRule {
                    arg: 0,
                    slice: None,
                    condition: Condition::Gte(U256::ZERO),
                    limit: None,
                };
                rules.uni.push(uni_rule(condition::GREATER_THAN_OR_EQUAL, 0, U256::ZERO, None));
                rules.slots.push(0);
                rules.effective.push(always).expect("an empty rule list has room");
            }
            policies.push(PlannedPolicy {
                kind: PolicyKind::UniAction,
                init: uni_action_init(value_limit, &rules.uni),
            });
        }
        if let Some(cap) = token {
            let (tokens, limits): (Vec<Address>, Vec<U256>) = if cap.limit.is_zero() {
                (vec![], vec![])
            } else {
                (vec![cap.token], vec![cap.limit])
            };
            policies.push(PlannedPolicy {
                kind: PolicyKind::Erc20SpendingLimit,
                init: (tokens, limits).abi_encode_params(),
            });
        }
        if policies.is_empty() {
            policies.push(PlannedPolicy { kind: PolicyKind::Sudo, init: Vec::new() });
        }
        let permission = effective.permissions.len();
        // The fallback's own selector means nothing (§P9); a fixed one keeps it valid (§12.3).
        let selector_eff =
            if p.target == Target::Any { Selector::Exact(FALLBACK_SELECTOR) } else { p.selector };
        effective
            .permissions
            .push(Permission {
                target: p.target,
                selector: selector_eff,
                args,
                rules: rules.effective,
            })
            .expect("no more permissions than the policy's");
        actions.push(PlannedAction {
            target: action_target,
            selector,
            policies,
            permission,
            rule_slots: rules.slots,
            token: token.filter(|c| !c.limit.is_zero()).map(|c| c.token),
        });
    }
    debug_assert_eq!(effective.validate(), Ok(()), "effective policies are valid");
    debug_assert_eq!(
        SemanticProfile::SMART_SESSIONS.check_policy(&effective),
        Ok(()),
        "effective policies are expressible"
    );
    Plan { translation: Translation { effective, gaps: b.gaps }, user_op, actions }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    const CTX: Context = Context {
        account: address!("0x00000000000000000000000000000000000acc01"),
        module: address!("0x000000000000000000000000000000000000d0d1"),
    };
    const GAME: &str = "0x0000000000000000000000000000000000009a3e";
    const TOKEN: &str = "0x000000000000000000000000000000000000707e";

    fn policy(text: &str) -> Policy {
        toml::from_str(&text.replace("{game}", GAME).replace("{token}", TOKEN)).unwrap()
    }

    fn gap_ids(plan: &Plan) -> Vec<&str> {
        plan.translation.gaps.iter().map(|g| g.id.as_str()).collect()
    }

    #[test]
    fn gas_rules_and_chain_lists_are_dropped_as_gaps() {
        let plan = plan(
            &policy(
                r#"
                chains = [8453]
                [gas]
                total = "1 ether"
                [[permissions]]
                target = "{game}"
                function = "useSkill(uint8,uint256)"
            "#,
            ),
            CTX,
        );
        let ids = gap_ids(&plan);
        assert!(
            ids.contains(&"gas-rule-dropped") && ids.contains(&"chain-list-dropped"),
            "{ids:?}"
        );
        assert_eq!(plan.translation.effective.gas, None);
        assert_eq!(plan.translation.effective.chains, None);
    }

    #[test]
    fn rules_window_usage_and_native_map_to_policies() {
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
                lte = "100"
                limit = "150"
            "#,
            ),
            CTX,
        );
        let kinds: Vec<PolicyKind> = plan.user_op.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [PolicyKind::TimeFrame, PolicyKind::UsageLimit, PolicyKind::ValueLimit]);
        assert_eq!(plan.user_op[0].init, [0, 0, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0, 10]);
        assert_eq!(plan.actions.len(), 1);
        let action = &plan.actions[0];
        assert_eq!(action.policies[0].kind, PolicyKind::UniAction);
        assert_eq!(action.rule_slots, [0]);
        let config = abi::ActionConfig::abi_decode(&action.policies[0].init).unwrap();
        assert_eq!(config.valueLimitPerUse, U256::from(5));
        assert_eq!(config.paramRules.rules[0].offset, 32);
        assert!(config.paramRules.rules[0].isLimited);
        assert_eq!(gap_ids(&plan), ["usage-counted-per-op"]);
        let eff = &plan.translation.effective;
        assert_eq!(
            eff.native,
            Some(NativeCap {
                per_call: U256::from(5),
                total: U256::from(100),
                ..NativeCap::default()
            })
        );
    }

    #[test]
    fn what_smartsessions_cannot_express_becomes_gaps() {
        let plan = plan(
            &policy(
                r#"
                [rate_limit]
                max_calls = 2
                interval = 60
                [[permissions]]
                target = "{game}"
                function = "attack(uint256)"
                [[permissions.rules]]
                arg = 0
                one_of = ["1", "2"]
                [[permissions]]
                target = "*"
                function = "pickup(address,uint256)"
                [[permissions]]
                target = "{token}"
                function = "transfer(address,uint256)"
                [[erc20]]
                token = "{token}"
                limit = "10"
                spenders = []
            "#,
            ),
            CTX,
        );
        let ids = gap_ids(&plan);
        for id in [
            "never-expires-off",
            "rate-limit-dropped",
            "one-of-dropped",
            "wildcard-is-fallback",
            "fallback-reaches-tokens-uncapped",
            "spender-allowlist-dropped",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        let eff = &plan.translation.effective;
        assert_eq!(eff.rate_limit, None);
        assert_eq!(eff.erc20[0].spenders, None);
        // No native cap: every action caps value at zero, the token action by its spending
        // policy, the others by UniActionPolicy with a rule that always holds.
        let token_action = &plan.actions[2];
        assert_eq!(token_action.policies.len(), 1);
        assert_eq!(token_action.policies[0].kind, PolicyKind::Erc20SpendingLimit);
        assert_eq!(plan.actions[1].target, FALLBACK_FLAG);
        assert_eq!(plan.actions[0].policies[0].kind, PolicyKind::UniAction);
        assert_eq!(eff.permissions[0].rules.len(), 1);
        assert_eq!(eff.permissions[0].rules[0].condition, Condition::Gte(U256::ZERO));
    }

    #[test]
    fn wide_in_range_splits_and_plain_transfers_drop_without_value() {
        let plan = plan(
            &policy(&format!(
                r#"
                [[permissions]]
                target = "{{game}}"
                function = "attack(uint256)"
                [[permissions.rules]]
                arg = 0
                in_range = ["1", "{}"]
                limit = "1000"
                [[permissions]]
                target = "{{game}}"
                selector = "empty"
            "#,
                U256::from(1) << 200
            )),
            CTX,
        );
        let eff = &plan.translation.effective;
        assert_eq!(eff.permissions.len(), 1);
        assert_eq!(eff.permissions[0].rules.len(), 2);
        assert_eq!(plan.actions[0].rule_slots, [0, 1]);
        assert!(gap_ids(&plan).contains(&"permission-dropped"));
    }
}
