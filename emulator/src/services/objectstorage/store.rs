//! Object Storage state: buckets, objects (metadata in SQLite; bodies up to [`INLINE_MAX`]
//! inline in SQLite, larger ones as files under `<data dir>/blobs`), multipart uploads and
//! retention rules.

use crate::error::ApiError;
use crate::state::AppState;
use serde_json::Value;

/// Tables of this service (see `db.rs` for the rules).
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS os_buckets (
    namespace      TEXT NOT NULL,
    name           TEXT NOT NULL,
    id             TEXT NOT NULL UNIQUE,
    compartment_id TEXT NOT NULL,
    doc            TEXT NOT NULL,
    PRIMARY KEY (namespace, name)
);
CREATE TABLE IF NOT EXISTS os_objects (
    namespace      TEXT NOT NULL,
    bucket         TEXT NOT NULL,
    name           TEXT NOT NULL,
    size           INTEGER NOT NULL,
    md5            TEXT NOT NULL,
    multipart_md5  TEXT,
    etag           TEXT NOT NULL,
    version_id     TEXT NOT NULL,
    time_created   TEXT NOT NULL,
    time_modified  TEXT NOT NULL,
    storage_tier   TEXT NOT NULL,
    headers        TEXT NOT NULL,
    metadata       TEXT NOT NULL,
    blob           TEXT NOT NULL,
    PRIMARY KEY (namespace, bucket, name)
);
CREATE TABLE IF NOT EXISTS os_uploads (
    upload_id      TEXT PRIMARY KEY,
    namespace      TEXT NOT NULL,
    bucket         TEXT NOT NULL,
    object         TEXT NOT NULL,
    time_created   TEXT NOT NULL,
    storage_tier   TEXT NOT NULL,
    headers        TEXT NOT NULL,
    metadata       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS os_upload_parts (
    upload_id      TEXT NOT NULL,
    part_num       INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    md5            TEXT NOT NULL,
    etag           TEXT NOT NULL,
    blob           TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_num)
);
CREATE TABLE IF NOT EXISTS os_inline_bodies (
    name           TEXT PRIMARY KEY,
    data           BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS os_work_requests (
    id             TEXT PRIMARY KEY,
    compartment_id TEXT NOT NULL,
    time_accepted  TEXT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS os_retention_rules (
    id             TEXT PRIMARY KEY,
    namespace      TEXT NOT NULL,
    bucket         TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    doc            TEXT NOT NULL
);
"#;

/// `buckets`, `objects` and `multipart_uploads` for `GET /_emulator/dump`.
pub fn dump(state: &AppState) -> Result<Vec<(&'static str, Value)>, ApiError> {
    state.db(|c| {
        let buckets: Vec<Value> = query_docs(c, "SELECT doc FROM os_buckets ORDER BY namespace, name", [])?;
        let mut stmt = c.prepare(
            "SELECT namespace, bucket, name, size, etag, md5, multipart_md5, time_created, time_modified, storage_tier FROM os_objects ORDER BY namespace, bucket, name",
        )?;
        let objects = stmt
            .query_map([], |r| {
                Ok(serde_json::json!({
                    "namespace": r.get::<_, String>(0)?,
                    "bucket": r.get::<_, String>(1)?,
                    "name": r.get::<_, String>(2)?,
                    "size": r.get::<_, i64>(3)?,
                    "etag": r.get::<_, String>(4)?,
                    "md5": r.get::<_, String>(5)?,
                    "multipartMd5": r.get::<_, Option<String>>(6)?,
                    "timeCreated": r.get::<_, String>(7)?,
                    "timeModified": r.get::<_, String>(8)?,
                    "storageTier": r.get::<_, String>(9)?,
                }))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut stmt = c.prepare(
            "SELECT namespace, bucket, object, upload_id, time_created, storage_tier FROM os_uploads ORDER BY namespace, bucket, object, time_created",
        )?;
        let uploads = stmt
            .query_map([], |r| {
                Ok(serde_json::json!({
                    "namespace": r.get::<_, String>(0)?,
                    "bucket": r.get::<_, String>(1)?,
                    "object": r.get::<_, String>(2)?,
                    "uploadId": r.get::<_, String>(3)?,
                    "timeCreated": r.get::<_, String>(4)?,
                    "storageTier": r.get::<_, String>(5)?,
                }))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(vec![
            ("buckets", Value::Array(buckets)),
            ("objects", Value::Array(objects)),
            ("multipart_uploads", Value::Array(uploads)),
        ])
    })
}

// ---------------------------------------------------------------------------------------------
// Rows and queries. Every function takes a `&Connection` (a `Transaction` derefs to one) so a
// handler can combine several in one `state.tx(..)`.

use super::wire::{Bucket, RetentionRule, Tags};
use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// Representation headers stored with an object and echoed on GET/HEAD.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ObjectHeaders {
    pub content_type: Option<String>,
    pub content_language: Option<String>,
    pub content_encoding: Option<String>,
    pub content_disposition: Option<String>,
    pub cache_control: Option<String>,
    /// `opc-sse-kms-key-id`: the Vault key the object is encrypted with (absent in older rows).
    #[serde(default)]
    pub opc_sse_kms_key_id: Option<String>,
}

/// One stored object.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRow {
    pub namespace: String,
    pub bucket: String,
    pub name: String,
    pub size: i64,
    /// base64 MD5 of the body; for multipart objects the `<base64>-<parts>` multipart MD5.
    pub md5: String,
    pub multipart_md5: Option<String>,
    pub etag: String,
    pub version_id: String,
    pub time_created: String,
    pub time_modified: String,
    pub storage_tier: String,
    pub headers: ObjectHeaders,
    pub metadata: Tags,
    /// File name under the blob dir.
    pub blob: String,
}

/// The columns of `os_objects` in [`object_from_row`]'s order (a macro, so that the hot
/// statements below are literals, prepared once and cached by the connection).
macro_rules! object_columns {
    () => {
        "namespace, bucket, name, size, md5, multipart_md5, etag, version_id, time_created, time_modified, storage_tier, headers, metadata, blob"
    };
}
const OBJECT_COLUMNS: &str = object_columns!();

fn object_from_row(r: &Row<'_>) -> rusqlite::Result<ObjectRow> {
    let headers: String = r.get(11)?;
    let metadata: String = r.get(12)?;
    Ok(ObjectRow {
        namespace: r.get(0)?,
        bucket: r.get(1)?,
        name: r.get(2)?,
        size: r.get(3)?,
        md5: r.get(4)?,
        multipart_md5: r.get(5)?,
        etag: r.get(6)?,
        version_id: r.get(7)?,
        time_created: r.get(8)?,
        time_modified: r.get(9)?,
        storage_tier: r.get(10)?,
        headers: serde_json::from_str(&headers).unwrap_or_default(),
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        blob: r.get(13)?,
    })
}

/// The JSON document in the first column of the first row, if any.
fn query_doc<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Option<T>, ApiError> {
    let doc: Option<String> = conn
        .prepare_cached(sql)?
        .query_row(params, |r| r.get(0))
        .optional()?;
    Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
}

/// The JSON documents in the first column of every row.
fn query_docs<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<T>, ApiError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let docs = stmt.query_map(params, |r| r.get::<_, String>(0))?;
    docs.map(|d| Ok(serde_json::from_str(&d?)?)).collect()
}

/// 404 `BucketNotFound` with OCI's wording.
pub fn bucket_not_found(ns: &str, name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "BucketNotFound",
        format!(
            "Either the bucket named '{name}' does not exist in the namespace '{ns}' or you are not authorized to access it"
        ),
    )
}

/// 404 `ObjectNotFound`.
pub fn object_not_found(ns: &str, bucket: &str, name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ObjectNotFound",
        format!("The object '{name}' was not found in the bucket '{bucket}' (namespace '{ns}')"),
    )
}

pub fn get_bucket(conn: &Connection, ns: &str, name: &str) -> Result<Option<Bucket>, ApiError> {
    query_doc(
        conn,
        "SELECT doc FROM os_buckets WHERE namespace = ?1 AND name = ?2",
        (ns, name),
    )
}

pub fn require_bucket(conn: &Connection, ns: &str, name: &str) -> Result<Bucket, ApiError> {
    get_bucket(conn, ns, name)?.ok_or_else(|| bucket_not_found(ns, name))
}

pub fn bucket_exists(conn: &Connection, ns: &str, name: &str) -> Result<bool, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM os_buckets WHERE namespace = ?1 AND name = ?2)",
        )?
        .query_row((ns, name), |r| r.get(0))?)
}

