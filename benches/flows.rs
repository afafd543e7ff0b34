//! `cargo bench --bench flows`: reading and aggregating observed flows (`kubectl deny audit
//! --flows`), against the least any reader must do: scanning each line as JSON without building
//! anything (`serde::de::IgnoredAny`), so that the ratio holds on a loaded machine.
//!
//! Inputs come from `tools/synth` in `KUBECTL_DENY_BENCH_DIR` (default `target/bench-inputs`):
//! `large.json` (5,000 pods) and `flows-1m.jsonl`, a million Hubble records cycling through
//! 100,000 distinct flows between its pods, and `flows-250k.jsonl`, a quarter of the records over
//! the same 100,000 flows; all are generated when missing.
//!
//! Then the whole command the issue sizes, `kubectl deny audit -f large.json -A --flows
//! flows-1m.jsonl` (5,000 pods, 100,000 distinct flows), as JSON and as the allows (`-o yaml`),
//! each with its peak memory (GNU `/usr/bin/time`, when installed), and the same audit on the
//! 250,000 records: memory must not grow with the records.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::de::IgnoredAny;

use kubectl_deny::flows;
use kubectl_deny::source::file;

fn synth(args: &[&str], out: &Path) -> bool {
    if out.exists() {
        return true;
    }
    std::process::Command::new("cargo")
        .args(["run", "--release", "-q", "-p", "kubectl-deny-synth", "--"])
        .args(args)
        .arg("--out")
        .arg(out)
        .status()
        .is_ok_and(|s| s.success())
}

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let v = f();
        best = best.min(start.elapsed());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

fn main() {
    let dir = std::env::var_os("KUBECTL_DENY_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-inputs"));
    std::fs::create_dir_all(&dir).expect("bench input folder");
    let cluster = dir.join("large.json");
    let flows_file = dir.join("flows-1m.jsonl");
    let quarter = dir.join("flows-250k.jsonl");
    if !synth(&["--preset", "large"], &cluster)
        || !synth(&["--preset", "large", "--hubble-flows", "1000000", "--distinct-flows", "100000"], &flows_file)
        || !synth(&["--preset", "large", "--hubble-flows", "250000", "--distinct-flows", "100000"], &quarter)
    {
        println!("flows: no input (cargo run -p kubectl-deny-synth failed)");
        return;
    }
    let bytes = std::fs::metadata(&flows_file).map(|m| m.len()).unwrap_or(0);
    let runs = 3;
    let (t_scan, lines) = best(runs, || {
        let mut reader = BufReader::with_capacity(1 << 20, std::fs::File::open(&flows_file).expect("open"));
        let mut buf = Vec::new();
        let mut lines = 0u64;
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf).expect("read") == 0 {
                break;
            }
            let text = std::str::from_utf8(&buf).expect("UTF-8");
            serde_json::from_str::<IgnoredAny>(text.trim()).expect("JSON");
            lines += 1;
        }
        lines
    });
    let mb = bytes as f64 / 1e6;
    println!(
        "flows: bare JSON scan of {lines} lines ({mb:.0} MB): {:.2} s ({:.0} MB/s)",
        t_scan.as_secs_f64(),
        mb / t_scan.as_secs_f64()
    );
    let (t_read, observed) = best(runs, || {
        flows::read(std::slice::from_ref(&flows_file), "default", &mut std::io::empty()).expect("read flows")
    });
    println!(
        "flows: read and aggregate: {:.2} s ({:.0} MB/s, {:.2} M records/s, {:.2}x the scan): {} records, {} \
         endpoints, {} distinct flows",
        t_read.as_secs_f64(),
        mb / t_read.as_secs_f64(),
        observed.records as f64 / 1e6 / t_read.as_secs_f64(),
        t_read.as_secs_f64() / t_scan.as_secs_f64(),
        observed.records,
        observed.ends.len(),
        observed.flows.len()
    );
    let snapshot = file::load(std::slice::from_ref(&cluster), "default", &mut std::io::empty()).expect("load cluster");
    let (t_map, resolved) = best(runs, || flows::map::resolve(&observed, &snapshot, &[]));
    println!(
        "flows: map to workloads: {:.1} ms ({} pods; {} flows between {} peers)",
        t_map.as_secs_f64() * 1e3,
        snapshot.pods.len(),
        resolved.flows.len(),
        resolved.peers.len()
    );
    for (what, flows, output) in [
        ("audit -o json", &flows_file, "json"),
        ("audit -o yaml", &flows_file, "yaml"),
        ("audit -o json", &quarter, "json"),
    ] {
        let (t, rss) = best(runs, || command(&cluster, flows, output));
        let name = flows.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        println!(
            "flows: kubectl deny {what} -f large.json -A --flows {name}: {:.2} s{}",
            t.as_secs_f64(),
            rss.map(|kb| format!(", peak RSS {:.0} MB", kb as f64 / 1e3)).unwrap_or_default()
        );
    }
}

/// One whole `audit` on the generated cluster, stdout dropped; its peak RSS in kB when GNU time
/// is there to say it.
fn command(cluster: &Path, flows: &Path, output: &str) -> Option<u64> {
    let bin = env!("CARGO_BIN_EXE_kubectl-deny");
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut cmd = if gnu_time {
        let mut c = std::process::Command::new("/usr/bin/time");
        c.args(["-f", "%M", bin]);
        c
    } else {
        std::process::Command::new(bin)
    };
    let out = cmd
        .args(["audit", "-A", "-o", output, "-f"])
        .arg(cluster)
        .arg("--flows")
        .arg(flows)
        .stdout(std::process::Stdio::null())
        .output()
        .expect("run kubectl-deny");
    // 0: nothing cut; 1: the kit cuts observed flows. Both are answers.
    assert!(matches!(out.status.code(), Some(0 | 1)), "audit failed: {}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    gnu_time.then(|| stderr.lines().last().and_then(|l| l.trim().parse().ok())).flatten()
}
