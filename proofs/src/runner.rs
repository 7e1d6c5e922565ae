//! The non-Kani engines: an exhaustive odometer over the draws' hints, and a seeded random
//! runner over full-width values. Both run a harness body case after case and report how many
//! cases they checked, and the first counterexample if there is one.

use std::fmt::{self, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};

use alloy_primitives::{Address, U256};

use crate::source::Source;
use crate::{CaseResult, Outcome};

/// How a harness is run without Kani.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every combination of the draws' hints, once each (a depth-first walk of the choice tree).
    Exhaustive,
    /// Independent random cases: each draw is one of its hints 7 times in 8, otherwise a
    /// full-width value. Case `k` of seed `s` is reproducible on its own.
    Random {
        /// The seed; the harness name is mixed in, so harnesses do not share streams.
        seed: u64,
    },
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exhaustive => f.write_str("exhaustive"),
            Self::Random { seed } => write!(f, "random (seed {seed:#x})"),
        }
    }
}

/// What running a harness found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The harness.
    pub harness: &'static str,
    /// How it was run.
    pub mode: Mode,
    /// Cases in which the property was checked (discarded cases excluded).
    pub cases: u64,
    /// Cases discarded by an `assume`.
    pub discarded: u64,
    /// Checked cases whose system under test allowed (or accepted) the input.
    pub allowed: u64,
    /// Checked cases whose system under test denied (or rejected) the input.
    pub denied: u64,
    /// Exhaustive: every combination was enumerated. Random: the whole budget was used.
    /// `false` when the budget cut an exhaustive run short or a counterexample stopped the run.
    pub complete: bool,
    /// Every coverage goal the body declared, with how many cases reached it.
    pub covers: Vec<(&'static str, u64)>,
    /// The first counterexample: the violated property, the case, and every input drawn.
    pub counterexample: Option<String>,
}

impl Report {
    /// Whether the run completed without a counterexample.
    pub fn passed(&self) -> bool {
        self.complete && self.counterexample.is_none()
    }

    /// The coverage goals no case reached.
    pub fn uncovered(&self) -> Vec<&'static str> {
        self.covers.iter().filter(|(_, hits)| *hits == 0).map(|(label, _)| *label).collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} cases checked ({} allowed, {} denied), {} discarded, {}",
            self.harness, self.cases, self.allowed, self.denied, self.discarded, self.mode
        )?;
        if !self.complete && self.counterexample.is_none() {
            f.write_str(", budget exhausted before the domain")?;
        }
        if let Some(counterexample) = &self.counterexample {
            write!(f, "\ncounterexample: {counterexample}")?;
        }
        Ok(())
    }
}

/// Runs `body` under `mode` for at most `budget` cases (checked plus discarded).
///
/// A panic inside the body (the model's or the harness's: an overflow in a debug build, an
/// out-of-bounds index, an `expect`) is a counterexample, as it is under Kani.
pub fn run(
    harness: &'static str,
    body: fn(&mut Runner) -> CaseResult,
    mode: Mode,
    budget: u64,
) -> Report {
    let mut runner = Runner {
        engine: match mode {
            Mode::Exhaustive => Engine::Exhaustive { digits: Vec::new(), position: 0 },
            Mode::Random { seed } => {
                Engine::Random { stream: seed ^ fnv1a(harness.as_bytes()), rng: SplitMix64(0) }
            }
        },
        trace: Vec::new(),
        covers: Vec::new(),
    };
    let mut report = Report {
        harness,
        mode,
        cases: 0,
        discarded: 0,
        allowed: 0,
        denied: 0,
        complete: false,
        covers: Vec::new(),
        counterexample: None,
    };
    let mut case = 0u64;
    loop {
        if case == budget {
            report.complete = matches!(mode, Mode::Random { .. });
            break;
        }
        runner.begin(case);
        let result = catch_unwind(AssertUnwindSafe(|| body(&mut runner)));
        case += 1;
        let failure = match result {
            Ok(Ok(Outcome::Discarded)) => {
                report.discarded += 1;
                None
            }
            Ok(Ok(Outcome::Allowed)) => {
                report.cases += 1;
                report.allowed += 1;
                None
            }
            Ok(Ok(Outcome::Denied)) => {
                report.cases += 1;
                report.denied += 1;
                None
            }
            Ok(Err(violation)) => {
                report.cases += 1;
                Some(violation.0.to_string())
            }
            Err(payload) => {
                report.cases += 1;
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string panic payload".to_string());
                Some(format!("panicked: {message}"))
            }
        };
        if let Some(what) = failure {
            report.counterexample = Some(runner.describe(harness, &what, mode, case - 1));
            break;
        }
        if !runner.advance() {
            report.complete = true;
            break;
        }
    }
    report.covers = runner.covers;
    report
}