pub fn insert_bucket(conn: &Connection, b: &Bucket) -> Result<(), ApiError> {
    if bucket_exists(conn, &b.namespace, &b.name)? {
        return Err(ApiError::conflict(
            "BucketAlreadyExists",
            format!(
                "Either the bucket '{}' in namespace '{}' already exists or you are not authorized to create it",
                b.name, b.namespace
            ),
        ));
    }
    conn.execute(
        "INSERT INTO os_buckets (namespace, name, id, compartment_id, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
        (&b.namespace, &b.name, &b.id, &b.compartment_id, serde_json::to_string(b)?),
    )?;
    Ok(())
}

/// Store an updated bucket; `old_name` differs from `b.name` on a rename, which moves its
/// objects, uploads and retention rules along.
pub fn save_bucket(conn: &Connection, old_name: &str, b: &Bucket) -> Result<(), ApiError> {
    if old_name != b.name {
        if bucket_exists(conn, &b.namespace, &b.name)? {
            return Err(ApiError::conflict(
                "BucketAlreadyExists",
                format!(
                    "Either the bucket '{}' in namespace '{}' already exists or you are not authorized to create it",
                    b.name, b.namespace
                ),
            ));
        }
        for table in ["os_objects", "os_uploads", "os_retention_rules"] {
            conn.execute(
                &format!("UPDATE {table} SET bucket = ?1 WHERE namespace = ?2 AND bucket = ?3"),
                (&b.name, &b.namespace, old_name),
            )?;
        }
    }
    conn.execute(
        "UPDATE os_buckets SET name = ?1, compartment_id = ?2, doc = ?3 WHERE namespace = ?4 AND name = ?5",
        (&b.name, &b.compartment_id, serde_json::to_string(b)?, &b.namespace, old_name),
    )?;
    Ok(())
}

