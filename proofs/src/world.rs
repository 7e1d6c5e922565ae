//! The small world the harnesses live in (fixed addresses and selectors), and the generators
//! that build environments, policies, counters and calls from a [`Source`].
//!
//! Generators never constrain: a value is drawn from its whole type with a hint, and a body
//! that needs a property of its inputs (a valid policy, counters within their caps) `assume`s
//! it. Kani therefore sees every policy of the generated *shape* (which permissions exist, how
//! many rules), with every field symbolic; the shapes are listed in `proofs/README.md`.

use alloy_primitives::{Address, U256, address};
use leash_model::bounds::MAX_RATE;
use leash_model::selectors::{APPROVE, INCREASE_ALLOWANCE, TRANSFER, TRANSFER_FROM};
use leash_model::{
    AbiType, ArgRule, BoundedVec, Condition, Counters, Env, Execution, Executions, NativeCap,
    Permission, Policy, RateLimit, Selector, Target, TokenCap, WindowPredicate,
};

use crate::source::Source;

/// The account that owns the sessions.
pub(crate) const ACCOUNT: Address = address!("0x00000000000000000000000000000000000acc01");
/// The session module.
pub(crate) const MODULE: Address = address!("0x000000000000000000000000000000000000d0d1");
/// The session key.
pub(crate) const KEY: Address = address!("0x00000000000000000000000000000000000000b2");
/// A second session key.
pub(crate) const OTHER_KEY: Address = address!("0x00000000000000000000000000000000000000b3");
/// A contract sessions may call.
pub(crate) const GAME: Address = address!("0x0000000000000000000000000000000000009a3e");
/// A capped ERC-20 token.
pub(crate) const TOKEN: Address = address!("0x000000000000000000000000000000000000707e");
/// A third party: a recipient, a spender, someone else's address.
pub(crate) const OTHER: Address = address!("0x00000000000000000000000000000000000000e5");

/// Every address a hint names: the ones sessions may call, and the three §4 forbids.
pub(crate) const TARGETS: [Address; 6] = [GAME, TOKEN, OTHER, ACCOUNT, MODULE, Address::ZERO];

/// The selector of the harnesses' `spend(uint256)`; any four bytes would do.
pub(crate) const SPEND: [u8; 4] = [0x5e, 0x7d, 0x1c, 0x0a];
/// A selector no generated permission names.
pub(crate) const OTHER_SELECTOR: [u8; 4] = [0xde, 0xad, 0xbe, 0xef];
/// The four ERC-20 functions a token cap counts (spec §8.1).
pub(crate) const TOKEN_SELECTORS: [[u8; 4]; 4] =
    [TRANSFER, APPROVE, TRANSFER_FROM, INCREASE_ALLOWANCE];

/// A cap value the hints use: small enough to read, large enough to have neighbours.
pub(crate) const CAP: U256 = U256::from_limbs([10, 0, 0, 0]);

/// `{0, cap - 1, cap}`: counter values at and below a cap.
pub(crate) fn below(cap: U256) -> [U256; 3] {
    [U256::ZERO, cap.saturating_sub(U256::from(1)), cap]
}

/// A 32-byte word holding an address (upper 12 bytes zero).
pub(crate) fn address_word(a: Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

/// An environment: `now`, the account, the module and the window predicate.
pub(crate) fn env<S: Source>(src: &mut S, now_hint: &[u64], window_hint: &[usize]) -> Env {
    let now = src.u64_in("env.now", now_hint);
    let account = src.address_in("env.account", &[ACCOUNT]);
    let module = src.address_in("env.module", &[MODULE]);
    let window = WindowPredicate::ALL[src.choose_in("env.window", 4, window_hint)];
    Env { window, ..Env::new(now, account, module) }
}

/// The most calldata a generated call holds: a selector and ten words (two `bytes` arguments of
/// 33 bytes each, plus a relocated second tail).
pub(crate) const CALL_MAX: usize = 4 + 10 * 32;

/// One call, with its calldata inline (no allocation, so Kani sees a fixed-size buffer).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Call {
    pub(crate) target: Address,
    pub(crate) value: U256,
    pub(crate) data: [u8; CALL_MAX],
    pub(crate) len: usize,
}

