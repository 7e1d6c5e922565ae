//! Code coverage of the module under test: the branch edges its bytecode takes, the blocks it
//! enters, and (on demand) the words it compares.
//!
//! [`Coverage`] is driven by the [`Probe`](super::Probe) inspector. It watches a few **roots**,
//! by address: the session module(s) and the account. Every frame running a root's code is
//! covered, and so is every frame opened while a module frame is on the stack (the policy
//! contracts, libraries and precompiles a module calls during validation). Other code (the
//! EntryPoint, the call targets) is not.
//!
//! For covered code it records:
//! * **edges**: each `JUMPI` executed, as `(pc, taken)`, with a per-case hit count;
//! * **blocks**: each `JUMPDEST` executed (for line coverage only);
//! * **comparisons**, when [`Coverage::set_compare_log`] is on: both operands of every `EQ`,
//!   `LT`, `GT`, `SLT` and `SGT` (the values the module checks its input against, what
//!   libFuzzer's CMP tracing collects).
//!
//! Per-case counters live in one dense array per code (`2 * pc + taken`), with a list of the
//! entries a case touched so that harvesting and clearing cost what the case did, not the size of
//! the code. The union over all cases ([`Coverage::reached`]) is what coverage reports read.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

/// `JUMPI`.
pub const JUMPI: u8 = 0x57;
/// `JUMPDEST`.
pub const JUMPDEST: u8 = 0x5b;
/// `LT`, `GT`, `SLT`, `SGT`, `EQ`: the comparisons whose operands the compare log keeps.
const COMPARISONS: core::ops::RangeInclusive<u8> = 0x10..=0x14;
/// The most operands one case's compare log keeps.
const COMPARE_LOG_CAP: usize = 512;
/// Slots of the compare log's filter of recently logged operands (a power of two).
const COMPARE_FILTER_LEN: usize = 1024;
/// The most recent module branches a validation path keeps.
const PATH_LEN: usize = 32;

/// One branch a module took: the `JUMPI` at `pc` of the code at `code`, taken or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeBranch {
    /// The code's address.
    pub code: Address,
    /// The `JUMPI`'s pc.
    pub pc: u32,
    /// Whether the jump was taken.
    pub taken: bool,
}

/// How a watched address takes part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A session module: its code is covered, and so is any code it calls.
    Module,
    /// Other code covered for itself only (the account's decoding path).
    Covered,
}

/// The branch edges and blocks reached in each covered code, by address: what a campaign
/// reached over all its cases. Mergeable across workers and processes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    /// Per code address: the `JUMPI` edges taken, as `(pc, taken)`.
    pub edges: BTreeMap<Address, BTreeSet<(u32, bool)>>,
    /// Per code address: the `JUMPDEST`s executed, by pc.
    pub blocks: BTreeMap<Address, BTreeSet<u32>>,
}

impl Reached {
    /// Adds everything `other` reached.
    pub fn merge(&mut self, other: &Reached) {
        for (address, edges) in &other.edges {
            self.edges.entry(*address).or_default().extend(edges.iter().copied());
        }
        for (address, blocks) in &other.blocks {
            self.blocks.entry(*address).or_default().extend(blocks.iter().copied());
        }
    }

    /// The number of distinct edges reached over all codes.
    pub fn edge_count(&self) -> usize {
        self.edges.values().map(BTreeSet::len).sum()
    }
}

/// One edge a case reached, with how often (bucketed the way AFL buckets hit counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EdgeHit {
    /// The code's address.
    pub code: Address,
    /// The `JUMPI`'s pc.
    pub pc: u32,
    /// Whether the jump was taken.
    pub taken: bool,
    /// The hit count's bucket: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+ give 0 to 7.
    pub bucket: u8,
}

impl EdgeHit {
    /// A stable 32-bit id of the edge and its bucket, for novelty maps: the edge's hash in the
    /// upper 29 bits, the bucket in the lower 3 ([`EdgeHit::edge_of`] drops it).
    pub fn feature(&self) -> u32 {
        let a = self.code.as_slice();
        let tag = u32::from_be_bytes([a[16], a[17], a[18], a[19]]);
        let parts = [5, tag, self.pc, u32::from(self.taken)];
        let hash = parts.iter().fold(0x811c_9dc5u32, |h, p| (h ^ p).wrapping_mul(0x0100_0193));
        (hash << 3) | u32::from(self.bucket & 7)
    }

