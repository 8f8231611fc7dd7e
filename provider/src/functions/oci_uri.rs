//! `provider::oci::oci_uri(bucket, namespace, path)`: the Object Storage URI of an object or a
//! prefix, with each part checked.

use tfplugin::cty::{Type, Val};
use tfplugin::function::{Function, FunctionError, Parameter, Signature};

use super::{OciUri, check_bucket, check_namespace, check_object, string_arg};

pub struct OciUriFunction;

impl Function for OciUriFunction {
    fn name(&self) -> &'static str {
        "oci_uri"
    }

    fn signature(&self) -> Signature {
        Signature {
            summary: "Builds the oci:// URI of an object or prefix in a bucket".into(),
            description: "Returns `oci://<bucket>@<namespace>/<path>`, the form Data Flow \
                          applications take for their script, arguments and logs bucket. Each \
                          part is checked as Object Storage would: an invalid bucket name, \
                          namespace or object path is an error naming that argument. `path` is \
                          relative to the bucket (no leading `/`); a prefix ends in `/`, and an \
                          empty path names the bucket itself."
                .into(),
            parameters: vec![
                Parameter::new("bucket", Type::String, "The bucket name."),
                Parameter::new(
                    "namespace",
                    Type::String,
                    "The Object Storage namespace (`data.oci_objectstorage_namespace`).",
                ),
                Parameter::new(
                    "path",
                    Type::String,
                    "The object name or prefix inside the bucket, e.g. `scripts/etl.py`.",
                ),
            ],
            returns: Type::String,
        }
    }

    fn call(&self, args: &[Val]) -> Result<Val, FunctionError> {
        let bucket = string_arg(args, 0)?;
        let namespace = string_arg(args, 1)?;
        let path = string_arg(args, 2)?;
        check_bucket(bucket).map_err(|e| FunctionError::argument(0, e))?;
        check_namespace(namespace).map_err(|e| FunctionError::argument(1, e))?;
        if path.starts_with('/') {
            return Err(FunctionError::argument(
                2,
                format!("{path:?} starts with '/'; the path is relative to the bucket"),
            ));
        }
        check_object(path).map_err(|e| FunctionError::argument(2, e))?;
        let uri = OciUri {
            bucket: bucket.to_string(),
            namespace: namespace.to_string(),
            region: None,
            object: path.to_string(),
        };
        Ok(Val::String(uri.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(bucket: &str, namespace: &str, path: &str) -> Result<Val, FunctionError> {
        OciUriFunction.call(&[
            Val::String(bucket.into()),
            Val::String(namespace.into()),
            Val::String(path.into()),
        ])
    }

    #[test]
    fn builds_the_uri_of_an_object_or_prefix() {
        assert_eq!(
            call("out", "ns1", "curated/p/").unwrap(),
            Val::String("oci://out@ns1/curated/p/".into())
        );
        assert_eq!(
            call("logs", "ns1", "").unwrap(),
            Val::String("oci://logs@ns1/".into())
        );
    }

    #[test]
    fn each_bad_part_names_its_argument() {
        assert_eq!(call("b c", "ns", "x").unwrap_err().argument, Some(0));
        assert_eq!(call("b", "n.s", "x").unwrap_err().argument, Some(1));
        assert_eq!(call("b", "ns", "/x").unwrap_err().argument, Some(2));
    }
}
