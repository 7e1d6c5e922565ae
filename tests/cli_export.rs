//! `leash export foundry` end to end: the tests it writes for the entries in
//! `tests/fixtures/corpus/` (what they deploy, replay and assert, read from the Solidity), a
//! compile check of all of them with solc-js against forge-std 1.1.2, and every input error as
//! one line with exit status 2.
//!
//! The compile check needs node, the solc-js of `reference-contracts/` (`npm ci` there) and
//! forge-std (`npm ci` in `tests/support/`): it is `#[ignore]`d, so `cargo test --workspace`
//! passes on a fresh machine, and `.ci/run` runs it after installing them (`cargo test --
//! --ignored`). Nothing here runs the generated tests: Foundry cannot be installed where leash
//! is built.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/corpus").join(name)
}

/// Exports `entry` into `dir` (with `extra` flags) and returns the test's path and text.
fn export(entry: &Path, dir: &Path, extra: &[&str]) -> (PathBuf, String) {
    let mut args = vec![
        "export",
        "foundry",
        entry.to_str().expect("UTF-8"),
        "--out",
        dir.to_str().expect("UTF-8"),
    ];
    args.extend_from_slice(extra);
    let output = leash(&args);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    let out = stdout(&output);
    let path = PathBuf::from(
        out.lines().next().and_then(|l| l.strip_prefix("wrote ")).expect("the path written"),
    );
    let text = std::fs::read_to_string(&path).expect("test written");
    (path, text)
}

/// Whether the exporter writes a test for the entry at `path`: Foundry tests reproduce findings
/// on the deployed account only, so entries on the EIP-7702 frame (module label `7702:…`) are
/// refused with a one-line error and left to `leash replay`; so are entries where an op has gas
/// terms of its own or replays another (spec §1.4.2, §16), or the case moves to another chain
/// (§17).
fn exportable(path: &Path) -> bool {
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("entry")).expect("JSON");
    if json["module"].as_str().expect("module").starts_with("7702:") {
        return false;
    }
    let steps = json["case"]["steps"].as_array().expect("steps");
    steps.iter().all(|step| {
        step["step"] != "chain"
            && step["ops"].as_array().is_none_or(|ops| {
                ops.iter().all(|op| op.get("gas").is_none() && op.get("replay").is_none())
            })
    })
}

/// The callData of op `op` of step `step` of a fixture entry, as lowercase hex.
fn call_data(entry: &str, step: usize, op: usize) -> String {
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(entry)).expect("fixture"))
            .expect("JSON");
    let hex = json["case"]["steps"][step]["ops"][op]["call_data"].as_str().expect("call_data");
    hex.trim_start_matches("0x").to_string()
}

