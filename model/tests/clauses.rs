//! Every clause of `docs/spec.md`, on its allow side and its deny side, at its boundaries.
//!
//! Decoding clauses (§3, §6.1) have byte-level tests next to their decoders in `src/abi/`; here
//! they are exercised through whole ops.

mod common;

use alloy_primitives::{Address, U256};
use common::*;
use leash_model::bounds::{MAX_BATCH, MAX_SESSIONS, TIME_MAX};
use leash_model::{
    AccountState, Denial, DenyReason, LifecycleError, Policy, PolicyError, Status, UserOp,
    WindowPredicate,
};

const GAME_ATTACK: &str = r#"
    [[permissions]]
    target = "{game}"
    function = "attack(uint256)"
"#;

fn attack(monster: u64) -> Vec<u8> {
    call("attack(uint256)", &[word(monster)])
}

fn transfer(to: Address, amount: u64) -> Vec<u8> {
    call("transfer(address,uint256)", &[addr(to), word(amount)])
}

// ---------------------------------------------------------------------------------------------
// §2 Lifecycle

#[test]
fn s2_1_install_refuses_the_zero_key_and_invalid_policies() {
    let mut state = AccountState::new();
    assert_eq!(state.install(Address::ZERO, Policy::default()), Err(LifecycleError::ZeroKey));
    let empty_window = Policy { valid_after: 10, valid_until: 10, ..Policy::default() };
    assert_eq!(
        state.install(KEY, empty_window),
        Err(LifecycleError::InvalidPolicy(PolicyError::EmptyWindow {
            valid_after: 10,
            valid_until: 10
        }))
    );
    assert!(state.sessions().is_empty());
}

#[test]
fn s2_1_reinstall_starts_from_clean_counters() {
    let p = policy(&format!("usage_limit = 1\n{GAME_ATTACK}"));
    let mut state = installed(p.clone());
    let cd = single(GAME, 0, &attack(1));
    assert!(run(&mut state, 100, &cd).is_allow());
    assert_eq!(reason(run(&mut state, 100, &cd)), Some(DenyReason::UsageLimit));
    state.install(KEY, p).unwrap();
    assert_eq!(state.session(KEY).unwrap().counters, Default::default());
    assert!(run(&mut state, 100, &cd).is_allow());
}

#[test]
fn s2_1_reinstall_with_another_policy_keeps_nothing_of_the_first() {
    let mut state = installed(policy(&format!(
        r#"
        [native]
        per_call = "10"
        total = "10"
        {GAME_ATTACK}
        [[permissions]]
        target = "{{game}}"
        selector = "empty"
        "#
    )));
    assert!(run(&mut state, 100, &single(GAME, 10, &[])).is_allow());
    state.install(KEY, policy(GAME_ATTACK)).unwrap();
    let session = state.session(KEY).unwrap();
    assert_eq!(session.counters.native_spent, U256::ZERO);
    assert_eq!(
        reason(run(&mut state, 100, &single(GAME, 10, &[]))),
        Some(DenyReason::NotPermitted)
    );
}

#[test]
fn s2_2_revoke_denies_until_reinstalled() {
    let mut state = installed(policy(GAME_ATTACK));
    let cd = single(GAME, 0, &attack(1));
    assert!(run(&mut state, 100, &cd).is_allow());
    state.revoke(KEY).unwrap();
    assert_eq!(state.session(KEY).unwrap().status, Status::Revoked);
    assert_eq!(reason(run(&mut state, 100, &cd)), Some(DenyReason::Revoked));
    // Revoking twice changes nothing.
    let before = state.clone();
    state.revoke(KEY).unwrap();
    assert_eq!(state, before);
    state.install(KEY, policy(GAME_ATTACK)).unwrap();
    assert!(run(&mut state, 100, &cd).is_allow());
}

#[test]
fn s2_2_revoking_an_unknown_key_is_an_error() {
    let mut state = AccountState::new();
    assert_eq!(state.revoke(KEY), Err(LifecycleError::UnknownSession { key: KEY }));
}

#[test]
fn s2_3_1_ops_need_a_signer_with_a_session() {
    let mut state = installed(policy(GAME_ATTACK));
    let cd = single(GAME, 0, &attack(1));
    for signer in [None, Some(OTHER)] {
        let verdict = state.execute_op(&env(100), &UserOp::new(signer, &cd));
        assert_eq!(verdict.denial(), Some(&Denial::op(DenyReason::NoSession)), "{signer:?}");
    }
    assert!(run(&mut state, 100, &cd).is_allow());
}

#[test]
fn s2_3_sessions_of_two_keys_are_independent() {
    let mut state = installed(policy(&format!("usage_limit = 1\n{GAME_ATTACK}")));
    state.install(OTHER, policy(GAME_ATTACK)).unwrap();
    let cd = single(GAME, 0, &attack(1));
    assert!(run(&mut state, 100, &cd).is_allow());
    assert_eq!(reason(run(&mut state, 100, &cd)), Some(DenyReason::UsageLimit));
    let verdict = state.execute_op(&env(100), &UserOp::new(Some(OTHER), &cd));
    assert!(verdict.is_allow());
    state.revoke(OTHER).unwrap();
    assert_eq!(state.session(KEY).unwrap().status, Status::Active);
}

#[test]
fn s2_5_the_model_holds_max_sessions_keys() {
    let mut state = AccountState::new();
    for i in 1..=MAX_SESSIONS as u8 {
        state.install(Address::with_last_byte(i), Policy::default()).unwrap();
    }
    let extra = Address::with_last_byte(0xee);
    assert_eq!(
        state.install(extra, Policy::default()),
        Err(LifecycleError::Capacity { key: extra })
    );
    // Reinstalling a held key still works when full.
    state.install(Address::with_last_byte(1), Policy::default()).unwrap();
}

// ---------------------------------------------------------------------------------------------
// §3 Decoding, through whole ops

