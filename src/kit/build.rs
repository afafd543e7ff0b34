//! The starter kit as NetworkPolicy objects, built from a `Detection` and the user's choices.
//!
//! Pure: no I/O. Every object carries `app.kubernetes.io/managed-by: kubectl-deny` and a short
//! description of what it does; the allows come first and `default-deny-all` last, the order in
//! which they must reach a namespace.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::detect::{Detection, PortValue};
use crate::engine::model::{Labels, NAMESPACE_NAME_LABEL, Protocol};

pub const DEFAULT_DENY_ALL: &str = "default-deny-all";
pub const ALLOW_DNS: &str = "allow-dns";
pub const ALLOW_INGRESS_CONTROLLER: &str = "allow-ingress-controller";
pub const ALLOW_SAME_NAMESPACE: &str = "allow-same-namespace";
pub const ALLOW_APISERVER: &str = "allow-apiserver";
pub const ALLOW_MONITORING: &str = "allow-monitoring";

/// The label every kit object carries.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "kubectl-deny";
/// The annotation saying, in a sentence, what the object does.
pub const DESCRIPTION_ANNOTATION: &str = "kubectl-deny/description";

/// Which parts of the kit to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub dns: bool,
    pub ingress: IngressChoice,
    pub same_namespace: bool,
    pub api_server: bool,
    /// `--allow-monitoring NS`.
    pub monitoring: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dns: true,
            ingress: IngressChoice::Detected,
            same_namespace: false,
            api_server: false,
            monitoring: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngressChoice {
    /// Admit the detected controllers (none detected: no policy, with a note).
    Detected,
    /// `--ingress-namespace NS`: admit that namespace.
    Namespace(String),
    /// `--no-ingress`.
    Off,
}

/// Whether a policy opens traffic or closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Allow,
    Deny,
}

/// One policy of the kit, namespace-free.
#[derive(Debug, Clone, PartialEq)]
pub struct KitPolicy {
    pub name: &'static str,
    pub role: Role,
    pub description: String,
    pub spec: NetworkPolicySpec,
}

/// The kit: allows first, `default-deny-all` last, and notes on what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Kit {
    pub policies: Vec<KitPolicy>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error(
        "--allow-apiserver: no endpoints of the Service default/kubernetes were found{where_}, so there is no \
         address to allow; {fix}"
    )]
    NoApiServer { where_: String, fix: String },
}

impl KitPolicy {
    /// The NetworkPolicy, in `namespace` or (for kustomize and `kubectl apply -n`) in none.
    pub fn manifest(&self, namespace: Option<&str>) -> NetworkPolicy {
        NetworkPolicy {
            metadata: ObjectMeta {
                name: Some(self.name.to_string()),
                namespace: namespace.map(str::to_string),
                labels: Some(BTreeMap::from([(MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string())])),
                annotations: Some(BTreeMap::from([(DESCRIPTION_ANNOTATION.to_string(), self.description.clone())])),
                ..ObjectMeta::default()
            },
            spec: Some(self.spec.clone()),
        }
    }
}

impl Kit {
    /// Every policy of the kit in `namespace`, in apply order.
    pub fn manifests(&self, namespace: Option<&str>) -> Vec<NetworkPolicy> {
        self.policies.iter().map(|p| p.manifest(namespace)).collect()
    }
}

/// Builds the kit. `source` names where detection read from, for error messages (`the cluster`,
/// `the manifests`).
pub fn build(detection: &Detection, options: &Options, from_manifests: bool) -> Result<Kit, BuildError> {
    let mut policies = Vec::new();
    let mut notes = Vec::new();
    if options.dns {
        policies.push(allow_dns(detection));
    }
    match &options.ingress {
        IngressChoice::Off => {}
        IngressChoice::Namespace(ns) => policies.push(allow_ingress_namespace(ns)),
        IngressChoice::Detected if detection.ingress_controllers.is_empty() => notes.push(
            "no ingress controller found: allow-ingress-controller is left out (name the controller's namespace \
             with --ingress-namespace, or pass --no-ingress to silence this)"
                .to_string(),
        ),
        IngressChoice::Detected => policies.push(allow_ingress_detected(detection)),
    }
    if options.same_namespace {
        policies.push(allow_same_namespace());
    }
    if options.api_server {
        policies.push(allow_apiserver(detection, from_manifests)?);
    }
    if let Some(ns) = &options.monitoring {
        policies.push(allow_monitoring(ns));
    }
    policies.push(default_deny_all());
    Ok(Kit { policies, notes })
}

