//! The call recorder: a revm [`Inspector`] that records every call the account makes while
//! executing an op, attributed to the op.
//!
//! Where an op's execution runs depends on the frame ([`OpEntry`]): in the EntryPoint's
//! `innerHandleOp` (below), or in one call into the account (a redemption: the
//! DelegationManager calling `executeFromExecutor`).
//!
//! EntryPoint v0.8 runs each op's execution phase inside a self-call
//! `innerHandleOp(callData, opInfo, context)`, once per op of the bundle and in bundle order (even
//! for an op with empty `callData`, which never reaches the account). The recorder counts those
//! frames to know which op is executing, and inside one records every CALL, DELEGATECALL,
//! STATICCALL and CALLCODE issued by the op's sender (at any depth: an account that calls itself
//! and then calls out is recorded twice). The sender is read from `opInfo.mUserOp.sender`: the
//! account the recorder is armed with, or another account an op was submitted from (a signature
//! replayed from one account on another executes there, and what it does is the op's effect).
//! Calls the account makes while validating (to its module) are outside every `innerHandleOp`
//! frame, so they are not recorded.
//!
//! It implements only the frame hooks (`call`, `call_end`, `create`, `create_end`): no
//! per-opcode work.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use revm::Inspector;
use revm::context::ContextTr;
use revm::interpreter::{CallInputs, CallOutcome, CallScheme, CreateInputs, CreateOutcome};

use super::abi::IEntryPoint;

/// How a call was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// `CALL`.
    Call,
    /// `DELEGATECALL`.
    DelegateCall,
    /// `STATICCALL`.
    StaticCall,
    /// `CALLCODE`.
    CallCode,
}

impl From<CallScheme> for CallKind {
    fn from(scheme: CallScheme) -> Self {
        match scheme {
            CallScheme::Call => Self::Call,
            CallScheme::DelegateCall => Self::DelegateCall,
            CallScheme::StaticCall => Self::StaticCall,
            CallScheme::CallCode => Self::CallCode,
        }
    }
}

/// One call the account made while executing an op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountCall {
    /// How the call was made.
    pub scheme: CallKind,
    /// The called address (for DELEGATECALL and CALLCODE: the code's address).
    pub target: Address,
    /// The value transferred (always zero for DELEGATECALL and STATICCALL).
    pub value: U256,
    /// The calldata.
    pub input: Bytes,
    /// Whether the call's own frame succeeded.
    pub success: bool,
    /// Whether a frame enclosing the call later reverted, undoing it even if it succeeded.
    pub rolled_back: bool,
    /// How many account-issued calls enclose this one within the op's execution: 0 for a call
    /// made directly by the execution frame, 1 for a call made by a nested account frame (e.g. an
    /// execution that calls the account itself), and so on.
    pub nesting: u16,
}

/// The frame an op's execution runs in: what the recorder watches for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpEntry {
    /// The EntryPoint's `innerHandleOp` self-calls, one per op of a `handleOps` bundle.
    InnerHandleOp {
        /// The EntryPoint.
        entry_point: Address,
    },
    /// A CALL from `caller` into the account whose calldata starts with `selector` (a redemption:
    /// the DelegationManager calling `executeFromExecutor`).
    CallInto {
        /// Who makes the call.
        caller: Address,
        /// The function it calls on the account.
        selector: [u8; 4],
    },
}

impl Default for OpEntry {
    fn default() -> Self {
        Self::InnerHandleOp { entry_point: Address::ZERO }
    }
}

/// A recorded call with the index (within the submitted bundle) of the op that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedCall {
    /// The op's index in the `handleOps` call that executed it.
    pub op: usize,
    /// The call.
    pub call: AccountCall,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    /// Index of the first record made inside this frame.
    first_inner: usize,
    /// The record of this frame's own call, if it was recorded.
    record: Option<usize>,
    /// Whether this frame is an `innerHandleOp` frame (an op's execution phase).
    op_root: bool,
}

/// The recorder. Arm it with the account and EntryPoint addresses, clear it before each
/// transaction, and read [`CallRecorder::calls`] after.
#[derive(Clone, Debug, Default)]
pub struct CallRecorder {
    account: Address,
    entry: OpEntry,
    /// The account's implementation when the account is a proxy: its DELEGATECALLs there are
    /// the account running its own code, not calls it makes.
    implementation: Option<Address>,
    frames: Vec<Frame>,
    /// The op whose execution is running, if any.
    current_op: Option<usize>,
    /// The account whose calls the running op's execution records: its sender.
    op_account: Address,
    /// How many `innerHandleOp` frames have started in this transaction.
    ops_started: usize,
    /// Account-issued calls currently open (for `nesting`).
    open_account_calls: u16,
    calls: Vec<RecordedCall>,
}

impl CallRecorder {
    /// A recorder for `account` driven by `entry_point`.
    pub fn new(account: Address, entry_point: Address) -> Self {
        Self { account, entry: OpEntry::InnerHandleOp { entry_point }, ..Self::default() }
    }

    /// Clears the recorder and points it at `account` and `entry_point`, keeping its buffers.
    pub fn arm(&mut self, account: Address, entry_point: Address) {
        self.arm_proxy(account, entry_point, None);
    }

    /// As [`CallRecorder::arm`], for an account that is a proxy of `implementation` (when
    /// `Some`): its DELEGATECALLs to the implementation are not recorded.
    pub fn arm_proxy(
        &mut self,
        account: Address,
        entry_point: Address,
        implementation: Option<Address>,
    ) {
        self.arm_entry(account, OpEntry::InnerHandleOp { entry_point }, implementation);
    }

