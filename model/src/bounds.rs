//! The bounds of the spec (`docs/spec.md`, table "Bounds"), shared by the model, the Solidity
//! module and the proofs. Changing one means changing `SessionManager.sol` too.

/// Permissions in one policy.
pub const MAX_PERMISSIONS: usize = 8;
/// Declared arguments of one permission.
pub const MAX_ARGS: usize = 8;
/// Argument rules of one permission.
pub const MAX_RULES: usize = 4;
/// Values in one `one_of` condition.
pub const MAX_ONE_OF: usize = 4;
/// ERC-20 caps in one policy.
pub const MAX_TOKENS: usize = 4;
/// Approved spenders of one ERC-20 cap.
pub const MAX_SPENDERS: usize = 4;
/// Executions in one batch op.
pub const MAX_BATCH: usize = 8;
/// Largest `max_calls` of a rate limit (the size of the rate ring).
pub const MAX_RATE: usize = 8;
/// Sessions per account the model holds (spec §2.5; the Solidity module has no such bound).
pub const MAX_SESSIONS: usize = 4;
/// Largest timestamp a policy can name: `2^48 - 1`, the width of `validUntil` in ERC-4337.
pub const TIME_MAX: u64 = (1 << 48) - 1;
/// Paymasters in one gas rule's allowlist (spec §16.1).
pub const MAX_PAYMASTERS: usize = 4;
/// Chain ids in one policy's chain list (spec §17).
pub const MAX_CHAINS: usize = 8;
