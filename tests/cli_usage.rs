//! The command line as a whole: help, version, usage errors and a closed stdout.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn help_lists_the_subcommands() {
    let output = leash(&["--help"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    for needle in ["Usage: leash <COMMAND>", "explain", "prove", "--version"] {
        assert!(stdout.contains(needle), "{needle} missing from:\n{stdout}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for (subcommand, needles) in [
        ("explain", &["<POLICY_FILE>", "--format", "--deny", "--now", "docs/policy-review.md"][..]),
        ("prove", &["--mode", "--budget", "--harness", "--kani", "testing, not a proof"][..]),
    ] {
        let output = leash(&[subcommand, "--help"]);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{subcommand}");
        for needle in needles {
            assert!(
                stdout.contains(needle),
                "{needle} missing from {subcommand} --help:\n{stdout}"
            );
        }
    }
}

#[test]
fn version_is_the_package_version() {
    let output = leash(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout).trim(), format!("leash {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2_on_one_line() {
    for (args, needle) in [
        (&["frobnicate"][..], "unrecognized subcommand 'frobnicate'"),
        (&["explain"][..], "required arguments were not provided: <POLICY_FILE>"),
        (&["prove", "--mode", "sometimes"][..], "invalid value 'sometimes' for '--mode <MODE>'"),
        (&["prove", "--verbose"][..], "unexpected argument '--verbose' found"),
    ] {
        let output = leash(args);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("leash: ") && stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn no_subcommand_is_a_one_line_usage_error() {
    let output = leash(&[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("leash: a subcommand is required (fuzz, replay, "), "{stderr}");
    assert!(stderr.contains("usage: leash <COMMAND>; see 'leash --help'"), "{stderr}");
    let output = leash(&["export"]);
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("(foundry); usage: leash export <COMMAND>"), "{stderr}");
}

#[test]
fn a_closed_stdout_exits_0_quietly() {
    // The risky policy fails its lints (exit 1) when its output is read; with the reader gone
    // before the first write, leash stops at the broken pipe and exits 0 without a word.
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies/risky.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["explain", policy.to_str().expect("UTF-8 path")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leash starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("leash finishes");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "stderr: {}", text(&output.stderr));
}
