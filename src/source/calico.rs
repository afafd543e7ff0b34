//! Calico's policy objects as sources read them: `projectcalico.org/v3` `NetworkPolicy`,
//! `GlobalNetworkPolicy`, `Tier`, `StagedNetworkPolicy` and `StagedGlobalNetworkPolicy`, and the
//! same kinds in `crd.projectcalico.org/v1` (how clusters without Calico's API server store them).
//! The wire shape (unknown keys kept for warnings), and the conversion into the engine's
//! `calico` model with Calico's defaulting and validation:
//!
//! - `spec.tier` defaults to `default`; `types` as Calico's API defaults it (absent or empty: no
//!   egress rules means `[Ingress]`, egress rules without ingress rules `[Egress]`, both
//!   `[Ingress, Egress]`), which is not Kubernetes' `policyTypes` defaulting. A
//!   `crd.projectcalico.org/v1` object without `types` did not go through that defaulting (it was
//!   written around Calico's API): Felix enforces it in both directions, and so do we.
//! - Selectors are parsed here (`engine::calico::selector`), so a bad one is an error naming the
//!   field, the column and its line.
//! - `ports` need `protocol` TCP, UDP or SCTP; `services` excludes every other selection of its
//!   entity; `action` is one of `Allow`, `Deny`, `Log`, `Pass`; protocols by name (any case) or
//!   number 1-255; `nets` take CIDRs or single addresses.
//! - In `crd.projectcalico.org/v1`, a default-tier policy stored as `default.<name>` (Calico
//!   before 3.32) is named `<name>`, as the v3 API shows it.
//!
//! This module must not read files, talk to the cluster, or evaluate policy.

use std::fmt;

use ipnet::IpNet;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::SourceError;
use super::convert::{Ctx, FieldPath, Unknowns, check_port_name};
use super::wire::{IntOrString, ObjectMeta, Str, Unknown, checked, integer};
use crate::engine::calico::selector::{self, Expr};
use crate::engine::calico::{
    Action, CalicoKind, CalicoPolicy, CalicoPort, CalicoRule, DEFAULT_TIER, EntityRule, ProtocolMatch,
    ServiceAccountMatch, StagedAction, StagedBody, StagedPolicy, Tier, TierAction,
};
use crate::engine::model::Protocol;

/// The Calico kinds read, and whether in the `crd.projectcalico.org/v1` storage form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireKind {
    pub kind: ObjectKind,
    pub stored: bool,
}

/// The Calico resources the live source reads, in the group the cluster serves:
/// `projectcalico.org/v3` (Calico's API server, or its native v3 CRDs since 3.32), else the
/// `crd.projectcalico.org/v1` CRDs Calico stores them in. Staged policies are not read live.
pub fn resources(stored: bool) -> [(crate::source::fetch::Resource, ObjectKind); 3] {
    use crate::source::fetch::Resource;
    let r = |plural: &'static str, v3_rbac: &'static str, crd_rbac: &'static str, namespaced: bool| Resource {
        prefix: if stored { "/apis/crd.projectcalico.org/v1" } else { "/apis/projectcalico.org/v3" },
        plural,
        rbac: if stored { crd_rbac } else { v3_rbac },
        namespaced,
    };
    [
        (r("tiers", "tiers.projectcalico.org", "tiers.crd.projectcalico.org", false), ObjectKind::Tier),
        (
            r(
                "globalnetworkpolicies",
                "globalnetworkpolicies.projectcalico.org",
                "globalnetworkpolicies.crd.projectcalico.org",
                false,
            ),
            ObjectKind::GlobalNetworkPolicy,
        ),
        (
            r("networkpolicies", "networkpolicies.projectcalico.org", "networkpolicies.crd.projectcalico.org", true),
            ObjectKind::NetworkPolicy,
        ),
    ]
}