fn every_pod() -> Option<LabelSelector> {
    Some(LabelSelector::default())
}

fn match_labels(labels: &Labels) -> LabelSelector {
    LabelSelector { match_labels: Some(labels.to_map()), match_expressions: None }
}

pub(crate) fn namespace_named(ns: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(NAMESPACE_NAME_LABEL.to_string(), ns.to_string())])),
        match_expressions: None,
    }
}

fn types(names: &[&str]) -> Option<Vec<String>> {
    Some(names.iter().map(|s| s.to_string()).collect())
}

fn port(protocol: Protocol, port: &PortValue) -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: Some(protocol.as_str().to_string()),
        port: Some(match port {
            PortValue::Number(n) => IntOrString::Int(i32::from(*n)),
            PortValue::Name(name) => IntOrString::String(name.clone()),
        }),
        end_port: None,
    }
}

/// The single-address CIDR of `ip` (`/32`, `/128`), in canonical form.
pub fn host_cidr(ip: IpAddr) -> String {
    let prefix = if ip.is_ipv4() { 32 } else { 128 };
    IpNet::new(ip, prefix).expect("a host prefix is valid").to_string()
}

pub(crate) fn ip_peer(ip: IpAddr) -> NetworkPolicyPeer {
    NetworkPolicyPeer { ip_block: Some(IPBlock { cidr: host_cidr(ip), except: None }), ..Default::default() }
}

