//! The Foundry test `leash export foundry` writes: `LeashRepro_<id>.t.sol`, a standalone
//! reproducer of a corpus entry.
//!
//! The test deploys the world leash's harness deploys (`leash_fuzz::evm::World::new`), from the
//! same Foundry-layout artifacts, at the same addresses; replays the case's steps with the exact
//! bytes the harness sent; and asserts what makes the finding a finding. It depends on
//! forge-std's `Test` and on cheatcodes that forge-std 1.1.2's `Vm` already has (`warp`, `deal`,
//! `prank`, `startPrank`, `stopPrank`, `getCode`, `sign`, `expectCall`), so it compiles with that
//! forge-std and with current ones. Everything else it needs (the EntryPoint, account, token and
//! module interfaces, with `PackedUserOperation` and the session view) it declares itself,
//! written from the reference artifacts' JSON ABI; its fixed Solidity (`setUp`, the helpers) is
//! in `foundry/*.sol`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use alloy_json_abi::JsonAbi;
use alloy_primitives::{Address, U256};
use leash_fuzz::case::{Case, Signer};
use leash_fuzz::corpus::Entry;
use leash_fuzz::evm::keys::key_seed;
use leash_fuzz::evm::userop::{CALL_GAS_LIMIT, PRE_VERIFICATION_GAS, VERIFICATION_GAS_LIMIT};
use leash_fuzz::evm::world::{
    ACCOUNT_NATIVE_BALANCE, ACCOUNT_TOKEN_BALANCE, BENEFICIARY, BUNDLER, DEPLOYER,
    GENESIS_TIMESTAMP, OWNER,
};
use leash_fuzz::evm::{
    Addresses, Artifact, ArtifactSet, CallKind, EvmDenial, KeyIndex, OpOutcome, key_address,
    session_keys,
};
use leash_fuzz::finding::{Class, Finding};
use leash_fuzz::oracle::effective;
use leash_fuzz::target::Target;
use leash_model::{Counters, Status};

use super::trace::{BundleTrace, LifecycleTrace, SessionState, StateCheck, StepTrace, Trace};
use crate::render::{self, Mark};

/// The solc and forge-std versions leash's tests compile generated tests with.
pub(crate) const CHECKED_WITH: &str = "solc 0.8.37 (solc-js) against forge-std 1.1.2";

/// What the writer needs besides the trace.
pub(super) struct Source<'a> {
    /// The corpus entry.
    pub(super) entry: &'a Entry,
    /// Its file, as given on the command line.
    pub(super) file: &'a str,
    /// The module the entry names, resolved.
    pub(super) target: &'a Target,
    /// Where the artifacts are, relative to the Foundry project root (no trailing slash).
    pub(super) artifacts: &'a str,
}

/// The Solidity contract name for an entry id: `LeashRepro_bypass_58a1b0798ec2`.
pub(super) fn contract_name(id: &str) -> String {
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    format!("LeashRepro_{safe}")
}

/// `text` as the body of a Solidity string literal: ASCII only (a few typographic characters
/// spelled out), quotes and backslashes escaped.
fn sol_str(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '§' => out.push_str("section "),
            '…' => out.push_str("..."),
            '‖' => out.push_str("||"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// Bytes as a Solidity literal: `hex"…"`, or `""` when empty.
fn sol_bytes(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "\"\"".to_string()
    } else {
        format!("hex\"{}\"", alloy_primitives::hex::encode(bytes))
    }
}

/// The constant naming a known address of the world, or the checksummed literal.
fn sol_address(a: Address) -> String {
    let expected = Addresses::expected();
    let named = [
        (expected.entry_point, "ENTRY_POINT"),
        (expected.module, "MODULE"),
        (expected.account, "ACCOUNT"),
        (expected.token, "LEASH_TOKEN"),
        (expected.game, "GAME"),
        (expected.router, "ROUTER"),
        (OWNER, "OWNER"),
    ];
    if let Some((_, name)) = named.iter().find(|(address, _)| *address == a) {
        return (*name).to_string();
    }
    if let Some(i) = session_keys().iter().position(|k| k.address() == a) {
        return format!("KEY_{i}_ADDRESS");
    }
    a.to_string()
}

/// The path `vm.getCode` reads an artifact from: the reference set and the mutants under the
/// artifacts directory, an external artifact at the path the entry names.
fn artifact_path(artifact: &Artifact, artifacts: &str) -> String {
    if let Some(name) = artifact.origin.strip_prefix("embedded:") {
        return format!("{artifacts}/{name}.sol/{name}.json");
    }
    if let Some(rest) = artifact.origin.strip_prefix("mutant:")
        && let Some((mutant, contract)) = rest.split_once('/')
    {
        return format!("{artifacts}/mutants/{mutant}/{contract}.sol/{contract}.json");
    }
    artifact.origin.clone()
}

/// The directories the test reads artifacts from (for `fs_permissions`).
fn artifact_dirs(source: &Source<'_>) -> Vec<String> {
    let set = &source.target.artifacts;
    let mut dirs = BTreeSet::new();
    for artifact in
        [&set.entry_point, &set.module, &set.account, &set.token, &set.game, &set.router]
    {
        if artifact.origin.starts_with("embedded:") || artifact.origin.starts_with("mutant:") {
            dirs.insert(source.artifacts.to_string());
        } else {
            let parent = std::path::Path::new(&artifact.origin)
                .parent()
                .map(|p| p.display().to_string())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| ".".to_string());
            dirs.insert(parent);
        }
    }
    dirs.into_iter().collect()
}

