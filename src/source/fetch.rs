//! Raw reads from the API server: paginated lists (optionally metadata-only) and gets, returned
//! as response text so that the borrowing wire types can parse them without copying. The thin
//! async part of the live source; turning responses into a snapshot is `convert`'s job.

use kube::api::{GetParams, ListParams};
use kube::core::Request;

use super::SourceError;
use super::cluster::{Call, ClusterError, Connection};

/// A resource type as the API serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// `/api/v1` or `/apis/GROUP/VERSION`.
    pub prefix: &'static str,
    /// The plural resource name in URLs: `pods`.
    pub plural: &'static str,
    /// The name RBAC and `kubectl auth can-i` use: `pods`, `networkpolicies.networking.k8s.io`.
    pub rbac: &'static str,
    pub namespaced: bool,
}

pub const NAMESPACES: Resource =
    Resource { prefix: "/api/v1", plural: "namespaces", rbac: "namespaces", namespaced: false };
pub const PODS: Resource = Resource { prefix: "/api/v1", plural: "pods", rbac: "pods", namespaced: true };
pub const SERVICES: Resource = Resource { prefix: "/api/v1", plural: "services", rbac: "services", namespaced: true };
pub const NODES: Resource = Resource { prefix: "/api/v1", plural: "nodes", rbac: "nodes", namespaced: false };
pub const NETWORK_POLICIES: Resource = Resource {
    prefix: "/apis/networking.k8s.io/v1",
    plural: "networkpolicies",
    rbac: "networkpolicies.networking.k8s.io",
    namespaced: true,
};
pub const INGRESS_CLASSES: Resource = Resource {
    prefix: "/apis/networking.k8s.io/v1",
    plural: "ingressclasses",
    rbac: "ingressclasses.networking.k8s.io",
    namespaced: false,
};
pub const ENDPOINT_SLICES: Resource = Resource {
    prefix: "/apis/discovery.k8s.io/v1",
    plural: "endpointslices",
    rbac: "endpointslices.discovery.k8s.io",
    namespaced: true,
};
pub const DEPLOYMENTS: Resource =
    Resource { prefix: "/apis/apps/v1", plural: "deployments", rbac: "deployments.apps", namespaced: true };
pub const STATEFULSETS: Resource =
    Resource { prefix: "/apis/apps/v1", plural: "statefulsets", rbac: "statefulsets.apps", namespaced: true };
pub const DAEMONSETS: Resource =
    Resource { prefix: "/apis/apps/v1", plural: "daemonsets", rbac: "daemonsets.apps", namespaced: true };
pub const REPLICASETS: Resource =
    Resource { prefix: "/apis/apps/v1", plural: "replicasets", rbac: "replicasets.apps", namespaced: true };
pub const JOBS: Resource = Resource { prefix: "/apis/batch/v1", plural: "jobs", rbac: "jobs.batch", namespaced: true };
pub const CRONJOBS: Resource =
    Resource { prefix: "/apis/batch/v1", plural: "cronjobs", rbac: "cronjobs.batch", namespaced: true };

pub const CILIUM_NETWORK_POLICIES: Resource = Resource {
    prefix: "/apis/cilium.io/v2",
    plural: "ciliumnetworkpolicies",
    rbac: "ciliumnetworkpolicies.cilium.io",
    namespaced: true,
};
pub const CILIUM_CLUSTERWIDE_NETWORK_POLICIES: Resource = Resource {
    prefix: "/apis/cilium.io/v2",
    plural: "ciliumclusterwidenetworkpolicies",
    rbac: "ciliumclusterwidenetworkpolicies.cilium.io",
    namespaced: false,
};
pub const CILIUM_CIDR_GROUPS: Resource = Resource {
    prefix: "/apis/cilium.io/v2alpha1",
    plural: "ciliumcidrgroups",
    rbac: "ciliumcidrgroups.cilium.io",
    namespaced: false,
};

/// Page size of list calls: large enough that most clusters answer in one page, small enough that
/// a 100,000-pod cluster never sends one giant response.
pub const PAGE_SIZE: u32 = 500;

impl Resource {
    /// The collection URL: `/api/v1/namespaces/prod/pods`, or across namespaces `/api/v1/pods`.
    pub fn collection(&self, namespace: Option<&str>) -> String {
        match namespace {
            Some(ns) if self.namespaced => format!("{}/namespaces/{ns}/{}", self.prefix, self.plural),
            _ => format!("{}/{}", self.prefix, self.plural),
        }
    }
}

