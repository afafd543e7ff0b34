//! The cluster-wide policies of the conformance tests, held in one version-neutral shape and
//! written out as the objects upstream's YAML and Go structs serialise to, in either API version:
//!
//! - `Tier::Admin` with a priority: v1alpha1 `AdminNetworkPolicy` with `spec.priority`; v1alpha2
//!   `ClusterNetworkPolicy` with `tier: Admin` and `priority`.
//! - `Tier::Baseline`: v1alpha1 `BaselineAdminNetworkPolicy`, the singleton `default`, no priority;
//!   v1alpha2 `ClusterNetworkPolicy` with `tier: Baseline` and `priority`.
//! - `Action::Allow`: `Allow` in v1alpha1, `Accept` in v1alpha2; `Deny` and `Pass` alike.
//! - `Port::Number(TCP, 80)`: v1alpha1 `ports: [{portNumber: {protocol: TCP, port: 80}}]`; v1alpha2
//!   `protocols: [{tcp: {destinationPort: {number: 80}}}]`.
//! - `Port::Range(UDP, 53, 5353)`: v1alpha1 `{portRange: {protocol: UDP, start: 53, end: 5353}}`;
//!   v1alpha2 `{udp: {destinationPort: {range: {start: 53, end: 5353}}}}`.
//! - `Port::Named("dns")`: v1alpha1 `{namedPort: dns}`; v1alpha2 `{destinationNamedPort: dns}`.
//!
//! Peers (`namespaces`, `pods`, egress `nodes` and `networks`) and subjects
//! (`namespaces` or `pods`) are spelled alike in both versions. One shape lets one upstream step
//! list drive both versions where upstream ported a v1alpha1 test to v1alpha2 unchanged. The module
//! also builds the NetworkPolicy and Service objects some tests add. It owns no expectation.

use serde_json::{Map, Value, json};

use crate::world::Proto;

/// The API version a suite's policies are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `AdminNetworkPolicy` and `BaselineAdminNetworkPolicy`, `policy.networking.k8s.io/v1alpha1`.
    V1alpha1,
    /// `ClusterNetworkPolicy`, `policy.networking.k8s.io/v1alpha2`.
    V1alpha2,
}

impl Api {
    pub fn api_version(self) -> &'static str {
        match self {
            Api::V1alpha1 => "policy.networking.k8s.io/v1alpha1",
            Api::V1alpha2 => "policy.networking.k8s.io/v1alpha2",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Admin,
    Baseline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
    Pass,
}

impl Action {
    pub fn spelled(self, api: Api) -> &'static str {
        match (self, api) {
            (Action::Allow, Api::V1alpha1) => "Allow",
            (Action::Allow, Api::V1alpha2) => "Accept",
            (Action::Deny, _) => "Deny",
            (Action::Pass, _) => "Pass",
        }
    }
}

/// One entry of a rule's `ports` (v1alpha1) or `protocols` (v1alpha2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Port {
    Number(Proto, u16),
    Range(Proto, u16, u16),
    Named(&'static str),
}

/// A subject, or a `namespaces` / `pods` peer. `None` for the namespace selector of `pods` means
/// the field is left out, which selects every namespace.
#[derive(Clone, Debug, PartialEq)]
pub enum Select {
    Namespaces(Value),
    Pods { namespaces: Option<Value>, pods: Value },
}

/// One `from` / `to` entry.
#[derive(Clone, Debug, PartialEq)]
pub enum Peer {
    Select(Select),
    /// Egress only: nodes by label.
    Nodes(Value),
    /// Egress only: CIDRs.
    Networks(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub name: String,
    pub action: Action,
    pub peers: Vec<Peer>,
    /// `None`: no `ports` / `protocols` field, every port and protocol.
    pub ports: Option<Vec<Port>>,
}

impl Rule {
    pub fn new(name: &str, action: Action, peers: Vec<Peer>) -> Rule {
        Rule { name: name.to_owned(), action, peers, ports: None }
    }

    pub fn ports(mut self, ports: Vec<Port>) -> Rule {
        self.ports = Some(ports);
        self
    }
}

/// One cluster-wide policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub name: String,
    pub tier: Tier,
    pub priority: u32,
    pub subject: Select,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

impl Policy {
    pub fn new(name: &str, tier: Tier, priority: u32, subject: Select) -> Policy {
        Policy { name: name.to_owned(), tier, priority, subject, ingress: Vec::new(), egress: Vec::new() }
    }

