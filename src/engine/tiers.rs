//! The cluster-wide tiers of the network-policy API: AdminNetworkPolicy and
//! BaselineAdminNetworkPolicy (`policy.networking.k8s.io/v1alpha1`) and ClusterNetworkPolicy
//! (`v1alpha2`, `v1beta1`), their model and their two layers of the pipeline.
//!
//! The Admin tier runs before NetworkPolicy, the Baseline tier after it. In a tier, policies are
//! taken by ascending priority, and in a policy its rules for the direction in the order written;
//! the first rule that matches the peer and the port decides: Allow/Accept allows, Deny denies
//! (both final for the direction), Pass leaves the tier (the next layer decides). A subject no
//! rule matches is not isolated by these tiers: the flow goes on, to NetworkPolicy or to the
//! default allow.
//!
//! Semantics (with their sources in `notes/tiers-facts.md`, and the upstream conformance tests
//! in `tests/conformance_npapi`):
//! - subjects and `namespaces`/`pods` peers never select host-network pods; `pods` without a
//!   namespace selector (v1alpha2) means every namespace;
//! - ingress rules can only match pods; egress `nodes` peers match the addresses of the selected
//!   nodes (and so host-network pods, whose address is their node's), `networks` peers match any
//!   address, pods' included;
//! - named ports resolve on the destination pod, by name, with the container port's number and
//!   protocol; they never match an address;
//! - `domainNames` cannot be decided from the cluster's state: such a rule never matches a pod,
//!   and against an address it is said (a note, and so a caveat), never guessed: the verdict is
//!   the one the rules after it give;
//! - a peer of a kind this tool does not know (a newer CRD, from the live cluster) fails closed,
//!   as the API asks: an Allow rule matches nothing, a Deny or Pass rule matches every peer;
//! - two policies of one tier at the same priority are ordered by the API in no defined way:
//!   the order assumed is AdminNetworkPolicy (or BaselineAdminNetworkPolicy) before
//!   ClusterNetworkPolicy, then by name; a BaselineAdminNetworkPolicy, which has no priority,
//!   sorts as priority 1000 (where Calico puts it). When the order matters to a verdict, a note
//!   says so.
//!
//! - a pod's traffic to its own pod IP, and between a pod and its own node, are settled before
//!   any layer, as under NetworkPolicy (the API exempts the first; for the second it is silent,
//!   and `notes` says it was assumed); a pod reaching itself through a Service (hairpin) is
//!   evaluated by the tiers (`Engine::evaluate_through_service`), NetworkPolicy not blocking it.
//!
//! It must not know any other policy kind.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use ipnet::IpNet;

use super::flow::{Endpoint, Engine};
use super::model::{ContainerPort, IpBlock, Labels, Pod, Protocol, Selector, Snapshot};
use super::netpol::{ip_miss, peer_distance};
use super::pipeline::{Answer, Coverage, Decision, Layer, LayerCoverage, LayerPlan, Ports, Row, SideQuery};
use super::ports::PortSet;
use super::verdict::{
    Direction, LayerEvidence, Miss, MissKind, Note, Outcome, PeerMiss, PortMiss, RuleEvidence, RuleMiss, Side,
};

/// The two cluster-wide tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// Before NetworkPolicy: AdminNetworkPolicy, ClusterNetworkPolicy `tier: Admin`.
    Admin,
    /// After NetworkPolicy: BaselineAdminNetworkPolicy, ClusterNetworkPolicy `tier: Baseline`.
    Baseline,
}

impl Tier {
    /// The layer's name: `admin`, `baseline`.
    pub fn id(self) -> &'static str {
        match self {
            Tier::Admin => "admin",
            Tier::Baseline => "baseline",
        }
    }

    /// `Admin`, `Baseline`, as ClusterNetworkPolicy spells them.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Admin => "Admin",
            Tier::Baseline => "Baseline",
        }
    }
}

/// The kind a cluster-wide policy was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClusterKind {
    AdminNetworkPolicy,
    BaselineAdminNetworkPolicy,
    ClusterNetworkPolicy,
}

impl ClusterKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterKind::AdminNetworkPolicy => "AdminNetworkPolicy",
            ClusterKind::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
            ClusterKind::ClusterNetworkPolicy => "ClusterNetworkPolicy",
        }
    }

    /// How an Allow is spelled in this kind: `Allow` (v1alpha1), `Accept` (ClusterNetworkPolicy).
    pub fn allow_word(self) -> &'static str {
        match self {
            ClusterKind::ClusterNetworkPolicy => "Accept",
            _ => "Allow",
        }
    }
}

impl fmt::Display for ClusterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An AdminNetworkPolicy, a BaselineAdminNetworkPolicy or a ClusterNetworkPolicy, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterPolicy {
    pub kind: ClusterKind,
    pub name: String,
    pub tier: Tier,
    /// `spec.priority`, 0 to 1000; a BaselineAdminNetworkPolicy has none.
    pub priority: Option<u32>,
    pub subject: Subject,
    pub ingress: Vec<TierRule>,
    pub egress: Vec<TierRule>,
}

