//! `docs/rbac.yaml` grants what the commands use, no more and no less: every request `why`,
//! `matrix`, `list`, completion and `init` make (success and error paths alike) is granted by one
//! of its roles (a namespaced Role only in its namespace, `resourceNames` only for those names),
//! and every resource the roles name is used, so the document cannot drift.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::common::{examples, run};
use crate::complete::Helper;
use crate::support::ApiServer;
use crate::support::fixtures::{endpoint_slice, service};

/// The "group" of a non-resource URL (`/apis`) in a `Permission`.
const NON_RESOURCE: &str = "nonResourceURL";

/// `(verb, apiGroup, resource)`.
type Permission = (String, String, String);

/// One request, as RBAC sees it.
struct Access {
    permission: Permission,
    namespace: Option<String>,
    name: Option<String>,
}

/// The rules of every Role and ClusterRole, each with the namespace it is limited to.
fn roles() -> Vec<(Option<String>, Value)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rbac.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let documents: Vec<Value> = serde_saphyr::from_multiple(&text).expect("docs/rbac.yaml is YAML");
    let mut rules = Vec::new();
    for role in documents.iter().filter(|d| d["kind"] == "ClusterRole" || d["kind"] == "Role") {
        let name = &role["metadata"]["name"];
        let bound = documents.iter().any(|d| {
            (d["kind"] == "ClusterRoleBinding" || d["kind"] == "RoleBinding") && d["roleRef"]["name"] == *name
        });
        assert!(bound, "docs/rbac.yaml binds {name}");
        let namespace = role["metadata"]["namespace"].as_str().map(str::to_string);
        for rule in role["rules"].as_array().expect("rules") {
            rules.push((namespace.clone(), rule.clone()));
        }
    }
    rules
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

fn granted(rules: &[(Option<String>, Value)], access: &Access) -> bool {
    let (verb, group, resource) = &access.permission;
    rules.iter().any(|(namespace, rule)| {
        let any = |field: &str, wanted: &str| strings(&rule[field]).iter().any(|v| v == wanted || v == "*");
        if group == NON_RESOURCE {
            return any("verbs", verb) && any("nonResourceURLs", resource);
        }
        let in_scope = namespace.is_none() || *namespace == access.namespace;
        let names = strings(&rule["resourceNames"]);
        let named = names.is_empty() || access.name.as_ref().is_some_and(|n| names.contains(n));
        in_scope && named && any("verbs", verb) && any("apiGroups", group) && any("resources", resource)
    })
}

