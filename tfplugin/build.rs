//! Compiles our own declaration of the tfplugin6 protocol and go-plugin's controller service with
//! protox (pure Rust), so no system `protoc` is needed.

fn main() {
    let files = protox::compile(["tfplugin6.proto", "plugin.proto"], ["proto"])
        .expect("the .proto files under tfplugin/proto must compile");
    tonic_prost_build::configure()
        // The client is used only by in-crate protocol tests; the provider itself is a server.
        .build_client(true)
        .build_server(true)
        // RPCs we do not declare, or declare but leave to the default, answer `Unimplemented`.
        .generate_default_stubs(true)
        .compile_fds(files)
        .expect("generating Rust code from the protocol descriptors");
    println!("cargo:rerun-if-changed=proto");
}
