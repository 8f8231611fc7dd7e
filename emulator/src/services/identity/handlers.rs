//! One async fn per IAM operation (oci-api.md §3.3).

use super::home::{REGIONS, region_key, require_home};
use super::store::{self, IamDoc, Kind, Stored};
use super::wire::{
    CreateCompartmentDetails, CreateDynamicGroupDetails, CreatePolicyDetails, DynamicGroup,
    LIFECYCLE_STATES, Policy, Region, RegionSubscription, Tenancy, UpdateDynamicGroupDetails,
    UpdatePolicyDetails,
};
use super::{rewrite, validate};
use crate::clock::rfc3339_millis;
use crate::compartments::{self, Compartment, NewCompartment};
use crate::error::{ApiError, ApiResult};
use crate::extract::{OciJson, OciQuery, parse_json};
use crate::headers::{etag_headers, if_match};
use crate::idempotency::StoredResponse;
use crate::paging::{next_page_headers, paginate};
use crate::request::RequestRegion;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bytes::Bytes;
use rusqlite::Connection;
use serde::Deserialize;
use std::cmp::Ordering;

/// IAM pages hold at most this many items.
const MAX_PAGE: usize = 1000;
const MAX_NAME: usize = 100;
const MAX_DESCRIPTION: usize = 400;
const MAX_STATEMENTS: usize = 50;
const MAX_MATCHING_RULE: usize = 10_000;

/// Query parameters of the IAM list operations (ListCompartments uses the last two too).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    compartment_id: Option<String>,
    limit: Option<i64>,
    page: Option<String>,
    name: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    lifecycle_state: Option<String>,
    access_level: Option<String>,
    compartment_id_in_subtree: Option<bool>,
}

// ------------------------------------------------------------------------------------------------
// Shared helpers

/// `etag` plus `Location: http://<host>/20160918/<collection>/<id>`, as the real service sends
/// on create.
fn created_headers(request: &HeaderMap, etag: &str, collection: &str, id: &str) -> HeaderMap {
    let mut h = etag_headers(etag);
    let host = request
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    if let Ok(v) = HeaderValue::from_str(&format!("http://{host}/20160918/{collection}/{id}")) {
        h.insert("location", v);
    }
    h
}

fn ok_with_etag<T: serde::Serialize>(stored: &Stored<T>) -> Response {
    (
        StatusCode::OK,
        etag_headers(&stored.etag),
        Json(&stored.doc),
    )
        .into_response()
}

fn required<'a>(field: &str, v: Option<&'a str>) -> ApiResult<&'a str> {
    match v {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(ApiError::invalid_parameter(format!(
            "{field} may not be empty"
        ))),
    }
}