impl ClusterPolicy {
    /// `ClusterNetworkPolicy deny-all`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }

    /// The priority it is ordered by: its own, 1000 for a BaselineAdminNetworkPolicy.
    pub fn rank(&self) -> u32 {
        self.priority.unwrap_or(1000)
    }

    pub fn rules(&self, direction: Direction) -> &[TierRule] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// The pods a policy applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Every pod of the matching namespaces.
    Namespaces(Selector),
    /// The matching pods of the matching namespaces (an absent namespace selector is `{}`).
    Pods { namespaces: Selector, pods: Selector },
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Namespaces(s) => write!(f, "namespaces {s}"),
            Subject::Pods { namespaces, pods } => write!(f, "pods {pods} in namespaces {namespaces}"),
        }
    }
}

/// A rule's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `Allow` (v1alpha1) or `Accept` (v1alpha2).
    Allow,
    Deny,
    Pass,
}

impl Action {
    fn decision(self) -> Decision {
        match self {
            Action::Allow => Decision::Allow,
            Action::Deny => Decision::Deny,
            Action::Pass => Decision::Pass,
        }
    }

    /// The action as `kind` spells it.
    pub fn spelled(self, kind: ClusterKind) -> &'static str {
        match self {
            Action::Allow => kind.allow_word(),
            Action::Deny => "Deny",
            Action::Pass => "Pass",
        }
    }
}

/// One ingress or egress rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRule {
    pub name: Option<String>,
    pub action: Action,
    /// Never empty (the API requires at least one).
    pub peers: Vec<TierPeer>,
    /// `None`: every port and protocol.
    pub ports: Option<Vec<TierPort>>,
}

/// One `from`/`to` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TierPeer {
    /// Every pod (not on the host network) of the matching namespaces.
    Namespaces(Selector),
    /// The matching pods of the matching namespaces.
    Pods { namespaces: Selector, pods: Selector },
    /// Egress only: the addresses of the matching nodes.
    Nodes(Selector),
    /// Egress only: any address in these networks, pods' included.
    Networks(Vec<IpNet>),
    /// Egress only: addresses these names resolve to; not decidable from the cluster's state.
    DomainNames(Vec<String>),
    /// A peer of a kind this tool does not know (read from a newer API): fails closed.
    Unknown,
}

impl fmt::Display for TierPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TierPeer::Namespaces(s) => write!(f, "namespaces {s}"),
            TierPeer::Pods { namespaces, pods } if namespaces.is_empty() => write!(f, "pods {pods}"),
            TierPeer::Pods { namespaces, pods } => write!(f, "pods {pods} in namespaces {namespaces}"),
            TierPeer::Nodes(s) => write!(f, "nodes {s}"),
            TierPeer::Networks(nets) => {
                let nets: Vec<String> = nets.iter().map(ToString::to_string).collect();
                write!(f, "networks {}", nets.join(", "))
            }
            TierPeer::DomainNames(names) => write!(f, "domainNames {}", names.join(", ")),
            TierPeer::Unknown => f.write_str("a peer of an unknown kind"),
        }
    }
}

/// One entry of `ports` (v1alpha1) or `protocols` (v1alpha2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TierPort {
    Number {
        protocol: Protocol,
        port: u16,
    },
    /// Inclusive at both ends.
    Range {
        protocol: Protocol,
        start: u16,
        end: u16,
    },
    /// A container port of the destination pod, by name, with its number and protocol.
    Named(String),
}

impl TierPort {
    /// Whether this entry admits `port`/`protocol` to a destination declaring `dst_ports` (`None`:
    /// not a pod, where a named port cannot resolve).
    pub fn allows(&self, protocol: Protocol, port: u16, dst_ports: Option<&[ContainerPort]>) -> bool {
        match self {
            TierPort::Number { protocol: p, port: n } => *p == protocol && *n == port,
            TierPort::Range { protocol: p, start, end } => *p == protocol && *start <= port && port <= *end,
            TierPort::Named(name) => dst_ports.is_some_and(|ports| {
                ports.iter().any(|cp| cp.protocol == protocol && cp.port == port && cp.name.as_deref() == Some(name))
            }),
        }
    }

    /// The ports this entry admits to a destination declaring `dst_ports`.
    pub fn port_set(&self, dst_ports: Option<&[ContainerPort]>) -> PortSet {
        let mut s = PortSet::empty();
        match self {
            TierPort::Number { protocol, port } => s.insert(*protocol, *port, *port),
            TierPort::Range { protocol, start, end } => s.insert(*protocol, *start, *end),
            TierPort::Named(name) => {
                for cp in dst_ports.unwrap_or_default() {
                    if cp.name.as_deref() == Some(name) {
                        s.insert(cp.protocol, cp.port, cp.port);
                    }
                }
            }
        }
        s
    }
}

