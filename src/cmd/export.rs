//! `leash export`: a corpus entry as a standalone reproducer. One format so far,
//! `leash export foundry <ENTRY>`: a Foundry test, `LeashRepro_<id>.t.sol`, that deploys the
//! world leash's harness deploys from the same artifacts, replays the case with the same bytes
//! and asserts what makes the finding a finding (`foundry.rs` says how).
//!
//! The entry is replayed first (twice: `leash_fuzz::engine::replay` for its finding, and a
//! trace of every op's outcome, `trace.rs`): the test is only written when the replay still
//! shows what the entry expects.

mod foundry;
mod trace;

use std::fs;
use std::io::{self, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use leash_fuzz::corpus::Entry;
use leash_fuzz::target::Target;

use super::{Outcome, Run};

/// Arguments of `leash export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The format to export to.
    #[command(subcommand)]
    format: ExportFormat,
}

/// The export formats.
#[derive(Debug, Subcommand)]
enum ExportFormat {
    /// Write a Foundry test (LeashRepro_<id>.t.sol) that reproduces the entry's finding.
    #[command(after_help = foundry_help())]
    Foundry(FoundryArgs),
}

/// The after-help of `leash export foundry`.
const fn foundry_help() -> &'static str {
    "The test deploys EntryPoint v0.8, the account, the entry's module (the reference, a mutant or \
     the artifact path the entry names) and the targets from the Foundry-layout artifacts (with \
     vm.getCode), at the addresses leash used; installs and revokes sessions through the owner \
     as the harness does; signs every op with vm.sign and the public session keys; submits each \
     bundle as it went through leash's bundler (the ops the EntryPoint rejected are checked, then \
     left out); and asserts the finding. It passes while the bug is present.\n\nleash checks that \
     tests written this way compile (solc 0.8.37 against forge-std 1.1.2, in its own test \
     suite); it does not run them with forge, and does not compile the file it writes. Run it \
     with: forge test --match-contract LeashRepro_<id> -vvvv (its header says what foundry.toml \
     needs).\n\nExit status: 0 when the test is written, 2 on bad input (a missing or invalid \
     entry, a module that cannot be resolved, a replay that no longer shows the entry's finding, \
     an output directory that cannot be written)."
}

/// Arguments of `leash export foundry`.
#[derive(Debug, Args)]
pub(crate) struct FoundryArgs {
    /// The corpus entry (a JSON file written by `leash fuzz`, or in corpus/regressions/).
    #[arg(value_name = "ENTRY")]
    entry: PathBuf,
    /// The directory to write LeashRepro_<id>.t.sol to (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Where the test finds the Foundry-layout artifacts, relative to the Foundry project root
    /// (the layout of reference-contracts/out: <File>.sol/<Contract>.json, mutants/<name>/...).
    #[arg(long, value_name = "DIR", default_value = "reference-contracts/out")]
    artifacts: String,
}

impl Run for ExportArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        match self.format {
            ExportFormat::Foundry(args) => args.run(),
        }
    }
}

impl FoundryArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        let entry = Entry::load(&self.entry)?;
        let target = Target::from_label(&entry.module).with_context(|| {
            format!(
                "entry '{}' names module '{}', which cannot be resolved",
                self.entry.display(),
                entry.module
            )
        })?;
        if target.kind != leash_fuzz::target::TargetKind::SessionManager {
            bail!(
                "entry '{}' is a finding on '{}': leash export foundry writes tests for modules \
                 implementing ISessionManager only; reproduce it with `leash replay {}`",
                self.entry.display(),
                entry.module,
                self.entry.display()
            );
        }
        if target.frame != leash_fuzz::evm::Frame::Deployed {
            bail!(
                "entry '{}' is a finding on '{}', on the EIP-7702 frame: leash export foundry writes tests for the deployed account only; reproduce it with `leash replay {}`",
                self.entry.display(),
                entry.module,
                self.entry.display()
            );
        }
        if let Some(what) = gas_or_chain(&entry.case) {
            bail!(
                "entry '{}' has {what} (spec §1.4.2, §1.4.4, §16, §17): leash export foundry writes \
                 freshly signed ops with the harness's default gas fields on one chain only; \
                 reproduce it with `leash replay {}`",
                self.entry.display(),
                self.entry.display()
            );
        }
        let artifacts = self.artifacts.trim_end_matches('/');
        if artifacts.is_empty() {
            bail!(
                "--artifacts is empty: give the artifacts directory, relative to the Foundry project root"
            );
        }
        let trace = trace::trace(&target, &entry.case, entry.expect)
            .with_context(|| format!("exporting '{}'", self.entry.display()))?;
        let file = self.entry.display().to_string();
        let source = foundry::Source { entry: &entry, file: &file, target: &target, artifacts };
        let text = foundry::write(&source, &trace);
        let name = foundry::contract_name(&entry.id);
        fs::create_dir_all(&self.out).with_context(|| {
            format!("cannot create the output directory '{}'", self.out.display())
        })?;
        let path = self.out.join(format!("{name}.t.sol"));
        fs::write(&path, text.as_bytes())
            .with_context(|| format!("cannot write '{}'", path.display()))?;
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "wrote {}", path.display())?;
        writeln!(stdout, "run it with: forge test --match-contract {name} -vvvv")?;
        writeln!(
            stdout,
            "(leash checks that tests written this way compile with {}; it did not run this one \
             with forge)",
            foundry::CHECKED_WITH
        )?;
        stdout.flush()?;
        Ok(Outcome::Clean)
    }
}

/// What a case has that the Foundry writer does not reproduce: an op's own gas terms, a replayed
/// op, or a move to another chain.
fn gas_or_chain(case: &leash_fuzz::case::Case) -> Option<&'static str> {
    use leash_fuzz::case::Step;
    case.steps.iter().find_map(|step| match step {
        Step::Chain { .. } => Some("a move to another chain"),
        Step::Bundle { ops }
            if ops.iter().any(|op| op.replay.is_some_and(|r| r.other_key().is_some())) =>
        {
            Some("an op carrying another key's signature")
        }
        Step::Bundle { ops } if ops.iter().any(|op| op.gas.is_some()) => {
            Some("an op with its own gas terms")
        }
        Step::Bundle { ops }
            if ops.iter().any(|op| op.replay == Some(leash_fuzz::case::Replay::OtherAccount)) =>
        {
            Some("an op replayed from another account (the test deploys one account)")
        }
        Step::Bundle { ops } if ops.iter().any(|op| op.replay.is_some()) => Some("a replayed op"),
        _ => None,
    })
}
