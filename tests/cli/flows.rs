//! `audit --flows`, `diff` and `init --flows` on the example cluster (`examples/`) and its Hubble
//! flows (`examples/flows/hubble.jsonl`): exit statuses, what is reported where, and the
//! migration round trip through the binary (the printed allows, given back with `-f`, make
//! `init --flows` go ahead).

use serde_json::Value;

use crate::harness::{Deny, Run};

fn examples() -> String {
    format!("{}/examples", env!("CARGO_MANIFEST_DIR"))
}

fn hubble() -> String {
    format!("{}/examples/flows/hubble.jsonl", env!("CARGO_MANIFEST_DIR"))
}

fn deny(args: &[&str]) -> Run {
    Deny::new(args).run()
}

#[test]
fn audit_reports_the_blast_radius_and_drops_and_exits_1_when_flows_would_be_cut() {
    let run = deny(&["audit", "-f", &examples(), "-n", "staging", "--flows", &hubble()]);
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(run.stderr, "", "{run}");
    assert!(run.stdout.contains("Cut by the starter kit in staging"), "{run}");
    assert!(run.stdout.contains("staging/pod/frontend-5f6d7c8b9-abcde   203.0.113.10   443/TCP"), "{run}");
    assert!(run.stdout.contains("Observed dropped in staging"), "{run}");
    // debug -> frontend was observed forwarded at debug's egress only (Hubble EGRESS): that
    // proves debug's egress allows it, not that frontend's ingress (which blocks it) does.
    assert!(!run.stdout.contains("Contradiction"), "{run}");
    assert!(
        run.stdout.contains("staging: allow-dns (apply), allow-ingress-controller (apply), default-deny-all (apply)"),
        "{run}"
    );
    assert!(run.stdout.contains("1 replies (allowed statefully, not flows)"), "{run}");
}

#[test]
fn audit_exits_0_when_nothing_would_be_cut_and_maps_dead_pods_to_their_deployment() {
    let run = deny(&["audit", "-f", &examples(), "-n", "production", "--flows", &hubble(), "-o", "wide"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("No observed flow would be cut"), "{run}");
    assert!(
        run.stdout.contains(
            "pod production/frontend-59c8d7f4b6-h2kxp (not found): by its name -> production/deploy/frontend"
        ),
        "{run}"
    );
    assert!(run.stdout.contains("FIRST SEEN"), "-o wide lists every flow: {run}");
}

#[test]
fn audit_json_has_the_counts_per_namespace() {
    let run = deny(&["audit", "-f", &examples(), "-n", "staging", "--flows", &hubble(), "-o", "json"]);
    assert_eq!(run.code, Some(1), "{run}");
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["cut"], 2);
    let ns = &v["namespaces"][0];
    assert_eq!(ns["namespace"], "staging");
    assert_eq!(ns["cut"].as_array().unwrap().len(), 2);
    assert_eq!(ns["contradictions"].as_array().unwrap().len(), 0, "{run}");
    assert_eq!(v["input"]["records"], 14);
}

