//! `leash fuzz`, `leash replay` and `leash minimize` end to end: a clean campaign on the
//! reference module, a campaign that finds the bug planted in a mutant, replaying and minimizing
//! what it wrote, and every input error as one line with exit status 2.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the findings directory exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Fuzzes the window off-by-one mutant until its bypass (a few dozen cases) and returns a
/// directory that holds that bypass entry alone (the campaign may also have written
/// lower-severity findings before it).
/// A ten-case, one-worker campaign with the policy file `policy`, writing into `out`.
fn fuzz_policy_file(policy: &Path, out: &Path) -> std::process::Output {
    leash(&[
        "fuzz",
        "--policy",
        policy.to_str().expect("UTF-8"),
        "--cases",
        "10",
        "--workers",
        "1",
        "--out",
        out.to_str().expect("UTF-8"),
    ])
}

fn mutant_finding(name: &str) -> PathBuf {
    let dir = scratch_dir(&format!("{name}-campaign"));
    let out = dir.to_str().expect("UTF-8");
    let output = leash(&c7_campaign(out, "json"));
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let summary = json(&output);
    assert_eq!(summary["module"], "mutant:c7-window-off-by-one");
    let findings = summary["findings"].as_array().expect("findings");
    let bypass = findings
        .iter()
        .find(|f| f["class"] == "bypass")
        .unwrap_or_else(|| panic!("no bypass among {findings:?}"));
    let file = PathBuf::from(bypass["file"].as_str().expect("file"));
    let alone = scratch_dir(name);
    std::fs::copy(&file, alone.join(file.file_name().expect("name"))).expect("copy the entry");
    alone
}

/// A JSON summary says where the time went and which rules the ops exercised.
#[track_caller]
fn assert_time_and_rules(summary: &Value) {
    // Where the time went: parts of the workers' time, the EVM's share not empty.
    let time = &summary["time"];
    let part = |name: &str| time[name].as_f64().unwrap_or_else(|| panic!("time.{name}: {time}"));
    let parts = ["model", "evm", "signing", "generation", "minimization"].map(part);
    assert!(part("evm") > 0.0 && part("model") > 0.0 && part("signing") > 0.0, "{time}");
    assert!(parts.iter().sum::<f64>() <= part("workers"), "{time}");
    // The rules exercised: every denial reason with its clause, those the ops hit counted, each
    // judged op once (a case the harness cannot run to the end leaves some unjudged).
    let denials = summary["denials"].as_array().expect("denials");
    assert_eq!(denials.len(), leash_model::DenyReason::ALL.len());
    let denied: u64 = denials.iter().map(|d| d["ops"].as_u64().expect("ops")).sum();
    let allowed = summary["allowed"].as_u64().expect("allowed");
    assert!(denied > 0 && denied + allowed <= summary["ops"].as_u64().expect("ops"), "{denials:?}");
    let not_permitted = denials.iter().find(|d| d["reason"] == "NotPermitted").expect("listed");
    assert_eq!(not_permitted["clause"], "§5.3");
    // The counters allowed ops moved: every counter with its clause; each allowed op counts at
    // most once per counter, and every allowed op counts one call or more (§10.1).
    let counted = summary["counted"].as_array().expect("counted");
    assert_eq!(counted.len(), leash_model::Counter::ALL.len());
    let ops = |clause: &str| {
        let entry = counted.iter().find(|c| c["clause"] == clause).expect("listed");
        entry["ops"].as_u64().expect("ops")
    };
    assert!(counted.iter().all(|c| c["ops"].as_u64().expect("ops") <= allowed), "{counted:?}");
    assert!(allowed > 0 && ops("§10.1") > 0, "{counted:?}");
}

