//! ABI bindings (`sol!`, Solidity syntax) and the one place that converts between the model's
//! policy and counters and the `ISessionManager` structs.
//!
//! The encoding conventions are the ones documented at the top of
//! `reference-contracts/src/interfaces/ISessionManager.sol`.

use alloy_primitives::{Address, B256, U256, aliases::U48};
use alloy_sol_types::sol;
use leash_model::bounds::{MAX_PERMISSIONS, MAX_RATE, MAX_RULES, MAX_TOKENS, TIME_MAX};
use leash_model::{
    AbiType, AllowanceOf, Condition, Counters, PeriodSpend, PeriodicAllowance, Policy, Selector,
    Status, StreamingAllowance, Target,
};

sol! {
    /// ERC-4337 v0.8 packed user operation (`PackedUserOperation.sol`).
    #[derive(Debug, PartialEq, Eq, Default)]
    struct PackedUserOperation {
        address sender;
        uint256 nonce;
        bytes initCode;
        bytes callData;
        bytes32 accountGasLimits;
        uint256 preVerificationGas;
        bytes32 gasFees;
        bytes paymasterAndData;
        bytes signature;
    }

    /// The parts of EntryPoint v0.8 the harness calls or decodes.
    #[derive(Debug, PartialEq, Eq)]
    interface IEntryPoint {
        /// Emitted once per executed op.
        event UserOperationEvent(
            bytes32 indexed userOpHash,
            address indexed sender,
            address indexed paymaster,
            uint256 nonce,
            bool success,
            uint256 actualGasCost,
            uint256 actualGasUsed
        );
        /// Emitted when an op's execution reverted with non-empty data.
        /// Emitted once per bundle between the validation loop and the execution loop.
        event BeforeExecution();

        event UserOperationRevertReason(
            bytes32 indexed userOpHash,
            address indexed sender,
            uint256 nonce,
            bytes revertReason
        );

        /// `handleOps` rejected op `opIndex` (validation failed).
        error FailedOp(uint256 opIndex, string reason);
        /// `handleOps` rejected op `opIndex` and the account (or paymaster) reverted with `inner`.
        error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner);

        /// Validates then executes `ops`, paying fees to `beneficiary`.
        function handleOps(PackedUserOperation[] calldata ops, address payable beneficiary) external;
        /// The EIP-712 hash of `userOp` (its signature excluded).
        function getUserOpHash(PackedUserOperation calldata userOp) external view returns (bytes32);
        /// The next nonce of `sender` under `key`.
        function getNonce(address sender, uint192 key) external view returns (uint256 nonce);
    }

    /// The parts of `LeashAccount` the harness calls.
    #[derive(Debug, PartialEq, Eq)]
    interface ILeashAccount {
        /// ERC-7579 execution (`mode`, `executionCalldata`).
        function execute(bytes32 mode, bytes calldata executionCalldata) external payable;
        /// ERC-4337 validation entry point.
        function validateUserOp(
            PackedUserOperation calldata userOp,
            bytes32 userOpHash,
            uint256 missingAccountFunds
        ) external returns (uint256 validationData);
        /// The installed validator module.
        function validator() external view returns (address);
        /// The owner.
        function owner() external view returns (address);
    }

    /// The leash Session Manager module interface (`ISessionManager.sol`).
    #[derive(Debug, PartialEq, Eq)]
    interface ISessionManager {
        /// A rule over one argument (spec §6.2 to §6.4).
        struct Rule {
            uint8 arg;
            bool hasSlice;
            uint32 sliceOffset;
            uint8 sliceLength;
            uint8 condition;
            uint256[] values;
            bool hasLimit;
            uint256 limit;
        }

        /// One allowed (target, selector) pair (spec §5, §6).
        struct Permission {
            bool anyTarget;
            address target;
            bool emptySelector;
            bytes4 selector;
            bool hasArgs;
            uint16[] argTypes;
            Rule[] rules;
        }

        /// At most `amount` per period (spec §7.4, §8.6, §15.2).
        #[derive(Default)]
        struct PeriodicAllowance {
            uint256 amount;
            uint48 period;
            uint48 start;
        }

        /// `initial`, then `rate` per second, up to `max` (spec §7.5, §8.7, §15.3).
        #[derive(Default)]
        struct StreamingAllowance {
            uint256 initial;
            uint128 rate;
            uint256 max;
            uint48 start;
        }

        /// An ERC-20 spend cap (spec §8).
        struct TokenCap {
            address token;
            uint256 limit;
            bool restrictSpenders;
            address[] spenders;
            bool hasPeriodic;
            PeriodicAllowance periodic;
            bool hasStreaming;
            StreamingAllowance streaming;
        }

        /// A session policy (spec §5 to §12).
        struct Policy {
            uint48 validAfter;
            uint48 validUntil;
            Permission[] permissions;
            bool hasNative;
            uint256 nativePerCall;
            uint256 nativeTotal;
            bool hasNativePeriodic;
            PeriodicAllowance nativePeriodic;
            bool hasNativeStreaming;
            StreamingAllowance nativeStreaming;
            TokenCap[] tokens;
            bool hasUsageLimit;
            uint64 usageLimit;
            bool hasRateLimit;
            uint8 rateMaxCalls;
            uint64 rateInterval;
        }

        /// A periodic allowance's counter (spec §13).
        #[derive(Default)]
        struct PeriodSpend {
            uint64 start;
            uint256 spent;
        }

        /// A session's status and counters (spec §13).
        struct SessionView {
            uint8 status;
            uint64 calls;
            uint256 nativeSpent;
            uint256[] tokenSpent;
            uint256[][] ruleUsed;
            uint64[] rateRing;
            uint8 rateHead;
            PeriodSpend nativePeriod;
            PeriodSpend[] tokenPeriod;
        }

        /// An op was denied (spec Appendix A codes; `0xff` = not applicable).
        error SessionDenied(uint8 code, uint8 execution, uint8 detail);
        /// The policy is not valid (spec §12); `code` is `PolicyError::code`.
        error InvalidPolicy(uint8 code);
        /// A session key cannot be the zero address (spec §2.1).
        error ZeroKey();
        /// The key has no session (spec §2.2).
        error UnknownSession(address key);

        /// A session was installed.
        event SessionInstalled(address indexed account, address indexed key);
        /// A session was revoked.
        event SessionRevoked(address indexed account, address indexed key);

        /// Installs a session for `key` on the calling account (spec §2.1).
        function installSession(address key, Policy calldata policy) external;
        /// Revokes the calling account's session of `key` (spec §2.2).
        function revokeSession(address key) external;
        /// The status and counters of `account`'s session of `key`.
        function sessionState(address account, address key) external view returns (SessionView memory);
        /// Called once by the account when the module is installed.
        function onInstall(bytes calldata data) external;
        /// Validates a user operation of the calling account.
        function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
            external
            returns (uint256 validationData);
    }

    /// `LeashToken`: OpenZeppelin ERC-20 with a public `mint` and legacy `increaseAllowance`.
    #[derive(Debug, PartialEq, Eq)]
    interface ILeashToken {
        /// ERC-20 `Transfer`.
        event Transfer(address indexed from, address indexed to, uint256 value);
        /// ERC-20 `Approval`: the new allowance.
        event Approval(address indexed owner, address indexed spender, uint256 value);
        /// Mints `amount` to `to` (unrestricted).
        function mint(address to, uint256 amount) external;
        /// ERC-20 `transfer`.
        function transfer(address to, uint256 amount) external returns (bool);
        /// ERC-20 `approve`.
        function approve(address spender, uint256 amount) external returns (bool);
        /// ERC-20 `transferFrom`.
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        /// Legacy `increaseAllowance`.
        function increaseAllowance(address spender, uint256 added) external returns (bool);
        /// ERC-20 `balanceOf`.
        function balanceOf(address owner) external view returns (uint256);
        /// ERC-20 `allowance`.
        function allowance(address owner, address spender) external view returns (uint256);
    }

    /// `Game`: a call target with static arguments and a payable function.
    #[derive(Debug, PartialEq, Eq)]
    interface IGame {
        /// `msg.value` is not exactly `count * 1e15`.
        error WrongPayment(uint256 count, uint256 paid);
        /// Attacks monster `monsterId`.
        function attack(uint256 monsterId) external;
        /// Uses skill `skill` on `target`.
        function useSkill(uint8 skill, uint256 target) external;
        /// Picks up `amount` of `item`.
        function pickup(address item, uint256 amount) external;
        /// Buys `count` lives at 1e15 wei each.
        function buyLives(uint256 count) external payable;
        /// Number of `attack` calls made by `player`.
        function attacks(address player) external view returns (uint256);
        /// Lives bought by `player`.
        function lives(address player) external view returns (uint256);
    }

    /// `Router`: a call target with a dynamic `bytes` argument.
    #[derive(Debug, PartialEq, Eq)]
    interface IRouter {
        /// Records a swap request.
        function swap(address tokenIn, uint256 amountIn, bytes calldata path, uint256 minOut) external;
        /// Number of swaps made by `caller`.
        function swapCount(address caller) external view returns (uint256);
    }
}

