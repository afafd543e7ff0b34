//! Reachability between many pods: the verdict of `Engine::decide` for every ordered pair, computed
//! once per pair of pod groups. Pods are grouped when nothing a policy can look at tells them apart:
//! namespace, labels, ports, host networking (and node, for host-network pods), and which ipBlocks
//! hold their IPs. Cost grows with the number of groups, not with pods squared.

use std::collections::HashMap;
use std::sync::Arc;

use ipnet::IpNet;

use super::eval::{Endpoint, Engine};
use super::model::{ContainerPort, Labels, Peer, Pod, Protocol};

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
    labels: &'s Labels,
    ports: &'s [ContainerPort],
    host_network: bool,
    node: Option<&'s str>,
    /// Which of the snapshot's distinct ipBlocks hold one of the pod's IPs.
    blocks: Vec<u32>,
}

/// Groups `pods` (in order of first appearance; members keep their order).
pub fn group<'s>(engine: &Engine<'s>, pods: &[&'s Pod]) -> Vec<Group<'s>> {
    let mut blocks: Vec<IpNetBlock> = Vec::new();
    let mut seen: HashMap<(IpNet, Vec<IpNet>), ()> = HashMap::new();
    for policy in &engine.snapshot().policies {
        for rule in policy.ingress.iter().chain(&policy.egress) {
            for peer in &rule.peers {
                if let Peer::IpBlock(b) = peer
                    && seen.insert((b.cidr, b.except.clone()), ()).is_none()
                {
                    blocks.push(IpNetBlock { cidr: b.cidr, except: b.except.clone() });
                }
            }
        }
    }
    let mut index: HashMap<GroupKey<'s>, usize> = HashMap::new();
    let mut groups: Vec<Group<'s>> = Vec::new();
    for &pod in pods {
        let key = GroupKey {
            namespace: &pod.namespace,
            labels: &pod.labels,
            ports: &pod.ports,
            host_network: pod.host_network,
            node: if pod.host_network { pod.node.as_deref() } else { None },
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
    stride: usize,
    /// `allowed[from * stride + offsets[to] + k]`: between distinct pods of the groups.
    allowed: Vec<bool>,
}

impl<'s> Matrix<'s> {
    pub fn compute(engine: &Engine<'s>, pods: &[&'s Pod], choice: &PortChoice) -> Matrix<'s> {
        let groups = group(engine, pods);
        let ports: Vec<Arc<[(u16, Protocol)]>> = groups
            .iter()
            .map(|g| match choice {
                PortChoice::Given(p) => Arc::from(p.as_slice()),
                PortChoice::Declared => {
                    let mut p: Vec<(u16, Protocol)> =
                        g.representative().ports.iter().map(|cp| (cp.port, cp.protocol)).collect();
                    p.sort_unstable();
                    p.dedup();
                    Arc::from(p)
                }
            })
            .collect();
        let mut offsets = Vec::with_capacity(groups.len());
        let mut stride = 0;
        for p in &ports {
            offsets.push(stride);
            stride += p.len();
        }
        let mut allowed = vec![false; stride * groups.len()];
        for (fi, from) in groups.iter().enumerate() {
            for (ti, to) in groups.iter().enumerate() {
                // Two distinct pods: within one group, its first two members.
                let (a, b) = if fi == ti {
                    match to.members.get(1) {
                        Some(second) => (from.members[0], *second),
                        None => continue,
                    }
                } else {
                    (from.representative(), to.representative())
                };
                for (k, &(port, protocol)) in ports[ti].iter().enumerate() {
                    allowed[fi * stride + offsets[ti] + k] =
                        engine.decide(Endpoint::Pod(a), Endpoint::Pod(b), port, protocol);
                }
            }
        }
        Matrix { groups, ports, offsets, stride, allowed }
    }

    /// Between distinct pods of group `from` and group `to`, at `ports[to][k]`.
    pub fn group_allowed(&self, from: usize, to: usize, k: usize) -> bool {
        self.allowed[from * self.stride + self.offsets[to] + k]
    }

    /// The verdict between two member pods (a pod can always reach itself).
    pub fn pod_allowed(&self, from: (usize, usize), to: (usize, usize), k: usize) -> bool {
        from == to || self.group_allowed(from.0, to.0, k)
    }
}

#[cfg(test)]
mod tests {
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
        for (gi, g) in m.groups.iter().enumerate() {
            for (mi, a) in g.members.iter().enumerate() {
                for (hj, h) in m.groups.iter().enumerate() {
                    for (mj, b) in h.members.iter().enumerate() {
                        for (k, &(port, protocol)) in m.ports[hj].iter().enumerate() {
                            let expected = e.decide(Endpoint::Pod(a), Endpoint::Pod(b), port, protocol);
                            assert_eq!(
                                m.pod_allowed((gi, mi), (hj, mj), k),
                                expected,
                                "{} -> {} :{port}",
                                a.name,
                                b.name
                            );
                        }
                    }
                }
            }
        }
    }
}
