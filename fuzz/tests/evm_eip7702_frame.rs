//! The EIP-7702 frame (spec §18): the account key's EOA delegated to `LeashAccount7702` by a
//! signed authorization, initialized by itself with the reference module, driven by ops that
//! carry EntryPoint v0.8's EIP-7702 `initCode` marker.

mod common;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolError};
use leash_fuzz::evm::abi::{IEntryPoint, ILeashAccount7702};
use leash_fuzz::evm::eip7702::designator;
use leash_fuzz::evm::userop::{EIP7702_INIT_CODE, user_op_hash};
use leash_fuzz::evm::{
    BundleError, CHAIN_ID, CallError, Frame, OWNER, OpOutcome, World, WorldError, account_key,
    session_keys,
};
use leash_fuzz::target::Target;
use leash_model::{AccountState, Verdict};

use common::{NOW, call, model_execute, policy, single, word};

fn frame_world() -> World {
    let target = Target::reference().unwrap().with_frame(Frame::Eip7702).unwrap();
    assert_eq!(target.label, "7702:reference");
    target.world().unwrap()
}

fn validator_of(world: &mut World, account: Address) -> Address {
    let data = ILeashAccount7702::validatorCall {}.abi_encode();
    let out = world.view_call("validator", account, data.into()).unwrap();
    ILeashAccount7702::validatorCall::abi_decode_returns(&out).unwrap()
}

fn entry_point_hash(world: &mut World, op: &leash_fuzz::evm::PackedUserOperation) -> [u8; 32] {
    let entry_point = world.addresses().entry_point;
    let data = IEntryPoint::getUserOpHashCall { userOp: op.clone() }.abi_encode();
    let out = world.view_call("getUserOpHash", entry_point, data.into()).unwrap();
    IEntryPoint::getUserOpHashCall::abi_decode_returns(&out).unwrap().0
}

#[test]
fn the_frame_is_the_account_keys_eoa_delegated_and_initialized_by_itself() {
    let mut world = frame_world();
    let a = *world.addresses();
    let eoa = account_key().address();
    assert_eq!(a.account, eoa);
    assert_eq!(world.owner(), eoa);
    let implementation = world.delegation_of(eoa).expect("the EOA delegates");
    assert_eq!(world.code_of(eoa), designator(implementation));
    // The implementation was deployed after every base contract, which kept their addresses.
    assert_eq!(a.module, leash_fuzz::evm::Addresses::expected().module);
    let id = ILeashAccount7702::accountIdCall {}.abi_encode();
    for at in [implementation, eoa] {
        let out = world.view_call("accountId", at, id.clone().into()).unwrap();
        let name = ILeashAccount7702::accountIdCall::abi_decode_returns(&out).unwrap();
        assert_eq!(name, "leash.account7702.1");
    }
    assert_eq!(validator_of(&mut world, eoa), a.module);
    // Its own storage is untouched: the validator lives in the ERC-7201 namespace.
    assert_eq!(world.storage(eoa, U256::ZERO), U256::ZERO);
    assert_eq!(world.storage(eoa, U256::from(1)), U256::ZERO);
    // Funded as the deployed account is.
    assert_eq!(world.native_balance(eoa), leash_fuzz::evm::world::ACCOUNT_NATIVE_BALANCE);
    assert_eq!(world.token_balance(eoa).unwrap(), leash_fuzz::evm::world::ACCOUNT_TOKEN_BALANCE);
}

#[test]
fn only_the_eoa_initializes_and_only_once() {
    let mut world = frame_world();
    let a = *world.addresses();
    let eoa = a.account;
    let stranger_validator = Address::repeat_byte(0x66);
    let init = ILeashAccount7702::initializeCall {
        validator_: stranger_validator,
        validatorInitData: Bytes::new(),
    }
    .abi_encode();
    for caller in [OWNER, session_keys()[0].address()] {
        let refused = world.setup_tx("initialize", caller, eoa, U256::ZERO, init.clone());
        let expected = ILeashAccount7702::Unauthorized { caller }.abi_encode();
        let Err(WorldError::Setup { outcome, .. }) = refused else { panic!("{refused:?}") };
        assert!(outcome.contains(&alloy_primitives::hex::encode(&expected)), "{caller}: {outcome}");
    }
    let again = world.setup_tx("initialize", eoa, eoa, U256::ZERO, init);
    let expected = ILeashAccount7702::AlreadyInitialized { validator: a.module }.abi_encode();
    let Err(WorldError::Setup { outcome, .. }) = again else { panic!("{again:?}") };
    assert!(outcome.contains(&alloy_primitives::hex::encode(&expected)), "{outcome}");
    assert_eq!(validator_of(&mut world, eoa), a.module);
}

#[test]
fn the_rust_user_op_hash_binds_the_delegate_as_get_user_op_hash_does() {
    let mut world = frame_world();
    let a = *world.addresses();
    let key = &session_keys()[0];
    let op = world.signed_op(key, 5, single(a.game, 0, &call("attack(uint256)", &[word(1)])));
    assert_eq!(op.initCode.as_ref(), EIP7702_INIT_CODE);
    let rust = world.user_op_hash(&op);
    assert_eq!(rust.0, entry_point_hash(&mut world, &op));
    // The marker's hash is the delegate's, not the marker's own.
    assert_ne!(rust, user_op_hash(&op, a.entry_point, CHAIN_ID));
    // Calldata after the marker is hashed with the delegate.
    let mut longer = op.clone();
    longer.initCode = [EIP7702_INIT_CODE.as_slice(), &[0xab, 0xcd]].concat().into();
    assert_eq!(world.user_op_hash(&longer).0, entry_point_hash(&mut world, &longer));
    assert_ne!(world.user_op_hash(&longer), rust);
    // Re-delegating the EOA changes the hash of the same op: signatures made for the old code
    // do not carry over to the new one.
    world.delegate_eoa(account_key(), a.game, OWNER).unwrap();
    let moved = world.user_op_hash(&op);
    assert_ne!(moved, rust);
    assert_eq!(moved.0, entry_point_hash(&mut world, &op));
}

