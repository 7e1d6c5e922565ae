//! Planned ops and the byte layout of their canonical encoding.
//!
//! The generator builds a [`PlannedOp`]: the executions it means, with the argument types of each
//! execution's calldata when it knows them. [`PlannedOp::encode`] produces the canonical
//! `execute` callData and a [`Layout`] that says where every pointer, length, target and argument
//! sits in it, so mutations can rewrite exactly the field they name.

use alloy_primitives::{Address, U256};
use leash_model::AbiType;
use leash_model::Execution;
use leash_model::abi::args::{ArgDecoding, ArgValue, decode_args};
use leash_model::abi::execute::{
    CALLTYPE_BATCH, CALLTYPE_SINGLE, encode_batch_calldata, encode_execute, encode_single_calldata,
    mode,
};

/// One execution as the generator means it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedCall {
    /// The target.
    pub target: Address,
    /// The native value.
    pub value: U256,
    /// The calldata, canonical when `args` is known.
    pub data: Vec<u8>,
    /// The argument types of `data` after its selector, when the generator built it from a
    /// known function.
    pub args: Option<Vec<AbiType>>,
}

impl PlannedCall {
    /// The call as a model execution borrowing its data.
    pub fn execution(&self) -> Execution<'_> {
        Execution { target: self.target, value: self.value, data: &self.data }
    }

    /// The decoded arguments, when the types are known and `data` is canonical for them.
    pub fn decoded_args(&self) -> Option<Vec<ArgValue<'_>>> {
        let types = self.args.as_ref()?;
        let rest = self.data.get(4..)?;
        decode_args(rest, types, ArgDecoding::Strict).ok().map(|a| a.to_vec())
    }
}

/// An op as the generator means it: single or batch, and its executions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedOp {
    /// Batch (`true`) or single (`false`, exactly one call).
    pub batch: bool,
    /// The executions, in order.
    pub calls: Vec<PlannedCall>,
}

/// Where the fields of one execution sit in an encoded callData (absolute byte positions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemLayout {
    /// The item's offset word `p_i` (batch only).
    pub offset_word: Option<usize>,
    /// The target: a 32-byte word in a batch, 20 packed bytes in a single execution.
    pub target_at: usize,
    /// The 32-byte value word.
    pub value_at: usize,
    /// The item's callData offset word `q_i` (batch only).
    pub data_offset_word: Option<usize>,
    /// The item's callData length word (batch only).
    pub data_len_word: Option<usize>,
    /// The first byte of the item's callData.
    pub data_start: usize,
    /// The length of the item's callData.
    pub data_len: usize,
}

/// Where everything sits in a canonical `execute` callData.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Whether the op is a batch.
    pub batch: bool,
    /// The length of `executionCalldata` (the word at 68).
    pub exec_len: usize,
    /// The executions.
    pub items: Vec<ItemLayout>,
}

/// The first byte of `executionCalldata` in a canonical callData.
pub const EXEC_START: usize = 100;

impl PlannedOp {
    /// Whether the op has an encoding: a batch of any number of calls, or a single execution of
    /// exactly one.
    pub fn is_encodable(&self) -> bool {
        self.batch || self.calls.len() == 1
    }

    /// The canonical callData and its layout.
    ///
    /// # Panics
    /// If the op is not [encodable](Self::is_encodable).
    pub fn encode(&self) -> (Vec<u8>, Layout) {
        let executions: Vec<Execution<'_>> =
            self.calls.iter().map(PlannedCall::execution).collect();
        if self.batch {
            let exec = encode_batch_calldata(&executions);
            let mut items = Vec::with_capacity(self.calls.len());
            let mut cursor = 32 * self.calls.len();
            for (i, call) in self.calls.iter().enumerate() {
                let base = EXEC_START + 64 + cursor;
                items.push(ItemLayout {
                    offset_word: Some(EXEC_START + 64 + 32 * i),
                    target_at: base,
                    value_at: base + 32,
                    data_offset_word: Some(base + 64),
                    data_len_word: Some(base + 96),
                    data_start: base + 128,
                    data_len: call.data.len(),
                });
                cursor += 128 + call.data.len().div_ceil(32) * 32;
            }
            let layout = Layout { batch: true, exec_len: exec.len(), items };
            (encode_execute(mode(CALLTYPE_BATCH, 0), &exec), layout)
        } else {
            let call = self.calls.first().expect("a single op has one call");
            let exec = encode_single_calldata(&executions[0]);
            let item = ItemLayout {
                offset_word: None,
                target_at: EXEC_START,
                value_at: EXEC_START + 20,
                data_offset_word: None,
                data_len_word: None,
                data_start: EXEC_START + 52,
                data_len: call.data.len(),
            };
            let layout = Layout { batch: false, exec_len: exec.len(), items: vec![item] };
            (encode_execute(mode(CALLTYPE_SINGLE, 0), &exec), layout)
        }
    }

    /// The `executionCalldata` of this op alone (no `execute` envelope).
    ///
    /// # Panics
    /// If the op is not [encodable](Self::is_encodable).
    pub fn execution_calldata(&self) -> Vec<u8> {
        let executions: Vec<Execution<'_>> =
            self.calls.iter().map(PlannedCall::execution).collect();
        if self.batch {
            encode_batch_calldata(&executions)
        } else {
            encode_single_calldata(&executions[0])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;
    use leash_model::abi::execute::decode_execute;

    fn call(data: &[u8]) -> PlannedCall {
        PlannedCall {
            target: address!("0x00000000000000000000000000000000000000a1"),
            value: U256::from(3),
            data: data.to_vec(),
            args: None,
        }
    }

    #[test]
    fn layout_points_at_the_fields_of_a_batch() {
        let op = PlannedOp { batch: true, calls: vec![call(&[1, 2, 3, 4, 5]), call(&[9; 40])] };
        let (cd, layout) = op.encode();
        assert!(decode_execute(&cd).is_ok());
        for (item, call) in layout.items.iter().zip(&op.calls) {
            assert_eq!(&cd[item.target_at + 12..item.target_at + 32], call.target.as_slice());
            assert_eq!(cd[item.value_at + 31], 3);
            assert_eq!(&cd[item.data_start..item.data_start + item.data_len], &call.data[..]);
            assert_eq!(cd[item.data_offset_word.unwrap() + 31], 0x60);
        }
    }

    #[test]
    fn layout_points_at_the_fields_of_a_single() {
        let op = PlannedOp { batch: false, calls: vec![call(&[7; 6])] };
        let (cd, layout) = op.encode();
        let item = layout.items[0];
        assert_eq!(&cd[item.target_at..item.target_at + 20], op.calls[0].target.as_slice());
        assert_eq!(&cd[item.data_start..item.data_start + 6], &[7; 6]);
        assert_eq!(layout.exec_len, 52 + 6);
    }
}
