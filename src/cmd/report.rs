//! `leash report`: corpus entries (files, or directories of `*.json` files) as a report, for
//! people (Markdown), for tools (JSON, `schema_version` 1) or for code-scanning UIs (SARIF
//! 2.1.0). The formats are documented in `docs/report.md`.
//!
//! A report of findings is not a failure: the exit status is 0 once the report is written, and 2
//! when an input cannot be read (a missing path, a file that is not a corpus entry, a directory
//! without entries) or the output cannot be written.

mod markdown;
mod sarif;

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use leash_fuzz::corpus::{self, Entry, Provenance};
use leash_fuzz::finding::Class;
use leash_model::DenyReason;
use serde::Serialize;

use super::{Outcome, Run};
use crate::human;
use crate::render::{self, Mark};

/// The `schema` field of the JSON report.
pub(crate) const SCHEMA: &str = "leash-report";
/// The `schema_version` of the JSON report this leash writes.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Arguments of `leash report`.
#[derive(Debug, Args)]
#[command(after_help = "Formats: markdown (a summary table, then one section per finding: the \
                        spec clause, what the spec says and what the module did, the minimized \
                        case, the commands to reproduce it), json (schema_version 1) and sarif \
                        (SARIF 2.1.0, one rule per finding class). They are documented in \
                        docs/report.md. Exit status: 0 when the report is written (findings \
                        included), 2 when an input cannot be read (the entries that can are \
                        still reported, the others listed) or the output cannot be written.")]
pub(crate) struct ReportArgs {
    /// Corpus entry files, or directories of them (their *.json files; subdirectories are not
    /// read).
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
    /// Markdown for people, JSON for tools, SARIF for code-scanning UIs.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// Markdown: a summary, then one section per finding.
    Markdown,
    /// One JSON document (`schema_version` 1).
    Json,
    /// SARIF 2.1.0, for code-scanning UIs.
    Sarif,
}

impl ReportFormat {
    fn name(self) -> &'static str {
        match self {
            Self::Markdown => "markdown",
            Self::Json => "JSON",
            Self::Sarif => "SARIF",
        }
    }
}

/// A corpus entry and the file it was read from.
pub(crate) struct Loaded {
    /// The file, as found from the command line (a directory argument joined with the name).
    pub(crate) path: PathBuf,
    /// The entry.
    pub(crate) entry: Entry,
}

/// A file `leash report` was asked to read and could not.
#[derive(Debug, Serialize)]
pub(crate) struct Unreadable {
    /// The file (or path) as found from the command line.
    pub(crate) file: String,
    /// Why, in one line.
    pub(crate) error: String,
}

/// Reads every entry the paths name: files as given, directories' `*.json` files sorted by
/// name. A path given twice (or a file also inside a given directory) is read once. An entry
/// that cannot be read does not stop the others: it is listed in the second vector. A
/// directory without a single `*.json` file is an error.
pub(crate) fn load_paths(paths: &[PathBuf]) -> anyhow::Result<(Vec<Loaded>, Vec<Unreadable>)> {
    let mut seen = BTreeSet::new();
    let mut loaded = Vec::new();
    let mut unreadable = Vec::new();
    let mut fail = |path: &Path, error: String| {
        unreadable.push(Unreadable { file: path.display().to_string(), error });
    };
    for path in paths {
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fail(path, format!("'{}' does not exist", path.display()));
                continue;
            }
            Err(e) => {
                fail(path, format!("cannot read '{}': {e}", path.display()));
                continue;
            }
        };
        let found: Vec<(PathBuf, Result<Entry, corpus::CorpusError>)> = if metadata.is_dir() {
            let files = match corpus::entry_files(path) {
                Ok(files) => files,
                Err(e) => {
                    fail(path, e.to_string());
                    continue;
                }
            };
            if files.is_empty() {
                bail!("directory '{}' holds no corpus entries (*.json){}", path.display(), {
                    subdirectory_hint(path)
                });
            }
            files.into_iter().map(|file| (file.clone(), Entry::load(&file))).collect()
        } else {
            vec![(path.clone(), Entry::load(path))]
        };
        for (path, entry) in found {
            let key = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if !seen.insert(key) {
                continue;
            }
            match entry {
                Ok(entry) => loaded.push(Loaded { path, entry }),
                Err(e) => fail(&path, e.to_string()),
            }
        }
    }
    Ok((loaded, unreadable))
}

