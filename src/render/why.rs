//! `why` output: the verdict first, then each side of the flow (the source's egress, the
//! destination's ingress) with the deciding policy and rule or each isolating policy's nearest
//! miss, then hints and caveats. Also `-o json` and `-o yaml`, the contract scripts rely on.

use std::io::{self, Write};

use serde::Serialize;

use crate::engine::pipeline::DenyAbove;
use crate::engine::verdict::{
    LayerEvidence, Miss, NotApplied, Note, Outcome, Override, PeerMiss, PolicyEvidence, RuleEvidence, Side,
};
use crate::engine::{PortSet, Protocol, Verdict};

use super::Palette;

/// Everything `why` concluded, ready to print.
#[derive(Debug, Clone, Serialize)]
pub struct WhyReport {
    /// As the user named them, namespace-qualified: `prod/web`, `prod/deploy/api`, `10.0.0.7`.
    pub from: String,
    pub to: String,
    /// The port asked about (a Service's port for `svc/`); `None`: which ports, if any.
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
    pub protocol: Option<Protocol>,
    pub allowed: bool,
    /// One per destination evaluated: one for a pod or an address, one per backend and port for a
    /// Service.
    pub evaluations: Vec<Evaluation>,
    /// How the endpoints were resolved.
    pub notes: Vec<String>,
    /// Caveats about the whole cluster (the network plugin).
    pub caveats: Vec<Note>,
    /// The denies of blocked sides that no NetworkPolicy can override (then `--suggest` cannot
    /// help, and is not offered).
    #[serde(skip)]
    pub denied_above: Vec<DenyAbove>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub from: String,
    pub to: String,
    /// The Service port this evaluation stands for: `80/TCP (http) -> 8080`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_port: Option<String>,
    /// The port policy sees (the target port for a Service).
    pub port: Option<u16>,
    pub protocol: Option<Protocol>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text { wide: bool },
    Json,
    Yaml,
}

pub fn write(out: &mut dyn Write, report: &WhyReport, format: Format, palette: Palette) -> io::Result<()> {
    match format {
        Format::Text { wide } => write_text(out, report, wide, palette),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &JsonReport::new(report)).map_err(io::Error::other)?;
            writeln!(out)
        }
        Format::Yaml => {
            let text = serde_saphyr::to_string(&JsonReport::new(report)).map_err(io::Error::other)?;
            out.write_all(text.as_bytes())
        }
    }
}

/// The `-o json` contract: `verdict`, `from`, `to`, `port`, `protocol`, `egress`, `ingress`,
/// `caveats`, plus `hints`, `notes`, `allowedPorts` and, for several destinations,
/// `evaluations`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    verdict: &'static str,
    from: &'a str,
    to: &'a str,
    port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port_name: Option<&'a str>,
    protocol: Option<Protocol>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_ports: Option<&'a PortSet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    override_reason: Option<Override>,
    egress: &'a Side,
    ingress: &'a Side,
    caveats: Vec<&'a Note>,
    hints: Vec<&'a Note>,
    notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluations: Option<Vec<JsonEvaluation<'a>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonEvaluation<'a> {
    verdict: &'static str,
    from: &'a str,
    to: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_port: Option<&'a str>,
    port: Option<u16>,
    protocol: Option<Protocol>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_ports: Option<&'a PortSet>,
    egress: &'a Side,
    ingress: &'a Side,
    caveats: &'a [Note],
    hints: &'a [Note],
}

/// One policy of `why --suggest`, with what to know before applying it.
pub struct SuggestedPolicy {
    pub policy: k8s_openapi::api::networking::v1::NetworkPolicy,
    pub warnings: Vec<String>,
}