/// The selector of EntryPoint v0.8's `innerHandleOp(bytes,UserOpInfo,bytes)`: the EntryPoint calls
/// itself with it once per op of a bundle, in order, to run the op's execution phase.
/// (A test checks it against the embedded artifact's `methodIdentifiers`.)
pub const INNER_HANDLE_OP_SELECTOR: [u8; 4] = [0x00, 0x42, 0xdc, 0x53];

/// `Rule.condition` codes (ISessionManager.sol header).
pub mod condition {
    /// `x == values[0]`.
    pub const EQ: u8 = 0;
    /// `x != values[0]`.
    pub const NEQ: u8 = 1;
    /// `x > values[0]`.
    pub const GT: u8 = 2;
    /// `x >= values[0]`.
    pub const GTE: u8 = 3;
    /// `x < values[0]`.
    pub const LT: u8 = 4;
    /// `x <= values[0]`.
    pub const LTE: u8 = 5;
    /// `values[0] <= x <= values[1]`.
    pub const IN_RANGE: u8 = 6;
    /// `x` equals one of `values` (1..=4 of them).
    pub const ONE_OF: u8 = 7;
}

/// `Permission.argTypes` codes (ISessionManager.sol header).
pub mod arg_type {
    /// `address`.
    pub const ADDRESS: u16 = 1;
    /// `bool`.
    pub const BOOL: u16 = 2;
    /// `bytes`.
    pub const BYTES: u16 = 3;
    /// `string`.
    pub const STRING: u16 = 4;
    /// `uintN` is `UINT + N/8`, N/8 in 1..=32.
    pub const UINT: u16 = 0x100;
    /// `bytesN` is `FIXED_BYTES + N`, N in 1..=32.
    pub const FIXED_BYTES: u16 = 0x200;
}

