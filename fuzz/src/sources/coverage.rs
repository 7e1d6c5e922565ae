//! Coverage of a module's Solidity: what a campaign's [`Reached`] edges and blocks mean in
//! lines and branches, as a summary and as lcov (`genhtml` renders it).
//!
//! A **branch** is one direction of a `JUMPI` whose source map names a source file: every such
//! `JUMPI` gives two. A **line** is instrumented when an instruction maps to it, and hit when
//! the basic block holding that instruction was entered: the code's first block, a `JUMPDEST`
//! that executed, or the fall-through of a `JUMPI` whose jump was not taken.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use alloy_primitives::Address;

use super::{CodeSources, Line, SourceError};
use crate::evm::Artifact;
use crate::evm::Reached;
use crate::evm::coverage::{JUMPDEST, JUMPI};

/// One direction of a `JUMPI` of source code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    /// Where the `JUMPI` comes from.
    pub line: Line,
    /// Its pc.
    pub pc: u32,
    /// The direction: the jump taken, or not taken (fall through).
    pub taken: bool,
    /// Whether a case went this way.
    pub reached: bool,
    /// Whether the `JUMPI` executed at all (either way).
    pub executed: bool,
}

/// One covered code's coverage.
#[derive(Clone, Debug)]
pub struct CodeCoverage {
    /// Its name in reports (`module`, `account`).
    pub name: String,
    /// Where it is deployed.
    pub address: Address,
    /// Its source branches, by pc, then direction (taken first).
    pub branches: Vec<Branch>,
    /// Its instrumented lines and whether each was hit.
    pub lines: BTreeMap<(PathBuf, usize), bool>,
    /// `JUMPI` directions with no source (compiler-generated code): reached, total.
    pub generated: (usize, usize),
}

impl CodeCoverage {
    /// Source branches reached, and in all.
    pub fn branch_counts(&self) -> (usize, usize) {
        (self.branches.iter().filter(|b| b.reached).count(), self.branches.len())
    }

    /// Lines hit, and instrumented.
    pub fn line_counts(&self) -> (usize, usize) {
        (self.lines.values().filter(|h| **h).count(), self.lines.len())
    }

    /// Source branches reached, and in all, per file.
    pub fn per_file(&self) -> BTreeMap<PathBuf, (usize, usize)> {
        let mut out: BTreeMap<PathBuf, (usize, usize)> = BTreeMap::new();
        for b in &self.branches {
            let e = out.entry(b.line.path.clone()).or_default();
            e.0 += usize::from(b.reached);
            e.1 += 1;
        }
        out
    }
}

fn ends_block(op: u8) -> bool {
    // JUMP, JUMPI, STOP, RETURN, REVERT, INVALID, SELFDESTRUCT.
    matches!(op, 0x56 | JUMPI | 0x00 | 0xf3 | 0xfd | 0xfe | 0xff)
}

/// Reads what `reached` says about the code at `address` built from `artifact`.
pub fn code_coverage(
    name: &str,
    address: Address,
    artifact: &Artifact,
    reached: &Reached,
) -> Result<CodeCoverage, SourceError> {
    let sources = CodeSources::new(artifact)?;
    let empty_edges = BTreeSet::new();
    let empty_blocks = BTreeSet::new();
    let edges = reached.edges.get(&address).unwrap_or(&empty_edges);
    let blocks = reached.blocks.get(&address).unwrap_or(&empty_blocks);
    let ran = !edges.is_empty() || !blocks.is_empty();
    let mut coverage = CodeCoverage {
        name: name.into(),
        address,
        branches: Vec::new(),
        lines: BTreeMap::new(),
        generated: (0, 0),
    };
    let mut block_reached = ran;
    let mut previous: Option<(u32, u8)> = None;
    for (pc, op, located) in sources.instructions() {
        // A new block starts at a JUMPDEST and after anything that ends one.
        if op == JUMPDEST {
            block_reached = blocks.contains(&pc);
        } else if let Some((prev_pc, prev_op)) = previous
            && ends_block(prev_op)
        {
            block_reached = prev_op == JUMPI && edges.contains(&(prev_pc, false));
        }
        previous = Some((pc, op));
        if let Some((source, offset, span)) = located {
            let line = source.line_at(offset, span);
            let hit = coverage.lines.entry((line.path.clone(), line.line)).or_insert(false);
            *hit |= block_reached;
            if op == JUMPI {
                let executed = edges.contains(&(pc, true)) || edges.contains(&(pc, false));
                for taken in [true, false] {
                    coverage.branches.push(Branch {
                        line: line.clone(),
                        pc,
                        taken,
                        reached: edges.contains(&(pc, taken)),
                        executed,
                    });
                }
            }
        } else if op == JUMPI {
            coverage.generated.1 += 2;
            coverage.generated.0 += usize::from(edges.contains(&(pc, true)))
                + usize::from(edges.contains(&(pc, false)));
        }
    }
    Ok(coverage)
}

