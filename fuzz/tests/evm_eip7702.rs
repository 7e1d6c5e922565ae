//! EIP-7702 authorizations in the world: signed by the EOA's key, carried by a type-4
//! transaction, applied (or skipped) by revm's Prague rules; the delegated EOA runs the
//! implementation's code on its own storage.

mod common;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use leash_fuzz::evm::abi::{IGame, ILeashAccount};
use leash_fuzz::evm::eip7702::{designator, sign_authorization};
use leash_fuzz::evm::{CHAIN_ID, OWNER, World, WorldError, account_key, session_keys};

use common::{call, single, word};

fn attacks(world: &mut World, player: Address) -> U256 {
    let game = world.addresses().game;
    let out = world
        .view_call("attacks", game, IGame::attacksCall { player }.abi_encode().into())
        .unwrap();
    IGame::attacksCall::abi_decode_returns(&out).unwrap()
}

#[test]
fn an_authorized_eoa_runs_the_account_code_on_its_own_state() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    let eoa = account_key().address();
    assert_eq!(world.delegation_of(eoa), None);
    assert!(world.code_of(eoa).is_empty());

    world.delegate_eoa(account_key(), a.account, OWNER).unwrap();
    assert_eq!(world.code_of(eoa), designator(a.account));
    assert_eq!(world.delegation_of(eoa), Some(a.account));
    // The authority's nonce moved with the authorization; the sponsor's with its transaction.
    assert_eq!(world.nonce_of(eoa), 1);

    // The code reads the EOA's storage: its `owner` slot is empty, so OWNER is a stranger there
    // (as it is not on the deployed account), and the EOA itself (`address(this)`) may execute.
    let attack = call("attack(uint256)", &[word(4)]);
    let run = single(a.game, 0, &attack).to_vec();
    let refused = world.setup_tx("execute as the owner", OWNER, eoa, U256::ZERO, run.clone());
    assert!(matches!(refused, Err(WorldError::Setup { .. })), "{refused:?}");
    world.setup_tx("execute as the owner", OWNER, a.account, U256::ZERO, run.clone()).unwrap();
    world.setup_tx("execute as the EOA", eoa, eoa, U256::ZERO, run).unwrap();
    assert_eq!(attacks(&mut world, eoa), U256::from(1));
    assert_eq!(attacks(&mut world, a.account), U256::from(1));
    // The immutable `entryPoint` came with the code.
    let selector = alloy_primitives::keccak256("entryPoint()")[..4].to_vec();
    let out = world.view_call("entryPoint", eoa, selector.into()).unwrap();
    assert_eq!(out[12..], a.entry_point[..]);
    // The mutable `owner` did not: the EOA's own slot is empty.
    let out =
        world.view_call("owner", eoa, ILeashAccount::ownerCall {}.abi_encode().into()).unwrap();
    assert_eq!(ILeashAccount::ownerCall::abi_decode_returns(&out).unwrap(), Address::ZERO);
}

#[test]
fn refused_authorizations_are_skipped_as_on_chain() {
    let mut world = World::reference().unwrap();
    let target = world.addresses().game;
    let key = &session_keys()[4];
    let eoa = key.address();
    // Another chain, a stale and a future nonce: the transaction succeeds, the EOA keeps no code.
    for auth in [
        sign_authorization(key, CHAIN_ID + 1, target, 0),
        sign_authorization(key, CHAIN_ID, target, 1),
        sign_authorization(key, CHAIN_ID, target, u64::MAX),
    ] {
        world.send_authorizations(OWNER, vec![auth]).unwrap();
        assert_eq!(world.delegation_of(eoa), None);
        assert_eq!(world.nonce_of(eoa), 0);
    }
    // Chain id 0 is valid on every chain.
    world.send_authorizations(OWNER, vec![sign_authorization(key, 0, target, 0)]).unwrap();
    assert_eq!(world.delegation_of(eoa), Some(target));
    // The first authorization's nonce is used up: replaying it changes nothing.
    let replay = sign_authorization(key, 0, world.addresses().router, 0);
    world.send_authorizations(OWNER, vec![replay]).unwrap();
    assert_eq!(world.delegation_of(eoa), Some(target));
    // An empty authorization list is not a type-4 transaction.
    let empty = world.send_authorizations(OWNER, Vec::new());
    assert!(matches!(empty, Err(WorldError::Setup { .. })), "{empty:?}");
}

#[test]
fn delegations_move_clear_and_can_be_self_sponsored() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    let key = &session_keys()[5];
    let eoa = key.address();
    world.delegate_eoa(key, a.game, OWNER).unwrap();
    world.delegate_eoa(key, a.router, OWNER).unwrap();
    assert_eq!(world.delegation_of(eoa), Some(a.router));
    // Address zero clears the delegation.
    world.delegate_eoa(key, Address::ZERO, OWNER).unwrap();
    assert!(world.code_of(eoa).is_empty());
    assert_eq!(world.nonce_of(eoa), 3);
    // The EOA sends its own authorization: signed for the nonce after its transaction's.
    world.delegate_eoa(key, a.account, eoa).unwrap();
    assert_eq!(world.delegation_of(eoa), Some(a.account));
    assert_eq!(world.nonce_of(eoa), 5);
}

/// Spec §18.10: after the world moves to another chain, a wallet's authorization (signed for the
/// chain it is on) still delegates; one for the chain it left is skipped, and one for chain 0
/// applies everywhere. `authorize_eoa` says which happened and checks the code against it.
#[test]
fn authorizations_follow_the_chain_the_world_is_on() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    let key = &session_keys()[5];
    let eoa = key.address();
    world.set_chain_id(10);
    world.delegate_eoa(key, a.game, OWNER).unwrap();
    assert_eq!(world.delegation_of(eoa), Some(a.game));
    assert!(!world.authorize_eoa(key, a.router, OWNER, CHAIN_ID).unwrap());
    assert_eq!(world.delegation_of(eoa), Some(a.game));
    assert!(world.authorize_eoa(key, a.router, OWNER, 0).unwrap());
    assert_eq!(world.delegation_of(eoa), Some(a.router));
    assert!(world.authorize_eoa(key, Address::ZERO, OWNER, 10).unwrap());
    assert!(world.code_of(eoa).is_empty());
}
