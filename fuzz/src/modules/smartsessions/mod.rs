//! The adapter of Rhinestone/Biconomy **SmartSessions** (`erc7579/smartsessions`), an ERC-7579
//! validator module whose sessions are permission ids with policies.
//!
//! Two builds run behind it ([`Build`]):
//!
//! * **modulekit**: the SmartSession runtime code inside `@rhinestone/modulekit@0.5.9` (npm,
//!   October 2024, before the fixes for Renascence v2 M-1 and M-2), loaded from `node_modules`
//!   at run time and etched at the module's address, with leash's own MIT policies
//!   (`reference-contracts/src/smartsessions/`), a stub ERC-7484 registry, the old `Session`
//!   layout and FastLZ-compressed USE signatures ([`flz`]);
//! * **artifacts**: any build the user supplies as Foundry-layout artifacts (`SmartSession`,
//!   `SudoPolicy`, `UniActionPolicy`, `ValueLimitPolicy`, `UsageLimitPolicy`,
//!   `TimeFramePolicy`, `ERC20SpendingLimitPolicy`), with the current layout.
//!
//! Either way the session validator is leash's `LeashSessionValidator` (spec §1.4 exactly).
//! A leash policy becomes a session as [`translate`] describes; each install uses a fresh salt,
//! so a reinstall gets a fresh permission id and clean policy state (spec §2.1).

pub mod abi;
mod artifacts;
mod flz;
pub mod known;
pub(crate) mod translate;

use alloy_primitives::{Address, B256, Bytes, U256, address, keccak256};
use alloy_sol_types::{SolCall, SolInterface, SolValue};
use leash_model::bounds::{MAX_PERMISSIONS, MAX_RULES};
use leash_model::{Counters, Policy, SemanticProfile, Status};

pub use artifacts::{Build, BuildError, Core, Flavour, MODULEKIT_VERSION, modulekit_dir};
pub(crate) use artifacts::{hex_constant, modulekit_package, read_source};
use translate::{Context, Plan, PolicyKind};

use super::hosts::Host;
use super::{ModuleState, Observed, SessionIdentity, SessionModule, Translation};
use crate::evm::{CallError, EvmDenial, World, WorldError};

/// What SmartSessions can express of `policy`, for a session of `account` with the module at
/// `module` (the effective policy and the intent gaps), without deploying anything.
pub fn translate(policy: &Policy, account: Address, module: Address) -> Translation {
    translate::plan(policy, Context { account, module }).translation
}

/// The ERC-7484 registry the modulekit build consults while enabling sessions; the harness
/// etches a contract that accepts everything there.
pub const REGISTRY: Address = address!("0x000000000069E2a187AEFFb852bF3cCdC95151B2");

/// Where a SmartSessions world has its contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contracts {
    /// SmartSession.
    pub module: Address,
    /// The account it validates for.
    pub account: Address,
    /// `LeashSessionValidator`.
    pub validator: Address,
    /// The policies, in the order of [`PolicyKind::ALL`].
    pub policies: [Address; 6],
}

impl Contracts {
    fn policy(&self, kind: PolicyKind) -> Address {
        self.policies[PolicyKind::ALL.iter().position(|k| *k == kind).expect("listed")]
    }

    fn kind_of(&self, policy: Address) -> Option<PolicyKind> {
        self.policies.iter().position(|p| *p == policy).map(|i| PolicyKind::ALL[i])
    }
}

/// Deploys `build`'s contracts into `world` (after the base contracts): the session validator,
/// the policies, and for the modulekit build the registry stub.
pub(crate) fn deploy_extras(world: &mut World, build: &Build) -> Result<Contracts, WorldError> {
    if build.flavour == Flavour::Modulekit {
        // `STOP`: every call succeeds and returns nothing, which is what the registry's
        // `checkForAccount` does for an attested module.
        world.etch(REGISTRY, Bytes::from_static(&[0x00]));
    }
    let validator = world.deploy("LeashSessionValidator", &build.validator, &[])?;
    let mut policies = [Address::ZERO; 6];
    for ((slot, kind), artifact) in policies.iter_mut().zip(PolicyKind::ALL).zip(&build.policies) {
        *slot = world.deploy(kind.contract(), artifact, &[])?;
    }
    let addresses = world.addresses();
    Ok(Contracts { module: addresses.module, account: addresses.account, validator, policies })
}

