//! Module adapters: how the harness drives one kind of real session module.
//!
//! `World` runs the EntryPoint, the account and the ops whatever the module is. An adapter
//! ([`SessionModule`]) supplies everything module-specific:
//!
//! * its semantics, as a [`SemanticProfile`] of the model (spec Part P);
//! * the [`Translation`] of a leash policy into what the module can express: the *effective
//!   policy* the model judges against, and the [`IntentGap`]s, what the policy asked that the
//!   module cannot enforce;
//! * installing and revoking sessions, the nonce and signature layout of an op, reading counters
//!   back, and what its refusals mean;
//! * how an op reaches the account ([`Frame`]): a UserOperation through the EntryPoint's
//!   `handleOps`, or a transaction the session key sends itself (a redemption).
//!
//! One real module = one folder here: [`session_manager`] drives leash's own `ISessionManager`
//! (the reference module and its mutants), [`smartsessions`] drives Rhinestone/Biconomy
//! SmartSessions, [`metamask`] drives MetaMask's Delegation Framework.

pub mod hosts;
pub mod metamask;
pub mod session_manager;
pub mod smartsessions;

use alloy_primitives::{Address, B256, Bytes, U256};
use leash_model::bounds::{MAX_PERMISSIONS, MAX_RULES, MAX_TOKENS};
use leash_model::{Counters, DenyReason, Policy, SemanticProfile, Status, WindowPredicate};
use serde::{Deserialize, Serialize};

use crate::evm::abi::PackedUserOperation;
use crate::evm::redeem::TxOpError;
use crate::evm::{CallError, EvmDenial, OpOutcome, Recording, World};

/// How an op reaches the account (spec §P1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A signed ERC-4337 UserOperation, bundled into `EntryPoint.handleOps` (spec §1.1): the
    /// module decides in the validation phase.
    UserOp,
    /// A transaction the session key sends itself, redeeming its session (MetaMask's
    /// `DelegationManager.redeemDelegations`): one op per transaction, in order, the module
    /// deciding inside it ([`crate::evm::redeem`]).
    Redeem,
}

/// One op of the redeem frame: what the session key sends.
#[derive(Clone, Copy, Debug)]
pub struct Redemption<'a> {
    /// The block timestamp it runs at.
    pub now: u64,
    /// Who sends it: the session key (or a stranger, for an op without a valid signer).
    pub sender: Address,
    /// The ERC-7579 mode.
    pub mode: B256,
    /// The execution calldata.
    pub execution: &'a [u8],
    /// Whether the call recorder runs.
    pub recording: Recording,
}

/// Which way an intent gap moves the effective policy away from the user's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapDirection {
    /// The module allows more than the policy asked (a rule or limit is not enforced).
    Widened,
    /// The module allows less (a permission could not be expressed and is left out).
    Narrowed,
}

/// Something a policy asks that the module cannot enforce as asked.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IntentGap {
    /// A stable name for the kind of gap, e.g. `spender-allowlist-dropped`.
    pub id: String,
    /// Whether the module allows more or less than asked.
    pub direction: GapDirection,
    /// The part of the policy it concerns, e.g. `permission 2 (attack(uint256) on 0x…)`.
    pub subject: String,
    /// What the module does instead, in words.
    pub detail: String,
    /// The spec or profile clause behind it.
    pub clause: String,
}

impl core::fmt::Display for IntentGap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let direction = match self.direction {
            GapDirection::Widened => "widened",
            GapDirection::Narrowed => "narrowed",
        };
        write!(f, "[{direction}] {}: {} ({}; {})", self.subject, self.detail, self.id, self.clause)
    }
}

/// A leash policy as a module can express it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    /// What the module enforces, in the model's terms: the oracle judges the module against it
    /// under the module's profile.
    pub effective: Policy,
    /// What the user's policy asked that the module cannot enforce.
    pub gaps: Vec<IntentGap>,
}

impl Translation {
    /// A policy the module expresses exactly.
    pub fn exact(policy: &Policy) -> Self {
        Self { effective: policy.clone(), gaps: Vec::new() }
    }
}

/// Which counters a module reports in the model's terms: the runner compares only these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observed {
    /// `calls`.
    pub calls: bool,
    /// `native_spent`.
    pub native: bool,
    /// `token_spent`, per cap.
    pub tokens: [bool; MAX_TOKENS],
    /// `action_token_spent`, per permission.
    pub action_tokens: [bool; MAX_PERMISSIONS],
    /// `rule_used`, per permission and rule.
    pub rules: [[bool; MAX_RULES]; MAX_PERMISSIONS],
    /// The rate ring and its head.
    pub rate: bool,
    /// `native_period`.
    pub native_period: bool,
    /// `token_period`, per cap.
    pub token_periods: [bool; MAX_TOKENS],
}

