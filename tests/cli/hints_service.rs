//! Service hints on the egress side (issue 10.16): a DNS egress rule on the Service port while the
//! DNS pods listen elsewhere, and an ipBlock naming a Service's ClusterIP. Fixture:
//! `dns_service_port_egress`.

use crate::harness::{kinds, why, why_json};

#[test]
fn an_egress_rule_on_the_dns_service_port_is_flagged() {
    why("dns_service_port_egress", &["-n", "shop", "web", "kube-system/svc/kube-dns:53/udp"])
        .blocked()
        .stdout_has("on Service port 53/UDP (dns) -> 5353")
        .stdout_has(
            "policy shop/allow-dns egress[0] allows port 53, the port of Service kube-system/kube-dns; traffic reaches \
             the pod at the target port 5353, so the policy must allow 5353 (or the named port dns)",
        );
}

#[test]
fn an_ip_block_naming_the_cluster_ip_is_flagged() {
    why("dns_service_port_egress", &["-n", "shop", "web", "kube-system/svc/kube-dns:53/udp"]).blocked().stdout_has(
        "policy shop/allow-dns-by-address egress[0].to[0] ipBlock 10.96.0.10/32 covers 10.96.0.10, the ClusterIP of \
         Service kube-system/kube-dns: NetworkPolicy sees the traffic after the Service translated the address, to a \
         backend pod (10.244.0.5), never to the ClusterIP.",
    );
    let v = why_json("dns_service_port_egress", &["-n", "shop", "web", "kube-system/coredns-0:5353/udp"]);
    let hints = kinds(&v["hints"]);
    assert!(hints.contains(&"ip-block-cluster-ip") && hints.contains(&"policy-uses-service-port"), "{hints:?}");
}
