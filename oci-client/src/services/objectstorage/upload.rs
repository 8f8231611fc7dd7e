//! Uploading a local file the way Object Storage will report it: one PutObject up to a
//! threshold, a multipart upload in fixed-size parts above it. The MD5 the service will report
//! (`Content-MD5`, or for multipart `<md5 of the parts' md5s>-<parts>`) is predicted here, from
//! the same [`FileUpload`] sizes the upload uses, so the prediction and the upload cannot
//! disagree about part boundaries.

use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use md5::{Digest, Md5};

use super::{
    CreateMultipartUploadDetails, MultipartFileOptions, ObjectBody, ObjectKey, PutObjectOptions,
};
use crate::client::{Client, Response};
use crate::error::{Error, Result};

/// Files larger than this go up as a multipart upload (the official provider's threshold).
pub const MULTIPART_THRESHOLD: u64 = 128 * 1024 * 1024;
/// Size of each multipart part. Parts are streamed from disk, so memory use does not depend on it.
pub const MULTIPART_PART_SIZE: u64 = 64 * 1024 * 1024;

/// How [`Client::upload_file`] splits a file; [`FileUpload::default`] is what the provider uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileUpload {
    /// Files strictly larger than this are uploaded in parts.
    pub multipart_threshold: u64,
    /// Bytes per part (more than zero).
    pub part_size: u64,
}

impl Default for FileUpload {
    fn default() -> Self {
        Self {
            multipart_threshold: MULTIPART_THRESHOLD,
            part_size: MULTIPART_PART_SIZE,
        }
    }
}

/// What Object Storage will report for uploaded bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    /// Base64 MD5, or for a multipart upload `<base64 md5 of the part md5s>-<parts>`.
    pub md5: String,
    /// Length in bytes.
    pub len: u64,
}

impl FileDigest {
    /// The digest of bytes sent in one PutObject (inline content).
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self {
            md5: md5_base64(bytes),
            len: bytes.len() as u64,
        }
    }
}

impl FileUpload {
    /// Whether a file of `len` bytes is uploaded in parts.
    pub fn is_multipart(&self, len: u64) -> bool {
        len > self.multipart_threshold
    }

    /// The digest Object Storage will report once `path` is uploaded with these sizes. Streams
    /// the file; never holds it in memory.
    pub fn expected_digest(&self, path: &Path) -> Result<FileDigest> {
        let err = |source: std::io::Error| Error::Body {
            operation: "HashFile".into(),
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(err)?;
        let len = file.metadata().map_err(err)?.len();
        let mut buf = vec![0u8; 1024 * 1024];
        if !self.is_multipart(len) {
            let mut h = Md5::new();
            loop {
                let n = file.read(&mut buf).map_err(err)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            return Ok(FileDigest {
                md5: B64.encode(h.finalize()),
                len,
            });
        }
        self.check_part_size("HashFile")?;
        let mut parts = Md5::new();
        let mut count = 0u32;
        let mut remaining = len;
        while remaining > 0 {
            let mut part = Md5::new();
            let mut left = self.part_size.min(remaining);
            remaining -= left;
            while left > 0 {
                let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
                let n = file.read(&mut buf[..want]).map_err(err)?;
                if n == 0 {
                    return Err(err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file shrank while it was being read",
                    )));
                }
                part.update(&buf[..n]);
                left -= n as u64;
            }
            parts.update(part.finalize());
            count += 1;
        }
        Ok(FileDigest {
            md5: format!("{}-{count}", B64.encode(parts.finalize())),
            len,
        })
    }

    fn check_part_size(&self, op: &str) -> Result<()> {
        if self.part_size == 0 {
            return Err(Error::InvalidArgument {
                operation: op.into(),
                field: "part_size".into(),
                message: "must be greater than zero".into(),
            });
        }
        Ok(())
    }
}

/// Base64 MD5 of `bytes` (what Object Storage reports for a single PutObject).
pub fn md5_base64(bytes: &[u8]) -> String {
    B64.encode(Md5::digest(bytes))
}

/// A user-given MD5 in base64 or hex (or a multipart `<base64>-<parts>`), in Object Storage's
/// base64 form; `None` if it is none of these.
pub fn normalize_md5(s: &str) -> Option<String> {
    if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        let bytes: Vec<u8> = (0..16)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<_>>()?;
        return Some(B64.encode(bytes));
    }
    let is_digest = |d: &str| d.len() <= 32 && B64.decode(d).is_ok_and(|b| b.len() == 16);
    if is_digest(s) {
        return Some(s.to_string());
    }
    let multipart = s
        .split_once('-')
        .is_some_and(|(d, n)| is_digest(d) && n.len() <= 5 && n.parse::<u32>().is_ok());
    multipart.then(|| s.to_string())
}

