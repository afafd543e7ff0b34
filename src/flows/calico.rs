//! Calico flow logs, one JSON object a line, with the fields of Calico's "Flow log data types":
//! `source_namespace`, `source_name` / `source_name_aggr` (an aggregated name ends in `*`;
//! `pvt` and `pub` stand for private and public networks), `source_ip`, `source_labels`,
//! `source_type` (`wep`, `hep`, `ns`, `net`), the same for `dest_*`, `dest_port`, `proto`
//! (a name or an IANA number), `action` (`allow`, `deny`), `reporter` (`src`, `dst`),
//! `start_time` / `end_time` (Unix seconds) and `num_flows`.
//!
//! Each end of a flow reports it: `deny` from either end is a drop by policy (Calico drops only
//! by policy); `allow` reported by the destination means the flow arrived, but reported by the
//! source it says only that egress let it out, so its outcome is unknown unless the destination
//! is outside the cluster (no one else reports it then).

use std::borrow::Cow;
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Labels, ObservedAt, Parsed, RawEnd, Record, Seen, Skip};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow, default)]
    start_time: Option<&'a RawValue>,
    #[serde(borrow, default)]
    end_time: Option<&'a RawValue>,
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reporter: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    proto: Option<&'a RawValue>,
    #[serde(borrow, default)]
    dest_port: Option<&'a RawValue>,
    #[serde(default)]
    num_flows: Option<u64>,

    #[serde(borrow, default)]
    source_namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    source_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    source_name_aggr: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    source_ip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    source_labels: Option<&'a RawValue>,
    #[serde(borrow, default)]
    source_type: Option<Cow<'a, str>>,

    #[serde(borrow, default)]
    dest_namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    dest_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    dest_name_aggr: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    dest_ip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    dest_labels: Option<&'a RawValue>,
    #[serde(borrow, default)]
    dest_type: Option<Cow<'a, str>>,
}

/// Whether a JSON line looks like a Calico flow log rather than a Hubble flow.
pub fn looks_like(line: &str) -> bool {
    line.contains("\"dest_port\"") || line.contains("\"source_name_aggr\"") || line.contains("\"reporter\"")
}

/// A number or a string holding one, as Elasticsearch exports may have either.
fn number(raw: Option<&RawValue>) -> Option<Result<i64, String>> {
    let text = raw?.get().trim();
    if text == "null" {
        return None;
    }
    let text = text.trim_matches('"');
    Some(text.parse::<f64>().map(|f| f as i64).map_err(|_| format!("{text:?} is not a number")))
}

pub fn parse(line: &str) -> Result<Parsed<'_>, String> {
    let l: Line = serde_json::from_str(line).map_err(|e| super::json_error::<Line>(line, e))?;
    let proto_text = match l.proto {
        None => return Err("no proto (tcp, udp, sctp or the IANA number)".into()),
        Some(raw) => raw.get().trim_matches('"').to_string(),
    };
    let Some(protocol) = super::protocol_of(&proto_text) else {
        return Ok(Parsed::Skipped(Skip::NoPort));
    };
    let port = match number(l.dest_port) {
        Some(Ok(p @ 1..=65535)) => p as u16,
        Some(Ok(p)) => return Err(format!("field dest_port: {p} is out of range (1-65535)")),
        Some(Err(e)) => return Err(format!("field dest_port: {e}")),
        None => return Err("no dest_port: is this a Calico flow log record?".into()),
    };
    let time = match number(l.end_time).or_else(|| number(l.start_time)) {
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return Err(format!("field end_time (or start_time): {e}")),
        None => None,
    };
    let from = end(
        "source",
        l.source_namespace,
        l.source_name,
        l.source_name_aggr,
        l.source_ip,
        l.source_labels,
        l.source_type,
    )?;
    let to = end("dest", l.dest_namespace, l.dest_name, l.dest_name_aggr, l.dest_ip, l.dest_labels, l.dest_type)?;
    let reporter = l.reporter.as_deref().unwrap_or("");
    let seen = match l.action.as_deref() {
        Some("deny") => Seen::Dropped { by_policy: true },
        Some("allow") if reporter == "dst" => Seen::Forwarded,
        Some("allow") if reporter == "src" && to.namespace.is_empty() => Seen::Forwarded,
        Some("allow") => Seen::Unknown,
        Some(other) => return Err(format!("field action: {other:?} is neither allow nor deny")),
        None => return Err("no action (allow or deny)".into()),
    };
    // The reporter is the side whose policies the action is: the source's egress or the
    // destination's ingress. An `allow` reported by the source stays unknown (above), so only a
    // `deny` needs the side.
    let at = match (seen, reporter) {
        (Seen::Dropped { .. }, "src") => Some(ObservedAt::Egress),
        (Seen::Dropped { .. }, "dst") => Some(ObservedAt::Ingress),
        _ => None,
    };
    let count = l.num_flows.unwrap_or(1).max(1);
    Ok(Parsed::Record(Record { from, to, port, protocol, seen, at, time, count }))
}

fn end<'a>(
    side: &str,
    namespace: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    aggr: Option<Cow<'a, str>>,
    ip: Option<Cow<'a, str>>,
    labels: Option<&'a RawValue>,
    kind: Option<Cow<'a, str>>,
) -> Result<RawEnd<'a>, String> {
    let dash = |s: &Option<Cow<'a, str>>| s.as_deref().is_none_or(|s| s.is_empty() || s == "-");
    let ip = match &ip {
        Some(text) if !text.is_empty() && text != "-" => {
            Some(text.parse::<IpAddr>().map_err(|_| format!("field {side}_ip: {text:?} is not an IP address"))?)
        }
        _ => None,
    };
    let namespace = if dash(&namespace) { Cow::Borrowed("") } else { namespace.unwrap_or_default() };
    let is_pod = kind.as_deref().is_none_or(|k| k == "wep");
    let labels = labels.map_or(Labels::None, Labels::Json);
    if !is_pod || namespace.is_empty() {
        // A host endpoint, a network set or a network: its address, or what the log calls it.
        let what = if dash(&aggr) { kind.unwrap_or(Cow::Borrowed("net")) } else { aggr.unwrap_or_default() };
        return Ok(RawEnd { ip, reserved: Some(what), labels, ..RawEnd::default() });
    }
    let (name, aggregated) = if !dash(&name) {
        (name.unwrap_or_default(), false)
    } else if !dash(&aggr) {
        let a = aggr.unwrap_or_default();
        match a.strip_suffix('*') {
            Some(prefix) => {
                let prefix = prefix.trim_end_matches('-').to_string();
                (Cow::Owned(prefix), true)
            }
            None => (a, false),
        }
    } else {
        return Err(format!(
            "a pod ({side}_type wep) needs {side}_name or {side}_name_aggr, and the record has neither"
        ));
    };
    Ok(RawEnd { namespace, name, aggregated, ip, labels, workloads: None, reserved: None })
}

/// Calico's labels: `{"labels":["app=web",...]}`, a list of `k=v`, or a map.
pub fn labels(raw: &RawValue) -> Result<crate::engine::Labels, String> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        Wrapped { labels: Vec<String> },
        List(Vec<String>),
        Map(std::collections::BTreeMap<String, String>),
    }
    let shape: Shape =
        serde_json::from_str(raw.get()).map_err(|_| "labels are neither a list nor a map".to_string())?;
    Ok(match shape {
        Shape::Map(m) => m.into(),
        Shape::Wrapped { labels: l } | Shape::List(l) => l
            .into_iter()
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (kv, String::new()),
            })
            .collect(),
    })
}
