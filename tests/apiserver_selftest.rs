//! Tests of the loopback API server in `tests/support` itself, through `kube::Client` configured
//! the way the binary configures it (a kubeconfig file, `Config::from_custom_kubeconfig`,
//! `Client::try_from`), so the live-cluster tests can trust what the server does.
//!
//! Contents: connection and kubeconfig; reads (get, list, selectors, pagination, metadata-only,
//! discovery); writes (server-side apply, conflicts, dry run, create, update, delete); faults,
//! delays and reachability; the request log; the binary runner.

mod support;

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::config::KubeConfigOptions;
use serde_json::{Value, json};

use support::fixtures::{managed_by, namespace, network_policy, pod};
use support::{ApiServer, Fault, Fixture, KubeconfigSpec};

fn prod_and_dev() -> Fixture {
    Fixture::new()
        .object(namespace("prod", &[("env", "prod")]))
        .object(namespace("dev", &[("env", "dev")]))
        .object(
            pod("prod", "web-1")
                .labels(&[("app", "web"), ("tier", "front")])
                .ip("10.0.0.11")
                .port("http", 8080, "TCP")
                .build(),
        )
        .object(pod("prod", "web-2").labels(&[("app", "web"), ("tier", "front")]).ip("10.0.0.12").build())
        .object(pod("prod", "db-0").labels(&[("app", "db"), ("tier", "back")]).ip("10.0.0.20").build())
        .object(pod("prod", "job-x").labels(&[("batch", "yes")]).ip("10.0.0.30").build())
        .object(pod("dev", "web-1").labels(&[("app", "web")]).ip("10.0.1.11").build())
}

const DENY_ALL: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
  namespace: prod
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
"#;

fn deny_all() -> Value {
    network_policy(DENY_ALL)
}

fn api_error(result: Result<impl std::fmt::Debug, kube::Error>) -> kube::core::Status {
    match result {
        Err(kube::Error::Api(status)) => *status,
        other => panic!("expected kube::Error::Api, got {other:?}"),
    }
}

fn raw_get(path: &str, accept: Option<&str>) -> hyper::Request<Vec<u8>> {
    let mut request = hyper::Request::get(path);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    request.body(Vec::new()).expect("a valid request")
}

// --- connection and kubeconfig ---------------------------------------------------------------

#[tokio::test]
async fn kube_client_accepts_plain_http_loopback_kubeconfig() {
    let server = ApiServer::start(Fixture::new());
    assert!(server.url().starts_with("http://127.0.0.1:"), "{}", server.url());
    let client = server.client().await;
    assert_eq!(client.default_namespace(), "default", "the context's namespace becomes the client's default");
    let version = client.apiserver_version().await.expect("GET /version over plain HTTP");
    assert_eq!(version.git_version, "v1.33.0");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{}", server.request_lines());
    assert_eq!(requests[0].authorization.as_deref(), Some("Bearer test-token"));
}

#[tokio::test]
async fn context_cluster_and_user_are_selectable_and_wrong_tokens_are_unauthorized() {
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[])));
    let spec = KubeconfigSpec::new(Some("good"))
        .cluster("here")
        .cluster_at("nowhere", &support::closed_port_url())
        .user("alice", "alice-token")
        .rejected_user("mallory", "stolen-token")
        .context("good", "here", "alice", Some("prod"))
        .context("bad-user", "here", "mallory", None);
    let path = server.write_kubeconfig(&spec);
    let kubeconfig = kube::config::Kubeconfig::read_from(&path).expect("the written kubeconfig parses");
    let client_for = |options: KubeConfigOptions| {
        let kubeconfig = kubeconfig.clone();
        async move {
            let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.expect("config");
            kube::Client::try_from(config).expect("client")
        }
    };

    let good = client_for(KubeConfigOptions::default()).await;
    assert_eq!(good.default_namespace(), "prod");
    Api::<Namespace>::all(good).get("prod").await.expect("alice's token is accepted");

    let bad = client_for(KubeConfigOptions { context: Some("bad-user".into()), ..Default::default() }).await;
    let status = api_error(Api::<Namespace>::all(bad).get("prod").await);
    assert_eq!((status.code, status.reason.as_str(), status.message.as_str()), (401, "Unauthorized", "Unauthorized"));

    let overridden = client_for(KubeConfigOptions { user: Some("mallory".into()), ..Default::default() }).await;
    assert_eq!(
        api_error(Api::<Namespace>::all(overridden).get("prod").await).code,
        401,
        "--user overrides the context's user"
    );

    let elsewhere = client_for(KubeConfigOptions { cluster: Some("nowhere".into()), ..Default::default() }).await;
    let result = Api::<Namespace>::all(elsewhere).get("prod").await;
    assert!(matches!(result, Err(ref e) if !matches!(e, kube::Error::Api(_))), "{result:?}");
}

