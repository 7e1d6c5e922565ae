//! Whole lifecycles: install, use (single and batch, several ops per bundle), move the clock,
//! revoke, reinstall with another policy.

use alloy_primitives::U256;
use arbitrary::Unstructured;
use leash_model::bounds::{MAX_BATCH, MAX_SESSIONS};
use leash_model::{Policy, Selector};

use super::{
    Catalog, Dictionary, allowance, chain, erc20, frame, gas, native, permission, rate, scope,
    usage, validity, window,
};
use crate::case::{Case, Op, Recipe, Replay, START_TIME, Signer, Step};
use crate::evm::userop::paymaster_and_data_refusal;
use crate::evm::{Frame, ZERO_KEY};
use crate::mutate::{self, PlannedCall, PlannedOp};

/// How cases are generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseConfig {
    /// The most steps in a case.
    pub max_steps: usize,
    /// Whether ops may be mutated into non-canonical encodings. Off, leash sends only canonical
    /// encodings, as ABI-typed fuzzers do.
    pub mutate: bool,
    /// A fixed policy every install uses (`leash fuzz --policy`); `None` generates policies.
    pub policy: Option<Box<Policy>>,
}

impl Default for CaseConfig {
    fn default() -> Self {
        Self { max_steps: 16, mutate: true, policy: None }
    }
}

/// Key indices `0..MAX_SESSIONS` can hold sessions; the rest of the harness's keys never do.
const STRANGER: u8 = MAX_SESSIONS as u8;

/// The policy an install uses: the configured one, or a random valid one.
fn install_policy(
    u: &mut Unstructured<'_>,
    catalog: &Catalog,
    now: u64,
    config: &CaseConfig,
) -> arbitrary::Result<Policy> {
    match &config.policy {
        Some(fixed) => Ok((**fixed).clone()),
        None => policy(u, catalog, now),
    }
}

/// A random valid policy over the catalog, its window placed around `now`.
pub fn policy(u: &mut Unstructured<'_>, catalog: &Catalog, now: u64) -> arbitrary::Result<Policy> {
    let (valid_after, valid_until) = window::window(u, now)?;
    // Half the policies have allowances over time (spec v2); the others are spec v1 policies.
    let timed = u.ratio(1, 2)?;
    let mut p = Policy {
        valid_after,
        valid_until,
        native: native::cap(u, now, timed)?,
        erc20: erc20::caps(u, catalog, now, timed)?,
        usage_limit: usage::limit(u)?,
        rate_limit: rate::limit(u)?,
        gas: gas::rule(u, catalog)?,
        chains: chain::list(u)?,
        ..Policy::default()
    };
    for _ in 0..u.int_in_range(1..=4)? {
        let candidate = permission::permission(u, catalog)?;
        let clash = p
            .permissions
            .iter()
            .any(|q| q.target == candidate.target && q.selector == candidate.selector);
        if !clash {
            p.permissions.push(candidate).expect("at most 4 of MAX_PERMISSIONS");
        }
    }
    if let Some(spend) = allowance::spending_permission(u, &p)?
        && !p.permissions.iter().any(|q| q.target == spend.target && q.selector == spend.selector)
    {
        p.permissions.push(spend).expect("at most 5 of MAX_PERMISSIONS");
    }
    debug_assert_eq!(p.validate(), Ok(()), "generated policies are valid");
    Ok(p)
}

/// The key's earlier policy with some rules redrawn, as an owner re-issues a key with a changed
/// limit. Such a reinstall keeps the permissions the earlier session was using, so counters that
/// survive from it (class C8) meet the same calls under the new limits.
fn amended_policy(
    u: &mut Unstructured<'_>,
    earlier: &Policy,
    catalog: &Catalog,
    now: u64,
) -> arbitrary::Result<Policy> {
    let mut p = earlier.clone();
    let timed = earlier.has_allowances_over_time() || u.ratio(1, 4)?;
    if u.ratio(1, 3)? {
        (p.valid_after, p.valid_until) = window::window(u, now)?;
    }
    if u.ratio(1, 3)? {
        p.native = native::cap(u, now, timed)?;
    }
    if u.ratio(1, 3)? {
        p.erc20 = erc20::caps(u, catalog, now, timed)?;
    }
    if u.ratio(1, 3)? {
        p.usage_limit = usage::limit(u)?;
    }
    if u.ratio(1, 2)? {
        p.rate_limit = rate::amended(u, earlier.rate_limit)?;
    }
    if u.ratio(1, 3)? {
        p.gas = gas::rule(u, catalog)?;
    }
    if u.ratio(1, 4)? {
        p.chains = chain::list(u)?;
    }
    debug_assert_eq!(p.validate(), Ok(()), "amended policies are valid");
    Ok(p)
}

