# The Data Flow half of the lab: the application that runs the ETL script over the sales CSV,
# and one run of it that `terraform apply` waits for.

resource "oci_dataflow_application" "sales_etl" {
  compartment_id = var.compartment_ocid
  display_name   = "dataflow-sales-etl"
  description    = "Lab ETL: sales.csv to Parquet, each order labelled by size."
  language       = "PYTHON"
  spark_version  = "3.5.0"
  file_uri       = "oci://${oci_objectstorage_bucket.lab["input"].name}@${local.namespace}/${oci_objectstorage_object.etl_script.object}"
  arguments = [
    "oci://${oci_objectstorage_bucket.lab["input"].name}@${local.namespace}/${oci_objectstorage_object.sales_csv.object}",
    "oci://${oci_objectstorage_bucket.lab["output"].name}@${local.namespace}/curated/sales_parquet/",
  ]
  logs_bucket_uri = "oci://${oci_objectstorage_bucket.lab["logs"].name}@${local.namespace}/"

  # The smallest flexible shapes.
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

  freeform_tags = { lab = "dataflow" }
}

# Waits for the run: a FAILED run fails the apply with its reason and the end of the driver's
# logs. Editing the script or the data starts a new run; otherwise a finished run stays as it is.
resource "oci_dataflow_invoke_run" "sales_etl" {
  compartment_id = var.compartment_ocid
  application_id = oci_dataflow_application.sales_etl.id
  display_name   = "dataflow-sales-etl-run"
  asynchronous   = false

  depends_on = [oci_objectstorage_object.sales_csv]
  lifecycle {
    replace_triggered_by = [oci_objectstorage_object.etl_script, oci_objectstorage_object.sales_csv]
  }
}

output "run_state" {
  description = "SUCCEEDED when the ETL ran; FAILED runs fail the apply instead."
  value       = oci_dataflow_invoke_run.sales_etl.state
}
