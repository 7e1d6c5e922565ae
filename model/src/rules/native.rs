//! spec §7: native value, with its allowances over time (§7.4, §7.5).

use alloy_primitives::U256;

use super::allowance;
use crate::counters::Counters;
use crate::env::Env;
use crate::policy::NativeCap;
use crate::profile::NativeDefault;
use crate::verdict::DenyReason;

/// Checks an execution's value against the cap and its allowances (spec §7), and counts it;
/// without a cap, `default` decides (spec §P13).
pub(super) fn check(
    cap: Option<&NativeCap>,
    default: NativeDefault,
    value: U256,
    env: &Env,
    counters: &mut Counters,
) -> Result<(), DenyReason> {
    let Some(cap) = cap else {
        // spec §7.1, §P13
        return if value.is_zero() || default == NativeDefault::Allow {
            Ok(())
        } else {
            Err(DenyReason::NativeValue)
        };
    };
    // spec §7.2
    if value > cap.per_call {
        return Err(DenyReason::NativePerCall);
    }
    // spec §7.3
    let spent = match counters.native_spent.checked_add(value) {
        Some(spent) if spent <= cap.total => spent,
        _ => return Err(DenyReason::NativeTotal),
    };
    // A zero value passes §7.4 and §7.5 and moves neither allowance, unless the profile checks
    // it (§P21.5).
    if env.profile.allowances.checks(value) {
        // spec §7.4
        if let Some(periodic) = &cap.periodic {
            counters.native_period = allowance::check_periodic(
                periodic,
                counters.native_period,
                value,
                env.now,
                env.profile.allowances,
            )
            .ok_or(DenyReason::NativePeriod)?;
        }
        // spec §7.5
        if let Some(stream) = &cap.streaming
            && !allowance::check_streaming(
                stream,
                spent,
                env.now,
                env.profile.allowances.stream_overflow,
            )
        {
            return Err(DenyReason::NativeStream);
        }
    }
    counters.native_spent = spent;
    Ok(())
}
