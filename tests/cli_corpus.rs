//! Coverage-guided campaigns with a persistent corpus: `leash fuzz --corpus` saves what reached
//! new coverage and resumes from it after a kill, two processes share one corpus directory,
//! `leash corpus cmin` keeps the coverage with fewer entries, and `leash coverage` writes lcov
//! that `genhtml` renders with the reference module's lines (`#[ignore]`d: it needs the Debian
//! package lcov, which `.ci/run` installs before running it with `--ignored`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.map(|e| e.expect("readable").path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    files
}

fn fuzz_args<'a>(corpus: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args =
        vec!["fuzz", "--workers", "1", "--format", "json", "--corpus", corpus, "--out", out];
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_killed_campaign_loses_no_corpus_entry_and_the_next_one_resumes_from_them() {
    let dir = scratch_dir("corpus-kill-resume");
    let corpus = dir.join("corpus");
    let out = dir.join("findings");
    let (c, o) = (corpus.to_str().expect("UTF-8"), out.to_str().expect("UTF-8"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(fuzz_args(c, o, &["--seconds", "600"]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("leash starts");
    // Kill it (no chance to clean up) once it has saved a few entries.
    let deadline = Instant::now() + Duration::from_secs(300);
    while entries(&corpus).len() < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let saved = entries(&corpus);
    assert!(saved.len() >= 5, "the campaign saved {} entries", saved.len());
    // Every file that made it into the directory is a whole entry with its input.
    for path in &saved {
        let entry: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read"))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(entry["format"], "leash-corpus");
        assert!(entry["input"].as_str().is_some_and(|i| i.starts_with("0x")), "{entry}");
    }
    // The next campaign starts from every one of them.
    let output = leash(&fuzz_args(c, o, &["--cases", "2"]));
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let summary = json(&output);
    assert_eq!(summary["corpus_loaded"], saved.len() as u64);
    assert!(summary["edges"].as_u64().unwrap() > 0);
}

#[test]
fn a_cases_budget_saves_the_same_corpus_for_the_same_seed() {
    let dir = scratch_dir("corpus-deterministic");
    let names = |corpus: &Path| -> Vec<String> {
        entries(corpus).iter().map(|p| p.file_name().unwrap().to_string_lossy().into()).collect()
    };
    let mut seen = Vec::new();
    for run in ["a", "b"] {
        let corpus = dir.join(run);
        let out = dir.join(format!("{run}-findings"));
        let output = leash(&fuzz_args(
            corpus.to_str().expect("UTF-8"),
            out.to_str().expect("UTF-8"),
            &["--cases", "12", "--seed", "7"],
        ));
        assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
        seen.push(names(&corpus));
    }
    assert!(!seen[0].is_empty());
    assert_eq!(seen[0], seen[1]);
}

#[test]
fn two_processes_sharing_a_corpus_directory_run_each_others_entries() {
    let dir = scratch_dir("corpus-shared");
    let corpus = dir.join("corpus");
    let c = corpus.to_str().expect("UTF-8");
    let spawn = |seed: &str, out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(fuzz_args(c, out.to_str().expect("UTF-8"), &["--seconds", "12", "--seed", seed]))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("leash starts")
    };
    let a = spawn("1", &dir.join("a"));
    let b = spawn("2", &dir.join("b"));
    let (a, b) = (a.wait_with_output().expect("a"), b.wait_with_output().expect("b"));
    let (a, b) = (json(&a), json(&b));
    for s in [&a, &b] {
        assert!(s["corpus_saved"].as_u64().unwrap() > 0, "{s}");
    }
    // Each saves its own entries first thing and looks for the other's every two seconds.
    assert!(a["corpus_imported"].as_u64().unwrap() > 0, "{a}");
    assert!(b["corpus_imported"].as_u64().unwrap() > 0, "{b}");
    let total = entries(&corpus).len() as u64;
    assert!(total <= a["corpus_saved"].as_u64().unwrap() + b["corpus_saved"].as_u64().unwrap());
}

#[test]
fn coverage_writes_lcov_of_the_reference_module() {
    let dir = scratch_dir("coverage-lcov");
    let corpus = dir.join("corpus");
    let out = dir.join("findings");
    let lcov = dir.join("module.lcov");
    let output = leash(&fuzz_args(
        corpus.to_str().expect("UTF-8"),
        out.to_str().expect("UTF-8"),
        &["--cases", "8", "--coverage-out", lcov.to_str().expect("UTF-8")],
    ));
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let summary = json(&output);
    let module = &summary["code"][0];
    assert_eq!(module["name"], "module");
    let (reached, total) =
        (module["branches"][0].as_u64().unwrap(), module["branches"][1].as_u64().unwrap());
    assert!(reached > 0 && reached < total, "{module}");
    let text = std::fs::read_to_string(&lcov).expect("lcov written");
    assert_contains(
        &text,
        &["SF:reference-contracts/src/SessionManager.sol", "BRDA:", "DA:", "end_of_record"],
    );

    // `leash coverage` replays the corpus to the same numbers and lists what it did not reach.
    let again = dir.join("again.lcov");
    let output = leash(&[
        "coverage",
        corpus.to_str().expect("UTF-8"),
        "--lcov",
        again.to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let report = stdout(&output);
    assert_contains(
        &report,
        &[
            &format!("module code: {reached} of {total} branches reached"),
            "module branches not reached:",
            "SessionManager.sol:",
        ],
    );
    assert_eq!(std::fs::read_to_string(&again).expect("lcov"), text);

    // `leash corpus cmin` keeps fewer entries (or as many) with the same coverage.
    let before = entries(&corpus).len();
    let output = leash(&["corpus", "cmin", corpus.to_str().expect("UTF-8")]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_contains(&stdout(&output), &[&format!(" of {before} entries")]);
    assert!(entries(&corpus).len() <= before);
    let output = leash(&[
        "coverage",
        corpus.to_str().expect("UTF-8"),
        "--lcov",
        again.to_str().expect("UTF-8"),
    ]);
    assert_eq!(std::fs::read_to_string(&again).expect("lcov"), text, "{}", stdout(&output));
}

#[test]
#[ignore = "needs genhtml, Debian package lcov (.ci/run installs it and runs this: cargo test -- --ignored)"]
fn genhtml_renders_the_lcov_with_the_reference_modules_lines() {
    let dir = scratch_dir("coverage-genhtml");
    let lcov = dir.join("module.lcov");
    let output = leash(&fuzz_args(
        dir.join("corpus").to_str().expect("UTF-8"),
        dir.join("findings").to_str().expect("UTF-8"),
        &["--cases", "8", "--coverage-out", lcov.to_str().expect("UTF-8")],
    ));
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let html = dir.join("html");
    let rendered = Command::new("genhtml")
        .args(["--branch-coverage", "--quiet", "-o"])
        .arg(&html)
        .arg(&lcov)
        .output()
        .expect("genhtml runs (install the Debian package lcov)");
    assert!(rendered.status.success(), "{}", String::from_utf8_lossy(&rendered.stderr));
    let page = files_under(&html)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("SessionManager.sol.gcov.html"))
        .expect("a page for SessionManager.sol");
    let page = std::fs::read_to_string(page).expect("page");
    assert_contains(&page, &["function installSession(address key, Policy calldata policy)"]);
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_bypass_finding_points_sarif_and_markdown_at_the_module_source() {
    let dir = scratch_dir("finding-location");
    let out = dir.join("findings");
    let output = leash(&c7_campaign(out.to_str().expect("UTF-8"), "json"));
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let entry = json(&output)["findings"][0]["file"].as_str().expect("a finding").to_owned();
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&entry).expect("entry")).expect("JSON");
    assert!(saved["finding"]["path"].as_array().is_some_and(|p| !p.is_empty()), "{saved}");

    let output = leash(&["report", &entry, "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let sarif: Value = serde_json::from_str(&stdout(&output)).expect("SARIF");
    let result = &sarif["runs"][0]["results"][0];
    let location = &result["locations"][0]["physicalLocation"];
    // The mutant's source is the reference file with its diff applied: cited as the reference.
    assert_eq!(location["artifactLocation"]["uri"], "reference-contracts/src/SessionManager.sol");
    assert!(location["region"]["startLine"].as_u64().is_some_and(|l| l > 1), "{location}");
    let related = result["relatedLocations"].as_array().expect("related locations");
    assert!(related.iter().any(|r| {
        r["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with(".json"))
    }));

    let output = leash(&["report", &entry]);
    assert_contains(
        &stdout(&output),
        &["**Where the module decided:** `reference-contracts/src/SessionManager.sol`:"],
    );
}