impl Call {
    pub(crate) fn new(target: Address, value: U256) -> Self {
        Self { target, value, data: [0; CALL_MAX], len: 0 }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.data[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    pub(crate) fn push_word(&mut self, w: U256) {
        self.push(&w.to_be_bytes::<32>());
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }

    pub(crate) fn execution(&self) -> Execution<'_> {
        Execution { target: self.target, value: self.value, data: self.bytes() }
    }
}

/// The executions of `calls`, in order.
pub(crate) fn executions(calls: &[Call]) -> Executions<'_> {
    let mut out = Executions::new();
    for call in calls {
        out.push(call.execution()).expect("at most MAX_BATCH calls");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The caps world (properties 1, 2, 4, 7, 9, 10)

/// Which part of the caps world a case exercises. It only selects *hints*: under Kani every
/// feature is present or absent symbolically whatever the focus, so the focus costs nothing
/// there. The runners draw it first, which splits one large exhaustive domain into five
/// small ones, each rich at its own boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Focus {
    /// Native-value caps (§7).
    Native,
    /// ERC-20 caps (§8).
    Token,
    /// Cumulative rule limits (§6.4).
    Rule,
    /// The usage limit (§10).
    Usage,
    /// Every cap at once, with tight hints.
    All,
}

impl Focus {
    const ALL: [Self; 5] = [Self::Native, Self::Token, Self::Rule, Self::Usage, Self::All];

    pub(crate) fn draw<S: Source>(src: &mut S) -> Self {
        Self::ALL[src.choose("focus", Self::ALL.len())]
    }

    /// The hint for whether `feature` is present.
    fn presence(self, feature: Self) -> &'static [bool] {
        if self == Self::All {
            &[true]
        } else if self == feature {
            &[false, true]
        } else {
            &[false]
        }
    }

    fn caps(self) -> &'static [U256] {
        if self == Self::All { &[CAP] } else { &[U256::ZERO, CAP, U256::MAX] }
    }

    /// The hint for the kind of each call: 0 native transfer, 1 `spend`, 2 ERC-20.
    pub(crate) fn kinds(self) -> &'static [usize] {
        match self {
            Self::Native | Self::Usage => &[0],
            Self::Rule => &[1],
            Self::Token => &[2],
            Self::All => &[0, 1, 2],
        }
    }

    /// Whether value hints are the full boundary domain or only the tight `{rem, rem + 1}`.
    fn tight(self) -> bool {
        self == Self::All
    }
}

/// Permission 1 of a caps policy: `spend(uint256)`, with one rule on its argument.
pub(crate) const PERM_SPEND: usize = 1;

