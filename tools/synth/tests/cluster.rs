//! Black-box tests of the generator: determinism, counts, validity by the API server's rules,
//! references that resolve, and both output formats parsing back to the same objects.
//!
//! Contents:
//! - determinism: `same_flags_give_identical_bytes`, `small_preset_output_is_pinned`, ...
//! - counts: `counts_match_the_flags`, ...
//! - validity: `every_object_is_valid_by_api_server_rules` and the checks it calls
//! - references: `owners_selectors_ports_and_addresses_resolve`
//! - content: `policies_cover_the_api_corners`, `some_namespaces_lack_default_deny`
//! - formats: `json_parses_back`, `yaml_parses_back_to_the_same_objects`
//! - command line: `cli_*`, `json_scan_*` (the baseline binary of scripts/bench.sh)

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;

use kubectl_deny_synth::{Config, Format, Preset, generate};
use serde_json::Value;

fn bytes(config: &Config, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    let stats = generate(config, format, &mut out).expect("generation succeeds");
    assert_eq!(stats.bytes, out.len() as u64, "Stats.bytes counts what was written");
    out
}

fn items(config: &Config) -> Vec<Value> {
    let out = bytes(config, Format::Json);
    let list: Value = serde_json::from_slice(&out).expect("output is JSON");
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["kind"], "List");
    list["items"].as_array().expect("items is an array").clone()
}

fn small() -> Config {
    Preset::Small.config(1, false)
}

fn custom(namespaces: usize, pods: usize, policies: usize, seed: u64) -> Config {
    Config {
        namespaces,
        pods,
        policies,
        seed,
        managed_fields: false,
        calico_policies: 0,
        cilium_policies: 0,
        lean: false,
    }
}

fn of_kind<'a>(items: &'a [Value], kind: &str) -> Vec<&'a Value> {
    items.iter().filter(|i| i["kind"] == kind).collect()
}

fn name(v: &Value) -> &str {
    v["metadata"]["name"].as_str().expect("every object has a name")
}

fn namespace(v: &Value) -> &str {
    v["metadata"]["namespace"].as_str().unwrap_or("")
}

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

// ---- determinism -------------------------------------------------------------------------------

#[test]
fn same_flags_give_identical_bytes() {
    for format in [Format::Json, Format::Yaml] {
        assert_eq!(bytes(&small(), format), bytes(&small(), format));
    }
    let with_fields = Config { managed_fields: true, ..small() };
    assert_eq!(bytes(&with_fields, Format::Json), bytes(&with_fields, Format::Json));
}

#[test]
fn output_does_not_depend_on_the_number_of_threads() {
    let cluster = kubectl_deny_synth::plan(&custom(12, 150, 40, 2)).unwrap();
    for format in [Format::Json, Format::Yaml] {
        let render = |threads| {
            let mut out = Vec::new();
            kubectl_deny_synth::render::write_with_threads(&cluster, format, &mut out, threads).unwrap();
            out
        };
        let one = render(1);
        assert_eq!(one, render(3));
        assert_eq!(one, render(8));
    }
}

#[test]
fn different_seeds_give_different_clusters() {
    assert_ne!(bytes(&small(), Format::Json), bytes(&Preset::Small.config(2, false), Format::Json));
}

/// The output for a seed is part of the contract (benchmarks compare runs across releases), so
/// a change to it must be deliberate: update this digest and say so in the change.
#[test]
fn small_preset_output_is_pinned() {
    let out = bytes(&small(), Format::Json);
    assert_eq!((out.len(), fnv1a(&out)), PINNED_SMALL, "the small preset's output changed");
}

const PINNED_SMALL: (usize, u64) = (2_197_955, 3_394_931_090_011_632_941);

// ---- counts ------------------------------------------------------------------------------------

