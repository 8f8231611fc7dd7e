//! Object Storage as the other services see it: whether a bucket exists, an object's size, an
//! object's bytes, and putting an object. Data Flow reads run inputs and writes run output and
//! logs through these, so its objects are stored exactly like a client's PutObject; no other
//! service touches this service's tables or blob files.

use super::store::{self, ObjectHeaders};
use super::write::{self, NewObject};
use crate::error::ApiError;
use crate::state::AppState;
use md5::{Digest, Md5};
use std::io::Write;

/// Does bucket `bucket` exist in namespace `ns`?
pub fn bucket_exists(state: &AppState, ns: &str, bucket: &str) -> Result<bool, ApiError> {
    state.db(|c| store::bucket_exists(c, ns, bucket))
}

/// The size in bytes of an object, `None` if it does not exist.
pub fn object_size(
    state: &AppState,
    ns: &str,
    bucket: &str,
    name: &str,
) -> Result<Option<i64>, ApiError> {
    Ok(state
        .db(|c| store::get_object(c, ns, bucket, name))?
        .map(|o| o.size))
}

/// The bytes of an object, `None` if it does not exist.
pub fn read_object(
    state: &AppState,
    ns: &str,
    bucket: &str,
    name: &str,
) -> Result<Option<Vec<u8>>, ApiError> {
    use std::io::Read;
    let dir = state.blob_dir();
    // Opened under the lock that read the row (see `store::open_blob`), read after it.
    let body = state.db(|c| {
        store::get_object(c, ns, bucket, name)?
            .map(|row| store::open_blob(c, &dir, &row.blob))
            .transpose()
    })?;
    match body {
        None => Ok(None),
        Some(store::OpenBlob::Inline(bytes)) => Ok(Some(bytes)),
        Some(store::OpenBlob::File(mut file)) => {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            Ok(Some(bytes))
        }
    }
}

/// Put an object exactly as a client's PutObject would (`write.rs`, the one write path): the
/// same object-name rules (400 `InvalidParameter` naming `objectName`), 404 `BucketNotFound` if
/// the bucket does not exist, body fsynced before the row commits, a replaced body removed.
pub fn put_object(
    state: &AppState,
    ns: &str,
    bucket: &str,
    name: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(), ApiError> {
    let new = NewObject {
        ns,
        bucket,
        name,
        storage_tier: "Standard".to_owned(),
        headers: ObjectHeaders {
            content_type: Some(content_type.to_owned()),
            ..ObjectHeaders::default()
        },
        metadata: Default::default(),
    };
    write::check(&new)?;
    let md5: [u8; 16] = Md5::digest(&body).into();
    let dir = state.blob_dir();
    let inline = body.len() <= store::INLINE_MAX;
    let blob = if inline {
        store::new_inline_name()
    } else {
        let blob = uuid::Uuid::new_v4().to_string();
        let mut f = std::fs::File::create(dir.join(&blob))?;
        f.write_all(&body)?;
        f.sync_all()?;
        blob
    };
    let row = match write::row(state, new, &blob, body.len() as i64, &md5) {
        Ok(row) => row,
        Err(e) => {
            if !inline {
                let _ = std::fs::remove_file(dir.join(&blob));
            }
            return Err(e);
        }
    };
    write::commit_blocking(state, &row, inline.then_some(body.as_slice()), |_| Ok(()))
}

/// The object-name rules of PutObject, for callers that compose names before writing.
pub fn check_object_name(name: &str) -> Result<(), ApiError> {
    super::model::validate_object_name(name)
}

/// What an authorisation check needs to know about a bucket: its compartment (policies are
/// scoped by compartment) and its OCID. `None` if the bucket does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketFacts {
    pub name: String,
    pub id: String,
    pub compartment_id: String,
}

pub fn bucket_facts(
    state: &AppState,
    ns: &str,
    bucket: &str,
) -> Result<Option<BucketFacts>, ApiError> {
    Ok(state
        .db(|c| store::get_bucket(c, ns, bucket))?
        .map(|b| BucketFacts {
            name: b.name,
            id: b.id,
            compartment_id: b.compartment_id,
        }))
}

/// Names of every bucket in namespace `ns`, in name order.
pub fn bucket_names(state: &AppState, ns: &str) -> Result<Vec<String>, ApiError> {
    state.db(|c| {
        Ok(store::all_buckets(c, ns)?
            .into_iter()
            .map(|b| b.name)
            .collect())
    })
}

