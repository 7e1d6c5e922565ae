//! `docs/spec.md` and the model name the same denials with the same codes and clauses.

use leash_model::DenyReason;

const SPEC: &str = include_str!("../../docs/spec.md");

fn codes_table() -> String {
    let mut table = String::from("| code | denial | clause |\n|---|---|---|\n");
    for reason in DenyReason::ALL {
        table += &format!("| {} | `{}` | {} |\n", reason.code(), reason.name(), reason.clause());
    }
    table
}

#[test]
fn the_spec_appendix_lists_every_denial_code() {
    let table = codes_table();
    assert!(
        SPEC.contains(&table),
        "docs/spec.md's appendix must contain exactly this table:\n\n{table}"
    );
}

#[test]
fn every_denial_is_named_in_its_clause() {
    for reason in DenyReason::ALL {
        let clause = reason.clause();
        let line = SPEC
            .lines()
            .position(|l| l.contains(&format!("{clause} ")) || l.contains(&format!("**{clause} ")))
            .unwrap_or_else(|| panic!("{clause} ({}) is not in docs/spec.md", reason.name()));
        // The denial's name appears in brackets within the clause's text.
        let text: String = SPEC.lines().skip(line).take(8).collect::<Vec<_>>().join("\n");
        let named = format!("[`{}`", reason.name());
        let session = matches!(reason, DenyReason::NoSession | DenyReason::Revoked);
        assert!(
            text.contains(&named) || (session && text.contains(&format!("`{}`", reason.name()))),
            "{clause} does not name `{}`:\n{text}",
            reason.name()
        );
    }
}

#[test]
fn codes_are_unique_and_round_trip() {
    for reason in DenyReason::ALL {
        assert_eq!(DenyReason::from_code(reason.code()), Some(*reason));
    }
    assert_eq!(DenyReason::from_code(0), None);
}
