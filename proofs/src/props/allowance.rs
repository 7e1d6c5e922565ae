//! Properties 11 and 12: allowances over time hold (spec §7.4, §7.5, §8.6, §8.7, §15).
//!
//! * Property 11: over any sequence of ops and time warps, what a session moves in any single
//!   period never exceeds the period's amount, and nothing moves before the first period.
//!   [`period_step`] proves it for sequences of any length by induction on the period counter:
//!   the relation "the counter holds the start of the period of the last spend and everything
//!   spent in that period, and no spend is in a later period" holds for fresh counters and every
//!   allowed op re-establishes it. [`period_sequence`] runs bounded sequences with time warps
//!   and sums each period's spends directly, under every anchor and clock of §15.
//! * Property 12: what a stream has let through never exceeds what it has unlocked.
//!   [`stream_step`] is the induction step (unlocked never decreases as time passes), and
//!   [`stream_sequence`] sums what bounded sequences let through.
//!
//! Each case is about one cap, the native cap or an ERC-20 cap (drawn), with a plain transfer
//! or an ERC-20 `transfer` moving the amount; both go through the same §15 arithmetic but
//! through different counters.

use alloy_primitives::U256;
use leash_model::bounds::TIME_MAX;
use leash_model::selectors::TRANSFER;
use leash_model::{
    AllowanceSemantics, ArgDecoding, BoundedVec, Counters, DenyReason, Env, NativeCap,
    PeriodAnchor, PeriodClock, PeriodSpend, PeriodicAllowance, Permission, Policy, Selector,
    Session, Status, StreamOverflow, StreamingAllowance, Target, TokenCap,
};

use crate::oracle;
use crate::source::Source;
use crate::sut::CheckFn;
use crate::world::{
    ACCOUNT, BATCH_KANI, BATCH_RUNNERS, CAP, Call, KEY, MODULE, OTHER, TOKEN, address_word,
    executions,
};
use crate::{CaseResult, Outcome};

/// Which cap a case puts its allowance on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cap {
    /// The native cap: plain transfers move value (spec §7.4, §7.5).
    Native,
    /// An ERC-20 cap on `TOKEN`: `transfer` moves its amount (spec §8.6, §8.7).
    Token,
}

impl Cap {
    fn draw<S: Source>(src: &mut S) -> Self {
        if src.bool_in("cap.token", &[false, true]) { Self::Token } else { Self::Native }
    }

    /// A call moving `amount` through this cap.
    fn call(self, amount: U256) -> Call {
        match self {
            Self::Native => Call::new(OTHER, amount),
            Self::Token => {
                let mut call = Call::new(TOKEN, U256::ZERO);
                call.push(&TRANSFER);
                call.push(&address_word(OTHER));
                call.push_word(amount);
                call
            }
        }
    }

    /// A policy with plain transfers and `TOKEN.transfer` permitted to anyone, no window, and
    /// only this cap, with no per-call or lifetime limit: the allowances are all that bind.
    fn policy(
        self,
        periodic: Option<PeriodicAllowance>,
        streaming: Option<StreamingAllowance>,
    ) -> Policy {
        let mut permissions = BoundedVec::new();
        for (target, selector) in
            [(Target::Any, Selector::Empty), (Target::Address(TOKEN), Selector::Exact(TRANSFER))]
        {
            let p = Permission { target, selector, ..Permission::default() };
            permissions.push(p).expect("capacity");
        }
        let mut policy = Policy { permissions, ..Policy::default() };
        match self {
            Self::Native => {
                let (per_call, total) = (U256::MAX, U256::MAX);
                policy.native = Some(NativeCap { per_call, total, periodic, streaming });
            }
            Self::Token => {
                let cap = TokenCap {
                    token: TOKEN,
                    limit: U256::MAX,
                    spenders: None,
                    periodic,
                    streaming,
                    ..TokenCap::default()
                };
                policy.erc20.push(cap).expect("capacity");
            }
        }
        policy
    }

    fn period_counter(self, c: &Counters) -> PeriodSpend {
        match self {
            Self::Native => c.native_period,
            Self::Token => c.token_period[0],
        }
    }

    fn set_period_counter(self, c: &mut Counters, counter: PeriodSpend) {
        match self {
            Self::Native => c.native_period = counter,
            Self::Token => c.token_period[0] = counter,
        }
    }

    fn spent(self, c: &Counters) -> U256 {
        match self {
            Self::Native => c.native_spent,
            Self::Token => c.token_spent[0],
        }
    }

    fn set_spent(self, c: &mut Counters, spent: U256) {
        match self {
            Self::Native => c.native_spent = spent,
            Self::Token => c.token_spent[0] = spent,
        }
    }
}

