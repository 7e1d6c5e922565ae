//! A session's counters (spec §13): what validation reads and what an executed op's effects
//! write. Their own module, below both the rules that update them and the state that holds them.

use alloy_primitives::U256;

use crate::bounds::{MAX_PERMISSIONS, MAX_RATE, MAX_RULES, MAX_TOKENS};

/// A session's counters (spec §13). All start at zero when the session is installed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counters {
    /// Calls made (spec §10).
    pub calls: u64,
    /// Native value sent (spec §7.3).
    pub native_spent: U256,
    /// Amount counted per ERC-20 cap, in the order of `Policy::erc20` (spec §8.5).
    pub token_spent: [U256; MAX_TOKENS],
    /// Amount counted by the ERC-20 cap on each permission's target, per permission, when caps
    /// are counted per action (spec §P12); always zero under spec v1.
    pub action_token_spent: [U256; MAX_PERMISSIONS],
    /// Sum per rule with a cumulative limit, by permission then rule (spec §6.4).
    pub rule_used: [[U256; MAX_RULES]; MAX_PERMISSIONS],
    /// Timestamps of the last calls, for the rate limit (spec §9).
    pub rate_ring: [u64; MAX_RATE],
    /// The ring's head: the slot of the oldest timestamp once the ring is full (spec §9).
    pub rate_head: u8,
    /// The native cap's period counter (spec §7.4, §13).
    pub native_period: PeriodSpend,
    /// Each ERC-20 cap's period counter, in the order of `Policy::erc20` (spec §8.6, §13).
    pub token_period: [PeriodSpend; MAX_TOKENS],
    /// The maximum cost of the session's ops so far, in wei, counted when a gas rule has a
    /// total limit (spec §16.4).
    pub gas_spent: U256,
}

/// The counter of a periodic allowance (spec §13, §15.2): the start of the period `spent` was
/// counted in, and that amount. Zero at install, which reads as "nothing spent yet".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PeriodSpend {
    /// The start of the period `spent` belongs to (unix seconds).
    pub start: u64,
    /// What the session moved in that period.
    pub spent: U256,
}
