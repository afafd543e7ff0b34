//! The kit as a Kyverno `ClusterPolicy` (kyverno.io/v1): one `generate` rule per policy, creating
//! it in every new namespace except the excluded ones, kept in sync with the policy.
//!
//! Pure: builds the object; rendering it is `render::init`'s.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::NetworkPolicySpec;
use serde::Serialize;

use super::build::{DESCRIPTION_ANNOTATION, Kit, MANAGED_BY, MANAGED_BY_LABEL};

/// The name of the generated ClusterPolicy.
pub const POLICY_NAME: &str = "kubectl-deny-starter-kit";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterPolicy {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: Metadata,
    pub spec: Spec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metadata {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spec {
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub name: String,
    #[serde(rename = "match")]
    pub match_: Match,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Match>,
    pub generate: Generate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub any: Vec<ResourceFilter>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceFilter {
    pub resources: Resources,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resources {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Generate {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub name: String,
    pub namespace: &'static str,
    /// Keeps the generated policy as the ClusterPolicy says: edits are reverted, updates spread.
    pub synchronize: bool,
    /// Existing namespaces are left alone: they get the kit through `kubectl deny init`, which
    /// applies the allows before the deny and reports conflicts. Creating the ClusterPolicy must
    /// not isolate every namespace of the cluster at once.
    pub generate_existing: bool,
    /// Deleting the ClusterPolicy keeps the policies it generated: removing the allows of a
    /// namespace that keeps its deny would cut it off.
    pub orphan_downstream_on_policy_delete: bool,
    pub data: Data,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Data {
    pub metadata: DataMetadata,
    pub spec: NetworkPolicySpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataMetadata {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// The ClusterPolicy generating `kit` in every new namespace not named in `excluded`.
pub fn cluster_policy(kit: &Kit, excluded: &[String]) -> ClusterPolicy {
    let mut excluded: Vec<String> = excluded.to_vec();
    excluded.sort();
    excluded.dedup();
    let exclude = (!excluded.is_empty())
        .then(|| Match { any: vec![ResourceFilter { resources: Resources { kinds: Vec::new(), names: excluded } }] });
    let rules = kit
        .policies
        .iter()
        .map(|p| Rule {
            name: format!("generate-{}", p.name),
            match_: Match {
                any: vec![ResourceFilter {
                    resources: Resources { kinds: vec!["Namespace".into()], names: Vec::new() },
                }],
            },
            exclude: exclude.clone(),
            generate: Generate {
                api_version: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                name: p.name.to_string(),
                namespace: "{{request.object.metadata.name}}",
                synchronize: true,
                generate_existing: false,
                orphan_downstream_on_policy_delete: true,
                data: Data {
                    metadata: DataMetadata {
                        labels: BTreeMap::from([(MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string())]),
                        annotations: BTreeMap::from([(DESCRIPTION_ANNOTATION.to_string(), p.description.clone())]),
                    },
                    spec: p.spec.clone(),
                },
            },
        })
        .collect();
    ClusterPolicy {
        api_version: "kyverno.io/v1",
        kind: "ClusterPolicy",
        metadata: Metadata {
            name: POLICY_NAME.to_string(),
            labels: BTreeMap::from([(MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string())]),
            annotations: BTreeMap::from([
                ("policies.kyverno.io/title".to_string(), "Default-deny starter kit".to_string()),
                ("policies.kyverno.io/category".to_string(), "Multi-Tenancy".to_string()),
                ("policies.kyverno.io/subject".to_string(), "Namespace, NetworkPolicy".to_string()),
                (
                    "policies.kyverno.io/description".to_string(),
                    "Generates kubectl-deny's default-deny starter kit (the allow policies and \
                     default-deny-all) in every new namespace, except the system namespaces and those \
                     running the cluster's DNS and ingress."
                        .to_string(),
                ),
            ]),
        },
        spec: Spec { rules },
    }
}
