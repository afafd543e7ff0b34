//! Connecting to a live cluster the way kubectl does, and running API calls with a bound and with
//! errors a user can act on.
//!
//! kubeconfig: `--kubeconfig`, else the `$KUBECONFIG` path list merged (first file to set a value
//! wins), else `~/.kube/config`, else the in-cluster service account. `--context`, `--cluster`
//! and `--user` select within it; the context's namespace is the default namespace. Exec
//! credential plugins and tokens work as kube supports them.
//!
//! kube retries 429/503/504 by itself with growing back-off, which can stall a command for
//! minutes; that is turned off, and `--request-timeout` bounds each call as a whole.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::context::ClusterSpec;

/// What the process environment says about kubeconfig, read once by `main`.
#[derive(Debug, Clone, Default)]
pub struct KubeEnv {
    /// `$KUBECONFIG`, as a path list.
    pub kubeconfig: Option<std::ffi::OsString>,
    /// `$HOME` (or `%USERPROFILE%`), for `~/.kube/config`.
    pub home: Option<PathBuf>,
    /// Set inside a pod: the in-cluster config applies when no kubeconfig exists.
    pub in_cluster: bool,
}

impl KubeEnv {
    pub fn from_process() -> Self {
        KubeEnv {
            kubeconfig: std::env::var_os("KUBECONFIG"),
            home: std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from),
            in_cluster: std::env::var_os("KUBERNETES_SERVICE_HOST").is_some(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "no kubeconfig found (looked at {looked}); set --kubeconfig or KUBECONFIG, or read manifests instead with -f"
    )]
    NoKubeconfig { looked: String },

    #[error("kubeconfig {source_name}: {message}")]
    Kubeconfig { source_name: String, message: String },

    #[error(
        "cannot reach the API server {server}{context}: {detail}\n  check the cluster is up and the kubeconfig context is right (kubectl config current-context), or read manifests with -f"
    )]
    Unreachable { server: String, context: String, detail: String },

    #[error("the API server {server}{context} did not answer {what} within {after:?} {bound}")]
    Timeout { server: String, context: String, what: String, after: Duration, bound: TimeoutBound },

    #[error(
        "the API server {server}{context} rejected the credentials (401 Unauthorized): {message}\n  refresh them (e.g. log in again to the cloud provider) and check with: kubectl auth whoami"
    )]
    Unauthorized { server: String, context: String, message: String },

    #[error("forbidden: {message}\n  kubectl-deny needs to {verb} {resource}{scope}; check with: {check}")]
    Forbidden { verb: String, resource: String, scope: String, message: String, check: String },

    #[error("not found: {message}")]
    NotFound { message: String },

    #[error("conflict: {message}")]
    Conflict { message: String, causes: Vec<String> },

    #[error("the API server {server} answered {code} while trying to {what}: {message}{retry}")]
    Server { server: String, code: u16, what: String, message: String, retry: String },

    #[error("the credential plugin{whose} failed: `{command}` {detail}\n{fix}")]
    CredentialPlugin { whose: String, command: String, detail: String, fix: String },

    #[error(
        "the server {server}{context} is not a Kubernetes API server: {detail}\n  check the server address (kubectl config view --minify, or --server)"
    )]
    NotKubernetes { server: String, context: String, detail: String },

    #[error("{what}: {message}")]
    Other { what: String, message: String },
}

/// Which bound a timeout hit, and so what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutBound {
    /// `--request-timeout`, on one call.
    Request,
    /// The default bound on connecting and the TLS handshake, without `--request-timeout`.
    Connect,
}

impl std::fmt::Display for TimeoutBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimeoutBound::Request => "(--request-timeout); try a longer --request-timeout",
            TimeoutBound::Connect => {
                "(the bound on connecting and the TLS handshake): the address does not complete a connection, \
                 or accepts it without answering; check the server address and that the API server is healthy, \
                 or give a longer --request-timeout"
            }
        })
    }
}

impl ClusterError {
    /// The HTTP status the API server answered, when it did.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClusterError::Unauthorized { .. } => Some(401),
            ClusterError::Forbidden { .. } => Some(403),
            ClusterError::NotFound { .. } => Some(404),
            ClusterError::Conflict { .. } => Some(409),
            ClusterError::Server { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// An open connection: the client and what the user should be told about where it points.
#[derive(Clone)]
pub struct Connection {
    pub client: kube::Client,
    /// The context's namespace, else `default`.
    pub namespace: String,
    /// The context in use, when there is one (in-cluster config has none).
    pub context: Option<String>,
    pub server: String,
    pub timeout: Option<Duration>,
    /// Whether the server proved to be a Kubernetes API server, once an ambiguous 404 made it
    /// worth asking (`None`: not asked yet).
    pub probe: std::sync::Arc<tokio::sync::OnceCell<bool>>,
    /// Which APIs the server serves, read once when a reader first asks (`discovery::discover`).
    pub discovery: std::sync::Arc<tokio::sync::OnceCell<super::discovery::Discovery>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("namespace", &self.namespace)
            .field("context", &self.context)
            .field("server", &self.server)
            .finish()
    }
}

/// Loads the kubeconfig kubectl would use: `--kubeconfig`, else `$KUBECONFIG` (merged), else
/// `~/.kube/config`. `Ok(None)` when none exists.
///
/// As in kubectl, a non-empty `$KUBECONFIG` replaces `~/.kube/config` (files of the list that do
/// not exist are skipped, and when none exists there is no kubeconfig), and an empty
/// `current-context` (which `kubectl config` writes) counts as unset, so that a later file of the
/// list can set it.
pub fn load_kubeconfig(spec: &ClusterSpec, env: &KubeEnv) -> Result<Option<(Kubeconfig, String)>, ClusterError> {
    let read = |path: &PathBuf| {
        let mut config = read_kubeconfig_file(path)?;
        if config.current_context.as_deref() == Some("") {
            config.current_context = None;
        }
        Ok(config)
    };
    if let Some(path) = &spec.kubeconfig {
        if !path.exists() {
            return Err(ClusterError::Kubeconfig {
                source_name: path.display().to_string(),
                message: "no such file (given with --kubeconfig)".into(),
            });
        }
        return Ok(Some((read(path)?, path.display().to_string())));
    }
    let listed: Vec<PathBuf> = match &env.kubeconfig {
        Some(list) => std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()).collect(),
        None => Vec::new(),
    };
    if !listed.is_empty() {
        let existing: Vec<&PathBuf> = listed.iter().filter(|p| p.exists()).collect();
        if existing.is_empty() {
            return Ok(None);
        }
        let mut merged = Kubeconfig::default();
        for p in &existing {
            merged = merged.merge(read(p)?).map_err(|e| ClusterError::Kubeconfig {
                source_name: p.display().to_string(),
                message: error_chain(&e),
            })?;
        }
        let names: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
        return Ok(Some((merged, names.join(", "))));
    }
    if let Some(home) = &env.home {
        let path = home.join(".kube").join("config");
        if path.exists() {
            return Ok(Some((read(&path)?, path.display().to_string())));
        }
    }
    Ok(None)
}

