//! Completion candidates read from kubeconfig: contexts, clusters, users, and the namespaces
//! that contexts name.
//!
//! Files are merged as kubectl merges the `$KUBECONFIG` list (first wins; kube's
//! `Kubeconfig::merge`), and a file that cannot be read or parsed is skipped rather than failing
//! the whole lookup: completion is best effort. Never talks to a cluster, never prints.

use std::path::{Path, PathBuf};

use kube::config::Kubeconfig;

use super::source::{Candidate, CandidateSource, LookupError, Query, Scope};

/// The kubeconfig-backed source registered in `Sources::standard`.
pub struct KubeconfigSource;

impl CandidateSource for KubeconfigSource {
    fn lookup(&self, scope: &Scope, query: &Query) -> Result<Vec<Candidate>, LookupError> {
        if !matches!(query, Query::Contexts | Query::Clusters | Query::Users | Query::Namespaces) {
            return Ok(Vec::new());
        }
        let config = read_merged(&scope.kubeconfig)?;
        Ok(match query {
            Query::Contexts => contexts(&config),
            Query::Clusters => clusters(&config),
            Query::Users => users(&config),
            _ => context_namespaces(&config, scope),
        })
    }
}

/// The kubeconfig files kubectl would read, in merge order: the `--kubeconfig` typed on the
/// line (with `~/` expanded, since completion sees the word before the shell expands it), else
/// the non-empty entries of `$KUBECONFIG`, else `~/.kube/config`.
pub fn kubeconfig_paths(
    typed: Option<&str>,
    env_kubeconfig: Option<&std::ffi::OsStr>,
    home: Option<&Path>,
) -> Vec<PathBuf> {
    if let Some(typed) = typed.filter(|t| !t.is_empty()) {
        let expanded = match (typed.strip_prefix("~/"), home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(typed),
        };
        return vec![expanded];
    }
    if let Some(list) = env_kubeconfig {
        let paths: Vec<PathBuf> = std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()).collect();
        if !paths.is_empty() {
            return paths;
        }
    }
    home.map(|h| vec![h.join(".kube").join("config")]).unwrap_or_default()
}

/// Reads and merges the files that can be read; fails only when none could.
pub fn read_merged(paths: &[PathBuf]) -> Result<Kubeconfig, LookupError> {
    let mut merged: Option<Kubeconfig> = None;
    let mut last_error: Option<LookupError> = None;
    for path in paths {
        match crate::source::cluster::read_kubeconfig_file(path) {
            Ok(config) => {
                merged = Some(match merged {
                    Some(m) => m.merge(config)?,
                    None => config,
                })
            }
            Err(e) => last_error = Some(Box::new(e)),
        }
    }
    merged.ok_or_else(|| last_error.unwrap_or_else(|| "no kubeconfig file".into()))
}

fn contexts(config: &Kubeconfig) -> Vec<Candidate> {
    config
        .contexts
        .iter()
        .map(|named| {
            let mut parts = Vec::new();
            if config.current_context.as_deref() == Some(named.name.as_str()) {
                parts.push("current".to_string());
            }
            if let Some(ctx) = &named.context {
                parts.push(format!("cluster {}", ctx.cluster));
                if let Some(ns) = &ctx.namespace {
                    parts.push(format!("namespace {ns}"));
                }
            }
            described(&named.name, parts.join(", "))
        })
        .collect()
}

fn clusters(config: &Kubeconfig) -> Vec<Candidate> {
    config
        .clusters
        .iter()
        .map(|named| {
            let server = named.cluster.as_ref().and_then(|c| c.server.clone()).unwrap_or_default();
            described(&named.name, server)
        })
        .collect()
}

fn users(config: &Kubeconfig) -> Vec<Candidate> {
    config
        .auth_infos
        .iter()
        .map(|named| {
            let used_by: Vec<&str> = config
                .contexts
                .iter()
                .filter(|c| c.context.as_ref().and_then(|c| c.user.as_deref()) == Some(named.name.as_str()))
                .map(|c| c.name.as_str())
                .collect();
            let description =
                if used_by.is_empty() { String::new() } else { format!("used by context {}", used_by.join(", ")) };
            described(&named.name, description)
        })
        .collect()
}

/// The namespaces named by contexts on the selected cluster (the cluster of `--cluster`, else of
/// `--context`, else of the current context): the namespaces this user works in there, known
/// without asking the cluster. With no cluster selected, those of every context.
fn context_namespaces(config: &Kubeconfig, scope: &Scope) -> Vec<Candidate> {
    let context_name = scope.context.as_deref().or(config.current_context.as_deref());
    let selected_context =
        config.contexts.iter().find(|c| Some(c.name.as_str()) == context_name).and_then(|c| c.context.as_ref());
    let cluster = scope.cluster.as_deref().or(selected_context.map(|c| c.cluster.as_str()));
    let mut seen = std::collections::HashSet::new();
    config
        .contexts
        .iter()
        .filter_map(|named| {
            let ctx = named.context.as_ref()?;
            let ns = ctx.namespace.as_deref()?;
            if cluster.is_some_and(|cl| cl != ctx.cluster) || !seen.insert(ns) {
                return None;
            }
            Some(Candidate::described(ns, format!("namespace of context {}", named.name)))
        })
        .collect()
}

