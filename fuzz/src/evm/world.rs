//! The in-memory chain: one revm instance, built once, with EntryPoint v0.8, the session module,
//! the account and the three call targets deployed at deterministic addresses.
//!
//! Resetting to the deployed state swaps a clone of the base `CacheDB` into the EVM (0.36 µs).
//! An overlay (`CacheDB<Arc<base>>`, empty per case and reading through to the base) resets in
//! 0.08 µs, but a whole case costs the same either way because the overlay copies what the case
//! touches on first use; the clone keeps snapshots simple. Figures: `fuzz/README.md`.

use alloy_primitives::{Address, B256, Bytes, U256, address, uint};
use alloy_sol_types::{SolCall, SolInterface};
use leash_model::{Counters, Env, Policy, Status};
use revm::context::result::{ExecutionResult, Output};
use revm::context::{BlockEnv, CfgEnv, ContextTr, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::MainnetContext;
use revm::primitives::TxKind;
use revm::primitives::hardfork::SpecId;
use revm::state::AccountInfo;
use revm::{
    Context, ExecuteCommitEvm, ExecuteEvm, InspectCommitEvm, InspectEvm, MainBuilder, MainContext,
    MainnetEvm,
};

use super::abi::{
    EncodeError, ILeashAccount, ILeashToken, ISessionManager, MODE_SINGLE, PackedUserOperation,
    ViewError, decode_session_view, encode_policy,
};
use super::artifact::{Artifact, ArtifactError, ArtifactSet};
use super::coverage::{Coverage, Role};
use super::keys::SessionKey;
use super::probe::Probe;
use super::recorder::CallRecorder;
use super::userop;

/// The chain id the in-memory chain is built on (Anvil's); [`World::set_chain_id`] moves it.
pub const CHAIN_ID: u64 = 31337;
/// The block timestamp the world is deployed at.
pub const GENESIS_TIMESTAMP: u64 = 1_700_000_000;
/// The EOA that deploys every contract, at nonces 0 to 5.
pub const DEPLOYER: Address = address!("0x00000000000000000000000000000000000de910");
/// The account's owner EOA: it sends the lifecycle transactions (`execute` on the account).
pub const OWNER: Address = address!("0x000000000000000000000000000000000000a11c");
/// The bundler EOA that sends `handleOps`.
pub const BUNDLER: Address = address!("0x0000000000000000000000000000000000b0b1e5");
/// The EOA that deploys and funds the world's two paymasters, at nonces 0 and 1, apart from
/// [`DEPLOYER`] so that no other address moves.
pub const SPONSOR: Address = address!("0x00000000000000000000000000000000005905e0");
/// Each paymaster's deposit at the EntryPoint (2^180 wei): enough for any op the EntryPoint
/// admits at a fee a test can afford, so a sponsored op is never refused for funds by accident.
pub const PAYMASTER_DEPOSIT: U256 = uint!(0x1000000000000000000000000000000000000000000000_U256);
/// The `handleOps` beneficiary.
pub const BENEFICIARY: Address = address!("0x000000000000000000000000000000000000bea1");
/// Native value the account is funded with (1,000 ether).
pub const ACCOUNT_NATIVE_BALANCE: U256 = uint!(1_000_000000000000000000_U256);
/// LeashToken minted to the account (10^9 tokens of 18 decimals).
pub const ACCOUNT_TOKEN_BALANCE: U256 = uint!(1_000000000_000000000000000000_U256);

/// Where everything is deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addresses {
    /// EntryPoint v0.8 (deployer nonce 0).
    pub entry_point: Address,
    /// The session module (deployer nonce 1).
    pub module: Address,
    /// The account (deployer nonce 2), owned by [`OWNER`] with the module installed.
    pub account: Address,
    /// `LeashToken` (deployer nonce 3).
    pub token: Address,
    /// `Game` (deployer nonce 4).
    pub game: Address,
    /// `Router` (deployer nonce 5).
    pub router: Address,
    /// Two `LeashPaymaster`s ([`SPONSOR`]'s nonces 0 and 1), each with [`PAYMASTER_DEPOSIT`]
    /// at the EntryPoint (spec §16).
    pub paymasters: [Address; 2],
}

impl Addresses {
    /// The addresses the deployer's nonces 0 to 5 give: what [`World::new`] deploys to.
    pub fn expected() -> Self {
        Self {
            entry_point: DEPLOYER.create(0),
            module: DEPLOYER.create(1),
            account: DEPLOYER.create(2),
            token: DEPLOYER.create(3),
            game: DEPLOYER.create(4),
            router: DEPLOYER.create(5),
            paymasters: [SPONSOR.create(0), SPONSOR.create(1)],
        }
    }
}

/// Why the world could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorldError {
    /// An artifact could not be loaded.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// A contract's deployment failed.
    #[error("deploying {contract} from '{origin}' failed: {outcome}")]
    Deploy {
        /// Which contract.
        contract: &'static str,
        /// The artifact's origin.
        origin: String,
        /// What happened (revert data, halt reason or EVM error).
        outcome: String,
    },
    /// A contract deployed at another address than the fixed nonces give.
    #[error("{contract} deployed at {actual}, not at the expected {expected}")]
    Address {
        /// Which contract.
        contract: &'static str,
        /// Where it landed.
        actual: Address,
        /// Where it should have.
        expected: Address,
    },
    /// A setup transaction after deployment failed.
    #[error("setup step '{step}' failed: {outcome}")]
    Setup {
        /// Which step.
        step: &'static str,
        /// What happened.
        outcome: String,
    },
}

