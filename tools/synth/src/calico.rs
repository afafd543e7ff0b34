//! Calico policies (`projectcalico.org/v3` NetworkPolicy and GlobalNetworkPolicy) mixed into the
//! cluster, for differential tests against network-config-analyzer (`scripts/compare-nca-calico.sh`).
//!
//! Only what network-config-analyzer 2.1.0 reads is generated, so that both tools answer about the
//! same cluster: every policy in Calico's `default` tier (no `spec.tier`, no Tier objects), selector
//! values single-quoted and made of `[A-Za-z0-9_.-/]` (its selector reader is a set of regular
//! expressions that accepts nothing else), no `serviceAccounts`, `services`,
//! `serviceAccountSelector` or `http`, no staged policies, no `crd.projectcalico.org/v1` objects
//! (it rejects all of those). Orders are distinct and never 1000, the order Calico gives every
//! Kubernetes NetworkPolicy: Calico breaks ties by name, the analyzer by file order.
//!
//! Within that, the templates cover what an evaluator of Calico must get right: ordering against
//! Kubernetes policies (before and after order 1000, and no order at all), `Deny`, `Pass`, `Log`,
//! the end-of-tier deny of a global default deny, `types` defaulting (an egress-only policy
//! without `types` is egress-only in Calico), `namespaceSelector` on policies and rules, `nets`
//! with `notNets`, `notSelector`, named ports, `from:to` ranges, `notPorts`, protocols by name and
//! number, `notProtocol`, `!has()`, `not in`, `contains`, `starts with`. Every template appears
//! once the count allows it, then they repeat with other namespaces and workloads.

use crate::plan::{NOW, NamespaceP};
use crate::rng::Rng;
use crate::tree::{Map, V};
use crate::{config::SYSTEM_NAMESPACES, obj};

/// One Calico policy: a NetworkPolicy when `namespace` is set, a GlobalNetworkPolicy otherwise.
#[derive(Debug)]
pub struct CalicoP {
    pub namespace: Option<String>,
    pub name: String,
    pub uid: String,
    pub created: i64,
    pub spec: V,
}

impl CalicoP {
    pub fn kind(&self) -> &'static str {
        if self.namespace.is_some() { "NetworkPolicy" } else { "GlobalNetworkPolicy" }
    }

    /// The kind as `--stats` counts it, told apart from Kubernetes' NetworkPolicy.
    pub fn stats_kind(&self) -> &'static str {
        if self.namespace.is_some() { "Calico NetworkPolicy" } else { "Calico GlobalNetworkPolicy" }
    }
}

#[derive(Debug, Clone, Copy)]
enum Template {
    /// GNP, order 2000 (after every Kubernetes policy): app namespaces isolated both ways, no rules.
    GlobalDefaultDeny,
    /// GNP, order 100: egress to the cluster DNS pods on 53 UDP and TCP (protocol by number).
    GlobalAllowDns,
    /// GNP, order 10: ingress from the monitoring namespace passes the rest of the tier.
    GlobalPassMonitoring,
    /// GNP, order 20: `Log`, then allow ingress from the ingress controller on the named port.
    GlobalLogThenAllowIngress,
    /// GNP, order 50: prod namespaces deny ingress from dev and qa namespaces.
    GlobalDenyProdFromDev,
    /// GNP, order 60: db pods may not send to the internet (`nets` with `notNets`).
    GlobalDbNoInternet,
    /// GNP, no order (last): frontends accept 8080 from anything.
    GlobalUnorderedAllowFrontend,
    /// GNP, order 70: api pods deny grpc from everything that is not a frontend or an api.
    GlobalNotSelector,
    /// NP, order 500 (before Kubernetes policy): db pods deny TCP from frontends.
    DenyFrontendToDb,
    /// NP, order 900: the first api accepts 8080 and 9000:9100 from its team's namespaces.
    AllowApiFromTeam,
    /// NP, order 950, egress only: frontends reach apis on every TCP port but grpc (`notPorts`).
    FrontendEgressNotPorts,
    /// NP, no `types` and only egress rules: egress-only in Calico (Kubernetes would isolate
    /// ingress too); db pods deny every protocol but TCP (`notProtocol`).
    DbEgressTypesDefaulted,
    /// NP, order 800: apis deny TCP on `http` from what is not a frontend (`notSelector` alone).
    NamespacedNotSelector,
    /// NP, order 850: `starts with`, `contains`, `!has()`, `not in`, protocol 6, a port range.
    SelectorOperators,
}