#[test]
fn counts_match_the_flags() {
    for config in [small(), custom(9, 120, 31, 7), custom(40, 300, 0, 3)] {
        let items = items(&config);
        assert_eq!(of_kind(&items, "Pod").len(), config.pods, "{config:?}");
        assert_eq!(of_kind(&items, "Namespace").len(), config.namespaces, "{config:?}");
        assert_eq!(of_kind(&items, "NetworkPolicy").len(), config.policies, "{config:?}");
    }
}

#[test]
fn policies_are_capped_by_what_the_namespaces_can_use() {
    // Two app namespaces cannot hold a thousand meaningful policies: the count falls short, but
    // every namespace is filled before that happens.
    let items = items(&custom(8, 100, 1000, 1));
    let policies = of_kind(&items, "NetworkPolicy").len();
    assert!((10..1000).contains(&policies), "{policies}");
}

#[test]
fn too_few_pods_is_an_error_naming_the_minimum() {
    let err = generate(&custom(12, 5, 0, 1), Format::Json, Vec::new()).unwrap_err();
    assert!(err.to_string().contains("--pods 5 is too few"), "{err}");
    assert!(err.to_string().contains("use --pods 14 or more"), "{err}");
}

// ---- validity ----------------------------------------------------------------------------------

fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.as_bytes()[0].is_ascii_lowercase()
}

/// A label name or value: at most 63 characters, alphanumeric at both ends, `-_.` inside.
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn is_label_key(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => is_dns1123_subdomain(prefix) && is_qualified_name_part(name),
        None => is_qualified_name_part(s),
    }
}

fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_qualified_name_part(s)
}

/// IANA_SVC_NAME, the rule for container port names and named `targetPort`/policy ports.
fn is_port_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 15
        && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b.iter().any(|c| c.is_ascii_lowercase())
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
}

fn check_string_map(map: &Value, what: &str, value_rule: fn(&str) -> bool, errors: &mut Vec<String>) {
    let Some(map) = map.as_object() else { return };
    for (k, v) in map {
        if !is_label_key(k) {
            errors.push(format!("{what}: invalid key {k:?}"));
        }
        match v.as_str() {
            Some(v) if value_rule(v) => {}
            _ => errors.push(format!("{what}: invalid value {v} for {k:?}")),
        }
    }
}

fn check_selector(sel: &Value, what: &str, errors: &mut Vec<String>) {
    let Some(obj) = sel.as_object() else {
        errors.push(format!("{what}: selector is not an object"));
        return;
    };
    for key in obj.keys() {
        if key != "matchLabels" && key != "matchExpressions" {
            errors.push(format!("{what}: unknown selector field {key}"));
        }
    }
    check_string_map(&sel["matchLabels"], what, is_label_value, errors);
    for req in sel["matchExpressions"].as_array().into_iter().flatten() {
        let key = req["key"].as_str().unwrap_or("");
        if !is_label_key(key) {
            errors.push(format!("{what}: invalid expression key {key:?}"));
        }
        let values: Vec<&str> = req["values"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        match req["operator"].as_str() {
            Some("In" | "NotIn") if !values.is_empty() && values.iter().all(|v| is_label_value(v)) => {}
            Some("Exists" | "DoesNotExist") if req.get("values").is_none() => {}
            other => errors.push(format!("{what}: operator {other:?} with values {values:?}")),
        }
    }
}

/// Parses `a.b.c.d/n` or an IPv6 CIDR and checks it is canonical (no host bits set).
fn canonical_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = s.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    let canonical = match addr {
        IpAddr::V4(a) if len <= 32 => len == 32 || u32::from(a) & (u32::MAX >> len) == 0,
        IpAddr::V6(a) if len <= 128 => len == 128 || u128::from(a) & (u128::MAX >> len) == 0,
        _ => false,
    };
    canonical.then_some((addr, len))
}

fn cidr_contains(outer: (IpAddr, u8), inner: (IpAddr, u8)) -> bool {
    match (outer.0, inner.0) {
        (IpAddr::V4(o), IpAddr::V4(i)) => {
            inner.1 > outer.1 && (outer.1 == 0 || (u32::from(o) ^ u32::from(i)) >> (32 - outer.1) == 0)
        }
        (IpAddr::V6(o), IpAddr::V6(i)) => {
            inner.1 > outer.1 && (outer.1 == 0 || (u128::from(o) ^ u128::from(i)) >> (128 - outer.1) == 0)
        }
        _ => false,
    }
}

