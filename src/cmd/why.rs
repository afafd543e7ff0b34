//! `kubectl deny why FROM TO[:PORT][/PROTOCOL]`: explain one flow.

use std::io::Write;

use crate::cli::{OutputFormat, WhyArgs};
use crate::context::Context;
use crate::engine::model::{Policy, Selector, Snapshot};
use crate::engine::pipeline::{DenyAbove, deny_above_networkpolicy};
use crate::engine::verdict::{Direction, Note, PortQuery};
use crate::engine::{Endpoint, Engine, Protocol, cni};
use crate::error::Error;
use crate::exit::Exit;
use crate::kit::suggest::{self, BlockedFlow, Party};
use crate::render::why::{Evaluation, Format, SuggestedPolicy, WhyReport};
use crate::source::refs::ObjectRef;

use super::endpoint::{self, EndpointArg, PortArg, Role};
use super::resolve::{self, Resolved};

pub fn run(ctx: &Context, args: &WhyArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let format = match ctx
        .output_format("why", &[OutputFormat::Table, OutputFormat::Wide, OutputFormat::Json, OutputFormat::Yaml])?
    {
        OutputFormat::Table => Format::Text { wide: false },
        OutputFormat::Wide => Format::Text { wide: true },
        OutputFormat::Json => Format::Json,
        OutputFormat::Yaml => Format::Yaml,
        OutputFormat::Name => unreachable!("not among the formats why supports"),
    };
    if ctx.namespaces.len() > 1 {
        return Err(Error::Usage(
            "why takes one -n (the namespace for names without one); write NS/NAME to name pods of other namespaces"
                .into(),
        ));
    }
    if ctx.all_namespaces {
        return Err(Error::Usage(
            "-A does not apply to why, which explains one flow; write NS/NAME to name pods of other namespaces".into(),
        ));
    }
    if let Some(query) = &args.selector {
        return Err(Error::Usage(format!(
            "-l does not apply to why, which explains one flow between two endpoints; for every pod the selector \
             picks, use kubectl deny matrix -l '{query}', or name one endpoint by its workload (deploy/NAME) or pod"
        )));
    }
    let mut source = super::load::open(ctx, err)?;
    let default_namespace = source.default_namespace();
    let from = endpoint::parse(&args.from, Role::From, &default_namespace)?;
    let to = endpoint::parse(&args.to, Role::To, &default_namespace)?;
    if args.suggest && to.port.is_none() && !matches!(to.target, ObjectRef::Service { .. }) {
        return Err(Error::Usage(format!(
            "--suggest needs a port: write {}:PORT[/PROTOCOL]; a suggested policy opens the flow's port, never all of them",
            args.to
        )));
    }
    // Never dropped: the process exits after the answer (see `list`).
    let snapshot = std::mem::ManuallyDrop::new(source.snapshot_for_flow(&from, &to)?);
    if args.suggest {
        let (mut report, policies) = suggest(&snapshot, &from, &to, &default_namespace)?;
        report.notes.extend(source.take_notes());
        let json = format == Format::Json;
        if json {
            for w in policies.iter().flat_map(|p| &p.warnings) {
                let _ = writeln!(err, "warning: {w}");
            }
        }
        if json {
            for n in &report.notes {
                let _ = writeln!(err, "note: {n}");
            }
        }
        crate::render::why::suggestions(out, &report, &policies, json).map_err(super::output_error)?;
        // The status speaks of the suggestion, for `--suggest > f && kubectl apply -f f`: 0 when
        // there are policies to apply, 1 when there is nothing to apply (the flow is allowed).
        return Ok(if policies.is_empty() { Exit::Negative } else { Exit::Success });
    }
    let mut report = explain(&Engine::new(&snapshot), &from, &to)?;
    // What the live source had to skip (a forbidden read), with the notes on resolution.
    report.notes.extend(source.take_notes());
    crate::render::why::write(out, &report, format, ctx.palette).map_err(super::output_error)?;
    Ok(if report.allowed { Exit::Success } else { Exit::Negative })
}

