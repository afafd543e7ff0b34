//! The plain format for every other source: `from,to,port,protocol[,count]`, comma- or
//! tab-separated, `#` comments and a `from,to,...` header line allowed.
//!
//! Endpoints take the forms `why` takes: a pod (`name`, `ns/name`, `pod/name`, `ns/pod/name`), a
//! workload (`deploy/name`, `ns/sts/name`, ...) or an IP address; a name without a namespace is in
//! the default namespace (`-n`). The port is a number; the protocol `tcp`, `udp`, `sctp` (any case,
//! or the IANA number), empty for TCP. The count is how many times the flow was seen (1 if absent).
//! The format says nothing about verdicts: its flows are replayed, never taken as evidence of what
//! the network did.

use std::borrow::Cow;

use super::{Parsed, RawEnd, Record, Seen};
use crate::engine::Protocol;

/// Workload kinds as a CSV endpoint may name them, with the short name used in keys.
const KINDS: &[(&str, &str)] = &[
    ("deploy", "deploy"),
    ("deployment", "deploy"),
    ("deployments", "deploy"),
    ("sts", "sts"),
    ("statefulset", "sts"),
    ("statefulsets", "sts"),
    ("ds", "ds"),
    ("daemonset", "ds"),
    ("daemonsets", "ds"),
    ("rs", "rs"),
    ("replicaset", "rs"),
    ("replicasets", "rs"),
    ("job", "job"),
    ("jobs", "job"),
    ("cronjob", "cronjob"),
    ("cronjobs", "cronjob"),
    ("cj", "cronjob"),
];

/// Whether the line is a header (`from,to,port,...`).
pub fn is_header(line: &str) -> bool {
    line.split([',', '\t']).next().is_some_and(|f| f.trim().eq_ignore_ascii_case("from"))
}

pub fn parse<'a>(line: &'a str, default_namespace: &'a str) -> Result<Parsed<'a>, String> {
    let sep = if line.contains('\t') { '\t' } else { ',' };
    let fields: Vec<&str> = line.split(sep).map(str::trim).collect();
    if !(4..=5).contains(&fields.len()) {
        return Err(format!("{} fields; expected from{sep}to{sep}port{sep}protocol[{sep}count]", fields.len())
            .replace('\t', "<TAB>"));
    }
    let from = endpoint(fields[0], default_namespace).map_err(|e| format!("from: {e}"))?;
    let to = endpoint(fields[1], default_namespace).map_err(|e| format!("to: {e}"))?;
    let port = match fields[2].parse::<u32>() {
        Ok(p @ 1..=65535) => p as u16,
        Ok(p) => return Err(format!("port {p} is out of range (1-65535)")),
        Err(_) => return Err(format!("port {:?} is not a number", fields[2])),
    };
    let protocol = match fields[3] {
        "" => Protocol::Tcp,
        p => super::protocol_of(p).ok_or_else(|| format!("protocol {p:?}: use tcp, udp or sctp"))?,
    };
    let count = match fields.get(4) {
        None | Some(&"") => 1,
        Some(c) => c.parse::<u64>().map_err(|_| format!("count {c:?} is not a whole number"))?,
    };
    Ok(Parsed::Record(Record { from, to, port, protocol, seen: Seen::Unknown, at: None, time: None, count }))
}

fn endpoint<'a>(text: &'a str, default_namespace: &'a str) -> Result<RawEnd<'a>, String> {
    if text.is_empty() {
        return Err("empty endpoint".into());
    }
    if let Ok(ip) = text.parse() {
        return Ok(RawEnd { ip: Some(ip), ..RawEnd::default() });
    }
    let parts: Vec<&str> = text.split('/').collect();
    let kind = |k: &str| KINDS.iter().find(|(name, _)| name.eq_ignore_ascii_case(k)).map(|(_, short)| *short);
    let (namespace, name): (&str, Cow<str>) = match parts.as_slice() {
        [name] => (default_namespace, Cow::Borrowed(*name)),
        ["pod" | "pods" | "po", name] => (default_namespace, Cow::Borrowed(*name)),
        [k, name] if kind(k).is_some() => (default_namespace, Cow::Owned(format!("{}/{name}", kind(k).unwrap()))),
        [ns, name] => (*ns, Cow::Borrowed(*name)),
        [ns, "pod" | "pods" | "po", name] => (*ns, Cow::Borrowed(*name)),
        [ns, k, name] if kind(k).is_some() => (*ns, Cow::Owned(format!("{}/{name}", kind(k).unwrap()))),
        _ => {
            return Err(format!(
                "{text:?} is not an endpoint: write a pod (NAME, NS/NAME), a workload (deploy/NAME, NS/sts/NAME) \
                 or an IP address"
            ));
        }
    };
    if namespace.is_empty() || name.is_empty() || name.ends_with('/') {
        return Err(format!("{text:?} has an empty namespace or name"));
    }
    Ok(RawEnd { namespace: Cow::Borrowed(namespace), name, ..RawEnd::default() })
}
