//! Every parameter of spec Part P (semantic profiles) at its non-default values, each against
//! the spec's verdict on the same op, so a test shows exactly what the parameter changes.

mod common;

use alloy_primitives::{Address, U256};
use common::*;
use leash_model::abi::args::{ArgValue, encode_args};
use leash_model::abi::execute::{CALLTYPE_BATCH, CALLTYPE_SINGLE, EXECUTE_SELECTOR, mode};
use leash_model::bounds::TIME_MAX;
use leash_model::profile::*;
use leash_model::{AccountState, DenyReason, Env, SemanticProfile, UserOp};

const SS: SemanticProfile = SemanticProfile::SMART_SESSIONS;
const SPEC: SemanticProfile = SemanticProfile::SPEC_V1;

fn env_as(profile: SemanticProfile, now: u64) -> Env {
    Env { profile, ..env(now) }
}

/// Runs an op under `profile` and returns its denial reason, or `None` when it is allowed (and
/// then applied).
fn run_as(
    state: &mut AccountState,
    profile: SemanticProfile,
    now: u64,
    call_data: &[u8],
) -> Option<DenyReason> {
    let verdict = state.execute_op(&env_as(profile, now), &UserOp::new(Some(KEY), call_data));
    verdict.denial().map(|d| d.reason)
}

/// The verdict of a fresh session of `p` on one op under `profile`.
fn verdict(p: &str, profile: SemanticProfile, call_data: &[u8]) -> Option<DenyReason> {
    run_as(&mut installed(policy(p)), profile, 100, call_data)
}

/// The executions `profile` decodes from `call_data`, as `(target, value, data)`.
fn decoded(
    profile: SemanticProfile,
    call_data: &[u8],
) -> Result<Vec<(Address, U256, Vec<u8>)>, DenyReason> {
    leash_model::abi::execute::decode_execute_as(call_data, &profile)
        .map(|e| e.iter().map(|x| (x.target, x.value, x.data.to_vec())).collect())
        .map_err(|d| d.reason)
}

fn w(n: u64) -> [u8; 32] {
    U256::from(n).to_be_bytes::<32>()
}

const ATTACK: &str = r#"
    [[permissions]]
    target = "{game}"
    function = "attack(uint256)"
"#;

fn attack(monster: u64) -> Vec<u8> {
    call("attack(uint256)", &[word(monster)])
}

/// `execute(mode, E)` with the offset word at 36 set to `offset` and `gap` zero bytes between
/// the head and the length word, then `trailing` zero bytes at the end.
fn execute_with(call_type: u8, e: &[u8], gap: usize, trailing: usize) -> Vec<u8> {
    let mut cd = EXECUTE_SELECTOR.to_vec();
    cd.extend_from_slice(&mode(call_type, 0));
    cd.extend_from_slice(&w(0x40 + gap as u64));
    cd.extend_from_slice(&vec![0u8; gap]);
    cd.extend_from_slice(&w(e.len() as u64));
    cd.extend_from_slice(e);
    cd.extend_from_slice(&vec![0u8; trailing]);
    cd
}

fn single_e(target: Address, value: u64, data: &[u8]) -> Vec<u8> {
    let mut e = target.to_vec();
    e.extend_from_slice(&w(value));
    e.extend_from_slice(data);
    e
}

// ---------------------------------------------------------------------------------------------
// §P4 decoder class

#[test]
fn p4_bounded_accepts_relocated_buffers_and_trailing_bytes() {
    let e = single_e(GAME, 0, &attack(1));
    let cd = execute_with(CALLTYPE_SINGLE, &e, 64, 7);
    assert_eq!(decoded(SPEC, &cd), Err(DenyReason::OuterOffset));
    assert_eq!(decoded(SS, &cd), Ok(vec![(GAME, U256::ZERO, attack(1))]));
    assert_eq!(verdict(ATTACK, SS, &cd), None);
}

#[test]
fn p4_bounded_denies_a_buffer_that_leaves_calldata_or_a_wide_offset() {
    let e = single_e(GAME, 0, &attack(1));
    let mut cd = execute_with(CALLTYPE_SINGLE, &e, 0, 0);
    let last = cd.len() - 1;
    cd.truncate(last);
    assert_eq!(decoded(SS, &cd), Err(DenyReason::OuterTruncated));
    let mut cd = execute_with(CALLTYPE_SINGLE, &e, 0, 0);
    cd[36 + 23] = 1; // offset >= 2^64
    assert_eq!(decoded(SS, &cd), Err(DenyReason::OuterOffset));
    assert_eq!(decoded(SS, &cd[..67]), Err(DenyReason::HeadTruncated));
}

/// `abi.encode(Execution[])` with both offsets pointing at one item: an aliased batch.
fn aliased_batch(target: Address, data: &[u8]) -> Vec<u8> {
    let mut e = Vec::new();
    e.extend_from_slice(&w(0x20));
    e.extend_from_slice(&w(2));
    e.extend_from_slice(&w(0x40));
    e.extend_from_slice(&w(0x40));
    let mut item = [0u8; 32];
    item[12..].copy_from_slice(target.as_slice());
    e.extend_from_slice(&item);
    e.extend_from_slice(&w(0));
    e.extend_from_slice(&w(0x60));
    e.extend_from_slice(&w(data.len() as u64));
    e.extend_from_slice(data);
    e.resize(e.len().div_ceil(32) * 32, 0);
    e
}

