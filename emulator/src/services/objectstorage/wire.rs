//! Object Storage JSON (camelCase), written independently of oci-client on purpose.

use serde::Serialize;

/// `GetNamespaceMetadata` response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceMetadata {
    pub namespace: String,
    pub default_s3_compartment_id: String,
    pub default_swift_compartment_id: String,
}
