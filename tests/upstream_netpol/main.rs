//! Black-box conformance against the upstream Kubernetes network-policy e2e suite
//! (kubernetes/kubernetes `test/e2e/network/netpol/network_policy.go`): every case that can be
//! stated as a static cluster state, run through `kubectl-deny matrix -o json` and compared, cell
//! by cell, with upstream's expected truth table.
//!
//! Contents:
//! - `model`: the 3 namespaces x 3 pods upstream builds, and their manifests.
//! - `reachability`: upstream's truth tables and expectation builders.
//! - `harness`: runs the binary per phase, parses the JSON contract, reports mismatches as grids.
//! - `cases`: one `#[test]` per upstream `ginkgo.It`, named after it, plus the list of skips.
//!
//! Run one case with `cargo test --test upstream_netpol default_deny`.

mod cases;
mod harness;
mod model;
mod reachability;