#[test]
fn p4_bounded_accepts_aliased_items_and_denies_dirty_targets() {
    let data = attack(3);
    let cd = execute_with(CALLTYPE_BATCH, &aliased_batch(GAME, &data), 0, 0);
    assert_eq!(decoded(SPEC, &cd), Err(DenyReason::ItemOffset));
    let items = decoded(SS, &cd).unwrap();
    assert_eq!(items, vec![(GAME, U256::ZERO, data.clone()); 2]);
    let p = policy(&format!("usage_limit = 5\n{ATTACK}"));
    let mut state = installed(p);
    assert_eq!(run_as(&mut state, SS, 100, &cd), None);

    let mut e = aliased_batch(GAME, &data);
    e[128] = 1; // upper byte of the (shared) item's target word
    let cd = execute_with(CALLTYPE_BATCH, &e, 0, 0);
    assert_eq!(decoded(SS, &cd), Err(DenyReason::DirtyTarget));
}

#[test]
fn p4_bounded_keeps_items_inside_execution_calldata_and_unbounded_does_not() {
    // Item 0's offset points past the end of E, into trailing bytes of callData that hold an
    // item: the bounded decoder denies, the unbounded one reads it.
    let data = attack(9);
    let mut e = Vec::new();
    e.extend_from_slice(&w(0x20));
    e.extend_from_slice(&w(1));
    e.extend_from_slice(&w(0x20)); // item at pointers + 0x20 = E[96..]: outside the 96-byte E
    let cd_head = execute_with(CALLTYPE_BATCH, &e, 0, 0);
    let mut cd = cd_head.clone();
    let mut item = [0u8; 32];
    item[12..].copy_from_slice(GAME.as_slice());
    cd.extend_from_slice(&item);
    cd.extend_from_slice(&w(0));
    cd.extend_from_slice(&w(0x60));
    cd.extend_from_slice(&w(data.len() as u64));
    cd.extend_from_slice(&data);
    assert_eq!(decoded(SS, &cd), Err(DenyReason::ItemTruncated));
    let unbounded = SemanticProfile::SMART_SESSIONS_MODULEKIT;
    assert_eq!(decoded(unbounded, &cd), Ok(vec![(GAME, U256::ZERO, data)]));
    // Without the trailing item, the unbounded decoder would read past callData: unknowable.
    assert_eq!(decoded(unbounded, &cd_head), Err(DenyReason::ItemTruncated));
}

#[test]
fn p4_unbounded_follows_negative_offsets_with_wrapping_arithmetic() {
    // E = [array offset][an item][the array: n = 1, offset p]; p = 2^256 - s points back at
    // the item before the array (c = s + 32 + p = 32, modulo 2^256).
    let data = attack(4);
    let mut item = Vec::new();
    let mut target = [0u8; 32];
    target[12..].copy_from_slice(GAME.as_slice());
    item.extend_from_slice(&target);
    item.extend_from_slice(&w(0));
    item.extend_from_slice(&w(0x60));
    item.extend_from_slice(&w(data.len() as u64));
    item.extend_from_slice(&data);
    item.resize(item.len().div_ceil(32) * 32, 0);
    let s = 32 + item.len() as u64;
    let mut e = w(s).to_vec();
    e.extend_from_slice(&item);
    e.extend_from_slice(&w(1));
    e.extend_from_slice(&(U256::ZERO.wrapping_sub(U256::from(s))).to_be_bytes::<32>());
    let cd = execute_with(CALLTYPE_BATCH, &e, 0, 0);
    assert_eq!(decoded(SS, &cd), Err(DenyReason::ItemOffset));
    let unbounded = SemanticProfile::SMART_SESSIONS_MODULEKIT;
    assert_eq!(decoded(unbounded, &cd), Ok(vec![(GAME, U256::ZERO, data)]));
    // Shorter than 68 bytes, the outer offset word itself lies outside callData.
    assert_eq!(decoded(unbounded, &cd[..60]), Err(DenyReason::HeadTruncated));
}

// ---------------------------------------------------------------------------------------------
// §P5 mode payload

#[test]
fn p5_an_ignored_mode_payload_is_not_checked() {
    let mut cd = single(GAME, 0, &attack(1));
    cd[20] = 0x78; // a mode selector in bytes 6..10 of the mode word
    assert_eq!(verdict(ATTACK, SPEC, &cd), Some(DenyReason::ModePayload));
    let profile = SemanticProfile { mode_payload: ModePayload::Ignored, ..SPEC };
    assert_eq!(verdict(ATTACK, profile, &cd), None);
}

// ---------------------------------------------------------------------------------------------
// §P7 scope

const FALLBACK: &str = r#"
    [[permissions]]
    target = "*"
    selector = "0x00000001"
"#;

#[test]
fn p7_1_execute_only_scope_lets_other_self_calls_reach_the_fallback() {
    let install_module = call(
        "installModule(uint256,address,bytes)",
        &[word(1), addr(OTHER), ArgValue::Dynamic(&[])],
    );
    let cd = single(ACCOUNT, 0, &install_module);
    assert_eq!(verdict(FALLBACK, SPEC, &cd), Some(DenyReason::SelfCall));
    assert_eq!(verdict(FALLBACK, SS, &cd), None);
    let nested = leash_model::abi::execute::encode_single(&leash_model::Execution {
        target: GAME,
        value: U256::ZERO,
        data: &attack(1),
    });
    let cd = single(ACCOUNT, 0, &nested);
    assert_eq!(verdict(FALLBACK, SS, &cd), Some(DenyReason::SelfCall));
}

#[test]
fn p7_2_and_p7_3_module_and_zero_targets_can_reach_only_the_wildcard() {
    let profile = SemanticProfile {
        module_call: ModuleCall::Wildcard,
        zero_target: ZeroTarget::Wildcard,
        wildcard: WildcardModel::Fallback,
        ..SPEC
    };
    for target in [MODULE, Address::ZERO] {
        let cd = single(target, 0, &attack(1));
        assert!(verdict(FALLBACK, SPEC, &cd).is_some());
        assert_eq!(verdict(FALLBACK, profile, &cd), None, "{target}");
        assert_eq!(verdict(ATTACK, profile, &cd), Some(DenyReason::NotPermitted), "{target}");
    }
    // SmartSessions itself keeps the module out (its dedicated action id is never configured).
    assert_eq!(verdict(FALLBACK, SS, &single(MODULE, 0, &attack(1))), Some(DenyReason::ModuleCall));
    assert_eq!(verdict(FALLBACK, SS, &single(Address::ZERO, 0, &attack(1))), None);
}

