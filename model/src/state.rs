//! Session state and the lifecycle: install, revoke, validate, apply (spec §2, §13).

use alloy_primitives::Address;

use crate::abi::args::ArgDecoding;
use crate::abi::execute::decode_execute_as;
use crate::bounded::BoundedVec;
use crate::bounds::{MAX_BATCH, MAX_SESSIONS};
use crate::counters::Counters;
use crate::env::Env;
use crate::op::{OpGas, UserOp};
use crate::policy::{Policy, PolicyError};
use crate::rules;
use crate::verdict::{Denial, DenyReason, Effects, Verdict};

/// Whether a session may be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Status {
    /// Installed and not revoked.
    #[default]
    Active,
    /// Revoked (spec §2.2); every op is denied until the key is installed again.
    Revoked,
}

/// A session: a key, its policy, its status and its counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// The session key.
    pub key: Address,
    /// The policy.
    pub policy: Policy,
    /// Active or revoked.
    pub status: Status,
    /// The counters.
    pub counters: Counters,
}

impl Session {
    /// A freshly installed session (spec §2.1): active, counters zero.
    pub fn new(key: Address, policy: Policy) -> Self {
        Self { key, policy, status: Status::Active, counters: Counters::default() }
    }

    /// Validates already decoded executions of an op with gas terms `gas` against this session
    /// (spec §2.3.2, §4 to §11, §16, §17), returning the counters after them.
    ///
    /// This is the semantic core: [`AccountState::validate`] calls it with the strictly decoded
    /// executions of an op, the proofs call it directly, and the differential oracle calls it
    /// with the calls an account actually made, decoded the way their callees decode them.
    /// An empty list is checked against the window only: an op never has one (spec §3.6.3), but
    /// an account that executed nothing did nothing the policy could forbid.
    pub fn check(
        &self,
        env: &Env,
        gas: &OpGas,
        executions: &[crate::verdict::Execution<'_>],
        decoding: ArgDecoding,
    ) -> Result<Counters, Denial> {
        if self.status == Status::Revoked {
            return Err(Denial::op(DenyReason::Revoked));
        }
        rules::check_executions(&self.policy, &self.counters, env, gas, executions, decoding)
    }
}

impl Session {
    /// Validates any number of decoded executions against this session, `MAX_BATCH` at a time,
    /// each chunk against the counters the chunks before it left (spec §13.2): what a module
    /// that accepts batches larger than the model's bound (§P4) does with one. An op still counts
    /// once under per-op usage (§P15), and its gas terms once (§16). For harnesses; the model's
    /// own ops never need it.
    pub fn check_many(
        &self,
        env: &Env,
        gas: &OpGas,
        executions: &[crate::verdict::Execution<'_>],
        decoding: ArgDecoding,
    ) -> Result<Counters, Denial> {
        if self.status == Status::Revoked {
            return Err(Denial::op(DenyReason::Revoked));
        }
        let per_op = env.profile.usage_unit == crate::profile::UsageUnit::PerOp;
        let mut counters = self.counters;
        for (chunk, executions) in executions.chunks(MAX_BATCH).enumerate() {
            if per_op && chunk > 0 {
                // The op was counted with its first chunk.
                counters.calls -= 1;
            }
            // The op's cost was counted with its first chunk: later chunks see its paymaster and
            // fee again (with the same verdict) and a cost of zero.
            let counted = OpGas {
                verification_gas_limit: 0,
                call_gas_limit: 0,
                pre_verification_gas: 0,
                paymaster_verification_gas_limit: 0,
                paymaster_post_op_gas_limit: 0,
                ..*gas
            };
            let gas = if chunk == 0 { gas } else { &counted };
            counters =
                rules::check_executions(&self.policy, &counters, env, gas, executions, decoding)
                    .map_err(|d| Denial {
                        execution: d.execution.map(|i| {
                            u8::try_from(usize::from(i) + chunk * MAX_BATCH).unwrap_or(u8::MAX)
                        }),
                        ..d
                    })?;
        }
        if executions.is_empty() {
            counters = rules::check_executions(&self.policy, &counters, env, gas, &[], decoding)?;
        }
        Ok(counters)
    }
}

/// Why a lifecycle call was refused. These are errors (bad input to the model), not denials.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LifecycleError {
    /// A session key cannot be the zero address (spec §2.1).
    ZeroKey,
    /// The policy is not valid (spec §12).
    InvalidPolicy(PolicyError),
    /// The model already holds `MAX_SESSIONS` keys (spec §2.5).
    Capacity {
        /// The key that did not fit.
        key: Address,
    },
    /// There is no session for this key (spec §2.2).
    UnknownSession {
        /// The key asked for.
        key: Address,
    },
    /// The session is revoked, so effects cannot be applied to it.
    NotActive {
        /// The session key.
        key: Address,
    },
    /// The effects were computed against other counters than the session has now.
    StaleEffects {
        /// The session key.
        key: Address,
    },
}

impl core::fmt::Display for LifecycleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::ZeroKey => f.write_str("a session key cannot be the zero address (spec §2.1)"),
            Self::InvalidPolicy(e) => write!(f, "invalid policy: {e}"),
            Self::Capacity { key } => write!(
                f,
                "cannot install {key}: the model holds at most {MAX_SESSIONS} sessions per \
                 account (spec §2.5)"
            ),
            Self::UnknownSession { key } => write!(f, "{key} has no session (spec §2.2)"),
            Self::NotActive { key } => write!(f, "the session of {key} is revoked"),
            Self::StaleEffects { key } => write!(
                f,
                "the effects for {key} were computed against other counters than it has now"
            ),
        }
    }
}

