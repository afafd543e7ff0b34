//! Flow evaluation: is traffic from one endpoint to another allowed, and why.
//!
//! A flow is allowed when the source's egress and the destination's ingress both allow it
//! (replies are allowed statefully, so only the initiating direction is evaluated). A side allows
//! when no policy isolates the subject for that direction, or when some rule of some isolating
//! policy matches both the peer and the port. `evaluate` returns the evidence; `decide` answers
//! the same question through the same code without collecting it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use super::model::{ContainerPort, Labels, Namespace, Node, Peer, Pod, Policy, Protocol, Rule, Snapshot};
use super::ports::{PortSet, rule_port_set};
use super::verdict::{
    Direction, Miss, MissKind, NotApplied, Override, PeerMiss, PolicyEvidence, PortMiss, PortQuery, RuleMatch, Side,
    Verdict,
};

/// One end of a flow.
#[derive(Debug, Clone, Copy)]
pub enum Endpoint<'a> {
    Pod(&'a Pod),
    /// An address outside the cluster, or a node.
    Ip(IpAddr),
}

impl<'a> Endpoint<'a> {
    pub fn pod(&self) -> Option<&'a Pod> {
        match self {
            Endpoint::Pod(p) => Some(p),
            Endpoint::Ip(_) => None,
        }
    }

    /// `ns/name` for a pod, the address for an IP.
    pub fn display(&self) -> String {
        match self {
            Endpoint::Pod(p) => format!("{}/{}", p.namespace, p.name),
            Endpoint::Ip(ip) => ip.to_string(),
        }
    }

    fn container_ports(&self) -> Option<&'a [ContainerPort]> {
        self.pod().map(|p| &*p.ports)
    }
}

/// The labels of a namespace and whether they were actually read.
pub struct NamespaceLabels<'a> {
    pub labels: Cow<'a, Labels>,
    pub known: bool,
}

/// The evaluator over one snapshot: policies indexed by namespace, namespaces and nodes by name.
pub struct Engine<'s> {
    snapshot: &'s Snapshot,
    namespaces: HashMap<&'s str, &'s Namespace>,
    policies_by_namespace: HashMap<&'s str, Vec<&'s Policy>>,
    nodes: HashMap<&'s str, &'s Node>,
}