fn env(now: u64, allowances: AllowanceSemantics) -> Env {
    let mut env = Env::new(now, ACCOUNT, MODULE);
    env.profile.allowances = allowances;
    env
}

fn clock<S: Source>(src: &mut S) -> PeriodClock {
    if src.bool_in("semantics.minutes", &[false, true]) {
        PeriodClock::Minutes
    } else {
        PeriodClock::Seconds
    }
}

/// A periodic allowance, every field drawn (validity is the caller's `assume`), its period
/// hinted by `periods`.
fn periodic<S: Source>(src: &mut S, periods: &[u64]) -> PeriodicAllowance {
    PeriodicAllowance {
        amount: src.u256_in("periodic.amount", &[CAP]),
        period: src.u64_in("periodic.period", periods),
        start: src.u64_in("periodic.start", &[0, 120]),
    }
}

/// How a harness's draws are hinted: the steps try batches of one and two with amounts
/// `{0, 1, left, left + 1}`; the sequences try one call per op with `{1, left, left + 1}`, to
/// spend their enumeration on time warps instead.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Batches {
    Step,
    Sequence,
}

/// A batch of up to [`BATCH_RUNNERS`] (Kani: [`BATCH_KANI`]) calls through `cap`, amounts
/// hinted around `left`; returns the calls, how many, and their total (`None` on overflow).
fn batch<S: Source>(
    src: &mut S,
    cap: Cap,
    left: U256,
    hints: Batches,
) -> ([Call; BATCH_RUNNERS], usize, Option<U256>) {
    let max = if src.symbolic() { BATCH_KANI } else { BATCH_RUNNERS };
    let lengths: &[usize] = if hints == Batches::Step { &[0, 1] } else { &[0] };
    let n = 1 + src.choose_in("batch.len-1", max, lengths);
    let all = [U256::ZERO, U256::from(1), left, left.saturating_add(U256::from(1))];
    let hint = if hints == Batches::Step { &all[..] } else { &all[1..] };
    let mut calls = [Call::new(OTHER, U256::ZERO); BATCH_RUNNERS];
    let mut total = Some(U256::ZERO);
    for call in calls.iter_mut().take(n) {
        let amount = src.u256_in("call.amount", hint);
        total = total.and_then(|t| t.checked_add(amount));
        *call = cap.call(amount);
    }
    (calls, n, total)
}

/// Property 11, the step: R(counter) ∧ allowed ⇒ what the current period holds stays within
/// the amount ∧ R(counter').
///
/// R: the counter is fresh (`(0, 0)`, nothing spent), or it holds the start `s` of the period of
/// the last positive spend and everything spent in that period, with `s` a period start of the
/// allowance and no spend in a later period. The relation is stated with the oracle's period
/// arithmetic (`start + k * period`), independently of the model's.
pub(crate) fn period_step<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let cap = Cap::draw(src);
    let p = periodic(src, &[1, 10, 60]);
    let semantics = AllowanceSemantics { clock: clock(src), ..AllowanceSemantics::default() };
    let policy = cap.policy(Some(p), None);
    // A session only ever holds a valid policy (spec §2.1, §12.8).
    assume!(src, policy.validate().is_ok());
    let fresh = src.bool("counter.fresh");
    let counter = if fresh {
        PeriodSpend::default()
    } else {
        let k = src.u64_in("counter.period_index", &[0, 1]);
        let start = k.checked_mul(p.period).and_then(|offset| offset.checked_add(p.start));
        // R: the counter's start is a period start of the allowance, which a valid policy keeps
        // below 2^49.
        assume!(src, start.is_some());
        let spent = src.u256_in("counter.spent", &[U256::ZERO, CAP - U256::from(1), CAP]);
        // R: a counter never holds more than its period's amount (the property, inductively).
        assume!(src, spent <= p.amount);
        PeriodSpend { start: start.unwrap_or_default(), spent }
    };
    let boundary = counter.start.saturating_add(p.period);
    let now_hint = [
        p.start.saturating_sub(1),
        p.start,
        boundary.saturating_sub(1),
        boundary,
        boundary.saturating_add(1),
        boundary.saturating_add(2 * p.period),
    ];
    let now = src.u64_in("env.now", &now_hint);
    // Block timestamps never decrease: the counter was written at a time in its period, so no
    // later op runs before that period's start (under either clock).
    assume!(src, fresh || now >= counter.start);
    let mut counters = Counters::default();
    cap.set_period_counter(&mut counters, counter);
    let (calls, n, total) = batch(src, cap, p.amount.saturating_sub(counter.spent), Batches::Step);
    let session = Session { key: KEY, policy, status: Status::Active, counters };

    let result =
        check(&session, &env(now, semantics), &executions(&calls[..n]), ArgDecoding::Strict);
    let t = oracle::period_time(now, semantics.clock);
    cover!(
        src,
        result.is_ok() && !fresh && t == boundary && total.is_some_and(|x| x == p.amount),
        "P11 step: a whole period's amount allowed on the boundary second"
    );
    cover!(
        src,
        result
            .as_ref()
            .is_err_and(|d| matches!(d.reason, DenyReason::NativePeriod | DenyReason::TokenPeriod)),
        "P11 step: denied by the periodic allowance"
    );
    let Ok(after) = result else {
        return Ok(Outcome::Denied);
    };
    let total = total.unwrap_or(U256::MAX);
    if total.is_zero() {
        ensure!(
            cap.period_counter(&after) == counter,
            "P11: a zero amount moves no period counter (§7.4, §8.6)"
        );
        return Ok(Outcome::Allowed);
    }
    ensure!(t >= p.start, "P11: nothing moves before the allowance's start (§7.4, §15.2)");
    let current = oracle::aligned_period_start(&p, t);
    // The current period already holds the counter's spends only if it is the counter's period;
    // under R every earlier spend lies in that period or an earlier one.
    let already = if !fresh && counter.start == current { counter.spent } else { U256::ZERO };
    let in_period = already.checked_add(total);
    ensure!(
        in_period.is_some_and(|x| x <= p.amount),
        "P11: what a period holds never exceeds its amount (§7.4, §8.6, §15.2)"
    );
    ensure!(
        cap.period_counter(&after)
            == PeriodSpend { start: current, spent: in_period.unwrap_or_default() },
        "P11: the counter holds the current period's start and all it holds (§13, §15.2)"
    );
    Ok(Outcome::Allowed)
}

