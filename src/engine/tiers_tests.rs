//! Named unit tests of the cluster-wide tiers (`tiers`): one per rule of the API, the edge cases
//! of the conformance tests (numbered as in the design notes) and what the sources leave open.

use super::flow::{Endpoint, Engine};
use super::model::Protocol::{Sctp, Tcp, Udp};
use super::model::{Node, Protocol, Snapshot};
use super::testkit::*;
use super::tiers::{Action, ClusterKind, ClusterPolicy, Subject, Tier, TierPeer, TierPort, TierRule};
use super::verdict::{Outcome, PortQuery};
use std::sync::Arc;

fn cluster_policy(kind: ClusterKind, name: &str, tier: Tier, priority: Option<u32>, subject: Subject) -> ClusterPolicy {
    ClusterPolicy { kind, name: name.into(), tier, priority, subject, ingress: vec![], egress: vec![] }
}

fn cnp(name: &str, tier: Tier, priority: u32, subject: Subject) -> ClusterPolicy {
    cluster_policy(ClusterKind::ClusterNetworkPolicy, name, tier, Some(priority), subject)
}

fn anp(name: &str, priority: u32, subject: Subject) -> ClusterPolicy {
    cluster_policy(ClusterKind::AdminNetworkPolicy, name, Tier::Admin, Some(priority), subject)
}

fn banp(subject: Subject) -> ClusterPolicy {
    cluster_policy(ClusterKind::BaselineAdminNetworkPolicy, "default", Tier::Baseline, None, subject)
}

fn all_namespaces() -> Subject {
    Subject::Namespaces(Default::default())
}

fn ns_subject(name: &str) -> Subject {
    Subject::Namespaces(sel(&[("kubernetes.io/metadata.name", name)]))
}

fn r(action: Action, peers: Vec<TierPeer>, ports: Option<Vec<TierPort>>) -> TierRule {
    TierRule { name: None, action, peers, ports }
}

fn every_pod() -> TierPeer {
    TierPeer::Namespaces(Default::default())
}

fn ns_peer_named(name: &str) -> TierPeer {
    TierPeer::Namespaces(sel(&[("kubernetes.io/metadata.name", name)]))
}

fn with(mut p: ClusterPolicy, ingress: Vec<TierRule>, egress: Vec<TierRule>) -> ClusterPolicy {
    p.ingress = ingress;
    p.egress = egress;
    p
}

/// Namespaces `a` and `b`, pods `a/x` (10.0.0.1) and `b/y` (10.0.0.2, serving TCP 80 as `web` and
/// UDP 53 as `dns`), and the cluster-wide policies given.
fn world(cluster: Vec<ClusterPolicy>) -> Snapshot {
    let mut s = snapshot(
        vec![namespace("a", &[]), namespace("b", &[])],
        vec![
            pod("a", "x", &[("app", "x")], "10.0.0.1"),
            with_ports(pod("b", "y", &[("app", "y")], "10.0.0.2"), &[("web", 80, Tcp), ("dns", 53, Udp)]),
        ],
        vec![],
    );
    s.cluster_policies = cluster;
    s
}

fn x_to_y(s: &Snapshot, port: u16, protocol: Protocol) -> bool {
    let e = Engine::new(s);
    let allowed = e.decide(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), port, protocol);
    let v = e.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), PortQuery::Port { port, protocol });
    assert_eq!(allowed, v.allowed, "decide and evaluate agree");
    let any = e.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), PortQuery::ANY);
    assert_eq!(any.allowed_ports.unwrap().contains(protocol, port), allowed, "the port set agrees at {port}");
    allowed
}

fn deny_ingress_to_b() -> ClusterPolicy {
    with(
        cnp("baseline-deny-b", Tier::Baseline, 10, ns_subject("b")),
        vec![r(Action::Deny, vec![every_pod()], None)],
        vec![],
    )
}

