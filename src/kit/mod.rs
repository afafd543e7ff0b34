//! The default-deny starter kit: what it must let through (`detect`), the NetworkPolicies
//! (`build`), their validity (`validate`), the Kyverno policy that generates them (`kyverno`), and
//! the decisions of installing them (`plan`), and the narrow allows that let one blocked flow
//! through (`suggest`, for `why --suggest`). All pure; `read` is the one part that talks to the
//! cluster, gathering what `detect` looks at.
//!
//! It never prints and never applies: `cmd::init` does, through `render::init`.

pub mod baseline;
pub mod build;
pub mod detect;
pub mod kyverno;
pub mod plan;
pub mod read;
pub mod suggest;
pub mod validate;

pub use build::{Kit, KitPolicy, Options};
pub use detect::{Detection, detect};
