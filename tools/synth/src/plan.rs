//! The cluster plan: every decision about what exists (nodes, namespaces, workloads, pods,
//! Services, NetworkPolicies), which addresses they hold and how they are labelled, drawn from
//! the seeded generator. Compact data only; turning it into API objects is `render`'s job, so the
//! plan for 100,000 pods stays small and each object is built just before it is written.
//!
//! Every namespace draws from its own derived stream, so the contents of one namespace do not
//! depend on how much randomness another one consumed.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use crate::calico::{CalicoP, plan_calico};
use crate::cilium::{CiliumP, plan_cilium};
use crate::config::{Config, ConfigError, SYSTEM_NAMESPACES};
use crate::obj;
use crate::rng::Rng;
use crate::tree::{Map, Str, V};

/// The moment the generated cluster is observed: 2025-06-01T12:00:00Z. Fixed, never the clock.
pub const NOW: i64 = 1_748_779_200;
const DAY: i64 = 86_400;
/// When the cluster was installed; every object is younger.
const CLUSTER_BORN: i64 = NOW - 400 * DAY;

/// Pods the kubelet admits per node by default (`--max-pods`).
const MAX_PODS_PER_NODE: u32 = 110;
/// Average pods per node the node count is sized for: half the kubelet's limit, like a cluster
/// that leaves room for rollouts.
const PODS_PER_NODE: usize = 55;

// Stream numbers for `Rng::derive`.
const STREAM_NODES: u64 = 1;
const STREAM_SCHEDULER: u64 = 2;
const STREAM_SYSTEM: u64 = 3;
const STREAM_NAMESPACE: u64 = 4;
const STREAM_POLICIES: u64 = 5;
const STREAM_CLUSTER: u64 = 6;

pub type Labels = Vec<(Str, Str)>;

fn l(k: &'static str, v: impl Into<Str>) -> (Str, Str) {
    (Str::Borrowed(k), v.into())
}

#[derive(Debug)]
pub struct Cluster {
    pub seed: u64,
    pub managed_fields: bool,
    /// See `Config::lean`.
    pub lean: bool,
    pub nodes: Vec<NodeP>,
    pub namespaces: Vec<NamespaceP>,
    /// Calico policies, after every Kubernetes object (`--calico-policies`).
    pub calico: Vec<CalicoP>,
    /// Cilium policies, after Calico's (`--cilium-policies`).
    pub cilium: Vec<CiliumP>,
}

impl Cluster {
    pub fn pod_count(&self) -> usize {
        self.namespaces.iter().flat_map(|n| &n.workloads).map(|w| w.pods.len()).sum()
    }

    pub fn policy_count(&self) -> usize {
        self.namespaces.iter().map(|n| n.policies.len()).sum()
    }

    /// Every pod as (namespace, name), in the order the rendered List holds them.
    pub fn pods(&self) -> impl Iterator<Item = (&str, &str)> {
        self.namespaces.iter().flat_map(|n| {
            n.workloads.iter().flat_map(move |w| w.pods.iter().map(move |p| (n.name.as_str(), p.name.as_str())))
        })
    }
}

#[derive(Debug)]
pub struct NodeP {
    pub name: String,
    pub uid: String,
    pub created: i64,
    pub ip: Ipv4Addr,
    /// The node's /24 pod CIDR.
    pub pod_cidr: Ipv4Addr,
    pub control_plane: bool,
    pub zone: &'static str,
    pub instance_type: &'static str,
    pub seed: u64,
}

/// Who applied a namespace's objects; decides the labels and annotations tools leave behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployer {
    /// `kubectl apply`: a `last-applied-configuration` annotation on every applied object.
    Kubectl,
    /// Helm: `app.kubernetes.io/managed-by: Helm` and the `meta.helm.sh/release-*` annotations.
    Helm,
    /// Argo CD: the `app.kubernetes.io/instance` tracking label.
    ArgoCd,
    /// Installed with the cluster (kubeadm, addons).
    System,
}

impl Deployer {
    pub fn field_manager(self) -> &'static str {
        match self {
            Deployer::Kubectl => "kubectl-client-side-apply",
            Deployer::Helm => "helm",
            Deployer::ArgoCd => "argocd-controller",
            Deployer::System => "kubeadm",
        }
    }
}

/// How far an app namespace got with default deny; what `kubectl deny list` reports about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// The full starter kit: ingress and egress `deny`.
    Kit,
    /// No namespace-wide policy, only per-app allows: `partial` (or `none`).
    Open,
    /// Ingress denied namespace-wide, egress left open: ingress `deny`, egress `none`.
    IngressOnly,
    /// Deny policies that select the current apps by label, not `{}`: `pods`.
    PerApp,
    /// The kit plus a rule that allows every peer on every port: ingress `allow-all`.
    AllowAll,
}

#[derive(Debug)]
pub struct NamespaceP {
    pub name: String,
    pub uid: String,
    pub created: i64,
    pub labels: Labels,
    pub deployer: Deployer,
    /// `None` for the system namespaces.
    pub isolation: Option<Isolation>,
    pub workloads: Vec<WorkloadP>,
    pub services: Vec<ServiceP>,
    pub policies: Vec<PolicyP>,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    /// Static pods of the control plane, mirrored by the kubelet and owned by their Node.
    Static,
}

