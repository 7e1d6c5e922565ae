//! The differential oracle: what the module did to one op, against what the model says.
//!
//! | model | module | executed calls, read as their callees read them | finding |
//! |---|---|---|---|
//! | any | allow | include a delegatecall (even one that reverted) | **bypass** |
//! | deny | allow | violate the policy | **bypass** |
//! | deny | allow | within the policy (or nothing executed) | strictness |
//! | allow | allow | differ from the model's executions | bypass or strictness, as above |
//! | allow | deny | | liveness |
//! | deny | deny | for another clause | reason |
//!
//! "Read as their callees read them" means the model's semantic check
//! ([`Session::check`]) run over the calls the account actually made (the recorder's
//! non-rolled-back calls), with arguments decoded the way a Solidity callee decodes them
//! ([`ArgDecoding::Solidity`]). Counters and on-chain invariants are compared by the runner.

use alloy_primitives::U256;
use leash_model::profile::DecoderClass;
use leash_model::{
    ArgDecoding, Denial, DenyReason, Env, Execution, OpGas, Session, Status, Verdict,
};

use crate::evm::{AccountCall, CallKind, EvmDenial, OpOutcome};
use crate::finding::Class;

/// A divergence on one op: its class and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The class.
    pub class: Class,
    /// Why, in words.
    pub detail: String,
}

/// The calls of an execution that took effect: succeeded and were not rolled back.
pub fn effective(calls: &[AccountCall]) -> impl Iterator<Item = &AccountCall> {
    calls.iter().filter(|c| c.success && !c.rolled_back)
}

/// The module's outcome in words.
pub fn describe_outcome(outcome: &OpOutcome) -> String {
    match outcome {
        OpOutcome::Denied(denial) => format!("denied: {}", describe_denial(denial)),
        OpOutcome::Executed { success, calls, .. } => {
            let n = effective(calls).count();
            let status = if *success { "succeeded" } else { "reverted" };
            format!("allowed; execution {status} with {n} effective call(s) from the account")
        }
    }
}

/// Why the EntryPoint refused an op, in words: the module's `SessionDenied` as the spec's
/// clause when its code is one the spec defines.
pub fn describe_denial(denial: &EvmDenial) -> String {
    match denial {
        EvmDenial::SignatureFailed => "AA24 (signature failed)".into(),
        EvmDenial::OutOfWindow => "AA22 (out of window)".into(),
        EvmDenial::Module { code, execution, detail } => match denial.module_denial() {
            Some(denial) => format!("SessionDenied code {code}: {denial}"),
            None => format!(
                "SessionDenied code {code}, which the spec does not define (execution {execution}, \
                 detail {detail})"
            ),
        },
        EvmDenial::Other { reason, data } => format!("{reason} (revert data {data})"),
    }
}

/// The model's verdict in words.
pub fn describe_verdict(verdict: &Verdict<'_>) -> String {
    match verdict {
        Verdict::Allow(effects) => format!("allow ({} execution(s))", effects.executions.len()),
        Verdict::Deny(denial) => format!("deny: {denial}"),
    }
}

/// What the model expects of one op: allowed, making these executions, or denied.
#[derive(Clone, Copy, Debug)]
pub enum Expected<'v, 'a> {
    /// Allowed, with these executions, in order.
    Allow(&'v [Execution<'a>]),
    /// Denied.
    Deny(&'v Denial),
}

impl<'v, 'a> Expected<'v, 'a> {
    /// What a model verdict expects.
    pub fn of(verdict: &'v Verdict<'a>) -> Self {
        match verdict {
            Verdict::Allow(effects) => Self::Allow(&effects.executions),
            Verdict::Deny(denial) => Self::Deny(denial),
        }
    }

    /// The expectation in words.
    pub fn describe(&self) -> String {
        match self {
            Self::Allow(executions) => format!("allow ({} execution(s))", executions.len()),
            Self::Deny(denial) => format!("deny: {denial}"),
        }
    }
}

/// Whether the module's denial stands for the model's.
fn same_denial(evm: &EvmDenial, model: &Denial) -> bool {
    match evm {
        EvmDenial::SignatureFailed => model.reason == DenyReason::NoSession,
        EvmDenial::OutOfWindow => {
            matches!(model.reason, DenyReason::NotYetValid | DenyReason::Expired)
        }
        EvmDenial::Module { .. } => evm.module_denial().as_ref() == Some(model),
        EvmDenial::Other { .. } => false,
    }
}

/// Checks executed calls against the session as it was before the op: `Err` names what they
/// violate.
fn check_executed(
    session: Option<&Session>,
    env: &Env,
    gas: &OpGas,
    calls: &[&AccountCall],
) -> Result<(), String> {
    if let Some(call) = calls.iter().find(|c| c.scheme != CallKind::Call) {
        return Err(format!(
            "the account made a {:?} to {} (spec §3.3.1)",
            call.scheme, call.target
        ));
    }
    let Some(session) = session else {
        return Err("the account made calls for a signer without a session (spec §2.3.1)".into());
    };
    if session.status == Status::Revoked {
        return Err("the account made calls for a revoked session (spec §2.3.2)".into());
    }
    // Under spec v1 a batch is bounded, so more calls than that are a violation in themselves;
    // a module whose decoding has no such bound (§P4) is judged on all of them.
    if env.profile.decoder == DecoderClass::Strict && calls.len() > leash_model::bounds::MAX_BATCH {
        return Err(format!(
            "the account made {} calls, more than a batch may hold (spec §3.6.4)",
            calls.len()
        ));
    }
    let executions: Vec<Execution<'_>> = calls
        .iter()
        .map(|c| Execution { target: c.target, value: c.value, data: &c.input })
        .collect();
    session
        .check_many(env, gas, &executions, ArgDecoding::Solidity)
        .map(|_| ())
        .map_err(|denial| format!("the executed calls violate the policy: {denial}"))
}

