//! What a campaign fuzzes: the built-in reference module, a mutant by name, or an external
//! module given as Foundry-layout artifacts, plus the adapter that drives it.

use std::path::{Path, PathBuf};

use leash_model::Policy;

use crate::evm::{AccountArgs, ArtifactError, ArtifactSet, Frame, ModuleCode, World, WorldError};
use crate::modules::hosts::Host;
use crate::modules::metamask::{self, Delegator, MetaMaskModule, Package, PackageError};
use crate::modules::session_manager::SessionManagerInterface;
use crate::modules::smartsessions::{self, Build, BuildError, Core, SmartSessionsModule};
pub use crate::modules::{SessionModule, Translation};

/// The environment variable naming the `node_modules` directory that holds
/// `@rhinestone/modulekit` (default: this checkout's `reference-contracts/node_modules`).
pub const NODE_MODULES_ENV: &str = "LEASH_NODE_MODULES";

/// A compiled mutant: its name and the artifact JSON of each contract it replaces (`None` for
/// the ones it leaves as the reference's).
pub(crate) struct MutantBuild {
    name: &'static str,
    module: Option<&'static str>,
    account: Option<&'static str>,
    account_7702: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/mutants.rs"));

/// What the module a target label names can express of `policy`, without loading its build:
/// `None` for `ISessionManager` modules (they express every policy exactly).
pub fn translation_for_label(label: &str, policy: &Policy) -> Option<Translation> {
    let addresses = crate::evm::Addresses::expected();
    if label.starts_with("smartsessions:") {
        return Some(smartsessions::translate(policy, addresses.account, addresses.module));
    }
    let delegator =
        label.strip_prefix("metamask:")?.split(':').next().and_then(Delegator::from_name)?;
    Some(metamask::translate(policy, delegator.account(), addresses.module))
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
    /// A SmartSessions build did not load.
    #[error(transparent)]
    SmartSessions(#[from] BuildError),
    /// The Delegation Framework package did not load.
    #[error(transparent)]
    MetaMask(#[from] PackageError),
    /// A host name names no host.
    #[error("unknown host {name:?}: expected leash-account, oz-account or nexus")]
    UnknownHost {
        /// The name given.
        name: String,
    },
    /// The frame cannot hold this kind of module.
    #[error("{target} runs only on the deployed account frame, not on frame {frame}")]
    FrameUnsupported {
        /// The target's label.
        target: String,
        /// The frame asked for.
        frame: Frame,
    },
    /// A target label names no target.
    #[error(
        "unknown module label {label:?}: expected `reference`, `mutant:<name>`, `smartsessions:<host>:<build>`, `metamask:<multisig|eip7702>:delegation-abis-2.0.0` or an artifact path, optionally behind `7702:`"
    )]
    UnknownLabel {
        /// The label given.
        label: String,
    },
    /// The module deployed, but refused a session it must accept.
    #[error(
        "'{origin}' reverts when it installs a session (a key allowed attack(uint256) on the \
         Game): {problem}"
    )]
    Probe {
        /// The artifact (or file) the module came from.
        origin: String,
        /// What happened.
        problem: String,
    },
    /// The world could not be deployed with these artifacts.
    #[error("deploying {target}: {source}")]
    World {
        /// The target's label.
        target: String,
        /// What failed.
        source: WorldError,
    },
}

/// A module under test: its label in reports and corpus entries, the artifacts to deploy, the
/// kind of module (which adapter drives it) and the frame (what the account is).
#[derive(Clone, Debug)]
pub struct Target {
    /// `reference`, `mutant:<name>`, or the module artifact's path; behind [`FRAME_7702_PREFIX`]
    /// on the EIP-7702 frame.
    pub label: String,
    /// What a world for this target deploys: for an `ISessionManager` module all of it, for
    /// another kind the EntryPoint, the account and the call targets its build adds to.
    pub artifacts: ArtifactSet,
    /// Which kind of module it is.
    pub kind: TargetKind,
    /// What the account is: deployed (the default) or an EOA delegated with EIP-7702.
    pub frame: Frame,
}

/// What a target's label starts with on the EIP-7702 frame (`7702:reference`,
/// `7702:mutant:<name>`), so corpus entries, replays and reports keep the frame.
pub const FRAME_7702_PREFIX: &str = "7702:";

/// The kinds of module leash drives, one adapter each (`crate::modules`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetKind {
    /// A module implementing `ISessionManager` (spec v1): `artifacts.module`.
    SessionManager,
    /// Rhinestone/Biconomy SmartSessions, this build, on this host.
    SmartSessions {
        /// The SmartSessions build.
        build: Box<Build>,
        /// The account it validates for.
        host: Host,
    },
    /// MetaMask's Delegation Framework from this package, with this DeleGator as the account.
    MetaMask {
        /// The package's bytecode.
        package: Box<Package>,
        /// The account.
        delegator: Delegator,
    },
}

