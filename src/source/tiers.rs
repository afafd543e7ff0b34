//! The cluster-wide policies of the network-policy API as sources read them:
//! AdminNetworkPolicy and BaselineAdminNetworkPolicy (`policy.networking.k8s.io/v1alpha1`, the
//! schema of release v0.1.7) and ClusterNetworkPolicy (`v1alpha2`, and `v1beta1`, which upstream
//! serves with the same fields). One wire shape holds the fields of all three; `policy` converts
//! it into the engine's `tiers::ClusterPolicy`, with the CRDs' defaulting (a `portNumber` or
//! `portRange` protocol defaults to TCP) and validation (enums, limits, one-of fields, the CEL
//! rules), each error naming the field and the fix.
//!
//! Field names and rules are those of the API types in kubernetes-sigs/network-policy-api
//! (`apis/v1alpha1/*_types.go`, `apis/v1alpha2/clusternetworkpolicy_types.go`); the facts and
//! their sources are in the README's section on the tiers. A peer with none of the fields this
//! tool knows is an error in a manifest; from the live cluster (a newer CRD with a peer type this
//! tool does not know) it is kept as `TierPeer::Unknown`, which fails closed as the API asks.
//! This module must not read files, talk to the cluster, or evaluate policy.

use serde::Deserialize;

use super::SourceError;
use super::convert::{Ctx, FieldPath, Unknowns, check_port_name, cidr, port_number, protocol, selector};
use super::fetch::Resource;
use super::wire::{LabelSelector, ObjectMeta, Str, Unknown, checked, integer};
use crate::engine::model::Protocol;
use crate::engine::tiers::{Action, ClusterKind, ClusterPolicy, Subject, Tier, TierPeer, TierPort, TierRule};

/// The API group of the three kinds.
pub const GROUP: &str = "policy.networking.k8s.io";

/// AdminNetworkPolicies, as the live source lists them.
pub const ADMIN_NETWORK_POLICIES: Resource = Resource {
    prefix: "/apis/policy.networking.k8s.io/v1alpha1",
    plural: "adminnetworkpolicies",
    rbac: "adminnetworkpolicies.policy.networking.k8s.io",
    namespaced: false,
};

/// The BaselineAdminNetworkPolicy (the singleton `default`), as the live source gets it.
pub const BASELINE_ADMIN_NETWORK_POLICIES: Resource = Resource {
    prefix: "/apis/policy.networking.k8s.io/v1alpha1",
    plural: "baselineadminnetworkpolicies",
    rbac: "baselineadminnetworkpolicies.policy.networking.k8s.io",
    namespaced: false,
};

/// ClusterNetworkPolicies in `v1beta1`, where upstream has moved them.
pub const CLUSTER_NETWORK_POLICIES_V1BETA1: Resource = Resource {
    prefix: "/apis/policy.networking.k8s.io/v1beta1",
    plural: "clusternetworkpolicies",
    rbac: "clusternetworkpolicies.policy.networking.k8s.io",
    namespaced: false,
};

/// ClusterNetworkPolicies in `v1alpha2`.
pub const CLUSTER_NETWORK_POLICIES_V1ALPHA2: Resource = Resource {
    prefix: "/apis/policy.networking.k8s.io/v1alpha2",
    plural: "clusternetworkpolicies",
    rbac: "clusternetworkpolicies.policy.networking.k8s.io",
    namespaced: false,
};

/// The kind and schema of a live resource of this module.
pub fn of_resource(resource: &Resource) -> Option<(ClusterKind, Schema)> {
    let version = resource.prefix.rsplit('/').next()?;
    let kind = match resource.plural {
        "adminnetworkpolicies" => "AdminNetworkPolicy",
        "baselineadminnetworkpolicies" => "BaselineAdminNetworkPolicy",
        "clusternetworkpolicies" => "ClusterNetworkPolicy",
        _ => return None,
    };
    classify(Some(&format!("{GROUP}/{version}")), kind)
}

/// The fields of each wire type, listed by hand from the API types (all versions together;
/// the fields of one version that another does not have are rejected by `policy`).
pub mod known {
    use super::super::wire::listed_fields;

