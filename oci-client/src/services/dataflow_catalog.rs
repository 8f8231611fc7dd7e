//! What OCI Data Flow supports: Spark versions, languages, types, shapes and flexible-shape limits.
//!
//! The provider warns or fails at plan time from these lists. The emulator keeps its own copy
//! (`emulator/src/services/dataflow/catalog.rs`) because it must not depend on `oci-client`
//! (DESIGN.md: the two sides are written apart so one mistake cannot pass both);
//! `acceptance-tests/tests/dataflow_catalog.rs` fails when the two copies disagree, so this is one
//! list in effect.
//!
//! Sources: the Data Flow documentation's "Supported Spark versions" and "Supported compute
//! shapes" pages, and the Compute documentation's flexible shape limits.

/// `language` of an application (oci-api.md §4).
pub const LANGUAGES: &[&str] = &["SCALA", "JAVA", "PYTHON", "SQL"];

/// `type` of an application or run.
pub const APPLICATION_TYPES: &[&str] = &["BATCH", "STREAMING", "SESSION"];

/// Spark versions Data Flow runs, oldest first.
pub const SPARK_VERSIONS: &[&str] = &["2.4.4", "3.0.2", "3.2.1", "3.5.0"];

/// Fixed shapes: the shape alone sets OCPUs and memory; a shape config is not allowed.
pub const FIXED_SHAPES: &[&str] = &[
    "VM.Standard2.1",
    "VM.Standard2.2",
    "VM.Standard2.4",
    "VM.Standard2.8",
    "VM.Standard2.16",
    "VM.Standard2.24",
    "VM.Standard.E2.1",
    "VM.Standard.E2.2",
    "VM.Standard.E2.4",
    "VM.Standard.E2.8",
];

/// A flexible shape and the bounds of its shape config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlexShape {
    pub name: &'static str,
    /// OCPUs: 1 to this.
    pub max_ocpus: f64,
    /// Memory in GB: 1 to this in total …
    pub max_memory_gbs: f64,
    /// … and at most this many GB per OCPU.
    pub max_memory_gbs_per_ocpu: f64,
}

/// Flexible shapes: they need `ocpus` and `memory_in_gbs` in the matching shape config.
pub const FLEX_SHAPES: &[FlexShape] = &[
    flex("VM.Standard.E3.Flex", 64.0, 1024.0),
    flex("VM.Standard.E4.Flex", 64.0, 1024.0),
    flex("VM.Standard.E5.Flex", 94.0, 1049.0),
    flex("VM.Standard3.Flex", 32.0, 512.0),
    flex("VM.Optimized3.Flex", 18.0, 256.0),
    flex("VM.Standard.A1.Flex", 80.0, 512.0),
];

const fn flex(name: &'static str, max_ocpus: f64, max_memory_gbs: f64) -> FlexShape {
    FlexShape {
        name,
        max_ocpus,
        max_memory_gbs,
        max_memory_gbs_per_ocpu: 64.0,
    }
}

/// The flexible shape called `name`, if it is one.
pub fn flex_shape(name: &str) -> Option<&'static FlexShape> {
    FLEX_SHAPES.iter().find(|s| s.name == name)
}

/// True for a shape Data Flow accepts (fixed or flexible).
pub fn is_known_shape(name: &str) -> bool {
    FIXED_SHAPES.contains(&name) || flex_shape(name).is_some()
}

/// Every shape name, fixed ones first (for messages).
pub fn all_shape_names() -> Vec<&'static str> {
    FIXED_SHAPES
        .iter()
        .copied()
        .chain(FLEX_SHAPES.iter().map(|s| s.name))
        .collect()
}

impl FlexShape {
    /// OCPUs must lie in `1..=max_ocpus`.
    pub fn ocpus_ok(&self, ocpus: f64) -> bool {
        (1.0..=self.max_ocpus).contains(&ocpus)
    }

    /// The most memory `ocpus` OCPUs of this shape can have.
    pub fn max_memory_for(&self, ocpus: f64) -> f64 {
        self.max_memory_gbs
            .min(ocpus * self.max_memory_gbs_per_ocpu)
    }

    /// Memory must lie in `1..=max_memory_for(ocpus)`.
    pub fn memory_ok(&self, ocpus: f64, memory_gbs: f64) -> bool {
        (1.0..=self.max_memory_for(ocpus)).contains(&memory_gbs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flex_limits() {
        let e4 = flex_shape("VM.Standard.E4.Flex").unwrap();
        assert!(e4.ocpus_ok(1.0) && e4.ocpus_ok(64.0));
        assert!(!e4.ocpus_ok(0.5) && !e4.ocpus_ok(65.0));
        assert!(e4.memory_ok(1.0, 16.0));
        assert!(!e4.memory_ok(1.0, 65.0));
        assert_eq!(e4.max_memory_for(64.0), 1024.0);
        assert!(!e4.memory_ok(64.0, 2000.0));
        assert!(flex_shape("VM.Standard2.1").is_none());
        assert!(is_known_shape("VM.Standard2.1") && is_known_shape("VM.Standard.A1.Flex"));
        assert!(!is_known_shape("VM.Standard.E9.Flex"));
    }

    #[test]
    fn spark_versions_are_sorted_and_unique() {
        let mut v = SPARK_VERSIONS.to_vec();
        v.dedup();
        assert_eq!(v, SPARK_VERSIONS);
        assert!(SPARK_VERSIONS.contains(&"3.5.0"));
    }
}
