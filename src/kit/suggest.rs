//! The narrowest NetworkPolicies that let one blocked flow through (`kubectl deny why --suggest`).
//!
//! Pure: no I/O. Each blocked side of a flow gets an allow policy in its own pod's namespace:
//! egress from the source to the destination, or ingress to the destination from the source, on
//! the flow's port and protocol only. Allow policies are additive, so adding one never takes away
//! what other policies allow; and it only adds a direction's isolation to pods its selector
//! picks, which the caller checks against the pods it knows (see `cmd::why`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::build::{DESCRIPTION_ANNOTATION, ip_peer, namespace_named};
use crate::engine::model::{Labels, Protocol, Selector};
use crate::engine::verdict::Direction;

/// Labels that differ from pod to pod of one workload (or from rollout to rollout): a policy
/// that selected on them would stop matching at the next restart.
pub const VOLATILE_LABELS: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-completion-index",
];

/// One end of a flow, as a policy can name it.
#[derive(Debug, Clone, PartialEq)]
pub enum Party {
    /// The pods of `namespace` that `selector` picks.
    Pods {
        namespace: String,
        selector: LabelSelector,
        /// A short name for policy names: `frontend`.
        short: String,
        /// How the user knows it: `production/deploy/frontend`.
        what: String,
    },
    /// An address: a peer outside the cluster, a node, or a host-network pod (whose traffic
    /// carries its node's IP, which only an ipBlock matches).
    Address { ip: IpAddr, what: String },
    /// The addresses of a network (`kubectl deny audit --group-cidr`): an ipBlock of the CIDR.
    Network { cidr: ipnet::IpNet, what: String },
}

impl Party {
    /// The pods of a workload or a Service: its selector.
    pub fn selected(namespace: &str, selector: &Selector, short: &str, what: String) -> Party {
        Party::Pods {
            namespace: namespace.to_string(),
            selector: label_selector(selector),
            short: short.to_string(),
            what,
        }
    }

    /// One pod, by its labels less those that change from pod to pod of a workload.
    pub fn pod(namespace: &str, name: &str, labels: &Labels, what: String) -> Party {
        let stable: Labels = labels
            .iter()
            .filter(|(k, _)| !VOLATILE_LABELS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let short = ["app.kubernetes.io/name", "app", "k8s-app"]
            .iter()
            .find_map(|k| stable.get(k))
            .map_or(name, String::as_str)
            .to_string();
        Party::Pods {
            namespace: namespace.to_string(),
            selector: LabelSelector { match_labels: Some(stable.to_map()), match_expressions: None },
            short,
            what,
        }
    }

    pub fn what(&self) -> &str {
        match self {
            Party::Pods { what, .. } | Party::Address { what, .. } | Party::Network { what, .. } => what,
        }
    }

    fn short(&self) -> String {
        match self {
            Party::Pods { short, .. } => short.clone(),
            Party::Address { ip, .. } => ip.to_string(),
            Party::Network { cidr, .. } => cidr.to_string(),
        }
    }
}

/// A blocked flow at one port, and which of its sides block.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockedFlow {
    pub from: Party,
    pub to: Party,
    pub port: u16,
    pub protocol: Protocol,
    pub egress_blocked: bool,
    pub ingress_blocked: bool,
}

/// One suggested policy and what it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub direction: Direction,
    pub policy: NetworkPolicy,
    /// Said next to the policy: a selector that picks every pod of a namespace, for one.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuggestError {
    #[error(
        "the {side} side is blocked for {what}, which NetworkPolicy cannot select (an address, or a host-network \
         pod): no policy can be suggested for it"
    )]
    NotSelectable { side: &'static str, what: String },
}