    /// The edge of a [`EdgeHit::feature`] id, whatever its bucket.
    pub fn edge_of(feature: u32) -> u32 {
        feature & !7
    }
}

fn bucket(count: u8) -> u8 {
    match count {
        0 | 1 => 0,
        2 => 1,
        3 => 2,
        4..=7 => 3,
        8..=15 => 4,
        16..=31 => 5,
        32..=127 => 6,
        _ => 7,
    }
}

/// One covered code.
#[derive(Clone, Debug)]
struct Code {
    address: Address,
    /// This case's hit counts, at `2 * pc + taken`.
    hits: Vec<u8>,
    /// Every edge ever hit, same indexing.
    edges_ever: Vec<bool>,
    /// Every `JUMPDEST` ever executed, by pc.
    blocks_ever: Vec<bool>,
}

impl Code {
    fn new(address: Address) -> Self {
        Self { address, hits: Vec::new(), edges_ever: Vec::new(), blocks_ever: Vec::new() }
    }
}

/// A frame on the probe's stack: the code slot it covers, and whether it is a module frame.
#[derive(Clone, Copy, Debug)]
struct Frame {
    slot: Option<u16>,
    module: bool,
}

/// The coverage state of one world. Off until [`Coverage::set_enabled`].
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    enabled: bool,
    compare_log: bool,
    roots: Vec<(Address, Role)>,
    codes: Vec<Code>,
    frames: Vec<Frame>,
    /// The slot of the running frame (the top of `frames`), cached for `step`.
    current: Option<u16>,
    /// Open module frames.
    module_depth: u32,
    /// `(slot, index)` of every counter this case raised from zero.
    touched: Vec<(u16, u32)>,
    compared: Vec<U256>,
    /// A direct-mapped filter of the operands logged this case, by fingerprint: one probe per
    /// comparison keeps a loop's repeated operands out of the log in constant time.
    compared_filter: Vec<u64>,
    /// One path per account validation this transaction: the last module branches it took (a
    /// ring of at most [`PATH_LEN`], so a long validation costs no shifting per branch).
    paths: Vec<VecDeque<CodeBranch>>,
    /// The frame depth of the open validation, if one is open.
    validation_frame: Option<usize>,
}

impl Coverage {
    /// Watches `address` in `role`. Watching an address twice keeps the first role.
    pub fn watch(&mut self, address: Address, role: Role) {
        if !self.roots.iter().any(|(a, _)| *a == address) {
            self.roots.push((address, role));
        }
    }

    /// Turns recording on or off (it costs a little on every instruction while on).
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// Whether recording is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Turns the compare log on or off; see [`Coverage::compared`].
    pub fn set_compare_log(&mut self, on: bool) {
        self.compare_log = on;
    }

    fn slot(&mut self, address: Address) -> u16 {
        match self.codes.iter().position(|c| c.address == address) {
            Some(i) => i as u16,
            None => {
                self.codes.push(Code::new(address));
                (self.codes.len() - 1) as u16
            }
        }
    }

    /// Whether the running frame is covered (the only state in which [`Coverage::step`] does
    /// anything).
    #[inline]
    pub(super) fn covering(&self) -> bool {
        self.current.is_some()
    }

    /// An account validation (the EntryPoint's `validateUserOp` call) starts: the module
    /// branches taken until its frame ends form its path ([`Coverage::take_paths`]).
    pub(super) fn begin_validation(&mut self) {
        if self.enabled {
            self.paths.push(VecDeque::with_capacity(PATH_LEN));
            self.validation_frame = Some(self.frames.len());
        }
    }

    /// The paths of the validations of the last transaction, in the order they ran.
    pub fn take_paths(&mut self) -> Vec<Vec<CodeBranch>> {
        self.paths.drain(..).map(Vec::from).collect()
    }

    /// A frame running the code at `code` starts.
    #[inline]
    pub(super) fn enter(&mut self, code: Address) {
        if !self.enabled {
            return;
        }
        let role = self.roots.iter().find(|(a, _)| *a == code).map(|(_, r)| *r);
        let covered = role.is_some() || self.module_depth > 0;
        let slot = covered.then(|| self.slot(code));
        let module = role == Some(Role::Module);
        self.module_depth += u32::from(module);
        self.frames.push(Frame { slot, module });
        self.current = slot;
    }

