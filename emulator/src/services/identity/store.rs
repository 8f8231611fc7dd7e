//! IAM state: dynamic groups and policies (compartments live in `crate::compartments`).
//!
//! Both kinds share one table and one set of rules, because IAM treats them alike: names unique
//! in the tenancy per kind (case-insensitive, 409), `CREATING → ACTIVE` after the lifecycle delay,
//! delete `DELETING → DELETED`, a 40-hex ETag that changes on every write, `if-match` → 412.
//! States are computed from stored timestamps on every read (`lifecycle::Timeline`), so a restart
//! resumes an in-flight transition. A DELETED resource stays readable by id (the official
//! provider waits for DELETED), frees its name, and is hidden from lists unless asked for.

use crate::clock::{parse_rfc3339, rfc3339_millis};
use crate::error::ApiError;
use crate::headers::check_if_match;
use crate::lifecycle::Timeline;
use crate::state::AppState;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS iam_resources (
    kind           TEXT NOT NULL,
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    compartment_id TEXT NOT NULL,
    time_created   TEXT NOT NULL,
    delay_ms       INTEGER NOT NULL,
    time_deleted   TEXT,
    etag           TEXT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS iam_resources_by_name ON iam_resources (kind, name COLLATE NOCASE);
"#;

/// Which IAM resource a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    DynamicGroup,
    Policy,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::DynamicGroup => "dynamicgroup",
            Kind::Policy => "policy",
        }
    }

    /// Words used in messages: "dynamic group", "policy".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::DynamicGroup => "dynamic group",
            Kind::Policy => "policy",
        }
    }
}

/// A wire document whose lifecycle fields the store fills in on read.
pub trait IamDoc: Serialize + DeserializeOwned + Clone {
    fn set_lifecycle_state(&mut self, state: &str);
    fn time_created(&self) -> &str;
    fn name(&self) -> &str;
}

impl IamDoc for super::wire::DynamicGroup {
    fn set_lifecycle_state(&mut self, state: &str) {
        state.clone_into(&mut self.lifecycle_state);
    }
    fn time_created(&self) -> &str {
        &self.time_created
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl IamDoc for super::wire::Policy {
    fn set_lifecycle_state(&mut self, state: &str) {
        state.clone_into(&mut self.lifecycle_state);
    }
    fn time_created(&self) -> &str {
        &self.time_created
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// One stored row with its state computed at `now`.
#[derive(Debug, Clone)]
pub struct Stored<T> {
    pub doc: T,
    pub etag: String,
    pub state: &'static str,
}

struct Row {
    time_created: String,
    delay_ms: i64,
    time_deleted: Option<String>,
    etag: String,
    doc: String,
}

fn state_at(row: &Row, now: OffsetDateTime) -> &'static str {
    let d = Duration::milliseconds(row.delay_ms);
    if let Some(t) = row.time_deleted.as_deref().and_then(parse_rfc3339) {
        return Timeline::new(t, &[("DELETING", d)], "DELETED")
            .at(now)
            .state;
    }
    let t = parse_rfc3339(&row.time_created).unwrap_or(now);
    Timeline::new(t, &[("CREATING", d)], "ACTIVE").at(now).state
}

fn hydrate<T: IamDoc>(row: Row, now: OffsetDateTime) -> Result<Stored<T>, ApiError> {
    let state = state_at(&row, now);
    let mut doc: T = serde_json::from_str(&row.doc)?;
    doc.set_lifecycle_state(state);
    Ok(Stored {
        doc,
        etag: row.etag,
        state,
    })
}

const COLUMNS: &str = "time_created, delay_ms, time_deleted, etag, doc";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        time_created: r.get(0)?,
        delay_ms: r.get(1)?,
        time_deleted: r.get(2)?,
        etag: r.get(3)?,
        doc: r.get(4)?,
    })
}

/// A fresh ETag: 40 lowercase hex characters, as IAM sends.
pub fn new_etag() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("{a}{}", &b[..8])
}

fn get_row(c: &Connection, kind: Kind, id: &str) -> Result<Option<Row>, ApiError> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS} FROM iam_resources WHERE kind = ?1 AND id = ?2"),
        (kind.tag(), id),
        read_row,
    )
    .optional()?)
}

/// Read one resource (including DELETED ones); 404 `NotAuthorizedOrNotFound` if unknown.
pub fn get<T: IamDoc>(state: &AppState, kind: Kind, id: &str) -> Result<Stored<T>, ApiError> {
    let now = state.now();
    let row = state
        .db(|c| get_row(c, kind, id))?
        .ok_or_else(|| ApiError::not_found(kind.noun(), id))?;
    hydrate(row, now)
}

/// Every resource of a kind in a compartment, states computed, in creation order.
pub fn list<T: IamDoc>(
    state: &AppState,
    kind: Kind,
    compartment_id: &str,
) -> Result<Vec<Stored<T>>, ApiError> {
    let now = state.now();
    let rows = state.db(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT {COLUMNS} FROM iam_resources WHERE kind = ?1 AND compartment_id = ?2 ORDER BY time_created, id"
        ))?;
        let rows = stmt.query_map((kind.tag(), compartment_id), read_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })?;
    rows.into_iter().map(|r| hydrate(r, now)).collect()
}

