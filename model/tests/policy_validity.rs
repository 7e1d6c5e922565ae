//! spec §12 (policy validity) and the policy file format.

mod common;

use alloy_primitives::{Address, U256};
use common::*;
use leash_model::bounds::TIME_MAX;
use leash_model::policy::RuleProblem;
use leash_model::{
    AllowanceOf, Condition, PeriodicAllowance, Policy, PolicyError, Slice, StreamingAllowance,
};

fn parse_err(text: &str) -> String {
    let text = text.replace("{game}", &GAME.to_string()).replace("{token}", &TOKEN.to_string());
    toml::from_str::<Policy>(&text).expect_err("the policy must be refused").to_string()
}

#[test]
fn s12_1_timestamps_are_bounded_and_the_window_is_not_empty() {
    assert!(
        parse_err("valid_after = 281474976710656").contains("valid_after 281474976710656 exceeds")
    );
    assert!(parse_err("valid_until = 281474976710656").contains("valid_until"));
    assert!(parse_err("valid_after = 5\nvalid_until = 5").contains("the window is empty"));
    assert!(parse_err("valid_after = 6\nvalid_until = 5").contains("the window is empty"));
    let p = policy("valid_after = 4\nvalid_until = 5");
    assert_eq!((p.valid_after, p.valid_until), (4, 5));
    // valid_until = 0 means no end, whatever valid_after is.
    assert_eq!(policy("valid_after = 281474976710655").valid_until, 0);
}

#[test]
fn s12_2_no_two_permissions_share_target_and_selector() {
    let err = parse_err(
        r#"
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        [[permissions]]
        target = "{game}"
        selector = "0x64dd891a"
        "#,
    );
    assert!(err.contains("permissions 0 and 1 have the same target and selector"), "{err}");
    // The same selector on the wildcard is a different permission.
    policy(
        r#"
        [[permissions]]
        target = "{game}"
        function = "attack(uint256)"
        [[permissions]]
        target = "*"
        function = "attack(uint256)"
        "#,
    );
}

#[test]
fn s12_2_at_most_max_permissions() {
    let mut text = String::new();
    for i in 0..9 {
        text += &format!("[[permissions]]\ntarget = \"{GAME}\"\nselector = \"0x0000000{i}\"\n");
    }
    assert!(parse_err(&text).contains("at most 8 permissions, found 9"));
}

#[test]
fn s12_3_empty_selector_permissions_have_no_args_or_rules() {
    let err = parse_err("[[permissions]]\ntarget = \"{game}\"\nselector = \"empty\"\nargs = []");
    assert!(err.contains("permission 0 is for empty calldata"), "{err}");
}

#[test]
fn s12_4_unsupported_types_are_named() {
    let err = parse_err("[[permissions]]\ntarget = \"{game}\"\nfunction = \"f(int256)\"");
    assert!(err.contains("unsupported argument type \"int256\""), "{err}");
    let err = parse_err(
        "[[permissions]]\ntarget = \"{game}\"\nselector = \"0x12345678\"\nargs = [\"bytes33\"]",
    );
    assert!(err.contains("\"bytes33\""), "{err}");
}

#[test]
fn s12_5_rules_are_well_formed() {
    let rule = |args: &str, body: &str| {
        parse_err(&format!(
            "[[permissions]]\ntarget = \"{{game}}\"\nselector = \"0x12345678\"\n{args}\n\
             [[permissions.rules]]\n{body}"
        ))
    };
    let none = rule("", "arg = 0\neq = \"1\"");
    assert!(none.contains("declares no arguments"), "{none}");
    let missing = rule("args = [\"uint256\"]", "arg = 1\neq = \"1\"");
    assert!(missing.contains("names argument 1 but only 1 are declared"), "{missing}");
    let slice_on_static =
        rule("args = [\"uint256\"]", "arg = 0\nslice = { offset = 0, length = 4 }\neq = \"1\"");
    assert!(slice_on_static.contains("its argument is static"), "{slice_on_static}");
    let no_slice = rule("args = [\"bytes\"]", "arg = 0\neq = \"1\"");
    assert!(no_slice.contains("needs a slice"), "{no_slice}");
    let bad_slice =
        rule("args = [\"bytes\"]", "arg = 0\nslice = { offset = 0, length = 33 }\neq = \"1\"");
    assert!(bad_slice.contains("slice offset 0 length 33"), "{bad_slice}");
    let range = rule("args = [\"uint256\"]", "arg = 0\nin_range = [\"5\", \"4\"]");
    assert!(range.contains("in_range has lo > hi"), "{range}");
    let one_of = rule("args = [\"uint256\"]", "arg = 0\none_of = []");
    assert!(one_of.contains("one_of has no values"), "{one_of}");
    let two = rule("args = [\"uint256\"]", "arg = 0\neq = \"1\"\nlt = \"3\"");
    assert!(two.contains("has eq and lt conditions"), "{two}");
    let zero = rule("args = [\"uint256\"]", "arg = 0");
    assert!(zero.contains("needs a condition"), "{zero}");
}

