//! NetworkPolicy v1 (`networking.k8s.io/v1`) as sources read it: the wire shape (the fields
//! kubectl-deny reads, with unknown keys kept for warnings), and its conversion into the engine's
//! `netpol::Policy`, with the API server's defaulting (`policyTypes`, `protocol`) and validation
//! (peers, ipBlocks, ports, policy types), each error naming the field and the fix.
//!
//! The object's metadata, label selectors, CIDRs and port numbers go through the shared checks of
//! `convert`; `SnapshotBuilder::add_network_policy` calls `policy` and keeps the result. This
//! module must not read files, talk to the cluster, or evaluate policy.

use serde::Deserialize;

use super::SourceError;
use super::convert::{Ctx, FieldPath, Unknowns, cidr, port_number, port_ref, protocol, selector};
use super::wire::{IntOrString, LabelSelector, ObjectMeta, Str, Unknown, checked, integer};
use crate::engine::model::{self, Peer, Policy, PolicyPort, PolicyTypes, PortRef, Rule};

/// The API's fields for each NetworkPolicy wire type, as k8s-openapi declares them.
pub mod known {
    use k8s_openapi::api::networking::v1 as networking;

    use super::super::wire::known_fields;

    known_fields! {
        network_policy: networking::NetworkPolicy;
        network_policy_spec: networking::NetworkPolicySpec;
        network_policy_ingress_rule: networking::NetworkPolicyIngressRule;
        network_policy_egress_rule: networking::NetworkPolicyEgressRule;
        network_policy_peer: networking::NetworkPolicyPeer;
        ip_block: networking::IPBlock;
        network_policy_port: networking::NetworkPolicyPort;
    }
}

