//! `execute(bytes32 mode, bytes executionCalldata)`: the strict decoder of spec §3 and the
//! canonical encoders.
//!
//! The decoder accepts exactly what the encoders produce (a proof harness checks both
//! directions), and denies everything else with the clause that fails first.

use alloy_primitives::{Address, U256};

use super::{all_zero, ceil32, push_padded, push_word, word, word_is, word_len};
use crate::bounds::MAX_BATCH;
use crate::profile::{CallTypes, DecoderClass, ModePayload, SemanticProfile};
use crate::verdict::{Denial, DenyReason, Execution, Executions};

/// The selector of `execute(bytes32,bytes)` (ERC-7579 and ERC-7821).
pub const EXECUTE_SELECTOR: [u8; 4] = [0xe9, 0xae, 0x5c, 0x53];

/// ERC-7579 call type `single`.
pub const CALLTYPE_SINGLE: u8 = 0x00;
/// ERC-7579 call type `batch`.
pub const CALLTYPE_BATCH: u8 = 0x01;
/// ERC-7579 call type `static` (denied by spec §3.3.1).
pub const CALLTYPE_STATIC: u8 = 0xfe;
/// ERC-7579 call type `delegatecall` (denied by spec §3.3.1).
pub const CALLTYPE_DELEGATECALL: u8 = 0xff;
/// ERC-7579 exec type `try` (denied by spec §3.3.2).
pub const EXECTYPE_TRY: u8 = 0x01;

/// The length of `callData` before `executionCalldata`: selector, mode, offset and length.
const HEAD: usize = 4 + 32 * 3;

/// Decodes `userOp.callData` strictly (spec §3).
pub fn decode_execute(cd: &[u8]) -> Result<Executions<'_>, Denial> {
    decode_strict(cd, Modes::SPEC)
}

/// What a decoder accepts of the mode word (spec §3.3, §P5).
#[derive(Clone, Copy, Debug)]
struct Modes {
    payload: ModePayload,
    call_types: CallTypes,
}

impl Modes {
    const SPEC: Self = Self { payload: ModePayload::Zero, call_types: CallTypes::SingleAndBatch };

    fn of(profile: &SemanticProfile) -> Self {
        Self { payload: profile.mode_payload, call_types: profile.call_types }
    }
}

/// Decodes `userOp.callData` the way `profile`'s module does (spec §P4, §P5).
pub fn decode_execute_as<'a>(
    cd: &'a [u8],
    profile: &SemanticProfile,
) -> Result<Executions<'a>, Denial> {
    let modes = Modes::of(profile);
    match profile.decoder {
        DecoderClass::Strict => decode_strict(cd, modes),
        DecoderClass::Bounded => decode_bounded(cd, modes),
        DecoderClass::Unbounded => decode_unbounded(cd, modes),
    }
}

/// Decodes `userOp.callData` as [`decode_execute_as`] does, without the model's bound of
/// `MAX_BATCH` executions: what a bounded or unbounded module reads from a larger batch. For a
/// harness that checks such an op in chunks (`Session::check_many`); the model itself never
/// holds more than `MAX_BATCH` executions.
pub fn decode_execute_unlimited<'a>(
    cd: &'a [u8],
    profile: &SemanticProfile,
) -> Result<Vec<Execution<'a>>, Denial> {
    let modes = Modes::of(profile);
    match profile.decoder {
        DecoderClass::Strict => decode_strict(cd, modes).map(|e| e.to_vec()),
        DecoderClass::Bounded => decode_bounded(cd, modes),
        DecoderClass::Unbounded => decode_unbounded(cd, modes),
    }
}

/// Where a lenient decoder puts the executions it reads: the model's bounded list, or an
/// unbounded one.
trait Sink<'a>: Default {
    /// The most executions it holds.
    const MAX: usize;
    /// Adds one (the caller has checked `MAX`).
    fn put(&mut self, execution: Execution<'a>);
    /// A single execution.
    fn one(execution: Execution<'a>) -> Self {
        let mut sink = Self::default();
        sink.put(execution);
        sink
    }
}

