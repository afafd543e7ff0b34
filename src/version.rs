//! The version and the git commit the binary was built from (recorded by `build.rs`).

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("KUBECTL_DENY_GIT_COMMIT");
pub const SHORT: &str = env!("CARGO_PKG_VERSION");
pub const LONG: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("KUBECTL_DENY_GIT_COMMIT"), ")");
