//! SmartSessions builds: the one inside `@rhinestone/modulekit@0.5.9` (read from `node_modules`
//! at run time, never embedded) and user-supplied Foundry-layout artifacts, checked for what the
//! harness needs before anything is deployed.

use std::path::{Path, PathBuf};

use alloy_primitives::Bytes;
use alloy_sol_types::SolCall;
use leash_model::SemanticProfile;

use super::translate::PolicyKind;
use crate::evm::{Artifact, ArtifactError};

/// The modulekit version whose SmartSession build leash runs.
pub const MODULEKIT_VERSION: &str = "0.5.9";

/// Which SmartSessions generation a build is: its `Session` layout, its USE signature and its
/// semantics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// October 2024 (modulekit 0.5.9): no `permitERC4337Paymaster`, `string[]` ERC-7739
    /// content, FastLZ-compressed USE signatures, unbounded decoding.
    Modulekit,
    /// Since December 2024: the current layout and bounded decoding.
    Current,
}

impl Flavour {
    /// The semantic profile leash judges this generation by: SmartSessions' semantics as its
    /// maintainers fixed them, for both. The modulekit build *does* decode without bounds
    /// ([`SemanticProfile::SMART_SESSIONS_MODULEKIT`] says exactly how), but that is the
    /// published Renascence v2 M-1/M-2 bug, not a design choice, so leash reports it rather than
    /// modelling it away.
    pub fn profile(self) -> SemanticProfile {
        SemanticProfile::SMART_SESSIONS
    }
}

/// Why a SmartSessions build could not be loaded. Every message names the file and what is
/// wrong with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// modulekit is not installed where leash looks for it.
    #[error(
        "@rhinestone/modulekit is not installed in '{dir}': run `npm ci` in reference-contracts/ \
         (or point --node-modules at a node_modules directory holding @rhinestone/modulekit@{MODULEKIT_VERSION})"
    )]
    ModulekitMissing {
        /// The `node_modules` directory looked in.
        dir: String,
    },
    /// Another modulekit version is installed.
    #[error(
        "'{file}' is @rhinestone/modulekit {found}, leash runs {MODULEKIT_VERSION}: run `npm ci` in reference-contracts/"
    )]
    ModulekitVersion {
        /// modulekit's `package.json`.
        file: String,
        /// The version found.
        found: String,
    },
    /// A file could not be read.
    #[error("cannot read '{file}': {source}")]
    Read {
        /// The file.
        file: String,
        /// Why: an I/O error, too large, not UTF-8.
        source: crate::limits::ReadError,
    },
    /// The bytecode constant is not where it should be.
    #[error("'{file}' has no `{constant} = hex\"…\"` constant with valid hex: {problem}")]
    Constant {
        /// The file.
        file: String,
        /// The constant's name.
        constant: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The artifacts directory does not exist.
    #[error("artifacts directory '{dir}' does not exist or is not a directory")]
    NoDirectory {
        /// The directory.
        dir: String,
    },
    /// A contract's artifact is missing.
    #[error("'{dir}' has no {contract} artifact (looked for {looked})")]
    MissingContract {
        /// The directory.
        dir: String,
        /// The contract.
        contract: &'static str,
        /// The paths tried.
        looked: String,
    },
    /// An artifact did not load.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// An artifact holds runtime code only.
    #[error(
        "artifact '{file}' holds runtime code only (its bytecode.object equals deployedBytecode.object): leash deploys {contract} from creation code"
    )]
    RuntimeOnly {
        /// The file.
        file: String,
        /// The contract.
        contract: &'static str,
    },
    /// An artifact's ABI lacks what the harness calls.
    #[error(
        "artifact '{file}' is not a build of {contract} that leash can drive: its ABI has no \
         {missing}"
    )]
    WrongAbi {
        /// The file.
        file: String,
        /// The contract it should be.
        contract: &'static str,
        /// What is missing.
        missing: String,
    },
}

