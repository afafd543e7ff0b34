//! Truth tables of pod-to-pod connectivity, ported from kubernetes/kubernetes
//! `test/e2e/network/netpol/truthtable.go` and `reachability.go`: the expectation builders the
//! upstream cases call (`Expect`, `ExpectPeer`, `ExpectAllIngress`, `ExpectAllEgress`,
//! `AllowLoopback`), the comparison of expected against observed, and the grid print upstream uses
//! in its failure logs ("." connected, "X" blocked, "?" no value). Pure data: it must not know
//! about the binary, files or the policies of a case.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::PodString;

/// An n x n table of booleans, one per ordered pair of items; a pair may have no value yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TruthTable {
    items: Vec<PodString>,
    values: BTreeMap<(PodString, PodString), bool>,
}

impl TruthTable {
    /// Upstream's `NewTruthTableFromItems`: every pair set to `default`, or unset when `None`.
    pub fn new(items: &[PodString], default: Option<bool>) -> TruthTable {
        let mut values = BTreeMap::new();
        if let Some(value) = default {
            for from in items {
                for to in items {
                    values.insert((from.clone(), to.clone()), value);
                }
            }
        }
        TruthTable { items: items.to_vec(), values }
    }

    pub fn items(&self) -> &[PodString] {
        &self.items
    }

    pub fn contains(&self, item: &PodString) -> bool {
        self.items.contains(item)
    }

    /// Sets from -> to. Like upstream's `Set`, a pod outside the table is a bug in the case.
    pub fn set(&mut self, from: &PodString, to: &PodString, value: bool) {
        assert!(self.contains(from), "from-key {from} not found in the truth table");
        assert!(self.contains(to), "to-key {to} not found in the truth table");
        self.values.insert((from.clone(), to.clone()), value);
    }

    /// Upstream's `SetAllFrom`: every pair whose source is `from`.
    pub fn set_all_from(&mut self, from: &PodString, value: bool) {
        for to in self.items.clone() {
            self.set(from, &to, value);
        }
    }

    /// Upstream's `SetAllTo`: every pair whose destination is `to`.
    pub fn set_all_to(&mut self, to: &PodString, value: bool) {
        for from in self.items.clone() {
            self.set(&from, to, value);
        }
    }

    pub fn get(&self, from: &PodString, to: &PodString) -> Option<bool> {
        self.values.get(&(from.clone(), to.clone())).copied()
    }

    /// The ordered pairs that have no value, in row order.
    pub fn missing(&self) -> Vec<(PodString, PodString)> {
        let mut missing = Vec::new();
        for from in &self.items {
            for to in &self.items {
                if self.get(from, to).is_none() {
                    missing.push((from.clone(), to.clone()));
                }
            }
        }
        missing
    }

    /// Upstream's `IsComplete`: a value for every ordered pair.
    pub fn is_complete(&self) -> bool {
        self.missing().is_empty()
    }

    /// Upstream's `PrettyPrint`, with aligned columns instead of tabs.
    pub fn pretty_print(&self, indent: &str) -> String {
        let width = self.items.iter().map(|p| p.as_str().len()).max().unwrap_or(1).max(1);
        let mut lines = Vec::with_capacity(self.items.len() + 1);
        let mut header = format!("{indent}{:<width$}", "-");
        for to in &self.items {
            let _ = write!(header, " {:<width$}", to.as_str());
        }
        lines.push(header.trim_end().to_owned());
        for from in &self.items {
            let mut line = format!("{indent}{:<width$}", from.as_str());
            for to in &self.items {
                let mark = match self.get(from, to) {
                    None => "?",
                    Some(true) => ".",
                    Some(false) => "X",
                };
                let _ = write!(line, " {mark:<width$}");
            }
            lines.push(line.trim_end().to_owned());
        }
        lines.join("\n")
    }
}

/// Upstream's `Peer`: matches pods by namespace and/or name; an empty field matches everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Peer {
    namespace: Option<&'static str>,
    pod: Option<&'static str>,
}

impl Peer {
    /// `&Peer{}`: every pod.
    pub fn any() -> Peer {
        Peer::default()
    }

    /// `&Peer{Namespace: ns}`: every pod of a namespace.
    pub fn namespace(namespace: &'static str) -> Peer {
        Peer { namespace: Some(namespace), pod: None }
    }

