//! `kubectl deny init --baseline`: the cluster-wide starter kit as one Baseline-tier policy.
//!
//! Contents: offline `-o yaml` from `examples/` (the form and its comment, what each namespace
//! loses, the exempt ones), the output read back by `why` (DNS and the ingress controller allowed,
//! everything else in a covered namespace denied unless a NetworkPolicy allows it); the flags it
//! refuses; and against the loopback API server: the form discovery picks, server-side apply with
//! the field manager, re-runs, an object someone else owns, dry runs, a forbidden patch, and the
//! request count.

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use support::fixtures::{ingress_class, managed_by, namespace, network_policy, pod};
use support::{ApiServer, Fault, Fixture, NO_ENV, Output, TempDir};

fn examples() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").display().to_string()
}

fn offline(extra: &[&str]) -> Output {
    let examples = examples();
    let mut args = vec!["init", "--baseline", "-f", &examples, "-o", "yaml"];
    args.extend_from_slice(extra);
    support::run(&args, NO_ENV)
}

/// The one YAML document of the output.
fn document(out: &Output) -> Value {
    let (_, doc) = out.stdout.split_once("\n---\n").unwrap_or_else(|| panic!("no document: {}", out.describe()));
    serde_saphyr::from_str(doc).expect("a YAML document")
}

/// Writes the output of `init --baseline -o yaml` and returns its path (with the dir kept alive).
fn written(out: &Output) -> (TempDir, PathBuf) {
    let dir = TempDir::new("baseline");
    let path = dir.write("baseline.yaml", &out.stdout);
    (dir, path)
}

fn why(baseline: Option<&Path>, from: &str, to: &str) -> Output {
    let examples = examples();
    let mut args = vec!["why", "-f", &examples];
    let path;
    if let Some(p) = baseline {
        path = p.display().to_string();
        args.extend(["-f", &path]);
    }
    args.extend([from, to]);
    support::run(&args, NO_ENV)
}

const PROMETHEUS: &str = "monitoring/prometheus-0";
const COREDNS: &str = "kube-system/coredns-5d78c9869d-7xk2p";
const INGRESS: &str = "ingress-nginx/ingress-nginx-controller-7c6974c4d8-qm5vz";
const STAGING_FRONTEND: &str = "staging/frontend-5f6d7c8b9-abcde";

// --- offline ---------------------------------------------------------------------------------

#[test]
fn offline_yaml_is_a_baseline_cluster_network_policy_v1alpha2_and_says_so() {
    let out = offline(&[]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stdout.starts_with(
            "# ClusterNetworkPolicy kubectl-deny-baseline (policy.networking.k8s.io/v1alpha2, tier Baseline, \
             priority 1000): the default offline"
        ),
        "{}",
        out.describe()
    );
    let v = document(&out);
    assert_eq!(v["apiVersion"], "policy.networking.k8s.io/v1alpha2");
    assert_eq!(v["kind"], "ClusterNetworkPolicy");
    assert_eq!(v["spec"]["tier"], "Baseline");
    assert_eq!(
        v["spec"]["subject"]["namespaces"]["matchExpressions"][0]["values"],
        json!(["ingress-nginx", "kube-node-lease", "kube-public", "kube-system"])
    );
    assert_eq!(
        v["spec"]["egress"][0]["protocols"],
        json!([{"udp": {"destinationPort": {"number": 53}}}, {"tcp": {"destinationPort": {"number": 53}}}])
    );
    let actions: Vec<&str> =
        v["spec"]["ingress"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["Accept", "Deny"]);
}

