//! The policy-layer pipeline: per direction, a flow passes an ordered list of layers; each layer
//! answers Allow, Deny, Pass (hand on, having said so) or NoOpinion, with its evidence; the first
//! decisive answer wins; past the last layer the default is allow (Kubernetes' "pods are
//! non-isolated"). Both directions must allow: the source's egress and the destination's ingress
//! are two runs of the pipeline. Flows no policy can block (a pod to itself by its own IP, a pod
//! and its node) are settled before any layer (`flow::Engine::override_reason`).
//!
//! This module owns the contract between the engine and a policy kind, and the three places where
//! layers are combined: one side of one flow (`run_side`, for `why` and `decide`), a whole matrix
//! (`MatrixPlan`, bitsets per subject group), and `list`'s coverage (`combine_coverage`). It knows
//! no policy kind; `layers` is the one function that decides which layers a cluster has and in
//! which order.
//!
//! # Adding a layer (a policy kind)
//!
//! 1. Model: the kind's validated objects, as plain data, in the kind's engine module (see
//!    `netpol` for NetworkPolicy v1, `tiers` for the cluster-wide tiers), held by a field of
//!    `Snapshot`; its wire shape, defaulting and validation in one module of `source/`.
//! 2. Implement [`Layer`] in the kind's engine module. A layer is built once per snapshot (it may
//!    index its objects then) and is asked, per side of a flow:
//!    - [`Layer::answer`]: the decision for one port (`Ports::One`, the fast path `decide` takes,
//!      and `why` with a port), or for a set of ports (`Ports::Set`, `why` without a port): which
//!      of those ports it allows and which it denies; every other port is handed on (Pass or no
//!      opinion). Answer exactly: rules in order with a remaining `PortSet`, each matching rule
//!      deciding `remaining ∩ its ports`, then removing them. With `q.detail`, push one
//!      [`LayerEvidence`] to `side.layers` when `q.layered` (several layers: `why` shows the
//!      pipeline), and fill the NetworkPolicy-shaped fields of `Side` (`isolated`, `policies`)
//!      only if the layer is NetworkPolicy's (or wraps it, as Cilium's merged layer will).
//!      Without `q.detail`, collect nothing and return as early as the decision is known.
//!    - [`Layer::plan`]: for `matrix`, an object that decides a whole row of the matrix at once:
//!      per subject group and direction, allow bits and deny bits over the columns still
//!      undecided by the layers before it. Compute what depends only on the groups once, in
//!      `plan`. The property tests in `matrix` check every cell against `decide`.
//!    - [`Layer::coverage`]: for `list`, per pod of a namespace and for a pod created tomorrow,
//!      whether the layer denies every peer by default (`Restricted`), allows every peer on every
//!      port (`AllowedAll`), or hands the pod on (`HandsOn`).
//!    - [`Layer::port_cuts`] and [`Layer::address_blocks`]: where its rules cut the port space and
//!      the address space, so that `matrix` groups pods and ports no rule tells apart.
//! 3. Add it to [`layers`], at its place in the order, only when the snapshot holds objects of its
//!    kind: an absent kind must cost nothing.
//!
//! Layers never know about each other. A layer that composes another (Cilium's, which merges
//! NetworkPolicy and Cilium's own rules into one allow-list and replaces the NetworkPolicy layer in
//! `layers`; Calico's default tier, which orders NetworkPolicies among Calico policies by `order`)
//! uses the other's building blocks rather than the other layer: for NetworkPolicy,
//! `Engine::network_policies()` (the index by namespace, `isolating`) and
//! `NetworkPolicies::evaluate_policy` (one policy's verdict and evidence on one side), which fill
//! the same `PolicyEvidence` `why` shows.
//!
//! Evidence: `Side`'s own fields (`isolated`, `policies`, `applies`, `not_applied`) are
//! NetworkPolicy's, unchanged from before layers, so that clusters with NetworkPolicy only read
//! exactly as they did; `Side::layers` (left out of JSON when empty) tells the pipeline: one
//! `LayerEvidence` per layer in order, `not-reached` for those after the decision. What a layer
//! cannot decide from the cluster's state (a domain name, an L7 rule) is a `Note` in its evidence,
//! which `notes` turns into a caveat: never a silent guess.

use std::collections::BTreeSet;

use super::flow::{Endpoint, Engine};
use super::model::{IpBlock, Pod, Protocol, Snapshot};
use super::ports::PortSet;
use super::verdict::{Direction, LayerEvidence, Outcome, Side};

