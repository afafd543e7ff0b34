//! Routing and answering: REST paths to store calls, content negotiation (full objects or
//! `PartialObjectMetadata`), write options, discovery documents, and the bodies of injected faults.
//!
//! Synchronous over a locked store; knows nothing of sockets, the request log or server modes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use hyper::body::Bytes;
use serde_json::{Value, json};

use super::apiserver::{lock, parse_documents};
use super::fault::Fault;
use super::status::{Failure, Target};
use super::store::{ListPage, ListQuery, ResourceType, Store, WriteOptions, Written};

const JSON: &str = "application/json";
const META_MIME: &str = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
const META_LIST_MIME: &str = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/// A parsed request, as the router sees it.
pub(super) struct Call {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) params: Vec<(String, String)>,
    pub(super) accept: Option<String>,
    pub(super) content_type: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) body: Bytes,
    /// The authenticated user, or why not.
    pub(super) user: Result<String, Failure>,
}

impl Call {
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(super) fn user_name(&self) -> String {
        self.user.clone().unwrap_or_else(|_| "system:anonymous".into())
    }
}

pub(super) struct Reply {
    pub(super) code: u16,
    pub(super) body: Value,
    pub(super) content_type: String,
    pub(super) retry_after: Option<u64>,
}

impl Reply {
    pub(super) fn json(code: u16, body: Value) -> Reply {
        Reply { code, body, content_type: JSON.into(), retry_after: None }
    }

    pub(super) fn failure(failure: Failure) -> Reply {
        Reply { code: failure.code, body: failure.body, content_type: JSON.into(), retry_after: failure.retry_after }
    }
}

pub(super) fn injected_reply(fault: &Fault, call: &Call) -> Reply {
    let code = fault.status.unwrap_or(200);
    let route = parse_route(&call.path);
    let (verb, target) = match &route {
        Route::Resource { group, plural, namespace, name, .. } => (
            verb_of(&call.method, name.is_some(), call.param("watch") == Some("true")),
            Some(Target {
                group: group.clone(),
                resource: plural.clone(),
                name: name.clone(),
                namespace: namespace.clone(),
            }),
        ),
        _ => (call.method.to_ascii_lowercase(), None),
    };
    let mut failure = Failure::injected(code, &call.user_name(), &verb, target.as_ref(), &call.path);
    if let Some(message) = &fault.message {
        failure.body["message"] = json!(message);
    }
    if let Some(secs) = fault.retry_after {
        failure.retry_after = Some(secs);
        failure.body["details"]["retryAfterSeconds"] = json!(secs);
    }
    if let Some(body) = &fault.body {
        failure.body = body.clone();
    }
    Reply { code, body: failure.body, content_type: JSON.into(), retry_after: failure.retry_after }
}

fn verb_of(method: &str, named: bool, watch: bool) -> String {
    match (method, named) {
        ("GET", _) if watch => "watch",
        ("GET", true) => "get",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "unknown",
    }
    .to_string()
}

enum Route {
    Version,
    Health,
    CoreVersions,
    Groups,
    Group(String),
    ResourceList {
        group: String,
        version: String,
    },
    Resource {
        group: String,
        version: String,
        plural: String,
        namespace: Option<String>,
        name: Option<String>,
        subresource: Option<String>,
    },
    Unknown,
}

fn parse_route(path: &str) -> Route {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segments.as_slice() {
        ["version"] => return Route::Version,
        ["healthz" | "readyz" | "livez"] => return Route::Health,
        ["api"] => return Route::CoreVersions,
        ["apis"] => return Route::Groups,
        ["apis", group] => return Route::Group(group.to_string()),
        ["api", version, rest @ ..] => ("", version, rest),
        ["apis", group, version, rest @ ..] => (group, version, rest),
        _ => return Route::Unknown,
    };
    let resource = |plural: &str, namespace: Option<&str>, name: Option<&str>, sub: Option<&str>| Route::Resource {
        group: group.into(),
        version: version.into(),
        plural: plural.into(),
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
        subresource: sub.map(str::to_string),
    };
    match rest {
        [] => Route::ResourceList { group: group.into(), version: version.into() },
        ["namespaces", ns, plural] => resource(plural, Some(ns), None, None),
        ["namespaces", ns, plural, name] => resource(plural, Some(ns), Some(name), None),
        ["namespaces", ns, plural, name, sub] => resource(plural, Some(ns), Some(name), Some(sub)),
        [plural] => resource(plural, None, None, None),
        [plural, name] => resource(plural, None, Some(name), None),
        [plural, name, sub] => resource(plural, None, Some(name), Some(sub)),
        _ => Route::Unknown,
    }
}

