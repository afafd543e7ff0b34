//! The live-cluster source: reads from the API server what one question needs, and builds the same
//! `Snapshot` the manifest source builds (through `convert::SnapshotBuilder`).
//!
//! - `why` (`Live::flow`): the two endpoints, the NetworkPolicies of their namespaces, the labels
//!   of the namespaces those policies' namespaceSelectors are matched against, and what the hints
//!   and caveats need (the Services of the destination's namespace, the cluster DNS, the network
//!   plugin's DaemonSets). The number of requests depends on the question, never on the size of
//!   the cluster; when an endpoint does not exist, the names the resolver suggests are read instead.
//! - `matrix` (`Live::scope`): the pods, policies and namespaces of the scope.
//! - `list` (`Live::coverage`): namespaces, policies, and pods metadata-only, paginated.
//! - all three: the cluster-wide policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
//!   ClusterNetworkPolicy) when the shared discovery (`discovery::discover`, one `GET /apis` per
//!   command, concurrent with the other reads) says they are served: one read per kind served,
//!   none otherwise; the Nodes when a `nodes` peer may match an end. A kind RBAC forbids is a note
//!   and lands in `Snapshot::unread_cluster_policies`, which every verdict turns into a caveat.
//!   Calico's Tiers, GlobalNetworkPolicies and NetworkPolicies likewise, from the same discovery:
//!   `projectcalico.org/v3` when served, else `crd.projectcalico.org/v1`, else no request.
//!
//! Reads that do not depend on each other go out together (`tokio::join!` on the one connection;
//! each read of a chain that needs another's answer follows it), so that a command waits for as
//! few round trips to the API server as its data dependencies allow: two for a pod-to-pod `why`
//! on most clusters. Results are looked at in a fixed order once all are in, so the error
//! reported and the notes never depend on which answer came first.
//!
//! A read that only feeds a caveat or a hint is skipped when RBAC forbids it, with a note saying
//! what was skipped and why (`Live::take_notes`); so is the cluster-wide list of namespaces, so
//! that someone allowed to read only their own namespaces still gets answers. The async reads
//! collect response texts (pods of `list` and `matrix` go into the snapshot page by page as they
//! arrive); `build` turns them into a snapshot without I/O. Commands stay synchronous: the source
//! owns a current-thread runtime. This module must not evaluate policy, print, or read the
//! environment.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::Poll;

use serde::Deserialize;

use super::cluster::{ClusterError, Connection, KubeEnv};
use super::convert::{SERVICE_NAME_LABEL, SnapshotBuilder};
use super::discovery::Discovery;
use super::fetch::{self, ListOptions, Resource};
use super::refs::ObjectRef;
use super::tiers;
use super::wire::{self, ObjectList};
use super::{Location, SourceError};
use crate::context::ClusterSpec;
use crate::engine::service::DNS_SERVICES;
use crate::engine::{NAMESPACE_NAME_LABEL, Operator, Peer, Pod, PortRef, Protocol, Selector, Snapshot, WorkloadKind};

/// A connection to the cluster the kubeconfig selects, and the runtime its calls run on.
pub struct Live {
    runtime: tokio::runtime::Runtime,
    conn: Connection,
    default_namespace: String,
    notes: Vec<String>,
}

/// What `why` asks about.
#[derive(Debug, Clone, Copy)]
pub struct Flow<'a> {
    pub from: &'a ObjectRef,
    pub to: &'a ObjectRef,
    /// The destination port named, if any, and its protocol. The Services of the destination's
    /// namespace are then read too when a Service port may have been asked where the target port
    /// was meant, or a policy may name a Service port: so that it can be pointed out.
    pub port: Option<(&'a PortRef, Protocol)>,
}

impl Live {
    /// Connects as kubectl would. `namespace` is `-n`; without it the kubeconfig context's
    /// namespace is the default, then `default`.
    pub fn connect(spec: &ClusterSpec, env: &KubeEnv, namespace: Option<&str>) -> Result<Live, SourceError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClusterError::Other { what: "starting the I/O runtime".into(), message: e.to_string() })?;
        let conn = runtime.block_on(super::cluster::connect(spec, env))?;
        let default_namespace = namespace.map(str::to_string).unwrap_or_else(|| conn.namespace.clone());
        Ok(Live { runtime, conn, default_namespace, notes: Vec::new() })
    }

    /// `-n`, else the kubeconfig context's namespace, else `default`.
    pub fn default_namespace(&self) -> &str {
        &self.default_namespace
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Which APIs the server serves: one request (`GET /apis`) the first time anything asks during
    /// this command, none after (`discovery::discover`; the async readers ask it directly).
    pub fn discovery(&self) -> Result<&Discovery, SourceError> {
        self.runtime.block_on(super::discovery::discover(&self.conn))
    }

    /// What was skipped since the last call, and why (a forbidden read that only fed a caveat or
    /// a hint). Sentences without a trailing period.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// The snapshot `why` evaluates `flow` on. When an endpoint does not exist, the snapshot holds
    /// what the resolver needs to say so and suggest close names; a namespace that does not exist
    /// is an error here.
    pub fn flow(&mut self, flow: Flow<'_>) -> Result<Snapshot, SourceError> {
        let Live { runtime, conn, notes, .. } = self;
        let (responses, missing, unread) = runtime.block_on(read_flow(conn, flow, notes))?;
        let mut snapshot = build(&responses)?;
        snapshot.unread_cluster_policies = unread;
        if let Some(target) = missing {
            // The server answered 404 for this endpoint: it does not exist, even if a list read
            // for suggestions (an inconsistent or lagging server) shows it; evaluating it on a
            // snapshot without its policies would answer for a pod nobody isolates.
            forget(&mut snapshot, target);
        }
        Ok(snapshot)
    }

    /// The snapshot `matrix` evaluates: pods (whole), policies and namespaces of `namespaces`
    /// (`None`: all), and the DaemonSets that tell the network plugin.
    pub fn scope(&mut self, namespaces: Option<&[String]>) -> Result<Snapshot, SourceError> {
        let Live { runtime, conn, notes, .. } = self;
        runtime.block_on(read_scope(conn, namespaces, Pods::Whole, notes))
    }

    /// The snapshot `list` evaluates: like `scope`, but pods are read metadata-only (names and
    /// labels), page by page. Only when the policies read make the answer depend on the pods'
    /// addresses or ports (`coverage::needs_pod_details`) are the pods of the whole cluster read
    /// again, whole: "every pod IP" means every pod's.
    pub fn coverage(&mut self, namespaces: Option<&[String]>) -> Result<Snapshot, SourceError> {
        let Live { runtime, conn, notes, .. } = self;
        let mut snapshot = runtime.block_on(read_scope(conn, namespaces, Pods::MetadataOnly, notes))?;
        if crate::engine::coverage::needs_pod_details(&snapshot) {
            snapshot.pods = runtime.block_on(read_whole_pods(conn, namespaces, notes))?;
        }
        Ok(snapshot)
    }

    /// The snapshot `audit`, `diff` and `init --flows` evaluate observed flows on: the pods
    /// (whole), NetworkPolicies, Deployments, StatefulSets and CronJobs of `namespaces` (`None`:
    /// all) that exist (a namespace named by old flows may be gone), every namespace's labels, the
    /// DaemonSets (workloads and the network plugin), the nodes (addresses seen in flows) and the
    /// cluster-wide tiers' policies (`read_cluster_policies`).
    pub fn workloads_scope(&mut self, namespaces: Option<&[String]>) -> Result<Snapshot, SourceError> {
        let Live { runtime, conn, notes, .. } = self;
        runtime.block_on(read_workloads_scope(conn, namespaces, notes))
    }

    /// `workloads_scope`, and other reads (the kit's detection) concurrently with it.
    pub fn workloads_scope_and<T>(
        &mut self,
        namespaces: Option<&[String]>,
        other: impl AsyncFnOnce(&Connection) -> T,
    ) -> (Result<Snapshot, SourceError>, T) {
        let Live { runtime, conn, notes, .. } = self;
        runtime.block_on(async { tokio::join!(read_workloads_scope(conn, namespaces, notes), other(conn)) })
    }

    /// Runs other reads (the kit's detection) on this connection and runtime.
    pub fn block_on<T>(&mut self, f: impl AsyncFnOnce(&Connection) -> T) -> T {
        let Live { runtime, conn, .. } = self;
        runtime.block_on(f(conn))
    }
}

