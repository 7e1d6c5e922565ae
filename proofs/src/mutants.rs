//! Deliberately broken variants of the model, for non-vacuity: each harness must find a
//! counterexample against the broken variant of the rule it guards.
//!
//! Every variant wraps the real model (the model is not edited) and emulates one bug class of
//! `semantics-and-bug-classes.md` (C1 to C13) or an off-by-one at the boundary a harness is
//! meant to pin. A harness that passes against the real model *and* reports a counterexample
//! against its variant is not vacuous: its assumptions leave the bug reachable and its
//! assertions see it.

use alloy_primitives::{Address, U256, address};
use leash_model::abi::args::{ArgError, ArgValue, DecodedArgs, decode_args, encode_call};
use leash_model::abi::execute::decode_execute;
use leash_model::selectors::EXECUTE;
use leash_model::{
    AbiType, AccountState, ArgDecoding, Counters, Denial, DenyReason, Effects, Env, Execution,
    Executions, LifecycleError, OpGas, PeriodSpend, PeriodicAllowance, Policy, Selector, Session,
    Status, UserOp, Verdict,
};

use crate::props::{
    allowance, batch, caps, denial, gas, per_call, rate, revocation, scope, validate, window,
};
use crate::runner::{Mode, Report, run};
use crate::{codec, oracle};

/// A broken variant of the model, and the harness that must catch it.
#[derive(Clone, Copy, Debug)]
pub struct Mutant {
    /// The variant's name.
    pub name: &'static str,
    /// The bug class it emulates (`C5` is "cumulative caps: not persisted", ...), or the
    /// boundary it moves.
    pub bug_class: &'static str,
    /// What the variant does differently from the model.
    pub description: &'static str,
    /// The property of issue 5 whose harness must catch it.
    pub property: u8,
    /// That harness's name.
    pub harness: &'static str,
    /// A substring of the counterexample the exhaustive runner must report: the clause that
    /// fails first in its enumeration order.
    pub expect: &'static str,
    /// Runs the harness body against this variant.
    pub run: fn(Mode, u64) -> Report,
}

/// Every broken variant, in property order.
pub fn mutants() -> &'static [Mutant] {
    MUTANTS
}

const ONE: U256 = U256::from_limbs([1, 0, 0, 0]);

// ---------------------------------------------------------------------------------------------
// Session::check variants

/// Every cumulative cap one larger than the policy says (native total, ERC-20 limits, rule
/// limits, usage limit): `<` written for `<=`.
pub fn cap_off_by_one(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let mut s = session.clone();
    if let Some(cap) = &mut s.policy.native {
        cap.total = cap.total.saturating_add(ONE);
    }
    for cap in s.policy.erc20.as_mut_slice() {
        cap.limit = cap.limit.saturating_add(ONE);
    }
    for permission in s.policy.permissions.as_mut_slice() {
        for rule in permission.rules.as_mut_slice() {
            if let Some(limit) = &mut rule.limit {
                *limit = limit.saturating_add(ONE);
            }
        }
    }
    if let Some(limit) = &mut s.policy.usage_limit {
        *limit = limit.saturating_add(1);
    }
    s.check(env, &OpGas::FREE, executions, decoding)
}

/// C5: the cap is checked but the running total is never stored (UniActionPolicy's
/// `used += param` on a memory copy).
pub fn cap_not_persisted(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    session.check(env, &OpGas::FREE, executions, decoding).map(|_| session.counters)
}

/// The per-call native cap one larger than the policy says.
pub fn per_call_off_by_one(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let mut s = session.clone();
    if let Some(cap) = &mut s.policy.native {
        cap.per_call = cap.per_call.saturating_add(ONE);
    }
    s.check(env, &OpGas::FREE, executions, decoding)
}

/// C7: the window read one second late (`now + 1`), as when `validAfter` is compared
/// inclusively on one path and exclusively on another.
pub fn window_off_by_one(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let env = Env { now: env.now.saturating_add(1), ..*env };
    session.check(&env, &OpGas::FREE, executions, decoding)
}

