//! Where cluster state comes from: manifest files (`-f`) or a live cluster via kube.
//!
//! Both build the same `engine::Snapshot`. This layer knows Kubernetes object shapes and the API
//! server's defaulting; it never evaluates policy and never prints.
//!
//! - `wire`: the objects as the API serializes them (the subset of fields the tool reads), the
//!   shapes every kind shares, and the dispatch on `apiVersion` and `kind`.
//! - `convert`: wire objects into a defaulted, validated snapshot; shared by both sources.
//! - one module per policy kind, with its wire shape and its conversion: `netpol`
//!   (NetworkPolicy v1), `tiers` (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
//!   ClusterNetworkPolicy), `calico` (Calico's policies and tiers).
//! - `file`: manifests from files, directories and stdin; `yaml`, `yaml_events` and `held`: what
//!   YAML needs.
//! - `cluster`, `fetch`, `live`: the live cluster: connection, raw reads, and what each question reads.
//! - `discovery`: which APIs the live cluster serves, from one request shared by every reader of a
//!   CRD-backed kind.

use std::fmt;
use std::io;
use std::sync::Arc;

pub mod calico;
pub mod cilium;
pub mod cluster;
pub mod convert;
pub mod discovery;
pub mod fetch;
pub mod file;
pub mod held;
pub mod live;
pub mod netpol;
pub mod refs;
pub mod tiers;
pub mod wire;
pub mod yaml;
pub mod yaml_events;

/// A failure to read cluster state, with enough context to fix it.
///
/// Each message reads well after `error: `, on one line, or two when there is a fix to suggest.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Reading the live cluster failed.
    #[error(transparent)]
    Cluster(Box<cluster::ClusterError>),

    /// Something the question names does not exist in the cluster (a namespace); the message
    /// says what, with close names that do exist.
    #[error("{0}")]
    NotFound(String),

    /// A path could not be read (missing, unreadable, not a file or directory).
    #[error("cannot read {path}: {}", describe_io(source))]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },

    /// A directory given with `-f` holds no manifest files.
    #[error("{path}: no manifests found (looked for *.yaml, *.yml and *.json files, hidden ones skipped)")]
    NoManifests { path: String },

    /// `-f -` was given more than once: stdin can only be read once.
    #[error("-f - (stdin) can be given only once")]
    StdinTwice,

    /// A manifest is not well-formed: bad syntax, or a field of the wrong type.
    #[error("{0}")]
    Parse(Box<ParseError>),

    /// An object is well-formed but the API server would reject it.
    #[error("{0}")]
    Invalid(Box<InvalidObject>),

    /// The inputs held no object of a kind kubectl-deny reads: an empty file, an empty stdin (a
    /// failed command before the pipe), or only other kinds.
    #[error(
        "nothing was read from {flag}: {what}\n  kubectl deny reads Namespaces, Pods, NetworkPolicies, Services, \
         EndpointSlices, Nodes, IngressClasses, workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, \
         CronJobs) and the policies of Cilium, Calico and the network-policy API; none of the kinds kubectl deny \
         reads was found\n  fix: {}",
        if *from_stdin {
            "check that the command before the pipe succeeded (an error there leaves stdin empty), e.g. \
             kubectl get namespaces,pods,services,networkpolicies -A -o yaml | kubectl deny list -f -"
        } else {
            "give -f the manifests to read, or a dump such as \
             kubectl get namespaces,pods,services,networkpolicies -A -o yaml > cluster.yaml"
        }
    )]
    NothingRead { flag: String, what: String, from_stdin: bool },

    /// `-k`: the kustomization could not be rendered.
    #[error("{message}")]
    Kustomize { dir: String, message: String },
}

/// Something to show with the answer, on stderr: a `note:` (a file skipped) or a `Warning:` (an
/// unknown field, an object read twice), as kubectl prints its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub warning: bool,
    pub message: String,
}

impl Notice {
    pub fn note(message: String) -> Self {
        Notice { warning: false, message }
    }

    pub fn warning(message: String) -> Self {
        Notice { warning: true, message }
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", if self.warning { "Warning" } else { "note" }, self.message)
    }
}

