//! Calico's tiers as layers of the pipeline: one layer per tier, in tier order, the `default`
//! tier holding the Kubernetes NetworkPolicies (at policy order 1000) among its Calico policies.
//!
//! Per side of a flow (Calico's docs, "Tiered policy" and "Tier"; Felix `rules/endpoints.go`):
//!
//! - Only workload endpoints are governed: a pod that is not host-network. An address outside
//!   the cluster, or a host-network pod, is no business of any tier (host endpoints are not read).
//! - A tier takes part for an endpoint and a direction only when one of its policies selects the
//!   endpoint and governs that direction (`types`); otherwise it is skipped (no opinion),
//!   end-of-tier action included.
//! - Within a taking-part tier: its selecting policies by `order` (none = last), ties by name
//!   (Felix sorts by name, then namespace, then kind), each policy's rules in order; the first
//!   rule that matches decides: `Allow` and `Deny` are final, `Pass` hands the flow on to the next
//!   tier, `Log` goes on. A Kubernetes NetworkPolicy member allows what one of its rules allows
//!   and otherwise goes on, as Calico's conversion of it does (its rules are Allow rules).
//! - No rule decided: the tier's default action, Deny (the default) or Pass.
//! - Past the last tier (every tier passed, or none took part): the namespace's profile allows.
//!
//! The cluster-wide policies are members of Calico's built-in tiers, as Calico converts them:
//! AdminNetworkPolicies and Admin-tier ClusterNetworkPolicies in `kube-admin` (tier order 1,000),
//! at their priority as policy order; the BaselineAdminNetworkPolicy (at order 1000) and
//! Baseline-tier ClusterNetworkPolicies in `kube-baseline` (10,000,000); both tiers end in Pass.
//! Each is evaluated by the cluster-wide tiers' own rules (`tiers::TierLayer::policy_set`), beside
//! Calico policies of those tiers; see `Member`.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;

use super::model::{
    Action, BUILT_IN_TIERS, CalicoKind, CalicoObjects, CalicoPolicy, CalicoPort, CalicoRule, DEFAULT_TIER, EntityRule,
    KUBERNETES_POLICY_ORDER, Tier, TierAction,
};
use super::selector::{Expr, NAMESPACE_LABEL, NAMESPACE_LABEL_PREFIX, SERVICE_ACCOUNT_LABEL_PREFIX};
use crate::engine::flow::{Endpoint, Engine};
use crate::engine::model::{ContainerPort, IpBlock, Labels, Peer, Pod, Policy, PortRef, Protocol, Snapshot, TierPeer};
use crate::engine::netpol::{has_type, rules_for};
use crate::engine::pipeline::{Answer, Coverage, Decision, Layer, LayerCoverage, LayerPlan, Ports, Row, SideQuery};
use crate::engine::ports::{MAX_PORT, MIN_PORT, PortSet};
use crate::engine::tiers::{
    Action as ClusterAction, ClusterKind, ClusterPolicy, Subject, Tier as ClusterTier, TierLayer as ClusterTierLayer,
    subject_selects,
};
use crate::engine::verdict::{
    Direction, EndOfTier, LayerEvidence, Miss, MissKind, NotApplied, Note, Outcome, PeerMiss, RuleEvidence, RuleMiss,
    Side,
};

/// The label Calico puts on a pod for its service account.
pub const SERVICE_ACCOUNT_LABEL: &str = "projectcalico.org/serviceaccount";
/// The name label of a namespace's and a service account's profile.
pub const NAME_LABEL: &str = "projectcalico.org/name";

/// The layers of a cluster with Calico objects, in tier order. Tiers without a policy are left
/// out; Kubernetes NetworkPolicies are members of the `default` tier.
pub fn tier_layers<'s>(snapshot: &'s Snapshot) -> Vec<TierLayer<'s>> {
    let calico: &CalicoObjects = &snapshot.calico;
    let mut tiers: Vec<Tier> = calico.tiers.clone();
    for (name, ..) in BUILT_IN_TIERS {
        if !tiers.iter().any(|t| t.name == name) {
            tiers.extend(Tier::built_in(name));
        }
    }
    tiers.sort_by(|a, b| {
        let key = |t: &Tier| t.order.unwrap_or(f64::INFINITY);
        key(a).total_cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
    });
    let mut out = Vec::new();
    for tier in tiers {
        let mut members: Vec<Member<'s>> =
            calico.policies.iter().filter(|p| p.tier == tier.name).map(Member::Calico).collect();
        if tier.name == DEFAULT_TIER {
            members.extend(snapshot.policies.iter().map(Member::Kubernetes));
        }
        if let Some(kind) = cluster_tier(&tier.name) {
            members.extend(snapshot.cluster_policies.iter().filter(|p| p.tier == kind).map(Member::Cluster));
        }
        if members.is_empty() {
            continue;
        }
        members.sort_by(|a, b| a.order().total_cmp(&b.order()).then_with(|| a.sort_name().cmp(&b.sort_name())));
        let compiled = members.iter().map(|m| Compiled::of(*m)).collect();
        out.push(TierLayer {
            id: format!("calico-tier:{}", tier.name),
            tier,
            members,
            compiled,
            kinds: std::sync::OnceLock::new(),
        });
    }
    out
}

/// The cluster-wide tier whose policies Calico puts in tier `name`.
fn cluster_tier(name: &str) -> Option<crate::engine::tiers::Tier> {
    use crate::engine::tiers::Tier as ClusterTier;
    match name {
        KUBE_ADMIN_TIER => Some(ClusterTier::Admin),
        KUBE_BASELINE_TIER => Some(ClusterTier::Baseline),
        _ => None,
    }
}

/// Calico's tiers for the cluster-wide ones (Calico 3.31 and later; older versions called them
/// `adminnetworkpolicy` and `baselineadminnetworkpolicy`).
pub const KUBE_ADMIN_TIER: &str = "kube-admin";
pub const KUBE_BASELINE_TIER: &str = "kube-baseline";

/// The policies whose tier does not exist: Calico does not enforce them.
pub fn orphans(snapshot: &Snapshot) -> Vec<&CalicoPolicy> {
    let calico = &snapshot.calico;
    calico
        .policies
        .iter()
        .filter(|p| Tier::built_in(&p.tier).is_none() && !calico.tiers.iter().any(|t| t.name == p.tier))
        .collect()
}

/// What a Calico cluster's verdict must also say: the policies Calico does not enforce because
/// their tier does not exist, and what each staged policy would change about this flow were it
/// enforced (`Set`: as written; `Delete`: the enforced policy of its name removed). Staged
/// policies never decide.
pub fn cluster_notes(
    engine: &Engine<'_>,
    from: Endpoint<'_>,
    to: Endpoint<'_>,
    query: crate::engine::verdict::PortQuery,
    verdict: &crate::engine::verdict::Verdict,
) -> Vec<Note> {
    use super::model::{StagedAction, StagedBody};
    let snapshot = engine.snapshot();
    let mut out = Vec::new();
    for p in orphans(snapshot) {
        out.push(Note::new(
            "calico-missing-tier",
            format!(
                "{} is in tier {}, which was not read: Calico enforces no policy of a tier that does not exist, so \
                 it is left out (read the Tier too, if it exists)",
                p.display(),
                p.tier
            ),
        ));
    }
    for staged in &snapshot.calico.staged {
        let StagedBody::Calico(policy) = &staged.policy else { continue };
        let mut what_if = snapshot.clone();
        what_if.calico.staged.clear();
        let same = |q: &CalicoPolicy| q.kind == policy.kind && q.namespace == policy.namespace && q.name == policy.name;
        what_if.calico.policies.retain(|q| !same(q));
        match staged.action {
            StagedAction::Set => what_if.calico.policies.push(policy.clone()),
            StagedAction::Delete => {}
            StagedAction::Learn | StagedAction::Ignore => continue,
        }
        let e = Engine::new(&what_if);
        let v = e.evaluate(from, to, query);
        let verb = if matches!(staged.action, StagedAction::Delete) { "deleting" } else { "enforcing" };
        let change = match (&v.allowed_ports, &verdict.allowed_ports) {
            (Some(after), Some(before)) if after != before => Some(format!(
                "the ports allowed would be {} instead of {}",
                if after.is_empty() { "none".to_string() } else { after.to_string() },
                if before.is_empty() { "none".to_string() } else { before.to_string() }
            )),
            (None, None) if v.allowed != verdict.allowed => {
                Some(format!("the flow would be {}", if v.allowed { "allowed" } else { "blocked" }))
            }
            _ => None,
        };
        // An unchanged flow is worth saying only for a staged policy that applies to one of its ends.
        let select = Compiled::of(Member::Calico(policy)).select;
        let applies = [from, to].iter().any(|ep| {
            workload(*ep).is_some_and(|p| select.as_ref().is_some_and(|s| s.matches(&endpoint_labels(engine, p))))
        });
        let message = match change {
            Some(change) => format!("{} is staged (never enforced); {verb} it: {change}", staged.display()),
            None if applies => {
                format!("{} is staged (never enforced); {verb} it would not change this flow", staged.display())
            }
            None => continue,
        };
        out.push(Note::new("calico-staged", message));
    }
    out
}