fn check_policy(p: &Value, errors: &mut Vec<String>) {
    let what = format!("NetworkPolicy {}/{}", namespace(p), name(p));
    let spec = &p["spec"];
    check_selector(&spec["podSelector"], &what, errors);
    let types: Vec<&str> = spec["policyTypes"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let unique: HashSet<&&str> = types.iter().collect();
    if types.is_empty() || unique.len() != types.len() || !types.iter().all(|t| *t == "Ingress" || *t == "Egress") {
        errors.push(format!("{what}: policyTypes {types:?} must be explicit, known and unique"));
    }
    for (direction, peers_key) in [("ingress", "from"), ("egress", "to")] {
        let declared = types.contains(&if direction == "ingress" { "Ingress" } else { "Egress" });
        if spec.get(direction).is_some() && !declared {
            errors.push(format!("{what}: has {direction} rules without that policyType"));
        }
        for rule in spec[direction].as_array().into_iter().flatten() {
            for peer in rule[peers_key].as_array().into_iter().flatten() {
                let has_block = peer.get("ipBlock").is_some();
                let has_selectors = peer.get("podSelector").is_some() || peer.get("namespaceSelector").is_some();
                if has_block == has_selectors {
                    errors.push(format!("{what}: peer must be ipBlock alone or selectors: {peer}"));
                }
                for key in ["podSelector", "namespaceSelector"] {
                    if let Some(sel) = peer.get(key) {
                        check_selector(sel, &what, errors);
                    }
                }
                if let Some(block) = peer.get("ipBlock") {
                    let cidr = block["cidr"].as_str().unwrap_or("");
                    match canonical_cidr(cidr) {
                        None => errors.push(format!("{what}: cidr {cidr:?} is not a canonical CIDR")),
                        Some(outer) => {
                            for except in block["except"].as_array().into_iter().flatten() {
                                let e = except.as_str().unwrap_or("");
                                match canonical_cidr(e) {
                                    Some(inner) if cidr_contains(outer, inner) => {}
                                    _ => errors.push(format!("{what}: except {e:?} is not canonical inside {cidr}")),
                                }
                            }
                        }
                    }
                }
            }
            for port in rule["ports"].as_array().into_iter().flatten() {
                if !matches!(port["protocol"].as_str(), Some("TCP" | "UDP" | "SCTP")) {
                    errors.push(format!("{what}: port protocol {} must be explicit and known", port["protocol"]));
                }
                match (&port["port"], port.get("endPort")) {
                    (Value::Number(n), end) => {
                        let n = n.as_u64().unwrap_or(0);
                        if !(1..=65535).contains(&n) {
                            errors.push(format!("{what}: port {n} out of range"));
                        }
                        if let Some(end) = end.and_then(Value::as_u64)
                            && !(n..=65535).contains(&end)
                        {
                            errors.push(format!("{what}: endPort {end} below port {n}"));
                        }
                    }
                    (Value::String(s), None) if is_port_name(s) => {}
                    (port_value, end) => {
                        errors.push(format!("{what}: invalid port {port_value} (endPort {end:?})"));
                    }
                }
            }
        }
    }
}

fn check_pod(pod: &Value, errors: &mut Vec<String>) {
    let what = format!("Pod {}/{}", namespace(pod), name(pod));
    let mut port_names = HashSet::new();
    let mut container_names = HashSet::new();
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        if !container_names.insert(c["name"].as_str().unwrap_or("")) {
            errors.push(format!("{what}: duplicate container {}", c["name"]));
        }
        for p in c["ports"].as_array().into_iter().flatten() {
            let pname = p["name"].as_str().unwrap_or("");
            if !is_port_name(pname) || !port_names.insert(pname.to_string()) {
                errors.push(format!("{what}: port name {pname:?} invalid or repeated"));
            }
            if !(1..=65535).contains(&p["containerPort"].as_u64().unwrap_or(0)) {
                errors.push(format!("{what}: containerPort {}", p["containerPort"]));
            }
            if !matches!(p["protocol"].as_str(), Some("TCP" | "UDP" | "SCTP")) {
                errors.push(format!("{what}: protocol {}", p["protocol"]));
            }
        }
    }
    let status = &pod["status"];
    if status["phase"] != "Running" {
        errors.push(format!("{what}: phase {}", status["phase"]));
    }
    let ip = status["podIP"].as_str().unwrap_or("");
    if ip.parse::<Ipv4Addr>().is_err() || status["podIPs"][0]["ip"] != ip {
        errors.push(format!("{what}: podIP {ip:?} and podIPs disagree or are invalid"));
    }
}

