//! One test per rule of Cilium's policy semantics, written from the examples of Cilium's
//! documentation (docs.cilium.io, security/policy: intro, layer3, layer4, deny, kubernetes; the
//! CRD's field descriptions). Clusters are written as manifests and read by `source`, so each test
//! reads like the docs' YAML.

use super::super::flow::{Endpoint, Engine};
use super::super::model::{Protocol, Snapshot};
use super::super::verdict::{PortQuery, Verdict};
use crate::source::file::load_str;

/// A Cilium cluster: node-a (192.168.10.11) and node-b (192.168.10.12), the API server at
/// 192.168.10.5 (node cp-1), namespaces shop and other, and the pods given as
/// `namespace/name[@service-account] label=value,...` (on node-a, IPs 10.0.0.1...; ports http 80,
/// metrics 9102).
fn cluster(pods: &[&str], policies: &str) -> Snapshot {
    let mut text = String::from(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: cilium, namespace: kube-system}\nspec: {selector: {}, template: {spec: {containers: [{name: a, image: quay.io/cilium/cilium:v1.18.0}]}}}\n---\n\
         apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.10.11}]}\n---\n\
         apiVersion: v1\nkind: Node\nmetadata: {name: node-b}\nstatus: {addresses: [{type: InternalIP, address: 192.168.10.12}]}\n---\n\
         apiVersion: v1\nkind: Node\nmetadata: {name: cp-1}\nstatus: {addresses: [{type: InternalIP, address: 192.168.10.5}]}\n---\n\
         apiVersion: v1\nkind: Service\nmetadata: {name: kubernetes, namespace: default}\nspec: {clusterIP: 10.96.0.1, ports: [{port: 443, targetPort: 6443}]}\n---\n\
         apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes}}\naddressType: IPv4\nports: [{port: 6443}]\nendpoints: [{addresses: [192.168.10.5]}]\n---\n\
         apiVersion: v1\nkind: Namespace\nmetadata: {name: other, labels: {team: b}}\n---\n",
    );
    for (i, p) in pods.iter().enumerate() {
        let (who, labels) = p.split_once(' ').unwrap_or((p, ""));
        let (who, account) = match who.split_once('@') {
            Some((who, account)) => (who, format!(", serviceAccountName: {account}")),
            None => (who, String::new()),
        };
        let (ns, name) = who.split_once('/').unwrap();
        let labels: Vec<String> =
            labels.split(',').filter(|l| !l.is_empty()).map(|l| l.replacen('=', ": ", 1)).collect();
        text.push_str(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {{{}}}}}\nspec: {{nodeName: node-a{account}, containers: [{{name: c, ports: [{{name: http, containerPort: 80}}, {{name: metrics, containerPort: 9102}}]}}]}}\nstatus: {{podIP: 10.0.0.{}}}\n---\n",
            labels.join(", "),
            i + 1
        ));
    }
    text.push_str(policies);
    load_str(&text, "test.yaml", "default").unwrap_or_else(|e| panic!("{e}"))
}

fn endpoint<'a>(s: &'a Snapshot, name: &str) -> Endpoint<'a> {
    match name.parse() {
        Ok(ip) => Endpoint::Ip(ip),
        Err(_) => {
            let (ns, n) = name.split_once('/').unwrap();
            Endpoint::Pod(s.pods.iter().find(|p| p.namespace == ns && p.name == n).expect(name))
        }
    }
}

/// `why` and `decide` on one flow: they must agree.
fn why(s: &Snapshot, from: &str, to: &str, port: u16, protocol: Protocol) -> Verdict {
    let e = Engine::new(s);
    let (a, b) = (endpoint(s, from), endpoint(s, to));
    let v = e.evaluate(a, b, PortQuery::Port { port, protocol });
    assert_eq!(e.decide(a, b, port, protocol), v.allowed, "decide and evaluate differ on {from} -> {to}:{port}");
    v
}

fn allowed(s: &Snapshot, from: &str, to: &str, port: u16) -> bool {
    why(s, from, to, port, Protocol::Tcp).allowed
}

fn notes(v: &Verdict) -> String {
    v.caveats.iter().chain(&v.hints).map(|n| n.message.as_str()).collect::<Vec<_>>().join("\n")
}

const BACKEND: &[&str] = &["shop/frontend role=frontend", "shop/backend role=backend", "other/frontend role=frontend"];

