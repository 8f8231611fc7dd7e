//! Terraform's value model (cty) as the wire sees it: types, a dynamic value tree, and the
//! msgpack and JSON encodings of `DynamicValue`.
//!
//! Decoding is driven by the schema's type, as in go-cty: objects must be msgpack maps with string
//! keys, any msgpack extension is an unknown (plain ext 0, or a refined unknown in ext 12 whose
//! refinements we ignore), and numbers arrive as ints, floats or decimal strings. Encoding always
//! writes every attribute of an object (nil where unset), unknowns as plain `d4 00 00`, and never
//! refinements (tfplugin.md §3).

use std::collections::BTreeMap;
use std::fmt;

use crate::diagnostics::{AttributePath, PathStep};

/// A cty type, as written in a schema attribute's JSON `type` (e.g. `["list","string"]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// `"string"`
    String,
    /// `"number"` (arbitrary precision in Terraform; i64/f64 or a decimal string here).
    Number,
    /// `"bool"`
    Bool,
    /// `"dynamic"`: the value carries its own type.
    Dynamic,
    /// `["list", T]`
    List(Box<Type>),
    /// `["set", T]`
    Set(Box<Type>),
    /// `["map", T]`
    Map(Box<Type>),
    /// `["object", {name: T}]`
    Object(BTreeMap<String, Type>),
    /// `["tuple", [T...]]`
    Tuple(Vec<Type>),
}

impl Type {
    /// The JSON form Terraform uses in `Schema.Attribute.type` and for dynamic values.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Value as J, json};
        match self {
            Type::String => J::from("string"),
            Type::Number => J::from("number"),
            Type::Bool => J::from("bool"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object(attrs) => {
                let m: serde_json::Map<String, J> = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                json!(["object", m])
            }
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
        }
    }

    /// Parses the JSON type form; used for the type half of a dynamic value.
    pub fn from_json(j: &serde_json::Value) -> Result<Type, String> {
        use serde_json::Value as J;
        match j {
            J::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("unknown primitive type {other:?}")),
            },
            J::Array(parts) if parts.len() >= 2 => {
                let kind = parts[0].as_str().unwrap_or_default();
                match kind {
                    "list" => Ok(Type::List(Box::new(Type::from_json(&parts[1])?))),
                    "set" => Ok(Type::Set(Box::new(Type::from_json(&parts[1])?))),
                    "map" => Ok(Type::Map(Box::new(Type::from_json(&parts[1])?))),
                    "object" => {
                        let obj = parts[1].as_object().ok_or("object type needs a map")?;
                        let mut attrs = BTreeMap::new();
                        for (k, v) in obj {
                            attrs.insert(k.clone(), Type::from_json(v)?);
                        }
                        Ok(Type::Object(attrs))
                    }
                    "tuple" => {
                        let elems = parts[1].as_array().ok_or("tuple type needs a list")?;
                        Ok(Type::Tuple(
                            elems
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    other => Err(format!("unknown type kind {other:?}")),
                }
            }
            other => Err(format!("invalid type {other}")),
        }
    }

    /// The type a dynamic value is sent with, inferred from the value itself.
    fn infer(v: &Val) -> Type {
        match v {
            Val::Null | Val::Unknown => Type::Dynamic,
            Val::Bool(_) => Type::Bool,
            Val::Number(_) => Type::Number,
            Val::String(_) => Type::String,
            Val::List(items) => Type::Tuple(items.iter().map(Type::infer).collect()),
            Val::Map(m) => {
                Type::Object(m.iter().map(|(k, v)| (k.clone(), Type::infer(v))).collect())
            }
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

/// A number as Terraform sends it: exact integers, binary floats, or anything else (very large or
/// very precise) as a decimal string.
#[derive(Clone, Debug)]
pub enum Number {
    /// An integer that fits in i64.
    Int(i64),
    /// A non-integral (or out-of-i64-range) float64.
    Float(f64),
    /// A decimal that neither i64 nor f64 represents exactly.
    Big(String),
}

impl Number {
    /// Builds the canonical form of a float: integral floats within i64 become `Int`, so that
    /// `1` and `1.0` compare equal and encode identically.
    pub fn from_f64(f: f64) -> Number {
        // The range check keeps `as` from saturating; 2^63 itself is out of range.
        if f.fract() == 0.0
            && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f)
        {
            #[allow(clippy::cast_possible_truncation)]
            return Number::Int(f as i64);
        }
        Number::Float(f)
    }

    /// Parses a decimal string, keeping the exact text when no machine type holds it.
    pub fn parse(s: &str) -> Result<Number, String> {
        let t = s.trim();
        if let Ok(i) = t.parse::<i64>() {
            return Ok(Number::Int(i));
        }
        match t.parse::<f64>() {
            Ok(f) if f.is_finite() && format!("{f}") == t => Ok(Number::from_f64(f)),
            Ok(f) if f.is_finite() => Ok(Number::Big(t.to_string())),
            _ => Err(format!("{s:?} is not a number")),
        }
    }

    /// The value as f64 (lossy for `Big`).
    pub fn as_f64(&self) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Number::Int(i) => *i as f64,
            Number::Float(f) => *f,
            Number::Big(s) => s.parse().unwrap_or(f64::NAN),
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Big(a), Number::Big(b)) => a == b,
            #[allow(clippy::float_cmp)]
            _ => self.as_f64() == other.as_f64(),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Big(s) => f.write_str(s),
        }
    }
}

