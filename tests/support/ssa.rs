//! Server-side apply: field ownership in `metadata.managedFields`, conflict detection, and the
//! merge of an applied configuration into the live object.
//!
//! The field sets are coarser than structured-merge-diff's but honest: a manager owns the
//! top-level children of each top-level field it set (`.spec.podSelector`, `.spec.policyTypes`,
//! `.data.key`), each label and annotation key (`.metadata.labels.app`), and whole other metadata
//! fields (`.metadata.ownerReferences`). Values under an owned path are compared and replaced as a
//! whole. Conflicts, forced takeovers, shared ownership of equal values, removal of fields a
//! manager stopped applying, and the "before-first-apply" owner of objects without managed fields
//! follow the real server. Pure functions: no HTTP, no storage.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// A field path such as `["spec", "podSelector"]`, printed `.spec.podSelector`.
pub type FieldPath = Vec<String>;

pub fn path_string(path: &FieldPath) -> String {
    path.iter().map(|s| format!(".{s}")).collect()
}

/// One `metadata.managedFields` entry, decoded to our granularity.
#[derive(Debug, Clone, PartialEq)]
pub struct Manager {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub api_version: String,
    pub time: Option<String>,
    pub fields: BTreeSet<FieldPath>,
}

impl Manager {
    /// `"kubectl-deny"` for appliers, `"kubectl-client-side-apply" using networking.k8s.io/v1` for
    /// updaters: the real server's `printManager`, whose manager identifiers never carry a time.
    pub fn describe(&self) -> String {
        if self.operation == "Update" {
            format!("{:?} using {}", self.manager, self.api_version)
        } else {
            format!("{:?}", self.manager)
        }
    }

    fn same_identity(&self, manager: &str, operation: &str) -> bool {
        self.manager == manager && self.operation == operation
    }

    pub fn to_entry(&self) -> Value {
        let mut entry = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        });
        if let Some(time) = &self.time {
            entry["time"] = json!(time);
        }
        entry["fieldsType"] = json!("FieldsV1");
        entry["fieldsV1"] = encode_fields(&self.fields);
        entry
    }
}

/// The fields an object (or applied configuration) sets, at our granularity.
pub fn fields_of(object: &Value) -> BTreeSet<FieldPath> {
    let mut fields = BTreeSet::new();
    let Some(map) = object.as_object() else { return fields };
    for (key, value) in map {
        match key.as_str() {
            "apiVersion" | "kind" | "status" => {}
            "metadata" => {
                for (mkey, mvalue) in value.as_object().into_iter().flatten() {
                    match mkey.as_str() {
                        "labels" | "annotations" => {
                            for k in mvalue.as_object().into_iter().flatten().map(|(k, _)| k) {
                                fields.insert(vec!["metadata".into(), mkey.clone(), k.clone()]);
                            }
                        }
                        "ownerReferences" | "finalizers" => {
                            fields.insert(vec!["metadata".into(), mkey.clone()]);
                        }
                        _ => {}
                    }
                }
            }
            _ => match value.as_object() {
                Some(children) if !children.is_empty() => {
                    for child in children.keys() {
                        fields.insert(vec![key.clone(), child.clone()]);
                    }
                }
                _ => {
                    fields.insert(vec![key.clone()]);
                }
            },
        }
    }
    fields
}

/// `{"f:spec": {"f:podSelector": {}}}`: the FieldsV1 encoding of a field set.
pub fn encode_fields(fields: &BTreeSet<FieldPath>) -> Value {
    let mut root = Map::new();
    for path in fields {
        let mut node = &mut root;
        for segment in path {
            node = node
                .entry(format!("f:{segment}"))
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("FieldsV1 nodes are objects");
        }
    }
    Value::Object(root)
}

