//! Generator for spec §12 (policy validity): policies the spec rejects, one clause broken at a
//! time.
//!
//! A broken policy is a valid one with one part changed so that it breaks one clause of §12:
//! an empty window, a duplicate permission, arguments on the empty selector, an unsupported
//! type, a malformed rule (each of its problems), a duplicate or zero token, a bad rate limit,
//! a periodic or streaming allowance that cannot hold, a bad paymaster allowlist or chain list.
//! Every break is checked: [`Policy::validate`] must report the clause it meant, or the break is
//! not used. A case installs such a policy now and then; the spec refuses it and changes
//! nothing, and the runner checks that the module refuses it too, for the same clause when the
//! module reports the spec's codes.
//!
//! Clauses a module's interface cannot carry are not broken: a time or period beyond
//! `TIME_MAX` (§12.1, §12.8) does not fit the `uint48` fields of `ISessionManager`, so the
//! module would never see it.

use alloy_primitives::{Address, U256};
use arbitrary::Unstructured;
use leash_model::bounds::{MAX_PERMISSIONS, MAX_RATE, MAX_TOKENS};
use leash_model::{
    AbiType, ArgRule, BoundedVec, Condition, PaymasterRule, PeriodicAllowance, Policy, Selector,
    Slice, StreamingAllowance, TokenCap,
};

