//! Embeds the compiled mutants (`reference-contracts/out/mutants/<name>/`) into the library, so
//! `leash fuzz --mutant <name>` works from any directory.

// A build script talks to cargo through stdout; that is not a library printing.
#![allow(clippy::disallowed_macros)]

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference-contracts/out/mutants");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|read| {
            read.filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// Every compiled mutant, by name.\n\
         pub(crate) const MUTANTS: &[MutantBuild] = &[\n",
    );
    for name in &names {
        let artifact = |file: &str, contract: &str| {
            let path = dir.join(name).join(format!("{file}.sol")).join(format!("{contract}.json"));
            println!("cargo:rerun-if-changed={}", path.display());
            if path.exists() {
                format!(
                    "Some(include_str!({:?}))",
                    path.canonicalize().expect("artifact path").display().to_string()
                )
            } else {
                "None".to_owned()
            }
        };
        let module = artifact("SessionManager", "SessionManager");
        let account = artifact("LeashAccount", "LeashAccount");
        let account_7702 = artifact("LeashAccount7702", "LeashAccount7702");
        writeln!(
            out,
            "    MutantBuild {{ name: {name:?}, module: {module}, account: {account}, \
             account_7702: {account_7702} }},"
        )
        .expect("writing to a string");
    }
    out.push_str("];\n");
    out.push_str(
        "/// Every compiled mutant's build info (source ids to source unit names).\n\
         pub(crate) const MUTANT_BUILD_INFO: &[(&str, &str)] = &[\n",
    );
    let build_info = dir.join("../build-info");
    for name in &names {
        let path = build_info.join(format!("leash-mutant-{name}.json"));
        println!("cargo:rerun-if-changed={}", path.display());
        if path.exists() {
            let path = path.canonicalize().expect("build info path");
            writeln!(out, "    ({name:?}, include_str!({:?})),", path.display().to_string())
                .expect("writing to a string");
        }
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("mutants.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