/// One execution: aimed at the policy mostly, else the ERC-20 family, a catalog call, a
/// forbidden target, a plain transfer, or calldata of 1 to 3 bytes.
fn call(
    u: &mut Unstructured<'_>,
    p: &Policy,
    catalog: &Catalog,
    d: &Dictionary,
) -> arbitrary::Result<PlannedCall> {
    let planned = match u.int_in_range(0u8..=29)? {
        0..=20 => permission::aimed_call(u, p, catalog, d)?,
        21..=23 => erc20::call(u, p, catalog, d)?,
        24 | 25 => Some(permission::catalog_call(u, p, catalog, d)?),
        26 => {
            let mut c = permission::catalog_call(u, p, catalog, d)?;
            c.target = scope::forbidden(u, catalog)?;
            if u.ratio(1, 2)? {
                // Re-enter the account with a nested execute (bug class C4 d).
                let types = [leash_model::AbiType::FixedBytes(32), leash_model::AbiType::Bytes];
                let selector = leash_model::selectors::EXECUTE;
                c.data = permission::encode_args_for(u, selector, &types, &[], &[], catalog, d)?;
                c.args = Some(types.to_vec());
                c.target =
                    if u.ratio(1, 2)? { catalog.account } else { alloy_primitives::Address::ZERO };
            }
            Some(c)
        }
        27 => {
            let receiving = p.permissions.iter().find(|q| q.selector == Selector::Empty);
            let target = match receiving {
                Some(q) => match q.target {
                    leash_model::Target::Address(a) => a,
                    leash_model::Target::Any => scope::address(u, catalog)?,
                },
                None => scope::address(u, catalog)?,
            };
            Some(PlannedCall {
                target,
                value: native::value(u, p, d)?,
                data: Vec::new(),
                args: None,
            })
        }
        _ => {
            let mut data = vec![0u8; u.int_in_range(1..=3)?];
            u.fill_buffer(&mut data)?;
            Some(PlannedCall {
                target: scope::address(u, catalog)?,
                value: U256::ZERO,
                data,
                args: None,
            })
        }
    };
    match planned {
        Some(c) => Ok(c),
        None => permission::catalog_call(u, p, catalog, d),
    }
}

/// What a twin plants: something the policy forbids (a capped token drained to a bystander,
/// a forbidden target, a function it does not grant).
fn escalation(
    u: &mut Unstructured<'_>,
    p: &Policy,
    catalog: &Catalog,
    d: &Dictionary,
) -> arbitrary::Result<PlannedCall> {
    let mut c = match u.int_in_range(0u8..=3)? {
        0 | 1 => erc20::call(u, p, catalog, d)?
            .map_or_else(|| permission::catalog_call(u, p, catalog, d), Ok)?,
        2 => {
            let mut c = permission::catalog_call(u, p, catalog, d)?;
            c.target = scope::forbidden(u, catalog)?;
            c
        }
        _ => permission::catalog_call(u, p, catalog, d)?,
    };
    if u.ratio(1, 4)? {
        c.value = native::value(u, p, d)?;
    }
    Ok(c)
}

fn planned_op(
    u: &mut Unstructured<'_>,
    p: &Policy,
    catalog: &Catalog,
    d: &Dictionary,
) -> arbitrary::Result<PlannedOp> {
    let batch = u.ratio(2, 5)?;
    let n = if !batch {
        1
    } else {
        match u.int_in_range(0u8..=39)? {
            0 => 0,
            1 | 2 => MAX_BATCH + 1,
            3 | 4 => MAX_BATCH,
            5..=22 => 2,
            23..=30 => 3,
            _ => 1,
        }
    };
    let mut calls = Vec::with_capacity(n);
    for _ in 0..n {
        calls.push(call(u, p, catalog, d)?);
    }
    Ok(PlannedOp { batch, calls })
}