pub fn list_buckets(
    conn: &Connection,
    ns: &str,
    compartment_id: &str,
) -> Result<Vec<Bucket>, ApiError> {
    query_docs(
        conn,
        "SELECT doc FROM os_buckets WHERE namespace = ?1 AND compartment_id = ?2 ORDER BY name",
        (ns, compartment_id),
    )
}

/// Every bucket of a namespace, all compartments, in name order.
pub fn all_buckets(conn: &Connection, ns: &str) -> Result<Vec<Bucket>, ApiError> {
    query_docs(
        conn,
        "SELECT doc FROM os_buckets WHERE namespace = ?1 ORDER BY name",
        [ns],
    )
}

/// Object count and total size of a bucket.
pub fn bucket_usage(conn: &Connection, ns: &str, bucket: &str) -> Result<(i64, i64), ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM os_objects WHERE namespace = ?1 AND bucket = ?2",
        )?
        .query_row((ns, bucket), |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Delete an empty bucket (409 `BucketNotEmpty` otherwise) and its retention rules.
pub fn delete_bucket(conn: &Connection, ns: &str, name: &str) -> Result<(), ApiError> {
    let (count, _) = bucket_usage(conn, ns, name)?;
    let uploads: i64 = conn.query_row(
        "SELECT COUNT(*) FROM os_uploads WHERE namespace = ?1 AND bucket = ?2",
        (ns, name),
        |r| r.get(0),
    )?;
    if count > 0 || uploads > 0 {
        return Err(ApiError::conflict(
            "BucketNotEmpty",
            format!("Bucket named '{name}' is not empty. Delete all object versions first."),
        ));
    }
    conn.execute(
        "DELETE FROM os_retention_rules WHERE namespace = ?1 AND bucket = ?2",
        (ns, name),
    )?;
    conn.execute(
        "DELETE FROM os_buckets WHERE namespace = ?1 AND name = ?2",
        (ns, name),
    )?;
    Ok(())
}

pub fn get_object(
    conn: &Connection,
    ns: &str,
    bucket: &str,
    name: &str,
) -> Result<Option<ObjectRow>, ApiError> {
    Ok(conn
        .prepare_cached(concat!(
            "SELECT ",
            object_columns!(),
            " FROM os_objects WHERE namespace = ?1 AND bucket = ?2 AND name = ?3"
        ))?
        .query_row((ns, bucket, name), object_from_row)
        .optional()?)
}

/// Insert or replace an object; returns the blob of the replaced object, to delete after commit.
pub fn upsert_object(conn: &Connection, o: &ObjectRow) -> Result<Option<String>, ApiError> {
    // Only the blob of the row being replaced: no need to decode the whole row.
    let old: Option<String> = conn
        .prepare_cached(
            "SELECT blob FROM os_objects WHERE namespace = ?1 AND bucket = ?2 AND name = ?3",
        )?
        .query_row((&o.namespace, &o.bucket, &o.name), |r| r.get(0))
        .optional()?;
    replace_object(conn, o, old)
}

/// [`upsert_object`] for a caller that has already read the row being replaced in this
/// transaction: `old_blob` is its blob (`None`: there is no such row).
pub fn replace_object(
    conn: &Connection,
    o: &ObjectRow,
    old_blob: Option<String>,
) -> Result<Option<String>, ApiError> {
    conn.prepare_cached(concat!(
        "INSERT OR REPLACE INTO os_objects (",
        object_columns!(),
        ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
    ))?
    .execute(rusqlite::params![
        o.namespace,
        o.bucket,
        o.name,
        o.size,
        o.md5,
        o.multipart_md5,
        o.etag,
        o.version_id,
        o.time_created,
        o.time_modified,
        o.storage_tier,
        serde_json::to_string(&o.headers)?,
        serde_json::to_string(&o.metadata)?,
        o.blob,
    ])?;
    let replaced = old_blob.filter(|b| *b != o.blob);
    match replaced {
        Some(old) if is_inline(&old) => {
            delete_inline(conn, &old)?;
            Ok(None)
        }
        other => Ok(other),
    }
}

pub fn delete_object(
    conn: &Connection,
    ns: &str,
    bucket: &str,
    name: &str,
) -> Result<(), ApiError> {
    // An inline body goes with its row, in the same transaction; a body file is removed by the
    // caller after the commit.
    conn.execute(
        "DELETE FROM os_inline_bodies WHERE name = (SELECT blob FROM os_objects WHERE namespace = ?1 AND bucket = ?2 AND name = ?3)",
        (ns, bucket, name),
    )?;
    delete_object_row(conn, ns, bucket, name)
}

/// Delete an object's row but not its body, which the caller gives to another row (rename).
pub fn delete_object_row(
    conn: &Connection,
    ns: &str,
    bucket: &str,
    name: &str,
) -> Result<(), ApiError> {
    conn.execute(
        "DELETE FROM os_objects WHERE namespace = ?1 AND bucket = ?2 AND name = ?3",
        (ns, bucket, name),
    )?;
    Ok(())
}

/// Objects of a bucket in name order, starting at `from` (inclusive), calling `visit` until it
/// returns `false`.
pub fn scan_objects(
    conn: &Connection,
    ns: &str,
    bucket: &str,
    from: &str,
    mut visit: impl FnMut(ObjectRow) -> bool,
) -> Result<(), ApiError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {OBJECT_COLUMNS} FROM os_objects WHERE namespace = ?1 AND bucket = ?2 AND name >= ?3 ORDER BY name"
    ))?;
    let mut rows = stmt.query((ns, bucket, from))?;
    while let Some(row) = rows.next()? {
        if !visit(object_from_row(row)?) {
            break;
        }
    }
    Ok(())
}