// ---------------------------------------------------------------------------------------------
// §P8 short calldata

#[test]
fn p8_the_value_selector_covers_short_calldata_and_ffffffff() {
    let p = r#"
        [native]
        per_call = "10"
        total = "100"
        [[permissions]]
        target = "{other}"
        selector = "empty"
    "#;
    let profile = SemanticProfile { short_calldata: ShortCalldata::ValueSelector, ..SPEC };
    for data in [&[0xab, 0xcd][..], &[0xff, 0xff, 0xff, 0xff, 0x01][..]] {
        let cd = single(OTHER, 5, data);
        assert!(verdict(p, SPEC, &cd).is_some(), "{data:?}");
        assert_eq!(verdict(p, profile, &cd), None, "{data:?}");
    }
    assert_eq!(
        verdict(p, profile, &single(OTHER, 5, &[0xfe, 0xff, 0xff, 0xff])),
        Some(DenyReason::NotPermitted)
    );
}

// ---------------------------------------------------------------------------------------------
// §P9 wildcard

#[test]
fn p9_the_fallback_matches_any_selector_that_has_no_own_permission() {
    let p = format!("{ATTACK}\n{FALLBACK}");
    let profile = SemanticProfile { wildcard: WildcardModel::Fallback, ..SPEC };
    let use_skill = call("useSkill(uint8,uint256)", &[word(1), word(2)]);
    assert_eq!(verdict(&p, SPEC, &single(GAME, 0, &use_skill)), Some(DenyReason::NotPermitted));
    assert_eq!(verdict(&p, profile, &single(GAME, 0, &use_skill)), None);
    assert_eq!(verdict(&p, profile, &single(ROUTER, 0, &[])), None);
    // An exact permission is used even where it denies: no retry with the fallback.
    let limited = r#"
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        [[permissions.rules]]
        arg = 0
        lt = "5"
        [[permissions]]
        target = "*"
        selector = "0x00000001"
    "#;
    assert_eq!(
        verdict(limited, profile, &single(GAME, 0, &attack(7))),
        Some(DenyReason::ArgCondition)
    );
    // The fallback flag address itself cannot be called.
    assert_eq!(
        verdict(&p, profile, &single(FALLBACK_FLAG, 0, &[])),
        Some(DenyReason::NotPermitted)
    );
    let two = format!("{FALLBACK}\n{}", FALLBACK.replace("0x00000001", "0x00000002"));
    assert_eq!(
        SS.check_policy(&policy(&two)),
        Err(Inexpressible::SecondFallback { permission: 1 })
    );
}

// ---------------------------------------------------------------------------------------------
// §P10 argument addressing

const SWAP: &str = r#"
    [[permissions]]
    target = "{router}"
    function = "swap(address,uint256,bytes,uint256)"
    [[permissions.rules]]
    arg = 1
    lte = "100"
    [[permissions.rules]]
    arg = 2
    slice = { offset = 0, length = 32 }
    eq = "7"
"#;

fn swap_args(amount: U256, path: &[u8]) -> Vec<u8> {
    let mut data = leash_model::format::parse_function("swap(address,uint256,bytes,uint256)")
        .unwrap()
        .0
        .to_vec();
    data.extend_from_slice(&encode_args(&[
        addr(OTHER),
        ArgValue::Word(amount),
        ArgValue::Dynamic(path),
        word(0),
    ]));
    data
}

#[test]
fn p10_raw_words_are_read_at_their_canonical_offsets_without_decoding() {
    let profile = SemanticProfile { arg_addressing: ArgAddressing::RawWord, ..SPEC };
    let path = w(7);
    // Canonical: both read the same values.
    let data = swap_args(U256::from(50), &path);
    assert_eq!(verdict(SWAP, SPEC, &single(ROUTER, 0, &data)), None);
    assert_eq!(verdict(SWAP, profile, &single(ROUTER, 0, &data)), None);
    // The bytes argument relocated (C2): the raw word at the canonical tail still says 7, the
    // decoded argument says something else.
    let mut relocated = data.clone();
    relocated[4 + 2 * 32 + 31] = 0xe0; // head of `bytes` points past the canonical tail
    relocated.extend_from_slice(&w(32));
    relocated.extend_from_slice(&w(8));
    assert_eq!(verdict(SWAP, SPEC, &single(ROUTER, 0, &relocated)), Some(DenyReason::ArgOffset));
    assert_eq!(verdict(SWAP, profile, &single(ROUTER, 0, &relocated)), None);
    // Dirty upper bits are compared as they are (C3).
    let dirty = swap_args(U256::from(50) | (U256::from(1) << 200), &path);
    assert_eq!(verdict(SWAP, profile, &single(ROUTER, 0, &dirty)), Some(DenyReason::ArgCondition));
    // A word past the end of the calldata denies.
    assert_eq!(
        verdict(SWAP, profile, &single(ROUTER, 0, &data[..4 + 32 * 5])),
        Some(DenyReason::SliceOutOfBounds)
    );
}

#[test]
fn p10_a_rule_without_a_fixed_offset_is_not_expressible() {
    let p = policy(
        r#"
        [[permissions]]
        target = "{router}"
        function = "swap(address,uint256,bytes,uint256)"
        [[permissions.rules]]
        arg = 2
        slice = { offset = 0, length = 4 }
        eq = "7"
    "#,
    );
    assert!(SPEC.check_policy(&p).is_ok());
    assert_eq!(SS.check_policy(&p), Err(Inexpressible::NoRawOffset { permission: 0, rule: 0 }));
}

