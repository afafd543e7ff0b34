//! Completion candidates from the live cluster: namespaces (for `-n` and `NS/`), the pods,
//! workloads and Services of a namespace (for `why`'s endpoints), and the named ports of an
//! endpoint (after `ENDPOINT:`).
//!
//! Connects with the kubeconfig selection typed on the line, as the commands do (`cluster::
//! connect`), and reads with `fetch`: names metadata-only, one object whole for its ports. Every
//! call is bounded by a short request timeout, under the deadline `Sources` imposes anyway; any
//! failure (no kubeconfig, unreachable, forbidden) contributes nothing. Never prints.

use std::time::Duration;

use crate::context::ClusterSpec;
use crate::engine::{ContainerPort, PortRef, Snapshot, WorkloadKind};
use crate::source::Location;
use crate::source::cluster::{Connection, KubeEnv};
use crate::source::convert::SnapshotBuilder;
use crate::source::fetch::{self, ListOptions, Resource};
use crate::source::wire::{self, ObjectList};

use super::source::{Candidate, CandidateSource, EndpointKind, LookupError, Query, Scope};

/// The cluster-backed source registered in `Sources::standard`.
#[derive(Debug, Clone, Copy)]
pub struct ClusterSource {
    /// The bound on each API call.
    pub timeout: Duration,
}

impl Default for ClusterSource {
    /// A second: a reachable cluster answers a list of names well within it, and together with
    /// connecting it stays under `Sources::DEFAULT_DEADLINE`.
    fn default() -> Self {
        ClusterSource { timeout: Duration::from_secs(1) }
    }
}

impl CandidateSource for ClusterSource {
    fn lookup(&self, scope: &Scope, query: &Query) -> Result<Vec<Candidate>, LookupError> {
        let wanted = matches!(
            query,
            Query::Namespaces
                | Query::Pods { .. }
                | Query::Workloads { .. }
                | Query::Services { .. }
                | Query::NamedPorts { .. }
                | Query::DeclaredPorts { .. }
        );
        // With -f the command reads manifests: so does completion (`files::FilesSource`).
        if !wanted || scope.kubeconfig.is_empty() || !scope.files.is_empty() {
            return Ok(Vec::new());
        }
        let spec = ClusterSpec {
            kubeconfig: None,
            context: scope.context.clone(),
            cluster: scope.cluster.clone(),
            user: scope.user.clone(),
            request_timeout: Some(self.timeout),
            ..ClusterSpec::default()
        };
        // The files the line selects, merged as the commands merge `$KUBECONFIG`; never the
        // in-cluster account, which a shell's completion has no business using.
        let env = KubeEnv { kubeconfig: Some(std::env::join_paths(&scope.kubeconfig)?), home: None, in_cluster: false };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async {
            let conn = crate::source::cluster::connect(&spec, &env).await?;
            let namespace = match query {
                Query::Pods { namespace }
                | Query::Workloads { namespace, .. }
                | Query::Services { namespace }
                | Query::NamedPorts { namespace, .. } => namespace.clone(),
                _ => None,
            }
            .or_else(|| scope.namespace.clone())
            .unwrap_or_else(|| conn.namespace.clone());
            let candidates = match query {
                Query::Namespaces => names(&conn, fetch::NAMESPACES, None).await?,
                Query::Pods { .. } => names(&conn, fetch::PODS, Some(&namespace)).await?,
                Query::Services { .. } => names(&conn, fetch::SERVICES, Some(&namespace)).await?,
                Query::Workloads { kind, .. } => match resource_of(*kind) {
                    Some(resource) => names(&conn, resource, Some(&namespace)).await?,
                    None => Vec::new(),
                },
                Query::NamedPorts { kind, name, .. } => named_ports(&conn, *kind, &namespace, name).await?,
                Query::DeclaredPorts { namespaces, all } => {
                    let scopes: Vec<Option<&str>> = match (all, namespaces.as_slice()) {
                        (true, _) => vec![None],
                        (false, []) => vec![Some(namespace.as_str())],
                        (false, named) => named.iter().map(|n| Some(n.as_str())).collect(),
                    };
                    let mut builder = SnapshotBuilder::new("default");
                    for ns in scopes {
                        for page in fetch::list(&conn, &fetch::PODS, ns, &ListOptions::default()).await? {
                            let list: ObjectList<'_, wire::Pod<'_>> = serde_json::from_str(&page)?;
                            for pod in list.items.unwrap_or_default() {
                                builder.add_pod(pod, &Location::default())?;
                            }
                        }
                    }
                    super::files::declared_ports(builder.finish().pods.iter())
                }
                _ => Vec::new(),
            };
            Ok(candidates)
        })
    }
}

