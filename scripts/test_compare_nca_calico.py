#!/usr/bin/env python3
"""Unit tests of compare_nca_calico.py: which Calico objects NCA can read, the inputs written for
both tools, Calico port classes, NCA's saved answers, and the classification of disagreements
(`calico-not-evaluated` exactly where NCA's answer depends on the Calico policies and
kubectl-deny's does not). Standard library only; no NCA, no kubectl-deny, no network. Run:
python3 scripts/test_compare_nca_calico.py (cargo test runs it through tools/synth/tests/scripts.rs)."""

import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_nca as base  # noqa: E402
import compare_nca_calico as c  # noqa: E402


def pod(namespace, name, labels=None, ports=()):
    containers = [{"name": "c", "ports": [{"name": n, "containerPort": p, "protocol": pr} for n, p, pr in ports]}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"containers": containers},
    }


def calico(kind, name, spec, namespace=None, api="projectcalico.org/v3"):
    meta = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec}


def k8s_policy(namespace, name, ingress):
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"podSelector": {}, "ingress": ingress},
    }


class WhatNcaReads(unittest.TestCase):
    def test_plain_v3_policies_are_readable(self):
        self.assertIsNone(c.nca_unreadable(calico("GlobalNetworkPolicy", "g", {"selector": "all()"})))
        self.assertIsNone(c.nca_unreadable(calico("NetworkPolicy", "n", {"ingress": [{"action": "Allow"}]}, "a")))

    def test_each_unmodelled_feature_is_named(self):
        rule = lambda side: {"ingress": [{"action": "Allow", "source": side}]}
        cases = [
            (calico("NetworkPolicy", "n", {}, "a", api="crd.projectcalico.org/v1"), "apiVersion"),
            (calico("Tier", "t", {"order": 100}), "kind"),
            (calico("StagedNetworkPolicy", "s", {}, "a"), "kind"),
            (calico("GlobalNetworkPolicy", "g", {"tier": "security"}), "tier"),
            (calico("NetworkPolicy", "n", {"serviceAccountSelector": "all()"}, "a"), "serviceAccountSelector"),
            (calico("NetworkPolicy", "n", rule({"serviceAccounts": {"names": ["x"]}}), "a"), "serviceAccounts"),
            (calico("NetworkPolicy", "n", rule({"services": {"name": "x"}}), "a"), "services"),
            (calico("NetworkPolicy", "n", {"ingress": [{"action": "Allow", "http": {}}]}, "a"), "http"),
        ]
        for obj, reason in cases:
            self.assertEqual(c.nca_unreadable(obj), reason, obj)
            self.assertIn(reason, c.NCA_LIMITS)

    def test_inputs_keep_the_same_objects_with_and_without_calico(self):
        items = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
            pod("a", "p"),
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "a"}},
            k8s_policy("a", "k", [{}]),
            calico("GlobalNetworkPolicy", "g", {"selector": "all()"}),
            calico("Tier", "t", {"order": 1}),
        ]
        full, k8s, left_out = c.inputs_for_nca(items)
        self.assertEqual([o["kind"] for o in full["items"]], ["Namespace", "Pod", "NetworkPolicy", "GlobalNetworkPolicy"])
        self.assertEqual([o["kind"] for o in k8s["items"]], ["Namespace", "Pod", "NetworkPolicy"])
        self.assertEqual(len(left_out), 1)
        self.assertTrue(left_out[0][0].startswith("Tier t"), left_out)


class PortClasses(unittest.TestCase):
    def test_calico_ports_ranges_and_not_ports_cut_the_classes(self):
        items = [
            pod("a", "p"),
            calico(
                "NetworkPolicy",
                "n",
                {
                    "ingress": [
                        {"action": "Allow", "protocol": "TCP", "destination": {"ports": [8080, "9000:9100", "http"]}},
                        {"action": "Deny", "protocol": 17, "destination": {"notPorts": [53]}},
                        {"action": "Allow", "destination": {"ports": [7000]}},  # no protocol: no cut
                    ]
                },
                "a",
            ),
        ]
        entries = list(c.calico_port_entries(items))
        self.assertEqual(
            entries,
            [
                {"protocol": "TCP", "port": 8080},
                {"protocol": "TCP", "port": 9000, "endPort": 9100},
                {"protocol": "UDP", "port": 53},
            ],
        )
        probes = c.port_classes(items, base.pods_of(items))
        # 8081 and 9101 answer as port 1 does (no entry holds them): one class.
        self.assertEqual(probes, [("TCP", 1), ("TCP", 8080), ("TCP", 9000), ("UDP", 1), ("UDP", 53), ("SCTP", 1)])
        self.assertNotIn(("TCP", 7000), probes)


