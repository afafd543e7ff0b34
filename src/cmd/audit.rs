//! `kubectl deny audit --flows FILE`: the traffic observed today, replayed against the current
//! state and against the state after the starter kit (as `init` would install it, `cmd::after`),
//! per namespace: what is allowed today and after, what the kit would cut (the blast radius), what
//! was observed dropped, and where the observation contradicts the computed verdict. `-o yaml`
//! prints the allows that keep every observed flow working under the kit, read back and checked
//! with the kit before they are printed, with their price. With `--baseline` the state after is
//! that of `init --baseline` instead (`after::with_baseline`): one cluster-wide Baseline-tier
//! deny, every namespace audited, the exempt ones included (they lose nothing); `init --baseline
//! --flows` guards with the same replay.
//!
//! The loading and replaying here are shared with `diff --flows` and `init --flows`. Verdicts come
//! only from the engine's public API (`Engine::decide`, `Engine::evaluate`), so every policy layer
//! the engine learns counts here too.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;

use ipnet::IpNet;
use k8s_openapi::api::networking::v1::NetworkPolicy;

use crate::cli::{AuditArgs, OutputFormat};
use crate::context::{Context, SourceSpec};
use crate::engine::matrix;
use crate::engine::{Direction, Endpoint, Engine, Pod, PortQuery, Protocol, Snapshot, cni};
use crate::error::Error;
use crate::exit::Exit;
use crate::flows::allows::{self, Needed};
use crate::flows::map::{Flow, Owners, Peer, PeerKind, Rep, Resolved, Unmapped};
use crate::flows::read::{Observed, Stats};
use crate::flows::time::format_rfc3339;
use crate::kit::baseline::{Exempt, Form};
use crate::kit::build::Options;
use crate::kit::detect::{self, Detection};
use crate::kit::plan::{self, Step, Targets};
use crate::render::audit::{AllowsReport, AuditReport, Contradiction, FlowRow, InputView, KitView, NamespaceAudit};
use crate::source::live::Live;
use crate::source::tiers::GROUP;

use super::after::{self, Installed};

/// Cluster state and observed flows, mapped onto it.
pub struct Loaded {
    pub snapshot: Snapshot,
    pub detection: Detection,
    pub observed: Observed,
    pub resolved: Resolved,
    pub from_manifests: bool,
    /// What the source skipped and why.
    pub notes: Vec<String>,
    pub default_namespace: String,
    /// Live: the form of the Baseline policy `init --baseline` would write, the newest the server
    /// serves (`None`: offline, or none served).
    pub served_baseline: Option<Form>,
}

/// Parses `--group-cidr` values.
pub fn group_cidrs(values: &[String]) -> Result<Vec<IpNet>, Error> {
    values
        .iter()
        .map(|v| {
            v.parse::<IpNet>().map(|n| n.trunc()).map_err(|_| {
                Error::Usage(format!("invalid --group-cidr {v:?}: give a CIDR such as 10.0.0.0/8 or 2001:db8::/32"))
            })
        })
        .collect()
}

/// Reads the flows and the cluster state they are replayed on: from `-f`, or live, where the
/// namespaces read are those of the scope and those the flows name (with `-A` or
/// `cluster_wide`, all of them).
pub fn load(
    ctx: &Context,
    flow_paths: &[PathBuf],
    cidrs: &[IpNet],
    cluster_wide: bool,
    err: &mut dyn Write,
) -> Result<Loaded, Error> {
    let stdin_flows = flow_paths.iter().any(|p| p.as_os_str() == "-");
    match &ctx.source {
        SourceSpec::Files(_) | SourceSpec::Kustomize(_) => {
            if let SourceSpec::Files(paths) = &ctx.source
                && stdin_flows
                && paths.iter().any(|p| p.as_os_str() == "-")
            {
                return Err(Error::Usage("--flows - and -f - both read stdin: give one of them a file".into()));
            }
            let default_namespace = ctx.namespaces.first().cloned().unwrap_or_else(|| "default".to_string());
            let observed = read_flows(flow_paths, &default_namespace)?;
            let snapshot = super::load::read_manifests(ctx, &default_namespace, err)?;
            let detection = detect::detect(&snapshot, detect::Extra::default());
            let resolved = crate::flows::map::resolve(&observed, &snapshot, cidrs);
            Ok(Loaded {
                snapshot,
                detection,
                observed,
                resolved,
                from_manifests: true,
                notes: Vec::new(),
                default_namespace,
                served_baseline: None,
            })
        }
        SourceSpec::Cluster(spec) => {
            let mut live = Live::connect(spec, &ctx.kube_env, ctx.namespaces.first().map(String::as_str))?;
            let default_namespace = live.default_namespace().to_string();
            let observed = read_flows(flow_paths, &default_namespace)?;
            let scope: Option<Vec<String>> = if ctx.all_namespaces || cluster_wide {
                None
            } else {
                let mut names: BTreeSet<String> = if ctx.namespaces.is_empty() {
                    BTreeSet::from([default_namespace.clone()])
                } else {
                    ctx.namespaces.iter().cloned().collect()
                };
                names.extend(observed.ends.iter().filter(|e| !e.namespace.is_empty()).map(|e| e.namespace.clone()));
                Some(names.into_iter().collect())
            };
            // The kit's detection reads go out with the scope's.
            let (snapshot, facts) =
                live.workloads_scope_and(scope.as_deref(), async |conn| crate::kit::read::facts(conn, false).await);
            let mut snapshot = snapshot?;
            let facts = facts?;
            merge(&mut snapshot, facts.snapshot);
            let extra = detect::Extra { node_local_corefile: facts.node_local_corefile.as_deref() };
            let detection = detect::detect(&snapshot, extra);
            let mut notes = live.take_notes();
            notes.extend(facts.forbidden.iter().map(|f| format!("not allowed to {f}: detection went on without it")));
            notes.extend(facts.notes);
            let resolved = crate::flows::map::resolve(&observed, &snapshot, cidrs);
            // Asked once per command: the tiers' read above asked already.
            let served_baseline = match live.discovery() {
                Ok(d) => Form::PREFERENCE.into_iter().find(|f| d.served(GROUP, f.version(), f.resource().plural)),
                Err(_) => None,
            };
            Ok(Loaded {
                snapshot,
                detection,
                observed,
                resolved,
                from_manifests: false,
                notes,
                default_namespace,
                served_baseline,
            })
        }
    }
}

fn read_flows(paths: &[PathBuf], default_namespace: &str) -> Result<Observed, Error> {
    crate::flows::read(paths, default_namespace, &mut std::io::stdin().lock()).map_err(|e| match e {
        crate::flows::read::ReadError::Io { .. } => Error::NotFound(e.to_string()),
        other => Error::Usage(other.to_string()),
    })
}

