//! The cluster-wide tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy)
//! through the binary: `why` showing the pipeline per side with rule-level evidence and the
//! hints, `--suggest` where a NetworkPolicy can override the blocker and where only the Admin
//! tier can, `-o json`'s `layers`, `list` counting a cluster-wide default deny (`matrix` agreeing with
//! `why` is `matrix::every_cell_equals_the_why_verdict`), and invalid objects rejected with file, document, line and field.

use crate::harness::{Deny, Run, why, why_json};

fn stdin(args: &[&str], manifests: &str) -> Run {
    Deny::new(args).stdin(manifests.as_bytes()).run()
}

#[test]
fn why_shows_each_layer_and_the_pass_on_the_way_to_a_baseline_deny() {
    why("cluster_tiers", &["monitoring/prom", "shop/web:8080"])
        .blocked()
        .stdout_lines_in_order(&[
            "Ingress to shop/web: blocked",
            "  Admin tier: pass",
            "    > AdminNetworkPolicy monitoring-scrapes (priority 20): ingress[0] \"pass-monitoring\" Pass from[0] \
             namespaces kubernetes.io/metadata.name=monitoring, every port",
            "  NetworkPolicy: no opinion",
            "    not isolated: no NetworkPolicy selects it for ingress",
            "  Baseline tier: deny",
            "    - ClusterNetworkPolicy baseline-default-deny (priority 100): ingress[0] \"deny-all-ingress\" Deny from[0] \
             namespaces {}, every port",
        ])
        .stdout_has("a NetworkPolicy in namespace shop that selects shop/web and allows this ingress overrides it")
        .stdout_has("hands this ingress on to the namespace's policies (Pass)");
}

#[test]
fn json_carries_a_layers_array_per_side() {
    let v = why_json("cluster_tiers", &["monitoring/prom", "shop/web:8080"]);
    let layers = v["ingress"]["layers"].as_array().unwrap();
    let decisions: Vec<(&str, &str)> =
        layers.iter().map(|l| (l["layer"].as_str().unwrap(), l["decision"].as_str().unwrap())).collect();
    assert_eq!(decisions, [("admin", "pass"), ("networkpolicy", "no-opinion"), ("baseline", "deny")]);
    let deny = &layers[2]["rules"][0];
    assert_eq!(deny["kind"], "ClusterNetworkPolicy");
    assert_eq!(deny["name"], "baseline-default-deny");
    assert_eq!(deny["ruleName"], "deny-all-ingress");
    assert_eq!(deny["action"], "Deny");
    assert_eq!(layers[0]["rules"][0]["action"], "Pass");
    let hints: Vec<&str> = v["hints"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert!(hints.contains(&"baseline-deny") && hints.contains(&"pass-then-deny"), "{hints:?}");
}

#[test]
fn an_admin_deny_says_no_network_policy_can_override_it() {
    why("cluster_tiers", &["shop/web", "payments/ledger:5432"])
        .blocked()
        .stdout_has("  Admin tier: deny")
        .stdout_has("  NetworkPolicy: not reached")
        .stdout_has("no NetworkPolicy can override it. Ask the cluster's administrators");
}

#[test]
fn suggest_proposes_a_network_policy_over_a_baseline_deny() {
    let run = why("cluster_tiers", &["monitoring/prom", "shop/web:8080", "--suggest"]);
    run.success().stdout_has("kind: NetworkPolicy").stdout_has("namespace: shop");
}

#[test]
fn suggest_says_plainly_when_only_the_admin_tier_can_allow() {
    let run = why("cluster_tiers", &["shop/web", "payments/ledger:5432", "--suggest"]);
    assert_eq!(run.code, Some(1), "nothing to apply: {run}");
    run.stdout_has("# No NetworkPolicy can allow it.")
        .stdout_has("only an Admin-tier change can allow this flow: AdminNetworkPolicy payments-isolation")
        .stdout_lacks("kind: NetworkPolicy");
}

#[test]
fn list_counts_a_baseline_default_deny_and_names_it() {
    let run = Deny::new(&["list", "-f", "cluster_tiers", "-o", "json"]).run();
    let v = run.json();
    for ns in v["namespaces"].as_array().unwrap() {
        assert_eq!(ns["ingress"]["state"], "deny", "{ns}");
        assert_eq!(ns["ingress"]["coveredBy"][0], "ClusterNetworkPolicy baseline-default-deny", "{ns}");
        assert_eq!(ns["egress"]["state"], "none", "egress is not covered: {ns}");
        assert!(ns["egress"].get("coveredBy").is_none(), "{ns}");
    }
    Deny::new(&["list", "-f", "cluster_tiers", "-o", "wide"])
        .run()
        .stdout_has("ClusterNetworkPolicy baseline-default-deny");
}

#[test]
fn an_admin_allow_of_everything_reopens_a_direction() {
    let manifests = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: open-shop}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
  ingress: [{action: Accept, from: [{namespaces: {}}]}]
";
    let v = stdin(&["list", "-f", "-", "-o", "json"], manifests).json();
    let shop = &v["namespaces"][0];
    assert_eq!(shop["ingress"]["state"], "allow-all", "{shop}");
    assert_eq!(shop["ingress"]["coveredBy"][0], "ClusterNetworkPolicy open-shop", "{shop}");
}

