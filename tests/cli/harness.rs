//! Running the built binary the way a user does, in a controlled environment, and asserting its
//! exit status, stdout and stderr together.
//!
//! The child gets a clean environment: no `KUBECONFIG`, a temporary `HOME` (so no
//! `~/.kube/config` is ever read), `NO_COLOR=1` unless a test removes it, and its working
//! directory is `tests/fixtures/cli`, so fixtures are named by their directory (`-f and_vs_or_peers`)
//! and paths in messages are stable. The test process's own environment is never touched.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// `tests/fixtures/cli`, the working directory of every run.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli")
}

/// One invocation of `kubectl-deny`, built up and then `run()`.
pub struct Deny {
    args: Vec<String>,
    env: Vec<(String, Option<String>)>,
    stdin: Option<Vec<u8>>,
    stdout_closed: bool,
}

impl Deny {
    pub fn new(args: &[&str]) -> Self {
        Deny {
            args: args.iter().map(|a| a.to_string()).collect(),
            env: vec![("NO_COLOR".into(), Some("1".into()))],
            stdin: None,
            stdout_closed: false,
        }
    }

    /// Sets (or with `None`, removes) a variable in the child's environment.
    pub fn env(mut self, key: &str, value: Option<&str>) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.map(Into::into)));
        self
    }

    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Gives the child a pipe whose read end is already closed, as `| head -c0` would.
    pub fn stdout_closed(mut self) -> Self {
        self.stdout_closed = true;
        self
    }

    pub fn run(self) -> Run {
        let home = tempfile::tempdir().expect("a temporary HOME");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-deny"));
        cmd.args(&self.args).current_dir(fixtures_dir()).env_clear().env("HOME", home.path());
        for (key, value) in &self.env {
            if let Some(value) = value {
                cmd.env(key, value);
            }
        }
        cmd.stdin(if self.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the kubectl-deny binary starts");
        if let Some(bytes) = &self.stdin {
            let mut stdin = child.stdin.take().expect("piped stdin");
            stdin.write_all(bytes).expect("write stdin");
        }
        if self.stdout_closed {
            drop(child.stdout.take());
        }
        let output = child.wait_with_output().expect("kubectl-deny runs to completion");
        let run = Run {
            command: format!("kubectl deny {}", self.args.join(" ")),
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        run.assert_no_panic();
        run
    }
}

/// `kubectl deny why -f FIXTURE ARGS...`
pub fn why(fixture: &str, args: &[&str]) -> Run {
    let mut all = vec!["why", "-f", fixture];
    all.extend_from_slice(args);
    Deny::new(&all).run()
}

/// `kubectl deny why -f FIXTURE ARGS... -o json`, checked to exit 0 or 1 and parsed.
pub fn why_json(fixture: &str, args: &[&str]) -> Value {
    let mut all = vec!["why", "-f", fixture, "-o", "json"];
    all.extend_from_slice(args);
    let run = Deny::new(&all).run();
    assert!(matches!(run.code, Some(0 | 1)), "{run}");
    assert_eq!(run.stderr, "", "{run}");
    run.json()
}

/// What one invocation did.
pub struct Run {
    pub command: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = self.code.map_or_else(|| "killed by a signal".to_string(), |c| c.to_string());
        write!(f, "$ {}\n[exit {code}]\n--- stdout\n{}--- stderr\n{}", self.command, self.stdout, self.stderr)
    }
}