/// The policies that allow every blocked side of `flows`: one per direction, namespace, selected
/// pods and peer, with the ports of all the flows that share them. `taken(namespace, name)` says
/// whether a policy of that name exists already; a suggestion never reuses such a name, since
/// applying it would replace that policy.
pub fn suggest(flows: &[BlockedFlow], taken: impl Fn(&str, &str) -> bool) -> Result<Vec<Suggestion>, SuggestError> {
    struct Group<'f> {
        direction: Direction,
        local: &'f Party,
        peer: &'f Party,
        ports: Vec<(Protocol, u16)>,
    }
    let mut groups: Vec<Group> = Vec::new();
    for flow in flows {
        let sides = [
            (flow.egress_blocked, Direction::Egress, &flow.from, &flow.to),
            (flow.ingress_blocked, Direction::Ingress, &flow.to, &flow.from),
        ];
        for (_, direction, local, peer) in sides.into_iter().filter(|s| s.0) {
            if let Party::Address { what, .. } | Party::Network { what, .. } = local {
                return Err(SuggestError::NotSelectable { side: direction.as_str(), what: what.clone() });
            }
            let group = match groups.iter_mut().find(|g| g.direction == direction && g.local == local && g.peer == peer)
            {
                Some(g) => g,
                None => {
                    groups.push(Group { direction, local, peer, ports: Vec::new() });
                    groups.last_mut().expect("just pushed")
                }
            };
            if !group.ports.contains(&(flow.protocol, flow.port)) {
                group.ports.push((flow.protocol, flow.port));
            }
        }
    }
    let mut chosen: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for mut g in groups {
        let Party::Pods { namespace, selector, .. } = g.local else { unreachable!("addresses were refused above") };
        g.ports.sort();
        let base = match g.direction {
            Direction::Egress => format!("allow-{}-to-{}", g.local.short(), peer_short(namespace, g.peer)),
            Direction::Ingress => format!("allow-{}-from-{}", g.local.short(), peer_short(namespace, g.peer)),
        };
        let name = free_name(&dns_label(&base), |n| {
            taken(namespace, n) || chosen.iter().any(|(ns, c)| ns == namespace && c == n)
        });
        chosen.push((namespace.clone(), name.clone()));
        let ports: Vec<NetworkPolicyPort> = g
            .ports
            .iter()
            .map(|(protocol, port)| NetworkPolicyPort {
                protocol: Some(protocol.as_str().to_string()),
                port: Some(IntOrString::Int(i32::from(*port))),
                end_port: None,
            })
            .collect();
        let peers = vec![peer_entry(namespace, g.peer)];
        let (from_what, to_what) = match g.direction {
            Direction::Egress => (g.local.what(), g.peer.what()),
            Direction::Ingress => (g.peer.what(), g.local.what()),
        };
        let description = format!(
            "{} {from_what} -> {to_what} on {} (kubectl deny why --suggest)",
            g.direction.as_str(),
            ports_text(&g.ports)
        );
        let spec = match g.direction {
            Direction::Egress => NetworkPolicySpec {
                pod_selector: Some(selector.clone()),
                policy_types: Some(vec!["Egress".to_string()]),
                egress: Some(vec![NetworkPolicyEgressRule { to: Some(peers), ports: Some(ports) }]),
                ingress: None,
            },
            Direction::Ingress => NetworkPolicySpec {
                pod_selector: Some(selector.clone()),
                policy_types: Some(vec!["Ingress".to_string()]),
                ingress: Some(vec![NetworkPolicyIngressRule { from: Some(peers), ports: Some(ports) }]),
                egress: None,
            },
        };
        let mut warnings = Vec::new();
        if is_empty(selector) {
            warnings.push(format!(
                "{} has no labels to select it by, so this policy selects every pod of namespace {namespace}; label \
                 the pod and narrow podSelector",
                g.local.what()
            ));
        }
        if let Party::Pods { selector: peer_selector, what, .. } = g.peer
            && is_empty(peer_selector)
        {
            warnings.push(format!(
                "{what} has no labels to select it by, so this policy admits every pod of its namespace"
            ));
        }
        out.push(Suggestion {
            direction: g.direction,
            policy: NetworkPolicy {
                metadata: ObjectMeta {
                    name: Some(name),
                    namespace: Some(namespace.clone()),
                    annotations: Some(BTreeMap::from([(DESCRIPTION_ANNOTATION.to_string(), description)])),
                    ..ObjectMeta::default()
                },
                spec: Some(spec),
            },
            warnings,
        });
    }
    Ok(out)
}

/// The `from`/`to` entry for `peer`, seen from a policy in `namespace`: its pods (with the
/// namespace, ANDed, when it is another one), or its address.
fn peer_entry(namespace: &str, peer: &Party) -> NetworkPolicyPeer {
    match peer {
        Party::Pods { namespace: peer_ns, selector, .. } => NetworkPolicyPeer {
            pod_selector: Some(selector.clone()),
            namespace_selector: (peer_ns != namespace).then(|| namespace_named(peer_ns)),
            ip_block: None,
        },
        Party::Address { ip, .. } => ip_peer(*ip),
        Party::Network { cidr, .. } => NetworkPolicyPeer {
            ip_block: Some(k8s_openapi::api::networking::v1::IPBlock { cidr: cidr.to_string(), except: None }),
            ..NetworkPolicyPeer::default()
        },
    }
}

