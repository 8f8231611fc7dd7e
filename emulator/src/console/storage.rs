//! `/_emulator/console/buckets…`: buckets, a bucket's objects, and object downloads.

use super::html::{Href, Html, Markup, html};
use super::layout::{Section, bytes, frame};
use crate::error::ApiError;
use crate::extract::OciQuery;
use crate::services::objectstorage::api as os;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

/// Objects one bucket page lists; a prefix narrows a larger bucket.
const PAGE_OBJECTS: usize = 1000;
/// Longest prefix or object name a query may carry (OCI's object-name limit).
const MAX_NAME: usize = 1024;

/// 400 naming the query parameter when it is longer than an object name may be.
fn bounded(name: &str, value: &str) -> Result<(), ApiError> {
    if value.len() > MAX_NAME {
        return Err(ApiError::invalid_parameter(format!(
            "{name} is longer than {MAX_NAME} bytes"
        )));
    }
    Ok(())
}

pub async fn buckets(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ns = &state.identity().namespace;
    let mut w = Html::new();
    html!(w, "<p class=\"note\">Namespace <code>{}</code>.</p>", ns);
    w.raw("<table><tr><th>Bucket</th><th>Objects</th><th>Size</th><th>Compartment</th><th>Storage tier</th><th>Access</th><th>Versioning</th><th>Created</th></tr>");
    for b in os::buckets(&state, ns)? {
        html!(
            w,
            "<tr><td class=\"wrap\"><a href=\"{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"mono wrap\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            Href::console(&["buckets", &b.name]),
            b.name,
            b.object_count,
            bytes(b.total_size),
            b.compartment_id,
            b.storage_tier,
            b.public_access_type,
            b.versioning,
            b.time_created
        );
    }
    w.raw("</table>");
    Ok(frame(Section::Storage, "Buckets", false, w.finish()))
}

#[derive(Deserialize)]
pub struct BucketQuery {
    #[serde(default)]
    prefix: String,
}

/// A table of objects with download links (also used by the run page for its outputs).
pub fn objects_table(bucket: &str, objects: &[os::ObjectView]) -> Markup {
    let mut w = Html::new();
    w.raw("<table><tr><th>Object</th><th>Size</th><th>ETag</th><th>Content type</th><th>Modified</th><th>Tier</th><th></th></tr>");
    for o in objects {
        html!(
            w,
            "<tr><td class=\"mono wrap\">{}</td><td class=\"num\">{}</td><td class=\"mono wrap\">{}</td><td class=\"wrap\">{}</td><td>{}</td><td>{}</td><td><a href=\"{}\">download</a></td></tr>",
            o.name,
            bytes(o.size),
            o.etag,
            o.content_type
                .as_deref()
                .unwrap_or("application/octet-stream"),
            o.time_modified,
            o.storage_tier,
            download_href(bucket, &o.name)
        );
    }
    if objects.is_empty() {
        w.raw("<tr><td colspan=\"7\" class=\"muted\">No objects.</td></tr>");
    }
    w.raw("</table>");
    w.finish()
}

pub fn download_href(bucket: &str, object: &str) -> Href {
    Href::console(&["buckets", bucket, "download"]).query("object", object)
}

pub async fn bucket(
    State(state): State<AppState>,
    Path(bucket): Path<String>,
    OciQuery(q): OciQuery<BucketQuery>,
) -> Result<Response, ApiError> {
    bounded("prefix", &q.prefix)?;
    let ns = state.identity().namespace.clone();
    let facts = os::bucket_facts(&state, &ns, &bucket)?
        .ok_or_else(|| ApiError::not_found("bucket", &bucket))?;
    let (objects, more) = os::objects(&state, &ns, &bucket, &q.prefix, PAGE_OBJECTS)?;
    let mut w = Html::new();
    html!(
        w,
        "<dl class=\"facts\"><dt>URI</dt><dd class=\"mono\">oci://{}@{}/{}</dd><dt>OCID</dt><dd class=\"mono\">{}</dd><dt>Compartment</dt><dd class=\"mono\">{}</dd></dl>",
        facts.name,
        ns,
        q.prefix,
        facts.id,
        facts.compartment_id
    );
    if !q.prefix.is_empty() {
        html!(
            w,
            "<p class=\"note\">Objects whose names start with <code>{}</code>. <a href=\"{}\">All objects</a>.</p>",
            q.prefix,
            Href::console(&["buckets", &bucket])
        );
    }
    html!(w, "{}", objects_table(&bucket, &objects));
    if more {
        html!(
            w,
            "<p class=\"note\">Only the first {} objects are listed.</p>",
            PAGE_OBJECTS
        );
    }
    let title = format!("Bucket {bucket}");
    Ok(frame(Section::Storage, &title, false, w.finish()))
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    object: String,
}

/// The object's bytes as an attachment. Never with its stored content type: an object holding
/// HTML served inline from this origin would be a page of the console that runs its script.
pub async fn download(
    State(state): State<AppState>,
    Path(bucket): Path<String>,
    OciQuery(q): OciQuery<DownloadQuery>,
) -> Result<Response, ApiError> {
    bounded("object", &q.object)?;
    let ns = state.identity().namespace.clone();
    let (view, file) = os::open_object(&state, &ns, &bucket, &q.object)?.ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "ObjectNotFound",
            format!(
                "The object '{}' was not found in the bucket '{bucket}'",
                q.object
            ),
        )
    })?;
    let body = match file {
        os::ObjectBody::File(file) => Body::from_stream(tokio_util::io::ReaderStream::new(
            tokio::fs::File::from_std(file),
        )),
        os::ObjectBody::Inline(bytes) => Body::from(bytes),
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(view.size));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&content_disposition(&view.name)).expect("encoded to ASCII"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(resp)
}

/// `attachment` with the last path segment of the name: an ASCII fallback (`_` for anything
/// else) and the exact name in RFC 5987 form.
fn content_disposition(name: &str) -> String {
    let base = name.rsplit('/').find(|s| !s.is_empty()).unwrap_or("object");
    let ascii: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(base, NON_ALPHANUMERIC)
    )
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn downloads_are_attachments_named_after_the_last_segment() {
        assert_eq!(
            content_disposition("out/part-0.csv"),
            "attachment; filename=\"part-0.csv\"; filename*=UTF-8''part%2D0%2Ecsv"
        );
        assert_eq!(
            content_disposition("<script>\"x\".html"),
            "attachment; filename=\"_script__x_.html\"; filename*=UTF-8''%3Cscript%3E%22x%22%2Ehtml"
        );
        assert_eq!(
            content_disposition("dir/"),
            "attachment; filename=\"dir\"; filename*=UTF-8''dir"
        );
    }
}