#[test]
fn a_bypass_becomes_a_test_that_deploys_replays_and_expects_the_calls() {
    let dir = scratch_dir("export-bypass");
    let (path, text) = export(&fixture("bypass-58a1b0798ec2.json"), &dir, &[]);
    assert_eq!(path, dir.join("LeashRepro_bypass_58a1b0798ec2.t.sol"));
    assert!(text.starts_with("// SPDX-License-Identifier: UNLICENSED\npragma solidity ^0.8.13;\n"));
    assert_contains(
        &text,
        &[
            // The header: what it shows, the clause, the case, how to run it, what was checked.
            "// LeashRepro_bypass_58a1b0798ec2: a reproducer written by `leash export foundry`",
            "// Corpus entry: bypass-58a1b0798ec2 (file ",
            "//   A bypass finding (severity critical) in the module mutant:c6-transferfrom-other.",
            "//   Spec clause:  §8.3",
            "//   The spec:     deny: transferFrom moves tokens of another address (spec §8.3) at \
             execution 0",
            "//   The test PASSES while the bug is present: it asserts that the module accepts op 0 of \
             step 1",
            "//     op 0 signed by key 1: single execution: LeashToken.transferFrom(0x…b2, Game, 0)  \
             <- the finding",
            "//     fs_permissions = [{ access = \"read\", path = \"./reference-contracts/out\" }]",
            "//     forge test --match-contract LeashRepro_bypass_58a1b0798ec2 -vvvv",
            "//   leash's own tests compile tests written this way with solc 0.8.37 (solc-js) \
             against forge-std\n//     1.1.2. leash did NOT run this test with forge",
            "drops that op and resubmits the rest of the bundle",
            // The world, from the artifacts, at leash's addresses.
            "import {Test} from \"forge-std/Test.sol\";",
            "contract LeashRepro_bypass_58a1b0798ec2 is Test {",
            "string internal constant ENTRY_POINT_ARTIFACT = \
             \"reference-contracts/out/EntryPoint.sol/EntryPoint.json\";",
            "string internal constant MODULE_ARTIFACT = \
             \"reference-contracts/out/mutants/c6-transferfrom-other/SessionManager.sol/SessionManager.json\";",
            "address internal constant DEPLOYER = 0x00000000000000000000000000000000000de910;",
            "address internal constant ACCOUNT = 0xE6a86B1B9D4bE89D083a5C5fAE480B8D27767698;",
            "address internal constant LEASH_TOKEN = 0x1F474a1576A49AEa3c52D692e3F3eae0D57A336f;",
            "uint256 internal constant KEY_1 = \
             0x000000000000000000000000006c656173682073657373696f6e206b65792031;",
            "address internal constant KEY_1_ADDRESS = 0x795C754957Fcd1c72124ee6d6595a489374B4EC4;",
            "vm.startPrank(DEPLOYER, DEPLOYER);",
            "assertEq(account_, ACCOUNT, \"the account is not at the address leash used\");",
            "ILeashToken(LEASH_TOKEN).mint(ACCOUNT, ACCOUNT_TOKEN_BALANCE);",
            "(bool funded,) = ACCOUNT.call{value: ACCOUNT_NATIVE_BALANCE}(\"\");",
            // The steps.
            "function test_reproduces_bypass() public {\n        _step0();\n        _step1();\n    }",
            "_ownerCallsModule(hex\"10db5180",
            "\", true, \"step 0: installSession for key 1 succeeded for leash\");",
            // The finding: the calls, then the bundle, then the op accepted.
            "vm.expectCall(LEASH_TOKEN, 0, hex\"23b872dd00000000000000000000000000000000000000000000000000000000000000b20000000000000000000000002872ad3106951c0317df4d75a402025f94d8575e0000000000000000000000000000000000000000000000000000000000000000\");\n        // The bundle as it went through: op 0.\n        _handleOps(_pick(ops, hex\"00\"));\n        assertTrue(_accepted(2), \"step 1 op 0: the module accepted it; the spec says: deny: \
             transferFrom moves tokens of another address (spec section 8.3) at execution 0\");",
            // The helpers: signing with vm.sign over the module's digest (spec §1.4.1).
            "abi.encodeWithSelector(ISessionManager.sessionOpDigest.selector, op, ENTRY_POINT, ACCOUNT)",
            "(uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, abi.decode(digest, (bytes32)));",
            "op.signature = abi.encodePacked(r, s, v, signatureTail);",
            "op.signature = abi.encodePacked(new bytes(64), signatureTail);",
            "op.accountGasLimits = bytes32((VERIFICATION_GAS_LIMIT << 128) | CALL_GAS_LIMIT);",
        ],
    );
    // The op is signed by key 1 with nonce key 2 and the exact callData of the entry.
    let op = format!(
        "ops[0] = _signedBy(KEY_1, 2, hex\"{}\", \"\");",
        call_data("bypass-58a1b0798ec2.json", 1, 0)
    );
    assert_contains(&text, &[&op]);
    assert_contains(
        &stdout(&leash(&[
            "export",
            "foundry",
            fixture("bypass-58a1b0798ec2.json").to_str().expect("UTF-8"),
            "--out",
            dir.to_str().expect("UTF-8"),
        ])),
        &[
            "run it with: forge test --match-contract LeashRepro_bypass_58a1b0798ec2 -vvvv",
            "it did not run this one with forge",
        ],
    );
}

