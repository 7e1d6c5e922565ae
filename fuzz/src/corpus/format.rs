//! The corpus file format (`leash-corpus` version 1), as its own types.
//!
//! Corpus files outlive the code that wrote them: they are committed as regressions and read by
//! later versions of leash. So the on-disk names are spelled here, once, and the harness's own
//! types ([`Case`], [`Step`], [`Mutation`], [`Finding`], ...) carry no serde at all: renaming a
//! variant or a field in the harness cannot change the format, and changing the format is a
//! visible edit of this file (and of `corpus/README.md`, which documents it). This is the same
//! split as the policy file format's (`leash_model::format`); policies inside a case are written
//! by that layer.
//!
//! Reading is as lenient as the format always was: unknown fields are refused on an entry and
//! its provenance, and ignored inside a case.
//!
//! Adding a variant or a field to a harness type that a case holds (a step, a replay kind, a
//! mutation kind, a gas field) is an edit here, and the compiler walks you through it: every
//! conversion below matches the harness's enums without a wildcard and destructures its structs
//! without `..`, so a new variant or field does not compile until it has a file spelling. Then
//! spell it once in `format/golden-v1.json`: the golden test names every variant it misses.
//! A new optional field or variant keeps version 1 (older files still read the same); renaming
//! or removing one is a new version (`corpus/README.md`, "Changing the format").

use alloy_primitives::{Address, U256};
use leash_model::{AbiType, Policy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Entry, Provenance};
use crate::case::{
    Action, Actor, Case, Code, GasTerms, Op, Recipe, Replay, Signer, SlotWrite, Step, Validator,
};
use crate::evm::coverage::CodeBranch;
use crate::finding::{Class, Finding};
use crate::mutate::{Mutation, PlannedCall, PlannedOp, Region};

/// A whole corpus file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    format: String,
    version: u32,
    id: String,
    module: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect: Option<ClassFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    finding: Option<FindingFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    provenance: ProvenanceFile,
    case: CaseFile,
    #[serde(default, with = "crate::hex_bytes", skip_serializing_if = "Vec::is_empty")]
    input: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvenanceFile {
    seed: u64,
    worker: u32,
    exec: u64,
    mutate: bool,
    leash: String,
    minimized: bool,
}

/// A finding's class, as `expect` and `finding.class` spell it.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ClassFile {
    Bypass,
    Strictness,
    Liveness,
    State,
    Reason,
    Limitation,
}

#[derive(Serialize, Deserialize)]
struct FindingFile {
    class: ClassFile,
    step: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    op: Option<usize>,
    model: String,
    module: String,
    detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    path: Vec<CodeBranchFile>,
}

#[derive(Serialize, Deserialize)]
struct CodeBranchFile {
    code: Address,
    pc: u32,
    taken: bool,
}

