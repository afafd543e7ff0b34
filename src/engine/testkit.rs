//! Builders for engine tests: snapshots, pods and policies in a few words each.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::model::*;

pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub fn sel(pairs: &[(&str, &str)]) -> Selector {
    Selector {
        match_labels: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        match_expressions: vec![],
    }
}

pub fn expr(key: &str, operator: Operator, values: &[&str]) -> Selector {
    Selector {
        match_labels: vec![],
        match_expressions: vec![Requirement {
            key: key.into(),
            operator,
            values: values.iter().map(|s| s.to_string()).collect(),
        }],
    }
}

pub fn namespace(name: &str, extra: &[(&str, &str)]) -> Namespace {
    let mut l = labels(extra);
    l.insert(NAMESPACE_NAME_LABEL.into(), name.into());
    Namespace { name: name.into(), labels: Arc::new(l), known: true }
}

pub fn pod(ns: &str, name: &str, pairs: &[(&str, &str)], ip: &str) -> Pod {
    Pod {
        namespace: ns.into(),
        name: name.into(),
        labels: Arc::new(labels(pairs)),
        ports: Arc::from(vec![]),
        ips: if ip.is_empty() { vec![] } else { vec![ip.parse().unwrap()] },
        host_network: false,
        phase: Some("Running".into()),
        node: None,
        owner: None,
        mesh: None,
        service_account: None,
    }
}

pub fn with_ports(mut p: Pod, ports: &[(&str, u16, Protocol)]) -> Pod {
    p.ports = Arc::from(
        ports
            .iter()
            .map(|(n, port, protocol)| ContainerPort {
                name: (!n.is_empty()).then(|| n.to_string()),
                port: *port,
                protocol: *protocol,
            })
            .collect::<Vec<_>>(),
    );
    p
}

pub struct PolicyBuilder(Policy);

pub fn policy(ns: &str, name: &str, select: Selector) -> PolicyBuilder {
    PolicyBuilder(Policy {
        namespace: ns.into(),
        name: name.into(),
        pod_selector: select,
        types: PolicyTypes { ingress: false, egress: false },
        types_defaulted: false,
        ingress: vec![],
        egress: vec![],
    })
}

impl PolicyBuilder {
    /// Isolates ingress, with these rules (an empty list denies all ingress).
    pub fn ingress(mut self, rules: Vec<Rule>) -> Self {
        self.0.types.ingress = true;
        self.0.ingress = rules;
        self
    }
    pub fn egress(mut self, rules: Vec<Rule>) -> Self {
        self.0.types.egress = true;
        self.0.egress = rules;
        self
    }
    /// Rules present but their direction absent from policyTypes.
    pub fn ignored_egress(mut self, rules: Vec<Rule>) -> Self {
        self.0.egress = rules;
        self
    }
    pub fn build(self) -> Policy {
        self.0
    }
}

pub fn rule(peers: Vec<Peer>, ports: Vec<PolicyPort>) -> Rule {
    Rule { peers, ports }
}

pub fn pods_peer(s: Selector) -> Peer {
    Peer::Selectors { pod_selector: Some(s), namespace_selector: None }
}

pub fn ns_peer(s: Selector) -> Peer {
    Peer::Selectors { pod_selector: None, namespace_selector: Some(s) }
}

pub fn and_peer(ns: Selector, pods: Selector) -> Peer {
    Peer::Selectors { pod_selector: Some(pods), namespace_selector: Some(ns) }
}

pub fn ip_peer(cidr: &str, except: &[&str]) -> Peer {
    Peer::IpBlock(IpBlock {
        cidr: cidr.parse::<IpNet>().unwrap().trunc(),
        except: except.iter().map(|e| e.parse::<IpNet>().unwrap().trunc()).collect(),
    })
}

pub fn port(protocol: Protocol, n: u16) -> PolicyPort {
    PolicyPort { protocol, port: Some(PortRef::Number(n)), end_port: None }
}

pub fn named(protocol: Protocol, name: &str) -> PolicyPort {
    PolicyPort { protocol, port: Some(PortRef::Name(name.into())), end_port: None }
}

pub fn range(protocol: Protocol, lo: u16, hi: u16) -> PolicyPort {
    PolicyPort { protocol, port: Some(PortRef::Number(lo)), end_port: Some(hi) }
}

pub fn any_port(protocol: Protocol) -> PolicyPort {
    PolicyPort { protocol, port: None, end_port: None }
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn snapshot(namespaces: Vec<Namespace>, pods: Vec<Pod>, policies: Vec<Policy>) -> Snapshot {
    Snapshot { namespaces, pods, policies, ..Snapshot::default() }
}
