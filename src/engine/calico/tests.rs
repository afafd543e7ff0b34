//! One named case per rule of Calico's tiered evaluation (the fact sheet's sources: Calico's docs
//! "Tiered policy", "Tier", "NetworkPolicy", "Rule", "EntityRule"; Felix `rules/endpoints.go`).

use super::selector::parse;
use super::*;
use crate::engine::flow::{Endpoint, Engine};
use crate::engine::model::Protocol::{self, Sctp, Tcp, Udp};
use crate::engine::model::{Pod, Snapshot};
use crate::engine::testkit::*;
use crate::engine::verdict::{Outcome, PortQuery};

fn gnp(name: &str, tier: &str, order: Option<f64>, selector: &str) -> CalicoPolicy {
    CalicoPolicy {
        kind: CalicoKind::GlobalNetworkPolicy,
        namespace: None,
        name: name.into(),
        tier: tier.into(),
        order,
        selector: parse(selector).unwrap(),
        service_account_selector: None,
        namespace_selector: None,
        ingress_type: true,
        egress_type: false,
        types_defaulted: false,
        ingress: Vec::new(),
        egress: Vec::new(),
        host_only: None,
    }
}

fn cnp(ns: &str, name: &str, order: Option<f64>, selector: &str) -> CalicoPolicy {
    CalicoPolicy {
        kind: CalicoKind::NetworkPolicy,
        namespace: Some(ns.into()),
        ..gnp(name, "default", order, selector)
    }
}

fn r(action: Action) -> CalicoRule {
    CalicoRule {
        action,
        protocol: None,
        not_protocol: None,
        ip_version: None,
        http: false,
        source: EntityRule::default(),
        destination: EntityRule::default(),
    }
}

fn from(action: Action, selector: &str) -> CalicoRule {
    let mut rule = r(action);
    rule.source.selector = Some(parse(selector).unwrap());
    rule
}

fn tier(name: &str, order: f64, default_action: TierAction) -> Tier {
    Tier { name: name.into(), order: Some(order), default_action }
}

/// Namespaces a and b; a/client (app=client, 10.0.0.1), a/server (app=server, 10.0.0.2, TCP 80
/// named http), b/other (app=client, 10.0.1.1).
fn cluster(tiers: Vec<Tier>, policies: Vec<CalicoPolicy>, k8s: Vec<crate::engine::model::Policy>) -> Snapshot {
    let server = with_ports(pod("a", "server", &[("app", "server")], "10.0.0.2"), &[("http", 80, Tcp)]);
    let mut s = snapshot(
        vec![namespace("a", &[("team", "x")]), namespace("b", &[])],
        vec![
            pod("a", "client", &[("app", "client")], "10.0.0.1"),
            server,
            pod("b", "other", &[("app", "client")], "10.0.1.1"),
        ],
        k8s,
    );
    for p in &mut s.pods {
        p.service_account = Some("default".into());
    }
    s.calico = CalicoObjects { tiers, policies, staged: Vec::new() };
    s
}

fn find<'s>(s: &'s Snapshot, name: &str) -> &'s Pod {
    s.pods.iter().find(|p| p.name == name).unwrap()
}

/// Whether `from` reaches a/server on TCP 80, as `decide` and `evaluate` both say.
fn reaches(s: &Snapshot, from: Endpoint<'_>, port: u16, protocol: Protocol) -> bool {
    let e = Engine::new(s);
    let to = Endpoint::Pod(find(s, "server"));
    let decided = e.decide(from, to, port, protocol);
    assert_eq!(decided, e.evaluate(from, to, PortQuery::Port { port, protocol }).allowed, "decide == evaluate");
    let any = e.evaluate(from, to, PortQuery::ANY).allowed_ports.unwrap();
    assert_eq!(decided, any.contains(protocol, port), "the any-port answer agrees");
    decided
}

fn client(s: &Snapshot) -> Endpoint<'_> {
    Endpoint::Pod(find(s, "client"))
}

