//! `why` against a live cluster: endpoints of every kind, hints and caveats from live state, notes
//! on forbidden reads, not-found errors with suggestions, and a number of requests that does not
//! grow with the cluster.

use serde_json::json;

use crate::common::{examples, expect_code, gets, run};
use crate::support::fixtures::{daemonset, deployment, endpoint_slice, namespace, network_policy, pod, service};
use crate::support::{ApiServer, Fault, Fixture, KubeconfigSpec};

const FRONTEND: &str = "production/frontend-6d8f7c9b5-2lq8x";
const API: &str = "production/api-7b9c5d4f6-kx7mn";

/// The requests made, sorted (the reads of one step run concurrently, in no fixed order).
fn sorted_gets(server: &ApiServer) -> Vec<String> {
    let mut lines = gets(server);
    lines.sort();
    lines
}

fn lines(expected: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = expected.iter().map(|l| l.to_string()).collect();
    lines.sort();
    lines
}

// --- what is read ------------------------------------------------------------------------------

#[test]
fn pod_to_pod_reads_the_pods_their_policies_and_what_the_hints_need() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["why", FRONTEND, &format!("{API}:8080")]);
    expect_code(&out, 0);
    assert!(out.stdout.starts_with(&format!("ALLOWED  {FRONTEND} -> {API} on TCP 8080\n")), "{}", out.stdout);
    assert!(out.stdout.contains("+ frontend-egress: egress[0].to[0] podSelector app=api, TCP/http"), "{}", out.stdout);
    assert_eq!(
        sorted_gets(&server),
        lines(&[
            // The two endpoints.
            "GET /api/v1/namespaces/production/pods/frontend-6d8f7c9b5-2lq8x",
            "GET /api/v1/namespaces/production/pods/api-7b9c5d4f6-kx7mn",
            // The policies of their namespace.
            "GET /apis/networking.k8s.io/v1/namespaces/production/networkpolicies?&limit=500",
            // The network plugin, for the caveat.
            "GET /apis/apps/v1/daemonsets?&limit=500",
            // A port is asked: the Services of the destination's namespace, for the Service-port hint.
            "GET /api/v1/namespaces/production/services?&limit=500",
            // The policies' namespaceSelectors look at the namespace name only, which every
            // namespace carries: no namespace is read.
            // The source's egress is isolated: the cluster DNS pods, for the DNS hint.
            "GET /api/v1/namespaces/kube-system/pods?&labelSelector=k8s-app%3Dkube-dns&limit=500",
            // The served APIs: no cluster-wide policy kind is served, nothing more is read.
            "GET /apis",
        ])
    );
}

#[test]
fn namespace_labels_are_read_metadata_only_when_a_selector_looks_at_one() {
    let server = ApiServer::start(cluster(2, 3));
    let out = run(&server, &["why", "ns-0/web-0", "ns-1/db-1:5432"]);
    expect_code(&out, 0);
    let namespaces = server.requests().into_iter().find(|r| r.path == "/api/v1/namespaces").unwrap();
    assert_eq!(
        namespaces.param("labelSelector"),
        Some("kubernetes.io/metadata.name in (kube-system,ns-0,ns-1,openshift-dns)")
    );
    assert!(namespaces.is_metadata_only(), "namespace labels are metadata");
}

#[test]
fn workloads_are_read_with_their_pods_through_their_selector() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["why", "-n", "production", "deploy/frontend", "sts/postgres:5432"]);
    expect_code(&out, 1);
    assert!(out.stdout.starts_with("BLOCKED  production/deploy/frontend -> production/sts/postgres on TCP 5432\n"));
    assert!(out.stdout.contains("deploy/frontend has 2 pods; evaluated as pod frontend-6d8f7c9b5-2lq8x"));
    assert!(out.stdout.contains("sts/postgres has 1 pod; evaluated as pod postgres-0"));
    let requests = gets(&server);
    assert!(requests.contains(&"GET /apis/apps/v1/namespaces/production/deployments/frontend".to_string()));
    assert!(requests.contains(&"GET /apis/apps/v1/namespaces/production/statefulsets/postgres".to_string()));
    assert!(
        requests
            .contains(&"GET /api/v1/namespaces/production/pods?&labelSelector=app%3Dfrontend&limit=500".to_string()),
        "{requests:#?}"
    );
}

