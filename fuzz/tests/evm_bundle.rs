//! Bundles through `handleOps`: executed ops and their recorded calls, each EVM denial kind next
//! to the model's verdict, and bundler semantics.

mod common;

use alloy_primitives::{Bytes, U256};
use alloy_sol_types::SolError;
use leash_fuzz::evm::abi::IGame;
use leash_fuzz::evm::{AccountCall, CallKind, EvmDenial, OpOutcome, World, session_keys};
use leash_model::{AccountState, DenyReason, Policy, Status};

use common::{NOW, batch, call, model_execute, policy, single, word};

/// A world with key 0 holding a session that may attack monsters up to 100, three times, until
/// `NOW + 1000`, and buy lives with at most 0.01 ether in total; the model holds the same.
fn game_session() -> (World, AccountState, Policy) {
    let mut world = World::reference().unwrap();
    let p = policy(
        &world,
        &format!(
            r#"
            valid_until = {until}
            usage_limit = 3
            [native]
            per_call = "0.01 ether"
            total = "0.01 ether"
            [[permissions]]
            target = "{{game}}"
            function = "attack(uint256)"
            [[permissions.rules]]
            arg = 0
            lte = "100"
            [[permissions]]
            target = "{{game}}"
            function = "buyLives(uint256)"
            "#,
            until = NOW + 1000
        ),
    );
    let key = session_keys()[0].address();
    world.set_timestamp(NOW);
    world.install_session(key, &p).unwrap();
    let mut model = AccountState::new();
    model.install(key, p.clone()).unwrap();
    (world, model, p)
}

fn attack(monster: u64) -> Vec<u8> {
    call("attack(uint256)", &[word(monster)])
}

#[test]
fn an_allowed_op_executes_the_expected_call_and_counts_like_the_model() {
    let (mut world, mut model, _) = game_session();
    let key = &session_keys()[0];
    let game = world.addresses().game;
    let data = attack(7);
    let op = world.signed_op(key, 1, single(game, 0, &data));

    let verdict = model_execute(&mut model, &world, NOW, &op);
    let effects = verdict.effects().expect("the model allows the op").clone();
    let outcomes = world.run_bundle(NOW, std::slice::from_ref(&op)).unwrap();

    let expected = AccountCall {
        scheme: CallKind::Call,
        target: game,
        value: U256::ZERO,
        input: Bytes::from(data.clone()),
        success: true,
        rolled_back: false,
        nesting: 0,
    };
    let [OpOutcome::Executed { success: true, revert_reason: None, calls: recorded, logs }] =
        &outcomes[..]
    else {
        panic!("one executed op expected: {outcomes:?}");
    };
    assert_eq!(recorded, &vec![expected]);
    // The game's event is attributed to the op that caused it.
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].address, game);
    // The recorded calls are the model's executions.
    let OpOutcome::Executed { calls, .. } = &outcomes[0] else { unreachable!() };
    assert_eq!(calls.len(), effects.executions.len());
    for (call, execution) in calls.iter().zip(effects.executions.iter()) {
        assert_eq!(
            (call.target, call.value, call.input.as_ref()),
            (execution.target, execution.value, execution.data)
        );
    }
    // The module's counters are the model's.
    let session = model.session(key.address()).unwrap();
    assert_eq!(
        world.session_state(key.address()).unwrap(),
        Some((Status::Active, session.counters))
    );
    assert_eq!(session.counters.calls, 1);
    // And the call happened.
    let attacks = IGame::attacksCall { player: world.addresses().account };
    let out = world
        .view_call("attacks", game, alloy_sol_types::SolCall::abi_encode(&attacks).into())
        .unwrap();
    assert_eq!(U256::from_be_slice(&out), U256::from(1));
}

