//! The call recorder, driven through an allow-all module so that executions the reference module
//! would deny (delegatecall, the `address(0)` self alias, try mode) can run.

mod common;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use leash_fuzz::evm::abi::ILeashAccount;
use leash_fuzz::evm::{Artifact, ArtifactSet, CallKind, OpOutcome, World, session_keys};

use common::{NOW, batch, call, single, word};

/// A module whose every function returns one zero word: `validateUserOp` answers 0 (valid, no
/// window) to any op, whoever signed it.
fn allow_all_world() -> World {
    // Runtime: PUSH1 0 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
    let runtime = "600060005260206000f3";
    // Init: PUSH10 runtime, PUSH1 0, MSTORE, PUSH1 10, PUSH1 22, RETURN.
    let init = format!("69{runtime}600052600a6016f3");
    let json = format!(
        r#"{{"abi": [], "bytecode": {{"object": "0x{init}"}}, "deployedBytecode": {{"object": "0x{runtime}"}}}}"#
    );
    let mut set = ArtifactSet::reference().unwrap();
    set.module = Artifact::from_json("allow-all", &json).unwrap();
    World::new(&set).unwrap()
}

fn execute(mode: [u8; 32], payload: &[u8]) -> Bytes {
    ILeashAccount::executeCall {
        mode: B256::from(mode),
        executionCalldata: payload.to_vec().into(),
    }
    .abi_encode()
    .into()
}

fn mode(call_type: u8, exec_type: u8) -> [u8; 32] {
    let mut m = [0u8; 32];
    m[0] = call_type;
    m[1] = exec_type;
    m
}

#[test]
fn validation_calls_are_not_recorded_and_each_op_gets_its_own_calls() {
    let mut world = allow_all_world();
    let key = &session_keys()[0];
    let game = world.addresses().game;
    let attack = |n| call("attack(uint256)", &[word(n)]);
    let ops = [
        world.signed_op(key, 1, single(game, 0, &attack(1))),
        // Empty callData: the EntryPoint runs no account call, but the op still has a slot.
        world.signed_op(key, 2, Bytes::new()),
        world.signed_op(key, 3, batch(&[(game, 0, &attack(2)), (game, 0, &attack(3))])),
    ];
    let outcomes = world.run_bundle(NOW, &ops).unwrap();
    let inputs = |o: &OpOutcome| match o {
        OpOutcome::Executed { calls, .. } => {
            calls.iter().map(|c| c.input.to_vec()).collect::<Vec<_>>()
        }
        OpOutcome::Denied(d) => panic!("denied: {d:?}"),
    };
    assert_eq!(inputs(&outcomes[0]), vec![attack(1)]);
    assert_eq!(inputs(&outcomes[1]), Vec::<Vec<u8>>::new());
    assert_eq!(inputs(&outcomes[2]), vec![attack(2), attack(3)]);
}

#[test]
fn delegatecalls_and_self_calls_are_recorded_with_their_nesting() {
    let mut world = allow_all_world();
    let key = &session_keys()[0];
    let a = *world.addresses();
    let attack = call("attack(uint256)", &[word(9)]);

    // Delegatecall: target(20) | callData.
    let mut payload = a.game.to_vec();
    payload.extend_from_slice(&attack);
    let op = world.signed_op(key, 1, execute(mode(0xff, 0), &payload));
    let outcome = world.run_bundle(NOW, &[op]).unwrap().remove(0);
    let OpOutcome::Executed { success: true, calls, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].scheme, calls[0].target, calls[0].nesting),
        (CallKind::DelegateCall, a.game, 0)
    );
    assert_eq!(calls[0].input.as_ref(), attack.as_slice());

    // Target address(0) is the account itself: the account calls itself, which calls the game.
    let inner_execute = single(a.game, 0, &attack);
    let op = world.signed_op(key, 2, single(Address::ZERO, 0, &inner_execute));
    let outcome = world.run_bundle(NOW, &[op]).unwrap().remove(0);
    let OpOutcome::Executed { success: true, calls, .. } = outcome else { panic!("{outcome:?}") };
    let seen: Vec<_> = calls.iter().map(|c| (c.scheme, c.target, c.nesting, c.success)).collect();
    assert_eq!(seen, vec![(CallKind::Call, a.account, 0, true), (CallKind::Call, a.game, 1, true)]);
}

#[test]
fn try_mode_failures_are_not_rolled_back_but_default_mode_ones_are() {
    let mut world = allow_all_world();
    let key = &session_keys()[0];
    let game = world.addresses().game;
    let attack = call("attack(uint256)", &[word(1)]);
    let unpaid = call("buyLives(uint256)", &[word(1)]);
    let items =
        [(game, 0, attack.as_slice()), (game, 0, unpaid.as_slice()), (game, 0, attack.as_slice())];
    let payload =
        leash_model::abi::execute::encode_batch_calldata(&items.map(|(target, value, data)| {
            leash_model::Execution { target, value: U256::from(value), data }
        }));

    let op = world.signed_op(key, 1, execute(mode(1, 1), &payload));
    let outcome = world.run_bundle(NOW, &[op]).unwrap().remove(0);
    let OpOutcome::Executed { success: true, calls, .. } = outcome else { panic!("{outcome:?}") };
    let flags: Vec<_> = calls.iter().map(|c| (c.success, c.rolled_back)).collect();
    assert_eq!(flags, vec![(true, false), (false, false), (true, false)]);

    let op = world.signed_op(key, 2, execute(mode(1, 0), &payload));
    let outcome = world.run_bundle(NOW, &[op]).unwrap().remove(0);
    let OpOutcome::Executed { success: false, calls, revert_reason: Some(_), .. } = outcome else {
        panic!("{outcome:?}")
    };
    let flags: Vec<_> = calls.iter().map(|c| (c.success, c.rolled_back)).collect();
    assert_eq!(flags, vec![(true, true), (false, true)]);
}
