//! Reachability between many pods: the verdict of `Engine::decide` for every ordered pair, computed
//! once per pair of pod groups. Pods are grouped when nothing a policy can look at tells them apart:
//! namespace, labels, ports, host networking (and node, when a host-network pod is in scope), service
//! account (with Calico policies, or on Cilium), and which address blocks of any layer hold their IPs.
//! Cost grows with the number of groups, not with pods squared. Each policy layer decides whole rows
//! of the matrix at once (`pipeline::MatrixPlan`), as bits; the allowed cells are kept as bits too.

use std::collections::HashMap;
use std::sync::Arc;

use ipnet::IpNet;

use super::flow::{Engine, node_local, pod_pair_override};
use super::model::{ContainerPort, IpBlock, Labels, Pod, Protocol};
use super::pipeline::MatrixPlan;
use super::ports::{MAX_PORT, MIN_PORT, PortSet};
use super::verdict::Direction;

/// Pods no policy can tell apart.
#[derive(Debug, Clone)]
pub struct Group<'s> {
    pub members: Vec<&'s Pod>,
}

impl<'s> Group<'s> {
    pub fn representative(&self) -> &'s Pod {
        self.members[0]
    }
}

#[derive(Hash, PartialEq, Eq)]
struct GroupKey<'s> {
    namespace: &'s str,
    /// On a cluster with Calico policies (they match it) or enforced by Cilium (a pod's identity
    /// carries its service account).
    service_account: Option<&'s str>,
    labels: &'s Labels,
    ports: &'s [ContainerPort],
    host_network: bool,
    /// For host-network pods (their traffic is node-local to pods of that node), and for every pod
    /// on Cilium when host-network pods are in scope.
    node: Option<&'s str>,
    /// Which of the snapshot's distinct ipBlocks hold one of the pod's IPs.
    blocks: Vec<u32>,
}

/// Groups `pods` (in order of first appearance; members keep their order).
pub fn group<'s>(engine: &Engine<'s>, pods: &[&'s Pod]) -> Vec<Group<'s>> {
    let mut all: Vec<IpBlock> = Vec::new();
    for layer in engine.layers() {
        layer.address_blocks(engine, &mut all);
    }
    let mut blocks: Vec<IpNetBlock> = Vec::new();
    let mut seen: HashMap<(IpNet, Vec<IpNet>), ()> = HashMap::new();
    for b in all {
        if seen.insert((b.cidr, b.except.clone()), ()).is_none() {
            blocks.push(IpNetBlock { cidr: b.cidr, except: b.except });
        }
    }
    // Calico and Cilium tell pods apart by service account too.
    let by_service_account = !engine.snapshot().calico.is_empty() || engine.cilium();
    // On Cilium a host-network pod is `host` to the pods of its node and `remote-node` to the
    // others: then every pod's node tells pods apart.
    let by_node = engine.cilium() && pods.iter().any(|p| p.host_network);
    let mut index: HashMap<GroupKey<'s>, usize> = HashMap::new();
    let mut groups: Vec<Group<'s>> = Vec::new();
    for &pod in pods {
        let key = GroupKey {
            service_account: if by_service_account { pod.service_account.as_deref() } else { None },
            namespace: &pod.namespace,
            labels: &pod.labels,
            ports: &pod.ports,
            host_network: pod.host_network,
            node: if pod.host_network || by_node { pod.node.as_deref() } else { None },
            blocks: blocks
                .iter()
                .enumerate()
                .filter(|(_, b)| {
                    pod.ips.iter().any(|ip| b.cidr.contains(ip) && !b.except.iter().any(|e| e.contains(ip)))
                })
                .map(|(i, _)| i as u32)
                .collect(),
        };
        match index.get(&key) {
            Some(&g) => groups[g].members.push(pod),
            None => {
                index.insert(key, groups.len());
                groups.push(Group { members: vec![pod] });
            }
        }
    }
    groups
}

struct IpNetBlock {
    cidr: IpNet,
    except: Vec<IpNet>,
}

/// Which ports a matrix evaluates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortChoice {
    /// These ports for every destination.
    Given(Vec<(u16, Protocol)>),
    /// Each destination's declared container ports.
    Declared,
}

/// Verdicts for every ordered pair of groups at each destination's ports.
pub struct Matrix<'s> {
    pub groups: Vec<Group<'s>>,
    /// Per destination group, the ports evaluated.
    pub ports: Vec<Arc<[(u16, Protocol)]>>,
    offsets: Vec<usize>,
    /// Words per row of `allowed`.
    words: usize,
    /// Row `from`, bit `offsets[to] + k`: allowed between distinct pods of the groups at
    /// `ports[to][k]`.
    allowed: Vec<u64>,
    /// Whether Cilium enforces policy (node-local traffic is then allowed from the node only).
    cilium: bool,
}

