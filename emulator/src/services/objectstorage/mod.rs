//! Object Storage: `/n/{namespaceName}/...` (no API version in the path).

pub mod api;
mod handlers;
pub mod model;
pub mod store;
pub mod wire;
pub mod write;

use crate::service::{ServiceDef, operations};

/// Object Storage's operation table: routes and request classification both come from it.
/// Its work requests live at the root (`/workRequests/{id}`), next to `/n`.
pub const SERVICE: ServiceDef = ServiceDef {
    name: "objectstorage",
    prefixes: &["/n", "/workRequests"],
    schema: store::SCHEMA,
    operations: {
        use handlers::{
            bucket as b, multipart as m, object as o, retention as r, work_request as w,
        };
        operations![
            GET    "/n" GetNamespace => b::get_namespace;
            GET    "/n/" GetNamespace => b::get_namespace;
            GET    "/n/{ns}" GetNamespaceMetadata => b::get_namespace_metadata;
            POST   "/n/{ns}/b" CreateBucket => b::create_bucket;
            GET    "/n/{ns}/b" ListBuckets => b::list_buckets;
            POST   "/n/{ns}/b/" CreateBucket => b::create_bucket;
            GET    "/n/{ns}/b/" ListBuckets => b::list_buckets;
            GET    "/n/{ns}/b/{bucket}" GetBucket => b::get_bucket;
            HEAD   "/n/{ns}/b/{bucket}" HeadBucket => b::head_bucket;
            POST   "/n/{ns}/b/{bucket}" UpdateBucket => b::update_bucket;
            DELETE "/n/{ns}/b/{bucket}" DeleteBucket => b::delete_bucket;
            GET    "/n/{ns}/b/{bucket}/o" ListObjects => o::list_objects;
            GET    "/n/{ns}/b/{bucket}/o/" ListObjects => o::list_objects;
            GET    "/n/{ns}/b/{bucket}/o/{*object}" GetObject => o::get_object;
            HEAD   "/n/{ns}/b/{bucket}/o/{*object}" HeadObject => o::get_object;
            PUT    "/n/{ns}/b/{bucket}/o/{*object}" PutObject => o::put_object, Unsigned;
            DELETE "/n/{ns}/b/{bucket}/o/{*object}" DeleteObject => o::delete_object;
            POST   "/n/{ns}/b/{bucket}/actions/renameObject" RenameObject => o::rename_object;
            POST   "/n/{ns}/b/{bucket}/actions/copyObject" CopyObject => o::copy_object;
            GET    "/n/{ns}/b/{bucket}/objectversions" ListObjectVersions => o::list_object_versions;
            POST   "/n/{ns}/b/{bucket}/retentionRules" CreateRetentionRule => r::create_retention_rule;
            GET    "/n/{ns}/b/{bucket}/retentionRules" ListRetentionRules => r::list_retention_rules;
            GET    "/n/{ns}/b/{bucket}/retentionRules/{id}" GetRetentionRule => r::get_retention_rule;
            PUT    "/n/{ns}/b/{bucket}/retentionRules/{id}" UpdateRetentionRule => r::update_retention_rule;
            DELETE "/n/{ns}/b/{bucket}/retentionRules/{id}" DeleteRetentionRule => r::delete_retention_rule;
            POST   "/n/{ns}/b/{bucket}/u" CreateMultipartUpload => m::create_multipart_upload;
            GET    "/n/{ns}/b/{bucket}/u" ListMultipartUploads => m::list_multipart_uploads;
            GET    "/n/{ns}/b/{bucket}/u/{*object}" ListMultipartUploadParts => m::list_multipart_upload_parts;
            PUT    "/n/{ns}/b/{bucket}/u/{*object}" UploadPart => m::upload_part, Unsigned;
            POST   "/n/{ns}/b/{bucket}/u/{*object}" CommitMultipartUpload => m::commit_multipart_upload;
            DELETE "/n/{ns}/b/{bucket}/u/{*object}" AbortMultipartUpload => m::abort_multipart_upload;
            GET    "/workRequests" ListWorkRequests => w::list_work_requests;
            GET    "/workRequests/{id}" GetWorkRequest => w::get_work_request;
            DELETE "/workRequests/{id}" CancelWorkRequest => w::cancel_work_request;
            GET    "/workRequests/{id}/errors" ListWorkRequestErrors => w::list_work_request_errors;
            GET    "/workRequests/{id}/logs" ListWorkRequestLogs => w::list_work_request_logs;
        ]
    },
    dump: store::dump,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{Body, Classifier};
    use axum::http::Method;

    #[test]
    fn classifies_object_paths() {
        let classifier = Classifier::new(&[SERVICE]);
        let op = |m: Method, p: &str| classifier.classify(&m, p).operation;
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

    #[test]
    fn only_object_data_bodies_are_unsigned() {
        let unsigned: Vec<&str> = SERVICE
            .operations
            .iter()
            .filter(|o| o.body == Body::Unsigned)
            .map(|o| o.name)
            .collect();
        assert_eq!(unsigned, ["PutObject", "UploadPart"]);
        let classifier = Classifier::new(&[SERVICE]);
        assert!(
            classifier
                .classify(&Method::PUT, "/n/ns/b/bk/o/a")
                .body_unsigned
        );
        assert!(
            !classifier
                .classify(&Method::POST, "/n/ns/b/bk/u/a")
                .body_unsigned
        );
        let unrouted = classifier.classify(&Method::PUT, "/n/ns");
        assert_eq!(
            (unrouted.service, unrouted.operation),
            ("objectstorage", None)
        );
    }
}
