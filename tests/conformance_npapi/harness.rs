//! Runs one upstream step through the `why` contract and judges it.
//!
//! An upstream conformance test (`suite.ConformanceTest`) applies its manifests once and then runs
//! its steps (`t.Run`) in order against that state; a step may first patch a policy or delete a
//! NetworkPolicy, and the change stays for the steps after it. A [`Suite`] holds the base state and
//! the steps; [`run_step`] rebuilds the state of step N (the base, then the changes of steps 1..=N),
//! writes the world and that state into a temporary directory, and for each probe of the step runs
//! `kubectl-deny why -f DIR FROM TO:PORT/PROTO -o json`. The contract judged is the exit status
//! (0 allowed, 1 blocked) and the JSON `verdict`, which must agree with each other; anything else
//! (exit 2 or more, no JSON, an unknown verdict) is a harness error, reported as such, never as a
//! disagreement. On a disagreement the report quotes the table output of the same `why`.
//!
//! Owns: the state and its changes, the process invocation, the judging, and the self-check of
//! the fixtures ([`validate`]). Must not: define upstream's tests.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Read;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::policy::{Action, Api, Peer, Policy, Port, Select, Tier};
use crate::world::{PodRef, Proto, World};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_kubectl-deny");

/// A bound on one `why` run; a hang must fail, not stall CI.
const TIMEOUT: Duration = Duration::from_secs(120);

/// How much of the binary's output a report quotes.
const QUOTE_LIMIT: usize = 3000;

/// The state the policies of a suite are in at one step.
#[derive(Clone, Debug)]
pub struct State {
    pub policies: Vec<Policy>,
    /// `networking.k8s.io/v1` NetworkPolicies, as manifests.
    pub network_policies: Vec<Value>,
    /// Services the suite adds (the hairpin test), as manifests.
    pub services: Vec<Value>,
}

impl State {
    pub fn of(policies: Vec<Policy>) -> State {
        State { policies, network_policies: Vec::new(), services: Vec::new() }
    }

    pub fn with_network_policies(mut self, policies: Vec<Value>) -> State {
        self.network_policies = policies;
        self
    }

    pub fn with_services(mut self, services: Vec<Value>) -> State {
        self.services = services;
        self
    }

    /// The cluster-wide policy named `name`, as upstream's `GetClusterNetworkPolicy` fetches it.
    pub fn policy(&mut self, name: &str) -> &mut Policy {
        self.policies
            .iter_mut()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("the state has no cluster-wide policy named {name:?}"))
    }

    /// Upstream's `Client.Delete` of a NetworkPolicy.
    pub fn delete_network_policy(&mut self, namespace: &str, name: &str) {
        let before = self.network_policies.len();
        self.network_policies
            .retain(|np| !(np["metadata"]["namespace"] == namespace && np["metadata"]["name"] == name));
        assert_eq!(self.network_policies.len() + 1, before, "no NetworkPolicy {namespace}/{name} to delete");
    }

    /// Every object of the state (the world not included), with a file name each.
    pub fn manifests(&self, api: Api) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for (i, policy) in self.policies.iter().enumerate() {
            out.push((format!("policy-{i}-{}.json", policy.name), policy.manifest(api)));
        }
        for (i, np) in self.network_policies.iter().enumerate() {
            out.push((format!("networkpolicy-{i}.json"), np.clone()));
        }
        for (i, svc) in self.services.iter().enumerate() {
            out.push((format!("service-{i}.json"), svc.clone()));
        }
        out
    }
}

/// Upstream's `Patch` helpers in one place: what a step changes in its policy.
impl Policy {
    /// Swaps ingress rules `i` and `j` (upstream: `mutate.Spec.Ingress[i], [j] = [j], [i]`).
    pub fn swap_ingress(&mut self, i: usize, j: usize) {
        self.ingress.swap(i, j);
    }

    /// Swaps egress rules `i` and `j`.
    pub fn swap_egress(&mut self, i: usize, j: usize) {
        self.egress.swap(i, j);
    }
}