// ---------------------------------------------------------------------------------------------
// Responses and the snapshot they make
// ---------------------------------------------------------------------------------------------

/// One response text: a single object, or one page of a list.
struct Response {
    resource: Resource,
    list: bool,
    metadata_only: bool,
    text: String,
}

#[derive(Default)]
struct Responses(Vec<Response>);

impl Responses {
    fn object(&mut self, resource: Resource, text: String) {
        self.0.push(Response { resource, list: false, metadata_only: false, text });
    }

    fn pages(&mut self, resource: Resource, pages: Vec<String>) {
        self.0.extend(pages.into_iter().map(|text| Response { resource, list: true, metadata_only: false, text }));
    }

    fn metadata_pages(&mut self, resource: Resource, pages: Vec<String>) {
        self.0.extend(pages.into_iter().map(|text| Response { resource, list: true, metadata_only: true, text }));
    }

    fn extend(&mut self, other: Responses) {
        self.0.extend(other.0);
    }
}

/// The snapshot of what was read, in the API's order (by namespace, then name) whatever order
/// the reads were made in. An object read both metadata-only and whole keeps its whole version.
fn build(responses: &Responses) -> Result<Snapshot, SourceError> {
    let mut builder = SnapshotBuilder::new("default");
    let metadata_first =
        responses.0.iter().filter(|r| r.metadata_only).chain(responses.0.iter().filter(|r| !r.metadata_only));
    for r in metadata_first {
        add(&mut builder, r)?;
    }
    Ok(finish(builder))
}

/// Every resource the live source reads, for [`decode_response`].
const RESOURCES: [Resource; 12] = [
    fetch::NAMESPACES,
    fetch::PODS,
    fetch::NETWORK_POLICIES,
    fetch::SERVICES,
    fetch::ENDPOINT_SLICES,
    fetch::NODES,
    fetch::DEPLOYMENTS,
    fetch::STATEFULSETS,
    fetch::DAEMONSETS,
    fetch::REPLICASETS,
    fetch::JOBS,
    fetch::CRONJOBS,
];

/// Decodes one response as the live source does: `selector` picks the resource (its value
/// modulo 12) and the form (bit 4: a list page, else one object; bit 5: metadata-only). For the
/// fuzz target of API pages (`crate::fuzzing::api_page`).
#[doc(hidden)]
pub fn decode_response(selector: u8, text: &str) -> Result<Snapshot, SourceError> {
    let resource = RESOURCES[usize::from(selector) % RESOURCES.len()];
    let list = selector & 0x10 != 0;
    let metadata_only = selector & 0x20 != 0;
    build(&Responses(vec![Response { resource, list, metadata_only, text: text.to_string() }]))
}

/// Adds the objects of one response.
fn add(builder: &mut SnapshotBuilder, r: &Response) -> Result<(), SourceError> {
    let at = Location::default();
    if let Some(kind) = super::calico::of_resource(&r.resource) {
        return each::<super::calico::CalicoObject>(r, |o| builder.add_calico(kind, o, &at));
    }
    match r.resource.plural {
        "namespaces" => each::<wire::Namespace>(r, |o| builder.add_namespace(o, &at)),
        "pods" => each::<wire::Pod>(r, |o| builder.add_pod(o, &at)),
        "networkpolicies" => each::<super::netpol::NetworkPolicy>(r, |o| builder.add_network_policy(o, &at)),
        "services" => each::<wire::Service>(r, |o| builder.add_service(o, &at)),
        "endpointslices" => each::<wire::EndpointSlice>(r, |o| builder.add_endpoint_slice(o, &at)),
        "nodes" => each::<wire::Node>(r, |o| builder.add_node(o, &at)),
        "ciliumnetworkpolicies" => {
            each::<super::cilium::CiliumNetworkPolicy>(r, |o| builder.add_cilium_policy(false, o, &at))
        }
        "ciliumclusterwidenetworkpolicies" => {
            each::<super::cilium::CiliumNetworkPolicy>(r, |o| builder.add_cilium_policy(true, o, &at))
        }
        "ciliumcidrgroups" => each::<super::cilium::CiliumCidrGroup>(r, |o| builder.add_cilium_cidr_group(o, &at)),
        "adminnetworkpolicies" | "baselineadminnetworkpolicies" | "clusternetworkpolicies" => {
            let (kind, schema) = tiers::of_resource(&r.resource).expect("a resource of the tiers module");
            each::<tiers::ClusterPolicyObject>(r, |o| builder.add_cluster_policy(kind, schema, o, &at))
        }
        plural => {
            let kind = workload_kind(plural).expect("only the resources named in this module are read");
            each::<wire::Workload>(r, |o| builder.add_workload(kind, o, &at))
        }
    }
}

/// The snapshot, every list in the API's order.
fn finish(builder: SnapshotBuilder) -> Snapshot {
    let mut snapshot = builder.finish();
    snapshot.pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    snapshot.policies.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    snapshot.services.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    snapshot.workloads.sort_by(|a, b| (&a.namespace, &a.name, a.kind).cmp(&(&b.namespace, &b.name, b.kind)));
    snapshot.nodes.sort_by(|a, b| a.name.cmp(&b.name));
    snapshot.cilium_policies.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    snapshot.daemonsets.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    snapshot
}

/// Decodes a response into objects of type `T` and hands each to `add`.
fn each<'t, T: Deserialize<'t>>(
    r: &'t Response,
    add: impl FnMut(T) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let objects = if r.list {
        serde_json::from_str::<ObjectList<'t, T>>(&r.text).map(|list| list.items.unwrap_or_default())
    } else {
        serde_json::from_str::<T>(&r.text).map(|object| vec![object])
    }
    .map_err(|e| fetch::unexpected(&r.resource, &wire::without_position(&e)))?;
    objects.into_iter().try_for_each(add)
}

fn workload_resource(kind: WorkloadKind) -> Resource {
    match kind {
        WorkloadKind::Deployment => fetch::DEPLOYMENTS,
        WorkloadKind::StatefulSet => fetch::STATEFULSETS,
        WorkloadKind::DaemonSet => fetch::DAEMONSETS,
        WorkloadKind::ReplicaSet => fetch::REPLICASETS,
        WorkloadKind::Job => fetch::JOBS,
        WorkloadKind::CronJob => fetch::CRONJOBS,
    }
}

fn workload_kind(plural: &str) -> Option<WorkloadKind> {
    WorkloadKind::ALL.into_iter().find(|k| workload_resource(*k).plural == plural)
}

/// A selector in the API's `labelSelector` syntax: `app=web,tier in (a,b),!legacy`.
pub fn selector_query(selector: &Selector) -> String {
    let mut parts: Vec<String> = selector.match_labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    for r in &selector.match_expressions {
        parts.push(match r.operator {
            Operator::In => format!("{} in ({})", r.key, r.values.join(",")),
            Operator::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
            Operator::Exists => r.key.clone(),
            Operator::DoesNotExist => format!("!{}", r.key),
        });
    }
    parts.join(",")
}

/// The `labelSelector` matching exactly these namespaces, through the name label the API server
/// puts on every namespace: one request for any number of them.
fn namespaces_query(names: &[&str]) -> String {
    format!("{NAMESPACE_NAME_LABEL} in ({})", names.join(","))
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

type Read<T> = Result<T, SourceError>;

async fn get(conn: &Connection, resource: Resource, namespace: Option<&str>, name: &str) -> Read<Option<String>> {
    fetch::get(conn, &resource, namespace, name).await
}

async fn list(
    conn: &Connection,
    resource: Resource,
    namespace: Option<&str>,
    options: ListOptions<'_>,
) -> Read<Vec<String>> {
    fetch::list(conn, &resource, namespace, &options).await
}

fn all() -> ListOptions<'static> {
    ListOptions::default()
}

fn labelled(selector: &str) -> ListOptions<'_> {
    ListOptions { label_selector: Some(selector), ..ListOptions::default() }
}

fn named(field_selector: &str) -> ListOptions<'_> {
    ListOptions { field_selector: Some(field_selector), metadata_only: true, ..ListOptions::default() }
}

fn metadata_only_options() -> ListOptions<'static> {
    ListOptions { metadata_only: true, ..ListOptions::default() }
}

fn is_forbidden(e: &SourceError) -> bool {
    matches!(e, SourceError::Cluster(c) if matches!(**c, ClusterError::Forbidden { .. }))
}

