//! CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (`cilium.io/v2`), and CiliumCIDRGroup,
//! as sources read them: the wire shape (the fields kubectl-deny reads) and the conversion into
//! `engine::cilium::CiliumPolicy`, with the validation the CRD schema and Cilium's own parsing
//! apply (a rule needs `endpointSelector` or `nodeSelector`, not both; a CNP may not use
//! `nodeSelector`; entities, protocols, ports, CIDRs and selectors are checked), each error naming
//! the field and the fix, and with the namespace scoping Cilium applies to selectors:
//!
//! - a CNP's `endpointSelector` gets `k8s:io.kubernetes.pod.namespace=<its namespace>` (replacing
//!   any `matchLabels` entry of that key);
//! - a CNP's `fromEndpoints`/`toEndpoints`/`…Requires` selector gets the same, unless it already
//!   has a namespace key (`io.kubernetes.pod.namespace`, with or without `k8s:`, in `matchLabels`
//!   or as the key of a `matchExpressions` entry whatever its operator, or a key starting with
//!   `io.cilium.k8s.namespace.labels`) or, for `…Endpoints`, a `reserved:` key;
//! - a CCNP's peer selector without a namespace key or `reserved:` key gets
//!   `k8s:io.kubernetes.pod.namespace Exists` (so `{}` is every pod, never the host or the world).
//!
//! Both `spec` and `specs` may be present; all their rules apply (`spec` first). This module must
//! not read files, talk to the cluster, or evaluate policy.

use std::net::IpAddr;

use serde::Deserialize;

use super::SourceError;
use super::convert::Unknowns;
use super::convert::{Ctx, FieldPath, cidr, port_number};
use super::wire::{IntOrString, LabelSelector, ObjectMeta, Str, Unknown, checked, integer};
use crate::engine::cilium::{
    CidrEntry, CiliumPolicy, CiliumRule, CiliumSelector, Entity, NAMESPACE_KEY, NAMESPACE_LABELS_PREFIX, PeerRule,
    PortRule, Subject,
};
use crate::engine::model::{IpBlock, Operator, PolicyPort, PortRef, Protocol, Requirement, Selector};

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct CiliumNetworkPolicy<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub spec: Option<Rule<'a>>,
    #[serde(borrow)]
    pub specs: Option<Vec<Rule<'a>>>,
    /// Keys Cilium's CRD does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Rule<'a> {
    #[serde(borrow)]
    pub endpoint_selector: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub node_selector: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub ingress: Option<Vec<PeerRuleWire<'a>>>,
    #[serde(borrow)]
    pub ingress_deny: Option<Vec<PeerRuleWire<'a>>>,
    #[serde(borrow)]
    pub egress: Option<Vec<PeerRuleWire<'a>>>,
    #[serde(borrow)]
    pub egress_deny: Option<Vec<PeerRuleWire<'a>>>,
    pub enable_default_deny: Option<DefaultDeny>,
    /// Not a field of a rule: `specs` stands beside `spec` (a frequent mistake, caught here).
    pub specs: Option<serde_json::Value>,
    /// Keys Cilium's CRD does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DefaultDeny {
    pub ingress: Option<bool>,
    pub egress: Option<bool>,
}

