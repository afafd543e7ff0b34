//! The cluster-wide form of the starter kit (`init --baseline`): ONE Baseline-tier policy that
//! denies ingress and egress to every namespace but the infrastructure ones, and accepts first
//! egress to the cluster DNS pods on their real ports and ingress from the ingress controller.
//!
//! Built as a ClusterNetworkPolicy (`policy.networking.k8s.io/v1beta1` or `v1alpha2`, `tier:
//! Baseline`, priority 1000 so that any other Baseline policy an administrator writes comes first)
//! or, where only the predecessor API is served, as the BaselineAdminNetworkPolicy singleton
//! `default` (`v1alpha1`). Field names are those of the API types in
//! kubernetes-sigs/network-policy-api (the README's tiers section has the sources).
//!
//! A namespace's own NetworkPolicies still decide for the pods they select (the Baseline tier
//! only applies to pods no NetworkPolicy selects in that direction); `losses` says, per namespace,
//! what it loses and which of its policies keep deciding. Ingress rules of these APIs have no
//! peer for nodes or addresses outside the cluster: the Baseline deny covers ingress from pods
//! only, which `NOTES` says.
//!
//! Pure: no I/O, no printing. `cmd::init` reads, applies and renders.

use std::collections::BTreeMap;

use serde::Serialize;

use super::build::{DESCRIPTION_ANNOTATION, IngressChoice, MANAGED_BY, MANAGED_BY_LABEL, Options};
use super::detect::{Detection, PortValue};
use crate::engine::coverage::SYSTEM_NAMESPACES;
use crate::engine::model::{Labels, NAMESPACE_NAME_LABEL, Policy, Protocol};
use crate::source::fetch::Resource;
use crate::source::tiers::{
    BASELINE_ADMIN_NETWORK_POLICIES, CLUSTER_NETWORK_POLICIES_V1ALPHA2, CLUSTER_NETWORK_POLICIES_V1BETA1, GROUP,
};

/// The name of the ClusterNetworkPolicy.
pub const CNP_NAME: &str = "kubectl-deny-baseline";
/// The name the BaselineAdminNetworkPolicy must have (a singleton, by the CRD's validation).
pub const BANP_NAME: &str = "default";
/// The ClusterNetworkPolicy's priority in the Baseline tier: the last, so that any other Baseline
/// policy decides before this catch-all deny.
pub const PRIORITY: i32 = 1000;

/// What the tiers cannot express, said wherever the policy is shown.
pub const NOTES: &[&str] = &[
    "the Baseline tier denies ingress from pods only: the API has no ingress peer for nodes, host-network pods \
     or addresses outside the cluster, so such traffic is left to each namespace's NetworkPolicies",
    "a namespace's own NetworkPolicies keep deciding for the pods they select in their direction; the Baseline \
     deny applies to the pods no NetworkPolicy selects",
];

/// Which API the policy is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Form {
    /// ClusterNetworkPolicy `v1beta1` (upstream's storage version).
    ClusterV1beta1,
    /// ClusterNetworkPolicy `v1alpha2`.
    ClusterV1alpha2,
    /// BaselineAdminNetworkPolicy `default`, `v1alpha1`.
    BaselineAdmin,
}

impl Form {
    /// Best first: the newest API the server may serve.
    pub const PREFERENCE: [Form; 3] = [Form::ClusterV1beta1, Form::ClusterV1alpha2, Form::BaselineAdmin];

    /// The form of an API version given with `--baseline-api`.
    pub fn of_version(version: &str) -> Option<Form> {
        Form::PREFERENCE.into_iter().find(|f| f.version() == version)
    }