#[test]
fn a_delegatecall_bypass_expects_the_attempt() {
    let dir = scratch_dir("export-delegatecall");
    let (_, text) = export(&fixture("bypass-c2b83d88806b.json"), &dir, &[]);
    assert_contains(
        &text,
        &[
            "//   Spec clause:  §3.3.1",
            "//   DelegateCall LeashToken.0x00000000(",
            "vm.expectCall(LEASH_TOKEN, hex\"0000000000000000000000000000000000000000000000000000000000000000\
             23b872dd",
            "assertTrue(_accepted(2), \"step 1 op 0: the module accepted it;",
        ],
    );
}

#[test]
fn a_liveness_finding_checks_the_rejection_and_the_unused_nonce() {
    let dir = scratch_dir("export-liveness");
    let (_, text) = export(&fixture("liveness-d52a959f074e.json"), &dir, &[]);
    assert_contains(
        &text,
        &[
            "function test_reproduces_liveness() public {\n        _step0();\n        _step1();\n        \
             // step 2: the clock moves to 1700061317 (see step 2 below)\n        _step3();\n        _step4();\n    }",
            "vm.warp(1700061317);",
            "// op 0 is rejected in validation: AA23 SessionDenied(100, 0, 255): the usage limit is \
             used up (spec §10.1) at execution 0.",
            "_expectRejected(_pick(ops, hex\"00\"), _failedOpWithRevert(0, \"AA23 reverted\", \
             _sessionDenied(100, 0, 255)), \"step 4 op 0: rejected as leash saw it\");",
            "// No op passed validation: leash's bundler sent nothing more.",
            "assertTrue(!_accepted(3), \"step 4 op 0: the module rejected it; the spec says: allow \
             (1 execution(s))\");",
        ],
    );
}

#[test]
fn counter_findings_assert_the_module_state_where_it_differs() {
    let dir = scratch_dir("export-state");
    // Diverged after a bundle: the token counter the mutant does not count.
    let (_, text) = export(&fixture("state-39a12500e311.json"), &dir, &[]);
    assert_contains(
        &text,
        &[
            "// THE FINDING (state): the counters leash compares after every bundle.",
            "ISessionManager.SessionView memory state = \
             ISessionManager(MODULE).sessionState(ACCOUNT, KEY_0_ADDRESS);",
            "assertEq(_at(state.tokenSpent, 0), 0, \"sessionState(account, key 0).tokenSpent[0]: \
             leash read 0 from the module; the spec has 431\");",
        ],
    );
    assert!(!text.contains("assertEq(uint256(state.calls)"), "only differing fields:\n{text}");
    // Diverged at the end of the case, after a revoke that does not take.
    let (_, text) = export(&fixture("state-278e4efe2184.json"), &dir, &[]);
    assert_contains(
        &text,
        &[
            "function test_reproduces_state() public {\n        _step0();\n        _step1();\n        \
             _checkCounters();\n    }",
            "_ownerCallsModule(hex\"",
            "\", true, \"step 1: revokeSession for key 0 succeeded for leash\");",
            "function _checkCounters() internal {",
            "assertEq(uint256(state.status), 1, \"sessionState(account, key 0).status: leash read \
             1 from the module; the spec has 2\");",
        ],
    );
}

#[test]
fn a_clean_entry_becomes_a_regression_test_of_the_reference() {
    let dir = scratch_dir("export-clean");
    let (path, text) = export(&fixture("clean-be329066a0f3.json"), &dir, &[]);
    assert_eq!(path, dir.join("LeashRepro_clean_be329066a0f3.t.sol"));
    assert_contains(
        &text,
        &[
            "No finding: replaying this case against reference shows the module agreeing",
            "string internal constant MODULE_ARTIFACT = \
             \"reference-contracts/out/SessionManager.sol/SessionManager.json\";",
            "//   Note: The c6-transferfrom-other bypass case run against the reference: the \
             reference",
            "function test_replays_clean_case() public {",
            // The reference denies what the mutant let through (spec §8.3, code 82).
            "_expectRejected(_pick(ops, hex\"00\"), _failedOpWithRevert(0, \"AA23 reverted\", \
             _sessionDenied(82, 0, 255)), \"step 1 op 0: rejected as leash saw it\");",
        ],
    );
}

