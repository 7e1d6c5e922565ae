//! `leash corpus`: maintenance of a campaign's corpus directory (`leash fuzz --corpus DIR`).
//!
//! `leash corpus cmin DIR` keeps the entries that hold the directory's coverage and deletes the
//! others, one file at a time, so an interrupted run leaves a corpus with at least the coverage
//! it had (the way `cargo fuzz cmin` and `afl-cmin` shrink a corpus).

use std::io::{self, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use leash_fuzz::corpus::load_dir;
use leash_fuzz::corpus_dir::minimal_cover;
use leash_fuzz::run::{RunConfig, Runner};

use super::{Outcome, Run};
use crate::target_args::TargetArgs;

/// Arguments of `leash corpus`.
#[derive(Debug, Args)]
pub(crate) struct CorpusArgs {
    #[command(subcommand)]
    command: CorpusCommand,
}

#[derive(Debug, Subcommand)]
enum CorpusCommand {
    /// Keep only the entries that hold the corpus's coverage (behaviours, and module branch
    /// edges with their hit counts), deleting the rest (or copying the kept ones to --out).
    Cmin(CminArgs),
}

#[derive(Debug, Args)]
struct CminArgs {
    /// The corpus directory.
    dir: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
    /// Copy the kept entries here instead of deleting the others from DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

impl Run for CorpusArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        match self.command {
            CorpusCommand::Cmin(args) => args.run(),
        }
    }
}

impl CminArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        if !self.dir.is_dir() {
            anyhow::bail!("'{}' is not a corpus directory", self.dir.display());
        }
        let target = self.target.resolve()?;
        let loaded = load_dir(&self.dir)?;
        let entries: Vec<_> = loaded.iter().map(|(_, e)| e.clone()).collect();
        let mut runner = Runner::for_target(&target, RunConfig::campaign())?;
        let kept = minimal_cover(&mut runner, &entries);
        match &self.out {
            Some(out) => {
                std::fs::create_dir_all(out)
                    .with_context(|| format!("cannot create '{}'", out.display()))?;
                for &i in &kept {
                    loaded[i].1.write(out)?;
                }
            }
            None => {
                for (i, (path, _)) in loaded.iter().enumerate() {
                    if kept.binary_search(&i).is_err() {
                        std::fs::remove_file(path)
                            .with_context(|| format!("cannot remove '{}'", path.display()))?;
                    }
                }
            }
        }
        writeln!(
            io::stdout(),
            "kept {} of {} entries of {} ({})",
            kept.len(),
            loaded.len(),
            self.dir.display(),
            match &self.out {
                Some(out) => format!("copied to {}", out.display()),
                None => "the others deleted".into(),
            }
        )?;
        Ok(Outcome::Clean)
    }
}
