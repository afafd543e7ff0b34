//! `kubectl deny why FROM TO[:PORT][/PROTOCOL]`: explain one flow.

use std::io::Write;

use crate::cli::{OutputFormat, WhyArgs};
use crate::context::Context;
use crate::engine::verdict::{Note, PortQuery};
use crate::engine::{Endpoint, Engine, Protocol, cni};
use crate::error::Error;
use crate::exit::Exit;
use crate::render::why::{Evaluation, Format, WhyReport};
use crate::source::refs::ObjectRef;

use super::endpoint::{self, EndpointArg, PortArg, Role};
use super::resolve::{self, Resolved};

pub fn run(ctx: &Context, args: &WhyArgs, out: &mut dyn Write) -> Result<Exit, Error> {
    let format = match ctx
        .output_format("why", &[OutputFormat::Table, OutputFormat::Wide, OutputFormat::Json, OutputFormat::Yaml])?
    {
        OutputFormat::Table => Format::Text { wide: false },
        OutputFormat::Wide => Format::Text { wide: true },
        OutputFormat::Json => Format::Json,
        OutputFormat::Yaml => Format::Yaml,
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
    let mut source = super::load::open(ctx)?;
    let default_namespace = source.default_namespace();
    let from = endpoint::parse(&args.from, Role::From, &default_namespace)?;
    let to = endpoint::parse(&args.to, Role::To, &default_namespace)?;
    let snapshot = source.snapshot_for_flow(&from, &to)?;
    let mut report = explain(&Engine::new(&snapshot), &from, &to)?;
    // What the live source had to skip (a forbidden read), with the notes on resolution.
    report.notes.extend(source.take_notes());
    crate::render::why::write(out, &report, format, ctx.palette).map_err(super::output_error)?;
    Ok(if report.allowed { Exit::Success } else { Exit::Negative })
}

/// Resolves both endpoints and evaluates the flow (one evaluation per Service backend and port).
pub fn explain(engine: &Engine, from: &EndpointArg, to: &EndpointArg) -> Result<WhyReport, Error> {
    let snapshot = engine.snapshot();
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
                evaluations.push(Evaluation {
                    from: from_name.clone(),
                    to: endpoint_display(&t.endpoint),
                    service_port: Some(t.service_port.clone()),
                    port: Some(t.port),
                    protocol: Some(t.protocol),
                    verdict: engine.evaluate(endpoint_of(&source.endpoint), endpoint_of(&t.endpoint), query),
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
    Ok(WhyReport {
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
    })
}

/// Policies of other engines can allow or deny on top of NetworkPolicy: say which were seen.
pub fn foreign_policies_message(found: &[String]) -> Option<String> {
    let (first, rest) = found.split_first()?;
    let listed = match rest.len() {
        0 => first.clone(),
        1 => format!("{first} and {}", rest[0]),
        n => format!("{first}, {} and {} more", rest[0], n - 1),
    };
    Some(format!(
        "policies of other engines were found ({listed}): kubectl-deny evaluates Kubernetes NetworkPolicy only, and \
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
