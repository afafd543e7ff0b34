//! The Cilium fixtures of issue 13 (`tests/fixtures/cilium/`) and their expected answers
//! (`tests/fixtures/cilium/EXPECTED.md`): one small cluster per rule of CiliumNetworkPolicy and
//! CiliumClusterwideNetworkPolicy, written from the examples in Cilium's documentation.
//!
//! Until the Cilium layer exists these tests keep the groundwork honest: every fixture has a
//! section in EXPECTED.md and the other way round, every fixture loads and declares a Cilium
//! cluster, every Cilium policy in it is read, and every flow of the tables names endpoints that
//! resolve (`why` answers it, exit 0 or 1). `why_gives_every_expected_answer` checks the answers
//! themselves; it is ignored until issue 13 lands.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use kubectl_deny::engine::cni::{self, Plugin};
use kubectl_deny::source::file;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cilium")
}

/// One row of a flow table: `why -f <fixture> <flow>` should answer `expected`.
#[derive(Debug)]
struct Row {
    fixture: String,
    flow: Vec<String>,
    /// The exit status the answer needs: `allowed` or `blocked`.
    verdict: String,
    /// The policies the answer must name (`decided by`), by `metadata.name`.
    policies: Vec<String>,
}

/// Reads EXPECTED.md: the fixture sections (`## name`) and the rows of their flow tables.
fn expected() -> (Vec<String>, Vec<Row>) {
    let text = std::fs::read_to_string(fixtures().join("EXPECTED.md")).expect("EXPECTED.md");
    let (mut sections, mut rows) = (Vec::new(), Vec::new());
    let mut in_table = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("## ") {
            if name != "Contents" {
                sections.push(name.trim().to_string());
            }
            continue;
        }
        if line.starts_with("| flow | expected | decided by |") {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        let fixture = sections.last().expect("a flow table inside a fixture section").clone();
        let cells = cells(line);
        assert_eq!(cells.len(), 4, "{fixture}: a flow row has 4 cells: {line}");
        let flow = cells[0].trim_matches('`');
        let verdict = cells[1].split_whitespace().next().unwrap_or_default().to_string();
        assert!(
            verdict == "allowed" || verdict == "blocked",
            "{fixture}: expected starts with allowed or blocked: {line}"
        );
        rows.push(Row {
            fixture,
            flow: flow.split_whitespace().map(String::from).collect(),
            verdict,
            policies: policy_names(&cells[2]),
        });
    }
    (sections, rows)
}

/// The cells of a Markdown table row; `\|` is a literal bar.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => out.last_mut().unwrap().push(chars.next().unwrap()),
            '|' => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out.iter().map(|c| c.trim().to_string()).collect()
}

/// `CNP shop/l3-rule ingress[0]; CCNP default-deny egress[0]` names `l3-rule` and `default-deny`;
/// a cell starting with `—` (the pod is not isolated that way) requires no name.
fn policy_names(decided_by: &str) -> Vec<String> {
    if decided_by.starts_with('—') {
        return Vec::new();
    }
    let words: Vec<&str> = decided_by.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| matches!(w[0].trim_start_matches('('), "CNP" | "CCNP" | "NP"))
        .map(|w| w[1].trim_end_matches([',', ';', ')']).rsplit('/').next().unwrap().to_string())
        .collect()
}

