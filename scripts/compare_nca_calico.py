#!/usr/bin/env python3
"""Compare `kubectl deny matrix` with network-config-analyzer (NCA) on clusters that mix Kubernetes
NetworkPolicies with Calico policies (projectcalico.org/v3 NetworkPolicy and GlobalNetworkPolicy).

For each input (a `kind: List` JSON file, as `synth --calico-policies N` writes it) this script:

1. writes the input both tools read: the Namespaces, Pods, Kubernetes NetworkPolicies and the Calico
   policies NCA can read (`input.json`), and the same without any Calico object (`input-k8s.json`).
   Calico objects NCA rejects (see NCA_LIMITS) are left out of both, and listed;
2. runs NCA's connectivity map on both files and saves its answers in `nca-answers.json`: for every
   ordered pair of the pods NCA keeps, the connections it allows with and without the Calico
   policies (NCA's own text, which `compare_nca.parse_connections` reads), with the port classes
   and NCA's pod classes, so that a later comparison can consume them without running NCA again;
3. runs `kubectl-deny matrix -A -o json` at every port class on both files;
4. compares kubectl-deny's cells on `input.json` with NCA's answers on the same file, and classifies
   each disagreement:
   - `host-network` first (an end on the host network: NCA selects it like any pod; Calico does not
     take it for a workload endpoint, and kubectl-deny allows a pod and its own node);
   - `calico-not-evaluated`: the cell is Calico-dependent (NCA's answer changes when the Calico
     policies are removed) and kubectl-deny's does not. Every Calico-dependent disagreement was of
     this kind while kubectl-deny did not evaluate Calico; now that it does (its answers change
     with the Calico policies removed), such a cell counts as genuine in the exit status;
   - `ipblock-on-pod-ip`, `genuine`: as scripts/compare_nca.py classifies them.

Exit status: 0 when nothing genuine is listed, 1 when a genuine disagreement is listed (and a
`calico-not-evaluated` one on an input whose kubectl-deny answers depend on Calico), 2 on errors. Standard library only; it reuses scripts/compare_nca.py.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_nca as base  # noqa: E402
from compare_nca import InputError  # noqa: E402

CALICO_GROUPS = ("projectcalico.org/", "crd.projectcalico.org/")
#: Calico kinds NCA reads (nca/Parsers/CalicoPolicyYamlParser.py, `parse_policy`).
NCA_CALICO_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy", "Profile")
#: What NCA 2.1.0 does not model, by the field or object that carries it (NCA rejects the policy,
#: or the whole run, when it meets one). The README's explanation of disagreements cites this.
NCA_LIMITS = {
    "apiVersion": "only projectcalico.org/v3 is read; crd.projectcalico.org/v1 objects are a syntax error",
    "kind": "Tier and the Staged* kinds are not read: NCA has no tiers and no staged policies",
    "tier": "spec.tier is a syntax error: every policy is in one ordered list, as if in the default tier",
    "serviceAccountSelector": "not a valid field for NCA",
    "serviceAccounts": "'not yet supported' (a syntax error)",
    "services": "not a valid field for NCA",
    "http": "'not yet supported' (a syntax error)",
    "doNotTrack": "ignored with a warning (over-approximation)",
    "preDNAT": "ignored with a warning (over-approximation)",
    "applyOnForward": "ignored with a warning (over-approximation)",
}


def is_calico(o: dict) -> bool:
    return str(o.get("apiVersion", "")).startswith(CALICO_GROUPS)


def _entity_fields(spec: dict) -> Iterator[str]:
    for direction in ("ingress", "egress"):
        for rule in spec.get(direction) or []:
            rule = rule or {}
            if "http" in rule:
                yield "http"
            for side in ("source", "destination"):
                yield from ((rule.get(side) or {}).keys())


def nca_unreadable(o: dict) -> str | None:
    """Why NCA cannot read this Calico object (the NCA_LIMITS key), or None when it can."""
    if not str(o.get("apiVersion", "")).startswith("projectcalico.org/v3"):
        return "apiVersion"
    if o.get("kind") not in NCA_CALICO_KINDS:
        return "kind"
    spec = o.get("spec") or {}
    for key in ("tier", "serviceAccountSelector"):
        if key in spec:
            return key
    for key in _entity_fields(spec):
        if key in ("serviceAccounts", "services", "http"):
            return key
    return None


def inputs_for_nca(items: list[dict]) -> tuple[dict, dict, list[tuple[str, str]]]:
    """(input with Calico, the same without, [(object, reason)] for Calico objects left out)."""
    keep, k8s, left_out = [], [], []
    for o in items:
        if is_calico(o):
            reason = nca_unreadable(o)
            if reason is None:
                keep.append(o)
            else:
                meta = o.get("metadata") or {}
                name = "/".join(x for x in (meta.get("namespace"), meta.get("name")) if x)
                left_out.append((f"{o.get('kind')} {name}", f"{reason}: {NCA_LIMITS[reason]}"))
        elif o.get("kind") in base.NCA_KINDS:
            keep.append(o)
            k8s.append(o)
    as_list = lambda objs: {"apiVersion": "v1", "kind": "List", "items": objs, "metadata": {"resourceVersion": ""}}
    return as_list(keep), as_list(k8s), left_out


# ---------------------------------------------------------------------------------------------
# Port classes: compare_nca's, with Calico's `ports` and `notPorts` as further cut points


PROTOCOL_NAMES = {6: "TCP", 17: "UDP", 132: "SCTP", "TCP": "TCP", "UDP": "UDP", "SCTP": "SCTP"}


def calico_port_entries(items: list[dict]) -> Iterator[dict]:
    """Calico rule ports as Kubernetes-style port entries (`{protocol, port, endPort}`); named ports
    need no entry (the declared container ports are cut points already)."""
    for o in items:
        if not is_calico(o):
            continue
        spec = o.get("spec") or {}
        for direction in ("ingress", "egress"):
            for rule in spec.get(direction) or []:
                rule = rule or {}
                protocol = PROTOCOL_NAMES.get(rule.get("protocol"))
                if protocol is None:
                    continue  # ports need TCP, UDP or SCTP (Calico validates this)
                for side in ("source", "destination"):
                    entity = rule.get(side) or {}
                    for port in (entity.get("ports") or []) + (entity.get("notPorts") or []):
                        if isinstance(port, int):
                            yield {"protocol": protocol, "port": port}
                        elif isinstance(port, str) and ":" in port:
                            lo, _, hi = port.partition(":")
                            if lo.isdigit() and hi.isdigit():
                                yield {"protocol": protocol, "port": int(lo), "endPort": int(hi)}


def port_classes(items: list[dict], pods: list[base.PodInfo]) -> list[tuple[str, int]]:
    extra = {"kind": "NetworkPolicy", "spec": {"ingress": [{"ports": list(calico_port_entries(items))}]}}
    k8s = [o for o in items if not is_calico(o)]
    return base.port_classes(k8s + [extra], pods)


# ---------------------------------------------------------------------------------------------
# NCA's answers, saved for later comparisons


def read_nca_lines(path: Path) -> dict[tuple[str, str], str]:
    """`SRC => DST : CONNECTIONS` lines as {(src, dst): connections text}, checked readable. NCA may
    write a pair on several lines (seen with Calico policies: `All but {protocols:TCP}`, then
    `{protocols:TCP,dst_ports:1-9089,9091-65535}`): the pair's connections are their union, kept as
    the texts joined by newlines (`parse_union` reads them)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.endswith("Connections:"):
                continue
            src, arrow, rest = line.partition(" => ")
            dst, colon, conns = rest.partition(" : ")
            if not arrow or not colon:
                raise InputError(f"{path} line {number}: expected 'SRC => DST : CONNECTIONS', got {line!r}")
            try:
                base.parse_connections(conns)
            except InputError as e:
                raise InputError(f"{path} line {number}: {e}") from None
            pair = (src.strip(), dst.strip())
            out[pair] = f"{out[pair]}\n{conns.strip()}" if pair in out else conns.strip()
    return out