#[test]
fn set_based_workload_selectors_are_sent_in_the_api_syntax() {
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": "web", "namespace": "shop" },
        "spec": {
            "selector": { "matchLabels": { "app": "web" },
                          "matchExpressions": [ { "key": "track", "operator": "In", "values": ["stable", "canary"] },
                                                { "key": "legacy", "operator": "DoesNotExist" } ] },
            "template": { "metadata": { "labels": { "app": "web", "track": "canary" } },
                          "spec": { "containers": [ { "name": "main", "image": "web:1" } ] } },
        },
    });
    let server = ApiServer::start(
        Fixture::new()
            .object(namespace("shop", &[]))
            .object(deployment)
            .object(pod("shop", "web-1").labels(&[("app", "web"), ("track", "canary")]).ip("10.0.0.1").build())
            .object(pod("shop", "web-old").labels(&[("app", "web"), ("track", "stable"), ("legacy", "y")]).build())
            .object(pod("shop", "client").ip("10.0.0.2").build()),
    );
    let out = run(&server, &["why", "-n", "shop", "client", "deploy/web:80"]);
    expect_code(&out, 0);
    assert!(out.stdout.contains("deploy/web has 1 pod; evaluated as pod web-1"), "{}", out.stdout);
    let by_selector = server.requests().into_iter().find(|r| r.param("labelSelector").is_some()).unwrap();
    assert_eq!(by_selector.param("labelSelector"), Some("app=web,track in (stable,canary),!legacy"));
}

#[test]
fn a_service_is_its_backends_at_the_target_port() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["why", "-n", "production", "deploy/frontend", "svc/api:80"]);
    expect_code(&out, 0);
    assert!(
        out.stdout.starts_with(
            "ALLOWED  production/deploy/frontend -> production/svc/api on Service port 80/TCP (http) -> 8080\n"
        ),
        "{}",
        out.stdout
    );
    let requests = gets(&server);
    assert!(requests.contains(&"GET /api/v1/namespaces/production/services?&limit=500".to_string()));
    assert!(
        requests.contains(&"GET /api/v1/namespaces/production/pods?&labelSelector=app%3Dapi&limit=500".to_string())
    );
    assert!(!requests.iter().any(|r| r.contains("endpointslices")), "a selector names the backends: {requests:#?}");
}

#[test]
fn a_service_without_selector_is_its_endpoint_slices_and_the_pods_they_name() {
    let mut slice = endpoint_slice("shop", "legacy-abc", "legacy", &["10.0.0.9", "10.9.9.9"], 8080);
    slice["endpoints"][0]["targetRef"] = json!({ "kind": "Pod", "namespace": "shop", "name": "legacy-pod" });
    let mut legacy = service("shop", "legacy", &[], &[(80, json!(8080))]);
    legacy["spec"].as_object_mut().unwrap().remove("selector");
    let server = ApiServer::start(
        Fixture::new()
            .object(namespace("shop", &[]))
            .object(legacy)
            .object(slice)
            .object(pod("shop", "legacy-pod").labels(&[("app", "legacy")]).ip("10.0.0.9").port("", 8080, "TCP").build())
            .object(pod("shop", "client").ip("10.0.0.2").build())
            .object(network_policy(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-client, namespace: shop}\n\
                 spec:\n  podSelector: {matchLabels: {app: legacy}}\n  ingress:\n  - from: [{podSelector: {}}]\n",
            )),
    );
    let out = run(&server, &["why", "-n", "shop", "client", "svc/legacy:80", "-o", "json"]);
    expect_code(&out, 0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let destinations: Vec<&str> =
        report["evaluations"].as_array().unwrap().iter().map(|e| e["to"].as_str().unwrap()).collect();
    assert_eq!(destinations, ["shop/legacy-pod", "10.9.9.9"], "{}", out.stdout);
    let requests = gets(&server);
    assert!(requests.iter().any(|r| r.contains("endpointslices?&labelSelector=kubernetes.io%2Fservice-name%3Dlegacy")));
    assert!(requests.contains(&"GET /api/v1/namespaces/shop/pods/legacy-pod".to_string()), "{requests:#?}");
}

