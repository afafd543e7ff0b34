//! The cluster the network-policy-api conformance suite runs against
//! (kubernetes-sigs/network-policy-api `conformance/base/manifests.yaml`, read at d48faeeb): the
//! Hogwarts houses. Four namespaces `network-policy-conformance-{gryffindor,slytherin,hufflepuff,
//! ravenclaw}`, each labelled `conformance-house: <house>` and holding a two-replica StatefulSet
//! (harry-potter, draco-malfoy, cedric-diggory, luna-lovegood) whose pods carry the same label, and
//! `network-policy-conformance-forbidden-forrest` with the host-network StatefulSet `centaur`, the
//! target of the `nodes` peer tests.
//!
//! This module owns that state as the API server would return it: pods `Running` with their IPs
//! and node, the labels the StatefulSet controller adds (`statefulset.kubernetes.io/pod-name`,
//! `apps.kubernetes.io/pod-index`, `controller-revision-hash`), the `kubernetes.io/metadata.name`
//! namespace label, and the nodes (`kubernetes.io/os: linux`, an InternalIP each). It must not hold
//! policies or expectations.
//!
//! Choices where upstream leaves the value to the cluster (none changes a verdict):
//! - Three nodes, as a kind cluster has them; pod `-0` runs on `kind-worker`, pod `-1` on
//!   `kind-worker2`, `centaur-0` on `kind-worker2` and `centaur-1` on `kind-worker`, so the host
//!   network pod the node tests probe (`centaur-1`) never shares a node with `harry-potter-1`, the
//!   client of every denied node probe. Upstream's expectations do not depend on the placement.
//! - Upstream declares only the named container ports (`web` 80/TCP, `dns` 53/UDP; on centaur
//!   `web-36363`, `web-36364`). Every port a container serves is declared here too, unnamed, so the
//!   manifests say what each pod listens on and the self-check can prove every probe hits a served
//!   port. Unnamed container ports take part in no policy.
//! - The newest upstream templates the centaur ports from the suite option `HostNetworkPorts`
//!   (indices 0 and 1 TCP, 2 and 4 UDP, 6 SCTP are probed); its defaults are not in the sources
//!   read. [`HOST_NETWORK_PORTS`] uses the values of the last version with fixed ports (36363 and
//!   36364 TCP, 34345 and 34346 UDP, 9003 SCTP) and fills the two indices no test probes.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use serde_json::{Value, json};

/// The namespace-name label the API server puts on every namespace.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
/// The house label of namespaces and pods in the upstream manifests.
pub const HOUSE_LABEL: &str = "conformance-house";
/// The label the StatefulSet controller puts on each pod: its name.
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";

pub const GRYFFINDOR: &str = "network-policy-conformance-gryffindor";
pub const SLYTHERIN: &str = "network-policy-conformance-slytherin";
pub const HUFFLEPUFF: &str = "network-policy-conformance-hufflepuff";
pub const RAVENCLAW: &str = "network-policy-conformance-ravenclaw";
pub const FORBIDDEN_FORREST: &str = "network-policy-conformance-forbidden-forrest";

/// A transport protocol as the Kubernetes API spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
    Sctp,
}

impl Proto {
    /// `TCP`, `UDP`, `SCTP`.
    pub fn api(self) -> &'static str {
        match self {
            Proto::Tcp => "TCP",
            Proto::Udp => "UDP",
            Proto::Sctp => "SCTP",
        }
    }

    /// `tcp`, `udp`, `sctp`: the v1alpha2 `protocols` keys and the `why` spelling.
    pub fn lower(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Sctp => "sctp",
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api())
    }
}

/// A pod of the world, by namespace and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PodRef {
    pub namespace: &'static str,
    pub name: &'static str,
}

impl fmt::Display for PodRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

const fn pod(namespace: &'static str, name: &'static str) -> PodRef {
    PodRef { namespace, name }
}

pub const HARRY_0: PodRef = pod(GRYFFINDOR, "harry-potter-0");
pub const HARRY_1: PodRef = pod(GRYFFINDOR, "harry-potter-1");
pub const DRACO_0: PodRef = pod(SLYTHERIN, "draco-malfoy-0");
pub const DRACO_1: PodRef = pod(SLYTHERIN, "draco-malfoy-1");
pub const CEDRIC_0: PodRef = pod(HUFFLEPUFF, "cedric-diggory-0");
pub const CEDRIC_1: PodRef = pod(HUFFLEPUFF, "cedric-diggory-1");
pub const LUNA_0: PodRef = pod(RAVENCLAW, "luna-lovegood-0");
pub const LUNA_1: PodRef = pod(RAVENCLAW, "luna-lovegood-1");
pub const CENTAUR_0: PodRef = pod(FORBIDDEN_FORREST, "centaur-0");
pub const CENTAUR_1: PodRef = pod(FORBIDDEN_FORREST, "centaur-1");

