//! Throughput of the differential fuzzer against bare revm on the same work.
//!
//! A [`Workload`] is a fixed list of generated cases. [`differential`] runs it the way a
//! campaign does (model, signing, EVM with the call recorder, oracle, counter checks);
//! [`bare`] runs the very same transactions with nothing but revm: ops signed before the clock
//! starts, no inspector, no model, no checks, the same bundles resubmitted without the same
//! refused ops. The ratio of the two is the fuzzer's overhead. For a module of the redeem frame
//! ([`Frame::Redeem`]) the same ops are the same redemptions, each sent by its session key with
//! [`Recording::Off`].

use std::time::Instant;

use alloy_primitives::{Address, B256};
use arbitrary::Unstructured;

use crate::case::{Action, Actor, Case, Code, Replay, START_CHAIN, START_TIME, SlotWrite, Step};
use crate::engine::SplitMix64;
use crate::evm::eip7702::authorization_applies;
use crate::evm::{
    KEY_COUNT, PackedUserOperation, Recording, Signing, World, key_address, session_keys,
};
use crate::generate::{CaseConfig, Catalog, generate_case};
use crate::modules::{Frame, Redemption, SessionModule};
use crate::run::{RunConfig, Runner, presign_op_under, redemption_of};
use crate::target::{Target, TargetError};

/// A fixed list of cases to measure on.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The cases.
    pub cases: Vec<Case>,
}

impl Workload {
    /// `count` cases generated from `seed`, the way a campaign generates fresh inputs.
    pub fn generate(seed: u64, count: usize, catalog: &Catalog, config: &CaseConfig) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut cases = Vec::with_capacity(count);
        let mut input = vec![0u8; 4096];
        while cases.len() < count {
            rng.fill(&mut input);
            if let Ok(case) = generate_case(&mut Unstructured::new(&input), catalog, config) {
                cases.push(case);
            }
        }
        Self { cases }
    }

    /// The number of ops over all cases.
    pub fn ops(&self) -> u64 {
        self.cases.iter().map(|c| c.op_count() as u64).sum()
    }
}

/// How long some work took.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measurement {
    /// Ops submitted.
    pub ops: u64,
    /// Wall-clock seconds on one thread.
    pub seconds: f64,
}

impl Measurement {
    /// Ops per second.
    pub fn ops_per_sec(&self) -> f64 {
        if self.seconds > 0.0 { self.ops as f64 / self.seconds } else { 0.0 }
    }
}

/// Runs the workload differentially, as a campaign worker does (without generating the cases).
/// Also returns how many cases showed a finding (zero on a correct module).
pub fn differential(
    target: &Target,
    workload: &Workload,
    run: RunConfig,
) -> Result<(Measurement, usize), TargetError> {
    let mut runner = Runner::for_target(target, run)?;
    // As a campaign runs it by default: the compare log feeds coverage guidance.
    runner.world_mut().coverage_mut().set_compare_log(run.coverage);
    let start = Instant::now();
    let mut ops = 0;
    let mut findings = 0;
    for case in &workload.cases {
        let report = runner.run(case);
        ops += report.ops;
        findings += usize::from(report.finding.is_some());
    }
    Ok((Measurement { ops, seconds: start.elapsed().as_secs_f64() }, findings))
}

/// One step of a case, ready for bare execution: ops already signed.
enum BareStep {
    Install(Address, Box<leash_model::Policy>),
    Revoke(Address),
    Time(u64),
    /// `block.chainid` moves (spec §17).
    Chain(u64),
    /// Each op with its signer and its ECDSA signature and decoy tail, to be wrapped in the
    /// module's signature layout when it runs (the layout can name the session installed by an
    /// earlier step).
    /// (The fourth field is the op's digest, spec §1.4.1, which the bare run does not use.)
    Bundle(Vec<(PackedUserOperation, Option<Address>, Vec<u8>, B256)>),
    /// Each op as the redemption its session key (or, for a malformed signer, a key no session
    /// names) sends: the sender, the mode and the execution. An op that is no `execute` call is
    /// no redemption (`None`): it is counted and not sent, as the runner counts it.
    Redeem(Vec<Option<(Address, alloy_primitives::B256, Vec<u8>)>>),
    /// A re-delegation of the EIP-7702 frame's EOA, with the chain its authorization names.
    Delegate(Code, Vec<SlotWrite>, Option<u64>),
    /// A plain transaction on the EIP-7702 frame.
    Direct(Actor, Action),
}

