//! `kubectl deny init -o yaml` and `--kyverno` rendered fully offline from `-f` manifests, checked
//! against expected files, plus the flag combinations `-f` refuses.
//!
//! Expected files live in `tests/fixtures/init/expected/`; after an intended change regenerate
//! them with `UPDATE_SNAPSHOTS=1 cargo test --test init_render` and review the diff.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;

use support::{NO_ENV, Output};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/init").join(name).display().to_string()
}

fn expected_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/init/expected").join(name)
}

/// Compares `actual` with the expected file, or rewrites the file under `UPDATE_SNAPSHOTS=1`.
fn assert_snapshot(name: &str, actual: &str) {
    let path = expected_path(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("read {}: {e}; create it with UPDATE_SNAPSHOTS=1 cargo test --test init_render", path.display())
    });
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "{name} differs from {} (first differing line: {first:?}); if the change is intended, regenerate with \
             UPDATE_SNAPSHOTS=1 cargo test --test init_render\n--- actual\n{actual}",
            path.display()
        );
    }
}

fn run(args: &[&str]) -> Output {
    support::run(args, NO_ENV)
}

/// The YAML documents of a stream, in order.
fn documents(yaml: &str) -> Vec<Value> {
    yaml.split("\n---\n").skip(1).map(|d| serde_saphyr::from_str(d).expect("a YAML document")).collect()
}

