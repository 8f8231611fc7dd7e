//! Retention rule operations: Create/List/Get/Update/DeleteRetentionRule.

use super::common::{BucketPath, PageQuery, RulePath};
use crate::clock::rfc3339_millis;
use crate::error::ApiResult;
use crate::extract::{OciJson, OciQuery};
use crate::headers::etag_headers;
use crate::paging::{next_page_headers, paginate};
use crate::services::objectstorage::model::{self, check_if_match, validate_retention};
use crate::services::objectstorage::store;
use crate::services::objectstorage::wire::*;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// CreateRetentionRule: `POST /n/{ns}/b/{bucket}/retentionRules`.
pub async fn create_retention_rule(
    State(state): State<AppState>,
    BucketPath { ns, bucket }: BucketPath,
    OciJson(d): OciJson<RetentionRuleDetails>,
) -> ApiResult<Response> {
    validate_retention(&d)?;
    let now = rfc3339_millis(state.now());
    let id = uuid::Uuid::new_v4().to_string();
    let rule = RetentionRule {
        display_name: d
            .display_name
            .unwrap_or_else(|| format!("retention-rule-{}", &id[..8])),
        id,
        duration: d.duration,
        etag: uuid::Uuid::new_v4().to_string(),
        time_rule_locked: d.time_rule_locked,
        time_created: now.clone(),
        time_modified: now,
    };
    state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        store::save_retention_rule(tx, &ns, &bucket, &rule)
    })?;
    Ok((etag_headers(&rule.etag), Json(rule)).into_response())
}

/// ListRetentionRules: `GET /n/{ns}/b/{bucket}/retentionRules` → `{"items": [...]}`.
pub async fn list_retention_rules(
    State(state): State<AppState>,
    BucketPath { ns, bucket }: BucketPath,
    OciQuery(q): OciQuery<PageQuery>,
) -> ApiResult<Response> {
    let rules = state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::list_retention_rules(c, &ns, &bucket)
    })?;
    let (items, next) = paginate(rules, q.limit, q.page.as_deref(), 1000)?;
    Ok((
        next_page_headers(next.as_deref()),
        Json(RetentionRuleCollection { items }),
    )
        .into_response())
}

/// GetRetentionRule: `GET /n/{ns}/b/{bucket}/retentionRules/{id}`.
pub async fn get_retention_rule(
    State(state): State<AppState>,
    RulePath { ns, bucket, id }: RulePath,
) -> ApiResult<Response> {
    let rule = state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::get_retention_rule(c, &ns, &bucket, &id)
    })?;
    Ok((etag_headers(&rule.etag), Json(rule)).into_response())
}

/// UpdateRetentionRule: `PUT /n/{ns}/b/{bucket}/retentionRules/{id}`.
pub async fn update_retention_rule(
    State(state): State<AppState>,
    RulePath { ns, bucket, id }: RulePath,
    headers: HeaderMap,
    OciJson(d): OciJson<RetentionRuleDetails>,
) -> ApiResult<Response> {
    validate_retention(&d)?;
    let rule = state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        let mut rule = store::get_retention_rule(tx, &ns, &bucket, &id)?;
        check_if_match(&headers, &rule.etag)?;
        model::check_not_locked(state.now(), &rule)?;
        if let Some(n) = d.display_name {
            rule.display_name = n;
        }
        if let Some(dur) = d.duration {
            rule.duration = Some(dur);
        }
        if let Some(t) = d.time_rule_locked {
            rule.time_rule_locked = Some(t);
        }
        rule.etag = uuid::Uuid::new_v4().to_string();
        rule.time_modified = rfc3339_millis(state.now());
        store::save_retention_rule(tx, &ns, &bucket, &rule)?;
        Ok(rule)
    })?;
    Ok((etag_headers(&rule.etag), Json(rule)).into_response())
}

/// DeleteRetentionRule: `DELETE /n/{ns}/b/{bucket}/retentionRules/{id}` → 204.
pub async fn delete_retention_rule(
    State(state): State<AppState>,
    RulePath { ns, bucket, id }: RulePath,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        let rule = store::get_retention_rule(tx, &ns, &bucket, &id)?;
        check_if_match(&headers, &rule.etag)?;
        model::check_not_locked(state.now(), &rule)?;
        store::delete_retention_rule(tx, &id)
    })?;
    Ok(StatusCode::NO_CONTENT)
}
