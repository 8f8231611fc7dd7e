//! The one way a new object body becomes an object: PutObject, and Data Flow's run output and
//! logs (through `api::put_object`). Same object-name rules, same bucket check, same
//! replacement of the old body, so an object written by a run is indistinguishable from one a
//! client put, and nothing a client could not put is ever stored.

use super::model::validate_object_name;
use super::store::{self, ObjectHeaders, ObjectRow};
use crate::error::ApiResult;
use crate::state::AppState;
use base64::Engine;
use std::collections::BTreeMap;

/// What a new object is, apart from its body.
pub struct NewObject<'a> {
    pub ns: &'a str,
    pub bucket: &'a str,
    pub name: &'a str,
    pub storage_tier: String,
    pub headers: ObjectHeaders,
    pub metadata: BTreeMap<String, String>,
}

/// Check what can be checked before the body is read (the name).
pub fn check(new: &NewObject<'_>) -> ApiResult<()> {
    validate_object_name(new.name)
}

/// The row for `new` with a body already in the blob dir (`blob`, `size` bytes, `md5`).
pub fn row(
    state: &AppState,
    new: NewObject<'_>,
    blob: &str,
    size: i64,
    md5: &[u8; 16],
) -> ApiResult<ObjectRow> {
    check(&new)?;
    let now = crate::clock::rfc3339_millis(state.now());
    Ok(ObjectRow {
        namespace: new.ns.to_owned(),
        bucket: new.bucket.to_owned(),
        name: new.name.to_owned(),
        size,
        md5: base64::engine::general_purpose::STANDARD.encode(md5),
        multipart_md5: None,
        etag: uuid::Uuid::new_v4().to_string(),
        version_id: uuid::Uuid::new_v4().to_string(),
        time_created: now.clone(),
        time_modified: now,
        storage_tier: new.storage_tier,
        headers: new.headers,
        metadata: new.metadata,
        blob: blob.to_owned(),
    })
}

/// Commit `row`: the bucket must exist and `preconditions` hold against the current object, in
/// one transaction, which also stores `inline` (the body, when `row.blob` is an inline name;
/// else the body file is already durable in the blob dir). On success the body of a replaced
/// object is removed; on failure the new body is. Waits for durability without blocking the
/// runtime's thread, so concurrent PutObjects share an fsync.
pub async fn commit(
    state: &AppState,
    row: &ObjectRow,
    inline: Option<&[u8]>,
    preconditions: impl FnOnce(Option<&ObjectRow>) -> ApiResult<()>,
) -> ApiResult<()> {
    let committed = state
        .tx_async(|tx| upsert(tx, row, inline, preconditions))
        .await;
    finish(state, row, committed)
}

/// [`commit`] for callers outside the async runtime (Data Flow's executor threads).
pub fn commit_blocking(
    state: &AppState,
    row: &ObjectRow,
    inline: Option<&[u8]>,
    preconditions: impl FnOnce(Option<&ObjectRow>) -> ApiResult<()>,
) -> ApiResult<()> {
    let committed = state.tx(|tx| upsert(tx, row, inline, preconditions));
    finish(state, row, committed)
}

fn upsert(
    tx: &rusqlite::Transaction<'_>,
    row: &ObjectRow,
    inline: Option<&[u8]>,
    preconditions: impl FnOnce(Option<&ObjectRow>) -> ApiResult<()>,
) -> ApiResult<Option<String>> {
    // Existence only: decoding the bucket's JSON document is not needed here.
    if !store::bucket_exists(tx, &row.namespace, &row.bucket)? {
        return Err(store::bucket_not_found(&row.namespace, &row.bucket));
    }
    let current = store::get_object(tx, &row.namespace, &row.bucket, &row.name)?;
    preconditions(current.as_ref())?;
    if let Some(data) = inline {
        store::insert_inline(tx, &row.blob, data)?;
    }
    store::replace_object(tx, row, current.map(|c| c.blob))
}

/// Removes the body that lost: the replaced one after a commit, the new one after a failure.
/// (Inline bodies need nothing: they went, or never came, with the transaction.)
fn finish(
    state: &AppState,
    row: &ObjectRow,
    committed: ApiResult<Option<String>>,
) -> ApiResult<()> {
    let dir = state.blob_dir();
    match committed {
        Ok(replaced) => {
            if let Some(old) = replaced
                && let Err(e) = std::fs::remove_file(dir.join(&old))
            {
                tracing::warn!(blob = %old, error = %e, "could not remove a replaced body");
            }
            Ok(())
        }
        Err(e) => {
            if !store::is_inline(&row.blob) {
                let _ = std::fs::remove_file(dir.join(&row.blob));
            }
            Err(e)
        }
    }
}