/// `why --suggest`: the NetworkPolicies that allow a blocked flow, as YAML documents headed by
/// comments (what is blocked, and that the policies were checked), or as a JSON `List`. Nothing
/// but a comment (an empty `List`) when the flow is allowed already.
pub fn suggestions(out: &mut dyn Write, r: &WhyReport, policies: &[SuggestedPolicy], json: bool) -> io::Result<()> {
    let flow = format!("{} -> {} {}", r.from, r.to, ports_asked(r));
    if json {
        let items: Vec<_> = policies.iter().map(|p| &p.policy).collect();
        let list = serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items });
        serde_json::to_writer_pretty(&mut *out, &list).map_err(io::Error::other)?;
        return writeln!(out);
    }
    if r.allowed {
        return writeln!(out, "# nothing to suggest: {flow} is allowed already");
    }
    let mut blocked = Vec::new();
    for e in r.evaluations.iter().filter(|e| !e.verdict.allowed) {
        for (side, dir, who) in [(&e.verdict.egress, "egress of", &e.from), (&e.verdict.ingress, "ingress of", &e.to)] {
            let phrase = format!("the {dir} {who}");
            if !side.allowed && !blocked.contains(&phrase) {
                blocked.push(phrase);
            }
        }
    }
    writeln!(out, "# kubectl deny why --suggest: {flow}")?;
    writeln!(out, "# is blocked by {}.", blocked.join(" and "))?;
    if policies.is_empty() {
        writeln!(out, "# No NetworkPolicy can allow it.")?;
        for n in &r.notes {
            writeln!(out, "# note: {n}")?;
        }
        return Ok(());
    }
    writeln!(out, "# These NetworkPolicies allow it, on that port only; checked: with them, why answers allowed.")?;
    writeln!(out, "# Review the selectors, then: kubectl apply -f FILE")?;
    for n in &r.notes {
        writeln!(out, "# note: {n}")?;
    }
    for p in policies {
        for w in &p.warnings {
            writeln!(out, "# warning: {w}")?;
        }
        super::yaml_document(out, &p.policy)?;
    }
    Ok(())
}

fn verdict_word(allowed: bool) -> &'static str {
    if allowed { "allowed" } else { "blocked" }
}

impl<'a> JsonReport<'a> {
    fn new(r: &'a WhyReport) -> Self {
        let deciding = deciding(r);
        let mut caveats: Vec<&Note> = r.caveats.iter().collect();
        let mut hints: Vec<&Note> = Vec::new();
        for e in &r.evaluations {
            for c in &e.verdict.caveats {
                if !caveats.contains(&c) {
                    caveats.push(c);
                }
            }
            for h in &e.verdict.hints {
                if !hints.contains(&h) {
                    hints.push(h);
                }
            }
        }
        JsonReport {
            verdict: verdict_word(r.allowed),
            from: &r.from,
            to: &r.to,
            port: r.port,
            port_name: r.port_name.as_deref(),
            protocol: r.protocol,
            allowed_ports: deciding.verdict.allowed_ports.as_ref(),
            override_reason: deciding.verdict.override_reason,
            egress: &deciding.verdict.egress,
            ingress: &deciding.verdict.ingress,
            caveats,
            hints,
            notes: &r.notes,
            evaluations: (r.evaluations.len() > 1).then(|| {
                r.evaluations
                    .iter()
                    .map(|e| JsonEvaluation {
                        verdict: verdict_word(e.verdict.allowed),
                        from: &e.from,
                        to: &e.to,
                        service_port: e.service_port.as_deref(),
                        port: e.port,
                        protocol: e.protocol,
                        allowed_ports: e.verdict.allowed_ports.as_ref(),
                        egress: &e.verdict.egress,
                        ingress: &e.verdict.ingress,
                        caveats: &e.verdict.caveats,
                        hints: &e.verdict.hints,
                    })
                    .collect()
            }),
        }
    }
}

/// The evaluation that decides the overall verdict: the first blocked one, else the first.
fn deciding(r: &WhyReport) -> &Evaluation {
    r.evaluations.iter().find(|e| !e.verdict.allowed).unwrap_or(&r.evaluations[0])
}

fn port_phrase(port: Option<u16>, protocol: Option<Protocol>, name: Option<&str>) -> String {
    match (port, protocol) {
        (Some(p), Some(proto)) => match name {
            Some(n) => format!("{proto} {p} ({n})"),
            None => format!("{proto} {p}"),
        },
        (Some(p), None) => format!("port {p}"),
        (None, Some(proto)) => format!("any {proto} port"),
        (None, None) => "any port".to_string(),
    }
}

/// The ports of the headline: `on TCP 5432`, `on Service port 80/TCP (http) -> 8080`.
fn ports_asked(r: &WhyReport) -> String {
    let mut service_ports: Vec<&str> = r.evaluations.iter().filter_map(|e| e.service_port.as_deref()).collect();
    service_ports.dedup();
    match (&deciding(r).verdict.allowed_ports, r.port) {
        _ if !service_ports.is_empty() => {
            format!("on Service port{} {}", if service_ports.len() > 1 { "s" } else { "" }, service_ports.join(", "))
        }
        (Some(ports), None) if r.allowed => format!("on {ports}"),
        (Some(_), None) => format!("on {}", port_phrase(None, r.protocol, None)),
        _ => format!("on {}", port_phrase(r.port, r.protocol, r.port_name.as_deref())),
    }
}

