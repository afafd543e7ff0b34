//! Named tests for each rule of NetworkPolicy v1 the engine implements, including the points
//! evaluators commonly get wrong (see shared/design.md §4).

use super::model::Protocol::{Sctp, Tcp, Udp};
use super::model::*;
use super::testkit::*;
use super::verdict::{NotApplied, Override, PeerMiss, PortQuery};
use super::{Endpoint, Engine, PortSet};

fn tcp(port: u16) -> PortQuery {
    PortQuery::Port { port, protocol: Tcp }
}

fn find<'a>(s: &'a Snapshot, name: &str) -> Endpoint<'a> {
    let (ns, n) = name.split_once('/').unwrap();
    Endpoint::Pod(s.pods.iter().find(|p| p.namespace == ns && p.name == n).unwrap())
}

/// Evaluates with evidence, and checks `decide` agrees (one engine).
fn check(s: &Snapshot, from: Endpoint, to: Endpoint, q: PortQuery) -> super::Verdict {
    let e = Engine::new(s);
    let v = e.evaluate(from, to, q);
    if let PortQuery::Port { port, protocol } = q {
        assert_eq!(e.decide(from, to, port, protocol), v.allowed, "decide and evaluate disagree");
    }
    v
}

fn allowed(s: &Snapshot, from: &str, to: &str, q: PortQuery) -> bool {
    check(s, find(s, from), find(s, to), q).allowed
}

/// prod: web (app=web), api (app=api, http 8080), db (app=db, 5432); other: client (app=web).
fn base(policies: Vec<Policy>) -> Snapshot {
    snapshot(
        vec![namespace("prod", &[("team", "shop")]), namespace("other", &[("team", "ads")])],
        vec![
            pod("prod", "web", &[("app", "web")], "10.0.0.1"),
            with_ports(
                pod("prod", "api", &[("app", "api")], "10.0.0.2"),
                &[("http", 8080, Tcp), ("metrics", 9100, Tcp)],
            ),
            with_ports(pod("prod", "db", &[("app", "db")], "10.0.0.3"), &[("postgres", 5432, Tcp)]),
            pod("other", "client", &[("app", "web")], "10.0.1.1"),
        ],
        policies,
    )
}

#[test]
fn pod_selected_by_no_policy_is_not_isolated() {
    let s = base(vec![]);
    let v = check(&s, find(&s, "prod/web"), find(&s, "prod/db"), tcp(5432));
    assert!(v.allowed);
    assert!(!v.egress.isolated && !v.ingress.isolated);
}

#[test]
fn policy_with_no_ingress_rules_denies_all_ingress() {
    let s = base(vec![policy("prod", "deny", sel(&[])).ingress(vec![]).build()]);
    let v = check(&s, find(&s, "prod/web"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed);
    assert!(v.ingress.isolated && !v.ingress.allowed);
    let miss = v.ingress.policies[0].nearest_miss.as_ref().unwrap();
    assert!(miss.rule.is_none(), "a policy without rules has no nearest rule");
}

#[test]
fn policy_isolates_only_the_directions_it_lists() {
    let s = base(vec![policy("prod", "deny-in", sel(&[])).ingress(vec![]).build()]);
    let v = check(&s, find(&s, "prod/db"), find(&s, "other/client"), tcp(80));
    assert!(!v.egress.isolated, "ingress-only policy must not isolate egress");
    assert!(v.allowed);
}

#[test]
fn empty_rule_allows_every_peer_on_every_port() {
    let s = base(vec![policy("prod", "all", sel(&[])).ingress(vec![rule(vec![], vec![])]).build()]);
    assert!(allowed(&s, "other/client", "prod/db", tcp(5432)));
    assert!(allowed(&s, "other/client", "prod/db", PortQuery::Port { port: 9, protocol: Sctp }));
    let v = check(&s, find(&s, "other/client"), find(&s, "prod/db"), PortQuery::ANY);
    assert!(v.allowed_ports.unwrap().is_all());
}

#[test]
fn rule_without_from_allows_every_source_on_its_ports() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")])).ingress(vec![rule(vec![], vec![port(Tcp, 5432)])]).build(),
    ]);
    assert!(allowed(&s, "other/client", "prod/db", tcp(5432)));
    assert!(!allowed(&s, "other/client", "prod/db", tcp(5433)));
}

