//! `leash explain`: a policy file in plain English (who, when, what, how much), then lints
//! against the seed articles' advice and known bug classes. Exit 1 when a lint reaches the
//! `--deny` level.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Outcome, OutputFormat, Run};
use crate::human;
use crate::policy_file::{self, Syntax};
use crate::review::{self, Lint, Review, Severity};
use crate::target_args::{FrameArg, ModuleKind};
use crate::terminal;
use leash_fuzz::modules::IntentGap;

/// Arguments of `leash explain`.
#[derive(Debug, Args)]
#[command(after_help = "Lints and what they mean: docs/policy-review.md. Exit status: 0 clean, 1 \
                        a lint at the --deny level, 2 bad input.")]
pub(crate) struct ExplainArgs {
    /// The policy file (.toml or .json; other names are tried as TOML, then JSON).
    #[arg(value_name = "POLICY_FILE")]
    policy: PathBuf,
    /// Output for people (text) or for tools (json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// The lowest lint severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = DenyLevel::Error)]
    deny: DenyLevel,
    /// Judge the time window as of this moment instead of the clock: unix seconds
    /// (1798761600), a timestamp with its offset (2027-01-01T00:00:00Z) or a date (2027-01-01,
    /// midnight UTC).
    #[arg(long, value_name = "TIME", value_parser = human::parse_moment)]
    now: Option<u64>,
    /// Also say what this kind of module can enforce of the policy: the intent gaps of its
    /// translation (what it cannot express) and where its semantics differ from the spec.
    #[arg(long, value_enum, value_name = "KIND")]
    module_kind: Option<ModuleKind>,
    /// The account the session is for: `deployed` (a contract account, the default) or `7702`,
    /// an EOA that delegates to account code with EIP-7702; then also say what that account's
    /// owner can do beside the session and what revoking means there (spec §18).
    #[arg(long, value_enum, value_name = "FRAME", default_value_t = FrameArg::Deployed)]
    frame: FrameArg,
}

/// What the policy means on an EIP-7702 account (spec §18), in sentences.
fn eip7702_notes(policy: &leash_model::Policy) -> Vec<String> {
    let expiry = if policy.valid_until == 0 {
        "The policy has no end time: a suspended session resumes whenever the EOA delegates back \
         to the same code, months later included. Revoke it when it is no longer wanted, or give \
         it an end (`valid_until`)."
            .to_owned()
    } else {
        format!(
            "Its window still ends at {} whatever the delegation does: time runs on while the \
             session is suspended (spec §18.5).",
            human::utc(policy.valid_until)
        )
    };
    vec![
        "The account is an EOA that runs account code through an EIP-7702 delegation. Its own key \
         is the owner and can always act directly: its plain transactions are not ops, no module \
         sees them, and they count against none of this policy's caps (spec §18.2)."
            .to_owned(),
        "Revoking means revoking the session in the module (`revokeSession`), from the EOA: \
         through the account, or by calling the module directly, which works even while the EOA \
         delegates elsewhere or nowhere (spec §2.2, §18.7). A revoked session never comes back."
            .to_owned(),
        "Re-delegating to other code or clearing the delegation does not revoke the session, it \
         suspends it: if the EOA delegates back to the same account code, the session resumes \
         with the counters it had (spec §18.5 to §18.7). A wallet that offers \"revoke by \
         clearing the delegation\" must revoke the session first."
            .to_owned(),
        expiry,
        "Ops signed while the EOA ran one implementation are not valid while it runs another: \
         the userOpHash binds the delegate (spec §18.1)."
            .to_owned(),
    ]
}

/// What a kind of module makes of the policy.
#[derive(Debug, Serialize)]
struct ModuleView {
    /// The kind.
    kind: &'static str,
    /// What it cannot enforce as asked.
    gaps: Vec<IntentGap>,
    /// Where its semantics differ from spec v1: `(clause, parameter, value)`.
    semantics: Vec<(&'static str, &'static str, String)>,
}

