//! What `init` reads from a live cluster: the objects `kit::detect` looks at, the namespaces to
//! install into, and the NetworkPolicies already there. Reads only; writing is `cmd::init`'s.
//!
//! Detection reads little and by name or label: the known DNS Services and their pods, the
//! NodeLocal DNSCache DaemonSet and ConfigMap, IngressClasses, pods carrying the labels of the
//! well-known ingress controllers and mesh control planes (one set-based selector per label key),
//! and with `--allow-apiserver` the `default/kubernetes` Service and EndpointSlices. A read the
//! user may not do (403) or of an API the cluster does not serve (404) becomes a note, and
//! detection falls back; an unreachable or refusing cluster is an error.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::Deserialize;

use super::detect::{NODE_LOCAL_DNS_NAME, SIGNATURES, mesh_signatures};
use crate::engine::Snapshot;
use crate::engine::service::DNS_SERVICES;
use crate::source::cluster::{ClusterError, Connection};
use crate::source::convert::SnapshotBuilder;
use crate::source::fetch::{self, ListOptions, Resource};
use crate::source::{Location, SourceError, wire};

pub const CONFIG_MAPS: Resource =
    Resource { prefix: "/api/v1", plural: "configmaps", rbac: "configmaps", namespaced: true };

/// The cluster state detection works on.
#[derive(Debug, Default)]
pub struct Facts {
    pub snapshot: Snapshot,
    /// The `Corefile` of the ConfigMap `kube-system/node-local-dns`.
    pub node_local_corefile: Option<String>,
    /// Reads that were refused (403), by what they are (`list IngressClasses`): detection went on
    /// without them.
    pub forbidden: Vec<String>,
    /// What else to know about the reads.
    pub notes: Vec<String>,
}

/// Reads what detection needs; `api_server` adds the `default/kubernetes` endpoints.
///
/// The five reads that do not depend on each other (the DNS, NodeLocal DNSCache, IngressClasses,
/// the pods of the well-known controllers, the API server's endpoints) go out together; within
/// each, a read that depends on the one before follows it. What they found is added in a fixed
/// order, and the first error in that order is the one returned, whichever answer came first.
pub async fn facts(conn: &Connection, api_server: bool) -> Result<Facts, SourceError> {
    let signatures = signature_selectors();
    let (dns, node_local, classes, controllers, endpoints) = tokio::join!(
        read_dns(conn),
        read_node_local(conn),
        async {
            let mut found = Found::default();
            let what = "list IngressClasses";
            let classes = fetch::list(conn, &fetch::INGRESS_CLASSES, None, &ListOptions::default()).await;
            found.classes = tolerate(classes, what, &mut found.forbidden)?.unwrap_or_default();
            Ok(found)
        },
        crate::source::live::join_all(signatures.iter().map(|selector| read_controllers(conn, selector)).collect()),
        async {
            match api_server {
                true => read_api_server(conn).await,
                false => Ok(Found::default()),
            }
        },
    );
    let mut builder = SnapshotBuilder::new(&conn.namespace);
    let mut forbidden = Vec::new();
    let mut node_local_corefile = None;
    for found in [dns, node_local, classes].into_iter().chain(controllers).chain([endpoints]) {
        let found = found?;
        found.add_to(&mut builder)?;
        forbidden.extend(found.forbidden);
        node_local_corefile = node_local_corefile.or(found.corefile);
    }
    Ok(Facts { snapshot: builder.finish(), node_local_corefile, forbidden, notes: Vec::new() })
}

/// What one chain of reads of `facts` found: response texts, decoded and added in order by
/// [`Found::add_to`].
#[derive(Default)]
struct Found {
    services: Vec<String>,
    pods: Vec<String>,
    daemonsets: Vec<String>,
    classes: Vec<String>,
    slices: Vec<String>,
    corefile: Option<String>,
    forbidden: Vec<String>,
}

impl Found {
    fn add_to(&self, builder: &mut SnapshotBuilder) -> Result<(), SourceError> {
        let at = Location::default();
        for text in &self.services {
            builder.add_service(decode(text, &fetch::SERVICES)?, &at)?;
        }
        add_pods(builder, &self.pods)?;
        for text in &self.daemonsets {
            let ds: wire::Workload<'_> = decode(text, &fetch::DAEMONSETS)?;
            builder.add_workload(crate::engine::WorkloadKind::DaemonSet, ds, &at)?;
        }
        for page in &self.classes {
            let list: wire::ObjectList<'_, wire::IngressClass<'_>> = decode(page, &fetch::INGRESS_CLASSES)?;
            for class in list.items.unwrap_or_default() {
                builder.add_ingress_class(class, &at)?;
            }
        }
        for page in &self.slices {
            let list: wire::ObjectList<'_, wire::EndpointSlice<'_>> = decode(page, &fetch::ENDPOINT_SLICES)?;
            for slice in list.items.unwrap_or_default() {
                builder.add_endpoint_slice(slice, &at)?;
            }
        }
        Ok(())
    }
}

