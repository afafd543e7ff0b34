//! CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (`cilium.io/v2`) as plain validated data,
//! with the namespace scoping Cilium applies to selectors already applied (`source::cilium` does it
//! while converting), and the identities selectors are matched against.
//!
//! Cilium matches selectors against an endpoint's identity labels, each with a source: a pod's own
//! labels and the labels Cilium adds (`k8s:io.kubernetes.pod.namespace`,
//! `k8s:io.cilium.k8s.namespace.labels.*`, `k8s:io.cilium.k8s.policy.cluster`), or a reserved label
//! (`reserved:host`, `reserved:remote-node`, `reserved:world`, `reserved:kube-apiserver`). A
//! selector key without a source (`app`) is `any:` and matches a label of that key from any
//! source. Both are encoded in one `Labels` map: each identity label appears as `source:key` and as
//! `any:key`, and each selector key is written `source:key` (`any:` when it had no source), so that
//! `Selector::matches` and `Selector::failures` apply unchanged.

use std::fmt;

use super::super::model::{IpBlock, Labels, PolicyPort, Selector};
use super::super::verdict::Direction;

/// The label Cilium adds to every pod endpoint with its namespace.
pub const NAMESPACE_KEY: &str = "io.kubernetes.pod.namespace";
/// The prefix of the labels Cilium adds to every pod endpoint with its namespace's labels.
pub const NAMESPACE_LABELS_PREFIX: &str = "io.cilium.k8s.namespace.labels.";
/// The label naming the cluster; `default` unless the agent is told otherwise.
pub const CLUSTER_KEY: &str = "io.cilium.k8s.policy.cluster";
/// The label Cilium adds to every pod endpoint with its service account's name.
pub const SERVICE_ACCOUNT_KEY: &str = "io.cilium.k8s.policy.serviceaccount";

/// One CiliumNetworkPolicy (`namespace` set) or CiliumClusterwideNetworkPolicy (`namespace: None`):
/// the rule of `spec` then those of `specs`, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiliumPolicy {
    pub namespace: Option<String>,
    pub name: String,
    pub rules: Vec<CiliumRule>,
}

impl CiliumPolicy {
    pub fn kind(&self) -> &'static str {
        if self.namespace.is_some() { "CiliumNetworkPolicy" } else { "CiliumClusterwideNetworkPolicy" }
    }

    /// `CNP shop/web`, `CCNP default-deny`.
    pub fn short(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("CNP {ns}/{}", self.name),
            None => format!("CCNP {}", self.name),
        }
    }

    /// `CiliumNetworkPolicy shop/web`, `CiliumClusterwideNetworkPolicy default-deny`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind(), self.name),
            None => format!("{} {}", self.kind(), self.name),
        }
    }
}

/// One rule (`spec`, or one entry of `specs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiliumRule {
    /// Where the rule is written: `spec` or `specs[1]`.
    pub place: String,
    pub subject: Subject,
    pub ingress: Vec<PeerRule>,
    pub ingress_deny: Vec<PeerRule>,
    pub egress: Vec<PeerRule>,
    pub egress_deny: Vec<PeerRule>,
    /// `enableDefaultDeny.ingress` and `.egress`; `None` when not written (true for a direction
    /// with rules).
    pub default_deny_ingress: Option<bool>,
    pub default_deny_egress: Option<bool>,
}

impl CiliumRule {
    pub fn allows(&self, direction: Direction) -> &[PeerRule] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }

    pub fn denies(&self, direction: Direction) -> &[PeerRule] {
        match direction {
            Direction::Ingress => &self.ingress_deny,
            Direction::Egress => &self.egress_deny,
        }
    }

    /// Whether the rule puts the endpoints it selects in default deny for `direction`: it has
    /// allow or deny rules there ("present" means non-empty) and `enableDefaultDeny` does not say
    /// false.
    pub fn isolates(&self, direction: Direction) -> bool {
        let (rules, enabled) = match direction {
            Direction::Ingress => {
                (!self.ingress.is_empty() || !self.ingress_deny.is_empty(), self.default_deny_ingress)
            }
            Direction::Egress => (!self.egress.is_empty() || !self.egress_deny.is_empty(), self.default_deny_egress),
        };
        rules && enabled != Some(false)
    }

    /// The name of an allow (`ingress[0]`) or deny (`egressDeny[1]`) rule.
    pub fn section(direction: Direction, deny: bool) -> &'static str {
        match (direction, deny) {
            (Direction::Ingress, false) => "ingress",
            (Direction::Ingress, true) => "ingressDeny",
            (Direction::Egress, false) => "egress",
            (Direction::Egress, true) => "egressDeny",
        }
    }
}

/// What a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// `endpointSelector`, scoped (a CNP's gets its namespace).
    Endpoints(CiliumSelector),
    /// `nodeSelector`: a host policy, not evaluated.
    Nodes(CiliumSelector),
}

/// An endpoint selector as Cilium applies it: keys `source:key` (see the module documentation),
/// with the namespace conditions Cilium adds; `text` is the selector as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiliumSelector {
    pub selector: Selector,
    pub text: String,
}

