//! NetworkPolicy v1 (`networking.k8s.io/v1`): its model and its layer of the pipeline.
//!
//! A side of a flow is decided by NetworkPolicy when some policy selects the subject and
//! isolates it for the direction: then the flow is allowed on a port when some rule of some
//! isolating policy matches both the peer and the port, and denied otherwise. A subject no policy
//! isolates is no business of this layer (no opinion): the next layer decides, and past the last
//! one the flow is allowed.
//!
//! - `Policy`, `Rule`, `Peer`, `PolicyTypes`: the validated, defaulted objects (sources build them
//!   in `source::netpol`).
//! - `NetworkPolicies`: the policies indexed by namespace, and the building blocks of the
//!   evaluation (which policies isolate a pod, whether an entry matches a peer, why it does not,
//!   the nearest miss of a policy). The `Engine` owns the one index; layers that compose
//!   NetworkPolicy with their own kind (Cilium's merged allow-list, Calico's default tier) use
//!   these blocks rather than this layer.
//! - `NetworkPolicyLayer`: the layer, for `why`/`decide` (`answer`), `matrix` (`plan`) and `list`
//!   (`coverage`).
//!
//! It must not know any other policy kind.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use super::coverage;
use super::flow::{Endpoint, Engine};
use super::model::{ContainerPort, IpBlock, Pod, PolicyPort, PortRef, Protocol, Selector, Snapshot};
use super::pipeline::{Answer, Coverage, Decision, Layer, LayerCoverage, LayerPlan, Ports, Row, SideQuery};
use super::ports::{PortSet, rule_port_set};
use super::verdict::{
    Direction, LayerEvidence, Miss, MissKind, NotApplied, Note, PeerMiss, PolicyEvidence, PortMiss, RuleEvidence,
    RuleMatch, Side,
};

/// Which directions a policy isolates, after the API server's defaulting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct PolicyTypes {
    pub ingress: bool,
    pub egress: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub namespace: String,
    pub name: String,
    pub pod_selector: Selector,
    pub types: PolicyTypes,
    /// True when `policyTypes` was absent and `types` comes from the API server's defaulting.
    pub types_defaulted: bool,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

/// One ingress or egress rule. An empty `peers` list matches every peer; an empty `ports` list
/// matches every port and protocol (absent and empty mean the same in the API).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    pub peers: Vec<Peer>,
    pub ports: Vec<PolicyPort>,
}

/// One `from`/`to` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    /// At least one of the selectors is present. Both present means AND: pods matching
    /// `pod_selector` in namespaces matching `namespace_selector`. `pod_selector` alone means pods
    /// of the policy's own namespace; `namespace_selector` alone means every pod of the matching
    /// namespaces.
    Selectors {
        pod_selector: Option<Selector>,
        namespace_selector: Option<Selector>,
    },
    IpBlock(IpBlock),
}

