//! Policy review: a policy in plain English, organised the way the seed articles describe a
//! session's scope (who acts, when, what it may call, how much it may move), and lints that
//! hold the policy against their advice and against the bug classes other Session Manager
//! modules shipped (C1 to C13, defined in `docs/bug-classes.md`).
//!
//! A [`Review`] is plain data: `leash explain` prints it as text or serializes it as JSON.

mod describe;
pub(crate) mod known;
mod lints;

use leash_model::Policy;
use serde::Serialize;

pub(crate) use describe::{HowMuch, PermissionView, When};
pub(crate) use lints::{Lint, Severity};

/// A reviewed policy.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Review {
    /// The unix time the review was made at (the window is judged against it).
    pub(crate) now: u64,
    /// Who may act: the session key, and how it is revoked.
    pub(crate) who: Vec<String>,
    /// When: the time window.
    pub(crate) when: When,
    /// What: each permission, in file order.
    pub(crate) what: Vec<PermissionView>,
    /// How much: native value, ERC-20 caps, usage and rate limits.
    pub(crate) how_much: HowMuch,
    /// The lints found, most severe first.
    pub(crate) lints: Vec<Lint>,
}

/// Reviews `policy` as of unix time `now`.
pub(crate) fn review(policy: &Policy, now: u64) -> Review {
    Review {
        now,
        who: describe::who(),
        when: describe::when(policy, now),
        what: describe::what(policy),
        how_much: describe::how_much(policy),
        lints: lints::lint(policy, now),
    }
}
