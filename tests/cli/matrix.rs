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

/// The per-pod cells a `--grouped` answer stands for: a pod to itself allowed, a listed exception
/// over its group pair's cell, otherwise that cell.
fn expand(grouped: &Value) -> Vec<(String, String, u64, String, String)> {
    let groups = grouped["groups"].as_array().expect("groups");
    let pods = |g: &Value| -> Vec<String> {
        groups[g.as_u64().expect("a group id") as usize]["pods"]
            .as_array()
            .expect("pods")
            .iter()
            .map(|p| p.as_str().expect("a pod name").to_string())
            .collect()
    };
    let exceptions = grouped["exceptions"].as_array().expect("exceptions");
    let mut cells = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        assert_eq!(g["id"], i, "ids are positions");
    }
    for cell in grouped["cells"].as_array().expect("cells") {
        let (port, protocol) = (cell["port"].as_u64().expect("port"), cell["protocol"].as_str().expect("protocol"));
        for from in pods(&cell["from"]) {
            for to in pods(&cell["to"]) {
                let exception = exceptions.iter().find(|e| {
                    e["from"] == from.as_str()
                        && e["to"] == to.as_str()
                        && e["port"] == port
                        && e["protocol"] == protocol
                });
                let verdict = match exception {
                    _ if from == to => "allowed",
                    Some(e) => e["verdict"].as_str().expect("verdict"),
                    None => cell["verdict"].as_str().expect("verdict"),
                };
                cells.push((from.clone(), to, port, protocol.to_string(), verdict.to_string()));
            }
        }
    }
    // A group of one has no cell with itself: its pod to itself is allowed.
    for g in groups.iter().filter(|g| g["pods"].as_array().is_some_and(|p| p.len() == 1)) {
        let pod = g["pods"][0].as_str().expect("a pod").to_string();
        let to_it = grouped["cells"].as_array().expect("cells").iter().filter(|c| c["to"] == g["id"]);
        let mut ports: Vec<(u64, String)> = to_it
            .map(|c| (c["port"].as_u64().expect("port"), c["protocol"].as_str().expect("protocol").to_string()))
            .collect();
        ports.sort();
        ports.dedup();
        for (port, protocol) in ports {
            cells.push((pod.clone(), pod.clone(), port, protocol, "allowed".into()));
        }
    }
    cells.sort();
    cells
}

fn per_pod(v: &Value) -> Vec<(String, String, u64, String, String)> {
    let mut cells: Vec<_> = v["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().expect("a string").to_string();
            (s("from"), s("to"), c["port"].as_u64().expect("port"), s("protocol"), s("verdict"))
        })
        .collect();
    cells.sort();
    cells
}

#[test]
fn grouped_json_expands_to_exactly_the_per_pod_json() {
    let mut exceptions = 0;
    for fixture in [
        "matrix_grouping",
        "host_network",
        "and_vs_or_peers",
        "named_port_on_destination",
        "ip_block_pod_ip",
        "cluster_tiers",
    ] {
        for ports in [&[][..], &["--port", "80"], &["--port", "8080", "--port", "53/UDP"]] {
            let mut args = vec!["matrix", "-f", fixture, "-A", "-o", "json"];
            args.extend_from_slice(ports);
            let pods = Deny::new(&args).run();
            pods.success();
            args.push("--grouped");
            let grouped = Deny::new(&args).run();
            grouped.success();
            let g = grouped.json();
            exceptions += g["exceptions"].as_array().map_or(0, Vec::len);
            assert_eq!(expand(&g), per_pod(&pods.json()), "{fixture} {ports:?}");
        }
    }
    assert!(exceptions > 0, "host_network's node-local pairs are exceptions");
}