    /// As [`CallRecorder::arm_proxy`], for ops whose execution runs in `entry` frames.
    pub fn arm_entry(&mut self, account: Address, entry: OpEntry, implementation: Option<Address>) {
        self.account = account;
        self.entry = entry;
        self.implementation = implementation;
        self.clear();
    }

    /// Forgets everything recorded; call it before each transaction.
    pub fn clear(&mut self) {
        self.frames.clear();
        self.current_op = None;
        self.ops_started = 0;
        self.open_account_calls = 0;
        self.calls.clear();
    }

    /// The EntryPoint it is armed with, when ops run through one (`None` in the redeem frame).
    pub fn entry_point(&self) -> Option<Address> {
        match self.entry {
            OpEntry::InnerHandleOp { entry_point } => Some(entry_point),
            OpEntry::CallInto { .. } => None,
        }
    }

    /// The calls recorded since the last [`CallRecorder::clear`], in the order they started.
    pub fn calls(&self) -> &[RecordedCall] {
        &self.calls
    }

    /// Takes the recorded calls, leaving the recorder empty.
    pub fn take_calls(&mut self) -> Vec<RecordedCall> {
        let calls = std::mem::take(&mut self.calls);
        self.clear();
        calls
    }

    /// How many op executions (`innerHandleOp` or other [`OpEntry`] frames) started since the
    /// last clear.
    pub fn ops_started(&self) -> usize {
        self.ops_started
    }

    fn push_frame(&mut self, record: Option<usize>, op_root: bool) {
        self.frames.push(Frame { first_inner: self.calls.len(), record, op_root });
    }

    fn pop_frame(&mut self, success: bool) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if !success {
            for inner in &mut self.calls[frame.first_inner..] {
                inner.call.rolled_back = true;
            }
        }
        if let Some(index) = frame.record {
            self.calls[index].call.success = success;
            self.open_account_calls = self.open_account_calls.saturating_sub(1);
        }
        if frame.op_root {
            self.current_op = None;
        }
    }
}

impl CallRecorder {
    /// The account whose op's execution the call starts, if it starts one: the op's sender.
    fn enters_op<CTX: ContextTr>(&self, context: &mut CTX, inputs: &CallInputs) -> Option<Address> {
        let (caller, target, selector) = match self.entry {
            OpEntry::InnerHandleOp { entry_point } => {
                (entry_point, entry_point, IEntryPoint::innerHandleOpCall::SELECTOR)
            }
            OpEntry::CallInto { caller, selector } => (caller, self.account, selector),
        };
        if inputs.caller != caller || inputs.target_address != target {
            return None;
        }
        let input = inputs.input.as_bytes(context);
        if input.get(..4) != Some(&selector[..]) {
            return None;
        }
        Some(match self.entry {
            OpEntry::InnerHandleOp { .. } => innerhandleop_sender(&input).unwrap_or(self.account),
            OpEntry::CallInto { .. } => self.account,
        })
    }
}

/// The op's sender in the calldata of `innerHandleOp(bytes callData, UserOpInfo opInfo, bytes
/// context)`: `opInfo` is a static tuple laid out in place after `callData`'s offset, and its
/// first word is `mUserOp.sender`.
fn innerhandleop_sender(input: &[u8]) -> Option<Address> {
    let word = input.get(4 + 32..4 + 64)?;
    Some(Address::from_slice(&word[12..]))
}

impl<CTX: ContextTr> Inspector<CTX> for CallRecorder {
    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        // The address of the frame issuing the call: a DELEGATECALL or CALLCODE runs in it, so
        // `target_address` is the issuer; for CALL and STATICCALL it is `caller`.
        let issuer = match inputs.scheme {
            CallScheme::DelegateCall | CallScheme::CallCode => inputs.target_address,
            CallScheme::Call | CallScheme::StaticCall => inputs.caller,
        };
        let mut record = None;
        let mut op_root = false;
        let own_code = inputs.scheme == CallScheme::DelegateCall
            && Some(inputs.bytecode_address) == self.implementation;
        if let Some(op) = self.current_op {
            if issuer == self.op_account && !own_code {
                record = Some(self.calls.len());
                self.calls.push(RecordedCall {
                    op,
                    call: AccountCall {
                        scheme: inputs.scheme.into(),
                        target: inputs.bytecode_address,
                        value: inputs.transfer_value().unwrap_or_default(),
                        input: inputs.input.bytes(context),
                        success: false,
                        rolled_back: false,
                        nesting: self.open_account_calls,
                    },
                });
                self.open_account_calls = self.open_account_calls.saturating_add(1);
            }
        } else if inputs.scheme == CallScheme::Call
            && let Some(sender) = self.enters_op(context, inputs)
        {
            self.op_account = sender;
            self.current_op = Some(self.ops_started);
            self.ops_started += 1;
            op_root = true;
        }
        self.push_frame(record, op_root);
        None
    }

    fn call_end(&mut self, _context: &mut CTX, _inputs: &CallInputs, outcome: &mut CallOutcome) {
        self.pop_frame(outcome.result.is_ok());
    }

    fn create(&mut self, _context: &mut CTX, _inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        self.push_frame(None, false);
        None
    }

    fn create_end(
        &mut self,
        _context: &mut CTX,
        _inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        self.pop_frame(outcome.result.is_ok());
    }
}
