//! `matrix`: pods with identical namespace, labels and ports grouped; the ports each destination
//! declares by default, `--port` otherwise; the `-o json` contract; and every cell equal to what
//! `why` answers for that flow.

use serde_json::Value;

use crate::harness::Deny;

fn matrix(args: &[&str]) -> crate::harness::Run {
    let mut all = vec!["matrix", "-f", "matrix_grouping"];
    all.extend_from_slice(args);
    Deny::new(&all).run()
}

#[test]
fn identical_pods_are_grouped() {
    matrix(&["-n", "shop"]).success().stdout_lines_in_order(&[
        "GROUP   PODS                  NAMESPACE   LABELS    PORTS",
        "1       api-0                 shop        app=api   8080/TCP (http),9102/TCP (metrics)",
        "2       db-0                  shop        app=db    5432/TCP (postgres)",
        "3       web-a, web-b, web-c   shop        app=web   80/TCP (http)",
        "3 shop/web-a (+2 alike)",
    ]);
}

#[test]
fn default_ports_are_those_each_destination_declares() {
    let run = matrix(&["-n", "shop"]);
    run.success();
    // One table per declared port; a destination not declaring the port shows `·`.
    let t5432 = run.section("5432/TCP  FROM \\ TO");
    assert!(t5432.contains("1 shop/api-0              ·   ✓   ·"), "{t5432}");
    assert!(t5432.contains("3 shop/web-a (+2 alike)   ·   ✗   ·"), "{t5432}");
    let t8080 = run.section("8080/TCP  FROM \\ TO");
    assert!(t8080.contains("3 shop/web-a (+2 alike)   ✓   ·   ·"), "{t8080}");
    assert!(t8080.contains("2 shop/db-0               ✗   ·   ·"), "{t8080}");
    let t9102 = run.section("9102/TCP  FROM \\ TO");
    assert!(t9102.contains("3 shop/web-a (+2 alike)   ✗   ·   ·"), "{t9102}");
    // Issue 10, item 17: a pod's cell with itself says so; a group's own cell is between its pods.
    assert!(t5432.contains("2 shop/db-0               ·   =   ·"), "{t5432}");
    run.stdout_has("5 pods in 3 groups: 4 of 24 flows between distinct pods allowed").stdout_has(
        "✓ allowed  ✗ blocked  · port not declared by the destination  = the pod itself (always allowed); a \
         group's own cell is between its distinct pods",
    );
}

#[test]
fn explicit_ports_are_evaluated_for_every_destination() {
    let run = matrix(&["-n", "shop", "--port", "8080", "--port", "53/udp"]);
    run.success().stdout_lacks("5432/TCP  FROM").stdout_lacks("9102/TCP  FROM");
    // Issue 10, item 17: a destination that does not declare the port given is evaluated anyway,
    // and marked so, as the legend says; no `·` is shown, so the legend does not list it.
    let udp = run.section("53/UDP  FROM \\ TO");
    assert!(udp.contains("3 shop/web-a (+2 alike)   ✗°   ✗°   ✗°"), "{udp}");
    let tcp = run.section("8080/TCP  FROM \\ TO");
    assert!(tcp.contains("3 shop/web-a (+2 alike)   ✓   ✗°   ✗°"), "{tcp}");
    run.stdout_has("5 pods in 3 groups: 3 of 40 flows between distinct pods allowed")
        .stdout_has("° the destination declares no such port (what policy says; nothing may listen there)")
        .stdout_lacks("· port not declared");
    let wide = matrix(&["-n", "shop", "--port", "8080", "-o", "wide"]);
    wide.success()
        .stdout_has("shop/web-a (+2 alike)   shop/db-0               8080/TCP   blocked (not declared)")
        .stdout_has("shop/web-a (+2 alike)   shop/web-a (+2 alike)   8080/TCP   blocked (not declared)");
}