impl Observed {
    /// Every counter.
    pub const ALL: Self = Self {
        calls: true,
        native: true,
        tokens: [true; MAX_TOKENS],
        action_tokens: [true; MAX_PERMISSIONS],
        rules: [[true; MAX_RULES]; MAX_PERMISSIONS],
        rate: true,
        native_period: true,
        token_periods: [true; MAX_TOKENS],
    };

    /// No counter (the status alone is compared).
    pub const NONE: Self = Self {
        calls: false,
        native: false,
        tokens: [false; MAX_TOKENS],
        action_tokens: [false; MAX_PERMISSIONS],
        rules: [[false; MAX_RULES]; MAX_PERMISSIONS],
        rate: false,
        native_period: false,
        token_periods: [false; MAX_TOKENS],
    };

    /// `counters` with every counter not observed set to zero.
    pub fn mask(&self, counters: &Counters) -> Counters {
        let keep = |on: bool, v: U256| if on { v } else { U256::ZERO };
        let mut out = Counters {
            calls: if self.calls { counters.calls } else { 0 },
            native_spent: keep(self.native, counters.native_spent),
            ..Counters::default()
        };
        for i in 0..MAX_TOKENS {
            out.token_spent[i] = keep(self.tokens[i], counters.token_spent[i]);
            if self.token_periods[i] {
                out.token_period[i] = counters.token_period[i];
            }
        }
        if self.native_period {
            out.native_period = counters.native_period;
        }
        for p in 0..MAX_PERMISSIONS {
            out.action_token_spent[p] = keep(self.action_tokens[p], counters.action_token_spent[p]);
            for r in 0..MAX_RULES {
                out.rule_used[p][r] = keep(self.rules[p][r], counters.rule_used[p][r]);
            }
        }
        if self.rate {
            out.rate_ring = counters.rate_ring;
            out.rate_head = counters.rate_head;
        }
        out
    }
}

/// A session's state as the module reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModuleState {
    /// Active or revoked.
    pub status: Status,
    /// The counters, in the model's terms; only the `observed` ones mean anything.
    pub counters: Counters,
    /// Which counters the module has.
    pub observed: Observed,
}

/// How a module tells which session an op uses (spec §1.4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionIdentity {
    /// The session of the key the ECDSA signature recovers to, whatever else the signature
    /// carries (leash's reference module: `_records[signer][account]`). Another key's
    /// signature selects that key's session.
    RecoveredSigner,
    /// The session an identifier in the signature names (SmartSessions' permission id), whose
    /// own key must have made the ECDSA signature. Another key's signature selects no session.
    NamedInSignature,
}

impl SessionIdentity {
    /// The signer the model judges an op under (spec §1.4.4): the op's signature layout names
    /// the session of `named` ([`SessionModule::named_session`]) and its ECDSA signature
    /// recovers to `recovered` (`None`: to no one).
    pub fn model_signer(
        self,
        named: Option<Address>,
        recovered: Option<Address>,
    ) -> Option<Address> {
        match self {
            Self::RecoveredSigner => recovered,
            Self::NamedInSignature => recovered.filter(|r| named == Some(*r)),
        }
    }
}

/// How the harness drives one kind of session module (see the module documentation).
///
/// An adapter may keep per-case state (the session ids it installed); [`Self::reset`] forgets
/// it whenever the world is reset.
pub trait SessionModule: Send {
    /// A short name for reports, e.g. `session-manager` or `smartsessions`.
    fn kind(&self) -> &'static str;

    /// The module's semantics (spec Part P).
    fn profile(&self) -> SemanticProfile;

    /// What the module can express of `policy`. Deterministic: the same policy always gives the
    /// same translation.
    fn translate(&self, policy: &Policy) -> Translation;

    /// Forgets per-case state; the world has just been reset to its deployed state.
    fn reset(&mut self) {}

    /// Installs a session for `key` with the module configuration `policy` translates to
    /// (spec §2.1).
    fn install(
        &mut self,
        world: &mut World,
        key: Address,
        policy: &Policy,
    ) -> Result<(), CallError>;

    /// Revokes the session of `key` (spec §2.2).
    fn revoke(&mut self, world: &mut World, key: Address) -> Result<(), CallError>;

