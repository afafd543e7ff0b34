//! Ports: which (protocol, port) pairs a rule allows, with named ports resolved on the destination
//! pod and `endPort` ranges, and exact sets of ports for "which ports, if any, are allowed?".

use std::fmt;

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use super::model::{ContainerPort, PolicyPort, PortRef, Protocol};

/// The lowest and highest port a NetworkPolicy can name.
pub const MIN_PORT: u16 = 1;
pub const MAX_PORT: u16 = 65535;

/// A set of ports per protocol, as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortSet {
    ranges: [Vec<(u16, u16)>; 3],
}

fn slot(p: Protocol) -> usize {
    match p {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Sctp => 2,
    }
}

impl PortSet {
    pub fn empty() -> Self {
        PortSet::default()
    }

    /// Every port of every protocol: what a rule without `ports` allows.
    pub fn all() -> Self {
        let mut s = PortSet::default();
        for p in Protocol::ALL {
            s.insert(p, MIN_PORT, MAX_PORT);
        }
        s
    }

    pub fn single(protocol: Protocol, port: u16) -> Self {
        let mut s = PortSet::default();
        s.insert(protocol, port, port);
        s
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }

    pub fn is_all(&self) -> bool {
        self.ranges.iter().all(|r| r.as_slice() == [(MIN_PORT, MAX_PORT)])
    }

    /// True when every port of `protocol` is in the set.
    pub fn is_all_of(&self, protocol: Protocol) -> bool {
        self.ranges[slot(protocol)].as_slice() == [(MIN_PORT, MAX_PORT)]
    }

    pub fn ranges(&self, protocol: Protocol) -> &[(u16, u16)] {
        &self.ranges[slot(protocol)]
    }

    pub fn contains(&self, protocol: Protocol, port: u16) -> bool {
        self.ranges[slot(protocol)].iter().any(|&(lo, hi)| lo <= port && port <= hi)
    }

    /// Adds `lo..=hi` of `protocol`, keeping ranges sorted and merged.
    pub fn insert(&mut self, protocol: Protocol, lo: u16, hi: u16) {
        if lo > hi {
            return;
        }
        let v = &mut self.ranges[slot(protocol)];
        v.push((lo, hi));
        v.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(v.len());
        for &(l, h) in v.iter() {
            match merged.last_mut() {
                Some(last) if u32::from(l) <= u32::from(last.1) + 1 => last.1 = last.1.max(h),
                _ => merged.push((l, h)),
            }
        }
        *v = merged;
    }

    pub fn union_with(&mut self, other: &PortSet) {
        for p in Protocol::ALL {
            for &(lo, hi) in other.ranges(p) {
                self.insert(p, lo, hi);
            }
        }
    }

    pub fn intersection(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::default();
        for p in Protocol::ALL {
            let (a, b) = (self.ranges(p), other.ranges(p));
            let (mut i, mut j) = (0, 0);
            while i < a.len() && j < b.len() {
                let lo = a[i].0.max(b[j].0);
                let hi = a[i].1.min(b[j].1);
                if lo <= hi {
                    out.ranges[slot(p)].push((lo, hi));
                }
                if a[i].1 < b[j].1 { i += 1 } else { j += 1 }
            }
        }
        out
    }

    /// The ports of `self` not in `other`.
    pub fn difference(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::default();
        for p in Protocol::ALL {
            let cut = other.ranges(p);
            let mut j = 0;
            for &(lo, hi) in self.ranges(p) {
                let mut lo = u32::from(lo);
                let hi = u32::from(hi);
                while j < cut.len() && u32::from(cut[j].1) < lo {
                    j += 1;
                }
                let mut k = j;
                while lo <= hi && k < cut.len() && u32::from(cut[k].0) <= hi {
                    let (clo, chi) = (u32::from(cut[k].0), u32::from(cut[k].1));
                    if clo > lo {
                        out.ranges[slot(p)].push((lo as u16, (clo - 1) as u16));
                    }
                    lo = lo.max(chi + 1);
                    k += 1;
                }
                if lo <= hi {
                    out.ranges[slot(p)].push((lo as u16, hi as u16));
                }
            }
        }
        out
    }

    /// Every (protocol, lo, hi) range in protocol order.
    pub fn iter(&self) -> impl Iterator<Item = (Protocol, u16, u16)> + '_ {
        Protocol::ALL.into_iter().flat_map(move |p| self.ranges(p).iter().map(move |&(lo, hi)| (p, lo, hi)))
    }
}

/// `TCP 80, 8000-8100; UDP 53`, or `all ports`, `no ports`, `all TCP ports`.
impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all ports");
        }
        if self.is_empty() {
            return f.write_str("no ports");
        }
        let mut first = true;
        for p in Protocol::ALL {
            let r = self.ranges(p);
            if r.is_empty() {
                continue;
            }
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            if self.is_all_of(p) {
                write!(f, "all {p} ports")?;
                continue;
            }
            write!(f, "{p} ")?;
            for (i, &(lo, hi)) in r.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                if lo == hi { write!(f, "{lo}")? } else { write!(f, "{lo}-{hi}")? }
            }
        }
        Ok(())
    }
}