    /// A frame that runs no code of interest starts (a contract creation).
    #[inline]
    pub(super) fn enter_other(&mut self) {
        if !self.enabled {
            return;
        }
        self.frames.push(Frame { slot: None, module: false });
        self.current = None;
    }

    /// The running frame ends.
    #[inline]
    pub(super) fn leave(&mut self) {
        if !self.enabled {
            return;
        }
        if let Some(frame) = self.frames.pop() {
            self.module_depth -= u32::from(frame.module);
        }
        if self.validation_frame == Some(self.frames.len()) {
            self.validation_frame = None;
        }
        self.current = self.frames.last().and_then(|f| f.slot);
    }

    /// One instruction of the running frame is about to execute: `opcode` at `pc`; `operands`
    /// reads the stack (`0` is the top).
    ///
    /// This runs before every instruction of covered code, so it only tells the few opcodes
    /// that are recorded from the rest; [`Coverage::record`] does the work out of line, which
    /// keeps this check free of the register spills the recording would bring.
    #[inline]
    pub(super) fn step(&mut self, opcode: u8, pc: usize, operands: impl Fn(usize) -> Option<U256>) {
        let Some(slot) = self.current else {
            return;
        };
        if opcode == JUMPI
            || opcode == JUMPDEST
            || (self.compare_log && COMPARISONS.contains(&opcode))
        {
            self.record(slot, opcode, pc, operands);
        }
    }

    /// Records a `JUMPI`, a `JUMPDEST` or a comparison of covered code.
    #[inline(never)]
    fn record(
        &mut self,
        slot: u16,
        opcode: u8,
        pc: usize,
        operands: impl Fn(usize) -> Option<U256>,
    ) {
        match opcode {
            JUMPI => {
                let taken = operands(1).is_some_and(|c| !c.is_zero());
                self.hit(slot, 2 * pc + usize::from(taken));
                if self.validation_frame.is_some() && self.module_depth > 0 {
                    let code = self.codes[usize::from(slot)].address;
                    if let Some(path) = self.paths.last_mut() {
                        if path.len() == PATH_LEN {
                            path.pop_front();
                        }
                        path.push_back(CodeBranch { code, pc: pc as u32, taken });
                    }
                }
            }
            JUMPDEST => {
                let blocks = &mut self.codes[usize::from(slot)].blocks_ever;
                if blocks.len() <= pc {
                    blocks.resize(pc + 1, false);
                }
                blocks[pc] = true;
            }
            _ => {
                for k in 0..2 {
                    if let Some(w) = operands(k) {
                        self.log_compared(w);
                    }
                }
            }
        }
    }

    /// Logs a compared operand unless the filter saw it this case or the log is full.
    fn log_compared(&mut self, word: U256) {
        if self.compared.len() >= COMPARE_LOG_CAP {
            return;
        }
        if self.compared_filter.is_empty() {
            self.compared_filter = vec![0; COMPARE_FILTER_LEN];
        }
        let [a, b, c, d] = *word.as_limbs();
        let print = (a ^ b.rotate_left(16) ^ c.rotate_left(32) ^ d.rotate_left(48))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            | 1;
        let slot = &mut self.compared_filter[(print >> 54) as usize % COMPARE_FILTER_LEN];
        if *slot != print {
            *slot = print;
            self.compared.push(word);
        }
    }

    #[inline]
    fn hit(&mut self, slot: u16, index: usize) {
        let hits = &mut self.codes[usize::from(slot)].hits;
        if hits.len() <= index {
            hits.resize((index + 1).next_power_of_two(), 0);
        }
        let count = &mut hits[index];
        if *count == 0 {
            self.touched.push((slot, index as u32));
        }
        *count = count.saturating_add(1);
    }

    /// Forgets the frames (and validation paths) of the last transaction; call it before each.
    pub fn reset_frames(&mut self) {
        self.frames.clear();
        self.current = None;
        self.module_depth = 0;
        self.paths.clear();
        self.validation_frame = None;
    }

