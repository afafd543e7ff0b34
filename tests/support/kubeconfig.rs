//! The kubeconfig files the test API server writes: contexts, clusters (this server or any other
//! URL) and bearer-token users, as a value kube's own loader reads back.
//!
//! Only describes files; the server registers the users' tokens when it writes one.

use serde_json::{Value, json};

/// A kubeconfig to generate. Clusters without an explicit `server` point at this test server.
#[derive(Debug, Clone)]
pub struct KubeconfigSpec {
    pub current_context: Option<String>,
    pub contexts: Vec<ContextEntry>,
    pub clusters: Vec<ClusterEntry>,
    pub users: Vec<UserEntry>,
}

#[derive(Debug, Clone)]
pub struct ContextEntry {
    pub name: String,
    pub cluster: String,
    pub user: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ClusterEntry {
    pub name: String,
    /// `None`: this server's URL.
    pub server: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UserEntry {
    pub name: String,
    pub token: String,
    /// False: the server answers this token with 401 Unauthorized.
    pub accepted: bool,
    /// An exec credential plugin (`users[].user.exec`) instead of the token.
    pub exec: Option<Value>,
}

impl KubeconfigSpec {
    /// An empty kubeconfig whose `current-context` is `current` (`None`: no current context).
    pub fn new(current: Option<&str>) -> KubeconfigSpec {
        KubeconfigSpec {
            current_context: current.map(str::to_string),
            contexts: Vec::new(),
            clusters: Vec::new(),
            users: Vec::new(),
        }
    }

    /// The default layout: context `test` (cluster `test-cluster`, user `test-user` with token
    /// `test-token`, namespace `default`), which is also the current context.
    pub fn single() -> KubeconfigSpec {
        KubeconfigSpec::new(Some("test")).cluster("test-cluster").user("test-user", "test-token").context(
            "test",
            "test-cluster",
            "test-user",
            Some("default"),
        )
    }

    pub fn context(mut self, name: &str, cluster: &str, user: &str, namespace: Option<&str>) -> KubeconfigSpec {
        self.contexts.push(ContextEntry {
            name: name.into(),
            cluster: cluster.into(),
            user: user.into(),
            namespace: namespace.map(str::to_string),
        });
        self
    }

    /// A cluster entry pointing at this server.
    pub fn cluster(mut self, name: &str) -> KubeconfigSpec {
        self.clusters.push(ClusterEntry { name: name.into(), server: None });
        self
    }

    /// A cluster entry pointing elsewhere (e.g. a closed port, for unreachable-cluster tests).
    pub fn cluster_at(mut self, name: &str, server: &str) -> KubeconfigSpec {
        self.clusters.push(ClusterEntry { name: name.into(), server: Some(server.into()) });
        self
    }

    /// A user whose bearer token the server accepts; `name` is also the user name in 403 messages.
    pub fn user(mut self, name: &str, token: &str) -> KubeconfigSpec {
        self.users.push(UserEntry { name: name.into(), token: token.into(), accepted: true, exec: None });
        self
    }

    /// A user whose token the server rejects with 401.
    pub fn rejected_user(mut self, name: &str, token: &str) -> KubeconfigSpec {
        self.users.push(UserEntry { name: name.into(), token: token.into(), accepted: false, exec: None });
        self
    }

    /// A user whose credentials come from an exec plugin (the `exec` object as in a kubeconfig:
    /// `apiVersion`, `command`, `args`, `installHint`, `interactiveMode`, ...). The server
    /// accepts `token` when the plugin answers it.
    pub fn exec_user(mut self, name: &str, token: &str, exec: Value) -> KubeconfigSpec {
        self.users.push(UserEntry { name: name.into(), token: token.into(), accepted: true, exec: Some(exec) });
        self
    }

    pub(super) fn to_value(&self, url: &str) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "current-context": self.current_context.clone().unwrap_or_default(),
            "clusters": self.clusters.iter().map(|c| json!({
                "name": c.name,
                "cluster": { "server": c.server.clone().unwrap_or_else(|| url.to_string()) },
            })).collect::<Vec<_>>(),
            "users": self.users.iter().map(|u| match &u.exec {
                Some(exec) => json!({ "name": u.name, "user": { "exec": exec } }),
                None => json!({ "name": u.name, "user": { "token": u.token } }),
            }).collect::<Vec<_>>(),
            "contexts": self.contexts.iter().map(|c| {
                let mut context = json!({ "cluster": c.cluster, "user": c.user });
                if let Some(ns) = &c.namespace {
                    context["namespace"] = json!(ns);
                }
                json!({ "name": c.name, "context": context })
            }).collect::<Vec<_>>(),
        })
    }
}