/// The twin of a planned op, item by item: the same function with arguments that ignore the
/// policy's rules (what a relocated tail or item would carry), or an outright escalation.
fn twin_of(
    u: &mut Unstructured<'_>,
    planned: &PlannedOp,
    p: &Policy,
    catalog: &Catalog,
    d: &Dictionary,
) -> arbitrary::Result<PlannedOp> {
    let mut calls = Vec::with_capacity(planned.calls.len().max(1));
    for original in &planned.calls {
        let same_function = match (&original.args, original.data.get(..4)) {
            (Some(types), Some(selector)) if u.ratio(1, 2)? => {
                let selector: [u8; 4] = selector.try_into().expect("four bytes");
                let data = permission::encode_args_for(u, selector, types, &[], &[], catalog, d)?;
                Some(PlannedCall { data, ..original.clone() })
            }
            _ => None,
        };
        calls.push(match same_function {
            Some(c) => c,
            None => escalation(u, p, catalog, d)?,
        });
    }
    if calls.is_empty() {
        calls.push(escalation(u, p, catalog, d)?);
    }
    Ok(PlannedOp { batch: planned.batch, calls })
}

/// One op at `now`, its values drawn from the policy's constants and from `history`: the
/// amounts earlier ops of the case used, so a later op can push a counter exactly to its cap, or
/// wrap it (`2^256 - x`, spec §13.3), or take exactly what an allowance over time has left
/// (spec §15). The op's own amounts are added to `history`. Its gas terms aim at what the
/// signer's gas total has left of `gas_spent` (spec §16.4), to which its cost is added unless
/// the EntryPoint refuses its `paymasterAndData` (§1.4.3).
fn op(
    u: &mut Unstructured<'_>,
    signer: Signer,
    p: &Policy,
    catalog: &Catalog,
    config: &CaseConfig,
    (now, history, gas_spent): (u64, &mut Vec<U256>, &mut U256),
) -> arbitrary::Result<Op> {
    let mut d = Dictionary::for_policy(p);
    d.add_history(history);
    d.add_allowances(p, now, history);
    let planned = planned_op(u, p, catalog, &d)?;
    for call in &planned.calls {
        if !call.value.is_zero() {
            history.push(call.value);
        }
        let words = call.decoded_args().into_iter().flatten().filter_map(|a| a.as_word());
        history.extend(words.filter(|w| !w.is_zero()));
    }
    // Keep the dictionary small: the latest amounts matter most.
    let excess = history.len().saturating_sub(16);
    history.drain(..excess);
    let twin = twin_of(u, &planned, p, catalog, &d)?;
    let mutation = if config.mutate && u.ratio(2, 5)? {
        let (_, layout) = planned.encode();
        mutate::choose(u, &planned, &layout, &twin)?
    } else {
        None
    };
    let recipe = Recipe { planned, twin, mutation };
    let mut op = Op::from_recipe(signer, recipe).expect("chosen mutations apply");
    op.gas = gas::terms(u, p, catalog, *gas_spent)?;
    // An op whose `paymasterAndData` the EntryPoint refuses never reaches the module and costs
    // nothing (spec §1.4.3).
    if let Some(terms) = &op.gas
        && paymaster_and_data_refusal(&terms.paymaster_and_data).is_none()
        && let Some(cost) = op.model_gas().max_cost()
    {
        *gas_spent = gas_spent.saturating_add(cost);
    }
    Ok(op)
}

