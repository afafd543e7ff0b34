//! One snapshot, two sources: the objects a server holds, written to a directory as `kubectl get
//! -o json` would, give byte for byte the same answers through `-f` as through the server, even
//! though the live source reads only a part of them.

use crate::common::{examples, manifests_of, run};
use crate::support::{self, ApiServer};

const FRONTEND: &str = "production/frontend-6d8f7c9b5-2lq8x";
const API: &str = "production/api-7b9c5d4f6-kx7mn";
const INGRESS: &str = "ingress-nginx/ingress-nginx-controller-7c6974c4d8-qm5vz";

/// Runs `args` against the server and against its objects written to files, and asserts the same
/// exit status, stdout and stderr.
fn same_answer(server: &ApiServer, dir: &support::TempDir, args: &[&str]) {
    let live = run(server, args);
    let path = dir.path().display().to_string();
    let mut with_files: Vec<&str> = args.to_vec();
    with_files.extend(["-f", &path]);
    let files = support::run(&with_files, support::NO_ENV);
    assert_eq!(live.code, files.code, "{args:?}\nlive: {}\nfiles: {}", live.describe(), files.describe());
    assert_eq!(live.stdout, files.stdout, "{args:?}: stdout differs");
    assert_eq!(live.stderr, files.stderr, "{args:?}: stderr differs");
    assert!(!live.stdout.is_empty() || !live.stderr.is_empty(), "{args:?} printed nothing");
}

#[test]
fn why_answers_the_same_from_the_cluster_and_from_its_manifests() {
    let server = ApiServer::start(examples());
    let dir = manifests_of(&server);
    let api_8080 = format!("{API}:8080");
    let questions: Vec<Vec<&str>> = vec![
        vec!["why", FRONTEND, &api_8080],
        vec!["why", "-n", "production", "deploy/frontend", "sts/postgres:5432"],
        vec!["why", "-n", "production", "deploy/frontend", "svc/api:80"],
        vec!["why", "-n", "production", "deploy/frontend", "svc/api"],
        vec!["why", INGRESS, "production/deploy/frontend:http"],
        vec!["why", "monitoring/prometheus-0", "production/deploy/api:metrics"],
        vec!["why", "monitoring/prometheus-0", &api_8080],
        vec!["why", "staging/debug", "staging/frontend-5f6d7c8b9-abcde:8080"],
        vec!["why", "staging/frontend-5f6d7c8b9-abcde", "staging/debug:9999/udp"],
        vec!["why", API, "203.0.113.10:443"],
        vec!["why", API, "10.1.2.3:443"],
        vec!["why", "192.168.10.12", &api_8080],
        vec!["why", "10.244.1.30", &api_8080],
        vec!["why", API, "production/postgres-0"],
        vec!["why", FRONTEND, "production/postgres-0:5432/udp"],
        vec!["why", FRONTEND, "kube-system/coredns-5d78c9869d-7xk2p:53/udp"],
        vec!["why", "-n", "production", "deploy/api", "svc/frontend:80"],
    ];
    for question in &questions {
        for format in ["table", "wide", "json"] {
            let mut args = question.clone();
            args.extend(["-o", format]);
            same_answer(&server, &dir, &args);
        }
    }
}

#[test]
fn not_found_errors_are_the_same_from_the_cluster_and_from_its_manifests() {
    let server = ApiServer::start(examples());
    let dir = manifests_of(&server);
    for question in [
        ["why", "production/frontend", "production/postgres-0:5432"],
        ["why", "production/frontend-6d8f7c9b5-2lq8", "production/postgres-0:5432"],
        ["why", "production/debug", "production/postgres-0:5432"],
        ["why", "production/deploy/postgres", "production/postgres-0:5432"],
        ["why", "production/deploy/frontnd", "production/postgres-0:5432"],
        ["why", FRONTEND, "production/svc/postgress:5432"],
        ["why", FRONTEND, "production/svc/api:5432"],
    ] {
        same_answer(&server, &dir, &question);
    }
}