fn check_service(svc: &Value, errors: &mut Vec<String>) {
    let what = format!("Service {}/{}", namespace(svc), name(svc));
    if !is_dns1035_label(name(svc)) {
        errors.push(format!("{what}: name is not a DNS-1035 label"));
    }
    let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
    let mut names = HashSet::new();
    for p in &ports {
        let pname = p["name"].as_str().unwrap_or("");
        if (ports.len() > 1 || !pname.is_empty()) && (!is_dns1123_label(pname) || !names.insert(pname.to_string())) {
            errors.push(format!("{what}: port name {pname:?} invalid or repeated"));
        }
        match &p["targetPort"] {
            Value::Number(n) if (1..=65535).contains(&n.as_u64().unwrap_or(0)) => {}
            Value::String(s) if is_port_name(s) => {}
            other => errors.push(format!("{what}: targetPort {other}")),
        }
    }
    if let Some(selector) = svc["spec"].get("selector") {
        check_string_map(selector, &what, is_label_value, errors);
    }
}

fn validate(items: &[Value]) -> Vec<String> {
    let mut errors = Vec::new();
    let mut names = HashSet::new();
    let mut uids = HashSet::new();
    for item in items {
        let kind = item["kind"].as_str().unwrap_or("");
        let what = format!("{kind} {}/{}", namespace(item), name(item));
        let meta = &item["metadata"];
        let name_ok = match kind {
            "Namespace" => is_dns1123_label(name(item)),
            "Service" => is_dns1035_label(name(item)),
            _ => is_dns1123_subdomain(name(item)),
        };
        if !name_ok {
            errors.push(format!("{what}: invalid name"));
        }
        if !names.insert((kind.to_string(), namespace(item).to_string(), name(item).to_string())) {
            errors.push(format!("{what}: duplicate name"));
        }
        if !uids.insert(meta["uid"].as_str().unwrap_or("").to_string()) {
            errors.push(format!("{what}: duplicate uid"));
        }
        check_string_map(&meta["labels"], &what, is_label_value, &mut errors);
        check_string_map(&meta["annotations"], &what, |_| true, &mut errors);
        if meta["resourceVersion"].as_str().is_none_or(|rv| rv.parse::<u64>().is_err()) {
            errors.push(format!("{what}: resourceVersion {}", meta["resourceVersion"]));
        }
        if meta["creationTimestamp"].as_str().is_none_or(|t| t.len() != 20 || !t.ends_with('Z')) {
            errors.push(format!("{what}: creationTimestamp {}", meta["creationTimestamp"]));
        }
        if kind != "Namespace" && kind != "Node" && kind != "IngressClass" && namespace(item).is_empty() {
            errors.push(format!("{what}: namespaced object without a namespace"));
        }
        match kind {
            "NetworkPolicy" => check_policy(item, &mut errors),
            "Pod" => check_pod(item, &mut errors),
            "Service" => check_service(item, &mut errors),
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
                let template_labels = &item["spec"]["template"]["metadata"]["labels"];
                check_selector(&item["spec"]["selector"], &what, &mut errors);
                check_string_map(template_labels, &what, is_label_value, &mut errors);
                // "selector does not match template labels" is a validation error.
                let selector = item["spec"]["selector"]["matchLabels"].as_object().cloned().unwrap_or_default();
                if selector.is_empty() || selector.iter().any(|(k, v)| &template_labels[k] != v) {
                    errors.push(format!("{what}: selector {selector:?} does not match the template's labels"));
                }
                let hashed = template_labels.get("pod-template-hash").is_some();
                if hashed != (kind == "ReplicaSet") {
                    errors.push(format!("{what}: pod-template-hash belongs on ReplicaSet templates only"));
                }
            }
            _ => {}
        }
    }
    errors
}

