//! Structure-aware calldata mutation: the non-canonical encodings real bypasses use.
//!
//! ABI-typed fuzzers only ever send canonical encodings. A module whose decoder differs from the
//! account's (or from the callee's) only shows it on other encodings, so leash takes the
//! canonical encoding of a [`PlannedOp`] and rewrites one named field ([`Mutation`]): a pointer,
//! a length, a mode byte, the dirty upper bytes of a word, padding, trailing bytes, a relocated
//! tail. Relocations plant a **twin**, a second planned op the policy should forbid, where the
//! account (or callee) will read while leaving the benign original where a canonical-minded
//! validator looks. The bug classes are those of `semantics-and-bug-classes.md` (C1 to C4, C6,
//! C9, C13).

mod layout;

pub use layout::{EXEC_START, ItemLayout, Layout, PlannedCall, PlannedOp};

use alloy_primitives::U256;
use arbitrary::Unstructured;
use leash_model::abi::args::{ArgDecoding, ArgValue, decode_args};
use leash_model::abi::execute::encode_execute;
use serde::{Deserialize, Serialize};

/// The parts of a callData that [`Mutation::Padding`] and [`Mutation::Trailing`] can touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// After `executionCalldata`, at the end of `callData`.
    Outer,
    /// Inside `executionCalldata`, after its last item.
    Execution,
    /// After execution `i`'s own calldata (its arguments).
    Item(u8),
}

/// One rewrite of an op's canonical encoding. Fields name items and arguments by index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mutation {
    /// Replace the `execute` selector (`executeUserOp`, `executeFromExecutor`, ...) (C13).
    OuterSelector {
        /// The new selector.
        selector: [u8; 4],
    },
    /// Set one byte of the ERC-7579 mode word (call type, exec type, unused, selector) (C13).
    ModeByte {
        /// The byte index in the mode, 0..32.
        index: u8,
        /// Its new value.
        value: u8,
    },
    /// Set the `executionCalldata` offset word (C1).
    OuterOffset {
        /// The new offset.
        value: U256,
    },
    /// Set the `executionCalldata` length word (C1).
    OuterLength {
        /// The new length.
        value: U256,
    },
    /// Append the twin's `executionCalldata` after the canonical one and point the offset at
    /// it: a decoder that assumes offset `0x40` reads the original, one that follows the offset
    /// reads the twin (C1).
    OuterRelocate,
    /// Set the batch's array offset word (C1).
    ArrayOffset {
        /// The new offset.
        value: U256,
    },
    /// Set the batch's item count (C1, C4).
    BatchLength {
        /// The new count.
        value: U256,
    },
    /// Set item `item`'s offset word `p_i` (C1).
    ItemOffset {
        /// The item.
        item: u8,
        /// The new offset.
        value: U256,
    },
    /// Point item `item` at item `to` (aliased items, C4).
    ItemAlias {
        /// The item whose pointer moves.
        item: u8,
        /// The item it now points at.
        to: u8,
    },
    /// Append a twin item after the last item and point `p_item` at it; the original stays in
    /// place (C1).
    ItemRelocate {
        /// The item whose pointer moves.
        item: u8,
    },
    /// Hide a twin item inside item `host`'s calldata (in its last dynamic argument, or after
    /// its selector's arguments when it declares none) and point `p_item` at it: no bytes are
    /// added outside the items, so a decoder that walks items in declaration order sees only
    /// benign ones while the account follows the pointer (C1).
    ItemHide {
        /// The item whose pointer moves.
        item: u8,
        /// The item whose calldata carries the hidden one.
        host: u8,
    },
    /// Hide a twin calldata (length word and bytes) inside item `host`'s calldata and point item
    /// `item`'s callData offset `q_item` at it (C1). `host >= item`, since offsets cannot be
    /// negative.
    DataHide {
        /// The item whose callData offset moves.
        item: u8,
        /// The item whose calldata carries the hidden bytes.
        host: u8,
    },
    /// Set item `item`'s callData offset word `q_i` (C1).
    DataOffset {
        /// The item.
        item: u8,
        /// The new offset.
        value: U256,
    },
    /// Set item `item`'s callData length word (C1).
    DataLength {
        /// The item.
        item: u8,
        /// The new length.
        value: U256,
    },
    /// Fill the upper 12 bytes of item `item`'s target word (C3, C4).
    DirtyTarget {
        /// The item.
        item: u8,
        /// The bytes written above the address.
        fill: [u8; 12],
    },
    /// Make a padding byte of `region` non-zero.
    Padding {
        /// Where.
        region: Region,
    },
    /// Append bytes to `region`.
    Trailing {
        /// Where.
        region: Region,
        /// What.
        #[serde(with = "crate::hex_bytes")]
        bytes: Vec<u8>,
    },
    /// Cut `region` to `len` bytes: the whole callData, or `executionCalldata` or an
    /// execution's calldata inside a canonical envelope (so the cut reaches the clauses that
    /// read inside them).
    Truncate {
        /// Where.
        region: Region,
        /// The new length.
        len: u32,
    },
    /// Replace execution `item`'s calldata with raw bytes: sentinel selectors `0x00000000`,
    /// `0xffffffff`, 1 to 3 bytes (C9), re-encoded canonically around it.
    InnerData {
        /// The item.
        item: u8,
        /// The new calldata.
        #[serde(with = "crate::hex_bytes")]
        data: Vec<u8>,
    },
    /// Fill the bytes above a static argument's type width with `fill`, or only the one at
    /// position `at` of that region (C3).
    DirtyArg {
        /// The item.
        item: u8,
        /// The argument.
        arg: u8,
        /// The byte written into the dirty region.
        fill: u8,
        /// Which byte of the dirty region, counted from its start; all of them when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<u8>,
    },
    /// Append a second tail with the twin's content and point dynamic argument `arg`'s head at
    /// it; the original tail stays where a fixed-offset rule reads (C2).
    ArgRelocate {
        /// The item.
        item: u8,
        /// The dynamic argument.
        arg: u8,
    },
    /// Hide a second length and content (the twin's) at the end of dynamic argument `arg`'s
    /// own content and point its head there: the canonical tail still starts with the benign
    /// content and no byte lies outside it, so a rule reading the canonical position passes
    /// while the callee reads the twin's (C2).
    ArgHide {
        /// The item.
        item: u8,
        /// The dynamic argument.
        arg: u8,
    },
    /// Make a padding byte after dynamic argument `arg`'s content non-zero.
    ArgPadding {
        /// The item.
        item: u8,
        /// The dynamic argument.
        arg: u8,
    },
    /// Put the twin's `executionCalldata` after the 65 signature bytes, where only the
    /// validation frame can see it (C1 decoys).
    SignatureDecoy,
}