/// A hint naming the subdirectories of `dir`, which `leash report` does not read.
fn subdirectory_hint(dir: &Path) -> String {
    let mut subdirectories: Vec<String> = fs::read_dir(dir)
        .map(|read| {
            read.filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| dir.join(e.file_name()).display().to_string())
                .collect()
        })
        .unwrap_or_default();
    subdirectories.sort();
    if subdirectories.is_empty() {
        String::new()
    } else {
        format!("; subdirectories are not read: name them instead ({})", subdirectories.join(", "))
    }
}

/// A report: findings (most severe first) and clean entries, with their counts.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    /// Always [`SCHEMA`].
    pub(crate) schema: &'static str,
    /// [`SCHEMA_VERSION`].
    pub(crate) schema_version: u32,
    /// The leash version that wrote it.
    pub(crate) leash: &'static str,
    /// Counts.
    pub(crate) summary: Summary,
    /// Entries that show a finding, most severe first.
    pub(crate) findings: Vec<FindingReport>,
    /// Entries that show none (regressions that must stay clean).
    pub(crate) clean: Vec<CleanReport>,
    /// Files that could not be read, so the report leaves them out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) unreadable: Vec<Unreadable>,
}

/// The counts of a report.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    /// Entries read.
    pub(crate) entries: usize,
    /// Entries with a finding.
    pub(crate) findings: usize,
    /// Entries without one.
    pub(crate) clean: usize,
    /// Findings per class, every class listed, most severe class first (`Class::ALL`).
    pub(crate) by_class: Vec<ClassCount>,
    /// Entries per module, by module label.
    pub(crate) modules: Vec<ModuleCount>,
}

/// How many findings one class has.
#[derive(Debug, Serialize)]
pub(crate) struct ClassCount {
    /// The class.
    pub(crate) class: Class,
    /// Its severity.
    pub(crate) severity: &'static str,
    /// Findings of the class.
    pub(crate) findings: usize,
}

/// Counts for one module.
#[derive(Debug, Serialize)]
pub(crate) struct ModuleCount {
    /// The module label: `reference`, `mutant:<name>` or an artifact path.
    pub(crate) module: String,
    /// Findings per class.
    pub(crate) findings: ClassCounts,
    /// Clean entries.
    pub(crate) clean: usize,
}

/// A count per class, every class named.
#[derive(Debug, Default, Serialize)]
pub(crate) struct ClassCounts {
    /// Bypass findings.
    pub(crate) bypass: usize,
    /// Strictness findings.
    pub(crate) strictness: usize,
    /// Liveness findings.
    pub(crate) liveness: usize,
    /// State findings.
    pub(crate) state: usize,
    /// Reason findings.
    pub(crate) reason: usize,
    /// Documented-limitation findings.
    pub(crate) limitation: usize,
}

impl ClassCounts {
    fn add(&mut self, class: Class) {
        *self.slot(class) += 1;
    }

    fn slot(&mut self, class: Class) -> &mut usize {
        match class {
            Class::Bypass => &mut self.bypass,
            Class::Strictness => &mut self.strictness,
            Class::Liveness => &mut self.liveness,
            Class::State => &mut self.state,
            Class::Reason => &mut self.reason,
            Class::Limitation => &mut self.limitation,
        }
    }

    /// The count of `class`.
    pub(crate) fn get(&self, class: Class) -> usize {
        match class {
            Class::Bypass => self.bypass,
            Class::Strictness => self.strictness,
            Class::Liveness => self.liveness,
            Class::State => self.state,
            Class::Reason => self.reason,
            Class::Limitation => self.limitation,
        }
    }
}

