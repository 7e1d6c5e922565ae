//! Bundles: `EntryPoint.handleOps` from the bundler EOA, with bundler semantics (spec §1.3).
//!
//! When `handleOps` reverts with `FailedOp`/`FailedOpWithRevert` for op `i`, op `i` is recorded
//! as denied and the remaining ops are resubmitted, until a submission goes through or no op is
//! left. Every op of the submission that goes through gets its `UserOperationEvent`. A malformed
//! `paymasterAndData` makes `handleOps` revert with a plain `Error(string)` naming no op (spec
//! §1.4.3); the op is found by the EntryPoint's own rule and dropped the same way.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent, SolInterface};
use leash_model::{Denial, DenyReason};
use revm::context::result::ExecutionResult;

use super::abi::{IEntryPoint, ISessionManager, PackedUserOperation};
use super::recorder::{AccountCall, RecordedCall};
use super::userop::{CALL_GAS_LIMIT, PRE_VERIFICATION_GAS, VERIFICATION_GAS_LIMIT};
use super::world::{BENEFICIARY, BUNDLER, World, call_tx};

/// Why the EntryPoint refused an op (the validation phase failed for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvmDenial {
    /// `AA24 signature error`: the module returned `SIG_VALIDATION_FAILED` (the model's
    /// `NoSession`, spec §2.3.1).
    SignatureFailed,
    /// `AA22 expired or not due`: the EntryPoint's window check (spec §11).
    OutOfWindow,
    /// `AA23 reverted` with the module's `SessionDenied(code, execution, detail)`; `0xff` means
    /// "not applicable".
    Module {
        /// The denial code (spec Appendix A).
        code: u8,
        /// The execution index, or `0xff`.
        execution: u8,
        /// The argument or rule index, or `0xff`.
        detail: u8,
    },
    /// Anything else: the EntryPoint's reason string and the inner revert data, if any
    /// (`FailedOpWithRevert`), e.g. `AA23 reverted` with data that is not `SessionDenied`, or
    /// `AA25 invalid account nonce`.
    Other {
        /// The `reason` string.
        reason: String,
        /// The inner revert data (empty for `FailedOp`).
        data: Bytes,
    },
}

impl EvmDenial {
    /// The model denial a `Module` denial stands for, if its code is a known one.
    pub fn module_denial(&self) -> Option<Denial> {
        let Self::Module { code, execution, detail } = *self else {
            return None;
        };
        let index = |i: u8| (i != 0xff).then_some(i);
        Some(Denial {
            reason: DenyReason::from_code(code)?,
            execution: index(execution),
            detail: index(detail),
        })
    }

    fn classify(reason: String, inner: Option<Bytes>) -> Self {
        if reason.starts_with("AA24") && inner.is_none() {
            return Self::SignatureFailed;
        }
        if reason.starts_with("AA22") && inner.is_none() {
            return Self::OutOfWindow;
        }
        if reason.starts_with("AA23")
            && let Some(data) = &inner
            && let Ok(ISessionManager::ISessionManagerErrors::SessionDenied(d)) =
                ISessionManager::ISessionManagerErrors::abi_decode(data)
        {
            return Self::Module { code: d.code, execution: d.execution, detail: d.detail };
        }
        Self::Other { reason, data: inner.unwrap_or_default() }
    }
}

/// What happened to one op of a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpOutcome {
    /// The EntryPoint refused the op in the validation phase; it was dropped from the bundle.
    Denied(EvmDenial),
    /// The op went through validation and its execution ran.
    Executed {
        /// `UserOperationEvent.success`: whether the execution (the account call) succeeded.
        success: bool,
        /// `UserOperationRevertReason.revertReason`, when the execution reverted with data.
        revert_reason: Option<Bytes>,
        /// The calls the account made while executing the op (empty when run without the
        /// recorder).
        calls: Vec<AccountCall>,
        /// The logs contracts other than the EntryPoint emitted while the op executed (token
        /// `Transfer` and `Approval` events are what the on-chain invariants read). Logs of a
        /// reverted execution are not kept by the EVM, so they are not here either.
        logs: Vec<revm::primitives::Log>,
    },
}