// --- reads -------------------------------------------------------------------------------------

#[tokio::test]
async fn lists_cover_all_namespaces_or_one_in_key_order() {
    let server = ApiServer::start(prod_and_dev());
    let client = server.client().await;
    let all = Api::<Pod>::all(client.clone()).list(&ListParams::default()).await.unwrap();
    let names: Vec<String> = all
        .items
        .iter()
        .map(|p| format!("{}/{}", p.metadata.namespace.as_deref().unwrap(), p.metadata.name.as_deref().unwrap()))
        .collect();
    assert_eq!(names, ["dev/web-1", "prod/db-0", "prod/job-x", "prod/web-1", "prod/web-2"]);
    let prod = Api::<Pod>::namespaced(client, "prod").list(&ListParams::default()).await.unwrap();
    assert_eq!(prod.items.len(), 4);
    assert_eq!(prod.items[3].status.as_ref().unwrap().pod_ip.as_deref(), Some("10.0.0.12"));
    assert_eq!(server.count("GET", "/api/v1/pods"), 1);
    assert_eq!(server.count("GET", "/api/v1/namespaces/prod/pods"), 1);
}

#[tokio::test]
async fn get_by_name_and_missing_objects_are_not_found() {
    let server = ApiServer::start(prod_and_dev().object(deny_all()));
    let client = server.client().await;
    let web = Api::<Pod>::namespaced(client.clone(), "prod").get("web-1").await.unwrap();
    assert_eq!(web.metadata.labels.unwrap()["app"], "web");
    let ports = web.spec.unwrap().containers[0].ports.clone().unwrap();
    assert_eq!((ports[0].name.as_deref(), ports[0].container_port), (Some("http"), 8080));
    Api::<NetworkPolicy>::namespaced(client.clone(), "prod").get("default-deny-all").await.unwrap();

    let status = api_error(Api::<Pod>::namespaced(client.clone(), "prod").get("nope").await);
    assert_eq!(
        (status.code, status.reason.as_str(), status.message.as_str()),
        (404, "NotFound", r#"pods "nope" not found"#)
    );
    let status = api_error(Api::<NetworkPolicy>::namespaced(client, "dev").get("default-deny-all").await);
    assert_eq!(status.message, r#"networkpolicies.networking.k8s.io "default-deny-all" not found"#);
    let details = status.details.unwrap();
    assert_eq!((details.group.as_str(), details.kind.as_str()), ("networking.k8s.io", "networkpolicies"));
}

#[tokio::test]
async fn label_selectors_support_equality_and_set_based_requirements() {
    let server = ApiServer::start(prod_and_dev());
    let pods = Api::<Pod>::namespaced(server.client().await, "prod");
    let cases = [
        ("app=web", vec!["web-1", "web-2"]),
        ("app==db", vec!["db-0"]),
        ("app!=web", vec!["db-0", "job-x"]),
        ("app in (db, web)", vec!["db-0", "web-1", "web-2"]),
        ("app notin (web)", vec!["db-0", "job-x"]),
        ("app", vec!["db-0", "web-1", "web-2"]),
        ("!app", vec!["job-x"]),
        ("app=web,tier=front", vec!["web-1", "web-2"]),
        ("app in (web),tier notin (front)", vec![]),
    ];
    for (selector, expected) in cases {
        let list = pods.list(&ListParams::default().labels(selector)).await.unwrap();
        let names: Vec<String> = list.items.iter().map(|p| p.metadata.name.clone().unwrap()).collect();
        assert_eq!(names, expected, "labelSelector {selector:?}");
    }
    let status = api_error(pods.list(&ListParams::default().labels("app in (web")).await);
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"));
}

#[tokio::test]
async fn field_selectors_match_metadata_name_and_namespace_and_refuse_unknown_fields() {
    let server = ApiServer::start(prod_and_dev());
    let pods = Api::<Pod>::all(server.client().await);
    let list = pods.list(&ListParams::default().fields("metadata.name=web-1")).await.unwrap();
    assert_eq!(list.items.len(), 2, "web-1 exists in prod and dev");
    let list = pods.list(&ListParams::default().fields("metadata.namespace=dev")).await.unwrap();
    assert_eq!(list.items.len(), 1);
    let list = pods.list(&ListParams::default().fields("metadata.name=web-1,metadata.namespace!=dev")).await.unwrap();
    assert_eq!(list.items[0].metadata.namespace.as_deref(), Some("prod"));
    let status = api_error(pods.list(&ListParams::default().fields("spec.containers=x")).await);
    assert_eq!((status.code, status.message.as_str()), (400, "field label not supported: spec.containers"));
}

#[tokio::test]
async fn pagination_follows_limit_and_continue_until_no_token_remains() {
    let server = ApiServer::start(prod_and_dev());
    let pods = Api::<Pod>::all(server.client().await);
    let mut names = Vec::new();
    let mut remaining = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut params = ListParams::default().limit(2);
        if let Some(t) = &token {
            params = params.continue_token(t);
        }
        let page = pods.list(&params).await.unwrap();
        assert!(page.items.len() <= 2);
        names.extend(page.items.iter().map(|p| p.metadata.name.clone().unwrap()));
        remaining.push(page.metadata.remaining_item_count);
        token = page.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, ["web-1", "db-0", "job-x", "web-1", "web-2"]);
    assert_eq!(remaining, [Some(3), Some(1), None]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{}", server.request_lines());
    assert!(requests.iter().all(|r| r.param("limit") == Some("2")));
    assert_eq!(requests[0].param("continue"), None);
    assert!(requests[1].param("continue").is_some() && requests[2].param("continue").is_some());

    let status = api_error(pods.list(&ListParams::default().limit(2).continue_token("not-a-token")).await);
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"));
    // With a selector the server still fills pages up to the limit, but gives no exact count.
    let page = pods.list(&ListParams::default().labels("app=web").limit(2)).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.metadata.continue_.is_some() && page.metadata.remaining_item_count.is_none());
}

#[tokio::test]
async fn metadata_only_lists_and_gets_answer_partial_object_metadata() {
    let server = ApiServer::start(prod_and_dev());
    let client = server.client().await;
    let pods = Api::<Pod>::namespaced(client.clone(), "prod");
    let list = pods.list_metadata(&ListParams::default().labels("app=web").limit(1)).await.unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].metadata.name.as_deref(), Some("web-1"));
    assert_eq!(list.items[0].metadata.labels.as_ref().unwrap()["tier"], "front");
    assert!(list.metadata.continue_.is_some());
    let one = pods.get_metadata("db-0").await.unwrap();
    assert_eq!(one.types.unwrap().kind, "PartialObjectMetadata");
    assert!(server.requests().iter().all(|r| r.is_metadata_only()));

    let raw: Value = client
        .request(raw_get(
            "/api/v1/namespaces/prod/pods",
            Some("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
        ))
        .await
        .unwrap();
    assert_eq!(
        (raw["kind"].as_str(), raw["apiVersion"].as_str()),
        (Some("PartialObjectMetadataList"), Some("meta.k8s.io/v1"))
    );
    let item = raw["items"][0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["apiVersion", "kind", "metadata"], "items hold only metadata (and their own type)");
    assert!(raw["items"][0]["spec"].is_null() && raw["items"][0]["status"].is_null());

    let full: Value = client.request(raw_get("/api/v1/namespaces/prod/pods", None)).await.unwrap();
    assert_eq!(full["kind"], "PodList");
    assert!(full["items"][0]["kind"].is_null(), "typed list items carry no kind, as on a real server");
    assert!(full["items"][0]["spec"].is_object());

    let result: Result<Value, _> =
        client.request(raw_get("/api/v1/pods", Some("application/vnd.kubernetes.protobuf"))).await;
    assert_eq!(api_error(result).code, 406);
}

