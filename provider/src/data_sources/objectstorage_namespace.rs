//! `data.oci_objectstorage_namespace`: the tenancy's Object Storage namespace, which every
//! `oci://bucket@namespace/path` URI needs.
//!
//! API: GetNamespace (`GET /n`, optional `compartmentId`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::{DataSource, Diagnostics, ReadDataRequest, Schema, Value, async_trait};

use crate::diag::OrDiag;
use crate::provider::Oci;
use crate::validators as oci;

pub const TYPE_NAME: &str = "oci_objectstorage_namespace";

/// The Object Storage namespace of the tenancy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NamespaceState {
    /// Stable ID derived from the arguments (as in the official provider).
    pub id: Value<String>,
    /// A tenancy or compartment OCID; without it, the namespace of the caller's tenancy.
    pub compartment_id: Value<String>,
    /// The namespace name.
    pub namespace: Value<String>,
}

pub struct NamespaceDataSource;

#[async_trait]
impl DataSource for NamespaceDataSource {
    type State = NamespaceState;
    type ProviderData = Oci;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::builder::<NamespaceState>()
            .attribute("id", |a| a.computed())
            .attribute("compartment_id", |a| {
                a.optional()
                    .validator(oci::ocid(&["compartment", "tenancy"]))
            })
            .attribute("namespace", |a| a.computed())
            .build()
    }

    async fn read(
        &self,
        req: ReadDataRequest<NamespaceState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<NamespaceState> {
        let compartment = req.config.compartment_id.as_known().cloned();
        let ns = req
            .provider
            .client
            .get_namespace(compartment.as_deref())
            .await
            .or_diag(
                diags,
                "Read Namespace Error",
                "reading the Object Storage namespace",
            )?
            .value;
        Some(NamespaceState {
            id: Value::Known(data_source_id(compartment.as_deref())),
            compartment_id: compartment.into(),
            namespace: Value::Known(ns),
        })
    }
}

/// `ObjectStorageNamespaceDataSource-<hash of the arguments>`: stable across runs (FNV-1a, so it
/// does not depend on the process's hash seed).
fn data_source_id(compartment_id: Option<&str>) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in compartment_id.unwrap_or_default().bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("ObjectStorageNamespaceDataSource-{h}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_stable_and_depends_on_arguments() {
        assert_eq!(data_source_id(None), data_source_id(None));
        assert_ne!(
            data_source_id(None),
            data_source_id(Some("ocid1.tenancy.oc1..a"))
        );
    }
}