/// A pod, then `object` as document 2.
fn with_pod(object: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\n---\n{object}")
}

#[test]
fn invalid_cluster_wide_policies_are_errors_naming_document_line_and_field() {
    let anp = |spec: &str| {
        with_pod(&format!(
            "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {{name: p}}\nspec:\n{spec}"
        ))
    };
    let cnp = |spec: &str| {
        with_pod(&format!(
            "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {{name: p}}\nspec:\n{spec}"
        ))
    };
    let cases: Vec<(String, &str, &str)> = vec![
        (anp("  priority: 1001\n  subject: {namespaces: {}}\n"), "spec.priority", "1001 is out of range"),
        (
            anp("  priority: 1\n  subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}\n"),
            "spec.subject",
            "only one of namespaces and pods",
        ),
        (
            anp(
                "  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Accept, from: [{namespaces: {}}]}]\n",
            ),
            "spec.ingress[0].action",
            "AdminNetworkPolicy spells it Allow",
        ),
        (
            cnp(
                "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Allow, from: [{namespaces: {}}]}]\n",
            ),
            "spec.ingress[0].action",
            "ClusterNetworkPolicy spells it Accept",
        ),
        (
            anp("  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{nodes: {}}]}]\n"),
            "spec.ingress[0].from[0].nodes",
            "egress only",
        ),
        (
            anp(
                "  priority: 1\n  subject: {namespaces: {}}\n  egress: [{action: Deny, to: [{networks: [10.0.0.0/8]}], ports: [{namedPort: http}]}]\n",
            ),
            "spec.egress[0]",
            "cannot be set with named ports",
        ),
        (
            cnp(
                "  tier: Baseline\n  priority: 1\n  subject: {namespaces: {}}\n  egress: [{action: Deny, to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {range: {start: 90, end: 80}}}}]}]\n",
            ),
            "spec.egress[0].protocols[0].tcp.destinationPort.range",
            "start port 90 must be less than end port 80",
        ),
        (
            cnp("  tier: Middle\n  priority: 1\n  subject: {namespaces: {}}\n"),
            "spec.tier",
            "unsupported value \"Middle\"",
        ),
        (
            with_pod(
                "apiVersion: policy.networking.k8s.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata: {name: p}\nspec:\n  \
                 tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  egress: [{action: Deny, to: [{networks: [10.0.0.1/8]}]}]\n",
            ),
            "spec.egress[0].to[0].networks[0]",
            "has host bits set",
        ),
        (
            anp("  priority: 1\n  subject: {namespaces: {}}\n  egress: [{action: Deny, to: [{}]}]\n"),
            "spec.egress[0].to[0]",
            "must specify a peer",
        ),
        (
            with_pod(
                "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: base}\n\
                 spec:\n  subject: {namespaces: {}}\n",
            ),
            "metadata.name",
            "named \"default\"",
        ),
        (
            with_pod(
                "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\n\
                 spec:\n  subject: {namespaces: {}}\n  ingress: [{action: Pass, from: [{namespaces: {}}]}]\n",
            ),
            "spec.ingress[0].action",
            "has no Pass",
        ),
    ];
    for (manifests, field, message) in cases {
        let run = stdin(&["why", "-f", "-", "a", "a"], &manifests);
        run.error().stderr_has("stdin: document 2 (line 4)").stderr_has(field).stderr_has(message);
        assert!(!run.stderr.contains("panicked"), "{run}");
    }
}

#[test]
fn cluster_network_policy_v1beta1_is_read_with_the_same_fields() {
    let manifests = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: data}
status: {podIP: 10.0.0.2}
---
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: no-db}
spec:
  tier: Admin
  priority: 1
  subject: {pods: {podSelector: {}}}
  egress: [{action: Deny, to: [{networks: [10.0.0.2/32]}]}]
";
    stdin(&["why", "-f", "-", "shop/web", "data/db:5432"], manifests)
        .blocked()
        .stdout_has("ClusterNetworkPolicy no-db (priority 1): egress[0] Deny to[0] networks 10.0.0.2/32");
}