#[tokio::test]
async fn discovery_and_version_endpoints_describe_what_is_served() {
    let server = ApiServer::start(Fixture::new().object(deny_all()));
    let client = server.client().await;
    let api: Value = client.request(raw_get("/api", None)).await.unwrap();
    assert_eq!(api["versions"], json!(["v1"]));
    let groups: Value = client.request(raw_get("/apis", None)).await.unwrap();
    let names: Vec<&str> = groups["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"networking.k8s.io") && names.contains(&"apps"), "{names:?}");
    let networking: Value = client.request(raw_get("/apis/networking.k8s.io/v1", None)).await.unwrap();
    let policies = networking["resources"].as_array().unwrap().iter().find(|r| r["name"] == "networkpolicies").unwrap();
    assert_eq!((policies["kind"].as_str(), policies["namespaced"].as_bool()), (Some("NetworkPolicy"), Some(true)));
    let core: Value = client.request(raw_get("/api/v1", None)).await.unwrap();
    assert!(
        core["resources"].as_array().unwrap().iter().any(|r| r["name"] == "namespaces" && r["namespaced"] == false)
    );
    let result: Result<Value, _> = client.request(raw_get("/apis/example.com/v1/widgets", None)).await;
    let status = api_error(result);
    assert_eq!((status.code, status.message.as_str()), (404, "the server could not find the requested resource"));
}

#[tokio::test]
async fn stored_objects_carry_server_metadata_and_defaults() {
    let policy = network_policy(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - ports: [{port: 80}]\n",
    );
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[("team", "a")])).object(policy));
    let client = server.client().await;
    let ns = Api::<Namespace>::all(client.clone()).get("prod").await.unwrap();
    let labels = ns.metadata.labels.unwrap();
    assert_eq!(labels["kubernetes.io/metadata.name"], "prod");
    assert_eq!(labels["team"], "a");
    assert!(
        ns.metadata.uid.is_some() && ns.metadata.resource_version.is_some() && ns.metadata.creation_timestamp.is_some()
    );
    let np = Api::<NetworkPolicy>::namespaced(client, "prod").get("web").await.unwrap();
    let spec = np.spec.unwrap();
    assert_eq!(spec.policy_types, Some(vec!["Ingress".to_string()]));
    assert_eq!(spec.ingress.unwrap()[0].ports.as_ref().unwrap()[0].protocol.as_deref(), Some("TCP"));
}