#[test]
fn a_campaign_on_the_reference_module_finds_nothing_and_says_what_it_ran() {
    let dir = scratch_dir("fuzz-reference");
    let output = leash(&[
        "fuzz",
        "--cases",
        "25",
        "--workers",
        "1",
        "--seed",
        "7",
        "--format",
        "json",
        "--out",
        dir.to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let summary = json(&output);
    assert_eq!(summary["module"], "reference");
    assert_eq!(summary["coverage_guidance"], true);
    assert_eq!(summary["cases"], 25);
    assert!(summary["ops"].as_u64().expect("ops") > 25);
    assert!(summary["features"].as_u64().expect("features") > 10);
    assert_eq!(summary["findings"].as_array().expect("findings").len(), 0);
    assert!(entries(&dir).is_empty());
    assert_time_and_rules(&summary);
}

#[test]
fn a_campaign_on_the_7702_frame_runs_the_reference_module_on_a_delegated_eoa() {
    let dir = scratch_dir("fuzz-7702-reference");
    let output = leash(&[
        "fuzz",
        "--frame",
        "7702",
        "--cases",
        "25",
        "--workers",
        "1",
        "--seed",
        "7",
        "--format",
        "json",
        "--out",
        dir.to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let summary = json(&output);
    assert_eq!(summary["module"], "7702:reference");
    assert!(summary["ops"].as_u64().expect("ops") > 25);
    assert_eq!(summary["findings"].as_array().expect("findings").len(), 0);
    assert!(entries(&dir).is_empty());
    assert_time_and_rules(&summary);
}

#[test]
fn a_7702_frame_finding_keeps_its_frame_through_replay() {
    let dir = scratch_dir("fuzz-7702-mutant");
    let mut args = c7_campaign(dir.to_str().expect("UTF-8"), "json");
    args.splice(1..1, ["--frame", "7702"]);
    let output = leash(&args);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let summary = json(&output);
    assert_eq!(summary["module"], "7702:mutant:c7-window-off-by-one");
    let findings = summary["findings"].as_array().expect("findings");
    let bypass = findings
        .iter()
        .find(|f| f["class"] == "bypass")
        .unwrap_or_else(|| panic!("no bypass among {findings:?}"));
    let file = bypass["file"].as_str().expect("file");
    let entry: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("the entry")).expect("JSON");
    assert_eq!(entry["module"], "7702:mutant:c7-window-off-by-one");
    let replay = leash(&["replay", file, "--format", "json"]);
    assert_eq!(replay.status.code(), Some(1), "stderr: {}", stderr(&replay));
    assert_contains(&stdout(&replay), &["bypass"]);
    let export = leash(&["export", "foundry", file, "--out", dir.to_str().expect("UTF-8")]);
    assert_input_error(&export, &["on the EIP-7702 frame", "leash replay"]);
}

#[test]
fn text_output_summarizes_executions_coverage_and_findings() {
    let dir = scratch_dir("fuzz-text");
    let output =
        leash(&["fuzz", "--cases", "10", "--workers", "1", "--out", dir.to_str().expect("UTF-8")]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_contains(
        &stdout(&output),
        &[
            "leash fuzz summary for reference",
            "ops/s",
            "time went:  model ",
            "worker-seconds",
            "rules hit:  ",
            "§5.3 NotPermitted ",
            "counted:    allowed ops moved ",
            "coverage:",
            "findings:   none",
        ],
    );
    assert_contains(&stderr(&output), &["leash fuzz: reference with 1 worker(s)", "mutation on"]);
}

#[test]
fn a_mutant_campaign_writes_a_finding_that_replays_and_minimizes() {
    let dir = mutant_finding("fuzz-mutant");
    let files = entries(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let entry = files[0].to_str().expect("UTF-8");

    // Replaying against the entry's module reproduces the bypass: exit 1.
    let replay = leash(&["replay", entry]);
    assert_eq!(replay.status.code(), Some(1), "stderr: {}", stderr(&replay));
    assert_contains(
        &stdout(&replay),
        &["finding [bypass, critical]", "reproduces the entry's expected bypass finding"],
    );

    // Against the reference module the same case is clean: exit 0.
    let reference = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference-contracts/out/SessionManager.sol/SessionManager.json");
    let clean = leash(&[
        "replay",
        entry,
        "--module",
        reference.to_str().expect("UTF-8"),
        "--format",
        "json",
    ]);
    assert_eq!(clean.status.code(), Some(0), "stderr: {}", stderr(&clean));
    assert_eq!(json(&clean)["found"], Value::Null);

    // Minimizing keeps a bypass and writes a second entry.
    let minimized = leash(&["minimize", entry, "--runs", "200"]);
    assert_eq!(minimized.status.code(), Some(0), "stderr: {}", stderr(&minimized));
    assert_contains(&stdout(&minimized), &["minimized", "runs"]);
    for file in entries(&dir) {
        let replay = leash(&["replay", file.to_str().expect("UTF-8"), "--format", "json"]);
        assert_eq!(json(&replay)["found"]["class"], "bypass", "{}", file.display());
    }
}

#[test]
fn canonical_only_campaigns_never_mutate() {
    let dir = scratch_dir("fuzz-canonical");
    let output = leash(&[
        "fuzz",
        "--cases",
        "10",
        "--workers",
        "1",
        "--no-mutation",
        "--format",
        "json",
        "--out",
        dir.to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(json(&output)["mutation"], false);
}

#[test]
fn a_fixed_policy_file_is_installed_and_validated() {
    let dir = scratch_dir("fuzz-policy");
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/game-session.toml");
    let output = fuzz_policy_file(&policy, &dir);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "valid_after = 5\nvalid_until = 5\n").expect("writable");
    let output = leash(&["fuzz", "--policy", bad.to_str().expect("UTF-8"), "--cases", "1"]);
    assert_input_error(&output, &["bad.toml", "the window is empty", "§12.1"]);
}

/// Spec v3's gas rule and chain list reach the reference module through its interface: a
/// campaign with them runs clean (the model and the module agree on every op).
#[test]
fn a_gas_and_chain_policy_file_is_fuzzed_on_the_reference_module() {
    let dir = scratch_dir("fuzz-gas-policy");
    let policy = dir.join("gas.toml");
    for text in [
        "version = 3\n[gas]\ntotal = \"0.01 ether\"\nmax_fee_per_gas = \"2 gwei\"\n",
        "version = 3\nchains = [\"base\", 31337]\n",
    ] {
        std::fs::write(&policy, text).expect("writable");
        let output = fuzz_policy_file(&policy, &dir);
        assert_eq!(output.status.code(), Some(0), "{text}: stderr: {}", stderr(&output));
    }
}

#[test]
fn an_unknown_mutant_lists_the_known_ones() {
    let output = leash(&["fuzz", "--mutant", "c99-nothing", "--cases", "1"]);
    assert_input_error(&output, &["unknown mutant \"c99-nothing\"", "c7-window-off-by-one"]);
}

#[test]
fn a_missing_module_artifact_is_named() {
    let output = leash(&["fuzz", "--module", "no/such/Module.json", "--cases", "1"]);
    assert_input_error(&output, &["no/such/Module.json"]);
}

#[test]
fn an_artifact_without_bytecode_is_refused() {
    let dir = scratch_dir("fuzz-no-bytecode");
    let artifact = dir.join("Interface.json");
    std::fs::write(
        &artifact,
        r#"{"abi": [], "bytecode": {"object": "0x"}, "deployedBytecode": {"object": "0x"}}"#,
    )
    .expect("writable");
    let output = leash(&["fuzz", "--module", artifact.to_str().expect("UTF-8"), "--cases", "1"]);
    assert_input_error(&output, &["Interface.json", "bytecode"]);
}

/// Coverage guidance is on by default: inputs that reach new edges are kept (and saved) too.
/// With `--no-coverage-guidance` edges are still recorded and reported, but only new behaviours
/// keep inputs, so the campaign keeps exactly what a campaign that records no edges keeps; the
/// default keeps something else. Same seed, same case budget.
#[test]
fn coverage_guidance_is_on_by_default_and_changes_what_a_campaign_keeps() {
    let run = |name: &str, extra: &[&str]| {
        let dir = scratch_dir(name);
        let corpus = dir.join("corpus");
        let out = dir.join("findings");
        let mut args = vec![
            "fuzz",
            "--cases",
            "200",
            "--workers",
            "1",
            "--corpus",
            corpus.to_str().expect("UTF-8"),
            "--out",
            out.to_str().expect("UTF-8"),
        ];
        args.extend_from_slice(extra);
        let output = leash(&args);
        assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
        let saved: Vec<std::ffi::OsString> =
            entries(&corpus).iter().filter_map(|p| p.file_name().map(Into::into)).collect();
        (output, saved)
    };
    let (unguided, behaviours_only) = run("fuzz-unguided", &["--no-coverage-guidance"]);
    assert_contains(&stderr(&unguided), &["coverage recorded (guidance off)"]);
    assert_contains(&stdout(&unguided), &["module code: ", "branches reached"]);
    let (_, unrecorded) = run("fuzz-unrecorded", &["--no-coverage"]);
    assert_eq!(behaviours_only, unrecorded, "recorded edges steered an unguided campaign");
    let (default, with_edges) = run("fuzz-guided", &[]);
    assert_contains(&stderr(&default), &["coverage recorded and guiding"]);
    assert_ne!(with_edges, behaviours_only, "guidance kept the same inputs");
    assert_input_error(
        &leash(&["fuzz", "--cases", "1", "--no-coverage", "--no-coverage-guidance"]),
        &["--no-coverage-guidance"],
    );
}

#[test]
fn zero_workers_or_seconds_are_usage_errors() {
    assert_input_error(&leash(&["fuzz", "--workers", "0", "--cases", "1"]), &["--workers"]);
    assert_input_error(&leash(&["fuzz", "--seconds", "0"]), &["--seconds"]);
}

#[test]
fn replay_and_minimize_name_bad_entries() {
    assert_input_error(&leash(&["replay", "no/such/entry.json"]), &["no/such/entry.json"]);
    let dir = scratch_dir("replay-bad");
    let not_entry = dir.join("policy.json");
    std::fs::write(&not_entry, "{\"valid_until\": 5}").expect("writable");
    assert_input_error(
        &leash(&["replay", not_entry.to_str().expect("UTF-8")]),
        &["policy.json", "not a leash corpus entry"],
    );
    let clean = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/regressions/reference-no-bounds-never-expires.json");
    assert_input_error(
        &leash(&["minimize", clean.to_str().expect("UTF-8")]),
        &["shows no finding"],
    );
}
