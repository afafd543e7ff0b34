//! The shell completion scripts checked in under `completions/` stay equal to what the CLI
//! generates, the binary prints the same scripts, and the bash script really completes.
//!
//! When the CLI gains a flag, `checked_in_scripts_match_the_cli` fails; regenerate with
//! `scripts/gen-completions.sh` or `UPDATE_COMPLETIONS=1 cargo test --test completions`.

use std::path::{Path, PathBuf};
use std::process::Command;

use kubectl_deny::cmd::completion::{SCRIPTS, kubectl_helper_setup, script};

const REGENERATE: &str = "scripts/gen-completions.sh (or UPDATE_COMPLETIONS=1 cargo test --test completions)";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn checked_in(file: &str) -> PathBuf {
    repo().join("completions").join(file)
}

#[test]
fn checked_in_scripts_match_the_cli() {
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some_and(|v| v != "0" && !v.is_empty());
    let mut stale = Vec::new();
    for (shell, file) in SCRIPTS {
        let path = checked_in(file);
        let expected = script(shell);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &expected).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(actual) if actual == expected => {}
            Ok(actual) => {
                let line = actual
                    .lines()
                    .zip(expected.lines())
                    .position(|(a, e)| a != e)
                    .map_or_else(|| actual.lines().count().min(expected.lines().count()) + 1, |i| i + 1);
                stale.push(format!("completions/{file} ({shell}) differs from the CLI from line {line}"));
            }
            Err(e) => stale.push(format!("completions/{file} ({shell}) cannot be read: {e}")),
        }
    }
    assert!(
        stale.is_empty(),
        "the checked-in completion scripts are out of date with the CLI:\n  {}\nregenerate them with {REGENERATE}",
        stale.join("\n  ")
    );
}

#[test]
fn binary_prints_the_checked_in_scripts() {
    for (shell, arg) in [("bash", "bash"), ("zsh", "zsh"), ("fish", "fish"), ("powershell", "powershell")] {
        let output = Command::new(env!("CARGO_BIN_EXE_kubectl-deny")).args(["completion", arg]).output().unwrap();
        assert!(output.status.success(), "completion {arg} failed: {}", String::from_utf8_lossy(&output.stderr));
        assert!(output.stderr.is_empty(), "completion {arg} wrote to stderr");
        let (shell_enum, _) = SCRIPTS.iter().find(|(s, _)| s.to_string() == shell).unwrap();
        assert_eq!(String::from_utf8(output.stdout).unwrap(), script(*shell_enum), "completion {arg}");
    }
}

#[test]
fn completion_kubectl_prints_how_to_install_the_helper() {
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-deny")).args(["completion", "kubectl"]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text, kubectl_helper_setup());
    // Issue 10, item 14: one command, for `| sh` (tests/readme.rs runs it that way).
    let commands: Vec<&str> = text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    assert_eq!(commands, [r#"ln -sf kubectl-deny "$(dirname "$(command -v kubectl-deny)")/kubectl_complete-deny""#]);
    let help = Command::new(env!("CARGO_BIN_EXE_kubectl-deny")).args(["completion", "--help"]).output().unwrap();
    assert!(String::from_utf8(help.stdout).unwrap().contains("New-Item -ItemType SymbolicLink"));
}

#[test]
fn completion_rejects_an_unknown_shell_with_the_choices() {
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-deny")).args(["completion", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("tcsh") && stderr.contains("powershell"), "{stderr}");
}

/// Runs the checked-in bash script's completion function on `words` (the last one partial) the
/// way bash does, and returns COMPREPLY.
#[cfg(unix)]
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = checked_in("kubectl-deny.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source "$1"
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
_kubectl__deny kubectl-deny "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        words = quoted.join(" ")
    );
    let output = Command::new("bash").args(["--norc", "--noprofile", "-c", &program, "bash"]).arg(&script).output();
    let output = output.expect("bash runs");
    assert!(output.status.success(), "bash failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[cfg(unix)]
#[test]
fn bash_script_completes_subcommands_and_their_flags() {
    assert_eq!(bash_complete(&["kubectl-deny", "wh"]), ["why"]);
    // Subcommand flags: broken in clap_complete for hyphenated bin names unless patched.
    assert_eq!(bash_complete(&["kubectl-deny", "list", "--exit"]), ["--exit-code"]);
    assert_eq!(bash_complete(&["kubectl-deny", "init", "--kyv"]), ["--kyverno"]);
    assert_eq!(bash_complete(&["kubectl-deny", "list", "-o", ""]), ["table", "wide", "json", "yaml", "name"]);
    assert_eq!(bash_complete(&["kubectl-deny", "--color", "n"]), ["never"]);
    let shells = bash_complete(&["kubectl-deny", "completion", ""]);
    for shell in ["bash", "zsh", "fish", "powershell", "kubectl"] {
        assert!(shells.contains(&shell.to_string()), "{shell} missing from {shells:?}");
    }
}