#[tokio::test]
async fn yaml_fixtures_expand_lists_and_serve_any_kind_at_its_rest_path() {
    let server = ApiServer::start(Fixture::new().yaml(
        r#"
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: shop}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: cart, namespace: shop}
  spec: {selector: {matchLabels: {app: cart}}, template: {metadata: {labels: {app: cart}}}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: shop}
spec: {size: 3}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
"#,
    ));
    let client = server.client().await;
    let deployments: Value = client.request(raw_get("/apis/apps/v1/namespaces/shop/deployments", None)).await.unwrap();
    assert_eq!(deployments["kind"], "DeploymentList");
    assert_eq!(deployments["items"][0]["metadata"]["name"], "cart");
    let widget: Value = client.request(raw_get("/apis/example.com/v1/namespaces/shop/widgets/w1", None)).await.unwrap();
    assert_eq!(widget["spec"]["size"], 3);
    let classes: Value = client.request(raw_get("/apis/networking.k8s.io/v1/ingressclasses", None)).await.unwrap();
    assert_eq!(classes["items"][0]["spec"]["controller"], "k8s.io/ingress-nginx");
    let result: Result<Value, _> =
        client.request(raw_get("/apis/networking.k8s.io/v1/namespaces/shop/ingressclasses", None)).await;
    assert_eq!(api_error(result).code, 404, "a cluster-scoped resource has no namespaced path");
}

// --- writes --------------------------------------------------------------------------------------

#[tokio::test]
async fn server_side_apply_creates_then_leaves_identical_content_unchanged() {
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[])));
    let policies = Api::<NetworkPolicy>::namespaced(server.client().await, "prod");
    let params = PatchParams::apply("kubectl-deny");
    let created = policies.patch("default-deny-all", &params, &Patch::Apply(deny_all())).await.unwrap();
    let meta = &created.metadata;
    assert_eq!(meta.generation, Some(1));
    assert!(meta.uid.is_some() && meta.creation_timestamp.is_some());
    let managed = meta.managed_fields.clone().unwrap();
    assert_eq!(managed.len(), 1);
    assert_eq!((managed[0].manager.as_deref(), managed[0].operation.as_deref()), (Some("kubectl-deny"), Some("Apply")));
    assert_eq!(managed[0].api_version.as_deref(), Some("networking.k8s.io/v1"));
    assert_eq!(
        serde_json::to_value(&managed[0].fields_v1).unwrap(),
        json!({"f:spec": {"f:podSelector": {}, "f:policyTypes": {}}})
    );
    assert_eq!(server.requests()[0].status, 201, "apply that creates answers 201");

    let again = policies.patch("default-deny-all", &params, &Patch::Apply(deny_all())).await.unwrap();
    assert_eq!(again.metadata.resource_version, meta.resource_version, "identical apply is a no-op");
    assert_eq!(again.metadata.managed_fields, meta.managed_fields);
    let request = &server.requests()[1];
    assert_eq!(request.content_type.as_deref(), Some("application/apply-patch+yaml"));
    assert_eq!(request.param("fieldManager"), Some("kubectl-deny"));
    assert_eq!(request.body_json()["spec"]["policyTypes"], json!(["Ingress", "Egress"]));

    let mut changed = deny_all();
    changed["spec"]["policyTypes"] = json!(["Ingress"]);
    let updated = policies.patch("default-deny-all", &params, &Patch::Apply(changed)).await.unwrap();
    assert_ne!(updated.metadata.resource_version, meta.resource_version);
    assert_eq!(updated.metadata.generation, Some(2));
    let stored = server.object("NetworkPolicy", Some("prod"), "default-deny-all").unwrap();
    assert_eq!(stored["spec"]["policyTypes"], json!(["Ingress"]));
}

