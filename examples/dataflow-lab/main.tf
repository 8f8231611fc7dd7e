# The OCI Data Flow lab (../../../shared/lab.md), declared.
#
# The whole lab: the namespace lookup, the input / output / logs buckets and the sample CSV and
# PySpark script uploaded to the input bucket (this file), the dynamic group that matches the
# lab's Data Flow runs and the policy granting it the buckets (iam.tf), and the application with
# one run of it that `terraform apply` waits for (dataflow.tf).
#
# Against the local emulator: `cargo xtask lab` (see README.md).
# Against real OCI: set compartment_ocid and drop oci_endpoint (see README.md).

terraform {
  required_version = ">= 1.11"
  required_providers {
    oci = {
      source = "ocilab/oci"
    }
  }
}

variable "compartment_ocid" {
  description = "Compartment that holds the lab's buckets."
  type        = string
}

variable "config_file_profile" {
  description = "Profile of the OCI config file (OCI_CONFIG_FILE or ~/.oci/config)."
  type        = string
  default     = "DEFAULT"
}

variable "oci_endpoint" {
  description = "Base URL of an OCI-compatible endpoint such as the local emulator; null for real OCI."
  type        = string
  default     = null
}

variable "name_prefix" {
  description = "Prefix of every bucket name (bucket names are unique per namespace)."
  type        = string
  default     = "dataflow-lab"
}

provider "oci" {
  config_file_profile = var.config_file_profile
  endpoint            = var.oci_endpoint
}

data "oci_objectstorage_namespace" "this" {
  compartment_id = var.compartment_ocid
}

locals {
  namespace = data.oci_objectstorage_namespace.this.namespace

  # The oci://bucket@namespace/path URIs Data Flow takes, built by the provider's function so a
  # typo in a bucket name or a missing `@` is an error at plan time, not a FAILED run.
  input_uri  = provider::oci::oci_uri(oci_objectstorage_bucket.lab["input"].name, local.namespace, oci_objectstorage_object.sales_csv.object)
  script_uri = provider::oci::oci_uri(oci_objectstorage_bucket.lab["input"].name, local.namespace, oci_objectstorage_object.etl_script.object)
  output_uri = provider::oci::oci_uri(oci_objectstorage_bucket.lab["output"].name, local.namespace, "curated/sales_parquet/")
  logs_uri   = provider::oci::oci_uri(oci_objectstorage_bucket.lab["logs"].name, local.namespace, "")
}

# Input data and the script, output Parquet, and logs kept apart from the data on purpose.
resource "oci_objectstorage_bucket" "lab" {
  for_each = toset(["input", "output", "logs"])

  compartment_id = var.compartment_ocid
  namespace      = local.namespace
  name           = "${var.name_prefix}-${each.key}"
  access_type    = "NoPublicAccess"
  freeform_tags  = { lab = "dataflow" }

  # The lab writes Parquet output and logs into these buckets; let `terraform destroy` clean up.
  force_destroy = true
}

resource "oci_objectstorage_object" "sales_csv" {
  namespace    = local.namespace
  bucket       = oci_objectstorage_bucket.lab["input"].name
  object       = "sales.csv"
  source       = "${path.module}/files/sales.csv"
  content_type = "text/csv"
}

resource "oci_objectstorage_object" "etl_script" {
  namespace    = local.namespace
  bucket       = oci_objectstorage_bucket.lab["input"].name
  object       = "scripts/etl_sales.py"
  source       = "${path.module}/files/etl_sales.py"
  content_type = "text/x-python"
}

output "namespace" {
  value = local.namespace
}

output "input_uri" {
  description = "Where the Data Flow application reads the CSV."
  value       = local.input_uri
}

output "script_uri" {
  value = local.script_uri
}

output "output_uri" {
  description = "A prefix (ending in /): Spark writes part-*.parquet and _SUCCESS under it."
  value       = local.output_uri
}

output "logs_uri" {
  description = "The run's driver logs land under <run OCID>/ here."
  value       = local.logs_uri
}