/// A status as `sessionState` encodes it.
fn status_code(state: &SessionState) -> u8 {
    match state {
        None => 0,
        Some((Status::Active, _)) => 1,
        Some((Status::Revoked, _)) => 2,
    }
}

/// The revert data `handleOps` gives for a denied op at `position` of its submission, as a
/// Solidity expression.
fn rejection_data(position: usize, denial: &EvmDenial) -> String {
    match denial {
        EvmDenial::SignatureFailed => format!("_failedOp({position}, \"AA24 signature error\")"),
        EvmDenial::OutOfWindow => format!("_failedOp({position}, \"AA22 expired or not due\")"),
        EvmDenial::Module { code, execution, detail } => format!(
            "_failedOpWithRevert({position}, \"AA23 reverted\", _sessionDenied({code}, \
             {execution}, {detail}))"
        ),
        EvmDenial::Other { reason, data } => {
            // Only validation failures that carry the account's revert data (AA23, and AA33 for
            // paymasters) are `FailedOpWithRevert`; the others are `FailedOp`.
            if reason.starts_with("AA23") || reason.starts_with("AA33") {
                format!(
                    "_failedOpWithRevert({position}, \"{}\", {})",
                    sol_str(reason),
                    sol_bytes(data)
                )
            } else {
                format!("_failedOp({position}, \"{}\")", sol_str(reason))
            }
        }
    }
}

/// The denial in words, for comments.
fn denial_text(denial: &EvmDenial) -> String {
    match denial {
        EvmDenial::SignatureFailed => "AA24 signature error (the module found no session)".into(),
        EvmDenial::OutOfWindow => "AA22 expired or not due (the EntryPoint's window check)".into(),
        EvmDenial::Module { code, execution, detail } => match denial.module_denial() {
            Some(d) => format!("AA23 SessionDenied({code}, {execution}, {detail}): {d}"),
            None => format!("AA23 SessionDenied({code}, {execution}, {detail})"),
        },
        EvmDenial::Other { reason, data } => format!("{reason} (revert data {data})"),
    }
}

/// A Solidity source being written, line by line.
struct Out {
    text: String,
}

impl Out {
    fn line(&mut self, indent: usize, text: &str) {
        if text.is_empty() {
            self.text.push('\n');
        } else {
            let _ = writeln!(self.text, "{}{text}", "    ".repeat(indent));
        }
    }

    /// Comment lines at `indent`, each prefixed with `// `.
    /// `//` comment lines. Line breaks and other control characters inside a line (an entry's
    /// note or a finding's words are input) become spaces, so no text can end a comment and
    /// put code into the test.
    fn comment(&mut self, indent: usize, lines: &[String]) {
        for line in lines {
            let line: String =
                line.chars()
                    .map(|c| {
                        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') { ' ' } else { c }
                    })
                    .collect();
            if line.is_empty() {
                self.line(indent, "//");
            } else {
                self.line(indent, &format!("// {line}"));
            }
        }
    }
}

