//! The corpus format is pinned: a golden entry holding every step, action, actor, validator,
//! code, signer, replay, region and mutation kind must read back to the same bytes, and so must
//! every committed regression.

use super::*;
use crate::mutate::MutationKind;

/// Version 1 of the format, every variant spelled once. Changing what it holds is changing the
/// format: see `corpus/README.md`, "Changing the format".
const GOLDEN: &str = include_str!("golden-v1.json");

/// `variants!(fn name, ALL: Type { Pattern => "name", ... })` defines `name`, an exhaustive match
/// (no wildcard) from a value to its variant's name, and `ALL`, every name the match can give. A
/// new variant of `Type` does not compile until it gets an arm here, and then the golden test
/// fails until `golden-v1.json` spells it.
macro_rules! variants {
    ($(fn $name:ident, $all:ident: $ty:ty { $($pattern:pat => $variant:literal),+ $(,)? })+) => {
        $(
            const $all: &[&str] = &[$($variant),+];
            fn $name(value: &$ty) -> &'static str {
                match value {
                    $($pattern => $variant),+
                }
            }
        )+
    };
}

variants! {
    fn step_name, STEPS: Step {
        Step::Install { .. } => "install",
        Step::Revoke { .. } => "revoke",
        Step::Time { .. } => "time",
        Step::Chain { .. } => "chain",
        Step::Bundle { .. } => "bundle",
        Step::Delegate { .. } => "delegate",
        Step::Direct { .. } => "direct",
    }
    fn code_name, CODES: Code {
        Code::Account => "account",
        Code::Other => "other",
        Code::Malicious => "malicious",
        Code::None => "none",
    }
    fn actor_name, ACTORS: Actor {
        Actor::Owner => "owner",
        Actor::Stranger => "stranger",
    }
    fn action_name, ACTIONS: Action {
        Action::Call { .. } => "call",
        Action::Initialize { .. } => "initialize",
    }
    fn validator_name, VALIDATORS: Validator {
        Validator::Module => "module",
        Validator::Stranger => "stranger",
    }
    fn signer_name, SIGNERS: Signer {
        Signer::Key(_) => "key",
        Signer::Malformed => "malformed",
    }
    fn replay_name, REPLAYS: Replay {
        Replay::Resubmit { .. } => "resubmit",
        Replay::SignatureOf { .. } => "signature_of",
        Replay::SignedBy { .. } => "signed_by",
        Replay::KeyTail { .. } => "key_tail",
        Replay::OtherAccount => "other_account",
    }
    fn region_name, REGIONS: Region {
        Region::Outer => "outer",
        Region::Execution => "execution",
        Region::Item(_) => "item",
    }
}

/// What a case spells: `(what, variant)` pairs, and whether each optional part appears.
#[derive(Default)]
struct Spelled {
    variants: Vec<(&'static str, &'static str)>,
    kinds: Vec<MutationKind>,
    signature_tail: bool,
    writes: bool,
    /// A re-delegation whose authorization names a chain id, and one that signs for the chain
    /// it is sent on.
    authorization_chain: bool,
    current_chain_authorization: bool,
    args: bool,
    gas: bool,
    paymaster: bool,
    no_paymaster: bool,
    unmutated_recipe: bool,
}

impl Spelled {
    fn of(case: &Case) -> Self {
        let mut spelled = Self::default();
        for step in &case.steps {
            spelled.variants.push(("step", step_name(step)));
            match step {
                Step::Delegate { to, writes, chain } => {
                    spelled.variants.push(("code", code_name(to)));
                    spelled.writes |= !writes.is_empty();
                    spelled.authorization_chain |= chain.is_some();
                    spelled.current_chain_authorization |= chain.is_none();
                }
                Step::Direct { from, action } => {
                    spelled.variants.push(("actor", actor_name(from)));
                    spelled.variants.push(("action", action_name(action)));
                    if let Action::Initialize { validator } = action {
                        spelled.variants.push(("validator", validator_name(validator)));
                    }
                }
                Step::Bundle { ops } => ops.iter().for_each(|op| spelled.op(op)),
                Step::Install { .. }
                | Step::Revoke { .. }
                | Step::Time { .. }
                | Step::Chain { .. } => {}
            }
        }
        spelled
    }

    fn op(&mut self, op: &Op) {
        self.variants.push(("signer", signer_name(&op.signer)));
        self.signature_tail |= !op.signature_tail.is_empty();
        if let Some(replay) = &op.replay {
            self.variants.push(("replay", replay_name(replay)));
        }
        if let Some(gas) = &op.gas {
            self.gas = true;
            self.paymaster |= !gas.paymaster_and_data.is_empty();
            self.no_paymaster |= gas.paymaster_and_data.is_empty();
        }
        let Some(recipe) = &op.recipe else { return };
        self.args |= recipe.planned.calls.iter().any(|c| c.args.is_some());
        match &recipe.mutation {
            None => self.unmutated_recipe = true,
            Some(mutation) => {
                self.kinds.push(mutation.kind());
                if let Mutation::Padding { region }
                | Mutation::Trailing { region, .. }
                | Mutation::Truncate { region, .. } = mutation
                {
                    self.variants.push(("region", region_name(region)));
                }
            }
        }
    }
}

#[test]
fn the_golden_entry_round_trips_byte_for_byte() {
    let entry = Entry::from_json(GOLDEN).unwrap();
    assert_eq!(entry.to_json(), GOLDEN);
}

