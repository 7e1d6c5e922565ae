//! Foundry-layout contract artifacts: `{"abi", "bytecode": {"object"}, "deployedBytecode":
//! {"object"}}`.
//!
//! The reference set (`reference-contracts/out/`) is compiled into the binary, so nothing reads
//! the file system unless a caller loads another module or account from a path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use alloy_primitives::Bytes;
use serde::Deserialize;

/// Why an artifact could not be loaded. Every message names the artifact (a file path, or
/// `embedded:<name>` for the reference set) and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// The file could not be read.
    #[error("cannot read artifact '{origin}': {source}")]
    Read {
        /// The path given.
        origin: String,
        /// Why: an I/O error, too large, not UTF-8.
        source: crate::limits::ReadError,
    },
    /// The file is not JSON of the Foundry artifact layout.
    #[error("artifact '{origin}' is not a Foundry artifact: {source}")]
    Json {
        /// The artifact.
        origin: String,
        /// What serde found wrong.
        source: serde_json::Error,
    },
    /// A bytecode field is empty.
    #[error("artifact '{origin}' has no {field} (abstract contract or interface?)")]
    NoBytecode {
        /// The artifact.
        origin: String,
        /// `bytecode.object` or `deployedBytecode.object`.
        field: &'static str,
    },
    /// A bytecode field is not valid hex (odd length, bad digit, or unlinked library
    /// placeholders `__$...$__`).
    #[error("artifact '{origin}' {field} is not valid hex: {problem}")]
    BadHex {
        /// The artifact.
        origin: String,
        /// `bytecode.object` or `deployedBytecode.object`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// A compiled contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// Where it came from: a file path, or `embedded:<name>`.
    pub origin: String,
    /// The JSON ABI, as given (not interpreted by the harness).
    pub abi: serde_json::Value,
    /// Creation code (`bytecode.object`); constructor arguments are appended to it.
    pub bytecode: Bytes,
    /// Runtime code (`deployedBytecode.object`).
    pub deployed_bytecode: Bytes,
    /// `methodIdentifiers` (signature to 4-byte hex selector), if the artifact has them.
    pub method_identifiers: BTreeMap<String, String>,
    /// `deployedBytecode.sourceMap`: solc's source map of the runtime code, if present.
    pub source_map: Option<String>,
    /// The source unit the contract is defined in (`metadata.settings.compilationTarget`).
    pub source_unit: Option<String>,
    /// Source ids (as the source map names them) to source unit names, from the build info of
    /// the compile job (Foundry's `out/build-info/*.json`, `source_id_to_path`).
    pub sources: BTreeMap<u32, String>,
    /// The directory the source unit names are relative to (the project root).
    pub source_root: Option<PathBuf>,
}

#[derive(Deserialize)]
struct RawArtifact {
    abi: serde_json::Value,
    bytecode: RawBytecode,
    #[serde(rename = "deployedBytecode")]
    deployed_bytecode: RawBytecode,
    #[serde(default, rename = "methodIdentifiers")]
    method_identifiers: BTreeMap<String, String>,
    #[serde(default)]
    id: Option<u32>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawBytecode {
    object: String,
    #[serde(default, rename = "sourceMap")]
    source_map: Option<String>,
}

/// The part of a build info leash reads.
#[derive(Deserialize)]
struct RawBuildInfo {
    #[serde(default)]
    source_id_to_path: BTreeMap<u32, String>,
}

impl Artifact {
    /// Parses an artifact's JSON text; `origin` names it in errors.
    pub fn from_json(origin: impl Into<String>, json: &str) -> Result<Self, ArtifactError> {
        let origin = origin.into();
        let raw: RawArtifact = match serde_json::from_str(json) {
            Ok(raw) => raw,
            Err(source) => return Err(ArtifactError::Json { origin, source }),
        };
        let bytecode = decode_hex(&origin, "bytecode.object", &raw.bytecode.object)?;
        let deployed_bytecode =
            decode_hex(&origin, "deployedBytecode.object", &raw.deployed_bytecode.object)?;
        // `metadata` is an object in Foundry artifacts (a JSON string in some others).
        let metadata = match raw.metadata {
            Some(serde_json::Value::String(text)) => serde_json::from_str(&text).ok(),
            other => other,
        };
        let source_unit = metadata
            .as_ref()
            .and_then(|m| m.pointer("/settings/compilationTarget"))
            .and_then(|t| t.as_object())
            .and_then(|t| t.keys().next().cloned());
        Ok(Self {
            origin,
            abi: raw.abi,
            bytecode,
            deployed_bytecode,
            method_identifiers: raw.method_identifiers,
            source_map: raw.deployed_bytecode.source_map.filter(|m| !m.is_empty()),
            source_unit: source_unit.filter(|_| raw.id.is_some()),
            sources: BTreeMap::new(),
            source_root: None,
        })
    }