#[tokio::test]
async fn apply_over_another_managers_differing_field_conflicts_until_forced() {
    let mut theirs = network_policy(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny-all, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress, Egress]\n",
    );
    theirs = managed_by(
        theirs,
        "kubectl-client-side-apply",
        "Update",
        "networking.k8s.io/v1",
        &[".spec.podSelector", ".spec.policyTypes"],
    );
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[])).object(theirs));
    let policies = Api::<NetworkPolicy>::namespaced(server.client().await, "prod");

    let status = api_error(
        policies.patch("default-deny-all", &PatchParams::apply("kubectl-deny"), &Patch::Apply(deny_all())).await,
    );
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        status.message,
        r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using networking.k8s.io/v1: .spec.podSelector"#
    );
    let causes = status.details.unwrap().causes;
    assert_eq!(causes.len(), 1);
    assert_eq!((causes[0].reason.as_str(), causes[0].field.as_str()), ("FieldManagerConflict", ".spec.podSelector"));
    let stored = server.object("NetworkPolicy", Some("prod"), "default-deny-all").unwrap();
    assert_eq!(stored["spec"]["podSelector"], json!({"matchLabels": {"app": "web"}}), "a conflict changes nothing");

    let forced = policies
        .patch("default-deny-all", &PatchParams::apply("kubectl-deny").force(), &Patch::Apply(deny_all()))
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(&forced.spec.unwrap().pod_selector).unwrap(), json!({}));
    let managers: Vec<(String, Value)> = forced
        .metadata
        .managed_fields
        .unwrap()
        .into_iter()
        .map(|m| (m.manager.unwrap(), serde_json::to_value(m.fields_v1).unwrap()))
        .collect();
    assert_eq!(
        managers,
        [
            ("kubectl-client-side-apply".to_string(), json!({"f:spec": {"f:policyTypes": {}}})),
            ("kubectl-deny".to_string(), json!({"f:spec": {"f:podSelector": {}, "f:policyTypes": {}}})),
        ],
        "force takes the conflicting field; the equal one is shared"
    );
}

#[tokio::test]
async fn objects_without_managed_fields_are_owned_by_before_first_apply() {
    let mut theirs = deny_all();
    theirs["spec"]["policyTypes"] = json!(["Ingress"]);
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[])).object(theirs));
    let policies = Api::<NetworkPolicy>::namespaced(server.client().await, "prod");
    let status = api_error(
        policies.patch("default-deny-all", &PatchParams::apply("kubectl-deny"), &Patch::Apply(deny_all())).await,
    );
    assert_eq!(
        status.message,
        r#"Apply failed with 1 conflict: conflict with "before-first-apply" using networking.k8s.io/v1: .spec.policyTypes"#
    );
}

#[tokio::test]
async fn several_conflicts_are_listed_per_manager() {
    let mut theirs = network_policy(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny-all, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n",
    );
    theirs = managed_by(theirs, "helm", "Apply", "networking.k8s.io/v1", &[".spec.podSelector", ".spec.policyTypes"]);
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[])).object(theirs));
    let policies = Api::<NetworkPolicy>::namespaced(server.client().await, "prod");
    let status = api_error(
        policies.patch("default-deny-all", &PatchParams::apply("kubectl-deny"), &Patch::Apply(deny_all())).await,
    );
    assert_eq!(
        status.message,
        "Apply failed with 2 conflicts: conflicts with \"helm\":\n- .spec.podSelector\n- .spec.policyTypes"
    );
    assert_eq!(status.details.unwrap().causes.len(), 2);
}