/// A whole case: installs first, then a mix of bundles, clock moves, revocations and
/// reinstalls, with fresh policies or the key's earlier one amended.
pub fn generate_case(
    u: &mut Unstructured<'_>,
    catalog: &Catalog,
    config: &CaseConfig,
) -> arbitrary::Result<Case> {
    let mut now = START_TIME;
    let mut history = Vec::new();
    let mut policies: Vec<Option<Policy>> = vec![None; usize::from(STRANGER)];
    // What each key's ops have cost so far, as the generator counts it (spec §16.4); the last
    // entry is for signers without a session.
    let mut gas_spent = vec![U256::ZERO; usize::from(STRANGER) + 1];
    let mut steps = Vec::new();
    let first = install_policy(u, catalog, now, config)?;
    steps.push(Step::Install { key: 0, policy: Box::new(first.clone()) });
    if catalog.chain_moves && first.chains.is_some() && u.ratio(1, 4)? {
        steps.push(Step::Chain { id: chain::next(u, &first)? });
    }
    policies[0] = Some(first);
    if first_window_starts_later(&policies[0]) && u.ratio(1, 2)? {
        now = policies[0].as_ref().map_or(now, |p| p.valid_after + 1);
        steps.push(Step::Time { now });
    }
    let n = u.int_in_range(1..=config.max_steps.max(1))?;
    for _ in 0..n {
        if u.is_empty() {
            break;
        }
        if catalog.frame == Frame::Eip7702 && u.ratio(1, 5)? {
            let p = policies[0].clone().expect("key 0 is installed first");
            let mut away = Episode {
                catalog,
                config,
                policies: &mut policies,
                now: &mut now,
                history: &mut history,
                gas_spent: &mut gas_spent,
            };
            steps.extend(frame::episode(u, catalog, &p, &mut away)?);
            continue;
        }
        match u.int_in_range(0u8..=19)? {
            11 if catalog.chain_moves => {
                // The account, its state replicated, validated on another chain (spec §17).
                let p = policies[0].as_ref().expect("key 0 is installed first");
                steps.push(Step::Chain { id: chain::next(u, p)? });
            }
            0..=11 => {
                let step =
                    bundle(u, &policies, catalog, config, (now, &mut history, &mut gas_spent))?;
                let step = if catalog.replays {
                    let step = replays(u, catalog, &steps, step)?;
                    other_keys(u, &policies, step)?
                } else {
                    step
                };
                steps.push(step);
            }
            12..=15 if u.ratio(1, 3)? => {
                // Straddle a period boundary (or a stream's start): bundles on consecutive seconds
                // around it, or on its first and last second (spec §15.2, §15.3).
                let p = policies[0].as_ref().expect("key 0 is installed first");
                let p = p.clone();
                for t in allowance::straddle(u, &p, now)? {
                    now = t;
                    steps.push(Step::Time { now });
                    // Key 0's own ops, whose allowance the straddle is about: one, or two in the
                    // same second (the same period).
                    let mut ops = Vec::new();
                    for _ in 0..u.int_in_range(1..=2)? {
                        let state = (now, &mut history, &mut gas_spent[0]);
                        ops.push(op(u, Signer::Key(0), &p, catalog, config, state)?);
                    }
                    steps.push(Step::Bundle { ops });
                }
            }
            12..=15 => {
                let p = policies[0].as_ref().expect("key 0 is installed first");
                let timed = p.has_allowances_over_time() && u.ratio(2, 3)?;
                now = match (timed, rate::next_time(u, p, now)?) {
                    (true, _) => allowance::next_time(u, p, now)?.unwrap_or(now),
                    (false, Some(t)) if u.ratio(1, 2)? => t,
                    _ => window::next_time(u, p, now)?,
                };
                steps.push(Step::Time { now });
            }
            16 => {
                // Now and then any key, which may never have had a session (spec §2.2).
                let key = if catalog.refused_lifecycle && u.ratio(1, 4)? {
                    u.int_in_range(0..=ZERO_KEY)?
                } else {
                    *u.choose(&installed_keys(&policies))?
                };
                steps.push(Step::Revoke { key });
            }
            _ => {
                // Half the installs reinstall a key that already had a session (spec §2.1).
                let key = if u.ratio(1, 2)? {
                    *u.choose(&installed_keys(&policies))?
                } else {
                    u.int_in_range(0..=STRANGER - 1)?
                };
                let p = match &policies[usize::from(key)] {
                    Some(earlier) if config.policy.is_none() && u.ratio(1, 2)? => {
                        amended_policy(u, earlier, catalog, now)?
                    }
                    _ => install_policy(u, catalog, now, config)?,
                };
                // Now and then the policy with one clause of spec §12 broken, or a session for
                // `address(0)` (§2.1, what a failed `ecrecover` returns): refused, either changes
                // nothing.
                if catalog.refused_lifecycle
                    && u.ratio(1, 4)?
                    && let Some(broken) = validity::broken_policy(u, &p)?
                {
                    steps.push(Step::Install { key, policy: Box::new(broken) });
                    continue;
                }
                if catalog.refused_lifecycle && u.ratio(1, 16)? {
                    steps.push(Step::Install { key: ZERO_KEY, policy: Box::new(p) });
                    continue;
                }
                steps.push(Step::Install { key, policy: Box::new(p.clone()) });
                policies[usize::from(key)] = Some(p);
                gas_spent[usize::from(key)] = U256::ZERO;
            }
        }
    }
    Ok(Case { steps })
}