/// A case, as `case` spells it.
#[derive(Serialize, Deserialize)]
struct CaseFile {
    steps: Vec<StepFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
enum StepFile {
    Install {
        key: u8,
        /// Read without spec §12's validation: a case may install a policy the spec rejects.
        #[serde(with = "leash_model::format::unvalidated")]
        policy: Box<Policy>,
    },
    Revoke {
        key: u8,
    },
    Time {
        now: u64,
    },
    Chain {
        id: u64,
    },
    Bundle {
        ops: Vec<OpFile>,
    },
    Delegate {
        to: CodeFile,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        writes: Vec<SlotWriteFile>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chain: Option<u64>,
    },
    Direct {
        from: ActorFile,
        action: ActionFile,
    },
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CodeFile {
    Account,
    Other,
    Malicious,
    None,
}

#[derive(Serialize, Deserialize)]
struct SlotWriteFile {
    slot: U256,
    value: U256,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ActorFile {
    Owner,
    Stranger,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
enum ActionFile {
    Call {
        target: Address,
        value: U256,
        #[serde(with = "crate::hex_bytes")]
        data: Vec<u8>,
    },
    Initialize {
        validator: ValidatorFile,
    },
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ValidatorFile {
    Module,
    Stranger,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SignerFile {
    Key(u8),
    Malformed,
}

#[derive(Serialize, Deserialize)]
struct OpFile {
    signer: SignerFile,
    #[serde(with = "crate::hex_bytes")]
    call_data: Vec<u8>,
    #[serde(default, with = "crate::hex_bytes", skip_serializing_if = "Vec::is_empty")]
    signature_tail: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recipe: Option<RecipeFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gas: Option<GasTermsFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    replay: Option<ReplayFile>,
}

/// An op's gas fields. The `u128`s are decimal strings: a case is read through serde's buffered
/// representation of internally tagged enums (the steps), which carries no 128-bit numbers.
#[derive(Serialize, Deserialize)]
struct GasTermsFile {
    #[serde(with = "decimal_u128")]
    verification_gas_limit: u128,
    #[serde(with = "decimal_u128")]
    call_gas_limit: u128,
    #[serde(with = "decimal_u128")]
    pre_verification_gas: u128,
    #[serde(with = "decimal_u128")]
    max_priority_fee_per_gas: u128,
    #[serde(with = "decimal_u128")]
    max_fee_per_gas: u128,
    #[serde(default, with = "crate::hex_bytes", skip_serializing_if = "Vec::is_empty")]
    paymaster_and_data: Vec<u8>,
}

/// Where a replaying op's signed bytes come from: `{"resubmit": {"step": 1, "op": 0}}`, or
/// another key's signature it carries: `{"signed_by": {"key": 1}}`, `{"key_tail": {"key": 1}}`,
/// or `"other_account"`.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ReplayFile {
    Resubmit { step: usize, op: usize },
    SignatureOf { op: usize },
    SignedBy { key: u8 },
    KeyTail { key: u8 },
    OtherAccount,
}

/// A `u128` as a decimal string.
mod decimal_u128 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(value: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(|_| {
            D::Error::custom(format!(
                "{} is not a decimal number below 2^128",
                leash_model::format::quote(&text)
            ))
        })
    }
}

#[derive(Serialize, Deserialize)]
struct RecipeFile {
    planned: PlannedOpFile,
    twin: PlannedOpFile,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mutation: Option<MutationFile>,
}

#[derive(Serialize, Deserialize)]
struct PlannedOpFile {
    batch: bool,
    calls: Vec<PlannedCallFile>,
}

#[derive(Serialize, Deserialize)]
struct PlannedCallFile {
    target: Address,
    value: U256,
    #[serde(with = "crate::hex_bytes")]
    data: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    args: Option<Vec<AbiType>>,
}

/// A mutation: its `kind` tag is [`crate::mutate::MutationKind::name`] (a test checks it).
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum MutationFile {
    OuterSelector {
        selector: [u8; 4],
    },
    ModeByte {
        index: u8,
        value: u8,
    },
    OuterOffset {
        value: U256,
    },
    OuterLength {
        value: U256,
    },
    OuterRelocate,
    ArrayOffset {
        value: U256,
    },
    BatchLength {
        value: U256,
    },
    ItemOffset {
        item: u8,
        value: U256,
    },
    ItemAlias {
        item: u8,
        to: u8,
    },
    ItemRelocate {
        item: u8,
    },
    ItemHide {
        item: u8,
        host: u8,
    },
    DataHide {
        item: u8,
        host: u8,
    },
    DataOffset {
        item: u8,
        value: U256,
    },
    DataLength {
        item: u8,
        value: U256,
    },
    DirtyTarget {
        item: u8,
        fill: [u8; 12],
    },
    Padding {
        region: RegionFile,
    },
    Trailing {
        region: RegionFile,
        #[serde(with = "crate::hex_bytes")]
        bytes: Vec<u8>,
    },
    Truncate {
        region: RegionFile,
        len: u32,
    },
    InnerData {
        item: u8,
        #[serde(with = "crate::hex_bytes")]
        data: Vec<u8>,
    },
    DirtyArg {
        item: u8,
        arg: u8,
        fill: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<u8>,
    },
    ArgRelocate {
        item: u8,
        arg: u8,
    },
    ArgHide {
        item: u8,
        arg: u8,
    },
    ArgPadding {
        item: u8,
        arg: u8,
    },
    SignatureDecoy,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RegionFile {
    Outer,
    Execution,
    Item(u8),
}

// ---- The harness's types to the file's. Enums are matched without a wildcard and structs
// destructured without `..`: a new variant or field does not compile until it is spelled here.

impl From<Class> for ClassFile {
    fn from(class: Class) -> Self {
        match class {
            Class::Bypass => Self::Bypass,
            Class::Strictness => Self::Strictness,
            Class::Liveness => Self::Liveness,
            Class::State => Self::State,
            Class::Reason => Self::Reason,
            Class::Limitation => Self::Limitation,
        }
    }
}

impl From<&Finding> for FindingFile {
    fn from(finding: &Finding) -> Self {
        let Finding { class, step, op, model, module, detail, path } = finding;
        Self {
            class: (*class).into(),
            step: *step,
            op: *op,
            model: model.clone(),
            module: module.clone(),
            detail: detail.clone(),
            path: path
                .iter()
                .map(|&CodeBranch { code, pc, taken }| CodeBranchFile { code, pc, taken })
                .collect(),
        }
    }
}

impl From<&Provenance> for ProvenanceFile {
    fn from(provenance: &Provenance) -> Self {
        let Provenance { seed, worker, exec, mutate, leash, minimized } = provenance;
        Self {
            seed: *seed,
            worker: *worker,
            exec: *exec,
            mutate: *mutate,
            leash: leash.clone(),
            minimized: *minimized,
        }
    }
}

impl From<&Case> for CaseFile {
    fn from(case: &Case) -> Self {
        let Case { steps } = case;
        Self { steps: steps.iter().map(StepFile::from).collect() }
    }
}

impl From<&Step> for StepFile {
    fn from(step: &Step) -> Self {
        match step {
            Step::Install { key, policy } => Self::Install { key: *key, policy: policy.clone() },
            Step::Revoke { key } => Self::Revoke { key: *key },
            Step::Time { now } => Self::Time { now: *now },
            Step::Chain { id } => Self::Chain { id: *id },
            Step::Bundle { ops } => Self::Bundle { ops: ops.iter().map(OpFile::from).collect() },
            Step::Delegate { to, writes, chain } => Self::Delegate {
                to: (*to).into(),
                writes: writes
                    .iter()
                    .map(|&SlotWrite { slot, value }| SlotWriteFile { slot, value })
                    .collect(),
                chain: *chain,
            },
            Step::Direct { from, action } => {
                Self::Direct { from: (*from).into(), action: action.into() }
            }
        }
    }
}

impl From<Code> for CodeFile {
    fn from(code: Code) -> Self {
        match code {
            Code::Account => Self::Account,
            Code::Other => Self::Other,
            Code::Malicious => Self::Malicious,
            Code::None => Self::None,
        }
    }
}

impl From<Actor> for ActorFile {
    fn from(actor: Actor) -> Self {
        match actor {
            Actor::Owner => Self::Owner,
            Actor::Stranger => Self::Stranger,
        }
    }
}

impl From<&Action> for ActionFile {
    fn from(action: &Action) -> Self {
        match action {
            Action::Call { target, value, data } => {
                Self::Call { target: *target, value: *value, data: data.clone() }
            }
            Action::Initialize { validator } => Self::Initialize { validator: (*validator).into() },
        }
    }
}

impl From<Validator> for ValidatorFile {
    fn from(validator: Validator) -> Self {
        match validator {
            Validator::Module => Self::Module,
            Validator::Stranger => Self::Stranger,
        }
    }
}

impl From<Signer> for SignerFile {
    fn from(signer: Signer) -> Self {
        match signer {
            Signer::Key(k) => Self::Key(k),
            Signer::Malformed => Self::Malformed,
        }
    }
}

impl From<&Op> for OpFile {
    fn from(op: &Op) -> Self {
        let Op { signer, call_data, signature_tail, recipe, gas, replay } = op;
        Self {
            signer: (*signer).into(),
            call_data: call_data.clone(),
            signature_tail: signature_tail.clone(),
            recipe: recipe.as_ref().map(RecipeFile::from),
            gas: gas.as_ref().map(GasTermsFile::from),
            replay: replay.map(ReplayFile::from),
        }
    }
}

impl From<&Recipe> for RecipeFile {
    fn from(recipe: &Recipe) -> Self {
        let Recipe { planned, twin, mutation } = recipe;
        Self {
            planned: planned.into(),
            twin: twin.into(),
            mutation: mutation.as_ref().map(MutationFile::from),
        }
    }
}

impl From<&GasTerms> for GasTermsFile {
    fn from(gas: &GasTerms) -> Self {
        let GasTerms {
            verification_gas_limit,
            call_gas_limit,
            pre_verification_gas,
            max_priority_fee_per_gas,
            max_fee_per_gas,
            paymaster_and_data,
        } = gas;
        Self {
            verification_gas_limit: *verification_gas_limit,
            call_gas_limit: *call_gas_limit,
            pre_verification_gas: *pre_verification_gas,
            max_priority_fee_per_gas: *max_priority_fee_per_gas,
            max_fee_per_gas: *max_fee_per_gas,
            paymaster_and_data: paymaster_and_data.clone(),
        }
    }
}

impl From<Replay> for ReplayFile {
    fn from(replay: Replay) -> Self {
        match replay {
            Replay::Resubmit { step, op } => Self::Resubmit { step, op },
            Replay::SignatureOf { op } => Self::SignatureOf { op },
            Replay::SignedBy { key } => Self::SignedBy { key },
            Replay::KeyTail { key } => Self::KeyTail { key },
            Replay::OtherAccount => Self::OtherAccount,
        }
    }
}

impl From<&PlannedOp> for PlannedOpFile {
    fn from(op: &PlannedOp) -> Self {
        let PlannedOp { batch, calls } = op;
        Self {
            batch: *batch,
            calls: calls
                .iter()
                .map(|PlannedCall { target, value, data, args }| PlannedCallFile {
                    target: *target,
                    value: *value,
                    data: data.clone(),
                    args: args.clone(),
                })
                .collect(),
        }
    }
}

impl From<Region> for RegionFile {
    fn from(region: Region) -> Self {
        match region {
            Region::Outer => Self::Outer,
            Region::Execution => Self::Execution,
            Region::Item(i) => Self::Item(i),
        }
    }
}

impl From<&Mutation> for MutationFile {
    fn from(m: &Mutation) -> Self {
        use Mutation as M;
        match m.clone() {
            M::OuterSelector { selector } => Self::OuterSelector { selector },
            M::ModeByte { index, value } => Self::ModeByte { index, value },
            M::OuterOffset { value } => Self::OuterOffset { value },
            M::OuterLength { value } => Self::OuterLength { value },
            M::OuterRelocate => Self::OuterRelocate,
            M::ArrayOffset { value } => Self::ArrayOffset { value },
            M::BatchLength { value } => Self::BatchLength { value },
            M::ItemOffset { item, value } => Self::ItemOffset { item, value },
            M::ItemAlias { item, to } => Self::ItemAlias { item, to },
            M::ItemRelocate { item } => Self::ItemRelocate { item },
            M::ItemHide { item, host } => Self::ItemHide { item, host },
            M::DataHide { item, host } => Self::DataHide { item, host },
            M::DataOffset { item, value } => Self::DataOffset { item, value },
            M::DataLength { item, value } => Self::DataLength { item, value },
            M::DirtyTarget { item, fill } => Self::DirtyTarget { item, fill },
            M::Padding { region } => Self::Padding { region: region.into() },
            M::Trailing { region, bytes } => Self::Trailing { region: region.into(), bytes },
            M::Truncate { region, len } => Self::Truncate { region: region.into(), len },
            M::InnerData { item, data } => Self::InnerData { item, data },
            M::DirtyArg { item, arg, fill, at } => Self::DirtyArg { item, arg, fill, at },
            M::ArgRelocate { item, arg } => Self::ArgRelocate { item, arg },
            M::ArgHide { item, arg } => Self::ArgHide { item, arg },
            M::ArgPadding { item, arg } => Self::ArgPadding { item, arg },
            M::SignatureDecoy => Self::SignatureDecoy,
        }
    }
}

// ---- The file's types to the harness's (structs are built whole, so a new field needs a
// spelling here too).

impl From<ClassFile> for Class {
    fn from(class: ClassFile) -> Self {
        match class {
            ClassFile::Bypass => Self::Bypass,
            ClassFile::Strictness => Self::Strictness,
            ClassFile::Liveness => Self::Liveness,
            ClassFile::State => Self::State,
            ClassFile::Reason => Self::Reason,
            ClassFile::Limitation => Self::Limitation,
        }
    }
}

impl From<FindingFile> for Finding {
    fn from(f: FindingFile) -> Self {
        Self {
            class: f.class.into(),
            step: f.step,
            op: f.op,
            model: f.model,
            module: f.module,
            detail: f.detail,
            path: f
                .path
                .into_iter()
                .map(|b| CodeBranch { code: b.code, pc: b.pc, taken: b.taken })
                .collect(),
        }
    }
}

impl From<ProvenanceFile> for Provenance {
    fn from(p: ProvenanceFile) -> Self {
        Self {
            seed: p.seed,
            worker: p.worker,
            exec: p.exec,
            mutate: p.mutate,
            leash: p.leash,
            minimized: p.minimized,
        }
    }
}

impl From<CaseFile> for Case {
    fn from(case: CaseFile) -> Self {
        Self { steps: case.steps.into_iter().map(Step::from).collect() }
    }
}

impl From<StepFile> for Step {
    fn from(step: StepFile) -> Self {
        match step {
            StepFile::Install { key, policy } => Self::Install { key, policy },
            StepFile::Revoke { key } => Self::Revoke { key },
            StepFile::Time { now } => Self::Time { now },
            StepFile::Chain { id } => Self::Chain { id },
            StepFile::Bundle { ops } => {
                Self::Bundle { ops: ops.into_iter().map(Op::from).collect() }
            }
            StepFile::Delegate { to, writes, chain } => Self::Delegate {
                to: to.into(),
                writes: writes
                    .into_iter()
                    .map(|w| SlotWrite { slot: w.slot, value: w.value })
                    .collect(),
                chain,
            },
            StepFile::Direct { from, action } => {
                Self::Direct { from: from.into(), action: action.into() }
            }
        }
    }
}

impl From<CodeFile> for Code {
    fn from(code: CodeFile) -> Self {
        match code {
            CodeFile::Account => Self::Account,
            CodeFile::Other => Self::Other,
            CodeFile::Malicious => Self::Malicious,
            CodeFile::None => Self::None,
        }
    }
}

impl From<ActorFile> for Actor {
    fn from(actor: ActorFile) -> Self {
        match actor {
            ActorFile::Owner => Self::Owner,
            ActorFile::Stranger => Self::Stranger,
        }
    }
}

impl From<ActionFile> for Action {
    fn from(action: ActionFile) -> Self {
        match action {
            ActionFile::Call { target, value, data } => Self::Call { target, value, data },
            ActionFile::Initialize { validator } => {
                Self::Initialize { validator: validator.into() }
            }
        }
    }
}

impl From<ValidatorFile> for Validator {
    fn from(validator: ValidatorFile) -> Self {
        match validator {
            ValidatorFile::Module => Self::Module,
            ValidatorFile::Stranger => Self::Stranger,
        }
    }
}

impl From<SignerFile> for Signer {
    fn from(signer: SignerFile) -> Self {
        match signer {
            SignerFile::Key(k) => Self::Key(k),
            SignerFile::Malformed => Self::Malformed,
        }
    }
}

impl From<OpFile> for Op {
    fn from(op: OpFile) -> Self {
        Self {
            signer: op.signer.into(),
            call_data: op.call_data,
            signature_tail: op.signature_tail,
            recipe: op.recipe.map(Recipe::from),
            gas: op.gas.map(GasTerms::from),
            replay: op.replay.map(Replay::from),
        }
    }
}

impl From<RecipeFile> for Recipe {
    fn from(recipe: RecipeFile) -> Self {
        Self {
            planned: recipe.planned.into(),
            twin: recipe.twin.into(),
            mutation: recipe.mutation.map(Mutation::from),
        }
    }
}

impl From<GasTermsFile> for GasTerms {
    fn from(gas: GasTermsFile) -> Self {
        Self {
            verification_gas_limit: gas.verification_gas_limit,
            call_gas_limit: gas.call_gas_limit,
            pre_verification_gas: gas.pre_verification_gas,
            max_priority_fee_per_gas: gas.max_priority_fee_per_gas,
            max_fee_per_gas: gas.max_fee_per_gas,
            paymaster_and_data: gas.paymaster_and_data,
        }
    }
}

impl From<ReplayFile> for Replay {
    fn from(replay: ReplayFile) -> Self {
        match replay {
            ReplayFile::Resubmit { step, op } => Self::Resubmit { step, op },
            ReplayFile::SignatureOf { op } => Self::SignatureOf { op },
            ReplayFile::SignedBy { key } => Self::SignedBy { key },
            ReplayFile::KeyTail { key } => Self::KeyTail { key },
            ReplayFile::OtherAccount => Self::OtherAccount,
        }
    }
}

impl From<PlannedOpFile> for PlannedOp {
    fn from(op: PlannedOpFile) -> Self {
        Self {
            batch: op.batch,
            calls: op
                .calls
                .into_iter()
                .map(|c| PlannedCall {
                    target: c.target,
                    value: c.value,
                    data: c.data,
                    args: c.args,
                })
                .collect(),
        }
    }
}

impl From<RegionFile> for Region {
    fn from(region: RegionFile) -> Self {
        match region {
            RegionFile::Outer => Self::Outer,
            RegionFile::Execution => Self::Execution,
            RegionFile::Item(i) => Self::Item(i),
        }
    }
}

impl From<MutationFile> for Mutation {
    fn from(m: MutationFile) -> Self {
        use MutationFile as F;
        match m {
            F::OuterSelector { selector } => Self::OuterSelector { selector },
            F::ModeByte { index, value } => Self::ModeByte { index, value },
            F::OuterOffset { value } => Self::OuterOffset { value },
            F::OuterLength { value } => Self::OuterLength { value },
            F::OuterRelocate => Self::OuterRelocate,
            F::ArrayOffset { value } => Self::ArrayOffset { value },
            F::BatchLength { value } => Self::BatchLength { value },
            F::ItemOffset { item, value } => Self::ItemOffset { item, value },
            F::ItemAlias { item, to } => Self::ItemAlias { item, to },
            F::ItemRelocate { item } => Self::ItemRelocate { item },
            F::ItemHide { item, host } => Self::ItemHide { item, host },
            F::DataHide { item, host } => Self::DataHide { item, host },
            F::DataOffset { item, value } => Self::DataOffset { item, value },
            F::DataLength { item, value } => Self::DataLength { item, value },
            F::DirtyTarget { item, fill } => Self::DirtyTarget { item, fill },
            F::Padding { region } => Self::Padding { region: region.into() },
            F::Trailing { region, bytes } => Self::Trailing { region: region.into(), bytes },
            F::Truncate { region, len } => Self::Truncate { region: region.into(), len },
            F::InnerData { item, data } => Self::InnerData { item, data },
            F::DirtyArg { item, arg, fill, at } => Self::DirtyArg { item, arg, fill, at },
            F::ArgRelocate { item, arg } => Self::ArgRelocate { item, arg },
            F::ArgHide { item, arg } => Self::ArgHide { item, arg },
            F::ArgPadding { item, arg } => Self::ArgPadding { item, arg },
            F::SignatureDecoy => Self::SignatureDecoy,
        }
    }
}

// ---- Entries through the file types.

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Entry { format, version, id, module, expect, finding, note, provenance, case, input } =
            self;
        EntryFile {
            format: format.clone(),
            version: *version,
            id: id.clone(),
            module: module.clone(),
            expect: expect.map(ClassFile::from),
            finding: finding.as_ref().map(FindingFile::from),
            note: note.clone(),
            provenance: provenance.into(),
            case: case.into(),
            input: input.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let file = EntryFile::deserialize(deserializer)?;
        Ok(Self {
            format: file.format,
            version: file.version,
            id: file.id,
            module: file.module,
            expect: file.expect.map(Class::from),
            finding: file.finding.map(Finding::from),
            note: file.note,
            provenance: file.provenance.into(),
            case: file.case.into(),
            input: file.input,
        })
    }
}

/// A class is written as corpus files spell it, also in the CLI's JSON output.
impl Serialize for Class {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ClassFile::from(*self).serialize(serializer)
    }
}

/// A finding is written as corpus files spell it, also in the CLI's JSON output.
impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FindingFile::from(self).serialize(serializer)
    }
}

/// A provenance is written as corpus files spell it, also in `leash report`'s JSON.
impl Serialize for Provenance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ProvenanceFile::from(self).serialize(serializer)
    }
}

/// The bytes an entry's id is the hash of: its module, expectation and case, in the file
/// format's compact JSON.
pub(super) fn id_content(module: &str, expect: Option<Class>, case: &Case) -> Vec<u8> {
    serde_json::to_vec(&(module, expect.map(ClassFile::from), CaseFile::from(case)))
        .expect("entries serialize")
}

/// A case as a corpus file spells it (compact JSON), for messages that show one.
pub fn case_to_json(case: &Case) -> String {
    serde_json::to_string(&CaseFile::from(case)).expect("cases serialize")
}

/// A mutation in the file format's JSON (its `kind` tag and fields).
#[cfg(test)]
pub(crate) fn mutation_json(mutation: &Mutation) -> serde_json::Value {
    serde_json::to_value(MutationFile::from(mutation)).expect("mutations serialize")
}

#[cfg(test)]
mod tests;
