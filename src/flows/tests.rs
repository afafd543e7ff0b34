//! Unit tests of the flow formats, the aggregation, the mapping to workloads and the allows.

use std::io::Write;

use super::read::{Format, read_str};
use super::*;
use crate::engine::Snapshot;

fn hubble_line(verdict: &str, extra: &str) -> String {
    format!(
        r#"{{"flow":{{"time":"2024-05-01T10:00:00.5Z","verdict":"{verdict}","IP":{{"source":"10.0.0.5","destination":"10.0.1.7","ipVersion":"IPv4"}},"l4":{{"TCP":{{"source_port":51234,"destination_port":8080,"flags":{{"SYN":true}}}}}},"source":{{"ID":12,"identity":4242,"namespace":"shop","labels":["k8s:app=web","k8s:io.kubernetes.pod.namespace=shop","k8s:io.cilium.k8s.policy.serviceaccount=web","k8s:pod-template-hash=7d9f8b6c5"],"pod_name":"web-7d9f8b6c5-x2x4v","workloads":[{{"name":"web","kind":"Deployment"}}]}},"destination":{{"ID":40,"identity":5151,"namespace":"shop","labels":["k8s:app=api"],"pod_name":"api-5c4b3a291-qwert"}},"Type":"L3_L4","node_name":"node-1","traffic_direction":"EGRESS"{extra}}},"node_name":"node-1","time":"2024-05-01T10:00:00.5Z"}}"#
    )
}

fn one(text: &str) -> Observed {
    read_str(text, "default").unwrap_or_else(|e| panic!("{e}"))
}

fn only_flow(o: &Observed) -> (&read::End, &read::End, u16, Protocol, read::Stats) {
    assert_eq!(o.flows.len(), 1, "{:?}", o.flows);
    let ((from, to, port, protocol), stats) = o.flows.iter().next().unwrap();
    (&o.ends[*from as usize], &o.ends[*to as usize], *port, *protocol, *stats)
}

