# Applications are imported by OCID.
terraform import oci_dataflow_application.sales_etl "ocid1.dataflowapplication.oc1.<region>.<unique_id>"
