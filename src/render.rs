//! Corpus cases in words: each step of a case, in order, as a person reads it. `leash report`
//! prints them in its findings, `leash export foundry` in the header of the tests it writes.
//!
//! ```text
//! step 0: install a session for key 1 (0x3445383e48a0b6B8C45B9730Fd1DA679b304991B)
//!   window: after 1699999119 (2023-11-14 22:38:39 UTC), no end
//!   permission 0: LeashToken.transferFrom(address,address,uint256), arguments declared
//!   ERC-20 cap on LeashToken: 0 in total; approvals only to 0x…b1, 0x…b2
//! step 1: bundle of 1 op  <- the finding
//!   op 0 signed by key 1: single execution: LeashToken.transferFrom(0x…b2, account, 0)
//!     mutation: item_hide (item 0 hidden in item 1)
//! ```
//!
//! The addresses of the reference world (`leash_fuzz::evm::Addresses::expected()`: EntryPoint,
//! module, account, LeashToken, Game, Router), the owner and the session keys are named; addresses
//! whose first 16 bytes are zero are shortened to `0x…b1`. Selectors the policy review knows
//! (`review::known`) are decoded with their arguments, the way the callee reads them.

use alloy_primitives::{Address, U256};
use leash_fuzz::case::{Action, Actor, Case, Code, Op, START_TIME, Signer, Step, Validator};
use leash_fuzz::evm::world::OWNER;
use leash_fuzz::evm::{Addresses, key_address, session_keys};
use leash_fuzz::mutate::{Mutation, PlannedOp, Region};
use leash_model::abi::args::{ArgDecoding, ArgValue, decode_args};
use leash_model::abi::execute::{CALLTYPE_BATCH, decode_execute};
use leash_model::{AbiType, ArgRule, Condition, Policy, Selector, Target};

use crate::human;
use crate::review::known;

/// Where a finding shows in a case: its step and, for ops, the op's index in the bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    /// The step index.
    pub(crate) step: usize,
    /// The op index within the step's bundle, if the finding concerns one op.
    pub(crate) op: Option<usize>,
}

/// What the line of the marked step or op ends with.
const MARKER: &str = "  <- the finding";

/// Indentation per nesting level.
const INDENT: &str = "  ";

/// The case as lines, indented two spaces per level, with the finding's step or op marked.
pub(crate) fn case_lines(case: &Case, mark: Option<Mark>) -> Vec<String> {
    let mut out = Vec::new();
    let mut now = START_TIME;
    for (index, step) in case.steps.iter().enumerate() {
        let marked = mark.filter(|m| m.step == index);
        let step_marked = marked.is_some_and(|m| m.op.is_none());
        let mut lines = step_lines(index, step, &mut now);
        if step_marked && let Some(first) = lines.first_mut() {
            first.push_str(MARKER);
        }
        if let (Some(Mark { op: Some(op), .. }), Step::Bundle { .. }) = (marked, step) {
            // The op's first line is the first line at depth 1 that starts with "op <n>".
            let prefix = format!("{INDENT}op {op} ");
            if let Some(line) = lines.iter_mut().find(|l| l.starts_with(&prefix)) {
                line.push_str(MARKER);
            }
        }
        out.extend(lines);
    }
    out
}