/// What one layer says about one side of a flow at one port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Allowed for this direction: no later layer is asked.
    Allow,
    /// Denied for this direction: no later layer is asked.
    Deny,
    /// Handed on explicitly (a `Pass` rule): the next layer decides.
    Pass,
    /// Nothing in this layer applies: the next layer decides.
    NoOpinion,
}

/// One side of one flow, as each layer is asked about it.
#[derive(Debug, Clone, Copy)]
pub struct SideQuery<'q> {
    pub direction: Direction,
    /// Whose policies apply: the source for egress, the destination for ingress.
    pub subject: Endpoint<'q>,
    /// The other end of the flow.
    pub peer: Endpoint<'q>,
    /// The destination, where named ports resolve (the subject for ingress, the peer for egress).
    pub destination: Endpoint<'q>,
    /// The flow reaches a pod through a Service that sends it back to the same pod (hairpin):
    /// the cluster-wide tiers evaluate it; NetworkPolicy cannot block a pod's traffic to itself.
    pub hairpin: bool,
    /// Collect evidence (`why`), or only decide (`decide`, the property tests).
    pub detail: bool,
    /// More than one layer: each pushes its `LayerEvidence` (with `detail`).
    pub layered: bool,
}

/// The ports a layer is asked about.
#[derive(Debug, Clone, Copy)]
pub enum Ports<'a> {
    /// One port: the fast path.
    One { port: u16, protocol: Protocol },
    /// The ports no earlier layer decided (never empty).
    Set(&'a PortSet),
}

/// A layer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// For `Ports::One`.
    One(Decision),
    /// For `Ports::Set`: the ports allowed and the ports denied, both within the set asked about
    /// and disjoint; the others are handed on.
    Set { allow: PortSet, deny: PortSet },
}

impl Answer {
    /// Nothing decided, for whichever kind of question.
    pub fn no_opinion(ports: Ports<'_>) -> Answer {
        match ports {
            Ports::One { .. } => Answer::One(Decision::NoOpinion),
            Ports::Set(_) => Answer::Set { allow: PortSet::empty(), deny: PortSet::empty() },
        }
    }
}

impl From<Decision> for Outcome {
    fn from(d: Decision) -> Outcome {
        match d {
            Decision::Allow => Outcome::Allow,
            Decision::Deny => Outcome::Deny,
            Decision::Pass => Outcome::Pass,
            Decision::NoOpinion => Outcome::NoOpinion,
        }
    }
}

impl From<&Answer> for Outcome {
    fn from(answer: &Answer) -> Outcome {
        match answer {
            Answer::One(d) => (*d).into(),
            Answer::Set { allow, deny } => match (allow.is_empty(), deny.is_empty()) {
                (true, true) => Outcome::NoOpinion,
                (false, true) => Outcome::Allow,
                (true, false) => Outcome::Deny,
                (false, false) => Outcome::Mixed,
            },
        }
    }
}

impl LayerEvidence {
    /// The evidence of a layer's answer: its outcome, and for a port set the ports allowed and
    /// denied. The layer adds its rules, misses and notes.
    pub fn of(layer: &str, answer: &Answer) -> LayerEvidence {
        let mut evidence = LayerEvidence::new(layer, answer.into());
        if let Answer::Set { allow, deny } = answer {
            evidence.allowed_ports = Some(allow.clone());
            evidence.denied_ports = Some(deny.clone());
        }
        evidence
    }
}

/// A policy kind's place in the pipeline. See the module documentation.
pub trait Layer {
    /// The layer's name in evidence and output: `admin`, `networkpolicy`, `baseline`.
    fn id(&self) -> &str;