    pub fn version(self) -> &'static str {
        match self {
            Form::ClusterV1beta1 => "v1beta1",
            Form::ClusterV1alpha2 => "v1alpha2",
            Form::BaselineAdmin => "v1alpha1",
        }
    }

    pub fn api_version(self) -> String {
        format!("{GROUP}/{}", self.version())
    }

    pub fn kind(self) -> &'static str {
        match self {
            Form::BaselineAdmin => "BaselineAdminNetworkPolicy",
            _ => "ClusterNetworkPolicy",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Form::BaselineAdmin => BANP_NAME,
            _ => CNP_NAME,
        }
    }

    pub fn resource(self) -> &'static Resource {
        match self {
            Form::ClusterV1beta1 => &CLUSTER_NETWORK_POLICIES_V1BETA1,
            Form::ClusterV1alpha2 => &CLUSTER_NETWORK_POLICIES_V1ALPHA2,
            Form::BaselineAdmin => &BASELINE_ADMIN_NETWORK_POLICIES,
        }
    }

    /// `clusternetworkpolicy.policy.networking.k8s.io/kubectl-deny-baseline`, as `-o name` prints.
    pub fn object_name(self) -> String {
        format!("{}.{GROUP}/{}", self.kind().to_lowercase(), self.name())
    }

    /// `ClusterNetworkPolicy kubectl-deny-baseline (policy.networking.k8s.io/v1alpha2, tier Baseline)`.
    pub fn describe(self) -> String {
        match self {
            Form::BaselineAdmin => format!("BaselineAdminNetworkPolicy {} ({})", self.name(), self.api_version()),
            _ => format!(
                "ClusterNetworkPolicy {} ({}, tier Baseline, priority {PRIORITY})",
                self.name(),
                self.api_version()
            ),
        }
    }

    fn accept(self) -> &'static str {
        match self {
            Form::BaselineAdmin => "Allow",
            _ => "Accept",
        }
    }
}

/// A namespace the Baseline deny leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exempt {
    pub namespace: String,
    pub reason: String,
}

/// The namespaces to leave out: the system namespaces and those `protected` names (DNS, ingress
/// controller, mesh control plane, monitoring, with their reasons) unless `include_system`, and
/// those given with `--exclude`. Sorted by name, each once.
pub fn exempt(protected: &[(String, String)], include_system: bool, exclude: &[String]) -> Vec<Exempt> {
    let mut out: Vec<Exempt> = Vec::new();
    let mut add = |namespace: &str, reason: String| {
        if !out.iter().any(|e| e.namespace == namespace) {
            out.push(Exempt { namespace: namespace.to_string(), reason });
        }
    };
    if !include_system {
        for ns in SYSTEM_NAMESPACES {
            add(ns, "a system namespace (the control plane's own; --include-system covers it)".to_string());
        }
        for (ns, reason) in protected {
            add(ns, reason.clone());
        }
    }
    for ns in exclude {
        add(ns, "given with --exclude".to_string());
    }
    out.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    out
}

/// The policy object, ready to print or apply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    pub api_version: String,
    pub kind: &'static str,
    pub metadata: Metadata,
    pub spec: Spec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metadata {
    pub name: &'static str,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    pub subject: Subject,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    pub namespaces: Selector,
}

