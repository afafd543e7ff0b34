//! Builders for the objects tests put into a cluster: namespaces, pods, services, workloads,
//! nodes, network policies, and managed-fields ownership for staging apply conflicts.
//!
//! They build `serde_json::Value`s shaped as the API server returns them; they never talk to a
//! server themselves.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::apiserver::parse_documents;
use super::ssa;

fn label_map(labels: &[(&str, &str)]) -> Value {
    Value::Object(labels.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<Map<_, _>>())
}

/// A Namespace with labels (the server adds `kubernetes.io/metadata.name` itself).
pub fn namespace(name: &str, labels: &[(&str, &str)]) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": { "name": name, "labels": label_map(labels) },
    })
}

/// A running Pod; see [`PodBuilder`].
pub fn pod(namespace: &str, name: &str) -> PodBuilder {
    PodBuilder {
        object: json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": { "name": name, "namespace": namespace, "labels": {} },
            "spec": { "containers": [{ "name": "main", "image": "registry.example/app:1" }] },
            "status": { "phase": "Running" },
        }),
    }
}

#[derive(Debug, Clone)]
pub struct PodBuilder {
    object: Value,
}

impl PodBuilder {
    pub fn labels(mut self, labels: &[(&str, &str)]) -> PodBuilder {
        self.object["metadata"]["labels"] = label_map(labels);
        self
    }

    /// `status.podIP` and `status.podIPs`.
    pub fn ip(mut self, ip: &str) -> PodBuilder {
        self.object["status"]["podIP"] = json!(ip);
        self.object["status"]["podIPs"] = json!([{ "ip": ip }]);
        self
    }

    /// A container port on the first container; `name` may be empty for an unnamed port.
    pub fn port(mut self, name: &str, port: u16, protocol: &str) -> PodBuilder {
        let mut entry = json!({ "containerPort": port, "protocol": protocol });
        if !name.is_empty() {
            entry["name"] = json!(name);
        }
        let ports = &mut self.object["spec"]["containers"][0]["ports"];
        if !ports.is_array() {
            *ports = json!([]);
        }
        ports.as_array_mut().expect("ports is an array").push(entry);
        self
    }

    pub fn node(mut self, node: &str) -> PodBuilder {
        self.object["spec"]["nodeName"] = json!(node);
        self
    }

    pub fn host_network(mut self) -> PodBuilder {
        self.object["spec"]["hostNetwork"] = json!(true);
        self
    }

    pub fn phase(mut self, phase: &str) -> PodBuilder {
        self.object["status"]["phase"] = json!(phase);
        self
    }

    /// An owner reference (`kind` such as `ReplicaSet`, `DaemonSet`, `StatefulSet`).
    pub fn owner(mut self, kind: &str, name: &str) -> PodBuilder {
        let api_version = if kind == "Job" { "batch/v1" } else { "apps/v1" };
        self.object["metadata"]["ownerReferences"] = json!([{ "apiVersion": api_version, "kind": kind, "name": name, "uid": format!("uid-{name}"), "controller": true }]);
        self
    }

    pub fn build(self) -> Value {
        self.object
    }
}

impl From<PodBuilder> for Value {
    fn from(builder: PodBuilder) -> Value {
        builder.build()
    }
}

/// A ClusterIP Service; `ports` are `(port, targetPort)` with a numeric or named target port.
pub fn service(namespace: &str, name: &str, selector: &[(&str, &str)], ports: &[(u16, Value)]) -> Value {
    let ports: Vec<Value> = ports
        .iter()
        .map(|(port, target)| json!({ "name": format!("p{port}"), "port": port, "targetPort": target, "protocol": "TCP" }))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": { "name": name, "namespace": namespace },
        "spec": { "type": "ClusterIP", "selector": label_map(selector), "ports": ports },
    })
}

fn workload(kind: &str, namespace: &str, name: &str, labels: &[(&str, &str)]) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": { "name": name, "namespace": namespace, "labels": label_map(labels) },
        "spec": {
            "selector": { "matchLabels": label_map(labels) },
            "template": {
                "metadata": { "labels": label_map(labels) },
                "spec": { "containers": [{ "name": "main", "image": "registry.example/app:1" }] },
            },
        },
    })
}