/// An ingress, egress, ingressDeny or egressDeny rule: both directions' member names, each read
/// only in its direction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct PeerRuleWire<'a> {
    #[serde(borrow)]
    pub from_endpoints: Option<Vec<LabelSelector<'a>>>,
    #[serde(borrow)]
    pub to_endpoints: Option<Vec<LabelSelector<'a>>>,
    #[serde(borrow)]
    pub from_requires: Option<Vec<LabelSelector<'a>>>,
    #[serde(borrow)]
    pub to_requires: Option<Vec<LabelSelector<'a>>>,
    pub from_entities: Option<Vec<String>>,
    pub to_entities: Option<Vec<String>>,
    #[serde(rename = "fromCIDR")]
    pub from_cidr: Option<Vec<String>>,
    #[serde(rename = "toCIDR")]
    pub to_cidr: Option<Vec<String>>,
    #[serde(rename = "fromCIDRSet", borrow)]
    pub from_cidr_set: Option<Vec<CidrRule<'a>>>,
    #[serde(rename = "toCIDRSet", borrow)]
    pub to_cidr_set: Option<Vec<CidrRule<'a>>>,
    #[serde(borrow)]
    pub from_nodes: Option<Vec<LabelSelector<'a>>>,
    #[serde(borrow)]
    pub to_nodes: Option<Vec<LabelSelector<'a>>>,
    #[serde(rename = "toFQDNs")]
    pub to_fqdns: Option<Vec<Fqdn>>,
    pub to_services: Option<Vec<serde_json::Value>>,
    pub from_groups: Option<Vec<serde_json::Value>>,
    pub to_groups: Option<Vec<serde_json::Value>>,
    #[serde(borrow)]
    pub to_ports: Option<Vec<PortRuleWire<'a>>>,
    pub icmps: Option<Vec<serde_json::Value>>,
    pub authentication: Option<Authentication>,
    /// Keys Cilium's CRD does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct CidrRule<'a> {
    pub cidr: Option<String>,
    pub except: Option<Vec<String>>,
    pub cidr_group_ref: Option<String>,
    #[serde(borrow)]
    pub cidr_group_selector: Option<LabelSelector<'a>>,
    /// Keys Cilium's CRD does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fqdn {
    pub match_name: Option<String>,
    pub match_pattern: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Authentication {
    pub mode: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct PortRuleWire<'a> {
    #[serde(borrow)]
    pub ports: Option<Vec<PortProtocol<'a>>>,
    pub rules: Option<serde_json::Value>,
    pub server_names: Option<Vec<String>>,
    pub listener: Option<serde_json::Value>,
    #[serde(rename = "terminatingTLS")]
    pub terminating_tls: Option<serde_json::Value>,
    #[serde(rename = "originatingTLS")]
    pub originating_tls: Option<serde_json::Value>,
    /// Keys Cilium's CRD does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct PortProtocol<'a> {
    #[serde(borrow)]
    pub port: Option<IntOrString<'a>>,
    #[serde(default, deserialize_with = "integer")]
    pub end_port: Option<i64>,
    pub protocol: Option<String>,
    /// Keys Cilium's CRD does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

/// A CiliumCIDRGroup (`cilium.io/v2alpha1` or `v2`): named address blocks policies refer to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumCidrGroup<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    pub spec: Option<CidrGroupSpec>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CidrGroupSpec {
    #[serde(rename = "externalCIDRs")]
    pub external_cidrs: Option<Vec<String>>,
}

/// The fields of Cilium's CRD (`cilium.io/v2`, CiliumNetworkPolicy), per wire type.
pub mod known {
    use super::super::wire::listed_fields;

    listed_fields! {
        policy: ["apiVersion", "kind", "metadata", "spec", "specs", "status"];
        rule: ["endpointSelector", "nodeSelector", "ingress", "ingressDeny", "egress", "egressDeny",
            "enableDefaultDeny", "labels", "description", "log", "specs"];
        peer_rule: ["fromEndpoints", "toEndpoints", "fromRequires", "toRequires", "fromEntities", "toEntities",
            "fromCIDR", "toCIDR", "fromCIDRSet", "toCIDRSet", "fromNodes", "toNodes", "toFQDNs", "toServices",
            "fromGroups", "toGroups", "toPorts", "icmps", "authentication"];
        cidr_rule: ["cidr", "except", "cidrGroupRef", "cidrGroupSelector"];
        port_rule: ["ports", "rules", "serverNames", "listener", "terminatingTLS", "originatingTLS"];
        port_protocol: ["port", "endPort", "protocol"];
    }
}

checked! {
    CiliumNetworkPolicy => known::policy,
    Rule => known::rule,
    PeerRuleWire => known::peer_rule,
    CidrRule => known::cidr_rule,
    PortRuleWire => known::port_rule,
    PortProtocol => known::port_protocol,
}

