//! Findings: a divergence between the module under test and the model, classified.

/// What kind of divergence a finding is, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Its class.
    pub class: Class,
    /// The index of the step where it showed.
    pub step: usize,
    /// The index of the op within that step's bundle, if it concerns one.
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
    pub path: Box<[crate::evm::coverage::CodeBranch]>,
}

impl Finding {
    /// A short key for deduplication: findings with the same signature are the same bug seen
    /// again. A bypass, strictness, liveness, state or reason finding is its class, what kind
    /// of divergence the detail starts with, and the first spec clause the detail cites, so two
    /// bypasses that break different clauses (a call to the session module, a call to the account
    /// itself) stay two findings. A limitation is the same one when the same clause breaks through
    /// the same intent gaps (or profile values): each gap is a limitation of its own.
    pub fn signature(&self) -> String {
        if self.class != Class::Limitation {
            let kind = self.detail.split(':').next().unwrap_or("");
            let clause = self
                .detail
                .split("(spec ")
                .nth(1)
                .and_then(|rest| rest.split(')').next())
                .unwrap_or("");
            return format!("{}:{kind}:{clause}", self.class);
        }
        // "...: <reason> at execution <i>; the module cannot express it: <id> (<why>); ..."
        let (broken, how) = self.detail.split_once("; ").unwrap_or((&self.detail, ""));
        let reason = broken.split(": ").nth(1).unwrap_or(broken);
        let reason = reason.split(" at execution").next().unwrap_or(reason);
        let through = match how.split_once("cannot express it: ") {
            Some((_, gaps)) => gap_ids(gaps).join(","),
            None => how.to_owned(),
        };
        format!("{}:{reason}:{through}", self.class)
    }
}

/// The ids of a limitation's gaps, "<id> (<why>); <id> (<why>)", where a why may itself hold
/// "; " or parentheses.
fn gap_ids(gaps: &str) -> Vec<&str> {
    let mut ids = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in gaps.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => {
                ids.push(&gaps[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    ids.push(&gaps[start..]);
    ids.iter().map(|gap| gap.trim().split(" (").next().unwrap_or("")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(class: Class, detail: &str) -> Finding {
        Finding {
            class,
            step: 0,
            op: Some(0),
            model: String::new(),
            module: String::new(),
            detail: detail.into(),
            path: Box::default(),
        }
    }

    #[test]
    fn bypasses_of_different_clauses_have_different_signatures() {
        let module = finding(
            Class::Bypass,
            "the executed calls violate the policy: the target is the session module (spec §4.2) at execution 0",
        );
        let account = finding(
            Class::Bypass,
            "the executed calls violate the policy: the target is the account itself (spec §4.1) at execution 0",
        );
        let again = finding(
            Class::Bypass,
            "the executed calls violate the policy: the target is the account itself (spec §4.1) at execution 1",
        );
        assert_ne!(module.signature(), account.signature());
        assert_eq!(account.signature(), again.signature());
        let strictness = Finding { class: Class::Strictness, ..account.clone() };
        assert_ne!(strictness.signature(), account.signature());
    }

    #[test]
    fn limitations_are_told_apart_by_their_clause_and_gaps() {
        let rate = finding(
            Class::Limitation,
            "the executed calls break the policy as written: the rate limit is reached (spec \
             §9.1) at execution 0; the module cannot express it: rate-limit-dropped (at most 1 \
             calls in 5 s: not enforced)",
        );
        let again = finding(
            Class::Limitation,
            "the executed calls break the policy as written: the rate limit is reached (spec \
             §9.1) at execution 2; the module cannot express it: rate-limit-dropped (at most 3 \
             calls in 9 s: not enforced)",
        );
        let dynamic = finding(
            Class::Limitation,
            "the executed calls break the policy as written: an argument fails its rule (spec \
             §6.3) at execution 0; the module cannot express it: rule-on-dynamic-argument (a; \
             b); delegate-picks-group (c)",
        );
        assert_eq!(rate.signature(), again.signature());
        assert_ne!(rate.signature(), dynamic.signature());
        assert!(
            dynamic.signature().contains("rule-on-dynamic-argument"),
            "{}",
            dynamic.signature()
        );
        assert!(dynamic.signature().contains("delegate-picks-group"));
        // Other classes keep their first words.
        let bypass = Finding { class: Class::Bypass, ..rate.clone() };
        assert_eq!(
            bypass.signature(),
            "bypass:the executed calls break the policy as written:§9.1"
        );
        // A gap's parenthesised detail may hold "; " itself.
        assert_eq!(
            dynamic.signature(),
            "limitation:an argument fails its rule (spec §6.3):rule-on-dynamic-argument,delegate-picks-group"
        );
    }
}