fn fixture_dirs() -> BTreeSet<String> {
    std::fs::read_dir(fixtures())
        .expect("tests/fixtures/cilium")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// `kubectl-deny why -f <fixture> FLOW...` in a clean environment: exit code and stdout, stderr.
fn why(row: &Row) -> (Option<i32>, String, String) {
    let home = tempfile::tempdir().expect("a temporary HOME");
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-deny"))
        .arg("why")
        .arg("-f")
        .arg(fixtures().join(&row.fixture))
        .args(&row.flow)
        .env_clear()
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("kubectl-deny runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_fixture_has_a_section_in_expected_md_and_every_section_a_fixture() {
    let (sections, rows) = expected();
    let sections: BTreeSet<String> = sections.into_iter().collect();
    assert_eq!(sections, fixture_dirs(), "sections of EXPECTED.md versus directories of tests/fixtures/cilium");
    for name in &sections {
        assert!(rows.iter().any(|r| &r.fixture == name), "{name}: no flow in EXPECTED.md");
    }
    assert!(rows.len() > 150, "only {} flows", rows.len());
}

#[test]
fn every_fixture_loads_runs_cilium_and_has_its_cilium_policies_read() {
    for name in fixture_dirs() {
        let dir = fixtures().join(&name);
        let snapshot = file::load(std::slice::from_ref(&dir), "default", &mut std::io::empty())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let plugins: Vec<Plugin> = cni::detect(&snapshot.daemonsets).detected.iter().map(|d| d.plugin).collect();
        assert_eq!(plugins, [Plugin::Cilium], "{name}: the cluster must run Cilium, and only Cilium");
        // Every CNP and CCNP document is read and evaluated (not merely counted as a policy of
        // another engine). A fixture may have none: NetworkPolicy enforced by Cilium has rules of
        // its own (ipBlock, labels).
        let mut written = 0;
        for entry in walk(&dir) {
            let text = std::fs::read_to_string(&entry).unwrap();
            written += text
                .lines()
                .filter(|l| matches!(l.trim(), "kind: CiliumNetworkPolicy" | "kind: CiliumClusterwideNetworkPolicy"))
                .count();
        }
        assert_eq!(
            snapshot.cilium_policies.len(),
            written,
            "{name}: Cilium policies read {:?}",
            snapshot.cilium_policies
        );
        assert!(snapshot.foreign_policies.is_empty(), "{name}: {:?}", snapshot.foreign_policies);
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    out
}

#[test]
fn every_expected_flow_names_endpoints_that_resolve() {
    let (_, rows) = expected();
    for row in &rows {
        let (code, _, stderr) = why(row);
        assert!(
            matches!(code, Some(0 | 1)),
            "why -f {} {}: exit {code:?}, expected an answer\n{stderr}",
            row.fixture,
            row.flow.join(" ")
        );
        for name in &row.policies {
            let path = fixtures().join(&row.fixture);
            let mentioned = walk(&path).iter().any(|f| {
                std::fs::read_to_string(f).unwrap().lines().any(|l| l.contains("name:") && l.contains(name.as_str()))
            });
            assert!(mentioned, "{}: `decided by` names {name}, which no manifest defines", row.fixture);
        }
    }
}

#[test]
fn why_gives_every_expected_answer() {
    let (_, rows) = expected();
    let mut wrong = Vec::new();
    for row in &rows {
        let (code, stdout, _) = why(row);
        let want = if row.verdict == "allowed" { 0 } else { 1 };
        let unnamed: Vec<&String> = row.policies.iter().filter(|p| !stdout.contains(p.as_str())).collect();
        if code != Some(want) || !unnamed.is_empty() {
            wrong.push(format!(
                "why -f {} {}: want {} naming {:?}, got exit {code:?}{}",
                row.fixture,
                row.flow.join(" "),
                row.verdict,
                row.policies,
                if unnamed.is_empty() { String::new() } else { format!(", {unnamed:?} not named") }
            ));
        }
    }
    assert!(wrong.is_empty(), "{} of {} answers differ:\n{}", wrong.len(), rows.len(), wrong.join("\n"));
}

#[test]
fn the_table_reader_reads_escaped_bars_and_policy_names() {
    assert_eq!(
        cells("| `a b:1` | allowed (x \\| y) | CNP ns/p ingress[0] | z |"),
        ["`a b:1`", "allowed (x | y)", "CNP ns/p ingress[0]", "z"]
    );
    assert_eq!(
        policy_names("CNP shop/api egress[0]; CCNP default-deny (isolates egress), NP ns/np-x"),
        ["api", "default-deny", "np-x"]
    );
    assert!(policy_names("— (CCNP intercept-all-dns does not isolate)").is_empty());
}

/// `kubectl-deny ARGS...` in a clean environment: exit code and stdout, stderr.
fn deny(args: &[&str]) -> (Option<i32>, String, String) {
    let home = tempfile::tempdir().expect("a temporary HOME");
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-deny"))
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("kubectl-deny runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn suggest_says_plainly_when_a_namespaced_cilium_deny_blocks() {
    let dir = fixtures().join("deny_over_allow");
    let (code, out, err) = deny(&["why", "-f", dir.to_str().unwrap(), "shop/client", "shop/server:80", "--suggest"]);
    assert_eq!(code, Some(1), "nothing to apply:\n{out}\n{err}");
    assert!(out.contains("# No NetworkPolicy can allow it."), "{out}");
    assert!(
        out.contains(
            "only a change to a Cilium deny policy can allow this flow: CiliumNetworkPolicy deny-port-80 (in namespace shop; ingressDeny[0])"
        ),
        "{out}"
    );
    assert!(!out.contains("kind: NetworkPolicy"), "{out}");
}

/// `why` does not offer `--suggest` where `--suggest` would say that no NetworkPolicy can help.
#[test]
fn why_offers_no_suggest_over_a_cilium_deny() {
    let dir = fixtures().join("deny_over_allow");
    for to in ["shop/server:80", "shop/np-server:80"] {
        let (code, out, err) = deny(&["why", "-f", dir.to_str().unwrap(), "shop/client", to]);
        assert_eq!(code, Some(1), "{out}\n{err}");
        assert!(!out.contains("Add --suggest"), "{to}: {out}");
    }
}

#[test]
fn suggest_says_plainly_when_a_clusterwide_cilium_deny_blocks() {
    let dir = fixtures().join("deny_over_allow");
    let (code, out, err) = deny(&["why", "-f", dir.to_str().unwrap(), "shop/client", "shop/np-server:80", "--suggest"]);
    assert_eq!(code, Some(1), "nothing to apply:\n{out}\n{err}");
    assert!(out.contains("CiliumClusterwideNetworkPolicy deny-plain-http (cluster-wide; ingressDeny[0])"), "{out}");
    assert!(!out.contains("kind: NetworkPolicy"), "{out}");
}
