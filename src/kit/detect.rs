//! What the starter kit must let through, found in cluster state: the cluster DNS (its pods and
//! their real ports), NodeLocal DNSCache, the ingress controllers, the API server's endpoints, and
//! service meshes whose proxies a default deny would cut off.
//!
//! Pure: a `Snapshot` (from manifests or the live cluster) in, a `Detection` with its evidence and
//! notes out. It never reads the cluster and never prints; `kit::read` gathers the objects this
//! module looks at, `kit::build` turns the detection into NetworkPolicies.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::Serialize;

use crate::engine::model::{ContainerPort, Labels, Pod, PortRef, Protocol, Service, Snapshot, Workload};
use crate::engine::ports::resolve_named_port;
use crate::engine::service::DNS_SERVICES;

pub use crate::engine::service::{NODE_LOCAL_DNS_DEFAULT, NODE_LOCAL_DNS_NAME};

/// What detection found, with the evidence for each finding and notes for what it had to assume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detection {
    pub dns: Dns,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_local_dns: Option<NodeLocalDns>,
    pub ingress_controllers: Vec<IngressController>,
    /// IngressClasses whose controller has no pods in the state read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmatched_ingress_classes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_server: Option<ApiServer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meshes: Vec<Mesh>,
    /// What detection had to assume, or could not find, in words for the user.
    pub notes: Vec<String>,
}

/// Where the cluster DNS answers: pods selected by `selector` in `namespace`, on `ports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dns {
    /// `Service kube-system/kube-dns`, or `the well-known kube-system/k8s-app=kube-dns` when
    /// nothing was found.
    pub source: String,
    pub namespace: String,
    pub selector: Labels,
    /// The DNS pods' real ports (after the Service's translation), UDP and TCP.
    pub ports: Vec<DnsPort>,
    /// How many DNS pods the ports were resolved on.
    pub pods: usize,
    /// In manifests without DNS pods: how many workload templates the ports were resolved on.
    #[serde(skip_serializing_if = "is_zero")]
    pub workloads: usize,
    pub fallback: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One port the DNS pods listen on. `port` is a name only when it could not be resolved on a DNS
/// pod; the network plugin then resolves it on the destination, as NetworkPolicy allows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DnsPort {
    pub protocol: Protocol,
    pub port: PortValue,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum PortValue {
    Number(u16),
    Name(String),
}

impl std::fmt::Display for PortValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortValue::Number(n) => write!(f, "{n}"),
            PortValue::Name(name) => f.write_str(name),
        }
    }
}

/// NodeLocal DNSCache: pods send DNS to a node-local address instead of the DNS Service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeLocalDns {
    /// `DaemonSet kube-system/node-local-dns`.
    pub daemonset: String,
    /// The addresses it binds: the link-local address and, in iptables mode, the DNS Service IP.
    pub addresses: Vec<IpAddr>,
    /// Where the addresses come from: `-localip`, the Corefile, or the default.
    pub from: String,
}

/// The well-known ingress controllers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControllerKind {
    IngressNginx,
    NginxInc,
    Traefik,
    Haproxy,
    HaproxyIngress,
    Contour,
    Kong,
    IstioGateway,
}

impl ControllerKind {
    pub fn display_name(self) -> &'static str {
        match self {
            ControllerKind::IngressNginx => "ingress-nginx",
            ControllerKind::NginxInc => "NGINX Ingress Controller (F5 NGINX)",
            ControllerKind::Traefik => "Traefik",
            ControllerKind::Haproxy => "HAProxy Kubernetes Ingress",
            ControllerKind::HaproxyIngress => "HAProxy Ingress",
            ControllerKind::Contour => "Contour (Envoy)",
            ControllerKind::Kong => "Kong",
            ControllerKind::IstioGateway => "Istio ingress gateway",
        }
    }

    /// The controller an IngressClass names (`spec.controller`), by its well-known value.
    pub fn of_ingress_class(controller: &str) -> Option<ControllerKind> {
        let kind = match controller {
            "k8s.io/ingress-nginx" => ControllerKind::IngressNginx,
            "nginx.org/ingress-controller" => ControllerKind::NginxInc,
            "traefik.io/ingress-controller" => ControllerKind::Traefik,
            "haproxy-ingress.github.io/controller" => ControllerKind::HaproxyIngress,
            "istio.io/ingress-controller" => ControllerKind::IstioGateway,
            c if c.starts_with("haproxy.org/ingress-controller") => ControllerKind::Haproxy,
            c if c.starts_with("projectcontour.io/") => ControllerKind::Contour,
            c if c.starts_with("ingress-controllers.konghq.com/") => ControllerKind::Kong,
            _ => return None,
        };
        Some(kind)
    }
}

