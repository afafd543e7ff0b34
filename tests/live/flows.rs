//! `audit --flows`, `diff` and `init --flows` against the loopback API server holding the example
//! cluster: the same answers as from the manifests, reads only (no write, even when `init`
//! refuses), and a number of requests that depends on the namespaces involved, not on the pods
//! or the flows.

use crate::common::{examples, expect_code, gets, manifests_of, run};
use crate::support::ApiServer;

fn hubble() -> String {
    format!("{}/examples/flows/hubble.jsonl", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn audit_live_answers_as_from_manifests_with_few_reads_and_no_write() {
    let server = ApiServer::start(examples());
    let live = run(&server, &["audit", "-n", "staging", "--flows", &hubble(), "-o", "json"]);
    expect_code(&live, 1);
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "audit only reads:\n{}", server.request_lines());
    // The namespaces read: staging, and those the flows name (ingress-nginx, kube-system,
    // monitoring, production): pods, policies and three workload kinds each, plus the cluster-wide
    // namespaces, DaemonSets and nodes, and what the kit's detection reads.
    let reads = gets(&server);
    assert!(reads.len() <= 45, "{} requests:\n{}", reads.len(), reads.join("\n"));
    assert!(reads.iter().any(|r| r.contains("/namespaces/production/pods")), "{}", reads.join("\n"));
    assert!(!reads.iter().any(|r| r.contains("/namespaces/default/pods")), "a namespace no flow names is not read");
    let dir = manifests_of(&server);
    let files = crate::support::run(
        &["audit", "-f", dir.path().to_str().unwrap(), "-n", "staging", "--flows", &hubble(), "-o", "json"],
        &[] as &[(String, String)],
    );
    expect_code(&files, 1);
    let (mut a, mut b): (serde_json::Value, serde_json::Value) =
        (serde_json::from_str(&live.stdout).unwrap(), serde_json::from_str(&files.stdout).unwrap());
    a["caveats"] = serde_json::Value::Null;
    b["caveats"] = serde_json::Value::Null;
    assert_eq!(a["namespaces"], b["namespaces"], "live:\n{}\nfiles:\n{}", live.stdout, files.stdout);
    assert_eq!(a["kit"], b["kit"]);
}

#[test]
fn audit_reads_the_same_whatever_the_number_of_flow_records() {
    let few = ApiServer::start(examples());
    expect_code(&run(&few, &["audit", "-n", "staging", "--flows", &hubble()]), 1);
    let dir = crate::support::TempDir::new("flows");
    let text = std::fs::read_to_string(hubble()).unwrap().repeat(50);
    dir.write("many.jsonl", &text);
    let many_path = dir.path().join("many.jsonl");
    let many = ApiServer::start(examples());
    expect_code(&run(&many, &["audit", "-n", "staging", "--flows", many_path.to_str().unwrap()]), 1);
    assert_eq!(gets(&few).len(), gets(&many).len());
}

#[test]
fn init_with_flows_refuses_before_any_write_and_force_applies() {
    let server = ApiServer::start(examples());
    let refused = run(&server, &["init", "-n", "staging", "--flows", &hubble()]);
    expect_code(&refused, 1);
    assert!(refused.stderr.contains("would cut 2 observed flow(s)"), "{}", refused.describe());
    assert!(
        refused.stderr.contains("staging/pod/frontend-5f6d7c8b9-abcde -> 203.0.113.10 443/TCP"),
        "{}",
        refused.describe()
    );
    assert_eq!(server.count("PATCH", "/"), 0, "nothing is applied when init refuses");
    let forced = run(&server, &["init", "-n", "staging", "--flows", &hubble(), "--force"]);
    expect_code(&forced, 0);
    assert_eq!(server.count("PATCH", "/apis/networking.k8s.io/v1/namespaces/staging/networkpolicies/"), 3);
    // The kit is in: the flows it cut are now blocked today, so nothing more is cut.
    let after = run(&server, &["init", "-n", "staging", "--flows", &hubble()]);
    expect_code(&after, 0);
}

#[test]
fn diff_live_is_a_ci_gate() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["diff", "-n", "production", "--without", "production/api-ingress"]);
    expect_code(&out, 1);
    assert!(out.stdout.contains("production/deploy/frontend   production/deploy/api   8080/TCP"), "{}", out.describe());
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}