impl Target {
    /// The built-in reference module.
    pub fn reference() -> Result<Self, TargetError> {
        Ok(Self {
            label: "reference".into(),
            artifacts: ArtifactSet::reference()?,
            kind: TargetKind::SessionManager,
            frame: Frame::Deployed,
        })
    }

    /// The same module on `frame`. Only `ISessionManager` modules run on the EIP-7702 frame
    /// (its account, `LeashAccount7702`, installs one validator of that interface).
    pub fn with_frame(self, frame: Frame) -> Result<Self, TargetError> {
        if frame == self.frame {
            return Ok(self);
        }
        let base = self.label.strip_prefix(FRAME_7702_PREFIX).unwrap_or(&self.label).to_owned();
        if frame == Frame::Eip7702 && self.kind != TargetKind::SessionManager {
            return Err(TargetError::FrameUnsupported { target: base, frame });
        }
        let label = match frame {
            Frame::Deployed => base,
            Frame::Eip7702 => format!("{FRAME_7702_PREFIX}{base}"),
        };
        Ok(Self { label, frame, ..self })
    }

    /// The names of the built-in mutants.
    pub fn mutant_names() -> impl Iterator<Item = &'static str> {
        MUTANTS.iter().map(|m| m.name)
    }

    /// The frame a built-in mutant's bug lives on: the EIP-7702 frame for the mutants named
    /// `e7702-*` (their bugs need an EOA that re-delegates, `reference-contracts/mutants/README.md`),
    /// the deployed account for the others.
    pub fn mutant_frame(name: &str) -> Frame {
        if name.starts_with("e7702-") { Frame::Eip7702 } else { Frame::Deployed }
    }

    /// A built-in mutant by name (its module, its accounts, or several replace the reference's).
    pub fn mutant(name: &str) -> Result<Self, TargetError> {
        let Some(MutantBuild { module, account, account_7702, .. }) =
            MUTANTS.iter().find(|m| m.name == name)
        else {
            return Err(TargetError::UnknownMutant {
                name: name.into(),
                known: Self::mutant_names().collect::<Vec<_>>().join(", "),
            });
        };
        let mut artifacts = ArtifactSet::reference()?;
        // The mutant's own build job numbers its sources; its source map reads against them.
        let build_info = MUTANT_BUILD_INFO.iter().find(|(n, _)| *n == name).map(|(_, j)| *j);
        let load = |contract: &str, json: &str| -> Result<crate::evm::Artifact, TargetError> {
            let artifact =
                crate::evm::Artifact::from_json(format!("mutant:{name}/{contract}"), json)?;
            Ok(match build_info {
                Some(info) => crate::evm::artifact::with_reference_sources(artifact, info),
                None => artifact,
            })
        };
        if let Some(json) = module {
            artifacts.module = load("SessionManager", json)?;
        }
        if let Some(json) = account {
            artifacts.account = load("LeashAccount", json)?;
        }
        if let Some(json) = account_7702 {
            artifacts.account_7702 =
                crate::evm::Artifact::from_json(format!("mutant:{name}/LeashAccount7702"), json)?;
        }
        Ok(Self {
            label: format!("mutant:{name}"),
            artifacts,
            kind: TargetKind::SessionManager,
            frame: Frame::Deployed,
        })
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
            frame: Frame::Deployed,
        })
    }

    /// SmartSessions `build` on `host`.
    pub fn smartsessions(build: Build, host: Host) -> Result<Self, TargetError> {
        Ok(Self {
            label: format!("smartsessions:{}:{}", host.label(), build.label),
            artifacts: ArtifactSet::reference()?,
            kind: TargetKind::SmartSessions { build: Box::new(build), host },
            frame: Frame::Deployed,
        })
    }

    /// The SmartSession build inside `@rhinestone/modulekit@0.5.9`, on `host`.
    pub fn smartsessions_modulekit(node_modules: &Path, host: Host) -> Result<Self, TargetError> {
        Self::smartsessions(Build::modulekit(node_modules)?, host)
    }

    /// The `node_modules` directory holding modulekit: `given`, else [`NODE_MODULES_ENV`], else
    /// this checkout's `reference-contracts/node_modules`.
    pub fn node_modules(given: Option<&Path>) -> PathBuf {
        match given {
            Some(dir) => dir.to_path_buf(),
            None => std::env::var_os(NODE_MODULES_ENV)
                .map_or_else(smartsessions::modulekit_dir, PathBuf::from),
        }
    }

    /// MetaMask's Delegation Framework from `package`, with `delegator` as the account.
    pub fn metamask(package: Package, delegator: Delegator) -> Result<Self, TargetError> {
        Ok(Self {
            label: format!("metamask:{}:{}", delegator.name(), package.label),
            artifacts: ArtifactSet::reference()?,
            kind: TargetKind::MetaMask { package: Box::new(package), delegator },
            frame: Frame::Deployed,
        })
    }

    /// MetaMask's Delegation Framework from `@metamask/delegation-abis@2.0.0` in `node_modules`.
    pub fn metamask_npm(node_modules: &Path, delegator: Delegator) -> Result<Self, TargetError> {
        Self::metamask(Package::from_node_modules(node_modules)?, delegator)
    }

    /// The host a `--host` name or label part names.
    pub fn host(name: &str, node_modules: &Path) -> Result<Host, TargetError> {
        match Host::from_label(name, node_modules) {
            Some(host) => Ok(host?),
            None => Err(TargetError::UnknownHost { name: name.to_owned() }),
        }
    }

    /// The target a corpus entry's `module` field names: `reference`, `mutant:<name>`,
    /// `smartsessions:<host>:<build>` (`<build>` is `modulekit-0.5.9` or an artifacts
    /// directory), or a path to a module artifact; any of them behind [`FRAME_7702_PREFIX`] on
    /// the EIP-7702 frame.
    pub fn from_label(label: &str) -> Result<Self, TargetError> {
        if let Some(rest) = label.strip_prefix(FRAME_7702_PREFIX) {
            return Self::from_label(rest)?.with_frame(Frame::Eip7702);
        }
        if label == "reference" {
            return Self::reference();
        }
        if let Some(name) = label.strip_prefix("mutant:") {
            return Self::mutant(name);
        }
        if let Some(rest) = label.strip_prefix("smartsessions:") {
            let unknown = || TargetError::UnknownLabel { label: label.to_owned() };
            let (host, build) = rest.split_once(':').ok_or_else(unknown)?;
            let node_modules = Self::node_modules(None);
            let host = Self::host(host, &node_modules)?;
            return if build == format!("modulekit-{}", smartsessions::MODULEKIT_VERSION) {
                Self::smartsessions_modulekit(&node_modules, host)
            } else {
                Self::smartsessions(Build::from_artifacts(Path::new(build))?, host)
            };
        }
        if let Some(rest) = label.strip_prefix("metamask:") {
            let unknown = || TargetError::UnknownLabel { label: label.to_owned() };
            let (delegator, package) = rest.split_once(':').ok_or_else(unknown)?;
            let delegator = Delegator::from_name(delegator).ok_or_else(unknown)?;
            if package != format!("delegation-abis-{}", metamask::PACKAGE_VERSION) {
                return Err(unknown());
            }
            return Self::metamask_npm(&Self::node_modules(None), delegator);
        }
        Self::external(&PathBuf::from(label), None)
    }

    /// Deploys a fresh world for this target and makes the adapter that drives its module.
    pub fn instantiate(&self) -> Result<(World, Box<dyn SessionModule>), TargetError> {
        let world_error = |source| TargetError::World { target: self.label.clone(), source };
        match &self.kind {
            TargetKind::SessionManager => {
                let world = match self.frame {
                    // With a second account, which replays from another account need (spec
                    // §1.4.2).
                    Frame::Deployed => World::build(
                        &self.artifacts,
                        ModuleCode::Create(&self.artifacts.module),
                        AccountArgs::Standard,
                        |world| world.deploy_other_account(&self.artifacts.account).map(drop),
                    ),
                    Frame::Eip7702 => World::build(
                        &self.artifacts,
                        ModuleCode::Create(&self.artifacts.module),
                        AccountArgs::Standard,
                        |world| world.enter_eip7702_frame(&self.artifacts.account_7702).map(drop),
                    ),
                }
                .map_err(world_error)?;
                let mut world = world;
                let adapter = SessionManagerInterface::for_world(&mut world);
                Ok((world, Box::new(adapter)))
            }
            TargetKind::SmartSessions { build, host } => {
                let module = match &build.core {
                    Core::Artifact(artifact) => ModuleCode::Create(artifact),
                    Core::Runtime(runtime) => {
                        ModuleCode::Etch { origin: &build.core_origin, runtime }
                    }
                };
                let (artifacts, account_args) = host.base(&self.artifacts);
                let mut contracts = None;
                let world = World::build(&artifacts, module, account_args, |world| {
                    let deployed = smartsessions::deploy_extras(world, build)?;
                    host.create_account(world, deployed.module)?;
                    contracts = Some(smartsessions::Contracts {
                        account: world.addresses().account,
                        ..deployed
                    });
                    Ok(())
                })
                .map_err(world_error)?;
                let contracts = contracts.expect("deployed with the world");
                let module = SmartSessionsModule::new(build.flavour, host.clone(), contracts);
                Ok((world, Box::new(module)))
            }
            TargetKind::MetaMask { package, delegator } => {
                let manager_args = alloy_sol_types::SolValue::abi_encode(&crate::evm::OWNER);
                let module = ModuleCode::CreateWith {
                    artifact: package.artifact("DelegationManager"),
                    args: &manager_args,
                };
                // The DeleGator implementation at the account's address; the account is a proxy
                // of it or an EOA delegated to it (`metamask::deploy_extras`).
                let mut artifacts = self.artifacts.clone();
                artifacts.account = package.artifact(delegator.contract()).clone();
                let mut contracts = None;
                let world =
                    World::build(&artifacts, module, AccountArgs::ModuleAndEntryPoint, |world| {
                        contracts = Some(metamask::deploy_extras(world, package, *delegator)?);
                        Ok(())
                    })
                    .map_err(world_error)?;
                let contracts = contracts.expect("deployed with the world");
                Ok((world, Box::new(MetaMaskModule::new(*delegator, contracts))))
            }
        }
    }

    /// Deploys a fresh world and, for a real module kind, installs one plain session (a key
    /// that may call `attack(uint256)` on the Game): a build that cannot do that is refused here,
    /// naming its file, rather than showing up as findings.
    pub fn probe(&self) -> Result<(), TargetError> {
        let (mut world, mut module) = self.instantiate()?;
        let origin = match &self.kind {
            TargetKind::SessionManager => return Ok(()),
            TargetKind::SmartSessions { build, .. } => build.core_origin.clone(),
            TargetKind::MetaMask { package, .. } => package.dir.display().to_string(),
        };
        let game = world.addresses().game;
        let policy = leash_model::Policy {
            permissions: leash_model::BoundedVec::try_from_iter([leash_model::Permission {
                target: leash_model::Target::Address(game),
                selector: leash_model::Selector::Exact(
                    leash_model::format::parse_function("attack(uint256)").expect("a signature").0,
                ),
                ..leash_model::Permission::default()
            }])
            .expect("one permission"),
            ..leash_model::Policy::default()
        };
        let key = crate::evm::session_keys()[0].address();
        let problem = |problem: String| TargetError::Probe { origin: origin.clone(), problem };
        module.install(&mut world, key, &policy).map_err(|e| problem(e.to_string()))?;
        if module.frame() != crate::modules::Frame::Redeem {
            return Ok(());
        }
        // A redemption is where such a module first runs the session: redeem it once.
        let call = leash_model::abi::args::encode_call(
            leash_model::format::parse_function("attack(uint256)").expect("a signature").0,
            &[leash_model::abi::args::ArgValue::Word(alloy_primitives::U256::from(1))],
        );
        let execution =
            leash_model::abi::execute::encode_single_calldata(&leash_model::Execution {
                target: game,
                value: alloy_primitives::U256::ZERO,
                data: &call,
            });
        let op = crate::modules::Redemption {
            now: world.timestamp() + 1,
            sender: key,
            mode: alloy_primitives::B256::ZERO,
            execution: &execution,
            recording: crate::evm::Recording::Calls,
        };
        match module.redeem(&mut world, &op) {
            Ok(crate::evm::OpOutcome::Executed { success: true, .. }) => Ok(()),
            Ok(outcome) => Err(problem(format!(
                "redeeming it: {}",
                outcome
                    .denial()
                    .and_then(|d| module.describe_denial(d))
                    .unwrap_or_else(|| crate::oracle::describe_outcome(&outcome))
            ))),
            Err(e) => Err(problem(e.to_string())),
        }
    }

    /// The artifact the module's code at the module's address comes from, when there is one
    /// (a build shipped as runtime code only has none): what coverage reports and finding
    /// locations read source maps from.
    pub fn module_artifact(&self) -> Option<&crate::evm::Artifact> {
        match &self.kind {
            TargetKind::SessionManager => Some(&self.artifacts.module),
            TargetKind::SmartSessions { build, .. } => match &build.core {
                Core::Artifact(artifact) => Some(artifact),
                Core::Runtime(_) => None,
            },
            // The package ships creation code only, without source maps.
            TargetKind::MetaMask { .. } => None,
        }
    }

    /// Deploys a fresh world for this target.
    pub fn world(&self) -> Result<World, TargetError> {
        self.instantiate().map(|(world, _)| world)
    }
}
