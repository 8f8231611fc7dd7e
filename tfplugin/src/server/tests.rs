//! Protocol-level tests: the gRPC service called directly with protobuf requests, against a
//! small in-memory resource (one process, so memory is fine here).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tonic::Request;

use crate::cty::{self, Type, Val};
use crate::grpc::ProviderService;
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider as _;
use crate::server::Framework;
use crate::{
    AnyResource, ConfigureRequest, CreateRequest, DeleteRequest, Diagnostics, ModifyPlan, Provider,
    ProviderData, ReadRequest, Resource, Schema, UpdateRequest, UpgradeRequest, Value, validators,
};

/// Test thing.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Default)]
struct ThingState {
    /// Id.
    id: Value<String>,
    /// Name.
    name: Value<String>,
    /// Size.
    size: Value<i64>,
    /// Note.
    note: Value<String>,
    /// Stamp.
    stamp: Value<String>,
    /// Secret.
    secret: Value<String>,
}

#[derive(Default)]
struct Behaviour {
    /// Create changes the planned name (a provider bug the framework must catch).
    rename_on_create: bool,
    /// modify_plan adds this path to requires_replace.
    extra_replace: Option<&'static str>,
    /// Create leaves `stamp` unknown (a provider bug the framework must catch).
    leave_unknown: bool,
    /// Versions seen by upgrade.
    upgrades: Mutex<Vec<i64>>,
    /// The plan cases test_policy's modify_plan saw.
    changes: Mutex<Vec<&'static str>>,
}

struct Thing(Arc<Behaviour>);

#[async_trait::async_trait]
impl Resource for Thing {
    type State = ThingState;
    type ProviderData = ();
    fn type_name(&self) -> &'static str {
        "test_thing"
    }
    fn schema(&self) -> Schema {
        Schema::builder::<ThingState>()
            .version(2)
            .attribute("id", |a| a.computed().use_state_for_unknown())
            .attribute("name", |a| {
                a.required()
                    .requires_replace()
                    .validator(validators::length(1, 5))
            })
            .attribute("size", |a| a.optional().computed().default(42))
            .attribute("note", |a| {
                a.optional()
                    .requires_replace_if("removing the note", |prior, planned| {
                        !prior.is_null() && planned.is_null()
                    })
            })
            .attribute("stamp", |a| a.computed())
            .attribute("secret", |a| {
                a.optional()
                    .sensitive()
                    .validator(validators::regex("^[a-z]+$", "must be lowercase letters"))
            })
            .build()
    }
    async fn modify_plan(&self, req: &mut ModifyPlan<ThingState, ()>, _d: &mut Diagnostics) {
        if let Some(p) = self.0.extra_replace {
            req.requires_replace.push(crate::AttributePath::new(p));
        }
    }
    async fn create(
        &self,
        req: CreateRequest<ThingState, ()>,
        _d: &mut Diagnostics,
    ) -> Option<ThingState> {
        let mut s = req.planned;
        s.id = Value::Known("t-1".into());
        s.stamp = if self.0.leave_unknown {
            Value::Unknown
        } else {
            Value::Known("s".into())
        };
        if self.0.rename_on_create {
            s.name = Value::Known("other".into());
        }
        req.private.set(b"etag-1".to_vec());
        Some(s)
    }
    async fn read(
        &self,
        req: ReadRequest<ThingState, ()>,
        _d: &mut Diagnostics,
    ) -> Option<ThingState> {
        assert!(
            req.current.note.as_str() != Some("panic"),
            "read was told to panic"
        );
        Some(req.current)
    }
    async fn update(
        &self,
        req: UpdateRequest<ThingState, ()>,
        _d: &mut Diagnostics,
    ) -> Option<ThingState> {
        let mut s = req.planned;
        s.stamp = Value::Known("s2".into());
        Some(s)
    }
    async fn delete(&self, _req: DeleteRequest<ThingState, ()>, _d: &mut Diagnostics) {}
    async fn upgrade(&self, req: UpgradeRequest, _d: &mut Diagnostics) -> Option<ThingState> {
        self.0.upgrades.lock().unwrap().push(req.version);
        let name = req.raw["title"].as_str().map(String::from);
        Some(ThingState {
            id: Value::Known(req.raw["id"].as_str().unwrap_or_default().into()),
            name: name.into(),
            size: Value::Known(1),
            note: Value::Null,
            stamp: Value::Known("old".into()),
            secret: Value::Null,
        })
    }
}

#[derive(Serialize, Deserialize, JsonSchema, Default)]
struct Config {
    /// Region.
    region: Value<String>,
}

struct TestProvider(Arc<Behaviour>);

#[async_trait::async_trait]
impl Provider for TestProvider {
    type Config = Config;
    fn type_name(&self) -> &'static str {
        "test"
    }
    fn address(&self) -> String {
        "registry.terraform.io/ocilab/test".into()
    }
    fn schema(&self) -> Schema {
        Schema::builder::<Config>()
            .attribute("region", |a| {
                a.optional().validator(validators::one_of(&["r1", "r2"]))
            })
            .build()
    }
    async fn configure(
        &self,
        _req: ConfigureRequest<Config>,
        _d: &mut Diagnostics,
    ) -> Option<ProviderData> {
        Some(Arc::new(()))
    }
    fn resources(&self) -> Vec<AnyResource> {
        vec![
            AnyResource::new(Thing(self.0.clone())),
            AnyResource::new(policy::Policy(self.0.clone())),
        ]
    }
}

struct Harness {
    svc: ProviderService,
    ty: Type,
    type_name: &'static str,
}