#[test]
fn rule_without_ports_allows_every_port_from_its_peers() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![pods_peer(sel(&[("app", "api")]))], vec![])])
            .build(),
    ]);
    assert!(allowed(&s, "prod/api", "prod/db", tcp(1)));
    assert!(allowed(&s, "prod/api", "prod/db", PortQuery::Port { port: 53, protocol: Udp }));
    assert!(!allowed(&s, "prod/web", "prod/db", tcp(5432)));
}

#[test]
fn policies_are_additive() {
    let s = base(vec![
        policy("prod", "deny", sel(&[])).ingress(vec![]).build(),
        policy("prod", "allow-api", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![pods_peer(sel(&[("app", "api")]))], vec![port(Tcp, 5432)])])
            .build(),
    ]);
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(v.allowed);
    assert_eq!(v.ingress.policies.len(), 2);
    // By name: allow-api, then deny.
    assert!(v.ingress.policies[0].allows && !v.ingress.policies[1].allows);
    assert_eq!(v.ingress.policies[0].matches[0].rule, 0);
    assert_eq!(v.ingress.policies[0].matches[0].peer, Some(0));
    assert_eq!(v.ingress.policies[0].matches[0].port, Some(0));
}

#[test]
fn both_egress_and_ingress_must_allow() {
    let egress_deny = policy("prod", "no-egress", sel(&[("app", "api")])).egress(vec![]).build();
    let s = base(vec![egress_deny]);
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed);
    assert!(!v.egress.allowed && v.ingress.allowed);
}

#[test]
fn egress_rule_to_a_pod_selector_allows_the_flow() {
    let s = base(vec![
        policy("prod", "api-egress", sel(&[("app", "api")]))
            .egress(vec![rule(vec![pods_peer(sel(&[("app", "db")]))], vec![port(Tcp, 5432)])])
            .build(),
    ]);
    assert!(allowed(&s, "prod/api", "prod/db", tcp(5432)));
    assert!(!allowed(&s, "prod/api", "prod/web", tcp(5432)));
}

#[test]
fn pod_selector_alone_selects_pods_of_the_policy_namespace_only() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![pods_peer(sel(&[("app", "web")]))], vec![])])
            .build(),
    ]);
    assert!(allowed(&s, "prod/web", "prod/db", tcp(5432)));
    let v = check(&s, find(&s, "other/client"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed, "app=web in another namespace must not match a bare podSelector");
    let miss = v.ingress.policies[0].nearest_miss.as_ref().unwrap();
    assert!(matches!(miss.peer_miss, Some(PeerMiss::OtherNamespace { .. })));
    assert!(v.hints.iter().any(|h| h.kind == "pod-selector-namespace"));
}

#[test]
fn namespace_selector_alone_selects_every_pod_of_matching_namespaces() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![ns_peer(sel(&[("team", "ads")]))], vec![])])
            .build(),
    ]);
    assert!(allowed(&s, "other/client", "prod/db", tcp(5432)));
    assert!(!allowed(&s, "prod/web", "prod/db", tcp(5432)), "prod is team=shop");
}

#[test]
fn both_selectors_in_one_entry_mean_and() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![and_peer(sel(&[("team", "ads")]), sel(&[("app", "api")]))], vec![])])
            .build(),
    ]);
    // other/client is in team=ads but is app=web: the AND fails.
    let v = check(&s, find(&s, "other/client"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed);
    assert!(v.hints.iter().any(|h| h.kind == "and-not-or"), "hints: {:?}", v.hints);
}

#[test]
fn selectors_in_two_entries_mean_or() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![ns_peer(sel(&[("team", "ads")])), pods_peer(sel(&[("app", "api")]))], vec![])])
            .build(),
    ]);
    assert!(allowed(&s, "other/client", "prod/db", tcp(5432)), "matches the namespace entry");
    assert!(allowed(&s, "prod/api", "prod/db", tcp(5432)), "matches the pod entry");
    assert!(!allowed(&s, "prod/web", "prod/db", tcp(5432)));
    let v = check(&s, find(&s, "other/client"), find(&s, "prod/db"), tcp(5432));
    assert!(
        v.hints.iter().any(|h| h.kind == "or-not-and"),
        "a wide namespace-only entry beside a pod entry is flagged"
    );
}

