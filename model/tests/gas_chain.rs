//! spec §16 (gas and paymaster), §17 (chain), their validity (§12.10, §12.11) and their file
//! format (version 3).

mod common;

use alloy_primitives::{Address, U256, address};
use common::*;
use leash_model::op::wide_product;
use leash_model::{
    AccountState, Denial, DenyReason, Env, OpGas, PaymasterRule, Policy, PolicyError, UserOp,
};

const GAME_ATTACK: &str = r#"
    [[permissions]]
    target = "{game}"
    function = "attack(uint256)"
"#;

const PAYMASTER: Address = address!("0x000000000000000000000000000000000000fa70");
const OTHER_PAYMASTER: Address = address!("0x000000000000000000000000000000000000fa71");

fn attack(monster: u64) -> Vec<u8> {
    call("attack(uint256)", &[word(monster)])
}

/// A policy with the game permission, `extra` at the top level and `gas` as its `[gas]` table.
fn gas_policy(extra: &str, gas: &str) -> Policy {
    policy(&format!("{extra}\n{GAME_ATTACK}\n[gas]\n{gas}"))
}

/// Gas terms with all five limits `limit` each and fee `fee`, paid by `paymaster`.
fn gas(limit: u128, fee: u128, paymaster: Address) -> OpGas {
    let pm_limit = if paymaster.is_zero() { 0 } else { limit };
    OpGas {
        verification_gas_limit: limit,
        call_gas_limit: limit,
        pre_verification_gas: limit,
        max_fee_per_gas: fee,
        paymaster,
        paymaster_verification_gas_limit: pm_limit,
        paymaster_post_op_gas_limit: pm_limit,
    }
}

/// Runs one `attack` op signed by `KEY` at `now` with gas terms `g` on `chain`.
fn run_gas(state: &mut AccountState, chain: u64, g: OpGas) -> Outcome {
    let cd = single(GAME, 0, &attack(1));
    let env = Env { chain_id: chain, ..env(100) };
    Outcome::from(&state.execute_op(&env, &UserOp { signer: Some(KEY), call_data: &cd, gas: g }))
}

fn run_at(state: &mut AccountState, g: OpGas) -> Option<DenyReason> {
    reason(run_gas(state, Env::DEFAULT_CHAIN_ID, g))
}

// ---------------------------------------------------------------------------------------------
// §16 cost

#[test]
fn s16_cost_is_the_sum_of_the_five_limits_times_the_max_fee() {
    let g = OpGas {
        verification_gas_limit: 1,
        call_gas_limit: 2,
        pre_verification_gas: 4,
        max_fee_per_gas: 10,
        paymaster: PAYMASTER,
        paymaster_verification_gas_limit: 8,
        paymaster_post_op_gas_limit: 16,
    };
    assert_eq!(g.required_gas(), Some(31));
    assert_eq!(g.max_cost(), Some(U256::from(310)));
    assert_eq!(OpGas::FREE.max_cost(), Some(U256::ZERO));
    // The largest gas values the EntryPoint admits (AA94): exact, far below 2^256.
    let top = (1u128 << 120) - 1;
    let admitted = gas(top, top, PAYMASTER);
    let expected = U256::from(top) * U256::from(5u8) * U256::from(top);
    assert_eq!(admitted.max_cost(), Some(expected));
    // Beyond them the 128-bit sum overflows: no cost, which exceeds every limit.
    assert_eq!(gas(u128::MAX, 1, Address::ZERO).max_cost(), None);
}