impl ModuleView {
    fn of(kind: ModuleKind, policy: &leash_model::Policy) -> Self {
        match kind {
            ModuleKind::SessionManager => {
                Self { kind: "session-manager", gaps: Vec::new(), semantics: Vec::new() }
            }
            ModuleKind::Smartsessions => {
                let a = leash_fuzz::evm::Addresses::expected();
                Self {
                    kind: "smartsessions",
                    gaps: leash_fuzz::modules::smartsessions::translate(
                        policy, a.account, a.module,
                    )
                    .gaps,
                    semantics: leash_model::SemanticProfile::SMART_SESSIONS.differences(),
                }
            }
            ModuleKind::Metamask => {
                let a = leash_fuzz::evm::Addresses::expected();
                let account = leash_fuzz::modules::metamask::Delegator::MultiSig.account();
                Self {
                    kind: "metamask",
                    gaps: leash_fuzz::modules::metamask::translate(policy, account, a.module).gaps,
                    semantics: leash_model::SemanticProfile::METAMASK.differences(),
                }
            }
        }
    }
}

/// Which lints fail the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum DenyLevel {
    /// Warnings and errors.
    Warning,
    /// Errors only.
    Error,
    /// None: always exit 0 once the policy is read.
    Never,
}

impl DenyLevel {
    /// Whether a lint of `severity` fails the run.
    fn denies(self, severity: Severity) -> bool {
        match self {
            Self::Warning => severity >= Severity::Warning,
            Self::Error => severity >= Severity::Error,
            Self::Never => false,
        }
    }
}

/// How many lints of each severity, and whether the run fails.
#[derive(Debug, Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    info: usize,
    deny: DenyLevel,
    /// How many lints reach the `--deny` level; the exit status is 1 when this is not 0.
    denied: usize,
}

impl Summary {
    fn of(lints: &[Lint], deny: DenyLevel) -> Self {
        let count = |severity| lints.iter().filter(|l| l.severity == severity).count();
        Self {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            info: count(Severity::Info),
            deny,
            denied: lints.iter().filter(|l| deny.denies(l.severity)).count(),
        }
    }
}

/// The JSON document `--format json` prints.
#[derive(Serialize)]
struct ExplainJson<'a> {
    file: String,
    syntax: &'static str,
    #[serde(flatten)]
    review: &'a Review,
    summary: &'a Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    module: Option<ModuleView>,
    /// With `--frame 7702`: what the policy means on an EIP-7702 account.
    #[serde(skip_serializing_if = "Option::is_none")]
    eip7702: Option<Vec<String>>,
}

impl Run for ExplainArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        let file = policy_file::read(&self.policy)?;
        let now = match self.now {
            Some(now) => now,
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .context("the system clock is before 1970; pass --now")?
                .as_secs(),
        };
        let review = review::review(&file.policy, now);
        let summary = Summary::of(&review.lints, self.deny);
        let module = self.module_kind.map(|kind| ModuleView::of(kind, &file.policy));
        let eip7702 = (self.frame == FrameArg::Eip7702).then(|| eip7702_notes(&file.policy));
        let mut stdout = io::stdout().lock();
        match self.format {
            OutputFormat::Json => {
                let document = ExplainJson {
                    file: file.path.display().to_string(),
                    syntax: match file.syntax {
                        Syntax::Toml => "toml",
                        Syntax::Json => "json",
                    },
                    review: &review,
                    summary: &summary,
                    module,
                    eip7702,
                };
                // Serialized first, so a closed stdout is a plain `io::Error` (see `main`).
                writeln!(stdout, "{}", serde_json::to_string_pretty(&document)?)?;
            }
            OutputFormat::Text => {
                let width = terminal::wrap_width();
                let heading = format!("{} ({})", file.path.display(), file.syntax);
                stdout.write_all(render_text(&heading, &review, &summary, width).as_bytes())?;
                if let Some(module) = &module {
                    stdout.write_all(render_module(module, width).as_bytes())?;
                }
                if let Some(notes) = &eip7702 {
                    let mut out = String::from("\nON AN EIP-7702 ACCOUNT\n");
                    for note in notes {
                        out.push_str(&terminal::wrap(note, 2, 4, width));
                        out.push('\n');
                    }
                    stdout.write_all(out.as_bytes())?;
                }
            }
        }
        stdout.flush()?;
        Ok(if summary.denied > 0 { Outcome::Findings } else { Outcome::Clean })
    }
}