#[test]
fn every_object_is_valid_by_api_server_rules() {
    for config in [small(), Config { managed_fields: true, ..custom(9, 60, 30, 5) }, custom(14, 150, 60, 11)] {
        let errors = validate(&items(&config));
        assert!(errors.is_empty(), "{config:?}:\n{}", errors.join("\n"));
    }
}

#[test]
fn the_validator_rejects_what_the_api_server_rejects() {
    // The checks above must be able to fail: feed them objects the API server refuses.
    let bad_policy = serde_json::json!({
        "kind": "NetworkPolicy",
        "metadata": { "name": "Bad_Name", "namespace": "x", "uid": "1", "resourceVersion": "1",
                      "creationTimestamp": "2025-01-01T00:00:00Z", "labels": { "a": "-bad-" } },
        "spec": {
            "podSelector": { "matchExpressions": [{ "key": "k", "operator": "In" }] },
            "ingress": [{ "from": [{ "ipBlock": { "cidr": "10.0.0.1/8", "except": ["11.0.0.0/8"] } }],
                          "ports": [{ "port": "http", "endPort": 90, "protocol": "TCP" }, { "port": 80, "endPort": 79, "protocol": "TCP" }] }]
        }
    });
    let errors = validate(&[bad_policy.clone(), bad_policy]);
    for expected in [
        "invalid name",
        "duplicate name",
        "duplicate uid",
        "invalid value",
        "operator",
        "policyTypes",
        "canonical CIDR",
        "invalid port",
        "endPort 79",
    ] {
        assert!(errors.iter().any(|e| e.contains(expected)), "no error containing {expected:?} in {errors:#?}");
    }
}

// ---- references --------------------------------------------------------------------------------

