//! The bodies of the fuzz targets (`fuzz/`), in the library so that the normal test suite
//! replays the checked-in corpus through exactly the code the fuzzer runs (`tests/fuzz_corpus.rs`,
//! no nightly toolchain needed). Each function takes arbitrary bytes and panics only when a
//! property of the tool fails: a crash, or two answers that must agree and do not.
//!
//! Not part of the tool's interface: hidden from the documentation, and free to change.

use std::net::{IpAddr, Ipv4Addr};

use crate::cmd::endpoint::{self, EndpointArg, PortArg, Role};
use crate::engine::matrix::{Matrix, PortChoice, PortMatrix};
use crate::engine::{Endpoint, Engine, Labels, Pod, PortQuery, Protocol, Snapshot};
use crate::source::refs::ObjectRef;

/// Every cell of the matrix of `pods` at `choice` equals `decide` on that flow, or panics with
/// `what` and the flow; returns how many cells were compared. The property the matrix plans of
/// every layer are held to (here, and by the fixture and generated-cluster tests).
pub fn matrix_cells_equal_decide(engine: &Engine, pods: &[&Pod], choice: &PortChoice, what: &str) -> usize {
    let m = Matrix::compute(engine, pods, choice);
    let mut compared = 0;
    for (gi, g) in m.groups.iter().enumerate() {
        for (mi, a) in g.members.iter().enumerate() {
            for (hj, h) in m.groups.iter().enumerate() {
                for (mj, b) in h.members.iter().enumerate() {
                    for (k, &(port, protocol)) in m.ports[hj].iter().enumerate() {
                        assert_eq!(
                            m.pod_allowed((gi, mi), (hj, mj), k),
                            engine.decide(Endpoint::Pod(a), Endpoint::Pod(b), port, protocol),
                            "{what} {}/{} -> {}/{} {port}/{protocol}",
                            a.namespace,
                            a.name,
                            b.namespace,
                            b.name
                        );
                        compared += 1;
                    }
                }
            }
        }
    }
    compared
}

/// How many pods the engine properties look at: every ordered pair is checked, at several ports.
const MAX_PODS: usize = 6;

/// The manifest reader: any text either reads or is refused with an error, never a panic; what
/// reads is a snapshot the engine takes.
pub fn reader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(snapshot) = crate::source::file::load_str(text, "fuzz", "default") {
        let _ = Engine::new(&snapshot);
    }
}

/// The engine over what the reader accepts, with its documented equivalences: `decide` is
/// `evaluate().allowed`; the any-port verdict's port set holds exactly the ports `decide`
/// allows; every `matrix` cell (per port, and `--all-ports`) is `decide`'s answer; and the
/// policies `why --suggest` prints read back and allow the flow.
pub fn engine(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(snapshot) = crate::source::file::load_str(text, "fuzz", "default") {
        check_engine(&snapshot);
    }
}

/// The ports the engine properties are checked at: the classic ones, every container port and
/// every port a policy names (with its neighbours, where `endPort` ranges start and end).
fn sample_ports(snapshot: &Snapshot) -> Vec<(u16, Protocol)> {
    let mut ports =
        vec![(53, Protocol::Udp), (53, Protocol::Tcp), (80, Protocol::Tcp), (8080, Protocol::Tcp), (9, Protocol::Sctp)];
    for pod in snapshot.pods.iter().take(MAX_PODS) {
        ports.extend(pod.ports.iter().map(|p| (p.port, p.protocol)));
    }
    for policy in &snapshot.policies {
        for rule in policy.ingress.iter().chain(&policy.egress) {
            for p in &rule.ports {
                if let Some(crate::engine::PortRef::Number(n)) = p.port {
                    ports.push((n, p.protocol));
                    ports.push((n.saturating_add(1), p.protocol));
                }
                if let Some(end) = p.end_port {
                    ports.push((end, p.protocol));
                    ports.push((end.saturating_add(1), p.protocol));
                }
            }
        }
    }
    ports.sort_unstable();
    ports.dedup();
    ports.truncate(24);
    ports
}

