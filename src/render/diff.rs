//! `kubectl deny diff`: the flows a change newly blocks and newly allows.

use std::io::{self, Write};

use serde::Serialize;

use super::Palette;
use super::table::{self, Role, cell};

/// Flows from one group (or observed peer) to another whose verdict the change turns.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub from: String,
    pub to: String,
    /// `8080/TCP`, `1-1024/UDP`, `every port`.
    pub ports: Vec<String>,
    /// With `--flows`: how many observed flows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffReport {
    /// What was compared: `12 pod group(s) of 30 pod(s), at each destination's declared ports`.
    pub compared: String,
    pub with: Vec<String>,
    pub without: Vec<String>,
    pub newly_blocked: Vec<Change>,
    pub newly_allowed: Vec<Change>,
}

fn section(out: &mut dyn Write, title: String, rows: &[Change], palette: Palette) -> io::Result<()> {
    writeln!(out, "{title}")?;
    if rows.is_empty() {
        return writeln!(out, "  (none)");
    }
    let counts = rows.iter().any(|r| r.count.is_some());
    let mut t = table::new(palette, if counts { &["FROM", "TO", "PORTS", "COUNT"] } else { &["FROM", "TO", "PORTS"] });
    for r in rows {
        let mut row = vec![cell(&r.from, Role::Name), cell(&r.to, Role::Name), cell(r.ports.join(", "), Role::Plain)];
        if counts {
            row.push(cell(r.count.unwrap_or(0), Role::Plain));
        }
        t.add_row(row);
    }
    for line in table::render(&t).lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

pub fn table(out: &mut dyn Write, report: &DiffReport, palette: Palette) -> io::Result<()> {
    let mut change: Vec<String> = report.with.iter().map(|w| format!("with {w}")).collect();
    change.extend(report.without.iter().map(|w| format!("without {w}")));
    writeln!(out, "Change: {}; compared {}", change.join(", "), report.compared)?;
    writeln!(out)?;
    let title = format!("Newly blocked ({}):", report.newly_blocked.len());
    let title = if report.newly_blocked.is_empty() { title } else { palette.bad(title) };
    section(out, title, &report.newly_blocked, palette)?;
    writeln!(out)?;
    let title = format!("Newly allowed ({}):", report.newly_allowed.len());
    let title = if report.newly_allowed.is_empty() { title } else { palette.warn(title) };
    section(out, title, &report.newly_allowed, palette)
}

pub fn json(out: &mut dyn Write, report: &DiffReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    writeln!(out)
}