@dataclass(frozen=True)
class Union:
    """The union of NCA's connection sets for one pair (one per line NCA wrote for it)."""

    parts: tuple

    def allows(self, protocol: str, port: int) -> bool:
        return any(p.allows(protocol, port) for p in self.parts)


def parse_union(text: str) -> Union:
    return Union(tuple(base.parse_connections(t) for t in text.split("\n")))


def save_answers(path: Path, probes, classes, full: dict, k8s_only: dict, nca_version: str) -> None:
    kept = {m for members in classes.values() for m in members}
    answers = {}
    for pair in sorted(set(full) | set(k8s_only)):
        if pair[0] in kept and pair[1] in kept:
            answers[f"{pair[0]} => {pair[1]}"] = {
                "full": full.get(pair, "No connections"),
                "k8sOnly": k8s_only.get(pair, "No connections"),
            }
    doc = {
        "tool": "network-config-analyzer",
        "version": nca_version,
        "input": "input.json",
        "inputWithoutCalico": "input-k8s.json",
        "probes": [[protocol, port] for protocol, port in probes],
        "classes": classes,
        "answers": answers,
        "note": "A pair missing from answers has No connections in both runs; a pod that is not a key of "
        "classes' values stands for its class (see compare_nca.nca_pair).",
    }
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Comparison