fn labels(v: &Value) -> BTreeMap<String, String> {
    v.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect()
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

fn ipv4_in(cidr: &str, ip: &str) -> bool {
    let (net, len) = canonical_cidr(cidr).expect("valid cidr");
    let ip: IpAddr = ip.parse().expect("valid ip");
    cidr_contains((net, len), (ip, 32))
}

#[test]
fn owners_selectors_ports_and_addresses_resolve() {
    let items = items(&custom(14, 200, 60, 3));
    let by_uid: HashMap<&str, &Value> = items.iter().map(|i| (i["metadata"]["uid"].as_str().unwrap(), i)).collect();
    let nodes: HashMap<&str, &Value> = of_kind(&items, "Node").into_iter().map(|n| (name(n), n)).collect();
    let pods = of_kind(&items, "Pod");
    let mut pod_ips = HashSet::new();
    for pod in &pods {
        let what = format!("{}/{}", namespace(pod), name(pod));
        for owner in pod["metadata"]["ownerReferences"].as_array().expect("every pod has an owner") {
            let target =
                by_uid.get(owner["uid"].as_str().unwrap()).unwrap_or_else(|| panic!("{what}: owner not found"));
            assert_eq!(target["kind"], owner["kind"], "{what}");
            assert_eq!(name(target), owner["name"], "{what}");
            if target["kind"] != "Node" {
                assert_eq!(namespace(target), namespace(pod), "{what}: owner in another namespace");
                let selector = labels(&target["spec"]["selector"]["matchLabels"]);
                assert!(
                    selects(&selector, &labels(&pod["metadata"]["labels"])),
                    "{what}: owner's selector misses the pod"
                );
            }
            if target["kind"] == "ReplicaSet" {
                let deploy = by_uid[target["metadata"]["ownerReferences"][0]["uid"].as_str().unwrap()];
                assert!(name(pod).starts_with(&format!("{}-", name(target))), "{what}");
                assert!(name(target).starts_with(&format!("{}-", name(deploy))), "{what}");
                let hash = &pod["metadata"]["labels"]["pod-template-hash"];
                assert_eq!(name(target), format!("{}-{}", name(deploy), hash.as_str().unwrap()), "{what}");
            }
        }
        let node = nodes[pod["spec"]["nodeName"].as_str().unwrap()];
        let node_ip = node["status"]["addresses"][0]["address"].as_str().unwrap();
        assert!(ipv4_in("192.168.0.0/16", node_ip));
        let ip = pod["status"]["podIP"].as_str().unwrap();
        assert_eq!(pod["status"]["hostIP"], node_ip, "{what}");
        if pod["spec"]["hostNetwork"] == true {
            assert_eq!(ip, node_ip, "{what}: a hostNetwork pod has its node's address");
        } else {
            assert!(ipv4_in(node["spec"]["podCIDR"].as_str().unwrap(), ip), "{what}: {ip} outside its node's podCIDR");
            assert!(ipv4_in("10.0.0.0/8", ip), "{what}");
            assert!(pod_ips.insert(ip.to_string()), "{what}: pod IP {ip} used twice");
        }
    }

    let mut cluster_ips = HashSet::new();
    for svc in of_kind(&items, "Service") {
        let what = format!("{}/{}", namespace(svc), name(svc));
        assert!(cluster_ips.insert(svc["spec"]["clusterIP"].as_str().unwrap().to_string()), "{what}: clusterIP reused");
        assert!(ipv4_in("10.96.0.0/12", svc["spec"]["clusterIP"].as_str().unwrap()), "{what}");
        let Some(selector) = svc["spec"].get("selector") else { continue };
        let selector = labels(selector);
        let backends: Vec<&&Value> = pods
            .iter()
            .filter(|p| namespace(p) == namespace(svc) && selects(&selector, &labels(&p["metadata"]["labels"])))
            .collect();
        assert!(!backends.is_empty(), "{what}: selects no pod");
        for port in svc["spec"]["ports"].as_array().unwrap() {
            if let Some(target) = port["targetPort"].as_str() {
                for pod in &backends {
                    let found = pod["spec"]["containers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
                        .any(|p| p["name"] == target && p["protocol"] == port["protocol"]);
                    assert!(found, "{what}: targetPort {target} not on {}", name(pod));
                }
            }
        }
    }
    let kube_dns = of_kind(&items, "Service").into_iter().find(|s| name(s) == "kube-dns").expect("kube-dns Service");
    assert_eq!(namespace(kube_dns), "kube-system");
    let targets: Vec<&Value> = kube_dns["spec"]["ports"].as_array().unwrap().iter().map(|p| &p["targetPort"]).collect();
    assert_eq!(targets, ["dns", "dns-tcp", "metrics"]);

    let pod_by_name: HashMap<(&str, &str), &&Value> = pods.iter().map(|p| ((namespace(p), name(p)), p)).collect();
    for slice in of_kind(&items, "EndpointSlice") {
        for endpoint in slice["endpoints"].as_array().into_iter().flatten() {
            let Some(target) = endpoint.get("targetRef") else { continue };
            let pod = pod_by_name[&(target["namespace"].as_str().unwrap(), target["name"].as_str().unwrap())];
            assert_eq!(pod["metadata"]["uid"], target["uid"]);
            assert_eq!(pod["status"]["podIP"], endpoint["addresses"][0]);
        }
    }
}

// ---- content -----------------------------------------------------------------------------------

#[test]
fn policies_cover_the_api_corners() {
    let items = items(&small());
    let policies = of_kind(&items, "NetworkPolicy");
    let text: Vec<String> = policies.iter().map(|p| p["spec"].to_string()).collect();
    let any = |needle: &str| text.iter().any(|t| t.contains(needle));
    for needle in [
        r#""operator":"In""#,
        r#""operator":"NotIn""#,
        r#""operator":"Exists""#,
        r#""endPort""#,
        r#""protocol":"UDP""#,
        r#""protocol":"SCTP""#,
        r#""except":["10.0.0.0/8","172.16.0.0/12","192.168.0.0/16"]"#,
        r#""cidr":"::/0""#,
        r#""port":"http""#,
        r#""port":5432"#,
        r#""namespaceSelector":{"matchLabels":{"team":"#,
        r#""namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}},"podSelector":{"matchLabels":{"app":"prometheus"}}"#,
    ] {
        assert!(any(needle), "no policy contains {needle}");
    }
    let dns = policies
        .iter()
        .find(|p| name(p) == "allow-dns" && p["spec"]["podSelector"] == serde_json::json!({}))
        .expect("allow-dns");
    assert_eq!(
        dns["spec"]["egress"][0],
        serde_json::json!({
            "to": [{
                "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": "kube-system" } },
                "podSelector": { "matchLabels": { "k8s-app": "kube-dns" } },
            }],
            "ports": [{ "port": 53, "protocol": "UDP" }, { "port": 53, "protocol": "TCP" }],
        })
    );
}

