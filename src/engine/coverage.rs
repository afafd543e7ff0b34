//! Default-deny coverage of a namespace, per direction: what `kubectl deny list` reports.
//!
//! - `deny`: a policy selecting every pod (`podSelector: {}`) isolates the direction, what the
//!   namespace-wide policies allow together does not re-open it, and no current pod is allowed
//!   everything by a narrower policy: pods created tomorrow are covered too.
//! - `allow-all`: isolated, but what is allowed admits every pod of the cluster on every port:
//!   the namespace-wide policies' rules together, or each current pod's policies.
//! - `pods`: every current pod is isolated, but nothing covers a new pod.
//! - `partial`: some pods are isolated (and not allowed everything). `none`: no pod is.
//!
//! "Admits every pod on every port" is decided by the union of what the rules allow, not by the
//! shape of one rule, and it is exactly what `why` would answer for every pod that could be the
//! peer (see `admits_every_pod`). Pods are judged by their labels (the live source reads them
//! metadata-only): a host-network pod counts by the policies that select it, although
//! NetworkPolicy does not apply to it (`why` says so).
//!
//! Every policy layer is asked, in pipeline order, what it does for each pod and for a pod created
//! tomorrow (`Layer::coverage`): the first layer that does not hand a pod on decides how it
//! stands. A default deny a cluster-wide layer provides (a Baseline-tier deny of every peer)
//! counts, named in `covered_by`. NetworkPolicy's answer is computed here
//! (`network_policy_coverage`), as it was before layers existed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use super::flow::Engine;
use super::model::{ContainerPort, Labels, NAMESPACE_NAME_LABEL, Peer, Pod, Policy, Rule, Selector, Snapshot};
use super::netpol::{has_type, rules_for};
use super::pipeline::{Coverage, LayerCoverage, first_decisive};
use super::ports::{PortSet, rule_port_set};
use super::verdict::Direction;

/// Namespaces Kubernetes itself manages, which `init` refuses by default and `list` marks.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

pub fn is_system_namespace(name: &str) -> bool {
    SYSTEM_NAMESPACES.contains(&name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Deny,
    AllowAll,
    Pods,
    Partial,
    None,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Deny => "deny",
            State::AllowAll => "allow-all",
            State::Pods => "pods",
            State::Partial => "partial",
            State::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectionCoverage {
    pub state: State,
    /// Pods of the namespace that no policy isolates in this direction, by name.
    pub not_isolated: Vec<String>,
    /// Pods that are isolated, but whose policies admit every pod of the cluster on every port.
    pub allowed_all: Vec<String>,
    /// The policies that make the state: the `{}` policies for `deny`, the re-opening ones for
    /// `allow-all`, the isolating ones otherwise.
    pub policies: Vec<String>,
    /// When a cluster-wide policy (not one of the namespace's NetworkPolicies) makes the state
    /// `deny` or `allow-all` for every pod, new ones included: that policy, kind and name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub covered_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceCoverage {
    pub namespace: String,
    pub system: bool,
    pub pods: usize,
    pub ingress: DirectionCoverage,
    pub egress: DirectionCoverage,
}

impl NamespaceCoverage {
    pub fn has_default_deny(&self) -> bool {
        self.ingress.state == State::Deny && self.egress.state == State::Deny
    }
}

/// What "every pod of the cluster" means for ipBlocks: the addresses pods have.
#[derive(Debug, Clone, Default)]
pub struct PodAddresses {
    /// The IPs of the pods not on the host network, sorted. Empty when none is known (pods read
    /// metadata-only, manifests without status): then a pod may have any address.
    known: Vec<u128>,
    known_v6: Vec<u128>,
    /// The cluster uses IPv6 (a pod or node address says so); otherwise it is taken for IPv4.
    ipv6: bool,
}

impl PodAddresses {
    /// Whether the cluster uses IPv6 (a pod or node address says so).
    pub fn uses_ipv6(&self) -> bool {
        self.ipv6
    }

    pub fn of(snapshot: &Snapshot) -> Self {
        let mut known = Vec::new();
        let mut known_v6 = Vec::new();
        for ip in snapshot.pods.iter().filter(|p| !p.host_network).flat_map(|p| &p.ips) {
            match ip {
                IpAddr::V4(v4) => known.push(u128::from(u32::from(*v4))),
                IpAddr::V6(v6) => known_v6.push(u128::from(*v6)),
            }
        }
        for v in [&mut known, &mut known_v6] {
            v.sort_unstable();
            v.dedup();
        }
        let ipv6 = !known_v6.is_empty() || snapshot.nodes.iter().any(|n| n.addresses.iter().any(IpAddr::is_ipv6));
        PodAddresses { known, known_v6, ipv6 }
    }
}

/// Coverage of every namespace of the snapshot (those read, and those only referenced by pods or
/// policies), sorted by name.
pub fn coverage(snapshot: &Snapshot) -> Vec<NamespaceCoverage> {
    coverage_of(&Engine::new(snapshot))
}

/// `coverage`, through an engine already built.
pub fn coverage_of(engine: &Engine) -> Vec<NamespaceCoverage> {
    let snapshot = engine.snapshot();
    let pods = pods_by_namespace(&snapshot.pods);
    let mut names: BTreeMap<&str, ()> = BTreeMap::new();
    for n in &snapshot.namespaces {
        names.insert(&n.name, ());
    }
    for ns in pods.keys() {
        names.insert(ns, ());
    }
    for p in &snapshot.policies {
        names.insert(&p.namespace, ());
    }
    names
        .keys()
        .map(|ns| {
            let pds = pods.get(ns).map(Vec::as_slice).unwrap_or_default();
            NamespaceCoverage {
                namespace: ns.to_string(),
                system: is_system_namespace(ns),
                pods: pds.len(),
                ingress: direction(engine, ns, pds, Direction::Ingress),
                egress: direction(engine, ns, pds, Direction::Egress),
            }
        })
        .collect()
}

/// The pods of each namespace, in snapshot order. Pods come grouped by namespace (kubectl lists
/// them so), so the map is searched once per run of pods of one namespace, not once per pod.
fn pods_by_namespace(all: &[Pod]) -> BTreeMap<&str, Vec<&Pod>> {
    let mut pods: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
    let mut run = all.iter().peekable();
    while let Some(first) = run.next() {
        let group = pods.entry(&first.namespace).or_default();
        group.push(first);
        while let Some(pod) = run.next_if(|p| p.namespace == first.namespace) {
            group.push(pod);
        }
    }
    pods
}

/// How one pod stands in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodState {
    /// No policy isolates it.
    NotIsolated,
    /// Isolated, but its policies admit every pod of the cluster on every port.
    AllowedAll,
    /// Isolated, and some pod or port is not admitted.
    Restricted,
}

/// The policies selecting a pod (by index among the isolating ones), and the ports it declares
/// when named ports resolve on it.
type Selection = (Vec<usize>, Option<Arc<[ContainerPort]>>);

/// Pod states in one namespace and direction; pods selected by the same policies (and declaring
/// the same ports, which named ports resolve on) share one answer.
struct PodStates<'a> {
    isolating: Vec<&'a Policy>,
    dir: Direction,
    addresses: &'a PodAddresses,
    known: HashMap<Selection, bool>,
    /// The state of pods sharing one label set (and, for ingress, one port list): the snapshot
    /// interns both, so the replicas of a workload are judged once (issue 16.2).
    shared: HashMap<(*const Labels, Option<*const [ContainerPort]>), PodState>,
}