    /// Hands every edge reached since the last call to `each`, with its bucketed count, adds
    /// them to [`Coverage::reached`], and clears the per-case counters.
    pub fn drain_case(&mut self, mut each: impl FnMut(EdgeHit)) {
        for (slot, index) in self.touched.drain(..) {
            let code = &mut self.codes[usize::from(slot)];
            let index = index as usize;
            let count = std::mem::take(&mut code.hits[index]);
            if code.edges_ever.len() <= index {
                code.edges_ever.resize(code.hits.len(), false);
            }
            code.edges_ever[index] = true;
            each(EdgeHit {
                code: code.address,
                pc: (index / 2) as u32,
                taken: index % 2 == 1,
                bucket: bucket(count),
            });
        }
    }

    /// The operands the compare log kept since the last [`Coverage::clear_compared`], distinct
    /// as far as its filter tells (a word evicted from it by another may appear twice).
    pub fn compared(&self) -> &[U256] {
        &self.compared
    }

    /// Empties the compare log (before each case).
    pub fn clear_compared(&mut self) {
        self.compared.clear();
        self.compared_filter.fill(0);
    }

    /// Everything reached so far (edges drained by [`Coverage::drain_case`], blocks as executed).
    pub fn reached(&self) -> Reached {
        let mut reached = Reached::default();
        for code in &self.codes {
            let edges: BTreeSet<(u32, bool)> = code
                .edges_ever
                .iter()
                .enumerate()
                .filter(|(_, hit)| **hit)
                .map(|(i, _)| ((i / 2) as u32, i % 2 == 1))
                .collect();
            let blocks: BTreeSet<u32> = code
                .blocks_ever
                .iter()
                .enumerate()
                .filter(|(_, hit)| **hit)
                .map(|(pc, _)| pc as u32)
                .collect();
            if !edges.is_empty() {
                reached.edges.insert(code.address, edges);
            }
            if !blocks.is_empty() {
                reached.blocks.insert(code.address, blocks);
            }
        }
        reached
    }
}

/// The constants a contract's code pushes (`PUSH1`..`PUSH32` immediates), distinct, in code
/// order, without jump destinations (a push directly followed by `JUMP` or `JUMPI`) and without
/// zero. What Echidna and Foundry mine as dictionary values.
pub fn push_constants(code: &[u8]) -> Vec<U256> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc];
        if (0x60..=0x7f).contains(&op) {
            let n = usize::from(op - 0x5f);
            let end = (pc + 1 + n).min(code.len());
            let value = U256::from_be_slice(&code[pc + 1..end]);
            let next = code.get(pc + 1 + n).copied();
            let jump_target = matches!(next, Some(0x56 | 0x57));
            if !jump_target && !value.is_zero() && seen.insert(value) {
                out.push(value);
            }
            pc += 1 + n;
        } else {
            pc += 1;
        }
    }
    out
}

