//! `list` and `matrix` against a live cluster: every coverage state after the API server's
//! defaulting, pods read metadata-only page by page, `--exit-code` and its system-namespace rule,
//! and the scope of `matrix`.

use serde_json::Value;

use crate::common::{examples, expect_code, run};
use crate::support::fixtures::{namespace, pod};
use crate::support::{ApiServer, Fault, Fixture, KubeconfigSpec};

/// One namespace per state, and the defaulting cases.
const POLICIES: &str = "
# deny: one policy selecting every pod, both directions.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-all, namespace: deny}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
# pods: every current pod is isolated, by label.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-only, namespace: pods}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress, Egress]}
---
# partial: some pods isolated.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-only, namespace: partial}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress, Egress]}
---
# allow-all: isolated, then every peer on every port admitted.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: allow-all}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{}]
  egress: [{}]
---
# No policyTypes and no egress rules: the API server defaults it to [Ingress].
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: ingress-only}
spec: {podSelector: {}}
---
# No policyTypes but egress rules: defaulted to [Ingress, Egress].
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: dns-only, namespace: both-defaulted}
spec:
  podSelector: {}
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
    ports: [{port: 53, protocol: UDP}]
---
# A deny, re-opened to everything by a second policy: every namespace, every address.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-all, namespace: reopened}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-everyone, namespace: reopened}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {}}, {ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: '::/0'}}]
---
# A namespace without pods is still covered by its deny.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-all, namespace: empty-deny}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
";

fn states() -> Fixture {
    let mut fixture = Fixture::new().with_system_namespaces().yaml(POLICIES);
    for ns in [
        "deny",
        "pods",
        "partial",
        "none",
        "allow-all",
        "ingress-only",
        "both-defaulted",
        "reopened",
        "empty",
        "empty-deny",
    ] {
        fixture = fixture.object(namespace(ns, &[]));
    }
    for (ns, name, app) in [
        ("deny", "a", "web"),
        ("deny", "b", "db"),
        ("pods", "web-1", "web"),
        ("pods", "web-2", "web"),
        ("partial", "web-1", "web"),
        ("partial", "db-1", "db"),
        ("none", "web-1", "web"),
        ("allow-all", "web-1", "web"),
        ("ingress-only", "web-1", "web"),
        ("both-defaulted", "web-1", "web"),
        ("reopened", "web-1", "web"),
        ("kube-system", "coredns-1", "kube-dns"),
    ] {
        fixture = fixture.object(pod(ns, name).labels(&[("app", app)]).build());
    }
    fixture
}

fn json_of(out: &crate::support::Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.describe()))
}

/// `namespace -> (ingress state, egress state, pods, not isolated in ingress)`; pods isolated but
/// allowed everything are `allowedAll`, not here.
fn rows(report: &Value) -> Vec<(String, String, String, u64, Vec<String>)> {
    report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let names = n["ingress"]["notIsolated"].as_array().unwrap();
            (
                n["namespace"].as_str().unwrap().to_string(),
                n["ingress"]["state"].as_str().unwrap().to_string(),
                n["egress"]["state"].as_str().unwrap().to_string(),
                n["pods"].as_u64().unwrap(),
                names.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
            )
        })
        .collect()
}

#[test]
fn every_state_after_the_api_servers_defaulting() {
    let server = ApiServer::start(states());
    let out = run(&server, &["list", "-o", "json"]);
    expect_code(&out, 0);
    let row = |ns: &str, ingress: &str, egress: &str, pods: u64, open: &[&str]| {
        (ns.to_string(), ingress.to_string(), egress.to_string(), pods, open.iter().map(|s| s.to_string()).collect())
    };
    assert_eq!(
        rows(&json_of(&out)),
        [
            row("allow-all", "allow-all", "allow-all", 1, &[]),
            row("both-defaulted", "deny", "deny", 1, &[]),
            row("default", "none", "none", 0, &[]),
            row("deny", "deny", "deny", 2, &[]),
            row("empty", "none", "none", 0, &[]),
            row("empty-deny", "deny", "deny", 0, &[]),
            row("ingress-only", "deny", "none", 1, &[]),
            row("kube-node-lease", "none", "none", 0, &[]),
            row("kube-public", "none", "none", 0, &[]),
            row("kube-system", "none", "none", 1, &["coredns-1"]),
            row("none", "none", "none", 1, &["web-1"]),
            row("partial", "partial", "partial", 2, &["db-1"]),
            row("pods", "pods", "pods", 2, &[]),
            row("reopened", "allow-all", "deny", 1, &[]),
        ]
    );
    // Isolated, but allowed everything: told apart from not isolated.
    let report = json_of(&out);
    for ns in ["allow-all", "reopened"] {
        let row = report["namespaces"].as_array().unwrap().iter().find(|n| n["namespace"] == ns).unwrap();
        assert_eq!(row["ingress"]["allowedAll"], serde_json::json!(["web-1"]), "{ns}");
    }
}

