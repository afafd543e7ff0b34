//! Wire objects into a snapshot: the API server's defaulting and validation, shared by the
//! manifest source and the live-cluster source.
//!
//! `SnapshotBuilder` takes objects one at a time and `finish()`es into an `engine::Snapshot`.
//! It applies the defaulting the API server applies (policyTypes, protocols, targetPort, the
//! namespace name label), rejects what the API server would reject with an error naming the
//! object, the field and the fix, interns identical label sets and port lists into shared `Arc`s,
//! creates the namespaces objects refer to but nobody read, and joins EndpointSlices to their
//! Services. An object read twice (same kind, namespace and name) keeps its last version, as
//! applying the manifests in order would, with a warning naming both places when they differ.
//! Names, namespaces, labels, selectors and port names are validated as the API server validates
//! them, so that nothing it would refuse reaches a verdict. Keys the API does not define (typos)
//! are warned about, for manifests only. It must not read files or talk to the cluster.
//!
//! Each policy kind converts its own spec in its module (`netpol` for NetworkPolicy), with the
//! shared checks this module exports to them (`Ctx`, `FieldPath`, `Unknowns`, `selector`, `cidr`,
//! `protocol`, `port_number`, `check_port_name`); the builder keeps the result.

use crate::engine::Mesh;
use crate::render::escape::{escaped, printable};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::netpol;
use super::wire::{self, IntOrString, Known, LabelMap, Object, Str, Unknown, known};
use super::{InvalidObject, Location, SourceError, Warning};
use crate::engine::cilium::CiliumPolicy;
use crate::engine::{
    ContainerPort, DaemonSetInfo, EndpointPort, IngressClass, Labels, NAMESPACE_NAME_LABEL, Namespace, Node, Operator,
    OwnerRef, Pod, Policy, PortRef, Protocol, Requirement, Selector, Service, ServiceEndpoint, ServicePort, Snapshot,
    Workload, WorkloadKind,
};

/// The label naming an EndpointSlice's Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// Collects wire objects into a validated `Snapshot`.
pub struct SnapshotBuilder {
    default_namespace: String,
    namespaces: Keyed<Namespace>,
    pods: Keyed<Pod>,
    policies: Keyed<Policy>,
    services: Keyed<Service>,
    slices: Keyed<Slice>,
    workloads: Keyed<Workload>,
    nodes: Keyed<Node>,
    daemonsets: Keyed<DaemonSetInfo>,
    ingress_classes: Keyed<IngressClass>,
    foreign_policies: Vec<String>,
    calico: crate::engine::calico::CalicoObjects,
    cilium_policies: Keyed<CiliumPolicy>,
    cilium_cidr_groups: Vec<(String, Vec<IpNet>)>,
    cluster_policies: Keyed<crate::engine::tiers::ClusterPolicy>,
    labels: LabelInterner,
    ports: HashSet<Arc<[ContainerPort]>, FxBuild>,
    /// Phases, nodes and service accounts, one `Arc` each: `shared`.
    strings: HashSet<Arc<str>, FxBuild>,
    /// Objects of the kinds read, counting repeats.
    read: usize,
    /// Objects of other kinds, by kind, since the last `take_other_kinds`.
    other_kinds: BTreeMap<String, usize>,
    warnings: Vec<Warning>,
    /// Unknown-field warnings past `MAX_UNKNOWN_WARNINGS`, only counted.
    unknown_suppressed: usize,
    unknown_reported: usize,
    /// The files objects were read from, for `Origin`.
    files: Vec<Arc<str>>,
}

/// The builder's notes at one moment (`SnapshotBuilder::checkpoint`).
pub struct Checkpoint {
    warnings: usize,
    unknown_suppressed: usize,
    unknown_reported: usize,
    other_kinds: BTreeMap<String, usize>,
}

/// At most this many unknown-field warnings are shown; the rest are counted.
const MAX_UNKNOWN_WARNINGS: usize = 50;

/// An EndpointSlice waiting to be joined to its Service.
#[derive(PartialEq)]
struct Slice {
    namespace: String,
    name: String,
    service: Option<String>,
    endpoints: Vec<ServiceEndpoint>,
}

impl SnapshotBuilder {
    /// `default_namespace` is given to namespaced objects that name none (`-n`, as
    /// `kubectl apply -f` does).
    pub fn new(default_namespace: &str) -> Self {
        SnapshotBuilder {
            default_namespace: default_namespace.to_string(),
            namespaces: Keyed::default(),
            pods: Keyed::default(),
            policies: Keyed::default(),
            services: Keyed::default(),
            slices: Keyed::default(),
            workloads: Keyed::default(),
            nodes: Keyed::default(),
            daemonsets: Keyed::default(),
            ingress_classes: Keyed::default(),
            foreign_policies: Vec::new(),
            calico: Default::default(),
            cilium_policies: Keyed::default(),
            cilium_cidr_groups: Vec::new(),
            cluster_policies: Keyed::default(),
            labels: LabelInterner::default(),
            ports: HashSet::default(),
            strings: HashSet::default(),
            read: 0,
            other_kinds: BTreeMap::new(),
            warnings: Vec::new(),
            unknown_suppressed: 0,
            unknown_reported: 0,
            files: Vec::new(),
        }
    }

