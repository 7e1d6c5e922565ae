//! Generators: random policies, calls and session lifecycles, driven by [`Unstructured`] bytes so
//! that the in-process engine (seeded random bytes) and libFuzzer (coverage-guided bytes) share
//! them.
//!
//! One module per policy rule, next to the rule's model module, spec clause, Solidity code and
//! proof harness: each generates its part of a policy and the values that stress it (its own
//! constants and their neighbours, the boundaries of its arithmetic). [`case`] composes them
//! into whole lifecycles.

mod allowance;
pub mod case;
mod chain;
mod erc20;
mod frame;
mod gas;
mod native;
mod permission;
mod rate;
mod scope;
mod usage;
mod validity;
mod window;

use alloy_primitives::{Address, U256};
use arbitrary::Unstructured;
use leash_model::{AbiType, Condition, Policy};

pub use case::{CaseConfig, generate_case};
pub use frame::STRANGER_KEY;

/// The contracts of `catalog` that have functions.
fn callable(catalog: &Catalog) -> impl Iterator<Item = &Contract> {
    catalog.contracts.iter().filter(|c| !c.functions.is_empty())
}

/// A function the generator can call or grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Its signature, e.g. `transfer(address,uint256)`.
    pub signature: String,
    /// Its selector.
    pub selector: [u8; 4],
    /// Its argument types.
    pub args: Vec<AbiType>,
    /// Whether it accepts native value.
    pub payable: bool,
}

impl Function {
    /// A function from its signature.
    ///
    /// # Panics
    /// If the signature does not parse; catalogs are built from constant signatures.
    pub fn new(signature: &str, payable: bool) -> Self {
        let (selector, args) = leash_model::format::parse_function(signature)
            .unwrap_or_else(|e| panic!("catalog signature: {e}"));
        Self { signature: signature.to_owned(), selector, args, payable }
    }
}

/// A contract the generator can call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contract {
    /// Its name in reports.
    pub name: String,
    /// Its address.
    pub address: Address,
    /// The functions it has.
    pub functions: Vec<Function>,
    /// Whether it accepts plain native transfers (empty calldata).
    pub receives: bool,
}

/// Everything the generator knows about the world it fuzzes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    /// The account that owns the sessions.
    pub account: Address,
    /// The session module.
    pub module: Address,
    /// Contracts to call.
    pub contracts: Vec<Contract>,
    /// The ERC-20 contracts among them.
    pub tokens: Vec<Address>,
    /// Addresses that are neither the account nor the module: recipients, spenders, owners.
    pub bystanders: Vec<Address>,
    /// Words the module's code uses: constants its bytecode pushes and words it was seen
    /// comparing (campaigns add these as they run). Generators draw argument values and
    /// addresses from them now and then.
    pub words: Vec<U256>,
    /// The frame the account is on: on the EIP-7702 frame cases also re-delegate the EOA and
    /// send plain transactions (spec §18).
    pub frame: crate::evm::Frame,
    /// Paymasters deployed and funded in the world (spec §16): ops name them in
    /// `paymasterAndData`, gas rules in their allowlists.
    pub paymasters: Vec<Address>,
    /// Whether cases replay signed ops (spec §1.4.2): only where an op is a signed
    /// UserOperation. On the redeem frame an op is the session key's own transaction, and
    /// redeeming a delegation again is how a session acts (spec §P3).
    pub replays: bool,
    /// Whether cases move to other chains (spec §17): everywhere a signature binds the chain,
    /// the redeem frame's delegations included (spec §P3).
    pub chain_moves: bool,
    /// Whether the world has a second account of the same owner and module
    /// ([`World::other_account`](crate::evm::World::other_account)): cases then also replay ops
    /// signed for the account from it (spec §1.4.2).
    pub other_account: bool,
    /// Whether cases also make the lifecycle calls the spec refuses: installs of policies that
    /// break one clause of spec §12 and revokes of keys that never had a session (§2.2). Set
    /// for modules whose interface refuses them too ([`SessionModule::refuses_what_the_spec_refuses`](crate::modules::SessionModule::refuses_what_the_spec_refuses)).
    pub refused_lifecycle: bool,
}