/// `TCP/80`, `UDP/53-5353`, `named port dns`.
impl fmt::Display for TierPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TierPort::Number { protocol, port } => write!(f, "{protocol}/{port}"),
            TierPort::Range { protocol, start, end } => write!(f, "{protocol}/{start}-{end}"),
            TierPort::Named(name) => write!(f, "named port {name}"),
        }
    }
}

impl TierRule {
    /// Whether the rule's ports admit `port`/`protocol` (no ports: every port).
    pub fn allows_port(&self, protocol: Protocol, port: u16, dst_ports: Option<&[ContainerPort]>) -> bool {
        self.ports.as_ref().is_none_or(|ports| ports.iter().any(|p| p.allows(protocol, port, dst_ports)))
    }

    /// The ports the rule admits to a destination declaring `dst_ports`.
    pub fn port_set(&self, dst_ports: Option<&[ContainerPort]>) -> PortSet {
        match &self.ports {
            None => PortSet::all(),
            Some(ports) => {
                let mut s = PortSet::empty();
                for p in ports {
                    s.union_with(&p.port_set(dst_ports));
                }
                s
            }
        }
    }

    fn ports_text(&self) -> String {
        match &self.ports {
            None => "every port".to_string(),
            Some(ports) => ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        }
    }

    fn names_a_port(&self) -> bool {
        self.ports.as_ref().is_some_and(|ports| ports.iter().any(|p| matches!(p, TierPort::Named(_))))
    }
}

/// Whether an entry matches the other end of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Yes,
    No,
    /// A domain name against an address: depends on DNS.
    Undecidable,
}

/// The policies of one tier, in evaluation order, as a layer.
pub struct TierLayer<'s> {
    tier: Tier,
    policies: Vec<&'s ClusterPolicy>,
}

impl<'s> TierLayer<'s> {
    /// The tier's layer, or `None` when the snapshot has no policy in it (an absent tier costs
    /// nothing).
    pub fn new(snapshot: &'s Snapshot, tier: Tier) -> Option<Self> {
        let mut policies: Vec<&ClusterPolicy> = snapshot.cluster_policies.iter().filter(|p| p.tier == tier).collect();
        if policies.is_empty() {
            return None;
        }
        policies.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
        Some(TierLayer { tier, policies })
    }

    /// The tier's policies, in evaluation order.
    pub fn policies(&self) -> &[&'s ClusterPolicy] {
        &self.policies
    }

    /// Whether `policy` applies to `pod`.
    pub fn selects(&self, engine: &Engine<'_>, policy: &ClusterPolicy, pod: &Pod) -> bool {
        subject_selects(engine, &policy.subject, pod)
    }
}

/// The order within a tier: priority, then kind (the v1alpha1 kinds first), then name.
fn order_key(p: &ClusterPolicy) -> (u32, u8, &str) {
    let kind = match p.kind {
        ClusterKind::AdminNetworkPolicy | ClusterKind::BaselineAdminNetworkPolicy => 0,
        ClusterKind::ClusterNetworkPolicy => 1,
    };
    (p.rank(), kind, p.name.as_str())
}

/// Whether a subject selects `pod`: never a host-network pod.
pub fn subject_selects(engine: &Engine<'_>, subject: &Subject, pod: &Pod) -> bool {
    if pod.host_network {
        return false;
    }
    match subject {
        Subject::Namespaces(s) => s.matches(&engine.namespace_labels(&pod.namespace).labels),
        Subject::Pods { namespaces, pods } => {
            pods.matches(&pod.labels) && namespaces.matches(&engine.namespace_labels(&pod.namespace).labels)
        }
    }
}

/// Whether `peer`, in a rule with `action`, matches `other`.
fn peer_match(engine: &Engine<'_>, peer: &TierPeer, action: Action, other: Endpoint) -> Match {
    let yes = |b: bool| if b { Match::Yes } else { Match::No };
    match peer {
        TierPeer::Namespaces(s) => yes(matches!(other, Endpoint::Pod(p)
            if !p.host_network && s.matches(&engine.namespace_labels(&p.namespace).labels))),
        TierPeer::Pods { namespaces, pods } => yes(matches!(other, Endpoint::Pod(p)
            if !p.host_network && pods.matches(&p.labels)
                && namespaces.matches(&engine.namespace_labels(&p.namespace).labels))),
        TierPeer::Nodes(s) => yes(node_labels(engine, other).is_some_and(|labels| s.matches(labels))),
        TierPeer::Networks(nets) => yes(other.ips().iter().any(|ip| nets.iter().any(|n| n.contains(ip)))),
        TierPeer::DomainNames(_) => match other {
            Endpoint::Ip(_) => Match::Undecidable,
            Endpoint::Pod(_) => Match::No,
        },
        // Fail closed: an Allow of an unknown peer matches nothing, a Deny or Pass everything.
        TierPeer::Unknown => yes(action != Action::Allow),
    }
}

/// The labels of the node `other` is (an address of a node, or a host-network pod, whose address
/// is its node's).
fn node_labels<'e>(engine: &Engine<'e>, other: Endpoint) -> Option<&'e Labels> {
    match other {
        Endpoint::Ip(ip) => engine.node_with_address(ip).map(|n| &*n.labels),
        Endpoint::Pod(p) if p.host_network => {
            engine.node_of(p).or_else(|| p.ips.iter().find_map(|ip| engine.node_with_address(*ip))).map(|n| &*n.labels)
        }
        Endpoint::Pod(_) => None,
    }
}