#[test]
fn the_migration_round_trip_audit_allows_then_init_with_flows() {
    // The kit alone would cut observed flows: init --flows refuses, lists them, installs nothing.
    let refused = deny(&["init", "-f", &examples(), "-n", "staging", "-o", "yaml", "--flows", &hubble()]);
    assert_eq!(refused.code, Some(1), "{refused}");
    assert_eq!(refused.stdout, "", "nothing printed when refused: {refused}");
    assert!(refused.stderr.contains("would cut 2 observed flow(s)"), "{refused}");
    assert!(refused.stderr.contains("staging/pod/frontend-5f6d7c8b9-abcde -> 203.0.113.10 443/TCP"), "{refused}");
    // --force goes ahead, with the warning.
    let forced = deny(&["init", "-f", &examples(), "-n", "staging", "-o", "yaml", "--flows", &hubble(), "--force"]);
    assert_eq!(forced.code, Some(0), "{forced}");
    assert!(forced.stderr.contains("Warning: --force"), "{forced}");
    // The allows, printed by audit -o yaml and given back: nothing is cut any more.
    let allows = deny(&["audit", "-f", &examples(), "-n", "staging", "--flows", &hubble(), "-o", "yaml"]);
    assert_eq!(allows.code, Some(0), "{allows}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("allows.yaml");
    std::fs::write(&file, &allows.stdout).unwrap();
    let file = file.to_str().unwrap();
    let again = deny(&["audit", "-f", &examples(), "-f", file, "-n", "staging", "--flows", &hubble()]);
    assert_eq!(again.code, Some(0), "{again}");
    let init = deny(&["init", "-f", &examples(), "-f", file, "-n", "staging", "-o", "yaml", "--flows", &hubble()]);
    assert_eq!(init.code, Some(0), "{init}");
    assert!(init.stdout.contains("name: default-deny-all"), "{init}");
    // The whole migration as diff sees it, kit and allows: no observed flow changes verdict.
    let kit = dir.path().join("kit.yaml");
    std::fs::write(&kit, &init.stdout).unwrap();
    let kit = kit.to_str().unwrap();
    let diff = deny(&["diff", "-f", &examples(), "-n", "staging", "--with", kit, "--with", file, "--flows", &hubble()]);
    assert_eq!(diff.code, Some(0), "{diff}");
    assert!(diff.stdout.contains("Newly blocked (0):"), "{diff}");
    // The allows alone isolate frontend's egress: its DNS is cut until the kit's allow-dns is in.
    let alone = deny(&["diff", "-f", &examples(), "-n", "staging", "--with", file, "--flows", &hubble()]);
    assert_eq!(alone.code, Some(1), "{alone}");
    assert!(alone.stdout.contains("kube-system/pod/coredns-5d78c9869d-7xk2p   53/UDP"), "{alone}");
}

#[test]
fn flows_from_stdin_in_csv() {
    let run = Deny::new(&["audit", "-f", &examples(), "-n", "staging", "--flows", "-", "-o", "json"])
        .stdin(b"from,to,port,protocol,count\nstaging/debug,staging/frontend-5f6d7c8b9-abcde,8080,tcp,5\nstaging/frontend-5f6d7c8b9-abcde,kube-system/coredns-5d78c9869d-7xk2p,53,udp\n")
        .run();
    assert_eq!(run.code, Some(0), "{run}");
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["namespaces"][0]["flows"], 2);
    assert_eq!(v["namespaces"][0]["contradictions"].as_array().unwrap().len(), 0, "CSV is no evidence");
}

#[test]
fn flow_input_errors_exit_2_with_what_to_do() {
    let missing = deny(&["audit", "-f", &examples(), "--flows", "no-such-flows.json"]);
    assert_eq!(missing.code, Some(2), "{missing}");
    assert!(missing.stderr.starts_with("error: cannot read flows from no-such-flows.json"), "{missing}");
    let garbage = Deny::new(&["audit", "-f", &examples(), "--flows", "-"]).stdin(b"{oops\n").run();
    assert_eq!(garbage.code, Some(2), "{garbage}");
    assert!(
        garbage.stderr.contains("no flow could be read from stdin: 1 bad record(s) (the first, stdin line 1"),
        "{garbage}"
    );
    let cidr = deny(&["audit", "-f", &examples(), "--flows", &hubble(), "--group-cidr", "10.0.0.0/33"]);
    assert_eq!(cidr.code, Some(2), "{cidr}");
    assert!(cidr.stderr.contains("invalid --group-cidr"), "{cidr}");
    let required = deny(&["audit", "-f", &examples()]);
    assert_eq!(required.code, Some(2), "{required}");
    let both_stdin = deny(&["audit", "-f", "-", "--flows", "-"]);
    assert_eq!(both_stdin.code, Some(2), "{both_stdin}");
    assert!(both_stdin.stderr.contains("both read stdin"), "{both_stdin}");
}

#[test]
fn a_bad_line_among_good_ones_is_reported_with_its_line_not_fatal() {
    let good = std::fs::read_to_string(hubble()).unwrap();
    let text = format!("{good}{{\"flow\": {{\"verdict\": \"FORWARDED\"}}}}\n");
    let run = Deny::new(&["audit", "-f", &examples(), "-n", "staging", "--flows", "-"]).stdin(text.as_bytes()).run();
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stdout.contains("Bad records: 1 (not replayed)\n  stdin line 17: Hubble record: no l4"), "{run}");
}

