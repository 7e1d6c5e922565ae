//! Session keys from fixed seeds, signing of `userOpHash` digests, and signer recovery exactly as
//! the spec (§1.4) and OpenZeppelin's `ECDSA.tryRecover` define it.

use std::sync::OnceLock;

use alloy_primitives::{Address, B256, U256, keccak256, uint};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::point::AffineCoordinates;
use k256::elliptic_curve::scalar::IsHigh;
use k256::{ProjectivePoint, Scalar};

/// How many fixed session keys there are. The model holds at most `MAX_SESSIONS` (4) sessions
/// per account; the spare keys sign as strangers.
pub const KEY_COUNT: usize = 6;

/// The seed of fixed key `index`: the ASCII text `leash session key <index>`, right-aligned in 32
/// bytes (a valid secp256k1 scalar for every index).
pub const fn key_seed(index: u8) -> [u8; 32] {
    let text = *b"leash session key ";
    let mut seed = [0u8; 32];
    let start = 32 - text.len() - 1;
    let mut i = 0;
    while i < text.len() {
        seed[start + i] = text[i];
        i += 1;
    }
    seed[31] = b'0' + index % 10;
    seed
}

/// A secp256k1 key that signs ops: its seed, signing key and address.
#[derive(Clone, Debug)]
pub struct SessionKey {
    seed: [u8; 32],
    signing: SigningKey,
    address: Address,
    fixed: FixedNonce,
}

/// How ops are signed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Signing {
    /// RFC 6979 deterministic nonces (k256's `sign_prehash_recoverable`), about 40-60 µs a
    /// signature here.
    Rfc6979,
    /// One fixed nonce per key with `k^-1`, `r` and `r·d` precomputed, about 1 µs a signature.
    ///
    /// The signatures are ordinary valid ECDSA signatures that the real `ecrecover` precompile
    /// verifies. Reusing a nonce reveals the private key to anyone holding two signatures, which
    /// costs nothing here: the session keys are public constants of this source file
    /// ([`key_seed`]) and there is no way to sign with any other key. Never reuse this code for
    /// a key that matters.
    #[default]
    FixedNonce,
}

/// The precomputed parts of fixed-nonce signing: `s = k^-1 · (z + r·d)`.
#[derive(Clone, Debug)]
struct FixedNonce {
    k_inv: Scalar,
    r: Scalar,
    r_bytes: [u8; 32],
    r_d: Scalar,
    y_odd: bool,
}

impl FixedNonce {
    /// The nonce of `seed`: `keccak256(seed ‖ "leash fixed nonce")`, reduced, retried with a
    /// counter in the (never observed) cases where it is zero or `R.x` exceeds the group order.
    fn new(seed: &[u8; 32], d: &Scalar) -> Self {
        for attempt in 0u8.. {
            let mut input = seed.to_vec();
            input.extend_from_slice(b"leash fixed nonce");
            input.push(attempt);
            let k = <Scalar as Reduce<k256::U256>>::reduce_bytes(&keccak256(&input).0.into());
            let Some(k_inv) = Option::<Scalar>::from(k.invert()) else {
                continue;
            };
            let point = (ProjectivePoint::GENERATOR * k).to_affine();
            let x = point.x();
            let r = <Scalar as Reduce<k256::U256>>::reduce_bytes(&x);
            if r.is_zero().into() || r.to_bytes() != x {
                continue;
            }
            return Self {
                k_inv,
                r,
                r_bytes: x.into(),
                r_d: r * d,
                y_odd: point.y_is_odd().into(),
            };
        }
        unreachable!("a nonce is found within 256 attempts")
    }

    fn sign(&self, hash: B256) -> [u8; 65] {
        let z = <Scalar as Reduce<k256::U256>>::reduce_bytes(&hash.0.into());
        let mut s = self.k_inv * (z + self.r_d);
        let mut odd = self.y_odd;
        // Low s, as OpenZeppelin's ECDSA requires: negating s flips the recovery parity.
        if bool::from(s.is_high()) {
            s = -s;
            odd = !odd;
        }
        debug_assert!(!bool::from(self.r.is_zero()));
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r_bytes);
        out[32..64].copy_from_slice(&s.to_bytes());
        out[64] = 27 + u8::from(odd);
        out
    }
}

/// A 32-byte seed that is not a valid secp256k1 private key (zero, or not below the curve order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("seed 0x{} is not a valid secp256k1 private key", alloy_primitives::hex::encode(.0))]
pub struct BadSeed(pub [u8; 32]);

