//! One async fn per Object Storage operation, one file per resource. Each handler checks its
//! inputs (rules in `../model.rs`), makes its store calls in one transaction (committed before
//! responding) and shapes the response headers.
//!
//! * `bucket.rs`: namespace and buckets;
//! * `object.rs`: objects, rename, versions, copy;
//! * `multipart.rs`: multipart uploads and their parts;
//! * `retention.rs`: retention rules;
//! * `work_request.rs`: work requests (of CopyObject);
//! * `common.rs`: the path extractors (`NamespacePath`, `BucketPath`, `ObjectPath`,
//!   `RulePath`, which check the namespace) and response helpers they share.

pub mod bucket;
pub mod common;
pub mod multipart;
pub mod object;
pub mod retention;
pub mod work_request;
