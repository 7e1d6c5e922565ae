//! Property 6: scope. Every allowed execution has an allowed target and selector, satisfies its
//! argument rules, and is not a self, module or `address(0)` call (spec §4, §5, §6); every
//! allowed op is a plain single or batch call, not delegatecall, static or try, and a batch is
//! non-empty (spec §3.3, §3.6.3).

use alloy_primitives::{Address, U256};
use leash_model::abi::args::{ArgValue, decode_args, encode_call};
use leash_model::abi::execute::{
    encode_batch_calldata, encode_execute, encode_single_calldata, mode as mode_word,
};
use leash_model::{
    AbiType, AccountState, ArgDecoding, ArgRule, BoundedVec, Condition, DenyReason, Execution,
    Permission, Policy, Selector, Session, Slice, Target, UserOp, Verdict,
};

use crate::oracle;
use crate::source::Source;
use crate::sut::{CheckFn, ValidateFn};
use crate::world::{BATCH_KANI, CALL_MAX, Call, GAME, KEY, OTHER, SPEND, TARGETS, env, executions};
use crate::{CaseResult, Outcome};

/// The argument types generated permissions declare: static types of every kind, and `bytes`.
const TYPES: [AbiType; 6] = [
    AbiType::Uint(256),
    AbiType::Address,
    AbiType::Bool,
    AbiType::Uint(8),
    AbiType::FixedBytes(4),
    AbiType::Bytes,
];
const FOUR: U256 = U256::from_limbs([4, 0, 0, 0]);
const FIVE: U256 = U256::from_limbs([5, 0, 0, 0]);
const SIX: U256 = U256::from_limbs([6, 0, 0, 0]);

/// The runners' hint profile: the forbidden targets with simple calldata, one target with
/// argument encodings, or a single canonical call with one rule (for harnesses that mutate the
/// whole op afterwards). Kani ignores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Focus {
    Targets,
    Arguments,
    Thin,
}

fn condition<S: Source>(src: &mut S, focus: Focus) -> Condition {
    match src.choose_in("rule.condition", 8, if focus == Focus::Thin { &[0] } else { &[] }) {
        0 => Condition::Eq(src.u256_in("rule.r", &[FIVE])),
        1 => Condition::Neq(src.u256_in("rule.r", &[FIVE])),
        2 => Condition::Gt(src.u256_in("rule.r", &[FIVE])),
        3 => Condition::Gte(src.u256_in("rule.r", &[FIVE])),
        4 => Condition::Lt(src.u256_in("rule.r", &[FIVE])),
        5 => Condition::Lte(src.u256_in("rule.r", &[FIVE])),
        6 => Condition::InRange {
            lo: src.u256_in("rule.lo", &[FIVE]),
            hi: src.u256_in("rule.hi", &[FIVE, SIX]),
        },
        _ => {
            let mut values = BoundedVec::new();
            for _ in 0..=src.choose_in("rule.one_of.len-1", 2, &[0]) {
                values.push(src.u256_in("rule.one_of", &[FIVE])).expect("capacity");
            }
            Condition::OneOf(values)
        }
    }
}

/// A permission: any target or one address; the empty selector or four bytes; no declared
/// arguments, or one or two of [`TYPES`] with an optional rule on one of them.
fn permission<S: Source>(src: &mut S, focus: Focus) -> Permission {
    let thin = focus == Focus::Thin;
    let target = if src.choose_in("perm.target_any", 2, if thin { &[1] } else { &[0, 1] }) == 1 {
        Target::Any
    } else {
        Target::Address(src.address_in("perm.target", &[GAME]))
    };
    if !src.bool_in("perm.exact?", &[true]) {
        return Permission { target, selector: Selector::Empty, ..Permission::default() };
    }
    let selector = Selector::Exact(src.bytes_in("perm.selector", &[SPEND]));
    let k_hint: &[usize] = match focus {
        Focus::Targets => &[0],
        Focus::Arguments => &[1, 2],
        Focus::Thin => &[1],
    };
    let k = src.choose_in("perm.args", 3, k_hint);
    if k == 0 {
        return Permission { target, selector, ..Permission::default() };
    }
    let mut types = BoundedVec::new();
    for j in 0..k {
        let hint: &[usize] = match (thin, j) {
            (true, _) => &[5],
            (false, 0) => &[0, 1, 5],
            (false, _) => &[2, 5],
        };
        types.push(TYPES[src.choose_in("perm.arg.type", TYPES.len(), hint)]).expect("capacity");
    }
    let mut rules = BoundedVec::new();
    if src.bool_in("perm.rule?", &[true]) {
        let arg = src.choose("rule.arg", k);
        let slice = if types[arg].is_dynamic() {
            let offset = src.u32_in("rule.slice.offset", &[0, 1]);
            let length = src.u8_in("rule.slice.length", &[32]);
            Some(Slice { offset, length })
        } else {
            None
        };
        let condition = condition(src, focus);
        let limit = if src.bool_in("rule.limit?", &[false]) {
            Some(src.u256_in("rule.limit", &[U256::MAX]))
        } else {
            None
        };
        rules.push(ArgRule { arg: arg as u8, slice, condition, limit }).expect("capacity");
    }
    Permission { target, selector, args: Some(types), rules }
}