    /// The one shared copy of a phase, node name or service account, made printable.
    fn shared(&mut self, text: &str) -> Arc<str> {
        let text = escaped(text);
        if let Some(shared) = self.strings.get(text.as_ref()) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text.as_ref());
        self.strings.insert(shared.clone());
        shared
    }

    /// How many objects of the kinds kubectl-deny reads were added (repeats included).
    pub fn objects_read(&self) -> usize {
        self.read
    }

    /// The kinds of the other objects seen since the last call, with their counts.
    pub fn take_other_kinds(&mut self) -> BTreeMap<String, usize> {
        std::mem::take(&mut self.other_kinds)
    }

    /// The warnings since the last call (unknown fields, objects read twice); after the last
    /// object, one more counts the unknown-field warnings left out.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// Where the builder's notes stand, so that a read that is abandoned and done again (see
    /// `file`: YAML's fast path) can take back what it noted. Objects need no taking back: read
    /// again, the same object replaces itself silently.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            warnings: self.warnings.len(),
            unknown_suppressed: self.unknown_suppressed,
            unknown_reported: self.unknown_reported,
            other_kinds: self.other_kinds.clone(),
        }
    }

    /// Takes back the notes made since `checkpoint`.
    pub fn rewind(&mut self, checkpoint: Checkpoint) {
        self.warnings.truncate(checkpoint.warnings);
        self.unknown_suppressed = checkpoint.unknown_suppressed;
        self.unknown_reported = checkpoint.unknown_reported;
        self.other_kinds = checkpoint.other_kinds;
    }

    /// A warning counting the unknown fields not shown, if any.
    pub fn take_suppressed(&mut self) -> Option<Warning> {
        let n = std::mem::take(&mut self.unknown_suppressed);
        (n > 0).then(|| Warning {
            location: Location::default(),
            at: None,
            line: None,
            message: format!("and {n} more unknown fields (the first {MAX_UNKNOWN_WARNINGS} are shown)"),
        })
    }

    /// Where an object was read, compactly, for the warning about a second read.
    fn origin(&mut self, at: &Location) -> Origin {
        let Some(file) = &at.file else { return Origin::NONE };
        let index = match self.files.iter().rposition(|known| Arc::ptr_eq(known, file) || known == file) {
            Some(index) => index,
            None => {
                self.files.push(file.clone());
                self.files.len() - 1
            }
        };
        let small = |n: Option<usize>| n.and_then(|n| u32::try_from(n).ok()).unwrap_or(u32::MAX);
        Origin {
            file: u32::try_from(index).unwrap_or(u32::MAX),
            document: small(at.document),
            line: small(at.line),
            item: small(at.items.first().copied()),
        }
    }

    fn describe_origin(&self, origin: Origin) -> String {
        let shown = |n: u32| (n != u32::MAX).then_some(n as usize);
        let location = Location {
            file: self.files.get(origin.file as usize).cloned(),
            document: shown(origin.document),
            line: shown(origin.line),
            items: shown(origin.item).into_iter().collect(),
        };
        location.to_string()
    }

    /// Inserts `item`, warning when it replaces a different object read somewhere else.
    fn keep<T: Identity + PartialEq>(
        &mut self,
        kind: &str,
        item: T,
        at: &Location,
        select: fn(&mut Self) -> &mut Keyed<T>,
    ) {
        let origin = self.origin(at);
        let keyed = select(self);
        if let Some((previous, index)) = keyed.insert(item, origin) {
            // Named only here: formatting a name for every object read, to drop it unused, was a
            // few percent of reading a lean snapshot (issue 16.2).
            let identity = {
                let (_, namespace, name) = keyed.items[index].identity();
                if namespace.is_empty() { name.to_string() } else { format!("{namespace}/{name}") }
            };
            let message = format!(
                "{kind} {identity} is read twice, differently: first in {}, then in {}; the last one read is used, as \
                 applying the manifests in this order would leave it",
                self.describe_origin(previous),
                self.describe_origin(origin)
            );
            self.warnings.push(Warning { location: Location::default(), at: None, line: None, message });
        }
    }

    /// Warns about the keys the API does not define in an object read from a manifest.
    fn warn_unknown(&mut self, object: impl FnOnce() -> String, at: &Location, walk: impl FnOnce(&mut Unknowns<'_>)) {
        if at.file.is_none() {
            // The live cluster: the API server sent these objects; a newer server may send fields
            // k8s-openapi does not know yet, which are no typos.
            return;
        }
        let mut found = Unknowns { found: Vec::new(), _keys: std::marker::PhantomData };
        walk(&mut found);
        if found.found.is_empty() {
            return;
        }
        let object = object();
        for (field, key, known, address) in found.found {
            if self.unknown_reported >= MAX_UNKNOWN_WARNINGS {
                self.unknown_suppressed += 1;
                continue;
            }
            self.unknown_reported += 1;
            let shown = printable(&key);
            let field = if field.is_empty() { shown.clone() } else { format!("{field}.{shown}") };
            let hint = match known.closest(&key) {
                Some(meant) => format!("; did you mean {meant}?"),
                None => String::new(),
            };
            self.warnings.push(Warning {
                location: at.clone(),
                at: address,
                line: None,
                message: format!(
                    "{object}: {field}: unknown field: the API server drops it (kubectl apply's strict field \
                     validation rejects it){hint}"
                ),
            });
        }
    }

    /// Adds an object of any kind.
    pub fn add(&mut self, object: Object<'_>, at: &Location) -> Result<(), SourceError> {
        match object {
            Object::Namespace(ns) => self.add_namespace(ns, at),
            Object::Pod(pod) => self.add_pod(pod, at),
            Object::NetworkPolicy(np) => self.add_network_policy(np, at),
            Object::Service(svc) => self.add_service(svc, at),
            Object::EndpointSlice(slice) => self.add_endpoint_slice(slice, at),
            Object::Node(node) => self.add_node(node, at),
            Object::IngressClass(class) => self.add_ingress_class(class, at),
            Object::Workload(kind, workload) => self.add_workload(kind, workload, at),
            Object::ForeignPolicy(kind, policy) => {
                let meta = policy.metadata.unwrap_or_default();
                let namespace = meta.namespace.as_deref().filter(|ns| !ns.is_empty());
                if let Some(ns) = &meta.namespace {
                    check_namespace_field(ns, kind, at)?;
                }
                let name = required_name(&meta, kind, NameRule::Subdomain, namespace, at)?;
                self.read += 1;
                self.foreign_policies.push(match namespace {
                    Some(ns) => format!("{kind} {ns}/{name}"),
                    None => format!("{kind} {name}"),
                });
                Ok(())
            }
            Object::Calico(kind, object) => self.add_calico(kind, object, at),
            Object::CiliumPolicy { clusterwide, policy } => self.add_cilium_policy(clusterwide, policy, at),
            Object::CiliumCidrGroup(group) => self.add_cilium_cidr_group(group, at),
            Object::ClusterPolicy(kind, schema, policy) => self.add_cluster_policy(kind, schema, policy, at),
            Object::Other(kind) => {
                let kind = crate::render::escape::escaped(&kind);
                match self.other_kinds.get_mut(kind.as_ref()) {
                    Some(count) => *count += 1,
                    None => {
                        self.other_kinds.insert(kind.into_owned(), 1);
                    }
                }
                Ok(())
            }
        }
    }

    pub fn add_namespace(&mut self, ns: wire::Namespace<'_>, at: &Location) -> Result<(), SourceError> {
        let meta = ns.metadata.unwrap_or_default();
        let name = required_name(&meta, "Namespace", NameRule::Label, None, at)?;
        self.warn_unknown(
            || format!("Namespace {name}"),
            at,
            |u| {
                u.top(&ns.unknown, known::namespace());
                u.meta(&FieldPath::root("metadata"), &meta);
            },
        );
        let ctx = Ctx { kind: "Namespace", namespace: None, name: &name, at };
        // The API server sets this label on every namespace and does not let it be changed.
        let mut labels = meta.labels.unwrap_or_default();
        labels.0.retain(|(key, _)| key.as_str() != NAMESPACE_NAME_LABEL);
        labels.0.push((Str::from(NAMESPACE_NAME_LABEL), Str::from(name.as_str())));
        let labels = self.labels.intern(labels, &ctx, &FieldPath::root("metadata").field("labels"))?;
        self.read += 1;
        self.keep("Namespace", Namespace { name, labels, known: true }, at, |b| &mut b.namespaces);
        Ok(())
    }

    pub fn add_pod(&mut self, pod: wire::Pod<'_>, at: &Location) -> Result<(), SourceError> {
        let meta = pod.metadata.unwrap_or_default();
        let namespace = self.namespace_of(&meta, "Pod", at)?;
        let name = required_name(&meta, "Pod", NameRule::Subdomain, Some(&namespace), at)?;
        let spec = pod.spec.unwrap_or_default();
        self.warn_unknown(
            || format!("Pod {namespace}/{name}"),
            at,
            |u| {
                u.top(&pod.unknown, known::pod());
                u.meta(&FieldPath::root("metadata"), &meta);
                u.pod_spec(&FieldPath::root("spec"), &spec);
            },
        );
        let ctx = Ctx { kind: "Pod", namespace: Some(&namespace), name: &name, at };
        let labels =
            self.labels.intern(meta.labels.unwrap_or_default(), &ctx, &FieldPath::root("metadata").field("labels"))?;
        let ports = self.container_ports(&spec, &ctx, &FieldPath::root("spec"))?;
        let status = pod.status.unwrap_or_default();
        let ips = pod_ips(&status, &ctx)?;
        let owner = meta
            .owner_references
            .unwrap_or_default()
            .into_iter()
            .find(|owner| owner.controller == Some(true))
            .map(|owner| Box::new(OwnerRef { kind: printable(&owner.kind), name: printable(&owner.name) }));
        let mesh = sidecar_mesh(&spec);
        let service_account = service_account_of(&spec).map(|account| self.shared(account));
        let pod = Pod {
            namespace,
            name,
            labels,
            ports,
            ips,
            host_network: spec.host_network.unwrap_or(false),
            phase: status.phase.map(|phase| self.shared(&phase)),
            node: spec.node_name.filter(|node| !node.is_empty()).map(|node| self.shared(&node)),
            owner,
            mesh,
            service_account,
        };
        self.read += 1;
        self.keep("Pod", pod, at, |b| &mut b.pods);
        Ok(())
    }

    pub fn add_network_policy(&mut self, np: netpol::NetworkPolicy<'_>, at: &Location) -> Result<(), SourceError> {
        let meta = np.metadata.unwrap_or_default();
        let namespace = self.namespace_of(&meta, "NetworkPolicy", at)?;
        let name = required_name(&meta, "NetworkPolicy", NameRule::Subdomain, Some(&namespace), at)?;
        let spec = np.spec.unwrap_or_default();
        self.warn_unknown(
            || format!("NetworkPolicy {namespace}/{name}"),
            at,
            |u| {
                u.top(&np.unknown, netpol::known::network_policy());
                u.meta(&FieldPath::root("metadata"), &meta);
                netpol::unknown_fields(u, &FieldPath::root("spec"), &spec);
            },
        );
        let ctx = Ctx { kind: "NetworkPolicy", namespace: Some(&namespace), name: &name, at };
        check_labels(meta.labels.as_ref(), &ctx, &FieldPath::root("metadata").field("labels"))?;
        let policy = netpol::policy(namespace.clone(), name.clone(), spec, &ctx)?;
        self.read += 1;
        self.keep("NetworkPolicy", policy, at, |b| &mut b.policies);
        Ok(())
    }

    /// A Calico policy, staged policy or tier. A second object of the same kind and name replaces
    /// the first, as applying both would.
    pub fn add_calico(
        &mut self,
        kind: super::calico::WireKind,
        object: super::calico::CalicoObject<'_>,
        at: &Location,
    ) -> Result<(), SourceError> {
        use super::calico::Converted;
        let display = kind.display();
        let meta = object.metadata.unwrap_or_default();
        let namespace = if kind.kind.namespaced() { Some(self.namespace_of(&meta, &display, at)?) } else { None };
        let name = required_name(&meta, &display, NameRule::Subdomain, namespace.as_deref(), at)?;
        let spec = object.spec.unwrap_or_default();
        self.warn_unknown(
            || match &namespace {
                Some(ns) => format!("{display} {ns}/{name}"),
                None => format!("{display} {name}"),
            },
            at,
            |u| {
                u.top(&object.unknown, super::calico::known::object());
                u.meta(&FieldPath::root("metadata"), &meta);
                super::calico::unknown_fields(u, &FieldPath::root("spec"), &spec);
            },
        );
        let ctx = Ctx { kind: &display, namespace: namespace.as_deref(), name: &name, at };
        check_labels(meta.labels.as_ref(), &ctx, &FieldPath::root("metadata").field("labels"))?;
        let converted = super::calico::convert(kind, namespace.clone(), name.clone(), spec, &ctx)?;
        self.read += 1;
        let calico = &mut self.calico;
        match converted {
            Converted::Tier(tier) => {
                calico.tiers.retain(|t| t.name != tier.name);
                calico.tiers.push(tier);
            }
            Converted::Policy(p) => {
                calico.policies.retain(|q| (q.kind, &q.namespace, &q.name) != (p.kind, &p.namespace, &p.name));
                calico.policies.push(p);
            }
            Converted::Staged(p) => {
                calico.staged.retain(|q| (q.kind, &q.namespace, &q.name) != (p.kind, &p.namespace, &p.name));
                calico.staged.push(p);
            }
        }
        Ok(())
    }

    /// A CiliumCIDRGroup: address blocks Cilium policies name in `cidrGroupRef`.
    pub fn add_cilium_cidr_group(
        &mut self,
        group: super::cilium::CiliumCidrGroup<'_>,
        at: &Location,
    ) -> Result<(), SourceError> {
        let meta = group.metadata.clone().unwrap_or_default();
        let name = required_name(&meta, "CiliumCIDRGroup", NameRule::Subdomain, None, at)?;
        let ctx = Ctx { kind: "CiliumCIDRGroup", namespace: None, name: &name, at };
        let blocks = super::cilium::cidr_group(group, &ctx)?;
        self.read += 1;
        self.cilium_cidr_groups.retain(|(n, _)| *n != name);
        self.cilium_cidr_groups.push((name, blocks));
        Ok(())
    }

    /// A CiliumNetworkPolicy (namespaced) or CiliumClusterwideNetworkPolicy.
    pub fn add_cilium_policy(
        &mut self,
        clusterwide: bool,
        object: super::cilium::CiliumNetworkPolicy<'_>,
        at: &Location,
    ) -> Result<(), SourceError> {
        let kind = if clusterwide { "CiliumClusterwideNetworkPolicy" } else { "CiliumNetworkPolicy" };
        let meta = object.metadata.clone().unwrap_or_default();
        let namespace = if clusterwide {
            if let Some(ns) = meta.namespace.as_deref().filter(|ns| !ns.is_empty()) {
                check_namespace_field(&Str::from(ns), kind, at)?;
            }
            None
        } else {
            Some(self.namespace_of(&meta, kind, at)?)
        };
        let name = required_name(&meta, kind, NameRule::Subdomain, namespace.as_deref(), at)?;
        let shown = match &namespace {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        };
        self.warn_unknown(|| shown, at, |u| super::cilium::unknown_fields(u, &object));
        let scope = namespace.clone();
        let ctx = Ctx { kind, namespace: scope.as_deref(), name: &name, at };
        let policy = super::cilium::policy(namespace, name.clone(), object, &ctx)?;
        self.read += 1;
        self.keep(kind, policy, at, |b| &mut b.cilium_policies);
        Ok(())
    }

    /// Adds an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy.
    pub fn add_cluster_policy(
        &mut self,
        kind: crate::engine::tiers::ClusterKind,
        schema: super::tiers::Schema,
        object: super::tiers::ClusterPolicyObject<'_>,
        at: &Location,
    ) -> Result<(), SourceError> {
        let kind_name = kind.as_str();
        let meta = object.metadata.unwrap_or_default();
        let name = required_name(&meta, kind_name, NameRule::Subdomain, None, at)?;
        let spec = object.spec.unwrap_or_default();
        self.warn_unknown(
            || format!("{kind_name} {name}"),
            at,
            |u| {
                u.top(&object.unknown, super::tiers::known::object());
                u.meta(&FieldPath::root("metadata"), &meta);
                super::tiers::unknown_fields(u, &FieldPath::root("spec"), &spec);
            },
        );
        let ctx = Ctx { kind: kind_name, namespace: None, name: &name, at };
        check_labels(meta.labels.as_ref(), &ctx, &FieldPath::root("metadata").field("labels"))?;
        let policy = super::tiers::policy(kind, schema, name.clone(), spec, at.file.is_none(), &ctx)?;
        self.read += 1;
        self.keep(kind_name, policy, at, |b| &mut b.cluster_policies);
        Ok(())
    }

    pub fn add_service(&mut self, svc: wire::Service<'_>, at: &Location) -> Result<(), SourceError> {
        let meta = svc.metadata.unwrap_or_default();
        let namespace = self.namespace_of(&meta, "Service", at)?;
        let name = required_name(&meta, "Service", NameRule::Dns1035, Some(&namespace), at)?;
        let spec = svc.spec.unwrap_or_default();
        self.warn_unknown(
            || format!("Service {namespace}/{name}"),
            at,
            |u| {
                u.top(&svc.unknown, known::service());
                u.meta(&FieldPath::root("metadata"), &meta);
                let spec_path = FieldPath::root("spec");
                u.report(&spec_path, &spec.unknown, known::service_spec());
                let ports_path = spec_path.field("ports");
                for (i, port) in spec.ports.iter().flatten().enumerate() {
                    u.report(&ports_path.index(i), &port.unknown, known::service_port());
                }
            },
        );
        let ctx = Ctx { kind: "Service", namespace: Some(&namespace), name: &name, at };
        check_labels(meta.labels.as_ref(), &ctx, &FieldPath::root("metadata").field("labels"))?;
        let path = FieldPath::root("spec");

        // An empty selector is stored as none (it does not survive the API server's storage), and
        // the endpoints controllers treat it as "no selector".
        let selector_path = path.field("selector");
        let selector = match spec.selector.filter(|selector| !selector.0.is_empty()) {
            None => None,
            Some(selector) => {
                let pairs = canonical(selector);
                check_label_pairs(&pairs, &ctx, &selector_path)?;
                Some(owned_labels(&pairs))
            }
        };

        let mut ports = Vec::new();
        let ports_path = path.field("ports");
        let listed = spec.ports.unwrap_or_default();
        let several = listed.len() > 1;
        for (i, port) in listed.into_iter().enumerate() {
            let port_path = ports_path.index(i);
            match port.name.as_ref().filter(|n| !n.is_empty()) {
                Some(name) => check_dns_label(name, "port name", &ctx, &port_path.field("name"))?,
                None if several => {
                    return Err(ctx.invalid(
                        &port_path.field("name"),
                        "is required when a Service has more than one port",
                        "name every port of the Service (e.g. `http`, `metrics`)",
                    ));
                }
                None => {}
            }
            let number = port_number(port.port, &ctx, &port_path.field("port"))?;
            let target_port = match port.target_port {
                // Absent, 0 and "" all default to `port`.
                None | Some(IntOrString::Int(0)) => PortRef::Number(number),
                Some(IntOrString::String(name)) if name.is_empty() => PortRef::Number(number),
                Some(target) => port_ref(target, &ctx, &port_path.field("targetPort"))?,
            };
            let protocol = protocol(port.protocol.as_deref(), &ctx, &port_path.field("protocol"))?;
            ports.push(ServicePort { name: port.name.map(|n| n.to_string()), port: number, target_port, protocol });
        }

        let ips_path = path.field("clusterIPs");
        let listed: Vec<(Str<'_>, FieldPath<'_>)> = match spec.cluster_ips.filter(|ips| !ips.is_empty()) {
            Some(ips) => ips.into_iter().enumerate().map(|(i, ip)| (ip, ips_path.index(i))).collect(),
            None => spec.cluster_ip.into_iter().map(|ip| (ip, path.field("clusterIP"))).collect(),
        };
        let mut cluster_ips = Vec::new();
        for (ip, ip_path) in listed {
            // "None" marks a headless Service.
            if ip.is_empty() || ip.as_str() == "None" {
                continue;
            }
            cluster_ips.push(ip_address(&ip, &ctx, &ip_path)?);
        }

        let service = Service { namespace, name, selector, ports, cluster_ips, endpoints: Vec::new() };
        self.read += 1;
        self.keep("Service", service, at, |b| &mut b.services);
        Ok(())
    }

    pub fn add_endpoint_slice(&mut self, slice: wire::EndpointSlice<'_>, at: &Location) -> Result<(), SourceError> {
        let meta = slice.metadata.unwrap_or_default();
        let namespace = self.namespace_of(&meta, "EndpointSlice", at)?;
        let name = required_name(&meta, "EndpointSlice", NameRule::Subdomain, Some(&namespace), at)?;
        let ctx = Ctx { kind: "EndpointSlice", namespace: Some(&namespace), name: &name, at };
        check_labels(meta.labels.as_ref(), &ctx, &FieldPath::root("metadata").field("labels"))?;
        let service = meta
            .labels
            .unwrap_or_default()
            .0
            .into_iter()
            .rev()
            .find(|(key, _)| key.as_str() == SERVICE_NAME_LABEL)
            .map(|(_, value)| value.to_string());

        let mut ports = Vec::new();
        let ports_path = FieldPath::root("ports");
        for (i, port) in slice.ports.unwrap_or_default().into_iter().enumerate() {
            let port_path = ports_path.index(i);
            // A port left out means "all ports"; nothing can be said about such an entry by number.
            let Some(number) = port.port else { continue };
            let number = port_number(Some(number), &ctx, &port_path.field("port"))?;
            let protocol = protocol(port.protocol.as_deref(), &ctx, &port_path.field("protocol"))?;
            if let Some(name) = port.name.as_ref().filter(|n| !n.is_empty()) {
                check_dns_label(name, "port name", &ctx, &port_path.field("name"))?;
            }
            ports.push(EndpointPort { name: port.name.map(|n| n.to_string()), port: number, protocol });
        }

        let mut endpoints = Vec::new();
        // FQDN slices list host names, not addresses policy can match.
        if slice.address_type.as_deref() != Some("FQDN") {
            let endpoints_path = FieldPath::root("endpoints");
            for (i, endpoint) in slice.endpoints.unwrap_or_default().into_iter().enumerate() {
                let endpoint_path = endpoints_path.index(i);
                let pod = endpoint
                    .target_ref
                    .filter(|target| target.kind.as_deref() == Some("Pod"))
                    .and_then(|target| target.name)
                    .map(|name| printable(&name));
                let addresses_path = endpoint_path.field("addresses");
                for (j, address) in endpoint.addresses.unwrap_or_default().iter().enumerate() {
                    let ip = ip_address(address, &ctx, &addresses_path.index(j))?;
                    endpoints.push(ServiceEndpoint { ip, pod: pod.clone(), ports: ports.clone() });
                }
            }
        }

        self.read += 1;
        self.keep("EndpointSlice", Slice { namespace, name, service, endpoints }, at, |b| &mut b.slices);
        Ok(())
    }

    pub fn add_node(&mut self, node: wire::Node<'_>, at: &Location) -> Result<(), SourceError> {
        let meta = node.metadata.unwrap_or_default();
        let name = required_name(&meta, "Node", NameRule::Subdomain, None, at)?;
        let ctx = Ctx { kind: "Node", namespace: None, name: &name, at };
        let labels =
            self.labels.intern(meta.labels.unwrap_or_default(), &ctx, &FieldPath::root("metadata").field("labels"))?;
        let status_path = FieldPath::root("status");
        let addresses_path = status_path.field("addresses");
        let mut addresses = Vec::new();
        for (i, address) in node.status.unwrap_or_default().addresses.unwrap_or_default().iter().enumerate() {
            // Hostname and InternalDNS entries are names, not addresses.
            if matches!(address.type_.as_str(), "InternalIP" | "ExternalIP") {
                let ip = ip_address(&address.address, &ctx, &addresses_path.index(i).field("address"))?;
                if !addresses.contains(&ip) {
                    addresses.push(ip);
                }
            }
        }
        self.read += 1;
        self.keep("Node", Node { name, labels, addresses }, at, |b| &mut b.nodes);
        Ok(())
    }

    /// Adds an IngressClass. The API server requires `spec.controller`; a class without one names
    /// no controller and is kept with an empty one.
    pub fn add_ingress_class(&mut self, class: wire::IngressClass<'_>, at: &Location) -> Result<(), SourceError> {
        let meta = class.metadata.unwrap_or_default();
        let name = required_name(&meta, "IngressClass", NameRule::Subdomain, None, at)?;
        let ctx = Ctx { kind: "IngressClass", namespace: None, name: &name, at };
        check_labels(meta.labels.as_ref(), &ctx, &FieldPath::root("metadata").field("labels"))?;
        let controller =
            class.spec.and_then(|spec| spec.controller).map(|controller| printable(&controller)).unwrap_or_default();
        self.read += 1;
        self.keep("IngressClass", IngressClass { name, controller }, at, |b| &mut b.ingress_classes);
        Ok(())
    }

    /// Adds a workload. A DaemonSet is also recorded in `Snapshot::daemonsets` with its images,
    /// init containers' included: CNI plugins install themselves from init containers.
    pub fn add_workload(
        &mut self,
        kind: WorkloadKind,
        workload: wire::Workload<'_>,
        at: &Location,
    ) -> Result<(), SourceError> {
        let meta = workload.metadata.unwrap_or_default();
        let namespace = self.namespace_of(&meta, kind.as_str(), at)?;
        let rule = if kind == WorkloadKind::CronJob { NameRule::CronJob } else { NameRule::Subdomain };
        let name = required_name(&meta, kind.as_str(), rule, Some(&namespace), at)?;
        let spec_path = FieldPath::root("spec");
        let job_template_path = spec_path.field("jobTemplate");
        let job_spec_path = job_template_path.field("spec");
        let outer = workload.spec.unwrap_or_default();
        self.warn_unknown(
            || format!("{} {namespace}/{name}", kind.as_str()),
            at,
            |u| {
                u.top(&workload.unknown, known::workload());
                u.meta(&FieldPath::root("metadata"), &meta);
                u.workload_spec(&spec_path, &outer);
                if let Some(template) = &outer.job_template {
                    u.report(&job_template_path, &template.unknown, known::job_template());
                    if let Some(spec) = &template.spec {
                        u.workload_spec(&job_spec_path, spec);
                    }
                }
            },
        );
        let ctx = Ctx { kind: kind.as_str(), namespace: Some(&namespace), name: &name, at };
        check_labels(meta.labels.as_ref(), &ctx, &FieldPath::root("metadata").field("labels"))?;
        let (spec, path) = match (kind, outer) {
            (WorkloadKind::CronJob, spec) => {
                (spec.job_template.and_then(|template| template.spec).unwrap_or_default(), &job_spec_path)
            }
            (_, spec) => (spec, &spec_path),
        };
        let template = spec.template.unwrap_or_default();
        let template_path = path.field("template");
        let template_meta = template.metadata.unwrap_or_default();
        let pod_spec = template.spec.unwrap_or_default();
        let template_labels = self.labels.intern(
            template_meta.labels.unwrap_or_default(),
            &ctx,
            &template_path.field("metadata").field("labels"),
        )?;
        let template_ports = self.container_ports(&pod_spec, &ctx, &template_path.field("spec"))?;
        // Without a selector (a Job lets the controller generate one), the template's labels are
        // what identifies the pods.
        let selector = match spec.selector {
            Some(sel) => selector(sel, &ctx, &path.field("selector"))?,
            None => Selector {
                match_labels: template_labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                match_expressions: Vec::new(),
            },
        };

        if kind == WorkloadKind::DaemonSet {
            let mut images: Vec<String> = Vec::new();
            let mut args: Vec<String> = Vec::new();
            let containers = pod_spec.containers.iter().flatten().chain(pod_spec.init_containers.iter().flatten());
            for container in containers {
                if let Some(image) = container.image.as_deref()
                    && !images.iter().any(|known| known == image)
                {
                    images.push(printable(image));
                }
                let words = container.command.iter().flatten().chain(container.args.iter().flatten());
                args.extend(words.map(|word| printable(word)));
            }
            let info = DaemonSetInfo { namespace: namespace.clone(), name: name.clone(), images, args };
            self.daemonsets.insert(info, Origin::NONE);
        }

        let workload = Workload {
            kind,
            namespace,
            name,
            selector,
            template_labels,
            template_ports,
            host_network: pod_spec.host_network.unwrap_or(false),
            service_account: service_account_of(&pod_spec).map(|account| self.shared(account)),
        };
        self.read += 1;
        self.keep(kind.as_str(), workload, at, |b| &mut b.workloads);
        Ok(())
    }

    /// The snapshot: namespaces sorted by name, with an implicit one for every namespace an object
    /// lives in but that was not read; Services with the endpoints of their EndpointSlices; every
    /// other list in the order read.
    pub fn finish(self) -> Snapshot {
        let SnapshotBuilder {
            namespaces,
            pods,
            policies,
            services,
            slices,
            workloads,
            nodes,
            daemonsets,
            ingress_classes,
            foreign_policies,
            calico,
            cilium_policies,
            cilium_cidr_groups,
            cluster_policies,
            ..
        } = self;
        let cluster_policies = cluster_policies.items;
        let mut namespaces = namespaces;
        let referenced = (pods.items.iter().map(|p| &p.namespace))
            .chain(policies.items.iter().map(|p| &p.namespace))
            .chain(calico.policies.iter().filter_map(|p| p.namespace.as_ref()))
            .chain(cilium_policies.items.iter().filter_map(|p| p.namespace.as_ref()))
            .chain(services.items.iter().map(|s| &s.namespace))
            .chain(workloads.items.iter().map(|w| &w.namespace))
            .chain(slices.items.iter().map(|s| &s.namespace));
        for name in referenced {
            if namespaces.position(("", "", name)).is_none() {
                namespaces.insert(Namespace::implicit(name), Origin::NONE);
            }
        }
        let mut namespaces = namespaces.items;
        namespaces.sort_by(|a, b| a.name.cmp(&b.name));

        let mut services = services;
        for slice in slices.items {
            let Some(service) = slice.service else { continue };
            if let Some(i) = services.position(("", &slice.namespace, &service)) {
                services.items[i].endpoints.extend(slice.endpoints);
            }
        }

        Snapshot {
            namespaces,
            pods: pods.items,
            policies: policies.items,
            services: services.items,
            workloads: workloads.items,
            nodes: nodes.items,
            daemonsets: daemonsets.items,
            ingress_classes: ingress_classes.items,
            foreign_policies,
            calico,
            cilium_policies: cilium_policies.items,
            cilium_cidr_groups,
            cluster_policies,
            unread_cluster_policies: Vec::new(),
        }
    }

    /// The object's namespace, validated as a DNS label, or the default namespace.
    fn namespace_of(&self, meta: &wire::ObjectMeta<'_>, kind: &str, at: &Location) -> Result<String, SourceError> {
        match &meta.namespace {
            Some(ns) if !ns.is_empty() => {
                check_namespace_field(ns, kind, at)?;
                Ok(ns.as_str().to_owned())
            }
            _ => Ok(self.default_namespace.clone()),
        }
    }

    /// The ports a pod serves: those of its containers and of its sidecars (init containers with
    /// `restartPolicy: Always`, which keep running). Other init containers exit before the pod
    /// serves anything.
    fn container_ports(
        &mut self,
        spec: &wire::PodSpec<'_>,
        ctx: &Ctx<'_>,
        path: &FieldPath<'_>,
    ) -> Result<Arc<[ContainerPort]>, SourceError> {
        let mut ports = Vec::new();
        let groups = [("containers", &spec.containers, false), ("initContainers", &spec.init_containers, true)];
        for (field, containers, sidecars_only) in groups {
            let containers_path = path.field(field);
            for (i, container) in containers.iter().flatten().enumerate() {
                if sidecars_only && container.restart_policy.as_deref() != Some("Always") {
                    continue;
                }
                let container_path = containers_path.index(i);
                let ports_path = container_path.field("ports");
                for (j, port) in container.ports.iter().flatten().enumerate() {
                    let port_path = ports_path.index(j);
                    let number = port_number(port.container_port, ctx, &port_path.field("containerPort"))?;
                    let protocol = protocol(port.protocol.as_deref(), ctx, &port_path.field("protocol"))?;
                    let name = match port.name.as_deref() {
                        None | Some("") => None,
                        Some(name) => {
                            check_port_name(name, ctx, &port_path.field("name"))?;
                            Some(name.to_string())
                        }
                    };
                    ports.push(ContainerPort { name, port: number, protocol });
                }
            }
        }
        if let Some(shared) = self.ports.get(ports.as_slice()) {
            return Ok(shared.clone());
        }
        let shared: Arc<[ContainerPort]> = ports.into();
        self.ports.insert(shared.clone());
        Ok(shared)
    }
}

