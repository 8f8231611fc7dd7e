//! The typed traits provider authors implement — [`Resource`], [`DataSource`], [`Provider`] —
//! their request types, and the type-erased twins the server dispatches to.
//!
//! Contract for every method (style.md §7.2): inputs come in a named request struct, problems go
//! into `diags`, and a method that produces state returns `Option<State>`: `None` means an error
//! was recorded (or, for [`Resource::read`] with no error, that the remote object is gone);
//! `Some` is returned whenever the remote object exists, even if errors were also reported, so
//! Terraform keeps tracking it.

use std::any::Any;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
pub use tokio_util::sync::CancellationToken;

use crate::cty::Val;
use crate::diagnostics::{AttributePath, Diagnostics};
use crate::schema::Schema;
use crate::value::{from_val, to_val};

/// What [`Provider::configure`] returns and every resource and data source call receives
/// (downcast to the resource's `ProviderData` type), e.g. an API client.
pub type ProviderData = Arc<dyn Any + Send + Sync>;

/// A resource instance's private state: opaque bytes Terraform stores next to the state and hands
/// back on the next call (e.g. an ETag). Cloning shares the same bytes: what a method stores here
/// is what the framework returns to Terraform.
#[derive(Clone, Default, Debug)]
pub struct Private(Arc<Mutex<Vec<u8>>>);

impl Private {
    pub(crate) fn from_bytes(b: Vec<u8>) -> Self {
        Self(Arc::new(Mutex::new(b)))
    }

    /// The stored bytes (empty when nothing was stored).
    pub fn get(&self) -> Vec<u8> {
        self.0.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// Replaces the stored bytes.
    pub fn set(&self, bytes: Vec<u8>) {
        if let Ok(mut b) = self.0.lock() {
            *b = bytes;
        }
    }

    /// The stored bytes parsed as JSON, if present and valid.
    pub fn get_json<T: DeserializeOwned>(&self) -> Option<T> {
        let b = self.get();
        if b.is_empty() {
            None
        } else {
            serde_json::from_slice(&b).ok()
        }
    }

    /// Stores `value` as JSON.
    pub fn set_json<T: Serialize>(&self, value: &T) {
        if let Ok(b) = serde_json::to_vec(value) {
            self.set(b);
        }
    }
}

/// Input of `validate`: the configuration, which may contain unknowns (values that depend on
/// other resources) and nulls. Runs before the provider is configured.
#[derive(Debug, Clone)]
pub struct ValidateRequest<S> {
    /// The configuration.
    pub config: S,
}

/// What is being planned, with exactly the values each case has.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanChange<S> {
    /// A new object (also the create half of a replace): there is no prior state.
    Create {
        /// The configuration.
        config: S,
        /// The planned state so far; change it to plan other values.
        planned: S,
    },
    /// An existing object that stays (possibly with changes, possibly replaced: see
    /// [`ModifyPlan::requires_replace`]).
    Update {
        /// State before this plan.
        prior: S,
        /// The configuration.
        config: S,
        /// The planned state so far; change it to plan other values.
        planned: S,
    },
    /// The object is destroyed; there is nothing to plan, but the hook may warn.
    Destroy {
        /// State before this plan.
        prior: S,
    },
}

impl<S> PlanChange<S> {
    /// The prior state (update and destroy).
    pub fn prior(&self) -> Option<&S> {
        match self {
            PlanChange::Create { .. } => None,
            PlanChange::Update { prior, .. } | PlanChange::Destroy { prior } => Some(prior),
        }
    }

    /// The configuration (create and update).
    pub fn config(&self) -> Option<&S> {
        match self {
            PlanChange::Create { config, .. } | PlanChange::Update { config, .. } => Some(config),
            PlanChange::Destroy { .. } => None,
        }
    }

    /// The planned state (create and update).
    pub fn planned(&self) -> Option<&S> {
        match self {
            PlanChange::Create { planned, .. } | PlanChange::Update { planned, .. } => {
                Some(planned)
            }
            PlanChange::Destroy { .. } => None,
        }
    }

    /// The planned state to change, with the configuration and (on update) the prior state
    /// beside it: `None` on destroy.
    pub fn planning(&mut self) -> Option<(&mut S, &S, Option<&S>)> {
        match self {
            PlanChange::Create { config, planned } => Some((planned, config, None)),
            PlanChange::Update {
                prior,
                config,
                planned,
            } => Some((planned, config, Some(prior))),
            PlanChange::Destroy { .. } => None,
        }
    }
}

