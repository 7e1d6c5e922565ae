use alloy_primitives::{Address, address};
use arbitrary::Unstructured;

use super::case::policy;
use super::*;
use crate::case::{Case, Step};
use crate::corpus::{Entry, Provenance};

pub(crate) fn test_catalog() -> Catalog {
    let token = address!("0x000000000000000000000000000000000000707e");
    Catalog {
        account: address!("0x00000000000000000000000000000000000acc01"),
        module: address!("0x000000000000000000000000000000000000d0d1"),
        contracts: vec![
            Contract {
                name: "token".into(),
                address: token,
                functions: vec![
                    Function::new("transfer(address,uint256)", false),
                    Function::new("approve(address,uint256)", false),
                ],
                receives: false,
            },
            Contract {
                name: "game".into(),
                address: address!("0x0000000000000000000000000000000000009a3e"),
                functions: vec![
                    Function::new("attack(uint256)", false),
                    Function::new("useSkill(uint8,uint256)", false),
                    Function::new("buyLives(uint256)", true),
                ],
                receives: true,
            },
            Contract {
                name: "router".into(),
                address: address!("0x0000000000000000000000000000000000000b07"),
                functions: vec![Function::new("swap(address,uint256,bytes,uint256)", false)],
                receives: false,
            },
        ],
        tokens: vec![token],
        bystanders: vec![Address::with_last_byte(0xb1), Address::with_last_byte(0xb2)],
        words: Vec::new(),
        frame: crate::evm::Frame::Deployed,
        paymasters: vec![Address::with_last_byte(0x90)],
        replays: true,
        chain_moves: true,
        other_account: true,
        refused_lifecycle: true,
    }
}

fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn case(seed: u64, config: &CaseConfig) -> Case {
    let data = bytes(seed, 8192);
    generate_case(&mut Unstructured::new(&data), &test_catalog(), config).unwrap()
}

#[test]
fn generated_policies_are_valid_and_use_every_rule() {
    let catalog = test_catalog();
    let (mut native, mut tokens, mut rules, mut usage, mut rate, mut any, mut empty) =
        (0, 0, 0, 0, 0, 0, 0);
    for seed in 0..500 {
        let data = bytes(seed, 1024);
        let p = policy(&mut Unstructured::new(&data), &catalog, 1_700_000_000).unwrap();
        assert_eq!(p.validate(), Ok(()), "{p:?}");
        native += usize::from(p.native.is_some());
        tokens += usize::from(!p.erc20.is_empty());
        rules += usize::from(p.permissions.iter().any(|q| !q.rules.is_empty()));
        usage += usize::from(p.usage_limit.is_some());
        rate += usize::from(p.rate_limit.is_some());
        any += usize::from(p.permissions.iter().any(|q| q.target == leash_model::Target::Any));
        empty +=
            usize::from(p.permissions.iter().any(|q| q.selector == leash_model::Selector::Empty));
    }
    for (what, n) in [
        ("native", native),
        ("erc20", tokens),
        ("rules", rules),
        ("usage", usage),
        ("rate", rate),
        ("wildcard", any),
        ("empty selector", empty),
    ] {
        assert!(n >= 25, "only {n} of 500 policies have {what}");
    }
}

#[test]
fn cases_start_with_an_install_and_round_trip_through_json() {
    for seed in 0..50 {
        let c = case(seed, &CaseConfig::default());
        assert!(matches!(c.steps[0], Step::Install { key: 0, .. }));
        // What the generator writes, leash reads back (`docs/limits.md`).
        assert_eq!(c.check(), Ok(()));
        let entry = Entry::new("reference", None, None, Provenance::default(), c.clone());
        assert_eq!(Entry::from_json(&entry.to_json()).unwrap().case, c);
    }
}

#[test]
fn op_bytes_are_what_their_recipes_derive() {
    for seed in 0..50 {
        for step in case(seed, &CaseConfig::default()).steps {
            if let Step::Bundle { ops } = step {
                for op in ops {
                    let derived = op.recipe.as_ref().unwrap().derive().unwrap();
                    assert_eq!(derived.call_data, op.call_data);
                    assert_eq!(derived.signature_tail, op.signature_tail);
                }
            }
        }
    }
}