impl OpOutcome {
    /// The denial, if the op was denied.
    pub fn denial(&self) -> Option<&EvmDenial> {
        match self {
            Self::Denied(d) => Some(d),
            Self::Executed { .. } => None,
        }
    }

    /// Whether the op was executed (successfully or not).
    pub fn is_executed(&self) -> bool {
        matches!(self, Self::Executed { .. })
    }
}

/// Why a bundle could not be run to the end. These are harness or chain failures, not denials.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// revm refused the transaction.
    #[error("handleOps failed in the evm: {message}")]
    Evm {
        /// revm's error.
        message: String,
    },
    /// `handleOps` halted (out of gas, ...).
    #[error("handleOps of {ops} ops halted: {reason}")]
    Halted {
        /// How many ops were submitted.
        ops: usize,
        /// The halt reason.
        reason: String,
    },
    /// `handleOps` reverted with data that is not `FailedOp`/`FailedOpWithRevert`.
    #[error("handleOps of {ops} ops reverted with data that names no op: {data}")]
    UnattributedRevert {
        /// How many ops were submitted.
        ops: usize,
        /// The revert data.
        data: Bytes,
    },
    /// `FailedOp` named an op index outside the submission.
    #[error("handleOps of {ops} ops reverted naming op {index}")]
    BadOpIndex {
        /// How many ops were submitted.
        ops: usize,
        /// The index named.
        index: U256,
    },
    /// The `UserOperationEvent`s of a successful `handleOps` do not match the ops submitted.
    #[error("handleOps of {ops} ops succeeded but its events do not match: {problem}")]
    Events {
        /// How many ops were submitted.
        ops: usize,
        /// What does not match.
        problem: String,
    },
}

/// Whether the call recorder runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recording {
    /// Record the account's calls (the differential fuzzer's mode).
    Calls,
    /// No inspector at all (the bare baseline for benchmarks); `calls` stay empty.
    Off,
}

/// The gas limit of a `handleOps` transaction for `ops` ops: enough for every op to use all of
/// its verification and call gas, plus the EntryPoint's overhead.
pub fn handle_ops_gas_limit(ops: usize) -> u64 {
    let per_op =
        VERIFICATION_GAS_LIMIT as u64 + CALL_GAS_LIMIT as u64 + PRE_VERIFICATION_GAS + 1_000_000;
    5_000_000u64.saturating_add(per_op.saturating_mul(ops as u64))
}

impl World {
    /// Runs `ops` as one bundle at `timestamp` with the call recorder, committed. Returns one
    /// outcome per op, in order.
    pub fn run_bundle(
        &mut self,
        timestamp: u64,
        ops: &[PackedUserOperation],
    ) -> Result<Vec<OpOutcome>, BundleError> {
        self.run_bundle_with(timestamp, ops, Recording::Calls)
    }

    /// Like [`World::run_bundle`], without any inspector (the bare baseline).
    pub fn run_bundle_bare(
        &mut self,
        timestamp: u64,
        ops: &[PackedUserOperation],
    ) -> Result<Vec<OpOutcome>, BundleError> {
        self.run_bundle_with(timestamp, ops, Recording::Off)
    }