impl<'a> PodStates<'a> {
    fn new(policies: &[&'a Policy], dir: Direction, addresses: &'a PodAddresses) -> Self {
        let isolating = policies.iter().copied().filter(|p| has_type(p, dir)).collect();
        PodStates { isolating, dir, addresses, known: HashMap::new(), shared: HashMap::new() }
    }

    /// How `pod` stands. The state depends only on its labels and (for ingress) its ports.
    fn of(&mut self, pod: &Pod) -> PodState {
        // The pointers only name the shared values, which the snapshot keeps alive meanwhile.
        let ports = (self.dir == Direction::Ingress).then_some(Arc::as_ptr(&pod.ports));
        let shared = (Arc::as_ptr(&pod.labels), ports);
        if let Some(state) = self.shared.get(&shared) {
            return *state;
        }
        let state = self.judge(pod);
        self.shared.insert(shared, state);
        state
    }

    fn judge(&mut self, pod: &Pod) -> PodState {
        let selecting: Vec<usize> =
            (0..self.isolating.len()).filter(|&i| self.isolating[i].pod_selector.matches(&pod.labels)).collect();
        if selecting.is_empty() {
            return PodState::NotIsolated;
        }
        // Named ports resolve on the destination: the pod itself for ingress; for egress they
        // depend on the peer, and are left out (they only ever add ports).
        let dst_ports = (self.dir == Direction::Ingress).then(|| pod.ports.clone());
        let key = (selecting, dst_ports);
        let open = match self.known.get(&key) {
            Some(open) => *open,
            None => {
                let policies: Vec<&Policy> = key.0.iter().map(|&i| self.isolating[i]).collect();
                let open = admits_every_pod(&policies, self.dir, key.1.as_deref(), self.addresses);
                self.known.insert(key, open);
                open
            }
        };
        if open { PodState::AllowedAll } else { PodState::Restricted }
    }
}

/// One namespace and direction through every layer.
fn direction(engine: &Engine, namespace: &str, pods: &[&Pod], dir: Direction) -> DirectionCoverage {
    let answers: Vec<LayerCoverage> =
        engine.layers().iter().map(|layer| layer.coverage(engine, namespace, pods, dir)).collect();
    let mut not_isolated = Vec::new();
    let mut allowed_all = Vec::new();
    for (i, pod) in pods.iter().enumerate() {
        match first_decisive(answers.iter().map(|a| a.pods[i])).0 {
            Coverage::HandsOn => not_isolated.push(pod.name.clone()),
            Coverage::AllowedAll => allowed_all.push(pod.name.clone()),
            Coverage::Restricted => {}
        }
    }
    not_isolated.sort();
    allowed_all.sort();
    let open = not_isolated.len() + allowed_all.len();
    let restricted = pods.len() - open;
    let (new_pod, by) = first_decisive(answers.iter().map(|a| a.new_pod));
    let new_pod_policies = by.map(|i| answers[i].new_pod_policies.clone()).unwrap_or_default();
    // A cluster-wide layer's policies are named with their kind; the namespace's own are not.
    let cluster_wide = by.is_some_and(|i| engine.layers()[i].id() != "networkpolicy");
    let restricting = || answers.iter().flat_map(|a| a.restricting.iter().cloned()).collect::<Vec<String>>();
    let (state, policies) = if new_pod == Coverage::AllowedAll {
        (State::AllowAll, new_pod_policies.clone())
    } else if new_pod == Coverage::Restricted && open == 0 {
        (State::Deny, new_pod_policies.clone())
    } else if !pods.is_empty() && allowed_all.len() == pods.len() {
        (State::AllowAll, answers.iter().flat_map(|a| a.opening.iter().cloned()).collect())
    } else if !pods.is_empty() && restricted == pods.len() {
        (State::Pods, restricting())
    } else if restricted > 0 || new_pod == Coverage::Restricted {
        (State::Partial, restricting())
    } else {
        (State::None, restricting())
    };
    let covered_by = match state {
        State::Deny | State::AllowAll if cluster_wide && new_pod != Coverage::HandsOn => new_pod_policies,
        _ => Vec::new(),
    };
    DirectionCoverage { state, not_isolated, allowed_all, policies, covered_by }
}

/// NetworkPolicy's coverage of one namespace and direction: a pod its policies isolate is
/// `Restricted`, or `AllowedAll` when together they admit every pod on every port; a pod created
/// tomorrow is covered by the policies selecting every pod (`podSelector: {}`).
pub(crate) fn network_policy_coverage(
    engine: &Engine,
    policies: &[&Policy],
    pods: &[&Pod],
    dir: Direction,
) -> LayerCoverage {
    let addresses = engine.pod_addresses();
    let isolating: Vec<&Policy> = policies.iter().copied().filter(|p| has_type(p, dir)).collect();
    let names = |ps: &[&Policy]| ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    let with_rules = |ps: &[&Policy]| -> Vec<String> {
        ps.iter().filter(|p| !rules_for(p, dir).is_empty()).map(|p| p.name.clone()).collect()
    };
    let wide: Vec<&Policy> = isolating.iter().copied().filter(|p| p.pod_selector.is_empty()).collect();
    let wide_open = !wide.is_empty() && admits_every_pod(&wide, dir, None, addresses);

    // Policies that open the pods allowed everything.
    let mut opening: BTreeSet<&str> = BTreeSet::new();
    let mut states = PodStates::new(&isolating, dir, addresses);
    let mut answers = Vec::with_capacity(pods.len());
    for pod in pods {
        let state = states.of(pod);
        if state == PodState::AllowedAll {
            for p in &isolating {
                if p.pod_selector.matches(&pod.labels) && !rules_for(p, dir).is_empty() {
                    opening.insert(&p.name);
                }
            }
        }
        answers.push(state.into());
    }
    let (new_pod, new_pod_policies) = if wide_open {
        (Coverage::AllowedAll, with_rules(&wide))
    } else if !wide.is_empty() {
        (Coverage::Restricted, names(&wide))
    } else {
        (Coverage::HandsOn, Vec::new())
    };
    LayerCoverage {
        pods: answers,
        new_pod,
        new_pod_policies,
        opening: isolating.iter().filter(|p| opening.contains(p.name.as_str())).map(|p| p.name.clone()).collect(),
        restricting: names(&isolating),
    }
}

/// Whether `list`'s answer on `snapshot` can depend on more than the pods' names and labels: on
/// their addresses (an ipBlock among rules that may add up to every port) or their declared ports
/// (a named port in such an ingress rule). The live source reads pods metadata-only unless so.
pub fn needs_pod_details(snapshot: &Snapshot) -> bool {
    let mut by_namespace: BTreeMap<&str, Vec<&Policy>> = BTreeMap::new();
    for p in &snapshot.policies {
        by_namespace.entry(&p.namespace).or_default().push(p);
    }
    by_namespace.values().any(|policies| {
        [Direction::Ingress, Direction::Egress].into_iter().any(|dir| {
            let rules: Vec<&Rule> =
                policies.iter().filter(|p| has_type(p, dir)).flat_map(|p| rules_for(p, dir)).collect();
            let detail = rules.iter().any(|r| {
                r.peers.iter().any(|p| matches!(p, Peer::IpBlock(_)))
                    || (dir == Direction::Ingress
                        && r.ports.iter().any(|p| matches!(p.port, Some(super::model::PortRef::Name(_)))))
            });
            // A named port counts as every port of its protocol: it may resolve to any.
            let mut union = PortSet::empty();
            for r in &rules {
                if r.ports.is_empty() {
                    union = PortSet::all();
                    break;
                }
                for p in &r.ports {
                    match p.port {
                        Some(super::model::PortRef::Name(_)) => {
                            union.insert(p.protocol, super::ports::MIN_PORT, super::ports::MAX_PORT)
                        }
                        _ => union.union_with(&p.port_set(None)),
                    }
                }
            }
            detail && union.is_all()
        })
    })
}

/// The largest number of label combinations `admits_every_pod` enumerates; past it, only
/// selectors that match every pod count (which can only under-report an opening).
const COMBINATION_BUDGET: usize = 1 << 14;

/// Whether the rules of `policies` for `dir`, together, admit every pod of the cluster on every
/// port and protocol: for every pod that could be the peer (any namespace, today's or tomorrow's,
/// with any labels, at any address `addresses` allows), the union of the ports of the rules that
/// admit it is every port. This is what `why` answers flow by flow, through the same selector and
/// ipBlock matching.
///
/// Labels are enumerated by class: for each key the selectors name, each value they name, another
/// value, and no label. Addresses by class too: the ranges the ipBlocks cut the address space
/// into, each represented by a known pod IP in it (or, when no pod IP is known, by its first
/// address). A pod without an address is left out: nothing can reach it or be reached from it.
pub fn admits_every_pod(
    policies: &[&Policy],
    dir: Direction,
    dst_ports: Option<&[ContainerPort]>,
    addresses: &PodAddresses,
) -> bool {
    let rules: Vec<(&Policy, &Rule, PortSet)> = policies
        .iter()
        .flat_map(|p| rules_for(p, dir).iter().map(move |r| (*p, r, rule_port_set(&r.ports, dst_ports))))
        .filter(|(_, _, ports)| !ports.is_empty())
        .collect();
    let mut union = PortSet::empty();
    for (_, _, ports) in &rules {
        union.union_with(ports);
    }
    if !union.is_all() {
        return false;
    }

    // The label classes.
    let mut namespace_keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut pod_keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (policy, rule, _) in &rules {
        for peer in &rule.peers {
            if let Peer::Selectors { pod_selector, namespace_selector } = peer {
                match namespace_selector {
                    Some(s) => selector_keys(s, &mut namespace_keys),
                    None => {
                        namespace_keys.entry(NAMESPACE_NAME_LABEL).or_default().insert(policy.namespace.as_str());
                    }
                }
                if let Some(s) = pod_selector {
                    selector_keys(s, &mut pod_keys);
                }
            }
        }
    }
    let namespace_classes = label_classes(&namespace_keys, true);
    let pod_classes = label_classes(&pod_keys, false);
    let combinations = namespace_classes.as_ref().map_or(0, Vec::len) * pod_classes.as_ref().map_or(0, Vec::len);
    let (namespace_classes, pod_classes) = match (namespace_classes, pod_classes) {
        (Some(n), Some(p)) if combinations <= COMBINATION_BUDGET => (n, p),
        // Too many: one class each, matched only by selectors that match everything.
        _ => (vec![None], vec![None]),
    };

    let address_classes = address_classes(&rules, addresses);
    for ns_labels in &namespace_classes {
        for pod_labels in &pod_classes {
            let mut by_selector = PortSet::empty();
            let mut by_address: Vec<&(&Policy, &Rule, PortSet)> = Vec::new();
            for entry in &rules {
                let (policy, rule, ports) = entry;
                let selected = rule.peers.is_empty()
                    || rule.peers.iter().any(|peer| match peer {
                        Peer::Selectors { pod_selector, namespace_selector } => {
                            let namespace_ok = match (namespace_selector, ns_labels) {
                                (Some(s), Some(labels)) => s.matches(labels),
                                (Some(s), None) => s.is_empty(),
                                (None, Some(labels)) => {
                                    labels.get(NAMESPACE_NAME_LABEL).map(String::as_str)
                                        == Some(policy.namespace.as_str())
                                }
                                (None, None) => false,
                            };
                            let pod_ok = match (pod_selector, pod_labels) {
                                (None, _) => true,
                                (Some(s), Some(labels)) => s.matches(labels),
                                (Some(s), None) => s.is_empty(),
                            };
                            namespace_ok && pod_ok
                        }
                        Peer::IpBlock(_) => false,
                    });
                if selected {
                    by_selector.union_with(ports);
                } else if rule.peers.iter().any(|p| matches!(p, Peer::IpBlock(_))) {
                    by_address.push(entry);
                }
            }
            if by_selector.is_all() {
                continue;
            }
            for ip in &address_classes {
                let mut ports = by_selector.clone();
                for (_, rule, rule_ports) in &by_address {
                    if rule.peers.iter().any(|p| matches!(p, Peer::IpBlock(b) if b.contains(*ip))) {
                        ports.union_with(rule_ports);
                    }
                }
                if !ports.is_all() {
                    return false;
                }
            }
            if address_classes.is_empty() {
                return false;
            }
        }
    }
    true
}

/// The keys a selector names, with the values it names.
fn selector_keys<'a>(s: &'a Selector, keys: &mut BTreeMap<&'a str, BTreeSet<&'a str>>) {
    for (k, v) in &s.match_labels {
        keys.entry(k.as_str()).or_default().insert(v.as_str());
    }
    for r in &s.match_expressions {
        let values = keys.entry(r.key.as_str()).or_default();
        values.extend(r.values.iter().map(String::as_str));
    }
}