/// A warning about an object read from a manifest: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub location: Location,
    /// The address, in the text read, of the key or value the warning is about, from which the
    /// manifest reader finds its line.
    pub at: Option<usize>,
    /// The line of the key or value, once known.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = self.location.with_line(self.line);
        if !place.is_empty() {
            write!(f, "{place}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A manifest the parser could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    /// 1-based index of the document in a multi-document file; `None` when the problem precedes
    /// any document (the file's encoding).
    pub document: Option<usize>,
    /// 1-based line and column in the file, when the parser knows them.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The field the parser was reading (`spec.ingress[0].ports[0].port`), when known.
    pub field: Option<String>,
    pub message: String,
}

/// `np.yaml: document 3, line 12, column 7: spec.ingress[0].ports[0].port: invalid type: ...`
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        let mut separator = ": ";
        if let Some(document) = self.document {
            write!(f, "{separator}document {document}")?;
            separator = ", ";
        }
        if let Some(line) = self.line {
            write!(f, "{separator}line {line}")?;
            if let Some(column) = self.column {
                write!(f, ", column {column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// An object the API server would reject, with the field and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidObject {
    /// `NetworkPolicy prod/allow-web`.
    pub object: String,
    /// Where the object was read; empty for the live cluster.
    pub location: Location,
    /// `spec.ingress[0].from[1].ipBlock.cidr`.
    pub field: String,
    pub message: String,
    pub fix: String,
    /// The address, in the text read, of the offending value, from which the manifest reader
    /// finds its line.
    pub at: Option<usize>,
    /// The line of the offending value, once known.
    pub line: Option<usize>,
}

/// `pods.yaml: document 2 (line 14): NetworkPolicy prod/np: spec.ingress[0].from[0]: must specify a
/// peer`, and the fix on a second line.
impl fmt::Display for InvalidObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = self.location.with_line(self.line);
        if !place.is_empty() {
            write!(f, "{place}: ")?;
        }
        write!(f, "{}: {}: {}\n  fix: {}", self.object, self.field, self.message, self.fix)
    }
}

fn describe_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// Where an object was read, for error messages: the file, the document in it, its first line,
/// and the position inside nested `List`s. The live cluster passes `Location::default()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub file: Option<Arc<str>>,
    /// 1-based.
    pub document: Option<usize>,
    /// 1-based line where the document starts.
    pub line: Option<usize>,
    /// Indices into `items` of enclosing Lists, outermost first.
    pub items: Vec<usize>,
}

impl Location {
    pub fn document(file: &Arc<str>, document: usize, line: usize) -> Self {
        Location { file: Some(file.clone()), document: Some(document), line: Some(line), items: Vec::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.file.is_none() && self.document.is_none() && self.line.is_none() && self.items.is_empty()
    }

    /// This location rendered, or with the exact `line` of a field when known:
    /// `pods.yaml: document 2, line 17` instead of `pods.yaml: document 2 (line 14), items[3]`.
    pub fn with_line(&self, line: Option<usize>) -> String {
        match (line, &self.file) {
            (Some(line), Some(file)) => match self.document {
                Some(document) => format!("{file}: document {document}, line {line}"),
                None => format!("{file}: line {line}"),
            },
            _ => self.to_string(),
        }
    }
}

/// `pods.yaml: document 2 (line 14), items[3]`; empty for `Location::default()`.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(file) = &self.file {
            parts.push(file.to_string());
        }
        match (self.document, self.line) {
            (Some(document), Some(line)) => parts.push(format!("document {document} (line {line})")),
            (Some(document), None) => parts.push(format!("document {document}")),
            (None, Some(line)) => parts.push(format!("line {line}")),
            (None, None) => {}
        }
        if !self.items.is_empty() {
            let path: Vec<String> = self.items.iter().map(|i| format!("items[{i}]")).collect();
            parts.push(path.join("."));
        }
        match parts.split_first() {
            None => Ok(()),
            Some((first, [])) => f.write_str(first),
            Some((first, rest)) => write!(f, "{first}: {}", rest.join(", ")),
        }
    }
}