/// The Calico kind a live response holds, by its resource; `None` for any other resource.
pub fn of_resource(resource: &crate::source::fetch::Resource) -> Option<WireKind> {
    let stored = match resource.prefix {
        "/apis/projectcalico.org/v3" => false,
        "/apis/crd.projectcalico.org/v1" => true,
        _ => return None,
    };
    resources(stored).into_iter().find(|(r, _)| r.plural == resource.plural).map(|(_, kind)| WireKind { kind, stored })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    NetworkPolicy,
    GlobalNetworkPolicy,
    Tier,
    StagedNetworkPolicy,
    StagedGlobalNetworkPolicy,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::NetworkPolicy => "NetworkPolicy",
            ObjectKind::GlobalNetworkPolicy => "GlobalNetworkPolicy",
            ObjectKind::Tier => "Tier",
            ObjectKind::StagedNetworkPolicy => "StagedNetworkPolicy",
            ObjectKind::StagedGlobalNetworkPolicy => "StagedGlobalNetworkPolicy",
        }
    }

    pub fn namespaced(self) -> bool {
        matches!(self, ObjectKind::NetworkPolicy | ObjectKind::StagedNetworkPolicy)
    }
}

impl WireKind {
    /// The Calico kind of `kind` in API group `group`, if it is one kubectl-deny reads.
    pub fn classify(group: &str, kind: &str) -> Option<WireKind> {
        let stored = match group {
            "projectcalico.org" => false,
            "crd.projectcalico.org" => true,
            _ => return None,
        };
        let kind = match kind {
            "NetworkPolicy" => ObjectKind::NetworkPolicy,
            "GlobalNetworkPolicy" => ObjectKind::GlobalNetworkPolicy,
            "Tier" => ObjectKind::Tier,
            "StagedNetworkPolicy" => ObjectKind::StagedNetworkPolicy,
            "StagedGlobalNetworkPolicy" => ObjectKind::StagedGlobalNetworkPolicy,
            _ => return None,
        };
        Some(WireKind { kind, stored })
    }

    /// As named in messages: `Calico NetworkPolicy`, `Calico Tier`.
    pub fn display(self) -> String {
        format!("Calico {}", self.kind.as_str())
    }
}

/// The fields Calico's API defines for each wire type (projectcalico.org/v3 types).
pub mod known {
    use super::super::wire::listed_fields;

    listed_fields! {
        object: ["apiVersion", "kind", "metadata", "spec", "status"];
        spec: ["order", "tier", "selector", "serviceAccountSelector", "namespaceSelector", "types", "ingress",
            "egress", "doNotTrack", "preDNAT", "applyOnForward", "performanceHints", "defaultAction",
            "stagedAction"];
        rule: ["metadata", "action", "protocol", "notProtocol", "ipVersion", "icmp", "notICMP", "source",
            "destination", "http"];
        entity: ["nets", "notNets", "selector", "notSelector", "namespaceSelector", "ports", "notPorts",
            "serviceAccounts", "services"];
        service_accounts: ["names", "selector"];
        services: ["name", "namespace"];
    }
}

checked! {
    CalicoObject => known::object,
    CalicoSpec => known::spec,
    RuleWire => known::rule,
    EntityWire => known::entity,
    ServiceAccountsWire => known::service_accounts,
    ServicesWire => known::services,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(remote = "Self")]
pub struct CalicoObject<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub spec: Option<CalicoSpec<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

impl Eq for CalicoObject<'_> {}

/// The spec of every kind read (the union of their fields: a Tier's `order` and
/// `defaultAction`, a policy's selectors and rules, a staged policy's `stagedAction`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct CalicoSpec<'a> {
    #[serde(default, deserialize_with = "number")]
    pub order: Option<f64>,
    #[serde(borrow)]
    pub tier: Option<Str<'a>>,
    #[serde(borrow)]
    pub selector: Option<Str<'a>>,
    #[serde(borrow)]
    pub service_account_selector: Option<Str<'a>>,
    #[serde(borrow)]
    pub namespace_selector: Option<Str<'a>>,
    #[serde(borrow)]
    pub types: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub ingress: Option<Vec<RuleWire<'a>>>,
    #[serde(borrow)]
    pub egress: Option<Vec<RuleWire<'a>>>,
    #[serde(default, deserialize_with = "flag")]
    pub do_not_track: Option<bool>,
    #[serde(default, rename = "preDNAT", deserialize_with = "flag")]
    pub pre_dnat: Option<bool>,
    #[serde(default, deserialize_with = "flag")]
    pub apply_on_forward: Option<bool>,
    #[serde(borrow)]
    pub default_action: Option<Str<'a>>,
    #[serde(borrow)]
    pub staged_action: Option<Str<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct RuleWire<'a> {
    #[serde(borrow)]
    pub action: Option<Str<'a>>,
    #[serde(borrow)]
    pub protocol: Option<IntOrString<'a>>,
    #[serde(borrow)]
    pub not_protocol: Option<IntOrString<'a>>,
    #[serde(default, deserialize_with = "integer")]
    pub ip_version: Option<i64>,
    #[serde(borrow)]
    pub source: Option<EntityWire<'a>>,
    #[serde(borrow)]
    pub destination: Option<EntityWire<'a>>,
    #[serde(default)]
    pub http: Option<de::IgnoredAny>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct EntityWire<'a> {
    #[serde(borrow)]
    pub nets: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub not_nets: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub selector: Option<Str<'a>>,
    #[serde(borrow)]
    pub not_selector: Option<Str<'a>>,
    #[serde(borrow)]
    pub namespace_selector: Option<Str<'a>>,
    #[serde(borrow)]
    pub ports: Option<Vec<IntOrString<'a>>>,
    #[serde(borrow)]
    pub not_ports: Option<Vec<IntOrString<'a>>>,
    #[serde(borrow)]
    pub service_accounts: Option<ServiceAccountsWire<'a>>,
    #[serde(borrow)]
    pub services: Option<ServicesWire<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(remote = "Self")]