fn write_text(out: &mut dyn Write, r: &WhyReport, wide: bool, pal: Palette) -> io::Result<()> {
    let word = if r.allowed { pal.good("ALLOWED") } else { pal.bad("BLOCKED") };
    let what = ports_asked(r);
    writeln!(out, "{word}  {} -> {} {what}", pal.name(&r.from), pal.name(&r.to))?;
    if r.caveats.iter().any(|c| c.kind == "network-plugin") {
        writeln!(out, "  {}", pal.warn("but the network plugin does not enforce NetworkPolicy: see Caveats"))?;
    }
    let mut unknown: Vec<&str> = Vec::new();
    for e in &r.evaluations {
        for ns in e.verdict.egress.namespace_labels_unknown.iter().chain(&e.verdict.ingress.namespace_labels_unknown) {
            if !unknown.contains(&ns.as_str()) {
                unknown.push(ns);
            }
        }
    }
    if !unknown.is_empty() {
        writeln!(
            out,
            "  {}",
            pal.warn(format!(
                "as far as the labels of {} are known: they were not read (see Caveats)",
                namespaces_phrase(&unknown)
            ))
        )?;
    }
    for n in &r.notes {
        writeln!(out, "  {}", pal.dim(n))?;
    }

    // Group destinations with the same outcome, so a Service with ten identical backends reads once.
    let mut shown: Vec<(String, Vec<&Evaluation>)> = Vec::new();
    for e in &r.evaluations {
        // One destination needs no grouping, nor a key that costs as much as its JSON.
        let key = if r.evaluations.len() > 1 { outcome_key(e) } else { String::new() };
        match shown.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(e),
            None => shown.push((key, vec![e])),
        }
    }
    let several = r.evaluations.len() > 1;
    for (_, group) in &shown {
        let e = group[0];
        if several {
            writeln!(out)?;
            let names: Vec<&str> = group.iter().map(|e| e.to.as_str()).collect();
            let at = e
                .service_port
                .as_deref()
                .map(|sp| format!("Service port {sp}"))
                .unwrap_or_else(|| port_phrase(e.port, e.protocol, None));
            let word = if e.verdict.allowed { pal.good("allowed") } else { pal.bad("blocked") };
            writeln!(out, "{}: {word}", pal.heading(format!("To {} at {at}", summarize(&names))))?;
        }
        write_verdict(out, e, wide, pal, several)?;
    }

    // Each note once, in order; a set keeps this linear when a pod has thousands of policies.
    let mut seen = std::collections::HashSet::new();
    let caveats: Vec<&Note> = r
        .caveats
        .iter()
        .chain(r.evaluations.iter().flat_map(|e| &e.verdict.caveats))
        .filter(|c| seen.insert((c.kind, c.message.as_str())))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let hints: Vec<&Note> = r
        .evaluations
        .iter()
        .flat_map(|e| &e.verdict.hints)
        .filter(|h| seen.insert((h.kind, h.message.as_str())))
        .collect();
    if !hints.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", pal.heading("Hints:"))?;
        for h in hints {
            writeln!(out, "  - {}", h.message)?;
        }
    }
    if caveats.iter().any(|c| !matches!(c.kind, "self-traffic" | "node-local")) {
        writeln!(out)?;
        writeln!(out, "{}", pal.heading("Caveats:"))?;
        // Self-traffic and node-local flows are already said under the verdict.
        for c in caveats.iter().filter(|c| !matches!(c.kind, "self-traffic" | "node-local")) {
            writeln!(out, "  - {}", pal.warn(&c.message))?;
        }
    }
    // No NetworkPolicy can override an Admin-tier, Cilium or earlier Calico deny: `--suggest` says
    // who to ask instead, and is not offered.
    if !r.allowed && r.denied_above.is_empty() && r.evaluations.iter().all(|e| e.port.is_some()) {
        writeln!(out)?;
        writeln!(out, "{}", pal.dim("Add --suggest to print NetworkPolicies that would allow this flow."))?;
    }
    Ok(())
}

/// `namespace tools`, `namespaces tools and ci`.
fn namespaces_phrase(names: &[&str]) -> String {
    match names {
        [one] => format!("namespace {one}"),
        [rest @ .., last] => format!("namespaces {} and {last}", rest.join(", ")),
        [] => String::new(),
    }
}

fn summarize(names: &[&str]) -> String {
    match names.len() {
        0 => String::new(),
        1..=3 => names.join(", "),
        n => format!("{}, {} and {} more", names[0], names[1], n - 2),
    }
}