/// A model policy that the `ISessionManager.Policy` struct cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A timestamp does not fit the interface's `uint48` (the model's `TimeTooLarge`, spec §12.1,
    /// cannot be sent to a module: it is caught before encoding).
    #[error("{field} {value} does not fit the interface's uint48 (largest 2^48-1)")]
    TimeTooLarge {
        /// `valid_after` or `valid_until`.
        field: &'static str,
        /// The value given.
        value: u64,
    },
    /// A period length or an allowance's start does not fit the interface's `uint48` (spec
    /// §12.8 and §12.9 bound them by `TIME_MAX`, so only invalid policies have one).
    #[error("{field} {value} does not fit the interface's uint48 (largest 2^48-1)")]
    AllowanceTooLarge {
        /// `period` or `start`, with the cap it belongs to.
        field: String,
        /// The value given.
        value: u64,
    },
}

/// The `argTypes` code of a model ABI type.
///
/// Unsupported types (spec §12.4) get a code the module must also reject, never the code of a
/// supported type: `uintN` with N not a multiple of 8 in 8..=256 becomes `0x100` ("uint0"), and
/// `bytesN` with N outside 1..=32 becomes `0x200 + N` (0x200 or 0x221..=0x2ff).
pub fn arg_type_code(ty: AbiType) -> u16 {
    match ty {
        AbiType::Address => arg_type::ADDRESS,
        AbiType::Bool => arg_type::BOOL,
        AbiType::Bytes => arg_type::BYTES,
        AbiType::String => arg_type::STRING,
        AbiType::Uint(bits) if ty.is_supported() => arg_type::UINT + bits / 8,
        AbiType::Uint(_) => arg_type::UINT,
        AbiType::FixedBytes(n) => arg_type::FIXED_BYTES + u16::from(n),
    }
}