/// The lines of one step; `now` is the clock before the step, updated by time steps.
pub(crate) fn step_lines(index: usize, step: &Step, now: &mut u64) -> Vec<String> {
    let mut lines = Vec::new();
    match step {
        Step::Install { key, policy } => {
            lines.push(format!(
                "step {index}: install a session for key {key} ({}) at {now}",
                key_address(*key)
            ));
            lines.extend(policy_lines(policy).into_iter().map(|l| format!("{INDENT}{l}")));
        }
        Step::Revoke { key } => {
            lines.push(format!(
                "step {index}: revoke the session of key {key} ({}) at {now}",
                key_address(*key)
            ));
        }
        Step::Time { now: to } => {
            if *to > *now {
                lines.push(format!(
                    "step {index}: time moves to {to} ({}, {} later)",
                    human::utc(*to),
                    human::duration(*to - *now)
                ));
                *now = *to;
            } else {
                lines.push(format!(
                    "step {index}: time stays at {now} ({to} is not later; the clock never moves \
                     backwards)"
                ));
            }
        }
        Step::Delegate { to, writes, chain } => {
            let what = match to {
                Code::Account => "delegates back to the account code (LeashAccount7702)",
                Code::Other => "re-delegates to other account code (OtherAccount7702)",
                Code::Malicious => "re-delegates to malicious code (SlotWriter7702)",
                Code::None => "clears its delegation",
            };
            let signed = match chain {
                None => String::new(),
                Some(0) => ", by an authorization valid on every chain (chain id 0)".to_string(),
                Some(id) => format!(
                    ", by an authorization for chain {id} only (skipped on any other, spec \
                     §18.10)"
                ),
            };
            lines.push(format!("step {index}: the EOA {what} at {now}{signed}"));
            for w in writes {
                lines.push(format!(
                    "{INDENT}a stranger then has it store {:#x} at slot {:#x}",
                    w.value, w.slot
                ));
            }
        }
        Step::Direct { from, action } => {
            let who = match from {
                Actor::Owner => "the EOA's own key",
                Actor::Stranger => "a stranger",
            };
            let what = match action {
                Action::Call { target, value, data } => format!(
                    "calls {target} with {value} wei and {}",
                    human::plural(data.len() as u64, "byte")
                ),
                Action::Initialize { validator: Validator::Module } => {
                    "calls initialize(module) on the EOA".to_owned()
                }
                Action::Initialize { validator: Validator::Stranger } => {
                    "calls initialize(its own validator) on the EOA".to_owned()
                }
            };
            lines.push(format!("step {index}: {who} {what} (a plain transaction) at {now}"));
        }
        Step::Chain { id } => {
            lines.push(format!("step {index}: the account is validated on chain {id} from now on"));
        }
        Step::Bundle { ops } => {
            lines.push(format!(
                "step {index}: bundle of {} at {now}",
                human::plural(ops.len() as u64, "op")
            ));
            for (position, op) in ops.iter().enumerate() {
                lines.extend(op_lines(position, op).into_iter().map(|l| format!("{INDENT}{l}")));
            }
        }
    }
    lines
}

/// Who makes the other key's signature of a [`leash_fuzz::case::Replay::SignedBy`] or
/// [`leash_fuzz::case::Replay::KeyTail`] op.
fn key_made(key: u8) -> String {
    match Signer::Key(key).key() {
        Some(_) => format!("key {key}'s"),
        None => format!("\"key\" {key}'s, address(0): 64 zero bytes that recover to no one"),
    }
}

