//! What a refused redemption means: the revert strings of the caveat enforcers and the
//! DelegationManager's errors, mapped to the spec denials they stand for (spec §P19).
//!
//! Some refusals stand for more than one clause, because one enforcer check covers several of
//! them: `AllowedMethodsEnforcer` refuses short and empty calldata with one message (§5.1 or
//! §5.3, as the model sees it), `ValueLteEnforcer` refuses native value with or without a cap
//! (§7.1, §7.2), and `LogicalOrWrapperEnforcer` checks the exec type before its groups check the
//! call type (§3.3.2 for an op the model denies at §3.3.1). A refusal the table does not know
//! (another custom error, a revert without data from an unexpected place) maps to nothing, and a
//! denial of the model against it is a `reason` finding: that is how harness errors show.

use alloy_sol_types::{Panic, Revert, SolError, SolInterface};
use leash_model::DenyReason::{self, *};

use super::abi::IDelegationManager::IDelegationManagerErrors as Manager;
use super::abi::IECDSA::IECDSAErrors as Ecdsa;

/// The enforcers' `Error(string)` messages and what they stand for.
const MESSAGES: &[(&str, &[DenyReason])] = &[
    ("CaveatEnforcer:invalid-call-type", &[CallType]),
    ("CaveatEnforcer:invalid-execution-type", &[ExecType, CallType]),
    ("AllowedTargetsEnforcer:target-address-not-allowed", &[NotPermitted, ShortCalldata]),
    ("AllowedMethodsEnforcer:method-not-allowed", &[NotPermitted]),
    ("AllowedMethodsEnforcer:invalid-execution-data-length", &[ShortCalldata, NotPermitted]),
    ("ExactCalldataEnforcer:invalid-calldata", &[NotPermitted, ShortCalldata]),
    ("AllowedCalldataEnforcer:invalid-calldata-length", &[SliceOutOfBounds]),
    ("AllowedCalldataEnforcer:invalid-calldata", &[ArgCondition]),
    ("ValueLteEnforcer:value-too-high", &[NativePerCall, NativeValue]),
    ("NativeTokenTransferAmountEnforcer:allowance-exceeded", &[NativeTotal]),
    ("ERC20TransferAmountEnforcer:invalid-execution-length", &[TokenArgs]),
    ("ERC20TransferAmountEnforcer:invalid-method", &[TokenSelector]),
    ("ERC20TransferAmountEnforcer:allowance-exceeded", &[TokenCap]),
    ("LimitedCallsEnforcer:limit-exceeded", &[UsageLimit]),
    ("TimestampEnforcer:early-delegation", &[NotYetValid]),
    ("TimestampEnforcer:expired-delegation", &[Expired]),
    ("LogicalOrWrapperEnforcer:invalid-group-index", &[NotPermitted]),
    // Allowances over time (§7.4, §7.5, §8.6, §8.7). Before its start a period enforcer's first
    // use refuses every amount, zero included (§P21.5).
    ("NativeTokenPeriodTransferEnforcer:transfer-not-started", &[NativePeriod]),
    ("NativeTokenPeriodTransferEnforcer:transfer-amount-exceeded", &[NativePeriod]),
    ("NativeTokenStreamingEnforcer:allowance-exceeded", &[NativeStream]),
    ("ERC20PeriodTransferEnforcer:transfer-not-started", &[TokenPeriod]),
    ("ERC20PeriodTransferEnforcer:transfer-amount-exceeded", &[TokenPeriod]),
    ("ERC20PeriodTransferEnforcer:invalid-execution-length", &[TokenArgs]),
    ("ERC20PeriodTransferEnforcer:invalid-method", &[TokenSelector]),
    ("ERC20StreamingEnforcer:allowance-exceeded", &[TokenStream]),
    ("ERC20StreamingEnforcer:invalid-execution-length", &[TokenArgs]),
    ("ERC20StreamingEnforcer:invalid-method", &[TokenSelector]),
];

