//! Property 8: the strict decoders accept exactly canonical encodings (spec §3, §6.1), and the
//! structure-aware byte mutations the runners use to reach non-canonical inputs.
//!
//! Under Kani the decode-then-encode harnesses take any byte string up to a bound, so
//! "accepted ⇒ canonical" is proven for every input of that size; the runners reach the same
//! space through canonical encodings with one mutation each (a pointer or length word moved,
//! a byte set, bytes cut or appended), which is where the C1/C2 bugs live.

use alloy_primitives::{Address, U256};
use leash_model::abi::args::{ArgValue, encode_args};
use leash_model::abi::execute::{
    CALLTYPE_BATCH, CALLTYPE_SINGLE, encode_batch, encode_batch_calldata, encode_execute,
    encode_single, encode_single_calldata, mode,
};
use leash_model::{AbiType, Execution};

use crate::source::Source;
use crate::sut::{DecodeArgsFn, DecodeExecuteFn};
use crate::world::GAME;
use crate::{CaseResult, Outcome};

/// Under Kani, decode-then-encode takes any `callData` of at most this many bytes: a batch of
/// one execution with empty calldata (`100 + 64 + 32 + 128`), or a single execution with up to
/// 172 bytes of calldata.
pub(crate) const EXECUTE_CD_MAX: usize = 324;
/// Under Kani, decode-then-encode takes any argument bytes of at most this many: two head words
/// and one dynamic tail of up to 64 bytes.
pub(crate) const ARGS_MAX: usize = 64 + 32 + 64;
/// The longest calldata of a generated execution in the encode-then-decode harnesses.
const DATA_MAX: usize = 33;

/// `a == b`, compared 32 bytes at a time: under Kani a slice comparison is a `memcmp` loop as
/// long as the slices, and chunks keep every loop within one word (the unwind bound of 34).
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let mut same = a.len() == b.len();
    for (x, y) in a.chunks(32).zip(b.chunks(32)) {
        same &= x == y;
    }
    same
}

fn word_at(bytes: &[u8], at: usize) -> Option<U256> {
    bytes.get(at..at + 32).map(U256::from_be_slice)
}

fn set_word(bytes: &mut [u8], at: usize, w: U256) {
    if let Some(slot) = bytes.get_mut(at..at + 32) {
        slot.copy_from_slice(&w.to_be_bytes::<32>());
    }
}

/// One structure-aware mutation, for the runners: none; a word at one of `words` set to 0, to
/// its value ±1 or ±32 (wrapping, so `2^256 - 32` is a "negative" pointer), to `2^64` or to the
/// buffer length; a byte at one of `bytes` set to 1 or 0xff; the last 1, 31 or 32 bytes cut;
/// or 1 or 32 bytes (zero or not) appended.
pub(crate) fn mutate<S: Source>(src: &mut S, buf: &mut Vec<u8>, words: &[usize], bytes: &[usize]) {
    match src.choose("mutation", 5) {
        0 => {}
        1 => {
            let at = words[src.choose("mutation.word", words.len())];
            let old = word_at(buf, at).unwrap_or_default();
            let one = U256::from(1);
            let thirty_two = U256::from(32);
            let new = match src.choose("mutation.word.to", 7) {
                0 => U256::ZERO,
                1 => old.wrapping_add(one),
                2 => old.wrapping_sub(one),
                3 => old.wrapping_add(thirty_two),
                4 => old.wrapping_sub(thirty_two),
                5 => U256::from(1) << 64,
                _ => U256::from(buf.len()),
            };
            set_word(buf, at, new);
        }
        2 => {
            let at = bytes[src.choose("mutation.byte", bytes.len())];
            let value = src.u8_in("mutation.byte.to", &[0x01, 0xff]);
            if let Some(b) = buf.get_mut(at) {
                *b = value;
            }
        }
        3 => {
            let cut = [1, 31, 32][src.choose("mutation.cut", 3)];
            buf.truncate(buf.len().saturating_sub(cut));
        }
        _ => {
            let len = [1, 32][src.choose("mutation.append", 2)];
            let fill = src.u8_in("mutation.append.byte", &[0x00, 0x01]);
            buf.resize(buf.len() + len, fill);
        }
    }
}

