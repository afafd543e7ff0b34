//! Reaching the cluster as kubectl does: the connection and authentication flags (`--server`,
//! `--token`, `--as`, `--as-group`, `--as-uid`, `--certificate-authority`,
//! `--insecure-skip-tls-verify`) applied over the kubeconfig, exec credential plugins that fail
//! or are missing, an address that is not a Kubernetes API, and a server that never completes a
//! connection.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{examples, expect_code, run};
use crate::support::{self, ApiServer, Fault, Fixture, KubeconfigSpec, NO_ENV, TempDir};

const WHY: &[&str] = &["why", "production/frontend-6d8f7c9b5-2lq8x", "production/api-7b9c5d4f6-kx7mn:8080"];

fn args<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(extra).copied().collect()
}

// --- the flags -----------------------------------------------------------------------------------

#[test]
fn impersonation_flags_send_kubectl_headers_on_every_request() {
    let server = ApiServer::start(examples());
    let out = run(&server, &args(WHY, &["--as", "jane", "--as-group", "devs", "--as-group", "ops", "--as-uid", "42"]));
    expect_code(&out, 0);
    let requests = server.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.header_values("Impersonate-User"), ["jane"], "{}", r.line());
        assert_eq!(r.header_values("Impersonate-Group"), ["devs", "ops"], "{}", r.line());
        assert_eq!(r.header_values("Impersonate-Uid"), ["42"], "{}", r.line());
        assert_eq!(r.authorization.as_deref(), Some("Bearer test-token"), "the user's own credentials stay");
    }
}

#[test]
fn impersonation_is_not_sent_unless_asked() {
    let server = ApiServer::start(examples());
    expect_code(&run(&server, WHY), 0);
    assert!(server.requests().iter().all(|r| r.header_values("Impersonate-User").is_empty()));
}

#[test]
fn as_is_a_flag_not_a_typo_of_namespace_and_groups_need_it() {
    let out = support::run(&["why", "--as-group", "devs", "a", "b"], NO_ENV);
    expect_code(&out, 2);
    assert!(out.stderr.contains("--as <USER>"), "clap names the missing --as:\n{}", out.stderr);
    let out = support::run(&["list", "--as"], NO_ENV);
    expect_code(&out, 2);
    assert!(!out.stderr.contains("--namespace"), "{}", out.stderr);
    assert!(out.stderr.contains("a value is required for '--as <USER>'"), "{}", out.stderr);
}

#[test]
fn token_replaces_the_kubeconfig_users_credentials() {
    let server = ApiServer::start(examples());
    // The kubeconfig's user is rejected, and has a failing exec plugin besides: --token wins over
    // both, as in kubectl.
    let dir = TempDir::new("token");
    let plugin = dir.write("plugin.sh", "#!/bin/sh\necho never run >&2\nexit 1\n");
    make_executable(&plugin);
    let path = server.write_kubeconfig(
        &KubeconfigSpec::new(Some("c"))
            .cluster("cl")
            .rejected_user("old", "expired")
            .context("c", "cl", "old", None)
            .user("other", "fresh-token")
            .exec_user("plugin", "unused", json!({"apiVersion": "client.authentication.k8s.io/v1", "command": plugin.display().to_string(), "interactiveMode": "Never"}))
            .context("p", "cl", "plugin", None),
    );
    let env = [("KUBECONFIG", path.display().to_string()), ("HOME", server.dir().display().to_string())];
    let out = support::run(&args(WHY, &["--token", "fresh-token"]), &env);
    expect_code(&out, 0);
    let out = support::run(&args(WHY, &["--token", "fresh-token", "--context", "p"]), &env);
    expect_code(&out, 0);
    assert!(!out.stderr.contains("never run"), "the plugin is not run: {}", out.stderr);
    let tokens: Vec<_> = server.requests().iter().map(|r| r.authorization.clone().unwrap_or_default()).collect();
    assert!(tokens.iter().all(|t| t == "Bearer fresh-token"), "{tokens:?}");
}

#[test]
fn server_flag_overrides_the_clusters_address() {
    let server = ApiServer::start(examples());
    let down = support::closed_port_url();
    let path = server.write_kubeconfig(
        &KubeconfigSpec::new(Some("c")).cluster_at("gone", &down).user("u", "t").context("c", "gone", "u", None),
    );
    let env = [("KUBECONFIG", path.display().to_string())];
    let out = support::run(&args(WHY, &["-s", &server.url()]), &env);
    expect_code(&out, 0);
    let out = support::run(&args(WHY, &["--server", &server.url(), "--request-timeout", "5s"]), &env);
    expect_code(&out, 0);
    assert!(server.requests().iter().all(|r| r.authorization.as_deref() == Some("Bearer t")), "the user stays");
}

