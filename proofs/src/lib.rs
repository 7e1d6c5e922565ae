#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

/// Discards the case unless `cond` holds (runners), or restricts the paths to those where it
/// holds (Kani). Every use carries a comment saying why the assumption is sound.
macro_rules! assume {
    ($src:expr, $cond:expr) => {
        if !$crate::source::Source::assume($src, $cond) {
            return Ok($crate::Outcome::Discarded);
        }
    };
}

/// Checks one clause of the property. Under Kani it is also a `kani::assert` with the same
/// literal message, so a failed proof names the clause that failed.
macro_rules! ensure {
    ($cond:expr, $msg:literal) => {{
        let holds: bool = $cond;
        #[cfg(kani)]
        kani::assert(holds, $msg);
        if !holds {
            return Err($crate::Violation($msg));
        }
    }};
}

/// A coverage goal: `kani::cover!` under Kani, a hit counter in the runners' report.
macro_rules! cover {
    ($src:expr, $cond:expr, $msg:literal) => {{
        let hit: bool = $cond;
        #[cfg(kani)]
        kani::cover!(hit, $msg);
        $crate::source::Source::cover($src, hit, $msg);
    }};
}

mod codec;
#[cfg(kani)]
mod kani_harnesses;
pub mod mutants;
mod oracle;
mod props;
pub mod runner;
pub mod source;
pub mod sut;
mod world;

pub use runner::{Mode, Report, Runner};
pub use source::Source;

/// How a case ended, when its property held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The system under test allowed (or accepted) the input, and the property held.
    Allowed,
    /// The system under test denied (or rejected) the input, and the property held.
    Denied,
    /// An `assume` did not hold: the case is outside the property's domain.
    Discarded,
}

/// A property clause that did not hold: its message names the clause and the spec section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation(pub &'static str);

/// The result of one case of a harness body.
pub type CaseResult = Result<Outcome, Violation>;

/// A proof harness: one property body, run here against the real model.
#[derive(Clone, Copy, Debug)]
pub struct Harness {
    /// The harness name; the Kani entry point has the same name.
    pub name: &'static str,
    /// The property number: 1 to 10 from issue 5, 11 and 12 from issue 13 (allowances over
    /// time), 13 and 14 from issue 14 (gas, chain).
    pub property: u8,
    /// The spec clauses the property guards.
    pub clauses: &'static [&'static str],
    /// What the harness proves, in one sentence.
    pub summary: &'static str,
    /// Runs the harness body against the real model.
    pub run: fn(Mode, u64) -> Report,
}

/// Every harness, in property order.
pub fn harnesses() -> &'static [Harness] {
    HARNESSES
}

/// The harness named `name`.
pub fn harness(name: &str) -> Option<&'static Harness> {
    HARNESSES.iter().find(|h| h.name == name)
}

use props::{
    allowance, batch, caps, denial, gas, per_call, rate, revocation, scope, validate, window,
};
use runner::run;

