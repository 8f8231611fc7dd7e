# Runs are imported by OCID.
terraform import oci_dataflow_invoke_run.hello "ocid1.dataflowrun.oc1.<region>.<unique_id>"
