//! The redeem frame on the reference world: an op that is a transaction, its execution found in
//! one call into the account, the account's calls attributed to it; a revert before that call is
//! a denial, one after it an execution that failed and rolled everything back.

mod common;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolError};
use leash_fuzz::evm::abi::IGame;
use leash_fuzz::evm::redeem::revert_message;
use leash_fuzz::evm::world::DEPLOYER;
use leash_fuzz::evm::{
    AccountCall, CallKind, EvmDenial, OWNER, OpEntry, OpOutcome, Recording, World, account_key,
};
use leash_model::abi::execute::EXECUTE_SELECTOR;

use common::{NOW, call, single, word};

fn attacks(world: &mut World, player: Address) -> U256 {
    let game = world.addresses().game;
    let out = world
        .view_call("attacks", game, IGame::attacksCall { player }.abi_encode().into())
        .unwrap();
    IGame::attacksCall::abi_decode_returns(&out).unwrap()
}

/// The account's `execute` called by `caller`.
fn entry(caller: Address) -> OpEntry {
    OpEntry::CallInto { caller, selector: EXECUTE_SELECTOR }
}

#[test]
fn an_execution_inside_the_transaction_is_recorded_and_committed() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    let attack = call("attack(uint256)", &[word(3)]);
    let data = single(a.game, 0, &attack);
    let simulated =
        world.simulate_transaction_op(NOW, OWNER, a.account, data.clone(), entry(OWNER)).unwrap();
    assert_eq!(attacks(&mut world, a.account), U256::ZERO, "a simulation commits nothing");
    let outcome = world
        .run_transaction_op(NOW, OWNER, a.account, data.clone(), entry(OWNER), Recording::Calls)
        .unwrap();
    assert_eq!(outcome, simulated);
    let OpOutcome::Executed { success: true, revert_reason: None, calls, logs } = outcome else {
        panic!("{outcome:?}")
    };
    let expected = AccountCall {
        scheme: CallKind::Call,
        target: a.game,
        value: U256::ZERO,
        input: Bytes::from(attack),
        success: true,
        rolled_back: false,
        nesting: 0,
    };
    assert_eq!(calls, [expected]);
    assert_eq!(logs.len(), 1, "Game's Attacked");
    assert_eq!(attacks(&mut world, a.account), U256::from(1));
    assert_eq!(world.timestamp(), NOW);
    // Without the recorder: the same execution, no calls.
    let bare = world
        .run_transaction_op(NOW, OWNER, a.account, data, entry(OWNER), Recording::Off)
        .unwrap();
    assert!(
        matches!(bare, OpOutcome::Executed { success: true, ref calls, .. } if calls.is_empty())
    );
    assert_eq!(attacks(&mut world, a.account), U256::from(2));
}

#[test]
fn a_revert_after_the_execution_began_is_a_failed_execution() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    // Game refuses a purchase without payment: the account bubbles WrongPayment.
    let buy = call("buyLives(uint256)", &[word(1)]);
    let outcome = world
        .run_transaction_op(
            NOW,
            OWNER,
            a.account,
            single(a.game, 0, &buy),
            entry(OWNER),
            Recording::Calls,
        )
        .unwrap();
    let OpOutcome::Executed { success: false, revert_reason: Some(data), calls, logs } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(data[..4], IGame::WrongPayment::SELECTOR);
    assert!(logs.is_empty());
    assert_eq!(calls.len(), 1);
    assert!(!calls[0].success);
    assert_eq!(calls[0].target, a.game);
}

#[test]
fn a_revert_before_the_execution_began_is_a_denial() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    let data = single(a.game, 0, &call("attack(uint256)", &[word(1)]));
    // The account refuses a stranger before it executes anything: no entry frame started.
    for recording in [Recording::Calls, Recording::Off] {
        let outcome = world
            .run_transaction_op(NOW, DEPLOYER, a.account, data.clone(), entry(OWNER), recording)
            .unwrap();
        let OpOutcome::Denied(EvmDenial::Other { reason, data }) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(reason, revert_message(&data));
        assert!(reason.starts_with("custom error 0x"), "{reason}");
    }
    assert_eq!(attacks(&mut world, a.account), U256::ZERO);
}

#[test]
fn an_eip7702_account_is_recorded_as_the_account() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    let eoa = account_key().address();
    world.delegate_eoa(account_key(), a.account, OWNER).unwrap();
    world.set_eoa_account(eoa);
    assert_eq!(world.addresses().account, eoa);
    // The EOA sends its own execution (LeashAccount lets `address(this)` execute).
    let attack = call("attack(uint256)", &[word(9)]);
    let outcome = world
        .run_transaction_op(NOW, eoa, eoa, single(a.game, 0, &attack), entry(eoa), Recording::Calls)
        .unwrap();
    let OpOutcome::Executed { success: true, calls, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].target, calls[0].input.to_vec()), (a.game, attack));
    assert_eq!(attacks(&mut world, eoa), U256::from(1));
}