@dataclass
class CalicoComparison:
    cells: int = 0
    agree: int = 0
    #: Cells whose NCA answer changes when the Calico policies are removed.
    calico_dependent: int = 0
    #: Cells whose kubectl-deny answer changes when the Calico policies are removed.
    deny_calico_dependent: int = 0
    disagreements: list[base.Disagreement] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.disagreements:
            out[d.kind] = out.get(d.kind, 0) + 1
        return out


def compare(
    pods: list[base.PodInfo],
    nca_full: dict[tuple[str, str], base.Connections],
    nca_k8s: dict[tuple[str, str], base.Connections],
    cells_full: Iterator[tuple[str, str, int, str, bool]],
    cells_k8s: Iterator[tuple[str, str, int, str, bool]],
) -> CalicoComparison:
    """kubectl-deny's cells on the full input against NCA's answers on it; the runs without Calico
    tell which cells depend on the Calico policies for each tool."""
    classes = base.nca_classes(pods)
    host = {p.full_name: p.host_network for p in pods}
    result = CalicoComparison()
    for full, k8s in _lockstep(cells_full, cells_k8s):
        src, dst, port, protocol, ours = full
        if k8s[:4] != full[:4]:
            raise InputError(f"kubectl-deny's two matrices list different cells at {src} -> {dst} {port}/{protocol}")
        if src == dst:
            continue
        if src not in classes or dst not in classes:
            raise InputError(f"matrix cell {src} -> {dst}: not a pod of the input file")
        pair = base.nca_pair(classes, src, dst)
        if pair is None:
            raise InputError(f"{src} and {dst} share NCA's class but NCA kept one pod of it")
        nca = nca_full.get(pair, base.NONE).allows(protocol, port)
        nca_without = nca_k8s.get(pair, base.NONE).allows(protocol, port)
        ours_without = k8s[4]
        result.cells += 1
        result.calico_dependent += nca != nca_without
        result.deny_calico_dependent += ours != ours_without
        if ours == nca:
            result.agree += 1
            continue
        d = base.Disagreement(src, dst, protocol, port, ours, nca)
        # A host-network end is its own documented reason (`classify`), Calico or not.
        if nca != nca_without and ours == ours_without and not (host[src] or host[dst]):
            d.kind = "calico-not-evaluated"
        result.disagreements.append(d)
    return result


def _lockstep(a, b):
    """Pairs of items of two iterators of the same length (an error otherwise)."""
    for x in a:
        y = next(b, None)
        if y is None:
            raise InputError("kubectl-deny's matrix without Calico has fewer cells than the one with it")
        yield x, y
    if next(b, None) is not None:
        raise InputError("kubectl-deny's matrix without Calico has more cells than the one with it")


