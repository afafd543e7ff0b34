//! Turns the plan into API objects as `kubectl get -o json|yaml` prints them (defaulted fields,
//! status, owner references, the annotations controllers and tools leave behind) and streams them
//! as one `kind: List`, one object at a time.
//!
//! Decides nothing about the cluster's shape: every name, address and count comes from the plan;
//! only per-object detail that nothing else refers to (container IDs, resourceVersions) is drawn
//! here, from streams derived from the seed.

use std::io::{self, Write};
use std::net::Ipv4Addr;

use crate::obj;
use crate::plan::{
    Backend, Cluster, ContainerP, Deployer, NamespaceP, NodeP, PodP, PortRef, Probe, ServiceP, WorkloadKind, WorkloadP,
};
use crate::rng::{Rng, hash_str};
use crate::tree::{self, Map, Str, V, string_map};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

/// What was written: objects per kind, in output order, and the byte count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub kinds: Vec<(&'static str, usize)>,
    pub bytes: u64,
}

impl Stats {
    pub fn objects(&self) -> usize {
        self.kinds.iter().map(|(_, n)| n).sum()
    }

    pub fn count(&self, kind: &str) -> usize {
        self.kinds.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n)
    }
}

const STREAM_SLICES: u64 = 101;

/// Formats seconds since the Unix epoch as RFC 3339 in UTC (`2025-06-01T12:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from day count (Howard Hinnant's `civil_from_days`).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // By hand rather than `format!`: timestamps are a few percent of the huge preset's runtime.
    let mut out = [0u8; 20];
    let mut put = |at: usize, value: i64, width: usize| {
        let mut v = value.clamp(0, 9999);
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, rem / 3600, 2);
    put(14, rem % 3600 / 60, 2);
    put(17, rem % 60, 2);
    for (at, sep) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'Z')] {
        out[at] = sep;
    }
    String::from_utf8(out.to_vec()).expect("digits and separators are ASCII")
}

/// One object (or, for a Service's EndpointSlices, the objects) to render, in output order.
#[derive(Debug, Clone, Copy)]
enum Job {
    Namespace(usize),
    Node(usize),
    IngressClass,
    Workload(usize, usize),
    ReplicaSet(usize, usize),
    Pod(usize, usize, usize),
    Service(usize, usize),
    EndpointSlices(usize, usize),
    Policy(usize, usize),
    Calico(usize),
    Cilium(usize),
}

/// Every object of the cluster in output order: grouped by kind, as a dump such as
/// `kubectl get ns,nodes,ingressclass,deploy,rs,sts,ds,pods,svc,endpointslices,netpol -A` has.
fn jobs(cluster: &Cluster) -> Vec<Job> {
    let mut jobs = Vec::new();
    if cluster.lean {
        let namespaces = || cluster.namespaces.iter().enumerate();
        jobs.extend((0..cluster.namespaces.len()).map(Job::Namespace));
        for (n, ns) in namespaces() {
            for (w, workload) in ns.workloads.iter().enumerate() {
                jobs.extend((0..workload.pods.len()).map(|p| Job::Pod(n, w, p)));
            }
        }
        for (n, ns) in namespaces() {
            jobs.extend((0..ns.policies.len()).map(|p| Job::Policy(n, p)));
        }
        return jobs;
    }
    let namespaces = || cluster.namespaces.iter().enumerate();
    jobs.extend((0..cluster.namespaces.len()).map(Job::Namespace));
    jobs.extend((0..cluster.nodes.len()).map(Job::Node));
    jobs.push(Job::IngressClass);
    for (wanted, replicaset) in [
        (WorkloadKind::Deployment, false),
        (WorkloadKind::Deployment, true),
        (WorkloadKind::StatefulSet, false),
        (WorkloadKind::DaemonSet, false),
    ] {
        for (n, ns) in namespaces() {
            for (w, _) in ns.workloads.iter().enumerate().filter(|(_, w)| w.kind == wanted) {
                jobs.push(if replicaset { Job::ReplicaSet(n, w) } else { Job::Workload(n, w) });
            }
        }
    }
    for (n, ns) in namespaces() {
        for (w, workload) in ns.workloads.iter().enumerate() {
            jobs.extend((0..workload.pods.len()).map(|p| Job::Pod(n, w, p)));
        }
    }
    for (n, ns) in namespaces() {
        jobs.extend((0..ns.services.len()).map(|s| Job::Service(n, s)));
    }
    for (n, ns) in namespaces() {
        jobs.extend((0..ns.services.len()).map(|s| Job::EndpointSlices(n, s)));
    }
    for (n, ns) in namespaces() {
        jobs.extend((0..ns.policies.len()).map(|p| Job::Policy(n, p)));
    }
    // Calico's kinds after Kubernetes', global policies first: `kubectl get
    // globalnetworkpolicies.p,networkpolicies.p -A`.
    for global in [true, false] {
        jobs.extend(
            (0..cluster.calico.len()).filter(|&i| cluster.calico[i].namespace.is_none() == global).map(Job::Calico),
        );
    }
    // Then Cilium's, clusterwide first.
    for clusterwide in [true, false] {
        jobs.extend(
            (0..cluster.cilium.len())
                .filter(|&i| cluster.cilium[i].namespace.is_none() == clusterwide)
                .map(Job::Cilium),
        );
    }
    jobs
}

/// Per-object state while rendering: the object's resourceVersions and the managed-fields switch.
/// Derived from the job's position alone, so objects can be rendered in any order, on any
/// thread, and still come out identical.
struct Rv {
    base: u64,
    next: u64,
    managed_fields: bool,
}

impl Rv {
    fn for_job(seed: u64, index: usize, managed_fields: bool) -> Rv {
        // Increasing with output order, with the irregular gaps other writes leave in etcd.
        let base = 4_000_000 + index as u64 * 256 + (crate::rng::mix(seed ^ index as u64) & 63);
        Rv { base, next: 0, managed_fields }
    }

    fn next_rv(&mut self) -> String {
        self.next += 1;
        (self.base + self.next).to_string()
    }
}

/// Objects per kind, in output order.
type Kinds = Vec<(&'static str, usize)>;

/// Jobs rendered per round; each round is split among the threads, then written in order.
const BATCH: usize = 2048;

/// Writes the whole cluster as one `kind: List`, rendering on every available core. The bytes
/// do not depend on the number of threads.
pub fn write<W: Write>(cluster: &Cluster, format: Format, out: W) -> io::Result<Stats> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    write_with_threads(cluster, format, out, threads)
}

pub fn write_with_threads<W: Write>(cluster: &Cluster, format: Format, out: W, threads: usize) -> io::Result<Stats> {
    write_batched(cluster, format, out, threads, BATCH)
}

fn write_batched<W: Write>(
    cluster: &Cluster,
    format: Format,
    mut out: W,
    threads: usize,
    batch_size: usize,
) -> io::Result<Stats> {
    let jobs = jobs(cluster);
    let renderer = Renderer { cluster };
    let threads = threads.max(1);
    let mut stats = Stats::default();
    let mut emit = |buf: &[u8], stats: &mut Stats| -> io::Result<()> {
        out.write_all(buf)?;
        stats.bytes += buf.len() as u64;
        Ok(())
    };
    let head: &[u8] = match format {
        Format::Json => b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [",
        Format::Yaml if jobs.is_empty() => b"apiVersion: v1\nitems: []\n",
        Format::Yaml => b"apiVersion: v1\nitems:\n",
    };
    emit(head, &mut stats)?;
    // One buffer per thread, reused across rounds: growing fresh buffers every round costs more
    // in page faults than formatting does.
    let mut buffers: Vec<Vec<u8>> = (0..threads).map(|_| Vec::new()).collect();
    for (b, batch) in jobs.chunks(batch_size).enumerate() {
        let first_index = b * batch_size;
        let per_thread = batch.len().div_ceil(threads);
        let kinds: Vec<Kinds> = if threads == 1 || batch.len() < 2 * threads {
            vec![renderer.render_jobs(batch, first_index, format, &mut buffers[0])]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .chunks(per_thread)
                    .zip(buffers.iter_mut())
                    .enumerate()
                    .map(|(t, (part, buf))| {
                        let renderer = &renderer;
                        scope.spawn(move || renderer.render_jobs(part, first_index + t * per_thread, format, buf))
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().expect("rendering does not panic")).collect()
            })
        };
        for (buf, kinds) in buffers.iter().zip(kinds) {
            emit(buf, &mut stats)?;
            for (kind, n) in kinds {
                match stats.kinds.last_mut() {
                    Some((k, count)) if *k == kind => *count += n,
                    _ => stats.kinds.push((kind, n)),
                }
            }
        }
    }
    let tail: &[u8] = match format {
        Format::Json if jobs.is_empty() => {
            b"],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
        }
        Format::Json => {
            b"\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
        }
        Format::Yaml => b"kind: List\nmetadata:\n  resourceVersion: \"\"\n",
    };
    emit(tail, &mut stats)?;
    out.flush()?;
    Ok(stats)
}