fn described(value: &str, description: String) -> Candidate {
    if description.is_empty() { Candidate::new(value) } else { Candidate::described(value, description) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG_A: &str = r#"
apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod-eu
  cluster: {server: "https://prod.example:6443"}
- name: kind-dev
  cluster: {server: "https://127.0.0.1:41234"}
users:
- name: alice
  user: {token: t}
- name: kind-dev
  user: {token: t}
contexts:
- name: prod
  context: {cluster: prod-eu, user: alice, namespace: shop}
- name: prod-payments
  context: {cluster: prod-eu, user: alice, namespace: payments}
- name: dev
  context: {cluster: kind-dev, user: kind-dev, namespace: sandbox}
"#;

    const CONFIG_B: &str = r#"
apiVersion: v1
kind: Config
current-context: other
clusters:
- name: staging
  cluster: {server: "https://staging.example"}
users: []
contexts:
- name: prod
  context: {cluster: staging, namespace: shadowed}
- name: staging
  context: {cluster: staging}
"#;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn tempdir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kubectl-deny-kubeconfig-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn values(list: &[Candidate]) -> Vec<&str> {
        list.iter().map(|c| c.value.as_str()).collect()
    }

    #[test]
    fn typed_kubeconfig_wins_and_tilde_is_expanded() {
        let home = Path::new("/home/u");
        let env = std::ffi::OsString::from("/a:/b");
        assert_eq!(kubeconfig_paths(Some("~/k.yaml"), Some(&env), Some(home)), [PathBuf::from("/home/u/k.yaml")]);
        assert_eq!(kubeconfig_paths(Some("/x/k"), None, Some(home)), [PathBuf::from("/x/k")]);
    }

    #[test]
    fn kubeconfig_env_is_a_path_list_with_empty_entries_ignored() {
        let home = Path::new("/home/u");
        let list = std::env::join_paths(["/a", "", "/b"]).unwrap();
        assert_eq!(kubeconfig_paths(None, Some(&list), Some(home)), [PathBuf::from("/a"), PathBuf::from("/b")]);
        let empty = std::ffi::OsString::new();
        assert_eq!(kubeconfig_paths(None, Some(&empty), Some(home)), [PathBuf::from("/home/u/.kube/config")]);
        assert!(kubeconfig_paths(None, None, None).is_empty());
    }

    #[test]
    fn merged_files_first_wins_and_unreadable_files_are_skipped() {
        let dir = tempdir("merge");
        let a = write(&dir, "a", CONFIG_A);
        let b = write(&dir, "b", CONFIG_B);
        let broken = write(&dir, "broken", "clusters: [unterminated");
        let scope = Scope { kubeconfig: vec![dir.join("missing"), a, broken, b], ..Scope::default() };
        let contexts = KubeconfigSource.lookup(&scope, &Query::Contexts).unwrap();
        assert_eq!(values(&contexts), ["prod", "prod-payments", "dev", "staging"]);
        // The first file's `prod` and current-context win.
        assert_eq!(contexts[0].description.as_deref(), Some("current, cluster prod-eu, namespace shop"));
        let clusters = KubeconfigSource.lookup(&scope, &Query::Clusters).unwrap();
        assert_eq!(values(&clusters), ["prod-eu", "kind-dev", "staging"]);
        assert_eq!(clusters[0].description.as_deref(), Some("https://prod.example:6443"));
        let users = KubeconfigSource.lookup(&scope, &Query::Users).unwrap();
        assert_eq!(values(&users), ["alice", "kind-dev"]);
        assert_eq!(users[0].description.as_deref(), Some("used by context prod, prod-payments"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn namespaces_are_those_of_contexts_on_the_selected_cluster() {
        let dir = tempdir("ns");
        let a = write(&dir, "a", CONFIG_A);
        let current = Scope { kubeconfig: vec![a.clone()], ..Scope::default() };
        assert_eq!(values(&KubeconfigSource.lookup(&current, &Query::Namespaces).unwrap()), ["shop", "payments"]);
        let dev = Scope { kubeconfig: vec![a.clone()], context: Some("dev".into()), ..Scope::default() };
        assert_eq!(values(&KubeconfigSource.lookup(&dev, &Query::Namespaces).unwrap()), ["sandbox"]);
        let cluster = Scope { kubeconfig: vec![a], cluster: Some("kind-dev".into()), ..Scope::default() };
        assert_eq!(values(&KubeconfigSource.lookup(&cluster, &Query::Namespaces).unwrap()), ["sandbox"]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn no_readable_kubeconfig_is_an_error_the_caller_swallows() {
        let scope = Scope { kubeconfig: vec![PathBuf::from("/nonexistent/kubeconfig")], ..Scope::default() };
        assert!(KubeconfigSource.lookup(&scope, &Query::Contexts).is_err());
        assert!(KubeconfigSource.lookup(&scope, &Query::Pods { namespace: None }).unwrap().is_empty());
    }
}
