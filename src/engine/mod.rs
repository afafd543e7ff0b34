//! NetworkPolicy semantics. Pure: plain data in, verdicts with evidence out.
//!
//! No kube client, no tokio, no printing, no files. Sources build a `Snapshot`; commands ask the
//! engine about flows and hand its verdicts to renderers.

pub mod calico;
pub mod cni;
pub mod coverage;
pub mod eval;
pub mod matrix;
pub mod model;
mod notes;
pub mod ports;
pub mod selector;
pub mod service;
pub mod verdict;

pub use eval::{Endpoint, Engine};
pub use model::*;
pub use ports::PortSet;
pub use verdict::{Direction, PortQuery, Verdict};

#[cfg(test)]
mod eval_tests;
#[cfg(test)]
pub(crate) mod testkit;
