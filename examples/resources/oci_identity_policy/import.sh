# Policies are imported by their OCID
terraform import oci_identity_policy.example "<policy_ocid>"