#[test]
fn pass_hands_the_flow_to_the_next_tier() {
    let mut first = gnp("first.pass", "first", None, "all()");
    first.ingress = vec![r(Action::Pass), r(Action::Deny)];
    let mut allow = gnp("allow", "default", None, "all()");
    allow.ingress = vec![r(Action::Allow)];
    let s = cluster(vec![tier("first", 10.0, TierAction::Deny)], vec![first, allow], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp), "Pass skips the Deny after it, and the default tier allows");
    let e = Engine::new(&s);
    let v = e.evaluate(client(&s), Endpoint::Pod(find(&s, "server")), PortQuery::Port { port: 80, protocol: Tcp });
    let layers: Vec<(&str, Outcome)> = v.ingress.layers.iter().map(|l| (l.layer.as_str(), l.decision)).collect();
    assert_eq!(layers, [("calico-tier:first", Outcome::Pass), ("calico-tier:default", Outcome::Allow)]);
    assert_eq!(v.ingress.layers[0].rules[0].action, "Pass");
}

#[test]
fn end_of_tier_deny_drops_what_no_rule_decided() {
    let mut p = gnp("only-clients-of-b", "default", None, "app == 'server'");
    p.ingress = vec![from(Action::Allow, "projectcalico.org/namespace == 'b'")];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(!reaches(&s, client(&s), 80, Tcp));
    assert!(reaches(&s, Endpoint::Pod(find(&s, "other")), 80, Tcp));
    let e = Engine::new(&s);
    let v = e.evaluate(client(&s), Endpoint::Pod(find(&s, "server")), PortQuery::Port { port: 80, protocol: Tcp });
    let end = v.ingress.layers[0].end_of_tier.as_ref().unwrap();
    assert_eq!((end.tier.as_str(), end.action.as_str()), ("default", "Deny"));
    assert_eq!(v.ingress.layers[0].misses.len(), 1, "the Allow rule's nearest miss");
}

#[test]
fn a_tier_whose_default_action_is_pass_hands_on_at_its_end() {
    let mut p = gnp("t.deny-b", "t", None, "all()");
    p.ingress = vec![from(Action::Deny, "projectcalico.org/namespace == 'b'")];
    let s = cluster(vec![tier("t", 10.0, TierAction::Pass)], vec![p], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp), "passed on, then no tier: the profile allows");
    assert!(!reaches(&s, Endpoint::Pod(find(&s, "other")), 80, Tcp));
}

#[test]
fn a_tier_that_does_not_select_the_endpoint_is_skipped() {
    // Tier t selects only app=nobody: its implicit deny does not apply to the server.
    let t = gnp("t.nobody", "t", None, "app == 'nobody'");
    // An ingress-only policy of the default tier does not make the default tier deny egress.
    let ingress_only = gnp("ingress-only", "default", None, "all()");
    let s = cluster(vec![tier("t", 10.0, TierAction::Deny)], vec![t, ingress_only], vec![]);
    let e = Engine::new(&s);
    let (c, srv) = (client(&s), Endpoint::Pod(find(&s, "server")));
    assert!(!e.decide(c, srv, 80, Tcp), "the default tier selects the server for ingress and has no rule");
    let v = e.evaluate(srv, c, PortQuery::Port { port: 80, protocol: Tcp });
    assert!(v.egress.allowed, "no tier governs the server's egress");
    assert!(v.egress.layers.iter().all(|l| l.decision == Outcome::NoOpinion));
}

