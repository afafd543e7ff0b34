//! `kubectl deny init` against the loopback API server: server-side apply of the starter kit,
//! idempotence, conflicts with other managers, dry runs, partial failures, the order of the
//! requests, and the namespaces it refuses.
//!
//! Contents: creating and re-running; conflicts and --force-conflicts; dry runs; failures in one
//! namespace; request order; refused namespaces; -A; output formats; what detection reads.

mod support;

use serde_json::{Value, json};

use support::fixtures::{ingress_class, managed_by, namespace, network_policy, pod};
use support::{ApiServer, Fault, Fixture, Output, RecordedRequest};

const KUBE_DNS: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  selector: {k8s-app: kube-dns}
  clusterIP: 10.96.0.10
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns-1, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  containers:
  - name: coredns
    ports:
    - {name: dns, containerPort: 53, protocol: UDP}
    - {name: dns-tcp, containerPort: 53, protocol: TCP}
status: {phase: Running, podIP: 10.244.0.10}
"#;

const KIT: [&str; 3] = ["allow-dns", "allow-ingress-controller", "default-deny-all"];

/// A small cluster: system namespaces, prod and staging, CoreDNS and ingress-nginx.
fn cluster() -> Fixture {
    Fixture::new()
        .with_system_namespaces()
        .object(namespace("prod", &[("team", "shop")]))
        .object(namespace("staging", &[]))
        .object(namespace("ingress-nginx", &[]))
        .yaml(KUBE_DNS)
        .object(ingress_class("nginx", "k8s.io/ingress-nginx"))
        .object(
            pod("ingress-nginx", "ingress-nginx-controller-7c9d")
                .labels(&[
                    ("app.kubernetes.io/name", "ingress-nginx"),
                    ("app.kubernetes.io/component", "controller"),
                    ("app.kubernetes.io/instance", "ingress-nginx"),
                ])
                .ip("10.244.1.5")
                .build(),
        )
        .object(pod("prod", "web-1").labels(&[("app", "web")]).ip("10.244.2.7").build())
}

fn init(server: &ApiServer, args: &[&str]) -> Output {
    let mut all = vec!["init"];
    all.extend_from_slice(args);
    support::run(&all, &server.env())
}

fn stored(server: &ApiServer, ns: &str, name: &str) -> Option<Value> {
    server.object("NetworkPolicy", Some(ns), name)
}

fn patches(server: &ApiServer) -> Vec<RecordedRequest> {
    server.requests().into_iter().filter(|r| r.method == "PATCH").collect()
}

/// `(namespace, policy, result)` rows of the result table.
fn rows(out: &Output) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in out.stdout.lines() {
        if line.starts_with("NAMESPACE") {
            in_table = true;
            continue;
        }
        if in_table {
            if line.trim().is_empty() {
                break;
            }
            let cells: Vec<&str> = line.split("   ").map(str::trim).filter(|c| !c.is_empty()).collect();
            rows.push((cells[0].to_string(), cells[1].to_string(), cells[2..].join(" ")));
        }
    }
    rows
}

fn expect_rows(out: &Output, expected: &[(&str, &str, &str)]) {
    let got = rows(out);
    let got: Vec<(&str, &str, &str)> = got.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect();
    assert_eq!(got, expected, "{}", out.describe());
}

// --- creating and re-running ------------------------------------------------------------------

