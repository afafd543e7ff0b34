//! Cilium's policies read live (issue 13): read only when the server serves their CRDs (the one
//! shared discovery request says so), evaluated like the same manifests through `-f`, and a
//! forbidden read is a note, never a silent omission.

use std::path::Path;

use crate::common::{expect_code, gets, run};
use crate::support::{ApiServer, Fault, Fixture};

/// The example shop on Cilium (`examples-cilium/`).
pub fn cilium_cluster() -> Fixture {
    Fixture::new().yaml_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples-cilium"))
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

/// `audit` and `diff` read Cilium's policies live as `why` does: the same answers as from the
/// manifests, each Cilium list read once, nothing written.
#[test]
fn audit_and_diff_read_cilium_policies_live() {
    let server = ApiServer::start(cilium_cluster());
    let dir = crate::support::TempDir::new("cilium-flows");
    dir.write(
        "flows.csv",
        "from,to,port,protocol\nproduction/frontend-6d8f7c9b5-2lq8x,production/postgres-0,5432,TCP\nproduction/api-7b9c5d4f6-kx7mn,production/postgres-0,5432,TCP\n",
    );
    let flows = dir.path().join("flows.csv");
    let flows = flows.to_str().unwrap();
    let live = run(&server, &["audit", "-n", "production", "--flows", flows, "-o", "json"]);
    assert!(matches!(live.code, Some(0 | 1)), "{}", live.describe());
    assert!(server.requests().iter().all(|r| r.method == "GET"), "{}", server.request_lines());
    assert_eq!(
        server.count("GET", "/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies"),
        1,
        "{}",
        server.request_lines()
    );
    assert_eq!(server.count("GET", "/apis/cilium.io/v2/namespaces/production/ciliumnetworkpolicies"), 1);
    let v: serde_json::Value = serde_json::from_str(&live.stdout).unwrap();
    // CNP production/postgres lets api in and, with the clusterwide default deny, nothing else.
    let today: Vec<(&str, &str)> = v["namespaces"][0]["all"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["from"].as_str().unwrap(), f["today"].as_str().unwrap()))
        .collect();
    assert_eq!(
        today,
        [("production/deploy/api", "allowed"), ("production/deploy/frontend", "blocked")],
        "{}",
        live.stdout
    );
    let files = crate::support::run(
        &[
            "audit",
            "-f",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples-cilium"),
            "-n",
            "production",
            "--flows",
            flows,
            "-o",
            "json",
        ],
        &[] as &[(String, String)],
    );
    let w: serde_json::Value = serde_json::from_str(&files.stdout).unwrap();
    assert_eq!(v["namespaces"], w["namespaces"], "live:\n{}\nfiles:\n{}", live.stdout, files.stdout);

    let server = ApiServer::start(cilium_cluster());
    let diff = run(&server, &["diff", "-n", "production", "--without", "cnp/production/postgres"]);
    expect_code(&diff, 1);
    assert!(diff.stdout.contains("production/deploy/api   production/sts/postgres   5432/TCP"), "{}", diff.describe());
    assert!(gets(&server).len() == server.requests().len(), "diff only reads");
    let offline = crate::support::run(
        &[
            "diff",
            "-f",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples-cilium"),
            "-n",
            "production",
            "--without",
            "cnp/production/postgres",
        ],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(diff.stdout, offline.stdout);
}
