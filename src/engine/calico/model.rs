//! Calico's policy objects as the engine evaluates them: validated and defaulted by
//! `source::calico` (`types` as Calico's API defaults it, tiers, selectors parsed), plain data.

use std::fmt;

use ipnet::IpNet;

use super::selector::Expr;
use crate::engine::model::Protocol;

/// The Calico objects of a snapshot. Empty on a cluster without Calico policies: then no Calico
/// layer is built and nothing here costs anything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalicoObjects {
    pub tiers: Vec<Tier>,
    /// Enforced policies: `NetworkPolicy` and `GlobalNetworkPolicy`.
    pub policies: Vec<CalicoPolicy>,
    /// `StagedNetworkPolicy`, `StagedGlobalNetworkPolicy`, `StagedKubernetesNetworkPolicy`:
    /// reported, never enforced.
    pub staged: Vec<StagedPolicy>,
}

impl CalicoObjects {
    /// Whether the snapshot holds any Calico policy or tier (staged ones included).
    pub fn is_empty(&self) -> bool {
        self.tiers.is_empty() && self.policies.is_empty() && self.staged.is_empty()
    }
}

/// The name of the tier Kubernetes NetworkPolicies live in, and the default of `spec.tier`.
pub const DEFAULT_TIER: &str = "default";
/// The `order` Calico gives every Kubernetes NetworkPolicy inside the default tier
/// (`K8sNetworkPolicyToCalico`: "all the NetworkPolicy Policies at order 1000.0").
pub const KUBERNETES_POLICY_ORDER: f64 = 1000.0;

/// The tiers Calico creates itself, with their fixed orders and default actions
/// (projectcalico.org/v3 tier.go; docs "Tiered policy"): the admin tier (AdminNetworkPolicy,
/// ClusterNetworkPolicy Admin; older name `adminnetworkpolicy`) at 1,000, the default tier at
/// 1,000,000, the baseline tier (BaselineAdminNetworkPolicy, ClusterNetworkPolicy Baseline; older
/// name `baselineadminnetworkpolicy`) at 10,000,000.
pub const BUILT_IN_TIERS: [(&str, f64, TierAction); 5] = [
    ("kube-admin", 1_000.0, TierAction::Pass),
    ("adminnetworkpolicy", 1_000.0, TierAction::Pass),
    (DEFAULT_TIER, 1_000_000.0, TierAction::Deny),
    ("baselineadminnetworkpolicy", 10_000_000.0, TierAction::Pass),
    ("kube-baseline", 10_000_000.0, TierAction::Pass),
];

/// A `Tier`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    pub name: String,
    /// `None`: applied after every tier with an order.
    pub order: Option<f64>,
    pub default_action: TierAction,
}

impl Tier {
    /// A built-in tier that was not read: Calico creates it with fixed values.
    pub fn built_in(name: &str) -> Option<Tier> {
        BUILT_IN_TIERS.iter().find(|(n, ..)| *n == name).map(|&(name, order, default_action)| Tier {
            name: name.to_string(),
            order: Some(order),
            default_action,
        })
    }
}

/// What happens at the end of a tier that selected the endpoint and decided nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierAction {
    Deny,
    Pass,
}

impl TierAction {
    pub fn as_str(self) -> &'static str {
        match self {
            TierAction::Deny => "Deny",
            TierAction::Pass => "Pass",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CalicoKind {
    NetworkPolicy,
    GlobalNetworkPolicy,
}

impl CalicoKind {
    /// As evidence names it: `Calico NetworkPolicy` (told apart from Kubernetes'),
    /// `GlobalNetworkPolicy`.
    pub fn label(self) -> &'static str {
        match self {
            CalicoKind::NetworkPolicy => "Calico NetworkPolicy",
            CalicoKind::GlobalNetworkPolicy => "GlobalNetworkPolicy",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CalicoKind::NetworkPolicy => "NetworkPolicy",
            CalicoKind::GlobalNetworkPolicy => "GlobalNetworkPolicy",
        }
    }
}

/// A Calico `NetworkPolicy` (namespaced) or `GlobalNetworkPolicy`.
#[derive(Debug, Clone, PartialEq)]
pub struct CalicoPolicy {
    pub kind: CalicoKind,
    /// For a NetworkPolicy.
    pub namespace: Option<String>,
    /// The v3 name (a stored `default.` prefix of the default tier removed).
    pub name: String,
    pub tier: String,
    /// `None`: after every policy of the tier with an order.
    pub order: Option<f64>,
    /// `selector` (default `all()`).
    pub selector: Expr,
    /// `serviceAccountSelector`, as written (its keys get `pcsa.` when evaluated).
    pub service_account_selector: Option<Expr>,
    /// GlobalNetworkPolicy `namespaceSelector`, as written (keys get `pcns.`).
    pub namespace_selector: Option<Expr>,
    pub ingress_type: bool,
    pub egress_type: bool,
    /// `types` was absent and comes from Calico's defaulting.
    pub types_defaulted: bool,
    pub ingress: Vec<CalicoRule>,
    pub egress: Vec<CalicoRule>,
    /// `doNotTrack`, `preDNAT`: such policies apply to host endpoints only, never to pods.
    pub host_only: Option<&'static str>,
}

impl CalicoPolicy {
    /// `Calico NetworkPolicy prod/allow-web`, `GlobalNetworkPolicy default-deny`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind.label(), self.name),
            None => format!("{} {}", self.kind.label(), self.name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
    Log,
    Pass,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "Allow",
            Action::Deny => "Deny",
            Action::Log => "Log",
            Action::Pass => "Pass",
        }
    }
}

