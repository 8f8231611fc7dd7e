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
//! - [`iam`]: what the IAM resources share (home region, write serialisation, propagation
//!   retry, service-added tags).
//! - [`validators`]: OCI naming rules checked at plan time.
//! - [`convert`]: pure conversions shared by resources (tags, times, import ids).

pub mod convert;
pub mod data_sources;
pub mod diag;
pub mod iam;
pub mod provider;
pub mod resources;
pub mod validators;

pub use provider::{ADDRESS, Oci, OciProvider, OciProviderConfig};
