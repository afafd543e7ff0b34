#!/usr/bin/env python3
"""Compare `kubectl deny matrix` with network-config-analyzer (NCA, IBM np-guard) on the same manifests.

For each input (a `kind: List` JSON file, as tools/synth writes it) this script:

1. writes NCA's input: the Namespaces, Pods and NetworkPolicies of the file. NCA would otherwise
   invent pods from every Deployment, ReplicaSet, StatefulSet and DaemonSet template
   (`api-1`, `api-7d9f8c6b5-1`), which exist in no cluster; kubectl-deny reads the same file;
2. runs NCA's connectivity map (`nca --connectivity --resource_list FILE --output_format
   txt_no_fw_rules --output_endpoints pods`): one line per connected pair of endpoints with the
   protocols and destination ports allowed;
3. times `kubectl-deny matrix -f FILE -A -o json`, once at each destination's declared ports and
   once at every port class of the file (below);
4. compares the two answers for every ordered pair of distinct pods at every port class, and
   classifies each disagreement: an ipBlock matching a pod IP (NCA never matches ipBlocks against
   pods; kubectl-deny does, as the upstream e2e tests require), a host-network pod (NCA ignores
   `spec.hostNetwork`), or genuine.

Port classes. NCA answers with port intervals for TCP, UDP and SCTP; kubectl-deny answers point
queries. Two ports of one protocol that no policy port entry, range or named container port tells
apart get the same answer from any correct evaluator, so one port per class is asked (the class
of each port is the set of numeric `ports` entries containing it and the named container ports
declared at it). Other protocols (ICMP, ...) are outside NetworkPolicy and are not compared.

NCA keeps at most two pods per (namespace, owning workload, labels) and reports only those; every
other pod gets the answer of its class's first kept pod (two pods of one class: the answer between
the two kept ones).

Only the standard library is used, so CI needs no Python packages; NCA runs from its own venv
(scripts/compare-nca.sh creates it). The parsing and mapping logic is tested by
scripts/test_compare_nca.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

PROTOCOLS = ("TCP", "UDP", "SCTP")
PROTOCOL_NUMBERS = {"TCP": 6, "UDP": 17, "SCTP": 132}
MIN_PORT, MAX_PORT = 1, 65535
NCA_KINDS = ("Namespace", "Pod", "NetworkPolicy")


class InputError(Exception):
    """Bad input or output we cannot interpret: the message says what, where and how to fix it."""


# ---------------------------------------------------------------------------------------------
# Manifests


def load_items(path: Path) -> list[dict]:
    """The objects of a JSON manifest: a `kind: List` (or any `...List`), or a single object."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON ({e}); give a JSON file such as tools/synth writes") from e
    if isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
        return [o for o in doc["items"] if isinstance(o, dict)]
    if isinstance(doc, dict) and "kind" in doc:
        return [doc]
    raise InputError(f"{path}: expected a Kubernetes object or a kind: List of them")


def nca_input(items: list[dict]) -> dict:
    """The objects NCA should see: namespaces, pods and policies, in the file's order."""
    keep = [o for o in items if o.get("kind") in NCA_KINDS]
    return {"apiVersion": "v1", "kind": "List", "items": keep, "metadata": {"resourceVersion": ""}}


@dataclass(frozen=True)
class PodInfo:
    namespace: str
    name: str
    labels: tuple[tuple[str, str], ...]
    #: (name, port, protocol) of every container port.
    ports: tuple[tuple[str, int, str], ...]
    host_network: bool
    #: NCA's workload name (see `nca_workload_name`).
    workload: str
    #: spec.nodeName ("" when not scheduled).
    node: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"


