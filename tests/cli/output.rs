//! Output as users and scripts see it: full-text snapshots of representative answers (so output
//! changes are deliberate), the `-o json` / `-o yaml` contract, colour decisions, a reader that
//! goes away early, and a stdout that cannot be written.

use serde_json::Value;

use crate::harness::{Deny, snapshot, why, why_json};

// ---------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn snapshot_blocked_with_nearest_misses_and_hints() {
    snapshot("why_and_vs_or_blocked", &why("and_vs_or_peers", &["shop/client", "shop/db:5432"]));
}

#[test]
fn snapshot_allowed_with_dns_hint() {
    snapshot("why_dns_hint", &why("default_deny_egress_blocks_dns", &["-n", "shop", "web", "api:8080"]));
}

#[test]
fn snapshot_service_with_several_backends() {
    snapshot("why_service_backends", &why("service_without_selector", &["-n", "shop", "web", "svc/db:5432"]));
}

#[test]
fn snapshot_which_ports_wide() {
    snapshot("why_which_ports_wide", &why("udp_never_tcp", &["-n", "games", "player", "server", "-o", "wide"]));
}

#[test]
fn snapshot_self_traffic() {
    snapshot("why_self_traffic", &why("self_traffic", &["-n", "shop", "web-0", "web-0:8080"]));
}

#[test]
fn snapshot_host_network_and_node() {
    snapshot("why_host_network", &why("host_network", &["-n", "monitoring", "node-exporter-b", "web:8080"]));
}

#[test]
fn snapshot_matrix() {
    snapshot("matrix_grouping", &Deny::new(&["matrix", "-f", "matrix_grouping", "-n", "shop"]).run());
}

#[test]
fn snapshot_list_wide() {
    snapshot("list_all_wide", &Deny::new(&["list", "-f", "list_states", "--all", "-o", "wide"]).run());
}

#[test]
fn snapshot_why_json() {
    snapshot("why_json", &why("ip_block_except", &["-n", "shop", "api", "10.1.2.3:443", "-o", "json"]));
}

#[test]
fn snapshot_invalid_policy_error() {
    let manifests = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\n\
                     spec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]\n";
    snapshot("error_invalid_policy", &Deny::new(&["why", "-f", "-", "a", "b"]).stdin(manifests.as_bytes()).run());
}

// ---------------------------------------------------------------------------------------------
// The -o json and -o yaml contract

#[test]
fn why_json_has_the_contract_fields() {
    let v = why_json("default_deny_ingress", &["-n", "shop", "web", "api:8080"]);
    for key in ["verdict", "from", "to", "port", "protocol", "egress", "ingress", "caveats"] {
        assert!(v.get(key).is_some(), "-o json lacks {key}: {v:#}");
    }
    for side in ["egress", "ingress"] {
        for key in ["isolated", "allowed", "policies"] {
            assert!(v[side].get(key).is_some(), "{side} lacks {key}: {v:#}");
        }
        assert_eq!(v[side]["direction"], side);
    }
    assert!(v["caveats"].is_array() && v["hints"].is_array() && v["notes"].is_array());
    assert!(v.get("evaluations").is_none(), "one destination: no evaluations list");
}

#[test]
fn why_json_verdict_matches_the_exit_status() {
    for (fixture, args, verdict, code) in [
        ("default_deny_ingress", ["-n", "shop", "web", "api:8080"], "blocked", 1),
        ("default_deny_ingress", ["-n", "shop", "web", "1.1.1.1:443"], "allowed", 0),
    ] {
        let run = Deny::new(&[&["why", "-f", fixture, "-o", "json"][..], &args[..]].concat()).run();
        assert_eq!(run.code, Some(code), "{run}");
        assert_eq!(run.json()["verdict"], verdict);
    }
}

#[test]
fn why_yaml_says_the_same_as_json() {
    let args = ["-f", "and_vs_or_peers", "shop/client", "shop/db:5432"];
    let yaml = Deny::new(&[&["why", "-o", "yaml"][..], &args[..]].concat()).run();
    assert_eq!(yaml.code, Some(1), "{yaml}");
    let json = why_json("and_vs_or_peers", &["shop/client", "shop/db:5432"]);
    assert!(
        yaml.stdout.starts_with("verdict: blocked\nfrom: shop/client\nto: shop/db\nport: 5432\nprotocol: TCP\n"),
        "{yaml}"
    );
    for line in ["  isolated: true", "    name: db-and", "- kind: and-not-or", "- kind: namespace-label"] {
        assert!(yaml.stdout.contains(line), "yaml lacks {line:?}:\n{yaml}");
    }
    assert_eq!(json["hints"].as_array().map(Vec::len), Some(2));
}