impl<'a> Sink<'a> for Executions<'a> {
    const MAX: usize = MAX_BATCH;
    fn put(&mut self, execution: Execution<'a>) {
        self.push(execution).expect("at most MAX_BATCH, checked by the decoder");
    }
}

impl<'a> Sink<'a> for Vec<Execution<'a>> {
    const MAX: usize = usize::MAX;
    fn put(&mut self, execution: Execution<'a>) {
        self.push(execution);
    }
}

/// A batch item index as a denial carries it (saturating past the bounded batches the model
/// holds).
fn item(i: usize) -> u8 {
    u8::try_from(i).unwrap_or(u8::MAX)
}

/// spec §3.1 and §3.3 (and §P5): the selector and the mode; returns the call type.
/// `head` is the length the decoder needs before it reads the mode (spec §3.2).
fn selector_and_mode(cd: &[u8], head: usize, modes: Modes) -> Result<u8, Denial> {
    let deny = |reason| Err(Denial::op(reason));
    // spec §3.1
    if cd.len() < 4 || cd[..4] != EXECUTE_SELECTOR {
        return deny(DenyReason::NotExecute);
    }
    // spec §3.2
    if cd.len() < head {
        return deny(DenyReason::HeadTruncated);
    }
    let mode = &cd[4..36];
    // spec §3.3.1, §P5
    let call_type = mode[0];
    let batch_ok = modes.call_types == CallTypes::SingleAndBatch;
    if call_type != CALLTYPE_SINGLE && !(call_type == CALLTYPE_BATCH && batch_ok) {
        return deny(DenyReason::CallType);
    }
    // spec §3.3.2
    if mode[1] != 0 {
        return deny(DenyReason::ExecType);
    }
    // spec §3.3.3, §P5
    if modes.payload == ModePayload::Zero && !all_zero(&mode[2..]) {
        return deny(DenyReason::ModePayload);
    }
    Ok(call_type)
}

/// spec §3, with the mode payload checked or not (§P5).
fn decode_strict(cd: &[u8], modes: Modes) -> Result<Executions<'_>, Denial> {
    let deny = |reason| Err(Denial::op(reason));
    let call_type = selector_and_mode(cd, HEAD, modes)?;
    // spec §3.4.1
    if !word_is(cd, 36, 0x40) {
        return deny(DenyReason::OuterOffset);
    }
    // spec §3.4.2
    let len = match word_len(cd, 68) {
        Some(len) if len <= cd.len() - HEAD => len,
        _ => return deny(DenyReason::OuterTruncated),
    };
    // spec §3.4.3
    if cd.len() != HEAD + ceil32(len) {
        return deny(DenyReason::OuterLength);
    }
    // spec §3.4.4
    if !all_zero(&cd[HEAD + len..]) {
        return deny(DenyReason::OuterPadding);
    }
    let execution_calldata = &cd[HEAD..HEAD + len];
    if call_type == CALLTYPE_SINGLE {
        decode_single(execution_calldata)
    } else {
        decode_batch(execution_calldata)
    }
}

/// spec §3.5: `target(20) | value(32) | callData`.
fn decode_single(e: &[u8]) -> Result<Executions<'_>, Denial> {
    if e.len() < 52 {
        return Err(Denial::op(DenyReason::SingleTooShort));
    }
    let execution = Execution {
        target: Address::from_slice(&e[..20]),
        value: U256::from_be_slice(&e[20..52]),
        data: &e[52..],
    };
    let mut executions = Executions::new();
    executions.push(execution).expect("MAX_BATCH >= 1");
    Ok(executions)
}