/// Whether a rule's peers match `other`: the first matching entry, or whether one cannot be
/// decided.
fn rule_match(engine: &Engine<'_>, rule: &TierRule, other: Endpoint) -> (Match, Option<usize>) {
    let mut undecidable = None;
    for (i, peer) in rule.peers.iter().enumerate() {
        match peer_match(engine, peer, rule.action, other) {
            Match::Yes => return (Match::Yes, Some(i)),
            Match::Undecidable => {
                undecidable.get_or_insert(i);
            }
            Match::No => {}
        }
    }
    match undecidable {
        Some(i) => (Match::Undecidable, Some(i)),
        None => (Match::No, None),
    }
}

/// Whether a rule's peers match `other` (an undecidable match is no match), for plans.
pub(crate) fn rule_matches(engine: &Engine<'_>, rule: &TierRule, other: Endpoint) -> bool {
    rule_match(engine, rule, other).0 == Match::Yes
}

/// Whether a rule names a container port (resolved on each destination), for plans.
pub(crate) fn names_a_port(rule: &TierRule) -> bool {
    rule.names_a_port()
}

/// Why an entry does not match `other`.
fn peer_miss(engine: &Engine<'_>, peer: &TierPeer, other: Endpoint) -> PeerMiss {
    let pod_miss = |namespaces: &Selector, pods: Option<&Selector>| -> PeerMiss {
        let pod = match other {
            Endpoint::Ip(ip) => return PeerMiss::NotAPod { ip },
            Endpoint::Pod(p) if p.host_network => return PeerMiss::HostNetwork,
            Endpoint::Pod(p) => p,
        };
        let ns = engine.namespace_labels(&pod.namespace);
        PeerMiss::Labels {
            pod: pods.map(|s| s.failures(&pod.labels)).unwrap_or_default(),
            namespace: namespaces.failures(&ns.labels),
            peer_namespace: pod.namespace.clone(),
            namespace_labels_known: ns.known || namespaces.only_names_namespaces(),
            both_selectors: pods.is_some() && !namespaces.is_empty(),
        }
    };
    match peer {
        TierPeer::Namespaces(s) => pod_miss(s, None),
        TierPeer::Pods { namespaces, pods } => pod_miss(namespaces, Some(pods)),
        TierPeer::Nodes(s) => match node_labels(engine, other) {
            Some(labels) => PeerMiss::NodeLabels { unmet: s.failures(labels) },
            None => PeerMiss::NotANode { address: other.ips().first().copied() },
        },
        TierPeer::Networks(nets) => {
            let first = nets.first().copied().unwrap_or_else(|| "0.0.0.0/0".parse().expect("a CIDR"));
            ip_miss(&IpBlock { cidr: first, except: Vec::new() }, other)
        }
        TierPeer::DomainNames(_) => PeerMiss::DomainName,
        TierPeer::Unknown => PeerMiss::UnknownPeer,
    }
}