/// Where an object was read, in 16 bytes: indices into the builder's files, the document, its
/// line and the object's index in the outermost List; `u32::MAX` where unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Origin {
    file: u32,
    document: u32,
    line: u32,
    item: u32,
}

impl Origin {
    const NONE: Origin = Origin { file: u32::MAX, document: u32::MAX, line: u32::MAX, item: u32::MAX };
}

/// Items with an identity; a second insert of the same identity replaces the first in place.
/// Indexed by the hash of the identity, so no key is allocated.
struct Keyed<T> {
    items: Vec<T>,
    /// Where each item was read.
    origins: Vec<Origin>,
    /// Hash of an identity to the last item inserted with it.
    index: HashMap<u64, usize, FxBuild>,
    /// For each item, the previous item whose identity has the same hash (almost always none).
    collisions: Vec<Option<usize>>,
}

impl<T> Default for Keyed<T> {
    fn default() -> Self {
        Keyed { items: Vec::new(), origins: Vec::new(), index: HashMap::default(), collisions: Vec::new() }
    }
}

/// What makes an object the same object: (kind, namespace, name), with "" where not applicable.
trait Identity {
    fn identity(&self) -> (&str, &str, &str);
}

fn identity_hash((kind, namespace, name): (&str, &str, &str)) -> u64 {
    let mut hasher = FxHasher::default();
    kind.hash(&mut hasher);
    namespace.hash(&mut hasher);
    name.hash(&mut hasher);
    hasher.finish()
}

