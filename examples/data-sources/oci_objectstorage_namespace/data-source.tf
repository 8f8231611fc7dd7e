# The tenancy's Object Storage namespace; every oci://bucket@namespace/path URI needs it.
data "oci_objectstorage_namespace" "ns" {}

output "namespace" {
  value = data.oci_objectstorage_namespace.ns.namespace
}
