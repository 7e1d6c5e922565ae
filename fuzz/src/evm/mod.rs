//! The EVM harness: an in-memory revm chain running EntryPoint v0.8, the account and a session
//! module, driven by signed UserOperations.
//!
//! * [`artifact`]: Foundry-layout artifacts; the reference set is embedded in the binary.
//! * [`abi`]: `sol!` bindings, [`encode_policy`] and [`decode_session_view`] (model <-> module).
//! * [`keys`]: fixed session keys, signing, and signer recovery as spec §1.4 defines it.
//! * [`userop`]: building ops and the v0.8 EIP-712 `userOpHash`.
//! * [`world`]: the chain ([`World`]), deployment, lifecycle calls, state readback, resets.
//! * [`bundle`]: `handleOps` with bundler semantics, and per-op outcomes ([`OpOutcome`]).
//! * [`recorder`]: the inspector recording the account's calls during execution.
//! * [`redeem`]: ops that are transactions the session key sends itself (the redeem frame).
//! * [`eip7702`]: EOAs delegated to contract code by signed EIP-7702 authorizations.
//! * [`frame`]: what the account is: deployed (`LeashAccount`), or an EOA delegated to
//!   `LeashAccount7702` with EIP-7702 ([`Frame`]).
//! * [`coverage`]: branch edges, blocks and compared words of the module's code; [`probe`]: the
//!   one inspector running both.
//!
//! ```no_run
//! use leash_fuzz::evm::{World, session_keys, OpOutcome};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut world = World::reference()?;
//! let key = &session_keys()[0];
//! # let policy = leash_model::Policy::default();
//! # let call_data = alloy_primitives::Bytes::new();
//! world.install_session(key.address(), &policy)?;
//! let op = world.signed_op(key, 1, call_data);
//! let outcomes = world.run_bundle(1_700_000_100, &[op])?;
//! if let OpOutcome::Executed { calls, .. } = &outcomes[0] { let _ = calls; }
//! let state = world.session_state(key.address())?;
//! world.reset();
//! # let _ = state; Ok(()) }
//! ```

pub mod abi;
pub mod artifact;
pub mod bundle;
pub mod coverage;
pub mod eip7702;
pub mod frame;
pub mod keys;
pub mod probe;
pub mod recorder;
pub mod redeem;
pub mod userop;
pub mod world;

pub use abi::{
    EncodeError, ISessionManager, PackedUserOperation, ViewError, decode_session_view,
    encode_policy,
};
pub use artifact::{Artifact, ArtifactError, ArtifactSet};
pub use bundle::{BundleError, EvmDenial, OpOutcome, Recording};
pub use coverage::{Coverage, EdgeHit, Reached, Role};
pub use frame::{Eip7702Account, Frame};
pub use keys::{
    KEY_COUNT, KeyIndex, SessionKey, Signing, ZERO_KEY, account_key, key_address, recover_signer,
    session_keys,
};
pub use probe::Probe;
pub use recorder::{AccountCall, CallKind, CallRecorder, OpEntry};
pub use world::{
    AccountArgs, Addresses, CHAIN_ID, CallError, ModuleCode, OWNER, Snapshot, World, WorldError,
};