impl Harness {
    async fn new(b: Behaviour) -> Harness {
        Self::for_type(b, "test_thing").await
    }

    async fn for_type(b: Behaviour, type_name: &'static str) -> Harness {
        let fw = Framework::new(Box::new(TestProvider(Arc::new(b))));
        let ty = fw.resources[type_name].ty.clone();
        let provider_ty = fw.provider_ty.clone();
        let svc = ProviderService { fw };
        let config = Val::Map([("region".to_string(), Val::Null)].into());
        let resp = svc
            .configure_provider(Request::new(pb::configure_provider::Request {
                terraform_version: "1.11.4".into(),
                config: Some(dv(&config, &provider_ty)),
                client_capabilities: None,
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(resp.diagnostics.is_empty());
        Harness { svc, ty, type_name }
    }

    fn dv(&self, v: &Val) -> Option<pb::DynamicValue> {
        Some(dv(v, &self.ty))
    }

    fn val(&self, d: Option<&pb::DynamicValue>) -> Val {
        cty::decode_msgpack(&d.unwrap().msgpack, &self.ty).unwrap()
    }

    async fn validate(&self, config: &Val) -> pb::validate_resource_config::Response {
        self.svc
            .validate_resource_config(Request::new(pb::validate_resource_config::Request {
                type_name: self.type_name.into(),
                config: self.dv(config),
                client_capabilities: None,
            }))
            .await
            .unwrap()
            .into_inner()
    }

    async fn plan(
        &self,
        prior: &Val,
        proposed: &Val,
        config: &Val,
    ) -> pb::plan_resource_change::Response {
        self.svc
            .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                type_name: self.type_name.into(),
                prior_state: self.dv(prior),
                proposed_new_state: self.dv(proposed),
                config: self.dv(config),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner()
    }

    async fn apply(
        &self,
        prior: &Val,
        planned: &Val,
        config: &Val,
    ) -> pb::apply_resource_change::Response {
        self.svc
            .apply_resource_change(Request::new(pb::apply_resource_change::Request {
                type_name: self.type_name.into(),
                prior_state: self.dv(prior),
                planned_state: self.dv(planned),
                config: self.dv(config),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner()
    }
}

fn dv(v: &Val, ty: &Type) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: cty::encode_msgpack(v, ty).unwrap(),
        json: vec![],
    }
}

fn obj(pairs: &[(&str, Val)]) -> Val {
    let mut m: BTreeMap<String, Val> = ["id", "name", "size", "note", "stamp", "secret"]
        .iter()
        .map(|k| ((*k).to_string(), Val::Null))
        .collect();
    for (k, v) in pairs {
        m.insert((*k).to_string(), v.clone());
    }
    Val::Map(m)
}

fn s(x: &str) -> Val {
    Val::String(x.into())
}

fn n(i: i64) -> Val {
    Val::Number(cty::Number::Int(i))
}

fn summaries(d: &[pb::Diagnostic]) -> Vec<String> {
    d.iter().map(|d| d.summary.clone()).collect()
}

#[tokio::test]
async fn schema_has_types_flags_and_capabilities() {
    let h = Harness::new(Behaviour::default()).await;
    let r = h
        .svc
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    let caps = r.server_capabilities.unwrap();
    assert!(caps.plan_destroy && caps.get_provider_schema_optional && !caps.move_resource_state);
    let thing = &r.resource_schemas["test_thing"];
    assert_eq!(thing.version, 2);
    let attrs = &thing.block.as_ref().unwrap().attributes;
    let id = attrs.iter().find(|a| a.name == "id").unwrap();
    assert!(id.computed && !id.optional && !id.required);
    assert_eq!(id.r#type, br#""string""#);
    assert_eq!(id.description, "Id.");
    assert!(r.provider.is_some());
}

#[tokio::test]
async fn plan_create_applies_defaults_and_marks_computed_unknown() {
    let h = Harness::new(Behaviour::default()).await;
    let config = obj(&[("name", s("a"))]);
    let r = h.plan(&Val::Null, &config, &config).await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let planned = h.val(r.planned_state.as_ref());
    assert_eq!(
        planned,
        obj(&[
            ("id", Val::Unknown),
            ("name", s("a")),
            ("size", n(42)),
            ("stamp", Val::Unknown)
        ])
    );
    assert!(r.requires_replace.is_empty());
}

#[tokio::test]
async fn plan_update_keeps_state_for_unknown_and_requires_replace_sorted() {
    let h = Harness::new(Behaviour {
        extra_replace: Some("name"),
        ..Default::default()
    })
    .await;
    let prior = obj(&[
        ("id", s("t-1")),
        ("name", s("a")),
        ("size", n(42)),
        ("stamp", s("s")),
    ]);
    let config = obj(&[("name", s("b"))]);
    // Terraform's proposed state: config plus prior computed values.
    let proposed = obj(&[
        ("id", s("t-1")),
        ("name", s("b")),
        ("size", n(42)),
        ("stamp", s("s")),
    ]);
    let r = h.plan(&prior, &proposed, &config).await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let planned = h.val(r.planned_state.as_ref());
    // id keeps its prior value; stamp (computed, no modifier) becomes unknown because of the change.
    assert_eq!(planned.attr("id"), &s("t-1"));
    assert_eq!(planned.attr("stamp"), &Val::Unknown);
    // "name" from the attribute and from modify_plan: once.
    assert_eq!(r.requires_replace.len(), 1);
}

#[tokio::test]
async fn plan_without_changes_is_prior_state() {
    let h = Harness::new(Behaviour::default()).await;
    let prior = obj(&[
        ("id", s("t-1")),
        ("name", s("a")),
        ("size", n(42)),
        ("stamp", s("s")),
    ]);
    let config = obj(&[("name", s("a"))]);
    let r = h.plan(&prior, &prior, &config).await;
    assert_eq!(h.val(r.planned_state.as_ref()), prior);
    assert!(r.requires_replace.is_empty());
}

#[tokio::test]
async fn plan_destroy_is_null() {
    let h = Harness::new(Behaviour::default()).await;
    let prior = obj(&[("id", s("t-1")), ("name", s("a"))]);
    let r = h.plan(&prior, &Val::Null, &Val::Null).await;
    assert!(r.diagnostics.is_empty());
    assert_eq!(r.planned_state.unwrap().msgpack, vec![0xc0]);
}

#[tokio::test]
async fn refined_unknown_config_plans_unknown() {
    let h = Harness::new(Behaviour::default()).await;
    // {"name": <ext12 unknown, not null>, others nil}, as Terraform encodes it.
    let mut bytes = vec![0x86];
    for k in ["id", "name", "note", "secret", "size", "stamp"] {
        bytes.push(0xa0 | u8::try_from(k.len()).unwrap());
        bytes.extend_from_slice(k.as_bytes());
        if k == "name" {
            bytes.extend_from_slice(&[0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2]);
        } else {
            bytes.push(0xc0);
        }
    }
    let config = pb::DynamicValue {
        msgpack: bytes,
        json: vec![],
    };
    let r = h
        .svc
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: None,
            proposed_new_state: Some(config.clone()),
            config: Some(config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(h.val(r.planned_state.as_ref()).attr("name"), &Val::Unknown);
}

#[tokio::test]
async fn apply_create_fills_unknowns_and_keeps_private() {
    let h = Harness::new(Behaviour::default()).await;
    let config = obj(&[("name", s("a"))]);
    let planned = obj(&[
        ("id", Val::Unknown),
        ("name", s("a")),
        ("size", n(42)),
        ("stamp", Val::Unknown),
    ]);
    let r = h.apply(&Val::Null, &planned, &config).await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let new = h.val(r.new_state.as_ref());
    assert_eq!(
        new,
        obj(&[
            ("id", s("t-1")),
            ("name", s("a")),
            ("size", n(42)),
            ("stamp", s("s"))
        ])
    );
    assert_eq!(r.private, b"etag-1");
}

#[tokio::test]
async fn apply_changing_a_planned_value_is_reported_as_a_provider_bug() {
    let h = Harness::new(Behaviour {
        rename_on_create: true,
        ..Default::default()
    })
    .await;
    let config = obj(&[("name", s("a"))]);
    let planned = obj(&[
        ("id", Val::Unknown),
        ("name", s("a")),
        ("size", n(42)),
        ("stamp", Val::Unknown),
    ]);
    let r = h.apply(&Val::Null, &planned, &config).await;
    assert_eq!(
        summaries(&r.diagnostics),
        vec!["Provider Produced Inconsistent Result After Apply"]
    );
    assert!(
        r.diagnostics[0].detail.contains("name"),
        "{}",
        r.diagnostics[0].detail
    );
    assert!(r.diagnostics[0].detail.contains("bug in the provider"));
}

#[tokio::test]
async fn apply_delete_returns_null() {
    let h = Harness::new(Behaviour::default()).await;
    let prior = obj(&[("id", s("t-1")), ("name", s("a"))]);
    let r = h.apply(&prior, &Val::Null, &Val::Null).await;
    assert!(r.diagnostics.is_empty());
    assert_eq!(r.new_state.unwrap().msgpack, vec![0xc0]);
}

#[tokio::test]
async fn validators_report_attribute_paths() {
    let h = Harness::new(Behaviour::default()).await;
    let config = obj(&[("name", s("much-too-long"))]);
    let r = h.validate(&config).await;
    assert_eq!(r.diagnostics.len(), 1);
    let path = r.diagnostics[0].attribute.as_ref().unwrap();
    assert_eq!(
        path.steps[0].selector,
        Some(pb::attribute_path::step::Selector::AttributeName(
            "name".into()
        ))
    );
    // Unknown values are not validated.
    let config = obj(&[("name", Val::Unknown)]);
    let r = h.validate(&config).await;
    assert!(r.diagnostics.is_empty());
}

#[tokio::test]
async fn unknown_type_names_and_unsupported_operations_are_diagnostics() {
    let h = Harness::new(Behaviour::default()).await;
    let v = obj(&[]);
    let r = h
        .svc
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_nope".into(),
            prior_state: h.dv(&v),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&r.diagnostics), vec!["Unknown Resource Type"]);
    let r = h
        .svc
        .read_data_source(Request::new(pb::read_data_source::Request {
            type_name: "test_nope".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&r.diagnostics), vec!["Unknown Data Source Type"]);
    let r = h
        .svc
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "test_thing".into(),
            id: "x".into(),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&r.diagnostics),
        vec!["Resource Import Not Implemented"]
    );
    assert!(r.imported_resources.is_empty());
    let r = h
        .svc
        .move_resource_state(Request::new(pb::move_resource_state::Request {
            source_type_name: "other_thing".into(),
            target_type_name: "test_thing".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&r.diagnostics),
        vec!["Move Resource State Not Supported"]
    );
    // A malformed DynamicValue is a diagnostic, not a panic or a gRPC error.
    let r = h
        .svc
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: Some(pb::DynamicValue {
                msgpack: vec![0x93, 0x01],
                json: vec![],
            }),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&r.diagnostics),
        vec!["Value Does Not Match Schema"]
    );
}

#[tokio::test]
async fn upgrade_same_version_drops_removed_and_nulls_new_attributes() {
    let h = Harness::new(Behaviour::default()).await;
    let raw = br#"{
        "id": "t-1", "name": "a", "size": 7, "gone": true
    }"#;
    let r = h
        .svc
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 2,
            raw_state: Some(pb::RawState {
                json: raw.to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(
        h.val(r.upgraded_state.as_ref()),
        obj(&[("id", s("t-1")), ("name", s("a")), ("size", n(7))])
    );
}

#[tokio::test]
async fn upgrade_older_version_calls_the_hook_and_newer_is_refused() {
    let b = Arc::new(Behaviour::default());
    let fw = Framework::new(Box::new(TestProvider(b.clone())));
    let mut d = Diagnostics::new();
    let v = fw
        .upgrade(
            "test_thing",
            1,
            br#"{"id":"x","title":"old"}"#,
            false,
            &mut d,
        )
        .await
        .unwrap();
    assert!(d.is_empty());
    assert_eq!(v.attr("name"), &s("old"));
    assert_eq!(*b.upgrades.lock().unwrap(), vec![1]);
    let mut d = Diagnostics::new();
    assert!(
        fw.upgrade("test_thing", 3, b"{}", false, &mut d)
            .await
            .is_none()
    );
    assert_eq!(
        d.iter().next().unwrap().summary,
        "Resource State From a Newer Provider"
    );
}

#[tokio::test]
async fn provider_config_validators_and_stop_provider() {
    let h = Harness::new(Behaviour::default()).await;
    let provider_ty = h.svc.fw.provider_ty.clone();
    let bad = Val::Map([("region".to_string(), s("mars"))].into());
    let r = h
        .svc
        .validate_provider_config(Request::new(pb::validate_provider_config::Request {
            config: Some(dv(&bad, &provider_ty)),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&r.diagnostics), vec!["Invalid Attribute Value"]);
    assert!(!h.svc.fw.cancel.is_cancelled());
    let r = h
        .svc
        .stop_provider(Request::new(pb::stop_provider::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.error, "");
    assert!(h.svc.fw.cancel.is_cancelled());
}

/// Over a real gRPC connection: declared RPCs work through the generated client, RPCs we do
/// not declare (functions, ephemeral resources) answer `Unimplemented` instead of failing the
/// process, and GRPCController.Shutdown stops the server.
#[tokio::test]
async fn undeclared_rpcs_answer_unimplemented_and_shutdown_stops_the_server() {
    use crate::proto::plugin;
    use tokio_util::sync::CancellationToken;
    use tonic::codegen::http::uri::PathAndQuery;

    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("plugin.sock");
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    let fw = Framework::new(Box::new(TestProvider(Arc::new(Behaviour::default()))));
    let shutdown = CancellationToken::new();
    let server = crate::serve::router(fw, &shutdown).serve_with_incoming_shutdown(
        tokio_stream::wrappers::UnixListenerStream::new(listener),
        shutdown.clone().cancelled_owned(),
    );
    let server = tokio::spawn(server);

    let channel = tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(socket).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
            }
        }))
        .await
        .unwrap();

    let mut client = pb::provider_client::ProviderClient::new(channel.clone());
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.resource_schemas.contains_key("test_thing"));

