//! `leash prove` end to end, on small budgets: the table and its closing statement, JSON,
//! and the errors (an unknown harness, `--kani` where Kani is not installed).

mod common;

use common::*;
use std::process::Command;

use serde_json::Value;

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn one_harness_exhaustively_reports_its_case_count() {
    let output = leash(&["prove", "--harness", "p2_per_call", "--mode", "exhaustive"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    let row = stdout
        .lines()
        .find(|line| line.starts_with("p2_per_call "))
        .unwrap_or_else(|| panic!("no p2_per_call row in:\n{stdout}"));
    let columns: Vec<&str> = row.split_whitespace().collect();
    // harness, property, mode, checked, discarded, allowed, denied, result, uncovered, ...
    // (the exhaustive count is pinned by proofs/tests/harnesses.rs too).
    assert_eq!(&columns[..5], ["p2_per_call", "2", "exhaustive", "234", "0"]);
    assert_eq!(&columns[7..9], ["pass", "0"]);
    assert!(row.ends_with("§7.1 §7.2"), "{row}");
    assert!(stdout.starts_with("harness "), "{stdout}");
    assert!(stdout.contains("The run passed."), "{stdout}");
    assert!(
        stdout.contains(
            "exhaustive over the small boundary domains listed in proofs/README.md; this is \
             testing, not a proof. Kani was not run. Run `cargo kani -p leash-proofs` (or `leash \
             prove --kani`) for the bounded proof."
        ),
        "{stdout}"
    );
}

#[test]
fn both_modes_state_the_random_budget() {
    let output = leash(&["prove", "--harness", "p6_mode", "--budget", "300"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().filter(|line| line.starts_with("p6_mode ")).count(), 2, "{stdout}");
    assert!(
        stdout.contains(
            "exhaustive over the small boundary domains listed in proofs/README.md and 300 random \
             full-width cases per harness (seed 0x1ea54ca5); this is testing, not a proof."
        ),
        "{stdout}"
    );
}

#[test]
fn json_output_parses_and_spends_the_budget() {
    let args = ["prove", "--harness", "p3_window", "--mode", "random", "--budget", "200"];
    let output = leash(&[&args[..], &["--seed", "7", "--format", "json"]].concat());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let run = &json["runs"][0];
    assert_eq!(run["harness"], "p3_window");
    assert_eq!(run["mode"], "random");
    assert_eq!(run["seed"], "0x7");
    assert_eq!(run["result"], "pass");
    let spent = run["cases"].as_u64().unwrap() + run["discarded"].as_u64().unwrap();
    assert_eq!(spent, 200, "{run}");
    assert_eq!(json["failed"], 0);
    assert_eq!(json["kani"], "not run");
    assert!(json["guarantee"].as_str().unwrap().contains("this is testing, not a proof"));
}

#[test]
fn an_unknown_harness_is_named() {
    let output = leash(&["prove", "--harness", "p11_everything"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("leash: no harness named 'p11_everything' (harnesses: p1_caps_step")
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn kani_that_is_not_installed_is_an_error_saying_how_to_install_it() {
    // No `cargo` on the PATH at all: `cargo kani --version` cannot run, whatever this machine
    // has installed (and a real `cargo kani` would take far longer than a test).
    let empty = scratch_dir("prove-no-kani");
    for args in [&["prove", "--kani"][..], &["prove", "--kani", "--harness", "p3_window_half_open"]]
    {
        let output = Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(args)
            .env("PATH", &empty)
            .output()
            .expect("leash runs");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("leash: Kani is not installed"), "{stderr}");
        assert!(stderr.contains("cargo install --locked kani-verifier && cargo kani setup"));
        assert!(output.stdout.is_empty(), "no Kani result may be claimed");
    }
}

#[test]
fn kani_checks_the_harness_name_first() {
    let output = leash(&["prove", "--kani", "--harness", "p3_windows"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with("leash: no harness named 'p3_windows'"));
}

#[test]
fn kani_takes_no_runner_options() {
    let output = leash(&["prove", "--kani", "--budget", "5"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("'--kani' cannot be used with '--budget <N>'"), "{stderr}");
}
