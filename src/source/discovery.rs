//! Which APIs the server serves, from ONE request (`GET /apis`), made at most once per command
//! and only when something asks.
//!
//! Every live reader of a CRD-backed kind (the network-policy API's AdminNetworkPolicy,
//! BaselineAdminNetworkPolicy and ClusterNetworkPolicy; Cilium's `cilium.io/v2`; Calico's
//! `projectcalico.org/v3` and `crd.projectcalico.org/v1`) asks [`discover`] first and reads its
//! kind only when [`Discovery::served`] says the server serves it: a cluster without the API pays
//! the one shared request, nothing more, however many readers ask.
//!
//! The request asks for aggregated discovery (`apidiscovery.k8s.io` v2, else v2beta1: every group
//! with its versions and their resources, in one document; Kubernetes 1.26 and later) and accepts
//! the plain `APIGroupList` older servers answer instead. From the plain list the resources of a
//! group/version are not known: [`Discovery::served`] then answers for the group/version, which
//! for the CRD-backed kinds above is what installing the CRDs of one release serves together.
//!
//! Discovery forbidden (403; every authenticated user may read it unless the cluster removed
//! `system:discovery`) is not an error: nothing counts as served and [`Discovery::unknown`] gives
//! the note to show; a reader then adds a caveat saying what it could not read. Any other failure
//! fails the command, as any read does.
//!
//! ```ignore
//! let discovery = discovery::discover(conn).await?;
//! if let Some(version) = discovery.preferred("cilium.io", "ciliumnetworkpolicies", &["v2"]) { /* read */ }
//! if let Some(note) = discovery.unknown() { /* note + caveat */ }
//! ```

use serde::Deserialize;

use super::SourceError;
use super::cluster::{Call, ClusterError, Connection};

/// The path of the one discovery request.
pub const PATH: &str = "/apis";

/// What the request accepts, best first: aggregated discovery v2, v2beta1, then the plain
/// `APIGroupList` (kubectl's own order).
pub const ACCEPT: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,\
                          application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,\
                          application/json";

/// The groups, versions and resources a server serves (the named groups under `/apis`; the core
/// group is always served and not listed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    groups: Vec<Group>,
    /// Why nothing is known, when discovery could not be read: the note to show.
    unknown: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    name: String,
    /// The server's order of preference: the preferred version first.
    versions: Vec<Version>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    version: String,
    /// `None`: not known (the plain `APIGroupList` names versions only).
    resources: Option<Vec<String>>,
}

impl Discovery {
    /// A discovery of exactly these `(group, version, resource)` triples, versions preferred in the
    /// order given: for tests and for sources that know what they hold.
    pub fn serving(triples: &[(&str, &str, &str)]) -> Discovery {
        let mut discovery = Discovery::default();
        for (group, version, resource) in triples {
            let g = match discovery.groups.iter_mut().position(|g| g.name == *group) {
                Some(i) => &mut discovery.groups[i],
                None => {
                    discovery.groups.push(Group { name: group.to_string(), versions: Vec::new() });
                    discovery.groups.last_mut().expect("just pushed")
                }
            };
            let v = match g.versions.iter_mut().position(|v| v.version == *version) {
                Some(i) => &mut g.versions[i],
                None => {
                    g.versions.push(Version { version: version.to_string(), resources: Some(Vec::new()) });
                    g.versions.last_mut().expect("just pushed")
                }
            };
            v.resources.get_or_insert_with(Vec::new).push(resource.to_string());
        }
        discovery
    }

    /// Nothing known, and why (the note to show).
    pub fn unknown_because(note: String) -> Discovery {
        Discovery { groups: Vec::new(), unknown: Some(note) }
    }

    /// Whether the server serves `resource` (the plural: `adminnetworkpolicies`) in
    /// `group`/`version`. When the server answered the plain group list, whether it serves the
    /// group/version.
    pub fn served(&self, group: &str, version: &str, resource: &str) -> bool {
        self.version(group, version).is_some_and(|v| match &v.resources {
            Some(resources) => resources.iter().any(|r| r == resource),
            None => true,
        })
    }

