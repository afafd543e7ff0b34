//! Runs one ported upstream case through the CLI contract and judges the result. A case
//! (`Scenario`) is one upstream `ginkgo.It`; each of its phases is one static cluster state (model +
//! policies) with the probes upstream ran against it (`Check`: a port, a protocol and the expected
//! truth table). For each phase the harness writes the manifests into a temporary directory, runs
//! `kubectl-deny matrix -f DIR -A --port P/PROTO... -o json`, parses the cells, and compares them with
//! the expectations, printing upstream-style expected / observed / comparison grids on a mismatch.
//! Owns: the process invocation, the JSON contract parsing, the verdict. Must not: define cases.
//!
//! Self-traffic: upstream compares with `ignoreLoopback = true` (kubernetes#95879: CNIs disagree on
//! hairpin traffic through a Service). The harness instead applies upstream's own `AllowLoopback`
//! to every expectation, as the Kubernetes docs say a pod cannot block access to itself, and marks
//! those cells in failure reports so a loopback disagreement is never mistaken for a rule bug.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use crate::model::{Model, NAMESPACES, PodString, Protocol};
use crate::reachability::{Mismatch, Reachability, TruthTable, compare, describe};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_kubectl-deny");

/// A bound on one `matrix` run: nine pods take milliseconds; a hang must fail, not stall CI.
const TIMEOUT: Duration = Duration::from_secs(120);

/// How much of the binary's stdout or stderr a failure message quotes.
const QUOTE_LIMIT: usize = 4000;

/// One upstream `ValidateOrFail`: the probe's port and protocol and the expected truth table.
#[derive(Clone, Debug)]
pub struct Check {
    pub port: u16,
    pub protocol: Protocol,
    pub reachability: Reachability,
}

/// One static state of an upstream case and the probes upstream ran against it.
#[derive(Clone, Debug)]
pub struct Phase {
    pub label: &'static str,
    pub model: Model,
    pub policies: Vec<Value>,
    pub checks: Vec<Check>,
}

impl Phase {
    pub fn new(label: &'static str, model: &Model, policies: Vec<Value>) -> Phase {
        Phase { label, model: model.clone(), policies, checks: Vec::new() }
    }

    /// Adds a probe: `ValidateOrFail(k8s, &TestCase{ToPort: port, Protocol: protocol, ...})`.
    pub fn check(mut self, port: u16, protocol: Protocol, reachability: Reachability) -> Phase {
        self.checks.push(Check { port, protocol, reachability });
        self
    }
}

/// One upstream `ginkgo.It`.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The upstream description, with its Context when the same words appear under several.
    pub upstream: &'static str,
    pub phases: Vec<Phase>,
}

impl Scenario {
    pub fn new(upstream: &'static str, phases: Vec<Phase>) -> Scenario {
        Scenario { upstream, phases }
    }
}

/// Runs every phase (each its own static state and its own process) and fails with all the
/// disagreements of all phases at once.
pub fn run(scenario: Scenario) {
    let total = scenario.phases.len();
    let failures: Vec<String> = scenario
        .phases
        .iter()
        .enumerate()
        .filter_map(|(i, phase)| {
            run_phase(phase).err().map(|report| format!("=== phase {}/{total}: {}\n{report}", i + 1, phase.label))
        })
        .collect();
    if !failures.is_empty() {
        panic!(
            "upstream case {:?}: kubectl-deny disagrees in {} of {total} phase(s)\n\n{}",
            scenario.upstream,
            failures.len(),
            failures.join("\n\n")
        );
    }
}

