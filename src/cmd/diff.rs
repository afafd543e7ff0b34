//! `kubectl deny diff`: what a change does to reachability before it is applied. The current
//! state (live or `-f`) is compared with a copy changed by `--with` (objects added, or replacing
//! those of the same kind, namespace and name) and `--without` (policies removed): the
//! flows newly blocked and newly allowed between pod groups, per declared destination port (or
//! every port with `--all-ports`), or, with `--flows`, only the flows observed. Exit 1 when the
//! change blocks something that was allowed: a CI gate for a GitOps pull request.
//!
//! Verdicts come from the engine's public API only, on both states.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use crate::cli::{DiffArgs, OutputFormat};
use crate::context::{Context, SourceSpec};
use crate::engine::calico::CalicoKind;
use crate::engine::tiers::ClusterKind;
use crate::engine::{Endpoint, Engine, Pod, PortQuery, PortSet, Protocol, Snapshot, matrix};
use crate::error::Error;
use crate::exit::Exit;
use crate::flows::map::Owners;
use crate::render::diff::{Change, DiffReport};
use crate::source::live::Live;

use super::load::Scope;

pub fn run(ctx: &Context, args: &DiffArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let format = ctx.output_format("diff", &[OutputFormat::Table, OutputFormat::Json])?;
    if args.with.is_empty() && args.without.is_empty() {
        return Err(Error::Usage(
            "diff needs a change: --with PATH (manifests to add or replace) and/or --without [TYPE/]NS/NAME \
             (a policy to remove)"
                .into(),
        ));
    }
    let stdin_uses = args.with.iter().chain(&args.flows).filter(|p| p.as_os_str() == "-").count()
        + match &ctx.source {
            SourceSpec::Files(paths) => paths.iter().filter(|p| p.as_os_str() == "-").count(),
            SourceSpec::Kustomize(_) | SourceSpec::Cluster(_) => 0,
        };
    if stdin_uses > 1 {
        return Err(Error::Usage("only one of -f, --with and --flows may read stdin (-)".into()));
    }
    let mut notes = Vec::new();
    let (before, default_namespace, loaded) = if args.flows.is_empty() {
        let (snapshot, default_namespace) = load_state(ctx, &mut notes, err)?;
        (snapshot, default_namespace, None)
    } else {
        let cidrs = super::audit::group_cidrs(&args.group_cidr)?;
        let loaded = super::audit::load(ctx, &args.flows, &cidrs, false, err)?;
        notes.extend(loaded.notes.iter().cloned());
        notes.extend(loaded.observed.bad_warning());
        (loaded.snapshot.clone(), loaded.default_namespace.clone(), Some((loaded, cidrs)))
    };
    let after = changed(&before, args, &default_namespace)?;
    let scope = if ctx.all_namespaces {
        Scope::All
    } else if ctx.namespaces.is_empty() {
        Scope::Namespaces(vec![default_namespace.clone()])
    } else {
        Scope::Namespaces(ctx.namespaces.clone())
    };
    let (before_engine, after_engine) = (Engine::new(&before), Engine::new(&after));
    let (blocked, allowed, compared) = match &loaded {
        Some((loaded, cidrs)) => {
            let resolved_after = crate::flows::map::resolve(&loaded.observed, &after, cidrs);
            flow_changes(&loaded.resolved, &resolved_after, &before_engine, &after_engine, &scope)
        }
        None if args.all_ports => port_changes(&before, &after, &before_engine, &after_engine, &scope, true),
        None => port_changes(&before, &after, &before_engine, &after_engine, &scope, false),
    };
    let report = DiffReport {
        compared,
        with: args.with.iter().map(|p| p.display().to_string()).collect(),
        without: args.without.clone(),
        newly_blocked: blocked,
        newly_allowed: allowed,
    };
    match format {
        OutputFormat::Json => crate::render::diff::json(out, &report),
        _ => crate::render::diff::table(out, &report, ctx.palette),
    }
    .map_err(super::output_error)?;
    for note in notes {
        let _ = writeln!(err, "Warning: {note}");
    }
    Ok(if report.newly_blocked.is_empty() { Exit::Success } else { Exit::Negative })
}