/// A LabelSelector.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<Labels>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<Expression>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expression {
    pub key: String,
    pub operator: &'static str,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub name: &'static str,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<Peer>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<Peer>>,
    /// v1alpha1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<serde_json::Value>>,
    /// v1alpha2 and v1beta1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocols: Option<Vec<serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Peer {
    Namespaces(Selector),
    Pods(Pods),
    Networks(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pods {
    pub namespace_selector: Selector,
    pub pod_selector: Selector,
}

fn named(ns: &str) -> Selector {
    Selector {
        match_labels: Some(Labels::from([(NAMESPACE_NAME_LABEL.to_string(), ns.to_string())])),
        match_expressions: None,
    }
}

fn labels(labels: &Labels) -> Selector {
    Selector { match_labels: Some(labels.clone()), match_expressions: None }
}

/// One port in the form's syntax: a number with its protocol, or a name (resolved on the
/// destination pod).
fn port(form: Form, protocol: Protocol, port: &PortValue) -> serde_json::Value {
    let proto = protocol.as_str();
    match (form, port) {
        (Form::BaselineAdmin, PortValue::Number(n)) => {
            serde_json::json!({"portNumber": {"protocol": proto, "port": n}})
        }
        (Form::BaselineAdmin, PortValue::Name(name)) => serde_json::json!({"namedPort": name}),
        (_, PortValue::Number(n)) => {
            serde_json::json!({proto.to_lowercase(): {"destinationPort": {"number": n}}})
        }
        (_, PortValue::Name(name)) => serde_json::json!({"destinationNamedPort": name}),
    }
}

fn ported(form: Form, to: Vec<Peer>, ports: Vec<serde_json::Value>, name: &'static str) -> Rule {
    let (p, q) = if form == Form::BaselineAdmin { (Some(ports), None) } else { (None, Some(ports)) };
    Rule { name, action: form.accept(), from: None, to: Some(to), ports: p, protocols: q }
}

/// The Baseline policy in `form`, leaving out `exempt`: accepts first (ingress controller,
/// monitoring; DNS), each direction's deny last.
pub fn build(form: Form, detection: &Detection, options: &Options, exempt: &[Exempt]) -> Object {
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    let mut said = Vec::new();
    let accept =
        |name, from| Rule { name, action: form.accept(), from: Some(from), to: None, ports: None, protocols: None };
    match &options.ingress {
        IngressChoice::Off => {}
        IngressChoice::Namespace(ns) => {
            ingress.push(accept("allow-ingress-controller", vec![Peer::Namespaces(named(ns))]));
            said.push(format!("ingress from the namespace {ns}"));
        }
        IngressChoice::Detected if detection.ingress_controllers.is_empty() => {}
        IngressChoice::Detected => {
            let peers = detection
                .ingress_controllers
                .iter()
                .map(|c| match &c.pod_labels {
                    Some(l) => Peer::Pods(Pods { namespace_selector: named(&c.namespace), pod_selector: labels(l) }),
                    None => Peer::Namespaces(named(&c.namespace)),
                })
                .collect();
            ingress.push(accept("allow-ingress-controller", peers));
            let names: Vec<String> = detection
                .ingress_controllers
                .iter()
                .map(|c| format!("{} in {}", c.kind.display_name(), c.namespace))
                .collect();
            said.push(format!("ingress from the ingress controller ({})", names.join(", ")));
        }
    }
    if let Some(ns) = &options.monitoring {
        ingress.push(accept("allow-monitoring", vec![Peer::Namespaces(named(ns))]));
        said.push(format!("ingress from {ns}"));
    }
    ingress.push(Rule {
        name: "default-deny-ingress",
        action: "Deny",
        from: Some(vec![Peer::Namespaces(Selector::default())]),
        to: None,
        ports: None,
        protocols: None,
    });
    if options.dns {
        let dns = &detection.dns;
        let pods = Peer::Pods(Pods { namespace_selector: named(&dns.namespace), pod_selector: labels(&dns.selector) });
        let ports = dns.ports.iter().map(|p| port(form, p.protocol, &p.port)).collect();
        egress.push(ported(form, vec![pods], ports, "allow-dns"));
        let ports: Vec<String> = dns.ports.iter().map(|p| format!("{}/{}", p.port, p.protocol)).collect();
        said.push(format!("egress to the cluster DNS in {} on {}", dns.namespace, ports.join(", ")));
        if let Some(local) = &detection.node_local_dns {
            // Host addresses take port numbers only (a named port with a networks peer is rejected).
            let networks = local.addresses.iter().map(|ip| super::build::host_cidr(*ip)).collect();
            let well_known = [Protocol::Udp, Protocol::Tcp].map(|p| port(form, p, &PortValue::Number(53))).to_vec();
            egress.push(ported(form, vec![Peer::Networks(networks)], well_known, "allow-node-local-dns"));
            said.push("egress to NodeLocal DNSCache on 53/UDP, 53/TCP".to_string());
        }
    }
    egress.push(Rule {
        name: "default-deny-egress",
        action: "Deny",
        from: None,
        to: Some(vec![
            Peer::Namespaces(Selector::default()),
            Peer::Networks(vec!["0.0.0.0/0".to_string(), "::/0".to_string()]),
        ]),
        ports: None,
        protocols: None,
    });
    let subject = if exempt.is_empty() {
        Selector::default()
    } else {
        Selector {
            match_labels: None,
            match_expressions: Some(vec![Expression {
                key: NAMESPACE_NAME_LABEL.to_string(),
                operator: "NotIn",
                values: exempt.iter().map(|e| e.namespace.clone()).collect(),
            }]),
        }
    };
    let description = format!(
        "Default deny of ingress and egress for every namespace but {}, allowing {}.",
        if exempt.is_empty() {
            "none".to_string()
        } else {
            exempt.iter().map(|e| e.namespace.as_str()).collect::<Vec<_>>().join(", ")
        },
        if said.is_empty() { "nothing".to_string() } else { said.join("; ") }
    );
    let cluster = form != Form::BaselineAdmin;
    Object {
        api_version: form.api_version(),
        kind: form.kind(),
        metadata: Metadata {
            name: form.name(),
            labels: BTreeMap::from([(MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string())]),
            annotations: BTreeMap::from([(DESCRIPTION_ANNOTATION.to_string(), description)]),
        },
        spec: Spec {
            tier: cluster.then_some("Baseline"),
            priority: cluster.then_some(PRIORITY),
            subject: Subject { namespaces: subject },
            ingress,
            egress,
        },
    }
}

/// What one namespace the policy covers loses, per direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loss {
    pub namespace: String,
    pub ingress: DirectionLoss,
    pub egress: DirectionLoss,
}

