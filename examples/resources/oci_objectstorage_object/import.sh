# Objects are imported by namespace, bucket and object name: n/{namespace}/b/{bucket}/o/{object}
# The object name may contain "/" and may be percent-encoded.
terraform import oci_objectstorage_object.example "n/<namespace>/b/example-objects/o/config/settings.json"
