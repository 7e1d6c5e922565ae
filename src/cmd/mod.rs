//! The subcommands, one module each.
//!
//! A subcommand is a module `src/cmd/<name>.rs` holding its clap arguments struct and an
//! implementation of [`Run`] for it. Adding one takes that module, its `mod` line below, and one
//! line in the [`subcommands!`] list at the end of this file; nothing else changes.

use std::process::ExitCode;

pub(crate) mod bench;
pub(crate) mod corpus;
pub(crate) mod coverage;
pub(crate) mod explain;
pub(crate) mod export;
pub(crate) mod fuzz;
pub(crate) mod minimize;
pub(crate) mod prove;
pub(crate) mod replay;
pub(crate) mod report;

/// How a subcommand that ran to the end finishes. Errors (bad input, bad usage) are not
/// outcomes: they are the `Err` of [`Run::run`], printed by `main`, and exit 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing to report: exit 0.
    Clean,
    /// The subcommand found something: a lint at the `--deny` level, a property that failed.
    /// Exit 1.
    Findings,
    /// Stopped by Ctrl-C before its budget was spent, with nothing to report: not the clean
    /// result of a full run. Exit 130 (128 + SIGINT, as a shell reports a process SIGINT
    /// stopped).
    Interrupted,
    /// The exit code of a tool the subcommand ran in the foreground (`cargo kani`), passed on.
    Child(u8),
}

impl Outcome {
    /// The process exit code.
    pub(crate) fn exit_code(self) -> ExitCode {
        match self {
            Self::Clean => ExitCode::SUCCESS,
            Self::Findings => ExitCode::from(1),
            Self::Interrupted => ExitCode::from(130),
            Self::Child(code) => ExitCode::from(code),
        }
    }
}

/// Output for people or for tools, for subcommands that offer both (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// Text for a terminal.
    Text,
    /// One JSON document on stdout.
    Json,
}

/// A subcommand's arguments, ready to run.
pub(crate) trait Run {
    /// Runs the subcommand. Output goes to stdout through `std::io::Write`, so a closed pipe is
    /// an `io::Error` of kind `BrokenPipe` (which `main` treats as a clean exit), not a panic.
    fn run(self) -> anyhow::Result<Outcome>;
}

/// Declares the subcommand enum and its dispatch from one list of `Variant(ArgsType)` lines.
/// The variant's doc comment is the subcommand's one-line help.
macro_rules! subcommands {
    ($($(#[$doc:meta])* $variant:ident($args:ty),)+) => {
        /// The subcommands.
        #[derive(Debug, clap::Subcommand)]
        pub(crate) enum Command {
            $($(#[$doc])* $variant($args),)+
        }

        impl Command {
            /// Runs the chosen subcommand.
            pub(crate) fn run(self) -> anyhow::Result<Outcome> {
                match self {
                    $(Self::$variant(args) => Run::run(args),)+
                }
            }
        }
    };
}

subcommands! {
    /// Fuzz a session module differentially against the spec (the reference module by default).
    Fuzz(fuzz::FuzzArgs),
    /// Replay a corpus entry against its module (or another) and report what it shows.
    Replay(replay::ReplayArgs),
    /// Shrink a corpus entry's case while it still shows its finding.
    Minimize(minimize::MinimizeArgs),
    /// Maintain a campaign's corpus directory (`cmin`: keep only what holds its coverage).
    Corpus(corpus::CorpusArgs),
    /// Replay corpus entries and report the module's Solidity lines and branches they reach (lcov).
    Coverage(coverage::CoverageArgs),
    /// Measure the fuzzer (throughput, scaling, a long campaign, mutant kills) into BENCHMARKS.md.
    Bench(bench::BenchArgs),
    /// Explain a policy file in plain English and lint it against session-key advice.
    Explain(explain::ExplainArgs),
    /// Run the model's property harnesses (exhaustive and random), or Kani with --kani.
    Prove(prove::ProveArgs),
    /// Report corpus findings for people (markdown) or tools (json, sarif).
    Report(report::ReportArgs),
    /// Turn a corpus entry into a standalone reproducer (a Foundry test).
    Export(export::ExportArgs),
}