/// C8: revocation not checked on this path (a revoked session is treated as active).
pub fn revocation_ignored(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let s = Session { status: Status::Active, ..session.clone() };
    s.check(env, &OpGas::FREE, executions, decoding)
}

/// The rate limit's interval one second shorter than the policy says.
pub fn rate_interval_off_by_one(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let mut s = session.clone();
    if let Some(rate) = &mut s.policy.rate_limit {
        rate.interval = rate.interval.saturating_sub(1);
    }
    s.check(env, &OpGas::FREE, executions, decoding)
}

/// The usage limit one larger than the policy says (`calls <= max` for `calls < max`).
pub fn usage_off_by_one(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let mut s = session.clone();
    if let Some(limit) = &mut s.policy.usage_limit {
        *limit = limit.saturating_add(1);
    }
    s.check(env, &OpGas::FREE, executions, decoding)
}

/// An address that is none of the harnesses' parties.
const ELSEWHERE: Address = address!("0x000000000000000000000000000000000000dead");

/// C4 (d): the self-call check is missing, so a session may call the account itself (and
/// re-enter `execute` with an unchecked batch).
pub fn self_call_allowed(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let mut env = *env;
    if executions.iter().any(|x| x.target == env.account) {
        env.account = ELSEWHERE;
    }
    session.check(&env, &OpGas::FREE, executions, decoding)
}

/// C2: argument rules read dynamic arguments at their canonical (fixed) positions, ignoring
/// the head offsets the callee follows.
pub fn fixed_offset_rules(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let views: Vec<Option<Vec<u8>>> =
        executions.iter().map(|x| fixed_offset_view(&session.policy, x)).collect();
    let rewritten: Vec<Execution<'_>> = executions
        .iter()
        .zip(&views)
        .map(|(x, view)| Execution { data: view.as_deref().unwrap_or(x.data), ..*x })
        .collect();
    session.check(env, &OpGas::FREE, &rewritten, decoding)
}

/// The canonical re-encoding of what a fixed-offset reader sees in `x`'s arguments, when its
/// permission declares a dynamic one.
fn fixed_offset_view(policy: &Policy, x: &Execution<'_>) -> Option<Vec<u8>> {
    let permission = &policy.permissions[oracle::permission_for(policy, x.target, x.data)?];
    let (Selector::Exact(selector), Some(types)) = (permission.selector, &permission.args) else {
        return None;
    };
    if !types.iter().any(|t| t.is_dynamic()) {
        return None;
    }
    let a = x.data.get(4..)?;
    let word = |at: usize| a.get(at..at + 32).map(U256::from_be_slice);
    let mut cursor = 32 * types.len();
    let mut values = Vec::new();
    for (j, ty) in types.iter().enumerate() {
        if ty.is_dynamic() {
            let len = usize::try_from(word(cursor)?).ok()?;
            let start = cursor.checked_add(32)?;
            values.push(ArgValue::Dynamic(a.get(start..start.checked_add(len)?)?));
            cursor = start + len.div_ceil(32) * 32;
        } else {
            values.push(ArgValue::Word(word(32 * j)?));
        }
    }
    Some(encode_call(selector, &values))
}

/// C4 (c): a batch's executions are each checked against the counters from before the batch,
/// and their effects added up afterwards.
pub fn pre_state_batch(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    if executions.is_empty() {
        return session.check(env, &OpGas::FREE, executions, decoding);
    }
    let before = session.counters;
    let mut after = before;
    for (index, x) in executions.iter().enumerate() {
        let one = session
            .check(env, &OpGas::FREE, core::slice::from_ref(x), decoding)
            .map_err(|d| Denial { execution: Some(index as u8), ..d })?;
        let add = |total: U256, now: U256, was: U256| total.wrapping_add(now.wrapping_sub(was));
        after.native_spent = add(after.native_spent, one.native_spent, before.native_spent);
        for t in 0..after.token_spent.len() {
            after.token_spent[t] =
                add(after.token_spent[t], one.token_spent[t], before.token_spent[t]);
        }
        for (p, row) in after.rule_used.iter_mut().enumerate() {
            for (r, slot) in row.iter_mut().enumerate() {
                *slot = add(*slot, one.rule_used[p][r], before.rule_used[p][r]);
            }
        }
        after.calls = after.calls.wrapping_add(one.calls.wrapping_sub(before.calls));
        after.rate_ring = one.rate_ring;
        after.rate_head = one.rate_head;
    }
    Ok(after)
}