/// What distinguishes one destination's outcome from another's, for grouping.
fn outcome_key(e: &Evaluation) -> String {
    let sides = serde_json::json!({
        "allowed": e.verdict.allowed,
        "servicePort": e.service_port,
        "egress": e.verdict.egress.policies,
        "ingress": e.verdict.ingress.policies,
        "egressApplies": e.verdict.egress.not_applied,
        "ingressApplies": e.verdict.ingress.not_applied,
    });
    sides.to_string()
}

fn write_verdict(out: &mut dyn Write, e: &Evaluation, wide: bool, pal: Palette, several: bool) -> io::Result<()> {
    let v = &e.verdict;
    if let Some(reason) = v.override_reason {
        let why = match reason {
            Override::SelfTraffic => "a pod can always reach itself; no NetworkPolicy applies",
            Override::NodeLocal => {
                "traffic between a pod and its own node is always allowed (kubelet probes use this path)"
            }
        };
        writeln!(out, "{}", pal.good(why))?;
        if !wide {
            return Ok(());
        }
    }
    let indent = if several { "  " } else { "" };
    for side in [&v.egress, &v.ingress] {
        if !several {
            writeln!(out)?;
        }
        write_side(out, side, v.allowed_ports.is_some(), wide, pal, indent)?;
    }
    if let Some(ports) = &v.allowed_ports
        && ports.is_empty()
        && v.egress.allowed_ports.as_ref().is_some_and(|p| !p.is_empty())
        && v.ingress.allowed_ports.as_ref().is_some_and(|p| !p.is_empty())
    {
        writeln!(out)?;
        writeln!(
            out,
            "{indent}{}",
            pal.bad("No port is allowed by both sides: each allows only ports the other blocks.")
        )?;
    }
    Ok(())
}

fn write_side(
    out: &mut dyn Write,
    side: &Side,
    any_port: bool,
    wide: bool,
    pal: Palette,
    indent: &str,
) -> io::Result<()> {
    let title = match side.direction {
        crate::engine::Direction::Egress => format!("Egress from {}", side.subject),
        crate::engine::Direction::Ingress => format!("Ingress to {}", side.subject),
    };
    let state = if side.allowed { pal.good("allowed") } else { pal.bad("blocked") };
    let ports = match (&side.allowed_ports, any_port) {
        (Some(p), true) if side.isolated => format!(" ({})", p),
        _ => String::new(),
    };
    let known = if side.namespace_labels_unknown.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = side.namespace_labels_unknown.iter().map(String::as_str).collect();
        format!(", as far as the labels of {} are known (they were not read)", namespaces_phrase(&names))
    };
    writeln!(out, "{indent}{}: {state}{ports}{known}", pal.heading(title))?;
    if side.layers.iter().any(|l| l.layer.starts_with("calico-tier:")) {
        return write_tiers(out, side, wide, pal, indent);
    }
    if let Some(layer) = side.layers.iter().find(|l| l.layer == crate::engine::cilium::LAYER)
        && side.not_applied.is_none()
    {
        return write_cilium_side(out, side, layer, wide, pal, indent);
    }
    if let Some(reason) = side.not_applied {
        let why = match reason {
            NotApplied::External => "outside the cluster's pods: no NetworkPolicy applies on this side",
            NotApplied::HostNetwork => "a host-network pod: NetworkPolicy does not apply to it",
        };
        writeln!(out, "{indent}  {}", pal.dim(why))?;
        return Ok(());
    }
    if side.layers.is_empty() {
        return write_network_policies(out, side, wide, pal, indent);
    }
    // Several layers: the pipeline, layer by layer, NetworkPolicy's own evidence at its place.
    let deeper = format!("{indent}  ");
    for layer in &side.layers {
        let decision = match layer.decision {
            Outcome::Allow => pal.good("allow"),
            Outcome::Deny => pal.bad("deny"),
            Outcome::Mixed => "some ports allowed, some denied".to_string(),
            Outcome::Pass => "pass".to_string(),
            Outcome::NoOpinion => pal.dim("no opinion"),
            Outcome::NotReached => pal.dim("not reached"),
        };
        writeln!(out, "{indent}  {} {decision}", pal.heading(format!("{}:", layer_title(&layer.layer))))?;
        if layer.layer == "networkpolicy" {
            if layer.decision != Outcome::NotReached {
                write_network_policies(out, side, wide, pal, &deeper)?;
            }
        } else {
            write_tier_layer(out, side, layer, wide, pal, indent)?;
        }
    }
    Ok(())
}

/// `admin tier`, `NetworkPolicy`, `baseline tier`; other layers by their id.
fn layer_title(id: &str) -> String {
    match id {
        "admin" => "Admin tier".to_string(),
        "networkpolicy" => "NetworkPolicy".to_string(),
        "baseline" => "Baseline tier".to_string(),
        other => other.to_string(),
    }
}