/// A static word of type `ty` near the rules' constants, clean or (as a hint) dirty.
fn static_word<S: Source>(src: &mut S, ty: AbiType) -> U256 {
    match ty {
        AbiType::Address => src.u256_in("arg.address", &[FIVE, U256::from(1) << 160]),
        AbiType::Bool => src.u256_in("arg.bool", &[U256::ZERO, U256::from(1), U256::from(2)]),
        AbiType::Uint(8) => src.u256_in("arg.uint8", &[FIVE, U256::from(255), U256::from(256)]),
        AbiType::FixedBytes(_) => src.u256_in("arg.bytes4", &[FIVE << 224, FIVE]),
        _ => src.u256_in("arg.uint256", &[FOUR, FIVE, SIX]),
    }
}

/// The content of a `bytes` argument: the 32-byte word `x`, cut or extended to `len` bytes.
fn content(x: U256, len: usize) -> Vec<u8> {
    let mut bytes = x.to_be_bytes::<32>().to_vec();
    bytes.resize(len, 0xaa);
    bytes
}

/// Calldata for permission `permission`'s declared arguments: canonical, or with one
/// non-canonical twist the strict decoder must refuse: the C2 shape (a dynamic argument's head
/// pointing at a second tail appended after the canonical one, which keeps an innocent value),
/// a trailing byte, or a dirty static word.
fn argument_data<S: Source>(src: &mut S, focus: Focus, permission: &Permission) -> Vec<u8> {
    let thin = focus == Focus::Thin;
    let selector = match permission.selector {
        Selector::Exact(s) => s,
        Selector::Empty => SPEND,
    };
    let types: &[AbiType] = permission.args.as_ref().map_or(&[], |a| a.as_slice());
    let mut contents: Vec<Vec<u8>> = Vec::new();
    let mut words = Vec::new();
    for ty in types {
        if ty.is_dynamic() {
            let x = src.u256_in("arg.bytes.word", if thin { &[FIVE] } else { &[FOUR, FIVE, SIX] });
            let len = [0, 32, 33][src.choose_in("arg.bytes.len", 3, if thin { &[1] } else { &[] })];
            contents.push(content(x, len));
            words.push(U256::ZERO);
        } else {
            contents.push(Vec::new());
            words.push(static_word(src, *ty));
        }
    }
    let values: Vec<ArgValue<'_>> = types
        .iter()
        .zip(&words)
        .zip(&contents)
        .map(|((ty, w), c)| if ty.is_dynamic() { ArgValue::Dynamic(c) } else { ArgValue::Word(*w) })
        .collect();
    let mut data = encode_call(selector, &values);
    let dynamic = types.iter().position(|t| t.is_dynamic());
    match src.choose_in("arg.twist", 4, if thin { &[0] } else { &[] }) {
        0 => {}
        1 => {
            if let Some(j) = dynamic {
                let evil = src.u256_in("arg.relocated.word", &[FOUR, FIVE, SIX]);
                let offset = data.len() - 4;
                data[4 + 32 * j..4 + 32 * (j + 1)]
                    .copy_from_slice(&U256::from(offset).to_be_bytes::<32>());
                data.extend_from_slice(&U256::from(32).to_be_bytes::<32>());
                data.extend_from_slice(&evil.to_be_bytes::<32>());
            }
        }
        2 => data.push(0),
        _ => {
            if !types.is_empty() {
                let j = src.choose("arg.twist.word", types.len());
                let at = 4 + 32 * j + if src.bool("arg.twist.low_byte?") { 31 } else { 0 };
                data[at] |= 1;
            }
        }
    }
    data
}

