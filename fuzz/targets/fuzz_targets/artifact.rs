//! libFuzzer over contract artifacts (Foundry/solc JSON: `abi`, `bytecode.object`,
//! `deployedBytecode.object`, `methodIdentifiers`), read as `leash fuzz --artifact` reads them:
//! parsing never panics, every error is one line, and a parsed artifact has the code it was given.
//! Run: `cargo fuzz run --fuzz-dir fuzz/targets artifact fuzz/targets/corpus/artifact
//! fuzz/targets/seeds/artifact`.
#![no_main]

use leash_fuzz::evm::Artifact;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Artifact::from_json("fuzzed.json", text) {
        Ok(artifact) => {
            assert!(!artifact.bytecode.is_empty(), "an artifact without creation code parsed");
            assert!(!artifact.deployed_bytecode.is_empty(), "an artifact without runtime code parsed");
            for signature in artifact.method_identifiers.keys() {
                // `selector` never panics, whatever the hex says.
                let _ = artifact.selector(signature);
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.contains('\n'), "an artifact error spans lines: {message:?}");
        }
    }
});
