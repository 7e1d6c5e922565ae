//! Fuzz cases: session lifecycles that run on the model and on the EVM alike.
//!
//! A case is plain data (JSON in `corpus/`, spelled by `crate::corpus`'s format layer, not by
//! these types): install and revoke sessions, move the clock,
//! submit bundles of ops. Each op carries its exact bytes (what replays use) and, when the
//! generator made it, its recipe (what it meant, the twin it planted, the mutation), which the
//! minimizer edits and re-derives the bytes from.

use alloy_primitives::{Address, U256};
use leash_model::Policy;

use crate::evm::{KeyIndex, SessionKey};
use crate::mutate::{Mutated, Mutation, NotApplicable, PlannedOp};

/// The block timestamp every case starts at.
pub const START_TIME: u64 = 1_700_000_000;
/// The chain every case starts on (`block.chainid`): the EVM world's, Anvil's 31337.
pub const START_CHAIN: u64 = 31337;

/// One session lifecycle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Case {
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// One step of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The account installs (or reinstalls) a session for key `key` (spec §2.1).
    Install {
        /// The key's index in the harness's key set.
        key: u8,
        /// The policy (boxed: it is large next to the other steps). It may break spec §12: the
        /// install is then refused, by the model and (the case checks) by the module, and
        /// changes nothing. Case files read it without validating it
        /// (`leash_model::format::unvalidated`).
        policy: Box<Policy>,
    },
    /// The account revokes key `key`'s session (spec §2.2).
    Revoke {
        /// The key's index.
        key: u8,
    },
    /// The clock moves to `now` (never backwards: earlier values leave it where it is).
    Time {
        /// The new block timestamp.
        now: u64,
    },
    /// From now on the account is validated on chain `id` (`block.chainid`): its state replicated
    /// there, as a multichain deployment or a fork has it (spec §17). Every case starts on
    /// [`START_CHAIN`].
    Chain {
        /// The chain id.
        id: u64,
    },
    /// A bundler submits these ops in one `handleOps`.
    Bundle {
        /// The ops, in bundle order.
        ops: Vec<Op>,
    },
    /// The EOA re-delegates (spec §18.5 to §18.7; the EIP-7702 frame only): it signs an EIP-7702
    /// authorization for `to`'s code, or clears its code. On the malicious code, `writes` are
    /// then stored into the EOA's storage by a stranger's call.
    Delegate {
        /// The code the EOA delegates to.
        to: Code,
        /// What the malicious code writes once the EOA runs it (only with [`Code::Malicious`]).
        writes: Vec<SlotWrite>,
        /// The chain id the authorization names (spec §18.10): `None` for the chain the world
        /// is on when it is sent (what a wallet signs), `Some(0)` for every chain, or that
        /// chain only. One for another chain is skipped: the EOA keeps its code, and nothing
        /// is written.
        chain: Option<u64>,
    },
    /// A plain transaction, not an op (the EIP-7702 frame only): the EOA's own key acting
    /// directly (spec §18.2), or a stranger calling the EOA.
    Direct {
        /// Who sends it.
        from: Actor,
        /// What it does.
        action: Action,
    },
}

/// Code the EOA of the EIP-7702 frame can delegate to (spec §18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// The account implementation the frame set up (`LeashAccount7702`).
    Account,
    /// A second, different, benign account implementation (`OtherAccount7702`).
    Other,
    /// A malicious implementation that lets anyone write the EOA's storage (`SlotWriter7702`).
    Malicious,
    /// No code: the delegation is cleared.
    None,
}

impl Code {
    /// Every code, the frame's own first.
    pub const ALL: [Code; 4] = [Code::Account, Code::Other, Code::Malicious, Code::None];

    /// Its name in reports (corpus files spell it the same way, in their own format types).
    pub fn name(self) -> &'static str {
        match self {
            Code::Account => "account",
            Code::Other => "other",
            Code::Malicious => "malicious",
            Code::None => "none",
        }
    }
}

/// One word the malicious implementation stores into the EOA's storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotWrite {
    /// The slot.
    pub slot: U256,
    /// The word stored.
    pub value: U256,
}

/// Who sends a [`Step::Direct`] transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The EOA's own key (the owner, spec §18.2).
    Owner,
    /// A key with no authority over the account.
    Stranger,
}

/// What a [`Step::Direct`] transaction does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A plain call from the sender to `target` (never the account or the module: managing
    /// sessions is what install and revoke steps do).
    Call {
        /// The callee.
        target: Address,
        /// Wei sent.
        value: U256,
        /// The calldata.
        data: Vec<u8>,
    },
    /// `initialize(validator, "")` sent to the EOA itself (spec §18.4).
    Initialize {
        /// The validator it asks for.
        validator: Validator,
    },
}

