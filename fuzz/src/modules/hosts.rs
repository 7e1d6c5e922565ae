//! Host accounts for ERC-7579 validator modules: which account a module is installed on, how it
//! is deployed, and how an op's nonce selects the module. Hosts decode `execute` their own way,
//! so the same module on two hosts can let different calls through (bug classes C1 and C4: the
//! validator checks one reading of the bytes, the host executes another).
//!
//! | host | decoding of a batch | `address(0)` | validator chosen by |
//! |---|---|---|---|
//! | [`Host::LeashAccount`] | Solady `LibERC7579`, bounded by `executionCalldata` | the account itself | (one validator) |
//! | [`Host::OzAccount`] | OpenZeppelin 5.7.0 `ERC7579Utils`, bounded by `calldatasize` only | the account itself | nonce bytes 0..20 |
//! | [`Host::Nexus`] | Nexus 1.0.x `ExecLib`, unbounded | `address(0)` | nonce bytes 4..24 |

use std::path::Path;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolValue};

use super::smartsessions::BuildError;
use crate::evm::{AccountArgs, Artifact, ArtifactSet, OWNER, World, WorldError};

/// leash's host contracts (MIT), compiled into `reference-contracts/out/`.
mod embedded {
    pub(super) const OZ_ACCOUNT: &str =
        include_str!("../../../reference-contracts/out/OZAccount7579.sol/OZAccount7579.json");
    pub(super) const OWNER_EXECUTOR: &str = include_str!(
        "../../../reference-contracts/out/LeashOwnerExecutor.sol/LeashOwnerExecutor.json"
    );
}

alloy_sol_types::sol! {
    #![sol(all_derives)]

    /// Nexus's bootstrap (modulekit 0.5.9's interface).
    struct BootstrapConfig {
        address module;
        bytes data;
    }

    interface INexusBootstrap {
        function getInitNexusCalldata(
            BootstrapConfig[] validators,
            BootstrapConfig[] executors,
            BootstrapConfig hook,
            BootstrapConfig[] fallbacks,
            address registry,
            address[] attesters,
            uint8 threshold
        ) external view returns (bytes init);
    }

    interface INexus {
        function initializeAccount(bytes initData) external payable;
    }
}

/// The Nexus 1.0.x build inside `@rhinestone/modulekit@0.5.9`: creation code of the account
/// implementation, its bootstrap and its proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NexusBuild {
    /// Where it was read from.
    pub origin: String,
    implementation: Bytes,
    bootstrap: Bytes,
    proxy: Bytes,
}

impl NexusBuild {
    /// Reads the Nexus bytecode constants of modulekit under `node_modules`.
    pub fn modulekit(node_modules: &Path) -> Result<Self, BuildError> {
        let package = super::smartsessions::modulekit_package(node_modules)?;
        let file = package.join("src/deployment/precompiles/NexusPrecompiles.sol");
        let source = super::smartsessions::read_source(&file)?;
        let constant = |name| super::smartsessions::hex_constant(&file, &source, name);
        Ok(Self {
            origin: file.display().to_string(),
            implementation: constant("NEXUS_BYTECODE")?,
            bootstrap: constant("NEXUS_BOOTSTRAP_BYTECODE")?,
            proxy: constant("NEXUS_PROXY_BYTECODE")?,
        })
    }
}

/// The account a validator module is installed on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Host {
    /// leash's `LeashAccount`.
    LeashAccount,
    /// OpenZeppelin's `AccountERC7579` 5.7.0, made concrete (`OZAccount7579`).
    OzAccount,
    /// Biconomy Nexus 1.0.x from modulekit 0.5.9, behind its proxy; the owner's lifecycle calls
    /// go through `LeashOwnerExecutor`.
    Nexus(Box<NexusBuild>),
}

