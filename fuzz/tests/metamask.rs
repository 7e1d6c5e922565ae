//! MetaMask's Delegation Framework (v1.3.0, from `@metamask/delegation-abis@2.0.0`) under leash,
//! in the redeem frame, on both DeleGator accounts: hand-written lifecycles (every caveat's allow
//! and deny side, revocation, reinstall, the counters read back) and generated ones.
//!
//! The package comes from `npm ci` in `reference-contracts/`: these tests are `#[ignore]`d, so
//! `cargo test --workspace` passes on a fresh machine, and `.ci/run` runs them after installing
//! it (`cargo test -- --ignored`); run without it, they fail saying what to install.

use alloy_primitives::{Address, U256};
use leash_fuzz::case::{Case, Op, Signer, Step};
use leash_fuzz::evm::session_keys;
use leash_fuzz::finding::Class;
use leash_fuzz::modules::metamask::Delegator;
use leash_fuzz::run::{RunConfig, Runner, StateChecks};
use leash_fuzz::target::Target;
use leash_model::abi::args::{ArgValue, encode_call};
use leash_model::abi::execute::{encode_batch, encode_single};
use leash_model::format::parse_function;
use leash_model::{Execution, Policy};

/// Both accounts, from the installed package.
fn targets() -> Vec<Target> {
    Delegator::ALL
        .into_iter()
        .map(|delegator| {
            Target::metamask_npm(&Target::node_modules(None), delegator).unwrap_or_else(|e| {
                panic!(
                    "the MetaMask target does not load (run `npm ci` in reference-contracts/): {e}"
                )
            })
        })
        .collect()
}

fn runner(target: &Target) -> Runner {
    let config = RunConfig { state_checks: StateChecks::EveryBundle, ..RunConfig::campaign() };
    Runner::for_target(target, config).expect("the MetaMask world deploys")
}

fn policy(runner: &Runner, text: &str) -> Box<Policy> {
    let a = runner.world().addresses();
    let text = text
        .replace("{game}", &a.game.to_string())
        .replace("{token}", &a.token.to_string())
        .replace("{router}", &a.router.to_string());
    Box::new(toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}")))
}

fn call(signature: &str, args: &[ArgValue<'_>]) -> Vec<u8> {
    encode_call(parse_function(signature).expect("signature").0, args)
}

fn word(n: u64) -> ArgValue<'static> {
    ArgValue::Word(U256::from(n))
}

fn op_by(key: u8, call_data: Vec<u8>) -> Op {
    Op::plain(Signer::Key(key), call_data)
}

fn op(call_data: Vec<u8>) -> Op {
    op_by(0, call_data)
}

fn single(target: Address, value: u64, data: &[u8]) -> Vec<u8> {
    encode_single(&Execution { target, value: U256::from(value), data })
}

