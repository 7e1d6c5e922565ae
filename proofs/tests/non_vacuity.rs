//! Non-vacuity: every harness finds a counterexample against a deliberately broken variant of
//! the rule it guards (`leash_proofs::mutants`), in both runner modes. A harness whose
//! assumptions excluded the bug, or whose assertions could not see it, would pass here and fail
//! this test.

use leash_proofs::mutants::{Mutant, mutants};
use leash_proofs::{Mode, harness, harnesses};

const SEED: u64 = 0x1ea5_4ca5;

fn mutant(name: &str) -> &'static Mutant {
    mutants().iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no mutant {name}"))
}

/// The exhaustive runner reports a counterexample naming the expected clause and listing the
/// inputs; the random runner reports one too. Returns the exhaustive counterexample.
fn caught(name: &str) -> String {
    let m = mutant(name);
    let h = harness(m.harness).unwrap_or_else(|| panic!("{name}: no harness {}", m.harness));
    assert_eq!(h.property, m.property, "{name}");
    let report = (m.run)(Mode::Exhaustive, 1_000_000);
    let counterexample = report
        .counterexample
        .clone()
        .unwrap_or_else(|| panic!("{name} ({}) escaped {}: {report}", m.bug_class, m.harness));
    assert!(
        counterexample.contains(m.expect),
        "{name}: expected {:?} in\n{counterexample}",
        m.expect
    );
    assert!(
        counterexample.contains("\n  "),
        "{name}: the counterexample lists no inputs:\n{counterexample}"
    );
    let report = (m.run)(Mode::Random { seed: SEED }, 20_000);
    let random = report.counterexample.unwrap_or_else(|| panic!("{name}: random runner missed it"));
    let tag = format!("P{}: ", m.property);
    assert!(random.contains(&tag) || random.contains("panicked"), "{name}:\n{random}");
    counterexample
}

macro_rules! non_vacuity {
    ($($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                caught(stringify!($name));
            }
        )+

        #[test]
        fn every_mutant_has_a_test_and_every_property_a_mutant() {
            let tested = [$(stringify!($name)),+];
            for m in mutants() {
                assert!(tested.contains(&m.name), "mutant {} has no test", m.name);
            }
            for h in harnesses() {
                assert!(mutants().iter().any(|m| m.harness == h.name), "harness {} has no mutant", h.name);
            }
        }
    };
}

non_vacuity!(
    gas_call_limit_only,
    gas_total_not_persisted,
    chain_stored_at_install,
    cap_off_by_one,
    cap_not_persisted,
    per_call_off_by_one,
    window_off_by_one,
    revocation_ignored,
    reinstall_keeps_counters,
    rate_interval_off_by_one,
    usage_off_by_one,
    self_call_allowed,
    fixed_offset_rules,
    empty_batch_accepted,
    call_type_masked,
    partial_batch_persisted,
    trailing_bytes_ignored,
    unpadded_length_rejected,
    solidity_args_decoder,
    uint_max_rejected,
    unchecked_outer_length,
    pre_state_batch,
    period_boundary_in_old_period,
    period_reset_lags,
    period_carry_over,
    stream_from_zero,
    stream_max_ignored,
);

/// The C2 counterexample is the bypass itself: the rule holds on the innocent canonical tail
/// the broken variant reads, and fails on the relocated tail the callee reads.
#[test]
fn the_c2_counterexample_is_a_relocated_tail() {
    let counterexample = caught("fixed_offset_rules");
    assert!(counterexample.contains("arg.twist = 1 (of 0..4)"), "{counterexample}");
    assert!(counterexample.contains("arg.relocated.word"), "{counterexample}");
}
