//! Opening the source a command reads: manifests (`-f`, `-k`) or the live cluster. Commands say
//! what they need (one flow, some namespaces); the source reads as little as that needs, and keeps
//! notes on what it had to skip, which commands print with their output. What reading manifests
//! has to say (files skipped, unknown fields, objects read twice) is printed on stderr as soon as
//! they are read, before any answer.

use std::io::Write;

use crate::context::{Context, SourceSpec};
use crate::engine::Snapshot;
use crate::error::Error;
use crate::source::live::{Flow, Live};

use super::endpoint::{EndpointArg, PortArg};
use crate::engine::{PortRef, Protocol};

/// The namespaces a command works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Namespaces(Vec<String>),
}

impl Scope {
    fn names(&self) -> Option<&[String]> {
        match self {
            Scope::All => None,
            Scope::Namespaces(names) => Some(names),
        }
    }
}

pub enum Source {
    /// Manifests are read whole once; every question is answered from the same snapshot.
    Files { snapshot: Option<Box<Snapshot>>, default_namespace: String },
    /// The live cluster, read per question.
    Cluster(Box<Live>),
}

/// Opens the source; for manifests, reads them whole now and writes their notes and warnings to
/// `err`.
pub fn open(ctx: &Context, err: &mut dyn Write) -> Result<Source, Error> {
    match &ctx.source {
        SourceSpec::Files(_) | SourceSpec::Kustomize(_) => {
            let default_namespace = ctx.namespaces.first().cloned().unwrap_or_else(|| "default".to_string());
            let snapshot = read_manifests(ctx, &default_namespace, err)?;
            Ok(Source::Files { snapshot: Some(Box::new(snapshot)), default_namespace })
        }
        SourceSpec::Cluster(spec) => {
            let live = Live::connect(spec, &ctx.kube_env, ctx.namespaces.first().map(String::as_str))?;
            Ok(Source::Cluster(Box::new(live)))
        }
    }
}

/// Reads the manifests `-f` or `-k` names, writing their notes and warnings to `err`.
pub fn read_manifests(ctx: &Context, default_namespace: &str, err: &mut dyn Write) -> Result<Snapshot, Error> {
    let loaded = match &ctx.source {
        SourceSpec::Files(paths) => crate::source::file::read(paths, default_namespace, &mut std::io::stdin().lock())?,
        SourceSpec::Kustomize(dir) => crate::source::file::read_kustomization(dir, default_namespace)?,
        SourceSpec::Cluster(_) => unreachable!("read_manifests is called for -f and -k only"),
    };
    for notice in &loaded.notices {
        let _ = writeln!(err, "{notice}");
    }
    Ok(loaded.snapshot)
}

impl Source {
    /// The namespace for names written without one: `-n`, else the kubeconfig context's, else
    /// `default`.
    pub fn default_namespace(&self) -> String {
        match self {
            Source::Files { default_namespace, .. } => default_namespace.clone(),
            Source::Cluster(live) => live.default_namespace().to_string(),
        }
    }

    /// What `why` needs: both endpoints, their namespaces, the policies there, and the namespaces
    /// those policies' selectors must be matched against (plus what the hints need).
    pub fn snapshot_for_flow(&mut self, from: &EndpointArg, to: &EndpointArg) -> Result<Snapshot, Error> {
        match self {
            Source::Files { snapshot, .. } => Ok(snapshot.take().map(|s| *s).unwrap_or_default()),
            Source::Cluster(live) => {
                let port = to.port.as_ref().map(|p| match p {
                    PortArg::Number(n) => PortRef::Number(*n),
                    PortArg::Name(name) => PortRef::Name(name.clone()),
                });
                let protocol = to.protocol.unwrap_or(Protocol::Tcp);
                Ok(live.flow(Flow {
                    from: &from.target,
                    to: &to.target,
                    port: port.as_ref().map(|p| (p, protocol)),
                })?)
            }
        }
    }

    /// What `list` needs: namespaces, policies, and pod names and labels (metadata only) of the
    /// scope, plus the network plugin's DaemonSets.
    pub fn snapshot_for_list(&mut self, scope: &Scope) -> Result<Snapshot, Error> {
        match self {
            Source::Files { snapshot, .. } => Ok(snapshot.take().map(|s| *s).unwrap_or_default()),
            Source::Cluster(live) => Ok(live.coverage(scope.names())?),
        }
    }

    /// What `matrix` needs: the pods, namespaces and policies of the scope.
    pub fn snapshot_for_scope(&mut self, scope: &Scope) -> Result<Snapshot, Error> {
        match self {
            Source::Files { snapshot, .. } => Ok(snapshot.take().map(|s| *s).unwrap_or_default()),
            Source::Cluster(live) => Ok(live.scope(scope.names())?),
        }
    }

    /// What the source skipped and why (a read RBAC forbids that only fed a caveat or a hint),
    /// since the last call. Commands print these with their output.
    pub fn take_notes(&mut self) -> Vec<String> {
        match self {
            Source::Files { .. } => Vec::new(),
            Source::Cluster(live) => live.take_notes(),
        }
    }
}

/// Every namespace named with `-n` must exist in what was read: otherwise the answer would be an
/// empty table that looks like good news.
pub fn check_namespaces(snapshot: &Snapshot, scope: &Scope, ctx: &Context) -> Result<(), Error> {
    let Scope::Namespaces(names) = scope else { return Ok(()) };
    for name in names {
        // `default` exists in every cluster, objects or not.
        let known = name == "default"
            || snapshot.namespaces.iter().any(|n| &n.name == name)
            || snapshot.pods.iter().any(|p| &p.namespace == name)
            || snapshot.policies.iter().any(|p| &p.namespace == name);
        if !known {
            let mut msg = format!(
                "namespace {name:?} not found{}",
                if matches!(ctx.source, SourceSpec::Files(_) | SourceSpec::Kustomize(_)) {
                    " in the manifests read"
                } else {
                    ""
                }
            );
            let mut close: Vec<&str> = snapshot
                .namespaces
                .iter()
                .map(|n| n.name.as_str())
                .filter(|n| strsim::jaro_winkler(n, name) >= 0.8)
                .collect();
            close.truncate(5);
            if !close.is_empty() {
                msg.push_str(&format!("\n  did you mean: {}?", close.join(", ")));
            }
            return Err(Error::NotFound(msg));
        }
    }
    Ok(())
}
