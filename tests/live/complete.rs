//! Completion candidates from the cluster, through the binary started as `kubectl_complete-deny`
//! (kubectl's plugin completion), against the loopback server.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::examples;
use crate::support::{ApiServer, KubeconfigSpec, TempDir};

/// A directory holding `kubectl_complete-deny`, a link to the built binary.
pub struct Helper {
    _dir: TempDir,
    path: PathBuf,
}

impl Helper {
    pub fn install() -> Helper {
        let dir = TempDir::new("complete");
        let path = dir.path().join(format!("kubectl_complete-deny{}", std::env::consts::EXE_SUFFIX));
        #[cfg(unix)]
        std::os::unix::fs::symlink(crate::support::bin(), &path).unwrap();
        #[cfg(not(unix))]
        std::fs::copy(crate::support::bin(), &path).unwrap();
        Helper { _dir: dir, path }
    }

    /// The candidate values for the words typed after `kubectl deny`.
    pub fn complete(&self, server: &ApiServer, words: &[&str]) -> Vec<String> {
        let output = Command::new(&self.path).args(words).env_clear().envs(server.env()).output().unwrap();
        assert!(output.status.success() && output.stderr.is_empty(), "{output:?}");
        let text = String::from_utf8(output.stdout).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        assert!(lines.pop().is_some_and(|d| d.starts_with(':')), "{text}");
        lines
    }
}

fn values(lines: &[String]) -> Vec<&str> {
    lines.iter().map(|l| l.split('\t').next().unwrap()).collect()
}

#[test]
fn namespaces_pods_services_and_named_ports_come_from_the_cluster() {
    let server = ApiServer::start_with(
        examples(),
        KubeconfigSpec::new(Some("shop")).cluster("c").user("u", "t").context("shop", "c", "u", Some("production")),
    );
    let helper = Helper::install();

    let namespaces = helper.complete(&server, &["list", "-n", ""]);
    assert_eq!(values(&namespaces), ["production", "ingress-nginx", "kube-system", "monitoring", "staging"]);

    // Pods of the context's namespace, then kinds and namespaces as prefixes.
    let endpoints = helper.complete(&server, &["why", "post"]);
    assert_eq!(values(&endpoints), ["postgres-0"]);
    let endpoints = helper.complete(&server, &["why", "-n", "staging", ""]);
    assert!(values(&endpoints).contains(&"debug"), "{endpoints:?}");
    assert!(values(&endpoints).contains(&"production/"), "{endpoints:?}");

    let services = helper.complete(&server, &["why", "postgres-0", "svc/"]);
    assert_eq!(values(&services), ["svc/api", "svc/frontend", "svc/postgres"]);
    let deployments = helper.complete(&server, &["why", "production/deploy/"]);
    assert_eq!(values(&deployments), ["production/deploy/api", "production/deploy/frontend"]);

    let ports = helper.complete(&server, &["why", "x", "api-7b9c5d4f6-kx7mn:"]);
    assert_eq!(ports, ["api-7b9c5d4f6-kx7mn:http\t8080/TCP", "api-7b9c5d4f6-kx7mn:metrics\t9102/TCP"]);
    let ports = helper.complete(&server, &["why", "x", "svc/postgres:"]);
    assert_eq!(ports, ["svc/postgres:postgres\t5432/TCP -> postgres"]);
    let ports = helper.complete(&server, &["why", "x", "staging/deploy/api:"]);
    assert!(ports.is_empty(), "no such deployment: {ports:?}");
    let ports = helper.complete(&server, &["why", "x", "deploy/api:m"]);
    assert_eq!(ports, ["deploy/api:metrics\t9102/TCP"]);

    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{}", server.request_lines());
    assert!(
        requests.iter().filter(|r| r.param("limit").is_some()).all(|r| r.is_metadata_only()),
        "names are read metadata-only:\n{}",
        server.request_lines()
    );
}

#[test]
fn an_unreachable_or_refusing_cluster_contributes_nothing_quickly() {
    let server = ApiServer::start(examples());
    let helper = Helper::install();
    server.hang();
    let started = Instant::now();
    let pods = helper.complete(&server, &["why", ""]);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(values(&pods).iter().all(|v| v.ends_with('/')), "only kind prefixes and kubeconfig namespaces: {pods:?}");
    server.resume();
    server.inject(crate::support::Fault::new("GET", "/api/v1/namespaces").status(403));
    let namespaces = helper.complete(&server, &["list", "-n", ""]);
    assert_eq!(values(&namespaces), ["default"], "the context's namespace, from kubeconfig");
}