impl<'s> Engine<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        let namespaces = snapshot.namespaces.iter().map(|n| (n.name.as_str(), n)).collect();
        let mut policies_by_namespace: HashMap<&str, Vec<&Policy>> = HashMap::new();
        for p in &snapshot.policies {
            policies_by_namespace.entry(p.namespace.as_str()).or_default().push(p);
        }
        // By name, whatever order the source read them in: the live API lists by name, files in
        // the order they were written; the evidence must read the same from both.
        for policies in policies_by_namespace.values_mut() {
            policies.sort_by(|a, b| a.name.cmp(&b.name));
        }
        let nodes = snapshot.nodes.iter().map(|n| (n.name.as_str(), n)).collect();
        Engine { snapshot, namespaces, policies_by_namespace, nodes }
    }

    pub fn snapshot(&self) -> &'s Snapshot {
        self.snapshot
    }

    /// The labels of `name`; a namespace that was not read has only the label the API server
    /// guarantees, `kubernetes.io/metadata.name`.
    pub fn namespace_labels(&self, name: &str) -> NamespaceLabels<'s> {
        match self.namespaces.get(name) {
            Some(ns) => NamespaceLabels { labels: Cow::Borrowed(&ns.labels), known: ns.known },
            None => {
                let ns = Namespace::implicit(name);
                NamespaceLabels { labels: Cow::Owned((*ns.labels).clone()), known: false }
            }
        }
    }

    /// The policies of a namespace, by name.
    pub fn policies_in(&self, namespace: &str) -> &[&'s Policy] {
        self.policies_by_namespace.get(namespace).map(Vec::as_slice).unwrap_or_default()
    }

    /// The policies that select `pod` and isolate it for `direction`.
    pub fn isolating(&self, pod: &Pod, direction: Direction) -> impl Iterator<Item = &'s Policy> + '_ {
        let labels = pod.labels.clone();
        self.policies_in(&pod.namespace)
            .iter()
            .copied()
            .filter(move |p| has_type(p, direction) && p.pod_selector.matches(&labels))
    }

    /// The node a pod runs on, when both are known.
    pub fn node_of(&self, pod: &Pod) -> Option<&'s Node> {
        pod.node.as_deref().and_then(|n| self.nodes.get(n).copied())
    }

    /// The node owning `ip`, if any.
    pub fn node_with_address(&self, ip: IpAddr) -> Option<&'s Node> {
        self.snapshot.nodes.iter().find(|n| n.addresses.contains(&ip))
    }

    /// Flows NetworkPolicy cannot block: a pod to itself, and a pod to or from its own node.
    pub fn override_reason(&self, from: Endpoint, to: Endpoint) -> Option<Override> {
        match (from, to) {
            (Endpoint::Pod(a), Endpoint::Pod(b)) => pod_pair_override(a, b),
            (Endpoint::Ip(ip), Endpoint::Pod(p)) | (Endpoint::Pod(p), Endpoint::Ip(ip)) => {
                self.node_of(p).is_some_and(|n| n.addresses.contains(&ip)).then_some(Override::NodeLocal)
            }
            (Endpoint::Ip(_), Endpoint::Ip(_)) => None,
        }
    }

    /// The verdict on one flow, without evidence. Same code as `evaluate`.
    pub fn decide(&self, from: Endpoint, to: Endpoint, port: u16, protocol: Protocol) -> bool {
        if self.override_reason(from, to).is_some() {
            return true;
        }
        let query = PortQuery::Port { port, protocol };
        self.side(Direction::Egress, from, to, to, query, false).allowed
            && self.side(Direction::Ingress, to, from, to, query, false).allowed
    }

    /// The verdict on one flow, with evidence for both sides, caveats and hints.
    pub fn evaluate(&self, from: Endpoint, to: Endpoint, query: PortQuery) -> Verdict {
        let egress = self.side(Direction::Egress, from, to, to, query, true);
        let ingress = self.side(Direction::Ingress, to, from, to, query, true);
        let override_reason = self.override_reason(from, to);
        let allowed_ports = match query {
            PortQuery::Any { .. } if override_reason.is_some() => query.scope(),
            PortQuery::Any { .. } => {
                let e = egress.allowed_ports.clone().unwrap_or_else(PortSet::all);
                let i = ingress.allowed_ports.clone().unwrap_or_else(PortSet::all);
                Some(e.intersection(&i))
            }
            PortQuery::Port { .. } => None,
        };
        let allowed = override_reason.is_some()
            || match &allowed_ports {
                Some(ports) => !ports.is_empty(),
                None => egress.allowed && ingress.allowed,
            };
        let mut verdict = Verdict {
            allowed,
            override_reason,
            allowed_ports,
            egress,
            ingress,
            caveats: Vec::new(),
            hints: Vec::new(),
        };
        verdict.caveats = super::notes::caveats(self, from, to, query, &verdict);
        verdict.hints = super::notes::hints(self, from, to, query, &verdict);
        verdict
    }

    /// One side of a flow: `subject`'s policies for `direction`, against `peer`. Named ports are
    /// resolved on `destination` (the subject for ingress, the peer for egress).
    pub(crate) fn side(
        &self,
        direction: Direction,
        subject: Endpoint,
        peer: Endpoint,
        destination: Endpoint,
        query: PortQuery,
        detail: bool,
    ) -> Side {
        let subject_name = if detail { subject.display() } else { String::new() };
        let not_governed = |reason| Side {
            direction,
            subject: subject_name.clone(),
            applies: false,
            not_applied: Some(reason),
            isolated: false,
            allowed: true,
            allowed_ports: query.scope(),
            policies: Vec::new(),
            namespace_labels_unknown: Vec::new(),
        };
        let pod = match subject {
            Endpoint::Ip(_) => return not_governed(NotApplied::External),
            Endpoint::Pod(p) if p.host_network => return not_governed(NotApplied::HostNetwork),
            Endpoint::Pod(p) => p,
        };
        let dst_ports = destination.container_ports();
        let mut side = Side {
            direction,
            subject: subject_name,
            applies: true,
            not_applied: None,
            isolated: false,
            allowed: false,
            allowed_ports: matches!(query, PortQuery::Any { .. }).then(PortSet::empty),
            policies: Vec::new(),
            namespace_labels_unknown: Vec::new(),
        };
        let peer_namespace_unknown =
            detail && peer.pod().is_some_and(|p| !p.host_network && !self.namespace_labels(&p.namespace).known);
        // Whether the answer rests on the peer namespace's unread labels: a blocked side when a
        // policy consults them, an allowed one when every allowing policy does.
        let (mut consulting, mut allowing_without) = (false, false);
        for policy in self.isolating(pod, direction) {
            side.isolated = true;
            let consults = peer_namespace_unknown && consults_namespace_labels(policy, direction);
            consulting |= consults;
            let rules = rules_for(policy, direction);
            let mut evidence = PolicyEvidence {
                namespace: policy.namespace.clone(),
                name: policy.name.clone(),
                allows: false,
                policy_types_defaulted: policy.types_defaulted,
                rule_count: rules.len(),
                matches: Vec::new(),
                nearest_miss: None,
                allowed_ports: matches!(query, PortQuery::Any { .. }).then(PortSet::empty),
            };
            for (index, rule) in rules.iter().enumerate() {
                let Some(peer_index) = self.rule_peer(policy, rule, peer) else { continue };
                let port_index = match query {
                    PortQuery::Port { port, protocol } => {
                        if rule.ports.is_empty() {
                            Some(None)
                        } else {
                            rule.ports.iter().position(|pp| pp.allows(protocol, port, dst_ports)).map(Some)
                        }
                    }
                    PortQuery::Any { .. } => {
                        let ports = in_scope(query, rule_port_set(&rule.ports, dst_ports));
                        if ports.is_empty() {
                            None
                        } else {
                            if let Some(acc) = evidence.allowed_ports.as_mut() {
                                acc.union_with(&ports);
                            }
                            Some(None)
                        }
                    }
                };
                let Some(port_index) = port_index else { continue };
                evidence.allows = true;
                if !detail {
                    if let PortQuery::Port { .. } = query {
                        side.allowed = true;
                        return side;
                    }
                    continue;
                }
                evidence.matches.push(RuleMatch {
                    rule: index,
                    peer: peer_index,
                    peer_text: peer_index.map_or_else(|| "every peer".to_string(), |i| rule.peers[i].to_string()),
                    port: port_index,
                    port_text: match (query, port_index) {
                        (PortQuery::Any { .. }, _) => {
                            in_scope(query, rule_port_set(&rule.ports, dst_ports)).to_string()
                        }
                        (_, Some(i)) => rule.ports[i].to_string(),
                        (_, None) => "every port".to_string(),
                    },
                    ip_block_on_pod: peer_index
                        .is_some_and(|i| matches!(rule.peers[i], Peer::IpBlock(_)) && peer.pod().is_some()),
                });
            }
            if evidence.allows {
                side.allowed = true;
                allowing_without |= !consults;
            } else if detail {
                evidence.nearest_miss = Some(self.nearest_miss(policy, rules, peer, dst_ports, query));
            }
            if let (Some(acc), Some(ports)) = (side.allowed_ports.as_mut(), evidence.allowed_ports.as_ref()) {
                acc.union_with(ports);
            }
            if detail {
                side.policies.push(evidence);
            }
        }
        if !side.isolated {
            side.allowed = true;
            side.allowed_ports = query.scope();
        } else if let Some(ports) = &side.allowed_ports {
            side.allowed = !ports.is_empty();
        }
        if consulting && !(side.allowed && allowing_without) {
            side.namespace_labels_unknown.extend(peer.pod().map(|p| p.namespace.clone()));
        }
        side
    }

    /// Whether a rule's `from`/`to` admits `peer`: `Some(None)` when the rule has no entries (every
    /// peer), `Some(Some(i))` for the matching entry, `None` when none matches. A selector entry
    /// is credited before an ipBlock entry that also matches, so the evidence does not lean on an
    /// ipBlock matching a pod's IP (which varies by network plugin) when it need not.
    fn rule_peer(&self, policy: &Policy, rule: &Rule, peer: Endpoint) -> Option<Option<usize>> {
        if rule.peers.is_empty() {
            return Some(None);
        }
        let mut ip_block = None;
        for (i, p) in rule.peers.iter().enumerate() {
            if self.peer_matches(policy, p, peer) {
                match p {
                    Peer::Selectors { .. } => return Some(Some(i)),
                    Peer::IpBlock(_) => {
                        ip_block.get_or_insert(i);
                    }
                }
            }
        }
        ip_block.map(Some)
    }

    /// Whether one `from`/`to` entry of `policy` matches `other`.
    pub fn peer_matches(&self, policy: &Policy, peer: &Peer, other: Endpoint) -> bool {
        match peer {
            Peer::Selectors { pod_selector, namespace_selector } => {
                let Endpoint::Pod(pod) = other else { return false };
                if pod.host_network {
                    return false;
                }
                let namespace_ok = match namespace_selector {
                    None => pod.namespace == policy.namespace,
                    Some(sel) => sel.matches(&self.namespace_labels(&pod.namespace).labels),
                };
                namespace_ok && pod_selector.as_ref().is_none_or(|s| s.matches(&pod.labels))
            }
            Peer::IpBlock(block) => match other {
                Endpoint::Ip(ip) => block.contains(ip),
                Endpoint::Pod(pod) => pod.ips.iter().any(|ip| block.contains(*ip)),
            },
        }
    }

    /// Why one `from`/`to` entry does not match `other` (call only when `peer_matches` is false).
    pub fn peer_miss(&self, policy: &Policy, peer: &Peer, other: Endpoint) -> PeerMiss {
        match peer {
            Peer::Selectors { pod_selector, namespace_selector } => {
                let pod = match other {
                    Endpoint::Ip(ip) => return PeerMiss::NotAPod { ip },
                    Endpoint::Pod(p) if p.host_network => return PeerMiss::HostNetwork,
                    Endpoint::Pod(p) => p,
                };
                let pod_unmet = pod_selector.as_ref().map(|s| s.failures(&pod.labels)).unwrap_or_default();
                match namespace_selector {
                    None if pod.namespace != policy.namespace => PeerMiss::OtherNamespace {
                        policy_namespace: policy.namespace.clone(),
                        peer_namespace: pod.namespace.clone(),
                        pod: pod_unmet,
                    },
                    None => PeerMiss::Labels {
                        pod: pod_unmet,
                        namespace: Vec::new(),
                        peer_namespace: pod.namespace.clone(),
                        namespace_labels_known: true,
                        both_selectors: false,
                    },
                    Some(sel) => {
                        let ns = self.namespace_labels(&pod.namespace);
                        PeerMiss::Labels {
                            pod: pod_unmet,
                            namespace: sel.failures(&ns.labels),
                            peer_namespace: pod.namespace.clone(),
                            // The name label is always there: a selector on it alone is exact.
                            namespace_labels_known: ns.known || sel.only_names_namespaces(),
                            both_selectors: pod_selector.is_some(),
                        }
                    }
                }
            }
            Peer::IpBlock(block) => {
                let ip = match other {
                    Endpoint::Ip(ip) => ip,
                    Endpoint::Pod(p) => match p.ips.first() {
                        Some(ip) => *p.ips.iter().find(|ip| block.cidr.contains(*ip)).unwrap_or(ip),
                        None => return PeerMiss::NoIp,
                    },
                };
                match block.except.iter().find(|e| e.contains(&ip)) {
                    Some(except) if block.cidr.contains(&ip) => {
                        PeerMiss::Excepted { ip, cidr: block.cidr.to_string(), except: except.to_string() }
                    }
                    _ => PeerMiss::OutsideCidr { ip, cidr: block.cidr.to_string() },
                }
            }
        }
    }

    /// The rule of a non-allowing policy that came closest to allowing the flow. A rule whose peer
    /// matches (only the port differs) is nearest; otherwise the entry with the fewest unmet
    /// requirements, preferring rules whose port matches.
    fn nearest_miss(
        &self,
        policy: &Policy,
        rules: &[Rule],
        peer: Endpoint,
        dst_ports: Option<&[ContainerPort]>,
        query: PortQuery,
    ) -> Miss {
        let mut best: Option<(usize, Miss)> = None;
        for (index, rule) in rules.iter().enumerate() {
            let port_miss = match query {
                PortQuery::Port { port, protocol } => {
                    let ok = rule.ports.is_empty() || rule.ports.iter().any(|pp| pp.allows(protocol, port, dst_ports));
                    (!ok).then(|| port_miss(rule, dst_ports))
                }
                PortQuery::Any { .. } => in_scope(query, rule_port_set(&rule.ports, dst_ports))
                    .is_empty()
                    .then(|| port_miss(rule, dst_ports)),
            };
            let port_cost = usize::from(port_miss.is_some());
            let mut consider = |cost: usize, miss: Miss| {
                if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                    best = Some((cost, miss));
                }
            };
            match self.rule_peer(policy, rule, peer) {
                Some(peer_index) => consider(
                    port_cost,
                    Miss {
                        kind: MissKind::Port,
                        rule: Some(index),
                        peer: peer_index,
                        peer_text: peer_index.map(|i| rule.peers[i].to_string()),
                        peer_miss: None,
                        port_miss,
                    },
                ),
                None => {
                    for (i, p) in rule.peers.iter().enumerate() {
                        let miss = self.peer_miss(policy, p, peer);
                        consider(
                            2 * peer_distance(&miss) + port_cost,
                            Miss {
                                kind: if port_miss.is_some() { MissKind::PeerAndPort } else { MissKind::Peer },
                                rule: Some(index),
                                peer: Some(i),
                                peer_text: Some(p.to_string()),
                                peer_miss: Some(miss),
                                port_miss: port_miss.clone(),
                            },
                        );
                    }
                }
            }
        }
        best.map(|(_, m)| m).unwrap_or(Miss {
            kind: MissKind::NoRules,
            rule: None,
            peer: None,
            peer_text: None,
            peer_miss: None,
            port_miss: None,
        })
    }
}