/// Insert a new resource after checking its name is free in the tenancy (409 otherwise).
/// The document's `lifecycleState` is set to the state at creation (CREATING, or ACTIVE with a
/// zero delay). Runs on `conn`, the create's transaction (see `idempotency.rs`).
pub fn insert<T: IamDoc>(
    state: &AppState,
    conn: &Connection,
    kind: Kind,
    id: &str,
    compartment_id: &str,
    doc: &T,
) -> Result<Stored<T>, ApiError> {
    let now = state.now();
    let delay = state.lifecycle_delay();
    let etag = new_etag();
    let row = Row {
        time_created: doc.time_created().to_owned(),
        delay_ms: delay.whole_milliseconds() as i64,
        time_deleted: None,
        etag: etag.clone(),
        doc: serde_json::to_string(doc)?,
    };
    {
        let tx = conn;
        let mut stmt = tx.prepare(&format!(
            "SELECT {COLUMNS} FROM iam_resources WHERE kind = ?1 AND name = ?2 COLLATE NOCASE"
        ))?;
        let same_name = stmt
            .query_map((kind.tag(), doc.name()), read_row)?
            .collect::<Result<Vec<_>, _>>()?;
        if same_name.iter().any(|r| state_at(r, now) != "DELETED") {
            return Err(ApiError::conflict(
                "NotAuthorizedOrResourceAlreadyExists",
                format!(
                    "A {} named '{}' already exists in the tenancy",
                    kind.noun(),
                    doc.name()
                ),
            ));
        }
        tx.execute(
            "INSERT INTO iam_resources (kind, id, name, compartment_id, time_created, delay_ms, time_deleted, etag, doc) VALUES (?1,?2,?3,?4,?5,?6,NULL,?7,?8)",
            (kind.tag(), id, doc.name(), compartment_id, &row.time_created, row.delay_ms, &row.etag, &row.doc),
        )?;
    }
    hydrate(row, now)
}

/// Read-modify-write one resource in a transaction; the ETag changes. 404 for a DELETED
/// resource, 409 `IncorrectState` while it is DELETING.
pub fn update<T: IamDoc>(
    state: &AppState,
    kind: Kind,
    id: &str,
    if_match: Option<&str>,
    apply: impl FnOnce(&mut T) -> Result<(), ApiError>,
) -> Result<Stored<T>, ApiError> {
    let now = state.now();
    let row = state.tx(|tx| {
        let mut row = get_row(tx, kind, id)?.ok_or_else(|| ApiError::not_found(kind.noun(), id))?;
        match state_at(&row, now) {
            "DELETED" => return Err(ApiError::not_found(kind.noun(), id)),
            "DELETING" => {
                return Err(ApiError::conflict(
                    "IncorrectState",
                    format!(
                        "The {} '{id}' is being deleted and cannot be updated",
                        kind.noun()
                    ),
                ));
            }
            _ => {}
        }
        check_if_match(if_match, &row.etag)?;
        let mut doc: T = serde_json::from_str(&row.doc)?;
        apply(&mut doc)?;
        row.doc = serde_json::to_string(&doc)?;
        row.etag = new_etag();
        tx.execute(
            "UPDATE iam_resources SET doc = ?1, etag = ?2 WHERE id = ?3",
            (&row.doc, &row.etag, id),
        )?;
        Ok(row)
    })?;
    hydrate(row, now)
}

/// Start deleting: the resource goes DELETING → DELETED over the lifecycle delay. Deleting a
/// resource that is already DELETING is accepted again; a DELETED one is 404.
pub fn delete(
    state: &AppState,
    kind: Kind,
    id: &str,
    if_match: Option<&str>,
) -> Result<(), ApiError> {
    let now = state.now();
    let delay_ms = state.lifecycle_delay().whole_milliseconds() as i64;
    state.tx(|tx| {
        let row = get_row(tx, kind, id)?.ok_or_else(|| ApiError::not_found(kind.noun(), id))?;
        match state_at(&row, now) {
            "DELETED" => return Err(ApiError::not_found(kind.noun(), id)),
            "DELETING" => return Ok(()),
            _ => {}
        }
        check_if_match(if_match, &row.etag)?;
        tx.execute(
            "UPDATE iam_resources SET time_deleted = ?1, delay_ms = ?2, etag = ?3 WHERE id = ?4",
            (rfc3339_millis(now), delay_ms, new_etag(), id),
        )?;
        Ok(())
    })?;
    state.invalidate_retry_tokens(id)
}

/// Every resource of a kind (all compartments, DELETED included) as OCI JSON, for the dump.
pub fn dump_kind<T: IamDoc>(state: &AppState, kind: Kind) -> Result<Value, ApiError> {
    let now = state.now();
    let rows = state.db(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT {COLUMNS} FROM iam_resources WHERE kind = ?1 ORDER BY time_created, id"
        ))?;
        let rows = stmt
            .query_map([kind.tag()], read_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })?;
    let docs = rows
        .into_iter()
        .map(|r| Ok(serde_json::to_value(hydrate::<T>(r, now)?.doc)?))
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Value::Array(docs))
}