/// How the pods that forward ingress traffic to backends are recognised: by labels their
/// official manifests and charts set. For Contour the forwarding pods are Envoy's, not Contour's.
pub struct Signature {
    pub kind: ControllerKind,
    pub labels: &'static [(&'static str, &'static str)],
    /// Labels another pod of the same namespace must carry for the match to count: `app: envoy`
    /// alone is any Envoy, next to `app: contour` it is Contour's.
    pub companion: Option<(&'static str, &'static str)>,
}

/// Tried in order; the first that matches a pod names its controller.
pub const SIGNATURES: &[Signature] = &[
    sig(
        ControllerKind::IngressNginx,
        &[("app.kubernetes.io/name", "ingress-nginx"), ("app.kubernetes.io/component", "controller")],
    ),
    sig(ControllerKind::NginxInc, &[("app.kubernetes.io/name", "nginx-ingress")]),
    sig(ControllerKind::NginxInc, &[("app", "nginx-ingress")]),
    sig(ControllerKind::Traefik, &[("app.kubernetes.io/name", "traefik")]),
    sig(ControllerKind::Traefik, &[("app", "traefik")]),
    sig(ControllerKind::Haproxy, &[("app.kubernetes.io/name", "kubernetes-ingress")]),
    sig(ControllerKind::Haproxy, &[("run", "haproxy-ingress")]),
    sig(ControllerKind::HaproxyIngress, &[("app.kubernetes.io/name", "haproxy-ingress")]),
    sig(ControllerKind::Contour, &[("app.kubernetes.io/name", "contour"), ("app.kubernetes.io/component", "envoy")]),
    Signature { kind: ControllerKind::Contour, labels: &[("app", "envoy")], companion: Some(("app", "contour")) },
    sig(ControllerKind::Kong, &[("app.kubernetes.io/name", "kong")]),
    sig(ControllerKind::Kong, &[("app", "ingress-kong")]),
    sig(ControllerKind::Kong, &[("app", "proxy-kong")]),
    sig(ControllerKind::IstioGateway, &[("istio", "ingressgateway")]),
    sig(ControllerKind::IstioGateway, &[("app", "istio-ingressgateway")]),
];

const fn sig(kind: ControllerKind, labels: &'static [(&'static str, &'static str)]) -> Signature {
    Signature { kind, labels, companion: None }
}

/// An ingress controller whose traffic to backend pods the kit must admit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngressController {
    pub kind: ControllerKind,
    pub namespace: String,
    /// The labels that identify the forwarding pods, when one label set identifies all of them;
    /// `None` admits the whole namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_labels: Option<Labels>,
    /// IngressClasses naming this controller.
    pub ingress_classes: Vec<String>,
    /// What it was recognised by: `3 pods`, `Deployment ingress-nginx/ingress-nginx-controller`.
    pub evidence: Vec<String>,
    /// Its pods use the node's network: their traffic comes from node addresses, which no
    /// namespace or pod selector matches.
    pub host_network: bool,
}

/// The Kubernetes API server's real addresses, from the `default/kubernetes` EndpointSlices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiServer {
    pub endpoints: Vec<ApiEndpoint>,
    /// The Service's cluster IPs, which pods dial and the Service translates.
    pub service_ips: Vec<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiEndpoint {
    pub ip: IpAddr,
    pub ports: Vec<u16>,
}

/// A service mesh control plane: its proxies need egress to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mesh {
    pub name: &'static str,
    pub namespace: String,
    /// What its proxies must reach: `istiod on TCP 15012`.
    pub ports: String,
}

/// What `detect` needs besides the snapshot.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extra<'a> {
    /// The `Corefile` of the ConfigMap `kube-system/node-local-dns`, when it was read.
    pub node_local_corefile: Option<&'a str>,
}

/// Finds everything the kit depends on in `snapshot`.
pub fn detect(snapshot: &Snapshot, extra: Extra<'_>) -> Detection {
    let mut notes = Vec::new();
    let dns = detect_dns(snapshot, &mut notes);
    let node_local_dns = detect_node_local_dns(snapshot, extra.node_local_corefile, &mut notes);
    let (ingress_controllers, unmatched_ingress_classes) = detect_ingress(snapshot, &mut notes);
    let api_server = detect_api_server(snapshot);
    let meshes = detect_meshes(snapshot);
    for mesh in &meshes {
        notes.push(format!(
            "{} control plane found in {}: its proxies need egress to {}, which default-deny-all blocks; allow it \
             with an egress policy of your own before relying on the mesh",
            mesh.name, mesh.namespace, mesh.ports
        ));
    }
    Detection { dns, node_local_dns, ingress_controllers, unmatched_ingress_classes, api_server, meshes, notes }
}

// --- DNS -------------------------------------------------------------------------------------

