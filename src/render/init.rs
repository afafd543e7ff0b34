//! `init` output: what detection found (always shown with the change), the result table per
//! namespace and policy with what was left as it is and why, the errors (conflicts and failures,
//! on the error stream), the notes after the result, the JSON report, the manifests as
//! multi-document YAML (allows first, valid for `kubectl apply -f`, leaving out what a namespace
//! has already, with a comment saying so), and the Kyverno policy.
//!
//! Writes to any writer; reads no clock and no environment.

use std::io::{self, Write};

use serde::Serialize;

use super::Palette;
use super::table::{self, Role};
use crate::cli::{DryRun, OutputFormat};
use crate::kit::Kit;
use crate::kit::build::{IngressChoice, Options};
use crate::kit::detect::Detection;
use crate::kit::kyverno::ClusterPolicy;
use crate::kit::plan::{NamespaceResult, Outcome, Skip, Step, Targets};

/// What was found and built, shared by every output.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub detection: &'a Detection,
    pub kit: &'a Kit,
    pub options: &'a Options,
    /// What reading the cluster could not do.
    pub read_notes: &'a [String],
    /// The reads that were refused (403), summed up in one note: `list IngressClasses`.
    pub forbidden: &'a [String],
}

/// The outcome of an apply (or a dry run of one).
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub inputs: Inputs<'a>,
    pub dry_run: Option<DryRun>,
    pub results: &'a [NamespaceResult],
    pub skipped: &'a [Skip],
}

impl Inputs<'_> {
    /// Every note, in the order they arose: reading (the refused reads in one), detection,
    /// building.
    pub fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = Vec::new();
        match self.forbidden {
            [] => {}
            [one] => notes.push(format!("not allowed to {one} (403 Forbidden); detection went on without it")),
            several => {
                // `list pods labelled a`, `list pods labelled b`: `list pods (2 reads)`.
                let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
                for what in several {
                    let words: Vec<&str> = what.split(' ').collect();
                    let n = if words.get(1) == Some(&"the") { 3 } else { 2 };
                    let key = words[..n.min(words.len())].join(" ");
                    match groups.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, all)) => all.push(what),
                        None => groups.push((key, vec![what])),
                    }
                }
                let parts: Vec<String> = groups
                    .iter()
                    .map(|(key, all)| match all.as_slice() {
                        [one] => one.to_string(),
                        all => format!("{key} ({} reads)", all.len()),
                    })
                    .collect();
                notes.push(format!(
                    "not allowed (403 Forbidden) to {}: detection went on without them (docs/rbac.yaml lists what \
                     init reads)",
                    parts.join("; ")
                ));
            }
        }
        let all = self.read_notes.iter().chain(&self.detection.notes).chain(&self.kit.notes);
        for note in all {
            if !notes.contains(note) {
                notes.push(note.clone());
            }
        }
        notes
    }

    /// One `(what, found)` line per thing the kit depends on.
    pub fn findings(&self) -> Vec<(&'static str, String)> {
        let d = self.detection;
        let o = self.options;
        let mut lines = Vec::new();
        if o.dns {
            let dns = &d.dns;
            let ports: Vec<String> = dns.ports.iter().map(|p| format!("{}/{}", p.port, p.protocol)).collect();
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let evidence = if dns.fallback {
                "assumed: no DNS Service found".to_string()
            } else if dns.workloads > 0 {
                format!("{}, ports read from {} workload template{}", dns.source, dns.workloads, plural(dns.workloads))
            } else {
                format!("{}, {} pod{}", dns.source, dns.pods, plural(dns.pods))
            };
            lines.push((
                "Cluster DNS",
                format!("pods {} in {} on {} ({evidence})", labels(&dns.selector), dns.namespace, ports.join(", ")),
            ));
            if let Some(local) = &d.node_local_dns {
                let addresses: Vec<String> = local.addresses.iter().map(ToString::to_string).collect();
                lines.push((
                    "NodeLocal DNSCache",
                    format!("{} on 53/UDP, 53/TCP ({}, from {})", addresses.join(", "), local.daemonset, local.from),
                ));
            }
        } else {
            lines.push(("Cluster DNS", "left out (--no-dns)".to_string()));
        }
        match &o.ingress {
            IngressChoice::Off => lines.push(("Ingress controller", "left out (--no-ingress)".to_string())),
            IngressChoice::Namespace(ns) => {
                lines.push(("Ingress controller", format!("namespace {ns} (--ingress-namespace)")));
            }
            IngressChoice::Detected if d.ingress_controllers.is_empty() => {
                lines.push(("Ingress controller", "none found".to_string()));
            }
            IngressChoice::Detected => {
                for c in &d.ingress_controllers {
                    let who = match &c.pod_labels {
                        Some(l) => format!("pods {} in {}", labels(l), c.namespace),
                        None => format!("every pod in {}", c.namespace),
                    };
                    let mut evidence: Vec<String> =
                        c.ingress_classes.iter().map(|class| format!("IngressClass {class}")).collect();
                    evidence.extend(c.evidence.iter().cloned());
                    lines.push((
                        "Ingress controller",
                        format!("{}: {who} ({})", c.kind.display_name(), evidence.join(", ")),
                    ));
                }
            }
        }
        if o.same_namespace {
            lines.push(("Same namespace", "pods may talk to each other within their namespace".to_string()));
        }
        if o.api_server
            && let Some(api) = &d.api_server
        {
            let endpoints: Vec<String> = api
                .endpoints
                .iter()
                .map(|e| {
                    let ports: Vec<String> = e.ports.iter().map(|p| format!("{p}/TCP")).collect();
                    format!("{} on {}", e.ip, ports.join(", "))
                })
                .collect();
            lines.push(("API server", format!("{} (EndpointSlices of default/kubernetes)", endpoints.join("; "))));
        }
        if let Some(ns) = &o.monitoring {
            lines.push(("Monitoring", format!("ingress from namespace {ns} (--allow-monitoring)")));
        }
        for m in &d.meshes {
            lines.push(("Service mesh", format!("{} control plane in {} (see the note)", m.name, m.namespace)));
        }
        lines
    }
}

