//! Replayed signatures (spec §1.4.2) and what the account pays for gas (spec §16), run on the
//! model and on the reference module side by side: the runner must find nothing, and each
//! replay must meet the refusal the spec names.

use alloy_primitives::U256;
use leash_fuzz::case::{Case, GasTerms, Op, Replay, START_TIME, Signer, Step};
use leash_fuzz::finding::Class;
use leash_fuzz::run::{RunConfig, Runner, StateChecks};
use leash_fuzz::target::Target;
use leash_model::abi::args::ArgValue;
use leash_model::abi::execute::encode_single;
use leash_model::format::parse_function;
use leash_model::{Execution, Policy};

fn runner() -> Runner {
    let target = Target::reference().expect("the reference module loads");
    let config = RunConfig { state_checks: StateChecks::EveryBundle, ..RunConfig::campaign() };
    Runner::for_target(&target, config).expect("the world deploys")
}

fn policy(runner: &Runner, extra: &str) -> Box<Policy> {
    let game = runner.world().addresses().game;
    let text = format!(
        "version = 3\n{extra}\n[[permissions]]\ntarget = \"{game}\"\nfunction = \"attack(uint256)\"\n"
    );
    Box::new(toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}")))
}

fn attack(runner: &Runner, n: u64) -> Op {
    let game = runner.world().addresses().game;
    let data = leash_model::abi::args::encode_call(
        parse_function("attack(uint256)").expect("signature").0,
        &[ArgValue::Word(U256::from(n))],
    );
    let call_data = encode_single(&Execution { target: game, value: U256::ZERO, data: &data });
    Op::plain(Signer::Key(0), call_data)
}

fn run(steps: Vec<Step>, runner: &mut Runner) -> leash_fuzz::run::CaseReport {
    let case = Case { steps };
    assert_eq!(case.check(), Ok(()));
    let report = runner.run(&case);
    assert_eq!(report.finding, None, "{case:?}");
    assert_eq!(report.not_runnable, None);
    report
}

#[test]
fn s1_4_2_an_op_resubmitted_after_it_was_included_fails_the_nonce_check() {
    let mut runner = runner();
    let op = attack(&runner, 1);
    let resubmitted = Op { replay: Some(Replay::Resubmit { step: 1, op: 0 }), ..op.clone() };
    let report = run(
        vec![
            Step::Install { key: 0, policy: policy(&runner, "") },
            Step::Bundle { ops: vec![op] },
            Step::Time { now: START_TIME + 60 },
            Step::Bundle { ops: vec![resubmitted] },
        ],
        &mut runner,
    );
    // The first op was allowed; the resubmission never reached the model or the module.
    assert_eq!((report.ops, report.allowed), (2, 1));
}

#[test]
fn s1_4_2_an_op_denied_on_one_chain_and_resubmitted_on_another_recovers_to_no_session() {
    let mut runner = runner();
    let op = attack(&runner, 1);
    let resubmitted = Op { replay: Some(Replay::Resubmit { step: 1, op: 0 }), ..op.clone() };
    let report = run(
        vec![
            Step::Install { key: 0, policy: policy(&runner, "chains = [10]") },
            // Denied on the world's chain (spec §17.1), so its nonce stays unused.
            Step::Bundle { ops: vec![op.clone()] },
            Step::Chain { id: 10 },
            // Signed for chain 31337: on chain 10 it recovers to no session key.
            Step::Bundle { ops: vec![resubmitted] },
            // The same op signed afresh on chain 10 is allowed.
            Step::Bundle { ops: vec![op] },
        ],
        &mut runner,
    );
    assert_eq!((report.ops, report.allowed), (3, 1));
}

#[test]
fn s1_4_2_a_signature_moved_to_another_op_of_the_bundle_recovers_to_no_session() {
    let mut runner = runner();
    let moved = Op { replay: Some(Replay::SignatureOf { op: 0 }), ..attack(&runner, 2) };
    let report = run(
        vec![
            Step::Install { key: 0, policy: policy(&runner, "") },
            Step::Bundle { ops: vec![attack(&runner, 1), moved] },
        ],
        &mut runner,
    );
    assert_eq!((report.ops, report.allowed), (2, 1));
}