/// What detection read, added to the scope's snapshot (objects already there win).
fn merge(into: &mut Snapshot, from: Snapshot) {
    for pod in from.pods {
        if !into.pods.iter().any(|p| p.namespace == pod.namespace && p.name == pod.name) {
            into.pods.push(pod);
        }
    }
    for svc in from.services {
        if !into.services.iter().any(|s| s.namespace == svc.namespace && s.name == svc.name) {
            into.services.push(svc);
        }
    }
    for w in from.workloads {
        if !into.workloads.iter().any(|x| x.kind == w.kind && x.namespace == w.namespace && x.name == w.name) {
            into.workloads.push(w);
        }
    }
    into.ingress_classes.extend(from.ingress_classes);
}

/// The namespaces the kit goes into: `-A` (less the infrastructure, as `init -A` skips it), `-n`,
/// the namespaces whose labels `selector` matches, or the default namespace.
pub fn kit_targets(
    ctx: &Context,
    loaded: &Loaded,
    options: &Options,
    exclude: &[String],
    selector: Option<&crate::engine::Selector>,
    include_system: bool,
) -> Result<Targets, Error> {
    let infrastructure = super::init::protected(&loaded.detection, options);
    let names: Vec<String> = loaded.snapshot.namespaces.iter().map(|n| n.name.clone()).collect();
    if ctx.all_namespaces {
        return Ok(plan::all(&names, exclude, include_system, &infrastructure));
    }
    if let Some(sel) = selector {
        let matched: Vec<String> =
            loaded.snapshot.namespaces.iter().filter(|n| sel.matches(&n.labels)).map(|n| n.name.clone()).collect();
        return Ok(plan::all(&matched, exclude, include_system, &infrastructure));
    }
    let named = if ctx.namespaces.is_empty() { vec![loaded.default_namespace.clone()] } else { ctx.namespaces.clone() };
    plan::named(&named, include_system, &infrastructure).map_err(|e| {
        Error::Usage(e.replace(
            "Pass --include-system to install it there anyway",
            "Pass --include-system to audit (and install) it there anyway",
        ))
    })
}

fn endpoint(rep: &Rep) -> Endpoint<'_> {
    match rep {
        Rep::Pod(p) => Endpoint::Pod(p),
        Rep::Ip(ip) => Endpoint::Ip(*ip),
    }
}

/// Whether `engine` allows the flow between every pod (or address) that stands for its ends.
pub fn allowed(engine: &Engine, from: &Peer, to: &Peer, port: u16, protocol: Protocol) -> bool {
    from.reps.iter().all(|a| to.reps.iter().all(|b| engine.decide(endpoint(a), endpoint(b), port, protocol)))
}

/// Which sides block the flow: (egress, ingress).
fn blocked_sides(engine: &Engine, from: &Peer, to: &Peer, port: u16, protocol: Protocol) -> (bool, bool) {
    let (mut egress, mut ingress) = (false, false);
    for a in &from.reps {
        for b in &to.reps {
            let v = engine.evaluate(endpoint(a), endpoint(b), PortQuery::Port { port, protocol });
            if !v.allowed && v.override_reason.is_none() {
                egress |= !v.egress.allowed;
                ingress |= !v.ingress.allowed;
            }
        }
    }
    (egress, ingress)
}

/// `forwarded`, `dropped`, `mixed`, ... (see `FlowRow::observed`).
fn observed_word(s: &Stats) -> &'static str {
    match (s.forwarded > 0, s.dropped_by_policy > 0) {
        (true, true) => "mixed",
        (true, false) => "forwarded",
        (false, true) => "dropped",
        (false, false) if s.dropped_otherwise > 0 => "dropped-other",
        _ => "unknown",
    }
}

/// Whether what was observed contradicts the verdict computed today, and how: an observation
/// made at one side is compared with that side only (forwarded at the source's egress proves
/// the egress allows the flow, not that the destination's ingress does; dropped at a side says
/// that side denies it); one that does not say where, with the whole verdict. `today_blocked`:
/// the sides that block the flow today, (egress, ingress), when some observation was made at one
/// side. Returns the kind, whether it was observed forwarded, and the side the contradicting
/// observation was made at (`None`: the whole flow).
fn contradiction(
    observed: &str,
    s: &Stats,
    today: bool,
    today_blocked: Option<(bool, bool)>,
) -> Option<(&'static str, bool, Option<Direction>)> {
    let (egress_blocked, ingress_blocked) = today_blocked.unwrap_or((!today, !today));
    match observed {
        "forwarded" => {
            let through = s.forwarded - s.forwarded_at_egress;
            if through > 0 && !today {
                Some(("forwarded-but-blocked", true, None))
            } else if s.forwarded_at_egress > 0 && egress_blocked {
                Some(("forwarded-but-blocked", true, Some(Direction::Egress)))
            } else {
                None
            }
        }
        "dropped" => {
            let unplaced = s.dropped_by_policy - s.dropped_at_egress - s.dropped_at_ingress;
            if unplaced > 0 && today {
                Some(("dropped-but-allowed", false, None))
            } else if s.dropped_at_egress > 0 && !egress_blocked {
                Some(("dropped-but-allowed", false, Some(Direction::Egress)))
            } else if s.dropped_at_ingress > 0 && !ingress_blocked {
                Some(("dropped-but-allowed", false, Some(Direction::Ingress)))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn verdict_word(allowed: bool) -> &'static str {
    if allowed { "allowed" } else { "blocked" }
}

fn row(resolved: &Resolved, f: &Flow, today: bool, after: bool) -> FlowRow {
    FlowRow {
        from: resolved.peer(f.from).display.clone(),
        to: resolved.peer(f.to).display.clone(),
        port: f.port,
        protocol: f.protocol.as_str().to_string(),
        count: f.stats.count,
        first_seen: f.stats.first.map(format_rfc3339),
        last_seen: f.stats.last.map(format_rfc3339),
        observed: observed_word(&f.stats),
        today: verdict_word(today),
        after: verdict_word(after),
    }
}

/// Every flow with at least one end in `namespaces`, replayed today and after: (flow, today,
/// after, the namespace it is reported under).
pub struct Replayed<'r> {
    pub flow: &'r Flow,
    pub today: bool,
    /// Which sides block it today, (egress, ingress): computed only for a flow observed at one
    /// side (Hubble's `traffic_direction`, Calico's reporter), whose observation is compared
    /// with that side alone.
    pub today_blocked: Option<(bool, bool)>,
    pub after: bool,
    pub namespace: String,
}

pub fn replay<'r>(resolved: &'r Resolved, today: &Engine, after: &Engine, namespaces: &[String]) -> Vec<Replayed<'r>> {
    let in_scope = |p: &Peer| p.namespace.as_ref().filter(|ns| namespaces.contains(ns)).cloned();
    resolved
        .flows
        .iter()
        .filter_map(|f| {
            let (from, to) = (resolved.peer(f.from), resolved.peer(f.to));
            let namespace = in_scope(to).or_else(|| in_scope(from))?;
            let s = &f.stats;
            let one_side = s.forwarded_at_egress + s.dropped_at_egress + s.dropped_at_ingress > 0;
            let allowed_today = allowed(today, from, to, f.port, f.protocol);
            // Allowed today, neither side blocks: no second evaluation.
            let today_blocked = match (one_side, allowed_today) {
                (false, _) => None,
                (true, true) => Some((false, false)),
                (true, false) => Some(blocked_sides(today, from, to, f.port, f.protocol)),
            };
            Some(Replayed {
                flow: f,
                today: allowed_today,
                today_blocked,
                after: allowed(after, from, to, f.port, f.protocol),
                namespace,
            })
        })
        .collect()
}