#[test]
fn from_endpoints_in_a_cnp_is_limited_to_the_policy_namespace() {
    // Layer 3 "Simple Ingress Allow", in a namespace.
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: l3-rule, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]\n",
    );
    assert!(allowed(&s, "shop/frontend", "shop/backend", 80));
    assert!(!allowed(&s, "other/frontend", "shop/backend", 80), "another namespace is not a peer");
    assert!(!allowed(&s, "203.0.113.9", "shop/backend", 80), "endpoint selectors never select the world");
    assert!(allowed(&s, "shop/backend", "shop/frontend", 80), "frontend is not selected");
}

#[test]
fn naming_a_namespace_in_from_endpoints_replaces_the_policy_namespace() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: across, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: other, role: frontend}}]\n",
    );
    assert!(allowed(&s, "other/frontend", "shop/backend", 80));
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 80));
}

#[test]
fn a_namespace_match_expression_of_any_operator_lifts_the_restriction() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - fromEndpoints: [{matchExpressions: [{key: io.kubernetes.pod.namespace, operator: NotIn, values: [shop]}]}]\n",
    );
    assert!(allowed(&s, "other/frontend", "shop/backend", 80));
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 80));
}

#[test]
fn a_cnp_endpoint_selector_cannot_leave_its_namespace() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {k8s:io.kubernetes.pod.namespace: other}}\n  ingress: [{}]\n",
    );
    assert!(allowed(&s, "shop/backend", "other/frontend", 80), "pods of other are not selected");
    assert!(!allowed(&s, "other/frontend", "shop/backend", 80), "the policy selects every pod of shop");
}

#[test]
fn an_empty_from_endpoints_in_a_ccnp_is_every_pod_and_nothing_else() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: wildcard}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - fromEndpoints: [{}]\n",
    );
    assert!(allowed(&s, "other/frontend", "shop/backend", 80));
    assert!(!allowed(&s, "203.0.113.9", "shop/backend", 80));
    assert!(!allowed(&s, "192.168.10.12", "shop/backend", 80), "a remote node has no namespace label");
    assert!(allowed(&s, "192.168.10.11", "shop/backend", 80), "the local host always reaches its pods");
}

#[test]
fn the_service_account_is_an_identity_label_and_unnamed_means_default() {
    // Kubernetes constructs, "ServiceAccounts": io.cilium.k8s.policy.serviceaccount, leia and luke.
    let pods = &["shop/leia@leia app=a", "shop/luke@luke app=b", "shop/han app=b", "other/luke@luke app=b"];
    let s = cluster(
        pods,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: k8s-svc-account, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {io.cilium.k8s.policy.serviceaccount: leia}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {io.cilium.k8s.policy.serviceaccount: luke}}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]\n",
    );
    assert!(allowed(&s, "shop/luke", "shop/leia", 80));
    assert!(!allowed(&s, "shop/han", "shop/leia", 80), "han runs as default: not luke");
    assert!(!allowed(&s, "other/luke", "shop/leia", 80), "luke of another namespace: the CNP stays in shop");
    assert!(allowed(&s, "shop/leia", "shop/luke", 80), "luke is not selected");
    let s = cluster(
        pods,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: only-default, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {k8s:io.cilium.k8s.policy.serviceaccount: default}}\n  ingressDeny: [{fromEntities: [all]}]\n",
    );
    assert!(!allowed(&s, "shop/luke", "shop/han", 80), "a pod without serviceAccountName runs as default");
    assert!(allowed(&s, "shop/han", "shop/luke", 80));
}

#[test]
fn a_reserved_key_selects_the_identity_in_any_namespace() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {k8s:role: backend}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {reserved:remote-node: \"\"}}]\n",
    );
    assert!(allowed(&s, "192.168.10.12", "shop/backend", 80));
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 80));
}