/// A validator an [`Action::Initialize`] asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Validator {
    /// The session module under test.
    Module,
    /// A stranger's validator that validates every op (`AnyOpValidator`).
    Stranger,
}

/// Who signs an op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signer {
    /// The key with this index ([`KeyIndex`]) signs the op's digest (spec §1.4.1).
    Key(u8),
    /// A 64-byte signature that recovers to no one (spec §1.4).
    Malformed,
}

impl Signer {
    /// The fixed key that signs (see [`KeyIndex`]), or `None` for a signature that recovers to
    /// no one: [`Signer::Malformed`], or a key index naming `address(0)`, which no key has.
    pub fn key(self) -> Option<&'static SessionKey> {
        match self {
            Self::Key(k) => KeyIndex::new(k).key(),
            Self::Malformed => None,
        }
    }

    /// The address the op's signature recovers to (spec §1.4), `None` when it recovers to no one.
    pub fn address(self) -> Option<Address> {
        self.key().map(SessionKey::address)
    }
}

/// One UserOperation of a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// Who signs it.
    pub signer: Signer,
    /// `userOp.callData`, exactly.
    pub call_data: Vec<u8>,
    /// Bytes after the 65 signature bytes.
    pub signature_tail: Vec<u8>,
    /// How the generator made it, when it did.
    pub recipe: Option<Recipe>,
    /// Its gas terms (spec §16); `None` is the harness's [`GasTerms::DEFAULT`].
    pub gas: Option<GasTerms>,
    /// Where its signed bytes come from when it replays another op (spec §1.4.2) or carries
    /// another key's signature (§1.4.4); `None` signs it afresh by its signer.
    pub replay: Option<Replay>,
}

/// An op that replays what another op was signed with (spec §1.4.2): an attacker resubmitting a
/// signed op it captured, or moving a signature onto another op. On the redeem frame (§P3),
/// where the session key sends its own transaction and no op is signed, it runs as a fresh op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Replay {
    /// Op `op` of the bundle at step `step`, an earlier one, resubmitted exactly as it was
    /// signed then: its nonce, fields and signature, hashed for the chain it was signed on.
    /// Once that op was included its nonce is used and it never executes again (spec §1.4.2).
    Resubmit {
        /// The earlier bundle step.
        step: usize,
        /// The op's position in it.
        op: usize,
    },
    /// This op, signed afresh, then given the signature of op `op` of the same bundle (made
    /// over that op's digest).
    SignatureOf {
        /// The position of the op whose signature it carries.
        op: usize,
    },
    /// This op, its signature in the layout that names its signer's session (a SmartSessions
    /// permission id, say), with the ECDSA signature made over the same hash by key `key`
    /// instead: another installed key's signature on an op that names one session (spec
    /// §1.4.4). The session the module judges it under is the module's
    /// [`crate::modules::SessionIdentity`].
    SignedBy {
        /// The index of the key that signs ([`KeyIndex`]; `address(0)`'s makes a signature that
        /// recovers to no one).
        key: u8,
    },
    /// This op, signed afresh by its signer, then key `key`'s signature over the same hash
    /// right after the 65 bytes of its own (before its decoy tail): a tail no module may read
    /// as the signature (spec §1.4, §1.4.4).
    KeyTail {
        /// The index of the key whose signature is the tail ([`KeyIndex`]).
        key: u8,
    },
    /// This op, signed afresh for the account, submitted with the world's other account (a
    /// second account of the same owner and module) as its sender, at that account's nonce on
    /// the op's own lane: a signature captured from one account replayed from another. The
    /// other account mirrors the case's installs and revokes, so the key has the same session
    /// there; under a digest that binds the account the signature recovers to an unrelated
    /// address and the op is denied `NoSession` (spec §1.4.1, §1.4.2).
    OtherAccount,
}

impl Replay {
    /// The key whose signature over the op's own hash it carries beside (or instead of) its
    /// signer's: [`Replay::SignedBy`]'s and [`Replay::KeyTail`]'s.
    pub fn other_key(self) -> Option<u8> {
        match self {
            Self::SignedBy { key } | Self::KeyTail { key } => Some(key),
            Self::Resubmit { .. } | Self::SignatureOf { .. } | Self::OtherAccount => None,
        }
    }
}

/// The gas fields of an op as it packs them: `accountGasLimits` (verification, call),
/// `preVerificationGas`, `gasFees` (priority, max) and `paymasterAndData` (spec §16).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GasTerms {
    /// `accountGasLimits[0..16]`.
    pub verification_gas_limit: u128,
    /// `accountGasLimits[16..32]`.
    pub call_gas_limit: u128,
    /// `preVerificationGas`.
    pub pre_verification_gas: u128,
    /// `gasFees[0..16]`.
    pub max_priority_fee_per_gas: u128,
    /// `gasFees[16..32]`.
    pub max_fee_per_gas: u128,
    /// `paymasterAndData`: empty (the account pays), or the paymaster, its verification and
    /// post-op gas limits (16 bytes each) and its data; the EntryPoint refuses 1 to 51 bytes.
    pub paymaster_and_data: Vec<u8>,
}

