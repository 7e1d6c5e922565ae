//! A type-checking stand-in for the part of [Kani]'s `kani` crate that leash's harnesses use.
//!
//! Kani compiles a crate with `--cfg kani` and injects its own `kani` crate; a plain
//! `cargo check` never compiles that code, so harnesses would rot unnoticed on machines where
//! Kani cannot be installed. `.ci/kani-typecheck` compiles every workspace member with
//! `--cfg kani` against this crate instead. The signatures follow Kani's (`kani::any`,
//! `kani::assume`, `kani::assert`, `kani::cover!`, the `Arbitrary` trait and the `proof` and
//! `unwind` attributes), so code that compiles here compiles against Kani's API surface for
//! these items.
//!
//! **It verifies nothing.** Nothing built with it is meant to run: `any` returns a fixed value
//! and `assume` ignores its condition. Only `cargo kani` proves anything (`proofs/README.md`).
//! Harnesses that need more of Kani's API add it here, with Kani's signature.
//!
//! [Kani]: https://model-checking.github.io/kani/

#![no_std]

pub use kani_macros::{proof, unwind};

/// A type whose values Kani can generate symbolically (Kani's `kani::Arbitrary`).
pub trait Arbitrary: Sized {
    /// Any value of the type.
    fn any() -> Self;
}

/// Any value of `T` (Kani's `kani::any`): symbolic under Kani, a fixed value here.
#[must_use]
pub fn any<T: Arbitrary>() -> T {
    T::any()
}

/// Any value of `T` that satisfies `constraint` (Kani's `kani::any_where`).
#[must_use]
pub fn any_where<T: Arbitrary, F: FnOnce(&T) -> bool>(constraint: F) -> T {
    let value = T::any();
    assume(constraint(&value));
    value
}

/// Restricts the paths Kani explores to those where `cond` holds (Kani's `kani::assume`).
#[inline(always)]
pub fn assume(cond: bool) {
    let _ = cond;
}

/// A property Kani proves for every path; `msg` names it in Kani's report (Kani's
/// `kani::assert`, which takes the message as a `&'static str`).
#[inline(always)]
pub const fn assert(cond: bool, msg: &'static str) {
    let _ = (cond, msg);
}

/// A coverage goal (Kani's `kani::cover!`): Kani reports whether some path makes the condition
/// true. The message must be a literal, as Kani requires.
#[macro_export]
macro_rules! cover {
    () => {};
    ($cond:expr $(,)?) => {{
        let _: bool = $cond;
    }};
    ($cond:expr, $msg:literal $(,)?) => {{
        let _: bool = $cond;
        let _: &'static str = $msg;
    }};
}

macro_rules! fixed_value {
    ($($ty:ty => $value:expr),* $(,)?) => {
        $(
            impl Arbitrary for $ty {
                fn any() -> Self {
                    $value
                }
            }
        )*
    };
}

fixed_value! {
    bool => false,
    char => '\0',
    u8 => 0, u16 => 0, u32 => 0, u64 => 0, u128 => 0, usize => 0,
    i8 => 0, i16 => 0, i32 => 0, i64 => 0, i128 => 0, isize => 0,
    () => (),
}

impl<T: Arbitrary, const N: usize> Arbitrary for [T; N] {
    fn any() -> Self {
        core::array::from_fn(|_| T::any())
    }
}

impl<T: Arbitrary> Arbitrary for Option<T> {
    fn any() -> Self {
        if bool::any() { Some(T::any()) } else { None }
    }
}

impl<T: Arbitrary, E: Arbitrary> Arbitrary for Result<T, E> {
    fn any() -> Self {
        if bool::any() { Ok(T::any()) } else { Err(E::any()) }
    }
}

macro_rules! tuple {
    ($($name:ident),+) => {
        impl<$($name: Arbitrary),+> Arbitrary for ($($name,)+) {
            fn any() -> Self {
                ($($name::any(),)+)
            }
        }
    };
}

tuple!(A);
tuple!(A, B);
tuple!(A, B, C);
tuple!(A, B, C, D);
