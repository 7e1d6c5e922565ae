//! The SARIF 2.1.0 report, for code-scanning UIs: one run of the tool `leash`, one rule per
//! finding class (`leash/<class>`), one result per finding, located at its corpus entry file
//! (and, for the reference module and its mutants, at a logical location naming the module).

use std::path::{Component, Path};

use leash_fuzz::finding::Class;
use serde_json::{Value, json};

use super::{CodeLocation, FindingReport, Report, class_index};

/// The SARIF schema the report declares.
pub(super) const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF `level` of a class.
pub(super) fn level(class: Class) -> &'static str {
    match class {
        Class::Bypass => "error",
        Class::Liveness | Class::State | Class::Strictness => "warning",
        Class::Reason | Class::Limitation => "note",
    }
}

/// GitHub code scanning's `security-severity` (0 to 10) for a class.
fn security_severity(class: Class) -> &'static str {
    match class {
        Class::Bypass => "9.0",
        Class::Liveness | Class::State => "7.0",
        Class::Strictness => "5.0",
        Class::Reason => "2.0",
        Class::Limitation => "1.0",
    }
}

/// A rule's name, short description and help text.
fn rule_text(class: Class) -> (&'static str, &'static str, &'static str) {
    match class {
        Class::Bypass => (
            "SessionPolicyBypass",
            "A session key made the account do something its policy forbids.",
            "The module allowed an op, and the calls the account actually made, read the way \
             their callees read them, violate the session's policy (or happen without an active \
             session, or are a delegatecall). A session key can exceed what its owner granted. \
             Fix the module's validation so it checks exactly the bytes the account executes.",
        ),
        Class::Strictness => (
            "NonCanonicalEncodingAccepted",
            "The module accepted an encoding the spec denies.",
            "The module allowed a non-canonical encoding the spec denies, but what executed \
             stayed within the policy. It is a latent decoding difference between the module \
             and the account: the next change to either may turn it into a bypass.",
        ),
        Class::Liveness => (
            "AllowedOpDenied",
            "The module denied an op the spec allows.",
            "The spec allows the op; the module denied it. Session keys cannot do what their \
             owners granted (often stale counters or an off-by-one in a window or cap).",
        ),
        Class::State => (
            "CounterDivergence",
            "The module's counters or lifecycle differ from the spec's.",
            "The session's status or counters as the module reports them (`sessionState`) \
             differ from the spec's, or an install or revoke succeeded on one side only. Caps \
             and limits built on diverged counters stop meaning what the policy says.",
        ),
        Class::Reason => (
            "DenialReasonDiffers",
            "The module denied an op for another clause than the spec.",
            "Both deny the op, for different clauses. Harmless for safety, but the denial code \
             misleads whoever debugs a rejected op, and it can hide a check done out of order.",
        ),
        Class::Limitation => (
            "DocumentedLimitation",
            "The module cannot express part of the policy, and this op used that gap.",
            "The module did what its own semantics say, but what the account executed breaks \
             the policy as written: a rule the module cannot express (an intent gap of the \
             translation) or a documented limitation of its semantics. Known by design; decide \
             whether the policy relies on the missing rule.",
        ),
    }
}