#[test]
fn some_namespaces_lack_default_deny() {
    let items = items(&small());
    let app_namespaces: Vec<&str> = of_kind(&items, "Namespace")
        .into_iter()
        .filter(|n| n["metadata"]["labels"].get("team").is_some() && name(n) != "monitoring")
        .map(name)
        .collect();
    let denies = |ns: &str, direction: &str| {
        of_kind(&items, "NetworkPolicy").iter().any(|p| {
            namespace(p) == ns
                && p["spec"]["podSelector"] == serde_json::json!({})
                && p["spec"]["policyTypes"].as_array().unwrap().iter().any(|t| t == direction)
        })
    };
    let full = app_namespaces.iter().filter(|ns| denies(ns, "Ingress") && denies(ns, "Egress")).count();
    assert!(full > 0, "some namespaces have the full default deny");
    assert!(full < app_namespaces.len(), "some namespaces lack it");
    assert!(
        app_namespaces.iter().any(|ns| denies(ns, "Ingress") && !denies(ns, "Egress")),
        "an ingress-only namespace"
    );
}

// ---- formats -----------------------------------------------------------------------------------

#[test]
fn json_parses_back() {
    let out = bytes(&Config { managed_fields: true, ..small() }, Format::Json);
    let list: Value = serde_json::from_slice(&out).expect("valid JSON");
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["metadata"]["managedFields"].is_array() || i["kind"] == "IngressClass")
    );
}

#[test]
fn yaml_parses_back_to_the_same_objects() {
    // A small shape keeps the debug-build YAML parser quick; every kind of object and of string
    // occurs (managed fields add the quoted `k:{...}` keys).
    let config = Config { managed_fields: true, ..custom(8, 40, 20, 9) };
    let json: Value = serde_json::from_slice(&bytes(&config, Format::Json)).unwrap();
    let yaml = String::from_utf8(bytes(&config, Format::Yaml)).unwrap();
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_nodes: 10_000_000, max_events: 50_000_000, max_total_scalar_bytes: 1 << 30 },
    };
    let parsed: Value = serde_saphyr::from_str_with_options(&yaml, options).expect("valid YAML");
    assert_eq!(parsed, json);
}

// ---- command line ------------------------------------------------------------------------------

fn synth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_synth")).args(args).output().expect("runs")
}

