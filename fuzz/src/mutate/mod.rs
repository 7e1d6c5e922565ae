//! Structure-aware calldata mutation: the non-canonical encodings real bypasses use.
//!
//! ABI-typed fuzzers only ever send canonical encodings. A module whose decoder differs from the
//! account's (or from the callee's) only shows it on other encodings, so leash takes the
//! canonical encoding of a [`PlannedOp`] and rewrites one named field ([`Mutation`]): a pointer,
//! a length, a mode byte, the dirty upper bytes of a word, padding, trailing bytes, a relocated
//! tail. Relocations plant a **twin**, a second planned op the policy should forbid, where the
//! account (or callee) will read while leaving the benign original where a canonical-minded
//! validator looks. The bug classes are those of `docs/bug-classes.md` (C1 to C4, C6, C9,
//! C13).

//!
//! The modules follow what a mutation does: `envelope` rewrites the `execute` envelope
//! and its head words, `hide` plants the twin inside a host item and points at it, `inner`
//! rewrites one execution's own calldata, `choose` draws an applicable mutation from fuzzer input,
//! `kind` names the mutations, and `layout` is the canonical encoding they all start from.

mod choose;
mod envelope;
mod hide;
mod inner;
mod kind;
mod layout;

pub use choose::choose;
pub use kind::MutationKind;
pub use layout::{EXEC_START, ItemLayout, Layout, PlannedCall, PlannedOp};

use alloy_primitives::U256;
use leash_model::abi::execute::encode_execute;

/// The parts of a callData that [`Mutation::Padding`] and [`Mutation::Trailing`] can touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// After `executionCalldata`, at the end of `callData`.
    Outer,
    /// Inside `executionCalldata`, after its last item.
    Execution,
    /// After execution `i`'s own calldata (its arguments).
    Item(u8),
}

/// One rewrite of an op's canonical encoding. Fields name items and arguments by index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// Replace the `execute` selector (`executeUserOp`, `executeFromExecutor`, ...) (C13).
    OuterSelector {
        /// The new selector.
        selector: [u8; 4],
    },
    /// Set one byte of the ERC-7579 mode word (call type, exec type, unused, selector) (C13).
    ModeByte {
        /// The byte index in the mode, 0..32.
        index: u8,
        /// Its new value.
        value: u8,
    },
    /// Set the `executionCalldata` offset word (C1).
    OuterOffset {
        /// The new offset.
        value: U256,
    },
    /// Set the `executionCalldata` length word (C1).
    OuterLength {
        /// The new length.
        value: U256,
    },
    /// Append the twin's `executionCalldata` after the canonical one and point the offset at
    /// it: a decoder that assumes offset `0x40` reads the original, one that follows the offset
    /// reads the twin (C1).
    OuterRelocate,
    /// Set the batch's array offset word (C1).
    ArrayOffset {
        /// The new offset.
        value: U256,
    },
    /// Set the batch's item count (C1, C4).
    BatchLength {
        /// The new count.
        value: U256,
    },
    /// Set item `item`'s offset word `p_i` (C1).
    ItemOffset {
        /// The item.
        item: u8,
        /// The new offset.
        value: U256,
    },
    /// Point item `item` at item `to` (aliased items, C4).
    ItemAlias {
        /// The item whose pointer moves.
        item: u8,
        /// The item it now points at.
        to: u8,
    },
    /// Append a twin item after the last item and point `p_item` at it; the original stays in
    /// place (C1).
    ItemRelocate {
        /// The item whose pointer moves.
        item: u8,
    },
    /// Hide a twin item inside item `host`'s calldata (in its last dynamic argument, or after
    /// its selector's arguments when it declares none) and point `p_item` at it: no bytes are
    /// added outside the items, so a decoder that walks items in declaration order sees only
    /// benign ones while the account follows the pointer (C1).
    ItemHide {
        /// The item whose pointer moves.
        item: u8,
        /// The item whose calldata carries the hidden one.
        host: u8,
    },
    /// Hide a twin calldata (length word and bytes) inside item `host`'s calldata and point item
    /// `item`'s callData offset `q_item` at it (C1). `host >= item`, since offsets cannot be
    /// negative.
    DataHide {
        /// The item whose callData offset moves.
        item: u8,
        /// The item whose calldata carries the hidden bytes.
        host: u8,
    },
    /// Set item `item`'s callData offset word `q_i` (C1).
    DataOffset {
        /// The item.
        item: u8,
        /// The new offset.
        value: U256,
    },
    /// Set item `item`'s callData length word (C1).
    DataLength {
        /// The item.
        item: u8,
        /// The new length.
        value: U256,
    },
    /// Fill the upper 12 bytes of item `item`'s target word (C3, C4).
    DirtyTarget {
        /// The item.
        item: u8,
        /// The bytes written above the address.
        fill: [u8; 12],
    },
    /// Make a padding byte of `region` non-zero.
    Padding {
        /// Where.
        region: Region,
    },
    /// Append bytes to `region`.
    Trailing {
        /// Where.
        region: Region,
        /// What.
        bytes: Vec<u8>,
    },
    /// Cut `region` to `len` bytes: the whole callData, or `executionCalldata` or an
    /// execution's calldata inside a canonical envelope (so the cut reaches the clauses that
    /// read inside them).
    Truncate {
        /// Where.
        region: Region,
        /// The new length.
        len: u32,
    },
    /// Replace execution `item`'s calldata with raw bytes: sentinel selectors `0x00000000`,
    /// `0xffffffff`, 1 to 3 bytes (C9), re-encoded canonically around it.
    InnerData {
        /// The item.
        item: u8,
        /// The new calldata.
        data: Vec<u8>,
    },
    /// Fill the bytes above a static argument's type width with `fill`, or only the one at
    /// position `at` of that region (C3).
    DirtyArg {
        /// The item.
        item: u8,
        /// The argument.
        arg: u8,
        /// The byte written into the dirty region.
        fill: u8,
        /// Which byte of the dirty region, counted from its start; all of them when absent.
        at: Option<u8>,
    },
    /// Append a second tail with the twin's content and point dynamic argument `arg`'s head at
    /// it; the original tail stays where a fixed-offset rule reads (C2).
    ArgRelocate {
        /// The item.
        item: u8,
        /// The dynamic argument.
        arg: u8,
    },
    /// Hide a second length and content (the twin's) at the end of dynamic argument `arg`'s
    /// own content and point its head there: the canonical tail still starts with the benign
    /// content and no byte lies outside it, so a rule reading the canonical position passes
    /// while the callee reads the twin's (C2).
    ArgHide {
        /// The item.
        item: u8,
        /// The dynamic argument.
        arg: u8,
    },
    /// Make a padding byte after dynamic argument `arg`'s content non-zero.
    ArgPadding {
        /// The item.
        item: u8,
        /// The dynamic argument.
        arg: u8,
    },
    /// Put the twin's `executionCalldata` after the 65 signature bytes, where only the
    /// validation frame can see it (C1 decoys).
    SignatureDecoy,
}

