//! The model's hand-written canonical encoders and strict decoders (`leash_model::abi`) against
//! alloy-sol-types, an independent ABI implementation: what the model writes is what alloy
//! writes, what alloy writes the model's strict decoders read back unchanged, and what the strict
//! decoders accept (after random damage to a canonical encoding) alloy's validating decoder
//! accepts with the same values.

use alloy_primitives::{Address, B256, Bytes, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolType, SolValue, sol, sol_data};
use leash_fuzz::evm::abi::ILeashAccount;
use leash_model::abi::args::{ArgDecoding, ArgValue, decode_args, encode_args};
use leash_model::abi::execute::{
    CALLTYPE_BATCH, CALLTYPE_SINGLE, decode_execute, encode_batch, encode_batch_calldata,
    encode_execute, encode_single, encode_single_calldata, mode,
};
use leash_model::{AbiType, Execution};
use proptest::prelude::*;

sol! {
    /// ERC-7579's `Execution`, whose array `encodeBatch` encodes.
    struct Erc7579Execution {
        address target;
        uint256 value;
        bytes callData;
    }
}

fn address() -> impl Strategy<Value = Address> {
    any::<[u8; 20]>().prop_map(Address::from)
}

fn word() -> impl Strategy<Value = U256> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(U256::from_be_bytes),
        (0u64..300).prop_map(U256::from),
        Just(U256::MAX),
    ]
}

fn data(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn executions() -> impl Strategy<Value = Vec<(Address, U256, Vec<u8>)>> {
    prop::collection::vec((address(), word(), data(100)), 1..=8)
}

fn model_executions(items: &[(Address, U256, Vec<u8>)]) -> Vec<Execution<'_>> {
    items
        .iter()
        .map(|(target, value, data)| Execution { target: *target, value: *value, data })
        .collect()
}

fn alloy_executions(items: &[(Address, U256, Vec<u8>)]) -> Vec<Erc7579Execution> {
    items
        .iter()
        .map(|(target, value, data)| Erc7579Execution {
            target: *target,
            value: *value,
            callData: Bytes::copy_from_slice(data),
        })
        .collect()
}