/// The cluster DNS: the first known Service that exists, and its pods (for named ports).
async fn read_dns(conn: &Connection) -> Result<Found, SourceError> {
    let mut found = Found::default();
    for (ns, name) in DNS_SERVICES {
        let what = format!("read the Service {ns}/{name}");
        let Some(text) =
            tolerate(fetch::get(conn, &fetch::SERVICES, Some(ns), name).await, &what, &mut found.forbidden)?.flatten()
        else {
            continue;
        };
        let svc: wire::Service<'_> = decode(&text, &fetch::SERVICES)?;
        let selector: Vec<String> = svc
            .spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .map(|labels| labels.0.iter().map(|(k, v)| format!("{}={}", k.as_str(), v.as_str())).collect())
            .unwrap_or_default();
        found.services.push(text);
        if selector.is_empty() {
            continue;
        }
        let selector = selector.join(",");
        let options = ListOptions { label_selector: Some(&selector), ..Default::default() };
        let what = format!("list the DNS pods in {ns}");
        let pages = fetch::list(conn, &fetch::PODS, Some(ns), &options).await;
        if let Some(pages) = tolerate(pages, &what, &mut found.forbidden)? {
            found.pods = pages;
        }
        break;
    }
    Ok(found)
}

/// NodeLocal DNSCache: its DaemonSet, and its Corefile for the bind addresses.
async fn read_node_local(conn: &Connection) -> Result<Found, SourceError> {
    let mut found = Found::default();
    let what = format!("read the DaemonSet kube-system/{NODE_LOCAL_DNS_NAME}");
    let daemonset = fetch::get(conn, &fetch::DAEMONSETS, Some("kube-system"), NODE_LOCAL_DNS_NAME).await;
    if let Some(text) = tolerate(daemonset, &what, &mut found.forbidden)?.flatten() {
        found.daemonsets.push(text);
        let what = format!("read the ConfigMap kube-system/{NODE_LOCAL_DNS_NAME}");
        let config = fetch::get(conn, &CONFIG_MAPS, Some("kube-system"), NODE_LOCAL_DNS_NAME).await;
        if let Some(text) = tolerate(config, &what, &mut found.forbidden)?.flatten() {
            #[derive(Deserialize)]
            struct ConfigMap {
                data: Option<BTreeMap<String, String>>,
            }
            let map: ConfigMap =
                serde_json::from_str(&text).map_err(|e| fetch::unexpected(&CONFIG_MAPS, &e.to_string()))?;
            found.corefile = map.data.and_then(|mut d| d.remove("Corefile"));
        }
    }
    Ok(found)
}

/// The pods carrying one label key of the ingress controllers' and meshes' signatures.
async fn read_controllers(conn: &Connection, selector: &str) -> Result<Found, SourceError> {
    let mut found = Found::default();
    let options = ListOptions { label_selector: Some(selector), ..Default::default() };
    let what = format!("list pods labelled {selector} in all namespaces");
    let pages = fetch::list(conn, &fetch::PODS, None, &options).await;
    found.pods = tolerate(pages, &what, &mut found.forbidden)?.unwrap_or_default();
    Ok(found)
}

/// The Service `default/kubernetes` and its EndpointSlices.
async fn read_api_server(conn: &Connection) -> Result<Found, SourceError> {
    let mut found = Found::default();
    let what = "read the Service default/kubernetes";
    let service = fetch::get(conn, &fetch::SERVICES, Some("default"), "kubernetes").await;
    if let Some(text) = tolerate(service, what, &mut found.forbidden)?.flatten() {
        found.services.push(text);
        let selector = "kubernetes.io/service-name=kubernetes";
        let options = ListOptions { label_selector: Some(selector), ..Default::default() };
        let what = "list the EndpointSlices of default/kubernetes";
        let slices = fetch::list(conn, &fetch::ENDPOINT_SLICES, Some("default"), &options).await;
        found.slices = tolerate(slices, what, &mut found.forbidden)?.unwrap_or_default();
    }
    Ok(found)
}

/// One set-based selector per label key of the controller and mesh signatures, so that a handful
/// of lists find every candidate pod: `app in (contour,envoy,istiod,...)`.
pub fn signature_selectors() -> Vec<String> {
    let mut by_key: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for s in SIGNATURES {
        let (key, value) = s.labels[0];
        by_key.entry(key).or_default().insert(value);
        if let Some((key, value)) = s.companion {
            by_key.entry(key).or_default().insert(value);
        }
    }
    for (_, key, value) in mesh_signatures() {
        by_key.entry(key).or_default().insert(value);
    }
    by_key
        .into_iter()
        .map(|(key, values)| format!("{key} in ({})", values.into_iter().collect::<Vec<_>>().join(",")))
        .collect()
}

fn add_pods(builder: &mut SnapshotBuilder, pages: &[String]) -> Result<(), SourceError> {
    for page in pages {
        let list: wire::ObjectList<'_, wire::Pod<'_>> = decode(page, &fetch::PODS)?;
        for pod in list.items.unwrap_or_default() {
            builder.add_pod(pod, &Location::default())?;
        }
    }
    Ok(())
}

