//! Every harness runs here without Kani, against the real model: exhaustively over its hints
//! (each test pins how many cases that is, so a change in the domain shows up in review), and
//! on random full-width inputs (each test states a minimum of checked cases).
//!
//! Counts are for a debug build, which also checks arithmetic overflow. Run one harness with
//! `cargo test -p leash-proofs --test harnesses p1_caps_step`.

use leash_proofs::{Mode, Report, harness, harnesses};

/// More than any exhaustive domain here: a run that hits it is reported as incomplete.
const EXHAUSTIVE_BUDGET: u64 = 1_000_000;
/// The random runners' seed (the harness name is mixed in).
const SEED: u64 = 0x1ea5_4ca5;

fn run(name: &str, mode: Mode, budget: u64) -> Report {
    let h = harness(name).unwrap_or_else(|| panic!("no harness {name}"));
    (h.run)(mode, budget)
}

/// Runs `name` exhaustively and checks it passed, covered every goal, and checked exactly
/// `cases` cases after discarding exactly `discarded`.
fn exhaustive(name: &str, cases: u64, discarded: u64) -> Report {
    let report = run(name, Mode::Exhaustive, EXHAUSTIVE_BUDGET);
    assert!(report.passed(), "{report}");
    assert!(report.uncovered().is_empty(), "{name}: goals never reached: {:?}", report.uncovered());
    assert_eq!((report.cases, report.discarded), (cases, discarded), "{report}");
    report
}

/// Runs `name` on `budget` random cases and checks it passed with at least `min_cases` checked.
fn random(name: &str, budget: u64, min_cases: u64) -> Report {
    let report = run(name, Mode::Random { seed: SEED }, budget);
    assert!(report.passed(), "{report}");
    assert!(report.cases >= min_cases, "{report}: fewer than {min_cases} checked");
    report
}

/// Both paths of the system under test were taken.
fn both_paths(report: &Report) {
    assert!(report.allowed > 0 && report.denied > 0, "{report}: one path never taken");
}

macro_rules! harness_test {
    ($name:ident, exhaustive: $cases:literal checked + $discarded:literal discarded, random: $min:literal of $budget:literal, $paths:expr) => {
        #[test]
        fn $name() {
            let report = exhaustive(stringify!($name), $cases, $discarded);
            $paths(&report);
            random(stringify!($name), $budget, $min);
        }
    };
}

fn allow_only(report: &Report) {
    assert!(report.allowed > 0 && report.denied == 0, "{report}");
}

fn deny_only(report: &Report) {
    assert!(report.allowed == 0 && report.denied > 0, "{report}");
}

