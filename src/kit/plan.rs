//! The decisions of installing the kit, apart from the I/O that carries them out: which
//! namespaces to install into (and which to refuse or skip, and why), whether an existing policy
//! belongs to someone else, and what an apply did (`created`, `configured`, `unchanged`).
//!
//! Pure; `cmd::init` reads and writes the cluster and asks this module what to do.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::Serialize;

use crate::engine::coverage::is_system_namespace;

/// The field manager of every apply.
pub const FIELD_MANAGER: &str = "kubectl-deny";

/// What happened to one policy in one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Outcome {
    Created,
    Configured,
    Unchanged,
    /// A policy of that name is managed by someone else; nothing was changed.
    Conflict {
        managers: Vec<String>,
        message: String,
    },
    Failed {
        /// In a word: `forbidden`, `not found`, `timeout`, `error`.
        reason: String,
        message: String,
    },
    /// Not attempted; `message` says why.
    Skipped {
        message: String,
    },
}

impl Outcome {
    /// The word for tables: `created`, `conflict`, ...
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
            Outcome::Conflict { .. } => "conflict",
            Outcome::Failed { .. } => "failed",
            Outcome::Skipped { .. } => "skipped",
        }
    }

    /// The policy is in place as the kit wants it (or would be, in a dry run).
    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Created | Outcome::Configured | Outcome::Unchanged)
    }
}

/// One policy's outcome in one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyResult {
    pub name: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What happened in one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespaceResult {
    pub namespace: String,
    /// Every policy of the kit is in place (or would be, in a dry run).
    pub done: bool,
    /// Why nothing was attempted, when the namespace's policies could not even be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub policies: Vec<PolicyResult>,
}

impl NamespaceResult {
    pub fn new(namespace: String, error: Option<String>, policies: Vec<PolicyResult>) -> Self {
        let done = error.is_none() && policies.iter().all(|p| p.outcome.is_done());
        NamespaceResult { namespace, done, error, policies }
    }
}

/// The deny goes in only after every allow of its namespace: when one is not in place, the deny
/// is skipped, so that no namespace is ever isolated without its DNS and ingress.
pub fn deny_gate(allows: &[PolicyResult]) -> Option<Outcome> {
    let missing: Vec<&str> = allows.iter().filter(|a| !a.outcome.is_done()).map(|a| a.name.as_str()).collect();
    let (last, rest) = missing.split_last()?;
    let names = if rest.is_empty() { last.to_string() } else { format!("{} and {last}", rest.join(", ")) };
    Some(Outcome::Skipped {
        message: format!(
            "not applied because {names} {} not in place, and a deny without its allows would cut the namespace off",
            if rest.is_empty() { "is" } else { "are" }
        ),
    })
}

/// The managers of `existing` when kubectl-deny does not manage it through apply: then it belongs
/// to someone else (a hand-made policy, another tool's) and applying over it would take it over.
/// An object without `managedFields` was made before server-side apply tracked ownership.
pub fn foreign_managers(existing: &NetworkPolicy) -> Option<Vec<String>> {
    let entries = existing.metadata.managed_fields.as_deref().unwrap_or_default();
    let ours =
        entries.iter().any(|e| e.manager.as_deref() == Some(FIELD_MANAGER) && e.operation.as_deref() == Some("Apply"));
    if ours {
        return None;
    }
    let mut managers: Vec<String> = entries.iter().filter_map(|e| e.manager.clone()).collect();
    managers.dedup();
    if managers.is_empty() {
        managers.push("unknown (no managedFields)".into());
    }
    Some(managers)
}

/// The conflict to report for a policy someone else manages.
pub fn conflict(name: &str, managers: Vec<String>) -> Outcome {
    let message = format!(
        "{name} already exists and is managed by {}; it was left untouched (to take it over, re-run with \
         --force-conflicts)",
        managers.join(", ")
    );
    Outcome::Conflict { managers, message }
}

/// True when `existing` already holds what `desired` asks for: the same spec, and the kit's labels
/// and annotations among its own.
pub fn holds(existing: &NetworkPolicy, desired: &NetworkPolicy) -> bool {
    let contains = |have: &Option<BTreeMap<String, String>>, want: &Option<BTreeMap<String, String>>| {
        want.iter().flatten().all(|(k, v)| have.as_ref().and_then(|h| h.get(k)) == Some(v))
    };
    existing.spec == desired.spec
        && contains(&existing.metadata.labels, &desired.metadata.labels)
        && contains(&existing.metadata.annotations, &desired.metadata.annotations)
}