#[test]
fn list_and_matrix_json_are_single_documents() {
    let list = Deny::new(&["list", "-f", "list_states", "-o", "json"]).run();
    list.success();
    assert!(list.json()["namespaces"].is_array());
    let matrix = Deny::new(&["matrix", "-f", "matrix_grouping", "-A", "-o", "json"]).run();
    matrix.success();
    assert!(matrix.json()["cells"].as_array().is_some_and(|c| !c.is_empty()));
}

#[test]
fn json_keys_are_camel_case_throughout() {
    let v = why_json("udp_never_tcp", &["-n", "games", "player", "server:7777"]);
    let mut snake = Vec::new();
    collect_snake_keys(&v, "", &mut snake);
    assert!(snake.is_empty(), "snake_case keys in -o json: {snake:?}");
}

fn collect_snake_keys(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k.contains('_') {
                    out.push(format!("{path}.{k}"));
                }
                collect_snake_keys(child, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_snake_keys(i, path, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Colour

const ESC: &str = "\u{1b}[";

#[test]
fn no_colour_when_not_a_terminal_even_without_no_color() {
    let run =
        Deny::new(&["why", "-f", "default_deny_ingress", "-n", "shop", "web", "api:8080"]).env("NO_COLOR", None).run();
    run.blocked();
    assert!(!run.stdout.contains(ESC), "{run}");
}

#[test]
fn color_always_colours_even_with_no_color_and_dumb_terminal() {
    for env in [("NO_COLOR", Some("1")), ("TERM", Some("dumb")), ("NO_COLOR", None)] {
        let run = Deny::new(&["why", "-f", "default_deny_ingress", "-n", "shop", "web", "api:8080", "--color=always"])
            .env(env.0, env.1)
            .run();
        assert_eq!(run.code, Some(1), "{run}");
        assert!(run.stdout.starts_with(&format!("{ESC}31;1mBLOCKED{ESC}0m")), "{run}");
    }
    let list = Deny::new(&["list", "-f", "list_states", "--color", "always"]).run();
    assert!(list.stdout.contains(ESC), "{list}");
}

#[test]
fn color_never_and_json_are_plain() {
    let run = Deny::new(&["why", "-f", "default_deny_ingress", "-n", "shop", "web", "api:8080", "--color=never"])
        .env("NO_COLOR", None)
        .env("TERM", Some("xterm-256color"))
        .run();
    assert!(!run.stdout.contains(ESC), "{run}");
    let json = Deny::new(&[
        "why",
        "-f",
        "default_deny_ingress",
        "-n",
        "shop",
        "web",
        "api:8080",
        "-o",
        "json",
        "--color=always",
    ])
    .run();
    assert!(!json.stdout.contains(ESC), "JSON is never coloured:\n{json}");
    json.json();
}

#[test]
fn errors_are_plain_text() {
    let run = why("matrix_grouping", &["-n", "shop", "web-a", "nope", "--color=always"]);
    run.error();
    assert!(!run.stderr.contains(ESC), "{run}");
}

// ---------------------------------------------------------------------------------------------
// stdout going away or failing

#[test]
fn a_closed_pipe_keeps_the_verdict_exit_status_and_prints_no_error() {
    for (args, code) in [
        (vec!["why", "-f", "default_deny_ingress", "-n", "shop", "web", "api:8080"], 1),
        (vec!["why", "-f", "default_deny_ingress", "-n", "shop", "web", "1.1.1.1:443"], 0),
        (vec!["matrix", "-f", "matrix_grouping", "-A"], 0),
        (vec!["list", "-f", "list_states", "--exit-code", "-o", "json"], 1),
    ] {
        let run = Deny::new(&args).stdout_closed().run();
        assert_eq!(run.code, Some(code), "{run}");
        assert_eq!(run.stderr, "", "{run}");
    }
}

#[test]
fn large_output_to_a_full_disk_is_an_error() {
    let Some(full) = dev_full() else { return };
    // 30 pods: a 900-cell matrix, far more than any output buffer holds.
    let pods: String = (0..30)
        .map(|i| format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, labels: {{app: p{i}}}}}\n---\n"))
        .collect();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-deny"))
        .args(["matrix", "-f", "-", "--port", "80", "-o", "json"])
        .env_clear()
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(full)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), pods.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: cannot write output: No space left on device"), "{stderr}");
}

#[test]
fn small_output_to_a_full_disk_is_an_error() {
    let Some(full) = dev_full() else { return };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-deny"))
        .args(["why", "-f", "default_deny_ingress", "-n", "shop", "web", "api:8080", "-o", "json"])
        .current_dir(crate::harness::fixtures_dir())
        .env_clear()
        .env("NO_COLOR", "1")
        .stdout(full)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "a script redirecting to a full disk must see the failure: {stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

/// `/dev/full` (Linux): every write fails with ENOSPC.
fn dev_full() -> Option<std::fs::File> {
    std::fs::OpenOptions::new().write(true).open("/dev/full").ok()
}
