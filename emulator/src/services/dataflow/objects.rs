//! The Data Flow service's view of the emulated Object Storage: does the script/bucket exist,
//! how big is an input, and writing run output and logs. All through Object Storage's store
//! functions, so rows and blob files look exactly like objects put by a client.

use crate::clock::rfc3339_millis;
use crate::error::ApiError;
use crate::services::objectstorage::store::{self as os, ObjectHeaders, ObjectRow};
use crate::state::AppState;
use base64::Engine;
use md5::{Digest, Md5};
use std::io::Write;

pub fn bucket_exists(state: &AppState, ns: &str, bucket: &str) -> Result<bool, ApiError> {
    state.db(|c| os::bucket_exists(c, ns, bucket))
}

pub fn object_exists(
    state: &AppState,
    ns: &str,
    bucket: &str,
    name: &str,
) -> Result<bool, ApiError> {
    Ok(object_size(state, ns, bucket, name)?.is_some())
}

pub fn object_size(
    state: &AppState,
    ns: &str,
    bucket: &str,
    name: &str,
) -> Result<Option<i64>, ApiError> {
    Ok(state
        .db(|c| os::get_object(c, ns, bucket, name))?
        .map(|o| o.size))
}

/// Put an object as a client's PutObject would: body fsynced to a blob file first, then the row
/// committed; a replaced object's old body is removed afterwards.
pub fn put_object(
    state: &AppState,
    ns: &str,
    bucket: &str,
    name: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(), ApiError> {
    let blob = uuid::Uuid::new_v4().to_string();
    let dir = state.blob_dir();
    {
        let mut f = std::fs::File::create(dir.join(&blob))?;
        f.write_all(&body)?;
        f.sync_all()?;
    }
    let now = rfc3339_millis(state.now());
    let row = ObjectRow {
        namespace: ns.to_owned(),
        bucket: bucket.to_owned(),
        name: name.to_owned(),
        size: body.len() as i64,
        md5: base64::engine::general_purpose::STANDARD.encode(Md5::digest(&body)),
        multipart_md5: None,
        etag: uuid::Uuid::new_v4().to_string(),
        version_id: uuid::Uuid::new_v4().to_string(),
        time_created: now.clone(),
        time_modified: now,
        storage_tier: "Standard".to_owned(),
        headers: ObjectHeaders {
            content_type: Some(content_type.to_owned()),
            ..ObjectHeaders::default()
        },
        metadata: Default::default(),
        blob: blob.clone(),
    };
    let replaced = state.tx(|tx| {
        if !os::bucket_exists(tx, ns, bucket)? {
            return Err(os::bucket_not_found(ns, bucket));
        }
        os::upsert_object(tx, &row)
    });
    match replaced {
        Ok(Some(old)) => {
            let _ = std::fs::remove_file(dir.join(old));
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(dir.join(&blob));
            Err(e)
        }
    }
}