#[test]
fn diff_is_a_ci_gate_exit_1_when_a_change_blocks_what_was_allowed() {
    let run = deny(&["diff", "-f", &examples(), "-n", "production", "--without", "production/api-ingress"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stdout.contains("Newly blocked (1):"), "{run}");
    assert!(run.stdout.contains("production/deploy/frontend   production/deploy/api   8080/TCP"), "{run}");
    let flows = deny(&[
        "diff",
        "-f",
        &examples(),
        "-n",
        "production",
        "--without",
        "api-ingress",
        "--flows",
        &hubble(),
        "-o",
        "json",
    ]);
    assert_eq!(flows.code, Some(1), "{flows}");
    let v: Value = serde_json::from_str(&flows.stdout).unwrap();
    let blocked: Vec<(&str, &str)> = v["newlyBlocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["from"].as_str().unwrap(), c["ports"][0].as_str().unwrap()))
        .collect();
    assert_eq!(blocked, vec![("monitoring/pod/prometheus-0", "9102/TCP"), ("production/deploy/frontend", "8080/TCP")]);
}

#[test]
fn diff_reports_newly_allowed_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("open.yaml");
    std::fs::write(
        &file,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open-frontend, namespace: staging}\nspec:\n  podSelector: {matchLabels: {app: frontend}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: debug}}}]}]\n",
    )
    .unwrap();
    let run = deny(&["diff", "-f", &examples(), "-n", "staging", "--with", file.to_str().unwrap(), "--all-ports"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("Newly allowed (1):"), "{run}");
    assert!(run.stdout.contains("staging/pod/debug   staging/pod/frontend-5f6d7c8b9-abcde   every port"), "{run}");
}

#[test]
fn diff_errors_name_the_fix() {
    let none = deny(&["diff", "-f", &examples()]);
    assert_eq!(none.code, Some(2), "{none}");
    assert!(none.stderr.contains("diff needs a change"), "{none}");
    let missing = deny(&["diff", "-f", &examples(), "--without", "production/nope"]);
    assert_eq!(missing.code, Some(2), "{missing}");
    assert!(missing.stderr.contains("there is no NetworkPolicy nope in namespace production"), "{missing}");
}

fn examples_cilium() -> String {
    format!("{}/examples-cilium", env!("CARGO_MANIFEST_DIR"))
}

/// On a Cilium cluster `diff` weighs Cilium's policies like the others: removing the clusterwide
/// default deny that carried the DNS allow cuts DNS for the pods still egress-isolated by other
/// policies, and a pull request adding a CiliumNetworkPolicy is compared, not ignored.
#[test]
fn diff_on_a_cilium_cluster_adds_and_removes_cilium_policies() {
    let run = deny(&["diff", "-f", &examples_cilium(), "-n", "production", "--without", "cnp/postgres"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stdout.contains("production/deploy/api   production/sts/postgres   5432/TCP"), "{run}");
    let run = deny(&["diff", "-f", &examples_cilium(), "-A", "--without", "ccnp/default-deny", "-o", "json"]);
    assert_eq!(run.code, Some(1), "{run}");
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let dns: Vec<&str> = v["newlyBlocked"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["to"].as_str().unwrap().starts_with("kube-system/pod/coredns"))
        .map(|c| c["from"].as_str().unwrap())
        .collect();
    assert!(dns.contains(&"production/deploy/api"), "{}", run.stdout);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deny.yaml");
    std::fs::write(
        &file,
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: no-api-to-db, namespace: production}\nspec:\n  endpointSelector: {matchLabels: {app: postgres}}\n  ingressDeny: [{fromEndpoints: [{matchLabels: {app: api}}]}]\n",
    )
    .unwrap();
    let added = deny(&["diff", "-f", &examples_cilium(), "-n", "production", "--with", file.to_str().unwrap()]);
    assert_eq!(added.code, Some(1), "a Cilium deny rule in --with is weighed: {added}");
    assert!(added.stdout.contains("production/deploy/api   production/sts/postgres   5432/TCP"), "{added}");
    let missing = deny(&["diff", "-f", &examples_cilium(), "--without", "ccnp/nope"]);
    assert_eq!(missing.code, Some(2), "{missing}");
    assert!(
        missing.stderr.contains(
            "there is no CiliumClusterwideNetworkPolicy nope (check with: kubectl get ciliumclusterwidenetworkpolicies)"
        ),
        "{missing}"
    );
    let bad = deny(&["diff", "-f", &examples_cilium(), "--without", "ccnp/production/x"]);
    assert_eq!(bad.code, Some(2), "{bad}");
    assert!(bad.stderr.contains("a CiliumClusterwideNetworkPolicy has no namespace"), "{bad}");
}