/// Why a lifecycle call, a state readback or a view call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The policy cannot be expressed in the interface's types.
    #[error("the policy cannot be encoded: {0}")]
    Encode(#[from] EncodeError),
    /// The module reverted `InvalidPolicy(code)` (spec §12).
    #[error("the module rejected the policy: InvalidPolicy({code})")]
    InvalidPolicy {
        /// The code (`PolicyError::code` in the model).
        code: u8,
    },
    /// The module reverted `ZeroKey()` (spec §2.1).
    #[error("the module rejected session key {key}: ZeroKey()")]
    ZeroKey {
        /// The key given.
        key: Address,
    },
    /// The module reverted `UnknownSession(key)` (spec §2.2).
    #[error("the module has no session for {key}: UnknownSession({reported})")]
    UnknownSession {
        /// The key given.
        key: Address,
        /// The key the error names.
        reported: Address,
    },
    /// The call reverted with data the harness does not recognise.
    #[error("{call} reverted with data {data}")]
    Reverted {
        /// The call.
        call: &'static str,
        /// The revert data.
        data: Bytes,
    },
    /// The call halted (out of gas, invalid opcode, ...).
    #[error("{call} halted: {reason}")]
    Halted {
        /// The call.
        call: &'static str,
        /// The halt reason.
        reason: String,
    },
    /// revm refused the transaction.
    #[error("{call} failed in the evm: {message}")]
    Evm {
        /// The call.
        call: &'static str,
        /// revm's error.
        message: String,
    },
    /// The call returned data that does not decode as its return type.
    #[error("{call} returned undecodable data {data}: {problem}")]
    BadReturn {
        /// The call.
        call: &'static str,
        /// The return data.
        data: Bytes,
        /// The decoder's complaint.
        problem: String,
    },
    /// `sessionState` returned a view the model's counters cannot hold.
    #[error("sessionState returned a malformed view: {0}")]
    View(#[from] ViewError),
}

/// What the world calls on `LeashPaymaster` (`reference-contracts/src/LeashPaymaster.sol`,
/// OpenZeppelin's `Paymaster` sponsoring every op); `tests/abi_sync.rs` checks it against the
/// artifact.
pub mod paymaster {
    alloy_sol_types::sol! {
        /// Adds `msg.value` to the paymaster's deposit at the EntryPoint.
        function deposit() external payable;
    }
}

alloy_sol_types::sol!(
    /// leash's executor module for owners of accounts whose `execute` only the EntryPoint may
    /// call (`reference-contracts/src/hosts/LeashOwnerExecutor.sol`).
    #[sol(all_derives)]
    ILeashOwnerExecutor,
    "../reference-contracts/out/LeashOwnerExecutor.sol/LeashOwnerExecutor.json"
);

/// The constructor arguments of the contract deployed at the account's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountArgs {
    /// `(entryPoint, OWNER, module, "")`: an account that installs the module itself
    /// (LeashAccount, the OpenZeppelin host).
    Standard,
    /// `(entryPoint)`: an account implementation behind proxies (Nexus), whose account the host
    /// creates afterwards.
    EntryPoint,
    /// `(module, entryPoint)`: a DeleGator implementation (MetaMask), whose account is a proxy of
    /// it or an EOA an EIP-7702 authorization delegates to it, made afterwards.
    ModuleAndEntryPoint,
}

/// How the module's code gets to its address.
#[derive(Clone, Copy, Debug)]
pub enum ModuleCode<'a> {
    /// Deployed from this artifact's creation code.
    Create(&'a Artifact),
    /// Deployed from this artifact's creation code with these ABI-encoded constructor arguments.
    CreateWith {
        /// The artifact.
        artifact: &'a Artifact,
        /// The constructor arguments.
        args: &'a [u8],
    },
    /// This runtime code etched at the address (a build shipped as runtime code only).
    Etch {
        /// Where the code came from, for messages.
        origin: &'a str,
        /// The runtime code.
        runtime: &'a Bytes,
    },
}

/// The database the EVM runs on.
pub type Db = CacheDB<EmptyDB>;
/// The EVM, with the probe (call recorder and coverage) as its inspector, used only by the
/// inspecting entry points.
pub type Evm = MainnetEvm<MainnetContext<Db>, Probe>;

/// A saved chain state that [`World::restore`] puts back.
#[derive(Clone, Debug)]
pub struct Snapshot(Db);

/// The in-memory chain and everything deployed on it.
pub struct World {
    pub(super) evm: Evm,
    base: Db,
    addresses: Addresses,
    /// The executor module the owner's lifecycle calls go through, for accounts whose
    /// `execute` the owner cannot call (see [`World::owner_execute`]).
    owner_executor: Option<Address>,
    /// The account's implementation, when the account is a proxy.
    pub(super) implementation: Option<Address>,
    /// Who sends the owner's lifecycle calls: [`OWNER`], or the EOA itself on the EIP-7702 frame.
    owner: Address,
    /// The `initCode` of every op the harness builds: empty, or the EIP-7702 marker on the
    /// EIP-7702 frame.
    init_code: Bytes,
    /// What the EIP-7702 frame deployed, on that frame.
    pub(super) eip7702: Option<super::frame::Eip7702Account>,
    /// A second account of the same code and owner, with the module installed
    /// ([`World::deploy_other_account`]): where an op signed for the account is replayed from
    /// (spec §1.4.2).
    other_account: Option<Address>,
}