// ---------------------------------------------------------------------------------------------
// Allowances over time (spec §15). The harnesses' policies have no window and no other limit,
// so shifting `now` or rewriting an allowance only moves the allowance under test.

/// The periodic allowances of a session's caps, with the counter each one keeps.
fn periodic_caps(session: &Session) -> impl Iterator<Item = (PeriodicAllowance, usize)> + '_ {
    let native = session.policy.native.and_then(|cap| cap.periodic).map(|p| (p, usize::MAX));
    let tokens =
        session.policy.erc20.iter().enumerate().filter_map(|(i, cap)| Some((cap.periodic?, i)));
    native.into_iter().chain(tokens)
}

fn period_counter(c: &mut Counters, which: usize) -> &mut PeriodSpend {
    if which == usize::MAX { &mut c.native_period } else { &mut c.token_period[which] }
}

/// C7 for periods: the boundary second `start + k * period` is counted in the old period (a
/// new period begins one second late), so the old period's remainder and the new period's
/// whole amount can both be spent within one period.
pub fn period_boundary_in_old_period(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let t = oracle::period_time(env.now, env.profile.allowances.clock);
    let on_boundary =
        periodic_caps(session).any(|(p, _)| t > p.start && (t - p.start).is_multiple_of(p.period));
    let env = if on_boundary { Env { now: env.now - 1, ..*env } } else { *env };
    session.check(&env, &OpGas::FREE, executions, decoding)
}

/// C5 for periods: a stale period counter advances by exactly one period instead of jumping to
/// the current one (`periodStart += period`, the catch-up cosmos-sdk's feegrant
/// `tryResetPeriod` needs): after skipped periods it lags, and every later op resets it again.
pub fn period_reset_lags(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let mut after = session.check(env, &OpGas::FREE, executions, decoding)?;
    for (p, which) in periodic_caps(session) {
        let before = *period_counter(&mut session.counters.clone(), which);
        let counter = period_counter(&mut after, which);
        if before != PeriodSpend::default() && counter.start > before.start.saturating_add(p.period)
        {
            counter.start = before.start + p.period;
        }
    }
    Ok(after)
}

/// C5 for periods: unspent allowance carries over: by period `k` the session may have spent
/// `(k + 1) * amount` in all (the vesting formula), instead of `amount` in each period.
pub fn period_carry_over(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let t = oracle::period_time(env.now, env.profile.allowances.clock);
    let mut s = session.clone();
    let spent = (s.counters.native_spent, s.counters.token_spent);
    for (p, which) in periodic_caps(session) {
        if t < p.start {
            continue;
        }
        let periods = U256::from((t - p.start) / p.period + 1);
        let lifetime = if which == usize::MAX { spent.0 } else { spent.1[which] };
        let current = oracle::aligned_period_start(&p, t);
        *period_counter(&mut s.counters, which) = PeriodSpend { start: current, spent: lifetime };
        let carried = p.amount.saturating_mul(periods);
        if which == usize::MAX {
            if let Some(cap) = &mut s.policy.native {
                cap.periodic = Some(PeriodicAllowance { amount: carried, ..p });
            }
        } else {
            s.policy.erc20.as_mut_slice()[which].periodic =
                Some(PeriodicAllowance { amount: carried, ..p });
        }
    }
    s.check(env, &OpGas::FREE, executions, decoding)
}

/// C7 for streams: accrual counted from time 0 (as from an install long before the stream's
/// start) instead of from `start`.
pub fn stream_from_zero(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let mut s = session.clone();
    if let Some(stream) = s.policy.native.as_mut().and_then(|cap| cap.streaming.as_mut()) {
        stream.start = 0;
    }
    for cap in s.policy.erc20.as_mut_slice() {
        if let Some(stream) = &mut cap.streaming {
            stream.start = 0;
        }
    }
    s.check(env, &OpGas::FREE, executions, decoding)
}