#[test]
fn s12_5_slices_may_end_exactly_at_two_to_the_32() {
    let mut p = Policy::default();
    let mut permission = leash_model::Permission {
        args: Some(leash_model::BoundedVec::try_from_iter([leash_model::AbiType::Bytes]).unwrap()),
        selector: leash_model::Selector::Exact([1, 2, 3, 4]),
        ..Default::default()
    };
    let rule = |offset| leash_model::ArgRule {
        arg: 0,
        slice: Some(Slice { offset, length: 32 }),
        condition: Condition::Eq(U256::ZERO),
        limit: None,
    };
    permission.rules.push(rule(u32::MAX - 31)).unwrap();
    p.permissions.push(permission.clone()).unwrap();
    assert_eq!(p.validate(), Ok(()));
    permission.rules = leash_model::BoundedVec::try_from_iter([rule(u32::MAX - 30)]).unwrap();
    p.permissions = leash_model::BoundedVec::try_from_iter([permission]).unwrap();
    assert!(matches!(
        p.validate(),
        Err(PolicyError::BadRule { problem: RuleProblem::BadSlice { .. }, .. })
    ));
}

#[test]
fn s12_6_token_caps_are_distinct_and_nonzero() {
    let cap = |token: Address| format!("[[erc20]]\ntoken = \"{token}\"\nlimit = \"1\"\n");
    let dup = parse_err(&(cap(TOKEN) + &cap(TOKEN)));
    assert!(dup.contains(&format!("token {TOKEN} is capped twice")), "{dup}");
    let zero = parse_err(&cap(Address::ZERO));
    assert!(zero.contains("erc20 cap 0 names the zero address"), "{zero}");
    let many = parse_err(&format!(
        "[[erc20]]\ntoken = \"{TOKEN}\"\nlimit = \"1\"\nspenders = [{}]",
        vec![format!("\"{GAME}\""); 5].join(",")
    ));
    assert!(many.contains("at most 4 spenders, found 5"), "{many}");
}

#[test]
fn s12_7_rate_limits_are_bounded() {
    for (max_calls, interval) in [(0, 60), (9, 60), (1, 0)] {
        let err =
            parse_err(&format!("[rate_limit]\nmax_calls = {max_calls}\ninterval = {interval}"));
        assert!(err.contains(&format!("max_calls {max_calls} interval {interval}")), "{err}");
    }
    policy("[rate_limit]\nmax_calls = 8\ninterval = 1");
}

#[test]
fn format_rejects_unknown_fields_and_other_versions() {
    let err = parse_err("valid_untill = 5");
    assert!(err.contains("unknown field `valid_untill`"), "{err}");
    let err = parse_err("version = 4");
    assert!(err.contains("policy format version 4 is not supported"), "{err}");
    let err = parse_err("version = 0");
    assert!(err.contains("versions 1 to 3"), "{err}");
    let err = parse_err("[[permissions]]\ntarget = \"0x12\"\nselector = \"empty\"");
    assert!(err.contains("target \"0x12\" is not an address"), "{err}");
    let err = parse_err("[[permissions]]\ntarget = \"{game}\"");
    assert!(err.contains("needs `function"), "{err}");
    let err = parse_err(
        "[[permissions]]\ntarget = \"{game}\"\nfunction = \"f()\"\nselector = \"0x12345678\"",
    );
    assert!(err.contains("either `function` or `selector`"), "{err}");
}

