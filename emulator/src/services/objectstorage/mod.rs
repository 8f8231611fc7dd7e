//! Object Storage: `/n/{namespaceName}/...` (no API version in the path).

mod handlers;
pub mod store;
pub mod wire;

use crate::services::ServiceDef;
use crate::state::AppState;
use axum::Router;
use axum::http::Method;
use axum::routing::{get, post};

pub const SERVICE: ServiceDef = ServiceDef {
    name: "objectstorage",
    prefix: "/n",
    schema: store::SCHEMA,
    routes,
    operation,
    dump: store::dump,
};

pub fn routes() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route("/n", get(h::get_namespace))
        .route("/n/", get(h::get_namespace))
        .route("/n/{ns}", get(h::get_namespace_metadata))
        .route("/n/{ns}/b", post(h::create_bucket).get(h::list_buckets))
        .route("/n/{ns}/b/", post(h::create_bucket).get(h::list_buckets))
        .route(
            "/n/{ns}/b/{bucket}",
            get(h::get_bucket)
                .head(h::head_bucket)
                .post(h::update_bucket)
                .delete(h::delete_bucket),
        )
        .route("/n/{ns}/b/{bucket}/o", get(h::list_objects))
        .route("/n/{ns}/b/{bucket}/o/", get(h::list_objects))
        .route(
            "/n/{ns}/b/{bucket}/o/{*object}",
            get(h::get_object)
                .head(h::get_object)
                .put(h::put_object)
                .delete(h::delete_object),
        )
        .route(
            "/n/{ns}/b/{bucket}/actions/renameObject",
            post(h::rename_object),
        )
        .route(
            "/n/{ns}/b/{bucket}/actions/copyObject",
            post(h::copy_object),
        )
        .route("/workRequests", get(h::list_work_requests))
        .route(
            "/workRequests/{id}",
            get(h::get_work_request).delete(h::cancel_work_request),
        )
        .route(
            "/workRequests/{id}/errors",
            get(h::list_work_request_errors),
        )
        .route("/workRequests/{id}/logs", get(h::list_work_request_logs))
        .route(
            "/n/{ns}/b/{bucket}/objectversions",
            get(h::list_object_versions),
        )
        .route(
            "/n/{ns}/b/{bucket}/retentionRules",
            post(h::create_retention_rule).get(h::list_retention_rules),
        )
        .route(
            "/n/{ns}/b/{bucket}/retentionRules/{id}",
            get(h::get_retention_rule)
                .put(h::update_retention_rule)
                .delete(h::delete_retention_rule),
        )
        .route(
            "/n/{ns}/b/{bucket}/u",
            post(h::create_multipart_upload).get(h::list_multipart_uploads),
        )
        .route(
            "/n/{ns}/b/{bucket}/u/{*object}",
            get(h::list_multipart_upload_parts)
                .put(h::upload_part)
                .post(h::commit_multipart_upload)
                .delete(h::abort_multipart_upload),
        )
}

/// Operation names as in the OCI API reference.
fn operation(method: &Method, seg: &[&str]) -> Option<&'static str> {
    let m = method.as_str();
    Some(match (seg.len(), m) {
        (0, "GET") => "GetNamespace",
        (1, "GET") => "GetNamespaceMetadata",
        (1, "PUT") => "UpdateNamespaceMetadata",
        (2, "POST") if seg[1] == "b" => "CreateBucket",
        (2, "GET") if seg[1] == "b" => "ListBuckets",
        (3, _) if seg[1] == "b" => match m {
            "GET" => "GetBucket",
            "HEAD" => "HeadBucket",
            "POST" => "UpdateBucket",
            "DELETE" => "DeleteBucket",
            _ => return None,
        },
        (n, _) if n >= 4 && seg[1] == "b" => match (seg[3], n, m) {
            ("o", 4, "GET") => "ListObjects",
            ("o", _, "GET") => "GetObject",
            ("o", _, "HEAD") => "HeadObject",
            ("o", _, "PUT") => "PutObject",
            ("o", _, "DELETE") => "DeleteObject",
            ("u", 4, "POST") => "CreateMultipartUpload",
            ("u", 4, "GET") => "ListMultipartUploads",
            ("u", _, "PUT") => "UploadPart",
            ("u", _, "POST") => "CommitMultipartUpload",
            ("u", _, "GET") => "ListMultipartUploadParts",
            ("u", _, "DELETE") => "AbortMultipartUpload",
            ("actions", 5, "POST") if seg[4] == "renameObject" => "RenameObject",
            ("actions", 5, "POST") if seg[4] == "copyObject" => "CopyObject",
            ("objectversions", 4, "GET") => "ListObjectVersions",
            ("retentionRules", 4, "POST") => "CreateRetentionRule",
            ("retentionRules", 4, "GET") => "ListRetentionRules",
            ("retentionRules", 5, "GET") => "GetRetentionRule",
            ("retentionRules", 5, "PUT") => "UpdateRetentionRule",
            ("retentionRules", 5, "DELETE") => "DeleteRetentionRule",
            _ => return None,
        },
        _ => return None,
    })
}

/// Operations under `/workRequests` (Object Storage work requests, e.g. of CopyObject).
pub fn work_request_operation(method: &Method, seg: &[&str]) -> Option<&'static str> {
    Some(match (seg.len(), method.as_str()) {
        (0, "GET") => "ListWorkRequests",
        (1, "GET") => "GetWorkRequest",
        (1, "DELETE") => "CancelWorkRequest",
        (2, "GET") if seg[1] == "errors" => "ListWorkRequestErrors",
        (2, "GET") if seg[1] == "logs" => "ListWorkRequestLogs",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_object_paths() {
        let op = |m: Method, p: &str| crate::services::classify(&m, p).and_then(|(_, o)| o);
        assert_eq!(op(Method::GET, "/n"), Some("GetNamespace"));
        assert_eq!(op(Method::PUT, "/n/ns/b/bk/o/dir%2Fa"), Some("PutObject"));
        assert_eq!(op(Method::PUT, "/n/ns/b/bk/o/dir/a/b"), Some("PutObject"));
        assert_eq!(op(Method::GET, "/n/ns/b/bk/o"), Some("ListObjects"));
        assert_eq!(op(Method::PUT, "/n/ns/b/bk/u/x"), Some("UploadPart"));
        assert_eq!(op(Method::POST, "/n/ns/b/bk"), Some("UpdateBucket"));
        assert_eq!(
            op(Method::POST, "/n/ns/b/bk/actions/renameObject"),
            Some("RenameObject")
        );
        assert_eq!(op(Method::GET, "/nx"), None);
        assert_eq!(
            op(Method::POST, "/n/ns/b/bk/actions/copyObject"),
            Some("CopyObject")
        );
        assert_eq!(op(Method::GET, "/workRequests/abc"), Some("GetWorkRequest"));
        assert_eq!(
            op(Method::GET, "/workRequests/abc/errors"),
            Some("ListWorkRequestErrors")
        );
    }
}
