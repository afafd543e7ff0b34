//! Cilium: CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy, and NetworkPolicy as Cilium
//! enforces it, as ONE layer of the pipeline ("networkpolicy+cilium") that replaces the
//! NetworkPolicy layer on a cluster running Cilium or holding Cilium policies.
//!
//! Per side of a flow (Cilium's documentation, security/policy: intro, layer3, layer4, deny,
//! kubernetes):
//!
//! 1. Deny rules (`ingressDeny`/`egressDeny`) of any CNP or CCNP selecting the subject win over
//!    every allow of any policy, NetworkPolicy included: the ports they match are denied.
//! 2. The subject is isolated in a direction once a NetworkPolicy isolates it, or a Cilium rule
//!    selecting it has allow or deny rules in that direction (`ingress: [{}]` isolates and allows
//!    nothing; `ingress: []` isolates nothing), unless that rule says `enableDefaultDeny: false`.
//! 3. An isolated subject is allowed what the union of its NetworkPolicies' rules (evaluated by
//!    `netpol::NetworkPolicies`, not copied) and every selecting Cilium allow rule allows; the rest
//!    is denied. A subject no policy isolates gets no opinion: allowed, deny rules aside.
//!
//! Peers are identities (`model::Identity`): a pod (its labels Cilium keeps, plus the namespace
//! labels Cilium adds), the host (the subject's own node), a remote node, the API server, or the
//! world. CIDR rules, and NetworkPolicy `ipBlock`s on Cilium, match only addresses outside the
//! cluster. What cannot be decided from the cluster's state (`toFQDNs`, `toServices`, `toGroups`,
//! an unread CiliumCIDRGroup, host policies) and what is checked above L4 at runtime (HTTP and DNS
//! rules, TLS SNI, mutual authentication) are notes on the layer's evidence, which become caveats of
//! the verdict: never a silent guess. Assumptions on agent options and versions are notes too.

mod model;

use std::collections::BTreeSet;
use std::net::IpAddr;

pub use model::*;

use super::coverage;
use super::flow::{Endpoint, Engine};
use super::model::{ContainerPort, IpBlock, Labels, Pod, Policy, PortRef, Protocol, Snapshot};
use super::pipeline::{Answer, Coverage, Decision, Layer, LayerCoverage, LayerPlan, Ports, Row, SideQuery};
use super::ports::PortSet;
use super::verdict::{Direction, LayerEvidence, Miss, MissKind, Note, Outcome, RuleEvidence, RuleMiss, Side};

/// The layer's name in evidence.
pub const LAYER: &str = "networkpolicy+cilium";

/// Whether the cluster's policies are Cilium's: Cilium policies were read, or the network plugin
/// is Cilium (then NetworkPolicy follows Cilium's semantics too).
pub fn in_use(snapshot: &Snapshot) -> bool {
    !snapshot.cilium_policies.is_empty()
        || super::cni::detect(&snapshot.daemonsets).detected.iter().any(|d| d.plugin == super::cni::Plugin::Cilium)
}

/// Whether a policy's selectors look at namespace labels (`io.cilium.k8s.namespace.labels.*`),
/// which the live source then reads.
pub fn consults_namespace_labels(policy: &CiliumPolicy) -> bool {
    let looks = |s: &CiliumSelector| {
        let keys =
            s.selector.match_labels.iter().map(|(k, _)| k).chain(s.selector.match_expressions.iter().map(|r| &r.key));
        keys.map(|k| k.split_once(':').map_or(k.as_str(), |(_, k)| k)).any(|k| k.starts_with(NAMESPACE_LABELS_PREFIX))
    };
    policy.rules.iter().any(|r| {
        matches!(&r.subject, Subject::Endpoints(s) if looks(s))
            || r.ingress
                .iter()
                .chain(&r.egress)
                .chain(&r.ingress_deny)
                .chain(&r.egress_deny)
                .any(|pr| pr.endpoints.iter().flatten().chain(&pr.requires).any(looks))
    })
}

/// The layer, built once per snapshot.
pub struct CiliumLayer<'s> {
    snapshot: &'s Snapshot,
    /// The policies, clusterwide first, then by namespace and name (whatever order the source
    /// read them in: evidence reads the same from files and from the API).
    policies: Vec<&'s CiliumPolicy>,
    /// The addresses of the API server (the endpoints of `default/kubernetes`).
    apiservers: Vec<IpAddr>,
}

