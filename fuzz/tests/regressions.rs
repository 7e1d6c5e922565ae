//! Replays every committed regression in `corpus/regressions/`.
//!
//! An entry says which module it runs against and what it shows there: a finding of a class
//! (`expect`), or nothing. Entries against a mutant must also run clean against the reference
//! module: the finding is the planted bug, not a difference between the reference and the spec.
//! One of them also drives the compare log's test.

use std::path::Path;

use leash_fuzz::corpus::load_dir;
use leash_fuzz::engine::replay;
use leash_fuzz::run::RunConfig;
use leash_fuzz::target::Target;

#[test]
fn every_regression_replays_as_recorded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/regressions");
    let entries = load_dir(&dir).expect("corpus/regressions holds valid entries");
    assert!(!entries.is_empty(), "no regressions in {}", dir.display());
    let reference = Target::reference().expect("the reference target loads");
    let mut failures = Vec::new();
    for (path, entry) in &entries {
        let name = path.file_name().expect("a file").to_string_lossy();
        let target = Target::from_label(&entry.module)
            .unwrap_or_else(|e| panic!("{name}: module {:?}: {e}", entry.module));
        let shown = replay(&target, &entry.case, RunConfig::campaign()).expect("replays").finding;
        if shown.as_ref().map(|f| f.class) != entry.expect {
            failures.push(format!(
                "{name}: against {} expected {:?}, got {shown:?}",
                entry.module, entry.expect
            ));
        }
        if entry.module != "reference" {
            // The reference on the entry's frame: a case that re-delegates an EIP-7702 account
            // runs only there.
            let reference = reference.clone().with_frame(target.frame).expect("any frame");
            let clean = replay(&reference, &entry.case, RunConfig::campaign()).expect("replays");
            if let Some(f) = clean.finding {
                failures.push(format!("{name}: against the reference module it shows {f:?}"));
            }
            if let Some(why) = clean.not_runnable {
                failures.push(format!("{name}: the reference module cannot run it: {why}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} regressions failed:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}

/// The compare log is taken from the case as it runs (no second run): after a case installing a
/// session, it holds the window bounds `installSession` compared (`validAfter >= validUntil`,
/// SessionManager.sol), and a case run without coverage logs nothing.
#[test]
fn the_compare_log_holds_the_words_the_module_compared_in_the_case_just_run() {
    use alloy_primitives::U256;
    use leash_fuzz::run::Runner;

    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/regressions/mutant-c1-batch-data-offset.json");
    let entry = leash_fuzz::corpus::Entry::load(&path).expect("the regression loads");
    let reference = Target::reference().expect("the reference target loads");
    let mut runner = Runner::for_target(&reference, RunConfig::campaign()).expect("deploys");
    runner.run(&entry.case);
    let compared = runner.compared().to_vec();
    for bound in [1_700_000_000u64, 1_700_085_357] {
        assert!(compared.contains(&U256::from(bound)), "{bound} not in {compared:?}");
    }
    // The next case starts an empty log.
    let empty = leash_fuzz::case::Case { steps: Vec::new() };
    runner.run(&empty);
    assert!(runner.compared().is_empty(), "{:?}", runner.compared());
    let plain = RunConfig { coverage: false, ..RunConfig::campaign() };
    let mut runner = Runner::for_target(&reference, plain).expect("deploys");
    runner.run(&entry.case);
    assert!(runner.compared().is_empty(), "{:?}", runner.compared());
}