/// What may explain an observation that contradicts the verdict computed today.
fn explanations(snapshot: &Snapshot, from: &Peer, to: &Peer, f: &Flow, forwarded: bool) -> Vec<String> {
    let mut out = Vec::new();
    let plugin = cni::detect(&snapshot.daemonsets);
    if forwarded {
        let names: Vec<&str> = plugin.detected.iter().map(|d| d.plugin.name()).collect();
        out.push(match (plugin.enforcement, plugin.not_enforced_message()) {
            (_, Some(msg)) => msg,
            (cni::Enforcement::Enforced, None) => format!(
                "the network plugin ({}) enforces NetworkPolicy, but only once a pod's policies are programmed: \
                 traffic of a pod just started can go through",
                names.join(", ")
            ),
            _ => "a network plugin that does not enforce NetworkPolicy lets blocked flows through (the plugin was \
                  not identified)"
                .into(),
        });
    }
    if !snapshot.foreign_policies.is_empty() {
        let mut kinds: Vec<&str> = snapshot.foreign_policies.iter().take(3).map(String::as_str).collect();
        if snapshot.foreign_policies.len() > 3 {
            kinds.push("...");
        }
        out.push(format!(
            "a policy kind not modelled here {} it: {}",
            if forwarded { "allows" } else { "denies" },
            kinds.join(", ")
        ));
    } else {
        out.push(format!(
            "a policy the snapshot does not hold (not given with -f, or of a kind not read here) {} it",
            if forwarded { "allows" } else { "denies" }
        ));
    }
    let when = f.stats.last.map(|t| format!(" (last seen {})", format_rfc3339(t))).unwrap_or_default();
    out.push(format!(
        "stale flows{when}: the policies changed since they were recorded{}",
        if forwarded { ", and now block them" } else { ", and now allow them" }
    ));
    if from.host_network || to.host_network {
        out.push("a host-network pod: its traffic carries its node's address, which plugins treat differently".into());
    }
    let address = |p: &Peer| matches!(p.kind, PeerKind::Address { .. } | PeerKind::Network { .. });
    if address(from) || address(to) {
        out.push(
            "NAT: the address recorded may be a translated one (SNAT to a node or a load balancer, a Service's \
             ClusterIP), not the one policy sees"
                .into(),
        );
    }
    if matches!(from.kind, PeerKind::Gone { .. }) || matches!(to.kind, PeerKind::Gone { .. }) {
        out.push("a pod that no longer exists, evaluated with the labels it was recorded with".into());
    }
    out
}

/// What the state after is: the namespace kit, or the Baseline deny.
pub enum Change {
    Kit(Vec<Installed>),
    Baseline { form: Form, exempt: Vec<Exempt> },
}

impl Change {
    fn word(&self) -> &'static str {
        match self {
            Change::Kit(_) => "kit",
            Change::Baseline { .. } => "baseline",
        }
    }

    fn views(&self) -> Vec<KitView> {
        match self {
            Change::Kit(installed) => installed
                .iter()
                .map(|i| KitView {
                    namespace: i.namespace.clone(),
                    policies: i.steps.iter().map(|(name, step)| (name.clone(), step_word(step))).collect(),
                })
                .collect(),
            Change::Baseline { form, exempt } => exempt
                .iter()
                .map(|e| KitView {
                    namespace: e.namespace.clone(),
                    policies: BTreeMap::from([(form.name().to_string(), format!("exempt: {}", e.reason))]),
                })
                .collect(),
        }
    }
}

/// The form `init --baseline` would write: the one `--baseline-api` names, else the newest the
/// server serves, else (offline) `v1alpha2`. The verdicts hardly depend on it (one tier); which
/// object it replaces does.
pub fn baseline_form(version: Option<&str>, loaded: &Loaded) -> Form {
    version.and_then(Form::of_version).or(loaded.served_baseline).unwrap_or(Form::ClusterV1alpha2)
}

/// Every namespace the state knows: declared, or holding a pod or a workload. The Baseline deny
/// audits them all.
fn all_namespaces(loaded: &Loaded) -> Vec<String> {
    let s = &loaded.snapshot;
    let names: BTreeSet<String> = s
        .namespaces
        .iter()
        .map(|n| n.name.clone())
        .chain(s.pods.iter().map(|p| p.namespace.clone()))
        .chain(s.workloads.iter().map(|w| w.namespace.clone()))
        .collect();
    names.into_iter().collect()
}

fn step_word(step: &Step) -> String {
    match step {
        Step::Apply => "apply".into(),
        Step::InPlace { .. } => "in place".into(),
        Step::Theirs { .. } => "left out: the name is someone else's".into(),
        Step::LeftOut { .. } => "left out: would widen an allow".into(),
        Step::Held { .. } => "held back".into(),
    }
}

