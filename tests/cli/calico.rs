//! Calico: tiers by order, Pass hand-offs, the end-of-tier deny, Kubernetes NetworkPolicies at
//! order 1000 in the default tier, staged policies reported, `list` naming a global default deny,
//! and `matrix` agreeing with `why` (fixture `calico_tiers`: the README's `examples-calico/`
//! cluster plus a staged policy and a policy in Calico's stored form); the cluster-wide policies
//! in Calico's `kube-admin` and `kube-baseline` tiers (fixture `calico_cluster_wide`).

use crate::harness::Deny;

fn why(args: &[&str]) -> crate::harness::Run {
    why_in("calico_tiers", args)
}

fn why_in(fixture: &str, args: &[&str]) -> crate::harness::Run {
    let mut all = vec!["why", "-f", fixture];
    all.extend_from_slice(args);
    Deny::new(&all).run()
}

#[test]
fn a_pass_hands_on_to_the_default_tier_where_a_kubernetes_policy_allows() {
    why(&["prod/web", "prod/api:8080"]).allowed().stdout_lines_in_order(&[
        "Ingress to prod/api: allowed",
        "  tier security: pass",
        "    > GlobalNetworkPolicy security.quarantine (order 10) ingress[1] Pass: every peer, every port",
        "  tier default: allow",
        "    + NetworkPolicy prod/web-to-api (order 1000) ingress[0] Allow: podSelector app=web, TCP 8080",
    ]);
}

#[test]
fn a_deny_of_an_earlier_tier_decides_before_the_default_tier() {
    why(&["prod/legacy", "prod/api:8080"]).blocked().stdout_lines_in_order(&[
        "Ingress to prod/api: blocked",
        "  tier security: deny",
        "    - GlobalNetworkPolicy security.quarantine (order 10) ingress[0] Deny: selector quarantine == \"true\", every port",
    ]);
}

/// No NetworkPolicy can override a tier before the default one: `why` does not offer `--suggest`,
/// and `--suggest` names the tier and the rule instead of failing. The end-of-tier deny of the
/// default tier is another matter: a NetworkPolicy there allows the flow.
#[test]
fn an_earlier_tier_deny_offers_no_suggest_and_suggest_names_the_tier() {
    why(&["prod/legacy", "prod/api:8080"]).blocked().stdout_lacks("Add --suggest");
    let run = why(&["prod/legacy", "prod/api:8080", "--suggest"]);
    assert_eq!(run.code, Some(1), "nothing to apply: {run}");
    run.stdout_has("# No NetworkPolicy can allow it.")
        .stdout_has(
            "only a change in Calico tier security can allow this flow: GlobalNetworkPolicy security.quarantine \
             (Deny ingress[0]) denies it before the Kubernetes NetworkPolicies of the default tier are reached",
        )
        .stdout_lacks("kind: NetworkPolicy");
    why(&["prod/web", "prod/db:5432"]).blocked().stdout_has("Add --suggest");
    why(&["prod/web", "prod/db:5432", "--suggest"]).success().stdout_has("kind: NetworkPolicy");
}

#[test]
fn the_end_of_tier_deny_names_the_nearest_misses() {
    why(&["prod/web", "prod/db:5432"]).blocked().stdout_lines_in_order(&[
        "Ingress to prod/db: blocked",
        "    end of tier default: no rule matched, its default action Deny drops",
        "    ~ Calico NetworkPolicy prod/db-ingress ingress[0] Allow: serviceAccounts api does not match",
        "        peer: needs projectcalico.org/serviceaccount in {\"api\"} but has projectcalico.org/serviceaccount=default",
    ]);
}

#[test]
fn a_staged_policy_never_decides_but_says_what_it_would_change() {
    why(&["prod/web", "prod/api:8080"]).allowed().stdout_has(
        "StagedNetworkPolicy prod/no-web-to-api is staged (never enforced); enforcing it: the flow would be blocked",
    );
    why(&["prod/api", "prod/db:5432"]).allowed().stdout_has(
        "StagedNetworkPolicy prod/no-web-to-api is staged (never enforced); enforcing it would not change this flow",
    );
}

#[test]
fn json_carries_each_tier_with_its_rules_and_end_of_tier() {
    let v = why(&["prod/api", "prod/db:5432", "-o", "json"]).json();
    assert_eq!(v["verdict"], "allowed");
    let layers = v["ingress"]["layers"].as_array().unwrap();
    let names: Vec<&str> = layers.iter().map(|l| l["layer"].as_str().unwrap()).collect();
    assert_eq!(names, ["calico-tier:security", "calico-tier:default"]);
    assert_eq!(layers[0]["decision"], "pass");
    assert_eq!(layers[1]["decision"], "allow");
    assert_eq!(layers[1]["rules"][0]["kind"], "Calico NetworkPolicy");
    assert_eq!(layers[1]["rules"][0]["name"], "db-ingress");
    assert_eq!(layers[1]["rules"][0]["order"], 500.0);
    let blocked = why(&["prod/web", "prod/db:5432", "-o", "json"]).json();
    assert_eq!(blocked["ingress"]["layers"][1]["endOfTier"]["action"], "Deny");
}

