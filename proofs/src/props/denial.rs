//! Property 7: a denial leaves the state unchanged (spec §1.3, §13.2).

use leash_model::abi::execute::{encode_batch, encode_single};
use leash_model::{AccountState, Counters, Effects, Executions, UserOp, Verdict};

use crate::oracle;
use crate::source::Source;
use crate::sut::ExecuteOpFn;
use crate::world::{
    Focus, KEY, OTHER_KEY, caps_batch, caps_counters, caps_policy, env, executions,
};
use crate::{CaseResult, Outcome};

/// Any op against an account holding a session with reachable counters (and optionally a
/// second, revoked session): denied ⇒ the whole state is unchanged; allowed ⇒ the state is the
/// old one with the effects applied, which start from the session's counters.
pub(crate) fn body<S: Source>(src: &mut S, execute_op: ExecuteOpFn) -> CaseResult {
    let focus = Focus::draw(src);
    let policy = caps_policy(src, focus);
    let mut state = AccountState::new();
    // Installing an invalid policy is an error, not a state (spec §2.1).
    assume!(src, state.install(KEY, policy.clone()).is_ok());
    let counters = caps_counters(src, &policy, true);
    // Reachable counters only (the invariant of property 1 holds in every reachable state).
    assume!(src, oracle::invariant(&policy, &counters));
    let seed = Effects {
        key: KEY,
        executions: Executions::new(),
        before: Counters::default(),
        after: counters,
    };
    ensure!(state.apply(&seed).is_ok(), "P7 setup: the counters are seeded through apply");
    if src.bool_in("state.revoked_other?", &[false]) {
        let installed = state.install(OTHER_KEY, policy.clone()).is_ok();
        ensure!(
            installed && state.revoke(OTHER_KEY).is_ok(),
            "P7 setup: a second session, revoked"
        );
    }
    let env = env(src, &[1], &[0]);
    let (calls, n) = caps_batch(src, focus, true, &policy, &counters, 1, &[1]);
    let executions = executions(&calls[..n]);
    let call_data = if n == 1 && src.bool_in("op.single?", &[true]) {
        encode_single(&executions[0])
    } else {
        encode_batch(&executions)
    };
    let signer = [Some(KEY), Some(OTHER_KEY), None][src.choose_in("op.signer", 3, &[0])];
    let before = state.clone();

    let verdict = execute_op(&mut state, &env, &UserOp::new(signer, &call_data));
    match verdict {
        Verdict::Deny(denial) => {
            cover!(src, denial.execution == Some(1), "P7: a batch denied at its second execution");
            ensure!(
                state == before,
                "P7: a denied op leaves every session's state unchanged (§1.3, §13.2)"
            );
            Ok(Outcome::Denied)
        }
        Verdict::Allow(effects) => {
            ensure!(
                effects.before == counters,
                "P7: an allowed op's effects start from its session's counters (§14)"
            );
            let mut expected = before;
            let applied = expected.apply(&effects).is_ok();
            ensure!(
                applied && state == expected,
                "P7: an allowed op changes only its session's counters (§14)"
            );
            Ok(Outcome::Allowed)
        }
    }
}