/// The case generator's state, lent to an EIP-7702 episode ([`frame::episode`]).
struct Episode<'a> {
    catalog: &'a Catalog,
    config: &'a CaseConfig,
    policies: &'a mut Vec<Option<Policy>>,
    now: &'a mut u64,
    history: &'a mut Vec<U256>,
    gas_spent: &'a mut Vec<U256>,
}

impl frame::Steps for Episode<'_> {
    fn bundle(&mut self, u: &mut Unstructured<'_>) -> arbitrary::Result<Step> {
        let state = (*self.now, &mut *self.history, &mut self.gas_spent[..]);
        bundle(u, self.policies, self.catalog, self.config, state)
    }

    fn op_by(&mut self, u: &mut Unstructured<'_>, signer: Signer) -> arbitrary::Result<Step> {
        let p = self.policies[0].clone().expect("key 0 is installed first");
        let spent = gas_slot(self.gas_spent, signer);
        let op =
            op(u, signer, &p, self.catalog, self.config, (*self.now, &mut *self.history, spent))?;
        Ok(Step::Bundle { ops: vec![op] })
    }

    fn lifecycle(&mut self, u: &mut Unstructured<'_>) -> arbitrary::Result<Step> {
        let key = *u.choose(&installed_keys(self.policies))?;
        if u.ratio(2, 3)? {
            return Ok(Step::Revoke { key });
        }
        let p = install_policy(u, self.catalog, *self.now, self.config)?;
        self.policies[usize::from(key)] = Some(p.clone());
        self.gas_spent[usize::from(key)] = U256::ZERO;
        Ok(Step::Install { key, policy: Box::new(p) })
    }

    fn time(&mut self, u: &mut Unstructured<'_>) -> arbitrary::Result<Step> {
        let p = self.policies[0].as_ref().expect("key 0 is installed first");
        *self.now = window::next_time(u, p, *self.now)?;
        Ok(Step::Time { now: *self.now })
    }
}

/// A bundle of one to three ops, each by a signer `pick_signer` draws, at `now`.
fn bundle(
    u: &mut Unstructured<'_>,
    policies: &[Option<Policy>],
    catalog: &Catalog,
    config: &CaseConfig,
    (now, history, gas_spent): (u64, &mut Vec<U256>, &mut [U256]),
) -> arbitrary::Result<Step> {
    let mut ops = Vec::new();
    for _ in 0..u.int_in_range(1..=3)? {
        let (signer, p) = pick_signer(u, policies)?;
        let p = p.unwrap_or_else(|| policies[0].clone().expect("key 0 is installed first"));
        let spent = gas_slot(gas_spent, signer);
        ops.push(op(u, signer, &p, catalog, config, (now, &mut *history, spent))?);
    }
    Ok(Step::Bundle { ops })
}

/// The entry of `gas_spent` that counts `signer`'s gas: its key's, or the shared one of signers
/// without a session.
fn gas_slot(gas_spent: &mut [U256], signer: Signer) -> &mut U256 {
    match signer {
        Signer::Key(k) if k < STRANGER => &mut gas_spent[usize::from(k)],
        _ => &mut gas_spent[usize::from(STRANGER)],
    }
}