/// A value tree; its cty type comes from the schema it is read or written with. Lists, sets and
/// tuples are all `List`; maps and objects are both `Map`.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Val {
    /// Null of any type.
    #[default]
    Null,
    /// Not known until apply (refinements are dropped).
    Unknown,
    /// A bool.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// A list, set or tuple.
    List(Vec<Val>),
    /// A map or object.
    Map(BTreeMap<String, Val>),
}

impl Val {
    /// True if no unknown appears anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Val::Unknown => false,
            Val::List(items) => items.iter().all(Val::is_wholly_known),
            Val::Map(m) => m.values().all(Val::is_wholly_known),
            _ => true,
        }
    }

    /// Replaces every unknown inside with null (used after reporting a provider bug).
    pub fn unknowns_to_null(&mut self) {
        match self {
            Val::Unknown => *self = Val::Null,
            Val::List(items) => items.iter_mut().for_each(Val::unknowns_to_null),
            Val::Map(m) => m.values_mut().for_each(Val::unknowns_to_null),
            _ => {}
        }
    }

    /// The attribute `name` of an object value (null when absent or when self is not an object).
    pub fn attr(&self, name: &str) -> &Val {
        static NULL: Val = Val::Null;
        match self {
            Val::Map(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// The value at `path`, or null when the path does not resolve.
    pub fn at(&self, path: &AttributePath) -> &Val {
        static NULL: Val = Val::Null;
        let mut cur = self;
        for step in path.steps() {
            cur = match (step, cur) {
                (PathStep::Attribute(n) | PathStep::Key(n), Val::Map(m)) => {
                    m.get(n).unwrap_or(&NULL)
                }
                (PathStep::Index(i), Val::List(items)) => usize::try_from(*i)
                    .ok()
                    .and_then(|i| items.get(i))
                    .unwrap_or(&NULL),
                _ => &NULL,
            };
        }
        cur
    }

    /// Converts to JSON for validators, defaults and typed (serde) access. Unknowns become the
    /// reserved marker string that [`crate::Value`] recognises.
    pub fn to_serde_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Val::Null => J::Null,
            Val::Unknown => J::String(crate::value::UNKNOWN_MARKER.to_string()),
            Val::Bool(b) => J::Bool(*b),
            Val::Number(Number::Int(i)) => J::from(*i),
            Val::Number(Number::Float(f)) => {
                serde_json::Number::from_f64(*f).map_or(J::Null, J::Number)
            }
            // serde_json without arbitrary precision cannot hold it exactly; f64 is the closest.
            Val::Number(n @ Number::Big(_)) => {
                serde_json::Number::from_f64(n.as_f64()).map_or(J::Null, J::Number)
            }
            Val::String(s) => J::String(s.clone()),
            Val::List(items) => J::Array(items.iter().map(Val::to_serde_json).collect()),
            Val::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_serde_json()))
                    .collect(),
            ),
        }
    }

    /// The inverse of [`Val::to_serde_json`], without a type: arrays become `List`, objects `Map`
    /// and the unknown marker `Unknown`. The schema type is applied when encoding.
    pub fn from_serde_json(j: &serde_json::Value) -> Val {
        use serde_json::Value as J;
        match j {
            J::Null => Val::Null,
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) => Val::Number(json_number(n)),
            J::String(s) if s == crate::value::UNKNOWN_MARKER => Val::Unknown,
            J::String(s) => Val::String(s.clone()),
            J::Array(items) => Val::List(items.iter().map(Val::from_serde_json).collect()),
            J::Object(m) => Val::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), Val::from_serde_json(v)))
                    .collect(),
            ),
        }
    }
}