/// Reads one kubeconfig file as kube reads it (UTF-8, or UTF-16 after a byte-order mark; several
/// YAML documents merged; relative file paths made absolute), but never lets kube panic.
///
/// kube-client 5.0.0 panics on a UTF-16 file with an odd number of bytes after its byte-order
/// mark (`FF FE 41`, or big-endian `FE FF 00`: it indexes past the end of the last two-byte
/// chunk). The bytes are checked here first, so such a file, or any text that is not valid
/// UTF-8 or UTF-16, is an error naming what is wrong. kube's loading runs under `catch_unwind`
/// as a last resort, for a panic this check does not foresee (or the file changing between the
/// check and kube's read): a panic there is an error naming the file, not a crash.
pub fn read_kubeconfig_file(path: &std::path::Path) -> Result<Kubeconfig, ClusterError> {
    let source_name = path.display().to_string();
    let error = |message: String| ClusterError::Kubeconfig { source_name: source_name.clone(), message };
    let bytes = std::fs::read(path).map_err(|e| error(format!("cannot read it: {e}")))?;
    check_kubeconfig_encoding(&bytes).map_err(&error)?;
    match std::panic::catch_unwind(|| Kubeconfig::read_from(path)) {
        Ok(Ok(config)) => Ok(config),
        Ok(Err(e)) => Err(error(error_chain(&e))),
        Err(_) => Err(error(
            "the Kubernetes client library failed while reading it (a bug in kube-client, not in the file's \
             owner); check the file with `kubectl config view --kubeconfig FILE`"
                .into(),
        )),
    }
}

/// Checks that kubeconfig bytes are text kube can decode: UTF-8 (with or without a byte-order
/// mark), or UTF-16 after a byte-order mark, with whole two-byte units and paired surrogates.
pub fn check_kubeconfig_encoding(bytes: &[u8]) -> Result<(), String> {
    let utf16 = |rest: &[u8], order: &str, unit: fn([u8; 2]) -> u16| -> Result<(), String> {
        if rest.len() % 2 == 1 {
            return Err(format!(
                "it starts with a UTF-16 {order} byte-order mark but has an odd number of bytes after it \
                 ({}), so it is truncated or not UTF-16; save it as UTF-8",
                rest.len()
            ));
        }
        let units = rest.chunks_exact(2).map(|c| unit([c[0], c[1]]));
        let mut offset = 2;
        for decoded in char::decode_utf16(units) {
            match decoded {
                Ok(c) => offset += 2 * c.len_utf16(),
                Err(e) => {
                    return Err(format!(
                        "it starts with a UTF-16 {order} byte-order mark but is not valid UTF-16 (an unpaired \
                         surrogate 0x{:04X} at byte {offset}); save it as UTF-8",
                        e.unpaired_surrogate()
                    ));
                }
            }
        }
        Ok(())
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, "little-endian", u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, "big-endian", u16::from_be_bytes),
        _ => {
            let text = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            std::str::from_utf8(text).map(|_| ()).map_err(|e| {
                format!(
                    "it is not UTF-8 text (an invalid byte at offset {}); a kubeconfig is YAML in UTF-8",
                    e.valid_up_to() + (bytes.len() - text.len())
                )
            })
        }
    }
}

/// How long connecting (TCP and the TLS handshake) may take when `--request-timeout` does not
/// say: kubectl gives up on a TLS handshake after 10 s, and a server that accepts connections
/// but never completes one must not cost more.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The name of the cluster and context made from `--server` when no kubeconfig context is used.
const FLAGS_ENTRY: &str = "kubectl-deny-flags";

/// Opens a connection to the cluster the kubeconfig selects, with kubectl's connection and
/// authentication flags applied over it.
pub async fn connect(spec: &ClusterSpec, env: &KubeEnv) -> Result<Connection, ClusterError> {
    let overrides = &spec.overrides;
    let loaded = load_kubeconfig(spec, env)?;
    let flags_only = overrides.server.is_some()
        && loaded.as_ref().is_none_or(|(k, _)| spec.context.is_none() && k.current_context.is_none());
    let (mut config, context, user_name) = match loaded {
        _ if flags_only => {
            // As kubectl: `--server` (with `--token` or the like) needs no kubeconfig context.
            let (kubeconfig, source_name) = loaded.unwrap_or_else(|| (Kubeconfig::default(), "--server".into()));
            let kubeconfig = with_flags_entry(kubeconfig, overrides.server.as_deref().unwrap_or_default());
            let options = KubeConfigOptions {
                context: Some(FLAGS_ENTRY.into()),
                cluster: spec.cluster.clone(),
                user: spec.user.clone(),
            };
            (load_config(kubeconfig, &options, spec, source_name).await?, None, spec.user.clone())
        }
        Some((kubeconfig, source_name)) => {
            let context = spec.context.clone().or_else(|| kubeconfig.current_context.clone());
            check_selection(&kubeconfig, spec, &source_name)?;
            let user_name = spec.user.clone().or_else(|| {
                let name = context.as_deref()?;
                kubeconfig.contexts.iter().find(|c| c.name == name)?.context.as_ref()?.user.clone()
            });
            let options = KubeConfigOptions {
                context: spec.context.clone(),
                cluster: spec.cluster.clone(),
                user: spec.user.clone(),
            };
            (load_config(kubeconfig, &options, spec, source_name).await?, context, user_name)
        }
        None if env.in_cluster => {
            let mut config = kube::Config::incluster().map_err(|e| ClusterError::Kubeconfig {
                source_name: "in-cluster service account".into(),
                message: error_chain(&e),
            })?;
            if overrides.insecure_skip_tls_verify {
                config.accept_invalid_certs = true;
                config.root_cert = None;
                config.root_cert_file = None;
            }
            if let Some(ca) = &overrides.certificate_authority {
                config.root_cert_file = Some(ca.clone());
            }
            (config, None, None)
        }
        None => {
            let mut looked = Vec::new();
            if let Some(list) = &env.kubeconfig {
                looked.push(format!("KUBECONFIG={}", list.to_string_lossy()));
            }
            match &env.home {
                Some(home) => looked.push(home.join(".kube").join("config").display().to_string()),
                None => looked.push("~/.kube/config (no HOME set)".into()),
            }
            return Err(ClusterError::NoKubeconfig { looked: looked.join(", ") });
        }
    };
    apply_user_overrides(&mut config.auth_info, overrides);
    config.default_retry = false;
    match spec.request_timeout {
        Some(t) => {
            config.connect_timeout = Some(t);
            config.read_timeout = Some(t);
            config.write_timeout = Some(t);
            config.reset_reader_on_write = true;
        }
        None => config.connect_timeout = Some(DEFAULT_CONNECT_TIMEOUT),
    }
    let server = config.cluster_url.to_string().trim_end_matches('/').to_string();
    let namespace = spec_namespace(&config);
    let exec = config.auth_info.exec.clone();
    let client = build_client(config).map_err(|e| {
        let whose = Whose { user: user_name.as_deref(), context: context.as_deref() };
        match exec.as_ref().and_then(|exec| credential_plugin_error(exec, &whose, &e)) {
            Some(plugin_error) => plugin_error,
            None => ClusterError::Kubeconfig {
                source_name: context.clone().map(|c| format!("context {c}")).unwrap_or_else(|| "configuration".into()),
                message: error_chain(&e),
            },
        }
    })?;
    Ok(Connection {
        client,
        namespace,
        context,
        server,
        timeout: spec.request_timeout,
        probe: Default::default(),
        discovery: Default::default(),
    })
}

