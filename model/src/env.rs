//! The environment of validation: the clock, the chain, the account, the module, the window
//! predicate and the semantic profile (spec §1.5, §11, §17). The op is in [`crate::op`].

use alloy_primitives::Address;

use crate::bounds::TIME_MAX;
use crate::profile::SemanticProfile;

/// Everything validation needs to know about the world besides the op and the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Env {
    /// The block timestamp of the validation phase (spec §1.5).
    pub now: u64,
    /// `block.chainid` of the validation phase (spec §17).
    pub chain_id: u64,
    /// The account that owns the sessions.
    pub account: Address,
    /// The session validator module itself.
    pub module: Address,
    /// How the time window is read (spec §11).
    pub window: WindowPredicate,
    /// The module's semantics where they differ from the spec's defaults (spec Part P);
    /// [`SemanticProfile::SPEC_V1`] for the spec as written (v1, and v2's defaults for
    /// allowances over time).
    pub profile: SemanticProfile,
}

impl Env {
    /// An environment at `now` for `account` and `module` on chain [`Self::DEFAULT_CHAIN_ID`],
    /// with the spec's own semantics: the EntryPoint v0.8 window predicate and
    /// [`SemanticProfile::SPEC_V1`]. Set `chain_id` for another chain.
    pub fn new(now: u64, account: Address, module: Address) -> Self {
        Self {
            now,
            chain_id: Self::DEFAULT_CHAIN_ID,
            account,
            module,
            window: WindowPredicate::default(),
            profile: SemanticProfile::SPEC_V1,
        }
    }
}

impl Env {
    /// The chain [`Env::new`] validates on: 31337, the chain id of local development chains
    /// (Anvil, Hardhat) and of leash's EVM world.
    pub const DEFAULT_CHAIN_ID: u64 = 31337;
}

/// How a consumer of `(valid_after, valid_until)` decides whether `now` is inside the window
/// (spec §11). Real consumers disagree; the reference module runs under [`Self::EntryPointV08`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WindowPredicate {
    /// `valid_after < now <= until'` (EntryPoint v0.8).
    #[default]
    EntryPointV08,
    /// `valid_after <= now <= until'` (EntryPoint v0.6 and v0.7).
    EntryPointV07,
    /// `valid_after <= now` and (`valid_until == 0` or `now < valid_until`)
    /// (SmartSessions TimeFramePolicy on the ERC-1271 path).
    HalfOpen,
    /// (`valid_after == 0` or `now > valid_after`) and (`valid_until == 0` or `now < valid_until`)
    /// (MetaMask TimestampEnforcer).
    Exclusive,
}

impl WindowPredicate {
    /// Every predicate, for tests and proofs that cover them all.
    pub const ALL: [Self; 4] =
        [Self::EntryPointV08, Self::EntryPointV07, Self::HalfOpen, Self::Exclusive];

    /// Whether the predicate has no window at all for these bounds: the EntryPoint skips its
    /// time check when the whole `validationData` is zero, so a policy with
    /// `valid_after == 0 && valid_until == 0` never expires under it, not even after `TIME_MAX`
    /// (spec §11).
    pub fn unbounded(self, valid_after: u64, valid_until: u64) -> bool {
        matches!(self, Self::EntryPointV08 | Self::EntryPointV07)
            && valid_after == 0
            && valid_until == 0
    }

    /// Whether `now` satisfies the lower bound (spec §11.1).
    pub fn after_start(self, valid_after: u64, now: u64) -> bool {
        match self {
            Self::EntryPointV08 => valid_after < now,
            Self::EntryPointV07 | Self::HalfOpen => valid_after <= now,
            Self::Exclusive => valid_after == 0 || now > valid_after,
        }
    }

    /// Whether `now` satisfies the upper bound (spec §11.2).
    pub fn before_end(self, valid_until: u64, now: u64) -> bool {
        // The EntryPoint reads a zero `validUntil` as `type(uint48).max`.
        let until = if valid_until == 0 { TIME_MAX } else { valid_until };
        match self {
            Self::EntryPointV08 | Self::EntryPointV07 => now <= until,
            Self::HalfOpen | Self::Exclusive => valid_until == 0 || now < valid_until,
        }
    }

    /// The predicate's name, as the CLI and reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::EntryPointV08 => "entrypoint-v0.8",
            Self::EntryPointV07 => "entrypoint-v0.7",
            Self::HalfOpen => "half-open",
            Self::Exclusive => "exclusive",
        }
    }
}