impl GasTerms {
    /// What an op without gas terms carries: generous limits (10M verification and call gas,
    /// 100k pre-verification gas), zero fees and no paymaster, so it costs nothing.
    pub const DEFAULT: Self = Self {
        verification_gas_limit: crate::evm::userop::VERIFICATION_GAS_LIMIT,
        call_gas_limit: crate::evm::userop::CALL_GAS_LIMIT,
        pre_verification_gas: crate::evm::userop::PRE_VERIFICATION_GAS as u128,
        max_priority_fee_per_gas: 0,
        max_fee_per_gas: 0,
        paymaster_and_data: Vec::new(),
    };

    /// Writes these terms into `op`'s gas fields.
    pub fn apply_to(&self, op: &mut crate::evm::PackedUserOperation) {
        use crate::evm::userop::pack_u128;
        op.accountGasLimits = pack_u128(self.verification_gas_limit, self.call_gas_limit);
        op.preVerificationGas = alloy_primitives::U256::from(self.pre_verification_gas);
        op.gasFees = pack_u128(self.max_priority_fee_per_gas, self.max_fee_per_gas);
        op.paymasterAndData = self.paymaster_and_data.clone().into();
    }

    /// `paymasterAndData` for `paymaster` with these gas limits and no paymaster data.
    pub fn paymaster_and_data(
        paymaster: alloy_primitives::Address,
        verification_gas_limit: u128,
        post_op_gas_limit: u128,
    ) -> Vec<u8> {
        let mut data = paymaster.to_vec();
        data.extend_from_slice(&verification_gas_limit.to_be_bytes());
        data.extend_from_slice(&post_op_gas_limit.to_be_bytes());
        data
    }
}

/// What a generated op means: the plan, the planted twin and the mutation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipe {
    /// The executions the generator meant.
    pub planned: PlannedOp,
    /// The op whose content relocating mutations plant.
    pub twin: PlannedOp,
    /// The mutation, if any: `None` is the canonical encoding.
    pub mutation: Option<Mutation>,
}

impl Recipe {
    /// Checks the recipe's shape: a single op plans exactly one call (a batch any number, the
    /// twin none when it plants nothing), within the limits of `crate::limits`.
    pub fn check(&self) -> Result<(), String> {
        use crate::limits::{MAX_OP_CALLDATA, MAX_RECIPE_CALLS};
        if !self.planned.batch && self.planned.calls.len() != 1 {
            return Err(format!(
                "its recipe plans a single execution with {} calls (a single execution has one)",
                self.planned.calls.len()
            ));
        }
        for (what, op) in [("planned", &self.planned), ("twin", &self.twin)] {
            if op.calls.len() > MAX_RECIPE_CALLS {
                return Err(format!(
                    "its recipe's {what} op has {} calls, more than the limit of \
                     {MAX_RECIPE_CALLS}",
                    op.calls.len()
                ));
            }
            if let Some(call) = op.calls.iter().find(|c| c.data.len() > MAX_OP_CALLDATA) {
                return Err(format!(
                    "its recipe's {what} op has a call of {} bytes, more than the limit of \
                     {MAX_OP_CALLDATA}",
                    call.data.len()
                ));
            }
        }
        Ok(())
    }

    /// The op's bytes: the canonical encoding, mutated if the recipe says so.
    pub fn derive(&self) -> Result<Mutated, NotApplicable> {
        if !self.planned.is_encodable() {
            return Err(NotApplicable);
        }
        match &self.mutation {
            Some(m) => m.apply(&self.planned, &self.twin),
            None => Ok(Mutated { call_data: self.planned.encode().0, signature_tail: Vec::new() }),
        }
    }
}

impl Op {
    /// The gas terms the model reads from this op (spec §16), as the EntryPoint unpacks its
    /// fields: [`GasTerms::DEFAULT`] when it has none.
    pub fn model_gas(&self) -> leash_model::OpGas {
        let mut packed = crate::evm::userop::unsigned_op(
            alloy_primitives::Address::ZERO,
            0,
            alloy_primitives::Bytes::new(),
        );
        self.gas.as_ref().unwrap_or(&GasTerms::DEFAULT).apply_to(&mut packed);
        crate::evm::userop::op_gas(&packed)
    }

    /// An op with exactly these call bytes, signed afresh by `signer`: no signature tail, no
    /// recipe, the harness's gas terms ([`GasTerms::DEFAULT`]).
    pub fn plain(signer: Signer, call_data: Vec<u8>) -> Self {
        Self {
            signer,
            call_data,
            signature_tail: Vec::new(),
            recipe: None,
            gas: None,
            replay: None,
        }
    }

