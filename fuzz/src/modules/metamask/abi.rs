//! The Delegation Framework's ABI as the harness uses it: delegations and caveats, the
//! DelegationManager's redemption, revocation and views, the DeleGators' functions, the caveat
//! groups of `LogicalOrWrapperEnforcer`, the enforcers' counters, and the errors a refusal
//! carries besides the enforcers' `Error(string)` messages.

#![allow(missing_docs, unreachable_pub)]

use alloy_sol_types::sol;

sol! {
    #![sol(all_derives)]

    struct Caveat {
        address enforcer;
        bytes terms;
        bytes args;
    }

    struct Delegation {
        address delegate;
        address delegator;
        bytes32 authority;
        Caveat[] caveats;
        uint256 salt;
        bytes signature;
    }

    /// `LogicalOrWrapperEnforcer`'s terms: `abi.encode(CaveatGroup[])`.
    struct CaveatGroup {
        Caveat[] caveats;
    }

    /// `LogicalOrWrapperEnforcer`'s args: the group the redeemer picks.
    struct SelectedGroup {
        uint256 groupIndex;
        bytes[] caveatArgs;
    }

    /// `DelegationManager`.
    interface IDelegationManager {
        function redeemDelegations(bytes[] permissionContexts, bytes32[] modes, bytes[] executionCallDatas) external;
        function disableDelegation(Delegation delegation) external;
        function enableDelegation(Delegation delegation) external;
        function disabledDelegations(bytes32 delegationHash) external view returns (bool);
        function getDelegationHash(Delegation delegation) external pure returns (bytes32);
        function getDomainHash() external view returns (bytes32);
        function ROOT_AUTHORITY() external view returns (bytes32);

        error CannotUseADisabledDelegation();
        error InvalidAuthority();
        error InvalidDelegate();
        error InvalidDelegator();
        error InvalidEOASignature();
        error InvalidERC1271Signature();
        error EmptySignature();
        error AlreadyDisabled();
        error AlreadyEnabled();
        error BatchDataLengthMismatch();
        error EnforcedPause();
    }

    /// ERC-4337's `PackedUserOperation` (the same layout as the EntryPoint's).
    struct UserOperation {
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

    /// What every DeleGator has (`DeleGatorCore`, `EIP7702DeleGatorCore`).
    interface IDeleGator {
        function executeFromExecutor(bytes32 mode, bytes executionCalldata) external payable returns (bytes[] returnData);
        function disableDelegation(Delegation delegation) external;
        function isValidSignature(bytes32 hash, bytes signature) external view returns (bytes4);
        function getPackedUserOperationTypedDataHash(UserOperation userOp) external view returns (bytes32);

        error NotDelegationManager();
        error NotEntryPointOrSelf();
        error UnsupportedCallType(bytes1 callType);
        error UnsupportedExecType(bytes1 execType);
    }

    /// `MultiSigDeleGator`'s initializer (through `ERC1967Proxy`).
    interface IMultiSigDeleGator {
        function initialize(address[] signers, uint256 threshold) external;
    }

    /// OpenZeppelin's `ECDSA` errors, which `isValidSignature` reverts with on a malformed
    /// signature.
    interface IECDSA {
        error ECDSAInvalidSignature();
        error ECDSAInvalidSignatureLength(uint256 length);
        error ECDSAInvalidSignatureS(bytes32 s);
    }

    /// OpenZeppelin's `Address`, which `LogicalOrWrapperEnforcer` calls its groups' enforcers
    /// through: an enforcer that reverts without data surfaces as this.
    interface IAddress {
        error FailedInnerCall();
    }

    /// `LimitedCallsEnforcer`'s counter.
    function callCounts(address delegationManager, bytes32 delegationHash) external view returns (uint256);

    /// The transfer-amount enforcers' counter (`NativeTokenTransferAmountEnforcer`,
    /// `ERC20TransferAmountEnforcer`).
    function spentMap(address sender, bytes32 delegationHash) external view returns (uint256);

    /// The period enforcers' state (`NativeTokenPeriodTransferEnforcer`,
    /// `ERC20PeriodTransferEnforcer`): the terms of their first use, the index (from 1) of the
    /// period of the last transfer, and what that period has moved.
    function periodicAllowances(address delegationManager, bytes32 delegationHash) external view returns (uint256 periodAmount, uint256 periodDuration, uint256 startDate, uint256 lastTransferPeriod, uint256 transferredInCurrentPeriod);

    /// The streaming enforcers' state (`NativeTokenStreamingEnforcer`, `ERC20StreamingEnforcer`).
    function streamingAllowances(address delegationManager, bytes32 delegationHash) external view returns (uint256 initialAmount, uint256 maxAmount, uint256 amountPerSecond, uint256 startTime, uint256 spent);
}
