//! Compartments, shared by every service: buckets, applications, policies... all live in one.
//! The root compartment is the tenancy itself. IAM's GetCompartment/ListCompartments/
//! CreateCompartment handlers (services/identity) and `POST /_emulator/compartments` both use
//! these functions, so there is one store and one JSON shape.
//!
//! Functions here take a connection, not the state, so that `bootstrap` (which `state` runs)
//! can create the root compartment; `AppState::require_compartment`,
//! `AppState::create_compartment` and `AppState::all_compartments` (`state.rs`) wrap them.

use crate::error::ApiError;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// IAM `Compartment` (oci-api.md §3.4). Null optionals are left out, as real IAM does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Compartment {
    pub id: String,
    /// The parent compartment; for the root compartment this is the tenancy itself.
    pub compartment_id: String,
    pub name: String,
    pub description: String,
    pub time_created: String,
    pub lifecycle_state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inactive_status: Option<i64>,
    pub is_accessible: bool,
    pub freeform_tags: BTreeMap<String, String>,
    pub defined_tags: BTreeMap<String, BTreeMap<String, Value>>,
}

pub(crate) fn insert_root(
    conn: &Connection,
    tenancy_id: &str,
    time_created: &str,
) -> rusqlite::Result<()> {
    let root = Compartment {
        id: tenancy_id.to_owned(),
        compartment_id: tenancy_id.to_owned(),
        name: "emulator-tenancy".to_owned(),
        description: "Root compartment of the emulated tenancy".to_owned(),
        time_created: time_created.to_owned(),
        lifecycle_state: "ACTIVE".to_owned(),
        inactive_status: None,
        is_accessible: true,
        freeform_tags: BTreeMap::new(),
        defined_tags: BTreeMap::new(),
    };
    conn.execute(
        "INSERT INTO core_compartments (id, parent_id, name, doc) VALUES (?1, NULL, ?2, ?3)",
        (
            &root.id,
            &root.name,
            serde_json::to_string(&root).expect("serialisable"),
        ),
    )?;
    Ok(())
}

/// Read one compartment.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Compartment>, ApiError> {
    let doc: Option<String> = conn
        .query_row(
            "SELECT doc FROM core_compartments WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
}

/// Direct children of `parent_id`, or the whole subtree when `subtree` is set, ordered by name.
pub fn list(
    conn: &Connection,
    parent_id: &str,
    subtree: bool,
) -> Result<Vec<Compartment>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT doc FROM core_compartments WHERE parent_id IS NOT NULL ORDER BY name, id",
    )?;
    let all: Vec<Compartment> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|d| Ok(serde_json::from_str(&d?)?))
        .collect::<Result<_, ApiError>>()?;
    if !subtree {
        return Ok(all
            .into_iter()
            .filter(|c| c.compartment_id == parent_id)
            .collect());
    }
    let mut ids = vec![parent_id.to_owned()];
    let mut out = Vec::new();
    while let Some(p) = ids.pop() {
        for c in all.iter().filter(|c| c.compartment_id == p) {
            ids.push(c.id.clone());
            out.push(c.clone());
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Details for a new compartment (IAM `CreateCompartmentDetails` and the control call).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCompartment {
    pub parent_id: String,
    pub name: String,
    pub description: String,
    pub freeform_tags: BTreeMap<String, String>,
    pub defined_tags: BTreeMap<String, BTreeMap<String, Value>>,
}

/// `Ok(())` if the compartment exists and is ACTIVE; else 404 `NotAuthorizedOrNotFound`.
pub fn require_active(conn: &Connection, id: &str) -> Result<(), ApiError> {
    match get(conn, id)? {
        Some(c) if c.lifecycle_state == "ACTIVE" => Ok(()),
        _ => Err(ApiError::not_found("compartment", id)),
    }
}

/// Check the name of a new compartment (before an id is minted for it).
pub fn validate_new(new: &NewCompartment) -> Result<(), ApiError> {
    if new.name.is_empty() || new.name.len() > 100 {
        return Err(ApiError::invalid_parameter(
            "name must be 1 to 100 characters",
        ));
    }
    if !new
        .name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(ApiError::invalid_parameter(format!(
            "name '{}' may contain only letters, digits, '.', '_' and '-'",
            new.name
        )));
    }
    Ok(())
}

/// The ACTIVE compartment `new` describes, with its id and creation time.
pub fn from_new(new: NewCompartment, id: String, time_created: String) -> Compartment {
    Compartment {
        id,
        compartment_id: new.parent_id,
        name: new.name,
        description: new.description,
        time_created,
        lifecycle_state: "ACTIVE".to_owned(),
        inactive_status: None,
        is_accessible: true,
        freeform_tags: new.freeform_tags,
        defined_tags: new.defined_tags,
    }
}

/// Store `c` (built from a validated [`NewCompartment`]) under its existing, ACTIVE parent.
/// Names are unique among siblings (409). Run it in a transaction.
pub fn insert(tx: &Connection, c: &Compartment) -> Result<(), ApiError> {
    match get(tx, &c.compartment_id)? {
        Some(p) if p.lifecycle_state == "ACTIVE" => {}
        _ => return Err(ApiError::not_found("compartment", &c.compartment_id)),
    }
    let clash: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM core_compartments WHERE parent_id = ?1 AND name = ?2)",
        (&c.compartment_id, &c.name),
        |r| r.get(0),
    )?;
    if clash {
        return Err(ApiError::conflict(
            "CompartmentAlreadyExists",
            format!(
                "A compartment named '{}' already exists in the parent compartment",
                c.name
            ),
        ));
    }
    tx.execute(
        "INSERT INTO core_compartments (id, parent_id, name, doc) VALUES (?1, ?2, ?3, ?4)",
        (&c.id, &c.compartment_id, &c.name, serde_json::to_string(c)?),
    )?;
    Ok(())
}

/// Every compartment, root first (for the dump).
pub fn all(conn: &Connection) -> Result<Vec<Compartment>, ApiError> {
    let mut stmt =
        conn.prepare("SELECT doc FROM core_compartments ORDER BY parent_id IS NOT NULL, name")?;
    let v = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|d| Ok(serde_json::from_str(&d?)?))
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(v)
}