/// Input and output of [`Resource::modify_plan`], run after the framework's own planning steps
/// (defaults, computed unknowns, attribute plan modifiers). Also runs on destroy, so it can warn.
#[derive(Debug)]
pub struct ModifyPlan<S, P> {
    /// Create, update or destroy, with the values each has.
    pub change: PlanChange<S>,
    /// Attribute paths whose change forces replacement; add to it. Sorted and de-duplicated by
    /// the framework afterwards.
    pub requires_replace: Vec<AttributePath>,
    /// Private state (prior private in, planned private out).
    pub private: Private,
    /// The configured provider's data.
    pub provider: Arc<P>,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

/// Input of [`Resource::create`].
#[derive(Debug)]
pub struct CreateRequest<S, P> {
    /// The planned state: every known value here must come back unchanged; unknowns must be
    /// filled in. The framework reports a provider bug otherwise.
    pub planned: S,
    /// The configuration (write-only attributes are only here).
    pub config: S,
    /// Private state: planned private in; what is stored here is saved.
    pub private: Private,
    /// The configured provider's data.
    pub provider: Arc<P>,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

/// Input of [`Resource::read`].
#[derive(Debug)]
pub struct ReadRequest<S, P> {
    /// The state Terraform has.
    pub current: S,
    /// Private state; returned unchanged unless replaced.
    pub private: Private,
    /// The configured provider's data.
    pub provider: Arc<P>,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

/// Input of [`Resource::update`].
#[derive(Debug)]
pub struct UpdateRequest<S, P> {
    /// The state before the update.
    pub prior: S,
    /// The planned state (same rules as for create).
    pub planned: S,
    /// The configuration.
    pub config: S,
    /// Private state: planned private in; what is stored here is saved.
    pub private: Private,
    /// The configured provider's data.
    pub provider: Arc<P>,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

/// Input of [`Resource::delete`].
#[derive(Debug)]
pub struct DeleteRequest<S, P> {
    /// The state to delete.
    pub prior: S,
    /// Private state.
    pub private: Private,
    /// The configured provider's data.
    pub provider: Arc<P>,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

/// Input of [`Resource::import`].
#[derive(Debug)]
pub struct ImportRequest<P> {
    /// The id the user gave (`terraform import ADDR ID` or an `import {}` block).
    pub id: String,
    /// Private state to store with the imported object.
    pub private: Private,
    /// The configured provider's data.
    pub provider: Arc<P>,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

/// Input of [`Resource::upgrade`]: stored state written by an older schema version.
#[derive(Debug, Clone)]
pub struct UpgradeRequest {
    /// The schema version that wrote the state.
    pub version: i64,
    /// The stored attributes, as JSON, in that version's shape.
    pub raw: serde_json::Value,
}

/// Input of [`DataSource::read`].
#[derive(Debug)]
pub struct ReadDataRequest<S, P> {
    /// The configuration (wholly known: Terraform defers reads with unknown config to apply).
    pub config: S,
    /// The configured provider's data.
    pub provider: Arc<P>,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

/// Input of [`Provider::configure`].
#[derive(Debug)]
pub struct ConfigureRequest<C> {
    /// The provider configuration (all null when the configuration has no `provider` block).
    pub config: C,
    /// The Terraform version, e.g. "1.11.4".
    pub terraform_version: String,
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

/// A managed resource type, typed by its state struct.
///
/// Implement it with `#[tfplugin::async_trait]` and register it with [`AnyResource::new`].
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The state struct: one field per attribute ([`crate::Value`]) or nested block. `Default`
    /// gives its field names for [`AnyResource::state_fields`].
    type State: Serialize + DeserializeOwned + Default + Send + Sync + 'static;
    /// The type [`Provider::configure`] put in its [`ProviderData`].
    type ProviderData: Send + Sync + 'static;

    /// The full Terraform type name, e.g. `"oci_objectstorage_bucket"`.
    fn type_name(&self) -> &'static str;

    /// The schema; see [`Schema::builder`].
    fn schema(&self) -> Schema;

