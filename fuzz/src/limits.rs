//! The harness's documented size limits (`docs/limits.md`): what leash reads, generates and
//! runs stays within them, so no input can make it allocate or run without bound. Inputs over a
//! limit are refused with a one-line error naming the limit.

/// The furthest into a dynamic argument's content the generator writes a slice rule's value
/// (spec §6.2). A rule whose slice ends further out still gets calls, whose content is simply
/// shorter than the slice (the spec denies them with `SliceOutOfBounds`): whatever a policy
/// says, generation never grows an argument past this many bytes.
pub const MAX_PLACED_SLICE_END: usize = 1024;

/// The most bytes an op's `callData` may have, and its signature tail too. Generated ops stay
/// far below it; corpus entries with a longer op are refused when read. Within it, the
/// harness's gas limits (10M verification gas, 10M call gas per op) cover every op the
/// reference module handles.
pub const MAX_OP_CALLDATA: usize = 128 * 1024;

/// The most worker threads a campaign runs (`leash fuzz --workers`). Each holds its own world
/// and input corpus (up to about 10 MB).
pub const MAX_WORKERS: usize = 256;

/// The most steps a case may have (generated cases have at most 18).
pub const MAX_CASE_STEPS: usize = 256;

/// The most ops one bundle may have (generated bundles have at most 3). The bundler resubmits a
/// bundle without each op the EntryPoint refuses, so a bundle's cost grows with its square.
pub const MAX_BUNDLE_OPS: usize = 64;

/// The most ops a case may have over all its bundles.
pub const MAX_CASE_OPS: usize = 1024;

/// The most slot writes of one re-delegation to the malicious code (generated ones have at most
/// 3): each is a storage write of one transaction.
pub const MAX_SLOT_WRITES: usize = 64;

/// The most calls an op's recipe may plan (a batch's items; the model reads at most
/// `MAX_BATCH`, generated batches go one beyond).
pub const MAX_RECIPE_CALLS: usize = 64;

/// The largest corpus entry file leash reads: far above any entry a campaign writes (a few KiB),
/// below what would keep a replay busy for minutes.
pub const MAX_ENTRY_BYTES: usize = 16 << 20;

/// The largest artifact file leash reads (Foundry artifacts with sources and AST run to a few
/// MiB).
pub const MAX_ARTIFACT_BYTES: usize = 64 << 20;

/// Why a text file could not be read within its limit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(std::io::Error),
    /// The file holds more than the limit.
    #[error("it is larger than {limit} bytes, the limit for this kind of file (docs/limits.md)")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The file is not UTF-8.
    #[error("it is not valid UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Where the first invalid byte is.
        offset: usize,
    },
}

/// Reads the text file at `path`, at most `limit` bytes of it (so `/dev/zero` is an error, not a
/// read without end), dropping a UTF-8 byte order mark.
pub fn read_text(path: &std::path::Path, limit: usize) -> Result<String, ReadError> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let mut text = String::from_utf8(bytes)
        .map_err(|e| ReadError::NotUtf8 { offset: e.utf8_error().valid_up_to() })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// `message` made one line: its control characters (line breaks above all) escaped as Rust
/// writes them (`\n`, `\u{1b}`). Parsers quote what they read (a misspelt field, an unknown
/// variant) and the input may carry line breaks; errors leash prints are one line.
pub fn one_line(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_files_are_read_within_their_limit_without_a_bom() {
        let dir = std::env::temp_dir().join(format!("leash-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        std::fs::write(&path, "\u{feff}{}").unwrap();
        assert_eq!(read_text(&path, 100).unwrap(), "{}");
        std::fs::write(&path, [b'x'; 101]).unwrap();
        assert!(matches!(read_text(&path, 100), Err(ReadError::TooLarge { limit: 100 })));
        std::fs::write(&path, [b'x', 0xff]).unwrap();
        assert!(matches!(read_text(&path, 100), Err(ReadError::NotUtf8 { offset: 1 })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Issue #17 D9: `leash explain /dev/zero` read until memory ran out.
    #[test]
    fn endless_files_are_cut_at_the_limit() {
        if std::path::Path::new("/dev/zero").exists() {
            assert!(matches!(
                read_text(std::path::Path::new("/dev/zero"), 1 << 20),
                Err(ReadError::TooLarge { .. })
            ));
        }
    }
}