    /// Runs `ops` as one bundle at `timestamp`, committed, resubmitting without each op the
    /// EntryPoint refuses (spec §1.3).
    pub fn run_bundle_with(
        &mut self,
        timestamp: u64,
        ops: &[PackedUserOperation],
        recording: Recording,
    ) -> Result<Vec<OpOutcome>, BundleError> {
        self.set_timestamp(timestamp);
        let mut outcomes: Vec<Option<OpOutcome>> = vec![None; ops.len()];
        let mut remaining: Vec<usize> = (0..ops.len()).collect();
        while !remaining.is_empty() {
            let n = remaining.len();
            let submitted: Vec<PackedUserOperation> =
                remaining.iter().map(|&i| ops[i].clone()).collect();
            let data = IEntryPoint::handleOpsCall { ops: submitted, beneficiary: BENEFICIARY }
                .abi_encode();
            let mut tx = call_tx(BUNDLER, self.addresses().entry_point, U256::ZERO, data.into());
            tx.gas_limit = handle_ops_gas_limit(n);
            let inspect = recording == Recording::Calls;
            let result =
                self.commit_tx(tx, inspect).map_err(|message| BundleError::Evm { message })?;
            match result {
                ExecutionResult::Success { logs, .. } => {
                    // The submission that went through validated `remaining`, in order.
                    let paths = self.evm.inspector.coverage.take_paths();
                    let mut op_paths = vec![Vec::new(); ops.len()];
                    for (&i, path) in remaining.iter().zip(paths) {
                        op_paths[i] = path;
                    }
                    self.evm.inspector.op_paths = op_paths;
                    let calls =
                        if inspect { self.evm.inspector.calls.take_calls() } else { Vec::new() };
                    let executed = executed_outcomes(
                        self.addresses().entry_point,
                        &logs,
                        &remaining.iter().map(|&i| &ops[i]).collect::<Vec<_>>(),
                        calls,
                    )?;
                    for (&i, outcome) in remaining.iter().zip(executed) {
                        outcomes[i] = Some(outcome);
                    }
                    break;
                }
                ExecutionResult::Revert { output, .. } => {
                    let (position, denial) = match failed_op(&output) {
                        Some((index, denial)) => {
                            let position = usize::try_from(index)
                                .ok()
                                .filter(|&p| p < n)
                                .ok_or(BundleError::BadOpIndex { ops: n, index })?;
                            (position, denial)
                        }
                        None => refused_field(&output, &remaining, ops).ok_or_else(|| {
                            BundleError::UnattributedRevert { ops: n, data: output.clone() }
                        })?,
                    };
                    outcomes[remaining.remove(position)] = Some(OpOutcome::Denied(denial));
                }
                ExecutionResult::Halt { reason, .. } => {
                    return Err(BundleError::Halted { ops: n, reason: format!("{reason:?}") });
                }
            }
        }
        Ok(outcomes.into_iter().map(|o| o.expect("every op gets an outcome")).collect())
    }
}

/// Decodes `FailedOp` / `FailedOpWithRevert` revert data into the op index and the denial.
pub fn failed_op(data: &[u8]) -> Option<(U256, EvmDenial)> {
    match IEntryPoint::IEntryPointErrors::abi_decode(data).ok()? {
        IEntryPoint::IEntryPointErrors::FailedOp(e) => {
            Some((e.opIndex, EvmDenial::classify(e.reason, None)))
        }
        IEntryPoint::IEntryPointErrors::FailedOpWithRevert(e) => {
            Some((e.opIndex, EvmDenial::classify(e.reason, Some(e.inner))))
        }
        // The EntryPoint's other errors (reentrancy, signature aggregation, paymaster post-op,
        // ...) are not a validation rejection of one op.
        _ => None,
    }
}

/// The op a `handleOps` revert that names no op stands for, when it is EntryPoint v0.8's refusal
/// of a malformed `paymasterAndData` (spec §1.4.3): an `Error(string)` whose reason is
/// `AA93`/`AA98`, pinned on the first op of the submission (`remaining`, indices into `ops`) whose
/// field the EntryPoint refuses with that reason; it validates ops in order, so no earlier op can
/// have raised it. Returns the op's position in the submission and its denial.
fn refused_field(
    output: &[u8],
    remaining: &[usize],
    ops: &[PackedUserOperation],
) -> Option<(usize, EvmDenial)> {
    let reason = alloy_sol_types::Revert::abi_decode(output).ok()?.reason;
    let position = remaining.iter().position(|&i| {
        super::userop::paymaster_and_data_refusal(&ops[i].paymasterAndData) == Some(reason.as_str())
    })?;
    Some((position, EvmDenial::Other { reason, data: Bytes::new() }))
}