/// The one client of a command, with an exec credential plugin run once.
///
/// `kube::Client::try_from` asks the plugin three times: for a client certificate when it sets up
/// TLS, for the token of its auth layer, and for the certificate's expiry; a cloud CLI (`aws eks
/// get-token`) takes up to a second each. Here the auth layer is made first (one run) and the
/// client is built without the plugin, then wrapped in that layer: a token with an
/// `expirationTimestamp` stays kube's refreshable token, re-run only once it is about to expire,
/// and one without is sent as it is, as kube would. A plugin that answers with a client
/// certificate gives no auth layer; only then is the client built with the plugin as kube does.
fn build_client(config: kube::Config) -> Result<kube::Client, kube::Error> {
    use kube::client::{ClientBuilder, ConfigExt};
    if config.auth_info.exec.is_none() || config.auth_info.auth_provider.is_some() {
        return kube::Client::try_from(config);
    }
    let Some(auth) = config.auth_layer()? else { return kube::Client::try_from(config) };
    let namespace = config.default_namespace.clone();
    let mut without_plugin = config;
    without_plugin.auth_info.exec = None;
    let inner = Sender(kube::Client::try_from(without_plugin)?);
    Ok(ClientBuilder::new(inner, namespace).with_layer(&auth).build())
}

/// A client as the service under an auth layer (which clones what it wraps): its errors pass
/// through as they are, since `kube::Client::send` unboxes a `kube::Error` from the layers.
#[derive(Clone)]
struct Sender(kube::Client);

impl tower_service::Service<http::Request<kube::client::Body>> for Sender {
    type Response = http::Response<kube::client::Body>;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<kube::client::Body>) -> Self::Future {
        let client = self.0.clone();
        Box::pin(async move { client.send(request).await.map_err(Into::into) })
    }
}

/// kube's `Config` from a kubeconfig, with the cluster flags applied to the selected cluster.
async fn load_config(
    mut kubeconfig: Kubeconfig,
    options: &KubeConfigOptions,
    spec: &ClusterSpec,
    source_name: String,
) -> Result<kube::Config, ClusterError> {
    apply_cluster_overrides(&mut kubeconfig, options, &spec.overrides);
    kube::Config::from_custom_kubeconfig(kubeconfig, options)
        .await
        .map_err(|e| ClusterError::Kubeconfig { source_name, message: error_chain(&e) })
}

/// Adds the cluster and context `--server` stands for when no kubeconfig context is used.
fn with_flags_entry(mut kubeconfig: Kubeconfig, server: &str) -> Kubeconfig {
    use kube::config::{Cluster, Context, NamedCluster, NamedContext};
    kubeconfig.clusters.retain(|c| c.name != FLAGS_ENTRY);
    kubeconfig.contexts.retain(|c| c.name != FLAGS_ENTRY);
    kubeconfig.clusters.push(NamedCluster {
        name: FLAGS_ENTRY.into(),
        cluster: Some(Cluster { server: Some(server.into()), ..Cluster::default() }),
        ..NamedCluster::default()
    });
    kubeconfig.contexts.push(NamedContext {
        name: FLAGS_ENTRY.into(),
        context: Some(Context { cluster: FLAGS_ENTRY.into(), ..Context::default() }),
        ..NamedContext::default()
    });
    kubeconfig
}

/// `--server`, `--certificate-authority` and `--insecure-skip-tls-verify` over the selected
/// cluster, as kubectl merges them: the server is replaced; a CA file given replaces the
/// cluster's CA and turns its insecure setting off; insecure drops the cluster's CA (kubectl
/// refuses a CA together with insecure, and so does the command line).
pub fn apply_cluster_overrides(
    kubeconfig: &mut Kubeconfig,
    options: &KubeConfigOptions,
    overrides: &crate::context::ClusterOverrides,
) {
    let context_name = options.context.as_ref().or(kubeconfig.current_context.as_ref());
    let of_context = context_name
        .and_then(|name| kubeconfig.contexts.iter().find(|c| &c.name == name))
        .and_then(|c| c.context.as_ref())
        .map(|c| c.cluster.clone());
    let Some(cluster_name) = options.cluster.clone().or(of_context) else { return };
    let Some(cluster) =
        kubeconfig.clusters.iter_mut().find(|c| c.name == cluster_name).and_then(|c| c.cluster.as_mut())
    else {
        return;
    };
    if let Some(server) = &overrides.server {
        cluster.server = Some(server.clone());
    }
    if let Some(ca) = &overrides.certificate_authority {
        cluster.certificate_authority = Some(ca.display().to_string());
        cluster.certificate_authority_data = None;
        cluster.insecure_skip_tls_verify = None;
    }
    if overrides.insecure_skip_tls_verify {
        cluster.insecure_skip_tls_verify = Some(true);
        cluster.certificate_authority = None;
        cluster.certificate_authority_data = None;
    }
}

