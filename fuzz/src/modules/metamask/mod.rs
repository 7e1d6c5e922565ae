//! The adapter of MetaMask's **Delegation Framework** (`MetaMask/delegation-framework` v1.3.0, as
//! `@metamask/delegation-abis@2.0.0` ships it): a session is a delegation the account signs to
//! the session key, with caveat enforcers as its policy, redeemed by the session key itself.
//!
//! * **Frame** ([`Frame::Redeem`]): no EntryPoint validates anything. The session key (the
//!   delegate) sends `DelegationManager.redeemDelegations([abi.encode([delegation])], [mode],
//!   [execution])`; the manager checks the delegation's signature (ERC-1271 through the
//!   DeleGator) and that it is not disabled, runs the caveats' hooks around the delegator's
//!   `executeFromExecutor(mode, execution)`, and any refusal reverts the whole transaction, its
//!   counters included (§P3). The recorder watches the manager's call into the account.
//! * **Account**: a DeleGator from the package, [`Delegator::MultiSig`] (`MultiSigDeleGator`
//!   behind an `ERC1967Proxy`, one signer, threshold 1) or [`Delegator::Eip7702`] (an EOA that
//!   an EIP-7702 authorization, signed by its key and sent in a type-4 transaction, delegates
//!   to `EIP7702StatelessDeleGator`). Either way the owner is [`account_key`].
//! * **Install** signs a delegation (nothing goes on chain) with a fresh salt, so a reinstall is a
//!   new delegation hash with clean counters (spec §2.1); the earlier delegation is disabled
//!   first. It signs over the manager's EIP-712 domain on the chain the world is on, so the
//!   delegation redeems on that chain only (spec §P3). **Revoke** is the DeleGator's `disableDelegation`, sent through the account: a
//!   UserOperation the owner signs for the MultiSig account, the EOA's own transaction for the
//!   EIP-7702 one.
//! * **Policy**: [`translate`] (caveat groups in a `LogicalOrWrapperEnforcer`, then
//!   `LimitedCalls` and `Timestamp`), judged under [`SemanticProfile::METAMASK`] with the
//!   exclusive window of `TimestampEnforcer`.
//! * **Counters** read back: `LimitedCallsEnforcer.callCounts`, the transfer-amount enforcers'
//!   `spentMap` (keyed by the wrapper for caveats inside it), the period enforcers'
//!   `periodicAllowances` as period counters, the streaming enforcers' `spent` (checked against
//!   `spentMap`), and the manager's `disabledDelegations`.
//! * **Refusals** map to spec clauses by their revert strings ([`errors`]).

pub mod abi;
mod errors;
pub mod known;
mod package;
pub(crate) mod translate;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolValue};
use leash_model::{Counters, DenyReason, Policy, SemanticProfile, Status, WindowPredicate};

pub use package::{FRAMEWORK_VERSION, PACKAGE, PACKAGE_VERSION, Package, PackageError};
use translate::{Context, Enforcer, Plan};

use super::{Frame, ModuleState, Observed, Redemption, SessionModule, Translation};
use crate::evm::keys::account_key;
use crate::evm::redeem::TxOpError;
use crate::evm::userop::unsigned_op;
use crate::evm::world::DEPLOYER;
use crate::evm::{CallError, EvmDenial, OpEntry, OpOutcome, Recording, World, WorldError};

/// Which DeleGator is the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delegator {
    /// `MultiSigDeleGator` behind an `ERC1967Proxy`, with one signer and threshold 1.
    MultiSig,
    /// An EOA delegated to `EIP7702StatelessDeleGator` by a real EIP-7702 authorization.
    Eip7702,
}

impl Delegator {
    /// Both, in the order reports list them.
    pub const ALL: [Self; 2] = [Self::MultiSig, Self::Eip7702];

