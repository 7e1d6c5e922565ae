//! The re-delegation lifecycle of the EIP-7702 frame (spec §18.5 to §18.7), run by the runner on
//! both sides: sessions are suspended while the EOA runs other code, the malicious code or none,
//! resume with their counters when it delegates back, and a revocation never lapses. Each bug
//! the three `e7702-*` mutants plant is a finding on the same case the reference passes.

mod common;

use alloy_primitives::{Address, U256};
use arbitrary::Unstructured;
use leash_fuzz::case::{
    Action, Actor, Case, Code, Op, Replay, START_CHAIN, START_TIME, Signer, SlotWrite, Step,
    Validator,
};
use leash_fuzz::evm::frame::ACCOUNT_7702_NAMESPACE;
use leash_fuzz::evm::{Frame, World, session_keys};
use leash_fuzz::finding::Class;
use leash_fuzz::generate::{CaseConfig, Catalog, STRANGER_KEY, generate_case};
use leash_fuzz::run::{CaseReport, RunConfig, Runner, StateChecks};
use leash_fuzz::target::Target;
use leash_model::abi::execute::encode_single;
use leash_model::{Execution, Policy};

use common::{call, policy, word};

fn target(label: &str) -> Target {
    Target::from_label(label).unwrap().with_frame(Frame::Eip7702).unwrap()
}

fn runner(label: &str) -> Runner {
    let config = RunConfig { state_checks: StateChecks::EveryBundle, ..RunConfig::campaign() };
    Runner::for_target(&target(label), config).unwrap()
}

/// Key 0 may call `attack(uint256)` on the Game three times.
fn three_attacks(world: &World) -> Policy {
    policy(
        world,
        r#"
        usage_limit = 3
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        "#,
    )
}

fn attack(world: &World, signer: Signer) -> Step {
    let data = call("attack(uint256)", &[word(7)]);
    let call_data = encode_single(&Execution {
        target: world.addresses().game,
        value: U256::ZERO,
        data: &data,
    });
    Step::Bundle { ops: vec![Op::plain(signer, call_data)] }
}

fn delegate(to: Code) -> Step {
    Step::Delegate { to, writes: Vec::new(), chain: None }
}

fn run(label: &str, build: impl Fn(&World) -> Vec<Step>) -> (CaseReport, Runner) {
    let mut runner = runner(label);
    let case = Case { steps: build(runner.world()) };
    case.check().unwrap();
    let report = runner.run(&case);
    assert_eq!(report.not_runnable, None, "{label}");
    (report, runner)
}

fn calls_of_key_0(runner: &mut Runner) -> u64 {
    let key = session_keys()[0].address();
    let (_, counters) = runner.world_mut().session_state(key).unwrap().expect("installed");
    counters.calls
}

#[test]
fn s18_5_sessions_are_suspended_away_and_resume_with_their_counters() {
    let (report, mut runner) = run("reference", |w| {
        vec![
            Step::Install { key: 0, policy: Box::new(three_attacks(w)) },
            Step::Time { now: START_TIME + 10 },
            attack(w, Signer::Key(0)),
            delegate(Code::Other),
            attack(w, Signer::Key(0)),
            delegate(Code::None),
            attack(w, Signer::Key(0)),
            delegate(Code::Malicious),
            attack(w, Signer::Key(0)),
            delegate(Code::Account),
            attack(w, Signer::Key(0)),
            attack(w, Signer::Key(0)),
            // The usage limit counts the op made before the EOA went away: this is the fourth.
            attack(w, Signer::Key(0)),
        ]
    });
    assert_eq!(report.finding, None);
    assert_eq!(report.allowed, 3);
    assert_eq!(calls_of_key_0(&mut runner), 3);
}

#[test]
fn s18_7_a_session_revoked_while_the_delegation_is_cleared_stays_revoked() {
    let steps = |w: &World| {
        vec![
            Step::Install { key: 0, policy: Box::new(three_attacks(w)) },
            Step::Time { now: START_TIME + 10 },
            delegate(Code::None),
            // The owner revokes from the EOA itself, calling the module directly.
            Step::Revoke { key: 0 },
            delegate(Code::Account),
            attack(w, Signer::Key(0)),
        ]
    };
    let (report, _) = run("reference", steps);
    assert_eq!(report.finding, None);
    assert_eq!(report.allowed, 0);
    let (report, _) = run("mutant:e7702-revocation-per-delegation", steps);
    let finding = report.finding.expect("the revocation lapsed");
    assert_eq!(finding.class, Class::Bypass, "{finding:?}");
    assert!(finding.detail.contains("revoked session"), "{}", finding.detail);
}

