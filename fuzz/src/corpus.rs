//! The on-disk corpus: findings and regressions as versioned JSON, written atomically.
//!
//! ```text
//! corpus/
//!   README.md             the format, documented
//!   regressions/<id>.json minimized reproducers committed to the repository; `cargo test`
//!                         replays every one against the module it names
//!   findings/<id>.json    what campaigns write (by default; `--out` changes it)
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::case::Case;
use crate::finding::{Class, Finding};

mod format;

pub use format::case_to_json;
#[cfg(test)]
pub(crate) use format::mutation_json;

/// The `format` field of every entry.
pub const FORMAT: &str = "leash-corpus";
/// The version this leash reads and writes.
pub const VERSION: u32 = 1;

/// One corpus entry: a case, what it shows, and where it came from. Its file format is spelled
/// in `format.rs`, apart from these types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version, [`VERSION`].
    pub version: u32,
    /// A stable identifier derived from the content.
    pub id: String,
    /// The module the case was run against: `reference`, `mutant:<name>` or a path.
    pub module: String,
    /// What running the case against `module` shows: a finding of this class, or none.
    pub expect: Option<Class>,
    /// The finding as first seen, for humans.
    pub finding: Option<Finding>,
    /// What the entry reproduces, in words (regressions say which bug they pin).
    pub note: Option<String>,
    /// Where the case came from.
    pub provenance: Provenance,
    /// The case itself.
    pub case: Case,
    /// The generator input the case was made from, when a campaign made it (trailing zero
    /// bytes dropped): a campaign resuming from a corpus directory mutates it further.
    pub input: Vec<u8>,
}

/// How a case was found, so it can be found again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The campaign's seed.
    pub seed: u64,
    /// The worker that found it.
    pub worker: u32,
    /// The worker's execution count when it found it.
    pub exec: u64,
    /// Whether calldata mutation was on.
    pub mutate: bool,
    /// The leash version.
    pub leash: String,
    /// Whether the case was minimized.
    pub minimized: bool,
}

/// Why a corpus file could not be read or written. Messages name the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CorpusError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file could not be read within its limit.
    #[error("cannot read corpus entry '{path}': {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: crate::limits::ReadError,
    },
    /// The file is not a valid entry.
    #[error("{path}: not a leash corpus entry: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Entry {
    /// A new entry; the id is derived from the module, the expectation and the case.
    pub fn new(
        module: impl Into<String>,
        expect: Option<Class>,
        finding: Option<Finding>,
        provenance: Provenance,
        case: Case,
    ) -> Self {
        let module = module.into();
        let mut entry = Self {
            format: FORMAT.into(),
            version: VERSION,
            id: String::new(),
            module,
            expect,
            finding,
            note: None,
            provenance,
            case,
            input: Vec::new(),
        };
        let content = format::id_content(&entry.module, entry.expect, &entry.case);
        let hash = alloy_primitives::keccak256(content);
        let class = entry.expect.map_or("clean", Class::name);
        entry.id = format!("{class}-{}", &alloy_primitives::hex::encode(hash)[..12]);
        entry
    }

    /// Reads and checks an entry: its format and version, and its case against the harness's
    /// limits (`Case::check`).
    pub fn load(path: &Path) -> Result<Self, CorpusError> {
        let text = crate::limits::read_text(path, crate::limits::MAX_ENTRY_BYTES)
            .map_err(|source| CorpusError::Read { path: path.into(), source })?;
        Self::from_json(&text)
            .map_err(|message| CorpusError::Invalid { path: path.into(), message })
    }

    /// Parses and checks an entry's JSON text as [`Entry::load`] does (format, version, the
    /// case within the harness's limits); the error is one line saying what is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let entry: Entry =
            serde_json::from_str(text).map_err(|e| crate::limits::one_line(&e.to_string()))?;
        if entry.format != FORMAT {
            return Err(format!("format is {:?}, expected {FORMAT:?}", entry.format));
        }
        if entry.version != VERSION {
            return Err(format!(
                "version {} is not supported (this leash reads {VERSION})",
                entry.version
            ));
        }
        entry.case.check()?;
        Ok(entry)
    }

    /// The same entry carrying the generator input it was made from (trailing zeros dropped).
    pub fn with_input(mut self, input: &[u8]) -> Self {
        let end = input.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        self.input = input[..end].to_vec();
        self
    }

    /// Writes the entry to `dir/<id>.json` atomically (a temporary file, synced, then renamed,
    /// then the directory synced), so a crash never leaves a half-written finding and a kill
    /// never loses a written one. Returns the path. When the write fails (a full disk, a
    /// read-only directory) the temporary file is removed; when the process is killed between
    /// the sync and the rename, the complete temporary file is what [`recover`] renames into
    /// place on the next campaign.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, CorpusError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CorpusError::Io { path, source }
        };
        fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(format!("{}.json", self.id));
        let tmp = dir.join(format!(".{}.json{TMP_SUFFIX}{}", self.id, std::process::id()));
        let json = self.to_json();
        let written = fs::File::create(&tmp).and_then(|mut file| {
            file.write_all(json.as_bytes())?;
            file.sync_all()
        });
        if let Err(source) = written.and_then(|()| fs::rename(&tmp, &path)) {
            let _ = fs::remove_file(&tmp);
            return Err(CorpusError::Io { path, source });
        }
        // The rename is durable once the directory is synced (where directories can be opened).
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(path)
    }

    /// The entry as it is written to a file: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("entries serialize");
        json.push('\n');
        json
    }
}

