//! What a campaign fuzzes: the built-in reference module, a mutant by name, or an external
//! module given as Foundry-layout artifacts, plus the adapter that drives it.

use std::path::{Path, PathBuf};

use crate::evm::{ArtifactError, ArtifactSet, World, WorldError};
pub use crate::modules::SessionModule;
use crate::modules::session_manager::SessionManagerInterface;

include!(concat!(env!("OUT_DIR"), "/mutants.rs"));

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

/// A module under test: its label in reports and corpus entries, the artifacts to deploy, and
/// the kind of module (which adapter drives it).
#[derive(Clone, Debug)]
pub struct Target {
    /// `reference`, `mutant:<name>`, or the module artifact's path.
    pub label: String,
    /// What a world for this target deploys: for an `ISessionManager` module all of it, for
    /// another kind the EntryPoint, the account and the call targets its build adds to.
    pub artifacts: ArtifactSet,
    /// Which kind of module it is.
    pub kind: TargetKind,
}

/// The kinds of module leash drives, one adapter each (`crate::modules`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetKind {
    /// A module implementing `ISessionManager` (spec v1): `artifacts.module`.
    SessionManager,
}

impl Target {
    /// The built-in reference module.
    pub fn reference() -> Result<Self, TargetError> {
        Ok(Self {
            label: "reference".into(),
            artifacts: ArtifactSet::reference()?,
            kind: TargetKind::SessionManager,
        })
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
        Ok(Self { label: format!("mutant:{name}"), artifacts, kind: TargetKind::SessionManager })
    }

    /// An external module from its artifact (and optionally an account artifact too).
    pub fn external(module: &Path, account: Option<&Path>) -> Result<Self, TargetError> {
        let mut artifacts = ArtifactSet::reference()?.with_module_path(module)?;
        if let Some(account) = account {
            artifacts = artifacts.with_account_path(account)?;
        }
        Ok(Self {
            label: module.display().to_string(),
            artifacts,
            kind: TargetKind::SessionManager,
        })
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

    /// Deploys a fresh world for this target and makes the adapter that drives its module.
    pub fn instantiate(&self) -> Result<(World, Box<dyn SessionModule>), TargetError> {
        let world_error = |source| TargetError::World { target: self.label.clone(), source };
        match &self.kind {
            TargetKind::SessionManager => {
                let world = World::new(&self.artifacts).map_err(world_error)?;
                Ok((world, Box::new(SessionManagerInterface)))
            }
        }
    }

    /// Deploys a fresh world for this target.
    pub fn world(&self) -> Result<World, TargetError> {
        self.instantiate().map(|(world, _)| world)
    }
}