#[test]
fn artifacts_can_live_elsewhere() {
    let dir = scratch_dir("export-artifacts");
    let (_, text) = export(
        &fixture("strictness-1128dcaeb711.json"),
        &dir,
        &["--artifacts", "vendor/leash-out/"],
    );
    assert_contains(
        &text,
        &[
            "string internal constant ENTRY_POINT_ARTIFACT = \"vendor/leash-out/EntryPoint.sol/EntryPoint.json\";",
            "string internal constant MODULE_ARTIFACT = \
             \"vendor/leash-out/mutants/c1-outer-offset/SessionManager.sol/SessionManager.json\";",
            "fs_permissions = [{ access = \"read\", path = \"./vendor/leash-out\" }]",
            "assertTrue(_accepted(2), \"step 1 op 0: the module accepted it; the spec says: deny: \
             the padding after executionCalldata is not zero (spec section 3.4.4)\");",
        ],
    );
    assert!(!text.contains("reference-contracts/out"), "{text}");
}

#[test]
fn an_external_module_is_deployed_from_its_artifact_path() {
    let dir = scratch_dir("export-external");
    // The entry names the mutant's artifact by path, relative to the repository root (where
    // cargo runs the tests), as `leash fuzz --module <ARTIFACT>` labels its findings.
    let artifact = "reference-contracts/out/mutants/c6-transferfrom-other/SessionManager.sol/SessionManager.json";
    let path = edited_entry(&dir, "external.json", |e| e["module"] = artifact.into());
    let (_, text) = export(&path, &dir, &[]);
    assert_contains(
        &text,
        &[
            &format!("string internal constant MODULE_ARTIFACT = \"{artifact}\";"),
            "string internal constant ACCOUNT_ARTIFACT = \
             \"reference-contracts/out/LeashAccount.sol/LeashAccount.json\";",
            "path = \"./reference-contracts/out\" }, { access = \"read\", path = \
             \"./reference-contracts/out/mutants/c6-transferfrom-other/SessionManager.sol\" }]",
            "vm.expectCall(LEASH_TOKEN, 0, hex\"23b872dd",
        ],
    );
}

#[test]
fn exports_are_deterministic() {
    let a = scratch_dir("export-determinism-a");
    let b = scratch_dir("export-determinism-b");
    let entry = fixture("liveness-d52a959f074e.json");
    let (_, first) = export(&entry, &a, &[]);
    let (_, second) = export(&entry, &b, &[]);
    assert_eq!(first, second);
}

/// Where the compile check's tools are, or why they are not there.
fn compile_tools() -> Result<(PathBuf, PathBuf, PathBuf), String> {
    let node =
        Command::new("node").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !node.is_ok_and(|s| s.success()) {
        return Err("node is not installed".into());
    }
    let solc = root().join("reference-contracts/node_modules/solc");
    let forge_std = root().join("tests/support/node_modules/forge-std");
    let ds_test = root().join("tests/support/ds-test");
    for (path, install) in
        [(&solc, "npm ci in reference-contracts/"), (&forge_std, "npm ci in tests/support/")]
    {
        if !path.join("package.json").exists() {
            return Err(format!("{} is missing (run {install})", path.display()));
        }
    }
    Ok((solc, forge_std, ds_test))
}

