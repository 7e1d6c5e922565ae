//! Generator for spec §5 and §6: permissions, their argument rules, and calls aimed at them.

use alloy_primitives::{Address, U256};
use arbitrary::Unstructured;
use leash_model::abi::args::{ArgValue, encode_call};
use leash_model::bounds::{MAX_ONE_OF, MAX_RULES};
use leash_model::selectors::EXECUTE;
use leash_model::{
    AbiType, ArgRule, BoundedVec, Condition, Permission, Policy, Selector, Slice, Target,
};

use super::{Catalog, Dictionary, dynamic_value, low_bits, scope, static_value, value_bits};
use crate::limits::MAX_PLACED_SLICE_END;
use crate::mutate::PlannedCall;

/// One permission over a catalog function (or plain transfers to a contract that receives):
/// an exact target mostly, the wildcard sometimes; declared arguments and rules mostly, a bare
/// selector sometimes.
pub(super) fn permission(
    u: &mut Unstructured<'_>,
    catalog: &Catalog,
) -> arbitrary::Result<Permission> {
    let contract = u.choose(&catalog.contracts)?;
    let target = if u.ratio(1, 8)? { Target::Any } else { Target::Address(contract.address) };
    if contract.receives && (contract.functions.is_empty() || u.ratio(1, 6)?) {
        return Ok(Permission { target, selector: Selector::Empty, ..Permission::default() });
    }
    let function = u.choose(&contract.functions)?;
    if u.ratio(1, 6)? {
        return Ok(Permission {
            target,
            selector: Selector::Exact(function.selector),
            ..Permission::default()
        });
    }
    let args =
        BoundedVec::try_from_iter(function.args.iter().copied()).expect("catalog functions fit");
    let mut rules = BoundedVec::new();
    if !function.args.is_empty() {
        let count = *u.choose(&[0usize, 0, 1, 1, 1, 2, MAX_RULES])?;
        for _ in 0..count {
            let arg = u.int_in_range(0..=function.args.len() - 1)?;
            rules.push(rule(u, arg as u8, function.args[arg])?).expect("at most MAX_RULES");
        }
    }
    Ok(Permission { target, selector: Selector::Exact(function.selector), args: Some(args), rules })
}

/// A rule on argument `arg` of type `ty`: a condition around a boundary value, sometimes a
/// cumulative limit; a slice of the content for dynamic arguments (a nested selector, a word).
fn rule(u: &mut Unstructured<'_>, arg: u8, ty: AbiType) -> arbitrary::Result<ArgRule> {
    let d = Dictionary::boundaries();
    let slice = ty.is_dynamic().then_some(*u.choose(&[
        Slice { offset: 0, length: 4 },
        Slice { offset: 0, length: 32 },
        Slice { offset: 4, length: 32 },
        Slice { offset: 32, length: 20 },
    ])?);
    let width = slice.map_or_else(|| value_bits(ty), |s| u16::from(s.length) * 8);
    let mask = low_bits(width);
    let r = |u: &mut Unstructured<'_>| -> arbitrary::Result<U256> {
        Ok(match u.int_in_range(0u8..=3)? {
            0 => U256::from(u.int_in_range(0u16..=1000)?) & mask,
            1 => U256::from(1) << usize::from(width.saturating_sub(1)),
            _ => d.pick_bits(u, width)?,
        })
    };
    let condition = match u.int_in_range(0u8..=7)? {
        0 => Condition::Eq(r(u)?),
        1 => Condition::Neq(r(u)?),
        2 => Condition::Gt(r(u)?),
        3 => Condition::Gte(r(u)?),
        4 => Condition::Lt(r(u)?),
        5 => Condition::Lte(r(u)?),
        6 => {
            let (a, b) = (r(u)?, r(u)?);
            Condition::InRange { lo: a.min(b), hi: a.max(b) }
        }
        _ => {
            let n = u.int_in_range(1..=MAX_ONE_OF)?;
            let mut values = BoundedVec::new();
            for _ in 0..n {
                values.push(r(u)?).expect("at most MAX_ONE_OF");
            }
            Condition::OneOf(values)
        }
    };
    let limit = if u.ratio(1, 3)? { Some(r(u)?.saturating_mul(U256::from(3))) } else { None };
    Ok(ArgRule { arg, slice, condition, limit })
}

