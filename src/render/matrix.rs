//! `matrix` output. For people: the pod groups, then one grid per port (a list of flows when the
//! grid would be too wide, or with `-o wide`). For machines: `{"cells":[...]}` with one cell per
//! ordered pair of pods and port, streamed (a 5,000-pod matrix has 25 million cells).

use std::io::{self, Write};

use crate::engine::Protocol;
use crate::engine::matrix::{Matrix, PortMatrix};

use super::Palette;
use super::table::{self, Role};

/// Grids wider than this many groups are printed as lists of flows.
pub const GRID_LIMIT: usize = 16;

pub fn write_json(out: &mut dyn Write, m: &Matrix) -> io::Result<()> {
    // Each cell is assembled from pieces rendered once: `{"from":NAME,"to":` per source pod and
    // `NAME,"port":P,"protocol":"TCP","verdict":"` per destination pod and port.
    let quoted =
        |p: &crate::engine::Pod| serde_json::to_string(&format!("{}/{}", p.namespace, p.name)).unwrap_or_default();
    let heads: Vec<Vec<String>> = m
        .groups
        .iter()
        .map(|g| g.members.iter().map(|p| format!("{{\"from\":{},\"to\":", quoted(p))).collect())
        .collect();
    let tails: Vec<Vec<Vec<String>>> = m
        .groups
        .iter()
        .enumerate()
        .map(|(hj, h)| {
            h.members
                .iter()
                .map(|p| {
                    let name = quoted(p);
                    m.ports[hj]
                        .iter()
                        .map(|(port, protocol)| {
                            format!("{name},\"port\":{port},\"protocol\":\"{protocol}\",\"verdict\":\"")
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    out.write_all(b"{\"cells\":[")?;
    let mut separator: &[u8] = b"\n";
    for (gi, group_heads) in heads.iter().enumerate() {
        for (mi, head) in group_heads.iter().enumerate() {
            for (hj, group_tails) in tails.iter().enumerate() {
                for (mj, pod_tails) in group_tails.iter().enumerate() {
                    for (k, tail) in pod_tails.iter().enumerate() {
                        out.write_all(separator)?;
                        separator = b",\n";
                        out.write_all(head.as_bytes())?;
                        out.write_all(tail.as_bytes())?;
                        let verdict: &[u8] =
                            if m.pod_allowed((gi, mi), (hj, mj), k) { b"allowed\"}" } else { b"blocked\"}" };
                        out.write_all(verdict)?;
                    }
                }
            }
        }
    }
    out.write_all(b"\n]}\n")
}

/// `matrix -o json --grouped`: the groups (pods no policy can tell apart: namespace, labels,
/// ports, host networking, address blocks) with their pods, then one cell per ordered group pair
/// and destination port, so the size grows with groups, not pods squared. Expanding it gives
/// `write_json`'s cells exactly: a pod to itself is allowed; a listed exception (traffic of a
/// host-network pod with a pod of its node, which NetworkPolicy cannot block; on Cilium only from
/// the host-network pod, which is its node there) wins; otherwise
/// the cell of the two pods' groups holds. A group of one pod has no cell with itself.
pub fn write_grouped_json(out: &mut dyn Write, m: &Matrix) -> io::Result<()> {
    let name = |p: &crate::engine::Pod| format!("{}/{}", p.namespace, p.name);
    out.write_all(b"{\"groups\":[")?;
    for (gi, g) in m.groups.iter().enumerate() {
        let rep = g.representative();
        let group = serde_json::json!({
            "id": gi,
            "namespace": rep.namespace,
            "labels": &*rep.labels,
            "hostNetwork": rep.host_network,
            "pods": g.members.iter().map(|p| name(p)).collect::<Vec<_>>(),
        });
        out.write_all(if gi == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &group)?;
    }
    out.write_all(b"\n],\"cells\":[")?;
    let mut separator: &[u8] = b"\n";
    for fi in 0..m.groups.len() {
        for (ti, to) in m.groups.iter().enumerate() {
            if fi == ti && to.members.len() < 2 {
                continue;
            }
            for (k, (port, protocol)) in m.ports[ti].iter().enumerate() {
                out.write_all(separator)?;
                separator = b",\n";
                let verdict = if m.group_allowed(fi, ti, k) { "allowed" } else { "blocked" };
                write!(
                    out,
                    "{{\"from\":{fi},\"to\":{ti},\"port\":{port},\"protocol\":\"{protocol}\",\"verdict\":\"{verdict}\"}}"
                )?;
            }
        }
    }
    out.write_all(b"\n],\"exceptions\":[")?;
    let mut separator: &[u8] = b"\n";
    for (fi, ti) in m.override_candidates() {
        if m.overridden_pairs(fi, ti) == 0 {
            continue;
        }
        for (mi, a) in m.groups[fi].members.iter().enumerate() {
            for (mj, b) in m.groups[ti].members.iter().enumerate() {
                if std::ptr::eq(*a, *b) {
                    continue;
                }
                for (k, (port, protocol)) in m.ports[ti].iter().enumerate() {
                    if m.pod_allowed((fi, mi), (ti, mj), k) == m.group_allowed(fi, ti, k) {
                        continue;
                    }
                    out.write_all(separator)?;
                    separator = b",\n";
                    let verdict = if m.pod_allowed((fi, mi), (ti, mj), k) { "allowed" } else { "blocked" };
                    let cell = serde_json::json!({
                        "from": name(a), "to": name(b), "port": port,
                        "protocol": protocol.to_string(), "verdict": verdict,
                    });
                    serde_json::to_writer(&mut *out, &cell)?;
                }
            }
        }
    }
    out.write_all(b"\n]}\n")
}

/// Every distinct (port, protocol) any destination is evaluated at, in order.
fn all_ports(m: &Matrix) -> Vec<(u16, Protocol)> {
    let mut v: Vec<(u16, Protocol)> = m.ports.iter().flat_map(|p| p.iter().copied()).collect();
    v.sort_unstable_by_key(|&(port, protocol)| (port, protocol));
    v.dedup();
    v
}

/// Whether the pods of group `g` declare a container port `port`/`protocol`.
fn declares(m: &Matrix, g: usize, port: u16, protocol: Protocol) -> bool {
    m.groups[g].representative().ports.iter().any(|cp| cp.port == port && cp.protocol == protocol)
}

fn group_label(m: &Matrix, g: usize) -> String {
    let p = m.groups[g].representative();
    let n = m.groups[g].members.len();
    if n == 1 {
        format!("{}/{}", p.namespace, p.name)
    } else {
        format!("{}/{} (+{} alike)", p.namespace, p.name, n - 1)
    }
}

pub fn write_text(out: &mut dyn Write, m: &Matrix, wide: bool, headers: bool, palette: Palette) -> io::Result<()> {
    if m.groups.is_empty() {
        return writeln!(out, "No pods in scope.");
    }
    if !wide && m.groups.len() > GRID_LIMIT {
        return write_allowed_list(out, m, headers, palette);
    }
    let pods: usize = m.groups.iter().map(|g| g.members.len()).sum();
    let mut t = table::new(palette, &["GROUP", "PODS", "NAMESPACE", "LABELS", "PORTS"]);
    for (i, g) in m.groups.iter().enumerate() {
        let p = g.representative();
        let names: Vec<&str> = g.members.iter().map(|p| p.name.as_str()).collect();
        let names = if names.len() > 3 {
            format!("{}, {} and {} more", names[0], names[1], names.len() - 2)
        } else {
            names.join(", ")
        };
        let labels: Vec<String> = p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let ports: Vec<String> = p
            .ports
            .iter()
            .map(|cp| match &cp.name {
                Some(n) => format!("{}/{} ({n})", cp.port, cp.protocol),
                None => format!("{}/{}", cp.port, cp.protocol),
            })
            .collect();
        t.add_row(vec![
            table::cell(i + 1, Role::Plain),
            table::cell(names, Role::Name),
            table::cell(&p.namespace, Role::Plain),
            table::cell(if labels.is_empty() { "<none>".into() } else { labels.join(",") }, Role::Dim),
            table::cell(if ports.is_empty() { "<none>".into() } else { ports.join(",") }, Role::Dim),
        ]);
    }
    write!(out, "{}", table::render_with(&t, headers))?;

    let ports = all_ports(m);
    if ports.is_empty() {
        writeln!(out)?;
        return writeln!(out, "No ports to evaluate: the pods declare no container ports; choose some with --port.");
    }
    let mut allowed = 0usize;
    let mut total = 0usize;
    // Which marks the grids used, for the legend.
    let (mut undeclared_dot, mut undeclared_mark, mut itself) = (false, false, false);
    for &(port, protocol) in &ports {
        writeln!(out)?;
        if wide {
            let mut t = table::new(palette, &["FROM", "TO", "PORT", "VERDICT"]);
            for (fi, _) in m.groups.iter().enumerate() {
                for (ti, to) in m.groups.iter().enumerate() {
                    let Some(k) = m.ports[ti].iter().position(|&x| x == (port, protocol)) else { continue };
                    if fi == ti && to.members.len() < 2 {
                        continue;
                    }
                    let ok = m.group_allowed(fi, ti, k);
                    let note = if declares(m, ti, port, protocol) { "" } else { " (not declared)" };
                    t.add_row(vec![
                        table::cell(group_label(m, fi), Role::Name),
                        table::cell(group_label(m, ti), Role::Name),
                        table::cell(format!("{port}/{protocol}"), Role::Plain),
                        if ok {
                            table::cell(format!("allowed{note}"), Role::Good)
                        } else {
                            table::cell(format!("blocked{note}"), Role::Bad)
                        },
                    ]);
                }
            }
            write!(out, "{}", table::render_with(&t, headers))?;
        } else {
            let mut header = vec![format!("{port}/{protocol}  FROM \\ TO")];
            header.extend((1..=m.groups.len()).map(|i| i.to_string()));
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut t = table::new(palette, &header);
            for (fi, _) in m.groups.iter().enumerate() {
                let mut row = vec![table::cell(format!("{} {}", fi + 1, group_label(m, fi)), Role::Name)];
                for (ti, to) in m.groups.iter().enumerate() {
                    // `°`: evaluated at a port given with --port that the destination does not
                    // declare.
                    let mark = if declares(m, ti, port, protocol) { "" } else { "°" };
                    let cell = match m.ports[ti].iter().position(|&x| x == (port, protocol)) {
                        None => {
                            undeclared_dot = true;
                            table::cell("·", Role::Dim)
                        }
                        Some(_) if fi == ti && to.members.len() < 2 => {
                            itself = true;
                            table::cell("=", Role::Dim)
                        }
                        Some(k) => {
                            undeclared_mark |= !mark.is_empty();
                            if m.group_allowed(fi, ti, k) {
                                table::cell(format!("✓{mark}"), Role::Good)
                            } else {
                                table::cell(format!("✗{mark}"), Role::Bad)
                            }
                        }
                    };
                    row.push(cell);
                }
                t.add_row(row);
            }
            write!(out, "{}", table::render_with(&t, headers))?;
        }
    }
    // Count pod-level flows between distinct pods.
    for (gi, g) in m.groups.iter().enumerate() {
        for (hj, h) in m.groups.iter().enumerate() {
            let pairs =
                if gi == hj { g.members.len() * (g.members.len() - 1) } else { g.members.len() * h.members.len() };
            for k in 0..m.ports[hj].len() {
                total += pairs;
                if m.group_allowed(gi, hj, k) {
                    allowed += pairs;
                }
            }
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{pods} pods in {} groups: {allowed} of {total} flows between distinct pods allowed",
        m.groups.len()
    )?;
    if m.has_host_network() {
        writeln!(out, "{}", palette.dim(NODE_LOCAL_NOTE))?;
    }
    if wide {
        if m.groups.iter().any(|g| g.members.len() > 1) {
            writeln!(
                out,
                "{}",
                palette.dim("A group to itself: between its distinct pods (a pod always reaches itself).")
            )?;
        }
    } else {
        let mut legend = vec!["✓ allowed", "✗ blocked"];
        if undeclared_dot {
            legend.push("· port not declared by the destination");
        }
        if undeclared_mark {
            legend.push("° the destination declares no such port (what policy says; nothing may listen there)");
        }
        if itself {
            legend.push("= the pod itself (always allowed); a group's own cell is between its distinct pods");
        } else if m.groups.iter().any(|g| g.members.len() > 1) {
            legend.push("a group's own cell is between its distinct pods (a pod always reaches itself)");
        }
        writeln!(out, "{}", palette.dim(legend.join("  ")))?;
        writeln!(out, "{}", palette.dim("Explain a cell with kubectl deny why FROM TO:PORT."))?;
    }
    Ok(())
}

/// Flows between distinct pods: (allowed, total), over every port evaluated. Reads the allowed
/// cells only (and, with host-network pods, the node-local pairs of the others).
fn flow_counts(m: &Matrix) -> (usize, usize) {
    let members: Vec<usize> = m.groups.iter().map(|g| g.members.len()).collect();
    let pods: usize = members.iter().sum();
    // Every ordered pair of distinct pods, at each port of the destination's group.
    let total = (0..m.groups.len()).map(|h| members[h] * (pods - 1) * m.ports[h].len()).sum();
    let pairs = |g: usize, h: usize| if g == h { members[g] * (members[g] - 1) } else { members[g] * members[h] };
    let mut allowed = 0;
    for g in 0..m.groups.len() {
        allowed += m.allowed_from(g).map(|(h, _)| pairs(g, h)).sum::<usize>();
    }
    if m.has_host_network() {
        for (g, h) in m.override_candidates() {
            let node_local = m.overridden_pairs(g, h);
            if node_local > 0 {
                allowed += (0..m.ports[h].len()).filter(|&k| !m.group_allowed(g, h, k)).count() * node_local;
            }
        }
    }
    (allowed, total)
}

/// Too many groups for a grid: the allowed flows, which are the exceptions in a default-deny
/// cluster, one line per group pair and port.
fn write_allowed_list(out: &mut dyn Write, m: &Matrix, headers: bool, palette: Palette) -> io::Result<()> {
    // Millions of lines on large clusters: streamed, once the columns are measured. Each group's
    // label is escaped and painted once.
    const HEADER: [&str; 4] = ["FROM", "TO", "PORT", "PODS"];
    let labels: Vec<(String, usize)> = (0..m.groups.len()).map(|g| table::shown(&group_label(m, g))).collect();
    let pairs = |fi: usize, ti: usize| {
        let (f, t) = (m.groups[fi].members.len(), m.groups[ti].members.len());
        if fi == ti { f * (f - 1) } else { f * t }
    };
    let mut stream = table::Stream::new(&HEADER, headers);
    let mut rows = 0usize;
    let mut used = vec![false; m.groups.len()];
    let (mut widest_from, mut widest_to, mut widest_port, mut widest_pairs) = (0, 0, 0, 0);
    for fi in 0..m.groups.len() {
        for (ti, k) in m.allowed_from(fi) {
            let (port, protocol) = m.ports[ti][k];
            rows += 1;
            used[fi] = true;
            widest_from = widest_from.max(labels[fi].1);
            widest_to = widest_to.max(labels[ti].1);
            widest_port = widest_port.max(port.to_string().len() + 1 + protocol.to_string().len());
            widest_pairs = widest_pairs.max(pairs(fi, ti).to_string().len());
        }
    }
    if rows > 0 {
        for (i, w) in [widest_from, widest_to, widest_port, widest_pairs].into_iter().enumerate() {
            stream.measure(i, w);
        }
        if headers {
            let cells: Vec<(&str, usize)> = HEADER.iter().map(|h| (*h, h.len())).collect();
            stream.line(out, &cells)?;
        }
        let names: Vec<String> =
            labels.iter().map(|(text, _)| table::painted(palette, text.clone(), Role::Name)).collect();
        // Each port's text once per distinct list of ports (one list for --port).
        let mut port_texts: Vec<std::rc::Rc<[String]>> = Vec::with_capacity(m.ports.len());
        for (g, list) in m.ports.iter().enumerate() {
            match (0..g).rev().take(1).find(|&h| std::sync::Arc::ptr_eq(&m.ports[h], list)) {
                Some(h) => port_texts.push(port_texts[h].clone()),
                None => port_texts.push(list.iter().map(|(port, protocol)| format!("{port}/{protocol}")).collect()),
            }
        }
        let mut pairs_text = String::new();
        for fi in (0..m.groups.len()).filter(|&g| used[g]) {
            for (ti, k) in m.allowed_from(fi) {
                let port_text = &port_texts[ti][k];
                pairs_text.clear();
                {
                    use std::fmt::Write as _;
                    let _ = write!(pairs_text, "{}", pairs(fi, ti));
                }
                stream.line(
                    out,
                    &[
                        (&names[fi], labels[fi].1),
                        (&names[ti], labels[ti].1),
                        (port_text, port_text.len()),
                        (&pairs_text, pairs_text.len()),
                    ],
                )?;
            }
        }
        writeln!(out)?;
    }
    let pods: usize = m.groups.iter().map(|g| g.members.len()).sum();
    let (allowed, total) = flow_counts(m);
    writeln!(
        out,
        "{pods} pods in {} groups: {allowed} of {total} flows between distinct pods allowed{}",
        m.groups.len(),
        if rows > 0 { ", listed above by group (PODS: pod pairs per line)" } else { "" }
    )?;
    if m.has_host_network() {
        writeln!(out, "{}", palette.dim(NODE_LOCAL_NOTE))?;
    }
    writeln!(out, "{}", palette.dim("Every other flow is blocked. -o wide lists every pair; -o json every cell."))
}

/// Printed when host-network pods are in scope: their cells show what policy says.
const NODE_LOCAL_NOTE: &str = "Host-network pods reach, and are reached by, pods on their own node whatever policy says; \
     the lines above show what policy says (counts include node-local flows).";

/// `--all-ports -o json`: `{"flows":[{"from":..,"to":..,"ports":[..]}]}`, one entry per ordered
/// pair of distinct pods that allows some port, streamed.
pub fn write_flows_json(out: &mut dyn Write, m: &PortMatrix) -> io::Result<()> {
    let names: Vec<Vec<String>> = m
        .groups
        .iter()
        .map(|g| {
            g.members
                .iter()
                .map(|p| serde_json::to_string(&format!("{}/{}", p.namespace, p.name)).unwrap_or_default())
                .collect()
        })
        .collect();
    let mut rendered: std::collections::HashMap<(usize, usize, bool), String> = std::collections::HashMap::new();
    out.write_all(b"{\"flows\":[")?;
    let mut separator: &[u8] = b"\n";
    for (gi, from_names) in names.iter().enumerate() {
        for (mi, from) in from_names.iter().enumerate() {
            for (hj, to_names) in names.iter().enumerate() {
                for (mj, to) in to_names.iter().enumerate() {
                    if (gi, mi) == (hj, mj) {
                        continue;
                    }
                    let Some(ports) = m.pod_ports((gi, mi), (hj, mj)) else { continue };
                    // Pods of one group pair share their ports: rendered once per pair.
                    let key = (gi, hj, matches!(ports, std::borrow::Cow::Owned(_)));
                    let rendered = match rendered.get(&key) {
                        Some(text) => text,
                        None => {
                            let text = serde_json::to_string(ports.as_ref()).map_err(io::Error::other)?;
                            rendered.entry(key).or_insert(text)
                        }
                    };
                    out.write_all(separator)?;
                    separator = b",\n";
                    write!(out, "{{\"from\":{from},\"to\":{to},\"ports\":{rendered}}}")?;
                }
            }
        }
    }
    out.write_all(b"\n]}\n")
}

/// `--all-ports`: the group pairs that allow some port, with the ports.
pub fn write_flows_text(out: &mut dyn Write, m: &PortMatrix, headers: bool, palette: Palette) -> io::Result<()> {
    if m.groups.is_empty() {
        return writeln!(out, "No pods in scope.");
    }
    let label = |g: usize| {
        let p = m.groups[g].representative();
        match m.groups[g].members.len() {
            1 => format!("{}/{}", p.namespace, p.name),
            n => format!("{}/{} (+{} alike)", p.namespace, p.name, n - 1),
        }
    };
    let mut t = table::new(palette, &["FROM", "TO", "PORTS"]);
    let mut pairs = 0usize;
    for fi in 0..m.groups.len() {
        for ti in 0..m.groups.len() {
            if let Some(ports) = m.group_ports(fi, ti) {
                pairs += 1;
                t.add_row(vec![
                    table::cell(label(fi), Role::Name),
                    table::cell(label(ti), Role::Name),
                    table::cell(ports, Role::Good),
                ]);
            }
        }
    }
    if pairs > 0 {
        write!(out, "{}", table::render_with(&t, headers))?;
        writeln!(out)?;
    }
    let pods: usize = m.groups.iter().map(|g| g.members.len()).sum();
    writeln!(
        out,
        "{pods} pods in {} groups: {pairs} group pairs allow some port ({} port classes evaluated); every other pair \
         allows none",
        m.groups.len(),
        m.classes
    )?;
    if m.groups.iter().any(|g| g.representative().host_network) {
        let note = "Host-network pods reach, and are reached by, pods on their own node whatever policy says; the \
                    lines above show what policy says.";
        writeln!(out, "{}", palette.dim(note))?;
    }
    Ok(())
}
