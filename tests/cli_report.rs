//! `leash report` end to end, on the corpus entries in `tests/fixtures/corpus/` (minimized
//! findings against mutants, and a clean entry against the reference): the Markdown a person
//! reads, the JSON a tool parses, the SARIF a code-scanning UI loads (its structure checked
//! here), `--out`, and every input error as one line with exit status 2.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

fn fixture(name: &str) -> PathBuf {
    corpus().join(name)
}

/// `leash report` on `paths` with `extra` flags.
fn report(paths: &[&Path], extra: &[&str]) -> Output {
    let mut args: Vec<&str> = vec!["report"];
    args.extend(paths.iter().map(|p| p.to_str().expect("UTF-8 path")));
    args.extend_from_slice(extra);
    leash(&args)
}

fn json(output: &Output) -> Value {
    assert_eq!(output.status.code(), Some(0), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

#[test]
fn markdown_summarizes_then_explains_each_finding() {
    let output = report(&[&corpus()], &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(text.starts_with("# leash report\n"), "{text}");
    assert_contains(
        &text,
        &[
            "6 findings in 7 entries (1 clean), written by leash",
            "| class | severity | findings |",
            "| bypass | critical | 2 |",
            "| strictness | medium | 1 |",
            "| liveness | high | 1 |",
            "| state | high | 2 |",
            "| reason | low | 0 |",
            "| limitation | info | 0 |",
            "| module | bypass | strictness | liveness | state | reason | limitation | clean |",
            "| `mutant:c6-transferfrom-other` | 1 | 0 | 0 | 0 | 0 | 0 | 0 |",
            "| `reference` | 0 | 0 | 0 | 0 | 0 | 0 | 1 |",
            "### 2. bypass (critical) in `mutant:c6-transferfrom-other`, spec §8.3",
            "- **Spec clause:** §8.3: transferFrom moves tokens of another address",
            "- **Where:** step 1, op 0",
            "**What the spec says:** deny: transferFrom moves tokens of another address (spec \
             §8.3) at execution 0",
            "**What the module did:** allowed; execution succeeded with 1 effective call(s) from \
             the account",
            "**Detail:** the executed calls violate the policy: transferFrom moves tokens of \
             another address",
            "**Minimized case** (2 steps, 1 op; found with seed 0x1, worker 0, case 8364, \
             calldata mutation on):",
            "```text\nstep 0: install a session for key 1 (",
            "  permission 0: LeashToken: transferFrom(address,address,uint256); arguments \
             declared (address, address, uint256)",
            "  ERC-20 cap on LeashToken: 0 in total; approvals only to 0x…b1, 0x…b2, 0x…b3, 0x…b4",
            "step 1: bundle of 1 op at 1700000000\n  op 0 signed by key 1: single execution: \
             LeashToken.transferFrom(0x…b2, Game, 0)  <- the finding\n```",
            "```sh\nleash replay ",
            "tests/fixtures/corpus/bypass-58a1b0798ec2.json\nleash export foundry ",
            // A liveness finding: the spec names no clause, the module's denial does.
            "### 3. liveness (high) in `mutant:c8-reinstall-residue`",
            "- **The module's outcome cites:** §10.1",
            "op 0 signed by key 0: single execution: a plain transfer of 0 wei to 0x…b2  <- the \
             finding",
            // A counter finding: the two session states, and the step marked.
            "**The spec's session state:** `Some((Revoked, Counters {",
            "**The module's session state:** `Some((Active, Counters {",
            "step 1: revoke the session of key 0 (0x3445383e48a0b6B8C45B9730Fd1DA679b304991B) at \
             1700000000  <- the finding",
            // A mutated op: what the spec makes of it, what it meant, the mutation.
            "op 0 signed by key 1: 260 bytes of callData the spec does not decode: the call type \
             is not single or batch (spec §3.3.1)  <- the finding",
            "    mutation: mode_byte (mode byte 0 set to 0xff)",
            "## Clean entries",
            "clean-be329066a0f3.json` | `reference` | 2 | 1 |",
            "clean-be329066a0f3.json`: The c6-transferfrom-other bypass case run against the \
             reference: the reference denies",
        ],
    );
    // Most severe first: both bypasses before the high findings, strictness (medium) last.
    let position = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(position("### 1. bypass") < position("### 3. liveness"));
    assert!(position("### 5. state") < position("### 6. strictness"));
}

#[test]
fn json_is_versioned_and_complete() {
    let doc = json(&report(&[&corpus()], &["--format", "json"]));
    assert_eq!(doc["schema"], "leash-report");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["leash"], env!("CARGO_PKG_VERSION"));
    let summary = &doc["summary"];
    assert_eq!(summary["entries"], 7);
    assert_eq!(summary["findings"], 6);
    assert_eq!(summary["clean"], 1);
    let classes: Vec<&str> = summary["by_class"]
        .as_array()
        .expect("by_class")
        .iter()
        .map(|c| c["class"].as_str().expect("class"))
        .collect();
    assert_eq!(classes, ["bypass", "strictness", "liveness", "state", "reason", "limitation"]);
    assert_eq!(summary["by_class"][0]["findings"], 2);
    let modules = summary["modules"].as_array().expect("modules");
    assert_eq!(modules.len(), 7);
    let c6 = modules
        .iter()
        .find(|m| m["module"] == "mutant:c6-transferfrom-other")
        .expect("c6 module listed");
    assert_eq!(c6["findings"]["bypass"], 1);
    assert_eq!(c6["clean"], 0);

    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 6);
    let severities: Vec<&str> =
        findings.iter().map(|f| f["severity"].as_str().expect("severity")).collect();
    assert_eq!(severities, ["critical", "critical", "high", "high", "high", "medium"]);
    let bypass =
        findings.iter().find(|f| f["id"] == "bypass-58a1b0798ec2").expect("c6 bypass reported");
    assert_eq!(bypass["module"], "mutant:c6-transferfrom-other");
    assert_eq!(bypass["class"], "bypass");
    assert_eq!(bypass["spec_clause"], "§8.3");
    assert_eq!(bypass["clause_text"], "transferFrom moves tokens of another address");
    assert_eq!(bypass["module_clause"], Value::Null);
    assert_eq!(bypass["step"], 1);
    assert_eq!(bypass["op"], 0);
    assert!(bypass["file"].as_str().expect("file").ends_with("bypass-58a1b0798ec2.json"));
    assert!(bypass["detail"].as_str().expect("detail").starts_with("the executed calls violate"));
    assert_eq!(bypass["case"]["steps"], 2);
    assert_eq!(bypass["case"]["ops"], 1);
    assert_eq!(bypass["case"]["mutated"], false);
    let lines = bypass["case"]["lines"].as_array().expect("lines");
    assert!(lines[0].as_str().expect("line").starts_with("step 0: install a session for key 1"));
    assert_eq!(bypass["provenance"]["minimized"], true);
    let reproduce = bypass["reproduce"].as_array().expect("reproduce");
    assert!(reproduce[0].as_str().expect("command").starts_with("leash replay "));
    assert!(reproduce[1].as_str().expect("command").starts_with("leash export foundry "));

    let liveness = findings.iter().find(|f| f["class"] == "liveness").expect("liveness");
    assert_eq!(liveness["spec_clause"], Value::Null);
    assert_eq!(liveness["module_clause"], "§10.1");
    let state = findings.iter().find(|f| f["id"] == "state-278e4efe2184").expect("state");
    assert_eq!(state["op"], Value::Null);

    let clean = doc["clean"].as_array().expect("clean");
    assert_eq!(clean.len(), 1);
    assert_eq!(clean[0]["id"], "clean-be329066a0f3");
    assert_eq!(clean[0]["module"], "reference");
    assert!(clean[0]["note"].as_str().is_some_and(|n| n.contains("spec §8.3, code 82")));
    assert_eq!(bypass["note"], Value::Null);
}

/// Checks a SARIF 2.1.0 log's structure: the fields the specification requires, and those
/// code-scanning UIs rely on.
fn check_sarif(log: &Value) -> Vec<Value> {
    assert_eq!(log["version"], "2.1.0");
    let schema = log["$schema"].as_str().expect("$schema");
    assert!(schema.starts_with("https://") && schema.contains("sarif-2.1.0"), "{schema}");
    let runs = log["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "leash");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().expect("rule id")).collect();
    assert_eq!(
        ids,
        [
            "leash/bypass",
            "leash/strictness",
            "leash/liveness",
            "leash/state",
            "leash/reason",
            "leash/limitation"
        ]
    );
    for rule in rules {
        assert!(rule["name"].as_str().is_some_and(|s| !s.is_empty()), "{rule}");
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(rule[field]["text"].as_str().is_some_and(|s| !s.is_empty()), "{rule}");
        }
        assert!(rule["help"]["markdown"].as_str().is_some(), "{rule}");
        let level = rule["defaultConfiguration"]["level"].as_str().expect("level");
        assert!(["error", "warning", "note"].contains(&level), "{rule}");
        let security = rule["properties"]["security-severity"].as_str().expect("severity");
        assert!(security.parse::<f64>().is_ok_and(|s| (0.0..=10.0).contains(&s)), "{rule}");
    }
    let results = run["results"].as_array().expect("results");
    for result in results {
        let rule_id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids[index], rule_id, "{result}");
        let class = rule_id.strip_prefix("leash/").expect("leash rule");
        let level = match class {
            "bypass" => "error",
            "liveness" | "state" | "strictness" => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], level, "{result}");
        assert_eq!(result["kind"], "fail");
        let message = result["message"]["text"].as_str().expect("message.text");
        assert!(message.starts_with(class) && message.contains("Reproduce: leash replay "));
        assert!(!message.contains('\n'), "one-line message: {message}");
        let locations = result["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1);
        let uri =
            locations[0]["physicalLocation"]["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.ends_with(".json") && !uri.contains('\\'), "{uri}");
        assert!(result["partialFingerprints"]["leashFinding/v1"].is_string(), "{result}");
    }
    results.clone()
}

#[test]
fn sarif_has_one_rule_per_class_and_a_located_result_per_finding() {
    let log = json(&report(&[&corpus()], &["--format", "sarif"]));
    let results = check_sarif(&log);
    assert_eq!(results.len(), 6);
    let bypass = results
        .iter()
        .find(|r| r["properties"]["entryId"] == "bypass-58a1b0798ec2")
        .expect("the c6 bypass is a result");
    assert_eq!(bypass["ruleId"], "leash/bypass");
    assert_eq!(bypass["level"], "error");
    let location = &bypass["locations"][0];
    assert!(
        location["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .ends_with("tests/fixtures/corpus/bypass-58a1b0798ec2.json")
    );
    let logical = &location["logicalLocations"][0];
    assert_eq!(logical["name"], "mutant:c6-transferfrom-other");
    assert_eq!(logical["kind"], "module");
    assert_eq!(
        logical["fullyQualifiedName"],
        "reference-contracts/mutants/c6-transferfrom-other/SessionManager.sol:SessionManager"
    );
    assert_contains(
        bypass["message"]["text"].as_str().expect("message"),
        &["bypass (critical) in mutant:c6-transferfrom-other (spec §8.3): the executed calls"],
    );
    let strictness = results.iter().find(|r| r["ruleId"] == "leash/strictness").expect("one");
    assert_eq!(strictness["level"], "warning");
    // Clean entries are not results.
    assert_eq!(log["runs"][0]["properties"]["clean"], 1);
}

#[test]
fn sarif_of_clean_entries_only_has_rules_and_no_results() {
    let log = json(&report(&[&fixture("clean-be329066a0f3.json")], &["--format", "sarif"]));
    assert!(check_sarif(&log).is_empty());
}

#[test]
fn out_writes_the_report_to_a_file() {
    let dir = scratch_dir("report-out");
    let file = dir.join("report.md");
    let output = report(&[&corpus()], &["--out", file.to_str().expect("UTF-8")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("wrote the markdown report (6 findings in 7 entries) to {}\n", file.display())
    );
    let written = std::fs::read_to_string(&file).expect("report written");
    assert_eq!(written, stdout(&report(&[&corpus()], &[])));

    let sarif = dir.join("leash.sarif");
    let output =
        report(&[&corpus()], &["--format", "sarif", "--out", sarif.to_str().expect("UTF-8")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("written")).expect("JSON");
    assert_eq!(check_sarif(&log).len(), 6);
}

#[test]
fn files_and_directories_mix_and_each_entry_counts_once() {
    let bypass = fixture("bypass-58a1b0798ec2.json");
    let doc = json(&report(&[&bypass, &corpus(), &bypass], &["--format", "json"]));
    assert_eq!(doc["summary"]["entries"], 7);
    let doc = json(&report(&[&bypass], &["--format", "json"]));
    assert_eq!(doc["summary"]["findings"], 1);
    assert_eq!(doc["findings"][0]["id"], "bypass-58a1b0798ec2");
}

#[test]
fn a_missing_path_is_named() {
    let output = report(&[&corpus().join("no-such-entry.json")], &[]);
    assert_input_error(&output, &["leash: '", "no-such-entry.json' does not exist"]);
}

#[test]
fn a_file_that_is_not_a_corpus_entry_is_named_with_its_problem() {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies");
    let output = report(&[&policies.join("month-long-allowance.json")], &[]);
    assert_input_error(
        &output,
        &["month-long-allowance.json: not a leash corpus entry: unknown field `valid_after`"],
    );
    let output = report(&[&policies.join("risky.toml")], &[]);
    assert_input_error(
        &output,
        &["risky.toml: not a leash corpus entry: expected value at line 1"],
    );

    let dir = scratch_dir("report-bad-version");
    let mut entry: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("bypass-58a1b0798ec2.json")).expect("fixture"),
    )
    .expect("JSON");
    entry["version"] = 9.into();
    let path = dir.join("future.json");
    std::fs::write(&path, entry.to_string()).expect("written");
    let output = report(&[&path], &[]);
    assert_input_error(
        &output,
        &["future.json: not a leash corpus entry: version 9 is not supported (this leash reads 1)"],
    );
}

/// Issue #17 D8: one unreadable entry stopped the whole report, so CI got no SARIF.
#[test]
fn unreadable_entries_are_listed_and_every_readable_one_reported() {
    let dir = scratch_dir("report-unreadable");
    for name in std::fs::read_dir(corpus()).expect("fixtures").map(|e| e.expect("entry").path()) {
        std::fs::copy(&name, dir.join(name.file_name().expect("name"))).expect("copied");
    }
    std::fs::write(dir.join("a-truncated.json"), "{\"format\": \"leash-corpus\"").expect("w");
    std::fs::write(dir.join("z-empty.json"), "").expect("written");
    for (format, check) in [
        ("markdown", "## Unreadable files"),
        ("json", "\"unreadable\""),
        ("sarif", "\"toolExecutionNotifications\""),
    ] {
        let output = report(&[&dir], &["--format", format]);
        assert_eq!(output.status.code(), Some(2), "{format}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_contains(
            &err,
            &[
                "leaves out 2 corpus files that could not be read",
                "a-truncated.json",
                "z-empty.json",
            ],
        );
        let out = stdout(&output);
        assert_contains(&out, &[check, "a-truncated.json", "z-empty.json"]);
        if format == "json" {
            let doc: Value = serde_json::from_str(&out).expect("JSON");
            assert_eq!(doc["summary"]["entries"], 7);
        }
        if format == "sarif" {
            let log: Value = serde_json::from_str(&out).expect("SARIF");
            assert_eq!(check_sarif(&log).len(), 6);
            assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], false);
        }
    }
}

