//! [`Value<T>`]: an attribute that may be known, null, or unknown until apply; and the bridge
//! between typed (serde) state structs and the wire value tree.

use std::borrow::Cow;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::cty::Val;

/// The string an unknown value is carried as between the value tree and serde. It cannot come
/// from configuration by accident (it contains NUL characters), and only [`Value<T>`] gives it
/// meaning.
pub(crate) const UNKNOWN_MARKER: &str = "\u{0}tfplugin:unknown-value\u{0}";

/// One attribute of a resource, data source or provider object.
///
/// Use it for every attribute field of a state struct; Terraform can send null for any optional
/// or computed attribute, and unknown for any attribute at plan time (a value that depends on
/// another resource not yet created). Plain Rust types are fine for nested block lists
/// (`Vec<Rule>`), which are never null.
///
/// ```
/// use tfplugin::Value;
/// let v: Value<i64> = Value::Known(3);
/// assert_eq!(v.as_known(), Some(&3));
/// assert!(Value::<i64>::Unknown.is_unknown());
/// assert_eq!(Value::from(None::<i64>), Value::Null);
/// ```
///
/// With serde, `Known(t)` is `t`, `Null` is `null`/`None`; `Unknown` only exists at plan time
/// and is written as a reserved marker string, which the framework turns back into an unknown.
/// Its JSON schema is the schema of `T`, so schemas generated from state structs stay plain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Value<T> {
    /// A known value.
    Known(T),
    /// Null: not set in configuration, or absent from the remote object. The default.
    #[default]
    Null,
    /// Not known until apply. Never valid in state returned by create, read, update or import.
    Unknown,
}

impl<T> Value<T> {
    /// The known value, if any.
    pub fn as_known(&self) -> Option<&T> {
        match self {
            Value::Known(t) => Some(t),
            _ => None,
        }
    }

    /// Consumes the value and returns the known value, if any.
    pub fn into_known(self) -> Option<T> {
        match self {
            Value::Known(t) => Some(t),
            _ => None,
        }
    }

    /// True for `Known`.
    pub fn is_known(&self) -> bool {
        matches!(self, Value::Known(_))
    }

    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True for `Unknown`.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// A reference to the known value, if any, keeping null/unknown.
    pub fn as_ref(&self) -> Value<&T> {
        match self {
            Value::Known(t) => Value::Known(t),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        }
    }

    /// Maps the known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Value<U> {
        match self {
            Value::Known(t) => Value::Known(f(t)),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        }
    }

    /// The known value, or `default` when null or unknown.
    pub fn known_or(self, default: T) -> T {
        self.into_known().unwrap_or(default)
    }

    /// `Some(t)` for known, `None` for null; unknown becomes `None` too.
    pub fn into_option(self) -> Option<T> {
        self.into_known()
    }
}

impl<T: Default> Value<T> {
    /// The known value, or `T::default()` when null or unknown.
    pub fn known_or_default(self) -> T {
        self.into_known().unwrap_or_default()
    }
}

impl Value<String> {
    /// The known string as `&str`.
    pub fn as_str(&self) -> Option<&str> {
        self.as_known().map(String::as_str)
    }
}

impl<T> From<Option<T>> for Value<T> {
    /// `Some` is known, `None` is null.
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Value::Known)
    }
}

impl From<&str> for Value<String> {
    fn from(s: &str) -> Self {
        Value::Known(s.to_string())
    }
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Known(t) => t.serialize(s),
            Value::Null => s.serialize_none(),
            Value::Unknown => s.serialize_str(UNKNOWN_MARKER),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Value<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Buffer the value so null and the unknown marker can be told apart from a `T`.
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Null => Ok(Value::Null),
            serde_json::Value::String(s) if s == UNKNOWN_MARKER => Ok(Value::Unknown),
            other => T::deserialize(other)
                .map(Value::Known)
                .map_err(D::Error::custom),
        }
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Value<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// Why a typed value could not be converted to or from the wire.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The value tree did not deserialize into the Rust type (a state struct that does not match
    /// its schema, or a plain field that received null/unknown).
    #[error("decoding {type_name}: {source}")]
    Decode {
        /// The Rust type being decoded.
        type_name: &'static str,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
    /// The Rust value could not be serialized.
    #[error("encoding {type_name}: {source}")]
    Encode {
        /// The Rust type being encoded.
        type_name: &'static str,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
}

/// Typed value → value tree.
pub(crate) fn to_val<T: Serialize>(t: &T) -> Result<Val, ConvertError> {
    let j = serde_json::to_value(t).map_err(|source| ConvertError::Encode {
        type_name: std::any::type_name::<T>(),
        source,
    })?;
    Ok(Val::from_serde_json(&j))
}

/// Value tree → typed value.
pub(crate) fn from_val<T: DeserializeOwned>(v: &Val) -> Result<T, ConvertError> {
    serde_json::from_value(v.to_serde_json()).map_err(|source| ConvertError::Decode {
        type_name: std::any::type_name::<T>(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
    struct Rule {
        days: Value<i64>,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
    struct State {
        id: Value<String>,
        ratio: Value<f64>,
        tags: Value<BTreeMap<String, String>>,
        names: Value<Vec<String>>,
        rule: Vec<Rule>,
    }

    #[test]
    fn typed_state_round_trips_through_the_value_tree_with_unknowns() {
        let s = State {
            id: Value::Unknown,
            ratio: Value::Known(0.5),
            tags: Value::Known([("a".to_string(), "b".to_string())].into()),
            names: Value::Null,
            rule: vec![
                Rule {
                    days: Value::Unknown,
                },
                Rule {
                    days: Value::Known(3),
                },
            ],
        };
        let v = to_val(&s).unwrap();
        assert_eq!(v.attr("id"), &Val::Unknown);
        assert_eq!(v.attr("names"), &Val::Null);
        let back: State = from_val(&v).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn plain_serde_json_sees_null_for_null() {
        let s = State::default();
        let j = serde_json::to_value(&s).unwrap();
        assert_eq!(j["id"], serde_json::Value::Null);
        let back: State = serde_json::from_value(j).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn json_schema_of_value_is_the_inner_schema() {
        let a = schemars::schema_for!(Value<String>);
        let b = schemars::schema_for!(String);
        assert_eq!(a, b);
    }

    #[test]
    fn wrong_type_is_an_error_naming_the_type() {
        let v = Val::Map([("id".into(), Val::Bool(true))].into());
        let e = from_val::<State>(&v).unwrap_err();
        assert!(e.to_string().contains("State"), "{e}");
    }
}