/// The ports of the pods a selector selects in a namespace, and whether they are pods: in
/// manifests without pods, those of the workload templates whose pods it would select.
fn selected<'a>(snapshot: &'a Snapshot, namespace: &str, selector: &Labels) -> (Vec<&'a [ContainerPort]>, bool) {
    let matches = |labels: &Labels| selector.iter().all(|(k, v)| labels.get(k) == Some(v));
    let pods: Vec<&[ContainerPort]> =
        snapshot.pods.iter().filter(|p| p.namespace == namespace && matches(&p.labels)).map(|p| &*p.ports).collect();
    if !pods.is_empty() {
        return (pods, true);
    }
    let templates = snapshot
        .workloads
        .iter()
        .filter(|w| w.namespace == namespace && matches(&w.template_labels))
        .map(|w| &*w.template_ports)
        .collect();
    (templates, false)
}

fn detect_dns(snapshot: &Snapshot, notes: &mut Vec<String>) -> Dns {
    let found = DNS_SERVICES.iter().find_map(|(ns, name)| {
        snapshot.services.iter().find(|s| s.namespace == *ns && s.name == *name && s.selector.is_some())
    });
    let Some(svc) = found else {
        let looked: Vec<String> = DNS_SERVICES.iter().map(|(ns, name)| format!("{ns}/{name}")).collect();
        notes.push(format!(
            "no cluster DNS Service found (looked for {}); assuming the well-known pods k8s-app=kube-dns in \
             kube-system on port 53",
            looked.join(", ")
        ));
        let mut selector = Labels::new();
        selector.insert("k8s-app".into(), "kube-dns".into());
        return Dns {
            source: "the well-known kube-system/k8s-app=kube-dns".into(),
            namespace: "kube-system".into(),
            selector,
            ports: vec![
                DnsPort { protocol: Protocol::Udp, port: PortValue::Number(53) },
                DnsPort { protocol: Protocol::Tcp, port: PortValue::Number(53) },
            ],
            pods: 0,
            workloads: 0,
            fallback: true,
        };
    };
    let selector = svc.selector.clone().unwrap_or_default();
    let (backends, are_pods) = selected(snapshot, &svc.namespace, &selector);
    let mut ports = dns_ports(svc, &backends, notes);
    if ports.is_empty() {
        // An empty port list would allow every port: fall back to the well-known one instead.
        notes.push(format!("Service {}/{} has no UDP or TCP port; assuming DNS on port 53", svc.namespace, svc.name));
        ports = vec![
            DnsPort { protocol: Protocol::Udp, port: PortValue::Number(53) },
            DnsPort { protocol: Protocol::Tcp, port: PortValue::Number(53) },
        ];
    }
    let (pods, workloads) = if are_pods { (backends.len(), 0) } else { (0, backends.len()) };
    Dns {
        source: format!("Service {}/{}", svc.namespace, svc.name),
        namespace: svc.namespace.clone(),
        selector,
        ports,
        pods,
        workloads,
        fallback: false,
    }
}

/// The DNS pods' ports behind the Service's port 53, UDP and TCP: numbered target ports as they
/// are, named ones resolved on each DNS pod.
fn dns_ports(svc: &Service, backends: &[&[ContainerPort]], notes: &mut Vec<String>) -> Vec<DnsPort> {
    let udp_tcp: Vec<_> = svc.ports.iter().filter(|sp| matches!(sp.protocol, Protocol::Udp | Protocol::Tcp)).collect();
    let at_53: Vec<_> = udp_tcp.iter().copied().filter(|sp| sp.port == 53).collect();
    let service_ports = if at_53.is_empty() && !udp_tcp.is_empty() {
        notes.push(format!(
            "Service {}/{} has no port 53; allowing all of its UDP and TCP ports",
            svc.namespace, svc.name
        ));
        udp_tcp
    } else {
        at_53
    };
    let mut ports = BTreeSet::new();
    for sp in service_ports {
        match &sp.target_port {
            PortRef::Number(n) => {
                ports.insert(DnsPort { protocol: sp.protocol, port: PortValue::Number(*n) });
            }
            PortRef::Name(name) => {
                let resolved: BTreeSet<u16> = backends
                    .iter()
                    .filter_map(|pod_ports| resolve_named_port(pod_ports, name, Some(sp.protocol)).map(|cp| cp.port))
                    .collect();
                if resolved.is_empty() {
                    notes.push(format!(
                        "the target port {name:?} of Service {}/{} could not be resolved on a DNS pod (none seen); \
                         allow-dns names the port, which the network plugin resolves on the DNS pods",
                        svc.namespace, svc.name
                    ));
                    ports.insert(DnsPort { protocol: sp.protocol, port: PortValue::Name(name.clone()) });
                }
                for n in resolved {
                    ports.insert(DnsPort { protocol: sp.protocol, port: PortValue::Number(n) });
                }
            }
        }
    }
    // DNS falls back to TCP for large answers: where the Service serves only one protocol, the
    // pods' other protocol on the same numbers is allowed too.
    for (have, missing) in [(Protocol::Udp, Protocol::Tcp), (Protocol::Tcp, Protocol::Udp)] {
        if ports.iter().any(|p| p.protocol == missing) {
            continue;
        }
        let numbers: Vec<u16> = ports
            .iter()
            .filter_map(|p| match p.port {
                PortValue::Number(n) if p.protocol == have => Some(n),
                _ => None,
            })
            .collect();
        if !numbers.is_empty() {
            notes.push(format!(
                "Service {}/{} serves DNS over {have} only; allowing {missing} on the same port too",
                svc.namespace, svc.name
            ));
        }
        for n in numbers {
            ports.insert(DnsPort { protocol: missing, port: PortValue::Number(n) });
        }
    }
    // UDP first, as DNS is used.
    let mut ports: Vec<DnsPort> = ports.into_iter().collect();
    ports.sort_by(|a, b| (a.protocol != Protocol::Udp, &a.port).cmp(&(b.protocol != Protocol::Udp, &b.port)));
    ports
}