/// The lines of op `position` of a bundle: who signs it, what its callData executes (as the
/// spec decodes it, or why the spec does not), and how the generator made it.
pub(crate) fn op_lines(position: usize, op: &Op) -> Vec<String> {
    let signer = match op.signer {
        Signer::Key(key) if op.signer.key().is_none() => {
            format!("signed \"by\" key {key}, address(0): a malformed signature (64 zero bytes)")
        }
        Signer::Key(key) => format!("signed by key {key}"),
        Signer::Malformed => "with a malformed signature (64 zero bytes)".to_string(),
    };
    let tail = if op.signature_tail.is_empty() {
        String::new()
    } else {
        format!(" and {} after it", human::plural(op.signature_tail.len() as u64, "byte"))
    };
    let mut lines = Vec::new();
    match decode_execute(&op.call_data) {
        Ok(executions) => {
            let batch = op.call_data.get(4) == Some(&CALLTYPE_BATCH);
            let calls: Vec<String> =
                executions.iter().map(|e| call(e.target, e.value, e.data)).collect();
            if batch {
                lines.push(format!(
                    "op {position} {signer}{tail}: batch of {}",
                    human::plural(calls.len() as u64, "execution")
                ));
                lines.extend(
                    calls.iter().enumerate().map(|(i, c)| format!("{INDENT}item {i}: {c}")),
                );
            } else {
                let single = calls.first().map_or("nothing", String::as_str);
                lines.push(format!("op {position} {signer}{tail}: single execution: {single}"));
            }
        }
        Err(denial) => {
            lines.push(format!(
                "op {position} {signer}{tail}: {} of callData the spec does not decode: {denial}",
                human::plural(op.call_data.len() as u64, "byte")
            ));
            if let Some(recipe) = &op.recipe {
                lines.extend(planned_lines("meant as", &recipe.planned));
            }
        }
    }
    if let Some(gas) = &op.gas {
        lines.push(format!("{INDENT}gas: {}", gas_text(gas)));
    }
    match op.replay {
        Some(leash_fuzz::case::Replay::Resubmit { step, op }) => lines.push(format!(
            "{INDENT}replay: op {op} of step {step} resubmitted exactly as it was signed then"
        )),
        Some(leash_fuzz::case::Replay::SignatureOf { op }) => {
            lines.push(format!("{INDENT}replay: it carries the signature of op {op}"))
        }
        Some(leash_fuzz::case::Replay::SignedBy { key }) => lines.push(format!(
            "{INDENT}another key's signature: its signature names its signer's session, but the \
             ECDSA signature in it is {} over the same hash",
            key_made(key)
        )),
        Some(leash_fuzz::case::Replay::KeyTail { key }) => lines.push(format!(
            "{INDENT}another key's signature as a tail: right after its own 65 bytes comes {} over \
             the same hash",
            key_made(key)
        )),
        Some(leash_fuzz::case::Replay::OtherAccount) => lines.push(format!(
            "{INDENT}replay: signed for the account, submitted from the world's other account \
             (same owner, same module, the same sessions) at that account's nonce"
        )),
        None => {}
    }
    if let Some(mutation) = op.recipe.as_ref().and_then(|r| r.mutation.as_ref()) {
        lines.push(format!("{INDENT}mutation: {}", mutation_text(mutation)));
        if plants_twin(mutation)
            && let Some(recipe) = &op.recipe
        {
            lines.extend(planned_lines("planted twin", &recipe.twin));
        }
    }
    lines
}

/// An op's gas terms (spec §16): its limits, fees, who pays, and the cost the spec counts.
fn gas_text(gas: &leash_fuzz::case::GasTerms) -> String {
    let payer = match gas.paymaster_and_data.len() {
        0 => "the account pays".to_string(),
        n if n < 52 => format!("{n} bytes of paymasterAndData (the EntryPoint refuses 1 to 51)"),
        n => format!(
            "paymaster {} pays ({n} bytes of paymasterAndData)",
            alloy_primitives::Address::from_slice(&gas.paymaster_and_data[..20])
        ),
    };
    let mut packed = leash_fuzz::evm::userop::unsigned_op(
        alloy_primitives::Address::ZERO,
        0,
        alloy_primitives::Bytes::new(),
    );
    gas.apply_to(&mut packed);
    let cost = leash_fuzz::evm::userop::op_gas(&packed)
        .max_cost()
        .map_or_else(|| "more than every limit".to_string(), |c| format!("{c} wei"));
    format!(
        "verification {}, call {}, pre-verification {}, maxFeePerGas {}, priority {}; {payer}; \
         cost {cost}",
        gas.verification_gas_limit,
        gas.call_gas_limit,
        gas.pre_verification_gas,
        gas.max_fee_per_gas,
        gas.max_priority_fee_per_gas
    )
}

/// A planned op (a recipe's plan or twin), one line per call, at depth 1.
fn planned_lines(label: &str, planned: &PlannedOp) -> Vec<String> {
    let calls: Vec<String> =
        planned.calls.iter().map(|c| call(c.target, c.value, &c.data)).collect();
    if planned.batch {
        let mut lines = vec![format!(
            "{INDENT}{label}: batch of {}",
            human::plural(calls.len() as u64, "execution")
        )];
        lines.extend(
            calls.iter().enumerate().map(|(i, c)| format!("{INDENT}{INDENT}item {i}: {c}")),
        );
        lines
    } else {
        vec![format!(
            "{INDENT}{label}: single execution: {}",
            calls.first().map_or("nothing", String::as_str)
        )]
    }
}