#[test]
fn s3_non_canonical_call_data_is_denied_before_any_rule() {
    let mut state = installed(policy(GAME_ATTACK));
    let mut cd = single(GAME, 0, &attack(1));
    cd.push(0); // a trailing byte
    assert_eq!(reason(run(&mut state, 100, &cd)), Some(DenyReason::OuterLength));
    let mut cd = single(GAME, 0, &attack(1));
    cd[4] = 0xff; // delegatecall
    assert_eq!(reason(run(&mut state, 100, &cd)), Some(DenyReason::CallType));
    let mut cd = single(GAME, 0, &attack(1));
    cd[5] = 0x01; // try
    assert_eq!(reason(run(&mut state, 100, &cd)), Some(DenyReason::ExecType));
    assert_eq!(state.session(KEY).unwrap().counters, Default::default());
}

#[test]
fn s3_6_3_an_empty_batch_is_denied() {
    let mut state = installed(policy(GAME_ATTACK));
    assert_eq!(reason(run(&mut state, 100, &batch(&[]))), Some(DenyReason::EmptyBatch));
}

#[test]
fn s3_6_4_batches_up_to_max_batch_pass() {
    let mut state = installed(policy(GAME_ATTACK));
    let data = attack(1);
    let items: Vec<(Address, u64, &[u8])> = vec![(GAME, 0, &data[..]); MAX_BATCH + 1];
    assert!(run(&mut state, 100, &batch(&items[..MAX_BATCH])).is_allow());
    assert_eq!(reason(run(&mut state, 100, &batch(&items))), Some(DenyReason::BatchTooLarge));
}

// ---------------------------------------------------------------------------------------------
// §4 Scope

#[test]
fn s4_self_module_and_zero_targets_are_denied_even_under_a_wildcard() {
    let mut state = installed(policy(
        r#"
        [[permissions]]
        target = "*"
        function = "attack(uint256)"
        "#,
    ));
    let data = attack(1);
    for (target, expected) in [
        (ACCOUNT, DenyReason::SelfCall),
        (MODULE, DenyReason::ModuleCall),
        (Address::ZERO, DenyReason::ZeroTarget),
    ] {
        let verdict = run(&mut state, 100, &single(target, 0, &data));
        assert_eq!(verdict.denial(), Some(&Denial::at(expected, 0)), "{target}");
    }
    assert!(run(&mut state, 100, &single(GAME, 0, &data)).is_allow());
}

#[test]
fn s4_1_a_self_call_late_in_a_batch_names_its_index() {
    let mut state = installed(policy(GAME_ATTACK));
    let data = attack(1);
    let verdict = run(&mut state, 100, &batch(&[(GAME, 0, &data), (ACCOUNT, 0, &data)]));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::SelfCall, 1)));
}

// ---------------------------------------------------------------------------------------------
// §5 Permission

#[test]
fn s5_1_calldata_of_one_to_three_bytes_never_matches() {
    let mut state = installed(policy(
        r#"
        [[permissions]]
        target = "{game}"
        selector = "empty"
        [[permissions]]
        target = "{game}"
        selector = "0x00000000"
        "#,
    ));
    for len in 1..=3 {
        let verdict = run(&mut state, 100, &single(GAME, 0, &vec![0; len]));
        assert_eq!(reason(verdict), Some(DenyReason::ShortCalldata), "{len} bytes");
    }
    assert!(run(&mut state, 100, &single(GAME, 0, &[])).is_allow());
    assert!(run(&mut state, 100, &single(GAME, 0, &[0, 0, 0, 0])).is_allow());
}

#[test]
fn s5_1_sentinel_selectors_are_ordinary() {
    // A permission for 0x00000000 does not allow empty calldata, and 0xffffffff is just a
    // selector (bug class C9).
    let mut state = installed(policy(
        r#"
        [[permissions]]
        target = "{game}"
        selector = "0x00000000"
        "#,
    ));
    assert_eq!(reason(run(&mut state, 100, &single(GAME, 0, &[]))), Some(DenyReason::NotPermitted));
    let verdict = run(&mut state, 100, &single(GAME, 0, &[0xff; 4]));
    assert_eq!(reason(verdict), Some(DenyReason::NotPermitted));
    assert!(run(&mut state, 100, &single(GAME, 0, &[0, 0, 0, 0, 7])).is_allow());
}

#[test]
fn s5_3_an_exact_target_wins_over_the_wildcard() {
    let mut state = installed(policy(
        r#"
        [[permissions]]
        target = "*"
        function = "attack(uint256)"
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        [[permissions.rules]]
        arg = 0
        lt = "10"
        "#,
    ));
    // The game's own permission applies to the game, so its rule binds there...
    let verdict = run(&mut state, 100, &single(GAME, 0, &attack(50)));
    assert_eq!(reason(verdict), Some(DenyReason::ArgCondition));
    // ...and the wildcard applies everywhere else.
    assert!(run(&mut state, 100, &single(OTHER, 0, &attack(50))).is_allow());
}

#[test]
fn s5_3_unlisted_targets_and_selectors_are_not_permitted() {
    let mut state = installed(policy(GAME_ATTACK));
    let verdict = run(&mut state, 100, &single(OTHER, 0, &attack(1)));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::NotPermitted, 0)));
    let heal = call("heal(uint256)", &[word(1)]);
    let verdict = run(&mut state, 100, &single(GAME, 0, &heal));
    assert_eq!(reason(verdict), Some(DenyReason::NotPermitted));
}

#[test]
fn s5_a_permission_without_args_accepts_any_arguments() {
    let mut state = installed(policy(
        r#"
        [[permissions]]
        target = "{game}"
        selector = "0x3f5d8b3d"
        "#,
    ));
    let mut data = vec![0x3f, 0x5d, 0x8b, 0x3d];
    assert!(run(&mut state, 100, &single(GAME, 0, &data)).is_allow());
    data.extend_from_slice(&[0xab; 7]);
    assert!(run(&mut state, 100, &single(GAME, 0, &data)).is_allow());
}

// ---------------------------------------------------------------------------------------------
// §6 Arguments