// --- NodeLocal DNSCache ----------------------------------------------------------------------

fn detect_node_local_dns(snapshot: &Snapshot, corefile: Option<&str>, notes: &mut Vec<String>) -> Option<NodeLocalDns> {
    let ds = crate::engine::service::node_local_dns_daemonset(snapshot)?;
    let daemonset = format!("DaemonSet {}/{}", ds.namespace, ds.name);
    let (from_args, unparsed) = crate::engine::service::local_ips_from_args(&ds.args);
    if !from_args.is_empty() {
        return Some(NodeLocalDns { daemonset, addresses: from_args, from: "its -localip argument".into() });
    }
    if let Some(corefile) = corefile {
        let bound = bind_addresses(corefile);
        if !bound.is_empty() {
            return Some(NodeLocalDns {
                daemonset,
                addresses: bound,
                from: format!("the Corefile of ConfigMap {}/{}", ds.namespace, ds.name),
            });
        }
    }
    let default: IpAddr = NODE_LOCAL_DNS_DEFAULT.parse().expect("a valid address");
    notes.push(match unparsed {
        Some(value) => format!(
            "{daemonset}: -localip {value:?} is not a list of addresses; assuming NodeLocal DNSCache's default \
             {NODE_LOCAL_DNS_DEFAULT}"
        ),
        None => format!(
            "{daemonset}: no -localip argument or Corefile bind address found; assuming NodeLocal DNSCache's \
             default {NODE_LOCAL_DNS_DEFAULT}"
        ),
    });
    Some(NodeLocalDns { daemonset, addresses: vec![default], from: "the default".into() })
}

/// The addresses of every `bind` directive of a Corefile.
fn bind_addresses(corefile: &str) -> Vec<IpAddr> {
    let ips = corefile.lines().filter_map(|line| {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        (words.next() == Some("bind")).then(|| words.filter_map(|w| w.parse::<IpAddr>().ok()).collect::<Vec<_>>())
    });
    dedup(ips.flatten().collect())
}

fn dedup(ips: Vec<IpAddr>) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for ip in ips {
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}

// --- ingress controllers ---------------------------------------------------------------------

/// A pod or workload template that looks like a controller's forwarding pod.
struct Sighting<'a> {
    kind: ControllerKind,
    namespace: &'a str,
    signature: usize,
    evidence: Evidence<'a>,
    host_network: bool,
}

enum Evidence<'a> {
    Pod,
    Workload(&'a Workload),
}

fn signature_of(snapshot: &Snapshot, namespace: &str, labels: &Labels) -> Option<usize> {
    SIGNATURES.iter().position(|s| {
        s.labels.iter().all(|(k, v)| labels.get(k).map(String::as_str) == Some(*v))
            && s.companion.is_none_or(|(k, v)| namespace_has_label(snapshot, namespace, k, v))
    })
}

fn namespace_has_label(snapshot: &Snapshot, namespace: &str, key: &str, value: &str) -> bool {
    let has = |labels: &Labels| labels.get(key).map(String::as_str) == Some(value);
    snapshot.pods.iter().any(|p| p.namespace == namespace && has(&p.labels))
        || snapshot.workloads.iter().any(|w| w.namespace == namespace && has(&w.template_labels))
}