impl<T: Identity + PartialEq> Keyed<T> {
    /// Inserts `item`; when it replaces a different object read from another place, where that
    /// one was read, and the index of the item now.
    fn insert(&mut self, item: T, origin: Origin) -> Option<(Origin, usize)> {
        let hash = identity_hash(item.identity());
        if let Some(i) = self.find(hash, item.identity()) {
            let previous = std::mem::replace(&mut self.origins[i], origin);
            let differs = self.items[i] != item && previous != origin && previous.file != u32::MAX;
            self.items[i] = item;
            return differs.then_some((previous, i));
        }
        let previous = self.index.insert(hash, self.items.len());
        self.collisions.push(previous);
        self.items.push(item);
        self.origins.push(origin);
        None
    }
}

impl<T: Identity> Keyed<T> {
    fn position(&self, identity: (&str, &str, &str)) -> Option<usize> {
        self.find(identity_hash(identity), identity)
    }

    fn find(&self, hash: u64, identity: (&str, &str, &str)) -> Option<usize> {
        let mut candidate = self.index.get(&hash).copied();
        while let Some(i) = candidate {
            if self.items[i].identity() == identity {
                return Some(i);
            }
            candidate = self.collisions[i];
        }
        None
    }
}

impl Identity for Namespace {
    fn identity(&self) -> (&str, &str, &str) {
        ("", "", &self.name)
    }
}

impl Identity for Pod {
    fn identity(&self) -> (&str, &str, &str) {
        ("", &self.namespace, &self.name)
    }
}

impl Identity for Policy {
    fn identity(&self) -> (&str, &str, &str) {
        ("", &self.namespace, &self.name)
    }
}

impl Identity for CiliumPolicy {
    fn identity(&self) -> (&str, &str, &str) {
        (self.kind(), self.namespace.as_deref().unwrap_or(""), &self.name)
    }
}

impl Identity for crate::engine::tiers::ClusterPolicy {
    fn identity(&self) -> (&str, &str, &str) {
        (self.kind.as_str(), "", &self.name)
    }
}

impl Identity for Service {
    fn identity(&self) -> (&str, &str, &str) {
        ("", &self.namespace, &self.name)
    }
}

impl Identity for Slice {
    fn identity(&self) -> (&str, &str, &str) {
        ("", &self.namespace, &self.name)
    }
}

impl Identity for Workload {
    fn identity(&self) -> (&str, &str, &str) {
        (self.kind.as_str(), &self.namespace, &self.name)
    }
}

impl Identity for Node {
    fn identity(&self) -> (&str, &str, &str) {
        ("", "", &self.name)
    }
}

impl Identity for IngressClass {
    fn identity(&self) -> (&str, &str, &str) {
        ("", "", &self.name)
    }
}

impl Identity for DaemonSetInfo {
    fn identity(&self) -> (&str, &str, &str) {
        ("", &self.namespace, &self.name)
    }
}

/// rustc's FxHash: a multiply-rotate hash, several times faster than SipHash on the short keys
/// here. Manifests are the user's own input, so there is no hash flooding to defend against.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

type FxBuild = BuildHasherDefault<FxHasher>;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("chunks of 8")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weakly mixed, and hash tables index by the low bits:
        // bring the well-mixed high bits down (as rustc-hash 2 does).
        self.0.rotate_left(26)
    }
}

/// One `Arc<Labels>` per distinct label set. A lookup hashes the borrowed wire labels and compares
/// them with a flat copy of each candidate, so a label set already seen costs no allocation and
/// few cache misses (walking the shared `BTreeMap` would cost several).
#[derive(Default)]
struct LabelInterner {
    by_hash: HashMap<u64, Interned, FxBuild>,
}

struct Interned {
    labels: Arc<Labels>,
    /// Another label set with the same hash.
    next: Option<Box<Interned>>,
}

impl LabelInterner {
    /// The shared copy of a label set. A set not seen before is validated first as the API
    /// server validates labels (one seen before already was).
    fn intern(
        &mut self,
        labels: LabelMap<'_>,
        ctx: &Ctx<'_>,
        path: &FieldPath<'_>,
    ) -> Result<Arc<Labels>, SourceError> {
        let pairs = canonical(labels);
        let mut hasher = FxHasher::default();
        for (key, value) in &pairs {
            key.as_str().hash(&mut hasher);
            value.as_str().hash(&mut hasher);
        }
        // Compared with the shared copy itself, which is in the same (key) order: no second copy
        // of every label set is kept for the comparison (11 MB on the lean snapshot).
        let matches = |labels: &Labels| {
            labels.len() == pairs.len()
                && labels.iter().zip(&pairs).all(|((k, v), (key, value))| k == key.as_str() && v == value.as_str())
        };
        let slot = self.by_hash.entry(hasher.finish());
        let mut candidate = match &slot {
            std::collections::hash_map::Entry::Occupied(entry) => Some(entry.get()),
            std::collections::hash_map::Entry::Vacant(_) => None,
        };
        while let Some(interned) = candidate {
            if matches(&interned.labels) {
                return Ok(interned.labels.clone());
            }
            candidate = interned.next.as_deref();
        }
        check_label_pairs(&pairs, ctx, path)?;
        let labels = Arc::new(owned_labels(&pairs));
        let interned = Interned { labels: labels.clone(), next: None };
        match slot {
            std::collections::hash_map::Entry::Occupied(mut entry) => {
                let previous = std::mem::replace(entry.get_mut(), interned);
                entry.get_mut().next = Some(Box::new(previous));
            }
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(interned);
            }
        }
        Ok(labels)
    }
}

/// Labels sorted by key; of a repeated key the last value wins, as in a JSON object.
fn canonical(labels: LabelMap<'_>) -> Vec<(Str<'_>, Str<'_>)> {
    let mut pairs = labels.0;
    pairs.reverse();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs.dedup_by(|later, earlier| later.0 == earlier.0);
    pairs
}

/// Labels from `canonical` pairs (sorted, each key once).
fn owned_labels(pairs: &[(Str<'_>, Str<'_>)]) -> Labels {
    // `as_str().to_owned()`, not `to_string()`: a copy, not a trip through `Display`.
    Labels::from_sorted(pairs.iter().map(|(k, v)| (k.as_str().to_owned(), v.as_str().to_owned())).collect())
}

/// A pod's service account as written: `serviceAccountName`, else the deprecated
/// `serviceAccount`; `None` when neither is (the API server's admission then sets `default`,
/// which is what `engine::calico` takes `None` for, without a string per pod).
fn service_account_of<'s>(spec: &'s wire::PodSpec<'_>) -> Option<&'s str> {
    let named = |s: &'s Option<Str<'_>>| s.as_deref().filter(|s| !s.is_empty());
    named(&spec.service_account_name).or_else(|| named(&spec.service_account))
}

/// The object an error is about, and where it was read.
/// The object being converted, for error messages.
pub(super) struct Ctx<'a> {
    pub(super) kind: &'a str,
    pub(super) namespace: Option<&'a str>,
    pub(super) name: &'a str,
    pub(super) at: &'a Location,
}

impl Ctx<'_> {
    pub(super) fn invalid(
        &self,
        field: &FieldPath<'_>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> SourceError {
        self.invalid_at(field, None, message, fix)
    }

    /// `invalid`, with the value's address in the text read (for its line).
    pub(super) fn invalid_at(
        &self,
        field: &FieldPath<'_>,
        at: Option<usize>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> SourceError {
        let object = match self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        };
        let error = invalid(object, self.at, field.to_string(), message, fix);
        with_address(error, at)
    }
}

/// The address of a string borrowed from the text read; none for one the parser had to copy.
pub(super) fn address(s: &Str<'_>) -> Option<usize> {
    match &s.0 {
        std::borrow::Cow::Borrowed(text) => Some(text.as_ptr() as usize),
        std::borrow::Cow::Owned(_) => None,
    }
}

fn with_address(error: SourceError, at: Option<usize>) -> SourceError {
    match error {
        SourceError::Invalid(mut invalid) => {
            invalid.at = at;
            SourceError::Invalid(invalid)
        }
        other => other,
    }
}

