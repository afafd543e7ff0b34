//! Caveats (what the verdict depends on that policy alone does not decide) and hints (the classic
//! mistakes a verdict reveals: DNS blocked by a default deny, a Service port where the target port
//! was needed, AND written where OR was meant, a missing namespace label, rules ignored because of
//! `policyTypes`).

use std::collections::HashMap;
use std::fmt::Write as _;

use super::flow::{Endpoint, Engine};
use super::model::{Peer, Pod, Policy, PortRef, Protocol};
use super::netpol::{has_type, rules_for};
use super::service;
use super::verdict::{Direction, Note, Outcome, Override, PeerMiss, PortQuery, RuleEvidence, Side, Verdict};

pub(crate) fn caveats(engine: &Engine, from: Endpoint, to: Endpoint, query: PortQuery, verdict: &Verdict) -> Vec<Note> {
    let mut out = Vec::new();
    match verdict.override_reason {
        Some(Override::SelfTraffic) => out.push(Note::new(
            "self-traffic",
            "a pod can always reach itself: the traffic never leaves the pod, so no NetworkPolicy applies",
        )),
        Some(Override::NodeLocal) => out.push(Note::new(
            "node-local",
            "traffic between a pod and the node it runs on is always allowed (kubelet probes use this path)",
        )),
        None => {}
    }
    if verdict.override_reason == Some(Override::NodeLocal) && engine.layers().len() > 1 {
        out.push(Note::new(
            "tiers-not-evaluated",
            "the cluster-wide tiers were not evaluated for this flow: the network-policy API does not say whether \
             traffic between a pod and its own node is exempt from them; assumed: exempt, as under NetworkPolicy",
        ));
    }
    for (role, ep) in [("source", from), ("destination", to)] {
        if let Endpoint::Pod(p) = ep {
            if p.host_network {
                out.push(Note::new(
                    "host-network",
                    format!(
                        "the {role} {}/{} uses the host network: most network plugins neither apply NetworkPolicy to \
                         host-network pods nor match them with pod selectors; their traffic carries the node's IP, \
                         which only ipBlock rules can match",
                        p.namespace, p.name
                    ),
                ));
            }
            if let Some(phase) = p.phase.as_deref().filter(|ph| *ph != "Running") {
                out.push(Note::new(
                    "not-running",
                    format!(
                        "the {role} {}/{} is {phase}, not Running: the verdict is what policy says once it runs",
                        p.namespace, p.name
                    ),
                ));
            }
            if p.ips.is_empty() && sides_use_ip_blocks(engine, from, to) {
                out.push(Note::new(
                    "no-ip",
                    format!(
                        "the {role} {}/{} has no IP yet, so ipBlock rules could not be checked against it",
                        p.namespace, p.name
                    ),
                ));
            }
        }
    }
    if verdict
        .egress
        .policies
        .iter()
        .chain(&verdict.ingress.policies)
        .any(|p| p.matches.iter().any(|m| m.ip_block_on_pod))
    {
        out.push(Note::new(
            "ip-block-pod-ip",
            "an ipBlock rule matched a pod's IP: the upstream conformance tests expect this, but some network plugins \
             apply ipBlock only to traffic from outside the cluster; prefer pod and namespace selectors for pods",
        ));
    }
    if let Some(ns) = unknown_namespace_consulted(engine, from, to) {
        out.push(Note::new(
            "namespace-labels-unknown",
            format!(
                "namespace {ns} was not among the objects read, so only its kubernetes.io/metadata.name label is \
                 known; a namespaceSelector on other labels could match in the cluster"
            ),
        ));
    }
    if let PortQuery::Port { protocol: Protocol::Sctp, .. } = query {
        out.push(Note::new("sctp", "SCTP support depends on the network plugin (and is off in some)"));
    }
    if let (Endpoint::Ip(ip), None) = (from, verdict.override_reason)
        && let Some(node) = engine.node_with_address(ip)
    {
        out.push(Note::new(
            "from-node",
            if engine.cilium() {
                format!(
                    "{ip} is node {}: traffic from a pod's own node is always allowed (Cilium's allow-localhost), \
                     from other nodes it needs the `remote-node` entity (ipBlocks and CIDR rules do not match nodes)",
                    node.name
                )
            } else {
                format!(
                    "{ip} is node {}: traffic from a pod's own node is always allowed, but from other nodes it needs \
                     an ipBlock rule covering the node addresses",
                    node.name
                )
            },
        ));
    }
    if let Endpoint::Ip(ip) = to
        && verdict.override_reason.is_none()
    {
        out.push(match engine.node_with_address(ip) {
            Some(node) if engine.cilium() => Note::new(
                "to-node",
                format!(
                    "{ip} is node {}: only the source's egress policies apply; on Cilium the pod's own node is the \
                     `host` entity and other nodes are `remote-node`, and CIDR rules and ipBlocks do not match nodes",
                    node.name
                ),
            ),
            Some(node) => Note::new(
                "to-node",
                format!(
                    "{ip} is node {}: only the source's egress policies apply (traffic to the node a pod runs on is \
                     always allowed, to other nodes it needs an egress ipBlock rule)",
                    node.name
                ),
            ),
            None => Note::new(
                "external-destination",
                format!("{ip} is outside the cluster's pods: only the source's egress policies apply to it"),
            ),
        });
    }
    if let Endpoint::Ip(ip) = from
        && verdict.override_reason.is_none()
        && engine.node_with_address(ip).is_none()
    {
        out.push(Note::new(
            "external-source",
            format!(
                "{ip} is outside the cluster's pods: only the destination's ingress policies apply; its address as \
                 seen by the pod may differ if traffic is NATed on the way in (load balancers, ingress controllers)"
            ),
        ));
    }
    // Cluster-wide policies the live source was not allowed to read.
    if !engine.snapshot().unread_cluster_policies.is_empty() {
        out.push(Note::new(
            "cluster-policies-unread",
            format!(
                "the {} of the cluster could not be read (forbidden): this verdict ignores the tiers they may set \
                 (cluster-wide Admin and Baseline tiers, or Calico's)",
                engine
                    .snapshot()
                    .unread_cluster_policies
                    .iter()
                    .map(|k| format!("{k}s"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        ));
    }
    // What a policy layer could not decide from the cluster's state, or assumed.
    for note in verdict.egress.layers.iter().chain(&verdict.ingress.layers).flat_map(|l| &l.notes) {
        if !note.kind.starts_with("hint-") && !out.contains(note) {
            out.push(note.clone());
        }
    }
    if !engine.snapshot().calico.is_empty() {
        out.extend(super::calico::layer::cluster_notes(engine, from, to, query, verdict));
    }
    out
}

/// The policies of the sides' namespaces by name, built once per verdict: the hints look up
/// each deciding policy, and a search of the namespace's list per policy made `why` quadratic in
/// the number of policies isolating a pod (issue 11.9). The first policy of a name wins, as the
/// verdict's evidence lists it.
struct PolicyIndex<'s> {
    by_name: HashMap<(&'s str, &'s str), &'s Policy>,
}

impl<'s> PolicyIndex<'s> {
    fn new(engine: &Engine<'s>, verdict: &Verdict) -> Self {
        let mut by_name = HashMap::new();
        let mut namespaces: Vec<&str> =
            verdict.egress.policies.iter().chain(&verdict.ingress.policies).map(|p| p.namespace.as_str()).collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        for ns in namespaces {
            for &policy in engine.policies_in(ns) {
                by_name.entry((policy.namespace.as_str(), policy.name.as_str())).or_insert(policy);
            }
        }
        PolicyIndex { by_name }
    }

    fn get(&self, namespace: &str, name: &str) -> Option<&'s Policy> {
        self.by_name.get(&(namespace, name)).copied()
    }
}

pub(crate) fn hints(engine: &Engine, from: Endpoint, to: Endpoint, query: PortQuery, verdict: &Verdict) -> Vec<Note> {
    let mut out = Vec::new();
    if verdict.override_reason.is_none() {
        let index = PolicyIndex::new(engine, verdict);
        for side in [&verdict.egress, &verdict.ingress] {
            miss_hints(&index, side, &mut out);
        }
        if let (Endpoint::Pod(dst), PortQuery::Port { port, protocol }) = (to, query) {
            service_port_hints(engine, &index, dst, port, protocol, verdict, &mut out);
        }
        if let Endpoint::Pod(dst) = to {
            cluster_ip_hints(engine, &index, dst, verdict, &mut out);
        }
        ignored_rules_hints(engine, from, to, &mut out);
        or_permissive_hints(&index, verdict, &mut out);
        for side in [&verdict.egress, &verdict.ingress] {
            tier_hints(side, &mut out);
        }
    }
    // What a policy layer suggests (kinds `hint-…` of its evidence).
    for note in verdict.egress.layers.iter().chain(&verdict.ingress.layers).flat_map(|l| &l.notes) {
        if note.kind.starts_with("hint-") && !out.contains(note) {
            out.push(note.clone());
        }
    }
    if let Endpoint::Pod(src) = from {
        dns_hint(engine, src, to, &mut out);
        mesh_hint(engine, src, to, &mut out);
    }
    out.dedup();
    out
}

fn describe_rule(r: &RuleEvidence, direction: Direction) -> String {
    let priority = r.priority.map(|p| format!(", priority {p}")).unwrap_or_default();
    let name = r.rule_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    format!("{} {}{priority}: {}[{}]{name} {}", r.kind, r.name, direction.as_str(), r.rule, r.action)
}

/// Hints on the cluster-wide tiers, for a blocked side: an Admin-tier deny no namespace policy
/// can override (who to ask), a Baseline-tier deny a NetworkPolicy would override, and a Pass
/// that falls through to a deny.
fn tier_hints(side: &Side, out: &mut Vec<Note>) {
    if side.allowed || side.layers.is_empty() {
        return;
    }
    let Some((layer, rule)) = side.denied_by() else { return };
    let namespace = side.subject.split_once('/').map_or(side.subject.as_str(), |(ns, _)| ns);
    let dir = side.direction.as_str();
    match (layer.layer.as_str(), rule) {
        ("admin", Some(r)) => out.push(Note::new(
            "admin-deny",
            format!(
                "{} denies this {dir} in the Admin tier, above every namespace's policies: no NetworkPolicy can \
                 override it. Ask the cluster's administrators (who manage the {} objects) to add an {} rule before it, or to \
                 narrow it",
                describe_rule(r, side.direction),
                r.kind,
                if r.kind == "ClusterNetworkPolicy" { "Accept" } else { "Allow" }
            ),
        )),
        ("baseline", Some(r)) => out.push(Note::new(
            "baseline-deny",
            format!(
                "{} denies this {dir} by default, in the Baseline tier: a NetworkPolicy in namespace {namespace} that \
                 selects {} and allows this {dir} overrides it (--suggest prints one; a NetworkPolicy isolates the \
                 pods it selects, so it must allow all of their {dir})",
                describe_rule(r, side.direction),
                side.subject
            ),
        )),
        _ => {}
    }
    if let Some(pass) = side.layers.iter().find(|l| l.layer == "admin" && l.decision == Outcome::Pass)
        && let Some(p) = pass.rules.iter().find(|r| r.decision == Outcome::Pass)
        && layer.layer != "admin"
    {
        let then = match (layer.layer.as_str(), rule) {
            ("networkpolicy", _) => {
                format!("the NetworkPolicies of namespace {namespace} isolate {} and deny it", side.subject)
            }
            (_, Some(r)) => format!("{} then denies it", describe_rule(r, side.direction)),
            _ => format!("the {} layer then denies it", layer.layer),
        };
        out.push(Note::new(
            "pass-then-deny",
            format!(
                "{} hands this {dir} on to the namespace's policies (Pass), and {then}",
                describe_rule(p, side.direction)
            ),
        ));
    }
}

/// Hints read off the nearest misses: AND/OR confusion and namespace labels that would match.
fn miss_hints(index: &PolicyIndex, side: &Side, out: &mut Vec<Note>) {
    for p in &side.policies {
        let Some(miss) = &p.nearest_miss else { continue };
        let (Some(rule), Some(peer)) = (miss.rule, miss.peer) else { continue };
        let field = if side.direction == Direction::Ingress { "from" } else { "to" };
        match &miss.peer_miss {
            Some(PeerMiss::Labels { pod, namespace, peer_namespace, both_selectors, .. }) => {
                // Splitting is only advice when the selector that matched narrows something: a
                // `{}` on its own would admit every pod of the policy's namespace, or of the cluster.
                let matched_is_empty =
                    index
                        .get(&p.namespace, &p.name)
                        .and_then(|x| rules_for(x, side.direction).get(rule))
                        .and_then(|r| r.peers.get(peer))
                        .is_some_and(|entry| match entry {
                            Peer::Selectors { pod_selector: Some(ps), namespace_selector: Some(ns) } => {
                                if pod.is_empty() { ps.is_empty() } else { ns.is_empty() }
                            }
                            _ => false,
                        });
                if *both_selectors && (pod.is_empty() != namespace.is_empty()) && !matched_is_empty {
                    let (ok, bad) = if pod.is_empty() {
                        ("podSelector", "namespaceSelector")
                    } else {
                        ("namespaceSelector", "podSelector")
                    };
                    out.push(Note::new(
                        "and-not-or",
                        format!(
                            "policy {}/{} {}[{rule}].{field}[{peer}] puts podSelector and namespaceSelector in one entry, \
                             which means AND: its {ok} matches but its {bad} does not. If either should suffice (OR), \
                             write them as two entries (`- podSelector: ...` and `- namespaceSelector: ...`)",
                            p.namespace, p.name, side.direction.as_str()
                        ),
                    ));
                }
                if pod.is_empty() && !namespace.is_empty() && namespace.iter().all(|u| u.actual.is_none()) {
                    let wanted = exact_labels(namespace);
                    if !wanted.is_empty() {
                        out.push(Note::new(
                            "namespace-label",
                            format!(
                                "namespace {peer_namespace} would match policy {}/{} if it had the label{} {}: \
                                 kubectl label namespace {peer_namespace} {}",
                                p.namespace,
                                p.name,
                                if wanted.len() > 1 { "s" } else { "" },
                                wanted.join(", "),
                                wanted.join(" ")
                            ),
                        ));
                    }
                }
            }
            Some(PeerMiss::OtherNamespace { policy_namespace, peer_namespace, pod }) if pod.is_empty() => {
                out.push(Note::new(
                    "pod-selector-namespace",
                    format!(
                        "policy {}/{} {}[{rule}].{field}[{peer}] has a podSelector without a namespaceSelector, so it \
                         only selects pods in {policy_namespace}; the peer is in {peer_namespace}. Add a \
                         namespaceSelector (e.g. kubernetes.io/metadata.name: {peer_namespace}) to the same entry",
                        p.namespace,
                        p.name,
                        side.direction.as_str()
                    ),
                ));
            }
            _ => {}
        }
    }
}

/// `key=value` labels that would satisfy these unmet requirements, when each one names exactly one
/// value (`k=v`, or `k in (v)`).
fn exact_labels(unmet: &[super::selector::Unmet]) -> Vec<String> {
    let mut out = Vec::new();
    for u in unmet {
        if let Some((k, v)) = u.requirement.split_once('=') {
            out.push(format!("{k}={v}"));
        } else if let Some(rest) = u.requirement.strip_prefix(&format!("{} in (", u.key))
            && let Some(v) = rest.strip_suffix(')')
            && !v.contains(',')
        {
            out.push(format!("{}={v}", u.key));
        } else {
            return Vec::new();
        }
    }
    out
}

/// The flow was evaluated at a Service's port while policy sees the pod's target port, or a rule
/// names a Service port instead of the target port.
fn service_port_hints(
    engine: &Engine,
    index: &PolicyIndex,
    dst: &Pod,
    port: u16,
    protocol: Protocol,
    verdict: &Verdict,
    out: &mut Vec<Note>,
) {
    for svc in service::services_selecting(engine.snapshot(), dst) {
        for sp in svc.ports.iter().filter(|sp| sp.protocol == protocol) {
            let Some(target) = service::target_port_on(sp, dst) else { continue };
            let pod_listens = dst.ports.iter().any(|cp| cp.port == port && cp.protocol == protocol);
            if sp.port == port && target != port && !pod_listens {
                out.push(Note::new(
                    "service-port",
                    format!(
                        "{port} is the port of Service {}/{}, which forwards to the pod's port {target}: NetworkPolicy \
                         applies after the Service translates the port, so ask about {target} (or use svc/{} as the \
                         destination)",
                        svc.namespace, svc.name, svc.name
                    ),
                ));
            }
        }
        // A rule allowing the Service port, where the pod is reached at the target port: on the
        // destination's ingress, and as much on the source's egress (a DNS egress rule on 53 while
        // CoreDNS listens on 5353 behind its Service), since policy applies after the Service
        // translated the port either way.
        for side in [&verdict.ingress, &verdict.egress] {
            if side.allowed {
                continue;
            }
            for p in &side.policies {
                let Some(miss) = &p.nearest_miss else { continue };
                if !miss.is_port_only() {
                    continue;
                }
                let Some(rule) = miss.rule else { continue };
                let Some(policy) = index.get(&p.namespace, &p.name) else { continue };
                let Some(rule_ports) = rules_for(policy, side.direction).get(rule).map(|r| &r.ports) else { continue };
                for pp in rule_ports {
                    let Some(PortRef::Number(n)) = pp.port else { continue };
                    if let Some(sp) = svc.ports.iter().find(|sp| sp.port == n && sp.protocol == pp.protocol)
                        && service::target_port_on(sp, dst) == Some(port)
                        && n != port
                    {
                        out.push(Note::new(
                            "policy-uses-service-port",
                            format!(
                                "policy {}/{} {}[{rule}] allows port {n}, the port of Service {}/{}; traffic reaches \
                                 the pod at the target port {port}, so the policy must allow {port}{}",
                                p.namespace,
                                p.name,
                                side.direction.as_str(),
                                svc.namespace,
                                svc.name,
                                match &sp.target_port {
                                    PortRef::Name(name) => format!(" (or the named port {name})"),
                                    PortRef::Number(_) => String::new(),
                                }
                            ),
                        ));
                    }
                }
            }
        }
    }
}

/// An egress `ipBlock` naming a Service's ClusterIP: the Service translates the address before
/// NetworkPolicy sees the traffic, so the peer is always a backend pod and never the ClusterIP,
/// and such a rule never matches (unless its CIDR happens to cover the backends too).
fn cluster_ip_hints(engine: &Engine, index: &PolicyIndex, dst: &Pod, verdict: &Verdict, out: &mut Vec<Note>) {
    if verdict.egress.allowed {
        return;
    }
    let snapshot = engine.snapshot();
    let services: Vec<&super::model::Service> = snapshot
        .services
        .iter()
        .filter(|svc| !svc.cluster_ips.is_empty() && svc.namespace == dst.namespace)
        .filter(|svc| {
            service::backends(snapshot, svc)
                .iter()
                .any(|b| b.pod().is_some_and(|p| p.namespace == dst.namespace && p.name == dst.name))
        })
        .collect();
    if services.is_empty() {
        return;
    }
    for p in &verdict.egress.policies {
        let Some(policy) = index.get(&p.namespace, &p.name) else { continue };
        for (r, rule) in rules_for(policy, Direction::Egress).iter().enumerate() {
            for (e, peer) in rule.peers.iter().enumerate() {
                let Peer::IpBlock(block) = peer else { continue };
                if dst.ips.iter().any(|ip| block.contains(*ip)) {
                    continue;
                }
                let Some((svc, cluster_ip)) = services
                    .iter()
                    .find_map(|svc| svc.cluster_ips.iter().find(|ip| block.contains(**ip)).map(|ip| (svc, ip)))
                else {
                    continue;
                };
                let backends: Vec<String> = dst.ips.iter().map(ToString::to_string).collect();
                out.push(Note::new(
                    "ip-block-cluster-ip",
                    format!(
                        "policy {}/{} egress[{r}].to[{e}] ipBlock {} covers {cluster_ip}, the ClusterIP of Service \
                         {}/{}: NetworkPolicy sees the traffic after the Service translated the address, to a \
                         backend pod ({}), never to the ClusterIP. Allow the backends instead: a podSelector with a \
                         namespaceSelector for their labels and namespace",
                        p.namespace,
                        p.name,
                        block.cidr,
                        svc.namespace,
                        svc.name,
                        if backends.is_empty() {
                            format!("{}/{}", dst.namespace, dst.name)
                        } else {
                            backends.join(", ")
                        }
                    ),
                ));
            }
        }
    }
}

/// Rules present but ignored: a policy selecting the subject with rules for a direction that its
/// `policyTypes` does not list.
fn ignored_rules_hints(engine: &Engine, from: Endpoint, to: Endpoint, out: &mut Vec<Note>) {
    for (pod, direction) in [(from.pod(), Direction::Egress), (to.pod(), Direction::Ingress)] {
        let Some(pod) = pod else { continue };
        for policy in engine.policies_in(&pod.namespace) {
            if !has_type(policy, direction)
                && !rules_for(policy, direction).is_empty()
                && policy.pod_selector.matches(&pod.labels)
            {
                out.push(Note::new(
                    "rules-ignored",
                    format!(
                        "policy {}/{} has {} rules, but its policyTypes{} does not include {}: those rules have no \
                         effect. Add {} to policyTypes",
                        policy.namespace,
                        policy.name,
                        direction.as_str(),
                        if policy.types_defaulted { " (defaulted, as it was absent)" } else { "" },
                        capitalized(direction),
                        capitalized(direction)
                    ),
                ));
            }
        }
    }
}

/// An allow through a namespaceSelector-only entry sitting next to a podSelector-only entry in the
/// same rule: often meant as one AND entry, and much wider than intended.
fn or_permissive_hints(index: &PolicyIndex, verdict: &Verdict, out: &mut Vec<Note>) {
    for side in [&verdict.egress, &verdict.ingress] {
        for p in &side.policies {
            let Some(policy) = index.get(&p.namespace, &p.name) else { continue };
            let rules = rules_for(policy, side.direction);
            for m in &p.matches {
                let Some(peer) = m.peer else { continue };
                let peers = &rules[m.rule].peers;
                let ns_only =
                    matches!(&peers[peer], Peer::Selectors { pod_selector: None, namespace_selector: Some(_) });
                let sibling_pod_only = peers.iter().any(|x| {
                    matches!(x, Peer::Selectors { pod_selector: Some(s), namespace_selector: None } if !s.is_empty())
                });
                if ns_only && sibling_pod_only {
                    let field = if side.direction == Direction::Ingress { "from" } else { "to" };
                    out.push(Note::new(
                        "or-not-and",
                        format!(
                            "policy {}/{} {}[{}].{field}[{peer}] is a namespaceSelector on its own, which admits every \
                             pod of the matching namespaces; the podSelector beside it is a separate entry (OR). If \
                             you meant only those pods in those namespaces, put both selectors in one entry",
                            p.namespace,
                            p.name,
                            side.direction.as_str(),
                            m.rule
                        ),
                    ));
                }
            }
        }
    }
}

/// The source's egress is isolated and DNS is not allowed: names will not resolve.
fn dns_hint(engine: &Engine, src: &Pod, to: Endpoint, out: &mut Vec<Note>) {
    if src.host_network || engine.isolating(src, Direction::Egress).next().is_none() {
        return;
    }
    // NodeLocal DNSCache: pods ask a link-local address on their node before the DNS pods.
    if let Some(addresses) = service::node_local_dns_addresses(engine.snapshot()) {
        for ip in addresses.into_iter().filter(|ip| matches!(ip, std::net::IpAddr::V4(v4) if v4.is_link_local())) {
            let dst = Endpoint::Ip(ip);
            let query = PortQuery::Port { port: 53, protocol: Protocol::Udp };
            if !engine.side(Direction::Egress, Endpoint::Pod(src), dst, dst, query, false).allowed {
                out.push(Note::new(
                    "dns-blocked",
                    format!(
                        "{}/{} has isolated egress and may not reach NodeLocal DNSCache at {ip} on UDP 53: name lookups will fail. Allow egress to {ip}/32 on UDP and TCP 53 (kubectl deny init adds it to \
                         allow-dns)",
                        src.namespace, src.name
                    ),
                ));
                return;
            }
        }
    }
    let targets = service::dns_targets(engine.snapshot());
    if let Endpoint::Pod(dst) = to
        && targets.iter().any(|t| t.pod.namespace == dst.namespace && t.pod.name == dst.name)
    {
        return;
    }
    let mut blocked = Vec::new();
    for t in &targets {
        for (port, protocol) in [(t.udp_port, Protocol::Udp), (t.tcp_port, Protocol::Tcp)] {
            let Some(port) = port else { continue };
            let query = PortQuery::Port { port, protocol };
            let dst = Endpoint::Pod(&t.pod);
            if !engine.side(Direction::Egress, Endpoint::Pod(src), dst, dst, query, false).allowed {
                blocked.push(format!("{protocol} {port}"));
            }
        }
        if !blocked.is_empty() {
            let mut msg = format!(
                "{}/{} has isolated egress and may not reach the cluster DNS ({}) on {}: name lookups will fail",
                src.namespace,
                src.name,
                t.description,
                blocked.join(" and ")
            );
            let _ = write!(
                msg,
                ". Allow egress to the DNS pods on UDP and TCP {} (kubectl deny init adds allow-dns)",
                t.udp_port.or(t.tcp_port).unwrap_or(53)
            );
            out.push(Note::new("dns-blocked", msg));
            return;
        }
    }
}

/// A mesh sidecar in a source with isolated egress must still reach its control plane, or the
/// proxy gets no configuration or certificates and the pod never becomes ready. Checked against
/// the control-plane pods when they were read; otherwise said, with the command that checks it.
fn mesh_hint(engine: &Engine, src: &Pod, to: Endpoint, out: &mut Vec<Note>) {
    let Some(mesh) = src.mesh else { return };
    if src.host_network || engine.isolating(src, Direction::Egress).next().is_none() {
        return;
    }
    let pods = &engine.snapshot().pods;
    let mut unknown = Vec::new();
    let mut blocked = Vec::new();
    for cp in mesh.control_plane() {
        let (key, value) = cp.label;
        let plane: Vec<&Pod> = pods.iter().filter(|p| p.labels.get(key).is_some_and(|v| v == value)).collect();
        // Asking about the control plane itself: the verdict says it all.
        if let Endpoint::Pod(dst) = to
            && plane.iter().any(|p| p.namespace == dst.namespace && p.name == dst.name)
        {
            return;
        }
        let Some(first) = plane.first() else {
            unknown.push(cp);
            continue;
        };
        let dst = Endpoint::Pod(first);
        let query = PortQuery::Port { port: cp.port, protocol: Protocol::Tcp };
        if !engine.side(Direction::Egress, Endpoint::Pod(src), dst, dst, query, false).allowed {
            blocked.push((cp, format!("{}/{}", first.namespace, first.name)));
        }
    }
    let who = format!("{}/{}", src.namespace, src.name);
    let sidecar = format!("runs the {} sidecar ({})", mesh.name(), mesh.sidecar_container());
    if !blocked.is_empty() {
        let what: Vec<String> =
            blocked.iter().map(|(cp, pod)| format!("{} ({pod}) on TCP {}", cp.what, cp.port)).collect();
        let (cp, pod) = &blocked[0];
        out.push(Note::new(
            "mesh-control-plane-blocked",
            format!(
                "{who} {sidecar} but its egress may not reach {}: the proxy gets no configuration or certificates, \
                 so the pod does not become ready. kubectl deny why {who} {pod}:{} --suggest prints a policy that \
                 allows it{}",
                what.join(" and "),
                cp.port,
                if blocked.len() > 1 { " (likewise for the other ports)" } else { "" }
            ),
        ));
    } else if !unknown.is_empty() {
        let what: Vec<String> = unknown.iter().map(|cp| format!("{} on TCP {}", cp.what, cp.port)).collect();
        out.push(Note::new(
            "mesh-sidecar",
            format!(
                "{who} {sidecar} and its egress is isolated: the proxy needs egress to {} for its configuration and \
                 certificates, or the pod does not become ready; check with kubectl deny why {who} {}:{}{}",
                what.join(", "),
                unknown[0].workload,
                unknown[0].port,
                if unknown.len() > 1 { " (likewise for the other ports)" } else { "" }
            ),
        ));
    }
}

fn capitalized(d: Direction) -> &'static str {
    match d {
        Direction::Ingress => "Ingress",
        Direction::Egress => "Egress",
    }
}