/// A caps policy, with the permission layout every caps harness uses:
///
/// 0. any target, empty selector (plain value transfers);
/// 1. `GAME` (or any target), `spend(uint256)`, one rule `arg0 <= bound` with an optional
///    cumulative limit;
/// 2. to 5. `TOKEN`, one permission per ERC-20 selector of §8.1, no declared arguments;
///
/// and optional caps: native value, one ERC-20 cap (with optional spender list), a usage limit
/// and a rate limit. Every field is drawn; validity (§12) is left to the caller to assume.
pub(crate) fn caps_policy<S: Source>(src: &mut S, focus: Focus) -> Policy {
    let mut policy = Policy {
        valid_after: src.u64_in("policy.valid_after", &[0]),
        valid_until: src.u64_in("policy.valid_until", &[0]),
        ..Policy::default()
    };
    let mut permissions = BoundedVec::new();
    let transfer =
        Permission { target: Target::Any, selector: Selector::Empty, ..Permission::default() };
    permissions.push(transfer).expect("capacity");

    let spend_target = if src.choose_in("policy.spend.target_any", 2, &[0]) == 0 {
        Target::Address(src.address_in("policy.spend.target", &[GAME]))
    } else {
        Target::Any
    };
    let rule_limit = if src.bool_in("policy.rule?", focus.presence(Focus::Rule)) {
        Some(src.u256_in("policy.rule.limit", focus.caps()))
    } else {
        None
    };
    let rule = ArgRule {
        arg: 0,
        slice: None,
        condition: Condition::Lte(src.u256_in("policy.rule.lte", &[U256::MAX])),
        limit: rule_limit,
    };
    let spend = Permission {
        target: spend_target,
        selector: Selector::Exact(SPEND),
        args: Some(BoundedVec::try_from_iter([AbiType::Uint(256)]).expect("capacity")),
        rules: BoundedVec::try_from_iter([rule]).expect("capacity"),
    };
    permissions.push(spend).expect("capacity");
    for selector in TOKEN_SELECTORS {
        let target = Target::Address(TOKEN);
        let token =
            Permission { target, selector: Selector::Exact(selector), ..Permission::default() };
        permissions.push(token).expect("capacity");
    }
    policy.permissions = permissions;

    if src.bool_in("policy.native?", focus.presence(Focus::Native)) {
        let total = src.u256_in("policy.native.total", focus.caps());
        let per_call = src.u256_in("policy.native.per_call", &[total]);
        policy.native = Some(NativeCap { per_call, total, ..NativeCap::default() });
    }
    if src.bool_in("policy.token?", focus.presence(Focus::Token)) {
        let token = src.address_in("policy.token", &[TOKEN]);
        let limit = src.u256_in("policy.token.limit", focus.caps());
        let spenders = match src.choose_in("policy.token.spenders", 3, &[0, 2]) {
            0 => None,
            1 => Some(BoundedVec::new()),
            _ => Some(
                BoundedVec::try_from_iter([src.address_in("policy.token.spender", &[OTHER])])
                    .expect("capacity"),
            ),
        };
        policy
            .erc20
            .push(TokenCap { token, limit, spenders, ..TokenCap::default() })
            .expect("capacity");
    }
    if src.bool_in("policy.usage?", focus.presence(Focus::Usage)) {
        let hint: &[u64] = if focus.tight() { &[2] } else { &[0, 1, 2, u64::MAX] };
        policy.usage_limit = Some(src.u64_in("policy.usage_limit", hint));
    }
    // The caps harnesses leave rate limits to property 5 in the runners; Kani still explores
    // policies with one.
    if src.bool_in("policy.rate?", &[false]) {
        let max_calls = src.u8_in("policy.rate.max_calls", &[1]);
        let interval = src.u64_in("policy.rate.interval", &[1]);
        policy.rate_limit = Some(RateLimit { max_calls, interval });
    }
    policy
}

/// Counters for a policy: each cumulative counter drawn (hinted near its cap, or at zero when
/// `thin`), every other counter zero (the invariant forces those to zero anyway). Nothing is
/// assumed here.
pub(crate) fn caps_counters<S: Source>(src: &mut S, policy: &Policy, thin: bool) -> Counters {
    let near = |cap: U256| -> ([U256; 3], usize) {
        if thin { ([U256::ZERO; 3], 1) } else { (below(cap), 3) }
    };
    let mut c = Counters::default();
    if let Some(cap) = &policy.native {
        let (hint, n) = near(cap.total);
        c.native_spent = src.u256_in("counters.native_spent", &hint[..n]);
    }
    for (index, cap) in policy.erc20.iter().enumerate() {
        let (hint, n) = near(cap.limit);
        c.token_spent[index] = src.u256_in("counters.token_spent", &hint[..n]);
    }
    for (p, permission) in policy.permissions.iter().enumerate() {
        for (r, rule) in permission.rules.iter().enumerate() {
            if let Some(limit) = rule.limit {
                let (hint, n) = near(limit);
                c.rule_used[p][r] = src.u256_in("counters.rule_used", &hint[..n]);
            }
        }
    }
    let limit = policy.usage_limit.unwrap_or(u64::MAX);
    let hint = [0, limit.saturating_sub(1), limit];
    c.calls = src.u64_in("counters.calls", &hint[..if thin { 1 } else { 3 }]);
    if let Some(rate) = policy.rate_limit {
        rate_ring(src, &mut c, rate.max_calls);
    }
    c
}

/// Draws the rate ring for `max_calls = m`: slots below `m` drawn, the head drawn once the ring
/// is full and equal to the call count before (as the invariant requires).
pub(crate) fn rate_ring<S: Source>(src: &mut S, c: &mut Counters, m: u8) {
    let m = usize::from(m).min(MAX_RATE);
    for slot in 0..m {
        c.rate_ring[slot] = src.u64_in("counters.rate_ring", &[0]);
    }
    c.rate_head =
        if c.calls < m as u64 { c.calls as u8 } else { src.u8_in("counters.rate_head", &[0]) };
}

/// How much of each cap is left, for the hints of the next call's amounts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Remaining {
    native: U256,
    token: U256,
    rule: U256,
}