class Classification(unittest.TestCase):
    pods = base.pods_of([pod("a", "x"), pod("a", "y")])
    tcp = base.parse_connections("{protocols:TCP}")

    def run_compare(self, nca_full, nca_k8s, ours_full, ours_k8s):
        cells = lambda ours: iter([("a/x", "a/y", 80, "TCP", ours), ("a/x", "a/x", 80, "TCP", True)])
        return c.compare(self.pods, nca_full, nca_k8s, cells(ours_full), cells(ours_k8s))

    def test_calico_dependent_cell_ignored_by_kubectl_deny_is_calico_not_evaluated(self):
        r = self.run_compare({}, {("a/x", "a/y"): self.tcp}, ours_full=True, ours_k8s=True)
        self.assertEqual((r.cells, r.agree, r.calico_dependent, r.deny_calico_dependent), (1, 0, 1, 0))
        self.assertEqual([d.kind for d in r.disagreements], ["calico-not-evaluated"])

    def test_a_disagreement_not_caused_by_calico_stays_for_the_usual_classification(self):
        r = self.run_compare({}, {}, ours_full=True, ours_k8s=True)
        self.assertEqual([d.kind for d in r.disagreements], ["genuine"])
        self.assertEqual(r.calico_dependent, 0)

    def test_once_kubectl_deny_evaluates_calico_its_disagreements_are_not_excused(self):
        r = self.run_compare({}, {("a/x", "a/y"): self.tcp}, ours_full=True, ours_k8s=False)
        self.assertEqual(r.deny_calico_dependent, 1)
        self.assertEqual([d.kind for d in r.disagreements], ["genuine"])

    def test_agreement_on_a_calico_dependent_cell(self):
        r = self.run_compare({}, {("a/x", "a/y"): self.tcp}, ours_full=False, ours_k8s=True)
        self.assertEqual((r.agree, r.calico_dependent, len(r.disagreements)), (1, 1, 0))

    def test_the_two_matrices_must_list_the_same_cells(self):
        with self.assertRaises(c.InputError):
            c.compare(self.pods, {}, {}, iter([("a/x", "a/y", 80, "TCP", True)]), iter([]))
        with self.assertRaises(c.InputError):
            c.compare(
                self.pods, {}, {}, iter([("a/x", "a/y", 80, "TCP", True)]), iter([("a/y", "a/x", 80, "TCP", True)])
            )

    def test_the_report_says_kubectl_deny_ignores_calico(self):
        r = self.run_compare({}, {("a/x", "a/y"): self.tcp}, ours_full=True, ours_k8s=True)
        result = {"name": "t", "work": Path("w"), "pods": 2, "k8s_policies": 0, "calico": 1, "left_out": [],
                  "probes": [("TCP", 80)], "comparison": r}
        text = c.report([result], 10)
        self.assertIn("kubectl-deny does not evaluate Calico policies yet", text)
        self.assertIn("- calico-not-evaluated: a/x -> a/y at 80/TCP: kubectl-deny allows, NCA blocks", text)


class SavedAnswers(unittest.TestCase):
    def test_nca_lines_are_read_checked_and_saved_for_kept_pods(self):
        with tempfile.TemporaryDirectory() as d:
            nca = Path(d) / "nca.txt"
            nca.write_text(
                "TCP Connections:\n\n"
                "a/x => a/y : {protocols:TCP,dst_ports:80}\n"
                "0.0.0.0-255.255.255.255 => a/y : All connections\n"
            )
            full = c.read_nca_lines(nca)
            self.assertEqual(full[("a/x", "a/y")], "{protocols:TCP,dst_ports:80}")
            out = Path(d) / "answers.json"
            classes = base.nca_classes(base.pods_of([pod("a", "x"), pod("a", "y")]))
            c.save_answers(out, [("TCP", 80)], classes, full, {}, "2.1.0")
            doc = json.loads(out.read_text())
            self.assertEqual(doc["answers"], {"a/x => a/y": {"full": "{protocols:TCP,dst_ports:80}", "k8sOnly": "No connections"}})
            self.assertEqual(doc["probes"], [["TCP", 80]])
            bad = Path(d) / "bad.txt"
            bad.write_text("a/x => a/y : {protocols:TCP,src_ports:80}\n")
            with self.assertRaises(c.InputError):
                c.read_nca_lines(bad)


if __name__ == "__main__":
    unittest.main()