def nca_workload_name(namespace: str, name: str, owner_references: list) -> str:
    """The workload NCA files a pod under (nca/CoreDS/Peer.py, `Pod.__init__`): the first owner;
    a ReplicaSet whose name ends in a hex-digit suffix stands for its Deployment."""
    if not owner_references:
        return f"{namespace}/{name}(Pod)"
    owner = owner_references[0]
    owner_name, owner_kind = owner.get("name", ""), owner.get("kind", "")
    if owner_kind == "ReplicaSet":
        suffix = owner_name[owner_name.rfind("-") + 1 :]
        if all(c in "0123456789abcdefABCDEF" for c in suffix):
            return f"{namespace}/{owner_name[: owner_name.rfind('-')]}(Deployment-StatefulSet)"
        return f"{namespace}/{owner_name}(ReplicaSet)"
    return f"{namespace}/{owner_name}({owner_kind})"


def pods_of(items: list[dict]) -> list[PodInfo]:
    pods = []
    for o in items:
        if o.get("kind") != "Pod":
            continue
        meta = o.get("metadata") or {}
        spec = o.get("spec") or {}
        namespace = meta.get("namespace") or "default"
        name = meta.get("name") or ""
        ports = []
        for c in spec.get("containers") or []:
            for p in c.get("ports") or []:
                ports.append((p.get("name") or "", int(p["containerPort"]), p.get("protocol") or "TCP"))
        pods.append(
            PodInfo(
                namespace=namespace,
                name=name,
                labels=tuple(sorted((meta.get("labels") or {}).items())),
                ports=tuple(ports),
                host_network=bool(spec.get("hostNetwork")),
                workload=nca_workload_name(namespace, name, meta.get("ownerReferences") or []),
                node=spec.get("nodeName") or "",
            )
        )
    return pods


def nca_classes(pods: list[PodInfo]) -> dict[str, list[str]]:
    """Pod -> the pods NCA keeps for its class (the first two in file order; nca/NetworkConfig/
    TopologyObjectsFinder.py, `PodsFinder._add_peer`). NCA's class ignores ports and IPs."""
    kept: dict[tuple, list[str]] = {}
    out: dict[str, list[str]] = {}
    for p in pods:
        key = (p.namespace, p.workload, p.labels)
        members = kept.setdefault(key, [])
        if len(members) < 2:
            members.append(p.full_name)
        out[p.full_name] = members
    return out


def nca_pair(classes: dict[str, list[str]], src: str, dst: str) -> tuple[str, str] | None:
    """The pair of kept pods whose NCA answer stands for the pair (src, dst) of distinct pods."""
    a, b = classes[src], classes[dst]
    if a is not b:
        return a[0], b[0]
    return (a[0], a[1]) if len(a) == 2 else None


# ---------------------------------------------------------------------------------------------
# Port classes


def _policy_port_entries(items: list[dict]) -> Iterator[dict]:
    for o in items:
        if o.get("kind") != "NetworkPolicy":
            continue
        spec = o.get("spec") or {}
        for direction in ("ingress", "egress"):
            for rule in spec.get(direction) or []:
                for entry in (rule or {}).get("ports") or []:
                    yield entry or {}


def port_classes(items: list[dict], pods: list[PodInfo]) -> list[tuple[str, int]]:
    """One (protocol, port) per class of ports no policy can tell apart, for TCP, UDP and SCTP."""
    ranges: dict[str, list[tuple[int, int]]] = {p: [] for p in PROTOCOLS}
    for entry in _policy_port_entries(items):
        protocol = entry.get("protocol") or "TCP"
        port = entry.get("port")
        if protocol not in ranges or port is None or isinstance(port, str):
            continue  # every port of the protocol, or a named port (resolved through the pods below)
        end = entry.get("endPort") or port
        ranges[protocol].append((int(port), int(end)))
    declared: dict[tuple[str, int], set[str]] = {}
    for p in pods:
        for name, number, protocol in p.ports:
            declared.setdefault((protocol, number), set()).add(name)

    out = []
    for protocol in PROTOCOLS:
        # A port's answer can change only where a range starts or ends, or at a declared port.
        cuts = {MIN_PORT}
        for start, end in ranges[protocol]:
            cuts.update((start, end + 1))
        for proto, number in declared:
            if proto == protocol:
                cuts.update((number, number + 1))
        seen = set()
        for port in sorted(c for c in cuts if MIN_PORT <= c <= MAX_PORT):
            signature = (
                frozenset(i for i, (s, e) in enumerate(ranges[protocol]) if s <= port <= e),
                frozenset(declared.get((protocol, port), ())),
                (protocol, port) in declared,
            )
            if signature not in seen:
                seen.add(signature)
                out.append((protocol, port))
    return out


