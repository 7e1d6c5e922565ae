//! spec §11: the time window, read with the environment's window predicate.

use crate::env::Env;
use crate::policy::Policy;
use crate::profile::NeverExpires;
use crate::verdict::DenyReason;

/// Checks `env.now` against the policy's window.
pub(super) fn check(policy: &Policy, env: &Env) -> Result<(), DenyReason> {
    // spec §11, §P17
    if env.profile.never_expires == NeverExpires::Honoured
        && env.window.unbounded(policy.valid_after, policy.valid_until)
    {
        return Ok(());
    }
    // spec §11.1
    if !env.window.after_start(policy.valid_after, env.now) {
        return Err(DenyReason::NotYetValid);
    }
    // spec §11.2
    if !env.window.before_end(policy.valid_until, env.now) {
        return Err(DenyReason::Expired);
    }
    Ok(())
}