#[derive(Debug)]
pub struct WorkloadP {
    pub kind: WorkloadKind,
    pub name: String,
    pub uid: String,
    pub created: i64,
    /// Labels of the workload object itself.
    pub labels: Labels,
    pub selector: Labels,
    /// Pod template labels, without the controller's hash labels.
    pub pod_labels: Labels,
    pub pod_annotations: Labels,
    pub containers: Vec<ContainerP>,
    pub host_network: bool,
    pub service_account: &'static str,
    pub priority_class: Option<(&'static str, i64)>,
    pub control_plane_tolerations: bool,
    /// `pod-template-hash` (Deployment) or `controller-revision-hash` suffix (StatefulSet,
    /// DaemonSet).
    pub hash: String,
    /// The ReplicaSet's uid for a Deployment.
    pub replicaset_uid: String,
    pub pods: Vec<PodP>,
    /// For helm and Argo CD labels: the release the workload belongs to.
    pub release: String,
}

impl WorkloadP {
    pub fn replicaset_name(&self) -> String {
        format!("{}-{}", self.name, self.hash)
    }
}

#[derive(Debug, Clone)]
pub struct ContainerP {
    pub name: &'static str,
    pub image: String,
    pub ports: Vec<PortP>,
    pub probe: Option<Probe>,
    pub cpu: &'static str,
    pub memory: &'static str,
    pub memory_limit: Option<&'static str>,
    pub env: Vec<(&'static str, String)>,
    pub args: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PortP {
    pub name: &'static str,
    pub port: u16,
    pub protocol: &'static str,
}

#[derive(Debug, Clone)]
pub enum Probe {
    Http { path: &'static str, port: PortRef },
    Tcp { port: PortRef },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    Name(&'static str),
    Number(u16),
}

impl From<&PortRef> for V {
    fn from(p: &PortRef) -> V {
        match p {
            PortRef::Name(n) => V::from(*n),
            PortRef::Number(n) => V::from(*n),
        }
    }
}

#[derive(Debug)]
pub struct PodP {
    pub name: String,
    pub uid: String,
    pub node: usize,
    /// The pod IP; the node's address for hostNetwork pods.
    pub ip: Ipv4Addr,
    pub created: i64,
    pub restarts: u32,
    /// Seeds what only the rendered object needs (container IDs, the token volume's suffix).
    pub seed: u64,
}

#[derive(Debug)]
pub struct ServiceP {
    pub name: String,
    pub uid: String,
    pub created: i64,
    pub labels: Labels,
    /// `None` for a Service without a selector (the `kubernetes` Service).
    pub selector: Option<Labels>,
    pub ports: Vec<ServicePortP>,
    pub cluster_ip: Ipv4Addr,
    /// The address a cloud load balancer published, for `type: LoadBalancer`.
    pub load_balancer: Option<Ipv4Addr>,
    pub backend: Backend,
    pub release: String,
}

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    /// The pods of this namespace's workload at that index.
    Workload(usize),
    /// The API servers on the control-plane nodes.
    ControlPlane,
}

#[derive(Debug)]
pub struct ServicePortP {
    pub name: &'static str,
    pub port: u16,
    pub target: PortRef,
    pub protocol: &'static str,
    pub node_port: Option<u16>,
}

#[derive(Debug)]
pub struct PolicyP {
    pub name: String,
    pub uid: String,
    pub created: i64,
    pub spec: V,
    pub release: String,
}

/// Allocates node, pod and Service addresses, and places pods on nodes.
struct Allocator {
    rng: Rng,
    /// Non-hostNetwork pods per node, and the next host number in the node's /24.
    used: Vec<u32>,
    workers: Vec<usize>,
    control_planes: Vec<usize>,
    service_ips: HashSet<Ipv4Addr>,
    node_ports: HashSet<u16>,
}

impl Allocator {
    /// Places a pod on a node with room; `control_plane` allows the control-plane nodes too
    /// (system pods that tolerate their taint).
    fn place(&mut self, nodes: &[NodeP], control_plane: bool) -> (usize, Ipv4Addr) {
        let pool_len = self.workers.len() + if control_plane { self.control_planes.len() } else { 0 };
        let candidate = |allocator: &Allocator, i: usize| {
            if i < allocator.workers.len() {
                allocator.workers[i]
            } else {
                allocator.control_planes[i - allocator.workers.len()]
            }
        };
        let mut pick = None;
        for _ in 0..16 {
            let index = self.rng.below(pool_len as u64) as usize;
            let node = candidate(self, index);
            if self.used[node] < MAX_PODS_PER_NODE {
                pick = Some(node);
                break;
            }
        }
        let node = pick.unwrap_or_else(|| {
            // Nodes are sized for half their capacity, so a free slot always exists.
            (0..pool_len)
                .map(|i| candidate(self, i))
                .find(|&n| self.used[n] < MAX_PODS_PER_NODE)
                .expect("nodes are sized for twice the pod count")
        });
        self.used[node] += 1;
        // Host numbers from .2: .0 is the network, .1 the node's own gateway interface.
        let [a, b, c, _] = nodes[node].pod_cidr.octets();
        (node, Ipv4Addr::new(a, b, c, (self.used[node] + 1) as u8))
    }

    /// A free address in the Service CIDR 10.96.0.0/12, above the reserved 10.96.0.1-10.96.0.10.
    fn service_ip(&mut self) -> Ipv4Addr {
        let base = u32::from(Ipv4Addr::new(10, 96, 0, 0));
        loop {
            let ip = Ipv4Addr::from(base + 11 + self.rng.below((1 << 20) - 12) as u32);
            if self.service_ips.insert(ip) {
                return ip;
            }
        }
    }

    fn node_port(&mut self) -> u16 {
        loop {
            let port = self.rng.between(30_000, 32_767) as u16;
            if self.node_ports.insert(port) {
                return port;
            }
        }
    }
}

/// The number of nodes and the system pods for a cluster of `pods` pods.
#[derive(Debug, Clone, Copy)]
struct Shape {
    nodes: usize,
    control_planes: usize,
    coredns: usize,
    ingress: usize,
    prometheus: usize,
}

impl Shape {
    fn for_pods(pods: usize) -> Shape {
        let nodes = pods.div_ceil(PODS_PER_NODE).max(3);
        let control_planes = if pods < 500 { 1 } else { 3 };
        Shape {
            nodes,
            control_planes,
            coredns: if nodes < 100 { 2 } else { 2 + nodes / 200 },
            ingress: if pods < 500 { 1 } else { 2 + pods / 25_000 },
            prometheus: if pods < 500 { 1 } else { 2 },
        }
    }

    /// Pods outside the app namespaces: two DaemonSets (CNI, kube-proxy) on every node, four
    /// static pods per control-plane node, CoreDNS, the ingress controller and Prometheus.
    fn system_pods(&self) -> usize {
        2 * self.nodes + 4 * self.control_planes + self.coredns + self.ingress + self.prometheus
    }
}

/// Builds the plan for `config`, or says which flag asks for something impossible.
pub fn plan(config: &Config) -> Result<Cluster, ConfigError> {
    config.check_bounds()?;
    let shape = Shape::for_pods(config.pods);
    if config.pods < shape.system_pods() {
        return Err(ConfigError::TooFewPods { asked: config.pods, system: shape.system_pods() });
    }
    let seed = config.seed;
    let nodes = plan_nodes(seed, &shape);
    let mut alloc = Allocator {
        rng: Rng::derive(seed, STREAM_SCHEDULER, 0),
        used: vec![0; nodes.len()],
        workers: (0..nodes.len()).filter(|&i| !nodes[i].control_plane).collect(),
        control_planes: (0..nodes.len()).filter(|&i| nodes[i].control_plane).collect(),
        service_ips: HashSet::new(),
        node_ports: HashSet::new(),
    };
    let mut namespaces = system_namespaces(seed, &shape, &nodes, &mut alloc);
    let app_pods = config.pods - shape.system_pods();
    let apps = app_namespaces(seed, config.namespaces - SYSTEM_NAMESPACES.len(), app_pods, &nodes, &mut alloc);
    let mut planned: Vec<(NamespaceP, AppNs)> = apps;
    assign_policies(seed, config.policies, &mut planned);
    namespaces.extend(planned.into_iter().map(|(ns, _)| ns));
    let calico = plan_calico(seed, config.calico_policies, &namespaces);
    let cilium = plan_cilium(seed, config.cilium_policies, &namespaces);
    Ok(Cluster { seed, managed_fields: config.managed_fields, lean: config.lean, nodes, namespaces, calico, cilium })
}

const ZONES: [&str; 3] = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
const WORKER_TYPES: [&str; 3] = ["m6i.2xlarge", "m6i.4xlarge", "c6i.4xlarge"];

fn plan_nodes(seed: u64, shape: &Shape) -> Vec<NodeP> {
    let mut rng = Rng::derive(seed, STREAM_NODES, 0);
    (0..shape.nodes)
        .map(|i| {
            let control_plane = i < shape.control_planes;
            let name = if control_plane {
                format!("k8s-control-plane-{}", i + 1)
            } else {
                format!("k8s-worker-{:04}", i - shape.control_planes + 1)
            };
            // Node addresses from 192.168.0.0/16 (host numbers 10-249 of each /24), pod CIDRs
            // one /24 each from 10.128.0.0/9, clear of the Service CIDR 10.96.0.0/12.
            let ip = Ipv4Addr::new(192, 168, (i / 240) as u8, (i % 240 + 10) as u8);
            let pod_cidr = Ipv4Addr::new(10, (128 + i / 256) as u8, (i % 256) as u8, 0);
            let created =
                CLUSTER_BORN + if control_plane { i as i64 * 120 } else { rng.below(300 * DAY as u64) as i64 };
            NodeP {
                name,
                uid: rng.uuid(),
                created,
                ip,
                pod_cidr,
                control_plane,
                zone: ZONES[i % ZONES.len()],
                instance_type: if control_plane { "m6i.xlarge" } else { WORKER_TYPES[rng.below(3) as usize] },
                seed: rng.next_u64(),
            }
        })
        .collect()
}

fn ns_labels(name: &str) -> Labels {
    vec![l("kubernetes.io/metadata.name", name.to_string())]
}

fn system_namespace(rng: &mut Rng, name: &str, created: i64, labels: Labels) -> NamespaceP {
    NamespaceP {
        name: name.to_string(),
        uid: rng.uuid(),
        created,
        labels,
        deployer: Deployer::System,
        isolation: None,
        workloads: Vec::new(),
        services: Vec::new(),
        policies: Vec::new(),
        seed: rng.next_u64(),
    }
}

/// A pod for `workload`, named as its controller names it.
fn new_pod(rng: &mut Rng, name: String, node: usize, ip: Ipv4Addr, created: i64) -> PodP {
    let restarts = if rng.percent(85) { 0 } else { rng.between(1, 12) as u32 };
    PodP { name, uid: rng.uuid(), node, ip, created, restarts, seed: rng.next_u64() }
}

fn pod_created(rng: &mut Rng, workload_created: i64) -> i64 {
    let age = rng.below((NOW - workload_created).clamp(1, 45 * DAY) as u64) as i64;
    NOW - age
}

fn controller_hash(rng: &mut Rng) -> String {
    let len = if rng.percent(70) { 10 } else { 9 };
    rng.name_suffix(len)
}

struct WorkloadSpec {
    kind: WorkloadKind,
    name: String,
    labels: Labels,
    selector: Labels,
    pod_labels: Labels,
    pod_annotations: Labels,
    containers: Vec<ContainerP>,
    host_network: bool,
    service_account: &'static str,
    priority_class: Option<(&'static str, i64)>,
    control_plane_tolerations: bool,
    release: String,
}

/// Creates the workload and its `replicas` pods, placed by the allocator.
fn add_workload(
    rng: &mut Rng,
    alloc: &mut Allocator,
    nodes: &[NodeP],
    ns_created: i64,
    spec: WorkloadSpec,
    replicas: usize,
) -> WorkloadP {
    let created = ns_created + rng.below((NOW - ns_created).max(1) as u64 / 2) as i64;
    let hash = controller_hash(rng);
    let mut taken = HashSet::new();
    let mut pods = Vec::with_capacity(replicas);
    for ordinal in 0..replicas {
        let (node, ip) = if spec.host_network {
            // DaemonSets run one pod per node; the caller passes one replica per node.
            (ordinal, nodes[ordinal].ip)
        } else {
            alloc.place(nodes, spec.control_plane_tolerations)
        };
        let name = match spec.kind {
            WorkloadKind::Deployment => loop {
                let candidate = format!("{}-{}-{}", spec.name, hash, rng.name_suffix(5));
                if taken.insert(candidate.clone()) {
                    break candidate;
                }
            },
            WorkloadKind::DaemonSet => loop {
                let candidate = format!("{}-{}", spec.name, rng.name_suffix(5));
                if taken.insert(candidate.clone()) {
                    break candidate;
                }
            },
            WorkloadKind::StatefulSet => format!("{}-{ordinal}", spec.name),
            WorkloadKind::Static => format!("{}-{}", spec.name, nodes[node].name),
        };
        let created = match spec.kind {
            WorkloadKind::Static | WorkloadKind::DaemonSet => nodes[node].created.max(created) + 60,
            _ => pod_created(rng, created),
        };
        pods.push(new_pod(rng, name, node, ip, created));
    }
    WorkloadP {
        kind: spec.kind,
        name: spec.name,
        uid: rng.uuid(),
        created,
        labels: spec.labels,
        selector: spec.selector,
        pod_labels: spec.pod_labels,
        pod_annotations: spec.pod_annotations,
        containers: spec.containers,
        host_network: spec.host_network,
        service_account: spec.service_account,
        priority_class: spec.priority_class,
        control_plane_tolerations: spec.control_plane_tolerations,
        hash,
        replicaset_uid: rng.uuid(),
        pods,
        release: spec.release,
    }
}

fn port(name: &'static str, port: u16, protocol: &'static str) -> PortP {
    PortP { name, port, protocol }
}

fn container(name: &'static str, image: impl Into<String>, ports: Vec<PortP>) -> ContainerP {
    ContainerP {
        name,
        image: image.into(),
        ports,
        probe: None,
        cpu: "100m",
        memory: "128Mi",
        memory_limit: None,
        env: Vec::new(),
        args: Vec::new(),
    }
}

fn svc_port(name: &'static str, port: u16, target: PortRef, protocol: &'static str) -> ServicePortP {
    ServicePortP { name, port, target, protocol, node_port: None }
}

#[allow(clippy::too_many_arguments)]
fn service(
    rng: &mut Rng,
    name: &str,
    created: i64,
    labels: Labels,
    selector: Option<Labels>,
    ports: Vec<ServicePortP>,
    cluster_ip: Ipv4Addr,
    backend: Backend,
    release: &str,
) -> ServiceP {
    ServiceP {
        name: name.to_string(),
        uid: rng.uuid(),
        created,
        labels,
        selector,
        ports,
        cluster_ip,
        load_balancer: None,
        backend,
        release: release.to_string(),
    }
}

fn system_namespaces(seed: u64, shape: &Shape, nodes: &[NodeP], alloc: &mut Allocator) -> Vec<NamespaceP> {
    let mut rng = Rng::derive(seed, STREAM_SYSTEM, 0);
    let born = CLUSTER_BORN;
    let critical = Some(("system-cluster-critical", 2_000_000_000));
    let node_critical = Some(("system-node-critical", 2_000_001_000));

    // default: the `kubernetes` Service in front of the API servers.
    let mut default = system_namespace(&mut rng, "default", born, ns_labels("default"));
    let svc = service(
        &mut rng,
        "kubernetes",
        born,
        vec![l("component", "apiserver"), l("provider", "kubernetes")],
        None,
        vec![svc_port("https", 443, PortRef::Number(6443), "TCP")],
        Ipv4Addr::new(10, 96, 0, 1),
        Backend::ControlPlane,
        "",
    );
    default.services.push(svc);

    // kube-system: control plane static pods, CoreDNS, the CNI and kube-proxy.
    let mut kube_system = system_namespace(&mut rng, "kube-system", born, ns_labels("kube-system"));
    for (component, image, port_) in [
        ("etcd", "registry.k8s.io/etcd:3.5.15-0", 2381),
        ("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.31.4", 6443),
        ("kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.31.4", 10257),
        ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.31.4", 10259),
    ] {
        for (i, node) in nodes.iter().enumerate().filter(|(_, n)| n.control_plane) {
            let mut c = container(component, image, Vec::new());
            c.probe = Some(if component == "kube-apiserver" {
                Probe::Http { path: "/readyz", port: PortRef::Number(port_) }
            } else {
                Probe::Http {
                    path: if component == "etcd" { "/health" } else { "/healthz" },
                    port: PortRef::Number(port_),
                }
            });
            c.cpu = if component == "kube-apiserver" { "250m" } else { "100m" };
            c.args = vec![format!("--advertise-address={}", node.ip), "--v=2".to_string()];
            let mut w = add_workload(
                &mut rng,
                alloc,
                nodes,
                born,
                WorkloadSpec {
                    kind: WorkloadKind::Static,
                    name: component.to_string(),
                    labels: Vec::new(),
                    selector: Vec::new(),
                    pod_labels: vec![l("component", component), l("tier", "control-plane")],
                    pod_annotations: vec![l("kubernetes.io/config.source", "file")],
                    containers: vec![c],
                    host_network: true,
                    service_account: "",
                    priority_class: node_critical,
                    control_plane_tolerations: true,
                    release: String::new(),
                },
                0,
            );
            let name = format!("{component}-{}", node.name);
            let created = node.created + 30;
            w.pods.push(new_pod(&mut rng, name, i, node.ip, created));
            kube_system.workloads.push(w);
        }
    }
    let mut coredns = container(
        "coredns",
        "registry.k8s.io/coredns/coredns:v1.11.3",
        vec![port("dns", 53, "UDP"), port("dns-tcp", 53, "TCP"), port("metrics", 9153, "TCP")],
    );
    coredns.probe = Some(Probe::Http { path: "/ready", port: PortRef::Number(8181) });
    coredns.memory = "70Mi";
    coredns.memory_limit = Some("170Mi");
    coredns.args = vec!["-conf".to_string(), "/etc/coredns/Corefile".to_string()];
    let dns_labels = vec![l("k8s-app", "kube-dns")];
    let w = add_workload(
        &mut rng,
        alloc,
        nodes,
        born,
        WorkloadSpec {
            kind: WorkloadKind::Deployment,
            name: "coredns".to_string(),
            labels: dns_labels.clone(),
            selector: dns_labels.clone(),
            pod_labels: dns_labels.clone(),
            pod_annotations: Vec::new(),
            containers: vec![coredns],
            host_network: false,
            service_account: "coredns",
            priority_class: critical,
            control_plane_tolerations: true,
            release: String::new(),
        },
        shape.coredns,
    );
    kube_system.workloads.push(w);
    let dns = service(
        &mut rng,
        "kube-dns",
        born,
        vec![l("k8s-app", "kube-dns"), l("kubernetes.io/cluster-service", "true"), l("kubernetes.io/name", "CoreDNS")],
        Some(dns_labels),
        vec![
            svc_port("dns", 53, PortRef::Name("dns"), "UDP"),
            svc_port("dns-tcp", 53, PortRef::Name("dns-tcp"), "TCP"),
            svc_port("metrics", 9153, PortRef::Name("metrics"), "TCP"),
        ],
        Ipv4Addr::new(10, 96, 0, 10),
        Backend::Workload(kube_system.workloads.len() - 1),
        "",
    );
    kube_system.services.push(dns);
    for (name, image) in
        [("calico-node", "docker.io/calico/node:v3.28.2"), ("kube-proxy", "registry.k8s.io/kube-proxy:v1.31.4")]
    {
        let labels = vec![l("k8s-app", name)];
        let mut c = container(name, image, Vec::new());
        c.cpu = if name == "calico-node" { "250m" } else { "100m" };
        if name == "calico-node" {
            c.probe = Some(Probe::Http { path: "/readiness", port: PortRef::Number(9099) });
            c.env =
                vec![("DATASTORE_TYPE", "kubernetes".to_string()), ("CALICO_NETWORKING_BACKEND", "bird".to_string())];
        } else {
            c.args = vec![
                "--config=/var/lib/kube-proxy/config.conf".to_string(),
                "--hostname-override=$(NODE_NAME)".to_string(),
            ];
        }
        let w = add_workload(
            &mut rng,
            alloc,
            nodes,
            born,
            WorkloadSpec {
                kind: WorkloadKind::DaemonSet,
                name: name.to_string(),
                labels: labels.clone(),
                selector: labels.clone(),
                pod_labels: labels,
                pod_annotations: Vec::new(),
                containers: vec![c],
                host_network: true,
                service_account: if name == "calico-node" { "calico-node" } else { "kube-proxy" },
                priority_class: node_critical,
                control_plane_tolerations: true,
                release: String::new(),
            },
            nodes.len(),
        );
        kube_system.workloads.push(w);
    }

    let kube_public = system_namespace(&mut rng, "kube-public", born, ns_labels("kube-public"));
    let kube_node_lease = system_namespace(&mut rng, "kube-node-lease", born, ns_labels("kube-node-lease"));

    // ingress-nginx: the controller behind a LoadBalancer Service.
    let mut ingress_labels = ns_labels("ingress-nginx");
    ingress_labels.push(l("app.kubernetes.io/instance", "ingress-nginx"));
    ingress_labels.push(l("app.kubernetes.io/name", "ingress-nginx"));
    let ingress_born = born + DAY;
    let mut ingress = system_namespace(&mut rng, "ingress-nginx", ingress_born, ingress_labels);
    ingress.deployer = Deployer::Helm;
    let selector = vec![
        l("app.kubernetes.io/component", "controller"),
        l("app.kubernetes.io/instance", "ingress-nginx"),
        l("app.kubernetes.io/name", "ingress-nginx"),
    ];
    let mut pod_labels = selector.clone();
    pod_labels.push(l("app.kubernetes.io/part-of", "ingress-nginx"));
    pod_labels.push(l("app.kubernetes.io/version", "1.11.3"));
    let mut object_labels = pod_labels.clone();
    object_labels.push(l("app.kubernetes.io/managed-by", "Helm"));
    object_labels.push(l("helm.sh/chart", "ingress-nginx-4.11.3"));
    let mut controller = container(
        "controller",
        "registry.k8s.io/ingress-nginx/controller:v1.11.3",
        vec![
            port("http", 80, "TCP"),
            port("https", 443, "TCP"),
            port("webhook", 8443, "TCP"),
            port("metrics", 10254, "TCP"),
        ],
    );
    controller.probe = Some(Probe::Http { path: "/healthz", port: PortRef::Number(10254) });
    controller.memory = "90Mi";
    controller.args = vec![
        "/nginx-ingress-controller".to_string(),
        "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller".to_string(),
        "--election-id=ingress-nginx-leader".to_string(),
        "--controller-class=k8s.io/ingress-nginx".to_string(),
        "--ingress-class=nginx".to_string(),
        "--validating-webhook=:8443".to_string(),
    ];
    let w = add_workload(
        &mut rng,
        alloc,
        nodes,
        ingress_born,
        WorkloadSpec {
            kind: WorkloadKind::Deployment,
            name: "ingress-nginx-controller".to_string(),
            labels: object_labels.clone(),
            selector: selector.clone(),
            pod_labels,
            pod_annotations: Vec::new(),
            containers: vec![controller],
            host_network: false,
            service_account: "ingress-nginx",
            priority_class: None,
            control_plane_tolerations: false,
            release: "ingress-nginx".to_string(),
        },
        shape.ingress,
    );
    ingress.workloads.push(w);
    let mut lb_ports =
        vec![svc_port("http", 80, PortRef::Name("http"), "TCP"), svc_port("https", 443, PortRef::Name("https"), "TCP")];
    for p in &mut lb_ports {
        p.node_port = Some(alloc.node_port());
    }
    let lb_ip = alloc.service_ip();
    let mut lb = service(
        &mut rng,
        "ingress-nginx-controller",
        ingress_born,
        object_labels.clone(),
        Some(selector.clone()),
        lb_ports,
        lb_ip,
        Backend::Workload(0),
        "ingress-nginx",
    );
    lb.load_balancer = Some(Ipv4Addr::new(203, 0, 113, 10));
    ingress.services.push(lb);
    let admission_ip = alloc.service_ip();
    let admission = service(
        &mut rng,
        "ingress-nginx-controller-admission",
        ingress_born,
        object_labels,
        Some(selector),
        vec![svc_port("https-webhook", 443, PortRef::Name("webhook"), "TCP")],
        admission_ip,
        Backend::Workload(0),
        "ingress-nginx",
    );
    ingress.services.push(admission);

    // monitoring: Prometheus, which scrapes every app's `metrics` port.
    let monitoring_born = born + 2 * DAY;
    let mut monitoring_labels = ns_labels("monitoring");
    monitoring_labels.push(l("team", "platform"));
    let mut monitoring = system_namespace(&mut rng, "monitoring", monitoring_born, monitoring_labels);
    monitoring.deployer = Deployer::Helm;
    let prom_selector = vec![l("app", "prometheus"), l("app.kubernetes.io/name", "prometheus")];
    let mut prometheus =
        container("prometheus", "quay.io/prometheus/prometheus:v2.54.1", vec![port("web", 9090, "TCP")]);
    prometheus.probe = Some(Probe::Http { path: "/-/ready", port: PortRef::Name("web") });
    prometheus.cpu = "500m";
    prometheus.memory = "2Gi";
    prometheus.memory_limit = Some("4Gi");
    prometheus.args = vec![
        "--config.file=/etc/prometheus/config_out/prometheus.env.yaml".to_string(),
        "--storage.tsdb.path=/prometheus".to_string(),
        "--storage.tsdb.retention.time=15d".to_string(),
        "--web.enable-lifecycle".to_string(),
    ];
    let reloader = container(
        "config-reloader",
        "quay.io/prometheus-operator/prometheus-config-reloader:v0.76.0",
        vec![port("reloader-web", 8080, "TCP")],
    );
    let w = add_workload(
        &mut rng,
        alloc,
        nodes,
        monitoring_born,
        WorkloadSpec {
            kind: WorkloadKind::StatefulSet,
            name: "prometheus".to_string(),
            labels: prom_selector.clone(),
            selector: prom_selector.clone(),
            pod_labels: prom_selector.clone(),
            pod_annotations: vec![l("kubectl.kubernetes.io/default-container", "prometheus")],
            containers: vec![prometheus, reloader],
            host_network: false,
            service_account: "prometheus",
            priority_class: None,
            control_plane_tolerations: false,
            release: "kube-prometheus-stack".to_string(),
        },
        shape.prometheus,
    );
    monitoring.workloads.push(w);
    let prom_ip = alloc.service_ip();
    let prom_svc = service(
        &mut rng,
        "prometheus",
        monitoring_born,
        prom_selector.clone(),
        Some(prom_selector),
        vec![svc_port("web", 9090, PortRef::Name("web"), "TCP")],
        prom_ip,
        Backend::Workload(0),
        "kube-prometheus-stack",
    );
    monitoring.services.push(prom_svc);

    vec![default, kube_system, kube_public, kube_node_lease, ingress, monitoring]
}

const TEAMS: [&str; 12] = [
    "payments",
    "storefront",
    "platform",
    "data",
    "identity",
    "logistics",
    "growth",
    "search",
    "mobile",
    "ml",
    "finance",
    "support",
];

/// Products, each owned by a team (index into `TEAMS`); app namespaces are named after them.
const PRODUCTS: [(&str, usize); 36] = [
    ("checkout", 0),
    ("payments", 0),
    ("pricing", 0),
    ("fraud", 0),
    ("storefront", 1),
    ("catalog", 1),
    ("reviews", 1),
    ("orders", 1),
    ("media", 1),
    ("gateway", 2),
    ("registry", 2),
    ("vault", 2),
    ("analytics", 3),
    ("reporting", 3),
    ("etl", 3),
    ("identity", 4),
    ("accounts", 4),
    ("auth", 4),
    ("shipping", 5),
    ("inventory", 5),
    ("warehouse", 5),
    ("notifications", 6),
    ("campaigns", 6),
    ("loyalty", 6),
    ("search", 7),
    ("suggest", 7),
    ("mobile-bff", 8),
    ("push", 8),
    ("recommendations", 9),
    ("features", 9),
    ("models", 9),
    ("ledger", 10),
    ("billing", 10),
    ("invoices", 10),
    ("tickets", 11),
    ("chat", 11),
];

/// Names for the second and later app stacks of a namespace (`cart-api`, `cart-db`, ...).
const STACK_WORDS: [&str; 24] = [
    "cart", "orders", "profile", "media", "ledger", "events", "billing", "quotes", "reports", "users", "jobs", "sync",
    "export", "import", "audit", "mail", "sms", "webhooks", "tax", "stock", "returns", "assets", "links", "tags",
];

const ENVS: [&str; 4] = ["prod", "staging", "dev", "qa"];
const ENV_WEIGHTS: [u64; 4] = [35, 30, 25, 10];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Frontend,
    Api,
    Db,
}

impl Tier {
    fn as_str(self) -> &'static str {
        match self {
            Tier::Frontend => "frontend",
            Tier::Api => "api",
            Tier::Db => "db",
        }
    }
}

/// A policy shape exercising one corner of the NetworkPolicy API; namespaces take turns so that
/// every cluster, however small, contains each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feature {
    /// `namespaceSelector` with `In` and `Exists`.
    ApiFromEnvs,
    /// `namespaceSelector` with `NotIn`, ANDed with a `podSelector` using `In`.
    DbNotFromDev,
    /// An egress `endPort` range to node ports.
    NodePortRange,
    /// An ingress `endPort` range from the ingress controller.
    IngressPortRange,
    /// UDP egress to syslog and NTP servers by ipBlock.
    UdpToInfra,
    /// SCTP ingress on a named SCTP port.
    Sctp,
    /// UDP ingress on a named UDP port (QUIC).
    QuicUdp,
    /// IPv6 ipBlock with `except`.
    Ipv6Egress,
}

const FEATURES: [Feature; 8] = [
    Feature::ApiFromEnvs,
    Feature::DbNotFromDev,
    Feature::NodePortRange,
    Feature::IngressPortRange,
    Feature::UdpToInfra,
    Feature::Sctp,
    Feature::QuicUdp,
    Feature::Ipv6Egress,
];

/// One app stack: up to three Deployments named `{prefix}frontend`, `{prefix}api`, `{prefix}db`.
#[derive(Debug)]
struct Stack {
    prefix: String,
    /// Index into the namespace's workloads, per tier.
    frontend: Option<usize>,
    api: Option<usize>,
    db: Option<usize>,
    internet_egress: bool,
}

impl Stack {
    fn name(&self, tier: Tier) -> String {
        format!("{}{}", self.prefix, tier.as_str())
    }
}

/// A policy this namespace could have, before the cluster-wide budget picks how many it gets.
#[derive(Debug, Clone, Copy)]
enum Candidate {
    DefaultDenyAll,
    AllowDns,
    AllowIngressController,
    DefaultDenyIngress,
    DenyApps,
    AllowDnsApps,
    AllowIngressToFrontends,
    AllowAllIngress,
    Feature(Feature),
    ApiFromFrontend(usize),
    FrontendToApi(usize),
    DbFromApi(usize),
    ApiToDb(usize),
    PrometheusScrape,
    ApiFromTeam(usize),
    EgressToTeamApis,
    ApiEgressInternet(usize),
}

/// What policy building needs to know about an app namespace besides its plan.
#[derive(Debug)]
struct AppNs {
    team: &'static str,
    stacks: Vec<Stack>,
    candidates: Vec<Candidate>,
}

fn app_namespaces(
    seed: u64,
    count: usize,
    pods: usize,
    nodes: &[NodeP],
    alloc: &mut Allocator,
) -> Vec<(NamespaceP, AppNs)> {
    let mut rng = Rng::derive(seed, STREAM_CLUSTER, 0);
    // Pods per namespace: uneven weights (a few namespaces are several times larger), then exact
    // integer shares so the total is exactly `pods`.
    let weights: Vec<u64> =
        (0..count).map(|_| if rng.percent(15) { rng.between(8, 16) } else { rng.between(1, 6) }).collect();
    let total: u64 = weights.iter().sum();
    let mut shares: Vec<usize> = weights.iter().map(|&w| (pods as u128 * w as u128 / total as u128) as usize).collect();
    // Each floor loses less than one pod, so fewer than `count` pods are left over.
    let left = pods - shares.iter().sum::<usize>();
    for share in &mut shares[..left] {
        *share += 1;
    }

    // Fixed shares of each gap `list` reports (at least one each when there is room, always at
    // least one namespace with the full kit), at shuffled positions.
    let mut isolation = Vec::with_capacity(count);
    for (state, percent) in
        [(Isolation::Open, 8), (Isolation::IngressOnly, 6), (Isolation::PerApp, 4), (Isolation::AllowAll, 4)]
    {
        let wanted = (count * percent / 100).max(1);
        let room = count.saturating_sub(1 + isolation.len());
        isolation.extend(std::iter::repeat_n(state, wanted.min(room)));
    }
    isolation.resize(count, Isolation::Kit);
    for i in (1..count).rev() {
        isolation.swap(i, rng.below(i as u64 + 1) as usize);
    }

    let mut names = HashSet::new();
    (0..count)
        .map(|j| {
            let mut rng = Rng::derive(seed, STREAM_NAMESPACE, j as u64);
            let (product, team_index) = *rng.pick(&PRODUCTS);
            let env = ENVS[rng.weighted(&ENV_WEIGHTS)];
            let base = format!("{product}-{env}");
            let name = if names.insert(base.clone()) {
                base
            } else {
                (2..).map(|k| format!("{base}-{k}")).find(|n| names.insert(n.clone())).expect("unbounded")
            };
            let mut features: Vec<Feature> =
                FEATURES.iter().enumerate().filter(|(i, _)| i % count == j).map(|(_, f)| *f).collect();
            if j % 3 == 1 && !features.contains(&FEATURES[(j / 3) % FEATURES.len()]) {
                features.push(FEATURES[(j / 3) % FEATURES.len()]);
            }
            app_namespace(
                &mut rng,
                &name,
                product,
                TEAMS[team_index],
                env,
                isolation[j],
                &features,
                shares[j],
                nodes,
                alloc,
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn app_namespace(
    rng: &mut Rng,
    name: &str,
    product: &'static str,
    team: &'static str,
    env: &'static str,
    isolation: Isolation,
    features: &[Feature],
    pods: usize,
    nodes: &[NodeP],
    alloc: &mut Allocator,
) -> (NamespaceP, AppNs) {
    let created = CLUSTER_BORN + 3 * DAY + rng.below(330 * DAY as u64) as i64;
    let deployer = match rng.weighted(&[40, 35, 25]) {
        0 => Deployer::Kubectl,
        1 => Deployer::Helm,
        _ => Deployer::ArgoCd,
    };
    let tier = match env {
        "prod" if rng.percent(60) => "gold",
        "prod" | "staging" => "silver",
        _ => "bronze",
    };
    let mut labels = ns_labels(name);
    labels.push(l("team", team));
    labels.push(l("env", env));
    labels.push(l("tier", tier));
    if rng.percent(50) {
        labels.push(l("pod-security.kubernetes.io/enforce", if rng.percent(50) { "restricted" } else { "baseline" }));
    }
    if rng.percent(40) {
        labels.push(l("cost-center", format!("cc-{}", rng.between(1000, 9999))));
    }
    let mut ns = NamespaceP {
        name: name.to_string(),
        uid: rng.uuid(),
        created,
        labels,
        deployer,
        isolation: Some(isolation),
        workloads: Vec::new(),
        services: Vec::new(),
        policies: Vec::new(),
        seed: rng.next_u64(),
    };

    // Stacks of about nine pods each; stacks of one or two pods lack the db (and api) tier.
    let stack_count = pods.div_ceil(9);
    let mut words: Vec<&str> = STACK_WORDS.to_vec();
    let mut stacks = Vec::with_capacity(stack_count);
    for s in 0..stack_count {
        let size = pods / stack_count + usize::from(s < pods % stack_count);
        let prefix = if s == 0 {
            String::new()
        } else if !words.is_empty() {
            format!("{}-", words.remove(rng.below(words.len() as u64) as usize))
        } else {
            format!("app{s}-")
        };
        let part_of = if s == 0 { product.to_string() } else { prefix.trim_end_matches('-').to_string() };
        let replicas: Vec<(Tier, usize)> = match size {
            1 => vec![(Tier::Frontend, 1)],
            2 => vec![(Tier::Frontend, 1), (Tier::Api, 1)],
            _ => {
                let db = (size / 7).clamp(1, 3);
                let api = ((size - db) / 2).max(1);
                vec![(Tier::Frontend, size - db - api), (Tier::Api, api), (Tier::Db, db)]
            }
        };
        let mut stack = Stack { prefix, frontend: None, api: None, db: None, internet_egress: rng.percent(40) };
        for (tier, count) in replicas {
            let extra_ports: Vec<PortP> = if s == 0 && tier == Tier::Api {
                features
                    .iter()
                    .filter_map(|f| match f {
                        Feature::Sctp => Some(port("diameter", 3868, "SCTP")),
                        Feature::QuicUdp => Some(port("quic", 8443, "UDP")),
                        _ => None,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let spec = app_workload(rng, &stack, tier, team, &part_of, ns.deployer, name, extra_ports);
            let w = add_workload(rng, alloc, nodes, created, spec, count);
            ns.workloads.push(w);
            let index = ns.workloads.len() - 1;
            match tier {
                Tier::Frontend => stack.frontend = Some(index),
                Tier::Api => stack.api = Some(index),
                Tier::Db => stack.db = Some(index),
            }
            let service = app_service(rng, alloc, &ns, index, tier, &part_of);
            ns.services.push(service);
        }
        stacks.push(stack);
    }

    let candidates = candidates(isolation, features, &stacks);
    (ns, AppNs { team, stacks, candidates })
}

#[allow(clippy::too_many_arguments)]
fn app_workload(
    rng: &mut Rng,
    stack: &Stack,
    tier: Tier,
    team: &str,
    part_of: &str,
    deployer: Deployer,
    namespace: &str,
    extra_ports: Vec<PortP>,
) -> WorkloadSpec {
    let name = stack.name(tier);
    let version = format!("v{}.{}.{}", rng.between(1, 3), rng.below(20), rng.below(10));
    let release = part_of.to_string();
    let mut labels =
        vec![l("app", name.clone()), l("tier", tier.as_str()), l("app.kubernetes.io/part-of", part_of.to_string())];
    let selector = vec![l("app", name.clone())];
    let mut pod_labels = labels.clone();
    pod_labels.push(l("version", version.clone()));
    match deployer {
        Deployer::Helm => {
            labels.push(l("app.kubernetes.io/managed-by", "Helm"));
            labels.push(l("helm.sh/chart", format!("{part_of}-{}.{}.0", rng.between(0, 4), rng.below(30))));
        }
        Deployer::ArgoCd => labels.push(l("app.kubernetes.io/instance", format!("{namespace}-{part_of}"))),
        Deployer::Kubectl | Deployer::System => {}
    }
    let mut pod_annotations = vec![l("prometheus.io/port", "9100"), l("prometheus.io/scrape", "true")];
    if rng.percent(30) {
        let restarted = NOW - rng.below(20 * DAY as u64) as i64;
        pod_annotations.push(l("kubectl.kubernetes.io/restartedAt", crate::render::rfc3339(restarted)));
    }
    let registry = format!("registry.example.com/{team}/{part_of}");
    let containers = match tier {
        Tier::Frontend => {
            let mut c = container(
                "web",
                format!("{registry}-web:{version}"),
                vec![port("http", 8080, "TCP"), port("metrics", 9100, "TCP")],
            );
            c.probe = Some(Probe::Http { path: "/healthz", port: PortRef::Name("http") });
            c.memory_limit = Some("256Mi");
            c.env =
                vec![("API_URL", format!("http://{}:80", stack.name(Tier::Api))), ("LOG_LEVEL", "info".to_string())];
            vec![c]
        }
        Tier::Api => {
            let mut ports = vec![port("http", 8080, "TCP"), port("grpc", 9090, "TCP"), port("metrics", 9100, "TCP")];
            ports.extend(extra_ports);
            let mut c = container("api", format!("{registry}-api:{version}"), ports);
            c.probe = Some(Probe::Http { path: "/readyz", port: PortRef::Name("http") });
            c.cpu = "250m";
            c.memory = "256Mi";
            c.memory_limit = Some("512Mi");
            c.env = vec![
                ("DATABASE_HOST", stack.name(Tier::Db)),
                ("DATABASE_PORT", "5432".to_string()),
                ("GRPC_PORT", "9090".to_string()),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring:4317".to_string()),
            ];
            vec![c]
        }
        Tier::Db => {
            let mut db = container("postgres", "docker.io/library/postgres:16.4", vec![port("postgres", 5432, "TCP")]);
            db.probe = Some(Probe::Tcp { port: PortRef::Name("postgres") });
            db.cpu = "500m";
            db.memory = "1Gi";
            db.memory_limit = Some("2Gi");
            db.env = vec![
                ("PGDATA", "/var/lib/postgresql/data/pgdata".to_string()),
                ("POSTGRES_DB", part_of.replace('-', "_")),
            ];
            let mut exporter = container(
                "exporter",
                "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
                vec![port("metrics", 9100, "TCP")],
            );
            exporter.args = vec!["--web.listen-address=:9100".to_string()];
            vec![db, exporter]
        }
    };
    WorkloadSpec {
        kind: WorkloadKind::Deployment,
        name,
        labels,
        selector,
        pod_labels,
        pod_annotations,
        containers,
        host_network: false,
        service_account: "default",
        priority_class: None,
        control_plane_tolerations: false,
        release,
    }
}

fn app_service(
    rng: &mut Rng,
    alloc: &mut Allocator,
    ns: &NamespaceP,
    index: usize,
    tier: Tier,
    part_of: &str,
) -> ServiceP {
    let w = &ns.workloads[index];
    let mut ports = match tier {
        Tier::Frontend => vec![svc_port("http", 80, PortRef::Name("http"), "TCP")],
        Tier::Api => vec![
            svc_port("http", 80, PortRef::Name("http"), "TCP"),
            svc_port("grpc", 9090, PortRef::Name("grpc"), "TCP"),
        ],
        Tier::Db => vec![svc_port("postgres", 5432, PortRef::Name("postgres"), "TCP")],
    };
    for p in w.containers.iter().flat_map(|c| &c.ports) {
        if p.protocol != "TCP" {
            ports.push(svc_port(p.name, p.port, PortRef::Name(p.name), p.protocol));
        }
    }
    let labels = w.labels.clone();
    let created = w.created;
    let ip = alloc.service_ip();
    service(rng, &w.name, created, labels, Some(w.selector.clone()), ports, ip, Backend::Workload(index), part_of)
}

/// The policies this namespace would have with an unlimited budget, most essential first: the
/// budget takes a prefix of this list.
fn candidates(isolation: Isolation, features: &[Feature], stacks: &[Stack]) -> Vec<Candidate> {
    use Candidate as C;
    let mut out = match isolation {
        Isolation::Kit => vec![C::DefaultDenyAll, C::AllowDns, C::AllowIngressController],
        Isolation::Open => vec![C::AllowIngressToFrontends],
        Isolation::IngressOnly => vec![C::DefaultDenyIngress, C::AllowIngressController],
        Isolation::PerApp => vec![C::DenyApps, C::AllowDnsApps, C::AllowIngressToFrontends],
        Isolation::AllowAll => vec![C::DefaultDenyAll, C::AllowDns, C::AllowIngressController, C::AllowAllIngress],
    };
    let first = stacks.first();
    let has = |tier: Tier| {
        first.is_some_and(|s| match tier {
            Tier::Frontend => s.frontend.is_some(),
            Tier::Api => s.api.is_some(),
            Tier::Db => s.db.is_some(),
        })
    };
    for &f in features {
        let needs = match f {
            Feature::DbNotFromDev => Tier::Db,
            Feature::IngressPortRange => Tier::Frontend,
            _ => Tier::Api,
        };
        if has(needs) {
            out.push(C::Feature(f));
        }
    }
    // Ingress allows first (teams open their own services before they restrict their egress),
    // and the namespace-wide allows early, so that small budgets still cover every shape.
    for (i, s) in stacks.iter().enumerate() {
        if s.api.is_some() {
            out.push(C::ApiFromFrontend(i));
        }
        if s.db.is_some() {
            out.push(C::DbFromApi(i));
        }
        if i == 0 {
            out.push(C::PrometheusScrape);
            if s.api.is_some() {
                out.push(C::ApiFromTeam(i));
            }
        }
        if s.api.is_some() {
            out.push(C::FrontendToApi(i));
        }
        if s.db.is_some() {
            out.push(C::ApiToDb(i));
        }
        if i == 0 {
            out.push(C::EgressToTeamApis);
        }
        if s.api.is_some() && s.internet_egress {
            out.push(C::ApiEgressInternet(i));
        }
    }
    out
}

/// Spreads `budget` policies over the app namespaces as evenly as their candidate lists allow,
/// then builds them.
fn assign_policies(seed: u64, budget: usize, namespaces: &mut [(NamespaceP, AppNs)]) {
    let caps: Vec<usize> = namespaces.iter().map(|(_, app)| app.candidates.len()).collect();
    let mut quota = vec![0usize; namespaces.len()];
    let mut left = budget;
    loop {
        let open: Vec<usize> = (0..quota.len()).filter(|&i| quota[i] < caps[i]).collect();
        if open.is_empty() || left == 0 {
            break;
        }
        let share = (left / open.len()).max(1);
        for i in open {
            let give = share.min(caps[i] - quota[i]).min(left);
            quota[i] += give;
            left -= give;
            if left == 0 {
                break;
            }
        }
    }
    for (j, (ns, app)) in namespaces.iter_mut().enumerate() {
        let mut rng = Rng::derive(seed, STREAM_POLICIES, j as u64);
        for c in app.candidates.iter().take(quota[j]) {
            let (name, spec) = build_policy(*c, ns, app);
            let created = ns.created + rng.below((NOW - ns.created).max(1) as u64) as i64;
            let release = match c {
                Candidate::ApiFromFrontend(s)
                | Candidate::FrontendToApi(s)
                | Candidate::DbFromApi(s)
                | Candidate::ApiToDb(s)
                | Candidate::ApiFromTeam(s)
                | Candidate::ApiEgressInternet(s) => ns.workloads[app.stacks[*s].frontend.unwrap_or(0)].release.clone(),
                _ => "network-baseline".to_string(),
            };
            ns.policies.push(PolicyP { name, uid: rng.uuid(), created, spec, release });
        }
    }
}

fn match_labels(pairs: &[(&str, &str)]) -> V {
    if pairs.is_empty() {
        return V::empty_obj();
    }
    let mut m = Map::new();
    for (k, v) in pairs {
        m.push(k.to_string(), v.to_string());
    }
    obj! { "matchLabels" => m.build() }
}

fn requirement(key: &'static str, operator: &'static str, values: &[&'static str]) -> V {
    let mut m = Map::new().set("key", key).set("operator", operator);
    if !values.is_empty() {
        m.push("values", values.iter().map(|v| V::from(*v)).collect::<Vec<_>>());
    }
    m.build()
}

fn match_expressions(requirements: Vec<V>) -> V {
    obj! { "matchExpressions" => requirements }
}

fn ns_named(name: &str) -> V {
    match_labels(&[("kubernetes.io/metadata.name", name)])
}

fn peer(pod_selector: Option<V>, namespace_selector: Option<V>) -> V {
    Map::new().opt("podSelector", pod_selector).opt("namespaceSelector", namespace_selector).build()
}

fn ip_block(cidr: &'static str, except: &[&'static str]) -> V {
    let mut block = Map::new().set("cidr", cidr);
    if !except.is_empty() {
        block.push("except", except.iter().map(|e| V::from(*e)).collect::<Vec<_>>());
    }
    obj! { "ipBlock" => block.build() }
}

fn policy_port(protocol: &'static str, port: impl Into<V>) -> V {
    obj! { "port" => port.into(), "protocol" => protocol }
}

fn port_range(protocol: &'static str, port: u16, end_port: u16) -> V {
    obj! { "endPort" => end_port, "port" => port, "protocol" => protocol }
}

fn rule(direction: &'static str, peers: Vec<V>, ports: Vec<V>) -> V {
    let key = if direction == "Ingress" { "from" } else { "to" };
    let mut m = Map::new();
    if !peers.is_empty() {
        m.push(key, peers);
    }
    if !ports.is_empty() {
        m.push("ports", ports);
    }
    m.build()
}

fn spec(pod_selector: V, ingress: Option<Vec<V>>, egress: Option<Vec<V>>) -> V {
    let mut types: Vec<V> = Vec::new();
    if ingress.is_some() {
        types.push("Ingress".into());
    }
    if egress.is_some() {
        types.push("Egress".into());
    }
    let mut m = Map::new().set("podSelector", pod_selector).set("policyTypes", types);
    if let Some(rules) = ingress.filter(|r| !r.is_empty()) {
        m.push("ingress", rules);
    }
    if let Some(rules) = egress.filter(|r| !r.is_empty()) {
        m.push("egress", rules);
    }
    m.build()
}

const RFC1918: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

fn build_policy(c: Candidate, ns: &NamespaceP, app: &AppNs) -> (String, V) {
    use Candidate as C;
    let app_sel = |w: Option<usize>| {
        let name = &ns.workloads[w.expect("candidates only name tiers that exist")].name;
        match_labels(&[("app", name)])
    };
    let stack = |s: usize| &app.stacks[s];
    let dns_peer = || peer(Some(match_labels(&[("k8s-app", "kube-dns")])), Some(ns_named("kube-system")));
    let dns_ports = || vec![policy_port("UDP", 53u16), policy_port("TCP", 53u16)];
    let controller_peer = || peer(None, Some(ns_named("ingress-nginx")));
    match c {
        C::DefaultDenyAll => ("default-deny-all".into(), spec(V::empty_obj(), Some(vec![]), Some(vec![]))),
        C::AllowDns => {
            ("allow-dns".into(), spec(V::empty_obj(), None, Some(vec![rule("Egress", vec![dns_peer()], dns_ports())])))
        }
        C::AllowIngressController => (
            "allow-ingress-controller".into(),
            spec(V::empty_obj(), Some(vec![rule("Ingress", vec![controller_peer()], vec![])]), None),
        ),
        C::DefaultDenyIngress => ("default-deny-ingress".into(), spec(V::empty_obj(), Some(vec![]), None)),
        C::DenyApps => (
            "deny-all-apps".into(),
            spec(
                match_expressions(vec![requirement("tier", "In", &["frontend", "api", "db"])]),
                Some(vec![]),
                Some(vec![]),
            ),
        ),
        C::AllowDnsApps => (
            "allow-dns".into(),
            spec(
                match_expressions(vec![requirement("tier", "Exists", &[])]),
                None,
                Some(vec![rule("Egress", vec![dns_peer()], dns_ports())]),
            ),
        ),
        C::AllowIngressToFrontends => (
            "allow-ingress-to-frontends".into(),
            spec(
                match_labels(&[("tier", "frontend")]),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(
                        Some(match_labels(&[("app.kubernetes.io/name", "ingress-nginx")])),
                        Some(ns_named("ingress-nginx")),
                    )],
                    vec![policy_port("TCP", "http")],
                )]),
                None,
            ),
        ),
        C::AllowAllIngress => ("allow-all-ingress".into(), spec(V::empty_obj(), Some(vec![obj! {}]), None)),
        C::ApiFromFrontend(s) => (
            format!("{}-allow-from-frontend", stack(s).name(Tier::Api)),
            spec(
                app_sel(stack(s).api),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(Some(app_sel(stack(s).frontend)), None)],
                    vec![policy_port("TCP", "http")],
                )]),
                None,
            ),
        ),
        C::FrontendToApi(s) => (
            format!("{}-allow-to-api", stack(s).name(Tier::Frontend)),
            spec(
                app_sel(stack(s).frontend),
                None,
                Some(vec![rule(
                    "Egress",
                    vec![peer(Some(app_sel(stack(s).api)), None)],
                    vec![policy_port("TCP", "http")],
                )]),
            ),
        ),
        C::DbFromApi(s) => (
            format!("{}-allow-from-api", stack(s).name(Tier::Db)),
            spec(
                app_sel(stack(s).db),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(Some(app_sel(stack(s).api)), None)],
                    vec![policy_port("TCP", 5432u16)],
                )]),
                None,
            ),
        ),
        C::ApiToDb(s) => (
            format!("{}-allow-to-db", stack(s).name(Tier::Api)),
            spec(
                app_sel(stack(s).api),
                None,
                Some(vec![rule(
                    "Egress",
                    vec![peer(Some(app_sel(stack(s).db)), None)],
                    vec![policy_port("TCP", 5432u16)],
                )]),
            ),
        ),
        C::PrometheusScrape => (
            "allow-prometheus-scrape".into(),
            spec(
                match_expressions(vec![requirement("app", "Exists", &[])]),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(Some(match_labels(&[("app", "prometheus")])), Some(ns_named("monitoring")))],
                    vec![policy_port("TCP", "metrics")],
                )]),
                None,
            ),
        ),
        C::ApiFromTeam(s) => (
            format!("{}-allow-from-team", stack(s).name(Tier::Api)),
            spec(
                app_sel(stack(s).api),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(Some(match_labels(&[("tier", "frontend")])), Some(match_labels(&[("team", app.team)])))],
                    vec![policy_port("TCP", "http")],
                )]),
                None,
            ),
        ),
        C::EgressToTeamApis => (
            "allow-egress-to-team-apis".into(),
            spec(
                match_labels(&[("tier", "frontend")]),
                None,
                Some(vec![rule(
                    "Egress",
                    vec![peer(Some(match_labels(&[("tier", "api")])), Some(match_labels(&[("team", app.team)])))],
                    vec![policy_port("TCP", "http")],
                )]),
            ),
        ),
        C::ApiEgressInternet(s) => (
            format!("{}-allow-egress-internet", stack(s).name(Tier::Api)),
            spec(
                app_sel(stack(s).api),
                None,
                Some(vec![rule("Egress", vec![ip_block("0.0.0.0/0", &RFC1918)], vec![policy_port("TCP", 443u16)])]),
            ),
        ),
        // Features are candidates only when the first stack has the tier they need.
        C::Feature(f) => feature_policy(f, &app.stacks[0], &app_sel),
    }
}

