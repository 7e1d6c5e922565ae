//! Replays every committed regression in `corpus/regressions/`.
//!
//! An entry says which module it runs against and what it shows there: a finding of a class
//! (`expect`), or nothing. Entries against a mutant must also run clean against the reference
//! module: the finding is the planted bug, not a difference between the reference and the spec.

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
            let clean = replay(&reference, &entry.case, RunConfig::campaign()).expect("replays");
            if let Some(f) = clean.finding {
                failures.push(format!("{name}: against the reference module it shows {f:?}"));
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
