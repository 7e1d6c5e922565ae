//! Published SmartSessions findings, which builds they apply to, and how a leash finding shows
//! each one: the catalogue behind the rediscovery table of `BENCHMARKS.md`
//! (`leash bench --sections rediscovery`). Sources are the audit reports in
//! `erc7579/smartsessions/audits/` (named, not copied) and leash's own results.

use crate::finding::{Class, Finding};

/// Whether a finding applies to a build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    /// The build has the bug.
    Yes,
    /// The build has the fix.
    Fixed,
    /// The bug concerns a component the build does not use as leash runs it.
    NotApplicable,
}

impl Applies {
    /// In words, for the table.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Yes => "has it",
            Self::Fixed => "fixed",
            Self::NotApplicable => "n/a",
        }
    }
}

/// A known finding.
#[derive(Clone, Copy, Debug)]
pub struct Known {
    /// A short id.
    pub id: &'static str,
    /// Where it was published.
    pub source: &'static str,
    /// What it is.
    pub title: &'static str,
    /// In the build inside `@rhinestone/modulekit@0.5.9` (October 2024).
    pub modulekit: Applies,
    /// In the current release (`erc7579/smartsessions` since December 2024).
    pub current: Applies,
    /// Which hosts it needs (`None`: any).
    pub hosts: Option<&'static [&'static str]>,
    /// Whether a leash finding is this one; `None` when leash cannot observe it.
    pub detect: Option<fn(&Finding) -> bool>,
    /// Why leash cannot observe it, when it cannot.
    pub unobservable: &'static str,
}

/// The first clause the model's verdict names (`deny: ... (spec §3.4.2) ...`).
fn model_clause(f: &Finding) -> &str {
    f.model.split("(spec ").nth(1).and_then(|rest| rest.split(')').next()).unwrap_or_default()
}

fn decoding_class(f: &Finding) -> bool {
    matches!(f.class, Class::Bypass | Class::Strictness)
}

fn outer_buffer(f: &Finding) -> bool {
    decoding_class(f)
        && matches!(model_clause(f), "§3.2" | "§3.4.1" | "§3.4.2" | "§3.4.3" | "§3.4.4")
}

fn batch_items(f: &Finding) -> bool {
    decoding_class(f) && model_clause(f).starts_with("§3.6")
}

fn module_call(f: &Finding) -> bool {
    decoding_class(f)
        && (model_clause(f) == "§4.2" || f.detail.contains("the target is the session module"))
}

fn zero_target_alias(f: &Finding) -> bool {
    (decoding_class(f) && f.detail.contains("the target is the account itself"))
        || (f.class == Class::Strictness
            && f.detail.contains("to 0x0000000000000000000000000000000000000000 with"))
}

