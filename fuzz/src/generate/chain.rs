//! Generator for spec §17: chain lists, and moves of the world to another chain.

use arbitrary::Unstructured;
use leash_model::Policy;
use leash_model::bounded::BoundedVec;

use crate::case::START_CHAIN;

/// The chains cases run on: the world's own, Ethereum, Optimism, Base and Arbitrum One.
pub(crate) const CHAINS: [u64; 5] = [START_CHAIN, 1, 10, 8453, 42161];

/// No chain list, or one to three of [`CHAINS`] (the world's own chain among them or not).
pub(super) fn list(
    u: &mut Unstructured<'_>,
) -> arbitrary::Result<Option<BoundedVec<u64, { leash_model::bounds::MAX_CHAINS }>>> {
    if u.ratio(3, 5)? {
        return Ok(None);
    }
    let mut chains = BoundedVec::new();
    for _ in 0..u.int_in_range(1..=3)? {
        let chain = *u.choose(&CHAINS)?;
        if !chains.iter().any(|c| *c == chain) {
            chains.push(chain).expect("at most 3 of MAX_CHAINS");
        }
    }
    Ok(Some(chains))
}

/// A chain to move to: one the policy lists, or any of [`CHAINS`].
pub(super) fn next(u: &mut Unstructured<'_>, policy: &Policy) -> arbitrary::Result<u64> {
    match &policy.chains {
        Some(chains) if u.ratio(1, 2)? => Ok(*u.choose(chains.as_slice())?),
        _ => Ok(*u.choose(&CHAINS)?),
    }
}