#[test]
fn matrix_and_list_answer_the_same_from_the_cluster_and_from_its_manifests() {
    let server = ApiServer::start(examples());
    let dir = manifests_of(&server);
    for args in [
        &["matrix", "-n", "production", "-o", "json"][..],
        &["matrix", "-n", "production", "-n", "staging", "-o", "json"],
        &["matrix", "-A", "-o", "json"],
        &["matrix", "-A", "--port", "8080", "--port", "53/udp", "-o", "json"],
        &["matrix", "-n", "production"],
        &["list", "-o", "json"],
        &["list", "-o", "yaml"],
        &["list", "--all", "-o", "wide"],
        &["list", "-n", "staging", "-n", "kube-system", "-o", "json"],
        &["list", "--exit-code"],
    ] {
        same_answer(&server, &dir, args);
    }
}

/// A namespace locked down without DNS, reached through a Service whose port differs from its
/// target port, allowing ingress by namespace labels: the DNS hint, the Service-port hint and
/// namespace labels all come into play.
const LOCKDOWN: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: lockdown, labels: {team: vault}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: lockdown}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-shop, namespace: lockdown}
spec:
  podSelector: {matchLabels: {app: vault}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: shop, env: prod}}}]
    ports: [{port: 8200}]
---
apiVersion: v1
kind: Service
metadata: {name: vault, namespace: lockdown}
spec:
  selector: {app: vault}
  ports: [{name: api, port: 80, targetPort: 8200}]
---
apiVersion: v1
kind: Pod
metadata: {name: vault-0, namespace: lockdown, labels: {app: vault}}
spec:
  nodeName: node-a
  containers: [{name: vault, image: vault:1.17, ports: [{containerPort: 8200, name: api}]}]
status: {phase: Running, podIP: 10.244.0.90}
";

#[test]
fn hints_from_live_reads_are_the_same_as_from_manifests() {
    let server = ApiServer::start(examples().yaml(LOCKDOWN));
    let dir = manifests_of(&server);
    for args in [
        &["why", "lockdown/vault-0", &format!("{API}:8080")][..],
        &["why", FRONTEND, "lockdown/vault-0:80"],
        &["why", FRONTEND, "lockdown/vault-0:8200"],
        &["why", "staging/debug", "lockdown/vault-0:8200"],
        &["why", FRONTEND, "lockdown/svc/vault", "-o", "json"],
        &["why", "lockdown/vault-0", "production/svc/api:80", "-o", "wide"],
    ] {
        same_answer(&server, &dir, args);
    }
    let out = run(&server, &["why", "lockdown/vault-0", &format!("{API}:8080")]);
    assert!(out.stdout.contains("may not reach the cluster DNS"), "{}", out.stdout);
    let out = run(&server, &["why", FRONTEND, "lockdown/vault-0:80"]);
    assert!(out.stdout.contains("80 is the port of Service lockdown/vault"), "{}", out.stdout);
    let out = run(&server, &["why", "staging/debug", "lockdown/vault-0:8200", "-o", "wide"]);
    assert!(out.stdout.contains("namespace staging: needs env=prod but has env=staging"), "{}", out.stdout);
}

/// Issue 10, item 20: the policies that isolate a pod are listed in the same order live and from
/// files, whatever order the files hold them in (`examples/` lists default-deny-all first; the API
/// lists by name).
#[test]
fn policies_are_listed_in_the_same_order_live_and_from_the_example_files() {
    let server = ApiServer::start(examples());
    let examples_dir = format!("{}/examples", env!("CARGO_MANIFEST_DIR"));
    for args in [
        &["why", "-n", "production", "deploy/frontend", "svc/postgres"][..],
        &["why", "-n", "production", "deploy/frontend", "svc/postgres", "-o", "json"],
        &["why", "-n", "production", "deploy/api", "deploy/frontend", "-o", "wide"],
        &["list", "--all", "-o", "wide"],
    ] {
        let live = run(&server, args);
        let mut with_files: Vec<&str> = args.to_vec();
        with_files.extend(["-f", &examples_dir]);
        let files = support::run(&with_files, support::NO_ENV);
        assert_eq!(live.stdout, files.stdout, "{args:?}\nlive: {}\nfiles: {}", live.describe(), files.describe());
    }
}