    let mut grpc = tonic::client::Grpc::new(channel.clone());
    for path in [
        "/tfplugin6.Provider/GetFunctions",
        "/tfplugin6.Provider/CallFunction",
        "/tfplugin6.Provider/OpenEphemeralResource",
    ] {
        grpc.ready().await.unwrap();
        let codec = tonic_prost::ProstCodec::<pb::get_metadata::Request, pb::get_metadata::Response>::default();
        let status = grpc
            .unary(
                Request::new(pb::get_metadata::Request {}),
                PathAndQuery::from_static(path),
                codec,
            )
            .await
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unimplemented, "{path}");
    }
    // The server is still healthy after them.
    client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap();

    let mut controller = plugin::grpc_controller_client::GrpcControllerClient::new(channel);
    controller.shutdown(plugin::Empty {}).await.unwrap();
    assert!(shutdown.is_cancelled());
    drop((client, grpc, controller));
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), server).await;
    assert!(
        matches!(stopped, Ok(Ok(Ok(())))),
        "server stops after Shutdown: {stopped:?}"
    );
}

#[tokio::test]
async fn requires_replace_if_decides_per_change() {
    let h = Harness::new(Behaviour::default()).await;
    let prior = obj(&[
        ("id", s("t-1")),
        ("name", s("a")),
        ("size", n(42)),
        ("note", s("x")),
        ("stamp", s("s")),
    ]);
    let removed = obj(&[("name", s("a"))]);
    let proposed = obj(&[
        ("id", s("t-1")),
        ("name", s("a")),
        ("size", n(42)),
        ("stamp", s("s")),
    ]);
    let r = h.plan(&prior, &proposed, &removed).await;
    assert_eq!(
        r.requires_replace.len(),
        1,
        "removing the note forces replacement"
    );
    let changed = obj(&[("name", s("a")), ("note", s("y"))]);
    let proposed = obj(&[
        ("id", s("t-1")),
        ("name", s("a")),
        ("size", n(42)),
        ("note", s("y")),
        ("stamp", s("s")),
    ]);
    let r = h.plan(&prior, &proposed, &changed).await;
    assert!(
        r.requires_replace.is_empty(),
        "changing the note is an in-place update"
    );
}

