//! Mapping the endpoints records name to what policy selects, and aggregating per pair.
//!
//! A pod that still exists maps to its workload through its owner (a ReplicaSet to the Deployment
//! whose name it extends, a Job to its CronJob), or stays a pod when nothing owns it. A pod that no
//! longer exists (its ReplicaSet's `pod-template-hash` changed, the Deployment did not) maps to
//! its workload by, in order: the `workloads` Hubble recorded, its name (`web-7d9f8b6c5-x2x4v` and
//! Calico's `web-7d9f8b6c5-*` to `deploy/web`, `db-0` to `sts/db`, `agent-x2x4v` to `ds/agent`),
//! checked against the labels recorded when there are some, then the one workload whose selector
//! matches its labels. Failing all of these it is evaluated with the labels it was recorded with,
//! and said so; without labels it cannot be evaluated, and is reported, never dropped. An address
//! stays an address (a pod's address maps to the pod), unless it falls in a `--group-cidr`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use serde::Serialize;

use super::read::{End, Observed, Stats};
use crate::engine::{Labels, Pod, Protocol, Selector, Snapshot, Workload, WorkloadKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerKind {
    /// The pods of a workload: evaluated with one of its pods (or its template).
    Workload { kind: WorkloadKind, name: String, selector: Selector },
    /// A pod that exists and that no workload owns.
    Pod { name: String },
    /// A pod that no longer exists and maps to no workload: evaluated with the labels the records
    /// carry (its ports are unknown).
    Gone { name: String },
    /// An address outside the pod network, or a node's (`node`).
    Address { ip: IpAddr, node: Option<String> },
    /// The addresses of a `--group-cidr`: evaluated at each address seen.
    Network { cidr: IpNet },
    /// Nothing to evaluate: `what` says what the records named.
    Unknown { what: String },
}

/// What the engine evaluates for a peer.
#[derive(Debug, Clone)]
// A handful per observed endpoint, built once: the size of a Pod costs less than a Box each.
#[allow(clippy::large_enum_variant)]
pub enum Rep {
    Pod(Pod),
    Ip(IpAddr),
}

#[derive(Debug, Clone)]
pub struct Peer {
    /// `production/deploy/api`, `203.0.113.10`, `10.0.0.0/8`, `node node-a (10.0.0.11)`.
    pub display: String,
    pub namespace: Option<String>,
    pub kind: PeerKind,
    pub reps: Vec<Rep>,
    /// How the names the records used were mapped, when they are not the peer itself:
    /// `pod web-7d9f8b6c5-x2x4v (gone): by its name`.
    pub mapped: Vec<String>,
    /// Some pod of it runs in the host network: policy sees its node's address.
    pub host_network: bool,
}

/// One aggregated flow between peers.
#[derive(Debug, Clone)]
pub struct Flow {
    pub from: usize,
    pub to: usize,
    pub port: u16,
    pub protocol: Protocol,
    pub stats: Stats,
}

/// An endpoint that could not be mapped, with how many records named it.
#[derive(Debug, Clone, Serialize)]
pub struct Unmapped {
    pub what: String,
    pub why: String,
    pub flows: u64,
}

#[derive(Debug, Default)]
pub struct Resolved {
    pub peers: Vec<Peer>,
    /// Sorted by source, destination, port and protocol.
    pub flows: Vec<Flow>,
    /// Flows with an end that cannot be evaluated.
    pub unresolved: Vec<Flow>,
}

impl Resolved {
    pub fn peer(&self, i: usize) -> &Peer {
        &self.peers[i]
    }
}

/// How many addresses of one `--group-cidr` are evaluated at most.
const NETWORK_ADDRESSES: usize = 64;

struct Index<'s> {
    snapshot: &'s Snapshot,
    pods: HashMap<(&'s str, &'s str), &'s Pod>,
    pods_by_namespace: HashMap<&'s str, Vec<&'s Pod>>,
    pods_by_ip: HashMap<IpAddr, &'s Pod>,
    nodes_by_ip: HashMap<IpAddr, &'s str>,
    workloads: HashMap<(&'s str, WorkloadKind, &'s str), &'s Workload>,
}

