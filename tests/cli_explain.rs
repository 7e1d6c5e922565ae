//! `leash explain` end to end: the policy files in `tests/fixtures/policies/`, read as a person
//! would (key phrases of each section) and as a tool would (`--format json`), every input error
//! as one line with exit status 2.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

/// 2026-01-01 01:00:00 UTC: inside the game session's two-hour window.
const IN_WINDOW: &str = "1767229200";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies").join(name)
}

fn explain(name: &str, extra: &[&str]) -> Output {
    let path = fixture(name);
    let mut args = vec!["explain", path.to_str().expect("UTF-8 path")];
    args.extend_from_slice(extra);
    leash(&args)
}

fn lint_ids(json: &Value) -> Vec<&str> {
    json["lints"]
        .as_array()
        .expect("lints is an array")
        .iter()
        .map(|lint| lint["id"].as_str().expect("lint id"))
        .collect()
}

#[test]
fn a_tight_game_session_reads_in_plain_english_and_passes() {
    let output = explain("game-session-gas.toml", &["--now", IN_WINDOW, "--deny", "warning"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert_contains(
        &text,
        &[
            "WHO\n",
            "The session key. The policy does not name it",
            "WHEN\n",
            "Starts: after 2026-01-01 00:00:00 UTC",
            "Ends: at 2026-01-01 02:00:00 UTC, that second included",
            "Length: 2 hours.",
            "Now (2026-01-01 01:00:00 UTC): active; 1 hour left.",
            "WHAT (3 permissions; every other call is denied)",
            "1. Call attack(uint256 monsterId) [reference Game, 0x64dd891a] on \
             0x5FbDB2315678afecb367f032d93F642f64180aa3.",
            "argument 1 (uint256 monsterId) must be at most 100; at most 5000 in total over the \
             session",
            "argument 1 (uint8 skill) must be one of 1, 2 or 3",
            "argument 1 (uint256 count) must be between 1 and 5 (both included)",
            "HOW MUCH\n",
            "Gas: may spend at most 0.01 ETH (10000000000000000 wei) on gas in total, at most \
             0.002 ETH (2000000000000000 wei) per op, with maxFeePerGas at most 50 gwei \
             (50000000000 wei); paid by the account or any paymaster.",
            "Chains: only on Base (8453) and Optimism (10) (§17).",
            "at most 0.01 ETH (10000000000000000 wei) per call and 0.05 ETH (50000000000000000 \
             wei) in total",
            "Calls: at most 100 over the session",
            "Rate: at most 3 calls in any 60 seconds (1 minute)",
            "LINTS (0 errors, 0 warnings, 0 info)",
            "Result: no lint at or above --deny warning.",
        ],
    );
}

#[test]
fn a_risky_session_shows_what_it_allows_and_fails_on_its_lints() {
    let output = explain("risky.toml", &["--now", IN_WINDOW]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert_contains(
        &text,
        &[
            "Ends: NEVER (with valid_after and valid_until both 0",
            "Call transfer(address to, uint256 amount) [ERC-20, 0xa9059cbb] on ANY contract.",
            "Arguments: not declared, so any bytes after the selector are accepted",
            "Send native value with empty calldata (a plain transfer) to ANY address.",
            "bytes 0 to 19 of the content of argument 3 (bytes path), read as an address, must \
             equal 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
            "Call the function with selector 0xffffffff (not in leash's table",
            "It executes calls of its own; this policy does not check the calls inside.",
            "no total limit (2^256-1 wei)",
            "approvals may name any spender",
            "Calls: no usage limit",
            "Rate: no rate limit",
            "error[no-expiry]: the session never ends (valid_until = 0)",
            "relates to: §11, C7",
            "advice: \"Set time expiry aggressively short by default.\"",
            "error[unlimited-native-cap]",
            "error[unlimited-token-cap]",
            "error[value-only]: permission 1 (transfer on ANY contract)",
            "warning[value-only]: permission 3 (plain transfers to ANY address)",
            "error[wildcard-target]",
            "error[executes-calls]",
            "error[unrestricted-approve]: permission 2 (approve on \
             0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512) can approve any spender",
            "A session key scoped to approve(address,uint256) on a specific ERC-20 should also \
             validate the spender address and amount.",
            "error[uncapped-token-transfer]",
            "warning[no-call-limit]",
            "warning[no-declared-arguments]",
            "warning[dynamic-argument-rule]",
            "(C2)",
            "warning[sentinel-selector]: permission 5",
            "warning[dead-permission]: permission 7 (mint on",
            "Result: 8 lints at or above --deny error: exit 1.",
        ],
    );
}

#[test]
fn json_output_parses_and_lists_lint_ids() {
    let output = explain("risky.toml", &["--now", IN_WINDOW, "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(json["syntax"], "toml");
    assert_eq!(json["now"], 1_767_229_200u64);
    assert_eq!(json["when"]["no_end"], true);
    assert_eq!(json["what"][0]["target"], "*");
    assert_eq!(json["what"][0]["function"], "transfer(address to, uint256 amount)");
    assert_eq!(json["what"][0]["args"], Value::Null);
    assert_eq!(
        json["how_much"]["native"]["total"],
        "115792089237316195423570985008687907853269984665640564039457584007913129639935"
    );
    let ids = lint_ids(&json);
    for id in [
        "no-expiry",
        "unlimited-native-cap",
        "unlimited-token-cap",
        "no-call-limit",
        "value-only",
        "wildcard-target",
        "executes-calls",
        "unrestricted-approve",
        "uncapped-token-transfer",
        "no-declared-arguments",
        "unchecked-arguments",
        "dynamic-argument-rule",
        "sentinel-selector",
        "dead-permission",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let first = &json["lints"][0];
    assert_eq!(first["severity"], "error");
    assert!(first["relates_to"].as_array().is_some_and(|r| !r.is_empty()), "{first}");
    assert!(first["why"].as_str().is_some_and(|why| !why.is_empty()), "{first}");
    assert_eq!(json["summary"]["errors"], 8);
    assert_eq!(json["summary"]["deny"], "error");
    assert_eq!(json["summary"]["denied"], 8);
}

#[test]
fn a_clean_policy_in_json_has_no_lints() {
    let output = explain("game-session-gas.toml", &["--now", IN_WINDOW, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(lint_ids(&json), Vec::<&str>::new());
    assert_eq!(json["how_much"]["gas"]["total"], "10000000000000000");
    assert_eq!(json["how_much"]["gas"]["max_fee_per_gas"], "50000000000");
    assert_eq!(json["how_much"]["gas"]["paymaster"], "any");
    assert_eq!(json["how_much"]["chains"][0]["id"], 8453);
    assert_eq!(json["how_much"]["chains"][1]["name"], "optimism");
    assert_eq!(json["when"]["status"], "active");
    assert_eq!(json["when"]["usable_for_seconds"], 3600);
    assert_eq!(json["what"][1]["function"], "useSkill(uint8 skill, uint256 target)");
    assert_eq!(json["how_much"]["rate_limit"]["max_calls"], 3);
}

#[test]
fn a_month_long_json_policy_is_a_long_session_error() {
    let output = explain("month-long-allowance.json", &["--now", IN_WINDOW]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_contains(
        &text,
        &[
            "month-long-allowance.json (JSON)",
            "Length: 45 days.",
            "error[long-session]: a session installed now can act for 44 days 23 hours",
            "argument 1 (address to) must equal 0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
        ],
    );
}

#[test]
fn a_subscription_reads_as_an_amount_per_period_from_its_start() {
    // 1 Jan 2027 00:00:00 UTC, the first second of the first period.
    let output = explain("usdc-subscription.toml", &["--now", "1798761600"]);
    let text = stdout(&output);
    assert_contains(
        &text,
        &[
            "Token 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48 (USDC on Ethereum): at most 60 USDC \
             (60000000 base units) in total",
            "per period: up to 5 USDC (5000000 base units) per 30 days, starting 1 Jan 2027 \
             (§8.6). A period begins every 30 days from then, its first second included; what a \
             period leaves unspent does not carry over",
            "This token has an ERC-20 cap of 60 USDC (60000000 base units): each call counts its \
             full amount (§8.5); together they must also stay within 5 USDC (5000000 base units) \
             per 30 days (§8.6).",
        ],
    );
    let output = explain("usdc-subscription.toml", &["--now", "1798761600", "--format", "json"]);
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let periodic = &json["how_much"]["erc20"][0]["periodic"];
    assert_eq!(periodic["amount"], "5000000");
    assert_eq!(periodic["period_seconds"], 2_592_000);
    assert_eq!(periodic["start"], 1_798_761_600u64);
    assert!(!lint_ids(&json).contains(&"periodic-no-end"), "{json}");
}

#[test]
fn a_cap_shows_amounts_in_the_units_the_policy_names() {
    let output = explain("named-units.toml", &["--now", "2027-01-01"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_contains(
        &stdout(&output),
        &[
            "Token 0x00000000000000000000000000000000000000E0 (EURx): at most 50 EURx (5000 base \
             units) in total",
            "per period: up to 12.5 EURx (1250 base units) per day",
            // A rule on the transfer's amount reads in the token's units; the one on its
            // recipient does not.
            "argument 2 (uint256 amount) must be at most 10 EURx (1000 base units); at most 30 \
             EURx (3000 base units) in total over the session (§6.4)",
            "argument 1 (address to) must equal 0x00000000000000000000000000000000000000B1",
        ],
    );
    let output = explain("named-units.toml", &["--now", "2027-01-01", "--format", "json"]);
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let cap = &json["how_much"]["erc20"][0];
    assert_eq!(cap["decimals"], 2);
    assert_eq!(cap["symbol"], "EURx");
    assert_eq!(cap["limit"], "5000");
    // Without them, base units (the token is not a well-known one).
    let text = std::fs::read_to_string(fixture("named-units.toml")).expect("fixture reads");
    let dir = scratch_dir("explain-raw-units");
    let plain = dir.join("raw.toml");
    let raw = text.replace("decimals = 2\n", "").replace("symbol = \"EURx\"\n", "");
    std::fs::write(&plain, raw).expect("write");
    let output = leash(&["explain", plain.to_str().expect("UTF-8"), "--now", "2027-01-01"]);
    assert_contains(
        &stdout(&output),
        &[
            "at most 5000 base units in total",
            "argument 2 (uint256 amount) must be at most 1000; at most 3000 in total",
        ],
    );
}

#[test]
fn the_subscription_example_streams_its_tips() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/subscription.toml");
    let output = leash(&["explain", path.to_str().expect("UTF-8"), "--now", "1798761600"]);
    assert_contains(
        &stdout(&output),
        &[
            "Native value streamed: 0 ETH (0 wei) at 1 Jan 2027, then 0.000000277777777777 ETH \
             (277777777777 wei) more per second, up to 0.01 ETH (10000000000000000 wei) in all \
             (reached 1 Jan 2027, 10:00:01 UTC) (§7.5)",
            "per period: up to 5 LEASH (5000000000000000000 base units) per 30 days, starting 1 \
             Jan 2027 (§8.6)",
        ],
    );
}

#[test]
fn deny_sets_the_severity_that_fails_the_run() {
    // The game session, judged after its window: a warning (window-ended) and nothing worse.
    let after = "1767236400";
    let output = explain("game-session-gas.toml", &["--now", after]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_contains(
        &stdout(&output),
        &["warning[window-ended]", "Now (2026-01-01 03:00:00 UTC): over"],
    );
    let output = explain("game-session-gas.toml", &["--now", after, "--deny", "warning"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_contains(&stdout(&output), &["Result: 1 lint at or above --deny warning: exit 1."]);
    let output = explain("risky.toml", &["--now", IN_WINDOW, "--deny", "never"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_contains(&stdout(&output), &["--deny never: lints do not fail the run"]);
}

#[test]
fn a_window_that_has_not_started_is_information() {
    let output = explain("game-session-gas.toml", &["--now", "1767225600", "--deny", "warning"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_contains(&text, &["not started; it starts in 1 second", "info[window-not-started]"]);
}

#[test]
fn a_session_without_a_gas_rule_warns_that_the_account_prefunds_its_gas() {
    let output = explain("game-session.toml", &["--now", IN_WINDOW, "--deny", "warning"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_contains(
        &text,
        &[
            "Gas: no limit. Unless a paymaster pays, the account prefunds every op",
            "Chains: any chain the account is on (§17).",
            "warning[no-gas-limit]: no gas rule: the account prefunds every op",
        ],
    );
}

#[test]
fn without_now_the_clock_judges_the_window() {
    let output = explain("game-session.toml", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_contains(&stdout(&output), &["Now (", " UTC): "]);
}

#[test]
fn a_missing_file_is_named() {
    let output = explain("no-such-policy.toml", &[]);
    assert_input_error(
        &output,
        &["leash: cannot read policy file '", "no-such-policy.toml': No such file or directory"],
    );
}

#[test]
fn a_directory_is_not_a_policy_file() {
    let dir = fixture("");
    let output = leash(&["explain", dir.to_str().expect("UTF-8 path")]);
    assert_input_error(&output, &["cannot read policy file '"]);
}

#[test]
fn bad_toml_reports_line_and_column() {
    let output = explain("bad-syntax.toml", &[]);
    assert_input_error(&output, &["bad-syntax.toml' is not valid TOML: line 4, column 14: "]);
}

#[test]
fn a_misspelt_field_is_an_error_with_its_position() {
    let output = explain("misspelt-field.toml", &[]);
    assert_input_error(
        &output,
        &["misspelt-field.toml' is not a valid policy: line 3, column 1: unknown field \
             `valid_untill`"],
    );
}

#[test]
fn an_invalid_policy_names_the_clause() {
    let output = explain("invalid-window.toml", &[]);
    assert_input_error(
        &output,
        &["is not a valid policy: the window is empty: valid_after 1767232800 is not before \
           valid_until 1767225600 (spec §12.1)"],
    );
    let output = explain("invalid-rule.json", &[]);
    assert_input_error(
        &output,
        &["invalid-rule.json' is not a valid policy: permission 0 rule 0: it names argument 3 \
             but only 1 are declared (spec §12.5)"],
    );
}

/// A scratch file under Cargo's per-test temporary directory.
fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, contents).expect("scratch file written");
    path
}

#[test]
fn a_file_without_extension_is_tried_as_toml_then_json() {
    let json = std::fs::read(fixture("month-long-allowance.json")).expect("fixture");
    let path = scratch("policy-json-no-extension", &json);
    let output = leash(&["explain", path.to_str().expect("UTF-8"), "--now", IN_WINDOW]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_contains(&stdout(&output), &["policy-json-no-extension (JSON)"]);

    let path = scratch("policy-garbage", b"valid_until: tomorrow\n");
    let output = leash(&["explain", path.to_str().expect("UTF-8")]);
    assert_input_error(
        &output,
        &["policy-garbage' is neither TOML (line 1, column ", ") nor JSON (line 1, column "],
    );

    let path = scratch("policy-invalid-no-extension", b"valid_after = 9\nvalid_until = 3\n");
    let output = leash(&["explain", path.to_str().expect("UTF-8")]);
    assert_input_error(&output, &["is not a valid policy: the window is empty"]);
}

#[test]
fn a_file_that_is_not_utf8_is_unreadable() {
    let path = scratch("policy-latin1.toml", b"valid_until = 1 # caf\xe9\n");
    let output = leash(&["explain", path.to_str().expect("UTF-8")]);
    assert_input_error(&output, &["cannot read policy file '", "valid UTF-8"]);
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let path = fixture("game-session.toml");
    let path = path.to_str().expect("UTF-8");
    let output = leash(&["explain", path, "--now", "soon"]);
    assert_input_error(
        &output,
        &["invalid value 'soon' for '--now <TIME>'", "\"soon\" is not a moment", "2027-01-01"],
    );
    let output = leash(&["explain", path, "--deny", "sometimes"]);
    assert_input_error(&output, &["invalid value 'sometimes' for '--deny <DENY>'"]);
    let output = leash(&["explain", path, "--formt", "json"]);
    assert_input_error(
        &output,
        &["unexpected argument '--formt' found", "'--format'", "usage: leash explain"],
    );
}

/// Every policy in `examples/`, judged at its first usable second: it reads, its window is open,
/// and it has no lint worse than info but the long sessions a subscription or a DCA plan is (each
/// has a gas rule, so none warns that the account prefunds whatever fee the key signs).
#[test]
fn the_examples_are_open_at_their_start_and_lint_clean_but_for_length() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = 0;
    for file in std::fs::read_dir(&dir).expect("examples/ lists") {
        let path = file.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("an example reads");
        let policy: leash_model::Policy = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not a policy: {e}", path.display()));
        let first = (policy.valid_after + 1).to_string();
        let output =
            leash(&["explain", path.to_str().expect("UTF-8"), "--now", &first, "--format", "json"]);
        let json: Value = serde_json::from_str(&stdout(&output))
            .unwrap_or_else(|e| panic!("{}: {e}: {}", path.display(), stderr(&output)));
        // What a newcomer runs first explains without failing (no lint at the error level).
        assert_eq!(output.status.code(), Some(0), "{}: {}", path.display(), json["lints"]);
        for lint in json["lints"].as_array().expect("lints is an array") {
            let id = lint["id"].as_str().expect("lint id");
            assert!(
                id == "long-session" || lint["severity"] == "info",
                "{} at {first}: {lint}",
                path.display()
            );
            assert_ne!(id, "window-not-started", "{}", path.display());
        }
        assert_eq!(json["when"]["status"], "active", "{}: {}", path.display(), json["when"]);
        seen += 1;
    }
    assert!(seen >= 4, "examples/ holds {seen} policies");
}