/// A read that only feeds a caveat or a hint: when forbidden, it is skipped with a note saying
/// what is missing because of it and how to check the permission.
fn optional<T>(result: Read<T>, notes: &mut Vec<String>, consequence: &str) -> Read<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(SourceError::Cluster(e)) if matches!(*e, ClusterError::Forbidden { .. }) => {
            if let ClusterError::Forbidden { verb, resource, scope, check, .. } = *e {
                let note = format!("not allowed to {verb} {resource}{scope}, so {consequence} (check with: {check})");
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// A read that only makes an answer better (the DNS hint, names to suggest): skipped without a
/// word when forbidden.
fn quiet<T>(result: Read<T>) -> Read<Option<T>> {
    match result {
        Err(e) if is_forbidden(&e) => Ok(None),
        other => other.map(Some),
    }
}

/// Like `quiet`, and also skipped when the API server does not support the request (400: a field
/// selector older servers do not know).
fn quiet_unsupported<T>(result: Read<T>) -> Read<Option<T>> {
    match result {
        Err(SourceError::Cluster(e)) if e.status() == Some(400) => Ok(None),
        other => quiet(other),
    }
}

/// Runs futures of one type concurrently on this thread; outputs in input order.
pub(crate) async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future has finished")).collect()
}

const NO_PLUGIN: &str = "the network plugin was not identified (whether it enforces NetworkPolicy is unknown)";
const NO_NAMESPACE_LABELS: &str =
    "namespace labels were not read (namespaceSelectors are matched on kubernetes.io/metadata.name only)";

/// The cluster-wide policies: which of their APIs the server serves (the one shared discovery
/// request), then one read per kind served: the AdminNetworkPolicies, the
/// BaselineAdminNetworkPolicy `default`, the ClusterNetworkPolicies in the preferred version this
/// tool reads. A cluster that serves none of them pays the discovery only. A read RBAC forbids
/// is a note, and the kind is returned among the unread ones, for a caveat on every verdict.
async fn read_cluster_policies(conn: &Connection, notes: &mut Vec<String>) -> Read<(Responses, Vec<String>)> {
    let discovery = super::discovery::discover(conn).await?;
    let mut responses = Responses::default();
    let mut unread = Vec::new();
    if let Some(note) = discovery.unknown() {
        let note = note.to_string();
        if !notes.contains(&note) {
            notes.push(note);
        }
        unread.push("AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy".to_string());
        return Ok((responses, unread));
    }
    let anp = discovery.served(tiers::GROUP, "v1alpha1", "adminnetworkpolicies");
    let banp = discovery.served(tiers::GROUP, "v1alpha1", "baselineadminnetworkpolicies");
    let cnp = match discovery.preferred(tiers::GROUP, "clusternetworkpolicies", &["v1beta1", "v1alpha2"]) {
        Some("v1beta1") => Some(tiers::CLUSTER_NETWORK_POLICIES_V1BETA1),
        Some(_) => Some(tiers::CLUSTER_NETWORK_POLICIES_V1ALPHA2),
        None => None,
    };
    let (mut calico_notes, mut calico_unread) = (Vec::new(), Vec::new());
    let (anps, banp_default, cnps, calico) = tokio::join!(
        async {
            match anp {
                true => Some(list(conn, tiers::ADMIN_NETWORK_POLICIES, None, all()).await),
                false => None,
            }
        },
        async {
            match banp {
                true => Some(get(conn, tiers::BASELINE_ADMIN_NETWORK_POLICIES, None, "default").await),
                false => None,
            }
        },
        async {
            match cnp {
                Some(resource) => Some(list(conn, resource, None, all()).await),
                None => None,
            }
        },
        read_calico(conn, discovery, &mut calico_notes, &mut calico_unread),
    );
    let consequence = |kind: &str| format!("{kind}s were not read: the verdicts ignore the cluster-wide tier they set");
    let mut pages = |kind: &str, result: Option<Read<Vec<String>>>| -> Read<Vec<String>> {
        let Some(result) = result else { return Ok(Vec::new()) };
        if let Err(e) = &result
            && is_forbidden(e)
        {
            unread.push(kind.to_string());
        }
        // Served by discovery, then 404: the CRD was removed meanwhile; nothing to read.
        let result = match result {
            Err(SourceError::Cluster(e)) if e.status() == Some(404) => Ok(Vec::new()),
            other => other,
        };
        Ok(optional(result, notes, &consequence(kind))?.unwrap_or_default())
    };
    let anps = pages("AdminNetworkPolicy", anps)?;
    let cnp_pages = pages("ClusterNetworkPolicy", cnps)?;
    let banp_text = match banp_default {
        None => None,
        Some(result) => {
            if let Err(e) = &result
                && is_forbidden(e)
            {
                unread.push("BaselineAdminNetworkPolicy".to_string());
            }
            optional(result, notes, &consequence("BaselineAdminNetworkPolicy"))?.flatten()
        }
    };
    responses.pages(tiers::ADMIN_NETWORK_POLICIES, anps);
    if let Some(resource) = cnp {
        responses.pages(resource, cnp_pages);
    }
    if let Some(text) = banp_text {
        responses.object(tiers::BASELINE_ADMIN_NETWORK_POLICIES, text);
    }
    let calico = calico?;
    add_notes(notes, calico_notes);
    unread.extend(calico_unread);
    responses.extend(calico);
    Ok((responses, unread))
}

/// Calico's tiers and policies: in `projectcalico.org/v3` when the cluster serves it, else in the
/// `crd.projectcalico.org/v1` CRDs, else nothing (no request). One list each, concurrently; a
/// read RBAC forbids is a note, and the kind is returned among the unread ones for a caveat.
async fn read_calico(
    conn: &Connection,
    discovery: &Discovery,
    notes: &mut Vec<String>,
    unread: &mut Vec<String>,
) -> Read<Responses> {
    let mut responses = Responses::default();
    let served = |group: &str, version: &str, stored: bool| {
        super::calico::resources(stored).iter().any(|(r, _)| discovery.served(group, version, r.plural))
    };
    let stored = if served("projectcalico.org", "v3", false) {
        false
    } else if served("crd.projectcalico.org", "v1", true) {
        true
    } else {
        return Ok(responses);
    };
    let group = if stored { "crd.projectcalico.org" } else { "projectcalico.org" };
    let version = if stored { "v1" } else { "v3" };
    let wanted: Vec<_> = super::calico::resources(stored)
        .into_iter()
        .filter(|(r, _)| discovery.served(group, version, r.plural))
        .collect();
    let results = join_all(wanted.iter().map(|(r, _)| list(conn, *r, None, all())).collect()).await;
    for ((resource, kind), result) in wanted.into_iter().zip(results) {
        let name = format!("Calico {}", kind.as_str());
        if let Err(e) = &result
            && is_forbidden(e)
        {
            unread.push(name.clone());
        }
        let result = match result {
            Err(SourceError::Cluster(e)) if e.status() == Some(404) => Ok(Vec::new()),
            other => other,
        };
        let consequence = format!("{name}s were not read: the verdicts ignore the Calico tiers they set");
        if let Some(pages) = optional(result, notes, &consequence)? {
            responses.pages(resource, pages);
        }
    }
    Ok(responses)
}

/// Whether a `nodes` peer of a cluster-wide policy may decide a flow with an end that is an
/// address or a host-network pod: then the Nodes are read, for their labels and addresses.
fn nodes_peer_matters(known: &Snapshot, flow: Flow<'_>) -> bool {
    let has_nodes_peer = known
        .cluster_policies
        .iter()
        .any(|p| p.egress.iter().flat_map(|r| &r.peers).any(|peer| matches!(peer, crate::engine::TierPeer::Nodes(_))));
    has_nodes_peer
        && [flow.from, flow.to].into_iter().any(|target| match target {
            ObjectRef::Ip(_) => true,
            _ => known.pods.iter().any(|p| p.host_network),
        })
}

/// `namespace "x" not found`, with the close names of the namespaces that exist.
async fn namespace_not_found(conn: &Connection, name: &str) -> SourceError {
    let mut message = format!("namespace {name:?} not found");
    let mut responses = Responses::default();
    if let Ok(Some(pages)) = quiet(list(conn, fetch::NAMESPACES, None, metadata_only_options()).await) {
        responses.metadata_pages(fetch::NAMESPACES, pages);
    }
    if let Ok(snapshot) = build(&responses) {
        let names: Vec<&str> = snapshot.namespaces.iter().map(|n| n.name.as_str()).collect();
        let close = close_names(name, &names);
        if !close.is_empty() {
            message.push_str(&format!("\n  did you mean: {}?", close.join(", ")));
        }
    }
    SourceError::NotFound(message)
}

/// Up to five names close to `name`, closest first.
fn close_names<'a>(name: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(score, c)| *score >= 0.8 || c.contains(name) || name.contains(*c))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(5).map(|(_, c)| c).collect()
}