/// A SmartSessions build: the core, the policies and leash's session validator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Build {
    /// How reports name it: `modulekit-0.5.9` or the artifacts directory.
    pub label: String,
    /// Its generation.
    pub flavour: Flavour,
    /// SmartSession: creation code (an artifact) or runtime code to etch.
    pub core: Core,
    /// Where the core came from, for messages.
    pub core_origin: String,
    /// The policies, in the order of [`PolicyKind::ALL`].
    pub policies: Vec<Artifact>,
    /// `LeashSessionValidator`.
    pub validator: Artifact,
}

/// How SmartSession's code is given.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant, reason = "one per campaign, never in a collection")]
pub enum Core {
    /// A Foundry artifact with creation code.
    Artifact(Artifact),
    /// Runtime code only (etched at the module's address).
    Runtime(Bytes),
}

/// leash's own SmartSessions contracts (MIT), compiled into `reference-contracts/out/`.
mod leash {
    pub(super) const VALIDATOR: &str = include_str!(
        "../../../../reference-contracts/out/LeashSessionValidator.sol/LeashSessionValidator.json"
    );
    pub(super) const POLICIES: [(&str, &str); 6] = [
        (
            "LeashSudoPolicy",
            include_str!(
                "../../../../reference-contracts/out/LeashSudoPolicy.sol/LeashSudoPolicy.json"
            ),
        ),
        (
            "LeashUniActionPolicy",
            include_str!(
                "../../../../reference-contracts/out/LeashUniActionPolicy.sol/LeashUniActionPolicy.json"
            ),
        ),
        (
            "LeashValueLimitPolicy",
            include_str!(
                "../../../../reference-contracts/out/LeashValueLimitPolicy.sol/LeashValueLimitPolicy.json"
            ),
        ),
        (
            "LeashUsageLimitPolicy",
            include_str!(
                "../../../../reference-contracts/out/LeashUsageLimitPolicy.sol/LeashUsageLimitPolicy.json"
            ),
        ),
        (
            "LeashTimeFramePolicy",
            include_str!(
                "../../../../reference-contracts/out/LeashTimeFramePolicy.sol/LeashTimeFramePolicy.json"
            ),
        ),
        (
            "LeashERC20SpendingLimitPolicy",
            include_str!(
                "../../../../reference-contracts/out/LeashERC20SpendingLimitPolicy.sol/LeashERC20SpendingLimitPolicy.json"
            ),
        ),
    ];
}

/// Where leash looks for `node_modules` by default: this checkout's `reference-contracts/`,
/// where `npm ci` installs the pinned modulekit.
pub fn modulekit_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../reference-contracts/node_modules"))
}

/// modulekit's package directory under `node_modules`, checked to be the pinned version.
pub(crate) fn modulekit_package(node_modules: &Path) -> Result<PathBuf, BuildError> {
    let package = node_modules.join("@rhinestone/modulekit");
    let manifest = package.join("package.json");
    if !manifest.is_file() {
        return Err(BuildError::ModulekitMissing { dir: node_modules.display().to_string() });
    }
    let text = read(&manifest)?;
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_default();
    if version != MODULEKIT_VERSION {
        return Err(BuildError::ModulekitVersion {
            file: manifest.display().to_string(),
            found: if version.is_empty() { "of an unknown version".into() } else { version },
        });
    }
    Ok(package)
}

/// A Solidity source of modulekit, read within the artifact limit.
pub(crate) fn read_source(path: &Path) -> Result<String, BuildError> {
    read(path)
}

fn read(path: &Path) -> Result<String, BuildError> {
    crate::limits::read_text(path, crate::limits::MAX_ARTIFACT_BYTES)
        .map_err(|source| BuildError::Read { file: path.display().to_string(), source })
}

