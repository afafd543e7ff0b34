//! `why` on one fixture per rule of NetworkPolicy v1 and per pitfall: the verdict and exit status,
//! the key lines of the explanation (deciding policy and rule, nearest miss and what differed,
//! hints and caveats by their text), and the same facts in `-o json`.

use serde_json::{Value, json};

use crate::harness::{kinds, policy, why, why_json};

// ---------------------------------------------------------------------------------------------
// default_deny_ingress

#[test]
fn default_deny_ingress_blocks_ingress_and_leaves_egress_open() {
    why("default_deny_ingress", &["-n", "shop", "web", "api:8080"]).blocked().stdout_lines_in_order(&[
        "BLOCKED  shop/web -> shop/api on TCP 8080",
        "Egress from shop/web: allowed",
        "  not isolated: no NetworkPolicy selects it for egress",
        "Ingress to shop/api: blocked",
        "  isolated by default-deny-ingress (namespace shop)",
        "  - default-deny-ingress: has no ingress rules: denies all ingress",
    ]);
    let v = why_json("default_deny_ingress", &["-n", "shop", "web", "api:8080"]);
    assert_eq!(v["verdict"], "blocked");
    assert_eq!((v["from"].as_str(), v["to"].as_str()), (Some("shop/web"), Some("shop/api")));
    assert_eq!((v["port"].as_u64(), v["protocol"].as_str()), (Some(8080), Some("TCP")));
    assert_eq!((v["egress"]["isolated"].as_bool(), v["egress"]["allowed"].as_bool()), (Some(false), Some(true)));
    assert_eq!((v["ingress"]["isolated"].as_bool(), v["ingress"]["allowed"].as_bool()), (Some(true), Some(false)));
    let deny = policy(&v["ingress"], "default-deny-ingress");
    assert_eq!(deny["allows"], false);
    assert_eq!(deny["ruleCount"], 0);
    assert_eq!(v["egress"]["policies"], json!([]));
}

#[test]
fn default_deny_ingress_does_not_touch_traffic_leaving_the_namespace() {
    why("default_deny_ingress", &["-n", "shop", "web", "1.1.1.1:443"])
        .allowed()
        .stdout_has("Ingress to 1.1.1.1: allowed\n  outside the cluster's pods: no NetworkPolicy applies on this side")
        .stdout_has("1.1.1.1 is outside the cluster's pods: only the source's egress policies apply to it");
}

#[test]
fn default_deny_ingress_without_a_port_answers_no_ports() {
    why("default_deny_ingress", &["-n", "shop", "web", "api"])
        .blocked()
        .stdout_has("BLOCKED  shop/web -> shop/api on any port")
        .stdout_has("Ingress to shop/api: blocked (no ports)");
    let v = why_json("default_deny_ingress", &["-n", "shop", "web", "api"]);
    assert_eq!(v["port"], Value::Null);
    assert_eq!(v["allowedPorts"], json!([]));
}

// ---------------------------------------------------------------------------------------------
// default_deny_egress_blocks_dns

#[test]
fn egress_deny_without_dns_allows_the_flow_but_hints_that_lookups_fail() {
    why("default_deny_egress_blocks_dns", &["-n", "shop", "web", "api:8080"])
        .allowed()
        .stdout_lines_in_order(&[
            "Egress from shop/web: allowed",
            "  isolated by default-deny-egress, web-to-api (namespace shop)",
            "  + web-to-api: egress[0].to[0] podSelector app=api, TCP/8080",
            "  not allowing: default-deny-egress (-o wide for details)",
            "Hints:",
            "shop/web has isolated egress and may not reach the cluster DNS (kube-system pods k8s-app=kube-dns) on \
             UDP 53 and TCP 53: name lookups will fail",
        ])
        .stdout_has("kubectl deny init adds allow-dns");
    let v = why_json("default_deny_egress_blocks_dns", &["-n", "shop", "web", "api:8080"]);
    assert_eq!(kinds(&v["hints"]), ["dns-blocked"]);
    let m = &policy(&v["egress"], "web-to-api")["matches"][0];
    assert_eq!((m["rule"].as_u64(), m["peer"].as_u64(), m["port"].as_u64()), (Some(0), Some(0), Some(0)));
    assert_eq!(m["peerText"], "podSelector app=api");
    assert_eq!(m["portText"], "TCP/8080");
}

#[test]
fn egress_deny_blocks_dns_itself_on_the_egress_side() {
    why("default_deny_egress_blocks_dns", &["-n", "shop", "web", "kube-system/coredns-5d78c9869d-7xk2p:53/udp"])
        .blocked()
        .stdout_lines_in_order(&[
            "BLOCKED  shop/web -> kube-system/coredns-5d78c9869d-7xk2p on UDP 53",
            "Egress from shop/web: blocked",
            "  - default-deny-egress: has no egress rules: denies all egress",
            "  - web-to-api: egress[0].to[0] podSelector app=api does not match",
            "      selects pods in shop only (no namespaceSelector); the peer is in kube-system",
            "      ports: allows TCP/8080",
            "Ingress to kube-system/coredns-5d78c9869d-7xk2p: allowed",
        ]);
}

#[test]
fn egress_deny_with_allow_dns_reaches_the_dns_service_and_gives_no_dns_hint() {
    why("default_deny_egress_blocks_dns", &["-n", "batch", "worker", "kube-system/svc/kube-dns:dns"])
        .allowed()
        .stdout_has("ALLOWED  batch/worker -> kube-system/svc/kube-dns on Service port 53/UDP (dns) -> 53")
        .stdout_has(
            "  + allow-dns: egress[0].to[0] namespaceSelector kubernetes.io/metadata.name=kube-system AND podSelector \
             k8s-app=kube-dns, UDP/53",
        )
        .stdout_lacks("name lookups will fail");
    why("default_deny_egress_blocks_dns", &["-n", "batch", "worker", "shop/api:8080"])
        .blocked()
        .stdout_has(
            "namespace shop: needs kubernetes.io/metadata.name=kube-system but has kubernetes.io/metadata.name=shop",
        )
        .stdout_lacks("name lookups will fail");
}

// ---------------------------------------------------------------------------------------------
// empty_rule_allows_all

#[test]
fn empty_rule_admits_every_peer_on_every_port_and_protocol() {
    why("empty_rule_allows_all", &["elsewhere/client", "shop/open:9999/udp"])
        .allowed()
        .stdout_has("  + open-door: ingress[0] from every peer, every port");
    why("empty_rule_allows_all", &["203.0.113.9", "shop/open:22"]).allowed();
    why("empty_rule_allows_all", &["elsewhere/client", "shop/open"])
        .allowed()
        .stdout_has("ALLOWED  elsewhere/client -> shop/open on all ports");
    let v = why_json("empty_rule_allows_all", &["elsewhere/client", "shop/open:9999/udp"]);
    let m = &policy(&v["ingress"], "open-door")["matches"][0];
    assert_eq!(m["rule"], 0);
    assert!(m.get("peer").is_none() && m.get("port").is_none(), "no entry index for a rule without entries: {m}");
    assert_eq!((m["peerText"].as_str(), m["portText"].as_str()), (Some("every peer"), Some("every port")));
}