/// Spec §1.4.4 on a module that reads the session from the recovered key: key 1's signature in
/// key 0's place runs the op under key 1's session (which does not allow it), and key 0's
/// signature followed by key 1's is key 0's op.
#[test]
fn s1_4_3_another_keys_signature_selects_its_session_and_a_tail_selects_nothing() {
    let mut runner = runner();
    let game = runner.world().addresses().game;
    let only_buy = Box::new(
        toml::from_str::<Policy>(&format!(
            "version = 3\n[[permissions]]\ntarget = \"{game}\"\nfunction = \"buyLives(uint256)\"\n"
        ))
        .expect("policy"),
    );
    let attack = attack(&runner, 1);
    let signed_by_1 = Op { replay: Some(Replay::SignedBy { key: 1 }), ..attack.clone() };
    let tail_of_1 = Op { replay: Some(Replay::KeyTail { key: 1 }), ..attack.clone() };
    // Key 4 never holds a session: key 0's signature after its own selects nothing either.
    let stranger_then_0 =
        Op { signer: Signer::Key(4), replay: Some(Replay::KeyTail { key: 0 }), ..attack };
    let report = run(
        vec![
            Step::Install { key: 0, policy: policy(&runner, "") },
            Step::Install { key: 1, policy: only_buy },
            Step::Bundle { ops: vec![signed_by_1] },
            Step::Bundle { ops: vec![tail_of_1] },
            Step::Bundle { ops: vec![stranger_then_0] },
        ],
        &mut runner,
    );
    assert_eq!((report.ops, report.allowed), (3, 1), "only the tail of key 1 after key 0's");
}

/// The model's signer for another key's signature follows the module's way of naming sessions
/// (spec §1.4.4).
#[test]
fn s1_4_3_the_model_signer_follows_how_the_module_names_sessions() {
    use alloy_primitives::Address;
    use leash_fuzz::modules::SessionIdentity;
    let (a, b) = (Address::with_last_byte(0xa), Address::with_last_byte(0xb));
    assert_eq!(SessionIdentity::RecoveredSigner.model_signer(Some(a), Some(b)), Some(b));
    assert_eq!(SessionIdentity::NamedInSignature.model_signer(Some(a), Some(b)), None);
    assert_eq!(SessionIdentity::NamedInSignature.model_signer(Some(a), Some(a)), Some(a));
    assert_eq!(SessionIdentity::NamedInSignature.model_signer(None, None), None);
}

/// An op signed for the account, submitted from the world's other account (which mirrors the
/// case's installs, so the key has the same session there), then the same op signed afresh.
fn from_the_other_account(runner: &Runner) -> Vec<Step> {
    let replayed = Op { replay: Some(Replay::OtherAccount), ..attack(runner, 1) };
    vec![
        Step::Install { key: 0, policy: policy(runner, "") },
        Step::Bundle { ops: vec![replayed] },
        Step::Bundle { ops: vec![attack(runner, 1)] },
    ]
}

/// An op denied on the world's chain (spec §17.1), its nonce unused, first submitted again
/// after a move to a chain where the policy allows it.
fn across_chains(runner: &Runner) -> Vec<Step> {
    let op = attack(runner, 1);
    let resubmitted = Op { replay: Some(Replay::Resubmit { step: 1, op: 0 }), ..op.clone() };
    vec![
        Step::Install { key: 0, policy: policy(runner, "chains = [10]") },
        Step::Bundle { ops: vec![op] },
        Step::Chain { id: 10 },
        Step::Bundle { ops: vec![resubmitted] },
    ]
}

#[test]
fn s1_4_2_an_op_signed_for_the_account_and_submitted_from_another_recovers_to_no_session() {
    let mut runner = runner();
    let steps = from_the_other_account(&runner);
    let report = run(steps, &mut runner);
    assert_eq!((report.ops, report.allowed), (2, 1));
}

/// Spec §1.4.1: each module digest that leaves out a field lets through the replay that field
/// stops, and the runner reports it as a bypass: the op executes its call, from the account
/// across chains and from the other account (whose calls count as the op's), under a signature
/// the spec recovers to no session; the reference, which binds both, lets neither through.
#[test]
fn c10_digests_without_the_chain_or_the_account_let_their_replays_through() {
    for (mutant, steps, replay_step) in [
        ("c10-digest-no-chain", across_chains as fn(&Runner) -> Vec<Step>, 3),
        ("c10-digest-no-account", from_the_other_account, 1),
    ] {
        let mut reference = runner();
        run(steps(&reference), &mut reference);
        let target = Target::mutant(mutant).expect("the mutant loads");
        let config = RunConfig { state_checks: StateChecks::EveryBundle, ..RunConfig::campaign() };
        let mut runner = Runner::for_target(&target, config).expect("the world deploys");
        let case = Case { steps: steps(&runner) };
        let report = runner.run(&case);
        assert_eq!(report.not_runnable, None, "{mutant}");
        let finding = report.finding.unwrap_or_else(|| panic!("{mutant}: no finding"));
        assert_eq!((finding.step, finding.op), (replay_step, Some(0)), "{mutant}: {finding:?}");
        assert!(finding.model.contains("has no session (spec §2.3.1)"), "{mutant}: {finding:?}");
        assert_eq!(finding.class, Class::Bypass, "{mutant}: {finding:?}");
        assert!(
            finding.module.contains("succeeded with 1 effective call(s)"),
            "{mutant}: {finding:?}"
        );
    }
}