fn json_number(n: &serde_json::Number) -> Number {
    if let Some(i) = n.as_i64() {
        Number::Int(i)
    } else if let Some(u) = n.as_u64() {
        Number::Big(u.to_string())
    } else {
        Number::from_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// A value that does not fit its type, with where it happened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at {path})")]
pub struct CodecError {
    /// Where in the value the problem is.
    pub path: AttributePath,
    /// What is wrong.
    pub message: String,
}

fn err<T>(path: &AttributePath, message: impl Into<String>) -> Result<T, CodecError> {
    Err(CodecError {
        path: path.clone(),
        message: message.into(),
    })
}

// ---------------------------------------------------------------------------------------------
// msgpack

/// How deep [`decode_msgpack`] lets msgpack nest, in rmpv's units (each array or map level
/// costs two). rmpv's own default (1024) still overflows a 2 MiB thread stack once our
/// type-directed decoder recurses on top of it; 128 units are about 64 levels of nesting, far
/// more than any schema has (a dynamic value adds one level for its `[type, value]` pair).
pub const MAX_MSGPACK_DEPTH: usize = 128;

/// Decodes msgpack bytes of a value of type `ty`. Empty input is null. Nesting deeper than
/// [`MAX_MSGPACK_DEPTH`] is an error.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Val, CodecError> {
    if bytes.is_empty() {
        return Ok(Val::Null);
    }
    let mut rd = bytes;
    let raw = rmpv::decode::read_value_with_max_depth(&mut rd, MAX_MSGPACK_DEPTH).map_err(|e| {
        CodecError {
            path: AttributePath::root(),
            message: format!("msgpack: {e}"),
        }
    })?;
    if !rd.is_empty() {
        return err(&AttributePath::root(), "trailing bytes after msgpack value");
    }
    from_msgpack(raw, ty, &AttributePath::root())
}

fn from_msgpack(raw: rmpv::Value, ty: &Type, path: &AttributePath) -> Result<Val, CodecError> {
    use rmpv::Value as M;
    match (raw, ty) {
        // Any extension is an unknown: ext 0 plain, ext 12 refined (refinements ignored).
        (M::Ext(..), _) => Ok(Val::Unknown),
        (M::Nil, _) => Ok(Val::Null),
        (M::String(s), Type::String) => match s.into_str() {
            Some(s) => Ok(Val::String(s)),
            None => err(path, "string is not valid UTF-8"),
        },
        (M::Boolean(b), Type::Bool) => Ok(Val::Bool(b)),
        (M::Integer(i), Type::Number) => Ok(Val::Number(match i.as_i64() {
            Some(i) => Number::Int(i),
            None => Number::Big(i.to_string()),
        })),
        (M::F64(f), Type::Number) => Ok(Val::Number(Number::from_f64(f))),
        (M::F32(f), Type::Number) => Ok(Val::Number(Number::from_f64(f64::from(f)))),
        (M::String(s), Type::Number) => match s.as_str().map(Number::parse) {
            Some(Ok(n)) => Ok(Val::Number(n)),
            _ => err(path, "invalid number string"),
        },
        (M::Array(items), Type::List(el) | Type::Set(el)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| from_msgpack(v, el, &path.index(i)))
            .collect::<Result<_, _>>()
            .map(Val::List),
        (M::Array(items), Type::Tuple(tys)) => {
            if items.len() != tys.len() {
                return err(
                    path,
                    format!("tuple needs {} elements, got {}", tys.len(), items.len()),
                );
            }
            items
                .into_iter()
                .zip(tys)
                .enumerate()
                .map(|(i, (v, t))| from_msgpack(v, t, &path.index(i)))
                .collect::<Result<_, _>>()
                .map(Val::List)
        }
        (M::Map(entries), Type::Map(el)) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let Some(k) = k.as_str().map(str::to_string) else {
                    return err(path, "map key is not a string");
                };
                let v = from_msgpack(v, el, &path.key(&k))?;
                out.insert(k, v);
            }
            Ok(Val::Map(out))
        }
        (M::Map(entries), Type::Object(attrs)) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let Some(k) = k.as_str().map(str::to_string) else {
                    return err(path, "object key is not a string");
                };
                let Some(at) = attrs.get(&k) else {
                    return err(path, format!("unsupported attribute {k:?}"));
                };
                let v = from_msgpack(v, at, &path.attr(&k))?;
                out.insert(k, v);
            }
            for name in attrs.keys() {
                out.entry(name.clone()).or_insert(Val::Null);
            }
            Ok(Val::Map(out))
        }
        (M::Array(mut pair), Type::Dynamic) if pair.len() == 2 => {
            let value = pair.pop().unwrap_or(M::Nil);
            let type_json = match pair.pop() {
                Some(M::Binary(b)) => b,
                Some(M::String(s)) => s.into_bytes(),
                _ => return err(path, "dynamic value needs [type, value]"),
            };
            let ty_json: serde_json::Value =
                serde_json::from_slice(&type_json).map_err(|e| CodecError {
                    path: path.clone(),
                    message: format!("dynamic type: {e}"),
                })?;
            let ty = Type::from_json(&ty_json).map_err(|m| CodecError {
                path: path.clone(),
                message: m,
            })?;
            from_msgpack(value, &ty, path)
        }
        (other, ty) => err(
            path,
            format!("msgpack {} does not fit type {ty}", kind_of(&other)),
        ),
    }
}