/// Decodes FieldsV1 (as written by any real manager) down to our granularity, so fixtures can
/// carry managedFields copied from a real cluster.
pub fn decode_fields(fields_v1: &Value) -> BTreeSet<FieldPath> {
    fn children(node: &Value) -> Vec<(String, &Value)> {
        node.as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| k.strip_prefix("f:").map(|name| (name.to_string(), v)))
            .collect()
    }
    let mut fields = BTreeSet::new();
    for (top, node) in children(fields_v1) {
        match top.as_str() {
            "apiVersion" | "kind" | "status" => {}
            "metadata" => {
                for (mkey, mnode) in children(node) {
                    match mkey.as_str() {
                        "labels" | "annotations" => {
                            for (k, _) in children(mnode) {
                                fields.insert(vec!["metadata".into(), mkey.clone(), k]);
                            }
                        }
                        "ownerReferences" | "finalizers" => {
                            fields.insert(vec!["metadata".into(), mkey]);
                        }
                        _ => {}
                    }
                }
            }
            _ => {
                let kids = children(node);
                if kids.is_empty() {
                    fields.insert(vec![top]);
                } else {
                    for (child, _) in kids {
                        fields.insert(vec![top.clone(), child]);
                    }
                }
            }
        }
    }
    fields
}

/// The managers recorded on a live object. An object that has none is owned, field by field, by
/// the synthetic `before-first-apply` updater, as on the real server.
pub fn managers_of(object: &Value) -> Vec<Manager> {
    let entries = object["metadata"]["managedFields"].as_array().cloned().unwrap_or_default();
    if entries.is_empty() {
        let fields = fields_of(object);
        if fields.is_empty() {
            return Vec::new();
        }
        return vec![Manager {
            manager: "before-first-apply".into(),
            operation: "Update".into(),
            api_version: object["apiVersion"].as_str().unwrap_or_default().into(),
            time: None,
            fields,
        }];
    }
    entries
        .iter()
        .map(|e| Manager {
            manager: e["manager"].as_str().unwrap_or_default().into(),
            operation: e["operation"].as_str().unwrap_or("Update").into(),
            api_version: e["apiVersion"].as_str().unwrap_or_default().into(),
            time: e["time"].as_str().map(str::to_string),
            fields: decode_fields(&e["fieldsV1"]),
        })
        .collect()
}

pub fn value_at<'a>(object: &'a Value, path: &FieldPath) -> Option<&'a Value> {
    let mut node = object;
    for segment in path {
        node = node.as_object()?.get(segment)?;
    }
    Some(node)
}

fn set_at(object: &mut Value, path: &FieldPath, value: Value) {
    let mut node = object;
    for segment in &path[..path.len() - 1] {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let map = node.as_object_mut().expect("just made an object");
        node = map.entry(segment.clone()).or_insert_with(|| Value::Object(Map::new()));
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    node.as_object_mut().expect("just made an object").insert(path[path.len() - 1].clone(), value);
}

fn remove_at(object: &mut Value, path: &FieldPath) {
    let (last, parents) = path.split_last().expect("field paths are never empty");
    let mut node = &mut *object;
    for segment in parents {
        match node.get_mut(segment) {
            Some(next) => node = next,
            None => return,
        }
    }
    if let Some(map) = node.as_object_mut() {
        map.remove(last);
    }
    // An emptied label or annotation map disappears, as it does on the server.
    if parents.len() == 2
        && parents[0] == "metadata"
        && let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut)
        && meta.get(&parents[1]).and_then(Value::as_object).is_some_and(Map::is_empty)
    {
        meta.remove(&parents[1]);
    }
}

/// One conflict: another manager owns a field the applier sets to a different value.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub manager: String,
    pub path: FieldPath,
}

/// The `409 Conflict` body of the real server for a list of conflicts.
pub fn conflict_status(conflicts: &[Conflict]) -> Value {
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|c| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with {}", c.manager),
                "field": path_string(&c.path),
            })
        })
        .collect();
    let message = if let [only] = conflicts {
        format!("Apply failed with 1 conflict: conflict with {}: {}", only.manager, path_string(&only.path))
    } else {
        let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
        managers.sort();
        managers.dedup();
        let mut lines = Vec::new();
        for manager in managers {
            lines.push(format!("conflicts with {manager}:"));
            for c in conflicts.iter().filter(|c| c.manager == manager) {
                lines.push(format!("- {}", path_string(&c.path)));
            }
        }
        format!("Apply failed with {} conflicts: {}", conflicts.len(), lines.join("\n"))
    };
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "Conflict",
        "details": { "causes": causes },
        "code": 409,
    })
}

/// The outcome of applying a configuration to a live object.
pub struct Applied {
    /// The merged object, `metadata.managedFields` already rewritten.
    pub object: Value,
    /// False when the apply changed neither the object nor its ownership: nothing is written and
    /// the `resourceVersion` stays.
    pub changed: bool,
}