// Retention rules.

pub fn list_retention_rules(
    conn: &Connection,
    ns: &str,
    bucket: &str,
) -> Result<Vec<RetentionRule>, ApiError> {
    query_docs(
        conn,
        "SELECT doc FROM os_retention_rules WHERE namespace = ?1 AND bucket = ?2 ORDER BY display_name, id",
        (ns, bucket),
    )
}

pub fn get_retention_rule(
    conn: &Connection,
    ns: &str,
    bucket: &str,
    id: &str,
) -> Result<RetentionRule, ApiError> {
    query_doc(
        conn,
        "SELECT doc FROM os_retention_rules WHERE namespace = ?1 AND bucket = ?2 AND id = ?3",
        (ns, bucket, id),
    )?
    .ok_or_else(|| ApiError::not_found("retention rule", id))
}

pub fn save_retention_rule(
    conn: &Connection,
    ns: &str,
    bucket: &str,
    rule: &RetentionRule,
) -> Result<(), ApiError> {
    let clash: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM os_retention_rules WHERE namespace = ?1 AND bucket = ?2 AND display_name = ?3 AND id <> ?4)",
        (ns, bucket, &rule.display_name, &rule.id),
        |r| r.get(0),
    )?;
    if clash {
        return Err(ApiError::conflict(
            "Conflict",
            format!(
                "A retention rule named '{}' already exists in bucket '{bucket}'",
                rule.display_name
            ),
        ));
    }
    conn.execute(
        "INSERT OR REPLACE INTO os_retention_rules (id, namespace, bucket, display_name, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
        (&rule.id, ns, bucket, &rule.display_name, serde_json::to_string(rule)?),
    )?;
    Ok(())
}