#[test]
fn s18_4_a_wiped_account_validates_nothing_until_its_owner_initializes_it() {
    let namespace = U256::from_be_bytes(ACCOUNT_7702_NAMESPACE.0);
    let steps = |w: &World| {
        vec![
            Step::Install { key: 0, policy: Box::new(three_attacks(w)) },
            Step::Time { now: START_TIME + 10 },
            Step::Delegate {
                to: Code::Malicious,
                writes: vec![SlotWrite { slot: namespace, value: U256::ZERO }],
                chain: None,
            },
            delegate(Code::Account),
            attack(w, Signer::Key(0)),
            Step::Direct {
                from: Actor::Stranger,
                action: Action::Initialize { validator: Validator::Stranger },
            },
            attack(w, Signer::Key(STRANGER_KEY)),
            Step::Direct {
                from: Actor::Owner,
                action: Action::Initialize { validator: Validator::Module },
            },
            attack(w, Signer::Key(0)),
        ]
    };
    let (report, mut runner) = run("reference", steps);
    assert_eq!(report.finding, None);
    assert_eq!(report.allowed, 1);
    assert_eq!(calls_of_key_0(&mut runner), 1);
    let (report, _) = run("mutant:e7702-open-initializer", steps);
    let finding = report.finding.expect("the stranger took the account");
    assert_eq!(finding.class, Class::Bypass, "{finding:?}");
    assert_eq!(finding.step, 6, "{finding:?}");
}

#[test]
fn s18_3_other_code_does_not_find_the_sessions_of_a_namespaced_account() {
    let steps = |w: &World| {
        vec![
            Step::Install { key: 0, policy: Box::new(three_attacks(w)) },
            { Step::Time { now: START_TIME + 10 } },
            delegate(Code::Other),
            attack(w, Signer::Key(0)),
        ]
    };
    let (report, _) = run("reference", steps);
    assert_eq!(report.finding, None);
    let (report, _) = run("mutant:e7702-storage-collision", steps);
    let finding = report.finding.expect("the sessions resurrected under other code");
    assert_eq!(finding.class, Class::Bypass, "{finding:?}");
    assert!(finding.detail.contains("suspended"), "{}", finding.detail);
}

#[test]
fn s18_2_the_owners_plain_transactions_move_no_session_counter() {
    let (report, mut runner) = run("reference", |w| {
        let a = *w.addresses();
        vec![
            Step::Install { key: 0, policy: Box::new(three_attacks(w)) },
            Step::Time { now: START_TIME + 10 },
            Step::Direct {
                from: Actor::Owner,
                action: Action::Call {
                    target: a.game,
                    value: U256::ZERO,
                    data: call("attack(uint256)", &[word(1)]),
                },
            },
            Step::Direct {
                from: Actor::Owner,
                action: Action::Call {
                    target: Address::with_last_byte(0xb1),
                    value: U256::from(5),
                    data: Vec::new(),
                },
            },
            attack(w, Signer::Key(0)),
        ]
    });
    assert_eq!(report.finding, None);
    assert_eq!(calls_of_key_0(&mut runner), 1);
    let bystander = runner.world_mut().native_balance(Address::with_last_byte(0xb1));
    assert_eq!(bystander, U256::from(5));
}

#[test]
fn lifecycle_steps_need_the_7702_frame() {
    let mut runner =
        Runner::for_target(&Target::reference().unwrap(), RunConfig::campaign()).unwrap();
    let report = runner.run(&Case { steps: vec![delegate(Code::None)] });
    let why = report.not_runnable.expect("refused");
    assert!(why.contains("--frame 7702"), "{why}");
    assert_eq!(report.finding, None);
}