/// `podSelector app=web`, `namespaceSelector team=a AND podSelector app=web`,
/// `ipBlock 0.0.0.0/0 except 10.0.0.0/8`.
impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Selectors { pod_selector, namespace_selector } => match (namespace_selector, pod_selector) {
                (Some(ns), Some(pod)) => write!(f, "namespaceSelector {ns} AND podSelector {pod}"),
                (Some(ns), None) => write!(f, "namespaceSelector {ns}"),
                (None, Some(pod)) => write!(f, "podSelector {pod}"),
                (None, None) => f.write_str("(no selector)"),
            },
            Peer::IpBlock(b) => {
                write!(f, "ipBlock {}", b.cidr)?;
                if !b.except.is_empty() {
                    let except: Vec<String> = b.except.iter().map(ToString::to_string).collect();
                    write!(f, " except {}", except.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// The NetworkPolicies of a snapshot, by namespace, each namespace's by name (whatever order the
/// source read them in: the live API lists by name, files in the order they were written; the
/// evidence must read the same from both).
pub struct NetworkPolicies<'s> {
    by_namespace: HashMap<&'s str, Vec<&'s Policy>>,
    /// Enforced by Cilium: selectors see only the labels Cilium keeps in identities, and ipBlocks
    /// match only addresses outside the cluster (never pods, nor nodes by default).
    cilium: bool,
}

impl<'s> NetworkPolicies<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        let mut by_namespace: HashMap<&str, Vec<&Policy>> = HashMap::new();
        for p in &snapshot.policies {
            by_namespace.entry(p.namespace.as_str()).or_default().push(p);
        }
        for policies in by_namespace.values_mut() {
            policies.sort_by(|a, b| a.name.cmp(&b.name));
        }
        NetworkPolicies { by_namespace, cilium: false }
    }

    /// The index, with the semantics of Cilium's enforcement when `cilium` (see the field).
    pub fn enforced_by_cilium(mut self, cilium: bool) -> Self {
        self.cilium = cilium;
        self
    }

    /// The labels selectors see on `pod`.
    fn visible_labels<'p>(&self, pod: &'p Pod) -> std::borrow::Cow<'p, super::model::Labels> {
        if self.cilium && !pod.labels.keys().all(|k| super::cilium::identity_relevant(k)) {
            std::borrow::Cow::Owned(super::cilium::relevant_labels(&pod.labels))
        } else {
            std::borrow::Cow::Borrowed(&*pod.labels)
        }
    }

    /// The policies of a namespace, by name.
    pub fn policies_in(&self, namespace: &str) -> &[&'s Policy] {
        self.by_namespace.get(namespace).map(Vec::as_slice).unwrap_or_default()
    }

    /// The policies that select `pod` and isolate it for `direction`.
    pub fn isolating(&self, pod: &Pod, direction: Direction) -> impl Iterator<Item = &'s Policy> + '_ {
        let labels: std::sync::Arc<super::model::Labels> = match self.visible_labels(pod) {
            std::borrow::Cow::Borrowed(_) => pod.labels.clone(),
            std::borrow::Cow::Owned(filtered) => std::sync::Arc::new(filtered),
        };
        self.policies_in(&pod.namespace)
            .iter()
            .copied()
            .filter(move |p| has_type(p, direction) && p.pod_selector.matches(&labels))
    }

    /// One side of a flow as NetworkPolicy alone decides it: isolated subjects are allowed by a
    /// matching rule and denied otherwise; others get no opinion. With `q.detail`, fills the
    /// NetworkPolicy evidence of `side` (`applies`, `isolated`, `policies`, ...).
    pub fn answer(&self, engine: &Engine<'_>, q: &SideQuery<'_>, ports: Ports<'_>, side: &mut Side) -> Answer {
        let pod = match q.subject {
            Endpoint::Ip(_) => return not_governed(side, NotApplied::External, q, ports),
            Endpoint::Pod(p) if p.host_network => return not_governed(side, NotApplied::HostNetwork, q, ports),
            Endpoint::Pod(p) => p,
        };
        let detail = q.detail;
        let mut isolated = false;
        let mut allowed = false;
        // For a port set: what the isolating policies allow, within it.
        let mut allowed_ports = match ports {
            Ports::Set(_) => Some(PortSet::empty()),
            Ports::One { .. } => None,
        };
        let mut evidence_rules: Vec<RuleEvidence> = Vec::new();
        let peer_namespace_unknown =
            detail && q.peer.pod().is_some_and(|p| !p.host_network && !engine.namespace_labels(&p.namespace).known);
        // Whether the answer rests on the peer namespace's unread labels: a blocked side when a
        // policy consults them, an allowed one when every allowing policy does.
        let (mut consulting, mut allowing_without) = (false, false);
        for policy in self.isolating(pod, q.direction) {
            isolated = true;
            let evidence = self.evaluate_policy(engine, policy, q, ports);
            if evidence.allows && !detail && matches!(ports, Ports::One { .. }) {
                return Answer::One(Decision::Allow);
            }
            let consults = peer_namespace_unknown && consults_namespace_labels(policy, q.direction);
            consulting |= consults;
            if evidence.allows {
                allowed = true;
                allowing_without |= !consults;
            }
            if let (Some(acc), Some(p)) = (allowed_ports.as_mut(), evidence.allowed_ports.as_ref()) {
                acc.union_with(p);
            }
            if detail {
                if q.layered {
                    evidence_rules.extend(evidence.matches.iter().map(|m| RuleEvidence {
                        kind: "NetworkPolicy".into(),
                        namespace: Some(policy.namespace.clone()),
                        name: policy.name.clone(),
                        priority: None,
                        order: None,
                        rule: m.rule,
                        rule_name: None,
                        action: "Allow".into(),
                        decision: Decision::Allow.into(),
                        peer: m.peer,
                        peer_text: m.peer_text.clone(),
                        port_text: m.port_text.clone(),
                        ports: None,
                    }));
                }
                side.policies.push(evidence);
            }
        }
        if let Some(p) = &allowed_ports {
            allowed = !p.is_empty();
        }
        if detail {
            side.isolated = isolated;
            if consulting && !(allowed && allowing_without) {
                side.namespace_labels_unknown.extend(q.peer.pod().map(|p| p.namespace.clone()));
            }
        }
        let answer = match (ports, isolated) {
            (_, false) => Answer::no_opinion(ports),
            (Ports::One { .. }, true) => Answer::One(if allowed { Decision::Allow } else { Decision::Deny }),
            (Ports::Set(scope), true) => {
                let allow = allowed_ports.unwrap_or_default();
                let deny = scope.difference(&allow);
                Answer::Set { allow, deny }
            }
        };
        if detail && q.layered {
            let mut layer = LayerEvidence::of("networkpolicy", &answer);
            layer.rules = evidence_rules;
            side.layers.push(layer);
        }
        answer
    }

    /// What one policy says about one side of a flow, whether or not it selects the subject: its
    /// rules that match the peer at `ports` (for one port: whether one does; for a set: the ports
    /// they allow), and with `q.detail` each matching rule and, when none matches, the nearest
    /// miss. Without `q.detail`, at one port, it stops at the first matching rule.
    pub fn evaluate_policy(
        &self,
        engine: &Engine<'_>,
        policy: &Policy,
        q: &SideQuery<'_>,
        ports: Ports<'_>,
    ) -> PolicyEvidence {
        let dst_ports = q.destination.container_ports();
        let rules = rules_for(policy, q.direction);
        let mut evidence = PolicyEvidence {
            namespace: if q.detail { policy.namespace.clone() } else { String::new() },
            name: if q.detail { policy.name.clone() } else { String::new() },
            allows: false,
            policy_types_defaulted: policy.types_defaulted,
            rule_count: rules.len(),
            matches: Vec::new(),
            nearest_miss: None,
            allowed_ports: matches!(ports, Ports::Set(_)).then(PortSet::empty),
        };
        for (index, rule) in rules.iter().enumerate() {
            let Some(peer_index) = self.rule_peer(engine, policy, rule, q.peer) else { continue };
            let port_index = match ports {
                Ports::One { port, protocol } => {
                    if rule.ports.is_empty() {
                        Some(None)
                    } else {
                        rule.ports.iter().position(|pp| pp.allows(protocol, port, dst_ports)).map(Some)
                    }
                }
                Ports::Set(scope) => {
                    let rule_ports = in_scope(scope, rule_port_set(&rule.ports, dst_ports));
                    if rule_ports.is_empty() {
                        None
                    } else {
                        if let Some(acc) = evidence.allowed_ports.as_mut() {
                            acc.union_with(&rule_ports);
                        }
                        Some(None)
                    }
                }
            };
            let Some(port_index) = port_index else { continue };
            evidence.allows = true;
            if !q.detail {
                if let Ports::One { .. } = ports {
                    return evidence;
                }
                continue;
            }
            evidence.matches.push(RuleMatch {
                rule: index,
                peer: peer_index,
                peer_text: peer_index.map_or_else(|| "every peer".to_string(), |i| rule.peers[i].to_string()),
                port: port_index,
                port_text: match (ports, port_index) {
                    (Ports::Set(scope), _) => in_scope(scope, rule_port_set(&rule.ports, dst_ports)).to_string(),
                    (_, Some(i)) => rule.ports[i].to_string(),
                    (_, None) => "every port".to_string(),
                },
                ip_block_on_pod: peer_index
                    .is_some_and(|i| matches!(rule.peers[i], Peer::IpBlock(_)) && q.peer.pod().is_some()),
            });
        }
        if !evidence.allows && q.detail {
            evidence.nearest_miss = Some(self.nearest_miss(engine, policy, rules, q.peer, dst_ports, ports));
        }
        evidence
    }

    /// Whether a rule's `from`/`to` admits `peer`: `Some(None)` when the rule has no entries (every
    /// peer), `Some(Some(i))` for the matching entry, `None` when none matches. A selector entry
    /// is credited before an ipBlock entry that also matches, so the evidence does not lean on an
    /// ipBlock matching a pod's IP (which varies by network plugin) when it need not.
    pub fn rule_peer(
        &self,
        engine: &Engine<'_>,
        policy: &Policy,
        rule: &Rule,
        peer: Endpoint,
    ) -> Option<Option<usize>> {
        if rule.peers.is_empty() {
            return Some(None);
        }
        let mut ip_block = None;
        for (i, p) in rule.peers.iter().enumerate() {
            if self.peer_matches(engine, policy, p, peer) {
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
    pub fn peer_matches(&self, engine: &Engine<'_>, policy: &Policy, peer: &Peer, other: Endpoint) -> bool {
        match peer {
            Peer::Selectors { pod_selector, namespace_selector } => {
                let Endpoint::Pod(pod) = other else { return false };
                if pod.host_network {
                    return false;
                }
                let namespace_ok = match namespace_selector {
                    None => pod.namespace == policy.namespace,
                    Some(sel) => sel.matches(&engine.namespace_labels(&pod.namespace).labels),
                };
                namespace_ok && pod_selector.as_ref().is_none_or(|s| s.matches(&self.visible_labels(pod)))
            }
            Peer::IpBlock(block) => match other {
                Endpoint::Ip(ip) if self.cilium => {
                    block.contains(ip)
                        && engine.node_with_address(ip).is_none()
                        && !engine.snapshot().pods.iter().any(|p| p.ips.contains(&ip))
                }
                Endpoint::Ip(ip) => block.contains(ip),
                Endpoint::Pod(_) if self.cilium => false,
                Endpoint::Pod(pod) => pod.ips.iter().any(|ip| block.contains(*ip)),
            },
        }
    }

    /// Why one `from`/`to` entry does not match `other` (call only when `peer_matches` is false).
    pub fn peer_miss(&self, engine: &Engine<'_>, policy: &Policy, peer: &Peer, other: Endpoint) -> PeerMiss {
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
                        let ns = engine.namespace_labels(&pod.namespace);
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
            Peer::IpBlock(block) => ip_miss(block, other),
        }
    }

    /// The rule of a non-allowing policy that came closest to allowing the flow. A rule whose peer
    /// matches (only the port differs) is nearest; otherwise the entry with the fewest unmet
    /// requirements, preferring rules whose port matches.
    pub fn nearest_miss(
        &self,
        engine: &Engine<'_>,
        policy: &Policy,
        rules: &[Rule],
        peer: Endpoint,
        dst_ports: Option<&[ContainerPort]>,
        ports: Ports<'_>,
    ) -> Miss {
        let mut best: Option<(usize, Miss)> = None;
        for (index, rule) in rules.iter().enumerate() {
            let port_miss = match ports {
                Ports::One { port, protocol } => {
                    let ok = rule.ports.is_empty() || rule.ports.iter().any(|pp| pp.allows(protocol, port, dst_ports));
                    (!ok).then(|| port_miss(&rule.ports, dst_ports))
                }
                Ports::Set(scope) => in_scope(scope, rule_port_set(&rule.ports, dst_ports))
                    .is_empty()
                    .then(|| port_miss(&rule.ports, dst_ports)),
            };
            let port_cost = usize::from(port_miss.is_some());
            let mut consider = |cost: usize, miss: Miss| {
                if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                    best = Some((cost, miss));
                }
            };
            match self.rule_peer(engine, policy, rule, peer) {
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
                        let miss = self.peer_miss(engine, policy, p, peer);
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

/// A side NetworkPolicy does not govern: an address outside the cluster, a host-network pod.
fn not_governed(side: &mut Side, reason: NotApplied, q: &SideQuery<'_>, ports: Ports<'_>) -> Answer {
    let answer = Answer::no_opinion(ports);
    if q.detail {
        side.applies = false;
        side.not_applied = Some(reason);
        if q.layered {
            side.layers.push(LayerEvidence::of("networkpolicy", &answer));
        }
    }
    answer
}

/// Why an address block does not hold `other`.
pub fn ip_miss(block: &IpBlock, other: Endpoint) -> PeerMiss {
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

/// The part of `ports` within the ports asked about.
pub(crate) fn in_scope(scope: &PortSet, ports: PortSet) -> PortSet {
    if scope.is_all() { ports } else { ports.intersection(scope) }
}

pub(crate) fn port_miss(ports: &[PolicyPort], dst_ports: Option<&[ContainerPort]>) -> PortMiss {
    PortMiss { rule_ports: ports.iter().map(|p| p.to_string()).collect(), resolves_to: rule_port_set(ports, dst_ports) }
}

/// How far an entry is from matching: one per unmet requirement, more for a peer of the wrong kind.
pub(crate) fn peer_distance(miss: &PeerMiss) -> usize {
    match miss {
        PeerMiss::Labels { pod, namespace, .. } => (pod.len() + namespace.len()).max(1),
        PeerMiss::OtherNamespace { pod, .. } => 1 + pod.len(),
        PeerMiss::OutsideCidr { .. } | PeerMiss::Excepted { .. } => 1,
        PeerMiss::NoIp => 2,
        PeerMiss::CalicoSelector { requirements } => requirements.len().max(1),
        PeerMiss::NodeLabels { unmet } => unmet.len().max(1),
        PeerMiss::NotAPod { .. } | PeerMiss::HostNetwork | PeerMiss::NotANode { .. } => 3,
        PeerMiss::DomainName | PeerMiss::UnknownPeer => 4,
    }
}

/// Whether a rule of `policy` for `direction` has a namespaceSelector that looks at a label
/// other than the namespace's name (which is always known).
fn consults_namespace_labels(policy: &Policy, direction: Direction) -> bool {
    rules_for(policy, direction).iter().flat_map(|r| &r.peers).any(|peer| {
        matches!(peer, Peer::Selectors { namespace_selector: Some(s), .. } if !s.is_empty() && !s.only_names_namespaces())
    })
}

pub fn has_type(policy: &Policy, direction: Direction) -> bool {
    match direction {
        Direction::Ingress => policy.types.ingress,
        Direction::Egress => policy.types.egress,
    }
}

pub fn rules_for(policy: &Policy, direction: Direction) -> &[Rule] {
    match direction {
        Direction::Ingress => &policy.ingress,
        Direction::Egress => &policy.egress,
    }
}

/// A pod's traffic to itself through a Service, with cluster-wide tiers on the cluster:
/// NetworkPolicy cannot block a pod's traffic to itself, so a pod it isolates is allowed (its
/// decision is final), and a pod it does not isolate is handed on to the Baseline tier.
fn hairpin(engine: &Engine<'_>, q: &SideQuery<'_>, ports: Ports<'_>, side: &mut Side) -> Answer {
    let isolated =
        q.subject.pod().is_some_and(|p| !p.host_network && engine.isolating(p, q.direction).next().is_some());
    let answer = match (isolated, ports) {
        (false, _) => Answer::no_opinion(ports),
        (true, Ports::One { .. }) => Answer::One(Decision::Allow),
        (true, Ports::Set(asked)) => Answer::Set { allow: asked.clone(), deny: PortSet::empty() },
    };
    if q.detail {
        side.isolated = isolated;
        if q.layered {
            let mut evidence = LayerEvidence::of("networkpolicy", &answer);
            evidence.notes.push(Note::new(
                "hairpin",
                "the Service sends the pod's traffic back to the pod itself: NetworkPolicy cannot block a pod's \
                 traffic to itself, the cluster-wide tiers apply to it"
                    .to_string(),
            ));
            side.layers.push(evidence);
        }
    }
    answer
}

/// NetworkPolicy v1 as a layer of the pipeline. The index it evaluates is the `Engine`'s.
pub struct NetworkPolicyLayer;

impl Layer for NetworkPolicyLayer {
    fn id(&self) -> &str {
        "networkpolicy"
    }

    fn answer(&self, engine: &Engine<'_>, q: &SideQuery<'_>, ports: Ports<'_>, side: &mut Side) -> Answer {
        if q.hairpin {
            return hairpin(engine, q, ports, side);
        }
        engine.network_policies().answer(engine, q, ports, side)
    }

    fn plan<'p>(&'p self, engine: &'p Engine<'_>, groups: &'p [&'p Pod]) -> Box<dyn LayerPlan + 'p> {
        Box::new(Plan::new(engine, groups))
    }

    fn coverage(&self, engine: &Engine<'_>, namespace: &str, pods: &[&Pod], direction: Direction) -> LayerCoverage {
        coverage::network_policy_coverage(engine, engine.policies_in(namespace), pods, direction)
    }

    fn port_cuts(&self, engine: &Engine<'_>, protocol: Protocol, cuts: &mut BTreeSet<u32>) {
        for policy in &engine.snapshot().policies {
            for rule in policy.ingress.iter().chain(&policy.egress) {
                for pp in rule.ports.iter().filter(|pp| pp.protocol == protocol) {
                    if let Some(PortRef::Number(n)) = pp.port {
                        cuts.insert(u32::from(n));
                        cuts.insert(u32::from(pp.end_port.unwrap_or(n)) + 1);
                    }
                }
            }
        }
    }

    fn address_blocks(&self, engine: &Engine<'_>, out: &mut Vec<IpBlock>) {
        for policy in &engine.snapshot().policies {
            for rule in policy.ingress.iter().chain(&policy.egress) {
                for peer in &rule.peers {
                    if let Peer::IpBlock(b) = peer {
                        out.push(b.clone());
                    }
                }
            }
        }
    }
}

/// What `decide` consults, computed once per matrix instead of once per pair: each group's
/// isolating policies per direction, and for every `from`/`to` entry of those policies the set of
/// groups it matches (`peer_matches` on each group's representative). A row is then read off
/// bits; the semantics stay `answer`'s.
struct Plan<'p> {
    words: usize,
    /// Per group: `None` when no policy governs it (a host-network pod), else its isolating
    /// policies for (ingress, egress), each with the position in `peers` of its first rule that
    /// way.
    isolating: Vec<Option<[Isolating<'p>; 2]>>,
    /// Per (policy, direction, rule): the groups its entries match; `None` for a rule without
    /// entries (every peer).
    peers: Vec<Option<Vec<u64>>>,
    groups: &'p [&'p Pod],
    /// For the port rows last asked about, per egress rule naming a port (by its place in
    /// `peers`): the destination groups whose declared ports take it there, filled as rows ask
    /// (and emptied when another port is asked, so that `--all-ports` holds one port's worth).
    destinations: std::cell::RefCell<Destinations>,
}

/// A group's isolating policies one way, each with where its rules start in `Plan::peers`.
type Isolating<'p> = Vec<(&'p Policy, usize)>;

