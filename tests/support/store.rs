//! The object store behind the test API server: resource types, objects keyed the way etcd keys
//! them, resourceVersions, defaulting, lists with selectors and pagination, and the writes (create,
//! update, server-side apply, merge patch, delete).
//!
//! Synchronous and HTTP-free: the router in `apiserver.rs` turns requests into these calls and
//! their `Failure`s into responses.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::selector::{FieldSelector, LabelSelector, labels_of};
use super::ssa;
use super::status::{Failure, Target};

/// A REST resource the server serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
}

impl ResourceType {
    fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> ResourceType {
        ResourceType {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced,
        }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }

    pub fn target(&self, namespace: Option<&str>, name: Option<&str>) -> Target {
        Target {
            group: self.group.clone(),
            resource: self.plural.clone(),
            name: name.map(str::to_string),
            namespace: namespace.map(str::to_string),
        }
    }
}

/// The types a cluster always serves, whether or not the fixture holds objects of them.
fn builtin_types() -> Vec<ResourceType> {
    vec![
        ResourceType::new("", "v1", "Namespace", "namespaces", false),
        ResourceType::new("", "v1", "Node", "nodes", false),
        ResourceType::new("", "v1", "Pod", "pods", true),
        ResourceType::new("", "v1", "Service", "services", true),
        ResourceType::new("", "v1", "Endpoints", "endpoints", true),
        ResourceType::new("", "v1", "ConfigMap", "configmaps", true),
        ResourceType::new("", "v1", "Secret", "secrets", true),
        ResourceType::new("", "v1", "ServiceAccount", "serviceaccounts", true),
        ResourceType::new("", "v1", "Event", "events", true),
        ResourceType::new("apps", "v1", "Deployment", "deployments", true),
        ResourceType::new("apps", "v1", "StatefulSet", "statefulsets", true),
        ResourceType::new("apps", "v1", "DaemonSet", "daemonsets", true),
        ResourceType::new("apps", "v1", "ReplicaSet", "replicasets", true),
        ResourceType::new("batch", "v1", "Job", "jobs", true),
        ResourceType::new("batch", "v1", "CronJob", "cronjobs", true),
        ResourceType::new("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true),
        ResourceType::new("networking.k8s.io", "v1", "Ingress", "ingresses", true),
        ResourceType::new("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false),
        ResourceType::new("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true),
    ]
}

/// The plural an unknown kind gets, by the English rules `kubectl` and CRD defaults use.
fn plural_of(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with('s') || lower.ends_with('x') || lower.ends_with("ch") || lower.ends_with("sh") {
        format!("{lower}es")
    } else if lower.ends_with('y') && !lower.ends_with("ay") && !lower.ends_with("ey") && !lower.ends_with("oy") {
        format!("{}ies", &lower[..lower.len() - 1])
    } else {
        format!("{lower}s")
    }
}

/// `(namespace, name)`: etcd's key order, which is the order lists come back in.
type Key = (String, String);

/// What a list request asks for.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub items: Vec<Value>,
    pub resource_version: String,
    pub continue_token: Option<String>,
    pub remaining_item_count: Option<usize>,
}

/// Options shared by the writes.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub field_manager: Option<String>,
    pub force: bool,
    pub dry_run: bool,
}

/// The result of a write: the object to return and whether it was created (201) or not (200).
#[derive(Debug, Clone)]
pub struct Written {
    pub object: Value,
    pub created: bool,
}

#[derive(Debug)]
pub struct Store {
    types: Vec<ResourceType>,
    /// Answer `GET /apis` with the plain `APIGroupList` only, as servers before aggregated
    /// discovery (Kubernetes 1.26) do, whatever the client accepts.
    pub plain_discovery: bool,
    objects: BTreeMap<(String, String), BTreeMap<Key, Value>>,
    resource_version: u64,
    uid_counter: u64,
}

impl Store {
    pub fn new() -> Store {
        Store {
            types: builtin_types(),
            plain_discovery: false,
            objects: BTreeMap::new(),
            resource_version: 1000,
            uid_counter: 0,
        }
    }

    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// The registered types, in a stable order (for discovery).
    pub fn types(&self) -> &[ResourceType] {
        &self.types
    }

    /// Serves a type whether or not objects of it exist (a CRD installed, no object created yet).
    /// `api_version` is `group/version`. Serving the same type again changes nothing.
    pub fn serve(&mut self, api_version: &str, kind: &str, plural: &str, namespaced: bool) {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let t = ResourceType::new(group, version, kind, plural, namespaced);
        if !self.types.contains(&t) {
            self.types.push(t);
        }
    }

    pub fn type_for_path(&self, group: &str, version: &str, plural: &str) -> Option<ResourceType> {
        self.types.iter().find(|t| t.group == group && t.version == version && t.plural == plural).cloned()
    }

    pub fn type_for_kind(&self, kind: &str) -> Option<ResourceType> {
        self.types.iter().find(|t| t.kind == kind).cloned()
    }

    /// The type of an object, registering a new one from its apiVersion and kind when unknown.
    fn type_for_object(&mut self, object: &Value) -> Result<ResourceType, String> {
        let api_version = object["apiVersion"].as_str().ok_or("object has no apiVersion")?;
        let kind = object["kind"].as_str().ok_or("object has no kind")?;
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        if let Some(t) = self.types.iter().find(|t| t.group == group && t.kind == kind) {
            if t.version != version {
                return Err(format!("{kind} is served as {}, not {api_version}", t.api_version()));
            }
            return Ok(t.clone());
        }
        let namespaced = object["metadata"]["namespace"].as_str().is_some();
        let t = ResourceType::new(group, version, kind, &plural_of(kind), namespaced);
        self.types.push(t.clone());
        Ok(t)
    }

    fn next_resource_version(&mut self) -> String {
        self.resource_version += 1;
        self.resource_version.to_string()
    }

    fn next_uid(&mut self) -> String {
        self.uid_counter += 1;
        format!("6b1f0c2e-0000-4000-8000-{:012x}", self.uid_counter)
    }

    fn bucket(&self, t: &ResourceType) -> Option<&BTreeMap<Key, Value>> {
        self.objects.get(&(t.group.clone(), t.plural.clone()))
    }

    fn bucket_mut(&mut self, t: &ResourceType) -> &mut BTreeMap<Key, Value> {
        self.objects.entry((t.group.clone(), t.plural.clone())).or_default()
    }

    /// Loads a fixture object as it would be stored: metadata stamped, server defaults applied.
    /// Replaces an object with the same key.
    pub fn insert(&mut self, mut object: Value) -> Result<(), String> {
        let t = self.type_for_object(&object)?;
        let name = object["metadata"]["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{} has no metadata.name", t.kind))?
            .to_string();
        let namespace = object["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
        if t.namespaced && namespace.is_empty() {
            return Err(format!("{} {name:?} is namespaced but has no metadata.namespace", t.kind));
        }
        if !t.namespaced && !namespace.is_empty() {
            return Err(format!("{} {name:?} is cluster-scoped but has metadata.namespace {namespace:?}", t.kind));
        }
        self.stamp_new(&mut object);
        default_object(&t, &mut object);
        self.bucket_mut(&t).insert((namespace, name), object);
        Ok(())
    }

    /// Sets what the server sets on creation, keeping what the fixture already gave.
    fn stamp_new(&mut self, object: &mut Value) {
        let rv = self.next_resource_version();
        let uid = self.next_uid();
        let meta = metadata_mut(object);
        meta.entry("uid").or_insert(json!(uid));
        meta.entry("resourceVersion").or_insert(json!(rv));
        meta.entry("creationTimestamp").or_insert(json!(now_rfc3339()));
        meta.entry("generation").or_insert(json!(1));
    }

    pub fn get(&self, t: &ResourceType, namespace: Option<&str>, name: &str) -> Result<Value, Failure> {
        self.bucket(t)
            .and_then(|b| b.get(&(namespace.unwrap_or_default().to_string(), name.to_string())))
            .cloned()
            .ok_or_else(|| Failure::not_found(&t.target(namespace, Some(name))))
    }

    /// All objects of a type (across namespaces), in key order.
    pub fn all(&self, t: &ResourceType) -> Vec<Value> {
        self.bucket(t).map(|b| b.values().cloned().collect()).unwrap_or_default()
    }

    fn namespace_exists(&self, name: &str) -> bool {
        self.objects
            .get(&(String::new(), "namespaces".to_string()))
            .is_some_and(|b| b.contains_key(&(String::new(), name.to_string())))
    }

    fn require_namespace(&self, t: &ResourceType, namespace: Option<&str>) -> Result<(), Failure> {
        match namespace {
            Some(ns) if t.namespaced && !self.namespace_exists(ns) => Err(Failure::not_found(&Target {
                group: String::new(),
                resource: "namespaces".into(),
                name: Some(ns.into()),
                namespace: None,
            })),
            _ => Ok(()),
        }
    }

    pub fn list(&self, t: &ResourceType, query: &ListQuery) -> Result<ListPage, Failure> {
        let labels = LabelSelector::parse(query.label_selector.as_deref().unwrap_or_default())
            .map_err(|e| Failure::bad_request(&e))?;
        let fields = FieldSelector::parse(query.field_selector.as_deref().unwrap_or_default(), &t.kind)
            .map_err(|e| Failure::bad_request(&e))?;
        let start_after = match &query.continue_token {
            Some(token) => Some(decode_continue(token).ok_or_else(|| {
                Failure::bad_request(&format!("continue key is not valid: {token:?} was not issued by this server"))
            })?),
            None => None,
        };
        let matching: Vec<(&Key, &Value)> = self
            .bucket(t)
            .into_iter()
            .flatten()
            .filter(|(key, _)| query.namespace.as_ref().is_none_or(|ns| &key.0 == ns))
            .filter(|(key, _)| start_after.as_ref().is_none_or(|after| *key > after))
            .filter(|(_, object)| labels.matches(&labels_of(object)) && fields.matches(object))
            .collect();
        let resource_version = self.resource_version.to_string();
        let (page, rest) = match query.limit {
            Some(limit) if limit > 0 && matching.len() > limit => matching.split_at(limit),
            _ => (&matching[..], &[][..]),
        };
        let continue_token = (!rest.is_empty()).then(|| encode_continue(page.last().expect("limit > 0").0));
        // Like the server, the count is only given when it is exact: without selectors.
        let remaining_item_count = (!rest.is_empty() && labels.is_empty() && fields.is_empty()).then_some(rest.len());
        Ok(ListPage {
            items: page.iter().map(|(_, o)| (*o).clone()).collect(),
            resource_version,
            continue_token,
            remaining_item_count,
        })
    }

    /// `POST`: creates, or answers 409 AlreadyExists.
    pub fn create(
        &mut self,
        t: &ResourceType,
        namespace: Option<&str>,
        mut object: Value,
        options: &WriteOptions,
        default_manager: &str,
    ) -> Result<Written, Failure> {
        check_body_type(t, &object)?;
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let target = t.target(namespace, Some(&name));
        validate_name(t, &target, &name)?;
        check_body_namespace(&object, namespace)?;
        self.require_namespace(t, namespace)?;
        let key = (namespace.unwrap_or_default().to_string(), name.clone());
        if self.bucket(t).is_some_and(|b| b.contains_key(&key)) {
            return Err(Failure::already_exists(&target));
        }
        set_namespace(t, &mut object, namespace);
        clear_server_fields(&mut object);
        default_object(t, &mut object);
        let manager = options.field_manager.as_deref().unwrap_or(default_manager);
        ssa::record_update(&mut object, None, manager, &t.api_version(), &now_rfc3339());
        self.finish_create(t, key, object, options.dry_run)
    }

    fn finish_create(
        &mut self,
        t: &ResourceType,
        key: Key,
        mut object: Value,
        dry_run: bool,
    ) -> Result<Written, Failure> {
        let uid = self.next_uid();
        let meta = metadata_mut(&mut object);
        meta.insert("uid".into(), json!(uid));
        meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
        meta.insert("generation".into(), json!(1));
        if !dry_run {
            let rv = self.next_resource_version();
            metadata_mut(&mut object).insert("resourceVersion".into(), json!(rv));
            self.bucket_mut(t).insert(key, object.clone());
        }
        Ok(Written { object, created: true })
    }

    /// `PUT`: replaces an existing object; a stale `resourceVersion` in the body is a conflict.
    pub fn replace(
        &mut self,
        t: &ResourceType,
        namespace: Option<&str>,
        name: &str,
        mut object: Value,
        options: &WriteOptions,
        default_manager: &str,
    ) -> Result<Written, Failure> {
        check_body_type(t, &object)?;
        check_body_name(&object, name)?;
        check_body_namespace(&object, namespace)?;
        let live = self.get(t, namespace, name)?;
        let target = t.target(namespace, Some(name));
        if let Some(rv) = object["metadata"]["resourceVersion"].as_str()
            && rv != live["metadata"]["resourceVersion"].as_str().unwrap_or_default()
        {
            return Err(Failure::modified(&target));
        }
        set_namespace(t, &mut object, namespace);
        keep_server_fields(&live, &mut object);
        default_object(t, &mut object);
        let manager = options.field_manager.as_deref().unwrap_or(default_manager);
        ssa::record_update(&mut object, Some(&live), manager, &t.api_version(), &now_rfc3339());
        self.finish_update(t, namespace, name, &live, object, options.dry_run)
    }

    /// Writes an updated object: unchanged content keeps its resourceVersion; a change outside
    /// metadata and status bumps the generation.
    fn finish_update(
        &mut self,
        t: &ResourceType,
        namespace: Option<&str>,
        name: &str,
        live: &Value,
        mut object: Value,
        dry_run: bool,
    ) -> Result<Written, Failure> {
        if &object == live {
            return Ok(Written { object, created: false });
        }
        if spec_of(&object) != spec_of(live) {
            let generation = live["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            metadata_mut(&mut object).insert("generation".into(), json!(generation));
        }
        if !dry_run {
            let rv = self.next_resource_version();
            metadata_mut(&mut object).insert("resourceVersion".into(), json!(rv));
            let key = (namespace.unwrap_or_default().to_string(), name.to_string());
            self.bucket_mut(t).insert(key, object.clone());
        }
        Ok(Written { object, created: false })
    }

    /// `PATCH` with `application/apply-patch+yaml`: server-side apply.
    pub fn apply(
        &mut self,
        t: &ResourceType,
        namespace: Option<&str>,
        name: &str,
        config: Value,
        options: &WriteOptions,
    ) -> Result<Written, Failure> {
        let manager = options
            .field_manager
            .as_deref()
            .ok_or_else(|| Failure::bad_request("PATCH: fieldManager is required for apply requests"))?;
        check_body_type(t, &config)?;
        check_body_name(&config, name)?;
        check_body_namespace(&config, namespace)?;
        let target = t.target(namespace, Some(name));
        validate_name(t, &target, name)?;
        self.require_namespace(t, namespace)?;
        let live = self.get(t, namespace, name).ok();
        let mut config = config;
        set_namespace(t, &mut config, namespace);
        let now = now_rfc3339();
        let applied = ssa::apply(live.as_ref(), &config, manager, &t.api_version(), options.force, &now)
            .map_err(|conflicts| Failure { code: 409, body: ssa::conflict_status(&conflicts), retry_after: None })?;
        let mut object = applied.object;
        match live {
            None => {
                metadata_mut(&mut object).insert("name".into(), json!(name));
                set_namespace(t, &mut object, namespace);
                object["apiVersion"] = json!(t.api_version());
                object["kind"] = json!(t.kind);
                default_object(t, &mut object);
                let key = (namespace.unwrap_or_default().to_string(), name.to_string());
                self.finish_create(t, key, object, options.dry_run)
            }
            Some(live) if !applied.changed => Ok(Written { object: live, created: false }),
            Some(live) => {
                default_object(t, &mut object);
                self.finish_update(t, namespace, name, &live, object, options.dry_run)
            }
        }
    }

    /// `PATCH` with `application/merge-patch+json` (RFC 7386); strategic merge patches are
    /// treated the same way, which is exact for maps and replaces lists whole.
    pub fn merge_patch(
        &mut self,
        t: &ResourceType,
        namespace: Option<&str>,
        name: &str,
        patch: &Value,
        options: &WriteOptions,
        default_manager: &str,
    ) -> Result<Written, Failure> {
        let live = self.get(t, namespace, name)?;
        let mut object = live.clone();
        merge(&mut object, patch);
        keep_server_fields(&live, &mut object);
        default_object(t, &mut object);
        let manager = options.field_manager.as_deref().unwrap_or(default_manager);
        if object != live {
            ssa::record_update(&mut object, Some(&live), manager, &t.api_version(), &now_rfc3339());
        }
        self.finish_update(t, namespace, name, &live, object, options.dry_run)
    }

    pub fn delete(
        &mut self,
        t: &ResourceType,
        namespace: Option<&str>,
        name: &str,
        dry_run: bool,
    ) -> Result<Value, Failure> {
        let object = self.get(t, namespace, name)?;
        if !dry_run {
            let key = (namespace.unwrap_or_default().to_string(), name.to_string());
            self.bucket_mut(t).remove(&key);
            self.resource_version += 1;
        }
        Ok(object)
    }
}

fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    object["metadata"].as_object_mut().expect("just made an object")
}

fn set_namespace(t: &ResourceType, object: &mut Value, namespace: Option<&str>) {
    if t.namespaced
        && let Some(ns) = namespace
    {
        metadata_mut(object).insert("namespace".into(), json!(ns));
    }
}

fn clear_server_fields(object: &mut Value) {
    let meta = metadata_mut(object);
    for field in ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"] {
        meta.remove(field);
    }
}