// ---------------------------------------------------------------------------------------------
// §P11 conditions

#[test]
fn p11_in_range_bounds_are_read_modulo_2_128_and_one_of_is_missing() {
    let big = U256::from(1) << 128;
    let p = format!(
        r#"
        [[permissions]]
        target = "{{game}}"
        function = "attack(uint256)"
        [[permissions.rules]]
        arg = 0
        in_range = ["0", "{}"]
    "#,
        big + U256::from(5)
    );
    let profile = SemanticProfile { in_range: InRangeWidth::Bits128, ..SPEC };
    assert_eq!(verdict(&p, SPEC, &single(GAME, 0, &attack(9))), None);
    assert_eq!(verdict(&p, profile, &single(GAME, 0, &attack(9))), Some(DenyReason::ArgCondition));
    assert_eq!(verdict(&p, profile, &single(GAME, 0, &attack(5))), None);
    let one_of = policy(
        r#"
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        [[permissions.rules]]
        arg = 0
        one_of = ["1", "2"]
    "#,
    );
    assert_eq!(SS.check_policy(&one_of), Err(Inexpressible::OneOf { permission: 0, rule: 0 }));
}

// ---------------------------------------------------------------------------------------------
// §P12 counter scope

const TOKEN_TWO_WAYS: &str = r#"
    [[permissions]]
    target = "{token}"
    function = "transfer(address,uint256)"
    [[permissions]]
    target = "{token}"
    function = "approve(address,uint256)"
    [[permissions]]
    target = "*"
    selector = "0x00000001"
    [[erc20]]
    token = "{token}"
    limit = "100"
"#;

#[test]
fn p12_per_action_caps_give_each_permission_its_own_counter() {
    let profile = SemanticProfile {
        counter_scope: CounterScope::Action,
        wildcard: WildcardModel::Fallback,
        ..SPEC
    };
    let transfer = call("transfer(address,uint256)", &[addr(OTHER), word(80)]);
    let approve = call("approve(address,uint256)", &[addr(OTHER), word(80)]);
    let mut spec_state = installed(policy(TOKEN_TWO_WAYS));
    assert_eq!(run_as(&mut spec_state, SPEC, 100, &single(TOKEN, 0, &transfer)), None);
    assert_eq!(
        run_as(&mut spec_state, SPEC, 100, &single(TOKEN, 0, &approve)),
        Some(DenyReason::TokenCap)
    );
    let mut state = installed(policy(TOKEN_TWO_WAYS));
    assert_eq!(run_as(&mut state, profile, 100, &single(TOKEN, 0, &transfer)), None);
    assert_eq!(run_as(&mut state, profile, 100, &single(TOKEN, 0, &approve)), None);
    let counters = state.session(KEY).unwrap().counters;
    assert_eq!(counters.action_token_spent[..2], [U256::from(80), U256::from(80)]);
    assert_eq!(counters.token_spent[0], U256::ZERO);
    // increaseAllowance has no permission of its own: it reaches the token through the
    // fallback, which no cap sees.
    let increase = call("increaseAllowance(address,uint256)", &[addr(OTHER), word(1000)]);
    assert_eq!(run_as(&mut state, profile, 100, &single(TOKEN, 0, &increase)), None);
}

// ---------------------------------------------------------------------------------------------
// §P13 native default

#[test]
fn p13_without_a_cap_native_value_is_free_under_allow() {
    let profile = SemanticProfile { native_default: NativeDefault::Allow, ..SPEC };
    let buy = call("buyLives(uint256)", &[word(1)]);
    let p = r#"
        [[permissions]]
        target = "{game}"
        function = "buyLives(uint256)"
    "#;
    assert_eq!(verdict(p, SPEC, &single(GAME, 5, &buy)), Some(DenyReason::NativeValue));
    assert_eq!(verdict(p, profile, &single(GAME, 5, &buy)), None);
}

// ---------------------------------------------------------------------------------------------
// §P14 ERC-20 rules

/// Permissions by bare selector, so that only §8 reads the arguments.
const TOKEN_ALL: &str = r#"
    [native]
    per_call = "10"
    total = "100"
    [[permissions]]
    target = "{token}"
    selector = "0xa9059cbb"
    [[permissions]]
    target = "{token}"
    selector = "0x23b872dd"
    [[erc20]]
    token = "{token}"
    limit = "100"
"#;

#[test]
fn p14_smartsessions_token_rules() {
    let profile = SemanticProfile { erc20: SS.erc20, ..SPEC };
    let transfer = call("transfer(address,uint256)", &[addr(OTHER), word(10)]);
    // §P14.3: no native value with a token call.
    assert_eq!(verdict(TOKEN_ALL, SPEC, &single(TOKEN, 1, &transfer)), None);
    assert_eq!(
        verdict(TOKEN_ALL, profile, &single(TOKEN, 1, &transfer)),
        Some(DenyReason::NativeValue)
    );
    // §P14.1: trailing bytes pass `abi.decode`; dirty words do not.
    let mut trailing = transfer.clone();
    trailing.push(0);
    assert_eq!(verdict(TOKEN_ALL, SPEC, &single(TOKEN, 0, &trailing)), Some(DenyReason::TokenArgs));
    assert_eq!(verdict(TOKEN_ALL, profile, &single(TOKEN, 0, &trailing)), None);
    let mut dirty = transfer.clone();
    dirty[4] = 1;
    assert_eq!(verdict(TOKEN_ALL, profile, &single(TOKEN, 0, &dirty)), Some(DenyReason::TokenArgs));
    // §P14.2: transferFrom from anyone; to the account it counts nothing.
    let from_other =
        call("transferFrom(address,address,uint256)", &[addr(OTHER), addr(OTHER), word(60)]);
    assert_eq!(
        verdict(TOKEN_ALL, SPEC, &single(TOKEN, 0, &from_other)),
        Some(DenyReason::TransferFromOther)
    );
    assert_eq!(verdict(TOKEN_ALL, profile, &single(TOKEN, 0, &from_other)), None);
    let to_account =
        call("transferFrom(address,address,uint256)", &[addr(OTHER), addr(ACCOUNT), word(1000)]);
    assert_eq!(verdict(TOKEN_ALL, profile, &single(TOKEN, 0, &to_account)), None);
}