    /// Checks configuration beyond what the schema declares (attribute validators and
    /// [`crate::config_validators`] such as conflicts-with), e.g. a file that must exist. Values may be
    /// unknown; check only known ones.
    async fn validate(&self, _req: ValidateRequest<Self::State>, _diags: &mut Diagnostics) {}

    /// Adjusts the plan after the framework's steps, for what the schema cannot declare (see
    /// [`crate::plan_modifiers`] for what it can): values predicted from others, extra
    /// replacement paths, plan-time errors and warnings. Gets create, update or destroy as
    /// [`PlanChange`].
    async fn modify_plan(
        &self,
        _req: &mut ModifyPlan<Self::State, Self::ProviderData>,
        _diags: &mut Diagnostics,
    ) {
    }

    /// Creates the remote object. Returns the new state (every value known), or `None` on error
    /// when nothing was created.
    async fn create(
        &self,
        req: CreateRequest<Self::State, Self::ProviderData>,
        diags: &mut Diagnostics,
    ) -> Option<Self::State>;

    /// Reads the remote object. `None` without an error means it no longer exists: Terraform
    /// drops it from state and plans to create it again.
    async fn read(
        &self,
        req: ReadRequest<Self::State, Self::ProviderData>,
        diags: &mut Diagnostics,
    ) -> Option<Self::State>;

    /// Updates the remote object in place. Returns the new state; on a failed update return the
    /// best-known current object with the error.
    async fn update(
        &self,
        req: UpdateRequest<Self::State, Self::ProviderData>,
        diags: &mut Diagnostics,
    ) -> Option<Self::State>;

    /// Deletes the remote object (already gone is success).
    async fn delete(
        &self,
        req: DeleteRequest<Self::State, Self::ProviderData>,
        diags: &mut Diagnostics,
    );

    /// Turns an import id into a partial state (at least enough for `read`; unset values null).
    /// The default refuses import.
    async fn import(
        &self,
        _req: ImportRequest<Self::ProviderData>,
        diags: &mut Diagnostics,
    ) -> Option<Self::State> {
        diags.error(
            "Resource Import Not Implemented",
            format!(
                "The resource type {} does not support import.",
                self.type_name()
            ),
        );
        None
    }

    /// Converts state stored by an older schema version. Same-version state never reaches this
    /// method (the framework re-encodes it, dropping removed attributes and nulling new ones).
    /// The default refuses.
    async fn upgrade(&self, req: UpgradeRequest, diags: &mut Diagnostics) -> Option<Self::State> {
        diags.error(
            "Unable to Upgrade Resource State",
            format!(
                "The resource type {} has no upgrade from schema version {}.",
                self.type_name(),
                req.version
            ),
        );
        None
    }
}

/// A data source type, typed by its state struct.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    /// The state struct (configuration arguments plus computed results).
    type State: Serialize + DeserializeOwned + Default + Send + Sync + 'static;
    /// The type [`Provider::configure`] put in its [`ProviderData`].
    type ProviderData: Send + Sync + 'static;

    /// The full Terraform type name.
    fn type_name(&self) -> &'static str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// Checks configuration beyond the schema's validators.
    async fn validate(&self, _req: ValidateRequest<Self::State>, _diags: &mut Diagnostics) {}

    /// Reads the data; every value of the result must be known.
    async fn read(
        &self,
        req: ReadDataRequest<Self::State, Self::ProviderData>,
        diags: &mut Diagnostics,
    ) -> Option<Self::State>;
}

/// The provider: its configuration and the resource and data source types it serves.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider configuration struct.
    type Config: Serialize + DeserializeOwned + Send + 'static;

    /// The provider type name, e.g. `"oci"`.
    fn type_name(&self) -> &'static str;

    /// The source address, e.g. `"registry.terraform.io/ocilab/oci"` (used in debug mode's
    /// `TF_REATTACH_PROVIDERS`).
    fn address(&self) -> String;

    /// The provider configuration schema.
    fn schema(&self) -> Schema;

    /// Checks configuration beyond the schema's validators (values may be unknown).
    async fn validate(&self, _req: ValidateRequest<Self::Config>, _diags: &mut Diagnostics) {}

    /// Configures the provider; the returned data reaches every resource and data source call.
    async fn configure(
        &self,
        req: ConfigureRequest<Self::Config>,
        diags: &mut Diagnostics,
    ) -> Option<ProviderData>;

