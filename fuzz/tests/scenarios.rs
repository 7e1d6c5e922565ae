//! The scenario suite: every spec clause, on its deny side and its allow side, run on the model
//! and on the reference module in revm, which must agree on every verdict (denial codes and
//! indices included), on the executed calls, and on the counters after every bundle.
//!
//! The scenarios are generated from a fixed seed by the fuzzer's own generators, which aim at
//! each rule's boundaries (caps ±3, window edges, rate intervals, wrap-around amounts) and mutate
//! encodings into every decoding clause. The test then checks that the scenarios did reach every
//! denial of Appendix A and every rule's allow side, so a generator regression cannot make this
//! suite vacuous.

use std::collections::BTreeMap;

use arbitrary::Unstructured;
use leash_fuzz::case::{Case, START_CHAIN, START_TIME, Step};
use leash_fuzz::engine::SplitMix64;
use leash_fuzz::evm::userop::paymaster_and_data_refusal;
use leash_fuzz::evm::{Frame, key_address};
use leash_fuzz::generate::{CaseConfig, Catalog, generate_case};
use leash_fuzz::run::{RunConfig, Runner, StateChecks};
use leash_fuzz::target::Target;
use leash_model::{
    AccountState, DenyReason, Env, LifecycleError, PaymasterRule, Selector, UserOp, Verdict,
};

/// The rarest denials and refusals come up a few times in 1300 cases, and the thresholds below
/// ask for that; a change to any generator shifts the random stream, and a fixed budget then
/// needed a new seed (7, 3 and 11 in turn, each found by searching). So the first round runs
/// `CASES` accepting and `REFUSING_CASES` refusing cases, and while a threshold is unmet up to
/// `EXTRA_ROUNDS` more rounds of a fifth of that size run on the same stream: any seed will do.
const SEED: u64 = 11;
const CASES: usize = 1000;
const REFUSING_CASES: usize = 300;
const EXTRA_ROUNDS: usize = 5;

/// Why the spec refused a lifecycle call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Refusal {
    /// An install of an invalid policy: the `PolicyError::code` of its clause (spec §12).
    Clause(u8),
    /// An install for `address(0)` (§2.1).
    ZeroKey,
    /// A revoke of a key without a session (§2.2).
    UnknownKey,
}

/// What the model decided over a case, op by op, and which rules the allowed ops engaged.
#[derive(Default)]
struct Coverage {
    denials: BTreeMap<DenyReason, u64>,
    /// Lifecycle calls the spec refused, by why.
    refused: BTreeMap<Refusal, u64>,
    allowed: u64,
    engaged: BTreeMap<&'static str, u64>,
    /// Ops whose `paymasterAndData` the EntryPoint refuses before the module runs (§1.4.3),
    /// which the model never sees, in cases the runner ran to the end.
    malformed_paymaster: u64,
}