impl Client {
    /// Uploads the file at `path` as `key`: one PutObject (streamed, with `options.content_md5`
    /// checked by the service) up to `how.multipart_threshold`, else a multipart upload in
    /// `how.part_size` parts carrying the same headers and metadata. What the service reports
    /// afterwards matches [`FileUpload::expected_digest`] with the same `how`.
    pub async fn upload_file(
        &self,
        key: &ObjectKey,
        path: &Path,
        options: &PutObjectOptions,
        how: &FileUpload,
    ) -> Result<Response<()>> {
        let len = tokio::fs::metadata(path)
            .await
            .map_err(|source| Error::Body {
                operation: "PutObject".into(),
                path: path.to_path_buf(),
                source,
            })?
            .len();
        if !how.is_multipart(len) {
            let body = ObjectBody::File(path.to_path_buf());
            return self
                .put_object(&key.namespace, &key.bucket, &key.object, body, options)
                .await;
        }
        how.check_part_size("UploadFileMultipart")?;
        let multipart = MultipartFileOptions {
            part_size: how.part_size,
            details: CreateMultipartUploadDetails {
                object: key.object.clone(),
                content_type: options.content_type.clone(),
                content_language: options.content_language.clone(),
                content_encoding: options.content_encoding.clone(),
                content_disposition: options.content_disposition.clone(),
                cache_control: options.cache_control.clone(),
                storage_tier: options.storage_tier.clone(),
                metadata: (!options.metadata.is_empty()).then(|| options.metadata.clone()),
            },
            opc_sse_kms_key_id: options.opc_sse_kms_key_id.clone(),
        };
        self.upload_file_multipart(&key.namespace, &key.bucket, &key.object, path, &multipart)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_forms() {
        // md5("hello") = 5d41402abc4b2a76b9719d911017c592
        assert_eq!(md5_base64(b"hello"), "XUFAKrxLKna5cZ2REBfFkg==");
        assert_eq!(
            normalize_md5("5d41402abc4b2a76b9719d911017c592").as_deref(),
            Some("XUFAKrxLKna5cZ2REBfFkg==")
        );
        assert_eq!(
            normalize_md5("XUFAKrxLKna5cZ2REBfFkg==").as_deref(),
            Some("XUFAKrxLKna5cZ2REBfFkg==")
        );
        assert_eq!(
            normalize_md5("XUFAKrxLKna5cZ2REBfFkg==-3").as_deref(),
            Some("XUFAKrxLKna5cZ2REBfFkg==-3")
        );
        assert_eq!(normalize_md5("nope"), None);
        assert_eq!(
            FileDigest::of_bytes(b"hello"),
            FileDigest {
                md5: "XUFAKrxLKna5cZ2REBfFkg==".into(),
                len: 5
            }
        );
        assert_eq!(normalize_md5("XUFAKrxLKna5cZ2REBfFkg==-x"), None);
    }

    #[test]
    fn small_files_have_a_plain_md5_and_large_ones_the_multipart_form() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello").unwrap();
        let how = FileUpload::default();
        assert_eq!(
            how.expected_digest(&p).unwrap(),
            FileDigest {
                md5: "XUFAKrxLKna5cZ2REBfFkg==".into(),
                len: 5
            }
        );
        // Parts "he", "ll", "o": md5 of the three binary digests, then "-3".
        let small_parts = FileUpload {
            multipart_threshold: 4,
            part_size: 2,
        };
        let mut parts = Md5::new();
        for chunk in [&b"he"[..], b"ll", b"o"] {
            parts.update(Md5::digest(chunk));
        }
        assert_eq!(
            small_parts.expected_digest(&p).unwrap().md5,
            format!("{}-3", B64.encode(parts.finalize()))
        );
        assert!(
            how.expected_digest(&dir.path().join("missing"))
                .unwrap_err()
                .to_string()
                .contains("missing")
        );
        let zero = FileUpload {
            multipart_threshold: 1,
            part_size: 0,
        };
        assert!(zero.expected_digest(&p).is_err());
    }
}