/// The bytes of `bytes constant <name> = hex"…";` in a Solidity source.
pub(crate) fn hex_constant(
    file: &Path,
    source: &str,
    constant: &'static str,
) -> Result<Bytes, BuildError> {
    let problem = |problem: &str| BuildError::Constant {
        file: file.display().to_string(),
        constant,
        problem: problem.to_owned(),
    };
    let at = source.find(&format!("{constant} =")).ok_or_else(|| problem("not found"))?;
    let rest = &source[at..];
    let open = rest.find("hex\"").ok_or_else(|| problem("no hex literal"))? + 4;
    let close = rest[open..].find('"').ok_or_else(|| problem("unterminated literal"))? + open;
    let digits = &rest[open..close];
    let bytes = alloy_primitives::hex::decode(digits).map_err(|e| problem(&e.to_string()))?;
    if bytes.is_empty() {
        return Err(problem("empty"));
    }
    Ok(bytes.into())
}

fn leash_policies() -> Vec<Artifact> {
    leash::POLICIES
        .iter()
        .map(|(name, json)| {
            Artifact::from_json(format!("embedded:{name}"), json)
                .expect("leash's committed artifacts parse")
        })
        .collect()
}

fn leash_validator() -> Artifact {
    Artifact::from_json("embedded:LeashSessionValidator", leash::VALIDATOR)
        .expect("leash's committed artifacts parse")
}

impl Build {
    /// The SmartSession runtime inside `@rhinestone/modulekit@0.5.9` under `node_modules`,
    /// with leash's policies.
    pub fn modulekit(node_modules: &Path) -> Result<Self, BuildError> {
        let package = modulekit_package(node_modules)?;
        let file = package.join("src/deployment/precompiles/SmartSessionsPrecompiles.sol");
        let runtime = hex_constant(&file, &read(&file)?, "SMART_SESSION_DEPLOYED_BYTECODE")?;
        Ok(Self {
            label: format!("modulekit-{MODULEKIT_VERSION}"),
            flavour: Flavour::Modulekit,
            core: Core::Runtime(runtime),
            core_origin: file.display().to_string(),
            policies: leash_policies(),
            validator: leash_validator(),
        })
    }