/// A policy of a tier: Calico's own, (in the default tier) a Kubernetes NetworkPolicy, or (in
/// `kube-admin` and `kube-baseline`) a cluster-wide policy.
#[derive(Debug, Clone, Copy)]
pub enum Member<'s> {
    Calico(&'s CalicoPolicy),
    Kubernetes(&'s Policy),
    Cluster(&'s ClusterPolicy),
}

impl Member<'_> {
    fn order(&self) -> f64 {
        match self {
            Member::Calico(p) => p.order.unwrap_or(f64::INFINITY),
            Member::Kubernetes(_) => KUBERNETES_POLICY_ORDER,
            // The priority; a BaselineAdminNetworkPolicy at 1000.
            Member::Cluster(p) => f64::from(p.rank()),
        }
    }

    /// Felix's tie-break: name, then namespace, then kind; a Kubernetes policy is
    /// `knp.default.<name>`.
    fn sort_name(&self) -> (String, String, &'static str) {
        match self {
            Member::Calico(p) => (p.name.clone(), p.namespace.clone().unwrap_or_default(), p.kind.as_str()),
            Member::Kubernetes(p) => {
                (format!("knp.default.{}", p.name), p.namespace.clone(), "KubernetesNetworkPolicy")
            }
            // Calico's names for the converted objects.
            Member::Cluster(p) => {
                let prefix = match (p.kind, p.tier) {
                    (ClusterKind::AdminNetworkPolicy, _) => "kanp.adminnetworkpolicy.",
                    (ClusterKind::BaselineAdminNetworkPolicy, _) => "kbanp.baselineadminnetworkpolicy.",
                    (ClusterKind::ClusterNetworkPolicy, ClusterTier::Admin) => "kcnp.kube-admin.",
                    (ClusterKind::ClusterNetworkPolicy, ClusterTier::Baseline) => "kcnp.kube-baseline.",
                };
                (format!("{prefix}{}", p.name), String::new(), p.kind.as_str())
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Member::Calico(p) => p.kind.label(),
            Member::Kubernetes(_) => "NetworkPolicy",
            Member::Cluster(p) => p.kind.as_str(),
        }
    }

    pub fn namespace(&self) -> Option<&str> {
        match self {
            Member::Calico(p) => p.namespace.as_deref(),
            Member::Kubernetes(p) => Some(&p.namespace),
            Member::Cluster(_) => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Member::Calico(p) => &p.name,
            Member::Kubernetes(p) => &p.name,
            Member::Cluster(p) => &p.name,
        }
    }

    fn display(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{} {ns}/{}", self.kind(), self.name()),
            None => format!("{} {}", self.kind(), self.name()),
        }
    }
}

/// A Calico policy's selectors, combined once as Calico combines them.
struct Compiled {
    /// What the policy applies to (`None`: a Kubernetes policy, or one for host endpoints only).
    select: Option<Expr>,
    /// Per direction (ingress, egress), per rule: the positive selector of the source and of the
    /// destination, `None` when the entity has no selector field.
    entities: [Vec<[Option<Expr>; 2]>; 2],
}

impl Compiled {
    fn of(member: Member<'_>) -> Compiled {
        let Member::Calico(p) = member else {
            return Compiled { select: None, entities: [Vec::new(), Vec::new()] };
        };
        let select = p.host_only.is_none().then(|| {
            let mut e = p.selector.clone();
            if let Some(ns) = &p.namespace {
                e = e.and(Expr::Eq(NAMESPACE_LABEL.into(), ns.clone()));
            }
            if let Some(ns) = &p.namespace_selector {
                e = e.and(ns.namespace_scope());
            }
            if let Some(sa) = &p.service_account_selector {
                e = e.and(sa.prefixed(SERVICE_ACCOUNT_LABEL_PREFIX));
            }
            e
        });
        let entities = |rules: &[CalicoRule]| {
            rules.iter().map(|r| [positive(p, &r.source), positive(p, &r.destination)]).collect::<Vec<_>>()
        };
        Compiled { select, entities: [entities(&p.ingress), entities(&p.egress)] }
    }
}

/// The positive endpoint selector of an entity, as Calico builds it (`getEndpointSelector`):
/// the namespace part (the rule's `namespaceSelector`, else the policy's own namespace for a
/// NetworkPolicy), the `selector`, and the service accounts; `None` when no selector field is
/// set (then the entity matches any peer, in or outside the cluster). A NetworkPolicy's
/// `notSelector` alone also scopes the entity to the policy's namespace.
fn positive(p: &CalicoPolicy, e: &EntityRule) -> Option<Expr> {
    let any = e.selector.is_some()
        || e.namespace_selector.is_some()
        || e.service_accounts.is_some()
        || (p.kind == CalicoKind::NetworkPolicy && e.not_selector.is_some());
    if !any {
        return None;
    }
    let mut expr = match (&e.namespace_selector, &p.namespace) {
        (Some(ns), _) => ns.namespace_scope(),
        (None, Some(ns)) => Expr::Eq(NAMESPACE_LABEL.into(), ns.clone()),
        (None, None) => Expr::All,
    };
    if let Some(s) = &e.selector {
        expr = expr.and(s.clone());
    }
    if let Some(sa) = &e.service_accounts {
        if !sa.names.is_empty() {
            expr = expr.and(Expr::In(SERVICE_ACCOUNT_LABEL.into(), sa.names.iter().cloned().collect()));
        }
        if let Some(s) = &sa.selector {
            expr = expr.and(s.prefixed(SERVICE_ACCOUNT_LABEL_PREFIX));
        }
    }
    // `all()` matches every endpoint, including non-namespaced ones: pods match it.
    Some(expr)
}

/// The labels Calico matches a pod by: those it inherits from its namespace's profile (`pcns.`)
/// and its service account's (`pcsa.projectcalico.org/name`; other ServiceAccount labels are not
/// read), its own, and those Calico sets (`projectcalico.org/namespace`, `.../orchestrator`,
/// `.../serviceaccount`).
pub fn endpoint_labels(engine: &Engine<'_>, pod: &Pod) -> Labels {
    let mut l = Labels::new();
    let ns = engine.namespace_labels(&pod.namespace);
    for (k, v) in ns.labels.iter() {
        l.insert(format!("{NAMESPACE_LABEL_PREFIX}{k}"), v.clone());
    }
    l.insert(format!("{NAMESPACE_LABEL_PREFIX}{NAME_LABEL}"), pod.namespace.clone());
    // Not written: the API server's admission gave it `default`.
    let sa = pod.service_account.as_deref().unwrap_or("default");
    l.insert(format!("{SERVICE_ACCOUNT_LABEL_PREFIX}{NAME_LABEL}"), sa.to_string());
    for (k, v) in pod.labels.iter() {
        l.insert(k.clone(), v.clone());
    }
    l.insert(NAMESPACE_LABEL.into(), pod.namespace.clone());
    l.insert("projectcalico.org/orchestrator".into(), "k8s".into());
    l.insert(SERVICE_ACCOUNT_LABEL.into(), sa.to_string());
    l
}

/// A pod Calico governs: scheduled or not, but not on the host network.
fn workload(e: Endpoint<'_>) -> Option<&Pod> {
    e.pod().filter(|p| !p.host_network)
}

/// One tier as a layer.
pub struct TierLayer<'s> {
    id: String,
    pub tier: Tier,
    pub members: Vec<Member<'s>>,
    compiled: Vec<Compiled>,
    /// The kinds of pods `exact` tells apart, found on first need (`Kinds`).
    kinds: std::sync::OnceLock<Kinds>,
}

/// The flow as a rule sees it.
struct Flow<'a, 'q> {
    q: &'a SideQuery<'q>,
    /// Calico labels of the subject, and of the peer when it is a workload endpoint.
    subject_labels: &'a Labels,
    peer_labels: Option<&'a Labels>,
}

impl Flow<'_, '_> {
    fn source(&self) -> (Endpoint<'_>, Option<&Labels>) {
        match self.q.direction {
            Direction::Ingress => (self.q.peer, self.peer_labels),
            Direction::Egress => (self.q.subject, Some(self.subject_labels)),
        }
    }

    fn destination(&self) -> (Endpoint<'_>, Option<&Labels>) {
        match self.q.direction {
            Direction::Ingress => (self.q.subject, Some(self.subject_labels)),
            Direction::Egress => (self.q.peer, self.peer_labels),
        }
    }
}

/// What a rule's match depends on that the cluster's state cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Undecidable {
    /// `source.ports`/`source.notPorts`: the client's port is not known.
    SourcePorts,
}