#[test]
fn first_run_creates_the_kit_and_a_second_run_changes_nothing() {
    let server = ApiServer::start(cluster());
    let out = init(&server, &["-n", "prod", "-n", "staging"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "created"),
            ("prod", "allow-ingress-controller", "created"),
            ("prod", "default-deny-all", "created"),
            ("staging", "allow-dns", "created"),
            ("staging", "allow-ingress-controller", "created"),
            ("staging", "default-deny-all", "created"),
        ],
    );
    assert!(out.stdout.contains("The kit is in place in 2 namespaces."), "{}", out.describe());
    assert!(out.stderr.is_empty(), "{}", out.describe());

    let versions: Vec<Value> = ["prod", "staging"]
        .iter()
        .flat_map(|ns| KIT.iter().map(move |name| (ns, name)))
        .map(|(ns, name)| stored(&server, ns, name).expect("created")["metadata"]["resourceVersion"].clone())
        .collect();
    let deny = stored(&server, "prod", "default-deny-all").unwrap();
    assert_eq!(deny["spec"], json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}));
    assert_eq!(deny["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kubectl-deny");
    assert!(deny["metadata"]["annotations"]["kubectl-deny/description"].as_str().unwrap().starts_with("Default deny"));
    let managers = &deny["metadata"]["managedFields"];
    assert_eq!(
        (managers[0]["manager"].as_str(), managers[0]["operation"].as_str()),
        (Some("kubectl-deny"), Some("Apply"))
    );
    assert!(patches(&server).iter().all(|r| r.param("fieldManager") == Some("kubectl-deny")
        && r.content_type.as_deref() == Some("application/apply-patch+yaml")
        && r.param("force").is_none()));

    server.clear_log();
    // A real server keeps an identical apply a no-op whenever it comes; crossing a second makes
    // sure nothing time-stamped sneaks into the comparison.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = init(&server, &["-n", "prod", "-n", "staging"]);
    assert_eq!(again.code, Some(0), "{}", again.describe());
    assert!(rows(&again).iter().all(|(_, _, result)| result == "unchanged"), "{}", again.describe());
    assert!(again.stdout.contains("already in place in 2 namespaces; nothing changed"), "{}", again.describe());
    let after: Vec<Value> = ["prod", "staging"]
        .iter()
        .flat_map(|ns| KIT.iter().map(move |name| (ns, name)))
        .map(|(ns, name)| stored(&server, ns, name).unwrap()["metadata"]["resourceVersion"].clone())
        .collect();
    assert_eq!(after, versions, "a second run must not change any object");
    assert_eq!(server.count("DELETE", "/"), 0);
}

#[test]
fn a_policy_the_user_changed_is_configured_back() {
    let server = ApiServer::start(cluster());
    assert_eq!(init(&server, &["-n", "prod"]).code, Some(0));
    let mut changed = stored(&server, "prod", "allow-dns").unwrap();
    changed["spec"]["egress"][0]["ports"] = json!([{"port": 5353, "protocol": "UDP"}]);
    server.insert(changed);
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "configured"),
            ("prod", "allow-ingress-controller", "unchanged"),
            ("prod", "default-deny-all", "unchanged"),
        ],
    );
    let ports = &stored(&server, "prod", "allow-dns").unwrap()["spec"]["egress"][0]["ports"];
    assert_eq!(ports, &json!([{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]));
}

// --- conflicts --------------------------------------------------------------------------------

fn hand_made_deny() -> Value {
    let theirs = network_policy(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny-all, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n",
    );
    managed_by(
        theirs,
        "kubectl-client-side-apply",
        "Update",
        "networking.k8s.io/v1",
        &[".spec.podSelector", ".spec.policyTypes"],
    )
}

#[test]
fn a_hand_made_policy_of_the_same_name_is_a_conflict_and_survives_untouched() {
    let server = ApiServer::start(cluster().object(hand_made_deny()));
    let before = stored(&server, "prod", "default-deny-all").unwrap();
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "created"),
            ("prod", "allow-ingress-controller", "created"),
            ("prod", "default-deny-all", "conflict"),
        ],
    );
    // Issue 10, item 9: errors go to stderr; stdout holds the result.
    assert!(
        out.stderr.contains(
            "error: prod/default-deny-all: conflict: default-deny-all already exists and is managed by \
             kubectl-client-side-apply; it was left untouched (to take it over, re-run with --force-conflicts)"
        ),
        "{}",
        out.describe()
    );
    assert!(!out.stdout.contains("already exists"), "{}", out.describe());
    assert!(out.stdout.contains("The kit is not in place in 1 of 1 namespace."), "{}", out.describe());
    assert_eq!(stored(&server, "prod", "default-deny-all").unwrap(), before, "the conflicting object is untouched");
    assert_eq!(server.count("PATCH", "/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies/default-deny-all"), 0);
}

fn hand_made(yaml: &str) -> Value {
    let theirs = network_policy(yaml);
    managed_by(theirs, "kubectl-client-side-apply", "Update", "networking.k8s.io/v1", &[".spec"])
}