#[test]
fn s16_the_wide_product_is_exact() {
    let values =
        [0u128, 1, 2, u128::from(u64::MAX), 1 << 64, (1 << 64) + 1, u128::MAX - 1, u128::MAX];
    for a in values {
        for b in values {
            assert_eq!(wide_product(a, b), U256::from(a) * U256::from(b), "{a} * {b}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// §16.1 to §16.4

#[test]
fn s16_1_1_a_required_paymaster_denies_self_paid_ops() {
    let mut state = installed(gas_policy("", r#"paymaster = "required""#));
    assert_eq!(run_at(&mut state, gas(10, 1, Address::ZERO)), Some(DenyReason::PaymasterRequired));
    assert_eq!(run_at(&mut state, gas(10, 1, OTHER_PAYMASTER)), None);
    // An allowlist requires a paymaster too.
    let mut state = installed(gas_policy("", &format!("paymasters = [\"{PAYMASTER}\"]")));
    assert_eq!(run_at(&mut state, OpGas::FREE), Some(DenyReason::PaymasterRequired));
}

#[test]
fn s16_1_2_only_listed_paymasters_pay() {
    let mut state = installed(gas_policy("", &format!("paymasters = [\"{PAYMASTER}\"]")));
    assert_eq!(run_at(&mut state, gas(10, 1, OTHER_PAYMASTER)), Some(DenyReason::Paymaster));
    assert_eq!(run_at(&mut state, gas(10, 1, PAYMASTER)), None);
}

#[test]
fn s16_1_any_paymaster_or_none_by_default() {
    let mut state = installed(gas_policy("", "per_op = 1000000"));
    assert_eq!(run_at(&mut state, gas(10, 1, Address::ZERO)), None);
    assert_eq!(run_at(&mut state, gas(10, 1, OTHER_PAYMASTER)), None);
}

#[test]
fn s16_2_the_fee_cap_allows_exactly_its_value() {
    let mut state = installed(gas_policy("", r#"max_fee_per_gas = "2 gwei""#));
    assert_eq!(run_at(&mut state, gas(10, 2_000_000_000, Address::ZERO)), None);
    assert_eq!(run_at(&mut state, gas(10, 2_000_000_001, Address::ZERO)), Some(DenyReason::GasFee));
    // The cap holds when a paymaster pays too.
    assert_eq!(run_at(&mut state, gas(10, 2_000_000_001, PAYMASTER)), Some(DenyReason::GasFee));
}

#[test]
fn s16_3_the_per_op_limit_allows_exactly_its_value() {
    // 3 limits of 100 gas at fee 7: 2100 wei.
    let mut state = installed(gas_policy("", "per_op = 2100"));
    assert_eq!(run_at(&mut state, gas(100, 7, Address::ZERO)), None);
    assert_eq!(run_at(&mut state, gas(100, 8, Address::ZERO)), Some(DenyReason::GasPerOp));
    // The paymaster's two limits count: 5 x 100 gas at fee 7 is 3500 wei.
    assert_eq!(run_at(&mut state, gas(100, 7, PAYMASTER)), Some(DenyReason::GasPerOp));
    // An op whose gas limits overflow exceeds every limit.
    let mut state = installed(gas_policy("", &format!("per_op = \"{}\"", U256::MAX)));
    assert_eq!(run_at(&mut state, gas(u128::MAX, 1, Address::ZERO)), Some(DenyReason::GasPerOp));
}

#[test]
fn s16_4_the_total_limit_counts_every_op_and_allows_exactly_its_value() {
    let mut state = installed(gas_policy("", "total = 5000"));
    // 2100 + 2100 = 4200, then 800 more is exactly 5000.
    assert_eq!(run_at(&mut state, gas(100, 7, Address::ZERO)), None);
    assert_eq!(run_at(&mut state, gas(100, 7, PAYMASTER)), Some(DenyReason::GasTotal));
    assert_eq!(state.session(KEY).unwrap().counters.gas_spent, U256::from(2100));
    assert_eq!(run_at(&mut state, gas(100, 7, Address::ZERO)), None);
    assert_eq!(run_at(&mut state, gas(100, 3, Address::ZERO)), Some(DenyReason::GasTotal));
    let exact = OpGas { call_gas_limit: 800, max_fee_per_gas: 1, ..OpGas::FREE };
    assert_eq!(run_at(&mut state, exact), None);
    assert_eq!(state.session(KEY).unwrap().counters.gas_spent, U256::from(5000));
    // A free op still passes; one more wei does not.
    assert_eq!(run_at(&mut state, OpGas::FREE), None);
    let one = OpGas { call_gas_limit: 1, max_fee_per_gas: 1, ..OpGas::FREE };
    assert_eq!(run_at(&mut state, one), Some(DenyReason::GasTotal));
}

#[test]
fn s16_4_an_overflowing_total_denies() {
    let p = gas_policy("", &format!("total = \"{}\"", U256::MAX));
    let top = (1u128 << 120) - 1;
    let g = gas(top, top, Address::ZERO);
    let cost = g.max_cost().unwrap();
    let cd = attack(1);
    let x = [leash_model::Execution { target: GAME, value: U256::ZERO, data: &cd }];
    let at = |spent| {
        let mut s = leash_model::Session::new(KEY, p.clone());
        s.counters.gas_spent = spent;
        s.check(&env(100), &g, &x, leash_model::ArgDecoding::Strict)
    };
    assert_eq!(at(U256::MAX - cost).map(|c| c.gas_spent), Ok(U256::MAX));
    assert_eq!(at(U256::MAX - cost + U256::from(1)), Err(Denial::op(DenyReason::GasTotal)));
}

#[test]
fn s16_4_the_counter_moves_only_with_a_total() {
    let mut state = installed(gas_policy("", "per_op = 100000"));
    assert_eq!(run_at(&mut state, gas(100, 7, Address::ZERO)), None);
    assert_eq!(state.session(KEY).unwrap().counters.gas_spent, U256::ZERO);
}

#[test]
fn s16_a_denied_op_counts_no_gas() {
    let mut state = installed(gas_policy("usage_limit = 1", "total = 100000"));
    assert_eq!(run_at(&mut state, gas(100, 7, Address::ZERO)), None);
    assert_eq!(run_at(&mut state, gas(100, 7, Address::ZERO)), Some(DenyReason::UsageLimit));
    assert_eq!(state.session(KEY).unwrap().counters.gas_spent, U256::from(2100));
}

#[test]
fn s16_a_batch_costs_its_op_once() {
    let mut state = installed(gas_policy("", "total = 2100"));
    let data = attack(1);
    let cd = batch(&[(GAME, 0, &data), (GAME, 0, &data), (GAME, 0, &data)]);
    let op = UserOp { signer: Some(KEY), call_data: &cd, gas: gas(100, 7, Address::ZERO) };
    assert!(state.execute_op(&env(100), &op).is_allow());
    assert_eq!(state.session(KEY).unwrap().counters.gas_spent, U256::from(2100));
}

#[test]
fn s16_check_many_counts_the_cost_once_across_chunks() {
    let state = installed(gas_policy(
        "",
        r#"total = 2100
paymaster = "required""#,
    ));
    let session = state.session(KEY).unwrap();
    let data = attack(1);
    let executions: Vec<_> = (0..20)
        .map(|_| leash_model::Execution { target: GAME, value: U256::ZERO, data: &data })
        .collect();
    let g = gas(100, 7, PAYMASTER);
    let g = OpGas { paymaster_verification_gas_limit: 0, paymaster_post_op_gas_limit: 0, ..g };
    let after = session
        .check_many(&env(100), &g, &executions, leash_model::ArgDecoding::Strict)
        .expect("20 calls, one op");
    assert_eq!(after.gas_spent, U256::from(2100));
}

// ---------------------------------------------------------------------------------------------
// §17 chain

#[test]
fn s17_1_only_listed_chains() {
    let mut state = installed(policy(&format!("chains = [\"base\", 10]\n{GAME_ATTACK}")));
    assert_eq!(reason(run_gas(&mut state, 8453, OpGas::FREE)), None);
    assert_eq!(reason(run_gas(&mut state, 10, OpGas::FREE)), None);
    for chain in [1, 31337, 8452, 8454, u64::MAX] {
        assert_eq!(reason(run_gas(&mut state, chain, OpGas::FREE)), Some(DenyReason::Chain));
    }
}

#[test]
fn s17_every_chain_without_a_list() {
    let mut state = installed(policy(GAME_ATTACK));
    for chain in [1, 10, 31337, u64::MAX] {
        assert_eq!(reason(run_gas(&mut state, chain, OpGas::FREE)), None);
    }
}

// ---------------------------------------------------------------------------------------------
// §1.6 order

#[test]
fn s1_6_gas_then_chain_then_window() {
    let p = gas_policy("valid_after = 200\nchains = [1]", r#"paymaster = "required""#);
    let mut state = installed(p);
    let cd = single(GAME, 0, &attack(1));
    let at = |chain, g| (Env { chain_id: chain, ..env(100) }, g);
    let (e, g) = at(5, OpGas::FREE);
    let op = UserOp { signer: Some(KEY), call_data: &cd, gas: g };
    assert_eq!(state.validate(&e, &op).denial(), Some(&Denial::op(DenyReason::PaymasterRequired)));
    let (e, g) = at(5, gas(1, 1, PAYMASTER));
    let op = UserOp { signer: Some(KEY), call_data: &cd, gas: g };
    assert_eq!(state.validate(&e, &op).denial(), Some(&Denial::op(DenyReason::Chain)));
    let (e, g) = at(1, gas(1, 1, PAYMASTER));
    let op = UserOp { signer: Some(KEY), call_data: &cd, gas: g };
    assert_eq!(state.validate(&e, &op).denial(), Some(&Denial::op(DenyReason::NotYetValid)));
    // Executions come first: a forbidden call is denied for itself.
    let bad = single(OTHER, 0, &attack(1));
    let op = UserOp { signer: Some(KEY), call_data: &bad, gas: OpGas::FREE };
    assert_eq!(state.validate(&e, &op).denial().map(|d| d.reason), Some(DenyReason::NotPermitted));
    let _ = run_gas(&mut state, 1, OpGas::FREE);
}

#[test]
fn policies_without_gas_rules_or_chain_lists_ignore_gas_and_chain() {
    // The v1 default: any gas terms, any chain.
    let mut state = installed(policy(&format!("usage_limit = 3\n{GAME_ATTACK}")));
    let top = (1u128 << 120) - 1;
    assert_eq!(reason(run_gas(&mut state, 1, gas(top, top, Address::ZERO))), None);
    assert_eq!(reason(run_gas(&mut state, 8453, gas(top, top, PAYMASTER))), None);
    assert_eq!(state.session(KEY).unwrap().counters.gas_spent, U256::ZERO);
}

// ---------------------------------------------------------------------------------------------
// §12.10, §12.11 and the file format

fn parse_err(text: &str) -> String {
    toml::from_str::<Policy>(text).expect_err("the policy must be refused").to_string()
}

#[test]
fn s12_10_paymaster_allowlists_are_non_empty_non_zero_and_distinct() {
    assert!(parse_err("[gas]\npaymasters = []").contains("needs 1..=4 (spec §12.10)"));
    let zero = Address::ZERO;
    assert!(parse_err(&format!("[gas]\npaymasters = [\"{zero}\"]")).contains("zero address"));
    let twice = format!("[gas]\npaymasters = [\"{PAYMASTER}\", \"{PAYMASTER}\"]");
    assert!(parse_err(&twice).contains("or a repeat (spec §12.10)"));
    let five: Vec<String> = (1..=5u8).map(|i| format!("\"{}\"", Address::repeat_byte(i))).collect();
    assert!(parse_err(&format!("[gas]\npaymasters = [{}]", five.join(","))).contains("at most 4"));
    let p = Policy {
        gas: Some(leash_model::GasLimit {
            paymaster: PaymasterRule::OneOf(Default::default()),
            ..Default::default()
        }),
        ..Policy::default()
    };
    assert_eq!(p.validate().unwrap_err().code(), 13);
}

#[test]
fn s12_11_chain_lists_are_non_empty_non_zero_and_distinct() {
    assert!(parse_err("chains = []").contains("needs 1..=8 (spec §12.11)"));
    assert!(parse_err("chains = [0]").contains("names chain 0"));
    assert!(parse_err("chains = [10, \"optimism\"]").contains("names chain 10"));
    assert!(parse_err("chains = [\"mars\"]").contains("unknown chain \"mars\""));
    assert!(parse_err("chains = [-1]").contains("negative"));
    let err = toml::from_str::<Policy>("chains = [0]").unwrap_err().to_string();
    assert!(err.contains("spec §12.11"), "{err}");
    let p = Policy { chains: Some(Default::default()), ..Policy::default() };
    assert!(matches!(p.validate(), Err(PolicyError::BadChains { len: 0, entry: None })));
}

#[test]
fn the_gas_table_reads_every_field_and_refuses_contradictions() {
    let p = policy(&format!(
        "[gas]\nmax_fee_per_gas = \"50 gwei\"\nper_op = \"0.002 ether\"\ntotal = \"0.01 ether\"\n\
         paymasters = [\"{PAYMASTER}\"]"
    ));
    let g = p.gas.unwrap();
    assert_eq!(g.max_fee_per_gas, Some(50_000_000_000));
    assert_eq!(g.per_op, Some(U256::from(2_000_000_000_000_000u64)));
    assert_eq!(g.total, Some(U256::from(10_000_000_000_000_000u64)));
    assert!(matches!(g.paymaster, PaymasterRule::OneOf(list) if list.as_slice() == [PAYMASTER]));
    assert_eq!(
        policy("[gas]\npaymaster = \"required\"").gas.unwrap().paymaster,
        PaymasterRule::Required
    );
    assert_eq!(policy("[gas]\npaymaster = \"any\"").gas.unwrap().paymaster, PaymasterRule::Any);
    let any_and_list = format!("[gas]\npaymaster = \"any\"\npaymasters = [\"{PAYMASTER}\"]");
    assert!(parse_err(&any_and_list).contains("contradicts"));
    assert!(parse_err("[gas]\npaymaster = \"sometimes\"").contains("\"sometimes\""));
    assert!(
        parse_err("[gas]\nmax_fee_per_gas = \"0x100000000000000000000000000000000\"")
            .contains("128 bits")
    );
    assert!(parse_err("[gas]\nlimit = 1").contains("unknown field `limit`"));
}

#[test]
fn gas_rules_and_chain_lists_need_version_3() {
    assert!(
        parse_err("version = 2\n[gas]\ntotal = 1")
            .contains("a gas rule needs policy format version 3")
    );
    assert!(
        parse_err("version = 1\nchains = [1]")
            .contains("a chain list needs policy format version 3")
    );
    assert!(policy("version = 3\nchains = [1]").chains.is_some());
}

#[test]
fn version_3_policies_round_trip_and_others_keep_their_version() {
    let p = gas_policy(
        "chains = [8453, 10]",
        &format!(
            "max_fee_per_gas = 7\ntotal = 9\npaymasters = [\"{PAYMASTER}\", \"{OTHER_PAYMASTER}\"]"
        ),
    );
    assert_eq!(p.format_version(), 3);
    let text = toml::to_string(&p).unwrap();
    assert!(text.contains("version = 3"), "{text}");
    assert_eq!(toml::from_str::<Policy>(&text).unwrap(), p);
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
    let required = gas_policy("", "paymaster = \"required\"");
    assert_eq!(toml::from_str::<Policy>(&toml::to_string(&required).unwrap()).unwrap(), required);
    assert_eq!(policy(GAME_ATTACK).format_version(), 1);
}

#[test]
fn chain_names_are_known_both_ways() {
    use leash_model::format::{chain_name, parse_chain};
    assert_eq!(parse_chain("base"), Ok(8453));
    assert_eq!(parse_chain("10"), Ok(10));
    assert_eq!(chain_name(8453), Some("base"));
    assert_eq!(chain_name(424242), None);
    assert!(parse_chain("18446744073709551616").unwrap_err().contains("64 bits"));
}