/// Resolves both endpoints and evaluates the flow (one evaluation per Service backend and port).
pub fn explain(engine: &Engine, from: &EndpointArg, to: &EndpointArg) -> Result<WhyReport, Error> {
    explain_resolved(engine, from, to).map(|e| e.report)
}

/// `--suggest`: the flow's report, and the policies that allow each blocked side (none when it is
/// allowed), checked by evaluating the flow again with them added, with warnings about pods they
/// would newly isolate.
pub fn suggest(
    snapshot: &Snapshot,
    from: &EndpointArg,
    to: &EndpointArg,
    default_namespace: &str,
) -> Result<(WhyReport, Vec<SuggestedPolicy>), Error> {
    let engine = Engine::new(snapshot);
    let explained = explain_resolved(&engine, from, to)?;
    // A side denied above NetworkPolicy (the Admin tier, a Cilium deny rule, a Calico tier before
    // the default one): no NetworkPolicy can allow the flow; say who can.
    let mut report = explained.report;
    if !report.denied_above.is_empty() {
        let notes = denied_above_notes(&report.denied_above);
        report.notes.extend(notes);
        return Ok((report, Vec::new()));
    }
    let source = party(snapshot, &from.target, &explained.source, &report.from)?;
    let mut flows = Vec::new();
    for (e, dest) in report.evaluations.iter().zip(&explained.destinations) {
        if e.verdict.allowed {
            continue;
        }
        let (Some(port), Some(protocol)) = (e.port, e.protocol) else {
            return Err(Error::Usage(format!(
                "--suggest needs a port: write {}:PORT[/PROTOCOL]; a suggested policy opens the flow's port, never all of them",
                report.to
            )));
        };
        let to_what = match &explained.to_target {
            ObjectRef::Service { .. } | ObjectRef::Workload { .. } => report.to.clone(),
            _ => e.to.clone(),
        };
        flows.push(BlockedFlow {
            from: source.clone(),
            to: party(snapshot, &explained.to_target, dest, &to_what)?,
            port,
            protocol,
            egress_blocked: !e.verdict.egress.allowed,
            ingress_blocked: !e.verdict.ingress.allowed,
        });
    }
    let taken = |ns: &str, name: &str| snapshot.policies.iter().any(|p| p.namespace == ns && p.name == name);
    let suggestions = suggest::suggest(&flows, taken).map_err(|e| Error::Usage(e.to_string()))?;
    if suggestions.is_empty() {
        return Ok((report, Vec::new()));
    }
    // Read the suggestions back as `-f` would, and ask again: they must allow the flow.
    let mut text = String::new();
    for s in &suggestions {
        text.push_str(&serde_json::to_string(&s.policy).map_err(|e| Error::Internal(e.to_string()))?);
        text.push('\n');
    }
    let added = crate::source::file::load_str(&text, "the suggested policies", default_namespace)
        .map_err(|e| Error::Internal(format!("a suggested policy does not read back: {e}")))?;
    let mut with = snapshot.clone();
    with.policies.extend(added.policies.iter().cloned());
    if !explain(&Engine::new(&with), from, to)?.allowed && !snapshot.calico.is_empty() {
        // A Calico Deny (or a tier before the default one) decides before any Kubernetes policy.
        return Err(Error::Usage(format!(
            "no NetworkPolicy can allow {} -> {}: Calico denies it before the Kubernetes policies of its default tier \
             are reached (see the tiers in `kubectl deny why`); change the policy of the tier that denies it",
            report.from, report.to
        )));
    }
    if !explain(&Engine::new(&with), from, to)?.allowed {
        return Err(Error::Internal(format!("the suggested policies do not allow {} -> {}", report.from, report.to)));
    }
    let policies = suggestions
        .into_iter()
        .zip(&added.policies)
        .map(|(s, model)| {
            let mut warnings = s.warnings;
            warnings.extend(newly_isolated(&engine, model, s.direction));
            SuggestedPolicy { policy: s.policy, warnings }
        })
        .collect();
    Ok((report, policies))
}