/// A label value no selector names (label values cannot hold a NUL).
const OTHER_VALUE: &str = "\0other";

/// Every label map that can make a difference to selectors naming `keys`: each key with each
/// value named, another value, or absent (a namespace always has its name label). `None` when
/// there are more than the budget.
fn label_classes(keys: &BTreeMap<&str, BTreeSet<&str>>, namespace: bool) -> Option<Vec<Option<Labels>>> {
    let mut classes: Vec<Labels> = vec![Labels::new()];
    for (key, values) in keys {
        let always = namespace && *key == NAMESPACE_NAME_LABEL;
        let mut next = Vec::new();
        for labels in &classes {
            for value in values.iter().copied().chain([OTHER_VALUE]) {
                let mut l = labels.clone();
                l.insert(key.to_string(), value.to_string());
                next.push(l);
            }
            if !always {
                next.push(labels.clone());
            }
            if next.len() > COMBINATION_BUDGET {
                return None;
            }
        }
        classes = next;
    }
    if namespace {
        for l in &mut classes {
            if !l.contains_key(NAMESPACE_NAME_LABEL) {
                l.insert(NAMESPACE_NAME_LABEL.to_string(), OTHER_VALUE.to_string());
            }
        }
    }
    Some(classes.into_iter().map(Some).collect())
}