#[test]
#[ignore = "needs node and `npm ci` in reference-contracts/ and tests/support/ (.ci/run runs it: cargo test -- --ignored)"]
fn the_generated_tests_compile_against_forge_std() {
    let (solc, forge_std, ds_test) =
        compile_tools().unwrap_or_else(|why| panic!("cannot compile the generated tests: {why}"));
    let dir = scratch_dir("export-compile");
    let mut files = Vec::new();
    // The fixtures, and the regressions committed to the corpus.
    for source in ["tests/fixtures/corpus", "corpus/regressions"] {
        for entry in std::fs::read_dir(root().join(source)).expect("entries") {
            let path = entry.expect("entry").path();
            // Entries the exporter refuses (the EIP-7702 frame, an op's own gas terms, a chain
            // move, a replay) get a one-line error; `leash replay` runs them.
            if path.extension().is_some_and(|e| e == "json") && exportable(&path) {
                files.push(export(&path, &dir, &[]).0);
            }
        }
    }
    files.sort();
    files.dedup();
    assert!(files.len() >= 7, "{files:?}");
    let output = Command::new("node")
        .arg(root().join("tests/support/compile_foundry_tests.mjs"))
        .arg("--solc")
        .arg(&solc)
        .arg("--forge-std")
        .arg(&forge_std)
        .arg("--ds-test")
        .arg(&ds_test)
        .args(&files)
        .output()
        .expect("node runs");
    let result: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&output), stderr(&output)));
    assert_eq!(result["errors"], Value::Array(Vec::new()), "{result:#}");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(result["solc"].as_str().expect("solc version").starts_with("0.8.37"), "{result}");
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("file name");
        let contract = name.strip_suffix(".t.sol").expect("a .t.sol file");
        let compiled = &result["contracts"][name][contract];
        let functions: Vec<&str> = compiled["functions"]
            .as_array()
            .unwrap_or_else(|| panic!("{contract} missing from {result}"))
            .iter()
            .map(|f| f.as_str().expect("signature"))
            .collect();
        assert!(functions.contains(&"setUp()"), "{contract}: {functions:?}");
        assert!(
            functions
                .iter()
                .any(|f| f.starts_with("test_reproduces_") || *f == "test_replays_clean_case()"),
            "{contract}: {functions:?}"
        );
        assert!(compiled["bytecode"].as_u64().is_some_and(|n| n > 0), "{contract}");
    }
}

#[test]
fn a_missing_or_invalid_entry_is_an_error() {
    let dir = scratch_dir("export-errors");
    let out = dir.to_str().expect("UTF-8");
    let output = leash(&["export", "foundry", "no-such-entry.json", "--out", out]);
    assert_input_error(&output, &["corpus entry 'no-such-entry.json': No such file or directory"]);
    let policy = root().join("tests/fixtures/policies/game-session.toml");
    let output = leash(&["export", "foundry", policy.to_str().expect("UTF-8"), "--out", out]);
    assert_input_error(&output, &["game-session.toml: not a leash corpus entry: expected value"]);
}

/// A copy of the c6 bypass fixture with `edit` applied, written to `dir`.
fn edited_entry(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut entry: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("bypass-58a1b0798ec2.json")).expect("fixture"),
    )
    .expect("JSON");
    edit(&mut entry);
    let path = dir.join(name);
    std::fs::write(&path, entry.to_string()).expect("written");
    path
}

#[test]
fn an_entry_whose_module_cannot_be_resolved_is_an_error() {
    let dir = scratch_dir("export-unknown-module");
    let path = edited_entry(&dir, "unknown.json", |e| e["module"] = "mutant:c99-nothing".into());
    let output = leash(&[
        "export",
        "foundry",
        path.to_str().expect("UTF-8"),
        "--out",
        dir.to_str().expect("UTF-8"),
    ]);
    assert_input_error(
        &output,
        &["unknown.json' names module 'mutant:c99-nothing', which cannot be resolved: unknown \
             mutant \"c99-nothing\" (known: c1-batch-data-offset"],
    );
    let path = edited_entry(&dir, "missing-artifact.json", |e| {
        e["module"] = "no/such/Module.json".into();
    });
    let output = leash(&[
        "export",
        "foundry",
        path.to_str().expect("UTF-8"),
        "--out",
        dir.to_str().expect("UTF-8"),
    ]);
    assert_input_error(
        &output,
        &["names module 'no/such/Module.json', which cannot be resolved: cannot read artifact"],
    );
}