/// One way of breaking a clause: the `PolicyError::code` it must produce, and the change (which
/// returns whether it could be made on this policy).
type Break = (u8, fn(&mut Unstructured<'_>, &mut Policy) -> arbitrary::Result<bool>);

/// Every break, in the order of spec §12.
const BREAKS: [Break; 12] = [
    (2, empty_window),
    (3, duplicate_permission),
    (4, empty_selector_with_args),
    (5, unsupported_type),
    (6, bad_rule),
    (7, duplicate_token),
    (8, zero_token),
    (9, bad_rate_limit),
    (11, bad_periodic),
    (12, bad_streaming),
    (13, bad_paymasters),
    (14, bad_chains),
];

/// `valid` with one clause of spec §12 broken, the clause drawn from those the policy offers a
/// part to break; `None` when it offers none (or the bytes ran out).
pub(super) fn broken_policy(
    u: &mut Unstructured<'_>,
    valid: &Policy,
) -> arbitrary::Result<Option<Policy>> {
    let first = u.choose_index(BREAKS.len())?;
    for i in 0..BREAKS.len() {
        let (code, change) = BREAKS[(first + i) % BREAKS.len()];
        let mut p = valid.clone();
        if change(u, &mut p)? && p.validate().err().map(|e| e.code()) == Some(code) {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

/// §12.1: `valid_until` at or before `valid_after` (and not 0, which means no end).
fn empty_window(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    let after = p.valid_after.max(1);
    p.valid_after = after;
    p.valid_until = after - u.int_in_range(0..=(after - 1).min(2))?;
    Ok(true)
}

/// §12.2: a second permission with the target and selector of one the policy has.
fn duplicate_permission(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    if p.permissions.is_empty() || p.permissions.len() >= MAX_PERMISSIONS {
        return Ok(false);
    }
    let mut twin = u.choose(&p.permissions)?.clone();
    if u.ratio(1, 2)? {
        // The same target and selector with other arguments: still the same permission key.
        twin.rules = BoundedVec::new();
    }
    Ok(p.permissions.push(twin).is_ok())
}

/// §12.3: the empty selector with declared arguments (or rules).
fn empty_selector_with_args(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    if p.permissions.is_empty() {
        return Ok(false);
    }
    let i = u.choose_index(p.permissions.len())?;
    let permission = &mut p.permissions.as_mut_slice()[i];
    permission.selector = Selector::Empty;
    if permission.args.is_none() {
        permission.args = Some(BoundedVec::try_from_iter([AbiType::Uint(256)]).expect("one fits"));
    }
    Ok(true)
}

/// The indices of the permissions that declare at least one argument.
fn with_args(p: &Policy) -> Vec<usize> {
    (0..p.permissions.len())
        .filter(|&i| p.permissions[i].args.as_ref().is_some_and(|a| !a.is_empty()))
        .collect()
}

/// §12.4: an argument type outside `uintN` (N a multiple of 8 in 8..=256) and `bytesN` (N in
/// 1..=32), in place of a declared one.
fn unsupported_type(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    let with_args = with_args(p);
    if with_args.is_empty() {
        return Ok(false);
    }
    let i = *u.choose(&with_args)?;
    let bad = *u.choose(&[
        AbiType::Uint(0),
        AbiType::Uint(7),
        AbiType::Uint(12),
        AbiType::Uint(264),
        AbiType::FixedBytes(0),
        AbiType::FixedBytes(33),
    ])?;
    let args = p.permissions.as_mut_slice()[i].args.as_mut().expect("filtered on args");
    let a = u.choose_index(args.len())?;
    args.as_mut_slice()[a] = bad;
    Ok(true)
}

/// §12.5: one rule with one of its problems (on a permission that declares arguments; a valid
/// rule is added first when it has none).
fn bad_rule(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    let with_args = with_args(p);
    if with_args.is_empty() {
        return Ok(false);
    }
    let permission = &mut p.permissions.as_mut_slice()[*u.choose(&with_args)?];
    let types = permission.args.expect("filtered on args");
    if permission.rules.is_empty() {
        let arg = u.choose_index(types.len())?;
        let slice = types[arg].is_dynamic().then_some(Slice { offset: 0, length: 4 });
        let rule =
            ArgRule { arg: arg as u8, slice, condition: Condition::Eq(U256::ZERO), limit: None };
        permission.rules.push(rule).expect("an empty list has room");
    }
    let r = u.choose_index(permission.rules.len())?;
    let rule = &mut permission.rules.as_mut_slice()[r];
    let dynamic = types[usize::from(rule.arg)].is_dynamic();
    match u.int_in_range(0u8..=5)? {
        // NoArgs: rules with no declared arguments.
        0 => permission.args = None,
        // NoSuchArg: an index past the declared arguments.
        1 => rule.arg = types.len() as u8 + u.int_in_range(0..=2)?,
        // SliceOnStatic or MissingSlice.
        2 if dynamic => rule.slice = None,
        2 => rule.slice = Some(Slice { offset: 0, length: 4 }),
        // BadSlice: empty, wider than a word, or ending past 2^32.
        3 if dynamic => {
            rule.slice = Some(*u.choose(&[
                Slice { offset: 0, length: 0 },
                Slice { offset: 0, length: 33 },
                Slice { offset: u32::MAX, length: 2 },
            ])?);
        }
        // EmptyRange: lo above hi.
        3 | 4 => {
            let hi = U256::from(u.int_in_range(0u64..=1000)?);
            rule.condition = Condition::InRange { lo: hi + U256::from(1), hi };
        }
        // EmptyOneOf.
        _ => rule.condition = Condition::OneOf(BoundedVec::new()),
    }
    Ok(true)
}

/// §12.6: a second cap on a token already capped, appended after the other caps. Half the
/// time a cap on a near twin of that token (one bit of one byte flipped) goes in first, at any
/// position: the module must then tell distinct tokens apart before it finds the repeated one,
/// which a list holding only the twins never asks of it (a catalog with a single token makes
/// no other list, and a check that compares only neighbours or only some bytes passes it).
fn duplicate_token(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    if p.erc20.is_empty() || p.erc20.len() >= MAX_TOKENS {
        return Ok(false);
    }
    let twin = *u.choose(&p.erc20)?;
    if p.erc20.len() + 2 <= MAX_TOKENS && u.ratio(1, 2)? {
        let near = TokenCap { token: near_twin(u, twin.token)?, ..twin };
        if !p.erc20.iter().any(|cap| cap.token == near.token) {
            let at = u.choose_index(p.erc20.len() + 1)?;
            let mut caps: Vec<TokenCap> = p.erc20.iter().copied().collect();
            caps.insert(at, near);
            p.erc20 = BoundedVec::try_from_iter(caps).expect("checked against MAX_TOKENS");
        }
    }
    Ok(p.erc20.push(twin).is_ok())
}

/// `token` with one bit of one of its bytes flipped, never the zero address.
fn near_twin(u: &mut Unstructured<'_>, token: Address) -> arbitrary::Result<Address> {
    let mut bytes = token.0.0;
    let (at, bit) = (u.choose_index(bytes.len())?, u.int_in_range(0u8..=7)?);
    bytes[at] ^= 1 << bit;
    if bytes == [0; 20] {
        // `token` had that one bit set and no other: flip a second one.
        bytes[(at + 1) % 20] ^= 1;
    }
    Ok(Address::from(bytes))
}

/// §12.6: a cap on the zero address.
fn zero_token(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    if p.erc20.is_empty() {
        return Ok(false);
    }
    let i = u.choose_index(p.erc20.len())?;
    p.erc20.as_mut_slice()[i].token = Address::ZERO;
    Ok(true)
}

/// §12.7: a rate limit of no calls, of more than `MAX_RATE`, or over no time.
fn bad_rate_limit(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    let mut rate = p.rate_limit.unwrap_or(leash_model::RateLimit { max_calls: 1, interval: 60 });
    match u.int_in_range(0u8..=2)? {
        0 => rate.max_calls = 0,
        1 => rate.max_calls = u.int_in_range(MAX_RATE as u8 + 1..=u8::MAX)?,
        _ => rate.interval = 0,
    }
    p.rate_limit = Some(rate);
    Ok(true)
}

/// The policy's caps that can hold allowances over time: `None` for the native cap, `Some(i)`
/// for ERC-20 cap `i`.
fn caps(p: &Policy) -> Vec<Option<usize>> {
    p.native.iter().map(|_| None).chain((0..p.erc20.len()).map(Some)).collect()
}

/// The allowances of the cap `cap` names.
fn allowances(
    p: &mut Policy,
    cap: Option<usize>,
) -> (&mut Option<PeriodicAllowance>, &mut Option<StreamingAllowance>) {
    match cap {
        None => {
            let native = p.native.as_mut().expect("caps lists the native cap only when present");
            (&mut native.periodic, &mut native.streaming)
        }
        Some(i) => {
            let token = &mut p.erc20.as_mut_slice()[i];
            (&mut token.periodic, &mut token.streaming)
        }
    }
}

/// §12.8: a periodic allowance whose period is zero seconds.
fn bad_periodic(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    let caps = caps(p);
    if caps.is_empty() {
        return Ok(false);
    }
    let start = p.valid_after;
    let (periodic, _) = allowances(p, *u.choose(&caps)?);
    let mut allowance =
        periodic.unwrap_or(PeriodicAllowance { amount: U256::from(1), period: 1, start });
    allowance.period = 0;
    *periodic = Some(allowance);
    Ok(true)
}

/// §12.9: a streaming allowance that starts above its maximum.
fn bad_streaming(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    let caps = caps(p);
    if caps.is_empty() {
        return Ok(false);
    }
    let start = p.valid_after;
    let (_, streaming) = allowances(p, *u.choose(&caps)?);
    let mut allowance = streaming.unwrap_or(StreamingAllowance {
        initial: U256::ZERO,
        rate: 1,
        max: U256::ZERO,
        start,
    });
    let over = U256::from(u.int_in_range(1u64..=1000)?);
    if allowance.max > U256::MAX - over {
        allowance.max = U256::from(1000);
    }
    allowance.initial = allowance.max + over;
    *streaming = Some(allowance);
    Ok(true)
}

/// §12.10: a paymaster allowlist that is empty, names the zero address or repeats an entry
/// (only on a policy that has an allowlist).
fn bad_paymasters(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    let Some(gas) = &mut p.gas else { return Ok(false) };
    let PaymasterRule::OneOf(list) = &mut gas.paymaster else { return Ok(false) };
    break_list(u, list, Address::ZERO)
}

/// §12.11: a chain list that is empty, names chain 0 or repeats a chain (only on a policy that
/// has a list).
fn bad_chains(u: &mut Unstructured<'_>, p: &mut Policy) -> arbitrary::Result<bool> {
    let Some(chains) = &mut p.chains else { return Ok(false) };
    break_list(u, chains, 0)
}

/// The three ways §12.10 and §12.11 refuse a list: empty it, add `zero`, or repeat its first
/// entry (not possible on an empty list).
fn break_list<T: Copy + Default, const N: usize>(
    u: &mut Unstructured<'_>,
    list: &mut BoundedVec<T, N>,
    zero: T,
) -> arbitrary::Result<bool> {
    match u.int_in_range(0u8..=2)? {
        0 => {
            *list = BoundedVec::new();
            Ok(true)
        }
        1 => Ok(list.push(zero).is_ok()),
        _ => {
            let Some(&twin) = list.as_slice().first() else { return Ok(false) };
            Ok(list.push(twin).is_ok())
        }
    }
}
