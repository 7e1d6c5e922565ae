//! `leash fuzz --module-kind smartsessions`: bad builds are refused with one line naming the
//! file and what is wrong (exit 2), never a panic or a finding; `leash explain --module-kind`
//! prints what SmartSessions cannot enforce of a policy.
//!
//! The broken builds are synthesized here (a hand-written ABI, a few bytes of EVM code, leash's
//! own policy artifacts); no SmartSessions code is involved.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// leash's own policy artifacts, copied under the names a SmartSessions build uses.
fn with_policies(dir: &Path) {
    for (name, leash) in [
        ("SudoPolicy", "LeashSudoPolicy"),
        ("UniActionPolicy", "LeashUniActionPolicy"),
        ("ValueLimitPolicy", "LeashValueLimitPolicy"),
        ("UsageLimitPolicy", "LeashUsageLimitPolicy"),
        ("TimeFramePolicy", "LeashTimeFramePolicy"),
        ("ERC20SpendingLimitPolicy", "LeashERC20SpendingLimitPolicy"),
    ] {
        let from = root().join(format!("reference-contracts/out/{leash}.sol/{leash}.json"));
        std::fs::create_dir_all(dir.join(name)).expect("mkdir");
        std::fs::copy(from, dir.join(name).join(format!("{name}.json"))).expect("copy");
    }
}

/// The functions of SmartSession the harness calls, as ABI JSON.
const CORE_ABI: &str = r#"[
  {"type":"function","name":"enableSessions","inputs":[{"type":"tuple[]","components":[
    {"type":"address"},{"type":"bytes"},{"type":"bytes32"},
    {"type":"tuple[]","components":[{"type":"address"},{"type":"bytes"}]},
    {"type":"tuple","components":[
      {"type":"tuple[]","components":[{"type":"bytes32"},{"type":"string[]"}]},
      {"type":"tuple[]","components":[{"type":"address"},{"type":"bytes"}]}]},
    {"type":"tuple[]","components":[{"type":"bytes4"},{"type":"address"},
      {"type":"tuple[]","components":[{"type":"address"},{"type":"bytes"}]}]},
    {"type":"bool"}]}],"outputs":[]},
  {"type":"function","name":"removeSession","inputs":[{"type":"bytes32"}],"outputs":[]},
  {"type":"function","name":"isPermissionEnabled","inputs":[{"type":"bytes32"},{"type":"address"}],"outputs":[{"type":"bool"}]},
  {"type":"function","name":"validateUserOp","inputs":[{"type":"tuple","components":[
    {"type":"address"},{"type":"uint256"},{"type":"bytes"},{"type":"bytes"},{"type":"bytes32"},
    {"type":"uint256"},{"type":"bytes32"},{"type":"bytes"},{"type":"bytes"}]},{"type":"bytes32"}],"outputs":[{"type":"uint256"}]}
]"#;

/// A core artifact with `CORE_ABI` and this code.
fn core(dir: &Path, creation: &str, runtime: &str) {
    std::fs::create_dir_all(dir.join("SmartSession")).expect("mkdir");
    let json = format!(
        r#"{{"abi": {CORE_ABI}, "bytecode": {{"object": "{creation}"}}, "deployedBytecode": {{"object": "{runtime}"}}}}"#
    );
    std::fs::write(dir.join("SmartSession/SmartSession.json"), json).expect("write");
}

/// Runtime code that accepts `onInstall(bytes)` (so the account deploys) and reverts on every
/// other call, with the creation code that returns it.
const REVERTING_RUNTIME: &str = "0x60003560e01c636d61fe701460145760006000fd5b00";
const REVERTING_CREATION: &str =
    "0x6016600c60003960166000f360003560e01c636d61fe701460145760006000fd5b00";

fn fuzz(args: &[&str]) -> std::process::Output {
    let mut all = vec!["fuzz", "--module-kind", "smartsessions", "--cases", "1", "--workers", "1"];
    all.extend_from_slice(args);
    leash(&all)
}

#[test]
fn a_missing_artifacts_directory_is_named() {
    let output = fuzz(&["--artifacts", "/nonexistent/leash-smartsessions"]);
    assert_input_error(&output, &["'/nonexistent/leash-smartsessions'", "does not exist"]);
}