impl<'s> Index<'s> {
    fn new(snapshot: &'s Snapshot) -> Self {
        let pods = snapshot.pods.iter().map(|p| ((p.namespace.as_str(), p.name.as_str()), p)).collect();
        let mut pods_by_namespace: HashMap<&str, Vec<&Pod>> = HashMap::new();
        for p in &snapshot.pods {
            pods_by_namespace.entry(p.namespace.as_str()).or_default().push(p);
        }
        let pods_by_ip = snapshot
            .pods
            .iter()
            .filter(|p| !p.host_network)
            .flat_map(|p| p.ips.iter().map(move |ip| (*ip, p)))
            .collect();
        let nodes_by_ip =
            snapshot.nodes.iter().flat_map(|n| n.addresses.iter().map(move |ip| (*ip, n.name.as_str()))).collect();
        let workloads =
            snapshot.workloads.iter().map(|w| ((w.namespace.as_str(), w.kind, w.name.as_str()), w)).collect();
        Index { snapshot, pods, pods_by_namespace, pods_by_ip, nodes_by_ip, workloads }
    }

    fn workload(&self, ns: &str, kind: WorkloadKind, name: &str) -> Option<&'s Workload> {
        self.workloads.get(&(ns, kind, name)).copied()
    }

    /// The workload that owns a pod that exists.
    fn owner(&self, pod: &Pod) -> Option<&'s Workload> {
        let owner = pod.owner.as_ref()?;
        let ns = pod.namespace.as_str();
        match owner.kind.as_str() {
            "ReplicaSet" => self
                .replica_set_parent(ns, &owner.name)
                .or_else(|| self.workload(ns, WorkloadKind::ReplicaSet, &owner.name)),
            "StatefulSet" => self.workload(ns, WorkloadKind::StatefulSet, &owner.name),
            "DaemonSet" => self.workload(ns, WorkloadKind::DaemonSet, &owner.name),
            "Job" => {
                self.cron_job_parent(ns, &owner.name).or_else(|| self.workload(ns, WorkloadKind::Job, &owner.name))
            }
            _ => None,
        }
    }

    /// `web-7d9f8b6c5` is a ReplicaSet of Deployment `web`.
    fn replica_set_parent(&self, ns: &str, rs: &str) -> Option<&'s Workload> {
        let (deployment, _hash) = rs.rsplit_once('-')?;
        self.workload(ns, WorkloadKind::Deployment, deployment)
    }

    /// `backup-28571040` is a Job of CronJob `backup`.
    fn cron_job_parent(&self, ns: &str, job: &str) -> Option<&'s Workload> {
        let (cron, stamp) = job.rsplit_once('-')?;
        stamp.bytes().all(|b| b.is_ascii_digit()).then(|| self.workload(ns, WorkloadKind::CronJob, cron)).flatten()
    }

    /// A pod that is gone, by its name: candidates from the naming conventions of controllers.
    fn by_name(&self, ns: &str, name: &str, aggregated: bool, labels: Option<&Labels>) -> Option<&'s Workload> {
        let fits = |w: &&Workload| labels.is_none_or(|l| w.selector.matches(l));
        let strip = |s: &'_ str| s.rsplit_once('-').map(|(head, _)| head.to_string());
        let mut candidates: Vec<Option<&Workload>> = Vec::new();
        if aggregated {
            // `web-7d9f8b6c5-*`: the prefix is a ReplicaSet's name, or a workload's.
            candidates.push(self.replica_set_parent(ns, name));
            for kind in [WorkloadKind::Deployment, WorkloadKind::StatefulSet, WorkloadKind::DaemonSet] {
                candidates.push(self.workload(ns, kind, name));
            }
        }
        if let Some(one) = strip(name) {
            // `web-7d9f8b6c5-x2x4v`: the ReplicaSet, then its Deployment.
            candidates.push(self.replica_set_parent(ns, &one));
            let last = &name[one.len() + 1..];
            if last.bytes().all(|b| b.is_ascii_digit()) {
                candidates.push(self.workload(ns, WorkloadKind::StatefulSet, &one));
            }
            candidates.push(self.workload(ns, WorkloadKind::DaemonSet, &one));
            candidates.push(self.cron_job_parent(ns, &one));
            candidates.push(self.workload(ns, WorkloadKind::ReplicaSet, &one));
            candidates.push(self.workload(ns, WorkloadKind::Job, &one));
        }
        candidates.into_iter().flatten().find(fits)
    }

    /// The one workload of `ns` whose selector matches `labels` (ReplicaSets and Jobs give way to
    /// their Deployment and CronJob).
    fn by_labels(&self, ns: &str, labels: &Labels) -> Option<&'s Workload> {
        let mut found = self.snapshot.workloads.iter().filter(|w| {
            w.namespace == ns
                && !matches!(w.kind, WorkloadKind::ReplicaSet | WorkloadKind::Job)
                && (!w.selector.match_labels.is_empty() || !w.selector.match_expressions.is_empty())
                && w.selector.matches(labels)
        });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// A workload's pods to evaluate: one that runs (its labels stand for all), else its template.
    fn workload_reps(&self, w: &Workload) -> (Vec<Rep>, bool) {
        let mut pods: Vec<&Pod> = self
            .pods_by_namespace
            .get(w.namespace.as_str())
            .map(|pods| pods.iter().copied().filter(|p| w.selector.matches(&p.labels)).collect())
            .unwrap_or_default();
        pods.sort_by_key(|p| (p.phase.as_deref() != Some("Running"), p.name.as_str()));
        let host = pods.iter().any(|p| p.host_network) || (pods.is_empty() && w.host_network);
        match pods.first() {
            Some(p) => (vec![Rep::Pod((*p).clone())], host),
            None => (vec![Rep::Pod(w.template_pod())], host),
        }
    }
}