/// C5 for streams: the stream's maximum is not applied (`min(max, ...)` left out).
pub fn stream_max_ignored(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let mut s = session.clone();
    if let Some(stream) = s.policy.native.as_mut().and_then(|cap| cap.streaming.as_mut()) {
        stream.max = U256::MAX;
    }
    for cap in s.policy.erc20.as_mut_slice() {
        if let Some(stream) = &mut cap.streaming {
            stream.max = U256::MAX;
        }
    }
    s.check(env, &OpGas::FREE, executions, decoding)
}

// ---------------------------------------------------------------------------------------------
// AccountState variants

/// C8: reinstalling keeps the old session's counters (`alreadySpent` not cleared).
pub fn reinstall_keeps_counters(
    state: &mut AccountState,
    key: Address,
    policy: Policy,
) -> Result<(), LifecycleError> {
    let old = state.session(key).map(|s| s.counters);
    state.install(key, policy)?;
    if let Some(old) = old {
        let effects =
            Effects { key, executions: Executions::new(), before: Counters::default(), after: old };
        let _ = state.apply(&effects);
    }
    Ok(())
}

/// C5 (ChainLight SmartSessions-004): a batch denied at execution `i > 0` keeps the counter
/// updates of executions `0..i`.
pub fn partial_batch_persisted<'a>(
    state: &mut AccountState,
    env: &Env,
    op: &UserOp<'a>,
) -> Verdict<'a> {
    let verdict = state.execute_op(env, op);
    if let Verdict::Deny(denial) = &verdict
        && let Some(index) = denial.execution
        && index > 0
        && let Some(session) = op.signer.and_then(|key| state.session(key))
        && session.status == Status::Active
        && let Ok(executions) = decode_execute(op.call_data)
        && let Ok(after) =
            session.check(env, &op.gas, &executions[..usize::from(index)], ArgDecoding::Strict)
    {
        let effects = Effects {
            key: session.key,
            executions: Executions::new(),
            before: session.counters,
            after,
        };
        let _ = state.apply(&effects);
    }
    verdict
}

/// C4 (b): an empty batch validates, with no execution to check.
pub fn empty_batch_accepted<'a>(state: &AccountState, env: &Env, op: &UserOp<'a>) -> Verdict<'a> {
    let verdict = state.validate(env, op);
    if verdict.denial().is_some_and(|d| d.reason == DenyReason::EmptyBatch)
        && let Some(session) = op.signer.and_then(|key| state.session(key))
        && let Ok(after) = session.check(env, &op.gas, &[], ArgDecoding::Strict)
    {
        return Verdict::Allow(Effects {
            key: session.key,
            executions: Executions::new(),
            before: session.counters,
            after,
        });
    }
    verdict
}

/// C13 and C3: the mode word is read loosely, the call type by its low bit only (so `0xff`,
/// delegatecall, reads as batch and `0xfe`, static, as single) and the exec type not at all
/// (so try mode passes).
pub fn call_type_masked<'a>(state: &AccountState, env: &Env, op: &UserOp<'a>) -> Verdict<'a> {
    let cd = op.call_data;
    if cd.len() < 36 || (cd[4] <= 1 && cd[5] == 0) {
        return state.validate(env, op);
    }
    let mut masked = cd.to_vec();
    masked[4] &= 1;
    masked[5] = 0;
    match state.validate(env, &UserOp { call_data: &masked, ..*op }) {
        Verdict::Deny(denial) => Verdict::Deny(denial),
        Verdict::Allow(effects) => {
            // The copy differs from `cd` only in the mode word, so each execution's calldata
            // sits at the same offset in both: point it back into the caller's bytes.
            let base = masked.as_ptr() as usize;
            let mut executions = Executions::new();
            for x in effects.executions.iter() {
                let start = x.data.as_ptr() as usize - base;
                let data = &cd[start..start + x.data.len()];
                executions.push(Execution { data, ..*x }).expect("same length");
            }
            Verdict::Allow(Effects {
                key: effects.key,
                executions,
                before: effects.before,
                after: effects.after,
            })
        }
    }
}