/// The permission of `policy` that a call to `target` with `selector` falls under (spec §5.3).
fn permission_for(policy: &Policy, target: Address, selector: [u8; 4]) -> Option<&Permission> {
    let find = |wanted: Target| {
        policy
            .permissions
            .iter()
            .find(|p| p.target == wanted && p.selector == Selector::Exact(selector))
    };
    find(Target::Address(target)).or_else(|| find(Target::Any))
}

/// Canonical calldata for `selector` with arguments of `types`: each argument a boundary value,
/// or, where `rules` constrain it, more often a value that satisfies them (so limits fill up
/// and allowed paths are reached). `fixed[j]`, when set, is argument `j`'s word.
pub(super) fn encode_args_for(
    u: &mut Unstructured<'_>,
    selector: [u8; 4],
    types: &[AbiType],
    rules: &[ArgRule],
    fixed: &[Option<U256>],
    catalog: &Catalog,
    d: &Dictionary,
) -> arbitrary::Result<Vec<u8>> {
    if selector == EXECUTE && types == [AbiType::FixedBytes(32), AbiType::Bytes] {
        // A nested `execute`: single mode, and a call that moves tokens or value, which is what
        // a session re-entering the account would do with it.
        let inner = super::erc20::call(u, &Policy::default(), catalog, d)?
            .map_or_else(|| catalog_call(u, &Policy::default(), catalog, d), Ok)?;
        let exec = leash_model::abi::execute::encode_single_calldata(&inner.execution());
        return Ok(encode_call(selector, &[ArgValue::Word(U256::ZERO), ArgValue::Dynamic(&exec)]));
    }
    let mut contents = Vec::with_capacity(types.len());
    let mut words = Vec::with_capacity(types.len());
    for (j, ty) in types.iter().enumerate() {
        let ruled = rules.iter().find(|r| usize::from(r.arg) == j);
        if ty.is_dynamic() {
            let mut content = dynamic_value(u, d)?;
            // Put a rule's slice where it reads, so slice rules see values they test; never
            // past `MAX_PLACED_SLICE_END`, whatever offset the policy names.
            if let Some(rule) = ruled
                && let Some(slice) = rule.slice
                && u.ratio(3, 4)?
                && u64::from(slice.offset) + u64::from(slice.length) <= MAX_PLACED_SLICE_END as u64
            {
                let (start, len) = (slice.offset as usize, usize::from(slice.length));
                if content.len() < start + len {
                    content.resize(start + len, 0);
                }
                let x = rule_value(u, rule, d, u16::from(slice.length) * 8)?.to_be_bytes::<32>();
                content[start..start + len].copy_from_slice(&x[32 - len..]);
            }
            contents.push(content);
            words.push(U256::ZERO);
            continue;
        }
        contents.push(Vec::new());
        let width = value_bits(*ty);
        let earlier: Vec<U256> = types[..j]
            .iter()
            .zip(&words)
            .filter(|(t, _)| !t.is_dynamic())
            .map(|(_, w)| *w)
            .collect();
        let word = match (fixed.get(j).copied().flatten(), ruled) {
            (Some(w), _) if u.ratio(4, 5)? => w,
            // A value equal to an earlier argument (a recipient equal to the spender, an amount
            // equal to an id), cut to this argument's width.
            _ if !earlier.is_empty() && u.ratio(1, 12)? => *u.choose(&earlier)? & low_bits(width),
            (_, Some(rule)) if u.ratio(4, 5)? && !matches!(ty, AbiType::FixedBytes(_)) => {
                rule_value(u, rule, d, width)?
            }
            _ => static_value(u, d, catalog, *ty)?,
        };
        words.push(word);
    }
    let values: Vec<ArgValue<'_>> = types
        .iter()
        .zip(words.iter().zip(&contents))
        .map(|(ty, (w, c))| if ty.is_dynamic() { ArgValue::Dynamic(c) } else { ArgValue::Word(*w) })
        .collect();
    Ok(encode_call(selector, &values))
}