/// `--token`, `--client-certificate`/`--client-key` and `--as`/`--as-group`/`--as-uid` over the
/// selected user. A token replaces the user's other credentials (token file, exec plugin, auth
/// provider, basic auth), since kubectl sends the token whatever else the user has; client
/// certificates stay, as in kubectl.
pub fn apply_user_overrides(auth: &mut kube::config::AuthInfo, overrides: &crate::context::ClusterOverrides) {
    if let Some(token) = &overrides.token {
        auth.token = Some(token.clone().into());
        auth.token_file = None;
        auth.exec = None;
        auth.auth_provider = None;
        auth.username = None;
        auth.password = None;
    }
    if let Some(cert) = &overrides.client_certificate {
        auth.client_certificate = Some(cert.display().to_string());
        auth.client_certificate_data = None;
    }
    if let Some(key) = &overrides.client_key {
        auth.client_key = Some(key.display().to_string());
        auth.client_key_data = None;
    }
    if let Some(user) = &overrides.impersonate {
        auth.impersonate = Some(user.clone());
        auth.impersonate_groups =
            (!overrides.impersonate_groups.is_empty()).then(|| overrides.impersonate_groups.clone());
        auth.impersonate_uid = overrides.impersonate_uid.clone();
        auth.impersonate_user_extra = None;
    }
}

/// Whose credentials a plugin was to provide, for messages.
struct Whose<'a> {
    user: Option<&'a str>,
    context: Option<&'a str>,
}

impl std::fmt::Display for Whose<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.user, self.context) {
            (Some(u), Some(c)) => write!(f, " of user {u} (context {c})"),
            (Some(u), None) => write!(f, " of user {u}"),
            (None, Some(c)) => write!(f, " (context {c})"),
            (None, None) => Ok(()),
        }
    }
}

/// The exec credential plugin's failure in words: the command line, its exit status and
/// standard error (trimmed), and the kubeconfig's `installHint`; kube's own message is a debug
/// dump of the process output.
fn credential_plugin_error(
    exec: &kube::config::ExecConfig,
    whose: &Whose<'_>,
    e: &kube::Error,
) -> Option<ClusterError> {
    use kube::client::AuthError;
    let kube::Error::Auth(auth) = e else { return None };
    let command = exec_command_line(exec);
    let hint = exec.install_hint.as_deref().map(str::trim).filter(|h| !h.is_empty());
    let (detail, default_fix) = match auth {
        AuthError::AuthExecStart(io) if io.kind() == std::io::ErrorKind::NotFound => {
            ("was not found".to_string(), "install it, or fix users[].user.exec.command in the kubeconfig")
        }
        AuthError::AuthExecStart(io) => (format!("could not be started: {io}"), "check the command in the kubeconfig"),
        AuthError::AuthExecRun { out, .. } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stderr = stderr.trim();
            let status = match out.status.code() {
                Some(code) => format!("exited with status {code}"),
                None => "was killed by a signal".into(),
            };
            let interactive = exec.interactive_mode != Some(kube::config::ExecInteractiveMode::Never);
            let detail = if stderr.is_empty() && interactive {
                // kube lets an interactive plugin write to the terminal itself.
                format!("{status} (its messages, if any, are above)")
            } else if stderr.is_empty() {
                status
            } else {
                format!("{status}:\n{}", indent(&truncate_chars(stderr, 2000), "    "))
            };
            (detail, "run the command by hand to see why, or log in again")
        }
        AuthError::AuthExecParse(_) | AuthError::AuthExec(_) | AuthError::ExecPluginFailed => (
            format!("answered something that is not an ExecCredential: {}", error_chain(auth)),
            "check the plugin's version and its apiVersion in the kubeconfig",
        ),
        AuthError::MissingCommand => ("has no command".into(), "set users[].user.exec.command in the kubeconfig"),
        _ => return None,
    };
    Some(ClusterError::CredentialPlugin {
        whose: whose.to_string(),
        command,
        detail,
        fix: hint.map(|h| indent(h, "  ")).unwrap_or_else(|| format!("  {default_fix}")),
    })
}

/// `aws eks get-token --cluster-name prod`, arguments quoted when they need it.
fn exec_command_line(exec: &kube::config::ExecConfig) -> String {
    let quote = |word: &str| {
        if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c)) {
            word.to_string()
        } else {
            format!("'{}'", word.replace('\'', "'\\''"))
        }
    };
    std::iter::once(exec.command.as_deref().unwrap_or_default())
        .chain(exec.args.iter().flatten().map(String::as_str))
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ")
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|l| format!("{prefix}{}", l.trim_end())).collect::<Vec<_>>().join("\n")
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

fn spec_namespace(config: &kube::Config) -> String {
    if config.default_namespace.is_empty() { "default".into() } else { config.default_namespace.clone() }
}