#[test]
fn an_endpoint_no_policy_selects_is_allowed_by_its_profile() {
    let s = cluster(vec![], vec![gnp("only-b", "default", None, "projectcalico.org/namespace == 'b'")], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
}

#[test]
fn policies_run_by_order_and_kubernetes_policies_sit_at_1000() {
    // A Kubernetes policy allowing app=client to the server; a Calico Deny at order 999 runs
    // before it, one at 1001 after it.
    let knp = policy("a", "allow-clients", sel(&[("app", "server")]))
        .ingress(vec![rule(vec![pods_peer(sel(&[("app", "client")]))], vec![])])
        .build();
    for (order, allowed) in [(999.0, false), (1001.0, true)] {
        let mut deny = cnp("a", "deny-clients", Some(order), "app == 'server'");
        deny.ingress = vec![from(Action::Deny, "app == 'client'")];
        let s = cluster(vec![], vec![deny], vec![knp.clone()]);
        assert_eq!(reaches(&s, client(&s), 80, Tcp), allowed, "Calico Deny at order {order}");
    }
    // No order: after everything of the tier.
    let mut deny = cnp("a", "deny-clients", None, "app == 'server'");
    deny.ingress = vec![from(Action::Deny, "all()")];
    let s = cluster(vec![], vec![deny], vec![knp]);
    assert!(reaches(&s, client(&s), 80, Tcp));
}

#[test]
fn order_ties_are_broken_by_name_and_said() {
    let mut a = gnp("a-allow", "default", Some(10.0), "all()");
    a.ingress = vec![r(Action::Allow)];
    let mut z = gnp("z-deny", "default", Some(10.0), "all()");
    z.ingress = vec![r(Action::Deny)];
    let s = cluster(vec![], vec![z, a], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp), "a-allow sorts before z-deny");
    let e = Engine::new(&s);
    let v = e.evaluate(client(&s), Endpoint::Pod(find(&s, "server")), PortQuery::Port { port: 80, protocol: Tcp });
    assert!(v.ingress.layers[0].notes.iter().any(|n| n.kind == "calico-order-tie"));
}

