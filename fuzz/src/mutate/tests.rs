//! Each mutation produces the shape it names, and the strict model denies it for the clause
//! that shape breaks (or, for inner shapes, the callee-facing clause).

use super::*;
use alloy_primitives::{Address, U256, address};
use arbitrary::Unstructured;
use leash_model::abi::args::{ArgDecoding, ArgValue, decode_args, encode_call};
use leash_model::abi::execute::decode_execute;
use leash_model::{AbiType, DenyReason};

const TOKEN: Address = address!("0x000000000000000000000000000000000000707e");
const ROUTER: Address = address!("0x0000000000000000000000000000000000000b07");
const EVIL: Address = address!("0x00000000000000000000000000000000000e0e11");

fn word(n: u64) -> ArgValue<'static> {
    ArgValue::Word(U256::from(n))
}

fn transfer(amount: u64) -> PlannedCall {
    PlannedCall {
        target: TOKEN,
        value: U256::ZERO,
        data: encode_call([0xa9, 0x05, 0x9c, 0xbb], &[word(0xbeef), word(amount)]),
        args: Some(vec![AbiType::Address, AbiType::Uint(256)]),
    }
}

fn swap(path: &[u8]) -> PlannedCall {
    PlannedCall {
        target: ROUTER,
        value: U256::ZERO,
        data: encode_call(
            [0xc7, 0x43, 0x60, 0x67],
            &[word(1), word(5), ArgValue::Dynamic(path), word(0)],
        ),
        args: Some(vec![AbiType::Address, AbiType::Uint(256), AbiType::Bytes, AbiType::Uint(256)]),
    }
}

fn benign() -> PlannedOp {
    PlannedOp { batch: true, calls: vec![transfer(1), swap(&[0xaa; 5])] }
}

fn twin() -> PlannedOp {
    let mut evil = transfer(1_000_000);
    evil.target = EVIL;
    PlannedOp { batch: true, calls: vec![evil, swap(&[0xee; 3])] }
}

fn apply(m: Mutation) -> Mutated {
    m.apply(&benign(), &twin()).unwrap_or_else(|_| panic!("{m:?} applies to the sample"))
}

fn strict_reason(cd: &[u8]) -> DenyReason {
    decode_execute(cd).expect_err("the strict decoder must refuse a mutated encoding").reason
}

fn word_at(cd: &[u8], at: usize) -> U256 {
    U256::from_be_slice(&cd[at..at + 32])
}

#[test]
fn outer_selector_and_mode_bytes() {
    let m = apply(Mutation::OuterSelector { selector: [0x8d, 0xd7, 0x71, 0x2f] });
    assert_eq!(&m.call_data[..4], &[0x8d, 0xd7, 0x71, 0x2f]);
    assert_eq!(strict_reason(&m.call_data), DenyReason::NotExecute);
    for (index, value, reason) in [
        (0, 0xff, DenyReason::CallType),
        (1, 0x01, DenyReason::ExecType),
        (6, 0x78, DenyReason::ModePayload),
    ] {
        let m = apply(Mutation::ModeByte { index, value });
        assert_eq!(m.call_data[4 + usize::from(index)], value);
        assert_eq!(strict_reason(&m.call_data), reason);
    }
}

#[test]
fn outer_offset_and_length_words() {
    let value = U256::from(1) << 64;
    let m = apply(Mutation::OuterOffset { value });
    assert_eq!(word_at(&m.call_data, 36), value);
    assert_eq!(strict_reason(&m.call_data), DenyReason::OuterOffset);
    let m = apply(Mutation::OuterLength { value: U256::MAX });
    assert_eq!(word_at(&m.call_data, 68), U256::MAX);
    assert_eq!(strict_reason(&m.call_data), DenyReason::OuterTruncated);
}