#[test]
fn canonical_only_cases_are_never_mutated() {
    let config = CaseConfig { mutate: false, ..CaseConfig::default() };
    let (mut mutated, mut total) = (0, 0);
    for seed in 0..100 {
        assert!(!case(seed, &config).is_mutated());
        let c = case(seed, &CaseConfig::default());
        total += 1;
        mutated += usize::from(c.is_mutated());
    }
    assert!(mutated * 2 >= total, "only {mutated} of {total} default cases mutate an op");
}

#[test]
fn cases_revoke_reinstall_and_move_the_clock() {
    let (mut revoke, mut reinstall, mut amended, mut time, mut multi) = (0, 0, 0, 0, 0);
    for seed in 0..200 {
        let c = case(seed, &CaseConfig::default());
        let installs: Vec<(u8, &Policy)> = c
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Install { key, policy } => Some((*key, &**policy)),
                _ => None,
            })
            .collect();
        let earlier = |i: usize| installs[..i].iter().rev().find(|(k, _)| *k == installs[i].0);
        revoke += usize::from(c.steps.iter().any(|s| matches!(s, Step::Revoke { .. })));
        reinstall += usize::from((0..installs.len()).any(|i| earlier(i).is_some()));
        amended +=
            usize::from((0..installs.len()).any(|i| {
                earlier(i).is_some_and(|(_, p)| p.permissions == installs[i].1.permissions)
            }));
        time += usize::from(c.steps.iter().any(|s| matches!(s, Step::Time { .. })));
        multi +=
            usize::from(c.steps.iter().any(|s| matches!(s, Step::Bundle { ops } if ops.len() > 1)));
    }
    for (what, n) in [
        ("revoke", revoke),
        ("reinstall a key", reinstall),
        ("reinstall a key with its permissions kept", amended),
        ("time", time),
        ("multi-op bundle", multi),
    ] {
        assert!(n >= 20, "only {n} of 200 cases {what}");
    }
}

/// Issue #17 D1: a valid policy whose slice ends at 2^32 made the generator grow the argument's
/// content to 4 GiB (and 1 MB offsets wrote corpus entries of hundreds of MB).
#[test]
fn slices_far_into_a_dynamic_argument_do_not_grow_generated_calldata() {
    use leash_model::{ArgRule, Condition, Permission, Selector, Slice, Target};
    let game = test_catalog().contracts[1].address;
    let (selector, args) = leash_model::format::parse_function("f(bytes,bytes)").unwrap();
    let rule = |arg: u8, offset: u32| ArgRule {
        arg,
        slice: Some(Slice { offset, length: 32 }),
        condition: Condition::Lt(U256::from(5)),
        limit: None,
    };
    let mut policy = Policy::default();
    policy
        .permissions
        .push(Permission {
            target: Target::Address(game),
            selector: Selector::Exact(selector),
            args: Some(leash_model::BoundedVec::try_from_iter(args).unwrap()),
            rules: leash_model::BoundedVec::try_from_iter([
                rule(0, u32::MAX - 31),
                rule(1, 1 << 20),
            ])
            .unwrap(),
        })
        .unwrap();
    assert_eq!(policy.validate(), Ok(()));
    let config = CaseConfig { policy: Some(Box::new(policy)), ..CaseConfig::default() };
    let mut ops = 0;
    for seed in 0..200 {
        for step in case(seed, &config).steps {
            if let Step::Bundle { ops: bundle } = step {
                for op in bundle {
                    ops += 1;
                    assert!(op.call_data.len() < 16 * 1024, "{} bytes", op.call_data.len());
                }
            }
        }
    }
    assert!(ops > 100, "only {ops} ops");
}