/// Every format: a file of nothing but bad records is an error (exit 2, nothing on stdout) naming
/// the input, the line, the field and the shape a line must have; a bad record among good ones
/// is a warning on stderr wherever stdout is for programs (YAML, JSON, diff, init).
#[test]
fn malformed_flow_records_in_every_format_name_file_line_field_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "hubble.jsonl",
            b"{\"flow\":{\"verdict\":\"FORWARDED\",\"l4\":{\"TCP\":{\"destination_port\":\"http\"}}}}\n",
            "hubble.jsonl line 1: Hubble record: field flow.l4.TCP.destination_port: invalid type: string \"http\", expected u32 (column 69)); fix or remove those lines (a Hubble line is one flow as hubble observe -o json or -o jsonpb prints it)",
        ),
        (
            "calico.jsonl",
            b"{\"dest_port\":8080,\"proto\":\"tcp\",\"action\":\"allow\",\"reporter\":\"dst\",\"source_type\":\"net\",\"source_ip\":\"10.0.0.300\"}\n",
            "calico.jsonl line 1: Calico record: field source_ip: \"10.0.0.300\" is not an IP address); fix or remove those lines (a Calico line is one flow log record in JSON",
        ),
        (
            "flows.csv",
            b"from,to,port,protocol\nstaging/debug,staging/frontend,http,tcp\n",
            "flows.csv line 2: port \"http\" is not a number); fix or remove those lines (a CSV line is from,to,port,protocol[,count]",
        ),
        (
            "flows.tsv",
            b"staging/debug\tstaging/frontend\t8080\ttcp\t-3\n",
            "flows.tsv line 1: count \"-3\" is not a whole number); fix or remove those lines (a CSV line",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        for output in ["wide", "json", "yaml"] {
            let run = deny(&["audit", "-f", &examples(), "-n", "staging", "--flows", path, "-o", output]);
            assert_eq!(run.code, Some(2), "{run}");
            assert_eq!(run.stdout, "", "never a partial write: {run}");
            assert!(run.stderr.starts_with("error: no flow could be read from "), "{run}");
            assert!(run.stderr.contains(expected), "{name}: {run}");
        }
        let init = deny(&["init", "-f", &examples(), "-n", "staging", "-o", "yaml", "--flows", path]);
        assert_eq!((init.code, init.stdout.as_str()), (Some(2), ""), "{init}");
        let diff = deny(&["diff", "-f", &examples(), "-n", "staging", "--without", "x/y", "--flows", path]);
        assert_eq!((diff.code, diff.stdout.as_str()), (Some(2), ""), "{diff}");
    }
    // A truncated gzip export: an error, not the part before the cut.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, std::fs::read(hubble()).unwrap().repeat(20).as_slice()).unwrap();
    let bytes = gz.finish().unwrap();
    let cut = dir.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let run = deny(&["audit", "-f", &examples(), "-n", "staging", "--flows", cut.to_str().unwrap()]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{run}");
    assert!(run.stderr.contains("cut.jsonl.gz: its gzip stream is cut short or corrupt"), "{run}");
}

