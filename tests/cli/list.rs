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
            "reopened               allow-all   deny      1      svc-1 (ingress: allowed all)",
        ])
        .stdout_lacks("locked");
}

#[test]
fn all_includes_namespaces_with_default_deny_and_wide_names_the_policies() {
    list(&["--all", "-o", "wide"]).success().stdout_lines_in_order(&[
        "NAMESPACE              INGRESS     EGRESS    PODS   NOT ISOLATED                   INGRESS POLICIES          EGRESS POLICIES",
        "empty                  deny        none      0      <none>                         default-deny-ingress      <none>",
        "locked                 deny        deny      1      <none>                         default-deny-all          default-deny-all",
        "per-pod                pods        partial   2      web-1 (egress)                 db-lockdown,web-ingress   db-lockdown",
        "reopened               allow-all   deny      1      svc-1 (ingress: allowed all)   allow-everything-in       default-deny-all",
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
            "ingress": {"state": "pods", "notIsolated": [], "allowedAll": [], "policies": ["db-lockdown", "web-ingress"]},
            "egress": {"state": "partial", "notIsolated": ["web-1"], "allowedAll": [], "policies": ["db-lockdown"]}
        })
    );
    assert_eq!(namespaces[2]["defaultDeny"], true);
    assert_eq!(namespaces[1]["system"], true);
    assert_eq!(namespaces[5]["ingress"]["state"], "allow-all");
    assert_eq!(namespaces[5]["ingress"]["policies"], json!(["allow-everything-in"]));
    assert_eq!(namespaces[5]["ingress"]["notIsolated"], json!([]));
    assert_eq!(namespaces[5]["ingress"]["allowedAll"], json!(["svc-1"]));
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

fn reopened(args: &[&str]) -> crate::harness::Run {
    let mut all = vec!["list", "-f", "list_reopened"];
    all.extend_from_slice(args);
    Deny::new(&all).run()
}