#[test]
fn offline_yaml_states_first_what_each_namespace_loses_and_who_is_exempt_and_why() {
    let out = offline(&[]);
    let comments: Vec<&str> = out.stdout.lines().take_while(|l| l.starts_with('#')).collect();
    let text = comments.join("\n");
    assert!(text.contains("Namespaces the Baseline deny covers (3; and those created later):"), "{text}");
    assert!(text.contains("monitoring       ingress denied by default; egress denied by default"), "{text}");
    assert!(
        text.contains(
            "staging          ingress unchanged: its NetworkPolicies select every pod (default-deny-ingress, \
             debug-open); egress denied by default"
        ),
        "{text}"
    );
    assert!(text.contains("ingress-nginx    it runs the ingress controller (ingress-nginx)"), "{text}");
    assert!(text.contains("kube-system      a system namespace"), "{text}");
    assert!(text.contains("no ingress peer for nodes"), "{text}");
}

#[test]
fn baseline_api_v1alpha1_writes_the_baseline_admin_network_policy_default() {
    let out = offline(&["--baseline-api", "v1alpha1"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let v = document(&out);
    assert_eq!(v["kind"], "BaselineAdminNetworkPolicy");
    assert_eq!(v["metadata"]["name"], "default");
    assert!(v["spec"].get("tier").is_none());
    assert_eq!(v["spec"]["egress"][0]["action"], "Allow");
    assert_eq!(v["spec"]["egress"][0]["ports"][0], json!({"portNumber": {"protocol": "UDP", "port": 53}}));
    // It reads back through our reader, and DNS stays open.
    let (_dir, path) = written(&out);
    let dns = why(Some(&path), PROMETHEUS, &format!("{COREDNS}:53/udp"));
    assert_eq!(dns.code, Some(0), "{}", dns.describe());
    assert!(dns.stdout.contains("+ BaselineAdminNetworkPolicy default"), "{}", dns.describe());
    let other = why(Some(&path), PROMETHEUS, &format!("{STAGING_FRONTEND}:8080"));
    assert_eq!(other.code, Some(1), "{}", other.describe());
}

#[test]
fn baseline_api_v1beta1_and_exclude_and_include_system() {
    let out = offline(&["--baseline-api", "v1beta1", "--exclude", "monitoring"]);
    let v = document(&out);
    assert_eq!(v["apiVersion"], "policy.networking.k8s.io/v1beta1");
    let exempt = &v["spec"]["subject"]["namespaces"]["matchExpressions"][0]["values"];
    assert_eq!(exempt, &json!(["ingress-nginx", "kube-node-lease", "kube-public", "kube-system", "monitoring"]));
    assert!(out.stdout.contains("#   monitoring       given with --exclude"), "{}", out.describe());
    let all = document(&offline(&["--include-system"]));
    assert_eq!(all["spec"]["subject"]["namespaces"], json!({}));
}

/// The installed policy, evaluated by our engine: DNS allowed, the ingress controller allowed,
/// everything else in a covered namespace denied unless a NetworkPolicy allows it.
#[test]
fn the_output_read_back_by_why_allows_dns_and_the_ingress_controller_and_denies_the_rest() {
    let out = offline(&[]);
    let (_dir, path) = written(&out);
    let path = Some(path.as_path());

    let dns = why(path, PROMETHEUS, &format!("{COREDNS}:53/udp"));
    assert_eq!(dns.code, Some(0), "{}", dns.describe());
    assert!(
        dns.stdout.contains("  Baseline tier: allow\n    + ClusterNetworkPolicy kubectl-deny-baseline (priority 1000): egress[0] \"allow-dns\" Accept"),
        "{}",
        dns.describe()
    );
    let dns_tcp = why(path, STAGING_FRONTEND, &format!("{COREDNS}:53"));
    assert_eq!(dns_tcp.code, Some(0), "{}", dns_tcp.describe());

    let ingress = why(path, INGRESS, &format!("{PROMETHEUS}:9090"));
    assert_eq!(ingress.code, Some(0), "{}", ingress.describe());
    assert!(ingress.stdout.contains("ingress[0] \"allow-ingress-controller\" Accept"), "{}", ingress.describe());

    // Allowed without the Baseline policy, denied with it: egress and ingress.
    let flow = (STAGING_FRONTEND, format!("{PROMETHEUS}:9090"));
    assert_eq!(why(None, flow.0, &flow.1).code, Some(0));
    let denied = why(path, flow.0, &flow.1);
    assert_eq!(denied.code, Some(1), "{}", denied.describe());
    assert!(denied.stdout.contains("egress[1] \"default-deny-egress\" Deny"), "{}", denied.describe());
    let into_monitoring = why(path, COREDNS, &format!("{PROMETHEUS}:9090"));
    assert_eq!(into_monitoring.code, Some(1), "{}", into_monitoring.describe());
    assert!(
        into_monitoring.stdout.contains("ingress[1] \"default-deny-ingress\" Deny"),
        "{}",
        into_monitoring.describe()
    );
    let out_of_cluster = why(path, PROMETHEUS, "203.0.113.7:443");
    assert_eq!(out_of_cluster.code, Some(1), "{}", out_of_cluster.describe());

    // Where a namespace's NetworkPolicy allows the flow, it keeps deciding.
    let np = why(path, "production/frontend-6d8f7c9b5-2lq8x", "production/api-7b9c5d4f6-kx7mn:8080");
    assert_eq!(np.code, Some(0), "{}", np.describe());
    assert!(np.stdout.contains("Baseline tier: not reached"), "{}", np.describe());

    // Exempt namespaces are untouched.
    let exempt = why(path, COREDNS, &format!("{INGRESS}:443"));
    assert_eq!(exempt.code, Some(0), "{}", exempt.describe());
}

#[test]
fn flags_that_do_not_fit_one_cluster_wide_policy_are_refused() {
    let examples = examples();
    for (args, needle) in [
        (vec!["init", "--baseline", "-f", &examples], "cannot apply it"),
        (vec!["init", "--baseline", "-f", &examples, "-o", "yaml", "-n", "staging"], "leave out -n"),
        (vec!["init", "--baseline", "-f", &examples, "-o", "yaml", "-A"], "leave out -A"),
        (vec!["init", "--baseline", "-f", &examples, "-o", "yaml", "--allow-same-namespace"], "same namespace"),
        (vec!["init", "--baseline", "-f", &examples, "-o", "yaml", "--kyverno"], "leave out --kyverno"),
        (vec!["init", "-f", &examples, "-o", "yaml", "--baseline-api", "v1alpha2"], "--baseline"),
        (vec!["init", "--baseline", "-f", &examples, "-o", "yaml", "--baseline-api", "v2"], "v1alpha2"),
    ] {
        let out = support::run(&args, NO_ENV);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.describe());
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.describe());
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.describe());
    }
}