impl Run {
    fn assert_no_panic(&self) {
        for word in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
            assert!(!self.stderr.contains(word), "the binary panicked:\n{self}");
        }
    }

    /// Exit 0, a verdict on stdout, nothing on stderr.
    #[track_caller]
    pub fn allowed(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected exit 0 (allowed):\n{self}");
        assert_eq!(self.stderr, "", "expected nothing on stderr:\n{self}");
        if !self.command.contains("-o json") && !self.command.contains("-o yaml") {
            assert!(self.stdout.starts_with("ALLOWED  "), "expected the verdict first:\n{self}");
        }
        self
    }

    /// Exit 1, a verdict on stdout, nothing on stderr.
    #[track_caller]
    pub fn blocked(&self) -> &Self {
        assert_eq!(self.code, Some(1), "expected exit 1 (blocked):\n{self}");
        assert_eq!(self.stderr, "", "expected nothing on stderr:\n{self}");
        if !self.command.contains("-o json") && !self.command.contains("-o yaml") {
            assert!(self.stdout.starts_with("BLOCKED  "), "expected the verdict first:\n{self}");
        }
        self
    }

    /// Exit 0 for a command that is not `why`, nothing on stderr.
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected exit 0:\n{self}");
        assert_eq!(self.stderr, "", "expected nothing on stderr:\n{self}");
        self
    }

    /// Exit 2, nothing on stdout, one `error: ` message on stderr.
    #[track_caller]
    pub fn error(&self) -> &Self {
        assert_eq!(self.code, Some(2), "expected exit 2 (error):\n{self}");
        assert_eq!(self.stdout, "", "an error prints nothing on stdout:\n{self}");
        assert!(self.stderr.starts_with("error: "), "expected `error: ` first on stderr:\n{self}");
        assert_eq!(self.stderr.matches("error: ").count(), 1, "expected one error:\n{self}");
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}:\n{self}");
        self
    }

    #[track_caller]
    pub fn stdout_lacks(&self, needle: &str) -> &Self {
        assert!(!self.stdout.contains(needle), "stdout has {needle:?}:\n{self}");
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}:\n{self}");
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(!self.stderr.contains(needle), "stderr has {needle:?}:\n{self}");
        self
    }

    /// The lines of stdout in order: each of `lines` appears, after the previous one.
    #[track_caller]
    pub fn stdout_lines_in_order(&self, lines: &[&str]) -> &Self {
        let mut rest = self.stdout.as_str();
        for line in lines {
            match rest.find(line) {
                Some(at) => rest = &rest[at + line.len()..],
                None => panic!("stdout lacks {line:?} (in this order):\n{self}"),
            }
        }
        self
    }

    /// The section of stdout that starts with `heading` and ends before the next blank line.
    #[track_caller]
    pub fn section(&self, heading: &str) -> String {
        let start = self.stdout.find(heading).unwrap_or_else(|| panic!("no section {heading:?}:\n{self}"));
        let text = &self.stdout[start..];
        text.split("\n\n").next().unwrap_or_default().to_string()
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
}

/// Compares the whole run with `tests/fixtures/cli/expected/NAME.txt`; with `UPDATE_SNAPSHOTS=1`
/// in the test's environment, writes it instead. Output changes are then deliberate and reviewed
/// as a diff of that file.
#[track_caller]
pub fn snapshot(name: &str, run: &Run) {
    let path = fixtures_dir().join("expected").join(format!("{name}.txt"));
    let actual = run.to_string();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v != "0") {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create expected/");
        std::fs::write(&path, &actual).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("no snapshot {} ({e}); run with UPDATE_SNAPSHOTS=1 to create it:\n{actual}", path.display())
    });
    if expected != actual {
        panic!(
            "output of `{}` differs from {}; if the change is deliberate, run with UPDATE_SNAPSHOTS=1\n{}",
            run.command,
            path.display(),
            diff(&expected, &actual)
        );
    }
}

/// A line diff good enough to read a snapshot mismatch: lines only in the expected text with `-`,
/// only in the actual text with `+`.
fn diff(expected: &str, actual: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    // Longest common subsequence table; snapshots are small.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            (i, j) = (i + 1, j + 1);
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        }
    }
    out
}

/// The policy evidence of one side of a `why -o json` answer, by policy name.
#[track_caller]
pub fn policy<'a>(side: &'a Value, name: &str) -> &'a Value {
    side["policies"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no policy {name} on this side: {side:#}"))
}

/// The `kind`s of a list of notes (`caveats` or `hints`).
pub fn kinds(notes: &Value) -> Vec<&str> {
    notes.as_array().map(|a| a.iter().filter_map(|n| n["kind"].as_str()).collect()).unwrap_or_default()
}