/// What follows `<id>.json` (and precedes a process id) in the name of a temporary file.
const TMP_SUFFIX: &str = ".tmp-";

/// Renames into place the complete entries a killed campaign left in temporary files in `dir`
/// (`.<id>.json.tmp-<pid>`, synced before the rename it did not live to do), and returns their
/// paths. A temporary file that does not hold a complete entry with its id is left alone: it
/// may be another campaign's, being written now. A missing directory has nothing to recover.
pub fn recover(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(CorpusError::Io { path: dir.into(), source }),
    };
    let mut recovered = Vec::new();
    for tmp in read.filter_map(|e| e.ok().map(|e| e.path())) {
        let Some(name) = tmp.file_name().and_then(|n| n.to_str()) else { continue };
        if !tmp.is_file() {
            continue;
        }
        let Some(id) = name
            .strip_prefix('.')
            .and_then(|n| n.split_once(TMP_SUFFIX))
            .and_then(|(file, _)| file.strip_suffix(".json"))
        else {
            continue;
        };
        let path = dir.join(format!("{id}.json"));
        let complete = Entry::load(&tmp).is_ok_and(|entry| entry.id == id);
        if complete && !path.exists() {
            fs::rename(&tmp, &path)
                .map_err(|source| CorpusError::Io { path: path.clone(), source })?;
            recovered.push(path);
        } else if complete {
            // The entry was written after all (by the rename of another campaign).
            let _ = fs::remove_file(&tmp);
        }
    }
    recovered.sort();
    Ok(recovered)
}

/// Every `*.json` entry in `dir`, sorted by file name. A missing directory is empty.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, Entry)>, CorpusError> {
    entry_files(dir)?.into_iter().map(|p| Entry::load(&p).map(|e| (p, e))).collect()
}

/// The regular `*.json` files in `dir` (not its subdirectories, nor pipes or devices, which
/// could block a reader forever), sorted by name. A missing directory has none.
pub fn entry_files(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(CorpusError::Io { path: dir.into(), source }),
    };
    let mut paths: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        .collect();
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry::new(
            "reference",
            Some(Class::Bypass),
            None,
            Provenance { seed: 7, ..Provenance::default() },
            Case::default(),
        )
    }

    #[test]
    fn a_misspelt_field_with_a_line_break_is_reported_on_one_line() {
        let text = entry().to_json().replacen("\"module\"", "\"mod\\nule\"", 1);
        let message = Entry::from_json(&text).unwrap_err();
        assert!(message.starts_with("unknown field `mod\\nule`"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn ids_follow_content_and_entries_round_trip() {
        let a = entry();
        assert!(a.id.starts_with("bypass-"));
        assert_eq!(a.id, entry().id);
        let dir = std::env::temp_dir().join(format!("leash-corpus-test-{}", std::process::id()));
        let path = a.write(&dir).unwrap();
        assert_eq!(Entry::load(&path).unwrap(), a);
        assert_eq!(load_dir(&dir).unwrap().len(), 1);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Issue #17 D10: a complete temporary file left by a SIGKILL between the sync and the
    /// rename held a finding missing from the corpus.
    #[test]
    fn complete_temporary_files_a_killed_campaign_left_are_recovered() {
        let dir = std::env::temp_dir().join(format!("leash-corpus-recover-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let a = entry();
        fs::write(dir.join(format!(".{}.json.tmp-999999", a.id)), a.to_json()).unwrap();
        // Another campaign's file, half written: left alone.
        fs::write(dir.join(".bypass-0123456789ab.json.tmp-999998"), "{\"format\"").unwrap();
        let recovered = recover(&dir).unwrap();
        assert_eq!(recovered, [dir.join(format!("{}.json", a.id))]);
        assert_eq!(Entry::load(&recovered[0]).unwrap(), a);
        assert_eq!(load_dir(&dir).unwrap().len(), 1);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
        assert!(recover(&dir.join("missing")).unwrap().is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_entries_name_the_file_and_the_problem() {
        let dir = std::env::temp_dir().join(format!("leash-corpus-bad-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.json");
        fs::write(&path, "{\"format\": \"other\"}").unwrap();
        let err = Entry::load(&path).unwrap_err().to_string();
        assert!(err.contains("x.json") && err.contains("missing field"), "{err}");
        let mut e = serde_json::to_value(entry()).unwrap();
        e["version"] = 9.into();
        fs::write(&path, e.to_string()).unwrap();
        let err = Entry::load(&path).unwrap_err().to_string();
        assert!(err.contains("version 9 is not supported"), "{err}");
        assert!(load_dir(&dir.join("missing")).unwrap().is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
