//! Published findings on MetaMask's Delegation Framework, whether v1.3.0 as leash configures it
//! has them, and how a leash finding shows each: the catalogue behind the MetaMask rediscovery
//! table of `BENCHMARKS.md` (`leash bench --sections metamask`). Sources are the audit reports
//! in `MetaMask/delegation-framework/audits/` and the framework's own documentation (named, not
//! copied), and leash's own results.

use crate::finding::{Class, Finding};

/// A known finding.
#[derive(Clone, Copy, Debug)]
pub struct Known {
    /// A short id.
    pub id: &'static str,
    /// Where it was published.
    pub source: &'static str,
    /// What it is.
    pub title: &'static str,
    /// What v1.3.0 as leash configures it has of it.
    pub applies: &'static str,
    /// Whether a leash finding is this one; `None` when leash cannot observe it.
    pub detect: Option<fn(&Finding) -> bool>,
    /// Why leash cannot observe it, when it cannot.
    pub unobservable: &'static str,
}

/// A documented limitation through the intent gap `id`.
fn limitation_through(f: &Finding, id: &str) -> bool {
    f.class == Class::Limitation && f.detail.contains(id)
}

fn dynamic_argument(f: &Finding) -> bool {
    limitation_through(f, "rule-on-dynamic-argument")
}

fn picked_group(f: &Finding) -> bool {
    limitation_through(f, "delegate-picks-group")
}

fn reaches_account(f: &Finding) -> bool {
    limitation_through(f, "wildcard-reaches-account")
}

/// The findings the MetaMask rediscovery table reports on.
pub const KNOWN: &[Known] = &[
    Known {
        id: "diligence-6-24-5.6",
        source: "Diligence, Delegation Framework (Jun 2024), 5.6 (medium)",
        title: "AllowedCalldataEnforcer must only be used for static types: it compares bytes at a fixed offset, and a relocated dynamic argument passes other bytes",
        applies: "has it (documented restriction)",
        detect: Some(dynamic_argument),
        unobservable: "",
    },
    Known {
        id: "logical-or-group-choice",
        source: "LogicalOrWrapperEnforcer's documentation (v1.3.0): the redeemer selects the caveat group in the args",
        title: "With an exact and an any-target group for the same selector, the delegate redeems under whichever group lets the call through",
        applies: "has it (by design)",
        detect: Some(picked_group),
        unobservable: "",
    },
    Known {
        id: "no-self-call-scope",
        source: "leash (spec §4: no caveat keeps a delegation away from the delegator, the DelegationManager or address(0))",
        title: "An any-target AllowedMethods group lets the delegate call the delegator itself (e.g. disableDelegation, execute) and the DelegationManager",
        applies: "has it (by design)",
        detect: Some(reaches_account),
        unobservable: "",
    },
    Known {
        id: "cyfrin-3-25-7.3.2",
        source: "Cyfrin, Delegation Framework (Mar 2025), 7.3.2",
        title: "AllowedCalldataEnforcer cannot authenticate empty calldata",
        applies: "has it",
        detect: None,
        unobservable: "leash configures a plain-transfer permission with ExactCalldataEnforcer(\"\"), which does authenticate empty calldata",
    },
    Known {
        id: "cyfrin-3-25-7.3.5",
        source: "Cyfrin, Delegation Framework (Mar 2025), 7.3.5",
        title: "Inconsistent timestamp range validation: TimestampEnforcer excludes both ends of its window",
        applies: "has it",
        detect: None,
        unobservable: "a narrowing: the model judges by the exclusive window (§11 `Exclusive`), and `leash explain --module-kind metamask` lists it as the `window-end-exclusive` gap",
    },
    Known {
        id: "cyfrin-3-25-7.4.3",
        source: "Cyfrin, Delegation Framework (Mar 2025), 7.4.3",
        title: "Missing zero-length check in AllowedMethodsEnforcer's terms",
        applies: "has it",
        detect: None,
        unobservable: "leash never configures empty terms: a policy without permissions becomes AllowedMethods(0xffffffff) with ExactCalldata(\"\")",
    },
    Known {
        id: "cyfrin-3-25-7.2.1",
        source: "Cyfrin, Delegation Framework (Mar 2025), 7.2.1",
        title: "The transfer-amount enforcers count a spend without checking that the transfer happened",
        applies: "n/a as leash runs it",
        detect: None,
        unobservable: "leash's tokens revert a failed transfer, which rolls the redemption and its counter back (§P3); a token that returns false is outside the harness",
    },
    Known {
        id: "cyfrin-3-25-7.1.1",
        source: "Cyfrin, Delegation Framework (Mar 2025), 7.1.1",
        title: "The DeleGator's UserOperation hash does not include the EntryPoint (replay)",
        applies: "n/a as leash runs it",
        detect: None,
        unobservable: "sessions are redemptions, not UserOperations; only the owner's revocation of the MultiSig account is one",
    },
    Known {
        id: "diligence-2-25-5.1",
        source: "Diligence, Delegation Framework (Feb 2025), 5.1 (critical)",
        title: "NativeTokenStreamingEnforcer allows unintended calls",
        applies: "has it (by design: it limits value, not calls)",
        detect: None,
        unobservable: "leash puts the streaming enforcer only in caveat groups that fix the target and the selector (or empty calldata), so the calls a stream pays for are the permissions' own",
    },
    Known {
        id: "cyfrin-4-25-7.1.1",
        source: "Cyfrin, Delegation Framework (Apr 2025), 7.1.1",
        title: "The streaming enforcers increase spending without a transfer",
        applies: "n/a as leash runs it",
        detect: None,
        unobservable: "as for cyfrin-3-25-7.2.1: a failed transfer reverts the redemption and the stream's spend with it (§P3), and leash reads the spend back after every bundle",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(class: Class, detail: &str) -> Finding {
        Finding {
            class,
            step: 1,
            op: Some(0),
            model: "allow (1 execution(s))".into(),
            module: String::new(),
            detail: detail.into(),
            path: Box::default(),
        }
    }

    #[test]
    fn findings_are_told_apart_by_the_gap_they_use() {
        let dynamic = finding(
            Class::Limitation,
            "the executed calls break the policy as written: ...; the module cannot express it: \
             rule-on-dynamic-argument (...)",
        );
        assert!(dynamic_argument(&dynamic) && !picked_group(&dynamic));
        let group = finding(Class::Limitation, "... delegate-picks-group (...)");
        assert!(picked_group(&group) && !reaches_account(&group));
        // The same words in a bypass are not a documented limitation.
        let bypass = finding(Class::Bypass, "... rule-on-dynamic-argument ...");
        assert!(!dynamic_argument(&bypass));
        assert!(KNOWN.iter().all(|k| k.detect.is_some() == k.unobservable.is_empty()));
    }
}