#[tokio::test]
async fn sensitive_values_are_redacted_from_validator_messages() {
    let h = Harness::new(Behaviour::default()).await;
    let config = obj(&[("name", s("a")), ("secret", s("Hunter2"))]);
    let r = h.validate(&config).await;
    assert_eq!(r.diagnostics.len(), 1);
    let d = &r.diagnostics[0];
    assert!(
        !d.detail.contains("Hunter2") && d.detail.contains("(sensitive value)"),
        "{}",
        d.detail
    );
}

#[tokio::test]
async fn apply_leaving_unknowns_is_a_provider_bug_and_they_become_null() {
    let h = Harness::new(Behaviour {
        leave_unknown: true,
        ..Default::default()
    })
    .await;
    let config = obj(&[("name", s("a"))]);
    let planned = obj(&[
        ("id", Val::Unknown),
        ("name", s("a")),
        ("size", n(42)),
        ("stamp", Val::Unknown),
    ]);
    let r = h.apply(&Val::Null, &planned, &config).await;
    assert_eq!(
        summaries(&r.diagnostics),
        vec!["Provider Returned Unknown Values"]
    );
    assert_eq!(h.val(r.new_state.as_ref()).attr("stamp"), &Val::Null);
}

mod nested {
    use super::*;
    use crate::AttributePath;
    use crate::server::collect_requires_replace;
    use std::collections::BTreeSet;