fn run_phase(phase: &Phase) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let manifests = scratch.path().join("manifests");
    write_manifests(&manifests, phase)?;

    let requested: Vec<(u16, Protocol)> = phase.checks.iter().map(|c| (c.port, c.protocol)).collect();
    let run = invoke_matrix(&manifests, scratch.path(), &requested)?;
    let pods = phase.model.all_pods();
    let observed = parse_matrix(&run.stdout, &pods, &requested).map_err(|e| {
        format!(
            "the output of `{}` breaks the matrix JSON contract: {e}\n--- stdout:\n{}\n--- stderr:\n{}",
            run.command_line,
            quote(&run.stdout),
            quote(&run.stderr)
        )
    })?;

    let mut report = String::new();
    for check in &phase.checks {
        if let Some(section) = check_report(check, &observed[&(check.port, check.protocol)]) {
            report.push_str(&section);
            report.push('\n');
        }
    }
    if report.is_empty() {
        return Ok(());
    }
    let _ = writeln!(report, "policies ({}):", phase.policies.len());
    for policy in &phase.policies {
        let _ = writeln!(report, "{}", indent(&serde_json::to_string_pretty(policy).unwrap_or_default(), "  "));
    }
    let _ = writeln!(report, "command: {}", run.command_line);
    if !run.stderr.trim().is_empty() {
        let _ = writeln!(report, "stderr:\n{}", quote(&run.stderr));
    }
    Err(report)
}

/// The failure section for one probe, or `None` when every cell agrees.
pub fn check_report(check: &Check, observed: &TruthTable) -> Option<String> {
    let mut expected = check.reachability.clone();
    expected.allow_loopback();
    let (agreement, mismatches) = compare(&expected.expected, observed);
    if mismatches.is_empty() {
        return None;
    }
    let cells = expected.expected.items().len().pow(2);
    let mut out = String::new();
    let _ = writeln!(out, "{}/{}: {} of {cells} cells disagree", check.port, check.protocol, mismatches.len());
    for mismatch in &mismatches {
        let _ = writeln!(out, "  {}", describe_mismatch(mismatch));
    }
    let _ = writeln!(out, "expected (\".\" allowed, \"X\" blocked):\n{}", expected.expected.pretty_print("  "));
    let _ = writeln!(out, "observed (\"?\" no cell in the output):\n{}", observed.pretty_print("  "));
    let _ = writeln!(out, "comparison (\".\" agrees, \"X\" disagrees):\n{}", agreement.pretty_print("  "));
    Some(out)
}

fn describe_mismatch(m: &Mismatch) -> String {
    let mut line =
        format!("{} -> {}: expected {}, observed {}", m.from, m.to, describe(m.expected), describe(m.observed));
    if m.is_loopback() {
        line.push_str(
            " (loopback: upstream ignores self-traffic, kubernetes#95879; expected allowed because a pod cannot \
             block access to itself)",
        );
    }
    line
}

fn write_manifests(dir: &Path, phase: &Phase) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let policies = phase.policies.iter().enumerate().map(|(i, policy)| {
        let meta = &policy["metadata"];
        let name = format!(
            "networkpolicy-{i}-{}-{}.json",
            meta["namespace"].as_str().unwrap_or("none"),
            meta["name"].as_str().unwrap_or("none")
        );
        (name, policy.clone())
    });
    for (name, object) in phase.model.manifests().into_iter().chain(policies) {
        let path = dir.join(&name);
        let text = serde_json::to_string_pretty(&object).map_err(|e| format!("cannot serialise {name}: {e}"))?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// What one run of the binary printed.
struct Run {
    command_line: String,
    stdout: String,
    stderr: String,
}

fn invoke_matrix(manifests: &Path, scratch: &Path, requested: &[(u16, Protocol)]) -> Result<Run, String> {
    let mut args = vec!["matrix".to_owned(), "-f".to_owned(), manifests.display().to_string(), "-A".to_owned()];
    for (port, protocol) in requested {
        args.extend(["--port".to_owned(), format!("{port}/{protocol}")]);
    }
    args.extend(["-o", "json", "--color", "never"].map(str::to_owned));
    let command_line = format!("kubectl-deny {}", args.join(" "));

    // Hermetic: no kubeconfig, no home directory of the developer, no colour.
    let home = scratch.join("home");
    std::fs::create_dir_all(&home).map_err(|e| format!("cannot create {}: {e}", home.display()))?;
    let mut child = Command::new(BIN)
        .args(&args)
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
    let status = wait_with_deadline(&mut child, &command_line)?;
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "`{command_line}` failed ({}), so no verdict could be compared\n--- stderr:\n{}\n--- stdout:\n{}",
            describe_status(status),
            quote(&stderr),
            quote(&stdout)
        ));
    }
    Ok(Run { command_line, stdout, stderr })
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