    /// Its name in target labels and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::MultiSig => "multisig",
            Self::Eip7702 => "eip7702",
        }
    }

    /// The delegator a name names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The contract the account runs.
    pub(crate) fn contract(self) -> &'static str {
        match self {
            Self::MultiSig => "MultiSigDeleGator",
            Self::Eip7702 => "EIP7702StatelessDeleGator",
        }
    }

    /// Where the account is in a world built for this delegator: the proxy the deployer creates
    /// after the enforcers, or the EOA of [`account_key`].
    pub fn account(self) -> Address {
        match self {
            // Nonces 0 to 5 deploy the base world, 6 and 7 fund the implementation.
            Self::MultiSig => DEPLOYER.create(8 + Enforcer::ALL.len() as u64),
            Self::Eip7702 => account_key().address(),
        }
    }
}

/// A period enforcer's state for `hash` (keyed by `sender`) as the model's period counter:
/// nothing before its first use, then the start of the period of its last transfer and what
/// that period moved.
fn read_period(
    world: &mut World,
    enforcer: Address,
    sender: Address,
    hash: B256,
) -> Result<leash_model::PeriodSpend, CallError> {
    let call = abi::periodicAllowancesCall { delegationManager: sender, delegationHash: hash };
    let state = world.view_sol("periodicAllowances", enforcer, call)?;
    if state.lastTransferPeriod.is_zero() {
        return Ok(leash_model::PeriodSpend::default());
    }
    let start = (state.lastTransferPeriod - U256::from(1))
        .checked_mul(state.periodDuration)
        .and_then(|offset| offset.checked_add(state.startDate))
        .and_then(|start| u64::try_from(start).ok());
    let Some(start) = start else {
        return Err(CallError::BadReturn {
            call: "periodicAllowances",
            data: Bytes::new(),
            problem: format!(
                "period {} of {} s from {} does not start at a 64-bit time",
                state.lastTransferPeriod, state.periodDuration, state.startDate
            ),
        });
    };
    Ok(leash_model::PeriodSpend { start, spent: state.transferredInCurrentPeriod })
}

/// `ROOT_AUTHORITY`: a delegation whose delegator is the authority.
pub const ROOT_AUTHORITY: B256 = B256::repeat_byte(0xff);

/// What the Delegation Framework can express of `policy` for the account at `account` with the
/// DelegationManager at `manager` (the effective policy and the intent gaps), without deploying
/// anything.
pub fn translate(policy: &Policy, account: Address, manager: Address) -> Translation {
    translate::plan(policy, Context { account, manager }).translation
}

/// Where a MetaMask world has its contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contracts {
    /// DelegationManager (the world's module).
    pub manager: Address,
    /// The DeleGator account.
    pub account: Address,
    /// The DeleGator implementation (the proxy's, or the one the EOA delegates to).
    pub implementation: Address,
    /// The enforcers, in the order of [`Enforcer::ALL`].
    pub enforcers: [Address; Enforcer::ALL.len()],
    /// The manager's EIP-712 domain separator on the chain the world was deployed on (install
    /// signs over the one of the chain the world is on then).
    pub domain: B256,
}

impl Contracts {
    fn enforcer(&self, enforcer: Enforcer) -> Address {
        self.enforcers[Enforcer::ALL.iter().position(|e| *e == enforcer).expect("listed")]
    }
}

