//! The EIP-7702 frame's lifecycle (spec §18): the EOA re-delegates to other code, to a
//! malicious implementation that writes the first one's storage, or clears its delegation, and
//! delegates back; the owner revokes, installs and acts with plain transactions while away; a
//! stranger tries to initialize the account with its own validator. Generated on that frame
//! only ([`Catalog::frame`]), as episodes the case generator inserts between its other steps.

use alloy_primitives::{Address, U256};
use arbitrary::Unstructured;
use leash_model::Policy;

use super::{Catalog, Dictionary, permission, scope};
use crate::case::{Action, Actor, Code, Signer, SlotWrite, Step, Validator};
use crate::evm::frame::ACCOUNT_7702_NAMESPACE;

/// The key index of the lifecycle's stranger (`crate::evm::frame::stranger`): the harness's last
/// key, which never holds a session.
pub const STRANGER_KEY: u8 = (crate::evm::KEY_COUNT - 1) as u8;

/// A word that is no contract's address: what a careless write leaves in a validator slot.
const JUNK: U256 = U256::from_limbs([0xdead_beef, 0, 0, 0]);

/// What the case generator asks of the rest of the case while it builds an episode.
pub(super) trait Steps {
    /// A bundle of session-key ops at the current time.
    fn bundle(&mut self, u: &mut Unstructured<'_>) -> arbitrary::Result<Step>;
    /// A bundle with one op signed by `signer` under `policy`'s shape.
    fn op_by(&mut self, u: &mut Unstructured<'_>, signer: Signer) -> arbitrary::Result<Step>;
    /// A revocation of an installed key, or a reinstall.
    fn lifecycle(&mut self, u: &mut Unstructured<'_>) -> arbitrary::Result<Step>;
    /// A move of the clock.
    fn time(&mut self, u: &mut Unstructured<'_>) -> arbitrary::Result<Step>;
}

/// One episode: away to other code (or none), what happens there, and usually back.
pub(super) fn episode(
    u: &mut Unstructured<'_>,
    catalog: &Catalog,
    policy: &Policy,
    steps: &mut dyn Steps,
) -> arbitrary::Result<Vec<Step>> {
    let mut out = Vec::new();
    let away = *u.choose(&[Code::Other, Code::Malicious, Code::None])?;
    let writes = if away == Code::Malicious { slot_writes(u, catalog)? } else { Vec::new() };
    let wiped = writes.iter().any(|w| w.value.is_zero());
    out.push(Step::Delegate { to: away, writes, chain: authorization_chain(u)? });
    for _ in 0..u.int_in_range(0..=3)? {
        out.push(match u.int_in_range(0u8..=6)? {
            0..=2 => steps.bundle(u)?,
            3 | 4 => steps.lifecycle(u)?,
            5 => owner_call(u, catalog, policy)?,
            _ => steps.time(u)?,
        });
    }
    if u.ratio(1, 5)? {
        return Ok(out);
    }
    out.push(Step::Delegate {
        to: Code::Account,
        writes: Vec::new(),
        chain: authorization_chain(u)?,
    });
    if wiped || u.ratio(1, 8)? {
        // Front-running the initializer (spec §18.4): a stranger installs its own validator and
        // signs an op; then, perhaps, the owner initializes with the module.
        if u.ratio(2, 3)? {
            out.push(Step::Direct {
                from: Actor::Stranger,
                action: Action::Initialize { validator: Validator::Stranger },
            });
            out.push(steps.op_by(u, Signer::Key(STRANGER_KEY))?);
        }
        if u.ratio(1, 2)? {
            out.push(Step::Direct {
                from: Actor::Owner,
                action: Action::Initialize { validator: Validator::Module },
            });
        }
    }
    // Back home: sessions resume with their counters, revoked ones stay revoked (§18.6).
    for _ in 0..u.int_in_range(1..=2)? {
        out.push(steps.bundle(u)?);
    }
    Ok(out)
}

/// The chain an authorization names (spec §18.10): mostly the one the world is on (`None`), else
/// every chain (0) or one of the chains cases move to, which may or may not be the current one.
fn authorization_chain(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<u64>> {
    Ok(match u.int_in_range(0u8..=7)? {
        0 => Some(0),
        1 => Some(*u.choose(&super::chain::CHAINS)?),
        _ => None,
    })
}

/// One to three writes of the malicious code into the slots account implementations use:
/// `LeashAccount7702`'s ERC-7201 slot, and slots 0 and 1 of Solidity's default layout; each
/// clears the slot, puts the module there, or junk.
fn slot_writes(u: &mut Unstructured<'_>, catalog: &Catalog) -> arbitrary::Result<Vec<SlotWrite>> {
    let module = U256::from_be_slice(catalog.module.as_slice());
    let namespace = U256::from_be_bytes(ACCOUNT_7702_NAMESPACE.0);
    let mut writes = Vec::new();
    for _ in 0..u.int_in_range(1..=3)? {
        let slot = *u.choose(&[namespace, namespace, U256::ZERO, U256::from(1)])?;
        let value = *u.choose(&[U256::ZERO, U256::ZERO, module, JUNK])?;
        writes.push(SlotWrite { slot, value });
    }
    Ok(writes)
}

/// The owner's own plain transaction (spec §18.2): a call of a catalog function from the EOA
/// itself, or a plain transfer to a bystander; never to the account or the module.
fn owner_call(u: &mut Unstructured<'_>, catalog: &Catalog, p: &Policy) -> arbitrary::Result<Step> {
    let d = Dictionary::for_policy(p);
    let (target, value, data) = if u.ratio(2, 3)? {
        let call = permission::catalog_call(u, p, catalog, &d)?;
        (call.target, U256::ZERO, call.data)
    } else {
        let to: Address = scope::address(u, catalog)?;
        (to, U256::from(u.int_in_range(1u64..=1_000_000)?), Vec::new())
    };
    let target = if target == catalog.account || target == catalog.module {
        *u.choose(&catalog.bystanders)?
    } else {
        target
    };
    Ok(Step::Direct { from: Actor::Owner, action: Action::Call { target, value, data } })
}