// --- live ------------------------------------------------------------------------------------

const KUBE_DNS: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 5353}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 5353}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns-1, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  containers:
  - name: coredns
    ports:
    - {name: dns, containerPort: 5353, protocol: UDP}
    - {name: dns-tcp, containerPort: 5353, protocol: TCP}
status: {phase: Running, podIP: 10.244.0.10}
"#;

fn cluster() -> Fixture {
    Fixture::new()
        .with_system_namespaces()
        .object(namespace("prod", &[]))
        .object(network_policy(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-ingress, namespace: prod}\n\
             spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}",
        ))
        .object(namespace("ingress-nginx", &[]))
        .yaml(KUBE_DNS)
        .object(ingress_class("nginx", "k8s.io/ingress-nginx"))
        .object(
            pod("ingress-nginx", "ingress-nginx-controller-1")
                .labels(&[("app.kubernetes.io/name", "ingress-nginx"), ("app.kubernetes.io/component", "controller")])
                .ip("10.244.1.5")
                .build(),
        )
}

fn serving_v1alpha2(f: Fixture) -> Fixture {
    f.serve("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy", "clusternetworkpolicies", false)
}

fn serving_v1alpha1(f: Fixture) -> Fixture {
    f.serve("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy", "baselineadminnetworkpolicies", false)
}

