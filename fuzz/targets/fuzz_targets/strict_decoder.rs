//! libFuzzer over the model's strict `execute` decoder (spec §3): it must never panic, and
//! whatever it accepts must be exactly the canonical encoding of what it decoded.
//! Run: `cargo fuzz run --fuzz-dir fuzz/targets strict_decoder`.
#![no_main]

use leash_model::abi::execute::{decode_execute, encode_batch, encode_single};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(executions) = decode_execute(data) {
        let again = if data.get(4) == Some(&0) {
            encode_single(&executions[0])
        } else {
            encode_batch(&executions)
        };
        assert_eq!(again, data, "the strict decoder accepted a non-canonical encoding");
    }
});
