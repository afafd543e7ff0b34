//! Help and usage speak of `kubectl deny`, the way users run the plugin; version output names the
//! version and the git commit of the build.

use std::process::{Command, Output};

fn kubectl_deny(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-deny")).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn help_shows_usage_as_kubectl_deny() {
    let output = kubectl_deny(&["--help"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("Usage: kubectl deny [OPTIONS] <COMMAND>"), "{text}");
    assert!(!text.contains("Usage: kubectl-deny"), "{text}");
}

#[test]
fn subcommand_help_shows_usage_as_kubectl_deny() {
    for sub in ["why", "matrix", "list", "init", "completion", "version"] {
        let output = kubectl_deny(&[sub, "-h"]);
        assert!(output.status.success(), "{sub} -h");
        let text = stdout(&output);
        assert!(text.contains(&format!("Usage: kubectl deny {sub}")), "{sub} -h:\n{text}");
    }
    let text = stdout(&kubectl_deny(&["why", "-h"]));
    assert!(text.contains("Usage: kubectl deny why [OPTIONS] <FROM> <TO[:PORT][/PROTOCOL]>"), "{text}");
}

#[test]
fn usage_errors_show_kubectl_deny() {
    let output = kubectl_deny(&["why"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("Usage: kubectl deny why"), "{stderr}");
}

fn commit() -> &'static str {
    kubectl_deny::version::COMMIT
}

#[test]
fn version_subcommand_prints_version_and_commit() {
    let output = kubectl_deny(&["version"]);
    assert!(output.status.success());
    let expected = format!("kubectl-deny {} (commit {})\n", env!("CARGO_PKG_VERSION"), commit());
    assert_eq!(stdout(&output), expected);
}

#[test]
fn version_flag_prints_version_and_commit() {
    let output = kubectl_deny(&["--version"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
    assert!(text.contains(&format!("(commit {})", commit())), "{text}");
    // -V is the short form, shown on one line.
    let short = stdout(&kubectl_deny(&["-V"]));
    assert!(short.contains(env!("CARGO_PKG_VERSION")), "{short}");
}

#[test]
fn the_recorded_commit_is_the_checkout_head_when_built_from_git() {
    let commit = commit();
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match (std::env::var("KUBECTL_DENY_GIT_COMMIT").ok(), head) {
        (Some(overridden), _) => assert_eq!(commit, overridden),
        (None, Some(head)) => assert_eq!(commit, head, "rebuild: build.rs records HEAD"),
        (None, None) => assert_eq!(commit, "unknown"),
    }
}

/// The example lines of a help text: `kubectl deny ...` after an `Examples:` heading.
fn help_examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_examples = false;
    for line in help.lines() {
        if line.trim_end().ends_with(':') && !line.starts_with(' ') {
            in_examples = line.starts_with("Examples:");
            continue;
        }
        if in_examples && let Some(rest) = line.trim_start().strip_prefix("kubectl deny ") {
            let command = rest.split(" #").next().unwrap_or(rest).trim();
            out.push(command.to_string());
        }
    }
    out
}

/// Issue 10, item 13: every example of `--help` that reads `-f examples/` runs on the bundled
/// example cluster (from the repository's root, where `examples/` is), without an error.
#[test]
fn help_examples_on_the_example_cluster_run() {
    let mut ran = 0;
    for sub in [None, Some("why"), Some("matrix"), Some("list"), Some("init"), Some("completion")] {
        let mut args: Vec<&str> = sub.into_iter().collect();
        args.push("--help");
        let help = stdout(&kubectl_deny(&args));
        for example in help_examples(&help) {
            if !example.contains("-f examples/") {
                continue;
            }
            // What is before a redirection: the command itself.
            let words: Vec<&str> = example.split('>').next().unwrap_or_default().split_whitespace().collect();
            let output = Command::new(env!("CARGO_BIN_EXE_kubectl-deny"))
                .args(&words)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("NO_COLOR", "1")
                .env("HOME", std::env::temp_dir())
                .env_remove("KUBECONFIG")
                .output()
                .unwrap();
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "help example `kubectl deny {example}` fails:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 3, "only {ran} help examples read -f examples/");
}
