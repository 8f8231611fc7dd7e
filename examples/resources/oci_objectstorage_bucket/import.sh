# Buckets are imported by namespace and name: n/{namespace}/b/{bucket_name}
terraform import oci_objectstorage_bucket.example "n/<namespace>/b/example-bucket"