/// The review as text: four sections, the lints, and the verdict.
fn render_text(heading: &str, review: &Review, summary: &Summary, width: Option<usize>) -> String {
    let mut out = String::new();
    let mut line = |indent: usize, hanging: usize, text: &str| {
        out.push_str(&terminal::wrap(text, indent, hanging, width));
        out.push('\n');
    };
    line(0, 0, &format!("Policy {heading}"));
    line(0, 0, "");
    line(0, 0, "WHO");
    for text in &review.who {
        line(2, 4, text);
    }
    line(0, 0, "");
    line(0, 0, "WHEN");
    for text in &review.when.text {
        line(2, 4, text);
    }
    line(0, 0, "");
    line(
        0,
        0,
        &format!(
            "WHAT ({}; every other call is denied)",
            human::plural(review.what.len() as u64, "permission")
        ),
    );
    for permission in &review.what {
        let mut texts = permission.text.iter();
        if let Some(headline) = texts.next() {
            line(2, 5, &format!("{}. {headline}", permission.index + 1));
        }
        for text in texts {
            line(5, 7, text);
        }
    }
    line(0, 0, "");
    line(0, 0, "HOW MUCH");
    for text in &review.how_much.text {
        line(2, 4, text);
    }
    line(0, 0, "");
    line(
        0,
        0,
        &format!(
            "LINTS ({}, {}, {} info)",
            human::plural(summary.errors as u64, "error"),
            human::plural(summary.warnings as u64, "warning"),
            summary.info
        ),
    );
    if review.lints.is_empty() {
        line(2, 2, "None.");
    }
    for lint in &review.lints {
        line(2, 4, &format!("{}[{}]: {}", lint.severity.name(), lint.id, lint.message));
        line(4, 6, &format!("relates to: {}", lint.relates_to.join(", ")));
        line(4, 6, &format!("why: {}", lint.why));
        if let Some(advice) = lint.advice {
            line(4, 6, &format!("advice: \"{}\" ({})", advice.quote, advice.source));
        }
    }
    line(0, 0, "");
    let verdict = match summary.deny {
        DenyLevel::Never => "--deny never: lints do not fail the run".to_string(),
        deny if summary.denied == 0 => {
            format!("no lint at or above --deny {}", deny_name(deny))
        }
        deny => format!(
            "{} at or above --deny {}: exit 1",
            human::plural(summary.denied as u64, "lint"),
            deny_name(deny)
        ),
    };
    line(0, 0, &format!("Result: {verdict}."));
    line(
        0,
        0,
        "Show the user this explanation before they approve the session: \"Explain the permission \
         request in plain English.\" (seed 001)",
    );
    out
}

/// What a module kind makes of the policy, as text.
fn render_module(module: &ModuleView, width: Option<usize>) -> String {
    let mut out = String::new();
    let mut line = |indent: usize, hanging: usize, text: &str| {
        out.push_str(&terminal::wrap(text, indent, hanging, width));
        out.push('\n');
    };
    line(0, 0, "");
    line(
        0,
        0,
        &format!(
            "ON {} ({})",
            module.kind.to_uppercase(),
            human::plural(module.gaps.len() as u64, "intent gap")
        ),
    );
    if module.gaps.is_empty() {
        line(2, 2, "The module enforces the policy as written.");
    }
    for gap in &module.gaps {
        line(2, 4, &gap.to_string());
    }
    if !module.semantics.is_empty() {
        line(
            2,
            4,
            "Its semantics differ from the spec's (docs/spec.md, Part P): leash judges it by \
             them, and reports an op that uses a gap as a documented limitation:",
        );
        let parts: Vec<String> = module
            .semantics
            .iter()
            .map(|(clause, name, value)| format!("{name} {value} ({clause})"))
            .collect();
        line(4, 6, &parts.join("; "));
    }
    out
}

fn deny_name(deny: DenyLevel) -> &'static str {
    match deny {
        DenyLevel::Warning => "warning",
        DenyLevel::Error => "error",
        DenyLevel::Never => "never",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip7702_notes_say_what_revoking_means_and_follow_the_window() {
        let open = leash_model::Policy::default();
        let notes = eip7702_notes(&open).join(" ");
        assert!(notes.contains("revokeSession") && notes.contains("suspends"), "{notes}");
        assert!(notes.contains("no end time"), "{notes}");
        let ending = leash_model::Policy { valid_until: 1_800_000_000, ..open };
        let notes = eip7702_notes(&ending).join(" ");
        assert!(notes.contains(&human::utc(1_800_000_000)) && !notes.contains("no end"), "{notes}");
    }

    #[test]
    fn deny_levels_order_severities() {
        assert!(DenyLevel::Warning.denies(Severity::Warning));
        assert!(!DenyLevel::Warning.denies(Severity::Info));
        assert!(!DenyLevel::Error.denies(Severity::Warning));
        assert!(DenyLevel::Error.denies(Severity::Error));
        assert!(!DenyLevel::Never.denies(Severity::Error));
    }
}