static HARNESSES: &[Harness] = &[
    Harness {
        name: "p1_caps_step",
        property: 1,
        clauses: &["§6.4", "§7.3", "§8.5", "§9.2", "§10.1", "§13.2", "§13.3"],
        summary: "invariant(before) and an allowed op imply invariant(after), and the counters \
                  grow by exactly what the op moves",
        run: |mode, budget| run("p1_caps_step", |s| caps::step(s, sut::check), mode, budget),
    },
    Harness {
        name: "p1_caps_sequence",
        property: 1,
        clauses: &["§6.4", "§7.3", "§8.5", "§10.1", "§13.1"],
        summary: "over a sequence of ops from a fresh session, the totals allowed ops move stay \
                  within every cap",
        run: |mode, budget| {
            run("p1_caps_sequence", |s| caps::sequence(s, sut::check), mode, budget)
        },
    },
    Harness {
        name: "p2_per_call",
        property: 2,
        clauses: &["§7.1", "§7.2"],
        summary: "every allowed execution sends at most the per-call cap, and nothing without a \
                  native cap",
        run: |mode, budget| run("p2_per_call", |s| per_call::body(s, sut::check), mode, budget),
    },
    Harness {
        name: "p3_window",
        property: 3,
        clauses: &["§11.1", "§11.2", "§12.1"],
        summary: "allowed implies now inside the window, for each of the four window predicates; \
                  inside the window the window never denies",
        run: |mode, budget| run("p3_window", |s| window::body(s, sut::check, None), mode, budget),
    },
    Harness {
        name: "p4_revoked",
        property: 4,
        clauses: &["§2.2", "§2.3.2"],
        summary: "a revoked session denies every op with Revoked",
        run: |mode, budget| run("p4_revoked", |s| revocation::revoked(s, sut::check), mode, budget),
    },
    Harness {
        name: "p4_reinstall",
        property: 4,
        clauses: &["§2.1", "§2.2", "§2.3.2"],
        summary: "use, revoke (then denied), reinstall: clean counters, and the session judges ops \
                  exactly as a fresh one",
        run: |mode, budget| {
            run("p4_reinstall", |s| revocation::reinstall(s, sut::install), mode, budget)
        },
    },
    Harness {
        name: "p5_rate_step",
        property: 5,
        clauses: &["§9.1", "§9.2"],
        summary: "with the ring holding the last max_calls timestamps, an allowed call has fewer \
                  than max_calls calls in the interval before it, and the ring stays exact",
        run: |mode, budget| run("p5_rate_step", |s| rate::step(s, sut::check), mode, budget),
    },
    Harness {
        name: "p5_rate_sequence",
        property: 5,
        clauses: &["§9", "§10.1"],
        summary: "over a sequence of ops at non-decreasing times, no interval holds more than \
                  max_calls allowed calls and no session makes more than its usage limit",
        run: |mode, budget| {
            run("p5_rate_sequence", |s| rate::sequence(s, sut::check), mode, budget)
        },
    },
    Harness {
        name: "p6_scope",
        property: 6,
        clauses: &["§4", "§5.1", "§5.3", "§6.1", "§6.2", "§6.3"],
        summary: "every allowed execution avoids the account, the module and address(0), has a \
                  permission for its target and selector, and the arguments its callee decodes \
                  satisfy every rule",
        run: |mode, budget| run("p6_scope", |s| scope::body(s, sut::check), mode, budget),
    },
    Harness {
        name: "p6_mode",
        property: 6,
        clauses: &["§3.3", "§3.6.3"],
        summary: "an allowed op is a default-exec single or batch call (no delegatecall, static or \
                  try) with at least one execution",
        run: |mode, budget| run("p6_mode", |s| scope::mode(s, sut::validate), mode, budget),
    },
    Harness {
        name: "p7_denial_unchanged",
        property: 7,
        clauses: &["§1.3", "§13.2"],
        summary: "a denied op leaves the whole account state unchanged; an allowed one changes \
                  exactly its session's counters",
        run: |mode, budget| {
            run("p7_denial_unchanged", |s| denial::body(s, sut::execute_op), mode, budget)
        },
    },
    Harness {
        name: "p8_execute_decode_encode",
        property: 8,
        clauses: &["§3"],
        summary: "callData the strict decoder accepts is exactly the canonical encoding of what it \
                  decodes",
        run: |mode, budget| {
            run(
                "p8_execute_decode_encode",
                |s| codec::execute_decode_encode(s, sut::decode_execute_strict),
                mode,
                budget,
            )
        },
    },
    Harness {
        name: "p8_execute_encode_decode",
        property: 8,
        clauses: &["§3.5", "§3.6"],
        summary: "the canonical encoding of any single or batch (bounded sizes) decodes back to it",
        run: |mode, budget| {
            run(
                "p8_execute_encode_decode",
                |s| codec::execute_encode_decode(s, sut::decode_execute_strict),
                mode,
                budget,
            )
        },
    },
    Harness {
        name: "p8_args_decode_encode",
        property: 8,
        clauses: &["§6.1"],
        summary: "arguments the strict decoder accepts are exactly the canonical encoding of what \
                  it decodes",
        run: |mode, budget| {
            run(
                "p8_args_decode_encode",
                |s| codec::args_decode_encode(s, sut::decode_args_strict),
                mode,
                budget,
            )
        },
    },
    Harness {
        name: "p8_args_encode_decode",
        property: 8,
        clauses: &["§6.1"],
        summary: "the canonical encoding of clean argument values (bounded sizes) decodes back to \
                  them",
        run: |mode, budget| {
            run(
                "p8_args_encode_decode",
                |s| codec::args_encode_decode(s, sut::decode_args_strict),
                mode,
                budget,
            )
        },
    },
    Harness {
        name: "p9_validate_total",
        property: 9,
        clauses: &["§1.2", "§3", "§6.1", "§13.3"],
        summary: "validate returns a verdict (no panic, no overflow) for any callData, signer, \
                  environment and reachable state within the bounds",
        run: |mode, budget| {
            run("p9_validate_total", |s| validate::body(s, sut::validate), mode, budget)
        },
    },
    Harness {
        name: "p10_batch_spend",
        property: 10,
        clauses: &["§6.4", "§7.3", "§8.5", "§10.1", "§13.2"],
        summary: "an allowed batch moves in total at most what each cap had left before it",
        run: |mode, budget| run("p10_batch_spend", |s| batch::body(s, sut::check), mode, budget),
    },
    Harness {
        name: "p11_period_step",
        property: 11,
        clauses: &["§7.4", "§8.6", "§13", "§15.1", "§15.2"],
        summary: "with the period counter holding the last spend's period and all it holds, an \
                  allowed op keeps the current period within its amount, moves nothing before \
                  the start, and leaves the counter exact",
        run: |mode, budget| {
            run("p11_period_step", |s| allowance::period_step(s, sut::check), mode, budget)
        },
    },
    Harness {
        name: "p11_period_sequence",
        property: 11,
        clauses: &["§7.4", "§8.6", "§15.2"],
        summary: "over sequences of ops and time warps (period edges, skipped periods), no \
                  period holds more than its amount, under both anchors and both clocks",
        run: |mode, budget| {
            run("p11_period_sequence", |s| allowance::period_sequence(s, sut::check), mode, budget)
        },
    },
    Harness {
        name: "p12_stream_step",
        property: 12,
        clauses: &["§7.5", "§8.7", "§15.3"],
        summary: "if what a stream let through was within what it had unlocked, an allowed op \
                  keeps it within what it has unlocked now, overflow saturating or denied",
        run: |mode, budget| {
            run("p12_stream_step", |s| allowance::stream_step(s, sut::check), mode, budget)
        },
    },
    Harness {
        name: "p12_stream_sequence",
        property: 12,
        clauses: &["§7.5", "§8.7", "§15.3"],
        summary: "over sequences of ops at non-decreasing times, the amounts a stream let \
                  through never exceed what it has unlocked",
        run: |mode, budget| {
            run("p12_stream_sequence", |s| allowance::stream_sequence(s, sut::check), mode, budget)
        },
    },
    Harness {
        name: "p13_gas_step",
        property: 13,
        clauses: &["§16.1", "§16.2", "§16.3", "§16.4"],
        summary: "an allowed op has an allowed paymaster, a fee within the cap and a cost within \
                  the per-op limit, and moves the gas counter by exactly its cost, within the \
                  total; the model allows exactly what §16 restated in 256 bits allows",
        run: |mode, budget| run("p13_gas_step", |s| gas::step(s, sut::check_op), mode, budget),
    },
    Harness {
        name: "p13_gas_sequence",
        property: 13,
        clauses: &["§16.4", "§13.1"],
        summary: "over a sequence of ops from a fresh session, the allowed ops' costs never add \
                  up to more than the total",
        run: |mode, budget| {
            run("p13_gas_sequence", |s| gas::sequence(s, sut::check_op), mode, budget)
        },
    },
    Harness {
        name: "p14_chain",
        property: 14,
        clauses: &["§17.1"],
        summary: "no op is allowed on a chain outside the policy's list, and on a listed chain \
                  the list never denies",
        run: |mode, budget| run("p14_chain", |s| gas::chain(s, sut::check_op), mode, budget),
    },
];
