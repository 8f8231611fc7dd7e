//! `cargo xtask bench`: every figure of BENCHMARKS.md, measured on this machine.
//!
//! - **size**: bytes of the release provider and emulator (`cargo build --release`);
//! - **start**: provider start to handshake line, started as Terraform starts it (magic cookie,
//!   protocol version, a P-521 client certificate like Terraform's), median of many starts;
//! - **refresh**: `terraform plan` (with refresh) of N buckets and N policies at
//!   `-parallelism=10` against the emulator with 20 ms injected on every OCI request, compared
//!   with the round-trip limit N × RTT / parallelism, and the provider's peak RSS; beside it the
//!   CPU floor (Terraform + provider + emulator CPU over the cores: no wall time can be shorter)
//!   and the same plan of as many `terraform_data` resources with Terraform alone;
//! - **emulator**: the emulator's throughput bench (`cargo bench -p oci-emulator`).
//!
//! Each figure is printed with the load average beside it: this machine is shared, and a busy
//! neighbour shows up in wall-clock figures. Nothing here asserts a speed; `tests/bench_smoke.rs`
//! runs the code tiny with debug binaries so it keeps working.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use acceptance_tests::{
    Emulator, Mirror, PROVIDER_ADDRESS, ProviderBinary, Workdir, provider_block,
};

/// Which figures to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    All,
    Size,
    Start,
    Refresh,
    Emulator,
}

/// The two binaries measured.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub provider: PathBuf,
    pub emulator: PathBuf,
}

/// How the refresh is measured.
#[derive(Debug, Clone)]
pub struct RefreshSetup {
    /// Buckets, and as many policies.
    pub n: usize,
    pub parallelism: usize,
    /// Injected on every OCI request (the emulator's fault rules).
    pub latency_ms: u64,
    /// Timed plans; the median is reported.
    pub reps: usize,
    /// Also time Terraform alone on as many `terraform_data` resources.
    pub terraform_alone: bool,
}

/// What one refresh measurement found.
#[derive(Debug, Clone)]
pub struct RefreshFigures {
    pub setup: RefreshSetup,
    /// Terraform resources refreshed (2 N).
    pub resources: usize,
    /// OCI requests the provider made during one refresh.
    pub requests: usize,
    /// Median plan time with the latency.
    pub plan: Duration,
    /// One plan without injected latency: Terraform's and the provider's own time.
    pub plan_no_latency: Duration,
    /// resources × latency / parallelism.
    pub limit: Duration,
    /// Largest VmHWM of any provider process Terraform started during the timed plans, KiB.
    pub provider_peak_rss_kib: u64,
    /// CPU time (user + system) of one timed plan: Terraform's own, its provider processes' and
    /// the emulator's (which shares the machine's cores here).
    pub terraform_cpu: Duration,
    pub provider_cpu: Duration,
    pub emulator_cpu: Duration,
    /// Cores of this machine: the CPU of one plan cannot take less wall time than its sum over these.
    pub cores: usize,
    /// The same plan, as many resources, with Terraform alone (`terraform_data`, no provider
    /// process, no requests): what Terraform's own work costs at this scale.
    pub terraform_alone: Option<TerraformAlone>,
}

/// A refreshing plan of `resources` `terraform_data` instances: wall and CPU time.
#[derive(Debug, Clone)]
pub struct TerraformAlone {
    pub resources: usize,
    pub plan: Duration,
    pub cpu: Duration,
}

impl RefreshFigures {
    pub fn ratio(&self) -> f64 {
        self.plan.as_secs_f64() / self.limit.as_secs_f64()
    }

    /// The least wall time the plan's CPU work needs on this machine, all cores busy all along:
    /// (Terraform + provider + emulator CPU) / cores. Latency can only add to it.
    pub fn cpu_floor(&self) -> Duration {
        (self.terraform_cpu + self.provider_cpu + self.emulator_cpu) / self.cores.max(1) as u32
    }
}

