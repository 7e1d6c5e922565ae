//! The harness's documented size limits (`docs/limits.md`): what leash reads, generates and
//! runs stays within them, so no input can make it allocate or run without bound. Inputs over a
//! limit are refused with a one-line error naming the limit.

/// The furthest into a dynamic argument's content the generator writes a slice rule's value
/// (spec §6.2). A rule whose slice ends further out still gets calls, whose content is simply
/// shorter than the slice (the spec denies them with `SliceOutOfBounds`): whatever a policy
/// says, generation never grows an argument past this many bytes.
pub const MAX_PLACED_SLICE_END: usize = 1024;

/// The most bytes an op's `callData` may have, and its signature tail too. Generated ops stay
/// far below it; corpus entries with a longer op are refused when read. Within it, the
/// harness's gas limits (10M verification gas, 10M call gas per op) cover every op the
/// reference module handles.
pub const MAX_OP_CALLDATA: usize = 128 * 1024;
