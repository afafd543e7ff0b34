//! Parsing `why`'s FROM and TO arguments: `name`, `ns/name`, `pod/name`, `ns/pod/name`,
//! `deploy/name`, `ns/deploy/name`, `svc/name`, IP addresses, then `:PORT` and `/PROTOCOL`.
//! Pure string handling; nothing is looked up here.

use std::net::IpAddr;

use crate::engine::{Protocol, WorkloadKind};
use crate::error::Error;
use crate::source::refs::ObjectRef;

/// Which end of the flow an argument names (a Service can only be a destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    From,
    To,
}

impl Role {
    fn arg(self) -> &'static str {
        match self {
            Role::From => "FROM",
            Role::To => "TO",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortArg {
    Number(u16),
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointArg {
    pub target: ObjectRef,
    pub port: Option<PortArg>,
    pub protocol: Option<Protocol>,
}

enum Kind {
    Pod,
    Workload(WorkloadKind),
    Service,
}

/// kubectl's resource names, plural forms and short names.
fn kind_word(word: &str) -> Option<Kind> {
    Some(match word.to_ascii_lowercase().as_str() {
        "pod" | "pods" | "po" => Kind::Pod,
        "deploy" | "deployment" | "deployments" => Kind::Workload(WorkloadKind::Deployment),
        "sts" | "statefulset" | "statefulsets" => Kind::Workload(WorkloadKind::StatefulSet),
        "ds" | "daemonset" | "daemonsets" => Kind::Workload(WorkloadKind::DaemonSet),
        "rs" | "replicaset" | "replicasets" => Kind::Workload(WorkloadKind::ReplicaSet),
        "job" | "jobs" => Kind::Workload(WorkloadKind::Job),
        "cj" | "cronjob" | "cronjobs" => Kind::Workload(WorkloadKind::CronJob),
        "svc" | "service" | "services" => Kind::Service,
        _ => return None,
    })
}

/// Whether `word` is read as a kind (`deploy`, `svc`, `jobs`, ...) in an endpoint argument.
pub fn is_kind_word(word: &str) -> bool {
    kind_word(word).is_some()
}

/// Parses one endpoint argument; `default_namespace` applies when none is written.
pub fn parse(text: &str, role: Role, default_namespace: &str) -> Result<EndpointArg, Error> {
    let arg = role.arg();
    let usage = |why: String| Error::Usage(format!("invalid {arg} {text:?}: {why}"));
    if text.trim().is_empty() {
        return Err(Error::Usage(format!(
            "{arg} is empty: name a pod, a workload (deploy/NAME), {}or an IP address",
            if role == Role::To { "a Service (svc/NAME), " } else { "" }
        )));
    }
    if let Some((cidr, first)) = cidr_in(text) {
        return Err(usage(format!(
            "{cidr} is a range of addresses (CIDR), not an endpoint: why explains one flow between two endpoints, and a \
             policy's ipBlock admits or refuses each address alone; name one address of it (e.g. {first}{})",
            if role == Role::To { ", with :PORT" } else { "" }
        )));
    }
    let (body, protocol) = split_protocol(text).map_err(usage)?;
    let (host, port) = split_port(body).map_err(usage)?;
    let port = port.map(|p| parse_port(p).map_err(usage)).transpose()?;
    if role == Role::From && (port.is_some() || protocol.is_some()) {
        return Err(usage(
            "a port and protocol belong on TO, the destination (the source port is ephemeral): e.g. `why web db:5432/tcp`".into(),
        ));
    }
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return Ok(EndpointArg { target: ObjectRef::Ip(ip), port, protocol });
    }
    let parts: Vec<&str> = host.split('/').collect();
    let (namespace, kind, name) = match parts.as_slice() {
        [name] => (default_namespace, Kind::Pod, *name),
        [first, name] => match kind_word(first) {
            Some(kind) => (default_namespace, kind, *name),
            None => (*first, Kind::Pod, *name),
        },
        [ns, kind, name] => match kind_word(kind) {
            Some(k) => (*ns, k, *name),
            None => {
                return Err(usage(format!(
                    "{kind:?} is not a kind; use NS/KIND/NAME with pod, deploy, sts, ds, rs, job, cronjob or svc"
                )));
            }
        },
        _ => return Err(usage("too many '/': use NAME, NS/NAME, KIND/NAME or NS/KIND/NAME".into())),
    };
    crate::context::validate_namespace_name(namespace)
        .map_err(|why| usage(format!("namespace {namespace:?}: {why}")))?;
    validate_object_name(name).map_err(|why| usage(format!("name {name:?}: {why}")))?;
    let (namespace, name) = (namespace.to_string(), name.to_string());
    let target = match kind {
        Kind::Pod => ObjectRef::Pod { namespace, name },
        Kind::Workload(kind) => ObjectRef::Workload { kind, namespace, name },
        Kind::Service if role == Role::From => {
            return Err(usage(
                "a Service cannot be a source: traffic comes from its pods; name the workload instead (e.g. deploy/NAME)".into(),
            ));
        }
        Kind::Service => ObjectRef::Service { namespace, name },
    };
    Ok(EndpointArg { target, port, protocol })
}

/// The CIDR written where an endpoint was expected (`10.0.0.0/8`, `10.0.0.0/8:443/udp`,
/// `[2001:db8::/32]:443`), and the address it starts from.
fn cidr_in(text: &str) -> Option<(String, IpAddr)> {
    let (addr, rest) = text.trim_start_matches('[').split_once('/')?;
    let ip: IpAddr = addr.parse().ok()?;
    let prefix: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let net = ipnet::IpNet::new(ip, prefix.parse().ok()?).ok()?;
    let first = match net.trunc().addr() {
        // The network address itself is no host's: suggest the first one after it.
        IpAddr::V4(v4) if net.prefix_len() < 31 => IpAddr::V4((u32::from(v4) + 1).into()),
        IpAddr::V6(v6) if net.prefix_len() < 127 => IpAddr::V6((u128::from(v6) + 1).into()),
        other => other,
    };
    Some((format!("{ip}/{prefix}"), first))
}

/// Strips a trailing `/tcp`, `/udp` or `/sctp` (any case). After a name without a port, a last
/// segment that follows a kind word is a name (`ns/pod/udp` is the pod "udp").
fn split_protocol(text: &str) -> Result<(&str, Option<Protocol>), String> {
    let Some((body, last)) = text.rsplit_once('/') else { return Ok((text, None)) };
    if let Some(p) = Protocol::parse_any_case(last) {
        let after_kind = body.rsplit('/').next().is_some_and(|w| kind_word(w).is_some()) && !body.contains(':');
        if body.is_empty() || after_kind {
            return Ok((text, None));
        }
        return Ok((body, Some(p)));
    }
    // `db:80/http`: a slash after the port can only be a protocol.
    if let Some((_, port)) = body.rsplit_once(':')
        && !port.contains('/')
        && !body.contains('[')
        && body.matches(':').count() == 1
    {
        return Err(format!("unknown protocol {last:?}; use tcp, udp or sctp"));
    }
    Ok((text, None))
}

/// Splits `host:port`, `[v6]:port`; a bare IPv6 address has no port.
fn split_port(text: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(rest) = text.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else { return Err("missing ']' after the IPv6 address".into()) };
        return match after {
            "" => Ok((addr, None)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((addr, Some(p))),
                None => Err("expected :PORT after ']'".into()),
            },
        };
    }
    if text.matches(':').count() > 1 {
        return match text.parse::<IpAddr>() {
            Ok(_) => Ok((text, None)),
            Err(_) => Err("too many ':' (write an IPv6 address with a port as [ADDR]:PORT)".into()),
        };
    }
    match text.split_once(':') {
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((text, None)),
    }
}

fn parse_port(text: &str) -> Result<PortArg, String> {
    if text.is_empty() {
        return Err("empty port after ':'; give a number (1-65535) or a named container port".into());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(n @ 1..=65535) => Ok(PortArg::Number(n as u16)),
            _ => Err(format!("port {text} is out of range; use 1-65535")),
        };
    }
    validate_port_name(text).map(|_| PortArg::Name(text.to_string()))
}