#[test]
fn namespace_selector_matches_the_metadata_name_label() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![ns_peer(sel(&[(NAMESPACE_NAME_LABEL, "other")]))], vec![])])
            .build(),
    ]);
    assert!(allowed(&s, "other/client", "prod/db", tcp(5432)));
}

#[test]
fn namespace_not_read_still_has_its_metadata_name_label() {
    let mut s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![ns_peer(sel(&[(NAMESPACE_NAME_LABEL, "ghost")]))], vec![])])
            .build(),
    ]);
    s.pods.push(pod("ghost", "g", &[], "10.0.9.9"));
    assert!(allowed(&s, "ghost/g", "prod/db", tcp(5432)));
}

#[test]
fn empty_namespace_selector_selects_all_pods_but_no_external_ip() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")])).ingress(vec![rule(vec![ns_peer(sel(&[]))], vec![])]).build(),
    ]);
    assert!(allowed(&s, "other/client", "prod/db", tcp(5432)));
    let v = check(&s, Endpoint::Ip(ip("203.0.113.7")), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed);
    assert!(matches!(v.ingress.policies[0].nearest_miss.as_ref().unwrap().peer_miss, Some(PeerMiss::NotAPod { .. })));
}

#[test]
fn match_expressions_select_peers() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![pods_peer(expr("app", Operator::In, &["api", "worker"]))], vec![])])
            .build(),
    ]);
    assert!(allowed(&s, "prod/api", "prod/db", tcp(5432)));
    assert!(!allowed(&s, "prod/web", "prod/db", tcp(5432)));
}

#[test]
fn ip_block_allows_external_addresses_in_the_cidr() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "web")]))
            .ingress(vec![rule(vec![ip_peer("203.0.113.0/24", &[])], vec![])])
            .build(),
    ]);
    let web = find(&s, "prod/web");
    assert!(check(&s, Endpoint::Ip(ip("203.0.113.7")), web, tcp(80)).allowed);
    let v = check(&s, Endpoint::Ip(ip("198.51.100.1")), web, tcp(80));
    assert!(!v.allowed);
    assert!(matches!(
        v.ingress.policies[0].nearest_miss.as_ref().unwrap().peer_miss,
        Some(PeerMiss::OutsideCidr { .. })
    ));
}

#[test]
fn ip_block_except_carves_out_addresses() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "api")]))
            .egress(vec![rule(vec![ip_peer("0.0.0.0/0", &["10.0.0.0/8"])], vec![port(Tcp, 443)])])
            .build(),
    ]);
    let api = find(&s, "prod/api");
    assert!(check(&s, api, Endpoint::Ip(ip("93.184.216.34")), tcp(443)).allowed);
    let v = check(&s, api, Endpoint::Ip(ip("10.9.9.9")), tcp(443));
    assert!(!v.allowed);
    assert!(matches!(v.egress.policies[0].nearest_miss.as_ref().unwrap().peer_miss, Some(PeerMiss::Excepted { .. })));
}

#[test]
fn address_in_one_policys_except_is_allowed_by_another_policy() {
    // Upstream: "should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed".
    let s = base(vec![
        policy("prod", "a", sel(&[("app", "api")]))
            .egress(vec![rule(vec![ip_peer("10.0.0.0/16", &["10.0.0.3/32"])], vec![])])
            .build(),
        policy("prod", "b", sel(&[("app", "api")]))
            .egress(vec![rule(vec![ip_peer("10.0.0.3/32", &[])], vec![])])
            .build(),
    ]);
    assert!(allowed(&s, "prod/api", "prod/db", tcp(5432)));
}

#[test]
fn ip_block_matches_pod_ips_with_a_caveat() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![ip_peer("10.0.0.2/32", &[])], vec![])])
            .build(),
    ]);
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(v.allowed);
    assert!(v.ingress.policies[0].matches[0].ip_block_on_pod);
    assert!(v.caveats.iter().any(|c| c.kind == "ip-block-pod-ip"));
    assert!(!allowed(&s, "prod/web", "prod/db", tcp(5432)));
}