/// One direction of a covered namespace: its pods that no NetworkPolicy selects lose their
/// default allow; the namespace's own policies keep deciding for the pods they select.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectionLoss {
    /// Some pod (or a pod created later) falls to the Baseline deny: no NetworkPolicy of the
    /// namespace selects every pod in this direction.
    pub denied_by_default: bool,
    /// The namespace's NetworkPolicies of this direction, which keep deciding for their pods.
    pub policies: Vec<String>,
}

/// Per namespace of `namespaces` not in `exempt`: what it loses, given the `policies` read.
pub fn losses(namespaces: &[String], policies: &[Policy], exempt: &[Exempt]) -> Vec<Loss> {
    let mut names: Vec<&String> = namespaces.iter().filter(|ns| !exempt.iter().any(|e| &e.namespace == *ns)).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|ns| {
            let of = |ingress: bool| {
                let mine: Vec<&Policy> = policies
                    .iter()
                    .filter(|p| &p.namespace == ns && if ingress { p.types.ingress } else { p.types.egress })
                    .collect();
                DirectionLoss {
                    denied_by_default: !mine.iter().any(|p| p.pod_selector.is_empty()),
                    policies: mine.iter().map(|p| p.name.clone()).collect(),
                }
            };
            Loss { namespace: ns.clone(), ingress: of(true), egress: of(false) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::detect::{self, Extra};
    use crate::source::file::load_str;

    const CLUSTER: &str = "
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, protocol: UDP, targetPort: 5353}, {name: dns-tcp, port: 53, protocol: TCP, targetPort: 5353}]
---
apiVersion: v1
kind: Pod
metadata: {name: coredns-1, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  containers: [{name: c, ports: [{containerPort: 5353, protocol: UDP}, {containerPort: 5353, protocol: TCP}]}]
";

    fn detection() -> Detection {
        detect::detect(&load_str(CLUSTER, "t.yaml", "default").expect("parses"), Extra::default())
    }

    #[test]
    fn exempts_system_and_infrastructure_namespaces_unless_included_and_adds_excluded_ones() {
        let protected = vec![("ingress-nginx".to_string(), "ingress".to_string())];
        let names = |e: Vec<Exempt>| e.into_iter().map(|e| e.namespace).collect::<Vec<_>>();
        assert_eq!(
            names(exempt(&protected, false, &["legacy".into()])),
            ["ingress-nginx", "kube-node-lease", "kube-public", "kube-system", "legacy"]
        );
        assert_eq!(names(exempt(&protected, true, &["legacy".into()])), ["legacy"]);
    }

    #[test]
    fn dns_egress_uses_the_real_port_in_each_form() {
        let d = detection();
        let cnp = serde_json::to_value(build(Form::ClusterV1alpha2, &d, &Options::default(), &[])).unwrap();
        assert_eq!(cnp["spec"]["tier"], "Baseline");
        assert_eq!(cnp["spec"]["subject"]["namespaces"], serde_json::json!({}));
        let dns = &cnp["spec"]["egress"][0];
        assert_eq!(dns["action"], "Accept");
        assert!(
            dns["protocols"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!({"udp": {"destinationPort": {"number": 5353}}}))
        );
        let banp = serde_json::to_value(build(Form::BaselineAdmin, &d, &Options::default(), &[])).unwrap();
        assert_eq!(banp["metadata"]["name"], "default");
        assert!(banp["spec"].get("tier").is_none() && banp["spec"].get("priority").is_none());
        assert_eq!(banp["spec"]["egress"][0]["action"], "Allow");
        assert!(
            banp["spec"]["egress"][0]["ports"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!({"portNumber": {"protocol": "TCP", "port": 5353}}))
        );
    }

    #[test]
    fn a_namespace_with_policies_is_told_they_keep_deciding() {
        let snapshot = load_str(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: prod}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n",
            "t.yaml",
            "default",
        )
        .unwrap();
        let ex = exempt(&[], false, &[]);
        let l = losses(&["prod".into(), "kube-system".into(), "dev".into()], &snapshot.policies, &ex);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].namespace, "dev");
        assert_eq!(l[1].ingress, DirectionLoss { denied_by_default: false, policies: vec!["web".into()] });
        assert_eq!(l[1].egress, DirectionLoss { denied_by_default: true, policies: vec![] });
    }
}