/// Whether any policy deciding this flow has an ipBlock entry.
fn sides_use_ip_blocks(engine: &Engine, from: Endpoint, to: Endpoint) -> bool {
    [(from.pod(), Direction::Egress), (to.pod(), Direction::Ingress)].into_iter().any(|(pod, dir)| {
        pod.is_some_and(|pod| {
            engine
                .isolating(pod, dir)
                .any(|p| rules_for(p, dir).iter().any(|r| r.peers.iter().any(|x| matches!(x, Peer::IpBlock(_)))))
        })
    })
}

/// A namespace whose labels were not read, consulted by a namespaceSelector of a deciding policy.
fn unknown_namespace_consulted(engine: &Engine, from: Endpoint, to: Endpoint) -> Option<String> {
    for (subject, other, dir) in [(from, to, Direction::Egress), (to, from, Direction::Ingress)] {
        let (Some(subject), Some(other)) = (subject.pod(), other.pod()) else { continue };
        if engine.namespace_labels(&other.namespace).known {
            continue;
        }
        let consults = engine.isolating(subject, dir).any(|p| {
            rules_for(p, dir).iter().any(|r| {
                r.peers.iter().any(|x| {
                    matches!(x, Peer::Selectors { namespace_selector: Some(s), .. }
                        if !s.is_empty() && !only_name_label(s))
                })
            })
        });
        if consults {
            return Some(other.namespace.clone());
        }
    }
    None
}

