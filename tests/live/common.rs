//! Fixtures shared by the live tests: the example cluster of `examples/`, and manifests written
//! from what a server holds, in the order the API lists it.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{ApiServer, Fixture, Output, TempDir};

/// Every manifest under `examples/`: a three-tier shop in production with the starter kit,
/// staging half-way, kube-system with CoreDNS and Calico, ingress-nginx and monitoring.
pub fn examples() -> Fixture {
    Fixture::new().yaml_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"))
}

/// The kinds kubectl-deny reads, in the order the server's objects are written out.
const KINDS: &[&str] = &[
    "Namespace",
    "Node",
    "Pod",
    "Service",
    "EndpointSlice",
    "NetworkPolicy",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
];

/// Writes everything the server holds as one `kind: List` JSON file (what `kubectl get -o json`
/// prints), objects in the API's order, and returns the directory to pass to `-f`.
pub fn manifests_of(server: &ApiServer) -> TempDir {
    let items: Vec<Value> = KINDS.iter().flat_map(|kind| server.objects(kind)).collect();
    let dir = TempDir::new("manifests");
    let list = json!({ "apiVersion": "v1", "kind": "List", "items": items });
    dir.write("cluster.json", &serde_json::to_string_pretty(&list).expect("JSON serializes"));
    dir
}

/// Runs the binary against `server` with its kubeconfig.
pub fn run(server: &ApiServer, args: &[&str]) -> Output {
    crate::support::run(args, &server.env())
}

/// Asserts the exit code, showing everything when it differs.
#[track_caller]
pub fn expect_code(out: &Output, code: i32) {
    assert_eq!(out.code, Some(code), "{}", out.describe());
}

/// The GET requests made, as `METHOD /path?query` lines (for assertion messages).
pub fn gets(server: &ApiServer) -> Vec<String> {
    server.requests().iter().filter(|r| r.method == "GET").map(|r| r.line()).collect()
}