/// Name and size of every object in a bucket, in name order.
pub fn object_sizes(
    state: &AppState,
    ns: &str,
    bucket: &str,
) -> Result<Vec<(String, i64)>, ApiError> {
    let mut out = Vec::new();
    state.db(|c| {
        store::scan_objects(c, ns, bucket, "", |o| {
            out.push((o.name, o.size));
            true
        })
    })?;
    Ok(out)
}

/// Delete an object as DeleteObject would (row first, then its body). Deleting an object that
/// does not exist is not an error here: the caller mirrors a directory that no longer has it.
pub fn delete_object(state: &AppState, ns: &str, bucket: &str, name: &str) -> Result<(), ApiError> {
    let blob = state.tx(|tx| {
        let old = store::get_object(tx, ns, bucket, name)?;
        if old.is_some() {
            store::delete_object(tx, ns, bucket, name)?;
        }
        Ok(old.map(|o| o.blob))
    })?;
    if let Some(blob) = blob.filter(|b| !store::is_inline(b)) {
        let _ = std::fs::remove_file(state.blob_dir().join(blob));
    }
    Ok(())
}

/// A bucket as the emulator console lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketView {
    pub name: String,
    pub id: String,
    pub compartment_id: String,
    pub time_created: String,
    pub storage_tier: String,
    pub public_access_type: String,
    pub versioning: String,
    pub object_count: i64,
    pub total_size: i64,
}

/// Every bucket of namespace `ns` with its object count and size, in name order.
pub fn buckets(state: &AppState, ns: &str) -> Result<Vec<BucketView>, ApiError> {
    state.db(|c| {
        store::all_buckets(c, ns)?
            .into_iter()
            .map(|b| {
                let (object_count, total_size) = store::bucket_usage(c, ns, &b.name)?;
                Ok(BucketView {
                    object_count,
                    total_size,
                    name: b.name,
                    id: b.id,
                    compartment_id: b.compartment_id,
                    time_created: b.time_created,
                    storage_tier: b.storage_tier,
                    public_access_type: b.public_access_type,
                    versioning: b.versioning,
                })
            })
            .collect()
    })
}

/// An object as GetObject would describe it, without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectView {
    pub name: String,
    pub size: i64,
    pub etag: String,
    /// The stored `Content-Type`; GetObject answers `application/octet-stream` without one.
    pub content_type: Option<String>,
    pub time_modified: String,
    pub storage_tier: String,
}

impl From<store::ObjectRow> for ObjectView {
    fn from(o: store::ObjectRow) -> Self {
        ObjectView {
            name: o.name,
            size: o.size,
            etag: o.etag,
            content_type: o.headers.content_type,
            time_modified: o.time_modified,
            storage_tier: o.storage_tier,
        }
    }
}

/// At most `limit` objects of a bucket whose names start with `prefix`, in name order, and
/// whether more exist.
pub fn objects(
    state: &AppState,
    ns: &str,
    bucket: &str,
    prefix: &str,
    limit: usize,
) -> Result<(Vec<ObjectView>, bool), ApiError> {
    let mut out = Vec::new();
    let mut more = false;
    state.db(|c| {
        store::scan_objects(c, ns, bucket, prefix, |o| {
            if !o.name.starts_with(prefix) {
                return false;
            }
            if out.len() == limit {
                more = true;
                return false;
            }
            out.push(ObjectView::from(o));
            true
        })
    })?;
    Ok((out, more))
}

/// An object's body as [`open_object`] hands it out: an open file, or the bytes of a small
/// body stored inline in the database.
pub use super::store::OpenBlob as ObjectBody;

/// An object's description and its body, `None` if it does not exist. The body is opened under
/// the lock that read the row (see `store::open_blob`), so an overwrite racing with the reader
/// leaves it the old body or the new one.
pub fn open_object(
    state: &AppState,
    ns: &str,
    bucket: &str,
    name: &str,
) -> Result<Option<(ObjectView, ObjectBody)>, ApiError> {
    let dir = state.blob_dir();
    state.db(|c| {
        store::get_object(c, ns, bucket, name)?
            .map(|row| {
                let file = store::open_blob(c, &dir, &row.blob)?;
                Ok((ObjectView::from(row), file))
            })
            .transpose()
    })
}
