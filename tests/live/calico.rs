//! Calico read from the live cluster: `projectcalico.org/v3` when served, else the
//! `crd.projectcalico.org/v1` CRDs, else nothing (not one request more); one list per kind served
//! (tiers, global and namespaced policies), from the discovery request the command shares; a
//! kind RBAC forbids is a note and a caveat.

use serde_json::Value;

use crate::common::{examples, expect_code, run};
use crate::support::{ApiServer, Fault};

/// A tier before the default one denying staging's traffic into monitoring (and a namespaced
/// policy of that tier selecting nothing, so that every kind is served).
pub fn calico(api_version: &str) -> String {
    format!(
        "
apiVersion: {api_version}
kind: Tier
metadata: {{name: security}}
spec: {{order: 100}}
---
apiVersion: {api_version}
kind: GlobalNetworkPolicy
metadata: {{name: security.no-staging}}
spec:
  tier: security
  selector: projectcalico.org/namespace == 'monitoring'
  ingress:
  - action: Deny
    source: {{namespaceSelector: projectcalico.org/name == 'staging'}}
  - action: Pass
---
apiVersion: {api_version}
kind: NetworkPolicy
metadata: {{name: security.nothing-yet, namespace: monitoring}}
spec:
  tier: security
  selector: app == 'nothing'
  ingress:
  - action: Allow
"
    )
}

const FROM: &str = "staging/debug";
const TO: &str = "monitoring/prometheus-0:9090";

fn calico_reads(server: &ApiServer) -> Vec<String> {
    let mut paths: Vec<String> =
        server.requests().iter().filter(|r| r.path.contains("projectcalico.org")).map(|r| r.path.clone()).collect();
    paths.sort();
    paths
}

#[test]
fn v3_when_served_one_list_per_kind_within_the_budget() {
    let plain = ApiServer::start(examples());
    let server = ApiServer::start(examples().yaml(&calico("projectcalico.org/v3")));
    expect_code(&run(&plain, &["why", FROM, TO]), 0);
    let out = run(&server, &["why", FROM, TO]);
    expect_code(&out, 1);
    assert!(out.stdout.contains("GlobalNetworkPolicy security.no-staging"), "{}", out.stdout);
    assert_eq!(
        calico_reads(&server),
        [
            "/apis/projectcalico.org/v3/globalnetworkpolicies",
            "/apis/projectcalico.org/v3/networkpolicies",
            "/apis/projectcalico.org/v3/tiers",
        ]
    );
    assert_eq!(server.requests().len(), plain.requests().len() + 3, "{}", server.request_lines());
    assert_eq!(server.requests().iter().filter(|r| r.path == "/apis").count(), 1);
}

#[test]
fn the_crds_when_only_they_are_served() {
    let server = ApiServer::start(examples().yaml(&calico("crd.projectcalico.org/v1")));
    let out = run(&server, &["why", FROM, TO]);
    expect_code(&out, 1);
    assert!(out.stdout.contains("GlobalNetworkPolicy security.no-staging"), "{}", out.stdout);
    assert_eq!(
        calico_reads(&server),
        [
            "/apis/crd.projectcalico.org/v1/globalnetworkpolicies",
            "/apis/crd.projectcalico.org/v1/networkpolicies",
            "/apis/crd.projectcalico.org/v1/tiers",
        ]
    );
    // list and matrix read them too.
    let out = run(&server, &["list", "-n", "monitoring", "-o", "json"]);
    expect_code(&out, 0);
    let out = run(&server, &["matrix", "-A", "--port", "9090", "-o", "json"]);
    expect_code(&out, 0);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let cell = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["from"] == "staging/debug" && c["to"] == "monitoring/prometheus-0")
        .unwrap_or_else(|| panic!("{v}"))
        .clone();
    assert_eq!(cell["verdict"], "blocked", "{cell}");
}

#[test]
fn a_cluster_without_calico_pays_no_request() {
    let server = ApiServer::start(examples());
    expect_code(&run(&server, &["why", FROM, TO]), 0);
    assert!(calico_reads(&server).is_empty(), "{}", server.request_lines());
}

#[test]
fn a_forbidden_kind_is_a_note_and_a_caveat() {
    let server = ApiServer::start(examples().yaml(&calico("projectcalico.org/v3")));
    server.inject(Fault::new("GET", "/apis/projectcalico.org/v3/globalnetworkpolicies").status(403));
    let out = run(&server, &["why", FROM, TO, "-o", "json"]);
    expect_code(&out, 0);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let caveat = v["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "cluster-policies-unread")
        .unwrap_or_else(|| panic!("a caveat: {v}"));
    assert!(caveat["message"].as_str().unwrap().contains("Calico GlobalNetworkPolicys"), "{caveat}");
    let notes = v["notes"].to_string();
    assert!(notes.contains("globalnetworkpolicies.projectcalico.org"), "{notes}");
}
