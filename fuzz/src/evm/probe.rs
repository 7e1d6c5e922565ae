//! The one inspector the world runs: the [`CallRecorder`] and the [`Coverage`] recorder behind
//! a single set of hooks, so turning coverage on adds a per-instruction check to the
//! inspecting interpreter loop the recorder already runs, not a second inspector.

use alloy_sol_types::SolCall as _;
use revm::Inspector;
use revm::context::ContextTr;
use revm::interpreter::interpreter_types::Jumps;
use revm::interpreter::{CallInputs, CallOutcome, CreateInputs, CreateOutcome, Interpreter};

use super::abi::ILeashAccount;
use super::coverage::{CodeBranch, Coverage};
use super::recorder::CallRecorder;

/// The call recorder and the coverage recorder.
#[derive(Clone, Debug, Default)]
pub struct Probe {
    /// The account's calls during execution.
    pub calls: CallRecorder,
    /// Branch edges, blocks and compared words of the watched code.
    pub coverage: Coverage,
    /// The module branches each op's validation took in the last bundle, by op (empty with
    /// coverage off).
    pub op_paths: Vec<Vec<CodeBranch>>,
}

impl<CTX: ContextTr> Inspector<CTX> for Probe {
    #[inline]
    fn step(&mut self, interp: &mut Interpreter, _context: &mut CTX) {
        if !self.coverage.covering() {
            return;
        }
        let (opcode, pc) = (interp.bytecode.opcode(), interp.bytecode.pc());
        self.coverage.step(opcode, pc, |k| interp.stack.peek(k).ok());
    }

    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        if self.coverage.enabled()
            && Some(inputs.caller) == self.calls.entry_point()
            && inputs.input.as_bytes(context).get(..4)
                == Some(&ILeashAccount::validateUserOpCall::SELECTOR[..])
        {
            self.coverage.begin_validation();
        }
        self.coverage.enter(inputs.bytecode_address);
        Inspector::<CTX>::call(&mut self.calls, context, inputs)
    }

    fn call_end(&mut self, context: &mut CTX, inputs: &CallInputs, outcome: &mut CallOutcome) {
        Inspector::<CTX>::call_end(&mut self.calls, context, inputs, outcome);
        self.coverage.leave();
    }

    fn create(&mut self, context: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        self.coverage.enter_other();
        Inspector::<CTX>::create(&mut self.calls, context, inputs)
    }

    fn create_end(
        &mut self,
        context: &mut CTX,
        inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        Inspector::<CTX>::create_end(&mut self.calls, context, inputs, outcome);
        self.coverage.leave();
    }
}
