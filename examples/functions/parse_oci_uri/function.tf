# The parts of the URI a Data Flow application reads its script from.
locals {
  script = provider::oci::parse_oci_uri("oci://dataflow-lab-input@mynamespace/scripts/etl_sales.py")
}

output "script_bucket" {
  value = local.script.bucket # "dataflow-lab-input"
}

output "script_object" {
  value = local.script.object # "scripts/etl_sales.py"
}

output "script_region" {
  value = local.script.region # null: the URI names no region
}