#[test]
fn ip_block_never_matches_a_pod_without_ip() {
    let mut s = base(vec![
        policy("prod", "p", sel(&[("app", "db")])).ingress(vec![rule(vec![ip_peer("0.0.0.0/0", &[])], vec![])]).build(),
    ]);
    s.pods.push(pod("prod", "pending", &[("app", "x")], ""));
    let v = check(&s, find(&s, "prod/pending"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed);
    assert!(matches!(v.ingress.policies[0].nearest_miss.as_ref().unwrap().peer_miss, Some(PeerMiss::NoIp)));
    assert!(v.caveats.iter().any(|c| c.kind == "no-ip"));
}

#[test]
fn named_port_in_ingress_resolves_on_the_destination() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "api")])).ingress(vec![rule(vec![], vec![named(Tcp, "http")])]).build(),
    ]);
    assert!(allowed(&s, "prod/web", "prod/api", tcp(8080)));
    assert!(!allowed(&s, "prod/web", "prod/api", tcp(9100)));
}

#[test]
fn named_port_in_egress_resolves_on_the_destination_not_the_source() {
    // api declares http=8080; db declares postgres=5432. An egress rule on api naming "postgres"
    // must resolve on db.
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "api")])).egress(vec![rule(vec![], vec![named(Tcp, "postgres")])]).build(),
    ]);
    assert!(allowed(&s, "prod/api", "prod/db", tcp(5432)));
    // "http" is api's own port name, not the destination's: no match at 8080 on db.
    let s2 = base(vec![
        policy("prod", "p", sel(&[("app", "api")])).egress(vec![rule(vec![], vec![named(Tcp, "http")])]).build(),
    ]);
    assert!(!allowed(&s2, "prod/api", "prod/db", tcp(8080)));
}

#[test]
fn named_port_needs_the_same_protocol() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "api")])).ingress(vec![rule(vec![], vec![named(Udp, "http")])]).build(),
    ]);
    assert!(!allowed(&s, "prod/web", "prod/api", tcp(8080)));
    assert!(!allowed(&s, "prod/web", "prod/api", PortQuery::Port { port: 8080, protocol: Udp }));
}

#[test]
fn end_port_allows_an_inclusive_range() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "api")])).ingress(vec![rule(vec![], vec![range(Tcp, 8000, 8100)])]).build(),
    ]);
    assert!(allowed(&s, "prod/web", "prod/api", tcp(8000)));
    assert!(allowed(&s, "prod/web", "prod/api", tcp(8100)));
    assert!(!allowed(&s, "prod/web", "prod/api", tcp(8101)));
}

#[test]
fn udp_and_sctp_rules_never_allow_tcp() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "api")]))
            .ingress(vec![rule(vec![], vec![port(Udp, 80), port(Sctp, 80)])])
            .build(),
    ]);
    assert!(!allowed(&s, "prod/web", "prod/api", tcp(80)));
    assert!(allowed(&s, "prod/web", "prod/api", PortQuery::Port { port: 80, protocol: Udp }));
    assert!(allowed(&s, "prod/web", "prod/api", PortQuery::Port { port: 80, protocol: Sctp }));
}

#[test]
fn protocol_without_port_allows_every_port_of_that_protocol() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "api")])).ingress(vec![rule(vec![], vec![any_port(Udp)])]).build(),
    ]);
    assert!(allowed(&s, "prod/web", "prod/api", PortQuery::Port { port: 5353, protocol: Udp }));
    assert!(!allowed(&s, "prod/web", "prod/api", tcp(5353)));
}

#[test]
fn pod_can_always_reach_itself() {
    let s = base(vec![policy("prod", "deny", sel(&[])).ingress(vec![]).egress(vec![]).build()]);
    let v = check(&s, find(&s, "prod/db"), find(&s, "prod/db"), tcp(5432));
    assert!(v.allowed);
    assert_eq!(v.override_reason, Some(Override::SelfTraffic));
    assert!(v.caveats.iter().any(|c| c.kind == "self-traffic"));
}

