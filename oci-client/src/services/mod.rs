//! Typed operations and wire models, one module per OCI service. Models use the services' JSON
//! names exactly (camelCase); unknown response fields are ignored and absent optional fields are
//! `None`, so newer service versions do not break decoding. Enum-like fields are strings (with
//! the known values as constants) so an unknown value from the service is kept, not rejected.

pub mod dataflow;
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