/// A selector that only looks at `kubernetes.io/metadata.name`, which is always known.
fn only_name_label(s: &super::model::Selector) -> bool {
    s.match_labels.iter().all(|(k, _)| k == super::model::NAMESPACE_NAME_LABEL)
        && s.match_expressions.iter().all(|r| r.key == super::model::NAMESPACE_NAME_LABEL)
}

#[cfg(test)]
mod tests {
    use super::super::model::Protocol::{Tcp, Udp};
    use super::super::model::{Service, ServicePort, Snapshot};
    use super::super::testkit::*;
    use super::*;

    /// CoreDNS listening on 5353 behind the kube-dns Service on 53, and an app with a default
    /// deny and an egress rule for DNS: `dns_rule_port` is the port that rule allows, `extra` are
    /// more egress rules.
    fn dns_cluster(dns_rule_port: u16, extra: Vec<super::super::model::Rule>) -> Snapshot {
        let mut rules = vec![rule(
            vec![and_peer(sel(&[("kubernetes.io/metadata.name", "kube-system")]), sel(&[("k8s-app", "kube-dns")]))],
            vec![port(Udp, dns_rule_port), port(Tcp, dns_rule_port)],
        )];
        rules.extend(extra);
        let mut s = snapshot(
            vec![namespace("kube-system", &[]), namespace("shop", &[])],
            vec![
                with_ports(
                    pod("kube-system", "coredns-1", &[("k8s-app", "kube-dns")], "10.244.0.5"),
                    &[("dns", 5353, Udp), ("dns-tcp", 5353, Tcp)],
                ),
                pod("shop", "web", &[("app", "web")], "10.244.1.7"),
            ],
            vec![policy("shop", "allow-dns", sel(&[])).egress(rules).build()],
        );
        s.services.push(Service {
            namespace: "kube-system".into(),
            name: "kube-dns".into(),
            selector: Some(labels(&[("k8s-app", "kube-dns")])),
            ports: vec![
                ServicePort {
                    name: Some("dns".into()),
                    port: 53,
                    target_port: PortRef::Name("dns".into()),
                    protocol: Udp,
                },
                ServicePort {
                    name: Some("dns-tcp".into()),
                    port: 53,
                    target_port: PortRef::Name("dns-tcp".into()),
                    protocol: Tcp,
                },
            ],
            cluster_ips: vec![ip("10.96.0.10")],
            endpoints: vec![],
        });
        s
    }

