//! The live-cluster source through the built binary, against the loopback API server of
//! `tests/support`: what `why`, `matrix` and `list` read and answer, the errors a user can act
//! on, parity with manifests, request counts that do not grow with the cluster, the RBAC the
//! commands need, and completion from the cluster.
//!
//! Contents:
//! - `access`: --server, --token, --as and the TLS flags; exec credential plugins; addresses that
//!   are not a Kubernetes API; servers that never complete a connection.
//! - `common`: the example cluster as a fixture, manifests written from a server's objects.
//! - `why`: endpoints of every kind, hints and caveats from live state, notes on forbidden reads,
//!   not-found errors with suggestions, request counts in a small and a large cluster.
//! - `list` and `matrix`: every coverage state, metadata-only paginated pods, `--exit-code`.
//! - `errors`: kubeconfig selection and every API failure, each with its exit status and message.
//! - `parity`: the same objects through `-f` and through the server give the same output.
//! - `tiers`: the cluster-wide policies read live: counted requests, not served, forbidden.
//! - `rbac`: every request the read-only commands make is granted by `docs/rbac.yaml`.
//! - `complete`: completion candidates from the cluster.
//! - `discovery`: the one shared `GET /apis`: aggregated, plain, forbidden, only when needed.

#[path = "../support/mod.rs"]
mod support;

mod access;
mod calico;
mod cilium;
mod common;
mod complete;
mod discovery;
mod errors;
mod flows;
mod list;
mod parity;
mod rbac;
mod tiers;
mod why;