pub fn delete_retention_rule(conn: &Connection, id: &str) -> Result<(), ApiError> {
    conn.execute("DELETE FROM os_retention_rules WHERE id = ?1", [id])?;
    Ok(())
}

// Multipart uploads.

/// One multipart upload in progress.
#[derive(Debug, Clone)]
pub struct UploadRow {
    pub upload_id: String,
    pub namespace: String,
    pub bucket: String,
    pub object: String,
    pub time_created: String,
    pub storage_tier: String,
    pub headers: ObjectHeaders,
    pub metadata: Tags,
}

/// One uploaded part.
#[derive(Debug, Clone)]
pub struct PartRow {
    pub part_num: i64,
    pub size: i64,
    pub md5: String,
    pub etag: String,
    pub blob: String,
}

pub fn insert_upload(conn: &Connection, u: &UploadRow) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO os_uploads (upload_id, namespace, bucket, object, time_created, storage_tier, headers, metadata) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        rusqlite::params![
            u.upload_id,
            u.namespace,
            u.bucket,
            u.object,
            u.time_created,
            u.storage_tier,
            serde_json::to_string(&u.headers)?,
            serde_json::to_string(&u.metadata)?,
        ],
    )?;
    Ok(())
}

fn upload_from_row(r: &Row<'_>) -> rusqlite::Result<UploadRow> {
    let headers: String = r.get(6)?;
    let metadata: String = r.get(7)?;
    Ok(UploadRow {
        upload_id: r.get(0)?,
        namespace: r.get(1)?,
        bucket: r.get(2)?,
        object: r.get(3)?,
        time_created: r.get(4)?,
        storage_tier: r.get(5)?,
        headers: serde_json::from_str(&headers).unwrap_or_default(),
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
    })
}

const UPLOAD_COLUMNS: &str =
    "upload_id, namespace, bucket, object, time_created, storage_tier, headers, metadata";

/// The upload, which must belong to this bucket and object; else 404 `UploadNotFound`.
pub fn require_upload(
    conn: &Connection,
    ns: &str,
    bucket: &str,
    object: &str,
    upload_id: &str,
) -> Result<UploadRow, ApiError> {
    let u = conn
        .query_row(
            &format!("SELECT {UPLOAD_COLUMNS} FROM os_uploads WHERE upload_id = ?1"),
            [upload_id],
            upload_from_row,
        )
        .optional()?;
    match u {
        Some(u) if u.namespace == ns && u.bucket == bucket && u.object == object => Ok(u),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UploadNotFound",
            format!(
                "No multipart upload with id '{upload_id}' exists for object '{object}' in bucket '{bucket}'"
            ),
        )),
    }
}