impl TierLayer<'_> {
    fn rule_evidence(policy: &ClusterPolicy, index: usize, rule: &TierRule, peer: Option<usize>) -> RuleEvidence {
        RuleEvidence {
            kind: policy.kind.as_str().to_string(),
            namespace: None,
            name: policy.name.clone(),
            priority: policy.priority.map(|p| p as i32),
            order: None,
            rule: index,
            rule_name: rule.name.clone(),
            action: rule.action.spelled(policy.kind).to_string(),
            decision: Outcome::from(rule.action.decision()),
            peer,
            peer_text: peer.map_or_else(|| "every peer".to_string(), |i| rule.peers[i].to_string()),
            port_text: rule.ports_text(),
            ports: None,
        }
    }

    /// The nearest miss of a rule that did not match, `None` when its peer and port match (it
    /// was skipped for another reason).
    fn miss(
        engine: &Engine<'_>,
        policy: &ClusterPolicy,
        index: usize,
        rule: &TierRule,
        q: &SideQuery<'_>,
        port_ok: bool,
    ) -> RuleMiss {
        let (peer, dst_ports) = (q.peer, q.destination.container_ports());
        let port_miss = (!port_ok).then(|| PortMiss {
            rule_ports: rule.ports.iter().flatten().map(ToString::to_string).collect(),
            resolves_to: rule.port_set(dst_ports),
        });
        let (matched, at) = rule_match(engine, rule, peer);
        let miss = if matched == Match::Yes {
            Miss {
                kind: MissKind::Port,
                rule: Some(index),
                peer: at,
                peer_text: at.map(|i| rule.peers[i].to_string()),
                peer_miss: None,
                port_miss,
            }
        } else {
            let (i, peer_miss) = rule
                .peers
                .iter()
                .enumerate()
                .map(|(i, p)| (i, peer_miss(engine, p, peer)))
                .min_by_key(|(_, m)| peer_distance(m))
                .expect("a rule has at least one peer");
            Miss {
                kind: if port_miss.is_some() { MissKind::PeerAndPort } else { MissKind::Peer },
                rule: Some(index),
                peer: Some(i),
                peer_text: Some(rule.peers[i].to_string()),
                peer_miss: Some(peer_miss),
                port_miss,
            }
        };
        RuleMiss {
            kind: policy.kind.as_str().to_string(),
            namespace: None,
            name: policy.name.clone(),
            priority: policy.priority.map(|p| p as i32),
            rule: index,
            rule_name: rule.name.clone(),
            action: rule.action.spelled(policy.kind).to_string(),
            miss,
        }
    }

    fn undecidable_note(policy: &ClusterPolicy, index: usize, rule: &TierRule, peer: Endpoint) -> Note {
        let names: Vec<&str> = rule
            .peers
            .iter()
            .filter_map(|p| match p {
                TierPeer::DomainNames(names) => Some(names.iter().map(String::as_str)),
                _ => None,
            })
            .flatten()
            .collect();
        Note::new(
            "domain-names",
            format!(
                "{} egress[{index}]{} would {} this flow if {} is an address of {}: domain names cannot be \
                 decided from the cluster's state, so the verdict is what the rules after it say",
                policy.describe(),
                rule.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default(),
                rule.action.spelled(policy.kind).to_ascii_lowercase(),
                peer.display(),
                names.join(", "),
            ),
        )
    }

    /// Notes on the order assumed, when another policy of the tier that matches the flow too is
    /// ordered against the deciding one by no rule of the API.
    fn order_notes(&self, decided_by: usize, matching: &[usize]) -> Vec<Note> {
        let p = self.policies[decided_by];
        let mut out = Vec::new();
        for &other in matching.iter().filter(|&&i| i != decided_by) {
            let q = self.policies[other];
            let (first, second) = if decided_by < other { (p, q) } else { (q, p) };
            if p.kind == q.kind && p.priority == q.priority {
                out.push(Note::new(
                    "same-priority",
                    format!(
                        "{} and {} are both at priority {} in the {} tier and both match this flow: the API leaves \
                         their order undefined; assumed: {} first (by name)",
                        first.describe(),
                        second.describe(),
                        p.rank(),
                        self.tier.as_str(),
                        first.describe()
                    ),
                ));
            } else if p.kind != q.kind {
                out.push(Note::new(
                    "tier-order",
                    format!(
                        "{} and {} both match this flow, and the API does not say how their kinds are ordered in the \
                         {} tier; assumed: by priority (a BaselineAdminNetworkPolicy, which has none, at 1000), the \
                         v1alpha1 kind first at the same priority, then by name: {} first",
                        first.describe(),
                        second.describe(),
                        self.tier.as_str(),
                        first.describe()
                    ),
                ));
            }
        }
        out
    }

    /// Whether some rule of `policy` for the direction matches the flow at one port.
    fn policy_matches(
        &self,
        engine: &Engine<'_>,
        policy: &ClusterPolicy,
        q: &SideQuery<'_>,
        port: u16,
        protocol: Protocol,
    ) -> bool {
        let dst_ports = q.destination.container_ports();
        policy
            .rules(q.direction)
            .iter()
            .any(|rule| rule.allows_port(protocol, port, dst_ports) && rule_match(engine, rule, q.peer).0 == Match::Yes)
    }

    /// One side at one port.
    fn one(
        &self,
        engine: &Engine<'_>,
        q: &SideQuery<'_>,
        pod: &Pod,
        port: u16,
        protocol: Protocol,
    ) -> (Decision, Option<LayerEvidence>) {
        let dst_ports = q.destination.container_ports();
        let mut trace = q.detail.then(|| LayerEvidence::new(self.tier.id(), Outcome::NoOpinion));
        let mut decided: Option<(Decision, usize)> = None;
        'policies: for (pi, policy) in self.policies.iter().enumerate() {
            let rules = policy.rules(q.direction);
            if rules.is_empty() || !self.selects(engine, policy, pod) {
                continue;
            }
            for (index, rule) in rules.iter().enumerate() {
                let port_ok = rule.allows_port(protocol, port, dst_ports);
                let (matched, at) = if port_ok { rule_match(engine, rule, q.peer) } else { (Match::No, None) };
                match matched {
                    Match::Yes => {
                        let decision = rule.action.decision();
                        if let Some(t) = trace.as_mut() {
                            t.rules.push(Self::rule_evidence(policy, index, rule, at));
                        }
                        decided = Some((decision, pi));
                        break 'policies;
                    }
                    Match::Undecidable => {
                        if let Some(t) = trace.as_mut() {
                            t.notes.push(Self::undecidable_note(policy, index, rule, q.peer));
                        }
                    }
                    Match::No => {
                        if let Some(t) = trace.as_mut()
                            && rule.action == Action::Allow
                        {
                            t.misses.push(Self::miss(engine, policy, index, rule, q, port_ok));
                        }
                    }
                }
            }
        }
        let decision = decided.map_or(Decision::NoOpinion, |(d, _)| d);
        if let Some(t) = trace.as_mut() {
            t.decision = decision.into();
            if let Some((_, pi)) = decided {
                let matching: Vec<usize> = (0..self.policies.len())
                    .filter(|&i| {
                        let p = self.policies[i];
                        self.selects(engine, p, pod) && self.policy_matches(engine, p, q, port, protocol)
                    })
                    .collect();
                t.notes.extend(self.order_notes(pi, &matching));
            }
            if decision == Decision::Allow {
                t.misses.clear();
            }
        }
        (decision, trace)
    }

    /// One side over a set of ports: each matching rule decides the ports it names among those
    /// still open in this tier, then removes them.
    fn set(
        &self,
        engine: &Engine<'_>,
        q: &SideQuery<'_>,
        pod: &Pod,
        scope: &PortSet,
    ) -> (Answer, Option<LayerEvidence>) {
        let mut trace = q.detail.then(|| LayerEvidence::new(self.tier.id(), Outcome::NoOpinion));
        let mut remaining = scope.clone();
        let (mut allow, mut deny) = (PortSet::empty(), PortSet::empty());
        for policy in &self.policies {
            if policy.rules(q.direction).is_empty() || !self.selects(engine, policy, pod) {
                continue;
            }
            Self::policy_set(engine, policy, q, scope, &mut remaining, &mut allow, &mut deny, trace.as_mut());
            if remaining.is_empty() {
                break;
            }
        }
        let answer = Answer::Set { allow, deny };
        if let Some(t) = trace.as_mut() {
            let of = LayerEvidence::of(self.tier.id(), &answer);
            t.decision = of.decision;
            t.allowed_ports = of.allowed_ports;
            t.denied_ports = of.denied_ports;
            if t.decision == Outcome::NoOpinion && !t.rules.is_empty() {
                t.decision = Outcome::Pass;
            }
        }
        (answer, trace)
    }

    /// One policy's rules for one side, over the ports of `scope` still open (`remaining`): each
    /// matching rule decides the ports it names among them (Allow into `allow`, Deny into `deny`,
    /// Pass hands them on) and removes them from `remaining`; with a trace, the evidence. Also
    /// how Calico's `kube-admin` and `kube-baseline` tiers evaluate these policies as members.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn policy_set(
        engine: &Engine<'_>,
        policy: &ClusterPolicy,
        q: &SideQuery<'_>,
        scope: &PortSet,
        remaining: &mut PortSet,
        allow: &mut PortSet,
        deny: &mut PortSet,
        mut trace: Option<&mut LayerEvidence>,
    ) {
        let dst_ports = q.destination.container_ports();
        for (index, rule) in policy.rules(q.direction).iter().enumerate() {
            let ports = rule.port_set(dst_ports).intersection(remaining);
            let (matched, at) = if ports.is_empty() { (Match::No, None) } else { rule_match(engine, rule, q.peer) };
            match matched {
                Match::Yes => {
                    match rule.action {
                        Action::Allow => allow.union_with(&ports),
                        Action::Deny => deny.union_with(&ports),
                        Action::Pass => {}
                    }
                    *remaining = remaining.difference(&ports);
                    if let Some(t) = trace.as_deref_mut() {
                        let mut e = Self::rule_evidence(policy, index, rule, at);
                        e.port_text = ports.to_string();
                        e.ports = Some(ports);
                        t.rules.push(e);
                    }
                    if remaining.is_empty() {
                        return;
                    }
                }
                Match::Undecidable => {
                    if let Some(t) = trace.as_deref_mut() {
                        t.notes.push(Self::undecidable_note(policy, index, rule, q.peer));
                    }
                }
                Match::No => {
                    if let Some(t) = trace.as_deref_mut()
                        && rule.action == Action::Allow
                    {
                        let port_ok = !rule.port_set(dst_ports).intersection(scope).is_empty();
                        t.misses.push(Self::miss(engine, policy, index, rule, q, port_ok));
                    }
                }
            }
        }
    }
}