fn resource_of(kind: EndpointKind) -> Option<Resource> {
    match kind {
        EndpointKind::Pod => Some(fetch::PODS),
        EndpointKind::Deployment => Some(fetch::DEPLOYMENTS),
        EndpointKind::StatefulSet => Some(fetch::STATEFULSETS),
        EndpointKind::DaemonSet => Some(fetch::DAEMONSETS),
        EndpointKind::Service => Some(fetch::SERVICES),
    }
}

/// The names of the objects of `resource` in `namespace`, read metadata-only.
async fn names(conn: &Connection, resource: Resource, namespace: Option<&str>) -> Result<Vec<Candidate>, LookupError> {
    #[derive(serde::Deserialize)]
    struct Named<'a> {
        #[serde(borrow)]
        metadata: Option<wire::ObjectMeta<'a>>,
    }
    let options = ListOptions { metadata_only: true, ..ListOptions::default() };
    let pages = fetch::list(conn, &resource, namespace, &options).await?;
    let mut names = Vec::new();
    for page in &pages {
        let list: ObjectList<'_, Named<'_>> = serde_json::from_str(page)?;
        names.extend(
            list.items
                .unwrap_or_default()
                .into_iter()
                .filter_map(|item| item.metadata.and_then(|m| m.name))
                .map(|name| Candidate::new(name.to_string())),
        );
    }
    Ok(names)
}

/// The port names `why` accepts after `ENDPOINT:`: a pod's (or a workload's pod template's)
/// named container ports, or a Service's named ports.
async fn named_ports(
    conn: &Connection,
    kind: EndpointKind,
    namespace: &str,
    name: &str,
) -> Result<Vec<Candidate>, LookupError> {
    let Some(resource) = resource_of(kind) else { return Ok(Vec::new()) };
    let Some(text) = fetch::get(conn, &resource, Some(namespace), name).await? else { return Ok(Vec::new()) };
    let snapshot = one_object(kind, &text)?;
    let described = |ports: &[ContainerPort]| -> Vec<Candidate> {
        ports
            .iter()
            .filter_map(|p| p.name.as_ref().map(|n| Candidate::described(n, format!("{}/{}", p.port, p.protocol))))
            .collect()
    };
    Ok(match kind {
        EndpointKind::Pod => snapshot.pods.first().map(|p| described(&p.ports)).unwrap_or_default(),
        EndpointKind::Service => snapshot
            .services
            .first()
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
        _ => snapshot.workloads.first().map(|w| described(&w.template_ports)).unwrap_or_default(),
    })
}

/// One object, through the same conversion the commands use.
fn one_object(kind: EndpointKind, text: &str) -> Result<Snapshot, LookupError> {
    let mut builder = SnapshotBuilder::new("default");
    let at = Location::default();
    let workload =
        |kind| -> Result<(WorkloadKind, wire::Workload<'_>), LookupError> { Ok((kind, serde_json::from_str(text)?)) };
    match kind {
        EndpointKind::Pod => builder.add_pod(serde_json::from_str(text)?, &at)?,
        EndpointKind::Service => builder.add_service(serde_json::from_str(text)?, &at)?,
        EndpointKind::Deployment | EndpointKind::StatefulSet | EndpointKind::DaemonSet => {
            let kind = match kind {
                EndpointKind::Deployment => WorkloadKind::Deployment,
                EndpointKind::StatefulSet => WorkloadKind::StatefulSet,
                _ => WorkloadKind::DaemonSet,
            };
            let (kind, object) = workload(kind)?;
            builder.add_workload(kind, object, &at)?
        }
    }
    Ok(builder.finish())
}