#[test]
fn a_key_without_a_session_is_aa24_and_no_session_in_the_model() {
    let (mut world, mut model, _) = game_session();
    let game = world.addresses().game;
    let stranger = &session_keys()[1];
    let op = world.signed_op(stranger, 1, single(game, 0, &attack(7)));
    let verdict = model_execute(&mut model, &world, NOW, &op);
    assert_eq!(verdict.denial().unwrap().reason, DenyReason::NoSession);
    let outcomes = world.run_bundle(NOW, &[op]).unwrap();
    assert_eq!(outcomes, vec![OpOutcome::Denied(EvmDenial::SignatureFailed)]);
}

#[test]
fn malformed_signatures_are_aa24_and_trailing_bytes_are_ignored() {
    let (mut world, mut model, _) = game_session();
    let key = &session_keys()[0];
    let game = world.addresses().game;
    let good = world.signed_op(key, 1, single(game, 0, &attack(1)));

    let mut short = good.clone();
    short.nonce = U256::from(2u128 << 64);
    short.signature = good.signature.slice(..64);
    let mut bad_v = world.signed_op(key, 3, single(game, 0, &attack(1)));
    let mut sig = bad_v.signature.to_vec();
    sig[64] = 29;
    bad_v.signature = sig.into();
    let mut decoy = world.signed_op(key, 4, single(game, 0, &attack(2)));
    let mut sig = decoy.signature.to_vec();
    sig.extend_from_slice(&[0xde; 97]);
    decoy.signature = sig.into();

    let ops = [short, bad_v, decoy];
    let verdicts: Vec<_> = ops
        .iter()
        .map(|op| model_execute(&mut model, &world, NOW, op).denial().map(|d| d.reason))
        .collect();
    assert_eq!(verdicts, vec![Some(DenyReason::NoSession), Some(DenyReason::NoSession), None]);
    let outcomes = world.run_bundle(NOW, &ops).unwrap();
    assert_eq!(outcomes[0], OpOutcome::Denied(EvmDenial::SignatureFailed));
    assert_eq!(outcomes[1], OpOutcome::Denied(EvmDenial::SignatureFailed));
    assert!(
        matches!(&outcomes[2], OpOutcome::Executed { success: true, calls, .. } if calls.len() == 1)
    );
    assert_eq!(
        world.session_state(key.address()).unwrap().unwrap().1,
        model.session(key.address()).unwrap().counters
    );
}

#[test]
fn outside_the_window_is_aa22_and_not_yet_valid_or_expired_in_the_model() {
    let (mut world, mut model, _) = game_session();
    let key = &session_keys()[0];
    let game = world.addresses().game;
    let op = world.signed_op(key, 1, single(game, 0, &attack(7)));
    let late = NOW + 1001;
    let verdict = model_execute(&mut model, &world, late, &op);
    assert_eq!(verdict.denial().unwrap().reason, DenyReason::Expired);
    assert_eq!(
        world.run_bundle(late, std::slice::from_ref(&op)).unwrap(),
        vec![OpOutcome::Denied(EvmDenial::OutOfWindow)]
    );
    // The same op at the last valid second goes through (validUntil is inclusive in v0.8).
    let edge = NOW + 1000;
    assert!(model_execute(&mut model, &world, edge, &op).is_allow());
    assert!(world.run_bundle(edge, &[op]).unwrap()[0].is_executed());

    // validAfter is exclusive in v0.8.
    let mut world = World::reference().unwrap();
    let mut model = AccountState::new();
    let p = Policy {
        valid_after: NOW,
        ..policy(&world, "[[permissions]]\ntarget = \"{game}\"\nfunction = \"attack(uint256)\"")
    };
    world.install_session(key.address(), &p).unwrap();
    model.install(key.address(), p).unwrap();
    let op = world.signed_op(key, 1, single(game, 0, &attack(7)));
    let verdict = model_execute(&mut model, &world, NOW, &op);
    assert_eq!(verdict.denial().unwrap().reason, DenyReason::NotYetValid);
    assert_eq!(
        world.run_bundle(NOW, std::slice::from_ref(&op)).unwrap(),
        vec![OpOutcome::Denied(EvmDenial::OutOfWindow)]
    );
    assert!(world.run_bundle(NOW + 1, &[op]).unwrap()[0].is_executed());
}