/// The most ops in a sequence: 2 under Kani, 3 in the runners.
const OPS_KANI: usize = 2;
const OPS_RUNNERS: usize = 3;
const HISTORY: usize = OPS_RUNNERS * BATCH_RUNNERS;

/// Property 11, sequences: from a fresh session, ops at non-decreasing times (the next period
/// boundary ±1, whole periods skipped, or the same second again): summing each period's
/// allowed amounts directly, no period exceeds its amount and nothing moves before `start`.
/// Periods are those of the anchor drawn, restated by the oracle: `Aligned` periods are
/// `start + k * period`; a `Rolling` period begins at `start` and then at the first positive
/// spend at or after the end of the one before.
pub(crate) fn period_sequence<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let cap = Cap::draw(src);
    let p = periodic(src, &[10]);
    let anchor = if src.bool_in("semantics.rolling", &[false, true]) {
        PeriodAnchor::Rolling
    } else {
        PeriodAnchor::Aligned
    };
    let semantics =
        AllowanceSemantics { anchor, clock: clock(src), ..AllowanceSemantics::default() };
    let policy = cap.policy(Some(p), None);
    // A session only ever holds a valid policy (spec §2.1, §12.8).
    assume!(src, policy.validate().is_ok());
    let mut session = Session::new(KEY, policy);
    // The ghost: each allowed positive amount with the start of its period.
    let mut spends = [(0u64, U256::ZERO); HISTORY];
    let mut recorded = 0;
    // The `Rolling` anchor: the start of the period the last positive spend opened or joined.
    let mut rolling = p.start;
    let max_ops = if src.symbolic() { OPS_KANI } else { OPS_RUNNERS };
    let ops = 1 + src.choose_in("ops-1", max_ops, &[max_ops - 1]);
    let mut now = src.u64_in("env.now", &[p.start]);
    let mut denied_by_period = false;
    for op in 0..ops {
        if op > 0 {
            let t = oracle::period_time(now, semantics.clock);
            let into = if t >= p.start { (t - p.start) % p.period } else { 0 };
            let next = now.saturating_add(p.period - into);
            let hint = [now, next.saturating_sub(1), next, next.saturating_add(3 * p.period)];
            let later = src.u64_in("env.now", &hint);
            // Block timestamps never decrease; the §15 guarantee is stated under that hypothesis.
            assume!(src, later >= now);
            now = later;
        }
        let (calls, n, _) = batch(src, cap, p.amount, Batches::Sequence);
        match check(&session, &env(now, semantics), &executions(&calls[..n]), ArgDecoding::Strict) {
            Ok(after) => {
                let t = oracle::period_time(now, semantics.clock);
                for call in calls.iter().take(n) {
                    let amount = match cap {
                        Cap::Native => call.value,
                        Cap::Token => oracle::token_amount(call.bytes()),
                    };
                    if amount.is_zero() {
                        continue;
                    }
                    ensure!(
                        t >= p.start,
                        "P11: nothing moves before the allowance's start (§7.4, §15.2)"
                    );
                    let period_start = match anchor {
                        PeriodAnchor::Aligned => oracle::aligned_period_start(&p, t),
                        PeriodAnchor::Rolling => {
                            if t >= rolling && t - rolling >= p.period {
                                rolling = t;
                            }
                            rolling
                        }
                    };
                    spends[recorded] = (period_start, amount);
                    recorded += 1;
                }
                session.counters = after;
            }
            Err(denial) => {
                denied_by_period |=
                    matches!(denial.reason, DenyReason::NativePeriod | DenyReason::TokenPeriod);
            }
        }
        for (period_start, _) in spends.iter().take(recorded) {
            let mut sum = Some(U256::ZERO);
            for (other_start, amount) in spends.iter().take(recorded) {
                if other_start == period_start {
                    sum = sum.and_then(|s| s.checked_add(*amount));
                }
            }
            ensure!(
                sum.is_some_and(|s| s <= p.amount),
                "P11: no period holds more than its amount (§7.4, §8.6, §15.2)"
            );
        }
    }
    cover!(
        src,
        denied_by_period && recorded >= 1,
        "P11 sequence: the allowance denies after an allowed spend"
    );
    let periods_used = {
        let mut distinct = 0;
        for (i, (start, _)) in spends.iter().enumerate().take(recorded) {
            distinct += usize::from(spends[..i].iter().all(|(s, _)| s != start));
        }
        distinct
    };
    cover!(src, periods_used >= 2, "P11 sequence: two periods each spend");
    Ok(if recorded > 0 { Outcome::Allowed } else { Outcome::Denied })
}

