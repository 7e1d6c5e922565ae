//! The systems under test: the model's functions, as plain function pointers so that a harness
//! body can be run against the real model or against a deliberately broken variant of it
//! ([`crate::mutants`]).

use alloy_primitives::Address;
use leash_model::abi::args::{ArgError, DecodedArgs, decode_args};
use leash_model::abi::execute::decode_execute;
use leash_model::{
    AbiType, AccountState, ArgDecoding, Counters, Denial, Env, Execution, Executions,
    LifecycleError, OpGas, Policy, Session, UserOp, Verdict,
};

/// `Session::check` for an op that costs nothing ([`OpGas::FREE`]): decoded executions against
/// one session (spec §2.3.2, §4 to §11).
pub type CheckFn = fn(&Session, &Env, &[Execution<'_>], ArgDecoding) -> Result<Counters, Denial>;

/// `Session::check` with the op's gas terms: decoded executions of an op against one session
/// (spec §2.3.2, §4 to §11, §16, §17).
pub type CheckOpFn =
    fn(&Session, &Env, &OpGas, &[Execution<'_>], ArgDecoding) -> Result<Counters, Denial>;

/// `AccountState::validate`: a whole op, read-only (spec §1.6).
pub type ValidateFn = for<'a> fn(&AccountState, &Env, &UserOp<'a>) -> Verdict<'a>;

/// `AccountState::execute_op`: validate and, if allowed, apply (spec §1.3).
pub type ExecuteOpFn = for<'a> fn(&mut AccountState, &Env, &UserOp<'a>) -> Verdict<'a>;

/// `AccountState::install` (spec §2.1).
pub type InstallFn = fn(&mut AccountState, Address, Policy) -> Result<(), LifecycleError>;

/// `abi::execute::decode_execute`: the strict `callData` decoder (spec §3).
pub type DecodeExecuteFn = for<'a> fn(&'a [u8]) -> Result<Executions<'a>, Denial>;

/// `abi::args::decode_args` with a decoding fixed (spec §6.1).
pub type DecodeArgsFn = for<'a> fn(&'a [u8], &[AbiType]) -> Result<DecodedArgs<'a>, ArgError>;

/// The real `Session::check`.
pub fn check(
    session: &Session,
    env: &Env,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    session.check(env, &OpGas::FREE, executions, decoding)
}

/// The real `Session::check`, with gas terms.
pub fn check_op(
    session: &Session,
    env: &Env,
    gas: &OpGas,
    executions: &[Execution<'_>],
    decoding: ArgDecoding,
) -> Result<Counters, Denial> {
    session.check(env, gas, executions, decoding)
}

/// The real `AccountState::validate`.
pub fn validate<'a>(state: &AccountState, env: &Env, op: &UserOp<'a>) -> Verdict<'a> {
    state.validate(env, op)
}

/// The real `AccountState::execute_op`.
pub fn execute_op<'a>(state: &mut AccountState, env: &Env, op: &UserOp<'a>) -> Verdict<'a> {
    state.execute_op(env, op)
}

/// The real `AccountState::install`.
pub fn install(
    state: &mut AccountState,
    key: Address,
    policy: Policy,
) -> Result<(), LifecycleError> {
    state.install(key, policy)
}

/// The real strict `callData` decoder.
pub fn decode_execute_strict(cd: &[u8]) -> Result<Executions<'_>, Denial> {
    decode_execute(cd)
}

/// The real strict argument decoder.
pub fn decode_args_strict<'a>(a: &'a [u8], types: &[AbiType]) -> Result<DecodedArgs<'a>, ArgError> {
    decode_args(a, types, ArgDecoding::Strict)
}