impl<'s> TierLayer<'s> {
    /// Whether `member` applies to `pod` for `direction`.
    fn selects(&self, engine: &Engine<'_>, i: usize, pod: &Pod, labels: &Labels, direction: Direction) -> bool {
        match self.members[i] {
            Member::Calico(p) => {
                let governs = match direction {
                    Direction::Ingress => p.ingress_type,
                    Direction::Egress => p.egress_type,
                };
                governs && self.compiled[i].select.as_ref().is_some_and(|s| s.matches(labels))
            }
            Member::Kubernetes(p) => {
                p.namespace == pod.namespace && has_type(p, direction) && p.pod_selector.matches(&pod.labels)
            }
            Member::Cluster(p) => !p.rules(direction).is_empty() && subject_selects(engine, &p.subject, pod),
        }
    }

    /// The ports (within `scope`) at which rule `r` of Calico member `i` matches the flow, and
    /// whether its match rests on something unknown.
    fn rule_ports(
        &self,
        engine: &Engine<'_>,
        i: usize,
        r: usize,
        flow: &Flow<'_, '_>,
        scope: &PortSet,
    ) -> (PortSet, Option<Undecidable>) {
        let Member::Calico(p) = self.members[i] else { unreachable!("Calico members only") };
        let direction = flow.q.direction;
        let rule = match direction {
            Direction::Ingress => &p.ingress[r],
            Direction::Egress => &p.egress[r],
        };
        let d = slot(direction);
        let [src_sel, dst_sel] = &self.compiled[i].entities[d][r];
        let (src, src_labels) = flow.source();
        let (dst, dst_labels) = flow.destination();
        if !entity_matches(engine, &rule.source, src_sel.as_ref(), src, src_labels)
            || !entity_matches(engine, &rule.destination, dst_sel.as_ref(), dst, dst_labels)
        {
            return (PortSet::empty(), None);
        }
        if let Some(v) = rule.ip_version {
            let family = flow.q.peer.ips().first().or(flow.q.subject.ips().first()).map(IpAddr::is_ipv4);
            if family.is_some_and(|v4| v4 != (v == 4)) {
                return (PortSet::empty(), None);
            }
        }
        let ports = rule_port_set(engine, rule, dst);
        let ports = ports.intersection(scope);
        if !ports.is_empty() && (!rule.source.ports.is_empty() || !rule.source.not_ports.is_empty()) {
            // The client's port is not known: the rule is taken not to match, and said so.
            return (PortSet::empty(), Some(Undecidable::SourcePorts));
        }
        (ports, None)
    }

    /// The whole tier for one side, at the ports of `scope`: the ports it allows and denies
    /// (the others are passed on or not its business), with evidence when asked.
    fn evaluate(
        &self,
        engine: &Engine<'_>,
        q: &SideQuery<'_>,
        scope: &PortSet,
        evidence: Option<&mut TierEvidence<'s>>,
        side: &mut Side,
    ) -> Option<(PortSet, PortSet)> {
        let pod = workload(q.subject)?;
        let subject_labels = endpoint_labels(engine, pod);
        let selecting = self.selecting(engine, pod, &subject_labels, q.direction);
        if selecting.is_empty() {
            return None;
        }
        let peer_labels = workload(q.peer).map(|p| endpoint_labels(engine, p));
        let flow = Flow { q, subject_labels: &subject_labels, peer_labels: peer_labels.as_ref() };
        Some(self.decide(engine, &flow, &selecting, scope, evidence, side))
    }

    /// The members that select `pod` (with its Calico labels) for `direction`, in tier order.
    fn selecting(&self, engine: &Engine<'_>, pod: &Pod, labels: &Labels, direction: Direction) -> Vec<usize> {
        (0..self.members.len()).filter(|&i| self.selects(engine, i, pod, labels, direction)).collect()
    }

    /// The tier for one side whose subject `selecting` members select: what `evaluate` says,
    /// with the labels already known (a matrix computes them once per group).
    fn decide(
        &self,
        engine: &Engine<'_>,
        flow: &Flow<'_, '_>,
        selecting: &[usize],
        scope: &PortSet,
        mut evidence: Option<&mut TierEvidence<'s>>,
        side: &mut Side,
    ) -> (PortSet, PortSet) {
        let q = flow.q;
        let mut remaining = scope.clone();
        let mut allow = PortSet::empty();
        let mut deny = PortSet::empty();
        let one_port = scope.iter().count() == 1 && scope.iter().all(|(_, lo, hi)| lo == hi);
        if let Some(ev) = evidence.as_deref_mut() {
            ev.selecting = selecting.iter().map(|&i| self.members[i]).collect();
            let orders: Vec<f64> = selecting.iter().map(|&i| self.members[i].order()).collect();
            for w in orders.windows(2) {
                if w[0] == w[1] && w[0].is_finite() {
                    ev.notes.push(Note::new(
                        "calico-order-tie",
                        format!(
                            "two policies of tier {} selecting {} share order {}: Calico applies them by name",
                            self.tier.name,
                            q.subject.display(),
                            w[0]
                        ),
                    ));
                    break;
                }
            }
        }
        'members: for &i in selecting {
            if remaining.is_empty() {
                break;
            }
            let member = self.members[i];
            match member {
                Member::Kubernetes(policy) => {
                    let pe = engine.network_policies().evaluate_policy(engine, policy, q, Ports::Set(&remaining));
                    let got = pe.allowed_ports.clone().unwrap_or_default().intersection(&remaining);
                    if let Some(ev) = evidence.as_deref_mut() {
                        for m in &pe.matches {
                            ev.rules.push(RuleEvidence {
                                kind: "NetworkPolicy".into(),
                                namespace: Some(policy.namespace.clone()),
                                name: policy.name.clone(),
                                priority: None,
                                order: Some(KUBERNETES_POLICY_ORDER),
                                rule: m.rule,
                                rule_name: None,
                                action: "Allow".into(),
                                decision: Outcome::Allow,
                                peer: m.peer,
                                peer_text: m.peer_text.clone(),
                                port_text: m.port_text.clone(),
                                ports: (!one_port).then(|| got.clone()),
                            });
                        }
                        if let Some(miss) = pe.nearest_miss.clone() {
                            ev.misses.push(RuleMiss {
                                kind: "NetworkPolicy".into(),
                                namespace: Some(policy.namespace.clone()),
                                name: policy.name.clone(),
                                priority: None,
                                rule: miss.rule.unwrap_or_default(),
                                rule_name: None,
                                action: "Allow".into(),
                                miss,
                            });
                        }
                        side.policies.push(pe);
                        side.isolated = true;
                    }
                    allow.union_with(&got);
                    remaining = remaining.difference(&got);
                }
                Member::Cluster(policy) => {
                    let mut trace = evidence.is_some().then(|| LayerEvidence::new(&self.id, Outcome::NoOpinion));
                    ClusterTierLayer::policy_set(
                        engine,
                        policy,
                        q,
                        scope,
                        &mut remaining,
                        &mut allow,
                        &mut deny,
                        trace.as_mut(),
                    );
                    if let (Some(ev), Some(t)) = (evidence.as_deref_mut(), trace) {
                        ev.rules.extend(t.rules.into_iter().map(|mut r| {
                            r.order = Some(member.order());
                            if one_port {
                                r.ports = None;
                            }
                            r
                        }));
                        ev.misses.extend(t.misses);
                        ev.notes.extend(t.notes);
                    }
                }
                Member::Calico(p) => {
                    let rules = match q.direction {
                        Direction::Ingress => &p.ingress,
                        Direction::Egress => &p.egress,
                    };
                    for (r, rule) in rules.iter().enumerate() {
                        if remaining.is_empty() {
                            break 'members;
                        }
                        let (got, undecidable) = self.rule_ports(engine, i, r, flow, &remaining);
                        if let (Some(ev), Some(Undecidable::SourcePorts)) = (evidence.as_deref_mut(), undecidable) {
                            ev.notes.push(Note::new(
                                "calico-source-ports",
                                format!(
                                    "{} {} rule {r} ({}) matches on the client's source port, which the cluster's \
                                     state does not tell: it is taken not to match",
                                    p.display(),
                                    q.direction.as_str(),
                                    rule.action.as_str()
                                ),
                            ));
                        }
                        if got.is_empty() {
                            if let Some(ev) = evidence.as_deref_mut()
                                && rule.action == Action::Allow
                            {
                                ev.misses.push(self.calico_miss(engine, p, r, rule, flow, &remaining));
                            }
                            continue;
                        }
                        if let Some(ev) = evidence.as_deref_mut() {
                            if rule.http && rule.action == Action::Allow {
                                ev.notes.push(Note::new(
                                    "calico-http",
                                    format!(
                                        "{} {} rule {r} also matches HTTP methods or paths (application layer \
                                         policy): requests it does not match are not allowed by it",
                                        p.display(),
                                        q.direction.as_str()
                                    ),
                                ));
                            }
                            let decision = match rule.action {
                                Action::Allow => Outcome::Allow,
                                Action::Deny => Outcome::Deny,
                                Action::Pass => Outcome::Pass,
                                Action::Log => Outcome::NoOpinion,
                            };
                            ev.rules.push(RuleEvidence {
                                kind: p.kind.label().into(),
                                namespace: p.namespace.clone(),
                                name: p.name.clone(),
                                priority: None,
                                order: p.order,
                                rule: r,
                                rule_name: None,
                                action: rule.action.as_str().into(),
                                decision,
                                peer: None,
                                peer_text: describe_entity(match q.direction {
                                    Direction::Ingress => &rule.source,
                                    Direction::Egress => &rule.destination,
                                }),
                                port_text: if one_port { describe_ports(rule) } else { got.to_string() },
                                ports: (!one_port).then(|| got.clone()),
                            });
                        }
                        match rule.action {
                            Action::Allow => allow.union_with(&got),
                            Action::Deny => deny.union_with(&got),
                            Action::Pass => {}
                            Action::Log => continue,
                        }
                        remaining = remaining.difference(&got);
                    }
                }
            }
        }
        if !remaining.is_empty() && self.tier.default_action == TierAction::Deny {
            deny.union_with(&remaining);
        }
        if let Some(ev) = evidence
            && !remaining.is_empty()
        {
            ev.end_of_tier = Some(EndOfTier {
                tier: self.tier.name.clone(),
                action: self.tier.default_action.as_str().into(),
                ports: (!one_port).then(|| remaining.clone()),
            });
        }
        (allow, deny)
    }

    fn calico_miss(
        &self,
        engine: &Engine<'_>,
        p: &CalicoPolicy,
        r: usize,
        rule: &CalicoRule,
        flow: &Flow<'_, '_>,
        scope: &PortSet,
    ) -> RuleMiss {
        let (entity, peer, peer_labels, sel) = match flow.q.direction {
            Direction::Ingress => {
                let i = self.index_of(p);
                (&rule.source, flow.q.peer, flow.peer_labels, self.compiled[i].entities[0][r][0].clone())
            }
            Direction::Egress => {
                let i = self.index_of(p);
                (&rule.destination, flow.q.peer, flow.peer_labels, self.compiled[i].entities[1][r][1].clone())
            }
        };
        let peer_miss = if entity_matches(engine, entity, sel.as_ref(), peer, peer_labels) {
            None
        } else {
            Some(entity_miss(entity, sel.as_ref(), peer, peer_labels))
        };
        // Would the rule match at some port of the scope with the peer as it is?
        let port_miss = peer_miss.is_none().then(|| crate::engine::verdict::PortMiss {
            rule_ports: rule.destination.ports.iter().map(ToString::to_string).collect(),
            resolves_to: scope.clone(),
        });
        let kind = match (&peer_miss, &port_miss) {
            (Some(_), _) => MissKind::Peer,
            (None, _) => MissKind::Port,
        };
        RuleMiss {
            kind: p.kind.label().into(),
            namespace: p.namespace.clone(),
            name: p.name.clone(),
            priority: None,
            rule: r,
            rule_name: None,
            action: rule.action.as_str().into(),
            miss: Miss {
                kind,
                rule: Some(r),
                peer: None,
                peer_text: Some(describe_entity(entity)),
                peer_miss,
                port_miss: port_miss.map(|mut m| {
                    m.resolves_to = PortSet::empty();
                    m.rule_ports.insert(0, describe_ports(rule));
                    m.rule_ports.truncate(1);
                    m
                }),
            },
        }
    }

    fn index_of(&self, p: &CalicoPolicy) -> usize {
        self.members.iter().position(|m| matches!(m, Member::Calico(q) if std::ptr::eq(*q, p))).unwrap_or_default()
    }
}