#[test]
fn traffic_from_the_pods_own_node_is_always_allowed() {
    let mut s = base(vec![policy("prod", "deny", sel(&[])).ingress(vec![]).build()]);
    s.nodes.push(Node { name: "n1".into(), labels: Default::default(), addresses: vec![ip("192.168.0.10")] });
    s.nodes.push(Node { name: "n2".into(), labels: Default::default(), addresses: vec![ip("192.168.0.11")] });
    s.pods.iter_mut().for_each(|p| p.node = Some("n1".into()));
    let db = find(&s, "prod/db");
    let v = check(&s, Endpoint::Ip(ip("192.168.0.10")), db, tcp(5432));
    assert!(v.allowed);
    assert_eq!(v.override_reason, Some(Override::NodeLocal));
    let other_node = check(&s, Endpoint::Ip(ip("192.168.0.11")), db, tcp(5432));
    assert!(!other_node.allowed);
    assert!(other_node.caveats.iter().any(|c| c.kind == "from-node"));
}

#[test]
fn host_network_pod_is_not_governed_by_policy() {
    let mut s = base(vec![policy("prod", "deny", sel(&[])).ingress(vec![]).egress(vec![]).build()]);
    s.pods[0].host_network = true; // prod/web
    let v = check(&s, find(&s, "prod/web"), Endpoint::Ip(ip("93.184.216.34")), tcp(443));
    assert!(v.allowed);
    assert_eq!(v.egress.not_applied, Some(NotApplied::HostNetwork));
    assert!(v.caveats.iter().any(|c| c.kind == "host-network"));
}

#[test]
fn selectors_do_not_match_host_network_pods() {
    let mut s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![pods_peer(sel(&[("app", "web")]))], vec![])])
            .build(),
    ]);
    s.pods[0].host_network = true;
    let v = check(&s, find(&s, "prod/web"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed);
    assert!(matches!(v.ingress.policies[0].nearest_miss.as_ref().unwrap().peer_miss, Some(PeerMiss::HostNetwork)));
}

#[test]
fn external_destination_is_decided_by_egress_alone() {
    let s = base(vec![]);
    let v = check(&s, find(&s, "prod/api"), Endpoint::Ip(ip("93.184.216.34")), tcp(443));
    assert!(v.allowed);
    assert_eq!(v.ingress.not_applied, Some(NotApplied::External));
    assert!(v.caveats.iter().any(|c| c.kind == "external-destination"));
}

#[test]
fn any_port_query_intersects_both_sides() {
    let s = base(vec![
        policy("prod", "api-out", sel(&[("app", "api")]))
            .egress(vec![rule(vec![], vec![range(Tcp, 5000, 6000)])])
            .build(),
        policy("prod", "db-in", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![], vec![named(Tcp, "postgres"), port(Udp, 5432)])])
            .build(),
    ]);
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), PortQuery::ANY);
    assert!(v.allowed);
    assert_eq!(v.allowed_ports.unwrap(), PortSet::single(Tcp, 5432));
    let none = check(&s, find(&s, "prod/api"), find(&s, "prod/web"), PortQuery::ANY);
    assert!(none.allowed, "web is not isolated; egress allows 5000-6000");
    assert_eq!(none.allowed_ports.unwrap().to_string(), "TCP 5000-6000");
}

#[test]
fn nearest_miss_prefers_a_rule_whose_peer_matched() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![
                rule(vec![pods_peer(sel(&[("app", "worker")]))], vec![port(Tcp, 5432)]),
                rule(vec![pods_peer(sel(&[("app", "api")]))], vec![port(Tcp, 6432)]),
            ])
            .build(),
    ]);
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed);
    let miss = v.ingress.policies[0].nearest_miss.as_ref().unwrap();
    assert_eq!(miss.rule, Some(1));
    assert!(miss.is_port_only());
    assert_eq!(miss.port_miss.as_ref().unwrap().rule_ports, vec!["TCP/6432"]);
}

#[test]
fn nearest_miss_names_the_labels_that_differ() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![pods_peer(sel(&[("app", "api"), ("tier", "back")]))], vec![])])
            .build(),
    ]);
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    let Some(PeerMiss::Labels { pod, .. }) = &v.ingress.policies[0].nearest_miss.as_ref().unwrap().peer_miss else {
        panic!("expected a label miss")
    };
    assert_eq!(pod.len(), 1);
    assert_eq!(pod[0].requirement, "tier=back");
    assert_eq!(pod[0].actual, None);
}