// ---------------------------------------------------------------------------------------------
// §P15 usage unit

#[test]
fn p15_per_op_usage_counts_a_batch_once() {
    let p = format!("usage_limit = 2\n{ATTACK}");
    let profile = SemanticProfile { usage_unit: UsageUnit::PerOp, ..SPEC };
    let a = attack(1);
    let three = batch(&[(GAME, 0, &a), (GAME, 0, &a), (GAME, 0, &a)]);
    assert_eq!(verdict(&p, SPEC, &three), Some(DenyReason::UsageLimit));
    let mut state = installed(policy(&p));
    assert_eq!(run_as(&mut state, profile, 100, &three), None);
    assert_eq!(run_as(&mut state, profile, 100, &three), None);
    assert_eq!(state.session(KEY).unwrap().counters.calls, 2);
    assert_eq!(
        run_as(&mut state, profile, 100, &single(GAME, 0, &a)),
        Some(DenyReason::UsageLimit)
    );
}

// ---------------------------------------------------------------------------------------------
// §P16 rate model

#[test]
fn p16_without_rate_limits_a_rate_limit_is_not_enforced_nor_expressible() {
    let p = format!("[rate_limit]\nmax_calls = 1\ninterval = 60\n{ATTACK}");
    let profile = SemanticProfile { rate: RateModel::Unsupported, ..SPEC };
    let cd = single(GAME, 0, &attack(1));
    let mut state = installed(policy(&p));
    assert_eq!(run_as(&mut state, SPEC, 100, &cd), None);
    assert_eq!(run_as(&mut state, SPEC, 100, &cd), Some(DenyReason::RateLimit));
    let mut state = installed(policy(&p));
    assert_eq!(run_as(&mut state, profile, 100, &cd), None);
    assert_eq!(run_as(&mut state, profile, 100, &cd), None);
    assert_eq!(profile.check_policy(&policy(&p)), Err(Inexpressible::RateLimit));
    let per_op = SemanticProfile { usage_unit: UsageUnit::PerOp, ..SPEC };
    assert_eq!(per_op.check_policy(&policy(&p)), Err(Inexpressible::RateWithPerOpUsage));
}

// ---------------------------------------------------------------------------------------------
// §P17 the never-expire exception

#[test]
fn p17_without_the_exception_an_unbounded_session_ends_at_time_max() {
    let profile = SemanticProfile { never_expires: NeverExpires::Off, ..SPEC };
    let cd = single(GAME, 0, &attack(1));
    assert_eq!(verdict(ATTACK, SPEC, &cd), None);
    let mut state = installed(policy(ATTACK));
    assert_eq!(run_as(&mut state, SPEC, TIME_MAX + 1, &cd), None);
    assert_eq!(run_as(&mut state, profile, TIME_MAX, &cd), None);
    assert_eq!(run_as(&mut state, profile, TIME_MAX + 1, &cd), Some(DenyReason::Expired));
}

// ---------------------------------------------------------------------------------------------
// The SmartSessions profile as a whole

#[test]
fn the_smartsessions_profile_accepts_what_translation_produces() {
    let p = policy(
        r#"
        usage_limit = 3
        [native]
        per_call = "0"
        total = "1000"
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        [[permissions.rules]]
        arg = 0
        lte = "100"
        limit = "150"
        [[permissions]]
        target = "*"
        selector = "0x00000001"
    "#,
    );
    assert_eq!(SS.check_policy(&p), Ok(()));
    let mut state = installed(p);
    assert_eq!(run_as(&mut state, SS, 100, &single(GAME, 0, &attack(100))), None);
    assert_eq!(
        run_as(&mut state, SS, 100, &single(GAME, 0, &attack(60))),
        Some(DenyReason::ArgLimit)
    );
    assert_eq!(run_as(&mut state, SS, 100, &single(GAME, 0, &attack(50))), None);
    assert_eq!(
        run_as(
            &mut state,
            SS,
            100,
            &single(GAME, 0, &call("pickup(address,uint256)", &[addr(OTHER), word(1)]))
        ),
        None
    );
    assert_eq!(
        run_as(&mut state, SS, 100, &single(GAME, 0, &attack(0))),
        Some(DenyReason::UsageLimit)
    );
}

/// The spec's profile with the allowance semantics `semantics` (spec §P21).
fn with_allowances(semantics: AllowanceSemantics) -> SemanticProfile {
    SemanticProfile { allowances: semantics, ..SPEC }
}

/// Plain transfers to the game with a native periodic allowance of `amount` per `period`
/// seconds from `start`.
fn periodic(amount: u64, period: u64, start: u64) -> leash_model::Policy {
    policy(&format!(
        "version = 2\n[native]\n[native.periodic]\namount = \"{amount}\"\nperiod = {period}\n\
         start = {start}\n[[permissions]]\ntarget = \"{{game}}\"\nselector = \"empty\"\n"
    ))
}

/// Sends `value` to the game at `now` under `profile`.
fn send(
    state: &mut AccountState,
    profile: SemanticProfile,
    now: u64,
    value: u64,
) -> Option<DenyReason> {
    run_as(state, profile, now, &single(GAME, value, &[]))
}

