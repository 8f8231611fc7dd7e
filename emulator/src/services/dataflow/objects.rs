//! The Data Flow service's view of the emulated Object Storage: does the script/bucket exist,
//! how big is an input, and writing run output and logs. All through Object
//! Storage's narrow `api` (never its store; `api::read_object` reads an object's bytes), so rows and blob files look exactly like objects
//! put by a client.

use crate::error::ApiError;
pub use crate::services::objectstorage::api::{
    bucket_exists, object_size, put_object, read_object,
};
use crate::state::AppState;

pub fn object_exists(
    state: &AppState,
    ns: &str,
    bucket: &str,
    name: &str,
) -> Result<bool, ApiError> {
    Ok(object_size(state, ns, bucket, name)?.is_some())
}

/// PutObject's object-name rules, for names a run composes before writing them.
pub use crate::services::objectstorage::api::check_object_name;