#[test]
fn module_denials_are_aa23_with_the_models_code() {
    let (mut world, mut model, _) = game_session();
    let key = &session_keys()[0];
    let a = *world.addresses();
    let cases: Vec<Bytes> = vec![
        // §6.3: monster 101 > 100.
        single(a.game, 0, &attack(101)),
        // §5.3: no permission for pickup.
        single(a.game, 0, &call("pickup(address,uint256)", &[word(1), word(2)])),
        // §4.1: a call to the account itself.
        single(a.account, 0, &attack(1)),
        // §7.2: above the per-call native cap.
        single(a.game, 20_000_000_000_000_000, &call("buyLives(uint256)", &[word(20)])),
        // §3.1: not execute().
        Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]),
        // §3.6.x in a batch: item 1 has a dirty target word.
        {
            let mut b = batch(&[(a.game, 0, &attack(1)), (a.game, 0, &attack(2))]).to_vec();
            // The second item's target word: 100 (head) + 64 (array head) + 2*32 offsets + item 0 (4 words + 1 data word).
            let item1 = 100 + 64 + 64 + 128 + 64;
            b[item1] = 0x01;
            b.into()
        },
    ];
    let mut reasons = Vec::new();
    for (i, call_data) in cases.into_iter().enumerate() {
        let op = world.signed_op(key, i as u64 + 1, call_data);
        let denial =
            *model_execute(&mut model, &world, NOW, &op).denial().expect("the model denies");
        reasons.push(denial.reason);
        let outcome = world.run_bundle(NOW, &[op]).unwrap().remove(0);
        let OpOutcome::Denied(evm) = &outcome else { panic!("case {i}: executed: {outcome:?}") };
        assert_eq!(
            evm,
            &EvmDenial::Module {
                code: denial.reason.code(),
                execution: denial.execution.unwrap_or(0xff),
                detail: denial.detail.unwrap_or(0xff),
            },
            "case {i}: model says {denial}"
        );
        assert_eq!(evm.module_denial(), Some(denial));
    }
    use DenyReason::*;
    assert_eq!(
        reasons,
        vec![ArgCondition, NotPermitted, SelfCall, NativePerCall, NotExecute, DirtyTarget]
    );
    // No denial moved a counter (spec §1.3).
    assert_eq!(world.session_state(key.address()).unwrap().unwrap().1.calls, 0);

    // §2.3.2: revoked.
    world.revoke_session(key.address()).unwrap();
    model.revoke(key.address()).unwrap();
    let op = world.signed_op(key, 99, single(a.game, 0, &attack(1)));
    assert_eq!(
        model_execute(&mut model, &world, NOW, &op).denial().unwrap().reason,
        DenyReason::Revoked
    );
    let outcome = world.run_bundle(NOW, &[op]).unwrap().remove(0);
    assert_eq!(
        outcome,
        OpOutcome::Denied(EvmDenial::Module {
            code: DenyReason::Revoked.code(),
            execution: 0xff,
            detail: 0xff
        })
    );
}

