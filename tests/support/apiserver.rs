//! A Kubernetes API server on loopback for the live-cluster tests: plain HTTP on `127.0.0.1`, a
//! random port, its own tokio runtime on a background thread, stopped on drop.
//!
//! This file owns the server's life (start, accept loop, connections, hang and refuse modes),
//! fixtures, authentication, the request log and the fault rules in force; `router.rs` answers
//! requests from `store.rs`. It never touches anything outside its temporary directory and its
//! port.

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
pub use super::fault::Fault;
pub use super::kubeconfig::KubeconfigSpec;
use super::router::{Call, injected_reply, respond};
use super::status::Failure;
use super::store::Store;

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
    /// Types served without objects: `(apiVersion, kind, plural, namespaced)`.
    served: Vec<(String, String, String, bool)>,
    plain_discovery: bool,
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

    /// Serves a kind even when the fixture holds no object of it, as a cluster with the CRD
    /// installed does: `serve("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy",
    /// "adminnetworkpolicies", false)`. Kinds of the fixture's objects are served anyway.
    pub fn serve(mut self, api_version: &str, kind: &str, plural: &str, namespaced: bool) -> Fixture {
        self.served.push((api_version.into(), kind.into(), plural.into(), namespaced));
        self
    }

    /// Answer discovery (`GET /apis`) with the plain `APIGroupList` only (group/versions, no
    /// resources), as an API server before Kubernetes 1.26 does; by default the server answers
    /// aggregated discovery (`apidiscovery.k8s.io/v2`) when the client accepts it.
    pub fn plain_discovery(mut self) -> Fixture {
        self.plain_discovery = true;
        self
    }

    /// Multi-document YAML (or JSON); `kind: List` documents are expanded. Panics on bad YAML,
    /// naming the parse error, since a fixture is test code.
    pub fn yaml(self, text: &str) -> Fixture {
        let documents = parse_documents(text).unwrap_or_else(|e| panic!("fixture YAML does not parse: {e}\n{text}"));
        self.objects(documents)
    }

    /// Every `.yaml` file under `dir` (the repository's example clusters), recursively, in path
    /// order.
    pub fn yaml_dir(self, dir: &Path) -> Fixture {
        fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    collect(&path, files);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    files.push(path);
                }
            }
        }
        let mut files = Vec::new();
        collect(dir, &mut files);
        files.sort();
        files.iter().fold(self, |fixture, path| {
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            fixture.yaml(&text)
        })
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
    /// Every header as sent, names in lower case, in order (repeated headers repeat).
    pub headers: Vec<(String, String)>,
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

    /// The values of a header (name in any case), in the order sent.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
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
    Stall,
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
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
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
        store.plain_discovery = fixture.plain_discovery;
        for (api_version, kind, plural, namespaced) in &fixture.served {
            store.serve(api_version, kind, plural, *namespaced);
        }
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

    /// Accept TCP connections but never read or write a byte on them, as a server that never
    /// completes a TLS handshake (point an `https://` URL at [`ApiServer::addr`]).
    pub fn stall(&self) {
        self.mode.send_replace(Mode::Stall);
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
                    if current == Mode::Stall {
                        tokio::spawn(hold(stream, mode.clone()));
                    } else {
                        tokio::spawn(serve_connection(stream, shared.clone(), mode.clone()));
                    }
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

/// Keeps a stalled connection open, unread, until the server refuses connections or stops.
async fn hold(stream: tokio::net::TcpStream, mode: watch::Receiver<Mode>) {
    until_refusing(mode).await;
    drop(stream);
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

/// Logs a request, then hangs, applies a fault rule, or lets the router answer it.
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
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
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
                (None, None) => respond(&shared.store, &call),
                _ => injected_reply(&fault, &call),
            }
        }
        None => respond(&shared.store, &call),
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