/// `bytes` with up to `n` random byte overwrites.
fn damaged(mut bytes: Vec<u8>, edits: &[(usize, u8)]) -> Vec<u8> {
    if !bytes.is_empty() {
        for (at, byte) in edits {
            let len = bytes.len();
            bytes[at % len] = *byte;
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn execute_is_alloys_encode_call(mode_word in any::<[u8; 32]>(), payload in data(200)) {
        let alloy = ILeashAccount::executeCall {
            mode: B256::from(mode_word),
            executionCalldata: Bytes::copy_from_slice(&payload),
        }
        .abi_encode();
        prop_assert_eq!(encode_execute(mode_word, &payload), alloy);
    }

    #[test]
    fn single_execution_is_alloys_encode_packed(
        (target, value, call) in (address(), word(), data(200)),
    ) {
        let packed = (target, value, Bytes::copy_from_slice(&call)).abi_encode_packed();
        let execution = Execution { target, value, data: &call };
        prop_assert_eq!(encode_single_calldata(&execution), packed);
    }

    #[test]
    fn batch_is_alloys_execution_array(items in executions()) {
        let model = model_executions(&items);
        let alloy = alloy_executions(&items).abi_encode();
        prop_assert_eq!(encode_batch_calldata(&model), alloy.clone());
        // The strict decoder reads alloy's encoding back unchanged.
        let call = ILeashAccount::executeCall {
            mode: B256::from(mode(CALLTYPE_BATCH, 0)),
            executionCalldata: alloy.into(),
        }
        .abi_encode();
        prop_assert_eq!(&call, &encode_batch(&model));
        let decoded = decode_execute(&call).expect("a canonical batch decodes");
        prop_assert_eq!(decoded.as_slice(), model.as_slice());
    }

    #[test]
    fn single_decodes_from_alloys_encoding(
        (target, value, call) in (address(), word(), data(200)),
    ) {
        let packed = (target, value, Bytes::copy_from_slice(&call)).abi_encode_packed();
        let op = ILeashAccount::executeCall {
            mode: B256::from(mode(CALLTYPE_SINGLE, 0)),
            executionCalldata: packed.into(),
        }
        .abi_encode();
        let execution = Execution { target, value, data: &call };
        prop_assert_eq!(&op, &encode_single(&execution));
        let decoded = decode_execute(&op).expect("a canonical single decodes");
        prop_assert_eq!(decoded.as_slice(), &[execution][..]);
    }

    #[test]
    fn batch_accepted_after_damage_is_canonical(
        items in executions(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..3),
    ) {
        let canonical = encode_batch(&model_executions(&items));
        let bytes = damaged(canonical, &edits);
        if let Ok(decoded) = decode_execute(&bytes)
            && bytes[4] == CALLTYPE_BATCH
        {
            let call = ILeashAccount::executeCall::abi_decode_validate(&bytes)
                .expect("alloy's validating decoder accepts what the strict decoder does");
            let batch = Vec::<Erc7579Execution>::abi_decode_validate(&call.executionCalldata)
                .expect("the batch is canonical too");
            prop_assert_eq!(batch.len(), decoded.len());
            for (a, m) in batch.iter().zip(decoded.iter()) {
                prop_assert_eq!((a.target, a.value, a.callData.as_ref()), (m.target, m.value, m.data));
            }
        }
    }
}

/// One argument list of a fixed shape (`$sol`, alloy's types), the model's and alloy's way.
macro_rules! args_shape {
    ($name:ident, $sol:ty, $types:expr, ($($strategy:expr),+), |$values:ident| $model:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            #[test]
            fn $name(
                $values in ($($strategy),+),
                edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..3),
            ) {
                let types: &[AbiType] = &$types;
                let alloy = <$sol as SolType>::abi_encode_params(&$values);
                let model: Vec<ArgValue<'_>> = $model;
                prop_assert_eq!(encode_args(&model), alloy.clone());
                let decoded = decode_args(&alloy, types, ArgDecoding::Strict)
                    .expect("the strict decoder reads alloy's encoding");
                prop_assert_eq!(decoded.as_slice(), model.as_slice());
                // Damaged: what the strict decoder still accepts, alloy validates to the same.
                let bytes = damaged(alloy, &edits);
                if let Ok(strict) = decode_args(&bytes, types, ArgDecoding::Strict) {
                    let again = <$sol as SolType>::abi_decode_params_validate(&bytes);
                    prop_assert!(again.is_ok(), "alloy rejects what the strict decoder accepts");
                    let $values = again.unwrap();
                    let alloy_values: Vec<ArgValue<'_>> = $model;
                    prop_assert_eq!(strict.as_slice(), alloy_values.as_slice());
                }
            }
        }
    };
}

fn w(x: U256) -> ArgValue<'static> {
    ArgValue::Word(x)
}

fn addr_word(a: Address) -> ArgValue<'static> {
    ArgValue::Word(U256::from_be_slice(a.as_slice()))
}

args_shape!(
    swap_arguments_are_alloys,
    (sol_data::Address, sol_data::Uint<256>, sol_data::Bytes, sol_data::Uint<256>),
    [AbiType::Address, AbiType::Uint(256), AbiType::Bytes, AbiType::Uint(256)],
    (address(), word(), data(130).prop_map(Bytes::from), word()),
    |v| vec![addr_word(v.0), w(v.1), ArgValue::Dynamic(&v.2), w(v.3)]
);

// A `string` has the layout of `bytes`; alloy also rejects strings that are not UTF-8, which
// neither Solidity nor spec §6.1 does, so alloy reads the string as `bytes` here.
args_shape!(
    two_dynamic_arguments_are_alloys,
    (sol_data::Bytes, sol_data::Bytes),
    [AbiType::Bytes, AbiType::String],
    (data(90).prop_map(Bytes::from), data(70).prop_map(Bytes::from)),
    |v| vec![ArgValue::Dynamic(&v.0), ArgValue::Dynamic(&v.1)]
);

args_shape!(
    small_static_arguments_are_alloys,
    (sol_data::Uint<8>, sol_data::Bool, sol_data::FixedBytes<4>, sol_data::Uint<64>),
    [AbiType::Uint(8), AbiType::Bool, AbiType::FixedBytes(4), AbiType::Uint(64)],
    (any::<u8>(), any::<bool>(), any::<[u8; 4]>().prop_map(FixedBytes::<4>::from), any::<u64>()),
    |v| vec![
        w(U256::from(v.0)),
        w(U256::from(u8::from(v.1))),
        ArgValue::Word(U256::from_be_bytes(B256::right_padding_from(v.2.as_slice()).0)),
        w(U256::from(v.3)),
    ]
);
