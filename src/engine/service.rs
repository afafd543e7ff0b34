//! Services as NetworkPolicy sees them: policy applies after the Service translates its port to
//! the target port, so a Service is evaluated as its backends at their target ports. Also finds
//! the cluster DNS (for the DNS hint and the starter kit).

use std::net::IpAddr;
use std::sync::Arc;

use super::model::{ContainerPort, DaemonSetInfo, Labels, Pod, PortRef, Protocol, Service, ServicePort, Snapshot};
use super::ports::resolve_named_port;

/// The Services of the pod's namespace whose selector selects it.
pub fn services_selecting<'a>(snapshot: &'a Snapshot, pod: &'a Pod) -> impl Iterator<Item = &'a Service> + 'a {
    snapshot.services.iter().filter(move |s| {
        s.namespace == pod.namespace
            && s.selector.as_ref().is_some_and(|sel| sel.iter().all(|(k, v)| pod.labels.get(k) == Some(v)))
    })
}

/// The port a Service port forwards to on `pod`: its numeric `targetPort`, or the pod's container
/// port of that name and protocol. `None` when the pod has no such named port (the Service would
/// not route to it on this port).
pub fn target_port_on(sp: &ServicePort, pod: &Pod) -> Option<u16> {
    match &sp.target_port {
        PortRef::Number(n) => Some(*n),
        PortRef::Name(name) => resolve_named_port(&pod.ports, name, Some(sp.protocol)).map(|cp| cp.port),
    }
}

/// One backend of a Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend<'a> {
    /// A pod the Service's selector selects: the target port resolves on the pod.
    Pod(&'a Pod),
    /// An EndpointSlice address of a Service without a selector (or the API server's
    /// `default/kubernetes`), with the pod behind it when the slice names one. The slice's ports
    /// are where traffic goes, whatever `targetPort` says.
    Endpoint { ip: IpAddr, pod: Option<&'a Pod>, ports: Vec<(Option<String>, u16, Protocol)> },
}

impl<'a> Backend<'a> {
    pub fn pod(&self) -> Option<&'a Pod> {
        match self {
            Backend::Pod(p) => Some(p),
            Backend::Endpoint { pod, .. } => *pod,
        }
    }

    /// The port a Service port forwards to on this backend.
    pub fn target_port(&self, sp: &ServicePort) -> Option<u16> {
        match self {
            Backend::Pod(p) => target_port_on(sp, p),
            Backend::Endpoint { ports, .. } => target_port_on_ip(sp, ports),
        }
    }
}

/// The backends of a Service: the pods its selector selects, or for a Service without a selector
/// the addresses of its EndpointSlices (with the pods the slices name).
pub fn backends<'a>(snapshot: &'a Snapshot, svc: &'a Service) -> Vec<Backend<'a>> {
    match &svc.selector {
        Some(sel) => snapshot
            .pods
            .iter()
            .filter(|p| p.namespace == svc.namespace && sel.iter().all(|(k, v)| p.labels.get(k) == Some(v)))
            .map(Backend::Pod)
            .collect(),
        None => svc
            .endpoints
            .iter()
            .map(|ep| Backend::Endpoint {
                ip: ep.ip,
                pod: ep
                    .pod
                    .as_deref()
                    .and_then(|name| snapshot.pods.iter().find(|p| p.namespace == svc.namespace && p.name == name)),
                ports: ep.ports.iter().map(|p| (p.name.clone(), p.port, p.protocol)).collect(),
            })
            .collect(),
    }
}

/// Where a Service port lands on an EndpointSlice address: the slice port of the same name and
/// protocol (slices carry the resolved target port).
pub fn target_port_on_ip(sp: &ServicePort, ports: &[(Option<String>, u16, Protocol)]) -> Option<u16> {
    ports
        .iter()
        .find(|(name, _, protocol)| *protocol == sp.protocol && name.as_deref() == sp.name.as_deref())
        .map(|(_, port, _)| *port)
        .or(match sp.target_port {
            PortRef::Number(n) => Some(n),
            PortRef::Name(_) => None,
        })
}

/// The address NodeLocal DNSCache listens on unless configured otherwise.
pub const NODE_LOCAL_DNS_DEFAULT: &str = "169.254.20.10";

/// The DaemonSet NodeLocal DNSCache runs as (in `kube-system`, from the upstream manifest).
pub const NODE_LOCAL_DNS_NAME: &str = "node-local-dns";

