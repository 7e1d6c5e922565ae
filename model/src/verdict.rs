//! Verdicts: what validating an op decides (spec §1.2, §14).

use alloy_primitives::{Address, U256};

use crate::bounded::BoundedVec;
use crate::bounds::MAX_BATCH;
use crate::counters::Counters;

/// The outcome of validating an op (spec §1.2). A denial is a value, never an error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a verdict is built once per op and matched at once; boxing would only add an allocation"
)]
pub enum Verdict<'a> {
    /// The op is allowed; applying the effects records it.
    Allow(Effects<'a>),
    /// The op is denied; nothing changes (spec §1.3).
    Deny(Denial),
}

impl<'a> Verdict<'a> {
    /// Whether the op is allowed.
    pub fn is_allow(&self) -> bool {
        matches!(self, Self::Allow(_))
    }

    /// The denial, if the op is denied.
    pub fn denial(&self) -> Option<&Denial> {
        match self {
            Self::Allow(_) => None,
            Self::Deny(denial) => Some(denial),
        }
    }

    /// The effects, if the op is allowed.
    pub fn effects(&self) -> Option<&Effects<'a>> {
        match self {
            Self::Allow(effects) => Some(effects),
            Self::Deny(_) => None,
        }
    }
}

/// One call the account makes while executing an op.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Execution<'a> {
    /// The called address.
    pub target: Address,
    /// The native value sent.
    pub value: U256,
    /// The calldata.
    pub data: &'a [u8],
}

/// The executions of one op, in order.
pub type Executions<'a> = BoundedVec<Execution<'a>, MAX_BATCH>;

/// Everything an allowed op does (spec §14).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effects<'a> {
    /// The session key that signed the op.
    pub key: Address,
    /// The executions the account will make, in order.
    pub executions: Executions<'a>,
    /// The session's counters before the op.
    pub before: Counters,
    /// The session's counters after the op.
    pub after: Counters,
}

/// Why an op is denied: one reason, one clause (spec §1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Denial {
    /// The reason.
    pub reason: DenyReason,
    /// The index of the execution (or batch item) the reason applies to, if any.
    pub execution: Option<u8>,
    /// The argument index (spec §6.1, §8.2) or rule index (spec §6.2 to §6.4), if any.
    pub detail: Option<u8>,
}

impl Denial {
    /// A denial that concerns the op as a whole.
    pub const fn op(reason: DenyReason) -> Self {
        Self { reason, execution: None, detail: None }
    }

    /// A denial that concerns execution (or batch item) `index`.
    pub const fn at(reason: DenyReason, index: u8) -> Self {
        Self { reason, execution: Some(index), detail: None }
    }

    /// The same denial with a detail index.
    pub const fn with_detail(self, detail: u8) -> Self {
        Self { detail: Some(detail), ..self }
    }

    /// The spec clause that denies.
    pub fn clause(&self) -> &'static str {
        self.reason.clause()
    }
}

impl core::fmt::Display for Denial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} (spec {})", self.reason.describe(), self.reason.clause())?;
        if let Some(execution) = self.execution {
            write!(f, " at execution {execution}")?;
        }
        if let Some(detail) = self.detail {
            let what = if self.reason.detail_is_rule() { "rule" } else { "argument" };
            write!(f, ", {what} {detail}")?;
        }
        Ok(())
    }
}

macro_rules! deny_reasons {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $clause:literal, $text:literal;)+) => {
        /// Every reason an op can be denied for. The discriminant is the code the Solidity module
        /// reverts with (`SessionDenied(code, execution, detail)`); the codes are stable.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum DenyReason {
            $($(#[$doc])* $name = $code,)+
        }

        impl DenyReason {
            /// Every reason, in code order.
            pub const ALL: &'static [DenyReason] = &[$(Self::$name,)+];

            /// The spec clause that gives this denial.
            pub const fn clause(self) -> &'static str {
                match self { $(Self::$name => $clause,)+ }
            }

            /// A one-line description.
            pub const fn describe(self) -> &'static str {
                match self { $(Self::$name => $text,)+ }
            }

            /// The stable numeric code.
            pub const fn code(self) -> u8 {
                self as u8
            }

            /// The reason with this code, if there is one.
            pub fn from_code(code: u8) -> Option<Self> {
                match code { $($code => Some(Self::$name),)+ _ => None }
            }

            /// The reason's name, as written in the spec.
            pub const fn name(self) -> &'static str {
                match self { $(Self::$name => stringify!($name),)+ }
            }
        }
    };
}

