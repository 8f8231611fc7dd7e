//! The gRPC services: decode protobuf + DynamicValue → call `server::Framework` → encode. Only
//! conversion lives here; this is the one module that touches the generated proto types.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};
use tracing::debug;

use crate::cty::{self, CodecError, JsonMode, Type, Val};
use crate::diagnostics::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::function::{FunctionError, Signature};
use crate::proto::plugin;
use crate::proto::tfplugin6 as pb;
use crate::schema::{Attribute, Block, Nesting, Schema};
use crate::server::{Framework, FunctionEntry, check_arity};

/// The tfplugin6 `Provider` service.
#[derive(Clone)]
pub(crate) struct ProviderService {
    pub fw: Arc<Framework>,
}

/// go-plugin's `GRPCController`: `Shutdown` asks the process to exit.
pub(crate) struct ControllerService {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl plugin::grpc_controller_server::GrpcController for ControllerService {
    async fn shutdown(
        &self,
        _req: Request<plugin::Empty>,
    ) -> Result<Response<plugin::Empty>, Status> {
        debug!("GRPCController.Shutdown: exiting");
        self.shutdown.cancel();
        Ok(Response::new(plugin::Empty {}))
    }
}

// -- conversions -------------------------------------------------------------------------------

fn decode_dv(
    dv: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Val> {
    let result = match dv {
        None => Ok(Val::Null),
        Some(d) if !d.msgpack.is_empty() => cty::decode_msgpack(&d.msgpack, ty),
        Some(d) => cty::decode_json(&d.json, ty, JsonMode::Strict),
    };
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            codec_error(&e, what, diags);
            None
        }
    }
}

fn encode_dv(v: &Val, ty: &Type, what: &str, diags: &mut Diagnostics) -> Option<pb::DynamicValue> {
    match cty::encode_msgpack(v, ty) {
        Ok(msgpack) => Some(pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        }),
        Err(e) => {
            codec_error(&e, what, diags);
            None
        }
    }
}

fn codec_error(e: &CodecError, what: &str, diags: &mut Diagnostics) {
    diags.push(Diagnostic {
        severity: Severity::Error,
        summary: "Value Does Not Match Schema".into(),
        detail: format!(
            "The {what} could not be converted: {}.\n\nThis is a bug in the provider or in the \
             protocol layer; please report it.",
            e.message
        ),
        path: (!e.path.is_root()).then(|| e.path.clone()),
    });
}

fn path_to_proto(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .steps()
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                }),
            })
            .collect(),
    }
}

fn diags_to_proto(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags
        .into_iter()
        .map(|d| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: d.summary,
            detail: d.detail,
            attribute: d.path.as_ref().map(path_to_proto),
        })
        .collect()
}

fn attribute_to_proto(a: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: serde_json::to_vec(&a.ty.to_json()).unwrap_or_default(),
        nested_type: None,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Plain as i32,
        deprecated: a.deprecated.is_some(),
        write_only: a.write_only,
    }
}

fn block_to_proto(b: &Block, version: i64) -> pb::schema::Block {
    use pb::schema::nested_block::NestingMode;
    pb::schema::Block {
        version,
        attributes: b.attributes.iter().map(attribute_to_proto).collect(),
        block_types: b
            .blocks
            .iter()
            .map(|n| pb::schema::NestedBlock {
                type_name: n.name.clone(),
                block: Some(block_to_proto(&n.block, 0)),
                nesting: match n.nesting {
                    Nesting::Single => NestingMode::Single,
                    Nesting::List => NestingMode::List,
                    Nesting::Set => NestingMode::Set,
                    Nesting::Map => NestingMode::Map,
                    Nesting::Group => NestingMode::Group,
                } as i32,
                min_items: n.min_items,
                max_items: n.max_items,
            })
            .collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Plain as i32,
        deprecated: b.deprecated.is_some(),
    }
}

pub(crate) fn schema_to_proto(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block_to_proto(&s.block, s.version)),
    }
}

