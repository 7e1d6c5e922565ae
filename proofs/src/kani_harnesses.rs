//! The Kani entry points: one per harness of [`crate::harnesses`] (four for property 3, one per
//! window predicate), each a thin wrapper that runs the shared body with [`KaniSource`] against
//! the real model.
//!
//! Unwind bounds: `unwind(34)` everywhere, one more than the longest loop any harness reaches.
//! Every loop of the model and of the bodies has a constant bound, and the longest are the byte
//! loops over one word or one calldata of a generated execution: `from_be_slice` and `all_zero`
//! on up to 32 bytes, `memcmp` on a 20-byte address or a 33-byte calldata, the `resize` that
//! pads up to 31 bytes. Whole byte strings are compared a word at a time
//! (`codec::same_bytes`), and loops over permissions (`MAX_PERMISSIONS`), rules, tokens, batch
//! items and the rate ring (`MAX_RATE`) run at most 8 times. A bound that is too small makes
//! Kani report an unwinding-assertion failure, not a wrong proof.
//!
//! These harnesses have been type-checked with `kani-check` but never run under Kani here: see
//! `proofs/README.md` for the command and for what has and has not been verified.

use leash_model::WindowPredicate;

use crate::props::{
    allowance, batch, caps, denial, gas, per_call, rate, revocation, scope, validate, window,
};
use crate::source::KaniSource;
use crate::{Outcome, codec, sut};

/// Runs a body: its verdict must be a pass (every `ensure!` inside is also a `kani::assert`),
/// and its allow and deny paths must both be reachable. Attributes are written out on each
/// harness: Kani reads `unwind`'s argument as a literal, not as a macro fragment.
macro_rules! prove {
    ($outcome:expr, $allow:literal, $deny:literal) => {{
        let outcome = $outcome;
        kani::assert(outcome.is_ok(), "the property holds");
        kani::cover!(outcome == Ok(Outcome::Allowed), $allow);
        kani::cover!(outcome == Ok(Outcome::Denied), $deny);
    }};
}

#[kani::proof]
#[kani::unwind(34)]
fn p1_caps_step() {
    prove!(
        caps::step(&mut KaniSource, sut::check),
        "p1_caps_step: allow path",
        "p1_caps_step: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p1_caps_sequence() {
    prove!(
        caps::sequence(&mut KaniSource, sut::check),
        "p1_caps_sequence: some op allowed",
        "p1_caps_sequence: every op denied"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p2_per_call() {
    prove!(
        per_call::body(&mut KaniSource, sut::check),
        "p2_per_call: allow path",
        "p2_per_call: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p3_window_entrypoint_v08() {
    prove!(
        window::body(&mut KaniSource, sut::check, Some(WindowPredicate::EntryPointV08)),
        "p3_window_entrypoint_v08: allow path",
        "p3_window_entrypoint_v08: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p3_window_entrypoint_v07() {
    prove!(
        window::body(&mut KaniSource, sut::check, Some(WindowPredicate::EntryPointV07)),
        "p3_window_entrypoint_v07: allow path",
        "p3_window_entrypoint_v07: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p3_window_half_open() {
    prove!(
        window::body(&mut KaniSource, sut::check, Some(WindowPredicate::HalfOpen)),
        "p3_window_half_open: allow path",
        "p3_window_half_open: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p3_window_exclusive() {
    prove!(
        window::body(&mut KaniSource, sut::check, Some(WindowPredicate::Exclusive)),
        "p3_window_exclusive: allow path",
        "p3_window_exclusive: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p4_revoked() {
    prove!(
        revocation::revoked(&mut KaniSource, sut::check),
        "p4_revoked: allow path (never: revoked sessions deny)",
        "p4_revoked: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p4_reinstall() {
    prove!(
        revocation::reinstall(&mut KaniSource, sut::install),
        "p4_reinstall: the op after reinstall is allowed",
        "p4_reinstall: the op after reinstall is denied"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p5_rate_step() {
    prove!(
        rate::step(&mut KaniSource, sut::check),
        "p5_rate_step: allow path",
        "p5_rate_step: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p5_rate_sequence() {
    prove!(
        rate::sequence(&mut KaniSource, sut::check),
        "p5_rate_sequence: some call allowed",
        "p5_rate_sequence: every call denied"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p6_scope() {
    prove!(scope::body(&mut KaniSource, sut::check), "p6_scope: allow path", "p6_scope: deny path");
}

#[kani::proof]
#[kani::unwind(34)]
fn p6_mode() {
    prove!(
        scope::mode(&mut KaniSource, sut::validate),
        "p6_mode: allow path",
        "p6_mode: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p7_denial_unchanged() {
    prove!(
        denial::body(&mut KaniSource, sut::execute_op),
        "p7_denial_unchanged: allow path",
        "p7_denial_unchanged: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p8_execute_decode_encode() {
    prove!(
        codec::execute_decode_encode(&mut KaniSource, sut::decode_execute_strict),
        "p8_execute_decode_encode: accepted",
        "p8_execute_decode_encode: rejected"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p8_execute_encode_decode() {
    prove!(
        codec::execute_encode_decode(&mut KaniSource, sut::decode_execute_strict),
        "p8_execute_encode_decode: round trip",
        "p8_execute_encode_decode: (never denied)"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p8_args_decode_encode() {
    prove!(
        codec::args_decode_encode(&mut KaniSource, sut::decode_args_strict),
        "p8_args_decode_encode: accepted",
        "p8_args_decode_encode: rejected"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p8_args_encode_decode() {
    prove!(
        codec::args_encode_decode(&mut KaniSource, sut::decode_args_strict),
        "p8_args_encode_decode: round trip",
        "p8_args_encode_decode: (never denied)"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p9_validate_total() {
    prove!(
        validate::body(&mut KaniSource, sut::validate),
        "p9_validate_total: allow path",
        "p9_validate_total: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p10_batch_spend() {
    prove!(
        batch::body(&mut KaniSource, sut::check),
        "p10_batch_spend: allow path",
        "p10_batch_spend: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p11_period_step() {
    prove!(
        allowance::period_step(&mut KaniSource, sut::check),
        "p11_period_step: allow path",
        "p11_period_step: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p11_period_sequence() {
    prove!(
        allowance::period_sequence(&mut KaniSource, sut::check),
        "p11_period_sequence: some spend allowed",
        "p11_period_sequence: every spend denied"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p12_stream_step() {
    prove!(
        allowance::stream_step(&mut KaniSource, sut::check),
        "p12_stream_step: allow path",
        "p12_stream_step: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p12_stream_sequence() {
    prove!(
        allowance::stream_sequence(&mut KaniSource, sut::check),
        "p12_stream_sequence: something let through",
        "p12_stream_sequence: nothing let through"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p13_gas_step() {
    prove!(
        gas::step(&mut KaniSource, sut::check_op),
        "p13_gas_step: allow path",
        "p13_gas_step: deny path"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p13_gas_sequence() {
    prove!(
        gas::sequence(&mut KaniSource, sut::check_op),
        "p13_gas_sequence: some op allowed",
        "p13_gas_sequence: every op denied"
    );
}

#[kani::proof]
#[kani::unwind(34)]
fn p14_chain() {
    prove!(
        gas::chain(&mut KaniSource, sut::check_op),
        "p14_chain: allow path",
        "p14_chain: deny path"
    );
}