/// The current state: the manifests, or the pods, workloads and policies of the scope.
fn load_state(ctx: &Context, notes: &mut Vec<String>, err: &mut dyn Write) -> Result<(Snapshot, String), Error> {
    match &ctx.source {
        SourceSpec::Files(_) | SourceSpec::Kustomize(_) => {
            let default_namespace = ctx.namespaces.first().cloned().unwrap_or_else(|| "default".to_string());
            let snapshot = super::load::read_manifests(ctx, &default_namespace, err)?;
            Ok((snapshot, default_namespace))
        }
        SourceSpec::Cluster(spec) => {
            let mut live = Live::connect(spec, &ctx.kube_env, ctx.namespaces.first().map(String::as_str))?;
            let default_namespace = live.default_namespace().to_string();
            let scope: Option<Vec<String>> = if ctx.all_namespaces {
                None
            } else if ctx.namespaces.is_empty() {
                Some(vec![default_namespace.clone()])
            } else {
                Some(ctx.namespaces.clone())
            };
            let snapshot = live.workloads_scope(scope.as_deref())?;
            notes.extend(live.take_notes());
            Ok((snapshot, default_namespace))
        }
    }
}

/// `before` with `--with` applied (same kind, namespace and name replaced, others added) and the
/// `--without` policies removed.
pub fn changed(before: &Snapshot, args: &DiffArgs, default_namespace: &str) -> Result<Snapshot, Error> {
    let mut after = before.clone();
    if !args.with.is_empty() {
        let added = crate::source::file::load(&args.with, default_namespace, &mut std::io::stdin().lock())?;
        merge(&mut after, added);
    }
    for item in &args.without {
        let removal = Removal::parse(item, default_namespace)?;
        if !removal.remove(&mut after) {
            return Err(Error::NotFound(removal.missing(item)));
        }
    }
    Ok(after)
}

/// Adds `added` to `after`: an object of the same kind, namespace and name as one already there
/// replaces it (as `kubectl apply` would), every other is added. Every kind the engine reads
/// takes part, so a pull request adding a CiliumNetworkPolicy or a Calico tier is compared too.
fn merge(after: &mut Snapshot, added: Snapshot) {
    fn replace<T>(into: &mut Vec<T>, items: Vec<T>, same: impl Fn(&T, &T) -> bool) {
        for item in items {
            into.retain(|old| !same(old, &item));
            into.push(item);
        }
    }
    replace(&mut after.namespaces, added.namespaces.into_iter().filter(|n| n.known).collect(), |a, b| a.name == b.name);
    replace(&mut after.policies, added.policies, |a, b| a.namespace == b.namespace && a.name == b.name);
    replace(&mut after.pods, added.pods, |a, b| a.namespace == b.namespace && a.name == b.name);
    replace(&mut after.services, added.services, |a, b| a.namespace == b.namespace && a.name == b.name);
    replace(&mut after.workloads, added.workloads, |a, b| {
        a.kind == b.kind && a.namespace == b.namespace && a.name == b.name
    });
    replace(&mut after.cluster_policies, added.cluster_policies, |a, b| a.kind == b.kind && a.name == b.name);
    replace(&mut after.nodes, added.nodes, |a, b| a.name == b.name);
    replace(&mut after.daemonsets, added.daemonsets, |a, b| a.namespace == b.namespace && a.name == b.name);
    replace(&mut after.cilium_policies, added.cilium_policies, |a, b| a.namespace == b.namespace && a.name == b.name);
    replace(&mut after.cilium_cidr_groups, added.cilium_cidr_groups, |a, b| a.0 == b.0);
    replace(&mut after.calico.tiers, added.calico.tiers, |a, b| a.name == b.name);
    replace(&mut after.calico.policies, added.calico.policies, |a, b| {
        a.kind == b.kind && a.namespace == b.namespace && a.name == b.name
    });
    replace(&mut after.calico.staged, added.calico.staged, |a, b| {
        a.kind == b.kind && a.namespace == b.namespace && a.name == b.name
    });
    after.foreign_policies.extend(added.foreign_policies);
}