/// NodeLocal DNSCache's DaemonSet, preferring kube-system's.
pub fn node_local_dns_daemonset(snapshot: &Snapshot) -> Option<&DaemonSetInfo> {
    snapshot.daemonsets.iter().filter(|d| d.name == NODE_LOCAL_DNS_NAME).min_by_key(|d| d.namespace != "kube-system")
}

/// The addresses NodeLocal DNSCache answers on, as far as its DaemonSet tells: its `-localip`
/// addresses, else the default link-local address. `None` without the DaemonSet.
pub fn node_local_dns_addresses(snapshot: &Snapshot) -> Option<Vec<IpAddr>> {
    let ds = node_local_dns_daemonset(snapshot)?;
    let (ips, _) = local_ips_from_args(&ds.args);
    Some(if ips.is_empty() { vec![NODE_LOCAL_DNS_DEFAULT.parse().expect("a valid address")] } else { ips })
}

/// The addresses of `-localip A,B` (or `-localip=A,B`, or with two dashes), and the raw value
/// when it is there but not addresses (an unfilled template such as `__PILLAR__LOCAL__DNS__`).
pub fn local_ips_from_args(args: &[String]) -> (Vec<IpAddr>, Option<String>) {
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let flag = word.trim_start_matches('-');
        if !word.starts_with('-') {
            continue;
        }
        let value = match flag.split_once('=') {
            Some(("localip", value)) => Some(value.to_string()),
            None if flag == "localip" => words.next().cloned(),
            _ => None,
        };
        if let Some(value) = value {
            let parsed: Option<Vec<IpAddr>> =
                value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.parse().ok()).collect();
            return match parsed {
                Some(ips) if !ips.is_empty() => {
                    let mut unique: Vec<IpAddr> = Vec::new();
                    for ip in ips {
                        if !unique.contains(&ip) {
                            unique.push(ip);
                        }
                    }
                    (unique, None)
                }
                _ => (Vec::new(), Some(value)),
            };
        }
    }
    (Vec::new(), None)
}

/// Where the cluster DNS answers: a representative DNS pod and its real ports.
#[derive(Debug, Clone)]
pub struct DnsTarget {
    /// A real DNS pod, or a stand-in with the Service's selector as labels when no pod is known.
    pub pod: Pod,
    /// `Service kube-system/kube-dns`, or `the well-known kube-system/k8s-app=kube-dns`.
    pub description: String,
    pub udp_port: Option<u16>,
    pub tcp_port: Option<u16>,
    /// True when nothing was found and the well-known defaults are assumed.
    pub fallback: bool,
}

/// DNS Services of the distributions we know, most common first.
pub const DNS_SERVICES: &[(&str, &str)] =
    &[("kube-system", "kube-dns"), ("kube-system", "coredns"), ("openshift-dns", "dns-default")];

/// The cluster DNS: the first known DNS Service present, at its target ports for port 53; else
/// the `k8s-app: kube-dns` pods of kube-system at their `dns`/`dns-tcp` ports; else the
/// well-known `kube-system` / `k8s-app: kube-dns` / 53 as the fallback.
pub fn dns_targets(snapshot: &Snapshot) -> Vec<DnsTarget> {
    for (ns, name) in DNS_SERVICES {
        let Some(svc) = snapshot.services.iter().find(|s| s.namespace == *ns && s.name == *name) else { continue };
        let Some(selector) = &svc.selector else { continue };
        let dns_port = |protocol| {
            svc.ports.iter().find(|sp| sp.protocol == protocol && (sp.port == 53 || sp.name.as_deref() == Some("dns")))
        };
        let pods: Vec<&Pod> = backends(snapshot, svc).iter().filter_map(Backend::pod).collect();
        let representative = pods.first().map(|p| (*p).clone()).unwrap_or_else(|| stand_in(ns, selector, svc));
        let udp_port = dns_port(Protocol::Udp).and_then(|sp| target_port_on(sp, &representative));
        let tcp_port = dns_port(Protocol::Tcp).and_then(|sp| target_port_on(sp, &representative));
        let description = describe_dns(&representative);
        return vec![DnsTarget { pod: representative, description, udp_port, tcp_port, fallback: false }];
    }
    // No DNS Service read: the CoreDNS/kube-dns pods themselves declare the ports they serve on.
    if let Some(pod) = snapshot
        .pods
        .iter()
        .find(|p| p.namespace == "kube-system" && p.labels.get("k8s-app").map(String::as_str) == Some("kube-dns"))
    {
        let port = |name: &str, protocol: Protocol| {
            resolve_named_port(&pod.ports, name, Some(protocol))
                .map(|cp| cp.port)
                .or_else(|| pod.ports.iter().find(|cp| cp.protocol == protocol && cp.port == 53).map(|cp| cp.port))
        };
        let udp_port = port("dns", Protocol::Udp).or(Some(53));
        let tcp_port = port("dns-tcp", Protocol::Tcp).or(udp_port);
        return vec![DnsTarget {
            pod: pod.clone(),
            description: describe_dns(pod),
            udp_port,
            tcp_port,
            fallback: false,
        }];
    }
    let mut labels = Labels::new();
    labels.insert("k8s-app".into(), "kube-dns".into());
    let ports: Arc<[ContainerPort]> = Arc::from(vec![
        ContainerPort { name: Some("dns".into()), port: 53, protocol: Protocol::Udp },
        ContainerPort { name: Some("dns-tcp".into()), port: 53, protocol: Protocol::Tcp },
    ]);
    let pod = Pod::stand_in("kube-system", "kube-dns", Arc::new(labels), ports);
    vec![DnsTarget {
        pod,
        description: "the well-known kube-system pods k8s-app=kube-dns".into(),
        udp_port: Some(53),
        tcp_port: Some(53),
        fallback: true,
    }]
}