    fn hints_for(s: &Snapshot, port: u16, protocol: Protocol) -> Vec<Note> {
        let engine = Engine::new(s);
        let web = s.pods.iter().find(|p| p.name == "web").unwrap();
        let dns = s.pods.iter().find(|p| p.name == "coredns-1").unwrap();
        let v = engine.evaluate(Endpoint::Pod(web), Endpoint::Pod(dns), PortQuery::Port { port, protocol });
        assert!(!v.allowed, "the flow is blocked");
        v.hints
    }

    #[test]
    fn an_egress_rule_on_the_service_port_gets_the_service_port_hint() {
        let hints = hints_for(&dns_cluster(53, vec![]), 5353, Udp);
        let hint = hints.iter().find(|h| h.kind == "policy-uses-service-port").expect("the hint");
        assert_eq!(
            hint.message,
            "policy shop/allow-dns egress[0] allows port 53, the port of Service kube-system/kube-dns; traffic reaches \
             the pod at the target port 5353, so the policy must allow 5353 (or the named port dns)"
        );
        let tcp = hints_for(&dns_cluster(53, vec![]), 5353, Tcp);
        assert!(tcp.iter().any(|h| h.message.contains("(or the named port dns-tcp)")), "{tcp:?}");
    }

    #[test]
    fn an_egress_rule_on_the_target_port_gets_no_service_port_hint() {
        let s = dns_cluster(5353, vec![]);
        let engine = Engine::new(&s);
        let (web, dns) = (&s.pods[1], &s.pods[0]);
        let v = engine.evaluate(Endpoint::Pod(web), Endpoint::Pod(dns), PortQuery::Port { port: 5353, protocol: Udp });
        assert!(v.allowed);
        assert!(!v.hints.iter().any(|h| h.kind == "policy-uses-service-port"), "{:?}", v.hints);
    }

