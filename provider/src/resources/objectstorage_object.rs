//! `oci_objectstorage_object`: one object in a bucket, from inline `content` or a local `source`
//! file.
//!
//! API: PutObject (or, for files above [`oci_client::services::objectstorage::MULTIPART_THRESHOLD`],
//! a multipart upload streamed part by part from disk), HeadObject (read), RenameObject,
//! DeleteObject. Import ID:
//! `n/{namespace}/b/{bucket}/o/{object}` (segments may be percent-encoded; the object may hold `/`).
//!
//! Change detection is by content hash, not file time (the official provider stores the file's
//! mtime, so every fresh checkout re-uploads): at plan time we hash `content` or the `source` file
//! into the MD5 Object Storage will report, and compare it with what the service reports on read.
//! An object overwritten out of band therefore shows as drift, and the next apply puts it back.
//! Content and header changes re-upload in place (PutObject replaces atomically) instead of
//! deleting and re-creating; a name change alone is a RenameObject.

use std::collections::BTreeMap;
use std::path::Path;

use oci_client::services::objectstorage::{
    FileDigest, FileUpload, GetObjectOptions, ObjectBody, ObjectHead, ObjectKey, PutObjectOptions,
    RenameObjectDetails, normalize_md5,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::config_validators::conflicts_with;
use tfplugin::{
    AttributePath, CreateRequest, DeleteRequest, Diagnostics, ImportRequest, ModifyPlan,
    PlanChange, ReadRequest, Resource, Schema, UpdateRequest, ValidateRequest, Value, async_trait,
    validators,
};

use crate::convert::{known, map_value};
use crate::diag::{OrDiag, api_attribute_error, api_error};
use crate::provider::Oci;
use crate::validators as oci;

pub const TYPE_NAME: &str = "oci_objectstorage_object";

/// An object in an Object Storage bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectState {
    /// Terraform ID: `n/{namespace}/b/{bucket}/o/{object}`, segments path-escaped.
    pub id: Value<String>,
    /// Name of the bucket that holds the object.
    pub bucket: Value<String>,
    /// `Cache-Control` header served with the object.
    pub cache_control: Value<String>,
    /// The object's content, inline. Conflicts with `source`. Kept in state as given (mark the
    /// value sensitive in your configuration if it is secret; it never appears in logs).
    pub content: Value<String>,
    /// `Content-Disposition` header served with the object.
    pub content_disposition: Value<String>,
    /// `Content-Encoding` header served with the object.
    pub content_encoding: Value<String>,
    /// `Content-Language` header served with the object.
    pub content_language: Value<String>,
    /// Size of the object in bytes.
    pub content_length: Value<String>,
    /// Base64 MD5 of the object as Object Storage reports it (for multipart uploads
    /// `<md5 of part md5s>-<parts>`). Computed from `content` or `source` at plan time, so a
    /// changed file or an object overwritten outside Terraform shows as a difference. When set,
    /// it is sent as `Content-MD5` and the upload is rejected if the bytes do not match.
    pub content_md5: Value<String>,
    /// Media type; Object Storage defaults to `application/octet-stream`.
    pub content_type: Value<String>,
    /// On destroy, also delete older versions of this object (versioned buckets). Only the
    /// current version is deleted by this provider so far; a warning says so.
    pub delete_all_object_versions: Value<bool>,
    /// User metadata, sent as `opc-meta-*` headers. Keys must be lower case.
    pub metadata: Value<BTreeMap<String, String>>,
    /// Object Storage namespace.
    pub namespace: Value<String>,
    /// Object name; may contain `/`. Changing it renames the object in place.
    pub object: Value<String>,
    /// OCID of a Vault key to encrypt the object with. Changing it uploads the object again.
    pub opc_sse_kms_key_id: Value<String>,
    /// Path of a local file to upload. Conflicts with `content`. Files above 128 MiB are
    /// uploaded in parts, streamed from disk.
    pub source: Value<String>,
    /// `COMPLETED` once the object is stored.
    pub state: Value<String>,
    /// Storage tier: `Standard`, `InfrequentAccess` or `Archive`.
    pub storage_tier: Value<String>,
    /// The object's version id.
    pub version_id: Value<String>,
    /// Always null: copies (`source_uri_details`) are not supported by this provider yet.
    pub work_request_id: Value<String>,
}

