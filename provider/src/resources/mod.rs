//! One module per Terraform resource type, named after the type without the `oci_` prefix.
//! [`all`] is the only registry.

pub mod dataflow_application;
pub mod dataflow_invoke_run;
pub mod objectstorage_bucket;
pub mod objectstorage_object;

use tfplugin::AnyResource;

/// Every resource type the provider serves.
pub fn all() -> Vec<AnyResource> {
    vec![
        AnyResource::new(dataflow_application::ApplicationResource),
        AnyResource::new(dataflow_invoke_run::RunResource),
        AnyResource::new(objectstorage_bucket::BucketResource),
        AnyResource::new(objectstorage_object::ObjectResource),
    ]
}
