//! Flow evaluation: is traffic from one endpoint to another allowed, and why.
//!
//! A flow is allowed when the source's egress and the destination's ingress both allow it
//! (replies are allowed statefully, so only the initiating direction is evaluated). Each side runs
//! the cluster's policy layers in order (`pipeline`): the first that decides, decides; a side no
//! layer decides is allowed. Flows no policy can block (a pod to itself, a pod and its own node)
//! are settled first. `evaluate` returns the evidence; `decide` answers the same question through
//! the same code without collecting it.
//!
//! The `Engine` is built once per snapshot: it indexes namespaces and nodes by name and builds the
//! layers; it is what commands, `matrix` and `list` hold.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::net::IpAddr;

use super::coverage::PodAddresses;
use super::model::{ContainerPort, Labels, Namespace, Node, Peer, Pod, Policy, Protocol, Snapshot};
use super::netpol::NetworkPolicies;
use super::pipeline::{self, Layer, Ports, SideQuery};
use super::ports::PortSet;
use super::verdict::{Direction, Override, PeerMiss, PortQuery, Side, Verdict};

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

    pub(crate) fn container_ports(&self) -> Option<&'a [ContainerPort]> {
        self.pod().map(|p| &*p.ports)
    }

    /// The addresses traffic from or to this endpoint carries.
    pub fn ips(&self) -> &[IpAddr] {
        match self {
            Endpoint::Pod(p) => &p.ips,
            Endpoint::Ip(ip) => std::slice::from_ref(ip),
        }
    }
}

/// The labels of a namespace and whether they were actually read.
pub struct NamespaceLabels<'a> {
    pub labels: Cow<'a, Labels>,
    pub known: bool,
}

/// The evaluator over one snapshot: namespaces and nodes by name, NetworkPolicies by namespace,
/// and the cluster's policy layers.
pub struct Engine<'s> {
    snapshot: &'s Snapshot,
    namespaces: HashMap<&'s str, &'s Namespace>,
    nodes: HashMap<&'s str, &'s Node>,
    network_policies: NetworkPolicies<'s>,
    layers: Vec<Box<dyn Layer + 's>>,
    /// Cilium enforces the cluster's policies (`cilium::in_use`).
    cilium: bool,
    /// What "every pod's address" means for `list`, computed on first use.
    pod_addresses: OnceCell<PodAddresses>,
}