/// The findings the rediscovery table reports on.
pub const KNOWN: &[Known] = &[
    Known {
        id: "renascence-v2-m1",
        source: "Renascence, Smart Sessions v2.0 (Dec 2024), M-1",
        title: "ExecutionLib.decodeUserOpCallData misses checks: no `len >= 68`, offset and length unbounded, so executionCalldata can leave callData",
        modulekit: Applies::Yes,
        current: Applies::Fixed,
        hosts: None,
        detect: Some(outer_buffer),
        unobservable: "",
    },
    Known {
        id: "renascence-v2-m2",
        source: "Renascence, Smart Sessions v2.0 (Dec 2024), M-2; fixed with M-1 (PR #156, Solady decodeBatch)",
        title: "ExecutionLib.decodeBatch has no bounds (the report: no revert on malformed data when pointers.length = 0): batch items can be read from outside executionCalldata",
        modulekit: Applies::Yes,
        current: Applies::Fixed,
        hosts: None,
        detect: Some(batch_items),
        unobservable: "",
    },
    Known {
        id: "renascence-v1-h2",
        source: "Renascence, Smart Sessions v1 (Nov 2024), H-2; fixed by a dedicated action id for calls to SmartSession",
        title: "Fallback action policies let sessions escalate privileges: with a fallback action a session can call SmartSession itself (remove or enable sessions)",
        modulekit: Applies::Yes,
        current: Applies::Fixed,
        hosts: None,
        detect: Some(module_call),
        unobservable: "",
    },
    Known {
        id: "zero-target-self-call",
        source: "leash (bug class C4d, a host/validator mismatch; unpublished as far as leash knows)",
        title: "InvalidSelfCall compares the target with the account; on hosts that execute a call to address(0) as a call to themselves, `execute` on address(0) reaches the fallback action and runs a nested batch no policy sees",
        modulekit: Applies::Yes,
        current: Applies::Yes,
        hosts: Some(&["leash-account", "oz-account"]),
        detect: Some(zero_target_alias),
        unobservable: "",
    },
    Known {
        id: "renascence-v2-i1",
        source: "Renascence, Smart Sessions v2.0 (Dec 2024), I-1",
        title: "The session digest does not cover the mode",
        modulekit: Applies::Yes,
        current: Applies::Yes,
        hosts: None,
        detect: None,
        unobservable: "ENABLE-mode signatures; leash installs sessions with enableSessions and signs in USE mode",
    },
    Known {
        id: "renascence-v1-h1-m2",
        source: "Renascence, Smart Sessions v1 (Nov 2024), H-1, M-2",
        title: "Reentrancy while enabling action policies corrupts the session",
        modulekit: Applies::Yes,
        current: Applies::Fixed,
        hosts: None,
        detect: None,
        unobservable: "needs a malicious policy contract; leash configures only the standard policies",
    },
    Known {
        id: "renascence-v1-m3",
        source: "Renascence, Smart Sessions v1 (Nov 2024), M-3",
        title: "AssociatedArrayLib violates the ERC-7562 storage rules",
        modulekit: Applies::Yes,
        current: Applies::Fixed,
        hosts: None,
        detect: None,
        unobservable: "a bundler validation rule (ERC-7562), not a semantic divergence; leash runs no ERC-7562 tracer",
    },
    Known {
        id: "cantina-ext-3.1.1",
        source: "Cantina, external policies (Sep 2024), 3.1.1 (critical)",
        title: "UniActionPolicy does not persist usages",
        modulekit: Applies::NotApplicable,
        current: Applies::Fixed,
        hosts: None,
        detect: None,
        unobservable: "a policy bug: the modulekit target runs leash's own policies, and the current release has the fix; leash's counter readback would show it as `state`",
    },
    Known {
        id: "cantina-ext-3.2.1",
        source: "Cantina, external policies (Sep 2024), 3.2.1",
        title: "ERC20SpendingLimitPolicy does not clear previous data on re-initialization",
        modulekit: Applies::NotApplicable,
        current: Applies::Fixed,
        hosts: None,
        detect: None,
        unobservable: "leash's adapter gives every install a fresh salt, so a reinstalled session never reuses a configuration id",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(class: Class, model: &str, detail: &str) -> Finding {
        Finding {
            class,
            step: 1,
            op: Some(0),
            model: model.into(),
            module: String::new(),
            detail: detail.into(),
            path: Box::default(),
        }
    }

    #[test]
    fn findings_are_told_apart_by_the_clause_the_model_denied() {
        let m1 = finding(
            Class::Strictness,
            "deny: the executionCalldata length runs past callData (spec §3.4.2)",
            "the module allowed an op the spec denies",
        );
        assert!(outer_buffer(&m1) && !batch_items(&m1) && !module_call(&m1));
        let items = finding(
            Class::Strictness,
            "deny: an item head runs past the batch (spec §3.6.7) at execution 0",
            "",
        );
        assert!(batch_items(&items) && !outer_buffer(&items));
        let h2 = finding(
            Class::Bypass,
            "deny: the target is the session module (spec §4.2) at execution 0",
            "",
        );
        assert!(module_call(&h2));
        let c4d = finding(
            Class::Bypass,
            "allow (1 execution(s))",
            "the executed calls violate the policy: the target is the account itself (spec §4.1)",
        );
        assert!(zero_target_alias(&c4d) && !module_call(&c4d));
        let limitation =
            finding(Class::Limitation, "deny: the target is the session module (spec §4.2)", "");
        assert!(!module_call(&limitation));
    }
}