    pub fn ingress(mut self, rules: Vec<Rule>) -> Policy {
        self.ingress = rules;
        self
    }

    pub fn egress(mut self, rules: Vec<Rule>) -> Policy {
        self.egress = rules;
        self
    }

    /// The kind this policy is written as in `api`.
    pub fn kind(&self, api: Api) -> &'static str {
        match (api, self.tier) {
            (Api::V1alpha1, Tier::Admin) => "AdminNetworkPolicy",
            (Api::V1alpha1, Tier::Baseline) => "BaselineAdminNetworkPolicy",
            (Api::V1alpha2, _) => "ClusterNetworkPolicy",
        }
    }

    /// The object as upstream's manifests and Go structs serialise it in `api`.
    pub fn manifest(&self, api: Api) -> Value {
        let mut spec = Map::new();
        match api {
            Api::V1alpha1 => {
                if self.tier == Tier::Admin {
                    spec.insert("priority".into(), json!(self.priority));
                }
            }
            Api::V1alpha2 => {
                let tier = match self.tier {
                    Tier::Admin => "Admin",
                    Tier::Baseline => "Baseline",
                };
                spec.insert("tier".into(), json!(tier));
                spec.insert("priority".into(), json!(self.priority));
            }
        }
        spec.insert("subject".into(), select(&self.subject, api));
        if !self.ingress.is_empty() {
            spec.insert("ingress".into(), rules(&self.ingress, "from", api));
        }
        if !self.egress.is_empty() {
            spec.insert("egress".into(), rules(&self.egress, "to", api));
        }
        json!({
            "apiVersion": api.api_version(),
            "kind": self.kind(api),
            "metadata": { "name": self.name },
            "spec": spec,
        })
    }
}

fn rules(rules: &[Rule], peers_key: &str, api: Api) -> Value {
    Value::Array(
        rules
            .iter()
            .map(|rule| {
                let mut out = Map::new();
                out.insert("name".into(), json!(rule.name));
                out.insert("action".into(), json!(rule.action.spelled(api)));
                out.insert(peers_key.into(), Value::Array(rule.peers.iter().map(|p| peer(p, api)).collect()));
                if let Some(ports) = &rule.ports {
                    let (key, list) = match api {
                        Api::V1alpha1 => ("ports", ports.iter().map(port_v1alpha1).collect()),
                        Api::V1alpha2 => ("protocols", ports.iter().map(port_v1alpha2).collect()),
                    };
                    out.insert(key.into(), Value::Array(list));
                }
                Value::Object(out)
            })
            .collect(),
    )
}

fn select(select: &Select, api: Api) -> Value {
    match select {
        Select::Namespaces(selector) => json!({ "namespaces": selector }),
        Select::Pods { namespaces, pods } => {
            let mut inner = Map::new();
            match (namespaces, api) {
                (Some(selector), _) => {
                    inner.insert("namespaceSelector".into(), selector.clone());
                }
                // v1alpha1 has no `+optional` on the namespace selector of `pods`: written empty.
                (None, Api::V1alpha1) => {
                    inner.insert("namespaceSelector".into(), json!({}));
                }
                (None, Api::V1alpha2) => {}
            }
            inner.insert("podSelector".into(), pods.clone());
            json!({ "pods": inner })
        }
    }
}

fn peer(peer: &Peer, api: Api) -> Value {
    match peer {
        Peer::Select(s) => select(s, api),
        Peer::Nodes(selector) => json!({ "nodes": selector }),
        Peer::Networks(cidrs) => json!({ "networks": cidrs }),
    }
}

fn port_v1alpha1(port: &Port) -> Value {
    match port {
        Port::Number(proto, number) => json!({ "portNumber": { "protocol": proto.api(), "port": number } }),
        Port::Range(proto, start, end) => {
            json!({ "portRange": { "protocol": proto.api(), "start": start, "end": end } })
        }
        Port::Named(name) => json!({ "namedPort": name }),
    }
}

fn port_v1alpha2(port: &Port) -> Value {
    match port {
        Port::Number(proto, number) => json!({ proto.lower(): { "destinationPort": { "number": number } } }),
        Port::Range(proto, start, end) => {
            json!({ proto.lower(): { "destinationPort": { "range": { "start": start, "end": end } } } })
        }
        Port::Named(name) => json!({ "destinationNamedPort": name }),
    }
}

/// `{matchLabels: {kubernetes.io/metadata.name: <namespace>}}`.
pub fn namespace_named(namespace: &str) -> Value {
    json!({ "matchLabels": { crate::world::NAMESPACE_NAME_LABEL: namespace } })
}