/// Maps every endpoint of `observed` onto `snapshot` and aggregates the flows per peer pair.
pub fn resolve(observed: &Observed, snapshot: &Snapshot, group_cidrs: &[IpNet]) -> Resolved {
    let index = Index::new(snapshot);
    let mut peers: Vec<Peer> = Vec::new();
    let mut by_display: HashMap<String, usize> = HashMap::new();
    let mut peer_of_end: Vec<usize> = Vec::with_capacity(observed.ends.len());
    for end in &observed.ends {
        let (peer, mapped, ip) = map_end(&index, end, group_cidrs);
        let i = match by_display.get(&peer.display) {
            Some(i) => *i,
            None => {
                by_display.insert(peer.display.clone(), peers.len());
                peers.push(peer);
                peers.len() - 1
            }
        };
        if let Some(note) = mapped
            && !peers[i].mapped.contains(&note)
        {
            peers[i].mapped.push(note);
        }
        if let (PeerKind::Network { .. }, Some(ip)) = (&peers[i].kind, ip) {
            let reps = &mut peers[i].reps;
            if reps.len() < NETWORK_ADDRESSES && !reps.iter().any(|r| matches!(r, Rep::Ip(a) if *a == ip)) {
                reps.push(Rep::Ip(ip));
            }
        }
        peer_of_end.push(i);
    }
    let mut totals: HashMap<(usize, usize, u16, Protocol), Stats> = HashMap::new();
    for ((from, to, port, protocol), stats) in &observed.flows {
        let key = (peer_of_end[*from as usize], peer_of_end[*to as usize], *port, *protocol);
        totals.entry(key).or_default().merge(stats);
    }
    let mut flows = Vec::new();
    let mut unresolved = Vec::new();
    for ((from, to, port, protocol), stats) in totals {
        let flow = Flow { from, to, port, protocol, stats };
        let evaluable = |i: usize| !matches!(peers[i].kind, PeerKind::Unknown { .. });
        if evaluable(from) && evaluable(to) { flows.push(flow) } else { unresolved.push(flow) }
    }
    let order = |f: &Flow| (peers[f.from].display.clone(), peers[f.to].display.clone(), f.port, f.protocol);
    flows.sort_by_cached_key(order);
    unresolved.sort_by_cached_key(order);
    Resolved { peers, flows, unresolved }
}

/// The peer an endpoint maps to, a note on how when it is not the endpoint itself, and the
/// address seen (for networks).
fn map_end(index: &Index, end: &End, group_cidrs: &[IpNet]) -> (Peer, Option<String>, Option<IpAddr>) {
    if end.name.is_empty() {
        return (address_peer(index, end, group_cidrs), None, end.ip);
    }
    let ns = end.namespace.as_str();
    // A workload named by a CSV line.
    if let Some((short, name)) = end.name.split_once('/') {
        let kind = WorkloadKind::ALL.into_iter().find(|k| k.short_name() == short);
        return match kind.and_then(|k| index.workload(ns, k, name)) {
            Some(w) => (workload_peer(index, w), None, None),
            None => (unknown(format!("{ns}/{}", end.name), "no such workload".into()), None, None),
        };
    }
    if !end.aggregated
        && let Some(pod) = index.pods.get(&(ns, end.name.as_str()))
    {
        return match index.owner(pod) {
            Some(w) => (workload_peer(index, w), None, None),
            None => (pod_peer(pod), None, None),
        };
    }
    let what = if end.aggregated { format!("{}-*", end.name) } else { end.name.clone() };
    let labels = end.labels.as_ref();
    let recorded = end.workloads.iter().find_map(|(kind, name)| {
        let kind = WorkloadKind::ALL.into_iter().find(|k| k.as_str() == kind)?;
        index.workload(ns, kind, name)
    });
    let found = recorded
        .map(|w| (w, "by the workload the records name"))
        .or_else(|| index.by_name(ns, &end.name, end.aggregated, labels).map(|w| (w, "by its name")))
        .or_else(|| labels.and_then(|l| index.by_labels(ns, l)).map(|w| (w, "by its labels")));
    let state = if end.aggregated { "aggregated" } else { "not found" };
    match found {
        Some((w, how)) => {
            let peer = workload_peer(index, w);
            let note = format!("pod {ns}/{what} ({state}): {how}");
            (peer, Some(note), None)
        }
        None => match labels {
            Some(l) => {
                let mut pod = Pod::stand_in(ns, &what, Arc::new(l.clone()), Arc::from(Vec::new()));
                pod.ips = end.ip.into_iter().collect();
                let peer = Peer {
                    display: format!("{ns}/{what}"),
                    namespace: Some(ns.to_string()),
                    kind: PeerKind::Gone { name: what.clone() },
                    reps: vec![Rep::Pod(pod)],
                    mapped: Vec::new(),
                    host_network: false,
                };
                let note = format!(
                    "pod {ns}/{what} ({state}) maps to no workload: evaluated with the labels it was recorded with \
                     (its ports are unknown)"
                );
                (peer, Some(note), None)
            }
            None => (
                unknown(
                    format!("{ns}/{what}"),
                    format!("pod {state}, no workload matches its name and the records carry no labels"),
                ),
                None,
                None,
            ),
        },
    }
}