/// The [`Source`] of the exhaustive and random engines.
#[derive(Debug)]
pub struct Runner {
    engine: Engine,
    trace: Vec<(&'static str, Drawn)>,
    covers: Vec<(&'static str, u64)>,
}

#[derive(Debug)]
enum Engine {
    Exhaustive {
        /// The current path through the choice tree: one digit per draw, in draw order.
        digits: Vec<Digit>,
        /// The next draw's index into `digits`.
        position: usize,
    },
    Random {
        stream: u64,
        rng: SplitMix64,
    },
}

#[derive(Clone, Copy, Debug)]
struct Digit {
    value: usize,
    radix: usize,
}

#[derive(Clone, Debug)]
enum Drawn {
    Choice { index: usize, of: usize },
    Bool(bool),
    U8(u8),
    U32(u32),
    U64(u64),
    U256(U256),
    Address(Address),
    Bytes(Vec<u8>),
}

impl fmt::Display for Drawn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Choice { index, of } => write!(f, "{index} (of 0..{of})"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::U8(x) => write!(f, "{x:#04x}"),
            Self::U32(x) => write!(f, "{x}"),
            Self::U64(x) if *x == u64::MAX => f.write_str("u64::MAX"),
            Self::U64(x) => write!(f, "{x}"),
            Self::U256(x) if *x == U256::MAX => f.write_str("U256::MAX"),
            Self::U256(x) if x.bit_len() <= 64 => write!(f, "{x}"),
            Self::U256(x) => write!(f, "{x:#x}"),
            Self::Address(a) => write!(f, "{a}"),
            Self::Bytes(b) => {
                f.write_str("0x")?;
                b.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
            }
        }
    }
}

impl Runner {
    fn begin(&mut self, case: u64) {
        self.trace.clear();
        match &mut self.engine {
            Engine::Exhaustive { position, .. } => *position = 0,
            Engine::Random { stream, rng } => {
                // Each case has its own generator, so case `k` replays without cases `0..k`.
                let mut seeder = SplitMix64(stream.wrapping_add(case.wrapping_mul(GOLDEN_GAMMA)));
                *rng = SplitMix64(seeder.next());
            }
        }
    }

    /// Moves the exhaustive odometer to the next path; `false` when every path has been taken
    /// (and, for the random engine, never).
    fn advance(&mut self) -> bool {
        match &mut self.engine {
            Engine::Exhaustive { digits, position } => {
                // Draws after the last one this case made (a discarded case stops early) are
                // not part of its path.
                digits.truncate(*position);
                while let Some(last) = digits.last_mut() {
                    if last.value + 1 < last.radix {
                        last.value += 1;
                        return true;
                    }
                    digits.pop();
                }
                false
            }
            Engine::Random { .. } => true,
        }
    }

    /// The next digit of radix `radix` on the exhaustive path.
    fn digit(digits: &mut Vec<Digit>, position: &mut usize, radix: usize) -> usize {
        assert!(radix >= 1, "a draw needs at least one value");
        let value = match digits.get(*position) {
            Some(digit) => {
                assert_eq!(
                    digit.radix, radix,
                    "a harness body drew differently on replay: bodies must be deterministic"
                );
                digit.value
            }
            None => {
                digits.push(Digit { value: 0, radix });
                0
            }
        };
        *position += 1;
        value
    }