/// Spec §12's generator: each broken policy breaks the clause it meant (the first one
/// `Policy::validate` reports), every clause gets broken, and a case carries the broken policy
/// through its JSON while a policy file still refuses it.
/// Line 495 of `SessionManager.sol` (spec §12.6's duplicate-token loop) was never seen telling two
/// tokens apart: with one token in the catalog, every list it checked held only twins.
#[test]
fn duplicate_token_breaks_also_put_the_twins_among_distinct_tokens() {
    let catalog = test_catalog();
    assert_eq!(catalog.tokens.len(), 1, "the case this reproduces: a one-token catalog");
    let (mut duplicates, mut among_distinct) = (0, 0);
    for seed in 0..600 {
        let data = bytes(seed, 2048);
        let mut u = Unstructured::new(&data);
        let valid = policy(&mut u, &catalog, 1_700_000_000).unwrap();
        let Some(broken) = super::validity::broken_policy(&mut u, &valid).unwrap() else {
            continue;
        };
        if broken.validate().err().map(|e| e.code()) != Some(7) {
            continue;
        }
        duplicates += 1;
        let tokens: Vec<Address> = broken.erc20.iter().map(|cap| cap.token).collect();
        let first_repeat = (1..tokens.len()).find(|&t| tokens[..t].contains(&tokens[t]));
        let before = &tokens[..first_repeat.expect("a duplicate-token break repeats a token")];
        if before.iter().any(|t| *t != before[0]) {
            among_distinct += 1;
            assert!(before.iter().all(|t| !t.is_zero()), "{tokens:?}");
        }
    }
    assert!(among_distinct >= 5, "{among_distinct} of {duplicates} duplicate-token breaks");
    assert!(among_distinct < duplicates, "{among_distinct} of {duplicates}: plain twins too");
}

#[test]
fn broken_policies_break_every_clause_and_round_trip_through_cases() {
    use leash_model::{BoundedVec, GasLimit, PaymasterRule, Policy};
    let catalog = test_catalog();
    let mut codes = std::collections::BTreeSet::new();
    // §12.10 and §12.11 refuse an empty list as well as a zero or repeated entry.
    let mut empty_lists = std::collections::BTreeSet::new();
    for seed in 0..600 {
        let data = bytes(seed, 2048);
        let mut u = Unstructured::new(&data);
        let mut valid = policy(&mut u, &catalog, 1_700_000_000).unwrap();
        if seed % 3 == 0 {
            // Spec v3's parts, which the reference catalog's policies do not have.
            valid.chains = Some(BoundedVec::try_from_iter([1, 10]).unwrap());
            let paymasters = BoundedVec::try_from_iter([Address::with_last_byte(0x9a)]).unwrap();
            valid.gas = Some(GasLimit {
                paymaster: PaymasterRule::OneOf(paymasters),
                max_fee_per_gas: None,
                per_op: None,
                total: None,
            });
        }
        assert_eq!(valid.validate(), Ok(()));
        let Some(broken) = super::validity::broken_policy(&mut u, &valid).unwrap() else {
            continue;
        };
        codes.insert(broken.validate().expect_err("a broken policy is invalid").code());
        if broken.chains.as_ref().is_some_and(BoundedVec::is_empty) {
            empty_lists.insert("chains");
        }
        if let Some(GasLimit { paymaster: PaymasterRule::OneOf(list), .. }) = &broken.gas
            && list.is_empty()
        {
            empty_lists.insert("paymasters");
        }
        let case = Case { steps: vec![Step::Install { key: 0, policy: Box::new(broken.clone()) }] };
        let json =
            Entry::new("reference", None, None, Provenance::default(), case.clone()).to_json();
        assert_eq!(Entry::from_json(&json).unwrap().case, case, "{json}");
        let file = serde_json::to_string(&broken).unwrap();
        assert!(serde_json::from_str::<Policy>(&file).is_err(), "a policy file took {file}");
    }
    let every: std::collections::BTreeSet<u8> = [2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14].into();
    assert_eq!(codes, every);
    assert_eq!(empty_lists, ["chains", "paymasters"].into());
}

/// Spec §1.4.3: sponsored ops now and then carry a `paymasterAndData` the EntryPoint refuses:
/// cut at each boundary (1, 19, 20, 21 and 51 bytes) and elsewhere below 52 (`AA93`), or whole
/// but naming `address(0)` (`AA98`); sound fields still dominate.
#[test]
fn sponsored_ops_sometimes_carry_a_paymaster_field_the_entry_point_refuses() {
    use crate::evm::userop::{AA98_INVALID_PAYMASTER, paymaster_and_data_refusal};
    let mut lengths = std::collections::BTreeSet::new();
    let (mut nobody, mut sound) = (0, 0);
    for seed in 0..400 {
        for step in case(seed, &CaseConfig::default()).steps {
            let Step::Bundle { ops } = step else { continue };
            for gas in ops.iter().filter_map(|op| op.gas.as_ref()) {
                let field = &gas.paymaster_and_data;
                match paymaster_and_data_refusal(field) {
                    Some(AA98_INVALID_PAYMASTER) => nobody += 1,
                    Some(_) => {
                        lengths.insert(field.len());
                    }
                    None if !field.is_empty() => sound += 1,
                    None => {}
                }
            }
        }
    }
    for boundary in [1, 19, 20, 21, 51] {
        assert!(lengths.contains(&boundary), "no field cut to {boundary} bytes: {lengths:?}");
    }
    assert!(lengths.len() >= 8, "cut lengths: {lengths:?}");
    assert!(nobody >= 3, "{nobody} fields named address(0)");
    assert!(sound >= 20 * (lengths.len() + nobody), "{sound} sound fields");
}

