//! Rewrites of the `execute` envelope: the selector, the mode, the head words of
//! `executionCalldata` and of a batch, item pointers, padding, trailing bytes, truncation of the
//! callData or of `executionCalldata`, and the signature decoy (C1, C3, C4, C13).

use alloy_primitives::U256;

use super::{
    EXEC_START, Mutated, Mutation, NotApplicable, PlannedOp, Region, item, reenvelope, set_word,
};

impl Mutation {
    /// Applies a mutation of the envelope to `op`'s canonical encoding. Mutations inside an
    /// execution's calldata and the hiding ones are [`NotApplicable`] here: `apply` routes them
    /// first.
    pub(super) fn apply_envelope(
        &self,
        op: &PlannedOp,
        twin: &PlannedOp,
    ) -> Result<Mutated, NotApplicable> {
        let (mut cd, layout) = op.encode();
        let mut signature_tail = Vec::new();
        let exec = |cd: &[u8]| cd[EXEC_START..EXEC_START + layout.exec_len].to_vec();
        match self {
            Self::OuterSelector { selector } => cd[..4].copy_from_slice(selector),
            Self::ModeByte { index, value } => {
                *cd.get_mut(4 + usize::from(*index))
                    .filter(|_| *index < 32)
                    .ok_or(NotApplicable)? = *value;
            }
            Self::OuterOffset { value } => set_word(&mut cd, 36, *value)?,
            Self::OuterLength { value } => set_word(&mut cd, 68, *value)?,
            Self::OuterRelocate => {
                let twin_exec = twin.execution_calldata();
                let offset = cd.len() - 4;
                cd.extend_from_slice(&U256::from(twin_exec.len()).to_be_bytes::<32>());
                cd.extend_from_slice(&twin_exec);
                cd.resize(cd.len() + (32 - twin_exec.len() % 32) % 32, 0);
                set_word(&mut cd, 36, U256::from(offset))?;
            }
            Self::ArrayOffset { value } if layout.batch => set_word(&mut cd, EXEC_START, *value)?,
            Self::BatchLength { value } if layout.batch => {
                set_word(&mut cd, EXEC_START + 32, *value)?;
            }
            Self::ItemOffset { item: i, value } => {
                let at = item(&layout, *i)?.offset_word.ok_or(NotApplicable)?;
                set_word(&mut cd, at, *value)?;
            }
            Self::ItemAlias { item: i, to } => {
                let at = item(&layout, *i)?.offset_word.ok_or(NotApplicable)?;
                let from = item(&layout, *to)?.offset_word.ok_or(NotApplicable)?;
                if i == to {
                    return Err(NotApplicable);
                }
                let pointer: [u8; 32] = cd[from..from + 32].try_into().expect("32 bytes");
                cd[at..at + 32].copy_from_slice(&pointer);
            }
            Self::ItemRelocate { item: i } => {
                let at = item(&layout, *i)?.offset_word.ok_or(NotApplicable)?;
                let planted = twin.calls.get(usize::from(*i) % twin.calls.len().max(1));
                let planted = planted.ok_or(NotApplicable)?;
                let mut e = exec(&cd);
                let pointer = e.len() - 64;
                let one =
                    PlannedOp { batch: true, calls: vec![planted.clone()] }.execution_calldata();
                // The single item's head and data start after [0x20][1][p_0] in its own encoding.
                e.extend_from_slice(&one[96..]);
                set_word(&mut e, at - EXEC_START, U256::from(pointer))?;
                cd = reenvelope(&cd, &e);
            }
            Self::DataOffset { item: i, value } => {
                let at = item(&layout, *i)?.data_offset_word.ok_or(NotApplicable)?;
                set_word(&mut cd, at, *value)?;
            }
            Self::DataLength { item: i, value } => {
                let at = item(&layout, *i)?.data_len_word.ok_or(NotApplicable)?;
                set_word(&mut cd, at, *value)?;
            }
            Self::DirtyTarget { item: i, fill } if layout.batch => {
                let at = item(&layout, *i)?.target_at;
                cd[at..at + 12].copy_from_slice(fill);
                if fill.iter().all(|b| *b == 0) {
                    return Err(NotApplicable);
                }
            }
            Self::Padding { region: Region::Outer } => {
                let end = EXEC_START + layout.exec_len;
                if end == cd.len() {
                    return Err(NotApplicable);
                }
                *cd.last_mut().expect("padding exists") = 0x01;
            }
            Self::Padding { region: Region::Item(i) } => {
                let it = item(&layout, *i)?;
                let end = it.data_start + it.data_len;
                if !layout.batch || it.data_len % 32 == 0 {
                    return Err(NotApplicable);
                }
                cd[end] = 0x01;
            }
            Self::Trailing { region: Region::Outer, bytes } if !bytes.is_empty() => {
                cd.extend_from_slice(bytes);
            }
            Self::Trailing { region: Region::Execution, bytes } if !bytes.is_empty() => {
                let mut e = exec(&cd);
                e.extend_from_slice(bytes);
                cd = reenvelope(&cd, &e);
            }
            Self::Truncate { region: Region::Outer, len } if (*len as usize) < cd.len() => {
                cd.truncate(*len as usize);
            }
            Self::Truncate { region: Region::Execution, len }
                if (*len as usize) < layout.exec_len =>
            {
                let e = exec(&cd);
                cd = reenvelope(&cd, &e[..*len as usize]);
            }
            Self::SignatureDecoy => signature_tail = twin.execution_calldata(),
            _ => return Err(NotApplicable),
        }
        Ok(Mutated { call_data: cd, signature_tail })
    }
}