impl Host {
    /// The host's name in labels and on the command line.
    pub fn label(&self) -> &'static str {
        match self {
            Self::LeashAccount => "leash-account",
            Self::OzAccount => "oz-account",
            Self::Nexus(_) => "nexus",
        }
    }

    /// The host a label names, reading what it needs from `node_modules`.
    pub fn from_label(label: &str, node_modules: &Path) -> Option<Result<Self, BuildError>> {
        match label {
            "leash-account" => Some(Ok(Self::LeashAccount)),
            "oz-account" => Some(Ok(Self::OzAccount)),
            "nexus" => Some(NexusBuild::modulekit(node_modules).map(|b| Self::Nexus(Box::new(b)))),
            _ => None,
        }
    }

    /// The nonce of an op on lane `lane` validated by `validator` (sequence 0): where the host
    /// reads the validator, and a lane where it leaves room, so every op has a key of its own.
    pub fn nonce(&self, lane: u64, validator: Address) -> U256 {
        let validator = U256::from_be_slice(validator.as_slice());
        match self {
            Self::LeashAccount => U256::from(lane) << 64,
            // key = validator (20 bytes) | lane (4 bytes)
            Self::OzAccount => ((validator << 32) | U256::from(lane & 0xffff_ffff)) << 64,
            // [lane (3 bytes)][mode 0x00: validation][validator (20 bytes)][sequence (8 bytes)]
            Self::Nexus(_) => (U256::from(lane & 0xff_ffff) << 232) | (validator << 64),
        }
    }

    /// The artifacts of the base world with this host at the account's address, and its
    /// constructor arguments.
    pub(crate) fn base(&self, reference: &ArtifactSet) -> (ArtifactSet, AccountArgs) {
        let mut artifacts = reference.clone();
        match self {
            Self::LeashAccount => (artifacts, AccountArgs::Standard),
            Self::OzAccount => {
                artifacts.account =
                    Artifact::from_json("embedded:OZAccount7579", embedded::OZ_ACCOUNT)
                        .expect("leash's committed artifacts parse");
                (artifacts, AccountArgs::Standard)
            }
            Self::Nexus(build) => {
                artifacts.account =
                    raw_artifact(&build.origin, "NEXUS_BYTECODE", &build.implementation);
                (artifacts, AccountArgs::EntryPoint)
            }
        }
    }

    /// After the base world and the module's contracts: creates the account when the host is
    /// behind a proxy (Nexus: its bootstrap installs `validator` and the owner's executor), and
    /// makes it the world's account.
    pub(crate) fn create_account(
        &self,
        world: &mut World,
        validator: Address,
    ) -> Result<(), WorldError> {
        let Self::Nexus(build) = self else {
            return Ok(());
        };
        let executor_artifact =
            Artifact::from_json("embedded:LeashOwnerExecutor", embedded::OWNER_EXECUTOR)
                .expect("leash's committed artifacts parse");
        let executor =
            world.deploy("LeashOwnerExecutor", &executor_artifact, &OWNER.abi_encode())?;
        let bootstrap = world.deploy(
            "Nexus bootstrap",
            &raw_artifact(&build.origin, "NEXUS_BOOTSTRAP_BYTECODE", &build.bootstrap),
            &[],
        )?;
        let config = |module: Address| BootstrapConfig { module, data: Bytes::new() };
        let call = INexusBootstrap::getInitNexusCalldataCall {
            validators: vec![config(validator)],
            executors: vec![config(executor)],
            hook: config(Address::ZERO),
            fallbacks: vec![],
            registry: Address::ZERO,
            attesters: vec![],
            threshold: 0,
        };
        let setup =
            |outcome: String| WorldError::Setup { step: "initialize the Nexus account", outcome };
        let out = world
            .view_call("getInitNexusCalldata", bootstrap, call.abi_encode().into())
            .map_err(|e| setup(e.to_string()))?;
        let init = INexusBootstrap::getInitNexusCalldataCall::abi_decode_returns(&out)
            .map_err(|e| setup(format!("getInitNexusCalldata returned undecodable data: {e}")))?;
        let implementation = world.addresses().account;
        let initialize = INexus::initializeAccountCall { initData: init }.abi_encode();
        let args = (implementation, Bytes::from(initialize)).abi_encode_params();
        let account = world.deploy(
            "Nexus account",
            &raw_artifact(&build.origin, "NEXUS_PROXY_BYTECODE", &build.proxy),
            &args,
        )?;
        world.fund(account)?;
        world.set_proxy_account(account, Some(executor));
        Ok(())
    }
}

/// An artifact of creation code read from a Solidity constant.
fn raw_artifact(origin: &str, constant: &str, creation: &Bytes) -> Artifact {
    Artifact {
        origin: format!("{origin} ({constant})"),
        abi: serde_json::Value::Array(Vec::new()),
        bytecode: creation.clone(),
        deployed_bytecode: Bytes::new(),
        method_identifiers: Default::default(),
        source_map: None,
        source_unit: None,
        sources: Default::default(),
        source_root: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_put_the_validator_where_each_host_reads_it() {
        let v = Address::repeat_byte(0xab);
        let oz = Host::OzAccount.nonce(7, v).to_be_bytes::<32>();
        assert_eq!(&oz[..20], v.as_slice());
        assert_eq!(&oz[20..24], &[0, 0, 0, 7]);
        assert_eq!(&oz[24..], &[0; 8]);
        let nexus = Host::Nexus(Box::new(NexusBuild {
            origin: String::new(),
            implementation: Bytes::new(),
            bootstrap: Bytes::new(),
            proxy: Bytes::new(),
        }))
        .nonce(7, v)
        .to_be_bytes::<32>();
        assert_eq!(&nexus[..4], &[0, 0, 7, 0]);
        assert_eq!(&nexus[4..24], v.as_slice());
        assert_eq!(Host::LeashAccount.nonce(7, v), U256::from(7) << 64);
    }
}