fn labels_text(labels: &Labels) -> String {
    labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

fn ports_text(ports: &[(Protocol, PortValue)]) -> String {
    ports.iter().map(|(protocol, port)| format!("{port}/{protocol}")).collect::<Vec<_>>().join(" and ")
}

fn allow_dns(detection: &Detection) -> KitPolicy {
    let dns = &detection.dns;
    let dns_ports: Vec<(Protocol, PortValue)> = dns.ports.iter().map(|p| (p.protocol, p.port.clone())).collect();
    let mut rules = vec![NetworkPolicyEgressRule {
        to: Some(vec![NetworkPolicyPeer {
            namespace_selector: Some(namespace_named(&dns.namespace)),
            pod_selector: Some(match_labels(&dns.selector)),
            ip_block: None,
        }]),
        ports: Some(dns_ports.iter().map(|(protocol, p)| port(*protocol, p)).collect()),
    }];
    let mut description = format!(
        "Egress from every pod to the cluster DNS: pods {} in {} ({}) on {}",
        labels_text(&dns.selector),
        dns.namespace,
        dns.source,
        ports_text(&dns_ports)
    );
    if let Some(local) = &detection.node_local_dns {
        let well_known = [(Protocol::Udp, PortValue::Number(53)), (Protocol::Tcp, PortValue::Number(53))];
        rules.push(NetworkPolicyEgressRule {
            to: Some(local.addresses.iter().map(|ip| ip_peer(*ip)).collect()),
            ports: Some(well_known.iter().map(|(protocol, p)| port(*protocol, p)).collect()),
        });
        let addresses: Vec<String> = local.addresses.iter().map(ToString::to_string).collect();
        description.push_str(&format!(
            ", and to NodeLocal DNSCache ({}) at {} on 53/UDP and 53/TCP",
            local.daemonset,
            addresses.join(", ")
        ));
    }
    description.push('.');
    KitPolicy {
        name: ALLOW_DNS,
        role: Role::Allow,
        description,
        spec: NetworkPolicySpec {
            pod_selector: every_pod(),
            policy_types: types(&["Egress"]),
            egress: Some(rules),
            ingress: None,
        },
    }
}

fn ingress_policy(peers: Vec<NetworkPolicyPeer>, description: String) -> KitPolicy {
    KitPolicy {
        name: ALLOW_INGRESS_CONTROLLER,
        role: Role::Allow,
        description,
        spec: NetworkPolicySpec {
            pod_selector: every_pod(),
            policy_types: types(&["Ingress"]),
            ingress: Some(vec![NetworkPolicyIngressRule { from: Some(peers), ports: None }]),
            egress: None,
        },
    }
}

fn allow_ingress_detected(detection: &Detection) -> KitPolicy {
    let mut peers = Vec::new();
    let mut parts = Vec::new();
    for c in &detection.ingress_controllers {
        peers.push(NetworkPolicyPeer {
            namespace_selector: Some(namespace_named(&c.namespace)),
            pod_selector: c.pod_labels.as_ref().map(match_labels),
            ip_block: None,
        });
        parts.push(match &c.pod_labels {
            Some(labels) => format!("{} (pods {} in {})", c.kind.display_name(), labels_text(labels), c.namespace),
            None => format!("{} (namespace {})", c.kind.display_name(), c.namespace),
        });
    }
    ingress_policy(peers, format!("Ingress to every pod from the ingress controller: {}.", parts.join("; ")))
}

fn allow_ingress_namespace(ns: &str) -> KitPolicy {
    let peer = NetworkPolicyPeer { namespace_selector: Some(namespace_named(ns)), ..Default::default() };
    ingress_policy(vec![peer], format!("Ingress to every pod from the ingress controller's namespace {ns}."))
}

fn allow_same_namespace() -> KitPolicy {
    let same = || NetworkPolicyPeer { pod_selector: every_pod(), ..Default::default() };
    KitPolicy {
        name: ALLOW_SAME_NAMESPACE,
        role: Role::Allow,
        description: "Traffic between the pods of this namespace, in both directions.".into(),
        spec: NetworkPolicySpec {
            pod_selector: every_pod(),
            policy_types: types(&["Ingress", "Egress"]),
            ingress: Some(vec![NetworkPolicyIngressRule { from: Some(vec![same()]), ports: None }]),
            egress: Some(vec![NetworkPolicyEgressRule { to: Some(vec![same()]), ports: None }]),
        },
    }
}

fn allow_apiserver(detection: &Detection, from_manifests: bool) -> Result<KitPolicy, BuildError> {
    let Some(api) = &detection.api_server else {
        return Err(if from_manifests {
            BuildError::NoApiServer {
                where_: " in the manifests".into(),
                fix: "add them (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes -o \
                      yaml), or leave out --allow-apiserver"
                    .into(),
            }
        } else {
            BuildError::NoApiServer {
                where_: String::new(),
                fix: "check with: kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes"
                    .into(),
            }
        });
    };
    // One rule per distinct port list, so that each address is allowed only on its own ports.
    let mut by_ports: Vec<(Vec<u16>, Vec<IpAddr>)> = Vec::new();
    for e in &api.endpoints {
        match by_ports.iter_mut().find(|(ports, _)| *ports == e.ports) {
            Some((_, ips)) => ips.push(e.ip),
            None => by_ports.push((e.ports.clone(), vec![e.ip])),
        }
    }
    let rules = by_ports
        .iter()
        .map(|(ports, ips)| NetworkPolicyEgressRule {
            to: Some(ips.iter().map(|ip| ip_peer(*ip)).collect()),
            ports: Some(ports.iter().map(|n| port(Protocol::Tcp, &PortValue::Number(*n))).collect()),
        })
        .collect();
    let endpoints: Vec<String> = api
        .endpoints
        .iter()
        .map(|e| {
            let ports: Vec<String> = e.ports.iter().map(u16::to_string).collect();
            match e.ip {
                IpAddr::V4(ip) => format!("{ip}:{}", ports.join(",")),
                IpAddr::V6(ip) => format!("[{ip}]:{}", ports.join(",")),
            }
        })
        .collect();
    Ok(KitPolicy {
        name: ALLOW_APISERVER,
        role: Role::Allow,
        description: format!(
            "Egress from every pod to the Kubernetes API server at its endpoints {} (TCP), where the Service \
             default/kubernetes forwards; re-run kubectl deny init when the control plane's addresses change.",
            endpoints.join(", ")
        ),
        spec: NetworkPolicySpec {
            pod_selector: every_pod(),
            policy_types: types(&["Egress"]),
            egress: Some(rules),
            ingress: None,
        },
    })
}

fn allow_monitoring(ns: &str) -> KitPolicy {
    KitPolicy {
        name: ALLOW_MONITORING,
        role: Role::Allow,
        description: format!("Ingress to every pod from the monitoring namespace {ns} (metrics scrapes)."),
        spec: NetworkPolicySpec {
            pod_selector: every_pod(),
            policy_types: types(&["Ingress"]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(namespace_named(ns)),
                    ..Default::default()
                }]),
                ports: None,
            }]),
            egress: None,
        },
    }
}

fn default_deny_all() -> KitPolicy {
    KitPolicy {
        name: DEFAULT_DENY_ALL,
        role: Role::Deny,
        description: "Default deny: isolates every pod of the namespace for ingress and egress; only what the \
                      allow policies open gets through."
            .into(),
        spec: NetworkPolicySpec {
            pod_selector: every_pod(),
            policy_types: types(&["Ingress", "Egress"]),
            ingress: None,
            egress: None,
        },
    }
}
