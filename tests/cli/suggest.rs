//! `why --suggest`: the NetworkPolicies that allow a blocked flow. Each suggestion is read back
//! with `-f` next to the fixture, and `why` must then answer allowed: the proof that it works,
//! made through the same reader and engine a user's next run goes through.

use serde_json::Value;

use crate::harness::{Deny, Run};

/// `why -f FIXTURE ARGS... --suggest`, which must exit 0 (policies printed, ready for `&& kubectl
/// apply -f`) with nothing on stderr.
fn suggest(fixture: &str, args: &[&str]) -> Run {
    let mut all = vec!["why", "-f", fixture];
    all.extend_from_slice(args);
    all.push("--suggest");
    let run = Deny::new(&all).run();
    assert_eq!(run.code, Some(0), "expected exit 0 (policies printed):\n{run}");
    assert_eq!(run.stderr, "", "{run}");
    run
}

/// The suggestion applied: `why` again with the suggested policies read next to the fixture.
fn with_suggestion(fixture: &str, args: &[&str], suggestion: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("suggested.yaml");
    std::fs::write(&file, suggestion).unwrap();
    let mut all = vec!["why", "-f", fixture, "-f", file.to_str().unwrap()];
    all.extend_from_slice(args);
    Deny::new(&all).run()
}

/// The `name` and `namespace` of each document, in order.
fn names(yaml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut name, mut namespace) = (None, None);
    for line in yaml.lines() {
        if line == "---" {
            if let (Some(n), Some(ns)) = (name.take(), namespace.take()) {
                out.push((ns, n));
            }
        } else if let Some(v) = line.strip_prefix("  name: ") {
            name = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("  namespace: ") {
            namespace = Some(v.to_string());
        }
    }
    if let (Some(n), Some(ns)) = (name, namespace) {
        out.push((ns, n));
    }
    out
}

fn pair(ns: &str, name: &str) -> (String, String) {
    (ns.to_string(), name.to_string())
}

#[test]
fn suggest_for_a_service_across_namespaces_opens_both_sides_at_the_target_port() {
    let args = ["edge/deploy/web", "shop/svc/api"];
    let run = suggest("suggest", &args);
    let out = &run.stdout;
    assert!(
        out.starts_with(
            "# kubectl deny why --suggest: edge/deploy/web -> shop/svc/api on Service port 443/TCP (https) -> 8443\n\
             # is blocked by the egress of edge/deploy/web and the ingress of shop/api-7c9d8b6f5-xyz12.\n"
        ),
        "{run}"
    );
    // Egress in the source's namespace, ingress in the destination's; the name taken in shop by
    // someone else's policy is left alone.
    assert_eq!(names(out), vec![pair("edge", "allow-web-to-shop-api"), pair("shop", "allow-api-from-edge-web-2")]);
    // The workload and the Service by their selectors; the other namespace ANDed with the pods;
    // the target port (named `http` on the pods, 8443), not the Service's 443.
    for needle in [
        "    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: shop\n      podSelector:\n        matchLabels:\n          app: api\n",
        "    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: edge\n      podSelector:\n        matchLabels:\n          app: web\n",
        "    - port: 8443\n      protocol: TCP\n",
    ] {
        assert!(out.contains(needle), "lacks {needle:?}:\n{run}");
    }
    assert!(!out.contains("port: 443\n"), "{run}");
    assert!(!out.contains("pod-template-hash"), "{run}");
    with_suggestion("suggest", &args, out).allowed();
}

#[test]
fn suggest_warns_when_its_selector_would_newly_isolate_other_pods() {
    let args = ["shop/deploy/api", "data/sts/db:5432"];
    let run = suggest("suggest", &args);
    assert_eq!(names(&run.stdout), vec![pair("shop", "allow-api-to-data-db"), pair("data", "allow-db-from-shop-api")]);
    assert!(
        run.stdout.contains(
            "# warning: allow-db-from-shop-api also selects data/db-migrate-x7k2p, whose ingress no policy isolates \
             yet: applying it isolates it, and ingress other than this flow is then blocked\n---\n"
        ),
        "{run}"
    );
    with_suggestion("suggest", &args, &run.stdout).allowed();
}

#[test]
fn suggest_selects_a_pod_by_its_stable_labels() {
    let args = ["edge/web-5d8f6c7b9-abcde", "data/db-0:postgres"];
    let run = suggest("suggest", &args);
    // A pod named directly: its labels, less those that change from pod to pod.
    assert!(run.stdout.contains("  podSelector:\n    matchLabels:\n      app: db\n      tier: data\n"), "{run}");
    for volatile in ["statefulset.kubernetes.io/pod-name", "controller-revision-hash", "pod-template-hash"] {
        assert!(!run.stdout.contains(volatile), "{volatile} selected:\n{run}");
    }
    with_suggestion("suggest", &args, &run.stdout).allowed();
}