/// One session the adapter installed.
#[derive(Clone, Debug)]
struct Installed {
    permission_id: B256,
    plan: Plan,
    revoked: bool,
}

/// The SmartSessions adapter.
#[derive(Clone, Debug)]
pub struct SmartSessionsModule {
    flavour: Flavour,
    host: Host,
    contracts: Contracts,
    /// Sessions by key, in the order the keys were first installed.
    sessions: Vec<(Address, Installed)>,
    installs: u64,
}

impl SmartSessionsModule {
    /// The adapter for a world on `host` whose contracts are at `contracts`.
    pub fn new(flavour: Flavour, host: Host, contracts: Contracts) -> Self {
        Self { flavour, host, contracts, sessions: Vec::new(), installs: 0 }
    }

    fn context(&self) -> Context {
        Context { account: self.contracts.account, module: self.contracts.module }
    }

    fn session(&self, key: Address) -> Option<&Installed> {
        self.sessions.iter().find(|(k, _)| *k == key).map(|(_, s)| s)
    }

    /// The permission id an op signed by `signer` names: its session's, or (for a signer
    /// without one, or a malformed signature) the first session's: a stranger presenting someone
    /// else's permission with its own signature.
    fn permission_for(&self, signer: Option<Address>) -> B256 {
        signer
            .and_then(|s| self.session(s))
            .or_else(|| self.sessions.first().map(|(_, s)| s))
            .map_or(B256::ZERO, |s| s.permission_id)
    }

    /// `keccak256(abi.encode(sessionValidator, sessionValidatorInitData, salt))`.
    fn permission_id(&self, key: Address, salt: B256) -> B256 {
        keccak256(
            (self.contracts.validator, Bytes::copy_from_slice(key.as_slice()), salt)
                .abi_encode_params(),
        )
    }

    /// `enableSessions([session])` calldata for `key`'s session configured by `plan`.
    fn enable_call(&self, key: Address, salt: B256, plan: &Plan) -> Vec<u8> {
        let init = Bytes::copy_from_slice(key.as_slice());
        macro_rules! session_layout {
            ($layout:ident { $($extra:tt)* }) => {{
                use abi::$layout as l;
                let policy = |p: &translate::PlannedPolicy| l::PolicyData {
                    policy: self.contracts.policy(p.kind),
                    initData: p.init.clone().into(),
                };
                l::enableSessionsCall {
                    sessions: vec![l::Session {
                        sessionValidator: self.contracts.validator,
                        sessionValidatorInitData: init,
                        salt,
                        userOpPolicies: plan.user_op.iter().map(policy).collect(),
                        erc7739Policies: l::ERC7739Data::default(),
                        actions: plan
                            .actions
                            .iter()
                            .map(|a| l::ActionData {
                                actionTargetSelector: a.selector.into(),
                                actionTarget: a.target,
                                actionPolicies: a.policies.iter().map(policy).collect(),
                            })
                            .collect(),
                        $($extra)*
                    }],
                }
                .abi_encode()
            }};
        }
        match self.flavour {
            Flavour::Modulekit => session_layout!(modulekit {}),
            Flavour::Current => session_layout!(current { permitERC4337Paymaster: false }),
        }
    }

    fn remove(&self, world: &mut World, permission_id: B256) -> Result<(), CallError> {
        let data = abi::ISmartSessionCommon::removeSessionCall { permissionId: permission_id }
            .abi_encode();
        world.owner_execute("removeSession", self.contracts.module, &data).map(|_| ())
    }

    /// `keccak256(abi.encodePacked(account, permissionId))`: the userOp policies' config id.
    fn user_op_config(&self, permission_id: B256) -> B256 {
        let mut packed = self.contracts.account.to_vec();
        packed.extend_from_slice(permission_id.as_slice());
        keccak256(packed)
    }

    /// `keccak256(abi.encodePacked(account, keccak256(abi.encodePacked(permissionId,
    /// keccak256(abi.encodePacked(target, selector))))))`: an action's config id.
    fn action_config(&self, permission_id: B256, target: Address, selector: [u8; 4]) -> B256 {
        let mut action = target.to_vec();
        action.extend_from_slice(&selector);
        let mut policy = permission_id.to_vec();
        policy.extend_from_slice(keccak256(action).as_slice());
        let mut packed = self.contracts.account.to_vec();
        packed.extend_from_slice(keccak256(policy).as_slice());
        keccak256(packed)
    }

