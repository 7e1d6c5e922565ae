//! Function arguments: decoding (spec §6.1) and the canonical encoder.
//!
//! Two decoders read the same bytes:
//!
//! * [`ArgDecoding::Strict`] is spec §6.1: only the canonical encoding passes.
//! * [`ArgDecoding::Solidity`] is what a contract compiled with Solidity >= 0.8 (ABI coder v2)
//!   accepts for `abi.decode(data[4:], (types...))` or an external function's parameters: it
//!   follows head offsets wherever they point inside the calldata, ignores padding and trailing
//!   bytes, and reverts only on dirty static words or tails that leave the calldata. The
//!   differential oracle uses it to see an executed call the way its callee sees it.

use alloy_primitives::U256;

use super::{all_zero, ceil32, push_padded, push_word, word, word_len};
use crate::bounded::BoundedVec;
use crate::bounds::MAX_ARGS;
use crate::policy::AbiType;
use crate::verdict::DenyReason;

/// Which decoder reads arguments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ArgDecoding {
    /// Spec §6.1: canonical encodings only.
    #[default]
    Strict,
    /// A Solidity >= 0.8 callee's decoder (lenient about layout, strict about static words).
    Solidity,
}

/// A decoded argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgValue<'a> {
    /// A static argument's word.
    Word(U256),
    /// A dynamic argument's content.
    Dynamic(&'a [u8]),
}

impl Default for ArgValue<'_> {
    fn default() -> Self {
        Self::Word(U256::ZERO)
    }
}

impl<'a> ArgValue<'a> {
    /// The word of a static argument.
    pub fn as_word(&self) -> Option<U256> {
        match self {
            Self::Word(w) => Some(*w),
            Self::Dynamic(_) => None,
        }
    }

    /// The content of a dynamic argument.
    pub fn as_dynamic(&self) -> Option<&'a [u8]> {
        match self {
            Self::Word(_) => None,
            Self::Dynamic(content) => Some(content),
        }
    }
}

/// Decoded arguments, in declaration order.
pub type DecodedArgs<'a> = BoundedVec<ArgValue<'a>, MAX_ARGS>;

/// Why arguments did not decode: the spec §6.1 reason and the argument it concerns, if one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgError {
    /// The §6.1 reason.
    pub reason: DenyReason,
    /// The argument index, for §6.1.2 to §6.1.5.
    pub arg: Option<u8>,
}

impl ArgError {
    fn whole(reason: DenyReason) -> Self {
        Self { reason, arg: None }
    }

    fn at(reason: DenyReason, arg: usize) -> Self {
        // `arg < types.len() <= MAX_ARGS <= u8::MAX`.
        Self { reason, arg: Some(arg as u8) }
    }
}

/// Whether the static word `w` is clean for `ty` (spec §6.1.2).
pub fn is_clean(ty: AbiType, w: &[u8; 32]) -> bool {
    match ty {
        AbiType::Address => all_zero(&w[..12]),
        AbiType::Bool => all_zero(&w[..31]) && w[31] <= 1,
        AbiType::Uint(bits) => {
            // `bits` is a multiple of 8 in 8..=256 for supported types.
            let bytes = usize::from(bits / 8).min(32);
            all_zero(&w[..32 - bytes])
        }
        AbiType::FixedBytes(n) => all_zero(&w[usize::from(n).min(32)..]),
        AbiType::Bytes | AbiType::String => true,
    }
}

/// Static argument `j` of type `ty`: its head word, if it is clean (spec §6.1.2; Solidity's
/// decoder reverts on the same words). The caller has checked that the head is present.
fn static_word(a: &[u8], j: usize, ty: AbiType) -> Result<ArgValue<'_>, ArgError> {
    let head = 32 * j;
    let w: &[u8; 32] = a[head..head + 32].try_into().expect("32 bytes");
    if !is_clean(ty, w) {
        return Err(ArgError::at(DenyReason::ArgDirty, j));
    }
    Ok(ArgValue::Word(word(a, head)))
}

/// Decodes `a` (the calldata after the selector) as arguments of `types`.
///
/// `types.len()` must be at most `MAX_ARGS`, as in every valid policy.
pub fn decode_args<'a>(
    a: &'a [u8],
    types: &[AbiType],
    decoding: ArgDecoding,
) -> Result<DecodedArgs<'a>, ArgError> {
    match decoding {
        ArgDecoding::Strict => decode_strict(a, types),
        ArgDecoding::Solidity => decode_solidity(a, types),
    }
}

