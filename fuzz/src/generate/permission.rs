//! Generator for spec §5 and §6: permissions, their argument rules, and calls aimed at them.

use alloy_primitives::U256;
use arbitrary::Unstructured;
use leash_model::abi::args::{ArgValue, encode_call};
use leash_model::bounds::{MAX_ONE_OF, MAX_RULES};
use leash_model::{
    AbiType, ArgRule, BoundedVec, Condition, Permission, Policy, Selector, Slice, Target,
};

use super::{Catalog, Dictionary, dynamic_value, scope, static_value};
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
    if contract.receives && u.ratio(1, 6)? {
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
        for _ in 0..u.int_in_range(0..=MAX_RULES.min(2))? {
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
    let width = match (ty, slice) {
        (AbiType::Uint(bits), _) => bits,
        (AbiType::Address, _) => 160,
        (AbiType::Bool, _) => 1,
        (_, Some(s)) => u16::from(s.length) * 8,
        _ => 256,
    };
    let r = |u: &mut Unstructured<'_>| -> arbitrary::Result<U256> {
        Ok(match u.int_in_range(0u8..=3)? {
            0 => U256::from(u.int_in_range(0u16..=1000)?),
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
            let mut contents = Vec::new();
            let mut words = Vec::new();
            for (j, ty) in types.iter().enumerate() {
                // Reach for the rule's own slice so slice rules see a value they test.
                let ruled = permission.rules.iter().find(|r| usize::from(r.arg) == j);
                if ty.is_dynamic() {
                    let mut content = dynamic_value(u, d)?;
                    if let Some(slice) = ruled.and_then(|r| r.slice)
                        && u.ratio(3, 4)?
                    {
                        let end = slice.offset as usize + usize::from(slice.length);
                        if content.len() < end {
                            content.resize(end, 0);
                        }
                        let x = d.pick(u)?.to_be_bytes::<32>();
                        content[slice.offset as usize..end]
                            .copy_from_slice(&x[32 - usize::from(slice.length)..]);
                    }
                    contents.push(content);
                    words.push(U256::ZERO);
                } else {
                    contents.push(Vec::new());
                    words.push(static_value(u, d, catalog, *ty)?);
                }
            }
            let values: Vec<ArgValue<'_>> = types
                .iter()
                .zip(words.iter().zip(&contents))
                .map(
                    |(ty, (w, c))| {
                        if ty.is_dynamic() { ArgValue::Dynamic(c) } else { ArgValue::Word(*w) }
                    },
                )
                .collect();
            (encode_call(selector, &values), Some(types.to_vec()))
        }
    };
    Ok(Some(PlannedCall { target, value, data, args }))
}

/// A call to any catalog function with any arguments, not aimed at the policy.
pub(super) fn catalog_call(
    u: &mut Unstructured<'_>,
    catalog: &Catalog,
    d: &Dictionary,
) -> arbitrary::Result<PlannedCall> {
    let contract = u.choose(&catalog.contracts)?;
    let function = u.choose(&contract.functions)?;
    let mut contents = Vec::new();
    let mut words = Vec::new();
    for ty in &function.args {
        if ty.is_dynamic() {
            contents.push(dynamic_value(u, d)?);
            words.push(U256::ZERO);
        } else {
            contents.push(Vec::new());
            words.push(static_value(u, d, catalog, *ty)?);
        }
    }
    let values: Vec<ArgValue<'_>> = function
        .args
        .iter()
        .zip(words.iter().zip(&contents))
        .map(|(ty, (w, c))| if ty.is_dynamic() { ArgValue::Dynamic(c) } else { ArgValue::Word(*w) })
        .collect();
    Ok(PlannedCall {
        target: contract.address,
        value: U256::ZERO,
        data: encode_call(function.selector, &values),
        args: Some(function.args.clone()),
    })
}
