#!/usr/bin/env python3
"""Unit tests of compare_nca.py's parsing and mapping: NCA's connection text, its pod classes,
matrix cells, port classes and the classification of disagreements. Standard library only; no
NCA, no kubectl-deny, no network. Run: python3 scripts/test_compare_nca.py (cargo test runs it
through tools/synth/tests/scripts.rs)."""

import sys
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_nca as c  # noqa: E402


def pod(namespace, name, labels=None, ports=(), owner=None, host=False, node=None):
    meta = {"name": name, "namespace": namespace, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1]}]
    containers = [{"name": "c", "ports": [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports]}]
    spec = {"containers": containers}
    if host:
        spec["hostNetwork"] = True
    if node:
        spec["nodeName"] = node
    return {"kind": "Pod", "metadata": meta, "spec": spec}


def policy(namespace, name, ingress=None, egress=None):
    spec = {"podSelector": {}}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    return {"kind": "NetworkPolicy", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


class AllPortsFlows(unittest.TestCase):
    def test_flows_become_cells_at_each_probe_port_for_every_pair(self):
        pods = [
            c.PodInfo("a", "web", (), (), False, "a/web"),
            c.PodInfo("a", "db", (), (), False, "a/db"),
        ]
        text = '{"flows":[\n{"from":"a/web","to":"a/db","ports":[{"protocol":"TCP","port":5000,"endPort":6000}]}\n]}\n'
        cells = sorted(c.flows_to_cells(text, pods, [("TCP", 5432), ("TCP", 80), ("UDP", 5432)]))
        self.assertEqual(
            cells,
            sorted([
                ("a/web", "a/db", 5432, "TCP", True),
                ("a/web", "a/db", 80, "TCP", False),
                ("a/web", "a/db", 5432, "UDP", False),
                ("a/db", "a/web", 5432, "TCP", False),
                ("a/db", "a/web", 80, "TCP", False),
                ("a/db", "a/web", 5432, "UDP", False),
            ]),
        )


class ConnectionText(unittest.TestCase):
    def test_all_connections_allow_every_protocol_and_port(self):
        conns = c.parse_connections("All connections")
        for protocol in c.PROTOCOLS:
            self.assertTrue(conns.allows(protocol, 1))
            self.assertTrue(conns.allows(protocol, 65535))

    def test_no_connections_allow_nothing(self):
        self.assertFalse(c.parse_connections("No connections").allows("TCP", 80))

    def test_protocol_list_with_spaces_and_single_port(self):
        conns = c.parse_connections("{protocols:TCP, UDP,dst_ports:53}")
        self.assertTrue(conns.allows("TCP", 53))
        self.assertTrue(conns.allows("UDP", 53))
        self.assertFalse(conns.allows("SCTP", 53))
        self.assertFalse(conns.allows("TCP", 54))

    def test_port_lists_and_ranges_are_inclusive(self):
        conns = c.parse_connections("{protocols:TCP,dst_ports:8080-8089,9090}")
        self.assertTrue(conns.allows("TCP", 8080))
        self.assertTrue(conns.allows("TCP", 8089))
        self.assertTrue(conns.allows("TCP", 9090))
        self.assertFalse(conns.allows("TCP", 8090))
        self.assertFalse(conns.allows("TCP", 8079))

    def test_several_cubes_are_a_union(self):
        conns = c.parse_connections("{protocols:TCP,dst_ports:5432},{protocols:UDP,dst_ports:123,514}")
        self.assertTrue(conns.allows("TCP", 5432))
        self.assertTrue(conns.allows("UDP", 514))
        self.assertFalse(conns.allows("UDP", 5432))
        self.assertFalse(conns.allows("TCP", 123))

    def test_a_cube_without_ports_allows_every_port_of_its_protocols(self):
        conns = c.parse_connections("{protocols:SCTP}")
        self.assertTrue(conns.allows("SCTP", 1))
        self.assertFalse(conns.allows("TCP", 1))

    def test_a_cube_without_protocols_allows_every_protocol(self):
        conns = c.parse_connections("{dst_ports:80}")
        self.assertTrue(conns.allows("UDP", 80))
        self.assertFalse(conns.allows("UDP", 81))

    def test_all_but_is_the_complement(self):
        conns = c.parse_connections("All but {protocols:TCP,dst_ports:1-79}")
        self.assertFalse(conns.allows("TCP", 22))
        self.assertTrue(conns.allows("TCP", 80))
        self.assertTrue(conns.allows("UDP", 22))

    def test_all_but_protocols_inside_a_cube(self):
        conns = c.parse_connections("{protocols:all but TCP, ICMP}")
        self.assertFalse(conns.allows("TCP", 80))
        self.assertTrue(conns.allows("UDP", 80))
        self.assertTrue(conns.allows("SCTP", 80))

    def test_protocols_by_number(self):
        conns = c.parse_connections("{protocols:132,dst_ports:3868}")
        self.assertTrue(conns.allows("SCTP", 3868))

    def test_dimensions_a_network_policy_cannot_express_are_refused(self):
        with self.assertRaisesRegex(c.InputError, "src_ports"):
            c.parse_connections("{protocols:TCP,src_ports:1000-2000}")
        with self.assertRaisesRegex(c.InputError, "methods"):
            c.parse_connections("{methods:GET}")

    def test_text_that_is_not_a_connection_set_is_refused(self):
        for text in ("Some connections", "{protocols:TCP} trailing", "{protocols:TCP,dst_ports:eighty}"):
            with self.assertRaises(c.InputError, msg=text):
                c.parse_connections(text)


class NcaMap(unittest.TestCase):
    def test_lines_give_source_destination_and_connections(self):
        lines = [
            "0.0.0.0-255.255.255.255 => a/web : All connections\n",
            "\n",
            "a/web => a/db : {protocols:TCP,dst_ports:5432}\n",
        ]
        parsed = list(c.parse_nca_map(lines))
        self.assertEqual([(s, d) for s, d, _ in parsed], [("0.0.0.0-255.255.255.255", "a/web"), ("a/web", "a/db")])
        self.assertTrue(parsed[1][2].allows("TCP", 5432))

    def test_section_headers_are_skipped(self):
        parsed = list(c.parse_nca_map(["TCP Connections:", "a/x => a/y : All connections"]))
        self.assertEqual(len(parsed), 1)

    def test_a_malformed_line_names_its_number(self):
        with self.assertRaisesRegex(c.InputError, "line 2"):
            list(c.parse_nca_map(["a/x => a/y : All connections", "a/x -> a/y"]))
        with self.assertRaisesRegex(c.InputError, "line 1: cannot read"):
            list(c.parse_nca_map(["a/x => a/y : All connectionsa/z => a/y : All connections"]))


class MatrixCells(unittest.TestCase):
    def test_streamed_cells_are_read(self):
        lines = [
            '{"cells":[\n',
            '{"from":"a/x","to":"b/y","port":80,"protocol":"TCP","verdict":"allowed"},\n',
            '{"from":"a/x","to":"b/y","port":53,"protocol":"UDP","verdict":"blocked"}\n',
            "]}\n",
        ]
        self.assertEqual(
            list(c.parse_matrix_cells(lines)),
            [("a/x", "b/y", 80, "TCP", True), ("a/x", "b/y", 53, "UDP", False)],
        )

    def test_other_layouts_fall_back_to_json(self):
        line = '{"from": "a/x", "to": "b/y", "port": 80, "protocol": "TCP", "verdict": "allowed"}'
        self.assertEqual(list(c.parse_matrix_cells([line])), [("a/x", "b/y", 80, "TCP", True)])

    def test_an_unknown_verdict_is_an_error(self):
        with self.assertRaisesRegex(c.InputError, "line 1: verdict 'maybe'"):
            list(c.parse_matrix_cells(['{"from":"a/x","to":"b/y","port":80,"protocol":"TCP","verdict":"maybe"}']))

    def test_a_line_that_is_no_cell_is_an_error(self):
        with self.assertRaisesRegex(c.InputError, "line 2: expected one cell"):
            list(c.parse_matrix_cells(['{"cells":[', '"cells": [']))


class NcaClasses(unittest.TestCase):
    def test_workload_names_follow_nca(self):
        self.assertEqual(c.nca_workload_name("a", "web-1", []), "a/web-1(Pod)")
        rs = [{"kind": "ReplicaSet", "name": "api-7d9f8c6b5"}]
        self.assertEqual(c.nca_workload_name("a", "api-7d9f8c6b5-x2x4v", rs), "a/api(Deployment-StatefulSet)")
        rs = [{"kind": "ReplicaSet", "name": "api-xyz"}]
        self.assertEqual(c.nca_workload_name("a", "api-xyz-1", rs), "a/api-xyz(ReplicaSet)")
        ds = [{"kind": "DaemonSet", "name": "calico-node"}]
        self.assertEqual(c.nca_workload_name("kube-system", "calico-node-abc", ds), "kube-system/calico-node(DaemonSet)")

    def test_nca_keeps_two_pods_per_workload_and_labels(self):
        rs = ("ReplicaSet", "api-7d9f8c6b5")
        pods = c.pods_of(
            [
                pod("a", "api-1", {"app": "api"}, owner=rs),
                pod("a", "api-2", {"app": "api"}, owner=rs),
                pod("a", "api-3", {"app": "api"}, owner=rs),
                pod("a", "api-4", {"app": "api", "canary": "yes"}, owner=rs),
                pod("a", "solo", {"app": "api"}),
            ]
        )
        classes = c.nca_classes(pods)
        self.assertEqual(classes["a/api-3"], ["a/api-1", "a/api-2"])
        self.assertEqual(classes["a/api-4"], ["a/api-4"])
        self.assertEqual(classes["a/solo"], ["a/solo"])
        # A dropped pod answers as its class's first kept pod; two pods of one class as the two kept.
        self.assertEqual(c.nca_pair(classes, "a/api-3", "a/solo"), ("a/api-1", "a/solo"))
        self.assertEqual(c.nca_pair(classes, "a/api-3", "a/api-1"), ("a/api-1", "a/api-2"))
        self.assertEqual(c.nca_pair(classes, "a/solo", "a/api-4"), ("a/solo", "a/api-4"))

    def test_nca_input_holds_namespaces_pods_and_policies_only(self):
        items = [
            {"kind": "Namespace"},
            {"kind": "Deployment"},
            {"kind": "Pod"},
            {"kind": "Service"},
            {"kind": "NetworkPolicy"},
        ]
        self.assertEqual([o["kind"] for o in c.nca_input(items)["items"]], ["Namespace", "Pod", "NetworkPolicy"])


class PortClasses(unittest.TestCase):
    def test_one_port_per_class_with_range_edges_and_declared_ports(self):
        items = [
            pod("a", "web", ports=[("http", 8080, "TCP"), ("dns", 53, "UDP")]),
            policy("a", "p", ingress=[{"ports": [{"port": 5000, "endPort": 5500}, {"port": "http"}]}]),
            policy("a", "q", egress=[{"ports": [{"protocol": "SCTP", "port": 3868}, {"protocol": "UDP"}]}]),
        ]
        probes = c.port_classes(items, c.pods_of(items))
        self.assertEqual(
            probes,
            [("TCP", 1), ("TCP", 5000), ("TCP", 8080), ("UDP", 1), ("UDP", 53), ("SCTP", 1), ("SCTP", 3868)],
        )

    def test_overlapping_ranges_split_into_their_intersections(self):
        items = [policy("a", "p", ingress=[{"ports": [{"port": 10, "endPort": 20}, {"port": 15, "endPort": 30}]}])]
        tcp = [port for proto, port in c.port_classes(items, []) if proto == "TCP"]
        self.assertEqual(tcp, [1, 10, 15, 21])


class Compare(unittest.TestCase):
    def setUp(self):
        self.items = [
            pod("a", "web-1", {"app": "web"}, owner=("ReplicaSet", "web-abc")),
            pod("a", "web-2", {"app": "web"}, owner=("ReplicaSet", "web-abc")),
            pod("a", "web-3", {"app": "web"}, owner=("ReplicaSet", "web-abc")),
            pod("a", "db", {"app": "db"}),
            pod("a", "agent", {"app": "agent"}, host=True),
        ]
        self.pods = c.pods_of(self.items)

    def test_cells_are_checked_against_the_kept_pair_and_self_flows_skipped(self):
        nca = [
            ("a/web-1", "a/db", c.parse_connections("{protocols:TCP,dst_ports:5432}")),
            ("a/web-1", "a/web-2", c.parse_connections("All connections")),
        ]
        cells = [
            ("a/web-3", "a/db", 5432, "TCP", True),  # answered by web-1 -> db
            ("a/web-3", "a/db", 80, "TCP", False),
            ("a/web-3", "a/web-1", 80, "TCP", True),  # within the class: web-1 -> web-2
            ("a/db", "a/db", 5432, "TCP", True),  # itself: skipped
            ("a/db", "a/web-2", 80, "TCP", True),  # NCA has no line: blocked
        ]
        result = c.compare(self.pods, nca, cells)
        self.assertEqual((result.cells, result.agree, result.allowed_both), (4, 3, 2))
        [d] = result.disagreements
        self.assertEqual((d.src, d.dst, d.port, d.ours, d.nca), ("a/db", "a/web-2", 80, True, False))

    def test_a_cell_for_an_unknown_pod_is_an_error(self):
        with self.assertRaisesRegex(c.InputError, "not a pod"):
            c.compare(self.pods, [], [("a/ghost", "a/db", 80, "TCP", True)])

    def test_nca_lines_for_pods_it_should_have_dropped_are_reported(self):
        nca = [("a/web-3", "a/db", c.parse_connections("All connections"))]
        self.assertEqual(len(c.compare(self.pods, nca, []).unmatched_nca), 1)


def why(verdict, egress=None, ingress=None):
    def side(policies):
        return {"isolated": policies is not None, "policies": policies or []}

    return {"verdict": verdict, "egress": side(egress), "ingress": side(ingress)}


IPBLOCK_ONLY = {("a", "p", "egress", 0): {"ipBlock"}, ("a", "q", "egress", 0): {"ipBlock", "selector"}}


class Classification(unittest.TestCase):
    def test_a_side_allowed_only_by_ipblocks_on_pod_ips_is_the_documented_exception(self):
        answer = why("allowed", egress=[{"namespace": "a", "name": "p", "matches": [{"rule": 0, "ipBlockOnPod": True}]}])
        self.assertTrue(c.why_explains_by_ip_block(answer, IPBLOCK_ONLY))

    def test_a_selector_match_beside_it_is_not(self):
        answer = why(
            "allowed",
            egress=[
                {"namespace": "a", "name": "p", "matches": [{"rule": 0, "ipBlockOnPod": True}]},
                {"namespace": "a", "name": "r", "matches": [{"rule": 0}]},
            ],
        )
        self.assertFalse(c.why_explains_by_ip_block(answer, IPBLOCK_ONLY))

    def test_a_rule_with_selector_entries_too_is_not(self):
        answer = why("allowed", egress=[{"namespace": "a", "name": "q", "matches": [{"rule": 0, "ipBlockOnPod": True}]}])
        self.assertFalse(c.why_explains_by_ip_block(answer, IPBLOCK_ONLY))

    def test_blocked_flows_are_never_explained(self):
        self.assertFalse(c.why_explains_by_ip_block(why("blocked"), IPBLOCK_ONLY))

    def test_classify_sorts_host_network_ipblock_and_genuine(self):
        pods = c.pods_of(
            [pod("a", "x", node="n1"), pod("a", "y", node="n2"), pod("a", "agent", host=True, node="n1")]
        )
        comparison = c.Comparison(
            disagreements=[
                c.Disagreement("a/x", "a/agent", "TCP", 80, True, False),
                c.Disagreement("a/agent", "a/y", "TCP", 80, True, False),
                c.Disagreement("a/x", "a/y", "TCP", 80, True, False),
                c.Disagreement("a/x", "a/y", "TCP", 81, True, False),
                c.Disagreement("a/y", "a/x", "TCP", 80, False, True),
                c.Disagreement("a/y", "a/x", "TCP", 81, True, False),
            ]
        )
        answers = {
            80: why("allowed", egress=[{"namespace": "a", "name": "p", "matches": [{"rule": 0, "ipBlockOnPod": True}]}]),
            81: why("allowed", ingress=[{"namespace": "a", "name": "r", "matches": [{"rule": 0}]}]),
        }
        asked = []

        def fake_why(src, dst, protocol, port):
            asked.append((src, dst, port))
            return answers[port]

        c.classify(comparison, pods, fake_why, limit=2, peer_kinds=IPBLOCK_ONLY)
        kinds = [d.kind for d in comparison.disagreements]
        self.assertEqual(kinds, ["host-network", "host-network", "ipblock-on-pod-ip", "genuine", "genuine", "unclassified"])
        self.assertEqual(comparison.disagreements[0].detail, c.HOST_SAME_NODE)
        self.assertEqual(comparison.disagreements[1].detail, c.HOST_OTHER_NODE)
        self.assertEqual(asked, [("a/x", "a/y", 80), ("a/x", "a/y", 81)])
        self.assertEqual(comparison.counts(), {"host-network": 2, "ipblock-on-pod-ip": 1, "genuine": 2, "unclassified": 1})

    def test_listing_groups_ports_and_puts_genuine_first(self):
        ds = [
            c.Disagreement("a/x", "a/agent", "TCP", 80, True, False, "host-network"),
            c.Disagreement("a/x", "a/y", "TCP", 80, True, False),
            c.Disagreement("a/x", "a/y", "UDP", 53, True, False),
        ]
        lines = c.disagreement_lines(ds)
        self.assertEqual(lines[0], "genuine: a/x -> a/y at 80/TCP, 53/UDP: kubectl-deny allows, NCA blocks")
        self.assertTrue(lines[1].startswith("host-network: a/x -> a/agent at 80/TCP"))


if __name__ == "__main__":
    unittest.main()