/// C1: `executionCalldata` is sliced by its declared length before that length is checked
/// against `callData` (a panic here; an out-of-bounds read in an assembly decoder).
pub fn unchecked_outer_length<'a>(state: &AccountState, env: &Env, op: &UserOp<'a>) -> Verdict<'a> {
    let cd = op.call_data;
    if cd.len() >= 100 && cd[..4] == EXECUTE {
        let declared: usize = U256::from_be_slice(&cd[68..100]).saturating_to();
        let execution_calldata = &cd[100..100 + declared];
        core::hint::black_box(execution_calldata);
    }
    state.validate(env, op)
}

// ---------------------------------------------------------------------------------------------
// Gas and chain variants (spec §16, §17)

/// C10-adjacent gas bug: the cost counted from `callGasLimit` only (the other four limits,
/// which the EntryPoint prefunds too, are free).
pub fn gas_call_limit_only(
    session: &Session,
    env: &Env,
    gas: &OpGas,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let counted = OpGas {
        verification_gas_limit: 0,
        pre_verification_gas: 0,
        paymaster_verification_gas_limit: 0,
        paymaster_post_op_gas_limit: 0,
        ..*gas
    };
    session.check(env, &counted, executions, decoding)
}

/// The gas counter checked but never stored: every op sees the counter it started from.
pub fn gas_total_not_persisted(
    session: &Session,
    env: &Env,
    gas: &OpGas,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let mut after = session.check(env, gas, executions, decoding)?;
    after.gas_spent = session.counters.gas_spent;
    Ok(after)
}

/// The chain list checked against the chain the session was installed on (a stored chain id,
/// here the default one) instead of `block.chainid`.
pub fn chain_stored_at_install(
    session: &Session,
    env: &Env,
    gas: &OpGas,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let env = Env { chain_id: Env::DEFAULT_CHAIN_ID, ..*env };
    session.check(&env, gas, executions, decoding)
}

// ---------------------------------------------------------------------------------------------
// Decoder variants

/// C1: bytes after the padded `executionCalldata` are ignored instead of denied (§3.4.3).
pub fn trailing_bytes_ignored(cd: &[u8]) -> Result<Executions<'_>, Denial> {
    match decode_execute(cd) {
        Err(denial) if denial.reason == DenyReason::OuterLength => {
            let declared: usize =
                cd.get(68..100).map_or(0, |w| U256::from_be_slice(w).saturating_to());
            match declared.checked_add(31).map(|l| 100 + (l & !31)) {
                Some(end) if end < cd.len() => decode_execute(&cd[..end]),
                _ => Err(denial),
            }
        }
        other => other,
    }
}

/// Over-strict: `executionCalldata` whose length is not a multiple of 32 is denied, although
/// the canonical encoding pads it (§3.4.3).
pub fn unpadded_length_rejected(cd: &[u8]) -> Result<Executions<'_>, Denial> {
    let executions = decode_execute(cd)?;
    let declared: usize = cd.get(68..100).map_or(0, |w| U256::from_be_slice(w).saturating_to());
    if !declared.is_multiple_of(32) {
        return Err(Denial::op(DenyReason::OuterLength));
    }
    Ok(executions)
}

/// C2: arguments decoded leniently, as a Solidity callee does (offsets followed anywhere,
/// padding and trailing bytes ignored), instead of strictly (§6.1).
pub fn solidity_args_decoder<'a>(
    a: &'a [u8],
    types: &[AbiType],
) -> Result<DecodedArgs<'a>, ArgError> {
    decode_args(a, types, ArgDecoding::Solidity)
}