/// The destination of a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A pod, probed at its IP (upstream's `serverPod.Status.PodIP`).
    Pod(PodRef),
    /// A Service, probed at its ClusterIP: `(namespace, name)`.
    Service(&'static str, &'static str),
}

/// The answer `why` gives, or upstream's expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Blocked,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Blocked => "blocked",
        }
    }
}

/// One upstream `PokeServer(client, protocol, server, port, shouldConnect)`.
#[derive(Clone, Debug)]
pub struct Probe {
    pub from: PodRef,
    pub to: Target,
    pub port: u16,
    pub proto: Proto,
    pub expect: Verdict,
}

impl Probe {
    fn to_arg(&self) -> String {
        let to = match self.to {
            Target::Pod(p) => p.to_string(),
            Target::Service(namespace, name) => format!("{namespace}/svc/{name}"),
        };
        format!("{to}:{}/{}", self.port, self.proto.lower())
    }

    fn describe(&self) -> String {
        format!("{} -> {}", self.from, self.to_arg())
    }
}

/// `PokeServer(..., true)`: the connection must succeed.
pub fn allowed(from: PodRef, to: PodRef, port: u16, proto: Proto) -> Probe {
    Probe { from, to: Target::Pod(to), port, proto, expect: Verdict::Allowed }
}

/// `PokeServer(..., false)`: the connection must fail.
pub fn blocked(from: PodRef, to: PodRef, port: u16, proto: Proto) -> Probe {
    Probe { from, to: Target::Pod(to), port, proto, expect: Verdict::Blocked }
}

/// A probe of a Service's ClusterIP.
pub fn via_service(
    from: PodRef,
    service: (&'static str, &'static str),
    port: u16,
    proto: Proto,
    expect: Verdict,
) -> Probe {
    Probe { from, to: Target::Service(service.0, service.1), port, proto, expect }
}

/// What one step does before its probes, and the probes.
pub struct StepBody {
    pub change: Option<fn(&mut State)>,
    pub probes: Vec<Probe>,
}

/// A step that probes the state as the previous steps left it.
pub fn probes(probes: Vec<Probe>) -> StepBody {
    StepBody { change: None, probes }
}

/// A step that changes the state (patches a policy, deletes a NetworkPolicy), then probes.
pub fn after(change: fn(&mut State), probes: Vec<Probe>) -> StepBody {
    StepBody { change: Some(change), probes }
}

/// One upstream `t.Run`.
pub struct Step {
    /// The test function's name: the upstream title in snake_case.
    pub id: &'static str,
    /// The upstream title, verbatim.
    pub title: &'static str,
    pub body: StepBody,
}

/// One upstream `suite.ConformanceTest`.
pub struct Suite {
    /// The Rust module holding its tests: the upstream `ShortName` in snake_case.
    pub module: &'static str,
    /// Upstream's `ShortName`.
    pub short_name: &'static str,
    /// The upstream file, `conformance/tests/...go`.
    pub file: &'static str,
    pub api: Api,
    pub base: State,
    pub steps: Vec<Step>,
}

impl Suite {
    /// The state step `index` (0-based) probes: the base and the changes of steps `0..=index`.
    pub fn state_at(&self, index: usize) -> State {
        let mut state = self.base.clone();
        for step in &self.steps[..=index] {
            if let Some(change) = step.body.change {
                change(&mut state);
            }
        }
        state
    }
}

