//! Choosing a mutation that applies to an op from fuzzer input: hostile pointer and length
//! values, sentinel selectors, mode edits, and the items and arguments an op offers.

use alloy_primitives::U256;
use arbitrary::Unstructured;

use super::inner::dirty_range;
use super::{EXEC_START, Layout, Mutation, MutationKind, PlannedOp, Region};

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
    /// Whether the op offers what `kind` names; `batch` says whether it is a batch with items.
    fn offers(&self, kind: MutationKind, batch: bool) -> bool {
        use MutationKind::*;
        match kind {
            OuterSelector | ModeByte | OuterOffset | OuterLength | OuterRelocate | Padding
            | Trailing | Truncate | SignatureDecoy => true,
            ArrayOffset | BatchLength | ItemOffset | ItemAlias | ItemRelocate | DataOffset
            | DataLength | DirtyTarget => batch,
            ItemHide | DataHide => batch && !self.hosts.is_empty(),
            InnerData => !self.items.is_empty(),
            DirtyArg => !self.dirty_args.is_empty(),
            ArgRelocate | ArgHide | ArgPadding => !self.dynamic_args.is_empty(),
        }
    }

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
        let kind = *u.choose(&MutationKind::ALL)?;
        if !c.offers(kind, batch) {
            continue;
        }
        let mutation = match kind {
            MutationKind::OuterSelector => {
                Mutation::OuterSelector { selector: *u.choose(&SENTINEL_SELECTORS)? }
            }
            MutationKind::ModeByte => {
                let (index, value) = *u.choose(&MODE_EDITS)?;
                Mutation::ModeByte { index, value }
            }
            MutationKind::OuterOffset => {
                Mutation::OuterOffset { value: hostile_word(u, 0x40, total_len - 4)? }
            }
            MutationKind::OuterLength => Mutation::OuterLength {
                value: hostile_word(u, layout.exec_len, total_len - EXEC_START)?,
            },
            MutationKind::OuterRelocate => Mutation::OuterRelocate,
            MutationKind::ArrayOffset => {
                Mutation::ArrayOffset { value: hostile_word(u, 0x20, layout.exec_len)? }
            }
            MutationKind::BatchLength => {
                let n = layout.items.len();
                let value = match u.int_in_range(0u8..=3)? {
                    0 => U256::ZERO,
                    1 => U256::from(n + 1),
                    2 => U256::from(n.saturating_sub(1)),
                    _ => hostile_word(u, n, layout.exec_len)?,
                };
                Mutation::BatchLength { value }
            }
            MutationKind::ItemOffset => {
                let item = *u.choose(&c.items)?;
                let canonical = layout.items[usize::from(item)].target_at - EXEC_START - 64;
                Mutation::ItemOffset {
                    item,
                    value: hostile_word(u, canonical, layout.exec_len - 64)?,
                }
            }
            MutationKind::ItemAlias => {
                Mutation::ItemAlias { item: *u.choose(&c.items)?, to: *u.choose(&c.items)? }
            }
            MutationKind::ItemRelocate => Mutation::ItemRelocate { item: *u.choose(&c.items)? },
            MutationKind::ItemHide => {
                Mutation::ItemHide { item: *u.choose(&c.items)?, host: *u.choose(&c.hosts)? }
            }
            MutationKind::DataHide => {
                let host = *u.choose(&c.hosts)?;
                Mutation::DataHide { item: u.int_in_range(0..=host)?, host }
            }
            MutationKind::DataOffset => Mutation::DataOffset {
                item: *u.choose(&c.items)?,
                value: hostile_word(u, 0x60, layout.exec_len)?,
            },
            MutationKind::DataLength => {
                let item = *u.choose(&c.items)?;
                let len = layout.items[usize::from(item)].data_len;
                Mutation::DataLength { item, value: hostile_word(u, len, layout.exec_len)? }
            }
            MutationKind::DirtyTarget => {
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
            MutationKind::Padding => {
                let region = if !batch || u.ratio(1, 2)? {
                    Region::Outer
                } else {
                    Region::Item(*u.choose(&c.items)?)
                };
                Mutation::Padding { region }
            }
            MutationKind::Trailing => {
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
            MutationKind::Truncate => {
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
            MutationKind::InnerData => {
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
            MutationKind::DirtyArg => {
                // The whole padding, or one byte of it at any position.
                let (item, arg) = *u.choose(&c.dirty_args)?;
                let ty =
                    op.calls[usize::from(item)].args.as_ref().expect("typed")[usize::from(arg)];
                let width = dirty_range(ty).expect("dirty_args have padding").len();
                let at =
                    if u.ratio(1, 2)? { Some(u.int_in_range(0..=width - 1)? as u8) } else { None };
                Mutation::DirtyArg { item, arg, fill: u.int_in_range(1u8..=255)?, at }
            }
            MutationKind::ArgRelocate => {
                let (item, arg) = *u.choose(&c.dynamic_args)?;
                Mutation::ArgRelocate { item, arg }
            }
            MutationKind::ArgHide => {
                let (item, arg) = *u.choose(&c.dynamic_args)?;
                Mutation::ArgHide { item, arg }
            }
            MutationKind::ArgPadding => {
                let (item, arg) = *u.choose(&c.dynamic_args)?;
                Mutation::ArgPadding { item, arg }
            }
            MutationKind::SignatureDecoy => Mutation::SignatureDecoy,
        };
        if mutation.apply(op, twin).is_ok() {
            return Ok(Some(mutation));
        }
    }
    Ok(None)
}