pub fn list_uploads(conn: &Connection, ns: &str, bucket: &str) -> Result<Vec<UploadRow>, ApiError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM os_uploads WHERE namespace = ?1 AND bucket = ?2 ORDER BY object, time_created, upload_id"
    ))?;
    let v = stmt
        .query_map((ns, bucket), upload_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// Insert or replace a part; returns the blob of a replaced part.
pub fn upsert_part(
    conn: &Connection,
    upload_id: &str,
    p: &PartRow,
) -> Result<Option<String>, ApiError> {
    let old: Option<String> = conn
        .query_row(
            "SELECT blob FROM os_upload_parts WHERE upload_id = ?1 AND part_num = ?2",
            (upload_id, p.part_num),
            |r| r.get(0),
        )
        .optional()?;
    conn.execute(
        "INSERT OR REPLACE INTO os_upload_parts (upload_id, part_num, size, md5, etag, blob) VALUES (?1,?2,?3,?4,?5,?6)",
        (upload_id, p.part_num, p.size, &p.md5, &p.etag, &p.blob),
    )?;
    Ok(old)
}

pub fn list_parts(conn: &Connection, upload_id: &str) -> Result<Vec<PartRow>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT part_num, size, md5, etag, blob FROM os_upload_parts WHERE upload_id = ?1 ORDER BY part_num",
    )?;
    let v = stmt
        .query_map([upload_id], |r| {
            Ok(PartRow {
                part_num: r.get(0)?,
                size: r.get(1)?,
                md5: r.get(2)?,
                etag: r.get(3)?,
                blob: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

/// Remove an upload and its parts; returns the part blobs to delete after commit.
pub fn delete_upload(conn: &Connection, upload_id: &str) -> Result<Vec<String>, ApiError> {
    let blobs = list_parts(conn, upload_id)?
        .into_iter()
        .map(|p| p.blob)
        .collect();
    conn.execute(
        "DELETE FROM os_upload_parts WHERE upload_id = ?1",
        [upload_id],
    )?;
    conn.execute("DELETE FROM os_uploads WHERE upload_id = ?1", [upload_id])?;
    Ok(blobs)
}

// Bodies. A small object body (≤ INLINE_MAX) is a row of `os_inline_bodies`, inserted in the
// transaction that commits its object row, so a PutObject costs one (group-committed) fsync
// instead of two, and nothing can be half there. A larger body, and every multipart part, is
// written to `<blob dir>/<uuid>` and fsynced *before* the row that points at it is committed,
// so an acknowledged object always has its bytes; a crash in between only leaves an
// unreferenced file behind. Both kinds are named in the `blob` column; inline names carry
// `INLINE_PREFIX`, which no file name has.

use futures::StreamExt;
use md5::{Digest, Md5};
use std::path::Path;
use tokio::io::AsyncWriteExt;

/// Largest body stored inline in SQLite. Small enough that holding one in memory per request
/// is nothing, large enough for the lab's scripts, logs and small outputs.
pub const INLINE_MAX: usize = 64 * 1024;

/// The `blob` value of an inline body starts with this.
const INLINE_PREFIX: &str = "inline:";

/// Whether a `blob` value names an inline body (else a file in the blob dir).
pub fn is_inline(blob: &str) -> bool {
    blob.starts_with(INLINE_PREFIX)
}

/// A new name for an inline body.
pub fn new_inline_name() -> String {
    format!("{INLINE_PREFIX}{}", uuid::Uuid::new_v4())
}

/// Store an inline body under `name` (in the transaction that commits the row naming it).
pub fn insert_inline(conn: &Connection, name: &str, data: &[u8]) -> Result<(), ApiError> {
    conn.prepare_cached("INSERT INTO os_inline_bodies (name, data) VALUES (?1, ?2)")?
        .execute((name, data))?;
    Ok(())
}

fn delete_inline(conn: &Connection, name: &str) -> Result<(), ApiError> {
    conn.prepare_cached("DELETE FROM os_inline_bodies WHERE name = ?1")?
        .execute([name])?;
    Ok(())
}

/// A body read from the stream, not committed yet.
#[derive(Debug)]
pub struct WrittenBlob {
    pub name: String,
    pub size: i64,
    pub md5: [u8; 16],
    /// The bytes, when the body is inline (`name` is then an inline name and no file exists):
    /// the caller inserts them with its row ([`insert_inline`]).
    pub inline: Option<Vec<u8>>,
}

/// Read `body`, computing its size and MD5 as it streams: a body of at most `inline_max`
/// bytes is kept in memory (inline), a larger one is written to a new fsynced blob file
/// without being buffered whole.
pub async fn write_blob(
    dir: &Path,
    body: axum::body::Body,
    inline_max: usize,
) -> Result<WrittenBlob, ApiError> {
    let mut hasher = Md5::new();
    let mut stream = body.into_data_stream();
    let mut head = Vec::new();
    let mut overflow = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(ApiError::body_read)?;
        hasher.update(&chunk);
        if head.len() + chunk.len() > inline_max {
            overflow = Some(chunk);
            break;
        }
        head.extend_from_slice(&chunk);
    }
    let Some(first) = overflow else {
        return Ok(WrittenBlob {
            name: new_inline_name(),
            size: head.len() as i64,
            md5: hasher.finalize().into(),
            inline: Some(head),
        });
    };
    let name = uuid::Uuid::new_v4().to_string();
    let path = dir.join(&name);
    let result = async {
        let file = tokio::fs::File::create(&path).await?;
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
        let mut size = (head.len() + first.len()) as i64;
        out.write_all(&head).await?;
        out.write_all(&first).await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(ApiError::body_read)?;
            hasher.update(&chunk);
            size += chunk.len() as i64;
            out.write_all(&chunk).await?;
        }
        out.flush().await?;
        out.into_inner().sync_all().await?;
        Ok::<_, ApiError>(WrittenBlob {
            name: name.clone(),
            size,
            md5: hasher.finalize().into(),
            inline: None,
        })
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&path).await;
    }
    result
}

/// Concatenate blobs into a new blob (multipart commit).
pub async fn concat_blobs(dir: &Path, parts: &[String]) -> Result<String, ApiError> {
    let name = uuid::Uuid::new_v4().to_string();
    let path = dir.join(&name);
    let result = async {
        let mut out = tokio::fs::File::create(&path).await?;
        for p in parts {
            let mut input = tokio::fs::File::open(dir.join(p)).await?;
            tokio::io::copy(&mut input, &mut out).await?;
        }
        out.sync_all().await?;
        Ok::<_, ApiError>(())
    }
    .await;
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e);
    }
    Ok(name)
}