#[test]
fn server_and_token_need_no_kubeconfig() {
    let server = ApiServer::start(examples());
    let out = support::run(&args(WHY, &["--server", &server.url(), "--token", "test-token"]), NO_ENV);
    expect_code(&out, 0);
    assert!(out.stdout.starts_with("ALLOWED"), "{}", out.describe());
    // The namespace flag still applies, and the default namespace is `default`.
    let out = support::run(
        &[
            "why",
            "-n",
            "production",
            "frontend-6d8f7c9b5-2lq8x",
            "api-7b9c5d4f6-kx7mn:8080",
            "-s",
            &server.url(),
            "--token",
            "test-token",
        ],
        NO_ENV,
    );
    expect_code(&out, 0);
    // Without a token the server answers 401, which is reported as such.
    let out = support::run(&["list", "--server", &server.url()], NO_ENV);
    expect_code(&out, 2);
    assert!(out.stderr.contains("rejected the credentials (401 Unauthorized)"), "{}", out.stderr);
}

#[test]
fn certificate_authority_and_insecure_are_kubectls_and_exclusive() {
    let server = ApiServer::start(examples());
    let out = run(&server, &args(&["list"], &["--certificate-authority", "/ca.pem", "--insecure-skip-tls-verify"]));
    expect_code(&out, 2);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
    // The CA file replaces the kubeconfig's: one that does not exist is named.
    let out = run(&server, &args(&["list"], &["--certificate-authority", "/nonexistent/ca.pem"]));
    expect_code(&out, 2);
    assert!(out.stderr.contains("/nonexistent/ca.pem"), "{}", out.stderr);
    // Over plain HTTP, insecure changes nothing and is accepted.
    expect_code(&run(&server, &args(&["list"], &["--insecure-skip-tls-verify"])), 0);
}

#[test]
fn a_bad_server_flag_is_a_usage_error() {
    for (value, why) in
        [("ftp://x", "the scheme must be https:// or http://"), ("https://", "no host"), ("", "needs a value")]
    {
        let out = support::run(&["list", "--server", value], NO_ENV);
        expect_code(&out, 2);
        assert!(out.stderr.contains(why), "{value}: {}", out.stderr);
    }
}

// --- exec credential plugins ---------------------------------------------------------------------

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn plugin_kubeconfig(server: &ApiServer, exec: serde_json::Value) -> Vec<(String, String)> {
    let path = server.write_kubeconfig(
        &KubeconfigSpec::new(Some("eks"))
            .cluster("c")
            .exec_user("sso", "plugin-token", exec)
            .context("eks", "c", "sso", None),
    );
    vec![("KUBECONFIG".into(), path.display().to_string()), ("HOME".into(), server.dir().display().to_string())]
}

#[test]
fn a_working_exec_plugin_provides_the_token() {
    let server = ApiServer::start(examples());
    let dir = TempDir::new("plugin");
    let plugin = dir.write(
        "plugin.sh",
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"plugin-token\"}}'\n",
    );
    make_executable(&plugin);
    let env = plugin_kubeconfig(
        &server,
        json!({"apiVersion": "client.authentication.k8s.io/v1", "command": plugin.display().to_string(), "interactiveMode": "Never"}),
    );
    expect_code(&support::run(WHY, &env), 0);
    assert!(server.requests().iter().all(|r| r.authorization.as_deref() == Some("Bearer plugin-token")));
}

/// A plugin that appends a line to `runs` each time it runs and prints an ExecCredential for
/// `plugin-token` (with `status`'s extra fields, e.g. an expirationTimestamp).
fn counting_plugin(dir: &TempDir, status_extra: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let runs = dir.path().join("runs");
    let plugin = dir.write(
        "count.sh",
        &format!(
            "#!/bin/sh
echo run >> '{}'
echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"plugin-token\"{status_extra}}}}}'\n",
            runs.display()
        ),
    );
    make_executable(&plugin);
    (plugin, runs)
}

fn runs_of(runs: &std::path::Path) -> usize {
    std::fs::read_to_string(runs).map(|s| s.lines().count()).unwrap_or(0)
}