const TEMPLATES: [Template; 14] = [
    Template::GlobalDefaultDeny,
    Template::GlobalAllowDns,
    Template::DenyFrontendToDb,
    Template::AllowApiFromTeam,
    Template::GlobalPassMonitoring,
    Template::FrontendEgressNotPorts,
    Template::GlobalLogThenAllowIngress,
    Template::DbEgressTypesDefaulted,
    Template::GlobalDenyProdFromDev,
    Template::NamespacedNotSelector,
    Template::GlobalDbNoInternet,
    Template::SelectorOperators,
    Template::GlobalUnorderedAllowFrontend,
    Template::GlobalNotSelector,
];

/// The system namespaces a global default deny leaves alone, as a Calico set literal.
fn system_set() -> String {
    let names: Vec<String> = SYSTEM_NAMESPACES.iter().map(|n| format!("'{n}'")).collect();
    format!("{{{}}}", names.join(", "))
}

fn types(ingress: bool, egress: bool) -> V {
    let mut t: Vec<V> = Vec::new();
    if ingress {
        t.push("Ingress".into());
    }
    if egress {
        t.push("Egress".into());
    }
    V::Arr(t)
}

fn entity(selector: Option<String>, namespace_selector: Option<String>) -> Map {
    Map::new().opt("selector", selector).opt("namespaceSelector", namespace_selector)
}

fn ports(list: &[V]) -> V {
    V::Arr(list.to_vec())
}

/// Plans `count` Calico policies over the app namespaces (those with a `team` label and workloads).
pub fn plan_calico(seed: u64, count: usize, namespaces: &[NamespaceP]) -> Vec<CalicoP> {
    let apps: Vec<&NamespaceP> = namespaces
        .iter()
        .filter(|n| n.isolation.is_some() && n.workloads.iter().any(|w| label(&w.pod_labels, "tier").is_some()))
        .collect();
    let mut out = Vec::with_capacity(count);
    // Orders handed out so far: each namespaced template draws a fresh one near its base.
    let mut used_orders: Vec<i64> = vec![1000];
    for i in 0..count {
        let mut rng = Rng::derive(seed, STREAM_CALICO, i as u64);
        let template = TEMPLATES[i % TEMPLATES.len()];
        let round = i / TEMPLATES.len();
        // A namespaced template goes to the first app namespace, from a rotating start, that has
        // the workloads it names; a global one ignores the namespace.
        let start = i * 7 + round;
        let Some((ns, (name, namespace, spec))) = (0..apps.len().max(1)).find_map(|k| {
            let ns = apps.get((start + k) % apps.len().max(1)).copied();
            build(template, round, ns, &mut rng, &mut used_orders).map(|built| (ns, built))
        }) else {
            continue;
        };
        let born = ns.map_or(NOW - 300 * 86_400, |n| n.created);
        let created = born + rng.below((NOW - born).max(1) as u64) as i64;
        out.push(CalicoP { namespace, name, uid: rng.uuid(), created, spec });
    }
    out
}

const STREAM_CALICO: u64 = 7;

fn label<'a>(labels: &'a [(crate::tree::Str, crate::tree::Str)], key: &str) -> Option<&'a str> {
    labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_ref())
}

/// An order near `base` that no other generated policy has.
fn fresh_order(base: i64, rng: &mut Rng, used: &mut Vec<i64>) -> i64 {
    let mut order = base + rng.below(40) as i64;
    while used.contains(&order) {
        order += 1;
    }
    used.push(order);
    order
}