const PERIOD: Option<DenyReason> = Some(DenyReason::NativePeriod);

#[test]
fn p21_1_a_module_without_allowances_over_time_cannot_express_them() {
    let p = periodic(5, 10, 100);
    assert_eq!(SPEC.check_policy(&p), Ok(()));
    assert_eq!(SS.check_policy(&p), Err(Inexpressible::AllowanceOverTime));
    let mut without = p.clone();
    without.native.as_mut().unwrap().periodic = None;
    assert_eq!(SS.check_policy(&without), Ok(()));
}

#[test]
fn p21_2_rolling_periods_begin_at_the_first_spend_after_the_last_one_ends() {
    let rolling = with_allowances(AllowanceSemantics {
        anchor: PeriodAnchor::Rolling,
        ..AllowanceSemantics::SPEC
    });
    let mut r = installed(periodic(5, 10, 100));
    let mut a = r.clone();
    for (state, profile) in [(&mut r, rolling), (&mut a, SPEC)] {
        assert_eq!(send(state, profile, 100, 5), None);
    }
    // 125 is past the first period: Rolling starts one there, Aligned is in 120..130.
    assert_eq!(send(&mut r, rolling, 125, 5), None);
    assert_eq!(send(&mut a, SPEC, 125, 5), None);
    assert_eq!(r.session(KEY).unwrap().counters.native_period.start, 125);
    assert_eq!(a.session(KEY).unwrap().counters.native_period.start, 120);
    assert_eq!(send(&mut r, rolling, 130, 1), PERIOD);
    assert_eq!(send(&mut a, SPEC, 130, 1), None);
    // Rolling: its boundary second (125 + 10) also belongs to the next period.
    assert_eq!(send(&mut r, rolling, 134, 1), PERIOD);
    assert_eq!(send(&mut r, rolling, 135, 5), None);
    assert_eq!(send(&mut r, rolling, 99, 0), None);
}

#[test]
fn p21_3_a_minute_clock_keeps_a_whole_minute_in_one_period() {
    let minutes = with_allowances(AllowanceSemantics {
        clock: PeriodClock::Minutes,
        ..AllowanceSemantics::SPEC
    });
    let mut m = installed(periodic(5, 60, 30));
    let mut s = m.clone();
    // 89 reads as 60 under Minutes: both clocks are in the period 30..90.
    assert_eq!(send(&mut m, minutes, 89, 5), None);
    assert_eq!(send(&mut s, SPEC, 89, 5), None);
    // 90 begins a period in seconds; in minutes it reads as 60, still 30..90.
    assert_eq!(send(&mut s, SPEC, 90, 5), None);
    assert_eq!(send(&mut m, minutes, 90, 1), PERIOD);
    assert_eq!(send(&mut m, minutes, 119, 1), PERIOD);
    // 120 reads as 120: the period 90..150 has begun.
    assert_eq!(send(&mut m, minutes, 120, 5), None);
    // Before start in minutes: 45 reads as 0, before the start at 30.
    let mut early = installed(periodic(5, 60, 30));
    assert_eq!(send(&mut early, minutes, 45, 1), PERIOD);
    assert_eq!(send(&mut early, SPEC, 45, 1), None);
}

#[test]
fn p21_4_an_overflowing_stream_denies_instead_of_saturating() {
    // initial + rate * 1 overflows 2^256 - 1 at the second after start.
    let p = policy(&format!(
        "version = 2\n[native]\n[native.streaming]\ninitial = \"{}\"\nrate = \"{}\"\nmax = \"{}\"\n\
         start = 100\n[[permissions]]\ntarget = \"{{game}}\"\nselector = \"empty\"\n",
        U256::MAX - U256::from(5),
        u128::MAX,
        U256::MAX
    ));
    let deny = with_allowances(AllowanceSemantics {
        stream_overflow: StreamOverflow::Deny,
        ..AllowanceSemantics::SPEC
    });
    let mut saturate = installed(p);
    let mut denying = saturate.clone();
    assert_eq!(send(&mut saturate, SPEC, 101, 1000), None);
    assert_eq!(send(&mut denying, deny, 101, 1), Some(DenyReason::NativeStream));
    // At start there is no accrual, so no overflow either.
    assert_eq!(send(&mut denying, deny, 100, 1000), None);
}

#[test]
fn p21_5_checked_zero_amounts_are_denied_before_a_start_and_by_an_overflowing_stream() {
    let checked = with_allowances(AllowanceSemantics {
        zero_amounts: ZeroAmounts::Checked,
        ..AllowanceSemantics::SPEC
    });
    let mut c = installed(periodic(5, 10, 100));
    let mut u = c.clone();
    assert_eq!(send(&mut u, SPEC, 99, 0), None);
    assert_eq!(send(&mut c, checked, 99, 0), PERIOD);
    // From the start a zero amount passes and moves the counter into the current period.
    assert_eq!(send(&mut c, checked, 100, 5), None);
    assert_eq!(send(&mut c, checked, 113, 0), None);
    let counter = c.session(KEY).unwrap().counters.native_period;
    assert_eq!((counter.start, counter.spent), (110, U256::ZERO));
    assert_eq!(send(&mut u, SPEC, 100, 5), None);
    assert_eq!(send(&mut u, SPEC, 113, 0), None);
    assert_eq!(u.session(KEY).unwrap().counters.native_period.start, 100);
    // An overflowing stream under `Deny` refuses a zero amount too.
    let p = policy(&format!(
        "version = 2\n[native]\n[native.streaming]\ninitial = \"{}\"\nrate = \"{}\"\nmax = \"{}\"\n\
         start = 100\n[[permissions]]\ntarget = \"{{game}}\"\nselector = \"empty\"\n",
        U256::MAX - U256::from(5),
        u128::MAX,
        U256::MAX
    ));
    let mut stream = installed(p);
    assert_eq!(send(&mut stream, MM, 101, 0), Some(DenyReason::NativeStream));
    assert_eq!(send(&mut stream, MM, 99, 0), None);
}

