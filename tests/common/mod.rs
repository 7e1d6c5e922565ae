//! Helpers every CLI test file uses: running the binary and checking its output.

// Each test file uses the helpers it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `leash` binary with `args`.
pub(crate) fn leash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash")).args(args).output().expect("leash runs")
}

/// Standard output as text.
pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

/// Standard error as text.
pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

/// Asserts that `haystack` contains every needle.
#[track_caller]
pub(crate) fn assert_contains(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(haystack.contains(needle), "missing {needle:?} in:\n{haystack}");
    }
}

/// Asserts exit status 2 and a single `leash: ...` line on stderr containing `needles`.
#[track_caller]
pub(crate) fn assert_input_error(output: &Output, needles: &[&str]) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert!(output.stdout.is_empty(), "stdout: {}", stdout(output));
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    assert!(err.starts_with("leash: "), "{err}");
    assert_contains(&err, needles);
}

/// A fresh scratch directory under Cargo's per-test temporary directory.
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// The path of `program` on `PATH`, if it is there (a memory cap with `prlimit` is applied where
/// it is; the sweep's signals and mount namespaces need `kill` and `unshare`).
pub(crate) fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

/// The arguments of a campaign that finds c7-window-off-by-one's bypass within a few dozen cases,
/// writing to `out`.
pub(crate) fn c7_campaign<'a>(out: &'a str, format: &'a str) -> Vec<&'a str> {
    vec![
        "fuzz",
        "--mutant",
        "c7-window-off-by-one",
        "--cases",
        "400",
        "--workers",
        "1",
        "--stop-at",
        "bypass",
        "--no-reasons",
        "--format",
        format,
        "--out",
        out,
    ]
}