/// The `(condition, values)` encoding of a model condition.
fn encode_condition(condition: &Condition) -> (u8, Vec<U256>) {
    match condition {
        Condition::Eq(r) => (condition::EQ, vec![*r]),
        Condition::Neq(r) => (condition::NEQ, vec![*r]),
        Condition::Gt(r) => (condition::GT, vec![*r]),
        Condition::Gte(r) => (condition::GTE, vec![*r]),
        Condition::Lt(r) => (condition::LT, vec![*r]),
        Condition::Lte(r) => (condition::LTE, vec![*r]),
        Condition::InRange { lo, hi } => (condition::IN_RANGE, vec![*lo, *hi]),
        Condition::OneOf(values) => (condition::ONE_OF, values.to_vec()),
    }
}

/// Converts a model timestamp to the interface's `uint48`.
fn time(field: &'static str, value: u64) -> Result<U48, EncodeError> {
    if value > TIME_MAX {
        return Err(EncodeError::TimeTooLarge { field, value });
    }
    Ok(U48::from(value))
}

/// Converts an allowance's period or start to the interface's `uint48`.
fn allowance_time(of: AllowanceOf, field: &str, value: u64) -> Result<U48, EncodeError> {
    if value > TIME_MAX {
        return Err(EncodeError::AllowanceTooLarge { field: format!("{of}: {field}"), value });
    }
    Ok(U48::from(value))
}

/// The interface's structs for a cap's allowances over time; absent ones are zero.
fn encode_allowances(
    of: AllowanceOf,
    periodic: Option<PeriodicAllowance>,
    streaming: Option<StreamingAllowance>,
) -> Result<(ISessionManager::PeriodicAllowance, ISessionManager::StreamingAllowance), EncodeError>
{
    let periodic = match periodic {
        Some(p) => ISessionManager::PeriodicAllowance {
            amount: p.amount,
            period: allowance_time(of, "periodic period", p.period)?,
            start: allowance_time(of, "periodic start", p.start)?,
        },
        None => ISessionManager::PeriodicAllowance::default(),
    };
    let streaming = match streaming {
        Some(s) => ISessionManager::StreamingAllowance {
            initial: s.initial,
            rate: s.rate,
            max: s.max,
            start: allowance_time(of, "streaming start", s.start)?,
        },
        None => ISessionManager::StreamingAllowance::default(),
    };
    Ok((periodic, streaming))
}

/// Encodes a model policy as the `ISessionManager.Policy` struct, following the conventions of
/// the `ISessionManager.sol` header. This is the one place that encodes policies.
///
/// Invalid policies are encoded too (so that a module's `InvalidPolicy` codes can be tested),
/// except a timestamp above `2^48 - 1`, which the interface's `uint48` cannot carry.
pub fn encode_policy(policy: &Policy) -> Result<ISessionManager::Policy, EncodeError> {
    let permissions = policy
        .permissions
        .iter()
        .map(|p| {
            let (any_target, target) = match p.target {
                Target::Any => (true, Address::ZERO),
                Target::Address(a) => (false, a),
            };
            let (empty_selector, selector) = match p.selector {
                Selector::Empty => (true, [0u8; 4]),
                Selector::Exact(s) => (false, s),
            };
            let rules = p
                .rules
                .iter()
                .map(|r| {
                    let (code, values) = encode_condition(&r.condition);
                    ISessionManager::Rule {
                        arg: r.arg,
                        hasSlice: r.slice.is_some(),
                        sliceOffset: r.slice.map_or(0, |s| s.offset),
                        sliceLength: r.slice.map_or(0, |s| s.length),
                        condition: code,
                        values,
                        hasLimit: r.limit.is_some(),
                        limit: r.limit.unwrap_or_default(),
                    }
                })
                .collect();
            ISessionManager::Permission {
                anyTarget: any_target,
                target,
                emptySelector: empty_selector,
                selector: selector.into(),
                hasArgs: p.args.is_some(),
                argTypes: p
                    .args
                    .as_ref()
                    .map(|args| args.iter().map(|t| arg_type_code(*t)).collect())
                    .unwrap_or_default(),
                rules,
            }
        })
        .collect();
    let tokens = policy
        .erc20
        .iter()
        .enumerate()
        .map(|(index, cap)| {
            let (periodic, streaming) =
                encode_allowances(AllowanceOf::Token(index), cap.periodic, cap.streaming)?;
            Ok(ISessionManager::TokenCap {
                token: cap.token,
                limit: cap.limit,
                restrictSpenders: cap.spenders.is_some(),
                spenders: cap.spenders.as_ref().map(|s| s.to_vec()).unwrap_or_default(),
                hasPeriodic: cap.periodic.is_some(),
                periodic,
                hasStreaming: cap.streaming.is_some(),
                streaming,
            })
        })
        .collect::<Result<Vec<_>, EncodeError>>()?;
    let native_periodic = policy.native.and_then(|n| n.periodic);
    let native_streaming = policy.native.and_then(|n| n.streaming);
    let (native_periodic_struct, native_streaming_struct) =
        encode_allowances(AllowanceOf::Native, native_periodic, native_streaming)?;
    Ok(ISessionManager::Policy {
        validAfter: time("valid_after", policy.valid_after)?,
        validUntil: time("valid_until", policy.valid_until)?,
        permissions,
        hasNative: policy.native.is_some(),
        nativePerCall: policy.native.map_or(U256::ZERO, |n| n.per_call),
        nativeTotal: policy.native.map_or(U256::ZERO, |n| n.total),
        hasNativePeriodic: native_periodic.is_some(),
        nativePeriodic: native_periodic_struct,
        hasNativeStreaming: native_streaming.is_some(),
        nativeStreaming: native_streaming_struct,
        tokens,
        hasUsageLimit: policy.usage_limit.is_some(),
        usageLimit: policy.usage_limit.unwrap_or(0),
        hasRateLimit: policy.rate_limit.is_some(),
        rateMaxCalls: policy.rate_limit.map_or(0, |r| r.max_calls),
        rateInterval: policy.rate_limit.map_or(0, |r| r.interval),
    })
}