#[test]
fn missing_namespace_label_is_suggested() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![ns_peer(sel(&[("purpose", "batch")]))], vec![])])
            .build(),
    ]);
    let v = check(&s, find(&s, "other/client"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed);
    let hint = v.hints.iter().find(|h| h.kind == "namespace-label").expect("namespace-label hint");
    assert!(hint.message.contains("kubectl label namespace other purpose=batch"), "{}", hint.message);
}

#[test]
fn rules_for_a_direction_missing_from_policy_types_are_flagged() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "api")]))
            .ingress(vec![])
            .ignored_egress(vec![rule(vec![], vec![port(Tcp, 443)])])
            .build(),
    ]);
    let v = check(&s, find(&s, "prod/api"), Endpoint::Ip(ip("93.184.216.34")), tcp(443));
    assert!(v.allowed, "egress is not isolated: the egress rules are ignored");
    assert!(v.hints.iter().any(|h| h.kind == "rules-ignored"));
}

#[test]
fn dns_blocked_by_default_deny_egress_is_flagged() {
    let mut s = base(vec![
        policy("prod", "deny", sel(&[])).egress(vec![]).build(),
        policy("prod", "api-db", sel(&[("app", "api")]))
            .egress(vec![rule(vec![pods_peer(sel(&[("app", "db")]))], vec![])])
            .build(),
    ]);
    s.namespaces.push(namespace("kube-system", &[]));
    s.pods.push(with_ports(
        pod("kube-system", "coredns-1", &[("k8s-app", "kube-dns")], "10.0.5.5"),
        &[("dns", 53, Udp), ("dns-tcp", 53, Tcp)],
    ));
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(v.allowed);
    assert!(v.hints.iter().any(|h| h.kind == "dns-blocked"), "hints: {:?}", v.hints);

    // With DNS allowed, no hint.
    s.policies.push(
        policy("prod", "allow-dns", sel(&[]))
            .egress(vec![rule(
                vec![and_peer(sel(&[(NAMESPACE_NAME_LABEL, "kube-system")]), sel(&[("k8s-app", "kube-dns")]))],
                vec![port(Udp, 53), port(Tcp, 53)],
            )])
            .build(),
    );
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.hints.iter().any(|h| h.kind == "dns-blocked"), "hints: {:?}", v.hints);
}

#[test]
fn istio_sidecar_with_isolated_egress_that_cannot_reach_istiod_is_flagged() {
    let mut s = base(vec![
        policy("prod", "deny", sel(&[])).egress(vec![]).build(),
        policy("prod", "api-db", sel(&[("app", "api")]))
            .egress(vec![rule(vec![pods_peer(sel(&[("app", "db")]))], vec![])])
            .build(),
    ]);
    s.namespaces.push(namespace("istio-system", &[]));
    s.pods.push(pod("istio-system", "istiod-7f9c-abcde", &[("app", "istiod")], "10.0.7.7"));
    let api = s.pods.iter().position(|p| p.name == "api").unwrap();
    s.pods[api].mesh = Some(Mesh::Istio);
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(v.allowed, "the flow itself is allowed");
    let hint = v.hints.iter().find(|h| h.kind == "mesh-control-plane-blocked").expect("a mesh hint");
    assert!(hint.message.contains("istiod (istio-system/istiod-7f9c-abcde) on TCP 15012"), "{}", hint.message);

    // Egress to istiod on 15012 allowed: nothing to say.
    s.policies.push(
        policy("prod", "allow-istiod", sel(&[]))
            .egress(vec![rule(
                vec![and_peer(sel(&[(NAMESPACE_NAME_LABEL, "istio-system")]), sel(&[("app", "istiod")]))],
                vec![port(Tcp, 15012)],
            )])
            .build(),
    );
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.hints.iter().any(|h| h.kind.starts_with("mesh")), "hints: {:?}", v.hints);
}