/// One finding of the report.
#[derive(Debug, Serialize)]
pub(crate) struct FindingReport {
    /// The entry's id.
    pub(crate) id: String,
    /// The entry's file.
    pub(crate) file: String,
    /// The module label.
    pub(crate) module: String,
    /// What the entry pins, in words (regressions carry one).
    pub(crate) note: Option<String>,
    /// The class (the entry's `expect`, else its finding's).
    pub(crate) class: Class,
    /// The class's severity.
    pub(crate) severity: &'static str,
    /// The clause of the spec's verdict (`§8.3`), else the first clause the detail names.
    pub(crate) spec_clause: Option<String>,
    /// What that clause denies, in words, when it is a denial clause.
    pub(crate) clause_text: Option<&'static str>,
    /// The clause the module's outcome cites (its denial), if any.
    pub(crate) module_clause: Option<String>,
    /// Every clause the finding names (spec verdict, detail, then the module's outcome).
    pub(crate) clauses: Vec<String>,
    /// The step where the finding shows.
    pub(crate) step: Option<usize>,
    /// The op of that step's bundle, for op findings.
    pub(crate) op: Option<usize>,
    /// What the spec (the model) decided.
    pub(crate) spec: Option<String>,
    /// What the module did.
    pub(crate) module_outcome: Option<String>,
    /// Why this is a finding.
    pub(crate) detail: Option<String>,
    /// The case.
    pub(crate) case: CaseReport,
    /// Where the case came from.
    pub(crate) provenance: Provenance,
    /// Shell commands that reproduce it.
    pub(crate) reproduce: Vec<String>,
    /// What the module cannot enforce of the policies the case installs (real modules only:
    /// the translation's intent gaps), each once.
    pub(crate) intent_gaps: Vec<leash_fuzz::modules::IntentGap>,
    /// The module's source lines on the path it took while validating the op, oldest first:
    /// the last is where it decided (empty when the finding records no path, or the module's
    /// artifact has no source map).
    pub(crate) code: Vec<CodeLocation>,
}

/// A source line a finding's path went through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct CodeLocation {
    /// The source file (relative to the current directory when under it).
    pub(crate) file: String,
    /// The 1-based line.
    pub(crate) line: usize,
    /// The line's text.
    pub(crate) source: String,
    /// Whether the branch there jumped (the condition held) or fell through.
    pub(crate) taken: bool,
    /// Whether a mutant's diff planted the line (`line` is then where it was inserted in the
    /// original file).
    pub(crate) planted: bool,
}

/// Reads findings' paths back to Solidity: one locator per module label, built on first use
/// from the label's artifacts and a deployed world's addresses.
#[derive(Default)]
struct Locators(std::collections::BTreeMap<String, Option<leash_fuzz::sources::Locator>>);

impl Locators {
    fn lines(
        &mut self,
        module: &str,
        path: &[leash_fuzz::evm::coverage::CodeBranch],
    ) -> Vec<CodeLocation> {
        if path.is_empty() {
            return Vec::new();
        }
        let locator = self.0.entry(module.to_owned()).or_insert_with(|| {
            let target = leash_fuzz::target::Target::from_label(module).ok()?;
            let world = target.world().ok()?;
            let a = world.addresses();
            let mut codes = vec![(a.account, &target.artifacts.account)];
            codes.extend(target.module_artifact().map(|m| (a.module, m)));
            Some(leash_fuzz::sources::Locator::new(&codes))
        });
        let Some(locator) = locator else { return Vec::new() };
        let mut out: Vec<CodeLocation> = Vec::new();
        for branch in path {
            // Only statements: the glue around functions and inlined constants decides nothing.
            let Some(line) = locator.line(branch).filter(|l| l.is_statement()) else { continue };
            let location = CodeLocation {
                file: line.path.display().to_string(),
                line: line.line,
                source: line.text,
                taken: branch.taken,
                planted: line.planted,
            };
            // Consecutive branches of one line (a condition's parts) read as one.
            if out.last().is_some_and(|l| l.file == location.file && l.line == location.line) {
                out.pop();
            }
            out.push(location);
        }
        out
    }
}

/// A case's size and its rendering.
#[derive(Debug, Serialize)]
pub(crate) struct CaseReport {
    /// Steps.
    pub(crate) steps: usize,
    /// Ops over all bundles.
    pub(crate) ops: usize,
    /// Whether an op was mutated into a non-canonical encoding.
    pub(crate) mutated: bool,
    /// The case in words (`src/render.rs`), one line each, indented two spaces per level.
    pub(crate) lines: Vec<String>,
}

/// A clean entry of the report.
#[derive(Debug, Serialize)]
pub(crate) struct CleanReport {
    /// The entry's id.
    pub(crate) id: String,
    /// The entry's file.
    pub(crate) file: String,
    /// The module label.
    pub(crate) module: String,
    /// What the entry pins, in words (regressions carry one).
    pub(crate) note: Option<String>,
    /// Steps.
    pub(crate) steps: usize,
    /// Ops.
    pub(crate) ops: usize,
}