/// How to list.
#[derive(Debug, Clone, Default)]
pub struct ListOptions<'a> {
    pub label_selector: Option<&'a str>,
    pub field_selector: Option<&'a str>,
    /// Ask for `PartialObjectMetadataList`: names, labels, owners, nothing of spec or status.
    pub metadata_only: bool,
}

/// Lists every object of `resource` in `namespace` (all namespaces when `None`), page by page,
/// returning each page's response text.
pub async fn list(
    conn: &Connection,
    resource: &Resource,
    namespace: Option<&str>,
    options: &ListOptions<'_>,
) -> Result<Vec<String>, SourceError> {
    let mut pages = Vec::new();
    list_pages(conn, resource, namespace, options, |page| {
        pages.push(page);
        Ok(())
    })
    .await?;
    Ok(pages)
}

/// Like `list`, but hands each page's response text to `on_page` as it arrives, so that a list
/// of 100,000 objects never sits in memory whole.
pub async fn list_pages(
    conn: &Connection,
    resource: &Resource,
    namespace: Option<&str>,
    options: &ListOptions<'_>,
    mut on_page: impl FnMut(String) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let call = Call { verb: "list", resource: resource.rbac, namespace, name: None };
    let request = Request::new(resource.collection(namespace));
    let mut token: Option<String> = None;
    loop {
        let mut params = ListParams::default().limit(PAGE_SIZE);
        if let Some(s) = options.label_selector {
            params = params.labels(s);
        }
        if let Some(s) = options.field_selector {
            params = params.fields(s);
        }
        if let Some(t) = &token {
            params = params.continue_token(t);
        }
        let http = if options.metadata_only { request.list_metadata(&params) } else { request.list(&params) }
            .map_err(|e| ClusterError::Other { what: "building a list request".into(), message: e.to_string() })?;
        let text = conn.run(call, conn.client.request_text(http)).await?;
        token = continue_token(&text).map_err(|message| unexpected(resource, &message))?;
        on_page(text)?;
        if token.is_none() {
            return Ok(());
        }
    }
}

/// Gets one object; `Ok(None)` when it does not exist.
pub async fn get(
    conn: &Connection,
    resource: &Resource,
    namespace: Option<&str>,
    name: &str,
) -> Result<Option<String>, SourceError> {
    let call = Call { verb: "get", resource: resource.rbac, namespace, name: Some(name) };
    let http = Request::new(resource.collection(namespace))
        .get(name, &GetParams::default())
        .map_err(|e| ClusterError::Other { what: "building a get request".into(), message: e.to_string() })?;
    match conn.run(call, conn.client.request_text(http)).await {
        Ok(text) => Ok(Some(text)),
        Err(ClusterError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The `metadata.continue` of a list response, if more pages remain.
pub(crate) fn continue_token(text: &str) -> Result<Option<String>, String> {
    #[derive(serde::Deserialize)]
    struct Page {
        metadata: Option<Meta>,
    }
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(rename = "continue")]
        continue_: Option<String>,
    }
    let page: Page = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(page.metadata.and_then(|m| m.continue_).filter(|t| !t.is_empty()))
}

/// A response that is not what the API promises (a proxy's HTML page, a truncated body).
pub fn unexpected(resource: &Resource, message: &str) -> SourceError {
    ClusterError::Other {
        what: format!("reading the list of {} from the API server", resource.plural),
        message: format!("unexpected response ({message}); is --server/--context pointing at a Kubernetes API server?"),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_urls_follow_the_api_layout() {
        assert_eq!(PODS.collection(Some("prod")), "/api/v1/namespaces/prod/pods");
        assert_eq!(PODS.collection(None), "/api/v1/pods");
        assert_eq!(NETWORK_POLICIES.collection(Some("a")), "/apis/networking.k8s.io/v1/namespaces/a/networkpolicies");
        assert_eq!(NAMESPACES.collection(Some("ignored")), "/api/v1/namespaces");
    }

    #[test]
    fn continue_token_is_read_from_list_metadata() {
        assert_eq!(continue_token(r#"{"metadata":{"continue":"abc"},"items":[]}"#).unwrap(), Some("abc".into()));
        assert_eq!(continue_token(r#"{"metadata":{"continue":""},"items":[]}"#).unwrap(), None);
        assert_eq!(continue_token(r#"{"metadata":{},"items":[]}"#).unwrap(), None);
        assert!(continue_token("<html>").is_err());
    }
}