/// The ports a Calico rule matches at destination `dst` (its protocol, `notProtocol`, destination
/// `ports` and `notPorts`, named ports resolved on `dst`, and a destination Service's ports),
/// peers aside.
fn rule_port_set(engine: &Engine<'_>, rule: &CalicoRule, dst: Endpoint<'_>) -> PortSet {
    let mut ports = PortSet::empty();
    for protocol in Protocol::ALL {
        if rule.protocol.is_some_and(|m| !m.matches(protocol)) || rule.not_protocol.is_some_and(|m| m.matches(protocol))
        {
            continue;
        }
        ports.insert(protocol, MIN_PORT, MAX_PORT);
    }
    let dst_pod = dst.pod();
    let rule_set = |list: &[CalicoPort]| -> PortSet {
        let mut s = PortSet::empty();
        for protocol in Protocol::ALL {
            for port in list {
                match port {
                    CalicoPort::Range(a, b) => s.insert(protocol, *a, *b),
                    CalicoPort::Named(name) => {
                        for cp in dst_pod.map(|p| &*p.ports).unwrap_or_default() {
                            if cp.protocol == protocol && cp.name.as_deref() == Some(name) {
                                s.insert(protocol, cp.port, cp.port);
                            }
                        }
                    }
                }
            }
        }
        s
    };
    if !rule.destination.ports.is_empty() {
        ports = ports.intersection(&rule_set(&rule.destination.ports));
    }
    if !rule.destination.not_ports.is_empty() {
        ports = ports.difference(&rule_set(&rule.destination.not_ports));
    }
    if let Some((ns, name)) = &rule.destination.services {
        ports = ports.intersection(&service_ports(engine, ns, name, dst));
    }
    ports
}

/// Whether a rule's ports depend on its destination (named ports, a destination Service).
fn ports_depend_on_destination(rule: &CalicoRule) -> bool {
    let d = &rule.destination;
    d.services.is_some() || d.ports.iter().chain(&d.not_ports).any(|p| matches!(p, CalicoPort::Named(_)))
}