#[test]
fn a_bad_record_among_good_ones_is_a_warning_on_stderr_for_yaml_json_diff_and_init() {
    let good = std::fs::read_to_string(hubble()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.jsonl");
    std::fs::write(&path, format!("{good}{{\"flow\":{{\"verdict\":\"FORWARDED\",\"is_reply\":\"no\"}}}}\n")).unwrap();
    let path = path.to_str().unwrap();
    let warning = "Warning: 1 bad flow record(s) skipped, not replayed; fix or remove those lines (a Hubble line is one flow as hubble observe -o json or -o jsonpb prints it):\n  ";
    let line = "flows.jsonl line 17: Hubble record: field flow.is_reply: invalid type: string \"no\", expected a boolean (column 46)\n";
    let yaml = deny(&["audit", "-f", &examples(), "-n", "staging", "--flows", path, "-o", "yaml"]);
    assert_eq!(yaml.code, Some(0), "{yaml}");
    assert!(yaml.stdout.contains("kind: NetworkPolicy") && !yaml.stdout.contains("bad"), "{yaml}");
    assert!(yaml.stderr.contains(warning) && yaml.stderr.contains(line), "{yaml}");
    let json = deny(&["audit", "-f", &examples(), "-n", "staging", "--flows", path, "-o", "json"]);
    assert_eq!(json.code, Some(1), "{json}");
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["input"]["bad"], 1);
    assert!(json.stderr.contains(warning), "{json}");
    let table = deny(&["audit", "-f", &examples(), "-n", "staging", "--flows", path]);
    assert!(table.stdout.contains("Bad records: 1 (not replayed)"), "{table}");
    assert!(table.stdout.contains("To replay them, fix or remove those lines"), "{table}");
    assert_eq!(table.stderr, "", "the table says it once, in its report: {table}");
    let diff = deny(&["diff", "-f", &examples(), "-n", "production", "--without", "api-ingress", "--flows", path]);
    assert_eq!(diff.code, Some(1), "{diff}");
    assert!(diff.stderr.contains(warning) && diff.stderr.contains(line), "{diff}");
    let init = deny(&["init", "-f", &examples(), "-n", "production", "-o", "yaml", "--flows", path]);
    assert_eq!(init.code, Some(0), "{init}");
    assert!(init.stderr.contains(warning) && init.stderr.contains(line), "{init}");
}