fn wait_with_deadline(child: &mut std::process::Child, command_line: &str) -> Result<ExitStatus, String> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`{command_line}` did not finish within {}s and was killed", TIMEOUT.as_secs()));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for `{command_line}`: {e}")),
        }
    }
}

fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(101) => "exit status 101: it panicked".to_owned(),
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_owned(),
    }
}

#[derive(Debug, Deserialize)]
struct MatrixOutput {
    cells: Vec<Cell>,
}

#[derive(Debug, Deserialize)]
struct Cell {
    from: String,
    to: String,
    port: u16,
    protocol: String,
    verdict: String,
}

/// Reads `{"cells":[{"from":"ns/pod","to":"ns/pod","port":80,"protocol":"TCP","verdict":"allowed"}]}`
/// into one observed truth table per requested (port, protocol). A cell the contract does not allow
/// (unknown pod, port not asked for, unknown verdict, a pair twice) is an error; a missing cell is
/// not: it stays without a value and shows as "?" in the comparison.
pub fn parse_matrix(
    stdout: &str,
    pods: &[PodString],
    requested: &[(u16, Protocol)],
) -> Result<BTreeMap<(u16, Protocol), TruthTable>, String> {
    let output: MatrixOutput = serde_json::from_str(stdout).map_err(|e| format!("not the matrix JSON: {e}"))?;
    let mut tables: BTreeMap<(u16, Protocol), TruthTable> =
        requested.iter().map(|&key| (key, TruthTable::new(pods, None))).collect();
    let mut seen = BTreeSet::new();
    for (index, cell) in output.cells.iter().enumerate() {
        let at = || format!("cell #{index} ({} -> {} {}/{})", cell.from, cell.to, cell.port, cell.protocol);
        let protocol = Protocol::from_api(&cell.protocol)
            .ok_or_else(|| format!("{}: protocol {:?} is not one of TCP, UDP, SCTP", at(), cell.protocol))?;
        let allowed = match cell.verdict.as_str() {
            "allowed" => true,
            "blocked" => false,
            other => return Err(format!("{}: verdict {other:?} is neither \"allowed\" nor \"blocked\"", at())),
        };
        let from = known_pod(&cell.from, pods).map_err(|e| format!("{}: `from` {e}", at()))?;
        let to = known_pod(&cell.to, pods).map_err(|e| format!("{}: `to` {e}", at()))?;
        let table = tables
            .get_mut(&(cell.port, protocol))
            .ok_or_else(|| format!("{}: {}/{protocol} was not asked for with --port", at(), cell.port))?;
        if !seen.insert((from.clone(), to.clone(), cell.port, protocol)) {
            return Err(format!("{}: a second cell for the same pair, port and protocol", at()));
        }
        table.set(&from, &to, allowed);
    }
    Ok(tables)
}

fn known_pod(text: &str, pods: &[PodString]) -> Result<PodString, String> {
    let parsed = PodString::parse(text).ok_or_else(|| format!("{text:?} is not ns/pod"))?;
    if pods.contains(&parsed) { Ok(parsed) } else { Err(format!("{text:?} is not a pod of the model")) }
}