/// `{matchLabels: {<key>: <value>}}`.
pub fn match_labels(key: &str, value: &str) -> Value {
    json!({ "matchLabels": { key: value } })
}

/// `{matchExpressions: [{key: <key>, operator: Exists}]}`.
pub fn label_exists(key: &str) -> Value {
    json!({ "matchExpressions": [{ "key": key, "operator": "Exists" }] })
}

/// A `namespaces` peer or subject.
pub fn namespaces(selector: Value) -> Select {
    Select::Namespaces(selector)
}

/// A `pods` peer or subject.
pub fn pods(namespaces: Option<Value>, pods: Value) -> Select {
    Select::Pods { namespaces, pods }
}

/// A `networking.k8s.io/v1` NetworkPolicy, with `policyTypes` spelled out as upstream's does.
pub fn network_policy(namespace: &str, name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": { "name": name, "namespace": namespace },
        "spec": spec,
    })
}

/// A ClusterIP Service with one port, as the API server returns it.
pub fn service(namespace: &str, name: &str, cluster_ip: &str, selector: Value, port: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": { "name": name, "namespace": namespace },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": cluster_ip,
            "clusterIPs": [cluster_ip],
            "selector": selector,
            "ports": [port],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Policy {
        Policy::new("egress-tcp", Tier::Admin, 6, namespaces(namespace_named("ns-a"))).egress(vec![
            Rule::new("allow-all", Action::Allow, vec![Peer::Select(namespaces(namespace_named("ns-b")))]),
            Rule::new("deny-80", Action::Deny, vec![Peer::Select(pods(None, match_labels("app", "db")))]).ports(vec![
                Port::Number(Proto::Tcp, 80),
                Port::Range(Proto::Udp, 53, 5353),
                Port::Named("web"),
            ]),
        ])
    }

    #[test]
    fn writes_a_cluster_network_policy_in_v1alpha2() {
        let cnp = sample().manifest(Api::V1alpha2);
        assert_eq!(cnp["apiVersion"], "policy.networking.k8s.io/v1alpha2");
        assert_eq!(cnp["kind"], "ClusterNetworkPolicy");
        assert_eq!(cnp["spec"]["tier"], "Admin");
        assert_eq!(cnp["spec"]["priority"], 6);
        assert_eq!(cnp["spec"]["egress"][0]["action"], "Accept");
        assert_eq!(
            cnp["spec"]["egress"][1]["to"][0],
            json!({ "pods": { "podSelector": { "matchLabels": { "app": "db" } } } })
        );
        assert_eq!(
            cnp["spec"]["egress"][1]["protocols"],
            json!([
                { "tcp": { "destinationPort": { "number": 80 } } },
                { "udp": { "destinationPort": { "range": { "start": 53, "end": 5353 } } } },
                { "destinationNamedPort": "web" },
            ])
        );
        assert!(cnp["spec"].get("ingress").is_none(), "no ingress rules: no ingress field");
    }

    #[test]
    fn writes_an_admin_network_policy_in_v1alpha1() {
        let anp = sample().manifest(Api::V1alpha1);
        assert_eq!(anp["apiVersion"], "policy.networking.k8s.io/v1alpha1");
        assert_eq!(anp["kind"], "AdminNetworkPolicy");
        assert!(anp["spec"].get("tier").is_none());
        assert_eq!(anp["spec"]["priority"], 6);
        assert_eq!(anp["spec"]["egress"][0]["action"], "Allow");
        assert_eq!(anp["spec"]["egress"][1]["to"][0]["pods"]["namespaceSelector"], json!({}));
        assert_eq!(
            anp["spec"]["egress"][1]["ports"],
            json!([
                { "portNumber": { "protocol": "TCP", "port": 80 } },
                { "portRange": { "protocol": "UDP", "start": 53, "end": 5353 } },
                { "namedPort": "web" },
            ])
        );
    }

    #[test]
    fn a_baseline_policy_is_the_banp_singleton_in_v1alpha1() {
        let mut banp = sample();
        banp.tier = Tier::Baseline;
        banp.name = "default".into();
        let object = banp.manifest(Api::V1alpha1);
        assert_eq!(object["kind"], "BaselineAdminNetworkPolicy");
        assert!(object["spec"].get("priority").is_none(), "a BANP has no priority");
        assert_eq!(banp.manifest(Api::V1alpha2)["spec"]["tier"], "Baseline");
    }
}