impl SessionKey {
    /// The key with this private scalar.
    pub fn from_seed(seed: [u8; 32]) -> Result<Self, BadSeed> {
        let signing = SigningKey::from_slice(&seed).map_err(|_| BadSeed(seed))?;
        let address = address_of(signing.verifying_key());
        let fixed = FixedNonce::new(&seed, signing.as_nonzero_scalar());
        Ok(Self { seed, signing, address, fixed })
    }

    /// The key's address (what the module sees as the signer).
    pub fn address(&self) -> Address {
        self.address
    }

    /// The private scalar the key was made from.
    pub fn seed(&self) -> [u8; 32] {
        self.seed
    }

    /// Signs a raw 32-byte digest the given way (see [`Signing`]).
    pub fn sign_hash_with(&self, hash: B256, signing: Signing) -> [u8; 65] {
        match signing {
            Signing::Rfc6979 => self.sign_hash(hash),
            Signing::FixedNonce => self.fixed.sign(hash),
        }
    }

    /// Signs a raw 32-byte digest (no message prefix) with an RFC 6979 nonce:
    /// `r (32) | s (32) | v (1)` with low `s` and `v = 27 + recovery id`, as EntryPoint v0.8
    /// accounts expect over `userOpHash`.
    pub fn sign_hash(&self, hash: B256) -> [u8; 65] {
        // RFC 6979 signing fails only if the nonce or a signature scalar is zero, which no
        // digest produces with any practical probability.
        let (signature, recovery) = self
            .signing
            .sign_prehash_recoverable(hash.as_slice())
            .expect("RFC 6979 signing of a 32-byte digest succeeds");
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&signature.to_bytes());
        out[64] = 27 + recovery.to_byte();
        out
    }
}

fn address_of(key: &VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

/// The fixed session keys, built once: key `i` comes from [`key_seed`]`(i)`.
pub fn session_keys() -> &'static [SessionKey; KEY_COUNT] {
    static KEYS: OnceLock<[SessionKey; KEY_COUNT]> = OnceLock::new();
    KEYS.get_or_init(|| {
        core::array::from_fn(|i| {
            // `i < KEY_COUNT <= 10`, and every such seed is a small non-zero scalar.
            SessionKey::from_seed(key_seed(i as u8)).expect("fixed seeds are valid scalars")
        })
    })
}

/// The key index that names `address(0)`, the one address no key has: what `ecrecover` returns
/// for a signature it cannot recover. The spec refuses a session for it (§2.1); naming it lets a
/// case ask. It signs nothing: an op signed "by" it carries a malformed signature, which is what
/// recovering to `address(0)` means.
pub const ZERO_KEY: u8 = KEY_COUNT as u8;

/// The one mapping from a case's key index to a key, shared by the runner, the generators, the
/// throughput bench, `render` and `export`: index `i` names fixed key `i` for `i < KEY_COUNT`
/// and `address(0)` for [`ZERO_KEY`]; larger indices wrap modulo `KEY_COUNT + 1` (a mutated or
/// hand-written case may carry any byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyIndex(u8);

impl KeyIndex {
    /// The index a case's byte names, wrapped into `0..=ZERO_KEY`.
    pub const fn new(index: u8) -> Self {
        Self(index % (ZERO_KEY + 1))
    }

    /// The wrapped index: below [`KEY_COUNT`] for a fixed key, [`ZERO_KEY`] for `address(0)`.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The fixed key it names, or `None` for `address(0)`.
    pub fn key(self) -> Option<&'static SessionKey> {
        session_keys().get(usize::from(self.0))
    }

    /// The address it names: the key's, or `address(0)`.
    pub fn address(self) -> Address {
        self.key().map_or(Address::ZERO, SessionKey::address)
    }
}

/// The address key index `index` names (see [`KeyIndex`]).
pub fn key_address(index: u8) -> Address {
    KeyIndex::new(index).address()
}

/// The seed of the account key: the ASCII text `leash account key`, right-aligned in 32 bytes.
pub const fn account_key_seed() -> [u8; 32] {
    let text = *b"leash account key";
    let mut seed = [0u8; 32];
    let start = 32 - text.len();
    let mut i = 0;
    while i < text.len() {
        seed[start + i] = text[i];
        i += 1;
    }
    seed
}

/// The key that owns an account whose owner signs (a public constant like the session keys):
/// the signer of a MultiSig account, the EOA an EIP-7702 authorization delegates. Never one of
/// the session keys.
pub fn account_key() -> &'static SessionKey {
    static KEY: OnceLock<SessionKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SessionKey::from_seed(account_key_seed()).expect("a small non-zero scalar is a valid key")
    })
}

/// `n / 2` for secp256k1: the largest `s` OpenZeppelin's `ECDSA` accepts.
const HALF_ORDER: U256 =
    uint!(0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0_U256);

