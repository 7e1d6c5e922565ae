//! The world: deployment, the userOpHash, lifecycle calls and state readback.

mod common;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use leash_fuzz::evm::abi::{IEntryPoint, IGame, ILeashAccount};
use leash_fuzz::evm::userop::packed_user_op_typehash;
use leash_fuzz::evm::world::{ACCOUNT_NATIVE_BALANCE, ACCOUNT_TOKEN_BALANCE, OWNER};
use leash_fuzz::evm::{Addresses, CallError, World, encode_policy, session_keys};
use leash_model::{AccountState, Counters, Policy, PolicyError, Status};

use common::{NOW, call, policy, single, word};

#[test]
fn the_world_deploys_at_the_fixed_addresses() {
    let mut world = World::reference().unwrap();
    assert_eq!(*world.addresses(), Addresses::expected());
    let a = *world.addresses();
    let validator = world
        .view_call("validator", a.account, ILeashAccount::validatorCall {}.abi_encode().into())
        .unwrap();
    assert_eq!(ILeashAccount::validatorCall::abi_decode_returns(&validator).unwrap(), a.module);
    let owner = world
        .view_call("owner", a.account, ILeashAccount::ownerCall {}.abi_encode().into())
        .unwrap();
    assert_eq!(ILeashAccount::ownerCall::abi_decode_returns(&owner).unwrap(), OWNER);
    assert_eq!(world.native_balance(a.account), ACCOUNT_NATIVE_BALANCE);
    assert_eq!(world.token_balance(a.account).unwrap(), ACCOUNT_TOKEN_BALANCE);
}

/// A call, a signed empty op, and one with every hashed field set to something non-default
/// (its signature, which no digest covers, too).
fn varied_ops(world: &World) -> Vec<leash_fuzz::evm::PackedUserOperation> {
    let a = world.addresses();
    let attack = call("attack(uint256)", &[word(7)]);
    let mut odd = world.unsigned_op(3, Bytes::from_static(&[1, 2, 3]));
    odd.initCode = Bytes::from_static(&[9; 21]);
    odd.paymasterAndData = Bytes::from_static(&[8; 60]);
    odd.gasFees = B256::repeat_byte(0x11);
    odd.accountGasLimits = B256::repeat_byte(0x22);
    odd.preVerificationGas = U256::from(12345);
    odd.signature = Bytes::from_static(&[7; 70]);
    vec![
        world.unsigned_op(1, single(a.game, 0, &attack)),
        world.signed_op(&session_keys()[0], u64::MAX, Bytes::new()),
        odd,
    ]
}

#[test]
fn user_op_hash_equals_get_user_op_hash() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    let typehash = world
        .view_call(
            "getPackedUserOpTypeHash",
            a.entry_point,
            IEntryPoint::getPackedUserOpTypeHashCall {}.abi_encode().into(),
        )
        .unwrap();
    assert_eq!(B256::from_slice(&typehash), packed_user_op_typehash());

    for op in &varied_ops(&world) {
        let data = IEntryPoint::getUserOpHashCall { userOp: op.clone() }.abi_encode();
        let out = world.view_call("getUserOpHash", a.entry_point, data.into()).unwrap();
        let evm = IEntryPoint::getUserOpHashCall::abi_decode_returns(&out).unwrap();
        assert_eq!(world.user_op_hash(op), evm);
    }
}

#[test]
fn the_rust_session_digest_equals_the_modules_view() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    let mut ops = varied_ops(&world);
    let odd = ops.last().expect("three ops").clone();
    // Another sender: the digest binds the account.
    let mut elsewhere = odd.clone();
    elsewhere.sender = a.game;
    ops.push(elsewhere.clone());
    for op in &ops {
        assert_eq!(world.session_op_digest(op), common::module_digest(&mut world, op));
        // Not the EntryPoint's hash: the module binds the op itself.
        assert_ne!(world.session_op_digest(op), world.user_op_hash(op));
    }
    assert_ne!(world.session_op_digest(&odd), world.session_op_digest(&elsewhere));
    // A chain move changes every digest, on both sides.
    let before = world.session_op_digest(&odd);
    world.set_chain_id(10);
    assert_eq!(world.session_op_digest(&odd), common::module_digest(&mut world, &odd));
    assert_ne!(world.session_op_digest(&odd), before);
}

