//! Where dynamic completion candidates come from, and the deadline every lookup runs under.
//!
//! A `CandidateSource` answers `Query`s (contexts, namespaces, pods, ...) for a `Scope` (the
//! kubeconfig selection typed on the command line). `Sources` asks every registered source at
//! once, each on its own thread, and keeps what arrived before the deadline: a slow or failing
//! source costs at most the deadline and contributes nothing, never an error on the terminal.
//!
//! Sources must not print, and may block: the deadline bounds them. The live-cluster source
//! (`cluster::ClusterSource`, answering `Namespaces`, `Pods`, `Workloads`, `Services`,
//! `NamedPorts` and `DeclaredPorts`) is registered in `Sources::standard` after the kubeconfig
//! one, and the manifest source (`files::FilesSource`, the same queries when `-f` is typed) last.
//! This module knows nothing of the command line; `line` decides what to ask.

use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// One completion candidate: the word to insert, and an optional one-line description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub description: Option<String>,
}

impl Candidate {
    pub fn new(value: impl Into<String>) -> Self {
        Candidate { value: value.into(), description: None }
    }

    pub fn described(value: impl Into<String>, description: impl Into<String>) -> Self {
        Candidate { value: value.into(), description: Some(description.into()) }
    }
}

/// The cluster selection typed so far on the command line, with the kubeconfig files resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The kubeconfig files to merge, first wins: `--kubeconfig`, else the `$KUBECONFIG` list,
    /// else `~/.kube/config`. Files that do not exist are skipped, as kubectl does.
    pub kubeconfig: Vec<PathBuf>,
    /// `--context`, when typed.
    pub context: Option<String>,
    /// `--cluster`, when typed.
    pub cluster: Option<String>,
    /// `--user`, when typed.
    pub user: Option<String>,
    /// The last `-n` typed. When absent, the namespace of the selected context applies (then
    /// `default`), which a source resolves from the kubeconfig.
    pub namespace: Option<String>,
    /// `-f` files and directories typed: the command reads manifests, not the cluster, and so
    /// does completion (stdin, `-`, is left out: it cannot be read twice).
    pub files: Vec<PathBuf>,
}

/// The kinds of endpoint `why` accepts besides a bare pod name, by the prefix users type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointKind {
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    Service,
}

impl EndpointKind {
    /// Every kind, in the order completion offers their prefixes.
    pub const ALL: [EndpointKind; 5] = [
        EndpointKind::Pod,
        EndpointKind::Deployment,
        EndpointKind::StatefulSet,
        EndpointKind::DaemonSet,
        EndpointKind::Service,
    ];

    /// The prefix typed before the `/`, as in `deploy/web`.
    pub fn prefix(self) -> &'static str {
        match self {
            EndpointKind::Pod => "pod",
            EndpointKind::Deployment => "deploy",
            EndpointKind::StatefulSet => "sts",
            EndpointKind::DaemonSet => "ds",
            EndpointKind::Service => "svc",
        }
    }

    pub fn from_prefix(prefix: &str) -> Option<EndpointKind> {
        EndpointKind::ALL.into_iter().find(|k| k.prefix() == prefix)
    }

    pub fn description(self) -> &'static str {
        match self {
            EndpointKind::Pod => "a pod",
            EndpointKind::Deployment => "a Deployment, evaluated for its pods' labels",
            EndpointKind::StatefulSet => "a StatefulSet, evaluated for its pods' labels",
            EndpointKind::DaemonSet => "a DaemonSet, evaluated for its pods' labels",
            EndpointKind::Service => "a Service's backends, at the target port",
        }
    }
}

/// What completion needs to know. Sources return bare names (`web-1`, not `prod/web-1` or
/// `svc/web`); the caller adds the prefixes the user typed. `namespace: None` means the scope's
/// namespace (see `Scope::namespace`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Query {
    /// kubeconfig contexts, for `--context`.
    Contexts,
    /// kubeconfig clusters, for `--cluster`.
    Clusters,
    /// kubeconfig users, for `--user`.
    Users,
    /// Namespaces, for `-n` and the other namespace-valued flags, and `NS/` in endpoints.
    Namespaces,
    /// Pods of a namespace, for `why` endpoints.
    Pods { namespace: Option<String> },
    /// Workloads of one kind (Deployment, StatefulSet, DaemonSet) of a namespace, after `deploy/`.
    Workloads { namespace: Option<String>, kind: EndpointKind },
    /// Services of a namespace, after `svc/`.
    Services { namespace: Option<String> },
    /// The named ports of an endpoint's pods (container ports; for a Service, its target port
    /// names), after `ENDPOINT:`. The description should say the number and protocol.
    NamedPorts { namespace: Option<String>, kind: EndpointKind, name: String },
    /// The container ports the pods of these namespaces declare (none: the scope's namespace;
    /// `all`: every namespace), as `matrix --port` takes them: `8080`, `53/udp`.
    DeclaredPorts { namespaces: Vec<String>, all: bool },
}

/// Any failure of a source. It is never shown: the source simply contributes nothing.
pub type LookupError = Box<dyn std::error::Error + Send + Sync>;

/// A provider of dynamic candidates. Answer `Ok(vec![])` for queries the source does not handle.
pub trait CandidateSource: Send + Sync {
    fn lookup(&self, scope: &Scope, query: &Query) -> Result<Vec<Candidate>, LookupError>;
}

/// The registered sources and the deadline they share.
#[derive(Clone)]
pub struct Sources {
    sources: Vec<Arc<dyn CandidateSource>>,
    deadline: Duration,
}

impl Sources {
    /// Long enough for a kubeconfig read and one API round trip to a reachable cluster, short
    /// enough that TAB never feels hung when the cluster is not reachable.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_millis(1500);