#[test]
fn format_round_trips_through_json_and_toml() {
    let p = policy(
        r#"
        valid_after = 10
        valid_until = 2000
        usage_limit = 7
        [native]
        per_call = "1 gwei"
        total = "0x10"
        [rate_limit]
        max_calls = 2
        interval = 30
        [[permissions]]
        target = "*"
        function = "swap(address,uint256,bytes,uint256)"
        [[permissions.rules]]
        arg = 2
        slice = { offset = 4, length = 20 }
        one_of = ["1", "2"]
        limit = "100"
        [[permissions.rules]]
        arg = 1
        in_range = ["3", "9"]
        [[permissions]]
        target = "{game}"
        selector = "empty"
        [[erc20]]
        token = "{token}"
        limit = "5"
        spenders = ["{router}"]
        "#,
    );
    let json = serde_json::to_string_pretty(&p).unwrap();
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p, "{json}");
    let toml_text = toml::to_string(&p).unwrap();
    assert_eq!(toml::from_str::<Policy>(&toml_text).unwrap(), p, "{toml_text}");
    assert!(json.contains("\"version\": 1"));
}

#[test]
fn format_syntax_errors_point_at_the_input() {
    let err = toml::from_str::<Policy>("valid_after = \"soon\"").unwrap_err().to_string();
    assert!(err.contains("line 1"), "{err}");
    let err = serde_json::from_str::<Policy>("{\"valid_after\": -1}").unwrap_err().to_string();
    assert!(err.contains("line 1 column"), "{err}");
}

/// Issue #17 D7: a third `in_range` value was silently dropped.
#[test]
fn format_refuses_an_in_range_of_three_values_instead_of_dropping_one() {
    let rule = |range: &str| {
        format!(
            "[[permissions]]\ntarget = \"{{game}}\"\nfunction = \"attack(uint256)\"\n\
             [[permissions.rules]]\narg = 0\nin_range = {range}\n"
        )
    };
    let err = parse_err(&rule("[\"1\", \"5\", \"9\"]"));
    assert!(err.contains("in_range needs exactly two values [lo, hi], found 3"), "{err}");
    assert!(parse_err(&rule("[\"1\"]")).contains("found 1"));
    policy(&rule("[\"1\", \"5\"]").replace("{game}", &GAME.to_string()));
}

/// Issue #17 D7: `"0x"` and `". ether"` were read as 0.
#[test]
fn format_refuses_amounts_without_digits_instead_of_reading_zero() {
    for amount in ["0x", ". ether", ".", "1.", ".5 ether", "0x+1", "+1", " ether", "0x 1"] {
        let err = parse_err(&format!("[native]\nper_call = \"{amount}\"\ntotal = \"1\""));
        assert!(err.contains("amount"), "{amount}: {err}");
    }
    let p = policy("[native]\nper_call = \"0.5 ether\"\ntotal = \"0x1\"");
    assert_eq!(p.native.unwrap().total, U256::from(1));
}

/// Issue #17 D7: serde's derived structs read arrays by position.
#[test]
fn format_refuses_structs_written_as_arrays_instead_of_reading_them_by_position() {
    for text in [
        "native = [\"1 ether\", \"2 ether\"]",
        "rate_limit = [5, 60]",
        "[[permissions]]\ntarget = \"*\"\nfunction = \"f(bytes)\"\nrules = [[0, [0, 4], 5]]",
        "[[permissions]]\ntarget = \"*\"\nfunction = \"f(bytes)\"\n[[permissions.rules]]\narg = 0\n\
         slice = [0, 4]\neq = 5",
        "permissions = [[\"*\", \"empty\"]]",
        "erc20 = [[\"{token}\", 1]]",
    ] {
        let err = parse_err(text);
        assert!(err.contains("expected a table of named fields"), "{text}: {err}");
    }
    for json in ["[1, 2, 3]", "{\"native\": [\"1\", \"2\"]}", "{\"rate_limit\": [5, 60]}"] {
        let err = serde_json::from_str::<Policy>(json).expect_err(json).to_string();
        assert!(err.contains("expected a table of named fields"), "{json}: {err}");
    }
}

/// Issue #17 D7: `f(uint+8)` and `f(uint08)` became `f(uint8)`.
#[test]
fn format_refuses_non_canonical_type_names() {
    for ty in ["uint+8", "uint08", "bytes04", "bytes+4", "uint 8", "uint-8"] {
        let err = parse_err(&format!("[[permissions]]\ntarget = \"*\"\nfunction = \"f({ty})\"\n"));
        assert!(err.contains("unsupported argument type"), "{ty}: {err}");
        let err = parse_err(&format!(
            "[[permissions]]\ntarget = \"*\"\nselector = \"0x12345678\"\nargs = [\"{ty}\"]\n"
        ));
        assert!(err.contains("unsupported argument type"), "{ty}: {err}");
    }
    policy("[[permissions]]\ntarget = \"*\"\nfunction = \"f(uint8, bytes4, uint)\"\n");
}

