//! `list` output: one row per namespace with its ingress and egress state, pod count and the
//! pods left open; `-o wide` adds the policies behind each state; JSON and YAML list every
//! namespace.

use std::io::{self, Write};

use serde::Serialize;

use crate::engine::cni::Report;
use crate::engine::coverage::{DirectionCoverage, NamespaceCoverage, State};

use super::Palette;
use super::table::{self, Role};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListReport {
    pub namespaces: Vec<NamespaceRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_plugin: Option<Report>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceRow {
    pub namespace: String,
    pub system: bool,
    pub pods: usize,
    pub default_deny: bool,
    pub ingress: DirectionRow,
    pub egress: DirectionRow,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectionRow {
    pub state: State,
    /// No policy isolates these pods in this direction.
    pub not_isolated: Vec<String>,
    /// Isolated, but allowed every pod of the cluster on every port.
    pub allowed_all: Vec<String>,
    pub policies: Vec<String>,
    /// The cluster-wide policy (kind and name) that makes the state `deny` or `allow-all` for
    /// every pod of the namespace, new ones included; left out when the namespace's own
    /// NetworkPolicies make it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub covered_by: Vec<String>,
}

impl From<&DirectionCoverage> for DirectionRow {
    fn from(d: &DirectionCoverage) -> Self {
        DirectionRow {
            state: d.state,
            not_isolated: d.not_isolated.clone(),
            allowed_all: d.allowed_all.clone(),
            policies: d.policies.clone(),
            covered_by: d.covered_by.clone(),
        }
    }
}

impl From<&NamespaceCoverage> for NamespaceRow {
    fn from(c: &NamespaceCoverage) -> Self {
        NamespaceRow {
            namespace: c.namespace.clone(),
            system: c.system,
            pods: c.pods,
            default_deny: c.has_default_deny(),
            ingress: (&c.ingress).into(),
            egress: (&c.egress).into(),
        }
    }
}

fn state_cell(s: State) -> table::Cell {
    let role = match s {
        State::Deny => Role::Good,
        State::Pods | State::Partial => Role::Warn,
        State::None | State::AllowAll => Role::Bad,
    };
    table::cell(s.as_str(), role)
}

/// Pods open in either direction, marked with how: `web-1` (not isolated either way), `web-1
/// (egress)` (not isolated for egress only), `web-1 (ingress: allowed all)` (isolated, but its
/// policies admit every pod on every port).
fn open_pods(row: &NamespaceRow, limit: Option<usize>) -> String {
    #[derive(PartialEq)]
    enum How {
        Closed,
        NotIsolated,
        AllowedAll,
    }
    let how = |d: &DirectionRow, name: &String| {
        if d.not_isolated.contains(name) {
            How::NotIsolated
        } else if d.allowed_all.contains(name) {
            How::AllowedAll
        } else {
            How::Closed
        }
    };
    let mut all: Vec<&String> =
        [&row.ingress, &row.egress].iter().flat_map(|d| d.not_isolated.iter().chain(&d.allowed_all)).collect();
    all.sort();
    all.dedup();
    let mut names: Vec<String> = Vec::new();
    for name in all {
        let (i, e) = (how(&row.ingress, name), how(&row.egress, name));
        let mut marks: Vec<&str> = Vec::new();
        match (&i, &e) {
            (How::NotIsolated, How::NotIsolated) => {}
            (How::AllowedAll, How::AllowedAll) => marks.push("allowed all"),
            _ => {
                for (how, alone, all) in
                    [(&i, "ingress", "ingress: allowed all"), (&e, "egress", "egress: allowed all")]
                {
                    match how {
                        How::NotIsolated => marks.push(alone),
                        How::AllowedAll => marks.push(all),
                        How::Closed => {}
                    }
                }
            }
        }
        names.push(if marks.is_empty() { name.to_string() } else { format!("{name} ({})", marks.join("; ")) });
    }
    if names.is_empty() {
        return "<none>".into();
    }
    match limit {
        Some(n) if names.len() > n => format!("{} and {} more", names[..n].join(", "), names.len() - n),
        _ => names.join(", "),
    }
}

pub fn write_table(
    out: &mut dyn Write,
    rows: &[&NamespaceRow],
    wide: bool,
    headers: bool,
    palette: Palette,
) -> io::Result<()> {
    let mut header = vec!["NAMESPACE", "INGRESS", "EGRESS", "PODS", "NOT ISOLATED"];
    if wide {
        header.extend(["INGRESS POLICIES", "EGRESS POLICIES"]);
    }
    let mut t = table::new(palette, &header);
    for row in rows {
        let name = if row.system { format!("{} (system)", row.namespace) } else { row.namespace.clone() };
        let mut cells = vec![
            table::cell(name, Role::Name),
            state_cell(row.ingress.state),
            state_cell(row.egress.state),
            table::cell(row.pods, Role::Plain),
            table::cell(open_pods(row, if wide { None } else { Some(3) }), Role::Plain),
        ];
        if wide {
            for d in [&row.ingress, &row.egress] {
                cells.push(table::cell(
                    if d.policies.is_empty() { "<none>".into() } else { d.policies.join(",") },
                    Role::Dim,
                ));
            }
        }
        t.add_row(cells);
    }
    write!(out, "{}", table::render_with(&t, headers))
}

pub fn write_json(out: &mut dyn Write, report: &ListReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    writeln!(out)
}

pub fn write_yaml(out: &mut dyn Write, report: &ListReport) -> io::Result<()> {
    let text = serde_saphyr::to_string(report).map_err(io::Error::other)?;
    out.write_all(text.as_bytes())
}