#[test]
fn audit_baseline_audits_every_namespace_and_cuts_the_covered_ones_only() {
    // The namespace kit in production alone cuts nothing there; the Baseline deny covers
    // monitoring too, whose egress to production's api it denies.
    let kit = deny(&["audit", "-f", &examples(), "-n", "production", "--flows", &hubble()]);
    assert_eq!(kit.code, Some(0), "{kit}");
    let run = deny(&["audit", "-f", &examples(), "--flows", &hubble(), "--baseline"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(run.stderr, "", "{run}");
    assert!(run.stdout.contains("AFTER BASELINE"), "{run}");
    assert!(run.stdout.contains("Cut by the Baseline deny in production (1 observed flow"), "{run}");
    assert!(run.stdout.contains("monitoring/pod/prometheus-0   production/deploy/api   9102/TCP"), "{run}");
    assert!(run.stdout.contains("Cut by the Baseline deny in staging (2 observed flows"), "{run}");
    // Exempt namespaces are audited and lose nothing: kube-system's DNS flow stays allowed.
    assert!(run.stdout.contains("kube-system     1       1               1                0"), "{run}");
    assert!(run.stdout.contains("in every namespace but:\n  ingress-nginx: it runs the ingress controller"), "{run}");
    assert!(run.stdout.contains("kubectl deny audit --flows FILE --baseline -o yaml"), "{run}");
    // Exempt with --exclude: monitoring's egress is not denied, and production loses nothing.
    let excluded = deny(&[
        "audit",
        "-f",
        &examples(),
        "--flows",
        &hubble(),
        "--baseline",
        "--exclude",
        "monitoring",
        "-o",
        "json",
    ]);
    assert_eq!(excluded.code, Some(1), "staging is still cut: {excluded}");
    let v: Value = serde_json::from_str(&excluded.stdout).unwrap();
    assert_eq!(v["change"], "baseline");
    assert_eq!(v["cut"], 2);
    let ns = |name: &str| v["namespaces"].as_array().unwrap().iter().find(|n| n["namespace"] == name).unwrap().clone();
    assert_eq!(ns("production")["cut"].as_array().unwrap().len(), 0, "{excluded}");
    assert_eq!(ns("staging")["cut"].as_array().unwrap().len(), 2, "{excluded}");
    assert!(
        v["kit"].as_array().unwrap().iter().any(|k| k["namespace"] == "monitoring"
            && k["policies"]["kubectl-deny-baseline"] == "exempt: given with --exclude"),
        "{excluded}"
    );
    // --include-system covers kube-system too: the deny accepts egress to DNS, but the DNS pods'
    // own ingress is denied there, so the audit shows the DNS flow cut.
    let system =
        deny(&["audit", "-f", &examples(), "--flows", &hubble(), "--baseline", "--include-system", "-o", "json"]);
    let v: Value = serde_json::from_str(&system.stdout).unwrap();
    assert!(v["kit"].as_array().unwrap().is_empty(), "nothing exempt: {system}");
    assert_eq!(v["cut"], 4, "{system}");
    let dns = &v["namespaces"].as_array().unwrap().iter().find(|n| n["namespace"] == "kube-system").unwrap()["cut"][0];
    assert_eq!(dns["to"], "kube-system/pod/coredns-5d78c9869d-7xk2p", "{system}");
    assert_eq!(dns["port"], 53, "{system}");
}

#[test]
fn the_baseline_migration_round_trip_audit_allows_then_init_baseline_with_flows() {
    // The Baseline deny alone would cut observed flows: init --baseline --flows refuses.
    let refused = deny(&["init", "--baseline", "-f", &examples(), "-o", "yaml", "--flows", &hubble()]);
    assert_eq!(refused.code, Some(1), "{refused}");
    assert_eq!(refused.stdout, "", "nothing printed when refused: {refused}");
    assert!(refused.stderr.contains("the Baseline deny would cut 3 observed flow(s)"), "{refused}");
    assert!(refused.stderr.contains("monitoring/pod/prometheus-0 -> production/deploy/api 9102/TCP"), "{refused}");
    assert!(refused.stderr.contains("--flows"), "{refused}");
    assert!(refused.stderr.contains(" --baseline -o yaml > allows.yaml"), "{refused}");
    let forced = deny(&["init", "--baseline", "-f", &examples(), "-o", "yaml", "--flows", &hubble(), "--force"]);
    assert_eq!(forced.code, Some(0), "{forced}");
    assert!(forced.stderr.contains("Warning: --force: the Baseline deny cuts 3"), "{forced}");
    assert!(forced.stdout.contains("kind: ClusterNetworkPolicy"), "{forced}");
    // The allows, checked with the Baseline deny before they are printed, and given back.
    let allows = deny(&["audit", "-f", &examples(), "--flows", &hubble(), "--baseline", "-o", "yaml"]);
    assert_eq!(allows.code, Some(0), "{allows}");
    assert!(allows.stdout.contains("# With the Baseline deny (kubectl deny init --baseline)"), "{allows}");
    assert!(allows.stdout.contains("name: allow-prometheus-egress"), "{allows}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("allows.yaml");
    std::fs::write(&file, &allows.stdout).unwrap();
    let file = file.to_str().unwrap();
    let again = deny(&["audit", "-f", &examples(), "-f", file, "--flows", &hubble(), "--baseline"]);
    assert_eq!(again.code, Some(0), "{again}");
    assert!(again.stdout.contains("No observed flow would be cut by the Baseline deny."), "{again}");
    let init = deny(&["init", "--baseline", "-f", &examples(), "-f", file, "-o", "yaml", "--flows", &hubble()]);
    assert_eq!(init.code, Some(0), "{init}");
    assert!(init.stdout.contains("name: kubectl-deny-baseline"), "{init}");
    assert!(init.stderr.contains("--flows: the Baseline deny cuts none of the 9 observed flow(s)"), "{init}");
    // diff --with the Baseline policy printed: the same three flows; with the allows too, none.
    let deny_file = dir.path().join("baseline.yaml");
    std::fs::write(&deny_file, &init.stdout).unwrap();
    let deny_file = deny_file.to_str().unwrap();
    let diff = deny(&["diff", "-f", &examples(), "-A", "--with", deny_file, "--flows", &hubble()]);
    assert_eq!(diff.code, Some(1), "{diff}");
    assert!(diff.stdout.contains("Newly blocked (3):"), "{diff}");
    assert!(diff.stdout.contains("monitoring/pod/prometheus-0            production/deploy/api   9102/TCP"), "{diff}");
    let both = deny(&["diff", "-f", &examples(), "-A", "--with", deny_file, "--with", file, "--flows", &hubble()]);
    assert_eq!(both.code, Some(0), "{both}");
    assert!(both.stdout.contains("Newly blocked (0):"), "{both}");
}

#[test]
fn audit_and_init_baseline_refuse_a_namespace_scope_as_init_baseline_does() {
    for args in [
        &["audit", "--baseline", "-n", "staging"][..],
        &["audit", "--baseline", "-A"],
        &["init", "--baseline", "-n", "staging", "-o", "yaml"],
        &["init", "--baseline", "-l", "team=a", "-o", "yaml"],
    ] {
        let mut all = args.to_vec();
        let (examples, hubble) = (examples(), hubble());
        all.extend(["-f", &examples, "--flows", &hubble]);
        let run = deny(&all);
        assert_eq!(run.code, Some(2), "{run}");
        assert!(run.stderr.contains("error: --baseline covers every namespace"), "{run}");
        assert!(run.stderr.contains(": leave out -"), "{run}");
        assert_eq!(run.stdout, "", "{run}");
    }
    let bad = deny(&["audit", "--baseline", "--exclude", "Not_A_Name", "-f", &examples(), "--flows", &hubble()]);
    assert_eq!(bad.code, Some(2), "{bad}");
    assert!(bad.stderr.contains("invalid namespace \"Not_A_Name\" given with --exclude"), "{bad}");
    for flag in [&["--exclude", "staging"][..], &["--baseline-api", "v1beta1"]] {
        let mut all = vec!["audit", "-f", "examples", "--flows", "x"];
        all.extend(flag);
        let run = deny(&all);
        assert_eq!(run.code, Some(2), "{run}");
        assert!(run.stderr.contains("--baseline"), "{flag:?} needs --baseline: {run}");
    }
}

/// The example's debug -> frontend:8080 record (forwarded, observed at debug's egress), observed
/// instead with `verdict` at the side `direction`. frontend's ingress blocks it today; debug's
/// egress allows it.
fn debug_to_frontend(verdict: &str, direction: &str) -> String {
    let text = std::fs::read_to_string(hubble()).unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.contains(r#""pod_name":"debug""#) && l.contains(r#""destination_port":8080"#) && l.contains("frontend")
        })
        .expect("the example's debug -> frontend record");
    let line = line.replace(r#""traffic_direction":"EGRESS""#, &format!(r#""traffic_direction":"{direction}""#));
    let line = match verdict {
        "DROPPED" => {
            line.replace(r#""verdict":"FORWARDED""#, r#""verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED""#)
        }
        _ => line,
    };
    assert!(line.contains(direction) && line.contains(verdict), "{line}");
    line + "\n"
}

fn contradictions(flows: &str) -> Vec<Value> {
    let run = Deny::new(&["audit", "-f", &examples(), "-n", "staging", "--flows", "-", "-o", "json"])
        .stdin(flows.as_bytes())
        .run();
    assert!(matches!(run.code, Some(0 | 1)), "{run}");
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    v["namespaces"][0]["contradictions"].as_array().unwrap().clone()
}

#[test]
fn an_observation_is_compared_with_the_side_it_was_made_at() {
    // Forwarded at the destination's ingress: it went through both sides, and frontend's
    // ingress blocks it today: a contradiction of the whole flow.
    let c = contradictions(&debug_to_frontend("FORWARDED", "INGRESS"));
    assert_eq!((c.len(), c[0]["kind"].as_str()), (1, Some("forwarded-but-blocked")), "{c:?}");
    assert!(c[0].get("side").is_none(), "{c:?}");
    // Forwarded at debug's egress: debug's egress allows it; nothing contradicts.
    assert!(contradictions(&debug_to_frontend("FORWARDED", "EGRESS")).is_empty());
    // Dropped by policy at frontend's ingress, which blocks it: as computed.
    assert!(contradictions(&debug_to_frontend("DROPPED", "INGRESS")).is_empty());
    // Dropped by policy at debug's egress, which allows it: that side contradicts.
    let c = contradictions(&debug_to_frontend("DROPPED", "EGRESS"));
    assert_eq!(
        (c.len(), c[0]["kind"].as_str(), c[0]["side"].as_str()),
        (1, Some("dropped-but-allowed"), Some("egress"))
    );
    let table = Deny::new(&["audit", "-f", &examples(), "-n", "staging", "--flows", "-"])
        .stdin(debug_to_frontend("DROPPED", "EGRESS").as_bytes())
        .run();
    assert!(
        table.stdout.contains(
            "Contradiction: staging/pod/debug -> staging/pod/frontend-5f6d7c8b9-abcde 8080/TCP: observed dropped by \
             policy at the source's egress, computed allowed there today"
        ),
        "{table}"
    );
}
