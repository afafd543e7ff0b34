//! `kubectl deny list`: namespaces lacking default-deny, per direction.

use std::io::Write;

use crate::cli::{ListArgs, OutputFormat};
use crate::context::Context;
use crate::engine::cni::{self, Enforcement};
use crate::engine::coverage;
use crate::error::Error;
use crate::exit::Exit;
use crate::render::list::{ListReport, NamespaceRow};

use super::load::Scope;

pub fn run(ctx: &Context, args: &ListArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let format = ctx.output_format(
        "list",
        &[OutputFormat::Table, OutputFormat::Wide, OutputFormat::Json, OutputFormat::Yaml, OutputFormat::Name],
    )?;
    let selector = match &args.selector.selector {
        Some(query) => Some(super::label_query::parse(query).map_err(|e| Error::Usage(e.describe(query)))?),
        None => None,
    };
    // `-A` is the default scope; `-n` narrows it.
    let scope = if ctx.all_namespaces || ctx.namespaces.is_empty() {
        Scope::All
    } else {
        Scope::Namespaces(ctx.namespaces.clone())
    };
    let mut source = super::load::open(ctx, err)?;
    // Never dropped: the process exits after the answer, and freeing 100,000 pods one by one
    // took a tenth of a `list -f` of them (issue 16.2).
    let snapshot = std::mem::ManuallyDrop::new(source.snapshot_for_list(&scope)?);
    // `-l`: the namespaces whose labels match (one only referenced has just its name label).
    let engine = crate::engine::Engine::new(&snapshot);
    let mut rows: Vec<NamespaceRow> = coverage::coverage_of(&engine)
        .iter()
        .filter(|c| match &scope {
            Scope::All => true,
            Scope::Namespaces(ns) => ns.contains(&c.namespace),
        })
        .filter(|c| selector.as_ref().is_none_or(|s| s.matches(&engine.namespace_labels(&c.namespace).labels)))
        .map(NamespaceRow::from)
        .collect();
    super::load::check_namespaces(&snapshot, &scope, ctx)?;
    rows.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    let plugin = cni::detect(&snapshot.daemonsets);
    let named_explicitly = matches!(scope, Scope::Namespaces(_));
    // A CI gate counts the namespaces users own: system namespaces only when named with -n.
    let failing = rows.iter().filter(|r| !r.default_deny && (!r.system || named_explicitly)).count();
    let listed: Vec<&NamespaceRow> = rows.iter().filter(|r| args.all || !r.default_deny).collect();

    match format {
        OutputFormat::Json | OutputFormat::Yaml => {
            let report = ListReport {
                namespaces: rows.clone(),
                network_plugin: (!snapshot.daemonsets.is_empty()).then_some(plugin.clone()),
                cluster_wide: crate::render::list::cluster_wide(&rows),
            };
            if format == OutputFormat::Json {
                crate::render::list::write_json(out, &report)
            } else {
                crate::render::list::write_yaml(out, &report)
            }
            .map_err(super::output_error)?;
        }
        OutputFormat::Name => {
            for row in &listed {
                writeln!(out, "namespace/{}", row.namespace).map_err(super::output_error)?;
            }
        }
        _ => {
            if listed.is_empty() && selector.is_some() && rows.is_empty() {
                let _ = writeln!(err, "No namespace matches the label selector.");
            } else if listed.is_empty() {
                let _ = match rows.len() {
                    1 => writeln!(err, "Namespace {} has default-deny for ingress and egress.", rows[0].namespace),
                    n => writeln!(err, "All {n} namespaces have default-deny for ingress and egress."),
                };
            } else {
                crate::render::list::write_table(
                    out,
                    &listed,
                    format == OutputFormat::Wide,
                    !args.no_headers,
                    ctx.palette,
                )
                .map_err(super::output_error)?;
            }
            if !args.no_headers {
                let report = ListReport {
                    namespaces: Vec::new(),
                    network_plugin: None,
                    cluster_wide: crate::render::list::cluster_wide(&rows),
                };
                crate::render::list::write_cluster_wide(out, &report, ctx.palette).map_err(super::output_error)?;
            }
        }
    }
    if let Some(msg) = super::why::foreign_policies_message(&snapshot.foreign_policies) {
        let _ = writeln!(err, "Warning: {msg}");
    }
    if plugin.enforcement == Enforcement::NotEnforced
        && let Some(msg) = plugin.not_enforced_message()
    {
        let _ = writeln!(err, "Warning: {msg}");
    }
    for note in source.take_notes() {
        let _ = writeln!(err, "Warning: {note}");
    }
    Ok(if args.exit_code && failing > 0 { Exit::Negative } else { Exit::Success })
}