#[test]
fn replays_that_name_no_earlier_op_are_refused_when_a_case_is_read() {
    let r = runner();
    let op = attack(&r, 1);
    let forward = Op { replay: Some(Replay::Resubmit { step: 1, op: 0 }), ..op.clone() };
    let case = Case { steps: vec![Step::Bundle { ops: vec![forward] }] };
    assert!(case.check().unwrap_err().contains("no op of an earlier bundle"));
    let itself = Op { replay: Some(Replay::SignatureOf { op: 0 }), ..op };
    let case = Case { steps: vec![Step::Bundle { ops: vec![itself] }] };
    assert!(case.check().unwrap_err().contains("no other op of its bundle"));
}

/// Spec §16: with fees the account prefunds its op and pays for the gas it used (the runner
/// checks that against the op's maximum cost after every bundle); a paymaster's op costs it
/// nothing.
#[test]
fn s16_the_account_pays_for_its_own_ops_and_nothing_for_sponsored_ones() {
    let mut runner = runner();
    let account = runner.world().addresses().account;
    let paymaster = runner.world().addresses().paymasters[0];
    let gwei = 1_000_000_000u128;
    let fees =
        GasTerms { max_fee_per_gas: gwei, max_priority_fee_per_gas: gwei, ..GasTerms::DEFAULT };
    let own = Op { gas: Some(fees.clone()), ..attack(&runner, 1) };
    let sponsored = GasTerms {
        paymaster_and_data: GasTerms::paymaster_and_data(paymaster, 1_000_000, 0),
        ..fees
    };
    let sponsored = Op { gas: Some(sponsored), ..attack(&runner, 2) };
    let budget = "[gas]\npaymaster = \"any\"\ntotal = \"1 ether\"";
    let balance = |runner: &mut Runner| runner.world_mut().native_balance(account);

    run(vec![Step::Install { key: 0, policy: policy(&runner, budget) }], &mut runner);
    let start = balance(&mut runner);
    run(
        vec![
            Step::Install { key: 0, policy: policy(&runner, budget) },
            Step::Bundle { ops: vec![own] },
        ],
        &mut runner,
    );
    let after_own = balance(&mut runner);
    assert!(after_own < start, "the account prefunded its op: {start} -> {after_own}");
    run(
        vec![
            Step::Install { key: 0, policy: policy(&runner, budget) },
            Step::Bundle { ops: vec![sponsored] },
        ],
        &mut runner,
    );
    assert_eq!(balance(&mut runner), start, "a paymaster paid for the sponsored op");
}

/// Spec §1.4.3: ops whose `paymasterAndData` the EntryPoint refuses (`AA93` for 51 bytes, `AA98`
/// for a field naming `address(0)`) between two sound ones: the runner drops each, runs the rest
/// and judges the case instead of calling it not runnable; the refused ops count nothing, so
/// the total that covers exactly the two sound ops' cost is still enough for both.
#[test]
fn s1_4_3_ops_with_a_malformed_paymaster_field_are_dropped_and_cost_nothing() {
    let mut runner = runner();
    let paymaster = runner.world().addresses().paymasters[0];
    let gwei = 1_000_000_000u128;
    let sponsored = GasTerms {
        max_fee_per_gas: gwei,
        max_priority_fee_per_gas: gwei,
        paymaster_and_data: GasTerms::paymaster_and_data(paymaster, 1_000_000, 0),
        ..GasTerms::DEFAULT
    };
    let with_field = |op: Op, field: Vec<u8>| Op {
        gas: Some(GasTerms { paymaster_and_data: field, ..sponsored.clone() }),
        ..op
    };
    let sound = |n| with_field(attack(&runner, n), sponsored.paymaster_and_data.clone());
    let cost = sound(0).model_gas().max_cost().unwrap();
    let mut zero = sponsored.paymaster_and_data.clone();
    zero[..20].fill(0);
    let short = with_field(attack(&runner, 2), sponsored.paymaster_and_data[..51].to_vec());
    let nobody = with_field(attack(&runner, 3), zero);
    let budget = format!("[gas]\npaymaster = \"required\"\ntotal = \"{}\"", cost * U256::from(2));
    let report = run(
        vec![
            Step::Install { key: 0, policy: policy(&runner, &budget) },
            Step::Bundle { ops: vec![sound(1), short, sound(4)] },
            Step::Bundle { ops: vec![nobody, sound(5)] },
        ],
        &mut runner,
    );
    // Five ops submitted; the first two sound ones spend the whole total, so the third is
    // denied `GasTotal`: had a refused op counted, the second sound op would have been denied.
    assert_eq!((report.ops, report.allowed), (5, 2));
}
