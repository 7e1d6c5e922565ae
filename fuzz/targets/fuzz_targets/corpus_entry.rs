//! libFuzzer over corpus entries, read as `leash replay`, `minimize`, `report` and `export` read
//! them (`Entry::from_json`, what `Entry::load` does after reading the file): parsing never
//! panics, every error is one line, and an entry that loads writes back (`Entry::to_json`) to
//! text that loads to the same entry.
//! Run: `cargo fuzz run --fuzz-dir fuzz/targets corpus_entry fuzz/targets/corpus/corpus_entry
//! fuzz/targets/seeds/corpus_entry`.
#![no_main]

use leash_fuzz::corpus::Entry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Entry::from_json(text) {
        Ok(entry) => {
            let written = entry.to_json();
            let again = Entry::from_json(&written)
                .unwrap_or_else(|e| panic!("an entry leash wrote does not load: {e}\n{written}"));
            assert_eq!(again, entry, "the entry changed on a write and a load:\n{written}");
        }
        Err(message) => {
            assert!(!message.contains('\n'), "a corpus entry error spans lines: {message:?}");
        }
    }
});