#[test]
fn outer_relocate_keeps_the_original_and_points_at_the_twin() {
    let (canonical, layout) = benign().encode();
    let m = apply(Mutation::OuterRelocate);
    // The original executionCalldata is untouched at 0x64...
    assert_eq!(
        &m.call_data[..canonical.len()],
        &{
            let mut c = canonical.clone();
            c[36..68].copy_from_slice(&U256::from(canonical.len() - 4).to_be_bytes::<32>());
            c
        }[..]
    );
    // ...and the offset leads a decoder that follows it to the twin's.
    let offset = word_at(&m.call_data, 36).to::<usize>();
    let len = word_at(&m.call_data, 4 + offset).to::<usize>();
    let twin_exec = twin().execution_calldata();
    assert_eq!(&m.call_data[4 + offset + 32..4 + offset + 32 + len], &twin_exec[..]);
    assert_eq!(layout.exec_len, canonical.len() - EXEC_START);
    assert_eq!(strict_reason(&m.call_data), DenyReason::OuterOffset);
}

#[test]
fn batch_head_words() {
    let m = apply(Mutation::ArrayOffset { value: U256::from(0x40) });
    assert_eq!(word_at(&m.call_data, EXEC_START), U256::from(0x40));
    assert_eq!(strict_reason(&m.call_data), DenyReason::ArrayOffset);
    let m = apply(Mutation::BatchLength { value: U256::ZERO });
    assert_eq!(strict_reason(&m.call_data), DenyReason::EmptyBatch);
    let m = apply(Mutation::BatchLength { value: U256::from(1) });
    assert_eq!(strict_reason(&m.call_data), DenyReason::ItemOffset);
}

#[test]
fn item_pointers_alias_escape_and_relocate() {
    let (_, layout) = benign().encode();
    let m = apply(Mutation::ItemAlias { item: 1, to: 0 });
    let p = |cd: &[u8], i: usize| word_at(cd, layout.items[i].offset_word.unwrap());
    assert_eq!(p(&m.call_data, 1), p(&m.call_data, 0));
    assert_eq!(decode_execute(&m.call_data).unwrap_err().execution, Some(1));

    let wrap = U256::ZERO.wrapping_sub(U256::from(64));
    let m = apply(Mutation::ItemOffset { item: 0, value: wrap });
    assert_eq!(p(&m.call_data, 0), wrap);
    assert_eq!(strict_reason(&m.call_data), DenyReason::ItemOffset);

    let m = apply(Mutation::ItemRelocate { item: 0 });
    let e = &m.call_data[EXEC_START..];
    let pointer = p(&m.call_data, 0).to::<usize>();
    // The twin's first item sits where p_0 now points, its target in the low 20 bytes.
    assert_eq!(&e[64 + pointer + 12..64 + pointer + 32], EVIL.as_slice());
    // The benign item 0 is still in its canonical place.
    let benign_at = layout.items[0].target_at;
    assert_eq!(&m.call_data[benign_at + 12..benign_at + 32], TOKEN.as_slice());
    assert_eq!(strict_reason(&m.call_data), DenyReason::ItemOffset);
}

#[test]
fn item_data_words_and_dirty_targets() {
    let (_, layout) = benign().encode();
    let m = apply(Mutation::DataOffset { item: 1, value: U256::from(0x80) });
    assert_eq!(word_at(&m.call_data, layout.items[1].data_offset_word.unwrap()), U256::from(0x80));
    assert_eq!(strict_reason(&m.call_data), DenyReason::DataOffset);
    let m = apply(Mutation::DataLength { item: 0, value: U256::from(1) << 64 });
    assert_eq!(strict_reason(&m.call_data), DenyReason::DataTruncated);
    let m = apply(Mutation::DirtyTarget { item: 0, fill: [0xde; 12] });
    let at = layout.items[0].target_at;
    assert_eq!(&m.call_data[at..at + 12], &[0xde; 12]);
    assert_eq!(&m.call_data[at + 12..at + 32], TOKEN.as_slice());
    assert_eq!(strict_reason(&m.call_data), DenyReason::DirtyTarget);
}