#[test]
fn the_exec_plugin_runs_once_per_command() {
    // kube builds a client by running the plugin three times (TLS identity, auth layer, expiry);
    // a cloud CLI takes up to a second per run. One run, whatever the command reads.
    for status_extra in ["", r#","expirationTimestamp":"2099-01-01T00:00:00Z""#] {
        for command in
            [WHY, &["list", "-A"], &["matrix", "-n", "production"], &["init", "-n", "staging", "--dry-run=server"]]
        {
            let server = ApiServer::start(examples());
            let dir = TempDir::new("plugin");
            let (plugin, runs) = counting_plugin(&dir, status_extra);
            let env = plugin_kubeconfig(
                &server,
                json!({"apiVersion": "client.authentication.k8s.io/v1", "command": plugin.display().to_string(), "interactiveMode": "Never"}),
            );
            let out = support::run(command, &env);
            expect_code(&out, 0);
            assert!(!server.requests().is_empty());
            assert!(
                server.requests().iter().all(|r| r.authorization.as_deref() == Some("Bearer plugin-token")),
                "{command:?}"
            );
            assert_eq!(runs_of(&runs), 1, "{command:?} {status_extra}: the plugin ran {} times", runs_of(&runs));
        }
    }
}

#[test]
fn an_expired_exec_credential_is_fetched_again_before_a_request() {
    // A credential that expires within kube's minute of margin is refreshed before the next
    // request: the plugin is run again rather than a stale token sent.
    let server = ApiServer::start(examples());
    let dir = TempDir::new("plugin");
    let (plugin, runs) = counting_plugin(&dir, r#","expirationTimestamp":"2000-01-01T00:00:00Z""#);
    let env = plugin_kubeconfig(
        &server,
        json!({"apiVersion": "client.authentication.k8s.io/v1", "command": plugin.display().to_string(), "interactiveMode": "Never"}),
    );
    expect_code(&support::run(WHY, &env), 0);
    let requests = server.requests().len();
    assert_eq!(runs_of(&runs), 1 + requests, "once to connect, then once before each of the {requests} requests");
}

#[test]
fn a_failing_exec_plugin_shows_its_command_stderr_and_install_hint() {
    let server = ApiServer::start(examples());
    let dir = TempDir::new("plugin");
    let plugin = dir.write(
        "aws.sh",
        "#!/bin/sh\necho >&2\necho 'An error occurred (ExpiredToken): the SSO session has expired' >&2\necho '  run aws sso login' >&2\nexit 255\n",
    );
    make_executable(&plugin);
    let env = plugin_kubeconfig(
        &server,
        json!({
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": plugin.display().to_string(),
            "args": ["eks", "get-token", "--cluster-name", "prod cluster"],
            "interactiveMode": "Never",
            "installHint": "Install the AWS CLI: https://aws.amazon.com/cli/\n",
        }),
    );
    let out = support::run(WHY, &env);
    expect_code(&out, 2);
    assert_eq!(
        out.stderr,
        format!(
            "error: the credential plugin of user sso (context eks) failed: `{} eks get-token --cluster-name 'prod cluster'` \
             exited with status 255:\n    An error occurred (ExpiredToken): the SSO session has expired\n      run aws sso login\n  \
             Install the AWS CLI: https://aws.amazon.com/cli/\n",
            plugin.display()
        )
    );
    assert!(!out.stderr.contains("Output {"), "no debug dump");
    assert_eq!(server.requests().len(), 0);
}

#[test]
fn an_interactive_exec_plugin_writes_its_own_messages() {
    let server = ApiServer::start(examples());
    let dir = TempDir::new("plugin");
    let plugin = dir.write("login.sh", "#!/bin/sh\necho 'open https://login.example to sign in' >&2\nexit 1\n");
    make_executable(&plugin);
    // Without interactiveMode: Never, kube lets the plugin write to the terminal.
    let env = plugin_kubeconfig(
        &server,
        json!({"apiVersion": "client.authentication.k8s.io/v1", "command": plugin.display().to_string()}),
    );
    let out = support::run(&["list"], &env);
    expect_code(&out, 2);
    assert!(
        out.stderr.starts_with("open https://login.example to sign in\nerror: the credential plugin of user sso"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("` exited with status 1 (its messages, if any, are above)\n"), "{}", out.stderr);
}

#[test]
fn a_missing_exec_plugin_is_named_with_the_install_hint() {
    let server = ApiServer::start(examples());
    let env = plugin_kubeconfig(
        &server,
        json!({
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "kubectl-deny-test-no-such-plugin",
            "args": ["get-token"],
            "installHint": "kubelogin is required: brew install int128/kubelogin/kubelogin",
        }),
    );
    let out = support::run(&["list"], &env);
    expect_code(&out, 2);
    assert_eq!(
        out.stderr,
        "error: the credential plugin of user sso (context eks) failed: `kubectl-deny-test-no-such-plugin get-token` was \
         not found\n  kubelogin is required: brew install int128/kubelogin/kubelogin\n"
    );
    // Without an installHint, the fix is said.
    let env = plugin_kubeconfig(
        &server,
        json!({"apiVersion": "client.authentication.k8s.io/v1", "command": "kubectl-deny-test-no-such-plugin"}),
    );
    let out = support::run(&["list"], &env);
    expect_code(&out, 2);
    assert!(
        out.stderr.ends_with("was not found\n  install it, or fix users[].user.exec.command in the kubeconfig\n"),
        "{}",
        out.stderr
    );
}

// --- not a Kubernetes API, and servers that do not answer ----------------------------------------

#[test]
fn a_server_that_answers_404_everywhere_is_not_a_kubernetes_api() {
    let server = ApiServer::start(examples());
    // A web server at the address: 404 with a text body for every path, /version included.
    server.inject(Fault::new("*", "*").status(404).body(json!("404 page not found")));
    for command in [WHY, &["list"][..], &["why", "shop/web", "shop/api:80"], &["matrix", "-n", "shop"]] {
        server.clear_log();
        let out = run(&server, command);
        expect_code(&out, 2);
        assert!(
            out.stderr.starts_with(&format!(
                "error: the server {} (context test) is not a Kubernetes API server: it answered 404 Not Found to ",
                server.url()
            )),
            "{command:?}: {}",
            out.stderr
        );
        assert!(out.stderr.ends_with("\n  check the server address (kubectl config view --minify, or --server)\n"));
        assert!(!out.stderr.contains("namespace \"shop\" not found"), "{}", out.stderr);
        assert_eq!(server.count("GET", "/version"), 1, "asked once:\n{}", server.request_lines());
    }
}

#[test]
fn a_404_without_a_kubernetes_status_from_a_real_server_stays_not_found() {
    let server = ApiServer::start(examples());
    // A proxy in front of a real API server answers a missing pod with a bare 404.
    server.inject(Fault::new("GET", "/api/v1/namespaces/production/pods/nope").status(404).body(json!("")));
    let out = run(&server, &["why", "production/nope", "production/api-7b9c5d4f6-kx7mn:8080"]);
    expect_code(&out, 2);
    assert!(out.stderr.starts_with("error: pod \"nope\" not found in namespace \"production\""), "{}", out.stderr);
    assert_eq!(server.count("GET", "/version"), 1, "{}", server.request_lines());
}

#[test]
fn a_real_not_found_costs_no_extra_request() {
    let server = ApiServer::start(examples());
    let out = run(&server, &["why", "production/nope", "production/api-7b9c5d4f6-kx7mn:8080"]);
    expect_code(&out, 2);
    assert_eq!(server.count("GET", "/version"), 0, "{}", server.request_lines());
}

/// A kubeconfig pointing at `https://` on a server that stalls every connection.
fn stalled(server: &ApiServer) -> Vec<(String, String)> {
    let path = server.write_kubeconfig(
        &KubeconfigSpec::new(Some("tls"))
            .cluster_at("c", &format!("https://{}", server.addr()))
            .user("u", "t")
            .context("tls", "c", "u", None),
    );
    server.stall();
    vec![("KUBECONFIG".into(), path.display().to_string()), ("HOME".into(), server.dir().display().to_string())]
}

#[test]
fn a_server_that_never_completes_the_handshake_is_bounded_by_default() {
    let server = ApiServer::start(Fixture::new());
    let env = stalled(&server);
    let started = Instant::now();
    let out = support::run(&["list", "--insecure-skip-tls-verify"], &env);
    let took = started.elapsed();
    expect_code(&out, 2);
    assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(20), "took {took:?}");
    assert!(
        out.stderr
            .starts_with(&format!("error: the API server https://{} (context tls) did not answer ", server.addr())),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(" within 10s (the bound on connecting and the TLS handshake)")
            && out.stderr.contains("--request-timeout"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("cannot reach") && !out.stderr.contains("deadline has elapsed"), "{}", out.stderr);
}

#[test]
fn a_stalled_handshake_within_request_timeout_names_it() {
    let server = ApiServer::start(Fixture::new());
    let env = stalled(&server);
    let started = Instant::now();
    let out = support::run(&["list", "--insecure-skip-tls-verify", "--request-timeout", "1s"], &env);
    expect_code(&out, 2);
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
    assert!(out.stderr.ends_with(" within 1s (--request-timeout); try a longer --request-timeout\n"), "{}", out.stderr);
    assert!(!out.stderr.contains("deadline has elapsed"), "{}", out.stderr);
}
