//! References to the objects a question is about (`why FROM TO`): what a command asks a source
//! to read, before anything is read.

use std::fmt;
use std::net::IpAddr;

use crate::engine::WorkloadKind;

/// One end of a flow, as the user named it, with its namespace resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    Pod { namespace: String, name: String },
    Workload { kind: WorkloadKind, namespace: String, name: String },
    Service { namespace: String, name: String },
    Ip(IpAddr),
}

impl ObjectRef {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            ObjectRef::Pod { namespace, .. }
            | ObjectRef::Workload { namespace, .. }
            | ObjectRef::Service { namespace, .. } => Some(namespace),
            ObjectRef::Ip(_) => None,
        }
    }
}

/// `pod/ns/name`-free, kubectl-like: `prod/web`, `prod/deploy/api`, `prod/svc/db`, `10.0.0.1`.
impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectRef::Pod { namespace, name } => write!(f, "{namespace}/{name}"),
            ObjectRef::Workload { kind, namespace, name } => write!(f, "{namespace}/{}/{name}", kind.short_name()),
            ObjectRef::Service { namespace, name } => write!(f, "{namespace}/svc/{name}"),
            ObjectRef::Ip(ip) => write!(f, "{ip}"),
        }
    }
}