fn feature_policy(f: Feature, first: &Stack, app_sel: &dyn Fn(Option<usize>) -> V) -> (String, V) {
    match f {
        Feature::ApiFromEnvs => (
            format!("{}-allow-from-envs", first.name(Tier::Api)),
            spec(
                app_sel(first.api),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(
                        Some(match_labels(&[("tier", "frontend")])),
                        Some(match_expressions(vec![
                            requirement("env", "In", &["prod", "staging"]),
                            requirement("team", "Exists", &[]),
                        ])),
                    )],
                    vec![policy_port("TCP", "http"), policy_port("TCP", "grpc")],
                )]),
                None,
            ),
        ),
        Feature::DbNotFromDev => (
            format!("{}-allow-from-non-dev", first.name(Tier::Db)),
            spec(
                app_sel(first.db),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(
                        Some(match_expressions(vec![requirement("tier", "In", &["api"])])),
                        Some(match_expressions(vec![requirement("env", "NotIn", &["dev", "qa"])])),
                    )],
                    vec![policy_port("TCP", 5432u16)],
                )]),
                None,
            ),
        ),
        Feature::NodePortRange => (
            format!("{}-allow-nodeports", first.name(Tier::Api)),
            spec(
                app_sel(first.api),
                None,
                Some(vec![rule(
                    "Egress",
                    vec![ip_block("192.168.0.0/16", &[])],
                    vec![port_range("TCP", 30000, 32767)],
                )]),
            ),
        ),
        Feature::IngressPortRange => (
            format!("{}-allow-port-range", first.name(Tier::Frontend)),
            spec(
                app_sel(first.frontend),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(None, Some(ns_named("ingress-nginx")))],
                    vec![port_range("TCP", 8080, 8089)],
                )]),
                None,
            ),
        ),
        Feature::UdpToInfra => (
            format!("{}-allow-syslog-ntp", first.name(Tier::Api)),
            spec(
                app_sel(first.api),
                None,
                Some(vec![rule(
                    "Egress",
                    vec![ip_block("198.51.100.0/24", &["198.51.100.128/25"])],
                    vec![policy_port("UDP", 514u16), policy_port("UDP", 123u16)],
                )]),
            ),
        ),
        Feature::Sctp => (
            format!("{}-allow-diameter", first.name(Tier::Api)),
            spec(
                app_sel(first.api),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(None, Some(match_labels(&[("env", "prod")])))],
                    vec![policy_port("SCTP", "diameter")],
                )]),
                None,
            ),
        ),
        Feature::QuicUdp => (
            format!("{}-allow-quic", first.name(Tier::Api)),
            spec(
                app_sel(first.api),
                Some(vec![rule(
                    "Ingress",
                    vec![peer(None, Some(ns_named("ingress-nginx")))],
                    vec![policy_port("UDP", "quic")],
                )]),
                None,
            ),
        ),
        Feature::Ipv6Egress => (
            format!("{}-allow-egress-ipv6", first.name(Tier::Api)),
            spec(
                app_sel(first.api),
                None,
                Some(vec![rule(
                    "Egress",
                    vec![ip_block("0.0.0.0/0", &RFC1918), ip_block("::/0", &["fc00::/7", "fe80::/10"])],
                    vec![policy_port("TCP", 443u16)],
                )]),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;

    #[test]
    fn nodes_leave_room_for_twice_the_pods() {
        for pods in [1, 100, 5_000, 100_000, 500_000] {
            let shape = Shape::for_pods(pods);
            let workers = shape.nodes - shape.control_planes;
            assert!(workers * MAX_PODS_PER_NODE as usize >= pods, "{pods} pods on {workers} workers");
        }
    }

    #[test]
    fn too_few_pods_names_the_system_pods_and_the_minimum() {
        let mut config = Preset::Small.config(1, false);
        config.pods = 10;
        let err = plan(&config).unwrap_err();
        assert!(matches!(err, ConfigError::TooFewPods { asked: 10, system: 14 }), "{err:?}");
        config.pods = 14;
        assert_eq!(plan(&config).unwrap().pod_count(), 14);
    }

    #[test]
    fn presets_plan_exactly_their_counts() {
        for preset in [Preset::Small, Preset::Medium, Preset::Large, Preset::Nca] {
            let (namespaces, pods, policies) = preset.shape();
            let cluster = plan(&preset.config(1, false)).unwrap();
            assert_eq!(cluster.namespaces.len(), namespaces, "{preset}");
            assert_eq!(cluster.pod_count(), pods, "{preset}");
            assert_eq!(cluster.policy_count(), policies, "{preset}");
        }
    }

    #[test]
    fn policy_budget_is_spread_over_namespaces() {
        let cluster = plan(&Preset::Medium.config(1, false)).unwrap();
        assert_eq!(cluster.policy_count(), 250);
        let apps: Vec<_> = cluster.namespaces.iter().filter(|n| n.isolation.is_some()).collect();
        assert!(apps.iter().all(|n| !n.policies.is_empty()));
    }

    #[test]
    fn every_isolation_state_appears() {
        let cluster = plan(&Preset::Small.config(1, false)).unwrap();
        for wanted in [Isolation::Kit, Isolation::Open, Isolation::IngressOnly, Isolation::PerApp, Isolation::AllowAll]
        {
            assert!(cluster.namespaces.iter().any(|n| n.isolation == Some(wanted)), "{wanted:?} missing");
        }
    }
}