impl Catalog {
    /// The reference world's catalog: LeashToken, Game and Router with their functions, four
    /// bystander EOAs, and the world's two paymasters.
    pub fn reference(addresses: &crate::evm::Addresses) -> Self {
        use crate::evm::abi::{IGame, ILeashAccount, ILeashToken, IRouter};
        use alloy_sol_types::SolCall;
        let erc20 = [
            ILeashToken::transferCall::SIGNATURE,
            ILeashToken::approveCall::SIGNATURE,
            ILeashToken::transferFromCall::SIGNATURE,
            ILeashToken::increaseAllowanceCall::SIGNATURE,
            ILeashToken::mintCall::SIGNATURE,
        ];
        Self {
            account: addresses.account,
            module: addresses.module,
            contracts: vec![
                Contract {
                    name: "LeashToken".into(),
                    address: addresses.token,
                    functions: erc20.iter().map(|s| Function::new(s, false)).collect(),
                    receives: false,
                },
                Contract {
                    name: "Game".into(),
                    address: addresses.game,
                    functions: vec![
                        Function::new(IGame::attackCall::SIGNATURE, false),
                        Function::new(IGame::useSkillCall::SIGNATURE, false),
                        Function::new(IGame::pickupCall::SIGNATURE, false),
                        Function::new(IGame::buyLivesCall::SIGNATURE, true),
                    ],
                    receives: false,
                },
                Contract {
                    name: "Router".into(),
                    address: addresses.router,
                    functions: vec![Function::new(IRouter::swapCall::SIGNATURE, false)],
                    receives: false,
                },
                // The account itself: a permission for it is always denied (spec §4.1), but a
                // wildcard permission for `execute` is what self-call bypasses need.
                Contract {
                    name: "account".into(),
                    address: addresses.account,
                    functions: vec![Function::new(ILeashAccount::executeCall::SIGNATURE, true)],
                    receives: true,
                },
                // Two EOAs that receive plain transfers.
                Contract {
                    name: "payee".into(),
                    address: Address::with_last_byte(0xb1),
                    functions: Vec::new(),
                    receives: true,
                },
                Contract {
                    name: "payee".into(),
                    address: Address::with_last_byte(0xb2),
                    functions: Vec::new(),
                    receives: true,
                },
            ],
            tokens: vec![addresses.token],
            bystanders: (1..=4).map(|i| Address::with_last_byte(0xb0 + i)).collect(),
            words: Vec::new(),
            frame: crate::evm::Frame::Deployed,
            paymasters: gas::paymasters(addresses),
            replays: true,
            chain_moves: true,
            other_account: false,
            refused_lifecycle: false,
        }
    }
}

impl Catalog {
    /// The reference catalog for a world driven by `module`, with the module's own management
    /// functions (spec §4.2) when the adapter names them.
    pub fn for_module(
        addresses: &crate::evm::Addresses,
        module: &dyn crate::modules::SessionModule,
    ) -> Self {
        let mut catalog = Self::reference(addresses);
        catalog.replays = module.frame() != crate::modules::Frame::Redeem;
        catalog.refused_lifecycle = module.refuses_what_the_spec_refuses();
        let functions = module.module_functions();
        if !functions.is_empty() {
            catalog.contracts.push(Contract {
                name: module.kind().into(),
                address: addresses.module,
                functions: functions.iter().map(|s| Function::new(s, false)).collect(),
                receives: false,
            });
        }
        catalog
    }
}

/// The numbers a generator reaches for: a policy's own constants and their neighbours, and
/// the widths where arithmetic breaks (spec §13.3).
#[derive(Clone, Debug, Default)]
pub struct Dictionary {
    values: Vec<U256>,
    /// `2^256 - x` for the constants `x`: what wraps a counter holding `x` back to zero.
    wraps: Vec<U256>,
    /// `2^256 - x` for the amount `x` the case used last: the likeliest counter to wrap.
    last_wrap: Option<U256>,
    /// What the policy's allowances over time let through at the op's time, exactly and one
    /// more (spec §7.4, §7.5, §8.6, §8.7).
    allowance_edges: Vec<U256>,
    /// Among them, each period's whole amount and what each stream holds.
    allowance_bases: Vec<U256>,
}

impl Dictionary {
    /// Fixed boundaries: 0, 1, 2, `2^k ± 1` for k in {64, 96, 128, 160}, and `2^256 - 1`.
    pub fn boundaries() -> Self {
        let mut values =
            vec![U256::ZERO, U256::from(1), U256::from(2), U256::MAX, U256::MAX - U256::from(1)];
        for bits in [64usize, 96, 128, 160] {
            let p = U256::from(1) << bits;
            values.extend([p - U256::from(1), p, p + U256::from(1)]);
        }
        Self {
            values,
            wraps: Vec::new(),
            last_wrap: None,
            allowance_edges: Vec::new(),
            allowance_bases: Vec::new(),
        }
    }

    /// The boundaries plus every constant of `policy`, each with its neighbours ±3.
    pub fn for_policy(policy: &Policy) -> Self {
        let mut d = Self::boundaries();
        if let Some(cap) = policy.native {
            d.add_around(cap.per_call);
            d.add_around(cap.total);
        }
        for cap in policy.erc20.iter() {
            d.add_around(cap.limit);
            d.add_around(cap.limit >> 1);
        }
        for permission in policy.permissions.iter() {
            for rule in permission.rules.iter() {
                if let Some(limit) = rule.limit {
                    d.add_around(limit);
                }
                match &rule.condition {
                    Condition::Eq(r)
                    | Condition::Neq(r)
                    | Condition::Gt(r)
                    | Condition::Gte(r)
                    | Condition::Lt(r)
                    | Condition::Lte(r) => d.add_around(*r),
                    Condition::InRange { lo, hi } => {
                        d.add_around(*lo);
                        d.add_around(*hi);
                    }
                    Condition::OneOf(values) => values.iter().for_each(|v| d.add_around(*v)),
                }
            }
        }
        d
    }

