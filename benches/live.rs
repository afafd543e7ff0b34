//! `cargo bench --bench live`: live commands against an API server 50 ms away (issue 16, item 3).
//!
//! The loopback API server of the live tests (`tests/support`) holds the example cluster of
//! `examples/` and delays every response by `KUBECTL_DENY_BENCH_LATENCY_MS` (default 50), as a
//! distant API server does. Then, back to back and in turns so that a loaded machine slows both
//! alike, the release binary's `why` between two pods and `kubectl get pod NAME` with the same
//! kubeconfig (kubectl's discovery cache warmed by a first run, as on a workstation); when no
//! `kubectl` is installed (CI), that comparison is skipped. `list`, `matrix` and `audit --flows`
//! are timed too. Each command runs `KUBECTL_DENY_BENCH_RUNS` times (default 7): the median wall
//! time, the requests the command made, and that time in latencies (the wall time over the
//! delay per response: the round trips the command waits for, plus its own start and work).
//! `KUBECTL_DENY_BENCH_VERBOSE=1` prints each command's requests.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{ApiServer, Fault, Fixture};

const FROM: &str = "production/frontend-6d8f7c9b5-2lq8x";
const TO: &str = "production/api-7b9c5d4f6-kx7mn:8080";

fn examples() -> Fixture {
    Fixture::new().yaml_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"))
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One timed command against the server.
struct Bench {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    times: Vec<Duration>,
    requests: usize,
    /// The requests of the last run, one per line.
    lines: String,
}

impl Bench {
    fn new(name: &str, program: &Path, args: &[&str]) -> Bench {
        Bench {
            name: name.to_string(),
            program: program.to_path_buf(),
            args: args.iter().map(|a| a.to_string()).collect(),
            times: Vec::new(),
            requests: 0,
            lines: String::new(),
        }
    }

    fn run(&mut self, server: &ApiServer) {
        server.clear_log();
        let started = Instant::now();
        let out = Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .envs(server.env())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", self.program.display()));
        self.times.push(started.elapsed());
        // 0 and 1 are answers (allowed / blocked, nothing cut / some cut).
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{} failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        self.requests = server.requests().len();
        self.lines = server.request_lines();
    }

    fn median(&self) -> Duration {
        let mut times = self.times.clone();
        times.sort();
        times[times.len() / 2]
    }
}

fn main() {
    let latency = Duration::from_millis(env_number("KUBECTL_DENY_BENCH_LATENCY_MS", 50));
    let runs = env_number("KUBECTL_DENY_BENCH_RUNS", 7).max(1);
    let server = ApiServer::start(examples());
    server.inject(Fault::new("*", "*").delay(latency));
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_kubectl-deny"));
    let flows = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/flows/hubble.jsonl");
    let flows = flows.display().to_string();
    let mut benches = vec![
        Bench::new(&format!("kubectl deny why {FROM} {TO}"), &bin, &["why", FROM, TO]),
        Bench::new("kubectl deny list", &bin, &["list"]),
        Bench::new("kubectl deny matrix -n production", &bin, &["matrix", "-n", "production"]),
        Bench::new(
            "kubectl deny audit -n production --flows hubble.jsonl",
            &bin,
            &["audit", "-n", "production", "--flows", &flows],
        ),
    ];
    let kubectl = Path::new("/usr/bin/kubectl");
    let kubectl = if kubectl.exists() {
        Some(kubectl.to_path_buf())
    } else {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("kubectl"))
            .find(|p| p.exists())
    };
    let pod = FROM.split_once('/').expect("namespace/name").1;
    if let Some(kubectl) = &kubectl {
        let mut get = Bench::new(
            &format!("kubectl get pod {pod} -n production"),
            kubectl,
            &["get", "pod", pod, "-n", "production"],
        );
        // The first run fills kubectl's discovery cache under the server's HOME.
        get.run(&server);
        get.times.clear();
        benches.insert(1, get);
    } else {
        println!("live: no kubectl installed: the comparison with `kubectl get pod` is skipped");
    }
    for bench in &mut benches {
        bench.run(&server);
        bench.times.clear();
    }
    for _ in 0..runs {
        for bench in &mut benches {
            bench.run(&server);
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("live: {} ms per response, median of {runs} runs", latency.as_millis());
    let verbose = std::env::var_os("KUBECTL_DENY_BENCH_VERBOSE").is_some();
    for bench in &benches {
        let median = bench.median();
        let rounds = if latency.is_zero() {
            String::new()
        } else {
            format!("  {:.1} latencies", median.as_secs_f64() / latency.as_secs_f64())
        };
        println!("live: {:<60} {:>6.0} ms  {:>2} requests{rounds}", bench.name, ms(median), bench.requests);
        if verbose {
            print!("{}", bench.lines);
        }
    }
    if kubectl.is_some() {
        let (why, get) = (benches[0].median(), benches[1].median());
        println!(
            "live: why / kubectl get pod = {:.2} ({:.0} ms / {:.0} ms; target <= 1.3)",
            why.as_secs_f64() / get.as_secs_f64(),
            ms(why),
            ms(get)
        );
    }
}
