//! Bad input of every kind: exit 2, nothing on stdout, one `error: ` message on stderr saying what
//! was wrong, where, and how to fix it, and never a panic (the harness checks that on every run).

use crate::harness::{Deny, Run, why};

/// `why` on manifests given on stdin.
fn why_stdin(manifests: &str, args: &[&str]) -> Run {
    let mut all = vec!["why", "-f", "-"];
    all.extend_from_slice(args);
    Deny::new(&all).stdin(manifests.as_bytes()).run()
}

/// A pod `a`, then a NetworkPolicy `shop/p` with `spec` (indented by two spaces), as document 2.
fn policy_doc(spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
         metadata: {{name: p, namespace: shop}}\nspec:\n{spec}\n"
    )
}

/// The policy is rejected the way the API server would reject it: the error names the document,
/// the object, the field, what is wrong, and a `fix:` line.
#[track_caller]
fn rejected(spec: &str, field: &str, what: &str, fix: &str) {
    let run = why_stdin(&policy_doc(spec), &["a", "a"]);
    run.error()
        .stderr_has("error: stdin: document 2 (line 4): NetworkPolicy shop/p: ")
        .stderr_has(&format!("{field}: {what}"))
        .stderr_has(&format!("\n  fix: {fix}"));
}

// ---------------------------------------------------------------------------------------------
// Endpoints that do not exist

#[test]
fn unknown_pod_suggests_close_names() {
    why("matrix_grouping", &["-n", "shop", "web-a", "ap-0"])
        .error()
        .stderr_has("error: pod \"ap-0\" not found in namespace \"shop\"\n  did you mean: api-0?");
    why("matrix_grouping", &["-n", "shop", "web-a", "web-d"]).error().stderr_has("did you mean: web-a, web-b, web-c?");
}

#[test]
fn unknown_pod_named_like_a_workload_lists_its_generated_pods() {
    why("matrix_grouping", &["-n", "shop", "web-a", "web"])
        .error()
        .stderr_has("pod \"web\" not found in namespace \"shop\"\n  pods named web-...: web-a, web-b, web-c");
}

#[test]
fn unknown_pod_names_the_namespaces_where_that_name_exists() {
    why("and_vs_or_peers", &["-n", "shop", "debug", "db:5432"]).error().stderr_has(
        "error: pod \"debug\" not found in namespace \"shop\"\n  a pod named debug exists in namespace tools: use -n \
         tools or tools/debug",
    );
    why("and_vs_or_peers", &["tools/db", "shop/db:5432"])
        .error()
        .stderr_has("a pod named db exists in namespace shop: use -n shop or shop/db");
}

#[test]
fn unknown_namespace_says_it_has_no_pods() {
    why("matrix_grouping", &["-n", "nowhere", "shop/web-a", "ghost"])
        .error()
        .stderr_has("pod \"ghost\" not found in namespace \"nowhere\"")
        .stderr_has("namespace \"nowhere\" has no pods in the objects read");
    why("workload_template_no_pods", &["-n", "shp", "deploy/api", "deploy/api"]).error().stderr_has(
        "error: deployment \"api\" not found in namespace \"shp\"\n  it exists in namespace shop: use -n shop",
    );
}

#[test]
fn unknown_workload_suggests_close_names_and_other_kinds() {
    why("workload_template_no_pods", &["-n", "shop", "deploy/apii", "deploy/api"])
        .error()
        .stderr_has("error: deployment \"apii\" not found in namespace \"shop\"\n  did you mean: api?");
    why("workload_template_no_pods", &["-n", "shop", "sts/api", "deploy/api"])
        .error()
        .stderr_has("error: statefulset \"api\" not found in namespace \"shop\"\n  but deploy/api exists");
}

#[test]
fn unknown_service_suggests_close_names() {
    why("service_port_vs_target_port", &["-n", "shop", "web", "svc/apo"])
        .error()
        .stderr_has("error: service \"apo\" not found in namespace \"shop\"\n  did you mean: api?");
}