/// Deploys the enforcers and the account into `world` (the manager and the DeleGator
/// implementation are at the deployer's nonces 1 and 2), and funds the account.
pub(crate) fn deploy_extras(
    world: &mut World,
    package: &Package,
    delegator: Delegator,
) -> Result<Contracts, WorldError> {
    let manager = world.addresses().module;
    let implementation = world.addresses().account;
    let mut enforcers = [Address::ZERO; Enforcer::ALL.len()];
    for (slot, enforcer) in enforcers.iter_mut().zip(Enforcer::ALL) {
        let args =
            if enforcer == Enforcer::LogicalOrWrapper { manager.abi_encode() } else { Vec::new() };
        *slot = world.deploy(enforcer.contract(), package.artifact(enforcer.contract()), &args)?;
    }
    let account = match delegator {
        Delegator::MultiSig => {
            let init = abi::IMultiSigDeleGator::initializeCall {
                signers: vec![account_key().address()],
                threshold: U256::from(1),
            }
            .abi_encode();
            let args = (implementation, Bytes::from(init)).abi_encode_params();
            let proxy = world.deploy("ERC1967Proxy", package.artifact("ERC1967Proxy"), &args)?;
            world.set_proxy_account(proxy, None);
            proxy
        }
        Delegator::Eip7702 => {
            world.delegate_eoa(account_key(), implementation, DEPLOYER)?;
            world.set_eoa_account(account_key().address());
            account_key().address()
        }
    };
    world.fund(account)?;
    let domain = manager_domain(world, manager).map_err(|e| WorldError::Setup {
        step: "read the DelegationManager's domain separator",
        outcome: e.to_string(),
    })?;
    Ok(Contracts { manager, account, implementation, enforcers, domain })
}

/// The manager's EIP-712 domain separator on the chain the world is on now: OpenZeppelin's
/// `EIP712` rebuilds it when `block.chainid` differs from the deployment's, so a delegation
/// signed over it binds the chain it was signed on (spec §1.4.1).
fn manager_domain(world: &mut World, manager: Address) -> Result<B256, CallError> {
    let call = "getDomainHash";
    let data = abi::IDelegationManager::getDomainHashCall {}.abi_encode();
    let out = world.view_call(call, manager, data.into())?;
    B256::try_from(out.as_ref()).map_err(|e| CallError::BadReturn {
        call,
        data: out.clone(),
        problem: e.to_string(),
    })
}

/// `keccak256("Caveat(address enforcer,bytes terms)")`.
fn caveat_typehash() -> B256 {
    keccak256("Caveat(address enforcer,bytes terms)")
}

/// `EncoderLib._getDelegationHash`: the EIP-712 struct hash of a delegation (its caveats' args
/// and its signature are not covered).
pub fn delegation_hash(d: &abi::Delegation) -> B256 {
    let typehash = keccak256(
        "Delegation(address delegate,address delegator,bytes32 authority,Caveat[] caveats,uint256 \
         salt)Caveat(address enforcer,bytes terms)",
    );
    let mut packed = Vec::with_capacity(32 * d.caveats.len());
    for c in &d.caveats {
        let hash = keccak256((caveat_typehash(), c.enforcer, keccak256(&c.terms)).abi_encode());
        packed.extend_from_slice(hash.as_slice());
    }
    let caveats = keccak256(packed);
    keccak256((typehash, d.delegate, d.delegator, d.authority, caveats, d.salt).abi_encode())
}

/// `keccak256(0x1901 ‖ domain ‖ struct_hash)`.
fn typed_hash(domain: B256, struct_hash: B256) -> B256 {
    let mut digest = [0u8; 66];
    digest[..2].copy_from_slice(&[0x19, 0x01]);
    digest[2..34].copy_from_slice(domain.as_slice());
    digest[34..].copy_from_slice(struct_hash.as_slice());
    keccak256(digest)
}

/// One delegation the adapter signed.
#[derive(Clone, Debug)]
struct Installed {
    /// Signed, with empty caveat args.
    delegation: abi::Delegation,
    hash: B256,
    plan: Plan,
    revoked: bool,
}

/// The MetaMask adapter.
#[derive(Clone, Debug)]
pub struct MetaMaskModule {
    delegator: Delegator,
    contracts: Contracts,
    /// Delegations by key, in the order the keys were first installed.
    sessions: Vec<(Address, Installed)>,
    installs: u64,
    /// EntryPoint nonce lanes the owner's UserOperations used.
    lanes: u64,
}