#[test]
fn padding_trailing_and_truncation() {
    let m = apply(Mutation::Padding { region: Region::Item(0) });
    assert_eq!(strict_reason(&m.call_data), DenyReason::DataPadding);
    let single = PlannedOp { batch: false, calls: vec![transfer(1)] };
    let m = Mutation::Padding { region: Region::Outer }.apply(&single, &twin()).unwrap();
    assert_eq!(*m.call_data.last().unwrap(), 1);
    assert_eq!(strict_reason(&m.call_data), DenyReason::OuterPadding);

    let m = apply(Mutation::Trailing { region: Region::Outer, bytes: vec![7; 32] });
    assert_eq!(&m.call_data[m.call_data.len() - 32..], &[7; 32]);
    assert_eq!(strict_reason(&m.call_data), DenyReason::OuterLength);
    let m = apply(Mutation::Trailing { region: Region::Execution, bytes: vec![7; 32] });
    assert_eq!(strict_reason(&m.call_data), DenyReason::BatchLength);

    let (canonical, layout) = benign().encode();
    let m = apply(Mutation::Truncate { region: Region::Outer, len: canonical.len() as u32 - 32 });
    assert_eq!(m.call_data.len(), canonical.len() - 32);
    assert_eq!(strict_reason(&m.call_data), DenyReason::OuterTruncated);
    let m = apply(Mutation::Truncate { region: Region::Outer, len: 99 });
    assert_eq!(strict_reason(&m.call_data), DenyReason::HeadTruncated);
    // Inside a canonical envelope the cut reaches the batch's own clauses.
    for (len, reason) in [
        (63, DenyReason::BatchTruncated),
        (64 + 32, DenyReason::OffsetsTruncated),
        (64 + 64 + 100, DenyReason::ItemTruncated),
        (layout.items[1].data_start - EXEC_START + 8, DenyReason::DataTruncated),
    ] {
        let m = apply(Mutation::Truncate { region: Region::Execution, len: len as u32 });
        assert_eq!(m.call_data[68..100], U256::from(len).to_be_bytes::<32>(), "{len}");
        assert_eq!(strict_reason(&m.call_data), reason, "{len}");
    }
    // And inside an execution's calldata, its arguments' own clauses.
    let m = apply(Mutation::Truncate { region: Region::Item(0), len: 40 });
    let data = item_data(&m.call_data, 0);
    let strict =
        decode_args(&data[4..], &[AbiType::Address, AbiType::Uint(256)], ArgDecoding::Strict);
    assert_eq!(strict.unwrap_err().reason, DenyReason::ArgsTruncated);
    let m = apply(Mutation::Truncate { region: Region::Item(1), len: 4 + 160 + 2 });
    let data = item_data(&m.call_data, 1);
    let types = [AbiType::Address, AbiType::Uint(256), AbiType::Bytes, AbiType::Uint(256)];
    let strict = decode_args(&data[4..], &types, ArgDecoding::Strict);
    assert_eq!(
        strict.unwrap_err(),
        leash_model::abi::args::ArgError { reason: DenyReason::ArgTailTruncated, arg: Some(2) }
    );
}

/// Decodes one item's arguments from a mutated op whose envelope is canonical.
fn item_data(cd: &[u8], item: usize) -> Vec<u8> {
    decode_execute(cd).expect("inner mutations keep the envelope canonical")[item].data.to_vec()
}

#[test]
fn inner_data_sentinels_and_trailing_arguments() {
    let m = apply(Mutation::InnerData { item: 0, data: vec![0xff; 4] });
    assert_eq!(item_data(&m.call_data, 0), vec![0xff; 4]);
    let m = apply(Mutation::InnerData { item: 1, data: vec![0; 2] });
    assert_eq!(item_data(&m.call_data, 1), vec![0; 2]);
    let m = apply(Mutation::Trailing { region: Region::Item(0), bytes: vec![1; 32] });
    let data = item_data(&m.call_data, 0);
    assert_eq!(data.len(), 4 + 64 + 32);
    let types = [AbiType::Address, AbiType::Uint(256)];
    let strict = decode_args(&data[4..], &types, ArgDecoding::Strict).unwrap_err();
    assert_eq!(strict.reason, DenyReason::ArgsLength);
    assert!(decode_args(&data[4..], &types, ArgDecoding::Solidity).is_ok());
}

