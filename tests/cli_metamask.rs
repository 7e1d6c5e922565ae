//! `leash fuzz --module-kind metamask`: a campaign on both DeleGator accounts from the npm
//! package; a missing, other-version or damaged package is refused with one line naming the file
//! and what is wrong (exit 2), never a panic or a finding; `leash explain --module-kind metamask`
//! prints what the caveats cannot enforce of a policy.
//!
//! The damaged packages are synthesized here (a `package.json` and a few text files); no
//! MetaMask code is involved in them. The campaign needs `npm ci` in `reference-contracts/`: it
//! is `#[ignore]`d, and `.ci/run` runs it after installing the package.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fuzz(args: &[&str]) -> std::process::Output {
    let mut all = vec!["fuzz", "--module-kind", "metamask", "--cases", "1", "--workers", "1"];
    all.extend_from_slice(args);
    leash(&all)
}

/// A `node_modules` holding a package.json of `version` for the package, and nothing else.
fn fake_package(name: &str, version: &str) -> PathBuf {
    let node_modules = scratch_dir(name);
    let dir = node_modules.join("@metamask/delegation-abis");
    std::fs::create_dir_all(dir.join("dist/bytecode")).expect("mkdir");
    let manifest = format!(r#"{{"name": "@metamask/delegation-abis", "version": "{version}"}}"#);
    std::fs::write(dir.join("package.json"), manifest).expect("write");
    node_modules
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn campaigns_run_on_both_delegators() {
    let installed = root().join("reference-contracts/node_modules/@metamask/delegation-abis");
    assert!(
        installed.is_dir(),
        "run `npm ci` in reference-contracts/: {} is missing",
        installed.display()
    );
    for delegator in ["multisig", "eip7702"] {
        let out = scratch_dir(&format!("mm-campaign-{delegator}"));
        let output = leash(&[
            "fuzz",
            "--module-kind",
            "metamask",
            "--delegator",
            delegator,
            "--cases",
            "12",
            "--workers",
            "1",
            "--seed",
            "7",
            "--out",
            &path(&out),
        ]);
        let text = stdout(&output);
        assert!(output.status.code() == Some(0) || output.status.code() == Some(1), "{text}");
        assert_contains(
            &text,
            &[&format!("metamask:{delegator}:delegation-abis-2.0.0"), "12 cases"],
        );
        // Whatever it found is a documented limitation, never a bypass.
        for entry in std::fs::read_dir(&out).expect("out dir") {
            let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
            assert!(name.starts_with("limitation-"), "{delegator}: {name}\n{text}");
        }
    }
}

#[test]
fn missing_node_modules_say_which_command_installs_them() {
    let output = fuzz(&["--node-modules", "/nonexistent/node_modules"]);
    assert_input_error(
        &output,
        &["@metamask/delegation-abis is not installed", "'/nonexistent/node_modules'", "npm ci"],
    );
}

#[test]
fn another_version_is_named() {
    let node_modules = fake_package("mm-version", "1.9.0");
    let output = fuzz(&["--node-modules", &path(&node_modules)]);
    assert_input_error(&output, &["package.json' is @metamask/delegation-abis 1.9.0", "2.0.0"]);
}

#[test]
fn a_missing_or_damaged_bytecode_file_is_named() {
    let node_modules = fake_package("mm-damaged", "2.0.0");
    let output = fuzz(&["--node-modules", &path(&node_modules)]);
    assert_input_error(&output, &["cannot read", "dist/bytecode/DelegationManager.mjs"]);
    let file = node_modules.join("@metamask/delegation-abis/dist/bytecode/DelegationManager.mjs");
    std::fs::write(&file, "const bytecode = \"0xzz\";").expect("write");
    let output = fuzz(&["--node-modules", &path(&node_modules)]);
    assert_input_error(&output, &["DelegationManager.mjs' has no `bytecode", "valid hex"]);
}

#[test]
fn flags_for_other_kinds_are_refused() {
    let output = leash(&["fuzz", "--delegator", "eip7702", "--cases", "1"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = fuzz(&["--artifacts", "/tmp"]);
    assert_input_error(&output, &["--artifacts takes a SmartSessions build"]);
    let output = leash(&[
        "fuzz",
        "--module-kind",
        "smartsessions",
        "--delegator",
        "eip7702",
        "--cases",
        "1",
    ]);
    assert_input_error(&output, &["--delegator needs --module-kind metamask"]);
}

#[test]
fn explain_lists_what_the_caveats_cannot_enforce() {
    let policy = root().join("examples/game-session.toml");
    let args = ["explain", &path(&policy), "--module-kind", "metamask", "--now", "1700000000"];
    let output = leash(&args);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert_contains(
        &text,
        &[
            "ON METAMASK (5 intent gaps)",
            "rate-limit-dropped",
            "gas-rule-dropped",
            "window-end-exclusive",
            "argument-rule-dropped",
            "counter phase RolledBackOnRevert (§P3)",
            "wildcard AnyMatching (§P9)",
        ],
    );
    let json = leash(&[&args[..], &["--format", "json"]].concat());
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["module"]["kind"], "metamask");
    assert_eq!(value["module"]["gaps"].as_array().map(Vec::len), Some(5));
}