fn slot(d: Direction) -> usize {
    match d {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

/// Whether an entity (a rule's source or destination) matches an endpoint, ports aside.
fn entity_matches(
    engine: &Engine<'_>,
    e: &EntityRule,
    positive: Option<&Expr>,
    endpoint: Endpoint<'_>,
    labels: Option<&Labels>,
) -> bool {
    let ips = endpoint.ips();
    if !e.nets.is_empty() && !ips.iter().any(|ip| e.nets.iter().any(|n| n.contains(ip))) {
        return false;
    }
    if ips.iter().any(|ip| e.not_nets.iter().any(|n| n.contains(ip))) {
        return false;
    }
    if let Some(sel) = positive
        && !labels.is_some_and(|l| sel.matches(l))
    {
        return false;
    }
    if let (Some(not), Some(l)) = (&e.not_selector, labels)
        && not.matches(l)
    {
        return false;
    }
    if let Some((ns, name)) = &e.services
        && !is_backend(engine, ns, name, endpoint)
    {
        return false;
    }
    true
}

/// Why an entity does not match an endpoint.
fn entity_miss(e: &EntityRule, positive: Option<&Expr>, endpoint: Endpoint<'_>, labels: Option<&Labels>) -> PeerMiss {
    let ips = endpoint.ips();
    if let Some(net) = e.nets.first()
        && !ips.iter().any(|ip| e.nets.iter().any(|n| n.contains(ip)))
    {
        return match ips.first() {
            Some(ip) => PeerMiss::OutsideCidr { ip: *ip, cidr: net.to_string() },
            None => PeerMiss::NoIp,
        };
    }
    if let Some(ip) = ips.iter().find(|ip| e.not_nets.iter().any(|n| n.contains(*ip))) {
        let net = e.not_nets.iter().find(|n| n.contains(ip)).map(ToString::to_string).unwrap_or_default();
        return PeerMiss::CalicoSelector { requirements: vec![format!("notNets: {ip} is in {net}")] };
    }
    match (positive, labels, endpoint) {
        (Some(_), None, Endpoint::Ip(ip)) => return PeerMiss::NotAPod { ip },
        (Some(_), None, Endpoint::Pod(_)) => return PeerMiss::HostNetwork,
        (Some(sel), Some(l), _) if !sel.matches(l) => {
            return PeerMiss::CalicoSelector { requirements: sel.misses(l).iter().map(readable_miss).collect() };
        }
        _ => {}
    }
    if let (Some(not), Some(l)) = (&e.not_selector, labels)
        && not.matches(l)
    {
        return PeerMiss::CalicoSelector { requirements: vec![format!("notSelector {not} matches the peer")] };
    }
    if let Some((ns, name)) = &e.services {
        return PeerMiss::CalicoSelector { requirements: vec![format!("is not a backend of Service {ns}/{name}")] };
    }
    PeerMiss::CalicoSelector { requirements: Vec::new() }
}

/// A selector miss in the user's terms: a `namespaceSelector` requirement (Calico evaluates it as
/// `pcns.<key>`) is said to be about the namespace's label.
fn readable_miss(m: &super::selector::Miss) -> String {
    let text = m.to_string();
    if m.key.as_deref().is_some_and(|k| k.starts_with(NAMESPACE_LABEL_PREFIX)) {
        format!("namespace {}", text.replace(NAMESPACE_LABEL_PREFIX, ""))
    } else if m.key.as_deref().is_some_and(|k| k.starts_with(SERVICE_ACCOUNT_LABEL_PREFIX)) {
        format!("service account {}", text.replace(SERVICE_ACCOUNT_LABEL_PREFIX, ""))
    } else {
        text
    }
}

/// Whether `endpoint` is one of the Service's backends: a pod its selector picks in its
/// namespace, or an address its EndpointSlices list.
fn is_backend(engine: &Engine<'_>, ns: &str, name: &str, endpoint: Endpoint<'_>) -> bool {
    let Some(svc) = engine.snapshot().services.iter().find(|s| s.namespace == ns && s.name == name) else {
        return false;
    };
    match endpoint {
        Endpoint::Pod(p) => {
            (p.namespace == ns
                && svc.selector.as_ref().is_some_and(|sel| sel.iter().all(|(k, v)| p.labels.get(k) == Some(v))))
                || svc.endpoints.iter().any(|e| p.ips.contains(&e.ip))
        }
        Endpoint::Ip(ip) => svc.endpoints.iter().any(|e| e.ip == ip),
    }
}

/// The ports a Service sends to on `destination`: its target ports, named ones resolved there.
fn service_ports(engine: &Engine<'_>, ns: &str, name: &str, destination: Endpoint<'_>) -> PortSet {
    let mut s = PortSet::empty();
    let Some(svc) = engine.snapshot().services.iter().find(|s| s.namespace == ns && s.name == name) else {
        return s;
    };
    for sp in &svc.ports {
        match &sp.target_port {
            crate::engine::model::PortRef::Number(n) => s.insert(sp.protocol, *n, *n),
            crate::engine::model::PortRef::Name(n) => {
                for cp in destination.container_ports().unwrap_or_default() {
                    if cp.protocol == sp.protocol && cp.name.as_deref() == Some(n.as_str()) {
                        s.insert(cp.protocol, cp.port, cp.port);
                    }
                }
            }
        }
    }
    s
}

/// `selector app == "web"`, `nets 10.0.0.0/8`, `every peer`.
pub fn describe_entity(e: &EntityRule) -> String {
    let mut parts = Vec::new();
    if !e.nets.is_empty() {
        parts.push(format!("nets {}", e.nets.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")));
    }
    if !e.not_nets.is_empty() {
        parts.push(format!("notNets {}", e.not_nets.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")));
    }
    if let Some(s) = &e.namespace_selector {
        parts.push(format!("namespaceSelector {s}"));
    }
    if let Some(s) = &e.selector {
        parts.push(format!("selector {s}"));
    }
    if let Some(s) = &e.not_selector {
        parts.push(format!("notSelector {s}"));
    }
    if let Some(sa) = &e.service_accounts {
        if !sa.names.is_empty() {
            parts.push(format!("serviceAccounts {}", sa.names.join(", ")));
        }
        if let Some(s) = &sa.selector {
            parts.push(format!("serviceAccounts selector {s}"));
        }
    }
    if let Some((ns, name)) = &e.services {
        parts.push(format!("services {ns}/{name}"));
    }
    if parts.is_empty() { "every peer".to_string() } else { parts.join(" AND ") }
}

/// `TCP/80,8080`, `UDP/53 not 5353`, `every port`.
pub fn describe_ports(rule: &CalicoRule) -> String {
    let proto = match (rule.protocol, rule.not_protocol) {
        (Some(p), _) => p.to_string(),
        (None, Some(p)) => format!("not {p}"),
        (None, None) => String::new(),
    };
    let d = &rule.destination;
    let list = |ps: &[CalicoPort]| ps.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let mut text = proto;
    if !d.ports.is_empty() {
        text = if text.is_empty() { list(&d.ports) } else { format!("{text}/{}", list(&d.ports)) };
    }
    if !d.not_ports.is_empty() {
        text = format!("{text} notPorts {}", list(&d.not_ports)).trim().to_string();
    }
    if text.is_empty() { "every port".to_string() } else { text }
}

/// What a tier records for one side of one flow.
#[derive(Default)]
struct TierEvidence<'s> {
    selecting: Vec<Member<'s>>,
    rules: Vec<RuleEvidence>,
    misses: Vec<RuleMiss>,
    notes: Vec<Note>,
    end_of_tier: Option<EndOfTier>,
}

impl Layer for TierLayer<'_> {
    fn id(&self) -> &str {
        &self.id
    }

    fn answer(&self, engine: &Engine<'_>, q: &SideQuery<'_>, ports: Ports<'_>, side: &mut Side) -> Answer {
        if q.detail && workload(q.subject).is_none() {
            side.applies = false;
            side.not_applied =
                Some(if q.subject.pod().is_some() { NotApplied::HostNetwork } else { NotApplied::External });
        }
        let scope = match ports {
            Ports::One { port, protocol } => PortSet::single(protocol, port),
            Ports::Set(s) => s.clone(),
        };
        let mut ev = TierEvidence::default();
        let result = self.evaluate(engine, q, &scope, q.detail.then_some(&mut ev), side);
        let answer = match (result, ports) {
            (None, _) => Answer::no_opinion(ports),
            (Some((allow, deny)), Ports::One { .. }) => Answer::One(if !allow.is_empty() {
                Decision::Allow
            } else if !deny.is_empty() {
                Decision::Deny
            } else {
                Decision::Pass
            }),
            (Some((allow, deny)), Ports::Set(_)) => Answer::Set { allow, deny },
        };
        // Always recorded, even for a single tier: `why` shows Calico's evaluation by tier.
        if q.detail {
            let mut layer = LayerEvidence::of(&self.id, &answer);
            if layer.decision == Outcome::NoOpinion && !ev.selecting.is_empty() {
                // The tier took part and handed every port on.
                layer.decision = Outcome::Pass;
            }
            layer.rules = ev.rules;
            if !answer_allows(&answer) {
                layer.misses = ev.misses;
            }
            layer.notes.extend(ev.notes);
            layer.end_of_tier = ev.end_of_tier;
            layer.selecting = ev.selecting.iter().map(Member::display).collect();
            side.layers.push(layer);
        }
        answer
    }

    fn plan<'p>(&'p self, engine: &'p Engine<'_>, groups: &'p [&'p Pod]) -> Box<dyn LayerPlan + 'p> {
        Box::new(TierPlan::new(self, engine, groups))
    }

    fn coverage(&self, engine: &Engine<'_>, namespace: &str, pods: &[&Pod], direction: Direction) -> LayerCoverage {
        let ipv6 = engine.pod_addresses().uses_ipv6();
        let mut out = LayerCoverage::hands_on(pods.len());
        // Today's pods are weighed exactly against every peer, once per kind of pod: pods `exact`
        // cannot tell apart share one answer, and one peer stands for its kind. Without this, a
        // namespace of a 5,000-pod cluster cost 5,000 x 5,000 evaluations (32 s for `list`).
        let all = &engine.snapshot().pods;
        let fresh;
        let kinds = match self.kinds.get_or_init(|| Kinds::of(engine.snapshot(), self.address_use())) {
            kinds if kinds.pods == (all.as_ptr() as usize, all.len()) => kinds,
            // An engine on another snapshot than the first one asked (tests build such).
            _ => {
                fresh = Kinds::of(engine.snapshot(), self.address_use());
                &fresh
            }
        };
        let peers: Vec<&Pod> = kinds.representatives.iter().map(|&i| &all[i]).collect();
        let mut answers: HashMap<usize, Coverage> = HashMap::new();
        for (k, pod) in pods.iter().enumerate() {
            let labels = endpoint_labels(engine, pod);
            let selecting: Vec<usize> = (0..self.members.len())
                .filter(|&i| !pod.host_network && self.selects(engine, i, pod, &labels, direction))
                .collect();
            // Today's pods: exactly, peer by peer; the rule walk only names the policies.
            let mut exact = || match kinds.of_pod(pod) {
                Some(kind) => *answers.entry(kind).or_insert_with(|| self.exact(engine, pod, direction, &peers)),
                None => self.exact(engine, pod, direction, &peers),
            };
            let (c, by) = match self.cover(&selecting, direction, ipv6) {
                _ if selecting.is_empty() => (Coverage::HandsOn, Vec::new()),
                (_, by) if by.is_empty() => (exact(), selecting.iter().map(|&i| self.members[i].display()).collect()),
                (_, by) => (exact(), by),
            };
            out.pods[k] = c;
            match c {
                Coverage::Restricted => extend_unique(&mut out.restricting, by),
                Coverage::AllowedAll => extend_unique(&mut out.opening, by),
                Coverage::HandsOn => {}
            }
        }
        // A pod created tomorrow: selected only by policies whose selector does not look at the
        // pod's own labels.
        let fresh = Pod::stand_in(namespace, "", Default::default(), std::sync::Arc::from(Vec::new()));
        let labels = endpoint_labels(engine, &fresh);
        let selecting: Vec<usize> = (0..self.members.len())
            .filter(|&i| {
                let pod_free = match self.members[i] {
                    Member::Calico(p) => {
                        p.service_account_selector.is_none() && self.compiled[i].select.as_ref().is_some_and(scope_only)
                    }
                    Member::Kubernetes(p) => {
                        p.pod_selector.match_labels.is_empty() && p.pod_selector.match_expressions.is_empty()
                    }
                    Member::Cluster(p) => match &p.subject {
                        Subject::Namespaces(_) => true,
                        Subject::Pods { pods, .. } => pods.is_empty(),
                    },
                };
                pod_free && self.selects(engine, i, &fresh, &labels, direction)
            })
            .collect();
        let (c, by) = self.cover(&selecting, direction, ipv6);
        out.new_pod = c;
        if c != Coverage::HandsOn {
            out.new_pod_policies = by;
        }
        out
    }

    fn port_cuts(&self, _: &Engine<'_>, protocol: Protocol, cuts: &mut BTreeSet<u32>) {
        for m in &self.members {
            let p = match m {
                Member::Calico(p) => p,
                Member::Kubernetes(p) => {
                    for rule in p.ingress.iter().chain(&p.egress) {
                        for pp in rule.ports.iter().filter(|pp| pp.protocol == protocol) {
                            if let Some(PortRef::Number(n)) = pp.port {
                                cuts.insert(u32::from(n));
                                cuts.insert(u32::from(pp.end_port.unwrap_or(n)) + 1);
                            }
                        }
                    }
                    continue;
                }
                Member::Cluster(p) => {
                    crate::engine::tiers::policy_port_cuts(p, protocol, cuts);
                    continue;
                }
            };
            for rule in p.ingress.iter().chain(&p.egress) {
                if rule.protocol.is_some_and(|m| !m.matches(protocol)) {
                    continue;
                }
                for port in rule.destination.ports.iter().chain(&rule.destination.not_ports) {
                    if let CalicoPort::Range(a, b) = port {
                        cuts.insert(u32::from(*a));
                        cuts.insert(u32::from(*b) + 1);
                    }
                }
            }
        }
    }

    fn address_blocks(&self, _: &Engine<'_>, out: &mut Vec<IpBlock>) {
        for m in &self.members {
            match m {
                Member::Calico(p) => {
                    for rule in p.ingress.iter().chain(&p.egress) {
                        for e in [&rule.source, &rule.destination] {
                            for net in e.nets.iter().chain(&e.not_nets) {
                                out.push(IpBlock { cidr: *net, except: Vec::new() });
                            }
                        }
                    }
                }
                Member::Cluster(p) => crate::engine::tiers::policy_address_blocks(p, out),
                Member::Kubernetes(p) => {
                    for rule in p.ingress.iter().chain(&p.egress) {
                        for peer in &rule.peers {
                            if let crate::engine::model::Peer::IpBlock(b) = peer {
                                out.push(b.clone());
                            }
                        }
                    }
                }
            }
        }
    }
}

fn answer_allows(answer: &Answer) -> bool {
    match answer {
        Answer::One(d) => *d == Decision::Allow,
        Answer::Set { allow, deny } => deny.is_empty() && !allow.is_empty(),
    }
}

fn extend_unique(out: &mut Vec<String>, names: Vec<String>) {
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
}

/// True when a selector looks only at the labels Calico sets and the namespace's (not at a
/// pod's own labels): it selects a pod created tomorrow as it selects today's.
fn scope_only(e: &Expr) -> bool {
    match e {
        Expr::All | Expr::Global => true,
        Expr::Has(k)
        | Expr::Eq(k, _)
        | Expr::Ne(k, _)
        | Expr::In(k, _)
        | Expr::NotIn(k, _)
        | Expr::Contains(k, _)
        | Expr::StartsWith(k, _)
        | Expr::EndsWith(k, _) => {
            k.starts_with(NAMESPACE_LABEL_PREFIX) || k == NAMESPACE_LABEL || k == "projectcalico.org/orchestrator"
        }
        Expr::Not(e) => scope_only(e),
        Expr::And(es) | Expr::Or(es) => es.iter().all(scope_only),
    }
}

impl TierLayer<'_> {
    /// What the tier does for every peer on every port of a pod selected by `selecting`:
    /// walking the rules in order, a rule matching every peer on every port decides (Allow:
    /// open, Deny: restricted, Pass: handed on); the end of the tier restricts unless it passes.
    fn cover(&self, selecting: &[usize], direction: Direction, ipv6: bool) -> (Coverage, Vec<String>) {
        if selecting.is_empty() {
            return (Coverage::HandsOn, Vec::new());
        }
        let names: Vec<String> = selecting.iter().map(|&i| self.members[i].display()).collect();
        for &i in selecting {
            match self.members[i] {
                Member::Kubernetes(p) => {
                    // Only an empty rule opens to every peer on every port, conservatively.
                    let everything = rules_for(p, direction).iter().any(|r| r.ports.is_empty() && r.peers.is_empty());
                    if everything {
                        return (Coverage::AllowedAll, vec![self.members[i].display()]);
                    }
                }
                Member::Cluster(p) => match crate::engine::tiers::catch_all_rule(p, direction, ipv6) {
                    Some(ClusterAction::Allow) => return (Coverage::AllowedAll, vec![self.members[i].display()]),
                    Some(ClusterAction::Deny) => return (Coverage::Restricted, vec![self.members[i].display()]),
                    Some(ClusterAction::Pass) => return (Coverage::HandsOn, Vec::new()),
                    None => {}
                },
                Member::Calico(p) => {
                    let rules = match direction {
                        Direction::Ingress => &p.ingress,
                        Direction::Egress => &p.egress,
                    };
                    for rule in rules {
                        if !catch_all(rule) {
                            continue;
                        }
                        match rule.action {
                            Action::Allow => return (Coverage::AllowedAll, vec![self.members[i].display()]),
                            Action::Deny => return (Coverage::Restricted, vec![self.members[i].display()]),
                            Action::Pass => return (Coverage::HandsOn, Vec::new()),
                            Action::Log => {}
                        }
                    }
                }
            }
        }
        match self.tier.default_action {
            TierAction::Deny => (Coverage::Restricted, names),
            TierAction::Pass => (Coverage::HandsOn, Vec::new()),
        }
    }
}