#[test]
fn an_address_is_looked_up_among_pods_and_then_nodes() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["why", "10.244.1.30", &format!("{API}:9102")]);
    expect_code(&out, 0);
    assert!(out.stdout.contains("10.244.1.30 is the IP of pod monitoring/prometheus-0"), "{}", out.stdout);
    let requests = gets(&server);
    assert!(requests.contains(&"GET /api/v1/pods?&fieldSelector=status.podIP%3D10.244.1.30&limit=500".to_string()));
    assert!(!requests.iter().any(|r| r.starts_with("GET /api/v1/nodes")), "a pod's address needs no nodes");

    server.clear_log();
    // The api pod runs on node-a: from node-b it is policy's business.
    let out = run(&server, &["why", "192.168.10.12", &format!("{API}:8080")]);
    expect_code(&out, 1);
    assert!(out.stdout.contains("192.168.10.12 is node node-b"), "{}", out.stdout);
    let out = run(&server, &["why", "192.168.10.11", &format!("{API}:8080")]);
    expect_code(&out, 0);
    assert!(out.stdout.contains("traffic between a pod and its own node is always allowed"), "{}", out.stdout);
    assert!(gets(&server).contains(&"GET /api/v1/nodes?&limit=500".to_string()));
}

#[test]
fn names_without_a_namespace_are_in_the_kubeconfig_context_namespace() {
    let server = ApiServer::start_with(
        examples(),
        KubeconfigSpec::new(Some("shop")).cluster("c").user("u", "t").context("shop", "c", "u", Some("production")),
    );
    let out = run(&server, &["why", "deploy/frontend", "api-7b9c5d4f6-kx7mn:8080"]);
    expect_code(&out, 0);
    assert!(out.stdout.starts_with(&format!("ALLOWED  production/deploy/frontend -> {API} on TCP 8080")));
    // -n wins over the context.
    let out = run(&server, &["why", "-n", "staging", "debug", "frontend-5f6d7c8b9-abcde:8080"]);
    expect_code(&out, 1);
}

// --- caveats and hints from live state ---------------------------------------------------------

#[test]
fn pod_state_caveats_come_from_live_pods() {
    let server = ApiServer::start(
        Fixture::new()
            .object(namespace("shop", &[]))
            .object(pod("shop", "agent").host_network().ip("192.168.1.5").node("n1").build())
            .object(pod("shop", "pending").phase("Pending").build())
            .object(network_policy(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-office, namespace: shop}\n\
                 spec:\n  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 192.168.0.0/16}}]\n",
            )),
    );
    let out = run(&server, &["why", "-n", "shop", "agent", "pending:80"]);
    assert!(out.stdout.contains("the source shop/agent uses the host network"), "{}", out.describe());
    assert!(out.stdout.contains("the destination shop/pending is Pending, not Running"), "{}", out.stdout);
    assert!(out.stdout.contains("the destination shop/pending has no IP yet"), "{}", out.stdout);
}