/// Issue 10, item 3: a policy with the kit's spec applied before by someone else (here with
/// `kubectl apply`) is in place already: nothing is sent for it, it is not taken over, and the
/// command succeeds.
#[test]
fn an_identical_policy_made_by_hand_is_already_in_place() {
    let theirs = hand_made(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny-all, namespace: prod}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    );
    let server = ApiServer::start(cluster().object(theirs));
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "created"),
            ("prod", "allow-ingress-controller", "created"),
            ("prod", "default-deny-all", "in place"),
        ],
    );
    assert!(
        out.stdout.contains("prod/default-deny-all: in place: already there with the kit's spec (managed by kubectl-client-side-apply); left as it is"),
        "{}",
        out.describe()
    );
    assert!(out.stderr.is_empty(), "{}", out.describe());
    assert_eq!(server.count("PATCH", "/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies/default-deny-all"), 0);
    let after = stored(&server, "prod", "default-deny-all").unwrap();
    assert!(after["metadata"]["labels"].get("app.kubernetes.io/managed-by").is_none(), "not even a label is added");
}

/// A deny already in force is said to be, even when an allow could not be applied: never "not
/// applied because allow-dns is not in place", which would suggest the namespace is open.
#[test]
fn a_deny_already_in_force_is_reported_in_place_when_an_allow_conflicts() {
    let deny = hand_made(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-everything, namespace: prod}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    );
    let dns = hand_made(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-dns, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: 53, protocol: UDP}]}]\n",
    );
    let server = ApiServer::start(cluster().object(deny).object(dns));
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "conflict"),
            ("prod", "allow-ingress-controller", "created"),
            ("prod", "default-deny-all", "in place"),
        ],
    );
    assert!(
        out.stdout.contains(
            "prod/default-deny-all: in place: deny-everything has the kit's spec: the deny is in force already"
        ),
        "{}",
        out.describe()
    );
    assert!(!out.stdout.contains("not applied because"), "{}", out.describe());
    assert!(out.stderr.contains("error: prod/allow-dns: conflict: allow-dns already exists"), "{}", out.describe());
    assert_eq!(server.count("PATCH", "/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies/default-deny-all"), 0);
}

#[test]
fn force_conflicts_takes_the_policy_over() {
    let server = ApiServer::start(cluster().object(hand_made_deny()));
    let out = init(&server, &["-n", "prod", "--force-conflicts"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "created"),
            ("prod", "allow-ingress-controller", "created"),
            ("prod", "default-deny-all", "configured"),
        ],
    );
    let deny = stored(&server, "prod", "default-deny-all").unwrap();
    assert_eq!(deny["spec"], json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}));
    assert!(patches(&server).iter().all(|r| r.param("force") == Some("true")), "{}", server.request_lines());
}