    /// Adds `x` and `x ± 1..=3`, saturating at the ends, and `2^256 - x`: the amount that
    /// wraps a counter holding `x` back to zero (spec §13.3), picked on its own now and then.
    pub fn add_around(&mut self, x: U256) {
        for k in 0u8..=3 {
            self.values.push(x.saturating_add(U256::from(k)));
            self.values.push(x.saturating_sub(U256::from(k)));
        }
        if !x.is_zero() {
            self.wraps.push(x.wrapping_neg());
        }
    }

    /// Adds the edges of `policy`'s allowances over time at `now`: each period's amount, what
    /// each stream has unlocked, and what is left of them after the case's recent amounts.
    pub fn add_allowances(&mut self, policy: &Policy, now: u64, history: &[U256]) {
        (self.allowance_bases, self.allowance_edges) = allowance::edges(policy, now, history);
    }

    /// An allowance edge, or any value when the policy has none.
    pub fn pick_allowance_edge(&self, u: &mut Unstructured<'_>) -> arbitrary::Result<U256> {
        if self.allowance_edges.is_empty() {
            self.pick(u)
        } else if u.ratio(1, 2)? {
            Ok(*u.choose(&self.allowance_bases)?)
        } else {
            Ok(*u.choose(&self.allowance_edges)?)
        }
    }

    /// Adds the amounts earlier ops of a case used, the last one last.
    pub fn add_history(&mut self, history: &[U256]) {
        for x in history {
            self.add_around(*x);
        }
        self.last_wrap = history.last().map(|x| x.wrapping_neg());
    }

    /// A value: mostly from the dictionary, sometimes small, sometimes anything.
    pub fn pick(&self, u: &mut Unstructured<'_>) -> arbitrary::Result<U256> {
        Ok(match u.int_in_range(0u8..=12)? {
            0 | 1 if !self.allowance_edges.is_empty() => self.pick_allowance_edge(u)?,
            0..=6 => *u.choose(&self.values)?,
            7 | 8 => U256::from(u.int_in_range(0u16..=1000)?),
            9 if self.last_wrap.is_some() => self.last_wrap.expect("checked"),
            10 if !self.wraps.is_empty() => *u.choose(&self.wraps)?,
            _ => U256::from_limbs(u.arbitrary()?),
        })
    }

    /// A value below `2^bits`, from the dictionary when it fits.
    pub fn pick_bits(&self, u: &mut Unstructured<'_>, bits: u16) -> arbitrary::Result<U256> {
        Ok(self.pick(u)? & low_bits(bits))
    }
}

/// `2^bits - 1`: the mask of the values `bits` bits hold (all ones from 256 bits on).
fn low_bits(bits: u16) -> U256 {
    if bits >= 256 { U256::MAX } else { (U256::from(1) << usize::from(bits)) - U256::from(1) }
}

/// How many bits the values of a static argument of type `ty` hold.
fn value_bits(ty: AbiType) -> u16 {
    match ty {
        AbiType::Uint(bits) => bits,
        AbiType::Address => 160,
        AbiType::Bool => 1,
        AbiType::FixedBytes(_) | AbiType::Bytes | AbiType::String => 256,
    }
}

/// A static argument value of type `ty`, clean for it (spec §6.1.2).
fn static_value(
    u: &mut Unstructured<'_>,
    d: &Dictionary,
    catalog: &Catalog,
    ty: AbiType,
) -> arbitrary::Result<U256> {
    Ok(match ty {
        AbiType::Address => U256::from_be_slice(scope::address(u, catalog)?.as_slice()),
        AbiType::Bool => U256::from(u8::from(u.arbitrary::<bool>()?)),
        // Now and then a word the module's code uses (a pushed constant, a compared word).
        AbiType::Uint(bits) if !catalog.words.is_empty() && u.ratio(1, 8)? => {
            *u.choose(&catalog.words)? & low_bits(bits)
        }
        AbiType::Uint(bits) => d.pick_bits(u, bits)?,
        AbiType::FixedBytes(n) => {
            let mut w = [0u8; 32];
            u.fill_buffer(&mut w[..usize::from(n)])?;
            U256::from_be_bytes(w)
        }
        AbiType::Bytes | AbiType::String => U256::ZERO,
    })
}

/// Content for a dynamic argument: empty, short, a nested call's selector first, or long.
fn dynamic_value(u: &mut Unstructured<'_>, d: &Dictionary) -> arbitrary::Result<Vec<u8>> {
    let len = *u.choose(&[0usize, 3, 4, 20, 32, 36, 68, 100])?;
    let mut out = vec![0u8; len];
    u.fill_buffer(&mut out)?;
    if len >= 32 && u.ratio(1, 2)? {
        out[..32].copy_from_slice(&d.pick(u)?.to_be_bytes::<32>());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