    /// One value of `hint` (exhaustive: the next in the odometer, duplicates skipped), or under
    /// the random engine a hint 7 times in 8 and `full(rng)` otherwise.
    fn pick<T: Copy + PartialEq>(
        &mut self,
        hint: &[T],
        full: impl FnOnce(&mut SplitMix64) -> T,
    ) -> T {
        match &mut self.engine {
            Engine::Exhaustive { digits, position } => {
                assert!(!hint.is_empty(), "an exhaustive draw needs a non-empty hint");
                let mut unique = [0usize; MAX_HINT];
                let mut count = 0;
                for (i, value) in hint.iter().enumerate() {
                    if !hint[..i].contains(value) {
                        assert!(count < MAX_HINT, "hints hold at most {MAX_HINT} values");
                        unique[count] = i;
                        count += 1;
                    }
                }
                let index = Self::digit(digits, position, count);
                hint[unique[index]]
            }
            Engine::Random { rng, .. } => {
                if hint.is_empty() || rng.below(8) == 0 {
                    full(rng)
                } else {
                    hint[rng.below(hint.len())]
                }
            }
        }
    }

    fn record(&mut self, label: &'static str, drawn: Drawn) {
        self.trace.push((label, drawn));
    }

    fn describe(&self, harness: &str, what: &str, mode: Mode, case: u64) -> String {
        let mut out = format!("{harness}: {what} ({mode}, case {case})");
        for (label, drawn) in &self.trace {
            let _ = write!(out, "\n  {label} = {drawn}");
        }
        out
    }
}

/// The most distinct values a hint may hold.
const MAX_HINT: usize = 64;

impl Source for Runner {
    fn symbolic(&self) -> bool {
        false
    }

    fn choose_in(&mut self, label: &'static str, n: usize, hint: &[usize]) -> usize {
        assert!(n >= 1, "choose_in({label}) needs n >= 1");
        let index = match &mut self.engine {
            Engine::Exhaustive { digits, position } if hint.is_empty() => {
                Self::digit(digits, position, n)
            }
            Engine::Random { rng, .. } if hint.is_empty() => rng.below(n),
            _ => {
                assert!(hint.iter().all(|i| *i < n), "choose_in({label}) hint out of range");
                self.pick(hint, |rng| rng.below(n))
            }
        };
        self.record(label, Drawn::Choice { index, of: n });
        index
    }

    fn bool_in(&mut self, label: &'static str, hint: &[bool]) -> bool {
        let b = self.pick(hint, |rng| rng.next() & 1 == 1);
        self.record(label, Drawn::Bool(b));
        b
    }

    fn u8_in(&mut self, label: &'static str, hint: &[u8]) -> u8 {
        let x = self.pick(hint, |rng| rng.next() as u8);
        self.record(label, Drawn::U8(x));
        x
    }

    fn u32_in(&mut self, label: &'static str, hint: &[u32]) -> u32 {
        let x = self.pick(hint, |rng| rng.wide_u64() as u32);
        self.record(label, Drawn::U32(x));
        x
    }

    fn u64_in(&mut self, label: &'static str, hint: &[u64]) -> u64 {
        let x = self.pick(hint, SplitMix64::wide_u64);
        self.record(label, Drawn::U64(x));
        x
    }

    fn u256_in(&mut self, label: &'static str, hint: &[U256]) -> U256 {
        let x = self.pick(hint, SplitMix64::wide_u256);
        self.record(label, Drawn::U256(x));
        x
    }

    fn address_in(&mut self, label: &'static str, hint: &[Address]) -> Address {
        let a = self.pick(hint, |rng| {
            let mut bytes = [0u8; 20];
            rng.fill(&mut bytes);
            Address::new(bytes)
        });
        self.record(label, Drawn::Address(a));
        a
    }