/// Whether the mutation plants the recipe's twin somewhere in the op.
fn plants_twin(mutation: &Mutation) -> bool {
    matches!(
        mutation,
        Mutation::OuterRelocate
            | Mutation::ItemRelocate { .. }
            | Mutation::ItemHide { .. }
            | Mutation::DataHide { .. }
            | Mutation::ArgRelocate { .. }
            | Mutation::ArgHide { .. }
            | Mutation::SignatureDecoy
    )
}

/// A mutation in words: its kind and what it touches, e.g. `item_hide (item 0 hidden in item 1)`.
pub(crate) fn mutation_text(mutation: &Mutation) -> String {
    let detail = match mutation {
        Mutation::OuterSelector { selector } => {
            format!("execute's selector replaced by 0x{}", alloy_primitives::hex::encode(selector))
        }
        Mutation::ModeByte { index, value } => format!("mode byte {index} set to 0x{value:02x}"),
        Mutation::OuterOffset { value } => format!("executionCalldata offset set to {value:#x}"),
        Mutation::OuterLength { value } => format!("executionCalldata length set to {value:#x}"),
        Mutation::OuterRelocate => {
            "the twin's executionCalldata appended and the offset pointed at it".to_string()
        }
        Mutation::ArrayOffset { value } => format!("batch array offset set to {value:#x}"),
        Mutation::BatchLength { value } => format!("batch item count set to {value}"),
        Mutation::ItemOffset { item, value } => format!("item {item}'s offset set to {value:#x}"),
        Mutation::ItemAlias { item, to } => format!("item {item} points at item {to}"),
        Mutation::ItemRelocate { item } => {
            format!("a twin item appended and item {item}'s offset pointed at it")
        }
        Mutation::ItemHide { item, host } => format!("item {item} hidden in item {host}"),
        Mutation::DataHide { item, host } => {
            format!("item {item}'s calldata hidden in item {host}")
        }
        Mutation::DataOffset { item, value } => {
            format!("item {item}'s calldata offset set to {value:#x}")
        }
        Mutation::DataLength { item, value } => {
            format!("item {item}'s calldata length set to {value:#x}")
        }
        Mutation::DirtyTarget { item, fill } => format!(
            "item {item}'s target word has upper bytes 0x{}",
            alloy_primitives::hex::encode(fill)
        ),
        Mutation::Padding { region } => format!("a non-zero padding byte {}", region_text(region)),
        Mutation::Trailing { region, bytes } => {
            format!(
                "{} appended {}",
                human::plural(bytes.len() as u64, "byte"),
                region_text(region)
            )
        }
        Mutation::Truncate { region, len } => {
            format!("{} cut to {}", region_name(region), human::plural(u64::from(*len), "byte"))
        }
        Mutation::InnerData { item, data } => {
            format!("item {item}'s calldata replaced by 0x{}", alloy_primitives::hex::encode(data))
        }
        Mutation::DirtyArg { item, arg, fill, at: None } => {
            format!("argument {arg} of item {item} has dirty high bytes 0x{fill:02x}")
        }
        Mutation::DirtyArg { item, arg, fill, at: Some(k) } => {
            format!("argument {arg} of item {item} has padding byte {k} set to 0x{fill:02x}")
        }
        Mutation::ArgRelocate { item, arg } => {
            format!("argument {arg} of item {item} points at a second, appended tail")
        }
        Mutation::ArgHide { item, arg } => {
            format!("argument {arg} of item {item} points at content hidden inside its own")
        }
        Mutation::ArgPadding { item, arg } => {
            format!("argument {arg} of item {item} has a non-zero padding byte")
        }
        Mutation::SignatureDecoy => {
            "the twin's executionCalldata placed after the 65 signature bytes".to_string()
        }
    };
    format!("{} ({detail})", mutation.kind())
}