impl core::fmt::Debug for World {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("World")
            .field("addresses", &self.addresses)
            .field("timestamp", &self.timestamp())
            .finish_non_exhaustive()
    }
}

/// The outcome of one plain (non-`handleOps`) transaction, for error messages.
pub(super) fn describe(result: &ExecutionResult) -> String {
    match result {
        ExecutionResult::Success { .. } => "success".to_owned(),
        ExecutionResult::Revert { output, .. } => format!("reverted with data {output}"),
        ExecutionResult::Halt { reason, .. } => format!("halted: {reason:?}"),
    }
}

impl World {
    /// Builds the world from the embedded reference artifacts.
    pub fn reference() -> Result<Self, WorldError> {
        Self::new(&ArtifactSet::reference()?)
    }

    /// Builds the world: the deployer deploys EntryPoint, the module, the account
    /// (`entryPoint`, [`OWNER`], module, empty init data), LeashToken, Game and Router, in that
    /// order; then LeashToken mints [`ACCOUNT_TOKEN_BALANCE`] to the account and the account
    /// receives [`ACCOUNT_NATIVE_BALANCE`]. The result is the base state [`World::reset`]
    /// returns to.
    pub fn new(artifacts: &ArtifactSet) -> Result<Self, WorldError> {
        Self::build(artifacts, ModuleCode::Create(&artifacts.module), AccountArgs::Standard, |_| {
            Ok(())
        })
    }

    /// Builds the world as [`World::new`] does, with `module` put at the module's address
    /// (deployed from its creation code, or its runtime code etched there), then lets `extra`
    /// deploy whatever else the module needs (after Router, so no base address moves) before
    /// the state becomes the base [`World::reset`] returns to.
    pub fn build(
        artifacts: &ArtifactSet,
        module: ModuleCode<'_>,
        account: AccountArgs,
        extra: impl FnOnce(&mut World) -> Result<(), WorldError>,
    ) -> Result<Self, WorldError> {
        let mut db = Db::default();
        let funds = U256::from(1u128 << 100);
        for eoa in [DEPLOYER, OWNER, BUNDLER] {
            db.insert_account_info(eoa, AccountInfo { balance: funds, ..AccountInfo::default() });
        }
        let sponsor_funds = PAYMASTER_DEPOSIT * U256::from(4);
        db.insert_account_info(
            SPONSOR,
            AccountInfo { balance: sponsor_funds, ..AccountInfo::default() },
        );
        let evm = Context::mainnet()
            .with_db(db)
            .modify_cfg_chained(|c: &mut CfgEnv| {
                // PRAGUE: no EIP-7825 transaction gas cap, which `handleOps` of many ops needs.
                c.set_spec_and_mainnet_gas_params(SpecId::PRAGUE);
                c.chain_id = CHAIN_ID;
                // The harness's own transactions name the chain the world was built on; after
                // `set_chain_id` they still run: `block.chainid` is what the contracts read.
                c.tx_chain_id_check = false;
                c.disable_nonce_check = true;
                // An external module or mutant built without the optimizer may exceed EIP-170's
                // 24 KiB; whether it fits mainnet is not what the harness tests.
                c.limit_contract_code_size = Some(usize::MAX);
                c.limit_contract_initcode_size = Some(usize::MAX);
            })
            .modify_block_chained(|b: &mut BlockEnv| {
                b.timestamp = U256::from(GENESIS_TIMESTAMP);
                b.number = U256::from(1);
                b.basefee = 0;
            })
            .build_mainnet_with_inspector(Probe::default());
        let mut world = Self {
            evm,
            base: Db::default(),
            addresses: Addresses::expected(),
            owner_executor: None,
            implementation: None,
            owner: OWNER,
            init_code: Bytes::new(),
            eip7702: None,
            other_account: None,
        };
        world.deploy_all(artifacts, module, account)?;
        extra(&mut world)?;
        world.deploy_paymasters(&artifacts.paymaster)?;
        world.base = world.evm.ctx.db().clone();
        Ok(world)
    }

    fn deploy_all(
        &mut self,
        artifacts: &ArtifactSet,
        module: ModuleCode<'_>,
        account_args: AccountArgs,
    ) -> Result<(), WorldError> {
        let expected = Addresses::expected();
        let entry_point = self.deploy("EntryPoint", &artifacts.entry_point, &[])?;
        let module = match module {
            ModuleCode::Create(artifact) => self.deploy("module", artifact, &[])?,
            ModuleCode::CreateWith { artifact, args } => self.deploy("module", artifact, args)?,
            ModuleCode::Etch { runtime, .. } => {
                let at = DEPLOYER.create(self.deployer_nonce());
                self.etch(at, runtime.clone());
                self.bump_deployer_nonce();
                at
            }
        };
        let account_args = match account_args {
            AccountArgs::Standard => alloy_sol_types::SolValue::abi_encode_params(&(
                entry_point,
                OWNER,
                module,
                Bytes::new(),
            )),
            AccountArgs::EntryPoint => alloy_sol_types::SolValue::abi_encode(&entry_point),
            AccountArgs::ModuleAndEntryPoint => {
                alloy_sol_types::SolValue::abi_encode_params(&(module, entry_point))
            }
        };
        let account = self.deploy("account", &artifacts.account, &account_args)?;
        let token = self.deploy("LeashToken", &artifacts.token, &[])?;
        let game = self.deploy("Game", &artifacts.game, &[])?;
        let router = self.deploy("Router", &artifacts.router, &[])?;
        let actual = Addresses { entry_point, module, account, token, game, router, ..expected };
        for (contract, a, e) in [
            ("EntryPoint", actual.entry_point, expected.entry_point),
            ("module", actual.module, expected.module),
            ("account", actual.account, expected.account),
            ("LeashToken", actual.token, expected.token),
            ("Game", actual.game, expected.game),
            ("Router", actual.router, expected.router),
        ] {
            if a != e {
                return Err(WorldError::Address { contract, actual: a, expected: e });
            }
        }
        self.addresses = actual;
        let coverage = &mut self.evm.inspector.coverage;
        coverage.watch(module, Role::Module);
        coverage.watch(account, Role::Covered);

        self.fund(account)
    }