/// A policy `--without` removes: `NS/NAME` or `NAME` (a NetworkPolicy, as most users mean), or
/// `TYPE/NAME` and `TYPE/NS/NAME` with TYPE one of the kinds the engine reads, named as kubectl
/// names them (kind, plural or short name, case-insensitive).
#[derive(Debug, PartialEq, Eq)]
struct Removal {
    kind: PolicyKind,
    namespace: Option<String>,
    name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PolicyKind {
    NetworkPolicy,
    CiliumNetworkPolicy,
    CalicoNetworkPolicy,
    CiliumClusterwideNetworkPolicy,
    Cluster(ClusterKind),
    CalicoGlobalNetworkPolicy,
}

impl PolicyKind {
    /// The kinds and the names kubectl knows them by. `cnp` is Cilium's short name (the
    /// network-policy-api's ClusterNetworkPolicy has to be spelt out).
    const NAMES: &[(PolicyKind, &[&str])] = &[
        (
            PolicyKind::NetworkPolicy,
            &[
                "networkpolicy",
                "networkpolicies",
                "netpol",
                "networkpolicy.networking.k8s.io",
                "networkpolicies.networking.k8s.io",
            ],
        ),
        (PolicyKind::CiliumNetworkPolicy, &["ciliumnetworkpolicy", "ciliumnetworkpolicies", "cnp", "ciliumnp"]),
        (
            PolicyKind::CalicoNetworkPolicy,
            &[
                "networkpolicy.projectcalico.org",
                "networkpolicies.projectcalico.org",
                "networkpolicies.crd.projectcalico.org",
            ],
        ),
        (
            PolicyKind::CiliumClusterwideNetworkPolicy,
            &["ciliumclusterwidenetworkpolicy", "ciliumclusterwidenetworkpolicies", "ccnp"],
        ),
        (PolicyKind::Cluster(ClusterKind::AdminNetworkPolicy), &["adminnetworkpolicy", "adminnetworkpolicies", "anp"]),
        (
            PolicyKind::Cluster(ClusterKind::BaselineAdminNetworkPolicy),
            &["baselineadminnetworkpolicy", "baselineadminnetworkpolicies", "banp"],
        ),
        (PolicyKind::Cluster(ClusterKind::ClusterNetworkPolicy), &["clusternetworkpolicy", "clusternetworkpolicies"]),
        (
            PolicyKind::CalicoGlobalNetworkPolicy,
            &[
                "globalnetworkpolicy",
                "globalnetworkpolicies",
                "gnp",
                "globalnetworkpolicy.projectcalico.org",
                "globalnetworkpolicies.projectcalico.org",
                "globalnetworkpolicies.crd.projectcalico.org",
            ],
        ),
    ];

    fn named(word: &str) -> Option<PolicyKind> {
        let word = word.to_ascii_lowercase();
        Self::NAMES.iter().find(|(_, names)| names.contains(&word.as_str())).map(|(kind, _)| *kind)
    }

    fn namespaced(self) -> bool {
        matches!(self, PolicyKind::NetworkPolicy | PolicyKind::CiliumNetworkPolicy | PolicyKind::CalicoNetworkPolicy)
    }

