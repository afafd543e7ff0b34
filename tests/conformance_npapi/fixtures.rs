//! The base manifests of upstream's tests (`conformance/base/admin_tier/*`,
//! `conformance/base/baseline_tier/*`, `conformance/base/api_integration/*`), as neutral
//! [`Policy`] values: the same rules in the same order, names, subjects and priorities, so that a
//! step's "rule at index N" means what it means upstream. A v1alpha1 suite writes them as
//! AdminNetworkPolicy / BaselineAdminNetworkPolicy, a v1alpha2 suite as ClusterNetworkPolicy: the
//! v1alpha2 manifests are upstream's v1alpha1 ones with the API's renames (the intermediate commits,
//! e.g. 4d38b37f `baseline_tier/standard-egress-tcp-rules.yaml`, still carry the v1alpha1 `ports`),
//! and the Baseline-tier manifests are the Admin-tier ones without the Pass rules, as upstream's are.
//! Owns the manifests; must not hold probes.

use serde_json::json;

use crate::harness::State;
use crate::policy::{
    Action, Peer, Policy, Port, Rule, Tier, label_exists, match_labels, namespace_named, namespaces, network_policy,
    pods, service,
};
use crate::world::{GRYFFINDOR, HOUSE_LABEL, HUFFLEPUFF, POD_NAME_LABEL, Proto, RAVENCLAW, SLYTHERIN, hnp};

use Action::{Allow, Deny, Pass};

/// The short house name upstream uses in rule names: `network-policy-conformance-ravenclaw` ->
/// `ravenclaw`.
fn house(namespace: &str) -> &str {
    namespace.trim_start_matches("network-policy-conformance-")
}

/// A `namespaces` peer selecting one namespace by `kubernetes.io/metadata.name`.
fn ns_peer(namespace: &str) -> Vec<Peer> {
    vec![Peer::Select(namespaces(namespace_named(namespace)))]
}

