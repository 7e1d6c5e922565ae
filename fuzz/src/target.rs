//! What a campaign fuzzes: the built-in reference module, a mutant by name, or an external
//! module given as Foundry-layout artifacts, plus the adapter that drives it.

use std::path::{Path, PathBuf};

use alloy_primitives::Address;
use leash_model::{Counters, Policy, Status};

use crate::evm::{ArtifactError, ArtifactSet, CallError, World, WorldError};

include!(concat!(env!("OUT_DIR"), "/mutants.rs"));

/// How the harness drives a session module: install and revoke sessions, read counters back.
///
/// `World` runs the EntryPoint, the account and the ops whatever the module is; a module with
/// another management interface than `ISessionManager` plugs in by implementing this trait.
pub trait SessionModule: Send + Sync {
    /// Installs a session for `key` (spec §2.1).
    fn install(&self, world: &mut World, key: Address, policy: &Policy) -> Result<(), CallError>;
    /// Revokes the session of `key` (spec §2.2).
    fn revoke(&self, world: &mut World, key: Address) -> Result<(), CallError>;
    /// The status and counters of `key`'s session, or `None` when the module cannot report
    /// them in the model's terms (then counters are not compared).
    fn session_state(
        &self,
        world: &mut World,
        key: Address,
    ) -> Option<Result<Option<(Status, Counters)>, CallError>>;
    /// Whether the module reports the spec's denial codes (`SessionDenied`), so denials for
    /// different clauses are findings.
    fn reports_spec_codes(&self) -> bool;
}

/// Modules implementing `ISessionManager` (the reference module, its mutants, and external
/// modules built to that interface).
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionManagerInterface;

impl SessionModule for SessionManagerInterface {
    fn install(&self, world: &mut World, key: Address, policy: &Policy) -> Result<(), CallError> {
        world.install_session(key, policy)
    }

    fn revoke(&self, world: &mut World, key: Address) -> Result<(), CallError> {
        world.revoke_session(key)
    }

    fn session_state(
        &self,
        world: &mut World,
        key: Address,
    ) -> Option<Result<Option<(Status, Counters)>, CallError>> {
        Some(world.session_state(key))
    }

    fn reports_spec_codes(&self) -> bool {
        true
    }
}

/// Why a target could not be resolved. Messages name the input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// No mutant has this name.
    #[error("unknown mutant {name:?} (known: {known})")]
    UnknownMutant {
        /// The name given.
        name: String,
        /// The known names.
        known: String,
    },
    /// An artifact did not load.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The world could not be deployed with these artifacts.
    #[error("deploying {target}: {source}")]
    World {
        /// The target's label.
        target: String,
        /// What failed.
        source: WorldError,
    },
}

/// A module under test: its label in reports and corpus entries, and the artifacts to deploy.
#[derive(Clone, Debug)]
pub struct Target {
    /// `reference`, `mutant:<name>`, or the module artifact's path.
    pub label: String,
    /// What a world for this target deploys.
    pub artifacts: ArtifactSet,
}

impl Target {
    /// The built-in reference module.
    pub fn reference() -> Result<Self, TargetError> {
        Ok(Self { label: "reference".into(), artifacts: ArtifactSet::reference()? })
    }

    /// The names of the built-in mutants.
    pub fn mutant_names() -> impl Iterator<Item = &'static str> {
        MUTANTS.iter().map(|(name, _, _)| *name)
    }

    /// A built-in mutant by name (its module, its account, or both replace the reference's).
    pub fn mutant(name: &str) -> Result<Self, TargetError> {
        let Some((_, module, account)) = MUTANTS.iter().find(|(n, _, _)| *n == name) else {
            return Err(TargetError::UnknownMutant {
                name: name.into(),
                known: Self::mutant_names().collect::<Vec<_>>().join(", "),
            });
        };
        let mut artifacts = ArtifactSet::reference()?;
        if let Some(json) = module {
            artifacts.module =
                crate::evm::Artifact::from_json(format!("mutant:{name}/SessionManager"), json)?;
        }
        if let Some(json) = account {
            artifacts.account =
                crate::evm::Artifact::from_json(format!("mutant:{name}/LeashAccount"), json)?;
        }
        Ok(Self { label: format!("mutant:{name}"), artifacts })
    }

    /// An external module from its artifact (and optionally an account artifact too).
    pub fn external(module: &Path, account: Option<&Path>) -> Result<Self, TargetError> {
        let mut artifacts = ArtifactSet::reference()?.with_module_path(module)?;
        if let Some(account) = account {
            artifacts = artifacts.with_account_path(account)?;
        }
        Ok(Self { label: module.display().to_string(), artifacts })
    }

    /// The target a corpus entry's `module` field names: `reference`, `mutant:<name>`, or a
    /// path to a module artifact.
    pub fn from_label(label: &str) -> Result<Self, TargetError> {
        match label {
            "reference" => Self::reference(),
            _ => match label.strip_prefix("mutant:") {
                Some(name) => Self::mutant(name),
                None => Self::external(&PathBuf::from(label), None),
            },
        }
    }

    /// Deploys a fresh world for this target.
    pub fn world(&self) -> Result<World, TargetError> {
        World::new(&self.artifacts)
            .map_err(|source| TargetError::World { target: self.label.clone(), source })
    }

    /// The adapter that drives this target's module.
    pub fn module(&self) -> Box<dyn SessionModule> {
        Box::new(SessionManagerInterface)
    }
}
