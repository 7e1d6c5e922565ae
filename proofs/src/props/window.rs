//! Property 3: allowed ⇒ inside the window, for each window predicate (spec §11).

use alloy_primitives::U256;
use leash_model::bounds::TIME_MAX;
use leash_model::{
    ArgDecoding, BoundedVec, Counters, DenyReason, Env, Permission, Policy, Selector, Session,
    Status, Target, WindowPredicate,
};

use crate::oracle;
use crate::source::Source;
use crate::sut::CheckFn;
use crate::world::{ACCOUNT, Call, KEY, MODULE, OTHER, executions};
use crate::{CaseResult, Outcome};

/// Timestamps a window bound takes in the hints: both ends of the range and a middle value.
const BOUNDS: [u64; 6] = [0, 1, 100, TIME_MAX - 1, TIME_MAX, TIME_MAX + 1];

/// allowed ⇒ the §11 table holds for `now`; a window denial names the bound that fails (§11.1
/// before §11.2); and inside the window the window does not deny (nothing else can here).
///
/// `predicate` fixes the window predicate (one Kani harness each); `None` draws it.
pub(crate) fn body<S: Source>(
    src: &mut S,
    check: CheckFn,
    predicate: Option<WindowPredicate>,
) -> CaseResult {
    let valid_after = src.u64_in("policy.valid_after", &BOUNDS);
    let valid_until = src.u64_in("policy.valid_until", &[0, 1, 100, 101, TIME_MAX, TIME_MAX + 1]);
    let transfer =
        Permission { target: Target::Any, selector: Selector::Empty, ..Permission::default() };
    let policy = Policy {
        valid_after,
        valid_until,
        permissions: BoundedVec::try_from_iter([transfer]).expect("capacity"),
        ..Policy::default()
    };
    // A session only ever holds a valid policy (spec §2.1): both bounds <= TIME_MAX and a
    // non-empty window (§12.1).
    assume!(src, policy.validate().is_ok());
    let now_hint = [
        0,
        valid_after.saturating_sub(1),
        valid_after,
        valid_after.saturating_add(1),
        valid_until.saturating_sub(1),
        valid_until,
        valid_until.saturating_add(1),
        TIME_MAX,
        TIME_MAX + 1,
        u64::MAX,
    ];
    let now = src.u64_in("env.now", &now_hint);
    let window = match predicate {
        Some(p) => p,
        None => WindowPredicate::ALL[src.choose("env.window", 4)],
    };
    let env = Env { window, ..Env::new(now, ACCOUNT, MODULE) };
    let call = Call::new(OTHER, U256::ZERO);
    let executions = executions(core::slice::from_ref(&call));
    let session =
        Session { key: KEY, policy, status: Status::Active, counters: Counters::default() };

    let result = check(&session, &env, &executions, ArgDecoding::Strict);
    let (lower, upper) = oracle::window(window, valid_after, valid_until, now);
    cover!(src, result.is_ok() && now == valid_after, "P3: allowed at now == valid_after");
    cover!(
        src,
        result.is_ok() && valid_until != 0 && now == valid_until,
        "P3: allowed at now == valid_until"
    );
    cover!(
        src,
        result.is_ok() && valid_until == 0 && now == TIME_MAX,
        "P3: allowed at TIME_MAX without an end"
    );
    match result {
        Ok(_) => {
            ensure!(lower, "P3: an allowed op is at or after the window's start (§11.1)");
            ensure!(upper, "P3: an allowed op is at or before the window's end (§11.2)");
            Ok(Outcome::Allowed)
        }
        Err(denial) => {
            ensure!(
                !(lower && upper),
                "P3: inside the window the window does not deny, and nothing else can here (§11)"
            );
            let named = match denial.reason {
                DenyReason::NotYetValid => !lower,
                DenyReason::Expired => lower && !upper,
                _ => false,
            };
            ensure!(named, "P3: a window denial names the first bound that fails (§11.1, §11.2)");
            Ok(Outcome::Denied)
        }
    }
}