// 1
#[test]
fn the_first_matching_rule_of_a_policy_decides() {
    let accept_then_deny = with(
        cnp("p", Tier::Admin, 1, ns_subject("b")),
        vec![r(Action::Allow, vec![every_pod()], None), r(Action::Deny, vec![every_pod()], None)],
        vec![],
    );
    assert!(x_to_y(&world(vec![accept_then_deny.clone()]), 80, Tcp));
    let mut swapped = accept_then_deny;
    swapped.ingress.reverse();
    assert!(!x_to_y(&world(vec![swapped]), 80, Tcp));
}

// 2
#[test]
fn pass_leaves_the_tier_skipping_a_deny_of_a_later_policy() {
    let pass =
        with(cnp("pass", Tier::Admin, 40, ns_subject("b")), vec![r(Action::Pass, vec![every_pod()], None)], vec![]);
    let deny =
        with(cnp("deny", Tier::Admin, 50, ns_subject("b")), vec![r(Action::Deny, vec![every_pod()], None)], vec![]);
    assert!(x_to_y(&world(vec![deny.clone(), pass]), 80, Tcp));
    assert!(!x_to_y(&world(vec![deny]), 80, Tcp));
}

// 3
#[test]
fn after_a_pass_an_isolating_network_policy_decides() {
    let pass = with(anp("pass", 1, ns_subject("b")), vec![r(Action::Pass, vec![every_pod()], None)], vec![]);
    let mut s = world(vec![pass]);
    s.policies.push(policy("b", "deny-all", sel(&[])).ingress(vec![]).build());
    assert!(!x_to_y(&s, 80, Tcp), "isolated by NetworkPolicy, no rule allows");
    s.policies.push(policy("b", "allow-a", sel(&[])).ingress(vec![rule(vec![ns_peer(sel(&[]))], vec![])]).build());
    assert!(x_to_y(&s, 80, Tcp));
}

// 4
#[test]
fn after_a_pass_without_network_policy_the_baseline_decides_then_the_default() {
    let pass = with(anp("pass", 1, ns_subject("b")), vec![r(Action::Pass, vec![every_pod()], None)], vec![]);
    assert!(!x_to_y(&world(vec![pass.clone(), deny_ingress_to_b()]), 80, Tcp));
    assert!(x_to_y(&world(vec![pass]), 80, Tcp), "no Baseline match: allowed");
}

// 5
#[test]
fn an_admin_allow_skips_a_network_policy_that_would_deny() {
    let allow = with(anp("allow", 1, ns_subject("b")), vec![r(Action::Allow, vec![every_pod()], None)], vec![]);
    let mut s = world(vec![allow]);
    s.policies.push(policy("b", "deny-all", sel(&[])).ingress(vec![]).build());
    assert!(x_to_y(&s, 80, Tcp));
}

// 6
#[test]
fn an_admin_deny_is_not_overridden_by_a_network_policy_allow() {
    let deny = with(anp("deny", 1, ns_subject("b")), vec![r(Action::Deny, vec![every_pod()], None)], vec![]);
    let mut s = world(vec![deny]);
    s.policies.push(policy("b", "allow-all", sel(&[])).ingress(vec![rule(vec![], vec![])]).build());
    assert!(!x_to_y(&s, 80, Tcp));
    let e = Engine::new(&s);
    let v =
        e.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), PortQuery::Port { port: 80, protocol: Tcp });
    assert!(v.hints.iter().any(|h| h.kind == "admin-deny"), "{:?}", v.hints);
    let decisions: Vec<Outcome> = v.ingress.layers.iter().map(|l| l.decision).collect();
    assert_eq!(decisions, [Outcome::Deny, Outcome::NotReached]);
}

