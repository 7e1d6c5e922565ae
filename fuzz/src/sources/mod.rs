//! From bytecode back to Solidity: source maps, source texts (a mutant's patched from its diff),
//! and the lines a pc comes from. Coverage reports ([`coverage`]) and findings' locations use it.
//!
//! An artifact carries what this needs when it was built the way Foundry builds
//! (`deployedBytecode.sourceMap`, `id`, `metadata.settings.compilationTarget`, and the build
//! info's `source_id_to_path`; see [`crate::evm::Artifact`]). Sources are read from the
//! artifact's source root; a source unit `mutants/<name>/<File>.sol` that is not on disk is
//! `src/<File>.sol` with `mutants/<name>/mutant.diff` applied, and its lines are cited as the
//! original file's.

pub mod coverage;
pub mod diff;
pub mod map;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::evm::Artifact;
use map::SourceRange;

/// Why an artifact's code cannot be read back to its sources. Messages name the artifact or
/// the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The artifact has no source map, or no build info naming its sources.
    #[error(
        "artifact '{origin}' has no {missing} (build with Foundry, or leash's build.mjs, to get \
         deployedBytecode.sourceMap, id, metadata and out/build-info/)"
    )]
    Missing {
        /// The artifact.
        origin: String,
        /// What it lacks.
        missing: &'static str,
    },
    /// The source map does not parse.
    #[error("artifact '{origin}': {problem}")]
    BadMap {
        /// The artifact.
        origin: String,
        /// What is wrong.
        problem: String,
    },
    /// A source file could not be read or patched.
    #[error("source '{path}': {problem}")]
    Source {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

/// One source file's text, where to cite it, and its lines.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file to cite: the source itself, or the original a mutant's diff patches.
    pub path: PathBuf,
    /// The text source maps index (a mutant's patched text).
    pub text: String,
    line_starts: Vec<usize>,
    /// For a patched text: each line's original line and whether the diff added it.
    origin: Option<Vec<(usize, bool)>>,
}

/// A line of a source, as reports cite it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Line {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line in that file.
    pub line: usize,
    /// Whether a mutant's diff added the line (then `line` is where it was inserted).
    pub planted: bool,
    /// The line's text, trimmed.
    pub text: String,
    /// The length in bytes of the source range the instruction maps to (a whole function or
    /// contract for the glue the compiler generates around them).
    pub span: usize,
}

impl Line {
    /// Whether this is a line a module decides on: a statement-sized range that is not a
    /// constant's declaration (the compiler attributes inlined constants' checks there) nor
    /// a whole function or contract (dispatch and ABI-decoding glue).
    pub fn is_statement(&self) -> bool {
        const MAX_STATEMENT: usize = 400;
        let declares_constant = self.text.split_whitespace().any(|w| w == "constant");
        self.span <= MAX_STATEMENT && !declares_constant
    }
}

/// `path` relative to the current directory when it lies under it, else as given.
fn display_path(path: &Path) -> PathBuf {
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let here = std::env::current_dir().ok().and_then(|d| d.canonicalize().ok());
    match here.and_then(|h| absolute.strip_prefix(&h).ok().map(Path::to_path_buf)) {
        Some(relative) => relative,
        None => absolute,
    }
}

impl Source {
    /// Reads source unit `unit` under `root`.
    pub fn read(root: &Path, unit: &str) -> Result<Self, SourceError> {
        let file = root.join(unit);
        let error =
            |path: &Path, problem: String| SourceError::Source { path: path.into(), problem };
        if let Ok(text) = std::fs::read_to_string(&file) {
            return Ok(Self::new(display_path(&file), text, None));
        }
        // A mutant's unit: the original with its diff applied.
        let parts: Vec<&str> = unit.split('/').collect();
        if let ["mutants", name, file_name] = parts[..] {
            let diff_path = root.join("mutants").join(name).join("mutant.diff");
            let original_path = root.join("src").join(file_name);
            let diff = std::fs::read_to_string(&diff_path)
                .map_err(|e| error(&diff_path, e.to_string()))?;
            let original = std::fs::read_to_string(&original_path)
                .map_err(|e| error(&original_path, e.to_string()))?;
            let files = diff::parse(&diff).map_err(|e| error(&diff_path, e))?;
            let patch = files
                .iter()
                .find(|f| f.unit == unit)
                .ok_or_else(|| error(&diff_path, format!("does not patch {unit}")))?;
            let patched = patch.apply(&original).map_err(|e| error(&diff_path, e))?;
            return Ok(Self::new(display_path(&original_path), patched.text, Some(patched.origin)));
        }
        Err(error(&file, "not found".into()))
    }

