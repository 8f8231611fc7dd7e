//! `terraform-provider-oci` (source `ocilab/oci`): Terraform resources for OCI Data Flow labs.
//!
//! # Layout
//! - `main.rs`: calls [`tfplugin::serve`] with [`OciProvider`].
//! - [`provider`]: the provider configuration schema (the official provider's arguments plus
//!   our endpoint overrides) and `configure`.
//! - `resources/`: one file per Terraform type (none yet).

pub mod provider;

pub use provider::{ADDRESS, OciProvider, OciProviderConfig};