/// The pods a suggested policy selects that no policy isolates in its direction yet: applying it
/// isolates them, and their other traffic in that direction is then blocked.
fn newly_isolated(engine: &Engine, policy: &Policy, direction: Direction) -> Option<String> {
    let pods: Vec<String> = engine
        .snapshot()
        .pods
        .iter()
        .filter(|p| p.namespace == policy.namespace && !p.host_network && policy.pod_selector.matches(&p.labels))
        .filter(|p| engine.isolating(p, direction).next().is_none())
        .map(|p| format!("{}/{}", p.namespace, p.name))
        .collect();
    let listed = listing(&pods)?;
    Some(format!(
        "{} also selects {listed}, whose {dir} no policy isolates yet: applying it isolates {}, and {dir} other \
         than this flow is then blocked",
        policy.name,
        if pods.len() == 1 { "it" } else { "them" },
        dir = direction.as_str()
    ))
}

/// One end of the flow as a policy names it: a workload or a Service by its selector, a pod by
/// its stable labels, an address (or a host-network pod, by its node's IP) by an ipBlock.
fn party(snapshot: &Snapshot, target: &ObjectRef, resolved: &Resolved, what: &str) -> Result<Party, Error> {
    let pod = match resolved {
        Resolved::Ip(ip) => return Ok(Party::Address { ip: *ip, what: what.to_string() }),
        Resolved::Pod(p) => *p,
        Resolved::Template(p) => p,
    };
    if pod.host_network && crate::engine::cilium::in_use(snapshot) {
        return Err(Error::Usage(format!(
            "{what} uses the host network: on Cilium it is its node (the `host` entity on its own node, \
             `remote-node` elsewhere), which no NetworkPolicy can name; allow it with a CiliumNetworkPolicy rule \
             `toEntities`/`fromEntities` [host] or [remote-node]"
        )));
    }
    if pod.host_network {
        return match pod.ips.first() {
            Some(ip) => Ok(Party::Address { ip: *ip, what: format!("{what} (host network, {ip})") }),
            None => Err(Error::Usage(format!(
                "{what} uses the host network and its node's IP is not known, so no policy can name it; ask about \
                 the node's IP address instead"
            ))),
        };
    }
    match target {
        ObjectRef::Workload { kind, namespace, name } => {
            if let Some(w) =
                snapshot.workloads.iter().find(|w| w.kind == *kind && w.namespace == *namespace && w.name == *name)
            {
                return Ok(Party::selected(namespace, &w.selector, name, what.to_string()));
            }
        }
        ObjectRef::Service { namespace, name } => {
            let selector = snapshot
                .services
                .iter()
                .find(|s| s.namespace == *namespace && s.name == *name)
                .and_then(|s| s.selector.as_ref())
                .filter(|labels| !labels.is_empty());
            if let Some(labels) = selector {
                let selector =
                    Selector { match_labels: labels.clone().into_iter().collect(), match_expressions: vec![] };
                return Ok(Party::selected(namespace, &selector, name, what.to_string()));
            }
        }
        _ => {}
    }
    Ok(Party::pod(&pod.namespace, &pod.name, &pod.labels, format!("{}/{}", pod.namespace, pod.name)))
}

/// The report, with the endpoints it was evaluated for.
struct Explained<'s> {
    report: WhyReport,
    source: Resolved<'s>,
    /// What TO named, after a ClusterIP is taken for its Service.
    to_target: ObjectRef,
    /// The destination of each of `report.evaluations`.
    destinations: Vec<Resolved<'s>>,
}

