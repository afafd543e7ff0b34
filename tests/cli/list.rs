//! `list`: the default-deny state of each namespace and direction (deny, pods, partial, none,
//! allow-all), namespaces with default-deny shown only with `--all`, `-o wide`, `-o json`, and
//! `--exit-code` for CI gates.

use serde_json::json;

use crate::harness::Deny;

fn list(args: &[&str]) -> crate::harness::Run {
    let mut all = vec!["list", "-f", "list_states"];
    all.extend_from_slice(args);
    Deny::new(&all).run()
}

#[test]
fn namespaces_lacking_default_deny_are_listed_with_each_state() {
    list(&[])
        .success()
        .stdout_lines_in_order(&[
            "NAMESPACE              INGRESS     EGRESS    PODS   NOT ISOLATED",
            "empty                  deny        none      0      <none>",
            "kube-system (system)   none        none      1      coredns-1",
            "open                   none        none      1      anything",
            "per-pod                pods        partial   2      web-1 (egress)",
            "reopened               allow-all   deny      1      svc-1 (ingress)",
        ])
        .stdout_lacks("locked");
}

#[test]
fn all_includes_namespaces_with_default_deny_and_wide_names_the_policies() {
    list(&["--all", "-o", "wide"]).success().stdout_lines_in_order(&[
        "NAMESPACE              INGRESS     EGRESS    PODS   NOT ISOLATED      INGRESS POLICIES          EGRESS POLICIES",
        "empty                  deny        none      0      <none>            default-deny-ingress      <none>",
        "locked                 deny        deny      1      <none>            default-deny-all          default-deny-all",
        "per-pod                pods        partial   2      web-1 (egress)    web-ingress,db-lockdown   db-lockdown",
        "reopened               allow-all   deny      1      svc-1 (ingress)   allow-everything-in       default-deny-all",
    ]);
}

#[test]
fn json_lists_every_namespace_with_both_states() {
    let run = list(&["-o", "json"]);
    run.success();
    let v = run.json();
    let namespaces = v["namespaces"].as_array().expect("namespaces");
    let names: Vec<&str> = namespaces.iter().filter_map(|n| n["namespace"].as_str()).collect();
    assert_eq!(names, ["empty", "kube-system", "locked", "open", "per-pod", "reopened"]);
    let per_pod = &namespaces[4];
    assert_eq!(
        per_pod,
        &json!({
            "namespace": "per-pod", "system": false, "pods": 2, "defaultDeny": false,
            "ingress": {"state": "pods", "notIsolated": [], "policies": ["web-ingress", "db-lockdown"]},
            "egress": {"state": "partial", "notIsolated": ["web-1"], "policies": ["db-lockdown"]}
        })
    );
    assert_eq!(namespaces[2]["defaultDeny"], true);
    assert_eq!(namespaces[1]["system"], true);
    assert_eq!(namespaces[5]["ingress"]["state"], "allow-all");
    assert_eq!(namespaces[5]["ingress"]["policies"], json!(["allow-everything-in"]));
}

#[test]
fn exit_code_fails_when_a_listed_namespace_lacks_default_deny() {
    let run = list(&["--exit-code"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(run.stderr, "", "{run}");
    run.stdout_has("open ");
    let run = list(&["-n", "locked", "--exit-code"]);
    assert_eq!(run.code, Some(0), "{run}");
    let run = list(&["-n", "locked", "-n", "open", "--exit-code", "-o", "json"]);
    assert_eq!(run.code, Some(1), "{run}");
}

#[test]
fn a_namespace_with_default_deny_everywhere_says_so() {
    let run = list(&["-n", "locked"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(run.stdout, "", "{run}");
    run.stderr_has("default-deny for ingress and egress");
}

#[test]
fn an_unknown_namespace_is_an_error() {
    list(&["-n", "nowhere"]).error().stderr_has("error: namespace \"nowhere\" not found in the manifests read");
}

#[test]
fn egress_open_to_every_ipv4_address_is_not_deny() {
    let manifests = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-all, namespace: team}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-egress, namespace: team}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {}}, {ipBlock: {cidr: 0.0.0.0/0}}]
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: team}
status: {podIP: 10.244.0.5}
";
    // Every pod and every address the cluster uses (all IPv4) is admitted on every port: `why`
    // agrees, the egress of `a` is open to anything.
    Deny::new(&["why", "-f", "-", "-n", "team", "a", "203.0.113.10:25"]).stdin(manifests.as_bytes()).run().allowed();
    let run = Deny::new(&["list", "-f", "-", "--all", "-o", "json"]).stdin(manifests.as_bytes()).run();
    run.success();
    assert_ne!(run.json()["namespaces"][0]["egress"]["state"], "deny", "{run}");
}