/// The self-check of a case: what makes its expectations a fair test, independent of the binary.
pub fn validate(scenario: &Scenario) -> Vec<String> {
    let mut problems = Vec::new();
    if scenario.phases.is_empty() {
        problems.push("no phase".to_owned());
    }
    let mut labels = BTreeSet::new();
    for phase in &scenario.phases {
        let at = format!("phase {:?}", phase.label);
        if !labels.insert(phase.label) {
            problems.push(format!("{at}: label used twice"));
        }
        let pods = phase.model.all_pods();
        if pods.len() != 9 {
            problems.push(format!("{at}: {} pods, the upstream model has 9", pods.len()));
        }
        if phase.checks.is_empty() {
            problems.push(format!("{at}: no probe"));
        }
        let mut probes = BTreeSet::new();
        for check in &phase.checks {
            let probe = format!("{}/{}", check.port, check.protocol);
            if !probes.insert(probe.clone()) {
                problems.push(format!("{at}: {probe} probed twice"));
            }
            if !phase.model.serves(check.port, check.protocol) {
                problems.push(format!("{at}: {probe} is probed but no pod serves it"));
            }
            let table = &check.reachability.expected;
            if table.items() != pods.as_slice() {
                problems.push(format!("{at}: {probe} expectations are not over the 9 pods of the model"));
            }
            let missing = table.missing();
            if !missing.is_empty() || table.items().len().pow(2) != 81 {
                let first: Vec<String> = missing.iter().take(5).map(|(f, t)| format!("{f}->{t}")).collect();
                problems.push(format!(
                    "{at}: {probe} expectations miss {} of 81 ordered pairs (first: {})",
                    missing.len(),
                    first.join(", ")
                ));
            }
        }
        let mut names = BTreeSet::new();
        for policy in &phase.policies {
            let kind = policy["kind"].as_str().unwrap_or_default();
            let namespace = policy["metadata"]["namespace"].as_str().unwrap_or_default();
            let name = policy["metadata"]["name"].as_str().unwrap_or_default();
            if kind != "NetworkPolicy" || policy["apiVersion"] != "networking.k8s.io/v1" {
                problems.push(format!("{at}: {namespace}/{name} is not a networking.k8s.io/v1 NetworkPolicy"));
            }
            if !NAMESPACES.contains(&namespace) || name.is_empty() {
                problems.push(format!("{at}: policy {namespace:?}/{name:?} needs a name and a namespace of x, y, z"));
            }
            if !names.insert((namespace, name)) {
                problems.push(format!("{at}: two policies named {namespace}/{name}"));
            }
            if !policy["spec"]["policyTypes"].is_array() {
                problems.push(format!(
                    "{at}: {namespace}/{name} leaves policyTypes to defaulting; upstream's helpers always set it"
                ));
            }
        }
    }
    problems
}