/// spec §3.6: the canonical `abi.encode(Execution[])`.
fn decode_batch(e: &[u8]) -> Result<Executions<'_>, Denial> {
    let deny = |reason| Err(Denial::op(reason));
    let len = e.len();
    // spec §3.6.1
    if len < 64 {
        return deny(DenyReason::BatchTruncated);
    }
    // spec §3.6.2
    if !word_is(e, 0, 0x20) {
        return deny(DenyReason::ArrayOffset);
    }
    // spec §3.6.3, §3.6.4
    let n = match word_len(e, 32) {
        Some(0) => return deny(DenyReason::EmptyBatch),
        Some(n) if n <= MAX_BATCH => n,
        _ => return deny(DenyReason::BatchTooLarge),
    };
    // spec §3.6.5
    if 64 + 32 * n > len {
        return deny(DenyReason::OffsetsTruncated);
    }
    let mut executions = Executions::new();
    let mut cursor = 32 * n;
    for i in 0..n {
        // `i < n <= MAX_BATCH <= u8::MAX`.
        let deny_item = |reason| Err(Denial::at(reason, i as u8));
        // spec §3.6.6
        if !word_is(e, 64 + 32 * i, cursor) {
            return deny_item(DenyReason::ItemOffset);
        }
        let base = 64 + cursor;
        // spec §3.6.7
        if base + 128 > len {
            return deny_item(DenyReason::ItemTruncated);
        }
        // spec §3.6.8
        if !all_zero(&e[base..base + 12]) {
            return deny_item(DenyReason::DirtyTarget);
        }
        // spec §3.6.9
        if !word_is(e, base + 64, 0x60) {
            return deny_item(DenyReason::DataOffset);
        }
        // spec §3.6.10
        let data_start = base + 128;
        let data_len = match word_len(e, base + 96) {
            Some(l) if l <= len - data_start && data_start + ceil32(l) <= len => l,
            _ => return deny_item(DenyReason::DataTruncated),
        };
        // spec §3.6.11
        if !all_zero(&e[data_start + data_len..data_start + ceil32(data_len)]) {
            return deny_item(DenyReason::DataPadding);
        }
        let execution = Execution {
            target: Address::from_slice(&e[base + 12..base + 32]),
            value: word(e, base + 32),
            data: &e[data_start..data_start + data_len],
        };
        executions.push(execution).expect("n <= MAX_BATCH");
        cursor += 128 + ceil32(data_len);
    }
    // spec §3.6.12
    if 64 + cursor != len {
        return deny(DenyReason::BatchLength);
    }
    Ok(executions)
}

/// `2^64`: offsets and lengths at or above it are rejected by every bounded decoder.
const TWO_64: u128 = 1 << 64;

/// `word(b, at)` as a number below `2^64`, if it is one. The caller has checked the bounds.
fn small(b: &[u8], at: usize) -> Option<u128> {
    word_len(b, at).map(|n| n as u128).filter(|n| *n < TWO_64)
}

/// The Solady `LibERC7579` decoder of a bounded module (spec §P4 `Bounded`), as SmartSessions
/// runs it since December 2024: `executionCalldata` is wherever the offset at byte 36 points,
/// as long as offset and length are below `2^64` and it lies inside `callData`.
fn decode_bounded<'a, S: Sink<'a>>(cd: &'a [u8], modes: Modes) -> Result<S, Denial> {
    let deny = |reason| Err(Denial::op(reason));
    // The offset word must be inside `callData` (SmartSessions: `len >= 68`).
    let call_type = selector_and_mode(cd, 68, modes)?;
    let len = cd.len() as u128;
    let Some(offset) = small(cd, 36) else {
        return deny(DenyReason::OuterOffset);
    };
    // The content starts after the length word, which sits at `4 + offset`.
    let start = 36 + offset;
    if start > len {
        return deny(DenyReason::OuterTruncated);
    }
    let l = match small(cd, (start - 32) as usize) {
        Some(l) if start + l <= len => l,
        _ => return deny(DenyReason::OuterTruncated),
    };
    let e = &cd[start as usize..(start + l) as usize];
    if call_type == CALLTYPE_SINGLE {
        decode_single(e).map(|one| S::one(one[0]))
    } else {
        decode_batch_bounded(e)
    }
}

