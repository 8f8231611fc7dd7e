variable "compartment_ocid" {
  type = string
}

data "oci_objectstorage_namespace" "ns" {}

resource "oci_objectstorage_bucket" "code" {
  compartment_id = var.compartment_ocid
  namespace      = data.oci_objectstorage_namespace.ns.namespace
  name           = "example-run-code"
  force_destroy  = true
}

resource "oci_objectstorage_object" "script" {
  namespace = oci_objectstorage_bucket.code.namespace
  bucket    = oci_objectstorage_bucket.code.name
  object    = "scripts/hello.py"
  content   = "print('hello from Data Flow')\n"
}

resource "oci_dataflow_application" "hello" {
  compartment_id = var.compartment_ocid
  display_name   = "hello"
  language       = "PYTHON"
  spark_version  = "3.5.0"
  file_uri       = "oci://${oci_objectstorage_bucket.code.name}@${oci_objectstorage_bucket.code.namespace}/${oci_objectstorage_object.script.object}"
  driver_shape   = "VM.Standard2.1"
  executor_shape = "VM.Standard2.1"
  num_executors  = 1
}

# One run, waited for: apply ends when the run does. A FAILED run is an error showing the
# reason and the end of the driver's logs, and the next plan replaces it. A SUCCEEDED run stays
# as it is; editing the script starts a new run.
resource "oci_dataflow_invoke_run" "hello" {
  compartment_id = var.compartment_ocid
  application_id = oci_dataflow_application.hello.id
  display_name   = "hello-run"
  asynchronous   = false

  # Changed in place: the run gets more time without starting again.
  max_duration_in_minutes = "30"

  timeouts {
    create = "30m"
  }

  lifecycle {
    replace_triggered_by = [oci_objectstorage_object.script]
  }
}