/// What applying `desired` over `existing` does, predicted without sending it (`--dry-run=client`,
/// and the reading of a `--dry-run=server` answer, which stores nothing to compare).
pub fn predict(existing: Option<&NetworkPolicy>, desired: &NetworkPolicy, force: bool) -> Outcome {
    let Some(existing) = existing else { return Outcome::Created };
    match foreign_managers(existing) {
        Some(managers) if !force => conflict(desired.metadata.name.as_deref().unwrap_or_default(), managers),
        Some(_) => Outcome::Configured,
        None if holds(existing, desired) => Outcome::Unchanged,
        None => Outcome::Configured,
    }
}

/// What a real apply did, from the object before and the server's answer: an unchanged
/// `resourceVersion` means the server found nothing to change.
pub fn applied(existing: Option<&NetworkPolicy>, answer: &NetworkPolicy) -> Outcome {
    match existing {
        None => Outcome::Created,
        Some(before) if before.metadata.resource_version == answer.metadata.resource_version => Outcome::Unchanged,
        Some(_) => Outcome::Configured,
    }
}

/// Why a namespace is left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub namespace: String,
    pub reason: String,
}

/// The namespaces to install into, and those `-A` left out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Targets {
    pub namespaces: Vec<String>,
    pub skipped: Vec<Skip>,
}

const SYSTEM_REASON: &str = "a system namespace: it runs the cluster's own components (the network plugin, \
                             kube-proxy, often DNS), and a default deny there can break networking for every \
                             namespace";

/// Why installing into `namespace` is refused unless `--include-system`: a system namespace, or one
/// running the cluster's DNS, ingress or mesh control plane (`infrastructure`, with reasons).
pub fn protected_reason(namespace: &str, infrastructure: &[(String, String)]) -> Option<String> {
    if is_system_namespace(namespace) {
        return Some(SYSTEM_REASON.to_string());
    }
    infrastructure.iter().find(|(ns, _)| ns == namespace).map(|(_, why)| why.clone())
}

/// `-n`: every named namespace, unless one is protected (then the whole command is refused, before
/// anything is applied).
pub fn named(
    namespaces: &[String],
    include_system: bool,
    infrastructure: &[(String, String)],
) -> Result<Targets, String> {
    let mut out: Vec<String> = Vec::new();
    for ns in namespaces {
        if !include_system && let Some(why) = protected_reason(ns, infrastructure) {
            return Err(format!(
                "refusing to install the kit into {ns}: {why}. Pass --include-system to install it there anyway"
            ));
        }
        if !out.contains(ns) {
            out.push(ns.clone());
        }
    }
    Ok(Targets { namespaces: out, skipped: Vec::new() })
}