/// The pointer and length words, and the bytes a strict decoder checks, of a canonical
/// `execute` callData (single or batch).
pub(crate) fn execute_positions(cd: &[u8]) -> (Vec<usize>, Vec<usize>) {
    let mut words = vec![36, 68];
    let mut bytes = vec![0, 4, 5, 6, 35];
    if let Some(last) = cd.len().checked_sub(1) {
        bytes.push(last);
    }
    if cd.get(4) == Some(&CALLTYPE_BATCH) {
        let e = 100;
        words.extend([e, e + 32]);
        let n = word_at(cd, e + 32).map_or(0, |n| n.saturating_to::<usize>()).min(8);
        for i in 0..n {
            let at = e + 64 + 32 * i;
            words.push(at);
            let offset = word_at(cd, at).map_or(0, |o| o.saturating_to::<usize>());
            let base = e + 64 + offset;
            words.extend([base + 32, base + 64, base + 96]);
            bytes.push(base);
            let data_len = word_at(cd, base + 96).map_or(0, |l| l.saturating_to::<usize>());
            if !data_len.is_multiple_of(32) {
                bytes.push(base + 128 + data_len);
            }
        }
    }
    (words, bytes)
}

/// The head words, tail length words and checked bytes of canonical arguments of `types`.
fn args_positions(a: &[u8], types: &[AbiType]) -> (Vec<usize>, Vec<usize>) {
    let mut words = Vec::new();
    let mut bytes = Vec::new();
    if let Some(last) = a.len().checked_sub(1) {
        bytes.push(last);
    }
    for (j, ty) in types.iter().enumerate() {
        words.push(32 * j);
        bytes.extend([32 * j, 32 * j + 31]);
        if ty.is_dynamic() {
            let offset = word_at(a, 32 * j).map_or(0, |o| o.saturating_to::<usize>());
            words.push(offset);
            let len = word_at(a, offset).map_or(0, |l| l.saturating_to::<usize>());
            if !len.is_multiple_of(32) {
                bytes.push(offset + 32 + len);
            }
        }
    }
    (words, bytes)
}

/// Up to two executions with up to [`DATA_MAX`] bytes of calldata each.
fn any_executions<S: Source>(
    src: &mut S,
    buffers: &mut [[u8; DATA_MAX]; 2],
    targets: &mut [Address; 2],
    values: &mut [U256; 2],
    lens: &mut [usize; 2],
) -> usize {
    let n = 1 + src.choose("executions.len-1", 2);
    for i in 0..n {
        targets[i] = src.address_in("execution.target", &[GAME, Address::ZERO]);
        values[i] = src.u256_in("execution.value", &[U256::ZERO, U256::MAX]);
        lens[i] = src.choose_in("execution.data.len", DATA_MAX + 1, &[0, 1, 4, 32, 33]);
        buffers[i] = src.bytes_in("execution.data", &[[0xab; DATA_MAX]]);
    }
    n
}

/// decode(cd) = Ok(x) ⇒ encode(x) = cd: the strict decoder accepts only canonical callData.
pub(crate) fn execute_decode_encode<S: Source>(src: &mut S, decode: DecodeExecuteFn) -> CaseResult {
    let cd: Vec<u8> = if src.symbolic() {
        let raw: [u8; EXECUTE_CD_MAX] = src.bytes_in("cd", &[]);
        let len = src.choose("cd.len", EXECUTE_CD_MAX + 1);
        raw[..len].to_vec()
    } else {
        let mut buffers = [[0u8; DATA_MAX]; 2];
        let (mut targets, mut values, mut lens) = ([Address::ZERO; 2], [U256::ZERO; 2], [0; 2]);
        let n = any_executions(src, &mut buffers, &mut targets, &mut values, &mut lens);
        let executions: Vec<Execution<'_>> = (0..n)
            .map(|i| Execution {
                target: targets[i],
                value: values[i],
                data: &buffers[i][..lens[i]],
            })
            .collect();
        let mut cd = if n == 1 && src.bool("single?") {
            encode_single(&executions[0])
        } else {
            encode_batch(&executions)
        };
        let (words, bytes) = execute_positions(&cd);
        mutate(src, &mut cd, &words, &bytes);
        cd
    };
    let decoded = decode(&cd);
    cover!(src, decoded.as_ref().is_ok_and(|x| x.len() == 2), "P8: a batch of two is accepted");
    cover!(src, decoded.is_ok() && cd[4] == CALLTYPE_SINGLE, "P8: a single execution is accepted");
    let Ok(executions) = decoded else {
        return Ok(Outcome::Denied);
    };
    let encoded = if cd[4] == CALLTYPE_SINGLE && executions.len() == 1 {
        encode_single(&executions[0])
    } else {
        encode_batch(&executions)
    };
    ensure!(
        same_bytes(&encoded, &cd),
        "P8: accepted callData is the canonical encoding of what it decodes to (§3)"
    );
    Ok(Outcome::Allowed)
}

