//! `provider::oci::parse_oci_uri(uri)`: an Object Storage URI split into its parts.

use std::collections::BTreeMap;

use tfplugin::cty::{Type, Val};
use tfplugin::function::{Function, FunctionError, Parameter, Signature};

use super::{OciUri, string_arg};

pub struct ParseOciUri;

impl Function for ParseOciUri {
    fn name(&self) -> &'static str {
        "parse_oci_uri"
    }

    fn signature(&self) -> Signature {
        Signature {
            summary: "Splits an Object Storage URI into bucket, namespace, region and object"
                .into(),
            description:
                "Parses `oci://<bucket>@<namespace>/<object>` (the form Data Flow and the \
                          HDFS connector use) into an object with `bucket`, `namespace`, `region` \
                          (the `.<region>` after the namespace, or null when the URI names none) \
                          and `object` (the object name or prefix; empty for the bucket itself). \
                          A malformed URI is an error that says which part is wrong."
                    .into(),
            parameters: vec![Parameter::new(
                "uri",
                Type::String,
                "The URI, e.g. `oci://dataflow-lab-input@mynamespace/sales.csv`.",
            )],
            returns: result_type(),
        }
    }

    fn call(&self, args: &[Val]) -> Result<Val, FunctionError> {
        let uri = OciUri::parse(string_arg(args, 0)?).map_err(|e| FunctionError::argument(0, e))?;
        Ok(Val::Map(BTreeMap::from([
            ("bucket".to_string(), Val::String(uri.bucket)),
            ("namespace".to_string(), Val::String(uri.namespace)),
            (
                "region".to_string(),
                uri.region.map_or(Val::Null, Val::String),
            ),
            ("object".to_string(), Val::String(uri.object)),
        ])))
    }
}

fn result_type() -> Type {
    Type::Object(
        ["bucket", "namespace", "region", "object"]
            .into_iter()
            .map(|k| (k.to_string(), Type::String))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_every_part_with_a_null_region_when_absent() {
        let v = ParseOciUri
            .call(&[Val::String("oci://in@ns1/data/sales.csv".into())])
            .unwrap();
        assert_eq!(v.attr("bucket"), &Val::String("in".into()));
        assert_eq!(v.attr("namespace"), &Val::String("ns1".into()));
        assert_eq!(v.attr("region"), &Val::Null);
        assert_eq!(v.attr("object"), &Val::String("data/sales.csv".into()));
    }

    #[test]
    fn a_bad_uri_is_an_error_about_the_first_argument() {
        let e = ParseOciUri
            .call(&[Val::String("https://example.com/x".into())])
            .unwrap_err();
        assert_eq!(e.argument, Some(0));
        assert!(e.text.contains("must have the form oci://"), "{e}");
    }
}
