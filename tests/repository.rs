//! The repository itself: what is committed. Build and interpreter artifacts never are, and the
//! ignore rules keep them out.

use std::process::Command;

/// The tracked files, or `None` outside a git checkout (a source tarball).
fn tracked_files() -> Option<Vec<String>> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).split('\0').filter(|f| !f.is_empty()).map(str::to_string).collect())
}

/// Issue 10, item 22: `scripts/__pycache__/*.pyc` was committed.
#[test]
fn no_python_bytecode_is_committed() {
    let Some(files) = tracked_files() else { return };
    let bytecode: Vec<&String> =
        files.iter().filter(|f| f.contains("__pycache__/") || f.ends_with(".pyc") || f.ends_with(".pyo")).collect();
    assert!(bytecode.is_empty(), "Python bytecode is committed: {bytecode:?}");
}

#[test]
fn python_bytecode_is_ignored() {
    let Some(_) = tracked_files() else { return };
    let out = Command::new("git")
        .args(["check-ignore", "--no-index", "-q", "scripts/__pycache__/compare_nca.cpython-311.pyc"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("git check-ignore");
    assert!(out.success(), ".gitignore must ignore __pycache__/ and *.pyc");
}
