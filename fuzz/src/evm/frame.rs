//! Frames: what the account a module validates for is. The deployed frame (the default) is
//! `LeashAccount`, a contract deployed at its own address and owned by [`OWNER`]. The EIP-7702
//! frame (spec §18) is an EOA, the [`account_key`]'s, that delegates to `LeashAccount7702` with a
//! signed EIP-7702 authorization and then initializes itself with the module: the same module and
//! the same execution semantics, with the EOA as the owner and every op carrying EntryPoint
//! v0.8's EIP-7702 `initCode` marker.

use alloy_primitives::{Address, Bytes};
use alloy_sol_types::{SolCall, SolValue};

use super::abi::ILeashAccount7702;
use super::artifact::Artifact;
use super::keys::account_key;
use super::world::{OWNER, World, WorldError};

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
}

impl World {
    /// Deploys `implementation` (`LeashAccount7702`, constructor `(entryPoint)`) at the
    /// deployer's next nonce and makes the [`account_key`]'s EOA the account, the way a wallet
    /// sets one up: the EOA is funded like the deployed account, signs an EIP-7702
    /// authorization for the implementation that [`OWNER`] sponsors, then sends itself
    /// `initialize(module, "")`. Every later op carries the EIP-7702 `initCode` marker and
    /// every lifecycle call is the EOA's own transaction ([`World::set_delegated_account`]).
    pub fn enter_eip7702_frame(
        &mut self,
        implementation: &Artifact,
    ) -> Result<Eip7702Account, WorldError> {
        let a = *self.addresses();
        let implementation =
            self.deploy("LeashAccount7702", implementation, &a.entry_point.abi_encode())?;
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
        Ok(Eip7702Account { eoa, implementation })
    }
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