/// The part of the callData a region names.
fn region_name(region: &Region) -> String {
    match region {
        Region::Outer => "the callData".to_string(),
        Region::Execution => "executionCalldata".to_string(),
        Region::Item(i) => format!("item {i}'s calldata"),
    }
}

fn region_text(region: &Region) -> String {
    match region {
        Region::Outer => "after executionCalldata".to_string(),
        Region::Execution => "inside executionCalldata, after its last item".to_string(),
        Region::Item(i) => format!("after item {i}'s calldata"),
    }
}

/// A policy in one line per part: window, permissions (with their rules), caps and limits.
pub(crate) fn policy_lines(policy: &Policy) -> Vec<String> {
    let mut lines = Vec::new();
    let after = if policy.valid_after == 0 {
        "from the start".to_string()
    } else {
        format!("after {} ({})", policy.valid_after, human::utc(policy.valid_after))
    };
    let until = if policy.valid_until == 0 {
        "no end".to_string()
    } else {
        format!("until {} ({})", policy.valid_until, human::utc(policy.valid_until))
    };
    lines.push(format!("window: {after}, {until}"));
    if policy.permissions.is_empty() {
        lines.push("no permissions: every call is denied".to_string());
    }
    for (index, permission) in policy.permissions.iter().enumerate() {
        let target = match permission.target {
            Target::Any => "any target".to_string(),
            Target::Address(a) => address(a),
        };
        let function = match permission.selector {
            Selector::Empty => "plain transfer (empty calldata)".to_string(),
            Selector::Exact(selector) => match known::function(selector) {
                Some(known) => known.signature.to_string(),
                None => format!("0x{}", alloy_primitives::hex::encode(selector)),
            },
        };
        let args = match (&permission.selector, &permission.args) {
            (Selector::Empty, _) => String::new(),
            (_, Some(types)) if types.is_empty() => "; no arguments declared".to_string(),
            (_, Some(types)) => {
                let types: Vec<String> = types.iter().map(AbiType::to_string).collect();
                format!("; arguments declared ({})", types.join(", "))
            }
            (_, None) => "; arguments not declared (any bytes)".to_string(),
        };
        lines.push(format!("permission {index}: {target}: {function}{args}"));
        for (r, rule) in permission.rules.iter().enumerate() {
            lines.push(format!("{INDENT}rule {r}: {}", rule_text(rule)));
        }
    }
    match policy.native {
        None => lines.push("native value: none allowed".to_string()),
        Some(cap) => lines.push(format!(
            "native value: at most {} wei per call, {} wei in total",
            human::integer(cap.per_call),
            human::integer(cap.total)
        )),
    }
    for cap in policy.erc20.iter() {
        let spenders = match &cap.spenders {
            None => "approvals to any spender".to_string(),
            Some(list) if list.is_empty() => "no approvals".to_string(),
            Some(list) => {
                let names: Vec<String> = list.iter().map(|a| address(*a)).collect();
                format!("approvals only to {}", names.join(", "))
            }
        };
        lines.push(format!(
            "ERC-20 cap on {}: {} in total; {spenders}",
            address(cap.token),
            human::integer(cap.limit)
        ));
    }
    match policy.usage_limit {
        Some(limit) => lines.push(format!("usage limit: {}", human::plural(limit, "call"))),
        None => lines.push("usage limit: none".to_string()),
    }
    if let Some(rate) = policy.rate_limit {
        lines.push(format!(
            "rate limit: {} in any {} seconds",
            human::plural(u64::from(rate.max_calls), "call"),
            rate.interval
        ));
    }
    if let Some(gas) = &policy.gas {
        let payer = match &gas.paymaster {
            leash_model::PaymasterRule::Any => "the account or any paymaster pays".to_string(),
            leash_model::PaymasterRule::Required => "a paymaster must pay".to_string(),
            leash_model::PaymasterRule::OneOf(list) => {
                let names: Vec<String> = list.iter().map(|a| address(*a)).collect();
                format!("only {} may pay", names.join(", "))
            }
        };
        let limit = |what: &str, v: Option<U256>| {
            v.map(|v| format!("; at most {} wei {what}", human::integer(v)))
        };
        lines.push(format!(
            "gas: {payer}{}{}{}",
            gas.max_fee_per_gas
                .map(|f| format!("; maxFeePerGas at most {}", human::integer(U256::from(f))))
                .unwrap_or_default(),
            limit("per op", gas.per_op).unwrap_or_default(),
            limit("in total", gas.total).unwrap_or_default()
        ));
    }
    if let Some(chains) = &policy.chains {
        let ids: Vec<String> = chains.iter().map(u64::to_string).collect();
        lines.push(format!("chains: only {}", ids.join(", ")));
    }
    lines
}