/// Serialized as `[{"protocol":"TCP","port":80}, {"protocol":"TCP","port":8000,"endPort":8100}]`,
/// the shape of NetworkPolicy ports.
impl Serialize for PortSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Range {
            protocol: Protocol,
            port: u16,
            #[serde(rename = "endPort", skip_serializing_if = "Option::is_none")]
            end_port: Option<u16>,
        }
        let items: Vec<Range> = self
            .iter()
            .map(|(protocol, lo, hi)| Range { protocol, port: lo, end_port: (hi != lo).then_some(hi) })
            .collect();
        let mut seq = serializer.serialize_seq(Some(items.len()))?;
        for item in &items {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

impl PolicyPort {
    /// Whether this entry allows `port`/`protocol` to a destination declaring `dst_ports`
    /// (`None`: the destination is not a pod, so named ports cannot resolve).
    pub fn allows(&self, protocol: Protocol, port: u16, dst_ports: Option<&[ContainerPort]>) -> bool {
        if self.protocol != protocol {
            return false;
        }
        match &self.port {
            None => true,
            Some(PortRef::Number(n)) => match self.end_port {
                Some(end) => *n <= port && port <= end,
                None => *n == port,
            },
            Some(PortRef::Name(name)) => dst_ports.is_some_and(|ports| {
                ports.iter().any(|cp| cp.protocol == protocol && cp.port == port && cp.name.as_deref() == Some(name))
            }),
        }
    }

    /// The ports this entry allows to a destination declaring `dst_ports`.
    pub fn port_set(&self, dst_ports: Option<&[ContainerPort]>) -> PortSet {
        let mut s = PortSet::empty();
        match &self.port {
            None => s.insert(self.protocol, MIN_PORT, MAX_PORT),
            Some(PortRef::Number(n)) => s.insert(self.protocol, *n, self.end_port.unwrap_or(*n)),
            Some(PortRef::Name(name)) => {
                for cp in dst_ports.unwrap_or_default() {
                    if cp.protocol == self.protocol && cp.name.as_deref() == Some(name) {
                        s.insert(cp.protocol, cp.port, cp.port);
                    }
                }
            }
        }
        s
    }
}

/// The ports a rule's `ports` list allows; an empty list allows every port of every protocol.
pub fn rule_port_set(ports: &[PolicyPort], dst_ports: Option<&[ContainerPort]>) -> PortSet {
    if ports.is_empty() {
        return PortSet::all();
    }
    let mut s = PortSet::empty();
    for p in ports {
        s.union_with(&p.port_set(dst_ports));
    }
    s
}

/// `TCP/5432`, `TCP/8000-8100`, `UDP/dns`, `SCTP/*` (every SCTP port).
impl fmt::Display for PolicyPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.port, self.end_port) {
            (None, _) => write!(f, "{}/*", self.protocol),
            (Some(p), Some(end)) => write!(f, "{}/{}-{}", self.protocol, p, end),
            (Some(p), None) => write!(f, "{}/{}", self.protocol, p),
        }
    }
}