impl MetaMaskModule {
    /// The adapter for a world whose contracts are at `contracts`.
    pub fn new(delegator: Delegator, contracts: Contracts) -> Self {
        Self { delegator, contracts, sessions: Vec::new(), installs: 0, lanes: 0 }
    }

    fn context(&self) -> Context {
        Context { account: self.contracts.account, manager: self.contracts.manager }
    }

    fn session(&self, key: Address) -> Option<&Installed> {
        self.sessions.iter().find(|(k, _)| *k == key).map(|(_, s)| s)
    }

    fn mark_revoked(&mut self, key: Address) {
        if let Some((_, s)) = self.sessions.iter_mut().find(|(k, _)| *k == key) {
            s.revoked = true;
        }
    }

    /// The caveats of a delegation configured by `plan`, with empty args.
    fn caveats(&self, plan: &Plan) -> Vec<abi::Caveat> {
        let caveat = |c: &translate::PlannedCaveat| abi::Caveat {
            enforcer: self.contracts.enforcer(c.enforcer),
            terms: c.terms.clone().into(),
            args: Bytes::new(),
        };
        let mut out: Vec<abi::Caveat> = if plan.wrapped() {
            let groups: Vec<abi::CaveatGroup> = plan
                .groups
                .iter()
                .map(|g| abi::CaveatGroup { caveats: g.caveats.iter().map(caveat).collect() })
                .collect();
            vec![abi::Caveat {
                enforcer: self.contracts.enforcer(Enforcer::LogicalOrWrapper),
                terms: groups.abi_encode().into(),
                args: Bytes::new(),
            }]
        } else {
            match plan.groups.first() {
                Some(group) => group.caveats.iter().map(caveat).collect(),
                None => translate::nothing_allowed().iter().map(caveat).collect(),
            }
        };
        out.extend(plan.shared.iter().map(caveat));
        out
    }

    /// Disables `delegation` through the account (spec §2.2): a UserOperation the owner signs
    /// for the MultiSig account (its `disableDelegation` is for the EntryPoint or itself), the
    /// EOA's own transaction for the EIP-7702 account.
    fn disable(
        &mut self,
        world: &mut World,
        delegation: &abi::Delegation,
    ) -> Result<(), CallError> {
        let call = "disableDelegation";
        let data =
            abi::IDeleGator::disableDelegationCall { delegation: delegation.clone() }.abi_encode();
        let account = self.contracts.account;
        match self.delegator {
            Delegator::Eip7702 => {
                world.transact_call(call, account, account, U256::ZERO, data).map(|_| ())
            }
            Delegator::MultiSig => {
                self.lanes += 1;
                let mut op = unsigned_op(account, self.lanes, data.into());
                let typed = abi::IDeleGator::getPackedUserOperationTypedDataHashCall {
                    userOp: abi::UserOperation {
                        sender: op.sender,
                        nonce: op.nonce,
                        initCode: op.initCode.clone(),
                        callData: op.callData.clone(),
                        accountGasLimits: op.accountGasLimits,
                        preVerificationGas: op.preVerificationGas,
                        gasFees: op.gasFees,
                        paymasterAndData: op.paymasterAndData.clone(),
                        signature: Bytes::new(),
                    },
                };
                let out = world.view_call(call, account, typed.abi_encode().into())?;
                let hash = B256::try_from(out.as_ref()).map_err(|e| CallError::BadReturn {
                    call,
                    data: out.clone(),
                    problem: e.to_string(),
                })?;
                op.signature = account_key().sign_hash(hash).to_vec().into();
                let now = world.timestamp();
                let outcome = world
                    .run_bundle_with(now, &[op], Recording::Off)
                    .map_err(|e| CallError::Evm { call, message: e.to_string() })?;
                match outcome.into_iter().next() {
                    Some(OpOutcome::Executed { success: true, .. }) => Ok(()),
                    Some(OpOutcome::Executed { revert_reason, .. }) => {
                        Err(CallError::Reverted { call, data: revert_reason.unwrap_or_default() })
                    }
                    Some(OpOutcome::Denied(denial)) => Err(CallError::Evm {
                        call,
                        message: format!("the EntryPoint refused the owner's op: {denial:?}"),
                    }),
                    None => Err(CallError::Evm { call, message: "no outcome".into() }),
                }
            }
        }
    }

