//! Proptest properties: round trips of the file format and the encoders, the canonicity of the
//! strict decoders, and the safety invariants over random op sequences.

mod common;

use alloy_primitives::{Address, U256};
use common::*;
use leash_model::abi::args::{ArgDecoding, ArgValue, decode_args, encode_args};
use leash_model::abi::execute::{decode_execute, encode_batch, encode_single};
use leash_model::bounds::{MAX_BATCH, TIME_MAX};
use leash_model::{
    AbiType, AccountState, ArgRule, BoundedVec, Condition, Env, Execution, NativeCap,
    PeriodicAllowance, Permission, Policy, RateLimit, Selector, Slice, StreamingAllowance, Target,
    TokenCap, TokenSymbol, UserOp,
};
use proptest::prelude::*;

/// Amounts biased towards the boundaries that matter: small numbers, powers of two, the maximum.
fn amount() -> impl Strategy<Value = U256> {
    prop_oneof![
        (0u64..8).prop_map(U256::from),
        (0u64..200).prop_map(U256::from),
        (0usize..256).prop_map(|bit| U256::from(1) << bit),
        (0usize..256).prop_map(|bit| (U256::from(1) << bit) - U256::from(1)),
        Just(U256::MAX),
        any::<[u64; 4]>().prop_map(U256::from_limbs),
    ]
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        4 => prop_oneof![Just(GAME), Just(TOKEN), Just(ROUTER), Just(OTHER)],
        1 => prop_oneof![Just(ACCOUNT), Just(MODULE), Just(Address::ZERO)],
    ]
}