    /// Whether the server serves `group` in any version.
    pub fn group_served(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g.name == group)
    }

    /// The version to read `resource` of `group` in: of the `versions` the caller understands, the
    /// first in the server's order of preference that serves it. `None`: none is served.
    pub fn preferred<'a>(&self, group: &str, resource: &str, versions: &[&'a str]) -> Option<&'a str> {
        let g = self.groups.iter().find(|g| g.name == group)?;
        g.versions
            .iter()
            .filter(|v| v.resources.as_ref().is_none_or(|rs| rs.iter().any(|r| r == resource)))
            .find_map(|v| versions.iter().find(|known| **known == v.version).copied())
    }

    /// The versions of `group` served, preferred first.
    pub fn versions(&self, group: &str) -> Vec<&str> {
        self.groups
            .iter()
            .find(|g| g.name == group)
            .map(|g| g.versions.iter().map(|v| v.version.as_str()).collect())
            .unwrap_or_default()
    }

    /// When discovery could not be read (forbidden): the note saying so, without a trailing
    /// period. Then nothing is served as far as this value knows; a reader that skips its kind
    /// because of it must say so in a caveat.
    pub fn unknown(&self) -> Option<&str> {
        self.unknown.as_deref()
    }

    /// Whether the resources of each version are known (aggregated discovery), not only the
    /// group/versions (the plain list).
    pub fn knows_resources(&self) -> bool {
        self.groups.iter().flat_map(|g| &g.versions).all(|v| v.resources.is_some())
    }

    fn version(&self, group: &str, version: &str) -> Option<&Version> {
        self.groups.iter().find(|g| g.name == group)?.versions.iter().find(|v| v.version == version)
    }

    /// Parses the answer to `GET /apis`: an `APIGroupDiscoveryList` (v2 or v2beta1) or an
    /// `APIGroupList`.
    pub fn parse(text: &str) -> Result<Discovery, String> {
        #[derive(Deserialize)]
        struct Head {
            kind: Option<String>,
        }
        let head: Head = serde_json::from_str(text).map_err(|e| e.to_string())?;
        match head.kind.as_deref() {
            Some("APIGroupDiscoveryList") => parse_aggregated(text),
            Some("APIGroupList") => parse_plain(text),
            Some(other) => Err(format!("a {other} where an APIGroupList was expected")),
            None => Err("a document without a kind where an APIGroupList was expected".into()),
        }
    }
}

fn parse_aggregated(text: &str) -> Result<Discovery, String> {
    #[derive(Deserialize)]
    struct List {
        #[serde(default)]
        items: Vec<Item>,
    }
    #[derive(Deserialize)]
    struct Item {
        metadata: Meta,
        #[serde(default)]
        versions: Vec<ItemVersion>,
    }
    #[derive(Deserialize)]
    struct Meta {
        #[serde(default)]
        name: String,
    }
    #[derive(Deserialize)]
    struct ItemVersion {
        version: String,
        #[serde(default)]
        resources: Vec<ItemResource>,
    }
    #[derive(Deserialize)]
    struct ItemResource {
        resource: String,
    }
    let list: List = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let groups = list
        .items
        .into_iter()
        .filter(|item| !item.metadata.name.is_empty())
        .map(|item| Group {
            name: item.metadata.name,
            versions: item
                .versions
                .into_iter()
                .map(|v| Version {
                    version: v.version,
                    resources: Some(v.resources.into_iter().map(|r| r.resource).collect()),
                })
                .collect(),
        })
        .collect();
    Ok(Discovery { groups, unknown: None })
}

fn parse_plain(text: &str) -> Result<Discovery, String> {
    #[derive(Deserialize)]
    struct List {
        #[serde(default)]
        groups: Vec<PlainGroup>,
    }
    #[derive(Deserialize)]
    struct PlainGroup {
        name: String,
        #[serde(default)]
        versions: Vec<PlainVersion>,
        #[serde(rename = "preferredVersion")]
        preferred: Option<PlainVersion>,
    }
    #[derive(Deserialize)]
    struct PlainVersion {
        version: String,
    }
    let list: List = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let groups = list
        .groups
        .into_iter()
        .map(|g| {
            let mut versions: Vec<Version> =
                g.versions.into_iter().map(|v| Version { version: v.version, resources: None }).collect();
            if let Some(preferred) = g.preferred
                && let Some(i) = versions.iter().position(|v| v.version == preferred.version)
            {
                let first = versions.remove(i);
                versions.insert(0, first);
            }
            Group { name: g.name, versions }
        })
        .collect();
    Ok(Discovery { groups, unknown: None })
}

/// The server's discovery, read with one request the first time any reader of this connection
/// asks, and shared by every reader after that.
pub async fn discover(conn: &Connection) -> Result<&Discovery, SourceError> {
    conn.discovery.get_or_try_init(|| read(conn)).await
}