impl<'s> Matrix<'s> {
    pub fn compute(engine: &Engine<'s>, pods: &[&'s Pod], choice: &PortChoice) -> Matrix<'s> {
        let groups = group(engine, pods);
        let n = groups.len();
        let ports: Vec<Arc<[(u16, Protocol)]>> = match choice {
            // One list shared by every group.
            PortChoice::Given(p) => vec![Arc::from(p.as_slice()); n],
            PortChoice::Declared => groups
                .iter()
                .map(|g| {
                    let mut p: Vec<(u16, Protocol)> =
                        g.representative().ports.iter().map(|cp| (cp.port, cp.protocol)).collect();
                    p.sort_unstable();
                    p.dedup();
                    Arc::from(p)
                })
                .collect(),
        };
        let mut offsets = Vec::with_capacity(n);
        let mut stride = 0;
        for p in &ports {
            offsets.push(stride);
            stride += p.len();
        }
        let words = stride.div_ceil(64);
        let mut allowed = vec![0u64; words * n];
        let reps: Vec<&'s Pod> = groups.iter().map(Group::representative).collect();
        let plan = MatrixPlan::new(engine, &reps);
        let mut values: Vec<(u16, Protocol)> = ports.iter().flat_map(|p| p.iter().copied()).collect();
        values.sort_unstable();
        values.dedup();
        // Given ports with one port: row `from` of the matrix is, bit for bit, the egress row of
        // `from` and the column `from` of the ingress rows.
        let aligned = matches!(choice, PortChoice::Given(p) if p.len() == 1);
        let group_words = n.div_ceil(64);
        for &(port, protocol) in &values {
            let egress = plan.allowed_sets(Direction::Egress, port, protocol);
            let ingress = plan.allowed_sets(Direction::Ingress, port, protocol).transposed(n);
            // Per destination group, where this port is in its list.
            let at: Vec<Option<usize>> = ports.iter().map(|p| p.iter().position(|&x| x == (port, protocol))).collect();
            for fi in 0..n {
                let (e, i) = (egress.row(fi), ingress.row(fi));
                let row = &mut allowed[fi * words..(fi + 1) * words];
                if aligned {
                    for k in 0..group_words {
                        row[k] = e[k] & i[k];
                    }
                } else {
                    for k in 0..group_words {
                        let mut w = e[k] & i[k];
                        while w != 0 {
                            let ti = k * 64 + w.trailing_zeros() as usize;
                            w &= w - 1;
                            if let Some(j) = at[ti] {
                                let b = offsets[ti] + j;
                                row[b / 64] |= 1 << (b % 64);
                            }
                        }
                    }
                }
                // What policy says between distinct pods: a group of one has no such pair;
                // node-local pairs are allowed whatever it says, per pod pair in `pod_allowed`.
                if groups[fi].members.len() < 2 {
                    for j in 0..ports[fi].len() {
                        let b = offsets[fi] + j;
                        row[b / 64] &= !(1 << (b % 64));
                    }
                }
            }
        }
        Matrix { groups, ports, offsets, words, allowed, cilium: engine.cilium() }
    }

    /// The destination groups and port positions (`(to, k)`) allowed from group `from`, in order.
    pub fn allowed_from(&self, from: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let row = &self.allowed[from * self.words..(from + 1) * self.words];
        let mut to = 0;
        row.iter().enumerate().flat_map(|(k, &w)| BitIter(w).map(move |b| k * 64 + b)).map(move |bit| {
            while to + 1 < self.offsets.len() && self.offsets[to + 1] <= bit {
                to += 1;
            }
            (to, bit - self.offsets[to])
        })
    }

    /// What policy says between distinct pods of group `from` and group `to`, at `ports[to][k]`.
    /// Pod pairs that NetworkPolicy cannot block (a host-network pod and a pod on its node) are
    /// allowed whatever this says: see `pod_allowed`.
    pub fn group_allowed(&self, from: usize, to: usize, k: usize) -> bool {
        let b = self.offsets[to] + k;
        self.allowed[from * self.words + b / 64] & (1 << (b % 64)) != 0
    }

    /// The verdict between two member pods, `(group, member)`: `Engine::decide`'s, cell for cell.
    pub fn pod_allowed(&self, from: (usize, usize), to: (usize, usize), k: usize) -> bool {
        let (a, b) = (self.groups[from.0].members[from.1], self.groups[to.0].members[to.1]);
        from == to || node_local(a, b, self.cilium) || self.group_allowed(from.0, to.0, k)
    }

    /// Pod pairs between the two groups that NetworkPolicy cannot block (node-local traffic of
    /// host-network pods), not counting a pod with itself.
    pub fn overridden_pairs(&self, from: usize, to: usize) -> usize {
        let (f, t) = (&self.groups[from], &self.groups[to]);
        if !f.representative().host_network && !t.representative().host_network {
            return 0;
        }
        f.members
            .iter()
            .map(|a| {
                t.members
                    .iter()
                    .filter(|b| !std::ptr::eq(*a, **b) && pod_pair_override(a, b, self.cilium).is_some())
                    .count()
            })
            .sum()
    }

    /// The ordered group pairs, in order, for which `overridden_pairs` may be non-zero: a
    /// host-network group at one end, and two member pods on one node or of one name.
    pub fn override_candidates(&self) -> Vec<(usize, usize)> {
        let host = |g: usize| self.groups[g].representative().host_network;
        if !(0..self.groups.len()).any(host) {
            return Vec::new();
        }
        let mut by_node: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_name: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (g, group) in self.groups.iter().enumerate() {
            for p in &group.members {
                if let Some(node) = &p.node {
                    by_node.entry(node).or_default().push(g);
                }
                by_name.entry((&p.namespace, &p.name)).or_default().push(g);
            }
        }
        let mut out = Vec::new();
        for mut together in by_node.into_values().chain(by_name.into_values().filter(|v| v.len() > 1)) {
            together.dedup();
            if !together.iter().any(|&g| host(g)) {
                continue;
            }
            for &g in &together {
                out.extend(together.iter().filter(|&&h| host(g) || host(h)).map(|&h| (g, h)));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether a host-network pod is in scope (its node-local traffic is always allowed).
    pub fn has_host_network(&self) -> bool {
        self.groups.iter().any(|g| g.representative().host_network)
    }
}

/// The positions of the set bits of a word, lowest first.
struct BitIter(u64);

impl Iterator for BitIter {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let b = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(b)
    }
}

/// Every port and protocol at once: per ordered pair of groups, the ports policy allows between
/// distinct pods. Ports no policy entry and no named container port tells apart form a class
/// that gets one answer, so the matrix is decided once per class, through the same plan as
/// `Matrix` (and so as `Engine::decide`).
pub struct PortMatrix<'s> {
    pub groups: Vec<Group<'s>>,
    /// `index[from * groups + to]`: the position in `sets` of what policy allows between
    /// distinct pods of the two groups, or `NONE` when it allows nothing.
    index: Vec<u32>,
    sets: Vec<PortSet>,
    /// How many port classes were decided.
    pub classes: usize,
    /// Whether Cilium enforces policy (node-local traffic is then allowed from the node only).
    cilium: bool,
}

