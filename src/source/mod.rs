//! Where cluster state comes from: manifest files (`-f`) or a live cluster via kube.
//!
//! Both build the same `engine::Snapshot`. This layer knows Kubernetes object shapes and the API
//! server's defaulting; it never evaluates policy and never prints.

/// A failure to read cluster state, with enough context to fix it.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Cluster(#[from] cluster::ClusterError),
}

pub mod refs;
pub mod cluster;