fn detect_ingress(snapshot: &Snapshot, notes: &mut Vec<String>) -> (Vec<IngressController>, Vec<String>) {
    let mut sightings: Vec<Sighting<'_>> = Vec::new();
    for pod in &snapshot.pods {
        if let Some(i) = signature_of(snapshot, &pod.namespace, &pod.labels) {
            sightings.push(Sighting {
                kind: SIGNATURES[i].kind,
                namespace: &pod.namespace,
                signature: i,
                evidence: Evidence::Pod,
                host_network: pod.host_network,
            });
        }
    }
    for w in &snapshot.workloads {
        // A ReplicaSet or Job is an implementation detail of a Deployment or CronJob read too.
        if matches!(w.kind, crate::engine::WorkloadKind::ReplicaSet | crate::engine::WorkloadKind::Job) {
            continue;
        }
        if let Some(i) = signature_of(snapshot, &w.namespace, &w.template_labels) {
            sightings.push(Sighting {
                kind: SIGNATURES[i].kind,
                namespace: &w.namespace,
                signature: i,
                evidence: Evidence::Workload(w),
                host_network: w.host_network,
            });
        }
    }

    let mut controllers: Vec<IngressController> = Vec::new();
    let mut keys: Vec<(ControllerKind, &str)> = sightings.iter().map(|s| (s.kind, s.namespace)).collect();
    keys.sort();
    keys.dedup();
    for (kind, namespace) in keys {
        let group: Vec<&Sighting<'_>> =
            sightings.iter().filter(|s| s.kind == kind && s.namespace == namespace).collect();
        let signatures: BTreeSet<usize> = group.iter().map(|s| s.signature).collect();
        // One label set identifies every forwarding pod: admit those pods only. Pods recognised by
        // different label sets (two installs, an old and a new chart) admit the namespace.
        let pod_labels = match signatures.iter().collect::<Vec<_>>()[..] {
            [only] => Some(SIGNATURES[*only].labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            _ => None,
        };
        let pods = group.iter().filter(|s| matches!(s.evidence, Evidence::Pod)).count();
        let mut evidence = Vec::new();
        if pods > 0 {
            evidence.push(format!("{pods} pod{}", if pods == 1 { "" } else { "s" }));
        }
        for s in &group {
            if let Evidence::Workload(w) = s.evidence {
                evidence.push(format!("{} {}/{}", w.kind, w.namespace, w.name));
            }
        }
        let host_network = group.iter().any(|s| s.host_network);
        if host_network {
            notes.push(format!(
                "the {} pods in {namespace} use the host network: their traffic to backends comes from node \
                 addresses, which allow-ingress-controller's selectors do not match; allow the nodes' addresses \
                 with an ipBlock policy of your own",
                kind.display_name()
            ));
        }
        let ingress_classes = classes_of(snapshot, kind);
        controllers.push(IngressController {
            kind,
            namespace: namespace.to_string(),
            pod_labels,
            ingress_classes,
            evidence,
            host_network,
        });
    }

    let mut unmatched = Vec::new();
    for class in &snapshot.ingress_classes {
        let kind = ControllerKind::of_ingress_class(&class.controller);
        if kind.is_some_and(|k| controllers.iter().any(|c| c.kind == k)) {
            continue;
        }
        let what = match kind {
            Some(k) => format!("{} ({})", class.controller, k.display_name()),
            None => class.controller.clone(),
        };
        notes.push(format!(
            "IngressClass {} names the controller {what}, but none of its pods were recognised; name its \
             namespace with --ingress-namespace",
            class.name
        ));
        unmatched.push(class.name.clone());
    }
    (controllers, unmatched)
}

fn classes_of(snapshot: &Snapshot, kind: ControllerKind) -> Vec<String> {
    let mut names: Vec<String> = snapshot
        .ingress_classes
        .iter()
        .filter(|c| ControllerKind::of_ingress_class(&c.controller) == Some(kind))
        .map(|c| c.name.clone())
        .collect();
    names.sort();
    names
}

// --- API server and meshes -------------------------------------------------------------------

fn detect_api_server(snapshot: &Snapshot) -> Option<ApiServer> {
    let svc = snapshot.services.iter().find(|s| s.namespace == "default" && s.name == "kubernetes")?;
    let mut endpoints: Vec<ApiEndpoint> = Vec::new();
    for ep in &svc.endpoints {
        let ports = ep.ports.iter().filter(|p| p.protocol == Protocol::Tcp).map(|p| p.port);
        match endpoints.iter_mut().find(|e| e.ip == ep.ip) {
            Some(known) => known.ports.extend(ports),
            None => endpoints.push(ApiEndpoint { ip: ep.ip, ports: ports.collect() }),
        }
    }
    for e in &mut endpoints {
        e.ports.sort_unstable();
        e.ports.dedup();
    }
    endpoints.retain(|e| !e.ports.is_empty());
    endpoints.sort_by_key(|e| e.ip);
    (!endpoints.is_empty()).then(|| ApiServer { endpoints, service_ips: svc.cluster_ips.clone() })
}

/// Control planes whose proxies a default deny cuts off, by the labels of their pods: the mesh,
/// and the label key and value.
pub fn mesh_signatures() -> impl Iterator<Item = (crate::engine::Mesh, &'static str, &'static str)> {
    crate::engine::Mesh::ALL.into_iter().map(|m| {
        let (key, value) = m.control_plane()[0].label;
        (m, key, value)
    })
}

fn detect_meshes(snapshot: &Snapshot) -> Vec<Mesh> {
    let mut meshes: Vec<Mesh> = Vec::new();
    for (mesh, key, value) in mesh_signatures() {
        let name = mesh.name();
        let has = |labels: &Labels| labels.get(key).map(String::as_str) == Some(value);
        let namespaces = (snapshot.pods.iter().filter(|p| has(&p.labels)).map(|p: &Pod| p.namespace.as_str()))
            .chain(snapshot.workloads.iter().filter(|w| has(&w.template_labels)).map(|w| w.namespace.as_str()));
        for namespace in namespaces {
            if !meshes.iter().any(|m| m.name == name && m.namespace == namespace) {
                meshes.push(Mesh { name, namespace: namespace.to_string(), ports: mesh.control_plane_ports() });
            }
        }
    }
    meshes
}

impl Detection {
    /// The namespaces the cluster's own networking runs in, where a default deny would cut DNS or
    /// ingress for everyone, with the reason.
    pub fn infrastructure_namespaces(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        if !self.dns.fallback {
            out.push((
                self.dns.namespace.clone(),
                format!("it runs the cluster DNS ({}): a default deny there blocks DNS for every pod", self.dns.source),
            ));
        }
        for c in &self.ingress_controllers {
            if !out.iter().any(|(ns, _)| *ns == c.namespace) {
                out.push((
                    c.namespace.clone(),
                    format!(
                        "it runs the ingress controller ({}): a default deny there blocks traffic into the cluster",
                        c.kind.display_name()
                    ),
                ));
            }
        }
        for m in &self.meshes {
            if !out.iter().any(|(ns, _)| *ns == m.namespace) {
                out.push((
                    m.namespace.clone(),
                    format!("it runs the {} control plane: a default deny there cuts off every mesh proxy", m.name),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::file::load_str;

    fn detect_yaml(yaml: &str) -> Detection {
        detect(&load_str(yaml, "test.yaml", "default").expect("fixture parses"), Extra::default())
    }

    const KUBE_DNS: &str = "
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  selector: {k8s-app: kube-dns}
  clusterIP: 10.96.0.10
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
  - {name: metrics, port: 9153, protocol: TCP, targetPort: 9153}
";

    fn numbers(dns: &Dns) -> Vec<String> {
        dns.ports.iter().map(|p| format!("{}/{}", p.port, p.protocol)).collect()
    }

    #[test]
    fn dns_service_with_numbered_target_ports_gives_them_udp_first_and_no_metrics_port() {
        let d = detect_yaml(KUBE_DNS);
        assert_eq!(d.dns.source, "Service kube-system/kube-dns");
        assert_eq!(d.dns.selector.get("k8s-app").map(String::as_str), Some("kube-dns"));
        assert_eq!(numbers(&d.dns), ["53/UDP", "53/TCP"]);
        assert!(!d.dns.fallback);
        assert!(d.notes.is_empty(), "{:?}", d.notes);
    }

    #[test]
    fn named_target_port_on_a_non_53_port_is_resolved_on_the_dns_pods() {
        let d = detect_yaml(
            "
apiVersion: v1
kind: Service
metadata: {name: dns-default, namespace: openshift-dns}
spec:
  selector: {dns.operator.openshift.io/daemonset-dns: default}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}
---
apiVersion: v1
kind: Pod
metadata: {name: dns-default-x1, namespace: openshift-dns, labels: {dns.operator.openshift.io/daemonset-dns: default}}
spec:
  containers:
  - name: dns
    ports:
    - {name: dns, containerPort: 5353, protocol: UDP}
    - {name: dns-tcp, containerPort: 5353, protocol: TCP}
",
        );
        assert_eq!(d.dns.source, "Service openshift-dns/dns-default");
        assert_eq!(d.dns.namespace, "openshift-dns");
        assert_eq!(numbers(&d.dns), ["5353/UDP", "5353/TCP"]);
        assert_eq!(d.dns.pods, 1);
    }

    #[test]
    fn named_target_port_without_dns_pods_stays_a_name_with_a_note() {
        let d = detect_yaml(
            "
apiVersion: v1
kind: Service
metadata: {name: coredns, namespace: kube-system}
spec:
  selector: {k8s-app: coredns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}
",
        );
        assert_eq!(numbers(&d.dns), ["dns/UDP", "dns-tcp/TCP"]);
        assert!(
            d.notes.iter().any(|n| n.contains("\"dns\"") && n.contains("resolves on the DNS pods")),
            "{:?}",
            d.notes
        );
    }

    #[test]
    fn named_target_port_is_resolved_on_workload_templates_when_no_pods_are_in_the_manifests() {
        let d = detect_yaml(
            "
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      containers:
      - name: coredns
        ports:
        - {name: dns, containerPort: 1053, protocol: UDP}
        - {name: dns-tcp, containerPort: 1053, protocol: TCP}
",
        );
        assert_eq!(numbers(&d.dns), ["1053/UDP", "1053/TCP"]);
        assert_eq!((d.dns.pods, d.dns.workloads), (0, 1));
    }

    #[test]
    fn udp_only_dns_service_also_allows_tcp_on_the_same_port() {
        let d = detect_yaml(
            "
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 10053}
",
        );
        assert_eq!(numbers(&d.dns), ["10053/UDP", "10053/TCP"]);
        assert!(d.notes.iter().any(|n| n.contains("over UDP only")));
    }

    #[test]
    fn dns_service_without_ports_is_assumed_on_53_never_on_every_port() {
        let d = detect_yaml(
            "apiVersion: v1\nkind: Service\nmetadata: {name: kube-dns, namespace: kube-system}\nspec:\n  selector: {k8s-app: kube-dns}\n",
        );
        assert_eq!(numbers(&d.dns), ["53/UDP", "53/TCP"]);
        assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
        assert!(d.notes[0].contains("has no UDP or TCP port"), "{:?}", d.notes);
    }

    #[test]
    fn no_dns_service_falls_back_to_the_well_known_kube_dns_with_a_note() {
        let d = detect_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n");
        assert!(d.dns.fallback);
        assert_eq!(d.dns.namespace, "kube-system");
        assert_eq!(numbers(&d.dns), ["53/UDP", "53/TCP"]);
        assert!(d.notes[0].starts_with("no cluster DNS Service found"), "{:?}", d.notes);
        assert!(d.infrastructure_namespaces().is_empty(), "a guess protects nothing by name");
    }

    #[test]
    fn node_local_dns_addresses_come_from_localip_then_corefile_then_default() {
        let ds = |args: &str| {
            format!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: node-local-dns, namespace: kube-system}}\nspec:\n  template:\n    spec:\n      containers:\n      - {{name: node-cache, args: {args}}}\n"
            )
        };
        let d = detect_yaml(&ds("[-localip, '169.254.25.10,10.233.0.3', -conf, /etc/coredns/Corefile]"));
        let n = d.node_local_dns.unwrap();
        assert_eq!(n.addresses, ["169.254.25.10".parse::<IpAddr>().unwrap(), "10.233.0.3".parse().unwrap()]);
        assert_eq!(n.from, "its -localip argument");

        let d = detect_yaml(&ds("['--localip=169.254.20.11']"));
        assert_eq!(d.node_local_dns.unwrap().addresses, ["169.254.20.11".parse::<IpAddr>().unwrap()]);

        let snapshot =
            load_str(&ds("[-localip, '__PILLAR__LOCAL__DNS__,__PILLAR__DNS__SERVER__']"), "t", "default").unwrap();
        let corefile =
            "cluster.local:53 {\n    errors\n    bind 169.254.20.10 10.96.0.10  # link-local and kube-dns\n}\n";
        let d = detect(&snapshot, Extra { node_local_corefile: Some(corefile) });
        let n = d.node_local_dns.unwrap();
        assert_eq!(n.addresses, ["169.254.20.10".parse::<IpAddr>().unwrap(), "10.96.0.10".parse().unwrap()]);
        assert!(n.from.starts_with("the Corefile"));

        let d = detect(&snapshot, Extra::default());
        assert_eq!(d.node_local_dns.unwrap().addresses, [NODE_LOCAL_DNS_DEFAULT.parse::<IpAddr>().unwrap()]);
        assert!(d.notes.iter().any(|n| n.contains("__PILLAR__LOCAL__DNS__") && n.contains("default")), "{:?}", d.notes);

        assert!(detect_yaml(KUBE_DNS).node_local_dns.is_none());
    }

    #[test]
    fn ingress_controllers_are_recognised_by_pods_and_tied_to_their_classes() {
        let d = detect_yaml(
            "
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: traefik}
spec: {controller: traefik.io/ingress-controller}
---
apiVersion: v1
kind: Pod
metadata:
  name: ingress-nginx-controller-abc
  namespace: ingress-nginx
  labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller, app.kubernetes.io/instance: ingress-nginx}
---
apiVersion: v1
kind: Pod
metadata:
  name: ingress-nginx-admission-create-x
  namespace: ingress-nginx
  labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: admission-webhook}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: envoy, namespace: projectcontour}