#[test]
fn entities_world_host_remote_node_cluster_all_and_kube_apiserver() {
    let policy = |entity: &str| {
        format!(
            "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: x, namespace: shop}}\nspec:\n  endpointSelector: {{matchLabels: {{role: frontend}}}}\n  egress:\n  - toEntities: [{entity}]\n"
        )
    };
    let cases: &[(&str, &[(&str, bool)])] = &[
        ("world", &[("203.0.113.9", true), ("192.168.10.12", false), ("other/frontend", false)]),
        ("host", &[("192.168.10.11", true), ("192.168.10.12", false), ("203.0.113.9", false)]),
        ("remote-node", &[("192.168.10.12", true), ("192.168.10.11", false)]),
        ("cluster", &[("other/frontend", true), ("192.168.10.12", true), ("203.0.113.9", false)]),
        ("all", &[("other/frontend", true), ("203.0.113.9", true), ("192.168.10.12", true)]),
        ("kube-apiserver", &[("192.168.10.5", true), ("192.168.10.12", false), ("203.0.113.9", false)]),
    ];
    for (entity, flows) in cases {
        let s = cluster(BACKEND, &policy(entity));
        for (to, expected) in *flows {
            assert_eq!(allowed(&s, "shop/frontend", to, 443), *expected, "toEntities [{entity}] -> {to}");
        }
    }
}

#[test]
fn cidr_rules_match_outside_addresses_with_except_never_pods_or_nodes() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: cidr-rule, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: frontend}}\n  egress:\n  - toCIDR: [20.1.1.1/32]\n  - toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}]\n",
    );
    assert!(allowed(&s, "shop/frontend", "20.1.1.1", 443));
    assert!(allowed(&s, "shop/frontend", "10.20.30.40", 443));
    assert!(!allowed(&s, "shop/frontend", "10.100.0.7", 443), "except 10.96.0.0/12");
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 80), "10.0.0.2 is a pod: CIDR rules never match pods");
    let v = why(&s, "shop/frontend", "shop/backend", 443, Protocol::Tcp);
    assert!(!v.allowed && notes(&v).contains("policy-cidr-match-mode"), "the assumption is said: {}", notes(&v));
    let v = why(&s, "shop/frontend", "192.168.10.12", 443, Protocol::Tcp);
    assert!(!v.allowed && !notes(&v).contains("policy-cidr-match-mode"), "no CIDR holds the node: {}", notes(&v));
}

#[test]
fn a_protocol_given_is_that_protocol_only_and_omitted_means_any() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}, {port: \"53\"}]}]\n",
    );
    assert!(why(&s, "shop/frontend", "shop/backend", 80, Protocol::Tcp).allowed);
    assert!(!why(&s, "shop/frontend", "shop/backend", 80, Protocol::Udp).allowed);
    for protocol in Protocol::ALL {
        assert!(why(&s, "shop/frontend", "shop/backend", 53, protocol).allowed, "53/{protocol}");
    }
}

#[test]
fn end_port_is_a_range_and_named_ports_resolve_on_the_destination() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - toPorts: [{ports: [{port: \"8000\", endPort: 8100, protocol: TCP}, {port: metrics}]}]\n",
    );
    assert!(allowed(&s, "shop/frontend", "shop/backend", 8100));
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 8101));
    assert!(allowed(&s, "shop/frontend", "shop/backend", 9102), "metrics is 9102 on the backend");
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 80));
}

#[test]
fn a_to_ports_only_rule_admits_every_peer() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]\n",
    );
    for from in ["203.0.113.9", "other/frontend", "192.168.10.12"] {
        assert!(allowed(&s, from, "shop/backend", 80), "{from}");
    }
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 81));
}

#[test]
fn an_empty_rule_isolates_and_allows_nothing_and_an_empty_list_isolates_nothing() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: frontend}}\n  egress: [{}]\n  ingress: []\n",
    );
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 80), "egress: [{{}}] is a default deny");
    assert!(allowed(&s, "shop/backend", "shop/frontend", 80), "ingress: [] isolates nothing");
}

#[test]
fn deny_rules_win_over_every_allow_networkpolicy_included() {
    let s = cluster(
        BACKEND,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec:\n  podSelector: {matchLabels: {role: backend}}\n  ingress: [{}]\n---\n\
         apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: deny-80}\nspec:\n  endpointSelector: {}\n  ingressDeny:\n  - toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]\n",
    );
    let v = why(&s, "shop/frontend", "shop/backend", 80, Protocol::Tcp);
    assert!(!v.allowed);
    assert!(notes(&v).contains("deny rule wins"), "{}", notes(&v));
    assert!(allowed(&s, "shop/frontend", "shop/backend", 81), "the NetworkPolicy allows 81");
}