#[tokio::test]
async fn dry_run_apply_answers_as_applied_but_stores_nothing() {
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[])));
    let policies = Api::<NetworkPolicy>::namespaced(server.client().await, "prod");
    let answered = policies
        .patch("default-deny-all", &PatchParams::apply("kubectl-deny").dry_run(), &Patch::Apply(deny_all()))
        .await
        .unwrap();
    assert_eq!(answered.metadata.name.as_deref(), Some("default-deny-all"));
    assert_eq!(answered.spec.unwrap().policy_types.unwrap(), ["Ingress", "Egress"]);
    assert_eq!(server.requests()[0].param("dryRun"), Some("All"));
    assert!(server.object("NetworkPolicy", Some("prod"), "default-deny-all").is_none());
    assert_eq!(api_error(policies.get("default-deny-all").await).code, 404);
}

#[tokio::test]
async fn apply_into_a_missing_namespace_is_not_found() {
    let server = ApiServer::start(Fixture::new());
    let policies = Api::<NetworkPolicy>::namespaced(server.client().await, "prod");
    let status = api_error(
        policies.patch("default-deny-all", &PatchParams::apply("kubectl-deny"), &Patch::Apply(deny_all())).await,
    );
    assert_eq!(
        (status.code, status.reason.as_str(), status.message.as_str()),
        (404, "NotFound", r#"namespaces "prod" not found"#)
    );
}

#[tokio::test]
async fn apply_refuses_bodies_that_do_not_match_the_url() {
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[])));
    let policies = Api::<NetworkPolicy>::namespaced(server.client().await, "prod");
    let status =
        api_error(policies.patch("other-name", &PatchParams::apply("kubectl-deny"), &Patch::Apply(deny_all())).await);
    assert_eq!(
        status.message,
        "the name of the object (default-deny-all) does not match the name on the URL (other-name)"
    );
    let mut wrong_kind = deny_all();
    wrong_kind["kind"] = json!("Pod");
    let status = api_error(
        policies.patch("default-deny-all", &PatchParams::apply("kubectl-deny"), &Patch::Apply(wrong_kind)).await,
    );
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"));
}

#[tokio::test]
async fn create_update_and_delete_behave_like_the_real_server() {
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[])));
    let policies = Api::<NetworkPolicy>::namespaced(server.client().await, "prod");
    let object: NetworkPolicy = serde_json::from_value(deny_all()).unwrap();
    let created = policies.create(&PostParams::default(), &object).await.unwrap();
    assert_eq!(created.metadata.managed_fields.unwrap()[0].operation.as_deref(), Some("Update"));
    let status = api_error(policies.create(&PostParams::default(), &object).await);
    assert_eq!((status.code, status.reason.as_str()), (409, "AlreadyExists"));
    assert_eq!(status.message, r#"networkpolicies.networking.k8s.io "default-deny-all" already exists"#);

    let mut current = policies.get("default-deny-all").await.unwrap();
    current.spec.as_mut().unwrap().policy_types = Some(vec!["Egress".into()]);
    let replaced = policies.replace("default-deny-all", &PostParams::default(), &current).await.unwrap();
    assert_eq!(replaced.metadata.generation, Some(2));
    let status = api_error(policies.replace("default-deny-all", &PostParams::default(), &current).await);
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"), "a stale resourceVersion conflicts");

    let patched = policies
        .patch(
            "default-deny-all",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"owner": "me"}}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.metadata.labels.unwrap()["owner"], "me");
    assert_eq!(patched.metadata.generation, Some(2), "a metadata-only change keeps the generation");

    let result: Result<Value, _> = server
        .client()
        .await
        .request(
            hyper::Request::post("/apis/networking.k8s.io/v1/networkpolicies")
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(&deny_all()).unwrap())
                .unwrap(),
        )
        .await;
    assert_eq!(api_error(result).code, 405, "the all-namespaces path only lists");

    assert_eq!(server.count("DELETE", "/"), 0);
    policies.delete("default-deny-all", &DeleteParams::default()).await.unwrap();
    assert_eq!(server.count("DELETE", "/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies/"), 1);
    assert!(server.objects("NetworkPolicy").is_empty());
}

// --- faults, delays and reachability ---------------------------------------------------------------