/// Issue 10, item 1: a namespace-wide rule that admits every pod of the cluster (by
/// `namespaceSelector: {}`, by `ipBlock 0.0.0.0/0`, or by a CIDR covering every pod IP), alone or
/// together with other rules, on every port, re-opens the direction: `allow-all`, never `deny`.
#[test]
fn namespace_wide_rules_that_admit_every_pod_on_every_port_are_allow_all() {
    let run = reopened(&["--all", "-o", "json"]);
    run.success();
    let v = run.json();
    let states: Vec<(String, String, String)> = v["namespaces"]
        .as_array()
        .expect("namespaces")
        .iter()
        .map(|n| {
            (
                n["namespace"].as_str().unwrap().to_string(),
                n["ingress"]["state"].as_str().unwrap().to_string(),
                n["egress"]["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("any-namespace", "allow-all", "deny"),
        ("any-pod", "allow-all", "deny"),
        ("every-address", "deny", "allow-all"),
        ("internet-only", "deny", "deny"),
        ("one-pod-open", "partial", "deny"),
        ("own-namespace", "deny", "deny"),
        ("pod-cidr", "allow-all", "deny"),
        ("split-peers", "allow-all", "deny"),
        ("split-ports", "allow-all", "deny"),
        ("tcp-only", "deny", "deny"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(states, expected, "{run}");
    let split = v["namespaces"].as_array().unwrap().iter().find(|n| n["namespace"] == "split-peers").unwrap();
    assert_eq!(split["ingress"]["policies"], json!(["tcp-from-every-namespace", "udp-sctp-from-anywhere"]));
}

/// `why` agrees with `list` on every re-opened namespace: a pod of another namespace reaches the
/// re-opened pod on any port and protocol; where `list` says `deny`, some flow is blocked.
/// `allow-all` is about pods: an address outside the cluster gets in only where an ipBlock says so.
#[test]
fn why_agrees_with_list_on_reopened_namespaces() {
    let why = |from: &str, to: &str| Deny::new(&["why", "-f", "list_reopened", from, to]).run();
    for to in ["any-namespace/a-1", "any-pod/b-1", "pod-cidr/d-1", "split-peers/e-1", "split-ports/f-1"] {
        for port in [":1", ":80/udp", ":65535/sctp"] {
            // every-address/c-1 may send anywhere.
            why("every-address/c-1", &format!("{to}{port}")).allowed();
            let run = Deny::new(&["why", "-f", "list_reopened", "10.244.99.9", &format!("{to}{port}")]).run();
            if to.starts_with("pod-cidr") || (to.starts_with("split-peers") && !port.ends_with(":1")) {
                run.allowed();
            } else {
                run.blocked();
            }
        }
    }
    why("every-address/c-1", "tcp-only/g-1:80").allowed();
    why("every-address/c-1", "tcp-only/g-1:80/udp").blocked();
    why("every-address/c-1", "own-namespace/i-1:80").blocked();
    why("internet-only/h-1", "every-address/c-1:80").blocked();
    let run = Deny::new(&["why", "-f", "list_reopened", "every-address/c-1", "203.0.113.9:25/udp"]).run();
    run.allowed();
}

#[test]
fn exit_code_fails_on_allow_all() {
    for ns in ["any-namespace", "every-address", "pod-cidr", "split-peers", "split-ports", "one-pod-open"] {
        let run = reopened(&["-n", ns, "--exit-code"]);
        assert_eq!(run.code, Some(1), "{run}");
    }
    for ns in ["tcp-only", "internet-only", "own-namespace"] {
        let run = reopened(&["-n", ns, "--exit-code"]);
        assert_eq!(run.code, Some(0), "{run}");
    }
}

/// Issue 10, item 18: NOT ISOLATED tells a pod no policy isolates from one that is isolated but
/// allowed everything, in the table and in JSON.
#[test]
fn pods_allowed_everything_are_told_apart_from_pods_not_isolated() {
    reopened(&["-n", "one-pod-open", "-n", "any-namespace"]).success().stdout_lines_in_order(&[
        "NAMESPACE       INGRESS     EGRESS   PODS   NOT ISOLATED",
        "any-namespace   allow-all   deny     1      a-1 (ingress: allowed all)",
        "one-pod-open    partial     deny     2      web-1 (ingress: allowed all)",
    ]);
    let run = reopened(&["-n", "one-pod-open", "-o", "json"]);
    let ns = &run.json()["namespaces"][0];
    assert_eq!(ns["ingress"]["notIsolated"], json!([]), "{run}");
    assert_eq!(ns["ingress"]["allowedAll"], json!(["web-1"]), "{run}");
    assert_eq!(ns["ingress"]["policies"], json!(["default-deny-all", "web-from-anyone"]), "{run}");
    list(&["-n", "open", "-n", "per-pod"]).success().stdout_lines_in_order(&[
        "open        none      none      1      anything",
        "per-pod     pods      partial   2      web-1 (egress)",
    ]);
}

/// Issue 10, item 10: kubectl's `-l`, `--no-headers` and `-o name`.
#[test]
fn label_selector_no_headers_and_name_output() {
    let manifests = "\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: blog, labels: {team: b}}
---
apiVersion: v1
kind: Namespace
metadata: {name: wiki}
";
    let run = |args: &[&str]| {
        let mut all = vec!["list", "-f", "-"];
        all.extend_from_slice(args);
        Deny::new(&all).stdin(manifests.as_bytes()).run()
    };
    let out = run(&["-l", "team in (a,b)", "--no-headers"]);
    out.success();
    assert_eq!(out.stdout, "blog   none   none   0   <none>\nshop   none   none   0   <none>\n", "{out}");
    let out = run(&["-l", "!team", "-o", "name"]);
    assert_eq!(out.stdout, "namespace/wiki\n", "{out}");
    let out = run(&["-l", "team!=a", "-o", "json"]);
    let names: Vec<String> = out.json()["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["namespace"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["blog", "wiki"], "{out}");
    run(&["-l", "team in (a"]).error().stderr_has("invalid label selector \"team in (a\" given with -l: column 11");
    Deny::new(&["why", "-f", "list_states", "-l", "app=web", "a", "b"])
        .run()
        .error()
        .stderr_has("-l does not apply to why, which explains one flow");
}
