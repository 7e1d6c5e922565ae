#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod abi;
pub mod bounded;
pub mod bounds;
pub mod counters;
pub mod env;
pub mod format;
pub mod op;
pub mod policy;
pub mod profile;
mod rules;
pub mod state;
pub mod verdict;

pub use abi::args::ArgDecoding;
pub use bounded::BoundedVec;
pub use counters::{Counter, Counters, PeriodSpend};
pub use env::{Env, WindowPredicate};
pub use op::{OpGas, UserOp};
pub use policy::{
    AbiType, AllowanceOf, ArgRule, Condition, GasLimit, NativeCap, PaymasterRule,
    PeriodicAllowance, Permission, Policy, PolicyError, RateLimit, Selector, Slice,
    StreamingAllowance, Target, TokenCap, TokenSymbol,
};
pub use profile::{
    AllowanceSemantics, PeriodAnchor, PeriodClock, SemanticProfile, StreamOverflow, TimedAllowances,
};
pub use rules::{allowance, selector_as, selector_of};
pub use state::{AccountState, LifecycleError, Session, Status};
pub use verdict::{Denial, DenyReason, Effects, Execution, Executions, Verdict};

/// Well-known selectors the spec names.
pub mod selectors {
    pub use crate::abi::execute::EXECUTE_SELECTOR as EXECUTE;
    pub use crate::rules::erc20_selectors::{APPROVE, INCREASE_ALLOWANCE, TRANSFER, TRANSFER_FROM};
}