pub struct ServiceAccountsWire<'a> {
    #[serde(borrow)]
    pub names: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub selector: Option<Str<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(remote = "Self")]
pub struct ServicesWire<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub namespace: Option<Str<'a>>,
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

/// A JSON number (integer or not), `null` as absent: Calico's `order` is a float64.
fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    struct NumberVisitor;
    impl<'de> Visitor<'de> for NumberVisitor {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    deserializer.deserialize_option(NumberVisitor)
}

/// A boolean, `null` as absent.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Option::<bool>::deserialize(deserializer)
}

/// What one Calico object converts into.
pub(super) enum Converted {
    Tier(Tier),
    Policy(CalicoPolicy),
    Staged(StagedPolicy),
}

/// Converts one object of `kind`; `namespace` is the object's (namespaced kinds) and `name` its
/// validated name.
pub(super) fn convert(
    kind: WireKind,
    namespace: Option<String>,
    name: String,
    spec: CalicoSpec<'_>,
    ctx: &Ctx<'_>,
) -> Result<Converted, SourceError> {
    let path = FieldPath::root("spec");
    match kind.kind {
        ObjectKind::Tier => {
            let default_action = match spec.default_action.as_deref() {
                None | Some("") | Some("Deny") => TierAction::Deny,
                Some("Pass") => TierAction::Pass,
                Some(other) => {
                    return Err(ctx.invalid(
                        &path.field("defaultAction"),
                        format!("unsupported default action {other:?}"),
                        "use Deny (the default) or Pass",
                    ));
                }
            };
            let order = order(spec.order, ctx, &path)?;
            if let Some(built_in) = Tier::built_in(&name)
                && (built_in.order != order || built_in.default_action != default_action)
                && order.is_some()
            {
                return Err(ctx.invalid(
                    &path.field("order"),
                    format!(
                        "the built-in tier {name} has order {} and default action {}, which Calico does not let be \
                         changed",
                        built_in.order.unwrap_or_default(),
                        built_in.default_action.as_str()
                    ),
                    "remove `order` and `defaultAction` from this Tier, or give your tier another name",
                ));
            }
            let order = if order.is_none() { Tier::built_in(&name).and_then(|t| t.order) } else { order };
            Ok(Converted::Tier(Tier { name, order, default_action }))
        }
        ObjectKind::NetworkPolicy | ObjectKind::GlobalNetworkPolicy => {
            let calico_kind = if kind.kind == ObjectKind::NetworkPolicy {
                CalicoKind::NetworkPolicy
            } else {
                CalicoKind::GlobalNetworkPolicy
            };
            if spec.staged_action.is_some() {
                return Err(ctx.invalid(
                    &path.field("stagedAction"),
                    "is a field of staged policies only",
                    format!("remove it, or make this a Staged{}", calico_kind.as_str()),
                ));
            }
            Ok(Converted::Policy(policy(calico_kind, kind.stored, namespace, name, spec, ctx)?))
        }
        ObjectKind::StagedNetworkPolicy | ObjectKind::StagedGlobalNetworkPolicy => {
            let calico_kind = if kind.kind == ObjectKind::StagedNetworkPolicy {
                CalicoKind::NetworkPolicy
            } else {
                CalicoKind::GlobalNetworkPolicy
            };
            let action = match spec.staged_action.as_deref() {
                None | Some("") | Some("Set") => StagedAction::Set,
                Some("Delete") => StagedAction::Delete,
                Some("Learn") => StagedAction::Learn,
                Some("Ignore") => StagedAction::Ignore,
                Some(other) => {
                    return Err(ctx.invalid(
                        &path.field("stagedAction"),
                        format!("unsupported staged action {other:?}"),
                        "use Set (the default), Delete, Learn or Ignore",
                    ));
                }
            };
            let kind_name = kind.kind.as_str();
            let mut spec = spec;
            spec.staged_action = None;
            let policy = policy(calico_kind, kind.stored, namespace.clone(), name.clone(), spec, ctx)?;
            Ok(Converted::Staged(StagedPolicy {
                kind: kind_name,
                namespace,
                name: policy.name.clone(),
                action,
                policy: StagedBody::Calico(policy),
            }))
        }
    }
}