// ---------------------------------------------------------------------------------------------
// why
// ---------------------------------------------------------------------------------------------

/// What `why` reads for `flow`, and the endpoint found missing, if any (then the responses only
/// hold what the suggestions need).
///
/// Reads that do not depend on each other go out together, in three chains that run
/// concurrently, so that the command costs as few round trips to the API server as the data
/// dependencies allow (two for a pod-to-pod question on most clusters):
/// - the endpoints and the NetworkPolicies of the namespaces they name; once those are in, what
///   the hints and caveats need (`read_flow_main`);
/// - the DaemonSets, then Cilium's policies on a cluster running Cilium (`read_plugin`);
/// - discovery, then the cluster-wide tiers' and Calico's policies (`read_cluster_policies`).
///
/// The set of requests is the one the question needs, as before; only their timing changed.
/// Every result is looked at in a fixed order once all are in, so that the error reported (and
/// the order of the notes) never depends on which answer came first.
async fn read_flow<'f>(
    conn: &Connection,
    flow: Flow<'f>,
    notes: &mut Vec<String>,
) -> Read<(Responses, Option<&'f ObjectRef>, Vec<String>)> {
    // The namespaces the endpoints name; an address's is known once its pod is found.
    let mut named: Vec<&str> = [flow.from, flow.to].into_iter().filter_map(ObjectRef::namespace).collect();
    named.sort_unstable();
    named.dedup();
    let named_scopes: Vec<Option<&str>> = named.iter().map(|ns| Some(*ns)).collect();
    let mut tier_notes = Vec::new();
    let (main, plugin, cluster_policies) = tokio::join!(
        read_flow_main(conn, flow, &named),
        read_plugin(conn, &named_scopes),
        read_cluster_policies(conn, &mut tier_notes),
    );
    let main = match main? {
        FlowMain::Missing(target, responses) => return Ok((responses, Some(target), Vec::new())),
        FlowMain::Found(main) => *main,
    };
    let FoundFlow { mut responses, policy_namespaces, unresolved_ip, address_nodes, labels, dns, services } = main;
    let (cluster_policies, unread) = cluster_policies?;
    add_notes(notes, tier_notes);
    responses.extend(cluster_policies);
    let cilium = plugin.take(&mut responses, notes)?;
    // Cilium's policies of the namespaces found through an address (none were named).
    let found: Vec<Option<&str>> =
        policy_namespaces.iter().filter(|ns| !named.contains(&ns.as_str())).map(|ns| Some(ns.as_str())).collect();
    if cilium && !found.is_empty() {
        responses.extend(read_cilium(conn, &found, false, notes).await?);
    }
    if let Some(result) = address_nodes {
        let consequence = "node addresses were not read (an address is not recognised as a node's)";
        if let Some(pages) = optional(result, notes, consequence)? {
            responses.pages(fetch::NODES, pages);
        }
    }

    // What depends on the policies of the other kinds: the Nodes, for their labels, when a
    // `nodes` peer of a cluster-wide policy may match an end; the namespace labels when only a
    // Cilium policy looks at them.
    let known = build(&responses)?;
    let tier_nodes = !unresolved_ip && nodes_peer_matters(&known, flow);
    let late_labels =
        labels.result.is_none() && known.cilium_policies.iter().any(crate::engine::cilium::consults_namespace_labels);
    let (nodes, late_namespaces) = tokio::join!(
        async {
            match tier_nodes {
                true => Some(list(conn, fetch::NODES, None, all()).await),
                false => None,
            }
        },
        async {
            match late_labels {
                true => Some(read_namespace_labels(conn, &labels.query).await),
                false => None,
            }
        },
    );
    if let Some(result) = nodes {
        let consequence = "nodes were not read (a `nodes` peer of a cluster-wide policy matches no address)";
        if let Some(pages) = optional(result, notes, consequence)? {
            responses.pages(fetch::NODES, pages);
        }
    }
    if let Some(result) = labels.result.or(late_namespaces)
        && let Some(pages) = optional(result, notes, NO_NAMESPACE_LABELS)?
    {
        responses.metadata_pages(fetch::NAMESPACES, pages);
    }
    if let Some((ns, result)) = services {
        let consequence = format!(
            "the Services of namespace {ns} were not read (a Service port asked instead of its target port is not pointed out)"
        );
        if let Some(pages) = optional(result, notes, &consequence)? {
            responses.pages(fetch::SERVICES, pages);
        }
    }
    responses.extend(dns?);
    Ok((responses, None, unread))
}

/// What the endpoints' chain of `why` read (`read_flow_main`).
enum FlowMain<'f> {
    /// An endpoint does not exist: what the suggestions need.
    Missing(&'f ObjectRef, Responses),
    Found(Box<FoundFlow<'f>>),
}

/// The endpoints and the NetworkPolicies deciding the flow, and the reads that depend on them
/// only, not yet judged (forbidden is a note, in `read_flow`'s order).
struct FoundFlow<'f> {
    responses: Responses,
    policy_namespaces: Vec<String>,
    unresolved_ip: bool,
    /// The Nodes, when an address is no pod's.
    address_nodes: Option<Read<Vec<String>>>,
    labels: NamespaceLabels,
    dns: Read<Responses>,
    services: Option<(&'f str, Read<Vec<String>>)>,
}

/// The labels of the namespaces the policies' namespaceSelectors are matched against: the query,
/// and what it read when a NetworkPolicy looks at them.
struct NamespaceLabels {
    query: String,
    result: Option<Read<Vec<String>>>,
}

async fn read_namespace_labels(conn: &Connection, query: &str) -> Read<Vec<String>> {
    list(conn, fetch::NAMESPACES, None, ListOptions { metadata_only: true, ..labelled(query) }).await
}

/// The endpoints' chain of `why`:
/// 1. the endpoints, and the NetworkPolicies of the namespaces they name (`named`);
/// 2. when an end is an address: the policies of its pod's namespace, or the Nodes when it is no
///    pod's;
/// 3. the labels of the namespaces the policies' namespaceSelectors are matched against (the
///    endpoints', and the DNS namespace's when the DNS hint applies; only when a selector looks
///    at a label other than the name, which every namespace carries), the cluster DNS for that
///    hint when the source's egress is isolated, and the Services of the destination's namespace
///    when a Service-port hint can apply.
async fn read_flow_main<'f>(conn: &Connection, flow: Flow<'f>, named: &[&str]) -> Read<FlowMain<'f>> {
    let ((from, to), named_policies) = tokio::join!(
        async { tokio::join!(read_end(conn, flow.from, false), read_end(conn, flow.to, true)) },
        join_all(named.iter().map(|ns| list(conn, fetch::NETWORK_POLICIES, Some(ns), all())).collect()),
    );
    let ((from, from_found), (to, to_found)) = (from?, to?);
    let mut responses = Responses::default();
    responses.extend(from);
    responses.extend(to);
    // Resolved in this order, so the first missing one is the one to explain.
    for (target, found) in [(flow.from, from_found), (flow.to, to_found)] {
        if !found {
            responses.extend(read_suggestions(conn, target).await?);
            return Ok(FlowMain::Missing(target, responses));
        }
    }
    for pages in named_policies {
        responses.pages(fetch::NETWORK_POLICIES, pages?);
    }

    let endpoints = build(&responses)?;
    let policy_namespaces = endpoint_namespaces(&endpoints, flow);
    let found: Vec<&str> = policy_namespaces.iter().map(String::as_str).filter(|ns| !named.contains(ns)).collect();
    let unresolved_ip = [flow.from, flow.to].into_iter().any(|target| match target {
        ObjectRef::Ip(ip) => pods_with_ip(&endpoints, *ip).next().is_none(),
        _ => false,
    });
    let (found_policies, address_nodes) = tokio::join!(
        join_all(found.iter().map(|ns| list(conn, fetch::NETWORK_POLICIES, Some(ns), all())).collect()),
        async {
            match unresolved_ip {
                true => Some(list(conn, fetch::NODES, None, all()).await),
                false => None,
            }
        },
    );
    for pages in found_policies {
        responses.pages(fetch::NETWORK_POLICIES, pages?);
    }

    let known = build(&responses)?;
    let dns = source_egress_isolated(&known, flow.from);
    let mut label_namespaces: Vec<&str> = policy_namespaces.iter().map(String::as_str).collect();
    if dns {
        label_namespaces.extend(DNS_SERVICES.iter().map(|(ns, _)| *ns));
    }
    label_namespaces.sort_unstable();
    label_namespaces.dedup();
    let query = namespaces_query(&label_namespaces);
    let needs_labels = known.policies.iter().any(consults_namespace_labels);
    let services_namespace = match flow.to {
        ObjectRef::Pod { namespace, .. } | ObjectRef::Workload { namespace, .. }
            if service_port_hint_possible(&known, flow) =>
        {
            Some(namespace.as_str())
        }
        _ => None,
    };
    let (namespaces, dns_responses, services) = tokio::join!(
        async {
            match needs_labels {
                true => Some(read_namespace_labels(conn, &query).await),
                false => None,
            }
        },
        async {
            match dns {
                true => read_dns(conn, &known).await,
                false => Ok(Responses::default()),
            }
        },
        async {
            match services_namespace {
                Some(ns) => Some((ns, list(conn, fetch::SERVICES, Some(ns), all()).await)),
                None => None,
            }
        },
    );
    Ok(FlowMain::Found(Box::new(FoundFlow {
        responses,
        policy_namespaces,
        unresolved_ip,
        address_nodes,
        labels: NamespaceLabels { query, result: namespaces },
        dns: dns_responses,
        services,
    })))
}