#[test]
fn generated_7702_cases_re_delegate_everywhere_and_the_reference_passes_them() {
    let target = target("reference");
    let (world, module) = target.instantiate().unwrap();
    let catalog =
        Catalog { frame: Frame::Eip7702, ..Catalog::for_module(world.addresses(), &*module) };
    let mut runner = Runner::for_target(&target, RunConfig::campaign()).unwrap();
    let mut codes = std::collections::BTreeSet::new();
    let (mut direct, mut stranger) = (0, 0);
    // Authorizations for the current chain (`None`), every chain (`Some(0)`) and a named one
    // (`Some(1)`); chain moves and replays (spec §18.10).
    let mut chains = std::collections::BTreeSet::new();
    let (mut moves, mut replays) = (0, 0);
    let mut input = vec![0u8; 4096];
    let mut x = 0x1ea5_4ca5u64;
    for _ in 0..40 {
        for b in input.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let Ok(case) =
            generate_case(&mut Unstructured::new(&input), &catalog, &CaseConfig::default())
        else {
            continue;
        };
        for step in &case.steps {
            match step {
                Step::Delegate { to, chain, .. } => {
                    codes.insert(to.name());
                    chains.insert(chain.map(|c| c.min(1)));
                }
                Step::Chain { .. } => moves += 1,
                Step::Bundle { ops } => {
                    replays += ops.iter().filter(|o| o.replay.is_some()).count()
                }
                Step::Direct { from: Actor::Stranger, .. } => stranger += 1,
                Step::Direct { .. } => direct += 1,
                _ => {}
            }
        }
        let report = runner.run(&case);
        assert_eq!(report.not_runnable, None, "{case:?}");
        assert_eq!(report.finding, None, "{case:?}");
    }
    assert_eq!(codes.len(), 4, "{codes:?}");
    assert!(direct > 0 && stranger > 0, "{direct} {stranger}");
    assert_eq!(chains.len(), 3, "{chains:?}");
    assert!(moves > 0 && replays > 0, "{moves} chain moves, {replays} replays");
}

fn delegate_for(to: Code, chain: u64) -> Step {
    Step::Delegate { to, writes: Vec::new(), chain: Some(chain) }
}

/// Spec §18.10: on chain 10, an authorization for the chain the case started on is skipped (the
/// session stays honoured: its op is allowed); one for every chain takes the EOA away (its op is
/// not honoured); one for chain 10 brings it back. The runner predicts each; a prediction that
/// took a skipped authorization for a move would call the first op a bypass.
#[test]
fn s18_10_an_authorization_for_another_chain_changes_nothing() {
    let (report, mut runner) = run("reference", |w| {
        vec![
            Step::Install { key: 0, policy: Box::new(three_attacks(w)) },
            Step::Time { now: START_TIME + 10 },
            Step::Chain { id: 10 },
            delegate_for(Code::None, START_CHAIN),
            attack(w, Signer::Key(0)),
            delegate_for(Code::Other, 0),
            attack(w, Signer::Key(0)),
            delegate_for(Code::Account, 10),
            attack(w, Signer::Key(0)),
        ]
    });
    assert_eq!(report.finding, None);
    assert_eq!(report.allowed, 2);
    assert_eq!(calls_of_key_0(&mut runner), 2);
}

/// Spec §18.10 with §1.4.2: the account's ops are UserOperations, so an op signed on the chain
/// the case started on recovers to no session after a move, and a signature moved to another
/// op of the bundle recovers to no session either.
#[test]
fn s18_10_replays_on_the_7702_frame_meet_the_refusals_of_the_deployed_account() {
    let (report, mut runner) = run("reference", |w| {
        let Step::Bundle { ops } = attack(w, Signer::Key(0)) else { unreachable!() };
        let resubmitted =
            Op { replay: Some(Replay::Resubmit { step: 2, op: 0 }), ..ops[0].clone() };
        let moved = Op { replay: Some(Replay::SignatureOf { op: 0 }), ..ops[0].clone() };
        vec![
            Step::Install { key: 0, policy: Box::new(three_attacks(w)) },
            Step::Time { now: START_TIME + 10 },
            attack(w, Signer::Key(0)),
            Step::Chain { id: 10 },
            Step::Bundle { ops: vec![resubmitted] },
            Step::Bundle { ops: vec![ops[0].clone(), moved] },
        ]
    });
    assert_eq!(report.finding, None);
    assert_eq!((report.ops, report.allowed), (4, 2));
    assert_eq!(calls_of_key_0(&mut runner), 2);
}