/// decode(encode(x)) = Ok(x) for any single or batch of up to two executions with up to
/// [`DATA_MAX`] bytes of calldata each.
pub(crate) fn execute_encode_decode<S: Source>(src: &mut S, decode: DecodeExecuteFn) -> CaseResult {
    let mut buffers = [[0u8; DATA_MAX]; 2];
    let (mut targets, mut values, mut lens) = ([Address::ZERO; 2], [U256::ZERO; 2], [0; 2]);
    let n = any_executions(src, &mut buffers, &mut targets, &mut values, &mut lens);
    let mut executions = [Execution::default(); 2];
    for (i, x) in executions.iter_mut().enumerate().take(n) {
        *x = Execution { target: targets[i], value: values[i], data: &buffers[i][..lens[i]] };
    }
    let executions = &executions[..n];
    let single = n == 1 && src.bool("single?");
    let cd = if single {
        encode_execute(mode(CALLTYPE_SINGLE, 0), &encode_single_calldata(&executions[0]))
    } else {
        encode_execute(mode(CALLTYPE_BATCH, 0), &encode_batch_calldata(executions))
    };
    let decoded = decode(&cd);
    cover!(
        src,
        single && !lens[0].is_multiple_of(32) && decoded.is_ok(),
        "P8: an unpadded single round-trips"
    );
    ensure!(
        decoded.is_ok_and(|d| d.as_slice() == executions),
        "P8: the canonical encoding of executions decodes back to them (§3.5, §3.6)"
    );
    Ok(Outcome::Allowed)
}

/// The argument types the codec harnesses draw from: every static kind at its extremes, and both
/// dynamic types.
const TYPES: [AbiType; 8] = [
    AbiType::Uint(256),
    AbiType::Uint(8),
    AbiType::Address,
    AbiType::Bool,
    AbiType::FixedBytes(1),
    AbiType::FixedBytes(32),
    AbiType::Bytes,
    AbiType::String,
];

fn any_types<S: Source>(src: &mut S, types: &mut [AbiType; 2]) -> usize {
    let k = 1 + src.choose("args.len-1", 2);
    for (j, ty) in types.iter_mut().enumerate().take(k) {
        let hint: &[usize] = if j == 0 { &[0, 1, 2, 3, 4, 5, 6] } else { &[2, 7] };
        *ty = TYPES[src.choose_in("args.type", TYPES.len(), hint)];
    }
    k
}

/// Whether the static word `w` is a clean value of `ty` (spec §6.1.2), stated independently of
/// the model's check: the bytes a value of the type cannot use are zero.
fn clean(ty: AbiType, w: &[u8; 32]) -> bool {
    let (zero_from, zero_to) = match ty {
        AbiType::Address => (0, 12),
        AbiType::Bool => (0, 31),
        AbiType::Uint(bits) => (0, 32 - usize::from(bits >> 3).min(32)),
        AbiType::FixedBytes(n) => (usize::from(n).min(32), 32),
        AbiType::Bytes | AbiType::String => (0, 0),
    };
    let mut ok = ty != AbiType::Bool || w[31] <= 1;
    for (i, b) in w.iter().enumerate() {
        ok &= !(zero_from <= i && i < zero_to) || *b == 0;
    }
    ok
}