impl TierLayer<'_> {
    /// For a pod of today that the tier selects: what it does, peer by peer, with every pod of
    /// the cluster (one of each kind `Kinds` tells apart, in `peers`) on every port,
    /// through the same evaluation as `why`: some port of some peer denied (`Restricted`), every
    /// port of every peer allowed (`AllowedAll`), or the rest handed on (`HandsOn`).
    fn exact(&self, engine: &Engine<'_>, pod: &Pod, direction: Direction, peers: &[&Pod]) -> Coverage {
        let all = PortSet::all();
        let mut everything = true;
        let mut side = Side::empty(direction);
        for &peer in peers {
            let (subject, other) = (Endpoint::Pod(pod), Endpoint::Pod(peer));
            let destination = match direction {
                Direction::Ingress => subject,
                Direction::Egress => other,
            };
            let q = SideQuery {
                direction,
                subject,
                peer: other,
                destination,
                hairpin: false,
                detail: false,
                layered: false,
            };
            let Some((allow, deny)) = self.evaluate(engine, &q, &all, None, &mut side) else {
                return Coverage::HandsOn;
            };
            if !deny.is_empty() {
                return Coverage::Restricted;
            }
            everything &= allow.is_all();
        }
        if everything { Coverage::AllowedAll } else { Coverage::HandsOn }
    }
}

/// How a tier looks at pods' addresses.
#[derive(Debug, PartialEq)]
enum AddressUse {
    /// Through these networks only (Calico `nets` and `notNets`, NetworkPolicy `ipBlock` CIDRs
    /// and their exceptions, cluster-wide `networks`): two pods whose every address falls in the
    /// same of them are the same to the tier. None: the tier never looks at addresses.
    Networks(Vec<IpNet>),
    /// Otherwise too (Calico `services`, whose backends are found by address; a cluster-wide
    /// `nodes` peer, or one of a kind unknown here): every address counts.
    Exact,
}

impl TierLayer<'_> {
    fn address_use(&self) -> AddressUse {
        let mut networks: Vec<IpNet> = Vec::new();
        for member in &self.members {
            match member {
                Member::Calico(p) => {
                    for e in p.ingress.iter().chain(&p.egress).flat_map(|r| [&r.source, &r.destination]) {
                        if e.services.is_some() {
                            return AddressUse::Exact;
                        }
                        networks.extend(e.nets.iter().chain(&e.not_nets));
                    }
                }
                Member::Kubernetes(p) => {
                    for d in [Direction::Ingress, Direction::Egress] {
                        for peer in rules_for(p, d).iter().flat_map(|r| &r.peers) {
                            if let Peer::IpBlock(block) = peer {
                                networks.push(block.cidr);
                                networks.extend(&block.except);
                            }
                        }
                    }
                }
                Member::Cluster(p) => {
                    for d in [Direction::Ingress, Direction::Egress] {
                        for peer in p.rules(d).iter().flat_map(|r| &r.peers) {
                            match peer {
                                TierPeer::Namespaces(_) | TierPeer::Pods { .. } | TierPeer::DomainNames(_) => {}
                                TierPeer::Networks(nets) => networks.extend(nets),
                                TierPeer::Nodes(_) | TierPeer::Unknown => return AddressUse::Exact,
                            }
                        }
                    }
                }
            }
        }
        networks.sort_unstable();
        networks.dedup();
        AddressUse::Networks(networks)
    }
}