fn keep_server_fields(live: &Value, object: &mut Value) {
    let meta = metadata_mut(object);
    for field in ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"] {
        match live["metadata"].get(field) {
            Some(value) => meta.insert(field.into(), value.clone()),
            None => meta.remove(field),
        };
    }
}

/// Everything but metadata and status: what `generation` counts changes of.
fn spec_of(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    copy
}

fn check_body_type(t: &ResourceType, object: &Value) -> Result<(), Failure> {
    if !object.is_object() {
        return Err(Failure::bad_request("the body of the request is not a JSON or YAML object"));
    }
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    if api_version.is_empty() || kind.is_empty() {
        return Err(Failure::bad_request(
            "Object 'Kind' is missing in the body of the request; apiVersion and kind are required",
        ));
    }
    if api_version != t.api_version() {
        return Err(Failure::bad_request(&format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            t.api_version()
        )));
    }
    if kind != t.kind {
        return Err(Failure::bad_request(&format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            t.kind
        )));
    }
    Ok(())
}

fn check_body_name(object: &Value, name: &str) -> Result<(), Failure> {
    match object["metadata"]["name"].as_str() {
        Some(body_name) if body_name != name => Err(Failure::bad_request(&format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        ))),
        _ => Ok(()),
    }
}

fn check_body_namespace(object: &Value, namespace: Option<&str>) -> Result<(), Failure> {
    match (object["metadata"]["namespace"].as_str(), namespace) {
        (Some(body_ns), Some(ns)) if body_ns != ns => Err(Failure::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
        _ => Ok(()),
    }
}

/// Object names: a DNS-1123 subdomain (lower-case alphanumerics, '-' and '.', at most 253).
fn validate_name(t: &ResourceType, target: &Target, name: &str) -> Result<(), Failure> {
    if name.is_empty() {
        return Err(Failure::invalid(
            target,
            &t.kind,
            "metadata.name",
            "Required value: name or generateName is required",
        ));
    }
    let ok_chars = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    let ok_ends =
        name.starts_with(|c: char| c.is_ascii_alphanumeric()) && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !ok_chars || !ok_ends || name.len() > 253 {
        return Err(Failure::invalid(
            target,
            &t.kind,
            "metadata.name",
            &format!(
                "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
            ),
        ));
    }
    Ok(())
}

/// The API server's defaulting for the kinds the tool reads, so objects come back as a real
/// cluster returns them.
fn default_object(t: &ResourceType, object: &mut Value) {
    match (t.group.as_str(), t.kind.as_str()) {
        ("", "Namespace") => {
            let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
            let meta = metadata_mut(object);
            let labels = meta.entry("labels").or_insert_with(|| json!({}));
            labels["kubernetes.io/metadata.name"] = json!(name);
            if object["spec"].is_null() {
                object["spec"] = json!({ "finalizers": ["kubernetes"] });
            }
            if object["status"].is_null() {
                object["status"] = json!({ "phase": "Active" });
            }
        }
        ("networking.k8s.io", "NetworkPolicy") => {
            let spec = &mut object["spec"];
            if spec.is_null() {
                *spec = json!({});
            }
            if spec["podSelector"].is_null() {
                spec["podSelector"] = json!({});
            }
            if spec["policyTypes"].is_null() {
                let mut types = vec![json!("Ingress")];
                if spec["egress"].as_array().is_some_and(|e| !e.is_empty()) {
                    types.push(json!("Egress"));
                }
                spec["policyTypes"] = Value::Array(types);
            }
            // `get_mut`, not indexing: indexing a JSON object inserts `null` for a missing key,
            // which a real server never stores (and which made a re-apply look like a change).
            for direction in ["ingress", "egress"] {
                for rule in spec.get_mut(direction).and_then(Value::as_array_mut).into_iter().flatten() {
                    if let Some(ports) = rule.get_mut("ports") {
                        default_protocols(ports);
                    }
                }
            }
        }
        ("", "Pod") => {
            for list in ["containers", "initContainers"] {
                for container in object["spec"][list].as_array_mut().into_iter().flatten() {
                    default_protocols(&mut container["ports"]);
                }
            }
        }
        ("", "Service") => {
            for port in object["spec"]["ports"].as_array_mut().into_iter().flatten() {
                if port["protocol"].is_null() {
                    port["protocol"] = json!("TCP");
                }
                if port["targetPort"].is_null() && !port["port"].is_null() {
                    port["targetPort"] = port["port"].clone();
                }
            }
        }
        _ => {}
    }
}

fn default_protocols(ports: &mut Value) {
    for port in ports.as_array_mut().into_iter().flatten() {
        if port.is_object() && port["protocol"].is_null() {
            port["protocol"] = json!("TCP");
        }
    }
}

/// RFC 7386 JSON merge patch.
fn merge(target: &mut Value, patch: &Value) {
    let Some(patch_map) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let target_map = target.as_object_mut().expect("just made an object");
    for (key, value) in patch_map {
        if value.is_null() {
            target_map.remove(key);
        } else {
            merge(target_map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// Continue tokens are opaque to clients: hex of `namespace NUL name`.
fn encode_continue(key: &Key) -> String {
    format!("{}\0{}", key.0, key.1).bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_continue(token: &str) -> Option<Key> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..token.len()).step_by(2).map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok()).collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (ns, name) = text.split_once('\0')?;
    Some((ns.to_string(), name.to_string()))
}

/// The current time as the API server writes it (`2024-05-01T12:00:00Z`).
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}