/// Runs the step `id` of `suite` and panics with a report when `why` disagrees with upstream.
pub fn run_step(suite: &Suite, id: &str) {
    let index =
        suite.steps.iter().position(|s| s.id == id).unwrap_or_else(|| panic!("{} has no step {id}", suite.short_name));
    let step = &suite.steps[index];
    let state = suite.state_at(index);
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let dir = scratch.path().join("manifests");
    write_manifests(&dir, &World::hogwarts(), &state, suite.api).unwrap_or_else(|e| panic!("{e}"));

    let mut disagreements = Vec::new();
    let mut errors = Vec::new();
    for probe in &step.body.probes {
        match why(&dir, scratch.path(), probe) {
            Ok(observed) if observed == probe.expect => {}
            Ok(observed) => {
                let explanation = why_table(&dir, scratch.path(), probe);
                disagreements.push(format!(
                    "{}: upstream expects {}, kubectl-deny says {}\n{}",
                    probe.describe(),
                    probe.expect.word(),
                    observed.word(),
                    indent(&explanation, "    ")
                ));
            }
            Err(error) => errors.push(format!("{}: {error}", probe.describe())),
        }
    }
    if disagreements.is_empty() && errors.is_empty() {
        return;
    }
    let mut report = format!("upstream {} ({}), step {:?}: ", suite.short_name, suite.file, step.title);
    if !errors.is_empty() {
        let _ = write!(report, "HARNESS ERROR in {} of {} probe(s)", errors.len(), step.body.probes.len());
        if !disagreements.is_empty() {
            report.push_str(", and ");
        }
    }
    if !disagreements.is_empty() {
        let _ =
            write!(report, "kubectl-deny disagrees in {} of {} probe(s)", disagreements.len(), step.body.probes.len());
    }
    report.push_str("\n\n");
    for line in errors.iter().chain(&disagreements) {
        let _ = writeln!(report, "- {line}");
    }
    let _ = writeln!(report, "\ncluster-wide policies at this step ({}):", suite.api.api_version());
    for policy in &state.policies {
        let _ = writeln!(
            report,
            "{}",
            indent(&serde_json::to_string(&policy.manifest(suite.api)).unwrap_or_default(), "  ")
        );
    }
    for np in &state.network_policies {
        let _ = writeln!(report, "{}", indent(&serde_json::to_string(np).unwrap_or_default(), "  "));
    }
    panic!("{report}");
}

