//! The decisions of installing the kit, apart from the I/O that carries them out: which
//! namespaces to install into (and which to refuse or skip, and why), what a namespace's existing
//! policies leave to do (`against_existing`: a policy already in place, a name someone else uses,
//! a peer the namespace admits narrowly already), whether an existing policy belongs to someone
//! else, and what an apply did (`created`, `configured`, `unchanged`).
//!
//! Pure; `cmd::init` reads and writes the cluster and asks this module what to do.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::Serialize;

use super::build::{ALLOW_DNS, ALLOW_INGRESS_CONTROLLER, DEFAULT_DENY_ALL, IngressChoice, Kit, Options};
use super::detect::{Detection, PortValue};
use crate::engine::coverage::is_system_namespace;
use crate::engine::model::{ContainerPort, Labels, Peer, Pod, Policy, Protocol, Rule};
use crate::engine::verdict::Direction;
use crate::engine::{Endpoint, Engine};

/// The field manager of every apply, unless `--field-manager` names another.
pub const FIELD_MANAGER: &str = "kubectl-deny";

/// What happened to one policy in one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Outcome {
    Created,
    Configured,
    Unchanged,
    /// The namespace holds it already (the kit's spec, under its name or another): nothing was
    /// sent.
    InPlace {
        message: String,
    },
    /// The namespace already admits what it would admit, to some pods only: left out, so as not
    /// to widen it (`--widen` adds it).
    LeftOut {
        message: String,
    },
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
            Outcome::InPlace { .. } => "in place",
            Outcome::LeftOut { .. } => "left out",
            Outcome::Conflict { .. } => "conflict",
            Outcome::Failed { .. } => "failed",
            Outcome::Skipped { .. } => "skipped",
        }
    }

    /// The policy is in place as the kit wants it (or would be, in a dry run), or deliberately
    /// left to what the namespace has.
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            Outcome::Created
                | Outcome::Configured
                | Outcome::Unchanged
                | Outcome::InPlace { .. }
                | Outcome::LeftOut { .. }
        )
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
pub fn foreign_managers(existing: &NetworkPolicy, manager: &str) -> Option<Vec<String>> {
    let entries = existing.metadata.managed_fields.as_deref().unwrap_or_default();
    let ours = entries.iter().any(|e| e.manager.as_deref() == Some(manager) && e.operation.as_deref() == Some("Apply"));
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
pub fn predict(existing: Option<&NetworkPolicy>, desired: &NetworkPolicy, force: bool, manager: &str) -> Outcome {
    let Some(existing) = existing else { return Outcome::Created };
    match foreign_managers(existing, manager) {
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

/// A NetworkPolicy the namespace holds already, as the engine reads it.
#[derive(Debug, Clone)]
pub struct Existing {
    pub policy: Policy,
    /// Applied by kubectl-deny (its field manager): `init` applies it again, which changes
    /// nothing or brings it up to date.
    pub ours: bool,
    /// Carries the kit's managed-by label (the kit's manifests, applied by another tool): a
    /// changed kit may replace it.
    pub labelled: bool,
}

/// What to do with one policy of the kit in one namespace, given what the namespace holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing in the way: apply it (print it, with `-o yaml`).
    Apply,
    /// The namespace holds it already; `message` says how.
    InPlace { message: String, same_name: bool },
    /// A policy of that name with another spec, not the kit's: never replaced (left out of `-o
    /// yaml`; a conflict when applied, unless `--force-conflicts`).
    Theirs { message: String },
    /// The namespace admits its peer already, to some pods only; the kit's policy would widen
    /// that. Left out unless `--widen`.
    LeftOut { message: String },
    /// The deny waits: applied, it would cut pods off from what the namespace allows only some.
    Held { message: String },
}

/// The kit's policies as the engine reads them (namespace-free), in kit order, to compare with
/// what a namespace has.
pub fn models(kit: &Kit) -> Result<Vec<Policy>, String> {
    let mut text = String::new();
    for np in kit.manifests(Some("default")) {
        text.push_str(&serde_json::to_string(&np).map_err(|e| e.to_string())?);
        text.push('\n');
    }
    let snapshot = crate::source::file::load_str(&text, "the kit", "default").map_err(|e| e.to_string())?;
    Ok(snapshot.policies)
}

/// Whether two policies say the same: selector, policy types and rules.
pub fn same_spec(a: &Policy, b: &Policy) -> bool {
    a.pod_selector == b.pod_selector && a.types == b.types && a.ingress == b.ingress && a.egress == b.egress
}

/// What the existing policies of a namespace are weighed against.
pub struct Against<'a> {
    /// Holds what detection read (namespaces and their labels, the DNS and ingress controller
    /// pods), so that existing policies' peers can be matched against them.
    pub engine: &'a Engine<'a>,
    pub detection: &'a Detection,
    pub options: &'a Options,
    /// `--widen`: add the namespace-wide allows even where the namespace admits their peer to
    /// some pods only.
    pub widen: bool,
}

/// What the kit (`models`: its policies as the engine reads them) leaves to do in `namespace`,
/// given its `existing` policies.
pub fn against_existing(
    kit: &Kit,
    models: &[Policy],
    namespace: &str,
    existing: &[Existing],
    against: &Against<'_>,
) -> Vec<Step> {
    let Against { engine, detection, options, widen } = *against;
    let mut steps = Vec::new();
    let mut held = None;
    for (kp, model) in kit.policies.iter().zip(models) {
        let step = if let Some(e) = existing.iter().find(|e| e.policy.name == kp.name) {
            if e.ours {
                // The kit's own: applied again, it says `unchanged` or brings it up to date.
                Step::Apply
            } else if same_spec(&e.policy, model) {
                Step::InPlace { message: "already there with the kit's spec".into(), same_name: true }
            } else if e.labelled {
                // The kit's manifests from an earlier run: the kit's to update (applying reports a
                // conflict with whoever applied them, unless --force-conflicts).
                Step::Apply
            } else {
                Step::Theirs {
                    message: format!(
                        "{namespace} has a NetworkPolicy of that name with another spec ({}), and kubectl deny never \
                         replaces a policy",
                        scope(&e.policy)
                    ),
                }
            }
        } else if let Some(e) = existing.iter().find(|e| same_spec(&e.policy, model)) {
            let what =
                if kp.name == DEFAULT_DENY_ALL { "the deny is in force already" } else { "the allow is in place" };
            Step::InPlace { message: format!("{} has the kit's spec: {what}", e.policy.name), same_name: false }
        } else {
            match admitted_already(kp.name, existing, engine, detection, options) {
                Some(a) if a.every_pod => Step::InPlace {
                    message: format!("{} already admits {} to every pod", names(&a.policies), a.what),
                    same_name: false,
                },
                Some(a) if !widen => {
                    if kp.name == ALLOW_DNS {
                        held = Some(format!(
                            "the pods that {} does not select would lose DNS; add allow-dns with --widen",
                            names(&a.policies)
                        ));
                    }
                    let reach = if kp.name == ALLOW_DNS {
                        "let every pod reach it"
                    } else {
                        "admit it to every pod on every port"
                    };
                    Step::LeftOut {
                        message: format!(
                            "{namespace} admits {} already, to some pods only, through {}; the kit's policy would \
                             {reach} (--widen adds it anyway)",
                            a.what,
                            names(&a.policies)
                        ),
                    }
                }
                _ => Step::Apply,
            }
        };
        steps.push(step);
    }
    if let Some(message) = held {
        for (kp, step) in kit.policies.iter().zip(steps.iter_mut()) {
            if kp.name == DEFAULT_DENY_ALL && *step == Step::Apply {
                *step = Step::Held { message: message.clone() };
            }
        }
    }
    steps
}

fn names(policies: &[&Existing]) -> String {
    let names: Vec<&str> = policies.iter().map(|e| e.policy.name.as_str()).collect();
    match names.as_slice() {
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    }
}

/// `pods app=frontend only, on port http`, `every pod, on every port`: what a policy covers.
fn scope(p: &Policy) -> String {
    let pods =
        if p.pod_selector.is_empty() { "every pod".to_string() } else { format!("pods {} only", p.pod_selector) };
    let rules: Vec<&Rule> =
        p.ingress.iter().filter(|_| p.types.ingress).chain(p.egress.iter().filter(|_| p.types.egress)).collect();
    if rules.is_empty() {
        return format!("{pods}, no rules");
    }
    if rules.iter().any(|r| r.ports.is_empty()) {
        return format!("{pods}, on every port");
    }
    let mut ports: Vec<String> = Vec::new();
    for pp in rules.iter().flat_map(|r| &r.ports) {
        let text = match (&pp.port, pp.end_port) {
            (None, _) => format!("every {} port", pp.protocol),
            (Some(port), Some(end)) => format!("{port}-{end}"),
            (Some(port), None) if pp.protocol == Protocol::Tcp => port.to_string(),
            (Some(port), None) => format!("{port}/{}", pp.protocol),
        };
        if !ports.contains(&text) {
            ports.push(text);
        }
    }
    format!("{pods}, on port{} {}", if ports.len() == 1 { "" } else { "s" }, ports.join(", "))
}

/// For the allows that admit one known peer (the cluster DNS, the ingress controller): the
/// existing policies (other than the kit's own name) that admit it already, those selecting every
/// pod if any. `None` when none does, and for the other policies of the kit.
fn admitted_already<'e>(
    name: &str,
    existing: &'e [Existing],
    engine: &Engine,
    detection: &Detection,
    options: &Options,
) -> Option<Admitted<'e>> {
    let (what, direction, stand_ins, port) = match name {
        ALLOW_DNS => {
            let dns = &detection.dns;
            let found: Vec<Pod> = engine
                .snapshot()
                .pods
                .iter()
                .filter(|p| {
                    p.namespace == dns.namespace && dns.selector.iter().all(|(k, v)| p.labels.get(k) == Some(v))
                })
                .take(1)
                .cloned()
                .collect();
            let pod = found.into_iter().next().unwrap_or_else(|| {
                let ports: Vec<ContainerPort> = dns
                    .ports
                    .iter()
                    .map(|p| match &p.port {
                        PortValue::Number(n) => ContainerPort { name: None, port: *n, protocol: p.protocol },
                        PortValue::Name(n) => ContainerPort { name: Some(n.clone()), port: 53, protocol: p.protocol },
                    })
                    .collect();
                stand_in(&dns.namespace, &dns.selector, ports)
            });
            let udp = dns.ports.iter().find(|p| p.protocol == Protocol::Udp).or(dns.ports.first());
            let port = udp.map(|p| {
                let number = match &p.port {
                    PortValue::Number(n) => *n,
                    PortValue::Name(n) => pod
                        .ports
                        .iter()
                        .find(|cp| cp.name.as_deref() == Some(n) && cp.protocol == p.protocol)
                        .map_or(53, |cp| cp.port),
                };
                (number, p.protocol)
            });
            ("the cluster DNS", Direction::Egress, vec![pod], port)
        }
        ALLOW_INGRESS_CONTROLLER => {
            let pods: Vec<Pod> = match &options.ingress {
                IngressChoice::Off => return None,
                IngressChoice::Namespace(ns) => vec![stand_in(ns, &Labels::new(), Vec::new())],
                IngressChoice::Detected => detection
                    .ingress_controllers
                    .iter()
                    .map(|c| {
                        let labels = c.pod_labels.clone().unwrap_or_default();
                        engine
                            .snapshot()
                            .pods
                            .iter()
                            .find(|p| {
                                p.namespace == c.namespace && labels.iter().all(|(k, v)| p.labels.get(k) == Some(v))
                            })
                            .cloned()
                            .unwrap_or_else(|| stand_in(&c.namespace, &labels, Vec::new()))
                    })
                    .collect(),
            };
            if pods.is_empty() {
                return None;
            }
            ("the ingress controller", Direction::Ingress, pods, None)
        }
        _ => return None,
    };
    let mut admitting: Vec<&Existing> = existing
        .iter()
        .filter(|e| e.policy.name != name)
        .filter(|e| match direction {
            Direction::Ingress => e.policy.types.ingress,
            Direction::Egress => e.policy.types.egress,
        })
        .filter(|e| {
            let rules = match direction {
                Direction::Ingress => &e.policy.ingress,
                Direction::Egress => &e.policy.egress,
            };
            rules.iter().any(|r| {
                // Only an entry that names the peer by a selector counts: a rule admitting every
                // peer (or every pod, or addresses) says nothing about the DNS or the controller.
                let names_it = |peer: &Peer| match peer {
                    Peer::Selectors { pod_selector, namespace_selector } => {
                        pod_selector.as_ref().is_some_and(|s| !s.is_empty())
                            || namespace_selector.as_ref().is_some_and(|s| !s.is_empty())
                    }
                    Peer::IpBlock(_) => false,
                };
                let peer_ok = stand_ins.iter().any(|pod| {
                    r.peers
                        .iter()
                        .any(|peer| names_it(peer) && engine.peer_matches(&e.policy, peer, Endpoint::Pod(pod)))
                });
                let port_ok = match port {
                    None => true,
                    Some((n, protocol)) => {
                        r.ports.is_empty()
                            || r.ports.iter().any(|pp| pp.allows(protocol, n, Some(&*stand_ins[0].ports)))
                    }
                };
                peer_ok && port_ok
            })
        })
        .collect();
    if admitting.is_empty() {
        return None;
    }
    let wide: Vec<&Existing> = admitting.iter().copied().filter(|e| e.policy.pod_selector.is_empty()).collect();
    if !wide.is_empty() {
        return Some(Admitted { what, policies: wide, every_pod: true });
    }
    admitting.sort_by(|a, b| a.policy.name.cmp(&b.policy.name));
    Some(Admitted { what, policies: admitting, every_pod: false })
}

