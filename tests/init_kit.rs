//! The starter kit as objects: every variant is a valid NetworkPolicy, and the engine agrees that
//! the kit does what it says (DNS to the DNS pods on their real port, the ingress controller in,
//! everything else out).
//!
//! Contents: validity of every object of every kit variant; the engine on the rendered kit.

use std::net::IpAddr;
use std::path::Path;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use kubectl_deny::engine::{Endpoint, Engine, Protocol, Snapshot};
use kubectl_deny::kit::build::{self, IngressChoice, Options};
use kubectl_deny::kit::detect::{self, Detection, Extra};
use kubectl_deny::kit::validate;
use kubectl_deny::source::file::load_str;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/init").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn detection_of(yaml: &str) -> Detection {
    detect::detect(&load_str(yaml, "fixture", "default").expect("fixture loads"), Extra::default())
}

/// Clusters with different DNS, ingress and API server setups.
fn clusters() -> Vec<(&'static str, Detection)> {
    vec![
        ("unusual", detection_of(&fixture("unusual-cluster.yaml"))),
        ("standard", detection_of(&fixture("standard-cluster.yaml"))),
        ("empty", detection_of("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")),
        (
            "named-port-without-pods",
            detection_of(
                "apiVersion: v1\nkind: Service\nmetadata: {name: coredns, namespace: kube-system}\nspec:\n  selector: {k8s-app: coredns}\n  ports:\n  - {name: dns, port: 53, protocol: UDP, targetPort: dns}\n  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}\n",
            ),
        ),
    ]
}

/// Every combination of the kit's options.
fn option_sets() -> Vec<Options> {
    let mut sets = Vec::new();
    for dns in [true, false] {
        for ingress in [IngressChoice::Detected, IngressChoice::Namespace("edge".into()), IngressChoice::Off] {
            for same_namespace in [false, true] {
                for api_server in [false, true] {
                    for monitoring in [None, Some("monitoring".to_string())] {
                        sets.push(Options { dns, ingress: ingress.clone(), same_namespace, api_server, monitoring });
                    }
                }
            }
        }
    }
    sets
}