/// spec §6.1.
fn decode_strict<'a>(a: &'a [u8], types: &[AbiType]) -> Result<DecodedArgs<'a>, ArgError> {
    let k = types.len();
    // spec §6.1.1
    if a.len() < 32 * k {
        return Err(ArgError::whole(DenyReason::ArgsTruncated));
    }
    let mut values = DecodedArgs::new();
    let mut cursor = 32 * k;
    for (j, ty) in types.iter().enumerate() {
        let head = 32 * j;
        let value = if ty.is_dynamic() {
            // spec §6.1.3
            if word_len(a, head) != Some(cursor) {
                return Err(ArgError::at(DenyReason::ArgOffset, j));
            }
            // spec §6.1.4
            let start = cursor + 32;
            let len = match (start <= a.len()).then(|| word_len(a, cursor)).flatten() {
                Some(len) if len <= a.len() - start && start + ceil32(len) <= a.len() => len,
                _ => return Err(ArgError::at(DenyReason::ArgTailTruncated, j)),
            };
            // spec §6.1.5
            if !all_zero(&a[start + len..start + ceil32(len)]) {
                return Err(ArgError::at(DenyReason::ArgPadding, j));
            }
            cursor = start + ceil32(len);
            ArgValue::Dynamic(&a[start..start + len])
        } else {
            // spec §6.1.2
            static_word(a, j, *ty)?
        };
        values.push(value).expect("types.len() <= MAX_ARGS");
    }
    // spec §6.1.6
    if a.len() != cursor {
        return Err(ArgError::whole(DenyReason::ArgsLength));
    }
    Ok(values)
}

/// Solidity's ABI coder v2 decoder for calldata arguments: every condition under which it
/// reverts, and nothing more. The reasons reuse §6.1's names for the nearest failure.
fn decode_solidity<'a>(a: &'a [u8], types: &[AbiType]) -> Result<DecodedArgs<'a>, ArgError> {
    // The head must be present; trailing bytes are ignored.
    if a.len() < 32 * types.len() {
        return Err(ArgError::whole(DenyReason::ArgsTruncated));
    }
    let mut values = DecodedArgs::new();
    for (j, ty) in types.iter().enumerate() {
        let head = 32 * j;
        let value = if ty.is_dynamic() {
            // `offset <= 2^64 - 1`, `offset + 0x1f < len`, `length <= 2^64 - 1`,
            // `offset + 32 + length <= len`: the content lies inside the calldata, anywhere.
            let offset = match word_len(a, head) {
                Some(offset) if a.len() >= 32 && offset <= a.len() - 32 => offset,
                _ => return Err(ArgError::at(DenyReason::ArgOffset, j)),
            };
            let start = offset + 32;
            let len = match word_len(a, offset) {
                Some(len) if len <= a.len() - start => len,
                _ => return Err(ArgError::at(DenyReason::ArgTailTruncated, j)),
            };
            ArgValue::Dynamic(&a[start..start + len])
        } else {
            static_word(a, j, *ty)?
        };
        values.push(value).expect("types.len() <= MAX_ARGS");
    }
    Ok(values)
}