fn labels(map: &crate::engine::Labels) -> String {
    map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// What was detected, one line each; with `notes`, the notes after it (in the comments heading
/// `-o yaml` and the Kyverno policy: the table prints its notes after the result).
fn findings_block(
    out: &mut dyn Write,
    inputs: &Inputs<'_>,
    prefix: &str,
    palette: Palette,
    notes: bool,
) -> io::Result<()> {
    let findings = inputs.findings();
    let width = findings.iter().map(|(what, _)| what.len()).max().unwrap_or(0) + 1;
    for (what, found) in &findings {
        let label = format!("{what}:");
        writeln!(out, "{prefix}{}{} {found}", palette.heading(&label), " ".repeat(width - label.len() + 1))?;
    }
    if notes {
        for note in inputs.notes() {
            writeln!(out, "{prefix}{} {note}", palette.warn("note:"))?;
        }
    }
    Ok(())
}

fn dry_run_suffix(dry_run: Option<DryRun>) -> &'static str {
    match dry_run {
        Some(DryRun::Client) => " (dry run)",
        Some(DryRun::Server) => " (server dry run)",
        Some(DryRun::None) | None => "",
    }
}

fn result_cell(outcome: &Outcome, dry_run: Option<DryRun>) -> table::Cell {
    let suffix = dry_run_suffix(dry_run);
    match outcome {
        Outcome::Created | Outcome::Configured => table::cell(format!("{}{suffix}", outcome.word()), Role::Good),
        Outcome::Unchanged => table::cell(format!("unchanged{suffix}"), Role::Plain),
        Outcome::InPlace { .. } => table::cell("in place", Role::Plain),
        Outcome::LeftOut { .. } => table::cell("left out", Role::Warn),
        Outcome::Conflict { .. } => table::cell("conflict", Role::Bad),
        Outcome::Failed { reason, .. } => table::cell(format!("error: {reason}"), Role::Bad),
        Outcome::Skipped { .. } => table::cell("skipped", Role::Warn),
    }
}

/// Continuation lines of a multi-line message, indented under its first.
fn indented(message: &str) -> String {
    message.lines().collect::<Vec<_>>().join("\n  ")
}