#[test]
fn a_service_port_that_does_not_exist_lists_the_service_ports() {
    why("service_port_vs_target_port", &["-n", "shop", "web", "svc/api:81"])
        .error()
        .stderr_has("error: service shop/api has no port 81; its ports: 80/TCP (http) -> 8080");
    why("service_port_vs_target_port", &["-n", "shop", "web", "svc/api:8080"]).error().stderr_has(
        "service shop/api has no port 8080; its ports: 80/TCP (http) -> 8080; 8080 is a target port: ask the pods \
         directly",
    );
    why("service_port_vs_target_port", &["-n", "shop", "web", "svc/api:80/udp"])
        .error()
        .stderr_has("service shop/api has no port 80 on UDP");
}

#[test]
fn a_missing_named_service_port_reads_well() {
    why("service_port_vs_target_port", &["-n", "shop", "web", "svc/api:grpc"])
        .error()
        .stderr_lacks("no a port")
        .stderr_has("has no port named \"grpc\"");
}

#[test]
fn unknown_named_port_lists_the_pod_ports() {
    why("matrix_grouping", &["-n", "shop", "web-a", "api-0:grpc"]).error().stderr_has(
        "error: pod shop/api-0 has no container port named \"grpc\"; its ports: http (TCP 8080), metrics (TCP 9102)",
    );
}

#[test]
fn named_port_with_the_wrong_protocol_says_which_protocol_it_has() {
    why("named_port_protocol_mismatch", &["-n", "shop", "web", "kube-system/coredns-0:dns/tcp"]).error().stderr_has(
        "error: port \"dns\" of pod kube-system/coredns-0 is UDP 53, not TCP; drop the /tcp suffix or use /udp",
    );
}

#[test]
fn a_named_port_on_an_address_needs_a_number() {
    why("ip_block_except", &["-n", "shop", "api", "93.184.216.34:https"])
        .error()
        .stderr_has("named port \"https\" needs a pod to resolve it on")
        .stderr_has("give a number");
}

#[test]
fn a_namespace_named_like_a_kind_gets_a_working_suggestion() {
    let manifests = "\
apiVersion: v1
kind: Pod
metadata: {name: worker-1, namespace: jobs}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
";
    // Either `jobs/worker-1` names the pod, or the error says how to write it; and the suggestion
    // given for the bare name must be a command that works.
    let qualified = why_stdin(manifests, &["web", "jobs/worker-1:80"]);
    assert!(qualified.code == Some(0) || qualified.stderr.contains("jobs/pod/worker-1"), "{qualified}");
    why_stdin(manifests, &["web", "jobs/pod/worker-1:80"]).allowed();
    let bare = why_stdin(manifests, &["web", "worker-1:80"]);
    bare.error();
    assert!(qualified.code == Some(0) || !bare.stderr.contains("or jobs/worker-1"), "{bare}");
}

// ---------------------------------------------------------------------------------------------
// Malformed FROM and TO

#[test]
fn malformed_endpoints_say_what_is_wrong() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "web-a",
            "shop/web-a/x/y",
            "invalid TO \"shop/web-a/x/y\": too many '/': use NAME, NS/NAME, KIND/NAME or NS/KIND/NAME",
        ),
        (
            "web-a",
            "shop/bogus/web",
            "\"bogus\" is not a kind; use NS/KIND/NAME with pod, deploy, sts, ds, rs, job, cronjob or svc",
        ),
        ("Web-A", "api-0", "invalid FROM \"Web-A\": name \"Web-A\": names are lower case letters"),
        ("", "api-0", "FROM is empty: name a pod, a workload (deploy/NAME), or an IP address"),
        ("web-a", "", "TO is empty: name a pod, a workload (deploy/NAME), a Service (svc/NAME), or an IP address"),
        ("web-a", "[::1", "invalid TO \"[::1\": missing ']' after the IPv6 address"),
        ("web-a", "api-0::80", "too many ':' (write an IPv6 address with a port as [ADDR]:PORT)"),
        ("web-a", "api-0:", "empty port after ':'; give a number (1-65535) or a named container port"),
        ("web-a", "api-0:HTTP", "\"HTTP\" is neither a port number nor a valid port name"),
        ("SHOP/web-a", "api-0", "invalid FROM \"SHOP/web-a\": namespace \"SHOP\""),
    ];
    for (from, to, message) in cases {
        why("matrix_grouping", &["-n", "shop", from, to]).error().stderr_has(message);
    }
}