/// A `pods` peer: the house's pods in the house's namespaces, both by `conformance-house`.
fn house_pods(name: &str) -> Peer {
    Peer::Select(pods(Some(match_labels(HOUSE_LABEL, name)), match_labels(HOUSE_LABEL, name)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Ingress,
    Egress,
}

/// The single-protocol test policies (`standard-{egress,ingress}-{tcp,udp,sctp}-rules.yaml`):
/// for the subject namespace, rules on three other houses in this order (Admin tier):
/// 0 Allow `everything`, 1 Deny `everything`, 2 Pass `everything`, 3 Deny `port_house` at
/// `deny_port`, 4 Pass `port_house` at `deny_port`, 5 Allow `exception` at `allow_port`,
/// 6 Deny `exception`. The Baseline tier has no Pass rules: 0 Allow, 1 Deny, 2 Deny at port,
/// 3 Allow at port, 4 Deny.
pub struct ProtocolRules {
    pub dir: Dir,
    pub proto: Proto,
    pub subject: &'static str,
    pub everything: &'static str,
    pub port_house: &'static str,
    pub deny_port: u16,
    pub exception: &'static str,
    pub allow_port: u16,
}

impl ProtocolRules {
    /// The upstream object: named e.g. `egress-tcp` (Admin) or `default` (Baseline).
    pub fn policy(&self, tier: Tier, priority: u32) -> Policy {
        let (word, name) = match self.dir {
            Dir::Ingress => ("from", format!("ingress-{}", self.proto.lower())),
            Dir::Egress => ("to", format!("egress-{}", self.proto.lower())),
        };
        let name = if tier == Tier::Admin { name } else { "default".to_owned() };
        let port = |n| vec![Port::Number(self.proto, n)];
        let (everything, port_house, exception) =
            (house(self.everything), house(self.port_house), house(self.exception));
        let mut rules = vec![
            Rule::new(&format!("allow-{word}-{everything}-everything"), Allow, ns_peer(self.everything)),
            Rule::new(&format!("deny-{word}-{everything}-everything"), Deny, ns_peer(self.everything)),
            Rule::new(&format!("pass-{word}-{everything}-everything"), Pass, ns_peer(self.everything)),
            Rule::new(&format!("deny-{word}-{port_house}-at-port-{}", self.deny_port), Deny, ns_peer(self.port_house))
                .ports(port(self.deny_port)),
            Rule::new(&format!("pass-{word}-{port_house}-at-port-{}", self.deny_port), Pass, ns_peer(self.port_house))
                .ports(port(self.deny_port)),
            Rule::new(&format!("allow-{word}-{exception}-at-port-{}", self.allow_port), Allow, ns_peer(self.exception))
                .ports(port(self.allow_port)),
            Rule::new(&format!("deny-{word}-{exception}-everything-else"), Deny, ns_peer(self.exception)),
        ];
        if tier == Tier::Baseline {
            rules.retain(|r| r.action != Pass);
        }
        let policy = Policy::new(&name, tier, priority, namespaces(namespace_named(self.subject)));
        match self.dir {
            Dir::Ingress => policy.ingress(rules),
            Dir::Egress => policy.egress(rules),
        }
    }
}

pub const EGRESS_TCP: ProtocolRules = ProtocolRules {
    dir: Dir::Egress,
    proto: Proto::Tcp,
    subject: GRYFFINDOR,
    everything: RAVENCLAW,
    port_house: SLYTHERIN,
    deny_port: 80,
    exception: HUFFLEPUFF,
    allow_port: 8080,
};
pub const EGRESS_UDP: ProtocolRules = ProtocolRules {
    dir: Dir::Egress,
    proto: Proto::Udp,
    subject: HUFFLEPUFF,
    everything: RAVENCLAW,
    port_house: SLYTHERIN,
    deny_port: 5353,
    exception: GRYFFINDOR,
    allow_port: 53,
};
pub const EGRESS_SCTP: ProtocolRules = ProtocolRules {
    dir: Dir::Egress,
    proto: Proto::Sctp,
    subject: RAVENCLAW,
    everything: GRYFFINDOR,
    port_house: SLYTHERIN,
    deny_port: 9003,
    exception: HUFFLEPUFF,
    allow_port: 9003,
};
pub const INGRESS_TCP: ProtocolRules = ProtocolRules {
    dir: Dir::Ingress,
    proto: Proto::Tcp,
    subject: GRYFFINDOR,
    everything: RAVENCLAW,
    port_house: SLYTHERIN,
    deny_port: 80,
    exception: HUFFLEPUFF,
    allow_port: 80,
};
pub const INGRESS_UDP: ProtocolRules = ProtocolRules {
    dir: Dir::Ingress,
    proto: Proto::Udp,
    subject: HUFFLEPUFF,
    everything: RAVENCLAW,
    port_house: SLYTHERIN,
    deny_port: 5353,
    exception: GRYFFINDOR,
    allow_port: 53,
};
pub const INGRESS_SCTP: ProtocolRules = ProtocolRules {
    dir: Dir::Ingress,
    proto: Proto::Sctp,
    subject: RAVENCLAW,
    everything: GRYFFINDOR,
    port_house: SLYTHERIN,
    deny_port: 9003,
    exception: HUFFLEPUFF,
    allow_port: 9003,
};

/// The Admin-tier priorities upstream gives the single-protocol policies.
pub fn admin_priority(rules: &ProtocolRules) -> u32 {
    match (rules.dir, rules.proto) {
        (Dir::Ingress, Proto::Tcp) => 3,
        (Dir::Ingress, Proto::Udp) => 4,
        (Dir::Ingress, Proto::Sctp) => 5,
        (Dir::Egress, Proto::Tcp) => 6,
        (Dir::Egress, Proto::Udp) => 7,
        (Dir::Egress, Proto::Sctp) => 8,
    }
}

/// The single-protocol policy of a suite: Admin tier at upstream's priority, or the Baseline
/// `default` at priority 10.
pub fn protocol_state(rules: &ProtocolRules, tier: Tier) -> State {
    let priority = if tier == Tier::Admin { admin_priority(rules) } else { 10 };
    State::of(vec![rules.policy(tier, priority)])
}

/// `standard-gress-rules-combined.yaml`: the subject gryffindor, both directions, three protocols
/// per port rule (`gress-rules` at 15 in the Admin tier, `default` at 10 in the Baseline tier).
pub fn gress_rules(tier: Tier) -> State {
    let multi = |tcp, udp, sctp| {
        vec![Port::Number(Proto::Tcp, tcp), Port::Number(Proto::Udp, udp), Port::Number(Proto::Sctp, sctp)]
    };
    let egress = vec![
        Rule::new("allow-to-ravenclaw-everything", Allow, ns_peer(RAVENCLAW)),
        Rule::new("deny-to-ravenclaw-everything", Deny, ns_peer(RAVENCLAW)),
        Rule::new("pass-to-ravenclaw-everything", Pass, ns_peer(RAVENCLAW)),
        Rule::new("deny-to-slytherin-at-ports-80-53-9003", Deny, ns_peer(SLYTHERIN)).ports(multi(80, 53, 9003)),
        Rule::new("pass-to-slytherin-at-port-80-53-9003", Pass, ns_peer(SLYTHERIN)).ports(multi(80, 53, 9003)),
        Rule::new("allow-to-hufflepuff-at-ports-8080-5353-9003", Allow, ns_peer(HUFFLEPUFF))
            .ports(multi(8080, 5353, 9003)),
        Rule::new("deny-to-hufflepuff-everything-else", Deny, ns_peer(HUFFLEPUFF)),
    ];
    let ingress = vec![
        Rule::new("allow-from-ravenclaw-everything", Allow, ns_peer(RAVENCLAW)),
        Rule::new("deny-from-ravenclaw-everything", Deny, ns_peer(RAVENCLAW)),
        Rule::new("pass-from-ravenclaw-everything", Pass, ns_peer(RAVENCLAW)),
        Rule::new("deny-from-slytherin-at-port-80-53-9003", Deny, ns_peer(SLYTHERIN)).ports(multi(80, 53, 9003)),
        Rule::new("pass-from-slytherin-at-port-80-53-9003", Pass, ns_peer(SLYTHERIN)).ports(multi(80, 53, 9003)),
        Rule::new("allow-from-hufflepuff-at-port-80-5353-9003", Allow, ns_peer(HUFFLEPUFF))
            .ports(multi(80, 5353, 9003)),
        Rule::new("deny-from-hufflepuff-everything-else", Deny, ns_peer(HUFFLEPUFF)),
    ];
    let (name, priority) = if tier == Tier::Admin { ("gress-rules", 15) } else { ("default", 10) };
    let mut policy =
        Policy::new(name, tier, priority, namespaces(namespace_named(GRYFFINDOR))).egress(egress).ingress(ingress);
    if tier == Tier::Baseline {
        policy.egress.retain(|r| r.action != Pass);
        policy.ingress.retain(|r| r.action != Pass);
    }
    State::of(vec![policy])
}

/// `standard-egress-inline-cidr-rules.yaml`: gryffindor pods may reach slytherin pods, then every
/// IPv4 and IPv6 address is denied (`inline-cidr-as-peers-example` at 85 in the Admin tier,
/// `default` at 10 in the Baseline tier).
pub fn inline_cidr(tier: Tier) -> State {
    let subject = if tier == Tier::Admin {
        pods(Some(match_labels(HOUSE_LABEL, "gryffindor")), match_labels(HOUSE_LABEL, "gryffindor"))
    } else {
        namespaces(namespace_named(GRYFFINDOR))
    };
    let (name, priority) = if tier == Tier::Admin { ("inline-cidr-as-peers-example", 85) } else { ("default", 10) };
    State::of(vec![Policy::new(name, tier, priority, subject).egress(vec![
        Rule::new("allow-egress-to-slytherin", Allow, vec![house_pods("slytherin")]),
        Rule::new("deny-egress-to-internet", Deny, vec![Peer::Networks(vec!["0.0.0.0/0".into(), "::/0".into()])]),
    ])])
}

/// The rule upstream's inline-CIDR test inserts at index 0: Allow to two pods' IPs, each a /32.
pub fn allow_egress_to_specific_pod_ips(cidrs: Vec<String>) -> Rule {
    Rule::new("allow-egress-to-specific-podIPs", Allow, vec![Peer::Networks(cidrs)])
}

/// `standard-{ingress,egress}-isolation.yaml`: one direction only, denying slytherin (priority 20).
pub fn isolation(tier: Tier, dir: Dir) -> State {
    let prefix = if tier == Tier::Admin { "admin" } else { "baseline" };
    let subject = namespaces(namespace_named(GRYFFINDOR));
    let policy =
        match dir {
            Dir::Ingress => Policy::new(&format!("{prefix}-ingress-isolation"), tier, 20, subject)
                .ingress(vec![Rule::new("deny-from-slytherin", Deny, ns_peer(SLYTHERIN))]),
            Dir::Egress => Policy::new(&format!("{prefix}-egress-isolation"), tier, 20, subject)
                .egress(vec![Rule::new("deny-to-slytherin", Deny, ns_peer(SLYTHERIN))]),
        };
    State::of(vec![policy])
}

/// `api_integration/standard-anp-np-banp.yaml`: an Admin-tier `pass-example` denying slytherin
/// both ways (the steps turn the denies into Pass), a NetworkPolicy in gryffindor isolating every
/// pod both ways and allowing slytherin, and the Baseline `default` denying slytherin both ways.
pub fn integration() -> State {
    let gryffindor = namespaces(match_labels(HOUSE_LABEL, "gryffindor"));
    let slytherin = || vec![Peer::Select(namespaces(match_labels(HOUSE_LABEL, "slytherin")))];
    let admin = Policy::new("pass-example", Tier::Admin, 10, gryffindor.clone())
        .ingress(vec![Rule::new("deny-all-ingress-from-slytherin", Deny, slytherin())])
        .egress(vec![Rule::new("deny-all-egress-to-slytherin", Deny, slytherin())]);
    let baseline = Policy::new("default", Tier::Baseline, 10, gryffindor)
        .ingress(vec![Rule::new("deny-all-ingress-from-slytherin", Deny, slytherin())])
        .egress(vec![Rule::new("deny-all-egress-to-slytherin", Deny, slytherin())]);
    // Upstream writes `podSelector:` with no value, which selects every pod, as `{}` does.
    let np = network_policy(
        GRYFFINDOR,
        "allow-gress-from-to-slytherin-to-gryffindor",
        json!({
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{ "from": [{ "namespaceSelector": { "matchLabels": { HOUSE_LABEL: "slytherin" } } }] }],
            "egress": [{ "to": [{ "namespaceSelector": { "matchLabels": { HOUSE_LABEL: "slytherin" } } }] }],
        }),
    );
    State::of(vec![admin, baseline]).with_network_policies(vec![np])
}

/// `standard-pod-selector-rules.yaml`: `pod-selector-rules` (20) selects gryffindor pods by pod
/// label alone and denies ravenclaw pods (pod label alone) and cedric-diggory-0 (by pod name, in
/// hufflepuff) both ways; `pod-name-subject-rules` (21) selects luna-lovegood-0 alone and denies
/// its egress to slytherin.
pub fn pod_selector(tier: Tier) -> State {
    let cedric_0 = || {
        Peer::Select(pods(
            Some(match_labels(HOUSE_LABEL, "hufflepuff")),
            match_labels(POD_NAME_LABEL, "cedric-diggory-0"),
        ))
    };
    let by_house = |name| Peer::Select(pods(None, match_labels(HOUSE_LABEL, name)));
    let rules = Policy::new("pod-selector-rules", tier, 20, pods(None, match_labels(HOUSE_LABEL, "gryffindor")))
        .egress(vec![
            Rule::new("deny-to-ravenclaw-pods", Deny, vec![by_house("ravenclaw")]),
            Rule::new("deny-to-cedric-diggory-0", Deny, vec![cedric_0()]),
        ])
        .ingress(vec![
            Rule::new("deny-from-slytherin-pods", Deny, vec![by_house("slytherin")]),
            Rule::new("deny-from-cedric-diggory-0", Deny, vec![cedric_0()]),
        ]);
    let luna = Policy::new(
        "pod-name-subject-rules",
        tier,
        21,
        pods(Some(match_labels(HOUSE_LABEL, "ravenclaw")), match_labels(POD_NAME_LABEL, "luna-lovegood-0")),
    )
    .egress(vec![Rule::new("deny-to-slytherin", Deny, ns_peer(SLYTHERIN))]);
    State::of(vec![rules, luna])
}

/// `standard-port-range-rules-combined.yaml`: `port-range-rules` (9) allows one port range per
/// house and protocol both ways, then denies every namespace that has a house label.
pub fn port_range(tier: Tier) -> State {
    let range = |proto, start, end| vec![Port::Range(proto, start, end)];
    let any_house = || vec![Peer::Select(namespaces(label_exists(HOUSE_LABEL)))];
    let policy = Policy::new("port-range-rules", tier, 9, namespaces(namespace_named(GRYFFINDOR)))
        .egress(vec![
            Rule::new("allow-to-ravenclaw-tcp-port-range", Allow, ns_peer(RAVENCLAW)).ports(range(
                Proto::Tcp,
                80,
                8080,
            )),
            Rule::new("allow-to-hufflepuff-udp-port-range", Allow, ns_peer(HUFFLEPUFF)).ports(range(
                Proto::Udp,
                53,
                5353,
            )),
            Rule::new("allow-to-slytherin-sctp-port-range", Allow, ns_peer(SLYTHERIN)).ports(range(
                Proto::Sctp,
                9003,
                9005,
            )),
            Rule::new("deny-all-egress", Deny, any_house()),
        ])
        .ingress(vec![
            Rule::new("allow-from-ravenclaw-tcp-port-range", Allow, ns_peer(RAVENCLAW)).ports(range(
                Proto::Tcp,
                80,
                8080,
            )),
            Rule::new("allow-from-hufflepuff-udp-port-range", Allow, ns_peer(HUFFLEPUFF)).ports(range(
                Proto::Udp,
                53,
                5353,
            )),
            Rule::new("allow-from-slytherin-sctp-port-range", Allow, ns_peer(SLYTHERIN)).ports(range(
                Proto::Sctp,
                9003,
                9005,
            )),
            Rule::new("deny-all-ingress", Deny, any_house()),
        ]);
    State::of(vec![policy])
}

/// `standard-priority-field.yaml`: `priority-50-example` denies slytherin pods both ways,
/// `old-priority-60-new-priority-40-example` passes them (the step moves it to 40), and the
/// Baseline `default` allows them; all three select gryffindor pods.
pub fn priority_field() -> State {
    let gryffindor = || pods(Some(match_labels(HOUSE_LABEL, "gryffindor")), match_labels(HOUSE_LABEL, "gryffindor"));
    let both = |name: &str, tier, priority, action, words: [&str; 2]| {
        Policy::new(name, tier, priority, gryffindor())
            .ingress(vec![Rule::new(
                &format!("{}-all-ingress-from-slytherin", words[0]),
                action,
                vec![house_pods("slytherin")],
            )])
            .egress(vec![Rule::new(
                &format!("{}-all-egress-to-slytherin", words[1]),
                action,
                vec![house_pods("slytherin")],
            )])
    };
    State::of(vec![
        both("priority-50-example", Tier::Admin, 50, Deny, ["deny", "deny"]),
        both("old-priority-60-new-priority-40-example", Tier::Admin, 60, Pass, ["pass", "pass"]),
        both("default", Tier::Baseline, 10, Allow, ["allow", "allow"]),
    ])
}

/// `standard-same-priority.yaml`: three policies at one priority (15 Admin, 10 Baseline), each
/// denying one house at one port both ways: gryffindor-slytherin 80, gryffindor-hufflepuff 80,
/// hufflepuff-slytherin 8080.
pub fn same_priority(tier: Tier) -> State {
    let (prefix, priority) = if tier == Tier::Admin { ("", 15) } else { ("baseline-", 10) };
    let one = |subject: &str, peer: &str, port: u16| {
        Policy::new(
            &format!("{prefix}same-priority-{}-{}", house(subject), house(peer)),
            tier,
            priority,
            namespaces(namespace_named(subject)),
        )
        .ingress(vec![
            Rule::new(&format!("deny-from-{}-at-port-{port}", house(peer)), Deny, ns_peer(peer))
                .ports(vec![Port::Number(Proto::Tcp, port)]),
        ])
        .egress(vec![
            Rule::new(&format!("deny-to-{}-at-port-{port}", house(peer)), Deny, ns_peer(peer))
                .ports(vec![Port::Number(Proto::Tcp, port)]),
        ])
    };
    State::of(vec![one(GRYFFINDOR, SLYTHERIN, 80), one(GRYFFINDOR, HUFFLEPUFF, 80), one(HUFFLEPUFF, SLYTHERIN, 8080)])
}

/// The Service of `admin_tier/hairpin-rules.yaml` (its ClusterIP is ours).
pub const HAIRPIN_SERVICE: (&str, &str) = (GRYFFINDOR, "harry-potter-hairpin-service");

/// A one-backend Service for harry-potter-0 alone, added here (see the hairpin suite).
pub const HAIRPIN_SELF_SERVICE: (&str, &str) = (GRYFFINDOR, "harry-potter-0-hairpin");

/// `admin_tier/hairpin-rules.yaml`: a Service over the gryffindor pods, and `hairpin-ingress-deny`
/// (15) denying ingress from gryffindor to gryffindor.
pub fn hairpin() -> State {
    let web = json!({ "name": "web", "port": 80, "targetPort": 80, "protocol": "TCP" });
    let policy = Policy::new("hairpin-ingress-deny", Tier::Admin, 15, namespaces(namespace_named(GRYFFINDOR)))
        .ingress(vec![Rule::new("deny-gryffindor-ingress", Deny, ns_peer(GRYFFINDOR))]);
    State::of(vec![policy]).with_services(vec![
        service(
            HAIRPIN_SERVICE.0,
            HAIRPIN_SERVICE.1,
            "10.96.100.10",
            json!({ HOUSE_LABEL: "gryffindor" }),
            web.clone(),
        ),
        service(
            HAIRPIN_SELF_SERVICE.0,
            HAIRPIN_SELF_SERVICE.1,
            "10.96.100.11",
            json!({ POD_NAME_LABEL: "harry-potter-0" }),
            web,
        ),
    ])
}

/// `admin_tier/experimental-egress-selector-rules.yaml` (`node-and-cidr-as-peers-example`, 75):
/// gryffindor pods may reach nodes at host-network port 0 (TCP), pass at port 2 (UDP), and are
/// denied slytherin pods, every node and every address.
pub fn admin_node_peers() -> State {
    let linux = || Peer::Nodes(match_labels("kubernetes.io/os", "linux"));
    let subject = pods(Some(match_labels(HOUSE_LABEL, "gryffindor")), match_labels(HOUSE_LABEL, "gryffindor"));
    let policy = Policy::new("node-and-cidr-as-peers-example", Tier::Admin, 75, subject).egress(vec![
        Rule::new(&format!("allow-egress-to-{}-on-nodes", hnp(0)), Allow, vec![linux()])
            .ports(vec![Port::Number(Proto::Tcp, hnp(0))]),
        Rule::new(&format!("pass-egress-to-{}-on-nodes", hnp(2)), Pass, vec![linux()])
            .ports(vec![Port::Number(Proto::Udp, hnp(2))]),
        Rule::new(
            "deny-egress-to-slytherin-and-nodes-and-internet",
            Deny,
            vec![house_pods("slytherin"), linux(), Peer::Networks(vec!["0.0.0.0/0".into(), "::/0".into()])],
        ),
    ]);
    State::of(vec![policy])
}

/// `baseline_tier/experimental-egress-selector-rules.yaml` (`default`, 10): gryffindor may reach
/// nodes on the TCP range host-network port 0 to port 1, and is denied every node and address.
pub fn baseline_node_peers() -> State {
    let linux = || Peer::Nodes(match_labels("kubernetes.io/os", "linux"));
    let policy = Policy::new("default", Tier::Baseline, 10, namespaces(namespace_named(GRYFFINDOR))).egress(vec![
        Rule::new(&format!("allow-egress-to-{}-on-nodes", hnp(0)), Allow, vec![linux()]).ports(vec![Port::Range(
            Proto::Tcp,
            hnp(0),
            hnp(1),
        )]),
        Rule::new(
            "deny-egress-to-nodes-and-internet",
            Deny,
            vec![linux(), Peer::Networks(vec!["0.0.0.0/0".into(), "::/0".into()])],
        ),
    ]);
    State::of(vec![policy])
}