/// Solady's `decodeBatch` and `getExecution` over `e`, plus the validation Solidity applies to
/// a calldata `Execution`'s target (a dirty target word reverts).
fn decode_batch_bounded<'a, S: Sink<'a>>(e: &'a [u8]) -> Result<S, Denial> {
    let deny = |reason| Err(Denial::op(reason));
    let len = e.len() as u128;
    if len < 32 {
        return deny(DenyReason::BatchTruncated);
    }
    // The array: its offset below 2^64, its length word and its offsets inside `e`.
    let Some(s) = small(e, 0).filter(|s| s + 32 <= len) else {
        return deny(DenyReason::ArrayOffset);
    };
    let n = match word_len(e, s as usize).map(|n| n as u128) {
        Some(n) if s + 32 + 32 * n <= len => n as usize,
        _ => return deny(DenyReason::OffsetsTruncated),
    };
    if n == 0 {
        return deny(DenyReason::EmptyBatch);
    }
    if n > S::MAX {
        return deny(DenyReason::BatchTooLarge);
    }
    let pointers = s + 32;
    let mut executions = S::default();
    for i in 0..n {
        let deny_item = |reason| Err(Denial::at(reason, item(i)));
        let Some(p) = small(e, (pointers + 32 * i as u128) as usize) else {
            return deny_item(DenyReason::ItemOffset);
        };
        let c = pointers + p;
        if c + 96 > len {
            return deny_item(DenyReason::ItemTruncated);
        }
        let Some(q) = small(e, (c + 64) as usize) else {
            return deny_item(DenyReason::DataOffset);
        };
        let o = c + q;
        let data_len = match (o + 32 <= len).then(|| small(e, o as usize)).flatten() {
            Some(l) if o + 32 + l <= len => l,
            _ => return deny_item(DenyReason::DataTruncated),
        };
        let c = c as usize;
        if !all_zero(&e[c..c + 12]) {
            return deny_item(DenyReason::DirtyTarget);
        }
        let data = (o + 32) as usize;
        let execution = Execution {
            target: Address::from_slice(&e[c + 12..c + 32]),
            value: word(e, c + 32),
            data: &e[data..data + data_len as usize],
        };
        executions.put(execution);
    }
    Ok(executions)
}

/// `cd[at..at + 32]` for a position computed with wrapping 256-bit arithmetic, if it lies
/// inside `cd` (an unbounded decoder may read anywhere; the model sees only `callData`).
fn word_in(cd: &[u8], at: U256) -> Option<U256> {
    let at = usize::try_from(at).ok()?;
    (at.checked_add(32)? <= cd.len()).then(|| word(cd, at))
}

/// `cd[at..at + len]` for wrapping positions, if it lies inside `cd`.
fn slice_in(cd: &[u8], at: U256, len: U256) -> Option<&[u8]> {
    let at = usize::try_from(at).ok()?;
    let len = usize::try_from(len).ok()?;
    cd.get(at..at.checked_add(len)?)
}