    #[test]
    fn an_ip_block_naming_a_cluster_ip_gets_its_hint() {
        let s = dns_cluster(1, vec![rule(vec![ip_peer("10.96.0.10/32", &[])], vec![port(Udp, 53)])]);
        let hints = hints_for(&s, 5353, Udp);
        let hint = hints.iter().find(|h| h.kind == "ip-block-cluster-ip").expect("the hint");
        assert_eq!(
            hint.message,
            "policy shop/allow-dns egress[1].to[0] ipBlock 10.96.0.10/32 covers 10.96.0.10, the ClusterIP of Service \
             kube-system/kube-dns: NetworkPolicy sees the traffic after the Service translated the address, to a \
             backend pod (10.244.0.5), never to the ClusterIP. Allow the backends instead: a podSelector with a \
             namespaceSelector for their labels and namespace"
        );
    }

    #[test]
    fn an_ip_block_that_also_covers_the_backends_gets_no_cluster_ip_hint() {
        // 10.0.0.0/8 holds the Service range and the pod network alike: it matches the backend.
        let s = dns_cluster(1, vec![rule(vec![ip_peer("10.0.0.0/8", &[])], vec![port(Udp, 53)])]);
        let hints = hints_for(&s, 5353, Udp);
        assert!(!hints.iter().any(|h| h.kind == "ip-block-cluster-ip"), "{hints:?}");
    }

