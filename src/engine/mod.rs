//! Network policy semantics. Pure: plain data in, verdicts with evidence out.
//!
//! No kube client, no tokio, no printing, no files. Sources build a `Snapshot`; commands ask the
//! engine about flows and hand its verdicts to renderers.
//!
//! - `flow`: the `Engine` (one per snapshot) and the verdict on one flow, side by side.
//! - `pipeline`: the policy layers a side passes in order, and the contract each layer keeps
//!   (read it before adding a policy kind).
//! - one module per policy kind, each a layer: `netpol` (NetworkPolicy v1), `tiers` (the
//!   cluster-wide Admin and Baseline tiers: AdminNetworkPolicy, BaselineAdminNetworkPolicy,
//!   ClusterNetworkPolicy), `calico` (Calico's tiers, whose default tier holds the
//!   NetworkPolicies and whose `kube-admin` and `kube-baseline` tiers hold the cluster-wide ones).
//! - shared by every kind: `model` (the snapshot, selectors, ports, address blocks), `selector`,
//!   `ports` (`PortSet`), `verdict` (the evidence).
//! - built on the engine: `matrix` (many flows at once), `coverage` (`list`), `notes` (caveats and
//!   hints), `service`, `cni`.

pub mod calico;
pub mod cilium;
pub mod cni;
pub mod coverage;
pub mod flow;
pub mod matrix;
pub mod model;
pub mod netpol;
mod notes;
pub mod pipeline;
pub mod ports;
pub mod selector;
pub mod service;
pub mod tiers;
pub mod verdict;

pub use flow::{Endpoint, Engine};
pub use model::*;
pub use ports::PortSet;
pub use verdict::{Direction, PortQuery, Verdict};

#[cfg(test)]
mod netpol_tests;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tiers_tests;