#[tokio::test]
async fn injected_forbidden_names_user_verb_resource_and_namespace() {
    let server = ApiServer::start(prod_and_dev());
    server.inject(Fault::new("GET", "/api/v1/namespaces/prod/pods").status(403));
    let client = server.client().await;
    let status = api_error(Api::<Pod>::namespaced(client.clone(), "prod").list(&ListParams::default()).await);
    assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"));
    assert_eq!(
        status.message,
        r#"pods is forbidden: User "test-user" cannot list resource "pods" in API group "" in the namespace "prod""#
    );
    Api::<Pod>::namespaced(client.clone(), "dev")
        .list(&ListParams::default())
        .await
        .expect("other paths are unaffected");

    server.inject(Fault::new("PATCH", "/apis/networking.k8s.io/*").status(403));
    let status = api_error(
        Api::<NetworkPolicy>::namespaced(client.clone(), "prod")
            .patch("default-deny-all", &PatchParams::apply("kubectl-deny"), &Patch::Apply(deny_all()))
            .await,
    );
    assert_eq!(
        status.message,
        r#"networkpolicies.networking.k8s.io "default-deny-all" is forbidden: User "test-user" cannot patch resource "networkpolicies" in API group "networking.k8s.io" in the namespace "prod""#
    );
    server.inject(Fault::new("GET", "/api/v1/namespaces").status(403));
    let status = api_error(Api::<Namespace>::all(client).list(&ListParams::default()).await);
    assert_eq!(
        status.message,
        r#"namespaces is forbidden: User "test-user" cannot list resource "namespaces" in API group "" at the cluster scope"#
    );
}

#[tokio::test]
async fn injected_statuses_surface_as_kube_api_errors_with_their_reason() {
    let server = ApiServer::start(prod_and_dev());
    let mut config = server.kube_config(&KubeConfigOptions::default()).await;
    config.default_retry = false;
    let pods = Api::<Pod>::namespaced(kube::Client::try_from(config).unwrap(), "prod");
    for (code, reason) in [
        (401, "Unauthorized"),
        (404, "NotFound"),
        (409, "Conflict"),
        (429, "TooManyRequests"),
        (500, "InternalError"),
        (503, "ServiceUnavailable"),
    ] {
        server.clear_faults();
        server.inject(Fault::new("*", "/api/v1/namespaces/prod/pods/web-1").status(code).retry_after(1));
        let status = api_error(pods.get("web-1").await);
        assert_eq!((status.code, status.reason.as_str()), (code, reason), "injected {code}");
        assert_eq!(status.status, Some(kube::core::response::StatusSummary::Failure));
    }
    let last = server.requests().pop().unwrap();
    assert_eq!(last.status, 503);
    server.clear_faults();
    server.inject(Fault::new("GET", "*").status(500).message("etcdserver: request timed out"));
    assert_eq!(api_error(pods.get("web-1").await).message, "etcdserver: request timed out");
}

#[tokio::test]
async fn kube_retries_429_and_503_by_default_so_transient_faults_heal() {
    let server = ApiServer::start(prod_and_dev());
    server.inject(Fault::new("GET", "/api/v1/namespaces/prod/pods/web-1").status(503).times(2));
    let pods = Api::<Pod>::namespaced(server.client().await, "prod");
    pods.get("web-1").await.expect("the third attempt succeeds");
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test]
async fn nth_fault_fires_only_on_that_request() {
    let server = ApiServer::start(prod_and_dev());
    server.inject(Fault::new("GET", "/api/v1/namespaces/*/pods").status(500).nth(2));
    let pods = Api::<Pod>::namespaced(server.client().await, "prod");
    pods.list(&ListParams::default()).await.unwrap();
    assert_eq!(api_error(pods.list(&ListParams::default()).await).code, 500);
    pods.list(&ListParams::default()).await.unwrap();
    pods.get("web-1").await.expect("a different path does not count");
}