/// Drops `target` from a snapshot read for suggestions, so that the resolver reports it missing.
fn forget(snapshot: &mut Snapshot, target: &ObjectRef) {
    match target {
        ObjectRef::Pod { namespace, name } => snapshot.pods.retain(|p| !(p.namespace == *namespace && p.name == *name)),
        ObjectRef::Workload { kind, namespace, name } => {
            snapshot.workloads.retain(|w| !(w.kind == *kind && w.namespace == *namespace && w.name == *name))
        }
        ObjectRef::Service { namespace, name } => {
            snapshot.services.retain(|s| !(s.namespace == *namespace && s.name == *name))
        }
        ObjectRef::Ip(_) => {}
    }
}

/// Reads one endpoint (`destination`: it is TO, which may be a Service's ClusterIP); the flag
/// returned says whether it exists.
async fn read_end(conn: &Connection, target: &ObjectRef, destination: bool) -> Read<(Responses, bool)> {
    let mut responses = Responses::default();
    let found = match target {
        ObjectRef::Pod { namespace, name } => match get(conn, fetch::PODS, Some(namespace), name).await? {
            Some(text) => {
                responses.object(fetch::PODS, text);
                true
            }
            None => false,
        },
        ObjectRef::Workload { kind, namespace, name } => {
            let resource = workload_resource(*kind);
            match get(conn, resource, Some(namespace), name).await? {
                Some(text) => {
                    responses.object(resource, text);
                    // Its pods, through its selector (validated by the conversion first).
                    let workload = build(&responses)?;
                    let selector = workload.workloads.first().map(|w| selector_query(&w.selector)).unwrap_or_default();
                    responses.pages(fetch::PODS, list(conn, fetch::PODS, Some(namespace), labelled(&selector)).await?);
                    true
                }
                None => false,
            }
        }
        ObjectRef::Service { namespace, name } => {
            // All of the namespace's Services: the one asked about, the names to suggest when it
            // does not exist, and the Services selecting the backends for the Service-port hint.
            responses.pages(fetch::SERVICES, list(conn, fetch::SERVICES, Some(namespace), all()).await?);
            let services = build(&responses)?;
            match services.services.iter().find(|s| s.name == *name) {
                None => false,
                Some(service) => {
                    match &service.selector {
                        Some(selector) => {
                            let query: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
                            let pods = list(conn, fetch::PODS, Some(namespace), labelled(&query.join(","))).await?;
                            responses.pages(fetch::PODS, pods);
                        }
                        // Without a selector, its EndpointSlices name the backends.
                        None => {
                            let by_service = format!("{SERVICE_NAME_LABEL}={name}");
                            let slices =
                                list(conn, fetch::ENDPOINT_SLICES, Some(namespace), labelled(&by_service)).await?;
                            responses.pages(fetch::ENDPOINT_SLICES, slices);
                            let joined = build(&responses)?;
                            let mut pods: Vec<&str> = joined
                                .services
                                .iter()
                                .filter(|s| s.name == *name)
                                .flat_map(|s| s.endpoints.iter().filter_map(|e| e.pod.as_deref()))
                                .collect();
                            pods.sort_unstable();
                            pods.dedup();
                            let read =
                                join_all(pods.iter().map(|pod| get(conn, fetch::PODS, Some(namespace), pod)).collect())
                                    .await;
                            for pod in read {
                                if let Some(text) = pod? {
                                    responses.object(fetch::PODS, text);
                                }
                            }
                        }
                    }
                    true
                }
            }
        }
        ObjectRef::Ip(ip) => {
            let by_ip = format!("status.podIP={ip}");
            let options = ListOptions { field_selector: Some(&by_ip), ..all() };
            responses.pages(fetch::PODS, list(conn, fetch::PODS, None, options).await?);
            // Not a pod's: perhaps a Service's ClusterIP, which stands for the Service's backends
            // (API servers before 1.31 cannot select Services by ClusterIP; then it stays an
            // address).
            if destination && pods_with_ip(&build(&responses)?, *ip).next().is_none() {
                let by_cluster_ip = format!("spec.clusterIP={ip}");
                let options = ListOptions { field_selector: Some(&by_cluster_ip), ..all() };
                if let Some(pages) = quiet_unsupported(list(conn, fetch::SERVICES, None, options).await)? {
                    responses.pages(fetch::SERVICES, pages);
                    let found = build(&responses)?;
                    if let Some(selector) = found
                        .services
                        .iter()
                        .find(|s| s.cluster_ips.contains(ip))
                        .and_then(|s| s.selector.as_ref().map(|sel| (s.namespace.clone(), sel.clone())))
                    {
                        let (namespace, selector) = selector;
                        let query: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        let pods = list(conn, fetch::PODS, Some(&namespace), labelled(&query.join(","))).await?;
                        responses.pages(fetch::PODS, pods);
                    }
                }
            }
            true
        }
    };
    Ok((responses, found))
}

/// Pods that own `ip` (host-network pods share their node's address and do not).
fn pods_with_ip(snapshot: &Snapshot, ip: IpAddr) -> impl Iterator<Item = &Pod> {
    snapshot.pods.iter().filter(move |p| p.ips.contains(&ip) && !p.host_network)
}

/// The namespaces whose policies decide the flow: those of the endpoints' pods.
fn endpoint_namespaces(snapshot: &Snapshot, flow: Flow<'_>) -> Vec<String> {
    let mut namespaces = Vec::new();
    for target in [flow.from, flow.to] {
        match target {
            ObjectRef::Ip(ip) => namespaces.extend(pods_with_ip(snapshot, *ip).map(|p| p.namespace.clone())),
            other => namespaces.extend(other.namespace().map(str::to_string)),
        }
    }
    namespaces.sort();
    namespaces.dedup();
    namespaces
}

/// Whether some policy isolates the egress of a pod the source may resolve to (a pod, a
/// workload's pods or template, the pod owning an address), which is when the DNS hint applies.
fn source_egress_isolated(snapshot: &Snapshot, from: &ObjectRef) -> bool {
    let mut candidates: Vec<(&str, &crate::engine::Labels, bool)> = Vec::new();
    match from {
        ObjectRef::Pod { namespace, name } => candidates.extend(
            snapshot
                .pods
                .iter()
                .filter(|p| p.namespace == *namespace && p.name == *name)
                .map(|p| (p.namespace.as_str(), &*p.labels, p.host_network)),
        ),
        ObjectRef::Workload { kind, namespace, name } => {
            for w in
                snapshot.workloads.iter().filter(|w| w.kind == *kind && w.namespace == *namespace && w.name == *name)
            {
                candidates.push((w.namespace.as_str(), &w.template_labels, w.host_network));
                candidates.extend(
                    snapshot
                        .pods
                        .iter()
                        .filter(|p| p.namespace == w.namespace && w.selector.matches(&p.labels))
                        .map(|p| (p.namespace.as_str(), &*p.labels, p.host_network)),
                );
            }
        }
        ObjectRef::Ip(ip) => {
            candidates.extend(pods_with_ip(snapshot, *ip).map(|p| (p.namespace.as_str(), &*p.labels, p.host_network)))
        }
        ObjectRef::Service { .. } => {}
    }
    candidates.iter().any(|(namespace, labels, host_network)| {
        !host_network
            && snapshot
                .policies
                .iter()
                .any(|p| p.namespace == *namespace && p.types.egress && p.pod_selector.matches(labels))
    })
}