fn init(server: &ApiServer, args: &[&str]) -> Output {
    let mut all = vec!["init", "--baseline"];
    all.extend_from_slice(args);
    support::run(&all, &server.env())
}

fn patches(server: &ApiServer) -> Vec<support::RecordedRequest> {
    server.requests().into_iter().filter(|r| r.method == "PATCH").collect()
}

#[test]
fn v1alpha2_served_applies_the_cluster_network_policy_with_the_field_manager() {
    let server = ApiServer::start(serving_v1alpha2(serving_v1alpha1(cluster())));
    let out = init(&server, &[]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stdout.starts_with("ClusterNetworkPolicy kubectl-deny-baseline (policy.networking.k8s.io/v1alpha2"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout.contains(
            "  prod             ingress denied by default but for the pods its NetworkPolicies select (web-ingress); \
             egress denied by default"
        ),
        "{}",
        out.describe()
    );
    assert!(out.stdout.contains("  ingress-nginx    it runs the ingress controller"), "{}", out.describe());
    // The statement comes before the result.
    let result = "clusternetworkpolicy.policy.networking.k8s.io/kubectl-deny-baseline created";
    assert!(out.stdout.trim_end().ends_with(result), "{}", out.describe());
    let stored = server.object("ClusterNetworkPolicy", None, "kubectl-deny-baseline").expect("stored");
    assert_eq!(stored["spec"]["tier"], "Baseline");
    assert_eq!(stored["spec"]["egress"][0]["protocols"][0], json!({"udp": {"destinationPort": {"number": 5353}}}));
    assert_eq!(stored["metadata"]["managedFields"][0]["manager"], "kubectl-deny");
    let p = patches(&server);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].path, "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies/kubectl-deny-baseline");
    assert_eq!(p[0].param("fieldManager"), Some("kubectl-deny"));
    assert_eq!(p[0].content_type.as_deref(), Some("application/apply-patch+yaml"));
    // Discovery; detection's nine reads (as the namespace kit's); the namespaces; every
    // NetworkPolicy (one list); the object by name; the patch. Whatever the cluster's size.
    let count = server.requests().len();
    assert_eq!(count, 14, "{}", server.request_lines());
    assert_eq!(server.count("GET", "/apis/policy.networking.k8s.io"), 1, "{}", server.request_lines());

    // Run again: ours, unchanged.
    server.clear_log();
    let again = init(&server, &["--field-manager", "kubectl-deny"]);
    assert_eq!(again.code, Some(0), "{}", again.describe());
    assert!(again.stdout.contains("kubectl-deny-baseline unchanged"), "{}", again.describe());
    assert_eq!(server.requests().len(), count, "{}", server.request_lines());
}