/// A cluster-wide tier's evidence: the rules that decided (the Pass hand-offs first), and, when
/// the side is blocked (or with `-o wide`), each Allow rule that did not match and why.
fn write_tier_layer(
    out: &mut dyn Write,
    side: &Side,
    layer: &LayerEvidence,
    wide: bool,
    pal: Palette,
    indent: &str,
) -> io::Result<()> {
    let (field, peers_field) = match side.direction {
        crate::engine::Direction::Ingress => ("ingress", "from"),
        crate::engine::Direction::Egress => ("egress", "to"),
    };
    for r in &layer.rules {
        let mark = match r.decision {
            Outcome::Allow => pal.good("+"),
            Outcome::Deny => pal.bad("-"),
            _ => ">".to_string(),
        };
        let priority = r.priority.map(|p| format!(" (priority {p})")).unwrap_or_default();
        let name = r.rule_name.as_deref().map(|n| format!(" {n:?}")).unwrap_or_default();
        let peer = match r.peer {
            Some(i) => format!("{peers_field}[{i}] {}", r.peer_text),
            None => r.peer_text.clone(),
        };
        writeln!(
            out,
            "{indent}    {mark} {} {}{priority}: {field}[{}]{name} {} {peer}, {}",
            r.kind,
            pal.name(&r.name),
            r.rule,
            r.action,
            r.port_text
        )?;
    }
    if !side.allowed || wide {
        for m in &layer.misses {
            let priority = m.priority.map(|p| format!(" (priority {p})")).unwrap_or_default();
            let name = m.rule_name.as_deref().map(|n| format!(" {n:?}")).unwrap_or_default();
            let what = match (&m.miss.peer_miss, m.miss.peer, &m.miss.peer_text) {
                (None, Some(i), Some(text)) => format!("{peers_field}[{i}] {text} matches, but not the port"),
                (None, _, _) => "matches every peer, but not the port".to_string(),
                (Some(_), Some(i), Some(text)) => format!("{peers_field}[{i}] {text} does not match"),
                (Some(_), _, _) => "does not match".to_string(),
            };
            writeln!(
                out,
                "{indent}    {} {} {}{priority}: {field}[{}]{name} ({}) {what}",
                pal.dim("~"),
                m.kind,
                pal.name(&m.name),
                m.rule,
                m.action
            )?;
            for line in miss_details(&m.miss) {
                writeln!(out, "{indent}        {line}")?;
            }
        }
    }
    for n in &layer.notes {
        writeln!(out, "{indent}    {}", pal.dim(format!("note: {}", n.message)))?;
    }
    Ok(())
}

/// NetworkPolicy's evidence for one side: whether it is isolated, the rules that allow, the
/// nearest misses.
fn write_network_policies(out: &mut dyn Write, side: &Side, wide: bool, pal: Palette, indent: &str) -> io::Result<()> {
    if !side.isolated {
        let dir = side.direction.as_str();
        writeln!(out, "{indent}  {}", pal.dim(format!("not isolated: no NetworkPolicy selects it for {dir}")))?;
        return Ok(());
    }
    let names: Vec<String> = side.policies.iter().map(|p| pal.name(&p.name)).collect();
    let ns = side.policies.first().map(|p| p.namespace.as_str()).unwrap_or_default();
    writeln!(out, "{indent}  isolated by {} (namespace {ns})", names.join(", "))?;
    let field = match side.direction {
        crate::engine::Direction::Ingress => ("ingress", "from"),
        crate::engine::Direction::Egress => ("egress", "to"),
    };
    // Allowing policies first, then the misses.
    let (allowing, missing): (Vec<&PolicyEvidence>, Vec<&PolicyEvidence>) =
        side.policies.iter().partition(|p| p.allows);
    for p in &allowing {
        let matches = if wide { &p.matches[..] } else { &p.matches[..p.matches.len().min(1)] };
        for m in matches {
            let peer = match m.peer {
                Some(i) => format!("{}[{}].{}[{i}] {}", field.0, m.rule, field.1, m.peer_text),
                None => format!("{}[{}] {} every peer", field.0, m.rule, field.1),
            };
            writeln!(out, "{indent}  {} {}: {peer}, {}", pal.good("+"), pal.name(&p.name), m.port_text)?;
        }
        if !wide && p.matches.len() > 1 {
            writeln!(
                out,
                "{indent}    {}",
                pal.dim(format!("and {} more matching rules (-o wide)", p.matches.len() - 1))
            )?;
        }
    }
    if side.allowed && !wide {
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|p| p.name.as_str()).collect();
            writeln!(
                out,
                "{indent}  {}",
                pal.dim(format!("not allowing: {} (-o wide for details)", names.join(", ")))
            )?;
        }
        return Ok(());
    }
    for p in &missing {
        let miss = p.nearest_miss.as_ref();
        writeln!(out, "{indent}  {} {}: {}", pal.bad("-"), pal.name(&p.name), describe_miss(p, miss, field))?;
        if let Some(m) = miss {
            for line in miss_details(m) {
                writeln!(out, "{indent}      {line}")?;
            }
        }
        if wide && p.policy_types_defaulted {
            writeln!(out, "{indent}      {}", pal.dim("policyTypes absent; defaulted by the API server"))?;
        }
    }
    Ok(())
}