impl Layer for TierLayer<'_> {
    fn id(&self) -> &str {
        self.tier.id()
    }

    fn answer(&self, engine: &Engine<'_>, q: &SideQuery<'_>, ports: Ports<'_>, side: &mut Side) -> Answer {
        let pod = match q.subject {
            Endpoint::Pod(p) if !p.host_network => p,
            _ => {
                let answer = Answer::no_opinion(ports);
                if q.detail && q.layered {
                    side.layers.push(LayerEvidence::of(self.tier.id(), &answer));
                }
                return answer;
            }
        };
        let (answer, trace) = match ports {
            Ports::One { port, protocol } => {
                let (d, t) = self.one(engine, q, pod, port, protocol);
                (Answer::One(d), t)
            }
            Ports::Set(scope) => self.set(engine, q, pod, scope),
        };
        if let Some(evidence) = trace
            && q.layered
        {
            side.layers.push(evidence);
        }
        answer
    }

    fn plan<'p>(&'p self, engine: &'p Engine<'_>, groups: &'p [&'p Pod]) -> Box<dyn LayerPlan + 'p> {
        Box::new(TierPlan::new(self, engine, groups))
    }

    fn coverage(&self, engine: &Engine<'_>, namespace: &str, pods: &[&Pod], direction: Direction) -> LayerCoverage {
        let ipv6 = engine.pod_addresses().uses_ipv6();
        let mut out = LayerCoverage::hands_on(pods.len());
        let mut opening: BTreeSet<usize> = BTreeSet::new();
        let mut restricting: BTreeSet<usize> = BTreeSet::new();
        let mut known: HashMap<(&Labels, bool), (Coverage, Option<usize>)> = HashMap::new();
        for (i, pod) in pods.iter().enumerate() {
            let key = (&*pod.labels, pod.host_network);
            let (c, by) = *known.entry(key).or_insert_with(|| {
                let selecting = self.policies.iter().enumerate().filter(|(_, p)| self.selects(engine, p, pod));
                catch_all(selecting, direction, ipv6)
            });
            out.pods[i] = c;
            match (c, by) {
                (Coverage::AllowedAll, Some(p)) => {
                    opening.insert(p);
                }
                (Coverage::Restricted, Some(p)) => {
                    restricting.insert(p);
                }
                _ => {}
            }
        }
        // A pod created tomorrow: only the policies that select every pod of the namespace.
        let labels = engine.namespace_labels(namespace);
        let wide = self.policies.iter().enumerate().filter(|(_, p)| match &p.subject {
            Subject::Namespaces(s) => s.matches(&labels.labels),
            Subject::Pods { namespaces, pods } => pods.is_empty() && namespaces.matches(&labels.labels),
        });
        let (new_pod, by) = catch_all(wide, direction, ipv6);
        out.new_pod = new_pod;
        out.new_pod_policies = by.map(|i| vec![self.policies[i].describe()]).unwrap_or_default();
        out.opening = opening.into_iter().map(|i| self.policies[i].describe()).collect();
        out.restricting = restricting.into_iter().map(|i| self.policies[i].describe()).collect();
        out
    }

    fn port_cuts(&self, _: &Engine<'_>, protocol: Protocol, cuts: &mut BTreeSet<u32>) {
        for policy in &self.policies {
            policy_port_cuts(policy, protocol, cuts);
        }
    }

    fn address_blocks(&self, _: &Engine<'_>, out: &mut Vec<IpBlock>) {
        for policy in &self.policies {
            policy_address_blocks(policy, out);
        }
    }
}