/// Finds a named container port on a pod: `(number, protocol)` of the port called `name`,
/// restricted to `protocol` when given.
pub fn resolve_named_port<'a>(
    ports: &'a [ContainerPort],
    name: &str,
    protocol: Option<Protocol>,
) -> Option<&'a ContainerPort> {
    ports.iter().find(|cp| cp.name.as_deref() == Some(name) && protocol.is_none_or(|p| p == cp.protocol))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(name: &str, port: u16, protocol: Protocol) -> ContainerPort {
        ContainerPort { name: Some(name.into()), port, protocol }
    }

    fn pp(protocol: Protocol, port: Option<PortRef>, end_port: Option<u16>) -> PolicyPort {
        PolicyPort { protocol, port, end_port }
    }

    #[test]
    fn numbered_port_matches_only_its_number_and_protocol() {
        let p = pp(Protocol::Tcp, Some(PortRef::Number(80)), None);
        assert!(p.allows(Protocol::Tcp, 80, None));
        assert!(!p.allows(Protocol::Tcp, 81, None));
        assert!(!p.allows(Protocol::Udp, 80, None));
    }

    #[test]
    fn udp_and_sctp_never_imply_tcp() {
        let udp = pp(Protocol::Udp, Some(PortRef::Number(53)), None);
        let sctp = pp(Protocol::Sctp, Some(PortRef::Number(80)), None);
        assert!(!udp.allows(Protocol::Tcp, 53, None));
        assert!(!sctp.allows(Protocol::Tcp, 80, None));
        assert!(sctp.allows(Protocol::Sctp, 80, None));
    }

    #[test]
    fn protocol_without_port_allows_every_port_of_that_protocol() {
        let p = pp(Protocol::Udp, None, None);
        assert!(p.allows(Protocol::Udp, 1, None));
        assert!(p.allows(Protocol::Udp, 65535, None));
        assert!(!p.allows(Protocol::Tcp, 53, None));
    }

    #[test]
    fn end_port_makes_an_inclusive_range() {
        let p = pp(Protocol::Tcp, Some(PortRef::Number(8000)), Some(8100));
        assert!(p.allows(Protocol::Tcp, 8000, None));
        assert!(p.allows(Protocol::Tcp, 8100, None));
        assert!(!p.allows(Protocol::Tcp, 7999, None));
        assert!(!p.allows(Protocol::Tcp, 8101, None));
    }

    #[test]
    fn named_port_resolves_on_the_destination_with_its_protocol() {
        let dst = [cp("http", 8080, Protocol::Tcp), cp("dns", 53, Protocol::Udp)];
        let http = pp(Protocol::Tcp, Some(PortRef::Name("http".into())), None);
        assert!(http.allows(Protocol::Tcp, 8080, Some(&dst)));
        assert!(!http.allows(Protocol::Tcp, 80, Some(&dst)));
        // The name exists, but as UDP: a TCP named port does not match it.
        let dns_tcp = pp(Protocol::Tcp, Some(PortRef::Name("dns".into())), None);
        assert!(!dns_tcp.allows(Protocol::Tcp, 53, Some(&dst)));
        assert!(!dns_tcp.allows(Protocol::Udp, 53, Some(&dst)));
        let dns_udp = pp(Protocol::Udp, Some(PortRef::Name("dns".into())), None);
        assert!(dns_udp.allows(Protocol::Udp, 53, Some(&dst)));
    }

    #[test]
    fn named_port_never_matches_a_destination_that_is_not_a_pod() {
        let http = pp(Protocol::Tcp, Some(PortRef::Name("http".into())), None);
        assert!(!http.allows(Protocol::Tcp, 8080, None));
        assert!(http.port_set(None).is_empty());
    }

    #[test]
    fn empty_ports_list_allows_every_port_and_protocol() {
        assert!(rule_port_set(&[], None).is_all());
    }

    #[test]
    fn port_sets_merge_and_intersect() {
        let mut a = PortSet::empty();
        a.insert(Protocol::Tcp, 80, 90);
        a.insert(Protocol::Tcp, 91, 100);
        a.insert(Protocol::Tcp, 200, 200);
        assert_eq!(a.ranges(Protocol::Tcp), &[(80, 100), (200, 200)]);
        let mut b = PortSet::empty();
        b.insert(Protocol::Tcp, 95, 250);
        b.insert(Protocol::Udp, 53, 53);
        let i = a.intersection(&b);
        assert_eq!(i.ranges(Protocol::Tcp), &[(95, 100), (200, 200)]);
        assert!(i.ranges(Protocol::Udp).is_empty());
        assert_eq!(i.to_string(), "TCP 95-100, 200");
    }

    #[test]
    fn port_set_difference_removes_ranges_and_keeps_the_rest() {
        let mut a = PortSet::empty();
        a.insert(Protocol::Tcp, 1, 100);
        a.insert(Protocol::Tcp, 200, 300);
        a.insert(Protocol::Udp, 53, 53);
        let mut b = PortSet::empty();
        b.insert(Protocol::Tcp, 10, 20);
        b.insert(Protocol::Tcp, 90, 210);
        b.insert(Protocol::Tcp, 300, 400);
        let d = a.difference(&b);
        assert_eq!(d.ranges(Protocol::Tcp), &[(1, 9), (21, 89), (211, 299)]);
        assert_eq!(d.ranges(Protocol::Udp), &[(53, 53)]);
        assert!(PortSet::all().difference(&PortSet::all()).is_empty());
        let rest = PortSet::all().difference(&PortSet::single(Protocol::Tcp, MAX_PORT));
        assert_eq!(rest.ranges(Protocol::Tcp), &[(MIN_PORT, MAX_PORT - 1)]);
        assert!(rest.is_all_of(Protocol::Udp));
        // What is left and what was taken make up the whole, and never overlap.
        let taken = a.intersection(&b);
        assert!(d.intersection(&taken).is_empty());
        let mut whole = d.clone();
        whole.union_with(&taken);
        assert_eq!(whole, a);
    }

    #[test]
    fn port_set_display_names_whole_protocols() {
        assert_eq!(PortSet::all().to_string(), "all ports");
        assert_eq!(PortSet::empty().to_string(), "no ports");
        let mut s = PortSet::single(Protocol::Udp, 53);
        s.insert(Protocol::Tcp, MIN_PORT, MAX_PORT);
        assert_eq!(s.to_string(), "all TCP ports; UDP 53");
    }

    #[test]
    fn port_set_serializes_like_networkpolicy_ports() {
        let mut s = PortSet::single(Protocol::Tcp, 80);
        s.insert(Protocol::Udp, 1000, 2000);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"[{"protocol":"TCP","port":80},{"protocol":"UDP","port":1000,"endPort":2000}]"#
        );
    }
}