/// What `TierLayer::exact` tells pods apart by: namespace, labels, service account, declared
/// ports (named ports resolve on them), the family of the first address (`ipVersion`), and for
/// each address the tier's networks holding it (or the addresses themselves, `AddressUse::Exact`).
#[derive(PartialEq, Eq, Hash)]
struct ExactKey<'p> {
    namespace: &'p str,
    labels: &'p Labels,
    service_account: Option<&'p str>,
    ports: &'p [ContainerPort],
    family: Option<bool>,
    ips: Option<&'p [IpAddr]>,
    /// Per address, the indices of the networks holding it, each address ended by `u32::MAX`.
    networks: Vec<u32>,
}

impl<'p> ExactKey<'p> {
    fn of(pod: &'p Pod, addresses: &AddressUse) -> Self {
        let mut networks = Vec::new();
        let ips = match addresses {
            AddressUse::Exact => Some(&pod.ips[..]),
            AddressUse::Networks(nets) => {
                if !nets.is_empty() {
                    for ip in &pod.ips {
                        networks.extend((0..nets.len()).filter(|&i| nets[i].contains(ip)).map(|i| i as u32));
                        networks.push(u32::MAX);
                    }
                }
                None
            }
        };
        ExactKey {
            namespace: &pod.namespace,
            labels: &pod.labels,
            service_account: pod.service_account.as_deref(),
            ports: &pod.ports,
            family: pod.ips.first().map(IpAddr::is_ipv4),
            ips,
            networks,
        }
    }
}

/// The kinds of the snapshot's pods off the host network (the peers a tier can weigh) that
/// `exact` tells apart: the pod standing for each (its index), and each pod's kind, by the pod's
/// address in the snapshot the layer was built from.
struct Kinds {
    /// The snapshot's pods these are of: where they start, and how many.
    pods: (usize, usize),
    representatives: Vec<usize>,
    kind_of: HashMap<usize, usize>,
}

impl Kinds {
    fn of(snapshot: &Snapshot, addresses: AddressUse) -> Self {
        let mut index: HashMap<ExactKey<'_>, usize> = HashMap::new();
        let mut representatives = Vec::new();
        let mut kind_of = HashMap::new();
        for (i, pod) in snapshot.pods.iter().enumerate().filter(|(_, p)| !p.host_network) {
            let next = representatives.len();
            let kind = *index.entry(ExactKey::of(pod, &addresses)).or_insert(next);
            if kind == next {
                representatives.push(i);
            }
            kind_of.insert(pod as *const Pod as usize, kind);
        }
        Kinds { pods: (snapshot.pods.as_ptr() as usize, snapshot.pods.len()), representatives, kind_of }
    }

    /// A pod's kind; none for a pod not of the snapshot (a stand-in) or on the host network.
    fn of_pod(&self, pod: &Pod) -> Option<usize> {
        self.kind_of.get(&(pod as *const Pod as usize)).copied()
    }
}

/// A rule that matches every flow: no criterion at all (beyond `Log`'s nothing).
fn catch_all(rule: &CalicoRule) -> bool {
    rule.protocol.is_none()
        && rule.not_protocol.is_none()
        && rule.ip_version.is_none()
        && !rule.http
        && rule.source.is_empty()
        && rule.destination.is_empty()
}

/// A tier's answers for a whole matrix, as `decide` gives them for one port, a row at a time.
/// Computed once per matrix: each group's Calico labels, per direction the members selecting it
/// (in tier order), and per rule of those members the groups each side of it matches (the same
/// `entity_matches`, `peer_matches` and `rule_match` the evaluation asks). A row then walks the
/// selecting members' rules over bitsets of the columns still open: the first rule matching a
/// column decides it (Allow, Deny; Pass hands it on; Log goes on), the tier's default action takes
/// what is left. Only what depends on the destination's named ports is asked per column.
struct TierPlan<'p, 's> {
    layer: &'p TierLayer<'s>,
    engine: &'p Engine<'p>,
    groups: &'p [&'p Pod],
    words: usize,
    /// Per group and direction (ingress, egress): the members selecting it, in tier order; empty
    /// for a group on the host network (not a workload endpoint).
    selecting: Vec<[Vec<usize>; 2]>,
    /// Per (member, direction, rule): the groups it matches.
    rules: HashMap<(usize, Direction, usize), RuleBits>,
    /// Per group: the address family of its first IP (`true`: IPv4).
    family: Vec<Option<bool>>,
}

/// The groups one rule of a member matches, ports aside.
enum RuleBits {
    /// A Calico rule: the groups its source entity matches and those its destination entity
    /// matches.
    Calico { source: Vec<u64>, destination: Vec<u64> },
    /// A NetworkPolicy rule: the groups its peers match (`None`: no peers, every peer).
    Kubernetes(Option<Vec<u64>>),
    /// A cluster-wide policy's rule: the groups its peers match.
    Cluster(Vec<u64>),
}

fn bit(bits: &[u64], c: usize) -> bool {
    bits[c / 64] & (1 << (c % 64)) != 0
}

impl<'p, 's> TierPlan<'p, 's> {
    fn new(layer: &'p TierLayer<'s>, engine: &'p Engine<'p>, groups: &'p [&'p Pod]) -> Self {
        let words = groups.len().div_ceil(64);
        let labels: Vec<Option<Labels>> =
            groups.iter().map(|g| workload(Endpoint::Pod(g)).map(|p| endpoint_labels(engine, p))).collect();
        // Members of one namespace (Calico NetworkPolicies, Kubernetes ones) select only groups of
        // that namespace: only those are asked.
        let mut by_namespace: HashMap<&str, Vec<usize>> = HashMap::new();
        for (g, pod) in groups.iter().enumerate() {
            by_namespace.entry(pod.namespace.as_str()).or_default().push(g);
        }
        let everyone: Vec<usize> = (0..groups.len()).collect();
        let mut selecting: Vec<[Vec<usize>; 2]> = vec![[Vec::new(), Vec::new()]; groups.len()];
        for (i, member) in layer.members.iter().enumerate() {
            let namespaced = match member {
                Member::Calico(p) => p.namespace.as_deref(),
                Member::Kubernetes(p) => Some(p.namespace.as_str()),
                Member::Cluster(_) => None,
            };
            let candidates = match namespaced {
                Some(ns) => by_namespace.get(ns).map(Vec::as_slice).unwrap_or_default(),
                None => &everyone,
            };
            for &g in candidates {
                let Some(l) = &labels[g] else { continue };
                for d in [Direction::Ingress, Direction::Egress] {
                    if layer.selects(engine, i, groups[g], l, d) {
                        selecting[g][slot(d)].push(i);
                    }
                }
            }
        }
        let network_policies = engine.network_policies();
        let mut rules = HashMap::new();
        for d in [Direction::Ingress, Direction::Egress] {
            let used: BTreeSet<usize> = selecting.iter().flat_map(|s| s[slot(d)].iter().copied()).collect();
            for i in used {
                let matching = |test: &dyn Fn(usize) -> bool| {
                    let mut bits = vec![0u64; words];
                    for g in 0..groups.len() {
                        if test(g) {
                            bits[g / 64] |= 1 << (g % 64);
                        }
                    }
                    bits
                };
                match layer.members[i] {
                    Member::Calico(p) => {
                        let list = match d {
                            Direction::Ingress => &p.ingress,
                            Direction::Egress => &p.egress,
                        };
                        for (r, rule) in list.iter().enumerate() {
                            let [src_sel, dst_sel] = &layer.compiled[i].entities[slot(d)][r];
                            let side = |e: &EntityRule, sel: &Option<Expr>| {
                                matching(&|g| {
                                    entity_matches(
                                        engine,
                                        e,
                                        sel.as_ref(),
                                        Endpoint::Pod(groups[g]),
                                        labels[g].as_ref(),
                                    )
                                })
                            };
                            let bits = RuleBits::Calico {
                                source: side(&rule.source, src_sel),
                                destination: side(&rule.destination, dst_sel),
                            };
                            rules.insert((i, d, r), bits);
                        }
                    }
                    Member::Kubernetes(policy) => {
                        for (r, rule) in rules_for(policy, d).iter().enumerate() {
                            let bits = (!rule.peers.is_empty()).then(|| {
                                matching(&|g| {
                                    rule.peers.iter().any(|peer| {
                                        network_policies.peer_matches(engine, policy, peer, Endpoint::Pod(groups[g]))
                                    })
                                })
                            });
                            rules.insert((i, d, r), RuleBits::Kubernetes(bits));
                        }
                    }
                    Member::Cluster(policy) => {
                        for (r, rule) in policy.rules(d).iter().enumerate() {
                            let bits = matching(&|g| {
                                crate::engine::tiers::rule_matches(engine, rule, Endpoint::Pod(groups[g]))
                            });
                            rules.insert((i, d, r), RuleBits::Cluster(bits));
                        }
                    }
                }
            }
        }
        let family = groups.iter().map(|g| g.ips.first().map(IpAddr::is_ipv4)).collect();
        TierPlan { layer, engine, groups, words, selecting, rules, family }
    }

    /// Clears in `bits` the columns whose destination does not take the port (for egress, each
    /// column is the destination; for ingress, the subject is).
    fn keep_destinations(&self, bits: &mut [u64], subject: usize, egress: bool, ok: impl Fn(&Pod) -> bool) {
        if egress {
            for c in 0..self.groups.len() {
                if bit(bits, c) && !ok(self.groups[c]) {
                    bits[c / 64] &= !(1 << (c % 64));
                }
            }
        } else if !ok(self.groups[subject]) {
            bits.iter_mut().for_each(|w| *w = 0);
        }
    }
}