/// The intent gaps of every policy `case` installs on the module `label` names, each once.
fn intent_gaps(label: &str, case: &leash_fuzz::case::Case) -> Vec<leash_fuzz::modules::IntentGap> {
    let mut gaps: Vec<leash_fuzz::modules::IntentGap> = Vec::new();
    for step in &case.steps {
        if let leash_fuzz::case::Step::Install { policy, .. } = step
            && let Some(translation) = leash_fuzz::target::translation_for_label(label, policy)
        {
            for gap in translation.gaps {
                if !gaps.contains(&gap) {
                    gaps.push(gap);
                }
            }
        }
    }
    gaps
}

/// `1 entry`, `3 entries`.
pub(crate) fn entries(count: usize) -> String {
    if count == 1 { "1 entry".to_string() } else { format!("{count} entries") }
}

/// The rank of a severity, most severe first.
fn severity_rank(severity: &str) -> usize {
    ["critical", "high", "medium", "low"].iter().position(|s| *s == severity).unwrap_or(4)
}

/// The index of a class in `Class::ALL`.
pub(crate) fn class_index(class: Class) -> usize {
    Class::ALL.iter().position(|c| *c == class).unwrap_or(Class::ALL.len())
}

/// Every spec clause `text` cites (`§8.3`, `§3.6.6`), in order.
pub(crate) fn clauses_in(text: &str) -> Vec<String> {
    let mut clauses = Vec::new();
    for (at, _) in text.match_indices('§') {
        let rest = &text[at + '§'.len_utf8()..];
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number = rest[..end].trim_end_matches('.');
        if !number.is_empty() {
            clauses.push(format!("§{number}"));
        }
    }
    clauses
}

/// What a denial clause denies, in words (`§8.3`: "transferFrom moves tokens of another address").
fn clause_text(clause: &str) -> Option<&'static str> {
    DenyReason::ALL.iter().find(|r| r.clause() == clause).map(|r| r.describe())
}

/// `path` quoted for a POSIX shell when it needs it.
pub(crate) fn shell_quote(path: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c);
    if !path.is_empty() && path.chars().all(plain) {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}

impl Report {
    /// The report of `loaded`, listing the files that could not be read.
    pub(crate) fn new(loaded: &[Loaded], unreadable: Vec<Unreadable>) -> Self {
        let mut locators = Locators::default();
        let mut findings = Vec::new();
        let mut clean = Vec::new();
        for Loaded { path, entry } in loaded {
            let file = path.display().to_string();
            let class = entry.expect.or(entry.finding.as_ref().map(|f| f.class));
            let Some(class) = class else {
                clean.push(CleanReport {
                    id: entry.id.clone(),
                    file,
                    module: entry.module.clone(),
                    note: entry.note.clone(),
                    steps: entry.case.steps.len(),
                    ops: entry.case.op_count(),
                });
                continue;
            };
            let finding = entry.finding.as_ref();
            let mut clauses = Vec::new();
            if let Some(f) = finding {
                for clause in clauses_in(&f.model)
                    .into_iter()
                    .chain(clauses_in(&f.detail))
                    .chain(clauses_in(&f.module))
                {
                    if !clauses.contains(&clause) {
                        clauses.push(clause);
                    }
                }
            }
            let spec_clause = finding
                .and_then(|f| clauses_in(&f.model).into_iter().chain(clauses_in(&f.detail)).next());
            let mark = finding.map(|f| Mark { step: f.step, op: f.op });
            let quoted = shell_quote(&file);
            findings.push(FindingReport {
                id: entry.id.clone(),
                module: entry.module.clone(),
                note: entry.note.clone(),
                class,
                severity: class.severity(),
                clause_text: spec_clause.as_deref().and_then(clause_text),
                module_clause: finding.and_then(|f| clauses_in(&f.module).into_iter().next()),
                spec_clause,
                clauses,
                step: finding.map(|f| f.step),
                op: finding.and_then(|f| f.op),
                spec: finding.map(|f| f.model.clone()),
                module_outcome: finding.map(|f| f.module.clone()),
                detail: finding.map(|f| f.detail.clone()),
                case: CaseReport {
                    steps: entry.case.steps.len(),
                    ops: entry.case.op_count(),
                    mutated: entry.case.is_mutated(),
                    lines: render::case_lines(&entry.case, mark),
                },
                provenance: entry.provenance.clone(),
                reproduce: vec![
                    format!("leash replay {quoted}"),
                    format!("leash export foundry {quoted}"),
                ],
                intent_gaps: intent_gaps(&entry.module, &entry.case),
                code: finding.map_or_else(Vec::new, |f| locators.lines(&entry.module, &f.path)),
                file,
            });
        }
        findings.sort_by(|a, b| {
            (severity_rank(a.severity), class_index(a.class), &a.module, &a.file).cmp(&(
                severity_rank(b.severity),
                class_index(b.class),
                &b.module,
                &b.file,
            ))
        });
        let by_class = Class::ALL
            .iter()
            .map(|class| ClassCount {
                class: *class,
                severity: class.severity(),
                findings: findings.iter().filter(|f| f.class == *class).count(),
            })
            .collect();
        let mut modules: Vec<ModuleCount> = Vec::new();
        let mut module = |label: &str| -> usize {
            match modules.iter().position(|m| m.module == label) {
                Some(i) => i,
                None => {
                    modules.push(ModuleCount {
                        module: label.to_string(),
                        findings: ClassCounts::default(),
                        clean: 0,
                    });
                    modules.len() - 1
                }
            }
        };
        let mut counted: Vec<(usize, Option<Class>)> = Vec::new();
        for f in &findings {
            counted.push((module(&f.module), Some(f.class)));
        }
        for c in &clean {
            counted.push((module(&c.module), None));
        }
        for (i, class) in counted {
            match class {
                Some(class) => modules[i].findings.add(class),
                None => modules[i].clean += 1,
            }
        }
        modules.sort_by(|a, b| a.module.cmp(&b.module));
        Self {
            schema: SCHEMA,
            schema_version: SCHEMA_VERSION,
            leash: env!("CARGO_PKG_VERSION"),
            summary: Summary {
                entries: loaded.len(),
                findings: findings.len(),
                clean: clean.len(),
                by_class,
                modules,
            },
            findings,
            clean,
            unreadable,
        }
    }
}

