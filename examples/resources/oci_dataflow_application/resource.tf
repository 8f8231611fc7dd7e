variable "compartment_ocid" {
  type = string
}

data "oci_objectstorage_namespace" "ns" {}

locals {
  namespace = data.oci_objectstorage_namespace.ns.namespace
}

# A PySpark job: the script's extension must match the language, every oci:// URI names its
# namespace, and every ${name} in the arguments is a parameter; all checked at plan time.
resource "oci_dataflow_application" "sales_etl" {
  compartment_id = var.compartment_ocid
  display_name   = "sales-etl"
  description    = "Reads the sales CSV and writes it as Parquet."
  language       = "PYTHON"
  spark_version  = "3.5.0"
  file_uri       = "oci://example-code@${local.namespace}/scripts/etl_sales.py"
  arguments      = ["$${input}", "$${output}"]

  parameters {
    name  = "input"
    value = "oci://example-input@${local.namespace}/sales.csv"
  }
  parameters {
    name  = "output"
    value = "oci://example-output@${local.namespace}/curated/"
  }

  # A flexible shape needs its size; fixed shapes such as VM.Standard2.1 take none.
  driver_shape = "VM.Standard.E4.Flex"
  driver_shape_config {
    ocpus         = 1
    memory_in_gbs = 16
  }
  executor_shape = "VM.Standard.E4.Flex"
  executor_shape_config {
    ocpus         = 1
    memory_in_gbs = 16
  }
  num_executors = 1

  logs_bucket_uri         = "oci://example-logs@${local.namespace}/"
  max_duration_in_minutes = "60"
  configuration           = { "spark.sql.shuffle.partitions" = "4" }
  freeform_tags           = { lab = "dataflow" }

  # Destroying the application also ends its runs.
  terminate_runs_on_deletion = true
}
