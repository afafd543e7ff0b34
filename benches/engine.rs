//! `cargo bench`: the engine and the manifest source on synthetic clusters.
//!
//! Inputs come from the generator in `tools/synth` (see `scripts/bench.sh`, which builds them);
//! set `KUBECTL_DENY_BENCH_DIR` to the folder holding `small.json`, `medium.json`, `large.json`
//! (and optionally `xlarge.json`, `xlarge-lean.json`, `calico.json`, `cilium.json`, `huge.json`). Missing inputs are generated on the fly for the small sizes.
//! Each measurement runs a warm-up, then reports the median of several runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kubectl_deny::engine::matrix::{Matrix, PortChoice};
use kubectl_deny::engine::{Endpoint, Engine, Pod, PortQuery, Protocol, coverage};
use kubectl_deny::source::file;

fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut last = f();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        last = f();
        times.push(start.elapsed());
    }
    times.sort();
    (times[times.len() / 2], last)
}

fn input(dir: &Path, preset: &str) -> Option<PathBuf> {
    let path = dir.join(format!("{preset}.json"));
    if path.exists() {
        return Some(path);
    }
    // Small inputs are cheap to make; large ones must be made with scripts/bench.sh.
    if !matches!(preset, "small" | "medium" | "large") {
        return None;
    }
    let status = std::process::Command::new("cargo")
        .args(["run", "--release", "-q", "-p", "kubectl-deny-synth", "--", "--preset", preset, "--out"])
        .arg(&path)
        .status()
        .ok()?;
    status.success().then_some(path)
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let dir = std::env::var_os("KUBECTL_DENY_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-inputs"));
    std::fs::create_dir_all(&dir).expect("bench input folder");
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));

    // `calico` and `cilium`: `large` with 1,000 Calico or Cilium policies (scripts/bench.sh).
    for preset in ["small", "medium", "large", "xlarge", "xlarge-lean", "calico", "cilium", "huge"] {
        if !wanted(preset) {
            continue;
        }
        let Some(path) = input(&dir, preset) else {
            println!("{preset}: no input (run scripts/bench.sh to generate it)");
            continue;
        };
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let runs = if bytes > 500_000_000 { 3 } else { 7 };
        let (t_load, snapshot) =
            median(runs, || file::load(std::slice::from_ref(&path), "default", &mut std::io::empty()).expect("load"));
        println!(
            "{preset}: load {:>8.1} ms  ({:.0} MB/s, {} pods, {} policies)",
            t_load.as_secs_f64() * 1e3,
            bytes as f64 / 1e6 / t_load.as_secs_f64(),
            snapshot.pods.len(),
            snapshot.policies.len()
        );

        let engine = Engine::new(&snapshot);
        let pods: Vec<&Pod> = snapshot.pods.iter().collect();
        let (a, b) = (pods[pods.len() / 3], pods[2 * pods.len() / 3]);
        let (t_why, _) = median(101, || {
            engine.evaluate(Endpoint::Pod(a), Endpoint::Pod(b), PortQuery::Port { port: 8080, protocol: Protocol::Tcp })
        });
        println!("{preset}: why verdict {:>8.3} ms", t_why.as_secs_f64() * 1e3);

        let (t_list, _) = median(runs, || coverage::coverage(&snapshot));
        println!("{preset}: list coverage {:>8.1} ms", t_list.as_secs_f64() * 1e3);

        if pods.len() <= 20_000 {
            let choice = PortChoice::Given(vec![(8080, Protocol::Tcp)]);
            let (t_matrix, m) =
                median(if pods.len() > 5_000 { 1 } else { 3 }, || Matrix::compute(&engine, &pods, &choice));
            println!(
                "{preset}: matrix 1 port {:>8.1} ms  ({} pods, {} groups, {} group pairs)",
                t_matrix.as_secs_f64() * 1e3,
                pods.len(),
                m.groups.len(),
                m.groups.len() * m.groups.len()
            );
        }
    }
}