impl Remaining {
    pub(crate) fn new(policy: &Policy, c: &Counters) -> Self {
        let native =
            policy.native.map_or(U256::ZERO, |cap| cap.total.saturating_sub(c.native_spent));
        let token =
            policy.erc20.first().map_or(CAP, |cap| cap.limit.saturating_sub(c.token_spent[0]));
        let rule = policy.permissions[PERM_SPEND].rules[0]
            .limit
            .map_or(CAP, |limit| limit.saturating_sub(c.rule_used[PERM_SPEND][0]));
        Self { native, token, rule }
    }
}

fn amount_hint(rem: U256, tight: bool) -> ([U256; 5], usize) {
    if tight {
        ([rem, rem.saturating_add(U256::from(1)), rem, rem, rem], 2)
    } else {
        ([U256::ZERO, U256::from(1), rem, rem.saturating_add(U256::from(1)), U256::MAX], 5)
    }
}

/// One call of the caps world: a native transfer, a `spend(x)`, or an ERC-20 call (one of the
/// four counted selectors, or another one). Amounts are hinted at the boundaries of what is
/// left (only `{rem, rem + 1}` when `tight`), and `rem` is updated as if the call were allowed.
pub(crate) fn caps_call<S: Source>(
    src: &mut S,
    focus: Focus,
    tight: bool,
    rem: &mut Remaining,
) -> Call {
    match src.choose_in("call.kind", 3, focus.kinds()) {
        0 => {
            let target = src.address_in("call.target", &[OTHER]);
            let (hint, n) = amount_hint(rem.native, tight);
            let value = src.u256_in("call.value", &hint[..n]);
            rem.native = rem.native.saturating_sub(value);
            Call::new(target, value)
        }
        1 => {
            let target = src.address_in("call.target", &[GAME]);
            let value = src.u256_in("call.value", &[U256::ZERO]);
            let (hint, n) = amount_hint(rem.rule, tight);
            let x = src.u256_in("call.spend.x", &hint[..n]);
            rem.rule = rem.rule.saturating_sub(x);
            let mut call = Call::new(target, value);
            call.push(&SPEND);
            call.push_word(x);
            call
        }
        _ => {
            let target = src.address_in("call.target", &[TOKEN]);
            let value = src.u256_in("call.value", &[U256::ZERO]);
            let which = src.choose_in("call.token.selector", 5, if tight { &[0, 2] } else { &[] });
            let selector = match TOKEN_SELECTORS.get(which) {
                Some(selector) => *selector,
                None => src.bytes_in("call.token.other_selector", &[OTHER_SELECTOR]),
            };
            let first = src.address_in("call.token.to_spender_or_from", &[OTHER, ACCOUNT]);
            let (hint, n) = amount_hint(rem.token, tight);
            let amount = src.u256_in("call.token.amount", &hint[..n]);
            rem.token = rem.token.saturating_sub(amount);
            let mut call = Call::new(target, value);
            call.push(&selector);
            call.push(&address_word(first));
            if selector == TRANSFER_FROM {
                call.push(&address_word(src.address_in("call.token.to", &[OTHER])));
            }
            call.push_word(amount);
            call
        }
    }
}

/// The most calls a generated batch holds under Kani (the runners go up to [`BATCH_RUNNERS`]).
pub(crate) const BATCH_KANI: usize = 2;
/// The most calls a generated batch holds under the runners.
pub(crate) const BATCH_RUNNERS: usize = 3;

/// A batch of `min..=`[`BATCH_RUNNERS`] calls of the caps world (Kani: up to [`BATCH_KANI`]),
/// its length hinted by `hint` (offsets from `min`); returns the calls and how many there are.
/// `tight` narrows the amount hints (the focus `All` always does).
pub(crate) fn caps_batch<S: Source>(
    src: &mut S,
    focus: Focus,
    tight: bool,
    policy: &Policy,
    counters: &Counters,
    min: usize,
    hint: &[usize],
) -> ([Call; BATCH_RUNNERS], usize) {
    let max = if src.symbolic() { BATCH_KANI } else { BATCH_RUNNERS };
    let n = min + src.choose_in("batch.len-min", max - min + 1, hint);
    let mut rem = Remaining::new(policy, counters);
    let mut calls = [Call::new(Address::ZERO, U256::ZERO); BATCH_RUNNERS];
    for call in calls.iter_mut().take(n) {
        *call = caps_call(src, focus, tight || focus.tight(), &mut rem);
    }
    (calls, n)
}