#[test]
fn s6_1_non_canonical_arguments_are_denied_with_the_argument_index() {
    let mut state = installed(policy(
        r#"
        [[permissions]]
        target = "{game}"
        function = "pickup(address,uint256)"
        "#,
    ));
    let good = call("pickup(address,uint256)", &[addr(OTHER), word(3)]);
    assert!(run(&mut state, 100, &single(GAME, 0, &good)).is_allow());

    let mut dirty = good.clone();
    dirty[4] = 0x01; // upper bytes of the address word
    let verdict = run(&mut state, 100, &single(GAME, 0, &dirty));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::ArgDirty, 0).with_detail(0)));

    let mut trailing = good.clone();
    trailing.push(0);
    let verdict = run(&mut state, 100, &single(GAME, 0, &trailing));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::ArgsLength, 0)));

    let verdict = run(&mut state, 100, &single(GAME, 0, &good[..35]));
    assert_eq!(reason(verdict), Some(DenyReason::ArgsTruncated));
}

#[test]
fn s6_1_a_relocated_dynamic_tail_is_denied() {
    // Bug class C2: the head of `path` points past its canonical tail.
    let mut state = installed(policy(
        r#"
        [[permissions]]
        target = "{router}"
        function = "swap(address,uint256,bytes,uint256)"
        "#,
    ));
    let path = [0xaa; 4];
    let good = call(
        "swap(address,uint256,bytes,uint256)",
        &[addr(TOKEN), word(5), leash_model::abi::args::ArgValue::Dynamic(&path), word(1)],
    );
    assert!(run(&mut state, 100, &single(ROUTER, 0, &good)).is_allow());
    let mut moved = good.clone();
    moved[4 + 64 + 31] = 0xc0; // offset 0xa0 -> 0xc0
    moved.extend_from_slice(&[0u8; 32]);
    let verdict = run(&mut state, 100, &single(ROUTER, 0, &moved));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::ArgOffset, 0).with_detail(2)));
}

const ROUTER_SWAP_SELECTOR_RULE: &str = r#"
    [[permissions]]
    target = "{router}"
    function = "swap(address,uint256,bytes,uint256)"
    [[permissions.rules]]
    arg = 2
    slice = { offset = 0, length = 4 }
    eq = "0xa9059cbb"
"#;

fn swap(path: &[u8]) -> Vec<u8> {
    call(
        "swap(address,uint256,bytes,uint256)",
        &[addr(TOKEN), word(5), leash_model::abi::args::ArgValue::Dynamic(path), word(1)],
    )
}

#[test]
fn s6_2_a_slice_reads_big_endian_bytes_of_the_content() {
    let mut state = installed(policy(ROUTER_SWAP_SELECTOR_RULE));
    assert!(
        run(&mut state, 100, &single(ROUTER, 0, &swap(&[0xa9, 0x05, 0x9c, 0xbb, 9]))).is_allow()
    );
    let verdict = run(&mut state, 100, &single(ROUTER, 0, &swap(&[0xbb, 0x9c, 0x05, 0xa9])));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::ArgCondition, 0).with_detail(0)));
}

#[test]
fn s6_2_a_slice_past_the_content_is_denied() {
    let mut state = installed(policy(ROUTER_SWAP_SELECTOR_RULE));
    let verdict = run(&mut state, 100, &single(ROUTER, 0, &swap(&[0xa9, 0x05, 0x9c])));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::SliceOutOfBounds, 0).with_detail(0)));
    assert_eq!(
        reason(run(&mut state, 100, &single(ROUTER, 0, &swap(&[])))),
        Some(DenyReason::SliceOutOfBounds)
    );
}

#[test]
fn s6_3_every_condition_at_its_boundaries() {
    let max = U256::MAX.to_string();
    let cases: Vec<(String, Vec<(U256, bool)>)> = vec![
        (
            "eq = \"10\"".into(),
            vec![(U256::from(9), false), (U256::from(10), true), (U256::from(11), false)],
        ),
        (
            "neq = \"10\"".into(),
            vec![(U256::from(9), true), (U256::from(10), false), (U256::from(11), true)],
        ),
        (
            "gt = \"10\"".into(),
            vec![(U256::from(10), false), (U256::from(11), true), (U256::MAX, true)],
        ),
        ("gte = \"10\"".into(), vec![(U256::from(9), false), (U256::from(10), true)]),
        (
            "lt = \"10\"".into(),
            vec![(U256::ZERO, true), (U256::from(9), true), (U256::from(10), false)],
        ),
        (
            "lte = \"10\"".into(),
            vec![(U256::from(10), true), (U256::from(11), false), (U256::MAX, false)],
        ),
        (
            "in_range = [\"3\", \"5\"]".into(),
            vec![
                (U256::from(2), false),
                (U256::from(3), true),
                (U256::from(5), true),
                (U256::from(6), false),
            ],
        ),
        (format!("in_range = [\"0\", \"{max}\"]"), vec![(U256::ZERO, true), (U256::MAX, true)]),
        (
            "one_of = [\"1\", \"7\"]".into(),
            vec![
                (U256::ZERO, false),
                (U256::from(1), true),
                (U256::from(7), true),
                (U256::from(8), false),
            ],
        ),
    ];
    for (condition, samples) in cases {
        let p = policy(&format!(
            r#"
            [[permissions]]
            target = "{{game}}"
            function = "attack(uint256)"
            [[permissions.rules]]
            arg = 0
            {condition}
            "#
        ));
        let mut state = installed(p);
        for (x, allowed) in samples {
            let data = call("attack(uint256)", &[leash_model::abi::args::ArgValue::Word(x)]);
            let verdict = run(&mut state, 100, &single(GAME, 0, &data));
            assert_eq!(verdict.is_allow(), allowed, "{condition} with {x}");
            if !allowed {
                assert_eq!(reason(verdict), Some(DenyReason::ArgCondition));
            }
        }
    }
}