/// The largest rate, which overflows `initial + rate * elapsed` against a large `initial`.
const RATE_MAX: U256 = U256::from_limbs([u64::MAX, u64::MAX, 0, 0]);

/// A streaming allowance, every field drawn. The step tries initial `{0, CAP}`, rates
/// `{0, 1, 3, 2^128 - 1}`, maxima `{CAP, 2 CAP, 2^256 - 1}` and starts `{0, 120}`; the
/// sequences a stream from nothing at 120, at one per second or the largest rate, up to `CAP`
/// or without a maximum.
fn streaming<S: Source>(src: &mut S, hints: Batches) -> StreamingAllowance {
    let one = U256::from_limbs([1, 0, 0, 0]);
    let step = hints == Batches::Step;
    let (initial, rates, maxima, starts): (&[U256], &[U256], &[U256], &[u64]) = if step {
        (
            &[U256::ZERO, CAP],
            &[U256::ZERO, one, U256::from_limbs([3, 0, 0, 0]), RATE_MAX],
            &[CAP, CAP.saturating_add(CAP), U256::MAX],
            &[0, 120],
        )
    } else {
        (&[U256::ZERO], &[one, RATE_MAX], &[CAP, U256::MAX], &[120])
    };
    StreamingAllowance {
        initial: src.u256_in("streaming.initial", initial),
        // Every 128-bit rate is reachable: a wider draw saturates onto `u128::MAX`.
        rate: u128::try_from(src.u256_in("streaming.rate", rates)).unwrap_or(u128::MAX),
        max: src.u256_in("streaming.max", maxima),
        start: src.u64_in("streaming.start", starts),
    }
}

fn overflow<S: Source>(src: &mut S) -> StreamOverflow {
    if src.bool_in("semantics.deny_overflow", &[false, true]) {
        StreamOverflow::Deny
    } else {
        StreamOverflow::Saturate
    }
}