checked! {
    NetworkPolicy => known::network_policy,
    NetworkPolicySpec => known::network_policy_spec,
    NetworkPolicyIngressRule => known::network_policy_ingress_rule,
    NetworkPolicyEgressRule => known::network_policy_egress_rule,
    NetworkPolicyPeer => known::network_policy_peer,
    IpBlock => known::ip_block,
    NetworkPolicyPort => known::network_policy_port,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct NetworkPolicy<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub spec: Option<NetworkPolicySpec<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct NetworkPolicySpec<'a> {
    /// Absent means every pod, as Go decodes the non-pointer field.
    #[serde(borrow)]
    pub pod_selector: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub policy_types: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub ingress: Option<Vec<NetworkPolicyIngressRule<'a>>>,
    #[serde(borrow)]
    pub egress: Option<Vec<NetworkPolicyEgressRule<'a>>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct NetworkPolicyIngressRule<'a> {
    #[serde(borrow)]
    pub from: Option<Vec<NetworkPolicyPeer<'a>>>,
    #[serde(borrow)]
    pub ports: Option<Vec<NetworkPolicyPort<'a>>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct NetworkPolicyEgressRule<'a> {
    #[serde(borrow)]
    pub to: Option<Vec<NetworkPolicyPeer<'a>>>,
    #[serde(borrow)]
    pub ports: Option<Vec<NetworkPolicyPort<'a>>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct NetworkPolicyPeer<'a> {
    #[serde(borrow)]
    pub pod_selector: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub namespace_selector: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub ip_block: Option<IpBlock<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct IpBlock<'a> {
    #[serde(borrow)]
    pub cidr: Option<Str<'a>>,
    #[serde(borrow)]
    pub except: Option<Vec<Str<'a>>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct NetworkPolicyPort<'a> {
    #[serde(borrow)]
    pub protocol: Option<Str<'a>>,
    #[serde(borrow)]
    pub port: Option<IntOrString<'a>>,
    #[serde(default, deserialize_with = "integer")]
    pub end_port: Option<i64>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

/// The policy of `spec`, defaulted and validated as the API server would.
pub(super) fn policy(
    namespace: String,
    name: String,
    spec: NetworkPolicySpec<'_>,
    ctx: &Ctx<'_>,
) -> Result<Policy, SourceError> {
    let path = FieldPath::root("spec");

    let pod_selector = selector(spec.pod_selector.unwrap_or_default(), ctx, &path.field("podSelector"))?;

    let ingress_path = path.field("ingress");
    let mut ingress = Vec::new();
    for (i, rule) in spec.ingress.unwrap_or_default().into_iter().enumerate() {
        let rule_path = ingress_path.index(i);
        ingress.push(policy_rule(rule.from, "from", rule.ports, ctx, &rule_path)?);
    }
    let egress_path = path.field("egress");
    let mut egress = Vec::new();
    for (i, rule) in spec.egress.unwrap_or_default().into_iter().enumerate() {
        let rule_path = egress_path.index(i);
        egress.push(policy_rule(rule.to, "to", rule.ports, ctx, &rule_path)?);
    }

    let (types, types_defaulted) = match spec.policy_types.filter(|types| !types.is_empty()) {
        // The API server's defaulting: Ingress always, Egress when there are egress rules.
        None => (PolicyTypes { ingress: true, egress: !egress.is_empty() }, true),
        Some(listed) => (policy_types(&listed, ctx, &path.field("policyTypes"))?, false),
    };

    Ok(Policy { namespace, name, pod_selector, types, types_defaulted, ingress, egress })
}

fn policy_rule(
    peers: Option<Vec<NetworkPolicyPeer<'_>>>,
    peers_field: &str,
    ports: Option<Vec<NetworkPolicyPort<'_>>>,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<Rule, SourceError> {
    let peers_path = path.field(peers_field);
    let (peers, ports) = (peers.unwrap_or_default(), ports.unwrap_or_default());
    // Sized exactly: the snapshot keeps them, and a vector grown by pushes holds room for four.
    let mut rule = Rule { peers: Vec::with_capacity(peers.len()), ports: Vec::with_capacity(ports.len()) };
    for (i, peer) in peers.into_iter().enumerate() {
        rule.peers.push(policy_peer(peer, peers_field, ctx, &peers_path.index(i))?);
    }
    let ports_path = path.field("ports");
    for (i, port) in ports.into_iter().enumerate() {
        rule.ports.push(policy_port(port, ctx, &ports_path.index(i))?);
    }
    Ok(rule)
}

fn policy_peer(
    peer: NetworkPolicyPeer<'_>,
    peers_field: &str,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<Peer, SourceError> {
    match (peer.pod_selector, peer.namespace_selector, peer.ip_block) {
        (None, None, None) => Err(ctx.invalid(
            path,
            "must specify a peer",
            format!(
                "give the entry a podSelector, a namespaceSelector or an ipBlock; to match every peer, \
                 leave out `{peers_field}` instead"
            ),
        )),
        (None, None, Some(block)) => Ok(Peer::IpBlock(ip_block(block, ctx, &path.field("ipBlock"))?)),
        (_, _, Some(_)) => Err(ctx.invalid(
            path,
            "may not specify both ipBlock and another peer",
            format!("split it into two `{peers_field}` entries (entries are ORed)"),
        )),
        (pod, namespace, None) => Ok(Peer::Selectors {
            pod_selector: pod.map(|s| selector(s, ctx, &path.field("podSelector"))).transpose()?,
            namespace_selector: namespace.map(|s| selector(s, ctx, &path.field("namespaceSelector"))).transpose()?,
        }),
    }
}

fn ip_block(block: IpBlock<'_>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<model::IpBlock, SourceError> {
    let cidr_path = path.field("cidr");
    let cidr = match block.cidr.as_deref() {
        None | Some("") => {
            return Err(ctx.invalid(&cidr_path, "is required", "give the ipBlock a `cidr` such as 10.0.0.0/8"));
        }
        Some(text) => cidr(text, ctx, &cidr_path)?,
    };
    let except_path = path.field("except");
    let mut except = Vec::new();
    for (i, text) in block.except.unwrap_or_default().iter().enumerate() {
        let entry_path = except_path.index(i);
        let net = super::convert::cidr(text, ctx, &entry_path)?;
        if !cidr.contains(&net.network()) || net.prefix_len() <= cidr.prefix_len() {
            return Err(ctx.invalid(
                &entry_path,
                format!("{text} must be a strict subset of `cidr` {cidr}"),
                format!("list only ranges inside {cidr} and smaller than it, or widen `cidr`"),
            ));
        }
        except.push(net);
    }
    Ok(model::IpBlock { cidr, except })
}

fn policy_port(port: NetworkPolicyPort<'_>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<PolicyPort, SourceError> {
    let protocol = protocol(port.protocol.as_deref(), ctx, &path.field("protocol"))?;
    let port_ref = port.port.map(|p| port_ref(p, ctx, &path.field("port"))).transpose()?;
    let end_path = path.field("endPort");
    let end_port = match (port.end_port, &port_ref) {
        (None, _) => None,
        (Some(end), None) => {
            return Err(ctx.invalid(
                &end_path,
                format!("{end}: may not be specified when `port` is not specified"),
                "set `port` to the first port of the range",
            ));
        }
        (Some(end), Some(PortRef::Name(name))) => {
            return Err(ctx.invalid(
                &end_path,
                format!("{end}: may not be specified when `port` is non-numeric ({name:?})"),
                "use a port number for `port`, or remove `endPort`",
            ));
        }
        (Some(end), Some(PortRef::Number(start))) => {
            if end < i64::from(*start) {
                return Err(ctx.invalid(
                    &end_path,
                    format!("{end} must be greater than or equal to `port` ({start})"),
                    "swap `port` and `endPort`, or fix the range",
                ));
            }
            Some(port_number(Some(end), ctx, &end_path)?)
        }
    };
    Ok(PolicyPort { protocol, port: port_ref, end_port })
}

fn policy_types(listed: &[Str<'_>], ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<PolicyTypes, SourceError> {
    if listed.len() > 2 {
        return Err(ctx.invalid(path, "may not specify more than two policyTypes", "list Ingress, Egress or both"));
    }
    let mut types = PolicyTypes { ingress: false, egress: false };
    for (i, kind) in listed.iter().enumerate() {
        match kind.as_str() {
            "Ingress" => types.ingress = true,
            "Egress" => types.egress = true,
            other => {
                let fix = match other.to_ascii_lowercase().as_str() {
                    "ingress" => "write it as `Ingress`".to_string(),
                    "egress" => "write it as `Egress`".to_string(),
                    _ => "use Ingress or Egress".to_string(),
                };
                return Err(ctx.invalid(&path.index(i), format!("unsupported policy type {other:?}"), fix));
            }
        }
    }
    Ok(types)
}

/// Collects the keys the API does not define in a NetworkPolicy's spec.
pub(super) fn unknown_fields(u: &mut Unknowns<'_>, path: &FieldPath<'_>, spec: &NetworkPolicySpec<'_>) {
    u.report(path, &spec.unknown, known::network_policy_spec());
    if let Some(selector) = &spec.pod_selector {
        u.selector(&path.field("podSelector"), selector);
    }
    let ingress = path.field("ingress");
    for (i, rule) in spec.ingress.iter().flatten().enumerate() {
        let rule_path = ingress.index(i);
        u.report(&rule_path, &rule.unknown, known::network_policy_ingress_rule());
        peers_and_ports(u, &rule_path, "from", rule.from.as_deref(), rule.ports.as_deref());
    }
    let egress = path.field("egress");
    for (i, rule) in spec.egress.iter().flatten().enumerate() {
        let rule_path = egress.index(i);
        u.report(&rule_path, &rule.unknown, known::network_policy_egress_rule());
        peers_and_ports(u, &rule_path, "to", rule.to.as_deref(), rule.ports.as_deref());
    }
}

fn peers_and_ports(
    u: &mut Unknowns<'_>,
    path: &FieldPath<'_>,
    peers_field: &str,
    peers: Option<&[NetworkPolicyPeer<'_>]>,
    ports: Option<&[NetworkPolicyPort<'_>]>,
) {
    let peers_path = path.field(peers_field);
    for (i, peer) in peers.iter().copied().flatten().enumerate() {
        let peer_path = peers_path.index(i);
        u.report(&peer_path, &peer.unknown, known::network_policy_peer());
        if let Some(selector) = &peer.pod_selector {
            u.selector(&peer_path.field("podSelector"), selector);
        }
        if let Some(selector) = &peer.namespace_selector {
            u.selector(&peer_path.field("namespaceSelector"), selector);
        }
        if let Some(block) = &peer.ip_block {
            u.report(&peer_path.field("ipBlock"), &block.unknown, known::ip_block());
        }
    }
    let ports_path = path.field("ports");
    for (i, port) in ports.iter().copied().flatten().enumerate() {
        u.report(&ports_path.index(i), &port.unknown, known::network_policy_port());
    }
}