fn order(order: Option<f64>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<Option<f64>, SourceError> {
    match order {
        Some(o) if !o.is_finite() => {
            Err(ctx.invalid(&path.field("order"), format!("{o} is not a number"), "give a number such as 100"))
        }
        o => Ok(o),
    }
}

fn policy(
    kind: CalicoKind,
    stored: bool,
    namespace: Option<String>,
    name: String,
    spec: CalicoSpec<'_>,
    ctx: &Ctx<'_>,
) -> Result<CalicoPolicy, SourceError> {
    let path = FieldPath::root("spec");
    let tier = match spec.tier.as_deref() {
        None | Some("") => DEFAULT_TIER.to_string(),
        Some(t) => t.to_string(),
    };
    // Calico before 3.32 stores a default-tier policy as `default.<name>` in its CRDs.
    let name = match name.strip_prefix("default.") {
        Some(rest) if stored && tier == DEFAULT_TIER && !rest.is_empty() => rest.to_string(),
        _ => name,
    };
    let order = order(spec.order, ctx, &path)?;
    let selector = parse_selector(spec.selector.as_ref(), ctx, &path.field("selector"))?.unwrap_or(Expr::All);
    let service_account_selector =
        parse_selector(spec.service_account_selector.as_ref(), ctx, &path.field("serviceAccountSelector"))?;
    let namespace_selector = match (kind, &spec.namespace_selector) {
        (CalicoKind::NetworkPolicy, Some(_)) => {
            return Err(ctx.invalid(
                &path.field("namespaceSelector"),
                "is a field of GlobalNetworkPolicy only: a NetworkPolicy applies to its own namespace",
                "remove it, or make this a GlobalNetworkPolicy",
            ));
        }
        (_, s) => parse_selector(s.as_ref(), ctx, &path.field("namespaceSelector"))?,
    };
    let mut ingress = Vec::new();
    let ingress_path = path.field("ingress");
    for (i, rule) in spec.ingress.unwrap_or_default().into_iter().enumerate() {
        ingress.push(convert_rule(rule, namespace.as_deref(), ctx, &ingress_path.index(i))?);
    }
    let mut egress = Vec::new();
    let egress_path = path.field("egress");
    for (i, rule) in spec.egress.unwrap_or_default().into_iter().enumerate() {
        egress.push(convert_rule(rule, namespace.as_deref(), ctx, &egress_path.index(i))?);
    }
    let types_path = path.field("types");
    let (ingress_type, egress_type, types_defaulted) = match spec.types.filter(|t| !t.is_empty()) {
        // Felix enforces a stored policy without types in both directions; Calico's API would
        // have defaulted it on the way in.
        None if stored => (true, true, true),
        None => {
            let (i, e) = (!ingress.is_empty(), !egress.is_empty());
            match (i, e) {
                (_, false) => (true, false, true),
                (false, true) => (false, true, true),
                (true, true) => (true, true, true),
            }
        }
        Some(listed) => {
            let (mut i, mut e) = (false, false);
            for (n, t) in listed.iter().enumerate() {
                match t.as_str() {
                    "Ingress" => i = true,
                    "Egress" => e = true,
                    other => {
                        return Err(ctx.invalid(
                            &types_path.index(n),
                            format!("unsupported policy type {other:?}"),
                            "use Ingress or Egress",
                        ));
                    }
                }
            }
            (i, e, false)
        }
    };
    let host_only = if spec.do_not_track == Some(true) {
        Some("doNotTrack")
    } else if spec.pre_dnat == Some(true) {
        Some("preDNAT")
    } else {
        None
    };
    if kind == CalicoKind::NetworkPolicy && host_only.is_some() {
        return Err(ctx.invalid(
            &path.field(host_only.unwrap_or_default()),
            "is a field of GlobalNetworkPolicy only (it applies to host endpoints)",
            "remove it",
        ));
    }
    Ok(CalicoPolicy {
        kind,
        namespace,
        name,
        tier,
        order,
        selector,
        service_account_selector,
        namespace_selector,
        ingress_type,
        egress_type,
        types_defaulted,
        ingress,
        egress,
        host_only,
    })
}

/// A selector parsed at read time; a syntax error names the field, the column, and the line the
/// selector is on.
fn parse_selector(text: Option<&Str<'_>>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<Option<Expr>, SourceError> {
    let Some(text) = text else { return Ok(None) };
    selector::parse(text).map(Some).map_err(|e| {
        ctx.invalid_at(
            path,
            super::convert::address(text),
            format!("not a valid Calico selector: {e}\n    {}", e.pointer(text).replace('\n', "\n    ")),
            "see Calico's selector syntax: `app == 'web' && has(tier)`, `role in {'a', 'b'}`, `all()`; quote a \
             selector that starts with `!` in YAML",
        )
    })
}

fn convert_rule(
    rule: RuleWire<'_>,
    namespace: Option<&str>,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<CalicoRule, SourceError> {
    let action = match rule.action.as_deref() {
        Some("Allow") => Action::Allow,
        Some("Deny") => Action::Deny,
        Some("Log") => Action::Log,
        Some("Pass") => Action::Pass,
        None | Some("") => {
            return Err(ctx.invalid(
                &path.field("action"),
                "is required",
                "give the rule an action: Allow, Deny, Log or Pass",
            ));
        }
        Some(other) => {
            let fix = match ["Allow", "Deny", "Log", "Pass"].iter().find(|a| a.eq_ignore_ascii_case(other)) {
                Some(a) => format!("write it as `{a}`"),
                None => "use Allow, Deny, Log or Pass".to_string(),
            };
            return Err(ctx.invalid(&path.field("action"), format!("unsupported action {other:?}"), fix));
        }
    };
    let protocol = rule.protocol.map(|p| protocol_match(p, ctx, &path.field("protocol"))).transpose()?;
    let not_protocol = rule.not_protocol.map(|p| protocol_match(p, ctx, &path.field("notProtocol"))).transpose()?;
    let ip_version = match rule.ip_version {
        None => None,
        Some(v @ (4 | 6)) => Some(v as u8),
        Some(v) => {
            return Err(ctx.invalid(&path.field("ipVersion"), format!("{v} is not an IP version"), "use 4 or 6"));
        }
    };
    let source = entity(rule.source.unwrap_or_default(), namespace, ctx, &path.field("source"))?;
    let destination = entity(rule.destination.unwrap_or_default(), namespace, ctx, &path.field("destination"))?;
    let has_ports = |e: &EntityRule| !e.ports.is_empty() || !e.not_ports.is_empty();
    if has_ports(&source) || has_ports(&destination) {
        let ok = matches!(protocol, Some(ProtocolMatch::Is(_)));
        if !ok {
            return Err(ctx.invalid(
                &path.field("protocol"),
                "must be TCP, UDP or SCTP when the rule has ports",
                "set `protocol: TCP` (or UDP, SCTP) on the rule",
            ));
        }
    }
    if destination.services.is_some() && has_ports(&destination) {
        return Err(ctx.invalid(
            &path.field("destination").field("ports"),
            "may not be combined with `services` in a destination",
            "remove the ports: the Service's own ports are matched",
        ));
    }
    Ok(CalicoRule { action, protocol, not_protocol, ip_version, http: rule.http.is_some(), source, destination })
}

/// `TCP`, `udp`, `ICMPv6`, `6`, `132`, ...
fn protocol_match(p: IntOrString<'_>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<ProtocolMatch, SourceError> {
    let number = |n: i64| -> Result<ProtocolMatch, SourceError> {
        match n {
            6 => Ok(ProtocolMatch::Is(Protocol::Tcp)),
            17 => Ok(ProtocolMatch::Is(Protocol::Udp)),
            132 => Ok(ProtocolMatch::Is(Protocol::Sctp)),
            1..=255 => Ok(ProtocolMatch::Other(n as u8)),
            _ => Err(ctx.invalid(path, format!("{n} is not a protocol number"), "use a number between 1 and 255")),
        }
    };
    match p {
        IntOrString::Int(n) => number(n),
        IntOrString::String(s) => match s.to_ascii_lowercase().as_str() {
            "tcp" => Ok(ProtocolMatch::Is(Protocol::Tcp)),
            "udp" => Ok(ProtocolMatch::Is(Protocol::Udp)),
            "sctp" => Ok(ProtocolMatch::Is(Protocol::Sctp)),
            "icmp" => Ok(ProtocolMatch::Other(1)),
            "icmpv6" => Ok(ProtocolMatch::Other(58)),
            "udplite" => Ok(ProtocolMatch::Other(136)),
            other => match other.parse::<i64>() {
                Ok(n) => number(n),
                Err(_) => Err(ctx.invalid(
                    path,
                    format!("unsupported protocol {:?}", s.as_str()),
                    "use TCP, UDP, SCTP, ICMP, ICMPv6, UDPLite or a number between 1 and 255",
                )),
            },
        },
    }
}

fn entity(
    e: EntityWire<'_>,
    namespace: Option<&str>,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<EntityRule, SourceError> {
    let nets = nets(e.nets.unwrap_or_default(), ctx, &path.field("nets"))?;
    let not_nets = nets_of(e.not_nets, ctx, &path.field("notNets"))?;
    let selector = parse_selector(e.selector.as_ref(), ctx, &path.field("selector"))?;
    let not_selector = parse_selector(e.not_selector.as_ref(), ctx, &path.field("notSelector"))?;
    let namespace_selector = parse_selector(e.namespace_selector.as_ref(), ctx, &path.field("namespaceSelector"))?;
    let service_accounts = match e.service_accounts {
        None => None,
        Some(sa) => Some(ServiceAccountMatch {
            names: sa.names.unwrap_or_default().iter().map(|n| n.to_string()).collect(),
            selector: parse_selector(sa.selector.as_ref(), ctx, &path.field("serviceAccounts").field("selector"))?,
        }),
    };
    let services = match e.services {
        None => None,
        Some(svc) => {
            let svc_path = path.field("services");
            let name = match svc.name.as_deref() {
                Some(n) if !n.is_empty() => n.to_string(),
                _ => return Err(ctx.invalid(&svc_path.field("name"), "is required", "name the Service")),
            };
            let ns = match (svc.namespace.as_deref().filter(|n| !n.is_empty()), namespace) {
                (Some(ns), _) => ns.to_string(),
                (None, Some(ns)) => ns.to_string(),
                (None, None) => {
                    return Err(ctx.invalid(
                        &svc_path.field("namespace"),
                        "is required in a GlobalNetworkPolicy",
                        "give the Service's namespace",
                    ));
                }
            };
            if !nets.is_empty()
                || !not_nets.is_empty()
                || selector.is_some()
                || not_selector.is_some()
                || namespace_selector.is_some()
                || service_accounts.is_some()
            {
                return Err(ctx.invalid(
                    &svc_path,
                    "may not be combined with nets, notNets, selector, notSelector, namespaceSelector or \
                     serviceAccounts",
                    "split the rule in two",
                ));
            }
            Some((ns, name))
        }
    };
    let listed = ports(e.ports.unwrap_or_default(), ctx, &path.field("ports"))?;
    let not_ports = ports(e.not_ports.unwrap_or_default(), ctx, &path.field("notPorts"))?;
    Ok(EntityRule {
        nets,
        not_nets,
        selector,
        not_selector,
        namespace_selector,
        service_accounts,
        services,
        ports: listed,
        not_ports,
    })
}

fn nets_of(list: Option<Vec<Str<'_>>>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<Vec<IpNet>, SourceError> {
    nets(list.unwrap_or_default(), ctx, path)
}

/// CIDRs, or single addresses (Calico takes `10.0.0.1` as `10.0.0.1/32`).
fn nets(list: Vec<Str<'_>>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<Vec<IpNet>, SourceError> {
    let mut out = Vec::new();
    for (i, text) in list.iter().enumerate() {
        match text.parse::<std::net::IpAddr>() {
            Ok(ip) => out.push(IpNet::from(ip)),
            Err(_) => out.push(super::convert::cidr(text, ctx, &path.index(i))?),
        }
    }
    Ok(out)
}

/// `80`, `"80"`, `"1000:2000"`, `"http"`.
fn ports(list: Vec<IntOrString<'_>>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<Vec<CalicoPort>, SourceError> {
    let mut out = Vec::new();
    for (i, p) in list.into_iter().enumerate() {
        let entry = path.index(i);
        let number = |n: i64| -> Result<u16, SourceError> {
            u16::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
                ctx.invalid(&entry, format!("{n} is not a valid port number"), "use a number between 1 and 65535")
            })
        };
        let port = match p {
            IntOrString::Int(n) => {
                let n = number(n)?;
                CalicoPort::Range(n, n)
            }
            IntOrString::String(s) => match s.split_once(':') {
                Some((a, b)) => {
                    let (a, b) = match (a.trim().parse::<i64>(), b.trim().parse::<i64>()) {
                        (Ok(a), Ok(b)) => (number(a)?, number(b)?),
                        _ => {
                            return Err(ctx.invalid(
                                &entry,
                                format!("{:?} is not a port range", s.as_str()),
                                "write a range as \"1000:2000\"",
                            ));
                        }
                    };
                    if a > b {
                        return Err(ctx.invalid(
                            &entry,
                            format!("{:?}: the first port is greater than the last", s.as_str()),
                            "swap the two ports",
                        ));
                    }
                    CalicoPort::Range(a, b)
                }
                None => match s.parse::<i64>() {
                    Ok(n) => {
                        let n = number(n)?;
                        CalicoPort::Range(n, n)
                    }
                    Err(_) => {
                        check_port_name(&s, ctx, &entry)?;
                        CalicoPort::Named(s.to_string())
                    }
                },
            },
        };
        out.push(port);
    }
    Ok(out)
}

/// Collects the keys Calico's API does not define in a spec.
pub(super) fn unknown_fields(u: &mut Unknowns<'_>, path: &FieldPath<'_>, spec: &CalicoSpec<'_>) {
    u.report(path, &spec.unknown, known::spec());
    for (field, rules) in [("ingress", &spec.ingress), ("egress", &spec.egress)] {
        let rules_path = path.field(field);
        for (i, rule) in rules.iter().flatten().enumerate() {
            let rule_path = rules_path.index(i);
            u.report(&rule_path, &rule.unknown, known::rule());
            for (name, e) in [("source", &rule.source), ("destination", &rule.destination)] {
                let Some(e) = e else { continue };
                let e_path = rule_path.field(name);
                u.report(&e_path, &e.unknown, known::entity());
                if let Some(sa) = &e.service_accounts {
                    u.report(&e_path.field("serviceAccounts"), &sa.unknown, known::service_accounts());
                }
                if let Some(svc) = &e.services {
                    u.report(&e_path.field("services"), &svc.unknown, known::services());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::calico::{Action, CalicoKind, CalicoPort, ProtocolMatch, TierAction};
    use crate::engine::model::Protocol;
    use crate::source::file::load_str;

    fn load(text: &str) -> crate::engine::Snapshot {
        load_str(text, "test.yaml", "default").unwrap()
    }

    fn error(text: &str) -> String {
        load_str(text, "test.yaml", "default").unwrap_err().to_string()
    }

    const GNP: &str = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\n";

    #[test]
    fn types_default_as_calico_defaults_them_not_as_kubernetes() {
        let types = |spec: &str| {
            let s = load(&format!("{GNP}spec: {spec}\n"));
            let p = &s.calico.policies[0];
            (p.ingress_type, p.egress_type, p.types_defaulted)
        };
        assert_eq!(types("{}"), (true, false, true), "no rules at all: Ingress");
        assert_eq!(types("{ingress: [{action: Allow}]}"), (true, false, true));
        assert_eq!(types("{egress: [{action: Allow}]}"), (false, true, true), "egress rules only: Egress only");
        assert_eq!(types("{ingress: [{action: Allow}], egress: [{action: Deny}]}"), (true, true, true));
        assert_eq!(types("{types: [Egress]}"), (false, true, false));
    }

    #[test]
    fn a_stored_policy_without_types_governs_both_directions_as_felix_enforces_it() {
        let s =
            load("apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: {}\n");
        let p = &s.calico.policies[0];
        assert!(p.ingress_type && p.egress_type);
    }

    #[test]
    fn stored_default_tier_names_lose_their_prefix() {
        let s = load(
            "apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: default.web, namespace: prod}\n\
             spec: {types: [Ingress]}\n",
        );
        assert_eq!(s.calico.policies[0].name, "web");
        assert_eq!(s.calico.policies[0].kind, CalicoKind::NetworkPolicy);
        assert_eq!(s.calico.policies[0].namespace.as_deref(), Some("prod"));
    }

    #[test]
    fn tiers_default_their_action_to_deny_and_built_in_tiers_keep_their_order() {
        let s = load("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: sec}\nspec: {order: 100.5}\n");
        assert_eq!(s.calico.tiers[0].order, Some(100.5));
        assert_eq!(s.calico.tiers[0].default_action, TierAction::Deny);
        let e = error("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: default}\nspec: {order: 5}\n");
        assert!(e.contains("built-in tier default"), "{e}");
    }

    #[test]
    fn rules_read_protocols_by_name_or_number_and_ports_as_numbers_ranges_and_names() {
        let s = load(&format!(
            "{GNP}spec:\n  ingress:\n  - action: Allow\n    protocol: 17\n    destination: {{ports: [53, \"1000:2000\", dns]}}\n  - action: Log\n    protocol: icmp\n    notProtocol: tcp\n"
        ));
        let rules = &s.calico.policies[0].ingress;
        assert_eq!(rules[0].protocol, Some(ProtocolMatch::Is(Protocol::Udp)));
        assert_eq!(
            rules[0].destination.ports,
            [CalicoPort::Range(53, 53), CalicoPort::Range(1000, 2000), CalicoPort::Named("dns".into())]
        );
        assert_eq!((rules[1].action, rules[1].protocol), (Action::Log, Some(ProtocolMatch::Other(1))));
        assert_eq!(rules[1].not_protocol, Some(ProtocolMatch::Is(Protocol::Tcp)));
    }

    #[test]
    fn bad_selectors_name_the_field_the_column_and_the_line() {
        let e =
            error(&format!("{GNP}spec:\n  ingress:\n  - action: Allow\n    source: {{selector: \"app == 'a' &&\"}}\n"));
        assert!(e.contains("line 7"), "{e}");
        assert!(e.contains("spec.ingress[0].source.selector"), "{e}");
        assert!(e.contains("column"), "{e}");
    }

    #[test]
    fn invalid_rules_are_errors_with_the_fix() {
        for (spec, needle) in [
            ("{ingress: [{}]}", "action: is required"),
            ("{ingress: [{action: allow}]}", "write it as `Allow`"),
            ("{ingress: [{action: Allow, destination: {ports: [80]}}]}", "must be TCP, UDP or SCTP"),
            ("{ingress: [{action: Allow, protocol: TCP, destination: {ports: [\"9:8\"]}}]}", "greater than the last"),
            ("{ingress: [{action: Allow, protocol: FOO}]}", "unsupported protocol"),
            ("{types: [ingress]}", "unsupported policy type"),
            ("{ingress: [{action: Allow, source: {nets: [10.0.0.0/33]}}]}", "not a valid CIDR"),
            (
                "{egress: [{action: Allow, destination: {services: {name: s, namespace: ns1}, selector: all()}}]}",
                "may not be combined",
            ),
        ] {
            let e = error(&format!("{GNP}spec: {spec}\n"));
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }

    #[test]
    fn a_namespaced_policy_may_not_have_a_namespace_selector() {
        let e = error(
            "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {namespaceSelector: all()}\n",
        );
        assert!(e.contains("GlobalNetworkPolicy only"), "{e}");
    }

    #[test]
    fn staged_policies_are_read_apart_and_never_enforced() {
        let s = load(
            "apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\nmetadata: {name: p}\nspec: {stagedAction: Set, ingress: [{action: Deny}]}\n",
        );
        assert!(s.calico.policies.is_empty());
        assert_eq!(s.calico.staged.len(), 1);
    }
}
