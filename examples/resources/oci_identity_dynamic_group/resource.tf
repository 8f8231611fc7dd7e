variable "tenancy_ocid" {
  description = "Dynamic groups live in the tenancy (root compartment)."
  type        = string
}

variable "compartment_ocid" {
  type = string
}

# Every Data Flow run in the compartment. Written as a heredoc for readability: the rule is
# compared by meaning, so indentation and keyword case never show as a change.
resource "oci_identity_dynamic_group" "example" {
  compartment_id = var.tenancy_ocid
  name           = "example-dataflow-runs"
  description    = "Data Flow runs in the example compartment"
  matching_rule  = <<-EOT
    ALL {
      resource.type = 'dataflowrun',
      resource.compartment.id = '${var.compartment_ocid}'
    }
  EOT

  freeform_tags = { team = "data" }
}