pub(super) fn respond(store: &Mutex<Store>, call: &Call) -> Reply {
    if let Err(failure) = &call.user {
        return Reply::failure(failure.clone());
    }
    let route = parse_route(&call.path);
    if !matches!(route, Route::Resource { .. }) && call.method != "GET" {
        return Reply::failure(Failure::method_not_allowed(&format!(
            "the server does not allow this method on the requested resource ({} {})",
            call.method, call.path
        )));
    }
    let guard = lock(store);
    match route {
        Route::Version => Reply::json(200, version_info()),
        Route::Health => Reply { code: 200, body: json!("ok"), content_type: JSON.into(), retry_after: None },
        Route::CoreVersions => Reply::json(
            200,
            json!({
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{ "clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443" }],
            }),
        ),
        Route::Groups => match aggregated_version(call.accept.as_deref()).filter(|_| !guard.plain_discovery) {
            Some(version) => Reply {
                code: 200,
                body: aggregated_list(guard.types(), version),
                content_type: format!("application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"),
                retry_after: None,
            },
            None => Reply::json(200, group_list(guard.types())),
        },
        Route::Group(group) => match group_list(guard.types())["groups"]
            .as_array()
            .and_then(|gs| gs.iter().find(|g| g["name"] == json!(group)).cloned())
        {
            Some(mut g) => {
                g["kind"] = json!("APIGroup");
                g["apiVersion"] = json!("v1");
                Reply::json(200, g)
            }
            None => Reply::failure(Failure::no_such_resource()),
        },
        Route::ResourceList { group, version } => {
            let resources: Vec<Value> = guard
                .types()
                .iter()
                .filter(|t| t.group == group && t.version == version)
                .map(|t| {
                    json!({
                        "name": t.plural,
                        "singularName": t.kind.to_ascii_lowercase(),
                        "namespaced": t.namespaced,
                        "kind": t.kind,
                        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update"],
                    })
                })
                .collect();
            if resources.is_empty() {
                return Reply::failure(Failure::no_such_resource());
            }
            let group_version = if group.is_empty() { version } else { format!("{group}/{version}") };
            Reply::json(
                200,
                json!({ "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources }),
            )
        }
        Route::Resource { group, version, plural, namespace, name, subresource } => {
            drop(guard);
            resource_call(
                store,
                call,
                &group,
                &version,
                &plural,
                namespace.as_deref(),
                name.as_deref(),
                subresource.as_deref(),
            )
        }
        Route::Unknown => Reply::failure(Failure::no_such_resource()),
    }
}

fn version_info() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-04-23T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn group_list(types: &[ResourceType]) -> Value {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in types.iter().filter(|t| !t.group.is_empty()) {
        let versions = groups.entry(&t.group).or_default();
        if !versions.contains(&t.version.as_str()) {
            versions.push(&t.version);
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(name, versions)| {
            let versions: Vec<Value> =
                versions.iter().map(|v| json!({ "groupVersion": format!("{name}/{v}"), "version": v })).collect();
            json!({ "name": name, "preferredVersion": versions[0].clone(), "versions": versions })
        })
        .collect();
    json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
}

/// The aggregated discovery version (`v2`, `v2beta1`) the client prefers over the plain
/// `APIGroupList`, if any: the first media type of `Accept` that the server can answer decides.
fn aggregated_version(accept: Option<&str>) -> Option<&'static str> {
    for media in accept?.split(',') {
        let mut pieces = media.split(';').map(str::trim);
        let base = pieces.next().unwrap_or_default().to_ascii_lowercase();
        if !matches!(base.as_str(), "application/json" | "application/*" | "*/*") {
            continue;
        }
        let params: BTreeMap<&str, &str> = pieces.filter_map(|p| p.split_once('=')).collect();
        match (params.get("as"), params.get("g"), params.get("v")) {
            (None, _, _) => return None,
            (Some(&"APIGroupDiscoveryList"), Some(&"apidiscovery.k8s.io"), Some(&"v2")) => return Some("v2"),
            (Some(&"APIGroupDiscoveryList"), Some(&"apidiscovery.k8s.io"), Some(&"v2beta1")) => return Some("v2beta1"),
            _ => continue,
        }
    }
    None
}

/// The `APIGroupDiscoveryList` of the named groups: each group's versions (in the order
/// registered, the first preferred) with their resources.
fn aggregated_list(types: &[ResourceType], version: &str) -> Value {
    type Versions<'t> = Vec<(&'t str, Vec<&'t ResourceType>)>;
    let mut groups: Vec<(&str, Versions)> = Vec::new();
    for t in types.iter().filter(|t| !t.group.is_empty()) {
        let g = match groups.iter().position(|(name, _)| *name == t.group) {
            Some(i) => &mut groups[i].1,
            None => {
                groups.push((&t.group, Vec::new()));
                &mut groups.last_mut().expect("just pushed").1
            }
        };
        match g.iter().position(|(v, _)| *v == t.version) {
            Some(i) => g[i].1.push(t),
            None => g.push((&t.version, vec![t])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(b.0));
    let items: Vec<Value> = groups
        .into_iter()
        .map(|(name, versions)| {
            let versions: Vec<Value> = versions
                .into_iter()
                .map(|(v, resources)| {
                    let resources: Vec<Value> = resources
                        .iter()
                        .map(|t| {
                            json!({
                                "resource": t.plural,
                                "responseKind": { "group": t.group, "version": t.version, "kind": t.kind },
                                "scope": if t.namespaced { "Namespaced" } else { "Cluster" },
                                "singularResource": t.kind.to_ascii_lowercase(),
                                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update"],
                            })
                        })
                        .collect();
                    json!({ "version": v, "resources": resources, "freshness": "Current" })
                })
                .collect();
            json!({ "metadata": { "name": name }, "versions": versions })
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {},
        "items": items,
    })
}

/// What the client accepts for the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Full,
    Metadata,
    MetadataList,
}

/// Content negotiation over the `Accept` header, in the client's order of preference.
fn negotiate(accept: Option<&str>, is_list: bool) -> Result<Shape, Failure> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else { return Ok(Shape::Full) };
    let mut list_mismatch = false;
    for media in accept.split(',') {
        let mut pieces = media.split(';').map(str::trim);
        let base = pieces.next().unwrap_or_default().to_ascii_lowercase();
        let params: BTreeMap<String, String> = pieces
            .filter_map(|p| p.split_once('=').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
            .collect();
        if !matches!(base.as_str(), "application/json" | "application/*" | "*/*") {
            continue;
        }
        match params.get("as").map(String::as_str) {
            None => return Ok(Shape::Full),
            Some(kind @ ("PartialObjectMetadata" | "PartialObjectMetadataList")) => {
                let group_ok = params.get("g").map(String::as_str) == Some("meta.k8s.io");
                let version_ok = matches!(params.get("v").map(String::as_str), Some("v1"));
                if !group_ok || !version_ok {
                    continue;
                }
                match (kind, is_list) {
                    ("PartialObjectMetadataList", true) => return Ok(Shape::MetadataList),
                    ("PartialObjectMetadata", false) => return Ok(Shape::Metadata),
                    _ => list_mismatch = true,
                }
            }
            Some(_) => continue,
        }
    }
    if list_mismatch {
        let asked = if is_list {
            "PartialObjectMetadata, but the requested object is a list"
        } else {
            "PartialObjectMetadataList, but the requested object is not a list"
        };
        return Err(Failure::not_acceptable(&format!("you requested {asked}")));
    }
    Err(Failure::not_acceptable(&format!(
        "only the following media types are accepted: {JSON}, {META_MIME}, {META_LIST_MIME}"
    )))
}

fn partial(object: &Value) -> Value {
    json!({ "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"].clone() })
}

fn object_reply(code: u16, object: Value, shape: Shape) -> Reply {
    match shape {
        Shape::Metadata => Reply { code, body: partial(&object), content_type: META_MIME.into(), retry_after: None },
        _ => Reply::json(code, object),
    }
}

fn written_reply(written: Result<Written, Failure>, shape: Shape) -> Reply {
    match written {
        Ok(w) => object_reply(if w.created { 201 } else { 200 }, w.object, shape),
        Err(f) => Reply::failure(f),
    }
}

#[allow(clippy::too_many_arguments)]
fn resource_call(
    store: &Mutex<Store>,
    call: &Call,
    group: &str,
    version: &str,
    plural: &str,
    namespace: Option<&str>,
    name: Option<&str>,
    subresource: Option<&str>,
) -> Reply {
    let mut store = lock(store);
    let Some(t) = store.type_for_path(group, version, plural) else {
        return Reply::failure(Failure::no_such_resource());
    };
    if namespace.is_some() && !t.namespaced {
        return Reply::failure(Failure::no_such_resource());
    }
    // The all-namespaces path of a namespaced resource only lists.
    if t.namespaced && namespace.is_none() && call.method != "GET" {
        return Reply::failure(Failure::method_not_allowed(&format!(
            "the server does not allow this method on the requested resource ({} {})",
            call.method, call.path
        )));
    }
    if let Some(sub) = subresource {
        return Reply::failure(Failure::new(
            404,
            &format!("the test API server does not serve the {sub:?} subresource of {plural}"),
            None,
        ));
    }
    let is_list = name.is_none() && call.method == "GET";
    let shape = match negotiate(call.accept.as_deref(), is_list) {
        Ok(shape) => shape,
        Err(failure) => return Reply::failure(failure),
    };
    let options = match write_options(call) {
        Ok(options) => options,
        Err(failure) => return Reply::failure(failure),
    };
    let default_manager = call
        .user_agent
        .as_deref()
        .and_then(|ua| ua.split('/').next())
        .filter(|m| !m.is_empty())
        .unwrap_or("unknown")
        .to_string();

    match (call.method.as_str(), name) {
        ("GET", _) if call.param("watch").is_some_and(|w| w == "true" || w == "1") => {
            Reply::failure(Failure::method_not_allowed("watch is not served by the test API server; list instead"))
        }
        ("GET", None) => {
            let limit = match call.param("limit").map(str::parse::<usize>) {
                Some(Err(_)) => return Reply::failure(Failure::bad_request("limit must be a non-negative integer")),
                Some(Ok(limit)) => Some(limit),
                None => None,
            };
            let query = ListQuery {
                namespace: namespace.map(str::to_string),
                label_selector: call.param("labelSelector").map(str::to_string),
                field_selector: call.param("fieldSelector").map(str::to_string),
                limit,
                continue_token: call.param("continue").filter(|c| !c.is_empty()).map(str::to_string),
            };
            match store.list(&t, &query) {
                Ok(page) => list_reply(&t, page, shape),
                Err(f) => Reply::failure(f),
            }
        }
        ("GET", Some(name)) => match store.get(&t, namespace, name) {
            Ok(object) => object_reply(200, object, shape),
            Err(f) => Reply::failure(f),
        },
        ("POST", None) => match parse_body(call) {
            Ok(object) => written_reply(store.create(&t, namespace, object, &options, &default_manager), shape),
            Err(f) => Reply::failure(f),
        },
        ("PUT", Some(name)) => match parse_body(call) {
            Ok(object) => written_reply(store.replace(&t, namespace, name, object, &options, &default_manager), shape),
            Err(f) => Reply::failure(f),
        },
        ("PATCH", Some(name)) => {
            let content_type = call.content_type.as_deref().unwrap_or_default();
            let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            let body = match parse_body(call) {
                Ok(body) => body,
                Err(f) => return Reply::failure(f),
            };
            match media.as_str() {
                "application/apply-patch+yaml" => {
                    written_reply(store.apply(&t, namespace, name, body, &options), shape)
                }
                "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
                    written_reply(store.merge_patch(&t, namespace, name, &body, &options, &default_manager), shape)
                }
                _ => Reply::failure(Failure::unsupported_media_type(content_type)),
            }
        }
        ("DELETE", Some(name)) => match store.delete(&t, namespace, name, options.dry_run) {
            Ok(object) => object_reply(200, object, shape),
            Err(f) => Reply::failure(f),
        },
        ("DELETE", None) => {
            let query = ListQuery {
                namespace: namespace.map(str::to_string),
                label_selector: call.param("labelSelector").map(str::to_string),
                field_selector: call.param("fieldSelector").map(str::to_string),
                ..ListQuery::default()
            };
            let page = match store.list(&t, &query) {
                Ok(page) => page,
                Err(f) => return Reply::failure(f),
            };
            for object in &page.items {
                let ns = object["metadata"]["namespace"].as_str();
                let name = object["metadata"]["name"].as_str().unwrap_or_default();
                let _ = store.delete(&t, ns, name, options.dry_run);
            }
            list_reply(&t, page, Shape::Full)
        }
        (method, _) => Reply::failure(Failure::method_not_allowed(&format!(
            "the server does not allow this method on the requested resource ({method} {})",
            call.path
        ))),
    }
}