fn abi_type() -> impl Strategy<Value = AbiType> {
    prop_oneof![
        Just(AbiType::Address),
        Just(AbiType::Bool),
        (1u16..=32).prop_map(|n| AbiType::Uint(n * 8)),
        (1u8..=32).prop_map(AbiType::FixedBytes),
        Just(AbiType::Bytes),
        Just(AbiType::String),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    prop_oneof![
        amount().prop_map(Condition::Eq),
        amount().prop_map(Condition::Neq),
        amount().prop_map(Condition::Gt),
        amount().prop_map(Condition::Gte),
        amount().prop_map(Condition::Lt),
        amount().prop_map(Condition::Lte),
        (amount(), amount()).prop_map(|(a, b)| Condition::InRange { lo: a.min(b), hi: a.max(b) }),
        proptest::collection::vec(amount(), 1..=4)
            .prop_map(|v| Condition::OneOf(BoundedVec::try_from_iter(v).unwrap())),
    ]
}

fn permission() -> impl Strategy<Value = Permission> {
    let target = prop_oneof![1 => Just(Target::Any), 4 => address().prop_map(Target::Address)];
    let known = KNOWN_FUNCTIONS.map(|f| {
        let (selector, types) = leash_model::format::parse_function(f).unwrap();
        (Selector::Exact(selector), Some(types))
    });
    let selector_and_args = prop_oneof![
        1 => Just((Selector::Empty, None)),
        4 => proptest::sample::select(known.to_vec()),
        2 => (any::<[u8; 4]>(), proptest::option::of(proptest::collection::vec(abi_type(), 0..=4)))
            .prop_map(|(s, args)| (Selector::Exact(s), args)),
    ];
    (
        target,
        selector_and_args,
        proptest::collection::vec(
            (any::<u8>(), condition(), proptest::option::of(amount()), 0u32..40, 1u8..=32),
            0..=4,
        ),
    )
        .prop_map(|(target, (selector, args), rules)| {
            let rules = match &args {
                Some(types) if !types.is_empty() => rules
                    .into_iter()
                    .map(|(arg, condition, limit, offset, length)| {
                        let arg = arg % types.len() as u8;
                        let slice = types[usize::from(arg)]
                            .is_dynamic()
                            .then_some(Slice { offset, length });
                        ArgRule { arg, slice, condition, limit }
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Permission {
                target,
                selector,
                args: args.map(|a| BoundedVec::try_from_iter(a).unwrap()),
                rules: BoundedVec::try_from_iter(rules).unwrap(),
            }
        })
}

/// A start for an allowance over time: near the windows the op sequences run in, or anywhere.
fn allowance_start() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..200, 0u64..=TIME_MAX]
}

/// Valid periodic allowances (spec §12.8).
fn periodic() -> impl Strategy<Value = PeriodicAllowance> {
    (amount(), prop_oneof![1u64..100, 1u64..=TIME_MAX], allowance_start())
        .prop_map(|(amount, period, start)| PeriodicAllowance { amount, period, start })
}

/// Valid streaming allowances (spec §12.9).
fn streaming() -> impl Strategy<Value = StreamingAllowance> {
    (amount(), amount(), prop_oneof![0u128..10, any::<u128>()], allowance_start()).prop_map(
        |(a, b, rate, start)| StreamingAllowance { initial: a.min(b), rate, max: a.max(b), start },
    )
}

/// Valid policies over the test world's addresses.
fn policy_strategy() -> impl Strategy<Value = Policy> {
    let window = (0u64..=TIME_MAX, 0u64..=TIME_MAX, any::<bool>())
        .prop_map(|(a, b, open)| if open { (a.min(b), 0) } else { (a.min(b), a.max(b)) });
    let native = proptest::option::of(
        (amount(), amount(), proptest::option::of(periodic()), proptest::option::of(streaming()))
            .prop_map(|(per_call, total, periodic, streaming)| NativeCap {
                per_call,
                total,
                periodic,
                streaming,
            }),
    );
    let token = (
        prop_oneof![Just(TOKEN), Just(GAME)],
        amount(),
        proptest::option::of(proptest::collection::vec(address(), 0..=4)),
        proptest::option::of(periodic()),
        proptest::option::of(streaming()),
    )
        .prop_map(|(token, limit, spenders, periodic, streaming)| TokenCap {
            token,
            limit,
            spenders: spenders.map(|s| BoundedVec::try_from_iter(s).unwrap()),
            periodic,
            streaming,
            ..TokenCap::default()
        });
    let rate = proptest::option::of(
        (1u8..=8, 1u64..1000).prop_map(|(max_calls, interval)| RateLimit { max_calls, interval }),
    );
    (
        window,
        proptest::collection::vec(permission(), 0..=8),
        native,
        proptest::collection::vec(token, 0..=2),
        proptest::option::of(0u64..20),
        rate,
    )
        .prop_map(
            |((valid_after, valid_until), permissions, native, tokens, usage_limit, rate_limit)| {
                let mut p = Policy {
                    valid_after,
                    valid_until,
                    native,
                    usage_limit,
                    rate_limit,
                    ..Policy::default()
                };
                for permission in permissions {
                    let clash = p.permissions.iter().any(|q| {
                        q.target == permission.target && q.selector == permission.selector
                    });
                    if !clash {
                        p.permissions.push(permission).unwrap();
                    }
                }
                for token in tokens {
                    if !p.erc20.iter().any(|t| t.token == token.token) {
                        p.erc20.push(token).unwrap();
                    }
                }
                p
            },
        )
        .prop_filter("valid policies only", |p| p.validate().is_ok())
}

const KNOWN_FUNCTIONS: [&str; 6] = [
    "attack(uint256)",
    "transfer(address,uint256)",
    "approve(address,uint256)",
    "transferFrom(address,address,uint256)",
    "increaseAllowance(address,uint256)",
    "swap(address,uint256,bytes,uint256)",
];

/// The numbers a policy names, and their neighbours: where its boundaries are.
fn constants(p: &Policy) -> Vec<U256> {
    let mut out = vec![U256::ZERO, U256::from(1), U256::MAX];
    let mut add = |x: U256| {
        out.extend([x, x.saturating_add(U256::from(1)), x.saturating_sub(U256::from(1))]);
    };
    if let Some(n) = p.native {
        add(n.per_call);
        add(n.total);
    }
    for cap in p.erc20.iter() {
        add(cap.limit);
    }
    for permission in p.permissions.iter() {
        for rule in permission.rules.iter() {
            rule.limit.map(&mut add);
            match &rule.condition {
                Condition::Eq(r)
                | Condition::Neq(r)
                | Condition::Gt(r)
                | Condition::Gte(r)
                | Condition::Lt(r)
                | Condition::Lte(r) => add(*r),
                Condition::InRange { lo, hi } => {
                    add(*lo);
                    add(*hi);
                }
                Condition::OneOf(values) => values.iter().for_each(|v| add(*v)),
            }
        }
    }
    out
}

/// Executions aimed at a policy: mostly calls its permissions could allow, with arguments and
/// values at its own boundaries, sometimes anything at all.
fn executions_for(p: &Policy) -> impl Strategy<Value = Vec<(Address, U256, Vec<u8>)>> + use<> {
    let permissions: Vec<Permission> = p.permissions.to_vec();
    let numbers = constants(p);
    let number = proptest::sample::select(numbers);
    let aimed = (
        any::<prop::sample::Index>(),
        address(),
        proptest::collection::vec(
            (number.clone(), any::<[u8; 32]>(), proptest::collection::vec(any::<u8>(), 0..40)),
            8,
        ),
        number.clone(),
        proptest::bool::weighted(0.2),
    )
        .prop_map(move |(pick, any_target, args, value, with_value)| {
            let Some(permission) =
                (!permissions.is_empty()).then(|| &permissions[pick.index(permissions.len())])
            else {
                return (any_target, U256::ZERO, Vec::new());
            };
            let target = match permission.target {
                Target::Any => any_target,
                Target::Address(a) => a,
            };
            let data = match (permission.selector, &permission.args) {
                (Selector::Empty, _) => Vec::new(),
                (Selector::Exact(selector), None) => selector.to_vec(),
                (Selector::Exact(selector), Some(types)) => {
                    let values: Vec<ArgValue<'_>> = types
                        .iter()
                        .zip(&args)
                        .map(|(ty, (n, w, content))| match ty {
                            AbiType::Bytes | AbiType::String => ArgValue::Dynamic(content),
                            AbiType::Address => {
                                ArgValue::Word(U256::from_be_slice(address_of(w).as_slice()))
                            }
                            _ => ArgValue::Word(clean(*ty, n.to_be_bytes::<32>())),
                        })
                        .collect();
                    leash_model::abi::args::encode_call(selector, &values)
                }
            };
            (target, if with_value { value } else { U256::ZERO }, data)
        });
    let random = (address(), prop_oneof![Just(U256::ZERO), amount()], execution_data());
    let item = prop_oneof![8 => aimed, 1 => random];
    prop_oneof![
        4 => proptest::collection::vec(item.clone(), 1..=2),
        1 => proptest::collection::vec(item, 1..=MAX_BATCH),
    ]
}

/// One of the world's addresses, chosen by a word.
fn address_of(w: &[u8; 32]) -> Address {
    [GAME, TOKEN, ROUTER, OTHER, ACCOUNT][usize::from(w[0]) % 5]
}

fn execution_data() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(any::<u8>(), 0..100),
        (1u64..300).prop_map(|n| call("attack(uint256)", &[word(n)])),
        (address(), 0u64..300)
            .prop_map(|(to, n)| call("transfer(address,uint256)", &[addr(to), word(n)])),
        (address(), 0u64..300)
            .prop_map(|(to, n)| call("approve(address,uint256)", &[addr(to), word(n)])),
    ]
}