/// A mutated op: its callData and the bytes after its 65 signature bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mutated {
    /// The callData.
    pub call_data: Vec<u8>,
    /// Bytes appended after the signature.
    pub signature_tail: Vec<u8>,
}

/// Why a mutation does not apply to an op (its field does not exist there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("mutation does not apply to this op")]
pub struct NotApplicable;

fn set_word(bytes: &mut [u8], at: usize, value: U256) -> Result<(), NotApplicable> {
    let word = bytes.get_mut(at..at + 32).ok_or(NotApplicable)?;
    word.copy_from_slice(&value.to_be_bytes::<32>());
    Ok(())
}

fn item(layout: &Layout, index: u8) -> Result<&ItemLayout, NotApplicable> {
    layout.items.get(usize::from(index)).ok_or(NotApplicable)
}

/// Rebuilds an `execute` callData around new `executionCalldata` bytes, keeping the mode.
fn reenvelope(cd: &[u8], exec: &[u8]) -> Vec<u8> {
    let mut mode = [0u8; 32];
    mode.copy_from_slice(&cd[4..36]);
    encode_execute(mode, exec)
}

impl Mutation {
    /// Applies the mutation to `op`'s canonical encoding; `twin` supplies planted content.
    ///
    /// Total over any recipe, also one read from a corpus file: a mutation whose field, item,
    /// argument or twin is not there is [`NotApplicable`], never a panic.
    pub fn apply(&self, op: &PlannedOp, twin: &PlannedOp) -> Result<Mutated, NotApplicable> {
        let whole_twin = matches!(self, Self::OuterRelocate | Self::SignatureDecoy);
        if !op.is_encodable() || (whole_twin && !twin.is_encodable()) {
            return Err(NotApplicable);
        }
        if let Some(mutated) = self.apply_hide(op, twin)? {
            return Ok(mutated);
        }
        // Mutations inside an execution's calldata change the plan, then encode canonically.
        if let Some(planned) = self.apply_inner(op, twin)? {
            let (call_data, _) = planned.encode();
            return Ok(Mutated { call_data, signature_tail: Vec::new() });
        }
        self.apply_envelope(op, twin)
    }
}

#[cfg(test)]
mod tests;