/// `cargo xtask bench [WHAT]`.
pub fn main(
    what: What,
    sizes: &[usize],
    reps: usize,
    build: bool,
    bin_dir: Option<PathBuf>,
) -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is inside the workspace")
        .to_path_buf();
    println!("{}", machine());
    let needs_binaries = what != What::Emulator;
    let build = build && bin_dir.is_none();
    let dir = bin_dir.unwrap_or_else(|| root.join("target/release"));
    let bins = Binaries {
        provider: dir.join("terraform-provider-oci"),
        emulator: dir.join("oci-emulator"),
    };
    if needs_binaries && build {
        let cmd = [
            "build",
            "--release",
            "-p",
            "terraform-provider-oci",
            "-p",
            "oci-emulator",
        ];
        println!("$ cargo {}", cmd.join(" "));
        if !cargo(&root, &cmd) {
            return ExitCode::FAILURE;
        }
    }
    if matches!(what, What::All | What::Size) {
        for bin in [&bins.provider, &bins.emulator] {
            let bytes = std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0);
            println!(
                "size {}: {bytes} bytes ({:.2} MB)  [{}]",
                bin.file_name().unwrap_or_default().to_string_lossy(),
                bytes as f64 / 1e6,
                load()
            );
        }
    }
    if matches!(what, What::All | What::Start) {
        let mut t = handshake_times(&bins.provider, 50);
        t.sort();
        println!(
            "start to handshake line: median {:.1} ms, min {:.1} ms, p90 {:.1} ms (50 starts)  [{}]",
            ms(t[t.len() / 2]),
            ms(t[0]),
            ms(t[t.len() * 9 / 10]),
            load()
        );
    }
    if matches!(what, What::All | What::Refresh) {
        for &n in sizes {
            let f = refresh(
                &bins,
                &RefreshSetup {
                    n,
                    parallelism: 10,
                    latency_ms: 20,
                    reps,
                    terraform_alone: true,
                },
            );
            print_refresh(&f);
        }
    }
    if matches!(what, What::All | What::Emulator) {
        let cmd = ["bench", "-p", "oci-emulator", "--bench", "throughput"];
        println!("$ cargo {}  [{}]", cmd.join(" "), load());
        if !cargo(&root, &cmd) {
            return ExitCode::FAILURE;
        }
        println!("(after the emulator bench)  [{}]", load());
    }
    ExitCode::SUCCESS
}

fn cargo(root: &Path, args: &[&str]) -> bool {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    match Command::new(cargo).args(args).current_dir(root).status() {
        Ok(s) if s.success() => true,
        Ok(s) => {
            eprintln!("cargo {} failed: {s}", args.join(" "));
            false
        }
        Err(e) => {
            eprintln!("cannot run cargo: {e}");
            false
        }
    }
}