/// A `SessionView` that the model's fixed-size counters cannot hold: the module returned
/// something no correct module returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// `status` is not 0 (none), 1 (active) or 2 (revoked).
    #[error("session view status {0} is not 0 (none), 1 (active) or 2 (revoked)")]
    Status(u8),
    /// An array is longer than the model's bound.
    #[error("session view {field} has {len} entries, more than the model's {max}")]
    TooLong {
        /// `tokenSpent`, `ruleUsed`, `ruleUsed[p]`, `rateRing` or `tokenPeriod`.
        field: &'static str,
        /// The length returned.
        len: usize,
        /// The model's bound.
        max: usize,
    },
    /// `rateHead` does not index the model's ring.
    #[error("session view rateHead {0} is not below the model's ring size {MAX_RATE}")]
    RateHead(u8),
}

/// Maps a module's `SessionView` into the model's status and fixed-size counters: entries the
/// view does not list (caps, rules and ring slots the policy does not have) are zero, as in the
/// model. Status 0 (no session) is `Ok(None)`.
pub fn decode_session_view(
    view: &ISessionManager::SessionView,
) -> Result<Option<(Status, Counters)>, ViewError> {
    let status = match view.status {
        0 => return Ok(None),
        1 => Status::Active,
        2 => Status::Revoked,
        other => return Err(ViewError::Status(other)),
    };
    let too_long = |field, len, max| ViewError::TooLong { field, len, max };
    let mut counters =
        Counters { calls: view.calls, native_spent: view.nativeSpent, ..Counters::default() };
    if view.tokenSpent.len() > MAX_TOKENS {
        return Err(too_long("tokenSpent", view.tokenSpent.len(), MAX_TOKENS));
    }
    counters.token_spent[..view.tokenSpent.len()].copy_from_slice(&view.tokenSpent);
    if view.ruleUsed.len() > MAX_PERMISSIONS {
        return Err(too_long("ruleUsed", view.ruleUsed.len(), MAX_PERMISSIONS));
    }
    for (slot, used) in counters.rule_used.iter_mut().zip(&view.ruleUsed) {
        if used.len() > MAX_RULES {
            return Err(too_long("ruleUsed[p]", used.len(), MAX_RULES));
        }
        slot[..used.len()].copy_from_slice(used);
    }
    if view.rateRing.len() > MAX_RATE {
        return Err(too_long("rateRing", view.rateRing.len(), MAX_RATE));
    }
    counters.rate_ring[..view.rateRing.len()].copy_from_slice(&view.rateRing);
    if usize::from(view.rateHead) >= MAX_RATE {
        return Err(ViewError::RateHead(view.rateHead));
    }
    counters.rate_head = view.rateHead;
    let period = |p: &ISessionManager::PeriodSpend| PeriodSpend { start: p.start, spent: p.spent };
    counters.native_period = period(&view.nativePeriod);
    if view.tokenPeriod.len() > MAX_TOKENS {
        return Err(too_long("tokenPeriod", view.tokenPeriod.len(), MAX_TOKENS));
    }
    for (slot, p) in counters.token_period.iter_mut().zip(&view.tokenPeriod) {
        *slot = period(p);
    }
    Ok(Some((status, counters)))
}