fn write_options(call: &Call) -> Result<WriteOptions, Failure> {
    let dry_run = match call.param("dryRun") {
        None | Some("") => false,
        Some("All") => true,
        Some(other) => {
            return Err(Failure::bad_request(&format!(
                "dryRun: Unsupported value: {other:?}: supported values: \"All\""
            )));
        }
    };
    let force = match call.param("force") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Failure::bad_request(&format!("force: Invalid value: {other:?}: must be true or false")));
        }
    };
    if force && call.content_type.as_deref().is_none_or(|c| !c.starts_with("application/apply-patch+yaml")) {
        return Err(Failure::bad_request("force: Forbidden: may not be specified for non-apply patch"));
    }
    Ok(WriteOptions { field_manager: call.param("fieldManager").map(str::to_string), force, dry_run })
}

fn parse_body(call: &Call) -> Result<Value, Failure> {
    let text = std::str::from_utf8(&call.body).map_err(|_| Failure::bad_request("the request body is not UTF-8"))?;
    let mut documents =
        parse_documents(text).map_err(|e| Failure::bad_request(&format!("error decoding the request body: {e}")))?;
    match documents.len() {
        1 => Ok(documents.remove(0)),
        0 => Err(Failure::bad_request("the request body is empty")),
        n => Err(Failure::bad_request(&format!("the request body holds {n} documents; one object was expected"))),
    }
}

fn list_reply(t: &ResourceType, page: ListPage, shape: Shape) -> Reply {
    let mut metadata = json!({ "resourceVersion": page.resource_version });
    if let Some(token) = &page.continue_token {
        metadata["continue"] = json!(token);
    }
    if let Some(remaining) = page.remaining_item_count {
        metadata["remainingItemCount"] = json!(remaining);
    }
    match shape {
        Shape::MetadataList => Reply {
            code: 200,
            body: json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": metadata,
                "items": page.items.iter().map(partial).collect::<Vec<_>>(),
            }),
            content_type: META_LIST_MIME.into(),
            retry_after: None,
        },
        _ => {
            // Items of a typed list carry no apiVersion or kind, as the real server sends them.
            let items: Vec<Value> = page
                .items
                .into_iter()
                .map(|mut item| {
                    if let Some(map) = item.as_object_mut() {
                        map.remove("apiVersion");
                        map.remove("kind");
                    }
                    item
                })
                .collect();
            Reply::json(
                200,
                json!({
                    "kind": format!("{}List", t.kind),
                    "apiVersion": t.api_version(),
                    "metadata": metadata,
                    "items": items,
                }),
            )
        }
    }
}
