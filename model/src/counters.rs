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

/// A counter an allowed op can move (spec §14), named by the clause that moves it: what the
/// rules that let an op through counted. The fuzz summary reports how many allowed ops moved
/// each, so a campaign whose allowed ops never touched a cap says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Counter {
    /// A rule's cumulative sum (§6.4).
    RuleSum,
    /// Native value sent (§7.3).
    NativeSpent,
    /// The native cap's period counter (§7.4).
    NativePeriod,
    /// An ERC-20 cap's amount (§8.5).
    TokenSpent,
    /// An ERC-20 cap counted per action (§P12).
    ActionTokenSpent,
    /// An ERC-20 cap's period counter (§8.6).
    TokenPeriod,
    /// The rate limit's ring (§9.2).
    Rate,
    /// Calls made (§10.1).
    Calls,
    /// The maximum gas cost of the session's ops (§16.4).
    GasSpent,
}

impl Counter {
    /// Every counter, in clause order.
    pub const ALL: [Counter; 9] = [
        Self::RuleSum,
        Self::NativeSpent,
        Self::NativePeriod,
        Self::TokenSpent,
        Self::ActionTokenSpent,
        Self::TokenPeriod,
        Self::Rate,
        Self::Calls,
        Self::GasSpent,
    ];

    /// The spec clause that moves it.
    pub const fn clause(self) -> &'static str {
        match self {
            Self::RuleSum => "§6.4",
            Self::NativeSpent => "§7.3",
            Self::NativePeriod => "§7.4",
            Self::TokenSpent => "§8.5",
            Self::ActionTokenSpent => "§P12",
            Self::TokenPeriod => "§8.6",
            Self::Rate => "§9.2",
            Self::Calls => "§10.1",
            Self::GasSpent => "§16.4",
        }
    }

    /// A short name, as the fuzz summary prints it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::RuleSum => "rule sums",
            Self::NativeSpent => "native value",
            Self::NativePeriod => "native period",
            Self::TokenSpent => "token amounts",
            Self::ActionTokenSpent => "token amounts per action",
            Self::TokenPeriod => "token periods",
            Self::Rate => "rate ring",
            Self::Calls => "calls",
            Self::GasSpent => "gas cost",
        }
    }

    /// Whether the counter differs between `before` and `after`.
    pub fn moved(self, before: &Counters, after: &Counters) -> bool {
        match self {
            Self::RuleSum => before.rule_used != after.rule_used,
            Self::NativeSpent => before.native_spent != after.native_spent,
            Self::NativePeriod => before.native_period != after.native_period,
            Self::TokenSpent => before.token_spent != after.token_spent,
            Self::ActionTokenSpent => before.action_token_spent != after.action_token_spent,
            Self::TokenPeriod => before.token_period != after.token_period,
            Self::Rate => {
                before.rate_ring != after.rate_ring || before.rate_head != after.rate_head
            }
            Self::Calls => before.calls != after.calls,
            Self::GasSpent => before.gas_spent != after.gas_spent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_counter_moves_when_its_field_changes_and_only_then() {
        let before = Counters::default();
        let changed = |c: Counter| {
            let mut after = before;
            match c {
                Counter::RuleSum => after.rule_used[0][1] = U256::from(1),
                Counter::NativeSpent => after.native_spent = U256::from(1),
                Counter::NativePeriod => after.native_period.start = 1,
                Counter::TokenSpent => after.token_spent[1] = U256::from(1),
                Counter::ActionTokenSpent => after.action_token_spent[0] = U256::from(1),
                Counter::TokenPeriod => after.token_period[0].spent = U256::from(1),
                Counter::Rate => after.rate_head = 1,
                Counter::Calls => after.calls = 1,
                Counter::GasSpent => after.gas_spent = U256::from(1),
            }
            after
        };
        for c in Counter::ALL {
            let after = changed(c);
            let moved: Vec<Counter> =
                Counter::ALL.into_iter().filter(|k| k.moved(&before, &after)).collect();
            assert_eq!(moved, [c], "changing {c:?}'s field moved {moved:?}");
        }
        assert!(Counter::ALL.iter().all(|c| !c.moved(&before, &before)));
    }

    #[test]
    fn the_counters_are_the_effects_section_14_lists() {
        // §14 names the clauses whose increments an allowed op's effects carry; §P12 replaces
        // §8.5 under a profile.
        let spec = include_str!("../../docs/spec.md");
        let clause_14 = spec.split("## §14").nth(1).expect("spec has §14");
        let first_paragraph = clause_14.split("\n\n").nth(1).expect("§14 has a paragraph");
        for c in Counter::ALL.iter().filter(|c| **c != Counter::ActionTokenSpent) {
            assert!(first_paragraph.contains(c.clause()), "§14 does not list {}", c.clause());
        }
    }
}
