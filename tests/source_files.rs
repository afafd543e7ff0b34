//! The manifest source through its public API, as the commands and the live-cluster source use it:
//! `file::load` on fixture paths and stdin, and `SnapshotBuilder` fed with wire objects decoded
//! from API list responses, which must give the same snapshot as the same objects read from a file.

use std::path::{Path, PathBuf};

use kubectl_deny::engine::{Protocol, Snapshot};
use kubectl_deny::source::convert::SnapshotBuilder;
use kubectl_deny::source::wire::{self, ObjectList};
use kubectl_deny::source::{Location, SourceError, file, netpol};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source").join(path)
}

const NAMESPACES: &str = r#"{"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"1"},
  "items":[{"metadata":{"name":"prod","labels":{"team":"shop"}}}]}"#;
const PODS: &str = r#"{"kind":"PodList","apiVersion":"v1","metadata":{"continue":""},
  "items":[{"metadata":{"name":"web-1","namespace":"prod","labels":{"app":"web"}},
            "spec":{"containers":[{"name":"main","ports":[{"name":"http","containerPort":8080}]}]},
            "status":{"phase":"Running","podIP":"10.0.0.7","podIPs":[{"ip":"10.0.0.7"}]}}]}"#;
const POLICIES: &str = r#"{"kind":"NetworkPolicyList","apiVersion":"networking.k8s.io/v1","metadata":{},
  "items":[{"metadata":{"name":"allow-web","namespace":"prod"},
            "spec":{"podSelector":{"matchLabels":{"app":"web"}},
                    "ingress":[{"ports":[{"port":"http"}]}]}}]}"#;

/// What the live-cluster source will do: decode typed list responses, add them one by one.
fn from_list_responses() -> Result<Snapshot, SourceError> {
    let mut builder = SnapshotBuilder::new("default");
    let at = Location::default();
    let namespaces: ObjectList<wire::Namespace> = serde_json::from_str(NAMESPACES).unwrap();
    for ns in namespaces.items.unwrap_or_default() {
        builder.add_namespace(ns, &at)?;
    }
    let pods: ObjectList<wire::Pod> = serde_json::from_str(PODS).unwrap();
    for pod in pods.items.unwrap_or_default() {
        builder.add_pod(pod, &at)?;
    }
    let policies: ObjectList<netpol::NetworkPolicy> = serde_json::from_str(POLICIES).unwrap();
    for policy in policies.items.unwrap_or_default() {
        builder.add_network_policy(policy, &at)?;
    }
    Ok(builder.finish())
}

#[test]
fn list_responses_and_files_build_the_same_snapshot() {
    let live = from_list_responses().unwrap();
    let text = [NAMESPACES, PODS, POLICIES].join("\n");
    let files = file::load_str(&text, "dump.json", "default").unwrap();
    assert_eq!(live.namespaces, files.namespaces);
    assert_eq!(live.pods, files.pods);
    assert_eq!(live.policies, files.policies);
    let policy = &files.policies[0];
    assert!(policy.types.ingress && !policy.types.egress && policy.types_defaulted);
    assert_eq!(policy.ingress[0].ports[0].protocol, Protocol::Tcp);
}

#[test]
fn fixture_tree_and_stdin_load_together() {
    let mut stdin = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-stdin\n".as_bytes();
    let snapshot =
        file::load(&[fixture("tree"), PathBuf::from("-")], "prod", &mut stdin).unwrap_or_else(|e| panic!("{e}"));
    let pods: Vec<(&str, &str)> = snapshot.pods.iter().map(|p| (p.namespace.as_str(), p.name.as_str())).collect();
    assert_eq!(pods, [("prod", "web"), ("prod", "from-stdin")]);
    assert_eq!(snapshot.policies.len(), 1);
    assert_eq!(snapshot.services.len(), 1);
}

#[test]
fn errors_read_as_one_or_two_lines() {
    let e = file::load_str("kind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: [true]\n", "pod.yaml", "default")
        .unwrap_err()
        .to_string();
    assert_eq!(e.lines().count(), 1, "{e}");
    let e = file::load_str(
        "kind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  ingress:\n  - from:\n    - {}\n",
        "np.yaml",
        "default",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e.lines().count(), 2, "{e}");
    assert!(e.starts_with("np.yaml: document 1 (line 1): NetworkPolicy default/np: spec.ingress[0].from[0]: "), "{e}");
}