#[test]
fn every_object_of_every_kit_variant_is_a_valid_network_policy() {
    let mut checked = 0;
    for (cluster, detection) in clusters() {
        for options in option_sets() {
            let kit = match build::build(&detection, &options, true) {
                Ok(kit) => kit,
                Err(e) => {
                    assert!(options.api_server && detection.api_server.is_none(), "{cluster}: {e}");
                    continue;
                }
            };
            assert_eq!(kit.policies.last().unwrap().name, "default-deny-all", "the deny comes last");
            for namespace in [Some("prod"), None] {
                for np in kit.manifests(namespace) {
                    let what = format!("{cluster} {options:?} {:?}", np.metadata.name);
                    let violations = validate::network_policy(&np);
                    assert!(violations.is_empty(), "{what}: {violations:?}");

                    let yaml = serde_saphyr::to_string(&np).expect("serializes");
                    let back: NetworkPolicy = serde_saphyr::from_str(&yaml).expect("parses back from YAML");
                    assert_eq!(back, np, "{what}: YAML round trip");
                    let json = serde_json::to_string(&np).expect("serializes");
                    let back: NetworkPolicy = serde_json::from_str(&json).expect("parses back from JSON");
                    assert_eq!(back, np, "{what}: JSON round trip");

                    // The project's own reading of manifests applies the API's validation too.
                    load_str(&yaml, "kit.yaml", "prod").unwrap_or_else(|e| panic!("{what}: {e}"));

                    let spec = np.spec.as_ref().unwrap();
                    let types = spec.policy_types.as_ref().expect("policyTypes explicit");
                    assert!(!types.is_empty(), "{what}");
                    let egress_ports = spec.egress.iter().flatten().flat_map(|r| r.ports.iter().flatten());
                    let ingress_ports = spec.ingress.iter().flatten().flat_map(|r| r.ports.iter().flatten());
                    for port in egress_ports.chain(ingress_ports) {
                        assert!(port.protocol.is_some(), "{what}: protocol explicit");
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} objects checked");
}

#[test]
fn ip_blocks_are_canonical_host_cidrs() {
    assert_eq!(build::host_cidr("10.0.0.7".parse().unwrap()), "10.0.0.7/32");
    assert_eq!(build::host_cidr("fd00:0:0:0::11".parse().unwrap()), "fd00::11/128");
}

// --- the engine on the rendered kit ---------------------------------------------------------------

struct World {
    snapshot: Snapshot,
}

impl World {
    /// The unusual cluster, the application pods, and the kit rendered for `prod` with `options`.
    fn with_kit(options: &Options) -> World {
        let cluster = fixture("unusual-cluster.yaml");
        let detection = detection_of(&cluster);
        let kit = build::build(&detection, options, true).expect("builds");
        let mut text = format!("{cluster}\n---\n{}", fixture("workloads.yaml"));
        for np in kit.manifests(Some("prod")) {
            text.push_str("\n---\n");
            text.push_str(&serde_saphyr::to_string(&np).unwrap());
        }
        World { snapshot: load_str(&text, "world.yaml", "default").expect("the world loads") }
    }

    fn pod(&self, ns_name: &str) -> Endpoint<'_> {
        let (ns, name) = ns_name.split_once('/').unwrap();
        Endpoint::Pod(
            self.snapshot
                .pods
                .iter()
                .find(|p| p.namespace == ns && p.name == name)
                .unwrap_or_else(|| panic!("no pod {ns_name}")),
        )
    }

    fn allowed(&self, from: Endpoint<'_>, to: Endpoint<'_>, port: u16, protocol: Protocol) -> bool {
        Engine::new(&self.snapshot).decide(from, to, port, protocol)
    }
}

fn ip(s: &str) -> Endpoint<'static> {
    Endpoint::Ip(s.parse::<IpAddr>().unwrap())
}

const DNS_POD: &str = "openshift-dns/dns-default-7xk2p";
const WEB: &str = "prod/web-1";

#[test]
fn the_engine_allows_dns_to_the_dns_pods_real_named_port_and_nothing_else_of_them() {
    let w = World::with_kit(&Options::default());
    let (web, dns) = (w.pod(WEB), w.pod(DNS_POD));
    assert!(w.allowed(web, dns, 5353, Protocol::Udp), "the named target port dns resolves to 5353/UDP");
    assert!(w.allowed(web, dns, 5353, Protocol::Tcp));
    assert!(!w.allowed(web, dns, 53, Protocol::Udp), "the Service port is not where policy applies");
    assert!(!w.allowed(web, dns, 9154, Protocol::Tcp), "the DNS pods' metrics port stays closed");
    assert!(w.allowed(web, ip("169.254.25.10"), 53, Protocol::Udp), "NodeLocal DNSCache");
    assert!(w.allowed(web, ip("169.254.25.10"), 53, Protocol::Tcp));
    assert!(!w.allowed(web, ip("169.254.25.10"), 8080, Protocol::Tcp));
}

#[test]
fn the_engine_admits_the_ingress_controllers_forwarding_pods_only() {
    let w = World::with_kit(&Options::default());
    let web = w.pod(WEB);
    for controller in [
        "ingress-nginx/ingress-nginx-controller-5c8d66c76d-x4k7q",
        "projectcontour/envoy-2m9xw",
        "istio-system/istio-ingressgateway-7d4f8-kk2lp",
    ] {
        assert!(w.allowed(w.pod(controller), web, 8080, Protocol::Tcp), "{controller}");
    }
    assert!(
        !w.allowed(w.pod("projectcontour/contour-6b8f9c-q2w4r"), web, 8080, Protocol::Tcp),
        "Contour itself does not forward"
    );
    assert!(!w.allowed(w.pod("istio-system/istiod-5f4c7-abcde"), web, 8080, Protocol::Tcp));
}

#[test]
fn the_engine_blocks_everything_else_in_both_directions() {
    let w = World::with_kit(&Options::default());
    let (web, api) = (w.pod(WEB), w.pod("prod/api-1"));
    assert!(!w.allowed(w.pod("other/curl"), web, 8080, Protocol::Tcp), "another namespace");
    assert!(!w.allowed(web, api, 9000, Protocol::Tcp), "the same namespace, without --allow-same-namespace");
    assert!(!w.allowed(web, ip("93.184.216.34"), 443, Protocol::Tcp), "the internet");
    assert!(!w.allowed(web, ip("10.0.0.11"), 6443, Protocol::Tcp), "the API server, without --allow-apiserver");
    assert!(!w.allowed(w.pod("monitoring/prometheus-0"), web, 8080, Protocol::Tcp), "monitoring, without the flag");
    assert!(!w.allowed(ip("203.0.113.9"), web, 8080, Protocol::Tcp), "outside the cluster");
    assert!(
        w.allowed(w.pod("other/curl"), w.pod("monitoring/prometheus-0"), 9090, Protocol::Tcp),
        "other namespaces are not touched"
    );
}

#[test]
fn the_engine_follows_the_optional_allows() {
    let options =
        Options { same_namespace: true, api_server: true, monitoring: Some("monitoring".into()), ..Options::default() };
    let w = World::with_kit(&options);
    let (web, api) = (w.pod(WEB), w.pod("prod/api-1"));
    assert!(w.allowed(web, api, 9000, Protocol::Tcp), "--allow-same-namespace");
    assert!(w.allowed(api, web, 8080, Protocol::Udp), "any port and protocol within the namespace");
    assert!(w.allowed(web, ip("10.0.0.11"), 6443, Protocol::Tcp), "--allow-apiserver at the endpoint's real port");
    assert!(w.allowed(web, ip("fd00::11"), 6443, Protocol::Tcp), "and at its IPv6 endpoint");
    assert!(!w.allowed(web, ip("10.0.0.11"), 443, Protocol::Tcp), "not at the Service port");
    assert!(!w.allowed(web, ip("10.0.0.13"), 6443, Protocol::Tcp), "nor at another address");
    assert!(w.allowed(w.pod("monitoring/prometheus-0"), web, 8080, Protocol::Tcp), "--allow-monitoring");
    assert!(!w.allowed(w.pod("other/curl"), web, 8080, Protocol::Tcp));
    assert!(!w.allowed(web, w.pod("other/curl"), 80, Protocol::Tcp));
}

#[test]
fn without_dns_or_ingress_policies_the_deny_closes_those_too() {
    let options = Options { dns: false, ingress: IngressChoice::Off, ..Options::default() };
    let w = World::with_kit(&options);
    let web = w.pod(WEB);
    assert!(!w.allowed(web, w.pod(DNS_POD), 5353, Protocol::Udp));
    assert!(!w.allowed(w.pod("ingress-nginx/ingress-nginx-controller-5c8d66c76d-x4k7q"), web, 8080, Protocol::Tcp));
}