impl LayerPlan for TierPlan<'_, '_> {
    fn row(&self, row: Row<'_>, allow: &mut [u64], deny: &mut [u64]) {
        let Row { direction, subject, port, protocol, undecided } = row;
        let selecting = &self.selecting[subject][slot(direction)];
        // The tier does not select the subject (or it is no workload): nothing for the whole row.
        if selecting.is_empty() {
            return;
        }
        let egress = direction == Direction::Egress;
        let engine = self.engine;
        let mut open: Vec<u64> = undecided.to_vec();
        let mut matched = vec![0u64; self.words];
        // `open` empty: every column is decided.
        let done = |open: &[u64]| open.iter().all(|w| *w == 0);
        'members: for &i in selecting {
            if done(&open) {
                break;
            }
            match self.layer.members[i] {
                Member::Kubernetes(policy) => {
                    // Allows what one of its rules allows; the rest goes on.
                    matched.iter_mut().for_each(|w| *w = 0);
                    for (r, rule) in rules_for(policy, direction).iter().enumerate() {
                        let RuleBits::Kubernetes(peers) = &self.rules[&(i, direction, r)] else { continue };
                        let mut bits = match peers {
                            Some(b) => b.clone(),
                            None => vec![!0u64; self.words],
                        };
                        if !rule.ports.is_empty() {
                            let named = rule.ports.iter().any(|pp| matches!(pp.port, Some(PortRef::Name(_))));
                            let ok =
                                |dst: &Pod| rule.ports.iter().any(|pp| pp.allows(protocol, port, Some(&dst.ports)));
                            self.keep_destinations(&mut bits, subject, egress && named, ok);
                        }
                        matched.iter_mut().zip(&bits).for_each(|(w, b)| *w |= b);
                    }
                    for k in 0..self.words {
                        allow[k] |= matched[k] & open[k];
                        open[k] &= !matched[k];
                    }
                }
                Member::Cluster(policy) => {
                    for (r, rule) in policy.rules(direction).iter().enumerate() {
                        let RuleBits::Cluster(peers) = &self.rules[&(i, direction, r)] else { continue };
                        let mut bits = peers.clone();
                        let named = crate::engine::tiers::names_a_port(rule);
                        let ok = |dst: &Pod| rule.allows_port(protocol, port, Some(&dst.ports));
                        self.keep_destinations(&mut bits, subject, egress && named, ok);
                        for k in 0..self.words {
                            let m = bits[k] & open[k];
                            match rule.action {
                                ClusterAction::Allow => allow[k] |= m,
                                ClusterAction::Deny => deny[k] |= m,
                                ClusterAction::Pass => {}
                            }
                            open[k] &= !m;
                        }
                        if done(&open) {
                            break 'members;
                        }
                    }
                }
                Member::Calico(p) => {
                    let list = match direction {
                        Direction::Ingress => &p.ingress,
                        Direction::Egress => &p.egress,
                    };
                    for (r, rule) in list.iter().enumerate() {
                        // The client's port is unknown: such a rule never matches.
                        if !rule.source.ports.is_empty() || !rule.source.not_ports.is_empty() {
                            continue;
                        }
                        let RuleBits::Calico { source, destination } = &self.rules[&(i, direction, r)] else {
                            continue;
                        };
                        // The subject's side of the rule, then the peer's.
                        let (mine, theirs) = if egress { (source, destination) } else { (destination, source) };
                        if !bit(mine, subject) {
                            continue;
                        }
                        let mut bits = theirs.clone();
                        if let Some(v) = rule.ip_version {
                            let own = self.family[subject];
                            for c in 0..self.groups.len() {
                                if self.family[c].or(own).is_some_and(|v4| v4 != (v == 4)) {
                                    bits[c / 64] &= !(1 << (c % 64));
                                }
                            }
                        }
                        let ok = |dst: &Pod| rule_port_set(engine, rule, Endpoint::Pod(dst)).contains(protocol, port);
                        self.keep_destinations(&mut bits, subject, egress && ports_depend_on_destination(rule), ok);
                        for k in 0..self.words {
                            let m = bits[k] & open[k];
                            match rule.action {
                                Action::Allow => allow[k] |= m,
                                Action::Deny => deny[k] |= m,
                                Action::Pass | Action::Log => {}
                            }
                            if rule.action != Action::Log {
                                open[k] &= !m;
                            }
                        }
                        if done(&open) {
                            break 'members;
                        }
                    }
                }
            }
        }
        if self.layer.tier.default_action == TierAction::Deny {
            for k in 0..self.words {
                deny[k] |= open[k];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `coverage` weighs one pod of each kind `ExactKey` tells apart, and shares its answer with
    /// the others: on every Calico example and fixture, each pod's answer against every peer (the
    /// addresses told apart too) is the answer of its kind against the kinds.
    #[test]
    fn a_kind_of_pod_stands_for_its_members_in_coverage() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut weighed, mut merged, mut merged_by_networks) = (0, 0, 0);
        // A tier that looks at addresses through networks: pods in 10.0.1.0/24 and out of it.
        let nets = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: from-net}\nspec:\n  \
                    selector: app == 'web'\n  types: [Ingress, Egress]\n  ingress:\n  - action: Allow\n    source: \
                    {nets: [10.0.1.0/24]}\n  - action: Deny\n    source: {notNets: [10.0.0.0/16]}\n  egress:\n  - \
                    action: Allow\n---\n"
            .to_string()
            + &["web-a 10.0.1.5", "web-b 10.0.2.5", "api-a 10.0.1.6", "api-b 10.0.1.7", "api-c 10.0.9.9", "api-d 10.1.0.1"]
                .map(|pod| {
                    let (name, ip) = pod.split_once(' ').unwrap();
                    let app = &name[..3];
                    format!("kind: Pod\nmetadata: {{name: {name}, namespace: shop, labels: {{app: {app}}}}}\nstatus: {{podIP: {ip}}}\n---\n")
                })
                .concat();
        for dir in
            ["examples-calico", "tests/fixtures/cli/calico_tiers", "tests/fixtures/cli/calico_cluster_wide", "nets"]
        {
            let mut snapshot = match dir {
                "nets" => crate::source::file::load_str(&nets, "nets.yaml", "default").unwrap(),
                dir => crate::source::file::load(&[root.join(dir)], "default", &mut std::io::empty()).unwrap(),
            };
            // A replica of every pod: same namespace, labels and ports, another name and address.
            let replicas: Vec<Pod> = (snapshot.pods.iter())
                .map(|p| Pod {
                    name: format!("{}-replica", p.name),
                    ips: p
                        .ips
                        .iter()
                        .map(|ip| match ip {
                            IpAddr::V4(v4) => IpAddr::V4((u32::from(*v4) ^ 0x80).into()),
                            IpAddr::V6(v6) => IpAddr::V6((u128::from(*v6) ^ 0x80).into()),
                        })
                        .collect(),
                    ..p.clone()
                })
                .collect();
            snapshot.pods.extend(replicas);
            let engine = Engine::new(&snapshot);
            let peers =
                |kinds: &Kinds| -> Vec<&Pod> { kinds.representatives.iter().map(|&i| &snapshot.pods[i]).collect() };
            let every = peers(&Kinds::of(&snapshot, AddressUse::Exact));
            for layer in tier_layers(&snapshot) {
                let addresses = layer.address_use();
                let by_networks = matches!(&addresses, AddressUse::Networks(nets) if !nets.is_empty());
                let kinds = Kinds::of(&snapshot, addresses);
                let kind_peers = peers(&kinds);
                merged += every.len() - kind_peers.len();
                merged_by_networks += if by_networks { every.len() - kind_peers.len() } else { 0 };
                for pod in snapshot.pods.iter().filter(|p| !p.host_network) {
                    let kind = &snapshot.pods[kinds.representatives[kinds.of_pod(pod).unwrap()]];
                    for direction in [Direction::Ingress, Direction::Egress] {
                        let exact = layer.exact(&engine, pod, direction, &every);
                        assert_eq!(
                            exact,
                            layer.exact(&engine, kind, direction, &kind_peers),
                            "{dir}: tier {}, {}/{} as {}/{}, {direction:?}",
                            layer.tier.name,
                            pod.namespace,
                            pod.name,
                            kind.namespace,
                            kind.name
                        );
                        weighed += 1;
                    }
                }
            }
        }
        assert!(
            weighed > 50 && merged > 0 && merged_by_networks > 0,
            "{weighed} answers, {merged} peers merged into their kind ({merged_by_networks} by networks)"
        );
    }
}