#[test]
fn a_conflict_the_server_reports_is_a_conflict_too() {
    // Applied by kubectl-deny once, then a field edited by someone else: the server answers 409.
    let server = ApiServer::start(cluster());
    assert_eq!(init(&server, &["-n", "prod"]).code, Some(0));
    let mut edited = stored(&server, "prod", "default-deny-all").unwrap();
    edited["spec"]["policyTypes"] = json!(["Ingress"]);
    let edited = managed_by(edited, "kubectl-edit", "Update", "networking.k8s.io/v1", &[".spec.policyTypes"]);
    server.insert(edited);
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert_eq!(rows(&out)[2].2, "conflict", "{}", out.describe());
    assert!(out.stderr.contains(r#"conflict with "kubectl-edit""#), "{}", out.describe());
    assert!(out.stderr.contains("--force-conflicts"), "{}", out.describe());
}

// --- dry runs ---------------------------------------------------------------------------------

#[test]
fn client_dry_run_sends_no_write_and_says_what_would_happen() {
    for flag in ["--dry-run=client", "--dry-run"] {
        let server = ApiServer::start(cluster().object(hand_made_deny()));
        let out = init(&server, &["-n", "prod", "-n", "staging", flag]);
        assert_eq!(out.code, Some(2), "the conflict is predicted\n{}", out.describe());
        expect_rows(
            &out,
            &[
                ("prod", "allow-dns", "created (dry run)"),
                ("prod", "allow-ingress-controller", "created (dry run)"),
                ("prod", "default-deny-all", "conflict"),
                ("staging", "allow-dns", "created (dry run)"),
                ("staging", "allow-ingress-controller", "created (dry run)"),
                ("staging", "default-deny-all", "created (dry run)"),
            ],
        );
        assert!(out.stdout.contains("Dry run: nothing was sent to the cluster."), "{}", out.describe());
        assert!(server.requests().iter().all(|r| r.method == "GET"), "{}", server.request_lines());
        assert!(stored(&server, "staging", "allow-dns").is_none());
    }
}

#[test]
fn server_dry_run_sends_dry_run_all_and_stores_nothing() {
    let server = ApiServer::start(cluster());
    let out = init(&server, &["-n", "prod", "--dry-run=server"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(rows(&out).iter().all(|(_, _, r)| r == "created (server dry run)"), "{}", out.describe());
    let patches = patches(&server);
    assert_eq!(patches.len(), 3);
    assert!(patches.iter().all(|r| r.param("dryRun") == Some("All")), "{}", server.request_lines());
    assert!(server.objects("NetworkPolicy").is_empty());

    assert_eq!(init(&server, &["-n", "prod"]).code, Some(0));
    let out = init(&server, &["-n", "prod", "--dry-run=server"]);
    assert!(rows(&out).iter().all(|(_, _, r)| r == "unchanged (server dry run)"), "{}", out.describe());
}

// --- failures in one namespace ------------------------------------------------------------------

#[test]
fn a_forbidden_namespace_leaves_the_others_done_and_itself_untouched() {
    let server = ApiServer::start(cluster());
    server.inject(Fault::new("PATCH", "/apis/networking.k8s.io/v1/namespaces/staging/*").status(403));
    let out = init(&server, &["-n", "prod", "-n", "staging"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "created"),
            ("prod", "allow-ingress-controller", "created"),
            ("prod", "default-deny-all", "created"),
            ("staging", "allow-dns", "error: forbidden"),
            ("staging", "allow-ingress-controller", "skipped"),
            ("staging", "default-deny-all", "skipped"),
        ],
    );
    assert!(out.stdout.contains("staging/allow-ingress-controller: skipped: not attempted after allow-dns failed"));
    assert!(
        out.stderr.contains("check with: kubectl auth can-i patch networkpolicies.networking.k8s.io -n staging"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout.contains(
            "staging/default-deny-all: skipped: not applied because allow-dns and allow-ingress-controller are not \
             in place, and a deny without its allows would cut the namespace off"
        ),
        "{}",
        out.describe()
    );
    for name in KIT {
        assert!(stored(&server, "prod", name).is_some());
        assert!(stored(&server, "staging", name).is_none());
    }
    assert_eq!(
        server.count("PATCH", "/apis/networking.k8s.io/v1/namespaces/staging/networkpolicies/default-deny-all"),
        0
    );
}

#[test]
fn one_failed_allow_keeps_the_deny_out_of_its_namespace() {
    let server = ApiServer::start(cluster());
    server.inject(
        Fault::new("PATCH", "/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies/allow-ingress-controller")
            .status(500)
            .message("etcdserver: request timed out"),
    );
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "created"),
            ("prod", "allow-ingress-controller", "error: error"),
            ("prod", "default-deny-all", "skipped"),
        ],
    );
    assert!(out.stderr.contains("error: prod/allow-ingress-controller:"), "{}", out.describe());
    assert!(out.stderr.contains("etcdserver: request timed out"), "{}", out.describe());
    assert!(stored(&server, "prod", "allow-dns").is_some());
    assert!(stored(&server, "prod", "default-deny-all").is_none(), "no deny without all of its allows");
}

// --- request order ------------------------------------------------------------------------------

#[test]
fn every_allow_reaches_a_namespace_before_its_deny() {
    let mut fixture = cluster();
    for i in 0..9 {
        fixture = fixture.object(namespace(&format!("team-{i}"), &[]));
    }
    let server = ApiServer::start(fixture);
    let out = init(&server, &["-A", "--allow-same-namespace"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let patches = patches(&server);
    let namespaces: Vec<String> = ["default", "prod", "staging"]
        .iter()
        .map(|s| s.to_string())
        .chain((0..9).map(|i| format!("team-{i}")))
        .collect();
    assert_eq!(patches.len(), namespaces.len() * 4, "{}", server.request_lines());
    for ns in &namespaces {
        let prefix = format!("/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies/");
        let order: Vec<&str> = patches.iter().filter_map(|r| r.path.strip_prefix(&prefix)).collect();
        assert_eq!(
            order,
            ["allow-dns", "allow-ingress-controller", "allow-same-namespace", "default-deny-all"],
            "{ns}"
        );
    }
}

// --- refused namespaces ---------------------------------------------------------------------------

#[test]
fn system_namespaces_are_refused_with_the_reason_before_anything_is_sent() {
    let server = ApiServer::start(cluster());
    for ns in ["kube-system", "kube-public", "kube-node-lease"] {
        let out = init(&server, &["-n", "prod", "-n", ns]);
        assert_eq!(out.code, Some(2), "{}", out.describe());
        assert!(
            out.stderr.starts_with(&format!("error: refusing to install the kit into {ns}: a system namespace")),
            "{}",
            out.describe()
        );
        assert!(out.stderr.contains("Pass --include-system to install it there anyway"), "{}", out.describe());
    }
    let out = init(&server, &["-n", "ingress-nginx"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(out.stderr.contains("it runs the ingress controller (ingress-nginx)"), "{}", out.describe());
    assert!(patches(&server).is_empty());

    let out = init(&server, &["-n", "kube-public", "--include-system"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(stored(&server, "kube-public", "default-deny-all").is_some());
}

#[test]
fn a_missing_namespace_is_refused_before_anything_is_applied() {
    let server = ApiServer::start(cluster());
    let out = init(&server, &["-n", "prod", "-n", "nope"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert_eq!(
        out.stderr,
        "error: namespace \"nope\" not found; nothing was applied (check the name with: kubectl get namespaces)\n"
    );
    assert!(patches(&server).is_empty(), "{}", server.request_lines());
    let out = init(&server, &["-n", "nope", "-n", "gone"]);
    assert!(out.stderr.contains(r#"namespaces "nope", "gone" not found"#), "{}", out.describe());
}

#[test]
fn all_namespaces_skips_system_infrastructure_and_excluded_ones_and_says_so() {
    let server = ApiServer::start(cluster());
    let out = init(&server, &["-A", "--exclude", "staging"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let namespaces: Vec<String> = rows(&out).into_iter().map(|(ns, _, _)| ns).collect();
    assert_eq!(namespaces, ["default", "default", "default", "prod", "prod", "prod"]);
    assert!(out.stdout.contains("skipped ingress-nginx: it runs the ingress controller"), "{}", out.describe());
    assert!(
        out.stdout.contains("skipped kube-node-lease, kube-public, kube-system: a system namespace"),
        "{}",
        out.describe()
    );
    assert!(out.stdout.contains("skipped staging: excluded with --exclude"), "{}", out.describe());
    assert!(stored(&server, "kube-system", "default-deny-all").is_none());
}

#[test]
fn namespace_flags_are_checked_before_the_cluster_is_contacted() {
    let server = ApiServer::start(cluster());
    let out = init(&server, &["-n", "prod", "-l", "team=shop"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(out.stderr.contains("-l chooses the namespaces by their labels, as -n names them"), "{}", out.describe());
    let out = init(&server, &["-l", "team in (shop"]);
    assert!(
        out.stderr.contains("invalid label selector \"team in (shop\" given with -l: column 14"),
        "{}",
        out.describe()
    );
    let out = init(&server, &["-n", "prod", "--exclude", "staging"]);
    assert!(out.stderr.contains("--exclude leaves namespaces out of -A"), "{}", out.describe());
    let out = init(&server, &["-A", "--exclude", "Bad_Name"]);
    assert!(out.stderr.contains("invalid namespace \"Bad_Name\" given with --exclude"), "{}", out.describe());
    let out = init(&server, &["-n", "prod", "-o", "wide"]);
    assert!(out.stderr.contains("init does not support -o wide"), "{}", out.describe());
    assert!(server.requests().is_empty(), "{}", server.request_lines());
}

// --- output formats ---------------------------------------------------------------------------------

#[test]
fn json_output_reports_detection_and_each_policy() {
    let server = ApiServer::start(cluster().object(hand_made_deny()));
    let out = init(&server, &["-n", "prod", "-n", "staging", "-o", "json"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(report["dryRun"], "none");
    assert_eq!(report["done"], false);
    assert_eq!(report["policies"], json!(KIT));
    assert_eq!(report["detection"]["dns"]["source"], "Service kube-system/kube-dns");
    assert_eq!(
        report["detection"]["dns"]["ports"],
        json!([{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}])
    );
    assert_eq!(report["detection"]["ingressControllers"][0]["kind"], "ingress-nginx");
    let prod = &report["namespaces"][0];
    assert_eq!((prod["namespace"].as_str(), prod["done"].as_bool()), (Some("prod"), Some(false)));
    assert_eq!(prod["policies"][0], json!({"name": "allow-dns", "result": "created"}));
    assert_eq!(prod["policies"][2]["result"], "conflict");
    assert_eq!(prod["policies"][2]["managers"], json!(["kubectl-client-side-apply"]));
    assert_eq!(report["namespaces"][1]["done"], true);
}

#[test]
fn yaml_output_prints_the_manifests_and_writes_nothing() {
    let server = ApiServer::start(cluster());
    let out = init(&server, &["-n", "prod", "-o", "yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let documents: Vec<Value> = out
        .stdout
        .split("\n---\n")
        .skip(1)
        .map(|d| serde_json::to_value(serde_saphyr::from_str::<Value>(d).expect("each document is YAML")).unwrap())
        .collect();
    let names: Vec<&str> = documents.iter().map(|d| d["metadata"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, KIT);
    assert!(documents.iter().all(|d| d["metadata"]["namespace"] == "prod"));
    assert!(server.requests().iter().all(|r| r.method == "GET"), "{}", server.request_lines());
    let out = init(&server, &["-n", "nope", "-o", "yaml"]);
    assert_eq!(out.code, Some(2), "a live cluster still refuses a missing namespace\n{}", out.describe());
}

#[test]
fn kyverno_policy_is_printed_from_the_live_cluster_without_writing() {
    let server = ApiServer::start(cluster());
    let out = init(&server, &["--kyverno", "--exclude", "legacy"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stdout.contains("\nkind: ClusterPolicy\n"), "{}", out.describe());
    assert!(
        out.stdout.contains("# Never generated in: ingress-nginx, kube-node-lease, kube-public, kube-system, legacy.")
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"), "{}", server.request_lines());
}

#[test]
fn colour_is_used_only_when_asked_for() {
    let server = ApiServer::start(cluster());
    let plain = init(&server, &["-n", "prod", "--dry-run"]);
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.describe());
    let coloured = init(&server, &["-n", "prod", "--dry-run", "--color", "always"]);
    assert!(coloured.stdout.contains("\u{1b}["), "{}", coloured.describe());
    let stripped = strip_ansi(&coloured.stdout);
    assert_eq!(stripped, plain.stdout, "colour changes nothing but the colour");
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// --- what detection reads ----------------------------------------------------------------------------

#[test]
fn detection_reads_by_name_and_label_never_every_pod() {
    let server = ApiServer::start(cluster());
    assert_eq!(init(&server, &["-n", "prod"]).code, Some(0));
    for r in server.requests().iter().filter(|r| r.method == "GET" && r.path.ends_with("/pods")) {
        assert!(r.param("labelSelector").is_some(), "unselected pod list: {}", r.line());
    }
    assert_eq!(server.count("GET", "/apis/networking.k8s.io/v1/ingressclasses"), 1);
}

#[test]
fn a_user_who_may_not_list_pods_cluster_wide_gets_a_note_and_names_the_ingress_namespace() {
    let server = ApiServer::start(cluster());
    server.inject(Fault::new("GET", "/api/v1/pods").status(403));
    let out = init(&server, &["-n", "prod", "--ingress-namespace", "ingress-nginx"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    // Issue 10, item 9: the refused reads are summed up in one note, after the result.
    let notes: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("note: not allowed")).collect();
    assert_eq!(
        notes,
        ["note: not allowed (403 Forbidden) to list pods (5 reads): detection went on without them (docs/rbac.yaml \
          lists what init reads)"],
        "{}",
        out.describe()
    );
    assert!(!out.stdout.contains("note:"), "{}", out.describe());
    assert!(
        out.stdout.contains("Ingress controller:  namespace ingress-nginx (--ingress-namespace)"),
        "{}",
        out.describe()
    );
    let allow = stored(&server, "prod", "allow-ingress-controller").unwrap();
    assert_eq!(
        allow["spec"]["ingress"],
        json!([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]}])
    );
}

#[test]
fn named_dns_target_ports_node_local_dns_and_the_api_server_are_read_from_the_cluster() {
    let server = ApiServer::start(
        Fixture::new()
            .with_system_namespaces()
            .object(namespace("prod", &[]))
            .object(namespace("openshift-dns", &[]))
            .yaml(
                r#"
apiVersion: v1
kind: Service
metadata: {name: dns-default, namespace: openshift-dns}
spec:
  selector: {dns.operator.openshift.io/daemonset-dns: default}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}
---
apiVersion: v1
kind: Pod
metadata: {name: dns-default-x, namespace: openshift-dns, labels: {dns.operator.openshift.io/daemonset-dns: default}}
spec:
  containers:
  - name: dns
    ports:
    - {name: dns, containerPort: 5353, protocol: UDP}
    - {name: dns-tcp, containerPort: 5353, protocol: TCP}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-local-dns, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: node-local-dns}}
  template:
    metadata: {labels: {k8s-app: node-local-dns}}
    spec:
      hostNetwork: true
      containers:
      - name: node-cache
        args: [-localip, '__PILLAR__LOCAL__DNS__,__PILLAR__DNS__SERVER__', -conf, /etc/Corefile]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: node-local-dns, namespace: kube-system}
data:
  Corefile: |
    cluster.local:53 {
        bind 169.254.20.25 172.30.0.10
        forward . __PILLAR__CLUSTER__DNS__
    }
---
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: default}
spec:
  clusterIP: 172.30.0.1
  ports: [{name: https, port: 443, targetPort: 6443, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes}}
addressType: IPv4
endpoints:
- addresses: [10.0.0.11]
- addresses: [10.0.0.12]
ports: [{name: https, port: 6443, protocol: TCP}]
"#,
            ),
    );
    let out = init(&server, &["-n", "prod", "--allow-apiserver", "--no-ingress"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stdout.contains("Cluster DNS:         pods dns.operator.openshift.io/daemonset-dns=default in openshift-dns on 5353/UDP, 5353/TCP"), "{}", out.describe());
    assert!(
        out.stdout.contains("NodeLocal DNSCache:  169.254.20.25, 172.30.0.10 on 53/UDP, 53/TCP"),
        "{}",
        out.describe()
    );
    let dns = stored(&server, "prod", "allow-dns").unwrap();
    assert_eq!(
        dns["spec"]["egress"][0]["ports"],
        json!([{"port": 5353, "protocol": "UDP"}, {"port": 5353, "protocol": "TCP"}])
    );
    assert_eq!(
        dns["spec"]["egress"][1]["to"],
        json!([{"ipBlock": {"cidr": "169.254.20.25/32"}}, {"ipBlock": {"cidr": "172.30.0.10/32"}}])
    );
    let api = stored(&server, "prod", "allow-apiserver").unwrap();
    assert_eq!(
        api["spec"]["egress"],
        json!([{"ports": [{"port": 6443, "protocol": "TCP"}], "to": [{"ipBlock": {"cidr": "10.0.0.11/32"}}, {"ipBlock": {"cidr": "10.0.0.12/32"}}]}])
    );
    assert!(stored(&server, "prod", "allow-ingress-controller").is_none());
    let names: Vec<String> = rows(&out).into_iter().map(|(_, name, _)| name).collect();
    assert_eq!(names, ["allow-dns", "allow-apiserver", "default-deny-all"]);
}

// --- what a namespace has already (issue 10, items 2 and 3) --------------------------------------

/// The ingress controller admitted to the web pods only, on one port, under a name of the
/// namespace's own.
fn web_from_ingress() -> Value {
    hand_made(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-from-ingress, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}, podSelector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}}]\n    ports: [{port: 8080}]\n",
    )
}

#[test]
fn an_ingress_controller_admitted_narrowly_is_not_widened_unless_asked() {
    let server = ApiServer::start(cluster().object(web_from_ingress()));
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "created"),
            ("prod", "allow-ingress-controller", "left out"),
            ("prod", "default-deny-all", "created"),
        ],
    );
    assert!(
        out.stdout.contains(
            "prod/allow-ingress-controller: left out: prod admits the ingress controller already, to some pods only, \
             through web-from-ingress; the kit's policy would admit it to every pod on every port (--widen adds it \
             anyway)"
        ),
        "{}",
        out.describe()
    );
    assert!(stored(&server, "prod", "allow-ingress-controller").is_none());

    let out = init(&server, &["-n", "prod", "--widen"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(rows(&out)[1], ("prod".into(), "allow-ingress-controller".into(), "created".into()));
}

#[test]
fn dns_allowed_to_some_pods_only_holds_the_deny_back_unless_widened() {
    let dns_for_web = hand_made(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-dns, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]\n    ports: [{port: 53, protocol: UDP}]\n",
    );
    let server = ApiServer::start(cluster().object(dns_for_web));
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    expect_rows(
        &out,
        &[
            ("prod", "allow-dns", "left out"),
            ("prod", "allow-ingress-controller", "created"),
            ("prod", "default-deny-all", "skipped"),
        ],
    );
    assert!(
        out.stdout.contains(
            "prod/default-deny-all: skipped: not applied: the pods that web-dns does not select would lose DNS; add \
             allow-dns with --widen"
        ),
        "{}",
        out.describe()
    );
    assert!(stored(&server, "prod", "default-deny-all").is_none(), "no namespace left without DNS");
    let out = init(&server, &["-n", "prod", "--widen"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(stored(&server, "prod", "default-deny-all").is_some());
}

#[test]
fn an_allow_for_every_pod_under_another_name_is_in_place() {
    let dns_for_all = hand_made(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: dns, namespace: prod}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]\n",
    );
    let server = ApiServer::start(cluster().object(dns_for_all));
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(rows(&out)[0], ("prod".into(), "allow-dns".into(), "in place".into()), "{}", out.describe());
    assert!(
        out.stdout.contains("prod/allow-dns: in place: dns already admits the cluster DNS to every pod; left as it is")
    );
    assert!(stored(&server, "prod", "default-deny-all").is_some());
}

// --- kubectl conventions (issue 10, items 10 and 11) ----------------------------------------------

#[test]
fn without_n_the_contexts_namespace_is_the_target_as_kubectl_does() {
    let kubeconfig =
        support::KubeconfigSpec::new(Some("shop")).cluster("c").user("u", "t").context("shop", "c", "u", Some("prod"));
    let server = ApiServer::start_with(cluster(), kubeconfig);
    let out = init(&server, &["--dry-run=client"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let namespaces: Vec<String> = rows(&out).into_iter().map(|(ns, _, _)| ns).collect();
    assert_eq!(namespaces, ["prod", "prod", "prod"], "{}", out.describe());
}

#[test]
fn label_selector_field_manager_name_output_and_no_headers() {
    let server = ApiServer::start(cluster());
    let out = init(&server, &["-l", "team=shop", "--field-manager", "platform-gitops", "-o", "name"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(
        out.stdout,
        "networkpolicy.networking.k8s.io/allow-dns\nnetworkpolicy.networking.k8s.io/allow-ingress-controller\n\
         networkpolicy.networking.k8s.io/default-deny-all\n"
    );
    assert!(
        patches(&server).iter().all(|r| r.param("fieldManager") == Some("platform-gitops")),
        "{}",
        server.request_lines()
    );
    assert!(stored(&server, "staging", "allow-dns").is_none(), "staging has no team=shop label");
    // Applied by that manager, the kit is its own: running again with it changes nothing.
    let out = init(&server, &["-n", "prod", "--field-manager", "platform-gitops", "--no-headers"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stdout.contains("\nprod   allow-dns                  unchanged\n"), "{}", out.describe());
    assert!(!out.stdout.contains("NAMESPACE"), "{}", out.describe());
    let out = init(&server, &["-l", "team=nobody"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(out.stderr.contains("no namespace matches the label selector \"team=nobody\""), "{}", out.describe());
}

/// The kit printed with `-o yaml` and applied with `kubectl apply` (its label, another manager)
/// is in place, not a conflict (issue 10, item 3).
#[test]
fn the_kit_applied_with_kubectl_apply_is_in_place() {
    let server = ApiServer::start(cluster());
    let printed = init(&server, &["-n", "prod", "-o", "yaml"]);
    assert_eq!(printed.code, Some(0), "{}", printed.describe());
    for document in printed.stdout.split("\n---\n").skip(1) {
        let object: Value = serde_saphyr::from_str(document).unwrap();
        server.insert(managed_by(object, "kubectl-client-side-apply", "Update", "networking.k8s.io/v1", &[".spec"]));
    }
    let out = init(&server, &["-n", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(rows(&out).iter().all(|(_, _, result)| result == "in place"), "{}", out.describe());
    assert!(patches(&server).is_empty(), "{}", server.request_lines());
}
