//! A small world for clause tests: fixed addresses, policies written in the file format, and
//! helpers that build canonical calls and run them through the model.

#![allow(dead_code, unreachable_pub)]

use alloy_primitives::{Address, U256, address};
use leash_model::abi::args::{ArgValue, encode_call};
use leash_model::abi::execute::{encode_batch, encode_single};
use leash_model::format::parse_function;
use leash_model::{AccountState, Denial, Env, Execution, Policy, UserOp, Verdict};

pub const ACCOUNT: Address = address!("0x00000000000000000000000000000000000acc01");
pub const MODULE: Address = address!("0x000000000000000000000000000000000000d0d1");
pub const GAME: Address = address!("0x0000000000000000000000000000000000009a3e");
pub const TOKEN: Address = address!("0x000000000000000000000000000000000000707e");
pub const ROUTER: Address = address!("0x0000000000000000000000000000000000000b07");
pub const KEY: Address = address!("0x00000000000000000000000000000000000000b2");
pub const OTHER: Address = address!("0x00000000000000000000000000000000000000e5");

/// Parses a TOML policy after substituting `{game}`, `{token}`, `{router}`, `{other}`.
pub fn policy(toml_text: &str) -> Policy {
    let text = toml_text
        .replace("{game}", &GAME.to_string())
        .replace("{token}", &TOKEN.to_string())
        .replace("{router}", &ROUTER.to_string())
        .replace("{other}", &OTHER.to_string())
        .replace("{account}", &ACCOUNT.to_string());
    toml::from_str(&text).unwrap_or_else(|e| panic!("test policy does not parse: {e}\n{text}"))
}

pub fn env(now: u64) -> Env {
    Env::new(now, ACCOUNT, MODULE)
}

pub fn word(n: u64) -> ArgValue<'static> {
    ArgValue::Word(U256::from(n))
}

pub fn addr(a: Address) -> ArgValue<'static> {
    ArgValue::Word(U256::from_be_slice(a.as_slice()))
}

/// Canonical calldata for `signature` with `args`.
pub fn call(signature: &str, args: &[ArgValue<'_>]) -> Vec<u8> {
    let (selector, _) = parse_function(signature).expect("test signature");
    encode_call(selector, args)
}

/// A single-execution op's callData.
pub fn single(target: Address, value: u64, data: &[u8]) -> Vec<u8> {
    encode_single(&Execution { target, value: U256::from(value), data })
}

/// A batch op's callData.
pub fn batch(items: &[(Address, u64, &[u8])]) -> Vec<u8> {
    let executions: Vec<Execution<'_>> = items
        .iter()
        .map(|(target, value, data)| Execution { target: *target, value: U256::from(*value), data })
        .collect();
    encode_batch(&executions)
}

/// An account with one session for `KEY`.
pub fn installed(p: Policy) -> AccountState {
    let mut state = AccountState::new();
    state.install(KEY, p).expect("test policy installs");
    state
}

/// What running an op decided, without borrowing its calldata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome(Option<Denial>);

impl Outcome {
    pub fn is_allow(&self) -> bool {
        self.0.is_none()
    }

    pub fn denial(&self) -> Option<&Denial> {
        self.0.as_ref()
    }
}

impl From<&Verdict<'_>> for Outcome {
    fn from(verdict: &Verdict<'_>) -> Self {
        Outcome(verdict.denial().copied())
    }
}

/// Runs one op signed by `KEY` at `now`, applying its effects if it is allowed.
pub fn run(state: &mut AccountState, now: u64, call_data: &[u8]) -> Outcome {
    Outcome::from(&state.execute_op(&env(now), &UserOp::new(Some(KEY), call_data)))
}

/// The reason of a denied op, or `None` if it was allowed.
pub fn reason(outcome: impl Into<Outcome>) -> Option<leash_model::DenyReason> {
    outcome.into().0.map(|d| d.reason)
}