    fn new(path: PathBuf, text: String, origin: Option<Vec<(usize, bool)>>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { path, text, line_starts, origin }
    }

    /// The line at byte `offset` of the text, as cited, for a range of `span` bytes.
    pub fn line_at(&self, offset: usize, span: usize) -> Line {
        let k = self.line_starts.partition_point(|s| *s <= offset).max(1);
        let start = self.line_starts[k - 1];
        let end = self.line_starts.get(k).copied().unwrap_or(self.text.len());
        let text = self.text.get(start..end).unwrap_or("").trim().to_owned();
        let (line, planted) = match &self.origin {
            Some(origin) => origin.get(k - 1).copied().unwrap_or((k, false)),
            None => (k, false),
        };
        Line { path: self.path.clone(), line, planted, text, span }
    }
}

/// A contract's runtime code read back to its sources: for each instruction, its pc and
/// source range, and the sources the ranges name.
#[derive(Clone, Debug)]
pub struct CodeSources {
    /// The runtime code.
    pub code: Vec<u8>,
    pcs: Vec<u32>,
    ranges: Vec<SourceRange>,
    files: BTreeMap<u32, Source>,
}

impl CodeSources {
    /// Reads `artifact`'s runtime code back to its sources. Sources that are not on disk
    /// (dependencies not installed) are skipped; their code counts as generated.
    pub fn new(artifact: &Artifact) -> Result<Self, SourceError> {
        let missing = |missing| SourceError::Missing { origin: artifact.origin.clone(), missing };
        let map =
            artifact.source_map.as_deref().ok_or_else(|| missing("deployedBytecode.sourceMap"))?;
        let root = artifact.source_root.as_deref().ok_or_else(|| missing("build info"))?;
        let ranges = map::parse(map)
            .map_err(|problem| SourceError::BadMap { origin: artifact.origin.clone(), problem })?;
        let code = artifact.deployed_bytecode.to_vec();
        let pcs = map::instruction_pcs(&code);
        let mut files = BTreeMap::new();
        let used: std::collections::BTreeSet<u32> = ranges.iter().filter_map(|r| r.file).collect();
        for id in used {
            if let Some(unit) = artifact.sources.get(&id)
                && let Ok(source) = Source::read(root, unit)
            {
                files.insert(id, source);
            }
        }
        Ok(Self { code, pcs, ranges, files })
    }

    /// The instructions: pc, opcode, and the source range when it names a source read.
    pub(crate) fn instructions(
        &self,
    ) -> impl Iterator<Item = (u32, u8, Option<(&Source, usize, usize)>)> {
        self.pcs.iter().enumerate().map(|(i, pc)| {
            let located = self.ranges.get(i).and_then(|r| {
                let source = self.files.get(&r.file?)?;
                Some((source, r.offset as usize, r.length as usize))
            });
            (*pc, self.code[*pc as usize], located)
        })
    }

    /// The source line of the instruction at `pc`, if it has one.
    pub fn line(&self, pc: u32) -> Option<Line> {
        let i = self.pcs.binary_search(&pc).ok()?;
        let r = self.ranges.get(i)?;
        let source = self.files.get(&r.file?)?;
        Some(source.line_at(r.offset as usize, r.length as usize))
    }
}

/// Reads branches of deployed code back to source lines, for the codes it was given.
#[derive(Clone, Debug, Default)]
pub struct Locator {
    codes: Vec<(alloy_primitives::Address, CodeSources)>,
}

impl Locator {
    /// A locator for the code deployed at each address from its artifact. Artifacts without a
    /// source map (or whose sources are not found) are left out: their branches have no line.
    pub fn new(codes: &[(alloy_primitives::Address, &Artifact)]) -> Self {
        let codes = codes
            .iter()
            .filter_map(|(address, artifact)| Some((*address, CodeSources::new(artifact).ok()?)))
            .collect();
        Self { codes }
    }

    /// The source line of `branch`'s `JUMPI`, if its code is known and mapped.
    pub fn line(&self, branch: &crate::evm::coverage::CodeBranch) -> Option<Line> {
        let (_, sources) = self.codes.iter().find(|(a, _)| *a == branch.code)?;
        sources.line(branch.pc)
    }
}