    /// The counters the session's policies hold, in the model's terms.
    fn read_counters(
        &self,
        world: &mut World,
        installed: &Installed,
    ) -> Result<(Counters, Observed), CallError> {
        let mut counters = Counters::default();
        let mut observed = Observed::NONE;
        let pid = installed.permission_id;
        let module = self.contracts.module;
        let account = self.contracts.account;
        let plan = &installed.plan;
        if plan.has_user_op(PolicyKind::UsageLimit) {
            let id = self.user_op_config(pid);
            let call = abi::IUsageLimitPolicy::getUsedCall { id, multiplexer: module, account };
            let used = world.view_sol(
                "UsageLimitPolicy.getUsed",
                self.contracts.policy(PolicyKind::UsageLimit),
                call,
            )?;
            counters.calls = u64::try_from(used).unwrap_or(u64::MAX);
            observed.calls = true;
        }
        if plan.has_user_op(PolicyKind::ValueLimit) {
            let id = self.user_op_config(pid);
            let call = abi::IValueLimitPolicy::getUsedCall { id, multiplexer: module, account };
            counters.native_spent = world.view_sol(
                "ValueLimitPolicy.getUsed",
                self.contracts.policy(PolicyKind::ValueLimit),
                call,
            )?;
            observed.native = true;
        }
        for action in &plan.actions {
            let id = self.action_config(pid, action.target, action.selector);
            let p = action.permission;
            if p >= MAX_PERMISSIONS {
                continue;
            }
            if let Some(token) = action.token {
                let call = abi::IERC20SpendingLimitPolicy::getPolicyDataCall {
                    id,
                    multiplexer: module,
                    token,
                    account,
                };
                let data = world.view_sol(
                    "ERC20SpendingLimitPolicy.getPolicyData",
                    self.contracts.policy(PolicyKind::Erc20SpendingLimit),
                    call,
                )?;
                counters.action_token_spent[p] =
                    data.alreadySpent.saturating_add(data.approvedAmount);
                observed.action_tokens[p] = true;
            }
            let rules = &plan.translation.effective.permissions[p].rules;
            if rules.iter().any(|r| r.limit.is_some()) {
                let call =
                    abi::IUniActionPolicy::actionConfigsCall { id, multiplexer: module, account };
                let config = world.view_sol(
                    "UniActionPolicy.actionConfigs",
                    self.contracts.policy(PolicyKind::UniAction),
                    call,
                )?;
                for (k, rule) in rules.iter().enumerate().take(MAX_RULES) {
                    if rule.limit.is_some() {
                        let slot = action.rule_slots[k];
                        counters.rule_used[p][k] = config.paramRules.rules[slot].usage.used;
                        observed.rules[p][k] = true;
                    }
                }
            }
        }
        Ok((counters, observed))
    }
}

