//! Observed flows: what really crossed the network, read from Hubble, Calico flow logs or a plain
//! CSV/TSV (`formats`), aggregated per endpoint pair, port and protocol as it is read (`read`),
//! then mapped to the workloads of a snapshot (`map`), and the allows that keep them working under
//! a default deny (`allows`).
//!
//! Pure: no printing, no cluster. `read` reads files and stdin it is given; everything else takes
//! plain data. Commands (`cmd::audit`, `cmd::diff`, `cmd::init --flows`) evaluate the flows with
//! the engine's public verdict API and hand the results to renderers.

pub mod allows;
pub mod calico;
pub mod csv;
pub mod hubble;
pub mod map;
pub mod read;
pub mod time;

use std::borrow::Cow;
use std::net::IpAddr;

use serde::Serialize;

use crate::engine::Protocol;

pub use map::{Flow, Peer, PeerKind, Resolved};
pub use read::{Observed, read};

/// What the record says happened to the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// It went through (Hubble FORWARDED and the like, Calico `allow` reported by the destination).
    Forwarded,
    /// It was dropped; `by_policy` when the record says a network policy dropped it.
    Dropped { by_policy: bool },
    /// The record does not say (a CSV line, Calico `allow` reported by the source only).
    Unknown,
}

/// Where a record was observed, as a policy direction: at the source's egress (Hubble
/// `traffic_direction` EGRESS, a Calico record reported by the source) or at the destination's
/// ingress (INGRESS, reported by the destination).
///
/// What an observation proves depends on it. Traffic forwarded at the source's egress proves
/// that the source's egress allows it, nothing of the destination's ingress (a cluster that
/// exports only the source side's observation never shows the ingress verdict); forwarded at the
/// destination's ingress, it went through both sides. Dropped at one side, that side denies it.
pub use crate::engine::Direction as ObservedAt;

/// One end of a record, as the record names it. Strings borrow from the line; the labels and
/// workloads stay raw until the endpoint is seen for the first time (`read` interns endpoints).
#[derive(Debug, Clone, Default)]
pub struct RawEnd<'a> {
    /// Empty when the record names no namespace (an address outside the cluster, a node).
    pub namespace: Cow<'a, str>,
    /// A pod name, a Calico aggregated name prefix (with `aggregated`), or a workload
    /// (`deploy/web`, from a CSV line); empty for an address.
    pub name: Cow<'a, str>,
    pub aggregated: bool,
    pub ip: Option<IpAddr>,
    /// Labels as `k=v` strings (Hubble `k8s:` prefixes are stripped when they are read).
    pub labels: Labels<'a>,
    /// Hubble's `workloads`: `[{"name":..,"kind":..}]`, raw JSON.
    pub workloads: Option<&'a serde_json::value::RawValue>,
    /// What the record says an endpoint without a name is (`reserved:world`, Calico `pub`).
    pub reserved: Option<Cow<'a, str>>,
}

/// Labels as a record carries them, decoded only for an endpoint seen for the first time.
#[derive(Debug, Clone, Copy, Default)]
pub enum Labels<'a> {
    #[default]
    None,
    /// A JSON array of `k=v` strings (Hubble), or Calico's `{"labels":[...]}` or a map.
    Json(&'a serde_json::value::RawValue),
}

/// One record of any format, ready to aggregate.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub from: RawEnd<'a>,
    pub to: RawEnd<'a>,
    pub port: u16,
    pub protocol: Protocol,
    pub seen: Seen,
    /// Where it was observed, when the record says (see [`ObservedAt`]).
    pub at: Option<ObservedAt>,
    /// Unix seconds, when the record says.
    pub time: Option<i64>,
    /// How many flows the record stands for (Calico `num_flows`, the CSV count column).
    pub count: u64,
}

/// Why a line was read but is not a flow to replay: none of these are errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Skip {
    /// A packet in the reply direction: replies are allowed statefully, they are not flows.
    Reply,
    /// ICMP and other protocols NetworkPolicy has no ports for.
    NoPort,
    /// L7 and socket events (Hubble), which repeat an L3/L4 flow.
    NotL3L4,
    /// A verdict that says nothing of the traffic (Hubble ERROR, VERDICT_UNKNOWN).
    NoVerdict,
    /// A line that is not a flow at all (Hubble node status, lost events).
    NotAFlow,
}

impl Skip {
    pub fn describe(self) -> &'static str {
        match self {
            Skip::Reply => "replies (allowed statefully, not flows)",
            Skip::NoPort => "ICMP or other port-less protocols (NetworkPolicy cannot name them)",
            Skip::NotL3L4 => "L7 or socket events (they repeat an L3/L4 flow)",
            Skip::NoVerdict => "records without a verdict on the traffic (ERROR, VERDICT_UNKNOWN)",
            Skip::NotAFlow => "lines that are not flows (node status, lost events)",
        }
    }
}

/// What parsing one line gave.
// Returned by value once per line and consumed at once: boxing the record would allocate per line.
#[allow(clippy::large_enum_variant)]
pub enum Parsed<'a> {
    Record(Record<'a>),
    Skipped(Skip),
}

/// Why a JSON line does not read as a record of type `T`, said with the field: the line is
/// deserialized again, tracking the path (`flow.l4.TCP.destination_port`), which costs only on
/// this path of bad lines. Columns, not serde's `line 1`, locate the fault within the line.
pub(crate) fn json_error<'a, T: serde::Deserialize<'a>>(line: &'a str, first: serde_json::Error) -> String {
    let column = first.column();
    let message = first.to_string();
    let what = strip_location(&message);
    if first.is_syntax() || first.is_eof() {
        return format!(
            "not JSON ({what} at column {column}): each line must hold one whole JSON object (a line cut short, or \
             two records on one line?)"
        );
    }
    let mut de = serde_json::Deserializer::from_str(line);
    let mut path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => e.path().to_string(),
        Ok(_) => String::new(),
    };
    // An array where an object belongs is read as a sequence of fields: the fault is the array.
    let not_object = what.contains("expected struct");
    if not_object && path.ends_with(']') {
        path.truncate(path.rfind('[').unwrap_or(0));
    }
    let what = if not_object { "not a JSON object" } else { what };
    if path.is_empty() || path == "." {
        format!("{what} (column {column}): each line must be one JSON object")
    } else {
        format!("field {path}: {what} (column {column})")
    }
}

/// serde_json's message without its ` at line L column C`.
fn strip_location(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    }
}

/// Parses a Hubble/Calico/CSV protocol word or IANA number.
pub fn protocol_of(text: &str) -> Option<Protocol> {
    match text {
        "6" => Some(Protocol::Tcp),
        "17" => Some(Protocol::Udp),
        "132" => Some(Protocol::Sctp),
        other => Protocol::parse_any_case(other),
    }
}

#[cfg(test)]
mod tests;