#[test]
fn tiers_run_by_their_order() {
    let mut deny = gnp("late.deny", "late", None, "all()");
    deny.ingress = vec![r(Action::Deny)];
    let mut allow = gnp("early.allow", "early", None, "all()");
    allow.ingress = vec![r(Action::Allow)];
    let tiers = vec![tier("late", 200.0, TierAction::Deny), tier("early", 100.0, TierAction::Deny)];
    let s = cluster(tiers, vec![deny, allow], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
}

#[test]
fn log_goes_on_to_the_next_rule() {
    let mut p = gnp("log-then-deny", "default", None, "all()");
    p.ingress = vec![r(Action::Log), r(Action::Deny), r(Action::Allow)];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(!reaches(&s, client(&s), 80, Tcp));
}

#[test]
fn not_nets_excludes_addresses() {
    let mut p = gnp("not-from-b", "default", None, "all()");
    let mut allow = r(Action::Allow);
    allow.source.not_nets = vec!["10.0.1.0/24".parse().unwrap()];
    p.ingress = vec![allow];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
    assert!(!reaches(&s, Endpoint::Pod(find(&s, "other")), 80, Tcp));
    assert!(reaches(&s, Endpoint::Ip(ip("192.0.2.1")), 80, Tcp), "outside the cluster, outside notNets");
}

#[test]
fn nets_match_pod_addresses() {
    let mut p = gnp("from-a", "default", None, "all()");
    let mut allow = r(Action::Allow);
    allow.source.nets = vec!["10.0.0.0/24".parse().unwrap()];
    p.ingress = vec![allow];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
    assert!(!reaches(&s, Endpoint::Pod(find(&s, "other")), 80, Tcp));
}

#[test]
fn not_selector_alone_in_a_namespaced_policy_stays_in_its_namespace() {
    let mut p = cnp("a", "not-servers", None, "app == 'server'");
    let mut allow = r(Action::Allow);
    allow.source.not_selector = Some(parse("app == 'server'").unwrap());
    p.ingress = vec![allow];
    let s = cluster(vec![], vec![p.clone()], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
    assert!(!reaches(&s, Endpoint::Pod(find(&s, "other")), 80, Tcp), "b/other is outside the policy's namespace");
    assert!(!reaches(&s, Endpoint::Ip(ip("192.0.2.1")), 80, Tcp), "an address is not an endpoint of namespace a");
    // The same rule in a GlobalNetworkPolicy matches everything but the selected endpoints.
    let mut g = gnp("not-servers", "default", None, "app == 'server'");
    g.ingress = p.ingress.clone();
    let s = cluster(vec![], vec![g], vec![]);
    assert!(reaches(&s, Endpoint::Pod(find(&s, "other")), 80, Tcp));
    assert!(reaches(&s, Endpoint::Ip(ip("192.0.2.1")), 80, Tcp));
}

#[test]
fn a_rule_without_selectors_matches_addresses_but_all_matches_endpoints_only() {
    let mut p = gnp("all-endpoints", "default", None, "all()");
    p.ingress = vec![from(Action::Allow, "all()")];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(reaches(&s, Endpoint::Pod(find(&s, "other")), 80, Tcp));
    assert!(!reaches(&s, Endpoint::Ip(ip("192.0.2.1")), 80, Tcp));
}

#[test]
fn named_ports_resolve_on_the_destination_with_the_protocol() {
    let mut p = gnp("http-only", "default", None, "all()");
    let mut allow = r(Action::Allow);
    allow.protocol = Some(ProtocolMatch::Is(Tcp));
    allow.destination.ports = vec![CalicoPort::Named("http".into())];
    p.ingress = vec![allow];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
    assert!(!reaches(&s, client(&s), 81, Tcp));
    assert!(!reaches(&s, client(&s), 80, Udp), "the server names no UDP port http");
}

#[test]
fn ports_ranges_and_not_ports() {
    let mut p = gnp("range", "default", None, "all()");
    let mut allow = r(Action::Allow);
    allow.protocol = Some(ProtocolMatch::Is(Tcp));
    allow.destination.ports = vec![CalicoPort::Range(70, 90)];
    allow.destination.not_ports = vec![CalicoPort::Range(81, 81)];
    p.ingress = vec![allow];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
    assert!(!reaches(&s, client(&s), 81, Tcp));
    assert!(!reaches(&s, client(&s), 91, Tcp));
}

#[test]
fn protocol_by_name_or_number_and_not_protocol() {
    let mut p = gnp("udp", "default", None, "all()");
    let mut udp = r(Action::Allow);
    udp.protocol = Some(ProtocolMatch::Is(Udp));
    let mut not_tcp = r(Action::Allow);
    not_tcp.not_protocol = Some(ProtocolMatch::Is(Tcp));
    let mut icmp = r(Action::Allow);
    icmp.protocol = Some(ProtocolMatch::Other(1));
    p.ingress = vec![udp];
    let s = cluster(vec![], vec![p.clone()], vec![]);
    assert!(reaches(&s, client(&s), 53, Udp));
    assert!(!reaches(&s, client(&s), 53, Tcp));
    p.ingress = vec![not_tcp];
    let s = cluster(vec![], vec![p.clone()], vec![]);
    assert!(reaches(&s, client(&s), 9, Sctp));
    assert!(!reaches(&s, client(&s), 80, Tcp));
    p.ingress = vec![icmp];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(!reaches(&s, client(&s), 80, Tcp), "an ICMP rule never matches a TCP flow");
}

#[test]
fn service_accounts_match_by_name() {
    let mut p = cnp("a", "from-api", None, "app == 'server'");
    let mut allow = r(Action::Allow);
    allow.source.service_accounts = Some(ServiceAccountMatch { names: vec!["api".into()], selector: None });
    p.ingress = vec![allow];
    let mut s = cluster(vec![], vec![p], vec![]);
    assert!(!reaches(&s, client(&s), 80, Tcp));
    s.pods.iter_mut().find(|p| p.name == "client").unwrap().service_account = Some("api".into());
    assert!(reaches(&s, client(&s), 80, Tcp));
}

#[test]
fn namespace_selectors_use_the_namespace_labels_and_global_matches_no_pod() {
    let mut p = gnp("from-team-x", "default", None, "all()");
    let mut allow = r(Action::Allow);
    allow.source.namespace_selector = Some(parse("team == 'x'").unwrap());
    p.ingress = vec![allow];
    let s = cluster(vec![], vec![p.clone()], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
    assert!(!reaches(&s, Endpoint::Pod(find(&s, "other")), 80, Tcp));
    p.ingress[0].source.namespace_selector = Some(parse("global()").unwrap());
    let s = cluster(vec![], vec![p.clone()], vec![]);
    assert!(!reaches(&s, client(&s), 80, Tcp), "global(): non-namespaced endpoints only");
    // A GlobalNetworkPolicy's own namespaceSelector limits what it applies to.
    let mut g = gnp("deny-in-b", "default", None, "all()");
    g.namespace_selector = Some(parse("projectcalico.org/name == 'b'").unwrap());
    g.ingress = vec![r(Action::Deny)];
    let s = cluster(vec![], vec![g], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp), "the server's namespace a is not selected");
}

#[test]
fn host_endpoint_only_policies_never_apply_to_pods() {
    let mut p = gnp("untracked", "default", None, "all()");
    p.host_only = Some("doNotTrack");
    p.ingress = vec![r(Action::Deny)];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
}

#[test]
fn source_ports_are_taken_not_to_match_and_said() {
    let mut p = gnp("from-port", "default", None, "all()");
    let mut allow = r(Action::Allow);
    allow.protocol = Some(ProtocolMatch::Is(Tcp));
    allow.source.ports = vec![CalicoPort::Range(1024, 65535)];
    p.ingress = vec![allow];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(!reaches(&s, client(&s), 80, Tcp));
    let e = Engine::new(&s);
    let v = e.evaluate(client(&s), Endpoint::Pod(find(&s, "server")), PortQuery::Port { port: 80, protocol: Tcp });
    assert!(v.ingress.layers[0].notes.iter().any(|n| n.kind == "calico-source-ports"));
}

#[test]
fn egress_is_evaluated_at_the_source_and_ingress_at_the_destination() {
    let mut p = cnp("a", "client-egress", None, "app == 'client'");
    p.ingress_type = false;
    p.egress_type = true;
    let mut allow = r(Action::Allow);
    allow.destination.selector = Some(parse("app == 'server'").unwrap());
    p.egress = vec![allow];
    let s = cluster(vec![], vec![p], vec![]);
    assert!(reaches(&s, client(&s), 80, Tcp));
    let e = Engine::new(&s);
    let (c, o) = (client(&s), Endpoint::Pod(find(&s, "other")));
    assert!(!e.decide(c, o, 80, Tcp), "the client's egress to anything else ends in the tier's deny");
}

#[test]
fn a_cluster_without_calico_objects_has_no_calico_layer() {
    let s = snapshot(vec![namespace("a", &[])], vec![pod("a", "x", &[], "10.0.0.1")], vec![]);
    let e = Engine::new(&s);
    assert_eq!(e.layers().iter().map(|l| l.id().to_string()).collect::<Vec<_>>(), ["networkpolicy"]);
}

/// The cluster-wide policies as Calico holds them: AdminNetworkPolicies and Admin-tier
/// ClusterNetworkPolicies in `kube-admin` (tier order 1,000) at their priority as policy order,
/// the BaselineAdminNetworkPolicy and Baseline-tier ClusterNetworkPolicies in `kube-baseline`
/// (10,000,000); both tiers end in Pass (Calico's docs, "Tiered policy").
mod cluster_wide {
    use super::*;
    use crate::engine::tiers::{
        Action as CAction, ClusterKind, ClusterPolicy, Subject, Tier as CTier, TierPeer, TierRule,
    };

    fn cluster_policy(
        kind: ClusterKind,
        name: &str,
        tier: CTier,
        priority: Option<u32>,
        action: CAction,
    ) -> ClusterPolicy {
        ClusterPolicy {
            kind,
            name: name.into(),
            tier,
            priority,
            subject: Subject::Namespaces(Default::default()),
            ingress: vec![TierRule {
                name: None,
                action,
                peers: vec![TierPeer::Namespaces(Default::default())],
                ports: None,
            }],
            egress: vec![],
        }
    }

    fn anp(name: &str, priority: u32, action: CAction) -> ClusterPolicy {
        cluster_policy(ClusterKind::AdminNetworkPolicy, name, CTier::Admin, Some(priority), action)
    }

    fn banp(action: CAction) -> ClusterPolicy {
        cluster_policy(ClusterKind::BaselineAdminNetworkPolicy, "default", CTier::Baseline, None, action)
    }

    fn with_cluster(mut s: Snapshot, cluster: Vec<ClusterPolicy>) -> Snapshot {
        s.cluster_policies = cluster;
        s
    }

    /// A cluster with one Calico object (a policy selecting nothing): Calico's tiers apply.
    fn calico_only() -> Snapshot {
        cluster(vec![], vec![gnp("nobody", "default", None, "app == 'nobody'")], vec![])
    }

    fn ingress_layers(s: &Snapshot) -> Vec<(String, Outcome)> {
        let e = Engine::new(s);
        let v = e.evaluate(client(s), Endpoint::Pod(find(s, "server")), PortQuery::Port { port: 80, protocol: Tcp });
        v.ingress.layers.iter().map(|l| (l.layer.clone(), l.decision)).collect()
    }

    #[test]
    fn an_admin_network_policy_is_a_member_of_kube_admin_at_its_priority() {
        // A Calico policy of kube-admin at order 5 runs before the ANP at priority 10, one at 20 after.
        for (order, allowed) in [(5.0, true), (20.0, false)] {
            let mut allow = gnp("kube-admin.allow", "kube-admin", Some(order), "all()");
            allow.ingress = vec![r(Action::Allow)];
            let s = with_cluster(cluster(vec![], vec![allow], vec![]), vec![anp("deny-all", 10, CAction::Deny)]);
            assert_eq!(reaches(&s, client(&s), 80, Tcp), allowed, "Calico Allow at order {order}");
            let layers = ingress_layers(&s);
            assert_eq!(layers.len(), 1, "one tier, no generic Admin layer: {layers:?}");
            assert_eq!(layers[0].0, "calico-tier:kube-admin");
        }
    }

    #[test]
    fn kube_admin_runs_by_its_tier_order_among_calico_tiers() {
        let deny = anp("deny-all", 10, CAction::Deny);
        // A tier at order 100 runs before kube-admin (1,000): its Allow wins.
        let mut early = gnp("early.allow", "early", None, "all()");
        early.ingress = vec![r(Action::Allow)];
        let s = with_cluster(
            cluster(vec![tier("early", 100.0, TierAction::Deny)], vec![early], vec![]),
            vec![deny.clone()],
        );
        assert!(reaches(&s, client(&s), 80, Tcp));
        // At order 5,000 it runs after: the ANP's Deny wins.
        let mut late = gnp("late.allow", "late", None, "all()");
        late.ingress = vec![r(Action::Allow)];
        let s = with_cluster(cluster(vec![tier("late", 5000.0, TierAction::Deny)], vec![late], vec![]), vec![deny]);
        assert!(!reaches(&s, client(&s), 80, Tcp));
        assert_eq!(ingress_layers(&s)[0], ("calico-tier:kube-admin".to_string(), Outcome::Deny));
    }

    #[test]
    fn pass_in_kube_admin_goes_to_the_default_tier_and_its_end_passes_too() {
        let mut deny = gnp("deny-clients", "default", None, "app == 'server'");
        deny.ingress = vec![from(Action::Deny, "app == 'client'")];
        let s = with_cluster(cluster(vec![], vec![deny.clone()], vec![]), vec![anp("pass", 10, CAction::Pass)]);
        assert!(!reaches(&s, client(&s), 80, Tcp), "passed to the default tier, which denies");
        // A kube-admin tier whose policies decide nothing passes at its end (default action Pass).
        let mut nobody = anp("nobody", 10, CAction::Allow);
        nobody.ingress[0].peers = vec![TierPeer::Namespaces(sel(&[("team", "nobody")]))];
        let s = with_cluster(calico_only(), vec![nobody]);
        assert!(reaches(&s, client(&s), 80, Tcp), "kube-admin passes, no other tier: the profile allows");
    }

    #[test]
    fn the_baseline_policy_is_in_kube_baseline_after_the_default_tier() {
        // The default tier selects the server and allows the client: kube-baseline is not reached.
        let knp = policy("a", "allow-clients", sel(&[("app", "server")]))
            .ingress(vec![rule(vec![pods_peer(sel(&[("app", "client")]))], vec![])])
            .build();
        let s = with_cluster(cluster(vec![], vec![], vec![knp]), vec![banp(CAction::Deny)]);
        assert!(reaches(&s, client(&s), 80, Tcp));
        // Nothing of the default tier selects the server: the baseline Deny decides.
        let s = with_cluster(
            cluster(vec![], vec![gnp("only-b", "default", None, "projectcalico.org/namespace == 'b'")], vec![]),
            vec![banp(CAction::Deny)],
        );
        assert!(!reaches(&s, client(&s), 80, Tcp));
        assert!(ingress_layers(&s).contains(&("calico-tier:kube-baseline".to_string(), Outcome::Deny)));
        // A tier after kube-baseline (order 20,000,000) is not reached when the baseline allows.
        let mut deny = gnp("last.deny", "last", None, "all()");
        deny.ingress = vec![r(Action::Deny)];
        let s = with_cluster(
            cluster(vec![tier("last", 20_000_000.0, TierAction::Deny)], vec![deny], vec![]),
            vec![banp(CAction::Allow)],
        );
        assert!(reaches(&s, client(&s), 80, Tcp));
    }

    #[test]
    fn a_baseline_cluster_network_policy_is_in_kube_baseline() {
        let deny =
            cluster_policy(ClusterKind::ClusterNetworkPolicy, "baseline-deny", CTier::Baseline, Some(3), CAction::Deny);
        let mut allow = gnp("kube-baseline.allow", "kube-baseline", Some(1.0), "all()");
        allow.ingress = vec![r(Action::Allow)];
        let s = with_cluster(cluster(vec![], vec![allow], vec![]), vec![deny.clone()]);
        assert!(reaches(&s, client(&s), 80, Tcp), "the Calico policy at order 1 runs before priority 3");
        let s = with_cluster(calico_only(), vec![deny]);
        assert!(!reaches(&s, client(&s), 80, Tcp));
        let e = Engine::new(&s);
        let v = e.evaluate(client(&s), Endpoint::Pod(find(&s, "server")), PortQuery::Port { port: 80, protocol: Tcp });
        let layer = v.ingress.layers.iter().find(|l| l.layer == "calico-tier:kube-baseline").unwrap();
        assert_eq!(layer.selecting, ["ClusterNetworkPolicy baseline-deny"]);
        assert_eq!(layer.rules[0].kind, "ClusterNetworkPolicy");
        assert_eq!(layer.rules[0].order, Some(3.0));
    }
}

/// Which Calico denies a NetworkPolicy cannot override (so `why --suggest` has nothing to offer):
/// a tier ordered before the default one, and a Calico policy of the default tier ordered before
/// the Kubernetes policies' 1000; not the default tier's end-of-tier deny, not a later-ordered
/// deny, not a tier after the default one.
#[test]
fn a_deny_before_the_kubernetes_policies_is_beyond_any_network_policy() {
    use crate::engine::pipeline::{DenyAbove, deny_above_networkpolicy};
    let above = |tiers: Vec<Tier>, policies: Vec<CalicoPolicy>| {
        let s = cluster(tiers, policies, vec![]);
        let e = Engine::new(&s);
        let v = e.evaluate(client(&s), Endpoint::Pod(find(&s, "server")), PortQuery::Port { port: 80, protocol: Tcp });
        assert!(!v.allowed);
        deny_above_networkpolicy(&s, &v.ingress)
    };
    let deny = |name: &str, tier: &str, order: Option<f64>| {
        let mut p = gnp(name, tier, order, "all()");
        p.ingress = vec![r(Action::Deny)];
        p
    };
    assert!(matches!(
        above(vec![tier("security", 10.0, TierAction::Deny)], vec![deny("security.block", "security", None)]),
        Some(DenyAbove::Calico { tier, .. }) if tier == "security"
    ));
    assert!(matches!(
        above(vec![], vec![deny("early", "default", Some(500.0))]),
        Some(DenyAbove::Calico { tier, what }) if tier == "default" && what.contains("early")
    ));
    assert_eq!(above(vec![], vec![deny("late", "default", Some(2000.0))]), None, "a NetworkPolicy at 1000 comes first");
    let mut select = gnp("only-b", "default", None, "all()");
    select.ingress = vec![from(Action::Allow, "projectcalico.org/namespace == 'b'")];
    assert_eq!(above(vec![], vec![select]), None, "the default tier's end: a NetworkPolicy allow decides before it");
    assert_eq!(
        above(vec![tier("after", 5_000_000.0, TierAction::Deny)], vec![deny("after.block", "after", None)]),
        None,
        "a tier after the default one"
    );
}
