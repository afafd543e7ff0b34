//! Completion candidates from the manifests `-f` names, for a command that reads them instead of
//! a cluster: namespaces, the pods, workloads and Services of a namespace, an endpoint's named
//! ports, and the ports `matrix --port` may take. Works offline.
//!
//! The manifests are read once per completion request, as the commands read them
//! (`source::file::load`); a file that does not read contributes nothing. Never prints.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::engine::{ContainerPort, Pod, PortRef, Protocol, Snapshot, WorkloadKind};

use super::source::{Candidate, CandidateSource, EndpointKind, LookupError, Query, Scope};

/// The manifest-backed source registered in `Sources::standard`.
#[derive(Debug, Default)]
pub struct FilesSource {
    /// The manifests read for this request, by the paths read (queries of one request run on
    /// several threads at once).
    read: Mutex<Option<(Vec<PathBuf>, Arc<Snapshot>)>>,
}

impl FilesSource {
    fn snapshot(&self, scope: &Scope) -> Result<Arc<Snapshot>, LookupError> {
        let mut read = self.read.lock().map_err(|_| "a lookup panicked")?;
        if let Some((paths, snapshot)) = read.as_ref()
            && *paths == scope.files
        {
            return Ok(snapshot.clone());
        }
        let namespace = scope.namespace.as_deref().unwrap_or("default");
        let snapshot = Arc::new(crate::source::file::load(&scope.files, namespace, &mut std::io::empty())?);
        *read = Some((scope.files.clone(), snapshot.clone()));
        Ok(snapshot)
    }
}

impl CandidateSource for FilesSource {
    fn lookup(&self, scope: &Scope, query: &Query) -> Result<Vec<Candidate>, LookupError> {
        if scope.files.is_empty() || matches!(query, Query::Contexts | Query::Clusters | Query::Users) {
            return Ok(Vec::new());
        }
        let snapshot = self.snapshot(scope)?;
        let scope_namespace = scope.namespace.clone().unwrap_or_else(|| "default".to_string());
        let in_namespace = |ns: &Option<String>| ns.clone().unwrap_or_else(|| scope_namespace.clone());
        let names = |mut names: Vec<&str>| -> Vec<Candidate> {
            names.sort_unstable();
            names.dedup();
            names.into_iter().map(Candidate::new).collect()
        };
        Ok(match query {
            Query::Namespaces => names(
                snapshot
                    .namespaces
                    .iter()
                    .map(|n| n.name.as_str())
                    .chain(snapshot.pods.iter().map(|p| p.namespace.as_str()))
                    .collect(),
            ),
            Query::Pods { namespace } => {
                let ns = in_namespace(namespace);
                names(snapshot.pods.iter().filter(|p| p.namespace == ns).map(|p| p.name.as_str()).collect())
            }
            Query::Services { namespace } => {
                let ns = in_namespace(namespace);
                names(snapshot.services.iter().filter(|s| s.namespace == ns).map(|s| s.name.as_str()).collect())
            }
            Query::Workloads { namespace, kind } => {
                let ns = in_namespace(namespace);
                let Some(kind) = workload_kind(*kind) else { return Ok(Vec::new()) };
                names(
                    snapshot
                        .workloads
                        .iter()
                        .filter(|w| w.kind == kind && w.namespace == ns)
                        .map(|w| w.name.as_str())
                        .collect(),
                )
            }
            Query::NamedPorts { namespace, kind, name } => {
                let ns = in_namespace(namespace);
                named_ports(&snapshot, *kind, &ns, name)
            }
            Query::DeclaredPorts { namespaces, all } => {
                let wanted: Vec<&str> = match namespaces.as_slice() {
                    [] => vec![scope_namespace.as_str()],
                    named => named.iter().map(String::as_str).collect(),
                };
                let templates: Vec<Pod> = crate::cmd::resolve::templates_without_pods(&snapshot, None);
                declared_ports(
                    snapshot.pods.iter().chain(&templates).filter(|p| *all || wanted.contains(&p.namespace.as_str())),
                )
            }
            _ => Vec::new(),
        })
    }
}

fn workload_kind(kind: EndpointKind) -> Option<WorkloadKind> {
    match kind {
        EndpointKind::Deployment => Some(WorkloadKind::Deployment),
        EndpointKind::StatefulSet => Some(WorkloadKind::StatefulSet),
        EndpointKind::DaemonSet => Some(WorkloadKind::DaemonSet),
        EndpointKind::Pod | EndpointKind::Service => None,
    }
}

fn port_names(ports: &[ContainerPort]) -> Vec<Candidate> {
    ports
        .iter()
        .filter_map(|p| p.name.as_ref().map(|n| Candidate::described(n, format!("{}/{}", p.port, p.protocol))))
        .collect()
}

/// The names `why` accepts after `ENDPOINT:`, as the cluster source gives them.
fn named_ports(snapshot: &Snapshot, kind: EndpointKind, namespace: &str, name: &str) -> Vec<Candidate> {
    match kind {
        EndpointKind::Pod => snapshot
            .pods
            .iter()
            .find(|p| p.namespace == namespace && p.name == name)
            .map(|p| port_names(&p.ports))
            .unwrap_or_default(),
        EndpointKind::Service => snapshot
            .services
            .iter()
            .find(|s| s.namespace == namespace && s.name == name)
            .map(|s| {
                s.ports
                    .iter()
                    .filter_map(|p| {
                        let target = match &p.target_port {
                            PortRef::Number(n) => n.to_string(),
                            PortRef::Name(n) => n.clone(),
                        };
                        p.name
                            .as_ref()
                            .map(|n| Candidate::described(n, format!("{}/{} -> {target}", p.port, p.protocol)))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        kind => match workload_kind(kind) {
            Some(k) => snapshot
                .workloads
                .iter()
                .find(|w| w.kind == k && w.namespace == namespace && w.name == name)
                .map(|w| port_names(&w.template_ports))
                .unwrap_or_default(),
            None => Vec::new(),
        },
    }
}

/// The distinct container ports of `pods`, as `matrix --port` takes them (`8080`, `53/udp`),
/// each described with its names and a few of the pods declaring it: `http: api, frontend`.
pub fn declared_ports<'p>(pods: impl Iterator<Item = &'p Pod>) -> Vec<Candidate> {
    let mut by_port: BTreeMap<(u16, Protocol), (Vec<String>, Vec<String>)> = BTreeMap::new();
    for pod in pods {
        let owner = pod.owner.as_ref().map_or(pod.name.clone(), |o| o.name.clone());
        for cp in pod.ports.iter() {
            let (names, owners) = by_port.entry((cp.port, cp.protocol)).or_default();
            if let Some(n) = &cp.name
                && !names.contains(n)
            {
                names.push(n.clone());
            }
            if !owners.contains(&owner) {
                owners.push(owner.clone());
            }
        }
    }
    by_port
        .into_iter()
        .map(|((port, protocol), (names, owners))| {
            let value = match protocol {
                Protocol::Tcp => port.to_string(),
                other => format!("{port}/{}", other.as_str().to_ascii_lowercase()),
            };
            let shown: Vec<&str> = owners.iter().take(3).map(String::as_str).collect();
            let more = if owners.len() > 3 { format!(" and {} more", owners.len() - 3) } else { String::new() };
            let label = if names.is_empty() { protocol.to_string() } else { format!("{protocol} {}", names.join(",")) };
            Candidate::described(value, format!("{label}: {}{more}", shown.join(", ")))
        })
        .collect()
}
