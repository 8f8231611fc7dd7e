# Who may read the input and write the output: the lab's Data Flow runs, as a dynamic group,
# and a policy granting that group the lab's buckets (lab.md steps 4 and 5).
#
# IAM writes go to the tenancy's home region whatever `region` says; the provider finds it.

variable "tenancy_ocid" {
  description = "The tenancy (dynamic groups live in the root compartment); defaults to compartment_ocid, which is right when the lab runs in the root compartment."
  type        = string
  default     = null
}

variable "dynamic_group_name" {
  description = "Name of the dynamic group matching the lab's Data Flow runs; defaults to dg-<name_prefix>-runs, so two labs side by side (different name_prefix) never collide on this tenancy-wide name."
  type        = string
  default     = null
}

resource "oci_identity_dynamic_group" "runs" {
  compartment_id = coalesce(var.tenancy_ocid, var.compartment_ocid)
  name           = coalesce(var.dynamic_group_name, "dg-${var.name_prefix}-runs")
  description    = "Data Flow runs of the lab"
  matching_rule  = <<-EOT
    ALL {
      resource.type = 'dataflowrun',
      resource.compartment.id = '${var.compartment_ocid}'
    }
  EOT
  freeform_tags  = { lab = "dataflow" }
}

resource "oci_identity_policy" "runs" {
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-runs-access"
  description    = "Lets the lab's Data Flow runs read their input and write output and logs"
  statements = [
    "Allow dynamic-group ${oci_identity_dynamic_group.runs.name} to read buckets in compartment id ${var.compartment_ocid}",
    "Allow dynamic-group ${oci_identity_dynamic_group.runs.name} to manage objects in compartment id ${var.compartment_ocid}",
  ]
  freeform_tags = { lab = "dataflow" }
}
