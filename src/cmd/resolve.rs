//! Resolving `why`'s endpoints against a snapshot: pods, workloads (their pods, or their pod
//! template), Services (their backends at the target port) and IP addresses (a pod's, a node's,
//! or one outside the cluster). Unknown names get suggestions.

use std::net::IpAddr;
use std::sync::Arc;

use crate::engine::service::{self, Backend};
use crate::engine::{ContainerPort, Pod, Protocol, Snapshot, Workload, WorkloadKind};
use crate::error::Error;
use crate::kit::suggest::VOLATILE_LABELS;
use crate::source::refs::ObjectRef;

use super::endpoint::PortArg;

/// A resolved endpoint: a pod of the snapshot, a stand-in built from a workload's template, or an
/// address.
#[derive(Debug, Clone)]
pub enum Resolved<'s> {
    Pod(&'s Pod),
    Template(Box<Pod>),
    Ip(IpAddr),
}

impl Resolved<'_> {
    pub fn pod(&self) -> Option<&Pod> {
        match self {
            Resolved::Pod(p) => Some(p),
            Resolved::Template(p) => Some(p),
            Resolved::Ip(_) => None,
        }
    }
}

/// A resolved endpoint with what the user should know about how it was resolved.
pub struct Resolution<'s> {
    pub endpoint: Resolved<'s>,
    /// Sentences such as "deploy/api has 3 pods; evaluated as pod api-7d9f-x2x4v".
    pub notes: Vec<String>,
}

pub fn resolve<'s>(snapshot: &'s Snapshot, target: &ObjectRef) -> Result<Resolution<'s>, Error> {
    match target {
        ObjectRef::Pod { namespace, name } => {
            let pod = find_pod(snapshot, namespace, name).ok_or_else(|| unknown_pod(snapshot, namespace, name))?;
            Ok(Resolution { endpoint: Resolved::Pod(pod), notes: Vec::new() })
        }
        ObjectRef::Workload { kind, namespace, name } => {
            let workload = snapshot
                .workloads
                .iter()
                .find(|w| w.kind == *kind && w.namespace == *namespace && w.name == *name)
                .ok_or_else(|| unknown_workload(snapshot, *kind, namespace, name))?;
            Ok(workload_endpoint(snapshot, workload))
        }
        // Only a destination can be a Service (the parser refuses it as a source); destinations
        // that are Services go through `resolve_service`.
        ObjectRef::Service { namespace, name } => Err(Error::Usage(format!(
            "svc/{name} (namespace {namespace}) cannot be a source: traffic comes from its pods; name the workload instead"
        ))),
        ObjectRef::Ip(ip) => {
            // An address outlives a finished pod: a Running holder wins over a Succeeded one.
            let holders = snapshot.pods.iter().filter(|p| p.ips.contains(ip) && !p.host_network);
            if let Some(pod) = holders.min_by_key(|p| p.phase.as_deref() != Some("Running")) {
                return Ok(Resolution {
                    endpoint: Resolved::Pod(pod),
                    notes: vec![format!("{ip} is the IP of pod {}/{}", pod.namespace, pod.name)],
                });
            }
            Ok(Resolution { endpoint: Resolved::Ip(*ip), notes: Vec::new() })
        }
    }
}