// 7
#[test]
fn a_baseline_deny_is_overridden_by_a_network_policy_allow() {
    let mut s = world(vec![deny_ingress_to_b()]);
    assert!(!x_to_y(&s, 80, Tcp));
    {
        let e = Engine::new(&s);
        let q = PortQuery::Port { port: 80, protocol: Tcp };
        let v = e.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), q);
        assert!(v.hints.iter().any(|h| h.kind == "baseline-deny"), "{:?}", v.hints);
    }
    s.policies.push(policy("b", "allow-x", sel(&[])).ingress(vec![rule(vec![ns_peer(sel(&[]))], vec![])]).build());
    assert!(x_to_y(&s, 80, Tcp));
}

// 8
#[test]
fn a_network_policy_isolating_the_other_direction_leaves_the_baseline_in_charge() {
    let mut s = world(vec![deny_ingress_to_b()]);
    s.policies.push(policy("b", "egress-only", sel(&[])).egress(vec![rule(vec![], vec![])]).build());
    assert!(!x_to_y(&s, 80, Tcp));
}

// 9
#[test]
fn a_baseline_pass_ends_the_baseline_tier() {
    let pass =
        with(cnp("pass", Tier::Baseline, 1, ns_subject("b")), vec![r(Action::Pass, vec![every_pod()], None)], vec![]);
    assert!(x_to_y(&world(vec![pass, deny_ingress_to_b()]), 80, Tcp));
}

// 10
#[test]
fn a_policy_with_rules_for_one_direction_leaves_the_other_alone() {
    let ingress_only = deny_ingress_to_b();
    let s = world(vec![ingress_only]);
    let e = Engine::new(&s);
    // y -> x: y's egress is not touched by an ingress-only policy selecting it.
    assert!(e.decide(Endpoint::Pod(&s.pods[1]), Endpoint::Pod(&s.pods[0]), 80, Tcp));
    let egress_only =
        with(cnp("egress", Tier::Admin, 1, ns_subject("a")), vec![], vec![r(Action::Deny, vec![every_pod()], None)]);
    let s = world(vec![egress_only]);
    let e = Engine::new(&s);
    assert!(!e.decide(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), 80, Tcp));
    assert!(e.decide(Endpoint::Pod(&s.pods[1]), Endpoint::Pod(&s.pods[0]), 80, Tcp), "ingress of a untouched");
}

// 11
#[test]
fn same_priority_disjoint_policies_all_apply_and_overlapping_ones_get_a_caveat() {
    let deny_b =
        with(cnp("m-deny-b", Tier::Admin, 5, ns_subject("b")), vec![r(Action::Deny, vec![every_pod()], None)], vec![]);
    let allow_a = with(
        cnp("n-allow-a", Tier::Admin, 5, ns_subject("a")),
        vec![r(Action::Allow, vec![every_pod()], None)],
        vec![],
    );
    assert!(!x_to_y(&world(vec![deny_b.clone(), allow_a]), 80, Tcp), "disjoint subjects: both apply");
    let allow_b = with(
        cnp("a-allow-b", Tier::Admin, 5, ns_subject("b")),
        vec![r(Action::Allow, vec![every_pod()], None)],
        vec![],
    );
    let s = world(vec![deny_b, allow_b]);
    assert!(x_to_y(&s, 80, Tcp), "assumed order: by name, a-allow-b first");
    let e = Engine::new(&s);
    let v =
        e.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), PortQuery::Port { port: 80, protocol: Tcp });
    let caveat = v.caveats.iter().find(|c| c.kind == "same-priority").expect("a same-priority caveat");
    assert!(caveat.message.contains("a-allow-b first"), "{}", caveat.message);
}

// 12
#[test]
fn networks_match_pod_addresses_and_an_earlier_accept_reopens_one_pod() {
    let deny_all = r(Action::Deny, vec![TierPeer::Networks(vec!["0.0.0.0/0".parse().unwrap()])], None);
    let accept_y = r(Action::Allow, vec![TierPeer::Networks(vec!["10.0.0.2/32".parse().unwrap()])], None);
    let p = with(cnp("egress", Tier::Admin, 1, ns_subject("a")), vec![], vec![deny_all.clone()]);
    assert!(!x_to_y(&world(vec![p]), 80, Tcp), "0.0.0.0/0 matches pod IPs");
    let p = with(cnp("egress", Tier::Admin, 1, ns_subject("a")), vec![], vec![accept_y, deny_all]);
    assert!(x_to_y(&world(vec![p]), 80, Tcp));
}

