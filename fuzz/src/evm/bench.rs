//! Throughput measurements of the EVM side alone, for `leash bench`.
//!
//! Ops are signed before the clock starts; no model runs. Each round restores the chain state the
//! caller set up (a snapshot taken when the measurement starts) and submits every op as its own
//! single-op `handleOps`, which is what one differential case costs per op.

use std::time::{Duration, Instant};

use super::abi::PackedUserOperation;
use super::bundle::{BundleError, Recording};
use super::world::World;

/// How many ops ran in how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throughput {
    /// Ops submitted (each in its own `handleOps`).
    pub ops: u64,
    /// Rounds run (each restores the starting state once).
    pub rounds: u64,
    /// Wall-clock time of the rounds, state restores included.
    pub elapsed: Duration,
}

impl Throughput {
    /// Ops per second.
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// Mean wall-clock time per op.
    pub fn per_op(&self) -> Duration {
        self.elapsed
            .checked_div(u32::try_from(self.ops.max(1)).unwrap_or(u32::MAX))
            .unwrap_or_default()
    }
}

/// Runs `ops` at `timestamp` one `handleOps` each, round after round from the chain state the
/// world has now, for at least `budget` (and at least one round), with the given recording.
///
/// The world is left in the state of the last round.
pub fn handle_ops(
    world: &mut World,
    timestamp: u64,
    ops: &[PackedUserOperation],
    recording: Recording,
    budget: Duration,
) -> Result<Throughput, BundleError> {
    let start_state = world.snapshot();
    let mut rounds = 0u64;
    let start = Instant::now();
    loop {
        world.restore(&start_state);
        for op in ops {
            world.run_bundle_with(timestamp, std::slice::from_ref(op), recording)?;
        }
        rounds += 1;
        if start.elapsed() >= budget {
            break;
        }
    }
    let elapsed = start.elapsed();
    Ok(Throughput { ops: rounds * ops.len() as u64, rounds, elapsed })
}

/// The bare baseline: [`handle_ops`] with no inspector.
pub fn bare_handle_ops(
    world: &mut World,
    timestamp: u64,
    ops: &[PackedUserOperation],
    budget: Duration,
) -> Result<Throughput, BundleError> {
    handle_ops(world, timestamp, ops, Recording::Off, budget)
}

/// [`handle_ops`] with the call recorder, as the differential fuzzer runs.
pub fn recorded_handle_ops(
    world: &mut World,
    timestamp: u64,
    ops: &[PackedUserOperation],
    budget: Duration,
) -> Result<Throughput, BundleError> {
    handle_ops(world, timestamp, ops, Recording::Calls, budget)
}

/// Mean cost of one [`World::reset`] (swapping a clone of the base state in), over at least
/// `budget`.
pub fn reset_cost(world: &mut World, budget: Duration) -> Duration {
    let mut n = 0u32;
    let start = Instant::now();
    while start.elapsed() < budget || n == 0 {
        for _ in 0..64 {
            world.reset();
        }
        n = n.saturating_add(64);
    }
    start.elapsed() / n
}