    #[test]
    fn an_ip_block_of_another_address_gets_no_cluster_ip_hint() {
        let s = dns_cluster(1, vec![rule(vec![ip_peer("10.96.0.11/32", &[])], vec![port(Udp, 53)])]);
        let hints = hints_for(&s, 5353, Udp);
        assert!(!hints.iter().any(|h| h.kind == "ip-block-cluster-ip"), "{hints:?}");
    }

    #[test]
    fn hints_look_policies_up_by_name_once_per_verdict() {
        // Many policies isolating one pod, each a near miss: every hint finds its policy through
        // the index, including the last one of a large namespace (issue 11.9).
        let mut policies: Vec<Policy> = (0..2000)
            .map(|i| {
                policy("shop", &format!("p{i}"), sel(&[("app", "db")]))
                    .ingress(vec![rule(vec![and_peer(sel(&[("team", "x")]), sel(&[("app", "web")]))], vec![])])
                    .build()
            })
            .collect();
        policies.push(policy("shop", "p0", sel(&[("app", "other")])).ingress(vec![]).build());
        let s = snapshot(
            vec![namespace("shop", &[])],
            vec![pod("shop", "web", &[("app", "web")], "10.0.0.1"), pod("shop", "db", &[("app", "db")], "10.0.0.2")],
            policies,
        );
        let engine = Engine::new(&s);
        let v = engine.evaluate(Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]), PortQuery::ANY);
        let and_not_or = v.hints.iter().filter(|h| h.kind == "and-not-or").count();
        assert_eq!(and_not_or, 2000, "one per isolating policy, the first of a duplicated name included");
    }
}