/// `GET /apis`, once.
async fn read(conn: &Connection) -> Result<Discovery, SourceError> {
    let call = Call { verb: "get", resource: PATH, namespace: None, name: None };
    let mut request = kube::core::Request::new("")
        .get(PATH.trim_start_matches('/'), &kube::api::GetParams::default())
        .map_err(|e| ClusterError::Other { what: "building the discovery request".into(), message: e.to_string() })?;
    let accept = ACCEPT.parse().map_err(|_| ClusterError::Other {
        what: "building the discovery request".into(),
        message: "invalid Accept header".into(),
    })?;
    request.headers_mut().insert("accept", accept);
    match conn.run(call, conn.client.request_text(request)).await {
        Ok(text) => Discovery::parse(&text).map_err(|message| {
            ClusterError::Other {
                what: format!("reading the served APIs (GET {PATH}) from the API server"),
                message: format!(
                    "unexpected response ({message}); is --server/--context pointing at a Kubernetes API server?"
                ),
            }
            .into()
        }),
        Err(ClusterError::Forbidden { check, .. }) => Ok(Discovery::unknown_because(format!(
            "not allowed to read which APIs the server serves (GET {PATH}), so no custom policy kind was read \
             (check with: {check})"
        ))),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGGREGATED: &str = r#"{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},
      "items":[
        {"metadata":{"name":"apps"},"versions":[{"version":"v1","resources":[
            {"resource":"deployments","responseKind":{"group":"","version":"","kind":"Deployment"},"scope":"Namespaced"}]}]},
        {"metadata":{"name":"policy.networking.k8s.io"},"versions":[
            {"version":"v1alpha2","resources":[{"resource":"clusternetworkpolicies","scope":"Cluster"}],"freshness":"Current"},
            {"version":"v1alpha1","resources":[
                {"resource":"adminnetworkpolicies","scope":"Cluster"},
                {"resource":"baselineadminnetworkpolicies","scope":"Cluster"}]}]},
        {"metadata":{"name":"cilium.io"},"versions":[{"version":"v2","resources":[
            {"resource":"ciliumnetworkpolicies","scope":"Namespaced"},
            {"resource":"ciliumclusterwidenetworkpolicies","scope":"Cluster"}]}]}]}"#;

    const PLAIN: &str = r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[
        {"name":"crd.projectcalico.org","versions":[{"groupVersion":"crd.projectcalico.org/v1","version":"v1"}],
         "preferredVersion":{"groupVersion":"crd.projectcalico.org/v1","version":"v1"}},
        {"name":"policy.networking.k8s.io","versions":[
            {"groupVersion":"policy.networking.k8s.io/v1alpha1","version":"v1alpha1"},
            {"groupVersion":"policy.networking.k8s.io/v1alpha2","version":"v1alpha2"}],
         "preferredVersion":{"groupVersion":"policy.networking.k8s.io/v1alpha2","version":"v1alpha2"}}]}"#;

    #[test]
    fn aggregated_discovery_names_each_resource() {
        let d = Discovery::parse(AGGREGATED).unwrap();
        assert!(d.knows_resources());
        assert!(d.served("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies"));
        assert!(d.served("policy.networking.k8s.io", "v1alpha2", "clusternetworkpolicies"));
        assert!(!d.served("policy.networking.k8s.io", "v1alpha2", "adminnetworkpolicies"));
        assert!(d.served("cilium.io", "v2", "ciliumclusterwidenetworkpolicies"));
        assert!(!d.served("projectcalico.org", "v3", "networkpolicies"));
        assert!(!d.group_served("crd.projectcalico.org"));
        assert_eq!(d.unknown(), None);
    }

    #[test]
    fn the_preferred_version_is_the_servers_first_that_serves_the_resource_and_the_caller_knows() {
        let d = Discovery::parse(AGGREGATED).unwrap();
        let cnp = d.preferred("policy.networking.k8s.io", "clusternetworkpolicies", &["v1beta1", "v1alpha2"]);
        assert_eq!(cnp, Some("v1alpha2"));
        assert_eq!(d.preferred("policy.networking.k8s.io", "adminnetworkpolicies", &["v1alpha1"]), Some("v1alpha1"));
        assert_eq!(d.preferred("policy.networking.k8s.io", "clusternetworkpolicies", &["v1beta1"]), None);
        assert_eq!(d.preferred("cilium.io", "ciliumnetworkpolicies", &["v2"]), Some("v2"));
        assert_eq!(d.versions("policy.networking.k8s.io"), ["v1alpha2", "v1alpha1"]);
    }

    #[test]
    fn the_plain_group_list_answers_per_group_version_preferred_first() {
        let d = Discovery::parse(PLAIN).unwrap();
        assert!(!d.knows_resources());
        assert!(d.served("crd.projectcalico.org", "v1", "globalnetworkpolicies"));
        assert!(d.served("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies"));
        assert!(!d.served("cilium.io", "v2", "ciliumnetworkpolicies"));
        assert_eq!(d.versions("policy.networking.k8s.io"), ["v1alpha2", "v1alpha1"]);
        let cnp = d.preferred("policy.networking.k8s.io", "clusternetworkpolicies", &["v1alpha2", "v1beta1"]);
        assert_eq!(cnp, Some("v1alpha2"));
    }

    #[test]
    fn a_document_that_is_not_a_group_list_is_an_error() {
        assert!(Discovery::parse("<html>").is_err());
        assert!(Discovery::parse(r#"{"kind":"Status"}"#).unwrap_err().contains("Status"));
        assert!(Discovery::parse(r#"{"items":[]}"#).is_err());
    }

    #[test]
    fn unknown_discovery_serves_nothing_and_says_why() {
        let d = Discovery::unknown_because("not allowed".into());
        assert!(!d.served("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies"));
        assert_eq!(d.unknown(), Some("not allowed"));
    }

    #[test]
    fn serving_builds_a_discovery_for_tests() {
        let d = Discovery::serving(&[("cilium.io", "v2", "ciliumnetworkpolicies"), ("cilium.io", "v2", "x")]);
        assert!(d.served("cilium.io", "v2", "x") && d.served("cilium.io", "v2", "ciliumnetworkpolicies"));
        assert!(!d.served("cilium.io", "v2alpha1", "x"));
    }
}