/// Runs the workload's transactions on bare revm: the same installs, revocations and bundles,
/// with every op signed before the clock starts, no inspector, and nothing compared.
pub fn bare(target: &Target, workload: &Workload) -> Result<Measurement, TargetError> {
    let (mut world, mut module) = target.instantiate()?;
    let mut nonce_key = 1u64;
    let prepared: Vec<Vec<BareStep>> = workload
        .cases
        .iter()
        .map(|case| {
            // Ops are signed for the code the EOA will run when their bundle does (spec §18.1),
            // on the chain they run on (spec §17).
            let mut code = Code::Account;
            world.set_chain_id(START_CHAIN);
            let mut steps: Vec<BareStep> = Vec::with_capacity(case.steps.len());
            for step in &case.steps {
                let next = prepare(&mut world, &*module, step, &steps, &mut nonce_key, &mut code);
                steps.push(next);
            }
            steps
        })
        .collect();
    let start = Instant::now();
    let mut ops = 0;
    for steps in &prepared {
        world.reset();
        world.set_chain_id(START_CHAIN);
        module.reset();
        let mut now = START_TIME;
        for step in steps {
            match step {
                BareStep::Install(key, policy) => {
                    world.set_timestamp(now);
                    let _ = module.install(&mut world, *key, policy);
                }
                BareStep::Revoke(key) => {
                    world.set_timestamp(now);
                    let _ = module.revoke(&mut world, *key);
                }
                BareStep::Time(t) => now = now.max(*t),
                BareStep::Chain(id) => world.set_chain_id(*id),
                BareStep::Bundle(prepared) => {
                    ops += prepared.len() as u64;
                    let packed: Vec<PackedUserOperation> = prepared
                        .iter()
                        .map(|(op, signer, signature, _)| PackedUserOperation {
                            signature: module.wrap_signature(*signer, signature),
                            ..op.clone()
                        })
                        .collect();
                    let _ = world.run_bundle_bare(now, &packed);
                }
                BareStep::Redeem(redemptions) => {
                    ops += redemptions.len() as u64;
                    for (sender, mode, execution) in redemptions.iter().flatten() {
                        let op = Redemption {
                            now,
                            sender: *sender,
                            mode: *mode,
                            execution,
                            recording: Recording::Off,
                        };
                        let _ = module.redeem(&mut world, &op);
                    }
                }
                BareStep::Delegate(code, writes, chain) => {
                    world.set_timestamp(now);
                    let _ = world.redelegate(*code, writes, *chain);
                }
                BareStep::Direct(from, action) => {
                    world.set_timestamp(now);
                    let _ = world.direct(*from, action);
                }
            }
        }
    }
    Ok(Measurement { ops, seconds: start.elapsed().as_secs_f64() })
}

fn prepare(
    world: &mut World,
    module: &dyn SessionModule,
    step: &Step,
    earlier: &[BareStep],
    nonce_key: &mut u64,
    code: &mut Code,
) -> BareStep {
    let delegate = match world.eip7702() {
        Some(frame) => frame.address_of(*code),
        None => world.delegation_ref(world.addresses().account),
    };
    match step {
        Step::Install { key, policy } => BareStep::Install(key_address(*key), policy.clone()),
        Step::Revoke { key } => BareStep::Revoke(key_address(*key)),
        Step::Time { now } => BareStep::Time(*now),
        Step::Bundle { ops } if module.frame() == Frame::Redeem => BareStep::Redeem(
            ops.iter()
                .map(|op| {
                    let sender = op
                        .signer
                        .address()
                        .unwrap_or_else(|| session_keys()[KEY_COUNT - 1].address());
                    redemption_of(&op.call_data).map(|(mode, execution)| (sender, mode, execution))
                })
                .collect(),
        ),
        Step::Chain { id } => {
            // Later ops are signed for the chain they run on.
            world.set_chain_id(*id);
            BareStep::Chain(*id)
        }
        Step::Bundle { ops } => {
            let mut signed: Vec<_> = ops
                .iter()
                .map(|op| {
                    let resubmitted = match op.replay {
                        Some(Replay::Resubmit { step, op: position }) => match earlier.get(step) {
                            Some(BareStep::Bundle(ops)) => ops.get(position).cloned(),
                            _ => None,
                        },
                        _ => None,
                    };
                    resubmitted.unwrap_or_else(|| {
                        *nonce_key += 1;
                        presign_op_under(world, module, *nonce_key, op, Signing::Rfc6979, delegate)
                    })
                })
                .collect();
            for (position, op) in ops.iter().enumerate() {
                if let Some(Replay::SignatureOf { op: other }) = op.replay
                    && let Some((_, signer, signature, _)) = signed.get(other).cloned()
                {
                    (signed[position].1, signed[position].2) = (signer, signature);
                }
            }
            BareStep::Bundle(signed)
        }
        Step::Delegate { to, writes, chain } => {
            // Ops after it are signed under the code the EOA runs (spec §18.10).
            if chain.is_none_or(|c| authorization_applies(c, world.chain_id())) {
                *code = *to;
            }
            BareStep::Delegate(*to, writes.clone(), *chain)
        }
        Step::Direct { from, action } => BareStep::Direct(*from, action.clone()),
    }
}