#[tokio::test]
async fn slow_answers_arrive_late_and_trip_a_client_read_timeout() {
    let server = ApiServer::start(prod_and_dev());
    server.inject(Fault::new("GET", "/api/v1/namespaces/prod/pods/web-1").delay(Duration::from_millis(150)).times(1));
    let pods = Api::<Pod>::namespaced(server.client().await, "prod");
    let started = Instant::now();
    pods.get("web-1").await.expect("a delay alone still answers");
    assert!(started.elapsed() >= Duration::from_millis(150));

    server.inject(Fault::new("GET", "/api/v1/namespaces/prod/pods/web-2").delay(Duration::from_secs(3)));
    let mut config = server.kube_config(&KubeConfigOptions::default()).await;
    config.read_timeout = Some(Duration::from_millis(200));
    let pods = Api::<Pod>::namespaced(kube::Client::try_from(config).unwrap(), "prod");
    let started = Instant::now();
    let result = pods.get("web-2").await;
    assert!(result.is_err(), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "timed out after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_hung_server_reads_requests_but_never_answers() {
    let server = ApiServer::start(prod_and_dev());
    server.hang();
    let mut config = server.kube_config(&KubeConfigOptions::default()).await;
    config.read_timeout = Some(Duration::from_millis(200));
    let pods = Api::<Pod>::namespaced(kube::Client::try_from(config).unwrap(), "prod");
    let result = pods.get("web-1").await;
    assert!(result.is_err(), "{result:?}");
    let requests = server.requests();
    assert_eq!((requests.len(), requests[0].status), (1, 0), "logged, never answered");
    server.resume();
    Api::<Pod>::namespaced(server.client().await, "prod").get("web-1").await.expect("answers again after resume");
}

#[tokio::test]
async fn refused_connections_fail_fast_and_resume_serves_again() {
    let server = ApiServer::start(prod_and_dev());
    let client = server.client().await;
    Api::<Pod>::namespaced(client.clone(), "prod").get("web-1").await.unwrap();
    server.refuse_connections();
    let deadline = Instant::now() + Duration::from_secs(2);
    while std::net::TcpStream::connect(server.addr()).is_ok() {
        assert!(Instant::now() < deadline, "the port still accepts connections");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let result = Api::<Pod>::namespaced(client, "prod").get("web-1").await;
    assert!(matches!(result, Err(ref e) if !matches!(e, kube::Error::Api(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    server.resume();
    let client = server.client().await;
    for _ in 0..50 {
        if Api::<Pod>::namespaced(client.clone(), "prod").get("web-1").await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not serve again after resume()");
}

// --- request log and runner --------------------------------------------------------------------------

#[tokio::test]
async fn request_log_keeps_order_method_path_query_headers_and_body() {
    let server = ApiServer::start(Fixture::new().object(namespace("prod", &[])));
    let client = server.client().await;
    let policies = Api::<NetworkPolicy>::namespaced(client.clone(), "prod");
    let mut allow_dns = deny_all();
    allow_dns["metadata"]["name"] = json!("allow-dns");
    policies.patch("allow-dns", &PatchParams::apply("kubectl-deny"), &Patch::Apply(allow_dns)).await.unwrap();
    policies.patch("default-deny-all", &PatchParams::apply("kubectl-deny"), &Patch::Apply(deny_all())).await.unwrap();
    Api::<Namespace>::all(client).list_metadata(&ListParams::default().labels("team=a")).await.unwrap();

    let requests = server.requests();
    let lines: Vec<String> = requests.iter().map(|r| r.line()).collect();
    assert_eq!(
        lines,
        [
            "PATCH /apis/networking.k8s.io/v1/namespaces/prod/networkpolicies/allow-dns?&fieldManager=kubectl-deny",
            "PATCH /apis/networking.k8s.io/v1/namespaces/prod/networkpolicies/default-deny-all?&fieldManager=kubectl-deny",
            "GET /api/v1/namespaces?&labelSelector=team%3Da",
        ]
    );
    assert_eq!(requests[2].param("labelSelector"), Some("team=a"));
    assert!(requests[2].is_metadata_only() && !requests[0].is_metadata_only());
    assert_eq!(requests[0].body_json()["metadata"]["name"], "allow-dns");
    assert_eq!(server.count("PATCH", "/apis/networking.k8s.io/"), 2);
    assert_eq!(server.count("*", "/"), 3);
    server.clear_log();
    assert!(server.requests().is_empty());
}

#[test]
fn runner_gives_the_binary_only_the_environment_it_is_handed() {
    let server = ApiServer::start(Fixture::new());
    let output = support::run(&["--version"], &server.env());
    assert_eq!(output.code, Some(0), "{}", output.describe());
    assert!(output.stdout.contains(env!("CARGO_PKG_VERSION")), "{}", output.describe());
    let output = support::run(&["no-such-command"], support::NO_ENV);
    assert_eq!(output.code, Some(2), "{}", output.describe());
    assert!(!output.stderr.is_empty());
}
