//! The API server's validation of a NetworkPolicy (networking/v1, as `ValidateNetworkPolicy`
//! does it), applied to what the kit builds before anything is printed or sent. Stricter where
//! the kit promises more: CIDRs in canonical form and `policyTypes` always explicit.
//!
//! Pure; returns the violations rather than failing, so tests can list them all.

use std::net::IpAddr;

use ipnet::IpNet;
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// One rule the object breaks: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every violation in `np`; empty when the API server would accept it.
pub fn network_policy(np: &NetworkPolicy) -> Vec<Violation> {
    let mut v = Checker::default();
    match np.metadata.name.as_deref() {
        None | Some("") => v.fail("metadata.name", "is required"),
        Some(name) => v.dns_subdomain("metadata.name", name),
    }
    if let Some(ns) = np.metadata.namespace.as_deref() {
        v.dns_label("metadata.namespace", ns);
    }
    for (key, value) in np.metadata.labels.iter().flatten() {
        v.qualified_name(&format!("metadata.labels[{key}]"), key);
        v.label_value(&format!("metadata.labels[{key}]"), value);
    }
    let mut annotation_bytes = 0;
    for (key, value) in np.metadata.annotations.iter().flatten() {
        v.qualified_name(&format!("metadata.annotations[{key}]"), key);
        annotation_bytes += key.len() + value.len();
    }
    if annotation_bytes > 256 * 1024 {
        v.fail("metadata.annotations", "may not exceed 256 KiB in total");
    }
    let Some(spec) = &np.spec else {
        v.fail("spec", "is required");
        return v.violations;
    };
    match &spec.pod_selector {
        Some(sel) => v.selector("spec.podSelector", sel),
        None => v.fail("spec.podSelector", "is required by kubectl-deny (an empty selector selects every pod)"),
    }
    let types = spec.policy_types.clone().unwrap_or_default();
    if types.is_empty() {
        v.fail("spec.policyTypes", "must be explicit (Ingress, Egress or both)");
    }
    if types.len() > 2 {
        v.fail("spec.policyTypes", "may list at most Ingress and Egress");
    }
    for (i, t) in types.iter().enumerate() {
        if t != "Ingress" && t != "Egress" {
            v.fail(&format!("spec.policyTypes[{i}]"), &format!("unsupported value {t:?}: must be Ingress or Egress"));
        }
        if types[..i].contains(t) {
            v.fail(&format!("spec.policyTypes[{i}]"), &format!("duplicate value {t:?}"));
        }
    }
    let has = |t: &str| types.iter().any(|x| x == t);
    if spec.ingress.as_ref().is_some_and(|r| !r.is_empty()) && !has("Ingress") {
        v.fail("spec.ingress", "has rules but policyTypes leaves out Ingress, so they would be ignored");
    }
    if spec.egress.as_ref().is_some_and(|r| !r.is_empty()) && !has("Egress") {
        v.fail("spec.egress", "has rules but policyTypes leaves out Egress, so they would be ignored");
    }
    for (i, rule) in spec.ingress.iter().flatten().enumerate() {
        let path = format!("spec.ingress[{i}]");
        for (j, port) in rule.ports.iter().flatten().enumerate() {
            v.port(&format!("{path}.ports[{j}]"), port);
        }
        for (j, peer) in rule.from.iter().flatten().enumerate() {
            v.peer(&format!("{path}.from[{j}]"), peer);
        }
    }
    for (i, rule) in spec.egress.iter().flatten().enumerate() {
        let path = format!("spec.egress[{i}]");
        for (j, port) in rule.ports.iter().flatten().enumerate() {
            v.port(&format!("{path}.ports[{j}]"), port);
        }
        for (j, peer) in rule.to.iter().flatten().enumerate() {
            v.peer(&format!("{path}.to[{j}]"), peer);
        }
    }
    v.violations
}

#[derive(Default)]
struct Checker {
    violations: Vec<Violation>,
}

impl Checker {
    fn fail(&mut self, field: &str, message: &str) {
        self.violations.push(Violation { field: field.to_string(), message: message.to_string() });
    }

    fn dns_label(&mut self, field: &str, s: &str) {
        if !is_dns_label(s) {
            self.fail(field, &format!("{s:?} is not a DNS label (lower case letters, digits and '-', at most 63)"));
        }
    }

    fn dns_subdomain(&mut self, field: &str, s: &str) {
        if s.len() > 253 || !s.split('.').all(is_dns_label) {
            self.fail(field, &format!("{s:?} is not a DNS subdomain"));
        }
    }