fn explain_resolved<'s>(engine: &Engine<'s>, from: &EndpointArg, to: &EndpointArg) -> Result<Explained<'s>, Error> {
    let snapshot = engine.snapshot();
    let mut destinations = Vec::new();
    let source = resolve::resolve(snapshot, &from.target)?;
    let mut notes = source.notes.clone();
    let from_name = display_name(&from.target, &source.endpoint);
    let mut evaluations = Vec::new();
    let (port, port_name, protocol);
    // A Service's ClusterIP stands for the Service: traffic to it reaches the backends at the
    // target port, and their ingress policies decide.
    let to_target = match &to.target {
        ObjectRef::Ip(ip) if !snapshot.pods.iter().any(|p| p.ips.contains(ip) && !p.host_network) => {
            match snapshot.services.iter().find(|s| s.cluster_ips.contains(ip)) {
                Some(svc) => {
                    notes.push(format!(
                        "{ip} is the ClusterIP of Service {}/{}: evaluated as its backends, at the target port",
                        svc.namespace, svc.name
                    ));
                    ObjectRef::Service { namespace: svc.namespace.clone(), name: svc.name.clone() }
                }
                None => to.target.clone(),
            }
        }
        other => other.clone(),
    };
    match &to_target {
        ObjectRef::Service { namespace, name } => {
            let (targets, svc_notes) =
                resolve::resolve_service(snapshot, namespace, name, to.port.as_ref(), to.protocol)?;
            notes.extend(svc_notes);
            if targets.is_empty() {
                return Err(Error::NotFound(format!(
                    "service {namespace}/{name} has no backend that receives traffic on that port"
                )));
            }
            for t in &targets {
                let query = PortQuery::Port { port: t.port, protocol: t.protocol };
                destinations.push(t.endpoint.clone());
                evaluations.push(Evaluation {
                    from: from_name.clone(),
                    to: endpoint_display(&t.endpoint),
                    service_port: Some(t.service_port.clone()),
                    port: Some(t.port),
                    protocol: Some(t.protocol),
                    verdict: engine.evaluate_through_service(
                        endpoint_of(&source.endpoint),
                        endpoint_of(&t.endpoint),
                        query,
                    ),
                });
            }
            (port, port_name) = match &to.port {
                Some(PortArg::Number(n)) => (Some(*n), None),
                Some(PortArg::Name(n)) => {
                    let svc = snapshot.services.iter().find(|s| s.namespace == *namespace && s.name == *name);
                    (
                        svc.and_then(|s| s.ports.iter().find(|p| p.name.as_deref() == Some(n)).map(|p| p.port)),
                        Some(n.clone()),
                    )
                }
                None => (None, None),
            };
            let protos: Vec<Protocol> = targets.iter().map(|t| t.protocol).collect();
            protocol = to.protocol.or_else(|| protos.windows(2).all(|w| w[0] == w[1]).then(|| protos[0]));
        }
        target => {
            let dest = if *target == from.target {
                resolve::other_replica(snapshot, target, &source.endpoint)?
            } else {
                resolve::resolve(snapshot, target)?
            };
            notes.extend(dest.notes.clone());
            if let (Resolved::Ip(a), Resolved::Ip(b)) = (&source.endpoint, &dest.endpoint) {
                return Err(Error::Usage(format!(
                    "neither {a} nor {b} is a pod: NetworkPolicy only governs traffic to and from pods; name a pod, a \
                     workload or a Service at one end at least"
                )));
            }
            let query = match (&to.port, dest.endpoint.pod()) {
                (Some(PortArg::Number(n)), _) => {
                    PortQuery::Port { port: *n, protocol: to.protocol.unwrap_or(Protocol::Tcp) }
                }
                (Some(PortArg::Name(name)), Some(pod)) => {
                    let cp = resolve::named_port(pod, name, to.protocol)?;
                    PortQuery::Port { port: cp.port, protocol: cp.protocol }
                }
                (Some(PortArg::Name(name)), None) => {
                    return Err(Error::Usage(format!(
                        "named port {name:?} needs a pod to resolve it on, but TO is an address outside the cluster's pods; give a number"
                    )));
                }
                (None, _) => PortQuery::Any { protocol: to.protocol },
            };
            (port, protocol) = match query {
                PortQuery::Port { port, protocol } => (Some(port), Some(protocol)),
                PortQuery::Any { protocol } => (None, protocol),
            };
            port_name = match &to.port {
                Some(PortArg::Name(n)) => Some(n.clone()),
                _ => None,
            };
            let verdict = engine.evaluate(endpoint_of(&source.endpoint), endpoint_of(&dest.endpoint), query);
            destinations.push(dest.endpoint.clone());
            evaluations.push(Evaluation {
                from: from_name.clone(),
                to: display_name(target, &dest.endpoint),
                service_port: None,
                port,
                protocol,
                verdict,
            });
        }
    }
    let mut caveats = Vec::new();
    if let Some(msg) = cni::detect(&snapshot.daemonsets).not_enforced_message() {
        caveats.push(Note::new("network-plugin", msg));
    }
    if let Some(msg) = foreign_policies_message(&snapshot.foreign_policies) {
        caveats.push(Note::new("other-policy-engines", msg));
    }
    let allowed = evaluations.iter().all(|e| e.verdict.allowed);
    let mut denied_above: Vec<DenyAbove> = evaluations
        .iter()
        .flat_map(|e| [&e.verdict.egress, &e.verdict.ingress])
        .filter_map(|side| deny_above_networkpolicy(snapshot, side))
        .collect();
    denied_above.dedup();
    let report = WhyReport {
        from: from_name,
        to: match &to_target {
            ObjectRef::Service { .. } | ObjectRef::Workload { .. } => to_target.to_string(),
            _ => evaluations[0].to.clone(),
        },
        port,
        port_name,
        protocol,
        allowed,
        evaluations,
        notes,
        caveats,
        denied_above,
    };
    Ok(Explained { report, source: source.endpoint, to_target, destinations })
}

