//! This crate holds workspace tests under `tests/` (the directories of
//! `ami-generated` are regenerated from the spec, so hand-written tests
//! that need every family live here); the library is what they share: the
//! serde round trip.

use std::fmt::Debug;

use ami_runtime::wire::TypedVisitor;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Serializes a value, checks the JSON's shape, deserializes it and
/// compares. Gives the JSON.
pub struct RoundTrip;

impl TypedVisitor for RoundTrip {
    type Output = Result<Value, String>;

    fn visit<T>(self, value: T) -> Self::Output
    where
        T: Serialize + DeserializeOwned + PartialEq + Debug + 'static,
    {
        round_trip(&value)
    }
}

/// Serialize `value` to JSON, check the shape, deserialize and compare:
/// the JSON as a value, or what went wrong.
pub fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(
    value: &T,
) -> Result<Value, String> {
    let json = serde_json::to_string(value).map_err(|e| format!("serialize: {e}"))?;
    let back: T = serde_json::from_str(&json).map_err(|e| format!("deserialize: {e}\n{json}"))?;
    if back != *value {
        // A secret serializes redacted, so a value holding one comes back
        // with the redaction mark: then the JSON must still agree.
        let again = serde_json::to_string(&back).map_err(|e| e.to_string())?;
        if !(json.contains("\"********\"") && again == json) {
            return Err(format!(
                "deserialize(serialize(x)) != x\n{json}\n{value:?}\n{back:?}"
            ));
        }
    }
    let tree: Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    check_shape(&tree, &json)?;
    Ok(tree)
}

/// No `null` anywhere (`None` is omitted) and no empty `extra`.
fn check_shape(value: &Value, json: &str) -> Result<(), String> {
    match value {
        Value::Null => Err(format!("a null in {json}")),
        Value::Array(items) => items.iter().try_for_each(|v| check_shape(v, json)),
        Value::Object(map) => {
            if map
                .get("extra")
                .is_some_and(|e| e.as_array().is_some_and(Vec::is_empty))
            {
                return Err(format!("an empty extra in {json}"));
            }
            map.values().try_for_each(|v| check_shape(v, json))
        }
        _ => Ok(()),
    }
}
