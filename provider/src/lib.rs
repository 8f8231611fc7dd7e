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
//! - [`diag`]: the one place OCI errors become Terraform diagnostics.
//! - [`validators`]: OCI naming rules checked at plan time.
//! - [`convert`]: pure conversions shared by resources (tags, times, import ids).
//! - [`dataflow`]: what the two Data Flow resources share (blocks, plan-time job checks, the
//!   failure report of a run).
//! - [`timeouts`]: the `timeouts` block.

pub mod convert;
pub mod data_sources;
pub mod dataflow;
pub mod diag;
pub mod provider;
pub mod resources;
pub mod timeouts;
pub mod validators;

pub use provider::{ADDRESS, Oci, OciProvider, OciProviderConfig};
