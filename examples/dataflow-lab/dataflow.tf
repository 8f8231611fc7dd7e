# The Data Flow half of the lab: the application that runs the ETL script over the sales CSV,
# and one run of it that `terraform apply` waits for.

variable "shape" {
  description = "Driver and executor shape (a flexible one: its OCPUs and memory come from the two variables below)."
  type        = string
  default     = "VM.Standard.E4.Flex"
}

variable "shape_ocpus" {
  type    = number
  default = 1
}

variable "shape_memory_in_gbs" {
  type    = number
  default = 16
}

variable "num_executors" {
  type    = number
  default = 1
}

resource "oci_dataflow_application" "sales_etl" {
  compartment_id  = var.compartment_ocid
  display_name    = "dataflow-sales-etl"
  description     = "Lab ETL: sales.csv to Parquet, each order labelled by size."
  language        = "PYTHON"
  spark_version   = "3.5.0"
  file_uri        = local.script_uri
  arguments       = [local.input_uri, local.output_uri]
  logs_bucket_uri = local.logs_uri

  driver_shape = var.shape
  driver_shape_config {
    ocpus         = var.shape_ocpus
    memory_in_gbs = var.shape_memory_in_gbs
  }
  executor_shape = var.shape
  executor_shape_config {
    ocpus         = var.shape_ocpus
    memory_in_gbs = var.shape_memory_in_gbs
  }
  num_executors = var.num_executors

  freeform_tags = { lab = "dataflow" }
}

# Waits for the run: a FAILED run fails the apply with its reason and the end of the driver's
# logs. Editing the script or the data starts a new run; otherwise a finished run stays as it is.
# The run acts as its own resource principal: it starts only once the policy granting the
# dynamic group the buckets exists (nothing else orders the two), or it fails not authorized.
resource "oci_dataflow_invoke_run" "sales_etl" {
  compartment_id = var.compartment_ocid
  application_id = oci_dataflow_application.sales_etl.id
  display_name   = "dataflow-sales-etl-run"
  asynchronous   = false

  depends_on = [oci_objectstorage_object.sales_csv, oci_identity_policy.runs]
  lifecycle {
    replace_triggered_by = [oci_objectstorage_object.etl_script, oci_objectstorage_object.sales_csv]
  }
}

output "run_state" {
  description = "SUCCEEDED when the ETL ran; FAILED runs fail the apply instead."
  value       = oci_dataflow_invoke_run.sales_etl.state
}