/// The lcov tracefile of `codes`: one record per source file (codes sharing a file merge), with
/// line (`DA`) and branch (`BRDA`) data. `genhtml --branch-coverage` renders it.
pub fn lcov(codes: &[CodeCoverage]) -> String {
    let mut lines: BTreeMap<PathBuf, BTreeMap<usize, bool>> = BTreeMap::new();
    let mut branches: BTreeMap<PathBuf, Vec<(usize, String, &Branch)>> = BTreeMap::new();
    for code in codes {
        for ((path, line), hit) in &code.lines {
            *lines.entry(path.clone()).or_default().entry(*line).or_insert(false) |= *hit;
        }
        for b in &code.branches {
            let block = format!("{}{}", code.name, b.pc);
            branches.entry(b.line.path.clone()).or_default().push((b.line.line, block, b));
        }
    }
    let mut out = String::from("TN:leash\n");
    let files: BTreeSet<&PathBuf> = lines.keys().chain(branches.keys()).collect();
    for path in files {
        let _ = writeln!(out, "SF:{}", path.display());
        let file_lines = lines.get(path).cloned().unwrap_or_default();
        for (line, hit) in &file_lines {
            let _ = writeln!(out, "DA:{line},{}", u8::from(*hit));
        }
        let mut file_branches = branches.get(path).cloned().unwrap_or_default();
        file_branches.sort_by(|a, b| (a.0, &a.1, !a.2.taken).cmp(&(b.0, &b.1, !b.2.taken)));
        // lcov numbers blocks per line; a JUMPI is a block with two branches.
        let mut block_ids: BTreeMap<(usize, String), usize> = BTreeMap::new();
        for (line, block, b) in &file_branches {
            let next = block_ids.len();
            let id = *block_ids.entry((*line, block.clone())).or_insert(next);
            let taken = match (b.executed, b.reached) {
                (false, _) => "-".to_owned(),
                (true, reached) => u8::from(reached).to_string(),
            };
            let _ = writeln!(out, "BRDA:{line},{id},{},{taken}", u8::from(!b.taken));
        }
        let found = file_branches.len();
        let hit = file_branches.iter().filter(|(_, _, b)| b.reached).count();
        let _ = writeln!(out, "BRF:{found}\nBRH:{hit}");
        let _ = writeln!(
            out,
            "LF:{}\nLH:{}",
            file_lines.len(),
            file_lines.values().filter(|h| **h).count()
        );
        out.push_str("end_of_record\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-branch contract: `PUSH1 1 PUSH1 6 JUMPI STOP JUMPDEST STOP`, every instruction
    /// mapped to line 1 of a one-source build info whose file is this crate's Cargo.toml.
    fn artifact() -> Artifact {
        let json = r#"{"abi": [], "bytecode": {"object": "0x00"},
            "deployedBytecode": {"object": "0x6001600657005b00", "sourceMap": "9:1:0;;;;;"},
            "id": 0, "metadata": {"settings": {"compilationTarget": {"Cargo.toml": "X"}}}}"#;
        let info = r#"{"source_id_to_path": {"0": "Cargo.toml"}}"#;
        Artifact::from_json("t", json)
            .unwrap()
            .with_build_info(info, PathBuf::from(env!("CARGO_MANIFEST_DIR")))
    }

    #[test]
    fn edges_become_branches_and_blocks_become_lines() {
        let a = artifact();
        let address = Address::with_last_byte(7);
        let mut reached = Reached::default();
        reached.edges.insert(address, BTreeSet::from([(4, true)]));
        reached.blocks.insert(address, BTreeSet::from([6]));
        let c = code_coverage("module", address, &a, &reached).unwrap();
        assert_eq!(c.branch_counts(), (1, 2));
        assert_eq!(c.line_counts(), (1, 1));
        let text = lcov(&[c]);
        assert!(text.contains("BRDA:1,0,0,1\nBRDA:1,0,1,0\nBRF:2\nBRH:1\n"), "{text}");
        assert!(text.contains("DA:1,1\n") && text.ends_with("end_of_record\n"), "{text}");
        // Never executed: lcov's "-".
        let none = code_coverage("module", address, &a, &Reached::default()).unwrap();
        assert_eq!(none.line_counts(), (0, 1));
        assert!(lcov(&[none]).contains("BRDA:1,0,0,-\n"));
    }

    #[test]
    fn an_artifact_without_a_source_map_says_so() {
        let json = r#"{"abi": [], "bytecode": {"object": "0x00"}, "deployedBytecode": {"object": "0x00"}}"#;
        let a = Artifact::from_json("m.json", json).unwrap();
        let err = code_coverage("module", Address::ZERO, &a, &Reached::default()).unwrap_err();
        assert!(err.to_string().contains("'m.json' has no deployedBytecode.sourceMap"), "{err}");
    }
}
