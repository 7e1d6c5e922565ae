//! One source of truth for the module ABI: the Solidity in `reference-contracts/src/` (through
//! the committed artifacts) is the definition, and everything the Rust side keeps of it is
//! generated from it or checked against it here.
//!
//! * The `sol!` bindings generated from the artifacts' JSON ABI have exactly the functions of the
//!   artifacts' `methodIdentifiers` (solc's own selectors), selector for selector.
//! * The bindings written by hand for contracts leash does not build (SmartSessions' policies,
//!   whose stand-ins leash ships) match the stand-ins' artifacts: selectors and return types.
//! * The codes `SessionManager.sol` declares as constants (conditions, argument types, denials,
//!   bounds, statuses, call types, selectors) are the model's and the encoder's, and the
//!   interface's header documents the same condition and type codes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use alloy_json_abi::{Function, JsonAbi};
use alloy_sol_types::SolCall;
use leash_fuzz::evm::abi::{
    IEntryPoint, IGame, ILeashAccount, ILeashAccount7702, ILeashToken, IRouter, ISessionManager,
    arg_type, condition, paymaster_rule,
};
use leash_fuzz::evm::world::ILeashOwnerExecutor;
use leash_fuzz::modules::smartsessions::abi as ss;
use leash_model::{DenyReason, bounds, selectors};

fn out(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference-contracts/out").join(file)
}

