//! Hubble flows between a generated cluster's pods, one `hubble observe -o jsonpb` line each
//! (`{"flow":{...},"node_name":..,"time":..}`), for `kubectl deny audit --flows` benchmarks.
//!
//! `distinct` flows (a source pod, a destination pod and one of its declared ports, or an
//! address outside the cluster on 443) are drawn once; `records` lines then cycle through them
//! with rising timestamps, as a capture of steady traffic would. One record in ten is the reply
//! of the one before it, one in fifty a policy drop (never a reply): what a reader must skip or tell apart.
//! Fields and their names follow cilium's `flow.proto` as Hubble prints them.

use std::io::{self, Write};

use crate::plan::{Cluster, WorkloadKind};
use crate::rng::Rng;

struct End {
    namespace: String,
    pod: String,
    ip: String,
    labels: String,
    workload: Option<(String, &'static str)>,
    ports: Vec<(u16, &'static str)>,
    identity: u64,
}

/// Writes `records` Hubble flow lines drawn from `distinct` flows between the pods of `cluster`;
/// returns the bytes written.
pub fn hubble<W: Write>(cluster: &Cluster, records: usize, distinct: usize, seed: u64, out: W) -> io::Result<u64> {
    let mut out = io::BufWriter::with_capacity(1 << 20, out);
    let mut ends: Vec<End> = Vec::new();
    for ns in &cluster.namespaces {
        for w in &ns.workloads {
            if w.host_network || matches!(w.kind, WorkloadKind::Static) {
                continue;
            }
            let mut labels: Vec<String> = w
                .pod_labels
                .iter()
                .map(|(k, v)| format!("\"k8s:{}={}\"", k.as_ref() as &str, v.as_ref() as &str))
                .collect();
            labels.push(format!("\"k8s:io.kubernetes.pod.namespace={}\"", ns.name));
            labels.push(format!("\"k8s:io.cilium.k8s.policy.serviceaccount={}\"", w.service_account));
            let kind = match w.kind {
                WorkloadKind::Deployment => "Deployment",
                WorkloadKind::StatefulSet => "StatefulSet",
                _ => "DaemonSet",
            };
            let ports: Vec<(u16, &'static str)> =
                w.containers.iter().flat_map(|c| c.ports.iter().map(|p| (p.port, p.protocol))).collect();
            for p in &w.pods {
                ends.push(End {
                    namespace: ns.name.clone(),
                    pod: p.name.clone(),
                    ip: p.ip.to_string(),
                    labels: labels.join(","),
                    workload: Some((w.name.clone(), kind)),
                    ports: ports.clone(),
                    identity: 10_000 + crate::rng::hash_str(&w.name) % 50_000,
                });
            }
        }
    }
    let targets: Vec<usize> = (0..ends.len()).filter(|i| !ends[*i].ports.is_empty()).collect();
    if ends.is_empty() || targets.is_empty() {
        return Err(io::Error::other("the cluster has no pods with ports to make flows between"));
    }
    let mut rng = Rng::new(seed);
    // (source, destination or None for the outside, port, protocol)
    let mut flows: Vec<(usize, Option<usize>, u16, &'static str, u32)> = Vec::with_capacity(distinct);
    let mut seen = std::collections::HashSet::new();
    let mut attempts = 0;
    while flows.len() < distinct && attempts < distinct * 20 {
        attempts += 1;
        let from = rng.below(ends.len() as u64) as usize;
        if rng.percent(10) {
            let octet = rng.below(250) as u32 + 1;
            if seen.insert((from, usize::MAX, 443, octet)) {
                flows.push((from, None, 443, "TCP", octet));
            }
            continue;
        }
        let to = *rng.pick(&targets);
        let (port, protocol) = *rng.pick(&ends[to].ports);
        if seen.insert((from, to, port, 0)) {
            flows.push((from, Some(to), port, protocol, 0));
        }
    }
    let mut bytes = 0u64;
    let mut time: i64 = 1_764_489_600; // 2025-11-30T08:00:00Z
    let mut line = String::with_capacity(2048);
    for i in 0..records {
        let (from, to, port, protocol, octet) = flows[i % flows.len()];
        if i % 7 == 0 {
            time += 1;
        }
        let reply = i % 10 == 9;
        let dropped = i % 50 == 23;
        let src = &ends[from];
        let source_port = 32_768 + (i % 28_000) as u32;
        let world = format!("203.0.113.{octet}");
        let (dst_ip, dst_json) = match to {
            Some(t) => (ends[t].ip.as_str(), endpoint(&ends[t])),
            None => (world.as_str(), r#"{"identity":2,"labels":["reserved:world"]}"#.to_string()),
        };
        let src_json = endpoint(src);
        let l4 = |sport: u32, dport: u32| match protocol {
            "UDP" => format!(r#"{{"UDP":{{"source_port":{sport},"destination_port":{dport}}}}}"#),
            "SCTP" => format!(r#"{{"SCTP":{{"source_port":{sport},"destination_port":{dport}}}}}"#),
            _ => format!(r#"{{"TCP":{{"source_port":{sport},"destination_port":{dport},"flags":{{"SYN":true}}}}}}"#),
        };
        let (ip_src, ip_dst, s_json, d_json, l4) = if reply {
            (dst_ip, src.ip.as_str(), &dst_json, &src_json, l4(u32::from(port), source_port))
        } else {
            (src.ip.as_str(), dst_ip, &src_json, &dst_json, l4(source_port, u32::from(port)))
        };
        let stamp =
            format!("{}.{:09}Z", crate::render::rfc3339(time).trim_end_matches('Z'), (i as u64 * 7919) % 1_000_000_000);
        let (verdict, drop) = if dropped {
            ("DROPPED", r#","drop_reason":133,"drop_reason_desc":"POLICY_DENIED""#)
        } else {
            ("FORWARDED", "")
        };
        let node = format!("node-{}", from % 16);
        line.clear();
        use std::fmt::Write as _;
        let _ = write!(
            line,
            r#"{{"flow":{{"time":"{stamp}","uuid":"{uuid}","verdict":"{verdict}"{drop},"ethernet":{{"source":"0a:58:0a:f4:00:0{a}","destination":"0a:58:0a:f4:01:0{b}"}},"IP":{{"source":"{ip_src}","destination":"{ip_dst}","ipVersion":"IPv4"}},"l4":{l4},"source":{s_json},"destination":{d_json},"Type":"L3_L4","node_name":"{node}","event_type":{{"type":4,"sub_type":3}},"traffic_direction":"EGRESS","trace_observation_point":"TO_STACK","is_reply":{reply},"interface":{{"index":17,"name":"lxc4f1a2b3c"}},"Summary":"{protocol}"}},"node_name":"{node}","time":"{stamp}"}}"#,
            uuid = uuid(i as u64),
            a = i % 10,
            b = (i / 10) % 10,
        );
        line.push('\n');
        out.write_all(line.as_bytes())?;
        bytes += line.len() as u64;
    }
    out.flush()?;
    Ok(bytes)
}

fn endpoint(e: &End) -> String {
    let workloads = match &e.workload {
        Some((name, kind)) => format!(r#","workloads":[{{"name":"{name}","kind":"{kind}"}}]"#),
        None => String::new(),
    };
    format!(
        r#"{{"ID":{id},"identity":{identity},"cluster_name":"synth","namespace":"{ns}","labels":[{labels}],"pod_name":"{pod}"{workloads}}}"#,
        id = e.identity % 4096,
        identity = e.identity,
        ns = e.namespace,
        labels = e.labels,
        pod = e.pod,
    )
}

fn uuid(i: u64) -> String {
    let x = crate::rng::mix(i);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff,
        (x >> 4) & 0xfff,
        x & 0xffff_ffff_ffff
    )
}