/// Property 12, the step: what the stream let through by an earlier time `t0` was within what
/// it had unlocked then ∧ `t0 <= now` ∧ allowed ⇒ what it has let through after the op is within
/// what it has unlocked at `now` (the oracle's reading of §15.3).
pub(crate) fn stream_step<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let cap = Cap::draw(src);
    let s = streaming(src, Batches::Step);
    let overflow = overflow(src);
    let policy = cap.policy(None, Some(s));
    // A session only ever holds a valid policy (spec §2.1, §12.9).
    assume!(src, policy.validate().is_ok());
    let t0 = src.u64_in("ghost.last_spend", &[s.start, s.start.saturating_add(1)]);
    let spent = src.u256_in("counters.spent", &[U256::ZERO, s.initial, CAP]);
    // The induction hypothesis: at the last spend, what had gone through was within what had
    // unlocked (fresh counters, zero, satisfy it at any time).
    let unlocked_then = oracle::unlocked(&s, t0, StreamOverflow::Saturate).unwrap_or(s.max);
    assume!(src, spent <= unlocked_then);
    let now_hint = [
        s.start.saturating_sub(1),
        s.start,
        s.start.saturating_add(1),
        s.start.saturating_add(10),
        u64::MAX,
    ];
    let now = src.u64_in("env.now", &now_hint);
    // Block timestamps never decrease.
    assume!(src, now >= t0);
    let mut counters = Counters::default();
    cap.set_spent(&mut counters, spent);
    let unlocked = oracle::unlocked(&s, now, overflow);
    let left = unlocked.unwrap_or(U256::ZERO).saturating_sub(spent);
    let (calls, n, total) = batch(src, cap, left, Batches::Step);
    let session = Session { key: KEY, policy, status: Status::Active, counters };
    let allowances =
        AllowanceSemantics { stream_overflow: overflow, ..AllowanceSemantics::default() };

    let result =
        check(&session, &env(now, allowances), &executions(&calls[..n]), ArgDecoding::Strict);
    cover!(
        src,
        result.is_ok()
            && unlocked.is_some_and(|u| total == u.checked_sub(spent))
            && !left.is_zero(),
        "P12 step: exactly what has unlocked is let through"
    );
    cover!(
        src,
        result
            .as_ref()
            .is_err_and(|d| matches!(d.reason, DenyReason::NativeStream | DenyReason::TokenStream)),
        "P12 step: denied by the stream"
    );
    let Ok(after) = result else {
        return Ok(Outcome::Denied);
    };
    let through = cap.spent(&after);
    ensure!(
        total.and_then(|t| spent.checked_add(t)) == Some(through),
        "P12: the stream's counter grows by exactly the amounts moved (§7.3, §8.5)"
    );
    if through != spent {
        ensure!(
            unlocked.is_some_and(|u| through <= u),
            "P12: what a stream lets through never exceeds what it has unlocked (§7.5, §8.7, §15.3)"
        );
    }
    Ok(Outcome::Allowed)
}

/// Property 12, sequences: from a fresh session, ops at non-decreasing times (the start ±1, a
/// few seconds on, very long warps): the amounts allowed so far, summed directly, never exceed
/// what the stream has unlocked at the time of the latest.
pub(crate) fn stream_sequence<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let cap = Cap::draw(src);
    let s = streaming(src, Batches::Sequence);
    let overflow = overflow(src);
    let policy = cap.policy(None, Some(s));
    // A session only ever holds a valid policy (spec §2.1, §12.9).
    assume!(src, policy.validate().is_ok());
    let allowances =
        AllowanceSemantics { stream_overflow: overflow, ..AllowanceSemantics::default() };
    let mut session = Session::new(KEY, policy);
    let mut through = U256::ZERO;
    let max_ops = if src.symbolic() { OPS_KANI } else { OPS_RUNNERS };
    let ops = 1 + src.choose_in("ops-1", max_ops, &[max_ops - 1]);
    let mut now = src.u64_in("env.now", &[s.start]);
    let mut allowed_after_start = 0;
    for op in 0..ops {
        if op > 0 {
            let hint = [now, now.saturating_add(1), TIME_MAX];
            let later = src.u64_in("env.now", &hint);
            // Block timestamps never decrease.
            assume!(src, later >= now);
            now = later;
        }
        let unlocked = oracle::unlocked(&s, now, StreamOverflow::Saturate).unwrap_or(s.max);
        let (calls, n, _) = batch(src, cap, unlocked.saturating_sub(through), Batches::Sequence);
        if let Ok(after) =
            check(&session, &env(now, allowances), &executions(&calls[..n]), ArgDecoding::Strict)
        {
            for call in calls.iter().take(n) {
                let amount = match cap {
                    Cap::Native => call.value,
                    Cap::Token => oracle::token_amount(call.bytes()),
                };
                through = through.saturating_add(amount);
                allowed_after_start += usize::from(!amount.is_zero());
            }
            let unlocked = oracle::unlocked(&s, now, overflow);
            ensure!(
                through.is_zero() || unlocked.is_some_and(|u| through <= u),
                "P12: a stream never lets through more than it has unlocked (§7.5, §8.7, §15.3)"
            );
            session.counters = after;
        }
    }
    cover!(
        src,
        allowed_after_start >= 2 && through == s.max,
        "P12 sequence: the stream is spent up to its maximum"
    );
    Ok(if through.is_zero() { Outcome::Denied } else { Outcome::Allowed })
}
