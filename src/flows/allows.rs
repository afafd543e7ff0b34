//! The allows that keep observed flows working once a default deny is in place.
//!
//! Each blocked side of each flow becomes a narrow allow through `kit::suggest` (the selection
//! logic `why --suggest` uses: a workload by its selector, a pod by its stable labels, a peer in
//! another namespace ANDed with `kubernetes.io/metadata.name`, an address as a /32 ipBlock, a
//! `--group-cidr` as its CIDR). Those are then merged into one ingress policy per destination and
//! one egress policy per source, with one rule per set of ports (peers that share ports share a
//! rule), and ports named where the destination names them. Names in use are never reused.
//! Pure: the caller reads the result back and checks it with the engine.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::map::{Flow, Peer, PeerKind, Rep, Resolved};
use crate::engine::verdict::Direction;
use crate::engine::{ContainerPort, Protocol};
use crate::kit::build::DESCRIPTION_ANNOTATION;
use crate::kit::suggest::{self, BlockedFlow, Party};

/// A flow the allows must let through, and which of its sides block it.
#[derive(Debug, Clone, Copy)]
pub struct Needed<'r> {
    pub flow: &'r Flow,
    pub egress_blocked: bool,
    pub ingress_blocked: bool,
}

/// The generated policies, and the flows no policy can allow.
#[derive(Debug, Clone, Default)]
pub struct Allows {
    /// By namespace, then name.
    pub policies: Vec<NetworkPolicy>,
    pub warnings: Vec<String>,
    /// Flows whose blocked side is an address or a host-network pod, which NetworkPolicy cannot
    /// select: `from -> to port/PROTO: why`.
    pub not_selectable: Vec<String>,
}

/// The party `kit::suggest` names a peer by.
pub fn party(peer: &Peer) -> Option<Party> {
    let ns = peer.namespace.as_deref().unwrap_or_default();
    match &peer.kind {
        PeerKind::Workload { name, selector, .. } if !peer.host_network => {
            Some(Party::selected(ns, selector, name, peer.display.clone()))
        }
        PeerKind::Pod { name } | PeerKind::Gone { name } if !peer.host_network => match peer.reps.first() {
            Some(Rep::Pod(pod)) => Some(Party::pod(ns, name, &pod.labels, peer.display.clone())),
            _ => None,
        },
        PeerKind::Address { ip, .. } => Some(Party::Address { ip: *ip, what: peer.display.clone() }),
        PeerKind::Network { cidr } => Some(Party::Network { cidr: *cidr, what: peer.display.clone() }),
        // A host-network pod's traffic carries its node's address: no selector matches it.
        _ => None,
    }
}