/// A Deployment whose selector and pod template carry `labels`.
pub fn deployment(namespace: &str, name: &str, labels: &[(&str, &str)]) -> Value {
    workload("Deployment", namespace, name, labels)
}

pub fn statefulset(namespace: &str, name: &str, labels: &[(&str, &str)]) -> Value {
    workload("StatefulSet", namespace, name, labels)
}

pub fn daemonset(namespace: &str, name: &str, labels: &[(&str, &str)]) -> Value {
    workload("DaemonSet", namespace, name, labels)
}

/// A ReplicaSet owned by the Deployment `owner`.
pub fn replicaset(namespace: &str, name: &str, owner: &str, labels: &[(&str, &str)]) -> Value {
    let mut object = workload("ReplicaSet", namespace, name, labels);
    object["metadata"]["ownerReferences"] = json!([{ "apiVersion": "apps/v1", "kind": "Deployment", "name": owner, "uid": format!("uid-{owner}"), "controller": true }]);
    object
}

/// A Node with an InternalIP.
pub fn node(name: &str, internal_ip: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": { "name": name, "labels": { "kubernetes.io/hostname": name } },
        "status": { "addresses": [{ "type": "InternalIP", "address": internal_ip }, { "type": "Hostname", "address": name }] },
    })
}

pub fn ingress_class(name: &str, controller: &str) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": { "name": name },
        "spec": { "controller": controller },
    })
}

/// An EndpointSlice of `service` with ready endpoints at `addresses` on `port`/TCP.
pub fn endpoint_slice(namespace: &str, name: &str, service: &str, addresses: &[&str], port: u16) -> Value {
    json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": { "name": name, "namespace": namespace, "labels": { "kubernetes.io/service-name": service } },
        "addressType": "IPv4",
        "endpoints": addresses.iter().map(|a| json!({ "addresses": [a], "conditions": { "ready": true } })).collect::<Vec<_>>(),
        "ports": [{ "port": port, "protocol": "TCP" }],
    })
}

/// One object from YAML (or JSON) text, e.g. a NetworkPolicy manifest. Panics unless the text
/// holds exactly one document.
pub fn from_yaml(text: &str) -> Value {
    let mut documents = parse_documents(text).unwrap_or_else(|e| panic!("fixture YAML does not parse: {e}\n{text}"));
    assert_eq!(documents.len(), 1, "expected exactly one YAML document, got {}:\n{text}", documents.len());
    documents.remove(0)
}

/// A NetworkPolicy from its YAML manifest.
pub fn network_policy(yaml: &str) -> Value {
    let object = from_yaml(yaml);
    assert_eq!(object["kind"], "NetworkPolicy", "network_policy() expects a NetworkPolicy manifest");
    object
}

/// Records `manager` as owning `fields` (`.spec.podSelector`, `.metadata.labels.app`) of
/// `object`, appending a `metadata.managedFields` entry with FieldsV1, as a real manager would
/// have left it. `operation` is `Apply` or `Update`; `api_version` is the version the manager used.
pub fn managed_by(mut object: Value, manager: &str, operation: &str, api_version: &str, fields: &[&str]) -> Value {
    let paths: BTreeSet<ssa::FieldPath> = fields
        .iter()
        .map(|f| {
            let path = f.strip_prefix('.').unwrap_or_else(|| panic!("field paths start with '.': {f:?}"));
            let mut segments: Vec<String> = path.splitn(3, '.').map(str::to_string).collect();
            // Label and annotation keys may contain dots themselves.
            if segments.len() == 3
                && !(segments[0] == "metadata" && matches!(segments[1].as_str(), "labels" | "annotations"))
            {
                segments = path.split('.').map(str::to_string).collect();
            }
            segments
        })
        .collect();
    let entry = json!({
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "fieldsType": "FieldsV1",
        "fieldsV1": ssa::encode_fields(&paths),
    });
    let managed = &mut object["metadata"]["managedFields"];
    if !managed.is_array() {
        *managed = json!([]);
    }
    managed.as_array_mut().expect("managedFields is an array").push(entry);
    object
}