impl Coverage {
    /// Replays `case` on the model alone (the runner already compared it with the EVM) and
    /// records each verdict, and for allowed ops the rules they passed non-trivially.
    /// `runnable`: whether the runner ran the case to the end.
    fn record(&mut self, case: &Case, runnable: bool, env: impl Fn(u64) -> Env) {
        let mut model = AccountState::new();
        let mut now = START_TIME;
        let mut chain = START_CHAIN;
        for step in &case.steps {
            match step {
                Step::Install { key, policy } => {
                    let installed = model.install(key_address(*key), (**policy).clone());
                    let refusal = match installed {
                        Err(LifecycleError::InvalidPolicy(why)) => {
                            Some(Refusal::Clause(why.code()))
                        }
                        Err(LifecycleError::ZeroKey) => Some(Refusal::ZeroKey),
                        _ => None,
                    };
                    if let Some(refusal) = refusal {
                        *self.refused.entry(refusal).or_default() += 1;
                    }
                }
                Step::Revoke { key } => {
                    let revoked = model.revoke(key_address(*key));
                    if let Err(LifecycleError::UnknownSession { .. }) = revoked {
                        *self.refused.entry(Refusal::UnknownKey).or_default() += 1;
                    }
                }
                Step::Time { now: t } => now = now.max(*t),
                Step::Delegate { .. } | Step::Direct { .. } => {
                    panic!("scenario cases are generated for the deployed frame's catalog")
                }
                Step::Chain { id } => chain = *id,
                Step::Bundle { ops } => {
                    // Replays (spec §1.4.2) recover to other signers; the runner judged them.
                    // Here only the model's own verdicts on fresh ops are counted.
                    for op in ops.iter().filter(|op| op.replay.is_none()) {
                        let field = op.gas.as_ref().map(|g| &g.paymaster_and_data[..]);
                        if field.and_then(paymaster_and_data_refusal).is_some() {
                            self.malformed_paymaster += u64::from(runnable);
                            continue;
                        }
                        let signer = op.signer.address();
                        let policy =
                            signer.and_then(|s| model.session(s)).map(|s| s.policy.clone());
                        let gas = op.model_gas();
                        let user_op = UserOp { signer, call_data: &op.call_data, gas };
                        let verdict =
                            model.execute_op(&Env { chain_id: chain, ..env(now) }, &user_op);
                        match &verdict {
                            Verdict::Deny(d) => *self.denials.entry(d.reason).or_default() += 1,
                            Verdict::Allow(effects) => {
                                self.allowed += 1;
                                let policy = policy.expect("an allowed op has a session");
                                let mut engage = |rule| *self.engaged.entry(rule).or_default() += 1;
                                for e in &effects.executions {
                                    if !e.value.is_zero() {
                                        engage("§7 native value sent under a cap");
                                    }
                                    if policy.token_cap(e.target).is_some() {
                                        engage("§8 a capped token moved");
                                    }
                                    let selector = leash_model::selector_of(e.data).ok();
                                    let ruled = policy.permissions.iter().any(|p| {
                                        Some(p.selector) == selector && !p.rules.is_empty()
                                    });
                                    if ruled {
                                        engage("§6 argument rules passed");
                                    }
                                    if selector == Some(Selector::Empty) {
                                        engage("§5 a plain transfer permitted");
                                    }
                                }
                                if effects.executions.len() > 1 {
                                    engage("§3.6 a batch");
                                }
                                if policy
                                    .rate_limit
                                    .is_some_and(|r| effects.after.calls >= u64::from(r.max_calls))
                                {
                                    engage("§9 the rate ring full and passed");
                                }
                                if policy.usage_limit.is_some() {
                                    engage("§10 under a usage limit");
                                }
                                if policy.valid_until != 0 || policy.valid_after != 0 {
                                    engage("§11 inside a bounded window");
                                }
                                if effects.after.gas_spent != effects.before.gas_spent {
                                    engage("§16.4 a gas cost counted");
                                }
                                let sponsored = !gas.paymaster.is_zero();
                                if sponsored
                                    && policy.gas.is_some_and(|g| g.paymaster != PaymasterRule::Any)
                                {
                                    engage("§16.1 a required or allowlisted paymaster paid");
                                }
                                if policy.gas.is_some_and(|g| g.max_fee_per_gas.is_some())
                                    && gas.max_fee_per_gas > 0
                                {
                                    engage("§16.2 a fee under its cap");
                                }
                                if policy.gas.is_some_and(|g| g.per_op.is_some())
                                    && gas.max_cost().is_some_and(|c| !c.is_zero())
                                {
                                    engage("§16.3 a cost within the per-op limit");
                                }
                                if policy.chains.is_some() {
                                    engage("§17 on a listed chain");
                                }
                                if effects.after.rule_used != effects.before.rule_used {
                                    engage("§6.4 a cumulative limit counted");
                                }
                                let (a, b) = (&effects.after, &effects.before);
                                if a.native_period != b.native_period
                                    || a.token_period != b.token_period
                                {
                                    engage("§7.4/§8.6 a periodic allowance counted");
                                }
                                let native_stream =
                                    policy.native.is_some_and(|c| c.streaming.is_some())
                                        && a.native_spent != b.native_spent;
                                let token_stream = policy.erc20.iter().enumerate().any(|(t, c)| {
                                    c.streaming.is_some() && a.token_spent[t] != b.token_spent[t]
                                });
                                if native_stream || token_stream {
                                    engage("§7.5/§8.7 a stream let an amount through");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn model_and_reference_module_agree_on_every_clause() {
    agree_on_every_clause(Frame::Deployed);
}

/// The same scenarios on an EOA delegated to `LeashAccount7702` (spec §18): the frame changes
/// who the account is, never a verdict.
#[test]
fn model_and_reference_module_agree_on_every_clause_on_the_7702_frame() {
    agree_on_every_clause(Frame::Eip7702);
}

fn agree_on_every_clause(frame: Frame) {
    let target =
        Target::reference().and_then(|t| t.with_frame(frame)).expect("the reference module loads");
    let config = RunConfig { state_checks: StateChecks::EveryBundle, ..RunConfig::campaign() };
    let mut runner = Runner::for_target(&target, config).expect("the world deploys");
    // The first CASES cases make only lifecycle calls the spec accepts; the REFUSING_CASES
    // after them also install invalid policies and revoke keys without a session.
    let accepting = Catalog::reference(runner.world().addresses());
    let refusing = Catalog { refused_lifecycle: true, ..accepting.clone() };
    let addresses = *runner.world().addresses();
    let env = |now| runner_env(&addresses, now);
    let mut rng = SplitMix64::new(SEED);
    let mut input = vec![0u8; 4096];
    let mut coverage = Coverage::default();
    let mut ops = 0;
    let mut cases = 0;
    let mut round = |accepting_cases: usize, refusing_cases: usize, coverage: &mut Coverage| {
        for index in 0..accepting_cases + refusing_cases {
            rng.fill(&mut input);
            let catalog = if index < accepting_cases { &accepting } else { &refusing };
            cases += 1;
            let Ok(case) =
                generate_case(&mut Unstructured::new(&input), catalog, &CaseConfig::default())
            else {
                continue;
            };
            let report = runner.run(&case);
            ops += report.ops;
            if let Some(finding) = report.finding {
                panic!(
                    "scenario {cases} diverges: {finding:#?}\ncase: {}",
                    leash_fuzz::corpus::case_to_json(&case)
                );
            }
            coverage.record(&case, report.not_runnable.is_none(), env);
        }
    };
    round(CASES, REFUSING_CASES, &mut coverage);
    for _ in 0..EXTRA_ROUNDS {
        if coverage.unmet().is_empty() {
            break;
        }
        round(CASES / 5, REFUSING_CASES / 5, &mut coverage);
    }
    let unmet = coverage.unmet();
    assert!(unmet.is_empty(), "{cases} cases, {ops} ops:\n{}", unmet.join("\n"));
}

impl Coverage {
    /// The thresholds the scenarios have not met yet, each in words.
    fn unmet(&self) -> Vec<String> {
        let mut unmet = Vec::new();
        // The runner dropped these and ran the rest of their bundles.
        if self.malformed_paymaster < 5 {
            unmet.push(format!(
                "only {} ops carried a paymasterAndData the EntryPoint refuses",
                self.malformed_paymaster
            ));
        }
        let missing: Vec<&DenyReason> =
            DenyReason::ALL.iter().filter(|r| !self.denials.contains_key(r)).collect();
        if !missing.is_empty() {
            unmet.push(format!("no op reached these denials: {missing:?}"));
        }
        // Every clause of spec §12 the interface can carry (not §12.1's times beyond its uint48
        // fields) was broken, and refused on both sides for the same clause; some installs
        // named `address(0)` and were refused on both sides as `ZeroKey`; and some revokes
        // named a key without a session.
        let clauses = [2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14].map(Refusal::Clause);
        for refusal in clauses.into_iter().chain([Refusal::ZeroKey, Refusal::UnknownKey]) {
            let n = self.refused.get(&refusal).copied().unwrap_or(0);
            if n < 3 {
                unmet.push(format!("only {n} lifecycle calls were refused as {refusal:?}"));
            }
        }
        for rule in [
            "§5 a plain transfer permitted",
            "§6 argument rules passed",
            "§6.4 a cumulative limit counted",
            "§7 native value sent under a cap",
            "§8 a capped token moved",
            "§3.6 a batch",
            "§9 the rate ring full and passed",
            "§10 under a usage limit",
            "§11 inside a bounded window",
            "§7.4/§8.6 a periodic allowance counted",
            "§7.5/§8.7 a stream let an amount through",
            "§16.4 a gas cost counted",
            "§16.1 a required or allowlisted paymaster paid",
            "§16.2 a fee under its cap",
            "§16.3 a cost within the per-op limit",
            "§17 on a listed chain",
        ] {
            let n = self.engaged.get(rule).copied().unwrap_or(0);
            if n < 5 {
                unmet.push(format!("only {n} allowed ops engaged {rule} (of {})", self.allowed));
            }
        }
        unmet
    }
}

fn runner_env(addresses: &leash_fuzz::evm::Addresses, now: u64) -> Env {
    Env::new(now, addresses.account, addresses.module)
}