# ---------------------------------------------------------------------------------------------
# NCA's output


@dataclass(frozen=True)
class Cube:
    """A set of connections: protocols x destination ports (None: every value)."""

    protocols: frozenset[int] | None
    protocols_negated: bool
    dst_ports: tuple[tuple[int, int], ...] | None

    def allows(self, protocol: str, port: int) -> bool:
        if self.protocols is not None:
            inside = PROTOCOL_NUMBERS[protocol] in self.protocols
            if inside == self.protocols_negated:
                return False
        return self.dst_ports is None or any(s <= port <= e for s, e in self.dst_ports)


@dataclass(frozen=True)
class Connections:
    """What NCA allows between two endpoints: a union of cubes, or its complement (`All but`)."""

    cubes: tuple[Cube, ...]
    complement: bool = False

    def allows(self, protocol: str, port: int) -> bool:
        inside = any(c.allows(protocol, port) for c in self.cubes)
        return inside != self.complement


ALL = Connections(cubes=(Cube(None, False, None),))
NONE = Connections(cubes=())
_DIMENSION = re.compile(r",(?=[a-z_]+:)")


def _protocol_numbers(text: str) -> tuple[frozenset[int], bool]:
    negated = text.startswith("all but ")
    if negated:
        text = text[len("all but ") :]
    numbers = set()
    for token in (t.strip() for t in text.split(",")):
        if token.isdigit():
            numbers.add(int(token))
        elif token in PROTOCOL_NUMBERS:
            numbers.add(PROTOCOL_NUMBERS[token])
        elif not token:
            raise InputError(f"empty protocol in {text!r}")
        # Any other name is a protocol NetworkPolicy cannot name (ICMP, ...): irrelevant here.
    return frozenset(numbers), negated


def _port_ranges(text: str) -> tuple[tuple[int, int], ...]:
    out = []
    for token in (t.strip() for t in text.split(",")):
        start, _, end = token.partition("-")
        if not start.isdigit() or (end and not end.isdigit()):
            raise InputError(f"cannot read the port range {token!r} in {text!r}")
        out.append((int(start), int(end or start)))
    return tuple(out)


def parse_cube(text: str) -> Cube:
    """`protocols:TCP, UDP,dst_ports:53,8080-8089` (the inside of `{...}`)."""
    protocols, negated, dst_ports = None, False, None
    for item in _DIMENSION.split(text):
        dim, sep, value = item.partition(":")
        if not sep:
            raise InputError(f"cannot read {item!r} in the connection {{{text}}}")
        if dim == "protocols":
            protocols, negated = _protocol_numbers(value)
        elif dim == "dst_ports":
            dst_ports = _port_ranges(value)
        else:
            # src_ports, Istio's methods/paths/hosts, Calico's icmp_*: not in a k8s NetworkPolicy.
            raise InputError(f"the connection {{{text}}} restricts {dim!r}, which NetworkPolicy cannot express")
    return Cube(protocols, negated, dst_ports)


def parse_connections(text: str) -> Connections:
    """NCA's text for a set of connections: `All connections`, `No connections`, `{...},{...}`, or
    `All but {...}` (nca/CoreDS/ConnectivityProperties.py, `get_simplified_connections_representation`)."""
    text = text.strip()
    if text == "All connections":
        return ALL
    if text == "No connections":
        return NONE
    complement = text.startswith("All but ")
    if complement:
        text = text[len("All but ") :]
    cubes = re.findall(r"\{([^{}]*)\}", text)
    if not cubes or re.sub(r"\{[^{}]*\}", "", text).strip(",") != "":
        raise InputError(f"cannot read NCA's connection set {text!r}")
    return Connections(tuple(parse_cube(c) for c in cubes), complement)