/// Issue 10, item 19: a CIDR is not an endpoint, and the error says what to write instead.
#[test]
fn a_cidr_is_not_an_endpoint() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "10.0.0.1/24",
            "api-0:80",
            "invalid FROM \"10.0.0.1/24\": 10.0.0.1/24 is a range of addresses (CIDR), not an endpoint",
        ),
        (
            "web-a",
            "10.0.0.0/8:443",
            "invalid TO \"10.0.0.0/8:443\": 10.0.0.0/8 is a range of addresses (CIDR), not an endpoint",
        ),
        ("web-a", "10.0.0.0/8:443/udp", "10.0.0.0/8 is a range of addresses (CIDR)"),
        ("web-a", "2001:db8::/32", "2001:db8::/32 is a range of addresses (CIDR)"),
        ("web-a", "[2001:db8::/32]:443", "2001:db8::/32 is a range of addresses (CIDR)"),
    ];
    for (from, to, message) in cases {
        why("matrix_grouping", &["-n", "shop", from, to])
            .error()
            .stderr_has(message)
            .stderr_has("name one address of it (e.g. ");
    }
}

#[test]
fn port_out_of_range_names_the_range() {
    for to in ["api-0:0", "api-0:65536", "api-0:99999999999"] {
        why("matrix_grouping", &["-n", "shop", "web-a", to]).error().stderr_has("is out of range; use 1-65535");
    }
}

#[test]
fn bad_protocol_names_the_valid_ones() {
    why("matrix_grouping", &["-n", "shop", "web-a", "api-0:8080/icmp"])
        .error()
        .stderr_has("error: invalid TO \"api-0:8080/icmp\": unknown protocol \"icmp\"; use tcp, udp or sctp");
}

#[test]
fn a_service_cannot_be_the_source() {
    why("service_port_vs_target_port", &["-n", "shop", "svc/api", "web"])
        .error()
        .stderr_has("error: invalid FROM \"svc/api\": a Service cannot be a source: traffic comes from its pods; name the workload instead (e.g. deploy/NAME)");
}

#[test]
fn a_port_on_the_source_is_refused() {
    why("matrix_grouping", &["-n", "shop", "web-a:80", "api-0"])
        .error()
        .stderr_has("a port and protocol belong on TO, the destination (the source port is ephemeral)");
    why("matrix_grouping", &["-n", "shop", "web-a/udp", "api-0"]).error().stderr_has("belong on TO");
}

// ---------------------------------------------------------------------------------------------
// Invalid policies, as the API server would reject them

#[test]
fn invalid_cidr_is_rejected() {
    rejected(
        "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]",
        "spec.ingress[0].from[0].ipBlock.cidr",
        "\"10.0.0.0/33\" is not a valid CIDR",
        "write an address and a prefix length, such as 10.0.0.0/8 or fd00::/8",
    );
    rejected(
        "  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.5}}]}]",
        "spec.egress[0].to[0].ipBlock.cidr",
        "\"10.0.0.5\" is an address, not a CIDR",
        "add a prefix length: 10.0.0.5/32 for this one address",
    );
}