const NONE: u32 = u32::MAX;

impl<'s> PortMatrix<'s> {
    pub fn compute(engine: &Engine<'s>, pods: &[&'s Pod]) -> PortMatrix<'s> {
        let groups = group(engine, pods);
        let n = groups.len();
        let reps: Vec<&'s Pod> = groups.iter().map(Group::representative).collect();
        let plan = MatrixPlan::new(engine, &reps);
        let classes = port_classes(engine, &groups);
        let mut index = vec![NONE; n * n];
        let mut sets: Vec<PortSet> = Vec::new();
        for &(protocol, lo, hi) in &classes {
            let egress = plan.allowed_sets(Direction::Egress, lo, protocol);
            let ingress = plan.allowed_sets(Direction::Ingress, lo, protocol);
            for (ti, to) in groups.iter().enumerate() {
                for fi in 0..n {
                    if fi == ti && to.members.len() < 2 {
                        continue;
                    }
                    if egress.get(fi, ti) && ingress.get(ti, fi) {
                        let slot = &mut index[fi * n + ti];
                        if *slot == NONE {
                            *slot = sets.len() as u32;
                            sets.push(PortSet::empty());
                        }
                        sets[*slot as usize].insert(protocol, lo, hi);
                    }
                }
            }
        }
        PortMatrix { groups, index, sets, classes: classes.len(), cilium: engine.cilium() }
    }

    /// What policy allows between distinct pods of two groups (`None`: nothing).
    pub fn group_ports(&self, from: usize, to: usize) -> Option<&PortSet> {
        match self.index[from * self.groups.len() + to] {
            NONE => None,
            i => Some(&self.sets[i as usize]),
        }
    }

    /// The ports allowed between two member pods, `(group, member)`: every port when
    /// NetworkPolicy cannot block them (a pod to itself, node-local traffic).
    pub fn pod_ports(&self, from: (usize, usize), to: (usize, usize)) -> Option<std::borrow::Cow<'_, PortSet>> {
        let (a, b) = (self.groups[from.0].members[from.1], self.groups[to.0].members[to.1]);
        if from == to || node_local(a, b, self.cilium) {
            return Some(std::borrow::Cow::Owned(PortSet::all()));
        }
        self.group_ports(from.0, to.0).map(std::borrow::Cow::Borrowed)
    }
}