    /// The resource types served.
    fn resources(&self) -> Vec<AnyResource>;

    /// The data source types served.
    fn data_sources(&self) -> Vec<AnyDataSource> {
        Vec::new()
    }
}

// ---------------------------------------------------------------------------------------------
// Type-erased twins: the server works on value trees; the blanket impls decode, call the typed
// method and encode, so resource code never sees the wire.

/// Per-call context the server passes to type-erased calls.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub provider: Option<ProviderData>,
    pub cancel: CancellationToken,
    pub private: Private,
}

/// The raw form of a planning call.
pub(crate) struct RawPlan {
    pub prior: Val,
    pub config: Val,
    pub planned: Val,
    pub requires_replace: Vec<AttributePath>,
}

#[async_trait]
pub(crate) trait DynResource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn state_fields(&self) -> Vec<String>;
    async fn validate(&self, config: &Val, diags: &mut Diagnostics);
    async fn modify_plan(&self, ctx: &Ctx, plan: &mut RawPlan, diags: &mut Diagnostics);
    async fn create(
        &self,
        ctx: &Ctx,
        planned: &Val,
        config: &Val,
        diags: &mut Diagnostics,
    ) -> Option<Val>;
    async fn read(&self, ctx: &Ctx, current: &Val, diags: &mut Diagnostics) -> Option<Val>;
    async fn update(
        &self,
        ctx: &Ctx,
        prior: &Val,
        planned: &Val,
        config: &Val,
        diags: &mut Diagnostics,
    ) -> Option<Val>;
    async fn delete(&self, ctx: &Ctx, prior: &Val, diags: &mut Diagnostics);
    async fn import(&self, ctx: &Ctx, id: &str, diags: &mut Diagnostics) -> Option<Val>;
    async fn upgrade(
        &self,
        version: i64,
        raw: serde_json::Value,
        diags: &mut Diagnostics,
    ) -> Option<Val>;
}

/// A registered resource type (wraps any [`Resource`]).
pub struct AnyResource(pub(crate) Box<dyn DynResource>);

impl AnyResource {
    /// Wraps a resource for [`Provider::resources`].
    pub fn new<R: Resource>(r: R) -> Self {
        Self(Box::new(r))
    }

    /// Its Terraform type name.
    pub fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    /// Its schema.
    pub fn schema(&self) -> Schema {
        self.0.schema()
    }

    /// The field names the state struct serializes (sorted): they must be the schema's
    /// attribute and block names, which a registry-wide test checks.
    pub fn state_fields(&self) -> Vec<String> {
        self.0.state_fields()
    }
}

#[async_trait]
pub(crate) trait DynDataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn state_fields(&self) -> Vec<String>;
    async fn validate(&self, config: &Val, diags: &mut Diagnostics);
    async fn read(&self, ctx: &Ctx, config: &Val, diags: &mut Diagnostics) -> Option<Val>;
}

/// A registered data source type (wraps any [`DataSource`]).
pub struct AnyDataSource(pub(crate) Box<dyn DynDataSource>);

impl AnyDataSource {
    /// Wraps a data source for [`Provider::data_sources`].
    pub fn new<D: DataSource>(d: D) -> Self {
        Self(Box::new(d))
    }

    /// Its Terraform type name.
    pub fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    /// Its schema.
    pub fn schema(&self) -> Schema {
        self.0.schema()
    }