fn write_manifests(dir: &Path, world: &World, state: &State, api: Api) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, object) in world.manifests().into_iter().chain(state.manifests(api)) {
        let path = dir.join(&name);
        let text = serde_json::to_string_pretty(&object).map_err(|e| format!("cannot serialise {name}: {e}"))?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// What one run of the binary gave.
struct Run {
    command_line: String,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn invoke(args: &[String], scratch: &Path) -> Result<Run, String> {
    let command_line = format!("kubectl-deny {}", args.join(" "));
    // Hermetic: no kubeconfig, no home directory of the developer, no colour.
    let home = scratch.join("home");
    std::fs::create_dir_all(&home).map_err(|e| format!("cannot create {}: {e}", home.display()))?;
    let mut child = Command::new(BIN)
        .args(args)
        .env("KUBECONFIG", scratch.join("no-kubeconfig"))
        .env("HOME", &home)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {BIN}: {e}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`{command_line}` did not finish within {}s and was killed", TIMEOUT.as_secs()));
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("cannot wait for `{command_line}`: {e}")),
        }
    };
    Ok(Run {
        command_line,
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn why_args(dir: &Path, probe: &Probe, json: bool) -> Vec<String> {
    let mut args =
        vec!["why".to_owned(), "-f".to_owned(), dir.display().to_string(), probe.from.to_string(), probe.to_arg()];
    if json {
        args.extend(["-o".to_owned(), "json".to_owned()]);
    }
    args.extend(["--color".to_owned(), "never".to_owned()]);
    args
}

/// The verdict of `why -o json` for one probe.
fn why(dir: &Path, scratch: &Path, probe: &Probe) -> Result<Verdict, String> {
    let run = invoke(&why_args(dir, probe, true), scratch)?;
    judge(run.status.code(), &run.stdout).map_err(|e| {
        format!("{e}\n    command: {}\n    stderr:\n{}", run.command_line, indent(&quote(&run.stderr), "      "))
    })
}

/// The table output of the same `why`, for a disagreement report.
fn why_table(dir: &Path, scratch: &Path, probe: &Probe) -> String {
    match invoke(&why_args(dir, probe, false), scratch) {
        Ok(run) => format!("$ {}\n{}", run.command_line, quote(&run.stdout)),
        Err(e) => e,
    }
}

/// Reads the contract: exit 0 with `"verdict":"allowed"`, or exit 1 with `"verdict":"blocked"`.
pub fn judge(code: Option<i32>, stdout: &str) -> Result<Verdict, String> {
    let by_status = match code {
        Some(0) => Verdict::Allowed,
        Some(1) => Verdict::Blocked,
        Some(101) => return Err("kubectl-deny panicked (exit status 101)".to_owned()),
        Some(other) => return Err(format!("kubectl-deny failed with exit status {other}, so no verdict")),
        None => return Err("kubectl-deny was killed by a signal".to_owned()),
    };
    let json: Value = serde_json::from_str(stdout).map_err(|e| format!("`why -o json` printed no JSON object: {e}"))?;
    let by_json = match json.get("verdict").and_then(Value::as_str) {
        Some("allowed") => Verdict::Allowed,
        Some("blocked") => Verdict::Blocked,
        Some(other) => return Err(format!("`verdict` is {other:?}, neither \"allowed\" nor \"blocked\"")),
        None => return Err("the JSON has no string `verdict`".to_owned()),
    };
    if by_status != by_json {
        return Err(format!(
            "the exit status says {} but `verdict` says {}: the contract is broken",
            by_status.word(),
            by_json.word()
        ));
    }
    Ok(by_json)
}

/// The self-check of every suite: what makes its steps a fair test, independent of the binary.
pub fn validate(suite: &Suite, world: &World) -> Vec<String> {
    let mut problems = Vec::new();
    let at = suite.short_name;
    if suite.module != snake_case(suite.short_name) {
        problems.push(format!("{at}: module {:?} is not the ShortName in snake_case", suite.module));
    }
    if !(suite.file.starts_with("conformance/tests/") && suite.file.ends_with(".go")) {
        problems.push(format!("{at}: {:?} is not an upstream conformance/tests/*.go file", suite.file));
    }
    if suite.steps.is_empty() {
        problems.push(format!("{at}: no step"));
    }
    let mut titles = BTreeSet::new();
    for (index, step) in suite.steps.iter().enumerate() {
        let at = format!("{at}, step {} {:?}", index + 1, step.title);
        if step.id != snake_case(step.title) {
            problems.push(format!("{at}: test name {:?} is not the title in snake_case", step.id));
        }
        if !titles.insert(step.title) {
            problems.push(format!("{at}: title used twice"));
        }
        if step.body.probes.is_empty() {
            problems.push(format!("{at}: no probe"));
        }
        let state = match std::panic::catch_unwind(|| suite.state_at(index)) {
            Ok(state) => state,
            Err(_) => {
                problems.push(format!("{at}: the changes up to this step do not apply to the state"));
                continue;
            }
        };
        for problem in validate_state(&state, suite.api, world) {
            problems.push(format!("{at}: {problem}"));
        }
        for probe in &step.body.probes {
            for problem in validate_probe(probe, &state, world) {
                problems.push(format!("{at}: {}: {problem}", probe.describe()));
            }
        }
    }
    problems
}

fn validate_probe(probe: &Probe, state: &State, world: &World) -> Vec<String> {
    let mut problems = Vec::new();
    if world.pod(probe.from).is_none() {
        problems.push(format!("client {} is not a pod of the world", probe.from));
    }
    let backends: Vec<&crate::world::Pod> = match probe.to {
        Target::Pod(to) => {
            if to == probe.from {
                problems
                    .push("a pod probing its own IP: upstream never does, and it is never subject to policy".into());
            }
            world.pod(to).into_iter().collect()
        }
        Target::Service(namespace, name) => {
            let Some(svc) = state
                .services
                .iter()
                .find(|s| s["metadata"]["namespace"] == namespace && s["metadata"]["name"] == name)
            else {
                problems.push(format!("no Service {namespace}/{name} in the state"));
                return problems;
            };
            let selector = svc["spec"]["selector"].as_object().cloned().unwrap_or_default();
            let backends: Vec<_> = world
                .pods
                .iter()
                .filter(|p| {
                    p.at.namespace == namespace
                        && !selector.is_empty()
                        && selector.iter().all(|(k, v)| p.labels.get(k).map(String::as_str) == v.as_str())
                })
                .collect();
            let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
            if !ports.iter().any(|p| p["port"] == probe.port && p["protocol"] == probe.proto.api()) {
                problems.push(format!("Service {namespace}/{name} has no port {}/{}", probe.port, probe.proto));
            }
            backends
        }
    };
    if backends.is_empty() {
        problems.push("the destination selects no pod of the world".into());
    }
    for pod in backends {
        if !pod.serves(probe.port, probe.proto) {
            problems.push(format!("{} serves no {}/{}", pod.at, probe.port, probe.proto));
        }
    }
    problems
}

/// The API's validation of the policies (kubebuilder markers and CEL rules), as far as a fixture
/// can break them, plus the world references a fixture can get wrong.
fn validate_state(state: &State, api: Api, world: &World) -> Vec<String> {
    let mut problems = Vec::new();
    let max_rules = match api {
        Api::V1alpha1 => 100,
        Api::V1alpha2 => 25,
    };
    let mut names = BTreeSet::new();
    for policy in &state.policies {
        let at = format!("{} {:?}", policy.kind(api), policy.name);
        if !names.insert((policy.kind(api), policy.name.as_str())) {
            problems.push(format!("{at}: two policies of that kind and name"));
        }
        if policy.priority > 1000 {
            problems.push(format!("{at}: priority {} is above 1000", policy.priority));
        }
        if api == Api::V1alpha1 && policy.tier == Tier::Baseline && policy.name != "default" {
            problems.push(format!("{at}: the BaselineAdminNetworkPolicy must be named `default`"));
        }
        validate_select(&policy.subject, world, &format!("{at} subject"), &mut problems);
        for (direction, rules) in [("ingress", &policy.ingress), ("egress", &policy.egress)] {
            if rules.len() > max_rules {
                problems.push(format!("{at}: {} {direction} rules, at most {max_rules}", rules.len()));
            }
            for (i, rule) in rules.iter().enumerate() {
                let at = format!("{at} {direction}[{i}] {:?}", rule.name);
                validate_rule(rule, policy.tier, direction, api, world, &at, &mut problems);
            }
        }
    }
    for np in &state.network_policies {
        let namespace = np["metadata"]["namespace"].as_str().unwrap_or_default();
        if world.namespace(namespace).is_none() || !np["spec"]["policyTypes"].is_array() {
            problems.push(format!(
                "NetworkPolicy {namespace}/{}: needs a namespace of the world and policyTypes",
                np["metadata"]["name"]
            ));
        }
    }
    problems
}

fn validate_rule(
    rule: &crate::policy::Rule,
    tier: Tier,
    direction: &str,
    api: Api,
    world: &World,
    at: &str,
    problems: &mut Vec<String>,
) {
    if rule.name.len() > 100 {
        problems.push(format!("{at}: a rule name is at most 100 characters"));
    }
    if api == Api::V1alpha1 && tier == Tier::Baseline && rule.action == Action::Pass {
        problems.push(format!("{at}: a BaselineAdminNetworkPolicy rule is Allow or Deny, never Pass"));
    }
    if rule.peers.is_empty() || rule.peers.len() > 100 {
        problems.push(format!("{at}: a rule has 1 to 100 peers (25 in v1alpha2)"));
    }
    let mut only_pods = true;
    for peer in &rule.peers {
        match peer {
            Peer::Select(select) => validate_select(select, world, at, problems),
            Peer::Nodes(_) | Peer::Networks(_) if direction == "ingress" => {
                problems.push(format!("{at}: nodes and networks are egress peers only"));
            }
            Peer::Networks(cidrs) => {
                only_pods = false;
                for cidr in cidrs {
                    if !is_cidr(cidr) {
                        problems.push(format!("{at}: {cidr:?} is not a CIDR"));
                    }
                }
            }
            Peer::Nodes(_) => only_pods = false,
        }
    }
    for port in rule.ports.iter().flatten() {
        match port {
            Port::Named(_) if !only_pods => {
                problems.push(format!("{at}: a named port with a nodes or networks peer (CEL rule)"));
            }
            Port::Range(_, start, end) if start >= end || *start == 0 => {
                problems.push(format!("{at}: port range {start}-{end}: start must be at least 1 and below end"));
            }
            Port::Number(_, 0) => problems.push(format!("{at}: port 0")),
            _ => {}
        }
    }
}

fn validate_select(select: &Select, world: &World, at: &str, problems: &mut Vec<String>) {
    let selectors: Vec<&Value> = match select {
        Select::Namespaces(ns) => vec![ns],
        Select::Pods { namespaces, pods } => namespaces.iter().chain([pods]).collect(),
    };
    for selector in selectors {
        let known =
            selector.as_object().is_some_and(|o| o.keys().all(|k| k == "matchLabels" || k == "matchExpressions"));
        if !known {
            problems.push(format!("{at}: {selector} is not a label selector"));
        }
    }
    // A selector that matches nothing in the world is a typo in the fixture, never upstream's intent.
    let match_labels = |selector: &Value, labels: &std::collections::BTreeMap<String, String>| {
        selector["matchLabels"]
            .as_object()
            .is_none_or(|wanted| wanted.iter().all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str()))
    };
    let (namespaces, pods) = match select {
        Select::Namespaces(ns) => (Some(ns), None),
        Select::Pods { namespaces, pods } => (namespaces.as_ref(), Some(pods)),
    };
    let matched: Vec<&str> = world
        .namespaces
        .iter()
        .filter(|n| namespaces.is_none_or(|sel| match_labels(sel, &n.labels)))
        .map(|n| n.name)
        .collect();
    if matched.is_empty() {
        problems.push(format!(
            "{at}: {} selects no namespace of the world (a typo?)",
            namespaces.cloned().unwrap_or_default()
        ));
    } else if let Some(pods) = pods {
        let any = world.pods.iter().any(|p| matched.contains(&p.at.namespace) && match_labels(pods, &p.labels));
        if !any {
            problems.push(format!("{at}: {pods} selects no pod of the world in its namespaces (a typo?)"));
        }
    }
}

fn is_cidr(text: &str) -> bool {
    let Some((address, bits)) = text.split_once('/') else { return false };
    let Ok(bits) = bits.parse::<u8>() else { return false };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => bits <= 32,
        Ok(std::net::IpAddr::V6(_)) => bits <= 128,
        Err(_) => false,
    }
}