impl SessionModule for SmartSessionsModule {
    fn kind(&self) -> &'static str {
        "smartsessions"
    }

    fn profile(&self) -> SemanticProfile {
        self.flavour.profile()
    }

    fn translate(&self, policy: &Policy) -> Translation {
        translate::plan(policy, self.context()).translation
    }

    fn reset(&mut self) {
        self.sessions.clear();
        self.installs = 0;
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
            // spec §2.1: nothing of the earlier session survives; a fresh salt gives a fresh id.
            let pid = earlier.permission_id;
            self.remove(world, pid)?;
            if let Some((_, s)) = self.sessions.iter_mut().find(|(k, _)| *k == key) {
                s.revoked = true;
            }
        }
        self.installs += 1;
        let salt = B256::from(U256::from(self.installs));
        let plan = translate::plan(policy, self.context());
        let data = self.enable_call(key, salt, &plan);
        world.owner_execute("enableSessions", self.contracts.module, &data)?;
        let installed =
            Installed { permission_id: self.permission_id(key, salt), plan, revoked: false };
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
            let pid = installed.permission_id;
            self.remove(world, pid)?;
            if let Some((_, s)) = self.sessions.iter_mut().find(|(k, _)| *k == key) {
                s.revoked = true;
            }
        }
        Ok(())
    }

    fn nonce(&self, lane: u64) -> U256 {
        self.host.nonce(lane, self.contracts.module)
    }

    fn wrap_signature(&self, signer: Option<Address>, ecdsa_and_tail: &[u8]) -> Bytes {
        let mut out = vec![0x00]; // SmartSessionMode.USE
        out.extend_from_slice(self.permission_for(signer).as_slice());
        match self.flavour {
            Flavour::Current => out.extend_from_slice(ecdsa_and_tail),
            Flavour::Modulekit => {
                let encoded = Bytes::copy_from_slice(ecdsa_and_tail).abi_encode();
                out.extend_from_slice(&flz::compress(&encoded));
            }
        }
        out.into()
    }

    fn session_identity(&self) -> SessionIdentity {
        // The signature names a permission id; its session validator checks the ECDSA signature
        // against that session's own key.
        SessionIdentity::NamedInSignature
    }

    fn named_session(&self, signer: Option<Address>) -> Option<Address> {
        // `permission_for`: a signer without a session names the first session installed.
        signer
            .filter(|s| self.session(*s).is_some())
            .or_else(|| self.sessions.first().map(|(key, _)| *key))
    }

    fn session_state(
        &mut self,
        world: &mut World,
        key: Address,
    ) -> Option<Result<Option<ModuleState>, CallError>> {
        let Some(installed) = self.session(key).cloned() else {
            return Some(Ok(None));
        };
        let call = abi::ISmartSessionCommon::isPermissionEnabledCall {
            permissionId: installed.permission_id,
            account: self.contracts.account,
        };
        let state = world.view_sol("isPermissionEnabled", self.contracts.module, call).and_then(
            |enabled| {
                let (counters, observed) = self.read_counters(world, &installed)?;
                let status = if enabled { Status::Active } else { Status::Revoked };
                Ok(Some(ModuleState { status, counters, observed }))
            },
        );
        Some(state)
    }

    fn describe_denial(&self, denial: &EvmDenial) -> Option<String> {
        let EvmDenial::Other { reason, data } = denial else {
            return None;
        };
        use abi::ISmartSessionCommon::ISmartSessionCommonErrors as E;
        let what = match E::abi_decode(data).ok()? {
            E::InvalidPermissionId(_) => "InvalidPermissionId: no enabled session (spec §2.3)".to_owned(),
            E::NoPoliciesSet(_) => "NoPoliciesSet: no action for this target and selector (spec §5.3)".to_owned(),
            E::PolicyViolation(e) => match self.contracts.kind_of(e.policy) {
                Some(kind) => format!("PolicyViolation by {} ({})", kind.contract(), policy_clause(kind)),
                None => format!("PolicyViolation by {}", e.policy),
            },
            E::PolicyCheckReverted(_) => "PolicyCheckReverted: a policy reverted (a per-call value cap, spec §7.2, or a rule reading past the calldata, §P10)".to_owned(),
            E::InvalidSelfCall(_) => "InvalidSelfCall (spec §P7.1)".to_owned(),
            E::InvalidTarget(_) => "InvalidTarget (spec §P9, §P7.2)".to_owned(),
            E::UnsupportedCallType(_) | E::UnsupportedExecutionType(_) => "an unsupported call or exec type (spec §3.3)".to_owned(),
            E::NoExecutionsInBatch(_) => "NoExecutionsInBatch (spec §3.6.3)".to_owned(),
            E::DecodingError(_) => "DecodingError: callData does not decode (spec §P4)".to_owned(),
            other => format!("{other:?}"),
        };
        Some(format!("{reason}: {what}"))
    }

    fn reports_spec_codes(&self) -> bool {
        false
    }

    fn module_functions(&self) -> &'static [&'static str] {
        &["removeSession(bytes32)", "revokeEnableSignature(bytes32)"]
    }
}

/// The clause a policy's violation stands for.
fn policy_clause(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Sudo => "never fails",
        PolicyKind::UniAction => "an argument rule, spec §6.3 or §6.4",
        PolicyKind::ValueLimit => "the native total, spec §7.3",
        PolicyKind::UsageLimit => "the usage limit, spec §10",
        PolicyKind::TimeFrame => "the window, spec §11",
        PolicyKind::Erc20SpendingLimit => "an ERC-20 cap, spec §8",
    }
}