/// C3: the clean-word check for `uintN` is off by one (`w < 2^N - 1`), so the largest value
/// is refused.
pub fn uint_max_rejected<'a>(a: &'a [u8], types: &[AbiType]) -> Result<DecodedArgs<'a>, ArgError> {
    let values = decode_args(a, types, ArgDecoding::Strict)?;
    for (j, (ty, value)) in types.iter().zip(values.iter()).enumerate() {
        if let (AbiType::Uint(bits), ArgValue::Word(w)) = (ty, value)
            && *bits < 256
            && *w == (U256::from(1) << usize::from(*bits)) - ONE
        {
            return Err(ArgError { reason: DenyReason::ArgDirty, arg: Some(j as u8) });
        }
    }
    Ok(values)
}

// ---------------------------------------------------------------------------------------------

static MUTANTS: &[Mutant] = &[
    Mutant {
        name: "cap_off_by_one",
        bug_class: "boundary: every cumulative cap checked with < for <=",
        description: "native total, ERC-20 limits, rule limits and usage limit one larger",
        property: 1,
        harness: "p1_caps_step",
        expect: "P1: ",
        run: |mode, budget| run("p1_caps_step", |s| caps::step(s, cap_off_by_one), mode, budget),
    },
    Mutant {
        name: "cap_not_persisted",
        bug_class: "C5: cumulative cap not persisted",
        description: "an allowed op returns the counters it started from",
        property: 1,
        harness: "p1_caps_sequence",
        expect: "P1: ",
        run: |mode, budget| {
            run("p1_caps_sequence", |s| caps::sequence(s, cap_not_persisted), mode, budget)
        },
    },
    Mutant {
        name: "per_call_off_by_one",
        bug_class: "boundary: per-call cap checked with < for <=",
        description: "the native per-call cap one larger",
        property: 2,
        harness: "p2_per_call",
        expect: "P2: an allowed execution sends at most per_call",
        run: |mode, budget| {
            run("p2_per_call", |s| per_call::body(s, per_call_off_by_one), mode, budget)
        },
    },
    Mutant {
        name: "window_off_by_one",
        bug_class: "C7: window off-by-one",
        description: "the window is checked at now + 1",
        property: 3,
        harness: "p3_window",
        expect: "P3: an allowed op is at or after the window's start",
        run: |mode, budget| {
            run("p3_window", |s| window::body(s, window_off_by_one, None), mode, budget)
        },
    },
    Mutant {
        name: "revocation_ignored",
        bug_class: "C8: revocation not checked on a path",
        description: "a revoked session is treated as active",
        property: 4,
        harness: "p4_revoked",
        expect: "P4: a revoked session denies every op with Revoked",
        run: |mode, budget| {
            run("p4_revoked", |s| revocation::revoked(s, revocation_ignored), mode, budget)
        },
    },
    Mutant {
        name: "reinstall_keeps_counters",
        bug_class: "C8: reinstall residue",
        description: "reinstalling a key keeps its old session's counters",
        property: 4,
        harness: "p4_reinstall",
        expect: "P4: a reinstalled session starts from zero counters",
        run: |mode, budget| {
            run(
                "p4_reinstall",
                |s| revocation::reinstall(s, reinstall_keeps_counters),
                mode,
                budget,
            )
        },
    },
    Mutant {
        name: "rate_interval_off_by_one",
        bug_class: "boundary: rate window one second short",
        description: "the rate limit's interval one second shorter",
        property: 5,
        harness: "p5_rate_step",
        expect: "P5: an allowed call has fewer than max_calls calls in the interval before it",
        run: |mode, budget| {
            run("p5_rate_step", |s| rate::step(s, rate_interval_off_by_one), mode, budget)
        },
    },
    Mutant {
        name: "usage_off_by_one",
        bug_class: "boundary: usage limit checked with <= for <",
        description: "the usage limit one larger",
        property: 5,
        harness: "p5_rate_sequence",
        expect: "P5: a session makes at most usage_limit calls",
        run: |mode, budget| {
            run("p5_rate_sequence", |s| rate::sequence(s, usage_off_by_one), mode, budget)
        },
    },
    Mutant {
        name: "self_call_allowed",
        bug_class: "C4 (d): self-call allowed",
        description: "the §4.1 check is missing",
        property: 6,
        harness: "p6_scope",
        expect: "P6: no allowed execution calls the account",
        run: |mode, budget| run("p6_scope", |s| scope::body(s, self_call_allowed), mode, budget),
    },
    Mutant {
        name: "fixed_offset_rules",
        bug_class: "C2: fixed-offset rules over dynamic arguments",
        description: "rules read dynamic arguments at canonical positions, ignoring head offsets",
        property: 6,
        harness: "p6_scope",
        expect: "P6: the arguments the callee reads satisfy every rule",
        run: |mode, budget| run("p6_scope", |s| scope::body(s, fixed_offset_rules), mode, budget),
    },
    Mutant {
        name: "empty_batch_accepted",
        bug_class: "C4 (b): empty batch validates",
        description: "a batch with no executions is allowed",
        property: 6,
        harness: "p6_mode",
        expect: "P6: an allowed op has at least one execution",
        run: |mode, budget| run("p6_mode", |s| scope::mode(s, empty_batch_accepted), mode, budget),
    },
    Mutant {
        name: "call_type_masked",
        bug_class: "C13/C3: mode word read loosely",
        description: "call type read by its low bit, exec type ignored",
        property: 6,
        harness: "p6_mode",
        expect: "P6: an allowed op ",
        run: |mode, budget| run("p6_mode", |s| scope::mode(s, call_type_masked), mode, budget),
    },
    Mutant {
        name: "partial_batch_persisted",
        bug_class: "C5: counters updated although validation fails",
        description: "a batch denied at execution i > 0 keeps the updates of executions 0..i",
        property: 7,
        harness: "p7_denial_unchanged",
        expect: "P7: a denied op leaves every session's state unchanged",
        run: |mode, budget| {
            run("p7_denial_unchanged", |s| denial::body(s, partial_batch_persisted), mode, budget)
        },
    },
    Mutant {
        name: "trailing_bytes_ignored",
        bug_class: "C1: lenient outer decoding",
        description: "bytes after the padded executionCalldata are ignored",
        property: 8,
        harness: "p8_execute_decode_encode",
        expect: "P8: accepted callData is the canonical encoding",
        run: |mode, budget| {
            run(
                "p8_execute_decode_encode",
                |s| codec::execute_decode_encode(s, trailing_bytes_ignored),
                mode,
                budget,
            )
        },
    },
    Mutant {
        name: "unpadded_length_rejected",
        bug_class: "over-strict decoder",
        description: "executionCalldata whose length is not a multiple of 32 is denied",
        property: 8,
        harness: "p8_execute_encode_decode",
        expect: "P8: the canonical encoding of executions decodes back to them",
        run: |mode, budget| {
            run(
                "p8_execute_encode_decode",
                |s| codec::execute_encode_decode(s, unpadded_length_rejected),
                mode,
                budget,
            )
        },
    },
    Mutant {
        name: "solidity_args_decoder",
        bug_class: "C2: lenient argument decoding",
        description: "arguments decoded with ArgDecoding::Solidity",
        property: 8,
        harness: "p8_args_decode_encode",
        expect: "P8: accepted arguments are the canonical encoding",
        run: |mode, budget| {
            run(
                "p8_args_decode_encode",
                |s| codec::args_decode_encode(s, solidity_args_decoder),
                mode,
                budget,
            )
        },
    },
    Mutant {
        name: "uint_max_rejected",
        bug_class: "C3: clean-word check off by one",
        description: "uintN refuses 2^N - 1",
        property: 8,
        harness: "p8_args_encode_decode",
        expect: "P8: the canonical encoding of clean values decodes back to them",
        run: |mode, budget| {
            run(
                "p8_args_encode_decode",
                |s| codec::args_encode_decode(s, uint_max_rejected),
                mode,
                budget,
            )
        },
    },
    Mutant {
        name: "unchecked_outer_length",
        bug_class: "C1: unchecked length before slicing",
        description: "executionCalldata sliced by its declared length before the §3.4.2 check",
        property: 9,
        harness: "p9_validate_total",
        expect: "panicked",
        run: |mode, budget| {
            run("p9_validate_total", |s| validate::body(s, unchecked_outer_length), mode, budget)
        },
    },
    Mutant {
        name: "pre_state_batch",
        bug_class: "C4 (c): batch items checked against the pre-batch state",
        description: "each execution checked against the counters before the batch, effects summed",
        property: 10,
        harness: "p10_batch_spend",
        expect: "P10: ",
        run: |mode, budget| {
            run("p10_batch_spend", |s| batch::body(s, pre_state_batch), mode, budget)
        },
    },
    Mutant {
        name: "period_boundary_in_old_period",
        bug_class: "C7: a period's boundary second counted in the old period",
        description: "a new period begins one second after start + k * period",
        property: 11,
        harness: "p11_period_step",
        expect: "P11: the counter holds the current period's start",
        run: |mode, budget| {
            run(
                "p11_period_step",
                |s| allowance::period_step(s, period_boundary_in_old_period),
                mode,
                budget,
            )
        },
    },
    Mutant {
        name: "period_reset_lags",
        bug_class: "C5: a stale period advances by one period, not to the current one",
        description: "after skipped periods the counter lags and every op resets it",
        property: 11,
        harness: "p11_period_sequence",
        expect: "P11: no period holds more than its amount",
        run: |mode, budget| {
            run(
                "p11_period_sequence",
                |s| allowance::period_sequence(s, period_reset_lags),
                mode,
                budget,
            )
        },
    },
    Mutant {
        name: "period_carry_over",
        bug_class: "C5: unspent periodic allowance carries over",
        description: "by period k, (k + 1) * amount may have been spent in all",
        property: 11,
        harness: "p11_period_sequence",
        expect: "P11: no period holds more than its amount",
        run: |mode, budget| {
            run(
                "p11_period_sequence",
                |s| allowance::period_sequence(s, period_carry_over),
                mode,
                budget,
            )
        },
    },
    Mutant {
        name: "stream_from_zero",
        bug_class: "C7: stream accrual counted from install (time 0), not from its start",
        description: "the stream's start is read as 0",
        property: 12,
        harness: "p12_stream_step",
        expect: "P12: what a stream lets through never exceeds what it has unlocked",
        run: |mode, budget| {
            run("p12_stream_step", |s| allowance::stream_step(s, stream_from_zero), mode, budget)
        },
    },
    Mutant {
        name: "stream_max_ignored",
        bug_class: "C5: the stream's maximum is not applied",
        description: "the stream unlocks initial + rate * elapsed without bound",
        property: 12,
        harness: "p12_stream_sequence",
        expect: "P12: a stream never lets through more than it has unlocked",
        run: |mode, budget| {
            run(
                "p12_stream_sequence",
                |s| allowance::stream_sequence(s, stream_max_ignored),
                mode,
                budget,
            )
        },
    },
    Mutant {
        name: "gas_call_limit_only",
        bug_class: "C5: the gas cost counted from callGasLimit only",
        description: "verificationGasLimit, preVerificationGas and the paymaster's limits are free",
        property: 13,
        harness: "p13_gas_step",
        expect: "P13: the gas counter grows by exactly the op's cost",
        run: |mode, budget| {
            run("p13_gas_step", |s| gas::step(s, gas_call_limit_only), mode, budget)
        },
    },
    Mutant {
        name: "gas_total_not_persisted",
        bug_class: "C5: cumulative cap not persisted (the gas counter)",
        description: "an allowed op leaves the gas counter where it was",
        property: 13,
        harness: "p13_gas_sequence",
        expect: "P13: the gas counter is the sum of the allowed ops' costs",
        run: |mode, budget| {
            run("p13_gas_sequence", |s| gas::sequence(s, gas_total_not_persisted), mode, budget)
        },
    },
    Mutant {
        name: "chain_stored_at_install",
        bug_class: "C10: chain scope read from a stored chain id, not block.chainid",
        description: "the chain list is checked against the chain the session was installed on",
        property: 14,
        harness: "p14_chain",
        expect: "P14: ",
        run: |mode, budget| {
            run("p14_chain", |s| gas::chain(s, chain_stored_at_install), mode, budget)
        },
    },
];