#[test]
fn cli_default_is_the_small_preset_as_json_on_stdout() {
    let out = synth(&[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, bytes(&small(), Format::Json));
}

#[test]
fn cli_flags_override_the_preset_and_write_yaml_to_a_file() {
    let dir = std::env::temp_dir().join(format!("synth-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.yaml");
    let out = synth(&[
        "--preset",
        "nca",
        "--pods",
        "200",
        "--seed",
        "4",
        "--format",
        "yaml",
        "--out",
        path.to_str().unwrap(),
        "--stats",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("200 Pod") && stderr.contains("200 NetworkPolicy"), "{stderr}");
    let written = std::fs::read(&path).unwrap();
    let expected = Config { pods: 200, ..Preset::Nca.config(4, false) };
    assert_eq!(written, bytes(&expected, Format::Yaml));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_impossible_request_exits_2_with_the_fix() {
    let out = synth(&["--namespaces", "3"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("synth: --namespaces 3 is too few"), "{stderr}");
    assert!(stderr.contains("use --namespaces 7 or more"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn cli_nca_flag_equals_nca_preset() {
    let a = synth(&["--nca"]);
    let b = synth(&["--preset", "nca"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn cli_list_pods_names_the_pods_of_the_file_in_its_order() {
    let listed = synth(&["--preset", "small", "--seed", "3", "--list-pods"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let items = items(&Preset::Small.config(3, false));
    let expected: Vec<String> =
        of_kind(&items, "Pod").iter().map(|p| format!("{}/{}", namespace(p), name(p))).collect();
    let lines: Vec<&str> = std::str::from_utf8(&listed.stdout).unwrap().lines().collect();
    assert_eq!(lines, expected);
}

#[test]
fn cli_list_pods_refuses_out_because_it_writes_no_cluster() {
    let out = synth(&["--list-pods", "--out", "x.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'--list-pods' cannot be used with '--out <FILE>'"));
}

fn json_scan(path: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_json-scan")).arg(path).output().expect("runs")
}

#[test]
fn json_scan_accepts_the_generated_json_and_names_what_is_not_json() {
    let dir = std::env::temp_dir().join(format!("synth-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("small.json");
    std::fs::write(&good, bytes(&small(), Format::Json)).unwrap();
    let out = json_scan(&good);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2197955 bytes"));

    let bad = dir.join("small.yaml");
    std::fs::write(&bad, bytes(&small(), Format::Yaml)).unwrap();
    let out = json_scan(&bad);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("small.yaml is not JSON"));

    let out = json_scan(&dir.join("missing.json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lean_keeps_namespaces_pods_and_policies_with_only_the_fields_read() {
    let config = Config { lean: true, ..small() };
    let out = bytes(&config, Format::Json);
    let items = items(&config);
    // Compact: one object a line.
    let lines = String::from_utf8(out).unwrap();
    assert_eq!(lines.lines().filter(|l| l.starts_with("{\"apiVersion\"")).count(), items.len());
    let kinds: HashSet<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, HashSet::from(["Namespace", "Pod", "NetworkPolicy"]));
    assert_eq!(of_kind(&items, "Pod").len(), config.pods);
    let full = self::items(&small());
    assert_eq!(of_kind(&items, "NetworkPolicy").len(), of_kind(&full, "NetworkPolicy").len());
    for pod in of_kind(&items, "Pod") {
        let keys: Vec<&String> = pod.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec", "status"], "{pod}");
        let meta: HashSet<&str> = pod["metadata"].as_object().unwrap().keys().map(String::as_str).collect();
        assert!(meta.is_subset(&HashSet::from(["name", "namespace", "labels"])), "{meta:?}");
        for container in pod["spec"]["containers"].as_array().unwrap() {
            let keys: HashSet<&str> = container.as_object().unwrap().keys().map(String::as_str).collect();
            assert!(keys.is_subset(&HashSet::from(["name", "ports"])), "{keys:?}");
        }
        assert!(pod["status"]["podIP"].is_string() || pod["spec"]["hostNetwork"] == true, "{pod}");
    }
    // The policies are the full cluster's, unchanged.
    let spec = |items: &[Value]| of_kind(items, "NetworkPolicy").iter().map(|p| p["spec"].clone()).collect::<Vec<_>>();
    assert_eq!(spec(&items), spec(&full));
}
