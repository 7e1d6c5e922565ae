//! Helpers shared by the EVM harness tests: one world per test, policies written in the policy
//! file format against the world's addresses, and canonical call data from the model's encoders.

#![allow(dead_code, unreachable_pub)]

use alloy_primitives::{Address, B256, Bytes, U256};
use leash_fuzz::evm::{PackedUserOperation, World, recover_signer};
use leash_model::abi::args::{ArgValue, encode_call};
use leash_model::abi::execute::{encode_batch, encode_single};
use leash_model::format::parse_function;
use leash_model::{AccountState, Execution, Policy, UserOp, Verdict};

/// A timestamp comfortably after the world's genesis.
pub const NOW: u64 = 1_700_000_100;

/// Parses a TOML policy after substituting `{game}`, `{token}`, `{router}`, `{account}`.
pub fn policy(world: &World, toml_text: &str) -> Policy {
    let a = world.addresses();
    let text = toml_text
        .replace("{game}", &a.game.to_string())
        .replace("{token}", &a.token.to_string())
        .replace("{router}", &a.router.to_string())
        .replace("{account}", &a.account.to_string());
    toml::from_str(&text).unwrap_or_else(|e| panic!("test policy does not parse: {e}\n{text}"))
}

pub fn word(n: u64) -> ArgValue<'static> {
    ArgValue::Word(U256::from(n))
}

/// Canonical calldata for `signature` with `args`.
pub fn call(signature: &str, args: &[ArgValue<'_>]) -> Vec<u8> {
    let (selector, _) = parse_function(signature).expect("test signature");
    encode_call(selector, args)
}

/// A single-execution op's callData.
pub fn single(target: Address, value: u64, data: &[u8]) -> Bytes {
    encode_single(&Execution { target, value: U256::from(value), data }).into()
}

/// A batch op's callData.
pub fn batch(items: &[(Address, u64, &[u8])]) -> Bytes {
    let executions: Vec<Execution<'_>> = items
        .iter()
        .map(|(target, value, data)| Execution { target: *target, value: U256::from(*value), data })
        .collect();
    encode_batch(&executions).into()
}

/// Runs `op` through the model at `now` as the module would see it: signer recovered from the
/// signature over the digest the reference module verifies (spec §1.4.1).
pub fn model_execute<'a>(
    model: &mut AccountState,
    world: &World,
    now: u64,
    op: &'a PackedUserOperation,
) -> Verdict<'a> {
    let signer = recover_signer(world.session_op_digest(op), &op.signature);
    model.execute_op(&world.env(now), &UserOp::new(signer, &op.callData))
}

/// The reference module's own `sessionOpDigest(op, entryPoint, sender)` (spec §1.4.1), read
/// from the EVM on the world's chain.
pub fn module_digest(world: &mut World, op: &PackedUserOperation) -> B256 {
    world.module_digest(op).unwrap()
}