/// Where a policy's numbered ports and ranges cut the port line of `protocol`.
pub(crate) fn policy_port_cuts(policy: &ClusterPolicy, protocol: Protocol, cuts: &mut BTreeSet<u32>) {
    for rule in policy.ingress.iter().chain(&policy.egress) {
        for port in rule.ports.iter().flatten() {
            match port {
                TierPort::Number { protocol: p, port } if *p == protocol => {
                    cuts.insert(u32::from(*port));
                    cuts.insert(u32::from(*port) + 1);
                }
                TierPort::Range { protocol: p, start, end } if *p == protocol => {
                    cuts.insert(u32::from(*start));
                    cuts.insert(u32::from(*end) + 1);
                }
                _ => {}
            }
        }
    }
}

/// The address blocks a policy's `networks` name.
pub(crate) fn policy_address_blocks(policy: &ClusterPolicy, out: &mut Vec<IpBlock>) {
    for rule in &policy.egress {
        for peer in &rule.peers {
            if let TierPeer::Networks(nets) = peer {
                out.extend(nets.iter().map(|n| IpBlock { cidr: *n, except: Vec::new() }));
            }
        }
    }
}

/// The first rule, in order, that covers every peer on every port, among the rules of
/// `selecting` for `direction`: an Allow makes the pod `AllowedAll`, a Deny `Restricted`, a Pass
/// (or no such rule) hands it on. Every peer is every pod for ingress (the API cannot name
/// another source), and every address for egress (which every pod's is).
fn catch_all<'a>(
    selecting: impl Iterator<Item = (usize, &'a &'a ClusterPolicy)>,
    direction: Direction,
    ipv6: bool,
) -> (Coverage, Option<usize>) {
    for (i, policy) in selecting {
        if let Some(action) = catch_all_rule(policy, direction, ipv6) {
            return match action {
                Action::Allow => (Coverage::AllowedAll, Some(i)),
                Action::Deny => (Coverage::Restricted, Some(i)),
                Action::Pass => (Coverage::HandsOn, None),
            };
        }
    }
    (Coverage::HandsOn, None)
}

/// The action of a policy's first rule for `direction` that covers every peer on every port.
pub(crate) fn catch_all_rule(policy: &ClusterPolicy, direction: Direction, ipv6: bool) -> Option<Action> {
    policy
        .rules(direction)
        .iter()
        .find(|rule| rule.ports.is_none() && covers_every_peer(rule, direction, ipv6))
        .map(|rule| rule.action)
}