impl<'s> CiliumLayer<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        let apiservers = snapshot
            .services
            .iter()
            .filter(|s| s.namespace == "default" && s.name == "kubernetes")
            .flat_map(|s| s.endpoints.iter().map(|e| e.ip))
            .collect();
        let mut policies: Vec<&CiliumPolicy> = snapshot.cilium_policies.iter().collect();
        policies.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        CiliumLayer { snapshot, policies, apiservers }
    }

    /// The identity of `peer` as seen from `subject` (whose node is "host").
    fn identity(&self, engine: &Engine<'_>, subject: &Pod, peer: Endpoint<'_>) -> Identity {
        let node_identity = |node: Option<&str>, ips: &[IpAddr]| {
            let apiserver = ips.iter().any(|ip| self.apiservers.contains(ip));
            if node.is_some() && node == subject.node.as_deref() {
                Identity::Host { apiserver }
            } else {
                Identity::RemoteNode { apiserver }
            }
        };
        match peer {
            Endpoint::Pod(p) if p.host_network => node_identity(p.node.as_deref(), &p.ips),
            Endpoint::Pod(p) => Identity::Pod(pod_labels(engine, p)),
            Endpoint::Ip(ip) => {
                if let Some(node) = engine.node_with_address(ip) {
                    return node_identity(Some(&node.name), &[ip]);
                }
                if self.apiservers.contains(&ip) {
                    return Identity::ApiServer;
                }
                if let Some(p) = self.snapshot.pods.iter().find(|p| !p.host_network && p.ips.contains(&ip)) {
                    return Identity::Pod(pod_labels(engine, p));
                }
                Identity::World { ipv6: ip.is_ipv6() }
            }
        }
    }

    /// The rules selecting `pod` as their subject, with their policies, in policy order.
    fn selecting<'a>(
        &'a self,
        identity: &'a Labels,
        namespace: &'a str,
    ) -> impl Iterator<Item = (&'s CiliumPolicy, &'s CiliumRule)> + 'a {
        self.policies
            .iter()
            .copied()
            .filter(move |p| p.namespace.as_deref().is_none_or(|ns| ns == namespace))
            .flat_map(|p| p.rules.iter().map(move |r| (p, r)))
            .filter(move |(_, r)| matches!(&r.subject, Subject::Endpoints(sel) if sel.matches(identity)))
    }

    fn host_policies(&self) -> impl Iterator<Item = (&'s CiliumPolicy, &'s CiliumSelector)> + '_ {
        self.policies.iter().copied().flat_map(|p| {
            p.rules.iter().filter_map(move |r| match &r.subject {
                Subject::Nodes(sel) => Some((p, sel)),
                Subject::Endpoints(_) => None,
            })
        })
    }

    /// Whether the L3 part of `rule` admits `peer`.
    fn l3(&self, rule: &PeerRule, peer: &Identity, peer_ip: Option<IpAddr>, notes: &mut Vec<Note>) -> L3 {
        if !rule.has_peer_member() && rule.requires.is_empty() {
            return if rule.ports.is_empty() && !rule.icmps {
                L3::Miss("an empty rule `{}` matches no peer".to_string(), 3)
            } else {
                L3::Match("every peer (a toPorts rule without a peer)".to_string())
            };
        }
        if !rule.has_peer_member() {
            return L3::Miss("a fromRequires/toRequires rule only adds requirements to other rules".to_string(), 3);
        }
        let labels = peer.labels();
        let mut texts = Vec::new();
        if let Some(selectors) = &rule.endpoints {
            match selectors.iter().find(|s| s.matches(&labels)) {
                Some(s) => texts.push(format!("endpoints {s}")),
                None => {
                    let best = selectors.iter().map(|s| (s, s.selector.failures(&labels))).min_by_key(|(_, f)| f.len());
                    let cost = best.as_ref().map_or(3, |(_, f)| f.len().max(1));
                    let why = match (best, peer) {
                        (Some((s, unmet)), Identity::Pod(_)) => {
                            let unmet: Vec<String> = unmet.iter().map(|u| shown_requirement(&u.requirement)).collect();
                            format!("endpoints {s}: the peer does not have {}", unmet.join(", "))
                        }
                        (Some((s, _)), other) => format!("endpoints {s}: the peer is {}, not a pod", other.describe()),
                        (None, _) => "an empty endpoints list selects nothing".to_string(),
                    };
                    return L3::Miss(why, cost);
                }
            }
        }
        if let Some(entities) = &rule.entities {
            match entities.iter().find(|e| peer.is_entity(**e)) {
                Some(e) => texts.push(format!("entity {}", e.as_str())),
                None => {
                    let names: Vec<&str> = entities.iter().map(|e| e.as_str()).collect();
                    return L3::Miss(format!("entities [{}]: the peer is {}", names.join(", "), peer.describe()), 2);
                }
            }
        }
        if let Some(cidrs) = &rule.cidrs {
            let mut matched = None;
            let mut would_match = false;
            let mut undecided = Vec::new();
            for entry in cidrs {
                let blocks: Vec<IpBlock> = match entry {
                    CidrEntry::Block(b) => vec![b.clone()],
                    CidrEntry::GroupRef(name) => {
                        match self.snapshot.cilium_cidr_groups.iter().find(|(n, _)| n == name) {
                            Some((_, nets)) => nets.iter().map(|n| IpBlock { cidr: *n, except: vec![] }).collect(),
                            None => {
                                undecided.push(format!("CiliumCIDRGroup {name} was not read"));
                                continue;
                            }
                        }
                    }
                    CidrEntry::GroupSelector(text) => {
                        undecided
                            .push(format!("cidrGroupSelector {text}: CiliumCIDRGroups by label are not evaluated"));
                        continue;
                    }
                };
                if let Some(ip) = peer_ip
                    && blocks.iter().any(|b| b.contains(ip))
                {
                    would_match = true;
                    if peer.cidr_applies() {
                        matched = Some(entry.to_string());
                        break;
                    }
                }
            }
            match matched {
                Some(text) => texts.push(format!("CIDR {text}")),
                None => {
                    let listed: Vec<String> = cidrs.iter().map(ToString::to_string).collect();
                    if !peer.cidr_applies() {
                        if would_match {
                            notes.push(cidr_assumption());
                        }
                        return L3::Miss(
                            format!(
                                "CIDR [{}]: the peer is {}, and CIDR rules match only addresses outside the cluster",
                                listed.join(", "),
                                peer.describe()
                            ),
                            2,
                        );
                    }
                    if !undecided.is_empty() {
                        return L3::Undecidable(undecided.join("; "));
                    }
                    return L3::Miss(format!("CIDR [{}]: {} is not inside", listed.join(", "), ip_text(peer_ip)), 1);
                }
            }
        }
        if rule.nodes.is_some() {
            return L3::Undecidable(
                "fromNodes/toNodes select nodes by label (with enable-node-selector-labels), which kubectl-deny does not read"
                    .to_string(),
            );
        }
        if !rule.fqdns.is_empty() {
            if peer.cidr_applies() {
                return L3::Undecidable(format!(
                    "toFQDNs [{}] allows {} only if it is a DNS answer for one of these names that Cilium's DNS proxy \
                     saw; kubectl-deny cannot know DNS answers",
                    rule.fqdns.join(", "),
                    ip_text(peer_ip)
                ));
            }
            return L3::Miss(
                format!("toFQDNs [{}]: never applies to addresses inside the cluster", rule.fqdns.join(", ")),
                3,
            );
        }
        if !rule.services.is_empty() {
            return L3::Undecidable(format!(
                "toServices [{}] selects the Service's backends, which kubectl-deny does not evaluate",
                rule.services.join(", ")
            ));
        }
        if rule.groups > 0 {
            return L3::Undecidable(
                "toGroups names cloud provider groups (AWS security groups), resolved by the operator; not evaluated"
                    .to_string(),
            );
        }
        L3::Match(texts.join(" and "))
    }

    /// Whether `l3` answers `Match`, without building its texts (a matrix asks it for every
    /// group and rule): the same checks in the same order.
    fn l3_matches(&self, rule: &PeerRule, peer: &Identity, peer_ip: Option<IpAddr>) -> bool {
        if !rule.has_peer_member() && rule.requires.is_empty() {
            return !rule.ports.is_empty() || rule.icmps;
        }
        if !rule.has_peer_member() {
            return false;
        }
        if let Some(selectors) = &rule.endpoints {
            let reserved;
            let labels = match peer {
                Identity::Pod(labels) => labels,
                other => {
                    reserved = other.labels();
                    &reserved
                }
            };
            if !selectors.iter().any(|s| s.matches(labels)) {
                return false;
            }
        }
        if let Some(entities) = &rule.entities
            && !entities.iter().any(|e| peer.is_entity(*e))
        {
            return false;
        }
        if let Some(cidrs) = &rule.cidrs {
            let Some(ip) = peer_ip.filter(|_| peer.cidr_applies()) else { return false };
            let inside = cidrs.iter().any(|entry| match entry {
                CidrEntry::Block(b) => b.contains(ip),
                CidrEntry::GroupRef(name) => self
                    .snapshot
                    .cilium_cidr_groups
                    .iter()
                    .find(|(n, _)| n == name)
                    .is_some_and(|(_, nets)| nets.iter().any(|n| n.contains(&ip))),
                CidrEntry::GroupSelector(_) => false,
            });
            if !inside {
                return false;
            }
        }
        rule.nodes.is_none() && rule.fqdns.is_empty() && rule.services.is_empty() && rule.groups == 0
    }

    /// The requirements (`fromRequires`) of the rules selecting the subject that `peer` fails, as
    /// `CNP ns/name ingress[0] fromRequires {…}`.
    fn unmet_requires(
        &self,
        selecting: &[(&'s CiliumPolicy, &'s CiliumRule)],
        direction: Direction,
        labels: &Labels,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for (p, r) in selecting {
            for (i, pr) in r.allows(direction).iter().enumerate() {
                for s in &pr.requires {
                    if !s.matches(labels) {
                        let field = if direction == Direction::Ingress { "fromRequires" } else { "toRequires" };
                        out.push(format!("{} {} {field} {s}", p.short(), rule_name(r, direction, false, i)));
                    }
                }
            }
        }
        out
    }

    /// One side, every answer's work: see the module documentation.
    fn evaluate(&self, engine: &Engine<'_>, q: &SideQuery<'_>, ports: Ports<'_>, side: &mut Side) -> Answer {
        let detail = q.detail;
        let np = engine.network_policies();
        // The wrapped NetworkPolicy evaluation records its own evidence, never a layer of its own.
        let inner = SideQuery { layered: false, ..*q };
        let pod = match q.subject {
            Endpoint::Pod(p) if !p.host_network => p,
            _ => {
                let answer = np.answer(engine, &inner, ports, side);
                if detail {
                    let mut layer = LayerEvidence::of(LAYER, &answer);
                    self.host_policy_notes(engine, q, &mut layer.notes);
                    side.layers.push(layer);
                }
                return answer;
            }
        };
        let scope = match ports {
            Ports::One { port, protocol } => PortSet::single(protocol, port),
            Ports::Set(s) => s.clone(),
        };
        let dst_ports = q.destination.container_ports();
        let subject_labels = pod_labels(engine, pod);
        let peer = self.identity(engine, pod, q.peer);
        let peer_ip = match q.peer {
            Endpoint::Ip(ip) => Some(ip),
            Endpoint::Pod(p) => p.ips.first().copied(),
        };
        let selecting: Vec<(&CiliumPolicy, &CiliumRule)> = self.selecting(&subject_labels, &pod.namespace).collect();
        let mut layer = LayerEvidence::new(LAYER, Outcome::NoOpinion);
        // The misses of allow rules, with how far each is from matching (nearest first).
        let mut costs: Vec<(usize, RuleMiss)> = Vec::new();
        let mut notes: Vec<Note> = Vec::new();

        // 1. Deny rules.
        let mut denied = PortSet::empty();
        for (p, r) in &selecting {
            for (i, pr) in r.denies(q.direction).iter().enumerate() {
                let matched = match self.l3(pr, &peer, peer_ip, &mut notes) {
                    L3::Match(text) => text,
                    L3::Miss(..) => continue,
                    L3::Undecidable(why) => {
                        if detail {
                            notes.push(not_evaluated(p, rule_name(r, q.direction, true, i), &why, "deny"));
                        }
                        continue;
                    }
                };
                let hit = rule_ports(pr, dst_ports).intersection(&scope).difference(&denied);
                if hit.is_empty() {
                    continue;
                }
                denied.union_with(&hit);
                if !detail {
                    if let Ports::One { .. } = ports {
                        return Answer::One(Decision::Deny);
                    }
                    continue;
                }
                layer.rules.push(rule_evidence(p, r, q.direction, true, i, matched, port_text(pr, &hit, ports), &hit));
            }
        }
        let remaining = scope.difference(&denied);

        // 2. Isolation.
        let np_isolating: Vec<&Policy> = np.isolating(pod, q.direction).collect();
        let cilium_isolating: Vec<&(&CiliumPolicy, &CiliumRule)> =
            selecting.iter().filter(|(_, r)| r.isolates(q.direction)).collect();
        let isolated = !np_isolating.is_empty() || !cilium_isolating.is_empty();

        // 3. Allows: NetworkPolicy's and Cilium's, one list.
        let mut allowed = PortSet::empty();
        let mut plain = PortSet::empty();
        let mut above: Vec<(String, PortSet)> = Vec::new();
        // Allow rules (Cilium's or NetworkPolicy's) that match the flow but lose to a deny rule.
        let mut overruled: Vec<String> = Vec::new();
        if isolated || detail {
            for policy in &np_isolating {
                let evidence = np.evaluate_policy(engine, policy, &inner, ports);
                if detail && !denied.is_empty() {
                    let full = np.evaluate_policy(engine, policy, &inner, Ports::Set(&denied));
                    if full.allows {
                        overruled.push(format!("NetworkPolicy {}/{}", policy.namespace, policy.name));
                    }
                }
                if evidence.allows {
                    let got = evidence.allowed_ports.clone().unwrap_or_else(|| scope.clone()).intersection(&remaining);
                    allowed.union_with(&got);
                    plain.union_with(&got);
                    if detail {
                        for m in &evidence.matches {
                            layer.rules.push(RuleEvidence {
                                kind: "NetworkPolicy".into(),
                                namespace: Some(policy.namespace.clone()),
                                name: policy.name.clone(),
                                priority: None,
                                order: None,
                                rule: m.rule,
                                rule_name: Some(format!("{}[{}]", q.direction.as_str(), m.rule)),
                                action: "Allow".into(),
                                decision: Decision::Allow.into(),
                                peer: m.peer,
                                peer_text: m.peer_text.clone(),
                                port_text: m.port_text.clone(),
                                ports: None,
                            });
                        }
                    }
                }
                if detail {
                    side.policies.push(evidence);
                }
            }
            let requires_unmet = match &peer {
                Identity::Pod(labels) => self.unmet_requires(&selecting, q.direction, labels),
                _ => Vec::new(),
            };
            for (p, r) in &selecting {
                for (i, pr) in r.allows(q.direction).iter().enumerate() {
                    let name = rule_name(r, q.direction, false, i);
                    let rule_port_set = rule_ports(pr, dst_ports);
                    let matched = match self.l3(pr, &peer, peer_ip, &mut notes) {
                        L3::Match(text) => text,
                        L3::Miss(why, cost) => {
                            if detail && isolated {
                                let port_ok = !rule_port_set.intersection(&remaining).is_empty();
                                costs.push((cost, rule_miss(p, r, q.direction, i, why, cost, port_ok, pr)));
                            }
                            continue;
                        }
                        L3::Undecidable(why) => {
                            if detail && !rule_port_set.intersection(&remaining).is_empty() {
                                notes.push(not_evaluated(p, name, &why, "allow"));
                            }
                            continue;
                        }
                    };
                    if pr.endpoints.is_some() && !requires_unmet.is_empty() {
                        if detail {
                            notes.push(Note::new(
                                "cilium-requires",
                                format!(
                                    "{} {name} matches the peer, but the peer does not meet {} (fromRequires/toRequires \
                                     add their labels to every endpoint selector of the policies selecting the pod; \
                                     deprecated in Cilium 1.17 and removed in 1.19: this assumes an earlier release)",
                                    p.short(),
                                    requires_unmet.join(" and ")
                                ),
                            ));
                        }
                        continue;
                    }
                    let got = rule_port_set.intersection(&remaining);
                    if got.is_empty() && !rule_port_set.intersection(&denied).is_empty() {
                        if detail {
                            overruled.push(format!("{} {name}", p.short()));
                        }
                        continue;
                    }
                    if got.is_empty() {
                        if detail && isolated {
                            let why = format!("{matched} matches, but not on {}", asked(ports));
                            costs.push((0, rule_miss(p, r, q.direction, i, why, 0, false, pr)));
                        }
                        continue;
                    }
                    allowed.union_with(&got);
                    let checks: Vec<String> = pr
                        .ports
                        .iter()
                        .enumerate()
                        .filter(|(_, port_rule)| {
                            port_rule.above_l4.is_some()
                                && !port_rule_set(port_rule, dst_ports).intersection(&got).is_empty()
                        })
                        .map(|(k, port_rule)| format!("toPorts[{k}]: {}", port_rule.above_l4.as_deref().unwrap_or("")))
                        .chain(
                            pr.authentication
                                .iter()
                                .map(|m| format!("authentication mode {m} (mutual authentication)")),
                        )
                        .collect();
                    if checks.is_empty() {
                        plain.union_with(&got);
                    } else {
                        above.push((format!("{} {name}: {}", p.short(), checks.join("; ")), got.clone()));
                    }
                    if !detail {
                        if let (Ports::One { .. }, true) = (ports, isolated) {
                            return Answer::One(Decision::Allow);
                        }
                        continue;
                    }
                    layer.rules.push(rule_evidence(
                        p,
                        r,
                        q.direction,
                        false,
                        i,
                        matched,
                        port_text(pr, &got, ports),
                        &got,
                    ));
                }
            }
        }

        let answer = if isolated {
            let allow = allowed.intersection(&remaining);
            let deny = scope.difference(&allow);
            match ports {
                Ports::One { .. } => Answer::One(if allow.is_empty() { Decision::Deny } else { Decision::Allow }),
                Ports::Set(_) => Answer::Set { allow, deny },
            }
        } else {
            match ports {
                Ports::One { .. } if !denied.is_empty() => Answer::One(Decision::Deny),
                Ports::One { .. } => Answer::One(Decision::NoOpinion),
                Ports::Set(_) => Answer::Set { allow: PortSet::empty(), deny: denied.clone() },
            }
        };
        if detail {
            side.isolated = isolated;
            // Checked above L4: what the side allows only through such rules.
            let open = if isolated { allowed.intersection(&remaining) } else { remaining.clone() };
            for (text, got) in &above {
                let runtime = got.intersection(&open).difference(&plain);
                if !runtime.is_empty() {
                    notes.push(Note::new(
                        "cilium-runtime",
                        format!(
                            "allowed at L3/L4 by {text}: requests or connections are then checked at runtime (an HTTP \
                             request no rule allows gets 403, a DNS query REFUSED; they are not dropped)"
                        ),
                    ));
                }
            }
            if isolated && !np_isolating.is_empty() && !selecting.is_empty() {
                layer.notes.push(Note::new(
                    "cilium-union",
                    "NetworkPolicy and Cilium policies select this pod: Cilium enforces their allow rules as one list"
                        .to_string(),
                ));
            }
            if self.host_side(q) {
                self.host_policy_notes(engine, q, &mut notes);
            }
            let blocked = match &answer {
                Answer::One(d) => *d == Decision::Deny,
                Answer::Set { deny, .. } => !deny.is_empty(),
            };
            if blocked {
                self.hints(engine, q, pod, &peer, peer_ip, &layer.rules, &overruled, &selecting, &mut notes);
            }
            for n in notes {
                if !layer.notes.contains(&n) {
                    layer.notes.push(n);
                }
            }
            let mut evidence = LayerEvidence::of(LAYER, &answer);
            evidence.rules = layer.rules;
            costs.sort_by_key(|(cost, _)| *cost);
            evidence.misses = costs.into_iter().map(|(_, m)| m).collect();
            evidence.isolated_by = np_isolating
                .iter()
                .map(|p| format!("NetworkPolicy {}/{}", p.namespace, p.name))
                .chain(cilium_isolating.iter().map(|(p, _)| p.display()))
                .collect();
            evidence.isolated_by.dedup();
            evidence.notes = layer.notes;
            side.layers.push(evidence);
        }
        answer
    }

    /// Whether the peer is a node (host policies may apply to it).
    fn host_side(&self, q: &SideQuery<'_>) -> bool {
        match q.peer {
            Endpoint::Ip(ip) => self.snapshot.nodes.iter().any(|n| n.addresses.contains(&ip)),
            Endpoint::Pod(p) => p.host_network,
        }
    }

    fn host_policy_notes(&self, engine: &Engine<'_>, q: &SideQuery<'_>, notes: &mut Vec<Note>) {
        let node_involved = [q.subject, q.peer].iter().any(|e| match e {
            Endpoint::Ip(ip) => engine.node_with_address(*ip).is_some(),
            Endpoint::Pod(p) => p.host_network,
        });
        if !node_involved {
            return;
        }
        for (p, sel) in self.host_policies() {
            let note = Note::new(
                "cilium-host-policy",
                format!(
                    "host policy {} (nodeSelector {sel}) is not evaluated: it applies to the nodes it selects, and \
                     only with the host firewall enabled (hostFirewall.enabled=true), and may change this verdict",
                    p.short()
                ),
            );
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
}

impl CiliumLayer<'_> {
    /// Hints for Cilium's classic mistakes, on a blocked side.
    #[allow(clippy::too_many_arguments)]
    fn hints(
        &self,
        engine: &Engine<'_>,
        q: &SideQuery<'_>,
        subject: &Pod,
        peer: &Identity,
        peer_ip: Option<IpAddr>,
        rules: &[RuleEvidence],
        overruled: &[String],
        selecting: &[(&CiliumPolicy, &CiliumRule)],
        notes: &mut Vec<Note>,
    ) {
        let denies: Vec<String> = rules
            .iter()
            .filter(|r| r.decision == Outcome::Deny)
            .map(|r| match &r.namespace {
                Some(ns) => format!("CNP {ns}/{} {}", r.name, r.rule_name.clone().unwrap_or_default()),
                None => format!("CCNP {} {}", r.name, r.rule_name.clone().unwrap_or_default()),
            })
            .collect();
        if !denies.is_empty() && !overruled.is_empty() {
            notes.push(Note::new(
                "hint-cilium-deny-wins",
                format!(
                    "{} denies this flow although {} allows it: in Cilium a deny rule wins over every allow, of any \
                     policy kind; narrow the deny rule's peers or ports if this flow must pass",
                    denies.join(", "),
                    overruled.join(", ")
                ),
            ));
        }
        if q.direction == Direction::Egress
            && matches!(
                peer,
                Identity::ApiServer | Identity::Host { apiserver: true } | Identity::RemoteNode { apiserver: true }
            )
        {
            let by_cidr = selecting.iter().any(|(_, r)| r.egress.iter().any(|pr| pr.cidrs.is_some()))
                || engine.isolating(subject, Direction::Egress).any(|p| {
                    p.egress.iter().flat_map(|r| &r.peers).any(|peer| matches!(peer, super::model::Peer::IpBlock(_)))
                });
            notes.push(Note::new(
                "hint-cilium-kube-apiserver",
                format!(
                    "{} is the API server: on Cilium allow it with `toEntities: [kube-apiserver]`{}",
                    ip_text(peer_ip),
                    if by_cidr {
                        " rather than a CIDR or ipBlock, which do not match nodes (nor, through the Service, the \
                         API server's identity)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if q.direction == Direction::Egress
            && let Endpoint::Pod(dst) = q.peer
            && dst.namespace == "kube-system"
            && dst.labels.get("k8s-app").is_some_and(|v| v == "kube-dns")
        {
            let fqdn = selecting.iter().any(|(_, r)| r.egress.iter().any(|pr| !pr.fqdns.is_empty()));
            notes.push(Note::new(
                "hint-cilium-dns",
                format!(
                    "DNS is blocked{}: allow it with an egress rule `toEndpoints: [{{matchLabels: \
                     {{k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns}}}}]` and `toPorts: \
                     [{{ports: [{{port: \"53\", protocol: ANY}}], rules: {{dns: [{{matchPattern: \"*\"}}]}}}}]` (the \
                     DNS rule lets Cilium's DNS proxy learn the answers toFQDNs rules need)",
                    if fqdn { ", and toFQDNs rules resolve nothing without it" } else { "" }
                ),
            ));
        }
        if q.direction == Direction::Ingress && matches!(peer, Identity::RemoteNode { .. }) {
            notes.push(Note::new(
                "hint-cilium-remote-node",
                "the peer is another node: only the pod's own node (kubelet probes) is always allowed; health checks \
                 and node ports from other nodes need `fromEntities: [remote-node]` (or `host` for the own node \
                 when allow-localhost is off)"
                    .to_string(),
            ));
        }
    }
}

/// What the L3 part of a rule says about a peer.
enum L3 {
    Match(String),
    /// Why not, and how far (for the nearest miss).
    Miss(String, usize),
    /// It depends on what kubectl-deny cannot read or know.
    Undecidable(String),
}

/// A pod's identity labels.
fn pod_labels(engine: &Engine<'_>, pod: &Pod) -> Labels {
    pod_identity(
        &pod.namespace,
        &pod.labels,
        pod.service_account.as_deref(),
        &engine.namespace_labels(&pod.namespace).labels,
    )
}

/// `ingress[0]`, `specs[1] egressDeny[0]`.
fn rule_name(rule: &CiliumRule, direction: Direction, deny: bool, index: usize) -> String {
    let section = CiliumRule::section(direction, deny);
    if rule.place.is_empty() { format!("{section}[{index}]") } else { format!("{} {section}[{index}]", rule.place) }
}

/// `any:app=web` → `app=web`, `k8s:io.kubernetes.pod.namespace=x` → `k8s:io.kubernetes.pod.namespace=x`.
fn shown_requirement(text: &str) -> String {
    text.strip_prefix("any:").unwrap_or(text).to_string()
}

fn ip_text(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "the peer".to_string(), |ip| ip.to_string())
}

fn asked(ports: Ports<'_>) -> String {
    match ports {
        Ports::One { port, protocol } => format!("{protocol} {port}"),
        Ports::Set(s) => s.to_string(),
    }
}

/// The ports a rule's `toPorts` allows to a destination declaring `dst_ports`: every port without
/// `toPorts` (none for an `icmps`-only rule: ICMP is never asked about).
fn rule_ports(rule: &PeerRule, dst_ports: Option<&[ContainerPort]>) -> PortSet {
    if rule.ports.is_empty() {
        return if rule.icmps { PortSet::empty() } else { PortSet::all() };
    }
    let mut out = PortSet::empty();
    for pr in &rule.ports {
        out.union_with(&port_rule_set(pr, dst_ports));
    }
    out
}

fn port_rule_set(pr: &PortRule, dst_ports: Option<&[ContainerPort]>) -> PortSet {
    if pr.every_port {
        return PortSet::all();
    }
    let mut out = PortSet::empty();
    for pp in &pr.ports {
        out.union_with(&pp.port_set(dst_ports));
    }
    out
}

fn port_text(rule: &PeerRule, got: &PortSet, ports: Ports<'_>) -> String {
    match ports {
        Ports::One { .. } if rule.ports.is_empty() => "every port".to_string(),
        Ports::One { .. } => rule.ports.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(", "),
        Ports::Set(_) => got.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn rule_evidence(
    p: &CiliumPolicy,
    r: &CiliumRule,
    direction: Direction,
    deny: bool,
    index: usize,
    peer_text: String,
    port_text: String,
    ports: &PortSet,
) -> RuleEvidence {
    RuleEvidence {
        kind: p.kind().to_string(),
        namespace: p.namespace.clone(),
        name: p.name.clone(),
        priority: None,
        order: None,
        rule: index,
        rule_name: Some(rule_name(r, direction, deny, index)),
        action: if deny { "Deny" } else { "Allow" }.to_string(),
        decision: if deny { Outcome::Deny } else { Outcome::Allow },
        peer: None,
        peer_text,
        port_text,
        ports: Some(ports.clone()),
    }
}

#[allow(clippy::too_many_arguments)]
fn rule_miss(
    p: &CiliumPolicy,
    r: &CiliumRule,
    direction: Direction,
    index: usize,
    why: String,
    cost: usize,
    port_ok: bool,
    pr: &PeerRule,
) -> RuleMiss {
    let port_only = cost == 0;
    RuleMiss {
        kind: p.kind().to_string(),
        namespace: p.namespace.clone(),
        name: p.name.clone(),
        priority: None,
        rule: index,
        rule_name: Some(rule_name(r, direction, false, index)),
        action: "Allow".to_string(),
        miss: Miss {
            kind: if port_only {
                MissKind::Port
            } else if port_ok {
                MissKind::Peer
            } else {
                MissKind::PeerAndPort
            },
            rule: Some(index),
            peer: None,
            peer_text: Some(why),
            peer_miss: None,
            port_miss: (!port_ok || port_only).then(|| super::verdict::PortMiss {
                rule_ports: pr.ports.iter().map(|p| p.text.clone()).collect(),
                resolves_to: rule_ports(pr, None),
            }),
        },
    }
}

fn not_evaluated(p: &CiliumPolicy, rule: String, why: &str, what: &str) -> Note {
    Note::new(
        "cilium-not-evaluated",
        format!("{} {rule} ({what} rule) was not evaluated and could change this verdict: {why}", p.short()),
    )
}

fn cidr_assumption() -> Note {
    Note::new(
        "cilium-assumption",
        "on Cilium, CIDR rules and NetworkPolicy ipBlocks never match pods, and match nodes only with \
         policy-cidr-match-mode=nodes (assumed not set); use entities (host, remote-node, kube-apiserver) for those",
    )
}

impl Layer for CiliumLayer<'_> {
    fn id(&self) -> &str {
        LAYER
    }

    fn answer(&self, engine: &Engine<'_>, q: &SideQuery<'_>, ports: Ports<'_>, side: &mut Side) -> Answer {
        self.evaluate(engine, q, ports, side)
    }

    fn plan<'p>(&'p self, engine: &'p Engine<'_>, groups: &'p [&'p Pod]) -> Box<dyn LayerPlan + 'p> {
        Box::new(Plan::new(self, engine, groups))
    }

    fn coverage(&self, engine: &Engine<'_>, namespace: &str, pods: &[&Pod], direction: Direction) -> LayerCoverage {
        let np = coverage::network_policy_coverage(engine, engine.policies_in(namespace), pods, direction);
        if self.snapshot.cilium_policies.is_empty() {
            return np;
        }
        let mut out = np.clone();
        let mut restricting: BTreeSet<String> = BTreeSet::new();
        let mut opening: BTreeSet<String> = BTreeSet::new();
        for (i, pod) in pods.iter().enumerate() {
            if pod.host_network {
                continue;
            }
            let labels = pod_labels(engine, pod);
            let selecting: Vec<(&CiliumPolicy, &CiliumRule)> = self.selecting(&labels, namespace).collect();
            let (state, restrict, open) = cilium_state(&selecting, direction, np.pods[i]);
            restricting.extend(restrict);
            opening.extend(open);
            out.pods[i] = state;
        }
        // A pod created tomorrow: rules whose endpointSelector looks at nothing but the namespace.
        let blank = pod_identity(namespace, &Labels::new(), None, &engine.namespace_labels(namespace).labels);
        let wide: Vec<(&CiliumPolicy, &CiliumRule)> = self
            .selecting(&blank, namespace)
            .filter(|(_, r)| matches!(&r.subject, Subject::Endpoints(s) if only_namespace_keys(s)))
            .collect();
        let (state, restrict, open) = cilium_state(&wide, direction, np.new_pod);
        if state != np.new_pod {
            out.new_pod = state;
            out.new_pod_policies = match state {
                Coverage::AllowedAll => open.clone(),
                Coverage::Restricted => restrict.clone(),
                Coverage::HandsOn => Vec::new(),
            };
            if state == Coverage::Restricted {
                out.new_pod_policies.extend(np.new_pod_policies.iter().cloned());
            }
        }
        out.restricting.extend(restricting.into_iter().filter(|r| !np.restricting.contains(r)));
        out.opening.extend(opening.into_iter().filter(|r| !np.opening.contains(r)));
        out
    }

    fn port_cuts(&self, engine: &Engine<'_>, protocol: Protocol, cuts: &mut BTreeSet<u32>) {
        super::netpol::NetworkPolicyLayer.port_cuts(engine, protocol, cuts);
        for p in &self.snapshot.cilium_policies {
            for r in &p.rules {
                for pr in r.ingress.iter().chain(&r.egress).chain(&r.ingress_deny).chain(&r.egress_deny) {
                    for pp in pr.ports.iter().flat_map(|x| &x.ports).filter(|pp| pp.protocol == protocol) {
                        if let Some(PortRef::Number(n)) = pp.port {
                            cuts.insert(u32::from(n));
                            cuts.insert(u32::from(pp.end_port.unwrap_or(n)) + 1);
                        }
                    }
                }
            }
        }
    }

    /// On Cilium neither CIDR rules nor ipBlocks match pods: no address tells pods apart.
    fn address_blocks(&self, _: &Engine<'_>, _: &mut Vec<IpBlock>) {}
}

/// The Cilium answer for one pod given the NetworkPolicy answer: `(state, restricting, opening)`.
fn cilium_state(
    selecting: &[(&CiliumPolicy, &CiliumRule)],
    direction: Direction,
    np: Coverage,
) -> (Coverage, Vec<String>, Vec<String>) {
    let isolating: Vec<String> =
        selecting.iter().filter(|(_, r)| r.isolates(direction)).map(|(p, _)| p.display()).collect();
    let denies = selecting.iter().any(|(_, r)| !r.denies(direction).is_empty());
    let opening: Vec<String> = selecting
        .iter()
        .filter(|(_, r)| r.allows(direction).iter().any(allows_every_pod))
        .map(|(p, _)| p.display())
        .collect();
    let state = match (np, isolating.is_empty()) {
        (Coverage::HandsOn, true) => Coverage::HandsOn,
        _ if denies => Coverage::Restricted,
        (Coverage::AllowedAll, _) => Coverage::AllowedAll,
        _ if !opening.is_empty() => Coverage::AllowedAll,
        _ => Coverage::Restricted,
    };
    (state, isolating, opening)
}

/// Whether an allow rule admits every pod of the cluster on every port.
fn allows_every_pod(rule: &PeerRule) -> bool {
    let every_port = rule.ports.is_empty() || rule.ports.iter().any(|p| p.every_port);
    if !every_port || rule.authentication.is_some() || !rule.requires.is_empty() {
        return false;
    }
    if let Some(entities) = &rule.entities {
        return entities.iter().any(|e| matches!(e, Entity::All | Entity::Cluster));
    }
    if let Some(selectors) = &rule.endpoints {
        return selectors.iter().any(|s| {
            s.selector.match_labels.is_empty()
                && s.selector
                    .match_expressions
                    .iter()
                    .all(|r| r.key == format!("k8s:{NAMESPACE_KEY}") && r.operator == super::model::Operator::Exists)
        });
    }
    false
}

/// Whether a selector looks at nothing but the namespace (its name or its labels).
fn only_namespace_keys(s: &CiliumSelector) -> bool {
    let ok = |k: &str| {
        let k = k.split_once(':').map_or(k, |(_, k)| k);
        k == NAMESPACE_KEY || k.starts_with(NAMESPACE_LABELS_PREFIX) || k == CLUSTER_KEY
    };
    s.selector.match_labels.iter().all(|(k, _)| ok(k)) && s.selector.match_expressions.iter().all(|r| ok(&r.key))
}

/// `matrix`: what `evaluate` decides for one port without evidence, a whole row at a time. Computed
/// once per matrix: each group's identity and the rules selecting it, per direction whether it is
/// isolated, and for every peer rule of those rules the groups whose identity its L3 part matches
/// (`l3`, the same function `evaluate` asks). NetworkPolicy's allows come from its own plan. A row
/// is then bit operations: deny rules first, then (isolated) the union of the allow rules.
/// Host-network peers are the subject's `host` or a `remote-node` depending on the subject: their
/// columns are asked per row (there are few).
struct Plan<'p> {
    layer: &'p CiliumLayer<'p>,
    engine: &'p Engine<'p>,
    groups: &'p [&'p Pod],
    words: usize,
    /// NetworkPolicy's plan: what the NetworkPolicies isolating a subject allow.
    np: Box<dyn LayerPlan + 'p>,
    /// Per group: `None` on the host network (NetworkPolicy's answer alone, as `evaluate`).
    subjects: Vec<Option<SubjectPlan<'p>>>,
    /// Per group: its identity as a peer, `None` for host-network groups (it depends on the
    /// subject's node).
    identities: Vec<Option<Identity>>,
    /// The host-network groups.
    hosts: Vec<usize>,
    /// Per peer rule of a selecting rule (by address): the groups (not on the host network) its
    /// L3 part matches.
    l3: std::collections::HashMap<*const PeerRule, Vec<u64>>,
}

/// What depends on the subject group alone.
struct SubjectPlan<'p> {
    selecting: Vec<(&'p CiliumPolicy, &'p CiliumRule)>,
    /// (ingress, egress): some NetworkPolicy isolates the group.
    np_isolated: [bool; 2],
}