/// The report on every flow of `namespaces`.
pub fn report(loaded: &Loaded, replayed: &[Replayed], namespaces: &[String], change: &Change) -> AuditReport {
    let resolved = &loaded.resolved;
    let mut by_ns: BTreeMap<String, NamespaceAudit> = namespaces
        .iter()
        .map(|ns| {
            (
                ns.clone(),
                NamespaceAudit {
                    namespace: ns.clone(),
                    flows: 0,
                    allowed_today: 0,
                    allowed_after: 0,
                    cut: Vec::new(),
                    dropped: Vec::new(),
                    contradictions: Vec::new(),
                    all: Vec::new(),
                },
            )
        })
        .collect();
    let mut cut = 0;
    for r in replayed {
        let Some(ns) = by_ns.get_mut(&r.namespace) else { continue };
        let f = r.flow;
        let line = row(resolved, f, r.today, r.after);
        ns.flows += 1;
        ns.allowed_today += usize::from(r.today);
        ns.allowed_after += usize::from(r.after);
        if r.today && !r.after {
            cut += 1;
            ns.cut.push(line.clone());
        }
        if matches!(line.observed, "dropped" | "dropped-other" | "mixed") {
            ns.dropped.push(line.clone());
        }
        let contradiction = contradiction(line.observed, &f.stats, r.today, r.today_blocked);
        if let Some((kind, forwarded, side)) = contradiction {
            let explanations = explanations(&loaded.snapshot, resolved.peer(f.from), resolved.peer(f.to), f, forwarded);
            let side = side.map(Direction::as_str);
            ns.contradictions.push(Contradiction { flow: line.clone(), kind, side, explanations });
        }
        ns.all.push(line);
    }
    let mut mapped: Vec<String> = Vec::new();
    let mut involved: BTreeSet<usize> = BTreeSet::new();
    for r in replayed {
        involved.insert(r.flow.from);
        involved.insert(r.flow.to);
    }
    for p in involved.iter().map(|i| resolved.peer(*i)) {
        for m in &p.mapped {
            mapped.push(format!("{m} -> {}", p.display));
        }
    }
    mapped.sort();
    let mut unmapped: BTreeMap<String, Unmapped> = BTreeMap::new();
    for f in &resolved.unresolved {
        for i in [f.from, f.to] {
            if let PeerKind::Unknown { what } = &resolved.peer(i).kind {
                let why = resolved.peer(i).display.rsplit_once("(unmapped: ").map_or("", |(_, w)| w);
                let entry = unmapped.entry(what.clone()).or_insert_with(|| Unmapped {
                    what: what.clone(),
                    why: why.trim_end_matches(')').to_string(),
                    flows: 0,
                });
                entry.flows += f.stats.count;
            }
        }
    }
    let observed = &loaded.observed;
    let mut caveats = Vec::new();
    if let Some(msg) = cni::detect(&loaded.snapshot.daemonsets).not_enforced_message() {
        caveats.push(msg);
    }
    if !loaded.snapshot.foreign_policies.is_empty() {
        caveats.push(format!(
            "policies of kinds not evaluated here were found ({}): the verdicts are NetworkPolicy's alone",
            loaded.snapshot.foreign_policies.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if !loaded.snapshot.unread_cluster_policies.is_empty() {
        caveats.push(format!(
            "{} could not be read: the verdicts leave them out",
            loaded.snapshot.unread_cluster_policies.join(", ")
        ));
    }
    caveats.extend(loaded.notes.iter().cloned());
    AuditReport {
        change: change.word(),
        baseline: match change {
            Change::Baseline { form, .. } => Some(form.describe()),
            Change::Kit(_) => None,
        },
        input: InputView {
            inputs: observed.inputs.clone(),
            records: observed.records,
            flows: resolved.flows.len() + resolved.unresolved.len(),
            skipped: observed.skipped.iter().map(|(k, v)| (k.describe().to_string(), *v)).collect(),
            bad: observed.bad_count,
            bad_records: observed.bad.clone(),
        },
        kit: change.views(),
        namespaces: by_ns.into_values().collect(),
        mapped,
        unmapped: unmapped.into_values().collect(),
        caveats,
        cut,
    }
}

pub fn run(ctx: &Context, args: &AuditArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let format =
        ctx.output_format("audit", &[OutputFormat::Table, OutputFormat::Wide, OutputFormat::Json, OutputFormat::Yaml])?;
    if args.baseline {
        super::init_baseline::refuse_scope(ctx, false, &args.exclude)?;
    }
    let cidrs = group_cidrs(&args.group_cidr)?;
    let loaded = load(ctx, &args.flows, &cidrs, args.baseline, err)?;
    let options = Options::default();
    let (after, namespaces, change) = if args.baseline {
        let form = baseline_form(args.baseline_api.as_deref(), &loaded);
        let (after, exempt) = after::with_baseline(
            &loaded.snapshot,
            &loaded.detection,
            &options,
            form,
            args.include_system,
            &args.exclude,
        )?;
        (after, all_namespaces(&loaded), Change::Baseline { form, exempt })
    } else {
        let targets = kit_targets(ctx, &loaded, &options, &[], None, args.include_system)?;
        let kit = super::init::kit(&loaded.detection, &options, loaded.from_manifests)?;
        let (after, installed) =
            after::with_kit(&loaded.snapshot, &loaded.detection, &options, &kit, &targets.namespaces, false)?;
        for s in &targets.skipped {
            let _ = writeln!(err, "Warning: skipped {}: {}", s.namespace, s.reason);
        }
        (after, targets.namespaces, Change::Kit(installed))
    };
    let today_engine = Engine::new(&loaded.snapshot);
    let after_engine = Engine::new(&after);
    let replayed = replay(&loaded.resolved, &today_engine, &after_engine, &namespaces);
    // The table lists bad records in its report; YAML and JSON are for other programs.
    if matches!(format, OutputFormat::Yaml | OutputFormat::Json)
        && let Some(warning) = loaded.observed.bad_warning()
    {
        let _ = writeln!(err, "Warning: {warning}");
    }
    if format == OutputFormat::Yaml {
        let (mut report, policies) = allows_for(&loaded, &after, &after_engine, &replayed, &namespaces)?;
        if let Change::Baseline { form, .. } = &change {
            report.baseline = Some(form.describe());
        }
        crate::render::audit::allows(out, &report, &policies).map_err(super::output_error)?;
        for note in &loaded.notes {
            let _ = writeln!(err, "Warning: {note}");
        }
        return Ok(if report.not_selectable.is_empty() { Exit::Success } else { Exit::Negative });
    }
    let report = report(&loaded, &replayed, &namespaces, &change);
    match format {
        OutputFormat::Json => crate::render::audit::json(out, &report),
        _ => crate::render::audit::table(out, &report, ctx.palette, true, format == OutputFormat::Wide),
    }
    .map_err(super::output_error)?;
    Ok(if report.cut > 0 { Exit::Negative } else { Exit::Success })
}

/// `init --flows`: the blast radius of the kit `init` is about to install. `Some(Exit::Negative)`
/// (the flows listed on `err`) when observed flows would be cut and `--force` is not given.
pub fn guard(
    ctx: &Context,
    args: &crate::cli::InitArgs,
    options: &Options,
    selector: Option<&crate::engine::Selector>,
    err: &mut dyn Write,
) -> Result<Option<Exit>, Error> {
    let cidrs = group_cidrs(&args.group_cidr)?;
    // init reads the manifests again and says their notices then; they are said here only when
    // init stops here.
    let mut notices = Vec::new();
    let loaded = match load(ctx, &args.flows, &cidrs, args.baseline, &mut notices) {
        Ok(loaded) => loaded,
        Err(e) => {
            let _ = err.write_all(&notices);
            return Err(e);
        }
    };
    if let Some(warning) = loaded.observed.bad_warning() {
        let _ = writeln!(err, "Warning: {warning}");
    }
    let (after, namespaces) = if args.baseline {
        let form = baseline_form(args.baseline_api.as_deref(), &loaded);
        let (after, _) = after::with_baseline(
            &loaded.snapshot,
            &loaded.detection,
            options,
            form,
            args.include_system,
            &args.exclude,
        )?;
        (after, all_namespaces(&loaded))
    } else {
        let targets = kit_targets(ctx, &loaded, options, &args.exclude, selector, args.include_system)?;
        let kit = super::init::kit(&loaded.detection, options, loaded.from_manifests)?;
        let (after, _) =
            after::with_kit(&loaded.snapshot, &loaded.detection, options, &kit, &targets.namespaces, args.widen)?;
        (after, targets.namespaces)
    };
    let what = if args.baseline { "the Baseline deny" } else { "the kit" };
    let (today_engine, after_engine) = (Engine::new(&loaded.snapshot), Engine::new(&after));
    let replayed = replay(&loaded.resolved, &today_engine, &after_engine, &namespaces);
    let cut: Vec<&Replayed> = replayed.iter().filter(|r| r.today && !r.after).collect();
    let say = |err: &mut dyn Write, text: String| {
        let _ = writeln!(err, "{text}");
    };
    if cut.is_empty() {
        say(
            err,
            format!(
                "--flows: {what} cuts none of the {} observed flow(s) of {}",
                replayed.len(),
                namespaces.join(", ")
            ),
        );
        return Ok(None);
    }
    let lines: Vec<String> = cut
        .iter()
        .map(|r| {
            let f = r.flow;
            format!(
                "  {} -> {} {}/{} ({} seen{})",
                loaded.resolved.peer(f.from).display,
                loaded.resolved.peer(f.to).display,
                f.port,
                f.protocol,
                f.stats.count,
                f.stats.last.map(|t| format!(", last {}", format_rfc3339(t))).unwrap_or_default()
            )
        })
        .collect();
    let flows = args.flows.iter().map(|p| crate::flows::read::display(p)).collect::<Vec<_>>().join(" --flows ");
    let scope = if args.baseline {
        let mut flags = vec!["--baseline".to_string()];
        flags.extend(args.exclude.iter().map(|n| format!("--exclude {n}")));
        if args.include_system {
            flags.push("--include-system".into());
        }
        flags.join(" ")
    } else {
        namespaces.iter().map(|n| format!("-n {n}")).collect::<Vec<_>>().join(" ")
    };
    if args.force {
        say(err, format!("Warning: --force: {what} cuts {} observed flow(s) that nothing allows:", cut.len()));
        for l in lines {
            say(err, l);
        }
        return Ok(None);
    }
    let _ = err.write_all(&notices);
    say(
        err,
        format!(
            "error: {} would cut {} observed flow(s) that nothing allows; nothing was installed:",
            if args.baseline { "the Baseline deny" } else { "the starter kit" },
            cut.len()
        ),
    );
    for l in lines {
        say(err, l);
    }
    say(
        err,
        format!(
            "Allow them first (kubectl deny audit --flows {flows} {scope} -o yaml > allows.yaml, then kubectl \
             apply -f allows.yaml), or install anyway with --force"
        ),
    );
    Ok(Some(Exit::Negative))
}

/// The allows that keep every working observed flow working under the kit: generated, read back
/// as `-f` reads manifests, and checked with the engine together with the kit; and their price.
pub fn allows_for(
    loaded: &Loaded,
    after: &Snapshot,
    after_engine: &Engine,
    replayed: &[Replayed],
    namespaces: &[String],
) -> Result<(AllowsReport, Vec<NetworkPolicy>), Error> {
    let resolved = &loaded.resolved;
    let today_engine = Engine::new(&loaded.snapshot);
    // The blast radius: allowed today, blocked after the kit. A flow today's policies block is not
    // re-opened, even when it was observed going through (that is a contradiction to look into).
    let mut needed: Vec<Needed> = replayed
        .iter()
        .filter(|r| r.today && !r.after)
        .map(|r| {
            let (from, to) = (resolved.peer(r.flow.from), resolved.peer(r.flow.to));
            let (egress_blocked, ingress_blocked) = blocked_sides(after_engine, from, to, r.flow.port, r.flow.protocol);
            Needed { flow: r.flow, egress_blocked, ingress_blocked }
        })
        .collect();
    let taken = |ns: &str, name: &str| after.policies.iter().any(|p| p.namespace == ns && p.name == name);
    // An allow isolates the pods it selects: applied after the kit's allows and before its deny,
    // it would cut their other observed flows that the kit's allows do not admit. Those get allows
    // too, until no step of the migration cuts an observed flow.
    let mut before_deny = loaded.snapshot.clone();
    before_deny.policies.extend(
        after
            .policies
            .iter()
            .filter(|p| {
                p.name != crate::kit::build::DEFAULT_DENY_ALL
                    && !loaded.snapshot.policies.iter().any(|q| q.namespace == p.namespace && q.name == p.name)
            })
            .cloned(),
    );
    let (generated, added) = loop {
        let generated = allows::generate(resolved, &needed, taken);
        let added = read_back(&generated.policies, &loaded.default_namespace)?;
        let mut alone = before_deny.clone();
        alone.policies.extend(added.policies.iter().cloned());
        let alone_engine = Engine::new(&alone);
        let more: Vec<Needed> = replayed
            .iter()
            .filter(|r| r.today && !needed.iter().any(|n| std::ptr::eq(n.flow, r.flow)))
            .filter_map(|r| {
                let (from, to) = (resolved.peer(r.flow.from), resolved.peer(r.flow.to));
                if allowed(&alone_engine, from, to, r.flow.port, r.flow.protocol) {
                    return None;
                }
                let (egress_blocked, ingress_blocked) =
                    blocked_sides(&alone_engine, from, to, r.flow.port, r.flow.protocol);
                Some(Needed { flow: r.flow, egress_blocked, ingress_blocked })
            })
            .collect();
        if more.is_empty() || needed.len() > replayed.len() {
            break (generated, added);
        }
        needed.extend(more);
    };
    let mut with = after.clone();
    with.policies.extend(added.policies.iter().cloned());
    let with_engine = Engine::new(&with);
    let mut alone = before_deny.clone();
    alone.policies.extend(added.policies.iter().cloned());
    let alone_engine = Engine::new(&alone);
    let unfixable: HashSet<String> = generated.not_selectable.iter().cloned().collect();
    let mut failed = Vec::new();
    for r in replayed.iter().filter(|r| r.today) {
        let (from, to) = (resolved.peer(r.flow.from), resolved.peer(r.flow.to));
        let describe = format!("{} -> {} {}/{}", from.display, to.display, r.flow.port, r.flow.protocol);
        if unfixable.iter().any(|u| u.starts_with(&describe)) {
            continue;
        }
        for (state, engine) in [("with the kit", &with_engine), ("before the kit's deny", &alone_engine)] {
            if !allowed(engine, from, to, r.flow.port, r.flow.protocol) {
                failed.push(format!("{describe} ({state})"));
            }
        }
    }
    if !failed.is_empty() {
        return Err(Error::Internal(format!("the generated allows, read back, do not allow {}", failed.join(", "))));
    }
    let mut warnings = generated.warnings.clone();
    for policy in &added.policies {
        for (direction, isolates) in
            [(Direction::Ingress, policy.types.ingress), (Direction::Egress, policy.types.egress)]
        {
            let fresh = loaded
                .snapshot
                .pods
                .iter()
                .filter(|p| isolates && p.namespace == policy.namespace && !p.host_network)
                .filter(|p| policy.pod_selector.matches(&p.labels))
                .filter(|p| today_engine.isolating(p, direction).next().is_none())
                .count();
            if fresh > 0 {
                warnings.push(format!(
                    "{}/{} isolates the {} of {fresh} pod(s) that no policy isolates today: their traffic not \
                     observed is blocked once it is applied",
                    policy.namespace,
                    policy.name,
                    direction.as_str()
                ));
            }
        }
    }
    let mut report = price(loaded, after_engine, &with_engine, &added);
    report.kept = needed.len() - unfixable.len().min(needed.len());
    report.warnings = warnings;
    report.not_selectable = generated.not_selectable;
    report.namespaces = namespaces.to_vec();
    Ok((report, generated.policies))
}

/// Policies as `-f` reads them back.
fn read_back(policies: &[NetworkPolicy], default_namespace: &str) -> Result<Snapshot, Error> {
    let mut text = String::new();
    for p in policies {
        text.push_str(&serde_json::to_string(p).map_err(|e| Error::Internal(e.to_string()))?);
        text.push('\n');
    }
    if text.is_empty() {
        return Ok(Snapshot::default());
    }
    crate::source::file::load_str(&text, "the generated allows", default_namespace)
        .map_err(|e| Error::Internal(format!("a generated allow does not read back: {e}")))
}

/// What the allows open beyond the observed flows: pod pairs the selectors admit that no
/// observed flow accounts for (at the workload level), and ports no observed flow used.
fn price(loaded: &Loaded, before: &Engine, with: &Engine, added: &Snapshot) -> AllowsReport {
    let snapshot = &loaded.snapshot;
    let resolved = &loaded.resolved;
    let owners = Owners::new(snapshot);
    let observed: HashSet<(&str, &str, u16, Protocol)> = resolved
        .flows
        .iter()
        .map(|f| (resolved.peer(f.from).display.as_str(), resolved.peer(f.to).display.as_str(), f.port, f.protocol))
        .collect();
    let observed_ports: HashSet<(&str, u16, Protocol)> =
        observed.iter().map(|(_, to, port, protocol)| (*to, *port, *protocol)).collect();
    let templates = super::resolve::templates_without_pods(snapshot, None);
    let pods: Vec<&Pod> = snapshot.pods.iter().filter(|p| !p.host_network).chain(&templates).collect();
    let groups = matrix::group(with, &pods);
    // Groups a generated policy selects, per direction; and the ports the policies name.
    let selects =
        |p: &crate::engine::Policy, pod: &Pod| p.namespace == pod.namespace && p.pod_selector.matches(&pod.labels);
    let mut ports: BTreeSet<(Protocol, u16)> = BTreeSet::new();
    for f in &resolved.flows {
        ports.insert((f.protocol, f.port));
    }
    for p in &added.policies {
        for rule in p.ingress.iter().chain(&p.egress) {
            for port in &rule.ports {
                if let Some(crate::engine::PortRef::Number(n)) = port.port {
                    ports.insert((port.protocol, n));
                }
            }
        }
    }
    let ingress_selected: Vec<usize> = (0..groups.len())
        .filter(|g| added.policies.iter().any(|p| p.types.ingress && selects(p, groups[*g].representative())))
        .collect();
    let egress_selected: Vec<usize> = (0..groups.len())
        .filter(|g| added.policies.iter().any(|p| p.types.egress && selects(p, groups[*g].representative())))
        .collect();
    let mut pairs: HashSet<(usize, usize)> = HashSet::new();
    for &d in &ingress_selected {
        for s in 0..groups.len() {
            pairs.insert((s, d));
        }
    }
    for &s in &egress_selected {
        for d in 0..groups.len() {
            pairs.insert((s, d));
        }
    }
    let mut extra_pairs: HashSet<(PodId, PodId)> = HashSet::new();
    let mut observed_pairs: HashSet<(PodId, PodId)> = HashSet::new();
    let mut extra_ports: BTreeSet<String> = BTreeSet::new();
    let mut displays: HashMap<*const Pod, String> = HashMap::new();
    for pod in &pods {
        displays.insert(*pod as *const Pod, owners.display(pod));
    }
    let display = |p: &Pod| displays.get(&(p as *const Pod)).map(String::as_str).unwrap_or("");
    let mut pair_list: Vec<(usize, usize)> = pairs.into_iter().collect();
    pair_list.sort_unstable();
    for (s, d) in pair_list {
        let (src, dst) = (groups[s].representative(), groups[d].representative());
        for &(protocol, port) in &ports {
            let (a, b) = (Endpoint::Pod(src), Endpoint::Pod(dst));
            if before.decide(a, b, port, protocol) || !with.decide(a, b, port, protocol) {
                continue;
            }
            for from in &groups[s].members {
                for to in &groups[d].members {
                    if std::ptr::eq(*from, *to) {
                        continue;
                    }
                    let (fd, td) = (display(from), display(to));
                    if observed.contains(&(fd, td, port, protocol)) {
                        observed_pairs.insert((id(from), id(to)));
                    } else {
                        extra_pairs.insert((id(from), id(to)));
                        if !observed_ports.contains(&(td, port, protocol)) {
                            extra_ports.insert(format!("{td} {port}/{protocol}"));
                        }
                    }
                }
            }
        }
    }
    extra_pairs.retain(|p| !observed_pairs.contains(p));
    AllowsReport {
        extra_pod_pairs: extra_pairs.len(),
        observed_pod_pairs: observed_pairs.len(),
        extra_ports: extra_ports.into_iter().collect(),
        ..AllowsReport::default()
    }
}

type PodId<'a> = (&'a str, &'a str);

/// A pod's identity for counting pairs.
fn id(p: &Pod) -> PodId<'_> {
    (p.namespace.as_str(), p.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::read::read_str;

    fn stats(forwarded: u64, forwarded_at_egress: u64, dropped: (u64, u64, u64)) -> Stats {
        let (dropped_by_policy, dropped_at_egress, dropped_at_ingress) = dropped;
        let count = forwarded + dropped_by_policy;
        Stats {
            count,
            forwarded,
            forwarded_at_egress,
            dropped_by_policy,
            dropped_at_egress,
            dropped_at_ingress,
            ..Stats::default()
        }
    }

    #[test]
    fn forwarded_at_the_source_egress_contradicts_only_an_egress_that_blocks() {
        let s = stats(2, 2, (0, 0, 0));
        // Blocked at the destination's ingress only: what was observed says nothing of it.
        assert_eq!(contradiction("forwarded", &s, false, Some((false, true))), None);
        assert_eq!(
            contradiction("forwarded", &s, false, Some((true, false))),
            Some(("forwarded-but-blocked", true, Some(Direction::Egress)))
        );
        assert_eq!(contradiction("forwarded", &s, true, Some((false, false))), None);
    }

    #[test]
    fn forwarded_at_the_destination_or_unplaced_contradicts_any_block() {
        for s in [stats(1, 0, (0, 0, 0)), stats(3, 2, (0, 0, 0))] {
            assert_eq!(
                contradiction("forwarded", &s, false, Some((false, true))),
                Some(("forwarded-but-blocked", true, None)),
                "{s:?}"
            );
            assert_eq!(contradiction("forwarded", &s, true, None), None);
        }
        assert_eq!(
            contradiction("forwarded", &stats(1, 0, (0, 0, 0)), false, None),
            Some(("forwarded-but-blocked", true, None))
        );
    }

    #[test]
    fn drops_are_compared_with_the_side_that_dropped_them() {
        let at_egress = stats(0, 0, (1, 1, 0));
        assert_eq!(contradiction("dropped", &at_egress, false, Some((true, false))), None);
        assert_eq!(
            contradiction("dropped", &at_egress, false, Some((false, true))),
            Some(("dropped-but-allowed", false, Some(Direction::Egress))),
            "dropped at the egress, which allows it (the ingress blocks)"
        );
        let at_ingress = stats(0, 0, (1, 0, 1));
        assert_eq!(contradiction("dropped", &at_ingress, false, Some((false, true))), None);
        assert_eq!(
            contradiction("dropped", &at_ingress, true, Some((false, false))),
            Some(("dropped-but-allowed", false, Some(Direction::Ingress)))
        );
        let unplaced = stats(0, 0, (1, 0, 0));
        assert_eq!(contradiction("dropped", &unplaced, false, None), None);
        assert_eq!(contradiction("dropped", &unplaced, true, None), Some(("dropped-but-allowed", false, None)));
        assert_eq!(contradiction("mixed", &stats(1, 0, (1, 0, 0)), true, None), None);
    }

    fn loaded(manifests: &str, flows: &str) -> Loaded {
        loaded_grouping(manifests, flows, &[])
    }

    fn loaded_grouping(manifests: &str, flows: &str, cidrs: &[IpNet]) -> Loaded {
        let snapshot = crate::source::file::load_str(manifests, "test", "default").unwrap();
        let detection = detect::detect(&snapshot, detect::Extra::default());
        let observed = read_str(flows, "default").unwrap();
        let resolved = crate::flows::map::resolve(&observed, &snapshot, cidrs);
        Loaded {
            snapshot,
            detection,
            observed,
            resolved,
            from_manifests: true,
            notes: Vec::new(),
            default_namespace: "default".into(),
            served_baseline: None,
        }
    }

    /// The allows for `namespaces`, printed as `-o yaml` prints them, and the state after the kit.
    fn allows_yaml(l: &Loaded, namespaces: &[&str]) -> (String, Snapshot, usize) {
        let namespaces: Vec<String> = namespaces.iter().map(|s| s.to_string()).collect();
        let options = Options::default();
        let kit = super::super::init::kit(&l.detection, &options, true).unwrap();
        let (after, _) = after::with_kit(&l.snapshot, &l.detection, &options, &kit, &namespaces, false).unwrap();
        allows_yaml_after(l, after, &namespaces)
    }

    /// The same under the Baseline deny of `init --baseline`, every namespace audited.
    fn allows_yaml_baseline(l: &Loaded, exclude: &[String]) -> (String, Snapshot, usize) {
        let form = baseline_form(None, l);
        let (after, _) =
            after::with_baseline(&l.snapshot, &l.detection, &Options::default(), form, false, exclude).unwrap();
        allows_yaml_after(l, after, &all_namespaces(l))
    }

    fn allows_yaml_after(l: &Loaded, after: Snapshot, namespaces: &[String]) -> (String, Snapshot, usize) {
        let namespaces = namespaces.to_vec();
        let (today, after_engine) = (Engine::new(&l.snapshot), Engine::new(&after));
        let replayed = replay(&l.resolved, &today, &after_engine, &namespaces);
        let cut = replayed.iter().filter(|r| r.today && !r.after).count();
        let (report, policies) = allows_for(l, &after, &after_engine, &replayed, &namespaces).unwrap();
        let mut out = Vec::new();
        crate::render::audit::allows(&mut out, &report, &policies).unwrap();
        (String::from_utf8(out).unwrap(), after.clone(), cut)
    }

    fn deployment(ns: &str, name: &str, labels: &str, ports: &str) -> String {
        format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}{labels}}}}}\n    spec: {{containers: [{{name: c, ports: [{ports}]}}]}}\n"
        )
    }

    const NAMESPACES: &str = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n";

    #[test]
    fn allows_are_one_policy_per_direction_and_workload_with_rules_per_port_set_and_named_ports() {
        let manifests = [
            NAMESPACES.to_string(),
            deployment("a", "api", "", "{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}"),
            deployment("a", "web", "", "{containerPort: 80}"),
            deployment("a", "worker", "", "{containerPort: 80}"),
            deployment("b", "batch", "", "{containerPort: 80}"),
        ]
        .concat();
        let flows = "a/deploy/web,a/deploy/api,8080,tcp\na/deploy/worker,a/deploy/api,8080,tcp\na/deploy/web,a/deploy/api,9090,tcp\nb/deploy/batch,a/deploy/api,8080,tcp\n";
        let (yaml, ..) = allows_yaml(&loaded(&manifests, flows), &["a"]);
        let policies = crate::source::file::load_str(&yaml, "allows", "default").unwrap().policies;
        let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["allow-api-ingress", "allow-web-egress", "allow-worker-egress"], "{yaml}");
        let api = &policies[0];
        assert_eq!(api.ingress.len(), 2, "peers sharing ports share a rule: {yaml}");
        assert!(
            yaml.contains("port: http") && yaml.contains("port: metrics"),
            "named as the destination names them: {yaml}"
        );
        assert!(yaml.contains("kubernetes.io/metadata.name: b"), "a peer in another namespace by its name: {yaml}");
        assert!(!yaml.contains("namespace: b\n"), "namespace b is not audited: no policy for batch's egress: {yaml}");
    }

    #[test]
    fn names_in_use_are_never_reused() {
        let taken = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-api-ingress, namespace: a}\nspec: {podSelector: {matchLabels: {app: nothing}}}\n";
        let manifests = [
            NAMESPACES.to_string(),
            deployment("a", "api", "", "{containerPort: 8080}"),
            deployment("a", "web", "", "{containerPort: 80}"),
            taken.to_string(),
        ]
        .concat();
        let (yaml, ..) = allows_yaml(&loaded(&manifests, "a/deploy/web,a/deploy/api,8080,tcp\n"), &["a"]);
        assert!(yaml.contains("name: allow-api-ingress-2"), "{yaml}");
    }

    #[test]
    fn a_group_cidr_is_allowed_as_its_cidr_and_an_address_as_itself() {
        let manifests = [NAMESPACES.to_string(), deployment("a", "web", "", "{containerPort: 80}")].concat();
        let flows =
            "a/deploy/web,203.0.113.9,443,tcp\na/deploy/web,203.0.113.77,443,tcp\na/deploy/web,198.51.100.1,443,tcp\n";
        let cidr: IpNet = "203.0.113.0/24".parse().unwrap();
        let (yaml, ..) = allows_yaml(&loaded_grouping(&manifests, flows, &[cidr]), &["a"]);
        assert!(yaml.contains("cidr: 203.0.113.0/24"), "{yaml}");
        assert!(yaml.contains("cidr: 198.51.100.1/32"), "{yaml}");
        assert!(!yaml.contains("203.0.113.9/32"), "{yaml}");
    }

    /// The round trip, on pseudo-random clusters and flows: the printed allows, read back as `-f`
    /// reads them, together with the kit, allow every flow the kit alone cuts, and nothing that
    /// today's policies block is re-opened by them.
    #[test]
    fn kit_plus_allows_keep_every_observed_flow_on_random_clusters() {
        round_trip(false);
    }

    /// The same with the Baseline deny of `init --baseline` in place of the namespace kit: the
    /// NetworkPolicies printed still decide for the pods they select, over the Baseline deny.
    #[test]
    fn baseline_plus_allows_keep_every_observed_flow_on_random_clusters() {
        round_trip(true);
    }

    fn round_trip(baseline: bool) {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut total_cut = 0;
        for round in 0..24 {
            let mut manifests = NAMESPACES.to_string();
            let mut names = Vec::new();
            for i in 0..(3 + next(5)) {
                let ns = if next(2) == 0 { "a" } else { "b" };
                let tier = ["web", "api", "db"][next(3) as usize];
                let name = format!("w{i}");
                let port = [80, 8080, 5432][next(3) as usize];
                let named = if next(2) == 0 { format!("name: p{port}, ") } else { String::new() };
                manifests.push_str(&deployment(
                    ns,
                    &name,
                    &format!(", tier: {tier}"),
                    &format!("{{{named}containerPort: {port}}}"),
                ));
                names.push((ns, name, port));
            }
            if next(2) == 0 {
                // Today, b denies ingress but from a's pods.
                manifests.push_str("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-a, namespace: b}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}]}]\n");
            }
            let mut flows = String::new();
            for _ in 0..(4 + next(8)) {
                let (fns, from, _) = &names[next(names.len() as u64) as usize];
                let (tns, to, port) = &names[next(names.len() as u64) as usize];
                flows.push_str(&format!("{fns}/deploy/{from},{tns}/deploy/{to},{port},tcp\n"));
                if next(4) == 0 {
                    flows.push_str(&format!("{fns}/deploy/{from},203.0.113.{},443,tcp\n", next(200)));
                }
            }
            let l = loaded(&manifests, &flows);
            let (yaml, after, cut) = if baseline {
                // Now and then b is left out: its flows are not cut, a's are.
                let exclude = if round % 3 == 0 { vec!["b".to_string()] } else { Vec::new() };
                allows_yaml_baseline(&l, &exclude)
            } else {
                allows_yaml(&l, &["a", "b"])
            };
            if baseline {
                assert!(after.cluster_policies.iter().any(|p| p.name == crate::kit::baseline::CNP_NAME));
            }
            let added =
                crate::source::file::load_str(&yaml, "allows", "default").unwrap_or_else(|e| panic!("{e}\n{yaml}"));
            let mut with = after.clone();
            with.policies.extend(added.policies);
            let (today, with_engine) = (Engine::new(&l.snapshot), Engine::new(&with));
            for f in &l.resolved.flows {
                let (from, to) = (l.resolved.peer(f.from), l.resolved.peer(f.to));
                let before = allowed(&today, from, to, f.port, f.protocol);
                let now = allowed(&with_engine, from, to, f.port, f.protocol);
                assert_eq!(
                    before, now,
                    "round {round}: {} -> {} {}: today {before}, kit + allows {now}\n{manifests}\n{flows}\n{yaml}",
                    from.display, to.display, f.port
                );
            }
            assert!(cut == 0 || yaml.contains("kind: NetworkPolicy"), "round {round}: {cut} cut, no allows");
            total_cut += cut;
        }
        assert!(total_cut > 24, "the rounds must exercise the allows: only {total_cut} flows cut");
    }
}