def parse_nca_map(lines: Iterable[str]) -> Iterator[tuple[str, str, Connections]]:
    """`SRC => DST : CONNECTIONS` lines of `--output_format txt_no_fw_rules`."""
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line.strip() or line.endswith("Connections:"):
            continue
        src, arrow, rest = line.partition(" => ")
        dst, colon, conns = rest.partition(" : ")
        if not arrow or not colon:
            raise InputError(f"NCA output line {number}: expected 'SRC => DST : CONNECTIONS', got {line!r}")
        try:
            yield src.strip(), dst.strip(), parse_connections(conns)
        except InputError as e:
            raise InputError(f"NCA output line {number}: {e}") from None


# ---------------------------------------------------------------------------------------------
# kubectl-deny's output


_CELL = re.compile(r'\{"from":"([^"\\]*)","to":"([^"\\]*)","port":(\d+),"protocol":"([A-Z]+)","verdict":"([a-z]+)"\}')


def parse_matrix_cells(lines: Iterable[str]) -> Iterator[tuple[str, str, int, str, bool]]:
    """Cells of `kubectl-deny matrix -o json`, one per line as the renderer streams them (any
    other layout of a cell is read with the json module; a line that is no cell is an error)."""
    for number, line in enumerate(lines, 1):
        line = line.strip().rstrip(",")
        if line in ("", '{"cells":[', "]}", '{"cells":[]}'):
            continue
        m = _CELL.fullmatch(line)
        if m:
            src, dst, port, protocol, verdict = m[1], m[2], int(m[3]), m[4], m[5]
        else:
            try:
                cell = json.loads(line)
                src, dst, port, protocol, verdict = (cell[k] for k in ("from", "to", "port", "protocol", "verdict"))
            except (ValueError, KeyError, TypeError):
                raise InputError(f"matrix output line {number}: expected one cell, got {line[:200]!r}") from None
        if verdict not in ("allowed", "blocked"):
            raise InputError(f"matrix output line {number}: verdict {verdict!r}")
        yield src, dst, port, protocol, verdict == "allowed"


def flows_to_cells(
    text: str, pods: list[PodInfo], probes: list[tuple[str, int]]
) -> Iterator[tuple[str, str, int, str, bool]]:
    """`kubectl-deny matrix --all-ports -o json` (`{"flows":[{"from","to","ports":[...]}]}`, the
    pairs that allow some port) as matrix cells at each probe port, for every pair of pods."""
    allowed: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
    for flow in json.loads(text)["flows"]:
        ranges = [(r["protocol"], r["port"], r.get("endPort", r["port"])) for r in flow["ports"]]
        allowed[(flow["from"], flow["to"])] = ranges
    names = [p.full_name for p in pods]
    for src in names:
        for dst in names:
            if src == dst:
                continue
            ranges = allowed.get((src, dst), [])
            for protocol, port in probes:
                yield src, dst, port, protocol, any(p == protocol and lo <= port <= hi for p, lo, hi in ranges)


# ---------------------------------------------------------------------------------------------
# Comparison


@dataclass
class Disagreement:
    src: str
    dst: str
    protocol: str
    port: int
    ours: bool
    nca: bool
    kind: str = "genuine"
    detail: str = ""


@dataclass
class Comparison:
    cells: int = 0
    agree: int = 0
    allowed_both: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    unmatched_nca: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.disagreements:
            out[d.kind] = out.get(d.kind, 0) + 1
        return out


