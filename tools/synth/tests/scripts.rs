//! The scripts in `scripts/` that drive this generator (bench.sh, compare-nca.sh,
//! compare-nca-calico.sh and their Python halves): valid bash, shellcheck-clean where shellcheck is
//! installed, arguments checked before any work, and the Python scripts' unit tests passing where
//! python3 is installed (they use the standard library only). Nothing here builds, installs or
//! downloads.

use std::path::PathBuf;
use std::process::{Command, Output};

const SHELL_SCRIPTS: [&str; 4] = ["bench.sh", "bench-yaml.sh", "compare-nca.sh", "compare-nca-calico.sh"];

fn scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts")
}

fn installed(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).current_dir(scripts()).output().expect("the program runs")
}

#[test]
fn shell_scripts_are_valid_bash() {
    for script in SHELL_SCRIPTS {
        let out = run("bash", &["-n", script]);
        assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn shell_scripts_are_shellcheck_clean() {
    if !installed("shellcheck") {
        eprintln!("shellcheck is not installed: not checked");
        return;
    }
    for script in SHELL_SCRIPTS {
        let out = run("shellcheck", &[script]);
        assert!(out.status.success(), "{script}:\n{}", String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn shell_scripts_refuse_an_unknown_size_before_building_anything() {
    for script in SHELL_SCRIPTS {
        let out = run("bash", &[script, "--sizes", "tiny"]);
        assert_eq!(out.status.code(), Some(2), "{script}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unknown size 'tiny'"), "{script}: {stderr}");
    }
}

#[test]
fn compare_nca_parsing_and_mapping_pass_their_tests() {
    if !installed("python3") {
        eprintln!("python3 is not installed: scripts/test_compare_nca.py not run");
        return;
    }
    let out = run("python3", &["test_compare_nca.py"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn compare_nca_calico_inputs_and_classification_pass_their_tests() {
    if !installed("python3") {
        eprintln!("python3 is not installed: scripts/test_compare_nca_calico.py not run");
        return;
    }
    let out = run("python3", &["test_compare_nca_calico.py"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
