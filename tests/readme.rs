//! The README is exercised: every `kubectl deny` / `kubectl-deny` command it shows is run.
//!
//! - In ```` ```console ```` blocks, `$ kubectl-deny ...` lines run offline (they read `-f
//!   examples/`) and their stdout must be exactly the lines shown after them; a last line `...`
//!   means "starts with".
//! - In ```` ```sh ```` blocks, each `kubectl deny ...` or `kubectl-deny ...` invocation (also
//!   inside `source <(...)`, before a pipe or a redirection, after `&&`) runs against a loopback
//!   API server holding the same example cluster, and must not fail (exit 0 or 1).
//! - A line that hands kubectl-deny's output to kubectl (`... > allow.yaml && kubectl apply -f
//!   allow.yaml`) also runs as written, in `sh`, with a stand-in `kubectl` on `PATH` that runs
//!   `kubectl deny` and checks what `kubectl apply -f` is given: the whole line must succeed.

mod support;

use std::path::{Path, PathBuf};

use support::{ApiServer, Fixture};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// Fenced blocks as (info string, lines).
fn blocks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => current = Some((info.trim().to_string(), Vec::new())),
            (Some(_), Some(_)) => out.push(current.take().expect("an open block")),
            (Some((_, lines)), None) => lines.push(line.to_string()),
            (None, None) => {}
        }
    }
    out
}

/// Splits a command line into words, honouring single and double quotes.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// The kubectl-deny invocations of a shell line, as argument lists (without the program).
fn invocations(line: &str) -> Vec<Vec<String>> {
    let code = match line.find(" #") {
        Some(i) => &line[..i],
        None if line.trim_start().starts_with('#') => "",
        None => line,
    };
    let mut out = Vec::new();
    for segment in code.split("&&").flat_map(|s| s.split('|')).flat_map(|s| s.split(';')) {
        let segment = segment.trim().trim_start_matches("source <(").trim_start_matches("$(");
        let segment = segment.split(['>', ')']).next().unwrap_or_default().trim();
        let args = if let Some(rest) = segment.strip_prefix("kubectl deny ") {
            rest
        } else if let Some(rest) = segment.strip_prefix("kubectl-deny ") {
            rest
        } else {
            continue;
        };
        out.push(words(args));
    }
    out
}

fn run(args: &[String], env: &[(String, String)]) -> support::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut env: Vec<(String, String)> = env.to_vec();
    env.push(("NO_COLOR".into(), "1".into()));
    support::run(&args, &env)
}

