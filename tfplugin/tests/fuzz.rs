//! Bounded fuzzing of the cty decoders: whatever bytes Terraform (or anything pretending to be
//! it) sends as a `DynamicValue`, decoding answers `Ok` or a `CodecError`, never a panic, a
//! stack overflow or a hang.
//!
//! Each property runs `PROPTEST_CASES` cases (256 by default, so `cargo test` stays quick). For a
//! long run: `PROPTEST_CASES=1000000 timeout 10m cargo test -p tfplugin --test fuzz --release`
//! (see README, "Fuzzing").

use proptest::prelude::*;
use std::collections::BTreeMap;
use tfplugin::cty::{JsonMode, Type, decode_json, decode_msgpack};

/// The schema types decoding is driven by, including `dynamic` (whose type comes from the input).
fn any_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::String),
        Just(Type::Number),
        Just(Type::Bool),
        Just(Type::Dynamic),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Type::List(Box::new(t))),
            inner.clone().prop_map(|t| Type::Set(Box::new(t))),
            inner.clone().prop_map(|t| Type::Map(Box::new(t))),
            prop::collection::btree_map("[a-c]{1,2}", inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
        ]
    })
}

/// Arbitrary msgpack values (not only those that fit a type), so that the decoder's
/// type-directed half sees well-formed input of the wrong shape too.
fn any_msgpack() -> impl Strategy<Value = rmpv::Value> {
    use rmpv::Value as M;
    let leaf = prop_oneof![
        Just(M::Nil),
        any::<bool>().prop_map(M::Boolean),
        any::<i64>().prop_map(M::from),
        any::<u64>().prop_map(M::from),
        any::<f64>().prop_map(M::F64),
        any::<f32>().prop_map(M::F32),
        ".{0,6}".prop_map(M::from),
        // Type JSON as dynamic values carry it, valid or not.
        prop_oneof![
            Just(r#""string""#.to_owned()),
            Just(r#"["list","number"]"#.to_owned()),
            Just(r#"["object",{"a":"string"}]"#.to_owned()),
            Just(r#"["tuple",["bool","dynamic"]]"#.to_owned()),
            ".{0,12}",
        ]
        .prop_map(|s| M::Binary(s.into_bytes())),
        prop::collection::vec(any::<u8>(), 0..6).prop_map(M::Binary),
        (any::<i8>(), prop::collection::vec(any::<u8>(), 0..4)).prop_map(|(t, b)| M::Ext(t, b)),
    ];
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(M::Array),
            prop::collection::vec((inner.clone(), inner), 0..4).prop_map(M::Map),
        ]
    })
}

fn encode(v: &rmpv::Value) -> Vec<u8> {
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, v).expect("writing to a Vec cannot fail");
    out
}

proptest! {
    #[test]
    fn msgpack_decoder_survives_arbitrary_bytes(
        ty in any_type(),
        bytes in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let _ = decode_msgpack(&bytes, &ty);
    }

    #[test]
    fn msgpack_decoder_survives_well_formed_values_of_any_shape(
        ty in any_type(),
        value in any_msgpack(),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = encode(&value);
        let _ = decode_msgpack(&bytes, &ty);
        // Truncated anywhere: an error, never a panic or a read past the end.
        let end = cut.index(bytes.len().max(1));
        if end < bytes.len() {
            prop_assert!(decode_msgpack(&bytes[..end], &ty).is_err() || end == 0);
        }
    }

    #[test]
    fn json_decoder_survives_arbitrary_bytes(
        ty in any_type(),
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        drop_unknown in any::<bool>(),
    ) {
        let mode = if drop_unknown { JsonMode::DropUnknownAttributes } else { JsonMode::Strict };
        let _ = decode_json(&bytes, &ty, mode);
    }

    #[test]
    fn json_decoder_survives_json_of_any_shape(
        ty in any_type(),
        text in json_text(),
    ) {
        let _ = decode_json(text.as_bytes(), &ty, JsonMode::Strict);
    }
}

/// Syntactically valid JSON of arbitrary shape, including `{"type":..,"value":..}` dynamic pairs.
fn json_text() -> impl Strategy<Value = String> {
    use serde_json::Value as J;
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<f64>().prop_map(J::from),
        ".{0,6}".prop_map(J::String),
        Just(J::from("dynamic")),
        Just(serde_json::json!(["list", "string"])),
    ];
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
            prop::collection::btree_map("type|value|[a-c]", inner.clone(), 0..4)
                .prop_map(|m: BTreeMap<String, J>| J::Object(m.into_iter().collect())),
            (inner.clone(), inner).prop_map(|(t, v)| serde_json::json!({"type": t, "value": v})),
        ]
    })
    .prop_map(|j| j.to_string())
}

/// Nesting far beyond any schema: the decoder's depth bound answers an error (a recursive
/// decoder without one overflows the stack and aborts the provider).
#[test]
fn deeply_nested_msgpack_is_an_error_not_a_stack_overflow() {
    for ty in [Type::Dynamic, Type::List(Box::new(Type::Dynamic))] {
        // 0x91 = fixarray of one element, 100 000 deep.
        let mut bytes = vec![0x91u8; 100_000];
        bytes.push(0xc0);
        assert!(decode_msgpack(&bytes, &ty).is_err());
        // 0x81 0xa1 'a' = fixmap {"a": ...}, 50 000 deep.
        let mut bytes = b"\x81\xa1a".repeat(50_000);
        bytes.push(0xc0);
        assert!(decode_msgpack(&bytes, &ty).is_err());
    }
}

/// A dynamic value whose *type* JSON nests 100 000 lists: bounded by the JSON parser.
#[test]
fn deeply_nested_dynamic_type_json_is_an_error() {
    let depth = 100_000;
    let type_json = format!(
        "{}\"string\"{}",
        "[\"list\",".repeat(depth),
        "]".repeat(depth)
    );
    let value = rmpv::Value::Array(vec![
        rmpv::Value::Binary(type_json.into_bytes()),
        rmpv::Value::Nil,
    ]);
    let e = decode_msgpack(&encode(&value), &Type::Dynamic).unwrap_err();
    assert!(e.message.contains("dynamic type"), "{e}");
    let json = format!(
        "{}null{}",
        "{\"type\":\"dynamic\",\"value\":".repeat(depth),
        "}".repeat(depth)
    );
    assert!(decode_json(json.as_bytes(), &Type::Dynamic, JsonMode::Strict).is_err());
}

/// Nesting within the bound decodes (real schemas nest a few levels; 40 is plenty), and one
/// `[type, value]` dynamic pair per level beyond it is refused rather than recursed into.
#[test]
fn nesting_within_the_bound_decodes_and_beyond_it_is_an_error() {
    let mut ty = Type::String;
    let mut v = rmpv::Value::from("x");
    for _ in 0..40 {
        ty = Type::List(Box::new(ty));
        v = rmpv::Value::Array(vec![v]);
    }
    assert!(decode_msgpack(&encode(&v), &ty).is_ok());
    let mut v = rmpv::Value::Nil;
    for _ in 0..400 {
        v = rmpv::Value::Array(vec![rmpv::Value::Binary(b"\"dynamic\"".to_vec()), v]);
    }
    assert!(decode_msgpack(&encode(&v), &Type::Dynamic).is_err());
}
