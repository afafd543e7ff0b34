//! `kubectl deny matrix`: who can reach whom, for every pair of pods in the chosen namespaces.

use std::io::Write;

use crate::cli::{MatrixArgs, OutputFormat};
use crate::context::Context;
use crate::engine::matrix::{Matrix, PortChoice, PortMatrix};
use crate::engine::{Engine, Pod, Protocol, cni};
use crate::error::Error;
use crate::exit::Exit;

use super::load::Scope;

pub fn run(ctx: &Context, args: &MatrixArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let format = ctx.output_format("matrix", &[OutputFormat::Table, OutputFormat::Wide, OutputFormat::Json])?;
    let choice = if args.ports.is_empty() {
        PortChoice::Declared
    } else {
        PortChoice::Given(args.ports.iter().map(|p| parse_port_flag(p)).collect::<Result<_, _>>()?)
    };
    let selector = match &args.selector.selector {
        Some(query) => Some(super::label_query::parse(query).map_err(|e| Error::Usage(e.describe(query)))?),
        None => None,
    };
    if args.grouped && format != OutputFormat::Json {
        return Err(Error::Usage(
            "--grouped shapes the JSON output: use it with -o json (the table groups pods already)".into(),
        ));
    }
    let headers = !args.no_headers;
    let mut source = super::load::open(ctx, err)?;
    let scope = if ctx.all_namespaces {
        Scope::All
    } else if ctx.namespaces.is_empty() {
        Scope::Namespaces(vec![source.default_namespace()])
    } else {
        Scope::Namespaces(ctx.namespaces.clone())
    };
    // Never dropped: the process exits after the answer (see `list`).
    let snapshot = std::mem::ManuallyDrop::new(source.snapshot_for_scope(&scope)?);
    super::load::check_namespaces(&snapshot, &scope, ctx)?;
    let templates = super::resolve::templates_without_pods(
        &snapshot,
        match &scope {
            Scope::All => None,
            Scope::Namespaces(ns) => Some(ns),
        },
    );
    let mut pods: Vec<&Pod> = snapshot
        .pods
        .iter()
        .filter(|p| match &scope {
            Scope::All => true,
            Scope::Namespaces(ns) => ns.contains(&p.namespace),
        })
        .chain(&templates)
        .filter(|p| selector.as_ref().is_none_or(|s| s.matches(&p.labels)))
        .collect();
    pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let engine = Engine::new(&snapshot);
    if args.all_ports {
        let matrix = PortMatrix::compute(&engine, &pods);
        match format {
            OutputFormat::Json => crate::render::matrix::write_flows_json(out, &matrix),
            _ => crate::render::matrix::write_flows_text(out, &matrix, headers, ctx.palette),
        }
        .map_err(super::output_error)?;
        return Ok(Exit::Success);
    }
    let matrix = Matrix::compute(&engine, &pods, &choice);
    match format {
        OutputFormat::Json if args.grouped => crate::render::matrix::write_grouped_json(out, &matrix),
        OutputFormat::Json => crate::render::matrix::write_json(out, &matrix),
        OutputFormat::Wide => crate::render::matrix::write_text(out, &matrix, true, headers, ctx.palette),
        _ => crate::render::matrix::write_text(out, &matrix, false, headers, ctx.palette),
    }
    .map_err(super::output_error)?;
    if let Some(msg) = cni::detect(&snapshot.daemonsets).not_enforced_message() {
        let _ = writeln!(err, "Warning: {msg}");
    }
    for note in source.take_notes() {
        let _ = writeln!(err, "Warning: {note}");
    }
    Ok(Exit::Success)
}

/// `--port PORT[/PROTOCOL]`: a number and a protocol in any case.
pub fn parse_port_flag(text: &str) -> Result<(u16, Protocol), Error> {
    let (port, protocol) = match text.split_once('/') {
        Some((p, proto)) => (
            p,
            Protocol::parse_any_case(proto).ok_or_else(|| {
                Error::Usage(format!("invalid --port {text:?}: unknown protocol {proto:?}; use tcp, udp or sctp"))
            })?,
        ),
        None => (text, Protocol::Tcp),
    };
    match port.parse::<u32>() {
        Ok(n @ 1..=65535) => Ok((n as u16, protocol)),
        Ok(_) => Err(Error::Usage(format!("invalid --port {text:?}: port {port} is out of range; use 1-65535"))),
        Err(_) => Err(Error::Usage(format!(
            "invalid --port {text:?}: give a port number, optionally with /tcp, /udp or /sctp (named ports differ per pod: \
             ask about one flow with `why FROM TO:NAME`)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_flag_takes_a_number_and_any_case_protocol() {
        assert_eq!(parse_port_flag("80").unwrap(), (80, Protocol::Tcp));
        assert_eq!(parse_port_flag("53/UDP").unwrap(), (53, Protocol::Udp));
        assert_eq!(parse_port_flag("9/sctp").unwrap(), (9, Protocol::Sctp));
    }

    #[test]
    fn port_flag_rejects_bad_values_with_the_fix() {
        assert!(parse_port_flag("0").unwrap_err().to_string().contains("1-65535"));
        assert!(parse_port_flag("80/http").unwrap_err().to_string().contains("tcp, udp or sctp"));
        assert!(parse_port_flag("http").unwrap_err().to_string().contains("port number"));
    }
}