    /// As messages name it, and the resource `kubectl get` takes.
    fn words(self) -> (&'static str, &'static str) {
        match self {
            PolicyKind::NetworkPolicy => ("NetworkPolicy", "networkpolicies"),
            PolicyKind::CiliumNetworkPolicy => ("CiliumNetworkPolicy", "ciliumnetworkpolicies"),
            PolicyKind::CalicoNetworkPolicy => ("Calico NetworkPolicy", "networkpolicies.projectcalico.org"),
            PolicyKind::CiliumClusterwideNetworkPolicy => {
                ("CiliumClusterwideNetworkPolicy", "ciliumclusterwidenetworkpolicies")
            }
            PolicyKind::Cluster(ClusterKind::AdminNetworkPolicy) => ("AdminNetworkPolicy", "adminnetworkpolicies"),
            PolicyKind::Cluster(ClusterKind::BaselineAdminNetworkPolicy) => {
                ("BaselineAdminNetworkPolicy", "baselineadminnetworkpolicies")
            }
            PolicyKind::Cluster(ClusterKind::ClusterNetworkPolicy) => {
                ("ClusterNetworkPolicy", "clusternetworkpolicies")
            }
            PolicyKind::CalicoGlobalNetworkPolicy => {
                ("Calico GlobalNetworkPolicy", "globalnetworkpolicies.projectcalico.org")
            }
        }
    }
}

impl Removal {
    fn parse(item: &str, default_namespace: &str) -> Result<Removal, Error> {
        let invalid = |why: &str| {
            Error::Usage(format!(
                "invalid --without {item:?}: {why}; name a NetworkPolicy as NAMESPACE/NAME (or NAME in -n's \
                 namespace), any other policy as TYPE/NAMESPACE/NAME or, cluster-wide, TYPE/NAME (TYPE: cnp, ccnp, \
                 anp, banp, clusternetworkpolicy, networkpolicy.projectcalico.org, gnp)"
            ))
        };
        let parts: Vec<&str> = item.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(invalid("an empty part"));
        }
        let (kind, namespace, name) = match parts[..] {
            [name] => (PolicyKind::NetworkPolicy, Some(default_namespace), name),
            [first, name] => match PolicyKind::named(first) {
                Some(kind) if kind.namespaced() => (kind, Some(default_namespace), name),
                Some(kind) => (kind, None, name),
                None => (PolicyKind::NetworkPolicy, Some(first), name),
            },
            [kind, namespace, name] => match PolicyKind::named(kind) {
                Some(kind) if kind.namespaced() => (kind, Some(namespace), name),
                Some(kind) => return Err(invalid(&format!("a {} has no namespace", kind.words().0))),
                None => return Err(invalid(&format!("{kind:?} is not a policy kind kubectl-deny reads"))),
            },
            _ => return Err(invalid("too many parts")),
        };
        Ok(Removal { kind, namespace: namespace.map(str::to_string), name: name.to_string() })
    }

    /// Removes the policy from `snapshot`; false when there is none of that kind and name.
    fn remove(&self, snapshot: &mut Snapshot) -> bool {
        fn drop<T>(items: &mut Vec<T>, is: impl Fn(&T) -> bool) -> bool {
            let count = items.len();
            items.retain(|item| !is(item));
            items.len() != count
        }
        let (ns, name) = (self.namespace.as_deref(), self.name.as_str());
        match self.kind {
            PolicyKind::NetworkPolicy => {
                drop(&mut snapshot.policies, |p| Some(p.namespace.as_str()) == ns && p.name == name)
            }
            PolicyKind::CiliumNetworkPolicy | PolicyKind::CiliumClusterwideNetworkPolicy => {
                drop(&mut snapshot.cilium_policies, |p| p.namespace.as_deref() == ns && p.name == name)
            }
            PolicyKind::Cluster(kind) => drop(&mut snapshot.cluster_policies, |p| p.kind == kind && p.name == name),
            PolicyKind::CalicoNetworkPolicy | PolicyKind::CalicoGlobalNetworkPolicy => {
                let kind = match self.kind {
                    PolicyKind::CalicoNetworkPolicy => CalicoKind::NetworkPolicy,
                    _ => CalicoKind::GlobalNetworkPolicy,
                };
                drop(&mut snapshot.calico.policies, |p| {
                    p.kind == kind && p.namespace.as_deref() == ns && p.name == name
                })
            }
        }
    }

