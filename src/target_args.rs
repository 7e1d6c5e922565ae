//! The module a command runs against: the reference module by default, a built-in mutant, an
//! external module's Foundry-layout artifact, or a real module kind (SmartSessions, MetaMask's
//! Delegation Framework).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use leash_fuzz::evm::{Frame, WorldError};
use leash_fuzz::modules::metamask::Delegator;
use leash_fuzz::modules::smartsessions::Build;
use leash_fuzz::target::{Target, TargetError};

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
    /// The kind of module: leash's own ISessionManager interface (the default),
    /// Rhinestone/Biconomy SmartSessions (the build inside @rhinestone/modulekit@0.5.9, or the
    /// one --artifacts names), or MetaMask's Delegation Framework (v1.3.0, from
    /// @metamask/delegation-abis@2.0.0).
    #[arg(long, value_enum, value_name = "KIND", conflicts_with_all = ["mutant", "module"])]
    module_kind: Option<ModuleKind>,
    /// With --module-kind metamask: the DeleGator account, MultiSigDeleGator behind a proxy
    /// (the default) or an EOA delegated to EIP7702StatelessDeleGator by an EIP-7702
    /// authorization.
    #[arg(long, value_enum, value_name = "ACCOUNT", requires = "module_kind")]
    delegator: Option<DelegatorArg>,
    /// With --module-kind smartsessions: a directory of Foundry-layout artifacts of a
    /// SmartSessions build (SmartSession and its policies SudoPolicy, UniActionPolicy,
    /// ValueLimitPolicy, UsageLimitPolicy, TimeFramePolicy, ERC20SpendingLimitPolicy, each as
    /// `X/X.json` or `X.sol/X.json`) instead of the modulekit build.
    #[arg(long, value_name = "DIR", requires = "module_kind")]
    artifacts: Option<PathBuf>,
    /// With --module-kind smartsessions or metamask: the node_modules directory holding
    /// @rhinestone/modulekit@0.5.9 (for its SmartSession and Nexus builds) or
    /// @metamask/delegation-abis@2.0.0 (default: $LEASH_NODE_MODULES, else this checkout's
    /// reference-contracts/node_modules).
    #[arg(long, value_name = "DIR", requires = "module_kind")]
    node_modules: Option<PathBuf>,
    /// With --module-kind smartsessions: the account the module is installed on.
    #[arg(long, value_enum, value_name = "HOST", requires = "module_kind", default_value_t = HostArg::LeashAccount)]
    host: HostArg,
    /// What the account is: `deployed`, LeashAccount at its own address (the default), or
    /// `7702`, an EOA delegated to LeashAccount7702 with a signed EIP-7702 authorization, which
    /// owns itself and sends its ops with EntryPoint v0.8's EIP-7702 initCode marker (spec §18).
    #[arg(long, value_enum, value_name = "FRAME", default_value_t = FrameArg::Deployed)]
    frame: FrameArg,
}

/// The frames `--frame` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FrameArg {
    /// LeashAccount deployed at its own address, owned by a separate EOA.
    Deployed,
    /// An EOA delegated to LeashAccount7702 with EIP-7702.
    #[value(name = "7702")]
    Eip7702,
}

impl FrameArg {
    fn frame(self) -> Frame {
        match self {
            Self::Deployed => Frame::Deployed,
            Self::Eip7702 => Frame::Eip7702,
        }
    }
}

/// The host accounts `--host` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum HostArg {
    /// leash's LeashAccount (Solady decoding; address(0) means the account).
    LeashAccount,
    /// OpenZeppelin's AccountERC7579 5.7.0 (lenient batch decoding; address(0) means the
    /// account).
    OzAccount,
    /// Biconomy Nexus 1.0.x from modulekit 0.5.9 (unbounded batch decoding).
    Nexus,
}

impl HostArg {
    fn name(self) -> &'static str {
        match self {
            Self::LeashAccount => "leash-account",
            Self::OzAccount => "oz-account",
            Self::Nexus => "nexus",
        }
    }
}

/// A DeleGator account on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DelegatorArg {
    /// MultiSigDeleGator behind an ERC1967 proxy.
    Multisig,
    /// An EOA running EIP7702StatelessDeleGator through an EIP-7702 authorization.
    Eip7702,
}

