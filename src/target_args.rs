//! The module a command runs against: the reference module by default, a built-in mutant, or an
//! external module's Foundry-layout artifact.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use leash_fuzz::target::Target;

/// Which module to run against.
#[derive(Debug, Args)]
pub(crate) struct TargetArgs {
    /// A built-in mutant of the reference module, by name (an unknown name lists them).
    #[arg(long, value_name = "NAME", conflicts_with = "module")]
    mutant: Option<String>,
    /// An external module: a Foundry-layout artifact (`abi`, `bytecode.object`) of a contract
    /// implementing ISessionManager.
    #[arg(long, value_name = "ARTIFACT")]
    module: Option<PathBuf>,
    /// With --module: an account artifact to deploy instead of the reference LeashAccount
    /// (constructor `(entryPoint, owner, validator, validatorInitData)`).
    #[arg(long, value_name = "ARTIFACT", requires = "module")]
    account: Option<PathBuf>,
}

impl TargetArgs {
    /// The target these arguments name, or `None` when none was given.
    pub(crate) fn resolve_given(&self) -> anyhow::Result<Option<Target>> {
        if self.mutant.is_none() && self.module.is_none() {
            return Ok(None);
        }
        self.resolve().map(Some)
    }

    /// The target these arguments name, deployed once to check that it deploys.
    pub(crate) fn resolve(&self) -> anyhow::Result<Target> {
        let target = match (&self.mutant, &self.module) {
            (Some(name), _) => Target::mutant(name)?,
            (None, Some(module)) => Target::external(module, self.account.as_deref())?,
            (None, None) => Target::reference()?,
        };
        target.world().with_context(|| format!("module '{}' does not deploy", target.label))?;
        Ok(target)
    }
}