/// A refusal in words (with its clauses), and the spec denials it may stand for; `None` for a
/// refusal the table does not know.
pub(crate) fn classify(data: &[u8]) -> Option<(String, &'static [DenyReason])> {
    if let Ok(revert) = Revert::abi_decode(data) {
        let (_, reasons) = MESSAGES.iter().find(|(m, _)| *m == revert.reason)?;
        return Some((revert.reason, reasons));
    }
    // A counter that would overflow reverts with Solidity's arithmetic panic (spec §13.3), and
    // so does a stream whose `initial + rate·elapsed` overflows (§P21.4 `Deny`).
    if let Ok(panic) = Panic::abi_decode(data) {
        return (panic.code == alloy_primitives::U256::from(0x11)).then(|| {
            (
                "an arithmetic overflow (panic 0x11)".to_owned(),
                &[NativeTotal, TokenCap, NativeStream, TokenStream][..],
            )
        });
    }
    // `ExecutionLib.decodeSingle` slices calldata shorter than 52 bytes: an empty revert, which
    // `LogicalOrWrapperEnforcer` (through OpenZeppelin's `Address`) turns into FailedInnerCall.
    if data.is_empty() {
        return Some((
            "a revert without data (execution calldata too short)".into(),
            &[SingleTooShort],
        ));
    }
    if super::abi::IAddress::FailedInnerCall::abi_decode(data).is_ok() {
        return Some((
            "FailedInnerCall: a wrapped enforcer reverted without data (execution calldata too short)"
                .into(),
            &[SingleTooShort],
        ));
    }
    let reasons: &'static [DenyReason] = match Manager::abi_decode(data) {
        Ok(Manager::InvalidDelegate(_)) => &[NoSession],
        Ok(Manager::InvalidEOASignature(_) | Manager::InvalidERC1271Signature(_)) => &[NoSession],
        Ok(Manager::CannotUseADisabledDelegation(_)) => &[Revoked],
        Ok(other) => return Some((format!("{other:?}"), &[])),
        Err(_) => match Ecdsa::abi_decode(data) {
            // The delegator's `isValidSignature` refusing a malformed signature.
            Ok(e) => return Some((format!("{e:?}"), &[NoSession])),
            Err(_) => return None,
        },
    };
    Some((format!("{:?}", Manager::abi_decode(data).ok()?), reasons))
}

/// The clause numbers of `reasons`, for messages.
pub(crate) fn clauses(reasons: &[DenyReason]) -> String {
    let mut out: Vec<&str> = reasons.iter().map(|r| r.clause()).collect();
    out.dedup();
    out.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    #[test]
    fn enforcer_messages_map_to_clauses() {
        let data = Revert::from("LimitedCallsEnforcer:limit-exceeded").abi_encode();
        assert_eq!(classify(&data).map(|c| c.1), Some(&[UsageLimit][..]));
        let unknown = Revert::from("SomethingElse:nope").abi_encode();
        assert_eq!(classify(&unknown), None);
        let overflow = Panic { code: U256::from(0x11) }.abi_encode();
        assert_eq!(
            classify(&overflow).map(|c| c.1),
            Some(&[NativeTotal, TokenCap, NativeStream, TokenStream][..])
        );
        let early = Revert::from("ERC20PeriodTransferEnforcer:transfer-not-started").abi_encode();
        assert_eq!(classify(&early).map(|c| c.1), Some(&[TokenPeriod][..]));
        assert_eq!(classify(&Panic { code: U256::from(0x32) }.abi_encode()), None);
        assert_eq!(classify(&[]).map(|c| c.1), Some(&[SingleTooShort][..]));
        // What the wrapper makes of an empty revert (seen in a campaign: data 0x1425ea42).
        assert_eq!(classify(&[0x14, 0x25, 0xea, 0x42]).map(|c| c.1), Some(&[SingleTooShort][..]));
    }

    #[test]
    fn manager_errors_map_to_session_clauses() {
        use super::super::abi::IDelegationManager;
        let revoked = IDelegationManager::CannotUseADisabledDelegation {}.abi_encode();
        assert_eq!(classify(&revoked).map(|c| c.1), Some(&[Revoked][..]));
        let stranger = IDelegationManager::InvalidDelegate {}.abi_encode();
        assert_eq!(classify(&stranger).map(|c| c.1), Some(&[NoSession][..]));
        // Known, but standing for no clause: a harness error if the model denies.
        let authority = IDelegationManager::InvalidAuthority {}.abi_encode();
        assert_eq!(classify(&authority).map(|c| c.1.len()), Some(0));
        assert_eq!(clauses(&[NativePerCall, NativeValue]), "§7.2 or §7.1");
    }
}