/// A side on a cluster ordered by Calico's tiers: per tier taking part, the policies selecting
/// the subject, the rules that decided (Pass hand-offs and Log included), the end-of-tier action
/// when it applied, and for a blocked side each Allow rule's nearest miss.
fn write_tiers(out: &mut dyn Write, side: &Side, wide: bool, pal: Palette, indent: &str) -> io::Result<()> {
    let dir = side.direction.as_str();
    if let Some(reason) = side.not_applied {
        let why = match reason {
            NotApplied::External => "outside the cluster's pods: no Calico tier applies on this side",
            NotApplied::HostNetwork => "a host-network pod: Calico's tiers govern workload endpoints only",
        };
        writeln!(out, "{indent}  {}", pal.dim(why))?;
        return Ok(());
    }
    let mut any = false;
    for layer in &side.layers {
        let tier = layer.layer.strip_prefix("calico-tier:").unwrap_or(&layer.layer);
        if layer.decision == Outcome::NotReached || (layer.selecting.is_empty() && layer.decision == Outcome::NoOpinion)
        {
            if wide {
                let why = if layer.decision == Outcome::NotReached {
                    "not reached (decided before it)".to_string()
                } else {
                    format!("skipped: none of its policies selects the pod for {dir}")
                };
                writeln!(out, "{indent}  {}", pal.dim(format!("tier {tier}: {why}")))?;
            }
            continue;
        }
        any = true;
        let word = match layer.decision {
            Outcome::Allow => pal.good("allow"),
            Outcome::Deny => pal.bad("deny"),
            Outcome::Mixed => pal.warn("some ports"),
            Outcome::Pass | Outcome::NoOpinion => pal.dim("pass"),
            Outcome::NotReached => pal.dim("not reached"),
        };
        writeln!(out, "{indent}  tier {}: {word}", pal.name(tier))?;
        if wide || layer.rules.is_empty() {
            writeln!(out, "{indent}    {}", pal.dim(format!("selected by {}", layer.selecting.join(", "))))?;
        }
        for r in &layer.rules {
            let mark = match r.decision {
                Outcome::Allow => pal.good("+"),
                Outcome::Deny => pal.bad("-"),
                _ => pal.dim(">"),
            };
            let who = match &r.namespace {
                Some(ns) => format!("{} {ns}/{}", r.kind, r.name),
                None => format!("{} {}", r.kind, r.name),
            };
            let order = r.order.map(|o| format!(" (order {o})")).unwrap_or_default();
            writeln!(
                out,
                "{indent}    {mark} {}{order} {dir}[{}] {}: {}, {}",
                pal.name(&who),
                r.rule,
                r.action,
                r.peer_text,
                r.port_text
            )?;
        }
        if let Some(end) = &layer.end_of_tier {
            let ports = end.ports.as_ref().map(|p| format!(" ({p})")).unwrap_or_default();
            let text = if end.action == "Pass" {
                pal.dim(format!("end of tier {}: no rule matched, its default action Pass hands on{ports}", end.tier))
            } else {
                pal.bad(format!("end of tier {}: no rule matched, its default action Deny drops{ports}", end.tier))
            };
            writeln!(out, "{indent}    {text}")?;
        }
        if !side.allowed || wide {
            for m in &layer.misses {
                let who = match &m.namespace {
                    Some(ns) => format!("{} {ns}/{}", m.kind, m.name),
                    None => format!("{} {}", m.kind, m.name),
                };
                let what = match (&m.miss.peer_miss, &m.miss.port_miss) {
                    (Some(_), _) => format!("{} does not match", m.miss.peer_text.as_deref().unwrap_or("the peer")),
                    (None, Some(_)) => "the peer matches, but not the port or protocol".to_string(),
                    (None, None) => format!("has no {dir} rules"),
                };
                let rule = m.miss.rule.map(|r| format!(" {dir}[{r}]")).unwrap_or_default();
                writeln!(out, "{indent}    {} {}{rule} {}: {what}", pal.dim("~"), pal.name(&who), m.action)?;
                for line in miss_details(&m.miss) {
                    writeln!(out, "{indent}        {line}")?;
                }
            }
        }
    }
    if !any {
        writeln!(
            out,
            "{indent}  {}",
            pal.dim(format!("no policy of any tier selects it for {dir}: allowed by its profile"))
        )?;
    } else if side.allowed && side.layers.iter().all(|l| !matches!(l.decision, Outcome::Allow | Outcome::Mixed)) {
        writeln!(out, "{indent}  {}", pal.dim("every tier taking part passed: allowed by its namespace's profile"))?;
    }
    Ok(())
}