    /// The field names the state struct serializes (sorted): they must be the schema's
    /// attribute and block names, which a registry-wide test checks.
    pub fn state_fields(&self) -> Vec<String> {
        self.0.state_fields()
    }
}

#[async_trait]
pub(crate) trait DynProvider: Send + Sync {
    fn schema(&self) -> Schema;
    async fn validate(&self, config: &Val, diags: &mut Diagnostics);
    async fn configure(
        &self,
        config: &Val,
        terraform_version: String,
        cancel: CancellationToken,
        diags: &mut Diagnostics,
    ) -> Option<ProviderData>;
    fn resources(&self) -> Vec<AnyResource>;
    fn data_sources(&self) -> Vec<AnyDataSource>;
}

/// The sorted top-level keys `t` serializes to (empty if it is not an object).
pub(crate) fn field_names<T: Serialize>(t: &T) -> Vec<String> {
    let mut fields: Vec<String> = serde_json::to_value(t)
        .ok()
        .and_then(|j| j.as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default();
    fields.sort();
    fields
}

fn decode<T: DeserializeOwned>(v: &Val, what: &str, diags: &mut Diagnostics) -> Option<T> {
    match from_val(v) {
        Ok(t) => Some(t),
        Err(e) => {
            diags.provider_bug(
                "Value Conversion Error",
                format!("The {what} could not be converted to the provider's type: {e}"),
            );
            None
        }
    }
}

fn encode<T: Serialize>(t: &T, what: &str, diags: &mut Diagnostics) -> Option<Val> {
    match to_val(t) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.provider_bug(
                "Value Conversion Error",
                format!("The {what} could not be encoded: {e}"),
            );
            None
        }
    }
}

fn provider_data<P: Send + Sync + 'static>(ctx: &Ctx, diags: &mut Diagnostics) -> Option<Arc<P>> {
    let Some(data) = ctx.provider.clone() else {
        diags.error(
            "Provider Not Configured",
            "This operation needs the configured provider, but ConfigureProvider has not \
             completed successfully in this provider process.",
        );
        return None;
    };
    match data.downcast::<P>() {
        Ok(p) => Some(p),
        Err(_) => {
            diags.provider_bug(
                "Unexpected Provider Data Type",
                format!(
                    "Expected provider data of type {}.",
                    std::any::type_name::<P>()
                ),
            );
            None
        }
    }
}

#[async_trait]
impl<R: Resource> DynResource for R {
    fn type_name(&self) -> &'static str {
        Resource::type_name(self)
    }
    fn schema(&self) -> Schema {
        Resource::schema(self)
    }
    fn state_fields(&self) -> Vec<String> {
        field_names(&R::State::default())
    }
    async fn validate(&self, config: &Val, diags: &mut Diagnostics) {
        if let Some(config) = decode(config, "configuration", diags) {
            Resource::validate(self, ValidateRequest { config }, diags).await;
        }
    }
    async fn modify_plan(&self, ctx: &Ctx, plan: &mut RawPlan, diags: &mut Diagnostics) {
        let Some(provider) = provider_data::<R::ProviderData>(ctx, diags) else {
            return;
        };
        let change = if plan.planned == Val::Null {
            let Some(prior) = decode(&plan.prior, "prior state", diags) else {
                return;
            };
            PlanChange::Destroy { prior }
        } else {
            let (Some(config), Some(planned)) = (
                decode(&plan.config, "configuration", diags),
                decode(&plan.planned, "planned state", diags),
            ) else {
                return;
            };
            if plan.prior == Val::Null {
                PlanChange::Create { config, planned }
            } else {
                let Some(prior) = decode(&plan.prior, "prior state", diags) else {
                    return;
                };
                PlanChange::Update {
                    prior,
                    config,
                    planned,
                }
            }
        };
        let mut req = ModifyPlan {
            change,
            requires_replace: std::mem::take(&mut plan.requires_replace),
            private: ctx.private.clone(),
            provider,
            cancel: ctx.cancel.clone(),
        };
        Resource::modify_plan(self, &mut req, diags).await;
        plan.requires_replace = req.requires_replace;
        match req.change.planned() {
            Some(p) => {
                if let Some(v) = encode(p, "planned state", diags) {
                    plan.planned = v;
                }
            }
            None => plan.planned = Val::Null,
        }
    }
    async fn create(
        &self,
        ctx: &Ctx,
        planned: &Val,
        config: &Val,
        diags: &mut Diagnostics,
    ) -> Option<Val> {
        let provider = provider_data::<R::ProviderData>(ctx, diags)?;
        let planned = decode(planned, "planned state", diags)?;
        let config = decode(config, "configuration", diags)?;
        let req = CreateRequest {
            planned,
            config,
            private: ctx.private.clone(),
            provider,
            cancel: ctx.cancel.clone(),
        };
        let out = Resource::create(self, req, diags).await?;
        encode(&out, "new state", diags)
    }
    async fn read(&self, ctx: &Ctx, current: &Val, diags: &mut Diagnostics) -> Option<Val> {
        let provider = provider_data::<R::ProviderData>(ctx, diags)?;
        let current = decode(current, "current state", diags)?;
        let req = ReadRequest {
            current,
            private: ctx.private.clone(),
            provider,
            cancel: ctx.cancel.clone(),
        };
        let out = Resource::read(self, req, diags).await?;
        encode(&out, "read state", diags)
    }
    async fn update(
        &self,
        ctx: &Ctx,
        prior: &Val,
        planned: &Val,
        config: &Val,
        diags: &mut Diagnostics,
    ) -> Option<Val> {
        let provider = provider_data::<R::ProviderData>(ctx, diags)?;
        let prior = decode(prior, "prior state", diags)?;
        let planned = decode(planned, "planned state", diags)?;
        let config = decode(config, "configuration", diags)?;
        let req = UpdateRequest {
            prior,
            planned,
            config,
            private: ctx.private.clone(),
            provider,
            cancel: ctx.cancel.clone(),
        };
        let out = Resource::update(self, req, diags).await?;
        encode(&out, "new state", diags)
    }
    async fn delete(&self, ctx: &Ctx, prior: &Val, diags: &mut Diagnostics) {
        let Some(provider) = provider_data::<R::ProviderData>(ctx, diags) else {
            return;
        };
        let Some(prior) = decode(prior, "prior state", diags) else {
            return;
        };
        let req = DeleteRequest {
            prior,
            private: ctx.private.clone(),
            provider,
            cancel: ctx.cancel.clone(),
        };
        Resource::delete(self, req, diags).await;
    }
    async fn import(&self, ctx: &Ctx, id: &str, diags: &mut Diagnostics) -> Option<Val> {
        let provider = provider_data::<R::ProviderData>(ctx, diags)?;
        let req = ImportRequest {
            id: id.to_string(),
            private: ctx.private.clone(),
            provider,
            cancel: ctx.cancel.clone(),
        };
        let out = Resource::import(self, req, diags).await?;
        encode(&out, "imported state", diags)
    }
    async fn upgrade(
        &self,
        version: i64,
        raw: serde_json::Value,
        diags: &mut Diagnostics,
    ) -> Option<Val> {
        let out = Resource::upgrade(self, UpgradeRequest { version, raw }, diags).await?;
        encode(&out, "upgraded state", diags)
    }
}

