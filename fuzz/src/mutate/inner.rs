//! Mutations of one execution's own calldata: raw sentinel data, trailing bytes, truncation,
//! dirty static arguments and relocated, hidden or badly padded dynamic arguments (C2, C3, C9).
//! They change the plan; `apply` then encodes it canonically.

use alloy_primitives::U256;

use super::{Mutation, NotApplicable, PlannedCall, PlannedOp, Region, set_word};
use leash_model::abi::args::{ArgDecoding, ArgValue, decode_args};

/// The byte range above the type width in a static argument word, if there is one.
pub(super) fn dirty_range(ty: leash_model::AbiType) -> Option<core::ops::Range<usize>> {
    use leash_model::AbiType::*;
    match ty {
        Address => Some(0..12),
        Bool => Some(0..31),
        Uint(bits) if bits < 256 => Some(0..32 - usize::from(bits / 8)),
        FixedBytes(n) if n < 32 => Some(usize::from(n)..32),
        _ => None,
    }
}

/// The content of dynamic argument `arg` in `data` and where its head and tail sit in `data`.
struct DynamicArg {
    head_at: usize,
    content_start: usize,
    content_len: usize,
}

fn dynamic_arg(call: &PlannedCall, arg: u8) -> Result<DynamicArg, NotApplicable> {
    let types = call.args.as_ref().ok_or(NotApplicable)?;
    let ty = types.get(usize::from(arg)).ok_or(NotApplicable)?;
    if !ty.is_dynamic() {
        return Err(NotApplicable);
    }
    let args = call.data.get(4..).ok_or(NotApplicable)?;
    let values = decode_args(args, types, ArgDecoding::Strict).map_err(|_| NotApplicable)?;
    let content = values.get(usize::from(arg)).and_then(|v| v.as_dynamic()).ok_or(NotApplicable)?;
    let content_start = content.as_ptr() as usize - call.data.as_ptr() as usize;
    Ok(DynamicArg { head_at: 4 + 32 * usize::from(arg), content_start, content_len: content.len() })
}

/// The content a relocated or hidden dynamic argument carries: the twin call's same argument
/// when it decodes, else the twin call's whole calldata.
fn twin_content(twin: &PlannedOp, item: u8, arg: u8) -> Result<Vec<u8>, NotApplicable> {
    let twin_call = twin.calls.get(usize::from(item) % twin.calls.len().max(1));
    twin_call
        .and_then(|t| t.decoded_args().and_then(|a| a.get(usize::from(arg)).copied()))
        .and_then(|v| v.as_dynamic().map(<[u8]>::to_vec))
        .or_else(|| twin_call.map(|t| t.data.clone()))
        .ok_or(NotApplicable)
}

impl Mutation {
    /// Mutations of one execution's calldata: the changed plan, `None` for other mutations.
    pub(super) fn apply_inner(
        &self,
        op: &PlannedOp,
        twin: &PlannedOp,
    ) -> Result<Option<PlannedOp>, NotApplicable> {
        let mut planned = op.clone();
        fn call(planned: &mut PlannedOp, i: u8) -> Result<&mut PlannedCall, NotApplicable> {
            planned.calls.get_mut(usize::from(i)).ok_or(NotApplicable)
        }
        match self {
            Self::InnerData { item, data } => call(&mut planned, *item)?.data = data.clone(),
            Self::Trailing { region: Region::Item(i), bytes } if !bytes.is_empty() => {
                call(&mut planned, *i)?.data.extend_from_slice(bytes);
            }
            Self::Truncate { region: Region::Item(i), len } => {
                let data = &mut call(&mut planned, *i)?.data;
                if *len as usize >= data.len() {
                    return Err(NotApplicable);
                }
                data.truncate(*len as usize);
            }
            Self::DirtyArg { item, arg, fill, at: byte } => {
                let c = call(&mut planned, *item)?;
                let ty =
                    *c.args.as_ref().and_then(|a| a.get(usize::from(*arg))).ok_or(NotApplicable)?;
                let mut range = dirty_range(ty).ok_or(NotApplicable)?;
                if let Some(k) = byte {
                    let start = range.start + usize::from(*k);
                    if start >= range.end {
                        return Err(NotApplicable);
                    }
                    range = start..start + 1;
                }
                let at = 4 + 32 * usize::from(*arg);
                if *fill == 0 || c.data.len() < at + 32 {
                    return Err(NotApplicable);
                }
                c.data[at + range.start..at + range.end].fill(*fill);
            }
            Self::ArgHide { item, arg } => {
                let content = twin_content(twin, *item, *arg)?;
                let c = call(&mut planned, *item)?;
                let types = c.args.clone().ok_or(NotApplicable)?;
                let place = dynamic_arg(c, *arg)?;
                // content' = content ‖ len(twin) ‖ twin, re-encoded canonically.
                let mut grown =
                    c.data[place.content_start..place.content_start + place.content_len].to_vec();
                let hidden_at = grown.len();
                grown.extend_from_slice(&U256::from(content.len()).to_be_bytes::<32>());
                grown.extend_from_slice(&content);
                let values = decode_args(&c.data[4..], &types, ArgDecoding::Strict)
                    .map_err(|_| NotApplicable)?;
                let mut values: Vec<ArgValue<'_>> = values.to_vec();
                values[usize::from(*arg)] = ArgValue::Dynamic(&grown);
                let mut data = c.data[..4].to_vec();
                data.extend_from_slice(&leash_model::abi::args::encode_args(&values));
                // The head now points at the hidden length word inside the grown content.
                let tail = decode_args(&data[4..], &types, ArgDecoding::Strict)
                    .map_err(|_| NotApplicable)?;
                let start = tail[usize::from(*arg)].as_dynamic().ok_or(NotApplicable)?.as_ptr()
                    as usize
                    - data.as_ptr() as usize;
                let offset = start + hidden_at - 4;
                set_word(&mut data, 4 + 32 * usize::from(*arg), U256::from(offset))?;
                c.data = data;
            }
            Self::ArgRelocate { item, arg } => {
                let content = twin_content(twin, *item, *arg)?;
                let c = call(&mut planned, *item)?;
                let place = dynamic_arg(c, *arg)?;
                let offset = c.data.len() - 4;
                c.data.extend_from_slice(&U256::from(content.len()).to_be_bytes::<32>());
                c.data.extend_from_slice(&content);
                c.data.resize(c.data.len() + (32 - content.len() % 32) % 32, 0);
                set_word(&mut c.data, place.head_at, U256::from(offset))?;
            }
            Self::ArgPadding { item, arg } => {
                let c = call(&mut planned, *item)?;
                let place = dynamic_arg(c, *arg)?;
                if place.content_len % 32 == 0 {
                    return Err(NotApplicable);
                }
                c.data[place.content_start + place.content_len] = 0x01;
            }
            _ => return Ok(None),
        }
        Ok(Some(planned))
    }
}