/// A side decided by Cilium's layer: what isolates it, the deny rules that matched, the allow
/// rules (NetworkPolicy's and Cilium's, one list) that matched, and for a blocked side the
/// nearest misses.
fn write_cilium_side(
    out: &mut dyn Write,
    side: &Side,
    layer: &LayerEvidence,
    wide: bool,
    pal: Palette,
    indent: &str,
) -> io::Result<()> {
    let dir = side.direction.as_str();
    if layer.isolated_by.is_empty() {
        writeln!(
            out,
            "{indent}  {}",
            pal.dim(format!(
                "not isolated: no NetworkPolicy, CiliumNetworkPolicy or clusterwide policy selects it for {dir}"
            ))
        )?;
    } else {
        let names: Vec<String> = layer.isolated_by.iter().map(|n| pal.name(n)).collect();
        writeln!(out, "{indent}  isolated ({dir} default deny) by {}", names.join(", "))?;
    }
    let who = |r: &RuleEvidence| match &r.namespace {
        Some(ns) => format!("{} {ns}/{}", r.kind, r.name),
        None => format!("{} {}", r.kind, r.name),
    };
    let (denies, allows): (Vec<&RuleEvidence>, Vec<&RuleEvidence>) =
        layer.rules.iter().partition(|r| r.decision == crate::engine::verdict::Outcome::Deny);
    for r in &denies {
        let rule = r.rule_name.clone().unwrap_or_default();
        writeln!(
            out,
            "{indent}  {} {} {rule}: {}, {} (deny rules win over every allow)",
            pal.bad("x"),
            pal.name(who(r)),
            r.peer_text,
            r.port_text
        )?;
    }
    let shown = if wide { allows.len() } else { allows.len().min(3) };
    for r in &allows[..shown] {
        let rule = r.rule_name.clone().unwrap_or_default();
        writeln!(out, "{indent}  {} {} {rule}: {}, {}", pal.good("+"), pal.name(who(r)), r.peer_text, r.port_text)?;
    }
    if allows.len() > shown {
        writeln!(
            out,
            "{indent}    {}",
            pal.dim(format!("and {} more matching rules (-o wide)", allows.len() - shown))
        )?;
    }
    if side.allowed && !wide {
        return Ok(());
    }
    // NetworkPolicies that isolate but do not allow, then Cilium's nearest misses.
    let field = match side.direction {
        crate::engine::Direction::Ingress => ("ingress", "from"),
        crate::engine::Direction::Egress => ("egress", "to"),
    };
    for p in side.policies.iter().filter(|p| !p.allows) {
        let miss = p.nearest_miss.as_ref();
        let name = format!("NetworkPolicy {}/{}", p.namespace, p.name);
        writeln!(out, "{indent}  {} {}: {}", pal.bad("-"), pal.name(name), describe_miss(p, miss, field))?;
        if let Some(m) = miss {
            for line in miss_details(m) {
                writeln!(out, "{indent}      {line}")?;
            }
        }
    }
    let misses = if wide { &layer.misses[..] } else { &layer.misses[..layer.misses.len().min(3)] };
    for m in misses {
        let name = match &m.namespace {
            Some(ns) => format!("{} {ns}/{}", m.kind, m.name),
            None => format!("{} {}", m.kind, m.name),
        };
        let rule = m.rule_name.clone().unwrap_or_default();
        writeln!(
            out,
            "{indent}  {} {} {rule}: {}",
            pal.bad("-"),
            pal.name(name),
            m.miss.peer_text.clone().unwrap_or_default()
        )?;
        if let Some(pm) = &m.miss.port_miss {
            let ports = if pm.rule_ports.is_empty() { "every port".to_string() } else { pm.rule_ports.join(", ") };
            writeln!(out, "{indent}      ports: allows {ports}")?;
        }
    }
    if layer.misses.len() > misses.len() {
        writeln!(
            out,
            "{indent}    {}",
            pal.dim(format!("and {} more rules that do not match (-o wide)", layer.misses.len() - misses.len()))
        )?;
    }
    Ok(())
}