#[test]
fn the_rust_session_digest_binds_the_delegate_as_the_modules_view_does() {
    let mut world = frame_world();
    let a = *world.addresses();
    let op = world.signed_op(
        &session_keys()[0],
        5,
        single(a.game, 0, &call("attack(uint256)", &[word(1)])),
    );
    assert_eq!(op.initCode.as_ref(), EIP7702_INIT_CODE);
    let rust = world.session_op_digest(&op);
    assert_eq!(rust, common::module_digest(&mut world, &op));
    // Calldata after the marker is hashed with the delegate.
    let mut longer = op.clone();
    longer.initCode = [EIP7702_INIT_CODE.as_slice(), &[0xab, 0xcd]].concat().into();
    assert_eq!(world.session_op_digest(&longer), common::module_digest(&mut world, &longer));
    assert_ne!(world.session_op_digest(&longer), rust);
    // Re-delegating the EOA changes the digest of the same op (spec §18.1).
    world.delegate_eoa(account_key(), a.game, OWNER).unwrap();
    let moved = world.session_op_digest(&op);
    assert_ne!(moved, rust);
    assert_eq!(moved, common::module_digest(&mut world, &op));
}

#[test]
fn sessions_install_and_validate_through_the_7702_path() {
    let mut world = frame_world();
    let a = *world.addresses();
    let key = &session_keys()[1];
    let p = policy(
        &world,
        r#"
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        "#,
    );
    // The EOA installs the session itself: there is no other owner.
    world.install_session(key.address(), &p).unwrap();
    let mut model = AccountState::new();
    model.install(key.address(), p).unwrap();

    let allowed = world.signed_op(key, 1, single(a.game, 0, &call("attack(uint256)", &[word(3)])));
    let forbidden = world.signed_op(
        key,
        2,
        single(a.game, 0, &call("useSkill(uint8,uint256)", &[word(1), word(2)])),
    );
    let verdicts: Vec<bool> = [&allowed, &forbidden]
        .iter()
        .map(|op| matches!(model_execute(&mut model, &world, NOW, op), Verdict::Allow(_)))
        .collect();
    assert_eq!(verdicts, [true, false]);
    let outcomes = world.run_bundle(NOW, &[allowed, forbidden]).unwrap();
    let OpOutcome::Executed { success: true, calls, .. } = &outcomes[0] else {
        panic!("{outcomes:?}")
    };
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].target, a.game);
    assert!(outcomes[1].denial().is_some(), "{outcomes:?}");
    let (_, counters) = world.session_state(key.address()).unwrap().expect("installed");
    assert_eq!(counters.calls, 1);

    // The stranger OWNER has no say over this account.
    let data = leash_fuzz::evm::ISessionManager::revokeSessionCall { key: key.address() };
    let execute = single(a.module, 0, &data.abi_encode());
    let mode = [0u8; 32];
    let call_data = leash_fuzz::evm::abi::ILeashAccount::executeCall {
        mode: mode.into(),
        executionCalldata: execute,
    }
    .abi_encode();
    let refused = world.setup_tx("execute as a stranger", OWNER, a.account, U256::ZERO, call_data);
    assert!(matches!(refused, Err(WorldError::Setup { .. })), "{refused:?}");
    world.revoke_session(key.address()).unwrap();
    let err = world.revoke_session(Address::ZERO).unwrap_err();
    assert!(matches!(err, CallError::UnknownSession { .. }), "{err:?}");
}

#[test]
fn a_stale_marker_op_is_refused_after_the_delegation_moves() {
    let mut world = frame_world();
    let a = *world.addresses();
    let key = &session_keys()[2];
    let p = policy(
        &world,
        r#"
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        "#,
    );
    world.install_session(key.address(), &p).unwrap();
    let op = world.signed_op(key, 1, single(a.game, 0, &call("attack(uint256)", &[word(3)])));
    let implementation = world.delegation_of(a.account).unwrap();
    // Cleared: the EntryPoint cannot hash a marker op whose sender delegates nothing, and
    // `handleOps` reverts outright (`Error("sender has no code")`, not a `FailedOp`).
    world.delegate_eoa(account_key(), Address::ZERO, OWNER).unwrap();
    let refused = world.run_bundle(NOW, std::slice::from_ref(&op));
    let Err(BundleError::UnattributedRevert { data, .. }) = &refused else { panic!("{refused:?}") };
    let reason = alloy_sol_types::Revert::abi_decode(data).unwrap().reason;
    assert_eq!(reason, "sender has no code");
    // Delegated back to the same code, the op's hash is the one it was signed over again.
    world.delegate_eoa(account_key(), implementation, OWNER).unwrap();
    let outcomes = world.run_bundle(NOW, &[op]).unwrap();
    assert!(outcomes[0].is_executed(), "{outcomes:?}");
}
