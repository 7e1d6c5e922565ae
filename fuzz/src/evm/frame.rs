//! Frames: what the account a module validates for is. The deployed frame (the default) is
//! `LeashAccount`, a contract deployed at its own address and owned by [`OWNER`]. The EIP-7702
//! frame (spec §18) is an EOA, the [`account_key`]'s, that delegates to `LeashAccount7702` with a
//! signed EIP-7702 authorization and then initializes itself with the module: the same module and
//! the same execution semantics, with the EOA as the owner and every op carrying EntryPoint
//! v0.8's EIP-7702 `initCode` marker.

use alloy_primitives::{Address, B256, Bytes, U256, b256};
use alloy_sol_types::{SolCall, SolValue};

use super::abi::ILeashAccount7702;
use super::artifact::Artifact;
use super::keys::account_key;
use super::world::{OWNER, World, WorldError};
use crate::case::{Action, Actor, Code, SlotWrite, Validator};

/// What the account of a world is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Frame {
    /// `LeashAccount` deployed at its own address, owned by [`OWNER`].
    #[default]
    Deployed,
    /// The [`account_key`]'s EOA, delegated to `LeashAccount7702` by an EIP-7702 authorization,
    /// owning itself.
    Eip7702,
}

impl Frame {
    /// Every frame, the default first.
    pub const ALL: [Frame; 2] = [Frame::Deployed, Frame::Eip7702];

    /// The frame's name on the command line and in target labels: `deployed` or `7702`.
    pub fn name(self) -> &'static str {
        match self {
            Frame::Deployed => "deployed",
            Frame::Eip7702 => "7702",
        }
    }

    /// The frame a name ([`Frame::name`]) names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl core::fmt::Display for Frame {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where [`World::enter_eip7702_frame`] put things.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eip7702Account {
    /// The EOA (the account the harness drives from then on).
    pub eoa: Address,
    /// The `LeashAccount7702` implementation it delegates to.
    pub implementation: Address,
    /// `OtherAccount7702`: a second, benign account implementation it may re-delegate to.
    pub other: Address,
    /// `SlotWriter7702`: a malicious implementation that lets anyone write its storage.
    pub malicious: Address,
    /// `AnyOpValidator`: the validator a stranger tries to install on it.
    pub stranger_validator: Address,
}

/// The ERC-7201 slot of `LeashAccount7702`'s state (its validator), spec §18.3:
/// `keccak256(abi.encode(uint256(keccak256("leash.account7702")) - 1)) & ~bytes32(uint256(0xff))`.
pub const ACCOUNT_7702_NAMESPACE: B256 =
    b256!("0x3bccc5a3d15ef7131a72a83558f2fb4c4340732925b6e7969eb41ba8f5873600");

/// The compiled code of the lifecycle's other implementations (not replaced by mutants).
mod embedded {
    pub(super) const OTHER: &str =
        include_str!("../../../reference-contracts/out/OtherAccount7702.sol/OtherAccount7702.json");
    pub(super) const MALICIOUS: &str =
        include_str!("../../../reference-contracts/out/SlotWriter7702.sol/SlotWriter7702.json");
    pub(super) const STRANGER_VALIDATOR: &str =
        include_str!("../../../reference-contracts/out/AnyOpValidator.sol/AnyOpValidator.json");
}

/// The code the EOA delegates to for each [`Code`] (`None` for a cleared delegation).
impl Eip7702Account {
    /// The address whose code `code` is, or `None` for no code.
    pub fn address_of(&self, code: Code) -> Option<Address> {
        match code {
            Code::Account => Some(self.implementation),
            Code::Other => Some(self.other),
            Code::Malicious => Some(self.malicious),
            Code::None => None,
        }
    }

    /// The [`Code`] at `address` (`None` for no code), or `None` for an address that is none
    /// of them.
    pub fn code_at(&self, address: Option<Address>) -> Option<Code> {
        Code::ALL.into_iter().find(|c| self.address_of(*c) == address)
    }
}

impl World {
    /// Deploys `implementation` (`LeashAccount7702`, constructor `(entryPoint)`) at the
    /// deployer's next nonce and makes the [`account_key`]'s EOA the account, the way a wallet
    /// sets one up: the EOA is funded like the deployed account, signs an EIP-7702
    /// authorization for the implementation that [`OWNER`] sponsors, then sends itself
    /// `initialize(module, "")`. Every later op carries the EIP-7702 `initCode` marker and
    /// every lifecycle call is the EOA's own transaction ([`World::set_delegated_account`]).
    /// Beside it the deployer deploys what the re-delegation lifecycle needs
    /// ([`World::redelegate`]): `OtherAccount7702`, `SlotWriter7702` and `AnyOpValidator`.
    pub fn enter_eip7702_frame(
        &mut self,
        implementation: &Artifact,
    ) -> Result<Eip7702Account, WorldError> {
        let a = *self.addresses();
        let implementation =
            self.deploy("LeashAccount7702", implementation, &a.entry_point.abi_encode())?;
        let embedded =
            |name: &str, json: &str| Artifact::from_json(format!("embedded:{name}"), json);
        let other = self.deploy(
            "OtherAccount7702",
            &embedded("OtherAccount7702", embedded::OTHER)?,
            &a.entry_point.abi_encode(),
        )?;
        let malicious =
            self.deploy("SlotWriter7702", &embedded("SlotWriter7702", embedded::MALICIOUS)?, &[])?;
        let stranger_validator = self.deploy(
            "AnyOpValidator",
            &embedded("AnyOpValidator", embedded::STRANGER_VALIDATOR)?,
            &[],
        )?;
        let key = account_key();
        let eoa = key.address();
        self.fund(eoa)?;
        self.delegate_eoa(key, implementation, OWNER)?;
        let init = ILeashAccount7702::initializeCall {
            validator_: a.module,
            validatorInitData: Bytes::new(),
        };
        self.setup_tx(
            "initialize the EIP-7702 account",
            eoa,
            eoa,
            Default::default(),
            init.abi_encode(),
        )?;
        self.set_delegated_account(eoa);
        let frame = Eip7702Account { eoa, implementation, other, malicious, stranger_validator };
        self.eip7702 = Some(frame);
        Ok(frame)
    }