#[test]
fn the_dns_hint_names_the_live_dns_pods() {
    let deny_egress = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\n\
                       spec:\n  podSelector: {}\n  policyTypes: [Egress]\n";
    let server = ApiServer::start(
        examples()
            .object(namespace("shop", &[]))
            .object(network_policy(deny_egress))
            .object(pod("shop", "web").ip("10.1.0.1").build()),
    );
    let out = run(&server, &["why", "shop/web", &format!("{API}:8080")]);
    expect_code(&out, 1);
    assert!(
        out.stdout.contains(
            "shop/web has isolated egress and may not reach the cluster DNS (kube-system pods k8s-app=kube-dns) \
             on UDP 53 and TCP 53"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn a_network_plugin_that_does_not_enforce_policy_is_a_caveat() {
    let mut flannel = daemonset("kube-flannel", "kube-flannel-ds", &[("app", "flannel")]);
    flannel["spec"]["template"]["spec"]["containers"][0]["image"] = json!("docker.io/flannel/flannel:v0.25.1");
    let server = ApiServer::start(
        Fixture::new()
            .object(namespace("shop", &[]))
            .object(namespace("kube-flannel", &[]))
            .object(flannel)
            .object(pod("shop", "a").ip("10.0.0.1").build())
            .object(pod("shop", "b").ip("10.0.0.2").build()),
    );
    let out = run(&server, &["why", "-n", "shop", "a", "b:80"]);
    expect_code(&out, 0);
    assert!(out.stdout.contains("Flannel"), "{}", out.stdout);
}

// --- forbidden reads that only feed a caveat or a hint ------------------------------------------

#[test]
fn forbidden_daemonsets_skip_the_plugin_caveat_with_a_note() {
    let server = ApiServer::start(examples());
    server.inject(Fault::new("GET", "/apis/apps/v1/daemonsets").status(403));
    let out = run(&server, &["why", FRONTEND, &format!("{API}:8080")]);
    expect_code(&out, 0);
    assert!(
        out.stdout.contains(
            "not allowed to list daemonsets.apps, so the network plugin was not identified (whether it enforces \
             NetworkPolicy is unknown) (check with: kubectl auth can-i list daemonsets.apps --all-namespaces)"
        ),
        "{}",
        out.stdout
    );
    let json = run(&server, &["why", FRONTEND, &format!("{API}:8080"), "-o", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(report["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("daemonsets.apps")));
}

#[test]
fn forbidden_namespaces_leave_only_name_labels_with_a_note() {
    // A namespaceSelector on a label other than the name: the labels must be read.
    let by_team = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-team, namespace: production}\n\
                   spec:\n  podSelector: {matchLabels: {app: api}}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {team: shop}}}]}]\n";
    let server = ApiServer::start(examples().yaml(by_team));
    server.inject(Fault::new("GET", "/api/v1/namespaces").status(403));
    let out = run(&server, &["why", FRONTEND, &format!("{API}:8080")]);
    expect_code(&out, 0);
    assert!(out.stdout.contains("not allowed to list namespaces, so namespace labels were not read"), "{}", out.stdout);
}

#[test]
fn forbidden_dns_reads_are_skipped_quietly() {
    let server = ApiServer::start(examples());
    server.inject(Fault::new("GET", "/api/v1/namespaces/kube-system/*").status(403));
    let out = run(&server, &["why", FRONTEND, &format!("{API}:8080")]);
    expect_code(&out, 0);
    assert!(!out.stdout.contains("not allowed"), "{}", out.stdout);
}

#[test]
fn a_forbidden_read_the_verdict_needs_is_an_error() {
    let server = ApiServer::start(examples());
    server.inject(Fault::new("GET", "/apis/networking.k8s.io/v1/namespaces/production/networkpolicies").status(403));
    let out = run(&server, &["why", FRONTEND, &format!("{API}:8080")]);
    expect_code(&out, 2);
    assert!(
        out.stderr.contains("kubectl auth can-i list networkpolicies.networking.k8s.io -n production"),
        "{}",
        out.stderr
    );
}

// --- not found ---------------------------------------------------------------------------------

#[test]
fn an_unknown_pod_gets_close_names_and_the_namespaces_where_it_exists() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["why", "-n", "production", "frontend-6d8f7c9b5-2lq8", "postgres-0:5432"]);
    expect_code(&out, 2);
    assert!(
        out.stderr.contains("pod \"frontend-6d8f7c9b5-2lq8\" not found in namespace \"production\""),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("did you mean: frontend-6d8f7c9b5-2lq8x"), "{}", out.stderr);

    let out = run(&server, &["why", "-n", "production", "debug", "postgres-0:5432"]);
    expect_code(&out, 2);
    assert!(
        out.stderr.contains("a pod named debug exists in namespace staging: use -n staging or staging/debug"),
        "{}",
        out.stderr
    );

    let out = run(&server, &["why", "-n", "production", "frontend", "postgres-0:5432"]);
    expect_code(&out, 2);
    assert!(out.stderr.contains("deploy/frontend exists: name the workload"), "{}", out.stderr);
    let suggestions = server.requests().into_iter().filter(|r| r.is_metadata_only()).count();
    assert!(suggestions >= 2, "suggestions are read metadata-only:\n{}", server.request_lines());
}

/// A server that answers 404 for a pod it still lists (a lagging or inconsistent server): the pod
/// is reported missing, never evaluated on a snapshot read only for suggestions (which holds no
/// policies and would call it allowed).
#[test]
fn a_pod_the_server_answers_404_for_is_missing_even_if_a_list_shows_it() {
    let server = ApiServer::start(examples());
    server.inject(Fault::new("GET", "/api/v1/namespaces/production/pods/frontend-6d8f7c9b5-2lq8x").status(404));
    let out = run(&server, &["why", FRONTEND, "production/postgres-0:5432"]);
    expect_code(&out, 2);
    assert!(
        out.stderr.contains("pod \"frontend-6d8f7c9b5-2lq8x\" not found in namespace \"production\""),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "no verdict: {}", out.stdout);
}

