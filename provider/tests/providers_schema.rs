//! The built provider binary, loaded by the real `terraform`, reports our provider schema.

use terraform_provider_oci::{ADDRESS, OciProvider};
use tfplugin::Provider;
use tfplugin::testing::{Mirror, ProviderBinary, Workdir};

#[test]
fn terraform_providers_schema_lists_the_provider_schema() {
    let mirror = Mirror::new(&[ProviderBinary::new(
        ADDRESS,
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_BIN_EXE_terraform-provider-oci"),
    )]);
    let wd = Workdir::new(&mirror);
    wd.write_config(
        "terraform {\n  required_providers {\n    oci = { source = \"ocilab/oci\" }\n  }\n}\n",
    );
    wd.init();
    let out = wd.run(&["providers", "schema", "-json"]);
    out.assert_success();
    let j: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON from terraform");
    let block = &j["provider_schemas"][ADDRESS]["provider"]["block"];
    let attrs = block["attributes"]
        .as_object()
        .expect("provider attributes");

    let mut reported: Vec<String> = attrs.keys().cloned().collect();
    reported.sort();
    assert_eq!(reported, OciProvider.schema().block.names());
    for name in [
        "region",
        "tenancy_ocid",
        "user_ocid",
        "fingerprint",
        "private_key",
        "private_key_path",
        "private_key_password",
        "config_file_profile",
        "auth",
        "retry_duration_seconds",
        "disable_auto_retries",
        "endpoint",
        "service_endpoints",
    ] {
        assert_eq!(attrs[name]["optional"], true, "{name} is optional");
        assert!(
            attrs[name]["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name} has a description"
        );
    }
    assert_eq!(attrs["private_key"]["sensitive"], true);
    assert_eq!(attrs["private_key_password"]["sensitive"], true);
    assert_eq!(attrs["retry_duration_seconds"]["type"], "number");
    assert_eq!(attrs["disable_auto_retries"]["type"], "bool");
    assert_eq!(
        attrs["service_endpoints"]["type"],
        serde_json::json!(["map", "string"])
    );
}