/// The table output: findings, one row per namespace and policy, what was left as it is and why,
/// the namespaces `-A` skipped, and a summary; then the notes. Conflicts and failures, with what
/// to do about them, go to `err` as errors.
pub fn table(
    out: &mut dyn Write,
    err: &mut dyn Write,
    report: &Report<'_>,
    palette: Palette,
    err_palette: Palette,
    headers: bool,
) -> io::Result<()> {
    findings_block(out, &report.inputs, "", palette, false)?;
    writeln!(out)?;
    if !report.results.is_empty() {
        let mut t = table::new(palette, &["NAMESPACE", "POLICY", "RESULT"]);
        for ns in report.results {
            for p in &ns.policies {
                t.add_row(vec![
                    table::cell(&ns.namespace, Role::Name),
                    table::cell(&p.name, Role::Plain),
                    result_cell(&p.outcome, report.dry_run),
                ]);
            }
        }
        write!(out, "{}", table::render_with(&t, headers))?;
    }
    let mut details = Vec::new();
    let mut errors = Vec::new();
    for ns in report.results {
        if let Some(error) = &ns.error {
            errors.push(format!("{}: {}", ns.namespace, indented(error)));
        }
        for p in &ns.policies {
            let at = format!("{}/{}", ns.namespace, p.name);
            match &p.outcome {
                Outcome::Conflict { message, .. } => errors.push(format!("{at}: conflict: {}", indented(message))),
                Outcome::Failed { message, .. } => errors.push(format!("{at}: {}", indented(message))),
                Outcome::Skipped { message } if ns.error.is_none() => {
                    details.push(format!("{}: {}: {message}", palette.name(&at), palette.warn("skipped")))
                }
                Outcome::InPlace { message } => details.push(format!("{}: in place: {message}", palette.name(&at))),
                Outcome::LeftOut { message } => {
                    details.push(format!("{}: {}: {message}", palette.name(&at), palette.warn("left out")))
                }
                _ => {}
            }
        }
    }
    if !details.is_empty() {
        writeln!(out)?;
        for line in details {
            writeln!(out, "{line}")?;
        }
    }
    if !report.skipped.is_empty() {
        writeln!(out)?;
        let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
        for s in report.skipped {
            match reasons.iter_mut().find(|(r, _)| *r == s.reason) {
                Some((_, names)) => names.push(&s.namespace),
                None => reasons.push((&s.reason, vec![&s.namespace])),
            }
        }
        for (reason, names) in reasons {
            writeln!(out, "{} {}: {reason}", palette.warn("skipped"), names.join(", "))?;
        }
        if report.skipped.iter().any(|s| s.reason != "excluded with --exclude") {
            writeln!(out, "  (to include one, name it with -n and pass --include-system)")?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", summary(report, palette))?;
    for e in errors {
        writeln!(err, "{} {e}", err_palette.bad("error:"))?;
    }
    for note in report.inputs.notes() {
        writeln!(err, "{} {note}", err_palette.warn("note:"))?;
    }
    Ok(())
}

/// `-o name`: one `networkpolicy.networking.k8s.io/NAME` line per policy the run put in place,
/// as `kubectl apply -o name` prints them.
pub fn names(out: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    for ns in report.results {
        for p in ns
            .policies
            .iter()
            .filter(|p| matches!(p.outcome, Outcome::Created | Outcome::Configured | Outcome::Unchanged))
        {
            writeln!(out, "networkpolicy.networking.k8s.io/{}", p.name)?;
        }
    }
    Ok(())
}

fn summary(report: &Report<'_>, palette: Palette) -> String {
    let total = report.results.len();
    let done = report.results.iter().filter(|r| r.done).count();
    let plural = |n: usize| if n == 1 { "namespace" } else { "namespaces" };
    if total == 0 {
        return "No namespace to install the kit into.".to_string();
    }
    let unchanged = report.results.iter().all(|r| {
        r.policies
            .iter()
            .all(|p| matches!(p.outcome, Outcome::Unchanged | Outcome::InPlace { .. } | Outcome::LeftOut { .. }))
    });
    let headline = if done < total {
        palette.bad(format!("The kit is not in place in {} of {total} {}.", total - done, plural(total)))
    } else if unchanged {
        palette.good(format!("The kit was already in place in {total} {}; nothing changed.", plural(total)))
    } else {
        match report.dry_run {
            Some(DryRun::Client) | Some(DryRun::Server) => {
                palette.good(format!("The kit would be in place in {total} {}.", plural(total)))
            }
            _ => palette.good(format!("The kit is in place in {total} {}.", plural(total))),
        }
    };
    match report.dry_run {
        Some(DryRun::Client) => format!("{headline} Dry run: nothing was sent to the cluster."),
        Some(DryRun::Server) => format!("{headline} Server dry run: the API server checked the changes and kept none."),
        _ => headline,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    dry_run: &'static str,
    done: bool,
    detection: &'a Detection,
    notes: Vec<String>,
    policies: Vec<&'static str>,
    namespaces: &'a [NamespaceResult],
    skipped: &'a [Skip],
}

pub fn json(out: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    let json = JsonReport {
        dry_run: match report.dry_run {
            Some(DryRun::Client) => "client",
            Some(DryRun::Server) => "server",
            Some(DryRun::None) | None => "none",
        },
        done: report.results.iter().all(|r| r.done),
        detection: report.inputs.detection,
        notes: report.inputs.notes(),
        policies: report.inputs.kit.policies.iter().map(|p| p.name).collect(),
        namespaces: report.results,
        skipped: report.skipped,
    };
    serde_json::to_writer_pretty(&mut *out, &json).map_err(io::Error::other)?;
    writeln!(out)
}

/// The manifests as multi-document YAML, namespace by namespace, allows first; namespace-free
/// when no namespace was named. What was detected heads the stream as comments; so does, for each
/// namespace, what its existing policies leave out (`steps`, by namespace, in kit order: a policy
/// in place already, a name someone else uses, a peer admitted narrowly already).
pub fn manifests(
    out: &mut dyn Write,
    inputs: &Inputs<'_>,
    targets: &Targets,
    steps: &[(String, Vec<Step>)],
) -> io::Result<()> {
    writeln!(out, "# The kubectl-deny default-deny starter kit (kubectl deny init -o yaml).")?;
    writeln!(out, "# Apply in this order: the allow policies before default-deny-all, so that no namespace is")?;
    writeln!(out, "# isolated before its DNS and ingress are allowed (kubectl apply -f keeps the order).")?;
    if targets.namespaces.is_empty() && targets.skipped.is_empty() {
        writeln!(out, "# No namespace is set: apply with kubectl apply -n NAMESPACE -f, or set it with kustomize.")?;
    }
    writeln!(out, "#")?;
    findings_block(out, inputs, "# ", Palette::PLAIN, true)?;
    for s in &targets.skipped {
        writeln!(out, "# skipped {}: {}", s.namespace, s.reason)?;
    }
    for (ns, steps) in steps {
        for (kp, step) in inputs.kit.policies.iter().zip(steps) {
            let why = match step {
                Step::Apply => continue,
                Step::InPlace { message, .. } => format!("in place, left out: {message}"),
                Step::Theirs { message } | Step::LeftOut { message } | Step::Held { message } => {
                    format!("left out: {message}")
                }
            };
            writeln!(out, "# {ns}/{}: {why}", kp.name)?;
        }
    }
    let namespaces: Vec<Option<&str>> = if targets.namespaces.is_empty() && targets.skipped.is_empty() {
        vec![None]
    } else {
        targets.namespaces.iter().map(|n| Some(n.as_str())).collect()
    };
    for ns in namespaces {
        let steps = ns.and_then(|ns| steps.iter().find(|(n, _)| n == ns)).map(|(_, s)| s.as_slice());
        for (i, kp) in inputs.kit.policies.iter().enumerate() {
            if steps.is_some_and(|s| s.get(i).is_some_and(|step| *step != Step::Apply)) {
                continue;
            }
            super::yaml_document(out, &kp.manifest(ns))?;
        }
    }
    Ok(())
}

/// The Kyverno ClusterPolicy, as YAML headed by what it is and what was detected, or as JSON.
pub fn kyverno(
    out: &mut dyn Write,
    inputs: &Inputs<'_>,
    policy: &ClusterPolicy,
    format: OutputFormat,
) -> io::Result<()> {
    if format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut *out, policy).map_err(io::Error::other)?;
        return writeln!(out);
    }
    let excluded: Vec<&str> = policy
        .spec
        .rules
        .first()
        .and_then(|r| r.exclude.as_ref())
        .map(|e| e.any.iter().flat_map(|f| f.resources.names.iter().map(String::as_str)).collect())
        .unwrap_or_default();
    writeln!(out, "# A Kyverno ClusterPolicy that generates the kubectl-deny default-deny starter kit in every new")?;
    writeln!(out, "# namespace (kubectl deny init --kyverno). Existing namespaces are left alone: install the kit")?;
    writeln!(out, "# there with kubectl deny init -n NAMESPACE, which applies the allows before the deny.")?;
    if !excluded.is_empty() {
        writeln!(out, "# Never generated in: {}.", excluded.join(", "))?;
    }
    writeln!(out, "# Kyverno's background controller needs RBAC to create, update and delete NetworkPolicies.")?;
    writeln!(out, "#")?;
    findings_block(out, inputs, "# ", Palette::PLAIN, true)?;
    super::yaml_document(out, policy)
}
