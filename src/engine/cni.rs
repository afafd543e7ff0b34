//! Which network plugin runs, read off its DaemonSets, and whether it enforces NetworkPolicy.
//!
//! NetworkPolicy is only an API: the plugin enforces it. Flannel alone and the AWS VPC CNI
//! without its network policy agent do not, and then every verdict is moot.

use serde::Serialize;

use super::model::DaemonSetInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Plugin {
    Calico,
    Canal,
    Cilium,
    Antrea,
    Weave,
    KubeRouter,
    OvnKubernetes,
    AzureNpm,
    AwsVpcCni,
    AwsNetworkPolicyAgent,
    Flannel,
}

impl Plugin {
    pub fn name(self) -> &'static str {
        match self {
            Plugin::Calico => "Calico",
            Plugin::Canal => "Canal",
            Plugin::Cilium => "Cilium",
            Plugin::Antrea => "Antrea",
            Plugin::Weave => "Weave Net",
            Plugin::KubeRouter => "kube-router",
            Plugin::OvnKubernetes => "OVN-Kubernetes",
            Plugin::AzureNpm => "Azure Network Policy Manager",
            Plugin::AwsVpcCni => "AWS VPC CNI",
            Plugin::AwsNetworkPolicyAgent => "AWS network policy agent",
            Plugin::Flannel => "Flannel",
        }
    }

    /// Plugins that enforce NetworkPolicy by themselves.
    pub fn enforces(self) -> bool {
        !matches!(self, Plugin::AwsVpcCni | Plugin::Flannel)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detected {
    pub plugin: Plugin,
    /// The DaemonSet it was recognised by, `namespace/name`.
    pub daemonset: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Enforcement {
    Enforced,
    NotEnforced,
    /// No known plugin found (or no DaemonSets read).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub detected: Vec<Detected>,
    pub enforcement: Enforcement,
}

impl Report {
    /// A sentence for a caveat when policies are not enforced; `None` otherwise.
    pub fn not_enforced_message(&self) -> Option<String> {
        if self.enforcement != Enforcement::NotEnforced {
            return None;
        }
        let names: Vec<&str> = self.detected.iter().map(|d| d.plugin.name()).collect();
        let fix = if self.detected.iter().any(|d| d.plugin == Plugin::AwsVpcCni) {
            "enable the VPC CNI's network policy agent (enableNetworkPolicy) or run a policy engine such as Calico"
        } else {
            "add a policy engine (e.g. Calico in policy-only mode, or Canal) or move to a plugin that enforces it"
        };
        Some(format!(
            "the network plugin ({}) does not enforce NetworkPolicy: every flow is allowed whatever the policies say; {fix}",
            names.join(", ")
        ))
    }
}

fn classify(ds: &DaemonSetInfo) -> Option<Plugin> {
    let name = ds.name.as_str();
    let image = |needle: &str| ds.images.iter().any(|i| i.contains(needle));
    if name == "canal" {
        return Some(Plugin::Canal);
    }
    if name == "calico-node" || image("calico/node") {
        return Some(Plugin::Calico);
    }
    // GKE Dataplane V2 runs Cilium as `anetd`.
    if name == "cilium" || name == "anetd" || image("cilium/cilium") {
        return Some(Plugin::Cilium);
    }
    if name == "antrea-agent" || image("antrea/antrea") {
        return Some(Plugin::Antrea);
    }
    if name == "weave-net" || image("weaveworks/weave-kube") {
        return Some(Plugin::Weave);
    }
    if name == "kube-router" || image("cloudnativelabs/kube-router") {
        return Some(Plugin::KubeRouter);
    }
    if name == "ovnkube-node" {
        return Some(Plugin::OvnKubernetes);
    }
    if name == "azure-npm" || image("azure-npm") {
        return Some(Plugin::AzureNpm);
    }
    if name == "aws-node" || image("amazon-k8s-cni") {
        return Some(Plugin::AwsVpcCni);
    }
    if name.contains("flannel") || image("flannel") {
        return Some(Plugin::Flannel);
    }
    None
}

/// Recognises the network plugins among `daemonsets`.
pub fn detect(daemonsets: &[DaemonSetInfo]) -> Report {
    let mut detected = Vec::new();
    for ds in daemonsets {
        if let Some(plugin) = classify(ds) {
            detected.push(Detected { plugin, daemonset: format!("{}/{}", ds.namespace, ds.name) });
        }
        // The VPC CNI's policy agent runs as an extra container of aws-node.
        if ds.images.iter().any(|i| i.contains("aws-network-policy-agent")) {
            detected.push(Detected {
                plugin: Plugin::AwsNetworkPolicyAgent,
                daemonset: format!("{}/{}", ds.namespace, ds.name),
            });
        }
    }
    let enforcement = if detected.is_empty() {
        Enforcement::Unknown
    } else if detected.iter().any(|d| d.plugin.enforces()) {
        Enforcement::Enforced
    } else {
        Enforcement::NotEnforced
    };
    Report { detected, enforcement }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(ns: &str, name: &str, images: &[&str]) -> DaemonSetInfo {
        DaemonSetInfo {
            namespace: ns.into(),
            name: name.into(),
            images: images.iter().map(|s| s.to_string()).collect(),
            args: Vec::new(),
        }
    }

    #[test]
    fn flannel_alone_does_not_enforce() {
        let r = detect(&[ds("kube-flannel", "kube-flannel-ds", &["docker.io/flannel/flannel:v0.25.1"])]);
        assert_eq!(r.enforcement, Enforcement::NotEnforced);
        assert!(r.not_enforced_message().unwrap().contains("Flannel"));
    }

    #[test]
    fn calico_enforces() {
        let r = detect(&[ds("calico-system", "calico-node", &["docker.io/calico/node:v3.28.0"])]);
        assert_eq!(r.enforcement, Enforcement::Enforced);
        assert_eq!(r.detected[0].plugin, Plugin::Calico);
    }

    #[test]
    fn flannel_with_a_policy_engine_enforces() {
        let r = detect(&[
            ds("kube-system", "kube-flannel-ds", &["flannel/flannel"]),
            ds("kube-system", "canal", &["calico/node"]),
        ]);
        assert_eq!(r.enforcement, Enforcement::Enforced);
    }

    #[test]
    fn vpc_cni_without_its_agent_does_not_enforce() {
        let r = detect(&[ds(
            "kube-system",
            "aws-node",
            &["602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.1"],
        )]);
        assert_eq!(r.enforcement, Enforcement::NotEnforced);
        assert!(r.not_enforced_message().unwrap().contains("enableNetworkPolicy"));
    }

    #[test]
    fn vpc_cni_with_its_agent_enforces() {
        let r = detect(&[ds(
            "kube-system",
            "aws-node",
            &["amazon-k8s-cni:v1.18.1", "amazon/aws-network-policy-agent:v1.1.0"],
        )]);
        assert_eq!(r.enforcement, Enforcement::Enforced);
    }

    #[test]
    fn gke_dataplane_v2_is_cilium() {
        let r = detect(&[ds("kube-system", "anetd", &["gke.gcr.io/cilium/cilium:v1.14"])]);
        assert_eq!(r.detected[0].plugin, Plugin::Cilium);
    }

    #[test]
    fn nothing_recognised_is_unknown() {
        let r = detect(&[ds("kube-system", "kube-proxy", &["registry.k8s.io/kube-proxy:v1.31.0"])]);
        assert_eq!(r.enforcement, Enforcement::Unknown);
        assert!(r.not_enforced_message().is_none());
    }
}
