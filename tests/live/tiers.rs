//! The cluster-wide policies read from the live cluster: one discovery request, then one read per
//! kind served (at most three: the AdminNetworkPolicies, the BaselineAdminNetworkPolicy
//! `default`, the ClusterNetworkPolicies), whatever the cluster size; a kind RBAC forbids is a
//! note and a caveat; `list` counts a Baseline deny; and the answers equal those from manifests.

use serde_json::Value;

use crate::common::{examples, expect_code, run};
use crate::support::{ApiServer, Fault};

/// The examples' cluster under the cluster-wide tiers: a Baseline deny of ingress into
/// monitoring, an Admin-tier Accept of monitoring's scrapes everywhere, and an
/// AdminNetworkPolicy denying staging's traffic into production.
pub const TIERS: &str = "
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}
  ingress:
  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: no-staging-in-production}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: production}}}
  ingress:
  - {name: deny-staging, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: staging}}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: monitoring-scrapes}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {}}
  ingress:
  - name: accept-monitoring
    action: Accept
    from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
";

const FRONTEND: &str = "staging/debug";
const PROMETHEUS: &str = "monitoring/prometheus-0:9090";

fn tier_reads(server: &ApiServer) -> Vec<String> {
    let mut paths: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/apis/policy.networking.k8s.io/"))
        .map(|r| r.path.clone())
        .collect();
    paths.sort();
    paths
}

#[test]
fn why_reads_each_served_kind_once_within_the_budget() {
    let plain = ApiServer::start(examples());
    let tiered = ApiServer::start(examples().yaml(TIERS));
    let without = run(&plain, &["why", FRONTEND, PROMETHEUS]);
    expect_code(&without, 0);
    let with = run(&tiered, &["why", FRONTEND, PROMETHEUS]);
    expect_code(&with, 1);
    assert!(with.stdout.contains("BaselineAdminNetworkPolicy default"), "{}", with.stdout);
    assert_eq!(
        tier_reads(&tiered),
        [
            "/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies",
            "/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies/default",
            "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies",
        ]
    );
    let (base, tiers) = (plain.requests().len(), tiered.requests().len());
    assert_eq!(tiers, base + 3, "three reads more than on a cluster without the kinds:\n{}", tiered.request_lines());
    assert!(base <= 8 + 1, "the pod-to-pod budget, plus the discovery request:\n{}", plain.request_lines());
    assert_eq!(tiered.requests().iter().filter(|r| r.path == "/apis").count(), 1);
}

#[test]
fn a_kind_that_is_not_served_is_not_read() {
    let server = ApiServer::start(examples().yaml(TIERS));
    // A server with the v1alpha2 CRD only: its discovery names no v1alpha1 resource.
    let only_cnp = ApiServer::start(examples().serve(
        "policy.networking.k8s.io/v1alpha2",
        "ClusterNetworkPolicy",
        "clusternetworkpolicies",
        false,
    ));
    expect_code(&run(&only_cnp, &["why", FRONTEND, PROMETHEUS]), 0);
    assert_eq!(tier_reads(&only_cnp), ["/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies"]);
    expect_code(&run(&server, &["why", FRONTEND, PROMETHEUS]), 1);
}

#[test]
fn a_forbidden_kind_is_a_note_and_a_caveat_never_silence() {
    let server = ApiServer::start(examples().yaml(TIERS));
    server.inject(
        Fault::new("GET", "/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies/*").status(403),
    );
    let out = run(&server, &["why", FRONTEND, PROMETHEUS, "-o", "json"]);
    expect_code(&out, 0);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let caveat = v["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "cluster-policies-unread")
        .unwrap_or_else(|| panic!("a caveat: {v}"));
    assert!(caveat["message"].as_str().unwrap().contains("BaselineAdminNetworkPolicys"), "{caveat}");
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("not allowed to get baselineadminnetworkpolicies.policy.networking.k8s.io")
            && notes.contains("kubectl auth can-i get baselineadminnetworkpolicies.policy.networking.k8s.io"),
        "{notes}"
    );
}

#[test]
fn an_admin_deny_read_live_decides() {
    let server = ApiServer::start(examples().yaml(TIERS));
    let out = run(&server, &["why", "staging/debug", "production/api-7b9c5d4f6-kx7mn:8080"]);
    expect_code(&out, 1);
    assert!(out.stdout.contains("AdminNetworkPolicy no-staging-in-production (priority 10)"), "{}", out.stdout);
}

#[test]
fn list_counts_a_baseline_deny_read_live() {
    let server = ApiServer::start(examples().yaml(TIERS));
    let out = run(&server, &["list", "-n", "monitoring", "-o", "json"]);
    expect_code(&out, 0);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let monitoring = &v["namespaces"][0];
    assert_eq!(monitoring["ingress"]["state"], "deny", "{monitoring}");
    assert_eq!(monitoring["ingress"]["coveredBy"][0], "BaselineAdminNetworkPolicy default", "{monitoring}");
}

#[test]
fn live_and_manifests_answer_alike_under_the_tiers() {
    let server = ApiServer::start(examples().yaml(TIERS));
    let dir = crate::support::TempDir::new("tiers");
    dir.write("tiers.yaml", TIERS);
    let examples_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for (from, to) in [
        (FRONTEND, PROMETHEUS),
        ("staging/debug", "production/api-7b9c5d4f6-kx7mn:8080"),
        ("monitoring/prometheus-0", "production/api-7b9c5d4f6-kx7mn:8080"),
    ] {
        let live = run(&server, &["why", from, to, "-o", "json"]);
        let files = crate::support::run(
            &["why", "-f", examples_dir.to_str().unwrap(), "-f", dir.path().to_str().unwrap(), from, to, "-o", "json"],
            crate::support::NO_ENV,
        );
        let (mut a, mut b): (Value, Value) =
            (serde_json::from_str(&live.stdout).unwrap(), serde_json::from_str(&files.stdout).unwrap());
        for v in [&mut a, &mut b] {
            v["notes"] = Value::Null;
        }
        assert_eq!(a["egress"], b["egress"], "{from} -> {to}");
        assert_eq!(a["ingress"], b["ingress"], "{from} -> {to}");
        assert_eq!(a["verdict"], b["verdict"], "{from} -> {to}");
    }
}
