//! What the language refers to: resource types a matching rule can name, and (for the
//! evaluator) the permission model.

use crate::statement::Verb;

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

/// Each resource type's permissions with the least verb that grants each one. A verb grants
/// every permission of its own row and the rows below it (inspect ⊂ read ⊂ use ⊂ manage).
///
/// The object-storage rows follow Oracle's "Details for Object Storage" policy reference; the
/// Data Flow rows are our reading of its Data Flow policy page and are the part to re-check
/// against live OCI (oci-api.md tags them [M]).
const PERMISSIONS: &[(&str, &[(&str, Verb)])] = &[
    (
        "buckets",
        &[
            ("BUCKET_INSPECT", Verb::Inspect),
            ("BUCKET_READ", Verb::Read),
            ("BUCKET_UPDATE", Verb::Use),
            ("BUCKET_CREATE", Verb::Manage),
            ("BUCKET_DELETE", Verb::Manage),
            ("PAR_MANAGE", Verb::Manage),
            ("RETENTION_RULE_MANAGE", Verb::Manage),
            ("RETENTION_RULE_LOCK", Verb::Manage),
        ],
    ),
    (
        "objects",
        &[
            ("OBJECT_INSPECT", Verb::Inspect),
            ("OBJECT_READ", Verb::Read),
            ("OBJECT_OVERWRITE", Verb::Use),
            ("OBJECT_CREATE", Verb::Manage),
            ("OBJECT_DELETE", Verb::Manage),
            ("OBJECT_VERSION_DELETE", Verb::Manage),
            ("OBJECT_RESTORE", Verb::Manage),
            ("OBJECT_UPDATE_TIER", Verb::Manage),
        ],
    ),
    (
        "objectstorage-namespaces",
        &[
            ("OBJECTSTORAGE_NAMESPACE_READ", Verb::Inspect),
            ("OBJECTSTORAGE_NAMESPACE_UPDATE", Verb::Manage),
        ],
    ),
    (
        "dataflow-application",
        &[
            ("DATAFLOW_APPLICATION_INSPECT", Verb::Inspect),
            ("DATAFLOW_APPLICATION_READ", Verb::Read),
            ("DATAFLOW_APPLICATION_CREATE", Verb::Manage),
            ("DATAFLOW_APPLICATION_UPDATE", Verb::Manage),
            ("DATAFLOW_APPLICATION_DELETE", Verb::Manage),
            ("DATAFLOW_APPLICATION_MOVE", Verb::Manage),
        ],
    ),
    (
        "dataflow-run",
        &[
            ("DATAFLOW_RUN_INSPECT", Verb::Inspect),
            ("DATAFLOW_RUN_READ", Verb::Read),
            ("DATAFLOW_RUN_CREATE", Verb::Manage),
            ("DATAFLOW_RUN_UPDATE", Verb::Manage),
            ("DATAFLOW_RUN_DELETE", Verb::Manage),
            ("DATAFLOW_RUN_MOVE", Verb::Manage),
        ],
    ),
];

/// Families: a name in a statement that stands for several resource types.
const FAMILIES: &[(&str, &[&str])] = &[
    (
        "object-family",
        &["buckets", "objects", "objectstorage-namespaces"],
    ),
    (
        "dataflow-family",
        &[
            "dataflow-application",
            "dataflow-run",
            "dataflow-private-endpoint",
            "dataflow-pool",
            "dataflow-sqlendpoint",
        ],
    ),
];

/// The least verb that grants `permission` on `resource_type` (both compared ignoring case), or
/// `None` when the permission is not one of that type's in our table.
pub fn least_verb(resource_type: &str, permission: &str) -> Option<Verb> {
    PERMISSIONS
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(resource_type))?
        .1
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(permission))
        .map(|(_, v)| *v)
}

/// Whether a statement's resource type or family `named` covers `resource_type`: the type
/// itself, a family containing it, or `all-resources`.
pub fn covers(named: &str, resource_type: &str) -> bool {
    named.eq_ignore_ascii_case("all-resources")
        || named.eq_ignore_ascii_case(resource_type)
        || FAMILIES.iter().any(|(f, members)| {
            f.eq_ignore_ascii_case(named)
                && members
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(resource_type))
        })
}
