//! Artifact loading: the embedded reference set, files, and every way a file can be wrong.

use std::path::PathBuf;

use leash_fuzz::evm::world::WorldError;
use leash_fuzz::evm::{Artifact, ArtifactError, ArtifactSet, World};

/// A scratch file under Cargo's per-target temporary directory.
fn scratch(name: &str, contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("leash-artifact-{name}"));
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn the_reference_set_is_embedded_and_complete() {
    let set = ArtifactSet::reference().unwrap();
    for a in [&set.entry_point, &set.account, &set.module, &set.token, &set.game, &set.router] {
        assert!(a.origin.starts_with("embedded:"), "{}", a.origin);
        assert!(!a.bytecode.is_empty() && !a.deployed_bytecode.is_empty(), "{}", a.origin);
        assert!(a.abi.is_array(), "{}", a.origin);
    }
    assert!(set.module.method_identifiers.keys().any(|s| s.starts_with("installSession(")));
}

#[test]
fn a_module_loads_from_a_path_and_runs() {
    let reference = ArtifactSet::reference().unwrap();
    let json = serde_json::json!({
        "abi": reference.module.abi,
        "bytecode": { "object": reference.module.bytecode.to_string() },
        "deployedBytecode": { "object": reference.module.deployed_bytecode.to_string() },
    });
    let path = scratch("module.json", &json.to_string());
    let set = ArtifactSet::reference().unwrap().with_module_path(&path).unwrap();
    assert_eq!(set.module.origin, path.display().to_string());
    assert_eq!(set.module.bytecode, reference.module.bytecode);
    assert!(set.module.method_identifiers.is_empty());
    let world = World::new(&set).unwrap();
    assert_eq!(world.addresses().module, leash_fuzz::evm::Addresses::expected().module);

    let set = ArtifactSet::reference().unwrap().with_account_path(&path).unwrap();
    assert_eq!(set.account.origin, path.display().to_string());
}

#[test]
fn file_errors_name_the_file_and_the_problem() {
    let missing =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("leash-artifact-does-not-exist.json");
    let err = Artifact::from_path(&missing).unwrap_err();
    assert!(matches!(err, ArtifactError::Read { .. }));
    assert!(
        err.to_string().starts_with(&format!("cannot read artifact '{}'", missing.display())),
        "{err}"
    );

    let bad_json = scratch("bad.json", "{\"abi\": [");
    let err = Artifact::from_path(&bad_json).unwrap_err();
    assert!(matches!(err, ArtifactError::Json { .. }));
    assert!(
        err.to_string()
            .starts_with(&format!("artifact '{}' is not a Foundry artifact", bad_json.display())),
        "{err}"
    );

    let no_deployed = scratch("no-deployed.json", r#"{"abi": [], "bytecode": {"object": "0x00"}}"#);
    let err = Artifact::from_path(&no_deployed).unwrap_err();
    assert!(err.to_string().contains("missing field `deployedBytecode`"), "{err}");

    let interface = scratch(
        "interface.json",
        r#"{"abi": [], "bytecode": {"object": "0x"}, "deployedBytecode": {"object": "0x"}}"#,
    );
    let err = Artifact::from_path(&interface).unwrap_err();
    assert!(matches!(err, ArtifactError::NoBytecode { field: "bytecode.object", .. }), "{err}");

    let odd = scratch(
        "odd.json",
        r#"{"abi": [], "bytecode": {"object": "0x6000"}, "deployedBytecode": {"object": "0x600"}}"#,
    );
    let err = Artifact::from_path(&odd).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "artifact '{}' deployedBytecode.object is not valid hex: odd number of hex digits (3)",
            odd.display()
        )
    );

    let err = ArtifactSet::reference().unwrap().with_module_path(&missing).unwrap_err();
    assert!(matches!(err, ArtifactError::Read { .. }));
}

#[test]
fn a_module_that_is_not_a_validator_fails_the_account_deployment() {
    // LeashToken has no onInstall, so the account's constructor reverts.
    let mut set = ArtifactSet::reference().unwrap();
    set.module = set.token.clone();
    let err = World::new(&set).unwrap_err();
    assert!(matches!(err, WorldError::Deploy { contract: "account", .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("deploying account from 'embedded:LeashAccount' failed: reverted"),
        "{err}"
    );

    // Code that reverts in its constructor.
    let mut set = ArtifactSet::reference().unwrap();
    set.game.bytecode = vec![0x60, 0x00, 0x80, 0xfd].into(); // PUSH1 0 DUP1 REVERT
    let err = World::new(&set).unwrap_err();
    assert!(matches!(err, WorldError::Deploy { contract: "Game", .. }), "{err}");
}

#[test]
fn a_module_above_the_eip170_size_limit_still_deploys() {
    // Init code returning 30,000 zero bytes (PUSH2 30000, PUSH1 0, RETURN): all STOPs, so the
    // account's `onInstall` call succeeds.
    let json = r#"{"abi": [], "bytecode": {"object": "0x6175306000f3"}, "deployedBytecode": {"object": "0x00"}}"#;
    let mut set = ArtifactSet::reference().unwrap();
    set.module = Artifact::from_json("big", json).unwrap();
    let world = World::new(&set).unwrap();
    assert_eq!(*world.addresses(), leash_fuzz::evm::Addresses::expected());
}