#[test]
fn except_outside_cidr_is_rejected() {
    rejected(
        "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]",
        "spec.ingress[0].from[0].ipBlock.except[0]",
        "192.168.0.0/16 must be a strict subset of `cidr` 10.0.0.0/8",
        "list only ranges inside 10.0.0.0/8 and smaller than it, or widen `cidr`",
    );
    rejected(
        "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]",
        "spec.ingress[0].from[0].ipBlock.except[0]",
        "10.0.0.0/8 must be a strict subset of `cidr` 10.0.0.0/8",
        "list only ranges inside",
    );
}

#[test]
fn invalid_selector_operator_is_rejected() {
    rejected(
        "  podSelector: {matchExpressions: [{key: app, operator: Equals, values: [a]}]}",
        "spec.podSelector.matchExpressions[0].operator",
        "unknown operator \"Equals\"",
        "use one of In, NotIn, Exists, DoesNotExist",
    );
}

#[test]
fn in_without_values_is_rejected() {
    rejected(
        "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: In}]}}]}]",
        "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values",
        "must be specified when `operator` is In",
        "list at least one value, or use Exists / DoesNotExist",
    );
    rejected(
        "  podSelector: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}",
        "spec.podSelector.matchExpressions[0].values",
        "may not be specified when `operator` is Exists",
        "remove `values`",
    );
}

#[test]
fn end_port_needs_a_numeric_port() {
    rejected(
        "  podSelector: {}\n  ingress: [{ports: [{endPort: 90}]}]",
        "spec.ingress[0].ports[0].endPort",
        "90: may not be specified when `port` is not specified",
        "set `port` to the first port of the range",
    );
    rejected(
        "  podSelector: {}\n  ingress: [{ports: [{port: http, endPort: 90}]}]",
        "spec.ingress[0].ports[0].endPort",
        "90: may not be specified when `port` is non-numeric (\"http\")",
        "use a port number for `port`, or remove `endPort`",
    );
    rejected(
        "  podSelector: {}\n  ingress: [{ports: [{port: 90, endPort: 80}]}]",
        "spec.ingress[0].ports[0].endPort",
        "80 must be greater than or equal to `port` (90)",
        "swap `port` and `endPort`",
    );
}

#[test]
fn bad_policy_types_are_rejected() {
    rejected(
        "  podSelector: {}\n  policyTypes: [ingress]",
        "spec.policyTypes[0]",
        "unsupported policy type \"ingress\"",
        "write it as `Ingress`",
    );
    rejected(
        "  podSelector: {}\n  policyTypes: [Ingress, Egress, Ingress]",
        "spec.policyTypes",
        "may not specify more than two policyTypes",
        "list Ingress, Egress or both",
    );
}

#[test]
fn bad_ports_and_protocols_in_a_policy_are_rejected() {
    rejected(
        "  podSelector: {}\n  ingress: [{ports: [{port: 80, protocol: tcp}]}]",
        "spec.ingress[0].ports[0].protocol",
        "unsupported protocol \"tcp\"",
        "write it in upper case: TCP",
    );
    rejected(
        "  podSelector: {}\n  ingress: [{ports: [{port: 70000}]}]",
        "spec.ingress[0].ports[0].port",
        "70000 is not a valid port number",
        "use a number between 1 and 65535",
    );
    rejected(
        "  podSelector: {}\n  ingress: [{ports: [{port: \"80\"}]}]",
        "spec.ingress[0].ports[0].port",
        "port name \"80\" must contain at least one letter",
        "use a port number",
    );
}

#[test]
fn an_empty_or_mixed_peer_is_rejected() {
    rejected(
        "  podSelector: {}\n  ingress: [{from: [{}]}]",
        "spec.ingress[0].from[0]",
        "must specify a peer",
        "give the entry a podSelector, a namespaceSelector or an ipBlock; to match every peer, leave out `from` instead",
    );
    rejected(
        "  podSelector: {}\n  egress: [{to: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]",
        "spec.egress[0].to[0]",
        "may not specify both ipBlock and another peer",
        "split it into two `to` entries (entries are ORed)",
    );
}