fn invalid(
    object: String,
    at: &Location,
    field: String,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> SourceError {
    SourceError::Invalid(Box::new(InvalidObject {
        object,
        location: at.clone(),
        field,
        message: message.into(),
        fix: fix.into(),
        at: None,
        line: None,
    }))
}

/// The rule an object's name follows, per kind, as the API server validates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameRule {
    /// An RFC 1123 label: at most 63 lowercase letters, digits and '-' (Namespaces).
    Label,
    /// An RFC 1123 subdomain: labels joined by '.', at most 253 characters (most kinds).
    Subdomain,
    /// An RFC 1035 label: a label that starts with a letter (Services).
    Dns1035,
    /// A subdomain of at most 52 characters: the CronJob controller appends 11 to name its Jobs.
    CronJob,
}

impl NameRule {
    fn problem(self, name: &str) -> Option<String> {
        match self {
            NameRule::Label => dns_label_problem(name),
            NameRule::Subdomain => dns_subdomain_problem(name),
            NameRule::Dns1035 => dns_label_problem(name).or_else(|| {
                (!name.starts_with(|c: char| c.is_ascii_lowercase())).then(|| "must start with a letter".to_string())
            }),
            NameRule::CronJob => dns_subdomain_problem(name)
                .or_else(|| (name.len() > 52).then(|| format!("is {} characters long, more than 52", name.len()))),
        }
    }

    fn fix(self) -> &'static str {
        match self {
            NameRule::Label => {
                "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
            }
            NameRule::Subdomain => {
                "use at most 253 lowercase letters, digits, '-' and '.', each dot-separated part starting and ending \
                 with a letter or digit"
            }
            NameRule::Dns1035 => {
                "use at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"
            }
            NameRule::CronJob => {
                "use at most 52 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
            }
        }
    }
}

/// The object's name, required and valid for its kind.
pub(super) fn required_name(
    meta: &wire::ObjectMeta<'_>,
    kind: &str,
    rule: NameRule,
    namespace: Option<&str>,
    at: &Location,
) -> Result<String, SourceError> {
    match &meta.name {
        Some(name) if !name.is_empty() => {
            if let Some(problem) = rule.problem(name) {
                let object = match namespace {
                    Some(ns) => format!("{kind} in namespace {ns}"),
                    None => kind.to_string(),
                };
                let error = invalid(
                    object,
                    at,
                    "metadata.name".into(),
                    format!("{} {problem}", shorten(name)),
                    format!("{} (the API server refuses this name)", rule.fix()),
                );
                return Err(with_address(error, address(name)));
            }
            Ok(name.as_str().to_owned())
        }
        _ => {
            let object = match namespace {
                Some(ns) => format!("{kind} without a name in namespace {ns}"),
                None => format!("{kind} without a name"),
            };
            Err(invalid(object, at, "metadata.name".into(), "is required", "give the object a `metadata.name`"))
        }
    }
}

/// `metadata.namespace`, a DNS label.
fn check_namespace_field(namespace: &Str<'_>, kind: &str, at: &Location) -> Result<(), SourceError> {
    match dns_label_problem(namespace) {
        None => Ok(()),
        Some(problem) => {
            let error = invalid(
                kind.to_string(),
                at,
                "metadata.namespace".into(),
                format!("{} {problem}", shorten(namespace)),
                NameRule::Label.fix(),
            );
            Err(with_address(error, address(namespace)))
        }
    }
}

/// A value quoted for a message, cut short when long (a name of a gigabyte is still an error of
/// one line) and with unprintable characters escaped.
fn shorten(value: &str) -> String {
    const SHOWN: usize = 80;
    if value.chars().count() <= SHOWN {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(SHOWN).collect();
    format!("{head:?}... ({} characters)", value.chars().count())
}

/// RFC 1123 label.
fn dns_label_problem(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.len() <= 63
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
    {
        return None;
    }
    if name.len() > 63 {
        return Some(format!("is {} characters long, more than 63", name.chars().count()));
    }
    if let Some(bad) = name.chars().find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')) {
        return Some(if bad.is_ascii_uppercase() {
            "must be lowercase".to_string()
        } else {
            format!("contains {bad:?}")
        });
    }
    let edge = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    (!name.starts_with(edge) || !name.ends_with(edge)).then(|| "must start and end with a letter or digit".to_string())
}

/// RFC 1123 subdomain.
fn dns_subdomain_problem(name: &str) -> Option<String> {
    if is_dns_subdomain_fast(name) {
        return None;
    }
    if name.len() > 253 {
        return Some(format!("is {} characters long, more than 253", name.chars().count()));
    }
    if let Some(bad) = name.chars().find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')) {
        return Some(if bad.is_ascii_uppercase() {
            "must be lowercase".to_string()
        } else {
            format!("contains {bad:?}")
        });
    }
    let edge = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    name.split('.')
        .any(|part| part.is_empty() || !part.starts_with(edge) || !part.ends_with(edge))
        .then(|| "must be dot-separated parts that start and end with a letter or digit".to_string())
}

/// A DNS label where the API requires one (Service port names).
fn check_dns_label(value: &Str<'_>, what: &str, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<(), SourceError> {
    match dns_label_problem(value) {
        None => Ok(()),
        Some(problem) => Err(ctx.invalid_at(
            path,
            address(value),
            format!("{what} {} {problem}", shorten(value)),
            NameRule::Label.fix(),
        )),
    }
}

/// An object's own labels, checked as the API server checks them.
pub(super) fn check_labels(
    labels: Option<&LabelMap<'_>>,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<(), SourceError> {
    match labels {
        Some(labels) => check_label_pairs(&labels.0, ctx, path),
        None => Ok(()),
    }
}

pub(super) fn check_label_pairs(
    pairs: &[(Str<'_>, Str<'_>)],
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<(), SourceError> {
    for (key, value) in pairs {
        check_label_key(key, ctx, path)?;
        check_label_value(value, ctx, path)?;
    }
    Ok(())
}

/// Collects the unknown keys of an object's parts, with their paths.
pub(super) struct Unknowns<'k> {
    found: Vec<(String, String, &'static Known, Option<usize>)>,
    _keys: std::marker::PhantomData<&'k ()>,
}

impl Unknowns<'_> {
    pub(super) fn report(&mut self, path: &FieldPath<'_>, unknown: &Unknown<'_>, known: &'static Known) {
        for key in &unknown.0 {
            self.found.push((path.to_string(), key.to_string(), known, address(key)));
        }
    }

    /// Keys of the object itself, beside `apiVersion`, `kind`, `metadata`, `spec`.
    pub(super) fn top(&mut self, unknown: &Unknown<'_>, known: &'static Known) {
        for key in &unknown.0 {
            self.found.push((String::new(), key.to_string(), known, address(key)));
        }
    }

    pub(super) fn meta(&mut self, path: &FieldPath<'_>, meta: &wire::ObjectMeta<'_>) {
        self.report(path, &meta.unknown, known::object_meta());
    }

    pub(super) fn selector(&mut self, path: &FieldPath<'_>, selector: &wire::LabelSelector<'_>) {
        self.report(path, &selector.unknown, known::label_selector());
        let expressions = path.field("matchExpressions");
        for (i, requirement) in selector.match_expressions.iter().flatten().enumerate() {
            self.report(&expressions.index(i), &requirement.unknown, known::label_selector_requirement());
        }
    }

    fn pod_spec(&mut self, path: &FieldPath<'_>, spec: &wire::PodSpec<'_>) {
        self.report(path, &spec.unknown, known::pod_spec());
        for (field, containers) in [("containers", &spec.containers), ("initContainers", &spec.init_containers)] {
            let containers_path = path.field(field);
            for (i, container) in containers.iter().flatten().enumerate() {
                let container_path = containers_path.index(i);
                self.report(&container_path, &container.unknown, known::container());
                let ports_path = container_path.field("ports");
                for (j, port) in container.ports.iter().flatten().enumerate() {
                    self.report(&ports_path.index(j), &port.unknown, known::container_port());
                }
            }
        }
    }

    fn workload_spec(&mut self, path: &FieldPath<'_>, spec: &wire::WorkloadSpec<'_>) {
        self.report(path, &spec.unknown, known::workload_spec());
        if let Some(selector) = &spec.selector {
            self.selector(&path.field("selector"), selector);
        }
        if let Some(template) = &spec.template {
            let template_path = path.field("template");
            self.report(&template_path, &template.unknown, known::pod_template());
            if let Some(meta) = &template.metadata {
                self.meta(&template_path.field("metadata"), meta);
            }
            if let Some(spec) = &template.spec {
                self.pod_spec(&template_path.field("spec"), spec);
            }
        }
    }
}

/// A field path (`spec.ingress[0].from[1]`) built on the stack and rendered only for an error.
#[derive(Clone, Copy)]
pub(super) struct FieldPath<'p> {
    parent: Option<&'p FieldPath<'p>>,
    segment: Segment<'p>,
}

#[derive(Clone, Copy)]
enum Segment<'p> {
    Field(&'p str),
    Index(usize),
}

impl<'p> FieldPath<'p> {
    pub(super) fn root(field: &'p str) -> Self {
        FieldPath { parent: None, segment: Segment::Field(field) }
    }

    pub(super) fn field(&'p self, name: &'p str) -> FieldPath<'p> {
        FieldPath { parent: Some(self), segment: Segment::Field(name) }
    }

    pub(super) fn index(&'p self, index: usize) -> FieldPath<'p> {
        FieldPath { parent: Some(self), segment: Segment::Index(index) }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        match self.segment {
            Segment::Field(name) if self.parent.is_some() => write!(f, ".{name}"),
            Segment::Field(name) => f.write_str(name),
            Segment::Index(index) => write!(f, "[{index}]"),
        }
    }
}

/// Parses a CIDR as Go's `net.ParseCIDR` does: host bits are allowed and dropped
/// (`10.0.0.1/8` is `10.0.0.0/8`).
pub(super) fn cidr(text: &str, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<IpNet, SourceError> {
    match text.parse::<IpNet>() {
        Ok(net) => Ok(net.trunc()),
        Err(_) if !text.contains('/') && text.parse::<IpAddr>().is_ok() => Err(ctx.invalid(
            path,
            format!("{text:?} is an address, not a CIDR"),
            format!("add a prefix length: {text}/{} for this one address", if text.contains(':') { 128 } else { 32 }),
        )),
        Err(_) => Err(ctx.invalid(
            path,
            format!("{text:?} is not a valid CIDR"),
            "write an address and a prefix length, such as 10.0.0.0/8 or fd00::/8",
        )),
    }
}

/// A port number or name (a Service's `targetPort`, a NetworkPolicy's `port`).
pub(super) fn port_ref(port: IntOrString<'_>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<PortRef, SourceError> {
    match port {
        IntOrString::Int(n) => Ok(PortRef::Number(port_number(Some(n), ctx, path)?)),
        IntOrString::String(name) => {
            check_port_name(&name, ctx, path)?;
            Ok(PortRef::Name(name.to_string()))
        }
    }
}

pub(super) fn port_number(port: Option<i64>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<u16, SourceError> {
    match port {
        None => Err(ctx.invalid(path, "is required", "give the port number (1-65535)")),
        Some(n) => match u16::try_from(n) {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(ctx.invalid(path, format!("{n} is not a valid port number"), "use a number between 1 and 65535")),
        },
    }
}

/// A port name (IANA_SVC_NAME): at most 15 lowercase letters, digits and `-`, with a letter,
/// no `-` at either end and no `--`.
pub(super) fn check_port_name(name: &str, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<(), SourceError> {
    let problem = if name.len() > 15 {
        Some("is longer than 15 characters")
    } else if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        Some("may contain only lowercase letters, digits and '-'")
    } else if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        Some("must contain at least one letter")
    } else if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        Some("may not start or end with '-' or contain '--'")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(ctx.invalid(
            path,
            format!("port name {name:?} {problem}"),
            "use a port number, or a container port name such as `http` or `metrics-2`",
        )),
    }
}

