//! Opening the source a command reads: manifests (`-f`) or the live cluster. Commands say what
//! they need (one flow, some namespaces); the source reads as little as that needs.

use crate::context::{Context, SourceSpec};
use crate::engine::Snapshot;
use crate::error::Error;
use crate::source::refs::ObjectRef;

/// The namespaces a command works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Namespaces(Vec<String>),
}

pub enum Source {
    /// Manifests are read whole once; every question is answered from the same snapshot.
    Files { snapshot: Option<Snapshot>, default_namespace: String },
}

pub fn open(ctx: &Context) -> Result<Source, Error> {
    match &ctx.source {
        SourceSpec::Files(paths) => {
            let default_namespace = ctx.namespaces.first().cloned().unwrap_or_else(|| "default".to_string());
            let snapshot = crate::source::file::load(paths, &default_namespace, &mut std::io::stdin().lock())?;
            Ok(Source::Files { snapshot: Some(snapshot), default_namespace })
        }
        SourceSpec::Cluster(_) => Err(Error::Usage(
            "reading a live cluster is not available in this build yet; pass manifests with -f".into(),
        )),
    }
}

impl Source {
    /// The namespace for names written without one: `-n`, else the kubeconfig context's, else
    /// `default`.
    pub fn default_namespace(&self) -> String {
        match self {
            Source::Files { default_namespace, .. } => default_namespace.clone(),
        }
    }

    /// What `why` needs: both endpoints, their namespaces, the policies there, and the namespaces
    /// those policies' selectors must be matched against.
    pub fn snapshot_for_flow(&mut self, _from: &ObjectRef, _to: &ObjectRef) -> Result<Snapshot, Error> {
        match self {
            Source::Files { snapshot, .. } => Ok(snapshot.take().unwrap_or_default()),
        }
    }

    /// What `list` needs: namespaces, policies, and pod names and labels (metadata only) of the
    /// scope, plus the network plugin's DaemonSets.
    pub fn snapshot_for_list(&mut self, scope: &Scope) -> Result<Snapshot, Error> {
        self.snapshot_for_scope(scope)
    }

    /// What `matrix` needs: the pods, namespaces and policies of the scope.
    pub fn snapshot_for_scope(&mut self, _scope: &Scope) -> Result<Snapshot, Error> {
        match self {
            Source::Files { snapshot, .. } => Ok(snapshot.take().unwrap_or_default()),
        }
    }
}