/// Existing policies that admit a peer the kit's policy would admit.
struct Admitted<'e> {
    what: &'static str,
    policies: Vec<&'e Existing>,
    /// One of them selects every pod: the kit's policy would add nothing.
    every_pod: bool,
}

fn stand_in(namespace: &str, labels: &Labels, ports: Vec<ContainerPort>) -> Pod {
    Pod::stand_in(namespace, "", Arc::new(labels.clone()), Arc::from(ports))
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
        assert_eq!(
            foreign_managers(&policy("1", &[("kubectl-deny", "Apply"), ("kubectl-edit", "Update")]), FIELD_MANAGER),
            None
        );
    }

    #[test]
    fn a_hand_made_policy_is_someone_elses() {
        assert_eq!(
            foreign_managers(&policy("1", &[("kubectl-client-side-apply", "Update")]), FIELD_MANAGER).unwrap(),
            ["kubectl-client-side-apply"]
        );
        assert_eq!(
            foreign_managers(&policy("1", &[("kubectl-deny", "Update")]), FIELD_MANAGER).unwrap(),
            ["kubectl-deny"],
            "an update under our name is not our apply"
        );
        let mut bare = policy("1", &[]);
        bare.metadata.managed_fields = None;
        assert_eq!(foreign_managers(&bare, FIELD_MANAGER).unwrap(), ["unknown (no managedFields)"]);
    }

    #[test]
    fn prediction_is_created_unchanged_configured_or_conflict() {
        let want = desired();
        assert_eq!(predict(None, &want, false, FIELD_MANAGER), Outcome::Created);
        let ours = policy("7", &[("kubectl-deny", "Apply")]);
        assert_eq!(
            predict(Some(&ours), &want, false, FIELD_MANAGER),
            Outcome::Unchanged,
            "extra labels of others are fine"
        );
        let mut changed = ours.clone();
        changed.spec.as_mut().unwrap().policy_types = Some(vec!["Ingress".into()]);
        assert_eq!(predict(Some(&changed), &want, false, FIELD_MANAGER), Outcome::Configured);
        let theirs = policy("7", &[("helm", "Apply")]);
        assert!(
            matches!(predict(Some(&theirs), &want, false, FIELD_MANAGER), Outcome::Conflict { ref managers, .. } if managers == &["helm"])
        );
        assert_eq!(predict(Some(&theirs), &want, true, FIELD_MANAGER), Outcome::Configured);
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