    listed_fields! {
        object: ["apiVersion", "kind", "metadata", "spec", "status"];
        spec: ["tier", "priority", "subject", "ingress", "egress"];
        subject: ["namespaces", "pods"];
        namespaced_pod: ["namespaceSelector", "podSelector"];
        rule: ["name", "action", "from", "to", "ports", "protocols"];
        peer: ["namespaces", "pods", "nodes", "networks", "domainNames"];
        port: ["portNumber", "namedPort", "portRange"];
        port_number: ["protocol", "port"];
        port_range: ["protocol", "start", "end"];
        protocol: ["tcp", "udp", "sctp", "destinationNamedPort"];
        protocol_port: ["destinationPort"];
        destination_port: ["number", "range"];
        range: ["start", "end"];
    }
}

checked! {
    ClusterPolicyObject => known::object,
    ClusterPolicySpec => known::spec,
    SubjectWire => known::subject,
    NamespacedPod => known::namespaced_pod,
    RuleWire => known::rule,
    PeerWire => known::peer,
    PortWire => known::port,
    PortNumberWire => known::port_number,
    PortRangeWire => known::port_range,
    ProtocolWire => known::protocol,
    ProtocolPort => known::protocol_port,
    DestinationPort => known::destination_port,
    RangeWire => known::range,
}

