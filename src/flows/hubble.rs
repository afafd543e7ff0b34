//! Hubble flows: `hubble observe -o json` and `-o jsonpb` lines.
//!
//! Field names are those of cilium's `api/v1/flow/flow.proto` as Hubble prints them (proto names:
//! `pod_name`, `traffic_direction`, `is_reply`, `l4.TCP.destination_port`, `IP.source`); the
//! lowerCamelCase names of other protojson printers (`podName`, `isReply`) are accepted too.
//! `-o jsonpb` prints the `GetFlowsResponse` (`{"flow":{...},"node_name":..,"time":..}`, or a
//! `node_status`/`lost_events` line, which is not a flow); a bare `Flow` object is read as well.
//! Enum values come as names (`FORWARDED`) or numbers (`1`). `traffic_direction` says at which
//! side the flow was observed (`EGRESS`: leaving the source, `INGRESS`: entering the
//! destination), which is what its verdict is evidence of (`super::ObservedAt`). `is_reply` is a
//! BoolValue: absent means unknown, and the flow is then taken as a request unless the deprecated
//! `reply` says otherwise.

use std::borrow::Cow;
use std::net::IpAddr;

use serde::Deserialize;
use serde::de::{self, IgnoredAny};
use serde_json::value::RawValue;

use super::{Labels, ObservedAt, Parsed, RawEnd, Record, Seen, Skip};
use crate::engine::Protocol;

#[derive(Deserialize)]
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

#[derive(Deserialize)]
struct Ip<'a> {
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    destination: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Layer4 {
    #[serde(default, rename = "TCP", alias = "tcp")]
    tcp: Option<Ports>,
    #[serde(default, rename = "UDP", alias = "udp")]
    udp: Option<Ports>,
    #[serde(default, rename = "SCTP", alias = "sctp")]
    sctp: Option<Ports>,
}

#[derive(Deserialize)]
struct Ports {
    #[serde(default, alias = "destinationPort")]
    destination_port: Option<u32>,
}

#[derive(Deserialize)]
struct Endpoint<'a> {
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "podName")]
    pod_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    labels: Option<&'a RawValue>,
    #[serde(borrow, default)]
    workloads: Option<&'a RawValue>,
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

/// One line of Hubble JSON.
pub fn parse(line: &str) -> Result<Parsed<'_>, String> {
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
        labels: e.labels.map_or(Labels::None, Labels::Json),
        workloads: e.workloads,
        reserved: None,
    }
}

/// Hubble's `k8s:app=web` labels as a label map: `k8s:` stripped, Cilium's own labels
/// (`io.kubernetes.pod.namespace`, `io.cilium.k8s.*`) and other sources (`reserved:`,
/// `container:`, `cidr:`) left out; the `reserved:` ones are returned apart (`world`, `host`).
pub fn labels(raw: &RawValue) -> Result<(crate::engine::Labels, Vec<String>), String> {
    let list: Vec<Cow<str>> = serde_json::from_str(raw.get()).map_err(|e| format!("labels: {e}"))?;
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
pub fn workloads(raw: &RawValue) -> Vec<(String, String)> {
    #[derive(Deserialize)]
    struct W {
        #[serde(default)]
        name: String,
        #[serde(default)]
        kind: String,
    }
    serde_json::from_str::<Vec<W>>(raw.get())
        .map(|v| v.into_iter().filter(|w| !w.name.is_empty()).map(|w| (w.kind, w.name)).collect())
        .unwrap_or_default()
}