    /// No sources: only candidates from the command-line definition.
    pub fn none() -> Self {
        Sources { sources: Vec::new(), deadline: Sources::DEFAULT_DEADLINE }
    }

    /// The sources the `kubectl_complete-deny` helper uses: names from kubeconfig, from the
    /// cluster it selects, and from the manifests `-f` names (then instead of the cluster).
    pub fn standard() -> Self {
        Sources::none()
            .with(super::kubeconfig::KubeconfigSource)
            .with(super::cluster::ClusterSource::default())
            .with(super::files::FilesSource::default())
    }

    pub fn with(mut self, source: impl CandidateSource + 'static) -> Self {
        self.sources.push(Arc::new(source));
        self
    }

    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Asks every source every query, all at once, and returns for each query the candidates
    /// that arrived before the deadline: merged in source order, duplicates (by value) dropped.
    pub fn lookup(&self, scope: &Scope, queries: &[Query]) -> Vec<Vec<Candidate>> {
        let mut slots: Vec<Vec<Option<Vec<Candidate>>>> = vec![vec![None; self.sources.len()]; queries.len()];
        let (tx, rx) = mpsc::channel();
        let mut pending = 0usize;
        for (qi, query) in queries.iter().enumerate() {
            for (si, source) in self.sources.iter().enumerate() {
                let (tx, source, scope, query) = (tx.clone(), Arc::clone(source), scope.clone(), query.clone());
                // Detached on purpose: a lookup still running at the deadline is abandoned and
                // ends with the process, which exits right after printing.
                let spawned = std::thread::Builder::new().name("completion-lookup".into()).spawn(move || {
                    let result = source.lookup(&scope, &query);
                    let _ = tx.send((qi, si, result));
                });
                if spawned.is_ok() {
                    pending += 1;
                }
            }
        }
        drop(tx);
        let deadline = Instant::now() + self.deadline;
        while pending > 0 {
            let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else {
                break;
            };
            match rx.recv_timeout(left) {
                Ok((qi, si, result)) => {
                    pending -= 1;
                    if let Ok(candidates) = result {
                        slots[qi][si] = Some(candidates);
                    }
                }
                // Timeout: the deadline passed. Disconnected: every remaining lookup panicked.
                Err(_) => break,
            }
        }
        slots.into_iter().map(|per_source| merge(per_source.into_iter().flatten())).collect()
    }
}

fn merge(lists: impl Iterator<Item = Vec<Candidate>>) -> Vec<Candidate> {
    let mut seen = std::collections::HashSet::new();
    let mut merged = Vec::new();
    for candidate in lists.flatten() {
        if seen.insert(candidate.value.clone()) {
            merged.push(candidate);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Vec<&'static str>);
    impl CandidateSource for Fixed {
        fn lookup(&self, _: &Scope, query: &Query) -> Result<Vec<Candidate>, LookupError> {
            match query {
                Query::Namespaces => Ok(self.0.iter().map(|v| Candidate::new(*v)).collect()),
                _ => Ok(vec![]),
            }
        }
    }

    struct Slow(Duration);
    impl CandidateSource for Slow {
        fn lookup(&self, _: &Scope, _: &Query) -> Result<Vec<Candidate>, LookupError> {
            std::thread::sleep(self.0);
            Ok(vec![Candidate::new("too-late")])
        }
    }

    struct Failing;
    impl CandidateSource for Failing {
        fn lookup(&self, _: &Scope, _: &Query) -> Result<Vec<Candidate>, LookupError> {
            Err("connection refused".into())
        }
    }

    struct Panicking;
    impl CandidateSource for Panicking {
        fn lookup(&self, _: &Scope, _: &Query) -> Result<Vec<Candidate>, LookupError> {
            panic!("source bug")
        }
    }

    fn values(list: &[Candidate]) -> Vec<&str> {
        list.iter().map(|c| c.value.as_str()).collect()
    }

    #[test]
    fn sources_merge_in_registration_order_without_duplicates() {
        let sources = Sources::none().with(Fixed(vec!["b", "a"])).with(Fixed(vec!["a", "c"]));
        let got = sources.lookup(&Scope::default(), &[Query::Namespaces, Query::Contexts]);
        assert_eq!(values(&got[0]), ["b", "a", "c"]);
        assert!(got[1].is_empty());
    }

    #[test]
    fn a_source_slower_than_the_deadline_contributes_nothing_and_costs_only_the_deadline() {
        let sources = Sources::none()
            .with(Fixed(vec!["fast"]))
            .with(Slow(Duration::from_secs(30)))
            .with_deadline(Duration::from_millis(100));
        let started = Instant::now();
        let got = sources.lookup(&Scope::default(), &[Query::Namespaces]);
        assert!(started.elapsed() < Duration::from_secs(5), "lookup waited {:?}", started.elapsed());
        assert_eq!(values(&got[0]), ["fast"]);
    }

    #[test]
    fn failing_and_panicking_sources_fall_back_to_nothing() {
        let sources = Sources::none().with(Failing).with(Panicking).with(Fixed(vec!["ok"]));
        let got = sources.lookup(&Scope::default(), &[Query::Namespaces]);
        assert_eq!(values(&got[0]), ["ok"]);
        let only_broken = Sources::none().with(Failing).with(Panicking);
        assert!(only_broken.lookup(&Scope::default(), &[Query::Namespaces])[0].is_empty());
    }

    #[test]
    fn endpoint_prefixes_round_trip() {
        for kind in EndpointKind::ALL {
            assert_eq!(EndpointKind::from_prefix(kind.prefix()), Some(kind));
        }
        assert_eq!(EndpointKind::from_prefix("prod"), None);
    }
}