/// An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy as serialized.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct ClusterPolicyObject<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub spec: Option<ClusterPolicySpec<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct ClusterPolicySpec<'a> {
    #[serde(borrow)]
    pub tier: Option<Str<'a>>,
    #[serde(default, deserialize_with = "integer")]
    pub priority: Option<i64>,
    #[serde(borrow)]
    pub subject: Option<SubjectWire<'a>>,
    #[serde(borrow)]
    pub ingress: Option<Vec<RuleWire<'a>>>,
    #[serde(borrow)]
    pub egress: Option<Vec<RuleWire<'a>>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct SubjectWire<'a> {
    #[serde(borrow)]
    pub namespaces: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub pods: Option<NamespacedPod<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct NamespacedPod<'a> {
    #[serde(borrow)]
    pub namespace_selector: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub pod_selector: Option<LabelSelector<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct RuleWire<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub action: Option<Str<'a>>,
    #[serde(borrow)]
    pub from: Option<Vec<PeerWire<'a>>>,
    #[serde(borrow)]
    pub to: Option<Vec<PeerWire<'a>>>,
    /// v1alpha1.
    #[serde(borrow)]
    pub ports: Option<Vec<PortWire<'a>>>,
    /// v1alpha2 and v1beta1.
    #[serde(borrow)]
    pub protocols: Option<Vec<ProtocolWire<'a>>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct PeerWire<'a> {
    #[serde(borrow)]
    pub namespaces: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub pods: Option<NamespacedPod<'a>>,
    #[serde(borrow)]
    pub nodes: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub networks: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub domain_names: Option<Vec<Str<'a>>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

/// v1alpha1 `AdminNetworkPolicyPort`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct PortWire<'a> {
    #[serde(borrow)]
    pub port_number: Option<PortNumberWire<'a>>,
    #[serde(borrow)]
    pub named_port: Option<Str<'a>>,
    #[serde(borrow)]
    pub port_range: Option<PortRangeWire<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct PortNumberWire<'a> {
    #[serde(borrow)]
    pub protocol: Option<Str<'a>>,
    #[serde(default, deserialize_with = "integer")]
    pub port: Option<i64>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct PortRangeWire<'a> {
    #[serde(borrow)]
    pub protocol: Option<Str<'a>>,
    #[serde(default, deserialize_with = "integer")]
    pub start: Option<i64>,
    #[serde(default, deserialize_with = "integer")]
    pub end: Option<i64>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

/// v1alpha2 `ClusterNetworkPolicyProtocol`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct ProtocolWire<'a> {
    #[serde(borrow)]
    pub tcp: Option<ProtocolPort<'a>>,
    #[serde(borrow)]
    pub udp: Option<ProtocolPort<'a>>,
    #[serde(borrow)]
    pub sctp: Option<ProtocolPort<'a>>,
    #[serde(borrow)]
    pub destination_named_port: Option<Str<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct ProtocolPort<'a> {
    #[serde(borrow)]
    pub destination_port: Option<DestinationPort<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct DestinationPort<'a> {
    #[serde(default, deserialize_with = "integer")]
    pub number: Option<i64>,
    #[serde(borrow)]
    pub range: Option<RangeWire<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct RangeWire<'a> {
    #[serde(default, deserialize_with = "integer")]
    pub start: Option<i64>,
    #[serde(default, deserialize_with = "integer")]
    pub end: Option<i64>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

/// Which schema an object is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `v1alpha1`: AdminNetworkPolicy, BaselineAdminNetworkPolicy.
    V1Alpha1,
    /// `v1alpha2`: ClusterNetworkPolicy.
    V1Alpha2,
    /// `v1beta1`: ClusterNetworkPolicy, the v1alpha2 fields; CIDRs must have no host bits.
    V1Beta1,
}

/// The kind and schema of `apiVersion`/`kind`, when it is one of the three kinds in a version
/// this tool reads.
pub fn classify(api_version: Option<&str>, kind: &str) -> Option<(ClusterKind, Schema)> {
    let (group, version) = api_version?.rsplit_once('/')?;
    if group != GROUP {
        return None;
    }
    match (kind, version) {
        ("AdminNetworkPolicy", "v1alpha1") => Some((ClusterKind::AdminNetworkPolicy, Schema::V1Alpha1)),
        ("BaselineAdminNetworkPolicy", "v1alpha1") => Some((ClusterKind::BaselineAdminNetworkPolicy, Schema::V1Alpha1)),
        ("ClusterNetworkPolicy", "v1alpha2") => Some((ClusterKind::ClusterNetworkPolicy, Schema::V1Alpha2)),
        ("ClusterNetworkPolicy", "v1beta1") => Some((ClusterKind::ClusterNetworkPolicy, Schema::V1Beta1)),
        _ => None,
    }
}

/// The limits of one schema.
struct Limits {
    max_rules: usize,
    max_peers: usize,
    max_ports: usize,
}

fn limits(schema: Schema) -> Limits {
    match schema {
        Schema::V1Alpha1 => Limits { max_rules: 100, max_peers: 100, max_ports: 100 },
        Schema::V1Alpha2 | Schema::V1Beta1 => Limits { max_rules: 25, max_peers: 25, max_ports: 25 },
    }
}

/// The policy of `spec`, defaulted and validated as the API server (the CRD's schema and CEL
/// rules) would. `live`: read from the API server, where a peer of an unknown type is kept
/// (fail closed) rather than rejected.
pub(super) fn policy(
    kind: ClusterKind,
    schema: Schema,
    name: String,
    spec: ClusterPolicySpec<'_>,
    live: bool,
    ctx: &Ctx<'_>,
) -> Result<ClusterPolicy, SourceError> {
    let path = FieldPath::root("spec");
    if kind == ClusterKind::BaselineAdminNetworkPolicy && name != "default" {
        return Err(ctx.invalid(
            &FieldPath::root("metadata").field("name"),
            format!("{name:?}: only one BaselineAdminNetworkPolicy, named \"default\", can be created in the cluster"),
            "name it `default` (and merge its rules into that one)",
        ));
    }
    let tier = match (kind, spec.tier.as_deref()) {
        (ClusterKind::AdminNetworkPolicy, None) => Tier::Admin,
        (ClusterKind::BaselineAdminNetworkPolicy, None) => Tier::Baseline,
        (ClusterKind::ClusterNetworkPolicy, Some("Admin")) => Tier::Admin,
        (ClusterKind::ClusterNetworkPolicy, Some("Baseline")) => Tier::Baseline,
        (ClusterKind::ClusterNetworkPolicy, None) => {
            return Err(ctx.invalid(&path.field("tier"), "is required", "set `tier: Admin` or `tier: Baseline`"));
        }
        (ClusterKind::ClusterNetworkPolicy, Some(other)) => {
            return Err(ctx.invalid(
                &path.field("tier"),
                format!("unsupported value {other:?}"),
                "use Admin or Baseline (capitalized)",
            ));
        }
        (_, Some(_)) => {
            return Err(ctx.invalid(
                &path.field("tier"),
                format!("is not a field of {kind} (v1alpha1)"),
                "remove it: the kind sets the tier (or write a ClusterNetworkPolicy, policy.networking.k8s.io/v1alpha2)",
            ));
        }
    };
    let priority = match (kind, spec.priority) {
        (ClusterKind::BaselineAdminNetworkPolicy, None) => None,
        (ClusterKind::BaselineAdminNetworkPolicy, Some(_)) => {
            return Err(ctx.invalid(
                &path.field("priority"),
                "is not a field of BaselineAdminNetworkPolicy",
                "remove it: there is one BaselineAdminNetworkPolicy, with rules in order of precedence",
            ));
        }
        (_, None) => {
            return Err(ctx.invalid(
                &path.field("priority"),
                "is required",
                "set a priority from 0 to 1000 (lower first)",
            ));
        }
        (_, Some(p)) if !(0..=1000).contains(&p) => {
            return Err(ctx.invalid(
                &path.field("priority"),
                format!("{p} is out of range"),
                "use a priority from 0 to 1000 (lower values are evaluated first)",
            ));
        }
        (_, Some(p)) => Some(p as u32),
    };
    let subject_path = path.field("subject");
    let subject = match spec.subject {
        None => {
            return Err(ctx.invalid(
                &subject_path,
                "is required",
                "select the pods it applies to: `subject: {namespaces: {}}` for every pod",
            ));
        }
        Some(s) => match (s.namespaces, s.pods) {
            (Some(ns), None) => Subject::Namespaces(selector(ns, ctx, &subject_path.field("namespaces"))?),
            (None, Some(pods)) => {
                let (namespaces, pods) = namespaced_pod(pods, schema, ctx, &subject_path.field("pods"))?;
                Subject::Pods { namespaces, pods }
            }
            (Some(_), Some(_)) => {
                return Err(ctx.invalid(
                    &subject_path,
                    "may specify only one of namespaces and pods",
                    "use `pods` with a namespaceSelector to select pods in some namespaces",
                ));
            }
            (None, None) => {
                return Err(ctx.invalid(
                    &subject_path,
                    "must specify namespaces or pods",
                    "use `namespaces: {}` to select every pod",
                ));
            }
        },
    };
    let lim = limits(schema);
    let mut directions = [(Vec::new(), "ingress", spec.ingress), (Vec::new(), "egress", spec.egress)];
    for (out, field, rules) in directions.iter_mut() {
        let rules = rules.take().unwrap_or_default();
        let rules_path = path.field(field);
        if rules.len() > lim.max_rules {
            return Err(ctx.invalid(
                &rules_path,
                format!("has {} rules, more than the {} allowed", rules.len(), lim.max_rules),
                "merge rules, or split the policy into several",
            ));
        }
        for (i, rule) in rules.into_iter().enumerate() {
            out.push(tier_rule(kind, schema, rule, *field == "egress", live, &lim, ctx, &rules_path.index(i))?);
        }
    }
    let [(ingress, ..), (egress, ..)] = directions;
    Ok(ClusterPolicy { kind, name, tier, priority, subject, ingress, egress })
}

fn namespaced_pod(
    pods: NamespacedPod<'_>,
    schema: Schema,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<(crate::engine::Selector, crate::engine::Selector), SourceError> {
    let namespaces = match (pods.namespace_selector, schema) {
        (Some(s), _) => selector(s, ctx, &path.field("namespaceSelector"))?,
        // Optional since v1alpha2: absent selects every namespace.
        (None, Schema::V1Alpha2 | Schema::V1Beta1) => crate::engine::Selector::default(),
        (None, Schema::V1Alpha1) => {
            return Err(ctx.invalid(
                &path.field("namespaceSelector"),
                "is required",
                "add `namespaceSelector: {}` to select pods in every namespace",
            ));
        }
    };
    let pods = match pods.pod_selector {
        Some(s) => selector(s, ctx, &path.field("podSelector"))?,
        None => {
            return Err(ctx.invalid(
                &path.field("podSelector"),
                "is required",
                "add `podSelector: {}` to select every pod of the namespaces",
            ));
        }
    };
    Ok((namespaces, pods))
}

#[allow(clippy::too_many_arguments)]
fn tier_rule(
    kind: ClusterKind,
    schema: Schema,
    rule: RuleWire<'_>,
    egress: bool,
    live: bool,
    lim: &Limits,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<TierRule, SourceError> {
    let name = rule.name.map(|n| n.to_string());
    if let Some(n) = &name
        && n.len() > 100
    {
        return Err(ctx.invalid(&path.field("name"), "is longer than 100 characters", "shorten the rule's name"));
    }
    let allowed: &[&str] = match kind {
        ClusterKind::AdminNetworkPolicy => &["Allow", "Deny", "Pass"],
        ClusterKind::BaselineAdminNetworkPolicy => &["Allow", "Deny"],
        ClusterKind::ClusterNetworkPolicy => &["Accept", "Deny", "Pass"],
    };
    let action_path = path.field("action");
    let action = match rule.action.as_deref() {
        None => return Err(ctx.invalid(&action_path, "is required", format!("use one of {}", allowed.join(", ")))),
        Some(a) if allowed.contains(&a) => match a {
            "Allow" | "Accept" => Action::Allow,
            "Deny" => Action::Deny,
            _ => Action::Pass,
        },
        Some(a) => {
            let hint = match (kind, a) {
                (ClusterKind::ClusterNetworkPolicy, "Allow") => " (ClusterNetworkPolicy spells it Accept)".to_string(),
                (_, "Accept") => format!(" ({kind} spells it Allow)"),
                (ClusterKind::BaselineAdminNetworkPolicy, "Pass") => {
                    " (a BaselineAdminNetworkPolicy has no Pass: it is the last tier)".to_string()
                }
                _ => String::new(),
            };
            return Err(ctx.invalid(
                &action_path,
                format!("unsupported action {a:?}{hint}"),
                format!("use one of {}", allowed.join(", ")),
            ));
        }
    };
    let (peers_field, other_field, peers, other) =
        if egress { ("to", "from", rule.to, rule.from) } else { ("from", "to", rule.from, rule.to) };
    if other.is_some() {
        return Err(ctx.invalid(
            &path.field(other_field),
            format!("is not a field of an {} rule", if egress { "egress" } else { "ingress" }),
            format!("name the peers in `{peers_field}`"),
        ));
    }
    let peers_path = path.field(peers_field);
    let peers = peers.unwrap_or_default();
    if peers.is_empty() {
        return Err(ctx.invalid(
            &peers_path,
            "must have at least one peer",
            "name the peers the rule matches; `namespaces: {}` matches every pod",
        ));
    }
    if peers.len() > lim.max_peers {
        return Err(ctx.invalid(
            &peers_path,
            format!("has {} peers, more than the {} allowed", peers.len(), lim.max_peers),
            "merge peers, or split the rule",
        ));
    }
    let mut out_peers = Vec::new();
    for (i, peer) in peers.into_iter().enumerate() {
        out_peers.push(tier_peer(kind, schema, peer, egress, action, live, ctx, &peers_path.index(i))?);
    }
    let ports = match (schema, rule.ports, rule.protocols) {
        (_, None, None) => None,
        (Schema::V1Alpha1, Some(ports), None) => Some(v1alpha1_ports(ports, lim, ctx, &path.field("ports"))?),
        (Schema::V1Alpha2 | Schema::V1Beta1, None, Some(protocols)) => {
            Some(protocols_ports(protocols, lim, ctx, &path.field("protocols"))?)
        }
        (Schema::V1Alpha1, _, Some(_)) => {
            return Err(ctx.invalid(
                &path.field("protocols"),
                format!("is not a field of {kind} (v1alpha1)"),
                "use `ports` with portNumber, portRange or namedPort",
            ));
        }
        (_, Some(_), _) => {
            return Err(ctx.invalid(
                &path.field("ports"),
                "is not a field of ClusterNetworkPolicy (v1alpha2)",
                "use `protocols`: [{tcp: {destinationPort: {number: 80}}}]",
            ));
        }
    };
    if let Some(ports) = &ports
        && ports.iter().any(|p| matches!(p, TierPort::Named(_)))
        && out_peers.iter().any(|p| matches!(p, TierPeer::Nodes(_) | TierPeer::Networks(_) | TierPeer::DomainNames(_)))
    {
        return Err(ctx.invalid(
            path,
            "networks/nodes/domainNames peer cannot be set with named ports since there are no named ports for \
             networks/nodes/domainNames",
            "use port numbers, or move the named port into a rule with pod peers only",
        ));
    }
    Ok(TierRule { name, action, peers: out_peers, ports })
}

#[allow(clippy::too_many_arguments)]
fn tier_peer(
    kind: ClusterKind,
    schema: Schema,
    peer: PeerWire<'_>,
    egress: bool,
    action: Action,
    live: bool,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<TierPeer, SourceError> {
    let set = [
        peer.namespaces.is_some(),
        peer.pods.is_some(),
        peer.nodes.is_some(),
        peer.networks.is_some(),
        peer.domain_names.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if set == 0 {
        if live {
            // A newer CRD's peer type: fail closed, as the API asks.
            return Ok(TierPeer::Unknown);
        }
        return Err(ctx.invalid(
            path,
            "must specify a peer",
            "give the entry one of namespaces, pods (or, for egress, nodes, networks, domainNames)",
        ));
    }
    if set > 1 {
        return Err(ctx.invalid(
            path,
            "may specify only one of namespaces, pods, nodes, networks and domainNames",
            "split it into several entries (entries are ORed)",
        ));
    }
    let egress_only = |field: &str| -> Result<(), SourceError> {
        if egress {
            Ok(())
        } else {
            Err(ctx.invalid(
                &path.field(field),
                format!("is not allowed in an ingress peer: `{field}` peers exist for egress only"),
                "use namespaces or pods for an ingress peer",
            ))
        }
    };
    if let Some(s) = peer.namespaces {
        return Ok(TierPeer::Namespaces(selector(s, ctx, &path.field("namespaces"))?));
    }
    if let Some(p) = peer.pods {
        let (namespaces, pods) = namespaced_pod(p, schema, ctx, &path.field("pods"))?;
        return Ok(TierPeer::Pods { namespaces, pods });
    }
    if let Some(s) = peer.nodes {
        egress_only("nodes")?;
        return Ok(TierPeer::Nodes(selector(s, ctx, &path.field("nodes"))?));
    }
    if let Some(nets) = peer.networks {
        egress_only("networks")?;
        let nets_path = path.field("networks");
        if nets.is_empty() || nets.len() > 25 {
            return Err(ctx.invalid(&nets_path, "must list 1 to 25 CIDRs", "list the networks, at most 25"));
        }
        let mut out = Vec::new();
        for (i, text) in nets.iter().enumerate() {
            let p = nets_path.index(i);
            let net = cidr(text, ctx, &p)?;
            let unmasked = text.parse::<ipnet::IpNet>().is_ok_and(|n| n != n.trunc());
            if schema == Schema::V1Beta1 && unmasked {
                return Err(ctx.invalid(
                    &p,
                    format!("{text:?} has host bits set"),
                    format!("write the network address: {net}"),
                ));
            }
            if !out.contains(&net) {
                out.push(net);
            }
        }
        return Ok(TierPeer::Networks(out));
    }
    let names = peer.domain_names.unwrap_or_default();
    egress_only("domainNames")?;
    let names_path = path.field("domainNames");
    if kind == ClusterKind::BaselineAdminNetworkPolicy {
        return Err(ctx.invalid(
            &names_path,
            "is not a field of a BaselineAdminNetworkPolicy peer",
            "use networks, or an AdminNetworkPolicy Allow rule with domainNames",
        ));
    }
    if action != Action::Allow {
        return Err(ctx.invalid(
            &names_path,
            format!("domainNames peers are only supported for {} rules", kind.allow_word()),
            format!("make the rule {}, with a Deny of lower precedence after it", kind.allow_word()),
        ));
    }
    if names.is_empty() || names.len() > 25 {
        return Err(ctx.invalid(&names_path, "must list 1 to 25 domain names", "list the names, at most 25"));
    }
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if !valid_domain_name(name) {
            return Err(ctx.invalid(
                &names_path.index(i),
                format!("{:?} is not a valid domain name", name.as_str()),
                "write a name such as example.com or *.example.com",
            ));
        }
        out.push(name.to_string());
    }
    Ok(TierPeer::DomainNames(out))
}

/// The API's `DomainName` pattern: optional `*.`, then dot-separated labels of letters, digits,
/// `-` and `_` (not at either end of a label), at least two labels, an optional trailing dot.
fn valid_domain_name(name: &str) -> bool {
    let rest = name.strip_prefix("*.").unwrap_or(name);
    let rest = rest.strip_suffix('.').unwrap_or(rest);
    let labels: Vec<&str> = rest.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && l.as_bytes()[0].is_ascii_alphanumeric()
                && l.as_bytes()[l.len() - 1].is_ascii_alphanumeric()
        })
}

fn count_check(n: usize, lim: &Limits, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<(), SourceError> {
    if n == 0 {
        return Err(ctx.invalid(path, "must have at least one entry", "leave the field out to match every port"));
    }
    if n > lim.max_ports {
        return Err(ctx.invalid(
            path,
            format!("has {n} entries, more than the {} allowed", lim.max_ports),
            "use port ranges, or split the rule",
        ));
    }
    Ok(())
}

fn range(start: Option<i64>, end: Option<i64>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<(u16, u16), SourceError> {
    let start = port_number(start, ctx, &path.field("start"))?;
    let end = port_number(end, ctx, &path.field("end"))?;
    if start >= end {
        return Err(ctx.invalid(
            path,
            format!("start port {start} must be less than end port {end}"),
            "swap start and end, or use a single port number",
        ));
    }
    Ok((start, end))
}

fn v1alpha1_ports(
    ports: Vec<PortWire<'_>>,
    lim: &Limits,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<Vec<TierPort>, SourceError> {
    count_check(ports.len(), lim, ctx, path)?;
    let mut out = Vec::new();
    for (i, port) in ports.into_iter().enumerate() {
        let p = path.index(i);
        let set = [port.port_number.is_some(), port.named_port.is_some(), port.port_range.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if set != 1 {
            return Err(ctx.invalid(
                &p,
                if set == 0 {
                    "must specify a port"
                } else {
                    "may specify only one of portNumber, namedPort and portRange"
                },
                "give exactly one of portNumber, namedPort or portRange",
            ));
        }
        if let Some(n) = port.port_number {
            let np = p.field("portNumber");
            let protocol = protocol(n.protocol.as_deref(), ctx, &np.field("protocol"))?;
            let port = port_number(n.port, ctx, &np.field("port"))?;
            out.push(TierPort::Number { protocol, port });
        } else if let Some(name) = port.named_port {
            check_port_name(&name, ctx, &p.field("namedPort"))?;
            out.push(TierPort::Named(name.to_string()));
        } else if let Some(r) = port.port_range {
            let rp = p.field("portRange");
            let protocol = protocol(r.protocol.as_deref(), ctx, &rp.field("protocol"))?;
            let (start, end) = range(r.start, r.end, ctx, &rp)?;
            out.push(TierPort::Range { protocol, start, end });
        }
    }
    Ok(out)
}

fn protocols_ports(
    protocols: Vec<ProtocolWire<'_>>,
    lim: &Limits,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<Vec<TierPort>, SourceError> {
    count_check(protocols.len(), lim, ctx, path)?;
    let mut out = Vec::new();
    for (i, entry) in protocols.into_iter().enumerate() {
        let p = path.index(i);
        let set =
            [entry.tcp.is_some(), entry.udp.is_some(), entry.sctp.is_some(), entry.destination_named_port.is_some()]
                .iter()
                .filter(|b| **b)
                .count();
        if set != 1 {
            return Err(ctx.invalid(
                &p,
                if set == 0 {
                    "must specify a protocol"
                } else {
                    "may specify only one of tcp, udp, sctp and destinationNamedPort"
                },
                "give each entry exactly one of tcp, udp, sctp or destinationNamedPort",
            ));
        }
        if let Some(name) = entry.destination_named_port {
            check_port_name(&name, ctx, &p.field("destinationNamedPort"))?;
            out.push(TierPort::Named(name.to_string()));
            continue;
        }
        let (protocol, field, port) = match (entry.tcp, entry.udp, entry.sctp) {
            (Some(t), _, _) => (Protocol::Tcp, "tcp", t),
            (_, Some(u), _) => (Protocol::Udp, "udp", u),
            (_, _, Some(s)) => (Protocol::Sctp, "sctp", s),
            _ => unreachable!("exactly one is set"),
        };
        let pp = p.field(field);
        let Some(dest) = port.destination_port else {
            return Err(ctx.invalid(
                &pp,
                "must specify destinationPort",
                format!(
                    "give `destinationPort: {{number: N}}` or a range; to match every {protocol} port, use \
                         `destinationPort: {{range: {{start: 1, end: 65535}}}}`"
                ),
            ));
        };
        let dp = pp.field("destinationPort");
        match (dest.number, dest.range) {
            (Some(n), None) => {
                out.push(TierPort::Number { protocol, port: port_number(Some(n), ctx, &dp.field("number"))? })
            }
            (None, Some(r)) => {
                let (start, end) = range(r.start, r.end, ctx, &dp.field("range"))?;
                out.push(TierPort::Range { protocol, start, end });
            }
            (None, None) => {
                return Err(ctx.invalid(
                    &dp,
                    "must specify number or range",
                    "give `number: N` or `range: {start, end}`",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(ctx.invalid(&dp, "may specify only one of number and range", "keep one of them"));
            }
        }
    }
    Ok(out)
}

/// Collects the keys the API does not define in a cluster-wide policy's spec.
pub(super) fn unknown_fields(u: &mut Unknowns<'_>, path: &FieldPath<'_>, spec: &ClusterPolicySpec<'_>) {
    u.report(path, &spec.unknown, known::spec());
    if let Some(subject) = &spec.subject {
        let sp = path.field("subject");
        u.report(&sp, &subject.unknown, known::subject());
        if let Some(s) = &subject.namespaces {
            u.selector(&sp.field("namespaces"), s);
        }
        if let Some(p) = &subject.pods {
            namespaced_pod_unknown(u, &sp.field("pods"), p);
        }
    }
    for (field, rules) in [("ingress", &spec.ingress), ("egress", &spec.egress)] {
        let rp = path.field(field);
        for (i, rule) in rules.iter().flatten().enumerate() {
            let p = rp.index(i);
            u.report(&p, &rule.unknown, known::rule());
            for (peers_field, peers) in [("from", &rule.from), ("to", &rule.to)] {
                let pp = p.field(peers_field);
                for (j, peer) in peers.iter().flatten().enumerate() {
                    let q = pp.index(j);
                    u.report(&q, &peer.unknown, known::peer());
                    if let Some(s) = &peer.namespaces {
                        u.selector(&q.field("namespaces"), s);
                    }
                    if let Some(s) = &peer.nodes {
                        u.selector(&q.field("nodes"), s);
                    }
                    if let Some(pods) = &peer.pods {
                        namespaced_pod_unknown(u, &q.field("pods"), pods);
                    }
                }
            }
            let pp = p.field("ports");
            for (j, port) in rule.ports.iter().flatten().enumerate() {
                let q = pp.index(j);
                u.report(&q, &port.unknown, known::port());
                if let Some(n) = &port.port_number {
                    u.report(&q.field("portNumber"), &n.unknown, known::port_number());
                }
                if let Some(r) = &port.port_range {
                    u.report(&q.field("portRange"), &r.unknown, known::port_range());
                }
            }
            let pp = p.field("protocols");
            for (j, entry) in rule.protocols.iter().flatten().enumerate() {
                let q = pp.index(j);
                u.report(&q, &entry.unknown, known::protocol());
                for (f, port) in [("tcp", &entry.tcp), ("udp", &entry.udp), ("sctp", &entry.sctp)] {
                    if let Some(port) = port {
                        let fp = q.field(f);
                        u.report(&fp, &port.unknown, known::protocol_port());
                        if let Some(d) = &port.destination_port {
                            let dp = fp.field("destinationPort");
                            u.report(&dp, &d.unknown, known::destination_port());
                            if let Some(r) = &d.range {
                                u.report(&dp.field("range"), &r.unknown, known::range());
                            }
                        }
                    }
                }
            }
        }
    }
}

fn namespaced_pod_unknown(u: &mut Unknowns<'_>, path: &FieldPath<'_>, pods: &NamespacedPod<'_>) {
    u.report(path, &pods.unknown, known::namespaced_pod());
    if let Some(s) = &pods.namespace_selector {
        u.selector(&path.field("namespaceSelector"), s);
    }
    if let Some(s) = &pods.pod_selector {
        u.selector(&path.field("podSelector"), s);
    }
}