struct Meta<'a> {
    name: &'a str,
    namespace: Option<&'a str>,
    uid: &'a str,
    created: i64,
}

fn labels_v(labels: &[(Str, Str)]) -> Option<V> {
    (!labels.is_empty()).then(|| string_map(labels))
}

fn owner(api_version: &'static str, kind: &'static str, name: &str, uid: &str) -> V {
    obj! {
        "apiVersion" => api_version,
        "blockOwnerDeletion" => true,
        "controller" => true,
        "kind" => kind,
        "name" => name.to_string(),
        "uid" => uid.to_string(),
    }
}

/// The owner of a mirror pod: its Node, without `blockOwnerDeletion` (the kubelet sets none).
fn node_owner(node: &NodeP) -> V {
    obj! { "apiVersion" => "v1", "controller" => true, "kind" => "Node", "name" => node.name.clone(), "uid" => node.uid.clone() }
}

fn ip_list(ip: Ipv4Addr) -> V {
    V::Arr(vec![obj! { "ip" => ip.to_string() }])
}

fn condition(kind: &'static str, status: &'static str, at: i64) -> V {
    obj! { "lastProbeTime" => V::Null, "lastTransitionTime" => rfc3339(at), "status" => status, "type" => kind }
}

fn token_volume_name(rng: &mut Rng) -> String {
    format!("kube-api-access-{}", rng.name_suffix(5))
}

const TOKEN_MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The managed-fields set (`fieldsV1`) covering `v`: every field as `f:name`, list items keyed
/// the way their schema keys them (`k:{"name":...}`), atomic lists as a whole.
fn fields_v1(v: &V, dot: bool) -> V {
    match v {
        V::Obj(entries) if !entries.is_empty() => {
            let mut m = Map::new();
            if dot {
                m.push(".", V::empty_obj());
            }
            for (k, child) in entries {
                m.push(format!("f:{k}"), fields_v1(child, true));
            }
            m.build()
        }
        V::Arr(items) if !items.is_empty() => {
            let keys: Option<Vec<String>> = items.iter().map(list_key).collect();
            match keys {
                Some(keys) => {
                    let mut m = Map::new();
                    if dot {
                        m.push(".", V::empty_obj());
                    }
                    let mut seen = std::collections::HashSet::new();
                    for (key, item) in keys.into_iter().zip(items) {
                        if seen.insert(key.clone()) {
                            m.push(key, fields_v1(item, true));
                        }
                    }
                    m.build()
                }
                None => V::empty_obj(),
            }
        }
        _ => V::empty_obj(),
    }
}

/// The merge key of a list item, as the API's schema declares it for the lists generated here.
fn list_key(item: &V) -> Option<String> {
    let field = |k: &str| item.get(k);
    let key = if let (Some(p), Some(proto)) = (field("containerPort"), field("protocol")) {
        obj! { "containerPort" => p.clone(), "protocol" => proto.clone() }
    } else if let (Some(p), Some(proto), None) = (field("port"), field("protocol"), field("endPort")) {
        obj! { "port" => p.clone(), "protocol" => proto.clone() }
    } else if let Some(uid) = field("uid") {
        obj! { "uid" => uid.clone() }
    } else if let Some(n) = field("name") {
        obj! { "name" => n.clone() }
    } else if let Some(t) = field("type") {
        obj! { "type" => t.clone() }
    } else if let Some(ip) = field("ip") {
        obj! { "ip" => ip.clone() }
    } else {
        return None;
    };
    Some(format!("k:{}", tree::to_compact_json(&key)))
}

/// One `managedFields` entry owning the fields of `object` under the dotted `paths`.
fn managed_entry(
    object: &V,
    manager: &str,
    operation: &str,
    subresource: Option<&str>,
    time: i64,
    paths: &[&str],
) -> V {
    let mut root: Vec<(Str, V)> = Vec::new();
    for path in paths {
        let segments: Vec<&str> = path.split('.').collect();
        let Some(target) = segments.iter().try_fold(object, |v, s| v.get(s)) else { continue };
        let fields = fields_v1(target, segments.len() > 1);
        insert_path(&mut root, &segments, fields);
    }
    Map::new()
        .set("apiVersion", object.get("apiVersion").cloned().unwrap_or(V::Null))
        .set("fieldsType", "FieldsV1")
        .set("fieldsV1", V::Obj(root))
        .set("manager", manager.to_string())
        .set("operation", operation.to_string())
        .opt("subresource", subresource.map(str::to_string))
        .set("time", rfc3339(time))
        .build()
}

/// Puts `fields` at `f:a` / `f:b` / ... in a sorted fieldsV1 tree.
fn insert_path(level: &mut Vec<(Str, V)>, segments: &[&str], fields: V) {
    let key = format!("f:{}", segments[0]);
    let index = match level.binary_search_by(|(k, _)| k.as_ref().cmp(key.as_str())) {
        Ok(i) => i,
        Err(i) => {
            level.insert(i, (Str::Owned(key), V::Obj(Vec::new())));
            i
        }
    };
    if segments.len() == 1 {
        level[index].1 = fields;
    } else if let V::Obj(children) = &mut level[index].1 {
        insert_path(children, &segments[1..], fields);
    }
}

/// The fields a lean object keeps (`Config::lean`): what kubectl-deny reads, as paths of keys
/// (through lists, into each item); a path that ends keeps the whole value.
fn lean(object: &mut V, kind: &str) {
    const COMMON: [&[&str]; 5] =
        [&["apiVersion"], &["kind"], &["metadata", "name"], &["metadata", "namespace"], &["metadata", "labels"]];
    const POD: [&[&str]; 8] = [
        &["spec", "containers", "name"],
        &["spec", "containers", "ports"],
        &["spec", "hostNetwork"],
        &["spec", "nodeName"],
        &["status", "phase"],
        &["status", "podIP"],
        &["status", "podIPs"],
        &["status", "hostIP"],
    ];
    const POLICY: [&[&str]; 1] = [&["spec"]];
    let extra: &[&[&str]] = match kind {
        "Pod" => &POD,
        "NetworkPolicy" => &POLICY,
        _ => &[],
    };
    let paths: Vec<&[&str]> = COMMON.iter().chain(extra).copied().collect();
    keep(object, &paths);
}

fn keep(value: &mut V, paths: &[&[&str]]) {
    match value {
        V::Arr(items) => items.iter_mut().for_each(|item| keep(item, paths)),
        V::Obj(entries) => {
            entries.retain_mut(|(key, child)| {
                let below: Vec<&[&str]> =
                    paths.iter().filter(|p| p.first() == Some(&key.as_ref())).map(|p| &p[1..]).collect();
                if below.is_empty() {
                    return false;
                }
                if !below.iter().any(|p| p.is_empty()) {
                    keep(child, &below);
                }
                true
            });
        }
        _ => {}
    }
}

