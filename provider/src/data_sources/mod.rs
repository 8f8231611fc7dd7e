//! One module per Terraform data source type, named after the type without the `oci_` prefix.
//! [`all`] is the only registry.

pub mod objectstorage_namespace;

use tfplugin::AnyDataSource;

/// Every data source type the provider serves.
pub fn all() -> Vec<AnyDataSource> {
    vec![AnyDataSource::new(
        objectstorage_namespace::NamespaceDataSource,
    )]
}
