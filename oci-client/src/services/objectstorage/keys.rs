//! Typed names of Object Storage things, with the id form the official Terraform provider uses
//! (`n/{namespace}/b/{bucket}` and `n/{namespace}/b/{bucket}/o/{object}`, segments path-escaped
//! like Go's `url.PathEscape`) and its parser for import ids.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A bucket: its namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BucketKey {
    pub namespace: String,
    pub bucket: String,
}

/// An object: its namespace, bucket and name (which may contain `/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    pub namespace: String,
    pub bucket: String,
    pub object: String,
}

impl BucketKey {
    pub fn new(namespace: impl Into<String>, bucket: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            bucket: bucket.into(),
        }
    }

    /// The object `name` in this bucket.
    pub fn object(&self, name: impl Into<String>) -> ObjectKey {
        ObjectKey {
            namespace: self.namespace.clone(),
            bucket: self.bucket.clone(),
            object: name.into(),
        }
    }
}

impl ObjectKey {
    pub fn new(
        namespace: impl Into<String>,
        bucket: impl Into<String>,
        object: impl Into<String>,
    ) -> Self {
        BucketKey::new(namespace, bucket).object(object)
    }

    /// The bucket that holds the object.
    pub fn bucket_key(&self) -> BucketKey {
        BucketKey::new(self.namespace.clone(), self.bucket.clone())
    }
}

/// `n/{namespace}/b/{bucket}`, segments path-escaped.
impl fmt::Display for BucketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "n/{}/b/{}",
            escape(&self.namespace),
            escape(&self.bucket)
        )
    }
}

/// `n/{namespace}/b/{bucket}/o/{object}`, segments path-escaped (a `/` in the name too).
impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/o/{}", self.bucket_key(), escape(&self.object))
    }
}

/// Parses `n/{namespace}/b/{bucket}`; segments may be percent-encoded.
impl FromStr for BucketKey {
    type Err = Error;
    fn from_str(id: &str) -> Result<Self, Error> {
        match split(id) {
            Some((ns, bucket, None)) => Ok(BucketKey::new(ns, bucket)),
            _ => Err(invalid(
                id,
                "n/{namespace}/b/{bucket_name}, e.g. n/axaxnpcrorw5/b/dataflow-lab-input",
            )),
        }
    }
}

/// Parses `n/{namespace}/b/{bucket}/o/{object}`; segments may be percent-encoded, and the
/// object part may hold `/` as it is.
impl FromStr for ObjectKey {
    type Err = Error;
    fn from_str(id: &str) -> Result<Self, Error> {
        match split(id) {
            Some((ns, bucket, Some(object))) => Ok(ObjectKey::new(ns, bucket, object)),
            _ => Err(invalid(
                id,
                "n/{namespace}/b/{bucket}/o/{object} (the object name may contain / and may be \
                 percent-encoded)",
            )),
        }
    }
}

/// Longest id accepted: three names of at most 1 KiB each, percent-encoded, plus separators.
const MAX_ID_LEN: usize = 3 * 3 * 1024 + 16;

fn invalid(id: &str, form: &str) -> Error {
    let shown: String = id.chars().take(200).collect();
    Error::InvalidArgument {
        operation: "ParseId".into(),
        field: "id".into(),
        message: format!("expected an ID of the form {form}; got {shown:?}"),
    }
}

fn split(id: &str) -> Option<(String, String, Option<String>)> {
    if id.len() > MAX_ID_LEN {
        return None;
    }
    let rest = id.strip_prefix("n/")?;
    let (ns, rest) = rest.split_once("/b/")?;
    let (bucket, object) = match rest.split_once("/o/") {
        Some((b, o)) => (b, Some(o)),
        None => (rest, None),
    };
    if ns.is_empty() || bucket.is_empty() || bucket.contains('/') || object == Some("") {
        return None;
    }
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    };
    Some((
        dec(ns)?,
        dec(bucket)?,
        match object {
            Some(o) => Some(dec(o)?),
            None => None,
        },
    ))
}

fn escape(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, PATH_ESCAPE).to_string()
}

/// Go's `url.PathEscape` set: everything but unreserved characters and a few sub-delims.
const PATH_ESCAPE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_ids_format_and_parse() {
        let k = BucketKey::new("ns", "in put");
        assert_eq!(k.to_string(), "n/ns/b/in%20put");
        assert_eq!(k.to_string().parse::<BucketKey>().unwrap(), k);
        assert_eq!(
            "n/ns/b/bkt".parse::<BucketKey>().unwrap(),
            BucketKey::new("ns", "bkt")
        );
        for bad in [
            "",
            "ns/b/x",
            "n/ns/bkt",
            "n//b/x",
            "n/ns/b/",
            "n/ns/b/x/o/y",
        ] {
            assert!(bad.parse::<BucketKey>().is_err(), "{bad}");
        }
    }

    #[test]
    fn object_ids_format_and_parse_with_slashes_and_escapes() {
        let want = ObjectKey::new("ns", "bkt", "scripts/etl sales.py");
        assert_eq!(
            "n/ns/b/bkt/o/scripts/etl sales.py"
                .parse::<ObjectKey>()
                .unwrap(),
            want
        );
        assert_eq!(
            "n/ns/b/bkt/o/scripts%2Fetl%20sales.py"
                .parse::<ObjectKey>()
                .unwrap(),
            want
        );
        let id = ObjectKey::new("ns", "bkt", "a dir/file.csv").to_string();
        assert_eq!(id, "n/ns/b/bkt/o/a%20dir%2Ffile.csv");
        assert_eq!(id.parse::<ObjectKey>().unwrap().object, "a dir/file.csv");
        for bad in [
            "",
            "n/ns/b/x",
            "n/ns/b/x/o/",
            "n//b/x/o/y",
            "n/ns/b/x/o/%ff",
        ] {
            assert!(bad.parse::<ObjectKey>().is_err(), "{bad}");
        }
        assert_eq!(want.bucket_key().object("scripts/etl sales.py"), want);
    }

    #[test]
    fn overlong_ids_are_refused_with_a_bounded_message() {
        let id = format!("n/ns/b/b/o/{}", "x".repeat(20_000));
        let err = id.parse::<ObjectKey>().unwrap_err().to_string();
        assert!(err.contains("expected an ID of the form"), "{err}");
        assert!(
            err.len() < 600,
            "the message quotes a bounded prefix: {}",
            err.len()
        );
    }
}
