//! The hiding mutations: plant the twin's bytes inside a host item's calldata where a strict
//! reading of its arguments still passes, encode canonically, then point a pointer at them (C1).

use alloy_primitives::U256;

use super::{EXEC_START, Mutated, Mutation, NotApplicable, PlannedCall, PlannedOp, set_word};
use leash_model::abi::args::{ArgDecoding, ArgValue, decode_args};

/// Puts `bytes` inside `call`'s calldata where a strict reading of its arguments still passes:
/// at the end of its last dynamic argument's content, or after the selector when it declares no
/// arguments.
fn plant(call: &mut PlannedCall, bytes: &[u8]) -> Result<(), NotApplicable> {
    match &call.args {
        None if call.data.len() >= 4 => {
            call.data.extend_from_slice(bytes);
            Ok(())
        }
        Some(types) => {
            let last = types.iter().rposition(|t| t.is_dynamic()).ok_or(NotApplicable)?;
            let args = call.data.get(4..).ok_or(NotApplicable)?;
            let values =
                decode_args(args, types, ArgDecoding::Strict).map_err(|_| NotApplicable)?;
            let mut content = values[last].as_dynamic().ok_or(NotApplicable)?.to_vec();
            content.extend_from_slice(bytes);
            let mut values: Vec<ArgValue<'_>> = values.to_vec();
            values[last] = ArgValue::Dynamic(&content);
            let mut data = call.data[..4].to_vec();
            data.extend_from_slice(&leash_model::abi::args::encode_args(&values));
            call.data = data;
            Ok(())
        }
        None => Err(NotApplicable),
    }
}

/// The position of the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Mutation {
    /// The hiding mutations: plant bytes inside a host item's calldata, encode canonically, then
    /// point a pointer at them. `None` for other mutations.
    pub(super) fn apply_hide(
        &self,
        op: &PlannedOp,
        twin: &PlannedOp,
    ) -> Result<Option<Mutated>, NotApplicable> {
        let (item, host) = match *self {
            Self::ItemHide { item, host } | Self::DataHide { item, host } => (item, host),
            _ => return Ok(None),
        };
        if !op.batch {
            return Err(NotApplicable);
        }
        let planted_call =
            twin.calls.get(usize::from(item) % twin.calls.len().max(1)).ok_or(NotApplicable)?;
        let hidden = match self {
            // The twin item's head and data, as a one-item batch encodes them after its
            // [0x20][1][p_0] prefix.
            Self::ItemHide { .. } => PlannedOp { batch: true, calls: vec![planted_call.clone()] }
                .execution_calldata()[96..]
                .to_vec(),
            _ => {
                let mut bytes = U256::from(planted_call.data.len()).to_be_bytes::<32>().to_vec();
                bytes.extend_from_slice(&planted_call.data);
                bytes.resize(32 + planted_call.data.len().div_ceil(32) * 32, 0);
                bytes
            }
        };
        if usize::from(item) >= op.calls.len()
            || (matches!(self, Self::DataHide { .. }) && host < item)
        {
            return Err(NotApplicable);
        }
        let mut planned = op.clone();
        let host_call = planned.calls.get_mut(usize::from(host)).ok_or(NotApplicable)?;
        plant(host_call, &hidden)?;
        let (mut cd, layout) = planned.encode();
        let host_layout = layout.items[usize::from(host)];
        let region = &cd[host_layout.data_start..host_layout.data_start + host_layout.data_len];
        let at = host_layout.data_start + find(region, &hidden).ok_or(NotApplicable)?;
        let it = layout.items[usize::from(item)];
        match self {
            Self::ItemHide { .. } => {
                let word = it.offset_word.ok_or(NotApplicable)?;
                set_word(&mut cd, word, U256::from(at - EXEC_START - 64))?;
            }
            _ => {
                let word = it.data_offset_word.ok_or(NotApplicable)?;
                set_word(&mut cd, word, U256::from(at - it.target_at))?;
            }
        }
        Ok(Some(Mutated { call_data: cd, signature_tail: Vec::new() }))
    }
}