// 13
#[test]
fn a_nodes_peer_matches_a_node_address_and_a_host_network_pod() {
    let deny_nodes = with(
        cnp("no-nodes", Tier::Admin, 1, ns_subject("a")),
        vec![],
        vec![r(Action::Deny, vec![TierPeer::Nodes(sel(&[("role", "worker")]))], None)],
    );
    let mut s = world(vec![deny_nodes]);
    let worker: Arc<_> = Arc::new(labels(&[("role", "worker")]));
    s.nodes.push(Node { name: "n1".into(), labels: worker, addresses: vec![ip("192.168.0.10")] });
    let mut host = pod("b", "agent", &[("app", "agent")], "192.168.0.10");
    host.host_network = true;
    host.node = Some("n1".into());
    s.pods.push(host);
    let e = Engine::new(&s);
    let x = Endpoint::Pod(&s.pods[0]);
    assert!(!e.decide(x, Endpoint::Ip(ip("192.168.0.10")), 10250, Tcp), "the node's address");
    assert!(!e.decide(x, Endpoint::Pod(&s.pods[2]), 9100, Tcp), "a host-network pod on it");
    assert!(e.decide(x, Endpoint::Pod(&s.pods[1]), 80, Tcp), "an ordinary pod is no node");
    assert!(e.decide(x, Endpoint::Ip(ip("192.168.0.99")), 80, Tcp), "an address of no node");
}

// 15
#[test]
fn named_ports_resolve_on_the_destination_in_both_directions_with_their_protocol() {
    let named = |p: &str| Some(vec![TierPort::Named(p.into())]);
    let ingress =
        with(anp("deny-web", 1, ns_subject("b")), vec![r(Action::Deny, vec![every_pod()], named("web"))], vec![]);
    let s = world(vec![ingress]);
    assert!(!x_to_y(&s, 80, Tcp));
    assert!(x_to_y(&s, 80, Udp), "web is TCP 80 only");
    assert!(x_to_y(&s, 53, Udp));
    let egress =
        with(anp("deny-dns", 1, ns_subject("a")), vec![], vec![r(Action::Deny, vec![every_pod()], named("dns"))]);
    let s = world(vec![egress]);
    assert!(!x_to_y(&s, 53, Udp), "egress: resolved on the peer, the destination");
    assert!(x_to_y(&s, 53, Tcp));
}

// 16
#[test]
fn port_ranges_are_inclusive_and_protocols_never_cross() {
    let p = with(
        cnp("range", Tier::Admin, 1, ns_subject("b")),
        vec![r(Action::Deny, vec![every_pod()], Some(vec![TierPort::Range { protocol: Tcp, start: 80, end: 8080 }]))],
        vec![],
    );
    let s = world(vec![p]);
    assert!(!x_to_y(&s, 80, Tcp) && !x_to_y(&s, 8080, Tcp));
    assert!(x_to_y(&s, 79, Tcp) && x_to_y(&s, 8081, Tcp));
    assert!(x_to_y(&s, 80, Udp) && x_to_y(&s, 80, Sctp));
}

// 17
#[test]
fn a_pods_peer_without_namespace_selector_means_every_namespace_and_empty_selects_all() {
    let p = with(
        cnp("pods", Tier::Admin, 1, Subject::Pods { namespaces: Default::default(), pods: sel(&[("app", "y")]) }),
        vec![r(
            Action::Deny,
            vec![TierPeer::Pods { namespaces: Default::default(), pods: sel(&[("app", "x")]) }],
            None,
        )],
        vec![],
    );
    assert!(!x_to_y(&world(vec![p]), 80, Tcp));
    let every =
        with(cnp("every", Tier::Admin, 1, all_namespaces()), vec![r(Action::Deny, vec![every_pod()], None)], vec![]);
    assert!(!x_to_y(&world(vec![every]), 80, Tcp));
}