#[test]
fn empty_rule_list_admits_nothing() {
    why("empty_rule_allows_all", &["elsewhere/client", "shop/closed:8080"])
        .blocked()
        .stdout_has("  - closed-door: has no ingress rules: denies all ingress");
    why("empty_rule_allows_all", &["shop/open", "shop/closed"]).blocked().stdout_has("blocked (no ports)");
    let v = why_json("empty_rule_allows_all", &["elsewhere/client", "shop/closed:8080"]);
    assert_eq!(policy(&v["ingress"], "closed-door")["ruleCount"], 0);
}

#[test]
fn empty_from_list_admits_every_peer_on_the_rule_ports_only() {
    why("empty_rule_allows_all", &["elsewhere/client", "shop/empty-from:8080"])
        .allowed()
        .stdout_has("  + empty-from: ingress[0] from every peer, TCP/8080");
    why("empty_rule_allows_all", &["elsewhere/client", "shop/empty-from:8081"]).blocked().stdout_lines_in_order(&[
        "  - empty-from: ingress[0] admits every peer, but not the port",
        "      ports: allows TCP/8080",
    ]);
    why("empty_rule_allows_all", &["elsewhere/client", "shop/empty-from"]).allowed().stdout_has("on TCP 8080\n");
}

// ---------------------------------------------------------------------------------------------
// and_vs_or_peers

#[test]
fn both_selectors_in_one_entry_mean_and() {
    why("and_vs_or_peers", &["tools/client", "shop/db:5432"])
        .allowed()
        .stdout_has("  + db-and: ingress[0].from[0] namespaceSelector team=tools AND podSelector app=client, TCP/5432");
}

#[test]
fn and_entry_with_only_the_namespace_matching_blocks_and_hints_at_or() {
    why("and_vs_or_peers", &["tools/debug", "shop/db:5432"])
        .blocked()
        .stdout_lines_in_order(&[
            "  - db-and: ingress[0].from[0] namespaceSelector team=tools AND podSelector app=client does not match",
            "      pod: needs app=client but has app=debug",
            "Hints:",
            "policy shop/db-and ingress[0].from[0] puts podSelector and namespaceSelector in one entry, which means \
             AND: its namespaceSelector matches but its podSelector does not",
        ])
        .stdout_lacks("namespace tools:");
    let v = why_json("and_vs_or_peers", &["tools/debug", "shop/db:5432"]);
    assert_eq!(kinds(&v["hints"]), ["and-not-or"]);
    let miss = &policy(&v["ingress"], "db-and")["nearestMiss"];
    assert_eq!((miss["rule"].as_u64(), miss["peer"].as_u64()), (Some(0), Some(0)));
    assert_eq!(miss["peerMiss"]["reason"], "labels");
    assert_eq!(miss["peerMiss"]["bothSelectors"], true);
    assert_eq!(miss["peerMiss"]["pod"][0]["requirement"], "app=client");
    assert_eq!(miss["peerMiss"]["pod"][0]["actual"], "debug");
}

#[test]
fn and_entry_with_only_the_pod_matching_names_the_missing_namespace_label() {
    why("and_vs_or_peers", &["shop/client", "shop/db:5432"])
        .blocked()
        .stdout_has("      namespace shop: needs team=tools but has no team label")
        .stdout_has("its podSelector matches but its namespaceSelector does not")
        .stdout_has(
            "namespace shop would match policy shop/db-and if it had the label team=tools: kubectl label namespace \
             shop team=tools",
        );
}

#[test]
fn two_entries_mean_or_and_a_lone_namespace_selector_admits_the_whole_namespace() {
    why("and_vs_or_peers", &["tools/debug", "shop/cache:6379"])
        .allowed()
        .stdout_has("  + cache-or: ingress[0].from[0] namespaceSelector team=tools, TCP/6379")
        .stdout_has(
            "policy shop/cache-or ingress[0].from[0] is a namespaceSelector on its own, which admits every pod of the \
             matching namespaces",
        );
    why("and_vs_or_peers", &["shop/client", "shop/cache:6379"])
        .allowed()
        .stdout_has("  + cache-or: ingress[0].from[1] podSelector app=client, TCP/6379")
        .stdout_lacks("Hints:");
    let v = why_json("and_vs_or_peers", &["tools/debug", "shop/cache:6379"]);
    assert_eq!(kinds(&v["hints"]), ["or-not-and"]);
}

// ---------------------------------------------------------------------------------------------
// pod_selector_own_namespace_only

#[test]
fn pod_selector_without_namespace_selector_selects_the_policy_namespace_only() {
    why("pod_selector_own_namespace_only", &["shop/frontend", "shop/api:8080"])
        .allowed()
        .stdout_has("  + api-from-frontend: ingress[0].from[0] podSelector app=frontend, TCP/8080");
    why("pod_selector_own_namespace_only", &["preview/frontend", "shop/api:8080"])
        .blocked()
        .stdout_lines_in_order(&[
            "  - api-from-frontend: ingress[0].from[0] podSelector app=frontend does not match",
            "      selects pods in shop only (no namespaceSelector); the peer is in preview",
            "Hints:",
            "has a podSelector without a namespaceSelector, so it only selects pods in shop; the peer is in preview. \
             Add a namespaceSelector (e.g. kubernetes.io/metadata.name: preview) to the same entry",
        ])
        .stdout_lacks("pod: needs");
    let v = why_json("pod_selector_own_namespace_only", &["preview/frontend", "shop/api:8080"]);
    let miss = &policy(&v["ingress"], "api-from-frontend")["nearestMiss"]["peerMiss"];
    assert_eq!(miss["reason"], "other-namespace");
    assert_eq!((miss["policyNamespace"].as_str(), miss["peerNamespace"].as_str()), (Some("shop"), Some("preview")));
    assert_eq!(kinds(&v["hints"]), ["pod-selector-namespace"]);
}

// ---------------------------------------------------------------------------------------------
// namespace_selector_metadata_name

#[test]
fn namespace_selector_on_the_metadata_name_label_selects_by_name() {
    why("namespace_selector_metadata_name", &["monitoring/prometheus-0", "shop/api:metrics"])
        .allowed()
        .stdout_has("ALLOWED  monitoring/prometheus-0 -> shop/api on TCP 9102 (metrics)")
        .stdout_has("  + allow-prometheus: ingress[0].from[0] namespaceSelector kubernetes.io/metadata.name=monitoring, TCP/metrics");
}

#[test]
fn the_metadata_name_label_cannot_be_overridden_by_the_namespace_manifest() {
    // shop's manifest claims kubernetes.io/metadata.name=monitoring; the API server sets it to shop.
    why("namespace_selector_metadata_name", &["shop/sidecar-test", "shop/api:metrics"]).blocked().stdout_has(
        "namespace shop: needs kubernetes.io/metadata.name=monitoring but has kubernetes.io/metadata.name=shop",
    );
}

