//! libFuzzer over the differential harness: the input bytes drive the same case generator the
//! in-process engine uses; any finding is a crash, so libFuzzer keeps and minimizes it.
//!
//! The module under test is the reference module, or the mutant named by `LEASH_MUTANT`.
//! Run: `cargo fuzz run --fuzz-dir fuzz/targets differential -- -max_len=4096`.
#![no_main]

use std::cell::RefCell;

use arbitrary::Unstructured;
use leash_fuzz::generate::{CaseConfig, Catalog, generate_case};
use leash_fuzz::run::{RunConfig, Runner};
use leash_fuzz::target::Target;
use libfuzzer_sys::fuzz_target;

thread_local! {
    static RUNNER: RefCell<(Runner, Catalog)> = RefCell::new({
        let target = match std::env::var("LEASH_MUTANT") {
            Ok(name) => Target::mutant(&name).expect("LEASH_MUTANT names a built-in mutant"),
            Err(_) => Target::reference().expect("the reference module loads"),
        };
        let runner = Runner::for_target(&target, RunConfig::campaign()).expect("the world deploys");
        let catalog = Catalog::reference(runner.world().addresses());
        (runner, catalog)
    });
}

fuzz_target!(|data: &[u8]| {
    RUNNER.with(|cell| {
        let (runner, catalog) = &mut *cell.borrow_mut();
        let Ok(case) = generate_case(&mut Unstructured::new(data), catalog, &CaseConfig::default())
        else {
            return;
        };
        if let Some(finding) = runner.run(&case).finding {
            panic!(
                "leash finding [{}]: {}\n{}",
                finding.class,
                finding.detail,
                leash_fuzz::corpus::case_to_json(&case)
            );
        }
    });
});