impl core::error::Error for LifecycleError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::InvalidPolicy(e) => Some(e),
            _ => None,
        }
    }
}

/// The sessions of one account: the state the module keeps for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountState {
    sessions: BoundedVec<Session, MAX_SESSIONS>,
}

impl AccountState {
    /// An account with no sessions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every session, in installation order of their keys.
    pub fn sessions(&self) -> &[Session] {
        self.sessions.as_slice()
    }

    /// The session of `key`, active or revoked.
    pub fn session(&self, key: Address) -> Option<&Session> {
        self.sessions.iter().find(|s| s.key == key)
    }

    fn session_mut(&mut self, key: Address) -> Option<&mut Session> {
        self.sessions.as_mut_slice().iter_mut().find(|s| s.key == key)
    }

    /// Installs a session for `key` (spec §2.1), replacing any earlier one with clean counters.
    pub fn install(&mut self, key: Address, policy: Policy) -> Result<(), LifecycleError> {
        if key == Address::ZERO {
            return Err(LifecycleError::ZeroKey);
        }
        policy.validate().map_err(LifecycleError::InvalidPolicy)?;
        let session = Session::new(key, policy);
        match self.session_mut(key) {
            Some(existing) => *existing = session,
            None => self.sessions.push(session).map_err(|_| LifecycleError::Capacity { key })?,
        }
        Ok(())
    }

    /// Revokes the session of `key` (spec §2.2).
    pub fn revoke(&mut self, key: Address) -> Result<(), LifecycleError> {
        let session = self.session_mut(key).ok_or(LifecycleError::UnknownSession { key })?;
        session.status = Status::Revoked;
        Ok(())
    }

    /// Validates an op (spec §1.6): session lookup, decoding (strict under spec v1), then every
    /// execution, all as `env.profile` reads them.
    /// Validation reads the state and never changes it.
    pub fn validate<'a>(&self, env: &Env, op: &UserOp<'a>) -> Verdict<'a> {
        // spec §2.3.1
        let Some(session) = op.signer.and_then(|signer| self.session(signer)) else {
            return Verdict::Deny(Denial::op(DenyReason::NoSession));
        };
        // spec §2.3.2
        if session.status == Status::Revoked {
            return Verdict::Deny(Denial::op(DenyReason::Revoked));
        }
        // spec §3, §P4
        let executions = match decode_execute_as(op.call_data, &env.profile) {
            Ok(executions) => executions,
            Err(denial) => return Verdict::Deny(denial),
        };
        match session.check(env, &op.gas, &executions, ArgDecoding::Strict) {
            Ok(after) => Verdict::Allow(Effects {
                key: session.key,
                executions,
                before: session.counters,
                after,
            }),
            Err(denial) => Verdict::Deny(denial),
        }
    }

    /// Records an allowed op's effects, as [`Self::validate`] computed them.
    ///
    /// Fails, changing nothing, if the session is gone or revoked, or if its counters are no
    /// longer the ones the effects were computed from.
    pub fn apply(&mut self, effects: &Effects<'_>) -> Result<(), LifecycleError> {
        let key = effects.key;
        let session = self.session_mut(key).ok_or(LifecycleError::UnknownSession { key })?;
        if session.status != Status::Active {
            return Err(LifecycleError::NotActive { key });
        }
        if session.counters != effects.before {
            return Err(LifecycleError::StaleEffects { key });
        }
        session.counters = effects.after;
        Ok(())
    }

    /// Validates an op and, if it is allowed, applies its effects: what the module does for
    /// one op of a bundle (spec §1.3).
    pub fn execute_op<'a>(&mut self, env: &Env, op: &UserOp<'a>) -> Verdict<'a> {
        let verdict = self.validate(env, op);
        if let Verdict::Allow(effects) = &verdict {
            self.apply(effects).expect("effects computed from this state apply to it");
        }
        verdict
    }
}