/// The part of `ports` the query asks about (all of it, or one protocol's).
fn in_scope(query: PortQuery, ports: PortSet) -> PortSet {
    match query.scope() {
        Some(scope) if !scope.is_all() => ports.intersection(&scope),
        _ => ports,
    }
}

fn port_miss(rule: &Rule, dst_ports: Option<&[ContainerPort]>) -> PortMiss {
    PortMiss {
        rule_ports: rule.ports.iter().map(|p| p.to_string()).collect(),
        resolves_to: rule_port_set(&rule.ports, dst_ports),
    }
}

/// How far an entry is from matching: one per unmet requirement, more for a peer of the wrong kind.
fn peer_distance(miss: &PeerMiss) -> usize {
    match miss {
        PeerMiss::Labels { pod, namespace, .. } => (pod.len() + namespace.len()).max(1),
        PeerMiss::OtherNamespace { pod, .. } => 1 + pod.len(),
        PeerMiss::OutsideCidr { .. } | PeerMiss::Excepted { .. } => 1,
        PeerMiss::NoIp => 2,
        PeerMiss::NotAPod { .. } | PeerMiss::HostNetwork => 3,
    }
}

/// Between two pods: a pod to itself, and a host-network pod (whose traffic leaves from its
/// node) to or from a pod on that node.
pub fn pod_pair_override(a: &Pod, b: &Pod) -> Option<Override> {
    if a.namespace == b.namespace && a.name == b.name {
        return Some(Override::SelfTraffic);
    }
    node_local(a, b).then_some(Override::NodeLocal)
}

/// Between two distinct pods: one uses the host network and both run on the same node.
pub fn node_local(a: &Pod, b: &Pod) -> bool {
    (a.host_network || b.host_network) && a.node.is_some() && a.node == b.node
}

/// Whether a rule of `policy` for `direction` has a namespaceSelector that looks at a label
/// other than the namespace's name (which is always known).
fn consults_namespace_labels(policy: &Policy, direction: Direction) -> bool {
    rules_for(policy, direction).iter().flat_map(|r| &r.peers).any(|peer| {
        matches!(peer, Peer::Selectors { namespace_selector: Some(s), .. } if !s.is_empty() && !s.only_names_namespaces())
    })
}

pub(crate) fn has_type(policy: &Policy, direction: Direction) -> bool {
    match direction {
        Direction::Ingress => policy.types.ingress,
        Direction::Egress => policy.types.egress,
    }
}

pub(crate) fn rules_for(policy: &Policy, direction: Direction) -> &[Rule] {
    match direction {
        Direction::Ingress => &policy.ingress,
        Direction::Egress => &policy.egress,
    }
}
