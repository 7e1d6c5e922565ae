//! The redeem frame: an op that is a transaction the session key sends itself, beside
//! `handleOps`.
//!
//! In a redemption (MetaMask's `DelegationManager.redeemDelegations`) there is no validation
//! phase: the session key (the delegate) sends one transaction, the module checks it in hooks
//! around the account's execution, and any refusal reverts the whole transaction, counters
//! included. The account's execution runs inside one call into the account ([`OpEntry`]), where
//! the recorder attributes the account's calls to the op.
//!
//! The outcome is an [`OpOutcome`] like a bundled op's: a transaction that reverted before the
//! account's execution began is a denial ([`EvmDenial::Other`], with the revert data); one that
//! reverted after it began is an execution that failed (and rolled back everything).

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{Revert, SolError};
use revm::context::result::ExecutionResult;
use revm::{ExecuteCommitEvm, ExecuteEvm, InspectCommitEvm, InspectEvm};

use super::bundle::{EvmDenial, OpOutcome, Recording};
use super::recorder::OpEntry;
use super::world::{World, call_tx};

/// Why a transaction op could not be run. A harness or chain failure, not a denial.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TxOpError {
    /// revm refused the transaction.
    #[error("the transaction to {to} failed in the evm: {message}")]
    Evm {
        /// Where it was sent.
        to: Address,
        /// revm's error.
        message: String,
    },
    /// The module's adapter has no redeem frame.
    #[error("the {module} adapter sends UserOperations, not redemptions")]
    NoRedeemFrame {
        /// The adapter's kind.
        module: &'static str,
    },
    /// The transaction halted (out of gas, ...).
    #[error("the transaction to {to} halted: {reason}")]
    Halted {
        /// Where it was sent.
        to: Address,
        /// The halt reason.
        reason: String,
    },
}

/// A revert's data in words: the `Error(string)` message, a panic code, a custom error's
/// selector, or that there was none.
pub fn revert_message(data: &[u8]) -> String {
    if let Ok(revert) = Revert::abi_decode(data) {
        return revert.reason;
    }
    if let Ok(panic) = alloy_sol_types::Panic::abi_decode(data) {
        return format!("panic 0x{:x}", panic.code);
    }
    match data.get(..4) {
        Some(selector) => format!("custom error 0x{}", alloy_primitives::hex::encode(selector)),
        None if data.is_empty() => "revert without data".to_owned(),
        None => format!("revert data 0x{}", alloy_primitives::hex::encode(data)),
    }
}

impl World {
    /// Sends `data` from `sender` to `to` at `timestamp` with a generous gas limit, committed,
    /// as one op whose execution runs in an `entry` frame of the account (see the module
    /// documentation). With [`Recording::Off`] there is no inspector: the outcome carries no
    /// calls and a revert is always a denial.
    pub fn run_transaction_op(
        &mut self,
        timestamp: u64,
        sender: Address,
        to: Address,
        data: Bytes,
        entry: OpEntry,
        recording: Recording,
    ) -> Result<OpOutcome, TxOpError> {
        self.transaction_op(timestamp, sender, to, data, entry, recording, true)
    }

    /// What [`World::run_transaction_op`] would report for the same transaction, recorded,
    /// without committing anything.
    pub fn simulate_transaction_op(
        &mut self,
        timestamp: u64,
        sender: Address,
        to: Address,
        data: Bytes,
        entry: OpEntry,
    ) -> Result<OpOutcome, TxOpError> {
        self.transaction_op(timestamp, sender, to, data, entry, Recording::Calls, false)
    }

    #[allow(clippy::too_many_arguments, reason = "the two entry points above name them")]
    fn transaction_op(
        &mut self,
        timestamp: u64,
        sender: Address,
        to: Address,
        data: Bytes,
        entry: OpEntry,
        recording: Recording,
        commit: bool,
    ) -> Result<OpOutcome, TxOpError> {
        self.set_timestamp(timestamp);
        let tx = call_tx(sender, to, U256::ZERO, data);
        let account = self.addresses().account;
        let inspect = recording == Recording::Calls;
        if inspect {
            self.evm.inspector.calls.arm_entry(account, entry, self.implementation);
            self.evm.inspector.coverage.reset_frames();
        }
        let result = match (inspect, commit) {
            (true, true) => self.evm.inspect_tx_commit(tx),
            (false, true) => self.evm.transact_commit(tx),
            (true, false) => self.evm.inspect_tx(tx).map(|out| out.result),
            (false, false) => self.evm.transact(tx).map(|out| out.result),
        }
        .map_err(|e| TxOpError::Evm { to, message: e.to_string() })?;
        let started = inspect && self.evm.inspector.calls.ops_started() > 0;
        let calls = if inspect {
            self.evm.inspector.calls.take_calls().into_iter().map(|r| r.call).collect()
        } else {
            Vec::new()
        };
        Ok(match result {
            ExecutionResult::Success { logs, .. } => {
                OpOutcome::Executed { success: true, revert_reason: None, calls, logs }
            }
            ExecutionResult::Revert { output, .. } if started => OpOutcome::Executed {
                success: false,
                revert_reason: Some(output),
                calls,
                logs: Vec::new(),
            },
            ExecutionResult::Revert { output, .. } => OpOutcome::Denied(EvmDenial::Other {
                reason: revert_message(&output),
                data: output,
            }),
            ExecutionResult::Halt { reason, .. } => {
                return Err(TxOpError::Halted { to, reason: format!("{reason:?}") });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revert_messages_name_what_they_hold() {
        let error = Revert::from("LimitedCallsEnforcer:limit-exceeded").abi_encode();
        assert_eq!(revert_message(&error), "LimitedCallsEnforcer:limit-exceeded");
        let panic = alloy_sol_types::Panic { code: U256::from(0x11) }.abi_encode();
        assert_eq!(revert_message(&panic), "panic 0x11");
        assert_eq!(revert_message(&[1, 2, 3, 4, 5]), "custom error 0x01020304");
        assert_eq!(revert_message(&[]), "revert without data");
        assert_eq!(revert_message(&[7]), "revert data 0x07");
    }
}