    /// Decides one side of one flow at `ports`; with `q.detail`, records its evidence in `side`.
    fn answer(&self, engine: &Engine<'_>, q: &SideQuery<'_>, ports: Ports<'_>, side: &mut Side) -> Answer;

    /// What `matrix` asks: see [`LayerPlan`]. `groups` are one representative pod per group.
    fn plan<'p>(&'p self, engine: &'p Engine<'_>, groups: &'p [&'p Pod]) -> Box<dyn LayerPlan + 'p>;

    /// What `list` asks about one namespace and direction: see [`LayerCoverage`]. `pods` are the
    /// namespace's pods (by their labels; their addresses may be unknown).
    fn coverage(&self, engine: &Engine<'_>, namespace: &str, pods: &[&Pod], direction: Direction) -> LayerCoverage;

    /// Adds the first port of each range of `protocol` its rules name, and the port after each
    /// range (so `matrix --all-ports` decides one port per class of ports no rule tells apart).
    /// Named ports need nothing: they resolve to declared container ports, which are cut anyway.
    fn port_cuts(&self, engine: &Engine<'_>, protocol: Protocol, cuts: &mut BTreeSet<u32>);

    /// Adds the address blocks its rules match (so `matrix` never groups pods that a rule tells
    /// apart by address). Blocks may repeat.
    fn address_blocks(&self, engine: &Engine<'_>, out: &mut Vec<IpBlock>);
}

/// A layer's answers for a whole matrix, prepared once for its groups.
pub trait LayerPlan {
    /// For one row (a subject group and direction, at one port): sets in `allow` the columns
    /// (groups on the other side of the flow) the layer allows and in `deny` those it denies,
    /// among the columns set in `row.undecided` only. Column `c` is bit `c % 64` of word `c / 64`;
    /// the buffers arrive zeroed.
    fn row(&self, row: Row<'_>, allow: &mut [u64], deny: &mut [u64]);
}

/// One row of a matrix, as a layer's plan is asked about it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub direction: Direction,
    /// The subject group: the source for egress, the destination for ingress.
    pub subject: usize,
    pub port: u16,
    pub protocol: Protocol,
    /// The columns no earlier layer decided.
    pub undecided: &'a [u64],
}

/// What a layer does, in one direction, for every peer on every port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// It decides for no peer, or for some peers only: the next layer decides for the rest.
    HandsOn,
    /// A default deny: every peer it does not allow explicitly is denied.
    Restricted,
    /// It allows every peer on every port: the direction is open.
    AllowedAll,
}

/// One layer's coverage of one namespace and direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerCoverage {
    /// Per pod, in the order given.
    pub pods: Vec<Coverage>,
    /// For a pod created tomorrow, with labels nobody knows yet.
    pub new_pod: Coverage,
    /// The policies behind `new_pod` when it is not `HandsOn`, as named in output
    /// (`default-deny` for a NetworkPolicy of the namespace, `ClusterNetworkPolicy baseline`
    /// for a cluster-wide one).
    pub new_pod_policies: Vec<String>,
    /// The policies that make some pod `AllowedAll`, in the layer's order.
    pub opening: Vec<String>,
    /// The policies that restrict pods of the namespace in this direction, in the layer's order.
    pub restricting: Vec<String>,
}

impl LayerCoverage {
    /// A layer with nothing to say about these pods.
    pub fn hands_on(pods: usize) -> LayerCoverage {
        LayerCoverage {
            pods: vec![Coverage::HandsOn; pods],
            new_pod: Coverage::HandsOn,
            new_pod_policies: Vec::new(),
            opening: Vec::new(),
            restricting: Vec::new(),
        }
    }
}

/// The layers of a cluster, in evaluation order, built once from its snapshot. Generic order:
/// the Admin tier (when the snapshot has Admin-tier policies), NetworkPolicy v1 (always: it also
/// carries the per-side evidence every output shows), the Baseline tier (when it has
/// Baseline-tier policies). On a cluster with Calico objects, Calico's tiers in tier order
/// instead (`calico::layer::tier_layers`): the default tier holds the NetworkPolicies, the
/// `kube-admin` (tier order 1,000) and `kube-baseline` (10,000,000) tiers the Admin-tier and
/// Baseline-tier policies, beside Calico policies of those tiers.
pub fn layers<'s>(snapshot: &'s Snapshot) -> Vec<Box<dyn Layer + 's>> {
    use super::tiers::{Tier, TierLayer};
    let mut out: Vec<Box<dyn Layer + 's>> = Vec::new();
    if !snapshot.calico.is_empty() {
        for tier in super::calico::layer::tier_layers(snapshot) {
            out.push(Box::new(tier));
        }
        return out;
    }
    if let Some(admin) = TierLayer::new(snapshot, Tier::Admin) {
        out.push(Box::new(admin));
    }
    // Cilium enforces NetworkPolicy and its own policies as one list: its layer wraps
    // NetworkPolicy's evaluation and replaces its layer.
    if super::cilium::in_use(snapshot) {
        out.push(Box::new(super::cilium::CiliumLayer::new(snapshot)));
    } else {
        out.push(Box::new(super::netpol::NetworkPolicyLayer));
    }
    if let Some(baseline) = TierLayer::new(snapshot, Tier::Baseline) {
        out.push(Box::new(baseline));
    }
    out
}