    /// Rule.
    #[derive(
        Serialize, Deserialize, JsonSchema, Default, Clone, PartialEq, Eq, PartialOrd, Ord,
    )]
    struct Rule {
        /// Key.
        key: Value<String>,
        /// Days.
        days: Value<i64>,
    }

    /// Outer.
    #[derive(Serialize, Deserialize, JsonSchema, Default)]
    struct Outer {
        /// Id.
        id: Value<String>,
        /// List block.
        rule: Vec<Rule>,
        /// Set block.
        pick: BTreeSet<Rule>,
        /// Single block, replaced as a whole.
        settings: Value<Rule>,
    }

    fn schema() -> Schema {
        let rule = |b: crate::schema::BlockBuilder| {
            b.attribute("key", |a| a.required().requires_replace())
                .attribute("days", |a| a.optional())
        };
        Schema::builder::<Outer>()
            .attribute("id", |a| a.computed())
            .block("rule", rule)
            .block("pick", rule)
            .block("settings", |b| rule(b).requires_replace())
            .build()
    }

    fn rule(key: &str, days: i64) -> Val {
        Val::Map([("key".to_string(), s(key)), ("days".to_string(), n(days))].into())
    }

    fn outer(rules: Vec<Val>, picks: Vec<Val>, settings: Val) -> Val {
        Val::Map(
            [
                ("id".to_string(), s("x")),
                ("rule".to_string(), Val::List(rules)),
                ("pick".to_string(), Val::List(picks)),
                ("settings".to_string(), settings),
            ]
            .into(),
        )
    }

    fn replaced(prior: &Val, planned: &Val) -> Vec<String> {
        let mut out = Vec::new();
        collect_requires_replace(
            &schema().block,
            prior,
            planned,
            &AttributePath::root(),
            &mut out,
        );
        let mut v: Vec<String> = out.iter().map(ToString::to_string).collect();
        v.sort();
        v
    }

    /// Replacement paths follow the element key: a reordered list is no change, a changed
    /// forcing attribute is found on its own element.
    #[test]
    fn keyed_elements_are_compared_with_their_partner_not_their_neighbour() {
        let keyed = |by_key: bool| {
            Schema::builder::<Outer>()
                .attribute("id", |a| a.computed())
                .block("rule", |b| {
                    let b = b
                        .attribute("key", |a| a.required())
                        .attribute("days", |a| a.optional().requires_replace());
                    if by_key {
                        b.plan_modifier(crate::plan_modifiers::match_elements_by_key("key"))
                    } else {
                        b
                    }
                })
                .block("pick", |b| {
                    b.attribute("key", |a| a.required())
                        .attribute("days", |a| a.optional())
                })
                .block("settings", |b| {
                    b.attribute("key", |a| a.optional())
                        .attribute("days", |a| a.optional())
                })
                .build()
        };
        let paths = |schema: &Schema, prior: &Val, planned: &Val| {
            let mut out = Vec::new();
            collect_requires_replace(
                &schema.block,
                prior,
                planned,
                &AttributePath::root(),
                &mut out,
            );
            out.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        let prior = outer(vec![rule("a", 1), rule("b", 2)], vec![], Val::Null);
        let reordered = outer(vec![rule("b", 2), rule("a", 1)], vec![], Val::Null);
        assert!(paths(&keyed(true), &prior, &reordered).is_empty());
        assert_eq!(
            paths(&keyed(false), &prior, &reordered),
            ["rule[0].days", "rule[1].days"],
            "by position, the same reorder forces replacement"
        );
        let changed = outer(vec![rule("b", 3), rule("a", 1)], vec![], Val::Null);
        assert_eq!(paths(&keyed(true), &prior, &changed), ["rule[0].days"]);
    }

    #[test]
    fn nesting_modes_come_from_the_field_types() {
        let s = schema();
        let nesting = |n: &str| s.block.nested(n).unwrap().nesting;
        use crate::schema::Nesting;
        assert_eq!(
            (nesting("rule"), nesting("pick"), nesting("settings")),
            (Nesting::List, Nesting::Set, Nesting::Single)
        );
    }

    #[test]
    fn paths_point_into_lists_and_stop_at_sets_and_replaced_blocks() {
        let prior = outer(vec![rule("a", 1)], vec![rule("p", 1)], rule("s", 1));
        assert!(replaced(&prior, &prior).is_empty());
        let days = outer(vec![rule("a", 2)], vec![rule("p", 2)], rule("s", 1));
        assert!(
            replaced(&prior, &days).is_empty(),
            "days are updated in place"
        );
        let keys = outer(vec![rule("b", 1)], vec![rule("q", 1)], rule("s", 2));
        assert_eq!(
            replaced(&prior, &keys),
            vec!["pick", "rule[0].key", "settings"]
        );
        let added = outer(
            vec![rule("a", 1), rule("c", 1)],
            vec![rule("p", 1)],
            rule("s", 1),
        );
        assert_eq!(
            replaced(&prior, &added),
            vec!["rule[1].key"],
            "a new element's forcing attribute"
        );
    }
}

