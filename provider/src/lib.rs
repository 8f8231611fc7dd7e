//! `terraform-provider-oci` (source `ocilab/oci`): Terraform resources for OCI Data Flow labs.
//!
//! This crate only translates: Terraform values come from `tfplugin`, OCI calls go through
//! `oci_client`, and each resource file holds the mapping between the two.
//!
//! # Layout
//! - `main.rs`: calls [`tfplugin::serve`] with [`OciProvider`].
//! - [`provider`]: the provider configuration schema (the official provider's arguments plus
//!   our endpoint overrides) and `configure`, which resolves credentials into an OCI client.
//! - [`resources`] / [`data_sources`]: one file per Terraform type.
//! - [`functions`]: provider-defined functions (`provider::oci::parse_oci_uri`, ...), one file each.
//! - [`diag`]: the one place OCI errors become Terraform diagnostics.
//! - [`iam`]: what the IAM resources share (home region, write serialisation, propagation
//!   retry).
//! - [`tags`]: defined tags the service adds (`Oracle-Tags`) and `ignore_defined_tags`.
//! - [`validators`]: OCI naming rules checked at plan time.
//! - [`convert`]: pure conversions shared by resources (tags, times, maps).
//! - [`dataflow`]: what the two Data Flow resources share (blocks, plan-time job checks, the
//!   failure report of a run).
//! - [`timeouts`]: the `timeouts` block.
//!
//! # Adding a resource (or data source)
//! 1. **File**: `src/resources/<type without oci_>.rs` (data sources: `src/data_sources/`), in
//!    the fixed order: `TYPE_NAME`, state struct (doc comments are the descriptions), resource
//!    struct, `impl Resource` (schema, validate, modify_plan, create, read, update, delete,
//!    import), helpers with I/O, then pure conversions and their unit tests. Declare behaviour
//!    in the schema — `tfplugin::plan_modifiers` (use state for unknown, requires replace, keep
//!    prior if equivalent, match elements by key) and `tfplugin::config_validators` (conflicts
//!    with, exactly one of, ...) — and keep OCI mechanics (error predicates, ids, uploads) in
//!    `oci_client`; the file only maps Terraform state to OCI calls.
//! 2. **Registry line**: `pub mod <file>;` and one `AnyResource::new(...)` line in
//!    [`resources::all`] (or [`data_sources::all`]). That is the only list: the registry tests
//!    (`tests/registry.rs`) check the state struct against the schema, and
//!    `tests/schemas_up_to_date.rs` writes `schemas/<type>.json` (run it, commit the file).
//! 3. **Example**: `examples/resources/<type>/resource.tf` + `import.sh` (data sources:
//!    `examples/data-sources/<type>/data-source.tf`); `acceptance-tests/tests/examples.rs`
//!    applies and imports every one.
//! 4. **Acceptance test file**: `acceptance-tests/tests/<type without oci_>.rs` with
//!    `<type>_basic` (create, import verify, update, destroy, check destroy) and the
//!    `requires_replace_on_<attr>` / `disappears` / `import_<form>` scenarios that apply.
//! 5. **Docs**: `cargo xtask docs` writes `docs/resources/<type without oci_>.md` (data sources:
//!    `docs/data-sources/`) from the schema and the example; `tests/docs_up_to_date.rs` fails
//!    until the page is committed. A function (`src/functions/`, one line in
//!    [`functions::all`]) needs `examples/functions/<name>/function.tf` the same way.
//! 6. **Drop-in and config generation**: `acceptance-tests/fixtures/oracle-state/<type without
//!    oci_>/` with `main.tf` and the `terraform.tfstate` Oracle's provider writes for it (its
//!    README lists the placeholders), then one line in `swap!` (`tests/swap_from_oracle.rs`)
//!    and, for resources, one in `generate!` (`tests/generate_config.rs`). Where Oracle's state
//!    spells a value differently from `read`, rewrite it in `Resource::normalize_stored`.

pub mod convert;
pub mod create_journal;
pub mod data_sources;
pub mod dataflow;
pub mod diag;
pub mod functions;
pub mod iam;
pub mod provider;
pub mod resources;
pub mod run_iam;
pub mod tags;
pub mod timeouts;
pub mod validators;

pub use provider::{ADDRESS, Oci, OciProvider, OciProviderConfig};