/// Applies `config` as `manager` (`operation: Apply`) onto `live` (None: the object is created).
/// `now` stamps the manager's entry when something changes.
pub fn apply(
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
    now: &str,
) -> Result<Applied, Vec<Conflict>> {
    let applied_fields = fields_of(config);
    let empty = json!({});
    let live_object = live.unwrap_or(&empty);
    let mut managers = live.map(managers_of).unwrap_or_default();

    let mut conflicts = Vec::new();
    for other in managers.iter().filter(|m| !m.same_identity(manager, "Apply")) {
        for path in applied_fields.intersection(&other.fields) {
            if value_at(live_object, path) != value_at(config, path) {
                conflicts.push(Conflict { manager: other.describe(), path: path.clone() });
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    if force {
        for other in managers.iter_mut().filter(|m| !m.same_identity(manager, "Apply")) {
            other
                .fields
                .retain(|path| !applied_fields.contains(path) || value_at(live_object, path) == value_at(config, path));
        }
    }

    let previous =
        managers.iter().find(|m| m.same_identity(manager, "Apply")).map(|m| m.fields.clone()).unwrap_or_default();
    let mut object = live_object.clone();
    for path in previous.difference(&applied_fields) {
        let still_owned = managers.iter().any(|m| !m.same_identity(manager, "Apply") && m.fields.contains(path));
        if !still_owned {
            remove_at(&mut object, path);
        }
    }
    for path in &applied_fields {
        set_at(&mut object, path, value_at(config, path).cloned().unwrap_or(Value::Null));
    }

    let mut new_managers = managers.clone();
    match new_managers.iter_mut().find(|m| m.same_identity(manager, "Apply")) {
        Some(entry) => entry.fields = applied_fields.clone(),
        None => new_managers.push(Manager {
            manager: manager.into(),
            operation: "Apply".into(),
            api_version: api_version.into(),
            time: None,
            fields: applied_fields.clone(),
        }),
    }
    new_managers.retain(|m| !m.fields.is_empty());

    let ownership_changed = {
        let key = |ms: &[Manager]| {
            ms.iter().map(|m| (m.manager.clone(), m.operation.clone(), m.fields.clone())).collect::<Vec<_>>()
        };
        live.is_none() || key(&managers) != key(&new_managers) || live_object["metadata"]["managedFields"].is_null()
    };
    let changed = live.is_none() || strip_managed(&object) != strip_managed(live_object) || ownership_changed;
    if !changed {
        return Ok(Applied { object: live_object.clone(), changed: false });
    }
    for entry in new_managers.iter_mut().filter(|m| m.same_identity(manager, "Apply")) {
        entry.time = Some(now.to_string());
        entry.api_version = api_version.to_string();
    }
    write_managers(&mut object, &new_managers);
    Ok(Applied { object, changed: true })
}

/// Records a non-apply write (create, update, merge patch) by `manager` as an `Update` entry that
/// owns every field the object now has that no other manager owns.
pub fn record_update(object: &mut Value, previous: Option<&Value>, manager: &str, api_version: &str, now: &str) {
    let mut managers = previous.map(managers_of).unwrap_or_default();
    let changed: BTreeSet<FieldPath> = fields_of(object)
        .into_iter()
        .filter(|path| previous.is_none_or(|p| value_at(p, path) != value_at(object, path)))
        .collect();
    for other in managers.iter_mut() {
        other.fields.retain(|path| !changed.contains(path) && value_at(object, path).is_some());
    }
    match managers.iter_mut().find(|m| m.same_identity(manager, "Update")) {
        Some(entry) => {
            entry.fields.extend(changed);
            entry.time = Some(now.into());
        }
        None => managers.push(Manager {
            manager: manager.into(),
            operation: "Update".into(),
            api_version: api_version.into(),
            time: Some(now.into()),
            fields: changed,
        }),
    }
    managers.retain(|m| !m.fields.is_empty());
    write_managers(object, &managers);
}

fn write_managers(object: &mut Value, managers: &[Manager]) {
    let entries: Vec<Value> = managers.iter().map(Manager::to_entry).collect();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("managedFields".into(), Value::Array(entries));
    } else {
        set_at(object, &vec!["metadata".into(), "managedFields".into()], Value::Array(entries));
    }
}

fn strip_managed(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(meta) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    copy
}