#[test]
fn v1beta1_is_preferred_when_served() {
    let fixture = serving_v1alpha2(cluster()).serve(
        "policy.networking.k8s.io/v1beta1",
        "ClusterNetworkPolicy",
        "clusternetworkpolicies",
        false,
    );
    let server = ApiServer::start(fixture);
    let out = init(&server, &["-o", "name"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(out.stdout, "clusternetworkpolicy.policy.networking.k8s.io/kubectl-deny-baseline\n");
    assert_eq!(
        patches(&server)[0].path,
        "/apis/policy.networking.k8s.io/v1beta1/clusternetworkpolicies/kubectl-deny-baseline"
    );
}

#[test]
fn only_v1alpha1_served_applies_the_baseline_admin_network_policy_default() {
    let server = ApiServer::start(serving_v1alpha1(cluster()));
    let out = init(&server, &["-o", "json"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(report["kind"], "BaselineAdminNetworkPolicy");
    assert_eq!(report["result"], "created");
    assert_eq!(
        report["covered"],
        json!([
            {"namespace": "default", "ingress": {"deniedByDefault": true, "policies": []}, "egress": {"deniedByDefault": true, "policies": []}},
            {"namespace": "prod", "ingress": {"deniedByDefault": true, "policies": ["web-ingress"]}, "egress": {"deniedByDefault": true, "policies": []}}
        ])
    );
    assert!(report["exempt"].as_array().unwrap().iter().any(|e| e["namespace"] == "ingress-nginx"));
    let stored = server.object("BaselineAdminNetworkPolicy", None, "default").expect("stored");
    assert_eq!(stored["spec"]["ingress"][0]["action"], "Allow");
    assert_eq!(
        patches(&server)[0].path,
        "/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies/default"
    );
}

#[test]
fn neither_served_is_an_error_naming_the_crds_after_one_request() {
    let server = ApiServer::start(cluster());
    let out = init(&server, &[]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(out.stderr.contains("serves neither ClusterNetworkPolicy"), "{}", out.describe());
    assert!(out.stderr.contains("policy.networking.k8s.io_clusternetworkpolicies.yaml"), "{}", out.describe());
    assert!(out.stderr.contains("BaselineAdminNetworkPolicy CRD of its release v0.1.7"), "{}", out.describe());
    assert_eq!(server.requests().len(), 1, "{}", server.request_lines());
    assert!(out.stdout.is_empty());
}

fn foreign_banp(spec: Value) -> Value {
    managed_by(
        json!({
            "apiVersion": "policy.networking.k8s.io/v1alpha1",
            "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": "default"},
            "spec": spec,
        }),
        "kubectl-client-side-apply",
        "Update",
        "policy.networking.k8s.io/v1alpha1",
        &[".spec"],
    )
}

#[test]
fn an_existing_baseline_admin_network_policy_of_someone_else_is_left_untouched() {
    let theirs = json!({"subject": {"namespaces": {}}, "ingress": [{"name": "x", "action": "Deny", "from": [{"namespaces": {}}]}]});
    let server = ApiServer::start(cluster().object(foreign_banp(theirs.clone())));
    let out = init(&server, &[]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(
        out.stdout.contains("baselineadminnetworkpolicy.policy.networking.k8s.io/default conflict"),
        "{}",
        out.describe()
    );
    assert!(out.stderr.contains("managed by kubectl-client-side-apply"), "{}", out.describe());
    assert!(out.stderr.contains("never replaces a policy it does not own"), "{}", out.describe());
    assert!(patches(&server).is_empty(), "{}", server.request_lines());
    assert_eq!(server.object("BaselineAdminNetworkPolicy", None, "default").unwrap()["spec"], theirs);
}

#[test]
fn the_same_spec_made_by_someone_else_is_in_place() {
    // What we would apply, printed offline from the same cluster's state, then stored by hand.
    let probe = ApiServer::start(serving_v1alpha1(cluster()));
    let yaml = init(&probe, &["-o", "yaml"]);
    assert_eq!(yaml.code, Some(0), "{}", yaml.describe());
    let spec = document(&yaml)["spec"].clone();
    let server = ApiServer::start(serving_v1alpha1(cluster()).object(foreign_banp(spec)));
    let out = init(&server, &[]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stdout.contains("baselineadminnetworkpolicy.policy.networking.k8s.io/default in place"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout.contains("already exists with this spec (managed by kubectl-client-side-apply)"),
        "{}",
        out.describe()
    );
    assert!(patches(&server).is_empty(), "{}", server.request_lines());
}

#[test]
fn a_forbidden_patch_is_an_error_naming_the_permission() {
    let server = ApiServer::start(serving_v1alpha2(cluster()));
    server.inject(Fault::new("PATCH", "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies/*").status(403));
    let out = init(&server, &[]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(out.stdout.contains("kubectl-deny-baseline failed"), "{}", out.describe());
    assert!(
        out.stderr.contains("kubectl-deny needs to patch clusternetworkpolicies.policy.networking.k8s.io"),
        "{}",
        out.describe()
    );
    assert!(server.object("ClusterNetworkPolicy", None, "kubectl-deny-baseline").is_none());
}

#[test]
fn dry_runs_store_nothing_and_server_dry_run_sends_dry_run_all() {
    let server = ApiServer::start(serving_v1alpha2(cluster()));
    let out = init(&server, &["--dry-run=server"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stdout.contains("kubectl-deny-baseline created (server dry run)"), "{}", out.describe());
    let p = patches(&server);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].param("dryRun"), Some("All"));
    assert!(server.object("ClusterNetworkPolicy", None, "kubectl-deny-baseline").is_none());

    server.clear_log();
    let client = init(&server, &["--dry-run=client"]);
    assert_eq!(client.code, Some(0), "{}", client.describe());
    assert!(client.stdout.contains("kubectl-deny-baseline created (dry run)"), "{}", client.describe());
    assert!(patches(&server).is_empty());

    server.clear_log();
    let yaml = init(&server, &["-o", "yaml"]);
    assert_eq!(document(&yaml)["apiVersion"], "policy.networking.k8s.io/v1alpha2");
    assert!(yaml.stdout.starts_with("# ClusterNetworkPolicy kubectl-deny-baseline"), "{}", yaml.describe());
    assert!(
        yaml.stdout.contains("v1alpha2, tier Baseline, priority 1000): the newest the server serves"),
        "{}",
        yaml.describe()
    );
    assert!(patches(&server).is_empty());
}

#[test]
fn offline_the_policy_already_in_the_manifests_is_not_printed_again_and_another_spec_is_flagged() {
    let first = offline(&[]);
    let (_dir, path) = written(&first);
    let path = path.display().to_string();
    let again = offline(&["-f", &path]);
    assert_eq!(again.code, Some(0), "{}", again.describe());
    assert!(!again.stdout.contains("\n---\n"), "{}", again.describe());
    assert!(
        again.stdout.contains(
            "# Nothing to print: the manifests hold ClusterNetworkPolicy kubectl-deny-baseline with this spec already"
        ),
        "{}",
        again.describe()
    );
    let changed = offline(&["-f", &path, "--exclude", "staging"]);
    assert_eq!(changed.code, Some(0), "{}", changed.describe());
    assert!(changed.stdout.contains("\n---\n"), "{}", changed.describe());
    assert!(
        changed.stderr.contains("hold ClusterNetworkPolicy kubectl-deny-baseline with another spec"),
        "{}",
        changed.describe()
    );
}

#[test]
fn live_yaml_leaves_out_an_object_someone_else_owns() {
    let theirs = json!({"subject": {"namespaces": {}}, "ingress": [{"name": "x", "action": "Deny", "from": [{"namespaces": {}}]}]});
    let server = ApiServer::start(cluster().object(foreign_banp(theirs)));
    let out = init(&server, &["-o", "yaml"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(!out.stdout.contains("\n---\n"), "{}", out.describe());
    assert!(
        out.stdout.contains("# Left out: BaselineAdminNetworkPolicy default already exists with another spec"),
        "{}",
        out.describe()
    );
    assert!(out.stderr.contains("error: BaselineAdminNetworkPolicy default already exists"), "{}", out.describe());
    assert!(patches(&server).is_empty());
}

#[test]
fn no_ingress_controller_found_is_said_and_no_ingress_silences_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let (system, namespaces) =
        (dir.join("kube-system.yaml").display().to_string(), dir.join("namespaces.yaml").display().to_string());
    let run = |extra: &[&str]| {
        let mut args = vec!["init", "--baseline", "-f", &system, "-f", &namespaces, "-o", "yaml"];
        args.extend_from_slice(extra);
        support::run(&args, NO_ENV)
    };
    let out = run(&[]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stdout.contains("# Note: no ingress controller found"), "{}", out.describe());
    let rules: Vec<Value> = document(&out)["spec"]["ingress"].as_array().unwrap().clone();
    assert_eq!(rules.len(), 1, "only the deny: {rules:?}");
    let quiet = run(&["--no-ingress"]);
    assert!(!quiet.stdout.contains("no ingress controller found"), "{}", quiet.describe());
}