/// `<ip>/32`, as upstream builds a pod's CIDR with its IPv4 mask.
pub fn host_cidr(ip: Ipv4Addr) -> String {
    format!("{ip}/32")
}

/// `CNPAdminTierEgressTCP` -> `cnp_admin_tier_egress_tcp`; a title -> its words joined by `_`.
pub fn snake_case(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            let boundary = c.is_ascii_uppercase()
                && i > 0
                && (chars[i - 1].is_ascii_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || (chars[i - 1].is_ascii_uppercase() && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())));
            if boundary && !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

fn quote(text: &str) -> String {
    if text.trim().is_empty() {
        return "(empty)".to_owned();
    }
    let mut cut = text.len().min(QUOTE_LIMIT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = text[..cut].trim_end().to_owned();
    if cut < text.len() {
        let _ = write!(out, "\n... ({} more bytes)", text.len() - cut);
    }
    out
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|line| format!("{prefix}{line}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::policy::{Rule, namespace_named, namespaces};
    use crate::world::{GRYFFINDOR, HARRY_0, LUNA_0};

    #[test]
    fn validate_names_each_defect_of_a_suite() {
        let policy = Policy::new("p", Tier::Baseline, 1001, namespaces(namespace_named("no-such-namespace")))
            .egress(vec![
                Rule::new("r", Action::Pass, vec![Peer::Networks(vec!["10.0.0.0/33".into()])])
                    .ports(vec![Port::Named("web"), Port::Range(Proto::Tcp, 90, 80)]),
            ])
            .ingress(vec![Rule::new("n", Action::Deny, vec![Peer::Nodes(json!({}))])]);
        let suite = Suite {
            module: "wrong",
            short_name: "CNPBad",
            file: "tests/bad.go",
            api: Api::V1alpha1,
            base: State::of(vec![policy]),
            steps: vec![
                Step { id: "not_the_title", title: "A title", body: probes(vec![]) },
                Step {
                    id: "a_title",
                    title: "A title",
                    body: probes(vec![
                        allowed(HARRY_0, HARRY_0, 80, Proto::Tcp),
                        allowed(HARRY_0, LUNA_0, 8081, Proto::Tcp),
                        via_service(HARRY_0, (GRYFFINDOR, "nope"), 80, Proto::Tcp, Verdict::Blocked),
                    ]),
                },
                Step {
                    id: "last",
                    title: "Last",
                    body: after(
                        |s| s.policy("missing").swap_egress(0, 1),
                        vec![allowed(HARRY_0, LUNA_0, 80, Proto::Tcp)],
                    ),
                },
            ],
        };
        let problems = validate(&suite, &World::hogwarts()).join("\n");
        for expected in [
            "module \"wrong\" is not the ShortName in snake_case",
            "is not an upstream conformance/tests/*.go file",
            "test name \"not_the_title\" is not the title in snake_case",
            "title used twice",
            "no probe",
            "priority 1001 is above 1000",
            "must be named `default`",
            "selects no namespace of the world",
            "never Pass",
            "\"10.0.0.0/33\" is not a CIDR",
            "a named port with a nodes or networks peer",
            "start must be at least 1 and below end",
            "nodes and networks are egress peers only",
            "a pod probing its own IP",
            "serves no 8081/TCP",
            "no Service network-policy-conformance-gryffindor/nope in the state",
            "the changes up to this step do not apply",
        ] {
            assert!(problems.contains(expected), "{problems}\nshould name {expected:?}");
        }
    }

    #[test]
    fn judge_reads_the_exit_status_and_the_verdict_together() {
        assert_eq!(judge(Some(0), r#"{"verdict":"allowed"}"#), Ok(Verdict::Allowed));
        assert_eq!(judge(Some(1), r#"{"verdict":"blocked","layers":[]}"#), Ok(Verdict::Blocked));
        let cases = [
            (Some(2), "", "exit status 2"),
            (Some(101), "", "panicked"),
            (None, "", "signal"),
            (Some(0), "ALLOWED x -> y", "no JSON object"),
            (Some(0), r#"{"verdict":"denied"}"#, "neither"),
            (Some(1), r#"{"ok":true}"#, "no string `verdict`"),
            (Some(0), r#"{"verdict":"blocked"}"#, "the contract is broken"),
        ];
        for (code, stdout, message) in cases {
            let err = judge(code, stdout).expect_err("not a verdict");
            assert!(err.contains(message), "{err:?} should contain {message:?}");
        }
    }

    #[test]
    fn snake_case_splits_acronyms_and_titles() {
        assert_eq!(snake_case("CNPAdminTierEgressTCP"), "cnp_admin_tier_egress_tcp");
        assert_eq!(snake_case("CNPAdminTierEgressInlineCIDRPeers"), "cnp_admin_tier_egress_inline_cidr_peers");
        assert_eq!(snake_case("BaselineAdminNetworkPolicyEgressSCTP"), "baseline_admin_network_policy_egress_sctp");
        assert_eq!(
            snake_case("Should support an 'allow-egress' policy for TCP protocol; ensure rule ordering is respected"),
            "should_support_an_allow_egress_policy_for_tcp_protocol_ensure_rule_ordering_is_respected"
        );
        assert_eq!(
            snake_case("Should Deny traffic to slytherin from gryffindor respecting ANP"),
            "should_deny_traffic_to_slytherin_from_gryffindor_respecting_anp"
        );
    }

    #[test]
    fn cidrs_are_checked_like_the_api_does() {
        for good in ["0.0.0.0/0", "::/0", "10.244.1.12/32", "fd00::/8"] {
            assert!(is_cidr(good), "{good}");
        }
        for bad in ["10.0.0.1", "10.0.0.0/33", "::/129", "luna/32", ""] {
            assert!(!is_cidr(bad), "{bad}");
        }
    }
}