/// `kube-system pods k8s-app=kube-dns`: how a DNS target is named, whichever way it was found.
fn describe_dns(pod: &Pod) -> String {
    let labels: Vec<String> =
        pod.labels.iter().filter(|(k, _)| *k != "pod-template-hash").map(|(k, v)| format!("{k}={v}")).collect();
    format!("{} pods {}", pod.namespace, labels.join(","))
}

/// A pod standing in for a Service's backends when none is known: the selector as labels and the
/// Service's target ports as container ports.
fn stand_in(namespace: &str, selector: &Labels, svc: &Service) -> Pod {
    let ports: Vec<ContainerPort> = svc
        .ports
        .iter()
        .map(|sp| match &sp.target_port {
            PortRef::Number(n) => ContainerPort { name: sp.name.clone(), port: *n, protocol: sp.protocol },
            // A named target port with no pod to resolve it: DNS servers listen on 53.
            PortRef::Name(name) => ContainerPort { name: Some(name.clone()), port: sp.port, protocol: sp.protocol },
        })
        .collect();
    Pod::stand_in(namespace, &svc.name, Arc::new(selector.clone()), Arc::from(ports))
}

#[cfg(test)]
mod tests {
    use super::super::model::{Protocol::*, ServicePort};
    use super::super::testkit::*;
    use super::*;

    fn dns_pod(ns: &str, port: u16) -> Pod {
        with_ports(
            pod(ns, "dns-1", &[("k8s-app", "kube-dns")], "10.0.9.9"),
            &[("dns", port, Udp), ("dns-tcp", port, Tcp)],
        )
    }

    #[test]
    fn dns_service_named_target_port_resolves_on_the_dns_pods() {
        // OpenShift: port 53 forwards to the named port "dns", which the pods serve on 5353.
        let mut s = snapshot(vec![], vec![dns_pod("openshift-dns", 5353)], vec![]);
        s.services.push(Service {
            namespace: "openshift-dns".into(),
            name: "dns-default".into(),
            selector: Some(labels(&[("k8s-app", "kube-dns")])),
            ports: vec![
                ServicePort {
                    name: Some("dns".into()),
                    port: 53,
                    target_port: PortRef::Name("dns".into()),
                    protocol: Udp,
                },
                ServicePort {
                    name: Some("dns-tcp".into()),
                    port: 53,
                    target_port: PortRef::Name("dns-tcp".into()),
                    protocol: Tcp,
                },
            ],
            cluster_ips: vec![],
            endpoints: vec![],
        });
        let t = &dns_targets(&s)[0];
        assert_eq!((t.udp_port, t.tcp_port), (Some(5353), Some(5353)));
        assert!(!t.fallback);
    }

    #[test]
    fn dns_pods_without_their_service_give_their_own_ports() {
        let s = snapshot(vec![], vec![dns_pod("kube-system", 1053)], vec![]);
        let t = &dns_targets(&s)[0];
        assert_eq!(t.pod.name, "dns-1");
        assert_eq!((t.udp_port, t.tcp_port), (Some(1053), Some(1053)));
        assert_eq!(t.description, "kube-system pods k8s-app=kube-dns");
    }

    #[test]
    fn no_dns_found_falls_back_to_the_well_known_kube_dns() {
        let t = &dns_targets(&Snapshot::default())[0];
        assert!(t.fallback);
        assert_eq!((t.pod.namespace.as_str(), t.udp_port), ("kube-system", Some(53)));
    }
}