// 18
#[test]
fn host_network_pods_are_neither_subjects_nor_matched_by_pod_peers() {
    let mut s = world(vec![with(
        cnp("deny", Tier::Admin, 1, all_namespaces()),
        vec![r(Action::Deny, vec![every_pod()], None)],
        vec![],
    )]);
    s.pods[0].host_network = true;
    s.pods[0].ips = vec![ip("192.168.0.10")];
    let e = Engine::new(&s);
    assert!(e.decide(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), 80, Tcp), "namespaces peer: not it");
    assert!(e.decide(Endpoint::Pod(&s.pods[1]), Endpoint::Pod(&s.pods[0]), 80, Tcp), "not a subject");
}

// 19
#[test]
fn a_pod_to_itself_by_pod_ip_is_allowed_and_through_a_service_is_evaluated() {
    let s = world(vec![with(
        cnp("deny", Tier::Admin, 1, ns_subject("b")),
        vec![r(Action::Deny, vec![ns_peer_named("b")], None)],
        vec![],
    )]);
    let e = Engine::new(&s);
    let y = Endpoint::Pod(&s.pods[1]);
    let query = PortQuery::Port { port: 80, protocol: Tcp };
    assert!(e.evaluate(y, y, query).allowed, "its own pod IP");
    let hairpin = e.evaluate_through_service(y, y, query);
    assert!(!hairpin.allowed, "through a Service that lands on it");
    assert_eq!(hairpin.override_reason, None);
}

#[test]
fn a_pod_and_its_own_node_stay_exempt_and_the_caveat_says_it_was_assumed() {
    let deny_nodes = with(
        cnp("no-nodes", Tier::Admin, 1, ns_subject("a")),
        vec![],
        vec![r(Action::Deny, vec![TierPeer::Nodes(Default::default())], None)],
    );
    let mut s = world(vec![deny_nodes]);
    s.nodes.push(Node { name: "n1".into(), labels: Default::default(), addresses: vec![ip("192.168.0.10")] });
    s.pods[0].node = Some("n1".into());
    let e = Engine::new(&s);
    let (x, own_node) = (Endpoint::Pod(&s.pods[0]), Endpoint::Ip(ip("192.168.0.10")));
    assert!(e.decide(x, own_node, 10250, Tcp));
    let v = e.evaluate(x, own_node, PortQuery::Port { port: 10250, protocol: Tcp });
    assert!(v.allowed && v.caveats.iter().any(|c| c.kind == "tiers-not-evaluated"), "{:?}", v.caveats);
}

// 20, 21
#[test]
fn kinds_in_one_tier_are_ordered_by_priority_then_the_v1alpha1_kind_then_name() {
    let anp_deny = with(anp("z-deny", 7, ns_subject("b")), vec![r(Action::Deny, vec![every_pod()], None)], vec![]);
    let cnp_allow =
        with(cnp("a-allow", Tier::Admin, 7, ns_subject("b")), vec![r(Action::Allow, vec![every_pod()], None)], vec![]);
    let s = world(vec![cnp_allow.clone(), anp_deny.clone()]);
    assert!(!x_to_y(&s, 80, Tcp), "the AdminNetworkPolicy first at the same priority");
    let e = Engine::new(&s);
    let v =
        e.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), PortQuery::Port { port: 80, protocol: Tcp });
    assert!(v.caveats.iter().any(|c| c.kind == "tier-order"), "{:?}", v.caveats);
    let mut earlier = cnp_allow;
    earlier.priority = Some(6);
    assert!(x_to_y(&world(vec![earlier, anp_deny]), 80, Tcp), "priority first, whatever the kind");
    // The BaselineAdminNetworkPolicy, without a priority, sorts as 1000 among Baseline CNPs.
    let banp_deny = with(banp(ns_subject("b")), vec![r(Action::Deny, vec![every_pod()], None)], vec![]);
    let cnp_baseline_allow = with(
        cnp("allow", Tier::Baseline, 999, ns_subject("b")),
        vec![r(Action::Allow, vec![every_pod()], None)],
        vec![],
    );
    assert!(x_to_y(&world(vec![banp_deny, cnp_baseline_allow]), 80, Tcp));
}