/// The unbounded decoder (spec §P4 `Unbounded`), as SmartSessions ran it until December 2024:
/// no bounds checks, wrapping arithmetic, positions relative to `callData`. Every read the
/// module would make outside `callData` is one the model cannot see: it denies with the
/// structure being read.
fn decode_unbounded<'a, S: Sink<'a>>(cd: &'a [u8], modes: Modes) -> Result<S, Denial> {
    let deny = |reason| Err(Denial::op(reason));
    // The mode is read as the slice `callData[4:36]`, which Solidity bounds.
    let call_type = selector_and_mode(cd, 36, modes)?;
    let Some(offset) = word_in(cd, U256::from(36)) else {
        return deny(DenyReason::HeadTruncated);
    };
    let start = U256::from(36).wrapping_add(offset);
    if call_type == CALLTYPE_SINGLE {
        // `executionCalldata[0:20]`, `[20:52]` and `[52:]`: Solidity bounds the slices by the
        // length word, not by `callData`.
        let Some(l) = word_in(cd, start.wrapping_sub(U256::from(32))) else {
            return deny(DenyReason::OuterTruncated);
        };
        if l < U256::from(52) {
            return deny(DenyReason::SingleTooShort);
        }
        let Some(e) = slice_in(cd, start, l) else {
            return deny(DenyReason::OuterTruncated);
        };
        return decode_single(e).map(|one| S::one(one[0]));
    }
    // The batch: the array offset is read at the content's start; its length word is ignored.
    let Some(array) = word_in(cd, start) else {
        return deny(DenyReason::BatchTruncated);
    };
    let array = start.wrapping_add(array);
    let Some(n) = word_in(cd, array) else {
        return deny(DenyReason::ArrayOffset);
    };
    if n.is_zero() {
        return deny(DenyReason::EmptyBatch);
    }
    // Every item needs an offset word inside `callData`: a larger count reads past it.
    if n > U256::from(S::MAX.min(cd.len())) {
        return deny(DenyReason::BatchTooLarge);
    }
    let n = n.to::<usize>();
    let pointers = array.wrapping_add(U256::from(32));
    let mut executions = S::default();
    for i in 0..n {
        let deny_item = |reason| Err(Denial::at(reason, item(i)));
        let Some(p) = word_in(cd, pointers.wrapping_add(U256::from(32 * i))) else {
            return deny_item(DenyReason::OffsetsTruncated);
        };
        let c = pointers.wrapping_add(p);
        let (Some(target), Some(value), Some(q)) = (
            word_in(cd, c),
            word_in(cd, c.wrapping_add(U256::from(32))),
            word_in(cd, c.wrapping_add(U256::from(64))),
        ) else {
            return deny_item(DenyReason::ItemTruncated);
        };
        let tail = c.wrapping_add(q);
        let Some(data_len) = word_in(cd, tail) else {
            return deny_item(DenyReason::DataTruncated);
        };
        let Some(data) = slice_in(cd, tail.wrapping_add(U256::from(32)), data_len) else {
            return deny_item(DenyReason::DataTruncated);
        };
        // Solidity validates an address read from a calldata struct.
        if target >> 160 != U256::ZERO {
            return deny_item(DenyReason::DirtyTarget);
        }
        let target = Address::from_word(target.to_be_bytes::<32>().into());
        executions.put(Execution { target, value, data });
    }
    Ok(executions)
}

/// An ERC-7579 mode word with the given call type and exec type and zero payload.
pub fn mode(call_type: u8, exec_type: u8) -> [u8; 32] {
    let mut mode = [0u8; 32];
    mode[0] = call_type;
    mode[1] = exec_type;
    mode
}

/// `abi.encodeCall(execute, (mode, executionCalldata))`, canonical.
pub fn encode_execute(mode: [u8; 32], execution_calldata: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEAD + ceil32(execution_calldata.len()));
    out.extend_from_slice(&EXECUTE_SELECTOR);
    out.extend_from_slice(&mode);
    push_word(&mut out, U256::from(0x40));
    push_word(&mut out, U256::from(execution_calldata.len()));
    push_padded(&mut out, execution_calldata);
    out
}

/// The packed single execution `target | value | callData` (ERC-7579 `encodeSingle`).
pub fn encode_single_calldata(execution: &Execution<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(52 + execution.data.len());
    out.extend_from_slice(execution.target.as_slice());
    out.extend_from_slice(&execution.value.to_be_bytes::<32>());
    out.extend_from_slice(execution.data);
    out
}