/// The engine's equivalences on one snapshot (see [`engine`]).
pub fn check_engine(snapshot: &Snapshot) {
    let engine = Engine::new(snapshot);
    let pods: Vec<&Pod> = snapshot.pods.iter().take(MAX_PODS).collect();
    let ports = sample_ports(snapshot);
    let mut endpoints: Vec<Endpoint> = pods.iter().map(|p| Endpoint::Pod(p)).collect();
    endpoints.push(Endpoint::Ip(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9))));
    if let Some(ip) = snapshot.nodes.first().and_then(|n| n.addresses.first()) {
        endpoints.push(Endpoint::Ip(*ip));
    }
    for &from in &endpoints {
        for &to in &endpoints {
            if matches!((from, to), (Endpoint::Ip(_), Endpoint::Ip(_))) {
                continue;
            }
            let any = engine.evaluate(from, to, PortQuery::ANY);
            let any_ports = any.allowed_ports.clone().unwrap_or_default();
            for &(port, protocol) in &ports {
                let decided = engine.decide(from, to, port, protocol);
                let evaluated = engine.evaluate(from, to, PortQuery::Port { port, protocol });
                let flow = format!("{} -> {} {port}/{protocol}", from.display(), to.display());
                assert_eq!(decided, evaluated.allowed, "decide and evaluate disagree on {flow}");
                assert_eq!(
                    any_ports.contains(protocol, port),
                    decided,
                    "the any-port verdict and decide disagree on {flow}"
                );
            }
        }
    }
    for choice in [PortChoice::Declared, PortChoice::Given(ports.clone())] {
        matrix_cells_equal_decide(&engine, &pods, &choice, "matrix cell and decide disagree on");
    }
    let m = PortMatrix::compute(&engine, &pods);
    for (gi, g) in m.groups.iter().enumerate() {
        for (mi, a) in g.members.iter().enumerate() {
            for (hj, h) in m.groups.iter().enumerate() {
                for (mj, b) in h.members.iter().enumerate() {
                    let expected = engine.evaluate(Endpoint::Pod(a), Endpoint::Pod(b), PortQuery::ANY).allowed_ports;
                    let actual = m.pod_ports((gi, mi), (hj, mj)).map(|c| c.into_owned());
                    assert_eq!(
                        actual.unwrap_or_default(),
                        expected.unwrap_or_default(),
                        "matrix --all-ports and the any-port verdict disagree on {}/{} -> {}/{}",
                        a.namespace,
                        a.name,
                        b.namespace,
                        b.name
                    );
                }
            }
        }
    }
    check_suggestions(snapshot, &engine, &pods, &ports);
}

/// `why --suggest` for blocked pod pairs: never an internal error, and the printed YAML reads
/// back as `-f` reads it and allows the flow.
fn check_suggestions(snapshot: &Snapshot, engine: &Engine, pods: &[&Pod], ports: &[(u16, Protocol)]) {
    // Labels the API server would never store make suggestions that cannot be valid policies;
    // the reader is to refuse such objects (issue 11.5), after which this filter changes nothing.
    let storable = snapshot.pods.iter().all(|p| labels_storable(&p.labels))
        && snapshot.namespaces.iter().all(|n| labels_storable(&n.labels));
    if !storable {
        return;
    }
    let mut checked = 0;
    for a in pods {
        for b in pods {
            for &(port, protocol) in ports.iter().take(4) {
                if checked >= 6 || engine.decide(Endpoint::Pod(a), Endpoint::Pod(b), port, protocol) {
                    continue;
                }
                checked += 1;
                let arg = |p: &Pod, port: Option<u16>| EndpointArg {
                    target: ObjectRef::Pod { namespace: p.namespace.clone(), name: p.name.clone() },
                    port: port.map(PortArg::Number),
                    protocol: port.map(|_| protocol),
                };
                let (from, to) = (arg(a, None), arg(b, Some(port)));
                let (report, policies) = match crate::cmd::why::suggest(snapshot, &from, &to, "default") {
                    Ok(done) => done,
                    Err(crate::error::Error::Internal(message)) => {
                        panic!(
                            "why --suggest {}/{} {}/{}:{port}/{protocol}: {message}",
                            a.namespace, a.name, b.namespace, b.name
                        )
                    }
                    Err(_) => continue,
                };
                if policies.is_empty() {
                    continue;
                }
                let mut yaml = Vec::new();
                crate::render::why::suggestions(&mut yaml, &report, &policies, false).expect("writing to memory");
                let yaml = String::from_utf8(yaml).expect("the output is UTF-8");
                let added = crate::source::file::load_str(&yaml, "why --suggest", "default")
                    .unwrap_or_else(|e| panic!("the printed suggestion does not read back: {e}\n{yaml}"));
                let mut with = snapshot.clone();
                with.policies.extend(added.policies);
                let after = Engine::new(&with);
                let (a2, b2) = (find(&with, a), find(&with, b));
                assert!(
                    after.decide(Endpoint::Pod(a2), Endpoint::Pod(b2), port, protocol),
                    "the printed suggestion does not allow {}/{} -> {}/{} {port}/{protocol}\n{yaml}",
                    a.namespace,
                    a.name,
                    b.namespace,
                    b.name
                );
            }
        }
    }
}

fn find<'s>(snapshot: &'s Snapshot, pod: &Pod) -> &'s Pod {
    snapshot.pods.iter().find(|p| p.namespace == pod.namespace && p.name == pod.name).expect("the pod is still there")
}

