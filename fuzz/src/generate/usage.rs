//! Generator for spec §10: usage limits.

use arbitrary::Unstructured;

/// No limit, a small one (0 allows nothing), or one near the top of `u64`.
pub(super) fn limit(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<u64>> {
    Ok(match u.int_in_range(0u8..=4)? {
        0 | 1 => None,
        2 => Some(u64::MAX - u64::from(u.int_in_range(0u8..=2)?)),
        _ => Some(u.int_in_range(0..=8)?),
    })
}