#[test]
fn an_entry_the_replay_no_longer_shows_is_an_error() {
    let dir = scratch_dir("export-stale");
    // The mutant's bypass, run against the reference, shows nothing.
    let path = edited_entry(&dir, "stale.json", |e| e["module"] = "reference".into());
    let output = leash(&[
        "export",
        "foundry",
        path.to_str().expect("UTF-8"),
        "--out",
        dir.to_str().expect("UTF-8"),
    ]);
    assert_input_error(
        &output,
        &[
            "exporting '",
            "stale.json': replaying the case against reference shows no finding but \
           the entry expects a bypass finding",
        ],
    );
    assert!(
        std::fs::read_dir(&dir)
            .expect("dir")
            .all(|e| { !e.expect("entry").file_name().to_string_lossy().ends_with(".t.sol") })
    );
}

#[test]
fn an_output_directory_that_cannot_be_written_is_an_error() {
    let dir = scratch_dir("export-unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a directory").expect("written");
    let entry = fixture("bypass-58a1b0798ec2.json");
    let output = leash(&[
        "export",
        "foundry",
        entry.to_str().expect("UTF-8"),
        "--out",
        file.to_str().expect("UTF-8"),
    ]);
    assert_input_error(&output, &["cannot create the output directory '", "a-file'"]);
}

#[test]
fn help_says_what_was_and_was_not_checked() {
    let output = leash(&["export", "foundry", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert_contains(
        &stdout(&output),
        &[
            "<ENTRY>",
            "--out <DIR>",
            "--artifacts <DIR>",
            "[default: reference-contracts/out]",
            "compile (solc 0.8.37 against forge-std 1.1.2",
            "it does not run them with forge",
            "forge test --match-contract LeashRepro_<id> -vvvv",
        ],
    );
    let output = leash(&["export", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert_contains(&stdout(&output), &["foundry", "Write a Foundry test"]);
}

#[test]
#[ignore = "needs `npm ci` in reference-contracts/ (.ci/run runs it: cargo test -- --ignored)"]
fn an_entry_on_smartsessions_is_refused_with_the_command_that_replays_it() {
    let dir = scratch_dir("export-smartsessions");
    let module = "smartsessions:leash-account:modulekit-0.5.9";
    let path = edited_entry(&dir, "ss.json", |e| e["module"] = module.into());
    let output = leash(&[
        "export",
        "foundry",
        path.to_str().expect("UTF-8"),
        "--out",
        dir.to_str().expect("UTF-8"),
    ]);
    let modulekit = root().join("reference-contracts/node_modules/@rhinestone/modulekit");
    assert!(
        modulekit.is_dir(),
        "run `npm ci` in reference-contracts/: {} is missing",
        modulekit.display()
    );
    assert_input_error(
        &output,
        &[
            "ss.json' is a finding on 'smartsessions:leash-account:modulekit-0.5.9'",
            "implementing ISessionManager only; reproduce it with `leash replay ",
        ],
    );
    assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 1, "nothing is written");
}

#[test]
fn entries_with_gas_terms_a_chain_move_or_another_keys_signature_are_refused_with_the_replay_command()
 {
    for (name, what) in [
        (
            "mutant-c5-gas-call-limit-only",
            "has an op with its own gas terms (spec §1.4.2, §1.4.4, §16, §17)",
        ),
        ("mutant-c10-chain-stored", "has a move to another chain (spec §1.4.2, §1.4.4, §16, §17)"),
        (
            "mutant-c10-any-installed-key",
            "has an op carrying another key's signature (spec §1.4.2, §1.4.4, §16, §17)",
        ),
    ] {
        let dir = scratch_dir(&format!("export-{name}"));
        let entry = root().join(format!("corpus/regressions/{name}.json"));
        let output = leash(&[
            "export",
            "foundry",
            entry.to_str().expect("UTF-8"),
            "--out",
            dir.to_str().expect("UTF-8"),
        ]);
        assert_input_error(
            &output,
            &[&format!("{name}.json' {what}"), "reproduce it with `leash replay "],
        );
        assert!(
            std::fs::read_dir(&dir).map_or(true, |d| d.count() == 0),
            "nothing is written for {name}"
        );
    }
}
