//! The error every command returns: typed by layer, printed once by `main` as `error: ...`.
//!
//! Messages say what was wrong, where, and how to fix it. Every error maps to exit status 2.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad command-line input. The message names the argument and how to fix it.
    #[error("{0}")]
    Usage(String),

    /// An object the command was asked about does not exist.
    #[error("{0}")]
    NotFound(String),

    /// Reading cluster state failed: a manifest, or the live cluster.
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),

    /// A check of the tool's own work failed: a bug to report.
    #[error("internal error: {0}; please report this at https://github.com/kubectl-deny/kubectl-deny/issues")]
    Internal(String),

    /// Writing the output failed (other than a closed pipe, which is not an error).
    #[error("cannot write output: {0}")]
    Output(#[source] std::io::Error),
}