/// A deny on one side that no NetworkPolicy can override, so that `why --suggest` has nothing to
/// offer and `why` does not offer it: who decides, and the rule (or end of tier) that denies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenyAbove {
    /// A deny of the Admin tier (AdminNetworkPolicy, ClusterNetworkPolicy Admin), evaluated before
    /// every namespace's policies.
    Admin(String),
    /// A Cilium deny rule: it wins over every allow, NetworkPolicy's included.
    Cilium(String),
    /// A Calico tier (or a Calico policy of the default tier ordered before the Kubernetes
    /// NetworkPolicies' 1000) that denies before the NetworkPolicies are reached.
    Calico { tier: String, what: String },
}

/// Whether `side` is denied by a layer that decides before NetworkPolicy does, or over it: the
/// one test behind `why`'s `--suggest` tip and `--suggest`'s refusal.
pub fn deny_above_networkpolicy(snapshot: &Snapshot, side: &Side) -> Option<DenyAbove> {
    use super::calico::{DEFAULT_TIER, KUBERNETES_POLICY_ORDER, Tier as CalicoTier};
    if side.allowed {
        return None;
    }
    let (layer, rule) = side.denied_by()?;
    let named = |direction: Direction| {
        rule.map(|r| {
            let section = r.rule_name.clone().unwrap_or_else(|| format!("{}[{}]", direction.as_str(), r.rule));
            match &r.namespace {
                Some(ns) => format!("{} {ns}/{} ({} {section})", r.kind, r.name, r.action),
                None => format!("{} {} ({} {section})", r.kind, r.name, r.action),
            }
        })
    };
    if layer.layer == "admin" {
        return named(side.direction).map(DenyAbove::Admin);
    }
    if layer.layer == super::cilium::LAYER {
        return rule.filter(|r| r.action == "Deny").map(|r| {
            let owner =
                r.namespace.as_ref().map_or_else(|| "cluster-wide".to_string(), |ns| format!("in namespace {ns}"));
            let section = r.rule_name.clone().unwrap_or_else(|| format!("{}[{}]", side.direction.as_str(), r.rule));
            DenyAbove::Cilium(format!("{} {} ({owner}; {section})", r.kind, r.name))
        });
    }
    let tier = layer.layer.strip_prefix("calico-tier:")?;
    let what = named(side.direction).unwrap_or_else(|| format!("the end of tier {tier} (its default action Deny)"));
    if tier == DEFAULT_TIER {
        let early =
            rule.is_some_and(|r| r.kind != "NetworkPolicy" && r.order.is_some_and(|o| o < KUBERNETES_POLICY_ORDER));
        return early.then(|| DenyAbove::Calico { tier: tier.to_string(), what });
    }
    let order = |name: &str| {
        snapshot
            .calico
            .tiers
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .or_else(|| CalicoTier::built_in(name))
            .and_then(|t| t.order)
            .unwrap_or(f64::INFINITY)
    };
    let before = order(tier).total_cmp(&order(DEFAULT_TIER)).then_with(|| tier.cmp(DEFAULT_TIER)).is_lt();
    before.then(|| DenyAbove::Calico { tier: tier.to_string(), what })
}

/// One side of one flow through every layer. For `Ports::One`, whether it is allowed; for
/// `Ports::Set`, the ports allowed (those no layer decided are allowed by default). Layers after
/// the one that decided everything are not asked; with evidence, each layer asked (or not) is
/// recorded when there are several.
pub(crate) fn run_side(
    engine: &Engine<'_>,
    q: &SideQuery<'_>,
    ports: Ports<'_>,
    side: &mut Side,
) -> (bool, Option<PortSet>) {
    let layers = engine.layers();
    match ports {
        Ports::One { .. } => {
            for (i, layer) in layers.iter().enumerate() {
                match layer.answer(engine, q, ports, side) {
                    Answer::One(Decision::Allow) => {
                        not_reached(layers, i + 1, q, side);
                        return (true, None);
                    }
                    Answer::One(Decision::Deny) => {
                        not_reached(layers, i + 1, q, side);
                        return (false, None);
                    }
                    Answer::One(Decision::Pass | Decision::NoOpinion) => {}
                    Answer::Set { .. } => unreachable!("a layer answers a one-port question with one decision"),
                }
            }
            (true, None)
        }
        Ports::Set(scope) => {
            let mut remaining = scope.clone();
            let mut allowed = PortSet::empty();
            for (i, layer) in layers.iter().enumerate() {
                if remaining.is_empty() {
                    not_reached(layers, i, q, side);
                    break;
                }
                match layer.answer(engine, q, Ports::Set(&remaining), side) {
                    Answer::Set { allow, deny } => {
                        if allow.is_empty() && deny.is_empty() {
                            continue;
                        }
                        allowed.union_with(&allow.intersection(&remaining));
                        remaining = remaining.difference(&allow).difference(&deny);
                    }
                    Answer::One(_) => unreachable!("a layer answers a port-set question with port sets"),
                }
            }
            allowed.union_with(&remaining);
            (!allowed.is_empty(), Some(allowed))
        }
    }
}

