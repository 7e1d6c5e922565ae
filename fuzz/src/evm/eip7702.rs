//! EIP-7702: an EOA that runs a contract's code, set up the way a wallet does it.
//!
//! The EOA's key signs an authorization `(chain_id, address, nonce)` over
//! `keccak256(0x05 ‖ rlp([chain_id, address, nonce]))` ([`sign_authorization`]); a sponsor sends
//! a type-4 transaction carrying it in its authorization list ([`World::send_authorizations`]);
//! the EVM (revm, Prague) recovers the authority, checks the chain id and the authority's nonce
//! and writes the delegation designator `0xef0100 ‖ address` ([`designator`]) as the EOA's code.
//! Nothing is etched or overridden: the world's state after [`World::delegate_eoa`] is what a
//! chain holds after that transaction. Calls to the EOA then run the implementation's code on
//! the EOA's own storage and balance; the implementation's immutables come with its code.
//!
//! An authorization the EVM refuses (another chain, a stale nonce, an authority that holds
//! contract code) is skipped, as on chain: the transaction still succeeds and the EOA keeps its
//! code. [`World::delegation_of`] says what an address delegates to; [`World::delegate_eoa`]
//! fails unless the delegation it asked for is in place afterwards. Delegating to
//! [`Address::ZERO`] clears the delegation.
//!
//! ```no_run
//! use leash_fuzz::evm::{OWNER, World, account_key};
//! let mut world = World::reference()?;
//! let implementation = world.addresses().account;
//! world.delegate_eoa(account_key(), implementation, OWNER)?;
//! assert_eq!(world.delegation_of(account_key().address()), Some(implementation));
//! # Ok::<(), leash_fuzz::evm::WorldError>(())
//! ```

use alloy_primitives::{Address, U256};
use revm::context::result::ExecutionResult;
use revm::context::{ContextTr, TxEnv};
use revm::context_interface::transaction::{Authorization, SignedAuthorization};
use revm::primitives::TxKind;
use revm::{Database, DatabaseRef, ExecuteCommitEvm};

use super::keys::SessionKey;
use super::world::{CHAIN_ID, World, WorldError, describe};

/// The first three bytes of a delegation designator.
pub const DESIGNATOR_PREFIX: [u8; 3] = [0xef, 0x01, 0x00];

/// The code an EOA delegated to `address` holds: the EIP-7702 delegation designator
/// `0xef0100 ‖ address`.
pub fn designator(address: Address) -> Vec<u8> {
    let mut code = DESIGNATOR_PREFIX.to_vec();
    code.extend_from_slice(address.as_slice());
    code
}

/// The address a delegation designator points at, or `None` for code that is not one.
pub fn designated(code: &[u8]) -> Option<Address> {
    match code.split_at_checked(DESIGNATOR_PREFIX.len()) {
        Some((prefix, address)) if prefix == DESIGNATOR_PREFIX && address.len() == 20 => {
            Some(Address::from_slice(address))
        }
        _ => None,
    }
}

/// Whether an authorization naming chain `authorization_chain` takes effect on chain `chain_id`
/// (EIP-7702, spec §18.10): when it names that chain, or 0 (every chain). The EVM skips any
/// other.
pub fn authorization_applies(authorization_chain: u64, chain_id: u64) -> bool {
    authorization_chain == 0 || authorization_chain == chain_id
}

/// `key`'s signed authorization to run `address`'s code, valid while its account nonce is
/// `nonce`, on chain `chain_id` (0: any chain).
pub fn sign_authorization(
    key: &SessionKey,
    chain_id: u64,
    address: Address,
    nonce: u64,
) -> SignedAuthorization {
    let authorization = Authorization { chain_id: U256::from(chain_id), address, nonce };
    let signature = key.sign_hash(authorization.signature_hash());
    SignedAuthorization::new_unchecked(
        authorization,
        signature[64] - 27,
        U256::from_be_slice(&signature[..32]),
        U256::from_be_slice(&signature[32..64]),
    )
}

impl World {
    /// The account nonce of `address` (0 for an account the chain has never seen).
    pub fn nonce_of(&mut self, address: Address) -> u64 {
        self.evm.ctx.db_mut().basic(address).ok().flatten().map_or(0, |a| a.nonce)
    }

    /// The code at `address`: empty for an EOA that delegates nothing, the designator for one
    /// that does.
    pub fn code_of(&mut self, address: Address) -> Vec<u8> {
        let db = self.evm.ctx.db_mut();
        let Some(info) = db.basic(address).ok().flatten() else {
            return Vec::new();
        };
        match info.code {
            Some(code) => code.original_bytes().to_vec(),
            None => db
                .code_by_hash(info.code_hash)
                .map(|c| c.original_bytes().to_vec())
                .unwrap_or_default(),
        }
    }

    /// The address whose code `address` runs through an EIP-7702 delegation, if it has one.
    pub fn delegation_of(&mut self, address: Address) -> Option<Address> {
        designated(&self.code_of(address))
    }

    /// [`World::delegation_of`] without loading anything into the cache (for `&self` readers).
    pub fn delegation_ref(&self, address: Address) -> Option<Address> {
        let db = self.evm.ctx.db();
        let info = db.basic_ref(address).ok().flatten()?;
        match info.code {
            Some(code) => designated(code.original_byte_slice()),
            None => designated(db.code_by_hash_ref(info.code_hash).ok()?.original_byte_slice()),
        }
    }