// ---------------------------------------------------------------------------------------------
// Files that cannot be read or parsed

#[test]
fn malformed_yaml_names_the_file_document_and_line() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  labels: [x\n";
    why_stdin(text, &["a", "b"]).error().stderr_has("error: stdin: document 2, line 9");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, "apiVersion: v1\nkind: Pod\nmetadata: {name: a\n").expect("write");
    let file = path.to_str().expect("UTF-8 path");
    Deny::new(&["why", "-f", file, "a", "a"]).run().error().stderr_has(&format!("error: {file}: document 1, line "));
}

#[test]
fn malformed_json_names_the_file_and_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("pods.json");
    std::fs::write(&path, "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n\"metadata\": {\"name\": }}\n").expect("write");
    let file = path.to_str().expect("UTF-8 path");
    Deny::new(&["why", "-f", file, "a", "a"])
        .run()
        .error()
        .stderr_has(&format!("error: {file}: document 1, line 2"))
        .stderr_has("metadata.name");
}

#[test]
fn wrong_field_types_name_the_field() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, ports: [{containerPort: abc}]}]}\n";
    why_stdin(text, &["a", "a"])
        .error()
        .stderr_has("error: stdin: document 1, line 4")
        .stderr_has("spec.containers[0].ports[0].containerPort");
    let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  policyTypes: Ingress\n";
    why_stdin(text, &["a", "a"]).error().stderr_has("document 1, line 6").stderr_has("spec.policyTypes");
}

#[test]
fn a_manifest_without_kind_is_not_an_object_and_alone_is_nothing_read() {
    why_stdin("apiVersion: v1\nmetadata: {name: x}\n", &["a", "a"])
        .error()
        .stderr_has("nothing was read from -f: stdin: skipped, not a Kubernetes object (no kind)");
    why_stdin("apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, metadata: {name: x}}]\n", &["a", "a"])
        .error()
        .stderr_has("missing `kind`: every manifest needs `apiVersion` and `kind`");
}

#[test]
fn an_object_without_a_name_is_rejected() {
    why_stdin("apiVersion: v1\nkind: Pod\nmetadata: {namespace: shop}\n", &["a", "a"])
        .error()
        .stderr_has("Pod without a name in namespace shop")
        .stderr_has("metadata.name")
        .stderr_has("give the object a `metadata.name`");
}

#[test]
fn a_file_that_does_not_exist_is_named() {
    Deny::new(&["why", "-f", "no-such-dir/cluster.yaml", "a", "b"])
        .run()
        .error()
        .stderr_has("error: cannot read no-such-dir/cluster.yaml: no such file or directory");
}

#[test]
fn an_unreadable_file_in_a_directory_is_named() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("ok.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n").expect("write");
    let link = dir.path().join("dangling.yaml");
    std::os::unix::fs::symlink(dir.path().join("gone.yaml"), &link).expect("a symlink");
    let path = dir.path().to_str().expect("UTF-8 path");
    Deny::new(&["why", "-f", path, "a", "a"])
        .run()
        .error()
        .stderr_has(&format!("cannot read {}", link.display()))
        .stderr_has("no such file or directory");
}

#[test]
fn a_file_without_read_permission_is_named() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("secret.yaml");
    std::fs::write(&path, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n").expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not stop reading. The dangling-symlink test covers the path.
        return;
    }
    let file = path.to_str().expect("UTF-8 path");
    Deny::new(&["why", "-f", file, "a", "a"]).run().error().stderr_has(&format!("cannot read {file}"));
}

#[test]
fn a_directory_without_manifests_is_an_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("README.md"), "# notes\n").expect("write");
    let path = dir.path().to_str().expect("UTF-8 path");
    Deny::new(&["why", "-f", path, "a", "b"])
        .run()
        .error()
        .stderr_has("no manifests found (looked for *.yaml, *.yml and *.json files, hidden ones skipped)");
}