/// The canonical `abi.encode(Execution[])` (ERC-7579 `encodeBatch`).
pub fn encode_batch_calldata(executions: &[Execution<'_>]) -> Vec<u8> {
    let n = executions.len();
    let mut out = Vec::new();
    push_word(&mut out, U256::from(0x20));
    push_word(&mut out, U256::from(n));
    let mut cursor = 32 * n;
    for execution in executions {
        push_word(&mut out, U256::from(cursor));
        cursor += 128 + ceil32(execution.data.len());
    }
    for execution in executions {
        let mut target = [0u8; 32];
        target[12..].copy_from_slice(execution.target.as_slice());
        out.extend_from_slice(&target);
        push_word(&mut out, execution.value);
        push_word(&mut out, U256::from(0x60));
        push_word(&mut out, U256::from(execution.data.len()));
        push_padded(&mut out, execution.data);
    }
    out
}

/// The canonical `callData` of a single-execution op.
pub fn encode_single(execution: &Execution<'_>) -> Vec<u8> {
    encode_execute(mode(CALLTYPE_SINGLE, 0), &encode_single_calldata(execution))
}

/// The canonical `callData` of a batch op.
pub fn encode_batch(executions: &[Execution<'_>]) -> Vec<u8> {
    encode_execute(mode(CALLTYPE_BATCH, 0), &encode_batch_calldata(executions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    const TOKEN: Address = address!("0x1000000000000000000000000000000000000001");
    const GAME: Address = address!("0x2000000000000000000000000000000000000002");

    fn reason(cd: &[u8]) -> DenyReason {
        decode_execute(cd).unwrap_err().reason
    }

    fn set_word(cd: &mut [u8], at: usize, n: u64) {
        cd[at..at + 32].copy_from_slice(&U256::from(n).to_be_bytes::<32>());
    }

    fn sample_batch() -> Vec<u8> {
        encode_batch(&[
            Execution { target: TOKEN, value: U256::ZERO, data: &[0xa9, 0x05, 0x9c, 0xbb, 1] },
            Execution { target: GAME, value: U256::from(7), data: &[] },
        ])
    }

    // spec §3.5
    #[test]
    fn single_round_trips() {
        let data = [0xde, 0xad, 0xbe, 0xef, 0x01];
        let execution = Execution { target: TOKEN, value: U256::from(5), data: &data };
        let cd = encode_single(&execution);
        assert_eq!(decode_execute(&cd).unwrap().as_slice(), &[execution]);
    }

    // spec §3.6
    #[test]
    fn batch_round_trips() {
        let cd = sample_batch();
        let executions = decode_execute(&cd).unwrap();
        assert_eq!(executions.len(), 2);
        assert_eq!(executions[1].value, U256::from(7));
        assert_eq!(encode_batch(&executions), cd);
    }

    // spec §3.1
    #[test]
    fn other_selectors_and_short_calldata_are_not_execute() {
        assert_eq!(reason(&[]), DenyReason::NotExecute);
        assert_eq!(reason(&EXECUTE_SELECTOR[..3]), DenyReason::NotExecute);
        let mut cd = sample_batch();
        cd[..4].copy_from_slice(&[0x8d, 0xd7, 0x71, 0x2f]); // executeUserOp
        assert_eq!(reason(&cd), DenyReason::NotExecute);
    }

    // spec §3.2
    #[test]
    fn head_must_be_complete() {
        let cd = sample_batch();
        assert_eq!(reason(&cd[..99]), DenyReason::HeadTruncated);
        assert_eq!(reason(&EXECUTE_SELECTOR), DenyReason::HeadTruncated);
    }

    // spec §3.3
    #[test]
    fn only_default_single_and_batch_modes_pass() {
        for (byte, value, expected) in [
            (4, CALLTYPE_DELEGATECALL, DenyReason::CallType),
            (4, CALLTYPE_STATIC, DenyReason::CallType),
            (4, 0x02, DenyReason::CallType),
            (5, EXECTYPE_TRY, DenyReason::ExecType),
            (6, 0x01, DenyReason::ModePayload),
            (35, 0x01, DenyReason::ModePayload),
        ] {
            let mut cd = sample_batch();
            cd[byte] = value;
            assert_eq!(reason(&cd), expected, "mode byte {} = {value:#x}", byte - 4);
        }
    }

    // spec §3.4
    #[test]
    fn outer_buffer_must_be_canonical() {
        let mut cd = sample_batch();
        set_word(&mut cd, 36, 0x60);
        assert_eq!(reason(&cd), DenyReason::OuterOffset);

        let mut cd = sample_batch();
        let total = cd.len() as u64;
        set_word(&mut cd, 68, total - 99);
        assert_eq!(reason(&cd), DenyReason::OuterTruncated);
        let mut cd = sample_batch();
        cd[68] = 1; // length >= 2^248
        assert_eq!(reason(&cd), DenyReason::OuterTruncated);

        let mut cd = sample_batch();
        cd.extend_from_slice(&[0; 32]);
        assert_eq!(reason(&cd), DenyReason::OuterLength);

        let data = [1u8; 3];
        let execution = Execution { target: TOKEN, value: U256::ZERO, data: &data };
        let mut cd = encode_single(&execution);
        *cd.last_mut().unwrap() = 1;
        assert_eq!(reason(&cd), DenyReason::OuterPadding);
    }

    // spec §3.5
    #[test]
    fn single_needs_target_and_value() {
        let cd = encode_execute(mode(CALLTYPE_SINGLE, 0), &[0u8; 51]);
        assert_eq!(reason(&cd), DenyReason::SingleTooShort);
        let cd = encode_execute(mode(CALLTYPE_SINGLE, 0), &[0u8; 52]);
        let executions = decode_execute(&cd).unwrap();
        assert_eq!(executions[0].data, &[] as &[u8]);
    }

    // spec §3.6.1 to §3.6.5
    #[test]
    fn batch_head_rules() {
        let batch = |e: &[u8]| encode_execute(mode(CALLTYPE_BATCH, 0), e);
        assert_eq!(reason(&batch(&[0; 63])), DenyReason::BatchTruncated);
        let mut e = [0u8; 64];
        e[31] = 0x40;
        assert_eq!(reason(&batch(&e)), DenyReason::ArrayOffset);
        e[31] = 0x20;
        assert_eq!(reason(&batch(&e)), DenyReason::EmptyBatch);
        e[63] = (MAX_BATCH + 1) as u8;
        assert_eq!(reason(&batch(&e)), DenyReason::BatchTooLarge);
        e[32] = 1; // n >= 2^248
        assert_eq!(reason(&batch(&e)), DenyReason::BatchTooLarge);
        e[32] = 0;
        e[63] = 2;
        assert_eq!(reason(&batch(&e)), DenyReason::OffsetsTruncated);
    }

    // spec §3.6.6 to §3.6.12
    #[test]
    fn batch_item_rules_carry_the_item_index() {
        // Offsets of the sample: e starts at cd[100]; item 1's offset word is at e[96].
        let e_at = |i: usize| 100 + i;
        let item1_base = 64 + 64 + 128 + 32; // two offset words, item 0 with 5 data bytes
        let cases: [(usize, u8, DenyReason); 5] = [
            (e_at(96 + 31), 0xff, DenyReason::ItemOffset),
            (e_at(item1_base), 1, DenyReason::DirtyTarget),
            (e_at(item1_base + 64 + 31), 0x40, DenyReason::DataOffset),
            (e_at(item1_base + 96 + 24), 1, DenyReason::DataTruncated),
            (e_at(64 + 64 + 128 + 5), 1, DenyReason::DataPadding),
        ];
        for (at, value, expected) in cases {
            let mut cd = sample_batch();
            cd[at] = value;
            let denial = decode_execute(&cd).unwrap_err();
            assert_eq!(denial.reason, expected, "byte {at}");
            let item = if expected == DenyReason::DataPadding { 0 } else { 1 };
            assert_eq!(denial.execution, Some(item), "{expected}");
        }
    }

    // spec §3.6.7 and §3.6.12
    #[test]
    fn batch_items_must_fit_and_nothing_may_follow_them() {
        // n = 1 whose item head is cut short: offsets fit, the item does not.
        let mut e = vec![0u8; 96 + 64];
        e[31] = 0x20;
        e[63] = 1;
        e[95] = 0x20;
        let cd = encode_execute(mode(CALLTYPE_BATCH, 0), &e);
        assert_eq!(decode_execute(&cd).unwrap_err(), Denial::at(DenyReason::ItemTruncated, 0));

        let execution = Execution { target: TOKEN, value: U256::ZERO, data: &[] };
        let mut e = encode_batch_calldata(&[execution]);
        e.extend_from_slice(&[0; 32]);
        let cd = encode_execute(mode(CALLTYPE_BATCH, 0), &e);
        assert_eq!(reason(&cd), DenyReason::BatchLength);
    }
}
