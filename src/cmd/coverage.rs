//! `leash coverage`: replays corpus entries with coverage on and reports which branches and
//! lines of the module's Solidity they reach, as text (with every branch not reached) and as
//! lcov for `genhtml`. `leash fuzz` prints the same one-line summary and can write the same lcov.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use leash_fuzz::corpus::{Entry, load_dir};
use leash_fuzz::engine::replay_coverage;
use leash_fuzz::evm::Reached;
use leash_fuzz::run::RunConfig;
use leash_fuzz::sources::coverage::{CodeCoverage, code_coverage, lcov};
use leash_fuzz::target::Target;
use serde::Serialize;

use super::{Outcome, OutputFormat, Run};
use crate::target_args::TargetArgs;

/// Arguments of `leash coverage`.
#[derive(Debug, Args)]
#[command(
    after_help = "Render the lcov file with `genhtml --branch-coverage FILE -o DIR` (Debian \
                        package lcov). Source maps come from the artifacts (Foundry layout: \
                        deployedBytecode.sourceMap, id, metadata, out/build-info/)."
)]
pub(crate) struct CoverageArgs {
    /// Corpus directories (every *.json entry in them) or entry files to replay.
    #[arg(required = true, value_name = "PATH")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    target: TargetArgs,
    /// Write lcov here.
    #[arg(long, value_name = "FILE")]
    lcov: Option<PathBuf>,
    /// Output for people (text) or for tools (json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

/// The codes of `target`'s world that coverage reports read back to Solidity: the module and
/// the account. A code whose artifact has no source map is reported without lines.
pub(crate) fn covered_codes(
    target: &Target,
    reached: &Reached,
) -> anyhow::Result<Vec<(String, Result<CodeCoverage, String>)>> {
    let world = target.world()?;
    let a = world.addresses();
    let codes = [
        ("module", a.module, target.module_artifact()),
        ("account", a.account, Some(&target.artifacts.account)),
    ];
    Ok(codes
        .into_iter()
        .map(|(name, address, artifact)| {
            let edges = reached.edges.get(&address).map_or(0, std::collections::BTreeSet::len);
            let coverage = match artifact {
                Some(artifact) => code_coverage(name, address, artifact, reached)
                    .map_err(|e| format!("{edges} branch edges reached; no lines: {e}")),
                None => Err(format!("{edges} branch edges reached; no lines: runtime code only")),
            };
            (name.to_owned(), coverage)
        })
        .collect())
}

/// "412 of 530 branches reached, 300 of 320 lines" for one code.
pub(crate) fn summary_line(coverage: &Result<CodeCoverage, String>) -> String {
    match coverage {
        Ok(c) => {
            let (bh, bt) = c.branch_counts();
            let (lh, lt) = c.line_counts();
            format!("{bh} of {bt} branches reached, {lh} of {lt} lines")
        }
        Err(e) => e.clone(),
    }
}

/// Writes the lcov of the codes that have source maps to `path`, atomically.
pub(crate) fn write_lcov(
    path: &Path,
    codes: &[(String, Result<CodeCoverage, String>)],
) -> anyhow::Result<()> {
    let ok: Vec<CodeCoverage> =
        codes.iter().filter_map(|(_, c)| c.as_ref().ok().cloned()).collect();
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    let tmp = dir.join(format!(".lcov.tmp-{}", std::process::id()));
    std::fs::write(&tmp, lcov(&ok)).with_context(|| format!("cannot write '{}'", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(())
}

#[derive(Serialize)]
struct JsonCode {
    name: String,
    branches_reached: usize,
    branches: usize,
    lines_hit: usize,
    lines: usize,
    not_reached: Vec<JsonBranch>,
}

#[derive(Serialize)]
struct JsonBranch {
    file: String,
    line: usize,
    pc: u32,
    direction: &'static str,
    source: String,
}

fn direction(taken: bool) -> &'static str {
    if taken { "jump taken" } else { "jump not taken" }
}

impl Run for CoverageArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        let target = self.target.resolve()?;
        let mut entries: Vec<Entry> = Vec::new();
        for input in &self.inputs {
            if input.is_dir() {
                entries.extend(load_dir(input)?.into_iter().map(|(_, e)| e));
            } else {
                entries.push(Entry::load(input)?);
            }
        }
        let reached =
            replay_coverage(&target, entries.iter().map(|e| &e.case), RunConfig::campaign())?;
        let codes = covered_codes(&target, &reached)?;
        if let Some(path) = &self.lcov {
            write_lcov(path, &codes)?;
        }
        match self.format {
            OutputFormat::Json => {
                let json: Vec<JsonCode> = codes
                    .iter()
                    .filter_map(|(name, c)| c.as_ref().ok().map(|c| (name, c)))
                    .map(|(name, c)| JsonCode {
                        name: name.clone(),
                        branches_reached: c.branch_counts().0,
                        branches: c.branch_counts().1,
                        lines_hit: c.line_counts().0,
                        lines: c.line_counts().1,
                        not_reached: c
                            .branches
                            .iter()
                            .filter(|b| !b.reached)
                            .map(|b| JsonBranch {
                                file: b.line.path.display().to_string(),
                                line: b.line.line,
                                pc: b.pc,
                                direction: direction(b.taken),
                                source: b.line.text.clone(),
                            })
                            .collect(),
                    })
                    .collect();
                writeln!(io::stdout(), "{}", serde_json::to_string_pretty(&json)?)?;
            }
            OutputFormat::Text => {
                let mut out = io::stdout().lock();
                writeln!(out, "coverage of {} from {} cases", target.label, entries.len())?;
                for (name, c) in &codes {
                    writeln!(out, "  {name} code: {}", summary_line(c))?;
                    let Ok(c) = c else { continue };
                    for (file, (hit, total)) in c.per_file() {
                        writeln!(out, "    {}: {hit} of {total} branches", file.display())?;
                    }
                }
                if let Some((_, Ok(module))) = codes.first() {
                    let missed: Vec<_> = module.branches.iter().filter(|b| !b.reached).collect();
                    if !missed.is_empty() {
                        writeln!(out, "  module branches not reached:")?;
                    }
                    for b in missed {
                        writeln!(
                            out,
                            "    {}:{} {} (pc {:#x}): {}",
                            b.line.path.display(),
                            b.line.line,
                            direction(b.taken),
                            b.pc,
                            b.line.text
                        )?;
                    }
                }
                if let Some(path) = &self.lcov {
                    writeln!(
                        out,
                        "  lcov: {} (render: genhtml --branch-coverage {} -o coverage-html)",
                        path.display(),
                        path.display()
                    )?;
                }
            }
        }
        Ok(Outcome::Clean)
    }
}
