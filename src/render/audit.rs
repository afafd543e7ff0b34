//! `kubectl deny audit --flows`: the observed flows replayed against today's state and the state
//! after the starter kit, per namespace (table, `-o wide`, `-o json`), and the allows (`-o yaml`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::Serialize;

use super::Palette;
use super::table::{self, Role, cell};
use crate::flows::map::Unmapped;
use crate::flows::read::{BadRecord, InputSummary};

/// One aggregated flow, as reported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowRow {
    pub from: String,
    pub to: String,
    pub port: u16,
    pub protocol: String,
    /// Flows the records stand for.
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// `forwarded`, `dropped` (by policy), `dropped-other` (not by policy), `mixed` (forwarded
    /// and dropped by policy), `unknown` (the records do not say).
    pub observed: &'static str,
    /// `allowed` or `blocked`.
    pub today: &'static str,
    pub after: &'static str,
}

/// An observation the computed verdict of today contradicts, and what may explain it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contradiction {
    #[serde(flatten)]
    pub flow: FlowRow,
    /// `forwarded-but-blocked` or `dropped-but-allowed`.
    pub kind: &'static str,
    /// `egress` when the observation was made at the source's egress and contradicts that
    /// side's verdict, `ingress` at the destination's ingress; absent: the whole flow's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    pub explanations: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceAudit {
    pub namespace: String,
    pub flows: usize,
    pub allowed_today: usize,
    pub allowed_after: usize,
    /// Allowed today, blocked after the kit: the blast radius.
    pub cut: Vec<FlowRow>,
    /// Observed dropped (by policy, or otherwise).
    pub dropped: Vec<FlowRow>,
    pub contradictions: Vec<Contradiction>,
    /// Every flow (JSON and `-o wide`).
    pub all: Vec<FlowRow>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KitView {
    pub namespace: String,
    /// Policy name to what `init` would do: `apply`, `in place`, `left out`, ...
    pub policies: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputView {
    pub inputs: Vec<InputSummary>,
    pub records: u64,
    /// Flows the records make, aggregated per peer pair, port and protocol, in every namespace.
    pub flows: usize,
    pub skipped: BTreeMap<String, u64>,
    pub bad: u64,
    pub bad_records: Vec<BadRecord>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    /// `kit` (the starter kit in the namespaces audited) or `baseline` (the cluster-wide Baseline
    /// deny of `init --baseline`, every namespace audited).
    pub change: &'static str,
    /// With `baseline`: the policy, as `Form::describe` says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub input: InputView,
    /// `kit`: what `init` would do per namespace; `baseline`: the namespaces it leaves out, why.
    pub kit: Vec<KitView>,
    pub namespaces: Vec<NamespaceAudit>,
    /// How records' names were mapped to workloads (pods gone since, aggregated names).
    pub mapped: Vec<String>,
    pub unmapped: Vec<Unmapped>,
    /// Said with the verdicts: the network plugin, what is not modelled.
    pub caveats: Vec<String>,
    /// Observed flows the kit would cut.
    pub cut: usize,
}

fn observed_role(observed: &str) -> Role {
    match observed {
        "forwarded" => Role::Good,
        "dropped" | "dropped-other" | "mixed" => Role::Bad,
        _ => Role::Plain,
    }
}

fn verdict_role(v: &str) -> Role {
    if v == "allowed" { Role::Good } else { Role::Bad }
}

fn seen(row: &FlowRow) -> String {
    row.last_seen.clone().unwrap_or_else(|| "-".into())
}

fn flow_table(out: &mut dyn Write, rows: &[&FlowRow], palette: Palette, headers: bool, wide: bool) -> io::Result<()> {
    let mut t = if wide {
        table::new(
            palette,
            &["FROM", "TO", "PORT", "COUNT", "FIRST SEEN", "LAST SEEN", "OBSERVED", "TODAY", "AFTER KIT"],
        )
    } else {
        table::new(palette, &["FROM", "TO", "PORT", "COUNT", "LAST SEEN"])
    };
    for r in rows {
        let mut row = vec![
            cell(&r.from, Role::Name),
            cell(&r.to, Role::Name),
            cell(format!("{}/{}", r.port, r.protocol), Role::Plain),
            cell(r.count, Role::Plain),
        ];
        if wide {
            row.push(cell(r.first_seen.clone().unwrap_or_else(|| "-".into()), Role::Dim));
            row.push(cell(seen(r), Role::Dim));
            row.push(cell(r.observed, observed_role(r.observed)));
            row.push(cell(r.today, verdict_role(r.today)));
            row.push(cell(r.after, verdict_role(r.after)));
        } else {
            row.push(cell(seen(r), Role::Dim));
        }
        t.add_row(row);
    }
    for line in table::render_with(&t, headers).lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

pub fn table(out: &mut dyn Write, report: &AuditReport, palette: Palette, headers: bool, wide: bool) -> io::Result<()> {
    let input = &report.input;
    let what = if report.baseline.is_some() { "the Baseline deny" } else { "the starter kit" };
    let names: Vec<String> = input
        .inputs
        .iter()
        .map(|i| {
            let format = i.format.map_or("empty", |f| f.as_str());
            format!("{} ({format}{})", i.input, if i.gzip { ", gzip" } else { "" })
        })
        .collect();
    let flows: usize = report.namespaces.iter().map(|n| n.flows).sum();
    writeln!(
        out,
        "Observed flows: {} records from {} make {} flows, {flows} of them in the namespaces audited",
        input.records,
        names.join(", "),
        input.flows
    )?;
    if !input.skipped.is_empty() {
        let skipped: Vec<String> = input.skipped.iter().map(|(k, v)| format!("{v} {k}")).collect();
        writeln!(out, "Not replayed: {}", skipped.join(", "))?;
    }
    writeln!(out)?;
    let after = if report.baseline.is_some() { "AFTER BASELINE" } else { "AFTER KIT" };
    let mut t =
        table::new(palette, &["NAMESPACE", "FLOWS", "ALLOWED TODAY", after, "CUT", "DROPPED", "CONTRADICTIONS"]);
    for ns in &report.namespaces {
        t.add_row(vec![
            cell(&ns.namespace, Role::Name),
            cell(ns.flows, Role::Plain),
            cell(ns.allowed_today, Role::Plain),
            cell(ns.allowed_after, Role::Plain),
            cell(ns.cut.len(), if ns.cut.is_empty() { Role::Good } else { Role::Bad }),
            cell(ns.dropped.len(), if ns.dropped.is_empty() { Role::Plain } else { Role::Warn }),
            cell(ns.contradictions.len(), if ns.contradictions.is_empty() { Role::Plain } else { Role::Warn }),
        ]);
    }
    out.write_all(table::render_with(&t, headers).as_bytes())?;
    for ns in &report.namespaces {
        if wide && !ns.all.is_empty() {
            writeln!(out, "\n{}", palette.heading(format!("Flows of {}:", ns.namespace)))?;
            flow_table(out, &ns.all.iter().collect::<Vec<_>>(), palette, headers, true)?;
        }
        if !ns.cut.is_empty() {
            writeln!(
                out,
                "\n{}",
                palette.bad(format!(
                    "Cut by {what} in {} ({} observed flow{} allowed today, blocked after):",
                    ns.namespace,
                    ns.cut.len(),
                    if ns.cut.len() == 1 { "" } else { "s" }
                ))
            )?;
            flow_table(out, &ns.cut.iter().collect::<Vec<_>>(), palette, headers, false)?;
        }
        if !ns.dropped.is_empty() {
            writeln!(out, "\n{}", palette.warn(format!("Observed dropped in {}:", ns.namespace)))?;
            flow_table(out, &ns.dropped.iter().collect::<Vec<_>>(), palette, headers, false)?;
        }
        for c in &ns.contradictions {
            let at = match c.side {
                Some("egress") => " at the source's egress",
                Some(_) => " at the destination's ingress",
                None => "",
            };
            let there = if c.side.is_some() { " there" } else { "" };
            let (observed, computed) = match c.kind {
                "forwarded-but-blocked" => {
                    (format!("observed forwarded{at}"), format!("computed blocked{there} today"))
                }
                _ => (format!("observed dropped by policy{at}"), format!("computed allowed{there} today")),
            };
            writeln!(
                out,
                "\n{} {} -> {} {}/{}: {observed}, {computed}",
                palette.warn("Contradiction:"),
                c.flow.from,
                c.flow.to,
                c.flow.port,
                c.flow.protocol
            )?;
            writeln!(out, "  may be explained by:")?;
            for e in &c.explanations {
                writeln!(out, "  - {e}")?;
            }
        }
    }
    if let Some(policy) = &report.baseline {
        writeln!(out, "\nThe Baseline deny, as init --baseline would install it: {policy}, in every namespace but:")?;
        for k in &report.kit {
            for what in k.policies.values() {
                writeln!(out, "  {}: {}", k.namespace, what.trim_start_matches("exempt: "))?;
            }
        }
    } else if !report.kit.is_empty() {
        writeln!(out, "\nThe starter kit, as init would install it:")?;
        for k in &report.kit {
            let parts: Vec<String> = k.policies.iter().map(|(name, what)| format!("{name} ({what})")).collect();
            writeln!(out, "  {}: {}", k.namespace, parts.join(", "))?;
        }
    }
    if !report.mapped.is_empty() {
        writeln!(out, "\nMapped to workloads:")?;
        for m in &report.mapped {
            writeln!(out, "  {m}")?;
        }
    }
    if !report.unmapped.is_empty() {
        writeln!(out, "\n{}", palette.warn("Not evaluated (an endpoint that maps to nothing in the cluster):"))?;
        for u in &report.unmapped {
            writeln!(out, "  {}: {} ({} flows)", u.what, u.why, u.flows)?;
        }
    }
    if input.bad > 0 {
        writeln!(out, "\n{}", palette.warn(format!("Bad records: {} (not replayed)", input.bad)))?;
        for b in &input.bad_records {
            writeln!(out, "  {} line {}: {}", b.input, b.line, b.message)?;
        }
        if input.bad > input.bad_records.len() as u64 {
            writeln!(out, "  ... and {} more", input.bad - input.bad_records.len() as u64)?;
        }
        writeln!(out, "  To replay them, {}", crate::flows::read::fix_hint(&input.inputs))?;
    }
    for c in &report.caveats {
        writeln!(out, "\nNote: {c}")?;
    }
    if report.cut > 0 {
        writeln!(
            out,
            "\n{} observed flow{} would be cut. Print the allows that keep {} working: kubectl deny audit --flows FILE \
             {}-o yaml",
            report.cut,
            if report.cut == 1 { "" } else { "s" },
            if report.cut == 1 { "it" } else { "them" },
            if report.baseline.is_some() { "--baseline " } else { "" }
        )?;
    } else {
        writeln!(out, "\nNo observed flow would be cut by {what}.")?;
    }
    Ok(())
}

pub fn json(out: &mut dyn Write, report: &AuditReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    writeln!(out)
}

/// What `-o yaml` says before the allows.
#[derive(Debug, Clone, Default)]
pub struct AllowsReport {
    /// Observed flows the allows keep working (blocked after the kit).
    pub kept: usize,
    /// Pod pairs and (workload, port) pairs the allows open that no observed flow uses.
    pub extra_pod_pairs: usize,
    pub extra_ports: Vec<String>,
    /// Pod pairs the observed flows account for.
    pub observed_pod_pairs: usize,
    pub warnings: Vec<String>,
    pub not_selectable: Vec<String>,
    pub namespaces: Vec<String>,
    /// With `audit --baseline`: the Baseline policy the allows were checked with.
    pub baseline: Option<String>,
}

pub fn allows(out: &mut dyn Write, report: &AllowsReport, policies: &[NetworkPolicy]) -> io::Result<()> {
    writeln!(out, "# Allows for the observed flows (kubectl deny audit --flows -o yaml).")?;
    if let Some(policy) = &report.baseline {
        writeln!(out, "# With the Baseline deny (kubectl deny init --baseline) they keep every observed flow allowed")?;
        writeln!(out, "# today working: checked, read back, with the deny and before it: apply these, then the deny.")?;
        writeln!(out, "# The deny: {policy}.")?;
        writeln!(out, "# {} flow(s) needed an allow.", report.kept)?;
    } else {
        writeln!(
            out,
            "# With the starter kit (kubectl deny init -o yaml) they keep every observed flow allowed today"
        )?;
        writeln!(
            out,
            "# working: checked, read back, with the kit and at each step of applying it: the kit's allows, these,"
        )?;
        writeln!(out, "# then default-deny-all ({} flow(s) needed an allow).", report.kept)?;
    }
    writeln!(
        out,
        "# The price: selectors allow whole workloads, so these open {} pod pair(s) beyond the observed flows ({} pod \
         pair(s)){}.",
        report.extra_pod_pairs,
        report.observed_pod_pairs,
        if report.extra_ports.is_empty() {
            ", and no port beyond the observed ones".to_string()
        } else {
            format!("; ports beyond the observed: {}", report.extra_ports.join(", "))
        }
    )?;
    for w in &report.warnings {
        writeln!(out, "# Warning: {w}")?;
    }
    for n in &report.not_selectable {
        writeln!(out, "# Not allowed by any policy (NetworkPolicy cannot select it): {n}")?;
    }
    if policies.is_empty() {
        writeln!(out, "# Nothing to allow: no observed flow would be cut in {}.", report.namespaces.join(", "))?;
    }
    for p in policies {
        super::yaml_document(out, p)?;
    }
    Ok(())
}