/// The ports the centaur host-network pods serve, by the index upstream's tests use
/// (`s.HostNetworkPorts[i]`). See the module documentation for where the values come from.
pub const HOST_NETWORK_PORTS: [(u16, Proto); 7] = [
    (36363, Proto::Tcp),
    (36364, Proto::Tcp),
    (34345, Proto::Udp),
    (34347, Proto::Udp),
    (34346, Proto::Udp),
    (9005, Proto::Sctp),
    (9003, Proto::Sctp),
];

/// Upstream's `s.HostNetworkPorts[index]`.
pub fn hnp(index: usize) -> u16 {
    HOST_NETWORK_PORTS[index].0
}

/// One node of the cluster.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: &'static str,
    pub ip: Ipv4Addr,
    pub pod_cidr: &'static str,
    pub control_plane: bool,
}

/// One container port: number, protocol and, when upstream names it, its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerPort {
    pub port: u16,
    pub proto: Proto,
    pub name: Option<&'static str>,
}

/// One pod of the world.
#[derive(Clone, Debug)]
pub struct Pod {
    pub at: PodRef,
    pub labels: BTreeMap<String, String>,
    pub node: &'static str,
    pub ip: Ipv4Addr,
    pub host_network: bool,
    /// Container name and the ports it serves (an empty list: the idle client container).
    pub containers: Vec<(String, Vec<ContainerPort>)>,
}

impl Pod {
    /// Whether a container of the pod serves `port`/`proto`.
    pub fn serves(&self, port: u16, proto: Proto) -> bool {
        self.ports().any(|p| p.port == port && p.proto == proto)
    }

    pub fn ports(&self) -> impl Iterator<Item = &ContainerPort> {
        self.containers.iter().flat_map(|(_, ports)| ports)
    }
}

/// One namespace of the world.
#[derive(Clone, Debug)]
pub struct Namespace {
    pub name: &'static str,
    pub labels: BTreeMap<String, String>,
}

/// The whole cluster: namespaces, nodes and pods.
#[derive(Clone, Debug)]
pub struct World {
    pub namespaces: Vec<Namespace>,
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
}

/// The four houses: house label value, StatefulSet, its two pods, and the last octet of their IPs.
const HOUSES: [(&str, &str, [PodRef; 2], u8); 4] = [
    ("gryffindor", "harry-potter", [HARRY_0, HARRY_1], 10),
    ("slytherin", "draco-malfoy", [DRACO_0, DRACO_1], 11),
    ("hufflepuff", "cedric-diggory", [CEDRIC_0, CEDRIC_1], 12),
    ("ravenclaw", "luna-lovegood", [LUNA_0, LUNA_1], 13),
];

const KIND_WORKER: &str = "kind-worker";
const KIND_WORKER2: &str = "kind-worker2";

impl World {
    /// The world of `conformance/base/manifests.yaml`, with the choices the module documents.
    pub fn hogwarts() -> World {
        let nodes = vec![
            Node {
                name: "kind-control-plane",
                ip: Ipv4Addr::new(172, 18, 0, 2),
                pod_cidr: "10.244.0.0/24",
                control_plane: true,
            },
            Node {
                name: KIND_WORKER,
                ip: Ipv4Addr::new(172, 18, 0, 3),
                pod_cidr: "10.244.1.0/24",
                control_plane: false,
            },
            Node {
                name: KIND_WORKER2,
                ip: Ipv4Addr::new(172, 18, 0, 4),
                pod_cidr: "10.244.2.0/24",
                control_plane: false,
            },
        ];
        let mut namespaces = Vec::new();
        let mut pods = Vec::new();
        for (house, statefulset, members, octet) in HOUSES {
            namespaces.push(namespace_of(members[0].namespace, house));
            for (index, at) in (0u8..).zip(members) {
                let (node, subnet) = if index == 0 { (KIND_WORKER, 1) } else { (KIND_WORKER2, 2) };
                pods.push(Pod {
                    at,
                    labels: pod_labels(house, statefulset, index),
                    node,
                    ip: Ipv4Addr::new(10, 244, subnet, octet),
                    host_network: false,
                    containers: house_containers(statefulset),
                });
            }
        }
        namespaces.push(namespace_of(FORBIDDEN_FORREST, "forbidden-forrest"));
        for (index, at, node) in [(0u8, CENTAUR_0, KIND_WORKER2), (1, CENTAUR_1, KIND_WORKER)] {
            let ip = nodes.iter().find(|n| n.name == node).map(|n| n.ip).expect("the node is in the world");
            pods.push(Pod {
                at,
                labels: pod_labels("forbidden-forrest", "centaur", index),
                node,
                ip,
                host_network: true,
                containers: centaur_containers(),
            });
        }
        World { namespaces, nodes, pods }
    }