fn quote(text: &str) -> String {
    if text.trim().is_empty() {
        return "  (empty)".to_owned();
    }
    let mut cut = text.len().min(QUOTE_LIMIT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = indent(&text[..cut], "  ");
    if cut < text.len() {
        let _ = write!(out, "\n  ... ({} more bytes)", text.len() - cut);
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
    use crate::model::pod;
    use crate::reachability::Peer;

    fn pods() -> Vec<PodString> {
        Model::new(&[80], &[Protocol::Tcp]).all_pods()
    }

    /// A hand-written matrix output: every pair on 80/TCP, allowed unless listed as blocked.
    fn fake_output(blocked: &[(&str, &str)]) -> Value {
        let mut cells = Vec::new();
        for from in pods() {
            for to in pods() {
                let is_blocked = blocked.iter().any(|(f, t)| from.as_str() == *f && to.as_str() == *t);
                cells.push(json!({
                    "from": from.as_str(),
                    "to": to.as_str(),
                    "port": 80,
                    "protocol": "TCP",
                    "verdict": if is_blocked { "blocked" } else { "allowed" },
                }));
            }
        }
        json!({ "cells": cells })
    }

    fn parse(output: &Value) -> Result<BTreeMap<(u16, Protocol), TruthTable>, String> {
        parse_matrix(&output.to_string(), &pods(), &[(80, Protocol::Tcp)])
    }

    #[test]
    fn parses_a_complete_matrix_into_one_table_per_probe() {
        let tables = parse(&fake_output(&[("y/a", "x/a")])).expect("valid output parses");
        let table = &tables[&(80, Protocol::Tcp)];
        assert!(table.is_complete());
        assert_eq!(table.get(&pod("y", "a"), &pod("x", "a")), Some(false));
        assert_eq!(table.get(&pod("x", "a"), &pod("y", "a")), Some(true));
    }

    #[test]
    fn ignores_fields_the_contract_does_not_name() {
        let output = json!({ "cells": [{
            "from": "x/a", "to": "x/b", "port": 80, "protocol": "TCP", "verdict": "allowed", "reason": "no policy"
        }], "summary": {} });
        let tables = parse(&output).expect("extra fields are allowed");
        assert_eq!(tables[&(80, Protocol::Tcp)].get(&pod("x", "a"), &pod("x", "b")), Some(true));
    }

    #[test]
    fn missing_cells_stay_unset_and_count_as_mismatches() {
        let mut output = fake_output(&[]);
        output["cells"].as_array_mut().expect("cells").retain(|c| c["to"] != "z/c");
        let tables = parse(&output).expect("a short matrix still parses");
        let table = &tables[&(80, Protocol::Tcp)];
        assert_eq!(table.missing().len(), 9);
        let check = Check { port: 80, protocol: Protocol::Tcp, reachability: Reachability::new(&pods(), true) };
        let report = check_report(&check, table).expect("missing cells are reported");
        assert!(report.contains("80/TCP: 9 of 81 cells disagree"), "{report}");
        assert!(report.contains("x/a -> z/c: expected allowed, observed no value"), "{report}");
    }

    #[test]
    fn rejects_output_that_breaks_the_contract() {
        let cell = |from: &str, to: &str, port: u16, protocol: &str, verdict: &str| {
            json!({ "cells": [{
                "from": from, "to": to, "port": port, "protocol": protocol, "verdict": verdict
            }] })
        };
        let cases = [
            (cell("x/a", "x/b", 80, "tcp", "allowed"), "protocol \"tcp\" is not one of TCP, UDP, SCTP"),
            (cell("x/a", "x/b", 80, "TCP", "denied"), "verdict \"denied\" is neither"),
            (cell("x/a", "w/b", 80, "TCP", "allowed"), "`to` \"w/b\" is not a pod of the model"),
            (cell("a", "x/b", 80, "TCP", "allowed"), "`from` \"a\" is not ns/pod"),
            (cell("x/a", "x/b", 81, "TCP", "allowed"), "81/TCP was not asked for with --port"),
            (cell("x/a", "x/b", 80, "UDP", "allowed"), "80/UDP was not asked for with --port"),
        ];
        for (output, message) in cases {
            let err = parse(&output).expect_err("contract violation is an error");
            assert!(err.contains(message), "{err:?} should contain {message:?}");
        }
    }

    #[test]
    fn rejects_a_pair_reported_twice() {
        let mut output = fake_output(&[]);
        let first = output["cells"][0].clone();
        output["cells"].as_array_mut().expect("cells").push(first);
        let err = parse(&output).expect_err("duplicates are an error");
        assert!(err.contains("a second cell for the same pair"), "{err}");
    }

    #[test]
    fn rejects_text_that_is_not_json_or_lacks_fields() {
        let err = parse_matrix("kubectl-deny: not built yet", &pods(), &[(80, Protocol::Tcp)]).expect_err("not JSON");
        assert!(err.starts_with("not the matrix JSON"), "{err}");
        let err = parse(&json!({ "cells": [{ "from": "x/a", "to": "x/b", "port": 80, "protocol": "TCP" }] }))
            .expect_err("missing verdict");
        assert!(err.contains("missing field `verdict`"), "{err}");
        let string_port = json!({ "cells": [{
            "from": "x/a", "to": "x/b", "port": "80", "protocol": "TCP", "verdict": "allowed"
        }] });
        let err = parse(&string_port).expect_err("a string port");
        assert!(err.contains("invalid type"), "{err}");
    }

    #[test]
    fn agreeing_output_produces_no_report() {
        let mut reachability = Reachability::new(&pods(), true);
        reachability.expect_peer(Peer::any(), Peer::namespace("x"), false);
        let blocked: Vec<(String, String)> = pods()
            .iter()
            .flat_map(|from| pods().into_iter().map(move |to| (from.clone(), to)))
            .filter(|(from, to)| to.namespace() == "x" && from != to)
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect();
        let blocked: Vec<(&str, &str)> = blocked.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
        let tables = parse(&fake_output(&blocked)).expect("valid");
        let check = Check { port: 80, protocol: Protocol::Tcp, reachability };
        assert_eq!(check_report(&check, &tables[&(80, Protocol::Tcp)]), None);
    }

    #[test]
    fn report_shows_grids_and_names_loopback_cells() {
        let mut reachability = Reachability::new(&pods(), true);
        reachability.expect_all_ingress(&pod("x", "a"), false);
        // The output disagrees twice: y/b reaches x/a, and x/b cannot reach itself.
        let mut blocked: Vec<(String, String)> = pods()
            .iter()
            .filter(|p| p.as_str() != "y/b" && p.as_str() != "x/a")
            .map(|p| (p.to_string(), "x/a".to_owned()))
            .collect();
        blocked.push(("x/b".to_owned(), "x/b".to_owned()));
        let blocked: Vec<(&str, &str)> = blocked.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
        let tables = parse(&fake_output(&blocked)).expect("valid");
        let check = Check { port: 80, protocol: Protocol::Tcp, reachability };
        let report = check_report(&check, &tables[&(80, Protocol::Tcp)]).expect("disagreement is reported");
        assert!(report.starts_with("80/TCP: 2 of 81 cells disagree\n"), "{report}");
        assert!(report.contains("  y/b -> x/a: expected blocked, observed allowed\n"), "{report}");
        assert!(report.contains("  x/b -> x/b: expected allowed, observed blocked (loopback:"), "{report}");
        assert!(report.contains("expected (\".\" allowed, \"X\" blocked):\n  -   x/a x/b"), "{report}");
        assert!(report.contains("comparison (\".\" agrees, \"X\" disagrees):"), "{report}");
    }

    #[test]
    fn validate_accepts_a_well_formed_case_and_names_each_defect() {
        let model = Model::new(&[80], &[Protocol::Tcp]);
        let policy = json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": { "name": "deny", "namespace": "x" },
            "spec": { "podSelector": {}, "policyTypes": ["Ingress"], "ingress": [] },
        });
        let good = Scenario::new(
            "good",
            vec![Phase::new("only", &model, vec![policy.clone()]).check(
                80,
                Protocol::Tcp,
                Reachability::new(&model.all_pods(), true),
            )],
        );
        assert_eq!(validate(&good), Vec::<String>::new());

        let mut defaulted = policy.clone();
        defaulted["spec"].as_object_mut().expect("spec").remove("policyTypes");
        let mut partial = Reachability::new(&model.all_pods(), true);
        partial.expected = TruthTable::new(&model.all_pods(), None);
        let bad = Scenario::new(
            "bad",
            vec![
                Phase::new("one", &model, vec![policy.clone(), policy, defaulted])
                    .check(81, Protocol::Tcp, Reachability::new(&model.all_pods(), true))
                    .check(81, Protocol::Tcp, partial),
                Phase::new("one", &model, Vec::new()),
            ],
        );
        let problems = validate(&bad).join("\n");
        for expected in [
            "81/TCP is probed but no pod serves it",
            "81/TCP probed twice",
            "81/TCP expectations miss 81 of 81 ordered pairs",
            "two policies named x/deny",
            "leaves policyTypes to defaulting",
            "label used twice",
            "no probe",
        ] {
            assert!(problems.contains(expected), "{problems}\nshould name {expected:?}");
        }
    }
}