/// Issue #17 D7: a mixed-case address with a wrong EIP-55 checksum (a typo) was accepted.
#[test]
fn format_refuses_mixed_case_addresses_with_a_wrong_checksum() {
    let good = GAME.to_checksum(None);
    // Flip the case of the first letter: still mixed case, no longer the checksum.
    let i = good[2..].find(|c: char| c.is_ascii_alphabetic()).unwrap() + 2;
    let mut bad = good.clone();
    let flipped = if good.as_bytes()[i].is_ascii_uppercase() {
        good[i..=i].to_ascii_lowercase()
    } else {
        good[i..=i].to_ascii_uppercase()
    };
    bad.replace_range(i..=i, &flipped);
    let permission = |a: &str| format!("[[permissions]]\ntarget = \"{a}\"\nselector = \"empty\"\n");
    let err = parse_err(&permission(&bad));
    assert!(err.contains("wrong EIP-55 checksum"), "{err}");
    assert!(err.contains(&good), "{err}");
    let cap = |a: &str| format!("[[erc20]]\ntoken = \"{a}\"\nlimit = 1\nspenders = [\"{a}\"]\n");
    assert!(parse_err(&cap(&bad)).contains("wrong EIP-55 checksum"));
    for fine in
        [good.clone(), good.to_ascii_lowercase(), format!("0x{}", good[2..].to_ascii_uppercase())]
    {
        policy(&permission(&fine));
        policy(&cap(&fine));
    }
}