    fn bytes_in<const N: usize>(&mut self, label: &'static str, hint: &[[u8; N]]) -> [u8; N] {
        let b = self.pick(hint, |rng| {
            let mut bytes = [0u8; N];
            rng.fill(&mut bytes);
            bytes
        });
        self.record(label, Drawn::Bytes(b.to_vec()));
        b
    }

    fn assume(&mut self, cond: bool) -> bool {
        cond
    }

    fn cover(&mut self, hit: bool, label: &'static str) {
        match self.covers.iter_mut().find(|(l, _)| *l == label) {
            Some((_, hits)) => *hits += u64::from(hit),
            None => self.covers.push((label, u64::from(hit))),
        }
    }
}

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, fast, and good enough to sample test inputs.
#[derive(Clone, Copy, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias is negligible for the small `n` used here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn fill(&mut self, bytes: &mut [u8]) {
        for chunk in bytes.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }

    /// A full-width `u64`: uniform, or a power of two, or a power of two minus one.
    fn wide_u64(&mut self) -> u64 {
        let shift = self.next() % 64;
        match self.next() % 3 {
            0 => self.next(),
            1 => 1 << shift,
            _ => u64::MAX >> shift,
        }
    }

    /// A full-width 256-bit value: uniform, or a power of two, or a power of two minus one.
    fn wide_u256(&mut self) -> U256 {
        let shift = (self.next() % 256) as usize;
        match self.next() % 3 {
            0 => U256::from_limbs([self.next(), self.next(), self.next(), self.next()]),
            1 => U256::from(1) << shift,
            _ => U256::MAX >> shift,
        }
    }
}

/// FNV-1a, to mix a harness name into its random stream.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Violation;

    fn three_by_two(src: &mut Runner) -> CaseResult {
        let a = src.choose("a", 3);
        let b = src.u64_in("b", &[7, 7, 9]);
        if a == 2 && b == 9 {
            return Err(Violation("a = 2 and b = 9"));
        }
        Ok(if a == 0 { Outcome::Denied } else { Outcome::Allowed })
    }

    #[test]
    fn exhaustive_enumerates_the_product_of_deduplicated_hints() {
        let report = run("three_by_two", three_by_two, Mode::Exhaustive, 1_000);
        let counterexample = report.counterexample.expect("the last case fails");
        assert_eq!(report.cases, 6);
        assert!(counterexample.contains("a = 2 (of 0..3)"), "{counterexample}");
        assert!(counterexample.contains("b = 9"), "{counterexample}");
    }

    fn discards_odd(src: &mut Runner) -> CaseResult {
        let x = src.u64_in("x", &[1, 2, 3, 4]);
        if !src.assume(x.is_multiple_of(2)) {
            return Ok(Outcome::Discarded);
        }
        let _ = src.bool("y");
        Ok(Outcome::Allowed)
    }

    #[test]
    fn discarded_cases_stop_their_path_early() {
        let report = run("discards_odd", discards_odd, Mode::Exhaustive, 1_000);
        assert!(report.passed());
        assert_eq!((report.cases, report.discarded), (4, 2));
    }

    #[test]
    fn random_cases_are_reproducible_and_use_the_budget() {
        let a = run("discards_odd", discards_odd, Mode::Random { seed: 1 }, 500);
        let b = run("discards_odd", discards_odd, Mode::Random { seed: 1 }, 500);
        assert_eq!(a, b);
        assert!(a.passed());
        assert_eq!(a.cases + a.discarded, 500);
    }

    fn panics(src: &mut Runner) -> CaseResult {
        let x = src.u64_in("x", &[u64::MAX]);
        let _ = [0u8; 1][usize::from(x == u64::MAX)];
        Ok(Outcome::Allowed)
    }

    #[test]
    fn a_panic_is_a_counterexample() {
        let report = run("panics", panics, Mode::Exhaustive, 10);
        let counterexample = report.counterexample.expect("the body panics");
        assert!(counterexample.contains("panicked: index out of bounds"), "{counterexample}");
    }
}