impl From<cluster::ClusterError> for SourceError {
    fn from(e: cluster::ClusterError) -> Self {
        SourceError::Cluster(Box::new(e))
    }
}

/// A parser's message in the words of Kubernetes manifests rather than of Rust types:
/// `invalid i64` is "expected an integer", `expected mapping start` is "expected a map".
pub(crate) fn plain_message(raw: &str) -> String {
    let integer = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"];
    if let Some(kind) = raw.strip_prefix("invalid ")
        && integer.contains(&kind.trim())
    {
        return "expected an integer".into();
    }
    if raw.starts_with("cannot deserialize null into string") {
        return "expected a string, found nothing (write \"\" for an empty value)".into();
    }
    if raw.starts_with("cannot deserialize null") {
        return "expected a value, found nothing".into();
    }
    match raw {
        "expected string scalar" => return "expected a string".into(),
        "expected mapping start" => return "expected a map (key: value pairs)".into(),
        "expected sequence start" => return "expected a list".into(),
        _ => {}
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = raw.strip_prefix(prefix)
            && let Some((found, expected)) = rest.split_once(", expected ")
        {
            if expected == "a boolean"
                && let Some(text) = found.strip_prefix("string ")
            {
                let bare = text.trim_matches('"');
                let fix = match bare.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "y" => "write true without quotes",
                    "false" | "no" | "off" | "n" => "write false without quotes",
                    _ => "write true or false without quotes",
                };
                return format!(
                    "{text} is a string where a boolean is required: kubectl sends it as a string and the API \
                     server rejects it; {fix}"
                );
            }
            return format!("expected {expected}, found {}", found.replace('`', ""));
        }
    }
    if let Some(field) = raw.strip_prefix("duplicate field `").and_then(|f| f.strip_suffix('`')) {
        return format!("{field} is given twice in one object; keep one (kubectl would silently keep the last)");
    }
    if let Some(field) = raw.strip_prefix("missing field `").and_then(|f| f.strip_suffix('`')) {
        return format!("missing required field {field}");
    }
    raw.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_renders_file_document_line_and_list_items() {
        let file: Arc<str> = Arc::from("pods.yaml");
        let mut at = Location::document(&file, 2, 14);
        assert_eq!(at.to_string(), "pods.yaml: document 2 (line 14)");
        at.items = vec![3, 0];
        assert_eq!(at.to_string(), "pods.yaml: document 2 (line 14), items[3].items[0]");
        assert_eq!(Location::default().to_string(), "");
    }

    #[test]
    fn parse_error_names_file_document_line_and_field() {
        let e = SourceError::Parse(Box::new(ParseError {
            file: "np.yaml".into(),
            document: Some(3),
            line: Some(12),
            column: Some(7),
            field: Some("spec.ingress[0].ports[0].port".into()),
            message: "invalid type: sequence, expected a port number or name".into(),
        }));
        assert_eq!(
            e.to_string(),
            "np.yaml: document 3, line 12, column 7: spec.ingress[0].ports[0].port: \
             invalid type: sequence, expected a port number or name"
        );
    }

    #[test]
    fn parser_messages_speak_manifests_not_rust() {
        assert_eq!(plain_message("invalid i64"), "expected an integer");
        assert_eq!(
            plain_message("invalid type: string \"x\", expected an integer"),
            "expected an integer, found string \"x\""
        );
        assert_eq!(plain_message("invalid type: integer `5`, expected a string"), "expected a string, found integer 5");
        assert_eq!(plain_message("expected mapping start"), "expected a map (key: value pairs)");
        assert_eq!(plain_message("expected string scalar"), "expected a string");
        assert_eq!(plain_message("missing field `name`"), "missing required field name");
        assert!(plain_message("cannot deserialize null into string; use Option<String>").contains("found nothing"));
    }

    #[test]
    fn io_error_reads_without_os_error_codes() {
        let e = SourceError::Io { path: "nope.yaml".into(), source: io::Error::from(io::ErrorKind::NotFound) };
        assert_eq!(e.to_string(), "cannot read nope.yaml: no such file or directory");
    }
}