/// The permission a request needs: `get` for a named object, `list` for a collection, `patch`
/// for a server-side apply.
fn access(method: &str, path: &str) -> Access {
    if path == "/apis" {
        return Access { permission: ("get".into(), NON_RESOURCE.into(), path.into()), namespace: None, name: None };
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match segments.as_slice() {
        ["api", _version, rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => panic!("not a resource path: {path}"),
    };
    let (resource, namespace, name) = match rest {
        ["namespaces"] => ("namespaces", None, None),
        ["namespaces", name] => ("namespaces", None, Some(*name)),
        ["namespaces", ns, resource] => (*resource, Some(*ns), None),
        [resource] => (*resource, None, None),
        ["namespaces", ns, resource, name] => (*resource, Some(*ns), Some(*name)),
        [resource, name] => (*resource, None, Some(*name)),
        _ => panic!("not a resource path: {path}"),
    };
    let verb = match method {
        "GET" if name.is_some() => "get",
        "GET" => "list",
        "PATCH" => "patch",
        other => panic!("kubectl-deny never sends {other}: {path}"),
    };
    Access {
        permission: (verb.into(), group.into(), resource.into()),
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
    }
}

/// NodeLocal DNSCache, so that `init` reads its DaemonSet and its ConfigMap.
const NODE_LOCAL_DNS: &str = "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-local-dns, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: node-local-dns}}
  template:
    metadata: {labels: {k8s-app: node-local-dns}}
    spec:
      hostNetwork: true
      containers: [{name: node-cache, args: [-localip, '169.254.20.10']}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: node-local-dns, namespace: kube-system}
data: {Corefile: 'cluster.local:53 { bind 169.254.20.10 }'}
";

#[test]
fn docs_rbac_grants_exactly_what_the_commands_use() {
    let mut slice = endpoint_slice("production", "legacy-1", "legacy", &["10.9.9.9"], 8080);
    slice["endpoints"][0]["targetRef"] = json!({ "kind": "Pod", "namespace": "production", "name": "postgres-0" });
    let mut legacy = service("production", "legacy", &[], &[(80, json!(8080))]);
    legacy["spec"].as_object_mut().unwrap().remove("selector");
    let server = ApiServer::start(
        examples()
            .object(legacy)
            .object(slice)
            .yaml(NODE_LOCAL_DNS)
            .yaml(crate::tiers::TIERS)
            .yaml(&crate::calico::calico("projectcalico.org/v3")),
    );
    // A Calico cluster without Calico's API server: its CRDs are read instead.
    let crds = ApiServer::start(examples().yaml(&crate::calico::calico("crd.projectcalico.org/v1")));
    let out = run(&crds, &["why", "staging/debug", "monitoring/prometheus-0:9090"]);
    assert!(matches!(out.code, Some(0..=2)), "{}", out.describe());
    let api = "production/api-7b9c5d4f6-kx7mn";
    let commands: &[&[&str]] = &[
        &["why", "production/frontend-6d8f7c9b5-2lq8x", "production/api-7b9c5d4f6-kx7mn:8080"],
        &["why", "-n", "production", "deploy/frontend", "sts/postgres:5432"],
        &["why", "-n", "kube-system", "ds/calico-node", "coredns-5d78c9869d-7xk2p:53/udp"],
        &["why", "-n", "production", "deploy/api", "svc/postgres:5432"],
        &["why", "-n", "production", "deploy/api", "svc/legacy:80"],
        &["why", "192.168.10.12", "production/api-7b9c5d4f6-kx7mn:8080"],
        &["why", api, "203.0.113.1:443"],
        // Error paths: names to suggest, namespaces that do not exist.
        &["why", "production/frontend", api],
        &["why", "production/rs/frontend", api],
        &["why", "production/cronjob/nightly", api],
        &["why", "prodution/web", api],
        &["matrix", "-n", "production"],
        &["matrix", "-A"],
        &["list"],
        &["list", "-n", "production", "-n", "staging"],
        &["list", "-n", "prodution"],
        // init: detection, the namespaces, what they have; and its one write.
        &["init", "-n", "staging", "--dry-run=client"],
        &["init", "-n", "staging", "--allow-apiserver", "-o", "yaml"],
        &["init", "-A", "-o", "yaml"],
        &["init", "-l", "kubernetes.io/metadata.name=staging", "--ingress-namespace", "ingress-nginx"],
        &["init", "-n", "nowhere"],
        // init --baseline: its one cluster-wide write (the CNP), and the BANP someone else owns.
        &["init", "--baseline", "--dry-run=server"],
        &["init", "--baseline", "--baseline-api", "v1alpha1"],
    ];
    for args in commands {
        let out = run(&server, args);
        assert!(matches!(out.code, Some(0..=2)), "{args:?}: {}", out.describe());
    }
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.method == "PATCH" && r.path.ends_with("/clusternetworkpolicies/kubectl-deny-baseline")),
        "init --baseline patched its policy: {}",
        server.request_lines()
    );
    let helper = Helper::install();
    for words in [
        &["list", "-n", ""][..],
        &["why", ""],
        &["why", "x", "svc/"],
        &["why", "x", "deploy/"],
        &["why", "x", "sts/"],
        &["why", "x", "ds/"],
        &["why", "-n", "production", "x", "postgres-0:"],
        &["why", "-n", "production", "x", "svc/api:"],
        &["why", "-n", "production", "x", "deploy/api:"],
    ] {
        helper.complete(&server, words);
    }

    // The read-only commands on a cluster running Cilium read its policies too.
    let cilium = ApiServer::start(crate::cilium::cilium_cluster().serve(
        "cilium.io/v2alpha1",
        "CiliumCIDRGroup",
        "ciliumcidrgroups",
        false,
    ));
    run(&cilium, &["why", "production/frontend-6d8f7c9b5-2lq8x", "production/postgres-0:5432"]);
    run(&cilium, &["list"]);
    run(&cilium, &["matrix", "-n", "production"]);

    let rules = roles();
    let accesses: Vec<Access> = server
        .requests()
        .iter()
        .chain(&crds.requests())
        .chain(cilium.requests().iter())
        .map(|r| access(&r.method, &r.path))
        .collect();
    let missing: Vec<String> = accesses
        .iter()
        .filter(|a| !granted(&rules, a))
        .map(|a| format!("{:?} in {:?} named {:?}", a.permission, a.namespace, a.name))
        .collect();
    assert!(missing.is_empty(), "docs/rbac.yaml does not grant {missing:#?}");

    let used: BTreeSet<(String, String)> =
        accesses.iter().map(|a| (a.permission.1.clone(), a.permission.2.clone())).collect();
    let mut named: BTreeSet<(String, String)> = BTreeSet::new();
    for (_, rule) in &rules {
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                named.insert((group.clone(), resource));
            }
        }
        for url in strings(&rule["nonResourceURLs"]) {
            named.insert((NON_RESOURCE.into(), url));
        }
        let verbs = strings(&rule["verbs"]);
        assert!(
            verbs == ["get", "list"] || verbs == ["get"] || verbs == ["patch"],
            "read-only verbs, or patch for init: {rule}"
        );
    }
    assert_eq!(named, used, "the resources docs/rbac.yaml names are the ones used");
    let verbs: BTreeSet<&str> = accesses.iter().map(|a| a.permission.0.as_str()).collect();
    assert_eq!(verbs, BTreeSet::from(["get", "list", "patch"]));
}