/// The pcs of every `JUMPI` in `code` (push immediates skipped).
pub fn jumpi_pcs(code: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc];
        if op == JUMPI {
            out.push(pc as u32);
        }
        pc += 1 + if (0x60..=0x7f).contains(&op) { usize::from(op - 0x5f) } else { 0 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_constants_skip_jump_targets_and_zero() {
        // PUSH1 0x05 PUSH2 0x0010 JUMPI PUSH1 0x00 PUSH4 0xdeadbeef PUSH1 0x05 STOP
        let code = [0x60, 5, 0x61, 0, 0x10, 0x57, 0x60, 0, 0x63, 0xde, 0xad, 0xbe, 0xef, 0x60, 5];
        assert_eq!(push_constants(&code), vec![U256::from(5), U256::from(0xdead_beefu32)]);
        assert_eq!(jumpi_pcs(&code), vec![5]);
    }

    #[test]
    fn edges_are_counted_per_case_and_kept_over_cases() {
        let module = Address::with_last_byte(1);
        let library = Address::with_last_byte(2);
        let target = Address::with_last_byte(3);
        let mut c = Coverage::default();
        c.watch(module, Role::Module);
        c.set_enabled(true);
        let word = |w: u64| move |k: usize| Some(U256::from(if k == 1 { w } else { 0 }));
        // The module calls a library (covered, as a callee) which calls nothing; then the
        // target runs outside the module (not covered).
        c.enter(module);
        c.step(JUMPI, 10, word(1));
        c.step(JUMPI, 10, word(1));
        c.enter(library);
        c.step(JUMPI, 4, word(0));
        c.leave();
        c.leave();
        c.enter(target);
        c.step(JUMPI, 7, word(1));
        c.leave();
        let mut hits = Vec::new();
        c.drain_case(|h| hits.push(h));
        assert_eq!(
            hits,
            vec![
                EdgeHit { code: module, pc: 10, taken: true, bucket: 1 },
                EdgeHit { code: library, pc: 4, taken: false, bucket: 0 },
            ]
        );
        // Counters start again from zero for the next case; the union keeps both cases.
        c.enter(module);
        c.step(JUMPI, 10, word(0));
        c.step(JUMPDEST, 12, word(0));
        c.leave();
        let mut next = Vec::new();
        c.drain_case(|h| next.push(h));
        assert_eq!(next, vec![EdgeHit { code: module, pc: 10, taken: false, bucket: 0 }]);
        let reached = c.reached();
        assert_eq!(reached.edges[&module].len(), 2);
        assert_eq!(reached.edges[&library].len(), 1);
        assert!(!reached.edges.contains_key(&target));
        assert_eq!(reached.blocks[&module], BTreeSet::from([12]));
    }

    #[test]
    fn the_compare_log_keeps_distinct_operands_of_covered_code() {
        let module = Address::with_last_byte(1);
        let mut c = Coverage::default();
        c.watch(module, Role::Module);
        c.set_enabled(true);
        let operands = |k: usize| Some(U256::from(40 + k));
        c.enter(module);
        c.step(0x14, 0, operands);
        c.set_compare_log(true);
        c.step(0x14, 1, operands);
        c.step(0x10, 2, operands);
        c.step(0x11, 3, |k: usize| Some(U256::from(41 - k)));
        c.leave();
        assert_eq!(c.compared(), [U256::from(40), U256::from(41)]);
        c.clear_compared();
        assert!(c.compared().is_empty());
        // A full log keeps what it has.
        c.enter(module);
        for w in 0..2 * COMPARE_LOG_CAP as u64 {
            c.step(0x14, 4, |_: usize| Some(U256::from(w)));
        }
        c.leave();
        assert_eq!(c.compared().len(), COMPARE_LOG_CAP);
        assert_eq!(c.compared()[..3], [U256::ZERO, U256::from(1), U256::from(2)]);
    }

    #[test]
    fn a_validation_path_keeps_the_module_branches_inside_the_validation_frame() {
        let (account, module) = (Address::with_last_byte(1), Address::with_last_byte(2));
        let mut c = Coverage::default();
        c.watch(module, Role::Module);
        c.watch(account, Role::Covered);
        c.set_enabled(true);
        let cond = |w: u64| move |k: usize| Some(U256::from(if k == 1 { w } else { 0 }));
        // Validation: the account (not a path branch) calls the module (path branches).
        c.begin_validation();
        c.enter(account);
        c.step(JUMPI, 3, cond(1));
        c.enter(module);
        c.step(JUMPI, 9, cond(0));
        c.step(JUMPI, 11, cond(1));
        c.leave();
        c.leave();
        // After the validation frame ends, module branches (an execution calling the module)
        // belong to no path.
        c.enter(module);
        c.step(JUMPI, 13, cond(1));
        c.leave();
        let branch = |pc, taken| CodeBranch { code: module, pc, taken };
        assert_eq!(c.take_paths(), vec![vec![branch(9, false), branch(11, true)]]);
    }

    #[test]
    fn a_long_validation_path_keeps_its_last_branches_in_order() {
        let module = Address::with_last_byte(2);
        let mut c = Coverage::default();
        c.watch(module, Role::Module);
        c.set_enabled(true);
        c.begin_validation();
        c.enter(module);
        for pc in 0..(PATH_LEN as u32 + 5) {
            c.step(JUMPI, pc as usize, |k: usize| {
                Some(U256::from(u64::from(k == 1 && pc % 2 == 0)))
            });
        }
        c.leave();
        let paths = c.take_paths();
        let expected: Vec<CodeBranch> = (5..PATH_LEN as u32 + 5)
            .map(|pc| CodeBranch { code: module, pc, taken: pc % 2 == 0 })
            .collect();
        assert_eq!(paths, vec![expected]);
    }

    #[test]
    fn buckets_follow_afl() {
        let got: Vec<u8> =
            [1u8, 2, 3, 4, 7, 8, 16, 32, 128, 255].iter().map(|c| bucket(*c)).collect();
        assert_eq!(got, vec![0, 1, 2, 3, 3, 4, 5, 6, 7, 7]);
    }
}