#[test]
fn an_unknown_namespace_is_named_with_close_ones() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["why", "prodution/web", "production/postgres-0:5432"]);
    expect_code(&out, 2);
    assert!(
        out.stderr.starts_with("error: namespace \"prodution\" not found\n  did you mean: production?"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unknown_workload_or_service_gets_close_names() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["why", "-n", "production", "deploy/frontnd", "postgres-0:5432"]);
    expect_code(&out, 2);
    assert!(out.stderr.contains("deployment \"frontnd\" not found in namespace \"production\""), "{}", out.stderr);
    assert!(out.stderr.contains("did you mean: frontend?"), "{}", out.stderr);

    let out = run(&server, &["why", "-n", "production", "deploy/api", "svc/postgress:5432"]);
    expect_code(&out, 2);
    assert!(out.stderr.contains("service \"postgress\" not found in namespace \"production\""), "{}", out.stderr);
    assert!(out.stderr.contains("did you mean: postgres?"), "{}", out.stderr);

    let out = run(&server, &["why", "-n", "production", "deploy/api", "deploy/postgres"]);
    expect_code(&out, 2);
    assert!(out.stderr.contains("but sts/postgres exists"), "{}", out.stderr);
}

// --- request counts ----------------------------------------------------------------------------

/// A cluster of `namespaces` namespaces (`ns-0`, ...) with `pods` pods each, hardened the same
/// way everywhere: default deny, DNS allowed, app-to-app allows with label-based namespace
/// selectors, a Service per namespace; plus CoreDNS and a network plugin.
fn cluster(namespaces: usize, pods: usize) -> Fixture {
    let mut fixture = examples();
    for n in 0..namespaces {
        let ns = format!("ns-{n}");
        fixture = fixture.object(namespace(&ns, &[("team", &format!("t{}", n % 7))])).yaml(&format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: default-deny, namespace: {ns}}}\n\
             spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}\n---\n\
             apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: allow-dns, namespace: {ns}}}\n\
             spec:\n  podSelector: {{}}\n  egress:\n  - to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}}}]\n    ports: [{{port: 53, protocol: UDP}}]\n---\n\
             apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: web-to-db, namespace: {ns}}}\n\
             spec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  egress:\n  - to: [{{namespaceSelector: {{matchLabels: {{team: t1}}}}, podSelector: {{matchLabels: {{app: db}}}}}}]\n---\n\
             apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: db-from-web, namespace: {ns}}}\n\
             spec:\n  podSelector: {{matchLabels: {{app: db}}}}\n  ingress:\n  - from: [{{namespaceSelector: {{matchLabels: {{team: t0}}}}, podSelector: {{matchLabels: {{app: web}}}}}}]\n    ports: [{{port: 5432}}]\n"
        ));
        fixture = fixture.object(service(&ns, "db", &[("app", "db")], &[(5432, json!(5432))]));
        for app in ["web", "db"] {
            fixture = fixture.object(deployment(&ns, app, &[("app", app)]));
        }
        for p in 0..pods {
            let app = ["web", "db", "worker"][p % 3];
            let ip = format!("10.{}.{}.{}", n / 200, n % 200, p % 250 + 1);
            fixture = fixture
                .object(pod(&ns, &format!("{app}-{p}")).labels(&[("app", app)]).ip(&ip).port("", 5432, "TCP").build());
        }
    }
    fixture
}

/// How many requests `why` makes in a cluster, and its exit status.
fn requests_for(server: &ApiServer, args: &[&str]) -> usize {
    server.clear_log();
    let out = run(server, args);
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.describe());
    server.requests().len()
}

