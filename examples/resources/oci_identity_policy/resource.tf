variable "tenancy_ocid" {
  type = string
}

variable "compartment_ocid" {
  type = string
}

resource "oci_identity_dynamic_group" "runs" {
  compartment_id = var.tenancy_ocid
  name           = "example-policy-runs"
  description    = "Data Flow runs allowed by the example policy"
  matching_rule  = "ALL {resource.type = 'dataflowrun', resource.compartment.id = '${var.compartment_ocid}'}"
}

# Statements are checked at plan time and compared by meaning, statement by statement: the way
# the service rewrites them (spacing, keyword and compartment-name case) never shows as a change.
resource "oci_identity_policy" "example" {
  compartment_id = var.compartment_ocid
  name           = "example-dataflow-access"
  description    = "Lets the example's Data Flow runs read and write its buckets"
  statements = [
    "Allow dynamic-group ${oci_identity_dynamic_group.runs.name} to read buckets in compartment id ${var.compartment_ocid}",
    "Allow dynamic-group ${oci_identity_dynamic_group.runs.name} to manage objects in compartment id ${var.compartment_ocid} where target.bucket.name = 'example-bucket'",
  ]

  freeform_tags = { team = "data" }
}