// 22
#[test]
fn a_flow_no_layer_decides_is_allowed_and_why_says_each_layer_had_no_opinion() {
    let unrelated = with(
        cnp("other", Tier::Baseline, 1, ns_subject("zzz")),
        vec![r(Action::Deny, vec![every_pod()], None)],
        vec![],
    );
    let s = world(vec![unrelated]);
    assert!(x_to_y(&s, 80, Tcp));
    let e = Engine::new(&s);
    let v =
        e.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), PortQuery::Port { port: 80, protocol: Tcp });
    let decisions: Vec<(&str, Outcome)> = v.ingress.layers.iter().map(|l| (l.layer.as_str(), l.decision)).collect();
    assert_eq!(decisions, [("networkpolicy", Outcome::NoOpinion), ("baseline", Outcome::NoOpinion)]);
}

#[test]
fn domain_names_are_undecidable_and_said_so() {
    let p = with(
        anp("dns", 1, ns_subject("a")),
        vec![],
        vec![
            r(Action::Allow, vec![TierPeer::DomainNames(vec!["example.com".into()])], None),
            r(Action::Deny, vec![TierPeer::Networks(vec!["0.0.0.0/0".parse().unwrap()])], None),
        ],
    );
    let s = world(vec![p]);
    let e = Engine::new(&s);
    let external = Endpoint::Ip(ip("93.184.216.34"));
    let v = e.evaluate(Endpoint::Pod(&s.pods[0]), external, PortQuery::Port { port: 443, protocol: Tcp });
    assert!(!v.allowed, "the verdict is what the rules after it say");
    let caveat = v.caveats.iter().find(|c| c.kind == "domain-names").expect("a domain-names caveat");
    assert!(
        caveat.message.contains("example.com") && caveat.message.contains("cannot be decided"),
        "{}",
        caveat.message
    );
    assert!(!x_to_y(&s, 80, Tcp), "a domain name never matches a pod");
}

#[test]
fn an_unknown_peer_fails_closed() {
    let allow_unknown =
        with(anp("a", 1, ns_subject("b")), vec![r(Action::Allow, vec![TierPeer::Unknown], None)], vec![]);
    assert!(!x_to_y(&world(vec![allow_unknown, deny_ingress_to_b()]), 80, Tcp), "an Allow matches nothing");
    let deny_unknown = with(anp("d", 1, ns_subject("b")), vec![r(Action::Deny, vec![TierPeer::Unknown], None)], vec![]);
    assert!(!x_to_y(&world(vec![deny_unknown]), 80, Tcp), "a Deny matches everything");
}

#[test]
fn a_pass_that_falls_through_to_a_deny_is_a_hint() {
    let pass = with(anp("pass", 1, ns_subject("b")), vec![r(Action::Pass, vec![every_pod()], None)], vec![]);
    let s = world(vec![pass, deny_ingress_to_b()]);
    let e = Engine::new(&s);
    let v =
        e.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), PortQuery::Port { port: 80, protocol: Tcp });
    assert!(v.hints.iter().any(|h| h.kind == "pass-then-deny"), "{:?}", v.hints);
}

#[test]
fn clusters_without_cluster_wide_policies_have_one_layer() {
    let s = world(vec![]);
    let e = Engine::new(&s);
    assert_eq!(e.layers().len(), 1);
    let v = e.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), PortQuery::ANY);
    assert!(v.egress.layers.is_empty() && v.ingress.layers.is_empty(), "no layers in the evidence");
}
