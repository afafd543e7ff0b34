//! Cilium's policies read live (issue 13): read only when the server serves their CRDs (the one
//! shared discovery request says so), evaluated like the same manifests through `-f`, and a
//! forbidden read is a note, never a silent omission.

use std::path::Path;

use crate::common::{expect_code, run};
use crate::support::{ApiServer, Fault, Fixture};

/// The example shop on Cilium (`examples-cilium/`).
pub fn cilium_cluster() -> Fixture {
    let mut files = Vec::new();
    collect(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples-cilium"), &mut files);
    files.sort();
    files.iter().fold(Fixture::new(), |f, path| f.yaml(&std::fs::read_to_string(path).unwrap()))
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            files.push(path);
        }
    }
}

const FLOW: [&str; 3] = ["why", "production/frontend-6d8f7c9b5-2lq8x", "production/postgres-0:5432"];

#[test]
fn served_crds_are_read_once_each_and_decide_like_manifests() {
    let server = ApiServer::start(cilium_cluster());
    let out = run(&server, &FLOW);
    expect_code(&out, 1);
    assert!(out.stdout.contains("CiliumClusterwideNetworkPolicy default-deny"), "{}", out.describe());
    assert!(out.stdout.contains("CiliumNetworkPolicy production/postgres"), "{}", out.describe());
    assert_eq!(server.count("GET", "/apis"), 1 + server.count("GET", "/apis/"), "{}", server.request_lines());
    assert_eq!(server.count("GET", "/apis/cilium.io/v2/namespaces/production/ciliumnetworkpolicies"), 1);
    assert_eq!(server.count("GET", "/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies"), 1);
    // The same answer from the same manifests.
    let offline = crate::support::run(
        &["why", "-f", concat!(env!("CARGO_MANIFEST_DIR"), "/examples-cilium"), FLOW[1], FLOW[2]],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(out.stdout, offline.stdout);
    // list and matrix read them too.
    let list = run(&server, &["list", "-o", "json"]);
    assert!(list.stdout.contains("default-deny"), "{}", list.describe());
}

#[test]
fn no_cilium_crds_no_cilium_request() {
    let server = ApiServer::start(crate::common::examples());
    let out = run(&server, &["why", "-n", "production", "deploy/frontend", "svc/postgres"]);
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.describe());
    assert_eq!(server.count("GET", "/apis/cilium.io"), 0, "{}", server.request_lines());
}

#[test]
fn a_forbidden_read_is_a_note_not_silence() {
    let server = ApiServer::start(cilium_cluster());
    server.inject(Fault::new("GET", "/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies").status(403));
    let out = run(&server, &FLOW);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("ciliumclusterwidenetworkpolicies") && all.contains("Cilium policies were not read"),
        "{}",
        out.describe()
    );
}