fn peer_short(namespace: &str, peer: &Party) -> String {
    match peer {
        Party::Pods { namespace: peer_ns, short, .. }
            if peer_ns != namespace && !short.starts_with(peer_ns.as_str()) =>
        {
            format!("{peer_ns}-{short}")
        }
        _ => peer.short(),
    }
}

fn label_selector(selector: &Selector) -> LabelSelector {
    LabelSelector {
        match_labels: (!selector.match_labels.is_empty()).then(|| selector.match_labels.iter().cloned().collect()),
        match_expressions: (!selector.match_expressions.is_empty()).then(|| {
            selector
                .match_expressions
                .iter()
                .map(|r| LabelSelectorRequirement {
                    key: r.key.clone(),
                    operator: r.operator.to_string(),
                    values: (!r.values.is_empty()).then(|| r.values.clone()),
                })
                .collect()
        }),
    }
}

fn is_empty(selector: &LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
}

fn ports_text(ports: &[(Protocol, u16)]) -> String {
    ports.iter().map(|(protocol, port)| format!("{protocol} {port}")).collect::<Vec<_>>().join(", ")
}

/// `text` as a DNS label (lower case letters, digits and `-`, alphanumeric at both ends, at most
/// 63 characters), so that the name is valid for any object kind and reads well.
pub fn dns_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(63);
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() { "allow".to_string() } else { trimmed.to_string() }
}