    /// Deploys a second account from `artifact` with the account's constructor arguments
    /// (EntryPoint, [`OWNER`], the module, empty init data) at the deployer's next nonce, and
    /// funds it as the account is: another account of the same owner, with the same module, that
    /// ops signed for the account are replayed from (spec §1.4.1, §1.4.2). For a world built with
    /// [`AccountArgs::Standard`]; call it from [`World::build`]'s `extra`.
    pub fn deploy_other_account(&mut self, artifact: &Artifact) -> Result<Address, WorldError> {
        let a = self.addresses;
        let args = alloy_sol_types::SolValue::abi_encode_params(&(
            a.entry_point,
            OWNER,
            a.module,
            Bytes::new(),
        ));
        let other = self.deploy("other account", artifact, &args)?;
        self.fund(other)?;
        self.other_account = Some(other);
        Ok(other)
    }

    /// The second account [`World::deploy_other_account`] deployed, if any.
    pub fn other_account(&self) -> Option<Address> {
        self.other_account
    }

    /// Deploys the two paymasters from [`SPONSOR`] and funds their deposits (spec §16).
    fn deploy_paymasters(&mut self, artifact: &Artifact) -> Result<(), WorldError> {
        let args = alloy_sol_types::SolValue::abi_encode(&self.addresses.entry_point);
        let paymasters = Addresses::expected().paymasters;
        for expected in paymasters {
            let actual = self.deploy_from(SPONSOR, "LeashPaymaster", artifact, &args)?;
            if actual != expected {
                return Err(WorldError::Address { contract: "LeashPaymaster", actual, expected });
            }
        }
        for paymaster in paymasters {
            let deposit = paymaster::depositCall {}.abi_encode();
            let step = "fund a paymaster's deposit";
            self.setup_tx(step, SPONSOR, paymaster, PAYMASTER_DEPOSIT, deposit)?;
        }
        Ok(())
    }

    /// Mints [`ACCOUNT_TOKEN_BALANCE`] LeashToken to `account` and sends it
    /// [`ACCOUNT_NATIVE_BALANCE`].
    pub fn fund(&mut self, account: Address) -> Result<(), WorldError> {
        let mint =
            ILeashToken::mintCall { to: account, amount: ACCOUNT_TOKEN_BALANCE }.abi_encode();
        let token = self.addresses.token;
        self.setup_tx("mint LeashToken to the account", DEPLOYER, token, U256::ZERO, mint)?;
        self.setup_tx("fund the account", DEPLOYER, account, ACCOUNT_NATIVE_BALANCE, Vec::new())?;
        Ok(())
    }

    /// Makes `account`, a proxy of the contract deployed at the account's address, the account
    /// the harness drives (a host that creates its accounts behind proxies), its lifecycle
    /// calls going through `owner_executor` when the owner cannot call its `execute`.
    pub fn set_proxy_account(&mut self, account: Address, owner_executor: Option<Address>) {
        self.implementation = Some(self.addresses.account);
        self.addresses.account = account;
        // The implementation stays covered (it was the account); the proxy's own code too.
        self.evm.inspector.coverage.watch(account, Role::Covered);
        self.owner_executor = owner_executor;
    }

    /// Makes `account`, an EOA running the code deployed at the account's address through an
    /// EIP-7702 delegation ([`World::delegate_eoa`]; not a proxy: no DELEGATECALL), the account
    /// the harness drives. Its lifecycle calls stay with the owner.
    pub fn set_eoa_account(&mut self, account: Address) {
        self.implementation = None;
        self.addresses.account = account;
    }

    /// Makes `eoa`, delegated with EIP-7702 to an account implementation that treats the EOA
    /// itself as its owner, the account the harness drives (the EIP-7702 frame, spec §18): its
    /// lifecycle calls are transactions the EOA sends to itself, and every op carries EntryPoint
    /// v0.8's EIP-7702 `initCode` marker, so its `userOpHash` binds the delegate.
    pub fn set_delegated_account(&mut self, eoa: Address) {
        self.implementation = None;
        self.owner_executor = None;
        self.addresses.account = eoa;
        self.owner = eoa;
        self.init_code = Bytes::copy_from_slice(&userop::EIP7702_INIT_CODE);
    }

    /// Who sends the owner's lifecycle calls: [`OWNER`], or the account's own EOA on the
    /// EIP-7702 frame.
    pub fn owner(&self) -> Address {
        self.owner
    }

    /// Deploys `artifact` with constructor arguments `args` from the deployer (at its next
    /// nonce), committed.
    pub fn deploy(
        &mut self,
        contract: &'static str,
        artifact: &Artifact,
        args: &[u8],
    ) -> Result<Address, WorldError> {
        self.deploy_from(DEPLOYER, contract, artifact, args)
    }