#[tokio::test]
async fn a_panicking_resource_method_becomes_a_diagnostic() {
    let h = Harness::new(Behaviour::default()).await;
    let current = obj(&[("id", s("t-1")), ("name", s("a")), ("note", s("panic"))]);
    let r = h
        .svc
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: h.dv(&current),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&r.diagnostics), vec!["Provider Panicked"]);
    assert!(
        r.diagnostics[0].detail.contains("read was told to panic"),
        "{}",
        r.diagnostics[0].detail
    );
    // The state Terraform had is handed back unchanged.
    assert_eq!(h.val(r.new_state.as_ref()), current);
}

/// A resource declaring every stock plan modifier and config validator, driven through the
/// protocol like Terraform does.
mod policy {
    use super::*;
    use crate::PlanChange;
    use crate::config_validators as cv;
    use crate::plan_modifiers as pm;
    use crate::schema::Nesting;

    /// A rule.
    #[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Default)]
    pub struct PolicyRule {
        /// Name (the key).
        name: Value<String>,
        /// Days.
        days: Value<i64>,
        /// Assigned id.
        rule_id: Value<String>,
        /// Changes when days change.
        modified: Value<String>,
    }

    /// A policy.
    #[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Default)]
    pub struct PolicyState {
        /// Id.
        id: Value<String>,
        /// Changes with every update.
        etag: Value<String>,
        /// A JSON document.
        document: Value<String>,
        /// Statements.
        statements: Value<Vec<String>>,
        /// An enum the API spells its own way.
        tier: Value<String>,
        /// Inline content.
        content: Value<String>,
        /// A file.
        source: Value<String>,
        /// A key that needs a vault.
        key_id: Value<String>,
        /// The vault.
        vault: Value<String>,
        /// Rules.
        rule: Vec<PolicyRule>,
    }

    pub struct Policy(pub Arc<Behaviour>);