impl Spelled {
    /// The variants no step or op of the case spells, as `"<what> <name>"`.
    fn missing(&self) -> Vec<String> {
        let all: [(&str, &[&str]); 8] = [
            ("step", STEPS),
            ("code", CODES),
            ("actor", ACTORS),
            ("action", ACTIONS),
            ("validator", VALIDATORS),
            ("signer", SIGNERS),
            ("replay", REPLAYS),
            ("region", REGIONS),
        ];
        all.iter()
            .flat_map(|&(what, names)| names.iter().map(move |&name| (what, name)))
            .filter(|pair| !self.variants.contains(pair))
            .map(|(what, name)| format!("{what} {name}"))
            .chain(
                MutationKind::ALL
                    .into_iter()
                    .filter(|kind| !self.kinds.contains(kind))
                    .map(|kind| format!("mutation {kind}")),
            )
            .collect()
    }
}

#[test]
fn the_golden_entry_spells_every_variant() {
    let entry = Entry::from_json(GOLDEN).unwrap();
    let spelled = Spelled::of(&entry.case);
    let missing = spelled.missing();
    assert!(missing.is_empty(), "golden-v1.json spells no {}", missing.join(", "));
    // Every optional part of a case appears at least once, and absent at least once.
    assert!(spelled.signature_tail && spelled.writes && spelled.args && spelled.unmutated_recipe);
    assert!(spelled.authorization_chain && spelled.current_chain_authorization);
    assert!(spelled.gas && spelled.paymaster && spelled.no_paymaster);
    let finding = entry.finding.as_ref().expect("the golden entry has a finding");
    assert!(finding.op.is_some() && !finding.path.is_empty());
    assert!(entry.note.is_some() && !entry.input.is_empty());
}

/// The check above names what a golden file leaves out: one without replays, chain moves and
/// the last mutation kind misses exactly those.
#[test]
fn the_variant_check_names_what_a_case_leaves_out() {
    let mut case = Entry::from_json(GOLDEN).unwrap().case;
    let last = *MutationKind::ALL.last().unwrap();
    case.steps.retain(|step| !matches!(step, Step::Chain { .. }));
    for step in &mut case.steps {
        if let Step::Bundle { ops } = step {
            ops.retain(|op| {
                op.recipe.as_ref().and_then(|r| r.mutation.as_ref()).map(Mutation::kind)
                    != Some(last)
            });
            ops.iter_mut().for_each(|op| op.replay = None);
        }
    }
    assert_eq!(
        Spelled::of(&case).missing(),
        [
            "step chain".to_string(),
            "replay resubmit".into(),
            "replay signature_of".into(),
            "replay signed_by".into(),
            "replay key_tail".into(),
            "replay other_account".into(),
            format!("mutation {last}"),
        ]
    );
}

/// The case format's ids hash the file format's JSON: an entry's id is stable across leash
/// versions as long as the format is.
#[test]
fn ids_hash_the_file_format() {
    let entry = Entry::from_json(GOLDEN).unwrap();
    let again = Entry::new(
        entry.module.clone(),
        entry.expect,
        entry.finding.clone(),
        entry.provenance.clone(),
        entry.case.clone(),
    );
    assert_eq!(again.id, entry.id);
}

#[test]
fn every_committed_regression_loads_and_round_trips_byte_for_byte() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/regressions");
    let entries = super::super::load_dir(&dir).unwrap();
    assert!(entries.len() >= 20, "{} regressions in {}", entries.len(), dir.display());
    for (path, entry) in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(entry.to_json(), text, "{} does not round-trip", path.display());
        // The id the writing leash derived is the one this one derives.
        let again = Entry::new(
            entry.module.clone(),
            entry.expect,
            None,
            Provenance::default(),
            entry.case.clone(),
        );
        assert_eq!(again.id, entry.id, "{}", path.display());
    }
}

#[test]
fn every_class_is_spelled_by_its_name() {
    for class in Class::ALL {
        let json = serde_json::to_value(ClassFile::from(class)).unwrap();
        assert_eq!(json, class.name(), "{class:?}");
        let back: ClassFile = serde_json::from_value(json).unwrap();
        assert_eq!(Class::from(back), class);
    }
}

#[test]
fn mutations_serialize_for_the_corpus() {
    let m = Mutation::Trailing { region: Region::Item(1), bytes: vec![1, 2] };
    let json = serde_json::to_string(&MutationFile::from(&m)).unwrap();
    assert_eq!(json, r#"{"kind":"trailing","region":{"item":1},"bytes":"0x0102"}"#);
    let back: MutationFile = serde_json::from_str(&json).unwrap();
    assert_eq!(Mutation::from(back), m);
}

#[test]
fn gas_amounts_are_decimal_strings_and_bad_ones_are_quoted() {
    let gas = GasTerms { max_fee_per_gas: u128::MAX, ..GasTerms::DEFAULT };
    let json = serde_json::to_value(GasTermsFile::from(&gas)).unwrap();
    assert_eq!(json["max_fee_per_gas"], u128::MAX.to_string());
    assert!(json.get("paymaster_and_data").is_none());
    let back: GasTermsFile = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(GasTerms::from(back), gas);
    let mut bad = json;
    bad["call_gas_limit"] = "2^128".into();
    let error = serde_json::from_value::<GasTermsFile>(bad).err().unwrap().to_string();
    assert!(error.contains("\"2^128\" is not a decimal number below 2^128"), "{error}");
}