    /// The counters the delegation's enforcers hold, in the model's terms.
    fn read_counters(
        &self,
        world: &mut World,
        installed: &Installed,
    ) -> Result<(Counters, Observed), CallError> {
        let mut counters = Counters::default();
        let mut observed = Observed::NONE;
        let hash = installed.hash;
        let manager = self.contracts.manager;
        // Caveats inside the wrapper are called by it: it keys their counters.
        let inner = if installed.plan.wrapped() {
            self.contracts.enforcer(Enforcer::LogicalOrWrapper)
        } else {
            manager
        };
        let plan = &installed.plan;
        if plan.uses(Enforcer::LimitedCalls) {
            let call = abi::callCountsCall { delegationManager: manager, delegationHash: hash };
            let used = world.view_sol(
                "callCounts",
                self.contracts.enforcer(Enforcer::LimitedCalls),
                call,
            )?;
            counters.calls = u64::try_from(used).unwrap_or(u64::MAX);
            observed.calls = true;
        }
        if plan.uses(Enforcer::NativeTokenTransferAmount) {
            let call = abi::spentMapCall { sender: inner, delegationHash: hash };
            let to = self.contracts.enforcer(Enforcer::NativeTokenTransferAmount);
            counters.native_spent = world.view_sol("spentMap", to, call)?;
            observed.native = true;
        }
        if plan.uses(Enforcer::Erc20TransferAmount) {
            let call = abi::spentMapCall { sender: inner, delegationHash: hash };
            let to = self.contracts.enforcer(Enforcer::Erc20TransferAmount);
            counters.token_spent[0] = world.view_sol("spentMap", to, call)?;
            observed.tokens[0] = true;
        }
        // A period enforcer's (index, amount) is the model's (period start, amount).
        if plan.uses(Enforcer::NativeTokenPeriodTransfer) {
            let to = self.contracts.enforcer(Enforcer::NativeTokenPeriodTransfer);
            counters.native_period = read_period(world, to, inner, hash)?;
            observed.native_period = true;
        }
        let effective = &plan.translation.effective;
        if let Some(index) = effective.erc20.iter().position(|c| c.periodic.is_some())
            && plan.uses(Enforcer::Erc20PeriodTransfer)
        {
            let to = self.contracts.enforcer(Enforcer::Erc20PeriodTransfer);
            counters.token_period[index] = read_period(world, to, inner, hash)?;
            observed.token_periods[index] = true;
        }
        // A stream's spend is the lifetime counter (§7.5, §8.7): the streaming enforcer's own
        // must be the transfer-amount enforcer's.
        for (stream, lifetime, spent) in [
            (
                Enforcer::NativeTokenStreaming,
                "NativeTokenTransferAmountEnforcer",
                counters.native_spent,
            ),
            (Enforcer::Erc20Streaming, "ERC20TransferAmountEnforcer", counters.token_spent[0]),
        ] {
            if !plan.uses(stream) {
                continue;
            }
            let to = self.contracts.enforcer(stream);
            let call =
                abi::streamingAllowancesCall { delegationManager: inner, delegationHash: hash };
            let state = world.view_sol("streamingAllowances", to, call)?;
            if state.spent != spent {
                return Err(CallError::BadReturn {
                    call: "streamingAllowances",
                    data: Bytes::new(),
                    problem: format!(
                        "{} counts {} spent, {lifetime} {spent}: the stream and the lifetime cap \
                         counted different amounts",
                        stream.contract(),
                        state.spent
                    ),
                });
            }
        }
        Ok((counters, observed))
    }

