//! kubectl-deny-synth: realistic synthetic Kubernetes clusters for kubectl-deny's benchmarks and
//! scale tests, printed as one `kind: List` the way `kubectl get -o json|yaml` prints it.
//!
//! `plan` decides what exists, `render` turns it into API objects and streams them; both are
//! pure functions of the [`Config`], so the same flags always give the same bytes.

pub mod calico;
pub mod cilium;
pub mod config;
pub mod flows;
pub mod plan;
pub mod render;
pub mod rng;
pub mod tree;

use std::fmt;
use std::io::{self, Write};

pub use config::{Config, ConfigError, DEFAULT_SEED, Preset, SYSTEM_NAMESPACES};
pub use plan::{Cluster, plan};
pub use render::{Format, Stats};

#[derive(Debug)]
pub enum Error {
    Config(ConfigError),
    Io(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => e.fmt(f),
            Error::Io(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::Config(e)
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}

/// Plans the cluster for `config` and writes it to `out` as one `kind: List`.
pub fn generate<W: Write>(config: &Config, format: Format, out: W) -> Result<Stats, Error> {
    let cluster = plan(config)?;
    Ok(render::write(&cluster, format, out)?)
}