/// One argument rule in words: `argument 1 <= 100, cumulative limit 150`.
fn rule_text(rule: &ArgRule) -> String {
    let what = match rule.slice {
        Some(slice) => format!(
            "bytes {} to {} of argument {}",
            slice.offset,
            u64::from(slice.offset) + u64::from(slice.length) - 1,
            rule.arg
        ),
        None => format!("argument {}", rule.arg),
    };
    let n = |v: &U256| human::integer(*v);
    let condition = match &rule.condition {
        Condition::Eq(v) => format!("== {}", n(v)),
        Condition::Neq(v) => format!("!= {}", n(v)),
        Condition::Gt(v) => format!("> {}", n(v)),
        Condition::Gte(v) => format!(">= {}", n(v)),
        Condition::Lt(v) => format!("< {}", n(v)),
        Condition::Lte(v) => format!("<= {}", n(v)),
        Condition::InRange { lo, hi } => format!("between {} and {} (inclusive)", n(lo), n(hi)),
        Condition::OneOf(values) => {
            let values: Vec<String> = values.iter().map(n).collect();
            format!("one of {}", values.join(", "))
        }
    };
    match rule.limit {
        Some(limit) => format!("{what} {condition}, cumulative limit {}", n(&limit)),
        None => format!("{what} {condition}"),
    }
}

/// One call in words: `LeashToken.transfer(0x…b1, 1000)`, `Game.attack(7) with 5 wei`,
/// `a plain transfer of 5 wei to 0x…b1`.
pub(crate) fn call(target: Address, value: U256, data: &[u8]) -> String {
    let to = address(target);
    let with_value = if value.is_zero() {
        String::new()
    } else {
        format!(" with {} wei", human::integer(value))
    };
    match data.len() {
        0 => format!("a plain transfer of {} wei to {to}", human::integer(value)),
        1..=3 => format!(
            "{to} called with 0x{} (shorter than a selector){with_value}",
            alloy_primitives::hex::encode(data)
        ),
        _ => {
            let selector: [u8; 4] = data[..4].try_into().expect("four bytes");
            format!("{to}.{}{with_value}", function_call(selector, &data[4..]))
        }
    }
}

/// A function call by selector, with its arguments decoded when the selector is a known one:
/// `transfer(0x…b1, 1000)`, else `0x12345678(36 bytes of arguments)`.
fn function_call(selector: [u8; 4], args: &[u8]) -> String {
    let raw = || {
        format!(
            "0x{}({})",
            alloy_primitives::hex::encode(selector),
            human::plural(args.len() as u64, "byte")
        )
    };
    let Some(known) = known::function(selector) else {
        return raw();
    };
    let Ok((_, types)) = leash_model::format::parse_function(known.signature) else {
        return format!("{}({})", known.name(), human::plural(args.len() as u64, "byte"));
    };
    let (values, note) = match decode_args(args, &types, ArgDecoding::Strict) {
        Ok(values) => (values, ""),
        Err(_) => match decode_args(args, &types, ArgDecoding::Solidity) {
            Ok(values) => (values, " [non-canonical arguments]"),
            Err(_) => {
                return format!(
                    "{}({} that do not decode as {})",
                    known.name(),
                    human::plural(args.len() as u64, "byte"),
                    known.signature
                );
            }
        },
    };
    let shown: Vec<String> =
        types.iter().zip(values.iter()).map(|(ty, value)| argument(*ty, value)).collect();
    format!("{}({}){note}", known.name(), shown.join(", "))
}

