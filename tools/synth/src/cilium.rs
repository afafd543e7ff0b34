//! Cilium policies (`cilium.io/v2` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy) mixed
//! into the cluster (`--cilium-policies`), for the benchmarks of `kubectl deny matrix` on a
//! Cilium cluster: the rules the Cilium layer's plan must decide row by row.
//!
//! The templates are the ones Cilium's documentation walks through (security/policy: layer3,
//! layer4, deny, kubernetes): a clusterwide egress allow to the cluster DNS on 53/ANY (which
//! isolates every pod's egress, as such a policy does), a clusterwide ingress allow from the
//! `host` and `remote-node` entities (health checks), an `ingressDeny` of prod namespaces from
//! namespaces labelled `env: dev`, and per app namespace: api pods accept frontends on 8080/TCP,
//! db pods accept apis on 5432/TCP, frontends accept the ingress controller's namespace on their
//! named port `http`, api egress to db pods and to the `kube-apiserver` entity, and Prometheus
//! scrapes on the named port `metrics`. Every template appears once the count allows it, then
//! they repeat over the other app namespaces (the clusterwide ones with a numbered name).

use crate::obj;
use crate::plan::{NOW, NamespaceP};
use crate::rng::Rng;
use crate::tree::V;

/// One Cilium policy: a CiliumNetworkPolicy when `namespace` is set, a
/// CiliumClusterwideNetworkPolicy otherwise.
#[derive(Debug)]
pub struct CiliumP {
    pub namespace: Option<String>,
    pub name: String,
    pub uid: String,
    pub created: i64,
    pub spec: V,
}

impl CiliumP {
    pub fn kind(&self) -> &'static str {
        if self.namespace.is_some() { "CiliumNetworkPolicy" } else { "CiliumClusterwideNetworkPolicy" }
    }
}

#[derive(Debug, Clone, Copy)]
enum Template {
    ClusterwideAllowDns,
    ClusterwideAllowHealth,
    ApiFromFrontend,
    DbFromApi,
    FrontendFromIngress,
    DenyFromDev,
    ApiEgress,
    ScrapeFromPrometheus,
}

const TEMPLATES: [Template; 8] = [
    Template::ClusterwideAllowDns,
    Template::ApiFromFrontend,
    Template::DbFromApi,
    Template::ClusterwideAllowHealth,
    Template::FrontendFromIngress,
    Template::DenyFromDev,
    Template::ApiEgress,
    Template::ScrapeFromPrometheus,
];

const STREAM_CILIUM: u64 = 11;

fn labels(pairs: &[(&'static str, &'static str)]) -> V {
    obj! { "matchLabels" => V::Obj(pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()) }
}

fn to_ports(port: &'static str, protocol: &'static str) -> V {
    V::Arr(vec![obj! { "ports" => V::Arr(vec![obj! { "port" => port, "protocol" => protocol }]) }])
}

/// Plans `count` Cilium policies over the app namespaces (those with workloads labelled `tier`).
pub fn plan_cilium(seed: u64, count: usize, namespaces: &[NamespaceP]) -> Vec<CiliumP> {
    let apps: Vec<&NamespaceP> = namespaces
        .iter()
        .filter(|n| n.isolation.is_some() && n.workloads.iter().any(|w| w.pod_labels.iter().any(|(k, _)| k == "tier")))
        .collect();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut rng = Rng::derive(seed, STREAM_CILIUM, i as u64);
        let template = TEMPLATES[i % TEMPLATES.len()];
        let round = i / TEMPLATES.len();
        let ns = (!apps.is_empty()).then(|| apps[(i * 7 + round) % apps.len()]);
        let (name, namespaced, spec) = build(template);
        let (namespace, name) = match (namespaced, ns) {
            (true, Some(ns)) => (Some(ns.name.clone()), name.to_string()),
            (true, None) => continue,
            (false, _) if round == 0 => (None, name.to_string()),
            (false, _) => (None, format!("{name}-{round}")),
        };
        let born = ns.map_or(NOW - 300 * 86_400, |n| n.created);
        let created = born + rng.below((NOW - born).max(1) as u64) as i64;
        out.push(CiliumP { namespace, name, uid: rng.uuid(), created, spec });
    }
    out
}

/// A template's name, whether it is namespaced, and its spec.
fn build(t: Template) -> (&'static str, bool, V) {
    use Template as T;
    match t {
        T::ClusterwideAllowDns => (
            "allow-dns",
            false,
            obj! {
                "endpointSelector" => V::empty_obj(),
                "egress" => vec![obj! {
                    "toEndpoints" => vec![labels(&[("k8s:io.kubernetes.pod.namespace", "kube-system"), ("k8s-app", "kube-dns")])],
                    "toPorts" => to_ports("53", "ANY"),
                }],
            },
        ),
        T::ClusterwideAllowHealth => (
            "allow-health-checks",
            false,
            obj! {
                "endpointSelector" => V::empty_obj(),
                "ingress" => vec![obj! { "fromEntities" => vec![V::from("host"), V::from("remote-node")] }],
            },
        ),
        T::ApiFromFrontend => (
            "api-from-frontend",
            true,
            obj! {
                "endpointSelector" => labels(&[("tier", "api")]),
                "ingress" => vec![obj! {
                    "fromEndpoints" => vec![labels(&[("tier", "frontend")])],
                    "toPorts" => to_ports("8080", "TCP"),
                }],
            },
        ),
        T::DbFromApi => (
            "db-from-api",
            true,
            obj! {
                "endpointSelector" => labels(&[("tier", "db")]),
                "ingress" => vec![obj! {
                    "fromEndpoints" => vec![labels(&[("tier", "api")])],
                    "toPorts" => to_ports("5432", "TCP"),
                }],
            },
        ),
        T::FrontendFromIngress => (
            "frontend-from-ingress",
            true,
            obj! {
                "endpointSelector" => labels(&[("tier", "frontend")]),
                "ingress" => vec![obj! {
                    "fromEndpoints" => vec![labels(&[("k8s:io.kubernetes.pod.namespace", "ingress-nginx")])],
                    "toPorts" => to_ports("http", "TCP"),
                }],
            },
        ),
        T::DenyFromDev => (
            "prod-deny-from-dev",
            false,
            obj! {
                "endpointSelector" => labels(&[("io.cilium.k8s.namespace.labels.env", "prod")]),
                "ingressDeny" => vec![obj! {
                    "fromEndpoints" => vec![labels(&[("io.cilium.k8s.namespace.labels.env", "dev")])],
                }],
            },
        ),
        T::ApiEgress => (
            "api-egress",
            true,
            obj! {
                "endpointSelector" => labels(&[("tier", "api")]),
                "egress" => vec![
                    obj! { "toEndpoints" => vec![labels(&[("tier", "db")])], "toPorts" => to_ports("5432", "TCP") },
                    obj! { "toEntities" => vec![V::from("kube-apiserver")] },
                ],
            },
        ),
        T::ScrapeFromPrometheus => (
            "allow-prometheus",
            true,
            obj! {
                "endpointSelector" => V::empty_obj(),
                "ingress" => vec![obj! {
                    "fromEndpoints" => vec![labels(&[("k8s:io.kubernetes.pod.namespace", "monitoring"), ("app", "prometheus")])],
                    "toPorts" => to_ports("metrics", "TCP"),
                }],
            },
        ),
    }
}