#[test]
fn json_has_one_cell_per_pod_pair_and_port() {
    let run = matrix(&["-n", "shop", "-n", "other", "--port", "8080", "-o", "json"]);
    run.success();
    let v = run.json();
    let cells = v["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 6 * 6, "6 pods, one port, every ordered pair including a pod to itself");
    for cell in cells {
        let keys: Vec<&str> = cell.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(keys, ["from", "port", "protocol", "to", "verdict"], "{cell}");
        assert_eq!((cell["port"].as_u64(), cell["protocol"].as_str()), (Some(8080), Some("TCP")));
        assert!(matches!(cell["verdict"].as_str(), Some("allowed" | "blocked")), "{cell}");
    }
    let verdict = |from: &str, to: &str| {
        cells.iter().find(|c| c["from"] == from && c["to"] == to).map(|c| c["verdict"].clone()).unwrap_or(Value::Null)
    };
    assert_eq!(verdict("shop/web-b", "shop/api-0"), "allowed");
    assert_eq!(verdict("other/tool", "shop/api-0"), "blocked");
    assert_eq!(verdict("shop/web-a", "shop/web-b"), "blocked");
    assert_eq!(verdict("shop/web-a", "shop/web-a"), "allowed");
}

#[test]
fn all_namespaces_cover_every_pod() {
    matrix(&["-A", "--port", "80"])
        .success()
        .stdout_has("1       tool                  other       app=tool   <none>")
        .stdout_has("6 pods in 4 groups: 0 of 30 flows between distinct pods allowed");
}

/// Every cell of the matrix is what `why` answers for that flow: one engine, never two.
#[test]
fn every_cell_equals_the_why_verdict() {
    for fixture in [
        "matrix_grouping",
        "host_network",
        "and_vs_or_peers",
        "named_port_on_destination",
        "ip_block_pod_ip",
        "cluster_tiers",
    ] {
        let run = Deny::new(&["matrix", "-f", fixture, "-A", "-o", "json"]).run();
        run.success();
        let v = run.json();
        let cells = v["cells"].as_array().expect("cells");
        assert!(!cells.is_empty(), "{fixture} has cells");
        for cell in cells {
            let (from, to) = (cell["from"].as_str().unwrap_or_default(), cell["to"].as_str().unwrap_or_default());
            let protocol = cell["protocol"].as_str().unwrap_or_default().to_ascii_lowercase();
            let target = format!("{to}:{}/{protocol}", cell["port"]);
            let why = Deny::new(&["why", "-f", fixture, from, &target]).run();
            let verdict = match why.code {
                Some(0) => "allowed",
                Some(1) => "blocked",
                _ => panic!("why failed:\n{why}"),
            };
            assert_eq!(cell["verdict"], verdict, "{fixture}: matrix says {cell}, why says:\n{why}");
        }
    }
}

#[test]
fn a_namespace_without_pods_has_nothing_to_show() {
    matrix(&["-n", "default"]).success().stdout_has("No pods in scope.");
}

#[test]
fn an_unknown_namespace_is_an_error_as_in_list() {
    Deny::new(&["list", "-f", "matrix_grouping", "-n", "nowhere"]).run().error().stderr_has("\"nowhere\"");
    matrix(&["-n", "nowhere"]).error().stderr_has("\"nowhere\"");
}

#[test]
fn matrix_does_not_take_yaml() {
    matrix(&["-n", "shop", "-o", "yaml"])
        .error()
        .stderr_has("error: matrix does not support -o yaml; supported: table, wide, json");
}

#[test]
fn workloads_without_pods_appear_through_their_templates() {
    // `why` evaluates these workloads from their templates; matrix should show the same flows.
    Deny::new(&["why", "-f", "workload_template_no_pods", "-n", "shop", "cronjob/report", "deploy/api:http"])
        .run()
        .allowed();
    let run =
        Deny::new(&["matrix", "-f", "workload_template_no_pods", "-n", "shop", "--port", "8080", "-o", "json"]).run();
    run.success();
    let v = run.json();
    let cells = v["cells"].as_array().cloned().unwrap_or_default();
    assert!(
        cells.iter().any(|c| c["from"].as_str().is_some_and(|f| f.contains("report"))
            && c["to"].as_str().is_some_and(|t| t.contains("api"))
            && c["verdict"] == "allowed"),
        "{run}"
    );
}

/// Issue 10, item 10: `-l` picks the pods of both ends; `--no-headers` drops the header lines.
#[test]
fn label_selector_picks_the_pods_and_no_headers_drops_headers() {
    let all = Deny::new(&["matrix", "-f", "matrix_grouping", "-n", "shop", "-o", "json"]).run();
    let some = Deny::new(&["matrix", "-f", "matrix_grouping", "-n", "shop", "-l", "app=web", "-o", "json"]).run();
    let pods = |run: &crate::harness::Run| {
        let mut names: Vec<String> =
            run.json()["cells"].as_array().unwrap().iter().map(|c| c["from"].as_str().unwrap().to_string()).collect();
        names.dedup();
        names
    };
    let (all, some) = (pods(&all), pods(&some));
    assert!(some.len() < all.len() && !some.is_empty(), "{some:?} of {all:?}");
    assert!(some.iter().all(|p| p.starts_with("shop/web")), "{some:?}");
    let text = Deny::new(&["matrix", "-f", "matrix_grouping", "-n", "shop", "--no-headers"]).run();
    text.success();
    assert!(!text.stdout.contains("GROUP") && !text.stdout.contains("FROM \\ TO"), "{text}");
}
