//! Python venvs for tests: the acceptance-tests crate's cache under the target dir (shared
//! with the acceptance tests and `cargo xtask lab`, so one pyspark install serves all).

#[allow(unused_imports)] // each test binary uses a different subset
pub use acceptance_tests::venv::{cached_venv, run_or_fail};
