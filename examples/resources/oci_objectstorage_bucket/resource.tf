variable "compartment_ocid" {
  type = string
}

data "oci_objectstorage_namespace" "ns" {}

resource "oci_objectstorage_bucket" "example" {
  compartment_id = var.compartment_ocid
  namespace      = data.oci_objectstorage_namespace.ns.namespace
  name           = "example-bucket"

  access_type  = "NoPublicAccess"
  storage_tier = "Standard"
  versioning   = "Enabled"
  metadata     = { purpose = "example" }

  freeform_tags = { team = "data" }

  retention_rules {
    display_name = "keep-30-days"
    duration {
      time_amount = "30"
      time_unit   = "DAYS"
    }
  }
}
