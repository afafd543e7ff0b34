//! A Kubernetes API server on loopback for the live-cluster tests: plain HTTP on `127.0.0.1`, a
//! random port, its own tokio runtime on a background thread, stopped on drop.
//!
//! It serves fixture objects at the standard REST paths (lists, gets, selectors, pagination,
//! metadata-only answers, discovery), takes writes (server-side apply with real ownership
//! conflicts, create, update, merge patch, delete), checks bearer tokens, and lets each test inject
//! failures and delays, make the server hang or refuse connections, and read back every request it
//! received. It writes a kubeconfig pointing at itself. It never touches anything outside its
//! temporary directory and its port.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};

use super::TempDir;
use super::status::{Failure, Target};
use super::store::{ListQuery, ResourceType, Store, WriteOptions, Written};

const JSON: &str = "application/json";
const META_MIME: &str = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
const META_LIST_MIME: &str = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The objects a server starts with. Each is stored as a real server would store it: `uid`,
/// `resourceVersion`, `creationTimestamp` and `generation` are added when missing, and the
/// server's defaulting runs (Namespaces get the `kubernetes.io/metadata.name` label,
/// NetworkPolicies `policyTypes` and port protocols, Pods and Services port protocols).
/// `metadata.managedFields` given in a fixture is kept, so ownership conflicts can be staged.
#[derive(Debug, Clone, Default)]
pub struct Fixture {
    objects: Vec<Value>,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::default()
    }

    /// The namespaces every cluster has: `default`, `kube-system`, `kube-public`, `kube-node-lease`.
    pub fn with_system_namespaces(self) -> Fixture {
        ["default", "kube-system", "kube-public", "kube-node-lease"]
            .into_iter()
            .fold(self, |f, ns| f.object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})))
    }

    /// One object with `apiVersion`, `kind` and `metadata`.
    pub fn object(mut self, object: Value) -> Fixture {
        self.objects.extend(expand_list(object));
        self
    }

    pub fn objects(mut self, objects: impl IntoIterator<Item = Value>) -> Fixture {
        for object in objects {
            self.objects.extend(expand_list(object));
        }
        self
    }

    /// Multi-document YAML (or JSON); `kind: List` documents are expanded. Panics on bad YAML,
    /// naming the parse error, since a fixture is test code.
    pub fn yaml(self, text: &str) -> Fixture {
        let documents = parse_documents(text).unwrap_or_else(|e| panic!("fixture YAML does not parse: {e}\n{text}"));
        self.objects(documents)
    }

    /// A JSON document (an object or a `kind: List`).
    pub fn json(self, text: &str) -> Fixture {
        let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("fixture JSON does not parse: {e}"));
        self.object(value)
    }
}

fn expand_list(object: Value) -> Vec<Value> {
    if object["kind"].as_str().is_some_and(|k| k == "List" || k.ends_with("List")) && object["items"].is_array() {
        object["items"].as_array().cloned().unwrap_or_default()
    } else {
        vec![object]
    }
}

/// Parses one or more YAML (or JSON) documents, skipping empty ones.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Ok(vec![value]);
    }
    let documents: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| e.to_string())?;
    Ok(documents.into_iter().filter(|d| !d.is_null()).collect())
}

// ---------------------------------------------------------------------------------------------
// Kubeconfig
// ---------------------------------------------------------------------------------------------

/// A kubeconfig to generate. Clusters without an explicit `server` point at this test server.
#[derive(Debug, Clone)]
pub struct KubeconfigSpec {
    pub current_context: Option<String>,
    pub contexts: Vec<ContextEntry>,
    pub clusters: Vec<ClusterEntry>,
    pub users: Vec<UserEntry>,
}