#[test]
fn a_build_without_its_core_or_a_policy_is_named() {
    let dir = scratch_dir("ss-missing");
    let d = dir.display().to_string();
    assert_input_error(
        &fuzz(&["--artifacts", &d]),
        &["has no SmartSession artifact", "SmartSession/SmartSession.json"],
    );
    core(&dir, REVERTING_CREATION, REVERTING_RUNTIME);
    with_policies(&dir);
    std::fs::remove_dir_all(dir.join("UniActionPolicy")).expect("rm");
    assert_input_error(&fuzz(&["--artifacts", &d]), &["has no UniActionPolicy artifact"]);
}

#[test]
fn a_core_with_the_wrong_abi_is_named() {
    let dir = scratch_dir("ss-wrong-abi");
    with_policies(&dir);
    std::fs::create_dir_all(dir.join("SmartSession")).expect("mkdir");
    std::fs::copy(
        root().join("reference-contracts/out/SessionManager.sol/SessionManager.json"),
        dir.join("SmartSession/SmartSession.json"),
    )
    .expect("copy");
    let output = fuzz(&["--artifacts", &dir.display().to_string()]);
    assert_input_error(
        &output,
        &["SmartSession/SmartSession.json", "is not a build of SmartSession", "enableSessions("],
    );
}

#[test]
fn a_policy_with_the_wrong_abi_is_named() {
    let dir = scratch_dir("ss-wrong-policy");
    core(&dir, REVERTING_CREATION, REVERTING_RUNTIME);
    with_policies(&dir);
    std::fs::copy(
        dir.join("SudoPolicy/SudoPolicy.json"),
        dir.join("ERC20SpendingLimitPolicy/ERC20SpendingLimitPolicy.json"),
    )
    .expect("copy");
    let output = fuzz(&["--artifacts", &dir.display().to_string()]);
    assert_input_error(
        &output,
        &["ERC20SpendingLimitPolicy.json", "getPolicyData(bytes32,address,address,address)"],
    );
}

#[test]
fn runtime_only_code_is_refused() {
    let dir = scratch_dir("ss-runtime-only");
    core(&dir, REVERTING_RUNTIME, REVERTING_RUNTIME);
    with_policies(&dir);
    let output = fuzz(&["--artifacts", &dir.display().to_string()]);
    assert_input_error(&output, &["SmartSession/SmartSession.json", "runtime code only"]);
}

#[test]
fn a_module_that_reverts_on_install_is_refused_not_fuzzed() {
    let dir = scratch_dir("ss-reverts");
    core(&dir, REVERTING_CREATION, REVERTING_RUNTIME);
    with_policies(&dir);
    let out = scratch_dir("ss-reverts-findings");
    let output =
        fuzz(&["--artifacts", &dir.display().to_string(), "--out", &out.display().to_string()]);
    assert_input_error(
        &output,
        &["SmartSession/SmartSession.json", "reverts when it installs a session"],
    );
    assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 0, "no finding is written");
}

#[test]
fn missing_node_modules_say_which_command_installs_them() {
    let output = fuzz(&["--node-modules", "/nonexistent/node_modules"]);
    assert_input_error(
        &output,
        &["@rhinestone/modulekit is not installed", "npm ci", "reference-contracts/"],
    );
}

#[test]
fn artifacts_need_the_module_kind() {
    let output = leash(&["fuzz", "--artifacts", "/tmp"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn explain_lists_what_smartsessions_cannot_enforce() {
    let policy = root().join("examples/game-session.toml");
    let output = leash(&[
        "explain",
        &policy.display().to_string(),
        "--module-kind",
        "smartsessions",
        "--now",
        "1700000000",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert_contains(
        &text,
        &[
            "ON SMARTSESSIONS (4 intent gaps)",
            "rate-limit-dropped",
            "gas-rule-dropped",
            "usage-counted-per-op",
            "spender-allowlist-dropped",
            "argument addressing RawWord (§P10)",
        ],
    );
    let json = leash(&[
        "explain",
        &policy.display().to_string(),
        "--module-kind",
        "smartsessions",
        "--now",
        "1700000000",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["module"]["kind"], "smartsessions");
    assert_eq!(value["module"]["gaps"].as_array().map(Vec::len), Some(4));
}
