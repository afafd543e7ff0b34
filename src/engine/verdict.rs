//! The verdict on one flow, with its evidence: per direction, the policies that isolate, the rule
//! that allows, and for a blocked flow each isolating policy's nearest miss; on a cluster with
//! several policy layers, what each layer decided (`Side::layers`). Serializable as the `-o json`
//! contract; renderers read it, never recompute it.

use std::net::IpAddr;

use serde::Serialize;

use super::model::Protocol;
use super::ports::PortSet;
use super::selector::Unmet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// The port a flow is evaluated at, or every port ("which ports, if any?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortQuery {
    Port {
        port: u16,
        protocol: Protocol,
    },
    /// Every port, or every port of one protocol (`why a b/udp`).
    Any {
        protocol: Option<Protocol>,
    },
}

impl PortQuery {
    pub const ANY: PortQuery = PortQuery::Any { protocol: None };

    /// For `Any`: the ports in question (all, or all of one protocol); `None` for one port.
    pub fn scope(self) -> Option<PortSet> {
        match self {
            PortQuery::Port { .. } => None,
            PortQuery::Any { protocol: None } => Some(PortSet::all()),
            PortQuery::Any { protocol: Some(p) } => {
                let mut s = PortSet::empty();
                s.insert(p, super::ports::MIN_PORT, super::ports::MAX_PORT);
                Some(s)
            }
        }
    }
}

/// The verdict on one flow.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub allowed: bool,
    /// Why the flow is allowed regardless of policy, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<Override>,
    /// With `PortQuery::Any`: the ports and protocols both sides allow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_ports: Option<PortSet>,
    pub egress: Side,
    pub ingress: Side,
    pub caveats: Vec<Note>,
    pub hints: Vec<Note>,
}

/// Flows that NetworkPolicy cannot block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Override {
    /// A pod talking to itself: the traffic never leaves the pod.
    SelfTraffic,
    /// Traffic between a pod and the node it runs on is always allowed.
    NodeLocal,
}

/// What the policies of one side (the source's egress, or the destination's ingress) say.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    pub direction: Direction,
    /// The endpoint whose policies apply on this side: `ns/pod`, or an IP address.
    pub subject: String,
    /// False when no NetworkPolicy governs this side (see `not_applied`).
    pub applies: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applied: Option<NotApplied>,
    pub isolated: bool,
    pub allowed: bool,
    /// With `PortQuery::Any`: the ports this side allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_ports: Option<PortSet>,
    /// Every policy that selects the subject for this direction.
    pub policies: Vec<PolicyEvidence>,
    /// The peer's namespace when its labels were not read and a namespaceSelector of these
    /// policies looks at a label other than its name: the answer rests on labels unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespace_labels_unknown: Vec<String>,
    /// With more than one policy layer (the cluster-wide tiers, a network plugin's own kinds):
    /// each layer in evaluation order, what it decided and why. Empty, and left out of JSON, on a
    /// cluster with NetworkPolicy only: `policies` says it all there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerEvidence>,
}

impl Side {
    /// A side with nothing recorded yet.
    pub fn empty(direction: Direction) -> Side {
        Side {
            direction,
            subject: String::new(),
            applies: true,
            not_applied: None,
            isolated: false,
            allowed: false,
            allowed_ports: None,
            policies: Vec::new(),
            namespace_labels_unknown: Vec::new(),
            layers: Vec::new(),
        }
    }
}

/// Why a side has no NetworkPolicy to consult.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotApplied {
    /// The subject is an IP address outside the cluster.
    External,
    /// The subject is a host-network pod, which policies do not select in most network plugins.
    HostNetwork,
}

/// What one isolating policy says about the flow.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyEvidence {
    pub namespace: String,
    pub name: String,
    pub allows: bool,
    /// `policyTypes` was absent and came from the API server's defaulting.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub policy_types_defaulted: bool,
    /// How many rules this policy has for the direction.
    pub rule_count: usize,
    /// The rules that allow the flow (all of them, in order).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<RuleMatch>,
    /// When the policy does not allow the flow: the rule that came closest, and what differed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_miss: Option<Miss>,
    /// With `PortQuery::Any`: the ports this policy allows for this peer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_ports: Option<PortSet>,
}

