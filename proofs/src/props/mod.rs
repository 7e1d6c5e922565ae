//! The property bodies, one module per property of issue 5. Each body is generic over
//! [`crate::Source`] and takes its system under test as a function pointer.

pub(crate) mod allowance;
pub(crate) mod batch;
pub(crate) mod caps;
pub(crate) mod denial;
pub(crate) mod gas;
pub(crate) mod per_call;
pub(crate) mod rate;
pub(crate) mod revocation;
pub(crate) mod scope;
pub(crate) mod validate;
pub(crate) mod window;

use alloy_primitives::U256;
use leash_model::abi::args::{ArgDecoding, decode_args};
use leash_model::{Counters, Execution, Policy};

use crate::oracle;

/// What an allowed op must have moved (spec §14), computed from the executions alone by the
/// oracle: each value (§7.3), each capped token's amount (§8.5), each limited rule's value as the
/// callee reads it (§6.4), one call per execution (§10.1). `None` if a sum overflows 256 bits,
/// which no allowed op can cause (§13.3).
pub(crate) fn moved(policy: &Policy, executions: &[Execution<'_>]) -> Option<Counters> {
    let mut m = Counters::default();
    for x in executions {
        m.native_spent = m.native_spent.checked_add(x.value)?;
        if let Some(index) = oracle::token_cap_index(policy, x.target) {
            let amount = oracle::token_amount(x.data);
            m.token_spent[index] = m.token_spent[index].checked_add(amount)?;
        }
        if let Some(p) = oracle::permission_for(policy, x.target, x.data) {
            let permission = &policy.permissions[p];
            if let Some(types) = &permission.args {
                // The callee's view of the arguments (Solidity's decoder). On an op the strict
                // decoder allowed it reads the same values; it is a separate code path.
                let values = decode_args(x.data.get(4..)?, types, ArgDecoding::Solidity).ok()?;
                for (r, rule) in permission.rules.iter().enumerate() {
                    if rule.limit.is_some() {
                        let value = oracle::rule_value(rule, *values.get(usize::from(rule.arg))?)?;
                        m.rule_used[p][r] = m.rule_used[p][r].checked_add(value)?;
                    }
                }
            }
        }
        m.calls = m.calls.checked_add(1)?;
    }
    Some(m)
}

/// `before + moved`, slot by slot; `None` on overflow.
pub(crate) fn plus(before: &Counters, moved: &Counters) -> Option<Counters> {
    let mut out = *before;
    out.native_spent = before.native_spent.checked_add(moved.native_spent)?;
    for (slot, m) in out.token_spent.iter_mut().zip(moved.token_spent) {
        *slot = slot.checked_add(m)?;
    }
    for (row, m_row) in out.rule_used.iter_mut().zip(moved.rule_used) {
        for (slot, m) in row.iter_mut().zip(m_row) {
            *slot = slot.checked_add(m)?;
        }
    }
    out.calls = before.calls.checked_add(moved.calls)?;
    Some(out)
}

/// `a <= b - c` without underflow: `c <= b` and `a <= b - c`.
pub(crate) fn within_remaining(a: U256, b: U256, c: U256) -> bool {
    c <= b && a <= b - c
}