/// A mutated op: its callData and the bytes after its 65 signature bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mutated {
    /// The callData.
    pub call_data: Vec<u8>,
    /// Bytes appended after the signature.
    pub signature_tail: Vec<u8>,
}

/// Why a mutation does not apply to an op (its field does not exist there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("mutation does not apply to this op")]
pub struct NotApplicable;

fn set_word(bytes: &mut [u8], at: usize, value: U256) -> Result<(), NotApplicable> {
    let word = bytes.get_mut(at..at + 32).ok_or(NotApplicable)?;
    word.copy_from_slice(&value.to_be_bytes::<32>());
    Ok(())
}

fn item(layout: &Layout, index: u8) -> Result<&ItemLayout, NotApplicable> {
    layout.items.get(usize::from(index)).ok_or(NotApplicable)
}

/// The byte range above the type width in a static argument word, if there is one.
fn dirty_range(ty: leash_model::AbiType) -> Option<core::ops::Range<usize>> {
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

/// Rebuilds an `execute` callData around new `executionCalldata` bytes, keeping the mode.
fn reenvelope(cd: &[u8], exec: &[u8]) -> Vec<u8> {
    let mut mode = [0u8; 32];
    mode.copy_from_slice(&cd[4..36]);
    encode_execute(mode, exec)
}

impl Mutation {
    /// Applies the mutation to `op`'s canonical encoding; `twin` supplies planted content.
    ///
    /// Total over any recipe, also one read from a corpus file: a mutation whose field, item,
    /// argument or twin is not there is [`NotApplicable`], never a panic.
    pub fn apply(&self, op: &PlannedOp, twin: &PlannedOp) -> Result<Mutated, NotApplicable> {
        let whole_twin = matches!(self, Self::OuterRelocate | Self::SignatureDecoy);
        if !op.is_encodable() || (whole_twin && !twin.is_encodable()) {
            return Err(NotApplicable);
        }
        if let Some(mutated) = self.apply_hide(op, twin)? {
            return Ok(mutated);
        }
        // Mutations inside an execution's calldata change the plan, then encode canonically.
        if let Some(planned) = self.apply_inner(op, twin)? {
            let (call_data, _) = planned.encode();
            return Ok(Mutated { call_data, signature_tail: Vec::new() });
        }
        let (mut cd, layout) = op.encode();
        let mut signature_tail = Vec::new();
        let exec = |cd: &[u8]| cd[EXEC_START..EXEC_START + layout.exec_len].to_vec();
        match self {
            Self::OuterSelector { selector } => cd[..4].copy_from_slice(selector),
            Self::ModeByte { index, value } => {
                *cd.get_mut(4 + usize::from(*index))
                    .filter(|_| *index < 32)
                    .ok_or(NotApplicable)? = *value;
            }
            Self::OuterOffset { value } => set_word(&mut cd, 36, *value)?,
            Self::OuterLength { value } => set_word(&mut cd, 68, *value)?,
            Self::OuterRelocate => {
                let twin_exec = twin.execution_calldata();
                let offset = cd.len() - 4;
                cd.extend_from_slice(&U256::from(twin_exec.len()).to_be_bytes::<32>());
                cd.extend_from_slice(&twin_exec);
                cd.resize(cd.len() + (32 - twin_exec.len() % 32) % 32, 0);
                set_word(&mut cd, 36, U256::from(offset))?;
            }
            Self::ArrayOffset { value } if layout.batch => set_word(&mut cd, EXEC_START, *value)?,
            Self::BatchLength { value } if layout.batch => {
                set_word(&mut cd, EXEC_START + 32, *value)?;
            }
            Self::ItemOffset { item: i, value } => {
                let at = item(&layout, *i)?.offset_word.ok_or(NotApplicable)?;
                set_word(&mut cd, at, *value)?;
            }
            Self::ItemAlias { item: i, to } => {
                let at = item(&layout, *i)?.offset_word.ok_or(NotApplicable)?;
                let from = item(&layout, *to)?.offset_word.ok_or(NotApplicable)?;
                if i == to {
                    return Err(NotApplicable);
                }
                let pointer: [u8; 32] = cd[from..from + 32].try_into().expect("32 bytes");
                cd[at..at + 32].copy_from_slice(&pointer);
            }
            Self::ItemRelocate { item: i } => {
                let at = item(&layout, *i)?.offset_word.ok_or(NotApplicable)?;
                let planted = twin.calls.get(usize::from(*i) % twin.calls.len().max(1));
                let planted = planted.ok_or(NotApplicable)?;
                let mut e = exec(&cd);
                let pointer = e.len() - 64;
                let one =
                    PlannedOp { batch: true, calls: vec![planted.clone()] }.execution_calldata();
                // The single item's head and data start after [0x20][1][p_0] in its own encoding.
                e.extend_from_slice(&one[96..]);
                set_word(&mut e, at - EXEC_START, U256::from(pointer))?;
                cd = reenvelope(&cd, &e);
            }
            Self::DataOffset { item: i, value } => {
                let at = item(&layout, *i)?.data_offset_word.ok_or(NotApplicable)?;
                set_word(&mut cd, at, *value)?;
            }
            Self::DataLength { item: i, value } => {
                let at = item(&layout, *i)?.data_len_word.ok_or(NotApplicable)?;
                set_word(&mut cd, at, *value)?;
            }
            Self::DirtyTarget { item: i, fill } if layout.batch => {
                let at = item(&layout, *i)?.target_at;
                cd[at..at + 12].copy_from_slice(fill);
                if fill.iter().all(|b| *b == 0) {
                    return Err(NotApplicable);
                }
            }
            Self::Padding { region: Region::Outer } => {
                let end = EXEC_START + layout.exec_len;
                if end == cd.len() {
                    return Err(NotApplicable);
                }
                *cd.last_mut().expect("padding exists") = 0x01;
            }
            Self::Padding { region: Region::Item(i) } => {
                let it = item(&layout, *i)?;
                let end = it.data_start + it.data_len;
                if !layout.batch || it.data_len % 32 == 0 {
                    return Err(NotApplicable);
                }
                cd[end] = 0x01;
            }
            Self::Trailing { region: Region::Outer, bytes } if !bytes.is_empty() => {
                cd.extend_from_slice(bytes);
            }
            Self::Trailing { region: Region::Execution, bytes } if !bytes.is_empty() => {
                let mut e = exec(&cd);
                e.extend_from_slice(bytes);
                cd = reenvelope(&cd, &e);
            }
            Self::Truncate { region: Region::Outer, len } if (*len as usize) < cd.len() => {
                cd.truncate(*len as usize);
            }
            Self::Truncate { region: Region::Execution, len }
                if (*len as usize) < layout.exec_len =>
            {
                let e = exec(&cd);
                cd = reenvelope(&cd, &e[..*len as usize]);
            }
            Self::SignatureDecoy => signature_tail = twin.execution_calldata(),
            _ => return Err(NotApplicable),
        }
        Ok(Mutated { call_data: cd, signature_tail })
    }

    /// The hiding mutations: plant bytes inside a host item's calldata, encode canonically, then
    /// point a pointer at them. `None` for other mutations.
    fn apply_hide(
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

    /// Mutations of one execution's calldata: the changed plan, `None` for other mutations.
    fn apply_inner(
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

    /// The mutation's kind, as reports and coverage name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::OuterSelector { .. } => "outer_selector",
            Self::ModeByte { .. } => "mode_byte",
            Self::OuterOffset { .. } => "outer_offset",
            Self::OuterLength { .. } => "outer_length",
            Self::OuterRelocate => "outer_relocate",
            Self::ArrayOffset { .. } => "array_offset",
            Self::BatchLength { .. } => "batch_length",
            Self::ItemOffset { .. } => "item_offset",
            Self::ItemAlias { .. } => "item_alias",
            Self::ItemRelocate { .. } => "item_relocate",
            Self::ItemHide { .. } => "item_hide",
            Self::DataHide { .. } => "data_hide",
            Self::DataOffset { .. } => "data_offset",
            Self::DataLength { .. } => "data_length",
            Self::DirtyTarget { .. } => "dirty_target",
            Self::Padding { .. } => "padding",
            Self::Trailing { .. } => "trailing",
            Self::Truncate { .. } => "truncate",
            Self::InnerData { .. } => "inner_data",
            Self::DirtyArg { .. } => "dirty_arg",
            Self::ArgRelocate { .. } => "arg_relocate",
            Self::ArgHide { .. } => "arg_hide",
            Self::ArgPadding { .. } => "arg_padding",
            Self::SignatureDecoy => "signature_decoy",
        }
    }

    /// Every kind, for coverage tables.
    pub const KINDS: [&'static str; 24] = [
        "outer_selector",
        "mode_byte",
        "outer_offset",
        "outer_length",
        "outer_relocate",
        "array_offset",
        "batch_length",
        "item_offset",
        "item_alias",
        "item_relocate",
        "item_hide",
        "data_hide",
        "data_offset",
        "data_length",
        "dirty_target",
        "padding",
        "trailing",
        "truncate",
        "inner_data",
        "dirty_arg",
        "arg_relocate",
        "arg_hide",
        "arg_padding",
        "signature_decoy",
    ];
}

/// Pointer and length values that break decoders: around the buffer's end, `2^64` (the bound
/// real decoders check), and negative offsets that wrap around `2^256`.
fn hostile_word(
    u: &mut Unstructured<'_>,
    canonical: usize,
    buffer_len: usize,
) -> arbitrary::Result<U256> {
    let k = U256::from(u.int_in_range(0u8..=4)?) * U256::from(32);
    Ok(match u.int_in_range(0u8..=9)? {
        0 => U256::from(canonical) + k,
        1 => U256::from(canonical).saturating_sub(k),
        2 => U256::from(buffer_len) + k,
        3 => U256::from(buffer_len).saturating_sub(U256::from(32)),
        4 => U256::from(u64::MAX),
        5 => U256::from(1) << 64,
        6 => U256::ZERO.wrapping_sub(k + U256::from(32)),
        7 => U256::MAX,
        8 => U256::from(u.int_in_range(0u16..=1024)?),
        _ => U256::from(canonical + 1),
    })
}

const SENTINEL_SELECTORS: [[u8; 4]; 5] = [
    [0x00, 0x00, 0x00, 0x00],
    [0xff, 0xff, 0xff, 0xff],
    [0x00, 0x00, 0x00, 0x01],
    [0x8d, 0xd7, 0x71, 0x2f], // executeUserOp
    [0xd6, 0x91, 0xc9, 0x64], // executeFromExecutor
];

/// Mode bytes worth trying: delegatecall, static, an unknown call type, try mode, the unused
/// bytes, and ERC-7821's mode selectors.
const MODE_EDITS: [(u8, u8); 8] =
    [(0, 0xff), (0, 0xfe), (0, 0x02), (1, 0x01), (1, 0x02), (2, 0x01), (6, 0x78), (31, 0x01)];

/// The items, arguments and hosts of an op that mutations can name.
struct Candidates {
    items: Vec<u8>,
    dynamic_args: Vec<(u8, u8)>,
    dirty_args: Vec<(u8, u8)>,
    hosts: Vec<u8>,
}

impl Candidates {
    fn of(op: &PlannedOp) -> Self {
        let mut c = Self {
            items: Vec::new(),
            dynamic_args: Vec::new(),
            dirty_args: Vec::new(),
            hosts: Vec::new(),
        };
        for (i, call) in op.calls.iter().enumerate() {
            let i = i as u8;
            c.items.push(i);
            match &call.args {
                None if call.data.len() >= 4 => c.hosts.push(i),
                None => {}
                Some(types) => {
                    if call.decoded_args().is_none() {
                        continue;
                    }
                    for (j, ty) in types.iter().enumerate() {
                        if ty.is_dynamic() {
                            c.dynamic_args.push((i, j as u8));
                        } else if dirty_range(*ty).is_some() {
                            c.dirty_args.push((i, j as u8));
                        }
                    }
                    if types.iter().any(|t| t.is_dynamic()) {
                        c.hosts.push(i);
                    }
                }
            }
        }
        c
    }
}

/// Chooses a mutation that applies to `op` (naming only items and arguments it has), or `None`
/// when the input runs out before one is found. `layout` is `op`'s layout.
pub fn choose(
    u: &mut Unstructured<'_>,
    op: &PlannedOp,
    layout: &Layout,
    twin: &PlannedOp,
) -> arbitrary::Result<Option<Mutation>> {
    let c = Candidates::of(op);
    let total_len = EXEC_START + layout.exec_len.div_ceil(32) * 32;
    let batch = layout.batch && !c.items.is_empty();
    for _ in 0..8 {
        let kind = *u.choose(&Mutation::KINDS)?;
        let needs_batch = matches!(
            kind,
            "array_offset"
                | "batch_length"
                | "item_offset"
                | "item_alias"
                | "item_relocate"
                | "item_hide"
                | "data_hide"
                | "data_offset"
                | "data_length"
                | "dirty_target"
        );
        if needs_batch && !batch {
            continue;
        }
        let mutation = match kind {
            "outer_selector" => {
                Mutation::OuterSelector { selector: *u.choose(&SENTINEL_SELECTORS)? }
            }
            "mode_byte" => {
                let (index, value) = *u.choose(&MODE_EDITS)?;
                Mutation::ModeByte { index, value }
            }
            "outer_offset" => {
                Mutation::OuterOffset { value: hostile_word(u, 0x40, total_len - 4)? }
            }
            "outer_length" => Mutation::OuterLength {
                value: hostile_word(u, layout.exec_len, total_len - EXEC_START)?,
            },
            "outer_relocate" => Mutation::OuterRelocate,
            "array_offset" => {
                Mutation::ArrayOffset { value: hostile_word(u, 0x20, layout.exec_len)? }
            }
            "batch_length" => {
                let n = layout.items.len();
                let value = match u.int_in_range(0u8..=3)? {
                    0 => U256::ZERO,
                    1 => U256::from(n + 1),
                    2 => U256::from(n.saturating_sub(1)),
                    _ => hostile_word(u, n, layout.exec_len)?,
                };
                Mutation::BatchLength { value }
            }
            "item_offset" => {
                let item = *u.choose(&c.items)?;
                let canonical = layout.items[usize::from(item)].target_at - EXEC_START - 64;
                Mutation::ItemOffset {
                    item,
                    value: hostile_word(u, canonical, layout.exec_len - 64)?,
                }
            }
            "item_alias" => {
                Mutation::ItemAlias { item: *u.choose(&c.items)?, to: *u.choose(&c.items)? }
            }
            "item_relocate" => Mutation::ItemRelocate { item: *u.choose(&c.items)? },
            "item_hide" if !c.hosts.is_empty() => {
                Mutation::ItemHide { item: *u.choose(&c.items)?, host: *u.choose(&c.hosts)? }
            }
            "data_hide" if !c.hosts.is_empty() => {
                let host = *u.choose(&c.hosts)?;
                Mutation::DataHide { item: u.int_in_range(0..=host)?, host }
            }
            "data_offset" => Mutation::DataOffset {
                item: *u.choose(&c.items)?,
                value: hostile_word(u, 0x60, layout.exec_len)?,
            },
            "data_length" => {
                let item = *u.choose(&c.items)?;
                let len = layout.items[usize::from(item)].data_len;
                Mutation::DataLength { item, value: hostile_word(u, len, layout.exec_len)? }
            }
            "dirty_target" => {
                // Every byte dirty, or one byte at any position of the padding.
                let mut fill = [0u8; 12];
                if u.ratio(1, 2)? {
                    u.fill_buffer(&mut fill)?;
                } else {
                    fill[u.int_in_range(0..=11)?] = u.int_in_range(1u8..=255)?;
                }
                if fill == [0; 12] {
                    fill[0] = 0xde;
                }
                Mutation::DirtyTarget { item: *u.choose(&c.items)?, fill }
            }
            "padding" => {
                let region = if !batch || u.ratio(1, 2)? {
                    Region::Outer
                } else {
                    Region::Item(*u.choose(&c.items)?)
                };
                Mutation::Padding { region }
            }
            "trailing" => {
                let region = match (u.int_in_range(0u8..=2)?, c.items.is_empty()) {
                    (0, _) | (_, true) => Region::Outer,
                    (1, _) => Region::Execution,
                    _ => Region::Item(*u.choose(&c.items)?),
                };
                let len = *u.choose(&[1usize, 4, 31, 32, 64])?;
                let mut bytes = vec![0u8; len];
                u.fill_buffer(&mut bytes)?;
                Mutation::Trailing { region, bytes }
            }
            "truncate" => {
                // Anywhere, just short of the end, or at a word boundary among the region's first
                // head words (where lengths, counts and offsets sit), or one byte before it.
                let cut = |u: &mut Unstructured<'_>, len: usize| -> arbitrary::Result<u32> {
                    let len = len as u32;
                    Ok(match u.int_in_range(0u8..=3)? {
                        0 => u.int_in_range(0..=len.saturating_sub(1))?,
                        1 => len.saturating_sub(u.int_in_range(1u32..=4)?),
                        2 => (32 * u.int_in_range(1u32..=4)? - u.int_in_range(0u32..=1)?)
                            .min(len.saturating_sub(1)),
                        _ => len.saturating_sub(u.int_in_range(1u32..=64)?),
                    })
                };
                match (u.int_in_range(0u8..=2)?, c.items.is_empty()) {
                    (0, _) | (_, true) => {
                        Mutation::Truncate { region: Region::Outer, len: cut(u, total_len)? }
                    }
                    (1, _) => Mutation::Truncate {
                        region: Region::Execution,
                        len: cut(u, layout.exec_len)?,
                    },
                    _ => {
                        let item = *u.choose(&c.items)?;
                        let len = cut(u, layout.items[usize::from(item)].data_len)?;
                        Mutation::Truncate { region: Region::Item(item), len }
                    }
                }
            }
            "inner_data" if !c.items.is_empty() => {
                let data = match u.int_in_range(0u8..=2)? {
                    0 => {
                        // A sentinel selector, sometimes with arguments after it.
                        let mut data = u.choose(&SENTINEL_SELECTORS)?.to_vec();
                        data.resize(4 + *u.choose(&[0usize, 2, 32])?, 0x12);
                        data
                    }
                    1 => vec![0u8; u.int_in_range(1usize..=3)?],
                    _ => Vec::new(),
                };
                Mutation::InnerData { item: *u.choose(&c.items)?, data }
            }
            "dirty_arg" if !c.dirty_args.is_empty() => {
                // The whole padding, or one byte of it at any position.
                let (item, arg) = *u.choose(&c.dirty_args)?;
                let ty =
                    op.calls[usize::from(item)].args.as_ref().expect("typed")[usize::from(arg)];
                let width = dirty_range(ty).expect("dirty_args have padding").len();
                let at =
                    if u.ratio(1, 2)? { Some(u.int_in_range(0..=width - 1)? as u8) } else { None };
                Mutation::DirtyArg { item, arg, fill: u.int_in_range(1u8..=255)?, at }
            }
            "arg_relocate" if !c.dynamic_args.is_empty() => {
                let (item, arg) = *u.choose(&c.dynamic_args)?;
                Mutation::ArgRelocate { item, arg }
            }
            "arg_hide" if !c.dynamic_args.is_empty() => {
                let (item, arg) = *u.choose(&c.dynamic_args)?;
                Mutation::ArgHide { item, arg }
            }
            "arg_padding" if !c.dynamic_args.is_empty() => {
                let (item, arg) = *u.choose(&c.dynamic_args)?;
                Mutation::ArgPadding { item, arg }
            }
            "signature_decoy" => Mutation::SignatureDecoy,
            _ => continue,
        };
        if mutation.apply(op, twin).is_ok() {
            return Ok(Some(mutation));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
