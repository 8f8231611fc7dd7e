//! The provider's plan-time Data Flow catalog (`oci_client::services::dataflow_catalog`) and the
//! emulator's own (`oci_emulator::services::dataflow::catalog`) are written apart, as DESIGN.md
//! wants for the two sides of the wire; this test is what keeps them one list in effect: a Spark
//! version or shape the provider accepts and the emulator refuses (or the reverse) fails here.

use oci_client::services::dataflow_catalog as provider;
use oci_emulator::services::dataflow::catalog as emulator;

#[test]
fn provider_and_emulator_agree_on_what_data_flow_supports() {
    assert_eq!(provider::LANGUAGES, emulator::LANGUAGES, "languages");
    assert_eq!(
        provider::APPLICATION_TYPES,
        emulator::APPLICATION_TYPES,
        "application types"
    );
    assert_eq!(
        provider::SPARK_VERSIONS,
        emulator::SPARK_VERSIONS,
        "Spark versions"
    );
    assert_eq!(
        provider::FIXED_SHAPES,
        emulator::FIXED_SHAPES,
        "fixed shapes"
    );
    let flex = |name: &str, ocpus: f64, mem: f64, per: f64| format!("{name} {ocpus} {mem} {per}");
    let p: Vec<String> = provider::FLEX_SHAPES
        .iter()
        .map(|s| {
            flex(
                s.name,
                s.max_ocpus,
                s.max_memory_gbs,
                s.max_memory_gbs_per_ocpu,
            )
        })
        .collect();
    let e: Vec<String> = emulator::FLEX_SHAPES
        .iter()
        .map(|s| {
            flex(
                s.name,
                s.max_ocpus,
                s.max_memory_gbs,
                s.max_memory_gbs_per_ocpu,
            )
        })
        .collect();
    assert_eq!(p, e, "flexible shapes and their limits");
}