/// Whether a policy has a namespaceSelector that looks at labels (`{}` selects every namespace
/// whatever its labels).
fn consults_namespace_labels(policy: &crate::engine::Policy) -> bool {
    policy.ingress.iter().chain(&policy.egress).flat_map(|rule| &rule.peers).any(|peer| {
        matches!(peer, Peer::Selectors { namespace_selector: Some(selector), .. } if !selector.only_names_namespaces())
    })
}

/// Whether a Service-port hint can apply to the flow, from what was read: a number asked that some
/// destination pod does not listen on (it may be a Service's port), or a policy of the
/// destination's namespace allowing ingress on a number other than the one asked (it may be a
/// Service's port where the target port was meant).
fn service_port_hint_possible(known: &Snapshot, flow: Flow<'_>) -> bool {
    let Some((port, protocol)) = flow.port else { return false };
    let Some(namespace) = flow.to.namespace() else { return false };
    let asked = match port {
        PortRef::Number(n) => Some(*n),
        PortRef::Name(_) => None,
    };
    let destinations: Vec<&[crate::engine::ContainerPort]> = match flow.to {
        ObjectRef::Pod { name, .. } => {
            known.pods.iter().filter(|p| p.namespace == namespace && p.name == *name).map(|p| &*p.ports).collect()
        }
        ObjectRef::Workload { kind, name, .. } => {
            let workload =
                known.workloads.iter().find(|w| w.kind == *kind && w.namespace == namespace && w.name == *name);
            match workload {
                Some(w) => {
                    let pods: Vec<&[crate::engine::ContainerPort]> = known
                        .pods
                        .iter()
                        .filter(|p| p.namespace == namespace && w.selector.matches(&p.labels))
                        .map(|p| &*p.ports)
                        .collect();
                    if pods.is_empty() { vec![&*w.template_ports] } else { pods }
                }
                None => Vec::new(),
            }
        }
        _ => return false,
    };
    let undeclared = match asked {
        Some(n) => {
            destinations.is_empty()
                || destinations.iter().any(|ports| !ports.iter().any(|cp| cp.port == n && cp.protocol == protocol))
        }
        None => false,
    };
    let other_number = known.policies.iter().filter(|p| p.namespace == namespace && p.types.ingress).any(|p| {
        p.ingress
            .iter()
            .flat_map(|r| &r.ports)
            .any(|pp| pp.protocol == protocol && matches!(pp.port, Some(PortRef::Number(n)) if asked != Some(n)))
    });
    undeclared || other_number
}

/// The cluster DNS as the engine looks for it (`engine::service::dns_targets`): the
/// `k8s-app=kube-dns` pods of kube-system, whose named ports are the real target ports (one
/// request on nearly every distribution); only when there are none, the first of the other
/// well-known DNS Services that exists and has a selector, and its pods. Skipped without a word
/// when forbidden.
async fn read_dns(conn: &Connection, known: &Snapshot) -> Read<Responses> {
    let mut responses = Responses::default();
    if let Some(pages) = quiet(list(conn, fetch::PODS, Some("kube-system"), labelled("k8s-app=kube-dns")).await)? {
        responses.pages(fetch::PODS, pages);
        if !build(&responses)?.pods.is_empty() {
            return Ok(responses);
        }
    }
    for (namespace, name) in DNS_SERVICES {
        let service = match known.services.iter().find(|s| s.namespace == *namespace && s.name == *name) {
            Some(service) => service.clone(),
            None => {
                let Some(Some(text)) = quiet(get(conn, fetch::SERVICES, Some(namespace), name).await)? else {
                    continue;
                };
                let mut own = Responses::default();
                own.object(fetch::SERVICES, text);
                let Some(service) = build(&own)?.services.pop() else { continue };
                responses.extend(own);
                service
            }
        };
        let Some(selector) = &service.selector else { continue };
        let query: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if let Some(pages) = quiet(list(conn, fetch::PODS, Some(namespace), labelled(&query.join(","))).await)? {
            responses.pages(fetch::PODS, pages);
        }
        break;
    }
    Ok(responses)
}

/// When an endpoint does not exist: its namespace must (else that is the error), and the names
/// the resolver suggests are read: the namespace's pods (or objects of the kind asked), where
/// else that name exists, and the workloads of that name. Metadata only, except for workloads
/// read by name.
async fn read_suggestions(conn: &Connection, target: &ObjectRef) -> Read<Responses> {
    let mut responses = Responses::default();
    let (Some(namespace), name, kind) = (match target {
        ObjectRef::Pod { namespace, name } => (Some(namespace), name, None),
        ObjectRef::Workload { kind, namespace, name } => (Some(namespace), name, Some(*kind)),
        ObjectRef::Service { namespace, name } => (Some(namespace), name, None),
        ObjectRef::Ip(_) => return Ok(responses),
    }) else {
        return Ok(responses);
    };
    match get(conn, fetch::NAMESPACES, None, namespace).await {
        Ok(Some(text)) => responses.object(fetch::NAMESPACES, text),
        Ok(None) => return Err(namespace_not_found(conn, namespace).await),
        Err(e) if is_forbidden(&e) => {}
        Err(e) => return Err(e),
    }
    if matches!(target, ObjectRef::Service { .. }) {
        return Ok(responses);
    }
    let resource = kind.map(workload_resource).unwrap_or(fetch::PODS);
    let by_name = format!("metadata.name={name}");
    let others: Vec<Resource> =
        WorkloadKind::ALL.into_iter().filter(|k| Some(*k) != kind).map(workload_resource).collect();
    let (here, elsewhere, workloads) = tokio::join!(
        list(conn, resource, Some(namespace), metadata_only_options()),
        list(conn, resource, None, named(&by_name)),
        join_all(others.iter().map(|r| get(conn, *r, Some(namespace), name)).collect()),
    );
    for pages in [here, elsewhere] {
        if let Some(pages) = quiet(pages)? {
            responses.metadata_pages(resource, pages);
        }
    }
    for (resource, text) in others.into_iter().zip(workloads) {
        if let Some(Some(text)) = quiet(text)? {
            responses.object(resource, text);
        }
    }
    Ok(responses)
}

// ---------------------------------------------------------------------------------------------
// matrix and list
// ---------------------------------------------------------------------------------------------

/// How pods are read: whole (`matrix` needs their ports and addresses) or metadata-only (`list`
/// needs names and labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pods {
    Whole,
    MetadataOnly,
}

/// Lists pods page by page into `builder`.
async fn read_pods_into(
    conn: &Connection,
    namespace: Option<&str>,
    options: &ListOptions<'_>,
    builder: &std::cell::RefCell<SnapshotBuilder>,
) -> Read<()> {
    fetch::list_pages(conn, &fetch::PODS, namespace, options, |text| {
        let page = Response { resource: fetch::PODS, list: true, metadata_only: options.metadata_only, text };
        add(&mut builder.borrow_mut(), &page)
    })
    .await
}

/// Every pod of the cluster, whole, page by page; when the cluster-wide list is forbidden, the
/// pods of `namespaces` with a note.
async fn read_whole_pods(conn: &Connection, namespaces: Option<&[String]>, notes: &mut Vec<String>) -> Read<Vec<Pod>> {
    let builder = std::cell::RefCell::new(SnapshotBuilder::new("default"));
    let options = all();
    match read_pods_into(conn, None, &options, &builder).await {
        Ok(()) => {}
        Err(e) if is_forbidden(&e) && namespaces.is_some() => {
            let _ = optional::<()>(
                Err(e),
                notes,
                "only the pods of the namespaces named count as every pod of the cluster for ipBlock rules",
            )?;
            let (builder, options) = (&builder, &options);
            let scope = namespaces.unwrap_or_default();
            let reads =
                join_all(scope.iter().map(|ns| read_pods_into(conn, Some(ns), options, builder)).collect()).await;
            for read in reads {
                read?;
            }
        }
        Err(e) => return Err(e),
    }
    Ok(finish(builder.into_inner()).pods)
}