type Built = (String, Option<String>, V);

fn build(t: Template, round: usize, ns: Option<&NamespaceP>, rng: &mut Rng, used: &mut Vec<i64>) -> Option<Built> {
    use Template as T;
    let suffix = if round == 0 { String::new() } else { format!("-{round}") };
    let global = |name: &str, spec: V| Some((format!("{name}{suffix}"), None, spec));
    match t {
        T::GlobalDefaultDeny => global(
            "default-deny",
            obj! {
                "namespaceSelector" => format!("kubernetes.io/metadata.name not in {}", system_set()),
                "order" => fresh_order(2000, rng, used),
                "types" => types(true, true),
            },
        ),
        T::GlobalAllowDns => {
            let dns = |protocol: i64| {
                obj! {
                    "action" => "Allow",
                    "destination" => entity(Some("k8s-app == 'kube-dns'".into()), Some("kubernetes.io/metadata.name == 'kube-system'".into()))
                        .set("ports", ports(&[V::Int(53)])).build(),
                    "protocol" => protocol,
                }
            };
            global(
                "allow-dns",
                obj! {
                    "egress" => vec![dns(17), dns(6)],
                    "namespaceSelector" => "has(team)",
                    "order" => fresh_order(100, rng, used),
                    "selector" => "all()",
                    "types" => types(false, true),
                },
            )
        }
        T::GlobalPassMonitoring => global(
            "pass-monitoring",
            obj! {
                "ingress" => vec![obj! {
                    "action" => "Pass",
                    "source" => entity(None, Some("kubernetes.io/metadata.name == 'monitoring'".into())).build(),
                }],
                "order" => fresh_order(10, rng, used),
                "selector" => "has(app)",
                "types" => types(true, false),
            },
        ),
        T::GlobalLogThenAllowIngress => {
            let from = || entity(None, Some("kubernetes.io/metadata.name == 'ingress-nginx'".into())).build();
            global(
                "ingress-controller",
                obj! {
                    "ingress" => vec![
                        obj! { "action" => "Log", "source" => from() },
                        obj! {
                            "action" => "Allow",
                            "destination" => obj! { "ports" => ports(&["http".into()]) },
                            "protocol" => "TCP",
                            "source" => from(),
                        },
                    ],
                    "order" => fresh_order(20, rng, used),
                    "selector" => "tier == 'frontend'",
                    "types" => types(true, false),
                },
            )
        }
        T::GlobalDenyProdFromDev => global(
            "prod-isolation",
            obj! {
                "ingress" => vec![obj! {
                    "action" => "Deny",
                    "source" => entity(None, Some("env in {'dev', 'qa'}".into())).build(),
                }],
                "namespaceSelector" => "env == 'prod'",
                "order" => fresh_order(50, rng, used),
                "types" => types(true, false),
            },
        ),
        T::GlobalDbNoInternet => global(
            "db-no-internet",
            obj! {
                "egress" => vec![obj! {
                    "action" => "Deny",
                    "destination" => obj! {
                        "nets" => vec![V::from("0.0.0.0/0")],
                        "notNets" => vec![V::from("10.0.0.0/8"), V::from("172.16.0.0/12"), V::from("192.168.0.0/16")],
                    },
                }],
                "order" => fresh_order(60, rng, used),
                "selector" => "tier == 'db'",
                "types" => types(false, true),
            },
        ),
        T::GlobalUnorderedAllowFrontend => global(
            "frontends-open",
            obj! {
                "ingress" => vec![obj! {
                    "action" => "Allow",
                    "destination" => obj! { "ports" => ports(&[V::Int(8080)]) },
                    "protocol" => "TCP",
                }],
                "selector" => "tier == 'frontend'",
                "types" => types(true, false),
            },
        ),
        T::GlobalNotSelector => global(
            "api-grpc-from-apps-only",
            obj! {
                "ingress" => vec![obj! {
                    "action" => "Deny",
                    "destination" => obj! { "ports" => ports(&["grpc".into()]) },
                    "protocol" => "TCP",
                    "source" => obj! { "notSelector" => "tier in {'frontend', 'api'}" },
                }],
                "order" => fresh_order(70, rng, used),
                "selector" => "tier == 'api'",
                "types" => types(true, false),
            },
        ),
        _ => namespaced(t, &suffix, ns?, rng, used),
    }
}