pub fn print_refresh(f: &RefreshFigures) {
    let s = &f.setup;
    println!(
        "refresh N={n} ({res} resources, {req} requests), -parallelism={p}, {lat} ms per request: \
         plan {plan:.2} s (median of {reps}; {nolat:.2} s without latency), limit {res} × {lat} ms / {p} \
         = {limit:.2} s, ratio {ratio:.2}; CPU terraform {tcpu:.2} s, provider {pcpu:.2} s; \
         emulator {ecpu:.2} s; CPU floor ({tcpu:.2} + {pcpu:.2} + {ecpu:.2}) s / {cores} cores \
         = {floor:.2} s, ratio {floor_ratio:.2}; provider peak RSS {rss:.1} MiB  [{load}]",
        n = s.n,
        res = f.resources,
        req = f.requests,
        p = s.parallelism,
        lat = s.latency_ms,
        plan = f.plan.as_secs_f64(),
        reps = s.reps,
        nolat = f.plan_no_latency.as_secs_f64(),
        limit = f.limit.as_secs_f64(),
        ratio = f.ratio(),
        rss = f.provider_peak_rss_kib as f64 / 1024.0,
        tcpu = f.terraform_cpu.as_secs_f64(),
        pcpu = f.provider_cpu.as_secs_f64(),
        ecpu = f.emulator_cpu.as_secs_f64(),
        cores = f.cores,
        floor = f.cpu_floor().as_secs_f64(),
        floor_ratio = f.cpu_floor().as_secs_f64() / f.limit.as_secs_f64(),
        load = load(),
    );
    if let Some(t) = &f.terraform_alone {
        println!(
            "  Terraform alone: plan of {res} terraform_data (no provider, no requests) {plan:.2} s, \
             CPU {cpu:.2} s, ratio to the limit above {ratio:.2}  [{load}]",
            res = t.resources,
            plan = t.plan.as_secs_f64(),
            cpu = t.cpu.as_secs_f64(),
            ratio = t.plan.as_secs_f64() / f.limit.as_secs_f64(),
            load = load(),
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// nproc, CPU model and memory, for the report.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kib: u64 = mem
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "machine: {cores} cores ({model}), {:.1} GiB RAM  [{}]",
        kib as f64 / (1024.0 * 1024.0),
        load()
    )
}

/// The 1/5/15-minute load averages.
pub fn load() -> String {
    let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let v: Vec<&str> = l.split_whitespace().take(3).collect();
    format!("load {}", v.join(" "))
}

/// A client certificate like the one Terraform passes in `PLUGIN_CLIENT_CERT` (P-521).
fn client_cert_pem() -> String {
    tfplugin::testing::ClientIdentity::new().pem
}

/// Start the provider `runs` times as Terraform does and time each until its handshake line.
///
/// # Panics
/// When the provider does not print a handshake line.
pub fn handshake_times(provider: &Path, runs: usize) -> Vec<Duration> {
    let cert = client_cert_pem();
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            let mut child = Command::new(provider)
                .env(tfplugin::MAGIC_COOKIE_KEY, tfplugin::MAGIC_COOKIE_VALUE)
                .env("PLUGIN_PROTOCOL_VERSIONS", "6")
                .env("PLUGIN_CLIENT_CERT", &cert)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", provider.display()));
            let mut line = String::new();
            let mut out = BufReader::new(child.stdout.take().expect("stdout"));
            let _ = out.read_line(&mut line);
            let took = started.elapsed();
            let _ = child.kill();
            let _ = child.wait();
            assert!(
                line.starts_with("1|6|unix|"),
                "not a handshake line: {line:?}"
            );
            took
        })
        .collect()
}

/// The configuration: `n` buckets and `n` policies.
fn config(emulator: &Emulator, n: usize) -> String {
    let header = provider_block(emulator.endpoint(), &emulator.info.profile);
    format!(
        r#"{header}
resource "oci_objectstorage_bucket" "b" {{
  count          = {n}
  compartment_id = "{tenancy}"
  namespace      = "{ns}"
  name           = "bench-${{count.index}}"
}}

resource "oci_identity_policy" "p" {{
  count          = {n}
  compartment_id = "{tenancy}"
  name           = "bench-${{count.index}}"
  description    = "refresh benchmark"
  statements     = ["Allow any-user to read buckets in tenancy"]
}}
"#,
        tenancy = emulator.info.tenancy_id,
        ns = emulator.info.namespace,
    )
}

/// Apply `n` buckets and `n` policies (no latency), then time refreshing plans.
///
/// # Panics
/// When a Terraform step fails or a plan is not empty.
pub fn refresh(bins: &Binaries, setup: &RefreshSetup) -> RefreshFigures {
    let data = tempfile::Builder::new()
        .prefix("ocilab-bench")
        .tempdir()
        .expect("temp dir");
    let emulator = Emulator::start_binary(
        &bins.emulator,
        &data.path().join("emulator"),
        &["--lifecycle-ms", "0"],
    );
    emulator.set_iam(serde_json::json!({"propagation_delay_ms": 0, "write_ms": 0}));
    let mirror = Mirror::new(&[ProviderBinary::new(
        PROVIDER_ADDRESS,
        env!("CARGO_PKG_VERSION"),
        &bins.provider,
    )]);
    let mut wd = Workdir::new(&mirror);
    wd.set_env(
        "OCI_CONFIG_FILE",
        &emulator.info.config_file.display().to_string(),
    );
    wd.write_config(&config(&emulator, setup.n));
    wd.init().assert_success();
    let parallelism = format!("-parallelism={}", setup.parallelism);
    wd.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        &parallelism,
    ])
    .assert_success();

    let (plan_no_latency, _) = timed_plan(&wd, &parallelism);
    emulator.add_fault(serde_json::json!({"latency_ms": setup.latency_ms}));
    let mut times = Vec::new();
    let mut peak = 0;
    let mut requests = 0;
    let mut cpu = Cpu::default();
    let mut emulator_cpu = Duration::ZERO;
    for _ in 0..setup.reps.max(1) {
        emulator.clear_requests();
        let before = cpu_time(emulator.pid()).unwrap_or_default();
        let (t, watched) = timed_plan(&wd, &parallelism);
        emulator_cpu = cpu_time(emulator.pid())
            .unwrap_or_default()
            .saturating_sub(before);
        requests = emulator.requests().len();
        times.push(t);
        peak = peak.max(watched.peak_rss_kib);
        cpu = watched;
    }
    times.sort();
    let resources = 2 * setup.n;
    RefreshFigures {
        setup: setup.clone(),
        resources,
        requests,
        plan: times[times.len() / 2],
        plan_no_latency,
        limit: Duration::from_millis(setup.latency_ms) * resources as u32
            / setup.parallelism as u32,
        provider_peak_rss_kib: peak,
        terraform_cpu: cpu.terraform,
        provider_cpu: cpu.provider,
        emulator_cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        terraform_alone: setup
            .terraform_alone
            .then(|| terraform_alone(&mirror, resources, &parallelism)),
    }
}

