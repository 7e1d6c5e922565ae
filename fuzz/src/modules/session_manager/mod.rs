//! The adapter of leash's own `ISessionManager` interface: the reference module, its mutants,
//! and external modules built to that interface. It implements spec v1 exactly, so a policy
//! translates to itself and every counter is reported.

use alloy_primitives::Address;
use leash_model::{Policy, SemanticProfile};

use super::{ModuleState, Observed, SessionModule, Translation};
use crate::evm::{CallError, World};

/// Modules implementing `ISessionManager` (`reference-contracts/src/interfaces/`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionManagerInterface;

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

    fn reports_spec_codes(&self) -> bool {
        true
    }

    fn refuses_what_the_spec_refuses(&self) -> bool {
        true
    }
}