// ---------------------------------------------------------------------------------------------
// The values MetaMask's Delegation Framework needs (spec Part P, `SemanticProfile::METAMASK`)

const MM: SemanticProfile = SemanticProfile::METAMASK;

#[test]
fn p5_single_only_call_types_deny_a_batch_before_decoding_it() {
    let profile = SemanticProfile { call_types: CallTypes::SingleOnly, ..SPEC };
    let ok = batch(&[(GAME, 0, &attack(1))]);
    assert_eq!(verdict(ATTACK, SPEC, &ok), None);
    assert_eq!(verdict(ATTACK, profile, &ok), Some(DenyReason::CallType));
    // Even a batch spec v1 would deny for its encoding is a call-type denial first.
    let mut broken = ok.clone();
    broken.truncate(broken.len() - 32);
    assert_eq!(verdict(ATTACK, profile, &broken), Some(DenyReason::CallType));
    assert_eq!(verdict(ATTACK, profile, &single(GAME, 0, &attack(1))), None);
}

#[test]
fn p7_1_without_a_self_call_rule_the_account_is_any_target() {
    let profile = SemanticProfile { self_call: SelfCallScope::None, ..SPEC };
    let p = r#"
        [[permissions]]
        target = "*"
        function = "attack(uint256)"
    "#;
    let cd = single(ACCOUNT, 0, &attack(1));
    assert_eq!(verdict(p, SPEC, &cd), Some(DenyReason::SelfCall));
    assert_eq!(verdict(p, profile, &cd), None);
    assert_eq!(verdict(ATTACK, profile, &cd), Some(DenyReason::NotPermitted));
}

const EXACT_AND_WILDCARD: &str = r#"
    [[permissions]]
    target = "{game}"
    function = "attack(uint256)"
    [[permissions.rules]]
    arg = 0
    eq = "1"
    [[permissions]]
    target = "*"
    function = "attack(uint256)"
    [[permissions.rules]]
    arg = 0
    eq = "2"
"#;

#[test]
fn p9_any_matching_lets_the_wildcard_allow_what_the_exact_permission_denies() {
    let profile = SemanticProfile { wildcard: WildcardModel::AnyMatching, ..SPEC };
    // Spec v1: the exact permission decides alone.
    assert_eq!(
        verdict(EXACT_AND_WILDCARD, SPEC, &single(GAME, 0, &attack(2))),
        Some(DenyReason::ArgCondition)
    );
    assert_eq!(verdict(EXACT_AND_WILDCARD, profile, &single(GAME, 0, &attack(1))), None);
    assert_eq!(verdict(EXACT_AND_WILDCARD, profile, &single(GAME, 0, &attack(2))), None);
    // Both deny: the wildcard's denial stands (rule 0 of permission 1).
    let mut state = installed(policy(EXACT_AND_WILDCARD));
    let denial = state
        .execute_op(
            &env_as(profile, 100),
            &UserOp {
                signer: Some(KEY),
                call_data: &single(GAME, 0, &attack(3)),
                gas: leash_model::OpGas::FREE,
            },
        )
        .denial()
        .copied();
    assert_eq!(denial.map(|d| (d.reason, d.detail)), Some((DenyReason::ArgCondition, Some(0))));
    // Elsewhere only the wildcard matches.
    assert_eq!(verdict(EXACT_AND_WILDCARD, profile, &single(ROUTER, 0, &attack(2))), None);
    assert_eq!(
        verdict(EXACT_AND_WILDCARD, profile, &single(ROUTER, 0, &attack(1))),
        Some(DenyReason::ArgCondition)
    );
}

#[test]
fn p10_raw_bytes_read_a_slice_of_its_own_length() {
    let profile = SemanticProfile { arg_addressing: ArgAddressing::RawBytes, ..SPEC };
    // The first four bytes of the `bytes` argument: a nested call's selector.
    let p = r#"
        [[permissions]]
        target = "{router}"
        function = "swap(address,uint256,bytes,uint256)"
        [[permissions.rules]]
        arg = 2
        slice = { offset = 0, length = 4 }
        eq = "0xa9059cbb"
    "#;
    let mut path = vec![0xa9, 0x05, 0x9c, 0xbb];
    path.extend_from_slice(&[0x11; 28]);
    let data = swap_args(U256::from(1), &path);
    assert_eq!(verdict(p, SPEC, &single(ROUTER, 0, &data)), None);
    assert_eq!(verdict(p, profile, &single(ROUTER, 0, &data)), None);
    // C2: a relocated `bytes` whose canonical tail still starts with the selector.
    let mut relocated = data.clone();
    relocated[4 + 2 * 32 + 31] = 0xe0;
    relocated.extend_from_slice(&w(4));
    relocated.extend_from_slice(&w(0xdead_beef_u64 << 32));
    assert_eq!(verdict(p, profile, &single(ROUTER, 0, &relocated)), None);
    assert_eq!(verdict(p, SPEC, &single(ROUTER, 0, &relocated)), Some(DenyReason::ArgOffset));
    // A span past the calldata denies; RawWord has no 4-byte slices at all.
    assert_eq!(
        verdict(p, profile, &single(ROUTER, 0, &data[..4 + 32 * 5 + 2])),
        Some(DenyReason::SliceOutOfBounds)
    );
    let raw_word = SemanticProfile { arg_addressing: ArgAddressing::RawWord, ..SPEC };
    assert_eq!(
        raw_word.check_policy(&policy(p)),
        Err(Inexpressible::NoRawOffset { permission: 0, rule: 0 })
    );
    assert_eq!(profile.check_policy(&policy(p)), Ok(()));
}