harness_test!(p1_caps_step, exhaustive: 82716 checked + 0 discarded, random: 2000 of 4000, both_paths);
harness_test!(p1_caps_sequence, exhaustive: 11431 checked + 0 discarded, random: 2000 of 4000, both_paths);
harness_test!(p2_per_call, exhaustive: 234 checked + 0 discarded, random: 5000 of 10000, both_paths);
harness_test!(p3_window, exhaustive: 428 checked + 21 discarded, random: 2500 of 10000, both_paths);
// A revoked session allows nothing: its allow path is the cover "an active one would allow".
harness_test!(p4_revoked, exhaustive: 816 checked + 0 discarded, random: 2000 of 4000, deny_only);
harness_test!(p4_reinstall, exhaustive: 6912 checked + 0 discarded, random: 1000 of 2000, both_paths);
harness_test!(p5_rate_step, exhaustive: 2036 checked + 479 discarded, random: 2500 of 10000, both_paths);
harness_test!(p5_rate_sequence, exhaustive: 4608 checked + 0 discarded, random: 2000 of 4000, both_paths);
harness_test!(p6_scope, exhaustive: 94050 checked + 0 discarded, random: 5000 of 10000, both_paths);
harness_test!(p6_mode, exhaustive: 96 checked + 0 discarded, random: 2000 of 4000, both_paths);
harness_test!(p7_denial_unchanged, exhaustive: 720 checked + 0 discarded, random: 1000 of 2000, both_paths);
harness_test!(p8_execute_decode_encode, exhaustive: 46424 checked + 0 discarded, random: 10000 of 10000, both_paths);
// A canonical encoding is never rejected: encode-then-decode has no deny path.
harness_test!(p8_execute_encode_decode, exhaustive: 440 checked + 0 discarded, random: 10000 of 10000, allow_only);
harness_test!(p8_args_decode_encode, exhaustive: 4144 checked + 0 discarded, random: 10000 of 10000, both_paths);
harness_test!(p8_args_encode_decode, exhaustive: 112 checked + 0 discarded, random: 8000 of 10000, allow_only);
harness_test!(p9_validate_total, exhaustive: 2956 checked + 0 discarded, random: 1000 of 2000, both_paths);
harness_test!(p10_batch_spend, exhaustive: 78912 checked + 0 discarded, random: 2000 of 4000, both_paths);
harness_test!(p11_period_step, exhaustive: 10464 checked + 144 discarded, random: 2000 of 4000, both_paths);
harness_test!(p11_period_sequence, exhaustive: 6696 checked + 0 discarded, random: 2000 of 4000, both_paths);
harness_test!(p12_stream_step, exhaustive: 32048 checked + 780 discarded, random: 1500 of 4000, both_paths);
harness_test!(p12_stream_sequence, exhaustive: 1640 checked + 0 discarded, random: 2000 of 4000, both_paths);
harness_test!(p13_gas_step, exhaustive: 6912 checked + 0 discarded, random: 2000 of 4000, both_paths);
harness_test!(p13_gas_sequence, exhaustive: 960 checked + 0 discarded, random: 2000 of 4000, both_paths);
harness_test!(p14_chain, exhaustive: 20 checked + 2 discarded, random: 2000 of 4000, both_paths);

#[test]
fn every_property_has_a_harness_and_names_are_unique() {
    for property in 1..=14 {
        assert!(harnesses().iter().any(|h| h.property == property), "property {property}");
    }
    for (i, h) in harnesses().iter().enumerate() {
        assert!(harnesses()[..i].iter().all(|other| other.name != h.name), "{} twice", h.name);
        assert!(
            h.name.starts_with(&format!("p{}_", h.property)),
            "{} is not named for its property",
            h.name
        );
        assert!(!h.clauses.is_empty(), "{} cites no clause", h.name);
    }
}

#[test]
fn every_harness_has_a_test_here_a_kani_entry_point_and_a_readme_row() {
    let tests = include_str!("harnesses.rs");
    let kani = include_str!("../src/kani_harnesses.rs");
    let readme = include_str!("../README.md");
    for h in harnesses() {
        assert!(tests.contains(&format!("harness_test!({},", h.name)), "{} has no test", h.name);
        assert!(
            kani.contains(&format!("fn {}() {{", h.name))
                || kani.contains(&format!("fn {}_", h.name)),
            "{} has no Kani entry point",
            h.name
        );
        assert!(readme.contains(&format!("`{}`", h.name)), "{} is not in the README", h.name);
    }
}

#[test]
fn the_kani_workflow_runs_every_kani_entry_point() {
    let kani = include_str!("../src/kani_harnesses.rs");
    let workflow = include_str!("../../.github/workflows/kani.yml");
    let entry_points: Vec<&str> =
        kani.lines().filter_map(|line| line.strip_prefix("fn ")?.strip_suffix("() {")).collect();
    assert_eq!(entry_points.len(), harnesses().len() + 3, "one per harness, four for p3_window");
    for name in entry_points {
        assert!(workflow.contains(&format!("          - {name}\n")), "{name} is not in kani.yml");
    }
    assert!(workflow.contains("args: -p leash-proofs --harness ${{ matrix.harness }}"));
    assert!(workflow.contains("kani-version: \"0.68.0\""), "Kani is pinned");
}