fn owned_executions() -> impl Strategy<Value = Vec<(Address, U256, Vec<u8>)>> {
    proptest::collection::vec(
        (address(), prop_oneof![Just(U256::ZERO), amount()], execution_data()),
        1..=MAX_BATCH,
    )
}

fn borrow(owned: &[(Address, U256, Vec<u8>)]) -> Vec<Execution<'_>> {
    owned
        .iter()
        .map(|(target, value, data)| Execution { target: *target, value: *value, data })
        .collect()
}

/// Every counter is within its cap: the invariant the proofs establish for all sequences.
fn within_caps(state: &AccountState) -> Result<(), String> {
    for session in state.sessions() {
        let (p, c) = (&session.policy, &session.counters);
        if let Some(cap) = p.native
            && c.native_spent > cap.total
        {
            return Err(format!("native {} > {}", c.native_spent, cap.total));
        }
        for (i, cap) in p.erc20.iter().enumerate() {
            if c.token_spent[i] > cap.limit {
                return Err(format!("token {i}: {} > {}", c.token_spent[i], cap.limit));
            }
        }
        for (i, permission) in p.permissions.iter().enumerate() {
            for (j, rule) in permission.rules.iter().enumerate() {
                if let Some(limit) = rule.limit
                    && c.rule_used[i][j] > limit
                {
                    return Err(format!("rule {i}.{j}: {} > {limit}", c.rule_used[i][j]));
                }
            }
        }
        if let Some(limit) = p.usage_limit
            && c.calls > limit
        {
            return Err(format!("calls {} > {limit}", c.calls));
        }
        // spec §7.4, §8.6: a period counter never holds more than its period's amount.
        let periods =
            p.native.and_then(|cap| cap.periodic).map(|a| (a, c.native_period)).into_iter().chain(
                p.erc20
                    .iter()
                    .enumerate()
                    .filter_map(|(i, cap)| cap.periodic.map(|a| (a, c.token_period[i]))),
            );
        for (allowance, counter) in periods {
            if counter.spent > allowance.amount {
                return Err(format!("period spent {} > {}", counter.spent, allowance.amount));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    // The units a cap may name for people (display only) are drawn here, not in
    // `policy_strategy`, whose ops the coverage check below replays from a fixed seed.
    #[test]
    fn policies_round_trip_through_json_and_toml(
        mut p in policy_strategy(),
        units in proptest::collection::vec(
            (
                proptest::option::of(0u8..=TokenSymbol::MAX_DECIMALS),
                proptest::option::of("[!-~]{1,16}"),
            ),
            4,
        ),
    ) {
        for (cap, (decimals, symbol)) in p.erc20.as_mut_slice().iter_mut().zip(units) {
            cap.decimals = decimals;
            cap.symbol = symbol.map(|s| TokenSymbol::new(&s).expect("printable ASCII"));
        }
        let json = serde_json::to_string(&p).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Policy>(&json).unwrap(), &p);
        let text = toml::to_string(&p).unwrap();
        prop_assert_eq!(&toml::from_str::<Policy>(&text).unwrap(), &p);
    }

    // spec §3.5, §3.6: the encoders produce what the strict decoder accepts, and back.
    #[test]
    fn execute_encodings_round_trip(owned in owned_executions()) {
        let executions = borrow(&owned);
        let cd = if executions.len() == 1 && owned[0].2.len() % 2 == 0 {
            encode_single(&executions[0])
        } else {
            encode_batch(&executions)
        };
        let decoded = decode_execute(&cd).unwrap();
        prop_assert_eq!(decoded.as_slice(), &executions[..]);
    }

    // spec §3: whatever the strict decoder accepts is canonical: re-encoding gives the input.
    #[test]
    fn mutated_execute_encodings_are_accepted_only_if_canonical(
        owned in owned_executions(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let executions = borrow(&owned);
        let mut cd = encode_batch(&executions);
        for (at, byte) in flips {
            let i = at.index(cd.len());
            cd[i] = byte;
        }
        if let Some(cut) = cut {
            cd.truncate(cut.index(cd.len() + 1));
        }
        if let Ok(decoded) = decode_execute(&cd) {
            let single = cd.len() > 4 && cd[4] == 0;
            let again = if single { encode_single(&decoded[0]) } else { encode_batch(&decoded) };
            prop_assert_eq!(again, cd);
        }
    }

    // spec §6.1: canonical argument encodings decode to their values under both decoders.
    #[test]
    fn canonical_arguments_decode_the_same_strictly_and_as_solidity_does(
        args in proptest::collection::vec((abi_type(), any::<[u8; 32]>(), proptest::collection::vec(any::<u8>(), 0..70)), 0..=6)
    ) {
        let types: Vec<AbiType> = args.iter().map(|a| a.0).collect();
        let values: Vec<ArgValue<'_>> = args
            .iter()
            .map(|(ty, w, content)| if ty.is_dynamic() { ArgValue::Dynamic(content) } else { ArgValue::Word(clean(*ty, *w)) })
            .collect();
        let encoded = encode_args(&values);
        let strict = decode_args(&encoded, &types, ArgDecoding::Strict).unwrap();
        let lenient = decode_args(&encoded, &types, ArgDecoding::Solidity).unwrap();
        prop_assert_eq!(strict.as_slice(), &values[..]);
        prop_assert_eq!(lenient.as_slice(), &values[..]);
    }

    // spec §1.3, §13: over any op sequence, counters stay within caps, denials change nothing,
    // and counters only grow.
    #[test]
    fn op_sequences_keep_every_counter_within_its_cap(
        (p, ops) in policy_strategy().prop_flat_map(|p| {
            let ops = proptest::collection::vec((executions_for(&p), 0u64..50, any::<bool>()), 1..12);
            (Just(p), ops)
        }),
    ) {
        let mut state = installed(p.clone());
        let mut now = p.valid_after.saturating_add(1);
        for (owned, dt, as_batch) in ops {
            now += dt;
            let executions = borrow(&owned);
            let cd = if as_batch || executions.len() > 1 { encode_batch(&executions) } else { encode_single(&executions[0]) };
            let before = state.clone();
            let env = Env::new(now, ACCOUNT, MODULE);
            let verdict = state.execute_op(&env, &UserOp::new(Some(KEY), &cd));
            match verdict.denial() {
                Some(_) => prop_assert_eq!(&state, &before),
                None => {
                    let (b, a) = (&before.session(KEY).unwrap().counters, &state.session(KEY).unwrap().counters);
                    prop_assert!(a.calls == b.calls + executions.len() as u64);
                    prop_assert!(a.native_spent >= b.native_spent);
                }
            }
            prop_assert_eq!(within_caps(&state), Ok(()));
        }
    }

    // spec §3: no input makes validation panic.
    #[test]
    fn validation_never_panics_on_arbitrary_bytes(
        p in policy_strategy(),
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        now in any::<u64>(),
    ) {
        let state = installed(p);
        let env = Env::new(now, ACCOUNT, MODULE);
        let _ = state.validate(&env, &UserOp::new(Some(KEY), &bytes));
        let mut with_selector = leash_model::selectors::EXECUTE.to_vec();
        with_selector.extend_from_slice(&bytes);
        let _ = state.validate(&env, &UserOp::new(Some(KEY), &with_selector));
    }
}

/// Makes a static word clean for its type, so the canonical encoding decodes back to it.
fn clean(ty: AbiType, mut w: [u8; 32]) -> U256 {
    match ty {
        AbiType::Address => w[..12].fill(0),
        AbiType::Bool => {
            let bit = w[31] & 1;
            w = [0; 32];
            w[31] = bit;
        }
        AbiType::Uint(bits) => w[..32 - usize::from(bits / 8)].fill(0),
        AbiType::FixedBytes(n) => w[usize::from(n)..].fill(0),
        AbiType::Bytes | AbiType::String => {}
    }
    U256::from_be_bytes(w)
}

/// The sequence property above is only as good as its ops: check that they reach allowed
/// verdicts and the cap denials, not just `NotPermitted`.
#[test]
fn generated_ops_reach_allows_and_every_cap() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut allowed, mut total) = (0, 0);
    let mut reasons = std::collections::BTreeSet::new();
    for _ in 0..300 {
        let p = policy_strategy().new_tree(&mut runner).unwrap().current();
        let ops = proptest::collection::vec(executions_for(&p), 5);
        let ops = ops.new_tree(&mut runner).unwrap().current();
        let mut state = installed(p.clone());
        for owned in ops {
            let cd = encode_batch(&borrow(&owned));
            total += 1;
            match run(&mut state, p.valid_after + 1, &cd).denial() {
                None => allowed += 1,
                Some(denial) => {
                    reasons.insert(denial.reason);
                }
            }
        }
    }
    assert!(allowed * 20 >= total, "only {allowed} of {total} generated ops were allowed");
    use leash_model::DenyReason::*;
    for cap in [ArgLimit, NativePerCall, NativeTotal, TokenCap, UsageLimit, RateLimit] {
        assert!(reasons.contains(&cap), "no generated op hit {cap}: {reasons:?}");
    }
}