    /// Deploys `artifact` with constructor arguments `args` from `deployer`, committed.
    fn deploy_from(
        &mut self,
        deployer: Address,
        contract: &'static str,
        artifact: &Artifact,
        args: &[u8],
    ) -> Result<Address, WorldError> {
        let mut code = artifact.bytecode.to_vec();
        code.extend_from_slice(args);
        let tx = TxEnv {
            caller: deployer,
            kind: TxKind::Create,
            data: code.into(),
            gas_limit: 100_000_000,
            chain_id: Some(CHAIN_ID),
            ..TxEnv::default()
        };
        let fail =
            |outcome| WorldError::Deploy { contract, origin: artifact.origin.clone(), outcome };
        match self.evm.transact_commit(tx) {
            Ok(ExecutionResult::Success { output: Output::Create(_, Some(address)), .. }) => {
                Ok(address)
            }
            Ok(other) => Err(fail(describe(&other))),
            Err(e) => Err(fail(format!("evm error: {e}"))),
        }
    }

    /// Puts `runtime` as the code of `address` (an account with that code and nothing else).
    pub fn etch(&mut self, address: Address, runtime: Bytes) {
        let code = revm::state::Bytecode::new_raw(runtime);
        let db = self.evm.ctx.db_mut();
        let mut info = db.load_account(address).map(|a| a.info.clone()).unwrap_or_default();
        info.code_hash = code.hash_slow();
        info.code = Some(code);
        db.insert_account_info(address, info);
    }

    /// The deployer's nonce: the next contract it deploys goes to `DEPLOYER.create(nonce)`.
    pub fn deployer_nonce(&mut self) -> u64 {
        self.evm.ctx.db_mut().load_account(DEPLOYER).map(|a| a.info.nonce).unwrap_or_default()
    }

    fn bump_deployer_nonce(&mut self) {
        let db = self.evm.ctx.db_mut();
        let mut info = db.load_account(DEPLOYER).map(|a| a.info.clone()).unwrap_or_default();
        info.nonce += 1;
        db.insert_account_info(DEPLOYER, info);
    }

    /// Runs a setup transaction, committed, failing with `step` in the error.
    pub fn setup_tx(
        &mut self,
        step: &'static str,
        caller: Address,
        to: Address,
        value: U256,
        data: Vec<u8>,
    ) -> Result<(), WorldError> {
        match self.evm.transact_commit(call_tx(caller, to, value, data.into())) {
            Ok(ExecutionResult::Success { .. }) => Ok(()),
            Ok(other) => Err(WorldError::Setup { step, outcome: describe(&other) }),
            Err(e) => Err(WorldError::Setup { step, outcome: format!("evm error: {e}") }),
        }
    }

    /// Where everything is deployed.
    pub fn addresses(&self) -> &Addresses {
        &self.addresses
    }

    /// The model's environment for validating at `now` against this world's account and module
    /// (EntryPoint v0.8 window predicate, spec v1 semantics).
    pub fn env(&self, now: u64) -> Env {
        Env {
            chain_id: self.chain_id(),
            ..Env::new(now, self.addresses.account, self.addresses.module)
        }
    }

    /// `block.chainid` of the next transactions, and the chain ops are hashed for.
    pub fn chain_id(&self) -> u64 {
        self.evm.ctx.cfg.chain_id
    }

    /// Moves the world to chain `id`: the next transactions run with `block.chainid = id` and
    /// ops are hashed for it, on the same state (the account replicated there, as a multichain
    /// deployment or a fork has it; spec §17). [`World::reset`] does not move it back.
    pub fn set_chain_id(&mut self, id: u64) {
        self.evm.ctx.cfg.chain_id = id;
    }

    /// The block timestamp the next transaction runs at.
    pub fn timestamp(&self) -> u64 {
        self.evm.ctx.block.timestamp.saturating_to()
    }

    /// Sets the block timestamp of the next transactions.
    pub fn set_timestamp(&mut self, timestamp: u64) {
        self.evm.ctx.block.timestamp = U256::from(timestamp);
    }

    /// Returns the chain to its state right after [`World::new`] by swapping in a clone of the
    /// base database. The timestamp is not touched.
    pub fn reset(&mut self) {
        *self.evm.ctx.db_mut() = self.base.clone();
    }