def compare(
    pods: list[PodInfo],
    nca_map: Iterable[tuple[str, str, Connections]],
    cells: Iterable[tuple[str, str, int, str, bool]],
) -> Comparison:
    """Every matrix cell between distinct pods against NCA's answer for the same pair and port."""
    classes = nca_classes(pods)
    kept = {m for members in classes.values() for m in members}
    answers: dict[tuple[str, str], Connections] = {}
    result = Comparison()
    for src, dst, conns in nca_map:
        if src in kept and dst in kept:
            answers[(src, dst)] = conns
        elif "/" in src and "/" in dst and src in classes and dst in classes:
            result.unmatched_nca.append(f"{src} => {dst}: a pod NCA should have dropped")
        # Other lines involve IP ranges or endpoints that are not pods: outside the pod matrix.
    for src, dst, port, protocol, ours in cells:
        if src == dst:
            continue  # a pod reaches itself; NCA prints no self-loops
        if src not in classes or dst not in classes:
            raise InputError(f"matrix cell {src} -> {dst}: not a pod of the input file")
        pair = nca_pair(classes, src, dst)
        if pair is None:
            raise InputError(f"{src} and {dst} share NCA's class but NCA kept one pod of it")
        nca = answers.get(pair, NONE).allows(protocol, port)
        result.cells += 1
        if ours == nca:
            result.agree += 1
            result.allowed_both += ours
        else:
            result.disagreements.append(Disagreement(src, dst, protocol, port, ours, nca))
    return result


def rule_peer_kinds(items: list[dict]) -> dict[tuple[str, str, str, int], set[str]]:
    """(namespace, policy, direction, rule index) -> kinds of its peers: `ipBlock`, `selector`."""
    out = {}
    for o in items:
        if o.get("kind") != "NetworkPolicy":
            continue
        meta, spec = o.get("metadata") or {}, o.get("spec") or {}
        key = (meta.get("namespace") or "default", meta.get("name") or "")
        for direction, peers_key in (("ingress", "from"), ("egress", "to")):
            for index, rule in enumerate(spec.get(direction) or []):
                peers = (rule or {}).get(peers_key) or []
                out[(*key, direction, index)] = {"ipBlock" if "ipBlock" in (p or {}) else "selector" for p in peers}
    return out


def why_explains_by_ip_block(why: dict, peer_kinds: dict[tuple[str, str, str, int], set[str]]) -> bool:
    """True when a side of a flow kubectl-deny allows is allowed only by rules whose peers are all
    ipBlocks, matched against a pod IP: without ipBlocks on pods (NCA), that side blocks. A rule
    that also has selector entries is not counted: why names one matching entry per rule."""
    if why.get("verdict") != "allowed":
        return False
    for side in ("egress", "ingress"):
        s = why.get(side) or {}
        if not s.get("isolated"):
            continue
        matches = [(p, m) for p in s.get("policies") or [] for m in p.get("matches") or []]
        if matches and all(
            m.get("ipBlockOnPod") and peer_kinds.get((p["namespace"], p["name"], side, m["rule"])) == {"ipBlock"}
            for p, m in matches
        ):
            return True
    return False


HOST_SAME_NODE = "node-local: a hostNetwork pod and a pod on its node"
HOST_OTHER_NODE = "a hostNetwork pod on another node: not selected by policy, seen by its node's IP"


def classify(
    comparison: Comparison,
    pods: list[PodInfo],
    why: Callable[[str, str, str, int], dict],
    limit: int,
    peer_kinds: dict[tuple[str, str, str, int], set[str]],
) -> None:
    """Sets `kind` on each disagreement: `host-network`, `ipblock-on-pod-ip`, `genuine`, or
    `unclassified` past `limit` calls of `why(src, dst, protocol, port)` (which returns
    `kubectl-deny why -o json`). Asked per cell: pods NCA counts as one class may hold IPs in
    different ipBlocks."""
    by_name = {p.full_name: p for p in pods}
    asked = 0
    for d in comparison.disagreements:
        a, b = by_name[d.src], by_name[d.dst]
        if a.host_network or b.host_network:
            d.kind = "host-network"
            d.detail = HOST_SAME_NODE if a.node and a.node == b.node else HOST_OTHER_NODE
            continue
        if not d.ours:
            d.kind = "genuine"  # NCA allows more: ignoring ipBlocks on pods can only allow less
            continue
        if asked >= limit:
            d.kind, d.detail = "unclassified", f"past --max-why {limit}"
            continue
        asked += 1
        answer = why(d.src, d.dst, d.protocol, d.port)
        if answer.get("verdict") != "allowed":
            d.kind, d.detail = "genuine", f"why says {answer.get('verdict')!r} where matrix says allowed"
        elif why_explains_by_ip_block(answer, peer_kinds):
            d.kind, d.detail = "ipblock-on-pod-ip", _ip_block_detail(answer)
        else:
            d.kind = "genuine"