#[test]
fn stdin_can_be_read_only_once() {
    Deny::new(&["why", "-f", "-", "-f", "-", "a", "a"])
        .stdin(b"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n")
        .run()
        .error()
        .stderr_has("error: -f - (stdin) can be given only once");
}

#[test]
fn empty_stdin_is_nothing_read() {
    Deny::new(&["why", "-f", "-", "a", "b"]).stdin(b"").run().error().stderr_has("nothing was read from -f: stdin");
}

#[test]
fn no_manifests_and_no_kubeconfig_says_how_to_fix_it() {
    Deny::new(&["why", "a", "b"])
        .run()
        .error()
        .stderr_has("error: no kubeconfig found")
        .stderr_has("set --kubeconfig or KUBECONFIG, or read manifests instead with -f");
}

// ---------------------------------------------------------------------------------------------
// Flags

#[test]
fn why_takes_one_namespace() {
    why("matrix_grouping", &["-n", "shop", "-n", "other", "web-a", "api-0"]).error().stderr_has(
        "error: why takes one -n (the namespace for names without one); write NS/NAME to name pods of other namespaces",
    );
}

#[test]
fn why_does_not_take_all_namespaces() {
    why("matrix_grouping", &["-A", "shop/web-a", "shop/api-0"])
        .error()
        .stderr_has("error: -A does not apply to why, which explains one flow");
}

#[test]
fn bad_request_timeout_says_the_syntax() {
    why("matrix_grouping", &["--request-timeout", "10x", "shop/web-a", "shop/api-0"])
        .error()
        .stderr_has("error: invalid --request-timeout \"10x\"")
        .stderr_has("such as 10s, 2m or 1m30s (0 means no bound)");
}

#[test]
fn bad_color_and_output_values_list_the_possible_ones() {
    why("matrix_grouping", &["--color", "sometimes", "shop/web-a", "shop/api-0"])
        .error()
        .stderr_has("invalid value 'sometimes' for '--color <WHEN>'")
        .stderr_has("[possible values: auto, always, never]");
    why("matrix_grouping", &["-o", "csv", "shop/web-a", "shop/api-0"])
        .error()
        .stderr_has("[possible values: table, wide, json, yaml, name]");
}

#[test]
fn unknown_flags_and_missing_arguments_show_usage_as_kubectl_deny() {
    why("matrix_grouping", &["shop/web-a", "shop/api-0", "--bogus"])
        .error()
        .stderr_has("unexpected argument '--bogus' found")
        .stderr_has("Usage: kubectl deny why")
        .stderr_lacks("kubectl-deny why");
    Deny::new(&["why", "web"]).run().error().stderr_has("<TO[:PORT][/PROTOCOL]>").stderr_has("Usage: kubectl deny why");
    Deny::new(&["frobnicate"])
        .run()
        .error()
        .stderr_has("unrecognized subcommand 'frobnicate'")
        .stderr_has("kubectl deny");
}

#[test]
fn version_honours_or_refuses_the_output_format() {
    let run = Deny::new(&["version", "-o", "yaml"]).run();
    let refused = run.code == Some(2) && run.stderr.contains("version does not support -o yaml");
    let honoured = run.code == Some(0) && !run.stdout.starts_with("kubectl-deny ");
    assert!(refused || honoured, "{run}");
}

#[test]
fn type_errors_speak_kubernetes_not_rust() {
    // An empty label value (`app:` is null) is stored by the API server as "": not an error.
    why_stdin("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    app:\n", &["a", "a"]).allowed();
    for (text, field) in [
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, ports: [{containerPort: abc}]}]}\n",
            "containerPort",
        ),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: [app]}\n", "metadata.labels"),
    ] {
        let run = why_stdin(text, &["a", "a"]);
        run.error().stderr_has(field);
        for jargon in ["i64", "Option<", "deserialize", "mapping start", "sequence start"] {
            run.stderr_lacks(jargon);
        }
    }
}