/// The canonical `abi.encode(values...)`, the inverse of the strict decoder.
///
/// Static values are written as given (a dirty word stays dirty, which tests use to build
/// non-canonical inputs); dynamic contents get canonical offsets, lengths and zero padding.
pub fn encode_args(values: &[ArgValue<'_>]) -> Vec<u8> {
    let mut head = Vec::with_capacity(32 * values.len());
    let mut tail = Vec::new();
    let head_len = 32 * values.len();
    for value in values {
        match value {
            ArgValue::Word(w) => push_word(&mut head, *w),
            ArgValue::Dynamic(content) => {
                push_word(&mut head, U256::from(head_len + tail.len()));
                push_word(&mut tail, U256::from(content.len()));
                push_padded(&mut tail, content);
            }
        }
    }
    head.extend_from_slice(&tail);
    head
}

/// `selector ‖ abi.encode(values...)`.
pub fn encode_call(selector: [u8; 4], values: &[ArgValue<'_>]) -> Vec<u8> {
    let mut out = selector.to_vec();
    out.extend_from_slice(&encode_args(values));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDR_UINT_BYTES: [AbiType; 3] = [AbiType::Address, AbiType::Uint(256), AbiType::Bytes];

    fn sample() -> Vec<u8> {
        encode_args(&[
            ArgValue::Word(U256::from(0xaa)),
            ArgValue::Word(U256::from(5)),
            ArgValue::Dynamic(&[1, 2, 3]),
        ])
    }

    fn strict(a: &[u8]) -> Result<DecodedArgs<'_>, ArgError> {
        decode_args(a, &ADDR_UINT_BYTES, ArgDecoding::Strict)
    }

    #[test]
    fn strict_round_trips() {
        let a = sample();
        let values = strict(&a).unwrap();
        assert_eq!(values[2], ArgValue::Dynamic(&[1, 2, 3]));
        assert_eq!(encode_args(&values), a);
    }

    // spec §6.1.1
    #[test]
    fn head_must_be_present() {
        let a = sample();
        assert_eq!(strict(&a[..95]).unwrap_err(), ArgError::whole(DenyReason::ArgsTruncated));
    }

    // spec §6.1.2
    #[test]
    fn static_words_must_be_clean() {
        let cases = [
            (AbiType::Address, 11, DenyReason::ArgDirty),
            (AbiType::Bool, 31, DenyReason::ArgDirty),
            (AbiType::Uint(8), 30, DenyReason::ArgDirty),
            (AbiType::FixedBytes(4), 4, DenyReason::ArgDirty),
        ];
        for (ty, byte, reason) in cases {
            let mut w = [0u8; 32];
            w[byte] = 2;
            assert_eq!(
                decode_args(&w, &[ty], ArgDecoding::Strict).unwrap_err(),
                ArgError::at(reason, 0),
                "{ty}"
            );
            // The Solidity decoder reverts on the same dirty words.
            assert!(decode_args(&w, &[ty], ArgDecoding::Solidity).is_err(), "{ty}");
        }
        let mut w = [0u8; 32];
        w[0] = 0xff;
        assert!(decode_args(&w, &[AbiType::FixedBytes(1)], ArgDecoding::Strict).is_ok());
        assert!(decode_args(&w, &[AbiType::Uint(256)], ArgDecoding::Strict).is_ok());
    }

    // spec §6.1.3 to §6.1.6
    #[test]
    fn dynamic_tails_must_be_canonical() {
        let mut a = sample();
        a[95] = 0x80; // offset 0x80 instead of 0x60
        assert_eq!(strict(&a).unwrap_err(), ArgError::at(DenyReason::ArgOffset, 2));

        let mut a = sample();
        a[127] = 33; // length 33 with one word of content
        assert_eq!(strict(&a).unwrap_err(), ArgError::at(DenyReason::ArgTailTruncated, 2));

        let mut a = sample();
        a[128 + 3] = 9; // padding byte
        assert_eq!(strict(&a).unwrap_err(), ArgError::at(DenyReason::ArgPadding, 2));

        let mut a = sample();
        a.push(0);
        assert_eq!(strict(&a).unwrap_err(), ArgError::whole(DenyReason::ArgsLength));
    }

    #[test]
    fn solidity_follows_relocated_tails_and_ignores_junk() {
        // The C2 shape: the canonical tail holds an innocent word, the head points past it.
        let mut a = sample();
        a[95] = 0xa0; // point `bytes` at a second tail appended below
        a.extend_from_slice(&U256::from(2).to_be_bytes::<32>());
        a.extend_from_slice(&[0xee; 32]);
        assert_eq!(strict(&a).unwrap_err(), ArgError::at(DenyReason::ArgOffset, 2));
        let seen = decode_args(&a, &ADDR_UINT_BYTES, ArgDecoding::Solidity).unwrap();
        assert_eq!(seen[2], ArgValue::Dynamic(&[0xee, 0xee]));
    }

    #[test]
    fn solidity_reverts_when_a_tail_leaves_the_calldata() {
        let mut a = sample();
        a[95] = 0xe0;
        assert_eq!(
            decode_args(&a, &ADDR_UINT_BYTES, ArgDecoding::Solidity).unwrap_err(),
            ArgError::at(DenyReason::ArgOffset, 2)
        );
        let mut a = sample();
        a[127] = 64;
        assert_eq!(
            decode_args(&a, &ADDR_UINT_BYTES, ArgDecoding::Solidity).unwrap_err(),
            ArgError::at(DenyReason::ArgTailTruncated, 2)
        );
    }
}