fn kind_of(v: &rmpv::Value) -> &'static str {
    use rmpv::Value as M;
    match v {
        M::Nil => "nil",
        M::Boolean(_) => "bool",
        M::Integer(_) => "integer",
        M::F32(_) | M::F64(_) => "float",
        M::String(_) => "string",
        M::Binary(_) => "binary",
        M::Array(_) => "array",
        M::Map(_) => "map",
        M::Ext(..) => "ext",
    }
}

/// Encodes a value of type `ty` as msgpack.
pub fn encode_msgpack(v: &Val, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let m = to_msgpack(v, ty, &AttributePath::root())?;
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &m).map_err(|e| CodecError {
        path: AttributePath::root(),
        message: format!("msgpack: {e}"),
    })?;
    Ok(out)
}

fn to_msgpack(v: &Val, ty: &Type, path: &AttributePath) -> Result<rmpv::Value, CodecError> {
    use rmpv::Value as M;
    Ok(match (v, ty) {
        (Val::Null, _) => M::Nil,
        // fixext1 type 0 (`d4 00 00`): a plain unknown, never refinements.
        (Val::Unknown, _) => M::Ext(0, vec![0]),
        (v, Type::Dynamic) => {
            let inferred = Type::infer(v);
            let ty_json = serde_json::to_vec(&inferred.to_json()).unwrap_or_default();
            M::Array(vec![M::Binary(ty_json), to_msgpack(v, &inferred, path)?])
        }
        (Val::String(s), Type::String) => M::from(s.as_str()),
        (Val::Bool(b), Type::Bool) => M::Boolean(*b),
        (Val::Number(Number::Int(i)), Type::Number) => M::from(*i),
        (Val::Number(Number::Float(f)), Type::Number) => M::F64(*f),
        (Val::Number(Number::Big(s)), Type::Number) => M::from(s.as_str()),
        (Val::List(items), Type::List(el) | Type::Set(el)) => M::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| to_msgpack(x, el, &path.index(i)))
                .collect::<Result<_, _>>()?,
        ),
        (Val::List(items), Type::Tuple(tys)) if items.len() == tys.len() => M::Array(
            items
                .iter()
                .zip(tys)
                .enumerate()
                .map(|(i, (x, t))| to_msgpack(x, t, &path.index(i)))
                .collect::<Result<_, _>>()?,
        ),
        (Val::Map(m), Type::Map(el)) => M::Map(
            m.iter()
                .map(|(k, x)| Ok((M::from(k.as_str()), to_msgpack(x, el, &path.key(k))?)))
                .collect::<Result<_, CodecError>>()?,
        ),
        (Val::Map(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return err(
                    path,
                    format!("value has attribute {extra:?} that the schema lacks"),
                );
            }
            // Every attribute, in sorted order, nil where the value has none.
            M::Map(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        let x = m.get(k).unwrap_or(&Val::Null);
                        Ok((M::from(k.as_str()), to_msgpack(x, t, &path.attr(k))?))
                    })
                    .collect::<Result<_, CodecError>>()?,
            )
        }
        (v, ty) => {
            return err(
                path,
                format!("value {} does not fit type {ty}", describe(v)),
            );
        }
    })
}

