//! The policy rules, one module each, and the order they run in (spec §1.6).
//!
//! Each module implements one clause of the spec against the counters as they stand before the
//! execution it checks, and records its effect in `after` only when the execution passes it.
//! Adding a rule means adding a module here, a line in [`check_executions`], its clause in
//! `docs/spec.md`, its Solidity counterpart, its proof harness and its generator.

pub mod allowance;
mod args;
mod chain;
pub(crate) mod erc20;
mod gas;
mod native;
mod permission;
mod rate;
mod scope;
mod usage;
mod window;

pub(crate) use erc20 as erc20_selectors;
pub use permission::{selector_as, selector_of};

use crate::abi::args::ArgDecoding;
use crate::counters::Counters;
use crate::env::Env;
use crate::op::OpGas;
use crate::policy::Policy;
use crate::profile::{RateModel, UsageUnit};
use crate::verdict::{Denial, Execution};

/// Checks `executions` one after another (spec §13.2), then the op's gas terms (spec §16), its
/// chain (spec §17) and the window (spec §11), and returns the counters after all of them.
/// `env.profile` selects the module's semantics (spec Part P).
pub(crate) fn check_executions(
    policy: &Policy,
    counters: &Counters,
    env: &Env,
    gas: &OpGas,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    let profile = &env.profile;
    // spec §P16: a module without rate limits enforces none.
    let rate_limit = match profile.rate {
        RateModel::SlidingRing => policy.rate_limit.as_ref(),
        RateModel::Unsupported => None,
    };
    let mut after = *counters;
    for (index, execution) in executions.iter().enumerate() {
        // Executions come from a bounded batch: `index < MAX_BATCH <= u8::MAX`.
        let at = |reason| Denial::at(reason, index as u8);
        scope::check(env, execution.target, execution.data).map_err(at)?;
        let selector =
            permission::selector_as(execution.data, profile.short_calldata).map_err(at)?;
        let (candidates, count) =
            permission::candidates(policy, profile, execution.target, selector).map_err(at)?;
        let at_detail = |(reason, detail): (_, Option<u8>)| Denial { detail, ..at(reason) };
        // spec §6 to §8 under each candidate permission in turn (§P9): the first that allows the
        // execution decides; when none does, the last one's denial stands.
        let mut outcome = Ok(after);
        for &permission in &candidates[..count] {
            let mut tried = after;
            outcome = args::check(
                &policy.permissions[permission],
                execution.data,
                &mut tried.rule_used[permission],
                decoding,
                profile,
            )
            .map_err(at_detail)
            .and_then(|()| {
                native::check(
                    policy.native.as_ref(),
                    profile.native_default,
                    execution.value,
                    env,
                    &mut tried,
                )
                .map_err(at)
            })
            .and_then(|()| {
                erc20::check(policy, env, execution, permission, &mut tried, decoding, profile)
                    .map_err(at_detail)
            })
            .map(|()| tried);
            if outcome.is_ok() {
                break;
            }
        }
        after = outcome?;
        rate::check(rate_limit, env.now, &mut after).map_err(at)?;
        if profile.usage_unit == UsageUnit::PerExecution {
            usage::check(policy.usage_limit, &mut after).map_err(at)?;
        }
    }
    // spec §P15: an op counts once, however many executions it has.
    if profile.usage_unit == UsageUnit::PerOp && !executions.is_empty() {
        usage::check(policy.usage_limit, &mut after).map_err(Denial::op)?;
    }
    gas::check(policy.gas.as_ref(), gas, &mut after).map_err(Denial::op)?;
    chain::check(policy, env.chain_id).map_err(Denial::op)?;
    window::check(policy, env).map_err(Denial::op)?;
    Ok(after)
}
