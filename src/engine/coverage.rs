//! Default-deny coverage of a namespace, per direction: what `kubectl deny list` reports.
//!
//! - `deny`: a policy selecting every pod (`podSelector: {}`) isolates the direction and no
//!   policy selecting every pod re-opens it to everything: pods created tomorrow are covered too.
//! - `allow-all`: isolated, but a rule allows every peer on every port, which cancels the deny.
//! - `pods`: every current pod is isolated, but nothing covers a new pod.
//! - `partial`: some pods are isolated. `none`: no pod is.
//!
//! A pod counts as isolated when a policy isolates it and none of the policies selecting it
//! allows everything.

use std::collections::BTreeMap;

use serde::Serialize;

use super::eval::{has_type, rules_for};
use super::model::{Peer, Policy, Rule, Snapshot};
use super::verdict::Direction;

/// Namespaces Kubernetes itself manages, which `init` refuses by default and `list` marks.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

pub fn is_system_namespace(name: &str) -> bool {
    SYSTEM_NAMESPACES.contains(&name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Deny,
    AllowAll,
    Pods,
    Partial,
    None,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Deny => "deny",
            State::AllowAll => "allow-all",
            State::Pods => "pods",
            State::Partial => "partial",
            State::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectionCoverage {
    pub state: State,
    /// Pods of the namespace that this direction does not isolate (or that a rule opens to
    /// everything), by name.
    pub not_isolated: Vec<String>,
    /// The policies that make the state: the `{}` policies for `deny`, the re-opening ones for
    /// `allow-all`, the isolating ones otherwise.
    pub policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceCoverage {
    pub namespace: String,
    pub system: bool,
    pub pods: usize,
    pub ingress: DirectionCoverage,
    pub egress: DirectionCoverage,
}

impl NamespaceCoverage {
    pub fn has_default_deny(&self) -> bool {
        self.ingress.state == State::Deny && self.egress.state == State::Deny
    }
}

/// Coverage of every namespace of the snapshot (those read, and those only referenced by pods or
/// policies), sorted by name.
pub fn coverage(snapshot: &Snapshot) -> Vec<NamespaceCoverage> {
    let mut names: BTreeMap<&str, ()> = BTreeMap::new();
    for n in &snapshot.namespaces {
        names.insert(&n.name, ());
    }
    for p in &snapshot.pods {
        names.insert(&p.namespace, ());
    }
    for p in &snapshot.policies {
        names.insert(&p.namespace, ());
    }
    let mut policies: BTreeMap<&str, Vec<&Policy>> = BTreeMap::new();
    for p in &snapshot.policies {
        policies.entry(&p.namespace).or_default().push(p);
    }
    let mut pods: BTreeMap<&str, Vec<&super::model::Pod>> = BTreeMap::new();
    for p in &snapshot.pods {
        pods.entry(&p.namespace).or_default().push(p);
    }
    // Only a cluster with IPv6 pods needs `::/0` as well for a rule to admit every address.
    let ipv6 = snapshot.pods.iter().any(|p| p.ips.iter().any(|ip| ip.is_ipv6()))
        || snapshot.nodes.iter().any(|n| n.addresses.iter().any(|ip| ip.is_ipv6()));
    names
        .keys()
        .map(|ns| {
            let pol = policies.get(ns).map(Vec::as_slice).unwrap_or_default();
            let pds = pods.get(ns).map(Vec::as_slice).unwrap_or_default();
            NamespaceCoverage {
                namespace: ns.to_string(),
                system: is_system_namespace(ns),
                pods: pds.len(),
                ingress: direction(pol, pds, Direction::Ingress, ipv6),
                egress: direction(pol, pds, Direction::Egress, ipv6),
            }
        })
        .collect()
}

fn direction(policies: &[&Policy], pods: &[&super::model::Pod], dir: Direction, ipv6: bool) -> DirectionCoverage {
    let allows_everything = |r: &Rule| allows_everything(r, ipv6);
    let isolating: Vec<&Policy> = policies.iter().copied().filter(|p| has_type(p, dir)).collect();
    let names = |ps: &[&Policy]| ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    let wide: Vec<&Policy> = isolating.iter().copied().filter(|p| p.pod_selector.is_empty()).collect();
    let reopening: Vec<&Policy> =
        wide.iter().copied().filter(|p| rules_for(p, dir).iter().any(allows_everything)).collect();

    let mut not_isolated = Vec::new();
    let mut opened = 0usize;
    for pod in pods {
        let selecting: Vec<&Policy> =
            isolating.iter().copied().filter(|p| p.pod_selector.matches(&pod.labels)).collect();
        let open = selecting.iter().any(|p| rules_for(p, dir).iter().any(allows_everything));
        if selecting.is_empty() || open {
            not_isolated.push(pod.name.clone());
        }
        if !selecting.is_empty() && open {
            opened += 1;
        }
    }
    not_isolated.sort();

    let (state, policies) = if !wide.is_empty() {
        if reopening.is_empty() { (State::Deny, names(&wide)) } else { (State::AllowAll, names(&reopening)) }
    } else if !pods.is_empty() && opened == pods.len() {
        (State::AllowAll, names(&isolating))
    } else if !pods.is_empty() && not_isolated.is_empty() {
        (State::Pods, names(&isolating))
    } else if not_isolated.len() < pods.len() {
        (State::Partial, names(&isolating))
    } else {
        (State::None, names(&isolating))
    };
    DirectionCoverage { state, not_isolated, policies }
}

/// A rule that admits every peer on every port: no ports, and either no peers or peers covering
/// every pod (`namespaceSelector: {}`) and every address (`ipBlock 0.0.0.0/0`, and `::/0` too
/// when the cluster has IPv6).
pub fn allows_everything(rule: &Rule, ipv6: bool) -> bool {
    if !rule.ports.is_empty() {
        return false;
    }
    if rule.peers.is_empty() {
        return true;
    }
    let all_pods = rule.peers.iter().any(|p| {
        matches!(p, Peer::Selectors { namespace_selector: Some(ns), pod_selector }
            if ns.is_empty() && pod_selector.as_ref().is_none_or(|s| s.is_empty()))
    });
    let all_v4 = rule.peers.iter().any(
        |p| matches!(p, Peer::IpBlock(b) if b.except.is_empty() && b.cidr.prefix_len() == 0 && b.cidr.addr().is_ipv4()),
    );
    let all_v6 = rule.peers.iter().any(
        |p| matches!(p, Peer::IpBlock(b) if b.except.is_empty() && b.cidr.prefix_len() == 0 && b.cidr.addr().is_ipv6()),
    );
    all_pods && all_v4 && (all_v6 || !ipv6)
}

#[cfg(test)]
mod tests {
    use super::super::model::Protocol::Tcp;
    use super::super::testkit::*;
    use super::*;

    fn ns_cov(policies: Vec<Policy>, pod_labels: &[&[(&str, &str)]]) -> NamespaceCoverage {
        let pods = pod_labels.iter().enumerate().map(|(i, l)| pod("app", &format!("p{i}"), l, "")).collect();
        let s = snapshot(vec![namespace("app", &[])], pods, policies);
        coverage(&s).into_iter().find(|c| c.namespace == "app").unwrap()
    }

    #[test]
    fn empty_pod_selector_policy_without_rules_is_deny() {
        let c = ns_cov(
            vec![policy("app", "default-deny-all", sel(&[])).ingress(vec![]).egress(vec![]).build()],
            &[&[("a", "1")]],
        );
        assert_eq!(c.ingress.state, State::Deny);
        assert_eq!(c.egress.state, State::Deny);
        assert!(c.has_default_deny());
        assert_eq!(c.ingress.policies, vec!["default-deny-all"]);
    }

    #[test]
    fn deny_covers_a_namespace_without_pods() {
        let c = ns_cov(vec![policy("app", "d", sel(&[])).ingress(vec![]).build()], &[]);
        assert_eq!(c.ingress.state, State::Deny);
        assert_eq!(c.egress.state, State::None);
    }

    #[test]
    fn namespace_without_policies_is_none() {
        let c = ns_cov(vec![], &[&[("a", "1")], &[("a", "2")]]);
        assert_eq!(c.ingress.state, State::None);
        assert_eq!(c.ingress.not_isolated, vec!["p0", "p1"]);
        let empty = ns_cov(vec![], &[]);
        assert_eq!(empty.egress.state, State::None);
    }

    #[test]
    fn narrow_policies_covering_every_current_pod_are_pods() {
        let c = ns_cov(
            vec![
                policy("app", "a", sel(&[("a", "1")])).ingress(vec![]).build(),
                policy("app", "b", sel(&[("a", "2")])).ingress(vec![]).build(),
            ],
            &[&[("a", "1")], &[("a", "2")]],
        );
        assert_eq!(c.ingress.state, State::Pods);
        assert!(c.ingress.not_isolated.is_empty());
    }

    #[test]
    fn some_pods_isolated_is_partial() {
        let c = ns_cov(
            vec![policy("app", "a", sel(&[("a", "1")])).ingress(vec![]).build()],
            &[&[("a", "1")], &[("a", "2")]],
        );
        assert_eq!(c.ingress.state, State::Partial);
        assert_eq!(c.ingress.not_isolated, vec!["p1"]);
    }

    #[test]
    fn namespace_wide_allow_everything_rule_cancels_the_deny() {
        let c = ns_cov(
            vec![
                policy("app", "deny", sel(&[])).ingress(vec![]).build(),
                policy("app", "open", sel(&[])).ingress(vec![rule(vec![], vec![])]).build(),
            ],
            &[&[("a", "1")]],
        );
        assert_eq!(c.ingress.state, State::AllowAll);
        assert_eq!(c.ingress.policies, vec!["open"]);
    }

    #[test]
    fn a_rule_limited_by_port_does_not_cancel_the_deny() {
        let c = ns_cov(
            vec![
                policy("app", "deny", sel(&[])).ingress(vec![]).build(),
                policy("app", "web", sel(&[])).ingress(vec![rule(vec![], vec![port(Tcp, 80)])]).build(),
            ],
            &[&[("a", "1")]],
        );
        assert_eq!(c.ingress.state, State::Deny);
    }

    #[test]
    fn all_pods_and_all_addresses_is_allow_everything() {
        let r = rule(vec![ns_peer(sel(&[])), ip_peer("0.0.0.0/0", &[]), ip_peer("::/0", &[])], vec![]);
        assert!(allows_everything(&r, true));
        let only_v4 = rule(vec![ns_peer(sel(&[])), ip_peer("0.0.0.0/0", &[])], vec![]);
        assert!(!allows_everything(&only_v4, true));
        let with_except =
            rule(vec![ns_peer(sel(&[])), ip_peer("0.0.0.0/0", &["10.0.0.0/8"]), ip_peer("::/0", &[])], vec![]);
        assert!(!allows_everything(&with_except, true));
    }

    #[test]
    fn every_pod_opened_by_its_own_policy_is_allow_all() {
        let c = ns_cov(
            vec![policy("app", "a", sel(&[("a", "1")])).ingress(vec![rule(vec![], vec![])]).build()],
            &[&[("a", "1")]],
        );
        assert_eq!(c.ingress.state, State::AllowAll);
    }

    #[test]
    fn defaulted_ingress_only_policy_leaves_egress_open() {
        // podSelector {} with no policyTypes and no egress rules defaults to [Ingress].
        let mut p = policy("app", "d", sel(&[])).ingress(vec![]).build();
        p.types_defaulted = true;
        let c = ns_cov(vec![p], &[&[("a", "1")]]);
        assert_eq!(c.ingress.state, State::Deny);
        assert_eq!(c.egress.state, State::None);
    }

    #[test]
    fn system_namespaces_are_marked() {
        let s = snapshot(vec![namespace("kube-system", &[]), namespace("prod", &[])], vec![], vec![]);
        let c = coverage(&s);
        assert!(c[0].system && c[0].namespace == "kube-system");
        assert!(!c[1].system);
    }
}
