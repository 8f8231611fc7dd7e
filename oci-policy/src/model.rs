//! What the language refers to: resource types a matching rule can name, and (for the
//! evaluator) the permission model.

/// Resource types a dynamic group's `resource.type` may name: the word after `ocid1.` in the
/// OCIDs of resources that can act as resource principals. Compared ignoring case.
const RESOURCE_PRINCIPAL_TYPES: &[&str] = &[
    "apigateway",
    "apmdomain",
    "autonomousdatabase",
    "bastion",
    "certificateauthority",
    "cluster",
    "computecontainerinstance",
    "datacatalog",
    "dataflowapplication",
    "dataflowrun",
    "datasciencejobrun",
    "datasciencemodeldeployment",
    "datasciencenotebooksession",
    "datasciencepipelinerun",
    "devopsbuildpipeline",
    "devopsdeploypipeline",
    "devopsrepository",
    "disworkspace",
    "fnfunction",
    "goldengatedeployment",
    "instance",
    "integrationinstance",
    "managementagent",
    "odainstance",
    "opensearchcluster",
    "resourceschedule",
    "serviceconnector",
    "workload",
];

/// Whether `t` is a resource type an OCI resource principal has (for matching-rule warnings:
/// `dataflowruns` is not one).
pub fn is_known_resource_type(t: &str) -> bool {
    RESOURCE_PRINCIPAL_TYPES
        .iter()
        .any(|k| k.eq_ignore_ascii_case(t))
}