impl From<DelegatorArg> for Delegator {
    fn from(d: DelegatorArg) -> Self {
        match d {
            DelegatorArg::Multisig => Self::MultiSig,
            DelegatorArg::Eip7702 => Self::Eip7702,
        }
    }
}

/// The kinds of module `--module-kind` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModuleKind {
    /// leash's own ISessionManager interface (spec v1).
    SessionManager,
    /// Rhinestone/Biconomy SmartSessions.
    Smartsessions,
    /// MetaMask's Delegation Framework.
    Metamask,
}

impl TargetArgs {
    /// The target these arguments name, or `None` when none was given.
    pub(crate) fn resolve_given(&self) -> anyhow::Result<Option<Target>> {
        if self.mutant.is_none()
            && self.module.is_none()
            && self.module_kind.is_none()
            && self.frame == FrameArg::Deployed
        {
            return Ok(None);
        }
        self.resolve().map(Some)
    }

    /// The target these arguments name, deployed once to check that it deploys.
    pub(crate) fn resolve(&self) -> anyhow::Result<Target> {
        let target = match (&self.mutant, &self.module, self.module_kind) {
            (Some(name), _, _) => Target::mutant(name)?,
            (None, Some(module), _) => Target::external(module, self.account.as_deref())?,
            (_, _, kind) if self.delegator.is_some() && kind != Some(ModuleKind::Metamask) => {
                anyhow::bail!("--delegator needs --module-kind metamask")
            }
            (None, None, Some(ModuleKind::Metamask)) if self.artifacts.is_some() => {
                anyhow::bail!(
                    "--artifacts takes a SmartSessions build; --module-kind metamask runs \
                     @metamask/delegation-abis@2.0.0 from node_modules (--node-modules DIR)"
                )
            }
            (None, None, Some(ModuleKind::Metamask)) => Target::metamask_npm(
                &Target::node_modules(self.node_modules.as_deref()),
                self.delegator.map_or(Delegator::MultiSig, Delegator::from),
            )?,
            (None, None, Some(ModuleKind::Smartsessions)) => {
                let node_modules = Target::node_modules(self.node_modules.as_deref());
                let host = Target::host(self.host.name(), &node_modules)?;
                match &self.artifacts {
                    Some(dir) => Target::smartsessions(Build::from_artifacts(dir)?, host)?,
                    None => Target::smartsessions_modulekit(&node_modules, host)?,
                }
            }
            (None, None, Some(ModuleKind::SessionManager)) if self.artifacts.is_some() => {
                anyhow::bail!("--artifacts needs --module-kind smartsessions")
            }
            (None, None, _) => Target::reference()?,
        };
        let target = target.with_frame(self.frame.frame())?;
        target.probe().map_err(|e| deploy_failure(e, &target.label, self.account.as_deref()))?;
        Ok(target)
    }
}

/// Why a target's world did not deploy, blaming the artifact that failed: a module the
/// reference account cannot install (its constructor calls the module's `onInstall`), or an
/// `--account` that does not work as the account.
fn deploy_failure(error: TargetError, label: &str, account: Option<&Path>) -> anyhow::Error {
    let TargetError::World { source, .. } = &error else {
        if let TargetError::Probe { .. } = &error {
            return anyhow::Error::new(error);
        }
        return anyhow::Error::new(error).context(format!("module '{label}' does not deploy"));
    };
    let account_failed = matches!(
        source,
        WorldError::Deploy { contract: "account", .. }
            | WorldError::Address { contract: "account", .. }
            | WorldError::Setup { .. }
    );
    match account {
        Some(path) if account_failed => anyhow::anyhow!(
            "account '{}' does not work as the account of module '{label}': {source}",
            path.display()
        ),
        None if let WorldError::Deploy { contract: "account", outcome, .. } = source => {
            anyhow::anyhow!(
                "module '{label}' cannot be installed: the reference account's constructor calls \
                 its onInstall, which {outcome}; leash fuzzes modules that implement \
                 ISessionManager (reference-contracts/src/interfaces/ISessionManager.sol)"
            )
        }
        _ => anyhow::anyhow!("module '{label}' does not deploy: {source}"),
    }
}