#[test]
fn a_namespace_label_nobody_set_matches_nothing() {
    // Rule 1 admits namespaces labelled name=monitoring; the monitoring namespace has no such label.
    why("namespace_selector_metadata_name", &["monitoring/prometheus-0", "shop/api:http"])
        .blocked()
        .stdout_has("BLOCKED  monitoring/prometheus-0 -> shop/api on TCP 8080 (http)")
        .stdout_has("(nearest of 2 rules)");
}

// ---------------------------------------------------------------------------------------------
// named_port_on_destination

#[test]
fn named_port_in_an_egress_rule_resolves_on_the_destination_not_the_source() {
    why("named_port_on_destination", &["-n", "shop", "web", "api:8080"])
        .allowed()
        .stdout_has("  + web-egress: egress[0].to[0] podSelector tier=backend, TCP/http")
        .stdout_has("  + backend-ingress: ingress[0].from[0] podSelector app=web, TCP/http");
    // 9090 is web's own "http": it means nothing for traffic to api.
    why("named_port_on_destination", &["-n", "shop", "web", "api:9090"]).blocked().stdout_lines_in_order(&[
        "  - web-egress: egress[0].to[0] podSelector tier=backend matches, but not the port",
        "      ports: allows TCP/http (on this destination: TCP 8080)",
        "  - backend-ingress: ingress[0].from[0] podSelector app=web matches, but not the port",
        "      ports: allows TCP/http (on this destination: TCP 8080)",
    ]);
}

#[test]
fn named_port_on_the_command_line_resolves_on_the_destination() {
    why("named_port_on_destination", &["-n", "shop", "web", "api:http"])
        .allowed()
        .stdout_has("ALLOWED  shop/web -> shop/api on TCP 8080 (http)");
    let v = why_json("named_port_on_destination", &["-n", "shop", "web", "api:http"]);
    assert_eq!((v["port"].as_u64(), v["portName"].as_str()), (Some(8080), Some("http")));
}

#[test]
fn named_port_admits_nothing_on_a_destination_without_that_name() {
    why("named_port_on_destination", &["-n", "shop", "web", "legacy:8080"])
        .blocked()
        .stdout_has("ports: allows TCP/http (the destination declares no TCP port named http)");
}

#[test]
fn which_ports_resolves_named_ports_to_numbers() {
    why("named_port_on_destination", &["-n", "shop", "web", "api"])
        .allowed()
        .stdout_has("ALLOWED  shop/web -> shop/api on TCP 8080\n")
        .stdout_has("Egress from shop/web: allowed (TCP 8080)");
    let v = why_json("named_port_on_destination", &["-n", "shop", "web", "api"]);
    assert_eq!(v["allowedPorts"], json!([{"protocol": "TCP", "port": 8080}]));
}

// ---------------------------------------------------------------------------------------------
// named_port_protocol_mismatch

#[test]
fn named_port_without_protocol_is_tcp_and_misses_a_udp_port_of_that_name() {
    for to in ["kube-system/coredns-0:53/udp", "kube-system/coredns-0:dns"] {
        why("named_port_protocol_mismatch", &["-n", "shop", "web", to]).blocked().stdout_lines_in_order(&[
            "  - dns-by-name-wrong: egress[0].to[0] namespaceSelector {} AND podSelector k8s-app=kube-dns matches, but \
             not the port",
            "      ports: allows TCP/dns (the destination declares no TCP port named dns)",
        ]);
    }
    why("named_port_protocol_mismatch", &["-n", "shop", "web", "kube-system/coredns-0"])
        .blocked()
        .stdout_has("Egress from shop/web: blocked (no ports)");
}

#[test]
fn named_port_with_its_protocol_matches() {
    why("named_port_protocol_mismatch", &["-n", "shop", "worker", "kube-system/coredns-0:dns"])
        .allowed()
        .stdout_has("ALLOWED  shop/worker -> kube-system/coredns-0 on UDP 53 (dns)")
        .stdout_has("UDP/dns");
    why("named_port_protocol_mismatch", &["-n", "shop", "worker", "kube-system/coredns-0:53"])
        .allowed()
        .stdout_has("TCP/dns-tcp");
    let v = why_json("named_port_protocol_mismatch", &["-n", "shop", "worker", "kube-system/coredns-0"]);
    assert_eq!(v["allowedPorts"], json!([{"protocol": "TCP", "port": 53}, {"protocol": "UDP", "port": 53}]));
}

// ---------------------------------------------------------------------------------------------
// end_port_range

#[test]
fn end_port_is_an_inclusive_range() {
    for port in ["30000", "30050", "30100"] {
        why("end_port_range", &["-n", "media", "client", &format!("relay:{port}")])
            .allowed()
            .stdout_has("  + rtp-range: ingress[0].from[0] podSelector app=client, TCP/30000-30100");
    }
    for port in ["29999", "30101"] {
        why("end_port_range", &["-n", "media", "client", &format!("relay:{port}")])
            .blocked()
            .stdout_has("ports: allows TCP/30000-30100");
    }
    why("end_port_range", &["-n", "media", "client", "relay:30050/udp"]).blocked();
    let v = why_json("end_port_range", &["-n", "media", "client", "relay"]);
    assert_eq!(v["allowedPorts"], json!([{"protocol": "TCP", "port": 30000, "endPort": 30100}]));
}

// ---------------------------------------------------------------------------------------------
// udp_never_tcp, sctp

#[test]
fn a_udp_rule_never_admits_tcp() {
    why("udp_never_tcp", &["-n", "games", "player", "server:7777"])
        .blocked()
        .stdout_has("BLOCKED  games/player -> games/server on TCP 7777")
        .stdout_has("ports: allows UDP/7777, UDP/*");
    why("udp_never_tcp", &["-n", "games", "player", "server:7777/udp"]).allowed().stdout_has("UDP/7777\n");
    why("udp_never_tcp", &["-n", "games", "player", "server:9/UDP"]).allowed().stdout_has(", UDP/*\n");
    why("udp_never_tcp", &["-n", "games", "player", "server"]).allowed().stdout_has("on all UDP ports");
    why("udp_never_tcp", &["-n", "games", "player", "server/tcp"]).blocked().stdout_has("on any TCP port");
}

#[test]
fn protocol_without_port_restricts_the_sides_too() {
    // Only UDP is admitted; asked about TCP, the verdict is blocked, and so must be the ingress
    // side that blocks it (its evidence said "allowed (all UDP ports)").
    why("udp_never_tcp", &["-n", "games", "player", "server/tcp"])
        .blocked()
        .stdout_lacks("Ingress to games/server: allowed")
        .stdout_has("Ingress to games/server: blocked");
    let v = why_json("udp_never_tcp", &["-n", "games", "player", "server/tcp"]);
    assert_eq!(v["verdict"], "blocked");
    assert_eq!(v["ingress"]["allowed"], false, "{v:#}");
}