#[test]
fn suggest_names_an_outside_address_with_an_ip_block_of_one_host() {
    let args = ["203.0.113.7", "shop/api-7c9d8b6f5-xyz12:http"];
    let run = suggest("suggest", &args);
    assert_eq!(names(&run.stdout), vec![pair("shop", "allow-api-from-203-0-113-7")]);
    assert!(run.stdout.contains("    - ipBlock:\n        cidr: 203.0.113.7/32\n"), "{run}");
    with_suggestion("suggest", &args, &run.stdout).allowed();
}

#[test]
fn suggest_names_a_host_network_pod_by_its_node_ip() {
    let args = ["monitoring/node-exporter-b", "monitoring/web:8080"];
    let run = suggest("host_network", &args);
    assert!(run.stdout.contains("# is blocked by the ingress of monitoring/web.\n"), "{run}");
    assert!(run.stdout.contains("    - ipBlock:\n        cidr: 192.168.10.2/32\n"), "{run}");
    assert!(!run.stdout.contains("app: node-exporter"), "a selector cannot match a host-network pod:\n{run}");
    with_suggestion("host_network", &args, &run.stdout).allowed();
}

#[test]
fn suggest_warns_that_an_unlabelled_pod_can_only_be_selected_with_its_whole_namespace() {
    let run = suggest("suggest", &["shop/debug", "shop/deploy/api:8443"]);
    assert!(
        run.stdout.contains(
            "# warning: shop/debug has no labels to select it by, so this policy selects every pod of namespace shop"
        ),
        "{run}"
    );
}

#[test]
fn suggest_as_json_is_a_list_kubectl_applies() {
    let run =
        Deny::new(&["why", "-f", "suggest", "shop/deploy/api", "data/sts/db:5432", "--suggest", "-o", "json"]).run();
    assert_eq!(run.code, Some(0), "{run}");
    let v: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!((v["apiVersion"].as_str(), v["kind"].as_str()), (Some("v1"), Some("List")));
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["kind"] == "NetworkPolicy" && i["apiVersion"] == "networking.k8s.io/v1"));
    assert_eq!(items[1]["spec"]["policyTypes"], serde_json::json!(["Ingress"]));
    // Warnings cannot be comments in JSON: they go to stderr.
    assert!(run.stderr.starts_with("warning: allow-db-from-shop-api also selects data/db-migrate-x7k2p"), "{run}");
    with_suggestion("suggest", &["shop/deploy/api", "data/sts/db:5432"], &run.stdout).allowed();
}

#[test]
/// Nothing to apply: exit 1, so that `--suggest > f && kubectl apply -f f` stops before an apply
/// that would fail on a file without objects.
fn suggest_on_an_allowed_flow_suggests_nothing_and_exits_1() {
    let run = Deny::new(&[
        "why",
        "-f",
        "../../../examples",
        "-n",
        "production",
        "deploy/frontend",
        "deploy/api:8080",
        "--suggest",
    ])
    .run();
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(
        run.stdout,
        "# nothing to suggest: production/deploy/frontend -> production/deploy/api on TCP 8080 is allowed already\n"
    );
    let json = Deny::new(&[
        "why",
        "-f",
        "../../../examples",
        "-n",
        "production",
        "deploy/frontend",
        "deploy/api:8080",
        "--suggest",
        "-o",
        "json",
    ])
    .run();
    assert_eq!(json.code, Some(1), "{json}");
    assert_eq!(json.json()["items"], serde_json::json!([]));
}

#[test]
fn suggest_needs_a_port() {
    Deny::new(&["why", "-f", "suggest", "edge/deploy/web", "shop/deploy/api", "--suggest"])
        .run()
        .error()
        .stderr_has("--suggest needs a port: write shop/deploy/api:PORT[/PROTOCOL]");
}

#[test]
fn suggest_for_the_readme_flow_is_allowed_once_applied() {
    let args = ["-n", "production", "deploy/frontend", "svc/postgres"];
    let run = suggest("../../../examples", &args);
    assert_eq!(
        names(&run.stdout),
        vec![pair("production", "allow-frontend-to-postgres"), pair("production", "allow-postgres-from-frontend")]
    );
    with_suggestion("../../../examples", &args, &run.stdout).allowed();
}

#[test]
fn suggest_refuses_a_host_network_pod_whose_node_ip_is_unknown_and_says_what_to_ask_instead() {
    let manifests = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: shop}
spec: {podSelector: {}}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: shop, labels: {app: agent}}
spec: {hostNetwork: true}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
status: {phase: Running, podIP: 10.244.0.7}
";
    Deny::new(&["why", "-f", "-", "shop/agent", "shop/api:8080", "--suggest"])
        .stdin(manifests.as_bytes())
        .run()
        .error()
        .stderr_has(
            "error: shop/agent uses the host network and its node's IP is not known, so no policy can name it; ask \
             about the node's IP address instead",
        );
}