/// The outcomes of a successful `handleOps` of `ops`, from the EntryPoint's logs: one
/// `UserOperationEvent` per op in order, each preceded by its `UserOperationRevertReason` if any.
fn executed_outcomes(
    entry_point: Address,
    logs: &[revm::primitives::Log],
    ops: &[&PackedUserOperation],
    calls: Vec<RecordedCall>,
) -> Result<Vec<OpOutcome>, BundleError> {
    let problem = |problem: String| BundleError::Events { ops: ops.len(), problem };
    let mut per_op: Vec<Vec<AccountCall>> = vec![Vec::new(); ops.len()];
    for recorded in calls {
        let slot = per_op
            .get_mut(recorded.op)
            .ok_or_else(|| problem(format!("a call was recorded for op {}", recorded.op)))?;
        slot.push(recorded.call);
    }
    let mut per_op = per_op.into_iter();
    let mut outcomes = Vec::with_capacity(ops.len());
    let mut revert_reason = None;
    // Logs of other contracts between `BeforeExecution` (or the previous op's event) and an
    // op's `UserOperationEvent` belong to that op's execution.
    let mut executing = false;
    let mut op_logs = Vec::new();
    for log in logs {
        if log.address != entry_point {
            if executing {
                op_logs.push(log.clone());
            }
            continue;
        }
        match log.topics().first() {
            Some(t) if *t == IEntryPoint::BeforeExecution::SIGNATURE_HASH => executing = true,
            Some(t) if *t == IEntryPoint::UserOperationRevertReason::SIGNATURE_HASH => {
                let e = IEntryPoint::UserOperationRevertReason::decode_log_data(&log.data)
                    .map_err(|e| problem(format!("undecodable UserOperationRevertReason: {e}")))?;
                revert_reason = Some(e.revertReason);
            }
            Some(t) if *t == IEntryPoint::UserOperationEvent::SIGNATURE_HASH => {
                let e = IEntryPoint::UserOperationEvent::decode_log_data(&log.data)
                    .map_err(|e| problem(format!("undecodable UserOperationEvent: {e}")))?;
                let k = outcomes.len();
                let op = ops.get(k).ok_or_else(|| problem(format!("more than {k} events")))?;
                if e.nonce != op.nonce {
                    return Err(problem(format!(
                        "event {k} has nonce {:#x}, op {k} has {:#x}",
                        e.nonce, op.nonce
                    )));
                }
                outcomes.push(OpOutcome::Executed {
                    success: e.success,
                    revert_reason: revert_reason.take(),
                    calls: per_op.next().unwrap_or_default(),
                    logs: std::mem::take(&mut op_logs),
                });
            }
            _ => {}
        }
    }
    if outcomes.len() != ops.len() {
        return Err(problem(format!("{} events", outcomes.len())));
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::SolError;

    #[test]
    fn failed_ops_classify() {
        let failed = |reason: &str| {
            IEntryPoint::FailedOp { opIndex: U256::from(2), reason: reason.into() }.abi_encode()
        };
        assert_eq!(
            failed_op(&failed("AA24 signature error")),
            Some((U256::from(2), EvmDenial::SignatureFailed))
        );
        assert_eq!(
            failed_op(&failed("AA22 expired or not due")).unwrap().1,
            EvmDenial::OutOfWindow
        );
        assert_eq!(
            failed_op(&failed("AA25 invalid account nonce")).unwrap().1,
            EvmDenial::Other { reason: "AA25 invalid account nonce".into(), data: Bytes::new() }
        );
        let with_revert = |inner: Vec<u8>| {
            IEntryPoint::FailedOpWithRevert {
                opIndex: U256::ZERO,
                reason: "AA23 reverted".into(),
                inner: inner.into(),
            }
            .abi_encode()
        };
        let denied =
            ISessionManager::SessionDenied { code: 67, execution: 0, detail: 1 }.abi_encode();
        let (_, denial) = failed_op(&with_revert(denied)).unwrap();
        assert_eq!(denial, EvmDenial::Module { code: 67, execution: 0, detail: 1 });
        assert_eq!(
            denial.module_denial(),
            Some(Denial::at(DenyReason::ArgCondition, 0).with_detail(1))
        );
        let revoked = ISessionManager::SessionDenied { code: 2, execution: 0xff, detail: 0xff };
        let (_, denial) = failed_op(&with_revert(revoked.abi_encode())).unwrap();
        assert_eq!(denial.module_denial(), Some(Denial::op(DenyReason::Revoked)));
        let (_, other) = failed_op(&with_revert(vec![0xde, 0xad])).unwrap();
        assert_eq!(
            other,
            EvmDenial::Other {
                reason: "AA23 reverted".into(),
                data: Bytes::from_static(&[0xde, 0xad])
            }
        );
        assert_eq!(failed_op(&[1, 2, 3]), None);
        assert_eq!(failed_op(&[]), None);
    }

    #[test]
    fn a_revert_naming_no_op_is_pinned_on_the_first_op_whose_field_explains_it() {
        let with_field = |len: usize, first: u8| {
            let mut op = crate::evm::userop::unsigned_op(Address::ZERO, 1, Bytes::new());
            let mut field = vec![0xaa; len];
            if let Some(b) = field.first_mut() {
                *b = first;
            }
            op.paymasterAndData = field.into();
            op
        };
        let aa93 = alloy_sol_types::Revert::from("AA93 invalid paymasterAndData").abi_encode();
        let aa98 = alloy_sol_types::Revert::from("AA98 invalid paymaster").abi_encode();
        let denied = |reason: &str| EvmDenial::Other { reason: reason.into(), data: Bytes::new() };
        // op 0 is sound, ops 1 and 3 are 51 bytes long, op 2 names address(0).
        let mut zero = with_field(60, 0);
        zero.paymasterAndData = [[0u8; 20].as_slice(), &[7; 40]].concat().into();
        let ops = [with_field(52, 0xaa), with_field(51, 1), zero, with_field(51, 2)];
        let all = [0, 1, 2, 3];
        assert_eq!(
            refused_field(&aa93, &all, &ops),
            Some((1, denied("AA93 invalid paymasterAndData")))
        );
        assert_eq!(refused_field(&aa98, &all, &ops), Some((2, denied("AA98 invalid paymaster"))));
        // Positions are within the submission: after op 1 was dropped, op 3 is the third.
        assert_eq!(
            refused_field(&aa93, &[0, 2, 3], &ops),
            Some((2, denied("AA93 invalid paymasterAndData")))
        );
        // A reason no op of the submission explains, or data that is no `Error(string)`, is
        // pinned on nothing.
        assert_eq!(refused_field(&aa93, &[0, 2], &ops), None);
        assert_eq!(refused_field(&aa98, &[0, 1], &ops), None);
        let other = alloy_sol_types::Revert::from("AA90 invalid beneficiary").abi_encode();
        assert_eq!(refused_field(&other, &all, &ops), None);
        assert_eq!(refused_field(&[1, 2, 3], &all, &ops), None);
    }

    #[test]
    fn unknown_codes_have_no_model_denial() {
        let d = EvmDenial::Module { code: 9, execution: 0xff, detail: 0xff };
        assert_eq!(d.module_denial(), None);
        assert_eq!(EvmDenial::SignatureFailed.module_denial(), None);
    }
}