/// Names the missing context, cluster or user, with the ones that exist. kube needs a context
/// even when `--cluster` and `--user` are given (it takes the namespace from it), so a missing
/// one is always an error.
fn check_selection(kubeconfig: &Kubeconfig, spec: &ClusterSpec, source_name: &str) -> Result<(), ClusterError> {
    let missing = |what: &str, name: &str, flag: &str, available: Vec<&str>| ClusterError::Kubeconfig {
        source_name: source_name.to_string(),
        message: format!(
            "{what} {name:?} {flag}not found; available: {}",
            if available.is_empty() { "none".to_string() } else { available.join(", ") }
        ),
    };
    let contexts: Vec<&str> = kubeconfig.contexts.iter().map(|c| c.name.as_str()).collect();
    match (&spec.context, kubeconfig.current_context.as_deref()) {
        (Some(c), _) if !contexts.contains(&c.as_str()) => {
            return Err(missing("context", c, "(given with --context) ", contexts));
        }
        (None, Some(c)) if !contexts.contains(&c) => {
            return Err(missing("current context", c, "", contexts));
        }
        (None, None) => {
            return Err(ClusterError::Kubeconfig {
                source_name: source_name.to_string(),
                message: format!(
                    "no current context; pick one with --context ({}) or `kubectl config use-context`",
                    if contexts.is_empty() { "none defined".to_string() } else { contexts.join(", ") }
                ),
            });
        }
        _ => {}
    }
    let clusters: Vec<&str> = kubeconfig.clusters.iter().map(|c| c.name.as_str()).collect();
    if let Some(c) = &spec.cluster {
        if !clusters.contains(&c.as_str()) {
            return Err(missing("cluster", c, "(given with --cluster) ", clusters));
        }
    } else {
        let name = spec.context.as_deref().or(kubeconfig.current_context.as_deref()).unwrap_or_default();
        let of_context = kubeconfig.contexts.iter().find(|c| c.name == name).and_then(|c| c.context.as_ref());
        if let Some(cluster) = of_context.map(|c| c.cluster.as_str())
            && !clusters.contains(&cluster)
        {
            return Err(missing("cluster", cluster, &format!("(of context {name}) "), clusters));
        }
    }
    if let Some(u) = &spec.user {
        let users: Vec<&str> = kubeconfig.auth_infos.iter().map(|u| u.name.as_str()).collect();
        if !users.contains(&u.as_str()) {
            return Err(missing("user", u, "(given with --user) ", users));
        }
    }
    Ok(())
}

/// One API call, described for messages and for `kubectl auth can-i`.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// `get`, `list`, `patch`, ...
    pub verb: &'static str,
    /// `pods`, `networkpolicies.networking.k8s.io`, ...
    pub resource: &'static str,
    /// `None`: all namespaces, or a cluster-scoped resource.
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

impl Call<'_> {
    fn describe(&self) -> String {
        let mut s = format!("{} {}", self.verb, self.resource);
        if let Some(n) = self.name {
            s.push_str(&format!(" {n}"));
        }
        if let Some(ns) = self.namespace {
            s.push_str(&format!(" in namespace {ns}"));
        }
        s
    }

    fn can_i(&self) -> String {
        let ns = match self.namespace {
            Some(ns) => format!(" -n {ns}"),
            None if self.verb == "list" => " --all-namespaces".to_string(),
            None => String::new(),
        };
        format!("kubectl auth can-i {} {}{ns}", self.verb, self.resource)
    }
}

impl Connection {
    fn context_suffix(&self) -> String {
        self.context.as_ref().map(|c| format!(" (context {c})")).unwrap_or_default()
    }

    /// Runs one API call under `--request-timeout`, mapping failures to errors a user can act on.
    pub async fn run<T>(
        &self,
        call: Call<'_>,
        request: impl Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, ClusterError> {
        let result = match self.timeout {
            Some(after) => match tokio::time::timeout(after, request).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(ClusterError::Timeout {
                        server: self.server.clone(),
                        context: self.context_suffix(),
                        what: call.describe(),
                        after,
                        bound: TimeoutBound::Request,
                    });
                }
            },
            None => request.await,
        };
        match result {
            Ok(value) => Ok(value),
            Err(kube::Error::Api(status)) if status.code == 404 && status.reason != "NotFound" => {
                Err(self.ambiguous_not_found(call, &status.message).await)
            }
            Err(e) => Err(self.map_error(call, e)),
        }
    }

    /// A 404 without the `Status` an API server sends (reason `NotFound`): either the object
    /// does not exist or the address is not a Kubernetes API at all (a web server, a proxy's
    /// page, a wrong path prefix), which would make every answer "not found". One `GET /version`
    /// tells them apart, asked at most once per connection and only for such a 404, so it costs
    /// a real API server nothing.
    async fn ambiguous_not_found(&self, call: Call<'_>, message: &str) -> ClusterError {
        let is_kubernetes = *self.probe.get_or_init(|| self.probe_version()).await;
        if is_kubernetes {
            let message = message.trim();
            ClusterError::NotFound {
                message: if message.is_empty() {
                    format!("{} (the API server answered 404 without saying more)", call.describe())
                } else {
                    message.to_string()
                },
            }
        } else {
            ClusterError::NotKubernetes {
                server: self.server.clone(),
                context: self.context_suffix(),
                detail: format!(
                    "it answered 404 Not Found to {} and has no /version a Kubernetes API server would have",
                    call.describe()
                ),
            }
        }
    }

    /// True when `GET /version` answers what a Kubernetes API server answers.
    async fn probe_version(&self) -> bool {
        #[derive(serde::Deserialize)]
        struct Version {
            #[serde(rename = "gitVersion")]
            git_version: String,
        }
        let Ok(request) = kube::core::Request::new("").get("version", &kube::api::GetParams::default()) else {
            return true;
        };
        let bound = self.timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        match tokio::time::timeout(bound, self.client.request_text(request)).await {
            Ok(Ok(text)) => serde_json::from_str::<Version>(&text).is_ok_and(|v| !v.git_version.is_empty()),
            // Whatever else goes wrong, the first answer stands: no claim without evidence.
            Ok(Err(kube::Error::Api(status))) => status.code != 404,
            _ => true,
        }
    }

    pub fn map_error(&self, call: Call<'_>, e: kube::Error) -> ClusterError {
        match e {
            kube::Error::Api(status) => {
                let message = status.message.clone();
                match status.code {
                    401 => ClusterError::Unauthorized {
                        server: self.server.clone(),
                        context: self.context_suffix(),
                        message,
                    },
                    403 => ClusterError::Forbidden {
                        verb: call.verb.to_string(),
                        resource: call.resource.to_string(),
                        scope: match call.namespace {
                            Some(ns) => format!(" in namespace {ns}"),
                            None => String::new(),
                        },
                        message,
                        check: call.can_i(),
                    },
                    404 => ClusterError::NotFound { message },
                    409 => ClusterError::Conflict {
                        message,
                        causes: status
                            .details
                            .as_ref()
                            .map(|d| d.causes.iter().map(|c| c.field.clone()).collect())
                            .unwrap_or_default(),
                    },
                    code => ClusterError::Server {
                        server: self.server.clone(),
                        code,
                        what: call.describe(),
                        message,
                        retry: match (code, status.details.as_ref().map(|d| d.retry_after_seconds)) {
                            (429 | 503 | 504, Some(secs @ 1..)) => {
                                format!("; the server is busy or unavailable and asks to retry in {secs}s")
                            }
                            (429 | 503 | 504, _) => "; the server is busy or unavailable, try again shortly".into(),
                            _ => String::new(),
                        },
                    },
                }
            }
            other => {
                let detail = error_chain(&other);
                // kube's connect bound (`--request-timeout`, else the default on connecting and
                // the TLS handshake) ends in "deadline has elapsed": the server accepted the
                // connection, or never finished the handshake, but did not answer in time.
                if is_timeout(&other, &detail) {
                    let (after, bound) = match self.timeout {
                        Some(after) => (after, TimeoutBound::Request),
                        None => (DEFAULT_CONNECT_TIMEOUT, TimeoutBound::Connect),
                    };
                    ClusterError::Timeout {
                        server: self.server.clone(),
                        context: self.context_suffix(),
                        what: call.describe(),
                        after,
                        bound,
                    }
                } else if is_connection_failure(&other, &detail) {
                    // The innermost cause is what the user can act on ("Connection refused",
                    // "failed to lookup address"); the layers above it are the client's plumbing.
                    let detail = root_cause(&other).unwrap_or(detail);
                    ClusterError::Unreachable { server: self.server.clone(), context: self.context_suffix(), detail }
                } else {
                    ClusterError::Other { what: call.describe(), message: detail }
                }
            }
        }
    }
}