/// Whether a rule's peers match every peer there can be in `direction`.
fn covers_every_peer(rule: &TierRule, direction: Direction, ipv6: bool) -> bool {
    let every_pod = rule.peers.iter().any(|p| match p {
        TierPeer::Namespaces(s) => s.is_empty(),
        TierPeer::Pods { namespaces, pods } => namespaces.is_empty() && pods.is_empty(),
        _ => false,
    });
    match direction {
        Direction::Ingress => every_pod,
        Direction::Egress => {
            let nets: Vec<&IpNet> = rule
                .peers
                .iter()
                .filter_map(|p| match p {
                    TierPeer::Networks(n) => Some(n.iter()),
                    _ => None,
                })
                .flatten()
                .collect();
            let v4 = nets.iter().any(|n| matches!(n, IpNet::V4(n) if n.prefix_len() == 0));
            let v6 = nets.iter().any(|n| matches!(n, IpNet::V6(n) if n.prefix_len() == 0));
            v4 && (v6 || !ipv6)
        }
    }
}

/// What `matrix` consults, computed once per matrix: per group and direction, the tier's
/// policies that select it, and per rule the groups its peers match.
struct TierPlan<'p> {
    layer: &'p TierLayer<'p>,
    groups: &'p [&'p Pod],
    words: usize,
    /// Per group: (ingress, egress) indices of the policies selecting it with rules that way.
    selecting: Vec<[Vec<usize>; 2]>,
    /// Per (policy, direction, rule): the groups its peers match.
    peers: HashMap<(usize, Direction, usize), Vec<u64>>,
}

fn slot(d: Direction) -> usize {
    match d {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

impl<'p> TierPlan<'p> {
    fn new(layer: &'p TierLayer<'_>, engine: &'p Engine<'_>, groups: &'p [&'p Pod]) -> Self {
        // The layer's policies outlive the plan: narrow the lifetime for the struct.
        let layer: &'p TierLayer<'p> = layer;
        let words = groups.len().div_ceil(64);
        let selecting: Vec<[Vec<usize>; 2]> = groups
            .iter()
            .map(|g| {
                let of = |d: Direction| {
                    (0..layer.policies.len())
                        .filter(|&i| {
                            let p = layer.policies[i];
                            !p.rules(d).is_empty() && layer.selects(engine, p, g)
                        })
                        .collect()
                };
                [of(Direction::Ingress), of(Direction::Egress)]
            })
            .collect();
        let mut peers = HashMap::new();
        for (pi, policy) in layer.policies.iter().enumerate() {
            for d in [Direction::Ingress, Direction::Egress] {
                if !selecting.iter().any(|s| s[slot(d)].contains(&pi)) {
                    continue;
                }
                for (ri, rule) in policy.rules(d).iter().enumerate() {
                    let mut bits = vec![0u64; words];
                    for (g, pod) in groups.iter().enumerate() {
                        if rule_match(engine, rule, Endpoint::Pod(pod)).0 == Match::Yes {
                            bits[g / 64] |= 1 << (g % 64);
                        }
                    }
                    peers.insert((pi, d, ri), bits);
                }
            }
        }
        TierPlan { layer, groups, words, selecting, peers }
    }
}

impl LayerPlan for TierPlan<'_> {
    fn row(&self, row: Row<'_>, allow: &mut [u64], deny: &mut [u64]) {
        let Row { direction, subject, port, protocol, undecided } = row;
        let policies = &self.selecting[subject][slot(direction)];
        if policies.is_empty() {
            return;
        }
        let mut open: Vec<u64> = undecided.to_vec();
        let mut matched = vec![0u64; self.words];
        for &pi in policies {
            let policy = self.layer.policies[pi];
            for (ri, rule) in policy.rules(direction).iter().enumerate() {
                let bits = &self.peers[&(pi, direction, ri)];
                // Named ports resolve on the destination: each other group for egress, the
                // subject for ingress; numbers and ranges need no destination.
                if direction == Direction::Egress && rule.names_a_port() {
                    for (k, w) in matched.iter_mut().enumerate() {
                        *w = bits[k] & open[k];
                    }
                    for (g, dst) in self.groups.iter().enumerate() {
                        if matched[g / 64] & (1 << (g % 64)) != 0 && !rule.allows_port(protocol, port, Some(&dst.ports))
                        {
                            matched[g / 64] &= !(1 << (g % 64));
                        }
                    }
                } else {
                    if !rule.allows_port(protocol, port, Some(&self.groups[subject].ports)) {
                        continue;
                    }
                    for (k, w) in matched.iter_mut().enumerate() {
                        *w = bits[k] & open[k];
                    }
                }
                let mut left = false;
                for k in 0..self.words {
                    match rule.action {
                        Action::Allow => allow[k] |= matched[k],
                        Action::Deny => deny[k] |= matched[k],
                        Action::Pass => {}
                    }
                    open[k] &= !matched[k];
                    left |= open[k] != 0;
                }
                if !left {
                    return;
                }
            }
        }
    }
}