fn decode<'a, T: Deserialize<'a>>(text: &'a str, resource: &Resource) -> Result<T, SourceError> {
    serde_json::from_str(text).map_err(|e| fetch::unexpected(resource, &e.to_string()))
}

/// A read detection can do without: refused (403) is recorded in `forbidden`, not served (404)
/// is nothing; both give `None`.
fn tolerate<T>(
    result: Result<T, SourceError>,
    what: &str,
    forbidden: &mut Vec<String>,
) -> Result<Option<T>, SourceError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(SourceError::Cluster(e)) if matches!(*e, ClusterError::Forbidden { .. }) => {
            forbidden.push(what.to_string());
            Ok(None)
        }
        Err(SourceError::Cluster(e)) if matches!(*e, ClusterError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The names of every namespace (metadata only), for `-A`.
pub async fn namespace_names(conn: &Connection) -> Result<Vec<String>, SourceError> {
    let options = ListOptions { metadata_only: true, ..Default::default() };
    let mut names = Vec::new();
    for page in fetch::list(conn, &fetch::NAMESPACES, None, &options).await? {
        let list: wire::ObjectList<'_, wire::Namespace<'_>> = decode(&page, &fetch::NAMESPACES)?;
        names.extend(
            list.items
                .unwrap_or_default()
                .into_iter()
                .filter_map(|ns| ns.metadata.and_then(|m| m.name).map(|n| n.to_string())),
        );
    }
    Ok(names)
}

/// Whether a namespace exists: `None` when the user may not read namespaces (the apply itself
/// will then say whether it exists).
pub async fn namespace_exists(conn: &Connection, name: &str) -> Result<Option<bool>, SourceError> {
    match fetch::get(conn, &fetch::NAMESPACES, None, name).await {
        Ok(found) => Ok(Some(found.is_some())),
        Err(SourceError::Cluster(e)) if matches!(*e, ClusterError::Forbidden { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The namespaces named, with their labels (metadata only, one request), for matching existing
/// policies' namespaceSelectors against the DNS and ingress controller namespaces. A refused read
/// is recorded in `forbidden`: their name label is then all that is known.
pub async fn namespaces_with_labels(
    conn: &Connection,
    names: &[&str],
    forbidden: &mut Vec<String>,
) -> Result<Vec<crate::engine::Namespace>, SourceError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let selector = format!("{} in ({})", crate::engine::NAMESPACE_NAME_LABEL, names.join(","));
    let options = ListOptions { label_selector: Some(&selector), metadata_only: true, ..Default::default() };
    let what = format!("list the namespaces {}", names.join(", "));
    let mut builder = SnapshotBuilder::new(&conn.namespace);
    for page in
        tolerate(fetch::list(conn, &fetch::NAMESPACES, None, &options).await, &what, forbidden)?.unwrap_or_default()
    {
        let list: wire::ObjectList<'_, wire::Namespace<'_>> = decode(&page, &fetch::NAMESPACES)?;
        for ns in list.items.unwrap_or_default() {
            builder.add_namespace(ns, &Location::default())?;
        }
    }
    Ok(builder.finish().namespaces)
}

/// The names of the namespaces whose labels match `selector` (kubectl's label query syntax), for
/// `init -l`.
pub async fn namespaces_selected(conn: &Connection, selector: &str) -> Result<Vec<String>, SourceError> {
    let options = ListOptions { label_selector: Some(selector), metadata_only: true, ..Default::default() };
    let mut names = Vec::new();
    for page in fetch::list(conn, &fetch::NAMESPACES, None, &options).await? {
        let list: wire::ObjectList<'_, wire::Namespace<'_>> = decode(&page, &fetch::NAMESPACES)?;
        names.extend(
            list.items
                .unwrap_or_default()
                .into_iter()
                .filter_map(|ns| ns.metadata.and_then(|m| m.name).map(|n| n.to_string())),
        );
    }
    Ok(names)
}

/// The NetworkPolicies of a namespace, by name.
pub async fn policies_in(conn: &Connection, namespace: &str) -> Result<BTreeMap<String, NetworkPolicy>, SourceError> {
    #[derive(Deserialize)]
    struct Page {
        items: Option<Vec<NetworkPolicy>>,
    }
    let mut out = BTreeMap::new();
    for page in fetch::list(conn, &fetch::NETWORK_POLICIES, Some(namespace), &ListOptions::default()).await? {
        let page: Page =
            serde_json::from_str(&page).map_err(|e| fetch::unexpected(&fetch::NETWORK_POLICIES, &e.to_string()))?;
        for np in page.items.unwrap_or_default() {
            if let Some(name) = np.metadata.name.clone() {
                out.insert(name, np);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_set_based_selector_per_signature_label_key() {
        assert_eq!(
            signature_selectors(),
            [
                "app in (contour,envoy,ingress-kong,istio-ingressgateway,istiod,nginx-ingress,proxy-kong,traefik)",
                "app.kubernetes.io/name in (contour,haproxy-ingress,ingress-nginx,kong,kubernetes-ingress,nginx-ingress,traefik)",
                "istio in (ingressgateway)",
                "linkerd.io/control-plane-component in (destination)",
                "run in (haproxy-ingress)",
            ]
        );
    }
}