#[test]
fn dirty_arguments_fill_only_above_the_type_width() {
    let m = apply(Mutation::DirtyArg { item: 0, arg: 0, fill: 0xab, at: None });
    let data = item_data(&m.call_data, 0);
    assert_eq!(&data[4..16], &[0xab; 12]);
    assert_eq!(&data[34..36], &[0xbe, 0xef]);
    let err = decode_args(&data[4..], &[AbiType::Address, AbiType::Uint(256)], ArgDecoding::Strict);
    assert_eq!(err.unwrap_err().reason, DenyReason::ArgDirty);
    // A uint256 has no bytes above its width.
    assert_eq!(
        Mutation::DirtyArg { item: 0, arg: 1, fill: 1, at: None }.apply(&benign(), &twin()),
        Err(NotApplicable)
    );
}

#[test]
fn one_dirty_padding_byte_lands_at_its_position_and_nowhere_else() {
    for k in 0u8..12 {
        let m = apply(Mutation::DirtyArg { item: 0, arg: 0, fill: 0x5a, at: Some(k) });
        let data = item_data(&m.call_data, 0);
        let mut expected = [0u8; 12];
        expected[usize::from(k)] = 0x5a;
        assert_eq!(&data[4..16], &expected, "byte {k}");
        let err =
            decode_args(&data[4..], &[AbiType::Address, AbiType::Uint(256)], ArgDecoding::Strict);
        assert_eq!(err.unwrap_err().reason, DenyReason::ArgDirty);
    }
    // Past the padding is not a position.
    let m = Mutation::DirtyArg { item: 0, arg: 0, fill: 1, at: Some(12) };
    assert_eq!(m.apply(&benign(), &twin()), Err(NotApplicable));
}

#[test]
fn arg_relocate_points_the_callee_at_the_twin_content() {
    // The C2 shape: the canonical tail keeps the benign path, the head points at the twin's.
    let m = apply(Mutation::ArgRelocate { item: 1, arg: 2 });
    let data = item_data(&m.call_data, 1);
    let types = [AbiType::Address, AbiType::Uint(256), AbiType::Bytes, AbiType::Uint(256)];
    let seen = decode_args(&data[4..], &types, ArgDecoding::Solidity).unwrap();
    assert_eq!(seen[2], ArgValue::Dynamic(&[0xee; 3]));
    // The benign content is still at its canonical position (head 4 words, then its length).
    assert_eq!(&data[4 + 160..4 + 165], &[0xaa; 5]);
    let strict = decode_args(&data[4..], &types, ArgDecoding::Strict).unwrap_err();
    assert_eq!(strict.reason, DenyReason::ArgOffset);

    let m = apply(Mutation::ArgPadding { item: 1, arg: 2 });
    let data = item_data(&m.call_data, 1);
    let strict = decode_args(&data[4..], &types, ArgDecoding::Strict).unwrap_err();
    assert_eq!(strict.reason, DenyReason::ArgPadding);
}

#[test]
fn signature_decoy_carries_the_twin_and_leaves_call_data_canonical() {
    let m = apply(Mutation::SignatureDecoy);
    assert_eq!(m.signature_tail, twin().execution_calldata());
    assert!(decode_execute(&m.call_data).is_ok());
}

#[test]
fn choose_finds_every_kind_and_only_applicable_mutations() {
    let (op, twin) = (benign(), twin());
    let (_, layout) = op.encode();
    let mut seen = std::collections::BTreeSet::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..4000 {
        let bytes: Vec<u8> = (0..64)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        let mut u = Unstructured::new(&bytes);
        if let Some(m) = choose(&mut u, &op, &layout, &twin).unwrap() {
            assert!(m.apply(&op, &twin).is_ok(), "{m:?}");
            // The kind's name is the corpus file's tag.
            assert_eq!(crate::corpus::mutation_json(&m)["kind"], m.kind().name(), "{m:?}");
            seen.insert(m.kind());
        }
    }
    let missing: Vec<_> = MutationKind::ALL.iter().filter(|k| !seen.contains(*k)).collect();
    assert!(missing.is_empty(), "never chosen: {missing:?}");
}