#[test]
fn s6_3_rules_on_addresses_compare_the_160_bit_number() {
    let mut state = installed(policy(
        r#"
        [[permissions]]
        target = "{token}"
        function = "transfer(address,uint256)"
        [[permissions.rules]]
        arg = 0
        eq = "{other}"
        "#
        .replace(
            "eq = \"{other}\"",
            &format!("eq = \"0x{}\"", alloy_primitives::hex::encode(OTHER)),
        )
        .as_str(),
    ));
    assert!(run(&mut state, 100, &single(TOKEN, 0, &transfer(OTHER, 1))).is_allow());
    assert_eq!(
        reason(run(&mut state, 100, &single(TOKEN, 0, &transfer(GAME, 1)))),
        Some(DenyReason::ArgCondition)
    );
}

#[test]
fn s6_4_a_cumulative_limit_allows_exactly_its_limit() {
    let mut state = installed(policy(
        r#"
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        [[permissions.rules]]
        arg = 0
        lte = "100"
        limit = "150"
        "#,
    ));
    assert!(run(&mut state, 100, &single(GAME, 0, &attack(100))).is_allow());
    let verdict = run(&mut state, 100, &single(GAME, 0, &attack(51)));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::ArgLimit, 0).with_detail(0)));
    assert!(run(&mut state, 100, &single(GAME, 0, &attack(50))).is_allow());
    assert_eq!(state.session(KEY).unwrap().counters.rule_used[0][0], U256::from(150));
    assert_eq!(
        reason(run(&mut state, 100, &single(GAME, 0, &attack(1)))),
        Some(DenyReason::ArgLimit)
    );
    assert!(run(&mut state, 100, &single(GAME, 0, &attack(0))).is_allow());
}

#[test]
fn s6_4_an_overflowing_sum_exceeds_every_limit() {
    let max = U256::MAX.to_string();
    let mut state = installed(policy(&format!(
        r#"
        [[permissions]]
        target = "{{game}}"
        function = "attack(uint256)"
        [[permissions.rules]]
        arg = 0
        gte = "0"
        limit = "{max}"
        "#
    )));
    let big = call("attack(uint256)", &[leash_model::abi::args::ArgValue::Word(U256::MAX)]);
    assert!(run(&mut state, 100, &single(GAME, 0, &big)).is_allow());
    assert_eq!(
        reason(run(&mut state, 100, &single(GAME, 0, &attack(1)))),
        Some(DenyReason::ArgLimit)
    );
}

// ---------------------------------------------------------------------------------------------
// §7 Native value

const PLAIN_TRANSFERS_TO_GAME: &str = r#"
    [[permissions]]
    target = "{game}"
    selector = "empty"
"#;

#[test]
fn s7_1_no_cap_means_no_native_value() {
    let mut state = installed(policy(PLAIN_TRANSFERS_TO_GAME));
    assert!(run(&mut state, 100, &single(GAME, 0, &[])).is_allow());
    let verdict = run(&mut state, 100, &single(GAME, 1, &[]));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::NativeValue, 0)));
}

#[test]
fn s7_2_and_s7_3_per_call_and_total_caps_at_their_boundaries() {
    let mut state = installed(policy(&format!(
        "[native]\nper_call = \"10\"\ntotal = \"25\"\n{PLAIN_TRANSFERS_TO_GAME}"
    )));
    assert_eq!(
        reason(run(&mut state, 100, &single(GAME, 11, &[]))),
        Some(DenyReason::NativePerCall)
    );
    assert!(run(&mut state, 100, &single(GAME, 10, &[])).is_allow());
    assert!(run(&mut state, 100, &single(GAME, 10, &[])).is_allow());
    assert_eq!(reason(run(&mut state, 100, &single(GAME, 6, &[]))), Some(DenyReason::NativeTotal));
    assert!(run(&mut state, 100, &single(GAME, 5, &[])).is_allow());
    assert_eq!(state.session(KEY).unwrap().counters.native_spent, U256::from(25));
    assert_eq!(reason(run(&mut state, 100, &single(GAME, 1, &[]))), Some(DenyReason::NativeTotal));
}

/// Native value with a periodic allowance of `amount` per `period` seconds from `start`, and
/// per-call and total caps of 1000.
fn periodic_native(amount: u64, period: u64, start: u64) -> Policy {
    policy(&format!(
        "[native]\nper_call = \"1000\"\ntotal = \"1000\"\n[native.periodic]\namount = \"{amount}\"\n\
         period = {period}\nstart = {start}\n{PLAIN_TRANSFERS_TO_GAME}"
    ))
}

/// Sends `value` to the game at `now`.
fn send(state: &mut AccountState, now: u64, value: u64) -> Option<DenyReason> {
    reason(run(state, now, &single(GAME, value, &[])))
}

const PERIOD: Option<DenyReason> = Some(DenyReason::NativePeriod);
const STREAM: Option<DenyReason> = Some(DenyReason::NativeStream);

#[test]
fn s7_4_a_period_allows_exactly_its_amount() {
    let mut state = installed(periodic_native(5, 10, 100));
    // The first second of the first period.
    assert_eq!(send(&mut state, 100, 6), PERIOD);
    assert_eq!(send(&mut state, 100, 5), None);
    assert_eq!(send(&mut state, 100, 1), PERIOD);
    let counter = state.session(KEY).unwrap().counters.native_period;
    assert_eq!((counter.start, counter.spent), (100, U256::from(5)));
}

#[test]
fn s7_4_the_boundary_second_belongs_to_the_next_period() {
    let mut state = installed(periodic_native(5, 10, 100));
    assert_eq!(send(&mut state, 105, 4), None);
    // The last second of the period: one left.
    assert_eq!(send(&mut state, 109, 2), PERIOD);
    assert_eq!(send(&mut state, 109, 1), None);
    // start + period: a new period, its whole amount available, nothing carried over.
    assert_eq!(send(&mut state, 110, 6), PERIOD);
    assert_eq!(send(&mut state, 110, 5), None);
    assert_eq!(send(&mut state, 119, 1), PERIOD);
    assert_eq!(send(&mut state, 120, 1), None);
    assert_eq!(state.session(KEY).unwrap().counters.native_period.start, 120);
}