fn workload_peer(index: &Index, w: &Workload) -> Peer {
    let (reps, host_network) = index.workload_reps(w);
    Peer {
        display: format!("{}/{}/{}", w.namespace, w.kind.short_name(), w.name),
        namespace: Some(w.namespace.clone()),
        kind: PeerKind::Workload { kind: w.kind, name: w.name.clone(), selector: w.selector.clone() },
        reps,
        mapped: Vec::new(),
        host_network,
    }
}

fn pod_peer(pod: &Pod) -> Peer {
    Peer {
        display: format!("{}/pod/{}", pod.namespace, pod.name),
        namespace: Some(pod.namespace.clone()),
        kind: PeerKind::Pod { name: pod.name.clone() },
        reps: vec![Rep::Pod(pod.clone())],
        mapped: Vec::new(),
        host_network: pod.host_network,
    }
}

fn unknown(what: String, why: String) -> Peer {
    Peer {
        display: format!("{what} (unmapped: {why})"),
        namespace: None,
        kind: PeerKind::Unknown { what },
        reps: Vec::new(),
        mapped: Vec::new(),
        host_network: false,
    }
}

fn address_peer(index: &Index, end: &End, group_cidrs: &[IpNet]) -> Peer {
    let Some(ip) = end.ip else {
        let what = end.reserved.first().cloned().unwrap_or_else(|| "an endpoint".into());
        return unknown(what, "no address recorded".into());
    };
    if let Some(pod) = index.pods_by_ip.get(&ip) {
        return match index.owner(pod) {
            Some(w) => workload_peer(index, w),
            None => pod_peer(pod),
        };
    }
    if let Some(node) = index.nodes_by_ip.get(&ip) {
        return Peer {
            display: format!("node/{node} ({ip})"),
            namespace: None,
            kind: PeerKind::Address { ip, node: Some(node.to_string()) },
            reps: vec![Rep::Ip(ip)],
            mapped: Vec::new(),
            host_network: false,
        };
    }
    if let Some(cidr) = group_cidrs.iter().filter(|c| c.contains(&ip)).max_by_key(|c| c.prefix_len()) {
        return Peer {
            display: cidr.to_string(),
            namespace: None,
            kind: PeerKind::Network { cidr: *cidr },
            reps: Vec::new(),
            mapped: Vec::new(),
            host_network: false,
        };
    }
    Peer {
        display: ip.to_string(),
        namespace: None,
        kind: PeerKind::Address { ip, node: None },
        reps: vec![Rep::Ip(ip)],
        mapped: Vec::new(),
        host_network: false,
    }
}

/// The peer a pod of the snapshot is reported as (its workload, or itself): what the price of
/// the allows counts pod pairs by.
pub struct Owners<'s> {
    index: Index<'s>,
}

impl<'s> Owners<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        Owners { index: Index::new(snapshot) }
    }

    /// `ns/deploy/web` for a pod of a workload (or a template stand-in `deploy/web`),
    /// `ns/pod/name` for one nothing owns.
    pub fn display(&self, pod: &Pod) -> String {
        if pod.name.contains('/') {
            return format!("{}/{}", pod.namespace, pod.name);
        }
        match self.index.owner(pod) {
            Some(w) => format!("{}/{}/{}", w.namespace, w.kind.short_name(), w.name),
            None => format!("{}/pod/{}", pod.namespace, pod.name),
        }
    }
}