fn namespaced(t: Template, suffix: &str, ns: &NamespaceP, rng: &mut Rng, used: &mut Vec<i64>) -> Option<Built> {
    use Template as T;
    let first_api = ns.workloads.iter().find(|w| label(&w.pod_labels, "tier") == Some("api")).map(|w| w.name.as_str());
    let team = label(&ns.labels, "team").unwrap_or("platform");
    let (name, spec) = match t {
        T::DenyFrontendToDb => (
            "deny-frontend-to-db",
            obj! {
                "ingress" => vec![obj! {
                    "action" => "Deny",
                    "protocol" => "TCP",
                    "source" => obj! { "selector" => "tier == 'frontend'" },
                }],
                "order" => fresh_order(500, rng, used),
                "selector" => "tier == 'db'",
                "types" => types(true, false),
            },
        ),
        T::AllowApiFromTeam => (
            "api-from-team",
            obj! {
                "ingress" => vec![obj! {
                    "action" => "Allow",
                    "destination" => obj! { "ports" => ports(&[V::Int(8080), "9000:9100".into()]) },
                    "protocol" => "TCP",
                    "source" => entity(None, Some(format!("team == '{team}'"))).build(),
                }],
                "order" => fresh_order(900, rng, used),
                "selector" => format!("app == '{}'", first_api?),
                "types" => types(true, false),
            },
        ),
        T::FrontendEgressNotPorts => (
            "frontend-egress",
            obj! {
                "egress" => vec![obj! {
                    "action" => "Allow",
                    "destination" => obj! { "notPorts" => ports(&[V::Int(9090)]), "selector" => "tier == 'api'" },
                    "protocol" => "TCP",
                }],
                "order" => fresh_order(950, rng, used),
                "selector" => "tier == 'frontend'",
                "types" => types(false, true),
            },
        ),
        T::DbEgressTypesDefaulted => (
            "db-tcp-only",
            obj! {
                "egress" => vec![obj! {
                    "action" => "Deny",
                    "notProtocol" => "TCP",
                }],
                "order" => fresh_order(300, rng, used),
                "selector" => "tier == 'db'",
            },
        ),
        T::NamespacedNotSelector => (
            "api-http-from-frontends",
            obj! {
                "ingress" => vec![obj! {
                    "action" => "Deny",
                    "destination" => obj! { "ports" => ports(&["http".into()]) },
                    "protocol" => "TCP",
                    "source" => obj! { "notSelector" => "tier == 'frontend'" },
                }],
                "order" => fresh_order(800, rng, used),
                "selector" => "tier == 'api'",
                "types" => types(true, false),
            },
        ),
        T::SelectorOperators => {
            let api = first_api?;
            let prefix = &api[..api.len().min(3)];
            (
                "selector-operators",
                obj! {
                    "ingress" => vec![obj! {
                        "action" => "Allow",
                        "destination" => obj! { "ports" => ports(&["9000:9100".into()]) },
                        "protocol" => 6i64,
                        "source" => obj! { "selector" => "app contains 'front' && !has(canary) && tier not in {'db'}" },
                    }],
                    "order" => fresh_order(850, rng, used),
                    "selector" => format!("app starts with '{prefix}' && tier == 'api'"),
                    "types" => types(true, false),
                },
            )
        }
        _ => return None,
    };
    Some((format!("{name}{suffix}"), Some(ns.name.clone()), spec))
}
