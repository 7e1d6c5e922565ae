//! The LibAFL engine finds what leash's oracle calls a bypass, and only that.

use std::path::Path;

use leash_fuzz::corpus::Entry;
use leash_fuzz::finding::Class;
use leash_fuzz::target::Target;
use leash_libafl::{Budget, Config, LeashExecutor, MAP_SIZE, Mutation, Schedule, campaign};
use libafl::executors::{ExitKind, HasObservers};
use libafl::observers::MapObserver;

fn regression(name: &str) -> Entry {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/regressions").join(name);
    Entry::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mutant(name: &str) -> Target {
    Target::mutant(name).and_then(|t| t.with_frame(Target::mutant_frame(name))).expect("a mutant")
}

/// The executor reports the oracle's bypass as the objective (a crash) on the mutant a
/// committed regression was minimized from, fills the edge and feature maps, and reports nothing
/// for the same case on the reference module.
#[test]
fn the_executor_reports_a_mutants_regression_as_the_objective_and_the_reference_as_clean() {
    for name in ["c8-revoke-memory", "c1-outer-offset", "c5-cap-overflow"] {
        let entry = regression(&format!("mutant-{name}.json"));
        assert_eq!(entry.expect, Some(Class::Bypass), "{name}: the regression is a bypass");
        let config = Config::kill(1, Budget::Cases(1));
        let mut on_mutant = LeashExecutor::new(&mutant(name), &config).expect("deploys");
        assert_eq!(on_mutant.run_case(&entry.case), ExitKind::Crash, "{name}");
        let observers = on_mutant.observers();
        let (edges, features) = (&observers.0, &observers.1.0);
        assert!(edges.as_ref().count_bytes() > 0, "{name}: no edge observed");
        assert!(features.count_bytes() > 0, "{name}: no behaviour feature observed");
        assert_eq!(edges.as_ref().usable_count(), MAP_SIZE);
        let outcome = on_mutant.outcome();
        assert_eq!(outcome.first(Class::Bypass).map(|s| s.finding.class), Some(Class::Bypass));
        let reference = Target::reference().expect("deploys").with_frame(mutant(name).frame);
        let mut on_reference = LeashExecutor::new(&reference.expect("any frame"), &config).unwrap();
        assert_eq!(on_reference.run_case(&entry.case), ExitKind::Ok, "{name} on the reference");
        assert!(on_reference.outcome().found.is_empty());
    }
}

/// A LibAFL campaign finds the planted bypass of two mutants leash's engine kills within a few
/// hundred cases, and stops there.
#[test]
fn a_campaign_stops_at_the_first_bypass_of_a_mutant() {
    for name in ["c8-revoke-memory", "c7-window-off-by-one"] {
        let outcome =
            campaign(&mutant(name), &Config::kill(0x1ea5_4ca5, Budget::Cases(3000))).unwrap();
        let bypass = outcome.first(Class::Bypass).unwrap_or_else(|| {
            panic!("{name}: no bypass in {} cases: {:?}", outcome.cases, outcome.found)
        });
        assert_eq!(bypass.cases, outcome.cases, "{name}: the campaign ran on past its bypass");
    }
}

/// On the reference module a campaign runs exactly its case budget, keeps inputs that reach new
/// edges or behaviours, finds nothing, and is deterministic for its seed (with the queue
/// scheduler, whose choices do not depend on timing), with LibAFL's havoc mutations too.
#[test]
fn a_reference_campaign_is_clean_guided_and_deterministic() {
    let reference = Target::reference().expect("deploys");
    for mutation in [Mutation::Leash, Mutation::Havoc] {
        let config = Config {
            stop_at: None,
            mutation,
            schedule: Schedule::Queue,
            ..Config::kill(7, Budget::Cases(250))
        };
        let first = campaign(&reference, &config).unwrap();
        assert_eq!(first.cases, 250, "{mutation:?}");
        assert!(first.found.is_empty(), "{mutation:?}: {:?}", first.found);
        // Kept some inputs, not all: the feedbacks tell new from known.
        assert!(
            (2..200).contains(&first.corpus),
            "{mutation:?}: kept {} of 250 inputs",
            first.corpus
        );
        let second = campaign(&reference, &config).unwrap();
        assert_eq!((first.ops, first.corpus), (second.ops, second.corpus), "{mutation:?}");
    }
}