#[test]
fn a_directory_without_entries_is_an_error() {
    let dir = scratch_dir("report-empty");
    let output = report(&[&dir], &[]);
    assert_input_error(&output, &["directory '", "report-empty' holds no corpus entries (*.json)"]);
    std::fs::create_dir_all(dir.join("findings")).expect("subdirectory");
    let output = report(&[&dir], &[]);
    assert_input_error(
        &output,
        &[
            "holds no corpus entries (*.json); subdirectories are not read: name them instead (",
            "findings)",
        ],
    );
}

#[test]
fn an_output_that_cannot_be_written_is_an_error() {
    let dir = scratch_dir("report-unwritable");
    let out = dir.join("missing-dir").join("report.md");
    let output = report(&[&corpus()], &["--out", out.to_str().expect("UTF-8")]);
    assert_input_error(&output, &["cannot write the report to '", "report.md': No such file"]);
}

#[test]
fn usage_errors_and_help() {
    let output = leash(&["report"]);
    assert_eq!(output.status.code(), Some(2));
    assert_contains(&stderr(&output), &["required arguments were not provided: <PATHS>..."]);
    let output = leash(&["report", corpus().to_str().expect("UTF-8"), "--format", "html"]);
    assert_input_error(&output, &["invalid value 'html' for '--format <FORMAT>'"]);
    let output = leash(&["report", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert_contains(
        &stdout(&output),
        &["<PATHS>...", "--format", "markdown", "sarif", "--out <FILE>", "docs/report.md"],
    );
}
