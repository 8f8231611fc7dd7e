# Dynamic groups are imported by their OCID
terraform import oci_identity_dynamic_group.example "<dynamic_group_ocid>"