    /// The same artifact with its source ids read from a build info's JSON text (one with
    /// `source_id_to_path`), and its sources relative to `root`. Build info that does not parse
    /// leaves the artifact without sources.
    pub fn with_build_info(mut self, json: &str, root: PathBuf) -> Self {
        if let Ok(info) = serde_json::from_str::<RawBuildInfo>(json) {
            self.sources = info.source_id_to_path;
            self.source_root = Some(root);
        }
        self
    }

    /// Finds the artifact's build info the way Foundry lays it out: a `build-info/` directory
    /// next to the artifacts (in an ancestor of `path`) holding a JSON file whose
    /// `source_id_to_path` names the artifact's own source unit. Sources are then relative to
    /// that directory's parent, the project root.
    fn find_build_info(mut self, path: &Path) -> Self {
        let Some(unit) = self.source_unit.clone() else {
            return self;
        };
        for dir in path.ancestors().skip(1) {
            let Ok(read) = std::fs::read_dir(dir.join("build-info")) else {
                continue;
            };
            let mut files: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for file in files.iter().filter(|f| f.extension().is_some_and(|x| x == "json")) {
                let Ok(json) = std::fs::read_to_string(file) else { continue };
                let Ok(info) = serde_json::from_str::<RawBuildInfo>(&json) else { continue };
                if info.source_id_to_path.values().any(|p| *p == unit) {
                    let root = dir.parent().unwrap_or(Path::new(".")).to_path_buf();
                    self.sources = info.source_id_to_path;
                    self.source_root = Some(root);
                    return self;
                }
            }
            return self;
        }
        self
    }

    /// Reads and parses an artifact file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ArtifactError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        match crate::limits::read_text(path, crate::limits::MAX_ARTIFACT_BYTES) {
            Ok(json) => Ok(Self::from_json(origin, &json)?.find_build_info(path)),
            Err(source) => Err(ArtifactError::Read { origin, source }),
        }
    }

    /// The selector `methodIdentifiers` gives for `signature`, if any.
    pub fn selector(&self, signature: &str) -> Option<[u8; 4]> {
        let hex = self.method_identifiers.get(signature)?;
        let bytes = alloy_primitives::hex::decode(hex).ok()?;
        bytes.try_into().ok()
    }
}

fn decode_hex(origin: &str, field: &'static str, text: &str) -> Result<Bytes, ArtifactError> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if digits.is_empty() {
        return Err(ArtifactError::NoBytecode { origin: origin.to_owned(), field });
    }
    let problem = if let Some(at) = digits.find("__") {
        Some(format!("unlinked library placeholder at digit {at}"))
    } else if digits.len() % 2 == 1 {
        Some(format!("odd number of hex digits ({})", digits.len()))
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(ArtifactError::BadHex { origin: origin.to_owned(), field, problem });
    }
    alloy_primitives::hex::decode(digits).map(Bytes::from).map_err(|e| ArtifactError::BadHex {
        origin: origin.to_owned(),
        field,
        problem: e.to_string(),
    })
}

/// The artifacts a [`World`](super::World) deploys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactSet {
    /// EntryPoint v0.8.
    pub entry_point: Artifact,
    /// The account: `constructor(entryPoint, owner, validator, validatorInitData)`.
    pub account: Artifact,
    /// The account implementation an EOA delegates to on the EIP-7702 frame:
    /// `constructor(entryPoint)`, `initialize(validator, validatorInitData)` by the EOA itself.
    pub account_7702: Artifact,
    /// The session module: anything implementing `ISessionManager`.
    pub module: Artifact,
    /// `LeashToken`.
    pub token: Artifact,
    /// `Game`.
    pub game: Artifact,
    /// `Router`.
    pub router: Artifact,
    /// `LeashPaymaster`: OpenZeppelin's `Paymaster`, `constructor(entryPoint)` (spec §16).
    pub paymaster: Artifact,
}

