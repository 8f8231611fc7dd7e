//! SQLite: opening, pragmas and the schema registry.
//!
//! # How a service registers its tables
//! Each service's `ServiceDef` (see `service.rs`) carries `schema: &str`, a batch of
//! `CREATE TABLE IF NOT EXISTS` / `CREATE INDEX IF NOT EXISTS` statements. [`open`] runs the core
//! schema and then every service's schema, in one transaction, on every start. Rules:
//! * prefix your tables with the service (`os_`, `iam_`, `df_`); `core_` is reserved for state
//!   shared by all services (tenancy, keys, compartments, retry tokens) and survives
//!   `POST /_emulator/reset`, which empties every other table (found via `sqlite_master`);
//! * a schema change is additive (`IF NOT EXISTS`; new columns need a new table or an
//!   `ALTER TABLE` guarded by a `PRAGMA table_info` check), because data dirs outlive builds;
//! * timestamps are stored as RFC 3339 text (`clock::rfc3339_millis`), JSON documents as text;
//! * a column naming a body file in `<data dir>/blobs` is called `blob` ([`referenced_blobs`]):
//!   at start, `serve` deletes every body file no such column names (left by a kill -9
//!   between writing a body and committing its row).
//!
//! Durability: WAL with `synchronous=FULL`, so a write is on disk once its transaction commits,
//! and handlers commit before they respond. One connection behind a mutex is enough for a local
//! emulator and makes every handler's read-modify-write atomic.

use rusqlite::Connection;
use std::path::Path;

/// Tables shared by every service. See `state.rs` for the code that uses them.
pub const CORE_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS core_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS core_api_keys (
    fingerprint TEXT NOT NULL,
    tenancy_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    public_pem  TEXT NOT NULL,
    PRIMARY KEY (tenancy_id, user_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS core_compartments (
    id          TEXT PRIMARY KEY,
    parent_id   TEXT,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS core_retry_tokens (
    operation    TEXT NOT NULL,
    token        TEXT NOT NULL,
    body_sha256  TEXT NOT NULL,
    status       INTEGER NOT NULL,
    headers      TEXT NOT NULL,
    body         BLOB NOT NULL,
    resource_id  TEXT,
    invalidated  INTEGER NOT NULL DEFAULT 0,
    time_created TEXT NOT NULL,
    PRIMARY KEY (operation, token)
);
"#;

/// Open (creating if needed) the database at `path` and apply every registered schema.
pub fn open(path: &Path, schemas: &[&str]) -> anyhow::Result<Connection> {
    let mut conn = Connection::open(path)?;
    // Wait for locks first: another process (`oci-emulator config`, a second server) may hold
    // the database while this one starts.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // journal_mode returns a row, so it is read rather than executed.
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        anyhow::bail!(
            "{}: SQLite refused WAL mode (got '{mode}'); use a local filesystem",
            path.display()
        );
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
    let tx = conn.transaction()?;
    tx.execute_batch(CORE_SCHEMA)?;
    for schema in schemas {
        tx.execute_batch(schema)?;
    }
    tx.commit()?;
    Ok(conn)
}

/// Every value of every column named `blob`, in any table: the body files in `<data dir>/blobs`
/// that committed rows refer to. (Rule for services: a column that names a body file is called
/// `blob`; a file no such column names is garbage, see `AppState::remove_orphan_blobs`.)
pub fn referenced_blobs(conn: &Connection) -> rusqlite::Result<std::collections::HashSet<String>> {
    let mut tables = conn.prepare("SELECT name FROM sqlite_master WHERE type='table'")?;
    let tables = tables
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = std::collections::HashSet::new();
    for table in tables {
        let has_blob = conn
            .prepare(&format!(
                "SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'blob'"
            ))?
            .exists([])?;
        if has_blob {
            let mut stmt = conn.prepare(&format!("SELECT blob FROM \"{table}\""))?;
            for b in stmt.query_map([], |r| r.get::<_, String>(0))? {
                out.insert(b?);
            }
        }
    }
    Ok(out)
}

/// Names of the tables `reset` empties: everything except `core_*` and SQLite's own.
pub fn resettable_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'core_%' AND name NOT LIKE 'sqlite_%'",
    )?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names)
}