/// The calldata of one scope call: raw symbolic bytes under Kani; in the runners empty, 1 to 3
/// bytes, arguments for a permission, a bare selector, another selector, or (random engine
/// only) random bytes.
fn scope_call<S: Source>(src: &mut S, focus: Focus, policy: &Policy) -> Call {
    let targets: &[Address] = if focus == Focus::Targets { &TARGETS } else { &[GAME] };
    let target = src.address_in("call.target", targets);
    let value = src.u256_in("call.value", &[U256::ZERO]);
    let mut call = Call::new(target, value);
    if src.symbolic() {
        call.data = src.bytes_in("call.data", &[]);
        call.len = src.choose("call.data.len", KANI_DATA_MAX + 1);
        return call;
    }
    let shapes: &[usize] = if focus == Focus::Targets { &[0, 1, 3, 4] } else { &[2] };
    let data = match src.choose_in("call.data.shape", 6, shapes) {
        0 => Vec::new(),
        1 => SPEND[..1 + src.choose("call.data.short_len-1", 3)].to_vec(),
        2 => {
            let p = src.choose("call.data.permission", policy.permissions.len());
            argument_data(src, focus, &policy.permissions[p])
        }
        3 => SPEND.to_vec(),
        4 => {
            let mut data =
                src.bytes_in("call.data.other_selector", &[[0xde, 0xad, 0xbe, 0xef]]).to_vec();
            data.extend_from_slice(&FIVE.to_be_bytes::<32>());
            data
        }
        _ => {
            // Only the random engine gets here (the hints leave this shape out), and an empty
            // hint makes it draw uniform bytes.
            let bytes: [u8; 72] = src.bytes_in("call.data.random", &[]);
            bytes[..src.choose("call.data.random_len", 73)].to_vec()
        }
    };
    call.push(&data);
    call
}

/// A scope policy: one or two permissions (one in the runners' hints) with argument types and
/// rules; `focus` selects the runners' hints.
pub(crate) fn policy<S: Source>(src: &mut S, focus: Focus) -> Policy {
    let mut policy = Policy {
        valid_after: src.u64_in("policy.valid_after", &[0]),
        valid_until: src.u64_in("policy.valid_until", &[0]),
        ..Policy::default()
    };
    let count = 1 + src.choose_in("policy.permissions-1", 2, &[0]);
    for _ in 0..count {
        policy.permissions.push(permission(src, focus)).expect("capacity");
    }
    policy
}

/// One call for a scope policy (see [`policy`] for `focus`).
pub(crate) fn call<S: Source>(src: &mut S, focus: Focus, policy: &Policy) -> Call {
    scope_call(src, focus, policy)
}

/// Under Kani, a call's calldata is any byte string of at most this many bytes: a selector and
/// six words (two arguments, one of them dynamic with 32 bytes of content, or the C2 shape).
const KANI_DATA_MAX: usize = 4 + 6 * 32;
const _: () = assert!(KANI_DATA_MAX <= CALL_MAX);

/// allowed ⇒ for every execution: the target is not the account, the module or `address(0)`;
/// the calldata is empty or has a selector; a permission matches; and if it declares
/// arguments, the callee decodes them and every rule holds on the values it reads.
pub(crate) fn body<S: Source>(src: &mut S, check: CheckFn) -> CaseResult {
    let focus = if src.bool("focus.arguments?") { Focus::Arguments } else { Focus::Targets };
    let policy = policy(src, focus);
    // A session only ever holds a valid policy (spec §2.1, §12).
    assume!(src, policy.validate().is_ok());
    let env = env(src, &[1], &[0]);
    let n = 1 + src.choose_in("batch.len-1", BATCH_KANI, &[0]);
    let mut calls = [Call::new(Address::ZERO, U256::ZERO); BATCH_KANI];
    for call in calls.iter_mut().take(n) {
        *call = scope_call(src, focus, &policy);
    }
    let executions = executions(&calls[..n]);
    let session = Session::new(KEY, policy);

    let result = check(&session, &env, &executions, ArgDecoding::Strict);
    let reason = result.as_ref().err().map(|d| d.reason);
    cover!(src, reason == Some(DenyReason::SelfCall), "P6: a call to the account is denied");
    cover!(src, reason == Some(DenyReason::ZeroTarget), "P6: a call to address(0) is denied");
    cover!(
        src,
        reason == Some(DenyReason::ArgCondition),
        "P6: an argument failing its rule is denied"
    );
    cover!(
        src,
        reason == Some(DenyReason::ArgOffset),
        "P6: a relocated dynamic argument is denied"
    );
    let has_rule = |x: &Execution<'_>| {
        oracle::permission_for(&session.policy, x.target, x.data)
            .is_some_and(|p| !session.policy.permissions[p].rules.is_empty())
    };
    cover!(
        src,
        result.is_ok() && executions.iter().any(has_rule),
        "P6: a call with an argument rule is allowed"
    );
    if result.is_err() {
        return Ok(Outcome::Denied);
    }
    for x in executions.iter() {
        ensure!(x.target != env.account, "P6: no allowed execution calls the account (§4.1)");
        ensure!(x.target != env.module, "P6: no allowed execution calls the module (§4.2)");
        ensure!(x.target != Address::ZERO, "P6: no allowed execution calls address(0) (§4.3)");
        ensure!(
            !(1..=3).contains(&x.data.len()),
            "P6: allowed calldata is empty or has a selector (§5.1)"
        );
        let permission = oracle::permission_for(&session.policy, x.target, x.data);
        ensure!(
            permission.is_some(),
            "P6: an allowed execution has a permission for its target and selector (§5.3)"
        );
        let permission = &session.policy.permissions[permission.unwrap_or_default()];
        if let Some(types) = &permission.args {
            // What the callee reads: Solidity's decoder follows head offsets wherever they point.
            let view = decode_args(&x.data[4..], types, ArgDecoding::Solidity);
            ensure!(
                view.is_ok(),
                "P6: the callee can decode the arguments of an allowed call (§6.1)"
            );
            let view = view.unwrap_or_default();
            for rule in permission.rules.iter() {
                let value =
                    view.get(usize::from(rule.arg)).and_then(|v| oracle::rule_value(rule, *v));
                ensure!(
                    value.is_some_and(|x| oracle::condition_holds(&rule.condition, x)),
                    "P6: the arguments the callee reads satisfy every rule (§6.2, §6.3)"
                );
            }
        }
    }
    Ok(Outcome::Allowed)
}