#[test]
fn hubble_jsonpb_lines_give_namespace_pod_labels_workloads_port_and_verdict() {
    let o = one(&hubble_line("FORWARDED", r#","is_reply":false"#));
    assert_eq!(o.inputs[0].format, Some(Format::Hubble));
    let (from, to, port, protocol, stats) = only_flow(&o);
    assert_eq!((from.namespace.as_str(), from.name.as_str()), ("shop", "web-7d9f8b6c5-x2x4v"));
    assert_eq!(to.name, "api-5c4b3a291-qwert");
    assert_eq!((port, protocol), (8080, Protocol::Tcp));
    let labels = from.labels.as_ref().unwrap();
    assert_eq!(labels.get("app").map(String::as_str), Some("web"), "k8s: prefix stripped");
    assert!(!labels.contains_key("io.kubernetes.pod.namespace"), "Cilium's own labels left out");
    assert!(!labels.keys().any(|k| k.starts_with("io.cilium")));
    assert_eq!(from.workloads, vec![("Deployment".to_string(), "web".to_string())]);
    assert_eq!(from.ip, Some("10.0.0.5".parse().unwrap()));
    assert_eq!((stats.count, stats.forwarded), (1, 1));
    assert_eq!(stats.first, Some(1_714_557_600));
}

#[test]
fn hubble_bare_flows_camel_case_names_and_enum_numbers_are_read() {
    let line = r#"{"time":"2024-05-01T10:00:00Z","verdict":1,"IP":{"source":"10.0.0.5","destination":"10.0.1.7"},"l4":{"UDP":{"destinationPort":53}},"source":{"namespace":"shop","podName":"web-1"},"destination":{"namespace":"kube-system","podName":"coredns-1"},"Type":1,"isReply":false}"#;
    let o = one(line);
    let (from, to, port, protocol, stats) = only_flow(&o);
    assert_eq!((from.name.as_str(), to.name.as_str(), port, protocol), ("web-1", "coredns-1", 53, Protocol::Udp));
    assert_eq!(stats.forwarded, 1);
}

#[test]
fn hubble_replies_are_not_flows_and_an_absent_is_reply_is_a_request() {
    let reply = hubble_line("FORWARDED", r#","is_reply":true"#);
    let deprecated = hubble_line("FORWARDED", r#","reply":true"#);
    let absent = hubble_line("FORWARDED", "");
    let o = one(&format!("{reply}\n{deprecated}\n{absent}\n"));
    assert_eq!(o.skipped.get(&Skip::Reply), Some(&2));
    assert_eq!(o.records, 1);
}

#[test]
fn hubble_drops_by_policy_are_told_from_other_drops() {
    let policy = hubble_line("DROPPED", r#","drop_reason_desc":"POLICY_DENIED""#);
    let deny = hubble_line("DROPPED", r#","drop_reason_desc":181"#);
    let other = hubble_line("DROPPED", r#","drop_reason_desc":"CT_MAP_INSERTION_FAILED""#);
    let (_, _, _, _, stats) = only_flow(&one(&format!("{policy}\n{deny}\n{other}")));
    assert_eq!((stats.dropped_by_policy, stats.dropped_otherwise), (2, 1));
}

#[test]
fn hubble_l7_icmp_errors_and_status_lines_are_skipped_not_bad() {
    let l7 = hubble_line("FORWARDED", "").replace(r#""Type":"L3_L4""#, r#""Type":"L7""#);
    let icmp = hubble_line("FORWARDED", "").replace(
        r#""TCP":{"source_port":51234,"destination_port":8080,"flags":{"SYN":true}}"#,
        r#""ICMPv4":{"type":8}"#,
    );
    let error = hubble_line("ERROR", "");
    let status =
        r#"{"node_status":{"state_change":"NODE_CONNECTED","node_names":["node-1"]},"time":"2024-05-01T10:00:00Z"}"#;
    let good = hubble_line("FORWARDED", "");
    let o = one(&[l7, icmp, error, status.to_string(), good].join("\n"));
    assert_eq!(o.skipped.get(&Skip::NotL3L4), Some(&1));
    assert_eq!(o.skipped.get(&Skip::NoPort), Some(&1));
    assert_eq!(o.skipped.get(&Skip::NoVerdict), Some(&1));
    assert_eq!(o.skipped.get(&Skip::NotAFlow), Some(&1));
    assert_eq!((o.records, o.bad_count), (1, 0));
}

#[test]
fn hubble_world_endpoints_are_addresses() {
    let line = r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.0.5","destination":"203.0.113.9"},"l4":{"TCP":{"destination_port":443}},"source":{"namespace":"shop","pod_name":"web-1","labels":["k8s:app=web"]},"destination":{"identity":2,"labels":["reserved:world"]},"Type":"L3_L4"}}"#;
    let o = one(line);
    let (_, to, ..) = only_flow(&o);
    assert!(to.name.is_empty());
    assert_eq!(to.ip, Some("203.0.113.9".parse().unwrap()));
    assert_eq!(to.reserved, vec!["world".to_string()]);
}

#[test]
fn bad_and_partial_records_are_counted_with_their_line_and_never_fatal() {
    let good = hubble_line("FORWARDED", "");
    let no_l4 = good.replace(r#""l4":{"TCP":{"source_port":51234,"destination_port":8080,"flags":{"SYN":true}}},"#, "");
    let text = format!("{good}\n{{not json\n\n{no_l4}\n{}\n", good.replace("10.0.1.7", "not-an-ip"));
    let o = one(&text);
    assert_eq!(o.records, 1);
    assert_eq!(o.bad_count, 3);
    let lines: Vec<u64> = o.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![2, 4, 5]);
    assert!(o.bad[1].message.contains("no l4"), "{:?}", o.bad[1]);
    assert!(o.bad[2].message.contains("not-an-ip"), "{:?}", o.bad[2]);
}

#[test]
fn nothing_readable_is_an_error_naming_the_first_bad_line() {
    let err = read_str("{broken\n{also broken}\n", "default").unwrap_err().to_string();
    assert!(err.contains("2 bad record(s)") && err.contains("line 1"), "{err}");
    let err = read_str("# only a comment\n", "default").unwrap_err().to_string();
    assert!(err.contains("held no flow"), "{err}");
}

#[test]
fn calico_flow_logs_read_names_aggregates_labels_action_and_reporter() {
    let base = r#"{"start_time":1714557600,"end_time":1714557900,"source_type":"wep","source_namespace":"shop","source_name":"-","source_name_aggr":"web-7d9f8b6c5-*","source_ip":null,"source_labels":{"labels":["app=web","pod-template-hash=7d9f8b6c5"]},"dest_type":"wep","dest_namespace":"shop","dest_name":"api-5c4b3a291-qwert","dest_name_aggr":"api-5c4b3a291-*","dest_ip":"10.0.1.7","dest_labels":{"labels":["app=api"]},"dest_port":8080,"proto":"tcp","action":"ACTION","reporter":"REPORTER","num_flows":4}"#;
    let line = |action: &str, reporter: &str| base.replace("ACTION", action).replace("REPORTER", reporter);
    let o = one(&format!("{}\n{}\n{}", line("allow", "dst"), line("allow", "src"), line("deny", "dst")));
    assert_eq!(o.inputs[0].format, Some(Format::Calico));
    let (from, to, port, protocol, stats) = only_flow(&o);
    assert!(from.aggregated);
    assert_eq!(from.name, "web-7d9f8b6c5");
    assert_eq!(from.labels.as_ref().unwrap().get("app").map(String::as_str), Some("web"));
    assert_eq!(to.name, "api-5c4b3a291-qwert");
    assert_eq!((port, protocol), (8080, Protocol::Tcp));
    assert_eq!((stats.count, stats.forwarded, stats.unknown, stats.dropped_by_policy), (12, 4, 4, 4));
    assert_eq!((stats.first, stats.last), (Some(1_714_557_900), Some(1_714_557_900)));
}

#[test]
fn calico_networks_numbers_and_source_reported_allows_to_the_outside() {
    let line = r#"{"source_type":"wep","source_namespace":"shop","source_name":"web-1","source_name_aggr":"web-*","dest_type":"net","dest_namespace":"-","dest_name":"-","dest_name_aggr":"pub","dest_ip":"203.0.113.9","dest_port":"443","proto":"6","action":"allow","reporter":"src"}"#;
    let o = one(line);
    let (_, to, port, protocol, stats) = only_flow(&o);
    assert_eq!(to.ip, Some("203.0.113.9".parse().unwrap()));
    assert_eq!(to.reserved, vec!["pub".to_string()]);
    assert_eq!((port, protocol), (443, Protocol::Tcp));
    assert_eq!(stats.forwarded, 1, "nobody else reports a flow leaving the cluster");
    let icmp = line.replace(r#""proto":"6""#, r#""proto":"icmp""#);
    assert_eq!(read_str(&format!("{line}\n{icmp}"), "d").unwrap().skipped.get(&Skip::NoPort), Some(&1));
}

#[test]
fn csv_and_tsv_take_the_endpoint_forms_of_why() {
    let text = "# exported by hand\nfrom,to,port,protocol,count\nweb,shop/api,8080,tcp,3\ndeploy/web,10.0.0.9,53,UDP\nshop/sts/db\tother/pod/cache\t6379\t\t2\n";
    let o = one(text);
    assert_eq!(o.inputs[0].format, Some(Format::Csv));
    assert_eq!(o.records, 3);
    let names: Vec<(String, String)> = o.ends.iter().map(|e| (e.namespace.clone(), e.name.clone())).collect();
    assert!(names.contains(&("default".into(), "web".into())), "{names:?}");
    assert!(names.contains(&("shop".into(), "api".into())));
    assert!(names.contains(&("default".into(), "deploy/web".into())));
    assert!(names.contains(&("shop".into(), "sts/db".into())));
    assert!(names.contains(&("other".into(), "cache".into())));
    let total: u64 = o.flows.values().map(|s| s.count).sum();
    assert_eq!(total, 6);
    assert!(o.flows.values().all(|s| s.unknown == s.count), "CSV says nothing of verdicts");
}

#[test]
fn csv_errors_say_what_is_wrong() {
    let o = one("a,b,80,tcp\na,b,http,tcp\na,b,70000,tcp\na,b,80,icmpx\na,b,80\na/b/c/d,b,80,tcp\n");
    let messages: Vec<&str> = o.bad.iter().map(|b| b.message.as_str()).collect();
    assert!(messages[0].contains("not a number"), "{messages:?}");
    assert!(messages[1].contains("out of range"));
    assert!(messages[2].contains("tcp, udp or sctp"));
    assert!(messages[3].contains("3 fields"));
    assert!(messages[4].contains("not an endpoint"));
}

#[test]
fn gzip_is_recognised_by_its_magic_bytes() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(hubble_line("FORWARDED", "").as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.json.gz");
    std::fs::write(&path, &bytes).unwrap();
    let o = read(&[path], "default", &mut std::io::empty()).unwrap();
    assert!(o.inputs[0].gzip);
    assert_eq!(o.records, 1);
}

#[test]
fn memory_grows_with_distinct_flows_not_with_records() {
    let line = hubble_line("FORWARDED", "");
    let text = std::iter::repeat_n(line.as_str(), 5000).collect::<Vec<_>>().join("\n");
    let o = one(&text);
    assert_eq!((o.records, o.ends.len(), o.flows.len()), (5000, 2, 1));
    assert_eq!(o.flows.values().next().unwrap().count, 5000);
}

// ---------------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------------

const CLUSTER: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-6f7d8c9b4-live1
  namespace: shop
  labels: {app: api, pod-template-hash: 6f7d8c9b4}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-6f7d8c9b4, uid: u1, controller: true}]
spec: {nodeName: node-1, containers: [{name: api, ports: [{name: http, containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.0.1.7}
---
apiVersion: v1
kind: Node
metadata: {name: node-1}
status: {addresses: [{type: InternalIP, address: 192.168.0.10}]}
"#;

fn cluster() -> Snapshot {
    crate::source::file::load_str(CLUSTER, "test", "default").unwrap()
}

fn resolve_csv(text: &str, cidrs: &[ipnet::IpNet]) -> Resolved {
    map::resolve(&one(text), &cluster(), cidrs)
}

fn displays(r: &Resolved) -> Vec<(String, String)> {
    r.flows.iter().map(|f| (r.peer(f.from).display.clone(), r.peer(f.to).display.clone())).collect()
}

#[test]
fn a_live_pod_maps_to_its_deployment_through_its_replica_set() {
    let r = resolve_csv("shop/deploy/web,shop/api-6f7d8c9b4-live1,8080,tcp\n", &[]);
    assert_eq!(displays(&r), vec![("shop/deploy/web".into(), "shop/deploy/api".into())]);
}

#[test]
fn dead_pods_map_to_their_workload_by_recorded_workload_name_and_labels() {
    // A pod of an earlier rollout (another pod-template-hash), named in a Hubble record with its
    // workload; one without the workload, by its name; one by its labels only.
    let by_workload = hubble_line("FORWARDED", "");
    let by_name = by_workload.replace(r#","workloads":[{"name":"web","kind":"Deployment"}]"#, "");
    let by_labels = by_name.replace("web-7d9f8b6c5-x2x4v", "frontend-zz");
    let statefulset = by_name.replace("web-7d9f8b6c5-x2x4v", "db-3").replace(r#""k8s:app=web""#, r#""k8s:app=db""#);
    let o = one(&[by_workload, by_name, by_labels, statefulset].join("\n"));
    let r = map::resolve(&o, &cluster(), &[]);
    let froms: std::collections::BTreeSet<String> = r.flows.iter().map(|f| r.peer(f.from).display.clone()).collect();
    assert_eq!(froms, ["shop/deploy/web".to_string(), "shop/sts/db".to_string()].into());
    let notes: Vec<String> = r.peers.iter().flat_map(|p| p.mapped.clone()).collect();
    assert!(notes.iter().any(|n| n.contains("by the workload the records name")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("frontend-zz") && n.contains("by its labels")), "{notes:?}");
    // The destination pod is gone too, and its name maps it to deploy/api.
    assert!(r.flows.iter().all(|f| r.peer(f.to).display == "shop/deploy/api"));
}

#[test]
fn a_calico_aggregated_name_maps_through_its_replica_set_name() {
    let line = r#"{"source_type":"wep","source_namespace":"shop","source_name":"-","source_name_aggr":"web-55d8f6c7b9-*","dest_type":"wep","dest_namespace":"shop","dest_name":"-","dest_name_aggr":"db-*","dest_port":5432,"proto":"tcp","action":"allow","reporter":"dst"}"#;
    let r = map::resolve(&one(line), &cluster(), &[]);
    assert_eq!(displays(&r), vec![("shop/deploy/web".into(), "shop/sts/db".into())]);
}

#[test]
fn an_unmappable_pod_is_evaluated_by_its_labels_or_reported_never_dropped() {
    let labelled = hubble_line("FORWARDED", "")
        .replace(r#","workloads":[{"name":"web","kind":"Deployment"}]"#, "")
        .replace("web-7d9f8b6c5-x2x4v", "batch-runner")
        .replace(r#""k8s:app=web""#, r#""k8s:app=batch""#);
    let bare = "shop/ghost-1,shop/api-6f7d8c9b4-live1,8080,tcp\n";
    let r = map::resolve(&one(&labelled), &cluster(), &[]);
    assert!(matches!(r.peer(r.flows[0].from).kind, PeerKind::Gone { .. }));
    let r = resolve_csv(bare, &[]);
    assert!(r.flows.is_empty());
    assert_eq!(r.unresolved.len(), 1, "reported, never silently dropped");
    assert!(r.peer(r.unresolved[0].from).display.contains("ghost-1"));
}

#[test]
fn addresses_stay_addresses_nodes_are_named_and_group_cidrs_group() {
    let text = "shop/deploy/web,203.0.113.9,443,tcp\nshop/deploy/web,203.0.113.77,443,tcp\nshop/deploy/web,192.168.0.10,10250,tcp\nshop/deploy/web,10.0.1.7,8080,tcp\nshop/deploy/web,198.51.100.1,443,tcp\n";
    let cidr: ipnet::IpNet = "203.0.113.0/24".parse().unwrap();
    let r = resolve_csv(text, &[cidr]);
    let tos: Vec<String> = r.flows.iter().map(|f| r.peer(f.to).display.clone()).collect();
    assert_eq!(tos, vec!["198.51.100.1", "203.0.113.0/24", "node/node-1 (192.168.0.10)", "shop/deploy/api"]);
    let net = r.flows.iter().find(|f| r.peer(f.to).display == "203.0.113.0/24").unwrap();
    assert_eq!(net.stats.count, 2, "two addresses, one peer");
    assert_eq!(r.peer(net.to).reps.len(), 2, "evaluated at each address seen");
}

#[test]
fn inputs_larger_than_a_block_are_parsed_in_parallel_with_the_right_line_numbers() {
    let good = hubble_line("FORWARDED", "");
    let other = good.replace("web-7d9f8b6c5-x2x4v", "web-7d9f8b6c5-aaaaa");
    let mut lines: Vec<String> = (0..12_000).map(|i| if i % 3 == 0 { other.clone() } else { good.clone() }).collect();
    lines[4] = "{broken".into();
    lines[9_999] = "{also broken".into();
    let text = lines.join("\n");
    assert!(text.len() > 2 * read::BLOCK_BYTES, "the test must span several blocks");
    let o = one(&text);
    assert_eq!(o.records, 11_998);
    assert_eq!(o.inputs[0].lines, 12_000);
    assert_eq!(o.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![5, 10_000]);
    assert_eq!((o.ends.len(), o.flows.len()), (3, 2), "endpoints merged across workers");
    assert_eq!(o.flows.values().map(|s| s.count).sum::<u64>(), 11_998);
}

#[test]
fn a_bad_hubble_record_names_the_field_its_column_and_what_was_expected() {
    let good = hubble_line("FORWARDED", "");
    let typed = good.replace(r#""destination_port":8080"#, r#""destination_port":"http""#);
    let reply = good.replace(r#""Type":"L3_L4""#, r#""Type":"L3_L4","is_reply":"yes""#);
    let cut = &good[..good.len() / 2];
    let text = format!("{good}\n{typed}\n{reply}\n{cut}\n[1,2]\n{{\"flow\":[1]}}\n");
    let o = one(&text);
    let messages: Vec<&str> = o.bad.iter().map(|b| b.message.as_str()).collect();
    assert!(
        messages[0].starts_with(
            "Hubble record: field flow.l4.TCP.destination_port: invalid type: string \"http\", expected u32 (column "
        ),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("Hubble record: field flow.is_reply: invalid type: string \"yes\", expected a boolean"),
        "{messages:?}"
    );
    assert!(
        messages[2].contains("not JSON (EOF while parsing") && messages[2].contains("a line cut short"),
        "{messages:?}"
    );
    assert!(messages[3].starts_with("Hubble record: not a JSON object (column 2)"), "{messages:?}");
    assert!(messages[4].starts_with("Hubble record: field flow: not a JSON object"), "{messages:?}");
    let warning = o.bad_warning().unwrap();
    assert!(warning.starts_with("5 bad flow record(s) skipped, not replayed; fix or remove those lines (a Hubble line is one flow as hubble observe -o json or -o jsonpb prints it):\n  stdin line 2: "), "{warning}");
}

#[test]
fn a_bad_calico_record_names_the_field() {
    let base = r#"{"source_type":"wep","source_namespace":"shop","source_name":"web-1","source_ip":"SRC","dest_type":"wep","dest_namespace":"shop","dest_name":"api-1","dest_port":PORT,"proto":"tcp","action":"ACTION","reporter":"dst"}"#;
    let line =
        |src: &str, port: &str, action: &str| base.replace("SRC", src).replace("PORT", port).replace("ACTION", action);
    let text = [
        line("10.0.0.1", "8080", "allow"),
        line("10.0.0.999", "8080", "allow"),
        line("10.0.0.1", "\"web\"", "allow"),
        line("10.0.0.1", "70000", "allow"),
        line("10.0.0.1", "8080", "log"),
        line("10.0.0.1", "8080", "allow").replace(r#""source_name":"web-1","#, ""),
        line("10.0.0.1", "8080", "allow")
            .replace(r#""num_flows""#, "")
            .replace(r#""reporter":"dst""#, r#""reporter":"dst","num_flows":"four""#),
    ]
    .join("\n");
    let o = one(&text);
    assert_eq!(o.inputs[0].format, Some(Format::Calico));
    let messages: Vec<&str> = o.bad.iter().map(|b| b.message.as_str()).collect();
    assert_eq!(
        messages[..5],
        [
            "Calico record: field source_ip: \"10.0.0.999\" is not an IP address",
            "Calico record: field dest_port: \"web\" is not a number",
            "Calico record: field dest_port: 70000 is out of range (1-65535)",
            "Calico record: field action: \"log\" is neither allow nor deny",
            "Calico record: a pod (source_type wep) needs source_name or source_name_aggr, and the record has neither",
        ]
    );
    assert!(
        messages[5].starts_with("Calico record: field num_flows: invalid type: string \"four\", expected u64 (column "),
        "{messages:?}"
    );
    assert!(o.bad_warning().unwrap().contains("a Calico line is one flow log record in JSON"));
}

#[test]
fn a_bad_csv_line_names_the_column_and_nothing_read_says_how_to_fix_it() {
    let o = one(
        "from,to,port,protocol\nshop/web,shop/api,8080,tcp\nshop/web,shop/api,http,tcp\nshop/web,shop/api,8080,icmp\nshop/web,,8080,tcp\nshop/web,shop/api,8080,tcp,many\nshop/web\tshop/api\t8080\n",
    );
    let messages: Vec<&str> = o.bad.iter().map(|b| b.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "port \"http\" is not a number",
            "protocol \"icmp\": use tcp, udp or sctp",
            "to: empty endpoint",
            "count \"many\" is not a whole number",
            "3 fields; expected from<TAB>to<TAB>port<TAB>protocol[<TAB>count]",
        ]
    );
    assert_eq!(o.bad.iter().map(|b| b.line).collect::<Vec<_>>(), [3, 4, 5, 6, 7]);
    let err = read_str("web;api;8080;tcp\n", "default").unwrap_err().to_string();
    assert!(
        err.starts_with("no flow could be read from stdin: 1 bad record(s) (the first, stdin line 1: 1 fields; expected from,to,port,protocol[,count]); fix or remove those lines (a CSV line is from,to,port,protocol[,count]"),
        "{err}"
    );
}

#[test]
fn a_truncated_gzip_input_is_an_error_saying_so_and_nothing_is_replayed() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for _ in 0..50 {
        writeln!(gz, "{}", hubble_line("FORWARDED", "")).unwrap();
    }
    let bytes = gz.finish().unwrap();
    let cut = &bytes[..bytes.len() / 2];
    let err = read(&[std::path::PathBuf::from("-")], "default", &mut &cut[..]).unwrap_err().to_string();
    assert!(err.starts_with("cannot read flows from stdin: its gzip stream is cut short or corrupt"), "{err}");
    assert!(err.contains("gzip -t"), "{err}");
}

/// The stats of one Hubble line whose `traffic_direction` is `direction` (a JSON value).
fn observed_at(verdict: &str, extra: &str, direction: &str) -> read::Stats {
    let line = hubble_line(verdict, extra).replace(r#""traffic_direction":"EGRESS""#, direction);
    only_flow(&one(&line)).4
}

#[test]
fn hubble_forwarded_at_the_source_egress_proves_the_egress_only() {
    let s = observed_at("FORWARDED", "", r#""traffic_direction":"EGRESS""#);
    assert_eq!((s.forwarded, s.forwarded_at_egress), (1, 1));
    let s = observed_at("FORWARDED", "", r#""traffic_direction":2"#);
    assert_eq!((s.forwarded, s.forwarded_at_egress), (1, 1), "the enum's number");
    let s = observed_at("FORWARDED", "", r#""trafficDirection":"EGRESS""#);
    assert_eq!((s.forwarded, s.forwarded_at_egress), (1, 1), "lowerCamelCase protojson");
}

#[test]
fn hubble_forwarded_at_the_destination_ingress_or_anywhere_unsaid_is_the_whole_flow() {
    for direction in [
        r#""traffic_direction":"INGRESS""#,
        r#""traffic_direction":1"#,
        r#""traffic_direction":"TRAFFIC_DIRECTION_UNKNOWN""#,
        r#""node":"no direction""#,
    ] {
        let s = observed_at("FORWARDED", "", direction);
        assert_eq!((s.forwarded, s.forwarded_at_egress), (1, 0), "{direction}");
    }
}

#[test]
fn hubble_drops_say_the_side_whose_policy_dropped_them() {
    let denied = r#","drop_reason_desc":"POLICY_DENIED""#;
    let s = observed_at("DROPPED", denied, r#""traffic_direction":"EGRESS""#);
    assert_eq!((s.dropped_by_policy, s.dropped_at_egress, s.dropped_at_ingress), (1, 1, 0));
    let s = observed_at("DROPPED", denied, r#""traffic_direction":"INGRESS""#);
    assert_eq!((s.dropped_by_policy, s.dropped_at_egress, s.dropped_at_ingress), (1, 0, 1));
    let s = observed_at("DROPPED", denied, r#""traffic_direction":0"#);
    assert_eq!((s.dropped_by_policy, s.dropped_at_egress, s.dropped_at_ingress), (1, 0, 0));
    // A drop that is not a policy's is no verdict of either side.
    let s =
        observed_at("DROPPED", r#","drop_reason_desc":"CT_MAP_INSERTION_FAILED""#, r#""traffic_direction":"EGRESS""#);
    assert_eq!((s.dropped_otherwise, s.dropped_at_egress, s.dropped_at_ingress), (1, 0, 0));
}

#[test]
fn calico_denies_are_the_reporting_side_s() {
    let line = |reporter: &str| {
        format!(
            r#"{{"source_type":"wep","source_namespace":"shop","source_name":"web-1","source_name_aggr":"web-*","dest_type":"wep","dest_namespace":"shop","dest_name":"api-1","dest_name_aggr":"api-*","dest_port":8080,"proto":"tcp","action":"deny","reporter":"{reporter}"}}"#
        )
    };
    let s = only_flow(&one(&line("src"))).4;
    assert_eq!((s.dropped_by_policy, s.dropped_at_egress, s.dropped_at_ingress), (1, 1, 0));
    let s = only_flow(&one(&line("dst"))).4;
    assert_eq!((s.dropped_by_policy, s.dropped_at_egress, s.dropped_at_ingress), (1, 0, 1));
}