    /// Saves the current chain state.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot(self.evm.ctx.db().clone())
    }

    /// Puts a saved chain state back (a clone of it: the snapshot can be restored again).
    pub fn restore(&mut self, snapshot: &Snapshot) {
        *self.evm.ctx.db_mut() = snapshot.0.clone();
    }

    /// Makes the current chain state the one [`World::reset`] returns to.
    pub fn rebase(&mut self) {
        self.base = self.evm.ctx.db().clone();
    }

    /// An unsigned op from the account with nonce key `nonce_key` (sequence 0); see
    /// [`userop::unsigned_op`]. On the EIP-7702 frame its `initCode` is the EIP-7702 marker.
    pub fn unsigned_op(&self, nonce_key: u64, call_data: Bytes) -> PackedUserOperation {
        let mut op = userop::unsigned_op(self.addresses.account, nonce_key, call_data);
        op.initCode = self.init_code.clone();
        op
    }

    /// The op's v0.8 `userOpHash` on this chain, computed in Rust as the EntryPoint computes it:
    /// an op with the EIP-7702 marker binds the code its sender delegates to now (for a sender
    /// that delegates nothing the EntryPoint refuses the op; this is then the plain hash).
    pub fn user_op_hash(&self, op: &PackedUserOperation) -> B256 {
        self.user_op_hash_under(op, self.delegation_ref(op.sender))
    }

    /// [`World::user_op_hash`] as it will be while the sender delegates to `delegate` (`None`:
    /// no code), for ops signed before a re-delegation takes place.
    pub fn user_op_hash_under(&self, op: &PackedUserOperation, delegate: Option<Address>) -> B256 {
        let entry_point = self.addresses.entry_point;
        match delegate {
            Some(delegate) if userop::is_eip7702_init_code(&op.initCode) => {
                userop::user_op_hash_7702(op, delegate, entry_point, self.chain_id())
            }
            _ => userop::user_op_hash(op, entry_point, self.chain_id()),
        }
    }

    /// The digest a session key signs for `op` on a module of leash's `ISessionManager`
    /// interface at [`Addresses::module`] (`sessionOpDigest`, spec §1.4.1), on this chain, as the
    /// sender delegates now.
    pub fn session_op_digest(&self, op: &PackedUserOperation) -> B256 {
        self.session_op_digest_under(op, self.delegation_ref(op.sender))
    }

    /// [`World::session_op_digest`] as it will be while the sender delegates to `delegate`.
    pub fn session_op_digest_under(
        &self,
        op: &PackedUserOperation,
        delegate: Option<Address>,
    ) -> B256 {
        let a = &self.addresses;
        userop::session_op_digest(op, delegate, a.entry_point, a.module, self.chain_id())
    }

    /// The module's own `sessionOpDigest(op, entryPoint, op.sender)` (leash's `ISessionManager`
    /// interface), read from the EVM on this chain without committing.
    pub fn module_digest(&mut self, op: &PackedUserOperation) -> Result<B256, CallError> {
        let a = self.addresses;
        // The interface's op struct is its own Rust type; the encoding is the EntryPoint's.
        let args =
            alloy_sol_types::SolValue::abi_encode_params(&(op.clone(), a.entry_point, op.sender));
        let data = [ISessionManager::sessionOpDigestCall::SELECTOR.as_slice(), &args].concat();
        let out = self.view_call("sessionOpDigest", a.module, data.into())?;
        ISessionManager::sessionOpDigestCall::abi_decode_returns(&out).map_err(|e| {
            CallError::BadReturn {
                call: "sessionOpDigest",
                data: out.clone(),
                problem: e.to_string(),
            }
        })
    }

    /// An op from the account with nonce key `nonce_key`, signed by `key` over the digest a
    /// module of leash's `ISessionManager` interface verifies ([`World::session_op_digest`]).
    pub fn signed_op(
        &self,
        key: &SessionKey,
        nonce_key: u64,
        call_data: Bytes,
    ) -> PackedUserOperation {
        let mut op = self.unsigned_op(nonce_key, call_data);
        op.signature = Bytes::copy_from_slice(&key.sign_hash(self.session_op_digest(&op)));
        op
    }

    /// Has the owner call `account.execute(single, module ‖ 0 ‖ data)`, committed.
    fn owner_module_call(
        &mut self,
        call: &'static str,
        key: Address,
        data: Vec<u8>,
    ) -> Result<(), CallError> {
        let result = match self.eip7702 {
            // On the EIP-7702 frame, while the EOA runs other code or none, the owner calls the
            // module from the EOA itself: sessions are keyed by the caller, which is the account
            // (spec §18.2, §18.7).
            Some(frame) if self.delegation_ref(self.owner) != Some(frame.implementation) => self
                .transact_call(call, self.owner, self.addresses.module, U256::ZERO, data)
                .map(drop),
            _ => self.owner_execute(call, self.addresses.module, &data).map(drop),
        };
        match result {
            Err(CallError::Reverted { call, data }) => Err(Self::module_error(call, key, data)),
            other => other,
        }
    }

    /// Has the owner EOA make the account call `target` with `data` (the account executes
    /// `execute(single, target ‖ 0 ‖ data)` for its owner), committed. A revert is
    /// [`CallError::Reverted`] with the revert data, which the caller may decode further.
    pub fn owner_execute(
        &mut self,
        call: &'static str,
        target: Address,
        data: &[u8],
    ) -> Result<Bytes, CallError> {
        let tx =
            match self.owner_executor {
                None => {
                    let execution = leash_model::abi::execute::encode_single_calldata(
                        &leash_model::Execution { target, value: U256::ZERO, data },
                    );
                    let execute = ILeashAccount::executeCall {
                        mode: MODE_SINGLE,
                        executionCalldata: execution.into(),
                    }
                    .abi_encode();
                    call_tx(self.owner, self.addresses.account, U256::ZERO, execute.into())
                }
                Some(executor) => {
                    let exec = ILeashOwnerExecutor::execCall {
                        account: self.addresses.account,
                        target,
                        data: Bytes::copy_from_slice(data),
                    }
                    .abi_encode();
                    call_tx(OWNER, executor, U256::ZERO, exec.into())
                }
            };
        self.commit_call(call, tx)
    }

    /// Has `caller` call `to` with `value` and `data`, committed, returning the output; a revert
    /// is [`CallError::Reverted`] with its data.
    pub fn transact_call(
        &mut self,
        call: &'static str,
        caller: Address,
        to: Address,
        value: U256,
        data: Vec<u8>,
    ) -> Result<Bytes, CallError> {
        self.commit_call(call, call_tx(caller, to, value, data.into()))
    }

    /// Runs `tx` committed and returns its output; a revert is [`CallError::Reverted`].
    fn commit_call(&mut self, call: &'static str, tx: TxEnv) -> Result<Bytes, CallError> {
        match self.commit_covered(tx) {
            Ok(ExecutionResult::Success { output, .. }) => Ok(output.into_data()),
            Ok(ExecutionResult::Revert { output, .. }) => {
                Err(CallError::Reverted { call, data: output })
            }
            Ok(ExecutionResult::Halt { reason, .. }) => {
                Err(CallError::Halted { call, reason: format!("{reason:?}") })
            }
            Err(e) => Err(CallError::Evm { call, message: e.to_string() }),
        }
    }

    /// The runtime code at `address` (empty for an account without code).
    pub fn code(&mut self, address: Address) -> Bytes {
        let db = self.evm.ctx.db_mut();
        db.load_account(address)
            .ok()
            .and_then(|a| a.info.code.as_ref().map(|c| c.original_bytes()))
            .unwrap_or_default()
    }

    /// The 32-byte storage word `slot` of `address`.
    pub fn storage(&mut self, address: Address, slot: U256) -> U256 {
        use revm::DatabaseRef as _;
        self.evm.ctx.db().storage_ref(address, slot).unwrap_or_default()
    }

    fn module_error(call: &'static str, key: Address, data: Bytes) -> CallError {
        match ISessionManager::ISessionManagerErrors::abi_decode(&data) {
            Ok(ISessionManager::ISessionManagerErrors::InvalidPolicy(e)) => {
                CallError::InvalidPolicy { code: e.code }
            }
            Ok(ISessionManager::ISessionManagerErrors::ZeroKey(_)) => CallError::ZeroKey { key },
            Ok(ISessionManager::ISessionManagerErrors::UnknownSession(e)) => {
                CallError::UnknownSession { key, reported: e.key }
            }
            _ => CallError::Reverted { call, data },
        }
    }

    /// Installs a session for `key` with `policy` (spec §2.1): the owner EOA sends
    /// `account.execute(single, abi.encodePacked(module, 0, installSession(key, policy)))`,
    /// committed at the current timestamp.
    pub fn install_session(&mut self, key: Address, policy: &Policy) -> Result<(), CallError> {
        let encoded = encode_policy(policy)?;
        let data = ISessionManager::installSessionCall { key, policy: encoded }.abi_encode();
        self.owner_module_call("installSession", key, data)
    }

    /// Installs a session for `key` with `policy` on `account`, one of the world's accounts with
    /// the module installed and [`OWNER`] as owner (the other account,
    /// [`World::deploy_other_account`]), as [`World::install_session`] does on the account.
    pub fn install_session_on(
        &mut self,
        account: Address,
        key: Address,
        policy: &Policy,
    ) -> Result<(), CallError> {
        let encoded = encode_policy(policy)?;
        let data = ISessionManager::installSessionCall { key, policy: encoded }.abi_encode();
        self.owner_module_call_on(account, "installSession", key, data)
    }

    /// Revokes `key`'s session on `account`, as [`World::install_session_on`] installs it.
    pub fn revoke_session_on(&mut self, account: Address, key: Address) -> Result<(), CallError> {
        let data = ISessionManager::revokeSessionCall { key }.abi_encode();
        self.owner_module_call_on(account, "revokeSession", key, data)
    }

    /// [`OWNER`] has `account` call the module with `data` (`execute(single, module ‖ 0 ‖
    /// data)`), committed.
    fn owner_module_call_on(
        &mut self,
        account: Address,
        call: &'static str,
        key: Address,
        data: Vec<u8>,
    ) -> Result<(), CallError> {
        let execution =
            leash_model::abi::execute::encode_single_calldata(&leash_model::Execution {
                target: self.addresses.module,
                value: U256::ZERO,
                data: &data,
            });
        let execute =
            ILeashAccount::executeCall { mode: MODE_SINGLE, executionCalldata: execution.into() }
                .abi_encode();
        match self.commit_call(call, call_tx(OWNER, account, U256::ZERO, execute.into())) {
            Err(CallError::Reverted { call, data }) => Err(Self::module_error(call, key, data)),
            other => other.map(drop),
        }
    }

    /// Revokes the session of `key` (spec §2.2), the same way as [`World::install_session`].
    pub fn revoke_session(&mut self, key: Address) -> Result<(), CallError> {
        let data = ISessionManager::revokeSessionCall { key }.abi_encode();
        self.owner_module_call("revokeSession", key, data)
    }

    /// Calls `to` with `data` without committing anything, returning the output.
    pub fn view_call(
        &mut self,
        call: &'static str,
        to: Address,
        data: Bytes,
    ) -> Result<Bytes, CallError> {
        let tx = call_tx(OWNER, to, U256::ZERO, data);
        let result = if self.evm.inspector.coverage.enabled() {
            self.evm.inspector.calls.clear();
            self.evm.inspector.coverage.reset_frames();
            self.evm.inspect_tx(tx)
        } else {
            self.evm.transact(tx)
        };
        match result {
            Ok(out) => match out.result {
                ExecutionResult::Success { output, .. } => Ok(output.into_data()),
                ExecutionResult::Revert { output, .. } => {
                    Err(CallError::Reverted { call, data: output })
                }
                ExecutionResult::Halt { reason, .. } => {
                    Err(CallError::Halted { call, reason: format!("{reason:?}") })
                }
            },
            Err(e) => Err(CallError::Evm { call, message: e.to_string() }),
        }
    }

    /// Calls `to` with the typed `call` without committing anything and decodes its return; a
    /// return that does not decode is [`CallError::BadReturn`] quoting the bytes.
    pub fn view_sol<C: SolCall>(
        &mut self,
        name: &'static str,
        to: Address,
        call: C,
    ) -> Result<C::Return, CallError> {
        let out = self.view_call(name, to, call.abi_encode().into())?;
        C::abi_decode_returns(&out).map_err(|e| CallError::BadReturn {
            call: name,
            data: out.clone(),
            problem: e.to_string(),
        })
    }

    /// The raw `sessionState(account, key)` view of the module, read without committing.
    pub fn session_view(
        &mut self,
        key: Address,
    ) -> Result<ISessionManager::SessionView, CallError> {
        let to = self.addresses.module;
        self.view_sol(
            "sessionState",
            to,
            ISessionManager::sessionStateCall { account: self.addresses.account, key },
        )
    }

    /// The status and counters of the account's session of `key`, as the model holds them;
    /// `None` when the key has no session.
    pub fn session_state(&mut self, key: Address) -> Result<Option<(Status, Counters)>, CallError> {
        let view = self.session_view(key)?;
        Ok(decode_session_view(&view)?)
    }

    /// The account's LeashToken balance.
    pub fn token_balance(&mut self, holder: Address) -> Result<U256, CallError> {
        let to = self.addresses.token;
        self.view_sol("balanceOf", to, ILeashToken::balanceOfCall { account: holder })
    }

    /// The native balance of `address`.
    pub fn native_balance(&mut self, address: Address) -> U256 {
        self.evm.ctx.db_mut().load_account(address).map(|a| a.info.balance).unwrap_or_default()
    }

    /// The recorder, as the last inspected transaction left it.
    pub fn recorder(&self) -> &CallRecorder {
        &self.evm.inspector.calls
    }

    /// The module branches op `op`'s validation took in the last bundle (the last few, in
    /// order); empty with coverage off or for an op the EntryPoint refused.
    pub fn validation_path(&self, op: usize) -> &[super::coverage::CodeBranch] {
        self.evm.inspector.op_paths.get(op).map_or(&[], Vec::as_slice)
    }

    /// The coverage recorder (off until enabled; it watches the module and the account).
    pub fn coverage(&self) -> &Coverage {
        &self.evm.inspector.coverage
    }

    /// The coverage recorder, to enable it, watch more code, or harvest it.
    pub fn coverage_mut(&mut self) -> &mut Coverage {
        &mut self.evm.inspector.coverage
    }

    /// Runs a lifecycle transaction committed: inspected when coverage is on, so the module's
    /// management code counts too.
    fn commit_covered(
        &mut self,
        tx: TxEnv,
    ) -> Result<ExecutionResult, revm::context::result::EVMError<core::convert::Infallible>> {
        if self.evm.inspector.coverage.enabled() {
            self.evm.inspector.calls.clear();
            self.evm.inspector.coverage.reset_frames();
            self.evm.inspect_tx_commit(tx)
        } else {
            self.evm.transact_commit(tx)
        }
    }

    /// Runs `tx` committed, with the recorder armed if `inspect`.
    pub(super) fn commit_tx(
        &mut self,
        tx: TxEnv,
        inspect: bool,
    ) -> Result<ExecutionResult, String> {
        let result = if inspect {
            self.evm.inspector.calls.arm_proxy(
                self.addresses.account,
                self.addresses.entry_point,
                self.implementation,
            );
            self.evm.inspector.coverage.reset_frames();
            self.evm.inspect_tx_commit(tx)
        } else {
            self.evm.transact_commit(tx)
        };
        result.map_err(|e| e.to_string())
    }
}

