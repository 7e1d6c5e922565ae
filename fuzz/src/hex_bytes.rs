//! Serde for byte strings as `0x`-prefixed hex, the way corpus files store calldata.

use serde::{Deserialize, Deserializer, Serializer};

/// Serializes bytes as `0x`-prefixed lowercase hex.
pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("0x{}", alloy_primitives::hex::encode(bytes)))
}

/// Deserializes `0x`-prefixed (or bare) hex into bytes, naming the bad input on failure.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(deserializer)?;
    alloy_primitives::hex::decode(text.strip_prefix("0x").unwrap_or(&text)).map_err(|e| {
        let shown: String = text.chars().take(24).collect();
        serde::de::Error::custom(format_args!("bad hex {shown:?}: {e}"))
    })
}