#[test]
fn s7_4_before_start_nothing_is_available_and_zero_is_not_counted() {
    let mut state = installed(periodic_native(5, 10, 100));
    assert_eq!(send(&mut state, 99, 1), PERIOD);
    // A zero value passes before start, and in an exhausted period, and moves nothing.
    assert_eq!(send(&mut state, 99, 0), None);
    assert_eq!(send(&mut state, 100, 5), None);
    assert_eq!(send(&mut state, 109, 0), None);
    assert_eq!(state.session(KEY).unwrap().counters.native_period.start, 100);
    assert_eq!(send(&mut state, 110, 0), None);
    assert_eq!(state.session(KEY).unwrap().counters.native_period.start, 100);
}

#[test]
fn s7_4_skipped_periods_add_nothing_to_the_current_one() {
    let mut state = installed(periodic_native(5, 10, 100));
    assert_eq!(send(&mut state, 100, 5), None);
    // Two whole periods skipped: the current period (130..140) has exactly one amount.
    assert_eq!(send(&mut state, 131, 6), PERIOD);
    assert_eq!(send(&mut state, 131, 5), None);
    assert_eq!(send(&mut state, 139, 1), PERIOD);
    let counter = state.session(KEY).unwrap().counters.native_period;
    assert_eq!((counter.start, counter.spent), (130, U256::from(5)));
    // A long warp: period k = 10^9.
    let far = 100 + 10 * 1_000_000_000;
    assert_eq!(send(&mut state, far + 9, 5), None);
    assert_eq!(state.session(KEY).unwrap().counters.native_period.start, far);
}

#[test]
fn s7_4_a_batch_counts_every_execution_in_the_period() {
    let mut state = installed(periodic_native(5, 10, 100));
    let three = batch(&[(GAME, 3, &[]), (GAME, 3, &[])]);
    let verdict = run(&mut state, 100, &three);
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::NativePeriod, 1)));
    assert_eq!(state.session(KEY).unwrap().counters, Default::default());
    let exact = batch(&[(GAME, 3, &[]), (GAME, 2, &[])]);
    assert!(run(&mut state, 100, &exact).is_allow());
}

#[test]
fn s7_4_the_lifetime_total_still_binds() {
    let mut state = installed(policy(&format!(
        "[native]\nper_call = \"10\"\ntotal = \"7\"\n[native.periodic]\namount = \"5\"\n\
         period = 10\nstart = 0\n{PLAIN_TRANSFERS_TO_GAME}"
    )));
    assert_eq!(send(&mut state, 100, 5), None);
    assert_eq!(send(&mut state, 110, 3), Some(DenyReason::NativeTotal));
    assert_eq!(send(&mut state, 110, 2), None);
}

/// Native value with a stream of `initial` plus `rate` per second up to `max`, from `start`.
fn streaming_native(initial: &str, rate: &str, max: &str, start: u64) -> Policy {
    policy(&format!(
        "[native]\n[native.streaming]\ninitial = \"{initial}\"\nrate = \"{rate}\"\nmax = \
         \"{max}\"\nstart = {start}\n{PLAIN_TRANSFERS_TO_GAME}"
    ))
}

#[test]
fn s7_5_a_stream_lets_through_exactly_what_it_has_unlocked() {
    let mut state = installed(streaming_native("2", "3", "20", 100));
    assert_eq!(send(&mut state, 99, 1), STREAM);
    assert_eq!(send(&mut state, 99, 0), None);
    // At start, the initial amount exactly.
    assert_eq!(send(&mut state, 100, 3), STREAM);
    assert_eq!(send(&mut state, 100, 2), None);
    assert_eq!(send(&mut state, 100, 1), STREAM);
    // One second later, the rate exactly.
    assert_eq!(send(&mut state, 101, 4), STREAM);
    assert_eq!(send(&mut state, 101, 3), None);
    // Unspent accrual carries over: 4 seconds later, 12 more.
    assert_eq!(send(&mut state, 105, 13), STREAM);
    assert_eq!(send(&mut state, 105, 12), None);
    // Up to max and no further, however long it waits.
    assert_eq!(send(&mut state, 1_000_000, 4), STREAM);
    assert_eq!(send(&mut state, 1_000_000, 3), None);
    assert_eq!(state.session(KEY).unwrap().counters.native_spent, U256::from(20));
    assert_eq!(send(&mut state, u64::MAX, 1), STREAM);
}

#[test]
fn s7_5_and_s15_3_an_overflowing_accrual_saturates() {
    // initial + rate * 1 overflows 2^256 - 1 at the second after start: max is unlocked.
    let initial = (U256::MAX - U256::from(5)).to_string();
    let max = U256::MAX.to_string();
    let rate = u128::MAX.to_string();
    let mut state = installed(streaming_native(&initial, &rate, &max, 100));
    assert_eq!(send(&mut state, 101, 1000), None);
    // rate * elapsed itself never overflows: the largest rate over the longest time fits.
    let mut big = installed(streaming_native("0", &rate, &max, 0));
    assert_eq!(send(&mut big, u64::MAX, 1000), None);
}

#[test]
fn s7_4_is_checked_before_s7_5() {
    let mut state = installed(policy(&format!(
        "[native]\n[native.periodic]\namount = \"5\"\nperiod = 10\nstart = 100\n\
         [native.streaming]\nrate = \"1\"\nmax = \"100\"\nstart = 100\n{PLAIN_TRANSFERS_TO_GAME}"
    )));
    assert_eq!(send(&mut state, 100, 6), PERIOD);
    assert_eq!(send(&mut state, 100, 1), STREAM);
    assert_eq!(send(&mut state, 103, 3), None);
    assert_eq!(send(&mut state, 104, 2), STREAM);
    assert_eq!(send(&mut state, 106, 3), PERIOD);
    assert_eq!(send(&mut state, 106, 2), None);
}

// ---------------------------------------------------------------------------------------------
// §8 ERC-20