    /// `&Peer{Namespace: ns, Pod: name}`: one pod.
    pub fn pod(namespace: &'static str, pod: &'static str) -> Peer {
        Peer { namespace: Some(namespace), pod: Some(pod) }
    }

    pub fn matches(&self, candidate: &PodString) -> bool {
        self.namespace.is_none_or(|ns| ns == candidate.namespace())
            && self.pod.is_none_or(|p| p == candidate.pod_name())
    }
}

/// The expected connectivity of one probe (one port and protocol), built the way upstream builds it.
#[derive(Clone, Debug)]
pub struct Reachability {
    pub expected: TruthTable,
    pods: Vec<PodString>,
}

impl Reachability {
    /// Upstream's `NewReachability(pods, defaultExpectation)`.
    pub fn new(pods: &[PodString], default_expectation: bool) -> Reachability {
        Reachability { expected: TruthTable::new(pods, Some(default_expectation)), pods: pods.to_vec() }
    }

    /// Upstream's `Expect`.
    pub fn expect(&mut self, from: &PodString, to: &PodString, connected: bool) {
        self.expected.set(from, to, connected);
    }

    /// Upstream's `ExpectAllIngress`: all traffic into `pod`.
    pub fn expect_all_ingress(&mut self, pod: &PodString, connected: bool) {
        self.expected.set_all_to(pod, connected);
    }

    /// Upstream's `ExpectAllEgress`: all traffic out of `pod`.
    pub fn expect_all_egress(&mut self, pod: &PodString, connected: bool) {
        self.expected.set_all_from(pod, connected);
    }

    /// Upstream's `ExpectPeer`: every pair whose source matches `from` and destination matches `to`.
    pub fn expect_peer(&mut self, from: Peer, to: Peer, connected: bool) {
        for source in self.pods.clone() {
            if !from.matches(&source) {
                continue;
            }
            for destination in self.pods.clone() {
                if to.matches(&destination) {
                    self.expected.set(&source, &destination, connected);
                }
            }
        }
    }

    /// Upstream's `AllowLoopback`: a pod reaches itself whatever the policies say.
    pub fn allow_loopback(&mut self) {
        for pod in self.pods.clone() {
            self.expected.set(&pod, &pod, true);
        }
    }
}

/// One ordered pair on which expected and observed disagree (a missing value counts as disagreement).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub from: PodString,
    pub to: PodString,
    pub expected: Option<bool>,
    pub observed: Option<bool>,
}

impl Mismatch {
    pub fn is_loopback(&self) -> bool {
        self.from == self.to
    }
}

/// Upstream's `Compare`: a table that is true where both tables hold the same value, plus the list
/// of disagreeing pairs. Both tables must have the same items in the same order.
pub fn compare(expected: &TruthTable, observed: &TruthTable) -> (TruthTable, Vec<Mismatch>) {
    assert_eq!(expected.items(), observed.items(), "cannot compare truth tables over different pods");
    let mut agreement = TruthTable::new(expected.items(), None);
    let mut mismatches = Vec::new();
    for from in expected.items() {
        for to in expected.items() {
            let (want, got) = (expected.get(from, to), observed.get(from, to));
            let agrees = want.is_some() && want == got;
            agreement.set(from, to, agrees);
            if !agrees {
                mismatches.push(Mismatch { from: from.clone(), to: to.clone(), expected: want, observed: got });
            }
        }
    }
    (agreement, mismatches)
}

