//! ABI decoding and encoding, pure and allocation-light.
//!
//! * [`execute`]: the strict decoder of `userOp.callData` (spec §3) and the canonical encoders
//!   that produce exactly what it accepts.
//! * [`args`]: argument decoding (spec §6.1), strict as the module does it, or lenient as a
//!   Solidity callee does it, and the canonical argument encoder.

pub mod args;
pub mod execute;

use alloy_primitives::U256;

/// `ceil32(n)`: the smallest multiple of 32 that is `>= n`.
///
/// Callers only pass lengths already bounded by a buffer length, so the addition cannot overflow.
pub(crate) const fn ceil32(n: usize) -> usize {
    (n + 31) & !31
}

/// The word at `bytes[at..at + 32]`. The caller has checked the bounds.
pub(crate) fn word(bytes: &[u8], at: usize) -> U256 {
    U256::from_be_slice(&bytes[at..at + 32])
}

/// The word at `bytes[at..at + 32]` as a `usize`, or `None` if it does not fit in 64 bits
/// (such a length or offset exceeds every buffer). The caller has checked the bounds.
pub(crate) fn word_len(bytes: &[u8], at: usize) -> Option<usize> {
    let w = &bytes[at..at + 32];
    if w[..24].iter().any(|b| *b != 0) {
        return None;
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&w[24..]);
    usize::try_from(u64::from_be_bytes(low)).ok()
}

/// Whether `word(bytes, at)` equals the small number `n`. The caller has checked the bounds.
pub(crate) fn word_is(bytes: &[u8], at: usize, n: usize) -> bool {
    word_len(bytes, at) == Some(n)
}

/// Whether every byte of `bytes` is zero.
pub(crate) fn all_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| *b == 0)
}

/// Appends `n` as a 32-byte big-endian word.
pub(crate) fn push_word(out: &mut Vec<u8>, n: U256) {
    out.extend_from_slice(&n.to_be_bytes::<32>());
}

/// Appends `bytes` followed by zero padding up to a multiple of 32.
pub(crate) fn push_padded(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(bytes);
    out.resize(out.len() + (ceil32(bytes.len()) - bytes.len()), 0);
}