/// Compares one op with gas terms `gas`. `session` is the signer's session before the op
/// (`None` without one).
pub fn compare(
    verdict: Expected<'_, '_>,
    outcome: &OpOutcome,
    session: Option<&Session>,
    env: &Env,
    gas: &OpGas,
) -> Option<Divergence> {
    let divergence = |class, detail: String| Some(Divergence { class, detail });
    match (verdict, outcome) {
        (Expected::Allow(_), OpOutcome::Denied(denial)) => divergence(
            Class::Liveness,
            format!("the spec allows the op; the module denied it ({})", describe_denial(denial)),
        ),
        (Expected::Deny(model), OpOutcome::Denied(evm)) => {
            if same_denial(evm, model) {
                None
            } else {
                divergence(
                    Class::Reason,
                    format!(
                        "both deny: the spec for {model}, the module with {}",
                        describe_denial(evm)
                    ),
                )
            }
        }
        (verdict, OpOutcome::Executed { calls, success, .. }) => {
            // A delegatecall runs the callee's code as the account: whether this callee happened
            // to revert does not make it safe, so attempting one is a bypass (spec §3.3.1).
            if let Some(call) = calls.iter().find(|c| c.scheme != CallKind::Call) {
                return divergence(
                    Class::Bypass,
                    format!(
                        "the account made a {:?} to {} (spec §3.3.1 allows plain calls only); the \
                         spec's verdict: {}",
                        call.scheme,
                        call.target,
                        verdict.describe()
                    ),
                );
            }
            let executed: Vec<&AccountCall> = effective(calls).collect();
            if let Expected::Allow(expected) = verdict {
                // Direct calls the account attempted must be the model's executions, in order:
                // all of them when the execution succeeded, a prefix when it reverted.
                let attempted: Vec<&AccountCall> =
                    calls.iter().filter(|c| c.nesting == 0).collect();
                let matches = attempted.len() <= expected.len()
                    && (!*success || attempted.len() == expected.len())
                    && attempted.iter().zip(expected.iter()).all(|(c, e)| {
                        c.target == e.target && c.value == e.value && c.input[..] == *e.data
                    });
                if matches {
                    return None;
                }
                let why = format!(
                    "the account's calls differ from the {} execution(s) the spec decodes ({})",
                    expected.len(),
                    first_difference(&attempted, expected)
                );
                return Some(match check_executed(session, env, gas, &executed) {
                    Err(violation) => {
                        Divergence { class: Class::Bypass, detail: format!("{violation}; {why}") }
                    }
                    Ok(()) => Divergence { class: Class::Strictness, detail: why },
                });
            }
            let Expected::Deny(model) = verdict else { unreachable!("allow handled above") };
            if executed.is_empty() {
                return divergence(
                    Class::Strictness,
                    format!(
                        "the module allowed an op the spec denies ({model}); nothing took effect"
                    ),
                );
            }
            match check_executed(session, env, gas, &executed) {
                Err(violation) => divergence(
                    Class::Bypass,
                    format!("{violation}; the spec denies the op ({model})"),
                ),
                Ok(()) => divergence(
                    Class::Strictness,
                    format!(
                        "the module allowed an op the spec denies ({model}); what executed is \
                         within the policy"
                    ),
                ),
            }
        }
    }
}

/// The first call where what the account attempted and what the model decoded differ, in words.
fn first_difference(attempted: &[&AccountCall], expected: &[Execution<'_>]) -> String {
    let describe = |target: &alloy_primitives::Address, value: &U256, data: &[u8]| {
        let selector = data.get(..4).map_or_else(
            || format!("{} byte(s) of calldata", data.len()),
            |s| format!("0x{}", alloy_primitives::hex::encode(s)),
        );
        format!("{selector} to {target} with {value} wei")
    };
    for (i, (c, e)) in attempted.iter().zip(expected).enumerate() {
        if c.target != e.target || c.value != e.value || c.input[..] != *e.data {
            return format!(
                "call {i}: the account made {}, the spec decodes {}",
                describe(&c.target, &c.value, &c.input),
                describe(&e.target, &e.value, e.data)
            );
        }
    }
    format!("the account made {} call(s)", attempted.len())
}

/// Native value the account sent in effective calls.
pub fn native_sent(calls: &[AccountCall]) -> U256 {
    effective(calls).fold(U256::ZERO, |sum, c| sum.saturating_add(c.value))
}

#[cfg(test)]
mod tests {
    use leash_model::DenyReason;

    use super::*;

    #[test]
    fn a_module_denial_reads_as_the_clause_its_code_names() {
        let code = DenyReason::NotPermitted.code();
        let known = EvmDenial::Module { code, execution: 1, detail: 0xff };
        assert_eq!(
            describe_denial(&known),
            format!(
                "SessionDenied code {code}: {} (spec §5.3) at execution 1",
                DenyReason::NotPermitted.describe()
            )
        );
        let unknown = EvmDenial::Module { code: 250, execution: 0, detail: 0xff };
        assert_eq!(
            describe_denial(&unknown),
            "SessionDenied code 250, which the spec does not define (execution 0, detail 255)"
        );
    }
}