#[test]
fn policies_of_other_engines_are_a_caveat_not_silence() {
    let manifests = "\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l7-rules, namespace: default}
spec: {endpointSelector: {}}
---
apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: cluster-guardrails}
spec: {priority: 10}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
---
apiVersion: v1
kind: Pod
metadata: {name: db}
";
    why_stdin(manifests, &["web", "db:5432"])
        .allowed()
        .stdout_has("policies of other engines were found (Antrea ClusterNetworkPolicy cluster-guardrails)")
        // Cilium's policies are evaluated (issue 13): no longer a policy of another engine.
        .stdout_lacks("CiliumNetworkPolicy default/l7-rules");
    let v = Deny::new(&["why", "-f", "-", "web", "db:5432", "-o", "json"]).stdin(manifests.as_bytes()).run().json();
    assert!(v["caveats"].as_array().unwrap().iter().any(|c| c["kind"] == "other-policy-engines"), "{v}");
    let list = Deny::new(&["list", "-f", "-"]).stdin(manifests.as_bytes()).run();
    assert_eq!(list.code, Some(0), "{list}");
    list.stderr_has("Warning: policies of other engines were found");
}

/// Issue 10, item 10: clap's "a similar argument exists" tip named `--namespace` for kubectl flags
/// such as `--as`; it is kept only for a prefix or a typo of the flag it names.
#[test]
fn unknown_flags_get_a_tip_only_when_it_is_close() {
    for flag in ["--ns", "--me"] {
        let run = why("matrix_grouping", &["-n", "shop", flag, "x", "web-a", "api-0"]);
        run.error().stderr_has(&format!("unexpected argument '{flag}' found")).stderr_lacks("--namespace");
        assert!(run.stderr.contains("Usage: kubectl deny why [OPTIONS] <FROM> <TO[:PORT][/PROTOCOL]>"), "{run}");
    }
    why("matrix_grouping", &["-n", "shop", "--nmespace", "x", "web-a", "api-0"])
        .error()
        .stderr_has("tip: a similar argument exists: '--namespace'");
    why("matrix_grouping", &["-n", "shop", "--ou", "json", "web-a", "api-0"])
        .error()
        .stderr_has("tip: a similar argument exists: '--output'");
}

/// Issue 13: a CiliumNetworkPolicy is validated as Cilium and its CRD would (exit 2, with the file,
/// document, line, field and fix), and a key its CRD does not define is a warning naming the
/// field it likely meant: `fromEndpoint` dropped would make the rule admit every peer.
#[test]
fn cilium_policies_are_validated_and_their_typos_named() {
    let pods = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: db, labels: {app: db}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web}\n";
    let invalid = format!(
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: p}}\nspec:\n  endpointSelector: {{}}\n  egress:\n  - toEntities: [wrld]\n{pods}"
    );
    why_stdin(&invalid, &["web", "db:5432"])
        .error()
        .stderr_has("CiliumNetworkPolicy default/p: spec.egress[0].toEntities[0]: unknown entity \"wrld\"")
        .stderr_has("fix: use one of all, world");
    let typo = format!(
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: p}}\nspec:\n  endpointSelector: {{matchLabels: {{app: db}}}}\n  ingress:\n  - fromEndpoint: [{{matchLabels: {{app: api}}}}]\n    toPorts: [{{ports: [{{port: \"5432\"}}]}}]\n{pods}"
    );
    let run = why_stdin(&typo, &["web", "db:5432"]);
    assert_eq!(run.code, Some(0), "{run}");
    run.stderr_has("line 7: CiliumNetworkPolicy default/p: spec.ingress[0].fromEndpoint: unknown field")
        .stderr_has("did you mean fromEndpoints?");
}
