//! Where a harness body gets its inputs: the [`Source`] trait, and its Kani implementation.
//!
//! A harness body is written once, generic over [`Source`], and run by three engines:
//!
//! * Kani (`KaniSource`, only under `cfg(kani)`): every draw is `kani::any()`, every
//!   [`Source::assume`] is `kani::assume`.
//! * The exhaustive runner ([`crate::runner`], [`crate::Mode::Exhaustive`]): an odometer over
//!   every combination of the draws' *hints*.
//! * The random runner ([`crate::Mode::Random`]): a seeded SplitMix64 that picks a hint most of
//!   the time and a full-width value otherwise.
//!
//! # Hints are not constraints
//!
//! Every draw names the whole type (or range) it draws from, and separately a *hint*: the small
//! boundary domain the exhaustive runner enumerates and the random runner favours (`0`, `1`,
//! `cap - 1`, `cap`, `cap + 1`, `MAX`, ...). **Kani ignores hints**: under Kani a draw is any
//! value of its type. A body therefore never relies on a hint for correctness; every constraint
//! it needs is an [`Source::assume`] with a comment saying why it is sound. This keeps each Kani
//! harness at least as general as the tests that share its body.

use alloy_primitives::{Address, U256};

/// A source of harness inputs. See the [module documentation](self) for the contract.
pub trait Source {
    /// Whether draws are symbolic (Kani). Bodies use it only to pick a representation of the
    /// same input space (raw symbolic bytes for Kani, structured byte strings for the runners),
    /// never to weaken a property.
    fn symbolic(&self) -> bool;

    /// A structural choice in `0..n` (`n >= 1`). The exhaustive runner enumerates the indices in
    /// `hint`, or all of `0..n` when `hint` is empty; Kani and the random runner range over all of
    /// `0..n`.
    fn choose_in(&mut self, label: &'static str, n: usize, hint: &[usize]) -> usize;

    /// A structural choice in `0..n`, every index enumerated by every engine.
    fn choose(&mut self, label: &'static str, n: usize) -> usize {
        self.choose_in(label, n, &[])
    }

    /// Any `bool`; the exhaustive runner enumerates `hint`.
    fn bool_in(&mut self, label: &'static str, hint: &[bool]) -> bool;

    /// Any `bool`, both values enumerated by every engine.
    fn bool(&mut self, label: &'static str) -> bool {
        self.bool_in(label, &[false, true])
    }

    /// Any `u8`; the exhaustive runner enumerates `hint`.
    fn u8_in(&mut self, label: &'static str, hint: &[u8]) -> u8;

    /// Any `u32`; the exhaustive runner enumerates `hint`.
    fn u32_in(&mut self, label: &'static str, hint: &[u32]) -> u32;

    /// Any `u64`; the exhaustive runner enumerates `hint`.
    fn u64_in(&mut self, label: &'static str, hint: &[u64]) -> u64;

    /// Any 256-bit unsigned integer; the exhaustive runner enumerates `hint`.
    fn u256_in(&mut self, label: &'static str, hint: &[U256]) -> U256;

    /// Any address; the exhaustive runner enumerates `hint`.
    fn address_in(&mut self, label: &'static str, hint: &[Address]) -> Address;

    /// Any `N` bytes; the exhaustive runner enumerates `hint`.
    fn bytes_in<const N: usize>(&mut self, label: &'static str, hint: &[[u8; N]]) -> [u8; N];

    /// Restricts the inputs to those satisfying `cond`. Returns `false` when the case must be
    /// discarded (runners); under Kani the path is pruned and this returns `true`.
    /// Use it through the crate's `assume!` macro, with a comment saying why it is sound.
    fn assume(&mut self, cond: bool) -> bool;

    /// Records whether a coverage goal was reached (runners). Kani's `kani::cover!` is emitted
    /// next to this call by the crate's `cover!` macro, with the same literal message.
    fn cover(&mut self, hit: bool, label: &'static str);
}

/// The Kani engine: every draw is symbolic, hints are ignored.
#[cfg(kani)]
#[derive(Clone, Copy, Debug, Default)]
pub struct KaniSource;

#[cfg(kani)]
impl Source for KaniSource {
    fn symbolic(&self) -> bool {
        true
    }

    fn choose_in(&mut self, _label: &'static str, n: usize, _hint: &[usize]) -> usize {
        let index: usize = kani::any();
        // A choice ranges over exactly `0..n`, by the contract of `choose_in`.
        kani::assume(index < n);
        index
    }

    fn bool_in(&mut self, _label: &'static str, _hint: &[bool]) -> bool {
        kani::any()
    }

    fn u8_in(&mut self, _label: &'static str, _hint: &[u8]) -> u8 {
        kani::any()
    }

    fn u32_in(&mut self, _label: &'static str, _hint: &[u32]) -> u32 {
        kani::any()
    }

    fn u64_in(&mut self, _label: &'static str, _hint: &[u64]) -> u64 {
        kani::any()
    }

    fn u256_in(&mut self, _label: &'static str, _hint: &[U256]) -> U256 {
        U256::from_limbs(kani::any())
    }

    fn address_in(&mut self, _label: &'static str, _hint: &[Address]) -> Address {
        Address::new(kani::any())
    }

    fn bytes_in<const N: usize>(&mut self, _label: &'static str, _hint: &[[u8; N]]) -> [u8; N] {
        kani::any()
    }

    fn assume(&mut self, cond: bool) -> bool {
        // Every caller documents why its condition is sound to assume.
        kani::assume(cond);
        true
    }

    fn cover(&mut self, _hit: bool, _label: &'static str) {
        // The `cover!` macro emits `kani::cover!` itself: Kani needs the message as a literal
        // at the call site, which a trait method cannot pass on.
    }
}
