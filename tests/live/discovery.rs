//! The shared API discovery (`source::discovery`) against the loopback server: one `GET /apis`
//! per command however many readers ask, aggregated discovery with resources, the plain group
//! list of older servers, and a forbidden discovery that is a note rather than an error.

use kubectl_deny::context::ClusterSpec;
use kubectl_deny::source::cluster::KubeEnv;
use kubectl_deny::source::discovery::{ACCEPT, PATH};
use kubectl_deny::source::live::Live;

use crate::common::{examples, expect_code, run};
use crate::support::{ApiServer, Fault, Fixture};

const ANP: &str = r#"
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: pass-monitoring
spec:
  priority: 10
  subject:
    namespaces: {}
  ingress:
  - action: Pass
    from:
    - namespaces:
        matchLabels:
          team: monitoring
"#;

fn connect(server: &ApiServer) -> Live {
    let spec = ClusterSpec { kubeconfig: Some(server.kubeconfig().to_path_buf()), ..ClusterSpec::default() };
    let env = KubeEnv { kubeconfig: None, home: None, in_cluster: false };
    Live::connect(&spec, &env, None).unwrap_or_else(|e| panic!("connect: {e}"))
}

fn discovery_requests(server: &ApiServer) -> usize {
    server.requests().iter().filter(|r| r.method == "GET" && r.path == PATH).count()
}

#[test]
fn discovery_is_one_request_however_many_readers_ask() {
    let server = ApiServer::start(Fixture::new().yaml(ANP).serve(
        "policy.networking.k8s.io/v1alpha2",
        "ClusterNetworkPolicy",
        "clusternetworkpolicies",
        false,
    ));
    let live = connect(&server);
    assert_eq!(discovery_requests(&server), 0, "connecting does not discover");
    for _ in 0..3 {
        let d = live.discovery().unwrap();
        assert!(d.knows_resources(), "aggregated discovery names resources");
        assert!(d.served("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies"));
        assert!(!d.served("policy.networking.k8s.io", "v1alpha1", "baselineadminnetworkpolicies"));
        assert!(d.served("policy.networking.k8s.io", "v1alpha2", "clusternetworkpolicies"), "served without objects");
        assert!(!d.group_served("cilium.io"));
        assert!(d.served("apps", "v1", "deployments"));
    }
    assert_eq!(discovery_requests(&server), 1, "{}", server.request_lines());
    let request = server.requests().into_iter().find(|r| r.path == PATH).unwrap();
    assert_eq!(request.accept.as_deref(), Some(ACCEPT));
}

#[test]
fn an_older_server_answers_the_plain_group_list_and_group_versions_count() {
    let server = ApiServer::start(Fixture::new().plain_discovery().serve(
        "crd.projectcalico.org/v1",
        "GlobalNetworkPolicy",
        "globalnetworkpolicies",
        false,
    ));
    let d = connect(&server).discovery().unwrap().clone();
    assert!(!d.knows_resources());
    assert!(d.served("crd.projectcalico.org", "v1", "globalnetworkpolicies"));
    assert!(d.served("crd.projectcalico.org", "v1", "networkpolicies"), "per group/version: resources unknown");
    assert!(!d.served("projectcalico.org", "v3", "networkpolicies"));
    assert_eq!(discovery_requests(&server), 1);
}

#[test]
fn forbidden_discovery_serves_nothing_and_says_how_to_check() {
    let server = ApiServer::start(Fixture::new().yaml(ANP));
    server.inject(Fault::new("GET", PATH).status(403));
    let d = connect(&server).discovery().unwrap().clone();
    assert!(!d.served("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies"));
    let note = d.unknown().expect("a note");
    assert!(note.contains("kubectl auth can-i get /apis"), "{note}");
}

#[test]
fn a_server_error_on_discovery_is_an_error() {
    let server = ApiServer::start(Fixture::new());
    server.inject(Fault::new("GET", PATH).status(500).message("etcd is down"));
    let err = connect(&server).discovery().unwrap_err().to_string();
    assert!(err.contains("500") && err.contains("etcd is down"), "{err}");
}

#[test]
fn a_cluster_serving_no_cluster_wide_policy_api_pays_the_discovery_only() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["why", "production/frontend-6d8f7c9b5-2lq8x", "production/api-7b9c5d4f6-kx7mn:8080"]);
    expect_code(&out, 0);
    assert_eq!(discovery_requests(&server), 1, "{}", server.request_lines());
    assert_eq!(server.count("GET", "/apis/policy.networking.k8s.io"), 0, "{}", server.request_lines());
}

#[test]
fn completion_does_not_discover() {
    let server = ApiServer::start(examples());
    let helper = crate::complete::Helper::install();
    let _ = helper.complete(&server, &["why", "-n", "production", ""]);
    assert!(!server.requests().is_empty());
    assert_eq!(discovery_requests(&server), 0, "{}", server.request_lines());
}
