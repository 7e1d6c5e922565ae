//! leash's differential fuzzer: session lifecycles run on the model (`leash-model`) and on a
//! Solidity session module in revm, behind the real ERC-4337 EntryPoint, compared op by op.
//!
//! * [`evm`]: the revm world, policy encoding, signed UserOperations, bundles, call recorder.
//! * [`target`]: which module runs (reference, mutant, external, a real module's build).
//! * [`modules`]: the adapters that drive each kind of module: its semantic profile, the
//!   translation of a policy into what it can express, install, revoke, signatures, counters.
//! * [`generate`]: random policies and lifecycles, one generator per policy rule.
//! * [`mutate`]: structure-aware calldata mutation into non-canonical encodings.
//! * [`case`]: the case format; [`run`]: playing a case on both sides; [`oracle`]: classifying
//!   what differs ([`finding`]).
//! * [`engine`]: seeded multi-worker campaigns; [`minimize`]: shrinking findings;
//!   [`corpus`]: the on-disk format, written atomically; [`limits`]: the size limits.
//! * [`sources`]: bytecode back to Solidity lines: coverage reports (lcov) and finding locations.
//! * [`throughput`] and [`kill`]: the benchmarks behind `leash bench`.
#![forbid(unsafe_code)]

pub mod case;
pub mod corpus;
pub mod corpus_dir;
pub mod engine;
pub mod evm;
pub mod finding;
pub mod generate;
pub mod hex_bytes;
pub mod kill;
pub mod limits;
pub mod minimize;
pub mod modules;
pub mod mutate;
pub mod oracle;
pub mod run;
pub mod sources;
pub mod target;
pub mod throughput;
