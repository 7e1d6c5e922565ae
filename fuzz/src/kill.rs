//! The kill benchmark: how fast a campaign finds the bug planted in each mutant, with calldata
//! mutation on, and with it off (canonical encodings only, as ABI-typed fuzzers send); with
//! coverage guidance on (the default), and with it off (`leash fuzz --no-coverage-guidance`:
//! guided by behaviour features only, edges recorded).

use std::time::Duration;

use crate::corpus::Entry;
use crate::engine::{Budget, CampaignConfig, CampaignError, Progress, run_campaign};
use crate::finding::Class;
use crate::generate::CaseConfig;
use crate::minimize::MinimizeBudget;
use crate::run::RunConfig;
use crate::target::Target;

/// When a finding first showed in a kill run.
#[derive(Clone, Debug, PartialEq)]
pub struct FirstSeen {
    /// Its class.
    pub class: Class,
    /// Seconds into the run.
    pub seconds: f64,
    /// Cases the worker had run.
    pub cases: u64,
    /// The minimized reproducer.
    pub entry: Entry,
}

/// One mutant, one seed, one mode.
#[derive(Clone, Debug, PartialEq)]
pub struct KillRun {
    /// The mutant's name.
    pub mutant: String,
    /// The seed.
    pub seed: u64,
    /// Whether calldata mutation was on.
    pub mutate: bool,
    /// Whether coverage guidance was on (branch edges are recorded either way).
    pub coverage: bool,
    /// The budget in seconds.
    pub budget: u64,
    /// The first bypass, if one was found in the budget.
    pub bypass: Option<FirstSeen>,
    /// The first finding of any other class before it (or instead of it).
    pub other: Option<FirstSeen>,
}

impl KillRun {
    /// Whether the run found a bypass.
    pub fn killed(&self) -> bool {
        self.bypass.is_some()
    }
}

/// Runs a single-worker campaign against `mutant`, on the frame whose bug it plants
/// ([`Target::mutant_frame`]), until its first bypass or `seconds` pass, guided by code coverage
/// too if `coverage` ([`CampaignConfig::guidance`]; edges are recorded either way, as a campaign
/// campaign records them). Reason findings are not reported (they never make a bypass).
pub fn kill(
    mutant: &str,
    seed: u64,
    mutate: bool,
    coverage: bool,
    seconds: u64,
) -> Result<KillRun, CampaignError> {
    let target = Target::mutant(mutant)?.with_frame(Target::mutant_frame(mutant))?;
    let config = CampaignConfig {
        seed,
        workers: 1,
        budget: Budget::Time(Duration::from_secs(seconds)),
        case: CaseConfig { mutate, ..CaseConfig::default() },
        run: RunConfig { compare_reasons: false, ..RunConfig::campaign() },
        minimize: Some(MinimizeBudget::default()),
        stop_at: Some(Class::Bypass),
        corpus: None,
        guidance: coverage,
    };
    let progress = Progress::default();
    let summary = run_campaign(&target, &config, &progress, &|_| {})?;
    let first = |bypass: bool| {
        summary.found.iter().find(|f| (f.entry.expect == Some(Class::Bypass)) == bypass).map(|f| {
            FirstSeen {
                class: f.entry.expect.unwrap_or(Class::State),
                seconds: f.seconds,
                cases: f.cases,
                entry: f.entry.clone(),
            }
        })
    };
    Ok(KillRun {
        mutant: mutant.into(),
        seed,
        mutate,
        coverage,
        budget: seconds,
        bypass: first(true),
        other: first(false),
    })
}
