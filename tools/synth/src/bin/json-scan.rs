//! `json-scan FILE`: the baseline `kubectl deny ... -f` is measured against (issue 6). It reads the
//! file and lets serde_json check every byte of it while building nothing
//! (`serde::de::IgnoredAny`): the least any JSON reader must do. scripts/bench.sh times the whole
//! process; the line printed splits that time into reading and scanning.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde::de::IgnoredAny;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: json-scan FILE\nReads FILE and checks that it is JSON without building anything.");
        return ExitCode::from(2);
    };
    let path = PathBuf::from(path);
    let started = Instant::now();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("json-scan: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let read = started.elapsed();
    if let Err(e) = serde_json::from_slice::<IgnoredAny>(&bytes) {
        eprintln!("json-scan: {} is not JSON: {e}", path.display());
        return ExitCode::from(2);
    }
    let total = started.elapsed();
    let scan = total - read;
    println!(
        "json-scan: {}: {} bytes, read {:.1} ms, scan {:.1} ms ({:.0} MB/s)",
        path.display(),
        bytes.len(),
        read.as_secs_f64() * 1e3,
        scan.as_secs_f64() * 1e3,
        bytes.len() as f64 / 1e6 / scan.as_secs_f64().max(1e-9)
    );
    ExitCode::SUCCESS
}