/// Now and then turns ops of a new bundle into replays (spec §1.4.2): one resubmits an op of an
/// earlier bundle exactly as it was signed (after the clock, the chain or the session moved), or
/// one carries the signature of another op of the bundle, or (where the world has a second
/// account) one signed for the account is submitted from the other account.
fn replays(
    u: &mut Unstructured<'_>,
    catalog: &Catalog,
    earlier: &[Step],
    step: Step,
) -> arbitrary::Result<Step> {
    let Step::Bundle { mut ops } = step else {
        return Ok(step);
    };
    let submitted: Vec<(usize, usize, &Op)> = earlier
        .iter()
        .enumerate()
        .filter_map(|(s, step)| match step {
            Step::Bundle { ops } => Some(ops.iter().enumerate().map(move |(o, op)| (s, o, op))),
            _ => None,
        })
        .flatten()
        // A replay of a replay resubmits the same bytes; keep to originals.
        .filter(|(_, _, op)| op.replay.is_none())
        .collect();
    // An op signed before the world's last chain move, first submitted after it: a signature
    // made on one chain offered on another (spec §1.4.1, §17). Ops denied on the first chain
    // (its chain list, its window) have unused nonces, so this is the one replay across chains
    // that reaches the module; it is drawn more often than other resubmissions.
    let moved_at = earlier.iter().rposition(|s| matches!(s, Step::Chain { .. }));
    let before_move: Vec<(usize, usize, &Op)> = match moved_at {
        Some(moved) => submitted.iter().copied().filter(|(s, _, _)| *s < moved).collect(),
        None => Vec::new(),
    };
    let resubmit = if !before_move.is_empty() && u.ratio(1, 4)? {
        Some(*u.choose(&before_move)?)
    } else if !submitted.is_empty() && u.ratio(1, 8)? {
        Some(*u.choose(&submitted)?)
    } else {
        None
    };
    if let Some((step, position, original)) = resubmit {
        let at = u.choose_index(ops.len())?;
        ops[at] = Op { replay: Some(Replay::Resubmit { step, op: position }), ..original.clone() };
    }
    if ops.len() >= 2 && u.ratio(1, 10)? {
        let at = u.choose_index(ops.len())?;
        let other = (at + 1 + u.choose_index(ops.len() - 1)?) % ops.len();
        if ops[at].replay.is_none() {
            ops[at].replay = Some(Replay::SignatureOf { op: other });
        }
    }
    if catalog.other_account && u.ratio(1, 10)? {
        let at = u.choose_index(ops.len())?;
        if ops[at].replay.is_none() {
            ops[at].replay = Some(Replay::OtherAccount);
        }
    }
    Ok(Step::Bundle { ops })
}

/// Now and then gives an op of a new bundle another installed key's signature over its own hash
/// (spec §1.4.4): in its signer's place, under the layout that names its signer's session, or
/// as a tail right after its signer's. Half the tails are the signer's own signature after that of
/// a key without a session, which takes the signer's place: a module that takes any installed
/// key's signature in the signature for the session's runs the op under the session it was made
/// for.
fn other_keys(
    u: &mut Unstructured<'_>,
    policies: &[Option<Policy>],
    step: Step,
) -> arbitrary::Result<Step> {
    let Step::Bundle { mut ops } = step else {
        return Ok(step);
    };
    if !u.ratio(1, 8)? {
        return Ok(Step::Bundle { ops });
    }
    let at = u.choose_index(ops.len())?;
    let op = &mut ops[at];
    if op.replay.is_some() {
        return Ok(Step::Bundle { ops });
    }
    let others: Vec<u8> =
        installed_keys(policies).into_iter().filter(|k| op.signer != Signer::Key(*k)).collect();
    if others.is_empty() {
        return Ok(Step::Bundle { ops });
    }
    let key = *u.choose(&others)?;
    let own = match op.signer {
        Signer::Key(k) if policies.get(usize::from(k)).is_some_and(Option::is_some) => Some(k),
        _ => None,
    };
    op.replay = Some(match own {
        _ if u.ratio(1, 2)? => Replay::SignedBy { key },
        // The op was made for its signer's session: a key without one signs it first.
        Some(own) if u.ratio(1, 2)? => {
            op.signer = Signer::Key(STRANGER);
            Replay::KeyTail { key: own }
        }
        _ => Replay::KeyTail { key },
    });
    Ok(Step::Bundle { ops })
}

fn first_window_starts_later(p: &Option<Policy>) -> bool {
    p.as_ref().is_some_and(|p| p.valid_after >= START_TIME)
}

/// The keys that have had a session installed (revoked ones included).
fn installed_keys(policies: &[Option<Policy>]) -> Vec<u8> {
    (0..STRANGER).filter(|k| policies[usize::from(*k)].is_some()).collect()
}

/// A signer: an installed key mostly, sometimes a key without a session or a malformed
/// signature; with the policy of the key, if it has one.
fn pick_signer(
    u: &mut Unstructured<'_>,
    policies: &[Option<Policy>],
) -> arbitrary::Result<(Signer, Option<Policy>)> {
    Ok(match u.int_in_range(0u8..=39)? {
        0 => (Signer::Malformed, None),
        1 => (Signer::Key(STRANGER + u.int_in_range(0..=1)?), None),
        _ => {
            let key = *u.choose(&installed_keys(policies))?;
            (Signer::Key(key), policies[usize::from(key)].clone())
        }
    })
}