#[test]
fn an_sctp_rule_admits_sctp_only_with_a_caveat() {
    why("sctp", &["-n", "telco", "mme-0", "hss-0:3868/sctp"])
        .allowed()
        .stdout_has("  + diameter: ingress[0].from[0] podSelector app=mme, SCTP/3868")
        .stdout_has("SCTP support depends on the network plugin");
    why("sctp", &["-n", "telco", "mme-0", "hss-0:diameter"]).allowed().stdout_has("on SCTP 3868 (diameter)");
    why("sctp", &["-n", "telco", "mme-0", "hss-0:3868"])
        .blocked()
        .stdout_has("ports: allows SCTP/3868")
        .stdout_lacks("SCTP support");
    why("sctp", &["-n", "telco", "mme-0", "hss-0:3868/udp"]).blocked();
    let v = why_json("sctp", &["-n", "telco", "mme-0", "hss-0:3868/sctp"]);
    assert_eq!(v["protocol"], "SCTP");
    assert_eq!(kinds(&v["caveats"]), ["sctp"]);
}

// ---------------------------------------------------------------------------------------------
// ip_block_except

#[test]
fn ip_block_admits_addresses_inside_the_cidr() {
    why("ip_block_except", &["-n", "shop", "api", "93.184.216.34:443"]).allowed().stdout_has(
        "  + api-egress: egress[0].to[0] ipBlock 0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, TCP/443",
    );
    why("ip_block_except", &["-n", "shop", "api", "93.184.216.34:80"])
        .blocked()
        .stdout_has("matches, but not the port");
}

#[test]
fn ip_block_except_carves_ranges_out_of_the_cidr() {
    why("ip_block_except", &["-n", "shop", "api", "10.1.2.3:443"])
        .blocked()
        .stdout_has("      10.1.2.3 is in 0.0.0.0/0 but excepted by 10.0.0.0/8");
    why("ip_block_except", &["-n", "shop", "api", "172.16.5.4:443"])
        .blocked()
        .stdout_has("      172.16.5.4 is in 0.0.0.0/0 but excepted by 172.16.0.0/12");
    let v = why_json("ip_block_except", &["-n", "shop", "api", "10.1.2.3:443"]);
    let miss = &policy(&v["egress"], "api-egress")["nearestMiss"]["peerMiss"];
    assert_eq!(miss, &json!({"reason": "excepted", "ip": "10.1.2.3", "cidr": "0.0.0.0/0", "except": "10.0.0.0/8"}));
}

#[test]
fn an_ipv4_block_does_not_cover_ipv6_addresses() {
    why("ip_block_except", &["-n", "shop", "api", "[2001:db8::1]:443"])
        .blocked()
        .stdout_has("BLOCKED  shop/api -> 2001:db8::1 on TCP 443")
        .stdout_has("      2001:db8::1 is outside 0.0.0.0/0");
}

// ---------------------------------------------------------------------------------------------
// ip_block_pod_ip

#[test]
fn ip_block_matches_pod_ips_with_a_caveat() {
    why("ip_block_pod_ip", &["-n", "data", "app-on-b", "db-0:5432"])
        .allowed()
        .stdout_has("  + db-from-node-b: ingress[0].from[0] ipBlock 10.244.1.0/24 except 10.244.1.66/32, TCP/5432")
        .stdout_has("an ipBlock rule matched a pod's IP: the upstream conformance tests expect this");
    let v = why_json("ip_block_pod_ip", &["-n", "data", "app-on-b", "db-0:5432"]);
    assert_eq!(policy(&v["ingress"], "db-from-node-b")["matches"][0]["ipBlockOnPod"], true);
    assert_eq!(kinds(&v["caveats"]), ["ip-block-pod-ip"]);
}

#[test]
fn ip_block_except_and_outside_apply_to_pod_ips() {
    why("ip_block_pod_ip", &["-n", "data", "canary-on-b", "db-0:5432"])
        .blocked()
        .stdout_has("10.244.1.66 is in 10.244.1.0/24 but excepted by 10.244.1.66/32")
        .stdout_lacks("matched a pod's IP");
    why("ip_block_pod_ip", &["-n", "data", "app-on-c", "db-0:5432"])
        .blocked()
        .stdout_has("10.244.2.7 is outside 10.244.1.0/24");
}

#[test]
fn ip_block_cannot_match_a_pod_without_an_ip() {
    why("ip_block_pod_ip", &["-n", "data", "pending", "db-0:5432"]).blocked().stdout_lines_in_order(&[
        "      the peer has no IP, so an ipBlock cannot match it",
        "Caveats:",
        "the source data/pending is Pending, not Running: the verdict is what policy says once it runs",
        "the source data/pending has no IP yet, so ipBlock rules could not be checked against it",
    ]);
}

#[test]
fn a_pod_ip_as_endpoint_is_that_pod() {
    why("ip_block_pod_ip", &["-n", "data", "10.244.1.7", "db-0:5432"]).allowed().stdout_lines_in_order(&[
        "ALLOWED  data/app-on-b -> data/db-0 on TCP 5432",
        "  10.244.1.7 is the IP of pod data/app-on-b",
    ]);
    why("ip_block_pod_ip", &["-n", "data", "10.244.1.99", "db-0:5432"]).allowed().stdout_has(
        "Egress from 10.244.1.99: allowed\n  outside the cluster's pods: no NetworkPolicy applies on this side",
    );
}

// ---------------------------------------------------------------------------------------------
// self_traffic

#[test]
fn a_pod_always_reaches_itself() {
    why("self_traffic", &["-n", "shop", "web-0", "web-0:8080"])
        .allowed()
        .stdout_lines_in_order(&[
            "ALLOWED  shop/web-0 -> shop/web-0 on TCP 8080",
            "a pod can always reach itself; no NetworkPolicy applies",
        ])
        .stdout_lacks("Egress from");
    why("self_traffic", &["-n", "shop", "web-0", "web-0"]).allowed().stdout_has("on all ports");
    why("self_traffic", &["-n", "shop", "10.244.0.120", "web-0:8080"]).allowed();
    let v = why_json("self_traffic", &["-n", "shop", "web-0", "web-0:8080"]);
    assert_eq!(v["verdict"], "allowed");
    assert_eq!(v["overrideReason"], "self-traffic");
    assert!(kinds(&v["caveats"]).contains(&"self-traffic"));
}

#[test]
fn a_pod_reaches_itself_through_its_own_service_but_not_its_sibling() {
    why("self_traffic", &["-n", "shop", "web-0", "svc/web:80"]).allowed().stdout_has("a pod can always reach itself");
    why("self_traffic", &["-n", "shop", "web-0", "web-1:8080"])
        .blocked()
        .stdout_has("  - default-deny-all: has no egress rules: denies all egress")
        .stdout_has("  - default-deny-all: has no ingress rules: denies all ingress");
}

// ---------------------------------------------------------------------------------------------
// node_local, host_network