/// A container port name (IANA_SVC_NAME): at most 15 characters, lowercase letters, digits and
/// '-', at least one letter, no leading, trailing or double '-'.
pub fn validate_port_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 15
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().any(|b| b.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is neither a port number nor a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)"
        ))
    }
}

/// An object name as the API accepts it: a DNS subdomain (lowercase letters, digits, '-', '.').
fn validate_object_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty name".into());
    }
    if name.len() > 253 {
        return Err("longer than 253 characters".into());
    }
    let valid = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric();
    if valid {
        Ok(())
    } else {
        Err("names are lower case letters, digits, '-' and '.', starting and ending with a letter or digit".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(text: &str) -> EndpointArg {
        parse(text, Role::To, "default").unwrap()
    }

    fn pod(ns: &str, name: &str) -> ObjectRef {
        ObjectRef::Pod { namespace: ns.into(), name: name.into() }
    }

    #[test]
    fn bare_name_is_a_pod_in_the_default_namespace() {
        assert_eq!(to("web").target, pod("default", "web"));
    }

    #[test]
    fn namespace_and_kind_prefixes() {
        assert_eq!(to("prod/web").target, pod("prod", "web"));
        assert_eq!(to("pod/web").target, pod("default", "web"));
        assert_eq!(to("prod/pod/web").target, pod("prod", "web"));
        assert_eq!(
            to("prod/deploy/api").target,
            ObjectRef::Workload { kind: WorkloadKind::Deployment, namespace: "prod".into(), name: "api".into() }
        );
        assert_eq!(
            to("sts/db").target,
            ObjectRef::Workload { kind: WorkloadKind::StatefulSet, namespace: "default".into(), name: "db".into() }
        );
        assert_eq!(to("svc/db").target, ObjectRef::Service { namespace: "default".into(), name: "db".into() });
    }

    #[test]
    fn port_and_protocol_suffixes() {
        let e = to("db:5432");
        assert_eq!(e.port, Some(PortArg::Number(5432)));
        assert_eq!(e.protocol, None);
        let e = to("kube-system/coredns:53/UDP");
        assert_eq!(e.target, pod("kube-system", "coredns"));
        assert_eq!(e.protocol, Some(Protocol::Udp));
        let e = to("api:http");
        assert_eq!(e.port, Some(PortArg::Name("http".into())));
        let e = to("db/sctp");
        assert_eq!(e.target, pod("default", "db"));
        assert_eq!(e.protocol, Some(Protocol::Sctp));
    }

    #[test]
    fn a_pod_named_like_a_protocol_after_a_kind_word_is_a_name() {
        assert_eq!(to("prod/pod/udp").target, pod("prod", "udp"));
    }

    #[test]
    fn ip_addresses_with_and_without_ports() {
        assert_eq!(to("10.0.0.7").target, ObjectRef::Ip("10.0.0.7".parse().unwrap()));
        assert_eq!(to("10.0.0.7:443").port, Some(PortArg::Number(443)));
        assert_eq!(to("2001:db8::7").target, ObjectRef::Ip("2001:db8::7".parse().unwrap()));
        let e = to("[2001:db8::7]:443/udp");
        assert_eq!(e.target, ObjectRef::Ip("2001:db8::7".parse().unwrap()));
        assert_eq!(e.port, Some(PortArg::Number(443)));
        assert_eq!(e.protocol, Some(Protocol::Udp));
    }

    #[test]
    fn out_of_range_ports_are_rejected_with_the_range() {
        for bad in ["db:0", "db:65536", "db:99999999999"] {
            let err = parse(bad, Role::To, "default").unwrap_err().to_string();
            assert!(err.contains("1-65535"), "{err}");
        }
    }

    #[test]
    fn bad_protocol_is_rejected_naming_the_valid_ones() {
        let err = parse("db:80/http", Role::To, "default").unwrap_err().to_string();
        assert!(err.contains("unknown protocol \"http\"") && err.contains("tcp, udp or sctp"), "{err}");
    }

    #[test]
    fn bad_port_names_are_rejected() {
        let err = parse("db:Http_Port", Role::To, "default").unwrap_err().to_string();
        assert!(err.contains("valid port name"), "{err}");
        assert!(parse("db:", Role::To, "default").unwrap_err().to_string().contains("empty port"));
    }

    #[test]
    fn a_service_cannot_be_a_source() {
        let err = parse("svc/web", Role::From, "default").unwrap_err().to_string();
        assert!(err.contains("cannot be a source"), "{err}");
    }

    #[test]
    fn a_port_on_the_source_is_rejected() {
        let err = parse("web:8080", Role::From, "default").unwrap_err().to_string();
        assert!(err.contains("belong on TO"), "{err}");
    }

    #[test]
    fn malformed_names_are_rejected() {
        assert!(parse("a/b/c/d", Role::To, "default").unwrap_err().to_string().contains("too many '/'"));
        assert!(parse("prod/bogus/web", Role::To, "default").unwrap_err().to_string().contains("not a kind"));
        assert!(parse("Web", Role::To, "default").unwrap_err().to_string().contains("lower case"));
        assert!(parse("", Role::To, "default").unwrap_err().to_string().contains("TO is empty"));
        assert!(parse("PROD/web", Role::To, "default").unwrap_err().to_string().contains("namespace"));
    }
}
