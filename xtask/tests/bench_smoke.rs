//! `cargo xtask bench`'s measuring code, run tiny with the debug binaries so it keeps working:
//! the provider starts as Terraform starts it, and a refresh of a few resources under injected
//! latency runs to an empty plan with its requests counted and the provider's memory read, and
//! Terraform alone is timed on as many `terraform_data` resources.
//! Asserts no speed (the figures are in BENCHMARKS.md, measured with release builds).

use acceptance_tests::workspace_binary;
use xtask::bench::{self, Binaries, RefreshSetup};

fn binaries() -> Binaries {
    Binaries {
        provider: workspace_binary("terraform-provider-oci"),
        emulator: workspace_binary("oci-emulator"),
    }
}

#[test]
fn provider_start_is_timed_to_its_handshake_line() {
    let times = bench::handshake_times(&binaries().provider, 2);
    assert_eq!(times.len(), 2);
}

#[test]
fn refresh_bench_plans_empty_and_counts_requests_and_memory() {
    let f = bench::refresh(
        &binaries(),
        &RefreshSetup {
            n: 2,
            parallelism: 10,
            latency_ms: 5,
            reps: 1,
            terraform_alone: true,
        },
    );
    assert_eq!(f.resources, 4);
    // Each bucket is at least a GetBucket and each policy a GetPolicy.
    assert!(f.requests >= 4, "{f:?}");
    assert!(
        f.provider_peak_rss_kib > 0,
        "the provider's memory was read: {f:?}"
    );
    assert_eq!(f.limit, std::time::Duration::from_millis(5 * 4 / 10));
    let alone = f
        .terraform_alone
        .as_ref()
        .expect("Terraform alone was timed");
    assert_eq!(alone.resources, 4);
    assert!(alone.cpu > std::time::Duration::ZERO, "{f:?}");
    bench::print_refresh(&f);
}
