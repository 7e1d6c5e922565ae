//! Regression tests for issue #17 (reliability on bad input): each test is named after what it
//! reproduces. Every bad input gets one line `leash: ...` on stderr and exit 2, never a panic, a
//! hang or a false finding. The broad sweep over hostile inputs is `tests/sweep.rs`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

const GAME: &str = "0x2872aD3106951c0317df4d75a402025f94D8575E";

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

fn fixture_entry(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

/// The clean fixture entry with `edit` applied, written to `dir/name`.
fn edited_entry(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut entry = fixture_entry("clean-be329066a0f3.json");
    edit(&mut entry);
    write(dir, name, serde_json::to_string_pretty(&entry).expect("JSON"))
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A campaign of `cases` cases with a policy whose one rule reads 32 bytes at `offset` of a
/// `bytes` argument, under 3 GB of address space where `prlimit` exists (the unbounded
/// generator took everything the machine had). Returns the JSON summary.
fn far_slice_campaign(name: &str, offset: u64, cases: u64) -> Value {
    let dir = scratch_dir(name);
    let policy = write(
        &dir,
        "far-slice.toml",
        format!(
            "version = 1\n[[permissions]]\ntarget = \"{GAME}\"\nfunction = \"f(bytes)\"\n\
             [[permissions.rules]]\narg = 0\nslice = {{ offset = {offset}, length = 32 }}\n\
             lt = \"5\"\n"
        ),
    );
    let (cases, out) = (cases.to_string(), dir.join("findings"));
    let args = ["fuzz", "--policy", path(&policy), "--cases", &cases, "--workers", "1"];
    let args = [&args[..], &["--format", "json", "--out", path(&out)]].concat();
    let output = match which("prlimit") {
        Some(prlimit) => Command::new(prlimit)
            .args(["--as=3000000000", "--", env!("CARGO_BIN_EXE_leash")])
            .args(&args)
            .output()
            .expect("prlimit runs"),
        None => leash(&args),
    };
    assert_eq!(output.status.code(), Some(0), "{}\n{}", stdout(&output), stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("JSON summary")
}

#[test]
fn fuzz_with_a_slice_ending_at_2_pow_32_stays_in_bounded_memory() {
    let summary = far_slice_campaign("bad-input-d1", 4_294_967_264, 20);
    assert_eq!(summary["cases"], 20);
}

#[test]
fn explain_of_a_selector_splitting_a_multibyte_character_is_one_line() {
    let dir = scratch_dir("bad-input-d2-explain");
    let policy = write(
        &dir,
        "p.toml",
        "version = 1\n[[permissions]]\ntarget = \"*\"\nselector = \"0xa\u{e9}23456\"\n",
    );
    assert_input_error(
        &leash(&["explain", path(&policy)]),
        &["selector \"0xa\u{e9}23456\": expected 0x and 8 hex digits"],
    );
    assert_input_error(
        &leash(&["fuzz", "--policy", path(&policy), "--cases", "1"]),
        &["expected 0x and 8 hex digits"],
    );
}

#[test]
fn corpus_entries_whose_policy_has_a_non_ascii_selector_are_one_line_errors() {
    let dir = scratch_dir("bad-input-d2-entry");
    let entry = edited_entry(&dir, "e.json", |e| {
        e["case"]["steps"][0]["policy"]["permissions"][0]["selector"] = "0xa\u{e9}23456".into();
    });
    for args in [
        vec!["replay", path(&entry)],
        vec!["minimize", path(&entry)],
        vec!["report", path(&entry)],
        vec!["export", "foundry", path(&entry)],
    ] {
        assert_input_error(&leash(&args), &["e.json", "expected 0x and 8 hex digits"]);
    }
}

/// The mutant fixture entry with a bypass (its op 0 of step 1 has a recipe), with `edit` applied
/// to that op's recipe.
fn edited_recipe(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut entry = fixture_entry("bypass-58a1b0798ec2.json");
    edit(&mut entry["case"]["steps"][1]["ops"][0]["recipe"]);
    write(dir, name, serde_json::to_string_pretty(&entry).expect("JSON"))
}

#[test]
fn minimize_of_a_recipe_planning_a_single_execution_without_calls_is_one_line() {
    let dir = scratch_dir("bad-input-d3-empty");
    let entry = edited_recipe(&dir, "e.json", |r| r["planned"]["calls"] = Value::Array(vec![]));
    for command in ["minimize", "replay", "report"] {
        assert_input_error(
            &leash(&[command, path(&entry)]),
            &["e.json", "step 1, op 0: its recipe plans a single execution with 0 calls"],
        );
    }
}

#[test]
fn minimize_of_decoys_and_relocations_with_an_empty_twin_keeps_the_finding() {
    for kind in ["signature_decoy", "outer_relocate"] {
        let dir = scratch_dir(&format!("bad-input-d3-{kind}"));
        let entry = edited_recipe(&dir, "e.json", |r| {
            r["twin"]["calls"] = Value::Array(vec![]);
            r["mutation"] = serde_json::json!({ "kind": kind });
        });
        let output = leash(&["minimize", path(&entry), "--out", path(&dir.join("min"))]);
        assert_eq!(output.status.code(), Some(0), "{kind}: {}", stderr(&output));
        assert_contains(&stdout(&output), &["minimized"]);
    }
}

#[test]
fn minimize_of_arg_padding_on_a_bytes_argument_shorter_than_a_selector_keeps_the_finding() {
    let dir = scratch_dir("bad-input-d3-arg-padding");
    let entry = edited_recipe(&dir, "e.json", |r| {
        r["twin"]["calls"][0]["data"] = "0x12".into();
        r["twin"]["calls"][0]["args"] = serde_json::json!(["bytes"]);
        let short = r["twin"]["calls"][0].clone();
        r["planned"]["calls"].as_array_mut().expect("calls").push(short);
        r["planned"]["batch"] = true.into();
        r["mutation"] = serde_json::json!({ "kind": "arg_padding", "item": 1, "arg": 0 });
    });
    let output = leash(&["minimize", path(&entry), "--out", path(&dir.join("min"))]);
    // The entry's call_data still shows the bypass; the crafted recipe derives nothing, and the
    // minimizer works around it.
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn explain_of_an_empty_file_is_an_error_not_a_policy_that_never_expires() {
    let dir = scratch_dir("bad-input-d7-empty");
    let empty = write(&dir, "empty.toml", "");
    let blank = write(&dir, "blank.json", " \n\t\n");
    let comments = write(&dir, "comments.toml", "# nothing but a comment\n");
    let braces = write(&dir, "braces.json", "{}");
    assert_input_error(&leash(&["explain", path(&empty)]), &["'", "empty.toml' is empty"]);
    assert_input_error(&leash(&["explain", path(&blank)]), &["blank.json' is empty"]);
    assert_input_error(&leash(&["explain", "/dev/null"]), &["'/dev/null' is empty"]);
    for file in [comments, braces] {
        assert_input_error(&leash(&["explain", path(&file)]), &["the document has no fields"]);
    }
}

#[test]
fn explain_of_dev_zero_stops_at_the_policy_file_limit() {
    assert_input_error(
        &leash(&["explain", "/dev/zero"]),
        &["'/dev/zero'", "larger than 1048576 bytes, the limit"],
    );
}

#[test]
fn a_json_policy_starting_with_a_byte_order_mark_is_read() {
    let dir = scratch_dir("bad-input-d11-bom");
    let policy = write(&dir, "bom.json", "\u{feff}{\"version\": 1, \"valid_until\": 2}");
    let output = leash(&["explain", path(&policy), "--deny", "never", "--now", "1"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_missing_corpus_entry_names_its_cause_once() {
    let output = leash(&["replay", "/nonexistent/entry.json"]);
    assert_input_error(&output, &["/nonexistent/entry.json", "No such file or directory"]);
    assert_eq!(stderr(&output).matches("No such file").count(), 1, "{}", stderr(&output));
}

fn artifact(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("reference-contracts/out/{name}.sol/{name}.json"))
        .display()
        .to_string()
}

#[test]
fn an_erc20_given_as_module_is_blamed_on_the_module_not_the_account() {
    let token = artifact("LeashToken");
    let output = leash(&["fuzz", "--module", &token, "--cases", "1"]);
    assert_input_error(
        &output,
        &[&format!("module '{token}' cannot be installed"), "onInstall", "ISessionManager"],
    );
    assert!(!stderr(&output).contains("deploying account from"), "{}", stderr(&output));
}

#[test]
fn a_bad_account_artifact_is_blamed_on_the_account_not_the_module() {
    let (module, game) = (artifact("SessionManager"), artifact("Game"));
    let output = leash(&["fuzz", "--module", &module, "--account", &game, "--cases", "1"]);
    assert_input_error(
        &output,
        &[&format!("account '{game}' does not work as the account of module '{module}'")],
    );
}

#[test]
fn field_names_with_terminal_escapes_are_printed_escaped() {
    let dir = scratch_dir("bad-input-d12-escape");
    let policy = write(&dir, "p.toml", "version = 1\n\"evil\\u001b[2J\\u001b[31m\" = 5\n");
    let output = leash(&["explain", path(&policy)]);
    assert_input_error(&output, &["unknown field", "evil\\u{1b}[2J"]);
    assert!(!output.stderr.contains(&0x1b), "{:?}", stderr(&output));
}

#[test]
fn report_of_a_note_with_a_script_tag_prints_it_as_text() {
    let dir = scratch_dir("bad-input-d12-script");
    let entry = edited_entry(&dir, "e.json", |e| {
        e["note"] = "<script>alert(1)</script> \u{1b}[2J".into();
    });
    let output = leash(&["report", path(&entry)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let markdown = stdout(&output);
    assert_contains(&markdown, &["&lt;script&gt;alert(1)&lt;/script&gt; \\u{1b}[2J"]);
    assert!(!markdown.contains("<script>") && !markdown.contains('\u{1b}'), "{markdown}");
}

#[test]
fn fuzz_with_a_slice_at_1_mb_reports_no_finding_from_the_harness() {
    let summary = far_slice_campaign("bad-input-d4-policy", 1 << 20, 30);
    assert_eq!(summary["findings"], Value::Array(vec![]));
    assert_eq!(summary["not_runnable"], 0);
}

#[test]
fn a_corpus_entry_with_1_mb_of_calldata_is_refused_at_the_limit_not_run_into_a_finding() {
    let dir = scratch_dir("bad-input-d4-entry");
    let entry = edited_entry(&dir, "e.json", |e| {
        let op = &mut e["case"]["steps"][1]["ops"][0];
        op["call_data"] = format!("0x{}", "11".repeat(1 << 20)).into();
        op.as_object_mut().expect("op").remove("recipe");
    });
    for command in ["replay", "minimize"] {
        assert_input_error(
            &leash(&[command, path(&entry)]),
            &["step 1, op 0: its callData has 1048576 bytes, more than the limit of 131072"],
        );
    }
}

#[test]
fn a_bundle_of_10001_ops_is_refused_at_the_limit() {
    let dir = scratch_dir("bad-input-d9-bundle");
    let mut e = fixture_entry("clean-be329066a0f3.json");
    let mut op = e["case"]["steps"][1]["ops"][0].clone();
    op.as_object_mut().expect("op").remove("recipe");
    e["case"]["steps"][1]["ops"] = Value::Array(vec![op; 10_001]);
    let entry = write(&dir, "e.json", e.to_string());
    assert_input_error(
        &leash(&["replay", path(&entry)]),
        &["the case has 10001 ops, more than the limit of 1024"],
    );
}

#[test]
fn workers_beyond_the_limit_are_refused_on_one_line() {
    assert_input_error(
        &leash(&["fuzz", "--workers", "100000", "--cases", "1"]),
        &["--workers 100000 is more than 256"],
    );
}

#[test]
fn a_campaign_of_zero_cases_or_a_proof_budget_of_zero_is_a_usage_error() {
    assert_input_error(&leash(&["fuzz", "--cases", "0"]), &["--cases must be at least 1"]);
    assert_input_error(&leash(&["prove", "--budget", "0"]), &["--budget must be at least 1"]);
    let output = leash(&[
        "prove",
        "--budget",
        "0",
        "--mode",
        "exhaustive",
        "--harness",
        "p9_validate_total",
    ]);
    assert_ne!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn a_findings_directory_that_cannot_be_written_fails_before_the_campaign() {
    let dir = scratch_dir("bad-input-d10-file");
    let file = write(&dir, "not-a-directory", "x");
    assert_input_error(
        &leash(&["fuzz", "--cases", "1", "--out", path(&file)]),
        &["cannot create the findings directory", "not-a-directory"],
    );
}

#[test]
fn a_finding_that_cannot_be_written_is_printed_and_leaves_no_temporary_file() {
    let dir = scratch_dir("bad-input-d10-write");
    let first = dir.join("first");
    let output = leash(&c7_campaign(path(&first), "json"));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let summary: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let written = PathBuf::from(summary["findings"][0]["file"].as_str().expect("file"));
    let class = summary["findings"][0]["class"].as_str().expect("class").to_owned();
    let name = written.file_name().expect("name");
    // The same campaign again, with a directory where its finding goes: the rename fails.
    for format in ["json", "text"] {
        let second = dir.join(format!("second-{format}"));
        std::fs::create_dir_all(second.join(name)).expect("obstacle");
        let output = leash(&c7_campaign(path(&second), format));
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let err = stderr(&output);
        let last = err.lines().last().expect("an error line");
        assert!(last.starts_with("leash: 1 finding could not be written to '"), "{err}");
        let id = name.to_str().expect("UTF-8").trim_end_matches(".json");
        if format == "json" {
            assert_eq!(err.lines().count(), 1, "{err}");
            let summary: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
            assert_eq!(summary["unwritten"][0]["entry"]["id"], id);
            assert_eq!(summary["unwritten"][0]["class"], class.as_str());
        } else {
            assert_contains(&err, &["could NOT be written", &format!("\"id\":\"{id}\"")]);
            assert_contains(&stdout(&output), &["NOT WRITTEN", &format!("\"id\":\"{id}\"")]);
        }
        let left: Vec<_> = std::fs::read_dir(&second).expect("dir").collect();
        assert_eq!(left.len(), 1, "only the obstacle is left: {left:?}");
    }
}

/// Issue #17 D13: a campaign stopped by Ctrl-C before any finding exited 0, like a full clean
/// run; D6: with stderr a pipe it exited only at the next 10-second progress tick.
#[test]
fn ctrl_c_before_any_finding_exits_130() {
    use std::io::{BufRead as _, BufReader};
    use std::process::Stdio;
    let dir = scratch_dir("bad-input-d13-ctrl-c");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["fuzz", "--seconds", "600", "--workers", "1", "--out", path(&dir)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leash starts");
    let mut stderr_lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    // The header is printed once the handler is installed.
    let header = stderr_lines.next().expect("a header line").expect("UTF-8");
    assert!(header.starts_with("leash fuzz: reference"), "{header}");
    // The shell's own `kill`: every POSIX sh has it, where a `kill` program may be missing.
    let status = Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .expect("sh runs");
    assert!(status.success());
    // Far less than the 10-second tick and the 600-second budget; generous for a loaded machine.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let code = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status.code();
        }
        assert!(std::time::Instant::now() < deadline, "leash fuzz did not stop after Ctrl-C");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(code, Some(130));
}

#[test]
fn export_of_a_note_with_line_breaks_cannot_put_code_into_the_test() {
    let dir = scratch_dir("bad-input-export-note");
    let entry = edited_entry(&dir, "e.json", |e| {
        e["note"] = "fine\ncontract Injected { }\r\nfunction x() {}\u{2028}y".into();
    });
    let output = leash(&["export", "foundry", path(&entry), "--out", path(&dir)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let test = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|x| x == "sol"))
        .expect("a test file");
    let source = std::fs::read_to_string(test).expect("written");
    assert!(source.contains("fine contract Injected { }"), "the note is kept, on its comment line");
    for line in source.lines() {
        assert!(!line.trim_start().starts_with("contract Injected"), "{line}");
        assert!(!line.trim_start().starts_with("function x()"), "{line}");
    }
}

#[test]
fn a_campaign_with_findings_exits_1_even_when_its_reader_went_away() {
    use std::process::Stdio;
    let dir = scratch_dir("bad-input-closed-stdout");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(c7_campaign(path(&dir), "json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leash starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("leash finishes");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn report_of_a_directory_holding_a_pipe_named_json_does_not_hang() {
    let dir = scratch_dir("bad-input-fifo");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    std::fs::copy(fixture.join("clean-be329066a0f3.json"), dir.join("a.json")).expect("copy");
    let status =
        Command::new("mkfifo").arg(dir.join("b.json")).status().expect("mkfifo (coreutils) runs");
    assert!(status.success());
    // Without a writer, opening the pipe would block for ever; the report skips it.
    let output = leash(&["report", path(&dir), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}