fn artifact(name: &str) -> serde_json::Value {
    let path = out(&format!("{name}.sol/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// `methodIdentifiers` of an artifact: signature -> 8 hex digits.
fn method_identifiers(artifact: &serde_json::Value) -> BTreeMap<String, String> {
    serde_json::from_value(artifact["methodIdentifiers"].clone()).unwrap()
}

fn json_abi(artifact: &serde_json::Value) -> JsonAbi {
    serde_json::from_value(artifact["abi"].clone()).unwrap()
}

/// The binding's functions (signature -> selector hex) equal the artifact's, both ways.
fn assert_same_functions(name: &str, signatures: &[&str], selectors: &[[u8; 4]]) {
    let from_solc = method_identifiers(&artifact(name));
    let mut from_binding = BTreeMap::new();
    for signature in signatures {
        let selector = alloy_primitives::keccak256(signature.as_bytes());
        from_binding.insert(signature.to_string(), alloy_primitives::hex::encode(&selector[..4]));
    }
    assert_eq!(from_binding, from_solc, "{name}: the sol! binding's functions are not solc's");
    let mut listed: Vec<String> = selectors.iter().map(alloy_primitives::hex::encode).collect();
    listed.sort();
    let mut expected: Vec<String> = from_solc.into_values().collect();
    expected.sort();
    assert_eq!(listed, expected, "{name}: the binding's SELECTORS");
}

macro_rules! same_functions {
    ($($artifact:literal => $calls:path),+ $(,)?) => {$({
        use $calls as Calls;
        assert_same_functions($artifact, Calls::SIGNATURES, Calls::SELECTORS);
    })+};
}

#[test]
fn generated_bindings_have_the_artifacts_selectors() {
    same_functions! {
        "EntryPoint" => IEntryPoint::IEntryPointCalls,
        "LeashAccount" => ILeashAccount::ILeashAccountCalls,
        "LeashAccount7702" => ILeashAccount7702::ILeashAccount7702Calls,
        "SessionManager" => ISessionManager::ISessionManagerCalls,
        "LeashToken" => ILeashToken::ILeashTokenCalls,
        "Game" => IGame::IGameCalls,
        "Router" => IRouter::IRouterCalls,
        "LeashOwnerExecutor" => ILeashOwnerExecutor::ILeashOwnerExecutorCalls,
    }
}

#[test]
fn every_mutant_keeps_the_interface() {
    let reference = artifact("SessionManager");
    let dir = out("mutants");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path().join("SessionManager.sol/SessionManager.json");
        if !path.exists() {
            continue;
        }
        let mutant: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(mutant["abi"], reference["abi"], "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 16, "only {seen} mutant modules under {}", dir.display());
}

/// A hand-written call binding against a contract's artifact: the selector solc gave the same
/// signature, and the same return types (`functions` is the binding's own ABI, `#[sol(abi)]`).
fn assert_call<C: SolCall>(contract: &str, functions: &BTreeMap<String, Vec<Function>>) {
    let artifact = artifact(contract);
    let hex = method_identifiers(&artifact).get(C::SIGNATURE).cloned().unwrap_or_else(|| {
        panic!("{contract} has no function {} (the binding is stale)", C::SIGNATURE)
    });
    assert_eq!(hex, alloy_primitives::hex::encode(C::SELECTOR), "{}", C::SIGNATURE);
    let abi = json_abi(&artifact);
    let function = abi
        .functions()
        .find(|f| f.signature() == C::SIGNATURE)
        .unwrap_or_else(|| panic!("{contract}: {}", C::SIGNATURE));
    let binding = functions
        .values()
        .flatten()
        .find(|f| f.signature() == C::SIGNATURE)
        .expect("the binding declares the function");
    let types = |f: &Function| -> Vec<String> {
        f.outputs.iter().map(|p| p.selector_type().into_owned()).collect()
    };
    assert_eq!(types(binding), types(function), "{contract}.{}: return types", C::SIGNATURE);
}

#[test]
fn hand_written_smartsessions_bindings_match_leashs_stand_ins() {
    use ss::{IERC20SpendingLimitPolicy, IPolicyChecks, IUniActionPolicy};
    use ss::{IUsageLimitPolicy, IValueLimitPolicy};
    assert_call::<IUniActionPolicy::actionConfigsCall>(
        "LeashUniActionPolicy",
        &IUniActionPolicy::abi::functions(),
    );
    assert_call::<IValueLimitPolicy::getUsedCall>(
        "LeashValueLimitPolicy",
        &IValueLimitPolicy::abi::functions(),
    );
    assert_call::<IUsageLimitPolicy::getUsedCall>(
        "LeashUsageLimitPolicy",
        &IUsageLimitPolicy::abi::functions(),
    );
    assert_call::<IERC20SpendingLimitPolicy::getPolicyDataCall>(
        "LeashERC20SpendingLimitPolicy",
        &IERC20SpendingLimitPolicy::abi::functions(),
    );
    let checks = IPolicyChecks::abi::functions();
    for policy in [
        "LeashSudoPolicy",
        "LeashUniActionPolicy",
        "LeashValueLimitPolicy",
        "LeashUsageLimitPolicy",
        "LeashTimeFramePolicy",
        "LeashERC20SpendingLimitPolicy",
    ] {
        assert_call::<IPolicyChecks::initializeWithMultiplexerCall>(policy, &checks);
        assert_call::<IPolicyChecks::supportsInterfaceCall>(policy, &checks);
    }
    for policy in ["LeashSudoPolicy", "LeashUniActionPolicy", "LeashUsageLimitPolicy"] {
        assert_call::<IPolicyChecks::checkActionCall>(policy, &checks);
    }
    let uni = json_abi(&artifact("LeashUniActionPolicy"));
    let error = uni.errors().find(|e| e.name == "ValueLimitExceeded").unwrap();
    assert_eq!(
        error.signature(),
        <IUniActionPolicy::ValueLimitExceeded as alloy_sol_types::SolError>::SIGNATURE
    );
}

#[test]
fn the_paymaster_binding_has_the_artifacts_selector() {
    use leash_fuzz::evm::world::paymaster::depositCall;
    let ids = method_identifiers(&artifact("LeashPaymaster"));
    assert_eq!(
        ids.get(depositCall::SIGNATURE).map(String::as_str),
        Some(alloy_primitives::hex::encode(depositCall::SELECTOR).as_str())
    );
}

/// `uintN private constant NAME = VALUE; // comment` declarations of a Solidity file.
fn constants(source: &str) -> BTreeMap<String, (String, String)> {
    let mut found = BTreeMap::new();
    for line in source.lines() {
        let line = line.trim();
        let Some(rest) = line.split_once(" private constant ").map(|(_, r)| r) else { continue };
        let Some((name, rest)) = rest.split_once(" = ") else { continue };
        let Some((value, comment)) = rest.split_once(';') else { continue };
        let comment = comment.trim().trim_start_matches("//").trim();
        found.insert(name.to_string(), (value.to_string(), comment.to_string()));
    }
    found
}

fn number(text: &str) -> u64 {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).unwrap(),
        None => text.parse().unwrap_or_else(|_| panic!("not a number: {text}")),
    }
}

const SESSION_MANAGER: &str = include_str!("../../reference-contracts/src/SessionManager.sol");
const INTERFACE: &str =
    include_str!("../../reference-contracts/src/interfaces/ISessionManager.sol");

#[test]
fn session_manager_constants_are_the_models() {
    let c = constants(SESSION_MANAGER);
    let value = |name: &str| -> u64 {
        number(&c.get(name).unwrap_or_else(|| panic!("SessionManager.sol has no {name}")).0)
    };
    // Conditions: exactly the encoder's codes.
    let conds: BTreeMap<String, u64> = c
        .iter()
        .filter(|(n, _)| n.starts_with("COND_"))
        .map(|(n, (v, _))| (n.clone(), number(v)))
        .collect();
    let expected: BTreeMap<String, u64> = condition::ALL
        .iter()
        .map(|(code, name)| (format!("COND_{}", name.to_uppercase()), u64::from(*code)))
        .collect();
    assert_eq!(conds, expected, "COND_* constants");
    // Argument types: the named codes (TYPE_UINT256 is derived there, checked here).
    for (code, name) in arg_type::ALL {
        assert_eq!(value(&format!("TYPE_{}", name.to_uppercase())), u64::from(code), "{name}");
    }
    assert_eq!(c["TYPE_UINT256"].0, "TYPE_UINT + 32");
    // Paymaster rules: exactly the encoder's codes.
    let rules: BTreeMap<String, u64> = c
        .iter()
        .filter(|(n, (_, comment))| {
            n.starts_with("PAYMASTER_") && n.as_str() != "PAYMASTER_DATA_OFFSET"
                // The denial constants carry their clause.
                && !comment.starts_with('§')
        })
        .map(|(n, (v, _))| (n.clone(), number(v)))
        .collect();
    let expected: BTreeMap<String, u64> = paymaster_rule::ALL
        .iter()
        .map(|(code, name)| (format!("PAYMASTER_{}", name.to_uppercase()), u64::from(*code)))
        .collect();
    assert_eq!(rules, expected, "PAYMASTER_* rule constants");
    assert_eq!(value("PAYMASTER_DATA_OFFSET"), 52);
    // Bounds.
    for (name, bound) in [
        ("MAX_PERMISSIONS", bounds::MAX_PERMISSIONS),
        ("MAX_ARGS", bounds::MAX_ARGS),
        ("MAX_RULES", bounds::MAX_RULES),
        ("MAX_ONE_OF", bounds::MAX_ONE_OF),
        ("MAX_TOKENS", bounds::MAX_TOKENS),
        ("MAX_SPENDERS", bounds::MAX_SPENDERS),
        ("MAX_BATCH", bounds::MAX_BATCH),
        ("MAX_RATE", bounds::MAX_RATE),
        ("MAX_PAYMASTERS", bounds::MAX_PAYMASTERS),
        ("MAX_CHAINS", bounds::MAX_CHAINS),
    ] {
        assert_eq!(value(name), bound as u64, "{name}");
    }
    // Selectors and call types.
    for (name, selector) in [
        ("EXECUTE", selectors::EXECUTE),
        ("TRANSFER", selectors::TRANSFER),
        ("APPROVE", selectors::APPROVE),
        ("TRANSFER_FROM", selectors::TRANSFER_FROM),
        ("INCREASE_ALLOWANCE", selectors::INCREASE_ALLOWANCE),
    ] {
        assert_eq!(value(name), u64::from(u32::from_be_bytes(selector)), "{name}");
    }
    assert_eq!(ILeashAccount::executeCall::SELECTOR, selectors::EXECUTE);
    assert_eq!(ILeashToken::transferCall::SELECTOR, selectors::TRANSFER);
    assert_eq!(ILeashToken::approveCall::SELECTOR, selectors::APPROVE);
    assert_eq!(ILeashToken::transferFromCall::SELECTOR, selectors::TRANSFER_FROM);
    assert_eq!(ILeashToken::increaseAllowanceCall::SELECTOR, selectors::INCREASE_ALLOWANCE);
    use leash_model::abi::execute::{CALLTYPE_BATCH, CALLTYPE_SINGLE};
    assert_eq!(value("CALLTYPE_SINGLE"), u64::from(CALLTYPE_SINGLE));
    assert_eq!(value("CALLTYPE_BATCH"), u64::from(CALLTYPE_BATCH));
    // Statuses, as `decode_session_view` reads them.
    assert_eq!((value("STATUS_NONE"), value("STATUS_ACTIVE"), value("STATUS_REVOKED")), (0, 1, 2));
    // Denials: every constant commented with a clause is the model's denial for that clause,
    // and every denial has one but NoSession (the module answers SIG_VALIDATION_FAILED) and the
    // window's (§11: the module returns the window in validationData; the EntryPoint checks it).
    let mut denials: Vec<(u64, String)> = c
        .values()
        .filter(|(_, comment)| comment.starts_with('§'))
        .map(|(v, comment)| (number(v), comment.split_whitespace().next().unwrap().to_string()))
        .collect();
    denials.sort();
    let mut model: Vec<(u64, String)> = DenyReason::ALL
        .iter()
        .filter(|r| {
            !matches!(r, DenyReason::NoSession | DenyReason::NotYetValid | DenyReason::Expired)
        })
        .map(|r| (u64::from(r.code()), r.clause().to_string()))
        .collect();
    model.sort();
    assert_eq!(denials, model, "denial constants (code, clause)");
}

#[test]
fn the_interface_header_documents_the_codes() {
    let header: String = INTERFACE
        .lines()
        .take_while(|l| !l.starts_with("interface "))
        .map(|l| l.trim_start_matches("///").trim())
        .collect::<Vec<_>>()
        .join(" ");
    for (code, name) in condition::ALL {
        assert!(header.contains(&format!("`{code}` {name}")), "`{code}` {name} in {header}");
    }
    for (code, name) in [
        (arg_type::ADDRESS, "address"),
        (arg_type::BOOL, "bool"),
        (arg_type::BYTES, "bytes"),
        (arg_type::STRING, "string"),
    ] {
        assert!(header.contains(&format!("`{code}` {name}")), "`{code}` {name}");
    }
    assert!(header.contains(&format!("`{:#x} + N/8` uintN", arg_type::UINT)));
    assert!(header.contains(&format!("`{:#x} + N` bytesN", arg_type::FIXED_BYTES)));
    for (code, name) in paymaster_rule::ALL {
        assert!(header.contains(&format!("`{code}` {name}")), "`{code}` {name} in {header}");
    }
}

#[test]
fn the_generators_catalog_names_payable_functions_as_the_artifacts_do() {
    let catalog = leash_fuzz::generate::Catalog::reference(&leash_fuzz::evm::Addresses::expected());
    let mut checked = 0;
    for contract in &catalog.contracts {
        let name = match contract.name.as_str() {
            "account" => "LeashAccount",
            other => other,
        };
        if contract.functions.is_empty() {
            continue;
        }
        let abi = json_abi(&artifact(name));
        for function in &contract.functions {
            let declared = abi
                .functions()
                .find(|f| f.signature() == function.signature)
                .unwrap_or_else(|| panic!("{name} has no {}", function.signature));
            let payable = declared.state_mutability == alloy_json_abi::StateMutability::Payable;
            assert_eq!(function.payable, payable, "{name}.{}", function.signature);
            checked += 1;
        }
    }
    assert!(checked >= 11, "{checked}");
}
