//! `kind: Status` error bodies, worded as the real API server words them.
//!
//! Owns only the shape and text of failures; deciding *when* to fail belongs to the store, the
//! router and the fault rules in `apiserver.rs`.

use serde_json::{Value, json};

/// A failure the server answers with: the HTTP code, the `Status` body and an optional
/// `Retry-After` header (seconds).
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: u16,
    pub body: Value,
    pub retry_after: Option<u64>,
}

/// What a failure is about: the resource (plural), its API group, and the object name when the
/// request named one. Real messages embed all three (`networkpolicies.networking.k8s.io "x" ...`).
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub group: String,
    pub resource: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

impl Target {
    /// `pods` or `networkpolicies.networking.k8s.io`: the "qualified resource" of the messages.
    pub fn qualified_resource(&self) -> String {
        if self.group.is_empty() { self.resource.clone() } else { format!("{}.{}", self.resource, self.group) }
    }

    fn subject(&self) -> String {
        match &self.name {
            Some(name) => format!("{} {name:?}", self.qualified_resource()),
            None => self.qualified_resource(),
        }
    }

    fn details(&self) -> Value {
        let mut details = serde_json::Map::new();
        if let Some(name) = &self.name {
            details.insert("name".into(), json!(name));
        }
        if !self.group.is_empty() {
            details.insert("group".into(), json!(self.group));
        }
        if !self.resource.is_empty() {
            details.insert("kind".into(), json!(self.resource));
        }
        Value::Object(details)
    }
}

/// The common `Status` envelope; `details` is left out when it would be empty, as the server does.
pub fn status_body(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(details) = details {
        body["details"] = details;
    }
    body
}

/// The `reason` the real server pairs with each HTTP code.
pub fn reason_for(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    }
}

impl Failure {
    pub fn new(code: u16, message: &str, details: Option<Value>) -> Failure {
        Failure { code, body: status_body(code, reason_for(code), message, details), retry_after: None }
    }

    pub fn bad_request(message: &str) -> Failure {
        Failure::new(400, message, None)
    }

    pub fn unauthorized() -> Failure {
        Failure::new(401, "Unauthorized", None)
    }

    /// `pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "prod"`.
    pub fn forbidden(user: &str, verb: &str, target: &Target) -> Failure {
        let scope = match &target.namespace {
            Some(ns) => format!("in the namespace {ns:?}"),
            None => "at the cluster scope".to_string(),
        };
        let message = format!(
            "{} is forbidden: User {user:?} cannot {verb} resource {:?} in API group {:?} {scope}",
            target.subject(),
            target.resource,
            target.group
        );
        Failure::new(403, &message, Some(target.details()))
    }

    /// For paths that are not resources (`/version`, `/api`): `forbidden: User "u" cannot get path "/version"`.
    pub fn forbidden_path(user: &str, verb: &str, path: &str) -> Failure {
        Failure::new(403, &format!("forbidden: User {user:?} cannot {verb} path {path:?}"), None)
    }

    pub fn not_found(target: &Target) -> Failure {
        Failure::new(404, &format!("{} not found", target.subject()), Some(target.details()))
    }

    /// What the server says for a path it does not serve at all.
    pub fn no_such_resource() -> Failure {
        Failure::new(404, "the server could not find the requested resource", Some(json!({})))
    }

    pub fn already_exists(target: &Target) -> Failure {
        let body =
            status_body(409, "AlreadyExists", &format!("{} already exists", target.subject()), Some(target.details()));
        Failure { code: 409, body, retry_after: None }
    }

    /// An optimistic-concurrency conflict (stale `resourceVersion` on update).
    pub fn modified(target: &Target) -> Failure {
        Failure::new(
            409,
            &format!(
                "Operation cannot be fulfilled on {}: the object has been modified; please apply your changes to the latest version and try again",
                target.subject()
            ),
            Some(target.details()),
        )
    }

    pub fn method_not_allowed(message: &str) -> Failure {
        Failure::new(405, message, Some(json!({})))
    }

    pub fn not_acceptable(message: &str) -> Failure {
        Failure::new(406, message, None)
    }

    pub fn unsupported_media_type(content_type: &str) -> Failure {
        Failure::new(
            415,
            &format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {content_type:?})"
            ),
            None,
        )
    }

    /// A validation failure (`422 Invalid`) on one field.
    pub fn invalid(target: &Target, kind: &str, field: &str, detail: &str) -> Failure {
        let message = format!("{kind} {:?} is invalid: {field}: {detail}", target.name.clone().unwrap_or_default());
        let mut details = target.details();
        details["kind"] = json!(kind);
        details["causes"] = json!([{ "reason": "FieldValueInvalid", "message": detail, "field": field }]);
        Failure::new(422, &message, Some(details))
    }

    pub fn expired_continue() -> Failure {
        Failure::new(
            410,
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
            None,
        )
    }

    /// The generic body of an injected status: what the real server says for that code.
    pub fn injected(code: u16, user: &str, verb: &str, target: Option<&Target>, path: &str) -> Failure {
        match (code, target) {
            (401, _) => Failure::unauthorized(),
            (403, Some(target)) => Failure::forbidden(user, verb, target),
            (403, None) => Failure::forbidden_path(user, verb, path),
            (404, Some(target)) if target.name.is_some() => Failure::not_found(target),
            (404, _) => Failure::no_such_resource(),
            (409, Some(target)) => Failure::modified(target),
            (410, _) => Failure::expired_continue(),
            (429, _) => Failure::new(429, "Too many requests, please try again later.", None),
            (500, _) => Failure::new(
                500,
                "Internal error occurred: injected fault",
                Some(json!({ "causes": [{ "message": "injected fault" }] })),
            ),
            (503, _) => Failure::new(503, "the server is currently unable to handle the request", None),
            (504, Some(target)) => Failure::new(
                504,
                &format!(
                    "The {verb} operation against {} could not be completed at this time, please try again.",
                    target.qualified_resource()
                ),
                None,
            ),
            (code, _) => Failure::new(code, &format!("injected failure with HTTP status {code}"), None),
        }
    }
}