/// The destination when a workload is asked about against itself (`why deploy/x deploy/x`): a
/// different replica than the source, since a pod talking to itself is a different matter.
pub fn other_replica<'s>(
    snapshot: &'s Snapshot,
    target: &ObjectRef,
    source: &Resolved,
) -> Result<Resolution<'s>, Error> {
    let first = resolve(snapshot, target)?;
    let ObjectRef::Workload { kind, namespace, name } = target else { return Ok(first) };
    let what = format!("{}/{name}", kind.short_name());
    match (&first.endpoint, source) {
        (Resolved::Pod(_), Resolved::Pod(src)) => {
            let Some(w) =
                snapshot.workloads.iter().find(|w| w.kind == *kind && w.namespace == *namespace && w.name == *name)
            else {
                return Ok(first);
            };
            let mut pods = workload_pods(snapshot, w);
            pods.retain(|p| p.name != src.name);
            match pods.first() {
                Some(other) => Ok(Resolution {
                    endpoint: Resolved::Pod(other),
                    notes: vec![format!(
                        "{what} against itself: from pod {} to another replica, pod {}",
                        src.name, other.name
                    )],
                }),
                None => Ok(Resolution {
                    endpoint: first.endpoint,
                    notes: vec![format!("{what} has a single pod, so it is both the source and the destination")],
                }),
            }
        }
        (Resolved::Template(template), _) => {
            let mut other = template.clone();
            other.name = format!("{} (another replica)", template.name);
            Ok(Resolution {
                endpoint: Resolved::Template(other),
                notes: vec![format!("{what} against itself: evaluated between two replicas of its pod template")],
            })
        }
        _ => Ok(first),
    }
}

/// `NS/NAME`, or `NS/pod/NAME` when the namespace is spelled like a kind (`jobs/worker` would
/// name the Job `worker`).
pub fn qualified_pod(namespace: &str, name: &str) -> String {
    if super::endpoint::is_kind_word(namespace) {
        format!("{namespace}/pod/{name}")
    } else {
        format!("{namespace}/{name}")
    }
}

fn find_pod<'s>(snapshot: &'s Snapshot, namespace: &str, name: &str) -> Option<&'s Pod> {
    snapshot.pods.iter().find(|p| p.namespace == namespace && p.name == name)
}

/// Stand-ins for the workloads of `namespaces` (`None`: all) that have no pods: what a GitOps
/// repository of Deployments without a cluster holds. ReplicaSets and Jobs are left out: their
/// Deployment or CronJob stands for them.
pub fn templates_without_pods(snapshot: &Snapshot, namespaces: Option<&[String]>) -> Vec<Pod> {
    snapshot
        .workloads
        .iter()
        .filter(|w| !matches!(w.kind, WorkloadKind::ReplicaSet | WorkloadKind::Job))
        .filter(|w| namespaces.is_none_or(|ns| ns.contains(&w.namespace)))
        .filter(|w| workload_pods(snapshot, w).is_empty())
        .map(Workload::template_pod)
        .collect()
}

/// A workload's pods, Running ones first, then by name.
fn workload_pods<'s>(snapshot: &'s Snapshot, w: &Workload) -> Vec<&'s Pod> {
    let mut pods: Vec<&Pod> =
        snapshot.pods.iter().filter(|p| p.namespace == w.namespace && w.selector.matches(&p.labels)).collect();
    pods.sort_by_key(|p| (p.phase.as_deref() != Some("Running"), p.name.as_str()));
    pods
}

