//! The libFuzzer targets that fuzz what leash reads from users start from copies of the files
//! they stand for (`fuzz/targets/seeds/`): `corpus_entry` from every committed regression and
//! the corpus format's golden entry, `policy_file` from the examples and the fixture policies.
//! Copies drift: before these tests the `corpus_entry` seeds lacked eleven regressions and the
//! `policy_file` seeds predated the gas and chain rules. A new, changed or removed original
//! fails here until the seed directory matches it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files of `dir` whose names end in one of `extensions`, by name.
fn files(dir: &Path, extensions: &[&str]) -> BTreeMap<String, PathBuf> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| extensions.iter().any(|e| x == *e)))
        .map(|p| (p.file_name().expect("a file").to_string_lossy().into_owned(), p))
        .collect()
}

/// Asserts `seeds` holds exactly `originals` (seed name, original path), byte for byte.
#[track_caller]
fn assert_seeds_match(seeds: &Path, originals: &BTreeMap<String, PathBuf>) {
    let mut problems = Vec::new();
    for (name, original) in originals {
        let want = std::fs::read(original).expect("the original is readable");
        match std::fs::read(seeds.join(name)) {
            Ok(have) if have == want => {}
            Ok(_) => problems.push(format!("{name} differs from {}", original.display())),
            Err(_) => {
                problems.push(format!("{name} is missing (a copy of {})", original.display()))
            }
        }
    }
    for name in files(seeds, &["json", "toml"]).keys() {
        if !originals.contains_key(name) {
            problems.push(format!("{name} is a copy of no original"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} is out of step with what it copies:\n{}",
        seeds.display(),
        problems.join("\n")
    );
}

#[test]
fn the_corpus_entry_seeds_are_the_regressions_and_the_golden_entry() {
    let mut originals = files(&root().join("../corpus/regressions"), &["json"]);
    originals.insert("golden-v1.json".to_string(), root().join("src/corpus/format/golden-v1.json"));
    assert_seeds_match(&root().join("targets/seeds/corpus_entry"), &originals);
}

#[test]
fn the_policy_file_seeds_are_the_examples_and_the_fixture_policies() {
    let mut originals = files(&root().join("../tests/fixtures/policies"), &["json", "toml"]);
    for (name, path) in files(&root().join("../examples"), &["json", "toml"]) {
        originals.insert(format!("example-{name}"), path);
    }
    assert_seeds_match(&root().join("targets/seeds/policy_file"), &originals);
}