/// `a`, `a and b`, `a, b and 3 more`; `None` for nothing.
fn listing(items: &[String]) -> Option<String> {
    let (first, rest) = items.split_first()?;
    Some(match rest.len() {
        0 => first.clone(),
        1 => format!("{first} and {}", rest[0]),
        n => format!("{first}, {} and {} more", rest[0], n - 1),
    })
}

/// Policies of other engines can allow or deny on top of NetworkPolicy: say which were seen.
pub fn foreign_policies_message(found: &[String]) -> Option<String> {
    let listed = listing(found)?;
    Some(format!(
        "policies of other engines were found ({listed}): kubectl-deny evaluates Kubernetes NetworkPolicy and the cluster-wide \
         AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy only, and \
         those may deny or allow more in the cluster"
    ))
}

fn endpoint_of<'a>(r: &'a Resolved<'a>) -> Endpoint<'a> {
    match r {
        Resolved::Pod(p) => Endpoint::Pod(p),
        Resolved::Template(p) => Endpoint::Pod(p),
        Resolved::Ip(ip) => Endpoint::Ip(*ip),
    }
}

fn endpoint_display(r: &Resolved) -> String {
    match r {
        Resolved::Pod(p) => format!("{}/{}", p.namespace, p.name),
        Resolved::Template(p) => format!("{}/{}", p.namespace, p.name),
        Resolved::Ip(ip) => ip.to_string(),
    }
}

/// How an endpoint is shown: a workload keeps its name (`prod/deploy/api`); everything else shows
/// what it resolved to.
fn display_name(target: &ObjectRef, r: &Resolved) -> String {
    match target {
        ObjectRef::Workload { .. } => target.to_string(),
        _ => endpoint_display(r),
    }
}

/// What `--suggest` says instead of suggesting, per kind of deny no NetworkPolicy can override.
fn denied_above_notes(denies: &[DenyAbove]) -> Vec<String> {
    let names = |pick: fn(&DenyAbove) -> Option<&String>| {
        let mut names: Vec<&str> = denies.iter().filter_map(pick).map(String::as_str).collect();
        names.dedup();
        (!names.is_empty()).then(|| names.join(" and "))
    };
    let mut out = Vec::new();
    if let Some(names) = names(|d| match d {
        DenyAbove::Admin(what) => Some(what),
        _ => None,
    }) {
        out.push(format!(
            "only an Admin-tier change can allow this flow: {names} denies it above every namespace's policies, and \
             no NetworkPolicy can override that; ask the cluster's administrators"
        ));
    }
    if let Some(names) = names(|d| match d {
        DenyAbove::Cilium(what) => Some(what),
        _ => None,
    }) {
        out.push(format!(
            "only a change to a Cilium deny policy can allow this flow: {names} denies it, and Cilium's deny rules \
             take precedence over every allow, NetworkPolicy or Cilium; ask whoever owns that policy"
        ));
    }
    for d in denies {
        if let DenyAbove::Calico { tier, what } = d {
            out.push(format!(
                "only a change in Calico tier {tier} can allow this flow: {what} denies it before the Kubernetes \
                 NetworkPolicies of the default tier are reached; ask whoever owns that tier"
            ));
        }
    }
    out.dedup();
    out
}