/// The merged allows for `needed`. `taken(namespace, name)`: a policy of that name exists.
pub fn generate(resolved: &Resolved, needed: &[Needed], taken: impl Fn(&str, &str) -> bool) -> Allows {
    let mut out = Allows::default();
    // One suggestion per (direction, local, peer), with the local's short name and the
    // destination's declared ports for naming them.
    struct Piece {
        namespace: String,
        direction: Direction,
        selector: LabelSelector,
        short: String,
        locals: Vec<String>,
        peer_entry: NetworkPolicyPeer,
        peer: String,
        ports: Vec<NetworkPolicyPort>,
    }
    let mut pieces: Vec<Piece> = Vec::new();
    for n in needed {
        let (from, to) = (resolved.peer(n.flow.from), resolved.peer(n.flow.to));
        let describe = || format!("{} -> {} {}/{}", from.display, to.display, n.flow.port, n.flow.protocol);
        let (Some(from_party), Some(to_party)) = (party(from), party(to)) else {
            out.not_selectable.push(format!("{}: a host-network pod's traffic carries its node's address", describe()));
            continue;
        };
        let blocked = BlockedFlow {
            from: from_party,
            to: to_party,
            port: n.flow.port,
            protocol: n.flow.protocol,
            egress_blocked: n.egress_blocked,
            ingress_blocked: n.ingress_blocked,
        };
        let suggestions = match suggest::suggest(std::slice::from_ref(&blocked), |_, _| false) {
            Ok(s) => s,
            Err(e) => {
                out.not_selectable.push(format!("{}: {e}", describe()));
                continue;
            }
        };
        let destination_ports: &[ContainerPort] = match to.reps.first() {
            Some(Rep::Pod(p)) => &p.ports,
            _ => &[],
        };
        for s in suggestions {
            for w in &s.warnings {
                if !out.warnings.contains(w) {
                    out.warnings.push(w.clone());
                }
            }
            let (local, peer, local_party) = match s.direction {
                Direction::Egress => (from, to, &blocked.from),
                Direction::Ingress => (to, from, &blocked.to),
            };
            let Party::Pods { short, .. } = local_party else { continue };
            let spec = s.policy.spec.unwrap_or_default();
            let (peers, _) = match s.direction {
                Direction::Egress => {
                    let rule = spec.egress.unwrap_or_default().into_iter().next().unwrap_or_default();
                    (rule.to.unwrap_or_default(), rule.ports)
                }
                Direction::Ingress => {
                    let rule = spec.ingress.unwrap_or_default().into_iter().next().unwrap_or_default();
                    (rule.from.unwrap_or_default(), rule.ports)
                }
            };
            let Some(peer_entry) = peers.into_iter().next() else { continue };
            let port = named(n.flow.port, n.flow.protocol, destination_ports);
            let namespace = local.namespace.clone().unwrap_or_default();
            let selector = spec.pod_selector.unwrap_or_default();
            match pieces.iter_mut().find(|p| {
                p.namespace == namespace
                    && p.direction == s.direction
                    && p.selector == selector
                    && p.peer_entry == peer_entry
            }) {
                Some(p) => {
                    if !p.ports.contains(&port) {
                        p.ports.push(port);
                    }
                    if !p.locals.contains(&local.display) {
                        p.locals.push(local.display.clone());
                    }
                }
                None => pieces.push(Piece {
                    namespace,
                    direction: s.direction,
                    selector,
                    short: short.clone(),
                    locals: vec![local.display.clone()],
                    peer_entry,
                    peer: peer.display.clone(),
                    ports: vec![port],
                }),
            }
        }
    }
    // Merge the pieces: one policy per (namespace, direction, selected pods); in it one rule per
    // set of ports.
    let mut policies: BTreeMap<(String, String), NetworkPolicy> = BTreeMap::new();
    type Group<'p> = (String, Direction, LabelSelector, String, Vec<String>, Vec<&'p Piece>);
    let mut groups: Vec<Group> = Vec::new();
    for p in &pieces {
        match groups.iter_mut().find(|g| g.0 == p.namespace && g.1 == p.direction && g.2 == p.selector) {
            Some(g) => {
                for l in &p.locals {
                    if !g.4.contains(l) {
                        g.4.push(l.clone());
                    }
                }
                g.5.push(p)
            }
            None => groups.push((
                p.namespace.clone(),
                p.direction,
                p.selector.clone(),
                p.short.clone(),
                p.locals.clone(),
                vec![p],
            )),
        }
    }
    let mut chosen: Vec<(String, String)> = Vec::new();
    for (namespace, direction, selector, short, mut locals, members) in groups {
        locals.sort();
        let local = locals.join(", ");
        let mut rules: Vec<(Vec<NetworkPolicyPort>, Vec<NetworkPolicyPeer>, Vec<String>)> = Vec::new();
        for m in members {
            let mut ports = m.ports.clone();
            ports.sort_by_key(port_key);
            match rules.iter_mut().find(|r| r.0 == ports) {
                Some(r) => {
                    if !r.1.contains(&m.peer_entry) {
                        r.1.push(m.peer_entry.clone());
                        r.2.push(m.peer.clone());
                    }
                }
                None => rules.push((ports, vec![m.peer_entry.clone()], vec![m.peer.clone()])),
            }
        }
        rules.sort_by(|a, b| a.2.cmp(&b.2));
        let word = match direction {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        };
        let base = suggest::dns_label(&format!("allow-{short}-{word}"));
        let name = suggest::free_name(&base, |n| {
            taken(&namespace, n) || chosen.iter().any(|(ns, c)| ns == &namespace && c == n)
        });
        chosen.push((namespace.clone(), name.clone()));
        let lines: Vec<String> =
            rules.iter().map(|(ports, _, peers)| format!("{} on {}", peers.join(", "), ports_text(ports))).collect();
        let description = match direction {
            Direction::Ingress => {
                format!("{word} to {local} from {} (observed flows; kubectl deny audit --flows)", lines.join("; "))
            }
            Direction::Egress => {
                format!("{word} from {local} to {} (observed flows; kubectl deny audit --flows)", lines.join("; "))
            }
        };
        let spec = match direction {
            Direction::Ingress => NetworkPolicySpec {
                pod_selector: Some(selector),
                policy_types: Some(vec!["Ingress".into()]),
                ingress: Some(
                    rules
                        .into_iter()
                        .map(|(ports, peers, _)| NetworkPolicyIngressRule { from: Some(peers), ports: Some(ports) })
                        .collect(),
                ),
                egress: None,
            },
            Direction::Egress => NetworkPolicySpec {
                pod_selector: Some(selector),
                policy_types: Some(vec!["Egress".into()]),
                egress: Some(
                    rules
                        .into_iter()
                        .map(|(ports, peers, _)| NetworkPolicyEgressRule { to: Some(peers), ports: Some(ports) })
                        .collect(),
                ),
                ingress: None,
            },
        };
        let policy = NetworkPolicy {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(namespace.clone()),
                annotations: Some(BTreeMap::from([(DESCRIPTION_ANNOTATION.to_string(), description)])),
                ..ObjectMeta::default()
            },
            spec: Some(spec),
        };
        policies.insert((namespace, name), policy);
    }
    out.policies = policies.into_values().collect();
    out
}

/// The port as the destination names it, if it does (protocol included), else its number.
fn named(port: u16, protocol: Protocol, declared: &[ContainerPort]) -> NetworkPolicyPort {
    let value = declared
        .iter()
        .find(|c| c.port == port && c.protocol == protocol)
        .and_then(|c| c.name.clone())
        .map_or(IntOrString::Int(i32::from(port)), IntOrString::String);
    NetworkPolicyPort { protocol: Some(protocol.as_str().to_string()), port: Some(value), end_port: None }
}

fn port_key(p: &NetworkPolicyPort) -> (String, String) {
    let port = match &p.port {
        Some(IntOrString::Int(n)) => format!("{n:05}"),
        Some(IntOrString::String(s)) => s.clone(),
        None => String::new(),
    };
    (p.protocol.clone().unwrap_or_default(), port)
}

fn ports_text(ports: &[NetworkPolicyPort]) -> String {
    ports
        .iter()
        .map(|p| {
            let port = match &p.port {
                Some(IntOrString::Int(n)) => n.to_string(),
                Some(IntOrString::String(s)) => s.clone(),
                None => "every port".into(),
            };
            format!("{port}/{}", p.protocol.as_deref().unwrap_or("TCP"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