/// The most bytes of a dynamic argument shown before it is cut.
const BYTES_SHOWN: usize = 40;

/// One decoded argument in words.
fn argument(ty: AbiType, value: &ArgValue<'_>) -> String {
    match value {
        ArgValue::Word(word) => match ty {
            AbiType::Address => {
                let bytes = word.to_be_bytes::<32>();
                address(Address::from_slice(&bytes[12..]))
            }
            AbiType::Bool => (if word.is_zero() { "false" } else { "true" }).to_string(),
            AbiType::FixedBytes(n) => {
                let bytes = word.to_be_bytes::<32>();
                format!("0x{}", alloy_primitives::hex::encode(&bytes[..usize::from(n).min(32)]))
            }
            AbiType::Uint(_) | AbiType::Bytes | AbiType::String => human::integer(*word),
        },
        ArgValue::Dynamic(content) => {
            let shown = &content[..content.len().min(BYTES_SHOWN)];
            let cut = if content.len() > BYTES_SHOWN {
                format!("… ({} bytes)", content.len())
            } else {
                String::new()
            };
            match ty {
                AbiType::String => format!("{:?}{cut}", String::from_utf8_lossy(shown)),
                _ => format!("0x{}{cut}", alloy_primitives::hex::encode(shown)),
            }
        }
    }
}

/// An address in words: the name of a known one (`LeashToken`, `account`, `key 1`), a short
/// form for one whose first 16 bytes are zero (`0x…b1`), else its checksummed hex.
pub(crate) fn address(a: Address) -> String {
    if let Some(name) = name_of(a) {
        return name;
    }
    if a.as_slice()[..16].iter().all(|b| *b == 0) {
        let digits = alloy_primitives::hex::encode(&a.as_slice()[16..]);
        let digits = digits.trim_start_matches('0');
        return format!("0x…{}", if digits.is_empty() { "0" } else { digits });
    }
    a.to_string()
}