fn token_policy(extra: &str) -> Policy {
    policy(&format!(
        r#"
        [[permissions]]
        target = "{{token}}"
        selector = "0xa9059cbb"
        [[permissions]]
        target = "{{token}}"
        selector = "0x095ea7b3"
        [[permissions]]
        target = "{{token}}"
        selector = "0x23b872dd"
        [[permissions]]
        target = "{{token}}"
        selector = "0x39509351"
        [[permissions]]
        target = "{{token}}"
        function = "burn(uint256)"
        [[permissions]]
        target = "{{token}}"
        selector = "empty"
        [[erc20]]
        token = "{{token}}"
        limit = "100"
        {extra}
        "#
    ))
}

#[test]
fn s8_1_only_the_four_counted_selectors_reach_a_capped_token() {
    let mut state = installed(token_policy(""));
    let burn = call("burn(uint256)", &[word(1)]);
    let verdict = run(&mut state, 100, &single(TOKEN, 0, &burn));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::TokenSelector, 0)));
    assert_eq!(
        reason(run(&mut state, 100, &single(TOKEN, 0, &[]))),
        Some(DenyReason::TokenSelector)
    );
    assert!(run(&mut state, 100, &single(TOKEN, 0, &transfer(OTHER, 1))).is_allow());
}

#[test]
fn s8_2_capped_token_calls_must_be_canonical_even_without_declared_args() {
    let mut state = installed(token_policy(""));
    let mut data = transfer(OTHER, 1);
    data.extend_from_slice(&[0; 32]); // a trailing word the token would ignore
    let verdict = run(&mut state, 100, &single(TOKEN, 0, &data));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::TokenArgs, 0)));
    let mut dirty = transfer(OTHER, 1);
    dirty[5] = 1;
    let verdict = run(&mut state, 100, &single(TOKEN, 0, &dirty));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::TokenArgs, 0).with_detail(0)));
}

#[test]
fn s8_3_transfer_from_must_move_the_accounts_own_tokens() {
    let mut state = installed(token_policy(""));
    let sig = "transferFrom(address,address,uint256)";
    let own = call(sig, &[addr(ACCOUNT), addr(OTHER), word(5)]);
    assert!(run(&mut state, 100, &single(TOKEN, 0, &own)).is_allow());
    let theirs = call(sig, &[addr(OTHER), addr(ACCOUNT), word(5)]);
    let verdict = run(&mut state, 100, &single(TOKEN, 0, &theirs));
    assert_eq!(reason(verdict), Some(DenyReason::TransferFromOther));
}

#[test]
fn s8_4_approvals_name_only_listed_spenders() {
    let mut state = installed(token_policy(&format!("spenders = [\"{ROUTER}\"]")));
    let approve = |spender| call("approve(address,uint256)", &[addr(spender), word(5)]);
    let increase = |spender| call("increaseAllowance(address,uint256)", &[addr(spender), word(5)]);
    assert!(run(&mut state, 100, &single(TOKEN, 0, &approve(ROUTER))).is_allow());
    assert!(run(&mut state, 100, &single(TOKEN, 0, &increase(ROUTER))).is_allow());
    assert_eq!(
        reason(run(&mut state, 100, &single(TOKEN, 0, &approve(OTHER)))),
        Some(DenyReason::Spender)
    );
    assert_eq!(
        reason(run(&mut state, 100, &single(TOKEN, 0, &increase(OTHER)))),
        Some(DenyReason::Spender)
    );
    // Transfers are not approvals: any recipient.
    assert!(run(&mut state, 100, &single(TOKEN, 0, &transfer(OTHER, 1))).is_allow());
}

#[test]
fn s8_4_an_empty_spender_list_allows_no_approvals() {
    let mut state = installed(token_policy("spenders = []"));
    let approve = call("approve(address,uint256)", &[addr(ROUTER), word(0)]);
    assert_eq!(
        reason(run(&mut state, 100, &single(TOKEN, 0, &approve))),
        Some(DenyReason::Spender)
    );
}

#[test]
fn s8_5_all_four_functions_count_their_full_amount_against_one_cap() {
    let mut state = installed(token_policy(""));
    let approve = call("approve(address,uint256)", &[addr(ROUTER), word(40)]);
    let increase = call("increaseAllowance(address,uint256)", &[addr(ROUTER), word(30)]);
    let from =
        call("transferFrom(address,address,uint256)", &[addr(ACCOUNT), addr(OTHER), word(20)]);
    for data in [&transfer(OTHER, 10), &approve, &increase, &from] {
        assert!(run(&mut state, 100, &single(TOKEN, 0, data)).is_allow());
    }
    assert_eq!(state.session(KEY).unwrap().counters.token_spent[0], U256::from(100));
    let verdict = run(&mut state, 100, &single(TOKEN, 0, &transfer(OTHER, 1)));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::TokenCap, 0)));
    // Approving zero still passes at the cap.
    let zero = call("approve(address,uint256)", &[addr(ROUTER), word(0)]);
    assert!(run(&mut state, 100, &single(TOKEN, 0, &zero)).is_allow());
}

#[test]
fn s8_5_repeated_approves_add_up() {
    // Bug class C6 (Quantstamp MSCA1): approve counts its full amount every time.
    let mut state = installed(token_policy(""));
    let approve = call("approve(address,uint256)", &[addr(ROUTER), word(60)]);
    assert!(run(&mut state, 100, &single(TOKEN, 0, &approve)).is_allow());
    assert_eq!(
        reason(run(&mut state, 100, &single(TOKEN, 0, &approve))),
        Some(DenyReason::TokenCap)
    );
}