#[test]
fn a_denied_op_is_dropped_and_the_rest_of_the_bundle_executes() {
    let (mut world, mut model, _) = game_session();
    let key = &session_keys()[0];
    let game = world.addresses().game;
    let ops = [
        world.signed_op(key, 1, single(game, 0, &attack(5))),
        world.signed_op(key, 2, single(game, 0, &attack(500))),
        world.signed_op(key, 3, single(game, 0, &attack(6))),
    ];
    let verdicts: Vec<bool> =
        ops.iter().map(|op| model_execute(&mut model, &world, NOW, op).is_allow()).collect();
    assert_eq!(verdicts, vec![true, false, true]);

    let outcomes = world.run_bundle(NOW, &ops).unwrap();
    assert!(matches!(
        outcomes[1],
        OpOutcome::Denied(EvmDenial::Module { code: 67, execution: 0, detail: 0 })
    ));
    for (i, monster) in [(0, 5u64), (2, 6)] {
        let OpOutcome::Executed { success: true, calls, .. } = &outcomes[i] else {
            panic!("op {i}: {:?}", outcomes[i])
        };
        assert_eq!(calls.len(), 1, "op {i}");
        assert_eq!(calls[0].input.as_ref(), attack(monster).as_slice(), "op {i}");
    }
    assert_eq!(
        world.session_state(key.address()).unwrap().unwrap().1,
        model.session(key.address()).unwrap().counters
    );
    assert_eq!(model.session(key.address()).unwrap().counters.calls, 2);
}