/// Records the layers from `from` on as not reached.
fn not_reached(layers: &[Box<dyn Layer + '_>], from: usize, q: &SideQuery<'_>, side: &mut Side) {
    if q.detail && q.layered {
        for layer in &layers[from..] {
            side.layers.push(LayerEvidence::not_reached(layer.id()));
        }
    }
}

/// Every layer's plan for one matrix, combined row by row in pipeline order.
pub(crate) struct MatrixPlan<'p> {
    plans: Vec<Box<dyn LayerPlan + 'p>>,
    groups: usize,
    words: usize,
}

/// One row per subject group: the groups on the other side it may reach (egress) or be reached
/// from (ingress).
pub(crate) struct Rows {
    words: usize,
    bits: Vec<u64>,
}

impl Rows {
    pub(crate) fn get(&self, row: usize, col: usize) -> bool {
        self.bits[row * self.words + col / 64] & (1 << (col % 64)) != 0
    }

    /// The bits of one row.
    pub(crate) fn row(&self, row: usize) -> &[u64] {
        &self.bits[row * self.words..(row + 1) * self.words]
    }

    /// The transpose of a square `n` x `n` matrix of rows: bit `c` of row `r` becomes bit `r` of
    /// row `c`, 64 x 64 blocks at a time.
    pub(crate) fn transposed(&self, n: usize) -> Rows {
        let words = self.words;
        let mut bits = vec![0u64; n * words];
        let mut block = [0u64; 64];
        for br in 0..words {
            for bc in 0..words {
                for (i, w) in block.iter_mut().enumerate() {
                    let r = br * 64 + i;
                    *w = if r < n { self.bits[r * words + bc] } else { 0 };
                }
                transpose64(&mut block);
                for (i, w) in block.iter().enumerate() {
                    let r = bc * 64 + i;
                    if r < n {
                        bits[r * words + br] = *w;
                    }
                }
            }
        }
        Rows { words, bits }
    }
}

/// Transposes a 64 x 64 bit matrix in place (row `i` is word `i`, column `j` is bit `j`), by
/// swapping ever smaller blocks.
fn transpose64(a: &mut [u64; 64]) {
    let mut width = 32;
    let mut mask: u64 = 0x0000_0000_FFFF_FFFF;
    while width != 0 {
        let mut k = 0;
        while k < 64 {
            for i in k..k + width {
                // Bits `width..2*width` of row `i` swap with bits `0..width` of row `i + width`.
                let t = ((a[i] >> width) ^ a[i + width]) & mask;
                a[i] ^= t << width;
                a[i + width] ^= t;
            }
            k += 2 * width;
        }
        width >>= 1;
        mask ^= mask << width;
    }
}