/// On Cilium a host-network pod is its node: only its traffic to the pods of its own node is an
/// exception (Cilium always lets a node reach its pods); the other direction is policy's.
#[test]
fn grouped_json_expands_exactly_on_cilium_clusters_with_host_network_pods() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: cilium, namespace: kube-system}\nspec: {selector: {}, template: {spec: {containers: [{name: a, image: quay.io/cilium/cilium:v1.18.0}]}}}\n---\n\
         apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.10.11}]}\n---\n\
         apiVersion: v1\nkind: Node\nmetadata: {name: node-b}\nstatus: {addresses: [{type: InternalIP, address: 192.168.10.12}]}\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: kube-system, labels: {app: agent}}\nspec: {nodeName: node-a, hostNetwork: true, containers: [{name: c, ports: [{containerPort: 9100}]}]}\nstatus: {podIP: 192.168.10.11}\n---\n\
         apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n  ingress: [{fromEndpoints: [{matchLabels: {app: web}}]}]\n  egress: [{toEndpoints: [{matchLabels: {app: web}}]}]\n",
    );
    for (i, node) in ["node-a", "node-b"].iter().enumerate() {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web-{i}, namespace: shop, labels: {{app: web}}}}\nspec: {{nodeName: {node}, containers: [{{name: c, ports: [{{containerPort: 8080}}]}}]}}\nstatus: {{podIP: 10.0.{i}.1}}\n"
        ));
    }
    std::fs::write(dir.path().join("cluster.yaml"), yaml).unwrap();
    let path = dir.path().to_str().unwrap();
    let mut args = vec!["matrix", "-f", path, "-A", "-o", "json"];
    let pods = Deny::new(&args).run();
    pods.success();
    args.push("--grouped");
    let grouped = Deny::new(&args).run();
    grouped.success();
    let g = grouped.json();
    assert_eq!(expand(&g), per_pod(&pods.json()));
    let exceptions: Vec<(&str, &str)> = g["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert!(exceptions.contains(&("kube-system/agent", "shop/web-0")), "the node reaches its own pod: {exceptions:?}");
    assert!(
        exceptions.iter().all(|(from, _)| *from == "kube-system/agent"),
        "web-0's egress to its node is policy's business on Cilium: {exceptions:?}"
    );
}

/// `n` replicas of a web and an api workload; web may reach api on 8080.
fn replicas(n: usize) -> String {
    let mut yaml = String::from(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
         apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api, namespace: shop}\n\
         spec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n",
    );
    for i in 0..n {
        for app in ["web", "api"] {
            yaml.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {app}-{i}, namespace: shop, labels: {{app: {app}}}}}\n\
                 spec: {{containers: [{{name: c, image: x, ports: [{{containerPort: 8080}}]}}]}}\n\
                 status: {{podIP: 10.0.{}.{}}}\n",
                if app == "web" { 1 } else { 2 },
                i + 1
            ));
        }
    }
    yaml
}

#[test]
fn grouped_json_grows_with_groups_not_pods() {
    let dir = std::env::temp_dir().join(format!("kubectl-deny-grouped-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut sizes = Vec::new();
    for n in [2, 40] {
        let path = dir.join(format!("replicas-{n}.yaml"));
        std::fs::write(&path, replicas(n)).unwrap();
        let path = path.display().to_string();
        let grouped = Deny::new(&["matrix", "-f", &path, "-n", "shop", "-o", "json", "--grouped"]).run();
        grouped.success();
        let pods = Deny::new(&["matrix", "-f", &path, "-n", "shop", "-o", "json"]).run();
        pods.success();
        let g = grouped.json();
        assert_eq!(g["groups"].as_array().map(Vec::len), Some(2), "two workloads, two groups");
        assert_eq!(g["cells"].as_array().map(Vec::len), Some(4), "one cell per ordered group pair");
        assert_eq!(pods.json()["cells"].as_array().map(Vec::len), Some(4 * n * n));
        let cells = g["cells"].to_string();
        sizes.push((cells.len(), grouped.stdout.len(), pods.stdout.len()));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let ((cells2, grouped2, pods2), (cells40, grouped40, pods40)) = (sizes[0], sizes[1]);
    assert_eq!(cells2, cells40, "the cells do not grow with replicas");
    assert!(grouped40 < grouped2 * 25, "grouped grows with the pod list only: {grouped2} -> {grouped40} bytes");
    assert!(pods40 > pods2 * 300, "per pod grows with pods squared: {pods2} -> {pods40} bytes");
}

#[test]
fn grouped_is_for_json_only() {
    let run = matrix(&["-n", "shop", "--grouped"]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("use it with -o json"), "{run}");
}
