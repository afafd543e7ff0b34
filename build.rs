//! Records the git commit the binary is built from, for `kubectl deny version`.
use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let commit = std::env::var("KUBECTL_DENY_GIT_COMMIT").ok().or(commit).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=KUBECTL_DENY_GIT_COMMIT={commit}");
    println!("cargo:rerun-if-env-changed=KUBECTL_DENY_GIT_COMMIT");
    // Rebuild when HEAD moves (a commit, a checkout), so the recorded commit stays true.
    for path in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