def _ip_block_detail(why: dict) -> str:
    for side in ("egress", "ingress"):
        for p in (why.get(side) or {}).get("policies") or []:
            for m in p.get("matches") or []:
                if m.get("ipBlockOnPod"):
                    return f"{side} {p['namespace']}/{p['name']} rule {m['rule']}: {m.get('peerText', '')}"
    return ""


# ---------------------------------------------------------------------------------------------
# Running the tools


@dataclass
class Run:
    seconds: float
    peak_rss_kb: int
    status: int


def timed(argv: list[str], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=None) -> Run:
    """Wall time and peak RSS of one child process (os.wait4: no dependency on /usr/bin/time)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=stdout, stderr=stderr, cwd=cwd)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss, child.returncode)


def median_run(argv: list[str], runs: int) -> Run:
    results = [timed(argv) for _ in range(runs)]
    for r in results:
        if r.status != 0:
            raise InputError(f"{' '.join(argv)} exited with status {r.status}")
    return Run(statistics.median(r.seconds for r in results), max(r.peak_rss_kb for r in results), 0)


def port_flags(probes: list[tuple[str, int]]) -> list[str]:
    return [f"--port={port}/{protocol.lower()}" for protocol, port in probes]


def fmt_seconds(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def run_one(args, source: Path) -> dict:
    name = source.stem
    work = Path(args.workdir) / name
    work.mkdir(parents=True, exist_ok=True)
    items = load_items(source)
    pods = pods_of(items)
    policies = sum(1 for o in items if o.get("kind") == "NetworkPolicy")
    nca_file = work / "input.json"
    with open(nca_file, "w", encoding="utf-8") as f:
        json.dump(nca_input(items), f, indent=1)
    probes = port_classes(items, pods)
    log(f"{name}: {len(pods)} pods, {policies} policies, {len(probes)} port classes")

    nca_out = work / "nca.txt"
    nca_argv = [
        args.nca,
        "--connectivity",
        "--resource_list",
        str(nca_file),
        "--output_format",
        "txt_no_fw_rules",
        "--output_endpoints",
        "pods",
        "--file_out",
        str(nca_out),
    ]
    nca_runs = []
    for i in range(args.nca_runs):
        log(f"{name}: NCA run {i + 1}/{args.nca_runs} ...")
        nca_out.unlink(missing_ok=True)  # NCA appends to an existing --file_out
        with open(work / "nca.log", "w") as logf:
            r = timed(nca_argv, stdout=logf, stderr=subprocess.STDOUT)
        if r.status != 0:
            raise InputError(f"NCA failed with status {r.status}; see {work / 'nca.log'}")
        nca_runs.append(r)
    nca_time = statistics.median(r.seconds for r in nca_runs)
    nca_rss = max(r.peak_rss_kb for r in nca_runs)

    deny = [args.deny, "matrix", "-f", str(nca_file), "-A", "-o", "json"]
    declared = median_run(deny, args.runs)
    classes_run = median_run(deny + port_flags(probes), args.runs)
    full_file = median_run([args.deny, "matrix", "-f", str(source), "-A", "-o", "json"], args.runs)
    log(f"{name}: NCA {fmt_seconds(nca_time)}, kubectl-deny {fmt_seconds(declared.seconds)} (declared ports), "
        f"{fmt_seconds(classes_run.seconds)} ({len(probes)} port classes)")

    all_ports_argv = [args.deny, "matrix", "-f", str(nca_file), "-A", "--all-ports", "-o", "json"]
    all_ports = median_run(all_ports_argv, args.runs)
    log(f"{name}: kubectl-deny {fmt_seconds(all_ports.seconds)} (--all-ports, the full connectivity matrix)")

    with open(nca_out, encoding="utf-8") as f:
        nca_map = list(parse_nca_map(f))
    flows = subprocess.run(all_ports_argv, capture_output=True, text=True)
    if flows.returncode != 0:
        raise InputError(f"kubectl-deny matrix --all-ports exited with status {flows.returncode}: {flows.stderr}")
    all_ports_comparison = compare(pods, nca_map, flows_to_cells(flows.stdout, pods, probes))
    child = subprocess.Popen(deny + port_flags(probes), stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    assert child.stdout is not None
    comparison = compare(pods, nca_map, parse_matrix_cells(child.stdout))
    if child.wait() != 0:
        raise InputError(f"kubectl-deny matrix exited with status {child.returncode}")

    def why(src: str, dst: str, protocol: str, port: int) -> dict:
        argv = [args.deny, "why", "-f", str(nca_file), src, f"{dst}:{port}/{protocol.lower()}", "-o", "json"]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode not in (0, 1):
            raise InputError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
        return json.loads(done.stdout)

    classify(comparison, pods, why, args.max_why, rule_peer_kinds(items))
    return {
        "name": name,
        "pods": len(pods),
        "policies": policies,
        "bytes": source.stat().st_size,
        "nca_bytes": nca_file.stat().st_size,
        "nca_endpoints": len({m for ms in nca_classes(pods).values() for m in ms}),
        "probes": probes,
        "nca_time": nca_time,
        "nca_rss": nca_rss,
        "declared": declared,
        "classes": classes_run,
        "full_file": full_file,
        "all_ports": all_ports,
        "all_ports_comparison": all_ports_comparison,
        "comparison": comparison,
    }


def log(msg: str) -> None:
    print(f"compare-nca: {msg}", file=sys.stderr, flush=True)


KIND_ORDER = {"genuine": 0, "unclassified": 1, "ipblock-on-pod-ip": 2, "host-network": 3}


def disagreement_lines(disagreements: list[Disagreement]) -> list[str]:
    """One line per pair of pods and outcome, with the ports it holds for; genuine ones first."""
    grouped: dict[tuple, list[str]] = {}
    for d in disagreements:
        key = (KIND_ORDER.get(d.kind, 9), d.kind, d.src, d.dst, d.ours, d.nca, d.detail)
        grouped.setdefault(key, []).append(f"{d.port}/{d.protocol}")
    lines = []
    for (_, kind, src, dst, ours, nca, detail), ports in sorted(grouped.items()):
        verdicts = f"kubectl-deny {'allows' if ours else 'blocks'}, NCA {'allows' if nca else 'blocks'}"
        lines.append(f"{kind}: {src} -> {dst} at {', '.join(ports)}: {verdicts}" + (f" ({detail})" if detail else ""))
    return lines


def report(results: list[dict], max_listed: int) -> str:
    out = [
        "| input | pods | policies | NCA connectivity map | kubectl-deny matrix --all-ports | ratio | "
        "kubectl-deny matrix, declared ports | ratio | kubectl-deny matrix, every port class | ratio | "
        "cells compared | agree | ipBlock on pod IP | hostNetwork | genuine | --all-ports disagreements |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        c: Comparison = r["comparison"]
        counts = c.counts()
        genuine = counts.get("genuine", 0) + counts.get("unclassified", 0)
        declared, classes = r["declared"], r["classes"]
        all_ports = r["all_ports"]
        # The same disagreements (ipBlock on pod IPs, host network) are expected; anything else is not.
        all_ports_counts = r["all_ports_comparison"].counts()
        all_ports_total = sum(all_ports_counts.values())
        out.append(
            f"| `{r['name']}` | {r['pods']:,} | {r['policies']:,} | {fmt_seconds(r['nca_time'])}, "
            f"{fmt_mb(r['nca_rss'])} | {fmt_seconds(all_ports.seconds)}, {fmt_mb(all_ports.peak_rss_kb)} | "
            f"{r['nca_time'] / all_ports.seconds:,.0f}x | "
            f"{fmt_seconds(declared.seconds)}, {fmt_mb(declared.peak_rss_kb)} | "
            f"{r['nca_time'] / declared.seconds:,.0f}x | {fmt_seconds(classes.seconds)} ({len(r['probes'])} ports), "
            f"{fmt_mb(classes.peak_rss_kb)} | {r['nca_time'] / classes.seconds:,.0f}x | {c.cells:,} | {c.agree:,} | "
            f"{counts.get('ipblock-on-pod-ip', 0):,} | {counts.get('host-network', 0):,} | {genuine:,} | "
            f"{all_ports_total:,} |"
        )
    out.append("")
    for r in results:
        c = r["comparison"]
        out.append(
            f"`{r['name']}`: NCA kept {r['nca_endpoints']} of {r['pods']} pods; "
            f"kubectl-deny on the original file ({r['bytes'] / 1e6:.1f} MB, every kind of object): "
            f"{fmt_seconds(r['full_file'].seconds)} at declared ports. Port classes: "
            + ", ".join(f"{port}/{proto}" for proto, port in r["probes"])
        )
        for note in c.unmatched_nca[:max_listed]:
            out.append(f"- unexpected NCA line: {note}")
        # Host-network cells are many and alike: counted per kind, with one example each.
        host = [d for d in c.disagreements if d.kind == "host-network"]
        for detail in (HOST_SAME_NODE, HOST_OTHER_NODE):
            cells = [d for d in host if d.detail == detail]
            if cells:
                pairs = len({(d.src, d.dst) for d in cells})
                allows = sum(d.ours for d in cells)
                example = disagreement_lines([d for d in cells if (d.src, d.dst) == (cells[0].src, cells[0].dst)])[0]
                out.append(
                    f"- host-network, {detail}: {len(cells):,} cells over {pairs:,} pairs of pods "
                    f"(kubectl-deny allows and NCA blocks in {allows:,}, the reverse in {len(cells) - allows:,}); "
                    f"e.g. {example.split(': ', 1)[1].rsplit(' (', 1)[0]}"
                )
        lines = disagreement_lines([d for d in c.disagreements if d.kind != "host-network"])
        for line in lines[:max_listed]:
            out.append(f"- {line}")
        if len(lines) > max_listed:
            out.append(f"- ... and {len(lines) - max_listed} more pairs (--max-listed)")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", type=Path, help="kind: List JSON files (tools/synth output)")
    parser.add_argument("--deny", default="target/release/kubectl-deny", help="the kubectl-deny binary")
    parser.add_argument("--nca", default="target/nca-venv/bin/nca", help="the nca executable")
    parser.add_argument("--workdir", default="target/nca-compare", help="where NCA's inputs and outputs go")
    parser.add_argument("--runs", type=int, default=5, help="kubectl-deny runs per measurement (median)")
    parser.add_argument("--nca-runs", type=int, default=1, help="NCA runs per input (median)")
    parser.add_argument("--max-why", type=int, default=200, help="kubectl-deny why calls to classify disagreements")
    parser.add_argument("--max-listed", type=int, default=40, help="disagreements listed per input")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    for tool, what in ((args.deny, "--deny"), (args.nca, "--nca")):
        if not shutil.which(tool):
            print(f"compare-nca: {what} {tool}: not an executable; build or install it first", file=sys.stderr)
            return 2
    try:
        results = [run_one(args, path) for path in args.inputs]
    except (InputError, OSError) as e:
        print(f"compare-nca: {e}", file=sys.stderr)
        return 2
    text = report(results, args.max_listed)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    genuine = sum(r["comparison"].counts().get("genuine", 0) for r in results)
    # --all-ports must disagree with NCA on exactly the cells the per-port matrix does.
    inconsistent = [
        r["name"]
        for r in results
        if {(d.src, d.dst, d.protocol, d.port) for d in r["all_ports_comparison"].disagreements}
        != {(d.src, d.dst, d.protocol, d.port) for d in r["comparison"].disagreements}
    ]
    if inconsistent:
        log(f"matrix --all-ports and matrix --port disagree on: {', '.join(inconsistent)}")
    return 1 if genuine or inconsistent else 0


if __name__ == "__main__":
    sys.exit(main())