/// IAM names: 1–100 characters from letters, digits and `._+@-`, no spaces.
fn check_name(kind: Kind, name: &str) -> ApiResult<()> {
    if name.chars().count() > MAX_NAME {
        return Err(ApiError::invalid_parameter(format!(
            "name must be at most {MAX_NAME} characters for a {}",
            kind.noun()
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._+@-".contains(*c)))
    {
        return Err(ApiError::invalid_parameter(format!(
            "name '{name}' contains '{bad}'; {} names may contain only letters, digits and . _ + @ -",
            kind.noun()
        )));
    }
    Ok(())
}

/// The description is required but may be empty.
fn check_description(v: Option<&str>) -> ApiResult<String> {
    let d = v.ok_or_else(|| {
        ApiError::invalid_parameter("description may not be null (it may be empty)")
    })?;
    if d.chars().count() > MAX_DESCRIPTION {
        return Err(ApiError::invalid_parameter(format!(
            "description must be at most {MAX_DESCRIPTION} characters"
        )));
    }
    Ok(d.to_owned())
}

fn check_matching_rule(rule: &str) -> ApiResult<()> {
    if rule.chars().count() > MAX_MATCHING_RULE {
        return Err(ApiError::invalid_parameter(format!(
            "matchingRule must be at most {MAX_MATCHING_RULE} characters"
        )));
    }
    validate::matching_rule(rule)
}

fn check_statements(state: &AppState, statements: &[String]) -> ApiResult<()> {
    if statements.is_empty() {
        return Err(ApiError::invalid_parameter(
            "statements must contain at least one policy statement",
        ));
    }
    if statements.len() > MAX_STATEMENTS {
        return Err(ApiError::invalid_parameter(format!(
            "statements has {} entries; a policy may have at most {MAX_STATEMENTS}",
            statements.len()
        )));
    }
    validate::statements(state, statements)
}

/// Starts an IAM write: only in the home region (`home.rs`), one at a time when the control
/// API asks for contention (`crate::consistency`).
async fn begin_write<'a>(
    state: &'a AppState,
    region: &RequestRegion,
) -> ApiResult<crate::consistency::WriteGuard<'a>> {
    require_home(region, &state.identity().region)?;
    state.consistency().begin_write().await
}

/// The statements as IAM stores them (`rewrite.rs`).
fn rewritten(statements: &[String]) -> Vec<String> {
    statements
        .iter()
        .map(|s| rewrite::rewrite_statement(s))
        .collect()
}

/// Request tags plus the service's own `Oracle-Tags` (set on create only, as tag defaults are).
fn tags_on_create(
    state: &AppState,
    tags: Option<super::wire::DefinedTags>,
) -> super::wire::DefinedTags {
    let mut tags = tags.unwrap_or_default();
    crate::tags::add_service_tags(
        &mut tags,
        &state.identity().user_id,
        &rfc3339_millis(state.now()),
    );
    tags
}

/// `versionDate` is a date (`YYYY-MM-DD`); a full RFC 3339 timestamp is cut to its date.
fn check_version_date(v: &str) -> ApiResult<String> {
    let date = v.get(..10).unwrap_or(v);
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(date, &fmt)
        .map(|_| date.to_owned())
        .map_err(|_| {
            ApiError::invalid_parameter(format!(
                "versionDate '{v}' is not a date in the form YYYY-MM-DD"
            ))
        })
}

fn check_lifecycle_filter(v: Option<&str>) -> ApiResult<Option<String>> {
    let Some(v) = v else { return Ok(None) };
    let up = v.to_ascii_uppercase();
    if LIFECYCLE_STATES.contains(&up.as_str()) {
        Ok(Some(up))
    } else {
        Err(ApiError::invalid_parameter(format!(
            "lifecycleState '{v}' is not valid; expected one of {}",
            LIFECYCLE_STATES.join(", ")
        )))
    }
}

/// Sort by `TIMECREATED` (default order DESC) or `NAME` (default ASC, case-sensitive).
fn sort_items<T>(
    items: &mut [T],
    q: &ListQuery,
    name: impl Fn(&T) -> &str,
    created: impl Fn(&T) -> &str,
) -> ApiResult<()> {
    let order = match q.sort_order.as_deref() {
        None => None,
        Some(o) if o.eq_ignore_ascii_case("ASC") => Some(Ordering::Less),
        Some(o) if o.eq_ignore_ascii_case("DESC") => Some(Ordering::Greater),
        Some(o) => {
            return Err(ApiError::invalid_parameter(format!(
                "sortOrder '{o}' is not valid; expected ASC or DESC"
            )));
        }
    };
    let (by_name, default_desc) = match q.sort_by.as_deref() {
        None => return Ok(()),
        Some(b) if b.eq_ignore_ascii_case("TIMECREATED") => (false, true),
        Some(b) if b.eq_ignore_ascii_case("NAME") => (true, false),
        Some(b) => {
            return Err(ApiError::invalid_parameter(format!(
                "sortBy '{b}' is not valid; expected TIMECREATED or NAME"
            )));
        }
    };
    let desc = order.map_or(default_desc, |o| o == Ordering::Greater);
    items.sort_by(|a, b| {
        let o = if by_name {
            name(a).cmp(name(b))
        } else {
            created(a).cmp(created(b))
        };
        if desc { o.reverse() } else { o }
    });
    Ok(())
}

/// IAM paging, including the real service's quirk (oci-api.md §7): a full page carries
/// `opc-next-page` even when nothing follows, and the next call returns `[]` without one.
fn iam_page<T: serde::Serialize>(items: Vec<T>, q: &ListQuery) -> ApiResult<Response> {
    // A trailing sentinel makes a page that is exactly full point at one more (empty) page.
    let with_end: Vec<Option<T>> = items
        .into_iter()
        .map(Some)
        .chain(std::iter::once(None))
        .collect();
    let (page, next) = paginate(with_end, q.limit, q.page.as_deref(), MAX_PAGE)?;
    let page: Vec<T> = page.into_iter().flatten().collect();
    let mut headers = next_page_headers(next.as_deref());
    if let Some(l) = q.limit
        && let Ok(v) = HeaderValue::from_str(&l.to_string())
    {
        headers.insert("opc-limit", v);
    }
    Ok((StatusCode::OK, headers, Json(page)).into_response())
}

fn list_resources<T: IamDoc>(
    state: &AppState,
    kind: Kind,
    q: &ListQuery,
    name: impl Fn(&T) -> &str,
) -> ApiResult<Response> {
    let compartment_id = required("compartmentId", q.compartment_id.as_deref())?;
    state.require_compartment(compartment_id)?;
    let lifecycle = check_lifecycle_filter(q.lifecycle_state.as_deref())?;
    let mut items: Vec<T> = store::list::<T>(state, kind, compartment_id)?
        .into_iter()
        .filter(|s| match &lifecycle {
            Some(l) => s.state == l.as_str(),
            None => s.state != "DELETED",
        })
        .map(|s| s.doc)
        .filter(|d| q.name.as_deref().is_none_or(|n| name(d) == n))
        .collect();
    sort_items(&mut items, q, &name, |d| d.time_created())?;
    iam_page(items, q)
}

// ------------------------------------------------------------------------------------------------
// Dynamic groups

/// CreateDynamicGroup: `POST /20160918/dynamicGroups`.
pub async fn create_dynamic_group(
    State(state): State<AppState>,
    Extension(region): Extension<RequestRegion>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let _write = begin_write(&state, &region).await?;
    state.idempotent("CreateDynamicGroup", &headers, &body, || {
        let d: CreateDynamicGroupDetails = parse_json(&body)?;
        let compartment_id = required("compartmentId", d.compartment_id.as_deref())?;
        let tenancy = &state.identity().tenancy_id;
        if compartment_id != tenancy {
            return Err(ApiError::invalid_parameter(format!(
                "compartmentId '{compartment_id}' is not the tenancy; dynamic groups can only be created in the root compartment ({tenancy})"
            )));
        }
        let name = required("name", d.name.as_deref())?;
        check_name(Kind::DynamicGroup, name)?;
        let rule = required("matchingRule", d.matching_rule.as_deref())?;
        check_matching_rule(rule)?;
        let description = check_description(d.description.as_deref())?;
        let id = state.new_ocid("dynamicgroup");
        let doc = DynamicGroup {
            id: id.clone(),
            compartment_id: compartment_id.to_owned(),
            name: name.to_owned(),
            description,
            matching_rule: rule.to_owned(),
            time_created: rfc3339_millis(state.now()),
            lifecycle_state: "CREATING".to_owned(),
            inactive_status: None,
            freeform_tags: d.freeform_tags.unwrap_or_default(),
            defined_tags: tags_on_create(&state, d.defined_tags),
        };
        let (state, headers, compartment_id) = (&state, &headers, compartment_id.to_owned());
        Ok(move |conn: &Connection| {
            let stored = store::insert(state, conn, Kind::DynamicGroup, &id, &compartment_id, &doc)?;
            let h = created_headers(headers, &stored.etag, "dynamicGroups", &id);
            Ok((StoredResponse::json(StatusCode::OK, &h, &stored.doc)?, Some(id)))
        })
    })
}

/// GetDynamicGroup: `GET /20160918/dynamicGroups/{id}`.
pub async fn get_dynamic_group(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(ok_with_etag(&store::get::<DynamicGroup>(
        &state,
        Kind::DynamicGroup,
        &id,
    )?))
}

/// ListDynamicGroups: `GET /20160918/dynamicGroups?compartmentId=...`.
pub async fn list_dynamic_groups(
    State(state): State<AppState>,
    OciQuery(q): OciQuery<ListQuery>,
) -> ApiResult<Response> {
    list_resources::<DynamicGroup>(&state, Kind::DynamicGroup, &q, |d| &d.name)
}

/// UpdateDynamicGroup: `PUT /20160918/dynamicGroups/{id}` (description, matchingRule, tags).
pub async fn update_dynamic_group(
    State(state): State<AppState>,
    Extension(region): Extension<RequestRegion>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OciJson(d): OciJson<UpdateDynamicGroupDetails>,
) -> ApiResult<Response> {
    let _write = begin_write(&state, &region).await?;
    if let Some(rule) = &d.matching_rule {
        check_matching_rule(rule)?;
    }
    let description = d
        .description
        .as_deref()
        .map(|s| check_description(Some(s)))
        .transpose()?;
    let stored =
        store::update::<DynamicGroup>(&state, Kind::DynamicGroup, &id, if_match(&headers), |g| {
            if let Some(v) = description {
                g.description = v;
            }
            if let Some(v) = d.matching_rule {
                g.matching_rule = v;
            }
            if let Some(v) = d.freeform_tags {
                g.freeform_tags = v;
            }
            if let Some(v) = d.defined_tags {
                g.defined_tags = v;
            }
            Ok(())
        })?;
    Ok(ok_with_etag(&stored))
}

/// DeleteDynamicGroup: `DELETE /20160918/dynamicGroups/{id}` → 204.
pub async fn delete_dynamic_group(
    State(state): State<AppState>,
    Extension(region): Extension<RequestRegion>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let _write = begin_write(&state, &region).await?;
    store::delete(&state, Kind::DynamicGroup, &id, if_match(&headers))?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------------------------------------
// Policies

/// CreatePolicy: `POST /20160918/policies`.
pub async fn create_policy(
    State(state): State<AppState>,
    Extension(region): Extension<RequestRegion>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let _write = begin_write(&state, &region).await?;
    state.idempotent("CreatePolicy", &headers, &body, || {
        let d: CreatePolicyDetails = parse_json(&body)?;
        let compartment_id = required("compartmentId", d.compartment_id.as_deref())?;
        let name = required("name", d.name.as_deref())?;
        check_name(Kind::Policy, name)?;
        let statements = d
            .statements
            .ok_or_else(|| ApiError::invalid_parameter("statements may not be null"))?;
        check_statements(&state, &statements)?;
        let statements = rewritten(&statements);
        let description = check_description(d.description.as_deref())?;
        let version_date = d
            .version_date
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(check_version_date)
            .transpose()?;
        state.require_compartment(compartment_id)?;
        let id = state.new_ocid("policy");
        let doc = Policy {
            id: id.clone(),
            compartment_id: compartment_id.to_owned(),
            name: name.to_owned(),
            statements,
            description,
            time_created: rfc3339_millis(state.now()),
            lifecycle_state: "CREATING".to_owned(),
            inactive_status: None,
            version_date,
            freeform_tags: d.freeform_tags.unwrap_or_default(),
            defined_tags: tags_on_create(&state, d.defined_tags),
        };
        let (state, headers, compartment_id) = (&state, &headers, compartment_id.to_owned());
        Ok(move |conn: &Connection| {
            let stored = store::insert(state, conn, Kind::Policy, &id, &compartment_id, &doc)?;
            let h = created_headers(headers, &stored.etag, "policies", &id);
            Ok((
                StoredResponse::json(StatusCode::OK, &h, &stored.doc)?,
                Some(id),
            ))
        })
    })
}

/// GetPolicy: `GET /20160918/policies/{id}`.
pub async fn get_policy(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(ok_with_etag(&store::get::<Policy>(
        &state,
        Kind::Policy,
        &id,
    )?))
}

/// ListPolicies: `GET /20160918/policies?compartmentId=...`.
pub async fn list_policies(
    State(state): State<AppState>,
    OciQuery(q): OciQuery<ListQuery>,
) -> ApiResult<Response> {
    list_resources::<Policy>(&state, Kind::Policy, &q, |p| &p.name)
}

/// UpdatePolicy: `PUT /20160918/policies/{id}` (description, statements, versionDate, tags).
pub async fn update_policy(
    State(state): State<AppState>,
    Extension(region): Extension<RequestRegion>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OciJson(d): OciJson<UpdatePolicyDetails>,
) -> ApiResult<Response> {
    let _write = begin_write(&state, &region).await?;
    if let Some(s) = &d.statements {
        check_statements(&state, s)?;
    }
    let description = d
        .description
        .as_deref()
        .map(|s| check_description(Some(s)))
        .transpose()?;
    let version_date = d
        .version_date
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(check_version_date)
        .transpose()?;
    let stored = store::update::<Policy>(&state, Kind::Policy, &id, if_match(&headers), |p| {
        if let Some(v) = description {
            p.description = v;
        }
        if let Some(v) = &d.statements {
            p.statements = rewritten(v);
        }
        if version_date.is_some() {
            p.version_date = version_date;
        }
        if let Some(v) = d.freeform_tags {
            p.freeform_tags = v;
        }
        if let Some(v) = d.defined_tags {
            p.defined_tags = v;
        }
        Ok(())
    })?;
    Ok(ok_with_etag(&stored))
}

/// DeletePolicy: `DELETE /20160918/policies/{id}` → 204.
pub async fn delete_policy(
    State(state): State<AppState>,
    Extension(region): Extension<RequestRegion>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let _write = begin_write(&state, &region).await?;
    store::delete(&state, Kind::Policy, &id, if_match(&headers))?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------------------------------------
// Compartments

/// A compartment's ETag: derived from its document, so it changes when the compartment does.
fn compartment_etag(c: &Compartment) -> String {
    let doc = serde_json::to_vec(c).unwrap_or_default();
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&doc);
    crate::idempotency::hex(&digest)[..40].to_owned()
}

/// GetCompartment: `GET /20160918/compartments/{id}` (the tenancy OCID is the root compartment).
pub async fn get_compartment(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let c = state
        .db(|conn| compartments::get(conn, &id))?
        .ok_or_else(|| ApiError::not_found("compartment", &id))?;
    Ok((StatusCode::OK, etag_headers(&compartment_etag(&c)), Json(c)).into_response())
}

/// ListCompartments: `GET /20160918/compartments?compartmentId=...[&compartmentIdInSubtree=true]`.
pub async fn list_compartments(
    State(state): State<AppState>,
    OciQuery(q): OciQuery<ListQuery>,
) -> ApiResult<Response> {
    let parent = required("compartmentId", q.compartment_id.as_deref())?;
    state.require_compartment(parent)?;
    let subtree = q.compartment_id_in_subtree.unwrap_or(false);
    if subtree && parent != state.identity().tenancy_id {
        return Err(ApiError::invalid_parameter(
            "compartmentIdInSubtree can only be true when compartmentId is the tenancy (root compartment) OCID",
        ));
    }
    match q.access_level.as_deref() {
        None => {}
        Some(a) if a.eq_ignore_ascii_case("ANY") || a.eq_ignore_ascii_case("ACCESSIBLE") => {}
        Some(a) => {
            return Err(ApiError::invalid_parameter(format!(
                "accessLevel '{a}' is not valid; expected ANY or ACCESSIBLE"
            )));
        }
    }
    let lifecycle = check_lifecycle_filter(q.lifecycle_state.as_deref())?;
    let mut items: Vec<Compartment> = state
        .db(|conn| compartments::list(conn, parent, subtree))?
        .into_iter()
        .filter(|c| lifecycle.as_deref().is_none_or(|l| c.lifecycle_state == l))
        .filter(|c| q.name.as_deref().is_none_or(|n| c.name == n))
        .collect();
    sort_items(&mut items, &q, |c| &c.name, |c| &c.time_created)?;
    iam_page(items, &q)
}

/// CreateCompartment: `POST /20160918/compartments`.
pub async fn create_compartment(
    State(state): State<AppState>,
    Extension(region): Extension<RequestRegion>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let _write = begin_write(&state, &region).await?;
    state.idempotent("CreateCompartment", &headers, &body, || {
        let d: CreateCompartmentDetails = parse_json(&body)?;
        let parent_id = required("compartmentId", d.compartment_id.as_deref())?.to_owned();
        let name = required("name", d.name.as_deref())?.to_owned();
        let description = check_description(d.description.as_deref())?;
        let new = NewCompartment {
            parent_id,
            name,
            description,
            freeform_tags: d.freeform_tags.unwrap_or_default(),
            defined_tags: d.defined_tags.unwrap_or_default(),
        };
        compartments::validate_new(&new)?;
        let c = compartments::from_new(
            new,
            state.new_ocid("compartment"),
            rfc3339_millis(state.now()),
        );
        let headers = &headers;
        Ok(move |conn: &Connection| {
            compartments::insert(conn, &c)?;
            let h = created_headers(headers, &compartment_etag(&c), "compartments", &c.id);
            Ok((
                StoredResponse::json(StatusCode::OK, &h, &c)?,
                Some(c.id.clone()),
            ))
        })
    })
}

// ------------------------------------------------------------------------------------------------
// Tenancy and regions (read-only facts of the emulated account)

fn home_region_key(state: &AppState) -> String {
    region_key(&state.identity().region)
}

fn require_tenancy(state: &AppState, id: &str) -> ApiResult<()> {
    if id == state.identity().tenancy_id {
        Ok(())
    } else {
        Err(ApiError::not_found("tenancy", id))
    }
}

/// GetTenancy: `GET /20160918/tenancies/{id}`.
pub async fn get_tenancy(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Tenancy>> {
    require_tenancy(&state, &id)?;
    let root = state.db(|c| compartments::get(c, &id))?;
    Ok(Json(Tenancy {
        name: root
            .as_ref()
            .map_or_else(|| "emulator-tenancy".to_owned(), |r| r.name.clone()),
        description: root.map(|r| r.description).unwrap_or_default(),
        id,
        home_region_key: home_region_key(&state),
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    }))
}

/// ListRegionSubscriptions: `GET /20160918/tenancies/{id}/regionSubscriptions` — the home
/// region first, then every other region the emulator knows.
pub async fn list_region_subscriptions(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RegionSubscription>>> {
    require_tenancy(&state, &id)?;
    let home = state.identity().region.clone();
    let mut subs = vec![RegionSubscription {
        region_key: home_region_key(&state),
        region_name: home.clone(),
        status: "READY".to_owned(),
        is_home_region: true,
    }];
    subs.extend(
        REGIONS
            .iter()
            .filter(|(_, name)| *name != home)
            .map(|(key, name)| RegionSubscription {
                region_key: (*key).to_owned(),
                region_name: (*name).to_owned(),
                status: "READY".to_owned(),
                is_home_region: false,
            }),
    );
    Ok(Json(subs))
}

/// ListGroups: `GET /20160918/groups?compartmentId=<tenancy>` — groups are not modelled; every
/// tenancy has `Administrators`.
pub async fn list_groups(
    State(state): State<AppState>,
    OciQuery(q): OciQuery<ListQuery>,
) -> ApiResult<Response> {
    let compartment_id = required("compartmentId", q.compartment_id.as_deref())?;
    let tenancy = state.identity().tenancy_id.clone();
    if compartment_id != tenancy {
        return Err(ApiError::invalid_parameter(format!(
            "compartmentId '{compartment_id}' is not the tenancy; groups live in the root compartment"
        )));
    }
    let unique = tenancy.rsplit('.').next().unwrap_or_default();
    let time_created = state
        .db(|c| compartments::get(c, &tenancy))?
        .map(|r| r.time_created)
        .unwrap_or_default();
    let admins = serde_json::json!({
        "id": format!("ocid1.group.oc1..{unique}"),
        "compartmentId": tenancy,
        "name": validate::ADMINISTRATORS,
        "description": "Administrators of the tenancy",
        "timeCreated": time_created,
        "lifecycleState": "ACTIVE",
        "freeformTags": {},
        "definedTags": {},
    });
    let items: Vec<serde_json::Value> = vec![admins]
        .into_iter()
        .filter(|g| q.name.as_deref().is_none_or(|n| g["name"] == n))
        .collect();
    iam_page(items, &q)
}

/// ListRegions: `GET /20160918/regions`.
pub async fn list_regions(State(state): State<AppState>) -> Json<Vec<Region>> {
    let mut regions: Vec<Region> = REGIONS
        .iter()
        .map(|(k, n)| Region {
            key: (*k).to_owned(),
            name: (*n).to_owned(),
        })
        .collect();
    if !REGIONS.iter().any(|(_, n)| *n == state.identity().region) {
        regions.push(Region {
            key: home_region_key(&state),
            name: state.identity().region.clone(),
        });
    }
    Json(regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_dates() {
        assert_eq!(check_version_date("2018-08-23").unwrap(), "2018-08-23");
        assert_eq!(
            check_version_date("2018-08-23T00:00:00.000Z").unwrap(),
            "2018-08-23"
        );
        assert!(
            check_version_date("23/08/2018")
                .unwrap_err()
                .message
                .contains("YYYY-MM-DD")
        );
    }

    #[test]
    fn names() {
        check_name(Kind::Policy, "lab-policy_1.x@y+z").unwrap();
        let e = check_name(Kind::DynamicGroup, "has space").unwrap_err();
        assert!(e.message.contains("contains ' '"), "{}", e.message);
        assert!(check_name(Kind::Policy, &"a".repeat(101)).is_err());
    }

    #[test]
    fn sorting_defaults() {
        let mut v = vec![("b", "2"), ("a", "1"), ("c", "3")];
        let q = ListQuery {
            sort_by: Some("TIMECREATED".into()),
            ..Default::default()
        };
        sort_items(&mut v, &q, |x| x.0, |x| x.1).unwrap();
        assert_eq!(v[0].0, "c", "TIMECREATED defaults to DESC");
        let q = ListQuery {
            sort_by: Some("NAME".into()),
            ..Default::default()
        };
        sort_items(&mut v, &q, |x| x.0, |x| x.1).unwrap();
        assert_eq!(v[0].0, "a", "NAME defaults to ASC");
        let q = ListQuery {
            sort_by: Some("SIZE".into()),
            ..Default::default()
        };
        assert!(sort_items(&mut v, &q, |x| x.0, |x| x.1).is_err());
    }
}
