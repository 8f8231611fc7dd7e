# Against real OCI: credentials from ~/.oci/config (profile DEFAULT), as the official provider.
provider "oci" {
  region              = "us-ashburn-1"
  config_file_profile = "DEFAULT"
}

# Against the local emulator: its config file (OCI_CONFIG_FILE=<data-dir>/config) and endpoint.
provider "oci" {
  alias               = "emulator"
  config_file_profile = "EMULATOR"
  endpoint            = "http://127.0.0.1:4599"
}