/// How a workload's pods differ in what policy sees, if they do: `label track`, `labels a, b and
/// their ports`. Labels that name each pod or revision (a StatefulSet's pod name and index, a
/// rollout's template hash) always differ and are left out, unless a policy selects on them.
fn replicas_differ(snapshot: &Snapshot, pods: &[&Pod]) -> Option<String> {
    let first = pods.first()?;
    let mut keys: Vec<&str> = Vec::new();
    for pod in &pods[1..] {
        for key in first.labels.keys().chain(pod.labels.keys()) {
            if first.labels.get(key) != pod.labels.get(key) && !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
    }
    keys.retain(|k| !VOLATILE_LABELS.contains(k) || policies_select_on(snapshot, k));
    keys.sort_unstable();
    let ports = pods.iter().any(|p| p.ports != first.ports);
    let labels = match keys.as_slice() {
        [] => None,
        [one] => Some(format!("label {one}")),
        [rest @ .., last] => Some(format!("labels {} and {last}", rest.join(", "))),
    };
    match (labels, ports) {
        (None, false) => None,
        (None, true) => Some("their declared ports".to_string()),
        (Some(l), false) => Some(l),
        (Some(l), true) => Some(format!("{l} and their declared ports")),
    }
}

/// Whether some policy's pod selector, or a peer's, names `key`.
fn policies_select_on(snapshot: &Snapshot, key: &str) -> bool {
    let names = |s: &crate::engine::Selector| {
        s.match_labels.iter().any(|(k, _)| k == key) || s.match_expressions.iter().any(|r| r.key == key)
    };
    snapshot.policies.iter().any(|p| {
        names(&p.pod_selector)
            || p.ingress.iter().chain(&p.egress).flat_map(|r| &r.peers).any(|peer| match peer {
                crate::engine::Peer::Selectors { pod_selector, .. } => pod_selector.as_ref().is_some_and(names),
                crate::engine::Peer::IpBlock(_) => false,
            })
    })
}

fn workload_endpoint<'s>(snapshot: &'s Snapshot, w: &Workload) -> Resolution<'s> {
    let pods = workload_pods(snapshot, w);
    let what = format!("{}/{}", w.kind.short_name(), w.name);
    match pods.first() {
        Some(first) => {
            let mut notes = vec![format!(
                "{what} has {} pod{}; evaluated as pod {}",
                pods.len(),
                if pods.len() == 1 { "" } else { "s" },
                first.name
            )];
            if let Some(difference) = replicas_differ(snapshot, &pods) {
                notes.push(format!(
                    "{what}'s pods differ in {difference} (a rollout in progress?); ask about a pod by name to check another"
                ));
            }
            Resolution { endpoint: Resolved::Pod(first), notes }
        }
        None => Resolution {
            endpoint: Resolved::Template(Box::new(w.template_pod())),
            notes: vec![format!(
                "{what} has no pods; evaluated from its pod template (labels and ports), without an IP"
            )],
        },
    }
}

/// One backend of a Service at one of its ports: the destination and the port policy sees.
pub struct ServiceTarget<'s> {
    pub endpoint: Resolved<'s>,
    /// `80/TCP (http) -> 8080`.
    pub service_port: String,
    pub port: u16,
    pub protocol: Protocol,
}