fn describe_miss(p: &PolicyEvidence, miss: Option<&Miss>, field: (&str, &str)) -> String {
    let Some(m) = miss.filter(|m| m.rule.is_some()) else {
        let defaulted = if p.policy_types_defaulted {
            format!(
                " (its policyTypes was absent, and the API server defaults it to include {})",
                if field.0 == "ingress" { "Ingress always" } else { "Egress when egress rules exist" }
            )
        } else {
            String::new()
        };
        return format!("has no {} rules: denies all {}{defaulted}", field.0, field.0);
    };
    let rule = m.rule.unwrap_or_default();
    let of = if p.rule_count > 1 { format!(" (nearest of {} rules)", p.rule_count) } else { String::new() };
    match (&m.peer_miss, m.peer, &m.peer_text) {
        (None, Some(i), Some(text)) => {
            format!("{}[{rule}].{}[{i}] {text} matches, but not the port{of}", field.0, field.1)
        }
        (None, _, _) => format!("{}[{rule}] admits every peer, but not the port{of}", field.0),
        (Some(_), Some(i), Some(text)) => format!("{}[{rule}].{}[{i}] {text} does not match{of}", field.0, field.1),
        (Some(_), _, _) => format!("{}[{rule}] does not match{of}", field.0),
    }
}

fn miss_details(m: &Miss) -> Vec<String> {
    let mut lines = Vec::new();
    match &m.peer_miss {
        Some(PeerMiss::Labels { pod, namespace, peer_namespace, namespace_labels_known, .. }) => {
            for u in pod {
                lines.push(format!("pod: {u}"));
            }
            for u in namespace {
                lines.push(format!("namespace {peer_namespace}: {u}"));
            }
            if !namespace.is_empty() && !namespace_labels_known {
                lines.push(format!("(namespace {peer_namespace}'s labels were not read)"));
            }
        }
        Some(PeerMiss::OtherNamespace { policy_namespace, peer_namespace, pod }) => {
            lines.push(format!(
                "selects pods in {policy_namespace} only (no namespaceSelector); the peer is in {peer_namespace}"
            ));
            for u in pod {
                lines.push(format!("pod: {u}"));
            }
        }
        Some(PeerMiss::OutsideCidr { ip, cidr }) => lines.push(format!("{ip} is outside {cidr}")),
        Some(PeerMiss::Excepted { ip, cidr, except }) => {
            lines.push(format!("{ip} is in {cidr} but excepted by {except}"))
        }
        Some(PeerMiss::NoIp) => lines.push("the peer has no IP, so an ipBlock cannot match it".into()),
        Some(PeerMiss::NotAPod { ip }) => lines.push(format!("{ip} is not a pod, and selectors only match pods")),
        Some(PeerMiss::CalicoSelector { requirements }) => {
            for r in requirements {
                lines.push(format!("peer: {r}"));
            }
        }
        Some(PeerMiss::HostNetwork) => lines
            .push("the peer uses the host network: selectors do not match it (its traffic has the node's IP)".into()),
        Some(PeerMiss::NodeLabels { unmet }) => {
            for u in unmet {
                lines.push(format!("node: {u}"));
            }
        }
        Some(PeerMiss::NotANode { address: Some(ip) }) => lines.push(format!("{ip} is no node's address")),
        Some(PeerMiss::NotANode { address: None }) => lines.push("the peer is not a node".into()),
        Some(PeerMiss::DomainName) => lines
            .push("a domain name: whether it matches depends on DNS, which the cluster's state does not tell".into()),
        Some(PeerMiss::UnknownPeer) => lines.push("a peer of a kind this tool does not know".into()),
        None => {}
    }
    if let Some(pm) = &m.port_miss {
        // Named entries (`TCP/http`) resolve on the destination: say what it lacks.
        let named: Vec<String> = pm
            .rule_ports
            .iter()
            .filter_map(|p| p.split_once('/'))
            .filter(|(_, port)| port.chars().any(|c| c.is_ascii_lowercase()))
            .map(|(protocol, name)| format!("{protocol} port named {name}"))
            .collect();
        let resolved = match (named.is_empty(), pm.resolves_to.is_empty()) {
            (true, _) => String::new(),
            (false, true) => format!(" (the destination declares no {})", named.join(" or ")),
            (false, false) => format!(" (on this destination: {})", pm.resolves_to),
        };
        lines.push(format!("ports: allows {}{resolved}", pm.rule_ports.join(", ")));
    }
    lines
}