/// A rule that allows the flow.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleMatch {
    /// Index into the policy's `ingress` or `egress` list.
    pub rule: usize,
    /// Index of the matching `from`/`to` entry; absent when the rule has none (every peer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<usize>,
    /// The matching entry, described: `podSelector app=web`, `every peer`, ...
    pub peer_text: String,
    /// Index of the matching `ports` entry; absent when the rule has none (every port).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<usize>,
    pub port_text: String,
    /// The peer matched through an `ipBlock` holding a pod's IP.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ip_block_on_pod: bool,
}

/// The closest a non-allowing policy came to allowing the flow.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Miss {
    pub kind: MissKind,
    /// The nearest rule; absent when the policy has no rules for this direction (it only isolates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<usize>,
    /// The nearest `from`/`to` entry of that rule, when the peer is what differed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_miss: Option<PeerMiss>,
    /// Set when the rule's ports do not include the flow's port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_miss: Option<PortMiss>,
}

/// What kept a policy from allowing the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissKind {
    /// The policy has no rules for this direction: it only isolates.
    NoRules,
    /// The nearest rule's peer matches; its ports do not include the flow's.
    Port,
    /// The nearest rule's ports fit; its peer does not match.
    Peer,
    /// Neither the peer nor the port of the nearest rule matches.
    PeerAndPort,
}

impl Miss {
    /// The peer matched; only the port differs.
    pub fn is_port_only(&self) -> bool {
        self.rule.is_some() && self.peer_miss.is_none() && self.port_miss.is_some()
    }
}

/// Why a `from`/`to` entry does not match the other end of the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case", rename_all_fields = "camelCase")]
pub enum PeerMiss {
    /// Selector entry: the pod's or its namespace's labels differ.
    Labels {
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pod: Vec<Unmet>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        namespace: Vec<Unmet>,
        peer_namespace: String,
        /// False when the namespace's labels were not read (only `kubernetes.io/metadata.name` is
        /// certain).
        namespace_labels_known: bool,
        /// The entry has both `podSelector` and `namespaceSelector` (AND).
        both_selectors: bool,
    },
    /// `podSelector` without `namespaceSelector` selects pods of the policy's own namespace only.
    OtherNamespace {
        policy_namespace: String,
        peer_namespace: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pod: Vec<Unmet>,
    },
    /// `ipBlock`: the address is outside the CIDR.
    OutsideCidr { ip: IpAddr, cidr: String },
    /// `ipBlock`: the address is inside the CIDR but also inside an `except`.
    Excepted { ip: IpAddr, cidr: String, except: String },
    /// `ipBlock` against a pod without an IP (not scheduled, or a workload's template).
    NoIp,
    /// A selector entry only matches pods; the peer is an address outside the cluster.
    NotAPod { ip: IpAddr },
    /// A selector entry against a host-network pod: its traffic carries the node's IP.
    HostNetwork,
    /// A Calico rule's source or destination: the requirements the peer does not meet.
    CalicoSelector { requirements: Vec<String> },
    /// A `nodes` entry (cluster-wide tiers): the node's labels differ.
    NodeLabels { unmet: Vec<Unmet> },
    /// A `nodes` entry against an address that is no node's (or a pod not on the host network).
    NotANode {
        #[serde(skip_serializing_if = "Option::is_none")]
        address: Option<IpAddr>,
    },
    /// A `domainNames` entry: whether it matches depends on DNS, which the cluster's state does
    /// not tell.
    DomainName,
    /// An entry of a kind this tool does not know (a newer API): treated as the API asks
    /// (fail closed).
    UnknownPeer,
}

/// The flow's port is not among a rule's ports.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMiss {
    /// The rule's `ports` entries: `TCP/8080`, `UDP/dns`, ...
    pub rule_ports: Vec<String>,
    /// What they allow for this destination (named ports resolved).
    pub resolves_to: PortSet,
}

/// A caveat or a hint: a stable `kind` for scripts and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub kind: &'static str,
    pub message: String,
}

impl Note {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Note { kind, message: message.into() }
    }
}