/// The name of an address of the reference world, if it has one.
pub(crate) fn name_of(a: Address) -> Option<String> {
    let expected = Addresses::expected();
    let named = [
        (expected.entry_point, "EntryPoint"),
        (expected.module, "module"),
        (expected.account, "account"),
        (expected.token, "LeashToken"),
        (expected.game, "Game"),
        (expected.router, "Router"),
        (OWNER, "owner"),
        (Address::ZERO, "address(0)"),
    ];
    if let Some((_, name)) = named.iter().find(|(address, _)| *address == a) {
        return Some((*name).to_string());
    }
    session_keys().iter().position(|k| k.address() == a).map(|i| format!("key {i}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use leash_model::abi::execute::{encode_batch, encode_single};
    use leash_model::{Execution, Permission, TokenCap};

    fn transfer(to: Address, amount: u64) -> Vec<u8> {
        let mut data = known::function([0xa9, 0x05, 0x9c, 0xbb]).unwrap().selector().to_vec();
        data.extend_from_slice(&[0; 12]);
        data.extend_from_slice(to.as_slice());
        data.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
        data
    }

    #[test]
    fn another_keys_signature_is_named_with_its_key() {
        use leash_fuzz::case::Replay;
        let call_data = encode_single(&Execution {
            target: Address::with_last_byte(0xb2),
            value: U256::ZERO,
            data: &[],
        });
        let op =
            |replay| Op { replay: Some(replay), ..Op::plain(Signer::Key(4), call_data.clone()) };
        let signed_by = op_lines(0, &op(Replay::SignedBy { key: 1 }));
        assert!(
            signed_by[1].ends_with(
                "another key's signature: its signature names its signer's session, but the \
                 ECDSA signature in it is key 1's over the same hash"
            ),
            "{signed_by:?}"
        );
        let tail = op_lines(0, &op(Replay::KeyTail { key: 6 }));
        assert!(
            tail[1].ends_with(
                "another key's signature as a tail: right after its own 65 bytes comes \"key\" \
                 6's, address(0): 64 zero bytes that recover to no one over the same hash"
            ),
            "{tail:?}"
        );
    }

    #[test]
    fn addresses_are_named_or_shortened() {
        let expected = Addresses::expected();
        assert_eq!(address(expected.token), "LeashToken");
        assert_eq!(address(expected.account), "account");
        assert_eq!(address(session_keys()[2].address()), "key 2");
        assert_eq!(address(Address::with_last_byte(0xb1)), "0x…b1");
        let other = Address::repeat_byte(0x11);
        assert_eq!(address(other), other.to_string());
    }

    #[test]
    fn known_calls_show_their_arguments() {
        let token = Addresses::expected().token;
        let data = transfer(Address::with_last_byte(0xb1), 1000);
        assert_eq!(call(token, U256::ZERO, &data), "LeashToken.transfer(0x…b1, 1000)");
        assert_eq!(
            call(Address::with_last_byte(0xb2), U256::from(5), &[]),
            "a plain transfer of 5 wei to 0x…b2"
        );
        assert_eq!(
            call(token, U256::from(7), &[0xde, 0xad, 0xbe, 0xef, 1]),
            "LeashToken.0xdeadbeef(1 byte) with 7 wei"
        );
        let mut dirty = data.clone();
        dirty[4] = 0xff;
        assert_eq!(
            call(token, U256::ZERO, &dirty),
            "LeashToken.transfer(64 bytes that do not decode as transfer(address,uint256))"
        );
    }

    #[test]
    fn a_case_reads_step_by_step_with_the_finding_marked() {
        let token = Addresses::expected().token;
        let mut policy = Policy { valid_after: START_TIME - 10, ..Policy::default() };
        let permission = Permission {
            target: Target::Address(token),
            selector: Selector::Exact([0xa9, 0x05, 0x9c, 0xbb]),
            ..Permission::default()
        };
        policy.permissions.push(permission).unwrap();
        policy
            .erc20
            .push(TokenCap { token, limit: U256::from(100), ..TokenCap::default() })
            .unwrap();
        let one = transfer(Address::with_last_byte(0xb1), 1000);
        let single = encode_single(&Execution { target: token, value: U256::ZERO, data: &one });
        let batch = encode_batch(&[
            Execution { target: token, value: U256::ZERO, data: &one },
            Execution { target: token, value: U256::ZERO, data: &one },
        ]);
        let op = |call_data: Vec<u8>| Op::plain(Signer::Key(0), call_data);
        let case = Case {
            steps: vec![
                Step::Install { key: 0, policy: Box::new(policy) },
                Step::Time { now: START_TIME + 60 },
                Step::Bundle { ops: vec![op(single), op(batch), op(vec![1, 2, 3])] },
            ],
        };
        let lines = case_lines(&case, Some(Mark { step: 2, op: Some(1) }));
        let text = lines.join("\n");
        for needle in [
            "step 0: install a session for key 0 (",
            "  permission 0: LeashToken: transfer(address,uint256); arguments not declared",
            "  ERC-20 cap on LeashToken: 100 in total; approvals to any spender",
            "step 1: time moves to 1700000060 (2023-11-14 22:14:20 UTC, 1 minute later)",
            "step 2: bundle of 3 ops at 1700000060",
            "  op 0 signed by key 0: single execution: LeashToken.transfer(0x…b1, 1000)\n",
            "  op 1 signed by key 0: batch of 2 executions  <- the finding\n",
            "    item 1: LeashToken.transfer(0x…b1, 1000)",
            "  op 2 signed by key 0: 3 bytes of callData the spec does not decode: callData is \
             not execute(bytes32,bytes) (spec §3.1)",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
    }

    #[test]
    fn mutations_say_what_they_touch() {
        assert_eq!(
            mutation_text(&Mutation::ItemHide { item: 0, host: 1 }),
            "item_hide (item 0 hidden in item 1)"
        );
        assert_eq!(
            mutation_text(&Mutation::Trailing { region: Region::Outer, bytes: vec![1, 2] }),
            "trailing (2 bytes appended after executionCalldata)"
        );
    }
}