impl<'s> Engine<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        let namespaces = snapshot.namespaces.iter().map(|n| (n.name.as_str(), n)).collect();
        let nodes = snapshot.nodes.iter().map(|n| (n.name.as_str(), n)).collect();
        let cilium = super::cilium::in_use(snapshot);
        Engine {
            snapshot,
            namespaces,
            nodes,
            network_policies: NetworkPolicies::new(snapshot).enforced_by_cilium(cilium),
            layers: pipeline::layers(snapshot),
            cilium,
            pod_addresses: OnceCell::new(),
        }
    }

    /// An engine over `snapshot` with the given layers instead of the cluster's (tests of the
    /// pipeline itself).
    #[cfg(test)]
    pub(crate) fn with_layers(snapshot: &'s Snapshot, layers: Vec<Box<dyn Layer + 's>>) -> Self {
        Engine { layers, ..Engine::new(snapshot) }
    }

    /// The addresses pods have (for `list`: "every pod" in terms of ipBlocks).
    pub fn pod_addresses(&self) -> &PodAddresses {
        self.pod_addresses.get_or_init(|| PodAddresses::of(self.snapshot))
    }

    pub fn snapshot(&self) -> &'s Snapshot {
        self.snapshot
    }

    /// The cluster's policy layers, in evaluation order.
    pub fn layers(&self) -> &[Box<dyn Layer + 's>] {
        &self.layers
    }

    /// The NetworkPolicies of the snapshot, indexed (what the hints and `--suggest` consult).
    pub fn network_policies(&self) -> &NetworkPolicies<'s> {
        &self.network_policies
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

    /// The NetworkPolicies of a namespace, by name.
    pub fn policies_in(&self, namespace: &str) -> &[&'s Policy] {
        self.network_policies.policies_in(namespace)
    }

    /// The NetworkPolicies that select `pod` and isolate it for `direction`.
    pub fn isolating(&self, pod: &Pod, direction: Direction) -> impl Iterator<Item = &'s Policy> + '_ {
        self.network_policies.isolating(pod, direction)
    }

    /// Whether one `from`/`to` entry of a NetworkPolicy matches `other`.
    pub fn peer_matches(&self, policy: &Policy, peer: &Peer, other: Endpoint) -> bool {
        self.network_policies.peer_matches(self, policy, peer, other)
    }

    /// Why one `from`/`to` entry of a NetworkPolicy does not match `other` (call only when
    /// `peer_matches` is false).
    pub fn peer_miss(&self, policy: &Policy, peer: &Peer, other: Endpoint) -> PeerMiss {
        self.network_policies.peer_miss(self, policy, peer, other)
    }

    /// The node a pod runs on, when both are known.
    pub fn node_of(&self, pod: &Pod) -> Option<&'s Node> {
        pod.node.as_deref().and_then(|n| self.nodes.get(n).copied())
    }

    /// The node owning `ip`, if any.
    pub fn node_with_address(&self, ip: IpAddr) -> Option<&'s Node> {
        self.snapshot.nodes.iter().find(|n| n.addresses.contains(&ip))
    }

    /// Whether Cilium enforces the cluster's policies.
    pub fn cilium(&self) -> bool {
        self.cilium
    }

    /// Flows no policy can block: a pod to itself, and a pod to or from its own node (or a
    /// host-network pod on it). On Cilium only from the node (`allow-localhost`): a pod's egress
    /// to its node, or to a host-network pod on it, is policy's business (the `host` entity).
    pub fn override_reason(&self, from: Endpoint, to: Endpoint) -> Option<Override> {
        match (from, to) {
            (Endpoint::Pod(a), Endpoint::Pod(b)) => pod_pair_override(a, b, self.cilium),
            (Endpoint::Pod(_), Endpoint::Ip(_)) if self.cilium => None,
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
        self.evaluate_with(from, to, query, false)
    }

    /// The verdict on a flow to `to` through a Service: as `evaluate`, except when the Service
    /// sends a pod's traffic back to the pod itself (hairpin) and the cluster has cluster-wide
    /// tiers, which the network-policy API says apply to such traffic (they are enforced outside
    /// the pod; only a pod's traffic to its own pod IP is exempt). NetworkPolicy still cannot
    /// block it.
    pub fn evaluate_through_service(&self, from: Endpoint, to: Endpoint, query: PortQuery) -> Verdict {
        let hairpin = self.layers.len() > 1
            && matches!((from, to), (Endpoint::Pod(a), Endpoint::Pod(b)) if a.namespace == b.namespace && a.name == b.name);
        self.evaluate_with(from, to, query, hairpin)
    }

    fn evaluate_with(&self, from: Endpoint, to: Endpoint, query: PortQuery, hairpin: bool) -> Verdict {
        let egress = self.side_of(Direction::Egress, from, to, to, query, true, hairpin);
        let ingress = self.side_of(Direction::Ingress, to, from, to, query, true, hairpin);
        let override_reason = if hairpin { None } else { self.override_reason(from, to) };
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

    /// One side of a flow: `subject`'s layers for `direction`, against `peer`. Named ports are
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
        self.side_of(direction, subject, peer, destination, query, detail, false)
    }

    /// `side`, for a flow that may be a pod's traffic to itself through a Service (`hairpin`).
    #[allow(clippy::too_many_arguments)]
    fn side_of(
        &self,
        direction: Direction,
        subject: Endpoint,
        peer: Endpoint,
        destination: Endpoint,
        query: PortQuery,
        detail: bool,
        hairpin: bool,
    ) -> Side {
        let q = SideQuery { direction, subject, peer, destination, hairpin, detail, layered: self.layers.len() > 1 };
        let mut side = Side::empty(direction);
        if detail {
            side.subject = subject.display();
        }
        match query {
            PortQuery::Port { port, protocol } => {
                let (allowed, _) = pipeline::run_side(self, &q, Ports::One { port, protocol }, &mut side);
                side.allowed = allowed;
            }
            PortQuery::Any { .. } => {
                let scope = query.scope().unwrap_or_else(PortSet::all);
                let (allowed, ports) = pipeline::run_side(self, &q, Ports::Set(&scope), &mut side);
                side.allowed = allowed;
                side.allowed_ports = ports;
            }
        }
        side
    }
}

/// Between two pods, `a` to `b`: a pod to itself, and a host-network pod (whose traffic leaves
/// from its node) to or from a pod on that node. On Cilium (`cilium`) a host-network pod is its
/// node (the `host` entity), so it follows the node's rule: from it to a pod on its node always
/// (`allow-localhost`), but a pod's egress to it is policy's business, as to the node's address.
pub fn pod_pair_override(a: &Pod, b: &Pod, cilium: bool) -> Option<Override> {
    if a.namespace == b.namespace && a.name == b.name {
        return Some(Override::SelfTraffic);
    }
    node_local(a, b, cilium).then_some(Override::NodeLocal)
}

/// Between two distinct pods, `a` to `b`: one uses the host network and both run on the same
/// node; on Cilium, only from the host-network one (see `pod_pair_override`).
pub fn node_local(a: &Pod, b: &Pod, cilium: bool) -> bool {
    let from_host = if cilium { a.host_network } else { a.host_network || b.host_network };
    from_host && a.node.is_some() && a.node == b.node
}
