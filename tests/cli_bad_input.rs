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

#[test]
fn fuzz_with_a_slice_ending_at_2_pow_32_stays_in_bounded_memory() {
    let dir = scratch_dir("bad-input-d1");
    let policy = write(
        &dir,
        "far-slice.toml",
        format!(
            "version = 1\n[[permissions]]\ntarget = \"{GAME}\"\nfunction = \"f(bytes)\"\n\
             [[permissions.rules]]\narg = 0\nslice = {{ offset = 4294967264, length = 32 }}\n\
             lt = \"5\"\n"
        ),
    );
    let out = dir.join("findings");
    let args = [
        "fuzz",
        "--policy",
        path(&policy),
        "--cases",
        "20",
        "--workers",
        "1",
        "--format",
        "json",
        "--out",
        path(&out),
    ];
    // Capped at 3 GB of address space where `prlimit` exists: the unbounded generator took
    // everything the machine had.
    let output = match which("prlimit") {
        Some(prlimit) => Command::new(prlimit)
            .args(["--as=3000000000", "--", env!("CARGO_BIN_EXE_leash")])
            .args(args)
            .output()
            .expect("prlimit runs"),
        None => leash(&args),
    };
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let summary: Value = serde_json::from_str(&stdout(&output)).expect("JSON summary");
    assert_eq!(summary["cases"], 20);
}

/// The path of `program` on `PATH`, if it is there.
fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
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
