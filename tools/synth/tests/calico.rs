//! `--calico-policies`: Calico policies mixed into the cluster for the differential tests against
//! network-config-analyzer (scripts/compare-nca-calico.sh). They must be valid Calico (checked
//! with kubectl-deny's parser of Calico's selector language), stay within what the analyzer reads,
//! and leave every Kubernetes object as it was.

use kubectl_deny::engine::calico::selector;
use kubectl_deny_synth::{Config, Format, Preset, generate};
use serde_json::Value;

fn items(config: &Config) -> Vec<Value> {
    let mut out = Vec::new();
    generate(config, Format::Json, &mut out).expect("generates");
    let list: Value = serde_json::from_slice(&out).expect("valid JSON");
    list["items"].as_array().expect("items").clone()
}

fn with_calico(n: usize) -> Config {
    Config { calico_policies: n, ..Preset::Small.config(3, false) }
}

fn is_calico(v: &Value) -> bool {
    v["apiVersion"] == "projectcalico.org/v3"
}

/// Every selector-valued field of a Calico policy spec, with where it is.
fn selectors(spec: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for key in ["selector", "namespaceSelector", "serviceAccountSelector"] {
        if let Some(s) = spec[key].as_str() {
            out.push((key.to_string(), s.to_string()));
        }
    }
    for direction in ["ingress", "egress"] {
        for (i, rule) in spec[direction].as_array().into_iter().flatten().enumerate() {
            for side in ["source", "destination"] {
                for key in ["selector", "notSelector", "namespaceSelector"] {
                    if let Some(s) = rule[side][key].as_str() {
                        out.push((format!("{direction}[{i}].{side}.{key}"), s.to_string()));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn the_count_is_exact_and_none_by_default() {
    assert!(items(&Preset::Small.config(3, false)).iter().all(|v| !is_calico(v)));
    for n in [1, 14, 30] {
        assert_eq!(items(&with_calico(n)).iter().filter(|v| is_calico(v)).count(), n, "--calico-policies {n}");
    }
}

#[test]
fn kubernetes_objects_are_unchanged() {
    let plain = items(&Preset::Small.config(3, false));
    let mixed: Vec<Value> = items(&with_calico(20)).into_iter().filter(|v| !is_calico(v)).collect();
    assert_eq!(plain, mixed);
}

#[test]
fn same_flags_give_identical_bytes() {
    let bytes = |c: &Config| {
        let mut out = Vec::new();
        generate(c, Format::Yaml, &mut out).expect("generates");
        out
    };
    assert_eq!(bytes(&with_calico(20)), bytes(&with_calico(20)));
}

#[test]
fn global_policies_come_first_after_every_kubernetes_object() {
    let all = items(&with_calico(20));
    let first = all.iter().position(is_calico).expect("some Calico policy");
    let kinds: Vec<&str> = all[first..].iter().map(|v| v["kind"].as_str().unwrap_or("")).collect();
    assert!(all[first..].iter().all(is_calico), "Calico objects are last");
    let globals = kinds.iter().take_while(|k| **k == "GlobalNetworkPolicy").count();
    assert!(globals > 0 && kinds[globals..].iter().all(|k| *k == "NetworkPolicy"), "{kinds:?}");
    for v in &all[first..] {
        let namespaced = v["metadata"]["namespace"].is_string();
        assert_eq!(namespaced, v["kind"] == "NetworkPolicy", "{}", v["metadata"]);
    }
}

#[test]
fn every_selector_is_valid_calico_within_what_the_analyzer_reads() {
    for v in items(&with_calico(40)).iter().filter(|v| is_calico(v)) {
        let name = v["metadata"]["name"].as_str().unwrap_or("");
        for (field, text) in selectors(&v["spec"]) {
            if let Err(e) = selector::parse(&text) {
                panic!("{name} {field}: {text:?} is not valid Calico: {e}");
            }
            // network-config-analyzer reads single-quoted values of [A-Za-z0-9_.-/] only.
            assert!(!text.contains('"'), "{name} {field}: {text:?}");
            for value in text.split('\'').skip(1).step_by(2) {
                assert!(
                    !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c)),
                    "{name} {field}: value {value:?}"
                );
            }
        }
    }
}

#[test]
fn only_the_default_tier_and_fields_the_analyzer_reads() {
    let unread = ["tier", "serviceAccountSelector", "doNotTrack", "preDNAT", "applyOnForward", "performanceHints"];
    for v in items(&with_calico(40)).iter().filter(|v| is_calico(v)) {
        let spec = &v["spec"];
        for key in unread {
            assert!(spec.get(key).is_none(), "{}: {key}", v["metadata"]["name"]);
        }
        for direction in ["ingress", "egress"] {
            for rule in spec[direction].as_array().into_iter().flatten() {
                assert!(rule.get("http").is_none());
                for side in ["source", "destination"] {
                    for key in ["serviceAccounts", "services"] {
                        assert!(rule[side].get(key).is_none(), "{}: {side}.{key}", v["metadata"]["name"]);
                    }
                }
            }
        }
    }
}

#[test]
fn orders_are_distinct_and_never_the_order_of_kubernetes_policies() {
    let mut orders: Vec<i64> = items(&with_calico(40)).iter().filter_map(|v| v["spec"]["order"].as_i64()).collect();
    assert!(!orders.contains(&1000));
    let n = orders.len();
    orders.sort_unstable();
    orders.dedup();
    assert_eq!(orders.len(), n, "a tie would be broken by name in Calico, by file order in the analyzer");
}

#[test]
fn every_template_appears() {
    let all = items(&with_calico(14));
    let names: Vec<&str> = all.iter().filter(|v| is_calico(v)).filter_map(|v| v["metadata"]["name"].as_str()).collect();
    for wanted in [
        "default-deny",
        "allow-dns",
        "pass-monitoring",
        "ingress-controller",
        "prod-isolation",
        "db-no-internet",
        "frontends-open",
        "api-grpc-from-apps-only",
        "deny-frontend-to-db",
        "api-from-team",
        "frontend-egress",
        "db-tcp-only",
        "api-http-from-frontends",
        "selector-operators",
    ] {
        assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
    }
    // The types-defaulting case has no `types`, and only egress rules.
    let defaulted = all.iter().find(|v| v["metadata"]["name"] == "db-tcp-only").expect("db-tcp-only");
    assert!(defaulted["spec"].get("types").is_none() && defaulted["spec"].get("ingress").is_none());
}

#[test]
fn too_many_calico_policies_is_refused_with_the_flag_to_change() {
    let err = kubectl_deny_synth::plan(&with_calico(10_001)).unwrap_err();
    assert!(err.to_string().contains("--calico-policies 10000 or fewer"), "{err}");
}
