//! leash's differential fuzzing harness: the EVM side ([`evm`]) that runs session-key
//! UserOperations through EntryPoint v0.8, the account and a session module.
#![forbid(unsafe_code)]

pub mod case;
pub mod corpus;
pub mod engine;
pub mod evm;
pub mod finding;
pub mod generate;
pub mod hex_bytes;
pub mod minimize;
pub mod mutate;
pub mod oracle;
pub mod run;
pub mod target;
pub mod throughput;