/// Collects the keys Cilium's CRD does not define in a policy (a typo such as `toEndpoint` would
/// otherwise turn a rule into one that matches every peer).
pub(super) fn unknown_fields(u: &mut Unknowns<'_>, object: &CiliumNetworkPolicy<'_>) {
    u.top(&object.unknown, known::policy());
    if let Some(meta) = &object.metadata {
        u.meta(&FieldPath::root("metadata"), meta);
    }
    let specs = object.specs.iter().flatten().enumerate().map(|(i, r)| (format!("specs[{i}]"), r));
    for (place, rule) in object.spec.iter().map(|r| ("spec".to_string(), r)).chain(specs) {
        let path = FieldPath::root(&place);
        u.report(&path, &rule.unknown, known::rule());
        for (field, sel) in [("endpointSelector", &rule.endpoint_selector), ("nodeSelector", &rule.node_selector)] {
            if let Some(sel) = sel {
                u.selector(&path.field(field), sel);
            }
        }
        let sections = [
            ("ingress", &rule.ingress),
            ("ingressDeny", &rule.ingress_deny),
            ("egress", &rule.egress),
            ("egressDeny", &rule.egress_deny),
        ];
        for (name, rules) in sections {
            let section = path.field(name);
            for (i, r) in rules.iter().flatten().enumerate() {
                let rule_path = section.index(i);
                u.report(&rule_path, &r.unknown, known::peer_rule());
                for (field, list) in [("fromCIDRSet", &r.from_cidr_set), ("toCIDRSet", &r.to_cidr_set)] {
                    let list_path = rule_path.field(field);
                    for (j, c) in list.iter().flatten().enumerate() {
                        u.report(&list_path.index(j), &c.unknown, known::cidr_rule());
                    }
                }
                let ports_path = rule_path.field("toPorts");
                for (j, pr) in r.to_ports.iter().flatten().enumerate() {
                    let pr_path = ports_path.index(j);
                    u.report(&pr_path, &pr.unknown, known::port_rule());
                    let pp_path = pr_path.field("ports");
                    for (k, pp) in pr.ports.iter().flatten().enumerate() {
                        u.report(&pp_path.index(k), &pp.unknown, known::port_protocol());
                    }
                }
            }
        }
    }
}

/// The policy of a CNP (`namespace` given) or CCNP, validated and scoped.
pub(super) fn policy(
    namespace: Option<String>,
    name: String,
    object: CiliumNetworkPolicy<'_>,
    ctx: &Ctx<'_>,
) -> Result<CiliumPolicy, SourceError> {
    let mut rules = Vec::new();
    let several = object.spec.is_some() && object.specs.as_ref().is_some_and(|s| !s.is_empty())
        || object.specs.as_ref().is_some_and(|s| s.len() > 1);
    if let Some(spec) = object.spec {
        rules.push(rule(namespace.as_deref(), spec, "spec".to_string(), ctx)?);
    }
    for (i, spec) in object.specs.unwrap_or_default().into_iter().enumerate() {
        rules.push(rule(namespace.as_deref(), spec, format!("specs[{i}]"), ctx)?);
    }
    if rules.is_empty() {
        return Err(ctx.invalid(
            &FieldPath::root("spec"),
            "is required: the policy has neither `spec` nor `specs`",
            "give the policy a `spec` (one rule) or `specs` (a list of rules)",
        ));
    }
    if !several {
        for r in &mut rules {
            r.place.clear();
        }
    }
    Ok(CiliumPolicy { namespace, name, rules })
}