#[derive(Debug, Clone)]
pub struct ContextEntry {
    pub name: String,
    pub cluster: String,
    pub user: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ClusterEntry {
    pub name: String,
    /// `None`: this server's URL.
    pub server: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UserEntry {
    pub name: String,
    pub token: String,
    /// False: the server answers this token with 401 Unauthorized.
    pub accepted: bool,
}

impl KubeconfigSpec {
    /// An empty kubeconfig whose `current-context` is `current` (`None`: no current context).
    pub fn new(current: Option<&str>) -> KubeconfigSpec {
        KubeconfigSpec {
            current_context: current.map(str::to_string),
            contexts: Vec::new(),
            clusters: Vec::new(),
            users: Vec::new(),
        }
    }

    /// The default layout: context `test` (cluster `test-cluster`, user `test-user` with token
    /// `test-token`, namespace `default`), which is also the current context.
    pub fn single() -> KubeconfigSpec {
        KubeconfigSpec::new(Some("test")).cluster("test-cluster").user("test-user", "test-token").context(
            "test",
            "test-cluster",
            "test-user",
            Some("default"),
        )
    }

    pub fn context(mut self, name: &str, cluster: &str, user: &str, namespace: Option<&str>) -> KubeconfigSpec {
        self.contexts.push(ContextEntry {
            name: name.into(),
            cluster: cluster.into(),
            user: user.into(),
            namespace: namespace.map(str::to_string),
        });
        self
    }

    /// A cluster entry pointing at this server.
    pub fn cluster(mut self, name: &str) -> KubeconfigSpec {
        self.clusters.push(ClusterEntry { name: name.into(), server: None });
        self
    }

    /// A cluster entry pointing elsewhere (e.g. a closed port, for unreachable-cluster tests).
    pub fn cluster_at(mut self, name: &str, server: &str) -> KubeconfigSpec {
        self.clusters.push(ClusterEntry { name: name.into(), server: Some(server.into()) });
        self
    }

    /// A user whose bearer token the server accepts; `name` is also the user name in 403 messages.
    pub fn user(mut self, name: &str, token: &str) -> KubeconfigSpec {
        self.users.push(UserEntry { name: name.into(), token: token.into(), accepted: true });
        self
    }

    /// A user whose token the server rejects with 401.
    pub fn rejected_user(mut self, name: &str, token: &str) -> KubeconfigSpec {
        self.users.push(UserEntry { name: name.into(), token: token.into(), accepted: false });
        self
    }

    fn to_value(&self, url: &str) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "current-context": self.current_context.clone().unwrap_or_default(),
            "clusters": self.clusters.iter().map(|c| json!({
                "name": c.name,
                "cluster": { "server": c.server.clone().unwrap_or_else(|| url.to_string()) },
            })).collect::<Vec<_>>(),
            "users": self.users.iter().map(|u| json!({ "name": u.name, "user": { "token": u.token } })).collect::<Vec<_>>(),
            "contexts": self.contexts.iter().map(|c| {
                let mut context = json!({ "cluster": c.cluster, "user": c.user });
                if let Some(ns) = &c.namespace {
                    context["namespace"] = json!(ns);
                }
                json!({ "name": c.name, "context": context })
            }).collect::<Vec<_>>(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

/// A failure or delay injected for the requests that match a method and a path pattern.
///
/// The path pattern matches the request path (never the query); `*` stands for any run of
/// characters, `/` included. Without `.status()` the request is answered normally after the
/// delay. Rules are tried in the order they were injected; the first that fires wins. Each rule
/// counts the requests that match it, so `.nth(2)` fires on the second matching request only.
#[derive(Debug, Clone)]
pub struct Fault {
    method: Option<String>,
    pattern: String,
    occurrence: Occurrence,
    delay: Option<Duration>,
    status: Option<u16>,
    message: Option<String>,
    retry_after: Option<u64>,
    body: Option<Value>,
    seen: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occurrence {
    Every,
    Nth(usize),
    First(usize),
}

impl Fault {
    /// `method`: `GET`, `PATCH`, ... or `*` for any.
    pub fn new(method: &str, path_pattern: &str) -> Fault {
        Fault {
            method: (method != "*").then(|| method.to_ascii_uppercase()),
            pattern: path_pattern.into(),
            occurrence: Occurrence::Every,
            delay: None,
            status: None,
            message: None,
            retry_after: None,
            body: None,
            seen: 0,
        }
    }

    /// Answer with this HTTP status and the `Status` body the real server sends for it (403 names
    /// the user, verb, resource, group and namespace of the request).
    pub fn status(mut self, code: u16) -> Fault {
        self.status = Some(code);
        self
    }

    /// Replace the generated `message` of the `Status` body.
    pub fn message(mut self, message: &str) -> Fault {
        self.message = Some(message.into());
        self
    }

    /// Send `Retry-After: secs` (and `details.retryAfterSeconds`), as 429 and 503 answers may.
    pub fn retry_after(mut self, secs: u64) -> Fault {
        self.retry_after = Some(secs);
        self
    }

    /// Replace the whole body (any JSON) of the answer.
    pub fn body(mut self, body: Value) -> Fault {
        self.body = Some(body);
        self
    }

    /// Wait this long before answering (with the fault's status, or normally without one).
    pub fn delay(mut self, delay: Duration) -> Fault {
        self.delay = Some(delay);
        self
    }

    /// Fire only on the `n`th matching request (1-based).
    pub fn nth(mut self, n: usize) -> Fault {
        assert!(n >= 1, "Fault::nth counts from 1");
        self.occurrence = Occurrence::Nth(n);
        self
    }

    /// Fire on the first `n` matching requests only.
    pub fn times(mut self, n: usize) -> Fault {
        self.occurrence = Occurrence::First(n);
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method) && glob_match(&self.pattern, path)
    }

    /// Counts a matching request; true when the rule fires for it.
    fn fire(&mut self) -> bool {
        self.seen += 1;
        match self.occurrence {
            Occurrence::Every => true,
            Occurrence::Nth(n) => self.seen == n,
            Occurrence::First(n) => self.seen <= n,
        }
    }
}

fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else { return false };
            (0..=rest.len()).filter(|&i| rest.is_char_boundary(i)).any(|i| glob_match(tail, &rest[i..]))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request log
// ---------------------------------------------------------------------------------------------

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// The path without the query, e.g. `/api/v1/namespaces/prod/pods`.
    pub path: String,
    /// The raw query string (percent-encoded), empty when none.
    pub query: String,
    /// The decoded query parameters, in order.
    pub params: Vec<(String, String)>,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub authorization: Option<String>,
    pub user_agent: Option<String>,
    pub body: String,
    /// The status answered; 0 while unanswered (a hung or still-delayed request).
    pub status: u16,
    seq: u64,
}

impl RecordedRequest {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// True when the client asked for `PartialObjectMetadata(List)` only.
    pub fn is_metadata_only(&self) -> bool {
        self.accept.as_deref().is_some_and(|a| a.contains("as=PartialObjectMetadata"))
    }

    /// The body parsed as JSON or YAML (panics when it is neither: test code).
    pub fn body_json(&self) -> Value {
        parse_documents(&self.body)
            .ok()
            .and_then(|mut docs| (docs.len() == 1).then(|| docs.remove(0)))
            .unwrap_or_else(|| panic!("request body is not one JSON or YAML document: {:?}", self.body))
    }

    /// `GET /api/v1/pods?limit=2`: for assertion messages.
    pub fn line(&self) -> String {
        if self.query.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            format!("{} {}?{}", self.method, self.path, self.query)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/// How the server treats connections; see [`ApiServer::hang`] and [`ApiServer::refuse_connections`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Serve,
    Hang,
    Refuse,
}

struct Shared {
    store: Mutex<Store>,
    log: Mutex<Vec<RecordedRequest>>,
    next_seq: Mutex<u64>,
    faults: Mutex<Vec<Fault>>,
    /// token -> (user name, accepted)
    tokens: Mutex<BTreeMap<String, (String, bool)>>,
}

/// Locks a mutex even if a test thread panicked while holding it: the server must keep answering
/// so the failing test reports its own assertion, not a poisoned lock.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The running server. Dropping it stops the server and removes its temporary directory.
pub struct ApiServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    mode: watch::Sender<Mode>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    kubeconfig: PathBuf,
    kubeconfig_count: Mutex<usize>,
    dir: TempDir,
}

impl ApiServer {
    /// Starts a server holding `fixture`, with the [`KubeconfigSpec::single`] kubeconfig.
    pub fn start(fixture: Fixture) -> ApiServer {
        ApiServer::start_with(fixture, KubeconfigSpec::single())
    }

    /// Starts a server holding `fixture`; `kubeconfig` is written as [`ApiServer::kubeconfig`].
    pub fn start_with(fixture: Fixture, kubeconfig: KubeconfigSpec) -> ApiServer {
        let mut store = Store::new();
        for object in fixture.objects {
            let description = format!("{} {}", object["kind"], object["metadata"]["name"]);
            store.insert(object).unwrap_or_else(|e| panic!("fixture object {description}: {e}"));
        }
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            log: Mutex::new(Vec::new()),
            next_seq: Mutex::new(0),
            faults: Mutex::new(Vec::new()),
            tokens: Mutex::new(BTreeMap::new()),
        });
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port for the test API server");
        listener.set_nonblocking(true).expect("make the listener non-blocking");
        let addr = listener.local_addr().expect("the listener's address");
        let (mode, mode_rx) = watch::channel(Mode::Serve);
        let (shutdown, shutdown_rx) = oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("test-apiserver-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build the test API server's runtime");
                runtime.block_on(accept_loop(listener, addr, thread_shared, mode_rx, shutdown_rx));
            })
            .expect("spawn the test API server thread");
        let dir = TempDir::new("apiserver");
        let mut server = ApiServer {
            addr,
            shared,
            mode,
            shutdown: Some(shutdown),
            thread: Some(thread),
            kubeconfig: PathBuf::new(),
            kubeconfig_count: Mutex::new(0),
            dir,
        };
        server.kubeconfig = server.write_kubeconfig(&kubeconfig);
        server
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The kubeconfig written at start.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The server's temporary directory (removed on drop); a good `HOME` for the binary.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Writes another kubeconfig into the server's directory and registers its users' tokens.
    pub fn write_kubeconfig(&self, spec: &KubeconfigSpec) -> PathBuf {
        {
            let mut tokens = lock(&self.shared.tokens);
            for user in &spec.users {
                tokens.insert(user.token.clone(), (user.name.clone(), user.accepted));
            }
        }
        let mut count = lock(&self.kubeconfig_count);
        *count += 1;
        let path = self.dir.path().join(format!("kubeconfig-{count}.yaml"));
        let text = serde_saphyr::to_string(&spec.to_value(&self.url())).expect("kubeconfig serializes");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// The environment for running the binary against this server: `KUBECONFIG` (the start
    /// kubeconfig) and `HOME` (the server's directory, so no real `~/.kube/config` is read).
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("KUBECONFIG".into(), self.kubeconfig.display().to_string()),
            ("HOME".into(), self.dir.path().display().to_string()),
        ]
    }

    /// A `kube::Config` from the start kubeconfig, built the way the binary builds it.
    pub async fn kube_config(&self, options: &kube::config::KubeConfigOptions) -> kube::Config {
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("read the generated kubeconfig");
        kube::Config::from_custom_kubeconfig(kubeconfig, options).await.expect("kube accepts the generated kubeconfig")
    }

    /// A `kube::Client` for the current context of the start kubeconfig.
    pub async fn client(&self) -> kube::Client {
        let config = self.kube_config(&kube::config::KubeConfigOptions::default()).await;
        kube::Client::try_from(config).expect("build a kube client")
    }

    // --- fault injection and reachability ---

    pub fn inject(&self, fault: Fault) {
        assert!(
            fault.status.is_some() || fault.delay.is_some() || fault.body.is_some(),
            "a Fault needs .status(..), .delay(..) or .body(..) to have an effect"
        );
        lock(&self.shared.faults).push(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Accept connections and read requests (they are logged) but never answer.
    pub fn hang(&self) {
        self.mode.send_replace(Mode::Hang);
    }

    /// Close the listening socket and every open connection: clients get "connection refused".
    pub fn refuse_connections(&self) {
        self.mode.send_replace(Mode::Refuse);
    }

    /// Back to normal after [`ApiServer::hang`] or [`ApiServer::refuse_connections`] (the same
    /// port is bound again).
    pub fn resume(&self) {
        self.mode.send_replace(Mode::Serve);
    }

    // --- the request log ---

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// How many requests had this method (`*`: any) and a path starting with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| (method == "*" || r.method.eq_ignore_ascii_case(method)) && r.path.starts_with(path_prefix))
            .count()
    }

    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }

    /// Every request as `METHOD /path?query`, one per line: for assertion messages.
    pub fn request_lines(&self) -> String {
        lock(&self.shared.log).iter().map(|r| r.line() + "\n").collect()
    }

    // --- stored state ---

    /// A stored object by kind (`NetworkPolicy`), namespace (None for cluster-scoped) and name.
    pub fn object(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let store = lock(&self.shared.store);
        let t = store.type_for_kind(kind)?;
        store.get(&t, namespace, name).ok()
    }

    /// Every stored object of a kind, in the order the server lists them.
    pub fn objects(&self, kind: &str) -> Vec<Value> {
        let store = lock(&self.shared.store);
        store.type_for_kind(kind).map(|t| store.all(&t)).unwrap_or_default()
    }

    /// Adds or replaces an object while the server runs (as a fixture object is stored).
    pub fn insert(&self, object: Value) {
        lock(&self.shared.store).insert(object).unwrap_or_else(|e| panic!("insert: {e}"));
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: std::net::TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
    mut mode: watch::Receiver<Mode>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut listener = Some(tokio::net::TcpListener::from_std(listener).expect("register the listener with tokio"));
    loop {
        let current = *mode.borrow_and_update();
        if current == Mode::Refuse {
            listener = None;
        } else if listener.is_none() {
            listener = Some(rebind(addr).await);
        }
        tokio::select! {
            _ = &mut shutdown => return,
            changed = mode.changed() => if changed.is_err() { return },
            accepted = accept(listener.as_ref()) => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(serve_connection(stream, shared.clone(), mode.clone()));
                }
            }
        }
    }
}