#[test]
fn p11_equality_only_refuses_other_conditions_and_limits() {
    let profile = SemanticProfile { conditions: ArgConditions::EqualityOnly, ..SPEC };
    let eq = format!("{ATTACK}\n[[permissions.rules]]\narg = 0\neq = \"1\"");
    assert_eq!(profile.check_policy(&policy(&eq)), Ok(()));
    let limited = format!("{eq}\nlimit = \"5\"");
    let lte = format!("{ATTACK}\n[[permissions.rules]]\narg = 0\nlte = \"1\"");
    for p in [limited, lte] {
        assert_eq!(
            profile.check_policy(&policy(&p)),
            Err(Inexpressible::NotEquality { permission: 0, rule: 0 })
        );
    }
}

const TWO_TOKENS: &str = r#"
    [[permissions]]
    target = "{token}"
    function = "transfer(address,uint256)"
    [[permissions]]
    target = "{other}"
    function = "transfer(address,uint256)"
    [[erc20]]
    token = "{token}"
    limit = "100"
    [[erc20]]
    token = "{other}"
    limit = "60"
"#;

#[test]
fn p12_a_delegation_counter_is_shared_by_every_capped_token() {
    let profile = SemanticProfile { counter_scope: CounterScope::Delegation, ..SPEC };
    let send = |n| call("transfer(address,uint256)", &[addr(GAME), word(n)]);
    let mut state = installed(policy(TWO_TOKENS));
    assert_eq!(run_as(&mut state, profile, 100, &single(TOKEN, 0, &send(50))), None);
    // 50 + 20 > 60: the second token's own limit, over the shared counter.
    assert_eq!(
        run_as(&mut state, profile, 100, &single(OTHER, 0, &send(20))),
        Some(DenyReason::TokenCap)
    );
    assert_eq!(run_as(&mut state, profile, 100, &single(OTHER, 0, &send(10))), None);
    assert_eq!(run_as(&mut state, profile, 100, &single(TOKEN, 0, &send(40))), None);
    let counters = state.session(KEY).unwrap().counters;
    assert_eq!(counters.token_spent[..2], [U256::from(100), U256::ZERO]);
    let mut spec = installed(policy(TWO_TOKENS));
    assert_eq!(run_as(&mut spec, SPEC, 100, &single(TOKEN, 0, &send(50))), None);
    assert_eq!(run_as(&mut spec, SPEC, 100, &single(OTHER, 0, &send(20))), None);
}

#[test]
fn p14_transfer_only_with_an_exact_length_and_a_raw_amount() {
    let profile = SemanticProfile { erc20: MM.erc20, ..SPEC };
    let transfer = call("transfer(address,uint256)", &[addr(OTHER), word(10)]);
    assert_eq!(verdict(TOKEN_ALL, profile, &single(TOKEN, 0, &transfer)), None);
    // One trailing byte: not 68 bytes.
    let mut trailing = transfer.clone();
    trailing.push(0);
    assert_eq!(
        verdict(TOKEN_ALL, profile, &single(TOKEN, 0, &trailing)),
        Some(DenyReason::TokenArgs)
    );
    // A dirty recipient is not read (the token's own decoder refuses it).
    let mut dirty = transfer.clone();
    dirty[4] = 1;
    assert_eq!(verdict(TOKEN_ALL, SPEC, &single(TOKEN, 0, &dirty)), Some(DenyReason::TokenArgs));
    assert_eq!(verdict(TOKEN_ALL, profile, &single(TOKEN, 0, &dirty)), None);
    // transferFrom is not a way value leaves under this cap.
    let from =
        call("transferFrom(address,address,uint256)", &[addr(ACCOUNT), addr(OTHER), word(1)]);
    assert_eq!(verdict(TOKEN_ALL, SPEC, &single(TOKEN, 0, &from)), None);
    assert_eq!(
        verdict(TOKEN_ALL, profile, &single(TOKEN, 0, &from)),
        Some(DenyReason::TokenSelector)
    );
}

#[test]
fn the_metamask_profile_with_an_exclusive_window() {
    let p = policy(&format!(
        "valid_after = 50\nvalid_until = 150\nusage_limit = 2\n[native]\nper_call = \"0\"\ntotal = \"0\"\n{EXACT_AND_WILDCARD}"
    ));
    assert_eq!(MM.check_policy(&p), Ok(()));
    let env = |now| Env { window: leash_model::WindowPredicate::Exclusive, ..env_as(MM, now) };
    let mut state = installed(p);
    let mut op = |now, cd: &[u8]| {
        state
            .execute_op(
                &env(now),
                &UserOp { signer: Some(KEY), call_data: cd, gas: leash_model::OpGas::FREE },
            )
            .denial()
            .map(|d| d.reason)
    };
    assert_eq!(op(50, &single(GAME, 0, &attack(1))), Some(DenyReason::NotYetValid));
    assert_eq!(op(51, &batch(&[(GAME, 0, &attack(1))])), Some(DenyReason::CallType));
    assert_eq!(op(51, &single(GAME, 0, &attack(2))), None);
    assert_eq!(op(149, &single(GAME, 1, &attack(2))), Some(DenyReason::NativePerCall));
    // Both candidates deny: the wildcard's denial stands.
    assert_eq!(op(149, &single(GAME, 1, &attack(1))), Some(DenyReason::ArgCondition));
    assert_eq!(op(149, &single(GAME, 0, &attack(1))), None);
    assert_eq!(op(149, &single(GAME, 0, &attack(1))), Some(DenyReason::UsageLimit));
    assert!(MM.differences().iter().any(|(clause, _, _)| *clause == "§P3"));
}