impl Run for ReportArgs {
    fn run(self) -> anyhow::Result<Outcome> {
        let (loaded, unreadable) = load_paths(&self.paths)?;
        if loaded.is_empty()
            && let Some(first) = unreadable.first()
        {
            // Nothing to report: the one error is the report.
            bail!("{}", first.error);
        }
        let report = Report::new(&loaded, unreadable);
        let mut text = match self.format {
            ReportFormat::Markdown => markdown::render(&report),
            ReportFormat::Json => serde_json::to_string_pretty(&report)?,
            ReportFormat::Sarif => serde_json::to_string_pretty(&sarif::render(&report))?,
        };
        if !text.ends_with('\n') {
            text.push('\n');
        }
        match &self.out {
            Some(out) => {
                fs::write(out, text.as_bytes())
                    .with_context(|| format!("cannot write the report to '{}'", out.display()))?;
                writeln!(
                    io::stdout(),
                    "wrote the {} report ({} in {}) to {}",
                    self.format.name(),
                    human::plural(report.summary.findings as u64, "finding"),
                    entries(report.summary.entries),
                    out.display()
                )?;
            }
            None => {
                let mut stdout = io::stdout().lock();
                stdout.write_all(text.as_bytes())?;
                stdout.flush()?;
            }
        }
        if !report.unreadable.is_empty() {
            let listed: Vec<String> = report.unreadable.iter().map(|u| u.error.clone()).collect();
            bail!(
                "the report leaves out {} that could not be read: {}",
                human::plural(report.unreadable.len() as u64, "corpus file"),
                listed.join("; ")
            );
        }
        Ok(Outcome::Clean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_are_found_in_order() {
        assert_eq!(
            clauses_in("deny: x (spec §3.6.6) at execution 0; y (spec §4.1)."),
            ["§3.6.6", "§4.1"]
        );
        assert_eq!(clauses_in("§ nothing"), Vec::<String>::new());
        assert_eq!(clause_text("§8.3"), Some("transferFrom moves tokens of another address"));
        assert_eq!(clause_text("§1.1"), None);
    }

    #[test]
    fn paths_are_quoted_for_the_shell_when_needed() {
        assert_eq!(shell_quote("corpus/findings/bypass-1.json"), "corpus/findings/bypass-1.json");
        assert_eq!(shell_quote("my corpus/x.json"), "'my corpus/x.json'");
        assert_eq!(shell_quote("it's.json"), r"'it'\''s.json'");
    }
}
