//! `leash`, the command line of the leash workbench: it reviews session-key policies in plain
//! English (`leash explain`) and runs the model's property harnesses (`leash prove`).
//!
//! Each subcommand is one module of [`cmd`]. This file parses the command line, runs the
//! subcommand and turns its result into an exit code:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | clean (also when stdout is closed early, e.g. piped into `head`) |
//! | 1 | findings: a lint at the `--deny` level, a property that failed |
//! | 2 | usage or input error, printed as one line `leash: <message>` on stderr (also a finding `leash fuzz` could not write: it prints the finding instead) |
//! | 130 | `leash fuzz` stopped by Ctrl-C before any finding (with findings it exits 1) |
#![forbid(unsafe_code)]

mod cmd;
mod human;
mod policy_file;
mod render;
mod review;
mod target_args;
mod terminal;

use std::io::{self, Write as _};
use std::process::ExitCode;

use clap::Parser;

/// Proves and fuzzes smart-account session-key policies.
#[derive(Debug, Parser)]
#[command(name = "leash", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: cmd::Command,
}

/// The exit code of a usage or input error.
const EXIT_ERROR: u8 = 2;

/// Parses the command line, runs the subcommand and maps its result to the exit status.
fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_exit(&error),
    };
    match cli.command.run() {
        Ok(outcome) => outcome.exit_code(),
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(io::stderr(), "leash: {}", one_line_error(&error));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// The longest error line leash prints, in characters (`docs/limits.md`); inputs quoted in it
/// are cut much shorter (`leash_model::format::quote`), this bounds everything else.
const MAX_ERROR_CHARS: usize = 2000;

/// An error and its causes as one line: a cause whose text the line already holds is not
/// repeated (errors that print their source), newlines are folded, control characters (a policy
/// under review must not send terminal escapes through a field name) and bidirectional
/// overrides are escaped, and the line is cut at [`MAX_ERROR_CHARS`].
fn one_line_error(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || message.contains(text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(text);
    }
    let folded = message.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    let mut line = String::new();
    for (count, c) in folded.chars().enumerate() {
        if count == MAX_ERROR_CHARS {
            line.push_str(&format!(
                "... (cut at {MAX_ERROR_CHARS} of {} characters)",
                folded.chars().count()
            ));
            break;
        }
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            line.extend(c.escape_unicode());
        } else {
            line.push(c);
        }
    }
    line
}

/// Prints clap's help, version or usage error and picks the exit code: 0 for `--help` and
/// `--version`, 2 otherwise. A usage error becomes one line: clap's message, its tips, and the
/// usage of the command it concerns (`leash: unexpected argument '--x' found; usage: ...`).
fn clap_exit(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Help goes to stdout; a closed pipe is not worth reporting.
            let _ = error.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = writeln!(io::stderr(), "leash: {}", missing_subcommand(error));
            ExitCode::from(EXIT_ERROR)
        }
        _ => {
            let _ = writeln!(io::stderr(), "leash: {}", one_line_usage_error(error));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// The one-line error for a command run without its subcommand (`leash`, `leash export`): the
/// usage and the subcommands clap's help lists.
fn missing_subcommand(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let mut usage = "leash <COMMAND>".to_string();
    let mut commands = Vec::new();
    let mut in_commands = false;
    for line in rendered.lines() {
        if let Some(text) = line.trim().strip_prefix("Usage: ") {
            usage = text.to_string();
        }
        if line.trim_end() == "Commands:" {
            in_commands = true;
        } else if in_commands && line.starts_with("  ") {
            if let Some(name) = line.split_whitespace().next().filter(|n| *n != "help") {
                commands.push(name.to_string());
            }
        } else {
            in_commands = false;
        }
    }
    let command = usage.split(" <").next().unwrap_or("leash").to_string();
    format!(
        "a subcommand is required ({}); usage: {usage}; see '{command} --help'",
        commands.join(", ")
    )
}

/// Folds clap's multi-line usage error into one line.
fn one_line_usage_error(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let mut message = String::new();
    let mut usage = None;
    for line in rendered.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if let Some(text) = line.strip_prefix("error: ") {
            message.push_str(text);
        } else if let Some(text) = line.strip_prefix("Usage: ") {
            usage = Some(text.to_string());
        } else if let Some(tip) = line.strip_prefix("tip: ") {
            message.push_str(&format!(" ({tip})"));
        } else if !line.starts_with("For more information") {
            message.push_str(&format!(" {line}"));
        }
    }
    if let Some(usage) = usage {
        message.push_str(&format!("; usage: {usage}"));
    }
    message
}

/// Whether writing to stdout failed because the reader went away (`leash explain p | head`).
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #17 D11: an error that prints its source was followed by that source again.
    #[test]
    fn causes_already_in_the_message_are_not_repeated() {
        let io = io::Error::new(io::ErrorKind::NotFound, "No such file or directory (os error 2)");
        let error =
            anyhow::Error::new(io).context("x.json: No such file or directory (os error 2)");
        assert_eq!(one_line_error(&error), "x.json: No such file or directory (os error 2)");
        let error = anyhow::anyhow!("inner").context("outer");
        assert_eq!(one_line_error(&error), "outer: inner");
    }

    /// Issue #17 D12: a field name with terminal escapes reached the terminal unescaped.
    #[test]
    fn control_characters_are_escaped_and_long_lines_cut() {
        let error = anyhow::anyhow!("unknown field `a\u{1b}[2Jb\u{202e}c`\nnext line");
        assert_eq!(one_line_error(&error), "unknown field `a\\u{1b}[2Jb\\u{202e}c` next line");
        let long = anyhow::anyhow!("{}", "x".repeat(10_000));
        let line = one_line_error(&long);
        assert!(line.ends_with("... (cut at 2000 of 10000 characters)"), "{line}");
        assert_eq!(line.lines().count(), 1);
    }
}
