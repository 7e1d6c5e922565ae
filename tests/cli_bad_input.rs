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