    /// A SmartSessions build from Foundry-layout artifacts under `dir`: each contract `X` at
    /// `X/X.json` (as SmartSessions' own `artifacts/` holds them) or `X.sol/X.json` (forge's
    /// `out/`). The core must have the current `Session` layout; every policy must have the
    /// functions the harness calls.
    pub fn from_artifacts(dir: &Path) -> Result<Self, BuildError> {
        if !dir.is_dir() {
            return Err(BuildError::NoDirectory { dir: dir.display().to_string() });
        }
        let load = |contract: &'static str| -> Result<(Artifact, String), BuildError> {
            let candidates = [
                dir.join(contract).join(format!("{contract}.json")),
                dir.join(format!("{contract}.sol")).join(format!("{contract}.json")),
            ];
            let Some(path) = candidates.iter().find(|p| p.is_file()) else {
                return Err(BuildError::MissingContract {
                    dir: dir.display().to_string(),
                    contract,
                    looked: candidates
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            let artifact = Artifact::from_path(path)?;
            let file = path.display().to_string();
            if artifact.bytecode == artifact.deployed_bytecode {
                return Err(BuildError::RuntimeOnly { file, contract });
            }
            Ok((artifact, file))
        };
        let (core, core_file) = load("SmartSession")?;
        check_core_abi(&core, &core_file)?;
        let mut policies = Vec::with_capacity(PolicyKind::ALL.len());
        for kind in PolicyKind::ALL {
            let (artifact, file) = load(kind.contract())?;
            check_policy_abi(kind, &artifact, &file)?;
            policies.push(artifact);
        }
        Ok(Self {
            label: dir.display().to_string(),
            flavour: Flavour::Current,
            core: Core::Artifact(core),
            core_origin: core_file,
            policies,
            validator: leash_validator(),
        })
    }
}

/// The ABI's functions, as `name(type,...)` signatures with tuples written out (none when the
/// `abi` field is not a JSON ABI).
fn signatures(abi: &serde_json::Value) -> Vec<String> {
    serde_json::from_value::<alloy_json_abi::JsonAbi>(abi.clone())
        .map(|abi| abi.functions().map(alloy_json_abi::Function::signature).collect())
        .unwrap_or_default()
}

fn require(
    artifact: &Artifact,
    file: &str,
    contract: &'static str,
    wanted: &[&str],
) -> Result<(), BuildError> {
    let have = signatures(&artifact.abi);
    for want in wanted {
        if !have.iter().any(|h| h == want) {
            return Err(BuildError::WrongAbi {
                file: file.to_owned(),
                contract,
                missing: format!("function {want}"),
            });
        }
    }
    Ok(())
}

fn check_core_abi(core: &Artifact, file: &str) -> Result<(), BuildError> {
    use super::abi::{ISmartSessionCommon, current};
    use crate::evm::ISessionManager;
    require(
        core,
        file,
        "SmartSession",
        &[
            current::enableSessionsCall::SIGNATURE,
            ISmartSessionCommon::removeSessionCall::SIGNATURE,
            ISmartSessionCommon::isPermissionEnabledCall::SIGNATURE,
            // SmartSession's `validateUserOp` is the ERC-7579 validator's, as leash's module has it.
            ISessionManager::validateUserOpCall::SIGNATURE,
        ],
    )
}

fn check_policy_abi(kind: PolicyKind, artifact: &Artifact, file: &str) -> Result<(), BuildError> {
    use super::abi::{IERC20SpendingLimitPolicy, IPolicyChecks, IUniActionPolicy};
    use super::abi::{IUsageLimitPolicy, IValueLimitPolicy};
    let init = IPolicyChecks::initializeWithMultiplexerCall::SIGNATURE;
    let getter = match kind {
        PolicyKind::Sudo | PolicyKind::TimeFrame => None,
        PolicyKind::UniAction => Some(IUniActionPolicy::actionConfigsCall::SIGNATURE),
        PolicyKind::ValueLimit => Some(IValueLimitPolicy::getUsedCall::SIGNATURE),
        PolicyKind::UsageLimit => Some(IUsageLimitPolicy::getUsedCall::SIGNATURE),
        PolicyKind::Erc20SpendingLimit => {
            Some(IERC20SpendingLimitPolicy::getPolicyDataCall::SIGNATURE)
        }
    };
    let wanted: Vec<&str> = std::iter::once(init).chain(getter).collect();
    require(artifact, file, kind.contract(), &wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leash_contracts_are_embedded_with_creation_code() {
        assert_eq!(leash_policies().len(), PolicyKind::ALL.len());
        assert!(!leash_validator().bytecode.is_empty());
    }

    #[test]
    fn hex_constants_are_found_and_checked() {
        let file = Path::new("x.sol");
        let text = "bytes constant FOO =\n    hex\"6001\";";
        assert_eq!(hex_constant(file, text, "FOO").unwrap().as_ref(), &[0x60, 0x01]);
        let err = hex_constant(file, "nothing", "FOO").unwrap_err().to_string();
        assert_eq!(err, "'x.sol' has no `FOO = hex\"…\"` constant with valid hex: not found");
        assert!(hex_constant(file, "FOO = hex\"6\";", "FOO").is_err());
    }

    #[test]
    fn signatures_write_tuples_out() {
        let abi: serde_json::Value = serde_json::from_str(
            r#"[{"type":"function","name":"f","stateMutability":"nonpayable","outputs":[],"inputs":[
                {"name":"a","type":"tuple[]","components":[{"name":"x","type":"address"},{"name":"y","type":"bytes"}]},
                {"name":"b","type":"uint256"}]}]"#,
        )
        .unwrap();
        assert_eq!(signatures(&abi), ["f((address,bytes)[],uint256)"]);
        assert!(signatures(&serde_json::json!({"not": "an abi"})).is_empty());
    }
}