    /// What the EIP-7702 frame deployed, if this world is on it.
    pub fn eip7702(&self) -> Option<&Eip7702Account> {
        self.eip7702.as_ref()
    }

    /// The code the frame's EOA runs now (`Some(None)`: none), or `None` off the frame or for
    /// code that is none of the lifecycle's.
    pub fn eip7702_code(&self) -> Option<Code> {
        let frame = self.eip7702?;
        frame.code_at(self.delegation_ref(frame.eoa))
    }

    /// Re-delegates the frame's EOA to `code` (spec §18.5 to §18.7): the EOA signs an EIP-7702
    /// authorization naming `authorization_chain` (`None`: the chain the world is on) that
    /// [`OWNER`] sponsors, committed; then, on the malicious code, a stranger calls the EOA with
    /// `writes`, which it stores. Returns whether the authorization took effect: one for
    /// another chain is skipped, and nothing is written (spec §18.10). Fails off the frame, or
    /// when the EOA's code afterwards is not what EIP-7702 says.
    pub fn redelegate(
        &mut self,
        code: Code,
        writes: &[SlotWrite],
        authorization_chain: Option<u64>,
    ) -> Result<bool, WorldError> {
        let Some(frame) = self.eip7702 else {
            return Err(WorldError::Setup {
                step: "re-delegation",
                outcome: "the world is not on the EIP-7702 frame".into(),
            });
        };
        let to = frame.address_of(code).unwrap_or(Address::ZERO);
        let chain = authorization_chain.unwrap_or_else(|| self.chain_id());
        if !self.authorize_eoa(account_key(), to, OWNER, chain)? {
            return Ok(false);
        }
        if code == Code::Malicious && !writes.is_empty() {
            let data: Vec<u8> = writes
                .iter()
                .flat_map(|w| [w.slot.to_be_bytes::<32>(), w.value.to_be_bytes::<32>()])
                .flatten()
                .collect();
            self.setup_tx("the malicious code's writes", stranger(), frame.eoa, U256::ZERO, data)?;
        }
        Ok(true)
    }

    /// Sends the frame's plain transaction `action` from `from` (spec §18.2): a call, or
    /// `initialize` to the EOA itself. Its outcome is the chain's business, not a verdict:
    /// `Ok(false)` when it reverted. Fails off the frame, or when the EVM refuses it.
    pub fn direct(&mut self, from: Actor, action: &Action) -> Result<bool, WorldError> {
        let Some(frame) = self.eip7702 else {
            return Err(WorldError::Setup {
                step: "direct transaction",
                outcome: "the world is not on the EIP-7702 frame".into(),
            });
        };
        let sender = match from {
            Actor::Owner => frame.eoa,
            Actor::Stranger => stranger(),
        };
        let (to, value, data) = match action {
            Action::Call { target, value, data } => (*target, *value, data.clone()),
            Action::Initialize { validator } => {
                let validator_ = match validator {
                    Validator::Module => self.addresses().module,
                    Validator::Stranger => frame.stranger_validator,
                };
                (frame.eoa, U256::ZERO, initialize_calldata(validator_))
            }
        };
        match self.setup_tx("direct transaction", sender, to, value, data) {
            Ok(()) => Ok(true),
            Err(WorldError::Setup { outcome, .. }) if outcome.starts_with("reverted") => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// `initialize(validator, "")`, the calldata of an [`Action::Initialize`].
pub fn initialize_calldata(validator: Address) -> Vec<u8> {
    ILeashAccount7702::initializeCall { validator_: validator, validatorInitData: Bytes::new() }
        .abi_encode()
}

/// The stranger of the EIP-7702 lifecycle: the last key of the harness's set, which never holds
/// a session.
pub fn stranger() -> Address {
    let keys = super::keys::session_keys();
    keys[keys.len() - 1].address()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_names_round_trip() {
        for frame in Frame::ALL {
            assert_eq!(Frame::from_name(frame.name()), Some(frame));
            assert_eq!(frame.to_string(), frame.name());
        }
        assert_eq!(Frame::from_name("eip7702"), None);
        assert_eq!(Frame::default(), Frame::Deployed);
    }
}
