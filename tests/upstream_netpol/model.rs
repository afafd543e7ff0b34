//! The cluster the upstream e2e tests build (kubernetes/kubernetes `test/e2e/network/netpol/model.go`
//! and `kubemanager.go`): namespaces x, y and z, each holding pods a, b and c; every pod labelled
//! `pod: <name>` and running one container per (port, protocol) of the case, each container port
//! named `serve-<port>-<protocol>`; one Service `s-<ns>-<pod>` per pod. This module owns that state
//! and its manifests (as the API server would return them: pod IPs, `Running` phase, the automatic
//! `kubernetes.io/metadata.name` namespace label). It must not hold expectations or run the binary.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use serde_json::{Value, json};

/// The namespace-name label the API server puts on every namespace; upstream's `namespaceLabelKey`.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The namespaces of the model, in upstream's order.
pub const NAMESPACES: [&str; 3] = ["x", "y", "z"];

/// The pods of every namespace, in upstream's order.
pub const POD_NAMES: [&str; 3] = ["a", "b", "c"];

/// The agnhost image upstream's containers run (`imageutils.GetE2EImage(imageutils.Agnhost)`).
const AGNHOST_IMAGE: &str = "registry.k8s.io/e2e-test-images/agnhost:2.53";

/// A transport protocol as the Kubernetes API spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// The API spelling, `TCP`, `UDP` or `SCTP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    /// The lower-case spelling upstream uses in container and port names.
    pub fn lower(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }

    /// Parses the API spelling exactly: the matrix contract prints `"protocol":"TCP"`.
    pub fn from_api(text: &str) -> Option<Protocol> {
        Protocol::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pod named as upstream's `PodString` and the matrix JSON name it: `ns/pod`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PodString(String);

impl PodString {
    pub fn new(namespace: &str, pod: &str) -> PodString {
        PodString(format!("{namespace}/{pod}"))
    }

    /// Reads `ns/pod`; anything else (no slash, an empty part, a second slash) is `None`.
    pub fn parse(text: &str) -> Option<PodString> {
        let (namespace, pod) = text.split_once('/')?;
        let valid = |part: &str| !part.is_empty() && !part.contains('/');
        (valid(namespace) && valid(pod)).then(|| PodString::new(namespace, pod))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn namespace(&self) -> &str {
        self.split().0
    }

    pub fn pod_name(&self) -> &str {
        self.split().1
    }

    fn split(&self) -> (&str, &str) {
        self.0.split_once('/').expect("a PodString is always built as ns/pod")
    }
}

impl fmt::Display for PodString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Shorthand for upstream's `NewPodString(ns, pod)`.
pub fn pod(namespace: &str, name: &str) -> PodString {
    PodString::new(namespace, name)
}

#[derive(Clone, Debug)]
struct Namespace {
    name: &'static str,
    labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
struct Pod {
    namespace: &'static str,
    name: &'static str,
    labels: BTreeMap<String, String>,
    ip: Ipv4Addr,
    service_ip: Ipv4Addr,
}

/// The 3 x 3 model of one case: which ports and protocols every pod serves, and the labels of
/// namespaces and pods (which the "updated namespace/pod" cases change between phases).
#[derive(Clone, Debug)]
pub struct Model {
    ports: Vec<u16>,
    protocols: Vec<Protocol>,
    namespaces: Vec<Namespace>,
    pods: Vec<Pod>,
}

impl Model {
    /// Upstream's `NewModel(namespaces, []string{"a", "b", "c"}, ports, protocols)`.
    pub fn new(ports: &[u16], protocols: &[Protocol]) -> Model {
        assert!(!ports.is_empty() && !protocols.is_empty(), "a model serves at least one port and protocol");
        let namespaces = NAMESPACES
            .iter()
            .map(|&name| Namespace {
                name,
                // Upstream's Namespace.LabelSelector() plus the label the API server adds.
                labels: labels(&[("ns", name), (NAMESPACE_NAME_LABEL, name)]),
            })
            .collect();
        let mut pods = Vec::new();
        for (ns_index, &namespace) in NAMESPACES.iter().enumerate() {
            for (pod_index, &name) in POD_NAMES.iter().enumerate() {
                // Distinct, realistic addresses: 10.0.<ns>.<pod> in the pod CIDR, 10.96.<ns>.<pod>
                // in the service CIDR. The CIDR cases build ipBlocks from these.
                let (n, p) = (ns_index as u8 + 1, pod_index as u8 + 1);
                pods.push(Pod {
                    namespace,
                    name,
                    labels: labels(&[("pod", name)]),
                    ip: Ipv4Addr::new(10, 0, n, p),
                    service_ip: Ipv4Addr::new(10, 96, n, p),
                });
            }
        }
        Model { ports: ports.to_vec(), protocols: protocols.to_vec(), namespaces, pods }
    }

    /// Every pod, x/a first and z/c last: upstream's `AllPodStrings()`.
    pub fn all_pods(&self) -> Vec<PodString> {
        self.pods.iter().map(|p| PodString::new(p.namespace, p.name)).collect()
    }

    /// Whether the pods run a container for `port`/`protocol` (upstream only probes those).
    pub fn serves(&self, port: u16, protocol: Protocol) -> bool {
        self.ports.contains(&port) && self.protocols.contains(&protocol)
    }

    /// The pod's `status.podIP`.
    pub fn pod_ip(&self, target: &PodString) -> Ipv4Addr {
        self.find_pod(target).ip
    }

    /// `<podIP>/32`, as upstream builds `podServerCIDR` with its `hostMask`.
    pub fn pod_host_cidr(&self, target: &PodString) -> String {
        format!("{}/32", self.pod_ip(target))
    }

    /// Upstream's `AddPodLabels`: merges `new_labels` into the pod's labels.
    pub fn add_pod_labels(&mut self, target: &PodString, new_labels: &[(&str, &str)]) {
        let found = self.find_pod_mut(target);
        for (key, value) in new_labels {
            found.labels.insert((*key).to_owned(), (*value).to_owned());
        }
    }

    /// Upstream's `AddNamespaceLabel`: sets one label on the namespace, keeping the others.
    pub fn add_namespace_label(&mut self, namespace: &str, key: &str, value: &str) {
        let found = self
            .namespaces
            .iter_mut()
            .find(|n| n.name == namespace)
            .unwrap_or_else(|| panic!("namespace {namespace:?} is not in the model (x, y, z)"));
        found.labels.insert(key.to_owned(), value.to_owned());
    }

    /// The manifests of the model, each with the file name to write it under.
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
        for p in &self.pods {
            out.push((format!("pod-{}-{}.json", p.namespace, p.name), self.pod_manifest(p)));
            out.push((format!("service-{}-{}.json", p.namespace, p.name), self.service_manifest(p)));
        }
        out
    }

    /// Upstream's `Pod.KubePod()` with the status the kubelet would report.
    fn pod_manifest(&self, p: &Pod) -> Value {
        let mut containers = Vec::new();
        for &port in &self.ports {
            for &protocol in &self.protocols {
                containers.push(container(port, protocol));
            }
        }
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": { "name": p.name, "namespace": p.namespace, "labels": p.labels },
            "spec": { "terminationGracePeriodSeconds": 0, "containers": containers },
            "status": {
                "phase": "Running",
                "podIP": p.ip.to_string(),
                "podIPs": [{ "ip": p.ip.to_string() }],
            },
        })
    }

    /// Upstream's `Pod.Service()`: one port per container, selecting the pod by its `pod` label.
    fn service_manifest(&self, p: &Pod) -> Value {
        let mut ports = Vec::new();
        for &port in &self.ports {
            for &protocol in &self.protocols {
                ports.push(json!({
                    "name": format!("service-port-{}-{port}", protocol.lower()),
                    "protocol": protocol.as_str(),
                    "port": port,
                    "targetPort": port,
                }));
            }
        }
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": { "name": format!("s-{}-{}", p.namespace, p.name), "namespace": p.namespace },
            "spec": {
                "type": "ClusterIP",
                "clusterIP": p.service_ip.to_string(),
                "selector": { "pod": p.name },
                "ports": ports,
            },
        })
    }

    fn find_pod(&self, target: &PodString) -> &Pod {
        self.pods
            .iter()
            .find(|p| p.namespace == target.namespace() && p.name == target.pod_name())
            .unwrap_or_else(|| panic!("pod {target} is not in the model"))
    }

    fn find_pod_mut(&mut self, target: &PodString) -> &mut Pod {
        self.pods
            .iter_mut()
            .find(|p| p.namespace == target.namespace() && p.name == target.pod_name())
            .unwrap_or_else(|| panic!("pod {target} is not in the model"))
    }
}