fn describe(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Unknown => "unknown",
        Val::Bool(_) => "bool",
        Val::Number(_) => "number",
        Val::String(_) => "string",
        Val::List(_) => "list",
        Val::Map(_) => "map/object",
    }
}

// ---------------------------------------------------------------------------------------------
// JSON (state files, UpgradeResourceState.raw_state, and the DynamicValue.json fallback)

/// How strictly JSON objects must match their object type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonMode {
    /// Unknown attributes are errors (a value Terraform produced for the current schema).
    Strict,
    /// Attributes the schema no longer has are dropped (stored state of the same schema version,
    /// which Terraform has already stripped, or hand-edited state).
    DropUnknownAttributes,
}

/// Decodes JSON of a value of type `ty`. Missing object attributes are null.
pub fn decode_json(bytes: &[u8], ty: &Type, mode: JsonMode) -> Result<Val, CodecError> {
    if bytes.is_empty() {
        return Ok(Val::Null);
    }
    let j: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| CodecError {
        path: AttributePath::root(),
        message: format!("JSON: {e}"),
    })?;
    from_json(&j, ty, mode, &AttributePath::root())
}

/// Decodes an already parsed JSON value of type `ty`.
pub fn from_json(
    j: &serde_json::Value,
    ty: &Type,
    mode: JsonMode,
    path: &AttributePath,
) -> Result<Val, CodecError> {
    use serde_json::Value as J;
    match (j, ty) {
        (J::Null, _) => Ok(Val::Null),
        (J::String(s), Type::String) => Ok(Val::String(s.clone())),
        (J::Bool(b), Type::Bool) => Ok(Val::Bool(*b)),
        (J::Number(n), Type::Number) => Ok(Val::Number(json_number(n))),
        (J::String(s), Type::Number) => Number::parse(s).map(Val::Number).or_else(|m| err(path, m)),
        (J::Array(items), Type::List(el) | Type::Set(el)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| from_json(v, el, mode, &path.index(i)))
            .collect::<Result<_, _>>()
            .map(Val::List),
        (J::Array(items), Type::Tuple(tys)) if items.len() == tys.len() => items
            .iter()
            .zip(tys)
            .enumerate()
            .map(|(i, (v, t))| from_json(v, t, mode, &path.index(i)))
            .collect::<Result<_, _>>()
            .map(Val::List),
        (J::Object(m), Type::Map(el)) => m
            .iter()
            .map(|(k, v)| Ok((k.clone(), from_json(v, el, mode, &path.key(k))?)))
            .collect::<Result<_, _>>()
            .map(Val::Map),
        (J::Object(m), Type::Object(attrs)) => {
            let mut out = BTreeMap::new();
            for (k, v) in m {
                match attrs.get(k) {
                    Some(t) => {
                        out.insert(k.clone(), from_json(v, t, mode, &path.attr(k))?);
                    }
                    None if mode == JsonMode::DropUnknownAttributes => {}
                    None => return err(path, format!("unsupported attribute {k:?}")),
                }
            }
            for name in attrs.keys() {
                out.entry(name.clone()).or_insert(Val::Null);
            }
            Ok(Val::Map(out))
        }
        (J::Object(m), Type::Dynamic) if m.contains_key("type") && m.contains_key("value") => {
            let ty = Type::from_json(&m["type"]).map_err(|e| CodecError {
                path: path.clone(),
                message: e,
            })?;
            from_json(&m["value"], &ty, mode, path)
        }
        (j, ty) => err(path, format!("JSON {j} does not fit type {ty}")),
    }
}

