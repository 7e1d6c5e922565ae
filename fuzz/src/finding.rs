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
}

impl Finding {
    /// A short key for deduplication: findings with the same signature are the same bug seen
    /// again.
    pub fn signature(&self) -> String {
        format!("{}:{}", self.class, self.detail.split(':').next().unwrap_or(""))
    }
}
