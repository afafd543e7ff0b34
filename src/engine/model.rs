//! The snapshot: the cluster state the engine evaluates, as plain validated data.
//!
//! Both sources (manifest files and the live cluster) build this type. Everything here is already
//! defaulted the way the API server defaults it (`policyTypes`, `protocol`) and validated (selector
//! operators, CIDRs, port ranges), so the engine never meets a malformed value.
//!
//! What every policy kind shares lives here: namespaces, pods, nodes, Services, workloads, label
//! selectors, ports (`PolicyPort`, `PortRef`, `Protocol`) and address blocks (`IpBlock`). Each
//! policy kind's own objects live in its engine module (`netpol` for NetworkPolicy v1) and are
//! re-exported here; the `Snapshot` holds one list per kind.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use serde::Serialize;

pub use super::netpol::{Peer, Policy, PolicyTypes, Rule};
pub use super::tiers::{Action, ClusterKind, ClusterPolicy, Subject, Tier, TierPeer, TierPort, TierRule};

/// A label map: pairs sorted by key, each key once, in one vector. Sources share one `Arc`
/// between objects with identical labels. Not a `BTreeMap`: a map's node holds room for 11
/// pairs, so 38,000 distinct label sets of 5 labels took 21 MB as maps and take 9 MB as this
/// (issue 16.2); lookups among a few keys are a binary search.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Labels(Vec<(String, String)>);

impl Labels {
    pub const fn new() -> Self {
        Labels(Vec::new())
    }

