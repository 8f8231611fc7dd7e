//! The provider binary Terraform starts: everything happens in `tfplugin::serve`.

fn main() -> std::process::ExitCode {
    tfplugin::serve(terraform_provider_oci::OciProvider)
}