/// How a cell reads in a failure message.
pub fn describe(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "allowed",
        Some(false) => "blocked",
        None => "no value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Model, Protocol, pod};

    fn pods() -> Vec<PodString> {
        Model::new(&[80], &[Protocol::Tcp]).all_pods()
    }

    fn blocked_pairs(r: &Reachability) -> Vec<String> {
        let items = r.expected.items().to_vec();
        let mut out = Vec::new();
        for from in &items {
            for to in &items {
                if r.expected.get(from, to) == Some(false) {
                    out.push(format!("{from}->{to}"));
                }
            }
        }
        out
    }

    #[test]
    fn new_reachability_is_complete_with_the_default() {
        let r = Reachability::new(&pods(), true);
        assert!(r.expected.is_complete());
        assert!(blocked_pairs(&r).is_empty());
        assert_eq!(r.expected.get(&pod("z", "c"), &pod("x", "a")), Some(true));
    }

    #[test]
    fn table_without_default_reports_every_pair_missing() {
        let table = TruthTable::new(&pods(), None);
        assert!(!table.is_complete());
        assert_eq!(table.missing().len(), 81);
    }

    #[test]
    fn expect_peer_to_a_namespace_blocks_its_whole_column_set() {
        let mut r = Reachability::new(&pods(), true);
        r.expect_peer(Peer::any(), Peer::namespace("x"), false);
        let blocked = blocked_pairs(&r);
        assert_eq!(blocked.len(), 27);
        assert!(blocked.contains(&"z/c->x/b".to_owned()));
        assert!(!blocked.iter().any(|pair| pair.ends_with("->y/a")));
    }

    #[test]
    fn expect_peer_from_one_pod_to_one_namespace() {
        let mut r = Reachability::new(&pods(), true);
        r.expect_peer(Peer::pod("x", "a"), Peer::namespace("y"), false);
        assert_eq!(blocked_pairs(&r), ["x/a->y/a", "x/a->y/b", "x/a->y/c"]);
    }

    #[test]
    fn expect_all_ingress_and_egress_set_a_column_and_a_row() {
        let mut r = Reachability::new(&pods(), true);
        r.expect_all_ingress(&pod("x", "a"), false);
        r.expect(&pod("x", "b"), &pod("x", "a"), true);
        assert_eq!(blocked_pairs(&r).len(), 8);
        assert_eq!(r.expected.get(&pod("x", "b"), &pod("x", "a")), Some(true));
        assert_eq!(r.expected.get(&pod("x", "a"), &pod("x", "a")), Some(false));

        let mut r = Reachability::new(&pods(), true);
        r.expect_all_egress(&pod("y", "c"), false);
        assert_eq!(blocked_pairs(&r).len(), 9);
        assert!(blocked_pairs(&r).iter().all(|pair| pair.starts_with("y/c->")));
    }

    #[test]
    fn later_expectations_override_earlier_ones_like_upstream() {
        // The client-side egress case relies on this order: deny, then re-allow one pair.
        let mut r = Reachability::new(&pods(), true);
        r.expect_peer(Peer::pod("x", "a"), Peer::any(), false);
        r.expect_peer(Peer::pod("x", "a"), Peer::pod("y", "a"), true);
        assert_eq!(r.expected.get(&pod("x", "a"), &pod("y", "a")), Some(true));
        assert_eq!(r.expected.get(&pod("x", "a"), &pod("y", "b")), Some(false));
    }

    #[test]
    fn allow_loopback_sets_only_the_diagonal() {
        let mut r = Reachability::new(&pods(), false);
        r.allow_loopback();
        let items = pods();
        for from in &items {
            for to in &items {
                assert_eq!(r.expected.get(from, to), Some(from == to), "{from}->{to}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "to-key w/a not found")]
    fn setting_a_pod_outside_the_model_is_a_bug_in_the_case() {
        let mut r = Reachability::new(&pods(), true);
        r.expect(&pod("x", "a"), &pod("w", "a"), false);
    }

    #[test]
    fn compare_lists_disagreements_and_treats_missing_as_disagreement() {
        let items = pods();
        let expected = TruthTable::new(&items, Some(true));
        let mut observed = TruthTable::new(&items, None);
        for from in &items {
            for to in &items {
                observed.set(from, to, true);
            }
        }
        observed.set(&pod("y", "a"), &pod("x", "a"), false);
        let (agreement, mismatches) = compare(&expected, &observed);
        assert_eq!(mismatches.len(), 1);
        assert_eq!(
            mismatches[0],
            Mismatch { from: pod("y", "a"), to: pod("x", "a"), expected: Some(true), observed: Some(false) }
        );
        assert_eq!(agreement.get(&pod("y", "a"), &pod("x", "a")), Some(false));

        let empty = TruthTable::new(&items, None);
        let (_, mismatches) = compare(&expected, &empty);
        assert_eq!(mismatches.len(), 81);
        assert!(mismatches.iter().all(|m| m.observed.is_none()));
    }

    #[test]
    fn pretty_print_matches_upstream_marks() {
        let items = vec![pod("x", "a"), pod("x", "b")];
        let mut table = TruthTable::new(&items, None);
        table.set(&pod("x", "a"), &pod("x", "a"), true);
        table.set(&pod("x", "a"), &pod("x", "b"), false);
        table.set(&pod("x", "b"), &pod("x", "a"), true);
        assert_eq!(table.pretty_print("  "), "  -   x/a x/b\n  x/a .   X\n  x/b .   ?");
    }
}