/// Encodes a wholly known value of type `ty` as JSON (unknowns are an error: JSON has none).
pub fn to_json(v: &Val, ty: &Type, path: &AttributePath) -> Result<serde_json::Value, CodecError> {
    use serde_json::Value as J;
    Ok(match (v, ty) {
        (Val::Null, _) => J::Null,
        (Val::Unknown, _) => return err(path, "unknown values cannot be written as JSON"),
        (v, Type::Dynamic) => {
            let inferred = Type::infer(v);
            serde_json::json!({"value": to_json(v, &inferred, path)?, "type": inferred.to_json()})
        }
        (Val::String(s), Type::String) => J::String(s.clone()),
        (Val::Bool(b), Type::Bool) => J::Bool(*b),
        (Val::Number(Number::Int(i)), Type::Number) => J::from(*i),
        (Val::Number(Number::Float(f)), Type::Number) => {
            serde_json::Number::from_f64(*f).map_or(J::Null, J::Number)
        }
        (Val::Number(Number::Big(s)), Type::Number) => J::String(s.clone()),
        (Val::List(items), Type::List(el) | Type::Set(el)) => J::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| to_json(x, el, &path.index(i)))
                .collect::<Result<_, _>>()?,
        ),
        (Val::List(items), Type::Tuple(tys)) if items.len() == tys.len() => J::Array(
            items
                .iter()
                .zip(tys)
                .enumerate()
                .map(|(i, (x, t))| to_json(x, t, &path.index(i)))
                .collect::<Result<_, _>>()?,
        ),
        (Val::Map(m), Type::Map(el)) => J::Object(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), to_json(x, el, &path.key(k))?)))
                .collect::<Result<_, CodecError>>()?,
        ),
        (Val::Map(m), Type::Object(attrs)) => J::Object(
            attrs
                .iter()
                .map(|(k, t)| {
                    Ok((
                        k.clone(),
                        to_json(m.get(k).unwrap_or(&Val::Null), t, &path.attr(k))?,
                    ))
                })
                .collect::<Result<_, CodecError>>()?,
        ),
        (v, ty) => {
            return err(
                path,
                format!("value {} does not fit type {ty}", describe(v)),
            );
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obj(pairs: &[(&str, Type)]) -> Type {
        Type::Object(
            pairs
                .iter()
                .map(|(k, t)| ((*k).to_string(), t.clone()))
                .collect(),
        )
    }

    #[test]
    fn refined_unknown_ext12_decodes_as_unknown() {
        // "unknown, definitely not null", exactly as Terraform 1.11 sent it (tfplugin.md §3.3).
        let v = decode_msgpack(&[0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2], &Type::String).unwrap();
        assert_eq!(v, Val::Unknown);
        // A refined string prefix (key 2) on a nested attribute.
        let ty = obj(&[("name", Type::String), ("n", Type::Number)]);
        let mut bytes = vec![0x82, 0xa4];
        bytes.extend_from_slice(b"name");
        bytes.extend_from_slice(&[0xc7, 0x06, 0x0c, 0x81, 0x02, 0xa3, b'a', b'b', b'c']);
        bytes.extend_from_slice(&[0xa1, b'n', 0xd4, 0x00, 0x00]);
        let v = decode_msgpack(&bytes, &ty).unwrap();
        assert_eq!(v.attr("name"), &Val::Unknown);
        assert_eq!(v.attr("n"), &Val::Unknown);
    }

    #[test]
    fn unknown_encodes_as_plain_fixext1_zero() {
        assert_eq!(
            encode_msgpack(&Val::Unknown, &Type::String).unwrap(),
            vec![0xd4, 0x00, 0x00]
        );
    }

    #[test]
    fn null_object_is_single_nil_byte_and_empty_is_null() {
        let ty = obj(&[("a", Type::String)]);
        assert_eq!(decode_msgpack(&[0xc0], &ty).unwrap(), Val::Null);
        assert_eq!(decode_msgpack(&[], &ty).unwrap(), Val::Null);
        assert_eq!(encode_msgpack(&Val::Null, &ty).unwrap(), vec![0xc0]);
    }

    #[test]
    fn objects_are_written_with_every_attribute() {
        let ty = obj(&[("a", Type::String), ("b", Type::Number)]);
        let v = Val::Map([("a".to_string(), Val::String("x".into()))].into());
        let bytes = encode_msgpack(&v, &ty).unwrap();
        // fixmap of 2: "a" → "x", "b" → nil.
        assert_eq!(bytes, vec![0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
    }

    #[test]
    fn numbers_accept_int_float_and_decimal_string() {
        assert_eq!(
            decode_msgpack(&[0x2a], &Type::Number).unwrap(),
            Val::Number(Number::Int(42))
        );
        let mut f = vec![0xcb];
        f.extend_from_slice(&1.5f64.to_be_bytes());
        assert_eq!(
            decode_msgpack(&f, &Type::Number).unwrap(),
            Val::Number(Number::Float(1.5))
        );
        let big = "123456789012345678901234567890";
        let mut s = vec![0xbe];
        s.extend_from_slice(big.as_bytes());
        assert_eq!(
            decode_msgpack(&s, &Type::Number).unwrap(),
            Val::Number(Number::Big(big.into()))
        );
        // u64 beyond i64 stays exact.
        let mut u = vec![0xcf];
        u.extend_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(
            decode_msgpack(&u, &Type::Number).unwrap(),
            Val::Number(Number::Big(u64::MAX.to_string()))
        );
    }

    #[test]
    fn unsupported_attribute_and_wrong_type_are_errors_with_paths() {
        let ty = obj(&[("a", Type::List(Box::new(Type::String)))]);
        let v = Val::Map([("a".into(), Val::List(vec![Val::Bool(true)]))].into());
        let e = encode_msgpack(&v, &ty).unwrap_err();
        assert_eq!(e.path, AttributePath::root().attr("a").index(0));
        let v = Val::Map([("zz".into(), Val::Null)].into());
        assert!(encode_msgpack(&v, &ty).unwrap_err().message.contains("zz"));
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let v = Val::List(vec![Val::String("a".into()), Val::Number(Number::Int(1))]);
        let bytes = encode_msgpack(&v, &Type::Dynamic).unwrap();
        assert_eq!(decode_msgpack(&bytes, &Type::Dynamic).unwrap(), v);
        let j = to_json(&v, &Type::Dynamic, &AttributePath::root()).unwrap();
        assert_eq!(
            j["type"],
            serde_json::json!(["tuple", ["string", "number"]])
        );
        assert_eq!(
            from_json(&j, &Type::Dynamic, JsonMode::Strict, &AttributePath::root()).unwrap(),
            v
        );
    }

    #[test]
    fn json_drop_mode_strips_removed_attributes_and_fills_missing() {
        let ty = obj(&[("a", Type::String), ("b", Type::Bool)]);
        let v = decode_json(
            br#"{"a":"x","gone":1}"#,
            &ty,
            JsonMode::DropUnknownAttributes,
        )
        .unwrap();
        assert_eq!(
            v,
            Val::Map(
                [
                    ("a".into(), Val::String("x".into())),
                    ("b".into(), Val::Null)
                ]
                .into()
            )
        );
        assert!(decode_json(br#"{"gone":1}"#, &ty, JsonMode::Strict).is_err());
    }

    /// A type and a value of that type, possibly with nulls and unknowns anywhere.
    fn typed_value() -> impl Strategy<Value = (Type, Val)> {
        let leaf = prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)];
        let ty = leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|t| Type::List(Box::new(t))),
                inner.clone().prop_map(|t| Type::Set(Box::new(t))),
                inner.clone().prop_map(|t| Type::Map(Box::new(t))),
                prop::collection::btree_map("[a-z_]{1,6}", inner.clone(), 0..4)
                    .prop_map(Type::Object),
                prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
            ]
        });
        ty.prop_flat_map(|t| {
            let v = value_of(&t);
            (Just(t), v)
        })
    }

    fn value_of(t: &Type) -> BoxedStrategy<Val> {
        let known: BoxedStrategy<Val> = match t {
            Type::String => ".{0,8}".prop_map(Val::String).boxed(),
            Type::Bool => any::<bool>().prop_map(Val::Bool).boxed(),
            Type::Number => prop_oneof![
                any::<i64>().prop_map(|i| Val::Number(Number::Int(i))),
                // Binary fractions: exact in every encoding, so equality is meaningful.
                (any::<i32>(), 1..8i32)
                    .prop_map(|(i, s)| Val::Number(Number::from_f64(f64::from(i) / 2f64.powi(s)))),
                "[1-9][0-9]{20,30}".prop_map(|s| Val::Number(Number::Big(s))),
            ]
            .boxed(),
            Type::List(el) | Type::Set(el) => prop::collection::vec(value_of(el), 0..3)
                .prop_map(Val::List)
                .boxed(),
            Type::Map(el) => prop::collection::btree_map(".{0,4}", value_of(el), 0..3)
                .prop_map(Val::Map)
                .boxed(),
            Type::Object(attrs) => {
                let parts: Vec<_> = attrs
                    .iter()
                    .map(|(k, t)| (Just(k.clone()), value_of(t)))
                    .collect();
                parts
                    .prop_map(|kv| Val::Map(kv.into_iter().collect()))
                    .boxed()
            }
            Type::Tuple(tys) => tys
                .iter()
                .map(value_of)
                .collect::<Vec<_>>()
                .prop_map(Val::List)
                .boxed(),
            Type::Dynamic => Just(Val::Null).boxed(),
        };
        prop_oneof![8 => known, 1 => Just(Val::Null), 1 => Just(Val::Unknown)].boxed()
    }

    fn strip_unknowns(v: &Val) -> Val {
        let mut v = v.clone();
        v.unknowns_to_null();
        v
    }

    proptest! {
        #[test]
        fn msgpack_round_trips((ty, v) in typed_value()) {
            let bytes = encode_msgpack(&v, &ty).unwrap();
            prop_assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), v);
        }

        #[test]
        fn json_round_trips_known_values((ty, v) in typed_value()) {
            let v = strip_unknowns(&v);
            let j = to_json(&v, &ty, &AttributePath::root()).unwrap();
            let bytes = serde_json::to_vec(&j).unwrap();
            prop_assert_eq!(decode_json(&bytes, &ty, JsonMode::Strict).unwrap(), v);
        }

        #[test]
        fn msgpack_and_json_agree((ty, v) in typed_value()) {
            let v = strip_unknowns(&v);
            let from_mp = decode_msgpack(&encode_msgpack(&v, &ty).unwrap(), &ty).unwrap();
            let j = serde_json::to_vec(&to_json(&v, &ty, &AttributePath::root()).unwrap()).unwrap();
            prop_assert_eq!(from_mp, decode_json(&j, &ty, JsonMode::Strict).unwrap());
        }

        #[test]
        fn any_extension_type_is_unknown(ext in any::<i8>(), payload in prop::collection::vec(any::<u8>(), 0..6)) {
            let mut bytes = Vec::new();
            rmpv::encode::write_value(&mut bytes, &rmpv::Value::Ext(ext, payload)).unwrap();
            prop_assert_eq!(decode_msgpack(&bytes, &Type::Number).unwrap(), Val::Unknown);
        }
    }
}