/// Adds `metadata.managedFields` to a finished object.
fn with_managed_fields(mut object: V, entries: Vec<V>) -> V {
    if let V::Obj(top) = &mut object
        && let Some((_, V::Obj(meta))) = top.iter_mut().find(|(k, _)| k == "metadata")
    {
        meta.push((Str::Borrowed("managedFields"), V::Arr(entries)));
        meta.sort_by(|a, b| a.0.cmp(&b.0));
    }
    object
}

struct Renderer<'a> {
    cluster: &'a Cluster,
}

impl Renderer<'_> {
    /// Renders consecutive jobs, the first being number `first_index` of the whole list, as list
    /// items into `buf` (cleared first); returns the objects per kind.
    fn render_jobs(&self, jobs: &[Job], first_index: usize, format: Format, buf: &mut Vec<u8>) -> Kinds {
        buf.clear();
        let mut kinds = Kinds::new();
        for (i, job) in jobs.iter().enumerate() {
            let index = first_index + i;
            let mut rv = Rv::for_job(self.cluster.seed, index, self.cluster.managed_fields);
            let (kind, mut objects) = self.render(*job, &mut rv);
            if self.cluster.lean {
                objects.iter_mut().for_each(|object| lean(object, kind));
            }
            for (o, object) in objects.iter().enumerate() {
                match format {
                    Format::Json if self.cluster.lean => {
                        // One object a line, compact, as a jq filter writes it.
                        buf.extend_from_slice(if index == 0 && o == 0 { b"\n" } else { b",\n" });
                        tree::write_json_compact(buf, object);
                    }
                    Format::Json => {
                        buf.extend_from_slice(if index == 0 && o == 0 { b"\n        " } else { b",\n        " });
                        tree::write_json(buf, object, 2);
                    }
                    Format::Yaml => tree::write_yaml_items(buf, std::slice::from_ref(object), 0),
                }
            }
            match kinds.last_mut() {
                Some((k, n)) if *k == kind => *n += objects.len(),
                _ => kinds.push((kind, objects.len())),
            }
        }
        kinds
    }

    fn render(&self, job: Job, e: &mut Rv) -> (&'static str, Vec<V>) {
        let c = self.cluster;
        match job {
            Job::Namespace(n) => ("Namespace", vec![self.namespace(e, &c.namespaces[n])]),
            Job::Node(n) => ("Node", vec![self.node(e, &c.nodes[n])]),
            Job::IngressClass => ("IngressClass", vec![self.ingress_class(e)]),
            Job::Workload(n, w) => {
                let (ns, w) = (&c.namespaces[n], &c.namespaces[n].workloads[w]);
                let kind = match w.kind {
                    WorkloadKind::Deployment => "Deployment",
                    WorkloadKind::StatefulSet => "StatefulSet",
                    WorkloadKind::DaemonSet | WorkloadKind::Static => "DaemonSet",
                };
                (kind, vec![self.workload(e, ns, w)])
            }
            Job::ReplicaSet(n, w) => {
                ("ReplicaSet", vec![self.replicaset(e, &c.namespaces[n], &c.namespaces[n].workloads[w])])
            }
            Job::Pod(n, w, p) => {
                let ns = &c.namespaces[n];
                ("Pod", vec![self.pod(e, ns, &ns.workloads[w], p)])
            }
            Job::Service(n, s) => ("Service", vec![self.service(e, &c.namespaces[n], &c.namespaces[n].services[s])]),
            Job::EndpointSlices(n, s) => {
                let rng = Rng::derive(c.seed, STREAM_SLICES, ((n as u64) << 32) | s as u64);
                ("EndpointSlice", self.endpoint_slices(e, &c.namespaces[n], &c.namespaces[n].services[s], rng))
            }
            Job::Policy(n, p) => {
                let ns = &c.namespaces[n];
                let p = &ns.policies[p];
                let meta = Meta { name: &p.name, namespace: Some(&ns.name), uid: &p.uid, created: p.created };
                let v = self.applied(
                    e,
                    ns,
                    &p.release,
                    "networking.k8s.io/v1",
                    "NetworkPolicy",
                    meta,
                    Vec::new(),
                    Vec::new(),
                    p.spec.clone(),
                    None,
                );
                ("NetworkPolicy", vec![v])
            }
            Job::Calico(i) => {
                let p = &c.calico[i];
                let meta = Meta { name: &p.name, namespace: p.namespace.as_deref(), uid: &p.uid, created: p.created };
                let v = obj! {
                    "apiVersion" => "projectcalico.org/v3",
                    "kind" => p.kind(),
                    "metadata" => self.meta(e, &meta).build(),
                    "spec" => p.spec.clone(),
                };
                (p.stats_kind(), vec![v])
            }
            Job::Cilium(i) => {
                let p = &c.cilium[i];
                let meta = Meta { name: &p.name, namespace: p.namespace.as_deref(), uid: &p.uid, created: p.created };
                let v = obj! {
                    "apiVersion" => "cilium.io/v2",
                    "kind" => p.kind(),
                    "metadata" => self.meta(e, &meta).build(),
                    "spec" => p.spec.clone(),
                };
                (p.kind(), vec![v])
            }
        }
    }

    fn meta(&self, e: &mut Rv, m: &Meta) -> Map {
        Map::new()
            .set("name", m.name.to_string())
            .opt("namespace", m.namespace.map(str::to_string))
            .set("uid", m.uid.to_string())
            .set("creationTimestamp", rfc3339(m.created))
            .set("resourceVersion", e.next_rv())
    }

    fn namespace(&self, e: &mut Rv, ns: &NamespaceP) -> V {
        let mut meta = self.meta(e, &Meta { name: &ns.name, namespace: None, uid: &ns.uid, created: ns.created });
        meta.push("labels", string_map(&ns.labels));
        if ns.deployer == Deployer::Kubectl {
            let mut applied_labels = ns.labels.clone();
            applied_labels.retain(|(k, _)| k != "kubernetes.io/metadata.name");
            let applied = obj! {
                "apiVersion" => "v1",
                "kind" => "Namespace",
                "metadata" => obj! { "annotations" => V::empty_obj(), "labels" => string_map(&applied_labels), "name" => ns.name.clone() },
            };
            meta.push("annotations", obj! { LAST_APPLIED => last_applied(&applied) });
        }
        let v = obj! {
            "apiVersion" => "v1",
            "kind" => "Namespace",
            "metadata" => meta.build(),
            "spec" => obj! { "finalizers" => vec![V::from("kubernetes")] },
            "status" => obj! { "phase" => "Active" },
        };
        if !e.managed_fields {
            return v;
        }
        let entries = vec![managed_entry(
            &v,
            ns.deployer.field_manager(),
            "Update",
            None,
            ns.created,
            &["metadata.labels", "metadata.annotations"],
        )];
        with_managed_fields(v, entries)
    }

    fn node(&self, e: &mut Rv, node: &NodeP) -> V {
        let mut rng = Rng::new(node.seed);
        let mut meta = self.meta(e, &Meta { name: &node.name, namespace: None, uid: &node.uid, created: node.created });
        let [a, b, c, _] = node.pod_cidr.octets();
        meta.push(
            "annotations",
            obj! {
                "kubeadm.alpha.kubernetes.io/cri-socket" => "unix:///var/run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl" => "0",
                "projectcalico.org/IPv4Address" => format!("{}/16", node.ip),
                "projectcalico.org/IPv4IPIPTunnelAddr" => format!("{a}.{b}.{c}.1"),
                "volumes.kubernetes.io/controller-managed-attach-detach" => "true",
            },
        );
        let mut labels = Map::new()
            .set("beta.kubernetes.io/arch", "amd64")
            .set("beta.kubernetes.io/instance-type", node.instance_type)
            .set("beta.kubernetes.io/os", "linux")
            .set("kubernetes.io/arch", "amd64")
            .set("kubernetes.io/hostname", node.name.clone())
            .set("kubernetes.io/os", "linux")
            .set("node.kubernetes.io/instance-type", node.instance_type)
            .set("topology.kubernetes.io/region", "eu-west-1")
            .set("topology.kubernetes.io/zone", node.zone);
        if node.control_plane {
            labels.push("node-role.kubernetes.io/control-plane", "");
            labels.push("node.kubernetes.io/exclude-from-external-load-balancers", "");
        }
        meta.push("labels", labels.build());
        let cidr = format!("{}/24", node.pod_cidr);
        let mut spec = Map::new()
            .set("podCIDR", cidr.clone())
            .set("podCIDRs", vec![V::from(cidr)])
            .set("providerID", format!("aws:///{}/i-0{}", node.zone, rng.hex(16)));
        if node.control_plane {
            spec.push(
                "taints",
                vec![obj! { "effect" => "NoSchedule", "key" => "node-role.kubernetes.io/control-plane" }],
            );
        }
        let (cpu, memory) = match node.instance_type {
            "m6i.xlarge" => ("4", 16_000_000u64),
            "m6i.2xlarge" => ("8", 32_000_000),
            "c6i.4xlarge" => ("16", 32_000_000),
            _ => ("16", 64_000_000),
        };
        let resources = |memory_ki: u64| {
            obj! {
                "cpu" => cpu,
                "ephemeral-storage" => "101430960Ki",
                "hugepages-1Gi" => "0",
                "hugepages-2Mi" => "0",
                "memory" => format!("{memory_ki}Ki"),
                "pods" => "110",
            }
        };
        let heartbeat = crate::plan::NOW - rng.below(40) as i64;
        let node_condition = |kind: &'static str, status: &'static str, reason: &'static str, message: &'static str| {
            obj! {
                "lastHeartbeatTime" => rfc3339(heartbeat),
                "lastTransitionTime" => rfc3339(node.created + 90),
                "message" => message,
                "reason" => reason,
                "status" => status,
                "type" => kind,
            }
        };
        let images = [
            ("docker.io/calico/node:v3.28.2", 142_210_522i64),
            ("registry.k8s.io/kube-proxy:v1.31.4", 30_229_212),
            ("registry.k8s.io/pause:3.10", 320_368),
        ]
        .iter()
        .map(|(name, size)| {
            obj! {
                "names" => vec![V::from(format!("{}@sha256:{}", name.split(':').next().unwrap_or(name), image_digest(name))), V::from(*name)],
                "sizeBytes" => *size,
            }
        })
        .collect::<Vec<_>>();
        let status = obj! {
            "addresses" => vec![
                obj! { "address" => node.ip.to_string(), "type" => "InternalIP" },
                obj! { "address" => node.name.clone(), "type" => "Hostname" },
            ],
            "allocatable" => resources(memory - 900_000),
            "capacity" => resources(memory),
            "conditions" => vec![
                node_condition("NetworkUnavailable", "False", "CalicoIsUp", "Calico is running on this node"),
                node_condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                node_condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                node_condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                node_condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "daemonEndpoints" => obj! { "kubeletEndpoint" => obj! { "Port" => 10250i64 } },
            "images" => images,
            "nodeInfo" => obj! {
                "architecture" => "amd64",
                "bootID" => rng.uuid(),
                "containerRuntimeVersion" => "containerd://1.7.22",
                "kernelVersion" => "6.8.0-1019-aws",
                "kubeProxyVersion" => "",
                "kubeletVersion" => "v1.31.4",
                "machineID" => rng.hex(32),
                "operatingSystem" => "linux",
                "osImage" => "Ubuntu 24.04.1 LTS",
                "systemUUID" => rng.uuid(),
            },
        };
        let v = obj! { "apiVersion" => "v1", "kind" => "Node", "metadata" => meta.build(), "spec" => spec.build(), "status" => status };
        if !e.managed_fields {
            return v;
        }
        let entries = vec![
            managed_entry(&v, "kubelet", "Update", None, node.created, &["metadata.annotations", "metadata.labels"]),
            managed_entry(
                &v,
                "kube-controller-manager",
                "Update",
                None,
                node.created + 30,
                &["spec.podCIDR", "spec.podCIDRs"],
            ),
            managed_entry(&v, "kubelet", "Update", Some("status"), heartbeat, &["status"]),
        ];
        with_managed_fields(v, entries)
    }

    fn ingress_class(&self, e: &mut Rv) -> V {
        let ns = self
            .cluster
            .namespaces
            .iter()
            .find(|n| n.name == "ingress-nginx")
            .expect("the plan always has ingress-nginx");
        let uid = Rng::new(ns.seed).uuid();
        let mut meta = self.meta(e, &Meta { name: "nginx", namespace: None, uid: &uid, created: ns.created });
        meta.push(
            "annotations",
            obj! {
                "ingressclass.kubernetes.io/is-default-class" => "true",
                "meta.helm.sh/release-name" => "ingress-nginx",
                "meta.helm.sh/release-namespace" => "ingress-nginx",
            },
        );
        meta.push(
            "labels",
            obj! {
                "app.kubernetes.io/component" => "controller",
                "app.kubernetes.io/instance" => "ingress-nginx",
                "app.kubernetes.io/managed-by" => "Helm",
                "app.kubernetes.io/name" => "ingress-nginx",
            },
        );
        meta.push("generation", 1i64);
        obj! {
            "apiVersion" => "networking.k8s.io/v1",
            "kind" => "IngressClass",
            "metadata" => meta.build(),
            "spec" => obj! { "controller" => "k8s.io/ingress-nginx" },
        }
    }

    /// An object applied by the namespace's deployer: its labels and annotations, the
    /// `last-applied-configuration` that kubectl keeps, and the managed fields of the applier
    /// (plus the controller that writes `status`).
    #[allow(clippy::too_many_arguments)]
    fn applied(
        &self,
        e: &mut Rv,
        ns: &NamespaceP,
        release: &str,
        api_version: &'static str,
        kind: &'static str,
        m: Meta,
        labels: Vec<(Str, Str)>,
        annotations: Vec<(Str, Str)>,
        spec: V,
        status: Option<(V, &'static str)>,
    ) -> V {
        let mut labels = labels;
        let mut annotations = annotations;
        let mut meta = self.meta(e, &m);
        // Services are the one kind here without `metadata.generation`.
        if kind != "Service" {
            meta.push("generation", 1i64);
        }
        let has = |labels: &[(Str, Str)], key: &str| labels.iter().any(|(k, _)| k == key);
        match ns.deployer {
            Deployer::Helm if !release.is_empty() => {
                if !has(&labels, "app.kubernetes.io/managed-by") {
                    labels.push((Str::Borrowed("app.kubernetes.io/managed-by"), Str::Borrowed("Helm")));
                }
                annotations.push((Str::Borrowed("meta.helm.sh/release-name"), Str::Owned(release.to_string())));
                annotations.push((Str::Borrowed("meta.helm.sh/release-namespace"), Str::Owned(ns.name.clone())));
            }
            Deployer::ArgoCd if !has(&labels, "app.kubernetes.io/instance") => {
                labels
                    .push((Str::Borrowed("app.kubernetes.io/instance"), Str::Owned(format!("{}-{release}", ns.name))));
            }
            Deployer::Kubectl => {
                let applied = obj! {
                    "apiVersion" => api_version,
                    "kind" => kind,
                    "metadata" => Map::new()
                        .set("annotations", V::empty_obj())
                        .opt("labels", labels_v(&labels))
                        .set("name", m.name.to_string())
                        .opt("namespace", m.namespace.map(str::to_string))
                        .build(),
                    "spec" => user_spec(&spec),
                };
                annotations.push((Str::Borrowed(LAST_APPLIED), Str::Owned(last_applied(&applied))));
            }
            _ => {}
        }
        let meta = meta.opt("labels", labels_v(&labels)).opt("annotations", labels_v(&annotations));
        let mut top =
            Map::new().set("apiVersion", api_version).set("kind", kind).set("metadata", meta.build()).set("spec", spec);
        let status_manager = status.as_ref().map(|(_, manager)| *manager);
        if let Some((status, _)) = status {
            top.push("status", status);
        }
        let v = top.build();
        if !e.managed_fields {
            return v;
        }
        let (manager, operation) = match ns.deployer {
            Deployer::ArgoCd => ("argocd-controller", "Apply"),
            d => (d.field_manager(), "Update"),
        };
        let mut entries = vec![managed_entry(
            &v,
            manager,
            operation,
            None,
            m.created,
            &["metadata.annotations", "metadata.labels", "spec"],
        )];
        if let Some(status_manager) = status_manager {
            entries.push(managed_entry(&v, status_manager, "Update", Some("status"), m.created + 20, &["status"]));
        }
        with_managed_fields(v, entries)
    }

    fn workload(&self, e: &mut Rv, ns: &NamespaceP, w: &WorkloadP) -> V {
        let replicas = w.pods.len();
        let selector = obj! { "matchLabels" => string_map(&w.selector) };
        let mut rng = Rng::new(hash_str(&w.uid));
        let token = token_volume_name(&mut rng);
        // The controller's template carries no hash labels; its ReplicaSet's and pods' do.
        let template = self.template(w, &w.pod_labels, &token);
        let ready_at = w.created + 45;
        let (spec, status, annotations) = match w.kind {
            WorkloadKind::Deployment => (
                obj! {
                    "progressDeadlineSeconds" => 600i64,
                    "replicas" => replicas,
                    "revisionHistoryLimit" => 10i64,
                    "selector" => selector,
                    "strategy" => obj! {
                        "rollingUpdate" => obj! { "maxSurge" => "25%", "maxUnavailable" => "25%" },
                        "type" => "RollingUpdate",
                    },
                    "template" => template,
                },
                obj! {
                    "availableReplicas" => replicas,
                    "conditions" => vec![
                        obj! {
                            "lastTransitionTime" => rfc3339(ready_at),
                            "lastUpdateTime" => rfc3339(ready_at),
                            "message" => "Deployment has minimum availability.",
                            "reason" => "MinimumReplicasAvailable",
                            "status" => "True",
                            "type" => "Available",
                        },
                        obj! {
                            "lastTransitionTime" => rfc3339(w.created),
                            "lastUpdateTime" => rfc3339(ready_at),
                            "message" => format!("ReplicaSet \"{}\" has successfully progressed.", w.replicaset_name()),
                            "reason" => "NewReplicaSetAvailable",
                            "status" => "True",
                            "type" => "Progressing",
                        },
                    ],
                    "observedGeneration" => 1i64,
                    "readyReplicas" => replicas,
                    "replicas" => replicas,
                    "updatedReplicas" => replicas,
                },
                vec![(Str::Borrowed("deployment.kubernetes.io/revision"), Str::Borrowed("1"))],
            ),
            WorkloadKind::StatefulSet => {
                let revision = format!("{}-{}", w.name, w.hash);
                (
                    obj! {
                        "persistentVolumeClaimRetentionPolicy" => obj! { "whenDeleted" => "Retain", "whenScaled" => "Retain" },
                        "podManagementPolicy" => "Parallel",
                        "replicas" => replicas,
                        "revisionHistoryLimit" => 10i64,
                        "selector" => selector,
                        "serviceName" => format!("{}-operated", w.name),
                        "template" => template,
                        "updateStrategy" => obj! { "rollingUpdate" => obj! { "partition" => 0i64 }, "type" => "RollingUpdate" },
                    },
                    obj! {
                        "availableReplicas" => replicas,
                        "collisionCount" => 0i64,
                        "currentReplicas" => replicas,
                        "currentRevision" => revision.clone(),
                        "observedGeneration" => 1i64,
                        "readyReplicas" => replicas,
                        "replicas" => replicas,
                        "updateRevision" => revision,
                        "updatedReplicas" => replicas,
                    },
                    Vec::new(),
                )
            }
            WorkloadKind::DaemonSet => (
                obj! {
                    "revisionHistoryLimit" => 10i64,
                    "selector" => selector,
                    "template" => template,
                    "updateStrategy" => obj! {
                        "rollingUpdate" => obj! { "maxSurge" => 0i64, "maxUnavailable" => 1i64 },
                        "type" => "RollingUpdate",
                    },
                },
                obj! {
                    "currentNumberScheduled" => replicas,
                    "desiredNumberScheduled" => replicas,
                    "numberAvailable" => replicas,
                    "numberMisscheduled" => 0i64,
                    "numberReady" => replicas,
                    "observedGeneration" => 1i64,
                    "updatedNumberScheduled" => replicas,
                },
                vec![(Str::Borrowed("deprecated.daemonset.template.generation"), Str::Borrowed("1"))],
            ),
            WorkloadKind::Static => unreachable!("static pods have no controller object"),
        };
        let kind = match w.kind {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            _ => "DaemonSet",
        };
        let meta = Meta { name: &w.name, namespace: Some(&ns.name), uid: &w.uid, created: w.created };
        self.applied(
            e,
            ns,
            &w.release,
            "apps/v1",
            kind,
            meta,
            w.labels.clone(),
            annotations,
            spec,
            Some((status, "kube-controller-manager")),
        )
    }

    fn replicaset(&self, e: &mut Rv, ns: &NamespaceP, w: &WorkloadP) -> V {
        let replicas = w.pods.len();
        let name = w.replicaset_name();
        let mut rng = Rng::new(hash_str(&w.uid));
        let token = token_volume_name(&mut rng);
        let (labels, _) = self.template_labels(w, None);
        let mut selector = w.selector.clone();
        selector.push((Str::Borrowed("pod-template-hash"), Str::Owned(w.hash.clone())));
        let mut meta =
            self.meta(e, &Meta { name: &name, namespace: Some(&ns.name), uid: &w.replicaset_uid, created: w.created });
        meta.push(
            "annotations",
            obj! {
                "deployment.kubernetes.io/desired-replicas" => replicas.to_string(),
                "deployment.kubernetes.io/max-replicas" => (replicas + replicas.div_ceil(4)).to_string(),
                "deployment.kubernetes.io/revision" => "1",
            },
        );
        meta.push("generation", 1i64);
        meta.push("labels", string_map(&labels));
        meta.push("ownerReferences", vec![owner("apps/v1", "Deployment", &w.name, &w.uid)]);
        let v = obj! {
            "apiVersion" => "apps/v1",
            "kind" => "ReplicaSet",
            "metadata" => meta.build(),
            "spec" => obj! {
                "replicas" => replicas,
                "selector" => obj! { "matchLabels" => string_map(&selector) },
                "template" => self.template(w, &labels, &token),
            },
            "status" => obj! {
                "availableReplicas" => replicas,
                "fullyLabeledReplicas" => replicas,
                "observedGeneration" => 1i64,
                "readyReplicas" => replicas,
                "replicas" => replicas,
            },
        };
        if !e.managed_fields {
            return v;
        }
        let entries = vec![
            managed_entry(
                &v,
                "kube-controller-manager",
                "Update",
                None,
                w.created,
                &["metadata.annotations", "metadata.labels", "metadata.ownerReferences", "spec"],
            ),
            managed_entry(&v, "kube-controller-manager", "Update", Some("status"), w.created + 45, &["status"]),
        ];
        with_managed_fields(v, entries)
    }

    /// The pod labels a controller stamps: the template's, plus its hash labels, plus the
    /// per-pod labels of a StatefulSet. Returns the labels and the pod's ordinal if any.
    fn template_labels(&self, w: &WorkloadP, pod: Option<(&PodP, usize)>) -> (Vec<(Str, Str)>, Option<usize>) {
        let mut labels = w.pod_labels.clone();
        match w.kind {
            WorkloadKind::Deployment => labels.push((Str::Borrowed("pod-template-hash"), Str::Owned(w.hash.clone()))),
            WorkloadKind::DaemonSet => {
                if pod.is_some() {
                    labels.push((Str::Borrowed("controller-revision-hash"), Str::Owned(w.hash.clone())));
                    labels.push((Str::Borrowed("pod-template-generation"), Str::Borrowed("1")));
                }
            }
            WorkloadKind::StatefulSet => {
                if let Some((p, ordinal)) = pod {
                    labels.push((Str::Borrowed("apps.kubernetes.io/pod-index"), Str::Owned(ordinal.to_string())));
                    labels.push((
                        Str::Borrowed("controller-revision-hash"),
                        Str::Owned(format!("{}-{}", w.name, w.hash)),
                    ));
                    labels.push((Str::Borrowed("statefulset.kubernetes.io/pod-name"), Str::Owned(p.name.clone())));
                    return (labels, Some(ordinal));
                }
            }
            WorkloadKind::Static => {}
        }
        (labels, None)
    }

    fn template(&self, w: &WorkloadP, labels: &[(Str, Str)], token: &str) -> V {
        let meta = Map::new()
            .set("creationTimestamp", V::Null)
            .set("labels", string_map(labels))
            .opt("annotations", labels_v(&w.pod_annotations))
            .build();
        obj! { "metadata" => meta, "spec" => self.pod_spec(w, None, token) }
    }

    fn pod_spec(&self, w: &WorkloadP, node: Option<&NodeP>, token: &str) -> V {
        let in_pod = node.is_some();
        let mounts_token = in_pod && !w.service_account.is_empty();
        let containers: Vec<V> =
            w.containers.iter().map(|c| container_v(c, w, mounts_token.then_some(token))).collect();
        let mut tolerations = Vec::new();
        if w.control_plane_tolerations {
            tolerations.push(obj! { "key" => "CriticalAddonsOnly", "operator" => "Exists" });
            tolerations.push(obj! { "effect" => "NoSchedule", "key" => "node-role.kubernetes.io/control-plane" });
        }
        if w.kind == WorkloadKind::Static {
            tolerations.push(obj! { "effect" => "NoExecute", "operator" => "Exists" });
        } else if in_pod {
            let daemon = w.kind == WorkloadKind::DaemonSet;
            for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
                let mut t = Map::new().set("effect", "NoExecute").set("key", key).set("operator", "Exists");
                if !daemon {
                    t.push("tolerationSeconds", 300i64);
                }
                tolerations.push(t.build());
            }
            if daemon {
                for key in [
                    "node.kubernetes.io/disk-pressure",
                    "node.kubernetes.io/memory-pressure",
                    "node.kubernetes.io/pid-pressure",
                    "node.kubernetes.io/unschedulable",
                    "node.kubernetes.io/network-unavailable",
                ] {
                    tolerations.push(obj! { "effect" => "NoSchedule", "key" => key, "operator" => "Exists" });
                }
            }
        }
        let restricted = !w.host_network && w.service_account == "default";
        let security_context = if restricted {
            obj! { "fsGroup" => 1000i64, "runAsNonRoot" => true, "seccompProfile" => obj! { "type" => "RuntimeDefault" } }
        } else {
            V::empty_obj()
        };
        let mut spec = Map::new()
            .set("containers", containers)
            .set("dnsPolicy", if w.host_network { "ClusterFirstWithHostNet" } else { "ClusterFirst" })
            .set("enableServiceLinks", true)
            .set("preemptionPolicy", "PreemptLowerPriority")
            .set("priority", w.priority_class.map_or(0, |(_, p)| p))
            .set("restartPolicy", "Always")
            .set("schedulerName", "default-scheduler")
            .set("securityContext", security_context)
            .set("terminationGracePeriodSeconds", 30i64);
        if let Some((class, _)) = w.priority_class {
            spec.push("priorityClassName", class);
        }
        if w.host_network {
            spec.push("hostNetwork", true);
        }
        if !w.service_account.is_empty() {
            spec.push("serviceAccount", w.service_account);
            spec.push("serviceAccountName", w.service_account);
        }
        if !tolerations.is_empty() {
            spec.push("tolerations", tolerations);
        }
        if let Some(node) = node {
            spec.push("nodeName", node.name.clone());
            if w.kind == WorkloadKind::DaemonSet {
                spec.push(
                    "affinity",
                    obj! {
                        "nodeAffinity" => obj! {
                            "requiredDuringSchedulingIgnoredDuringExecution" => obj! {
                                "nodeSelectorTerms" => vec![obj! {
                                    "matchFields" => vec![obj! {
                                        "key" => "metadata.name",
                                        "operator" => "In",
                                        "values" => vec![V::from(node.name.clone())],
                                    }],
                                }],
                            },
                        },
                    },
                );
            }
            if mounts_token {
                spec.push("volumes", vec![token_volume(token)]);
            }
        }
        spec.build()
    }

    fn pod(&self, e: &mut Rv, ns: &NamespaceP, w: &WorkloadP, ordinal: usize) -> V {
        let pod = &w.pods[ordinal];
        let mut rng = Rng::new(pod.seed);
        let node = &self.cluster.nodes[pod.node];
        let token = token_volume_name(&mut rng);
        let (labels, _) = self.template_labels(w, Some((pod, ordinal)));
        let mut annotations = w.pod_annotations.clone();
        let mut meta =
            self.meta(e, &Meta { name: &pod.name, namespace: Some(&ns.name), uid: &pod.uid, created: pod.created });
        match w.kind {
            WorkloadKind::Static => {
                let hash = rng.hex(32);
                annotations.push((Str::Borrowed("kubernetes.io/config.hash"), Str::Owned(hash.clone())));
                annotations.push((Str::Borrowed("kubernetes.io/config.mirror"), Str::Owned(hash)));
                annotations.push((Str::Borrowed("kubernetes.io/config.seen"), Str::Owned(rfc3339(pod.created - 5))));
                meta.push("ownerReferences", vec![node_owner(node)]);
            }
            WorkloadKind::Deployment => {
                meta.push("generateName", format!("{}-", w.replicaset_name()));
                meta.push(
                    "ownerReferences",
                    vec![owner("apps/v1", "ReplicaSet", &w.replicaset_name(), &w.replicaset_uid)],
                );
            }
            WorkloadKind::StatefulSet => {
                meta.push("generateName", format!("{}-", w.name));
                meta.push("ownerReferences", vec![owner("apps/v1", "StatefulSet", &w.name, &w.uid)]);
            }
            WorkloadKind::DaemonSet => {
                meta.push("generateName", format!("{}-", w.name));
                meta.push("ownerReferences", vec![owner("apps/v1", "DaemonSet", &w.name, &w.uid)]);
            }
        }
        if !w.host_network {
            let ip = format!("{}/32", pod.ip);
            annotations.push((Str::Borrowed("cni.projectcalico.org/containerID"), Str::Owned(rng.hex(64))));
            annotations.push((Str::Borrowed("cni.projectcalico.org/podIP"), Str::Owned(ip.clone())));
            annotations.push((Str::Borrowed("cni.projectcalico.org/podIPs"), Str::Owned(ip)));
        }
        meta.push("labels", string_map(&labels));
        if !annotations.is_empty() {
            meta.push("annotations", string_map(&annotations));
        }
        let spec = self.pod_spec(w, Some(node), &token);

        let scheduled = pod.created + 1;
        let started = pod.created + 3;
        let ready = pod.created + 9 + rng.below(20) as i64;
        let statuses: Vec<V> = w
            .containers
            .iter()
            .map(|c| {
                let id = format!("containerd://{}", rng.hex(64));
                let mut last_state = V::empty_obj();
                let mut running_since = started;
                if pod.restarts > 0 {
                    let finished = crate::plan::NOW - rng.below(3 * 86_400) as i64;
                    let finished = finished.max(started + 60);
                    running_since = finished + 1;
                    last_state = obj! {
                        "terminated" => obj! {
                            "containerID" => format!("containerd://{}", rng.hex(64)),
                            "exitCode" => 137i64,
                            "finishedAt" => rfc3339(finished),
                            "reason" => "OOMKilled",
                            "startedAt" => rfc3339(started),
                        },
                    };
                }
                let mut status = Map::new()
                    .set("containerID", id)
                    .set("image", c.image.clone())
                    .set("imageID", format!("{}@sha256:{}", image_repository(&c.image), image_digest(&c.image)))
                    .set("lastState", last_state)
                    .set("name", c.name)
                    .set("ready", true)
                    .set("restartCount", pod.restarts)
                    .set("started", true)
                    .set("state", obj! { "running" => obj! { "startedAt" => rfc3339(running_since) } });
                if !w.service_account.is_empty() {
                    status.push(
                        "volumeMounts",
                        vec![obj! {
                            "mountPath" => TOKEN_MOUNT,
                            "name" => token.clone(),
                            "readOnly" => true,
                            "recursiveReadOnly" => "Disabled",
                        }],
                    );
                }
                status.build()
            })
            .collect();
        let guaranteed = w.containers.iter().all(|c| c.memory_limit == Some(c.memory));
        let status = obj! {
            "conditions" => vec![
                condition("PodReadyToStartContainers", "True", started),
                condition("Initialized", "True", scheduled),
                condition("Ready", "True", ready),
                condition("ContainersReady", "True", ready),
                condition("PodScheduled", "True", scheduled),
            ],
            "containerStatuses" => statuses,
            "hostIP" => node.ip.to_string(),
            "hostIPs" => ip_list(node.ip),
            "phase" => "Running",
            "podIP" => pod.ip.to_string(),
            "podIPs" => ip_list(pod.ip),
            "qosClass" => if guaranteed { "Guaranteed" } else { "Burstable" },
            "startTime" => rfc3339(scheduled),
        };
        let v = obj! { "apiVersion" => "v1", "kind" => "Pod", "metadata" => meta.build(), "spec" => spec, "status" => status };
        if !e.managed_fields {
            return v;
        }
        let creator = if w.kind == WorkloadKind::Static { "kubelet" } else { "kube-controller-manager" };
        let entries = vec![
            managed_entry(
                &v,
                creator,
                "Update",
                None,
                pod.created,
                &[
                    "metadata.annotations",
                    "metadata.generateName",
                    "metadata.labels",
                    "metadata.ownerReferences",
                    "spec",
                ],
            ),
            managed_entry(&v, "kubelet", "Update", Some("status"), ready, &["status"]),
        ];
        with_managed_fields(v, entries)
    }

    fn service(&self, e: &mut Rv, ns: &NamespaceP, svc: &ServiceP) -> V {
        let ports: Vec<V> = svc
            .ports
            .iter()
            .map(|p| {
                Map::new()
                    .set("name", p.name)
                    .opt("nodePort", p.node_port)
                    .set("port", p.port)
                    .set("protocol", p.protocol)
                    .set("targetPort", &p.target)
                    .build()
            })
            .collect();
        let lb = svc.load_balancer.is_some();
        let mut spec = Map::new()
            .set("clusterIP", svc.cluster_ip.to_string())
            .set("clusterIPs", vec![V::from(svc.cluster_ip.to_string())])
            .set("internalTrafficPolicy", "Cluster")
            .set("ipFamilies", vec![V::from("IPv4")])
            .set("ipFamilyPolicy", "SingleStack")
            .set("ports", ports)
            .set("sessionAffinity", "None")
            .set("type", if lb { "LoadBalancer" } else { "ClusterIP" });
        if let Some(selector) = &svc.selector {
            spec.push("selector", string_map(selector));
        }
        if lb {
            spec.push("allocateLoadBalancerNodePorts", true);
            spec.push("externalTrafficPolicy", "Cluster");
        }
        let status = match svc.load_balancer {
            Some(ip) => {
                obj! { "loadBalancer" => obj! { "ingress" => vec![obj! { "ip" => ip.to_string(), "ipMode" => "VIP" }] } }
            }
            None => obj! { "loadBalancer" => V::empty_obj() },
        };
        let meta = Meta { name: &svc.name, namespace: Some(&ns.name), uid: &svc.uid, created: svc.created };
        let status_manager = if lb { Some((status, "cloud-controller-manager")) } else { None };
        let v = self.applied(
            e,
            ns,
            &svc.release,
            "v1",
            "Service",
            meta,
            svc.labels.clone(),
            Vec::new(),
            spec.build(),
            status_manager,
        );
        if lb {
            return v;
        }
        // A ClusterIP Service's status is always `loadBalancer: {}`, written by nobody.
        let V::Obj(mut top) = v else { unreachable!("applied returns an object") };
        top.push((Str::Borrowed("status"), obj! { "loadBalancer" => V::empty_obj() }));
        top.sort_by(|a, b| a.0.cmp(&b.0));
        V::Obj(top)
    }

    fn endpoint_slices(&self, e: &mut Rv, ns: &NamespaceP, svc: &ServiceP, mut rng: Rng) -> Vec<V> {
        let (endpoints, ports): (Vec<V>, Vec<V>) = match svc.backend {
            Backend::ControlPlane => {
                let endpoints = self
                    .cluster
                    .nodes
                    .iter()
                    .filter(|n| n.control_plane)
                    .map(|n| obj! { "addresses" => vec![V::from(n.ip.to_string())], "conditions" => obj! { "ready" => true } })
                    .collect();
                let ports = svc
                    .ports
                    .iter()
                    .map(|p| {
                        let port = match p.target {
                            PortRef::Number(n) => n,
                            PortRef::Name(_) => p.port,
                        };
                        obj! { "name" => p.name, "port" => port, "protocol" => p.protocol }
                    })
                    .collect();
                (endpoints, ports)
            }
            Backend::Workload(index) => {
                let w = &ns.workloads[index];
                let endpoints = w
                    .pods
                    .iter()
                    .map(|p| {
                        let node = &self.cluster.nodes[p.node];
                        obj! {
                            "addresses" => vec![V::from(p.ip.to_string())],
                            "conditions" => obj! { "ready" => true, "serving" => true, "terminating" => false },
                            "nodeName" => node.name.clone(),
                            "targetRef" => obj! {
                                "kind" => "Pod",
                                "name" => p.name.clone(),
                                "namespace" => ns.name.clone(),
                                "uid" => p.uid.clone(),
                            },
                            "zone" => node.zone,
                        }
                    })
                    .collect();
                let ports = svc
                    .ports
                    .iter()
                    .filter_map(|p| {
                        let port = match &p.target {
                            PortRef::Number(n) => Some(*n),
                            PortRef::Name(name) => w
                                .containers
                                .iter()
                                .flat_map(|c| &c.ports)
                                .find(|cp| cp.name == *name && cp.protocol == p.protocol)
                                .map(|cp| cp.port),
                        }?;
                        Some(obj! { "name" => p.name, "port" => port, "protocol" => p.protocol })
                    })
                    .collect();
                (endpoints, ports)
            }
        };
        let managed = matches!(svc.backend, Backend::Workload(_));
        // The EndpointSlice controller puts at most 100 endpoints in one slice.
        let chunks: Vec<Vec<V>> =
            if endpoints.is_empty() { vec![Vec::new()] } else { endpoints.chunks(100).map(<[V]>::to_vec).collect() };
        chunks
            .into_iter()
            .map(|chunk| {
                let name = if managed { format!("{}-{}", svc.name, rng.name_suffix(5)) } else { svc.name.clone() };
                let uid = rng.uuid();
                let mut meta = self.meta(e, &Meta { name: &name, namespace: Some(&ns.name), uid: &uid, created: svc.created + 1 });
                let mut labels = svc.labels.clone();
                labels.push((Str::Borrowed("kubernetes.io/service-name"), Str::Owned(svc.name.clone())));
                meta.push("generation", 1i64);
                if managed {
                    labels.push((Str::Borrowed("endpointslice.kubernetes.io/managed-by"), Str::Borrowed("endpointslice-controller.k8s.io")));
                    labels.retain(|(k, _)| k != "app.kubernetes.io/managed-by");
                    meta.push("generateName", format!("{}-", svc.name));
                    meta.push("ownerReferences", vec![owner("v1", "Service", &svc.name, &svc.uid)]);
                    meta.push(
                        "annotations",
                        obj! { "endpoints.kubernetes.io/last-change-trigger-time" => rfc3339(crate::plan::NOW - rng.below(86_400) as i64) },
                    );
                }
                meta.push("labels", string_map(&labels));
                let v = obj! {
                    "addressType" => "IPv4",
                    "apiVersion" => "discovery.k8s.io/v1",
                    "endpoints" => chunk,
                    "kind" => "EndpointSlice",
                    "metadata" => meta.build(),
                    "ports" => ports.clone(),
                };
                if !e.managed_fields {
                    return v;
                }
                let manager = if managed { "kube-controller-manager" } else { "kube-apiserver" };
                let entries = vec![managed_entry(&v, manager, "Update", None, svc.created + 1, &["addressType", "endpoints", "metadata.annotations", "metadata.labels", "metadata.ownerReferences", "ports"])];
                with_managed_fields(v, entries)
            })
            .collect()
    }
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn last_applied(v: &V) -> String {
    let mut s = tree::to_compact_json(v);
    s.push('\n');
    s
}

/// The spec as its author wrote it, for `last-applied-configuration`: without the fields the API
/// server defaults (`protocol`, `imagePullPolicy`, termination message settings, ...).
fn user_spec(spec: &V) -> V {
    const DEFAULTED: [&str; 11] = [
        "terminationMessagePath",
        "terminationMessagePolicy",
        "imagePullPolicy",
        "dnsPolicy",
        "restartPolicy",
        "schedulerName",
        "terminationGracePeriodSeconds",
        "progressDeadlineSeconds",
        "revisionHistoryLimit",
        "creationTimestamp",
        "sessionAffinity",
    ];
    const SERVER_SET: [&str; 6] =
        ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy", "strategy"];
    match spec {
        V::Obj(entries) => V::Obj(
            entries
                .iter()
                .filter(|(k, _)| !DEFAULTED.contains(&k.as_ref()) && !SERVER_SET.contains(&k.as_ref()))
                .map(|(k, v)| (k.clone(), user_spec(v)))
                .collect(),
        ),
        V::Arr(items) => V::Arr(items.iter().map(user_spec).collect()),
        v => v.clone(),
    }
}

fn image_repository(image: &str) -> &str {
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

fn image_digest(image: &str) -> String {
    Rng::new(hash_str(image)).hex(64)
}

fn token_volume(name: &str) -> V {
    obj! {
        "name" => name.to_string(),
        "projected" => obj! {
            "defaultMode" => 420i64,
            "sources" => vec![
                obj! { "serviceAccountToken" => obj! { "expirationSeconds" => 3607i64, "path" => "token" } },
                obj! {
                    "configMap" => obj! {
                        "items" => vec![obj! { "key" => "ca.crt", "path" => "ca.crt" }],
                        "name" => "kube-root-ca.crt",
                    },
                },
                obj! {
                    "downwardAPI" => obj! {
                        "items" => vec![obj! {
                            "fieldRef" => obj! { "apiVersion" => "v1", "fieldPath" => "metadata.namespace" },
                            "path" => "namespace",
                        }],
                    },
                },
            ],
        },
    }
}

fn probe_v(probe: &Probe) -> V {
    let action = match probe {
        Probe::Http { path, port } => ("httpGet", obj! { "path" => *path, "port" => port, "scheme" => "HTTP" }),
        Probe::Tcp { port } => ("tcpSocket", obj! { "port" => port }),
    };
    Map::new()
        .set(action.0, action.1)
        .set("failureThreshold", 3i64)
        .set("periodSeconds", 10i64)
        .set("successThreshold", 1i64)
        .set("timeoutSeconds", 1i64)
        .build()
}

fn container_v(c: &ContainerP, w: &WorkloadP, token: Option<&str>) -> V {
    let mut requests = Map::new().set("cpu", c.cpu).set("memory", c.memory);
    let mut limits = Map::new();
    if let Some(limit) = c.memory_limit {
        limits.push("memory", limit);
    }
    if c.memory_limit == Some(c.memory) {
        limits.push("cpu", c.cpu);
        requests = Map::new().set("cpu", c.cpu).set("memory", c.memory);
    }
    let mut resources = Map::new().set("requests", requests);
    let limits = limits.build();
    if limits.as_obj().is_some_and(|l| !l.is_empty()) {
        resources.push("limits", limits);
    }
    let mut m = Map::new()
        .set("image", c.image.clone())
        .set("imagePullPolicy", "IfNotPresent")
        .set("name", c.name)
        .set("resources", resources)
        .set("terminationMessagePath", "/dev/termination-log")
        .set("terminationMessagePolicy", "File");
    if !c.args.is_empty() {
        m.push("args", c.args.iter().map(|a| V::from(a.clone())).collect::<Vec<_>>());
    }
    if !c.env.is_empty() {
        m.push("env", c.env.iter().map(|(k, v)| obj! { "name" => *k, "value" => v.clone() }).collect::<Vec<_>>());
    }
    if !c.ports.is_empty() {
        let ports = c
            .ports
            .iter()
            .map(|p| obj! { "containerPort" => p.port, "name" => p.name, "protocol" => p.protocol })
            .collect::<Vec<_>>();
        m.push("ports", ports);
    }
    if let Some(probe) = &c.probe {
        m.push("readinessProbe", probe_v(probe));
        m.push("livenessProbe", probe_v(probe));
    }
    if w.host_network {
        m.push("securityContext", obj! { "privileged" => w.name == "calico-node" || w.name == "kube-proxy" });
    } else if w.service_account == "default" {
        m.push(
            "securityContext",
            obj! {
                "allowPrivilegeEscalation" => false,
                "capabilities" => obj! { "drop" => vec![V::from("ALL")] },
                "readOnlyRootFilesystem" => true,
                "runAsNonRoot" => true,
            },
        );
    }
    if let Some(token) = token {
        m.push(
            "volumeMounts",
            vec![obj! { "mountPath" => TOKEN_MOUNT, "name" => token.to_string(), "readOnly" => true }],
        );
    }
    m.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_does_not_depend_on_threads_or_batch_size() {
        let config = crate::Config {
            namespaces: 9,
            pods: 60,
            policies: 20,
            seed: 4,
            managed_fields: false,
            calico_policies: 0,
            cilium_policies: 0,
            lean: false,
        };
        let cluster = crate::plan(&config).unwrap();
        for format in [Format::Json, Format::Yaml] {
            let render = |threads, batch| {
                let mut out = Vec::new();
                let stats = write_batched(&cluster, format, &mut out, threads, batch).unwrap();
                (out, stats)
            };
            let reference = render(1, BATCH);
            for (threads, batch) in [(1, 1), (2, 7), (3, 64), (8, 5)] {
                assert!(render(threads, batch) == reference, "{format:?} with {threads} threads, batches of {batch}");
            }
        }
    }

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(crate::plan::NOW), "2025-06-01T12:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_735_689_599), "2024-12-31T23:59:59Z");
    }

    #[test]
    fn image_repository_strips_the_tag_but_not_a_registry_port() {
        assert_eq!(image_repository("docker.io/library/postgres:16.4"), "docker.io/library/postgres");
        assert_eq!(image_repository("localhost:5000/app"), "localhost:5000/app");
    }

    #[test]
    fn fields_v1_keys_container_ports_by_port_and_protocol() {
        let ports = V::Arr(vec![obj! { "containerPort" => 53i64, "name" => "dns", "protocol" => "UDP" }]);
        let fields = fields_v1(&ports, true);
        assert!(fields.get(r#"k:{"containerPort":53,"protocol":"UDP"}"#).is_some(), "{fields:?}");
    }
}