/// Protocols as the API spells them: upper case, default TCP.
pub(super) fn protocol(protocol: Option<&str>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<Protocol, SourceError> {
    match protocol {
        None => Ok(Protocol::Tcp),
        Some("TCP") => Ok(Protocol::Tcp),
        Some("UDP") => Ok(Protocol::Udp),
        Some("SCTP") => Ok(Protocol::Sctp),
        Some(other) => {
            let fix = match Protocol::parse_any_case(other) {
                Some(p) => format!("write it in upper case: {p}"),
                None => "use TCP, UDP or SCTP".to_string(),
            };
            Err(ctx.invalid(path, format!("unsupported protocol {other:?}"), fix))
        }
    }
}

pub(super) fn selector(
    sel: wire::LabelSelector<'_>,
    ctx: &Ctx<'_>,
    path: &FieldPath<'_>,
) -> Result<Selector, SourceError> {
    let labels_path = path.field("matchLabels");
    let mut match_labels = Vec::new();
    for (key, value) in canonical(sel.match_labels.unwrap_or_default()) {
        check_label_key(&key, ctx, &labels_path)?;
        check_label_value(&value, ctx, &labels_path)?;
        match_labels.push((key.to_string(), value.to_string()));
    }

    let expressions_path = path.field("matchExpressions");
    let mut match_expressions = Vec::new();
    for (i, requirement) in sel.match_expressions.unwrap_or_default().into_iter().enumerate() {
        let path = expressions_path.index(i);
        let operator = match Operator::parse(&requirement.operator) {
            Some(operator) => operator,
            None => {
                return Err(ctx.invalid(
                    &path.field("operator"),
                    format!("unknown operator {:?}", requirement.operator.as_str()),
                    "use one of In, NotIn, Exists, DoesNotExist",
                ));
            }
        };
        let values = requirement.values.unwrap_or_default();
        let values_path = path.field("values");
        match operator {
            Operator::In | Operator::NotIn if values.is_empty() => {
                return Err(ctx.invalid(
                    &values_path,
                    format!("must be specified when `operator` is {operator}"),
                    "list at least one value, or use Exists / DoesNotExist",
                ));
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                return Err(ctx.invalid(
                    &values_path,
                    format!("may not be specified when `operator` is {operator}"),
                    "remove `values`, or use In / NotIn to match specific values",
                ));
            }
            _ => {}
        }
        check_label_key(&requirement.key, ctx, &path.field("key"))?;
        for (j, value) in values.iter().enumerate() {
            check_label_value(value, ctx, &values_path.index(j))?;
        }
        match_expressions.push(Requirement {
            key: requirement.key.to_string(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        });
    }
    Ok(Selector { match_labels, match_expressions })
}

const LABEL_KEY_FIX: &str = "a label key is an optional DNS subdomain prefix and `/`, then a name of at most 63 \
                             letters, digits, '-', '_' or '.' that starts and ends with a letter or digit \
                             (e.g. `app` or `app.kubernetes.io/name`)";
const LABEL_VALUE_FIX: &str = "a label value is empty or at most 63 letters, digits, '-', '_' or '.' that starts \
                               and ends with a letter or digit";

/// Kubernetes' qualified-name rule for label keys.
fn check_label_key(key: &Str<'_>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<(), SourceError> {
    let address = address(key);
    let key: &str = key;
    let (prefix, name) = match key.bytes().position(|b| b == b'/') {
        Some(slash) => (Some(&key[..slash]), &key[slash + 1..]),
        None => (None, key),
    };
    let problem = if let Some(prefix) = prefix.filter(|p| !is_dns_subdomain(p)) {
        Some(format!("has prefix {prefix:?}, which is not a lowercase DNS subdomain"))
    } else if name.contains('/') {
        Some("has more than one '/'".to_string())
    } else if name.is_empty() {
        Some("has an empty name part".to_string())
    } else {
        name_problem(name)
    };
    match problem {
        None => Ok(()),
        Some(problem) => {
            Err(ctx.invalid_at(path, address, format!("label key {} {problem}", shorten(key)), LABEL_KEY_FIX))
        }
    }
}

fn check_label_value(value: &Str<'_>, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<(), SourceError> {
    match if value.is_empty() { None } else { name_problem(value) } {
        None => Ok(()),
        Some(problem) => Err(ctx.invalid_at(
            path,
            address(value),
            format!("label value {} {problem}", shorten(value)),
            LABEL_VALUE_FIX,
        )),
    }
}

/// The name part of a qualified name, and label values: `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`,
/// at most 63 characters.
fn name_problem(name: &str) -> Option<String> {
    // The common case, valid, in one pass over the bytes.
    let bytes = name.as_bytes();
    if bytes.len() <= 63
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return None;
    }
    let alphanumeric = |c: char| c.is_ascii_alphanumeric();
    if name.len() > 63 {
        Some(format!("is {} characters long, more than 63", name.chars().count()))
    } else if let Some(bad) = name.chars().find(|&c| !(alphanumeric(c) || matches!(c, '-' | '_' | '.'))) {
        Some(format!("contains {bad:?}"))
    } else if !name.starts_with(alphanumeric) || !name.ends_with(alphanumeric) {
        Some("must start and end with a letter or digit".to_string())
    } else {
        None
    }
}

/// RFC 1123 subdomain: dot-separated lowercase labels of letters, digits and `-`, each starting
/// and ending with a letter or digit, at most 253 characters in all.
fn is_dns_subdomain(s: &str) -> bool {
    dns_subdomain_problem(s).is_none()
}

/// Whether `s` is an RFC 1123 subdomain, byte by byte (the common case of validation).
fn is_dns_subdomain_fast(s: &str) -> bool {
    let bytes = s.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || bytes.len() > 253 {
        return false;
    }
    let mut previous = b'.';
    for &b in bytes {
        let ok = match b {
            b'.' => edge(previous),
            b'-' => previous != b'.',
            _ => edge(b),
        };
        if !ok {
            return false;
        }
        previous = b;
    }
    edge(previous)
}

/// The rule as written, to check `is_dns_subdomain_fast` against.
#[cfg(test)]
fn is_dns_subdomain_slow(s: &str) -> bool {
    let label_ok = |label: &str| {
        let edge = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        !label.is_empty()
            && label.starts_with(edge)
            && label.ends_with(edge)
            && label.chars().all(|c| edge(c) || c == '-')
    };
    !s.is_empty() && s.len() <= 253 && s.split('.').all(label_ok)
}

fn ip_address(text: &str, ctx: &Ctx<'_>, path: &FieldPath<'_>) -> Result<IpAddr, SourceError> {
    text.parse().map_err(|_| {
        ctx.invalid(
            path,
            format!("{text:?} is not a valid IP address"),
            "write an IPv4 or IPv6 address such as 10.0.0.5",
        )
    })
}

/// The mesh whose sidecar proxy runs in the pod: a container (or an init container kept running,
/// a native sidecar) with the name the mesh's injector gives it.
fn sidecar_mesh(spec: &wire::PodSpec<'_>) -> Option<Mesh> {
    let running = spec.containers.iter().flatten();
    let native = spec.init_containers.iter().flatten().filter(|c| c.restart_policy.as_deref() == Some("Always"));
    running.chain(native).find_map(|c| c.name.as_deref().and_then(Mesh::from_container))
}

fn pod_ips(status: &wire::PodStatus<'_>, ctx: &Ctx<'_>) -> Result<Vec<IpAddr>, SourceError> {
    let status_path = FieldPath::root("status");
    // Sized exactly: the pod keeps it, and a vector grown by pushes holds room for four.
    let listed = status.pod_ips.as_deref().map_or(0, <[_]>::len);
    let single = status.pod_ip.as_deref().is_some_and(|ip| !ip.is_empty());
    let mut ips = Vec::with_capacity(if listed > 0 { listed } else { usize::from(single) });
    match status.pod_ips.as_deref() {
        Some(listed) if !listed.is_empty() => {
            let ips_path = status_path.field("podIPs");
            for (i, entry) in listed.iter().enumerate() {
                if !entry.ip.is_empty() {
                    let ip = ip_address(&entry.ip, ctx, &ips_path.index(i).field("ip"))?;
                    if !ips.contains(&ip) {
                        ips.push(ip);
                    }
                }
            }
        }
        _ => {
            if let Some(ip) = status.pod_ip.as_deref().filter(|ip| !ip.is_empty()) {
                ips.push(ip_address(ip, ctx, &status_path.field("podIP"))?);
            }
        }
    }
    Ok(ips)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{IpBlock, Peer, PolicyPort, PolicyTypes, Rule};
    use crate::source::file::load_str;

    fn snapshot(yaml: &str) -> Snapshot {
        load_str(yaml, "test.yaml", "default").unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(yaml: &str) -> String {
        match load_str(yaml, "test.yaml", "default") {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    fn policy(spec: &str) -> Policy {
        let yaml = format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\n  namespace: prod\nspec:\n{spec}"
        );
        snapshot(&yaml).policies.remove(0)
    }

    fn policy_error(spec: &str) -> String {
        error(&format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\n  namespace: prod\nspec:\n{spec}"
        ))
    }

    fn assert_names(message: &str, field: &str, words: &[&str]) {
        assert!(message.contains("NetworkPolicy prod/np"), "object not named: {message}");
        assert!(message.contains(&format!(": {field}: ")), "field {field} not named: {message}");
        assert!(
            message.contains("test.yaml: document 1 (line 1): ") || message.contains("test.yaml: document 1, line "),
            "location not named: {message}"
        );
        assert!(message.contains("\n  fix: "), "no fix: {message}");
        for word in words {
            assert!(message.contains(word), "{word:?} missing from: {message}");
        }
    }

    #[test]
    fn policy_types_absent_without_egress_is_ingress_only() {
        let p = policy("  podSelector: {}\n");
        assert_eq!(p.types, PolicyTypes { ingress: true, egress: false });
        assert!(p.types_defaulted);
    }

    #[test]
    fn policy_types_absent_with_empty_egress_list_is_ingress_only() {
        let p = policy("  podSelector: {}\n  egress: []\n");
        assert_eq!(p.types, PolicyTypes { ingress: true, egress: false });
        assert!(p.types_defaulted);
    }

    #[test]
    fn policy_types_absent_with_egress_rules_is_both() {
        let p = policy("  podSelector: {}\n  egress:\n  - {}\n");
        assert_eq!(p.types, PolicyTypes { ingress: true, egress: true });
        assert!(p.types_defaulted);
        assert_eq!(p.egress, vec![Rule::default()]);
    }

    #[test]
    fn policy_types_explicit_are_kept() {
        let p = policy("  podSelector: {}\n  policyTypes: [Egress]\n  ingress:\n  - {}\n");
        assert_eq!(p.types, PolicyTypes { ingress: false, egress: true });
        assert!(!p.types_defaulted);
        assert_eq!(p.ingress.len(), 1, "rules are kept even when their direction is not isolated");
    }

    #[test]
    fn policy_types_empty_list_is_defaulted_like_absent() {
        let p = policy("  podSelector: {}\n  policyTypes: []\n  egress:\n  - {}\n");
        assert_eq!(p.types, PolicyTypes { ingress: true, egress: true });
        assert!(p.types_defaulted);
    }

    #[test]
    fn pod_selector_absent_selects_every_pod() {
        assert_eq!(policy("  ingress: []\n").pod_selector, Selector::default());
    }

    #[test]
    fn policy_port_protocol_defaults_to_tcp() {
        let p =
            policy("  podSelector: {}\n  ingress:\n  - ports:\n    - port: 53\n    - port: 53\n      protocol: UDP\n");
        let ports = &p.ingress[0].ports;
        assert_eq!(ports[0], PolicyPort { protocol: Protocol::Tcp, port: Some(PortRef::Number(53)), end_port: None });
        assert_eq!(ports[1].protocol, Protocol::Udp);
    }

    #[test]
    fn policy_rules_keep_peers_ports_and_port_ranges() {
        let p = policy(
            "  podSelector:\n    matchLabels: {app: db}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {team: a}\n      podSelector:\n        matchExpressions:\n        - {key: tier, operator: In, values: [web]}\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}\n    ports:\n    - {port: 8000, endPort: 8080}\n    - {port: http, protocol: SCTP}\n",
        );
        assert_eq!(p.pod_selector.match_labels, vec![("app".to_string(), "db".to_string())]);
        let rule = &p.ingress[0];
        let Peer::Selectors { pod_selector: Some(pods), namespace_selector: Some(namespaces) } = &rule.peers[0] else {
            panic!("{:?}", rule.peers[0])
        };
        assert_eq!(namespaces.match_labels, vec![("team".to_string(), "a".to_string())]);
        assert_eq!(pods.match_expressions[0].operator, Operator::In);
        assert_eq!(
            rule.peers[1],
            Peer::IpBlock(IpBlock {
                cidr: "10.0.0.0/8".parse().unwrap(),
                except: vec!["10.1.0.0/16".parse().unwrap()]
            })
        );
        assert_eq!(rule.ports[0].end_port, Some(8080));
        assert_eq!(
            rule.ports[1],
            PolicyPort { protocol: Protocol::Sctp, port: Some(PortRef::Name("http".into())), end_port: None }
        );
    }

    #[test]
    fn cidr_with_host_bits_is_its_network() {
        let p =
            policy("  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.1/8, except: [10.1.2.3/16]}\n");
        let Peer::IpBlock(block) = &p.egress[0].peers[0] else { panic!() };
        assert_eq!(block.cidr.to_string(), "10.0.0.0/8");
        assert_eq!(block.except[0].to_string(), "10.1.0.0/16");
    }

    #[test]
    fn container_and_service_port_protocols_default_to_tcp() {
        let s = snapshot(
            "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - ports:\n    - containerPort: 80\n---\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: 80\n",
        );
        assert_eq!(s.pods[0].ports[0], ContainerPort { name: None, port: 80, protocol: Protocol::Tcp });
        assert_eq!(s.services[0].ports[0].protocol, Protocol::Tcp);
    }

    #[test]
    fn service_target_port_defaults_to_port() {
        let s = snapshot(
            "kind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: web}\n  clusterIP: 10.96.0.10\n  ports:\n  - {name: a, port: 80}\n  - name: b\n    port: 81\n    targetPort: 0\n  - name: c\n    port: 443\n    targetPort: https\n  - name: d\n    port: 53\n    targetPort: 5353\n    protocol: UDP\n",
        );
        let targets: Vec<&PortRef> = s.services[0].ports.iter().map(|p| &p.target_port).collect();
        assert_eq!(
            targets,
            [&PortRef::Number(80), &PortRef::Number(81), &PortRef::Name("https".into()), &PortRef::Number(5353)]
        );
        assert_eq!(s.services[0].cluster_ips, vec!["10.96.0.10".parse::<IpAddr>().unwrap()]);
        assert_eq!(s.services[0].selector.as_ref().unwrap()["app"], "web");
    }

    #[test]
    fn service_without_selector_or_headless_has_none() {
        let s = snapshot("kind: Service\nmetadata: {name: s}\nspec:\n  selector: {}\n  clusterIP: None\n");
        assert_eq!(s.services[0].selector, None);
        assert!(s.services[0].cluster_ips.is_empty());
    }

    #[test]
    fn namespace_gets_the_immutable_metadata_name_label() {
        let s = snapshot(
            "kind: Namespace\nmetadata:\n  name: prod\n  labels:\n    team: a\n    kubernetes.io/metadata.name: forged\n",
        );
        let ns = s.namespace("prod").unwrap();
        assert!(ns.known);
        assert_eq!(ns.labels[NAMESPACE_NAME_LABEL], "prod");
        assert_eq!(ns.labels["team"], "a");
    }

    #[test]
    fn namespaces_referenced_but_not_read_are_implicit() {
        let s = snapshot(
            "kind: Pod\nmetadata: {name: p, namespace: shop}\n---\nkind: Namespace\nmetadata: {name: known}\n",
        );
        let names: Vec<&str> = s.namespaces.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["known", "shop"]);
        assert_eq!(s.namespace("shop"), Some(&Namespace::implicit("shop")));
        assert!(!s.namespace("shop").unwrap().known);
    }

    #[test]
    fn default_namespace_applies_to_namespaced_kinds_only() {
        let s = load_str(
            "kind: Pod\nmetadata: {name: p}\n---\nkind: Node\nmetadata: {name: n1}\n---\nkind: Namespace\nmetadata: {name: other}\n---\nkind: NetworkPolicy\nmetadata: {name: np, namespace: explicit}\n",
            "test.yaml",
            "dev",
        )
        .unwrap();
        assert_eq!(s.pods[0].namespace, "dev");
        assert_eq!(s.policies[0].namespace, "explicit");
        let names: Vec<&str> = s.namespaces.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["dev", "explicit", "other"], "a Node or Namespace takes no namespace");
    }

    #[test]
    fn endpoint_slices_join_their_service_by_label_and_namespace() {
        let s = snapshot(
            "kind: Service\nmetadata: {name: web, namespace: a}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-x1\n  namespace: a\n  labels: {kubernetes.io/service-name: web}\naddressType: IPv4\nendpoints:\n- addresses: [10.0.0.5]\n  targetRef: {kind: Pod, name: web-1}\nports:\n- {name: http, port: 8080}\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-x2\n  namespace: b\n  labels: {kubernetes.io/service-name: web}\naddressType: IPv4\nendpoints:\n- addresses: [10.0.0.9]\n",
        );
        let endpoints = &s.services[0].endpoints;
        assert_eq!(endpoints.len(), 1, "the slice in namespace b belongs to another Service");
        assert_eq!(endpoints[0].ip, "10.0.0.5".parse::<IpAddr>().unwrap());
        assert_eq!(endpoints[0].pod.as_deref(), Some("web-1"));
        assert_eq!(
            endpoints[0].ports,
            vec![EndpointPort { name: Some("http".into()), port: 8080, protocol: Protocol::Tcp }]
        );
    }

    #[test]
    fn daemonsets_are_recorded_with_their_images() {
        let s = snapshot(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: calico-node, namespace: kube-system}\nspec:\n  selector: {matchLabels: {k8s-app: calico-node}}\n  template:\n    metadata: {labels: {k8s-app: calico-node}}\n    spec:\n      hostNetwork: true\n      initContainers: [{name: install-cni, image: calico/cni:v3}]\n      containers: [{name: node, image: calico/node:v3}]\n",
        );
        assert_eq!(
            s.daemonsets[0],
            DaemonSetInfo {
                namespace: "kube-system".into(),
                name: "calico-node".into(),
                images: vec!["calico/node:v3".into(), "calico/cni:v3".into()],
                args: Vec::new(),
            }
        );
        assert_eq!(s.workloads[0].kind, WorkloadKind::DaemonSet);
        assert!(s.workloads[0].host_network);
    }

    #[test]
    fn daemonset_command_lines_are_recorded_container_by_container() {
        let s = snapshot(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: node-local-dns, namespace: kube-system}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: node-cache, image: dns/k8s-dns-node-cache:1.23, command: [/node-cache], args: [-localip, '169.254.20.10,10.96.0.10', -conf, /etc/Corefile]}\n",
        );
        assert_eq!(
            s.daemonsets[0].args,
            ["/node-cache", "-localip", "169.254.20.10,10.96.0.10", "-conf", "/etc/Corefile"]
        );
    }

    #[test]
    fn ingress_classes_are_read_with_their_controller() {
        let s = snapshot(
            "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}\n---\napiVersion: example.com/v1\nkind: IngressClass\nmetadata: {name: other}\n",
        );
        assert_eq!(
            s.ingress_classes,
            [IngressClass { name: "nginx".into(), controller: "k8s.io/ingress-nginx".into() }]
        );
    }

    #[test]
    fn label_sets_are_interned_into_one_arc() {
        let s = snapshot(
            "kind: Pod\nmetadata: {name: a, labels: {app: web, tier: front}}\n---\nkind: Pod\nmetadata: {name: b, labels: {tier: front, app: web}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: web, tier: front}}\n---\nkind: Pod\nmetadata: {name: c, labels: {app: db}}\n",
        );
        assert!(Arc::ptr_eq(&s.pods[0].labels, &s.pods[1].labels));
        assert!(Arc::ptr_eq(&s.pods[0].labels, &s.workloads[0].template_labels));
        assert!(!Arc::ptr_eq(&s.pods[0].labels, &s.pods[2].labels));
        // Sets whose strings run together the same are different sets.
        let s = snapshot(
            "kind: Pod\nmetadata: {name: a, labels: {a: bc}}\n---\nkind: Pod\nmetadata: {name: b, labels: {ab: c}}\n",
        );
        assert_eq!(s.pods[0].labels.get("a").map(String::as_str), Some("bc"));
        assert_eq!(s.pods[1].labels.get("ab").map(String::as_str), Some("c"));
    }

    #[test]
    fn phases_nodes_and_service_accounts_are_shared_and_printable() {
        let s = snapshot(
            "kind: Pod\nmetadata: {name: a}\nspec: {nodeName: n1, serviceAccountName: api}\nstatus: {phase: Running}\n---\nkind: Pod\nmetadata: {name: b}\nspec: {nodeName: n1, serviceAccountName: api}\nstatus: {phase: Running}\n---\nkind: Pod\nmetadata: {name: c}\nspec: {nodeName: \"n\\e[2J\"}\n",
        );
        let (a, b) = (&s.pods[0], &s.pods[1]);
        for (x, y) in [(&a.node, &b.node), (&a.phase, &b.phase), (&a.service_account, &b.service_account)] {
            assert!(Arc::ptr_eq(x.as_ref().unwrap(), y.as_ref().unwrap()));
        }
        assert_eq!(s.pods[2].node.as_deref(), Some("n\\u{1b}[2J"), "escaped as before");
    }

    #[test]
    fn container_port_lists_are_interned_into_one_arc() {
        let pod = |name: &str| {
            format!(
                "kind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers:\n  - ports: [{{containerPort: 80, name: http}}]\n"
            )
        };
        let s = snapshot(&format!("{}---\n{}", pod("a"), pod("b")));
        assert!(Arc::ptr_eq(&s.pods[0].ports, &s.pods[1].ports));
    }

    #[test]
    fn sidecar_ports_count_and_plain_init_container_ports_do_not() {
        let s = snapshot(
            "kind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - {name: setup, ports: [{containerPort: 1000}]}\n  - {name: proxy, restartPolicy: Always, ports: [{containerPort: 15001}]}\n  containers:\n  - ports: [{containerPort: 80}]\n",
        );
        let ports: Vec<u16> = s.pods[0].ports.iter().map(|p| p.port).collect();
        assert_eq!(ports, [80, 15001]);
    }

    #[test]
    fn mesh_sidecars_are_known_by_their_container_name_native_sidecars_included() {
        let mesh = |spec: &str| snapshot(&format!("kind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}")).pods[0].mesh;
        assert_eq!(mesh("  containers: [{name: app}, {name: istio-proxy}]\n"), Some(Mesh::Istio));
        assert_eq!(
            mesh("  initContainers: [{name: linkerd-proxy, restartPolicy: Always}]\n  containers: [{name: app}]\n"),
            Some(Mesh::Linkerd)
        );
        // An init container that exits is no proxy; nor is a name that merely resembles one.
        assert_eq!(mesh("  initContainers: [{name: istio-proxy}]\n  containers: [{name: app}]\n"), None);
        assert_eq!(mesh("  containers: [{name: app}, {name: istio-proxy-exporter}]\n"), None);
    }

    #[test]
    fn pod_status_owner_and_host_network_are_read() {
        let s = snapshot(
            "kind: Pod\nmetadata:\n  name: web-1\n  ownerReferences:\n  - {kind: Node, name: n1}\n  - {kind: ReplicaSet, name: web-7d9f, controller: true}\nspec: {hostNetwork: true, nodeName: n1}\nstatus:\n  phase: Running\n  podIP: 10.0.0.1\n  podIPs: [{ip: 10.0.0.1}, {ip: 'fd00::1'}]\n",
        );
        let pod = &s.pods[0];
        assert_eq!(pod.owner, Some(Box::new(OwnerRef { kind: "ReplicaSet".into(), name: "web-7d9f".into() })));
        assert_eq!(pod.ips, vec!["10.0.0.1".parse::<IpAddr>().unwrap(), "fd00::1".parse().unwrap()]);
        assert_eq!((pod.host_network, pod.phase.as_deref(), pod.node.as_deref()), (true, Some("Running"), Some("n1")));
    }

    #[test]
    fn cronjob_reads_its_job_template() {
        let s = snapshot(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: backup}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {job: backup}}\n        spec:\n          containers: [{ports: [{containerPort: 9000}]}]\n",
        );
        let w = &s.workloads[0];
        assert_eq!(w.template_labels["job"], "backup");
        assert_eq!(w.selector.match_labels, vec![("job".to_string(), "backup".to_string())]);
        assert_eq!(w.template_ports[0].port, 9000);
    }

    #[test]
    fn node_addresses_keep_ips_only() {
        let s = snapshot(
            "kind: Node\nmetadata: {name: n1}\nstatus:\n  addresses:\n  - {type: InternalIP, address: 192.168.1.10}\n  - {type: Hostname, address: n1}\n",
        );
        assert_eq!(s.nodes[0].addresses, vec!["192.168.1.10".parse::<IpAddr>().unwrap()]);
    }

    #[test]
    fn a_later_object_replaces_an_earlier_one_of_the_same_name() {
        let s = snapshot(
            "kind: Pod\nmetadata: {name: p, labels: {v: '1'}}\n---\nkind: Pod\nmetadata: {name: q}\n---\nkind: Pod\nmetadata: {name: p, labels: {v: '2'}}\n",
        );
        assert_eq!(s.pods.len(), 2);
        assert_eq!(s.pods[0].labels["v"], "2");
    }

    #[test]
    fn unknown_selector_operator_lists_the_four() {
        let e = policy_error("  podSelector:\n    matchExpressions:\n    - {key: app, operator: in, values: [a]}\n");
        assert_names(
            &e,
            "spec.podSelector.matchExpressions[0].operator",
            &["\"in\"", "In, NotIn, Exists, DoesNotExist"],
        );
    }

    #[test]
    fn in_and_not_in_need_values() {
        let e = policy_error("  podSelector:\n    matchExpressions:\n    - {key: app, operator: NotIn}\n");
        assert_names(&e, "spec.podSelector.matchExpressions[0].values", &["must be specified", "NotIn"]);
    }

    #[test]
    fn exists_and_does_not_exist_take_no_values() {
        let e =
            policy_error("  podSelector:\n    matchExpressions:\n    - {key: app, operator: Exists, values: [a]}\n");
        assert_names(&e, "spec.podSelector.matchExpressions[0].values", &["may not be specified", "Exists"]);
    }

    #[test]
    fn invalid_cidr_is_rejected() {
        let e = policy_error("  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/33}\n");
        assert_names(&e, "spec.ingress[0].from[0].ipBlock.cidr", &["\"10.0.0.0/33\"", "not a valid CIDR"]);
        let e = policy_error("  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.1}\n");
        assert_names(&e, "spec.ingress[0].from[0].ipBlock.cidr", &["an address, not a CIDR", "10.0.0.1/32"]);
        let e = policy_error("  ingress:\n  - from:\n    - ipBlock: {except: [10.0.0.0/8]}\n");
        assert_names(&e, "spec.ingress[0].from[0].ipBlock.cidr", &["is required"]);
    }

    #[test]
    fn except_must_be_a_strict_subset_of_cidr() {
        let e = policy_error(
            "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 192.168.0.0/16]}\n",
        );
        assert_names(&e, "spec.egress[0].to[0].ipBlock.except[1]", &["192.168.0.0/16", "strict subset"]);
        let e = policy_error("  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}\n");
        assert_names(&e, "spec.egress[0].to[0].ipBlock.except[0]", &["strict subset"]);
    }

    #[test]
    fn a_peer_needs_a_selector_or_an_ip_block() {
        let e = policy_error("  ingress:\n  - from:\n    - {}\n");
        assert_names(&e, "spec.ingress[0].from[0]", &["must specify a peer", "leave out `from`"]);
    }

    #[test]
    fn ip_block_cannot_be_combined_with_a_selector() {
        let e = policy_error("  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8}\n      namespaceSelector: {}\n");
        assert_names(&e, "spec.egress[0].to[0]", &["both ipBlock and another peer", "two `to` entries"]);
    }

    #[test]
    fn port_numbers_must_be_within_1_to_65535() {
        let e = policy_error("  ingress:\n  - ports:\n    - port: 70000\n");
        assert_names(&e, "spec.ingress[0].ports[0].port", &["70000", "between 1 and 65535"]);
        let e = policy_error("  ingress:\n  - ports:\n    - port: 0\n");
        assert_names(&e, "spec.ingress[0].ports[0].port", &["0 is not a valid port number"]);
    }

    #[test]
    fn port_names_follow_the_iana_service_name_rule() {
        let e = policy_error("  ingress:\n  - ports:\n    - port: HTTP\n");
        assert_names(&e, "spec.ingress[0].ports[0].port", &["\"HTTP\"", "lowercase"]);
        let e = policy_error("  ingress:\n  - ports:\n    - port: '8080'\n");
        assert_names(&e, "spec.ingress[0].ports[0].port", &["at least one letter"]);
    }

    #[test]
    fn end_port_needs_a_numeric_port_not_above_it() {
        let e = policy_error("  ingress:\n  - ports:\n    - endPort: 90\n");
        assert_names(&e, "spec.ingress[0].ports[0].endPort", &["`port` is not specified"]);
        let e = policy_error("  ingress:\n  - ports:\n    - {port: http, endPort: 90}\n");
        assert_names(&e, "spec.ingress[0].ports[0].endPort", &["non-numeric"]);
        let e = policy_error("  ingress:\n  - ports:\n    - {port: 100, endPort: 90}\n");
        assert_names(&e, "spec.ingress[0].ports[0].endPort", &["greater than or equal to `port`"]);
        let e = policy_error("  ingress:\n  - ports:\n    - {port: 100, endPort: 65536}\n");
        assert_names(&e, "spec.ingress[0].ports[0].endPort", &["65536 is not a valid port number"]);
    }

    #[test]
    fn unknown_protocol_is_rejected() {
        let e = policy_error("  ingress:\n  - ports:\n    - {port: 53, protocol: tcp}\n");
        assert_names(&e, "spec.ingress[0].ports[0].protocol", &["\"tcp\"", "upper case: TCP"]);
        let e = policy_error("  ingress:\n  - ports:\n    - {port: 53, protocol: ICMP}\n");
        assert_names(&e, "spec.ingress[0].ports[0].protocol", &["\"ICMP\"", "TCP, UDP or SCTP"]);
    }

    #[test]
    fn policy_types_accept_only_ingress_and_egress() {
        let e = policy_error("  policyTypes: [Ingress, egress]\n");
        assert_names(&e, "spec.policyTypes[1]", &["\"egress\"", "`Egress`"]);
        let e = policy_error("  policyTypes: [Ingress, Egress, Ingress]\n");
        assert_names(&e, "spec.policyTypes", &["more than two"]);
    }

    #[test]
    fn selector_label_keys_and_values_must_be_valid() {
        let e = policy_error("  podSelector:\n    matchLabels: {'bad key': x}\n");
        assert_names(&e, "spec.podSelector.matchLabels", &["label key \"bad key\"", "contains ' '"]);
        let e = policy_error("  podSelector:\n    matchLabels: {'Example.com/app': x}\n");
        assert_names(&e, "spec.podSelector.matchLabels", &["prefix \"Example.com\""]);
        let e = policy_error("  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {app: -web}\n");
        assert_names(&e, "spec.ingress[0].from[0].podSelector.matchLabels", &["label value \"-web\"", "start and end"]);
        let e = policy_error(
            "  podSelector:\n    matchExpressions:\n    - {key: app, operator: In, values: [ok, 'not ok']}\n",
        );
        assert_names(&e, "spec.podSelector.matchExpressions[0].values[1]", &["\"not ok\""]);
        let long = "a".repeat(64);
        let e = policy_error(&format!("  podSelector:\n    matchLabels: {{app: {long}}}\n"));
        assert_names(&e, "spec.podSelector.matchLabels", &["more than 63"]);
    }

    /// A label value of 4 GiB used to panic in `LabelInterner::intern`; now it is an invalid
    /// label like any other over 63 characters. Allocates 4 GiB (untouched pages, read once).
    #[test]
    #[ignore = "reads a 4 GiB label value; run with --ignored"]
    fn a_label_value_of_4_gib_is_an_error_not_a_panic() {
        let value = String::from_utf8(vec![0u8; u32::MAX as usize + 1]).unwrap();
        let mut interner = LabelInterner::default();
        let at = Location::default();
        let ctx = Ctx { kind: "Pod", namespace: Some("shop"), name: "p", at: &at };
        let labels = LabelMap(vec![(Str::from("app"), Str(std::borrow::Cow::Owned(value)))]);
        let e = interner.intern(labels, &ctx, &FieldPath::root("metadata").field("labels")).unwrap_err();
        assert!(e.to_string().contains("more than 63"), "{e}");
    }

    #[test]
    fn the_fast_subdomain_check_is_the_rule() {
        for s in [
            "a", "a.b", "a-b.c-d", "0", "a.", ".a", "a..b", "-a", "a-", "a.-b", "a-.b", "A", "a_b", "", "ab.c9",
            "x.y.z",
        ] {
            assert_eq!(is_dns_subdomain_fast(s), is_dns_subdomain_slow(s), "{s:?}");
        }
        assert!(!is_dns_subdomain_fast(&"a".repeat(254)));
    }

    #[test]
    fn valid_label_keys_pass() {
        let p =
            policy("  podSelector:\n    matchLabels: {app.kubernetes.io/name: web, k8s-app: kube-dns, a_b.c: ''}\n");
        assert_eq!(p.pod_selector.match_labels.len(), 3);
    }

    #[test]
    fn missing_name_is_an_error() {
        let e = error("kind: Pod\nmetadata:\n  namespace: prod\n");
        assert!(e.contains("Pod without a name in namespace prod: metadata.name: is required"), "{e}");
    }

    #[test]
    fn invalid_ip_addresses_name_their_field() {
        let e = error("kind: Pod\nmetadata: {name: p}\nstatus:\n  podIPs: [{ip: 10.0.0.300}]\n");
        assert!(e.contains("Pod default/p: status.podIPs[0].ip: \"10.0.0.300\" is not a valid IP address"), "{e}");
    }

    #[test]
    fn pod_addresses_are_kept_without_spare_room() {
        // 100,000 pods each holding room for four addresses were 7 MB of a lean snapshot.
        let s = snapshot(
            "kind: Pod\nmetadata: {name: two}\nstatus:\n  podIP: 10.0.0.1\n  podIPs: [{ip: 10.0.0.1}, {ip: 'fd00::1'}]\n---\n\
             kind: Pod\nmetadata: {name: one}\nstatus: {podIP: 10.0.0.2}\n---\n\
             kind: Pod\nmetadata: {name: none}\nstatus: {phase: Pending, podIPs: []}\n",
        );
        let ips: Vec<(&str, usize, usize)> =
            s.pods.iter().map(|p| (p.name.as_str(), p.ips.len(), p.ips.capacity())).collect();
        assert_eq!(ips, [("two", 2, 2), ("one", 1, 1), ("none", 0, 0)]);
    }

    #[test]
    fn container_ports_are_validated() {
        let e = error(
            "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - ports: [{containerPort: 80}, {protocol: UDP}]\n",
        );
        assert!(e.contains("Pod default/p: spec.containers[0].ports[1].containerPort: is required"), "{e}");
    }

    #[test]
    fn errors_without_a_location_start_with_the_object() {
        let mut builder = SnapshotBuilder::new("default");
        let pod = wire::Pod {
            metadata: Some(wire::ObjectMeta { name: Some("p".into()), ..Default::default() }),
            spec: None,
            status: Some(wire::PodStatus { pod_ip: Some("x".into()), ..Default::default() }),
            ..Default::default()
        };
        let e = builder.add_pod(pod, &Location::default()).unwrap_err().to_string();
        assert!(e.starts_with("Pod default/p: status.podIP: \"x\" is not a valid IP address\n  fix: "), "{e}");
    }
}
