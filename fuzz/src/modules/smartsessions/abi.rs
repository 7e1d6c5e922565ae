//! SmartSessions' ABI as the harness uses it: the two `Session` layouts, the management and view
//! functions, the policies' configuration structs and getters, and the errors a refusal carries.

#![allow(missing_docs, unreachable_pub)]

use alloy_sol_types::sol;

sol! {
    #![sol(all_derives)]

    /// SmartSessions' management and view functions the harness calls (both layouts).
    interface ISmartSessionCommon {
        function removeSession(bytes32 permissionId) external;
        function isPermissionEnabled(bytes32 permissionId, address account) external view returns (bool);

        error InvalidPermissionId(bytes32 permissionId);
        error NoPoliciesSet(bytes32 permissionId);
        error PolicyViolation(bytes32 permissionId, address policy);
        error PolicyCheckReverted(bytes32 reason);
        error InvalidSelfCall();
        error InvalidTarget();
        error InvalidActionId();
        error UnsupportedCallType(bytes1 callType);
        error UnsupportedExecutionType();
        error NoExecutionsInBatch();
        error ForbiddenValidationData();
        error InvalidUserOpSender(address sender);
        error SignerNotFound(bytes32 permissionId, address account);
        error InvalidSession(bytes32 permissionId);
        error PaymasterValidationNotEnabled(bytes32 permissionId);
        error UnsupportedSmartSessionMode(uint8 mode);
        error UnsupportedPolicy(address policy);
        error InvalidISessionValidator(address sessionValidator);
        error DecodingError();
    }
}

/// The layout of SmartSession inside `@rhinestone/modulekit@0.5.9` (October 2024).
pub mod modulekit {
    use alloy_sol_types::sol;

    sol! {
        #![sol(all_derives)]

        struct PolicyData {
            address policy;
            bytes initData;
        }

        struct ActionData {
            bytes4 actionTargetSelector;
            address actionTarget;
            PolicyData[] actionPolicies;
        }

        struct ERC7739Data {
            string[] allowedERC7739Content;
            PolicyData[] erc1271Policies;
        }

        struct Session {
            address sessionValidator;
            bytes sessionValidatorInitData;
            bytes32 salt;
            PolicyData[] userOpPolicies;
            ERC7739Data erc7739Policies;
            ActionData[] actions;
        }

        function enableSessions(Session[] sessions) external returns (bytes32[] permissionIds);
    }
}

/// The layout of SmartSessions as released since December 2024.
pub mod current {
    use alloy_sol_types::sol;

    sol! {
        #![sol(all_derives)]

        struct PolicyData {
            address policy;
            bytes initData;
        }

        struct ActionData {
            bytes4 actionTargetSelector;
            address actionTarget;
            PolicyData[] actionPolicies;
        }

        struct ERC7739Context {
            bytes32 appDomainSeparator;
            string[] contentNames;
        }

        struct ERC7739Data {
            ERC7739Context[] allowedERC7739Content;
            PolicyData[] erc1271Policies;
        }

        struct Session {
            address sessionValidator;
            bytes sessionValidatorInitData;
            bytes32 salt;
            PolicyData[] userOpPolicies;
            ERC7739Data erc7739Policies;
            ActionData[] actions;
            bool permitERC4337Paymaster;
        }

        function enableSessions(Session[] sessions) external returns (bytes32[] permissionIds);
    }
}

sol! {
    #![sol(all_derives, abi)]

    /// `UniActionPolicy`'s configuration (`abi.encode(ActionConfig)`) and getter.
    struct LimitUsage {
        uint256 limit;
        uint256 used;
    }

    struct ParamRule {
        uint8 condition;
        uint64 offset;
        bool isLimited;
        bytes32 ref;
        LimitUsage usage;
    }

    struct ParamRules {
        uint256 length;
        ParamRule[16] rules;
    }

    struct ActionConfig {
        uint256 valueLimitPerUse;
        ParamRules paramRules;
    }

    interface IUniActionPolicy {
        function actionConfigs(bytes32 id, address multiplexer, address account)
            external view returns (uint256 valueLimitPerUse, ParamRules paramRules);
        error ValueLimitExceeded(bytes32 id, uint256 value, uint256 limit);
    }

    /// `ValueLimitPolicy` and `UsageLimitPolicy` counters.
    interface IValueLimitPolicy {
        function getUsed(bytes32 id, address multiplexer, address account) external view returns (uint256);
    }

    interface IUsageLimitPolicy {
        function getUsed(bytes32 id, address multiplexer, address account) external view returns (uint128);
    }

    /// `ERC20SpendingLimitPolicy`'s counters.
    interface IERC20SpendingLimitPolicy {
        function getPolicyData(bytes32 id, address multiplexer, address token, address account)
            external view returns (uint256 spendingLimit, uint256 alreadySpent, uint256 approvedAmount);
    }

    /// The policies' checks, to tell a policy contract from something else.
    interface IPolicyChecks {
        function checkAction(bytes32 id, address account, address target, uint256 value, bytes data)
            external returns (uint256);
        function initializeWithMultiplexer(address account, bytes32 configId, bytes initData) external;
        function supportsInterface(bytes4 interfaceId) external view returns (bool);
    }
}

/// UniActionPolicy's condition codes.
pub mod condition {
    pub const EQUAL: u8 = 0;
    pub const GREATER_THAN: u8 = 1;
    pub const LESS_THAN: u8 = 2;
    pub const GREATER_THAN_OR_EQUAL: u8 = 3;
    pub const LESS_THAN_OR_EQUAL: u8 = 4;
    pub const NOT_EQUAL: u8 = 5;
    pub const IN_RANGE: u8 = 6;
}
