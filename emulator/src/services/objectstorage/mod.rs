//! Object Storage: `/n/{namespaceName}/...` (no API version in the path).

pub mod api;
mod handlers;
pub mod store;
pub mod wire;

use crate::service::{ServiceDef, operations};

/// Object Storage's operation table: routes and request classification both come from it.
/// Its work requests live at the root (`/workRequests/{id}`), next to `/n`.
pub const SERVICE: ServiceDef = ServiceDef {
    name: "objectstorage",
    prefixes: &["/n", "/workRequests"],
    schema: store::SCHEMA,
    operations: {
        use handlers as h;
        operations![
            GET    "/n" GetNamespace => h::get_namespace;
            GET    "/n/" GetNamespace => h::get_namespace;
            GET    "/n/{ns}" GetNamespaceMetadata => h::get_namespace_metadata;
            POST   "/n/{ns}/b" CreateBucket => h::create_bucket;
            GET    "/n/{ns}/b" ListBuckets => h::list_buckets;
            POST   "/n/{ns}/b/" CreateBucket => h::create_bucket;
            GET    "/n/{ns}/b/" ListBuckets => h::list_buckets;
            GET    "/n/{ns}/b/{bucket}" GetBucket => h::get_bucket;
            HEAD   "/n/{ns}/b/{bucket}" HeadBucket => h::head_bucket;
            POST   "/n/{ns}/b/{bucket}" UpdateBucket => h::update_bucket;
            DELETE "/n/{ns}/b/{bucket}" DeleteBucket => h::delete_bucket;
            GET    "/n/{ns}/b/{bucket}/o" ListObjects => h::list_objects;
            GET    "/n/{ns}/b/{bucket}/o/" ListObjects => h::list_objects;
            GET    "/n/{ns}/b/{bucket}/o/{*object}" GetObject => h::get_object;
            HEAD   "/n/{ns}/b/{bucket}/o/{*object}" HeadObject => h::get_object;
            PUT    "/n/{ns}/b/{bucket}/o/{*object}" PutObject => h::put_object, Unsigned;
            DELETE "/n/{ns}/b/{bucket}/o/{*object}" DeleteObject => h::delete_object;
            POST   "/n/{ns}/b/{bucket}/actions/renameObject" RenameObject => h::rename_object;
            POST   "/n/{ns}/b/{bucket}/actions/copyObject" CopyObject => h::copy_object;
            GET    "/n/{ns}/b/{bucket}/objectversions" ListObjectVersions => h::list_object_versions;
            POST   "/n/{ns}/b/{bucket}/retentionRules" CreateRetentionRule => h::create_retention_rule;
            GET    "/n/{ns}/b/{bucket}/retentionRules" ListRetentionRules => h::list_retention_rules;
            GET    "/n/{ns}/b/{bucket}/retentionRules/{id}" GetRetentionRule => h::get_retention_rule;
            PUT    "/n/{ns}/b/{bucket}/retentionRules/{id}" UpdateRetentionRule => h::update_retention_rule;
            DELETE "/n/{ns}/b/{bucket}/retentionRules/{id}" DeleteRetentionRule => h::delete_retention_rule;
            POST   "/n/{ns}/b/{bucket}/u" CreateMultipartUpload => h::create_multipart_upload;
            GET    "/n/{ns}/b/{bucket}/u" ListMultipartUploads => h::list_multipart_uploads;
            GET    "/n/{ns}/b/{bucket}/u/{*object}" ListMultipartUploadParts => h::list_multipart_upload_parts;
            PUT    "/n/{ns}/b/{bucket}/u/{*object}" UploadPart => h::upload_part, Unsigned;
            POST   "/n/{ns}/b/{bucket}/u/{*object}" CommitMultipartUpload => h::commit_multipart_upload;
            DELETE "/n/{ns}/b/{bucket}/u/{*object}" AbortMultipartUpload => h::abort_multipart_upload;
            GET    "/workRequests" ListWorkRequests => h::list_work_requests;
            GET    "/workRequests/{id}" GetWorkRequest => h::get_work_request;
            DELETE "/workRequests/{id}" CancelWorkRequest => h::cancel_work_request;
            GET    "/workRequests/{id}/errors" ListWorkRequestErrors => h::list_work_request_errors;
            GET    "/workRequests/{id}/logs" ListWorkRequestLogs => h::list_work_request_logs;
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