/// Delete blob files that no committed row refers to any more. Failures are only logged: a
/// leftover file wastes space but loses nothing.
pub async fn remove_blobs(dir: &Path, names: impl IntoIterator<Item = String>) {
    // Inline bodies went with their rows' transaction.
    for n in names.into_iter().filter(|n| !is_inline(n)) {
        if let Err(e) = tokio::fs::remove_file(dir.join(&n)).await {
            tracing::warn!(blob = %n, error = %e, "could not remove blob");
        }
    }
}

// Work requests (CopyObject).

use super::wire::WorkRequest;

pub fn insert_work_request(conn: &Connection, wr: &WorkRequest) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO os_work_requests (id, compartment_id, time_accepted, doc) VALUES (?1, ?2, ?3, ?4)",
        (&wr.id, &wr.compartment_id, &wr.time_accepted, serde_json::to_string(wr)?),
    )?;
    Ok(())
}

pub fn get_work_request(conn: &Connection, id: &str) -> Result<WorkRequest, ApiError> {
    query_doc(conn, "SELECT doc FROM os_work_requests WHERE id = ?1", [id])?
        .ok_or_else(|| ApiError::not_found("work request", id))
}

pub fn list_work_requests(
    conn: &Connection,
    compartment_id: &str,
) -> Result<Vec<WorkRequest>, ApiError> {
    query_docs(
        conn,
        "SELECT doc FROM os_work_requests WHERE compartment_id = ?1 ORDER BY time_accepted DESC, id",
        [compartment_id],
    )
}

/// An object's body, ready to read: an open file or the inline bytes.
pub enum OpenBlob {
    File(std::fs::File),
    Inline(Vec<u8>),
}

/// Open an object's body while its row is current: call this inside the `state.db` /
/// `state.tx` closure that read the row. A PutObject (or delete) that replaces the row removes
/// the old file only after its own commit, which waits for that same lock, and a file that is
/// already open stays readable after removal; so a reader gets the old body or the new one,
/// never "no such file". (An inline body is read right here, under the lock.)
pub fn open_blob(conn: &Connection, dir: &Path, blob: &str) -> Result<OpenBlob, ApiError> {
    if is_inline(blob) {
        let data = conn.query_row(
            "SELECT data FROM os_inline_bodies WHERE name = ?1",
            [blob],
            |r| r.get(0),
        )?;
        return Ok(OpenBlob::Inline(data));
    }
    Ok(OpenBlob::File(std::fs::File::open(dir.join(blob))?))
}

/// Copy an open body (from [`open_blob`]) to a new, fsynced blob file (CopyObject).
pub async fn copy_blob(dir: &Path, from: OpenBlob) -> Result<String, ApiError> {
    let name = uuid::Uuid::new_v4().to_string();
    let result = async {
        let mut out = tokio::fs::File::create(dir.join(&name)).await?;
        match from {
            OpenBlob::File(f) => {
                tokio::io::copy(&mut tokio::fs::File::from_std(f), &mut out).await?;
            }
            OpenBlob::Inline(data) => out.write_all(&data).await?,
        }
        out.sync_all().await?;
        Ok::<_, ApiError>(())
    }
    .await;
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(dir.join(&name)).await;
        return Err(e);
    }
    Ok(name)
}