#[test]
fn item_hide_points_at_a_twin_item_inside_a_sibling_argument() {
    // The twin item lives in the swap path of item 1; item 0's pointer leads to it, and no
    // byte lies outside the items, so only the item offset betrays it.
    let m = apply(Mutation::ItemHide { item: 0, host: 1 });
    let e = &m.call_data[EXEC_START..];
    let pointer = word_at(&m.call_data, EXEC_START + 64).to::<usize>();
    assert_eq!(&e[64 + pointer + 12..64 + pointer + 32], EVIL.as_slice());
    assert_eq!(strict_reason(&m.call_data), DenyReason::ItemOffset);
    // With canonical pointers, the same bytes decode to two benign items whose path grew.
    let mut canonical_pointer = m.call_data.clone();
    canonical_pointer[EXEC_START + 64..EXEC_START + 96]
        .copy_from_slice(&U256::from(64).to_be_bytes::<32>());
    let items = decode_execute(&canonical_pointer).unwrap();
    assert_eq!(items[0].target, TOKEN);
    assert_eq!(items[1].target, ROUTER);
}

#[test]
fn data_hide_points_an_items_calldata_at_hidden_bytes() {
    let (_, layout) = benign().encode();
    let m = apply(Mutation::DataHide { item: 1, host: 1 });
    let q = word_at(&m.call_data, layout.items[1].data_offset_word.unwrap()).to::<usize>();
    let base = layout.items[1].target_at;
    let len = word_at(&m.call_data, base + q).to::<usize>();
    let twin_data = &twin().calls[1].data;
    assert_eq!(&m.call_data[base + q + 32..base + q + 32 + len], &twin_data[..]);
    assert_eq!(strict_reason(&m.call_data), DenyReason::DataOffset);
    // Hiding needs a host at or after the item, and a host that can carry bytes.
    assert_eq!(
        Mutation::DataHide { item: 1, host: 0 }.apply(&benign(), &twin()),
        Err(NotApplicable)
    );
}

#[test]
fn arg_hide_keeps_the_benign_prefix_where_a_fixed_offset_reads() {
    let m = apply(Mutation::ArgHide { item: 1, arg: 2 });
    let data = item_data(&m.call_data, 1);
    let types = [AbiType::Address, AbiType::Uint(256), AbiType::Bytes, AbiType::Uint(256)];
    // The callee follows the head to the hidden twin content...
    let seen = decode_args(&data[4..], &types, ArgDecoding::Solidity).unwrap();
    assert_eq!(seen[2], ArgValue::Dynamic(&[0xee; 3]));
    // ...while the canonical tail position (after the 4 head words) still starts with the
    // benign content, and nothing follows the canonical tail.
    assert_eq!(&data[4 + 160..4 + 165], &[0xaa; 5]);
    let canonical_len = U256::from_be_slice(&data[4 + 128..4 + 160]).to::<usize>();
    assert_eq!(4 + 160 + canonical_len.div_ceil(32) * 32, data.len());
    let strict = decode_args(&data[4..], &types, ArgDecoding::Strict).unwrap_err();
    assert_eq!(strict.reason, DenyReason::ArgOffset);
}

