variable "compartment_ocid" {
  type = string
}

data "oci_objectstorage_namespace" "ns" {}

resource "oci_objectstorage_bucket" "example" {
  compartment_id = var.compartment_ocid
  namespace      = data.oci_objectstorage_namespace.ns.namespace
  name           = "example-objects"
}

# Inline content.
resource "oci_objectstorage_object" "example" {
  namespace    = oci_objectstorage_bucket.example.namespace
  bucket       = oci_objectstorage_bucket.example.name
  object       = "config/settings.json"
  content      = jsonencode({ mode = "batch" })
  content_type = "application/json"
  metadata     = { owner = "data-team" }
}

# A local file; changes are detected by content hash, and files over 128 MiB go up in parts.
resource "oci_objectstorage_object" "from_file" {
  namespace    = oci_objectstorage_bucket.example.namespace
  bucket       = oci_objectstorage_bucket.example.name
  object       = "input/sample.csv"
  source       = "${path.module}/sample.csv"
  content_type = "text/csv"
}