/// Label keys and values as the API server validates them (a qualified name; a value of at most
/// 63 characters of the same alphabet).
pub fn labels_storable(labels: &Labels) -> bool {
    fn name_part(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
    }
    fn prefix(s: &str) -> bool {
        s.len() <= 253
            && s.split('.').all(|l| {
                let b = l.as_bytes();
                !b.is_empty()
                    && b.len() <= 63
                    && b[0].is_ascii_alphanumeric()
                    && b[b.len() - 1].is_ascii_alphanumeric()
                    && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            })
    }
    labels.iter().all(|(k, v)| {
        let key_ok = match k.split_once('/') {
            Some((p, n)) => prefix(p) && name_part(n),
            None => name_part(k),
        };
        key_ok && (v.is_empty() || name_part(v))
    })
}

/// The endpoint arguments of `why`: two lines, FROM and TO[:PORT][/PROTOCOL]. Never a panic; an
/// accepted argument names what it was given.
pub fn flow_args(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (from, to) = text.split_once('\n').unwrap_or((text, ""));
    for (arg, role) in [(from, Role::From), (to, Role::To), (from, Role::To), (to, Role::From)] {
        if let Ok(parsed) = endpoint::parse(arg, role, "default")
            && let Some(PortArg::Name(name)) = &parsed.port
        {
            assert!(!name.is_empty(), "an empty port name was accepted from {arg:?}");
        }
    }
}

/// kubeconfig bytes as the commands read them (`cluster::read_kubeconfig_file`): an error or a
/// kubeconfig, never a panic, and never a panic inside kube that only `catch_unwind` stopped.
pub fn kubeconfig(data: &[u8]) {
    let path = std::env::temp_dir().join(format!(
        "kubectl-deny-fuzz-kubeconfig-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, data).expect("write the kubeconfig under test");
    let read = crate::source::cluster::read_kubeconfig_file(&path);
    let _ = std::fs::remove_file(&path);
    match read {
        Ok(mut config) => {
            // Files the kubeconfig names are not read: a fuzzed path could be /dev/zero.
            for cluster in config.clusters.iter_mut().filter_map(|c| c.cluster.as_mut()) {
                cluster.certificate_authority = None;
            }
            for user in config.auth_infos.iter_mut().filter_map(|u| u.auth_info.as_mut()) {
                (user.client_certificate, user.client_key, user.token_file) = (None, None, None);
            }
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
            let options = kube::config::KubeConfigOptions::default();
            let loaded =
                std::panic::catch_unwind(|| runtime.block_on(kube::Config::from_custom_kubeconfig(config, &options)));
            assert!(loaded.is_ok(), "kube panicked turning a kubeconfig it read into a configuration");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                !message.contains("the Kubernetes client library failed"),
                "kube panicked reading a kubeconfig the byte check let through: {message}"
            );
        }
    }
}

/// The completion helper on a command line: one word per line, the last one being completed.
/// Never a panic, and offline (no kubeconfig, no cluster).
pub fn completion(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let words: Vec<String> = text.split('\n').take(64).map(str::to_string).collect();
    let env = crate::complete::HelperEnv::default();
    let _ = crate::complete::complete(&words, &env, &crate::complete::source::Sources::none());
}

/// One page of a list (or one object) as the API server answers it, decoded as the live source
/// decodes it: the first byte picks the resource and the form (list or object, metadata-only or
/// whole), the rest is the response text.
pub fn api_page(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let _ = crate::source::fetch::continue_token(text);
    if let Ok(snapshot) = crate::source::live::decode_response(selector, text) {
        let _ = Engine::new(&snapshot);
    }
}

/// The same objects written as JSON and as YAML read to the same snapshot, or both fail: YAML
/// text that parses is written out both ways (JSON, then YAML from the same value).
pub fn json_vs_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(documents) = serde_saphyr::from_multiple::<serde_json::Value>(text) else { return };
    let documents: Vec<serde_json::Value> = documents.into_iter().filter(|d| d.is_object()).collect();
    if documents.is_empty() {
        return;
    }
    let json: String = documents.iter().map(|d| serde_json::to_string(d).expect("a value serializes") + "\n").collect();
    let mut yaml = String::new();
    for d in &documents {
        let Ok(doc) = serde_saphyr::to_string(d) else { return };
        yaml.push_str("---\n");
        yaml.push_str(&doc);
    }
    let from_json = crate::source::file::load_str(&json, "fuzz.json", "default");
    let from_yaml = crate::source::file::load_str(&yaml, "fuzz.yaml", "default");
    match (&from_json, &from_yaml) {
        (Ok(j), Ok(y)) => assert_eq!(
            format!("{j:?}"),
            format!("{y:?}"),
            "JSON and YAML of the same objects read differently\n--- JSON\n{json}--- YAML\n{yaml}"
        ),
        (Err(_), Err(_)) => {}
        (j, y) => panic!(
            "JSON and YAML of the same objects: one reads, one does not\nJSON: {:?}\nYAML: {:?}\n--- JSON\n{json}--- YAML\n{yaml}",
            j.as_ref().err().map(ToString::to_string),
            y.as_ref().err().map(ToString::to_string)
        ),
    }
}
