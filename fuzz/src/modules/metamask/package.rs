//! The Delegation Framework's bytecode from `@metamask/delegation-abis@2.0.0` (npm, MIT-0 OR
//! Apache-2.0; delegation-framework v1.3.0), read from `node_modules` at run time the way the
//! SmartSessions adapter reads modulekit: `npm ci` in `reference-contracts/` installs it.
//!
//! The package ships each contract's creation code as a JavaScript module,
//! `dist/bytecode/<Name>.mjs` holding `const bytecode = "0x…";`; nothing else of it is read.

use std::path::{Path, PathBuf};

use alloy_primitives::Bytes;

use super::translate::Enforcer;
use crate::evm::Artifact;

/// The npm package leash loads.
pub const PACKAGE: &str = "@metamask/delegation-abis";
/// Its pinned version.
pub const PACKAGE_VERSION: &str = "2.0.0";
/// The delegation-framework release the package's bytecode is.
pub const FRAMEWORK_VERSION: &str = "1.3.0";

/// The contracts besides the enforcers ([`Enforcer::ALL`]) that the harness deploys.
pub(crate) const CORE: [&str; 4] =
    ["DelegationManager", "MultiSigDeleGator", "EIP7702StatelessDeleGator", "ERC1967Proxy"];

/// Why the package could not be loaded. Every message names the file or directory and what is
/// wrong with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The package is not installed where leash looks for it.
    #[error(
        "{PACKAGE} is not installed in '{dir}': run `npm ci` in reference-contracts/ (or point \
         --node-modules at a node_modules directory holding {PACKAGE}@{PACKAGE_VERSION})"
    )]
    Missing {
        /// The `node_modules` directory looked in.
        dir: String,
    },
    /// Another version is installed.
    #[error(
        "'{file}' is {PACKAGE} {found}, leash runs {PACKAGE_VERSION} (delegation-framework \
         v{FRAMEWORK_VERSION}): run `npm ci` in reference-contracts/"
    )]
    Version {
        /// The package's `package.json`.
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
    /// A contract's bytecode module does not hold what the package's do.
    #[error("'{file}' has no `bytecode = \"0x…\"` constant with valid hex: {problem}")]
    Bytecode {
        /// The file.
        file: String,
        /// What is wrong.
        problem: String,
    },
}

/// The package's contracts, as creation code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// How reports name it: `delegation-abis-2.0.0`.
    pub label: String,
    /// The package's directory.
    pub dir: PathBuf,
    contracts: Vec<(&'static str, Artifact)>,
}

fn read(path: &Path) -> Result<String, PackageError> {
    crate::limits::read_text(path, crate::limits::MAX_ARTIFACT_BYTES)
        .map_err(|source| PackageError::Read { file: path.display().to_string(), source })
}

/// The creation code in a `dist/bytecode/<Name>.mjs` module's text.
fn bytecode_constant(file: &Path, text: &str) -> Result<Bytes, PackageError> {
    let problem = |p: &str| PackageError::Bytecode {
        file: file.display().to_string(),
        problem: p.to_owned(),
    };
    let at = text.find("bytecode = \"").ok_or_else(|| problem("not found"))? + 12;
    let close = text[at..].find('"').ok_or_else(|| problem("unterminated string"))? + at;
    let digits = text[at..close].strip_prefix("0x").ok_or_else(|| problem("no 0x prefix"))?;
    let bytes = alloy_primitives::hex::decode(digits).map_err(|e| problem(&e.to_string()))?;
    if bytes.is_empty() {
        return Err(problem("empty"));
    }
    Ok(bytes.into())
}

impl Package {
    /// The package under `node_modules`, checked for its version and every contract leash
    /// deploys.
    pub fn from_node_modules(node_modules: &Path) -> Result<Self, PackageError> {
        let dir = node_modules.join(PACKAGE);
        let manifest = dir.join("package.json");
        if !manifest.is_file() {
            return Err(PackageError::Missing { dir: node_modules.display().to_string() });
        }
        let version = serde_json::from_str::<serde_json::Value>(&read(&manifest)?)
            .ok()
            .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(str::to_owned))
            .unwrap_or_default();
        if version != PACKAGE_VERSION {
            return Err(PackageError::Version {
                file: manifest.display().to_string(),
                found: if version.is_empty() { "of an unknown version".into() } else { version },
            });
        }
        let names = CORE.iter().copied().chain(Enforcer::ALL.iter().map(|e| e.contract()));
        let mut contracts = Vec::new();
        for name in names {
            let file = dir.join("dist/bytecode").join(format!("{name}.mjs"));
            let bytecode = bytecode_constant(&file, &read(&file)?)?;
            let artifact = Artifact {
                origin: file.display().to_string(),
                abi: serde_json::Value::Null,
                bytecode,
                deployed_bytecode: Bytes::new(),
                method_identifiers: Default::default(),
                source_map: None,
                source_unit: None,
                sources: Default::default(),
                source_root: None,
            };
            contracts.push((name, artifact));
        }
        Ok(Self { label: format!("delegation-abis-{PACKAGE_VERSION}"), dir, contracts })
    }

    /// The creation code of contract `name` (one of [`CORE`] or an enforcer's).
    pub(crate) fn artifact(&self, name: &str) -> &Artifact {
        self.contracts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| a)
            .unwrap_or_else(|| panic!("{name} is loaded with the package"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytecode_constants_are_found_and_checked() {
        let file = Path::new("X.mjs");
        let text = "const bytecode = \"0x6001\";\nexport {\n  bytecode\n};";
        assert_eq!(bytecode_constant(file, text).unwrap().as_ref(), &[0x60, 0x01]);
        let err = bytecode_constant(file, "const abi = []").unwrap_err().to_string();
        assert_eq!(err, "'X.mjs' has no `bytecode = \"0x…\"` constant with valid hex: not found");
        assert!(bytecode_constant(file, "bytecode = \"0x6\"").is_err());
        assert!(bytecode_constant(file, "bytecode = \"6001\"").is_err());
        assert!(bytecode_constant(file, "bytecode = \"0x").is_err());
    }
}
