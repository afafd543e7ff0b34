//! Hubble flows: `hubble observe -o json` and `-o jsonpb` lines.
//!
//! Field names are those of cilium's `api/v1/flow/flow.proto` as Hubble prints them (proto names:
//! `pod_name`, `traffic_direction`, `is_reply`, `l4.TCP.destination_port`, `IP.source`); the
//! lowerCamelCase names of other protojson printers (`podName`, `isReply`) are accepted too.
//! `-o jsonpb` prints the `GetFlowsResponse` (`{"flow":{...},"node_name":..,"time":..}`, or a
//! `node_status`/`lost_events` line, which is not a flow); a bare `Flow` object is read as well.
//! Enum values come as names (`FORWARDED`) or numbers (`1`). `traffic_direction` says at which
//! side the flow was observed (`EGRESS`: leaving the source, `INGRESS`: entering the
//! destination), which is what its verdict is evidence of (`super::ObservedAt`). `is_reply` is a BoolValue: absent
//! means unknown, and the flow is then taken as a request unless the deprecated `reply` says
//! otherwise.

use std::borrow::Cow;
use std::net::IpAddr;

use serde::Deserialize;
use serde::de::{self, IgnoredAny};
use serde_json::value::RawValue;

use super::scan::{self, Raw};
use super::{Labels, ObservedAt, Parsed, RawEnd, Record, Seen, Skip};
use crate::engine::Protocol;

#[derive(Deserialize, Default)]
struct Flow<'a> {
    /// The `GetFlowsResponse` wrapper's flow.
    #[serde(borrow, default)]
    flow: Option<Box<Flow<'a>>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    verdict: Option<Enum<'a>>,
    #[serde(borrow, default, alias = "dropReasonDesc")]
    drop_reason_desc: Option<Enum<'a>>,
    #[serde(borrow, default, rename = "IP", alias = "ip")]
    ip: Option<Ip<'a>>,
    #[serde(default)]
    l4: Option<Layer4>,
    #[serde(borrow, default)]
    source: Option<Endpoint<'a>>,
    #[serde(borrow, default)]
    destination: Option<Endpoint<'a>>,
    #[serde(borrow, default, rename = "Type", alias = "type")]
    flow_type: Option<Enum<'a>>,
    #[serde(borrow, default, alias = "trafficDirection")]
    traffic_direction: Option<Enum<'a>>,
    #[serde(default, alias = "isReply")]
    is_reply: Option<bool>,
    #[serde(default)]
    reply: Option<bool>,
    /// Present on the wrapper for events that are not flows.
    #[serde(default)]
    node_status: Option<IgnoredAny>,
    #[serde(default)]
    lost_events: Option<IgnoredAny>,
}

/// A `GetFlowsResponse` line as Hubble prints it, `flow` first: read without the indirection of
/// `Flow::flow`.
#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow, default)]
    flow: Option<Flow<'a>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Ip<'a> {
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    destination: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Layer4 {
    #[serde(default, rename = "TCP", alias = "tcp")]
    tcp: Option<Ports>,
    #[serde(default, rename = "UDP", alias = "udp")]
    udp: Option<Ports>,
    #[serde(default, rename = "SCTP", alias = "sctp")]
    sctp: Option<Ports>,
}

#[derive(Deserialize, Default)]
struct Ports {
    #[serde(default, alias = "destinationPort")]
    destination_port: Option<u32>,
}

#[derive(Deserialize, Default)]
struct Endpoint<'a> {
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "podName")]
    pod_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    labels: Option<RawText<'a>>,
    #[serde(borrow, default)]
    workloads: Option<RawText<'a>>,
}

/// Any JSON value, kept as its text (serde checks it as a `RawValue`).
#[derive(Clone, Copy)]
struct RawText<'a>(&'a str);

impl<'de: 'a, 'a> Deserialize<'de> for RawText<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de RawValue>::deserialize(d).map(|raw| RawText(raw.get()))
    }
}

/// A protobuf enum value as JSON has it: its name, or its number.
enum Enum<'a> {
    Name(Cow<'a, str>),
    Number(u64),
}