    /// The nonce of an op on lane `lane`: every op of a case gets its own lane, so that a
    /// dropped op never invalidates the others' nonces.
    fn nonce(&self, lane: u64) -> U256 {
        crate::evm::userop::nonce_for_key(lane)
    }

    /// The digest that binds what spec §1.4.1 requires of `op` while its sender delegates to
    /// `delegate` (the EIP-7702 frame; `None` elsewhere): EntryPoint v0.8's `userOpHash`, unless
    /// the module's interface defines a digest of its own. Replays are judged by it: a signature
    /// recovers to its key only for an op whose digest is the one it was made for.
    fn session_digest(
        &self,
        world: &World,
        op: &PackedUserOperation,
        delegate: Option<Address>,
    ) -> B256 {
        world.user_op_hash_under(op, delegate)
    }

    /// The digest a session key signs for `op`: the one the module verifies, which a wallet
    /// computes as the module says. `session_digest` is [`Self::session_digest`] for the same
    /// op, and what this returns for a module that computes that digest as the spec does.
    fn signing_digest(
        &self,
        _world: &mut World,
        _op: &PackedUserOperation,
        _delegate: Option<Address>,
        session_digest: B256,
    ) -> B256 {
        session_digest
    }

    /// `userOp.signature` for an op signed by `signer` (`None`: a malformed signature), from the
    /// 65-byte ECDSA signature followed by the op's decoy tail.
    fn wrap_signature(&self, _signer: Option<Address>, ecdsa_and_tail: &[u8]) -> Bytes {
        Bytes::copy_from_slice(ecdsa_and_tail)
    }

    /// How the module tells which session an op uses (spec §1.4.4): what the model's signer is
    /// for an op whose signature names one key's session but is made by another key.
    fn session_identity(&self) -> SessionIdentity {
        SessionIdentity::RecoveredSigner
    }

    /// The key whose session an op signed by `signer` names in its signature layout
    /// ([`Self::wrap_signature`]): `signer` itself unless the adapter names another session for
    /// a signer without one. Only [`SessionIdentity::NamedInSignature`] reads it.
    fn named_session(&self, signer: Option<Address>) -> Option<Address> {
        signer
    }

    /// The state of `key`'s session, `Ok(None)` without one, or `None` when the module cannot
    /// report its state at all.
    fn session_state(
        &mut self,
        world: &mut World,
        key: Address,
    ) -> Option<Result<Option<ModuleState>, CallError>>;

    /// What a refusal of the module means, in words (its error and the clause it stands for),
    /// when the adapter knows more than the EntryPoint's reason.
    fn describe_denial(&self, _denial: &EvmDenial) -> Option<String> {
        None
    }

    /// Whether the module reports the spec's denial codes (`SessionDenied`), so denials for
    /// different clauses are findings.
    fn reports_spec_codes(&self) -> bool;

    /// Whether the module refuses the lifecycle calls the spec refuses: installing a policy
    /// that breaks spec §12 (with `InvalidPolicy(code)` when it reports the spec's codes) and
    /// revoking a key without a session (§2.2). Campaigns then also make such calls; on other
    /// modules, whose interfaces have no such checks, they would only report that.
    fn refuses_what_the_spec_refuses(&self) -> bool {
        false
    }

    /// Functions of the module itself (signatures) a session might try to call: the generators
    /// aim at them, since no session may manage sessions (spec §4.2).
    fn module_functions(&self) -> &'static [&'static str] {
        &[]
    }

    /// How ops reach the account.
    fn frame(&self) -> Frame {
        Frame::UserOp
    }

    /// How the module reads a policy's window (spec §11): EntryPoint v0.8's predicate for a
    /// module that returns its window in `validationData`.
    fn window(&self) -> WindowPredicate {
        WindowPredicate::EntryPointV08
    }

    /// Sends one op of the [`Frame::Redeem`] frame and reports what happened to it.
    fn redeem(&mut self, _world: &mut World, _op: &Redemption<'_>) -> Result<OpOutcome, TxOpError> {
        Err(TxOpError::NoRedeemFrame { module: self.kind() })
    }

    /// The spec denials a refusal of the module may stand for, when the adapter maps the
    /// module's errors to clauses (spec §P19): a denial the model gives for one of them is the
    /// same denial, not a `reason` finding.
    fn denial_reasons(&self, _denial: &EvmDenial) -> Option<&'static [DenyReason]> {
        None
    }
}