    /// The error when there is nothing to remove, with the command that lists what there is.
    fn missing(&self, item: &str) -> String {
        let (kind, resource) = self.kind.words();
        match &self.namespace {
            Some(ns) => format!(
                "--without {item}: there is no {kind} {} in namespace {ns} (check with: kubectl get {resource} -n {ns})",
                self.name
            ),
            None => format!("--without {item}: there is no {kind} {} (check with: kubectl get {resource})", self.name),
        }
    }
}

/// The pods compared: those of the scope in the changed state (templates of workloads without
/// pods too), with the same pod in the current state if it exists there.
fn scope_pods<'s>(snapshot: &'s Snapshot, templates: &'s [Pod], scope: &Scope) -> Vec<&'s Pod> {
    let mut pods: Vec<&Pod> = snapshot
        .pods
        .iter()
        .chain(templates)
        .filter(|p| match scope {
            Scope::All => true,
            Scope::Namespaces(ns) => ns.contains(&p.namespace),
        })
        .collect();
    pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    pods
}

/// A group as people know it: its workloads (or pods).
fn group_name(owners: &Owners, members: &[&Pod]) -> String {
    let names: BTreeSet<String> = members.iter().map(|p| owners.display(p)).collect();
    let mut names: Vec<String> = names.into_iter().collect();
    if names.len() > 3 {
        let more = names.len() - 2;
        names.truncate(2);
        names.push(format!("(+{more} more)"));
    }
    names.join(", ")
}

type Changes = (Vec<Change>, Vec<Change>, String);

/// Newly blocked and newly allowed ports between pod groups of the scope.
fn port_changes(
    before: &Snapshot,
    after: &Snapshot,
    before_engine: &Engine,
    after_engine: &Engine,
    scope: &Scope,
    all_ports: bool,
) -> Changes {
    let templates = crate::cmd::resolve::templates_without_pods(after, None);
    let pods = scope_pods(after, &templates, scope);
    let before_templates = crate::cmd::resolve::templates_without_pods(before, None);
    let before_pods: BTreeMap<(&str, &str), &Pod> =
        before.pods.iter().chain(&before_templates).map(|p| ((p.namespace.as_str(), p.name.as_str()), p)).collect();
    // Groups valid in both states: by what the changed state's policies (and the current one's,
    // through the combined grouping) tell apart, split where the pod itself changed.
    let mut combined = after.clone();
    combined.policies.extend(before.policies.iter().cloned());
    combined.cluster_policies.extend(before.cluster_policies.iter().cloned());
    let combined_engine = Engine::new(&combined);
    let mut groups: Vec<Vec<&Pod>> = Vec::new();
    for g in matrix::group(&combined_engine, &pods) {
        let mut split: Vec<Vec<&Pod>> = Vec::new();
        for p in g.members {
            let old = before_pods.get(&(p.namespace.as_str(), p.name.as_str())).copied();
            let same = |q: &&Pod| {
                let o = before_pods.get(&(q.namespace.as_str(), q.name.as_str())).copied();
                match (o, old) {
                    (Some(a), Some(b)) => a.labels == b.labels && a.ports == b.ports,
                    (None, None) => true,
                    _ => false,
                }
            };
            match split.iter_mut().find(|s| same(&s[0])) {
                Some(s) => s.push(p),
                None => split.push(vec![p]),
            }
        }
        groups.extend(split);
    }
    let owners_after = Owners::new(after);
    let names: Vec<String> = groups.iter().map(|g| group_name(&owners_after, g)).collect();
    let old = |p: &Pod| before_pods.get(&(p.namespace.as_str(), p.name.as_str())).copied();
    let mut blocked: BTreeMap<(String, String), PortSet> = BTreeMap::new();
    let mut allowed: BTreeMap<(String, String), PortSet> = BTreeMap::new();
    for (fi, from) in groups.iter().enumerate() {
        for (ti, to) in groups.iter().enumerate() {
            if fi == ti && from.len() < 2 {
                continue;
            }
            let (a, b) = (from[0], if fi == ti { to[1] } else { to[0] });
            let (a_old, b_old) = (old(a), old(b));
            let (gained, lost) = if all_ports {
                let query = PortQuery::Any { protocol: None };
                let now = after_engine.evaluate(Endpoint::Pod(a), Endpoint::Pod(b), query).allowed_ports;
                let then = match (a_old, b_old) {
                    (Some(x), Some(y)) => {
                        before_engine.evaluate(Endpoint::Pod(x), Endpoint::Pod(y), query).allowed_ports
                    }
                    _ => Some(PortSet::empty()),
                };
                let (now, then) = (now.unwrap_or_else(PortSet::empty), then.unwrap_or_else(PortSet::empty));
                (difference(&now, &then), difference(&then, &now))
            } else {
                let mut ports: Vec<(u16, Protocol)> = b.ports.iter().map(|c| (c.port, c.protocol)).collect();
                if let Some(o) = b_old {
                    ports.extend(o.ports.iter().map(|c| (c.port, c.protocol)));
                }
                ports.sort_unstable();
                ports.dedup();
                let (mut gained, mut lost) = (PortSet::empty(), PortSet::empty());
                for (port, protocol) in ports {
                    let now = after_engine.decide(Endpoint::Pod(a), Endpoint::Pod(b), port, protocol);
                    let then = match (a_old, b_old) {
                        (Some(x), Some(y)) => before_engine.decide(Endpoint::Pod(x), Endpoint::Pod(y), port, protocol),
                        _ => false,
                    };
                    match (then, now) {
                        (true, false) => lost.insert(protocol, port, port),
                        (false, true) => gained.insert(protocol, port, port),
                        _ => {}
                    }
                }
                (gained, lost)
            };
            let key = (names[fi].clone(), names[ti].clone());
            if !lost.is_empty() {
                blocked.entry(key.clone()).or_insert_with(PortSet::empty).union_with(&lost);
            }
            if !gained.is_empty() {
                allowed.entry(key).or_insert_with(PortSet::empty).union_with(&gained);
            }
        }
    }
    let rows = |m: BTreeMap<(String, String), PortSet>| -> Vec<Change> {
        m.into_iter().map(|((from, to), ports)| Change { from, to, ports: port_words(&ports), count: None }).collect()
    };
    let compared = format!(
        "{} pod group(s) of {} pod(s), {}",
        groups.len(),
        pods.len(),
        if all_ports { "every port and protocol" } else { "at each destination's declared ports" }
    );
    (rows(blocked), rows(allowed), compared)
}