/// A bound that fired inside the client: tokio's "deadline has elapsed", or an I/O time-out,
/// anywhere in the chain of causes.
fn is_timeout(e: &(dyn std::error::Error + 'static), detail: &str) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<tokio::time::error::Elapsed>()
            || c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        cause = c.source();
    }
    let d = detail.to_ascii_lowercase();
    d.contains("timed out") || d.contains("timeout") || d.contains("deadline has elapsed")
}

fn is_connection_failure(e: &kube::Error, detail: &str) -> bool {
    matches!(e, kube::Error::HyperError(_) | kube::Error::Service(_)) || {
        let d = detail.to_ascii_lowercase();
        d.contains("connection refused") || d.contains("dns error") || d.contains("connect")
    }
}

/// The message of the innermost cause of `e`, when it has causes.
fn root_cause(e: &dyn std::error::Error) -> Option<String> {
    let mut cause = e.source()?;
    while let Some(deeper) = cause.source() {
        cause = deeper;
    }
    Some(cause.to_string())
}

/// An error and its causes on one line: `a: b: c`.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(current: &str, contexts: &[(&str, &str, Option<&str>)], clusters: &[&str]) -> String {
        let mut text = format!("apiVersion: v1\nkind: Config\ncurrent-context: \"{current}\"\nclusters:\n");
        for c in clusters {
            text.push_str(&format!("- name: {c}\n  cluster: {{server: \"https://{c}.example:6443\"}}\n"));
        }
        text.push_str("users:\n- name: u\n  user: {token: t}\ncontexts:\n");
        for (name, cluster, namespace) in contexts {
            let ns = namespace.map(|n| format!(", namespace: {n}")).unwrap_or_default();
            text.push_str(&format!("- name: {name}\n  context: {{cluster: {cluster}, user: u{ns}}}\n"));
        }
        text
    }

    struct Files {
        dir: tempfile::TempDir,
    }

    impl Files {
        fn new() -> Files {
            Files { dir: tempfile::tempdir().unwrap() }
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        }

        fn env(&self, list: &[&PathBuf]) -> KubeEnv {
            KubeEnv {
                kubeconfig: (!list.is_empty()).then(|| std::env::join_paths(list).unwrap()),
                home: Some(self.dir.path().join("home")),
                in_cluster: false,
            }
        }
    }

    fn current(loaded: Option<(Kubeconfig, String)>) -> Option<String> {
        loaded.unwrap().0.current_context
    }

    #[test]
    fn the_kubeconfig_flag_wins_over_the_env_list_and_home() {
        let files = Files::new();
        let flag = files.write("flag", &kubeconfig("flag", &[("flag", "a", None)], &["a"]));
        let listed = files.write("listed", &kubeconfig("listed", &[("listed", "a", None)], &["a"]));
        files.write("home/.kube/config", &kubeconfig("home", &[("home", "a", None)], &["a"]));
        let env = files.env(&[&listed]);
        let spec = ClusterSpec { kubeconfig: Some(flag), ..ClusterSpec::default() };
        assert_eq!(current(load_kubeconfig(&spec, &env).unwrap()).as_deref(), Some("flag"));
        assert_eq!(current(load_kubeconfig(&ClusterSpec::default(), &env).unwrap()).as_deref(), Some("listed"));
        let no_list = files.env(&[]);
        assert_eq!(current(load_kubeconfig(&ClusterSpec::default(), &no_list).unwrap()).as_deref(), Some("home"));
    }

    #[test]
    fn a_kubeconfig_list_replaces_home_even_when_none_of_its_files_exist() {
        let files = Files::new();
        files.write("home/.kube/config", &kubeconfig("home", &[("home", "a", None)], &["a"]));
        let missing = files.dir.path().join("missing");
        let env = files.env(&[&missing]);
        assert!(load_kubeconfig(&ClusterSpec::default(), &env).unwrap().is_none());
    }

    #[test]
    fn kubeconfig_lists_merge_first_wins_and_an_empty_current_context_is_unset() {
        let files = Files::new();
        let first = files.write("first", &kubeconfig("", &[("one", "a", Some("ns-one"))], &["a"]));
        let second = files.write("second", &kubeconfig("two", &[("two", "b", None), ("one", "b", None)], &["b"]));
        let missing = files.dir.path().join("missing");
        let (merged, source) =
            load_kubeconfig(&ClusterSpec::default(), &files.env(&[&first, &missing, &second])).unwrap().unwrap();
        assert_eq!(merged.current_context.as_deref(), Some("two"), "the first file sets none");
        let one = merged.contexts.iter().find(|c| c.name == "one").unwrap();
        assert_eq!(one.context.as_ref().unwrap().cluster, "a", "the first file's context wins");
        assert_eq!(merged.contexts.len(), 2);
        assert_eq!(source, format!("{}, {}", first.display(), second.display()), "missing files are skipped");
    }

    fn read_bytes(bytes: &[u8]) -> Result<Kubeconfig, String> {
        let files = Files::new();
        let path = files.dir.path().join("config");
        std::fs::write(&path, bytes).unwrap();
        read_kubeconfig_file(&path).map_err(|e| e.to_string().replace(&path.display().to_string(), "FILE"))
    }

    #[test]
    fn an_odd_length_utf16_kubeconfig_is_an_error_not_a_panic() {
        // kube-client 5.0.0 panics on these (issue 11.1).
        assert_eq!(
            read_bytes(&[0xFF, 0xFE, 0x41]).unwrap_err(),
            "kubeconfig FILE: it starts with a UTF-16 little-endian byte-order mark but has an odd number of \
             bytes after it (1), so it is truncated or not UTF-16; save it as UTF-8"
        );
        assert!(read_bytes(&[0xFE, 0xFF, 0x00]).unwrap_err().contains("UTF-16 big-endian byte-order mark"));
        let mut truncated = vec![0xFF, 0xFE];
        truncated.extend("kind: Config\n".encode_utf16().flat_map(u16::to_le_bytes));
        truncated.push(0x0A);
        assert!(read_bytes(&truncated).unwrap_err().contains("odd number of bytes after it (27)"));
    }

    #[test]
    fn utf16_kubeconfigs_with_a_byte_order_mark_are_read() {
        let text = kubeconfig("prod", &[("prod", "eu", None)], &["eu"]);
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend(text.as_bytes());
        for bytes in [le, be, bom8] {
            assert_eq!(read_bytes(&bytes).unwrap().current_context.as_deref(), Some("prod"));
        }
    }

    #[test]
    fn a_kubeconfig_that_is_not_text_says_where() {
        assert_eq!(
            read_bytes(b"kind: Config\n\xC3(").unwrap_err(),
            "kubeconfig FILE: it is not UTF-8 text (an invalid byte at offset 13); a kubeconfig is YAML in UTF-8"
        );
        assert!(read_bytes(&[0xFF, 0xFE, 0x00, 0xD8]).unwrap_err().contains("unpaired surrogate 0xD800 at byte 2"));
        // After a surrogate pair (4 bytes), the offset counts bytes, not characters.
        let bytes = [0xFF, 0xFE, 0x3D, 0xD8, 0x00, 0xDE, 0x00, 0xDC];
        assert!(read_bytes(&bytes).unwrap_err().contains("unpaired surrogate 0xDC00 at byte 6"));
    }

    #[test]
    fn a_missing_kubeconfig_flag_file_is_an_error() {
        let spec = ClusterSpec { kubeconfig: Some("/nonexistent/kubeconfig".into()), ..ClusterSpec::default() };
        let err = load_kubeconfig(&spec, &KubeEnv::default()).unwrap_err();
        assert_eq!(err.to_string(), "kubeconfig /nonexistent/kubeconfig: no such file (given with --kubeconfig)");
    }

    fn selection(spec: &ClusterSpec) -> Result<(), String> {
        let text = kubeconfig("prod", &[("prod", "eu", None), ("dev", "gone", None)], &["eu", "us"]);
        let config: Kubeconfig = Kubeconfig::from_yaml(&text).unwrap();
        check_selection(&config, spec, "config").map_err(|e| e.to_string())
    }

    #[test]
    fn a_context_cluster_or_user_that_does_not_exist_is_named_with_the_ones_that_do() {
        let spec = |context: Option<&str>, cluster: Option<&str>, user: Option<&str>| ClusterSpec {
            context: context.map(str::to_string),
            cluster: cluster.map(str::to_string),
            user: user.map(str::to_string),
            ..ClusterSpec::default()
        };
        assert_eq!(selection(&spec(None, None, None)), Ok(()));
        assert_eq!(selection(&spec(None, Some("us"), Some("u"))), Ok(()));
        assert_eq!(
            selection(&spec(Some("stage"), Some("us"), Some("u"))),
            Err("kubeconfig config: context \"stage\" (given with --context) not found; available: prod, dev".into()),
            "kube takes the namespace from the context, so it must exist even with --cluster and --user"
        );
        assert_eq!(
            selection(&spec(None, Some("ap"), None)),
            Err("kubeconfig config: cluster \"ap\" (given with --cluster) not found; available: eu, us".into())
        );
        assert_eq!(
            selection(&spec(None, None, Some("admin"))),
            Err("kubeconfig config: user \"admin\" (given with --user) not found; available: u".into())
        );
        assert_eq!(
            selection(&spec(Some("dev"), None, None)),
            Err("kubeconfig config: cluster \"gone\" (of context dev) not found; available: eu, us".into())
        );
        assert_eq!(selection(&spec(Some("dev"), Some("eu"), None)), Ok(()), "--cluster replaces the context's");
    }

    fn overrides() -> crate::context::ClusterOverrides {
        crate::context::ClusterOverrides::default()
    }

    fn cluster_after(o: &crate::context::ClusterOverrides, options: &KubeConfigOptions) -> kube::config::Cluster {
        let mut text = kubeconfig("prod", &[("prod", "eu", None), ("dev", "us", None)], &["eu", "us"]);
        text = text.replace(
            "server: \"https://eu.example:6443\"}",
            "server: \"https://eu.example:6443\", certificate-authority-data: Zm9v, insecure-skip-tls-verify: false}",
        );
        let mut config = Kubeconfig::from_yaml(&text).unwrap();
        apply_cluster_overrides(&mut config, options, o);
        let name = options
            .cluster
            .clone()
            .unwrap_or_else(|| if options.context.as_deref() == Some("dev") { "us" } else { "eu" }.into());
        config.clusters.into_iter().find(|c| c.name == name).unwrap().cluster.unwrap()
    }

    #[test]
    fn server_flag_replaces_the_selected_clusters_server_only() {
        let o = crate::context::ClusterOverrides { server: Some("https://other:443".into()), ..overrides() };
        let c = cluster_after(&o, &KubeConfigOptions::default());
        assert_eq!(c.server.as_deref(), Some("https://other:443"));
        assert_eq!(c.certificate_authority_data.as_deref(), Some("Zm9v"), "the CA stays");
        let dev = KubeConfigOptions { context: Some("dev".into()), ..KubeConfigOptions::default() };
        assert_eq!(cluster_after(&o, &dev).server.as_deref(), Some("https://other:443"), "the --context's cluster");
        let us = KubeConfigOptions { cluster: Some("us".into()), ..KubeConfigOptions::default() };
        assert_eq!(cluster_after(&o, &us).server.as_deref(), Some("https://other:443"), "the --cluster");
        assert_eq!(cluster_after(&overrides(), &us).server.as_deref(), Some("https://us.example:6443"));
    }

    #[test]
    fn certificate_authority_flag_replaces_the_ca_and_insecure() {
        let o = crate::context::ClusterOverrides { certificate_authority: Some("/etc/ca.pem".into()), ..overrides() };
        let c = cluster_after(&o, &KubeConfigOptions::default());
        assert_eq!(c.certificate_authority.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(c.certificate_authority_data, None);
        assert_eq!(c.insecure_skip_tls_verify, None);
    }

    #[test]
    fn insecure_flag_drops_the_clusters_ca() {
        let o = crate::context::ClusterOverrides { insecure_skip_tls_verify: true, ..overrides() };
        let c = cluster_after(&o, &KubeConfigOptions::default());
        assert_eq!(c.insecure_skip_tls_verify, Some(true));
        assert_eq!((c.certificate_authority, c.certificate_authority_data), (None, None));
    }

    #[test]
    fn token_flag_replaces_every_other_credential_but_client_certificates() {
        let mut auth: kube::config::AuthInfo = serde_json::from_value(serde_json::json!({
            "username": "u", "password": "p", "token-file": "/t", "client-certificate-data": "Y2VydA==",
            "exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "aws"},
            "auth-provider": {"name": "oidc", "config": {}},
        }))
        .unwrap();
        let o = crate::context::ClusterOverrides { token: Some("abc".into()), ..overrides() };
        apply_user_overrides(&mut auth, &o);
        assert!(auth.token.is_some(), "the value sent is checked over HTTP by tests/live/access.rs");
        assert!(auth.exec.is_none() && auth.auth_provider.is_none() && auth.token_file.is_none());
        assert!(auth.username.is_none() && auth.password.is_none());
        assert_eq!(auth.client_certificate_data.as_deref(), Some("Y2VydA=="));
    }

    #[test]
    fn impersonation_flags_replace_the_kubeconfigs_impersonation() {
        let mut auth: kube::config::AuthInfo = serde_json::from_value(serde_json::json!({
            "as": "someone", "as-groups": ["g0"], "as-user-extra": {"k": ["v"]}, "token": "t",
        }))
        .unwrap();
        let o = crate::context::ClusterOverrides {
            impersonate: Some("jane".into()),
            impersonate_groups: vec!["devs".into(), "ops".into()],
            ..overrides()
        };
        apply_user_overrides(&mut auth, &o);
        assert_eq!(auth.impersonate.as_deref(), Some("jane"));
        assert_eq!(auth.impersonate_groups, Some(vec!["devs".to_string(), "ops".to_string()]));
        assert_eq!((auth.impersonate_uid, auth.impersonate_user_extra), (None, None));
        assert!(auth.token.is_some(), "the credentials stay");
        let mut untouched: kube::config::AuthInfo = serde_json::from_value(serde_json::json!({"as": "x"})).unwrap();
        apply_user_overrides(&mut untouched, &overrides());
        assert_eq!(untouched.impersonate.as_deref(), Some("x"), "no flag, no change");
    }

    #[test]
    fn exec_command_lines_are_quoted_for_a_shell() {
        let exec: kube::config::ExecConfig = serde_json::from_value(serde_json::json!({
            "apiVersion": "client.authentication.k8s.io/v1", "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", "prod cluster", "it's", ""],
        }))
        .unwrap();
        assert_eq!(exec_command_line(&exec), "aws eks get-token --cluster-name 'prod cluster' 'it'\\''s' ''");
    }

    #[test]
    fn can_i_commands_match_the_call() {
        let call = |verb, resource, namespace| Call { verb, resource, namespace, name: None };
        assert_eq!(call("get", "pods", Some("prod")).can_i(), "kubectl auth can-i get pods -n prod");
        assert_eq!(
            call("list", "daemonsets.apps", None).can_i(),
            "kubectl auth can-i list daemonsets.apps --all-namespaces"
        );
        assert_eq!(call("get", "namespaces", None).can_i(), "kubectl auth can-i get namespaces");
        let named = Call { verb: "get", resource: "pods", namespace: Some("prod"), name: Some("web") };
        assert_eq!(named.describe(), "get pods web in namespace prod");
    }

    fn api_error(code: u16, retry_after: u32) -> kube::Error {
        let mut status = kube::core::Status::failure("the message", "Reason").with_code(code);
        if retry_after > 0 {
            status.details = Some(kube::core::response::StatusDetails {
                name: String::new(),
                group: String::new(),
                kind: String::new(),
                uid: String::new(),
                causes: Vec::new(),
                retry_after_seconds: retry_after,
            });
        }
        kube::Error::Api(status.boxed())
    }

    #[tokio::test]
    async fn api_statuses_map_to_errors_a_user_can_act_on() {
        let config = kube::Config::new("https://cluster.example:6443".parse().unwrap());
        let conn = Connection {
            client: kube::Client::try_from(config).unwrap(),
            namespace: "default".into(),
            context: Some("prod".into()),
            server: "https://cluster.example:6443".into(),
            timeout: Some(Duration::from_secs(5)),
            probe: Default::default(),
            discovery: Default::default(),
        };
        let call =
            Call { verb: "list", resource: "networkpolicies.networking.k8s.io", namespace: Some("shop"), name: None };
        let message = |code, retry| conn.map_error(call, api_error(code, retry)).to_string();
        assert_eq!(
            message(401, 0),
            "the API server https://cluster.example:6443 (context prod) rejected the credentials (401 Unauthorized): \
             the message\n  refresh them (e.g. log in again to the cloud provider) and check with: kubectl auth whoami"
        );
        assert_eq!(
            message(403, 0),
            "forbidden: the message\n  kubectl-deny needs to list networkpolicies.networking.k8s.io in namespace shop; \
             check with: kubectl auth can-i list networkpolicies.networking.k8s.io -n shop"
        );
        assert_eq!(message(404, 0), "not found: the message");
        assert_eq!(
            message(503, 20),
            "the API server https://cluster.example:6443 answered 503 while trying to list \
             networkpolicies.networking.k8s.io in namespace shop: the message; the server is busy or unavailable and \
             asks to retry in 20s"
        );
        assert!(message(429, 0).ends_with("the message; the server is busy or unavailable, try again shortly"));
        assert!(message(500, 0).ends_with("in namespace shop: the message"));
        assert_eq!(conn.map_error(call, api_error(409, 0)).status(), Some(409));
    }
}