#[test]
fn s8_6_a_token_period_counts_the_full_amount_of_all_four_functions() {
    let mut state =
        installed(token_policy("[erc20.periodic]\namount = \"10\"\nperiod = 100\nstart = 1000"));
    let approve = call("approve(address,uint256)", &[addr(ROUTER), word(4)]);
    let increase = call("increaseAllowance(address,uint256)", &[addr(ROUTER), word(3)]);
    let transfer_once = transfer(OTHER, 3);
    assert_eq!(
        reason(run(&mut state, 999, &single(TOKEN, 0, &transfer_once))),
        Some(DenyReason::TokenPeriod)
    );
    for data in [&approve, &increase, &transfer_once] {
        assert!(run(&mut state, 1000, &single(TOKEN, 0, data)).is_allow());
    }
    let verdict = run(&mut state, 1099, &single(TOKEN, 0, &transfer(OTHER, 1)));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::TokenPeriod, 0)));
    // Zero amounts pass in an exhausted period.
    assert!(run(&mut state, 1099, &single(TOKEN, 0, &transfer(OTHER, 0))).is_allow());
    assert!(run(&mut state, 1100, &single(TOKEN, 0, &transfer(OTHER, 10))).is_allow());
    let counters = state.session(KEY).unwrap().counters;
    assert_eq!(
        (counters.token_period[0].start, counters.token_period[0].spent),
        (1100, U256::from(10))
    );
    assert_eq!(counters.token_spent[0], U256::from(20));
    // The lifetime cap of 100 stays: after ten full periods the eleventh is denied by §8.5.
    for k in 2..10 {
        assert!(
            run(&mut state, 1000 + 100 * k, &single(TOKEN, 0, &transfer(OTHER, 10))).is_allow()
        );
    }
    assert_eq!(
        reason(run(&mut state, 2000, &single(TOKEN, 0, &transfer(OTHER, 10)))),
        Some(DenyReason::TokenCap)
    );
}

#[test]
fn s8_7_a_token_stream_counts_against_the_cap_counter() {
    let mut state = installed(token_policy(
        "[erc20.streaming]\ninitial = \"1\"\nrate = \"2\"\nmax = \"9\"\nstart = 500",
    ));
    let at = |state: &mut AccountState, now, amount| {
        reason(run(state, now, &single(TOKEN, 0, &transfer(OTHER, amount))))
    };
    assert_eq!(at(&mut state, 499, 1), Some(DenyReason::TokenStream));
    assert_eq!(at(&mut state, 500, 1), None);
    assert_eq!(at(&mut state, 502, 5), Some(DenyReason::TokenStream));
    assert_eq!(at(&mut state, 502, 4), None);
    assert_eq!(at(&mut state, 10_000, 5), Some(DenyReason::TokenStream));
    assert_eq!(at(&mut state, 10_000, 4), None);
    assert_eq!(state.session(KEY).unwrap().counters.token_spent[0], U256::from(9));
    // The stream reads the same counter §8.5 keeps, so a reinstall restarts it (§2.1).
    state
        .install(
            KEY,
            token_policy(
                "[erc20.streaming]\ninitial = \"1\"\nrate = \"2\"\nmax = \"9\"\nstart = 500",
            ),
        )
        .unwrap();
    assert_eq!(at(&mut state, 10_000, 9), None);
}

#[test]
fn s2_1_reinstall_restarts_every_period() {
    let p = periodic_native(5, 10, 100);
    let mut state = installed(p.clone());
    assert_eq!(send(&mut state, 100, 5), None);
    state.install(KEY, p).unwrap();
    assert_eq!(state.session(KEY).unwrap().counters.native_period, Default::default());
    assert_eq!(send(&mut state, 101, 5), None);
}

// ---------------------------------------------------------------------------------------------
// §9 Rate limit

fn rate_policy(max_calls: u8, interval: u64) -> Policy {
    policy(&format!("[rate_limit]\nmax_calls = {max_calls}\ninterval = {interval}\n{GAME_ATTACK}"))
}

#[test]
fn s9_at_most_max_calls_in_any_interval() {
    let mut state = installed(rate_policy(2, 60));
    let cd = single(GAME, 0, &attack(1));
    assert!(run(&mut state, 1000, &cd).is_allow());
    assert!(run(&mut state, 1030, &cd).is_allow());
    // The oldest call (1000) is still inside (1059 - 60, 1059].
    assert_eq!(reason(run(&mut state, 1059, &cd)), Some(DenyReason::RateLimit));
    // At 1060 it has left: 1000 <= 1060 - 60.
    assert!(run(&mut state, 1060, &cd).is_allow());
    // Now the ring holds 1030 and 1060.
    assert_eq!(reason(run(&mut state, 1089, &cd)), Some(DenyReason::RateLimit));
    assert!(run(&mut state, 1090, &cd).is_allow());
}

#[test]
fn s9_1_no_call_passes_a_full_ring_before_now_reaches_the_interval() {
    let mut state = installed(rate_policy(1, 60));
    let cd = single(GAME, 0, &attack(1));
    assert!(run(&mut state, 1, &cd).is_allow());
    assert_eq!(reason(run(&mut state, 59, &cd)), Some(DenyReason::RateLimit));
    assert!(run(&mut state, 61, &cd).is_allow());
}

#[test]
fn s9_calls_of_a_batch_count_one_by_one() {
    let mut state = installed(rate_policy(3, 60));
    let data = attack(1);
    let four = batch(&[(GAME, 0, &data), (GAME, 0, &data), (GAME, 0, &data), (GAME, 0, &data)]);
    let verdict = run(&mut state, 100, &four);
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::RateLimit, 3)));
    let three = batch(&[(GAME, 0, &data), (GAME, 0, &data), (GAME, 0, &data)]);
    assert!(run(&mut state, 100, &three).is_allow());
    assert_eq!(state.session(KEY).unwrap().counters.rate_head, 0);
}

// ---------------------------------------------------------------------------------------------
// §10 Usage limit

#[test]
fn s10_1_the_usage_limit_counts_executions() {
    let mut state = installed(policy(&format!("usage_limit = 3\n{GAME_ATTACK}")));
    let data = attack(1);
    assert!(run(&mut state, 100, &batch(&[(GAME, 0, &data), (GAME, 0, &data)])).is_allow());
    let verdict = run(&mut state, 100, &batch(&[(GAME, 0, &data), (GAME, 0, &data)]));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::UsageLimit, 1)));
    assert!(run(&mut state, 100, &single(GAME, 0, &data)).is_allow());
    assert_eq!(state.session(KEY).unwrap().counters.calls, 3);
}