/// `a` less `b`.
fn difference(a: &PortSet, b: &PortSet) -> PortSet {
    let mut out = PortSet::empty();
    for (protocol, lo, hi) in a.iter() {
        let mut start = u32::from(lo);
        let end = u32::from(hi);
        for &(blo, bhi) in b.ranges(protocol) {
            let (blo, bhi) = (u32::from(blo), u32::from(bhi));
            if bhi < start || blo > end {
                continue;
            }
            if blo > start {
                out.insert(protocol, start as u16, (blo - 1) as u16);
            }
            start = bhi + 1;
            if start > end {
                break;
            }
        }
        if start <= end {
            out.insert(protocol, start as u16, end as u16);
        }
    }
    out
}

fn port_words(ports: &PortSet) -> Vec<String> {
    if ports.is_all() {
        return vec!["every port".into()];
    }
    ports
        .iter()
        .map(|(protocol, lo, hi)| match (lo, hi) {
            (1, 65535) => format!("every {protocol} port"),
            (lo, hi) if lo == hi => format!("{lo}/{protocol}"),
            (lo, hi) => format!("{lo}-{hi}/{protocol}"),
        })
        .collect()
}

/// The observed flows whose verdict the change turns.
fn flow_changes(
    before: &crate::flows::Resolved,
    after: &crate::flows::Resolved,
    before_engine: &Engine,
    after_engine: &Engine,
    scope: &Scope,
) -> Changes {
    let key = |r: &crate::flows::Resolved, f: &crate::flows::Flow| {
        (r.peer(f.from).display.clone(), r.peer(f.to).display.clone(), f.port, f.protocol)
    };
    let after_flows: BTreeMap<_, &crate::flows::Flow> = after.flows.iter().map(|f| (key(after, f), f)).collect();
    let in_scope = |r: &crate::flows::Resolved, f: &crate::flows::Flow| match scope {
        Scope::All => true,
        Scope::Namespaces(ns) => {
            [f.from, f.to].iter().any(|i| r.peer(*i).namespace.as_ref().is_some_and(|n| ns.contains(n)))
        }
    };
    let (mut blocked, mut allowed) = (Vec::new(), Vec::new());
    let mut compared = 0;
    for f in before.flows.iter().filter(|f| in_scope(before, f)) {
        let k = key(before, f);
        let Some(g) = after_flows.get(&k) else { continue };
        compared += 1;
        let then = super::audit::allowed(before_engine, before.peer(f.from), before.peer(f.to), f.port, f.protocol);
        let now = super::audit::allowed(after_engine, after.peer(g.from), after.peer(g.to), g.port, g.protocol);
        let change = Change {
            from: k.0.clone(),
            to: k.1.clone(),
            ports: vec![format!("{}/{}", f.port, f.protocol)],
            count: Some(f.stats.count),
        };
        match (then, now) {
            (true, false) => blocked.push(change),
            (false, true) => allowed.push(change),
            _ => {}
        }
    }
    (blocked, allowed, format!("{compared} observed flow(s)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removal(item: &str) -> Result<Removal, Error> {
        Removal::parse(item, "shop")
    }

    fn is(kind: PolicyKind, namespace: Option<&str>, name: &str) -> Removal {
        Removal { kind, namespace: namespace.map(str::to_string), name: name.to_string() }
    }

    #[test]
    fn without_names_a_networkpolicy_unless_a_kind_comes_first() {
        assert_eq!(removal("web").unwrap(), is(PolicyKind::NetworkPolicy, Some("shop"), "web"));
        assert_eq!(removal("prod/web").unwrap(), is(PolicyKind::NetworkPolicy, Some("prod"), "web"));
        assert_eq!(removal("netpol/prod/web").unwrap(), is(PolicyKind::NetworkPolicy, Some("prod"), "web"));
        assert_eq!(removal("cnp/prod/web").unwrap(), is(PolicyKind::CiliumNetworkPolicy, Some("prod"), "web"));
        assert_eq!(
            removal("CiliumNetworkPolicy/web").unwrap(),
            is(PolicyKind::CiliumNetworkPolicy, Some("shop"), "web")
        );
        assert_eq!(removal("ccnp/deny").unwrap(), is(PolicyKind::CiliumClusterwideNetworkPolicy, None, "deny"));
        assert_eq!(removal("anp/ops").unwrap(), is(PolicyKind::Cluster(ClusterKind::AdminNetworkPolicy), None, "ops"));
        assert_eq!(
            removal("banp/default").unwrap(),
            is(PolicyKind::Cluster(ClusterKind::BaselineAdminNetworkPolicy), None, "default")
        );
        assert_eq!(removal("gnp/deny-all").unwrap(), is(PolicyKind::CalicoGlobalNetworkPolicy, None, "deny-all"));
        assert_eq!(
            removal("networkpolicy.projectcalico.org/prod/x").unwrap(),
            is(PolicyKind::CalicoNetworkPolicy, Some("prod"), "x")
        );
    }

    #[test]
    fn a_bad_without_says_which_forms_are_read() {
        for (item, says) in [
            ("ccnp/prod/x", "has no namespace"),
            ("pods/prod/x", "\"pods\" is not a policy kind"),
            ("a/b/c/d", "too many parts"),
            ("prod/", "an empty part"),
        ] {
            let e = removal(item).unwrap_err().to_string();
            assert!(e.contains(says) && e.contains("TYPE/NAMESPACE/NAME"), "{item}: {e}");
        }
    }
}