/// The address `signature[0..65]` recovers to over `hash`, or `None` when the signature is
/// malformed (spec §1.4): shorter than 65 bytes, `s` above `n/2`, `v` not 27 or 28, or recovery
/// fails. Bytes after the 65th are ignored. This is what the model receives as an op's signer.
pub fn recover_signer(hash: B256, signature: &[u8]) -> Option<Address> {
    let sig = signature.get(..65)?;
    if U256::from_be_slice(&sig[32..64]) > HALF_ORDER {
        return None;
    }
    let recovery = match sig[64] {
        27 => RecoveryId::new(false, false),
        28 => RecoveryId::new(true, false),
        _ => return None,
    };
    let signature = Signature::from_slice(&sig[..64]).ok()?;
    let key = VerifyingKey::recover_from_prehash(hash.as_slice(), &signature, recovery).ok()?;
    Some(address_of(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_nonce_signatures_recover_to_the_key() {
        for key in session_keys() {
            for i in 0..200u32 {
                let hash = keccak256(i.to_be_bytes());
                let sig = key.sign_hash_with(hash, Signing::FixedNonce);
                assert!(U256::from_be_slice(&sig[32..64]) <= HALF_ORDER, "low s");
                assert_eq!(recover_signer(hash, &sig), Some(key.address()), "digest {i}");
            }
        }
    }

    #[test]
    fn seeds_are_readable_and_distinct() {
        assert_eq!(&key_seed(3)[13..], b"leash session key 3");
        assert!(key_seed(3)[..13].iter().all(|b| *b == 0));
        assert_eq!(&account_key_seed()[15..], b"leash account key");
        assert!(session_keys().iter().all(|k| k.address() != account_key().address()));
        let keys = session_keys();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a.address(), b.address());
            }
        }
    }

    #[test]
    fn key_indices_name_the_fixed_keys_then_address_zero_and_wrap() {
        for (i, key) in session_keys().iter().enumerate() {
            assert_eq!(key_address(i as u8), key.address());
            assert_eq!(KeyIndex::new(i as u8).key().map(SessionKey::address), Some(key.address()));
        }
        assert_eq!(key_address(ZERO_KEY), Address::ZERO);
        assert!(KeyIndex::new(ZERO_KEY).key().is_none());
        assert_eq!(key_address(ZERO_KEY + 1), session_keys()[0].address());
        assert_eq!(KeyIndex::new(2 * (ZERO_KEY + 1) + 3).get(), 3);
        assert_eq!(KeyIndex::new(u8::MAX).get(), u8::MAX % (ZERO_KEY + 1));
    }

    #[test]
    fn known_key_has_known_address() {
        // The private key 1 is the generator: its address is well known.
        let mut seed = [0u8; 32];
        seed[31] = 1;
        let key = SessionKey::from_seed(seed).unwrap();
        assert_eq!(
            key.address(),
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf".parse::<Address>().unwrap()
        );
        assert_eq!(SessionKey::from_seed([0; 32]).unwrap_err(), BadSeed([0; 32]));
        assert!(SessionKey::from_seed([0xff; 32]).is_err());
    }

    #[test]
    fn signatures_recover_and_malformed_ones_do_not() {
        let key = &session_keys()[0];
        let hash = keccak256(b"op");
        let sig = key.sign_hash(hash);
        assert!(sig[64] == 27 || sig[64] == 28);
        assert!(U256::from_be_slice(&sig[32..64]) <= HALF_ORDER);
        assert_eq!(recover_signer(hash, &sig), Some(key.address()));
        // Trailing bytes are ignored.
        let mut long = sig.to_vec();
        long.extend_from_slice(&[0xde; 40]);
        assert_eq!(recover_signer(hash, &long), Some(key.address()));
        // Too short, bad v, high s, zero r.
        assert_eq!(recover_signer(hash, &sig[..64]), None);
        let mut bad_v = sig;
        bad_v[64] = 1;
        assert_eq!(recover_signer(hash, &bad_v), None);
        let mut high_s = sig;
        let n = HALF_ORDER * U256::from(2) + U256::from(1);
        let s = U256::from_be_slice(&sig[32..64]);
        high_s[32..64].copy_from_slice(&(n - s).to_be_bytes::<32>());
        high_s[64] = if sig[64] == 27 { 28 } else { 27 };
        assert_eq!(recover_signer(hash, &high_s), None);
        let mut zero_r = sig;
        zero_r[..32].fill(0);
        assert_eq!(recover_signer(hash, &zero_r), None);
        // Another digest recovers to another address.
        assert_ne!(recover_signer(keccak256(b"other"), &sig), Some(key.address()));
    }
}