deny_reasons! {
    /// The signer has no session.
    NoSession = 1, "§2.3.1", "the signer has no session";
    /// The session is revoked.
    Revoked = 2, "§2.3.2", "the session is revoked";
    /// `callData` is not a call to `execute(bytes32,bytes)`.
    NotExecute = 10, "§3.1", "callData is not execute(bytes32,bytes)";
    /// `callData` is shorter than its head.
    HeadTruncated = 11, "§3.2", "callData is shorter than the execute head";
    /// The mode's call type is not single or batch.
    CallType = 12, "§3.3.1", "the call type is not single or batch";
    /// The mode's exec type is not the default.
    ExecType = 13, "§3.3.2", "the exec type is not default (revert on failure)";
    /// The mode's unused bytes are not zero.
    ModePayload = 14, "§3.3.3", "mode bytes 2..32 are not zero";
    /// The `executionCalldata` offset is not `0x40`.
    OuterOffset = 15, "§3.4.1", "the executionCalldata offset is not 0x40";
    /// The `executionCalldata` length runs past `callData`.
    OuterTruncated = 16, "§3.4.2", "the executionCalldata length runs past callData";
    /// `callData` has bytes missing or left over around `executionCalldata`.
    OuterLength = 17, "§3.4.3", "callData length does not match executionCalldata";
    /// The padding after `executionCalldata` is not zero.
    OuterPadding = 18, "§3.4.4", "the padding after executionCalldata is not zero";
    /// A single execution is shorter than target and value.
    SingleTooShort = 19, "§3.5", "a single execution is shorter than 52 bytes";
    /// A batch is shorter than its array head.
    BatchTruncated = 20, "§3.6.1", "the batch is shorter than its array head";
    /// The batch array offset is not `0x20`.
    ArrayOffset = 21, "§3.6.2", "the batch array offset is not 0x20";
    /// The batch is empty.
    EmptyBatch = 22, "§3.6.3", "the batch is empty";
    /// The batch has more than `MAX_BATCH` items.
    BatchTooLarge = 23, "§3.6.4", "the batch has more than MAX_BATCH items";
    /// The batch's item offsets run past it.
    OffsetsTruncated = 24, "§3.6.5", "the item offsets run past the batch";
    /// An item offset is not the canonical one.
    ItemOffset = 25, "§3.6.6", "an item offset is not canonical";
    /// An item's head runs past the batch.
    ItemTruncated = 26, "§3.6.7", "an item head runs past the batch";
    /// An item's target word has dirty upper bytes.
    DirtyTarget = 27, "§3.6.8", "an item target has dirty upper bytes";
    /// An item's calldata offset is not `0x60`.
    DataOffset = 28, "§3.6.9", "an item callData offset is not 0x60";
    /// An item's calldata runs past the batch.
    DataTruncated = 29, "§3.6.10", "an item callData runs past the batch";
    /// An item's calldata padding is not zero.
    DataPadding = 30, "§3.6.11", "an item callData padding is not zero";
    /// The batch has bytes after its last item.
    BatchLength = 31, "§3.6.12", "the batch has bytes after its last item";
    /// The execution calls the account itself.
    SelfCall = 40, "§4.1", "the target is the account itself";
    /// The execution calls the module.
    ModuleCall = 41, "§4.2", "the target is the session module";
    /// The execution calls `address(0)`.
    ZeroTarget = 42, "§4.3", "the target is address(0)";
    /// The calldata is 1 to 3 bytes long.
    ShortCalldata = 50, "§5.1", "the calldata is 1 to 3 bytes long";
    /// No permission matches the target and selector.
    NotPermitted = 51, "§5.3", "no permission for this target and selector";
    /// The arguments are shorter than their head.
    ArgsTruncated = 60, "§6.1.1", "the arguments are shorter than their head";
    /// A static argument is not clean for its type.
    ArgDirty = 61, "§6.1.2", "a static argument is not clean for its type";
    /// A dynamic argument's offset is not canonical.
    ArgOffset = 62, "§6.1.3", "a dynamic argument offset is not canonical";
    /// A dynamic argument's tail runs past the calldata.
    ArgTailTruncated = 63, "§6.1.4", "a dynamic argument runs past the calldata";
    /// A dynamic argument's padding is not zero.
    ArgPadding = 64, "§6.1.5", "a dynamic argument padding is not zero";
    /// The arguments have bytes left over.
    ArgsLength = 65, "§6.1.6", "the arguments have trailing bytes";
    /// A rule's slice lies outside its argument's content.
    SliceOutOfBounds = 66, "§6.2", "a rule slice lies outside the argument";
    /// An argument fails its rule's condition.
    ArgCondition = 67, "§6.3", "an argument fails its rule";
    /// An argument would exceed its rule's cumulative limit.
    ArgLimit = 68, "§6.4", "an argument would exceed its cumulative limit";
    /// Native value without a native-value cap.
    NativeValue = 70, "§7.1", "native value is not allowed";
    /// Native value above the per-call cap.
    NativePerCall = 71, "§7.2", "native value exceeds the per-call cap";
    /// Native value above the total cap.
    NativeTotal = 72, "§7.3", "native value exceeds the total cap";
    /// Native value above what the current period still allows.
    NativePeriod = 73, "§7.4", "native value exceeds the periodic allowance";
    /// Native value above what the stream has unlocked.
    NativeStream = 74, "§7.5", "native value exceeds what the stream has unlocked";
    /// A call to a capped token with another selector.
    TokenSelector = 80, "§8.1", "a capped token is called with a selector the cap cannot count";
    /// A call to a capped token with non-canonical arguments.
    TokenArgs = 81, "§8.2", "a capped token call has non-canonical arguments";
    /// `transferFrom` from an address other than the account.
    TransferFromOther = 82, "§8.3", "transferFrom moves tokens of another address";
    /// An approval for a spender the cap does not list.
    Spender = 83, "§8.4", "the spender is not allowed";
    /// A token amount above the cap.
    TokenCap = 84, "§8.5", "the token amount exceeds the cap";
    /// A token amount above what the current period still allows.
    TokenPeriod = 85, "§8.6", "the token amount exceeds the periodic allowance";
    /// A token amount above what the stream has unlocked.
    TokenStream = 86, "§8.7", "the token amount exceeds what the stream has unlocked";
    /// The rate limit is reached.
    RateLimit = 90, "§9.1", "the rate limit is reached";
    /// The usage limit is used up.
    UsageLimit = 100, "§10.1", "the usage limit is used up";
    /// The window has not started.
    NotYetValid = 110, "§11.1", "the session is not valid yet";
    /// The window has ended.
    Expired = 111, "§11.2", "the session has expired";
    /// The op has no paymaster but the policy requires one.
    PaymasterRequired = 120, "§16.1.1", "the op has no paymaster but the session requires one";
    /// The op's paymaster is not on the policy's allowlist.
    Paymaster = 121, "§16.1.2", "the paymaster is not allowed";
    /// The op's `maxFeePerGas` is above the cap.
    GasFee = 122, "§16.2", "maxFeePerGas exceeds the cap";
    /// The op's maximum cost is above the per-op limit.
    GasPerOp = 123, "§16.3", "the op's maximum gas cost exceeds the per-op limit";
    /// The op's maximum cost would take the session above its total gas limit.
    GasTotal = 124, "§16.4", "the op's maximum gas cost exceeds what the gas limit has left";
    /// The chain is not on the policy's chain list.
    Chain = 130, "§17.1", "the session may not act on this chain";
}

impl DenyReason {
    /// Whether [`Denial::detail`] is a rule index (otherwise it is an argument index).
    pub const fn detail_is_rule(self) -> bool {
        matches!(self, Self::SliceOutOfBounds | Self::ArgCondition | Self::ArgLimit)
    }
}

impl core::fmt::Display for DenyReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(kani)]
impl kani::Arbitrary for DenyReason {
    fn any() -> Self {
        let index: usize = kani::any();
        kani::assume(index < Self::ALL.len());
        Self::ALL[index]
    }
}