#[test]
fn install_and_revoke_match_the_model() {
    let mut world = World::reference().unwrap();
    let key = session_keys()[0].address();
    let p = policy(
        &world,
        r#"
        valid_until = 1800000000
        [rate_limit]
        max_calls = 3
        interval = 60
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        [[permissions.rules]]
        arg = 0
        lte = "100"
        limit = "1000"
        [[erc20]]
        token = "{token}"
        limit = "5"
        "#,
    );
    assert_eq!(world.session_state(key).unwrap(), None);
    world.install_session(key, &p).unwrap();
    assert_eq!(world.session_state(key).unwrap(), Some((Status::Active, Counters::default())));
    world.revoke_session(key).unwrap();
    assert_eq!(world.session_state(key).unwrap(), Some((Status::Revoked, Counters::default())));
    // Revoking a revoked session changes nothing (spec §2.2).
    world.revoke_session(key).unwrap();
    assert_eq!(world.session_state(key).unwrap().unwrap().0, Status::Revoked);
    // Reinstalling makes it active again.
    world.install_session(key, &p).unwrap();
    assert_eq!(world.session_state(key).unwrap().unwrap().0, Status::Active);
    // The raw view lists one entry per cap, rule and ring slot.
    let view = world.session_view(key).unwrap();
    assert_eq!((view.tokenSpent.len(), view.ruleUsed.len(), view.rateRing.len()), (1, 1, 3));

    // A reset forgets everything.
    world.reset();
    assert_eq!(world.session_state(key).unwrap(), None);
}

#[test]
fn lifecycle_errors_are_typed_and_match_the_model() {
    let mut world = World::reference().unwrap();
    let key = session_keys()[1].address();
    let mut model = AccountState::new();

    let err = world.install_session(Address::ZERO, &Policy::default()).unwrap_err();
    assert_eq!(err, CallError::ZeroKey { key: Address::ZERO });
    assert!(model.install(Address::ZERO, Policy::default()).is_err());

    let err = world.revoke_session(key).unwrap_err();
    assert_eq!(err, CallError::UnknownSession { key, reported: key });
    assert!(model.revoke(key).is_err());

    // An empty window (spec §12.1) is InvalidPolicy(2), the model's PolicyError code.
    let empty_window = Policy { valid_after: 10, valid_until: 10, ..Policy::default() };
    let code = match empty_window.validate() {
        Err(e @ PolicyError::EmptyWindow { .. }) => e.code(),
        other => panic!("the model accepted an empty window: {other:?}"),
    };
    assert_eq!(
        world.install_session(key, &empty_window).unwrap_err(),
        CallError::InvalidPolicy { code }
    );
    assert_eq!(world.session_state(key).unwrap(), None);

    // A timestamp the interface's uint48 cannot carry never reaches the module.
    let too_late = Policy { valid_until: 1 << 48, ..Policy::default() };
    assert!(matches!(world.install_session(key, &too_late), Err(CallError::Encode(_))));
    assert!(encode_policy(&too_late).is_err());
}

#[test]
fn state_survives_snapshots_and_time_moves() {
    let mut world = World::reference().unwrap();
    let key = session_keys()[2].address();
    world.set_timestamp(NOW);
    assert_eq!(world.timestamp(), NOW);
    let before = world.snapshot();
    world.install_session(key, &Policy::default()).unwrap();
    let installed = world.snapshot();
    world.restore(&before);
    assert_eq!(world.session_state(key).unwrap(), None);
    world.restore(&installed);
    assert!(world.session_state(key).unwrap().is_some());
    world.rebase();
    world.revoke_session(key).unwrap();
    world.reset();
    assert_eq!(world.session_state(key).unwrap().unwrap().0, Status::Active);
    // A view call commits nothing.
    let attacks = IGame::attacksCall { player: world.addresses().account }.abi_encode();
    let game = world.addresses().game;
    let out = world.view_call("attacks", game, attacks.into()).unwrap();
    assert_eq!(IGame::attacksCall::abi_decode_returns(&out).unwrap(), U256::ZERO);
}