/// A plain call transaction with a generous gas limit and zero gas price.
pub(super) fn call_tx(caller: Address, to: Address, value: U256, data: Bytes) -> TxEnv {
    TxEnv {
        caller,
        kind: TxKind::Call(to),
        value,
        data,
        gas_limit: 100_000_000,
        chain_id: Some(CHAIN_ID),
        ..TxEnv::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::SolError;

    #[test]
    fn balance_constants_are_what_they_say() {
        assert_eq!(
            ACCOUNT_NATIVE_BALANCE,
            U256::from(1000u64) * U256::from(10u64).pow(U256::from(18))
        );
        assert_eq!(ACCOUNT_TOKEN_BALANCE, U256::from(10u64).pow(U256::from(27)));
    }

    #[test]
    fn module_errors_decode() {
        let data: Bytes = ISessionManager::InvalidPolicy { code: 6 }.abi_encode().into();
        let key = Address::repeat_byte(7);
        assert_eq!(World::module_error("x", key, data), CallError::InvalidPolicy { code: 6 });
        let data: Bytes = ISessionManager::UnknownSession { key }.abi_encode().into();
        assert_eq!(
            World::module_error("x", key, data),
            CallError::UnknownSession { key, reported: key }
        );
        let junk = Bytes::from_static(&[1, 2, 3]);
        assert_eq!(
            World::module_error("x", key, junk.clone()),
            CallError::Reverted { call: "x", data: junk }
        );
    }
}