#[test]
fn a_stored_policy_is_named_as_the_v3_api_names_it() {
    why(&["prod/web", "prod/legacy:80", "-o", "wide"])
        .blocked()
        .stdout_has("selected by Calico NetworkPolicy prod/legacy-log, GlobalNetworkPolicy default-deny");
}

#[test]
fn list_names_the_global_default_deny_and_the_namespaces_it_leaves_out() {
    Deny::new(&["list", "-f", "calico_tiers"]).run().success().stdout_lines_in_order(&[
        "kube-system (system)   none      none     1      coredns",
        "GlobalNetworkPolicy default-deny is a default deny in prod; it leaves out kube-system",
    ]);
    let v = Deny::new(&["list", "-f", "calico_tiers", "-o", "json"]).run().json();
    assert_eq!(v["clusterWide"][0]["exempts"][0], "kube-system");
    let prod = v["namespaces"].as_array().unwrap().iter().find(|n| n["namespace"] == "prod").unwrap().clone();
    assert_eq!(prod["ingress"]["state"], "deny");
    assert_eq!(prod["egress"]["coveredBy"][0], "GlobalNetworkPolicy default-deny");
}

#[test]
fn matrix_agrees_with_why_cell_by_cell() {
    matrix_agrees_with_why("calico_tiers");
    matrix_agrees_with_why("calico_cluster_wide");
}

fn matrix_agrees_with_why(fixture: &str) {
    let v = Deny::new(&[
        "matrix", "-f", fixture, "-A", "--port", "8080", "--port", "5432", "--port", "53/udp", "-o", "json",
    ])
    .run()
    .json();
    let cells = v["cells"].as_array().unwrap();
    assert!(cells.len() > 20);
    for cell in cells {
        let (from, to) = (cell["from"].as_str().unwrap(), cell["to"].as_str().unwrap());
        let target = format!("{to}:{}/{}", cell["port"], cell["protocol"].as_str().unwrap().to_lowercase());
        let run = why_in(fixture, &[from, &target]);
        let expected = if cell["verdict"] == "allowed" { 0 } else { 1 };
        assert_eq!(run.code, Some(expected), "{from} -> {target}");
    }
}

#[test]
fn a_bad_selector_is_an_error_with_its_line_and_column() {
    Deny::new(&["list", "-f", "-"])
        .stdin(
            b"apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec:\n  selector: app == 'a' && has(b\n",
        )
        .run()
        .error()
        .stderr_has("line 5")
        .stderr_has("spec.selector: not a valid Calico selector: column")
        .stderr_has("fix: see Calico's selector syntax");
}

// Fixture `calico_cluster_wide`: the same cluster plus an AdminNetworkPolicy and a
// BaselineAdminNetworkPolicy, which Calico holds in its `kube-admin` and `kube-baseline` tiers.

#[test]
fn an_admin_network_policy_decides_in_kube_admin_after_a_tier_of_lower_order() {
    why_in("calico_cluster_wide", &["prod/web", "prod/api:8080"]).blocked().stdout_lines_in_order(&[
        "Ingress to prod/api: blocked",
        "  tier security: pass",
        "    > GlobalNetworkPolicy security.quarantine (order 10) ingress[1] Pass: every peer, every port",
        "  tier kube-admin: deny",
        "    - AdminNetworkPolicy api-guard (order 5) ingress[0] Deny: pods app=web, TCP 8080",
    ]);
}

#[test]
fn the_baseline_policy_decides_in_kube_baseline_where_no_default_tier_policy_selects() {
    let run = why_in("calico_cluster_wide", &["prod/web", "kube-system/coredns:53/udp"]);
    run.blocked().stdout_lines_in_order(&[
        "Ingress to kube-system/coredns: blocked",
        "  tier kube-baseline: deny",
        "    - BaselineAdminNetworkPolicy default (order 1000) ingress[0] Deny: namespaces {}, UDP 53",
    ]);
    let v = Deny::new(&["list", "-f", "calico_cluster_wide", "-o", "json"]).run().json();
    let ks = v["namespaces"].as_array().unwrap().iter().find(|n| n["namespace"] == "kube-system").unwrap().clone();
    assert_eq!(ks["ingress"]["state"], "deny", "{ks}");
    assert_eq!(ks["ingress"]["coveredBy"][0], "BaselineAdminNetworkPolicy default", "{ks}");
}