/// Applies `resources` `terraform_data` instances, then times one refreshing plan of them: the
/// same graph walk, state and plan work in Terraform, without a provider or a round trip.
fn terraform_alone(mirror: &Arc<Mirror>, resources: usize, parallelism: &str) -> TerraformAlone {
    let wd = Workdir::new(mirror);
    wd.write_config(&format!(
        r#"resource "terraform_data" "d" {{
  count = {resources}
  input = "bench-${{count.index}}"
}}
"#
    ));
    wd.init().assert_success();
    wd.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        parallelism,
    ])
    .assert_success();
    let (plan, watched) = timed_plan(&wd, parallelism);
    TerraformAlone {
        resources,
        plan,
        cpu: watched.terraform,
    }
}

/// What the watcher saw of one plan.
#[derive(Debug, Default, Clone, Copy)]
struct Cpu {
    peak_rss_kib: u64,
    terraform: Duration,
    provider: Duration,
}

/// One `terraform plan -detailed-exitcode` (which must find nothing to change): its wall time,
/// the largest peak RSS of the provider processes it started and the CPU times.
fn timed_plan(wd: &Workdir, parallelism: &str) -> (Duration, Cpu) {
    let log = tempfile::NamedTempFile::new().expect("temp file");
    let started = Instant::now();
    let mut child = wd
        .command(&[
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            "-lock=false",
            parallelism,
        ])
        .stdin(Stdio::null())
        .stdout(log.reopen().expect("log"))
        .stderr(log.reopen().expect("log"))
        .spawn()
        .expect("starting terraform");
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let done = Arc::clone(&done);
        let pid = child.id();
        std::thread::spawn(move || watch_provider_peak(pid, &done))
    };
    let status = child.wait().expect("waiting for terraform");
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak = watcher.join().unwrap_or_default();
    assert_eq!(
        status.code(),
        Some(0),
        "the refreshing plan is not empty or failed:\n{}",
        std::fs::read_to_string(log.path()).unwrap_or_default()
    );
    (took, peak)
}

/// Polls `terraform_pid` and its children until `done`: the largest `VmHWM` (KiB) seen for a
/// provider process (its peak RSS so far, so the last reading before it exits counts), and the
/// last CPU times read (so up to one poll interval short).
fn watch_provider_peak(terraform_pid: u32, done: &AtomicBool) -> Cpu {
    let mut seen = Cpu::default();
    let mut provider_cpu = std::collections::BTreeMap::new();
    while !done.load(Ordering::Relaxed) {
        if let Some(t) = cpu_time(terraform_pid) {
            seen.terraform = t;
        }
        for pid in children(terraform_pid) {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            // `comm` is cut at 15 bytes: "terraform-provi".
            if comm.starts_with("terraform-provi") {
                seen.peak_rss_kib = seen.peak_rss_kib.max(vm_hwm_kib(pid).unwrap_or(0));
                if let Some(t) = cpu_time(pid) {
                    provider_cpu.insert(pid, t);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    seen.provider = provider_cpu.values().sum();
    seen
}

/// utime + stime of a live process (`/proc/<pid>/stat`, in clock ticks of 1/100 s).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces; fields count from after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