#[test]
fn the_table_lists_namespaces_lacking_default_deny_and_all_lists_every_one() {
    let server = ApiServer::start(states());
    let out = run(&server, &["list"]);
    expect_code(&out, 0);
    let listed: Vec<&str> = out.stdout.lines().skip(1).map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(
        listed,
        [
            "allow-all",
            "default",
            "empty",
            "ingress-only",
            "kube-node-lease",
            "kube-public",
            "kube-system",
            "none",
            "partial",
            "pods",
            "reopened"
        ],
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("kube-system (system)"), "{}", out.stdout);
    let all = run(&server, &["list", "--all", "-o", "wide"]);
    expect_code(&all, 0);
    assert_eq!(all.stdout.lines().count(), 15, "{}", all.stdout);
    assert!(all.stdout.lines().any(|l| l.starts_with("reopened") && l.contains("allow-everyone")), "{}", all.stdout);
}

#[test]
fn exit_code_counts_system_namespaces_only_when_named() {
    let hardened = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
";
    let server = ApiServer::start(
        Fixture::new()
            .with_system_namespaces()
            .object(namespace("shop", &[]))
            .yaml(hardened)
            .yaml(&hardened.replace("shop", "default"))
            .object(pod("shop", "web").build())
            .object(pod("kube-system", "coredns").build()),
    );
    // kube-system lacks default-deny, but a CI gate counts the namespaces users own.
    let out = run(&server, &["list", "--exit-code"]);
    expect_code(&out, 0);
    assert!(out.stdout.contains("kube-system"), "listed, but not counted: {}", out.stdout);
    let out = run(&server, &["list", "--exit-code", "-n", "kube-system"]);
    expect_code(&out, 1);
    let out = run(&server, &["list", "--exit-code", "-n", "shop"]);
    expect_code(&out, 0);
    assert_eq!(out.stderr, "Namespace shop has default-deny for ingress and egress.\n");
    // Without --exit-code, lacking default-deny is an answer, not a failure.
    let out = run(&server, &["list", "-n", "kube-system"]);
    expect_code(&out, 0);

    server.insert(namespace("team-b", &[]));
    let out = run(&server, &["list", "--exit-code"]);
    expect_code(&out, 1);
}

#[test]
fn pods_are_listed_metadata_only_page_by_page() {
    let mut fixture = Fixture::new().with_system_namespaces();
    for n in 0..3 {
        fixture = fixture.object(namespace(&format!("team-{n}"), &[]));
        for p in 0..400 {
            fixture = fixture.object(pod(&format!("team-{n}"), &format!("pod-{p:03}")).labels(&[("app", "x")]).build());
        }
    }
    let server = ApiServer::start(fixture);
    let out = run(&server, &["list", "-o", "json"]);
    expect_code(&out, 0);
    let pods: u64 = json_of(&out)["namespaces"].as_array().unwrap().iter().map(|n| n["pods"].as_u64().unwrap()).sum();
    assert_eq!(pods, 1200);
    let requests = server.requests();
    let pages: Vec<_> = requests.iter().filter(|r| r.path == "/api/v1/pods").collect();
    assert_eq!(pages.len(), 3, "1,200 pods in pages of 500:\n{}", server.request_lines());
    assert!(pages.iter().all(|r| r.is_metadata_only() && r.param("limit") == Some("500")), "{pages:#?}");
    assert_eq!(pages[0].param("continue"), None);
    assert!(pages[1].param("continue").is_some() && pages[2].param("continue").is_some());
    assert!(
        pages.iter().all(|r| r.accept.as_deref().is_some_and(|a| a.contains("as=PartialObjectMetadataList"))),
        "{pages:#?}"
    );
    assert!(requests.iter().all(|r| r.method == "GET"), "list only reads:\n{}", server.request_lines());
    assert_eq!(
        requests.len(),
        3 + 3 + 1,
        "pages of pods, then namespaces, policies and DaemonSets, and the served APIs:\n{}",
        server.request_lines()
    );
}