/// Reads the scope into a snapshot. Pods are added page by page as they arrive: `list` in a
/// cluster of 100,000 pods holds one page of text at a time, never the whole list.
async fn read_scope(
    conn: &Connection,
    namespaces: Option<&[String]>,
    pods: Pods,
    notes: &mut Vec<String>,
) -> Read<Snapshot> {
    let metadata_only = pods == Pods::MetadataOnly;
    let pod_options = ListOptions { metadata_only, ..all() };
    let names: Vec<&str> = namespaces.unwrap_or_default().iter().map(String::as_str).collect();
    let query = namespaces_query(&names);
    let namespace_options = match namespaces {
        None => metadata_only_options(),
        Some(_) => ListOptions { metadata_only: true, ..labelled(&query) },
    };
    let scopes: Vec<Option<&str>> = match namespaces {
        None => vec![None],
        Some(_) => names.iter().map(|n| Some(*n)).collect(),
    };
    let builder = std::cell::RefCell::new(SnapshotBuilder::new("default"));
    let mut tier_notes = Vec::new();
    let (namespace_pages, pod_pages, policy_pages, plugin, cluster_policies) = tokio::join!(
        list(conn, fetch::NAMESPACES, None, namespace_options),
        join_all(scopes.iter().map(|ns| read_pods_into(conn, *ns, &pod_options, &builder)).collect()),
        join_all(scopes.iter().map(|ns| list(conn, fetch::NETWORK_POLICIES, *ns, all())).collect()),
        read_plugin(conn, &scopes),
        read_cluster_policies(conn, &mut tier_notes),
    );
    let (cluster_policies, unread) = cluster_policies?;
    notes.extend(tier_notes);
    for read in pod_pages {
        read?;
    }
    let mut responses = Responses::default();
    match optional(namespace_pages, notes, NO_NAMESPACE_LABELS)? {
        Some(pages) => {
            responses.metadata_pages(fetch::NAMESPACES, pages);
            let read = build(&responses)?;
            if let Some(missing) = names.iter().find(|n| read.namespace(n).is_none()) {
                return Err(namespace_not_found(conn, missing).await);
            }
        }
        // Someone who may read only their own namespaces still gets a row for each one named,
        // pods or not: that it exists is taken on trust, as its pods and policies could be read.
        None if pods == Pods::MetadataOnly => {
            for name in &names {
                responses.object(fetch::NAMESPACES, serde_json::json!({ "metadata": { "name": name } }).to_string());
            }
        }
        None => {}
    }
    for pages in policy_pages {
        responses.pages(fetch::NETWORK_POLICIES, pages?);
    }
    plugin.take(&mut responses, notes)?;
    responses.extend(cluster_policies);
    let mut builder = builder.into_inner();
    for r in &responses.0 {
        add(&mut builder, r)?;
    }
    let mut snapshot = finish(builder);
    // Host-network pods are matched by `nodes` peers through their node: read the Nodes then.
    let nodes_peer = snapshot
        .cluster_policies
        .iter()
        .any(|p| p.egress.iter().flat_map(|r| &r.peers).any(|peer| matches!(peer, crate::engine::TierPeer::Nodes(_))));
    if nodes_peer && snapshot.pods.iter().any(|p| p.host_network) {
        let consequence = "nodes were not read (a `nodes` peer of a cluster-wide policy matches no host-network pod)";
        if let Some(pages) = optional(list(conn, fetch::NODES, None, all()).await, notes, consequence)? {
            let mut nodes = Responses::default();
            nodes.pages(fetch::NODES, pages);
            snapshot.nodes = build(&nodes)?.nodes;
        }
    }
    snapshot.unread_cluster_policies = unread;
    Ok(snapshot)
}

/// Whether the DaemonSets read (list pages) show Cilium as the network plugin: only then are
/// Cilium's policies enforced, and looked for (when the DaemonSets could not be read, they are
/// looked for anyway).
fn runs_cilium(pages: &[String]) -> Read<bool> {
    let mut daemonsets = Responses::default();
    daemonsets.pages(fetch::DAEMONSETS, pages.to_vec());
    let snapshot = build(&daemonsets)?;
    Ok(crate::engine::cni::detect(&snapshot.daemonsets)
        .detected
        .iter()
        .any(|d| d.plugin == crate::engine::cni::Plugin::Cilium))
}

/// The DaemonSets (they tell the network plugin), then Cilium's policies of `scopes` (and the
/// cluster-wide ones) when the plugin is Cilium or could not be told: one chain, so that it runs
/// concurrently with the other reads. Nothing is judged here: [`Plugin::take`] does, in order.
async fn read_plugin(conn: &Connection, scopes: &[Option<&str>]) -> Plugin {
    let daemonsets = list(conn, fetch::DAEMONSETS, None, all()).await;
    let look = match &daemonsets {
        Ok(pages) => runs_cilium(pages),
        Err(e) => Ok(is_forbidden(e)),
    };
    let mut notes = Vec::new();
    let cilium = match look {
        Ok(true) => Some(read_cilium(conn, scopes, true, &mut notes).await),
        Ok(false) => None,
        Err(e) => Some(Err(e)),
    };
    Plugin { daemonsets, cilium, notes }
}

/// What [`read_plugin`] read.
struct Plugin {
    daemonsets: Read<Vec<String>>,
    /// `None`: not looked for (the plugin is not Cilium).
    cilium: Option<Read<Responses>>,
    notes: Vec<String>,
}