    /// The caveat group a redemption of `op` uses: the one for its target and selector, and
    /// where an exact and a wildcard group both match, the exact one unless its own caveats
    /// refuse the redemption, as a delegate picking groups would (§P9 `AnyMatching`). A refusal
    /// by the caveats outside the groups (usage, window) or by the manager (signer,
    /// revocation) is the same whichever group is picked.
    fn pick_group(
        &self,
        world: &mut World,
        op: &Redemption<'_>,
        delegation: &mut abi::Delegation,
        plan: &Plan,
    ) -> Result<(), TxOpError> {
        let single = op.mode.0[0] == 0 && op.execution.len() >= 52;
        let candidates = if single {
            let target = Address::from_slice(&op.execution[..20]);
            let data = &op.execution[52..];
            let selector = leash_model::selector_of(data).ok();
            plan.candidates(target, selector)
        } else {
            Vec::new()
        };
        let select = |delegation: &mut abi::Delegation, group: usize| {
            let size = plan.groups.get(group).map_or(0, |g| g.caveats.len());
            delegation.caveats[0].args = abi::SelectedGroup {
                groupIndex: U256::from(group),
                caveatArgs: vec![Bytes::new(); size],
            }
            .abi_encode()
            .into();
        };
        match candidates[..] {
            [first, second, ..] => {
                select(delegation, first);
                let data = self.redeem_call(delegation, op);
                let manager = self.contracts.manager;
                let tried = world.simulate_transaction_op(
                    op.now,
                    op.sender,
                    manager,
                    data,
                    self.entry(),
                )?;
                let refused_by_group = tried.denial().is_some_and(|d| {
                    !self.denial_reasons(d).is_some_and(|reasons| {
                        reasons.iter().all(|r| {
                            matches!(
                                r,
                                DenyReason::NoSession
                                    | DenyReason::Revoked
                                    | DenyReason::UsageLimit
                                    | DenyReason::NotYetValid
                                    | DenyReason::Expired
                            )
                        })
                    })
                });
                if refused_by_group {
                    select(delegation, second);
                }
            }
            [one] => select(delegation, one),
            [] => select(delegation, 0),
        }
        Ok(())
    }

    fn redeem_call(&self, delegation: &abi::Delegation, op: &Redemption<'_>) -> Bytes {
        abi::IDelegationManager::redeemDelegationsCall {
            permissionContexts: vec![vec![delegation.clone()].abi_encode().into()],
            modes: vec![op.mode],
            executionCallDatas: vec![Bytes::copy_from_slice(op.execution)],
        }
        .abi_encode()
        .into()
    }

    /// The manager calling the account's `executeFromExecutor`: where an op's execution runs.
    fn entry(&self) -> OpEntry {
        OpEntry::CallInto {
            caller: self.contracts.manager,
            selector: abi::IDeleGator::executeFromExecutorCall::SELECTOR,
        }
    }
}