pub struct ObjectResource;

#[async_trait]
impl Resource for ObjectResource {
    type State = ObjectState;
    type ProviderData = Oci;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::builder::<ObjectState>()
            .attribute("id", |a| a.computed())
            .attribute("bucket", |a| {
                a.required()
                    .requires_replace()
                    .validator(oci::bucket_name())
            })
            .attribute("cache_control", |a| a.optional())
            .attribute("content", |a| a.optional())
            .attribute("content_disposition", |a| a.optional())
            .attribute("content_encoding", |a| a.optional())
            .attribute("content_language", |a| a.optional())
            .attribute("content_length", |a| a.computed())
            .attribute("content_md5", |a| a.optional().computed())
            .attribute("content_type", |a| {
                a.optional().computed().use_state_for_unknown()
            })
            .attribute("delete_all_object_versions", |a| {
                a.optional().computed().default(false)
            })
            .attribute("metadata", |a| {
                a.optional().validator(oci::lowercase_keys())
            })
            .attribute("namespace", |a| {
                a.required()
                    .requires_replace()
                    .validator(validators::length(1, 256))
            })
            .attribute("object", |a| a.required().validator(oci::object_name()))
            .attribute("opc_sse_kms_key_id", |a| {
                a.optional()
                    .computed()
                    .use_state_for_unknown()
                    .validator(oci::ocid(&["key"]))
            })
            .attribute("source", |a| a.optional())
            .attribute("state", |a| a.computed().use_state_for_unknown())
            .attribute("storage_tier", |a| {
                a.optional()
                    .computed()
                    .use_state_for_unknown()
                    .validator(validators::one_of(&[
                        "Standard",
                        "InfrequentAccess",
                        "Archive",
                    ]))
            })
            .attribute("version_id", |a| a.computed())
            .attribute("work_request_id", |a| a.computed().use_state_for_unknown())
            .config_validator(conflicts_with(&["content", "source"]).detail(
                "Set either content (inline data) or source (a local file path), not both.",
            ))
            .build()
    }

    async fn validate(&self, req: ValidateRequest<ObjectState>, diags: &mut Diagnostics) {
        let c = &req.config;
        if let Some(path) = c.source.as_known() {
            match std::fs::metadata(path) {
                Ok(m) if m.is_file() => {}
                Ok(_) => diags.attribute_error(
                    AttributePath::new("source"),
                    "Source Is Not a File",
                    format!("source {path:?} is not a regular file."),
                ),
                Err(e) => diags.attribute_error(
                    AttributePath::new("source"),
                    "Cannot Read Source File",
                    format!("source {path:?} cannot be read: {e}. Paths are relative to the directory terraform runs in; path.module helps."),
                ),
            }
        }
        if let Some(md5) = c.content_md5.as_known()
            && normalize_md5(md5).is_none()
        {
            diags.attribute_error(
                AttributePath::new("content_md5"),
                "Invalid Content MD5",
                format!("content_md5 must be an MD5 digest in base64 (24 characters) or hex (32 characters); got {md5:?}."),
            );
        }
    }

    async fn modify_plan(&self, req: &mut ModifyPlan<ObjectState, Oci>, diags: &mut Diagnostics) {
        if let PlanChange::Destroy { prior } = &req.change {
            if prior.delete_all_object_versions.as_known() == Some(&true) {
                diags.warning(
                    "Older Object Versions Are Kept",
                    "delete_all_object_versions is set, but this provider deletes only the current \
                     version so far; delete older versions with `oci os object delete --version-id`.",
                );
            }
            return;
        }
        let Some((planned, config, prior)) = req.change.planning() else {
            return;
        };
        if let (Some(ns), Some(b), Some(o)) = (
            planned.namespace.as_known(),
            planned.bucket.as_known(),
            planned.object.as_known(),
        ) {
            planned.id = Value::Known(ObjectKey::new(ns, b, o).to_string());
        }
        // What Object Storage will report for the bytes we will upload.
        let expected = match (&config.content, &config.source) {
            (Value::Known(content), _) => Some(Ok(FileDigest::of_bytes(content.as_bytes()))),
            (Value::Null, Value::Known(path)) => Some(
                FileUpload::default()
                    .expected_digest(Path::new(path))
                    .map_err(|e| {
                        let cause = std::error::Error::source(&e).map(ToString::to_string);
                        format!(
                            "source {path:?} cannot be read: {}",
                            cause.unwrap_or_else(|| e.to_string())
                        )
                    }),
            ),
            (Value::Null, Value::Null) => Some(Ok(FileDigest::of_bytes(b""))),
            _ => None,
        };
        match expected {
            Some(Ok(FileDigest { md5, len })) => {
                if let Some(given) = config.content_md5.as_known()
                    && normalize_md5(given).as_deref() != Some(md5.as_str())
                {
                    diags.attribute_error(
                        AttributePath::new("content_md5"),
                        "Content MD5 Does Not Match",
                        format!("content_md5 is {given:?}, but the content to upload has MD5 {md5:?} (base64)."),
                    );
                }
                if config.content_md5.is_null() {
                    planned.content_md5 = Value::Known(md5);
                }
                planned.content_length = Value::Known(len.to_string());
            }
            Some(Err(message)) => diags.attribute_error(
                AttributePath::new("source"),
                "Cannot Read Source File",
                message,
            ),
            None => {
                if config.content_md5.is_null() {
                    planned.content_md5 = Value::Unknown;
                }
                planned.content_length = Value::Unknown;
            }
        }
        let Some(prior) = prior else {
            return;
        };
        if needs_upload(prior, planned) {
            planned.version_id = Value::Unknown;
        } else {
            planned.version_id = prior.version_id.clone();
            planned.state = prior.state.clone();
            if config.content_type.is_null() {
                planned.content_type = prior.content_type.clone();
            }
            if config.storage_tier.is_null() {
                planned.storage_tier = prior.storage_tier.clone();
            }
        }
    }

    async fn create(
        &self,
        req: CreateRequest<ObjectState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<ObjectState> {
        let plan = &req.planned;
        let client = &req.provider.client;
        let key = object_key(plan);
        let doing = format!(
            "uploading object {:?} to bucket {:?}",
            key.object, key.bucket
        );
        if let Err(e) = upload(client, &key, plan).await {
            report_upload_error(diags, &doing, &e);
            return None;
        }
        read_object(client, &key, plan, diags).await
    }

    async fn read(
        &self,
        req: ReadRequest<ObjectState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<ObjectState> {
        let cur = &req.current;
        read_object(&req.provider.client, &object_key(cur), cur, diags).await
    }

    async fn update(
        &self,
        req: UpdateRequest<ObjectState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<ObjectState> {
        let (prior, plan) = (&req.prior, &req.planned);
        let client = &req.provider.client;
        let (old, new) = (object_key(prior), object_key(plan));
        let (ns, bucket) = (&new.namespace, &new.bucket);
        let (old_name, new_name) = (&old.object, &new.object);
        if needs_upload(prior, plan) {
            let doing = format!("uploading object {new_name:?} to bucket {bucket:?}");
            if let Err(e) = upload(client, &new, plan).await {
                report_upload_error(diags, &doing, &e);
                return read_object(client, &old, prior, &mut Diagnostics::new()).await;
            }
            if old_name != new_name
                && let Err(e) = client.delete_object(ns, bucket, old_name, None).await
                && !e.is_not_found()
            {
                api_error(
                    diags,
                    "Delete Object Error",
                    &format!("removing {old_name:?} after uploading it as {new_name:?}"),
                    &e,
                );
            }
        } else if old_name != new_name {
            let details = RenameObjectDetails {
                source_name: old_name.clone(),
                new_name: new_name.clone(),
                ..Default::default()
            };
            let doing =
                format!("renaming object {old_name:?} to {new_name:?} in bucket {bucket:?}");
            client.rename_object(ns, bucket, &details).await.or_diag(
                diags,
                "Rename Object Error",
                &doing,
            )?;
        }
        read_object(client, &new, plan, diags).await
    }

    async fn delete(&self, req: DeleteRequest<ObjectState, Oci>, diags: &mut Diagnostics) {
        let ObjectKey {
            namespace,
            bucket,
            object,
        } = object_key(&req.prior);
        let client = &req.provider.client;
        match client
            .delete_object(&namespace, &bucket, &object, None)
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => api_error(
                diags,
                "Delete Object Error",
                &format!("deleting object {object:?} from bucket {bucket:?}"),
                &e,
            ),
        }
    }

    async fn import(
        &self,
        req: ImportRequest<Oci>,
        diags: &mut Diagnostics,
    ) -> Option<ObjectState> {
        match req.id.parse::<ObjectKey>() {
            Ok(key) => Some(ObjectState {
                id: Value::Known(key.to_string()),
                namespace: Value::Known(key.namespace),
                bucket: Value::Known(key.bucket),
                object: Value::Known(key.object),
                delete_all_object_versions: Value::Known(false),
                ..Default::default()
            }),
            Err(e) => {
                diags.error("Invalid Import ID", e.to_string());
                None
            }
        }
    }
}

/// Reads the object's headers into state; `None` (no error) when the object or bucket is gone.
async fn read_object(
    client: &oci_client::Client,
    key: &ObjectKey,
    current: &ObjectState,
    diags: &mut Diagnostics,
) -> Option<ObjectState> {
    let doing = format!("reading object {:?} in bucket {:?}", key.object, key.bucket);
    let head = client
        .head_object_opt(
            &key.namespace,
            &key.bucket,
            &key.object,
            &GetObjectOptions::default(),
        )
        .await
        .or_diag(diags, "Read Object Error", &doing)??;
    Some(object_state(key, &head.value, current))
}

/// Uploads the planned bytes: inline `content` in one PutObject, a `source` file through
/// [`oci_client::Client::upload_file`] (multipart above the threshold, with the same part size
/// that predicted its MD5 at plan time).
async fn upload(
    client: &oci_client::Client,
    key: &ObjectKey,
    plan: &ObjectState,
) -> Result<(), oci_client::Error> {
    let options = PutObjectOptions {
        content_type: plan.content_type.as_known().cloned(),
        content_language: plan.content_language.as_known().cloned(),
        content_encoding: plan.content_encoding.as_known().cloned(),
        content_disposition: plan.content_disposition.as_known().cloned(),
        cache_control: plan.cache_control.as_known().cloned(),
        storage_tier: plan.storage_tier.as_known().cloned(),
        metadata: plan.metadata.as_known().cloned().unwrap_or_default(),
        opc_sse_kms_key_id: plan.opc_sse_kms_key_id.as_known().cloned(),
        // The planned MD5 doubles as an integrity check: Object Storage rejects bytes that
        // differ, e.g. a source file edited between plan and apply.
        content_md5: plan.content_md5.as_known().and_then(|m| normalize_md5(m)),
        ..Default::default()
    };
    let bytes = match (&plan.content, &plan.source) {
        (Value::Known(content), _) if plan.source.is_null() => content.clone().into_bytes(),
        (_, Value::Known(path)) => {
            return client
                .upload_file(key, Path::new(path), &options, &FileUpload::default())
                .await
                .map(drop);
        }
        _ => Vec::new(),
    };
    let body = ObjectBody::Bytes(bytes.into());
    client
        .put_object(&key.namespace, &key.bucket, &key.object, body, &options)
        .await
        .map(drop)
}

fn report_upload_error(diags: &mut Diagnostics, doing: &str, e: &oci_client::Error) {
    if e.is_md5_mismatch() {
        api_attribute_error(
            diags,
            AttributePath::new("content_md5"),
            "Uploaded Bytes Do Not Match Their MD5",
            &format!("{doing} (the content or source file changed after plan; run plan again)"),
            e,
        );
    } else {
        api_error(diags, "Upload Object Error", doing, e);
    }
}

/// The object a state names (values the schema makes required, known by apply time).
fn object_key(s: &ObjectState) -> ObjectKey {
    ObjectKey::new(known(&s.namespace), known(&s.bucket), known(&s.object))
}

// ---------------------------------------------------------------------------------------------
// Pure conversions.

/// Whether `planned` differs from `prior` in anything that lives in the object's bytes or headers
/// (as opposed to only its name or Terraform-side settings).
fn needs_upload(prior: &ObjectState, planned: &ObjectState) -> bool {
    planned.content_md5 != prior.content_md5
        || planned.content_md5.is_unknown()
        || planned.cache_control != prior.cache_control
        || planned.content_disposition != prior.content_disposition
        || planned.content_encoding != prior.content_encoding
        || planned.content_language != prior.content_language
        || planned.metadata != prior.metadata
        || (!planned.opc_sse_kms_key_id.is_unknown()
            && planned.opc_sse_kms_key_id != prior.opc_sse_kms_key_id)
        || (!planned.content_type.is_unknown() && planned.content_type != prior.content_type)
        || (!planned.storage_tier.is_unknown() && planned.storage_tier != prior.storage_tier)
}

fn object_state(key: &ObjectKey, head: &ObjectHead, current: &ObjectState) -> ObjectState {
    let server_md5 = head
        .opc_multipart_md5
        .clone()
        .or_else(|| head.content_md5.clone());
    // Keep the user's spelling (hex or base64) of an MD5 that means the same digest.
    let content_md5 = match (&current.content_md5, &server_md5) {
        (Value::Known(mine), Some(theirs))
            if normalize_md5(mine).as_deref() == Some(theirs.as_str()) =>
        {
            Value::Known(mine.clone())
        }
        _ => server_md5.into(),
    };
    ObjectState {
        id: Value::Known(key.to_string()),
        bucket: Value::Known(key.bucket.clone()),
        cache_control: head.cache_control.clone().into(),
        content: current.content.clone(),
        content_disposition: head.content_disposition.clone().into(),
        content_encoding: head.content_encoding.clone().into(),
        content_language: head.content_language.clone().into(),
        content_length: head.content_length.map(|l| l.to_string()).into(),
        content_md5,
        content_type: head.content_type.clone().into(),
        delete_all_object_versions: Value::Known(
            current
                .delete_all_object_versions
                .as_known()
                .copied()
                .unwrap_or(false),
        ),
        metadata: map_value(head.metadata.clone(), &current.metadata),
        namespace: Value::Known(key.namespace.clone()),
        object: Value::Known(key.object.clone()),
        opc_sse_kms_key_id: head.opc_sse_kms_key_id.clone().into(),
        source: current.source.clone(),
        state: Value::Known("COMPLETED".into()),
        storage_tier: head
            .storage_tier
            .clone()
            .or_else(|| Some("Standard".into()))
            .into(),
        version_id: head.version_id.clone().into(),
        work_request_id: Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_keeps_users_md5_spelling_and_config_only_values() {
        let head = ObjectHead {
            content_length: Some(5),
            content_md5: Some("XUFAKrxLKna5cZ2REBfFkg==".into()),
            content_type: Some("text/plain".into()),
            ..Default::default()
        };
        let current = ObjectState {
            content: Value::Known("hello".into()),
            content_md5: Value::Known("5d41402abc4b2a76b9719d911017c592".into()),
            ..Default::default()
        };
        let s = object_state(&ObjectKey::new("ns", "b", "dir/a b.txt"), &head, &current);
        assert_eq!(s.content_md5, current.content_md5);
        assert_eq!(s.content, current.content);
        assert_eq!(s.id, Value::Known("n/ns/b/b/o/dir%2Fa%20b.txt".into()));
        assert_eq!(s.metadata, Value::Null);
        // Overwritten out of band: the service's digest wins, which is the drift.
        let other = ObjectHead {
            content_md5: Some("AAAAAAAAAAAAAAAAAAAAAA==".into()),
            ..head
        };
        assert_eq!(
            object_state(&ObjectKey::new("ns", "b", "x"), &other, &current).content_md5,
            Value::Known("AAAAAAAAAAAAAAAAAAAAAA==".into())
        );
    }

    #[test]
    fn upload_needed_only_for_bytes_or_headers() {
        let prior = ObjectState {
            object: Value::Known("a".into()),
            content_md5: Value::Known("x".into()),
            content_type: Value::Known("text/plain".into()),
            ..Default::default()
        };
        let renamed = ObjectState {
            object: Value::Known("b".into()),
            ..prior.clone()
        };
        assert!(!needs_upload(&prior, &renamed));
        let from_file = ObjectState {
            source: Value::Known("f".into()),
            content: Value::Null,
            ..prior.clone()
        };
        assert!(
            !needs_upload(&prior, &from_file),
            "same bytes from another origin"
        );
        let changed = ObjectState {
            content_md5: Value::Known("y".into()),
            ..prior.clone()
        };
        assert!(needs_upload(&prior, &changed));
    }
}