#[test]
fn s10_1_a_zero_usage_limit_allows_nothing() {
    let mut state = installed(policy(&format!("usage_limit = 0\n{GAME_ATTACK}")));
    let verdict = run(&mut state, 100, &single(GAME, 0, &attack(1)));
    assert_eq!(reason(verdict), Some(DenyReason::UsageLimit));
}

// ---------------------------------------------------------------------------------------------
// §11 Window

#[test]
fn s11_window_edges_under_every_predicate() {
    use WindowPredicate::*;
    let p = policy(&format!("valid_after = 100\nvalid_until = 200\n{GAME_ATTACK}"));
    let state = installed(p);
    let cd = single(GAME, 0, &attack(1));
    // (now, allowed under EntryPointV08, V07, HalfOpen, Exclusive)
    let table: [(u64, [bool; 4]); 6] = [
        (99, [false, false, false, false]),
        (100, [false, true, true, false]),
        (101, [true, true, true, true]),
        (199, [true, true, true, true]),
        (200, [true, true, false, false]),
        (201, [false, false, false, false]),
    ];
    for (now, expected) in table {
        for (window, allowed) in
            [EntryPointV08, EntryPointV07, HalfOpen, Exclusive].into_iter().zip(expected)
        {
            let env = leash_model::Env { window, ..env(now) };
            let verdict = state.validate(&env, &UserOp::new(Some(KEY), &cd));
            assert_eq!(verdict.is_allow(), allowed, "{} at {now}", window.name());
            if !allowed {
                let expected =
                    if now <= 100 { DenyReason::NotYetValid } else { DenyReason::Expired };
                assert_eq!(
                    verdict.denial(),
                    Some(&Denial::op(expected)),
                    "{} at {now}",
                    window.name()
                );
            }
        }
    }
}

#[test]
fn s11_no_end_still_ends_at_time_max_under_the_entry_point() {
    let state = installed(policy(&format!("valid_after = 1\n{GAME_ATTACK}")));
    let cd = single(GAME, 0, &attack(1));
    for (window, at_max, past_max) in [
        (WindowPredicate::EntryPointV08, true, false),
        (WindowPredicate::EntryPointV07, true, false),
        (WindowPredicate::HalfOpen, true, true),
        (WindowPredicate::Exclusive, true, true),
    ] {
        for (now, allowed) in [(TIME_MAX, at_max), (TIME_MAX + 1, past_max)] {
            let env = leash_model::Env { window, ..env(now) };
            let verdict = state.validate(&env, &UserOp::new(Some(KEY), &cd));
            assert_eq!(verdict.is_allow(), allowed, "{} at {now}", window.name());
        }
    }
    // EntryPoint v0.8: valid_after is exclusive.
    let verdict = state.validate(&env(1), &UserOp::new(Some(KEY), &cd));
    assert_eq!(reason(&verdict), Some(DenyReason::NotYetValid));
}

#[test]
fn s11_a_policy_without_any_bound_never_expires_under_the_entry_point() {
    // validAfter = validUntil = 0 packs to validationData == 0, which the EntryPoint does not
    // time-check at all (found by the differential fuzzer against EntryPoint v0.8).
    let state = installed(policy(GAME_ATTACK));
    let cd = single(GAME, 0, &attack(1));
    for window in [WindowPredicate::EntryPointV08, WindowPredicate::EntryPointV07] {
        for now in [0, 1, TIME_MAX, TIME_MAX + 1, u64::MAX] {
            let env = leash_model::Env { window, ..env(now) };
            let verdict = state.validate(&env, &UserOp::new(Some(KEY), &cd));
            assert!(verdict.is_allow(), "{} at {now}", window.name());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// §1.6, §13 Order and phases

#[test]
fn s1_6_every_other_clause_is_checked_before_the_window() {
    let mut state =
        installed(policy(&format!("valid_after = 100\nvalid_until = 200\n{GAME_ATTACK}")));
    let verdict = run(&mut state, 500, &single(OTHER, 0, &attack(1)));
    assert_eq!(reason(verdict), Some(DenyReason::NotPermitted));
    assert_eq!(
        reason(run(&mut state, 500, &single(GAME, 0, &attack(1)))),
        Some(DenyReason::Expired)
    );
}

#[test]
fn s13_2_a_later_item_over_the_cap_denies_the_whole_batch_and_moves_nothing() {
    let mut state = installed(token_policy(""));
    let t60 = transfer(OTHER, 60);
    let verdict = run(&mut state, 100, &batch(&[(TOKEN, 0, &t60), (TOKEN, 0, &t60)]));
    assert_eq!(verdict.denial(), Some(&Denial::at(DenyReason::TokenCap, 1)));
    assert_eq!(state.session(KEY).unwrap().counters, Default::default());
    let t40 = transfer(OTHER, 40);
    assert!(run(&mut state, 100, &batch(&[(TOKEN, 0, &t60), (TOKEN, 0, &t40)])).is_allow());
}

#[test]
fn s13_effects_list_the_executions_and_both_counter_states() {
    let state = installed(policy(GAME_ATTACK));
    let data = attack(9);
    let cd = batch(&[(GAME, 0, &data), (GAME, 0, &data)]);
    let verdict = state.validate(&env(100), &UserOp::new(Some(KEY), &cd));
    let effects = verdict.effects().unwrap();
    assert_eq!(effects.key, KEY);
    assert_eq!(effects.executions.len(), 2);
    assert_eq!(effects.executions[1].data, &data[..]);
    assert_eq!(effects.before.calls, 0);
    assert_eq!(effects.after.calls, 2);
}

#[test]
fn s13_stale_effects_do_not_apply() {
    let mut state = installed(policy(GAME_ATTACK));
    let cd = single(GAME, 0, &attack(1));
    let verdict = state.validate(&env(100), &UserOp::new(Some(KEY), &cd));
    let effects = verdict.effects().unwrap().clone();
    state.apply(&effects).unwrap();
    assert_eq!(state.apply(&effects), Err(LifecycleError::StaleEffects { key: KEY }));
    state.revoke(KEY).unwrap();
    assert_eq!(state.apply(&effects), Err(LifecycleError::NotActive { key: KEY }));
}