/// One address per class of addresses the rules' ipBlocks tell apart, among the addresses a pod
/// can have: the known pod IPs, or when none is known, any IPv4 address (and IPv6 when the
/// cluster uses it).
fn address_classes(rules: &[(&Policy, &Rule, PortSet)], addresses: &PodAddresses) -> Vec<IpAddr> {
    let mut cuts_v4: Vec<u128> = vec![0];
    let mut cuts_v6: Vec<u128> = vec![0];
    for (_, rule, _) in rules {
        for peer in &rule.peers {
            let Peer::IpBlock(b) = peer else { continue };
            for net in std::iter::once(&b.cidr).chain(&b.except) {
                let (lo, hi, cuts) = match net {
                    ipnet::IpNet::V4(n) => {
                        (u128::from(u32::from(n.network())), u128::from(u32::from(n.broadcast())), &mut cuts_v4)
                    }
                    ipnet::IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast()), &mut cuts_v6),
                };
                cuts.push(lo);
                if let Some(next) = hi.checked_add(1) {
                    cuts.push(next);
                }
            }
        }
    }
    let v4_end = u128::from(u32::MAX) + 1;
    cuts_v4.retain(|c| *c < v4_end);
    let mut out = Vec::new();
    let families: [(&mut Vec<u128>, &Vec<u128>, bool, bool); 2] =
        [(&mut cuts_v4, &addresses.known, false, true), (&mut cuts_v6, &addresses.known_v6, true, addresses.ipv6)];
    let any_known = !addresses.known.is_empty() || !addresses.known_v6.is_empty();
    for (cuts, known, v6, in_use) in families {
        cuts.sort_unstable();
        cuts.dedup();
        let to_ip = |n: u128| -> IpAddr { if v6 { IpAddr::V6(n.into()) } else { IpAddr::V4((n as u32).into()) } };
        for (i, &lo) in cuts.iter().enumerate() {
            if any_known {
                let hi = cuts.get(i + 1).copied();
                let at = known.partition_point(|k| *k < lo);
                if let Some(&k) = known.get(at)
                    && hi.is_none_or(|hi| k < hi)
                {
                    out.push(to_ip(k));
                }
            } else if in_use {
                out.push(to_ip(lo));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::model::Protocol::Tcp;
    use super::super::model::{Namespace, PolicyPort};
    use super::super::testkit::*;
    use super::*;

    fn ns_cov(policies: Vec<Policy>, pod_labels: &[&[(&str, &str)]]) -> NamespaceCoverage {
        let pods = pod_labels.iter().enumerate().map(|(i, l)| pod("app", &format!("p{i}"), l, "")).collect();
        let s = snapshot(vec![namespace("app", &[])], pods, policies);
        coverage(&s).into_iter().find(|c| c.namespace == "app").unwrap()
    }

    #[test]
    fn empty_pod_selector_policy_without_rules_is_deny() {
        let c = ns_cov(
            vec![policy("app", "default-deny-all", sel(&[])).ingress(vec![]).egress(vec![]).build()],
            &[&[("a", "1")]],
        );
        assert_eq!(c.ingress.state, State::Deny);
        assert_eq!(c.egress.state, State::Deny);
        assert!(c.has_default_deny());
        assert_eq!(c.ingress.policies, vec!["default-deny-all"]);
    }

    #[test]
    fn pods_of_a_namespace_apart_in_the_snapshot_are_grouped_in_order() {
        // Runs of one namespace are grouped at once; a namespace that comes back later joins
        // its first run, and every pod keeps its place.
        let order = [("a", "p1"), ("a", "p2"), ("b", "q1"), ("a", "p3"), ("c", "r1"), ("b", "q2"), ("b", "q3")];
        let pods: Vec<Pod> = order.iter().map(|(ns, name)| pod(ns, name, &[], "")).collect();
        let grouped = pods_by_namespace(&pods);
        let names = |ns: &str| grouped[ns].iter().map(|p| p.name.as_str()).collect::<Vec<_>>();
        assert_eq!(grouped.keys().copied().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(names("a"), ["p1", "p2", "p3"]);
        assert_eq!(names("b"), ["q1", "q2", "q3"]);
        assert_eq!(names("c"), ["r1"]);
        assert!(pods_by_namespace(&[]).is_empty());

        let s = snapshot(vec![namespace("a", &[])], pods, vec![]);
        let counts: Vec<(String, usize)> = coverage(&s).into_iter().map(|c| (c.namespace, c.pods)).collect();
        assert_eq!(counts, [("a".to_string(), 3), ("b".to_string(), 3), ("c".to_string(), 1)]);
    }

    #[test]
    fn deny_covers_a_namespace_without_pods() {
        let c = ns_cov(vec![policy("app", "d", sel(&[])).ingress(vec![]).build()], &[]);
        assert_eq!(c.ingress.state, State::Deny);
        assert_eq!(c.egress.state, State::None);
    }

    #[test]
    fn namespace_without_policies_is_none() {
        let c = ns_cov(vec![], &[&[("a", "1")], &[("a", "2")]]);
        assert_eq!(c.ingress.state, State::None);
        assert_eq!(c.ingress.not_isolated, vec!["p0", "p1"]);
        let empty = ns_cov(vec![], &[]);
        assert_eq!(empty.egress.state, State::None);
    }

    #[test]
    fn narrow_policies_covering_every_current_pod_are_pods() {
        let c = ns_cov(
            vec![
                policy("app", "a", sel(&[("a", "1")])).ingress(vec![]).build(),
                policy("app", "b", sel(&[("a", "2")])).ingress(vec![]).build(),
            ],
            &[&[("a", "1")], &[("a", "2")]],
        );
        assert_eq!(c.ingress.state, State::Pods);
        assert!(c.ingress.not_isolated.is_empty());
    }

    #[test]
    fn some_pods_isolated_is_partial() {
        let c = ns_cov(
            vec![policy("app", "a", sel(&[("a", "1")])).ingress(vec![]).build()],
            &[&[("a", "1")], &[("a", "2")]],
        );
        assert_eq!(c.ingress.state, State::Partial);
        assert_eq!(c.ingress.not_isolated, vec!["p1"]);
    }

    #[test]
    fn namespace_wide_allow_everything_rule_cancels_the_deny() {
        let c = ns_cov(
            vec![
                policy("app", "deny", sel(&[])).ingress(vec![]).build(),
                policy("app", "open", sel(&[])).ingress(vec![rule(vec![], vec![])]).build(),
            ],
            &[&[("a", "1")]],
        );
        assert_eq!(c.ingress.state, State::AllowAll);
        assert_eq!(c.ingress.policies, vec!["open"]);
    }

    #[test]
    fn one_pod_allowed_everything_makes_a_denied_namespace_partial() {
        let c = ns_cov(
            vec![
                policy("app", "deny", sel(&[])).ingress(vec![]).build(),
                policy("app", "web", sel(&[("a", "1")])).ingress(vec![rule(vec![], vec![])]).build(),
            ],
            &[&[("a", "1")], &[("a", "2")]],
        );
        assert_eq!(c.ingress.state, State::Partial);
        assert_eq!(c.ingress.allowed_all, vec!["p0"]);
        assert!(c.ingress.not_isolated.is_empty());
    }

    #[test]
    fn a_rule_limited_by_port_does_not_cancel_the_deny() {
        let c = ns_cov(
            vec![
                policy("app", "deny", sel(&[])).ingress(vec![]).build(),
                policy("app", "web", sel(&[])).ingress(vec![rule(vec![], vec![port(Tcp, 80)])]).build(),
            ],
            &[&[("a", "1")]],
        );
        assert_eq!(c.ingress.state, State::Deny);
    }

    fn opens(rules: Vec<Rule>, pods: &[&str]) -> bool {
        let p = policy("app", "p", sel(&[])).ingress(rules).build();
        let pods: Vec<Pod> = pods.iter().enumerate().map(|(i, ip)| pod("x", &format!("p{i}"), &[], ip)).collect();
        let s = snapshot(vec![], pods, vec![]);
        admits_every_pod(&[&p], Direction::Ingress, None, &PodAddresses::of(&s))
    }

    #[test]
    fn every_namespace_with_or_without_an_empty_pod_selector_admits_every_pod() {
        assert!(opens(vec![rule(vec![ns_peer(sel(&[]))], vec![])], &[]));
        assert!(opens(vec![rule(vec![and_peer(sel(&[]), sel(&[]))], vec![])], &[]));
        assert!(!opens(vec![rule(vec![pods_peer(sel(&[]))], vec![])], &[]), "own namespace only");
        assert!(!opens(vec![rule(vec![and_peer(sel(&[]), sel(&[("a", "1")]))], vec![])], &[]));
        assert!(!opens(vec![rule(vec![ns_peer(sel(&[("team", "x")]))], vec![])], &[]));
    }

    #[test]
    fn every_address_admits_every_pod_and_ipv6_clusters_need_both_families() {
        assert!(opens(vec![rule(vec![ip_peer("0.0.0.0/0", &[])], vec![])], &["10.0.0.1"]));
        assert!(opens(vec![rule(vec![ip_peer("0.0.0.0/0", &[])], vec![])], &[]), "no pod IP known: IPv4");
        assert!(!opens(vec![rule(vec![ip_peer("0.0.0.0/0", &[])], vec![])], &["fd00::1"]));
        assert!(opens(vec![rule(vec![ip_peer("0.0.0.0/0", &[]), ip_peer("::/0", &[])], vec![])], &["fd00::1"]));
        assert!(!opens(vec![rule(vec![ip_peer("0.0.0.0/0", &["10.0.0.0/8"])], vec![])], &["10.0.0.1"]));
        assert!(opens(vec![rule(vec![ip_peer("0.0.0.0/0", &["10.0.0.0/8"])], vec![])], &["192.168.0.1"]));
    }

    #[test]
    fn a_cidr_covering_every_known_pod_ip_admits_every_pod() {
        let pod_cidr = || vec![rule(vec![ip_peer("10.244.0.0/16", &[])], vec![])];
        assert!(opens(pod_cidr(), &["10.244.1.1", "10.244.2.1"]));
        assert!(!opens(pod_cidr(), &["10.244.1.1", "10.96.0.1"]), "one pod outside");
        assert!(!opens(pod_cidr(), &[]), "no pod IP known: not every address");
    }

    #[test]
    fn rules_and_policies_add_up_to_every_pod_on_every_port() {
        use super::super::model::Protocol::{Sctp, Udp};
        // namespaceSelector {} on TCP, 0.0.0.0/0 on UDP and SCTP.
        let split = vec![
            rule(vec![ns_peer(sel(&[]))], vec![any_port(Tcp)]),
            rule(vec![ip_peer("0.0.0.0/0", &[])], vec![any_port(Udp), any_port(Sctp)]),
        ];
        assert!(opens(split.clone(), &["10.0.0.1"]));
        let only_two = split[..1].to_vec();
        assert!(!opens(only_two, &["10.0.0.1"]));
        // Every port by ranges that meet.
        let ranges = vec![rule(
            vec![ns_peer(sel(&[]))],
            vec![range(Tcp, 1, 1000), range(Tcp, 1001, 65535), any_port(Udp), range(Sctp, 1, 65535)],
        )];
        assert!(opens(ranges, &[]));
        let gap = vec![rule(
            vec![ns_peer(sel(&[]))],
            vec![range(Tcp, 1, 1000), range(Tcp, 1002, 65535), any_port(Udp), any_port(Sctp)],
        )];
        assert!(!opens(gap, &[]));
        // Selectors that together match every label set: app exists, or app does not.
        use super::super::model::Operator::{DoesNotExist, Exists};
        let both = vec![
            rule(vec![and_peer(sel(&[]), expr("app", Exists, &[]))], vec![]),
            rule(vec![and_peer(sel(&[]), expr("app", DoesNotExist, &[]))], vec![]),
        ];
        assert!(opens(both, &[]));
        let one = vec![rule(vec![and_peer(sel(&[]), expr("app", Exists, &[]))], vec![])];
        assert!(!opens(one, &[]));
    }

    #[test]
    fn replicas_sharing_labels_are_judged_by_their_own_ports_on_ingress() {
        // Every TCP port but 80 by number, and 80 by name where the pod names it `http`. Both
        // pods share one interned label set; only the first declares http as 80.
        use super::super::model::Protocol::{Sctp, Udp};
        let rules = vec![rule(
            vec![ns_peer(sel(&[]))],
            vec![range(Tcp, 1, 79), range(Tcp, 81, 65535), named(Tcp, "http"), any_port(Udp), any_port(Sctp)],
        )];
        let p = policy("app", "open", sel(&[("app", "web")])).ingress(rules.clone()).egress(rules).build();
        let shared = Arc::new(labels(&[("app", "web")]));
        let mut a = with_ports(pod("app", "a", &[], ""), &[("http", 80, Tcp)]);
        let mut b = with_ports(pod("app", "b", &[], ""), &[("http", 8080, Tcp)]);
        a.labels = shared.clone();
        b.labels = shared;
        let s = snapshot(vec![namespace("app", &[])], vec![a, b], vec![p]);
        let c = coverage(&s).into_iter().find(|c| c.namespace == "app").unwrap();
        assert_eq!(c.ingress.allowed_all, vec!["a"], "b's http is not the missing port 80");
        assert_eq!(c.ingress.state, State::Partial);
        // Egress does not resolve named ports on the pod: both pods stand alike.
        assert_eq!(c.egress.allowed_all, Vec::<String>::new());
    }

    #[test]
    fn every_pod_opened_by_its_own_policy_is_allow_all() {
        let c = ns_cov(
            vec![policy("app", "a", sel(&[("a", "1")])).ingress(vec![rule(vec![], vec![])]).build()],
            &[&[("a", "1")]],
        );
        assert_eq!(c.ingress.state, State::AllowAll);
    }

    #[test]
    fn defaulted_ingress_only_policy_leaves_egress_open() {
        // podSelector {} with no policyTypes and no egress rules defaults to [Ingress].
        let mut p = policy("app", "d", sel(&[])).ingress(vec![]).build();
        p.types_defaulted = true;
        let c = ns_cov(vec![p], &[&[("a", "1")]]);
        assert_eq!(c.ingress.state, State::Deny);
        assert_eq!(c.egress.state, State::None);
    }

    #[test]
    fn system_namespaces_are_marked() {
        let s = snapshot(vec![namespace("kube-system", &[]), namespace("prod", &[])], vec![], vec![]);
        let c = coverage(&s);
        assert!(c[0].system && c[0].namespace == "kube-system");
        assert!(!c[1].system);
    }

    /// SplitMix64: deterministic random clusters.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn pick<T: Clone>(&mut self, items: &[T]) -> T {
            items[self.below(items.len() as u64) as usize].clone()
        }
    }

    /// Clusters behind namespace-wide and narrow policies whose rules often add up to everything:
    /// every-namespace selectors, selectors that cover each other, broad CIDRs, port lists that
    /// meet.
    fn random_cluster(seed: u64) -> Snapshot {
        use super::super::model::Operator::*;
        use super::super::model::Protocol::*;
        let mut rng = Rng(seed);
        let namespaces = vec![namespace("a", &[("team", "x")]), namespace("b", &[("team", "y")]), namespace("c", &[])];
        let no_ips = seed.is_multiple_of(5);
        let mut pods = Vec::new();
        for i in 0..(3 + rng.below(8)) {
            let ns = rng.pick(&["a", "b", "c"]);
            let mut labels = vec![];
            if rng.below(4) != 0 {
                labels.push(("app", rng.pick(&["a", "b"])));
            }
            if rng.below(3) == 0 {
                labels.push(("tier", "a"));
            }
            let ip = if no_ips || rng.below(12) == 0 {
                String::new()
            } else {
                let subnet = rng.below(3);
                let prefix = rng.pick(&["10.244", "10.0"]);
                format!("{prefix}.{subnet}.{}", i + 1)
            };
            let mut p = pod(ns, &format!("p{i}"), &labels, &ip);
            if rng.below(2) == 0 {
                p = with_ports(p, &[("http", 80, Tcp)]);
            }
            p.host_network = rng.below(15) == 0;
            pods.push(p);
        }
        let peers: Vec<Peer> = vec![
            ns_peer(sel(&[])),
            and_peer(sel(&[]), sel(&[])),
            and_peer(sel(&[]), sel(&[("app", "a")])),
            and_peer(sel(&[]), expr("app", Exists, &[])),
            and_peer(sel(&[]), expr("app", DoesNotExist, &[])),
            and_peer(sel(&[]), expr("app", NotIn, &["a"])),
            ns_peer(sel(&[("team", "x")])),
            ns_peer(expr("team", NotIn, &["x"])),
            pods_peer(sel(&[])),
            pods_peer(sel(&[("app", "a")])),
            ip_peer("0.0.0.0/0", &[]),
            ip_peer("10.0.0.0/8", &[]),
            ip_peer("10.244.0.0/16", &[]),
            ip_peer("0.0.0.0/0", &["10.0.0.0/8"]),
            ip_peer("10.0.0.0/16", &["10.0.2.0/24"]),
        ];
        let ports: Vec<PolicyPort> = vec![
            any_port(Tcp),
            any_port(Udp),
            any_port(Sctp),
            range(Tcp, 1, 1000),
            range(Tcp, 1001, 65535),
            range(Udp, 1, 65535),
            port(Tcp, 80),
            named(Tcp, "http"),
            range(Tcp, 1, 79),
            range(Tcp, 81, 65535),
        ];
        let mut policies = Vec::new();
        for i in 0..(1 + rng.below(5)) {
            let ns = rng.pick(&["a", "b", "c"]);
            let mut rules = Vec::new();
            for _ in 0..rng.below(4) {
                let peers = (0..rng.below(3)).map(|_| rng.pick(&peers)).collect();
                let ports = match rng.below(3) {
                    0 => vec![],
                    _ => (0..1 + rng.below(3)).map(|_| rng.pick(&ports)).collect(),
                };
                rules.push(rule(peers, ports));
            }
            let selector = match rng.below(4) {
                0 | 1 => sel(&[]),
                2 => sel(&[("app", "a")]),
                _ => expr("app", NotIn, &["a"]),
            };
            let b = policy(ns, &format!("np{i}"), selector);
            let b = match rng.below(3) {
                0 => b.ingress(rules),
                1 => b.egress(rules),
                _ => b.ingress(rules.clone()).egress(rules),
            };
            policies.push(b.build());
        }
        snapshot(namespaces, pods, policies)
    }

    /// Every pod that could be a peer, as far as the random clusters' selectors and ipBlocks can
    /// tell pods apart: each namespace (and new ones, labelled each way), each label set, each
    /// address a pod has (or, when none is known, one address per range the ipBlocks make).
    fn probes(s: &Snapshot) -> (Vec<Namespace>, Vec<Pod>) {
        let mut namespaces = s.namespaces.clone();
        for (name, team) in [("n-x", Some("x")), ("n-y", Some("y")), ("n-z", Some("z")), ("n-none", None)] {
            namespaces.push(namespace(name, &team.map(|t| vec![("team", t)]).unwrap_or_default()));
        }
        let mut ips: Vec<String> =
            s.pods.iter().filter(|p| !p.host_network).flat_map(|p| &p.ips).map(ToString::to_string).collect();
        ips.sort();
        ips.dedup();
        if ips.is_empty() {
            ips = [
                "0.0.0.1",
                "10.0.0.5",
                "10.0.1.5",
                "10.0.2.5",
                "10.1.0.1",
                "10.244.1.1",
                "192.168.0.5",
                "255.255.255.255",
            ]
            .map(String::from)
            .to_vec();
        }
        let label_sets: Vec<Vec<(&str, &str)>> = [None, Some("a"), Some("b"), Some("z")]
            .into_iter()
            .flat_map(|app| {
                [None, Some("a"), Some("z")].into_iter().map(move |tier| {
                    let mut l = vec![];
                    if let Some(v) = app {
                        l.push(("app", v));
                    }
                    if let Some(v) = tier {
                        l.push(("tier", v));
                    }
                    l
                })
            })
            .collect();
        let mut pods = Vec::new();
        for ns in &namespaces {
            for labels in &label_sets {
                for ip in &ips {
                    pods.push(pod(&ns.name, &format!("probe-{}", pods.len()), labels, ip));
                }
            }
        }
        (namespaces, pods)
    }

    /// `list` and `why` never disagree: a pod `list` counts as allowed everything (or not
    /// isolated) is allowed every port from and to every pod that could be the peer, by the
    /// engine's own evaluation; a pod `list` counts as isolated is refused something. A
    /// namespace is `deny` only when every pod is isolated, and `allow-all` only when the deny is
    /// re-opened for every pod.
    #[test]
    fn list_agrees_with_the_engine_on_random_clusters() {
        use super::super::flow::{Endpoint, Engine};
        use super::super::verdict::PortQuery;
        let mut seen = BTreeMap::new();
        for seed in 0..250 {
            let s = random_cluster(seed);
            let (namespaces, probes) = probes(&s);
            let mut probed = s.clone();
            probed.namespaces = namespaces;
            let engine = Engine::new(&probed);
            for c in coverage(&s) {
                for (dir, d) in [(Direction::Ingress, &c.ingress), (Direction::Egress, &c.egress)] {
                    *seen.entry(d.state).or_insert(0) += 1;
                    for pod in s.pods.iter().filter(|p| p.namespace == c.namespace && !p.host_network) {
                        let everything = probes.iter().all(|q| {
                            let (subject, peer, destination) = match dir {
                                Direction::Ingress => (Endpoint::Pod(pod), Endpoint::Pod(q), Endpoint::Pod(pod)),
                                Direction::Egress => (Endpoint::Pod(pod), Endpoint::Pod(q), Endpoint::Pod(q)),
                            };
                            let side = engine.side(dir, subject, peer, destination, PortQuery::ANY, false);
                            side.allowed_ports.is_some_and(|p| p.is_all())
                        });
                        let open = d.not_isolated.contains(&pod.name) || d.allowed_all.contains(&pod.name);
                        assert_eq!(
                            open,
                            everything,
                            "seed {seed}: {}/{} {dir:?}: list says {} but the engine {} every pod on every port",
                            pod.namespace,
                            pod.name,
                            if open { "open" } else { "isolated" },
                            if everything { "allows" } else { "does not allow" },
                        );
                        match d.state {
                            State::Deny => assert!(!open, "seed {seed}: deny with {} open", pod.name),
                            State::AllowAll => assert!(open, "seed {seed}: allow-all with {} isolated", pod.name),
                            _ => {}
                        }
                    }
                }
            }
        }
        for state in [State::Deny, State::AllowAll, State::Pods, State::Partial, State::None] {
            assert!(seen.get(&state).copied().unwrap_or(0) >= 10, "too few {state:?} among {seen:?}");
        }
    }
}
