//! The throughput bench (`benches/throughput.rs`), run tiny so its code keeps working: every
//! workload runs to the end with every answer as expected (the bench asserts each status).
//! Asserts no speed.

#[allow(dead_code)] // `main` and the printing are the bench's, not used here
#[path = "../benches/throughput.rs"]
mod throughput;

#[test]
fn every_workload_of_the_throughput_bench_completes() {
    let reports = throughput::run_all(&throughput::Args {
        requests: 16,
        concurrency: 4,
        list_objects: 1_100,
        only: Vec::new(),
    });
    let names: Vec<_> = reports.iter().map(|r| (r.name, r.n)).collect();
    assert_eq!(
        names,
        [
            ("signed GetBucket", 16),
            ("signed PutObject (1 KiB)", 16),
            ("mixed (lab's calls)", 16),
            ("ListObjects (1,000/page)", 2),
        ]
    );
    for r in &reports {
        assert_eq!(
            r.latencies.len(),
            r.n,
            "{}: one latency per request",
            r.name
        );
    }
}