impl CiliumSelector {
    pub fn matches(&self, identity: &Labels) -> bool {
        self.selector.matches(identity)
    }
}

impl fmt::Display for CiliumSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A Cilium entity (`fromEntities`, `toEntities`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    All,
    World,
    WorldIpv4,
    WorldIpv6,
    Cluster,
    Host,
    RemoteNode,
    KubeApiserver,
    Init,
    Ingress,
    Health,
    Unmanaged,
    None,
}

impl Entity {
    pub const ALL: [(&'static str, Entity); 13] = [
        ("all", Entity::All),
        ("world", Entity::World),
        ("world-ipv4", Entity::WorldIpv4),
        ("world-ipv6", Entity::WorldIpv6),
        ("cluster", Entity::Cluster),
        ("host", Entity::Host),
        ("remote-node", Entity::RemoteNode),
        ("kube-apiserver", Entity::KubeApiserver),
        ("init", Entity::Init),
        ("ingress", Entity::Ingress),
        ("health", Entity::Health),
        ("unmanaged", Entity::Unmanaged),
        ("none", Entity::None),
    ];

    pub fn parse(s: &str) -> Option<Entity> {
        Self::ALL.iter().find(|(name, _)| *name == s).map(|(_, e)| *e)
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(_, e)| *e == self).map_or("?", |(name, _)| name)
    }
}

/// One entry of `fromCIDR`, `fromCIDRSet`, `toCIDR`, `toCIDRSet`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidrEntry {
    Block(IpBlock),
    /// `cidrGroupRef`: the addresses of a CiliumCIDRGroup, which kubectl-deny does not read.
    GroupRef(String),
    /// `cidrGroupSelector`: CiliumCIDRGroups by label, not read.
    GroupSelector(String),
}

impl fmt::Display for CidrEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CidrEntry::Block(b) => {
                write!(f, "{}", b.cidr)?;
                if !b.except.is_empty() {
                    let except: Vec<String> = b.except.iter().map(ToString::to_string).collect();
                    write!(f, " except {}", except.join(", "))?;
                }
                Ok(())
            }
            CidrEntry::GroupRef(name) => write!(f, "cidrGroupRef {name}"),
            CidrEntry::GroupSelector(text) => write!(f, "cidrGroupSelector {text}"),
        }
    }
}

/// One ingress, egress, ingressDeny or egressDeny rule. Peer members present in one rule must all
/// match (the CRD makes most of them mutually exclusive); a rule with no peer member matches every
/// peer when it has `toPorts` (or `icmps`), and nothing otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerRule {
    pub endpoints: Option<Vec<CiliumSelector>>,
    /// `fromRequires`/`toRequires` (deprecated in 1.17, removed in 1.19).
    pub requires: Vec<CiliumSelector>,
    pub entities: Option<Vec<Entity>>,
    pub cidrs: Option<Vec<CidrEntry>>,
    /// `fromNodes`/`toNodes` (need `enable-node-selector-labels`), on Node labels.
    pub nodes: Option<Vec<Selector>>,
    /// `toFQDNs`: `matchName`/`matchPattern` values.
    pub fqdns: Vec<String>,
    /// `toServices`, as written.
    pub services: Vec<String>,
    /// `toGroups` (cloud provider groups), as written.
    pub groups: usize,
    /// `toPorts`: every `ports` entry (ANY expands to TCP, UDP and SCTP; port 0 or none is every
    /// port), and what above L4 checks the matching traffic.
    pub ports: Vec<PortRule>,
    /// `icmps` is present: the rule allows ICMP, never asked about.
    pub icmps: bool,
    /// `authentication.mode` when not `disabled`.
    pub authentication: Option<String>,
}

impl PeerRule {
    /// Whether the rule names a peer kubectl-deny cannot evaluate from the cluster's state.
    pub fn has_undecidable_peer(&self) -> bool {
        !self.fqdns.is_empty() || !self.services.is_empty() || self.groups > 0
    }

    /// Whether the rule names a peer at all (otherwise `toPorts` makes it a wildcard).
    pub fn has_peer_member(&self) -> bool {
        self.endpoints.is_some()
            || self.entities.is_some()
            || self.cidrs.is_some()
            || self.nodes.is_some()
            || self.has_undecidable_peer()
    }

    /// The ports of every `toPorts` entry; empty when `toPorts` is absent (every port).
    pub fn policy_ports(&self) -> Vec<PolicyPort> {
        self.ports.iter().flat_map(|p| p.ports.iter().cloned()).collect()
    }
}

/// One `toPorts` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortRule {
    /// The ports, each protocol of `ANY` separately.
    pub ports: Vec<PolicyPort>,
    /// No `ports` given: every port (a `ports` entry of a protocol never asked about, such as
    /// ICMP, leaves `ports` empty but is not every port).
    pub every_port: bool,
    /// The ports as written: `80/TCP`, `53/ANY`.
    pub text: String,
    /// What checks requests or connections above L4 (`HTTP rules (GET /public)`, `DNS rules
    /// (matchPattern "*")`, `TLS SNI one.one.one.one`), if anything.
    pub above_l4: Option<String>,
}