/// Hints for a static word of `ty`: its extremes, clean.
fn word_hint(ty: AbiType) -> [U256; 2] {
    match ty {
        AbiType::Uint(8) => [U256::ZERO, U256::from(255)],
        AbiType::Address => [U256::from(1), (U256::from(1) << 160) - U256::from(1)],
        AbiType::Bool => [U256::ZERO, U256::from(1)],
        AbiType::FixedBytes(1) => [U256::ZERO, U256::from(0xab) << 248],
        _ => [U256::ZERO, U256::MAX],
    }
}

/// decode(a) = Ok(v) ⇒ encode(v) = a: the strict argument decoder accepts only canonical
/// encodings.
pub(crate) fn args_decode_encode<S: Source>(src: &mut S, decode: DecodeArgsFn) -> CaseResult {
    let mut types = [AbiType::Address; 2];
    let k = any_types(src, &mut types);
    let types = &types[..k];
    let a: Vec<u8> = if src.symbolic() {
        let raw: [u8; ARGS_MAX] = src.bytes_in("args", &[]);
        let len = src.choose("args.bytes.len", ARGS_MAX + 1);
        raw[..len].to_vec()
    } else {
        let mut contents = [[0u8; DATA_MAX]; 2];
        let mut values = [ArgValue::Word(U256::ZERO); 2];
        let mut lens = [0usize; 2];
        for (j, ty) in types.iter().enumerate() {
            if ty.is_dynamic() {
                lens[j] = src.choose_in("arg.content.len", DATA_MAX + 1, &[0, 1, 32, 33]);
                contents[j] = src.bytes_in("arg.content", &[[0xab; DATA_MAX]]);
            } else {
                values[j] = ArgValue::Word(src.u256_in("arg.word", &word_hint(*ty)));
            }
        }
        for (j, ty) in types.iter().enumerate() {
            if ty.is_dynamic() {
                values[j] = ArgValue::Dynamic(&contents[j][..lens[j]]);
            }
        }
        let mut a = encode_args(&values[..k]);
        let (words, bytes) = args_positions(&a, types);
        mutate(src, &mut a, &words, &bytes);
        a
    };
    let decoded = decode(&a, types);
    cover!(
        src,
        decoded.is_ok() && types.iter().any(|t| t.is_dynamic()),
        "P8: dynamic arguments are accepted"
    );
    let Ok(values) = decoded else {
        return Ok(Outcome::Denied);
    };
    ensure!(
        same_bytes(&encode_args(&values), &a),
        "P8: accepted arguments are the canonical encoding of what they decode to (§6.1)"
    );
    Ok(Outcome::Allowed)
}

/// decode(encode(v)) = Ok(v) for clean values of one or two types.
pub(crate) fn args_encode_decode<S: Source>(src: &mut S, decode: DecodeArgsFn) -> CaseResult {
    let mut types = [AbiType::Address; 2];
    let k = any_types(src, &mut types);
    let types = &types[..k];
    let mut contents = [[0u8; DATA_MAX]; 2];
    let mut words = [U256::ZERO; 2];
    let mut lens = [0usize; 2];
    for (j, ty) in types.iter().enumerate() {
        if ty.is_dynamic() {
            lens[j] = src.choose_in("arg.content.len", DATA_MAX + 1, &[0, 1, 32, 33]);
            contents[j] = src.bytes_in("arg.content", &[[0xab; DATA_MAX]]);
        } else {
            words[j] = src.u256_in("arg.word", &word_hint(*ty));
            // Only clean values are values of the type: a dirty word encodes no value (§6.1.2).
            assume!(src, clean(*ty, &words[j].to_be_bytes::<32>()));
        }
    }
    let mut values = [ArgValue::Word(U256::ZERO); 2];
    for (j, ty) in types.iter().enumerate() {
        values[j] = if ty.is_dynamic() {
            ArgValue::Dynamic(&contents[j][..lens[j]])
        } else {
            ArgValue::Word(words[j])
        };
    }
    let values = &values[..k];
    let a = encode_args(values);
    let decoded = decode(&a, types);
    cover!(
        src,
        types.contains(&AbiType::Uint(8)) && words.contains(&U256::from(255)),
        "P8: uint8 255 round-trips"
    );
    ensure!(
        decoded.is_ok_and(|d| d.as_slice() == values),
        "P8: the canonical encoding of clean values decodes back to them (§6.1)"
    );
    Ok(Outcome::Allowed)
}