fn rule(namespace: Option<&str>, spec: Rule<'_>, place: String, ctx: &Ctx<'_>) -> Result<CiliumRule, SourceError> {
    let path_text = place.clone();
    let path = FieldPath::root(&path_text);
    if spec.specs.is_some() {
        return Err(ctx.invalid(
            &path.field("specs"),
            "is not a field of a rule: `specs` is a top-level field of the policy, beside `spec`",
            "move `specs:` out of `spec:` to the level of `metadata:` (Cilium drops it here, unnoticed)",
        ));
    }
    let subject = match (spec.endpoint_selector, spec.node_selector) {
        (Some(sel), None) => {
            let mut selector = cilium_selector(sel, ctx, &path.field("endpointSelector"))?;
            if let Some(ns) = namespace {
                // A CNP selects pods of its own namespace only, whatever the selector says.
                selector.selector.match_labels.retain(|(k, _)| !is_namespace_key(k));
                selector.selector.match_labels.push((format!("k8s:{NAMESPACE_KEY}"), ns.to_string()));
            }
            Subject::Endpoints(selector)
        }
        (None, Some(sel)) => {
            if namespace.is_some() {
                return Err(ctx.invalid(
                    &path.field("nodeSelector"),
                    "a CiliumNetworkPolicy cannot have a nodeSelector (Cilium rejects the whole policy)",
                    "host policies are CiliumClusterwideNetworkPolicies: move the rule into one, or use \
                     `endpointSelector`",
                ));
            }
            Subject::Nodes(cilium_selector(sel, ctx, &path.field("nodeSelector"))?)
        }
        (None, None) => {
            return Err(ctx.invalid(
                &path.field("endpointSelector"),
                "is required: a rule needs an endpointSelector or a nodeSelector",
                "add `endpointSelector: {}` to select every pod (of the namespace, for a CiliumNetworkPolicy)",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(ctx.invalid(
                &path.field("nodeSelector"),
                "may not be given with `endpointSelector`",
                "split the rule in two: one with endpointSelector, one (in a clusterwide policy) with nodeSelector",
            ));
        }
    };
    let mut sections = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    let wires = [spec.ingress, spec.ingress_deny, spec.egress, spec.egress_deny];
    let names = ["ingress", "ingressDeny", "egress", "egressDeny"];
    for (k, rules) in wires.into_iter().enumerate() {
        let section_path = path.field(names[k]);
        for (i, r) in rules.unwrap_or_default().into_iter().enumerate() {
            let egress = k >= 2;
            let deny = k % 2 == 1;
            sections[k].push(peer_rule(namespace, r, egress, deny, ctx, &section_path.index(i))?);
        }
    }
    let [ingress, ingress_deny, egress, egress_deny] = sections;
    let default_deny = spec.enable_default_deny.unwrap_or_default();
    Ok(CiliumRule {
        place,
        subject,
        ingress,
        ingress_deny,
        egress,
        egress_deny,
        default_deny_ingress: default_deny.ingress,
        default_deny_egress: default_deny.egress,
    })
}

fn peer_rule(
    namespace: Option<&str>,
    r: PeerRuleWire<'_>,
    egress: bool,
    deny: bool,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<PeerRule, SourceError> {
    let (dir, other) = if egress { ("to", "from") } else { ("from", "to") };
    // Members of the other direction are mistakes the CRD schema rejects.
    let misplaced = if egress {
        [
            ("fromEndpoints", r.from_endpoints.is_some()),
            ("fromEntities", r.from_entities.is_some()),
            ("fromCIDR", r.from_cidr.is_some()),
            ("fromCIDRSet", r.from_cidr_set.is_some()),
            ("fromRequires", r.from_requires.is_some()),
            ("fromNodes", r.from_nodes.is_some()),
            ("fromGroups", r.from_groups.is_some()),
        ]
    } else {
        [
            ("toEndpoints", r.to_endpoints.is_some()),
            ("toEntities", r.to_entities.is_some()),
            ("toCIDR", r.to_cidr.is_some()),
            ("toCIDRSet", r.to_cidr_set.is_some()),
            ("toRequires", r.to_requires.is_some()),
            ("toNodes", r.to_nodes.is_some()),
            ("toGroups", r.to_groups.is_some()),
        ]
    };
    if let Some((field, _)) = misplaced.iter().find(|(_, present)| *present) {
        return Err(ctx.invalid(
            &path.field(field),
            format!("is not a field of an {} rule", if egress { "egress" } else { "ingress" }),
            format!(
                "{} rules name peers with `{dir}…` fields: write `{dir}{}`",
                if egress { "egress" } else { "ingress" },
                &field[other.len()..]
            ),
        ));
    }
    let (endpoints, requires, entities, cidrs, cidr_sets, nodes) = if egress {
        (r.to_endpoints, r.to_requires, r.to_entities, r.to_cidr, r.to_cidr_set, r.to_nodes)
    } else {
        (r.from_endpoints, r.from_requires, r.from_entities, r.from_cidr, r.from_cidr_set, r.from_nodes)
    };
    let mut out = PeerRule::default();
    if let Some(list) = endpoints {
        let field = format!("{dir}Endpoints");
        let list_path = path.field(&field);
        let mut selectors = Vec::new();
        for (i, sel) in list.into_iter().enumerate() {
            let mut s = cilium_selector(sel, ctx, &list_path.index(i))?;
            scope_peer(&mut s, namespace, true);
            selectors.push(s);
        }
        out.endpoints = Some(selectors);
    }
    if let Some(list) = requires {
        let field = format!("{dir}Requires");
        let list_path = path.field(&field);
        for (i, sel) in list.into_iter().enumerate() {
            let mut s = cilium_selector(sel, ctx, &list_path.index(i))?;
            scope_peer(&mut s, namespace, false);
            out.requires.push(s);
        }
    }
    if let Some(list) = entities {
        let field = format!("{dir}Entities");
        let list_path = path.field(&field);
        let mut parsed = Vec::new();
        for (i, name) in list.iter().enumerate() {
            match Entity::parse(name) {
                Some(e) => parsed.push(e),
                None => {
                    let known: Vec<&str> = Entity::ALL.iter().map(|(n, _)| *n).collect();
                    return Err(ctx.invalid(
                        &list_path.index(i),
                        format!("unknown entity {name:?}"),
                        format!("use one of {}", known.join(", ")),
                    ));
                }
            }
        }
        out.entities = Some(parsed);
    }
    if cidrs.is_some() || cidr_sets.is_some() {
        let mut entries = Vec::new();
        let cidr_field = format!("{dir}CIDR");
        let cidr_path = path.field(&cidr_field);
        for (i, text) in cidrs.unwrap_or_default().iter().enumerate() {
            entries
                .push(CidrEntry::Block(IpBlock { cidr: cilium_cidr(text, ctx, &cidr_path.index(i))?, except: vec![] }));
        }
        let set_field = format!("{dir}CIDRSet");
        let set_path = path.field(&set_field);
        for (i, entry) in cidr_sets.unwrap_or_default().into_iter().enumerate() {
            let entry_path = set_path.index(i);
            entries.push(match (entry.cidr, entry.cidr_group_ref, entry.cidr_group_selector) {
                (Some(text), None, None) => {
                    let block = cilium_cidr(&text, ctx, &entry_path.field("cidr"))?;
                    let except_path = entry_path.field("except");
                    let mut except = Vec::new();
                    for (j, e) in entry.except.unwrap_or_default().iter().enumerate() {
                        let net = cilium_cidr(e, ctx, &except_path.index(j))?;
                        if !block.contains(&net.network()) || net.prefix_len() < block.prefix_len() {
                            return Err(ctx.invalid(
                                &except_path.index(j),
                                format!("{e} is not inside `cidr` {block}"),
                                format!("list only ranges inside {block}, or widen `cidr`"),
                            ));
                        }
                        except.push(net);
                    }
                    CidrEntry::Block(IpBlock { cidr: block, except })
                }
                (None, Some(name), None) => CidrEntry::GroupRef(name),
                (None, None, Some(sel)) => {
                    let s = cilium_selector(sel, ctx, &entry_path.field("cidrGroupSelector"))?;
                    CidrEntry::GroupSelector(s.text)
                }
                _ => {
                    return Err(ctx.invalid(
                        &entry_path,
                        "needs exactly one of `cidr`, `cidrGroupRef` and `cidrGroupSelector`",
                        "split the entry into one entry per kind",
                    ));
                }
            });
        }
        out.cidrs = Some(entries);
    }
    if let Some(list) = nodes {
        let field = format!("{dir}Nodes");
        let list_path = path.field(&field);
        let mut selectors = Vec::new();
        for (i, sel) in list.into_iter().enumerate() {
            selectors.push(super::convert::selector(sel, ctx, &list_path.index(i))?);
        }
        out.nodes = Some(selectors);
    }
    if let Some(fqdns) = r.to_fqdns {
        if deny {
            return Err(ctx.invalid(
                &path.field("toFQDNs"),
                "is not supported in deny rules",
                "deny the addresses with toCIDRSet, or allow only the names you want in an egress rule",
            ));
        }
        if !egress {
            return Err(ctx.invalid(&path.field("toFQDNs"), "is an egress field", "move it into an egress rule"));
        }
        for f in fqdns {
            if let Some(name) = f.match_name {
                out.fqdns.push(name);
            }
            if let Some(pattern) = f.match_pattern {
                out.fqdns.push(pattern);
            }
        }
    }
    if let Some(services) = r.to_services {
        out.services = services.iter().map(service_text).collect();
    }
    out.groups = r.to_groups.map_or(0, |g| g.len()) + r.from_groups.map_or(0, |g| g.len());
    out.icmps = r.icmps.is_some_and(|i| !i.is_empty());
    out.authentication = r.authentication.and_then(|a| a.mode).filter(|m| m != "disabled");
    let ports_path = path.field("toPorts");
    for (i, pr) in r.to_ports.unwrap_or_default().into_iter().enumerate() {
        out.ports.push(port_rule(pr, deny, ctx, &ports_path.index(i))?);
    }
    Ok(out)
}

/// `myservice in default`, `selector {…} in default` for a `toServices` entry.
fn service_text(v: &serde_json::Value) -> String {
    if let Some(s) = v.get("k8sService") {
        let name = s.get("serviceName").and_then(|n| n.as_str()).unwrap_or("?");
        let ns = s.get("namespace").and_then(|n| n.as_str()).unwrap_or("(namespace not given)");
        return format!("Service {ns}/{name}");
    }
    if let Some(s) = v.get("k8sServiceSelector") {
        return format!("Services selected by {}", s.get("selector").map(|x| x.to_string()).unwrap_or_default());
    }
    v.to_string()
}

fn port_rule(pr: PortRuleWire<'_>, deny: bool, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<PortRule, SourceError> {
    let mut out = PortRule::default();
    let ports_path = path.field("ports");
    let mut texts = Vec::new();
    for (i, pp) in pr.ports.unwrap_or_default().into_iter().enumerate() {
        let entry_path = ports_path.index(i);
        let protocols: Vec<Protocol> = match pp.protocol.as_deref() {
            None | Some("") | Some("ANY") => Protocol::ALL.to_vec(),
            Some("TCP") => vec![Protocol::Tcp],
            Some("UDP") => vec![Protocol::Udp],
            Some("SCTP") => vec![Protocol::Sctp],
            Some("ICMP" | "ICMPv6" | "VRRP" | "IGMP") => Vec::new(),
            Some(other) => {
                let fix = match other.to_ascii_uppercase().as_str() {
                    u @ ("TCP" | "UDP" | "SCTP" | "ANY") => format!("write it in upper case: {u}"),
                    _ => "use TCP, UDP, SCTP or ANY (the default)".to_string(),
                };
                return Err(ctx.invalid(&entry_path.field("protocol"), format!("unsupported protocol {other:?}"), fix));
            }
        };
        let port = match pp.port {
            None => None,
            Some(IntOrString::Int(0)) => None,
            Some(IntOrString::Int(n)) => Some(PortRef::Number(port_number(Some(n), ctx, &entry_path.field("port"))?)),
            Some(IntOrString::String(s)) => match s.parse::<i64>() {
                Ok(0) => None,
                Ok(n) => Some(PortRef::Number(port_number(Some(n), ctx, &entry_path.field("port"))?)),
                Err(_) => {
                    super::convert::check_port_name(&s, ctx, &entry_path.field("port"))?;
                    Some(PortRef::Name(s.to_string()))
                }
            },
        };
        let end_port = match (pp.end_port, &port) {
            (None, _) | (Some(0), _) => None,
            // "It is ignored when Port is a named port" (Cilium's docs).
            (Some(_), Some(PortRef::Name(_))) => None,
            (Some(end), None) => {
                return Err(ctx.invalid(
                    &entry_path.field("endPort"),
                    format!("{end}: needs a `port` to start the range"),
                    "set `port` to the first port of the range",
                ));
            }
            (Some(end), Some(PortRef::Number(start))) => {
                let end = port_number(Some(end), ctx, &entry_path.field("endPort"))?;
                if end < *start {
                    return Err(ctx.invalid(
                        &entry_path.field("endPort"),
                        format!("{end} must be greater than or equal to `port` ({start})"),
                        "swap `port` and `endPort`, or fix the range",
                    ));
                }
                Some(end)
            }
        };
        let shown_port = match (&port, end_port) {
            (None, _) => "all ports".to_string(),
            (Some(p), Some(end)) => format!("{p}-{end}"),
            (Some(p), None) => p.to_string(),
        };
        texts.push(format!("{shown_port}/{}", pp.protocol.as_deref().filter(|p| !p.is_empty()).unwrap_or("ANY")));
        for protocol in protocols {
            out.ports.push(PolicyPort { protocol, port: port.clone(), end_port });
        }
    }
    out.every_port = texts.is_empty();
    out.text = if texts.is_empty() { "every port".to_string() } else { texts.join(", ") };
    let mut above = Vec::new();
    if let Some(rules) = pr.rules.as_ref().filter(|r| !r.is_null()) {
        if deny {
            return Err(ctx.invalid(
                &path.field("rules"),
                "is not supported in deny rules (deny rules are L3/L4 only)",
                "remove `rules`, or move the L7 rules into an allow rule",
            ));
        }
        above.push(l7_text(rules));
    }
    if let Some(names) = pr.server_names.filter(|n| !n.is_empty()) {
        above.push(format!("TLS SNI must be {}", names.join(" or ")));
    }
    if pr.listener.is_some() {
        above.push("handed to an Envoy listener".to_string());
    }
    if pr.terminating_tls.is_some() || pr.originating_tls.is_some() {
        above.push("TLS intercepted by the proxy".to_string());
    }
    out.above_l4 = (!above.is_empty()).then(|| above.join("; "));
    Ok(out)
}

/// `HTTP rules (GET /public)`, `DNS rules (matchPattern "*")`.
fn l7_text(rules: &serde_json::Value) -> String {
    let list = |key: &str| rules.get(key).and_then(|v| v.as_array()).cloned().unwrap_or_default();
    let http = list("http");
    if !http.is_empty() {
        let each: Vec<String> = http
            .iter()
            .map(|r| {
                let method = r.get("method").and_then(|m| m.as_str()).unwrap_or("any method");
                let path = r.get("path").and_then(|m| m.as_str()).unwrap_or("any path");
                format!("{method} {path}")
            })
            .collect();
        return format!("HTTP rules ({})", each.join(", "));
    }
    let dns = list("dns");
    if !dns.is_empty() {
        let each: Vec<String> = dns
            .iter()
            .flat_map(|r| {
                [("matchName", r.get("matchName")), ("matchPattern", r.get("matchPattern"))]
                    .into_iter()
                    .filter_map(|(k, v)| v.and_then(|v| v.as_str()).map(|v| format!("{k} {v:?}")))
            })
            .collect();
        return format!("DNS rules ({})", each.join(", "));
    }
    if !list("kafka").is_empty() {
        return "Kafka rules".to_string();
    }
    "L7 rules".to_string()
}

fn cilium_cidr(text: &str, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<ipnet::IpNet, SourceError> {
    // Cilium accepts a bare address as a host prefix.
    match text.parse::<IpAddr>() {
        Ok(ip) => Ok(ipnet::IpNet::from(ip)),
        Err(_) => cidr(text, ctx, path),
    }
}

fn is_namespace_key(key: &str) -> bool {
    key == format!("k8s:{NAMESPACE_KEY}") || key == format!("any:{NAMESPACE_KEY}")
}

/// Cilium's scoping of a peer selector (see the module documentation).
fn scope_peer(s: &mut CiliumSelector, namespace: Option<&str>, endpoints: bool) {
    let keys = s
        .selector
        .match_labels
        .iter()
        .map(|(k, _)| k.as_str())
        .chain(s.selector.match_expressions.iter().map(|r| r.key.as_str()));
    let mut has_namespace = false;
    let mut reserved = false;
    for key in keys {
        has_namespace |= is_namespace_key(key)
            || key.starts_with(&format!("k8s:{}", NAMESPACE_LABELS_PREFIX.trim_end_matches('.')))
            || key.starts_with(&format!("any:{}", NAMESPACE_LABELS_PREFIX.trim_end_matches('.')));
        reserved |= key.starts_with("reserved:");
    }
    if has_namespace || (endpoints && reserved) {
        return;
    }
    match namespace {
        Some(ns) => s.selector.match_labels.push((format!("k8s:{NAMESPACE_KEY}"), ns.to_string())),
        None => s.selector.match_expressions.push(Requirement {
            key: format!("k8s:{NAMESPACE_KEY}"),
            operator: Operator::Exists,
            values: Vec::new(),
        }),
    }
}

/// A label selector with Cilium's `source:key` keys, encoded for identity matching (see
/// `engine::cilium::model`).
fn cilium_selector(sel: LabelSelector<'_>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<CiliumSelector, SourceError> {
    let mut text_parts = Vec::new();
    let mut selector = Selector::default();
    let labels_path = path.field("matchLabels");
    for (key, value) in sel.match_labels.map(|m| m.0).unwrap_or_default() {
        let k = encode_key(&key, ctx, &labels_path)?;
        text_parts.push(format!("{}={}", key.as_str(), value.as_str()));
        selector.match_labels.push((k, value.to_string()));
    }
    selector.match_labels.sort();
    selector.match_labels.dedup_by(|a, b| a.0 == b.0);
    // matchLabels is a map: shown in key order, as the API (and kubectl) write it.
    text_parts.sort();
    let expressions_path = path.field("matchExpressions");
    for (i, r) in sel.match_expressions.unwrap_or_default().into_iter().enumerate() {
        let r_path = expressions_path.index(i);
        let Some(operator) = Operator::parse(&r.operator) else {
            return Err(ctx.invalid(
                &r_path.field("operator"),
                format!("unknown operator {:?}", r.operator.as_str()),
                "use one of In, NotIn, Exists, DoesNotExist",
            ));
        };
        let values: Vec<String> = r.values.unwrap_or_default().iter().map(|v| v.to_string()).collect();
        match operator {
            Operator::In | Operator::NotIn if values.is_empty() => {
                return Err(ctx.invalid(
                    &r_path.field("values"),
                    format!("must be specified when `operator` is {operator}"),
                    "list at least one value, or use Exists / DoesNotExist",
                ));
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                return Err(ctx.invalid(
                    &r_path.field("values"),
                    format!("may not be specified when `operator` is {operator}"),
                    "remove `values`, or use In / NotIn to match specific values",
                ));
            }
            _ => {}
        }
        let key = encode_key(&r.key, ctx, &r_path.field("key"))?;
        text_parts.push(match operator {
            Operator::In | Operator::NotIn => format!("{} {operator} ({})", r.key.as_str(), values.join(", ")),
            Operator::Exists => format!("{} exists", r.key.as_str()),
            Operator::DoesNotExist => format!("!{}", r.key.as_str()),
        });
        selector.match_expressions.push(Requirement { key, operator, values });
    }
    let text = if text_parts.is_empty() { "{}".to_string() } else { format!("{{{}}}", text_parts.join(", ")) };
    Ok(CiliumSelector { selector, text })
}

/// `app` → `any:app`, `k8s:app` → `k8s:app`, `reserved:host` → `reserved:host`.
fn encode_key(key: &Str<'_>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<String, SourceError> {
    let (source, name) = match key.split_once(':') {
        Some((source, name)) => (source, name),
        None => ("any", key.as_str()),
    };
    if name.is_empty() || name.chars().any(char::is_whitespace) || source.is_empty() {
        return Err(ctx.invalid(
            path,
            format!("label key {:?} is not a valid Cilium label key", key.as_str()),
            "write `key` or `source:key`, such as `app`, `k8s:app` or `reserved:host`",
        ));
    }
    Ok(format!("{source}:{name}"))
}

/// The address blocks of a CiliumCIDRGroup.
pub(super) fn cidr_group(group: CiliumCidrGroup<'_>, ctx: &Ctx<'_>) -> Result<Vec<ipnet::IpNet>, SourceError> {
    let path = FieldPath::root("spec");
    let list_path = path.field("externalCIDRs");
    let mut out = Vec::new();
    for (i, text) in group.spec.unwrap_or_default().external_cidrs.unwrap_or_default().iter().enumerate() {
        out.push(cilium_cidr(text, ctx, &list_path.index(i))?);
    }
    Ok(out)
}