/// `path` as a URI reference: relative paths with `/` separators and percent-encoding, absolute
/// ones as `file://` URIs.
pub(super) fn uri(path: &str) -> String {
    let p = Path::new(path);
    let parts: Vec<String> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(encode(&part.to_string_lossy())),
            Component::ParentDir => Some("..".to_string()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect();
    let joined = parts.join("/");
    if p.is_absolute() { format!("file:///{joined}") } else { joined }
}

/// Percent-encodes everything but RFC 3986 unreserved characters and a few safe sub-delimiters.
fn encode(part: &str) -> String {
    let mut out = String::new();
    for byte in part.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The logical location of the module of a finding, for the reference module and its mutants. A
/// mutant's is the source unit its build compiles, `src/SessionManager.sol` patched by
/// `mutants/<name>/mutant.diff`; it has no file of its own.
fn logical_location(module: &str) -> Option<Value> {
    let source = if module == "reference" {
        "reference-contracts/src/SessionManager.sol".to_string()
    } else {
        let name = module.strip_prefix("mutant:")?;
        format!("reference-contracts/mutants/{name}/SessionManager.sol")
    };
    Some(json!({
        "name": module,
        "fullyQualifiedName": format!("{source}:SessionManager"),
        "kind": "module",
    }))
}

/// A branch of the module's path in words.
fn branch_words(l: &CodeLocation) -> String {
    let planted = if l.planted { " (a line the mutant planted)" } else { "" };
    let way = if l.taken { "jumped" } else { "fell through" };
    format!("`{}` {way}{planted}", l.source)
}

/// One result.
fn result(finding: &FindingReport) -> Value {
    let what = finding
        .detail
        .as_deref()
        .or(finding.spec.as_deref())
        .unwrap_or("the entry records no finding details");
    let clause =
        finding.spec_clause.as_deref().map_or_else(String::new, |c| format!(" (spec {c})"));
    let message = format!(
        "{} ({}) in {}{clause}: {what}. Reproduce: {}.",
        finding.class,
        finding.severity,
        finding.module,
        finding.reproduce.join("; ")
    );
    let entry_location = json!({
        "physicalLocation": { "artifactLocation": { "uri": uri(&finding.file) } },
        "message": { "text": "the minimized reproducer (a leash corpus entry)" },
    });
    // Located at the module's source line where it decided (the last branch of its validation
    // path), so code scanning annotates the module; the corpus entry and the earlier branches
    // are related locations. Without a path, at the corpus entry.
    let code_location = |l: &CodeLocation, text: &str| {
        json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&l.file) },
                "region": { "startLine": l.line },
            },
            "message": { "text": text },
        })
    };
    let (mut location, mut related) = match finding.code.split_last() {
        Some((last, earlier)) => {
            let related: Vec<Value> = earlier
                .iter()
                .rev()
                .map(|l| code_location(l, &format!("the module's path: {}", branch_words(l))))
                .collect();
            let text = format!("the module decided here: {}", branch_words(last));
            (code_location(last, &text), related)
        }
        None => (entry_location.clone(), Vec::new()),
    };
    if !finding.code.is_empty() {
        related.insert(0, entry_location);
    }
    if let Some(logical) = logical_location(&finding.module) {
        location["logicalLocations"] = json!([logical]);
    }
    let related: Vec<Value> = related
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r["id"] = json!(i);
            r
        })
        .collect();
    let fingerprint = format!(
        "{}|{}|{}",
        finding.module,
        finding.class,
        finding.detail.as_deref().and_then(|d| d.split(':').next()).unwrap_or("")
    );
    json!({
        "ruleId": format!("leash/{}", finding.class),
        "ruleIndex": class_index(finding.class),
        "level": level(finding.class),
        "kind": "fail",
        "message": { "text": message },
        "locations": [location],
        "relatedLocations": related,
        "partialFingerprints": { "leashFinding/v1": fingerprint },
        "properties": {
            "entryId": finding.id,
            "module": finding.module,
            "severity": finding.severity,
            "specClause": finding.spec_clause,
            "step": finding.step,
            "op": finding.op,
            "spec": finding.spec,
            "moduleOutcome": finding.module_outcome,
            "reproduce": finding.reproduce,
        },
    })
}

/// The SARIF log of a report.
pub(super) fn render(report: &Report) -> Value {
    let rules: Vec<Value> = Class::ALL
        .iter()
        .map(|class| {
            let (name, short, help) = rule_text(*class);
            json!({
                "id": format!("leash/{class}"),
                "name": name,
                "shortDescription": { "text": short },
                "fullDescription": { "text": help },
                "help": {
                    "text": format!(
                        "{help} Reproduce a finding with `leash replay <entry>`, and turn it into \
                         a Foundry test with `leash export foundry <entry>`."
                    ),
                    "markdown": format!(
                        "{help}\n\nReproduce a finding with `leash replay <entry>`, and turn it \
                         into a Foundry test with `leash export foundry <entry>`. Classes and \
                         severities: `docs/report.md`."
                    ),
                },
                "defaultConfiguration": { "level": level(*class) },
                "properties": {
                    "security-severity": security_severity(*class),
                    "severity": class.severity(),
                    "tags": ["security", "session-keys", class.name()],
                },
            })
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "leash",
                    "version": report.leash,
                    "semanticVersion": report.leash,
                    "rules": rules,
                },
            },
            "invocations": [invocation(report)],
            "results": report.findings.iter().map(result).collect::<Vec<_>>(),
            "properties": {
                "entries": report.summary.entries,
                "clean": report.summary.clean,
            },
        }],
    })
}

/// The run's invocation: successful when every entry was read; otherwise one error
/// notification per file left out, located at the file.
fn invocation(report: &Report) -> Value {
    if report.unreadable.is_empty() {
        return json!({ "executionSuccessful": true });
    }
    let notifications: Vec<Value> = report
        .unreadable
        .iter()
        .map(|u| {
            json!({
                "level": "error",
                "message": { "text": format!("not reported: {}", u.error) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&u.file) } } }],
            })
        })
        .collect();
    json!({ "executionSuccessful": false, "toolExecutionNotifications": notifications })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("corpus/findings/bypass-1.json"), "corpus/findings/bypass-1.json");
        assert_eq!(uri("./my corpus/x#1.json"), "my%20corpus/x%231.json");
        assert_eq!(uri("/tmp/a b.json"), "file:///tmp/a%20b.json");
        assert_eq!(uri("../x.json"), "../x.json");
    }

    #[test]
    fn levels_follow_the_class() {
        assert_eq!(level(Class::Bypass), "error");
        assert_eq!(level(Class::Strictness), "warning");
        assert_eq!(level(Class::Reason), "note");
        assert!(logical_location("reference").is_some());
        assert!(logical_location("mutant:c4-empty-batch").is_some());
        assert!(logical_location("out/Other.json").is_none());
    }
}