def classify(comparison: CalicoComparison, pods, why, limit: int, peer_kinds) -> None:
    """compare_nca's classification for every disagreement not already `calico-not-evaluated`."""
    rest = base.Comparison(disagreements=[d for d in comparison.disagreements if d.kind != "calico-not-evaluated"])
    base.classify(rest, pods, why, limit, peer_kinds)


# ---------------------------------------------------------------------------------------------
# Running


def log(msg: str) -> None:
    print(f"compare-nca-calico: {msg}", file=sys.stderr, flush=True)


def run_nca(args, work: Path, input_file: Path, out: Path) -> None:
    argv = [args.nca, "--connectivity", "--resource_list", str(input_file), "--output_format", "txt_no_fw_rules",
            "--output_endpoints", "pods", "--file_out", str(out)]
    out.unlink(missing_ok=True)  # NCA appends to an existing --file_out
    log_file = out.with_suffix(".log")
    with open(log_file, "w") as f:
        done = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise InputError(f"NCA failed with status {done.returncode} on {input_file}; see {log_file}")


def matrix_cells(args, input_file: Path, probes) -> tuple[subprocess.Popen, Iterator]:
    argv = [args.deny, "matrix", "-f", str(input_file), "-A", "-o", "json"] + base.port_flags(probes)
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    assert child.stdout is not None
    return child, base.parse_matrix_cells(child.stdout)


def nca_version(nca: str) -> str:
    try:
        done = subprocess.run([nca, "--version"], capture_output=True, text=True, timeout=60)
        return (done.stdout or done.stderr).strip().splitlines()[-1]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def run_one(args, source: Path) -> dict:
    name = source.stem
    work = Path(args.workdir) / name
    work.mkdir(parents=True, exist_ok=True)
    items = base.load_items(source)
    full_doc, k8s_doc, left_out = inputs_for_nca(items)
    kept_items = full_doc["items"]
    pods = base.pods_of(kept_items)
    calico = sum(1 for o in kept_items if is_calico(o))
    k8s_policies = sum(1 for o in kept_items if o.get("kind") == "NetworkPolicy" and not is_calico(o))
    full_file, k8s_file = work / "input.json", work / "input-k8s.json"
    for path, doc in ((full_file, full_doc), (k8s_file, k8s_doc)):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
    probes = port_classes(kept_items, pods)
    log(f"{name}: {len(pods)} pods, {k8s_policies} Kubernetes and {calico} Calico policies, "
        f"{len(probes)} port classes" + (f"; {len(left_out)} Calico objects NCA cannot read left out" if left_out else ""))

    log(f"{name}: NCA with the Calico policies ...")
    run_nca(args, work, full_file, work / "nca.txt")
    log(f"{name}: NCA without them ...")
    run_nca(args, work, k8s_file, work / "nca-k8s.txt")
    full_text, k8s_text = read_nca_lines(work / "nca.txt"), read_nca_lines(work / "nca-k8s.txt")
    classes = base.nca_classes(pods)
    save_answers(work / "nca-answers.json", probes, classes, full_text, k8s_text, nca_version(args.nca))
    parsed = lambda texts: {pair: parse_union(t) for pair, t in texts.items()}

    child_full, cells_full = matrix_cells(args, full_file, probes)
    child_k8s, cells_k8s = matrix_cells(args, k8s_file, probes)
    comparison = compare(pods, parsed(full_text), parsed(k8s_text), cells_full, cells_k8s)
    for child in (child_full, child_k8s):
        if child.wait() != 0:
            raise InputError(f"kubectl-deny matrix exited with status {child.returncode}")

    def why(src: str, dst: str, protocol: str, port: int) -> dict:
        argv = [args.deny, "why", "-f", str(full_file), src, f"{dst}:{port}/{protocol.lower()}", "-o", "json"]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode not in (0, 1):
            raise InputError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
        return json.loads(done.stdout)

    classify(comparison, pods, why, args.max_why, base.rule_peer_kinds(kept_items))
    return {
        "name": name,
        "work": work,
        "pods": len(pods),
        "k8s_policies": k8s_policies,
        "calico": calico,
        "left_out": left_out,
        "probes": probes,
        "comparison": comparison,
    }