/// Upstream's `Container.Spec()`: agnhost serving one port on one protocol.
fn container(port: u16, protocol: Protocol) -> Value {
    let port_text = port.to_string();
    let (command, env) = match protocol {
        Protocol::Tcp => {
            (json!(["/agnhost", "serve-hostname", "--tcp", "--http=false", "--port", port_text]), json!([]))
        }
        Protocol::Udp => {
            (json!(["/agnhost", "serve-hostname", "--udp", "--http=false", "--port", port_text]), json!([]))
        }
        Protocol::Sctp => {
            (json!(["/agnhost", "porter"]), json!([{ "name": format!("SERVE_SCTP_PORT_{port}"), "value": "foo" }]))
        }
    };
    json!({
        "name": format!("cont-{port}-{}", protocol.lower()),
        "image": AGNHOST_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "env": env,
        "ports": [{
            "containerPort": port,
            "name": format!("serve-{port}-{}", protocol.lower()),
            "protocol": protocol.as_str(),
        }],
    })
}

/// Upstream's `makeLargeCIDRForIP`: the /4 that contains `ip`.
pub fn large_cidr_for_ip(ip: Ipv4Addr) -> String {
    let base = Ipv4Addr::from(u32::from(ip) & 0xF000_0000);
    format!("{base}/4")
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn model_has_nine_pods_in_upstream_order() {
        let names: Vec<String> = Model::new(&[80], &[Protocol::Tcp]).all_pods().iter().map(|p| p.to_string()).collect();
        assert_eq!(names, ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"]);
    }

    #[test]
    fn pod_string_parses_only_ns_slash_pod() {
        assert_eq!(PodString::parse("x/a"), Some(pod("x", "a")));
        assert_eq!(
            PodString::parse("x/a").map(|p| (p.namespace().to_owned(), p.pod_name().to_owned())),
            Some(("x".to_owned(), "a".to_owned()))
        );
        for bad in ["a", "/a", "x/", "x/a/b", ""] {
            assert_eq!(PodString::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pod_ips_are_distinct_and_in_the_pod_cidr() {
        let model = Model::new(&[80], &[Protocol::Tcp]);
        let ips: BTreeSet<Ipv4Addr> = model.all_pods().iter().map(|p| model.pod_ip(p)).collect();
        assert_eq!(ips.len(), 9);
        assert_eq!(model.pod_ip(&pod("y", "b")), Ipv4Addr::new(10, 0, 2, 2));
        assert_eq!(model.pod_host_cidr(&pod("x", "b")), "10.0.1.2/32");
    }

    #[test]
    fn pods_declare_one_named_container_port_per_port_and_protocol() {
        let model = Model::new(&[80, 81], &[Protocol::Tcp, Protocol::Udp]);
        let manifests = model.manifests();
        let (_, pod_x_a) = manifests.iter().find(|(name, _)| name == "pod-x-a.json").expect("pod x/a is written");
        let ports: Vec<(u64, &str, &str)> = pod_x_a["spec"]["containers"]
            .as_array()
            .expect("containers is a list")
            .iter()
            .map(|c| {
                let port = &c["ports"][0];
                (
                    port["containerPort"].as_u64().expect("containerPort"),
                    port["name"].as_str().expect("name"),
                    port["protocol"].as_str().expect("protocol"),
                )
            })
            .collect();
        assert_eq!(
            ports,
            [
                (80, "serve-80-tcp", "TCP"),
                (80, "serve-80-udp", "UDP"),
                (81, "serve-81-tcp", "TCP"),
                (81, "serve-81-udp", "UDP")
            ]
        );
        assert_eq!(pod_x_a["status"]["podIP"], "10.0.1.1");
        assert_eq!(pod_x_a["status"]["phase"], "Running");
        assert_eq!(pod_x_a["metadata"]["labels"], json!({ "pod": "a" }));
    }

    #[test]
    fn namespaces_carry_the_ns_label_and_the_metadata_name_label() {
        let manifests = Model::new(&[80], &[Protocol::Tcp]).manifests();
        let (_, ns_y) = manifests.iter().find(|(name, _)| name == "namespace-y.json").expect("namespace y is written");
        assert_eq!(ns_y["metadata"]["labels"], json!({ "ns": "y", "kubernetes.io/metadata.name": "y" }));
    }

    #[test]
    fn label_updates_merge_like_upstream() {
        let mut model = Model::new(&[80], &[Protocol::Tcp]);
        model.add_pod_labels(&pod("x", "b"), &[("pod", "b"), ("pod2", "updated")]);
        model.add_namespace_label("y", "ns2", "updated");
        let manifests = model.manifests();
        let get = |file: &str| manifests.iter().find(|(name, _)| name == file).expect("written").1.clone();
        assert_eq!(get("pod-x-b.json")["metadata"]["labels"], json!({ "pod": "b", "pod2": "updated" }));
        assert_eq!(
            get("namespace-y.json")["metadata"]["labels"],
            json!({ "ns": "y", "ns2": "updated", "kubernetes.io/metadata.name": "y" })
        );
    }

    #[test]
    fn large_cidr_is_the_slash_four_containing_the_ip() {
        assert_eq!(large_cidr_for_ip(Ipv4Addr::new(10, 0, 1, 2)), "0.0.0.0/4");
        assert_eq!(large_cidr_for_ip(Ipv4Addr::new(192, 168, 3, 4)), "192.0.0.0/4");
        assert_eq!(large_cidr_for_ip(Ipv4Addr::new(172, 20, 0, 9)), "160.0.0.0/4");
    }

    #[test]
    fn serves_only_the_ports_and_protocols_of_the_case() {
        let model = Model::new(&[81], &[Protocol::Udp]);
        assert!(model.serves(81, Protocol::Udp));
        assert!(!model.serves(80, Protocol::Udp));
        assert!(!model.serves(81, Protocol::Tcp));
    }
}
