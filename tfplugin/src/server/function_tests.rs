//! Protocol tests of provider-defined functions: declared in GetProviderSchema (where Terraform
//! 1.11 reads them), GetFunctions and GetMetadata; CallFunction's results and FunctionErrors.
//! No provider configuration happens first: Terraform may call functions before it configures.

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tonic::Request;

use crate::cty::{self, Type, Val};
use crate::function::{Function, FunctionError, Parameter, Signature};
use crate::grpc::ProviderService;
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider as _;
use crate::server::Framework;
use crate::{AnyResource, ConfigureRequest, Diagnostics, Provider, ProviderData, Schema};

/// `repeat(text, times)`: text repeated; an error about `times` when it is negative.
struct Repeat;

impl Function for Repeat {
    fn name(&self) -> &'static str {
        "repeat"
    }
    fn signature(&self) -> Signature {
        Signature {
            summary: "Repeats a string".into(),
            description: "Returns `text` repeated `times` times, with its length.".into(),
            parameters: vec![
                Parameter::new("text", Type::String, "What to repeat."),
                Parameter::new("times", Type::Number, "How often."),
            ],
            returns: Type::Object(BTreeMap::from([
                ("text".to_string(), Type::String),
                ("length".to_string(), Type::Number),
            ])),
        }
    }
    fn call(&self, args: &[Val]) -> Result<Val, FunctionError> {
        let (Val::String(text), Val::Number(times)) = (&args[0], &args[1]) else {
            return Err(FunctionError::new("unexpected argument types"));
        };
        let times = times.as_f64();
        if times < 0.0 {
            return Err(FunctionError::argument(1, "must not be negative"));
        }
        let text = text.repeat(times as usize);
        Ok(Val::Map(BTreeMap::from([
            (
                "length".to_string(),
                Val::Number(cty::Number::Int(text.len() as i64)),
            ),
            ("text".to_string(), Val::String(text)),
        ])))
    }
}

#[derive(Serialize, Deserialize, JsonSchema, Default)]
struct NoConfig {
    /// Unused: functions never see the provider configuration.
    unused: crate::Value<String>,
}

struct FnProvider;

#[async_trait::async_trait]
impl Provider for FnProvider {
    type Config = NoConfig;
    fn type_name(&self) -> &'static str {
        "fn"
    }
    fn address(&self) -> String {
        "registry.terraform.io/ocilab/fn".into()
    }
    fn schema(&self) -> Schema {
        Schema::builder::<NoConfig>()
            .attribute("unused", |a| a.optional())
            .build()
    }
    async fn configure(
        &self,
        _req: ConfigureRequest<NoConfig>,
        _d: &mut Diagnostics,
    ) -> Option<ProviderData> {
        Some(Arc::new(()))
    }
    fn resources(&self) -> Vec<AnyResource> {
        Vec::new()
    }
    fn functions(&self) -> Vec<Box<dyn Function>> {
        vec![Box::new(Repeat)]
    }
}

fn service() -> ProviderService {
    ProviderService {
        fw: Framework::new(Box::new(FnProvider)),
    }
}

fn arg(v: &Val, ty: &Type) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: cty::encode_msgpack(v, ty).unwrap(),
        json: vec![],
    }
}

async fn call(
    svc: &ProviderService,
    name: &str,
    args: Vec<pb::DynamicValue>,
) -> pb::call_function::Response {
    svc.call_function(Request::new(pb::call_function::Request {
        name: name.into(),
        arguments: args,
    }))
    .await
    .unwrap()
    .into_inner()
}

fn text_and_times(text: &str, times: i64) -> Vec<pb::DynamicValue> {
    vec![
        arg(&Val::String(text.into()), &Type::String),
        arg(&Val::Number(cty::Number::Int(times)), &Type::Number),
    ]
}

#[tokio::test]
async fn functions_are_declared_in_the_provider_schema_get_functions_and_metadata() {
    let svc = service();
    let schema = svc
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    let f = &schema.functions["repeat"];
    assert_eq!(f.summary, "Repeats a string");
    assert_eq!(f.description_kind, pb::StringKind::Markdown as i32);
    let params: Vec<(&str, &[u8])> = f
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.r#type.as_slice()))
        .collect();
    assert_eq!(
        params,
        [("text", &br#""string""#[..]), ("times", br#""number""#)]
    );
    assert!(
        f.parameters
            .iter()
            .all(|p| !p.allow_null_value && !p.allow_unknown_values)
    );
    assert_eq!(
        f.r#return.as_ref().unwrap().r#type,
        br#"["object",{"length":"number","text":"string"}]"#
    );
    assert!(f.variadic_parameter.is_none());

    let listed = svc
        .get_functions(Request::new(pb::get_functions::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.functions, schema.functions);
    assert!(listed.diagnostics.is_empty());

    let meta = svc
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&str> = meta.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["repeat"]);
}

#[tokio::test]
async fn call_function_returns_the_result_in_the_declared_type() {
    let svc = service();
    let r = call(&svc, "repeat", text_and_times("ab", 3)).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    let ty = Repeat.signature().returns;
    let v = cty::decode_msgpack(&r.result.unwrap().msgpack, &ty).unwrap();
    assert_eq!(v.attr("text"), &Val::String("ababab".into()));
    assert_eq!(v.attr("length"), &Val::Number(cty::Number::Int(6)));
}

#[tokio::test]
async fn a_function_error_names_the_argument_at_fault() {
    let svc = service();
    let r = call(&svc, "repeat", text_and_times("ab", -1)).await;
    assert!(r.result.is_none());
    let e = r.error.unwrap();
    assert_eq!(e.function_argument, Some(1));
    assert_eq!(e.text, "must not be negative");
}

#[tokio::test]
async fn bad_calls_are_function_errors_not_grpc_errors() {
    let svc = service();
    let unknown_name = call(&svc, "nope", vec![]).await.error.unwrap();
    assert!(
        unknown_name.text.contains("no function named \"nope\""),
        "{unknown_name:?}"
    );
    assert_eq!(unknown_name.function_argument, None);

    let mut too_many = text_and_times("a", 1);
    too_many.push(arg(&Val::Bool(true), &Type::Bool));
    let arity = call(&svc, "repeat", too_many).await.error.unwrap();
    assert!(
        arity.text.contains("takes 2 argument(s), got 3"),
        "{arity:?}"
    );

    let null = call(
        &svc,
        "repeat",
        vec![
            arg(&Val::Null, &Type::String),
            arg(&Val::Number(cty::Number::Int(1)), &Type::Number),
        ],
    )
    .await
    .error
    .unwrap();
    assert_eq!(null.function_argument, Some(0));
    assert!(null.text.contains("text must not be null"), "{null:?}");

    let garbage = call(
        &svc,
        "repeat",
        vec![
            arg(&Val::String("a".into()), &Type::String),
            pb::DynamicValue {
                msgpack: vec![0xc1],
                json: vec![],
            },
        ],
    )
    .await
    .error
    .unwrap();
    assert_eq!(garbage.function_argument, Some(1));
}