/// What one layer did for one side of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Allow,
    Deny,
    /// Handed on by a `Pass` rule.
    Pass,
    /// Nothing in the layer applied: handed on.
    NoOpinion,
    /// Asked about every port: it allowed some and denied others (see the ports).
    Mixed,
    /// An earlier layer decided every port: this one was not asked.
    NotReached,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Pass => "pass",
            Outcome::NoOpinion => "no-opinion",
            Outcome::Mixed => "mixed",
            Outcome::NotReached => "not-reached",
        }
    }
}

/// One layer's part in one side of a flow (an entry of `layers` in `-o json`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerEvidence {
    /// `admin`, `networkpolicy`, `baseline` (later `calico-tier:<name>`, ...).
    pub layer: String,
    pub decision: Outcome,
    /// Asked about every port: the ports it allowed, and those it denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_ports: Option<PortSet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_ports: Option<PortSet>,
    /// The rules that decided, in evaluation order: the Pass hand-offs on the way, then the rule
    /// that allowed or denied (one per range of ports, asked about every port).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleEvidence>,
    /// For a blocked side: each rule of this layer that could have allowed the flow had it
    /// matched, and what differed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub misses: Vec<RuleMiss>,
    /// What the layer could not decide from the cluster's state, or assumed (a domain name, two
    /// policies at one priority): said here and among the verdict's caveats.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// A tier's policies that select the subject for this direction, in evaluation order
    /// (Calico: `GlobalNetworkPolicy default-deny`, `KubernetesNetworkPolicy prod/web`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub selecting: Vec<String>,
    /// A tier's default action, when it applied (no rule of the tier decided).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_of_tier: Option<EndOfTier>,
    /// The policies of the layer that isolate the subject in this direction (default deny), as
    /// `Kind namespace/name`, when the layer has the notion.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub isolated_by: Vec<String>,
}

/// The end of a tier that selected the subject and whose rules decided nothing.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndOfTier {
    pub tier: String,
    /// `Deny` or `Pass`.
    pub action: String,
    /// Asked about every port: the ports it applied to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<PortSet>,
}

impl Side {
    /// The layer that denied this side (some of its ports, asked about every port), and the rule
    /// that decided, when a layer of several did: `None` with NetworkPolicy alone.
    pub fn denied_by(&self) -> Option<(&LayerEvidence, Option<&RuleEvidence>)> {
        self.layers
            .iter()
            .find(|l| match l.decision {
                Outcome::Deny => true,
                Outcome::Mixed => l.denied_ports.as_ref().is_some_and(|p| !p.is_empty()),
                _ => false,
            })
            .map(|l| (l, l.rules.iter().rev().find(|r| r.decision == Outcome::Deny)))
    }
}

impl LayerEvidence {
    pub fn new(layer: &str, decision: Outcome) -> Self {
        LayerEvidence {
            layer: layer.to_string(),
            decision,
            allowed_ports: None,
            denied_ports: None,
            rules: Vec::new(),
            misses: Vec::new(),
            notes: Vec::new(),
            selecting: Vec::new(),
            end_of_tier: None,
            isolated_by: Vec::new(),
        }
    }

    pub fn not_reached(layer: &str) -> Self {
        LayerEvidence::new(layer, Outcome::NotReached)
    }
}

/// A rule of some policy, as evidence: which policy (kind, name, priority), which rule, and what
/// it matched.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleEvidence {
    /// `NetworkPolicy`, `AdminNetworkPolicy`, `BaselineAdminNetworkPolicy`, `ClusterNetworkPolicy`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// A Calico policy's `order` (a Kubernetes NetworkPolicy in Calico's default tier: 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<f64>,
    /// Index into the policy's rules for the direction.
    pub rule: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    /// The action as the policy spells it: `Allow`, `Accept`, `Deny`, `Pass`.
    pub action: String,
    pub decision: Outcome,
    /// Index of the matching peer entry; absent when the rule matches every peer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<usize>,
    pub peer_text: String,
    pub port_text: String,
    /// Asked about every port: the ports this rule decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<PortSet>,
}

/// A rule that could have allowed a blocked flow, and its nearest miss.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleMiss {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    pub rule: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    pub action: String,
    pub miss: Miss,
}