    /// `[prefix/]name`: a DNS subdomain prefix, a name of at most 63 alphanumerics, `-`, `_`, `.`
    /// that starts and ends alphanumeric.
    fn qualified_name(&mut self, field: &str, key: &str) {
        let (prefix, name) = match key.rsplit_once('/') {
            Some((prefix, name)) => (Some(prefix), name),
            None => (None, key),
        };
        if let Some(prefix) = prefix
            && (prefix.is_empty() || prefix.len() > 253 || !prefix.split('.').all(is_dns_label))
        {
            self.fail(field, &format!("the prefix of {key:?} is not a DNS subdomain"));
        }
        if name.is_empty() || !is_label_value(name) {
            self.fail(field, &format!("{key:?} is not a qualified name"));
        }
    }

    fn label_value(&mut self, field: &str, value: &str) {
        if !value.is_empty() && !is_label_value(value) {
            self.fail(field, &format!("{value:?} is not a valid label value"));
        }
    }

    fn selector(&mut self, field: &str, sel: &LabelSelector) {
        for (key, value) in sel.match_labels.iter().flatten() {
            self.qualified_name(&format!("{field}.matchLabels[{key}]"), key);
            self.label_value(&format!("{field}.matchLabels[{key}]"), value);
        }
        for (i, req) in sel.match_expressions.iter().flatten().enumerate() {
            let path = format!("{field}.matchExpressions[{i}]");
            self.qualified_name(&format!("{path}.key"), &req.key);
            let values = req.values.as_deref().unwrap_or_default();
            match req.operator.as_str() {
                "In" | "NotIn" if values.is_empty() => self.fail(&path, "In and NotIn need values"),
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    self.fail(&path, "Exists and DoesNotExist take no values")
                }
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => self.fail(&format!("{path}.operator"), &format!("unknown operator {other:?}")),
            }
        }
    }

    fn port(&mut self, field: &str, port: &NetworkPolicyPort) {
        if let Some(protocol) = &port.protocol
            && !matches!(protocol.as_str(), "TCP" | "UDP" | "SCTP")
        {
            self.fail(&format!("{field}.protocol"), &format!("unsupported protocol {protocol:?}"));
        }
        match &port.port {
            Some(IntOrString::Int(n)) if !(1..=65535).contains(n) => {
                self.fail(&format!("{field}.port"), &format!("{n} is not between 1 and 65535"))
            }
            Some(IntOrString::String(name)) if !is_iana_service_name(name) => self.fail(
                &format!("{field}.port"),
                &format!("{name:?} is not a port name (at most 15 lower case letters, digits and '-', with a letter)"),
            ),
            _ => {}
        }
        if let Some(end) = port.end_port {
            match &port.port {
                Some(IntOrString::Int(start)) if end < *start => {
                    self.fail(&format!("{field}.endPort"), "must be greater than or equal to port")
                }
                Some(IntOrString::Int(_)) if end > 65535 => {
                    self.fail(&format!("{field}.endPort"), "must be at most 65535")
                }
                Some(IntOrString::Int(_)) => {}
                _ => self.fail(&format!("{field}.endPort"), "may only be given with a numeric port"),
            }
        }
    }

    fn peer(&mut self, field: &str, peer: &NetworkPolicyPeer) {
        let selectors = peer.pod_selector.is_some() || peer.namespace_selector.is_some();
        match (&peer.ip_block, selectors) {
            (Some(_), true) => self.fail(field, "ipBlock may not be combined with a selector"),
            (None, false) => self.fail(field, "must specify a peer: podSelector, namespaceSelector or ipBlock"),
            _ => {}
        }
        if let Some(sel) = &peer.pod_selector {
            self.selector(&format!("{field}.podSelector"), sel);
        }
        if let Some(sel) = &peer.namespace_selector {
            self.selector(&format!("{field}.namespaceSelector"), sel);
        }
        if let Some(block) = &peer.ip_block {
            let cidr_field = format!("{field}.ipBlock.cidr");
            let Some(cidr) = self.canonical_cidr(&cidr_field, &block.cidr) else { return };
            for (i, except) in block.except.iter().flatten().enumerate() {
                let except_field = format!("{field}.ipBlock.except[{i}]");
                if let Some(e) = self.canonical_cidr(&except_field, except)
                    && !(cidr.contains(&e) && e.prefix_len() > cidr.prefix_len())
                {
                    self.fail(&except_field, &format!("{except} must be strictly within {}", block.cidr));
                }
            }
        }
    }

    fn canonical_cidr(&mut self, field: &str, text: &str) -> Option<IpNet> {
        match text.parse::<IpNet>() {
            Ok(net) if net.trunc().to_string() == text => Some(net),
            Ok(net) => {
                self.fail(field, &format!("{text:?} is not in canonical form (it would be {})", net.trunc()));
                None
            }
            Err(_) => {
                let hint = if text.parse::<IpAddr>().is_ok() { " (an address needs a prefix, e.g. /32)" } else { "" };
                self.fail(field, &format!("{text:?} is not a CIDR{hint}"));
                None
            }
        }
    }
}

fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

fn is_label_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// IANA_SVC_NAME: at most 15 characters, lower case letters, digits and `-`, at least one letter,
/// no `-` at either end and no `--`.
pub fn is_iana_service_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 15
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.iter().any(u8::is_ascii_lowercase)
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn np(yaml: &str) -> NetworkPolicy {
        serde_saphyr::from_str(yaml).expect("fixture parses")
    }

    fn fields(yaml: &str) -> Vec<String> {
        network_policy(&np(yaml)).into_iter().map(|v| v.field).collect()
    }

    const HEAD: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: prod}\n";

    #[test]
    fn a_plain_default_deny_is_valid() {
        assert!(fields(&format!("{HEAD}spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}\n")).is_empty());
    }

    #[test]
    fn end_port_needs_a_numeric_port_not_below_it() {
        let f = fields(&format!(
            "{HEAD}spec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n  - ports:\n    - {{port: dns, endPort: 60}}\n    - {{port: 80, endPort: 79}}\n    - {{port: 80, endPort: 90, protocol: TCP}}\n"
        ));
        assert_eq!(f, ["spec.egress[0].ports[0].endPort", "spec.egress[0].ports[1].endPort"]);
    }

    #[test]
    fn cidrs_must_be_canonical_and_excepts_strictly_inside() {
        let f = fields(&format!(
            "{HEAD}spec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock: {{cidr: 10.0.0.1/8}}\n    - ipBlock: {{cidr: 10.0.0.0/8, except: [10.0.0.0/8, 11.0.0.0/16]}}\n    - ipBlock: {{cidr: 10.0.0.7}}\n    - ipBlock: {{cidr: '2001:db8::/32', except: ['2001:db8:1::/48']}}\n"
        ));
        assert_eq!(
            f,
            [
                "spec.egress[0].to[0].ipBlock.cidr",
                "spec.egress[0].to[1].ipBlock.except[0]",
                "spec.egress[0].to[1].ipBlock.except[1]",
                "spec.egress[0].to[2].ipBlock.cidr"
            ]
        );
    }

    #[test]
    fn port_names_follow_iana_service_names() {
        assert!(is_iana_service_name("dns-tcp"));
        assert!(!is_iana_service_name("DNS"));
        assert!(!is_iana_service_name("53"));
        assert!(!is_iana_service_name("a--b"));
        assert!(!is_iana_service_name("a-very-long-port-name"));
        let f = fields(&format!(
            "{HEAD}spec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n  ingress:\n  - ports: [{{port: Metrics}}, {{port: 0}}, {{protocol: ICMP}}]\n"
        ));
        assert_eq!(
            f,
            ["spec.ingress[0].ports[0].port", "spec.ingress[0].ports[1].port", "spec.ingress[0].ports[2].protocol"]
        );
    }

    #[test]
    fn policy_types_must_be_explicit_and_cover_the_rules() {
        let f = fields(&format!("{HEAD}spec:\n  podSelector: {{}}\n  egress: [{{}}]\n"));
        assert_eq!(f, ["spec.policyTypes", "spec.egress"]);
        let f = fields(&format!("{HEAD}spec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Ingress, Sideways]\n"));
        assert_eq!(f, ["spec.policyTypes", "spec.policyTypes[1]", "spec.policyTypes[2]"]);
    }

    #[test]
    fn peers_need_exactly_one_kind_and_valid_selectors() {
        let f = fields(&format!(
            "{HEAD}spec:\n  podSelector: {{matchLabels: {{'bad key!': x}}}}\n  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - {{}}\n    - {{ipBlock: {{cidr: 10.0.0.0/8}}, podSelector: {{}}}}\n    - namespaceSelector: {{matchExpressions: [{{key: team, operator: In}}]}}\n"
        ));
        assert_eq!(
            f,
            [
                "spec.podSelector.matchLabels[bad key!]",
                "spec.ingress[0].from[0]",
                "spec.ingress[0].from[1]",
                "spec.ingress[0].from[2].namespaceSelector.matchExpressions[0]"
            ]
        );
    }
}