#[test]
fn a_policy_with_only_ingress_deny_isolates_ingress() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: deny-world, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingressDeny: [{fromEntities: [world]}]\n",
    );
    assert!(!allowed(&s, "203.0.113.9", "shop/backend", 80));
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 80), "default deny for ingress");
    assert!(allowed(&s, "shop/backend", "203.0.113.9", 443), "egress is not isolated");
}

#[test]
fn enable_default_deny_false_does_not_isolate_but_deny_rules_apply() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: x}\nspec:\n  endpointSelector: {}\n  enableDefaultDeny: {egress: false}\n  egressDeny: [{toCIDR: [169.254.169.254/32]}]\n  egress: [{toEntities: [kube-apiserver]}]\n",
    );
    assert!(allowed(&s, "shop/frontend", "203.0.113.9", 443));
    assert!(!allowed(&s, "shop/frontend", "169.254.169.254", 80));
}

#[test]
fn networkpolicy_and_cnp_selecting_one_pod_are_one_allow_list() {
    let s = cluster(
        &["shop/frontend role=frontend", "shop/backend role=backend", "other/prom app=prom"],
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-frontend, namespace: shop}\nspec:\n  podSelector: {matchLabels: {role: backend}}\n  ingress: [{from: [{podSelector: {matchLabels: {role: frontend}}}], ports: [{port: 80}]}]\n---\n\
         apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: metrics, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: other}}]\n    toPorts: [{ports: [{port: \"9102\", protocol: TCP}]}]\n",
    );
    assert!(allowed(&s, "shop/frontend", "shop/backend", 80));
    assert!(allowed(&s, "other/prom", "shop/backend", 9102));
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 9102));
    assert!(!allowed(&s, "other/prom", "shop/backend", 80));
}

#[test]
fn an_ipblock_on_cilium_matches_the_world_only() {
    let s = cluster(
        BACKEND,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec:\n  podSelector: {matchLabels: {role: frontend}}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n",
    );
    assert!(allowed(&s, "shop/frontend", "203.0.113.9", 443));
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 80), "pods are not matched by ipBlocks on Cilium");
    assert!(!allowed(&s, "shop/frontend", "192.168.10.12", 443), "nor nodes");
}

#[test]
fn labels_cilium_leaves_out_of_identities_select_nothing() {
    let s = cluster(
        &["shop/web-1 app=web,pod-template-hash=abc", "shop/client app=client"],
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec:\n  podSelector: {matchLabels: {pod-template-hash: abc}}\n  ingress: []\n",
    );
    assert!(allowed(&s, "shop/client", "shop/web-1", 80), "the NetworkPolicy selects no endpoint");
}

#[test]
fn l7_rules_allow_at_l4_and_say_requests_are_checked_at_runtime() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: rule1, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}], rules: {http: [{method: GET, path: /public}]}}]\n",
    );
    let v = why(&s, "shop/frontend", "shop/backend", 80, Protocol::Tcp);
    assert!(v.allowed);
    assert!(notes(&v).contains("HTTP rules (GET /public)") && notes(&v).contains("403"), "{}", notes(&v));
    assert!(!allowed(&s, "shop/frontend", "shop/backend", 8080));
}

#[test]
fn to_fqdns_to_services_and_to_groups_are_named_never_guessed() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: frontend}}\n  egress:\n  - toFQDNs: [{matchName: api.example.com}]\n  - toServices: [{k8sService: {serviceName: db, namespace: shop}}]\n  - toGroups: [{aws: {securityGroupsIds: [sg-1]}}]\n",
    );
    let v = why(&s, "shop/frontend", "203.0.113.9", 443, Protocol::Tcp);
    assert!(!v.allowed);
    let text = notes(&v);
    for rule in ["egress[0]", "egress[1]", "egress[2]", "toFQDNs [api.example.com]", "toServices", "toGroups"] {
        assert!(text.contains(rule), "{rule} in {text}");
    }
    let v = why(&s, "shop/frontend", "shop/backend", 80, Protocol::Tcp);
    assert!(!notes(&v).contains("toFQDNs [api.example.com] allows"), "FQDN rules never apply inside the cluster");
}