KIND_ORDER = {"genuine": 0, "unclassified": 1, "calico-not-evaluated": 2, "ipblock-on-pod-ip": 3, "host-network": 4}


def report(results: list[dict], max_listed: int) -> str:
    out = []
    ignores_calico = [r["name"] for r in results if r["comparison"].deny_calico_dependent == 0 and r["calico"]]
    if ignores_calico:
        out += [
            "**kubectl-deny does not evaluate Calico policies yet (issue 14).** Its answers do not change when the",
            "Calico policies are removed from " + ", ".join(f"`{n}`" for n in ignores_calico) + ", so every cell whose",
            "NCA answer depends on them and differs from kubectl-deny's is listed as `calico-not-evaluated`:",
            "expected today, and not counted as genuine.",
            "",
        ]
    out += [
        "| input | pods | Kubernetes policies | Calico policies | cells compared | agree | Calico-dependent (NCA) | "
        "calico-not-evaluated | ipBlock on pod IP | hostNetwork | genuine |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        c: CalicoComparison = r["comparison"]
        k = c.counts()
        genuine = k.get("genuine", 0) + k.get("unclassified", 0)
        out.append(
            f"| `{r['name']}` | {r['pods']:,} | {r['k8s_policies']:,} | {r['calico']:,} | {c.cells:,} | {c.agree:,} | "
            f"{c.calico_dependent:,} | {k.get('calico-not-evaluated', 0):,} | {k.get('ipblock-on-pod-ip', 0):,} | "
            f"{k.get('host-network', 0):,} | {genuine:,} |"
        )
    out.append("")
    for r in results:
        c = r["comparison"]
        out.append(
            f"`{r['name']}`: NCA's answers saved in {r['work'] / 'nca-answers.json'}. Port classes: "
            + ", ".join(f"{port}/{proto}" for proto, port in r["probes"])
        )
        for what, reason in r["left_out"][:max_listed]:
            out.append(f"- left out (NCA cannot read it): {what}: {reason}")
        listed = sorted(c.disagreements, key=lambda d: KIND_ORDER.get(d.kind, 9))
        # Many cells are alike: one line per pair of pods and outcome (compare_nca's format).
        lines = sorted(base.disagreement_lines(listed), key=lambda line: KIND_ORDER.get(line.split(":")[0], 9))
        for line in lines[:max_listed]:
            out.append(f"- {line}")
        if len(lines) > max_listed:
            out.append(f"- ... and {len(lines) - max_listed} more pairs (--max-listed)")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", type=Path, help="kind: List JSON files (synth --calico-policies N)")
    parser.add_argument("--deny", default="target/release/kubectl-deny", help="the kubectl-deny binary")
    parser.add_argument("--nca", default="target/nca-venv/bin/nca", help="the nca executable")
    parser.add_argument("--workdir", default="target/nca-compare-calico", help="where inputs and NCA's answers go")
    parser.add_argument("--max-why", type=int, default=200, help="kubectl-deny why calls to classify disagreements")
    parser.add_argument("--max-listed", type=int, default=40, help="disagreements listed per input")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    for tool, what in ((args.deny, "--deny"), (args.nca, "--nca")):
        if not shutil.which(tool):
            print(f"compare-nca-calico: {what} {tool}: not an executable; build or install it first", file=sys.stderr)
            return 2
    try:
        results = [run_one(args, path) for path in args.inputs]
    except (InputError, OSError) as e:
        print(f"compare-nca-calico: {e}", file=sys.stderr)
        return 2
    text = report(results, args.max_listed)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    genuine = sum(r["comparison"].counts().get(k, 0) for r in results for k in ("genuine", "unclassified"))
    # Once kubectl-deny's answers depend on the Calico policies (it evaluates them), a cell NCA
    # decides by Calico and kubectl-deny does not is a disagreement to explain, not an expected one.
    genuine += sum(
        r["comparison"].counts().get("calico-not-evaluated", 0)
        for r in results
        if r["comparison"].deny_calico_dependent > 0
    )
    return 1 if genuine else 0


if __name__ == "__main__":
    sys.exit(main())
