//! `docs/rbac.yaml` grants what the read-only commands use, no more and no less: every request
//! `why`, `matrix`, `list` and completion make (success and error paths alike) is granted by the
//! ClusterRole, and every resource the ClusterRole names is used, so the document cannot drift.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::common::{examples, run};
use crate::complete::Helper;
use crate::support::ApiServer;
use crate::support::fixtures::{endpoint_slice, service};

/// `(verb, apiGroup, resource)`.
type Permission = (String, String, String);

fn cluster_role() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rbac.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let documents: Vec<Value> = serde_saphyr::from_multiple(&text).expect("docs/rbac.yaml is YAML");
    let role = documents.iter().find(|d| d["kind"] == "ClusterRole").expect("docs/rbac.yaml holds a ClusterRole");
    let binding = documents.iter().find(|d| d["kind"] == "ClusterRoleBinding").expect("and a binding example");
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"], "the binding binds the role");
    role["rules"].as_array().expect("rules").clone()
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

fn granted(rules: &[Value], (verb, group, resource): &Permission) -> bool {
    rules.iter().any(|rule| {
        let any = |field: &str, wanted: &str| strings(&rule[field]).iter().any(|v| v == wanted || v == "*");
        any("verbs", verb) && any("apiGroups", group) && any("resources", resource)
    })
}

/// The permission a GET request needs: `get` for a named object, `list` for a collection.
fn permission(method: &str, path: &str) -> Permission {
    assert_eq!(method, "GET", "the read-only commands only read: {method} {path}");
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match segments.as_slice() {
        ["api", _version, rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => panic!("not a resource path: {path}"),
    };
    let (resource, named) = match rest {
        ["namespaces"] => ("namespaces", false),
        ["namespaces", _] => ("namespaces", true),
        ["namespaces", _, resource] | [resource] => (*resource, false),
        ["namespaces", _, resource, _] | [resource, _] => (*resource, true),
        _ => panic!("not a resource path: {path}"),
    };
    (if named { "get" } else { "list" }.into(), group.into(), resource.into())
}

#[test]
fn docs_rbac_grants_exactly_what_the_read_only_commands_use() {
    let mut slice = endpoint_slice("production", "legacy-1", "legacy", &["10.9.9.9"], 8080);
    slice["endpoints"][0]["targetRef"] = json!({ "kind": "Pod", "namespace": "production", "name": "postgres-0" });
    let mut legacy = service("production", "legacy", &[], &[(80, json!(8080))]);
    legacy["spec"].as_object_mut().unwrap().remove("selector");
    let server = ApiServer::start(examples().object(legacy).object(slice));
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
    ];
    for args in commands {
        let out = run(&server, args);
        assert!(matches!(out.code, Some(0..=2)), "{args:?}: {}", out.describe());
    }
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

    let rules = cluster_role();
    let used: BTreeSet<Permission> = server.requests().iter().map(|r| permission(&r.method, &r.path)).collect();
    let missing: Vec<&Permission> = used.iter().filter(|p| !granted(&rules, p)).collect();
    assert!(missing.is_empty(), "docs/rbac.yaml does not grant {missing:?}");

    let used_resources: BTreeSet<(String, String)> = used.iter().map(|(_, g, r)| (g.clone(), r.clone())).collect();
    let mut named: BTreeSet<(String, String)> = BTreeSet::new();
    for rule in &rules {
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                named.insert((group.clone(), resource));
            }
        }
        assert_eq!(strings(&rule["verbs"]), ["get", "list"], "read-only verbs: {rule}");
    }
    assert_eq!(named, used_resources, "the resources docs/rbac.yaml names are the ones used");
}