/// One rule. Every criterion is ANDed.
#[derive(Debug, Clone, PartialEq)]
pub struct CalicoRule {
    pub action: Action,
    pub protocol: Option<ProtocolMatch>,
    pub not_protocol: Option<ProtocolMatch>,
    /// 4 or 6.
    pub ip_version: Option<u8>,
    /// An `http` match (application layer policy): not decidable from the cluster's state.
    pub http: bool,
    pub source: EntityRule,
    pub destination: EntityRule,
}

/// A rule's protocol: one of those a flow can have here, or another (ICMP, UDPLite, a number),
/// which no TCP, UDP or SCTP flow matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolMatch {
    Is(Protocol),
    /// As written: `ICMP`, `ICMPv6`, `UDPLite`, or a protocol number.
    Other(u8),
}

impl ProtocolMatch {
    pub fn matches(self, protocol: Protocol) -> bool {
        self == ProtocolMatch::Is(protocol)
    }
}

impl fmt::Display for ProtocolMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolMatch::Is(p) => write!(f, "{p}"),
            ProtocolMatch::Other(1) => f.write_str("ICMP"),
            ProtocolMatch::Other(58) => f.write_str("ICMPv6"),
            ProtocolMatch::Other(136) => f.write_str("UDPLite"),
            ProtocolMatch::Other(n) => write!(f, "protocol {n}"),
        }
    }
}

/// A rule's `source` or `destination`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntityRule {
    pub nets: Vec<IpNet>,
    pub not_nets: Vec<IpNet>,
    pub selector: Option<Expr>,
    pub not_selector: Option<Expr>,
    pub namespace_selector: Option<Expr>,
    pub service_accounts: Option<ServiceAccountMatch>,
    /// `services`: (namespace, name), the namespace defaulted to the policy's.
    pub services: Option<(String, String)>,
    pub ports: Vec<CalicoPort>,
    pub not_ports: Vec<CalicoPort>,
}

impl EntityRule {
    pub fn is_empty(&self) -> bool {
        *self == EntityRule::default()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceAccountMatch {
    pub names: Vec<String>,
    pub selector: Option<Expr>,
}

/// One entry of `ports`/`notPorts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalicoPort {
    /// `80`, or `"1000:2000"` (inclusive).
    Range(u16, u16),
    /// A named port of the destination endpoint.
    Named(String),
}

impl fmt::Display for CalicoPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalicoPort::Range(a, b) if a == b => write!(f, "{a}"),
            CalicoPort::Range(a, b) => write!(f, "{a}:{b}"),
            CalicoPort::Named(n) => f.write_str(n),
        }
    }
}

/// A staged policy: what it would change is reported, it never decides.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedPolicy {
    /// `StagedNetworkPolicy`, `StagedGlobalNetworkPolicy`, `StagedKubernetesNetworkPolicy`.
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
    /// `Set` (the policy as it would be), `Delete` (the enforced one of that name removed),
    /// `Learn`, `Ignore`.
    pub action: StagedAction,
    pub policy: StagedBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StagedBody {
    Calico(CalicoPolicy),
    Kubernetes(crate::engine::model::Policy),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StagedAction {
    Set,
    Delete,
    Learn,
    Ignore,
}

impl StagedPolicy {
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}