#[test]
fn traffic_between_a_pod_and_its_own_node_is_always_allowed() {
    for args in [["192.168.10.1", "web:8080"], ["web", "192.168.10.1:10250"]] {
        why("node_local", &[&["-n", "shop"][..], &args[..]].concat())
            .allowed()
            .stdout_has("traffic between a pod and its own node is always allowed")
            .stdout_has("(kubelet probes use this path)");
    }
    let v = why_json("node_local", &["-n", "shop", "192.168.10.1", "web:8080"]);
    assert_eq!(v["overrideReason"], "node-local");
}

#[test]
fn traffic_from_another_node_needs_an_ip_block() {
    why("node_local", &["-n", "shop", "192.168.10.2", "web:8080"])
        .blocked()
        .stdout_has("  - default-deny-all: has no ingress rules: denies all ingress")
        .stdout_has(
            "192.168.10.2 is node node-b: traffic from a pod's own node is always allowed, but from other nodes it \
             needs an ipBlock rule covering the node addresses",
        );
    why("node_local", &["-n", "shop", "web", "192.168.10.2:10250"]).blocked();
}

#[test]
fn host_network_pods_are_not_isolated_and_not_matched_by_pod_selectors() {
    why("host_network", &["-n", "monitoring", "node-exporter-b", "web:8080"]).blocked().stdout_lines_in_order(&[
        "Egress from monitoring/node-exporter-b: allowed",
        "  a host-network pod: NetworkPolicy does not apply to it",
        "  - web-from-exporters: ingress[0].from[0] podSelector app=node-exporter does not match",
        "      the peer uses the host network: selectors do not match it (its traffic has the node's IP)",
        "Caveats:",
        "the source monitoring/node-exporter-b uses the host network",
    ]);
    why("host_network", &["-n", "monitoring", "web", "node-exporter-b:9100"]).blocked().stdout_has(
        "Ingress to monitoring/node-exporter-b: allowed\n  a host-network pod: NetworkPolicy does not apply to it",
    );
    let v = why_json("host_network", &["-n", "monitoring", "node-exporter-b", "web:8080"]);
    assert_eq!(v["egress"]["applies"], false);
    assert_eq!(v["egress"]["notApplied"], "host-network");
    assert_eq!(policy(&v["ingress"], "web-from-exporters")["nearestMiss"]["peerMiss"]["reason"], "host-network");
    assert!(kinds(&v["caveats"]).contains(&"host-network"));
}

#[test]
fn a_host_network_pod_and_a_pod_on_the_same_node_are_node_local() {
    why("host_network", &["-n", "monitoring", "node-exporter-a", "web:8080"])
        .allowed()
        .stdout_has("traffic between a pod and its own node is always allowed");
    why("host_network", &["-n", "monitoring", "web", "node-exporter-a:9100"]).allowed();
}

// ---------------------------------------------------------------------------------------------
// policy_types_defaulting, rules_ignored_by_policy_types

#[test]
fn absent_policy_types_with_ingress_rules_only_isolate_ingress() {
    why("policy_types_defaulting", &["-n", "lab", "a", "8.8.8.8:53/udp"])
        .allowed()
        .stdout_has("Egress from lab/a: allowed\n  not isolated: no NetworkPolicy selects it for egress");
    why("policy_types_defaulting", &["-n", "lab", "c", "a:80"])
        .allowed()
        .stdout_has("  + ingress-rules-only: ingress[0].from[0] podSelector app=c, every port");
    let v = why_json("policy_types_defaulting", &["-n", "lab", "c", "a:80"]);
    assert_eq!(policy(&v["ingress"], "ingress-rules-only")["policyTypesDefaulted"], true);
}

#[test]
fn absent_policy_types_with_egress_rules_isolate_both_directions() {
    why("policy_types_defaulting", &["-n", "lab", "a", "b:80"])
        .blocked()
        .stdout_has("  - egress-rules-only: has no ingress rules: denies all ingress");
    why("policy_types_defaulting", &["-n", "lab", "a", "b:80", "-o", "wide"])
        .blocked()
        .stdout_has("      policyTypes absent; defaulted by the API server");
    why("policy_types_defaulting", &["-n", "lab", "b", "a:80"])
        .blocked()
        .stdout_has("  - egress-rules-only: egress[0].to[0] podSelector app=c does not match");
}

#[test]
fn absent_policy_types_with_an_empty_egress_list_isolate_ingress_only() {
    why("policy_types_defaulting", &["-n", "lab", "c", "8.8.8.8:443"])
        .allowed()
        .stdout_has("Egress from lab/c: allowed\n  not isolated");
    why("policy_types_defaulting", &["-n", "lab", "a", "c:80"])
        .blocked()
        .stdout_has("  - empty-egress-list: has no ingress rules: denies all ingress");
}

#[test]
fn rules_for_a_direction_missing_from_policy_types_are_ignored_with_a_hint() {
    why("rules_ignored_by_policy_types", &["-n", "shop", "web", "api:8080"])
        .blocked()
        .stdout_has("isolated by default-deny-egress (namespace shop)")
        .stdout_has(
            "policy shop/web-to-api has egress rules, but its policyTypes does not include Egress: those rules have \
             no effect. Add Egress to policyTypes",
        );
    let v = why_json("rules_ignored_by_policy_types", &["-n", "shop", "web", "api:8080"]);
    assert!(kinds(&v["hints"]).contains(&"rules-ignored"));
    assert!(v["egress"]["policies"].as_array().is_some_and(|p| p.len() == 1), "web-to-api does not isolate egress");
}

// ---------------------------------------------------------------------------------------------
// service_port_vs_target_port

#[test]
fn asking_about_the_service_port_on_a_pod_hints_at_the_target_port() {
    why("service_port_vs_target_port", &["-n", "shop", "web", "api-1:80"])
        .blocked()
        .stdout_has("ports: allows TCP/8080")
        .stdout_has(
            "80 is the port of Service shop/api, which forwards to the pod's port 8080: NetworkPolicy applies after \
             the Service translates the port, so ask about 8080 (or use svc/api as the destination)",
        );
    let v = why_json("service_port_vs_target_port", &["-n", "shop", "web", "api-1:80"]);
    assert_eq!(kinds(&v["hints"]), ["service-port"]);
}

#[test]
fn a_service_is_evaluated_at_the_target_port_of_each_backend() {
    why("service_port_vs_target_port", &["-n", "shop", "web", "svc/api:80"]).allowed().stdout_lines_in_order(&[
        "ALLOWED  shop/web -> shop/svc/api on Service port 80/TCP (http) -> 8080",
        "To shop/api-1, shop/api-2 at Service port 80/TCP (http) -> 8080: allowed",
        "    + api-ingress: ingress[0].from[0] podSelector app=web, TCP/8080",
    ]);
    why("service_port_vs_target_port", &["-n", "shop", "web", "svc/api"]).allowed();
    let v = why_json("service_port_vs_target_port", &["-n", "shop", "web", "svc/api:80"]);
    assert_eq!((v["to"].as_str(), v["port"].as_u64()), (Some("shop/svc/api"), Some(80)));
    let evaluations = v["evaluations"].as_array().expect("one evaluation per backend");
    assert_eq!(evaluations.len(), 2);
    for e in evaluations {
        assert_eq!((e["port"].as_u64(), e["verdict"].as_str()), (Some(8080), Some("allowed")));
        assert_eq!(e["servicePort"], "80/TCP (http) -> 8080");
    }
}