fn slot(d: Direction) -> usize {
    match d {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

/// The NetworkPolicy layer whose plan the Cilium plan composes.
static NETWORK_POLICY: super::netpol::NetworkPolicyLayer = super::netpol::NetworkPolicyLayer;

impl<'p> Plan<'p> {
    fn new(layer: &'p CiliumLayer<'p>, engine: &'p Engine<'p>, groups: &'p [&'p Pod]) -> Self {
        let words = groups.len().div_ceil(64);
        let np = engine.network_policies();
        let identities: Vec<Option<Identity>> =
            groups.iter().map(|g| (!g.host_network).then(|| Identity::Pod(pod_labels(engine, g)))).collect();
        let hosts: Vec<usize> = (0..groups.len()).filter(|&g| groups[g].host_network).collect();
        let subjects: Vec<Option<SubjectPlan<'p>>> = groups
            .iter()
            .zip(&identities)
            .map(|(g, identity)| {
                let Some(Identity::Pod(labels)) = identity else { return None };
                Some(SubjectPlan {
                    selecting: layer.selecting(labels, &g.namespace).collect(),
                    np_isolated: [Direction::Ingress, Direction::Egress].map(|d| np.isolating(g, d).next().is_some()),
                })
            })
            .collect();
        let mut l3 = std::collections::HashMap::new();
        for subject in subjects.iter().flatten() {
            for (_, r) in &subject.selecting {
                for d in [Direction::Ingress, Direction::Egress] {
                    for pr in r.allows(d).iter().chain(r.denies(d)) {
                        l3.entry(pr as *const PeerRule).or_insert_with(|| {
                            let mut bits = vec![0u64; words];
                            for (c, identity) in identities.iter().enumerate() {
                                let Some(identity) = identity else { continue };
                                let ip = groups[c].ips.first().copied();
                                if layer.l3_matches(pr, identity, ip) {
                                    bits[c / 64] |= 1 << (c % 64);
                                }
                            }
                            bits
                        });
                    }
                }
            }
        }
        let np = NETWORK_POLICY.plan(engine, groups);
        Plan { layer, engine, groups, words, np, subjects, identities, hosts, l3 }
    }

    /// Sets in `out` the columns where peer rule `pr` matches at the row's port: its L3 part for
    /// the peer and its `toPorts` at the destination (the subject for ingress, the peer for egress).
    fn matches(&self, pr: &PeerRule, row: &Row<'_>, host_l3: &[(usize, Identity)], out: &mut [u64]) {
        let (port, protocol) = (row.port, row.protocol);
        let mut bits = self.l3[&(pr as *const PeerRule)].clone();
        // A node's identity is one of a few (host or remote node, API server or not): each asked
        // once.
        let mut seen: Vec<(&Identity, bool)> = Vec::new();
        for (c, identity) in host_l3 {
            let hit = match seen.iter().find(|(i, _)| *i == identity) {
                Some((_, hit)) => *hit,
                None => {
                    let ip = self.groups[*c].ips.first().copied();
                    let hit = self.layer.l3_matches(pr, identity, ip);
                    if !identity.cidr_applies() {
                        seen.push((identity, hit));
                    }
                    hit
                }
            };
            if hit {
                bits[c / 64] |= 1 << (c % 64);
            }
        }
        let named = pr.ports.iter().flat_map(|x| &x.ports).any(|pp| matches!(pp.port, Some(PortRef::Name(_))));
        if row.direction == Direction::Egress && named {
            for (c, dst) in self.groups.iter().enumerate() {
                if bits[c / 64] & (1 << (c % 64)) != 0 && !rule_ports(pr, Some(&dst.ports)).contains(protocol, port) {
                    bits[c / 64] &= !(1 << (c % 64));
                }
            }
        } else if !rule_ports(pr, Some(&self.groups[row.subject].ports)).contains(protocol, port) {
            return;
        }
        out.iter_mut().zip(&bits).for_each(|(w, b)| *w |= b);
    }
}

impl LayerPlan for Plan<'_> {
    fn row(&self, row: Row<'_>, allow: &mut [u64], deny: &mut [u64]) {
        let Some(subject) = &self.subjects[row.subject] else {
            // Not a workload: NetworkPolicy's answer, as `evaluate` gives it.
            return self.np.row(row, allow, deny);
        };
        let me = self.groups[row.subject];
        let d = row.direction;
        // Host-network peers: `host` or `remote-node` as seen from this subject.
        let host_l3: Vec<(usize, Identity)> = self
            .hosts
            .iter()
            .map(|&c| (c, self.layer.identity(self.engine, me, Endpoint::Pod(self.groups[c]))))
            .collect();
        // 1. Deny rules win over every allow.
        let mut denied = vec![0u64; self.words];
        for (_, r) in &subject.selecting {
            for pr in r.denies(d) {
                self.matches(pr, &row, &host_l3, &mut denied);
            }
        }
        // 2. Isolation.
        let isolated = subject.np_isolated[slot(d)] || subject.selecting.iter().any(|(_, r)| r.isolates(d));
        if !isolated {
            for k in 0..self.words {
                deny[k] = denied[k] & row.undecided[k];
            }
            return;
        }
        // 3. The allows of NetworkPolicy and Cilium, one list.
        let mut allowed = vec![0u64; self.words];
        if subject.np_isolated[slot(d)] {
            let every = vec![!0u64; self.words];
            let mut rest = vec![0u64; self.words];
            self.np.row(Row { undecided: &every, ..row }, &mut allowed, &mut rest);
        }
        // Peers that miss a fromRequires/toRequires of a selecting rule: its endpoint selectors
        // do not match them.
        let requires: Vec<&CiliumSelector> =
            subject.selecting.iter().flat_map(|(_, r)| r.allows(d)).flat_map(|pr| &pr.requires).collect();
        let mut unmet = vec![0u64; self.words];
        if !requires.is_empty() {
            for (c, identity) in self.identities.iter().enumerate() {
                if let Some(Identity::Pod(labels)) = identity
                    && requires.iter().any(|s| !s.matches(labels))
                {
                    unmet[c / 64] |= 1 << (c % 64);
                }
            }
        }
        let mut matched = vec![0u64; self.words];
        for (_, r) in &subject.selecting {
            for pr in r.allows(d) {
                matched.iter_mut().for_each(|w| *w = 0);
                self.matches(pr, &row, &host_l3, &mut matched);
                let skip = if pr.endpoints.is_some() { &unmet[..] } else { &[][..] };
                for k in 0..self.words {
                    allowed[k] |= matched[k] & !skip.get(k).copied().unwrap_or(0);
                }
            }
        }
        for k in 0..self.words {
            allow[k] = allowed[k] & !denied[k] & row.undecided[k];
            deny[k] = row.undecided[k] & !allow[k];
        }
    }
}

#[cfg(test)]
mod tests;
