//! The workspace's own commands behind `cargo xtask` (see `main.rs`); a library so tests can run
//! them against binaries that are already built.

pub mod bench;
pub mod docs;
pub mod lab;