impl<'de: 'a, 'a> Deserialize<'de> for Enum<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> de::Visitor<'de> for V<'a> {
            type Value = Enum<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an enum name or number")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Enum<'a>, E> {
                Ok(Enum::Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Enum<'a>, E> {
                Ok(Enum::Name(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Enum<'a>, E> {
                Ok(Enum::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Enum<'a>, E> {
                Ok(Enum::Number(v.max(0) as u64))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl Enum<'_> {
    fn is(&self, name: &str, number: u64) -> bool {
        match self {
            Enum::Name(n) => n == name,
            Enum::Number(n) => *n == number,
        }
    }
}

/// One line of Hubble JSON: read by a walk that picks the fields a record needs (`fast`), or
/// by serde when the walk cannot read it plainly (and to word what is wrong with it).
pub fn parse(line: &str) -> Result<Parsed<'_>, String> {
    match fast(line) {
        Some(parsed) => parsed,
        None => parse_serde(line),
    }
}

/// One line read with serde: the reference `fast` must agree with.
fn parse_serde(line: &str) -> Result<Parsed<'_>, String> {
    if line.starts_with(r#"{"flow":"#) {
        let response: Response = serde_json::from_str(line).map_err(|e| super::json_error::<Response>(line, e))?;
        return match response.flow {
            Some(flow) => record(flow, response.time),
            None => Ok(Parsed::Skipped(Skip::NotAFlow)),
        };
    }
    let mut top: Flow = serde_json::from_str(line).map_err(|e| super::json_error::<Flow>(line, e))?;
    let wrapper_time = top.time.take();
    let flow = match top.flow.take() {
        Some(inner) => *inner,
        None if top.node_status.is_some() || top.lost_events.is_some() => return Ok(Parsed::Skipped(Skip::NotAFlow)),
        None if top.source.is_none() && top.destination.is_none() && top.ip.is_none() => {
            return Ok(Parsed::Skipped(Skip::NotAFlow));
        }
        None => top,
    };
    record(flow, wrapper_time)
}

// ---------------------------------------------------------------------------------------------
// The walk (`super::scan`)
// ---------------------------------------------------------------------------------------------

/// A `GetFlowsResponse` line (`{"flow":{...},...}`) read by walking it: the same `Flow` serde
/// would make, built from the raw values of the fields `record` reads, every other value only
/// checked to be well-formed. `None` (serde reads the line instead) for anything not plain: a
/// field twice, a value of an unexpected type, an escaped string where a value is needed, other
/// shapes of line; serde then gives the same answer or words the error.
fn fast(line: &str) -> Option<Result<Parsed<'_>, String>> {
    if !line.starts_with(r#"{"flow":"#) {
        return None;
    }
    let (mut flow, mut time, mut seen) = (None, None, 0u8);
    scan::object(line, |key, value| match key {
        "flow" => {
            once(&mut seen, 1) && {
                flow = Some(value);
                true
            }
        }
        "time" => {
            once(&mut seen, 2) && {
                time = Some(value);
                true
            }
        }
        _ => true,
    })?;
    let time = match time {
        Some(t) if !t.is_null() => Some(Cow::Borrowed(t.plain_str()?)),
        _ => None,
    };
    match flow {
        Some(f) if !f.is_null() => Some(record(walk_flow(f)?, time)),
        _ => Some(Ok(Parsed::Skipped(Skip::NotAFlow))),
    }
}

/// Marks field `bit` seen; false when it was already (serde refuses a field given twice).
fn once(seen: &mut u8, bit: u8) -> bool {
    let fresh = *seen & bit == 0;
    *seen |= bit;
    fresh
}

/// Reads a field's value into `slot` (`null` leaves it `None`, as serde does); false to give up.
fn put<'a, T>(slot: &mut Option<T>, value: Raw<'a>, read: impl FnOnce(Raw<'a>) -> Option<T>) -> bool {
    if value.is_null() {
        return true;
    }
    match read(value) {
        Some(v) => {
            *slot = Some(v);
            true
        }
        None => false,
    }
}

fn text(value: Raw<'_>) -> Option<Cow<'_, str>> {
    value.plain_str().map(Cow::Borrowed)
}

fn enum_value(value: Raw<'_>) -> Option<Enum<'_>> {
    match value.plain_str() {
        Some(name) => Some(Enum::Name(Cow::Borrowed(name))),
        None => value.uint().map(Enum::Number),
    }
}

fn walk_flow(value: Raw<'_>) -> Option<Flow<'_>> {
    let mut f = Flow::default();
    let mut seen = 0u16;
    let mut once = |bit: u16| {
        let fresh = seen & bit == 0;
        seen |= bit;
        fresh
    };
    scan::members_of(value, |key, v| match key {
        "time" => once(1) && put(&mut f.time, v, text),
        "verdict" => once(2) && put(&mut f.verdict, v, enum_value),
        "drop_reason_desc" | "dropReasonDesc" => once(4) && put(&mut f.drop_reason_desc, v, enum_value),
        "IP" | "ip" => once(8) && put(&mut f.ip, v, walk_ip),
        "l4" => once(16) && put(&mut f.l4, v, walk_l4),
        "source" => once(32) && put(&mut f.source, v, walk_endpoint),
        "destination" => once(64) && put(&mut f.destination, v, walk_endpoint),
        "Type" | "type" => once(128) && put(&mut f.flow_type, v, enum_value),
        "traffic_direction" | "trafficDirection" => once(256) && put(&mut f.traffic_direction, v, enum_value),
        "is_reply" | "isReply" => once(512) && put(&mut f.is_reply, v, Raw::bool),
        "reply" => once(1024) && put(&mut f.reply, v, Raw::bool),
        // A flow within the flow, or an event that is not one: serde's.
        "flow" | "node_status" | "lost_events" => false,
        _ => true,
    })?;
    Some(f)
}

fn walk_ip(value: Raw<'_>) -> Option<Ip<'_>> {
    let mut ip = Ip::default();
    let mut seen = 0u8;
    scan::members_of(value, |key, v| match key {
        "source" => once(&mut seen, 1) && put(&mut ip.source, v, text),
        "destination" => once(&mut seen, 2) && put(&mut ip.destination, v, text),
        _ => true,
    })?;
    Some(ip)
}

fn walk_l4(value: Raw<'_>) -> Option<Layer4> {
    let mut l4 = Layer4::default();
    let mut seen = 0u8;
    scan::members_of(value, |key, v| match key {
        "TCP" | "tcp" => once(&mut seen, 1) && put(&mut l4.tcp, v, walk_ports),
        "UDP" | "udp" => once(&mut seen, 2) && put(&mut l4.udp, v, walk_ports),
        "SCTP" | "sctp" => once(&mut seen, 4) && put(&mut l4.sctp, v, walk_ports),
        _ => true,
    })?;
    Some(l4)
}

fn walk_ports(value: Raw<'_>) -> Option<Ports> {
    let mut ports = Ports::default();
    let mut seen = 0u8;
    scan::members_of(value, |key, v| match key {
        "destination_port" | "destinationPort" => {
            once(&mut seen, 1) && put(&mut ports.destination_port, v, |n| u32::try_from(n.uint()?).ok())
        }
        _ => true,
    })?;
    Some(ports)
}

fn walk_endpoint(value: Raw<'_>) -> Option<Endpoint<'_>> {
    let mut e = Endpoint::default();
    let mut seen = 0u8;
    scan::members_of(value, |key, v| match key {
        "namespace" => once(&mut seen, 1) && put(&mut e.namespace, v, text),
        "pod_name" | "podName" => once(&mut seen, 2) && put(&mut e.pod_name, v, text),
        "labels" => once(&mut seen, 4) && put(&mut e.labels, v, |raw| Some(RawText(raw.0))),
        "workloads" => once(&mut seen, 8) && put(&mut e.workloads, v, |raw| Some(RawText(raw.0))),
        _ => true,
    })?;
    Some(e)
}

/// The record a flow makes; `wrapper_time` is the response's, when the flow has none.
fn record<'a>(flow: Flow<'a>, wrapper_time: Option<Cow<'a, str>>) -> Result<Parsed<'a>, String> {
    // Time: the flow's own, else the wrapper's.
    let time = flow.time.as_deref().or(wrapper_time.as_deref()).and_then(super::time::parse_rfc3339);
    if let Some(t) = &flow.flow_type
        && !(t.is("L3_L4", 1) || t.is("UNKNOWN_TYPE", 0))
    {
        return Ok(Parsed::Skipped(Skip::NotL3L4));
    }
    if flow.is_reply.or(flow.reply) == Some(true) {
        return Ok(Parsed::Skipped(Skip::Reply));
    }
    let seen = match &flow.verdict {
        Some(v) if v.is("DROPPED", 2) => {
            let by_policy =
                flow.drop_reason_desc.as_ref().is_some_and(|r| r.is("POLICY_DENIED", 133) || r.is("POLICY_DENY", 181));
            Seen::Dropped { by_policy }
        }
        // AUDIT: would have been dropped in enforcing mode, but went through.
        Some(v)
            if v.is("FORWARDED", 1)
                || v.is("AUDIT", 4)
                || v.is("REDIRECTED", 5)
                || v.is("TRACED", 6)
                || v.is("TRANSLATED", 7) =>
        {
            Seen::Forwarded
        }
        Some(_) => return Ok(Parsed::Skipped(Skip::NoVerdict)),
        None => return Err("no verdict (FORWARDED, DROPPED, ...): is this a flow of hubble observe -o json?".into()),
    };
    let Some(l4) = &flow.l4 else {
        return Err("no l4 (TCP, UDP, SCTP or ICMP): is this a flow of hubble observe -o json?".into());
    };
    let (protocol, ports) = match (&l4.tcp, &l4.udp, &l4.sctp) {
        (Some(p), _, _) => (Protocol::Tcp, p),
        (_, Some(p), _) => (Protocol::Udp, p),
        (_, _, Some(p)) => (Protocol::Sctp, p),
        _ => return Ok(Parsed::Skipped(Skip::NoPort)),
    };
    let port = match ports.destination_port {
        Some(p @ 1..=65535) => p as u16,
        Some(p) => return Err(format!("field l4.{protocol}.destination_port: {p} is out of range (1-65535)")),
        None => return Err(format!("no l4.{protocol}.destination_port")),
    };
    let ip = flow.ip.as_ref();
    let address = |text: Option<&Cow<str>>, side: &str| -> Result<Option<IpAddr>, String> {
        match text {
            None => Ok(None),
            Some(t) if t.is_empty() => Ok(None),
            Some(t) => t.parse().map(Some).map_err(|_| format!("field IP.{side}: {t:?} is not an IP address")),
        }
    };
    let from = end(flow.source, address(ip.and_then(|i| i.source.as_ref()), "source")?);
    let to = end(flow.destination, address(ip.and_then(|i| i.destination.as_ref()), "destination")?);
    if from.name.is_empty() && from.ip.is_none() {
        return Err("the source has neither a source.pod_name nor an IP.source".into());
    }
    if to.name.is_empty() && to.ip.is_none() {
        return Err("the destination has neither a destination.pod_name nor an IP.destination".into());
    }
    // TrafficDirection: INGRESS = 1, EGRESS = 2, TRAFFIC_DIRECTION_UNKNOWN = 0.
    let at = match &flow.traffic_direction {
        Some(d) if d.is("EGRESS", 2) => Some(ObservedAt::Egress),
        Some(d) if d.is("INGRESS", 1) => Some(ObservedAt::Ingress),
        _ => None,
    };
    Ok(Parsed::Record(Record { from, to, port, protocol, seen, at, time, count: 1 }))
}

fn end<'a>(endpoint: Option<Endpoint<'a>>, ip: Option<IpAddr>) -> RawEnd<'a> {
    let Some(e) = endpoint else { return RawEnd { ip, ..RawEnd::default() } };
    RawEnd {
        namespace: e.namespace.unwrap_or_default(),
        name: e.pod_name.unwrap_or_default(),
        aggregated: false,
        ip,
        labels: e.labels.map_or(Labels::None, |raw| Labels::Json(raw.0)),
        workloads: e.workloads.map(|raw| raw.0),
        reserved: None,
    }
}

/// Hubble's `k8s:app=web` labels as a label map: `k8s:` stripped, Cilium's own labels
/// (`io.kubernetes.pod.namespace`, `io.cilium.k8s.*`) and other sources (`reserved:`,
/// `container:`, `cidr:`) left out; the `reserved:` ones are returned apart (`world`, `host`).
pub fn labels(raw: &str) -> Result<(crate::engine::Labels, Vec<String>), String> {
    let list: Vec<Cow<str>> = serde_json::from_str(raw).map_err(|e| format!("labels: {e}"))?;
    let mut labels = crate::engine::Labels::new();
    let mut reserved = Vec::new();
    for item in list {
        let (source, rest) = match item.split_once(':') {
            Some((s, r)) if !s.contains('=') && !s.contains('/') => (s, r),
            _ => ("k8s", item.as_ref()),
        };
        match source {
            "k8s" => {
                let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
                if k == "io.kubernetes.pod.namespace" || k.starts_with("io.cilium.") {
                    continue;
                }
                labels.insert(k.to_string(), v.to_string());
            }
            "reserved" => reserved.push(rest.split_once('=').map_or(rest, |(k, _)| k).to_string()),
            _ => {}
        }
    }
    Ok((labels, reserved))
}

/// Hubble's `workloads`: `[{"name":"web","kind":"Deployment"}]`.
pub fn workloads(raw: &str) -> Vec<(String, String)> {
    #[derive(Deserialize)]
    struct W {
        #[serde(default)]
        name: String,
        #[serde(default)]
        kind: String,
    }
    serde_json::from_str::<Vec<W>>(raw)
        .map(|v| v.into_iter().filter(|w| !w.name.is_empty()).map(|w| (w.kind, w.name)).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLES: &str = include_str!("../../examples/flows/hubble.jsonl");

    /// A real-shaped line, with `extra` fields added to the flow.
    fn line(extra: &str) -> String {
        format!(
            r#"{{"flow":{{"time":"2024-05-01T10:00:00.5Z","uuid":"5d3c1a7e","verdict":"FORWARDED","ethernet":{{"source":"ae:41","destination":"ae:42"}},"IP":{{"source":"10.0.0.5","destination":"10.0.1.7","ipVersion":"IPv4"}},"l4":{{"TCP":{{"source_port":51234,"destination_port":8080,"flags":{{"SYN":true}}}}}},"source":{{"ID":12,"identity":4242,"namespace":"shop","labels":["k8s:app=web","k8s:io.kubernetes.pod.namespace=shop"],"pod_name":"web-1","workloads":[{{"name":"web","kind":"Deployment"}}]}},"destination":{{"ID":40,"namespace":"shop","labels":["k8s:app=api"],"pod_name":"api-1"}},"Type":"L3_L4","node_name":"node-1","event_type":{{"type":4,"sub_type":3}},"traffic_direction":"EGRESS","is_reply":false,"Summary":"TCP"{extra}}},"node_name":"node-1","time":"2024-05-01T10:00:00.5Z"}}"#
        )
    }

    #[test]
    fn the_walk_reads_real_lines_as_serde_does() {
        let mut lines: Vec<String> = EXAMPLES.lines().map(str::to_string).collect();
        lines.push(line(""));
        for variant in [
            r#""verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED""#,
            r#""verdict":2,"dropReasonDesc":181"#,
            r#""verdict":"ERROR""#,
            r#""Type":"L7""#,
            r#""Type":1,"trafficDirection":1,"isReply":true"#,
            r#""traffic_direction":null,"is_reply":null,"reply":true"#,
            r#""l4":{"ICMPv4":{"type":8}}"#,
            r#""l4":{"udp":{"destinationPort":53}}"#,
            r#""l4":{"SCTP":{"destination_port":70000}}"#,
            r#""l4":{"TCP":{}}"#,
            r#""l4":null"#,
            r#""IP":{"source":"not-an-ip","destination":"10.0.1.7"}"#,
            r#""ip":{"destination":""},"source":null"#,
            r#""source":{"namespace":"","labels":null}"#,
            r#""destination":{"namespace":"kube-system","labels":{"odd":"shape"},"workloads":null}"#,
        ] {
            // The variant's fields replace the line's (each given once).
            let mut flow: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str::<serde_json::Value>(&line(""))
                    .unwrap()
                    .get("flow")
                    .and_then(|f| f.as_object().cloned())
                    .unwrap();
            let replaced: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&format!("{{{variant}}}")).unwrap();
            for (k, v) in replaced {
                let alias = match k.as_str() {
                    "dropReasonDesc" => "drop_reason_desc",
                    "trafficDirection" => "traffic_direction",
                    "isReply" => "is_reply",
                    "ip" => "IP",
                    other => other,
                };
                flow.remove(alias);
                flow.insert(k, v);
            }
            lines.push(serde_json::json!({"flow": flow, "node_name": "node-1"}).to_string());
        }
        for l in &lines {
            let walked = fast(l).unwrap_or_else(|| panic!("the walk reads it: {l}"));
            assert_eq!(walked, parse_serde(l), "{l}");
        }
    }

    #[test]
    fn what_the_walk_does_not_read_plainly_is_left_to_serde() {
        let escaped = line("").replace(r#""pod_name":"web-1""#, r#""pod_name":"web\u002d1""#);
        let twice = line(r#","verdict":"DROPPED""#);
        let aliased_twice = line(r#","isReply":true"#);
        let wrong_type = line("").replace(r#""verdict":"FORWARDED""#, r#""verdict":{"x":1}"#);
        let negative = line("").replace(r#""destination_port":8080"#, r#""destination_port":-1"#);
        let cut = &line("")[..300];
        let status = r#"{"node_status":{"state_change":"NODE_CONNECTED"},"time":"2024-05-01T10:00:00Z"}"#;
        let bare = r#"{"time":"2024-05-01T10:00:00Z","verdict":1,"IP":{"source":"10.0.0.5"}}"#;
        for l in [escaped.as_str(), &twice, &aliased_twice, &wrong_type, &negative, cut, status, bare] {
            assert!(fast(l).is_none(), "{l}");
        }
        // serde then reads it, or says what is wrong, as before.
        assert!(matches!(parse(&escaped), Ok(Parsed::Record(r)) if r.from.name == "web-1"));
        assert!(parse(&twice).unwrap_err().contains("duplicate field"), "{:?}", parse(&twice));
        assert!(parse(cut).unwrap_err().starts_with("not JSON"));
        assert_eq!(parse(status), Ok(Parsed::Skipped(Skip::NotAFlow)));
    }
}
