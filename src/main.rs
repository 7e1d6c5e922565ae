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
//! | 2 | usage or input error, printed as one line `leash: <message>` on stderr |
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
            let message = format!("{error:#}");
            // The message is one line by contract; a library message with a newline is folded.
            let one_line = message.lines().map(str::trim).collect::<Vec<_>>().join(" ");
            let _ = writeln!(io::stderr(), "leash: {one_line}");
            ExitCode::from(EXIT_ERROR)
        }
    }
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
            let _ = error.print();
            ExitCode::from(EXIT_ERROR)
        }
        _ => {
            let _ = writeln!(io::stderr(), "leash: {}", one_line_usage_error(error));
            ExitCode::from(EXIT_ERROR)
        }
    }
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