#[async_trait]
impl<D: DataSource> DynDataSource for D {
    fn type_name(&self) -> &'static str {
        DataSource::type_name(self)
    }
    fn schema(&self) -> Schema {
        DataSource::schema(self)
    }
    fn state_fields(&self) -> Vec<String> {
        field_names(&D::State::default())
    }
    async fn validate(&self, config: &Val, diags: &mut Diagnostics) {
        if let Some(config) = decode(config, "configuration", diags) {
            DataSource::validate(self, ValidateRequest { config }, diags).await;
        }
    }
    async fn read(&self, ctx: &Ctx, config: &Val, diags: &mut Diagnostics) -> Option<Val> {
        let provider = provider_data::<D::ProviderData>(ctx, diags)?;
        let config = decode(config, "configuration", diags)?;
        let out = DataSource::read(
            self,
            ReadDataRequest {
                config,
                provider,
                cancel: ctx.cancel.clone(),
            },
            diags,
        )
        .await?;
        encode(&out, "data source state", diags)
    }
}

#[async_trait]
impl<P: Provider> DynProvider for P {
    fn schema(&self) -> Schema {
        Provider::schema(self)
    }
    async fn validate(&self, config: &Val, diags: &mut Diagnostics) {
        if let Some(config) = decode(config, "provider configuration", diags) {
            Provider::validate(self, ValidateRequest { config }, diags).await;
        }
    }
    async fn configure(
        &self,
        config: &Val,
        terraform_version: String,
        cancel: CancellationToken,
        diags: &mut Diagnostics,
    ) -> Option<ProviderData> {
        let config = decode(config, "provider configuration", diags)?;
        Provider::configure(
            self,
            ConfigureRequest {
                config,
                terraform_version,
                cancel,
            },
            diags,
        )
        .await
    }
    fn resources(&self) -> Vec<AnyResource> {
        Provider::resources(self)
    }
    fn data_sources(&self) -> Vec<AnyDataSource> {
        Provider::data_sources(self)
    }
}
