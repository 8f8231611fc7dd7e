//! Object Storage state: buckets, objects (metadata in SQLite, bodies as files under
//! `<data dir>/blobs`), multipart uploads and retention rules.

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
        let mut stmt = c.prepare("SELECT doc FROM os_buckets ORDER BY namespace, name")?;
        let buckets = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .map(|d| Ok(serde_json::from_str::<Value>(&d?)?))
            .collect::<Result<Vec<_>, ApiError>>()?;
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
