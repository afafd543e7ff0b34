//! NetworkPolicy semantics. Pure: plain data in, verdicts with evidence out.
//!
//! No kube client, no tokio, no printing, no files. Sources build a `Snapshot`; commands ask the
//! engine about flows and hand its verdicts to renderers.

pub mod model;

pub use model::*;