/// `-A`: every existing namespace but the excluded and, without `--include-system`, the protected
/// ones, in name order.
pub fn all(
    existing: &[String],
    exclude: &[String],
    include_system: bool,
    infrastructure: &[(String, String)],
) -> Targets {
    let mut names: Vec<&String> = existing.iter().collect();
    names.sort();
    names.dedup();
    let mut targets = Targets::default();
    for ns in names {
        if exclude.contains(ns) {
            targets.skipped.push(Skip { namespace: ns.clone(), reason: "excluded with --exclude".into() });
        } else if let Some(why) = protected_reason(ns, infrastructure).filter(|_| !include_system) {
            targets.skipped.push(Skip { namespace: ns.clone(), reason: why });
        } else {
            targets.namespaces.push(ns.clone());
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry;

    fn policy(rv: &str, managers: &[(&str, &str)]) -> NetworkPolicy {
        let mut np: NetworkPolicy = serde_json::from_value(serde_json::json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny-all", "namespace": "prod", "resourceVersion": rv,
                         "labels": {"app.kubernetes.io/managed-by": "kubectl-deny", "team": "a"}},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        }))
        .unwrap();
        np.metadata.managed_fields = Some(
            managers
                .iter()
                .map(|(m, op)| ManagedFieldsEntry {
                    manager: Some(m.to_string()),
                    operation: Some(op.to_string()),
                    ..Default::default()
                })
                .collect(),
        );
        np
    }

    fn desired() -> NetworkPolicy {
        let mut np = policy("", &[]);
        np.metadata.resource_version = None;
        np.metadata.managed_fields = None;
        np.metadata.labels = Some(BTreeMap::from([("app.kubernetes.io/managed-by".into(), "kubectl-deny".into())]));
        np
    }

    #[test]
    fn a_policy_applied_by_kubectl_deny_is_ours_even_when_others_share_fields() {
        assert_eq!(foreign_managers(&policy("1", &[("kubectl-deny", "Apply"), ("kubectl-edit", "Update")])), None);
    }

    #[test]
    fn a_hand_made_policy_is_someone_elses() {
        assert_eq!(
            foreign_managers(&policy("1", &[("kubectl-client-side-apply", "Update")])).unwrap(),
            ["kubectl-client-side-apply"]
        );
        assert_eq!(
            foreign_managers(&policy("1", &[("kubectl-deny", "Update")])).unwrap(),
            ["kubectl-deny"],
            "an update under our name is not our apply"
        );
        let mut bare = policy("1", &[]);
        bare.metadata.managed_fields = None;
        assert_eq!(foreign_managers(&bare).unwrap(), ["unknown (no managedFields)"]);
    }

    #[test]
    fn prediction_is_created_unchanged_configured_or_conflict() {
        let want = desired();
        assert_eq!(predict(None, &want, false), Outcome::Created);
        let ours = policy("7", &[("kubectl-deny", "Apply")]);
        assert_eq!(predict(Some(&ours), &want, false), Outcome::Unchanged, "extra labels of others are fine");
        let mut changed = ours.clone();
        changed.spec.as_mut().unwrap().policy_types = Some(vec!["Ingress".into()]);
        assert_eq!(predict(Some(&changed), &want, false), Outcome::Configured);
        let theirs = policy("7", &[("helm", "Apply")]);
        assert!(
            matches!(predict(Some(&theirs), &want, false), Outcome::Conflict { ref managers, .. } if managers == &["helm"])
        );
        assert_eq!(predict(Some(&theirs), &want, true), Outcome::Configured);
    }

    #[test]
    fn an_apply_answered_with_the_same_resource_version_changed_nothing() {
        let before = policy("7", &[("kubectl-deny", "Apply")]);
        assert_eq!(applied(Some(&before), &policy("7", &[])), Outcome::Unchanged);
        assert_eq!(applied(Some(&before), &policy("8", &[])), Outcome::Configured);
        assert_eq!(applied(None, &policy("1", &[])), Outcome::Created);
    }

    #[test]
    fn the_deny_waits_for_every_allow_of_its_namespace() {
        let result = |name: &str, outcome: Outcome| PolicyResult { name: name.into(), outcome };
        let fine = [result("allow-dns", Outcome::Created), result("allow-ingress-controller", Outcome::Unchanged)];
        assert_eq!(deny_gate(&fine), None);
        let failed = Outcome::Failed { reason: "forbidden".into(), message: "403".into() };
        let broken = [
            result("allow-dns", failed),
            result("allow-ingress-controller", conflict("x", vec!["helm".into()])),
            result("allow-monitoring", Outcome::Skipped { message: "not attempted".into() }),
        ];
        let Some(Outcome::Skipped { message }) = deny_gate(&broken) else { panic!() };
        assert_eq!(
            message,
            "not applied because allow-dns, allow-ingress-controller and allow-monitoring are not in place, and a \
             deny without its allows would cut the namespace off"
        );
        let Some(Outcome::Skipped { message }) = deny_gate(&broken[..1]) else { panic!() };
        assert!(message.starts_with("not applied because allow-dns is not in place"), "{message}");
    }

    #[test]
    fn named_system_and_infrastructure_namespaces_are_refused_unless_included() {
        let infra = vec![("ingress-nginx".to_string(), "it runs the ingress controller".to_string())];
        let e = named(&["prod".into(), "kube-system".into()], false, &infra).unwrap_err();
        assert!(e.starts_with("refusing to install the kit into kube-system: a system namespace"), "{e}");
        assert!(e.ends_with("Pass --include-system to install it there anyway"), "{e}");
        let e = named(&["ingress-nginx".into()], false, &infra).unwrap_err();
        assert!(e.contains("it runs the ingress controller"), "{e}");
        let t = named(&["kube-system".into(), "prod".into(), "prod".into()], true, &infra).unwrap();
        assert_eq!(t.namespaces, ["kube-system", "prod"]);
    }

    #[test]
    fn all_namespaces_skips_excluded_system_and_infrastructure_ones_with_reasons() {
        let infra = vec![("ingress-nginx".to_string(), "it runs the ingress controller".to_string())];
        let existing: Vec<String> =
            ["prod", "kube-system", "legacy", "default", "ingress-nginx", "kube-public", "kube-node-lease"]
                .map(String::from)
                .to_vec();
        let t = all(&existing, &["legacy".into()], false, &infra);
        assert_eq!(t.namespaces, ["default", "prod"]);
        let skipped: Vec<&str> = t.skipped.iter().map(|s| s.namespace.as_str()).collect();
        assert_eq!(skipped, ["ingress-nginx", "kube-node-lease", "kube-public", "kube-system", "legacy"]);
        assert_eq!(t.skipped[4].reason, "excluded with --exclude");
        let t = all(&existing, &[], true, &infra);
        assert_eq!(t.namespaces.len(), existing.len());
    }
}