fn bundle(ops: Vec<Op>) -> Step {
    Step::Bundle { ops }
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn the_world_deploys_both_accounts_where_translation_expects_them() {
    for target in targets() {
        let mut world = target.world().expect("deploys");
        let Some(delegator) = Delegator::ALL.into_iter().find(|d| target.label.contains(d.name()))
        else {
            panic!("label {}", target.label)
        };
        let account = world.addresses().account;
        assert_eq!(account, delegator.account(), "{}", target.label);
        assert!(!world.native_balance(account).is_zero());
        if delegator == Delegator::Eip7702 {
            // A real authorization: the EOA holds the delegation designator and nothing else.
            let code = world.code_of(account);
            assert_eq!(&code[..3], &[0xef, 0x01, 0x00]);
            assert_eq!(code.len(), 23);
        }
    }
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn a_game_session_agrees_op_by_op() {
    for target in targets() {
        let mut runner = runner(&target);
        let game = runner.world().addresses().game;
        let p = policy(
            &runner,
            r#"
            usage_limit = 3
            [[permissions]]
            target = "{game}"
            function = "attack(uint256)"
            [[permissions]]
            target = "{game}"
            function = "useSkill(uint8,uint256)"
            [[permissions.rules]]
            arg = 0
            eq = "1"
        "#,
        );
        let attack = |n| call("attack(uint256)", &[word(n)]);
        let skill = |a, b| call("useSkill(uint8,uint256)", &[word(a), word(b)]);
        let case = Case {
            steps: vec![
                Step::Install { key: 0, policy: p },
                Step::Time { now: 1_700_000_010 },
                bundle(vec![
                    op(single(game, 0, &attack(7))),
                    op(single(game, 0, &skill(2, 5))),
                    op(single(game, 0, &skill(1, 5))),
                    op(single(game, 1, &attack(7))),
                    op(encode_batch(&[Execution {
                        target: game,
                        value: U256::ZERO,
                        data: &attack(1),
                    }])),
                    op(single(game, 0, &call("pickup(address,uint256)", &[word(1), word(1)]))),
                    op_by(5, single(game, 0, &attack(7))),
                    op(single(game, 0, &attack(8))),
                    op(single(game, 0, &attack(9))),
                ]),
                Step::Revoke { key: 0 },
                bundle(vec![op(single(game, 0, &attack(7)))]),
                Step::Install {
                    key: 0,
                    policy: policy(
                        &runner,
                        "[[permissions]]\ntarget = \"{game}\"\nfunction = \"attack(uint256)\"",
                    ),
                },
                bundle(vec![op(single(game, 0, &attack(10)))]),
            ],
        };
        let report = runner.run(&case);
        assert_eq!(report.finding, None, "{}", target.label);
        assert_eq!(report.ops, 11);
        assert_eq!(report.allowed, 4, "{}", target.label);
    }
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn delegations_hash_as_the_manager_hashes_them() {
    use alloy_sol_types::SolCall;
    use leash_fuzz::modules::metamask::{ROOT_AUTHORITY, delegation_hash};
    for target in targets() {
        let mut world = target.world().expect("deploys");
        let manager = world.addresses().module;
        let delegation = leash_fuzz::modules::metamask::abi::Delegation {
            delegate: session_keys()[1].address(),
            delegator: world.addresses().account,
            authority: ROOT_AUTHORITY,
            caveats: vec![leash_fuzz::modules::metamask::abi::Caveat {
                enforcer: Address::repeat_byte(7),
                terms: vec![1, 2, 3].into(),
                args: vec![9].into(),
            }],
            salt: U256::from(42),
            signature: vec![0; 65].into(),
        };
        let call = leash_fuzz::modules::metamask::abi::IDelegationManager::getDelegationHashCall {
            delegation: delegation.clone(),
        };
        let out = world.view_call("getDelegationHash", manager, call.abi_encode().into()).unwrap();
        assert_eq!(out.as_ref(), delegation_hash(&delegation).as_slice());
    }
}

/// Runs `steps` on `target` with state checks after every bundle; returns the report.
fn run(target: &Target, steps: impl FnOnce(&Runner) -> Vec<Step>) -> leash_fuzz::run::CaseReport {
    let mut runner = runner(target);
    let steps = steps(&runner);
    runner.run(&Case { steps })
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn every_caveat_refuses_with_its_clause() {
    for target in targets() {
        let report = run(&target, |runner| {
            let a = *runner.world().addresses();
            let p = policy(
                runner,
                r#"
                valid_after = 1700000050
                valid_until = 1700000500
                usage_limit = 7
                [native]
                per_call = "3000000000000000"
                total = "4000000000000000"
                [[permissions]]
                target = "{game}"
                function = "buyLives(uint256)"
                [[permissions]]
                target = "{game}"
                function = "useSkill(uint8,uint256)"
                [[permissions.rules]]
                arg = 0
                eq = "3"
                [[permissions]]
                target = "{token}"
                function = "transfer(address,uint256)"
                [[permissions]]
                target = "0x00000000000000000000000000000000000000b1"
                selector = "empty"
                [[erc20]]
                token = "{token}"
                limit = "100"
            "#,
            );
            let buy = |n| call("buyLives(uint256)", &[word(n)]);
            let skill = |s| call("useSkill(uint8,uint256)", &[word(s), word(9)]);
            let send = |n| call("transfer(address,uint256)", &[word(0xb1), word(n)]);
            let life = 1_000_000_000_000_000u64;
            let payee = Address::with_last_byte(0xb1);
            let mut long_send = send(1);
            long_send.push(0);
            let mut try_mode = single(a.game, 0, &buy(0));
            try_mode[5] = 1;
            let mut delegatecall = single(a.game, 0, &buy(0));
            delegatecall[4] = 0xff;
            vec![
                Step::Install { key: 0, policy: p.clone() },
                Step::Install { key: 1, policy: p },
                // §11.1: not yet valid (exclusive: valid_after itself is too early).
                Step::Time { now: 1_700_000_050 },
                bundle(vec![op(single(a.game, 0, &buy(0)))]),
                Step::Time { now: 1_700_000_051 },
                bundle(vec![
                    op(single(a.game, life, &buy(1))),
                    op(single(a.game, 3 * life + 1, &buy(3))),
                    op(single(a.game, 3 * life, &buy(3))),
                    op(single(a.game, 0, &skill(3))),
                    op(single(a.game, 0, &skill(4))),
                    op(single(a.game, 0, &skill(3)[..4 + 31])),
                    op(single(a.token, 0, &send(60))),
                    op(single(a.token, 0, &send(41))),
                    op(single(a.token, 0, &long_send)),
                    op(single(payee, 0, &[])),
                    op(single(payee, 0, &[1, 2])),
                    op(single(a.game, 0, &[1])),
                    op(try_mode),
                    op(delegatecall),
                    op(encode_batch(&[Execution {
                        target: a.game,
                        value: U256::ZERO,
                        data: &buy(0),
                    }])),
                    op(a.game.to_vec()),
                    op_by(5, single(a.game, 0, &buy(0))),
                    op(single(a.game, 0, &skill(3))),
                    op(single(a.game, 0, &skill(3))),
                    op(single(a.game, 0, &skill(3))),
                ]),
                Step::Revoke { key: 1 },
                bundle(vec![op_by(1, single(a.game, 0, &buy(0)))]),
                // §11.2: expired (exclusive: valid_until itself is too late).
                Step::Time { now: 1_700_000_500 },
                bundle(vec![op(single(a.game, 0, &buy(0)))]),
            ]
        });
        // Every refusal stood for the clause the model named (or the run would end with a
        // `reason` finding), and every counter agreed after every bundle.
        assert_eq!(report.finding, None, "{}", target.label);
        assert_eq!(report.allowed, 7, "{}", target.label);
    }
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn an_execution_that_reverts_consumes_nothing() {
    for target in targets() {
        let report = run(&target, |runner| {
            let game = runner.world().addresses().game;
            let p = policy(
                runner,
                r#"
                usage_limit = 1
                [native]
                per_call = "1000000000000000"
                total = "1000000000000000"
                [[permissions]]
                target = "{game}"
                function = "buyLives(uint256)"
            "#,
            );
            let buy = |n| call("buyLives(uint256)", &[word(n)]);
            let life = 1_000_000_000_000_000u64;
            vec![
                Step::Install { key: 0, policy: p },
                // Game reverts WrongPayment: the redemption reverts, its counters with it (§P3).
                bundle(vec![op(single(game, life, &buy(2)))]),
                bundle(vec![op(single(game, life, &buy(1)))]),
                bundle(vec![op(single(game, life, &buy(1)))]),
            ]
        });
        assert_eq!(report.finding, None, "{}", target.label);
        assert_eq!(report.allowed, 2, "{}", target.label);
    }
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn the_published_findings_show_as_documented_limitations() {
    for target in targets() {
        // Diligence 6-24 §5.6: AllowedCalldata on a dynamic argument reads its canonical
        // position; the Router decodes the relocated one.
        let report = run(&target, |runner| {
            let router = runner.world().addresses().router;
            let p = policy(
                runner,
                r#"
                [[permissions]]
                target = "{router}"
                function = "swap(address,uint256,bytes,uint256)"
                [[permissions.rules]]
                arg = 2
                slice = { offset = 0, length = 4 }
                eq = "0x11223344"
            "#,
            );
            let mut data = call(
                "swap(address,uint256,bytes,uint256)",
                &[word(0xb1), word(1), ArgValue::Dynamic(&[0x11, 0x22, 0x33, 0x44]), word(0)],
            );
            // The head of `bytes` points past the canonical content, at other bytes.
            data[4 + 2 * 32 + 31] = 0xc0;
            data.extend_from_slice(&U256::from(4).to_be_bytes::<32>());
            data.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
            data.extend_from_slice(&[0; 28]);
            vec![Step::Install { key: 0, policy: p }, bundle(vec![op(single(router, 0, &data))])]
        });
        let f = report.finding.expect("the relocated argument breaks the policy as written");
        assert_eq!(f.class, Class::Limitation, "{f:#?}");
        assert!(f.detail.contains("rule-on-dynamic-argument"), "{}", f.detail);
        // LogicalOrWrapperEnforcer: the delegate picks the looser caveat group.
        let report = run(&target, |runner| {
            let game = runner.world().addresses().game;
            let p = policy(
                runner,
                r#"
                [[permissions]]
                target = "{game}"
                function = "attack(uint256)"
                [[permissions.rules]]
                arg = 0
                eq = "1"
                [[permissions]]
                target = "*"
                function = "attack(uint256)"
                [[permissions.rules]]
                arg = 0
                eq = "2"
            "#,
            );
            let attack = call("attack(uint256)", &[word(2)]);
            vec![Step::Install { key: 0, policy: p }, bundle(vec![op(single(game, 0, &attack))])]
        });
        let f = report.finding.expect("the wildcard's group lets the call through");
        assert_eq!(f.class, Class::Limitation, "{f:#?}");
        assert!(f.detail.contains("delegate-picks-group"), "{}", f.detail);
    }
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn generated_lifecycles_show_no_false_findings() {
    for target in targets() {
        let mut runner = runner(&target);
        let catalog =
            leash_fuzz::generate::Catalog::for_module(runner.world().addresses(), runner.module());
        let mut rng = leash_fuzz::engine::SplitMix64::new(0x3e7a_3a5c);
        let (mut ops, mut allowed, mut moves) = (0, 0, 0);
        for i in 0..120 {
            let bytes: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
            let mut u = arbitrary::Unstructured::new(&bytes);
            let config = leash_fuzz::generate::CaseConfig::default();
            let Ok(case) = leash_fuzz::generate::generate_case(&mut u, &catalog, &config) else {
                continue;
            };
            moves += case.steps.iter().filter(|s| matches!(s, Step::Chain { .. })).count();
            let report = runner.run(&case);
            ops += report.ops;
            allowed += report.allowed;
            if let Some(f) = &report.finding {
                assert_eq!(
                    f.class,
                    Class::Limitation,
                    "{} case {i}: {f:#?}\n{}",
                    target.label,
                    leash_fuzz::corpus::case_to_json(&case)
                );
            }
        }
        assert!(ops > 1000 && allowed > 50, "only {ops} ops ran, {allowed} allowed");
        // Cases move chains on this frame too (spec §P3), and the runner judges them.
        assert!(moves >= 10, "only {moves} chain moves");
    }
}

/// Spec §P3 on both accounts: a delegation signed on chain 31337 redeems nothing on chain 10 and
/// redeems again, with its counters, back on 31337; one signed on chain 10 (an install there)
/// redeems only there. The runner expects each refusal, and the adapter signs an install over
/// the manager's domain for the chain the world is on.
#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn a_delegation_redeems_only_on_the_chain_it_was_signed_on() {
    for target in targets() {
        let report = run(&target, |runner| {
            let game = runner.world().addresses().game;
            let session = r#"
                usage_limit = 3
                [[permissions]]
                target = "{game}"
                function = "attack(uint256)"
            "#;
            let attack = |key| op_by(key, single(game, 0, &call("attack(uint256)", &[word(7)])));
            vec![
                Step::Install { key: 0, policy: policy(runner, session) },
                Step::Time { now: 1_700_000_010 },
                bundle(vec![attack(0)]),
                Step::Chain { id: 10 },
                bundle(vec![attack(0)]),
                Step::Install { key: 1, policy: policy(runner, session) },
                bundle(vec![attack(1)]),
                Step::Chain { id: 31337 },
                bundle(vec![attack(0), attack(1)]),
                // The same delegation again: counted by its usage limit, not refused as a
                // replay; the fourth redemption is over the limit of three.
                bundle(vec![attack(0), attack(0)]),
            ]
        });
        assert_eq!(report.not_runnable, None, "{}", target.label);
        assert_eq!(report.finding, None, "{}", target.label);
        assert_eq!((report.ops, report.allowed), (7, 4), "{}", target.label);
    }
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn one_delegation_counts_every_permission_together() {
    for target in targets() {
        let report = run(&target, |runner| {
            let game = runner.world().addresses().game;
            let p = policy(
                runner,
                r#"
                usage_limit = 3
                [native]
                per_call = "2000000000000000"
                total = "2000000000000000"
                [[permissions]]
                target = "{game}"
                function = "attack(uint256)"
                [[permissions]]
                target = "{game}"
                function = "buyLives(uint256)"
            "#,
            );
            let attack = call("attack(uint256)", &[word(1)]);
            let buy = call("buyLives(uint256)", &[word(1)]);
            let life = 1_000_000_000_000_000u64;
            vec![
                Step::Install { key: 0, policy: p },
                bundle(vec![
                    op(single(game, 0, &attack)),
                    op(single(game, life, &buy)),
                    // The native total is the session's: the second purchase would need 2e15 more.
                    op(single(game, 2 * life, &call("buyLives(uint256)", &[word(2)]))),
                    op(single(game, 0, &attack)),
                    // Three redemptions of either permission used the session's three calls.
                    op(single(game, 0, &buy)),
                    op(single(game, 0, &attack)),
                ]),
            ]
        });
        // The counters read back after the bundle agreed with the model's (state checks), and
        // the refusals were the session's: NativeTotal, then UsageLimit twice.
        assert_eq!(report.finding, None, "{}", target.label);
        assert_eq!(report.allowed, 3, "{}", target.label);
    }
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn allowances_over_time_run_on_the_period_and_streaming_enforcers() {
    const T: u64 = 1_700_000_000;
    for target in targets() {
        let report = run(&target, |runner| {
            let token = runner.world().addresses().token;
            let payee = Address::with_last_byte(0xb1);
            let plain = |total: u64, allowance: &str| {
                policy(
                    runner,
                    &format!(
                        "version = 2\n[native]\nper_call = \"1000\"\ntotal = \"{total}\"\n\
                         {allowance}\n[[permissions]]\ntarget = \"{payee}\"\nselector = \"empty\"\n"
                    ),
                )
            };
            let periodic = plain(
                100,
                &format!("[native.periodic]\namount = \"10\"\nperiod = 100\nstart = {}", T + 100),
            );
            let stream = plain(
                15,
                &format!(
                    "[native.streaming]\ninitial = \"5\"\nrate = \"2\"\nmax = \"20\"\nstart = {}",
                    T + 100
                ),
            );
            let tokens = policy(
                runner,
                &format!(
                    r#"
                    version = 2
                    [[permissions]]
                    target = "{{token}}"
                    function = "transfer(address,uint256)"
                    [[erc20]]
                    token = "{{token}}"
                    limit = "100"
                    [erc20.periodic]
                    amount = "10"
                    period = 60
                    start = {start}
                    [erc20.streaming]
                    initial = "0"
                    rate = "1"
                    max = "50"
                    start = {start}
                "#,
                    start = T + 100
                ),
            );
            let pay = |key, value| op_by(key, single(payee, value, &[]));
            let send = |n| {
                op_by(
                    2,
                    single(token, 0, &call("transfer(address,uint256)", &[word(0xb1), word(n)])),
                )
            };
            vec![
                Step::Install { key: 0, policy: periodic },
                Step::Install { key: 1, policy: stream },
                Step::Install { key: 2, policy: tokens },
                Step::Time { now: T + 50 },
                // Before the start: a period enforcer refuses even a zero amount at its first use
                // (§P21.5 `Checked`); a stream has nothing unlocked, which a zero amount fits.
                bundle(vec![pay(0, 0), pay(0, 1), pay(1, 0), pay(1, 1), send(0)]),
                Step::Time { now: T + 100 },
                // The first period: 10 in all, the boundary second included.
                bundle(vec![pay(0, 6), pay(0, 5), pay(0, 4), pay(0, 0), pay(1, 5), pay(1, 1)]),
                Step::Time { now: T + 103 },
                bundle(vec![pay(1, 6), pay(1, 1)]),
                Step::Time { now: T + 105 },
                // The token's stream has unlocked 5: 6 fits the period, not the stream.
                bundle(vec![send(6), send(5)]),
                Step::Time { now: T + 130 },
                bundle(vec![send(6), send(5)]),
                Step::Time { now: T + 160 },
                bundle(vec![send(10)]),
                Step::Time { now: T + 199 },
                bundle(vec![pay(0, 1)]),
                Step::Time { now: T + 200 },
                // A new period; the stream's 20 is past the lifetime total of 15 (§7.3 first).
                bundle(vec![pay(0, 10), pay(1, 5), pay(1, 4)]),
                Step::Time { now: T + 450 },
                // Periods skipped carry nothing over.
                bundle(vec![pay(0, 10), pay(0, 1)]),
            ]
        });
        // Every refusal stood for the clause the model named, and the period counters and the
        // streams' spend read back from the enforcers agreed with the model's after every bundle.
        assert_eq!(report.finding, None, "{}", target.label);
        // Per bundle: 1, 4, 1, 1, 1, 1, none, 2, 1.
        assert_eq!(report.allowed, 12, "{}", target.label);
    }
}