#[test]
fn mesh_sidecar_without_known_control_plane_pods_says_how_to_check() {
    let mut s = base(vec![policy("prod", "deny", sel(&[])).egress(vec![]).build()]);
    let api = s.pods.iter().position(|p| p.name == "api").unwrap();
    s.pods[api].mesh = Some(Mesh::Linkerd);
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    let hint = v.hints.iter().find(|h| h.kind == "mesh-sidecar").expect("a mesh hint");
    assert!(hint.message.contains("runs the Linkerd sidecar (linkerd-proxy)"), "{}", hint.message);
    assert!(
        hint.message.contains("check with kubectl deny why prod/api linkerd/deploy/linkerd-destination:8086 (likewise"),
        "{}",
        hint.message
    );

    // Egress not isolated, or no sidecar: no hint.
    s.policies.clear();
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.hints.iter().any(|h| h.kind.starts_with("mesh")), "hints: {:?}", v.hints);
    let s = base(vec![policy("prod", "deny", sel(&[])).egress(vec![]).build()]);
    let v = check(&s, find(&s, "prod/api"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.hints.iter().any(|h| h.kind.starts_with("mesh")), "hints: {:?}", v.hints);
}

#[test]
fn service_port_used_instead_of_target_port_is_flagged() {
    let mut s = base(vec![
        policy("prod", "p", sel(&[("app", "api")])).ingress(vec![rule(vec![], vec![port(Tcp, 80)])]).build(),
    ]);
    s.services.push(Service {
        namespace: "prod".into(),
        name: "api".into(),
        selector: Some(labels(&[("app", "api")])),
        ports: vec![ServicePort {
            name: Some("web".into()),
            port: 80,
            target_port: PortRef::Name("http".into()),
            protocol: Tcp,
        }],
        cluster_ips: vec![],
        endpoints: vec![],
    });
    // The user asks about 80 (the Service port): policy sees 8080.
    let asked_service_port = check(&s, find(&s, "prod/web"), find(&s, "prod/api"), tcp(80));
    assert!(asked_service_port.hints.iter().any(|h| h.kind == "service-port"), "{:?}", asked_service_port.hints);
    // The policy allows 80 (the Service port): traffic arrives at 8080 and is blocked.
    let v = check(&s, find(&s, "prod/web"), find(&s, "prod/api"), tcp(8080));
    assert!(!v.allowed);
    assert!(v.hints.iter().any(|h| h.kind == "policy-uses-service-port"), "{:?}", v.hints);
}

#[test]
fn namespace_labels_not_read_are_a_caveat() {
    let mut s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![ns_peer(sel(&[("team", "ads")]))], vec![])])
            .build(),
    ]);
    s.pods.push(pod("unread", "x", &[], "10.0.7.7"));
    let v = check(&s, find(&s, "unread/x"), find(&s, "prod/db"), tcp(5432));
    assert!(!v.allowed);
    assert!(v.caveats.iter().any(|c| c.kind == "namespace-labels-unknown"));
}

#[test]
fn any_port_of_one_protocol_filters_both_sides() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "api")])).ingress(vec![rule(vec![], vec![any_port(Udp)])]).build(),
    ]);
    let v = check(&s, find(&s, "prod/web"), find(&s, "prod/api"), PortQuery::Any { protocol: Some(Tcp) });
    assert!(!v.allowed, "only UDP is allowed in; TCP was asked");
    assert!(v.ingress.allowed_ports.as_ref().unwrap().is_empty());
    assert!(!v.ingress.allowed);
    assert_eq!(v.egress.allowed_ports.as_ref().unwrap().to_string(), "all TCP ports");
    let udp = check(&s, find(&s, "prod/web"), find(&s, "prod/api"), PortQuery::Any { protocol: Some(Udp) });
    assert!(udp.allowed);
    assert_eq!(udp.allowed_ports.unwrap().to_string(), "all UDP ports");
}

#[test]
fn a_selector_match_is_credited_before_an_ip_block_match() {
    let s = base(vec![
        policy("prod", "p", sel(&[("app", "db")]))
            .ingress(vec![rule(vec![ip_peer("10.0.0.0/8", &[]), pods_peer(sel(&[("app", "web")]))], vec![])])
            .build(),
    ]);
    let v = check(&s, find(&s, "prod/web"), find(&s, "prod/db"), tcp(5432));
    assert!(v.allowed);
    assert_eq!(v.ingress.policies[0].matches[0].peer, Some(1));
    assert!(!v.caveats.iter().any(|c| c.kind == "ip-block-pod-ip"), "{:?}", v.caveats);
}