fn type_to_proto(ty: &Type) -> Vec<u8> {
    serde_json::to_vec(&ty.to_json()).unwrap_or_default()
}

fn function_to_proto(sig: &Signature) -> pb::Function {
    pb::Function {
        parameters: sig
            .parameters
            .iter()
            .map(|p| pb::function::Parameter {
                name: p.name.clone(),
                r#type: type_to_proto(&p.ty),
                allow_null_value: p.allow_null,
                // Terraform then skips calls with unknown arguments and assumes an unknown result.
                allow_unknown_values: false,
                description: p.description.clone(),
                description_kind: pb::StringKind::Markdown as i32,
            })
            .collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return {
            r#type: type_to_proto(&sig.returns),
        }),
        summary: sig.summary.clone(),
        description: sig.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

fn functions_to_proto(fw: &Framework) -> std::collections::HashMap<String, pb::Function> {
    fw.functions
        .iter()
        .map(|(name, f)| (name.clone(), function_to_proto(&f.signature)))
        .collect()
}

fn function_error_to_proto(e: FunctionError) -> pb::FunctionError {
    pb::FunctionError {
        text: e.text,
        function_argument: e.argument.and_then(|i| i64::try_from(i).ok()),
    }
}

/// Decodes CallFunction's arguments with the parameter types, calls, encodes the result.
fn call_function(
    fw: &Framework,
    entry: &FunctionEntry,
    args: &[pb::DynamicValue],
) -> Result<pb::DynamicValue, FunctionError> {
    check_arity(entry, args.len())?;
    let mut values = Vec::with_capacity(args.len());
    for (i, (arg, param)) in args.iter().zip(&entry.signature.parameters).enumerate() {
        let ty = &param.ty;
        let decoded = if arg.msgpack.is_empty() {
            cty::decode_json(&arg.json, ty, JsonMode::Strict)
        } else {
            cty::decode_msgpack(&arg.msgpack, ty)
        };
        values.push(decoded.map_err(|e| {
            FunctionError::argument(i, format!("could not be read as {ty}: {}", e.message))
        })?);
    }
    let result = fw.call_function(entry, &values)?;
    let msgpack = cty::encode_msgpack(&result, &entry.signature.returns).map_err(|e| {
        FunctionError::new(format!(
            "The result of {} does not match its declared type: {}. This is a bug in the \
             provider; please report it.",
            entry.function.name(),
            e.message
        ))
    })?;
    Ok(pb::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        // Terraform calls PlanResourceChange for destroys too, so modify_plan can warn.
        plan_destroy: true,
        // The schema is static: Terraform may reuse one it fetched earlier in the same run.
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

// -- the service -------------------------------------------------------------------------------

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: vec![],
            data_sources: self
                .fw
                .data_sources
                .keys()
                .map(|t| pb::get_metadata::DataSourceMetadata {
                    type_name: t.clone(),
                })
                .collect(),
            resources: self
                .fw
                .resources
                .keys()
                .map(|t| pb::get_metadata::ResourceMetadata {
                    type_name: t.clone(),
                })
                .collect(),
            functions: self
                .fw
                .functions
                .keys()
                .map(|name| pb::get_metadata::FunctionMetadata { name: name.clone() })
                .collect(),
        }))
    }

    async fn get_provider_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        debug!("GetProviderSchema");
        let fw = &self.fw;
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&fw.provider_schema)),
            resource_schemas: fw
                .resources
                .iter()
                .map(|(k, r)| (k.clone(), schema_to_proto(&r.schema)))
                .collect(),
            data_source_schemas: fw
                .data_sources
                .iter()
                .map(|(k, d)| (k.clone(), schema_to_proto(&d.schema)))
                .collect(),
            diagnostics: vec![],
            provider_meta: Some(schema_to_proto(&Schema::empty())),
            server_capabilities: Some(capabilities()),
            // Terraform 1.11 learns the functions here; it never calls GetFunctions.
            functions: functions_to_proto(fw),
        }))
    }

    async fn get_functions(
        &self,
        _req: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        debug!("GetFunctions");
        Ok(Response::new(pb::get_functions::Response {
            functions: functions_to_proto(&self.fw),
            diagnostics: vec![],
        }))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let req = req.into_inner();
        debug!(name = %req.name, "CallFunction");
        let outcome = self
            .fw
            .function(&req.name)
            .and_then(|entry| call_function(&self.fw, entry, &req.arguments));
        Ok(Response::new(match outcome {
            Ok(result) => pb::call_function::Response {
                result: Some(result),
                error: None,
            },
            Err(e) => pb::call_function::Response {
                result: None,
                error: Some(function_error_to_proto(e)),
            },
        }))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        if let Some(config) = decode_dv(
            req.config.as_ref(),
            &self.fw.provider_ty,
            "provider configuration",
            &mut diags,
        ) {
            self.fw.validate_provider(&config, &mut diags).await;
        }
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diags_to_proto(diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = req.into_inner();
        debug!(type_name = %req.type_name, "ValidateResourceConfig");
        let mut diags = Diagnostics::new();
        if let Some(r) = self.fw.resource(&req.type_name, &mut diags)
            && let Some(config) = decode_dv(req.config.as_ref(), &r.ty, "configuration", &mut diags)
        {
            self.fw
                .validate_resource(&req.type_name, &config, &mut diags)
                .await;
        }
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diags_to_proto(diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        if let Some(d) = self.fw.data_source(&req.type_name, &mut diags)
            && let Some(config) = decode_dv(req.config.as_ref(), &d.ty, "configuration", &mut diags)
        {
            self.fw
                .validate_data_source(&req.type_name, &config, &mut diags)
                .await;
        }
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diags_to_proto(diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = req.into_inner();
        debug!(type_name = %req.type_name, version = req.version, "UpgradeResourceState");
        let mut diags = Diagnostics::new();
        let raw = req.raw_state.unwrap_or_default();
        let mut upgraded_state = None;
        if let Some(v) = self
            .fw
            .upgrade(
                &req.type_name,
                req.version,
                &raw.json,
                !raw.flatmap.is_empty(),
                &mut diags,
            )
            .await
            && let Some(r) = self.fw.resources.get(&req.type_name)
        {
            upgraded_state = encode_dv(&v, &r.ty, "upgraded state", &mut diags);
        }
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diags_to_proto(diags),
        }))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = req.into_inner();
        debug!(terraform_version = %req.terraform_version, "ConfigureProvider");
        let mut diags = Diagnostics::new();
        if let Some(config) = decode_dv(
            req.config.as_ref(),
            &self.fw.provider_ty,
            "provider configuration",
            &mut diags,
        ) {
            self.fw
                .configure(&config, req.terraform_version, &mut diags)
                .await;
        }
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diags_to_proto(diags),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = req.into_inner();
        debug!(type_name = %req.type_name, "ReadResource");
        let mut diags = Diagnostics::new();
        let mut resp = pb::read_resource::Response {
            private: req.private.clone(),
            ..Default::default()
        };
        if let Some(r) = self.fw.resource(&req.type_name, &mut diags)
            && let Some(current) = decode_dv(
                req.current_state.as_ref(),
                &r.ty,
                "current state",
                &mut diags,
            )
        {
            let (new_state, private) = self
                .fw
                .read(&req.type_name, &current, req.private, &mut diags)
                .await;
            resp.new_state = encode_dv(&new_state, &r.ty, "read state", &mut diags);
            resp.private = private;
        }
        resp.diagnostics = diags_to_proto(diags);
        Ok(Response::new(resp))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = req.into_inner();
        debug!(type_name = %req.type_name, "PlanResourceChange");
        let mut diags = Diagnostics::new();
        let mut resp = pb::plan_resource_change::Response::default();
        if let Some(r) = self.fw.resource(&req.type_name, &mut diags)
            && let (Some(prior), Some(proposed), Some(config)) = (
                decode_dv(req.prior_state.as_ref(), &r.ty, "prior state", &mut diags),
                decode_dv(
                    req.proposed_new_state.as_ref(),
                    &r.ty,
                    "proposed new state",
                    &mut diags,
                ),
                decode_dv(req.config.as_ref(), &r.ty, "configuration", &mut diags),
            )
            && let Some(out) = self
                .fw
                .plan(
                    &req.type_name,
                    &prior,
                    &proposed,
                    &config,
                    req.prior_private,
                    &mut diags,
                )
                .await
        {
            resp.planned_state = encode_dv(&out.planned, &r.ty, "planned state", &mut diags);
            resp.requires_replace = out.requires_replace.iter().map(path_to_proto).collect();
            resp.planned_private = out.private;
        }
        resp.diagnostics = diags_to_proto(diags);
        Ok(Response::new(resp))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = req.into_inner();
        debug!(type_name = %req.type_name, "ApplyResourceChange");
        let mut diags = Diagnostics::new();
        let mut resp = pb::apply_resource_change::Response::default();
        if let Some(r) = self.fw.resource(&req.type_name, &mut diags)
            && let (Some(prior), Some(planned), Some(config)) = (
                decode_dv(req.prior_state.as_ref(), &r.ty, "prior state", &mut diags),
                decode_dv(
                    req.planned_state.as_ref(),
                    &r.ty,
                    "planned state",
                    &mut diags,
                ),
                decode_dv(req.config.as_ref(), &r.ty, "configuration", &mut diags),
            )
        {
            let (new_state, private) = self
                .fw
                .apply(
                    &req.type_name,
                    &prior,
                    &planned,
                    &config,
                    req.planned_private,
                    &mut diags,
                )
                .await;
            resp.new_state = encode_dv(&new_state, &r.ty, "new state", &mut diags);
            resp.private = private;
        }
        resp.diagnostics = diags_to_proto(diags);
        Ok(Response::new(resp))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = req.into_inner();
        debug!(type_name = %req.type_name, id = %req.id, "ImportResourceState");
        let mut diags = Diagnostics::new();
        let mut imported_resources = Vec::new();
        if let Some((state, private)) = self.fw.import(&req.type_name, &req.id, &mut diags).await
            && let Some(r) = self.fw.resources.get(&req.type_name)
            && let Some(state) = encode_dv(&state, &r.ty, "imported state", &mut diags)
        {
            imported_resources.push(pb::import_resource_state::ImportedResource {
                type_name: req.type_name.clone(),
                state: Some(state),
                private,
            });
        }
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diags_to_proto(diags),
            deferred: None,
        }))
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        diags.error(
            "Move Resource State Not Supported",
            format!(
                "This provider cannot move {} state from {} into {}. Remove the `moved` block and \
                 import the object instead.",
                req.source_type_name, req.source_provider_address, req.target_type_name
            ),
        );
        Ok(Response::new(pb::move_resource_state::Response {
            target_state: None,
            diagnostics: diags_to_proto(diags),
            target_private: Vec::new(),
        }))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = req.into_inner();
        debug!(type_name = %req.type_name, "ReadDataSource");
        let mut diags = Diagnostics::new();
        let mut state = None;
        if let Some(d) = self.fw.data_source(&req.type_name, &mut diags)
            && let Some(config) = decode_dv(req.config.as_ref(), &d.ty, "configuration", &mut diags)
            && let Some(v) = self
                .fw
                .read_data_source(&req.type_name, &config, &mut diags)
                .await
        {
            state = encode_dv(&v, &d.ty, "data source state", &mut diags);
        }
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: diags_to_proto(diags),
            deferred: None,
        }))
    }

    async fn stop_provider(
        &self,
        _req: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        debug!("StopProvider: cancelling in-flight operations");
        self.fw.cancel.cancel();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