#[test]
fn named_namespaces_are_read_one_by_one() {
    let server = ApiServer::start(states());
    let out = run(&server, &["list", "-n", "deny", "-n", "none", "-o", "json"]);
    expect_code(&out, 0);
    let names: Vec<String> = rows(&json_of(&out)).into_iter().map(|r| r.0).collect();
    assert_eq!(names, ["deny", "none"]);
    let mut paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/v1/namespaces",
            "/api/v1/namespaces/deny/pods",
            "/api/v1/namespaces/none/pods",
            // The served APIs: no cluster-wide policy kind is, nothing more is read for them.
            "/apis",
            "/apis/apps/v1/daemonsets",
            "/apis/networking.k8s.io/v1/namespaces/deny/networkpolicies",
            "/apis/networking.k8s.io/v1/namespaces/none/networkpolicies",
        ]
    );
}

#[test]
fn a_forbidden_daemonset_list_is_a_warning_not_an_error() {
    let server = ApiServer::start(states());
    server.inject(Fault::new("GET", "/apis/apps/v1/daemonsets").status(403));
    let out = run(&server, &["list", "--exit-code", "-n", "deny"]);
    expect_code(&out, 0);
    assert!(
        out.stderr.contains(
            "Warning: not allowed to list daemonsets.apps, so the network plugin was not identified (whether it \
             enforces NetworkPolicy is unknown) (check with: kubectl auth can-i list daemonsets.apps --all-namespaces)\n"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn a_plugin_that_does_not_enforce_policy_is_a_warning() {
    let flannel = "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-flannel-ds, namespace: kube-system}
spec:
  selector: {matchLabels: {app: flannel}}
  template:
    metadata: {labels: {app: flannel}}
    spec: {containers: [{name: flannel, image: docker.io/flannel/flannel:v0.25.1}]}
";
    let server = ApiServer::start(states().yaml(flannel));
    let out = run(&server, &["list", "-o", "json"]);
    expect_code(&out, 0);
    assert_eq!(json_of(&out)["networkPlugin"]["enforcement"], "not-enforced", "{}", out.stdout);
    assert!(out.stderr.starts_with("Warning: ") && out.stderr.contains("Flannel"), "{}", out.stderr);
    let out = run(&server, &["matrix", "-n", "deny"]);
    expect_code(&out, 0);
    assert!(out.stderr.contains("Flannel"), "{}", out.stderr);
}

// --- matrix --------------------------------------------------------------------------------------

#[test]
fn matrix_reads_the_pods_and_policies_of_its_scope() {
    let server = ApiServer::start_with(
        examples(),
        KubeconfigSpec::new(Some("shop")).cluster("c").user("u", "t").context("shop", "c", "u", Some("production")),
    );
    // Without -n: the context's namespace.
    let out = run(&server, &["matrix", "-o", "json", "--port", "5432"]);
    expect_code(&out, 0);
    let cells: Value = serde_json::from_str(&out.stdout).unwrap();
    let allowed: Vec<(String, String)> = cells["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "allowed" && c["from"] != c["to"])
        .map(|c| (c["from"].as_str().unwrap().to_string(), c["to"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        allowed,
        [
            ("production/api-7b9c5d4f6-kx7mn".to_string(), "production/postgres-0".to_string()),
            ("production/api-7b9c5d4f6-p2d4r".to_string(), "production/postgres-0".to_string()),
        ]
    );
    let mut paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/v1/namespaces",
            "/api/v1/namespaces/production/pods",
            // The served APIs: no cluster-wide policy kind is, nothing more is read for them.
            "/apis",
            "/apis/apps/v1/daemonsets",
            "/apis/networking.k8s.io/v1/namespaces/production/networkpolicies",
        ]
    );
    let pods = server.requests().into_iter().find(|r| r.path.ends_with("/pods")).unwrap();
    assert!(!pods.is_metadata_only(), "matrix needs the pods' ports");

    server.clear_log();
    let out = run(&server, &["matrix", "-A", "-o", "json"]);
    expect_code(&out, 0);
    let mut paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/v1/namespaces",
            "/api/v1/pods",
            // The served APIs: no cluster-wide policy kind is, nothing more is read for them.
            "/apis",
            "/apis/apps/v1/daemonsets",
            "/apis/networking.k8s.io/v1/networkpolicies"
        ]
    );
}

/// What someone allowed to read only their own namespace is refused: everything cluster-wide.
fn namespace_scoped(server: &ApiServer) {
    for path in
        ["/api/v1/namespaces", "/api/v1/nodes", "/api/v1/pods", "/apis/apps/v1/daemonsets", "/api/v1/namespaces/empty"]
    {
        server.inject(Fault::new("GET", path).status(403));
    }
    server.inject(Fault::new("GET", "/apis/networking.k8s.io/v1/networkpolicies").status(403));
    server.inject(Fault::new("GET", "/api/v1/namespaces/kube-system/*").status(403));
}

#[test]
fn someone_who_may_read_only_their_namespaces_gets_answers_with_warnings() {
    let server = ApiServer::start(states());
    namespace_scoped(&server);
    let out = run(&server, &["list", "-n", "partial", "-n", "empty", "-o", "json"]);
    expect_code(&out, 0);
    let names: Vec<String> = rows(&json_of(&out)).into_iter().map(|r| r.0).collect();
    assert_eq!(names, ["empty", "partial"], "a namespace without pods still has its row");
    let warnings: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{}", out.stderr);
    assert!(warnings[0].starts_with("Warning: not allowed to list namespaces, so namespace labels were not read"));
    assert!(warnings[1].starts_with("Warning: not allowed to list daemonsets.apps"));
    let out = run(&server, &["why", "-n", "partial", "web-1", "db-1:80"]);
    expect_code(&out, 1);
    // No policy here has a namespaceSelector: namespace labels were not even needed.
    assert!(!out.stdout.contains("not allowed to list namespaces"), "{}", out.stdout);
    assert!(out.stdout.contains("not allowed to list daemonsets.apps"), "{}", out.stdout);
    // Cluster-wide questions are refused, saying which permission is missing.
    let out = run(&server, &["list"]);
    expect_code(&out, 2);
    assert!(out.stderr.contains("kubectl auth can-i list pods --all-namespaces"), "{}", out.stderr);
}

/// The namespaces of `tests/fixtures/cli/list_reopened`: denies re-opened by namespace-wide rules
/// that admit every pod, alone or together.
fn reopened() -> Fixture {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli/list_reopened/namespaces.yaml");
    Fixture::new().yaml(&std::fs::read_to_string(path).expect("the list_reopened fixture"))
}

/// Issue 10, item 1, live: a CIDR covering every pod IP re-opens a namespace as it does from
/// files; the pods are read whole (their addresses) only because an ipBlock could add up to
/// everything, and metadata-only otherwise.
#[test]
fn reopened_namespaces_are_allow_all_live_as_from_files() {
    let server = ApiServer::start(reopened());
    let dir = crate::common::manifests_of(&server);
    let live = run(&server, &["list", "--all", "-o", "wide"]);
    expect_code(&live, 0);
    let path = dir.path().display().to_string();
    let files = crate::support::run(&["list", "--all", "-o", "wide", "-f", &path], crate::support::NO_ENV);
    assert_eq!(live.stdout, files.stdout, "live:\n{}\nfiles:\n{}", live.describe(), files.describe());
    assert!(live.stdout.contains("pod-cidr        allow-all"), "{}", live.stdout);
    let whole: Vec<_> =
        server.requests().into_iter().filter(|r| r.path == "/api/v1/pods" && !r.is_metadata_only()).collect();
    assert_eq!(whole.len(), 1, "{}", server.request_lines());

    let server = ApiServer::start(reopened());
    let out = run(&server, &["list", "-n", "tcp-only", "-n", "own-namespace", "-o", "json"]);
    expect_code(&out, 0);
    let pods: Vec<_> = server.requests().into_iter().filter(|r| r.path.ends_with("/pods")).collect();
    assert!(pods.iter().all(|r| r.is_metadata_only()), "{}", server.request_lines());

    // Named, a namespace whose answer needs addresses still counts every pod of the cluster.
    let server = ApiServer::start(reopened());
    let out = run(&server, &["list", "-n", "pod-cidr", "-o", "json"]);
    expect_code(&out, 0);
    assert_eq!(json_of(&out)["namespaces"][0]["ingress"]["state"], "allow-all", "{}", out.describe());
    assert!(server.requests().iter().any(|r| r.path == "/api/v1/pods" && !r.is_metadata_only()));
}