    /// Labels from pairs already sorted by key, each key once (checked in debug builds).
    pub fn from_sorted(pairs: Vec<(String, String)>) -> Self {
        debug_assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0), "label pairs sorted, each key once");
        Labels(pairs)
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.position(key).ok().map(|i| self.0.remove(i).1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut String) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &String)> + ExactSizeIterator + Clone {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + Clone {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + Clone {
        self.0.iter().map(|(_, v)| v)
    }

    /// As the map the Kubernetes API types hold (`LabelSelector::match_labels`).
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

/// `labels["app"]`: the value; panics when the key is missing, as a map's index does.
impl std::ops::Index<&str> for Labels {
    type Output = String;
    fn index(&self, key: &str) -> &String {
        self.get(key).unwrap_or_else(|| panic!("no label {key:?}"))
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Labels {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// As a map collects: of a repeated key the last value wins.
impl FromIterator<(String, String)> for Labels {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut pairs: Vec<(String, String)> = pairs.into_iter().collect();
        // Stable: equal keys keep their order, and the last of them is kept.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut labels: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match labels.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => labels.push(pair),
            }
        }
        Labels(labels)
    }
}

impl Extend<(String, String)> for Labels {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, pairs: I) {
        for (key, value) in pairs {
            self.insert(key, value);
        }
    }
}

impl<const N: usize> From<[(String, String); N]> for Labels {
    fn from(pairs: [(String, String); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Self {
        Labels(map.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a String, &'a String);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (String, String)>, fn(&'a (String, String)) -> (&'a String, &'a String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl IntoIterator for Labels {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The label every namespace carries since Kubernetes 1.21, set by the API server and immutable.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Everything the engine may look at.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub namespaces: Vec<Namespace>,
    pub pods: Vec<Pod>,
    pub policies: Vec<Policy>,
    /// AdminNetworkPolicies, BaselineAdminNetworkPolicies and ClusterNetworkPolicies.
    pub cluster_policies: Vec<ClusterPolicy>,
    /// The cluster-wide policy kinds the live source was not allowed to read (`AdminNetworkPolicy`,
    /// ...): the verdicts ignore them, and say so.
    pub unread_cluster_policies: Vec<String>,
    pub services: Vec<Service>,
    pub workloads: Vec<Workload>,
    pub nodes: Vec<Node>,
    /// DaemonSets seen in the cluster or the manifests, by namespace/name, with their images:
    /// the evidence for which network plugin runs (see `engine::cni`).
    pub daemonsets: Vec<DaemonSetInfo>,
    /// Policies of other engines found among the objects read (`CiliumNetworkPolicy prod/x`):
    /// not evaluated, but they change what the network allows.
    pub foreign_policies: Vec<String>,
    /// CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies (see `engine::cilium`).
    pub cilium_policies: Vec<super::cilium::CiliumPolicy>,
    /// CiliumCIDRGroups by name: the address blocks `cidrGroupRef` names.
    pub cilium_cidr_groups: Vec<(String, Vec<IpNet>)>,
    /// IngressClasses, naming the ingress controllers in use (for `init`'s detection).
    pub ingress_classes: Vec<IngressClass>,
    /// Calico's tiers and policies (empty on a cluster without them).
    pub calico: super::calico::CalicoObjects,
}

impl Snapshot {
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    pub name: String,
    /// Always includes `kubernetes.io/metadata.name`.
    pub labels: Arc<Labels>,
    /// False when the namespace was not read (only referenced by another object): its labels are
    /// then only the `kubernetes.io/metadata.name` the API server guarantees.
    pub known: bool,
}

impl Namespace {
    /// A namespace known only by name: the labels the API server guarantees and nothing else.
    pub fn implicit(name: &str) -> Self {
        let mut labels = Labels::new();
        labels.insert(NAMESPACE_NAME_LABEL.to_string(), name.to_string());
        Namespace { name: name.to_string(), labels: Arc::new(labels), known: false }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// Parses a protocol in any case, as the command line accepts it (`tcp`, `UDP`, `Sctp`).
    pub fn parse_any_case(s: &str) -> Option<Protocol> {
        match s.to_ascii_uppercase().as_str() {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A container port as declared in a pod spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ContainerPort {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub labels: Arc<Labels>,
    pub ports: Arc<[ContainerPort]>,
    /// `status.podIPs` (or `status.podIP`); empty for a pod not yet scheduled or a template.
    pub ips: Vec<IpAddr>,
    pub host_network: bool,
    /// `status.phase` (`Running`, `Pending`, ...), when known. Sources share one `Arc` between
    /// pods with the same phase, node or service account: 100,000 pods have a few of each.
    pub phase: Option<Arc<str>>,
    pub node: Option<Arc<str>>,
    /// The controller that owns the pod (`ReplicaSet/web-7d9f`), when known; boxed, as a pod
    /// is mostly held, not asked for its owner.
    pub owner: Option<Box<OwnerRef>>,
    /// The service-mesh sidecar proxy the pod runs, if any.
    pub mesh: Option<Mesh>,
    /// `spec.serviceAccountName`; `None` when not written, which the API server's admission
    /// makes `default`. Calico policies match it.
    pub service_account: Option<Arc<str>>,
}

impl Pod {
    /// A pod that is not running (yet): one created tomorrow, a Service's or a flow's stand-in.
    /// No IP, no node, not host-network, no owner or mesh, the default service account.
    pub fn stand_in(namespace: &str, name: &str, labels: Arc<Labels>, ports: Arc<[ContainerPort]>) -> Pod {
        Pod {
            namespace: namespace.to_string(),
            name: name.to_string(),
            labels,
            ports,
            ips: Vec::new(),
            host_network: false,
            phase: None,
            node: None,
            owner: None,
            mesh: None,
            service_account: None,
        }
    }
}

/// A service mesh whose sidecar proxy runs in application pods and must reach its control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mesh {
    Istio,
    Linkerd,
}

/// One control-plane endpoint a mesh's sidecar must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeshControlPlane {
    /// The label that marks its pods.
    pub label: (&'static str, &'static str),
    pub port: u16,
    /// What it is, and where a default install puts it: `istio-system/deploy/istiod`.
    pub what: &'static str,
    pub workload: &'static str,
}

impl Mesh {
    pub const ALL: [Mesh; 2] = [Mesh::Istio, Mesh::Linkerd];

    pub fn name(self) -> &'static str {
        match self {
            Mesh::Istio => "Istio",
            Mesh::Linkerd => "Linkerd",
        }
    }

    /// `istiod on TCP 15012`, `the Linkerd destination controller on TCP 8086 and ...`.
    pub fn control_plane_ports(self) -> String {
        let parts: Vec<String> = self.control_plane().iter().map(|c| format!("{} on TCP {}", c.what, c.port)).collect();
        parts.join(", ")
    }

    /// The sidecar container's name, as the mesh's injector adds it.
    pub fn sidecar_container(self) -> &'static str {
        match self {
            Mesh::Istio => "istio-proxy",
            Mesh::Linkerd => "linkerd-proxy",
        }
    }

    pub fn from_container(name: &str) -> Option<Mesh> {
        Mesh::ALL.into_iter().find(|m| m.sidecar_container() == name)
    }

    /// What the sidecar connects to: Istio's proxy gets configuration and certificates from istiod
    /// on 15012; Linkerd's from the destination (8086) and policy (8090) controllers and the
    /// identity controller (8080).
    /// The first entry's label marks the mesh's control plane pods for detection.
    pub fn control_plane(self) -> &'static [MeshControlPlane] {
        match self {
            Mesh::Istio => &[MeshControlPlane {
                label: ("app", "istiod"),
                port: 15012,
                what: "istiod",
                workload: "istio-system/deploy/istiod",
            }],
            Mesh::Linkerd => &[
                MeshControlPlane {
                    label: ("linkerd.io/control-plane-component", "destination"),
                    port: 8086,
                    what: "the Linkerd destination controller",
                    workload: "linkerd/deploy/linkerd-destination",
                },
                MeshControlPlane {
                    label: ("linkerd.io/control-plane-component", "destination"),
                    port: 8090,
                    what: "the Linkerd policy controller",
                    workload: "linkerd/deploy/linkerd-destination",
                },
                MeshControlPlane {
                    label: ("linkerd.io/control-plane-component", "identity"),
                    port: 8080,
                    what: "the Linkerd identity controller",
                    workload: "linkerd/deploy/linkerd-identity",
                },
            ],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnerRef {
    pub kind: String,
    pub name: String,
}

/// A label selector, validated: operators are known and value lists fit the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Selector {
    #[serde(rename = "matchLabels", skip_serializing_if = "Vec::is_empty")]
    pub match_labels: Vec<(String, String)>,
    #[serde(rename = "matchExpressions", skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Operator {
    pub fn parse(s: &str) -> Option<Operator> {
        match s {
            "In" => Some(Operator::In),
            "NotIn" => Some(Operator::NotIn),
            "Exists" => Some(Operator::Exists),
            "DoesNotExist" => Some(Operator::DoesNotExist),
            _ => None,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IpBlock {
    pub cidr: IpNet,
    pub except: Vec<IpNet>,
}

impl IpBlock {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.cidr.contains(&ip) && !self.except.iter().any(|e| e.contains(&ip))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => f.write_str(s),
        }
    }
}

/// One entry of a rule's `ports`. `port: None` means every port of `protocol`.
/// `end_port` is only ever set with a numeric `port` (validation guarantees it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyPort {
    pub protocol: Protocol,
    pub port: Option<PortRef>,
    pub end_port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub namespace: String,
    pub name: String,
    /// `None` for a Service without a selector: its backends come from EndpointSlices only.
    pub selector: Option<Labels>,
    pub ports: Vec<ServicePort>,
    pub cluster_ips: Vec<IpAddr>,
    /// Backends listed by the Service's EndpointSlices.
    pub endpoints: Vec<ServiceEndpoint>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: u16,
    /// Defaults to `port` when absent, as the API server does.
    pub target_port: PortRef,
    pub protocol: Protocol,
}

/// One address of an EndpointSlice, with the slice's ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEndpoint {
    pub ip: IpAddr,
    /// The pod behind the address, when the slice names it (`targetRef`).
    pub pod: Option<String>,
    pub ports: Vec<EndpointPort>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointPort {
    pub name: Option<String>,
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
}

impl WorkloadKind {
    /// Every kind, in the order lookups try them.
    pub const ALL: [WorkloadKind; 6] = [
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::ReplicaSet,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }

    /// The short resource name kubectl accepts (`deploy`, `sts`, ...).
    pub fn short_name(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deploy",
            WorkloadKind::StatefulSet => "sts",
            WorkloadKind::DaemonSet => "ds",
            WorkloadKind::ReplicaSet => "rs",
            WorkloadKind::Job => "job",
            WorkloadKind::CronJob => "cronjob",
        }
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A controller with a pod template: its template gives labels and ports when no pods are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    /// `spec.selector`; for a CronJob, the job template's selector if any, else the template labels.
    pub selector: Selector,
    pub template_labels: Arc<Labels>,
    pub template_ports: Arc<[ContainerPort]>,
    pub host_network: bool,
    /// The template's service account (`None`: not written, so `default`).
    pub service_account: Option<Arc<str>>,
}

impl Workload {
    /// A workload is evaluated as one of its pods (a Running one first), or as this stand-in
    /// when none is known: its pod template's labels and ports, no IP, named like the workload
    /// (`deploy/web`) so `why NS/deploy/web` names it.
    pub fn template_pod(&self) -> Pod {
        Pod {
            namespace: self.namespace.clone(),
            name: format!("{}/{}", self.kind.short_name(), self.name),
            labels: self.template_labels.clone(),
            ports: self.template_ports.clone(),
            ips: Vec::new(),
            host_network: self.host_network,
            phase: None,
            node: None,
            owner: None,
            mesh: None,
            service_account: self.service_account.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    /// What `nodes` peers of the cluster-wide tiers select by.
    pub labels: Arc<Labels>,
    pub addresses: Vec<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonSetInfo {
    pub namespace: String,
    pub name: String,
    pub images: Vec<String>,
    /// The command line words of its containers (`command`, then `args`, container by
    /// container): where a node agent takes its configuration, e.g. NodeLocal DNSCache's
    /// `-localip`.
    pub args: Vec<String>,
}

/// A networking.k8s.io/v1 IngressClass: which controller implements the class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressClass {
    pub name: String,
    /// `spec.controller`, e.g. `k8s.io/ingress-nginx`.
    pub controller: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    /// `Labels` answers as the `BTreeMap` it replaced: sorted keys, the last of a repeated key,
    /// printed and serialized as a map.
    #[test]
    fn labels_behave_as_a_sorted_map() {
        let mut labels: Labels = [pair("tier", "web"), pair("app", "a"), pair("app", "b")].into_iter().collect();
        assert_eq!(labels.keys().map(String::as_str).collect::<Vec<_>>(), ["app", "tier"]);
        assert_eq!(labels.get("app").map(String::as_str), Some("b"), "the last value of a repeated key");
        assert_eq!(labels.insert("zone".into(), "1".into()), None);
        assert_eq!(labels.insert("app".into(), "c".into()).as_deref(), Some("b"));
        assert!(labels.contains_key("zone") && !labels.contains_key("zon"));
        assert_eq!(labels.remove("tier").as_deref(), Some("web"));
        assert_eq!(format!("{labels:?}"), r#"{"app": "c", "zone": "1"}"#);
        assert_eq!(serde_json::to_string(&labels).unwrap(), r#"{"app":"c","zone":"1"}"#);
        let map = labels.to_map();
        assert_eq!(Labels::from(map), labels);
        labels.retain(|k, _| k != "app");
        assert_eq!(labels.len(), 1);
        let (a, b) = (Labels::from([pair("a", "1")]), Labels::from([pair("a", "1"), pair("b", "1")]));
        assert!(a < b, "ordered as maps are: pair by pair");
    }
}