impl<'p> MatrixPlan<'p> {
    pub(crate) fn new(engine: &'p Engine<'_>, groups: &'p [&'p Pod]) -> Self {
        let plans = engine.layers().iter().map(|layer| layer.plan(engine, groups)).collect();
        MatrixPlan { plans, groups: groups.len(), words: groups.len().div_ceil(64) }
    }

    /// For each group as the subject of `direction`: the groups on the other side the pipeline
    /// allows at `port`/`protocol`.
    pub(crate) fn allowed_sets(&self, direction: Direction, port: u16, protocol: Protocol) -> Rows {
        let words = self.words;
        let mut bits = vec![0u64; self.groups * words];
        let mut undecided = vec![0u64; words];
        let mut allow = vec![0u64; words];
        let mut deny = vec![0u64; words];
        for subject in 0..self.groups {
            undecided.iter_mut().for_each(|w| *w = !0);
            let row = &mut bits[subject * words..(subject + 1) * words];
            for plan in &self.plans {
                allow.iter_mut().for_each(|w| *w = 0);
                deny.iter_mut().for_each(|w| *w = 0);
                let row_query = Row { direction, subject, port, protocol, undecided: &undecided };
                plan.row(row_query, &mut allow, &mut deny);
                let mut open = false;
                for k in 0..words {
                    row[k] |= allow[k] & undecided[k];
                    undecided[k] &= !(allow[k] | deny[k]);
                    open |= undecided[k] != 0;
                }
                if !open {
                    break;
                }
            }
            for k in 0..words {
                row[k] |= undecided[k];
            }
        }
        Rows { words, bits }
    }
}

/// How one pod (or a pod created tomorrow) stands after every layer: the first layer that does
/// not hand it on decides, and which layer that was.
pub(crate) fn first_decisive(answers: impl Iterator<Item = Coverage>) -> (Coverage, Option<usize>) {
    for (i, c) in answers.enumerate() {
        if c != Coverage::HandsOn {
            return (c, Some(i));
        }
    }
    (Coverage::HandsOn, None)
}

#[cfg(test)]
mod tests {
    use super::super::model::Protocol::{Tcp, Udp};
    use super::super::testkit::*;
    use super::super::verdict::PortQuery;
    use super::*;

    /// A layer that decides `ports` with `decision` for every side and hands on the rest.
    struct Fixed {
        id: &'static str,
        decision: Decision,
        ports: PortSet,
    }

    impl Layer for Fixed {
        fn id(&self) -> &str {
            self.id
        }

        fn answer(&self, _: &Engine<'_>, q: &SideQuery<'_>, ports: Ports<'_>, side: &mut Side) -> Answer {
            let answer = match ports {
                Ports::One { port, protocol } if self.ports.contains(protocol, port) => Answer::One(self.decision),
                Ports::One { .. } => Answer::One(Decision::NoOpinion),
                Ports::Set(asked) => {
                    let mine = asked.intersection(&self.ports);
                    match self.decision {
                        Decision::Allow => Answer::Set { allow: mine, deny: PortSet::empty() },
                        Decision::Deny => Answer::Set { allow: PortSet::empty(), deny: mine },
                        Decision::Pass | Decision::NoOpinion => Answer::no_opinion(ports),
                    }
                }
            };
            if q.detail && q.layered {
                side.layers.push(LayerEvidence::of(self.id, &answer));
            }
            answer
        }