#[test]
fn manifests_for_unusual_dns_and_several_ingress_controllers() {
    let cluster = fixture("unusual-cluster.yaml");
    let out = run(&[
        "init",
        "-f",
        &cluster,
        "-n",
        "prod",
        "-o",
        "yaml",
        "--allow-apiserver",
        "--allow-same-namespace",
        "--allow-monitoring",
        "monitoring",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stderr.is_empty(), "{}", out.describe());
    assert_snapshot("unusual-prod.yaml", &out.stdout);
    let names: Vec<String> =
        documents(&out.stdout).iter().map(|d| d["metadata"]["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        names,
        [
            "allow-dns",
            "allow-ingress-controller",
            "allow-same-namespace",
            "allow-apiserver",
            "allow-monitoring",
            "default-deny-all"
        ]
    );
}

#[test]
fn kyverno_policy_generates_the_same_kit_outside_system_and_infrastructure_namespaces() {
    let cluster = fixture("unusual-cluster.yaml");
    let out = run(&["init", "-f", &cluster, "--kyverno", "--exclude", "legacy"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_snapshot("unusual-kyverno.yaml", &out.stdout);
    let policy = &documents(&out.stdout)[0];
    assert_eq!(
        (policy["apiVersion"].as_str(), policy["kind"].as_str()),
        (Some("kyverno.io/v1"), Some("ClusterPolicy"))
    );
    let rules = policy["spec"]["rules"].as_array().unwrap();
    let generated: Vec<&str> = rules.iter().map(|r| r["generate"]["name"].as_str().unwrap()).collect();
    assert_eq!(generated, ["allow-dns", "allow-ingress-controller", "default-deny-all"]);
    for rule in rules {
        assert_eq!(rule["match"]["any"][0]["resources"]["kinds"], serde_json::json!(["Namespace"]));
        assert_eq!(rule["generate"]["synchronize"], true);
        assert_eq!(rule["generate"]["generateExisting"], false);
        assert_eq!(rule["generate"]["namespace"], "{{request.object.metadata.name}}");
        assert_eq!(
            rule["exclude"]["any"][0]["resources"]["names"],
            serde_json::json!([
                "ingress-nginx",
                "istio-system",
                "kube-node-lease",
                "kube-public",
                "kube-system",
                "legacy",
                "openshift-dns",
                "projectcontour"
            ])
        );
    }

    // The ClusterPolicy generates exactly what -o yaml prints.
    let manifests = run(&["init", "-f", &cluster, "-o", "yaml"]);
    let kit = documents(&manifests.stdout);
    for (rule, np) in rules.iter().zip(&kit) {
        assert_eq!(rule["generate"]["data"]["spec"], np["spec"]);
        assert_eq!(rule["generate"]["data"]["metadata"]["labels"], np["metadata"]["labels"]);
    }

    let json = run(&["init", "-f", &cluster, "--kyverno", "--exclude", "legacy", "-o", "json"]);
    let as_json: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(&as_json, policy, "JSON and YAML carry the same policy");
}

#[test]
fn namespace_free_manifests_for_kustomize_from_workload_templates() {
    let out = run(&["init", "-f", &fixture("standard-cluster.yaml"), "-o", "yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_snapshot("standard-namespace-free.yaml", &out.stdout);
    assert!(documents(&out.stdout).iter().all(|d| d["metadata"].get("namespace").is_none()));
}

#[test]
fn all_namespaces_from_manifests_skips_the_protected_ones() {
    let out = run(&["init", "-f", &fixture("unusual-cluster.yaml"), "-A", "-o", "yaml", "--exclude", "other"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let mut namespaces: Vec<String> =
        documents(&out.stdout).iter().map(|d| d["metadata"]["namespace"].as_str().unwrap().to_string()).collect();
    namespaces.dedup();
    assert_eq!(namespaces, ["default", "monitoring", "prod"]);
    for skipped in [
        "# skipped istio-system: it runs the ingress controller (Istio ingress gateway)",
        "# skipped openshift-dns: it runs the cluster DNS (Service openshift-dns/dns-default)",
        "# skipped other: excluded with --exclude",
    ] {
        assert!(out.stdout.contains(skipped), "{skipped}\n{}", out.describe());
    }
}

#[test]
fn dns_fallback_is_rendered_with_a_note() {
    let out = support::run_with_stdin(
        &["init", "-f", "-", "-o", "yaml", "--no-ingress"],
        NO_ENV,
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stdout.contains("# note: no cluster DNS Service found"), "{}", out.describe());
    assert!(out.stdout.contains("# Ingress controller:  left out (--no-ingress)"), "{}", out.describe());
    let dns = &documents(&out.stdout)[0];
    assert_eq!(dns["spec"]["egress"][0]["to"][0]["podSelector"]["matchLabels"]["k8s-app"], "kube-dns");
}

#[test]
fn manifests_cannot_be_applied_from_files() {
    let cluster = fixture("standard-cluster.yaml");
    let out = run(&["init", "-f", &cluster, "-n", "shop"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(
        out.stderr.contains("init with -f reads the manifests to render the kit, and cannot apply it"),
        "{}",
        out.describe()
    );
    let out = run(&["init", "-f", &cluster, "-n", "shop", "-o", "yaml", "--dry-run=server"]);
    assert!(out.stderr.contains("use one or the other"), "{}", out.describe());
    let out = run(&["init", "-f", &cluster, "-n", "shop", "--kyverno"]);
    assert!(out.stderr.contains("--kyverno generates the kit in every new namespace, so -n and -A do not apply"));
    let out = run(&["init", "-f", &cluster, "-o", "yaml", "--allow-apiserver"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(
        out.stderr
            .contains("--allow-apiserver: no endpoints of the Service default/kubernetes were found in the manifests"),
        "{}",
        out.describe()
    );
    let out = run(&["init", "-f", &cluster, "-o", "yaml", "--allow-monitoring", "Monitoring"]);
    assert!(
        out.stderr.contains("invalid namespace \"Monitoring\" given with --allow-monitoring"),
        "{}",
        out.describe()
    );
    let out = run(&["init", "-f", &cluster, "-o", "yaml", "-n", "kube-system"]);
    assert!(out.stderr.contains("refusing to install the kit into kube-system"), "{}", out.describe());
}

/// Issue 10, item 2: `init -o yaml` never re-emits a kit name the namespace already uses for
/// another spec (here production's narrower allow-ingress-controller), and does not add the
/// namespace-wide allow where the namespace admits its ingress controller narrowly; a comment says
/// why. Same-spec policies are in place already and are left out too (item 3).
#[test]
fn manifests_never_replace_or_widen_what_a_namespace_has() {
    let examples = format!("{}/examples", env!("CARGO_MANIFEST_DIR"));
    let out = run(&["init", "-f", &examples, "-n", "production", "-o", "yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(documents(&out.stdout).is_empty(), "nothing to add to production:\n{}", out.stdout);
    for line in [
        "# production/allow-dns: in place, left out: already there with the kit's spec",
        "# production/allow-ingress-controller: left out: production has a NetworkPolicy of that name with another \
         spec (pods app=frontend only, on port http), and kubectl deny never replaces a policy",
        "# production/default-deny-all: in place, left out: already there with the kit's spec",
    ] {
        assert!(out.stdout.contains(line), "missing {line:?}:\n{}", out.stdout);
    }

    // The same namespace with its ingress allow under another name: the kit's is not added.
    let dir = support::TempDir::new("renamed");
    let text = std::fs::read_to_string(format!("{examples}/production/networkpolicies.yaml")).unwrap();
    dir.write("production.yaml", &text.replace("name: allow-ingress-controller", "name: frontend-from-ingress"));
    for other in ["namespaces.yaml", "kube-system.yaml", "ingress-nginx.yaml", "production/workloads.yaml"] {
        dir.write(&other.replace('/', "-"), &std::fs::read_to_string(format!("{examples}/{other}")).unwrap());
    }
    let path = dir.path().display().to_string();
    let out = run(&["init", "-f", &path, "-n", "production", "-o", "yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(documents(&out.stdout).is_empty(), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "# production/allow-ingress-controller: left out: production admits the ingress controller already, to \
             some pods only, through frontend-from-ingress; the kit's policy would admit it to every pod on every \
             port (--widen adds it anyway)"
        ),
        "{}",
        out.stdout
    );
    let widened = run(&["init", "-f", &path, "-n", "production", "-o", "yaml", "--widen"]);
    let names: Vec<String> =
        documents(&widened.stdout).iter().map(|d| d["metadata"]["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["allow-ingress-controller"], "{}", widened.stdout);
}

/// A rule admitting every peer to one pod (staging's debug-open) says nothing of the ingress
/// controller: the kit's allow is still added.
#[test]
fn a_rule_for_every_peer_is_not_an_ingress_allow_of_the_namespace() {
    let examples = format!("{}/examples", env!("CARGO_MANIFEST_DIR"));
    let out = run(&["init", "-f", &examples, "-n", "staging", "-o", "yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let names: Vec<String> =
        documents(&out.stdout).iter().map(|d| d["metadata"]["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["allow-dns", "allow-ingress-controller", "default-deny-all"], "{}", out.stdout);
    assert!(!out.stdout.contains("left out"), "{}", out.stdout);
}
