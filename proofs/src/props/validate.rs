//! Property 9: `validate` never panics or overflows on any input within the bounds (spec §1.2:
//! bad input is a denial, never a crash; §13.3: all counter arithmetic is checked).
//!
//! Under Kani, every panic (index out of bounds, `expect`, `unwrap`) and every arithmetic
//! overflow is a failed check on its own, so the body only has to call `validate`. The runners
//! turn a panic into a counterexample (`runner::run` catches it), and the debug build the tests
//! run in has overflow checks on.

use leash_model::abi::execute::{encode_batch, encode_single};
use leash_model::{AccountState, Counters, Effects, Executions, UserOp, Verdict};

use super::scope;
use crate::codec::{execute_positions, mutate};
use crate::oracle;
use crate::source::Source;
use crate::sut::ValidateFn;
use crate::world::{
    BATCH_KANI, BATCH_RUNNERS, Call, Focus, KEY, OTHER_KEY, caps_batch, caps_counters, caps_policy,
    env, executions,
};
use crate::{CaseResult, Outcome};

/// Under Kani, `callData` is any byte string of at most this many bytes (a batch of one
/// execution with empty calldata, or a single execution with up to 172 bytes of calldata).
pub(crate) const VALIDATE_CD_MAX: usize = 324;

/// Any `callData` (Kani: any bytes up to [`VALIDATE_CD_MAX`]; runners: canonical encodings of
/// calls aimed at the policy, with one mutation, or random bytes), any signer, a session of the
/// caps world or the scope world (argument types, rules, slices) with reachable counters,
/// active or revoked: `validate` returns, and an allowed verdict is coherent.
pub(crate) fn body<S: Source>(src: &mut S, validate: ValidateFn) -> CaseResult {
    let scope_world = src.bool("world.scope?");
    // The runners mutate whole ops, so the policies and calls they start from are few: every
    // cap present with tight hints, or one canonical call under one argument rule.
    let focus = Focus::All;
    let policy =
        if scope_world { scope::policy(src, scope::Focus::Thin) } else { caps_policy(src, focus) };
    let mut state = AccountState::new();
    // Installing an invalid policy is an error, not a state (spec §2.1).
    assume!(src, state.install(KEY, policy.clone()).is_ok());
    let counters = caps_counters(src, &policy, true);
    // Reachable counters only (the invariant of property 1 holds in every reachable state).
    // Counters no op can produce (a rate head past the ring) are outside the bounds.
    assume!(src, oracle::invariant(&policy, &counters));
    let seed = Effects {
        key: KEY,
        executions: Executions::new(),
        before: Counters::default(),
        after: counters,
    };
    ensure!(state.apply(&seed).is_ok(), "P9 setup: the counters are seeded through apply");
    if src.bool_in("session.revoked?", &[false]) {
        ensure!(state.revoke(KEY).is_ok(), "P9 setup: an installed session can be revoked");
    }
    let env = env(src, &[1], &[0]);
    let signer = [Some(KEY), Some(OTHER_KEY), None][src.choose_in("op.signer", 3, &[0])];
    let call_data: Vec<u8> = if src.symbolic() {
        let raw: [u8; VALIDATE_CD_MAX] = src.bytes_in("cd", &[]);
        let len = src.choose("cd.len", VALIDATE_CD_MAX + 1);
        raw[..len].to_vec()
    } else if src.choose_in("cd.random?", 2, &[0]) == 1 {
        // Only the random engine gets here (the hint leaves this shape out), and an empty hint
        // makes it draw uniform bytes.
        let raw: [u8; VALIDATE_CD_MAX] = src.bytes_in("cd.random", &[]);
        let mut cd = raw[..src.choose("cd.random_len", VALIDATE_CD_MAX + 1)].to_vec();
        // Random bytes rarely get past the selector: give them the `execute` head half the time.
        if cd.len() >= 4 && src.bool("cd.random.selector?") {
            cd[..4].copy_from_slice(&leash_model::selectors::EXECUTE);
        }
        cd
    } else {
        let (calls, n) = if scope_world {
            let n = 1 + src.choose_in("batch.len-1", BATCH_KANI, &[0]);
            let mut calls = [Call::new(KEY, alloy_primitives::U256::ZERO); BATCH_RUNNERS];
            for call in calls.iter_mut().take(n) {
                *call = scope::call(src, scope::Focus::Thin, &policy);
            }
            (calls, n)
        } else {
            caps_batch(src, focus, true, &policy, &counters, 1, &[0])
        };
        let executions = executions(&calls[..n]);
        let mut cd = if n == 1 && src.bool("op.single?") {
            encode_single(&executions[0])
        } else {
            encode_batch(&executions)
        };
        let (words, bytes) = execute_positions(&cd);
        mutate(src, &mut cd, &words, &bytes);
        cd
    };

    let verdict = validate(&state, &env, &UserOp::new(signer, &call_data));
    cover!(src, verdict.is_allow() && scope_world, "P9: an op with argument rules is allowed");
    let Verdict::Allow(effects) = verdict else {
        return Ok(Outcome::Denied);
    };
    ensure!(
        effects.key == KEY && effects.before == counters,
        "P9: an allowed verdict starts from the signer's counters (§14)"
    );
    ensure!(!effects.executions.is_empty(), "P9: an allowed verdict has executions (§3.6.3)");
    ensure!(
        oracle::invariant(&policy, &effects.after),
        "P9: an allowed verdict keeps the counters within their caps (§13)"
    );
    Ok(Outcome::Allowed)
}
