//! Reading a policy file (format versions 1 and 2, `leash_model::format`) with one-line errors that
//! name the file and what is wrong: unreadable, not TOML/JSON (with the parser's line and
//! column), a field the format does not know, or a policy that is not valid (spec §12).

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use leash_fuzz::limits::one_line;
use leash_model::Policy;
use serde::Deserialize as _;

/// The syntax a policy file is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// TOML (`.toml`).
    Toml,
    /// JSON (`.json`).
    Json,
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Toml => "TOML",
            Self::Json => "JSON",
        })
    }
}

/// A policy read from a file.
#[derive(Clone, Debug)]
pub(crate) struct PolicyFile {
    /// The path as given on the command line.
    pub(crate) path: PathBuf,
    /// The syntax it was read as.
    pub(crate) syntax: Syntax,
    /// The policy; valid (spec §12), since the format validates while reading.
    pub(crate) policy: Policy,
}

/// Why a file's text is not a policy, in one of the two syntaxes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ParseFailure {
    /// The text is not TOML or JSON at all.
    Syntax(String),
    /// The text is TOML or JSON, but not a policy: an unknown field, a wrong type, a bad amount,
    /// or a policy that is not valid.
    Policy(String),
}

/// The largest policy file leash reads (`docs/limits.md`). The largest valid policy is a few
/// tens of KiB; this keeps `leash explain /dev/zero` from reading until memory runs out.
pub(crate) const MAX_POLICY_FILE_BYTES: usize = 1 << 20;

/// Reads and validates the policy file at `path`. The syntax follows the extension (`.toml`,
/// `.json`); any other file is tried as TOML, then as JSON.
pub(crate) fn read(path: &Path) -> anyhow::Result<PolicyFile> {
    let text = read_text(path, "policy file", MAX_POLICY_FILE_BYTES)?;
    if text.trim().is_empty() {
        bail!(
            "policy file '{}' is empty (an empty policy would allow nothing and never expire; \
             write at least `version = 1`)",
            path.display()
        );
    }
    let named = |syntax, failure: ParseFailure| match failure {
        ParseFailure::Syntax(why) => {
            anyhow::anyhow!("policy file '{}' is not valid {syntax}: {why}", path.display())
        }
        ParseFailure::Policy(why) => {
            anyhow::anyhow!("policy file '{}' is not a valid policy: {why}", path.display())
        }
    };
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let (syntax, parsed) = match extension.as_deref() {
        Some("toml") => (Syntax::Toml, parse_toml(&text)),
        Some("json") => (Syntax::Json, parse_json(&text)),
        _ => match (parse_toml(&text), parse_json(&text)) {
            (Ok(policy), _) => (Syntax::Toml, Ok(policy)),
            (_, Ok(policy)) => (Syntax::Json, Ok(policy)),
            // A file that parses in one syntax is written in it: report that syntax's error.
            (Err(ParseFailure::Policy(why)), _) => (Syntax::Toml, Err(ParseFailure::Policy(why))),
            (_, Err(ParseFailure::Policy(why))) => (Syntax::Json, Err(ParseFailure::Policy(why))),
            (Err(ParseFailure::Syntax(toml)), Err(ParseFailure::Syntax(json))) => bail!(
                "policy file '{}' is neither TOML ({toml}) nor JSON ({json}); name it .toml or \
                 .json to read it as one",
                path.display()
            ),
        },
    };
    let policy = parsed.map_err(|failure| named(syntax, failure))?;
    Ok(PolicyFile { path: path.to_path_buf(), syntax, policy })
}

/// Reads the text file `path` (a `what`) within `limit` bytes (`leash_fuzz::limits`), with a
/// one-line error naming the file.
pub(crate) fn read_text(path: &Path, what: &str, limit: usize) -> anyhow::Result<String> {
    leash_fuzz::limits::read_text(path, limit)
        .with_context(|| format!("cannot read {what} '{}'", path.display()))
}

/// What a document without a single field is told.
const NO_FIELDS: &str = "the document has no fields (an empty policy would allow nothing and \
                         never expire; write at least `version = 1`)";