/// An endpoint's identity as Cilium's selectors and entities see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// A pod: its identity labels (see the module documentation).
    Pod(Labels),
    /// The node the subject runs on (`reserved:host`); `apiserver` when it is an API server
    /// endpoint too.
    Host { apiserver: bool },
    /// Another node of the cluster (`reserved:remote-node`).
    RemoteNode { apiserver: bool },
    /// An API server endpoint that is no node (a managed control plane).
    ApiServer,
    /// Anything outside the cluster (`reserved:world`).
    World { ipv6: bool },
}

impl Identity {
    /// The identity labels of a reserved identity, in the encoding of the module documentation.
    pub fn labels(&self) -> Labels {
        let mut out = Labels::new();
        let mut reserved = |name: &str| {
            out.insert(format!("reserved:{name}"), String::new());
            out.insert(format!("any:{name}"), String::new());
        };
        match self {
            Identity::Pod(labels) => return labels.clone(),
            Identity::Host { apiserver } => {
                reserved("host");
                if *apiserver {
                    reserved("kube-apiserver");
                }
            }
            Identity::RemoteNode { apiserver } => {
                reserved("remote-node");
                if *apiserver {
                    reserved("kube-apiserver");
                }
            }
            Identity::ApiServer => reserved("kube-apiserver"),
            Identity::World { .. } => reserved("world"),
        }
        out
    }

    pub fn is_entity(&self, entity: Entity) -> bool {
        match entity {
            Entity::All => true,
            Entity::World => matches!(self, Identity::World { .. }),
            Entity::WorldIpv4 => matches!(self, Identity::World { ipv6: false }),
            Entity::WorldIpv6 => matches!(self, Identity::World { ipv6: true }),
            Entity::Cluster => {
                matches!(self, Identity::Pod(_) | Identity::Host { .. } | Identity::RemoteNode { .. })
            }
            Entity::Host => matches!(self, Identity::Host { .. }),
            Entity::RemoteNode => matches!(self, Identity::RemoteNode { .. }),
            Entity::KubeApiserver => matches!(
                self,
                Identity::ApiServer | Identity::Host { apiserver: true } | Identity::RemoteNode { apiserver: true }
            ),
            Entity::Init | Entity::Ingress | Entity::Health | Entity::Unmanaged | Entity::None => false,
        }
    }

    /// Whether CIDR rules apply: only to addresses outside the cluster (not pods, not nodes,
    /// with Cilium's default `policy-cidr-match-mode`).
    pub fn cidr_applies(&self) -> bool {
        matches!(self, Identity::World { .. } | Identity::ApiServer)
    }

    /// How the identity reads in evidence: `pod`, `host (the pod's own node)`.
    pub fn describe(&self) -> &'static str {
        match self {
            Identity::Pod(_) => "a pod",
            Identity::Host { .. } => "the host (the pod's own node)",
            Identity::RemoteNode { .. } => "a remote node",
            Identity::ApiServer => "the kube-apiserver",
            Identity::World { .. } => "world (outside the cluster)",
        }
    }
}

/// The labels Cilium leaves out of identities by default (its `labels` option): keys starting
/// with these cannot be selected by any policy, NetworkPolicy included.
pub const IGNORED_LABEL_PREFIXES: &[&str] = &[
    "io.kubernetes",
    "kubernetes.io",
    "beta.kubernetes.io",
    "k8s.io",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "batch.kubernetes.io/job-completion-index",
    "batch.kubernetes.io/controller-uid",
    "pod-template-generation",
    "pod-template-hash",
    "controller-revision-hash",
    "annotation.",
    "controller-uid",
    "etcd_node",
];

/// Whether Cilium keeps a pod label in the pod's identity (default label filter).
pub fn identity_relevant(key: &str) -> bool {
    !IGNORED_LABEL_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// A pod's labels as Cilium's identity keeps them.
pub fn relevant_labels(labels: &Labels) -> Labels {
    labels.iter().filter(|(k, _)| identity_relevant(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The identity labels of a pod in `namespace` with `labels` running as `service_account`
/// (`spec.serviceAccountName`; `None` is `default`, as the API server's admission sets it), whose
/// namespace has `namespace_labels`.
pub fn pod_identity(
    namespace: &str,
    labels: &Labels,
    service_account: Option<&str>,
    namespace_labels: &Labels,
) -> Labels {
    let mut out = Labels::new();
    let mut add = |key: String, value: &str| {
        out.insert(format!("any:{key}"), value.to_string());
        out.insert(format!("k8s:{key}"), value.to_string());
    };
    for (k, v) in labels.iter().filter(|(k, _)| identity_relevant(k)) {
        add(k.clone(), v);
    }
    add(NAMESPACE_KEY.to_string(), namespace);
    for (k, v) in namespace_labels {
        add(format!("{NAMESPACE_LABELS_PREFIX}{k}"), v);
    }
    add(SERVICE_ACCOUNT_KEY.to_string(), service_account.unwrap_or("default"));
    add(CLUSTER_KEY.to_string(), "default");
    out
}