impl Plugin {
    /// Adds what was read to `responses` and the notes to `notes`, failing on the first error in
    /// the order the reads were chained; true when Cilium's policies were looked for.
    fn take(self, responses: &mut Responses, notes: &mut Vec<String>) -> Read<bool> {
        if let Some(pages) = optional(self.daemonsets, notes, NO_PLUGIN)? {
            responses.pages(fetch::DAEMONSETS, pages);
        }
        match self.cilium {
            Some(read) => {
                responses.extend(read?);
                add_notes(notes, self.notes);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// Appends notes not already there (concurrent reads collect theirs apart; they are merged in a
/// fixed order, so the output does not depend on which answer came first).
fn add_notes(notes: &mut Vec<String>, more: Vec<String>) {
    for note in more {
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
}

/// Cilium's policies (issue 13), on a cluster running Cilium, only when the server serves their CRDs (one shared discovery
/// request tells): the CiliumNetworkPolicies of `scopes` (`None`: every namespace), every
/// CiliumClusterwideNetworkPolicy, and the CiliumCIDRGroups they may name. A read answered 403 is
/// a note saying what is missing; when discovery itself could not be read, a note says Cilium's
/// policies were not looked for. Without `cluster_wide`, only the CiliumNetworkPolicies of
/// `scopes` (for namespaces found after the rest was read).
async fn read_cilium(
    conn: &Connection,
    scopes: &[Option<&str>],
    cluster_wide: bool,
    notes: &mut Vec<String>,
) -> Read<Responses> {
    let mut responses = Responses::default();
    let discovery = super::discovery::discover(conn).await?;
    if let Some(why) = discovery.unknown() {
        let note = format!("{why}, so Cilium's policies were not looked for (they would be evaluated if read)");
        if !notes.contains(&note) {
            notes.push(note);
        }
        return Ok(responses);
    }
    let cnp = discovery.served("cilium.io", "v2", fetch::CILIUM_NETWORK_POLICIES.plural);
    let ccnp = discovery.served("cilium.io", "v2", fetch::CILIUM_CLUSTERWIDE_NETWORK_POLICIES.plural);
    let groups = discovery.served("cilium.io", "v2alpha1", fetch::CILIUM_CIDR_GROUPS.plural);
    if !cnp && !ccnp {
        return Ok(responses);
    }
    let (ccnp, groups) = (ccnp && cluster_wide, groups && cluster_wide);
    let (namespaced, clusterwide, cidr_groups) = tokio::join!(
        join_all(
            scopes.iter().filter(|_| cnp).map(|ns| list(conn, fetch::CILIUM_NETWORK_POLICIES, *ns, all())).collect()
        ),
        async {
            match ccnp {
                true => Some(list(conn, fetch::CILIUM_CLUSTERWIDE_NETWORK_POLICIES, None, all()).await),
                false => None,
            }
        },
        async {
            match groups {
                true => Some(list(conn, fetch::CILIUM_CIDR_GROUPS, None, all()).await),
                false => None,
            }
        },
    );
    let consequence = "Cilium policies were not read, and the verdict may differ from what Cilium enforces";
    for result in namespaced {
        if let Some(pages) = optional(result, notes, consequence)? {
            responses.pages(fetch::CILIUM_NETWORK_POLICIES, pages);
        }
    }
    if let Some(result) = clusterwide
        && let Some(pages) = optional(result, notes, consequence)?
    {
        responses.pages(fetch::CILIUM_CLUSTERWIDE_NETWORK_POLICIES, pages);
    }
    if let Some(result) = cidr_groups {
        let consequence = "rules naming a CiliumCIDRGroup are not evaluated";
        if let Some(pages) = optional(result, notes, consequence)? {
            responses.pages(fetch::CILIUM_CIDR_GROUPS, pages);
        }
    }
    Ok(responses)
}

/// Each kind of `kinds` in each scope.
fn reads_of<'a>(kinds: &[Resource], scopes: &[Option<&'a str>]) -> Vec<(Resource, Option<&'a str>)> {
    scopes.iter().flat_map(|ns| kinds.iter().map(move |k| (*k, *ns))).collect()
}

/// See `Live::workloads_scope`. Every read that does not depend on which of the named namespaces
/// exist goes out with the list of namespaces: with `-A`, everything at once.
async fn read_workloads_scope(
    conn: &Connection,
    namespaces: Option<&[String]>,
    notes: &mut Vec<String>,
) -> Read<Snapshot> {
    let builder = std::cell::RefCell::new(SnapshotBuilder::new("default"));
    let kinds = [fetch::NETWORK_POLICIES, fetch::DEPLOYMENTS, fetch::STATEFULSETS, fetch::CRONJOBS];
    let pod_options = all();
    // Cluster-wide: the scope is known before anything is read.
    let early: Vec<Option<&str>> = if namespaces.is_none() { vec![None] } else { Vec::new() };
    let early_reads = reads_of(&kinds, &early);
    let mut tier_notes = Vec::new();
    let (namespace_pages, early_pods, early_lists, plugin, nodes, cluster_policies) = tokio::join!(
        list(conn, fetch::NAMESPACES, None, metadata_only_options()),
        join_all(early.iter().map(|ns| read_pods_into(conn, *ns, &pod_options, &builder)).collect()),
        join_all(early_reads.iter().map(|(resource, ns)| list(conn, *resource, *ns, all())).collect()),
        read_plugin(conn, &early),
        list(conn, fetch::NODES, None, all()),
        read_cluster_policies(conn, &mut tier_notes),
    );
    let mut responses = Responses::default();
    let namespace_pages = optional(namespace_pages, notes, NO_NAMESPACE_LABELS)?;
    // Named namespaces: those that exist (a namespace named by old flows may be gone).
    let late: Vec<Option<&str>> = match namespaces {
        None => Vec::new(),
        Some(names) => match &namespace_pages {
            Some(pages) => {
                let mut read = Responses::default();
                read.metadata_pages(fetch::NAMESPACES, pages.clone());
                let known = build(&read)?;
                names.iter().filter(|n| known.namespace(n).is_some()).map(|n| Some(n.as_str())).collect()
            }
            None => names.iter().map(|n| Some(n.as_str())).collect(),
        },
    };
    if let Some(pages) = namespace_pages {
        responses.metadata_pages(fetch::NAMESPACES, pages);
    }
    let late_reads = reads_of(&kinds, &late);
    // Cilium's policies of those namespaces, when Cilium's were looked for at all.
    let late_cilium = plugin.cilium.is_some() && !late.is_empty();
    let mut cilium_notes = Vec::new();
    let (late_pods, late_lists, cilium) = tokio::join!(
        join_all(late.iter().map(|ns| read_pods_into(conn, *ns, &pod_options, &builder)).collect()),
        join_all(late_reads.iter().map(|(resource, ns)| list(conn, *resource, *ns, all())).collect()),
        async {
            match late_cilium {
                true => Some(read_cilium(conn, &late, false, &mut cilium_notes).await),
                false => None,
            }
        },
    );
    let (cluster_policies, unread) = cluster_policies?;
    add_notes(notes, tier_notes);
    responses.extend(cluster_policies);
    for read in early_pods.into_iter().chain(late_pods) {
        read?;
    }
    for ((resource, _), pages) in early_reads.iter().chain(&late_reads).zip(early_lists.into_iter().chain(late_lists)) {
        responses.pages(*resource, pages?);
    }
    // On Cilium, its policies decide as much as NetworkPolicy: read them as `why` does.
    plugin.take(&mut responses, notes)?;
    if let Some(read) = cilium {
        responses.extend(read?);
        add_notes(notes, cilium_notes);
    }
    let consequence = "node addresses were not read (an address in the flows is not recognised as a node's)";
    if let Some(pages) = optional(nodes, notes, consequence)? {
        responses.pages(fetch::NODES, pages);
    }
    let mut builder = builder.into_inner();
    for r in &responses.0 {
        add(&mut builder, r)?;
    }
    let mut snapshot = finish(builder);
    snapshot.unread_cluster_policies = unread;
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Requirement;

    #[test]
    fn selectors_render_in_the_api_label_selector_syntax() {
        let selector = Selector {
            match_labels: vec![("app".into(), "web".into())],
            match_expressions: vec![
                Requirement { key: "tier".into(), operator: Operator::In, values: vec!["a".into(), "b".into()] },
                Requirement { key: "env".into(), operator: Operator::NotIn, values: vec!["dev".into()] },
                Requirement { key: "team".into(), operator: Operator::Exists, values: vec![] },
                Requirement { key: "legacy".into(), operator: Operator::DoesNotExist, values: vec![] },
            ],
        };
        assert_eq!(selector_query(&selector), "app=web,tier in (a,b),env notin (dev),team,!legacy");
        assert_eq!(selector_query(&Selector::default()), "");
    }

    #[test]
    fn namespaces_are_read_in_one_request_through_their_name_label() {
        assert_eq!(namespaces_query(&["a", "kube-system"]), "kubernetes.io/metadata.name in (a,kube-system)");
    }

    #[test]
    fn metadata_only_and_whole_reads_of_one_pod_keep_the_whole_one() {
        let whole = r#"{"metadata":{"name":"web","namespace":"prod","labels":{"app":"web"}},
            "spec":{"hostNetwork":true,"nodeName":"n1"},"status":{"phase":"Running","podIP":"10.0.0.5"}}"#;
        let metadata = r#"{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},
            "items":[{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
                      "metadata":{"name":"web","namespace":"prod","labels":{"app":"web"}}},
                     {"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
                      "metadata":{"name":"api","namespace":"prod"}}]}"#;
        let mut responses = Responses::default();
        responses.object(fetch::PODS, whole.into());
        responses.metadata_pages(fetch::PODS, vec![metadata.into()]);
        let snapshot = build(&responses).unwrap();
        let names: Vec<&str> = snapshot.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["api", "web"], "in the API's order");
        let web = &snapshot.pods[1];
        assert!(web.host_network);
        assert_eq!(web.phase.as_deref(), Some("Running"));
        assert_eq!(web.node.as_deref(), Some("n1"));
        assert_eq!(web.ips, ["10.0.0.5".parse::<IpAddr>().unwrap()]);
        let api = &snapshot.pods[0];
        assert_eq!((api.phase.as_deref(), api.ips.len(), api.ports.len()), (None, 0, 0));
    }

    #[test]
    fn a_response_that_is_not_kubernetes_json_names_the_resource() {
        let mut responses = Responses::default();
        responses.pages(fetch::PODS, vec!["<html>proxy error</html>".into()]);
        let err = build(&responses).unwrap_err().to_string();
        assert!(err.contains("reading the list of pods") && err.contains("unexpected response"), "{err}");
    }

    #[test]
    fn close_names_rank_the_closest_first() {
        assert_eq!(close_names("prod", &["production", "dev", "prd", "staging"]), ["prd", "production"]);
        assert!(close_names("zzz", &["prod"]).is_empty());
    }
}
