//! `kubectl deny diff`: what a change does to reachability before it is applied. The current
//! state (live or `-f`) is compared with a copy changed by `--with` (objects added, or replacing
//! those of the same kind, namespace and name) and `--without` (NetworkPolicies removed): the
//! flows newly blocked and newly allowed between pod groups, per declared destination port (or
//! every port with `--all-ports`), or, with `--flows`, only the flows observed. Exit 1 when the
//! change blocks something that was allowed: a CI gate for a GitOps pull request.
//!
//! Verdicts come from the engine's public API only, on both states.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use crate::cli::{DiffArgs, OutputFormat};
use crate::context::{Context, SourceSpec};
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
            "diff needs a change: --with PATH (manifests to add or replace) and/or --without NS/NAME (a \
             NetworkPolicy to remove)"
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
        let loaded = super::audit::load(ctx, &args.flows, &cidrs, err)?;
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
/// `--without` NetworkPolicies removed.
pub fn changed(before: &Snapshot, args: &DiffArgs, default_namespace: &str) -> Result<Snapshot, Error> {
    let mut after = before.clone();
    if !args.with.is_empty() {
        let added = crate::source::file::load(&args.with, default_namespace, &mut std::io::stdin().lock())?;
        for ns in added.namespaces.into_iter().filter(|n| n.known) {
            after.namespaces.retain(|n| n.name != ns.name);
            after.namespaces.push(ns);
        }
        for p in added.policies {
            after.policies.retain(|q| !(q.namespace == p.namespace && q.name == p.name));
            after.policies.push(p);
        }
        for p in added.pods {
            after.pods.retain(|q| !(q.namespace == p.namespace && q.name == p.name));
            after.pods.push(p);
        }
        for s in added.services {
            after.services.retain(|q| !(q.namespace == s.namespace && q.name == s.name));
            after.services.push(s);
        }
        for w in added.workloads {
            after.workloads.retain(|q| !(q.kind == w.kind && q.namespace == w.namespace && q.name == w.name));
            after.workloads.push(w);
        }
        after.foreign_policies.extend(added.foreign_policies);
    }
    for item in &args.without {
        let (ns, name) = match item.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => (ns, name),
            None if !item.is_empty() => (default_namespace, item.as_str()),
            _ => {
                return Err(Error::Usage(format!(
                    "invalid --without {item:?}: name a NetworkPolicy as NAMESPACE/NAME (or NAME in -n's namespace)"
                )));
            }
        };
        let count = after.policies.len();
        after.policies.retain(|p| !(p.namespace == ns && p.name == name));
        if after.policies.len() == count {
            return Err(Error::NotFound(format!(
                "--without {item}: there is no NetworkPolicy {name} in namespace {ns} (check with: kubectl get \
                 networkpolicies -n {ns})"
            )));
        }
    }
    Ok(after)
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
