//! The adapter of leash's own `ISessionManager` interface: the reference module, its mutants,
//! and external modules built to that interface. It implements spec v1 exactly, so a policy
//! translates to itself and every counter is reported.

use alloy_primitives::{Address, B256, Bytes, U256};
use leash_model::{Policy, SemanticProfile};

use super::{ModuleState, Observed, SessionModule, Translation};
use crate::evm::abi::PackedUserOperation;
use crate::evm::{CallError, World};

/// Modules implementing `ISessionManager` (`reference-contracts/src/interfaces/`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionManagerInterface {
    /// Whether the module's `sessionOpDigest` differs from the spec's digest (computed in Rust,
    /// [`World::session_op_digest`]) on the probe ops of [`Self::for_world`]: session keys then
    /// sign what the module's view returns for each op, as a wallet that asks the module would.
    asks_module: bool,
}

impl SessionManagerInterface {
    /// The adapter for the module deployed in `world`: it compares the module's own
    /// `sessionOpDigest` with the spec's digest on a few varied ops (every hashed field set, a
    /// second sender, a second chain), so that keys sign in Rust, without a call per op, a
    /// module that computes its digest as the spec does (the reference), and sign whatever
    /// digest any other build computes (spec §1.4.1: its omissions then show as replays that
    /// go through).
    pub fn for_world(world: &mut World) -> Self {
        let start = world.chain_id();
        let mut plain = world.unsigned_op(1, Bytes::from_static(&[0xe9, 0xae, 0x5c, 0x53]));
        let mut odd = plain.clone();
        odd.callData = Bytes::from_static(&[1, 2, 3]);
        odd.paymasterAndData = Bytes::from_static(&[8; 60]);
        odd.gasFees = B256::repeat_byte(0x11);
        odd.accountGasLimits = B256::repeat_byte(0x22);
        odd.preVerificationGas = U256::from(12_345);
        odd.nonce = U256::from(7) << 64 | U256::from(3);
        plain.sender = world.other_account().unwrap_or(Address::repeat_byte(0xac));
        let mut agrees = true;
        for chain in [start, start + 1] {
            world.set_chain_id(chain);
            for op in [&plain, &odd] {
                agrees &= world.module_digest(op).ok() == Some(world.session_op_digest(op));
            }
        }
        world.set_chain_id(start);
        Self { asks_module: !agrees }
    }
}

impl SessionModule for SessionManagerInterface {
    fn kind(&self) -> &'static str {
        "session-manager"
    }

    fn profile(&self) -> SemanticProfile {
        SemanticProfile::SPEC_V1
    }

    fn translate(&self, policy: &Policy) -> Translation {
        Translation::exact(policy)
    }

    fn install(
        &mut self,
        world: &mut World,
        key: Address,
        policy: &Policy,
    ) -> Result<(), CallError> {
        world.install_session(key, policy)
    }

    fn revoke(&mut self, world: &mut World, key: Address) -> Result<(), CallError> {
        world.revoke_session(key)
    }

    fn session_state(
        &mut self,
        world: &mut World,
        key: Address,
    ) -> Option<Result<Option<ModuleState>, CallError>> {
        Some(world.session_state(key).map(|state| {
            state.map(|(status, counters)| ModuleState {
                status,
                counters,
                observed: Observed::ALL,
            })
        }))
    }

    /// The reference module's EIP-712 digest (`sessionOpDigest`, spec §1.4.1), in Rust.
    fn session_digest(
        &self,
        world: &World,
        op: &PackedUserOperation,
        delegate: Option<Address>,
    ) -> B256 {
        world.session_op_digest_under(op, delegate)
    }

    /// The module's `sessionOpDigest` when it computes it otherwise than the spec, asked of the
    /// module for an op signed under the delegation the sender has now (the module reads it);
    /// the spec's digest otherwise, and for a module without that view.
    fn signing_digest(
        &self,
        world: &mut World,
        op: &PackedUserOperation,
        delegate: Option<Address>,
        session_digest: B256,
    ) -> B256 {
        if self.asks_module && delegate == world.delegation_ref(op.sender) {
            world.module_digest(op).unwrap_or(session_digest)
        } else {
            session_digest
        }
    }

    fn reports_spec_codes(&self) -> bool {
        true
    }

    fn refuses_what_the_spec_refuses(&self) -> bool {
        true
    }
}