/// Issue #17 D11: a JSON amount of 2^64 or more failed with "data did not match any variant of
/// untagged enum Raw".
#[test]
fn format_says_how_to_write_json_amounts_above_2_pow_64() {
    let err = serde_json::from_str::<Policy>(
        r#"{"native": {"per_call": 18446744073709551616, "total": "1"}}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("write amounts as strings"), "{err}");
    let err = parse_err("[native]\nper_call = -1\ntotal = 1");
    assert!(err.contains("amount -1 is negative"), "{err}");
    let p: Policy = serde_json::from_str(
        r#"{"native": {"per_call": 18446744073709551615, "total": "18446744073709551616"}}"#,
    )
    .unwrap();
    assert_eq!(p.native.unwrap().per_call, U256::from(u64::MAX));
}

#[test]
fn s12_8_a_period_is_between_one_second_and_time_max_and_starts_by_time_max() {
    let native = |periodic: &str| {
        format!(
            "version = 2\n[native]\nper_call = \"1\"\ntotal = \"9\"\n[native.periodic]\n{periodic}"
        )
    };
    let err = parse_err(&native("amount = \"1\"\nperiod = 0"));
    assert!(err.contains("periodic allowance of the native cap has period 0"), "{err}");
    let err = parse_err(&native("amount = \"1\"\nperiod = 281474976710656"));
    assert!(err.contains("(spec §12.8)"), "{err}");
    let err = parse_err(&native("amount = \"1\"\nperiod = 1\nstart = 281474976710656"));
    assert!(err.contains("start 281474976710656"), "{err}");
    let p = policy(&native("amount = \"1\"\nperiod = 281474976710655\nstart = 281474976710655"));
    let periodic = p.native.unwrap().periodic.unwrap();
    assert_eq!((periodic.period, periodic.start), (TIME_MAX, TIME_MAX));
    // A zero amount is valid: it allows nothing.
    assert_eq!(
        policy(&native("amount = 0\nperiod = 1")).native.unwrap().periodic.unwrap().amount,
        U256::ZERO
    );
}

#[test]
fn s12_9_a_stream_starts_below_its_max() {
    let token = |streaming: &str| {
        format!(
            "version = 2\n[[erc20]]\ntoken = \"{{token}}\"\nlimit = \"9\"\n[erc20.streaming]\n{streaming}"
        )
    };
    let err = parse_err(&token("initial = \"6\"\nrate = 1\nmax = \"5\""));
    assert!(err.contains("streaming allowance of erc20 cap 0 has initial 6, max 5"), "{err}");
    let err = parse_err(&token("rate = 1\nmax = \"5\"\nstart = 281474976710656"));
    assert!(err.contains("(spec §12.9)"), "{err}");
    let err = parse_err(&token("rate = \"0x100000000000000000000000000000000\"\nmax = \"5\""));
    assert!(err.contains("does not fit in 128 bits"), "{err}");
    let p = policy(&token(
        "initial = \"5\"\nrate = \"0xffffffffffffffffffffffffffffffff\"\nmax = \"5\"",
    ));
    assert_eq!(p.erc20[0].streaming.unwrap().rate, u128::MAX);
    let direct = Policy {
        native: Some(leash_model::NativeCap {
            streaming: Some(StreamingAllowance {
                initial: U256::from(2),
                max: U256::from(1),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Policy::default()
    };
    assert_eq!(
        direct.validate(),
        Err(PolicyError::BadStreamingAllowance {
            of: AllowanceOf::Native,
            initial: U256::from(2),
            max: U256::from(1),
            start: 0
        })
    );
    assert_eq!(direct.validate().unwrap_err().code(), 12);
}

#[test]
fn format_v2_allowances_need_version_2_and_default_their_start_to_valid_after() {
    let allowances = r#"
        valid_after = 1798761600
        [native]
        [native.periodic]
        amount = "0.1 ether"
        period = "30 days"
        [native.streaming]
        rate = "1 gwei"
        max = "1 ether"
        [[erc20]]
        token = "{token}"
        [erc20.periodic]
        amount = "5000000"
        period = "1 week"
        start = 1798761601
    "#;
    let err = parse_err(&format!("version = 1\n{allowances}"));
    assert!(
        err.contains(
            "a periodic allowance needs policy format version 2 (the file says version 1)"
        ),
        "{err}"
    );
    let p = policy(&format!("version = 2\n{allowances}"));
    let native = p.native.unwrap();
    // Version 2 reads an absent per_call, total or limit as no limit.
    assert_eq!(
        (native.per_call, native.total, p.erc20[0].limit),
        (U256::MAX, U256::MAX, U256::MAX)
    );
    assert_eq!(
        native.periodic,
        Some(PeriodicAllowance {
            amount: U256::from(100_000_000_000_000_000u64),
            period: 30 * 86_400,
            start: 1_798_761_600
        })
    );
    let stream = native.streaming.unwrap();
    assert_eq!(
        (stream.initial, stream.rate, stream.start),
        (U256::ZERO, 1_000_000_000, 1_798_761_600)
    );
    assert_eq!(p.erc20[0].periodic.unwrap().period, 604_800);
    assert_eq!(p.erc20[0].periodic.unwrap().start, 1_798_761_601);
    assert_eq!(p.format_version(), 2);
    // Version 1 still requires the caps' amounts.
    let err = parse_err("version = 1\n[native]\nper_call = \"1\"");
    assert!(err.contains("missing field `total` (required in policy format version 1)"), "{err}");
    let err = parse_err("version = 2\n[native.periodic]\namount = 1\nperiod = \"1 fortnight\"");
    assert!(err.contains("unknown unit \"fortnight\""), "{err}");
}

#[test]
fn format_v2_round_trips_and_writes_the_lowest_version() {
    let p = policy(
        r#"
        version = 2
        valid_after = 10
        [native]
        per_call = "3"
        total = "100"
        [native.periodic]
        amount = "5"
        period = 60
        start = 7
        [[erc20]]
        token = "{token}"
        limit = "50"
        [erc20.streaming]
        initial = "1"
        rate = "2"
        max = "40"
        start = 9
        "#,
    );
    let json = serde_json::to_string_pretty(&p).unwrap();
    assert!(json.contains("\"version\": 2"), "{json}");
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p, "{json}");
    let toml_text = toml::to_string(&p).unwrap();
    assert_eq!(toml::from_str::<Policy>(&toml_text).unwrap(), p, "{toml_text}");
    // Without allowances over time the same policy writes as version 1, which older readers load.
    let mut v1 = p.clone();
    v1.native.as_mut().unwrap().periodic = None;
    v1.erc20.as_mut_slice()[0].streaming = None;
    let json = serde_json::to_string(&v1).unwrap();
    assert!(json.contains("\"version\":1"), "{json}");
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), v1);
}