impl SessionModule for MetaMaskModule {
    fn kind(&self) -> &'static str {
        "metamask"
    }

    fn profile(&self) -> SemanticProfile {
        SemanticProfile::METAMASK
    }

    fn translate(&self, policy: &Policy) -> Translation {
        translate::plan(policy, self.context()).translation
    }

    fn reset(&mut self) {
        self.sessions.clear();
        self.installs = 0;
        self.lanes = 0;
    }

    fn install(
        &mut self,
        world: &mut World,
        key: Address,
        policy: &Policy,
    ) -> Result<(), CallError> {
        if let Some(earlier) = self.session(key)
            && !earlier.revoked
        {
            // spec §2.1: the earlier delegation must not stay redeemable beside the new one.
            let delegation = earlier.delegation.clone();
            self.disable(world, &delegation)?;
            self.mark_revoked(key);
        }
        self.installs += 1;
        let plan = translate::plan(policy, self.context());
        let mut delegation = abi::Delegation {
            delegate: key,
            delegator: self.contracts.account,
            authority: ROOT_AUTHORITY,
            caveats: self.caveats(&plan),
            salt: U256::from(self.installs),
            signature: Bytes::new(),
        };
        let hash = delegation_hash(&delegation);
        let domain = manager_domain(world, self.contracts.manager)?;
        delegation.signature = account_key().sign_hash(typed_hash(domain, hash)).to_vec().into();
        let installed = Installed { delegation, hash, plan, revoked: false };
        match self.sessions.iter_mut().find(|(k, _)| *k == key) {
            Some((_, s)) => *s = installed,
            None => self.sessions.push((key, installed)),
        }
        Ok(())
    }

    fn revoke(&mut self, world: &mut World, key: Address) -> Result<(), CallError> {
        let Some(installed) = self.session(key) else {
            return Err(CallError::UnknownSession { key, reported: key });
        };
        if !installed.revoked {
            let delegation = installed.delegation.clone();
            self.disable(world, &delegation)?;
            self.mark_revoked(key);
        }
        Ok(())
    }

    fn session_state(
        &mut self,
        world: &mut World,
        key: Address,
    ) -> Option<Result<Option<ModuleState>, CallError>> {
        let Some(installed) = self.session(key).cloned() else {
            return Some(Ok(None));
        };
        let call =
            abi::IDelegationManager::disabledDelegationsCall { delegationHash: installed.hash };
        let state = world.view_sol("disabledDelegations", self.contracts.manager, call).and_then(
            |disabled| {
                let (counters, observed) = self.read_counters(world, &installed)?;
                let status = if disabled { Status::Revoked } else { Status::Active };
                Ok(Some(ModuleState { status, counters, observed }))
            },
        );
        Some(state)
    }

    fn describe_denial(&self, denial: &EvmDenial) -> Option<String> {
        let EvmDenial::Other { data, .. } = denial else {
            return None;
        };
        let (what, reasons) = errors::classify(data)?;
        Some(if reasons.is_empty() {
            format!("{what} (no spec clause: a harness error)")
        } else {
            format!("{what} (spec {})", errors::clauses(reasons))
        })
    }

    fn denial_reasons(&self, denial: &EvmDenial) -> Option<&'static [DenyReason]> {
        let EvmDenial::Other { data, .. } = denial else {
            return None;
        };
        errors::classify(data).map(|(_, reasons)| reasons)
    }

    fn reports_spec_codes(&self) -> bool {
        // The refusals map to clauses (`denial_reasons`): denials for other clauses are findings.
        true
    }

    fn frame(&self) -> Frame {
        Frame::Redeem
    }

    fn window(&self) -> WindowPredicate {
        WindowPredicate::Exclusive
    }

    fn redeem(&mut self, world: &mut World, op: &Redemption<'_>) -> Result<OpOutcome, TxOpError> {
        // The sender's delegation, or (a stranger) the first one: someone else's delegation
        // presented by a key it does not name. With none at all, an unsigned one.
        let installed = self.session(op.sender).or_else(|| self.sessions.first().map(|(_, s)| s));
        let (mut delegation, plan) = match installed {
            Some(i) => (i.delegation.clone(), Some(i.plan.clone())),
            None => (
                abi::Delegation {
                    delegate: op.sender,
                    delegator: self.contracts.account,
                    authority: ROOT_AUTHORITY,
                    caveats: Vec::new(),
                    salt: U256::ZERO,
                    signature: vec![0u8; 65].into(),
                },
                None,
            ),
        };
        if let Some(plan) = plan.as_ref().filter(|p| p.wrapped()) {
            self.pick_group(world, op, &mut delegation, plan)?;
        }
        let data = self.redeem_call(&delegation, op);
        world.run_transaction_op(
            op.now,
            op.sender,
            self.contracts.manager,
            data,
            self.entry(),
            op.recording,
        )
    }
}