spec:
  template:
    metadata: {labels: {app: envoy}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: contour, namespace: projectcontour}
spec:
  template:
    metadata: {labels: {app: contour}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: some-envoy, namespace: elsewhere}
spec:
  template:
    metadata: {labels: {app: envoy}}
",
        );
        let found: Vec<(ControllerKind, &str)> =
            d.ingress_controllers.iter().map(|c| (c.kind, c.namespace.as_str())).collect();
        assert_eq!(
            found,
            [(ControllerKind::IngressNginx, "ingress-nginx"), (ControllerKind::Contour, "projectcontour")]
        );
        let nginx = &d.ingress_controllers[0];
        assert_eq!(nginx.ingress_classes, ["nginx"]);
        assert_eq!(nginx.evidence, ["1 pod"]);
        let labels = nginx.pod_labels.as_ref().unwrap();
        assert_eq!(labels.len(), 2);
        assert_eq!(labels["app.kubernetes.io/component"], "controller");
        assert_eq!(d.ingress_controllers[1].evidence, ["DaemonSet projectcontour/envoy"]);
        assert_eq!(d.unmatched_ingress_classes, ["traefik"]);
        assert!(d.notes.iter().any(|n| n.contains("IngressClass traefik") && n.contains("--ingress-namespace")));
        let protected: Vec<String> = d.infrastructure_namespaces().into_iter().map(|(ns, _)| ns).collect();
        assert_eq!(protected, ["ingress-nginx", "projectcontour"], "the DNS here is only a guess");
    }

    #[test]
    fn controller_pods_recognised_by_two_label_sets_admit_their_whole_namespace() {
        let d = detect_yaml(
            "
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: edge, labels: {app.kubernetes.io/name: traefik}}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: edge, labels: {app: traefik}}
spec: {hostNetwork: true}
",
        );
        let c = &d.ingress_controllers[0];
        assert_eq!((c.kind, c.namespace.as_str(), c.pod_labels.is_none()), (ControllerKind::Traefik, "edge", true));
        assert!(c.host_network);
        assert!(d.notes.iter().any(|n| n.contains("host network")), "{:?}", d.notes);
    }

    #[test]
    fn well_known_ingress_class_controllers_are_recognised() {
        for (controller, kind) in [
            ("k8s.io/ingress-nginx", ControllerKind::IngressNginx),
            ("nginx.org/ingress-controller", ControllerKind::NginxInc),
            ("traefik.io/ingress-controller", ControllerKind::Traefik),
            ("haproxy.org/ingress-controller/prod", ControllerKind::Haproxy),
            ("haproxy-ingress.github.io/controller", ControllerKind::HaproxyIngress),
            ("projectcontour.io/ingress-controller", ControllerKind::Contour),
            ("ingress-controllers.konghq.com/kong", ControllerKind::Kong),
            ("istio.io/ingress-controller", ControllerKind::IstioGateway),
        ] {
            assert_eq!(ControllerKind::of_ingress_class(controller), Some(kind), "{controller}");
        }
        assert_eq!(ControllerKind::of_ingress_class("example.com/mine"), None);
    }

    #[test]
    fn api_server_endpoints_come_from_the_kubernetes_endpoint_slices_at_their_real_ports() {
        let d = detect_yaml(
            "
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: default}
spec:
  clusterIP: 10.96.0.1
  ports: [{name: https, port: 443, targetPort: 6443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes}}
addressType: IPv4
endpoints:
- addresses: [172.18.0.4]
- addresses: [172.18.0.3]
ports: [{name: https, port: 6443, protocol: TCP}]
",
        );
        let api = d.api_server.unwrap();
        let eps: Vec<String> = api.endpoints.iter().map(|e| format!("{}:{:?}", e.ip, e.ports)).collect();
        assert_eq!(eps, ["172.18.0.3:[6443]", "172.18.0.4:[6443]"]);
        assert_eq!(api.service_ips, ["10.96.0.1".parse::<IpAddr>().unwrap()]);
        assert!(detect_yaml(KUBE_DNS).api_server.is_none());
    }

    #[test]
    fn mesh_control_planes_are_found_by_their_pods() {
        let d = detect_yaml(
            "
apiVersion: v1
kind: Pod
metadata: {name: istiod-1, namespace: istio-system, labels: {app: istiod}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: linkerd-destination, namespace: linkerd}
spec:
  template:
    metadata: {labels: {linkerd.io/control-plane-component: destination}}
",
        );
        let meshes: Vec<(&str, &str)> = d.meshes.iter().map(|m| (m.name, m.namespace.as_str())).collect();
        assert_eq!(meshes, [("Istio", "istio-system"), ("Linkerd", "linkerd")]);
    }
}
