# The prefix a Spark job writes its Parquet output under.
output "output_uri" {
  # "oci://dataflow-lab-output@mynamespace/curated/sales_parquet/"
  value = provider::oci::oci_uri("dataflow-lab-output", "mynamespace", "curated/sales_parquet/")
}