/// Parses TOML: first as a document (syntax errors), then as a policy.
fn parse_toml(text: &str) -> Result<Policy, ParseFailure> {
    let position = |error: &toml::de::Error| match error.span() {
        Some(span) => {
            let (line, column) = line_and_column(text, span.start);
            format!("line {line}, column {column}: {}", one_line(error.message().trim()))
        }
        // The model's own checks (spec §12 and the format's conversions) run on the whole
        // document, so they have no position; their message names the part that is wrong.
        None => one_line(error.message().trim()),
    };
    let table = text.parse::<toml::Table>().map_err(|e| ParseFailure::Syntax(position(&e)))?;
    if table.is_empty() {
        return Err(ParseFailure::Policy(NO_FIELDS.into()));
    }
    toml::from_str(text).map_err(|e| ParseFailure::Policy(position(&e)))
}

/// Parses JSON: syntax errors and policy errors are told apart by `serde_json`'s category.
fn parse_json(text: &str) -> Result<Policy, ParseFailure> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text)
        && map.is_empty()
    {
        return Err(ParseFailure::Policy(NO_FIELDS.into()));
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = Policy::deserialize(&mut deserializer).and_then(|policy| {
        deserializer.end()?;
        Ok(policy)
    });
    result.map_err(|error| {
        let message = error.to_string();
        // `serde_json` appends " at line L column C"; the position is restated first, as TOML's.
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        let message = one_line(message.strip_suffix(&suffix).unwrap_or(&message));
        let described = if error.line() == 0 {
            message
        } else {
            format!("line {}, column {}: {message}", error.line(), error.column())
        };
        match error.classify() {
            serde_json::error::Category::Data => ParseFailure::Policy(described),
            _ => ParseFailure::Syntax(described),
        }
    })
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let text = "a = 1\nbé = \n";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 6), (2, 1));
        // 'é' is two bytes and one column.
        assert_eq!(line_and_column(text, 12), (2, 6));
    }

    #[test]
    fn toml_syntax_errors_carry_their_position() {
        let failure = parse_toml("valid_until = 5\nusage_limit = \n").unwrap_err();
        let ParseFailure::Syntax(message) = failure else { panic!("{failure:?}") };
        assert!(message.starts_with("line 2, column 15: "), "{message}");
    }

    #[test]
    fn unknown_fields_are_policy_errors_with_a_position() {
        let failure = parse_toml("valid_untill = 5\n").unwrap_err();
        let ParseFailure::Policy(message) = failure else { panic!("{failure:?}") };
        assert!(message.starts_with("line 1, column 1: unknown field `valid_untill`"), "{message}");
        let failure = parse_json("{\n  \"valid_untill\": 5\n}").unwrap_err();
        let ParseFailure::Policy(message) = failure else { panic!("{failure:?}") };
        assert!(message.starts_with("line 2, column 16: unknown field"), "{message}");
    }

    #[test]
    fn invalid_policies_name_the_clause() {
        for failure in [
            parse_toml("valid_after = 10\nvalid_until = 5\n").unwrap_err(),
            parse_json(r#"{"valid_after": 10, "valid_until": 5}"#).unwrap_err(),
        ] {
            let ParseFailure::Policy(message) = failure else { panic!("{failure:?}") };
            assert!(message.starts_with("the window is empty"), "{message}");
            assert!(message.ends_with("(spec §12.1)"), "{message}");
        }
    }

    #[test]
    fn a_field_name_with_a_line_break_is_quoted_on_one_line() {
        for failure in [
            parse_toml("\"valid\\nuntil\" = 5\n").unwrap_err(),
            parse_json(r#"{"valid\nuntil": 5}"#).unwrap_err(),
        ] {
            let ParseFailure::Policy(message) = failure else { panic!("{failure:?}") };
            assert!(message.contains("valid\\nuntil"), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn json_trailing_garbage_is_a_syntax_error() {
        let failure = parse_json("{} x").unwrap_err();
        assert!(matches!(failure, ParseFailure::Syntax(_)), "{failure:?}");
    }
}
