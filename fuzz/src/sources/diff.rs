//! Unified diffs as the reference mutants keep them (`reference-contracts/mutants/<name>/
//! mutant.diff`): applied to the original source the way `build.mjs` applies them, so a
//! mutant's source maps can be read, and its lines mapped back to the original file's.

/// One hunk: where it starts in the original, and its lines as (op, text) with op ` `, `-` or
/// `+`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Hunk {
    old_start: usize,
    old_count: usize,
    lines: Vec<(u8, String)>,
}

/// One file of a diff: the `---` label, the `+++` label, and the hunks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiff {
    /// The original file (`src/SessionManager.sol`).
    pub base: String,
    /// The patched file's name (`mutants/<name>/SessionManager.sol`).
    pub unit: String,
    hunks: Vec<Hunk>,
}

/// A patched text and, for each of its lines (1-based), the original line it comes from: the
/// same line for context, the nearest original line for added ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patched {
    /// The patched text.
    pub text: String,
    /// `origin[k]` is the original line of patched line `k + 1`, and whether the line was added
    /// by the diff.
    pub origin: Vec<(usize, bool)>,
}

fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Parses a unified diff. The error names the line that does not parse.
pub fn parse(text: &str) -> Result<Vec<FileDiff>, String> {
    let lines = split_lines(text);
    let mut files = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let (Some(base), Some(unit)) = (
            lines[k].strip_prefix("--- ").map(str::trim_end),
            lines.get(k + 1).and_then(|l| l.strip_prefix("+++ ")).map(str::trim_end),
        ) else {
            return Err(format!("line {}: expected a `--- file` / `+++ file` header", k + 1));
        };
        k += 2;
        let mut file = FileDiff { base: base.into(), unit: unit.into(), hunks: Vec::new() };
        while k < lines.len() && lines[k].starts_with("@@") {
            let header = lines[k].trim_end();
            let bad = || format!("line {}: malformed hunk header {header:?}", k + 1);
            let ranges: Vec<&str> = header.split_whitespace().skip(1).take(2).collect();
            let range = |r: &str| -> Option<(usize, usize)> {
                let r = &r[1..];
                let mut parts = r.split(',');
                let start = parts.next()?.parse().ok()?;
                let count = parts.next().map_or(Some(1), |c| c.parse().ok())?;
                Some((start, count))
            };
            let (old_start, old_count) = ranges.first().and_then(|r| range(r)).ok_or_else(bad)?;
            let (_, new_count) = ranges.get(1).and_then(|r| range(r)).ok_or_else(bad)?;
            k += 1;
            let mut hunk = Hunk { old_start, old_count, lines: Vec::new() };
            let (mut old_seen, mut new_seen) = (0, 0);
            while old_seen < old_count || new_seen < new_count {
                let line = lines.get(k).ok_or_else(|| format!("the diff ends inside {header}"))?;
                let op = line.as_bytes().first().copied().unwrap_or(b' ');
                if !matches!(op, b' ' | b'-' | b'+') {
                    return Err(format!("line {}: not a hunk line", k + 1));
                }
                let mut body = line.get(1..).unwrap_or("").to_owned();
                k += 1;
                if lines.get(k).is_some_and(|l| l.starts_with("\\ No newline at end of file")) {
                    body = body.trim_end_matches('\n').to_owned();
                    k += 1;
                }
                old_seen += usize::from(op != b'+');
                new_seen += usize::from(op != b'-');
                hunk.lines.push((op, body));
            }
            file.hunks.push(hunk);
        }
        files.push(file);
    }
    Ok(files)
}

impl FileDiff {
    /// Applies the hunks to `original`: each where its context and removed lines stand, at its
    /// stated line or the nearest line where they do.
    pub fn apply(&self, original: &str) -> Result<Patched, String> {
        let lines = split_lines(original);
        let mut text = String::with_capacity(original.len() + 256);
        let mut origin = Vec::with_capacity(lines.len() + 8);
        let mut copied = 0;
        for hunk in &self.hunks {
            let old: Vec<&str> =
                hunk.lines.iter().filter(|(op, _)| *op != b'+').map(|(_, l)| l.as_str()).collect();
            let fits = |at: usize| {
                at >= copied
                    && at + old.len() <= lines.len()
                    && old.iter().enumerate().all(|(j, l)| lines[at + j] == *l)
            };
            let stated = if hunk.old_count == 0 { hunk.old_start } else { hunk.old_start - 1 };
            let at = (0..=lines.len())
                .flat_map(|d| [stated.checked_sub(d), Some(stated + d)])
                .flatten()
                .find(|at| fits(*at))
                .ok_or_else(|| format!("a hunk at line {} does not apply", hunk.old_start))?;
            for (j, line) in lines[copied..at].iter().enumerate() {
                text.push_str(line);
                origin.push((copied + j + 1, false));
            }
            let mut original_line = at + 1;
            for (op, line) in &hunk.lines {
                match op {
                    b'-' => original_line += 1,
                    b'+' => {
                        text.push_str(line);
                        origin.push((original_line.min(lines.len().max(1)), true));
                    }
                    _ => {
                        text.push_str(line);
                        origin.push((original_line, false));
                        original_line += 1;
                    }
                }
            }
            copied = at + old.len();
        }
        for (j, line) in lines[copied..].iter().enumerate() {
            text.push_str(line);
            origin.push((copied + j + 1, false));
        }
        Ok(Patched { text, origin })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = "a\nb\nc\nd\ne\n";

    #[test]
    fn hunks_apply_where_their_context_stands_and_lines_map_back() {
        // Stated one line off: the hunk still finds its context.
        let diff = "--- src/X.sol\n+++ mutants/m/X.sol\n@@ -3,3 +3,3 @@\n b\n-c\n+C1\n+C2\n d\n";
        let files = parse(diff).unwrap();
        assert_eq!(files[0].unit, "mutants/m/X.sol");
        let p = files[0].apply(ORIGINAL).unwrap();
        assert_eq!(p.text, "a\nb\nC1\nC2\nd\ne\n");
        let lines: Vec<usize> = p.origin.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![1, 2, 4, 4, 4, 5]);
        assert_eq!(p.origin[2], (4, true));
    }

    #[test]
    fn a_hunk_whose_context_is_gone_is_an_error() {
        let diff = "--- src/X.sol\n+++ mutants/m/X.sol\n@@ -1,1 +1,1 @@\n-zzz\n+y\n";
        let err = parse(diff).unwrap()[0].apply(ORIGINAL).unwrap_err();
        assert!(err.contains("does not apply"), "{err}");
        assert!(parse("junk\n").unwrap_err().contains("line 1"));
    }
}