    pub fn pod(&self, at: PodRef) -> Option<&Pod> {
        self.pods.iter().find(|p| p.at == at)
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.name == name)
    }

    /// The manifests of the world, each with the file name to write it under.
    pub fn manifests(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for ns in &self.namespaces {
            out.push((
                format!("namespace-{}.json", ns.name),
                json!({
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": { "name": ns.name, "labels": ns.labels },
                    "status": { "phase": "Active" },
                }),
            ));
        }
        for node in &self.nodes {
            out.push((format!("node-{}.json", node.name), node_manifest(node)));
        }
        for p in &self.pods {
            let host_ip = self.nodes.iter().find(|n| n.name == p.node).map(|n| n.ip.to_string()).unwrap_or_default();
            out.push((format!("pod-{}-{}.json", p.at.namespace, p.at.name), pod_manifest(p, &host_ip)));
        }
        out
    }
}

fn namespace_of(name: &'static str, house: &str) -> Namespace {
    Namespace { name, labels: labels(&[(HOUSE_LABEL, house), (NAMESPACE_NAME_LABEL, name)]) }
}

fn pod_labels(house: &str, statefulset: &str, index: u8) -> BTreeMap<String, String> {
    let name = format!("{statefulset}-{index}");
    let index = index.to_string();
    let revision = format!("{statefulset}-5d8f7c9b6d");
    labels(&[
        (HOUSE_LABEL, house),
        (POD_NAME_LABEL, &name),
        ("apps.kubernetes.io/pod-index", &index),
        ("controller-revision-hash", &revision),
    ])
}

/// The containers of a house StatefulSet: an idle client and one agnhost server per port.
fn house_containers(statefulset: &str) -> Vec<(String, Vec<ContainerPort>)> {
    let port = |port, proto, name| ContainerPort { port, proto, name };
    vec![
        (format!("{statefulset}-client"), vec![]),
        (format!("{statefulset}-80"), vec![port(80, Proto::Tcp, Some("web"))]),
        (format!("{statefulset}-8080"), vec![port(8080, Proto::Tcp, None)]),
        (format!("{statefulset}-5353"), vec![port(5353, Proto::Udp, None)]),
        (format!("{statefulset}-53"), vec![port(53, Proto::Udp, Some("dns"))]),
        (format!("{statefulset}-9003"), vec![port(9003, Proto::Sctp, None)]),
        (format!("{statefulset}-9005"), vec![port(9005, Proto::Sctp, None)]),
    ]
}

/// The containers of centaur: an idle client and one server per host-network port.
fn centaur_containers() -> Vec<(String, Vec<ContainerPort>)> {
    let mut containers = vec![("centaur-client".to_owned(), vec![])];
    for (port, proto) in HOST_NETWORK_PORTS {
        let name = match port {
            36363 => Some("web-36363"),
            36364 => Some("web-36364"),
            _ => None,
        };
        containers.push((format!("centaur-{port}"), vec![ContainerPort { port, proto, name }]));
    }
    containers
}

fn node_manifest(node: &Node) -> Value {
    let mut node_labels = labels(&[
        ("kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", "amd64"),
        ("kubernetes.io/hostname", node.name),
    ]);
    if node.control_plane {
        node_labels.insert("node-role.kubernetes.io/control-plane".to_owned(), String::new());
    }
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": { "name": node.name, "labels": node_labels },
        "spec": { "podCIDR": node.pod_cidr, "podCIDRs": [node.pod_cidr] },
        "status": {
            "addresses": [
                { "type": "InternalIP", "address": node.ip.to_string() },
                { "type": "Hostname", "address": node.name },
            ],
        },
    })
}

fn pod_manifest(p: &Pod, host_ip: &str) -> Value {
    let containers: Vec<Value> = p
        .containers
        .iter()
        .map(|(name, ports)| {
            let ports: Vec<Value> = ports
                .iter()
                .map(|cp| {
                    let mut port = json!({ "containerPort": cp.port, "protocol": cp.proto.api() });
                    if p.host_network {
                        // The API server defaults hostPort to containerPort on the host network.
                        port["hostPort"] = json!(cp.port);
                    }
                    if let Some(name) = cp.name {
                        port["name"] = json!(name);
                    }
                    port
                })
                .collect();
            json!({ "name": name, "image": "registry.k8s.io/e2e-test-images/agnhost:2.43", "ports": ports })
        })
        .collect();
    let mut spec = json!({ "nodeName": p.node, "containers": containers });
    if p.host_network {
        spec["hostNetwork"] = json!(true);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": { "name": p.at.name, "namespace": p.at.namespace, "labels": p.labels },
        "spec": spec,
        "status": {
            "phase": "Running",
            "hostIP": host_ip,
            "podIP": p.ip.to_string(),
            "podIPs": [{ "ip": p.ip.to_string() }],
        },
    })
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}
