//! Solidity source maps: solc's compressed `s:l:f:j:m;...` list, one entry per instruction of
//! the bytecode, each field inherited from the previous entry when empty.

/// Where one instruction comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceRange {
    /// Byte offset in the source.
    pub offset: u32,
    /// Length in bytes.
    pub length: u32,
    /// The source id, `None` for code the compiler generated without a source (`-1`).
    pub file: Option<u32>,
}

/// Parses a compressed source map. The error names the entry that does not parse.
pub fn parse(map: &str) -> Result<Vec<SourceRange>, String> {
    let mut out = Vec::new();
    let mut last = SourceRange { offset: 0, length: 0, file: None };
    if map.is_empty() {
        return Ok(out);
    }
    for (i, entry) in map.split(';').enumerate() {
        let mut range = last;
        for (k, field) in entry.split(':').enumerate().take(3) {
            if field.is_empty() {
                continue;
            }
            let bad = || format!("source map entry {i} ({entry:?}) has a bad field {field:?}");
            // -1 means "no source" in any field.
            let value: i64 = field.parse().map_err(|_| bad())?;
            match k {
                0 => range.offset = u32::try_from(value).unwrap_or(0),
                1 => range.length = u32::try_from(value).unwrap_or(0),
                _ => range.file = u32::try_from(value).ok(),
            }
        }
        out.push(range);
        last = range;
    }
    Ok(out)
}

/// The pc of every instruction of `code`, in order (push immediates skipped): the i-th entry of
/// a source map describes the instruction at `instruction_pcs(code)[i]`.
pub fn instruction_pcs(code: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
    let mut pc = 0;
    while pc < code.len() {
        out.push(pc as u32);
        let op = code[pc];
        pc += 1 + if (0x60..=0x7f).contains(&op) { usize::from(op - 0x5f) } else { 0 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_inherit_and_minus_one_is_generated_code() {
        let map = parse("10:5:0:-;;:3;7:1:-1;:::i;-1:-1:-1").unwrap();
        let r = |offset, length, file| SourceRange { offset, length, file };
        assert_eq!(
            map,
            vec![
                r(10, 5, Some(0)),
                r(10, 5, Some(0)),
                r(10, 3, Some(0)),
                r(7, 1, None),
                r(7, 1, None),
                r(0, 0, None)
            ]
        );
        assert!(parse("1:x:0").unwrap_err().contains("entry 0"));
    }

    #[test]
    fn push_immediates_are_not_instructions() {
        // PUSH2 0x0102, JUMPDEST, PUSH1 0x05
        assert_eq!(instruction_pcs(&[0x61, 1, 2, 0x5b, 0x60, 5]), vec![0, 3, 4]);
    }
}
