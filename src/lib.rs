//! kubectl-deny: make Kubernetes default-deny networking real.
//!
//! Layers (see `shared/design.md`): `engine` (pure NetworkPolicy semantics), `source` (manifests
//! or a live cluster, both building an `engine::Snapshot`), `kit` (the starter kit), `cmd` (one
//! file per subcommand), `render` (tables, colour, JSON, YAML). Data flows one way: arguments,
//! snapshot, verdicts, output.

pub mod cli;
pub mod cmd;
pub mod complete;
pub mod context;
pub mod engine;
pub mod error;
pub mod exit;
pub mod flows;
#[doc(hidden)]
pub mod fuzzing;
pub mod kit;
pub mod render;
pub mod source;
pub mod version;

pub use error::Error;
pub use exit::Exit;