    #[async_trait::async_trait]
    impl Resource for Policy {
        type State = PolicyState;
        type ProviderData = ();
        fn type_name(&self) -> &'static str {
            "test_policy"
        }
        fn schema(&self) -> Schema {
            let words = |a: &str, b: &str| a.split_whitespace().eq(b.split_whitespace());
            Schema::builder::<PolicyState>()
                .attribute("id", |a| {
                    a.computed().plan_modifier(pm::use_state_for_unknown())
                })
                .attribute("etag", |a| a.computed())
                .attribute("document", |a| {
                    a.optional()
                        .plan_modifier(pm::semantic_equal(pm::json_equal))
                })
                .attribute("statements", |a| {
                    a.optional()
                        .plan_modifier(pm::keep_prior_if_equivalent(words))
                })
                .attribute("tier", |a| {
                    a.optional()
                        .plan_modifier(pm::semantic_equal(pm::case_insensitive))
                        .plan_modifier(pm::requires_replace_if("the tier changes", |p, n| {
                            p.is_string() && n.is_string()
                        }))
                })
                .attribute("content", |a| a.optional())
                .attribute("source", |a| {
                    a.optional().plan_modifier(pm::requires_replace())
                })
                .attribute("key_id", |a| a.optional())
                .attribute("vault", |a| a.optional())
                .block("rule", |b| {
                    b.nesting(Nesting::Set)
                        .plan_modifier(pm::match_elements_by_key("name"))
                        .attribute("name", |a| a.required())
                        .attribute("days", |a| a.optional())
                        .attribute("rule_id", |a| a.computed().use_state_for_unknown())
                        .attribute("modified", |a| {
                            a.computed().plan_modifier(pm::use_state_for_unknown_if(
                                "days are unchanged",
                                |p| p.prior_object.attr("days") == p.config_object.attr("days"),
                            ))
                        })
                })
                .config_validator(cv::conflicts_with(&["content", "source"]))
                .config_validator(cv::exactly_one_of(&["document", "statements"]))
                .config_validator(cv::at_least_one_of(&["tier", "rule"]))
                .config_validator(cv::required_with("key_id", &["vault"]))
                .config_validator(cv::unique_key("rule", "name").summary("Duplicate Rule Name"))
                .build()
        }
        async fn modify_plan(&self, req: &mut ModifyPlan<PolicyState, ()>, _d: &mut Diagnostics) {
            let seen = match &req.change {
                PlanChange::Create { .. } => "create",
                PlanChange::Update { .. } => "update",
                PlanChange::Destroy { .. } => "destroy",
            };
            self.0.changes.lock().unwrap().push(seen);
        }
        async fn create(
            &self,
            req: CreateRequest<PolicyState, ()>,
            _d: &mut Diagnostics,
        ) -> Option<PolicyState> {
            Some(req.planned)
        }
        async fn read(
            &self,
            req: ReadRequest<PolicyState, ()>,
            _d: &mut Diagnostics,
        ) -> Option<PolicyState> {
            Some(req.current)
        }
        async fn update(
            &self,
            req: UpdateRequest<PolicyState, ()>,
            _d: &mut Diagnostics,
        ) -> Option<PolicyState> {
            Some(req.planned)
        }
        async fn delete(&self, _req: DeleteRequest<PolicyState, ()>, _d: &mut Diagnostics) {}
    }

    const FIELDS: [&str; 10] = [
        "id",
        "etag",
        "document",
        "statements",
        "tier",
        "content",
        "source",
        "key_id",
        "vault",
        "rule",
    ];

    fn pobj(pairs: &[(&str, Val)]) -> Val {
        let mut m: BTreeMap<String, Val> = FIELDS
            .iter()
            .map(|k| ((*k).to_string(), Val::Null))
            .collect();
        m.insert("rule".into(), Val::List(vec![]));
        for (k, v) in pairs {
            m.insert((*k).to_string(), v.clone());
        }
        Val::Map(m)
    }

    fn rule(name: &str, days: i64, id: Val, modified: Val) -> Val {
        Val::Map(
            [
                ("name".to_string(), s(name)),
                ("days".to_string(), n(days)),
                ("rule_id".to_string(), id),
                ("modified".to_string(), modified),
            ]
            .into(),
        )
    }

    fn list(items: &[&str]) -> Val {
        Val::List(items.iter().map(|x| s(x)).collect())
    }

    async fn harness() -> Harness {
        Harness::for_type(Behaviour::default(), "test_policy").await
    }

    /// Prior state with the computed values set.
    fn existing(pairs: &[(&str, Val)]) -> Val {
        let mut v = pobj(&[("id", s("p-1")), ("etag", s("e-1"))]);
        if let Val::Map(m) = &mut v {
            for (k, x) in pairs {
                m.insert((*k).to_string(), x.clone());
            }
        }
        v
    }

    /// Terraform's proposed new state: config plus prior computed top-level values.
    fn proposed(prior: &Val, config: &Val) -> Val {
        let mut p = config.clone();
        if let Val::Map(m) = &mut p {
            m.insert("id".into(), prior.attr("id").clone());
            m.insert("etag".into(), prior.attr("etag").clone());
        }
        p
    }

    #[tokio::test]
    async fn plan_semantic_equal_json_keeps_prior_and_plans_no_change() {
        let h = harness().await;
        let prior = existing(&[("document", s(r#"{"a":1,"b":[1,2]}"#))]);
        let config = pobj(&[("document", s("{ \"b\": [1, 2], \"a\": 1 }"))]);
        let r = h.plan(&prior, &proposed(&prior, &config), &config).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(
            h.val(r.planned_state.as_ref()),
            prior,
            "no change: etag stays known"
        );
        let config = pobj(&[("document", s(r#"{"a":2}"#))]);
        let r = h.plan(&prior, &proposed(&prior, &config), &config).await;
        let planned = h.val(r.planned_state.as_ref());
        assert_eq!(planned.attr("document"), &s(r#"{"a":2}"#));
        assert_eq!(planned.attr("etag"), &Val::Unknown, "a real change");
        assert_eq!(planned.attr("id"), &s("p-1"));
    }

    #[tokio::test]
    async fn plan_case_insensitive_keeps_the_prior_spelling_and_forces_no_replace() {
        let h = harness().await;
        let prior = existing(&[("document", s("{}")), ("tier", s("Standard"))]);
        let config = pobj(&[("document", s("{}")), ("tier", s("STANDARD"))]);
        let r = h.plan(&prior, &proposed(&prior, &config), &config).await;
        assert_eq!(h.val(r.planned_state.as_ref()), prior);
        assert!(r.requires_replace.is_empty());
        let config = pobj(&[("document", s("{}")), ("tier", s("Archive"))]);
        let r = h.plan(&prior, &proposed(&prior, &config), &config).await;
        assert_eq!(
            r.requires_replace.len(),
            1,
            "requires_replace_if on a real change"
        );
    }

    #[tokio::test]
    async fn plan_keep_prior_if_equivalent_compares_list_elements_by_position() {
        let h = harness().await;
        let prior = existing(&[(
            "statements",
            list(&["Allow group A to read all", "Allow group B to use x"]),
        )]);
        let config = pobj(&[(
            "statements",
            list(&["Allow  group A to read all", "Allow group B   to use x"]),
        )]);
        let r = h.plan(&prior, &proposed(&prior, &config), &config).await;
        assert_eq!(h.val(r.planned_state.as_ref()), prior);
        let config = pobj(&[(
            "statements",
            list(&["Allow  group A to read all", "Allow group C to use x"]),
        )]);
        let r = h.plan(&prior, &proposed(&prior, &config), &config).await;
        let planned = h.val(r.planned_state.as_ref());
        assert_eq!(
            planned.attr("statements"),
            &list(&["Allow group A to read all", "Allow group C to use x"]),
            "element 0 keeps its prior spelling, element 1 is the change"
        );
        assert_eq!(planned.attr("etag"), &Val::Unknown);
    }

    #[tokio::test]
    async fn plan_match_elements_by_key_and_use_state_for_unknown_if_follow_each_rule() {
        let h = harness().await;
        let prior = existing(&[
            ("document", s("{}")),
            (
                "rule",
                Val::List(vec![
                    rule("a", 1, s("r-a"), s("m-a")),
                    rule("b", 2, s("r-b"), s("m-b")),
                ]),
            ),
        ]);
        // Reordered, b's days changed, c added; computed values are null in config.
        let config = pobj(&[
            ("document", s("{}")),
            (
                "rule",
                Val::List(vec![
                    rule("c", 5, Val::Null, Val::Null),
                    rule("b", 3, Val::Null, Val::Null),
                    rule("a", 1, Val::Null, Val::Null),
                ]),
            ),
        ]);
        let r = h.plan(&prior, &proposed(&prior, &config), &config).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let planned = h.val(r.planned_state.as_ref());
        assert_eq!(
            planned.attr("rule"),
            &Val::List(vec![
                rule("c", 5, Val::Unknown, Val::Unknown),
                rule("b", 3, s("r-b"), Val::Unknown),
                rule("a", 1, s("r-a"), s("m-a")),
            ])
        );
    }

    #[tokio::test]
    async fn modify_plan_gets_create_update_and_destroy() {
        let b = Arc::new(Behaviour::default());
        let fw = Framework::new(Box::new(TestProvider(b.clone())));
        let mut d = Diagnostics::new();
        fw.configure(
            &Val::Map([("region".to_string(), Val::Null)].into()),
            "1.11.4".into(),
            &mut d,
        )
        .await;
        let config = pobj(&[("document", s("{}"))]);
        let prior = existing(&[("document", s("{}"))]);
        fw.plan("test_policy", &Val::Null, &config, &config, vec![], &mut d)
            .await
            .unwrap();
        fw.plan("test_policy", &prior, &prior, &config, vec![], &mut d)
            .await
            .unwrap();
        fw.plan(
            "test_policy",
            &prior,
            &Val::Null,
            &Val::Null,
            vec![],
            &mut d,
        )
        .await
        .unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(*b.changes.lock().unwrap(), ["create", "update", "destroy"]);
    }

    /// (summary, attribute path) of each diagnostic of ValidateResourceConfig.
    async fn problems(h: &Harness, config: &Val) -> Vec<(String, String)> {
        let r = h.validate(config).await;
        r.diagnostics
            .iter()
            .map(|d| {
                use pb::attribute_path::step::Selector;
                let path = d
                    .attribute
                    .iter()
                    .flat_map(|p| &p.steps)
                    .map(|step| match &step.selector {
                        Some(Selector::AttributeName(n)) => n.clone(),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join(".");
                (d.summary.clone(), path)
            })
            .collect()
    }

    fn p(summary: &str, path: &str) -> (String, String) {
        (summary.to_string(), path.to_string())
    }

    fn valid() -> Vec<(&'static str, Val)> {
        vec![("document", s("{}")), ("tier", s("Standard"))]
    }

    fn with(extra: &[(&'static str, Val)]) -> Val {
        let mut pairs = valid();
        pairs.extend(extra.iter().cloned());
        pobj(&pairs)
    }

    #[tokio::test]
    async fn validate_accepts_a_valid_config() {
        let h = harness().await;
        assert!(problems(&h, &with(&[])).await.is_empty());
    }

    #[tokio::test]
    async fn validate_conflicts_with_points_at_the_later_attribute() {
        let h = harness().await;
        let config = with(&[("content", s("x")), ("source", s("f"))]);
        assert_eq!(
            problems(&h, &config).await,
            [p("Conflicting Attributes", "source")]
        );
        let config = with(&[("content", s("x")), ("source", Val::Unknown)]);
        assert!(problems(&h, &config).await.is_empty());
    }

    #[tokio::test]
    async fn validate_exactly_one_of_needs_one_and_refuses_two() {
        let h = harness().await;
        let none = pobj(&[("tier", s("Standard"))]);
        assert_eq!(
            problems(&h, &none).await,
            [p("Missing Attribute Configuration", "document")]
        );
        let both = with(&[("statements", list(&["x"]))]);
        assert_eq!(
            problems(&h, &both).await,
            [p("Invalid Attribute Combination", "statements")]
        );
    }

    #[tokio::test]
    async fn validate_at_least_one_of_counts_a_block_with_elements() {
        let h = harness().await;
        let none = pobj(&[("document", s("{}"))]);
        assert_eq!(
            problems(&h, &none).await,
            [p("Missing Attribute Configuration", "tier")]
        );
        let block = pobj(&[
            ("document", s("{}")),
            ("rule", Val::List(vec![rule("a", 1, Val::Null, Val::Null)])),
        ]);
        assert!(problems(&h, &block).await.is_empty());
    }

    #[tokio::test]
    async fn validate_required_with_points_at_the_attribute_needing_others() {
        let h = harness().await;
        let config = with(&[("key_id", s("k"))]);
        assert_eq!(
            problems(&h, &config).await,
            [p("Missing Required Attribute", "key_id")]
        );
        assert!(
            problems(&h, &with(&[("key_id", s("k")), ("vault", s("v"))]))
                .await
                .is_empty()
        );
    }

    #[tokio::test]
    async fn validate_unique_key_reports_a_repeated_rule_name_at_the_block() {
        let h = harness().await;
        let config = with(&[(
            "rule",
            Val::List(vec![
                rule("a", 1, Val::Null, Val::Null),
                rule("a", 2, Val::Null, Val::Null),
            ]),
        )]);
        assert_eq!(
            problems(&h, &config).await,
            [p("Duplicate Rule Name", "rule")]
        );
    }
}
