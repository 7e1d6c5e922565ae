//! libFuzzer over policy files, TOML and JSON, read as `leash explain` and `leash fuzz --policy`
//! read them: parsing never panics, and a policy that parses writes back (TOML and JSON) to text
//! that parses to the same policy. Errors quote the input, line breaks included: the CLI prints
//! them through `leash_fuzz::limits::one_line` (this target's first run found that, as
//! `corpus_entry`'s did for entries).
//! Run: `cargo fuzz run --fuzz-dir fuzz/targets policy_file fuzz/targets/corpus/policy_file
//! fuzz/targets/seeds/policy_file`.
#![no_main]

use leash_model::Policy;
use libfuzzer_sys::fuzz_target;

/// Asserts that `policy` writes back to TOML and JSON that read as the same policy.
fn round_trips(policy: &Policy) {
    let toml_text = toml::to_string(policy).expect("a valid policy writes as TOML");
    let again: Policy = toml::from_str(&toml_text)
        .unwrap_or_else(|e| panic!("the TOML leash wrote does not read back: {e}\n{toml_text}"));
    assert_eq!(&again, policy, "TOML round trip changed the policy:\n{toml_text}");
    let json_text = serde_json::to_string(policy).expect("a valid policy writes as JSON");
    let again: Policy = serde_json::from_str(&json_text)
        .unwrap_or_else(|e| panic!("the JSON leash wrote does not read back: {e}\n{json_text}"));
    assert_eq!(&again, policy, "JSON round trip changed the policy:\n{json_text}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(policy) = toml::from_str::<Policy>(text) {
        round_trips(&policy);
    }
    if let Ok(policy) = serde_json::from_str::<Policy>(text) {
        round_trips(&policy);
    }
});
