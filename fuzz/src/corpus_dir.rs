//! A persistent campaign corpus: a directory of corpus entries (`corpus/README.md`) that a
//! campaign loads at start, adds every input that reached new coverage to, and shares with
//! other campaigns writing to the same directory.
//!
//! Sharing works the way AFL++ instances share a sync directory, without locks: every entry is
//! written atomically under a name derived from its content (a temporary file, synced, renamed),
//! so concurrent writers never see or leave half a file and two writers of the same entry write
//! the same bytes. Each worker remembers the names it has seen and, every so often, runs the
//! entries that appeared since (written by other processes), keeping those that reach coverage
//! it has not. Nothing is ever deleted by a campaign; `leash corpus cmin` removes entries whose
//! coverage others keep.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::corpus::{CorpusError, Entry};
use crate::run::Runner;

/// A corpus directory, shared by the workers of one campaign.
#[derive(Debug)]
pub struct CorpusDir {
    path: PathBuf,
    /// Names this process wrote: its workers do not import each other's entries (a worker stays
    /// deterministic for its seed and budget when no other process writes here).
    written: Mutex<HashSet<OsString>>,
}

impl CorpusDir {
    /// Opens (creating it if needed) the directory at `path`.
    pub fn open(path: &Path) -> Result<Self, CorpusError> {
        fs::create_dir_all(path)
            .map_err(|source| CorpusError::Io { path: path.to_path_buf(), source })?;
        Ok(Self { path: path.to_path_buf(), written: Mutex::new(HashSet::new()) })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The names of the entries in the directory now, sorted. Temporary files of writers in
    /// progress (`.<id>.json.tmp-<pid>`) are not entries.
    pub fn names(&self) -> Result<Vec<OsString>, CorpusError> {
        let read = fs::read_dir(&self.path)
            .map_err(|source| CorpusError::Io { path: self.path.clone(), source })?;
        let mut names: Vec<OsString> = read
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .filter(|n| {
                let n = n.to_string_lossy();
                n.ends_with(".json") && !n.starts_with('.')
            })
            .collect();
        names.sort();
        Ok(names)
    }

    /// Reads the entry named `name`.
    pub fn load(&self, name: &OsString) -> Result<Entry, CorpusError> {
        Entry::load(&self.path.join(name))
    }

    /// The entries that appeared since `known` was filled (and are not this process's own),
    /// sorted by name; their names join `known`. Entries that do not load are skipped and
    /// counted in the second value (another tool's file, or a newer format).
    pub fn new_entries(
        &self,
        known: &mut HashSet<OsString>,
    ) -> Result<(Vec<Entry>, usize), CorpusError> {
        let written = self.written.lock().expect("no writer panics holding it").clone();
        let mut entries = Vec::new();
        let mut bad = 0;
        for name in self.names()? {
            if written.contains(&name) || !known.insert(name.clone()) {
                continue;
            }
            match self.load(&name) {
                Ok(entry) => entries.push(entry),
                Err(_) => bad += 1,
            }
        }
        Ok((entries, bad))
    }

    /// Saves `entry` atomically; returns its path.
    pub fn save(&self, entry: &Entry) -> Result<PathBuf, CorpusError> {
        let path = entry.write(&self.path)?;
        if let Some(name) = path.file_name() {
            self.written.lock().expect("no writer panics holding it").insert(name.to_owned());
        }
        Ok(path)
    }
}

/// The entries of a corpus that keep all of its coverage: for every behaviour feature and edge
/// (with its hit-count bucket) any entry reaches, the smallest entry reaching it (fewest ops,
/// then first in order) is kept. Returns the indices kept, in order. What `leash corpus cmin`
/// (and AFL's `afl-cmin`) does.
pub fn minimal_cover(runner: &mut Runner, entries: &[Entry]) -> Vec<usize> {
    let mut best: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let report = runner.run(&entry.case);
        let size = entry.case.op_count();
        for feature in report.features.iter().chain(&report.edges) {
            let slot = best.entry(*feature).or_insert((size, i));
            if (size, i) < *slot {
                *slot = (size, i);
            }
        }
    }
    let kept: BTreeSet<usize> = best.values().map(|(_, i)| *i).collect();
    kept.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Case;
    use crate::corpus::Provenance;

    #[test]
    fn a_worker_sees_other_writers_entries_once_and_never_its_own() {
        let dir = std::env::temp_dir().join(format!("leash-corpus-dir-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let ours = CorpusDir::open(&dir).unwrap();
        let other = CorpusDir::open(&dir).unwrap();
        let entry = |seed: u64| {
            let provenance = Provenance { seed, ..Provenance::default() };
            let mut case = Case::default();
            case.steps.push(crate::case::Step::Time { now: seed });
            Entry::new("reference", None, None, provenance, case).with_input(&[1, 2, 0, 0])
        };
        ours.save(&entry(1)).unwrap();
        other.save(&entry(2)).unwrap();
        // A writer's temporary file is not an entry.
        fs::write(dir.join(".x.json.tmp-1"), "{").unwrap();
        let mut known = HashSet::new();
        let (seen, bad) = ours.new_entries(&mut known).unwrap();
        assert_eq!((seen.len(), bad), (1, 0));
        assert_eq!(seen[0].provenance.seed, 2);
        assert_eq!(seen[0].input, vec![1, 2]);
        assert!(ours.new_entries(&mut known).unwrap().0.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_minimal_cover_keeps_one_of_two_identical_entries_and_every_distinct_one() {
        let target = crate::target::Target::reference().unwrap();
        let mut runner = Runner::for_target(&target, crate::run::RunConfig::campaign()).unwrap();
        let catalog = crate::generate::Catalog::reference(runner.world().addresses());
        let mut rng = crate::engine::SplitMix64::new(3);
        let mut cases = Vec::new();
        while cases.len() < 3 {
            let mut input = vec![0u8; 4096];
            rng.fill(&mut input);
            let mut u = arbitrary::Unstructured::new(&input);
            if let Ok(case) = crate::generate::generate_case(&mut u, &catalog, &Default::default())
            {
                cases.push(case);
            }
        }
        let entry = |case: &crate::case::Case| {
            Entry::new("reference", None, None, Provenance::default(), case.clone())
        };
        // The first case twice: the second copy adds nothing.
        let entries = vec![entry(&cases[0]), entry(&cases[0]), entry(&cases[1]), entry(&cases[2])];
        let kept = minimal_cover(&mut runner, &entries);
        assert!(kept.contains(&0) && !kept.contains(&1), "{kept:?}");
        // Keeping the cover loses nothing: every feature of the whole set is reached by it.
        let reach = |runner: &mut Runner, which: &[usize]| -> BTreeSet<u32> {
            which
                .iter()
                .flat_map(|i| {
                    let r = runner.run(&entries[*i].case);
                    r.features.into_iter().chain(r.edges)
                })
                .collect()
        };
        assert_eq!(reach(&mut runner, &kept), reach(&mut runner, &[0, 1, 2, 3]));
    }
}