/// The Service's backends at the target port of the Service port the user named (or of every
/// Service port). Backends that cannot receive on a port (no such named port) are reported in
/// `notes`.
pub fn resolve_service<'s>(
    snapshot: &'s Snapshot,
    namespace: &str,
    name: &str,
    port: Option<&PortArg>,
    protocol: Option<Protocol>,
) -> Result<(Vec<ServiceTarget<'s>>, Vec<String>), Error> {
    let svc = snapshot.services.iter().find(|s| s.namespace == namespace && s.name == name).ok_or_else(|| {
        let names: Vec<&str> =
            snapshot.services.iter().filter(|s| s.namespace == namespace).map(|s| s.name.as_str()).collect();
        let mut msg = format!("service {name:?} not found in namespace {namespace:?}");
        append_suggestions(&mut msg, name, &names);
        Error::NotFound(msg)
    })?;
    let ports_text = || {
        svc.ports
            .iter()
            .map(|sp| {
                let name = sp.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                format!("{}/{}{name} -> {}", sp.port, sp.protocol, sp.target_port)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut chosen: Vec<_> = svc
        .ports
        .iter()
        .filter(|sp| protocol.is_none_or(|p| p == sp.protocol))
        .filter(|sp| match port {
            None => true,
            Some(PortArg::Number(n)) => sp.port == *n,
            Some(PortArg::Name(n)) => sp.name.as_deref() == Some(n.as_str()),
        })
        .collect();
    // A numbered port without /PROTOCOL means TCP, as everywhere; a port the Service only has on
    // another protocol is taken on that one, and said.
    let mut notes = Vec::new();
    if protocol.is_none() && matches!(port, Some(PortArg::Number(_))) {
        if chosen.iter().any(|sp| sp.protocol == Protocol::Tcp) {
            chosen.retain(|sp| sp.protocol == Protocol::Tcp);
        } else if let Some(sp) = chosen.first() {
            notes.push(format!(
                "service {namespace}/{name} has port {} on {} only: evaluated on {}",
                sp.port, sp.protocol, sp.protocol
            ));
        }
    }
    if chosen.is_empty() {
        let asked = match port {
            Some(PortArg::Number(n)) => format!("port {n}"),
            Some(PortArg::Name(n)) => format!("port named {n:?}"),
            None => "port".to_string(),
        };
        let proto = protocol.map(|p| format!(" on {p}")).unwrap_or_default();
        let target_hint = match port {
            Some(PortArg::Number(n))
                if svc.ports.iter().any(|sp| sp.target_port == crate::engine::PortRef::Number(*n)) =>
            {
                format!("; {n} is a target port: ask the pods directly (e.g. deploy/NAME:{n}) or use the Service port")
            }
            _ => String::new(),
        };
        return Err(Error::NotFound(format!(
            "service {namespace}/{name} has no {asked}{proto}; its ports: {}{target_hint}",
            if svc.ports.is_empty() { "none".to_string() } else { ports_text() }
        )));
    }
    let mut targets = Vec::new();
    let backends = service::backends(snapshot, svc);
    if backends.is_empty() {
        return Err(Error::NotFound(format!(
            "service {namespace}/{name} has no backends{}: there is nothing to reach",
            match &svc.selector {
                Some(sel) => format!(
                    " (no pod in {namespace} matches its selector {})",
                    sel.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
                ),
                None => " (it has no selector and no EndpointSlice addresses)".to_string(),
            }
        )));
    }
    for sp in chosen {
        let label = |target: u16| {
            let name = sp.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            format!("{}/{}{name} -> {target}", sp.port, sp.protocol)
        };
        for b in &backends {
            let endpoint = match b.pod() {
                Some(p) => Resolved::Pod(p),
                None => match b {
                    Backend::Endpoint { ip, .. } => Resolved::Ip(*ip),
                    Backend::Pod(p) => Resolved::Pod(p),
                },
            };
            match b.target_port(sp) {
                Some(t) => targets.push(ServiceTarget { endpoint, service_port: label(t), port: t, protocol: sp.protocol }),
                None => notes.push(match b {
                    Backend::Pod(p) => format!(
                        "pod {}/{} has no container port named {:?} ({}), so the Service sends it no traffic on port {}",
                        p.namespace,
                        p.name,
                        sp.target_port.to_string(),
                        sp.protocol,
                        sp.port
                    ),
                    Backend::Endpoint { ip, .. } => {
                        format!("endpoint {ip} lists no port for {}/{}", sp.port, sp.protocol)
                    }
                }),
            }
        }
    }
    Ok((targets, notes))
}

/// Resolves a destination's named port (`db:postgres`) on the pod, protocol included.
pub fn named_port(pod: &Pod, name: &str, protocol: Option<Protocol>) -> Result<ContainerPort, Error> {
    if let Some(cp) = crate::engine::ports::resolve_named_port(&pod.ports, name, protocol) {
        return Ok(cp.clone());
    }
    let list = describe_ports(&pod.ports);
    if let Some(other) = crate::engine::ports::resolve_named_port(&pod.ports, name, None) {
        return Err(Error::Usage(format!(
            "port {name:?} of pod {}/{} is {} {}, not {}; drop the /{} suffix or use /{}",
            pod.namespace,
            pod.name,
            other.protocol,
            other.port,
            protocol.map(|p| p.as_str()).unwrap_or(""),
            protocol.map(|p| p.as_str().to_ascii_lowercase()).unwrap_or_default(),
            other.protocol.as_str().to_ascii_lowercase()
        )));
    }
    Err(Error::NotFound(format!(
        "pod {}/{} has no container port named {name:?}; its ports: {list}",
        pod.namespace, pod.name
    )))
}

pub fn describe_ports(ports: &Arc<[ContainerPort]>) -> String {
    if ports.is_empty() {
        return "none declared".into();
    }
    ports
        .iter()
        .map(|cp| match &cp.name {
            Some(n) => format!("{n} ({} {})", cp.protocol, cp.port),
            None => format!("{} {}", cp.protocol, cp.port),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_pod(snapshot: &Snapshot, namespace: &str, name: &str) -> Error {
    let mut msg = format!("pod {name:?} not found in namespace {namespace:?}");
    let elsewhere: Vec<&str> = snapshot
        .pods
        .iter()
        .filter(|p| p.name == name && p.namespace != namespace)
        .map(|p| p.namespace.as_str())
        .collect();
    if !elsewhere.is_empty() {
        msg.push_str(&format!(
            "\n  a pod named {name} exists in namespace{} {}: use -n {} or {}",
            if elsewhere.len() > 1 { "s" } else { "" },
            elsewhere.join(", "),
            elsewhere[0],
            qualified_pod(elsewhere[0], name)
        ));
    }
    let workloads: Vec<String> = snapshot
        .workloads
        .iter()
        .filter(|w| w.name == name && w.namespace == namespace)
        .map(|w| format!("{}/{}", w.kind.short_name(), w.name))
        .collect();
    if !workloads.is_empty() {
        msg.push_str(&format!("\n  {} exists: name the workload, e.g. `{}`", workloads.join(" and "), workloads[0]));
    }
    let generated: Vec<&str> = snapshot
        .pods
        .iter()
        .filter(|p| p.namespace == namespace && p.name.starts_with(&format!("{name}-")))
        .map(|p| p.name.as_str())
        .take(3)
        .collect();
    if !generated.is_empty() && workloads.is_empty() {
        msg.push_str(&format!("\n  pods named {name}-...: {}", generated.join(", ")));
    }
    let names: Vec<&str> = snapshot.pods.iter().filter(|p| p.namespace == namespace).map(|p| p.name.as_str()).collect();
    if generated.is_empty() {
        append_suggestions(&mut msg, name, &names);
    }
    if names.is_empty() && elsewhere.is_empty() {
        msg.push_str(&format!("\n  namespace {namespace:?} has no pods in the objects read"));
    }
    Error::NotFound(msg)
}

fn unknown_workload(snapshot: &Snapshot, kind: WorkloadKind, namespace: &str, name: &str) -> Error {
    let mut msg = format!("{} {name:?} not found in namespace {namespace:?}", kind.as_str().to_ascii_lowercase());
    let other_kinds: Vec<String> = snapshot
        .workloads
        .iter()
        .filter(|w| w.name == name && w.namespace == namespace)
        .map(|w| format!("{}/{}", w.kind.short_name(), w.name))
        .collect();
    if !other_kinds.is_empty() {
        msg.push_str(&format!("\n  but {} exists", other_kinds.join(" and ")));
    }
    let elsewhere: Vec<&str> = snapshot
        .workloads
        .iter()
        .filter(|w| w.kind == kind && w.name == name && w.namespace != namespace)
        .map(|w| w.namespace.as_str())
        .collect();
    if !elsewhere.is_empty() {
        msg.push_str(&format!("\n  it exists in namespace {}: use -n {}", elsewhere.join(", "), elsewhere[0]));
    }
    // `jobs/worker-1` reads as the Job worker-1; a pod of that name in a namespace spelled like a
    // kind is written `jobs/pod/worker-1`.
    for pod in snapshot.pods.iter().filter(|p| p.name == name && super::endpoint::is_kind_word(&p.namespace)) {
        msg.push_str(&format!(
            "\n  to name the pod {name} of namespace {}, write {}",
            pod.namespace,
            qualified_pod(&pod.namespace, name)
        ));
    }
    let names: Vec<&str> = snapshot
        .workloads
        .iter()
        .filter(|w| w.kind == kind && w.namespace == namespace)
        .map(|w| w.name.as_str())
        .collect();
    append_suggestions(&mut msg, name, &names);
    Error::NotFound(msg)
}

/// Adds "did you mean" with up to five close names.
fn append_suggestions(msg: &mut String, name: &str, candidates: &[&str]) {
    let mut scored: Vec<(f64, &str)> = candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(s, c)| *s >= 0.8 || c.contains(name) || name.contains(*c))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    if !scored.is_empty() {
        let names: Vec<&str> = scored.iter().take(5).map(|(_, c)| *c).collect();
        msg.push_str(&format!("\n  did you mean: {}?", names.join(", ")));
    }
}
