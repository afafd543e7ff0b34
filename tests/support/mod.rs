//! Shared harness of the integration tests: running the built binary with a controlled
//! environment, temporary directories, fixture builders, and the loopback API server.
//!
//! Each file under `tests/` compiles this module on its own (`mod support;`), so not every item is
//! used by every test binary. Nothing here sets or reads the test process's own environment: what
//! the binary sees is given per run.
//!
//! A live-cluster test in one screen:
//!
//! ```ignore
//! mod support;
//! use support::fixtures::{namespace, pod};
//! use support::{ApiServer, Fault, Fixture};
//!
//! #[test]
//! fn list_reports_namespaces_without_default_deny() {
//!     let server = ApiServer::start(
//!         Fixture::new()
//!             .object(namespace("prod", &[("team", "a")]))
//!             .object(pod("prod", "web").labels(&[("app", "web")]).ip("10.0.0.5").build())
//!             .yaml(POLICIES_YAML),
//!     );
//!     server.inject(Fault::new("GET", "/api/v1/namespaces/kube-system/*").status(403));
//!     let out = support::run(&["list", "-o", "json"], &server.env());
//!     assert_eq!(out.code, Some(0), "{}", out.describe());
//!     assert!(server.requests().iter().filter(|r| r.method == "GET").all(|r| r.is_metadata_only()));
//!     assert_eq!(server.count("DELETE", "/"), 0);
//! }
//! ```

#![allow(dead_code)]

pub mod apiserver;
pub mod fault;
pub mod fixtures;
pub mod kubeconfig;
mod router;
mod selector;
mod ssa;
mod status;
mod store;

// Re-exported for the test files; not every test binary uses every name.
#[allow(unused_imports)]
pub use apiserver::{ApiServer, Fault, Fixture, KubeconfigSpec, RecordedRequest};

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The binary under test, built by cargo for the integration tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubectl-deny"))
}

/// How long a run may take before the harness kills it and fails the test, so a hung binary
/// (for instance against a server that never answers) cannot hang the suite.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    /// The exit code; None when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Everything, for assertion messages.
    pub fn describe(&self) -> String {
        format!("exit: {:?}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// An empty environment for [`run`] (a bare `&[]` leaves its type unknown).
pub const NO_ENV: &[(&str, &str)] = &[];

/// Runs the binary with `args` and exactly the environment `env`: the child starts from an empty
/// environment, so `KUBECONFIG`, `NO_COLOR`, `TERM` and the rest of the test process's variables
/// never leak in. `HOME` is set to a fresh empty directory unless `env` gives one, so no real
/// `~/.kube/config` is ever read. Standard input is empty.
pub fn run<K: AsRef<str>, V: AsRef<str>>(args: &[&str], env: &[(K, V)]) -> Output {
    run_with_stdin(args, env, "")
}

/// [`run`] with `stdin` fed to the child (for `-f -`).
pub fn run_with_stdin<K: AsRef<str>, V: AsRef<str>>(args: &[&str], env: &[(K, V)], stdin: &str) -> Output {
    let home = TempDir::new("home");
    let mut command = Command::new(bin());
    command.args(args).env_clear().stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if !env.iter().any(|(k, _)| k.as_ref() == "HOME") {
        command.env("HOME", home.path());
    }
    for (key, value) in env {
        command.env(key.as_ref(), value.as_ref());
    }
    let mut child = command.spawn().unwrap_or_else(|e| panic!("spawn {}: {e}", bin().display()));
    let mut stdin_pipe = child.stdin.take().expect("piped stdin");
    let input = stdin.to_string();
    let writer = std::thread::spawn(move || {
        // A child that exits without reading its input closes the pipe; that is not a failure.
        let _ = stdin_pipe.write_all(input.as_bytes());
    });
    let stdout = read_in_background(child.stdout.take().expect("piped stdout"));
    let stderr = read_in_background(child.stderr.take().expect("piped stderr"));
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kubectl-deny {args:?} did not finish within {RUN_TIMEOUT:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    Output {
        status,
        code: status.code(),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// `http://127.0.0.1:PORT` for a port that nothing listens on (bound, then released), for
/// unreachable-cluster tests. Another process could take the port in between, which on a test
/// machine is unlikely enough; prefer [`ApiServer::refuse_connections`] where a server exists.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("the listener's address");
    drop(listener);
    format!("http://{addr}")
}

/// A directory under the system temporary directory, removed with everything in it on drop.
#[derive(Debug)]
pub struct TempDir {
    dir: tempfile::TempDir,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("kubectl-deny-test-{label}-"))
            .tempdir()
            .unwrap_or_else(|e| panic!("create a temporary directory: {e}"));
        TempDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `name` inside the directory and returns the file's path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }
}