#[test]
fn the_requests_of_why_do_not_grow_with_the_cluster() {
    let small = ApiServer::start(cluster(2, 5));
    let large = ApiServer::start(cluster(50, 40));
    assert!(large.objects("Pod").len() > 2000);
    // Each count includes the one discovery request (`GET /apis`) that tells whether the server
    // serves cluster-wide policy kinds; it serves none here, so nothing more is read for them.
    let questions: [(&[&str], usize); 9] = [
        // Across namespaces, with a port: 2 pods, 2 policy lists, namespaces (a selector looks
        // at the team label), DaemonSets, the DNS pods. The destination declares the port and no
        // policy there names another: no Service-port hint can apply, its Services are not read.
        (&["why", "ns-0/web-0", "ns-1/db-1:5432"], 8),
        // A port the destination does not declare may be a Service's: its Services are read.
        (&["why", "ns-0/web-0", "ns-1/db-1:80"], 9),
        // Without a port, the destination's Services are not needed.
        (&["why", "ns-0/web-0", "ns-1/db-1"], 8),
        // Within one namespace: one policy list.
        (&["why", "ns-1/web-0", "ns-1/db-1:5432"], 7),
        // From outside the cluster: no source egress, no DNS; the nodes, as the address is no pod's.
        (&["why", "203.0.113.9", "ns-1/db-1:5432"], 7),
        // A Service: its list, its pods by selector.
        (&["why", "ns-0/web-0", "ns-1/svc/db:5432"], 9),
        // Two Deployments across namespaces (issue 10, item 21): each is its object, then its
        // pods by its selector, so one request more each than a pod.
        (&["why", "ns-0/deploy/web", "ns-1/deploy/db:5432"], 10),
        (&["why", "ns-0/deploy/web", "ns-1/deploy/db"], 10),
        (&["why", "ns-0/deploy/web", "ns-1/deploy/db:80"], 11),
    ];
    for (args, expected) in questions {
        // The budget the performance issue sets for a pod-to-pod `why`, whatever the cluster
        // size, plus the shared discovery request; naming a workload or a Service costs one request more (its object, then its pods).
        let endpoints_by_selector = args.iter().filter(|a| a.contains("/deploy/") || a.contains("/svc/")).count();
        assert!(expected <= 8 + 1 + endpoints_by_selector, "{args:?} is over the budget of requests");
        let in_small = requests_for(&small, args);
        assert_eq!(in_small, expected, "{args:?} in the small cluster:\n{}", small.request_lines());
        let in_large = requests_for(&large, args);
        assert_eq!(in_large, expected, "{args:?} in the large cluster:\n{}", large.request_lines());
    }
}

#[test]
fn a_cluster_ip_destination_is_evaluated_as_its_services_backends() {
    // examples/: Service production/api (port 80 -> http) has no ClusterIP set; give it one.
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: api-internal, namespace: production}\n\
               spec:\n  selector: {app: api}\n  clusterIP: 10.96.0.80\n  ports: [{name: http, port: 80, targetPort: http}]\n";
    let server = ApiServer::start(examples().yaml(svc));
    let out = run(&server, &["why", FRONTEND, "10.96.0.80:80"]);
    expect_code(&out, 0);
    assert!(
        out.stdout.contains("10.96.0.80 is the ClusterIP of Service production/api-internal"),
        "{}",
        out.describe()
    );
    assert!(out.stdout.contains("on Service port 80/TCP (http) -> 8080"), "{}", out.stdout);
    let by_cluster_ip = server.requests().into_iter().filter(|r| r.path == "/api/v1/services").collect::<Vec<_>>();
    assert_eq!(by_cluster_ip.len(), 1);
    assert_eq!(by_cluster_ip[0].param("fieldSelector"), Some("spec.clusterIP=10.96.0.80"));
}

#[test]
fn an_api_server_without_the_cluster_ip_field_selector_leaves_the_address_as_it_is() {
    let server = ApiServer::start(examples());
    // Before Kubernetes 1.31 the field selector is refused with 400.
    server
        .inject(Fault::new("GET", "/api/v1/services").status(400).message("field label not supported: spec.clusterIP"));
    let out = run(&server, &["why", FRONTEND, "10.96.0.80:80"]);
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.describe());
    assert!(out.stdout.contains("10.96.0.80 is outside the cluster's pods"), "{}", out.stdout);
}

// --- --suggest ---------------------------------------------------------------------------------

#[test]
fn suggest_against_the_cluster_reads_as_little_as_why_writes_nothing_and_matches_files() {
    let server = ApiServer::start(examples());
    let args = ["why", "-n", "production", "deploy/frontend", "svc/postgres", "--suggest"];
    let out = run(&server, &args);
    expect_code(&out, 0);
    assert!(out.stdout.contains("  name: allow-frontend-to-postgres\n  namespace: production\n"), "{}", out.stdout);
    assert!(out.stdout.contains("  name: allow-postgres-from-frontend\n  namespace: production\n"), "{}", out.stdout);
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "--suggest only reads: {:#?}", gets(&server));
    assert!(requests.len() <= 8, "{} requests: {:#?}", requests.len(), gets(&server));
    let files = crate::support::run(
        &[&["why", "-f", concat!(env!("CARGO_MANIFEST_DIR"), "/examples")][..], &args[1..]].concat(),
        &[] as &[(&str, &str)],
    );
    assert_eq!(out.stdout, files.stdout, "the same suggestion from the cluster and from files");
}