    /// Has `sponsor` send a type-4 transaction carrying `authorizations`, committed. The
    /// transaction is a call from the sponsor to itself with no value and no calldata (nothing
    /// for an EOA sponsor; when the sponsor delegates itself in the list, the call runs the new
    /// code with empty calldata). The EVM skips the authorizations it refuses: read the result
    /// with [`World::delegation_of`]. Fails when the transaction is invalid or its call does not
    /// succeed, or when `authorizations` is empty (a type-4 transaction needs one).
    pub fn send_authorizations(
        &mut self,
        sponsor: Address,
        authorizations: Vec<SignedAuthorization>,
    ) -> Result<(), WorldError> {
        let fail = |outcome: String| WorldError::Setup { step: "EIP-7702 authorization", outcome };
        if authorizations.is_empty() {
            return Err(fail("an empty authorization list is not a type-4 transaction".into()));
        }
        let mut tx = TxEnv {
            caller: sponsor,
            kind: TxKind::Call(sponsor),
            gas_limit: 1_000_000,
            chain_id: Some(CHAIN_ID),
            ..TxEnv::default()
        };
        tx.set_signed_authorization(authorizations);
        tx.derive_tx_type().map_err(|e| fail(format!("{e:?}")))?;
        match self.evm.transact_commit(tx) {
            Ok(ExecutionResult::Success { .. }) => Ok(()),
            Ok(other) => Err(fail(describe(&other))),
            Err(e) => Err(fail(format!("evm error: {e}"))),
        }
    }

    /// Makes `key`'s EOA run `implementation`'s code (or, for [`Address::ZERO`], clears its
    /// delegation): `key` signs an EIP-7702 authorization for the chain the world is on and its
    /// nonce at inclusion (one more than its current nonce when it sponsors itself, since the
    /// sender's nonce moves first), and `sponsor` sends it ([`World::send_authorizations`]).
    /// Fails unless the EOA delegates to `implementation` afterwards: an EOA holding contract
    /// code cannot delegate.
    pub fn delegate_eoa(
        &mut self,
        key: &SessionKey,
        implementation: Address,
        sponsor: Address,
    ) -> Result<(), WorldError> {
        let chain = self.chain_id();
        self.authorize_eoa(key, implementation, sponsor, chain).map(drop)
    }

    /// Like [`World::delegate_eoa`], with an authorization naming `authorization_chain` (0:
    /// every chain). Returns whether it took effect: the EVM skips one for another chain
    /// ([`authorization_applies`]), leaving the EOA's code as it was. Fails when the EOA's code
    /// afterwards is not what EIP-7702 says it must be.
    pub fn authorize_eoa(
        &mut self,
        key: &SessionKey,
        implementation: Address,
        sponsor: Address,
        authorization_chain: u64,
    ) -> Result<bool, WorldError> {
        let eoa = key.address();
        let before = self.code_of(eoa);
        let nonce = self.nonce_of(eoa) + u64::from(sponsor == eoa);
        let authorization = sign_authorization(key, authorization_chain, implementation, nonce);
        self.send_authorizations(sponsor, vec![authorization])?;
        let code = self.code_of(eoa);
        let applies = authorization_applies(authorization_chain, self.chain_id());
        let expected = match (applies, implementation) {
            (false, _) => before,
            (true, Address::ZERO) => Vec::new(),
            (true, _) => designator(implementation),
        };
        if code != expected {
            return Err(WorldError::Setup {
                step: "EIP-7702 authorization",
                outcome: format!(
                    "{eoa} holds code 0x{} after authorizing {implementation} for chain \
                     {authorization_chain} on chain {}, not 0x{}",
                    alloy_primitives::hex::encode(&code),
                    self.chain_id(),
                    alloy_primitives::hex::encode(&expected)
                ),
            });
        }
        Ok(applies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evm::keys::session_keys;

    #[test]
    fn authorizations_recover_to_their_key() {
        let key = &session_keys()[2];
        let auth = sign_authorization(key, CHAIN_ID, Address::repeat_byte(0x42), 7);
        assert_eq!(auth.recover_authority().ok(), Some(key.address()));
        assert_eq!(auth.nonce(), 7);
        let other = sign_authorization(key, 1, Address::repeat_byte(0x42), 7);
        assert_ne!(auth.signature_hash(), other.signature_hash());
        assert_eq!(other.recover_authority().ok(), Some(key.address()));
    }

    #[test]
    fn designators_round_trip_and_nothing_else_is_one() {
        let at = Address::repeat_byte(1);
        let code = designator(at);
        assert_eq!(code.len(), 23);
        assert_eq!(code[..3], DESIGNATOR_PREFIX);
        assert_eq!(designated(&code), Some(at));
        assert_eq!(designated(&code[..22]), None);
        assert_eq!(designated(&[code.as_slice(), &[0]].concat()), None);
        assert_eq!(designated(&[0xef, 0x01, 0x01].repeat(8)[..23]), None);
        assert_eq!(designated(&[]), None);
    }
}