/// `base`, or `base-2`, `base-3`, ... (kept within 63 characters), the first that is not `taken`.
pub fn free_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| {
            let suffix = format!("-{i}");
            let head = &base[..base.len().min(63 - suffix.len())];
            format!("{}{suffix}", head.trim_end_matches('-'))
        })
        .find(|n| !taken(n))
        .expect("some suffix is free")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{Operator, Requirement};

    fn pods(ns: &str, app: &str) -> Party {
        let labels =
            Labels::from([("app".to_string(), app.to_string()), ("pod-template-hash".to_string(), "7d9f".to_string())]);
        Party::pod(ns, &format!("{app}-7d9f-x2x4v"), &labels, format!("{ns}/{app}-7d9f-x2x4v"))
    }

    fn flow(from: Party, to: Party, port: u16, egress: bool, ingress: bool) -> BlockedFlow {
        BlockedFlow { from, to, port, protocol: Protocol::Tcp, egress_blocked: egress, ingress_blocked: ingress }
    }

    fn never(_: &str, _: &str) -> bool {
        false
    }

    #[test]
    fn each_blocked_side_gets_a_policy_in_its_own_namespace_and_nothing_for_an_open_side() {
        let got = suggest(&[flow(pods("a", "web"), pods("b", "db"), 5432, true, true)], never).unwrap();
        assert_eq!(got.len(), 2);
        let egress = &got[0].policy;
        assert_eq!(got[0].direction, Direction::Egress);
        assert_eq!(egress.metadata.namespace.as_deref(), Some("a"));
        assert_eq!(egress.metadata.name.as_deref(), Some("allow-web-to-b-db"));
        let spec = egress.spec.as_ref().unwrap();
        assert_eq!(spec.policy_types, Some(vec!["Egress".to_string()]));
        let rule = &spec.egress.as_ref().unwrap()[0];
        let peer = &rule.to.as_ref().unwrap()[0];
        assert_eq!(peer.namespace_selector, Some(namespace_named("b")), "another namespace is ANDed with the pods");
        assert_eq!(rule.ports.as_ref().unwrap()[0].port, Some(IntOrString::Int(5432)));
        assert_eq!(got[1].direction, Direction::Ingress);
        assert_eq!(got[1].policy.metadata.namespace.as_deref(), Some("b"));
        assert_eq!(got[1].policy.metadata.name.as_deref(), Some("allow-db-from-a-web"));

        let only_ingress = suggest(&[flow(pods("a", "web"), pods("a", "db"), 80, false, true)], never).unwrap();
        assert_eq!(only_ingress.len(), 1);
        let peer =
            &only_ingress[0].policy.spec.as_ref().unwrap().ingress.as_ref().unwrap()[0].from.as_ref().unwrap()[0];
        assert_eq!(peer.namespace_selector, None, "the policy's own namespace needs no namespaceSelector");
    }

    #[test]
    fn a_pod_is_selected_by_its_stable_labels_not_by_its_template_hash() {
        let Party::Pods { selector, short, .. } = pods("a", "web") else { panic!() };
        assert_eq!(selector.match_labels, Some(Labels::from([("app".to_string(), "web".to_string())]).to_map()));
        assert_eq!(short, "web");
    }

    #[test]
    fn a_daemonset_pod_is_not_selected_by_its_revision_labels() {
        let labels = Labels::from(
            [("k8s-app", "agent"), ("controller-revision-hash", "6b8c9d7f5"), ("pod-template-generation", "3")]
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let Party::Pods { selector, .. } = Party::pod("a", "agent-x2x4v", &labels, "a/agent-x2x4v".into()) else {
            panic!()
        };
        assert_eq!(selector.match_labels, Some(Labels::from([("k8s-app".to_string(), "agent".to_string())]).to_map()));
    }

    #[test]
    fn a_workload_is_selected_by_its_selector_expressions_included() {
        let selector = Selector {
            match_labels: vec![("app".into(), "api".into())],
            match_expressions: vec![Requirement {
                key: "track".into(),
                operator: Operator::NotIn,
                values: vec!["canary".into()],
            }],
        };
        let Party::Pods { selector: got, .. } = Party::selected("a", &selector, "api", "a/deploy/api".into()) else {
            panic!()
        };
        assert_eq!(got.match_expressions.unwrap()[0].operator, "NotIn");
    }

    #[test]
    fn flows_that_share_both_ends_share_one_policy_with_all_their_ports() {
        let flows = [
            flow(pods("a", "web"), pods("a", "api"), 8443, false, true),
            flow(pods("a", "web"), pods("a", "api"), 8080, false, true),
            flow(pods("a", "web"), pods("a", "api"), 8080, false, true),
        ];
        let got = suggest(&flows, never).unwrap();
        assert_eq!(got.len(), 1);
        let ports = got[0].policy.spec.as_ref().unwrap().ingress.as_ref().unwrap()[0].ports.clone().unwrap();
        let numbers: Vec<_> = ports.iter().map(|p| p.port.clone().unwrap()).collect();
        assert_eq!(numbers, vec![IntOrString::Int(8080), IntOrString::Int(8443)]);
    }

    #[test]
    fn an_address_is_an_ip_block_of_one_host() {
        let ext = Party::Address { ip: "203.0.113.9".parse().unwrap(), what: "203.0.113.9".into() };
        let got = suggest(&[flow(pods("a", "web"), ext, 443, true, false)], never).unwrap();
        let peer = &got[0].policy.spec.as_ref().unwrap().egress.as_ref().unwrap()[0].to.as_ref().unwrap()[0];
        assert_eq!(peer.ip_block.as_ref().unwrap().cidr, "203.0.113.9/32");
        assert_eq!(got[0].policy.metadata.name.as_deref(), Some("allow-web-to-203-0-113-9"));
    }

    #[test]
    fn a_blocked_side_on_an_address_cannot_be_fixed_by_policy() {
        let ext = Party::Address { ip: "10.0.0.1".parse().unwrap(), what: "node-1".into() };
        let err = suggest(&[flow(ext, pods("a", "web"), 80, true, false)], never).unwrap_err();
        assert!(err.to_string().contains("node-1"), "{err}");
    }

    #[test]
    fn a_name_in_use_is_never_reused() {
        let taken =
            |ns: &str, name: &str| ns == "a" && (name == "allow-api-from-web" || name == "allow-api-from-web-2");
        let got = suggest(&[flow(pods("a", "web"), pods("a", "api"), 80, false, true)], taken).unwrap();
        assert_eq!(got[0].policy.metadata.name.as_deref(), Some("allow-api-from-web-3"));
    }

    #[test]
    fn an_unlabelled_pod_is_selected_with_a_warning() {
        let bare = Party::pod("a", "debug", &Labels::new(), "a/debug".into());
        let got = suggest(&[flow(bare, pods("a", "api"), 80, true, false)], never).unwrap();
        assert!(got[0].warnings[0].contains("every pod of namespace a"), "{:?}", got[0].warnings);
    }

    #[test]
    fn names_are_dns_labels() {
        assert_eq!(dns_label("allow-Web_Server-to-2001:db8::7"), "allow-web-server-to-2001-db8-7");
        assert_eq!(dns_label(&"x".repeat(80)).len(), 63);
        assert_eq!(dns_label("--"), "allow");
        assert_eq!(free_name(&"y".repeat(63), |n| n.len() == 63 && !n.contains('-')).len(), 63);
    }
}