/// Issue #17 D3: recipes read from corpus files are input. A single op without calls, an empty
/// twin under `signature_decoy` or `outer_relocate`, and `arg_padding` on a `bytes` argument
/// whose calldata is `0x12` panicked; every mutation of any recipe is now a value or
/// `NotApplicable`.
#[test]
fn crafted_recipes_from_corpus_files_never_panic_any_mutation() {
    let single_without_calls = PlannedOp { batch: false, calls: Vec::new() };
    assert_eq!(
        Mutation::Padding { region: Region::Outer }.apply(&single_without_calls, &twin()),
        Err(NotApplicable)
    );
    let empty_single_twin = PlannedOp { batch: false, calls: Vec::new() };
    let single = PlannedOp { batch: false, calls: vec![transfer(1)] };
    for m in [Mutation::SignatureDecoy, Mutation::OuterRelocate] {
        assert_eq!(m.apply(&single, &empty_single_twin), Err(NotApplicable), "{m:?}");
    }
    let short = PlannedCall { data: vec![0x12], args: Some(vec![AbiType::Bytes]), ..transfer(1) };
    let op = PlannedOp { batch: false, calls: vec![short] };
    assert_eq!(Mutation::ArgPadding { item: 0, arg: 0 }.apply(&op, &twin()), Err(NotApplicable));

    // Random recipes: calls with random bytes and declared types, every mutation kind with
    // random fields.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n.max(1)
    };
    let types = [
        AbiType::Address,
        AbiType::Uint(8),
        AbiType::Bytes,
        AbiType::String,
        AbiType::FixedBytes(4),
    ];
    let call = |next: &mut dyn FnMut(u64) -> u64| {
        let args: Option<Vec<AbiType>> = match next(3) {
            0 => None,
            _ => Some((0..next(4)).map(|_| types[next(types.len() as u64) as usize]).collect()),
        };
        let data = match (next(2), &args) {
            (0, Some(a)) => {
                let values: Vec<ArgValue<'_>> = a
                    .iter()
                    .map(|t| if t.is_dynamic() { ArgValue::Dynamic(&[7; 37]) } else { word(1) })
                    .collect();
                encode_call([1, 2, 3, 4], &values)
            }
            _ => (0..next(80)).map(|i| i as u8).collect(),
        };
        PlannedCall { target: TOKEN, value: U256::from(next(3)), data, args }
    };
    let op = |next: &mut dyn FnMut(u64) -> u64| PlannedOp {
        batch: next(2) == 0,
        calls: (0..next(4)).map(|_| call(next)).collect(),
    };
    let (mut applied, mut refused) = (0, 0);
    for _ in 0..3000 {
        let (planned, twin) = (op(&mut next), op(&mut next));
        let (i, j) = (next(4) as u8, next(4) as u8);
        let value = U256::from(next(300));
        let region = [Region::Outer, Region::Execution, Region::Item(i)][next(3) as usize];
        let bytes: Vec<u8> = (0..next(40)).map(|b| b as u8).collect();
        let mutations = [
            Mutation::OuterSelector { selector: [0; 4] },
            Mutation::ModeByte { index: next(40) as u8, value: 1 },
            Mutation::OuterOffset { value },
            Mutation::OuterLength { value },
            Mutation::OuterRelocate,
            Mutation::ArrayOffset { value },
            Mutation::BatchLength { value },
            Mutation::ItemOffset { item: i, value },
            Mutation::ItemAlias { item: i, to: j },
            Mutation::ItemRelocate { item: i },
            Mutation::ItemHide { item: i, host: j },
            Mutation::DataHide { item: i, host: j },
            Mutation::DataOffset { item: i, value },
            Mutation::DataLength { item: i, value },
            Mutation::DirtyTarget { item: i, fill: [next(2) as u8; 12] },
            Mutation::Padding { region },
            Mutation::Trailing { region, bytes: bytes.clone() },
            Mutation::Truncate { region, len: next(400) as u32 },
            Mutation::InnerData { item: i, data: bytes },
            Mutation::DirtyArg { item: i, arg: j, fill: next(3) as u8, at: None },
            Mutation::ArgRelocate { item: i, arg: j },
            Mutation::ArgHide { item: i, arg: j },
            Mutation::ArgPadding { item: i, arg: j },
            Mutation::SignatureDecoy,
        ];
        let kinds: Vec<MutationKind> = mutations.iter().map(Mutation::kind).collect();
        assert_eq!(kinds, MutationKind::ALL);
        for m in mutations {
            match m.apply(&planned, &twin) {
                Ok(_) => applied += 1,
                Err(NotApplicable) => refused += 1,
            }
        }
    }
    assert!(applied > 10_000 && refused > 10_000, "{applied} applied, {refused} refused");
}