async fn rebind(addr: SocketAddr) -> tokio::net::TcpListener {
    for _ in 0..50 {
        if let Ok(listener) = tokio::net::TcpListener::bind(addr).await {
            return listener;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("could not bind {addr} again after refusing connections");
}

async fn accept(listener: Option<&tokio::net::TcpListener>) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, shared: Arc<Shared>, mode: watch::Receiver<Mode>) {
    let service_mode = mode.clone();
    let service = service_fn(move |req| handle(shared.clone(), service_mode.clone(), req));
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        _ = until_refusing(mode) => {}
    }
}

async fn until_refusing(mut mode: watch::Receiver<Mode>) {
    loop {
        if *mode.borrow_and_update() == Mode::Refuse {
            return;
        }
        if mode.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// A parsed request, as the router sees it.
struct Call {
    method: String,
    path: String,
    params: Vec<(String, String)>,
    accept: Option<String>,
    content_type: Option<String>,
    user_agent: Option<String>,
    body: Bytes,
    /// The authenticated user, or why not.
    user: Result<String, Failure>,
}

impl Call {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn user_name(&self) -> String {
        self.user.clone().unwrap_or_else(|_| "system:anonymous".into())
    }
}

struct Reply {
    code: u16,
    body: Value,
    content_type: String,
    retry_after: Option<u64>,
}

impl Reply {
    fn json(code: u16, body: Value) -> Reply {
        Reply { code, body, content_type: JSON.into(), retry_after: None }
    }

    fn failure(failure: Failure) -> Reply {
        Reply { code: failure.code, body: failure.body, content_type: JSON.into(), retry_after: failure.retry_after }
    }
}

async fn handle(
    shared: Arc<Shared>,
    mode: watch::Receiver<Mode>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let header =
        |name: hyper::header::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let query = parts.uri.query().unwrap_or_default().to_string();
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let authorization = header(hyper::header::AUTHORIZATION);
    let seq = {
        let mut next = lock(&shared.next_seq);
        *next += 1;
        *next
    };
    let call = Call {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        params: params.clone(),
        accept: header(hyper::header::ACCEPT),
        content_type: header(hyper::header::CONTENT_TYPE),
        user_agent: header(hyper::header::USER_AGENT),
        body: body.clone(),
        user: authenticate(&shared, authorization.as_deref()),
    };
    lock(&shared.log).push(RecordedRequest {
        method: call.method.clone(),
        path: call.path.clone(),
        query,
        params,
        accept: call.accept.clone(),
        content_type: call.content_type.clone(),
        authorization,
        user_agent: call.user_agent.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
        status: 0,
        seq,
    });

    if *mode.borrow() == Mode::Hang {
        std::future::pending::<()>().await;
    }
    let reply = match take_fault(&shared, &call.method, &call.path) {
        Some(fault) => {
            if let Some(delay) = fault.delay {
                tokio::time::sleep(delay).await;
            }
            match (fault.status, &fault.body) {
                (None, None) => respond(&shared, &call),
                _ => injected_reply(&fault, &call),
            }
        }
        None => respond(&shared, &call),
    };

    if let Some(entry) = lock(&shared.log).iter_mut().find(|r| r.seq == seq) {
        entry.status = reply.code;
    }
    let mut response = Response::builder()
        .status(StatusCode::from_u16(reply.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(hyper::header::CONTENT_TYPE, reply.content_type);
    if let Some(secs) = reply.retry_after {
        response = response.header(hyper::header::RETRY_AFTER, secs.to_string());
    }
    let body = serde_json::to_vec(&reply.body).expect("JSON values serialize");
    Ok(response.body(Full::new(Bytes::from(body))).expect("a valid response"))
}

fn authenticate(shared: &Shared, authorization: Option<&str>) -> Result<String, Failure> {
    let token = authorization.and_then(|a| a.strip_prefix("Bearer ")).ok_or_else(Failure::unauthorized)?;
    match lock(&shared.tokens).get(token.trim()) {
        Some((user, true)) => Ok(user.clone()),
        _ => Err(Failure::unauthorized()),
    }
}

fn take_fault(shared: &Shared, method: &str, path: &str) -> Option<Fault> {
    let mut faults = lock(&shared.faults);
    let mut fired = None;
    for fault in faults.iter_mut().filter(|f| f.matches(method, path)) {
        if fault.fire() && fired.is_none() {
            fired = Some(fault.clone());
        }
    }
    fired
}

fn injected_reply(fault: &Fault, call: &Call) -> Reply {
    let code = fault.status.unwrap_or(200);
    let route = parse_route(&call.path);
    let (verb, target) = match &route {
        Route::Resource { group, plural, namespace, name, .. } => (
            verb_of(&call.method, name.is_some(), call.param("watch") == Some("true")),
            Some(Target {
                group: group.clone(),
                resource: plural.clone(),
                name: name.clone(),
                namespace: namespace.clone(),
            }),
        ),
        _ => (call.method.to_ascii_lowercase(), None),
    };
    let mut failure = Failure::injected(code, &call.user_name(), &verb, target.as_ref(), &call.path);
    if let Some(message) = &fault.message {
        failure.body["message"] = json!(message);
    }
    if let Some(secs) = fault.retry_after {
        failure.retry_after = Some(secs);
        failure.body["details"]["retryAfterSeconds"] = json!(secs);
    }
    if let Some(body) = &fault.body {
        failure.body = body.clone();
    }
    Reply { code, body: failure.body, content_type: JSON.into(), retry_after: failure.retry_after }
}

fn verb_of(method: &str, named: bool, watch: bool) -> String {
    match (method, named) {
        ("GET", _) if watch => "watch",
        ("GET", true) => "get",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "unknown",
    }
    .to_string()
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

enum Route {
    Version,
    Health,
    CoreVersions,
    Groups,
    Group(String),
    ResourceList {
        group: String,
        version: String,
    },
    Resource {
        group: String,
        version: String,
        plural: String,
        namespace: Option<String>,
        name: Option<String>,
        subresource: Option<String>,
    },
    Unknown,
}

fn parse_route(path: &str) -> Route {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segments.as_slice() {
        ["version"] => return Route::Version,
        ["healthz" | "readyz" | "livez"] => return Route::Health,
        ["api"] => return Route::CoreVersions,
        ["apis"] => return Route::Groups,
        ["apis", group] => return Route::Group(group.to_string()),
        ["api", version, rest @ ..] => ("", version, rest),
        ["apis", group, version, rest @ ..] => (group, version, rest),
        _ => return Route::Unknown,
    };
    let resource = |plural: &str, namespace: Option<&str>, name: Option<&str>, sub: Option<&str>| Route::Resource {
        group: group.into(),
        version: version.into(),
        plural: plural.into(),
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
        subresource: sub.map(str::to_string),
    };
    match rest {
        [] => Route::ResourceList { group: group.into(), version: version.into() },
        ["namespaces", ns, plural] => resource(plural, Some(ns), None, None),
        ["namespaces", ns, plural, name] => resource(plural, Some(ns), Some(name), None),
        ["namespaces", ns, plural, name, sub] => resource(plural, Some(ns), Some(name), Some(sub)),
        [plural] => resource(plural, None, None, None),
        [plural, name] => resource(plural, None, Some(name), None),
        [plural, name, sub] => resource(plural, None, Some(name), Some(sub)),
        _ => Route::Unknown,
    }
}

fn respond(shared: &Shared, call: &Call) -> Reply {
    if let Err(failure) = &call.user {
        return Reply::failure(failure.clone());
    }
    let route = parse_route(&call.path);
    if !matches!(route, Route::Resource { .. }) && call.method != "GET" {
        return Reply::failure(Failure::method_not_allowed(&format!(
            "the server does not allow this method on the requested resource ({} {})",
            call.method, call.path
        )));
    }
    let store = lock(&shared.store);
    match route {
        Route::Version => Reply::json(200, version_info()),
        Route::Health => Reply { code: 200, body: json!("ok"), content_type: JSON.into(), retry_after: None },
        Route::CoreVersions => Reply::json(
            200,
            json!({
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{ "clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443" }],
            }),
        ),
        Route::Groups => Reply::json(200, group_list(store.types())),
        Route::Group(group) => match group_list(store.types())["groups"]
            .as_array()
            .and_then(|gs| gs.iter().find(|g| g["name"] == json!(group)).cloned())
        {
            Some(mut g) => {
                g["kind"] = json!("APIGroup");
                g["apiVersion"] = json!("v1");
                Reply::json(200, g)
            }
            None => Reply::failure(Failure::no_such_resource()),
        },
        Route::ResourceList { group, version } => {
            let resources: Vec<Value> = store
                .types()
                .iter()
                .filter(|t| t.group == group && t.version == version)
                .map(|t| {
                    json!({
                        "name": t.plural,
                        "singularName": t.kind.to_ascii_lowercase(),
                        "namespaced": t.namespaced,
                        "kind": t.kind,
                        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update"],
                    })
                })
                .collect();
            if resources.is_empty() {
                return Reply::failure(Failure::no_such_resource());
            }
            let group_version = if group.is_empty() { version } else { format!("{group}/{version}") };
            Reply::json(
                200,
                json!({ "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources }),
            )
        }
        Route::Resource { group, version, plural, namespace, name, subresource } => {
            drop(store);
            resource_call(
                shared,
                call,
                &group,
                &version,
                &plural,
                namespace.as_deref(),
                name.as_deref(),
                subresource.as_deref(),
            )
        }
        Route::Unknown => Reply::failure(Failure::no_such_resource()),
    }
}

fn version_info() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-04-23T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn group_list(types: &[ResourceType]) -> Value {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in types.iter().filter(|t| !t.group.is_empty()) {
        let versions = groups.entry(&t.group).or_default();
        if !versions.contains(&t.version.as_str()) {
            versions.push(&t.version);
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(name, versions)| {
            let versions: Vec<Value> =
                versions.iter().map(|v| json!({ "groupVersion": format!("{name}/{v}"), "version": v })).collect();
            json!({ "name": name, "preferredVersion": versions[0].clone(), "versions": versions })
        })
        .collect();
    json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
}

/// What the client accepts for the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Full,
    Metadata,
    MetadataList,
}

/// Content negotiation over the `Accept` header, in the client's order of preference.
fn negotiate(accept: Option<&str>, is_list: bool) -> Result<Shape, Failure> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else { return Ok(Shape::Full) };
    let mut list_mismatch = false;
    for media in accept.split(',') {
        let mut pieces = media.split(';').map(str::trim);
        let base = pieces.next().unwrap_or_default().to_ascii_lowercase();
        let params: BTreeMap<String, String> = pieces
            .filter_map(|p| p.split_once('=').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
            .collect();
        if !matches!(base.as_str(), "application/json" | "application/*" | "*/*") {
            continue;
        }
        match params.get("as").map(String::as_str) {
            None => return Ok(Shape::Full),
            Some(kind @ ("PartialObjectMetadata" | "PartialObjectMetadataList")) => {
                let group_ok = params.get("g").map(String::as_str) == Some("meta.k8s.io");
                let version_ok = matches!(params.get("v").map(String::as_str), Some("v1"));
                if !group_ok || !version_ok {
                    continue;
                }
                match (kind, is_list) {
                    ("PartialObjectMetadataList", true) => return Ok(Shape::MetadataList),
                    ("PartialObjectMetadata", false) => return Ok(Shape::Metadata),
                    _ => list_mismatch = true,
                }
            }
            Some(_) => continue,
        }
    }
    if list_mismatch {
        let asked = if is_list {
            "PartialObjectMetadata, but the requested object is a list"
        } else {
            "PartialObjectMetadataList, but the requested object is not a list"
        };
        return Err(Failure::not_acceptable(&format!("you requested {asked}")));
    }
    Err(Failure::not_acceptable(&format!(
        "only the following media types are accepted: {JSON}, {META_MIME}, {META_LIST_MIME}"
    )))
}

fn partial(object: &Value) -> Value {
    json!({ "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"].clone() })
}

fn object_reply(code: u16, object: Value, shape: Shape) -> Reply {
    match shape {
        Shape::Metadata => Reply { code, body: partial(&object), content_type: META_MIME.into(), retry_after: None },
        _ => Reply::json(code, object),
    }
}

fn written_reply(written: Result<Written, Failure>, shape: Shape) -> Reply {
    match written {
        Ok(w) => object_reply(if w.created { 201 } else { 200 }, w.object, shape),
        Err(f) => Reply::failure(f),
    }
}

#[allow(clippy::too_many_arguments)]
fn resource_call(
    shared: &Shared,
    call: &Call,
    group: &str,
    version: &str,
    plural: &str,
    namespace: Option<&str>,
    name: Option<&str>,
    subresource: Option<&str>,
) -> Reply {
    let mut store = lock(&shared.store);
    let Some(t) = store.type_for_path(group, version, plural) else {
        return Reply::failure(Failure::no_such_resource());
    };
    if namespace.is_some() && !t.namespaced {
        return Reply::failure(Failure::no_such_resource());
    }
    // The all-namespaces path of a namespaced resource only lists.
    if t.namespaced && namespace.is_none() && call.method != "GET" {
        return Reply::failure(Failure::method_not_allowed(&format!(
            "the server does not allow this method on the requested resource ({} {})",
            call.method, call.path
        )));
    }
    if let Some(sub) = subresource {
        return Reply::failure(Failure::new(
            404,
            &format!("the test API server does not serve the {sub:?} subresource of {plural}"),
            None,
        ));
    }
    let is_list = name.is_none() && call.method == "GET";
    let shape = match negotiate(call.accept.as_deref(), is_list) {
        Ok(shape) => shape,
        Err(failure) => return Reply::failure(failure),
    };
    let options = match write_options(call) {
        Ok(options) => options,
        Err(failure) => return Reply::failure(failure),
    };
    let default_manager = call
        .user_agent
        .as_deref()
        .and_then(|ua| ua.split('/').next())
        .filter(|m| !m.is_empty())
        .unwrap_or("unknown")
        .to_string();

    match (call.method.as_str(), name) {
        ("GET", _) if call.param("watch").is_some_and(|w| w == "true" || w == "1") => {
            Reply::failure(Failure::method_not_allowed("watch is not served by the test API server; list instead"))
        }
        ("GET", None) => {
            let limit = match call.param("limit").map(str::parse::<usize>) {
                Some(Err(_)) => return Reply::failure(Failure::bad_request("limit must be a non-negative integer")),
                Some(Ok(limit)) => Some(limit),
                None => None,
            };
            let query = ListQuery {
                namespace: namespace.map(str::to_string),
                label_selector: call.param("labelSelector").map(str::to_string),
                field_selector: call.param("fieldSelector").map(str::to_string),
                limit,
                continue_token: call.param("continue").filter(|c| !c.is_empty()).map(str::to_string),
            };
            match store.list(&t, &query) {
                Ok(page) => list_reply(&t, page, shape),
                Err(f) => Reply::failure(f),
            }
        }
        ("GET", Some(name)) => match store.get(&t, namespace, name) {
            Ok(object) => object_reply(200, object, shape),
            Err(f) => Reply::failure(f),
        },
        ("POST", None) => match parse_body(call) {
            Ok(object) => written_reply(store.create(&t, namespace, object, &options, &default_manager), shape),
            Err(f) => Reply::failure(f),
        },
        ("PUT", Some(name)) => match parse_body(call) {
            Ok(object) => written_reply(store.replace(&t, namespace, name, object, &options, &default_manager), shape),
            Err(f) => Reply::failure(f),
        },
        ("PATCH", Some(name)) => {
            let content_type = call.content_type.as_deref().unwrap_or_default();
            let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            let body = match parse_body(call) {
                Ok(body) => body,
                Err(f) => return Reply::failure(f),
            };
            match media.as_str() {
                "application/apply-patch+yaml" => {
                    written_reply(store.apply(&t, namespace, name, body, &options), shape)
                }
                "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
                    written_reply(store.merge_patch(&t, namespace, name, &body, &options, &default_manager), shape)
                }
                _ => Reply::failure(Failure::unsupported_media_type(content_type)),
            }
        }
        ("DELETE", Some(name)) => match store.delete(&t, namespace, name, options.dry_run) {
            Ok(object) => object_reply(200, object, shape),
            Err(f) => Reply::failure(f),
        },
        ("DELETE", None) => {
            let query = ListQuery {
                namespace: namespace.map(str::to_string),
                label_selector: call.param("labelSelector").map(str::to_string),
                field_selector: call.param("fieldSelector").map(str::to_string),
                ..ListQuery::default()
            };
            let page = match store.list(&t, &query) {
                Ok(page) => page,
                Err(f) => return Reply::failure(f),
            };
            for object in &page.items {
                let ns = object["metadata"]["namespace"].as_str();
                let name = object["metadata"]["name"].as_str().unwrap_or_default();
                let _ = store.delete(&t, ns, name, options.dry_run);
            }
            list_reply(&t, page, Shape::Full)
        }
        (method, _) => Reply::failure(Failure::method_not_allowed(&format!(
            "the server does not allow this method on the requested resource ({method} {})",
            call.path
        ))),
    }
}

fn write_options(call: &Call) -> Result<WriteOptions, Failure> {
    let dry_run = match call.param("dryRun") {
        None | Some("") => false,
        Some("All") => true,
        Some(other) => {
            return Err(Failure::bad_request(&format!(
                "dryRun: Unsupported value: {other:?}: supported values: \"All\""
            )));
        }
    };
    let force = match call.param("force") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Failure::bad_request(&format!("force: Invalid value: {other:?}: must be true or false")));
        }
    };
    if force && call.content_type.as_deref().is_none_or(|c| !c.starts_with("application/apply-patch+yaml")) {
        return Err(Failure::bad_request("force: Forbidden: may not be specified for non-apply patch"));
    }
    Ok(WriteOptions { field_manager: call.param("fieldManager").map(str::to_string), force, dry_run })
}

fn parse_body(call: &Call) -> Result<Value, Failure> {
    let text = std::str::from_utf8(&call.body).map_err(|_| Failure::bad_request("the request body is not UTF-8"))?;
    let mut documents =
        parse_documents(text).map_err(|e| Failure::bad_request(&format!("error decoding the request body: {e}")))?;
    match documents.len() {
        1 => Ok(documents.remove(0)),
        0 => Err(Failure::bad_request("the request body is empty")),
        n => Err(Failure::bad_request(&format!("the request body holds {n} documents; one object was expected"))),
    }
}

fn list_reply(t: &ResourceType, page: super::store::ListPage, shape: Shape) -> Reply {
    let mut metadata = json!({ "resourceVersion": page.resource_version });
    if let Some(token) = &page.continue_token {
        metadata["continue"] = json!(token);
    }
    if let Some(remaining) = page.remaining_item_count {
        metadata["remainingItemCount"] = json!(remaining);
    }
    match shape {
        Shape::MetadataList => Reply {
            code: 200,
            body: json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": metadata,
                "items": page.items.iter().map(partial).collect::<Vec<_>>(),
            }),
            content_type: META_LIST_MIME.into(),
            retry_after: None,
        },
        _ => {
            // Items of a typed list carry no apiVersion or kind, as the real server sends them.
            let items: Vec<Value> = page
                .items
                .into_iter()
                .map(|mut item| {
                    if let Some(map) = item.as_object_mut() {
                        map.remove("apiVersion");
                        map.remove("kind");
                    }
                    item
                })
                .collect();
            Reply::json(
                200,
                json!({
                    "kind": format!("{}List", t.kind),
                    "apiVersion": t.api_version(),
                    "metadata": metadata,
                    "items": items,
                }),
            )
        }
    }
}