#[test]
fn a_reverting_execution_is_recorded_as_rolled_back_and_still_counts() {
    let (mut world, mut model, _) = game_session();
    let key = &session_keys()[0];
    let game = world.addresses().game;
    // buyLives(1) without payment reverts WrongPayment, which the account bubbles: the whole
    // execution reverts, undoing the attack before it. Validation already counted both (§13.1).
    let buy = call("buyLives(uint256)", &[word(1)]);
    let op = world.signed_op(key, 1, batch(&[(game, 0, &attack(1)), (game, 0, &buy)]));
    assert!(model_execute(&mut model, &world, NOW, &op).is_allow());
    let outcome = world.run_bundle(NOW, &[op]).unwrap().remove(0);
    let wrong_payment = IGame::WrongPayment { count: U256::from(1), paid: U256::ZERO }.abi_encode();
    let OpOutcome::Executed { success, revert_reason, calls, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(!success);
    assert_eq!(revert_reason, Some(Bytes::from(wrong_payment)));
    let flags: Vec<(bool, bool)> = calls.iter().map(|c| (c.success, c.rolled_back)).collect();
    assert_eq!(flags, vec![(true, true), (false, true)]);
    assert_eq!(
        world.session_state(key.address()).unwrap().unwrap().1,
        model.session(key.address()).unwrap().counters
    );
    assert_eq!(model.session(key.address()).unwrap().counters.calls, 2);

    // A paid life goes through, with value.
    let price = 1_000_000_000_000_000u64;
    let op = world.signed_op(key, 2, single(game, price, &buy));
    assert!(model_execute(&mut model, &world, NOW, &op).is_allow());
    let outcome = world.run_bundle(NOW, &[op]).unwrap().remove(0);
    let OpOutcome::Executed { success: true, calls, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(calls[0].value, U256::from(price));
    assert_eq!(
        world.session_state(key.address()).unwrap().unwrap().1,
        model.session(key.address()).unwrap().counters
    );
}

#[test]
fn the_bare_mode_gives_the_same_outcomes_without_calls() {
    let (mut world, _, _) = game_session();
    let key = &session_keys()[0];
    let game = world.addresses().game;
    let ops = [
        world.signed_op(key, 1, single(game, 0, &attack(5))),
        world.signed_op(&session_keys()[3], 2, single(game, 0, &attack(5))),
    ];
    let start = world.snapshot();
    let recorded = world.run_bundle(NOW, &ops).unwrap();
    world.restore(&start);
    let bare = world.run_bundle_bare(NOW, &ops).unwrap();
    assert_eq!(bare[1], recorded[1]);
    assert!(
        matches!(&bare[0], OpOutcome::Executed { success: true, revert_reason: None, calls, .. } if calls.is_empty())
    );
    assert!(matches!(&recorded[0], OpOutcome::Executed { calls, .. } if calls.len() == 1));
}

#[test]
fn an_empty_bundle_and_a_duplicate_nonce() {
    let (mut world, _, _) = game_session();
    assert_eq!(world.run_bundle(NOW, &[]).unwrap(), vec![]);
    let key = &session_keys()[0];
    let game = world.addresses().game;
    let op = world.signed_op(key, 7, single(game, 0, &attack(5)));
    // The second op reuses the nonce key: AA25, and the first one still executes.
    let outcomes = world.run_bundle(NOW, &[op.clone(), op]).unwrap();
    assert!(outcomes[0].is_executed());
    assert!(
        matches!(&outcomes[1], OpOutcome::Denied(EvmDenial::Other { reason, .. }) if reason.starts_with("AA25"))
    );
}

#[test]
fn every_counter_matches_the_model_over_a_sequence() {
    let mut world = World::reference().unwrap();
    let a = *world.addresses();
    let p = policy(
        &world,
        r#"
        [native]
        per_call = "5"
        total = "12"
        [rate_limit]
        max_calls = 4
        interval = 100
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        [[permissions.rules]]
        arg = 0
        lte = "100"
        limit = "150"
        [[permissions]]
        target = "0x000000000000000000000000000000000000bEEF"
        selector = "empty"
        [[permissions]]
        target = "{router}"
        function = "swap(address,uint256,bytes,uint256)"
        [[permissions.rules]]
        arg = 2
        slice = { offset = 0, length = 4 }
        eq = "0x01020304"
        [[permissions.rules]]
        arg = 1
        lte = "1000"
        limit = "1500"
        [[permissions]]
        target = "{token}"
        function = "transfer(address,uint256)"
        [[permissions]]
        target = "{token}"
        function = "approve(address,uint256)"
        [[erc20]]
        token = "{token}"
        limit = "700"
        "#,
    );
    let key = &session_keys()[0];
    world.set_timestamp(NOW);
    world.install_session(key.address(), &p).unwrap();
    let mut model = AccountState::new();
    model.install(key.address(), p).unwrap();
    let eoa: alloy_primitives::Address =
        "0x000000000000000000000000000000000000bEEF".parse().unwrap();

    let path = leash_model::abi::args::ArgValue::Dynamic(&[1, 2, 3, 4, 5]);
    let swap = |amount| {
        call(
            "swap(address,uint256,bytes,uint256)",
            &[
                leash_model::abi::args::ArgValue::Word(U256::from_be_slice(a.token.as_slice())),
                word(amount),
                path,
                word(1),
            ],
        )
    };
    let to = leash_model::abi::args::ArgValue::Word(U256::from(0xbeefu64));
    let transfer = |amount| call("transfer(address,uint256)", &[to, word(amount)]);
    let approve = |amount| call("approve(address,uint256)", &[to, word(amount)]);
    let bundles: Vec<(u64, Vec<Bytes>)> = vec![
        (NOW, vec![single(eoa, 3, &[]), single(a.game, 0, &attack(60))]),
        (NOW + 10, vec![batch(&[(a.router, 0, &swap(900)), (a.token, 0, &transfer(300))])]),
        // Rate limit: a fifth call within 100 s.
        (NOW + 20, vec![single(a.game, 0, &attack(1))]),
        (NOW + 101, vec![single(a.token, 0, &approve(400)), single(a.token, 0, &approve(1))]),
        (
            NOW + 202,
            vec![single(a.router, 0, &swap(700)), single(eoa, 5, &[]), single(eoa, 5, &[])],
        ),
        (NOW + 303, vec![single(a.game, 0, &attack(91)), single(a.game, 0, &attack(89))]),
    ];
    let mut nonce = 0;
    let mut denied = Vec::new();
    for (now, calls) in bundles {
        let ops: Vec<_> = calls
            .into_iter()
            .map(|cd| {
                nonce += 1;
                world.signed_op(key, nonce, cd)
            })
            .collect();
        let verdicts: Vec<Option<u8>> = ops
            .iter()
            .map(|op| model_execute(&mut model, &world, now, op).denial().map(|d| d.reason.code()))
            .collect();
        let outcomes = world.run_bundle(now, &ops).unwrap();
        for (i, (verdict, outcome)) in verdicts.iter().zip(&outcomes).enumerate() {
            match (verdict, outcome) {
                (None, OpOutcome::Executed { success: true, .. }) => {}
                (Some(code), OpOutcome::Denied(EvmDenial::Module { code: evm, .. })) => {
                    assert_eq!(code, evm, "at {now} op {i}");
                    denied.push(*code);
                }
                other => panic!("at {now} op {i}: {other:?}"),
            }
        }
        assert_eq!(
            world.session_state(key.address()).unwrap(),
            Some((Status::Active, model.session(key.address()).unwrap().counters)),
            "after the bundle at {now}"
        );
    }
    use DenyReason::*;
    assert_eq!(denied, [RateLimit, TokenCap, ArgLimit, NativeTotal, ArgLimit].map(|r| r.code()));
    let counters = model.session(key.address()).unwrap().counters;
    assert_eq!(counters.token_spent[0], U256::from(700));
    assert_eq!(counters.native_spent, U256::from(8));
    assert_eq!(counters.rule_used[0][0], U256::from(149));
    assert_eq!(counters.rule_used[2][1], U256::from(900));
    assert_eq!(counters.rate_ring[..4], [NOW + 101, NOW + 202, NOW + 303, NOW + 10]);
    assert_eq!(counters.rate_head, 3);
}

/// Spec §1.4.3: EntryPoint v0.8 reverts the whole `handleOps` with a plain `Error(string)` for a
/// `paymasterAndData` of 1 to 51 bytes (`AA93`) or one naming `address(0)` (`AA98`), naming no
/// op; the bundler pins it on the malformed op, drops it and the ops around it go through.
#[test]
fn a_malformed_paymaster_field_is_dropped_and_the_rest_of_the_bundle_executes() {
    let (mut world, _, _) = game_session();
    let key = &session_keys()[0];
    let game = world.addresses().game;
    let paymaster = world.addresses().paymasters[0];
    let with_field = |world: &World, nonce_key: u64, field: Vec<u8>| {
        let mut op = world.unsigned_op(nonce_key, single(game, 0, &attack(5)));
        op.paymasterAndData = field.into();
        op.signature = Bytes::copy_from_slice(&key.sign_hash(world.session_op_digest(&op)));
        op
    };
    let mut sponsored = paymaster.to_vec();
    sponsored.extend_from_slice(&1_000_000u128.to_be_bytes());
    sponsored.extend_from_slice(&0u128.to_be_bytes());
    let mut zero = sponsored.clone();
    zero[..20].fill(0);
    for (field, reason) in [
        (sponsored[..51].to_vec(), "AA93 invalid paymasterAndData"),
        (sponsored[..1].to_vec(), "AA93 invalid paymasterAndData"),
        (zero, "AA98 invalid paymaster"),
    ] {
        let start = world.snapshot();
        let ops = [
            world.signed_op(key, 1, single(game, 0, &attack(5))),
            with_field(&world, 2, field.clone()),
            world.signed_op(key, 3, single(game, 0, &attack(6))),
        ];
        let outcomes = world.run_bundle(NOW, &ops).unwrap();
        assert!(outcomes[0].is_executed() && outcomes[2].is_executed(), "{outcomes:?}");
        assert_eq!(
            outcomes[1],
            OpOutcome::Denied(EvmDenial::Other { reason: reason.into(), data: Bytes::new() }),
            "{} bytes",
            field.len()
        );
        // Unmalformed, the same op goes through with the paymaster paying.
        let fixed = with_field(&world, 2, sponsored.clone());
        assert!(world.run_bundle(NOW, &[fixed]).unwrap()[0].is_executed());
        world.restore(&start);
    }
}