/// A value for `rule`'s argument: one that satisfies its condition more often than not (so
/// cumulative limits fill up), else a boundary value; always below `2^bits`.
fn rule_value(
    u: &mut Unstructured<'_>,
    rule: &ArgRule,
    d: &Dictionary,
    bits: u16,
) -> arbitrary::Result<U256> {
    let mask = low_bits(bits);
    if u.ratio(1, 4)? {
        return Ok(d.pick(u)? & mask);
    }
    let small = U256::from(u.int_in_range(0u8..=3)?);
    let x = match &rule.condition {
        Condition::Eq(r) => *r,
        Condition::Neq(r) => r.wrapping_add(U256::from(1) + small),
        Condition::Gt(r) => r.saturating_add(U256::from(1) + small),
        Condition::Gte(r) => r.saturating_add(small),
        Condition::Lt(r) => r.saturating_sub(U256::from(1) + small),
        Condition::Lte(r) => r.saturating_sub(small),
        Condition::InRange { lo, hi } => {
            if u.arbitrary()? {
                *lo
            } else {
                *hi
            }
        }
        Condition::OneOf(values) => *u.choose(values)?,
    };
    Ok(x & mask)
}

/// A call aimed at one of the policy's permissions, with arguments at the policy's own
/// boundaries (its rule constants ±3), or `None` if the policy has no permission.
pub(super) fn aimed_call(
    u: &mut Unstructured<'_>,
    policy: &Policy,
    catalog: &Catalog,
    d: &Dictionary,
) -> arbitrary::Result<Option<PlannedCall>> {
    if policy.permissions.is_empty() {
        return Ok(None);
    }
    let permission = u.choose(&policy.permissions)?;
    let target = match permission.target {
        Target::Address(a) => a,
        Target::Any => scope::address(u, catalog)?,
    };
    let value = super::native::value(u, policy, d)?;
    let (data, args) = match (permission.selector, &permission.args) {
        (Selector::Empty, _) => (Vec::new(), None),
        (Selector::Exact(selector), None) => {
            let mut data = selector.to_vec();
            let extra = *u.choose(&[0usize, 32, 64])?;
            data.resize(4 + extra, 0);
            u.fill_buffer(&mut data[4..])?;
            (data, None)
        }
        (Selector::Exact(selector), Some(types)) => {
            let data = encode_args_for(u, selector, types, &permission.rules, &[], catalog, d)?;
            (data, Some(types.to_vec()))
        }
    };
    Ok(Some(PlannedCall { target, value, data, args }))
}

/// A call to any catalog function, honouring the policy's rules for it when it has some.
pub(super) fn catalog_call(
    u: &mut Unstructured<'_>,
    policy: &Policy,
    catalog: &Catalog,
    d: &Dictionary,
) -> arbitrary::Result<PlannedCall> {
    let contracts: Vec<&super::Contract> = super::callable(catalog).collect();
    let contract = *u.choose(&contracts)?;
    let function = u.choose(&contract.functions)?;
    let rules = permission_for(policy, contract.address, function.selector)
        .map_or(&[][..], |p| &p.rules[..]);
    let data = encode_args_for(u, function.selector, &function.args, rules, &[], catalog, d)?;
    Ok(PlannedCall {
        target: contract.address,
        value: U256::ZERO,
        data,
        args: Some(function.args.clone()),
    })
}

/// The rules of the policy's permission for `selector` on `target`, if it has one.
pub(super) fn rules_for(policy: &Policy, target: Address, selector: [u8; 4]) -> &[ArgRule] {
    permission_for(policy, target, selector).map_or(&[][..], |p| &p.rules[..])
}