/// The ERC-7579 mode word for a single call with the default exec type.
pub const MODE_SINGLE: B256 = B256::ZERO;

/// `abi.encodePacked(target, value, data)`: the single-execution payload of `execute`.
pub fn single_execution(target: Address, value: U256, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(52 + data.len());
    out.extend_from_slice(target.as_slice());
    out.extend_from_slice(&value.to_be_bytes::<32>());
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::{SolCall, SolError};
    use leash_model::bounded::BoundedVec;
    use leash_model::{ArgRule, NativeCap, Permission, RateLimit, Slice, TokenCap};

    #[test]
    fn selectors_match_the_artifacts() {
        assert_eq!(IEntryPoint::handleOpsCall::SELECTOR, [0x76, 0x5e, 0x82, 0x7f]);
        assert_eq!(IEntryPoint::getUserOpHashCall::SELECTOR, [0x22, 0xcd, 0xde, 0x4c]);
        assert_eq!(ILeashAccount::executeCall::SELECTOR, leash_model::selectors::EXECUTE);
        assert_eq!(ILeashAccount::validateUserOpCall::SELECTOR, [0x19, 0x82, 0x2f, 0x7c]);
        assert_eq!(ILeashToken::transferCall::SELECTOR, leash_model::selectors::TRANSFER);
        assert_eq!(
            ILeashToken::increaseAllowanceCall::SELECTOR,
            leash_model::selectors::INCREASE_ALLOWANCE
        );
        assert_eq!(IEntryPoint::FailedOp::SIGNATURE, "FailedOp(uint256,string)");
        assert_eq!(
            IEntryPoint::FailedOpWithRevert::SIGNATURE,
            "FailedOpWithRevert(uint256,string,bytes)"
        );
    }

    fn rich_policy() -> Policy {
        let token = Address::repeat_byte(0x70);
        let rule = |arg, slice, condition, limit| ArgRule { arg, slice, condition, limit };
        Policy {
            valid_after: 10,
            valid_until: 20,
            permissions: BoundedVec::try_from_iter([
                Permission {
                    target: Target::Any,
                    selector: Selector::Exact([1, 2, 3, 4]),
                    args: Some(
                        BoundedVec::try_from_iter([
                            AbiType::Uint(256),
                            AbiType::Bytes,
                            AbiType::FixedBytes(4),
                            AbiType::Uint(9),
                        ])
                        .unwrap(),
                    ),
                    rules: BoundedVec::try_from_iter([
                        rule(
                            0,
                            None,
                            Condition::InRange { lo: U256::from(1), hi: U256::from(5) },
                            Some(U256::from(9)),
                        ),
                        rule(
                            1,
                            Some(Slice { offset: 3, length: 4 }),
                            Condition::OneOf(
                                BoundedVec::try_from_iter([U256::from(7), U256::from(8)]).unwrap(),
                            ),
                            None,
                        ),
                    ])
                    .unwrap(),
                },
                Permission {
                    target: Target::Address(token),
                    selector: Selector::Empty,
                    args: None,
                    rules: BoundedVec::new(),
                },
            ])
            .unwrap(),
            native: Some(NativeCap {
                per_call: U256::from(3),
                total: U256::from(4),
                periodic: Some(PeriodicAllowance { amount: U256::from(2), period: 60, start: 7 }),
                streaming: None,
            }),
            erc20: BoundedVec::try_from_iter([
                TokenCap {
                    token,
                    limit: U256::from(100),
                    spenders: Some(BoundedVec::try_from_iter([Address::repeat_byte(1)]).unwrap()),
                    ..TokenCap::default()
                },
                TokenCap {
                    token: Address::repeat_byte(0x71),
                    limit: U256::from(5),
                    spenders: None,
                    periodic: None,
                    streaming: Some(StreamingAllowance {
                        initial: U256::from(1),
                        rate: u128::MAX,
                        max: U256::from(5),
                        start: TIME_MAX,
                    }),
                },
            ])
            .unwrap(),
            usage_limit: Some(6),
            rate_limit: Some(RateLimit { max_calls: 2, interval: 60 }),
        }
    }

    #[test]
    fn encode_policy_follows_the_interface_conventions() {
        let p = encode_policy(&rich_policy()).unwrap();
        assert_eq!((p.validAfter, p.validUntil), (U48::from(10), U48::from(20)));
        let p0 = &p.permissions[0];
        assert!(p0.anyTarget && p0.target == Address::ZERO && !p0.emptySelector && p0.hasArgs);
        assert_eq!(p0.selector.0, [1, 2, 3, 4]);
        assert_eq!(p0.argTypes, vec![0x120, 3, 0x204, 0x100]);
        let r0 = &p0.rules[0];
        assert_eq!((r0.arg, r0.hasSlice, r0.condition), (0, false, condition::IN_RANGE));
        assert_eq!(r0.values, vec![U256::from(1), U256::from(5)]);
        assert!(r0.hasLimit && r0.limit == U256::from(9));
        let r1 = &p0.rules[1];
        assert_eq!((r1.hasSlice, r1.sliceOffset, r1.sliceLength), (true, 3, 4));
        assert_eq!(
            (r1.condition, r1.values.len(), r1.hasLimit, r1.limit),
            (condition::ONE_OF, 2, false, U256::ZERO)
        );
        let p1 = &p.permissions[1];
        assert!(!p1.anyTarget && p1.emptySelector && p1.selector.0 == [0; 4] && !p1.hasArgs);
        assert!(p1.argTypes.is_empty() && p1.rules.is_empty());
        assert!(p.hasNative && p.nativePerCall == U256::from(3) && p.nativeTotal == U256::from(4));
        assert!(p.tokens[0].restrictSpenders && p.tokens[0].spenders.len() == 1);
        assert!(!p.tokens[1].restrictSpenders && p.tokens[1].spenders.is_empty());
        assert!(p.hasUsageLimit && p.usageLimit == 6);
        assert!(p.hasRateLimit && p.rateMaxCalls == 2 && p.rateInterval == 60);
        assert!(p.hasNativePeriodic && !p.hasNativeStreaming);
        assert_eq!(
            (p.nativePeriodic.amount, p.nativePeriodic.period, p.nativePeriodic.start),
            (U256::from(2), U48::from(60), U48::from(7))
        );
        assert_eq!(p.nativeStreaming, ISessionManager::StreamingAllowance::default());
        let t1 = &p.tokens[1];
        assert!(!t1.hasPeriodic && t1.hasStreaming);
        assert_eq!(t1.periodic, ISessionManager::PeriodicAllowance::default());
        assert_eq!((t1.streaming.initial, t1.streaming.rate), (U256::from(1), u128::MAX));
        assert_eq!((t1.streaming.max, t1.streaming.start), (U256::from(5), U48::from(TIME_MAX)));
        assert!(!p.tokens[0].hasPeriodic && !p.tokens[0].hasStreaming);

        let empty = encode_policy(&Policy::default()).unwrap();
        assert!(!empty.hasNative && !empty.hasUsageLimit && !empty.hasRateLimit);
        assert!(!empty.hasNativePeriodic && !empty.hasNativeStreaming);
        assert_eq!((empty.usageLimit, empty.rateMaxCalls, empty.rateInterval), (0, 0, 0));
    }

    #[test]
    fn unsupported_types_never_encode_as_supported_ones() {
        for bits in 0..=u16::MAX {
            let code = arg_type_code(AbiType::Uint(bits));
            let supported = AbiType::Uint(bits).is_supported();
            assert_eq!((0x101..=0x120).contains(&code), supported, "uint{bits} -> {code:#x}");
        }
        for n in 0..=u8::MAX {
            let code = arg_type_code(AbiType::FixedBytes(n));
            assert_eq!((0x201..=0x220).contains(&code), (1..=32).contains(&n), "bytes{n}");
        }
    }

    #[test]
    fn timestamps_above_uint48_are_an_error() {
        let policy = Policy { valid_until: TIME_MAX + 1, ..Policy::default() };
        assert_eq!(
            encode_policy(&policy),
            Err(EncodeError::TimeTooLarge { field: "valid_until", value: TIME_MAX + 1 })
        );
        let ok = Policy { valid_until: TIME_MAX, ..Policy::default() };
        assert_eq!(encode_policy(&ok).unwrap().validUntil, U48::from(TIME_MAX));
        let mut long = rich_policy();
        long.erc20.as_mut_slice()[1].streaming.as_mut().unwrap().start = TIME_MAX + 1;
        assert_eq!(
            encode_policy(&long),
            Err(EncodeError::AllowanceTooLarge {
                field: "erc20 cap 1: streaming start".into(),
                value: TIME_MAX + 1
            })
        );
    }

    fn view(status: u8) -> ISessionManager::SessionView {
        ISessionManager::SessionView {
            status,
            calls: 3,
            nativeSpent: U256::from(4),
            tokenSpent: vec![U256::from(5), U256::from(6)],
            ruleUsed: vec![vec![U256::from(7)], vec![], vec![U256::ZERO, U256::from(8)]],
            rateRing: vec![11, 12, 13],
            rateHead: 2,
            nativePeriod: ISessionManager::PeriodSpend { start: 60, spent: U256::from(9) },
            tokenPeriod: vec![
                ISessionManager::PeriodSpend::default(),
                ISessionManager::PeriodSpend { start: 120, spent: U256::from(3) },
            ],
        }
    }

    #[test]
    fn session_views_map_into_fixed_counters() {
        assert_eq!(decode_session_view(&view(0)), Ok(None));
        let (status, c) = decode_session_view(&view(1)).unwrap().unwrap();
        assert_eq!(status, Status::Active);
        assert_eq!((c.calls, c.native_spent), (3, U256::from(4)));
        assert_eq!(c.token_spent, [U256::from(5), U256::from(6), U256::ZERO, U256::ZERO]);
        assert_eq!(c.rule_used[0][0], U256::from(7));
        assert_eq!(c.rule_used[2][1], U256::from(8));
        assert_eq!(c.rate_ring, [11, 12, 13, 0, 0, 0, 0, 0]);
        assert_eq!(c.rate_head, 2);
        assert_eq!(c.native_period, PeriodSpend { start: 60, spent: U256::from(9) });
        assert_eq!(c.token_period[1], PeriodSpend { start: 120, spent: U256::from(3) });
        assert_eq!(c.token_period[2], PeriodSpend::default());
        assert_eq!(decode_session_view(&view(2)).unwrap().unwrap().0, Status::Revoked);
    }

    #[test]
    fn malformed_session_views_are_errors() {
        assert_eq!(decode_session_view(&view(3)), Err(ViewError::Status(3)));
        let mut v = view(1);
        v.tokenSpent = vec![U256::ZERO; 5];
        assert!(matches!(
            decode_session_view(&v),
            Err(ViewError::TooLong { field: "tokenSpent", len: 5, max: 4 })
        ));
        let mut v = view(1);
        v.ruleUsed[1] = vec![U256::ZERO; 5];
        assert!(matches!(
            decode_session_view(&v),
            Err(ViewError::TooLong { field: "ruleUsed[p]", .. })
        ));
        let mut v = view(1);
        v.ruleUsed = vec![vec![]; 9];
        assert!(matches!(
            decode_session_view(&v),
            Err(ViewError::TooLong { field: "ruleUsed", .. })
        ));
        let mut v = view(1);
        v.rateRing = vec![0; 9];
        assert!(matches!(
            decode_session_view(&v),
            Err(ViewError::TooLong { field: "rateRing", .. })
        ));
        let mut v = view(1);
        v.tokenPeriod = vec![ISessionManager::PeriodSpend::default(); 5];
        assert!(matches!(
            decode_session_view(&v),
            Err(ViewError::TooLong { field: "tokenPeriod", .. })
        ));
        let mut v = view(1);
        v.rateHead = 8;
        assert_eq!(decode_session_view(&v), Err(ViewError::RateHead(8)));
    }
}