/// `text` after `first` (kept verbatim, spaces included), split at spaces into a first line of
/// at most `first_width` characters and further lines of at most `rest_width` (long words stay
/// whole).
fn wrap(first: &str, text: &str, first_width: usize, rest_width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = first.to_string();
    let mut fresh = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let width = if lines.is_empty() { first_width } else { rest_width };
        if !fresh && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The width of header prose, after `// `.
const PROSE_WIDTH: usize = 96;

/// Wrapped prose for the header: `label` (whose leading spaces indent the paragraph) then
/// `text`; continuation lines align with the text after a label, or indent two more spaces.
fn prose(label: &str, text: &str) -> Vec<String> {
    let head = label.trim_start();
    let indent = label.len() - head.len();
    let hanging = if head.is_empty() { indent + 2 } else { indent + head.chars().count() };
    let mut lines = wrap(head, text, PROSE_WIDTH - indent, PROSE_WIDTH - hanging);
    for (i, line) in lines.iter_mut().enumerate() {
        let pad = if i == 0 { indent } else { hanging };
        line.insert_str(0, &" ".repeat(pad));
    }
    lines
}

/// What the test asserts for the finding, in one sentence for the header.
fn assertion_summary(finding: Option<&Finding>, trace: &Trace) -> String {
    let Some(finding) = finding else {
        return "every lifecycle call and every op behaves as it did when leash replayed the \
                case, where the module agrees with the spec: lifecycle calls succeed or fail as \
                they did, ops the EntryPoint rejected are rejected with the same error, and the \
                others go through"
            .to_string();
    };
    let at = match finding.op {
        Some(op) => format!("op {op} of step {}", finding.step),
        None => format!("step {}", finding.step),
    };
    match (finding.class, finding.op) {
        (Class::Bypass, Some(_)) => format!(
            "the module accepts {at} (its nonce is used) and the account makes the calls leash \
             recorded for it (vm.expectCall), which the spec forbids"
        ),
        (Class::Strictness, Some(_)) => {
            format!("the module accepts {at} (its nonce is used), which the spec denies")
        }
        (Class::Liveness, Some(_)) => format!(
            "the EntryPoint rejects {at} with the module's denial, and its nonce stays unused, \
             although the spec allows it"
        ),
        (Class::Reason, Some(_)) => format!(
            "the EntryPoint rejects {at} with the module's denial code, which names another \
             clause than the spec's"
        ),
        _ => match &trace.state_check {
            Some(_) => format!(
                "the module's sessionState at {at} holds the counters leash read, which differ \
                 from the spec's"
            ),
            None => format!(
                "the lifecycle call of {at} succeeds or fails as it did for leash, where the spec \
                 decides the other way"
            ),
        },
    }
}

/// The counter comparison leash makes at the end of a case, when that is where the counters
/// diverged (after a last step that is not a bundle: bundles are compared right after they run).
fn end_check(trace: &Trace) -> Option<&StateCheck> {
    trace.state_check.as_ref().filter(|check| {
        !check.before
            && check.step + 1 == trace.steps.len()
            && matches!(trace.steps.last(), Some(StepTrace::Time { .. } | StepTrace::Lifecycle(_)))
    })
}

/// Writes the test.
pub(super) fn write(source: &Source<'_>, trace: &Trace) -> String {
    let entry = source.entry;
    let name = contract_name(&entry.id);
    let finding = trace.finding.as_ref();
    let mut out = Out { text: String::new() };
    header(&mut out, source, trace, &name);
    out.line(0, "import {Test} from \"forge-std/Test.sol\";");
    out.line(0, "");
    interfaces(&mut out);
    out.line(0, &format!("contract {name} is Test {{"));
    constants(&mut out, source, trace);
    set_up(&mut out);
    let test_name = match finding {
        Some(f) => format!("test_reproduces_{}", f.class),
        None => "test_replays_clean_case".to_string(),
    };
    out.line(1, &format!("function {test_name}() public {{"));
    for (index, step) in trace.steps.iter().enumerate() {
        match step {
            StepTrace::Time { now } => {
                out.line(
                    2,
                    &format!("// step {index}: the clock moves to {now} (see step {index} below)"),
                );
            }
            _ => out.line(2, &format!("_step{index}();")),
        }
    }
    if end_check(trace).is_some() {
        out.line(2, "_checkCounters();");
    }
    out.line(1, "}");
    let mut now = leash_fuzz::case::START_TIME;
    for (index, step) in trace.steps.iter().enumerate() {
        match step {
            StepTrace::Lifecycle(lifecycle) => {
                now = lifecycle.now;
                lifecycle_step(&mut out, source, index, lifecycle);
            }
            StepTrace::Bundle(bundle) => {
                now = bundle.now;
                bundle_step(&mut out, source, trace, index, bundle);
            }
            StepTrace::StoppedBefore => stopped_step(&mut out, source, trace, index, now),
            StepTrace::Time { .. } => {}
        }
    }
    if let Some(check) = end_check(trace) {
        out.line(0, "");
        out.comment(1, &["The counter comparison at the end of the case.".to_string()]);
        out.line(1, "function _checkCounters() internal {");
        counters(&mut out, check);
        out.line(1, "}");
    }
    helpers(&mut out);
    out.line(0, "}");
    out.text
}

fn header(out: &mut Out, source: &Source<'_>, trace: &Trace, name: &str) {
    let entry = source.entry;
    let finding = trace.finding.as_ref();
    out.line(0, "// SPDX-License-Identifier: UNLICENSED");
    out.line(0, "pragma solidity ^0.8.13;");
    out.line(0, "");
    let mut lines: Vec<String> = vec![
        format!(
            "{name}: a reproducer written by `leash export foundry` (leash {}).",
            env!("CARGO_PKG_VERSION")
        ),
        format!("Corpus entry: {} (file {}), module {}.", entry.id, source.file, entry.module),
        String::new(),
        "WHAT IT SHOWS".to_string(),
    ];
    match finding {
        Some(f) => {
            lines.extend(prose(
                "  ",
                &format!(
                    "A {} finding (severity {}) in the module {}.",
                    f.class,
                    f.class.severity(),
                    entry.module
                ),
            ));
            let clause = crate::cmd::report::clauses_in(&f.model)
                .into_iter()
                .chain(crate::cmd::report::clauses_in(&f.detail))
                .next();
            if let Some(clause) = clause {
                lines.extend(prose("  Spec clause:  ", &clause));
            }
            lines.extend(prose("  The spec:     ", &f.model));
            lines.extend(prose("  The module:   ", &f.module));
            lines.extend(prose("  Why:          ", &f.detail));
            lines.extend(prose(
                "  ",
                &format!(
                    "The test PASSES while the bug is present: it asserts that {}. A module that \
                     follows the spec makes it fail there.",
                    assertion_summary(finding, trace)
                ),
            ));
        }
        None => {
            lines.extend(prose(
                "  ",
                &format!(
                    "No finding: replaying this case against {} shows the module agreeing with \
                     the spec. The test is a regression check: it asserts that {}.",
                    entry.module,
                    assertion_summary(None, trace)
                ),
            ));
        }
    }
    if let Some(note) = &entry.note {
        lines.extend(prose("  Note: ", note));
    }
    lines.push(String::new());
    lines.push("THE CASE (as leash replays it; `<- the finding` marks where it shows)".to_string());
    let ran = Case { steps: entry.case.steps[..trace.steps.len()].to_vec() };
    let mark = finding.map(|f| Mark { step: f.step, op: f.op });
    lines.extend(render::case_lines(&ran, mark).into_iter().map(|l| format!("  {l}")));
    if trace.steps.len() < entry.case.steps.len() {
        lines.extend(prose(
            "  ",
            &format!(
                "(Steps {} to {} are left out: leash's run stops at the finding.)",
                trace.steps.len(),
                entry.case.steps.len() - 1
            ),
        ));
    }
    lines.push(String::new());
    lines.push("HOW TO RUN IT".to_string());
    let dirs = artifact_dirs(source);
    lines.extend(prose(
        "  ",
        &format!(
            "Put this file in the test directory of a Foundry project whose root holds the \
             artifacts at {} (a checkout of leash does: `leash export foundry --artifacts DIR` \
             writes another path), with forge-std installed. foundry.toml needs read access to \
             them for vm.getCode, and an EVM with transient storage (the artifacts are built for \
             cancun; leash runs prague):",
            dirs.join(", ")
        ),
    ));
    let permissions: Vec<String> = dirs
        .iter()
        .map(|d| format!("{{ access = \"read\", path = \"./{}\" }}", d.trim_start_matches("./")))
        .collect();
    lines.push(format!("    fs_permissions = [{}]", permissions.join(", ")));
    lines.push("    evm_version = \"prague\"".to_string());
    lines.push("  Then run:".to_string());
    lines.push(format!("    forge test --match-contract {name} -vvvv"));
    lines.push(String::new());
    lines.push("WHAT LEASH CHECKED".to_string());
    lines.extend(prose(
        "  ",
        &format!(
            "leash's own tests compile tests written this way with {CHECKED_WITH}. leash did \
             NOT run this test with forge (Foundry is not part of leash's toolchain), and did not \
             compile this file itself. What the test asserts comes from leash's replay of the \
             entry in its revm harness."
        ),
    ));
    lines.push(String::new());
    lines.push("HOW IT MIRRORS LEASH'S HARNESS".to_string());
    for (label, text) in [
        (
            "- World: ",
            format!(
                "the deployer {DEPLOYER} deploys, at its nonces 0 to 5, EntryPoint v0.8, the \
                 module, the account (constructor: EntryPoint, owner {OWNER}, module, empty init \
                 data), LeashToken, Game and Router from the artifacts, so every address is the \
                 one leash used (setUp checks them). LeashToken mints 10^27 to the account and \
                 the deployer sends it 1,000 ether."
            ),
        ),
        (
            "- Sessions: ",
            "the owner installs and revokes them by calling account.execute(single mode, \
             module || uint256(0) || call), with the exact calldata leash sent."
                .to_string(),
        ),
        (
            "- Ops: ",
            format!(
                "the exact callData leash sent; sender the account; nonce key unique per op, \
                 sequence 0 (leash's keys 2, 3, ... in op order); verification and call gas \
                 limits {VERIFICATION_GAS_LIMIT} each, preVerificationGas \
                 {PRE_VERIFICATION_GAS}, zero fees, no initCode or paymaster. Each is signed \
                 with vm.sign(key, module.sessionOpDigest(op, entryPoint, account)) (spec \
                 §1.4.1) by a public leash session key \
                 (key i is the 32-byte big-endian number whose bytes end in the ASCII text \
                 \"leash session key i\"), the signature being r || s || v then the op's \
                 signature tail; a malformed signer is 64 zero bytes then the tail."
            ),
        ),
        (
            "- Bundles: ",
            "when the EntryPoint rejects an op in validation (FailedOp or FailedOpWithRevert), \
             leash's bundler drops that op and resubmits the rest of the bundle. This test \
             checks each rejection on the submission that made it (the ops before it that \
             passed validation, then it), then submits the bundle as it finally went through: \
             only the ops leash's replay shows passing validation, in their order."
                .to_string(),
        ),
        (
            "- Time: ",
            "vm.warp sets each lifecycle call's and each bundle's block timestamp to the case's \
             clock."
                .to_string(),
        ),
    ] {
        lines.extend(prose(&format!("  {label}"), &text));
    }
    out.comment(0, &lines);
    out.line(0, "");
}

/// The interfaces the test declares, written from the reference artifacts' JSON ABI (the ABI the
/// harness's `sol!` bindings are generated from), keeping only the items the test uses.
fn interfaces(out: &mut Out) {
    let set = ArtifactSet::reference().expect("the embedded artifacts parse (a test checks it)");
    for (doc, name, artifact, items) in [
        (
            "The parts of EntryPoint v0.8 the test uses.",
            "IEntryPointV08",
            &set.entry_point,
            &["handleOps", "getNonce", "FailedOp", "FailedOpWithRevert"][..],
        ),
        ("The account's ERC-7579 `execute`.", "ILeashAccount", &set.account, &["execute"]),
        ("LeashToken's `mint` (anyone may mint).", "ILeashToken", &set.token, &["mint"]),
        (
            "The leash session module interface (ISessionManager): its view of a session and \
             its denial.",
            "ISessionManager",
            &set.module,
            &["sessionState", "sessionOpDigest", "SessionDenied"],
        ),
    ] {
        out.line(0, &format!("/// {doc}"));
        for line in interface_source(name, artifact, items).lines() {
            out.line(0, line);
        }
        out.line(0, "");
    }
}

/// `artifact`'s ABI reduced to the functions and errors named `items`, as a Solidity interface
/// called `name` (structs it uses are declared inside it).
fn interface_source(name: &str, artifact: &Artifact, items: &[&str]) -> String {
    let abi: JsonAbi = serde_json::from_value(artifact.abi.clone())
        .expect("the embedded artifacts' ABI is a JSON ABI (a test checks it)");
    let mut kept = JsonAbi::new();
    kept.functions =
        abi.functions.into_iter().filter(|(n, _)| items.contains(&n.as_str())).collect();
    kept.errors = abi.errors.into_iter().filter(|(n, _)| items.contains(&n.as_str())).collect();
    kept.to_sol(name, None)
}

fn constants(out: &mut Out, source: &Source<'_>, trace: &Trace) {
    let expected = Addresses::expected();
    let set = &source.target.artifacts;
    let artifacts = source.artifacts;
    out.comment(
        1,
        &["Where the Foundry-layout artifacts are, relative to the project root.".to_string()],
    );
    for (constant, artifact) in [
        ("ENTRY_POINT_ARTIFACT", &set.entry_point),
        ("MODULE_ARTIFACT", &set.module),
        ("ACCOUNT_ARTIFACT", &set.account),
        ("LEASH_TOKEN_ARTIFACT", &set.token),
        ("GAME_ARTIFACT", &set.game),
        ("ROUTER_ARTIFACT", &set.router),
    ] {
        out.line(
            1,
            &format!(
                "string internal constant {constant} = \"{}\";",
                sol_str(&artifact_path(artifact, artifacts))
            ),
        );
    }
    out.line(0, "");
    out.comment(1, &["The harness's actors (leash_fuzz::evm::world).".to_string()]);
    for (constant, address) in [
        ("DEPLOYER", DEPLOYER),
        ("OWNER", OWNER),
        ("BUNDLER", BUNDLER),
        ("BENEFICIARY", BENEFICIARY),
    ] {
        out.line(1, &format!("address internal constant {constant} = {address};"));
    }
    out.line(0, "");
    out.comment(
        1,
        &["Where the deployer's nonces 0 to 5 put the world (Addresses::expected()).".to_string()],
    );
    for (constant, address) in [
        ("ENTRY_POINT", expected.entry_point),
        ("MODULE", expected.module),
        ("ACCOUNT", expected.account),
        ("LEASH_TOKEN", expected.token),
        ("GAME", expected.game),
        ("ROUTER", expected.router),
    ] {
        out.line(1, &format!("address internal constant {constant} = {address};"));
    }
    out.line(0, "");
    out.comment(1, &["The harness's constants (World::new and the ops it builds).".to_string()]);
    for (constant, value) in [
        ("GENESIS_TIMESTAMP", U256::from(GENESIS_TIMESTAMP)),
        ("ACCOUNT_TOKEN_BALANCE", ACCOUNT_TOKEN_BALANCE),
        ("ACCOUNT_NATIVE_BALANCE", ACCOUNT_NATIVE_BALANCE),
        ("EOA_BALANCE", U256::from(1u128 << 100)),
        ("VERIFICATION_GAS_LIMIT", U256::from(VERIFICATION_GAS_LIMIT)),
        ("CALL_GAS_LIMIT", U256::from(CALL_GAS_LIMIT)),
        ("PRE_VERIFICATION_GAS", U256::from(PRE_VERIFICATION_GAS)),
    ] {
        out.line(1, &format!("uint256 internal constant {constant} = {value};"));
    }
    let keys = keys_used(trace);
    if !keys.is_empty() {
        out.line(0, "");
        out.comment(
            1,
            &[
                "The session keys the case uses: public test keys, the private key being the \
                 32-byte number"
                    .to_string(),
                "whose bytes are the ASCII text \"leash session key <i>\", right-aligned \
                 (leash_fuzz::evm::keys::key_seed)."
                    .to_string(),
            ],
        );
    }
    for key in keys {
        let seed = key_seed(key as u8);
        out.line(
            1,
            &format!(
                "uint256 internal constant KEY_{key} = 0x{};",
                alloy_primitives::hex::encode(seed)
            ),
        );
        out.line(
            1,
            &format!(
                "address internal constant KEY_{key}_ADDRESS = {};",
                session_keys()[key].address()
            ),
        );
    }
    out.line(0, "");
    out.line(1, "IEntryPointV08 internal constant entryPoint = IEntryPointV08(ENTRY_POINT);");
    out.line(0, "");
}

/// The fixed key a case's key index names, as its wrapped index; `None` for `address(0)`, which
/// has no key and no constant.
fn fixed_key(index: u8) -> Option<usize> {
    let index = KeyIndex::new(index);
    index.key().map(|_| usize::from(index.get()))
}

/// The fixed keys (wrapped as [`KeyIndex`] wraps them) the steps that ran use.
fn keys_used(trace: &Trace) -> Vec<usize> {
    let mut keys = BTreeSet::new();
    for step in &trace.steps {
        match step {
            StepTrace::Lifecycle(l) => keys.extend(fixed_key(l.key)),
            StepTrace::Bundle(b) => {
                for op in &b.ops {
                    if let Signer::Key(k) = op.signer {
                        keys.extend(fixed_key(k));
                    }
                }
            }
            StepTrace::Time { .. } | StepTrace::StoppedBefore => {}
        }
    }
    if let Some(check) = &trace.state_check
        && let Some(i) = session_keys().iter().position(|k| k.address() == check.key)
    {
        keys.insert(i);
    }
    keys.into_iter().collect()
}

/// `setUp`: deploys and funds the world as `World::new` does (fixed Solidity).
const SET_UP: &str = include_str!("foundry/set_up.sol");

/// The helper functions every test uses (fixed Solidity).
const HELPERS: &str = include_str!("foundry/helpers.sol");

/// Fixed Solidity members of the test contract, indented one level.
fn members(out: &mut Out, source: &str) {
    for line in source.lines() {
        out.line(1, line);
    }
}

fn set_up(out: &mut Out) {
    members(out, SET_UP);
    out.line(0, "");
}

fn step_comment(out: &mut Out, source: &Source<'_>, index: usize, now: &mut u64) {
    let step = &source.entry.case.steps[index];
    let lines = render::step_lines(index, step, now);
    out.line(0, "");
    out.comment(1, &lines);
}

fn lifecycle_step(out: &mut Out, source: &Source<'_>, index: usize, lifecycle: &LifecycleTrace) {
    let mut now = lifecycle.now;
    step_comment(out, source, index, &mut now);
    out.line(1, &format!("function _step{index}() internal {{"));
    out.line(2, &format!("vm.warp({});", lifecycle.now));
    let what = if lifecycle.install { "installSession" } else { "revokeSession" };
    let key = KeyIndex::new(lifecycle.key).get();
    let diverged = lifecycle.model_ok != lifecycle.module_ok;
    match &lifecycle.call {
        Ok(call) => {
            let mut lines = vec![format!(
                "The owner calls account.execute(single, module || 0 || {what}({}{})).",
                sol_address(key_address(lifecycle.key)),
                if lifecycle.install { ", policy" } else { "" }
            )];
            if diverged {
                lines.push(format!(
                    "THE FINDING: the module call {} but the spec {} it; the assertion below \
                     expects what the module did.",
                    if lifecycle.module_ok { "succeeds" } else { "reverts" },
                    if lifecycle.model_ok { "accepts" } else { "refuses" }
                ));
            }
            out.comment(2, &lines);
            let message = format!(
                "step {index}: {what} for key {key} {} for leash",
                if lifecycle.module_ok { "succeeded" } else { "reverted" }
            );
            out.line(
                2,
                &format!(
                    "_ownerCallsModule({}, {}, \"{}\");",
                    sol_bytes(call),
                    lifecycle.module_ok,
                    sol_str(&message)
                ),
            );
        }
        Err(e) => {
            out.comment(
                2,
                &[format!(
                    "leash could not encode this policy for the module ({e}), so it sent no call."
                )],
            );
        }
    }
    out.line(1, "}");
}

fn stopped_step(out: &mut Out, source: &Source<'_>, trace: &Trace, index: usize, now: u64) {
    let mut clock = now;
    step_comment(out, source, index, &mut clock);
    out.line(1, &format!("function _step{index}() internal {{"));
    out.comment(
        2,
        &["leash compares the key's counters before an install or revoke; they differ here, so \
             leash's run stops before the call."
            .to_string()],
    );
    if let Some(check) = &trace.state_check {
        counters(out, check);
    }
    out.line(1, "}");
}

fn bundle_step(
    out: &mut Out,
    source: &Source<'_>,
    trace: &Trace,
    index: usize,
    bundle: &BundleTrace,
) {
    let mut now = bundle.now;
    step_comment(out, source, index, &mut now);
    let finding = trace.finding.as_ref().filter(|f| f.step == index);
    let finding_op = finding.and_then(|f| f.op);
    out.line(1, &format!("function _step{index}() internal {{"));
    out.line(2, &format!("vm.warp({});", bundle.now));
    out.line(
        2,
        &format!(
            "IEntryPointV08.PackedUserOperation[] memory ops = \
             new IEntryPointV08.PackedUserOperation[]({});",
            bundle.ops.len()
        ),
    );
    for (position, op) in bundle.ops.iter().enumerate() {
        let call_data = sol_bytes(&op.call_data);
        let tail = sol_bytes(&op.signature_tail);
        let built = match (op.signer, op.signer.key()) {
            (Signer::Key(k), Some(_)) => {
                format!(
                    "_signedBy(KEY_{}, {}, {call_data}, {tail})",
                    KeyIndex::new(k).get(),
                    op.nonce_key
                )
            }
            _ => format!("_malformed({}, {call_data}, {tail})", op.nonce_key),
        };
        out.line(2, &format!("ops[{position}] = {built};"));
    }
    // The rejections, in op order: each on the submission that made it.
    let mut passed: Vec<usize> = Vec::new();
    for (position, op) in bundle.ops.iter().enumerate() {
        match &op.outcome {
            OpOutcome::Executed { .. } => passed.push(position),
            OpOutcome::Denied(denial) => {
                let mut submission = passed.clone();
                submission.push(position);
                let is_finding = finding_op == Some(position);
                let mut lines = vec![format!(
                    "op {position} is rejected in validation: {}.",
                    denial_text(denial)
                )];
                if is_finding {
                    lines.push(format!(
                        "THE FINDING ({}): {}",
                        finding.map_or(String::new(), |f| f.class.to_string()),
                        finding.map_or(String::new(), |f| f.detail.clone())
                    ));
                }
                lines.push(
                    "leash's bundler drops it and resubmits the rest; it is checked here on the \
                     submission that made it, then left out."
                        .to_string(),
                );
                out.comment(2, &lines);
                let message = format!("step {index} op {position}: rejected as leash saw it");
                out.line(
                    2,
                    &format!(
                        "_expectRejected(_pick(ops, {}), {}, \"{}\");",
                        sol_bytes(&indices(&submission)),
                        rejection_data(submission.len() - 1, denial),
                        sol_str(&message)
                    ),
                );
            }
        }
    }
    // Expected calls of the finding op, registered before the bundle that makes them.
    if let (Some(f), Some(op)) = (finding, finding_op)
        && let Some(OpOutcome::Executed { calls, .. }) = bundle.ops.get(op).map(|o| &o.outcome)
        && f.class == Class::Bypass
    {
        let mut lines = vec![format!("THE FINDING (bypass): {}", f.detail)];
        let mut expected: Vec<String> = Vec::new();
        for call in calls.iter().filter(|c| c.scheme != CallKind::Call) {
            // A delegatecall is a bypass even when it reverts (spec §3.3.1): expect the attempt.
            expected.push(format!(
                "vm.expectCall({}, {});",
                sol_address(call.target),
                sol_bytes(&call.input)
            ));
        }
        for call in effective(calls).filter(|c| c.scheme == CallKind::Call) {
            expected.push(format!(
                "vm.expectCall({}, {}, {});",
                sol_address(call.target),
                call.value,
                sol_bytes(&call.input)
            ));
        }
        let mut unique = Vec::new();
        for e in expected {
            if !unique.contains(&e) {
                unique.push(e);
            }
        }
        lines.push(format!(
            "The account made these calls for op {op} (leash's recorder: {}):",
            if unique.is_empty() {
                "none took effect"
            } else {
                "the calls that took effect, and any delegatecall"
            }
        ));
        for call in calls {
            lines.push(format!(
                "  {:?} {}{}",
                call.scheme,
                render::call(call.target, call.value, &call.input),
                if call.success && !call.rolled_back { "" } else { " (reverted)" }
            ));
        }
        out.comment(2, &lines);
        for e in unique {
            out.line(2, &e);
        }
    }
    if passed.is_empty() {
        out.comment(
            2,
            &["No op passed validation: leash's bundler sent nothing more.".to_string()],
        );
    } else {
        let listed: Vec<String> = passed.iter().map(usize::to_string).collect();
        out.comment(
            2,
            &[format!(
                "The bundle as it went through: op{} {}.",
                if passed.len() == 1 { "" } else { "s" },
                listed.join(", ")
            )],
        );
        out.line(2, &format!("_handleOps(_pick(ops, {}));", sol_bytes(&indices(&passed))));
    }
    if trace.finding.is_none() {
        // A regression: every op that went through is checked explicitly.
        for position in &passed {
            out.line(
                2,
                &format!(
                    "assertTrue(_accepted({}), \"step {index} op {position}: went through validation, as for leash\");",
                    bundle.ops[*position].nonce_key
                ),
            );
        }
    }
    if let (Some(f), Some(op)) = (finding, finding_op)
        && let Some(o) = bundle.ops.get(op)
    {
        let spec = sol_str(&f.model);
        if o.outcome.is_executed() {
            out.line(
                2,
                &format!(
                    "assertTrue(_accepted({}), \"step {index} op {op}: the module accepted it; the spec says: {spec}\");",
                    o.nonce_key
                ),
            );
        } else {
            out.line(
                2,
                &format!(
                    "assertTrue(!_accepted({}), \"step {index} op {op}: the module rejected it; the spec says: {spec}\");",
                    o.nonce_key
                ),
            );
        }
    }
    if let Some(check) = &trace.state_check
        && !check.before
        && check.step == index
    {
        out.comment(
            2,
            &["THE FINDING (state): the counters leash compares after every bundle.".to_string()],
        );
        counters(out, check);
    }
    out.line(1, "}");
}

/// Op positions as the bytes `_pick` reads (one byte each).
fn indices(positions: &[usize]) -> Vec<u8> {
    positions.iter().map(|p| u8::try_from(*p).unwrap_or(u8::MAX)).collect()
}

/// Assertions on the module's `sessionState` for a diverged counter comparison: every field
/// where the module and the spec differ must hold what leash read from the module.
fn counters(out: &mut Out, check: &StateCheck) {
    let key = sol_address(check.key);
    let view = &check.view;
    out.line(
        2,
        &format!(
            "ISessionManager.SessionView memory state = ISessionManager(MODULE).sessionState(ACCOUNT, {key});"
        ),
    );
    let who = render::address(check.key);
    let mut asserted = 0;
    let mut assert = |out: &mut Out, expr: String, module: String, spec: String, field: &str| {
        let message = format!(
            "sessionState(account, {who}).{field}: leash read {module} from the module; the spec has {spec}"
        );
        out.line(2, &format!("assertEq({expr}, {module}, \"{}\");", sol_str(&message)));
        asserted += 1;
    };
    let (model_status, module_status) = (status_code(&check.model), status_code(&check.module));
    if model_status != module_status {
        assert(
            out,
            "uint256(state.status)".into(),
            module_status.to_string(),
            model_status.to_string(),
            "status",
        );
    }
    if let (Some((_, model)), Some((_, module))) = (&check.model, &check.module) {
        counter_fields(out, model, module, &mut assert);
    }
    if asserted == 0 {
        // Every counter field is compared above, so a diverged comparison always asserts one;
        // should the model's counters grow a field this writer does not know, the status still
        // pins the view leash read.
        out.line(2, &format!("assertEq(uint256(state.status), {}, \"status\");", view.status));
    }
}

/// The assertions for each counter field that differs.
fn counter_fields(
    out: &mut Out,
    model: &Counters,
    module: &Counters,
    assert: &mut dyn FnMut(&mut Out, String, String, String, &str),
) {
    if model.calls != module.calls {
        assert(
            out,
            "uint256(state.calls)".into(),
            module.calls.to_string(),
            model.calls.to_string(),
            "calls",
        );
    }
    if model.native_spent != module.native_spent {
        assert(
            out,
            "state.nativeSpent".into(),
            module.native_spent.to_string(),
            model.native_spent.to_string(),
            "nativeSpent",
        );
    }
    for (i, (a, b)) in model.token_spent.iter().zip(&module.token_spent).enumerate() {
        if a != b {
            assert(
                out,
                format!("_at(state.tokenSpent, {i})"),
                b.to_string(),
                a.to_string(),
                &format!("tokenSpent[{i}]"),
            );
        }
    }
    for (p, (a, b)) in model.rule_used.iter().zip(&module.rule_used).enumerate() {
        for (r, (x, y)) in a.iter().zip(b).enumerate() {
            if x != y {
                assert(
                    out,
                    format!("_at(state.ruleUsed, {p}, {r})"),
                    y.to_string(),
                    x.to_string(),
                    &format!("ruleUsed[{p}][{r}]"),
                );
            }
        }
    }
    for (i, (a, b)) in model.rate_ring.iter().zip(&module.rate_ring).enumerate() {
        if a != b {
            assert(
                out,
                format!("_at(state.rateRing, {i})"),
                b.to_string(),
                a.to_string(),
                &format!("rateRing[{i}]"),
            );
        }
    }
    if model.rate_head != module.rate_head {
        assert(
            out,
            "uint256(state.rateHead)".into(),
            module.rate_head.to_string(),
            model.rate_head.to_string(),
            "rateHead",
        );
    }
    let periods = std::iter::once((None, &model.native_period, &module.native_period)).chain(
        model
            .token_period
            .iter()
            .zip(&module.token_period)
            .enumerate()
            .map(|(i, (a, b))| (Some(i), a, b)),
    );
    for (token, a, b) in periods {
        let (start, spent, field) = match token {
            None => (
                "uint256(state.nativePeriod.start)".to_string(),
                "state.nativePeriod.spent".to_string(),
                "nativePeriod".to_string(),
            ),
            Some(i) => (
                format!("_startAt(state.tokenPeriod, {i})"),
                format!("_spentAt(state.tokenPeriod, {i})"),
                format!("tokenPeriod[{i}]"),
            ),
        };
        if a.start != b.start {
            let (x, y) = (a.start.to_string(), b.start.to_string());
            assert(out, start, y, x, &format!("{field}.start"));
        }
        if a.spent != b.spent {
            let (x, y) = (a.spent.to_string(), b.spent.to_string());
            assert(out, spent, y, x, &format!("{field}.spent"));
        }
    }
}

fn helpers(out: &mut Out) {
    out.line(0, "");
    members(out, HELPERS);
}