    /// An op made from a recipe, with the bytes it derives.
    pub fn from_recipe(signer: Signer, recipe: Recipe) -> Result<Self, NotApplicable> {
        let bytes = recipe.derive()?;
        Ok(Self {
            signer,
            call_data: bytes.call_data,
            signature_tail: bytes.signature_tail,
            recipe: Some(recipe),
            gas: None,
            replay: None,
        })
    }
}

impl Case {
    /// The number of ops over all bundles.
    pub fn op_count(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Bundle { ops } => ops.len(),
                _ => 0,
            })
            .sum()
    }

    /// Checks the case against the harness's limits (`crate::limits`, `docs/limits.md`) and its
    /// recipes' shape, so a case read from a file can be run, minimized and exported without
    /// running away or tripping over a recipe no generator makes. The error names the step and
    /// op.
    pub fn check(&self) -> Result<(), String> {
        use crate::limits::{
            MAX_BUNDLE_OPS, MAX_CASE_OPS, MAX_CASE_STEPS, MAX_OP_CALLDATA, MAX_SLOT_WRITES,
        };
        if self.steps.len() > MAX_CASE_STEPS {
            return Err(format!(
                "the case has {} steps, more than the limit of {MAX_CASE_STEPS}",
                self.steps.len()
            ));
        }
        let ops = self.op_count();
        if ops > MAX_CASE_OPS {
            return Err(format!("the case has {ops} ops, more than the limit of {MAX_CASE_OPS}"));
        }
        for (s, step) in self.steps.iter().enumerate() {
            match step {
                Step::Delegate { to, writes, .. } => {
                    if *to != Code::Malicious && !writes.is_empty() {
                        return Err(format!(
                            "step {s} delegates to the {} code with slot writes (only the \
                             malicious code writes)",
                            to.name()
                        ));
                    }
                    if writes.len() > MAX_SLOT_WRITES {
                        return Err(format!(
                            "step {s} writes {} slots, more than the limit of {MAX_SLOT_WRITES}",
                            writes.len()
                        ));
                    }
                }
                Step::Direct { action: Action::Call { data, .. }, .. }
                    if data.len() > MAX_OP_CALLDATA =>
                {
                    return Err(format!(
                        "step {s}: its calldata has {} bytes, more than the limit of \
                         {MAX_OP_CALLDATA}",
                        data.len()
                    ));
                }
                _ => {}
            }
            let Step::Bundle { ops } = step else { continue };
            if ops.len() > MAX_BUNDLE_OPS {
                return Err(format!(
                    "step {s} bundles {} ops, more than the limit of {MAX_BUNDLE_OPS}",
                    ops.len()
                ));
            }
            for (o, op) in ops.iter().enumerate() {
                let at = |why: String| format!("step {s}, op {o}: {why}");
                let paymaster_and_data = op.gas.as_ref().map_or(0, |g| g.paymaster_and_data.len());
                for (what, len) in [
                    ("callData", op.call_data.len()),
                    ("signature tail", op.signature_tail.len()),
                    ("paymasterAndData", paymaster_and_data),
                ] {
                    if len > MAX_OP_CALLDATA {
                        return Err(at(format!(
                            "its {what} has {len} bytes, more than the limit of {MAX_OP_CALLDATA}"
                        )));
                    }
                }
                if let Some(recipe) = &op.recipe {
                    recipe.check().map_err(at)?;
                }
                match op.replay {
                    Some(Replay::Resubmit { step, op: earlier }) => {
                        let valid = step < s
                            && matches!(&self.steps[step], Step::Bundle { ops } if earlier < ops.len());
                        if !valid {
                            return Err(at(format!(
                                "it resubmits op {earlier} of step {step}, which is no op of an \
                                 earlier bundle"
                            )));
                        }
                    }
                    Some(Replay::SignatureOf { op: other }) if other >= ops.len() || other == o => {
                        return Err(at(format!(
                            "it carries the signature of op {other}, which is no other op of its \
                             bundle"
                        )));
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Drops every op's recipe, keeping its bytes (what replays use).
    pub fn strip_recipes(&mut self) {
        for step in &mut self.steps {
            if let Step::Bundle { ops } = step {
                ops.iter_mut().for_each(|op| op.recipe = None);
            }
        }
    }

    /// Whether the case changes the EIP-7702 frame's delegation or sends plain transactions:
    /// steps only that frame can run.
    pub fn needs_eip7702_frame(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Delegate { .. } | Step::Direct { .. }))
    }

    /// Whether any op of the case was mutated.
    pub fn is_mutated(&self) -> bool {
        self.steps.iter().any(|s| match s {
            Step::Bundle { ops } => {
                ops.iter().any(|o| o.recipe.as_ref().is_some_and(|r| r.mutation.is_some()))
            }
            _ => false,
        })
    }
}