#[test]
fn a_policy_allowing_the_service_port_instead_of_the_target_port_gets_a_hint() {
    for to in ["svc/admin:http", "svc/admin:80", "admin-0:3000"] {
        why("service_port_vs_target_port", &["-n", "shop", "web", to])
            .blocked()
            .stdout_has("ports: allows TCP/80")
            .stdout_has(
                "policy shop/admin-ingress ingress[0] allows port 80, the port of Service shop/admin; traffic reaches \
                 the pod at the target port 3000, so the policy must allow 3000 (or the named port http)",
            );
    }
}

#[test]
fn a_cluster_ip_destination_is_evaluated_as_its_service() {
    // admin-ingress admits web on 80, but traffic to the ClusterIP reaches admin-0 on 3000: the
    // same flow as `svc/admin:80`, which is blocked.
    why("service_port_vs_target_port", &["-n", "shop", "web", "svc/admin:80"]).blocked();
    why("service_port_vs_target_port", &["-n", "shop", "web", "10.96.100.2:80"])
        .blocked()
        .stdout_lacks("outside the cluster's pods");
}

// ---------------------------------------------------------------------------------------------
// service_without_selector

#[test]
fn a_service_without_selector_is_evaluated_at_its_endpoint_slice_backends() {
    why("service_without_selector", &["-n", "shop", "web", "svc/db:5432"]).blocked().stdout_lines_in_order(&[
        "BLOCKED  shop/web -> shop/svc/db on Service port 5432/TCP (pg) -> 6432",
        "To shop/pgbouncer-0 at Service port 5432/TCP (pg) -> 6432: allowed",
        "    + web-egress: egress[0].to[0] podSelector app=pgbouncer, TCP/6432",
        "To 192.0.2.50 at Service port 5432/TCP (pg) -> 6432: blocked",
        "        192.0.2.50 is not a pod, and selectors only match pods",
    ]);
    let v = why_json("service_without_selector", &["-n", "shop", "web", "svc/db:pg"]);
    let verdicts: Vec<(&str, &str)> = v["evaluations"]
        .as_array()
        .expect("two backends")
        .iter()
        .map(|e| (e["to"].as_str().unwrap_or_default(), e["verdict"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(verdicts, [("shop/pgbouncer-0", "allowed"), ("192.0.2.50", "blocked")]);
    // The overall verdict's sides are those of the blocked backend.
    assert_eq!(v["verdict"], "blocked");
    assert_eq!(v["ingress"]["subject"], "192.0.2.50");
}

#[test]
fn a_selectorless_service_backend_pod_is_evaluated_at_the_endpoint_slice_port() {
    // Same as the fixture with `targetPort` left out (it defaults to 5432): the EndpointSlice
    // still says pgbouncer-0 receives on 6432, and kube-proxy forwards there.
    let manifests =
        std::fs::read_to_string(crate::harness::fixtures_dir().join("service_without_selector/manifests.yaml"))
            .expect("the fixture");
    let edited = manifests.replace("{name: pg, port: 5432, targetPort: 6432}", "{name: pg, port: 5432}");
    assert_ne!(edited, manifests);
    let run = crate::harness::Deny::new(&["why", "-f", "-", "-n", "shop", "web", "svc/db:5432", "-o", "json"])
        .stdin(edited.as_bytes())
        .run();
    let v = run.json();
    let pod = v["evaluations"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["to"] == "shop/pgbouncer-0"))
        .unwrap_or_else(|| panic!("pgbouncer-0 is a backend:\n{run}"));
    assert_eq!(pod["port"], 6432, "{pod:#}");
    assert_eq!(pod["verdict"], "allowed", "{pod:#}");
}

// ---------------------------------------------------------------------------------------------
// workload_template_no_pods

#[test]
fn workloads_without_pods_are_evaluated_from_their_pod_template() {
    why("workload_template_no_pods", &["-n", "shop", "cronjob/report", "deploy/api:http"])
        .allowed()
        .stdout_lines_in_order(&[
            "ALLOWED  shop/cronjob/report -> shop/deploy/api on TCP 8080 (http)",
            "  cronjob/report has no pods; evaluated from its pod template (labels and ports), without an IP",
            "  deploy/api has no pods; evaluated from its pod template (labels and ports), without an IP",
            "Egress from shop/cronjob/report: allowed",
            "  + report-egress: egress[0].to[0] podSelector app=api, TCP/http",
            "Ingress to shop/deploy/api: allowed",
            "  + api-allow: ingress[0].from[0] podSelector app=report, TCP/http",
        ]);
    why("workload_template_no_pods", &["-n", "shop", "cj/report", "deploy/api"]).allowed().stdout_has("on TCP 8080\n");
    why("workload_template_no_pods", &["-n", "shop", "deploy/api", "sts/db:postgres"])
        .blocked()
        .stdout_has("BLOCKED  shop/deploy/api -> shop/sts/db on TCP 5432 (postgres)");
    let v = why_json("workload_template_no_pods", &["-n", "shop", "cronjob/report", "deploy/api:http"]);
    assert_eq!((v["from"].as_str(), v["to"].as_str()), (Some("shop/cronjob/report"), Some("shop/deploy/api")));
    assert_eq!(v["notes"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_workload_with_pods_is_evaluated_as_one_of_them() {
    why("matrix_grouping", &["-n", "shop", "web-a", "api-0:http"]).allowed();
    // `examples/` has Deployments with pods; here the fixture has only pods, and the note names the
    // pod evaluated when a workload has several.
    let run = crate::harness::Deny::new(&[
        "why",
        "-f",
        "../../../examples",
        "-n",
        "production",
        "deploy/frontend",
        "deploy/api:http",
    ])
    .run();
    run.allowed()
        .stdout_has("  deploy/frontend has 2 pods; evaluated as pod frontend-6d8f7c9b5-2lq8x")
        .stdout_has("  deploy/api has 2 pods; evaluated as pod api-7b9c5d4f6-kx7mn");
}

// ---------------------------------------------------------------------------------------------
// multiple_policies_union

#[test]
fn policies_selecting_a_pod_add_up() {
    why("multiple_policies_union", &["-n", "shop", "frontend", "api:8080"])
        .allowed()
        .stdout_has("  isolated by allow-batch, allow-frontend (namespace shop)")
        .stdout_has("  + allow-frontend: ingress[0].from[0] podSelector app=frontend, TCP/8080")
        .stdout_has("  not allowing: allow-batch (-o wide for details)");
    why("multiple_policies_union", &["-n", "shop", "batch", "api:9999"])
        .allowed()
        .stdout_has("  + allow-batch: ingress[0].from[0] podSelector app=batch, every port");
    why("multiple_policies_union", &["-n", "shop", "frontend", "api:8080", "-o", "wide"])
        .allowed()
        .stdout_has("  - allow-batch: ingress[0].from[0] podSelector app=batch does not match");
}

#[test]
fn a_flow_no_policy_admits_shows_the_nearest_miss_of_each() {
    why("multiple_policies_union", &["-n", "shop", "intruder", "api:8080"]).blocked().stdout_lines_in_order(&[
        "  - allow-batch: ingress[0].from[0] podSelector app=batch does not match",
        "      pod: needs app=batch but has app=intruder",
        "  - allow-frontend: ingress[0].from[0] podSelector app=frontend does not match",
        "      pod: needs app=frontend but has app=intruder",
    ]);
    let v = why_json("multiple_policies_union", &["-n", "shop", "frontend", "api:9999"]);
    let frontend = &policy(&v["ingress"], "allow-frontend")["nearestMiss"];
    assert!(frontend.get("peer_miss").is_none(), "the peer matched: {frontend}");
    assert_eq!(frontend["portMiss"]["rulePorts"], json!(["TCP/8080"]));
    assert_eq!(policy(&v["ingress"], "allow-batch")["nearestMiss"]["peerMiss"]["reason"], "labels");
}

// ---------------------------------------------------------------------------------------------
// namespace_labels_unknown

#[test]
fn a_namespace_not_read_has_only_its_name_label_with_a_caveat() {
    // Issue 10, item 19: the verdict and the side it decides say that they rest on labels that
    // were not read, not only the caveat at the end.
    why("namespace_labels_unknown", &["tools/debug", "shop/api:8080"]).blocked().stdout_lines_in_order(&[
        "BLOCKED  tools/debug -> shop/api on TCP 8080",
        "  as far as the labels of namespace tools are known: they were not read (see Caveats)",
        "Ingress to shop/api: blocked, as far as the labels of namespace tools are known (they were not read)",
    ]);
    why("namespace_labels_unknown", &["tools/debug", "shop/api:8080"]).blocked().stdout_lines_in_order(&[
        "      namespace tools: needs team=tools but has no team label",
        "      (namespace tools's labels were not read)",
        "Hints:",
        "namespace tools would match policy shop/api-from-tools if it had the label team=tools",
        "Caveats:",
        "namespace tools was not among the objects read, so only its kubernetes.io/metadata.name label is known",
    ]);
    let v = why_json("namespace_labels_unknown", &["tools/debug", "shop/api:8080"]);
    assert_eq!(kinds(&v["caveats"]), ["namespace-labels-unknown"]);
    assert_eq!(v["ingress"]["namespaceLabelsUnknown"], json!(["tools"]));
    assert!(v["egress"].get("namespaceLabelsUnknown").is_none(), "{v}");
    assert_eq!(policy(&v["ingress"], "api-from-tools")["nearestMiss"]["peerMiss"]["namespaceLabelsKnown"], false);
}

// ---------------------------------------------------------------------------------------------
// cni_flannel_not_enforced

#[test]
fn flannel_alone_gets_a_caveat_that_policies_are_not_enforced() {
    why("cni_flannel_not_enforced", &["-n", "shop", "client", "web:80"])
        .blocked()
        .stdout_has("the network plugin (Flannel) does not enforce NetworkPolicy");
    let v = why_json("cni_flannel_not_enforced", &["-n", "shop", "client", "web:80"]);
    assert_eq!(kinds(&v["caveats"]), ["network-plugin"]);
    why("default_deny_ingress", &["-n", "shop", "web", "api:8080"]).blocked().stdout_lacks("network plugin");
}

// ---------------------------------------------------------------------------------------------
// kind_list_and_multidoc_and_json

#[test]
fn yaml_yml_json_lists_and_multi_document_files_are_read_together() {
    why("kind_list_and_multidoc_and_json", &["-n", "shop", "web", "api:http"])
        .allowed()
        .stdout_has("ALLOWED  shop/web -> shop/api on TCP 9000 (http)")
        .stdout_has("  isolated by default-deny-all, web-egress (namespace shop)")
        .stdout_has("  + api-ingress: ingress[0].from[0] podSelector app=web, TCP/http");
    why("kind_list_and_multidoc_and_json", &["-n", "shop", "api", "web:8080"]).blocked();
}

#[test]
fn stdin_and_files_combine() {
    let policies =
        std::fs::read(crate::harness::fixtures_dir().join("kind_list_and_multidoc_and_json/nested/policies.yaml"))
            .expect("the fixture");
    crate::harness::Deny::new(&[
        "why",
        "-f",
        "-",
        "-f",
        "kind_list_and_multidoc_and_json/pods.json",
        "-n",
        "shop",
        "web",
        "api:http",
    ])
    .stdin(&policies)
    .run()
    .blocked()
    .stdout_has("  - default-deny-all: has no egress rules: denies all egress")
    .stdout_has("  + api-ingress: ingress[0].from[0] podSelector app=web, TCP/http");
}

#[test]
fn objects_without_a_namespace_take_the_namespace_flag() {
    let manifests = "\
apiVersion: v1
kind: Pod
metadata: {name: a, labels: {app: a}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, labels: {app: b}}
spec: {containers: [{name: b, ports: [{containerPort: 80}]}]}
status: {podIP: 10.0.0.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {}}
";
    crate::harness::Deny::new(&["why", "-f", "-", "-n", "team-a", "a", "b:80"])
        .stdin(manifests.as_bytes())
        .run()
        .blocked()
        .stdout_has("BLOCKED  team-a/a -> team-a/b on TCP 80")
        .stdout_has("isolated by deny (namespace team-a)");
    crate::harness::Deny::new(&["why", "-f", "-", "a", "b:80"])
        .stdin(manifests.as_bytes())
        .run()
        .blocked()
        .stdout_has("BLOCKED  default/a -> default/b on TCP 80");
}

// ---------------------------------------------------------------------------------------------
// Hints that mislead

#[test]
fn no_and_or_hint_when_the_matching_selector_is_empty() {
    // dns-by-name-wrong admits `namespaceSelector: {}` AND `podSelector: k8s-app=kube-dns`: any DNS
    // pod in any namespace. web -> worker misses only on the pod label; splitting the entry (OR)
    // would admit every pod of every namespace, so an AND/OR hint is wrong advice here.
    why("named_port_protocol_mismatch", &["-n", "shop", "web", "worker:80"])
        .blocked()
        .stdout_has("pod: needs k8s-app=kube-dns but has no k8s-app label")
        .stdout_lacks("which means AND");
}

#[test]
fn dns_hint_knows_node_local_dns_cache() {
    // With NodeLocal DNSCache, queries go to 169.254.20.10 on the node; batch admits only the
    // CoreDNS pods, so lookups fail, and `why` itself says 169.254.20.10:53 is blocked.
    why("dns_node_local_cache", &["-n", "batch", "worker", "169.254.20.10:53/udp"]).blocked();
    why("dns_node_local_cache", &["-n", "batch", "worker", "1.1.1.1:443"])
        .blocked()
        .stdout_has("name lookups will fail")
        .stdout_has("169.254.20.10");
}

#[test]
fn an_ip_resolves_to_the_running_pod_that_holds_it() {
    let manifests = "\
apiVersion: v1
kind: Pod
metadata: {name: migrate-1-x7k2p, namespace: shop, labels: {job-name: migrate-1}}
status: {phase: Succeeded, podIP: 10.244.0.7}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: api, ports: [{containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.244.0.7}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
status: {phase: Running, podIP: 10.244.0.8}
";
    crate::harness::Deny::new(&["why", "-f", "-", "-n", "shop", "web", "10.244.0.7:8080"])
        .stdin(manifests.as_bytes())
        .run()
        .allowed()
        .stdout_has("10.244.0.7 is the IP of pod shop/api");
}

#[test]
fn a_workload_to_itself_means_replica_to_replica() {
    // examples/: frontend replicas may not reach each other (default-deny-all; frontend's egress
    // admits only app=api), as asking about the two pods by name shows.
    let examples = ["-f", "../../../examples", "-n", "production"];
    crate::harness::Deny::new(
        &[&["why"][..], &examples[..], &["frontend-6d8f7c9b5-2lq8x", "frontend-6d8f7c9b5-9wvtd:http"]].concat(),
    )
    .run()
    .blocked();
    crate::harness::Deny::new(&[&["why"][..], &examples[..], &["deploy/frontend", "deploy/frontend:http"]].concat())
        .run()
        .blocked()
        .stdout_lacks("a pod can always reach itself");
    // From the pod template alone (three replicas, no pods listed): two future pods, not one.
    why("workload_template_no_pods", &["-n", "shop", "deploy/api", "deploy/api:http"])
        .blocked()
        .stdout_lacks("a pod can always reach itself");
}

// ---------------------------------------------------------------------------------------------
// mesh_sidecar

#[test]
fn a_mesh_sidecar_whose_egress_cannot_reach_its_control_plane_is_hinted() {
    why("mesh_sidecar", &["shop/web", "shop/api:8080"]).allowed().stdout_has(
        "  - shop/web runs the Istio sidecar (istio-proxy) but its egress may not reach istiod \
         (istio-system/istiod-5d8f6c7b9-q2w3e) on TCP 15012: the proxy gets no configuration or certificates, so the \
         pod does not become ready. kubectl deny why shop/web istio-system/istiod-5d8f6c7b9-q2w3e:15012 --suggest \
         prints a policy that allows it\n",
    );
    let v = why_json("mesh_sidecar", &["shop/web", "shop/api:8080"]);
    assert!(kinds(&v["hints"]).contains(&"mesh-control-plane-blocked"), "{v}");
    // The suggested policy does what the hint says: the hint is gone once it is applied.
    let suggestion = crate::harness::Deny::new(&[
        "why",
        "-f",
        "mesh_sidecar",
        "shop/web",
        "istio-system/istiod-5d8f6c7b9-q2w3e:15012",
        "--suggest",
    ])
    .run();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("allow-istiod.yaml");
    std::fs::write(&file, &suggestion.stdout).unwrap();
    crate::harness::Deny::new(&[
        "why",
        "-f",
        "mesh_sidecar",
        "-f",
        file.to_str().unwrap(),
        "shop/web",
        "shop/api:8080",
    ])
    .run()
    .allowed()
    .stdout_lacks("istio-proxy");
}

#[test]
fn a_native_sidecar_of_a_mesh_whose_control_plane_was_not_read_gets_the_command_that_checks() {
    why("mesh_sidecar", &["shop/api", "shop/web:8080"]).blocked().stdout_has(
        "  - shop/api runs the Linkerd sidecar (linkerd-proxy) and its egress is isolated: the proxy needs egress to \
         the Linkerd destination controller on TCP 8086, the Linkerd policy controller on TCP 8090, the Linkerd \
         identity controller on TCP 8080 for its configuration and certificates, or the pod does not become ready; \
         check with kubectl deny why shop/api linkerd/deploy/linkerd-destination:8086 (likewise for the other ports)\n",
    );
}

/// A StatefulSet's pods, and the pods of a rollout, for the rollout note (issue 10, item 15).
const REPLICAS: &str = "
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: postgres:16}]}}
---
apiVersion: v1
kind: Pod
metadata:
  name: db-0
  namespace: shop
  labels: {app: db, statefulset.kubernetes.io/pod-name: db-0, apps.kubernetes.io/pod-index: '0', controller-revision-hash: db-6f7c}
status: {phase: Running, podIP: 10.244.0.10}
---
apiVersion: v1
kind: Pod
metadata:
  name: db-1
  namespace: shop
  labels: {app: db, statefulset.kubernetes.io/pod-name: db-1, apps.kubernetes.io/pod-index: '1', controller-revision-hash: db-6f7c}
status: {phase: Running, podIP: 10.244.0.11}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx:1.27}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-7d9f-a, namespace: shop, labels: {app: web, pod-template-hash: 7d9f}}
status: {phase: Running, podIP: 10.244.0.20}
---
apiVersion: v1
kind: Pod
metadata: {name: web-5c4b-b, namespace: shop, labels: {app: web, pod-template-hash: 5c4b}}
status: {phase: Running, podIP: 10.244.0.21}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template: {metadata: {labels: {app: api, track: stable}}, spec: {containers: [{name: api, image: api:2}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: shop, labels: {app: api, track: stable, pod-template-hash: 1a}}
status: {phase: Running, podIP: 10.244.0.30}
---
apiVersion: v1
kind: Pod
metadata: {name: api-2, namespace: shop, labels: {app: api, track: canary, pod-template-hash: 2b}}
status: {phase: Running, podIP: 10.244.0.31}
";

/// Issue 10, item 15: the labels that name each pod of a StatefulSet (and the revision hash a
/// rollout changes, which no policy selects on) do not make pods "differ"; a label policies could
/// select on does, and the note names it.
#[test]
fn per_pod_and_revision_labels_are_not_a_rollout_note() {
    let why = |from: &str| {
        crate::harness::Deny::new(&["why", "-f", "-", "-n", "shop", from, "10.0.0.1:80"])
            .stdin(REPLICAS.as_bytes())
            .run()
    };
    let run = why("sts/db");
    run.allowed().stdout_has("sts/db has 2 pods; evaluated as pod db-0").stdout_lacks("do not all have");
    why("deploy/web").allowed().stdout_has("deploy/web has 2 pods").stdout_lacks("do not all have");
    why("deploy/api").allowed().stdout_has(
        "deploy/api's pods differ in label track (a rollout in progress?); ask about a pod by name to check another",
    );
}