        fn plan<'p>(&'p self, _: &'p Engine<'_>, _: &'p [&'p Pod]) -> Box<dyn LayerPlan + 'p> {
            Box::new(self)
        }

        fn coverage(&self, _: &Engine<'_>, _: &str, pods: &[&Pod], _: Direction) -> LayerCoverage {
            LayerCoverage::hands_on(pods.len())
        }

        fn port_cuts(&self, _: &Engine<'_>, _: Protocol, _: &mut BTreeSet<u32>) {}

        fn address_blocks(&self, _: &Engine<'_>, _: &mut Vec<IpBlock>) {}
    }

    /// The same decision for every peer at its ports, as `answer` gives it.
    impl LayerPlan for &Fixed {
        fn row(&self, row: Row<'_>, allow: &mut [u64], deny: &mut [u64]) {
            if !self.ports.contains(row.protocol, row.port) {
                return;
            }
            let out = match self.decision {
                Decision::Allow => allow,
                Decision::Deny => deny,
                Decision::Pass | Decision::NoOpinion => return,
            };
            out.copy_from_slice(row.undecided);
        }
    }

    fn fixed(id: &'static str, decision: Decision, ports: &[(Protocol, u16, u16)]) -> Box<dyn Layer> {
        let mut set = PortSet::empty();
        for &(p, lo, hi) in ports {
            set.insert(p, lo, hi);
        }
        Box::new(Fixed { id, decision, ports: set })
    }

    fn two_pods() -> Snapshot {
        snapshot(
            vec![namespace("a", &[])],
            vec![pod("a", "x", &[("app", "x")], "10.0.0.1"), pod("a", "y", &[("app", "y")], "10.0.0.2")],
            vec![],
        )
    }

    #[test]
    fn rows_transpose_bit_for_bit() {
        for n in [1usize, 63, 64, 65, 130] {
            let words = n.div_ceil(64);
            let mut state = n as u64;
            let bits: Vec<u64> = (0..n * words)
                .map(|_| {
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    state
                })
                .collect();
            // Bits past column n are never read.
            let rows = Rows { words, bits };
            let t = rows.transposed(n);
            for r in 0..n {
                for c in 0..n {
                    assert_eq!(t.get(c, r), rows.get(r, c), "n {n}: ({r}, {c})");
                }
            }
        }
    }

    #[test]
    fn a_plan_decides_the_undecided_columns_at_its_ports_only() {
        let snapshot = two_pods();
        let engine = Engine::new(&snapshot);
        let deny = fixed("deny", Decision::Deny, &[(Tcp, 80, 80)]);
        let plan = deny.plan(&engine, &[]);
        let undecided = [0b101u64];
        let row = |port| Row { direction: Direction::Ingress, subject: 0, port, protocol: Tcp, undecided: &undecided };
        let (mut allow, mut denied) = ([0u64], [0u64]);
        plan.row(row(80), &mut allow, &mut denied);
        assert_eq!((allow, denied), ([0], [0b101]));
        let (mut allow, mut denied) = ([0u64], [0u64]);
        plan.row(row(81), &mut allow, &mut denied);
        assert_eq!((allow, denied), ([0], [0]));
    }

    #[test]
    fn the_first_decisive_layer_wins_and_pass_hands_on() {
        let s = two_pods();
        let (x, y) = (Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]));
        let e = Engine::with_layers(
            &s,
            vec![
                fixed("first", Decision::Pass, &[(Tcp, 1, 65535)]),
                fixed("second", Decision::Deny, &[(Tcp, 80, 80)]),
                fixed("third", Decision::Allow, &[(Tcp, 1, 65535)]),
            ],
        );
        assert!(!e.decide(x, y, 80, Tcp), "Pass hands on to the Deny");
        assert!(e.decide(x, y, 81, Tcp), "the Allow of the third layer decides 81");
        let v = e.evaluate(x, y, PortQuery::Port { port: 80, protocol: Tcp });
        let decisions: Vec<Outcome> = v.egress.layers.iter().map(|l| l.decision).collect();
        assert_eq!(decisions, [Outcome::Pass, Outcome::Deny, Outcome::NotReached]);
    }

    #[test]
    fn no_layer_deciding_means_allowed() {
        let s = two_pods();
        let (x, y) = (Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]));
        let e = Engine::with_layers(
            &s,
            vec![fixed("a", Decision::NoOpinion, &[(Tcp, 1, 65535)]), fixed("b", Decision::Pass, &[])],
        );
        assert!(e.decide(x, y, 80, Tcp));
        let v = e.evaluate(x, y, PortQuery::ANY);
        assert!(v.allowed_ports.unwrap().is_all());
    }

    #[test]
    fn a_port_set_is_decided_range_by_range_in_layer_order() {
        let s = two_pods();
        let (x, y) = (Endpoint::Pod(&s.pods[0]), Endpoint::Pod(&s.pods[1]));
        let e = Engine::with_layers(
            &s,
            vec![
                fixed("allow-80", Decision::Allow, &[(Tcp, 80, 80)]),
                fixed("deny-tcp", Decision::Deny, &[(Tcp, 1, 65535)]),
                fixed("deny-udp-53", Decision::Deny, &[(Udp, 53, 53)]),
            ],
        );
        let v = e.evaluate(x, y, PortQuery::ANY);
        let allowed = v.allowed_ports.clone().unwrap();
        assert_eq!(allowed.ranges(Tcp), &[(80, 80)], "the earlier Allow keeps 80 from the later Deny");
        assert_eq!(allowed.ranges(Udp), &[(1, 52), (54, 65535)]);
        assert!(allowed.is_all_of(Protocol::Sctp), "what no layer decides is allowed");
        // Every port: the same answer as asking port by port.
        for (port, protocol) in [(80, Tcp), (81, Tcp), (53, Udp), (54, Udp)] {
            assert_eq!(e.decide(x, y, port, protocol), allowed.contains(protocol, port), "{port}/{protocol}");
        }
        let second = &v.egress.layers[1];
        assert_eq!(second.decision, Outcome::Deny);
        assert!(!second.denied_ports.as_ref().unwrap().contains(Tcp, 80), "80 was decided before it");
    }
}