/// The reference artifacts' JSON, compiled into the binary.
mod embedded {
    pub(super) const ENTRY_POINT: &str =
        include_str!("../../../reference-contracts/out/EntryPoint.sol/EntryPoint.json");
    pub(super) const ACCOUNT: &str =
        include_str!("../../../reference-contracts/out/LeashAccount.sol/LeashAccount.json");
    pub(super) const ACCOUNT_7702: &str =
        include_str!("../../../reference-contracts/out/LeashAccount7702.sol/LeashAccount7702.json");
    pub(super) const MODULE: &str =
        include_str!("../../../reference-contracts/out/SessionManager.sol/SessionManager.json");
    pub(super) const TOKEN: &str =
        include_str!("../../../reference-contracts/out/LeashToken.sol/LeashToken.json");
    pub(super) const GAME: &str =
        include_str!("../../../reference-contracts/out/Game.sol/Game.json");
    pub(super) const PAYMASTER: &str =
        include_str!("../../../reference-contracts/out/LeashPaymaster.sol/LeashPaymaster.json");
    pub(super) const ROUTER: &str =
        include_str!("../../../reference-contracts/out/Router.sol/Router.json");
    pub(super) const BUILD_INFO: &str =
        include_str!("../../../reference-contracts/out/build-info/leash-main.json");
}

/// Where the reference contracts' sources were when this crate was built (the root their
/// artifacts' source unit names are relative to).
pub fn reference_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../reference-contracts"))
}

/// The reference build's source table attached to an embedded artifact.
pub(crate) fn with_reference_sources(artifact: Artifact, build_info: &str) -> Artifact {
    artifact.with_build_info(build_info, reference_root())
}

impl ArtifactSet {
    /// The reference set: EntryPoint, LeashAccount, LeashAccount7702, SessionManager, LeashToken, Game, Router,
    /// as committed under `reference-contracts/out/` when this crate was built.
    pub fn reference() -> Result<Self, ArtifactError> {
        let load = |name: &str, json: &str| -> Result<Artifact, ArtifactError> {
            let artifact = Artifact::from_json(format!("embedded:{name}"), json)?;
            Ok(with_reference_sources(artifact, embedded::BUILD_INFO))
        };
        Ok(Self {
            entry_point: load("EntryPoint", embedded::ENTRY_POINT)?,
            account: load("LeashAccount", embedded::ACCOUNT)?,
            account_7702: load("LeashAccount7702", embedded::ACCOUNT_7702)?,
            module: load("SessionManager", embedded::MODULE)?,
            token: load("LeashToken", embedded::TOKEN)?,
            game: load("Game", embedded::GAME)?,
            router: load("Router", embedded::ROUTER)?,
            paymaster: load("LeashPaymaster", embedded::PAYMASTER)?,
        })
    }

    /// The same set with the module replaced by the artifact at `path` (an external module
    /// implementing `ISessionManager`, or a mutant).
    pub fn with_module_path(self, path: impl AsRef<Path>) -> Result<Self, ArtifactError> {
        Ok(Self { module: Artifact::from_path(path)?, ..self })
    }

    /// The same set with the account replaced by the artifact at `path`. Its constructor must
    /// take `(address entryPoint, address owner, address validator, bytes validatorInitData)`.
    pub fn with_account_path(self, path: impl AsRef<Path>) -> Result<Self, ArtifactError> {
        Ok(Self { account: Artifact::from_path(path)?, ..self })
    }
}

/// The default location of a reference artifact relative to the repository root, for tools
/// that want to point at the files rather than the embedded copies.
pub fn reference_path(file: &str, contract: &str) -> PathBuf {
    PathBuf::from("reference-contracts/out")
        .join(format!("{file}.sol"))
        .join(format!("{contract}.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_minimal_artifact() {
        let a = Artifact::from_json(
            "t",
            r#"{"abi": [], "bytecode": {"object": "0x6001"}, "deployedBytecode": {"object": "6002"}}"#,
        )
        .unwrap();
        assert_eq!(a.bytecode.as_ref(), &[0x60, 0x01]);
        assert_eq!(a.deployed_bytecode.as_ref(), &[0x60, 0x02]);
        assert!(a.method_identifiers.is_empty());
    }

    #[test]
    fn hex_problems_name_the_field() {
        let json = |code: &str| {
            format!(
                r#"{{"abi": [], "bytecode": {{"object": "{code}"}}, "deployedBytecode": {{"object": "0x00"}}}}"#
            )
        };
        let err = Artifact::from_json("m.json", &json("0x600")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "artifact 'm.json' bytecode.object is not valid hex: odd number of hex digits (3)"
        );
        let err = Artifact::from_json("m.json", &json("0x60zz")).unwrap_err();
        assert!(
            err.to_string().starts_with("artifact 'm.json' bytecode.object is not valid hex"),
            "{err}"
        );
        let err = Artifact::from_json("m.json", &json("0x73__$abc$__")).unwrap_err();
        assert!(err.to_string().contains("unlinked library placeholder"), "{err}");
        let err = Artifact::from_json("m.json", &json("0x")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "artifact 'm.json' has no bytecode.object (abstract contract or interface?)"
        );
    }
}