#[test]
fn console_blocks_show_real_output() {
    let mut checked = 0;
    for (info, lines) in blocks(&readme()) {
        if info != "console" {
            continue;
        }
        let mut i = 0;
        while i < lines.len() {
            let Some(command) = lines[i].strip_prefix("$ ") else {
                i += 1;
                continue;
            };
            let mut expected = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].starts_with("$ ") {
                expected.push(lines[i].clone());
                i += 1;
            }
            let args = invocations(command).pop().unwrap_or_else(|| panic!("not a kubectl-deny command: {command}"));
            assert!(args.iter().any(|a| a == "-f"), "console commands run offline, on -f examples/: {command}");
            let out = run(&args, &[]);
            assert!(matches!(out.code, Some(0 | 1)), "`{command}` failed:\n{}", out.describe());
            let actual: Vec<&str> = out.stdout.lines().collect();
            let prefix = expected.last().is_some_and(|l| l == "...");
            let expected: Vec<&str> =
                expected.iter().map(String::as_str).take(expected.len() - usize::from(prefix)).collect();
            let matches = if prefix { actual.starts_with(&expected) } else { actual == expected };
            assert!(
                matches,
                "README output of `{command}` is stale.\n--- README\n{}\n--- actual\n{}",
                expected.join("\n"),
                out.stdout
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} console commands found");
}

/// The example cluster of `examples/`, as a live cluster, with the ClusterNetworkPolicy CRD
/// installed (no object of it), so that `init --baseline` has a Baseline tier to install into.
fn example_cluster() -> Fixture {
    let mut fixture = Fixture::new().serve(
        "policy.networking.k8s.io/v1alpha2",
        "ClusterNetworkPolicy",
        "clusternetworkpolicies",
        false,
    );
    let mut files = Vec::new();
    collect(&root().join("examples"), &mut files);
    files.sort();
    for f in files {
        fixture = fixture.yaml(&std::fs::read_to_string(&f).expect("example manifest"));
    }
    fixture
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("examples/") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn shell_blocks_run_against_a_cluster() {
    let mut checked = 0;
    for (info, lines) in blocks(&readme()) {
        if info != "sh" {
            continue;
        }
        for line in &lines {
            for args in invocations(line) {
                // A fresh cluster per command: `init` changes it.
                let server = ApiServer::start(example_cluster());
                let out = run(&args, &server.env());
                assert!(
                    matches!(out.code, Some(0 | 1)),
                    "README command `kubectl deny {}` failed against the example cluster:\n{}",
                    args.join(" "),
                    out.describe()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 12, "only {checked} shell commands found");
}

/// A stand-in `kubectl` for shell lines: `kubectl deny ...` runs the plugin, as kubectl does;
/// `kubectl apply -f FILE` fails as kubectl does when FILE holds no object, and otherwise records
/// the kinds and names it was given; anything else is refused.
#[cfg(unix)]
fn fake_kubectl(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let script = format!(
        r#"#!/bin/sh
if [ "$1" = deny ]; then shift; exec "{bin}" "$@"; fi
if [ "$1" = apply ] && [ "$2" = -f ] && [ $# -eq 3 ]; then
  if ! grep -q '^kind: ' "$3"; then echo "error: no objects passed to apply" >&2; exit 1; fi
  grep -E '^(kind|  name):' "$3" >> "{log}"
  exit 0
fi
echo "stand-in kubectl: not supported: $*" >&2
exit 3
"#,
        bin = env!("CARGO_BIN_EXE_kubectl-deny"),
        log = dir.join("applied.log").display()
    );
    let path = dir.join("kubectl");
    std::fs::write(&path, script).expect("write the stand-in kubectl");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("make it executable");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kubectl-deny"), dir.join("kubectl-deny"))
        .expect("link kubectl-deny");
}

/// Issue 10, item 7: `why ... --suggest > allow.yaml && kubectl apply -f allow.yaml` applies the
/// suggestion, as the README says; item 14: `kubectl deny completion kubectl | sh` installs the
/// helper kubectl asks for TAB after `kubectl deny`.
#[cfg(unix)]
#[test]
fn shell_lines_that_hand_output_to_kubectl_run_as_written() {
    let mut checked = 0;
    for (info, lines) in blocks(&readme()) {
        if info != "sh" {
            continue;
        }
        let piped_to_sh = |l: &str| l.split(" #").next().unwrap_or(l).trim_end().ends_with("| sh");
        for line in lines.iter().filter(|l| l.contains("&& kubectl apply") || piped_to_sh(l)) {
            let server = ApiServer::start(example_cluster());
            let dir = support::TempDir::new("readme-line");
            fake_kubectl(dir.path());
            let mut command = std::process::Command::new("sh");
            command.arg("-c").arg(line).current_dir(dir.path()).env_clear();
            command.env("PATH", format!("{}:/usr/bin:/bin", dir.path().display())).env("NO_COLOR", "1");
            for (k, v) in server.env() {
                command.env(k, v);
            }
            let out = command.output().expect("run sh");
            assert!(
                out.status.success(),
                "README line `{line}` failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            if piped_to_sh(line) {
                // kubectl deny completion kubectl | sh: the helper kubectl asks is in place.
                let helper = dir.path().join("kubectl_complete-deny");
                let answer = std::process::Command::new(&helper).arg("").output().expect("run the helper");
                let text = String::from_utf8_lossy(&answer.stdout);
                assert!(text.lines().any(|l| l.starts_with("why")), "`{line}` made no working helper: {text}");
            } else {
                let applied = std::fs::read_to_string(dir.path().join("applied.log")).unwrap_or_default();
                assert!(applied.contains("kind: NetworkPolicy"), "`{line}` applied nothing: {applied:?}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 2, "README lines to kubectl apply or sh: only {checked}");
}

#[test]
fn invocations_are_found_inside_shell_constructs() {
    assert_eq!(invocations("source <(kubectl-deny completion bash)   # bash"), vec![vec!["completion", "bash"]]);
    assert_eq!(
        invocations("cargo install --path . && kubectl-deny why -f examples/ a b"),
        vec![vec!["why", "-f", "examples/", "a", "b"]]
    );
    assert_eq!(invocations("kubectl deny why a b -o json | jq -r .verdict"), vec![vec!["why", "a", "b", "-o", "json"]]);
    assert_eq!(
        invocations("kubectl-deny completion zsh > \"${fpath[1]}/_kubectl-deny\""),
        vec![vec!["completion", "zsh"]]
    );
    assert!(invocations("# kubectl deny list").is_empty());
    assert!(invocations("kubectl krew install deny").is_empty());
}