/// The redeem frame's catalog (`replays` off, `chain_moves` on, spec §P3): cases move chains
/// and never replay; with both off, neither.
#[test]
fn chain_moves_and_replays_are_generated_apart() {
    let count = |catalog: &Catalog| {
        let (mut moves, mut replays) = (0, 0);
        for seed in 0..200 {
            let data = bytes(seed, 8192);
            let case =
                generate_case(&mut Unstructured::new(&data), catalog, &CaseConfig::default())
                    .unwrap();
            for step in &case.steps {
                match step {
                    Step::Chain { .. } => moves += 1,
                    Step::Bundle { ops } => {
                        replays += ops.iter().filter(|op| op.replay.is_some()).count();
                    }
                    _ => {}
                }
            }
        }
        (moves, replays)
    };
    let redeem = Catalog { replays: false, ..test_catalog() };
    let (moves, replays) = count(&redeem);
    assert!(moves >= 20 && replays == 0, "{moves} chain moves, {replays} replays");
    let (moves, replays) = count(&Catalog { chain_moves: false, ..redeem });
    assert_eq!((moves, replays), (0, 0));
    let (moves, replays) = count(&test_catalog());
    assert!(moves >= 20 && replays >= 20, "{moves} chain moves, {replays} replays");
}

/// Spec §1.4.4: cases give ops another installed key's signature, in the signer's place and as
/// a tail, and some tails follow the signature of a key without a session; the other key is
/// always an installed one.
#[test]
fn cases_give_ops_another_installed_keys_signature_in_place_and_as_a_tail() {
    use crate::case::{Replay, Signer};
    let (mut signed_by, mut tails, mut tails_after_stranger) = (0, 0, 0);
    for seed in 0..600 {
        let c = case(seed, &CaseConfig::default());
        let mut installed = std::collections::BTreeSet::new();
        for step in &c.steps {
            match step {
                Step::Install { key, .. } => {
                    installed.insert(*key);
                }
                Step::Bundle { ops } => {
                    for op in ops {
                        let Some(key) = op.replay.and_then(Replay::other_key) else { continue };
                        assert!(installed.contains(&key), "seed {seed}: key {key} never installed");
                        assert_ne!(op.signer, Signer::Key(key), "seed {seed}: its own key");
                        match op.replay {
                            Some(Replay::SignedBy { .. }) => signed_by += 1,
                            _ => {
                                tails += 1;
                                tails_after_stranger += usize::from(
                                    !installed.iter().any(|k| op.signer == Signer::Key(*k)),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for (what, n) in [
        ("another key's signature in place", signed_by),
        ("another key's signature as a tail", tails),
        ("a tail after a key without a session", tails_after_stranger),
    ] {
        assert!(n >= 10, "only {n} ops with {what} in 600 cases");
    }
}

/// Spec §1.4.1, §17: ops signed before a chain move are resubmitted after it (a signature made
/// on one chain offered on another), and often enough among the resubmissions that follow a
/// move.
#[test]
fn ops_signed_before_a_chain_move_are_resubmitted_after_it() {
    use crate::case::Replay;
    let (mut across, mut after_a_move) = (0, 0);
    for seed in 0..300 {
        let c = case(seed, &CaseConfig::default());
        let mut moved_at = None;
        for (index, step) in c.steps.iter().enumerate() {
            match step {
                Step::Chain { .. } => moved_at = Some(index),
                Step::Bundle { ops } => {
                    for op in ops {
                        let (Some(Replay::Resubmit { step, .. }), Some(moved)) =
                            (op.replay, moved_at)
                        else {
                            continue;
                        };
                        after_a_move += 1;
                        across += usize::from(step < moved);
                    }
                }
                _ => {}
            }
        }
    }
    assert!(across >= 30, "{across} resubmissions across a chain move in 300 cases");
    assert!(2 * across >= after_a_move, "{across} of {after_a_move} resubmissions after a move");
}
