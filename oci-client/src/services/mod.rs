//! Typed operations and wire models, one module per OCI service. Models use the services' JSON
//! names exactly (camelCase); unknown response fields are ignored and absent optional fields are
//! `None`, so newer service versions do not break decoding. Enum-like fields are strings (with
//! the known values as constants) so an unknown value from the service is kept, not rejected.

pub mod dataflow;
pub mod dataflow_catalog;
pub mod identity;
pub mod objectstorage;

use std::collections::BTreeMap;

use crate::error::Result;

/// `freeformTags`: string → string.
pub type FreeformTags = BTreeMap<String, String>;
/// `definedTags`: namespace → key → any JSON value.
pub type DefinedTags = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

/// Turns "not found" into `Ok(None)`; every other error passes through.
pub fn not_found_to_none<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Lifecycle state names (reference oci-api.md §4).
pub mod lifecycle {
    pub const ACTIVE: &str = "ACTIVE";
    pub const CREATING: &str = "CREATING";
    pub const INACTIVE: &str = "INACTIVE";
    pub const DELETING: &str = "DELETING";
    pub const DELETED: &str = "DELETED";
    pub const ACCEPTED: &str = "ACCEPTED";
    pub const IN_PROGRESS: &str = "IN_PROGRESS";
    pub const CANCELING: &str = "CANCELING";
    pub const CANCELED: &str = "CANCELED";
    pub const FAILED: &str = "FAILED";
    pub const SUCCEEDED: &str = "SUCCEEDED";
    pub const STOPPING: &str = "STOPPING";
    pub const STOPPED: &str = "STOPPED";
    /// Terminal Data Flow run states.
    pub const RUN_TERMINAL: [&str; 4] = [SUCCEEDED, FAILED, CANCELED, STOPPED];
}

/// Generates the by-OCID operations of a resource: `get`, `get_opt` (404 → `None`), `update`
/// (PUT with optional `if-match`) and `delete` (with optional `if-match`). They differ between
/// resources only in names, path and types, so they are written once here.
macro_rules! id_resource {
    (
        service: $svc:expr,
        collection: $coll:literal,
        id_field: $idname:literal,
        model: $model:ty,
        update_details: $upd:ty,
        get: $get:ident / $get_opt:ident = $get_op:literal,
        update: $update:ident = $update_op:literal,
        $(#[$delete_doc:meta])*
        delete: $delete:ident = $delete_op:literal $(,)?
    ) => {
        impl $crate::client::Client {
            #[doc = concat!("`", $get_op, "`: `GET ", $coll, "/{", $idname, "}`.")]
            pub async fn $get(&self, id: &str) -> $crate::error::Result<$crate::client::Response<$model>> {
                let path = format!("{}/{}", $coll, $crate::request::segment($get_op, $idname, id)?);
                let req = $crate::request::OciRequest::new($get_op, $svc, reqwest::Method::GET, path);
                self.send_json(&req).await
            }

            #[doc = concat!("`", $get_op, "` with 404 → `None`.")]
            pub async fn $get_opt(
                &self,
                id: &str,
            ) -> $crate::error::Result<Option<$crate::client::Response<$model>>> {
                $crate::services::not_found_to_none(self.$get(id).await)
            }

            #[doc = concat!("`", $update_op, "`: `PUT ", $coll, "/{", $idname, "}`, optionally with `if-match`.")]
            pub async fn $update(
                &self,
                id: &str,
                details: &$upd,
                if_match: Option<&str>,
            ) -> $crate::error::Result<$crate::client::Response<$model>> {
                let path = format!("{}/{}", $coll, $crate::request::segment($update_op, $idname, id)?);
                let req = $crate::request::OciRequest::new($update_op, $svc, reqwest::Method::PUT, path)
                    .json(details)?
                    .header_opt("if-match", if_match);
                self.send_json(&req).await
            }

            #[doc = concat!("`", $delete_op, "`: `DELETE ", $coll, "/{", $idname, "}`, optionally with `if-match`.")]
            $(#[$delete_doc])*
            pub async fn $delete(
                &self,
                id: &str,
                if_match: Option<&str>,
            ) -> $crate::error::Result<$crate::client::Response<()>> {
                let path = format!("{}/{}", $coll, $crate::request::segment($delete_op, $idname, id)?);
                let req = $crate::request::OciRequest::new($delete_op, $svc, reqwest::Method::DELETE, path)
                    .header_opt("if-match", if_match);
                self.send_empty(&req).await
            }
        }
    };
}
pub(crate) use id_resource;
