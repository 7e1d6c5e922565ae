//! Findings: a divergence between the module under test and the model, classified.

use serde::{Deserialize, Serialize};

/// What kind of divergence a finding is, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The module allowed an op, and the calls the account actually made, read the way their
    /// callees read them, violate the policy (or happen without an active session, or are a
    /// delegatecall). Critical.
    Bypass,
    /// The module allowed a non-canonical encoding the spec denies, but what executed is within
    /// the policy. A latent decoding difference.
    Strictness,
    /// The model allows an op the module denies.
    Liveness,
    /// The module's counters differ from the model's, or a lifecycle call diverged.
    State,
    /// Both deny, for different clauses.
    Reason,
    /// A known-by-design divergence: the module did what its semantics say (the oracle judged
    /// it against the effective policy and found nothing), but what executed breaks the policy
    /// as the user wrote it, in a way the module cannot express (an intent gap of the
    /// translation, or a documented limitation of its semantic profile, spec Part P).
    Limitation,
}

impl Class {
    /// Every class, most severe first.
    pub const ALL: [Class; 6] = [
        Self::Bypass,
        Self::Strictness,
        Self::Liveness,
        Self::State,
        Self::Reason,
        Self::Limitation,
    ];

    /// The class's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bypass => "bypass",
            Self::Strictness => "strictness",
            Self::Liveness => "liveness",
            Self::State => "state",
            Self::Reason => "reason",
            Self::Limitation => "limitation",
        }
    }

    /// The severity reports give it.
    pub fn severity(self) -> &'static str {
        match self {
            Self::Bypass => "critical",
            Self::Strictness => "medium",
            Self::Liveness | Self::State => "high",
            Self::Reason => "low",
            Self::Limitation => "info",
        }
    }
}

impl core::fmt::Display for Class {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A divergence found by running a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Its class.
    pub class: Class,
    /// The index of the step where it showed.
    pub step: usize,
    /// The index of the op within that step's bundle, if it concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<usize>,
    /// What the model decided, in words.
    pub model: String,
    /// What the module did, in words.
    pub module: String,
    /// Why this is a finding: the clause violated, the counters that differ.
    pub detail: String,
    /// For an op finding, run with coverage: the last branches the module took while
    /// validating the op, oldest first (the last is where it decided). Reports read them back
    /// to Solidity lines.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub path: Box<[crate::evm::coverage::CodeBranch]>,
}

impl Finding {
    /// A short key for deduplication: findings with the same signature are the same bug seen
    /// again. It is the class, what kind of divergence the detail starts with, and the first
    /// spec clause the detail cites, so two bypasses that break different clauses (a call to
    /// the session module, a call to the account itself) stay two findings.
    pub fn signature(&self) -> String {
        let kind = self.detail.split(':').next().unwrap_or("");
        let clause = self
            .detail
            .split("(spec ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .unwrap_or("");
        format!("{}:{kind}:{clause}", self.class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bypass(detail: &str) -> Finding {
        Finding {
            class: Class::Bypass,
            step: 0,
            op: Some(0),
            model: "allow (1 execution(s))".into(),
            module: String::new(),
            detail: detail.into(),
            path: Box::default(),
        }
    }

    #[test]
    fn bypasses_of_different_clauses_have_different_signatures() {
        let module = bypass(
            "the executed calls violate the policy: the target is the session module (spec §4.2) at execution 0",
        );
        let account = bypass(
            "the executed calls violate the policy: the target is the account itself (spec §4.1) at execution 0",
        );
        let again = bypass(
            "the executed calls violate the policy: the target is the account itself (spec §4.1) at execution 1",
        );
        assert_ne!(module.signature(), account.signature());
        assert_eq!(account.signature(), again.signature());
        let strictness = Finding { class: Class::Strictness, ..account.clone() };
        assert_ne!(strictness.signature(), account.signature());
    }
}