/// Under Kani, `callData` is any byte string of at most this many bytes: enough for a batch of
/// one execution with empty calldata (`100 + 64 + 32 + 128`).
pub(crate) const MODE_CD_MAX: usize = 324;

/// allowed ⇒ the mode is single or batch with the default exec type and a zero payload, and
/// the op has at least one execution.
pub(crate) fn mode<S: Source>(src: &mut S, validate: ValidateFn) -> CaseResult {
    let mut policy = Policy {
        valid_after: src.u64_in("policy.valid_after", &[0]),
        valid_until: src.u64_in("policy.valid_until", &[0]),
        ..Policy::default()
    };
    for selector in [Selector::Empty, Selector::Exact(SPEND)] {
        let p = Permission { target: Target::Any, selector, ..Permission::default() };
        policy.permissions.push(p).expect("capacity");
    }
    let mut state = AccountState::new();
    // Installing an invalid policy is an error, not a state (spec §2.1).
    assume!(src, state.install(KEY, policy).is_ok());
    let env = env(src, &[1], &[0]);
    let call_data: Vec<u8> = if src.symbolic() {
        let raw: [u8; MODE_CD_MAX] = src.bytes_in("cd", &[]);
        let len = src.choose("cd.len", MODE_CD_MAX + 1);
        raw[..len].to_vec()
    } else {
        let call_type = src.u8_in("mode.call_type", &[0x00, 0x01, 0xfe, 0xff]);
        let exec_type = src.u8_in("mode.exec_type", &[0x00, 0x01]);
        let mut word = mode_word(call_type, exec_type);
        let at = 2 + src.choose_in("mode.payload_byte", 30, &[0, 29]);
        word[at] = src.u8_in("mode.payload_value", &[0, 1]);
        let n = src.choose("batch.len", 3);
        let calls: Vec<Call> = (0..n)
            .map(|_| {
                let mut call = Call::new(OTHER, U256::ZERO);
                if src.bool_in("call.spend?", &[false]) {
                    call.push(&SPEND);
                }
                call
            })
            .collect();
        let executions = executions(&calls);
        let e = if call_type == 0 && n == 1 {
            encode_single_calldata(&executions[0])
        } else {
            encode_batch_calldata(&executions)
        };
        encode_execute(word, &e)
    };
    let op = UserOp::new(Some(KEY), &call_data);
    let verdict = validate(&state, &env, &op);
    let reason = verdict.denial().map(|d| d.reason);
    cover!(
        src,
        reason == Some(DenyReason::CallType),
        "P6 mode: a delegatecall or static call is denied"
    );
    cover!(src, reason == Some(DenyReason::ExecType), "P6 mode: try mode is denied");
    cover!(src, reason == Some(DenyReason::EmptyBatch), "P6 mode: an empty batch is denied");
    cover!(
        src,
        verdict.effects().is_some_and(|e| e.executions.len() >= 2),
        "P6 mode: a batch of two is allowed"
    );
    let Verdict::Allow(effects) = verdict else {
        return Ok(Outcome::Denied);
    };
    let cd = &call_data;
    ensure!(
        cd[4] == 0x00 || cd[4] == 0x01,
        "P6: an allowed op is a single or batch call, not delegatecall or static (§3.3.1)"
    );
    ensure!(cd[5] == 0x00, "P6: an allowed op does not use try mode (§3.3.2)");
    ensure!(
        cd[6..36].iter().all(|b| *b == 0),
        "P6: an allowed op has a zero mode payload (§3.3.3)"
    );
    ensure!(
        !effects.executions.is_empty(),
        "P6: an allowed op has at least one execution (§3.6.3)"
    );
    Ok(Outcome::Allowed)
}