/// The port asked about and, per egress rule naming a port, the destination groups it reaches.
type Destinations = (Option<(u16, Protocol)>, HashMap<usize, Vec<u64>>);

/// A `from`/`to` entry as far as which groups it matches: its selectors (and the policy's
/// namespace, which a podSelector alone is relative to), or its block.
#[derive(PartialEq, Eq, Hash)]
enum PeerKey<'p> {
    Selectors(Option<&'p Selector>, Option<&'p Selector>, Option<&'p str>),
    Block(&'p IpBlock),
}

fn slot(d: Direction) -> usize {
    match d {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

impl<'p> Plan<'p> {
    fn new(engine: &'p Engine<'_>, reps: &'p [&'p Pod]) -> Self {
        let network_policies = engine.network_policies();
        let words = reps.len().div_ceil(64);
        let isolating: Vec<Option<[Vec<&'p Policy>; 2]>> = reps
            .iter()
            .map(|p| {
                (!p.host_network).then(|| {
                    [
                        network_policies.isolating(p, Direction::Ingress).collect(),
                        network_policies.isolating(p, Direction::Egress).collect(),
                    ]
                })
            })
            .collect();
        // Groups by namespace: a podSelector without namespaceSelector can only match groups of
        // the policy's own namespace, so only those are asked.
        let mut by_namespace: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in reps.iter().enumerate() {
            by_namespace.entry(p.namespace.as_str()).or_default().push(i);
        }
        let everyone: Vec<usize> = (0..reps.len()).collect();
        // Where each (policy, direction)'s rules start in `peers`.
        let mut first: HashMap<(*const Policy, Direction), usize> = HashMap::new();
        let mut known: HashMap<PeerKey, Vec<u64>> = HashMap::new();
        let mut peers = Vec::new();
        for iso in isolating.iter().flatten() {
            for d in [Direction::Ingress, Direction::Egress] {
                for policy in &iso[slot(d)] {
                    if first.contains_key(&(*policy as *const Policy, d)) {
                        continue;
                    }
                    first.insert((*policy as *const Policy, d), peers.len());
                    for rule in rules_for(policy, d) {
                        let set = (!rule.peers.is_empty()).then(|| {
                            let mut bits = vec![0u64; words];
                            for peer in &rule.peers {
                                // Many policies name the same entry (a namespace's pods, the
                                // DNS pods, a block): each distinct one is matched once.
                                let key = match peer {
                                    Peer::Selectors { pod_selector, namespace_selector } => PeerKey::Selectors(
                                        pod_selector.as_ref(),
                                        namespace_selector.as_ref(),
                                        namespace_selector.is_none().then_some(policy.namespace.as_str()),
                                    ),
                                    Peer::IpBlock(block) => PeerKey::Block(block),
                                };
                                let matched = known.entry(key).or_insert_with(|| {
                                    let mut m = vec![0u64; words];
                                    let mut ask = |candidates: &[usize]| {
                                        for &g in candidates {
                                            let pod = Endpoint::Pod(reps[g]);
                                            if network_policies.peer_matches(engine, policy, peer, pod) {
                                                m[g / 64] |= 1 << (g % 64);
                                            }
                                        }
                                    };
                                    match peer {
                                        Peer::Selectors { namespace_selector: None, .. } => ask(by_namespace
                                            .get(policy.namespace.as_str())
                                            .map(Vec::as_slice)
                                            .unwrap_or_default()),
                                        // Only groups of the namespaces the selector matches,
                                        // each namespace's labels matched once.
                                        Peer::Selectors { namespace_selector: Some(selector), .. } => {
                                            for (namespace, groups) in &by_namespace {
                                                if selector.matches(&engine.namespace_labels(namespace).labels) {
                                                    ask(groups);
                                                }
                                            }
                                        }
                                        Peer::IpBlock(_) => ask(&everyone),
                                    }
                                    m
                                });
                                bits.iter_mut().zip(matched.iter()).for_each(|(w, m)| *w |= m);
                            }
                            bits
                        });
                        peers.push(set);
                    }
                }
            }
        }
        let isolating = isolating
            .into_iter()
            .map(|iso| {
                iso.map(|sets| {
                    let mut d = [Direction::Ingress, Direction::Egress].into_iter();
                    sets.map(|policies| {
                        let d = d.next().expect("two directions");
                        policies.into_iter().map(|p| (p, first[&(p as *const Policy, d)])).collect()
                    })
                })
            })
            .collect();
        Plan { words, isolating, peers, groups: reps, destinations: Default::default() }
    }
}

impl LayerPlan for Plan<'_> {
    /// An isolated subject allows the groups its rules match at the port (named ports resolve on
    /// the destination: the other group for egress, the subject itself for ingress) and denies
    /// the rest; a subject no policy isolates is left undecided.
    fn row(&self, row: Row<'_>, allow: &mut [u64], deny: &mut [u64]) {
        let Row { direction, subject, port, protocol, undecided } = row;
        let policies = match &self.isolating[subject] {
            Some(sets) if !sets[slot(direction)].is_empty() => &sets[slot(direction)],
            _ => return,
        };
        for &(policy, at) in policies {
            for (r, rule) in rules_for(policy, direction).iter().enumerate() {
                let matched = &self.peers[at + r];
                // The port check depends on the other group only for an egress rule naming a
                // port (resolved on each destination); otherwise it is one answer per rule.
                let named = rule.ports.iter().any(|pp| matches!(pp.port, Some(PortRef::Name(_))));
                if direction == Direction::Egress && named {
                    let mut cache = self.destinations.borrow_mut();
                    let (asked, destinations) = &mut *cache;
                    if *asked != Some((port, protocol)) {
                        *asked = Some((port, protocol));
                        destinations.clear();
                    }
                    let ok = destinations.entry(at + r).or_insert_with(|| {
                        let mut bits = vec![0u64; self.words];
                        for (other, dst) in self.groups.iter().enumerate() {
                            if rule.ports.iter().any(|pp| pp.allows(protocol, port, Some(&dst.ports))) {
                                bits[other / 64] |= 1 << (other % 64);
                            }
                        }
                        bits
                    });
                    match matched {
                        Some(b) => allow.iter_mut().zip(b).zip(ok.iter()).for_each(|((w, m), o)| *w |= m & o),
                        None => allow.iter_mut().zip(ok.iter()).for_each(|(w, o)| *w |= o),
                    }
                    continue;
                }
                let subject_ports = &self.groups[subject].ports;
                let port_ok =
                    rule.ports.is_empty() || rule.ports.iter().any(|pp| pp.allows(protocol, port, Some(subject_ports)));
                if !port_ok {
                    continue;
                }
                match matched {
                    Some(b) => allow.iter_mut().zip(b).for_each(|(w, m)| *w |= m),
                    None => allow.iter_mut().for_each(|w| *w = !0),
                }
            }
        }
        for k in 0..self.words {
            allow[k] &= undecided[k];
            deny[k] = undecided[k] & !allow[k];
        }
    }
}

/// The NetworkPolicy-shaped coverage answers, from `coverage`'s states.
impl From<coverage::PodState> for Coverage {
    fn from(state: coverage::PodState) -> Coverage {
        match state {
            coverage::PodState::NotIsolated => Coverage::HandsOn,
            coverage::PodState::AllowedAll => Coverage::AllowedAll,
            coverage::PodState::Restricted => Coverage::Restricted,
        }
    }
}