/// Ranges of ports that every rule of every layer, and every named port of every destination,
/// treats alike: a class boundary wherever a numbered entry or range starts or ends and around
/// each declared container port (named entries resolve to those).
fn port_classes(engine: &Engine, groups: &[Group]) -> Vec<(Protocol, u16, u16)> {
    let mut out = Vec::new();
    for protocol in Protocol::ALL {
        let mut cuts: std::collections::BTreeSet<u32> = [u32::from(MIN_PORT), u32::from(MAX_PORT) + 1].into();
        for layer in engine.layers() {
            layer.port_cuts(engine, protocol, &mut cuts);
        }
        for g in groups {
            for cp in g.representative().ports.iter().filter(|cp| cp.protocol == protocol) {
                cuts.insert(u32::from(cp.port));
                cuts.insert(u32::from(cp.port) + 1);
            }
        }
        let cuts: Vec<u32> = cuts.into_iter().collect();
        for w in cuts.windows(2) {
            // Both ends lie within 1..=65535 by construction.
            out.push((protocol, w[0] as u16, (w[1] - 1) as u16));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::flow::Endpoint;
    use super::super::model::Protocol::Tcp;
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn identical_pods_share_a_group_and_ips_in_different_blocks_split_it() {
        let s = snapshot(
            vec![namespace("a", &[])],
            vec![
                pod("a", "x1", &[("app", "x")], "10.0.0.1"),
                pod("a", "x2", &[("app", "x")], "10.0.0.2"),
                pod("a", "x3", &[("app", "x")], "10.0.0.3"),
            ],
            vec![policy("a", "p", sel(&[])).ingress(vec![rule(vec![ip_peer("10.0.0.3/32", &[])], vec![])]).build()],
        );
        let e = Engine::new(&s);
        let pods: Vec<&Pod> = s.pods.iter().collect();
        let g = group(&e, &pods);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].members.len(), 2);
    }

    #[test]
    fn every_cell_equals_decide() {
        let s = snapshot(
            vec![namespace("a", &[]), namespace("b", &[("team", "x")])],
            vec![
                with_ports(pod("a", "web1", &[("app", "web")], "10.0.0.1"), &[("http", 80, Tcp)]),
                with_ports(pod("a", "web2", &[("app", "web")], "10.0.0.2"), &[("http", 80, Tcp)]),
                with_ports(pod("a", "db", &[("app", "db")], "10.0.0.3"), &[("", 5432, Tcp)]),
                with_ports(pod("b", "c", &[("app", "web")], "10.0.1.1"), &[("http", 80, Tcp)]),
            ],
            vec![
                policy("a", "deny", sel(&[])).ingress(vec![]).build(),
                policy("a", "web", sel(&[("app", "web")]))
                    .ingress(vec![rule(vec![ns_peer(sel(&[("team", "x")]))], vec![named(Tcp, "http")])])
                    .build(),
                policy("a", "db", sel(&[("app", "db")]))
                    .ingress(vec![rule(vec![pods_peer(sel(&[("app", "web")]))], vec![port(Tcp, 5432)])])
                    .build(),
            ],
        );
        let e = Engine::new(&s);
        let pods: Vec<&Pod> = s.pods.iter().collect();
        let m = Matrix::compute(&e, &pods, &PortChoice::Given(vec![(80, Tcp), (5432, Tcp)]));
        assert_cells_equal_decide(&e, &m, "");
    }

    /// SplitMix64: a deterministic source of random clusters.
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
        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len() as u64) as usize]
        }
    }

    /// Every cell of `m`, pod by pod, equals `Engine::decide` for that flow.
    fn assert_cells_equal_decide(e: &Engine, m: &Matrix, context: &str) {
        for (gi, g) in m.groups.iter().enumerate() {
            for (mi, a) in g.members.iter().enumerate() {
                for (hj, h) in m.groups.iter().enumerate() {
                    for (mj, b) in h.members.iter().enumerate() {
                        for (k, &(port, protocol)) in m.ports[hj].iter().enumerate() {
                            let expected = e.decide(Endpoint::Pod(a), Endpoint::Pod(b), port, protocol);
                            assert_eq!(
                                m.pod_allowed((gi, mi), (hj, mj), k),
                                expected,
                                "{context}{}/{} -> {}/{} {port}/{protocol}",
                                a.namespace,
                                a.name,
                                b.namespace,
                                b.name
                            );
                        }
                    }
                }
            }
        }
    }

    fn random_selector(rng: &mut Rng) -> super::super::model::Selector {
        use super::super::model::Operator;
        match rng.below(5) {
            0 => sel(&[]),
            1 => sel(&[(rng.pick(&["app", "tier"]), rng.pick(&["a", "b", "c"]))]),
            2 => expr(rng.pick(&["app", "tier"]), rng.pick(&[Operator::In, Operator::NotIn]), &[rng.pick(&["a", "b"])]),
            3 => expr(rng.pick(&["app", "tier", "team"]), rng.pick(&[Operator::Exists, Operator::DoesNotExist]), &[]),
            _ => sel(&[("team", rng.pick(&["x", "y"]))]),
        }
    }

    fn random_snapshot(seed: u64) -> super::super::model::Snapshot {
        use super::super::model::{Node, Protocol::*};
        let mut rng = Rng(seed);
        let namespaces = vec![namespace("a", &[("team", "x")]), namespace("b", &[("team", "y")]), namespace("c", &[])];
        let nodes = vec![
            Node {
                name: "n1".into(),
                labels: std::sync::Arc::new(labels(&[("app", "a")])),
                addresses: vec![ip("192.168.0.1")],
            },
            Node { name: "n2".into(), labels: Default::default(), addresses: vec![ip("192.168.0.2")] },
        ];
        let mut pods = Vec::new();
        for i in 0..(6 + rng.below(10)) {
            let ns = rng.pick(&["a", "b", "c"]);
            let mut labels = vec![("app", rng.pick(&["a", "b", "c"]))];
            if rng.below(2) == 0 {
                labels.push(("tier", rng.pick(&["a", "b"])));
            }
            let host = rng.below(8) == 0;
            let node = rng.pick(&["n1", "n2"]);
            let ip_text = if host {
                if node == "n1" { "192.168.0.1".to_string() } else { "192.168.0.2".to_string() }
            } else {
                format!("10.0.{}.{}", rng.below(3), i + 1)
            };
            let mut p = pod(ns, &format!("p{i}"), &labels, if rng.below(10) == 0 { "" } else { &ip_text });
            let ports: &[(&str, u16, super::super::model::Protocol)] = match rng.below(4) {
                0 => &[("http", 80, Tcp)],
                1 => &[("http", 8080, Tcp), ("dns", 53, Udp)],
                2 => &[("", 80, Tcp), ("web", 81, Sctp)],
                _ => &[],
            };
            p = with_ports(p, ports);
            p.host_network = host;
            p.node = Some(node.into());
            pods.push(p);
        }
        let mut policies = Vec::new();
        for i in 0..(2 + rng.below(6)) {
            let ns = rng.pick(&["a", "b", "c"]);
            let mut rules = Vec::new();
            for _ in 0..rng.below(3) {
                let mut peers = Vec::new();
                for _ in 0..rng.below(3) {
                    peers.push(match rng.below(4) {
                        0 => pods_peer(random_selector(&mut rng)),
                        1 => ns_peer(random_selector(&mut rng)),
                        2 => and_peer(random_selector(&mut rng), random_selector(&mut rng)),
                        _ => ip_peer(
                            rng.pick(&["10.0.0.0/16", "10.0.1.0/24", "0.0.0.0/0", "192.168.0.0/24"]),
                            if rng.below(2) == 0 { &["10.0.2.0/24"] } else { &[] },
                        ),
                    });
                }
                let mut ports = Vec::new();
                for _ in 0..rng.below(3) {
                    ports.push(match rng.below(5) {
                        0 => port(rng.pick(&[Tcp, Udp, Sctp]), rng.pick(&[53, 80, 81, 8080])),
                        1 => named(rng.pick(&[Tcp, Udp, Sctp]), rng.pick(&["http", "dns", "web"])),
                        2 => range(Tcp, 79, 81),
                        3 => any_port(rng.pick(&[Tcp, Udp])),
                        _ => named(Tcp, "http"),
                    });
                }
                rules.push(rule(peers, ports));
            }
            let b = policy(ns, &format!("np{i}"), random_selector(&mut rng));
            let b = match rng.below(3) {
                0 => b.ingress(rules),
                1 => b.egress(rules),
                _ => b.ingress(rules.clone()).egress(rules),
            };
            policies.push(b.build());
        }
        let mut s = snapshot(namespaces, pods, policies);
        s.nodes = nodes;
        if seed % 2 == 1 {
            add_cilium(&mut s, &mut rng);
        }
        // Half the clusters also have cluster-wide policies in both tiers.
        if rng.below(2) == 0 {
            s.cluster_policies = random_cluster_policies(&mut rng);
        }
        // Half the clusters have Calico tiers and policies.
        if rng.below(2) == 0 {
            for p in &mut s.pods {
                p.service_account = Some(rng.pick(&["default", "api"]).into());
            }
            s.calico = random_calico(&mut rng);
        }
        s
    }

    /// Calico tiers and policies over the random clusters' labels, namespaces and ports.
    fn random_calico(rng: &mut Rng) -> super::super::calico::CalicoObjects {
        use super::super::calico::selector::parse;
        use super::super::calico::*;
        use super::super::model::Protocol::*;
        let selectors = [
            "all()",
            "app == 'a'",
            "app != 'b'",
            "has(tier)",
            "!has(tier)",
            "app in {'a', 'c'}",
            "tier not in {'a'}",
            "app starts with 'b' || tier == 'b'",
            "projectcalico.org/namespace == 'a'",
            "projectcalico.org/serviceaccount == 'api'",
        ];
        let ns_selectors = ["all()", "team == 'x'", "projectcalico.org/name != 'c'", "global()", "has(team)"];
        let mut tiers = vec![Tier { name: "sec".into(), order: Some(100.0), default_action: TierAction::Deny }];
        if rng.below(2) == 0 {
            tiers.push(Tier { name: "late".into(), order: None, default_action: TierAction::Pass });
        }
        let entity = |rng: &mut Rng, dst: bool, protocol: bool| {
            let mut e = EntityRule::default();
            match rng.below(8) {
                0 => e.selector = Some(parse(rng.pick(&selectors)).unwrap()),
                1 => e.not_selector = Some(parse(rng.pick(&selectors)).unwrap()),
                2 => e.nets = vec![rng.pick(&["10.0.0.0/16", "10.0.1.0/24", "192.168.0.0/24"]).parse().unwrap()],
                3 => e.not_nets = vec![rng.pick(&["10.0.1.0/24", "10.0.2.0/24"]).parse().unwrap()],
                4 => {
                    e.namespace_selector = Some(parse(rng.pick(&ns_selectors)).unwrap());
                    if rng.below(2) == 0 {
                        e.selector = Some(parse(rng.pick(&selectors)).unwrap());
                    }
                }
                5 => {
                    e.service_accounts =
                        Some(ServiceAccountMatch { names: vec![rng.pick(&["api", "default"]).into()], selector: None })
                }
                _ => {}
            }
            if dst && protocol {
                match rng.below(4) {
                    0 => e.ports = vec![CalicoPort::Range(rng.pick(&[53, 80, 81]), rng.pick(&[81, 8080]))],
                    1 => e.ports = vec![CalicoPort::Named(rng.pick(&["http", "dns", "web"]).into())],
                    2 => e.not_ports = vec![CalicoPort::Range(80, 80)],
                    _ => {}
                }
            }
            e
        };
        let mut policies = Vec::new();
        for i in 0..(1 + rng.below(5)) {
            let global = rng.below(2) == 0;
            let mut rules = [Vec::new(), Vec::new()];
            for rules in &mut rules {
                for _ in 0..rng.below(4) {
                    let protocol = match rng.below(4) {
                        0 => None,
                        1 => Some(ProtocolMatch::Is(rng.pick(&[Tcp, Udp, Sctp]))),
                        2 => Some(ProtocolMatch::Other(1)),
                        _ => Some(ProtocolMatch::Is(Tcp)),
                    };
                    let has_proto = matches!(protocol, Some(ProtocolMatch::Is(_)));
                    rules.push(CalicoRule {
                        action: rng.pick(&[Action::Allow, Action::Allow, Action::Deny, Action::Pass, Action::Log]),
                        protocol,
                        not_protocol: if rng.below(6) == 0 { Some(ProtocolMatch::Is(Udp)) } else { None },
                        ip_version: None,
                        http: false,
                        source: entity(rng, false, has_proto),
                        destination: entity(rng, true, has_proto),
                    });
                }
            }
            let [ingress, egress] = rules;
            let (ingress_type, egress_type) = match rng.below(3) {
                0 => (true, false),
                1 => (false, true),
                _ => (true, true),
            };
            policies.push(CalicoPolicy {
                kind: if global { CalicoKind::GlobalNetworkPolicy } else { CalicoKind::NetworkPolicy },
                namespace: (!global).then(|| rng.pick(&["a", "b", "c"]).to_string()),
                name: format!("cp{i}"),
                tier: rng.pick(&["default", "default", "sec", "late", "kube-admin", "kube-baseline"]).to_string(),
                order: rng.pick(&[None, Some(500.0), Some(1000.0), Some(2000.0)]),
                selector: parse(rng.pick(&selectors)).unwrap(),
                service_account_selector: None,
                namespace_selector: (global && rng.below(2) == 0).then(|| parse(rng.pick(&ns_selectors)).unwrap()),
                ingress_type,
                egress_type,
                types_defaulted: false,
                ingress,
                egress,
                host_only: None,
            });
        }
        CalicoObjects { tiers, policies, staged: Vec::new() }
    }

    /// Random CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies (and the Cilium plugin),
    /// written as manifests and read by the source, as users write them.
    fn add_cilium(s: &mut super::super::model::Snapshot, rng: &mut Rng) {
        let selector = |rng: &mut Rng| -> String {
            match rng.below(6) {
                0 => "{}".to_string(),
                1 => format!("{{matchLabels: {{app: {}}}}}", rng.pick(&["a", "b", "c"])),
                2 => format!("{{matchLabels: {{k8s:io.kubernetes.pod.namespace: {}}}}}", rng.pick(&["a", "b", "c"])),
                3 => format!(
                    "{{matchExpressions: [{{key: io.kubernetes.pod.namespace, operator: NotIn, values: [{}]}}]}}",
                    rng.pick(&["a", "b"])
                ),
                4 => format!("{{matchLabels: {{io.cilium.k8s.namespace.labels.team: \"{}\"}}}}", rng.pick(&["x", "y"])),
                _ => format!("{{matchLabels: {{tier: {}}}}}", rng.pick(&["a", "b"])),
            }
        };
        let mut text = String::new();
        for i in 0..(1 + rng.below(4)) {
            let clusterwide = rng.below(3) == 0;
            let ns = rng.pick(&["a", "b", "c"]);
            text.push_str(if clusterwide {
                "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\n"
            } else {
                "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n"
            });
            text.push_str(&format!(
                "metadata: {{name: c{i}, namespace: {ns}}}\nspec:\n  endpointSelector: {}\n",
                selector(rng)
            ));
            if rng.below(4) == 0 {
                text.push_str(&format!("  enableDefaultDeny: {{ingress: {}, egress: false}}\n", rng.below(2) == 0));
            }
            for section in ["ingress", "egress", "ingressDeny", "egressDeny"] {
                if rng.below(2) == 0 {
                    continue;
                }
                let (dir, deny) =
                    (if section.starts_with("ingress") { "from" } else { "to" }, section.ends_with("Deny"));
                text.push_str(&format!("  {section}:\n"));
                for _ in 0..(1 + rng.below(2)) {
                    let peer = match rng.below(4) {
                        0 => format!("{dir}Endpoints: [{}]", selector(rng)),
                        1 => format!(
                            "{dir}Entities: [{}]",
                            rng.pick(&["world", "cluster", "host", "remote-node", "all"])
                        ),
                        2 => format!("{dir}CIDR: [{}]", rng.pick(&["10.0.0.0/16", "0.0.0.0/0", "192.168.0.0/24"])),
                        _ => String::new(),
                    };
                    let ports = match rng.below(5) {
                        0 => format!(
                            "toPorts: [{{ports: [{{port: \"{}\", protocol: {}}}]}}]",
                            rng.pick(&["53", "80", "81", "8080"]),
                            rng.pick(&["TCP", "UDP", "ANY", "SCTP"])
                        ),
                        1 if !deny => {
                            format!("toPorts: [{{ports: [{{port: {}}}]}}]", rng.pick(&["http", "dns", "web"]))
                        }
                        2 => "toPorts: [{ports: [{port: \"79\", endPort: 81, protocol: TCP}]}]".to_string(),
                        _ => String::new(),
                    };
                    let members: Vec<&str> =
                        [peer.as_str(), ports.as_str()].into_iter().filter(|m| !m.is_empty()).collect();
                    text.push_str(&format!("  - {{{}}}\n", members.join(", ")));
                }
            }
            text.push_str("---\n");
        }
        let read =
            crate::source::file::load_str(&text, "random.yaml", "default").unwrap_or_else(|e| panic!("{e}\n{text}"));
        s.cilium_policies = read.cilium_policies;
        s.daemonsets = vec![super::super::model::DaemonSetInfo {
            namespace: "kube-system".into(),
            name: "cilium".into(),
            images: vec!["quay.io/cilium/cilium:v1.18.0".into()],
            args: Vec::new(),
        }];
    }

    fn random_cluster_policies(rng: &mut Rng) -> Vec<super::super::tiers::ClusterPolicy> {
        use super::super::model::Protocol::*;
        use super::super::tiers::{Action, ClusterKind, ClusterPolicy, Subject, Tier, TierPeer, TierPort, TierRule};
        let mut out = Vec::new();
        for i in 0..(1 + rng.below(4)) {
            let tier = rng.pick(&[Tier::Admin, Tier::Baseline]);
            let kind = match (tier, rng.below(2)) {
                (_, 0) => ClusterKind::ClusterNetworkPolicy,
                (Tier::Admin, _) => ClusterKind::AdminNetworkPolicy,
                (Tier::Baseline, _) => ClusterKind::BaselineAdminNetworkPolicy,
            };
            let subject = match rng.below(2) {
                0 => Subject::Namespaces(random_selector(rng)),
                _ => Subject::Pods { namespaces: random_selector(rng), pods: random_selector(rng) },
            };
            let mut directions = [Vec::new(), Vec::new()];
            for (d, rules) in directions.iter_mut().enumerate() {
                for _ in 0..rng.below(3) {
                    let action = match (kind, rng.below(3)) {
                        (_, 0) => Action::Allow,
                        (ClusterKind::BaselineAdminNetworkPolicy, _) | (_, 1) => Action::Deny,
                        _ => Action::Pass,
                    };
                    let mut peers = Vec::new();
                    for _ in 0..(1 + rng.below(2)) {
                        peers.push(match (d, rng.below(5)) {
                            (_, 0) => TierPeer::Namespaces(random_selector(rng)),
                            (_, 1) | (0, _) => {
                                TierPeer::Pods { namespaces: random_selector(rng), pods: random_selector(rng) }
                            }
                            (_, 2) => TierPeer::Nodes(random_selector(rng)),
                            (_, 3) => TierPeer::Networks(vec![
                                rng.pick(&["10.0.0.0/16", "10.0.1.0/24", "0.0.0.0/0", "192.168.0.1/32"])
                                    .parse()
                                    .unwrap(),
                            ]),
                            _ => TierPeer::Pods { namespaces: Default::default(), pods: random_selector(rng) },
                        });
                    }
                    let names_a_port_ok =
                        !peers.iter().any(|p| matches!(p, TierPeer::Nodes(_) | TierPeer::Networks(_)));
                    let ports = match rng.below(4) {
                        0 => None,
                        1 => Some(vec![TierPort::Number {
                            protocol: rng.pick(&[Tcp, Udp, Sctp]),
                            port: rng.pick(&[53, 80, 81, 8080]),
                        }]),
                        2 => Some(vec![TierPort::Range { protocol: Tcp, start: 79, end: 81 }]),
                        _ if names_a_port_ok => {
                            Some(vec![TierPort::Named(rng.pick(&["http", "dns", "web"]).to_string())])
                        }
                        _ => None,
                    };
                    rules.push(TierRule { name: None, action, peers, ports });
                }
            }
            let [ingress, egress] = directions;
            let (name, priority) = match kind {
                ClusterKind::BaselineAdminNetworkPolicy => ("default".to_string(), None),
                _ => (format!("cnp{i}"), Some(rng.pick(&[1, 2, 2, 1000]))),
            };
            if kind == ClusterKind::BaselineAdminNetworkPolicy
                && out.iter().any(|p: &ClusterPolicy| p.kind == ClusterKind::BaselineAdminNetworkPolicy)
            {
                continue;
            }
            out.push(ClusterPolicy { kind, name, tier, priority, subject, ingress, egress });
        }
        out
    }

    #[test]
    fn matrix_cells_equal_decide_on_random_clusters() {
        use super::super::model::Protocol::*;
        for seed in 0..300 {
            let s = random_snapshot(seed);
            let e = Engine::new(&s);
            let pods: Vec<&Pod> = s.pods.iter().collect();
            for choice in [PortChoice::Declared, PortChoice::Given(vec![(80, Tcp), (53, Udp), (81, Sctp), (8080, Tcp)])]
            {
                let m = Matrix::compute(&e, &pods, &choice);
                assert_cells_equal_decide(&e, &m, &format!("seed {seed}: "));
            }
        }
    }

    #[test]
    fn evaluate_equals_decide_on_random_clusters_with_calico_tiers() {
        use super::super::model::Protocol::*;
        use super::super::verdict::PortQuery;
        for seed in 0..200 {
            let s = random_snapshot(seed);
            let e = Engine::new(&s);
            for a in &s.pods {
                for b in &s.pods {
                    for (port, protocol) in [(80, Tcp), (53, Udp), (8080, Tcp), (81, Sctp)] {
                        let (from, to) = (Endpoint::Pod(a), Endpoint::Pod(b));
                        let v = e.evaluate(from, to, PortQuery::Port { port, protocol });
                        assert_eq!(
                            v.allowed,
                            e.decide(from, to, port, protocol),
                            "seed {seed}: {}/{} -> {}/{} {port}/{protocol}",
                            a.namespace,
                            a.name,
                            b.namespace,
                            b.name
                        );
                    }
                }
            }
        }
    }

    /// `list` on clusters with Calico tiers: a pod it counts as not isolated is allowed every pod
    /// (and, egress, an address outside the cluster) on every port by `why`, and one in a `deny`
    /// namespace is not.
    #[test]
    fn list_agrees_with_why_on_random_clusters_with_calico_tiers() {
        use super::super::coverage::{State, coverage_of};
        use super::super::verdict::{Direction, PortQuery};
        for seed in 0..200 {
            let s = random_snapshot(seed);
            if s.calico.is_empty() {
                continue;
            }
            let e = Engine::new(&s);
            for c in coverage_of(&e) {
                for (dir, d) in [(Direction::Ingress, &c.ingress), (Direction::Egress, &c.egress)] {
                    for pod in s.pods.iter().filter(|p| p.namespace == c.namespace && !p.host_network) {
                        let everything = s.pods.iter().filter(|q| !q.host_network).all(|q| {
                            let (peer, destination) = match dir {
                                Direction::Ingress => (Endpoint::Pod(q), Endpoint::Pod(pod)),
                                Direction::Egress => (Endpoint::Pod(q), Endpoint::Pod(q)),
                            };
                            let side = e.side(dir, Endpoint::Pod(pod), peer, destination, PortQuery::ANY, false);
                            side.allowed_ports.is_some_and(|p| p.is_all())
                        }) && (dir == Direction::Ingress || {
                            // Egress can also be denied to addresses outside the cluster (an
                            // AdminNetworkPolicy's `networks`).
                            let outside = Endpoint::Ip("203.0.113.9".parse().unwrap());
                            let side = e.side(dir, Endpoint::Pod(pod), outside, outside, PortQuery::ANY, false);
                            side.allowed_ports.is_some_and(|p| p.is_all())
                        });
                        if d.not_isolated.contains(&pod.name) {
                            assert!(
                                everything,
                                "seed {seed}: {}/{} {dir:?}: list says not isolated",
                                c.namespace, pod.name
                            );
                        }
                        if d.state == State::Deny {
                            assert!(!everything, "seed {seed}: {}/{} {dir:?}: list says deny", c.namespace, pod.name);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn port_matrix_equals_the_any_port_verdict_on_random_clusters() {
        use super::super::verdict::PortQuery;
        for seed in 0..150 {
            let s = random_snapshot(seed);
            let e = Engine::new(&s);
            let pods: Vec<&Pod> = s.pods.iter().collect();
            let m = PortMatrix::compute(&e, &pods);
            for (gi, g) in m.groups.iter().enumerate() {
                for (mi, a) in g.members.iter().enumerate() {
                    for (hj, h) in m.groups.iter().enumerate() {
                        for (mj, b) in h.members.iter().enumerate() {
                            let v = e.evaluate(Endpoint::Pod(a), Endpoint::Pod(b), PortQuery::ANY);
                            let expected = v.allowed_ports.unwrap_or_default();
                            let actual = m.pod_ports((gi, mi), (hj, mj)).map(|c| c.into_owned()).unwrap_or_default();
                            assert_eq!(
                                actual, expected,
                                "seed {seed}: {}/{} -> {}/{}",
                                a.namespace, a.name, b.namespace, b.name
                            );
                        }
                    }
                }
            }
        }
    }
}