#[test]
fn from_requires_adds_its_labels_to_every_endpoint_selector() {
    let s = cluster(
        &["shop/prod-front env=prod,role=frontend", "shop/dev-front env=dev,role=frontend", "shop/back env=prod"],
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: requires-rule, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {env: prod}}\n  ingress: [{fromRequires: [{matchLabels: {env: prod}}]}]\n---\n\
         apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: l3-rule, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {env: prod}}\n  ingress: [{fromEndpoints: [{matchLabels: {role: frontend}}]}]\n",
    );
    assert!(allowed(&s, "shop/prod-front", "shop/back", 80));
    let v = why(&s, "shop/dev-front", "shop/back", 80, Protocol::Tcp);
    assert!(!v.allowed && notes(&v).contains("requires-rule"), "{}", notes(&v));
}

#[test]
fn a_pod_reaches_its_own_node_only_through_the_host_entity() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: frontend}}\n  egress: [{toEntities: [world]}]\n",
    );
    assert!(!allowed(&s, "shop/frontend", "192.168.10.11", 10250), "egress to the own node needs `host`");
    assert!(allowed(&s, "192.168.10.11", "shop/frontend", 8080), "the node always reaches its pods");
}

#[test]
fn a_host_policy_is_named_and_not_evaluated() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: lock-down}\nspec:\n  nodeSelector: {matchLabels: {type: worker}}\n  ingress: [{fromEntities: [remote-node]}]\n",
    );
    let v = why(&s, "shop/frontend", "192.168.10.12", 10250, Protocol::Tcp);
    assert!(v.allowed && notes(&v).contains("host policy CCNP lock-down"), "{}", notes(&v));
    let v = why(&s, "shop/frontend", "shop/backend", 80, Protocol::Tcp);
    assert!(!notes(&v).contains("lock-down"), "host policies never apply between pods");
}

#[test]
fn the_port_scope_answer_equals_the_per_port_answers() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - toPorts: [{ports: [{port: \"79\", endPort: 81}, {port: metrics, protocol: TCP}]}]\n  ingressDeny:\n  - fromEndpoints: [{}]\n    toPorts: [{ports: [{port: \"80\", protocol: UDP}]}]\n",
    );
    let e = Engine::new(&s);
    let (a, b) = (endpoint(&s, "shop/frontend"), endpoint(&s, "shop/backend"));
    let ports = e.evaluate(a, b, PortQuery::ANY).allowed_ports.unwrap();
    for protocol in Protocol::ALL {
        for port in [1, 78, 79, 80, 81, 82, 9101, 9102, 9103, 65535] {
            assert_eq!(e.decide(a, b, port, protocol), ports.contains(protocol, port), "{port}/{protocol}");
        }
    }
}

#[test]
fn a_ccnp_default_deny_is_named_by_list() {
    let s = cluster(
        BACKEND,
        "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: default-deny}\nspec:\n  endpointSelector: {matchExpressions: [{key: io.kubernetes.pod.namespace, operator: NotIn, values: [kube-system]}]}\n  ingress: [{}]\n  egress: [{}]\n",
    );
    let coverage = super::super::coverage::coverage(&s);
    let shop = coverage.iter().find(|c| c.namespace == "shop").unwrap();
    assert_eq!(shop.ingress.state.as_str(), "deny");
    assert!(shop.ingress.covered_by.iter().any(|p| p.contains("default-deny")), "{:?}", shop.ingress.covered_by);
    assert_eq!(shop.egress.state.as_str(), "deny");
}

#[test]
fn validation_names_the_field_and_the_fix() {
    let bad = |spec: &str| {
        let text = format!(
            "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: x, namespace: shop}}\n{spec}"
        );
        load_str(&text, "test.yaml", "default").map(|_| ()).unwrap_err().to_string()
    };
    assert!(bad("spec: {nodeSelector: {}}").contains("cannot have a nodeSelector"));
    assert!(bad("spec: {egress: [{}]}").contains("spec.endpointSelector: is required"));
    assert!(bad("spec:\n  specs: []\n").contains("`specs` is a top-level field"));
    assert!(bad("spec: {endpointSelector: {}, egress: [{toEntities: [wrld]}]}").contains("unknown entity \"wrld\""));
    assert!(
        bad("spec: {endpointSelector: {}, egress: [{toPorts: [{ports: [{port: \"80\", protocol: tcp}]}]}]}")
            .contains("write it in upper case: TCP")
    );
    assert!(bad("spec: {endpointSelector: {}, ingress: [{toEndpoints: [{}]}]}").contains("write `fromEndpoints`"));
    assert!(bad("").contains("neither `spec` nor `specs`"));
}
