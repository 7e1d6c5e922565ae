//! FastLZ level-1 compression, the format of Solady's `LibZip.flzCompress` /
//! `flzDecompress`, which SmartSession used for USE-mode signatures until November 2024 (the
//! build inside `@rhinestone/modulekit@0.5.9` decompresses `userOp.signature[33:]`).
//!
//! The compressor follows Solady's (`js/solady.js`, `src/utils/LibZip.sol`): a 13-bit hash
//! table of 3-byte sequences, matches at distances below 8192, runs of at most 32 literals.
//! Any valid stream decompresses the same, so only the format matters; the tests round-trip it.

/// The 13-bit hash of a 24-bit sequence, as Solady's Solidity computes it (exactly).
fn hash(x: u32) -> usize {
    ((2_654_435_769u64 * u64::from(x)) >> 19) as usize & 8191
}

/// `data` compressed with FastLZ level 1.
pub(crate) fn compress(data: &[u8]) -> Vec<u8> {
    let byte = |i: i64| -> u32 {
        usize::try_from(i).ok().and_then(|i| data.get(i)).copied().map_or(0, u32::from)
    };
    let u24 = |i: i64| byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16);
    let b = data.len() as i64 - 4;
    let mut table = vec![0i64; 8192];
    let mut out = Vec::with_capacity(data.len() + data.len() / 32 + 1);
    let literals = |out: &mut Vec<u8>, mut run: i64, mut from: i64| {
        while run > 0 {
            let n = run.min(32);
            out.push((n - 1) as u8);
            for _ in 0..n {
                out.push(byte(from) as u8);
                from += 1;
            }
            run -= n;
        }
    };
    let (mut anchor, mut i) = (0i64, 2i64);
    while i < b - 9 {
        // Find a 3-byte sequence seen before, within reach.
        let (mut seq, mut reference, mut distance, mut candidate);
        loop {
            seq = u24(i);
            let h = hash(seq);
            reference = table[h];
            table[h] = i;
            distance = i - reference;
            candidate = if distance < 8192 { u24(reference) } else { 0x100_0000 };
            if i >= b - 9 {
                break;
            }
            i += 1;
            if seq == candidate {
                break;
            }
        }
        if i >= b - 9 {
            break;
        }
        i -= 1;
        if i > anchor {
            literals(&mut out, i - anchor, anchor);
        }
        // Extend the match past its first three bytes.
        let (p, q) = (reference + 3, i + 3);
        let limit = b - q;
        let mut len = 0i64;
        while len < limit {
            let equal = byte(p + len) == byte(q + len);
            len += 1;
            if !equal {
                break;
            }
        }
        i += len;
        let d = distance - 1;
        while len > 262 {
            out.extend_from_slice(&[(224 + (d >> 8)) as u8, 253, (d & 255) as u8]);
            len -= 262;
        }
        if len < 7 {
            out.extend_from_slice(&[((len << 5) + (d >> 8)) as u8, (d & 255) as u8]);
        } else {
            out.extend_from_slice(&[(224 + (d >> 8)) as u8, (len - 7) as u8, (d & 255) as u8]);
        }
        table[hash(u24(i))] = i;
        i += 1;
        table[hash(u24(i))] = i;
        i += 1;
        anchor = i;
    }
    literals(&mut out, b + 4 - anchor, anchor);
    out
}

/// `data` decompressed (the inverse of [`compress`], as Solady's `flzDecompress` reads it), or
/// `None` for a stream that refers before its start or ends inside an instruction.
#[cfg(test)]
pub(crate) fn decompress(data: &[u8]) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0usize;
    while i < data.len() {
        let t = data[i] >> 5;
        if t == 0 {
            let n = 1 + usize::from(data[i]);
            out.extend_from_slice(data.get(i + 1..i + 1 + n)?);
            i += 1 + n;
        } else {
            let short = t < 7;
            let distance_low = *data.get(i + if short { 1 } else { 2 })?;
            let f = 256 * usize::from(data[i] & 31) + usize::from(distance_low);
            let len = if short { 2 + usize::from(t) } else { 9 + usize::from(*data.get(i + 1)?) };
            i += if short { 2 } else { 3 };
            let from = out.len().checked_sub(f + 1)?;
            for i in 0..len {
                let b = *out.get(from + i)?;
                out.push(b);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_a_signature_looks_like() {
        // abi.encode(bytes) of a 65-byte signature with a decoy tail: zero runs and repeats.
        let mut sig = vec![0u8; 31];
        sig.push(0x20);
        sig.extend_from_slice(&[0u8; 31]);
        sig.push(100);
        sig.extend((0..65).map(|i| (i * 37 % 251) as u8));
        sig.extend_from_slice(&[0xab; 35]);
        sig.extend_from_slice(&[0u8; 28]);
        let packed = compress(&sig);
        assert!(packed.len() < sig.len(), "zero runs compress");
        assert_eq!(decompress(&packed).unwrap(), sig);
    }

    #[test]
    fn round_trips_every_short_length_and_long_repeats() {
        for n in 0..80usize {
            let data: Vec<u8> = (0..n).map(|i| (i % 7) as u8).collect();
            assert_eq!(decompress(&compress(&data)).unwrap(), data, "length {n}");
        }
        let long = vec![0x55u8; 2000];
        assert_eq!(decompress(&compress(&long)).unwrap(), long);
        let mut noisy = Vec::new();
        let mut x = 1u32;
        for _ in 0..3000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            noisy.push((x >> 24) as u8 & 0x0f);
        }
        assert_eq!(decompress(&compress(&noisy)).unwrap(), noisy);
    }
}
