//! Errors a user can act on, through the binary: kubeconfig selection (files, contexts, clusters,
//! users) and every way the API server can fail. Each exits 2 and says what to do.

use std::time::{Duration, Instant};

use crate::common::{examples, expect_code, run};
use crate::support::{self, ApiServer, Fault, Fixture, KubeconfigSpec, NO_ENV};

const WHY: &[&str] = &["why", "production/frontend-6d8f7c9b5-2lq8x", "production/api-7b9c5d4f6-kx7mn:8080"];

fn with_timeout<'a>(args: &[&'a str], timeout: &'a str) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--request-timeout", timeout]);
    all
}

// --- kubeconfig ----------------------------------------------------------------------------------

#[test]
fn no_kubeconfig_at_all_says_where_it_looked_and_offers_manifests() {
    let out = support::run(&["list"], NO_ENV);
    expect_code(&out, 2);
    assert!(out.stderr.starts_with("error: no kubeconfig found (looked at "), "{}", out.stderr);
    assert!(out.stderr.contains(".kube/config") && out.stderr.contains("-f"), "{}", out.stderr);
}

#[test]
fn a_kubeconfig_list_of_missing_files_is_no_kubeconfig() {
    let out = support::run(&["list"], &[("KUBECONFIG", "/nonexistent/a:/nonexistent/b")]);
    expect_code(&out, 2);
    assert!(
        out.stderr.contains("no kubeconfig found (looked at KUBECONFIG=/nonexistent/a:/nonexistent/b"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_missing_kubeconfig_flag_file_is_named() {
    let server = ApiServer::start(Fixture::new());
    let out = run(&server, &["list", "--kubeconfig", "/nonexistent/config"]);
    expect_code(&out, 2);
    assert_eq!(out.stderr, "error: kubeconfig /nonexistent/config: no such file (given with --kubeconfig)\n");
}

#[test]
fn a_kubeconfig_that_does_not_parse_is_named() {
    let server = ApiServer::start(Fixture::new());
    let bad = support::TempDir::new("bad-kubeconfig");
    let path = bad.write("config", "clusters: [this is not\n");
    let out = run(&server, &["list", "--kubeconfig", &path.display().to_string()]);
    expect_code(&out, 2);
    assert!(out.stderr.starts_with(&format!("error: kubeconfig {}: ", path.display())), "{}", out.stderr);
}

#[test]
fn unknown_context_cluster_or_user_lists_the_ones_that_exist() {
    let server = ApiServer::start(Fixture::new());
    let out = run(&server, &["list", "--context", "prod"]);
    expect_code(&out, 2);
    assert!(
        out.stderr.contains("context \"prod\" (given with --context) not found; available: test"),
        "{}",
        out.stderr
    );
    let out = run(&server, &["list", "--cluster", "prod-cluster"]);
    expect_code(&out, 2);
    assert!(
        out.stderr.contains("cluster \"prod-cluster\" (given with --cluster) not found; available: test-cluster"),
        "{}",
        out.stderr
    );
    let out = run(&server, &["list", "--user", "admin"]);
    expect_code(&out, 2);
    assert!(
        out.stderr.contains("user \"admin\" (given with --user) not found; available: test-user"),
        "{}",
        out.stderr
    );
}

#[test]
fn no_current_context_asks_for_one() {
    let server = ApiServer::start(Fixture::new());
    let path =
        server.write_kubeconfig(&KubeconfigSpec::new(None).cluster("c").user("u", "t").context("one", "c", "u", None));
    let out = support::run(&["list"], &[("KUBECONFIG", path.display().to_string())]);
    expect_code(&out, 2);
    assert!(out.stderr.contains("no current context; pick one with --context (one)"), "{}", out.stderr);
}

#[test]
fn kubeconfig_files_of_the_list_merge_first_wins() {
    let server = ApiServer::start(examples());
    // The first file sets no current context (as `kubectl config` leaves it, empty); the second
    // does. Each brings its own context, with a default namespace.
    let first = server.write_kubeconfig(&KubeconfigSpec::new(None).cluster("c1").user("u1", "t1").context(
        "staging",
        "c1",
        "u1",
        Some("staging"),
    ));
    let second = server.write_kubeconfig(&KubeconfigSpec::new(Some("prod")).cluster("c2").user("u2", "t2").context(
        "prod",
        "c2",
        "u2",
        Some("production"),
    ));
    let list = std::env::join_paths([&first, &second]).unwrap().into_string().unwrap();
    let env = [("KUBECONFIG", list.as_str()), ("HOME", &server.dir().display().to_string())];
    // The current context comes from the second file: bare names are in production.
    let out = support::run(&["why", "frontend-6d8f7c9b5-2lq8x", "api-7b9c5d4f6-kx7mn:8080"], &env);
    expect_code(&out, 0);
    // The first file's context is selectable, with its namespace.
    let out = support::run(&["why", "--context", "staging", "debug", "frontend-5f6d7c8b9-abcde:8080"], &env);
    expect_code(&out, 1);
    assert!(out.stdout.starts_with("BLOCKED  staging/debug -> staging/frontend-5f6d7c8b9-abcde"), "{}", out.stdout);
    let tokens: Vec<String> = server.requests().iter().filter_map(|r| r.authorization.clone()).collect();
    assert!(tokens.contains(&"Bearer t1".to_string()) && tokens.contains(&"Bearer t2".to_string()), "{tokens:?}");
}

#[test]
fn context_switches_clusters_and_users() {
    let server = ApiServer::start(examples());
    let down = support::closed_port_url();
    let path = server.write_kubeconfig(
        &KubeconfigSpec::new(Some("down"))
            .cluster_at("gone", &down)
            .cluster("here")
            .user("u", "t")
            .context("down", "gone", "u", None)
            .context("up", "here", "u", None),
    );
    let env = [("KUBECONFIG", path.display().to_string())];
    let out = support::run(&with_timeout(&["list", "--context", "up"], "10s"), &env);
    expect_code(&out, 0);
    let out = support::run(&with_timeout(&["list"], "10s"), &env);
    expect_code(&out, 2);
    assert!(out.stderr.contains(&format!("cannot reach the API server {down} (context down)")), "{}", out.stderr);
    // --cluster overrides the context's cluster.
    let out = support::run(&with_timeout(&["list", "--cluster", "here"], "10s"), &env);
    expect_code(&out, 0);
}

// --- the API server failing ----------------------------------------------------------------------

#[test]
fn an_unreachable_server_is_named_with_its_context() {
    let server = ApiServer::start(examples());
    server.refuse_connections();
    let out = run(&server, WHY);
    expect_code(&out, 2);
    assert!(
        out.stderr.starts_with(&format!(
            "error: cannot reach the API server {} (context test): Connection refused",
            server.url()
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("kubectl config current-context") && out.stderr.contains("-f"), "{}", out.stderr);
}

#[test]
fn request_timeout_bounds_every_call() {
    let server = ApiServer::start(examples());
    // Only the policy list is slow: the first calls answer, the bound still applies to each.
    server.inject(
        Fault::new("GET", "/apis/networking.k8s.io/v1/namespaces/production/networkpolicies")
            .delay(Duration::from_secs(20)),
    );
    let started = Instant::now();
    let out = run(&server, &with_timeout(WHY, "500ms"));
    let took = started.elapsed();
    expect_code(&out, 2);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(
        out.stderr,
        format!(
            "error: the API server {} (context test) did not answer list networkpolicies.networking.k8s.io in \
             namespace production within 500ms (--request-timeout); try a longer --request-timeout\n",
            server.url()
        )
    );
}

#[test]
fn the_bound_is_per_call_not_for_the_whole_command() {
    let server = ApiServer::start(examples());
    // Every call takes 1.2s; `why` waits for at least two rounds of them (its reads go out
    // together where they can), over the 2s bound in all.
    server.inject(Fault::new("GET", "*").delay(Duration::from_millis(1200)));
    let started = Instant::now();
    let out = run(&server, &with_timeout(WHY, "2s"));
    expect_code(&out, 0);
    assert!(started.elapsed() > Duration::from_secs(2), "took {:?}", started.elapsed());
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = ApiServer::start(examples());
    server.hang();
    let started = Instant::now();
    let out = run(&server, &with_timeout(&["list"], "1s"));
    expect_code(&out, 2);
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
    // Every read of `list` runs at once (the discovery of served APIs among them); whichever is
    // reported, it is bounded.
    assert!(
        out.stderr.starts_with(&format!("error: the API server {} (context test) did not answer ", server.url()))
            && out.stderr.ends_with(" within 1s (--request-timeout); try a longer --request-timeout\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn rejected_credentials_say_to_log_in_again() {
    let server = ApiServer::start(examples());
    let path = server.write_kubeconfig(
        &KubeconfigSpec::new(Some("expired"))
            .cluster("c")
            .rejected_user("me", "old-token")
            .context("expired", "c", "me", None),
    );
    let out = support::run(WHY, &[("KUBECONFIG", path.display().to_string())]);
    expect_code(&out, 2);
    assert!(
        out.stderr.starts_with(&format!(
            "error: the API server {} (context expired) rejected the credentials (401 Unauthorized)",
            server.url()
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("kubectl auth whoami"), "{}", out.stderr);
}

#[test]
fn forbidden_names_verb_resource_namespace_and_the_check() {
    let server = ApiServer::start(examples());
    server.inject(Fault::new("GET", "/api/v1/namespaces/production/pods/*").status(403));
    let out = run(&server, WHY);
    expect_code(&out, 2);
    assert!(
        out.stderr.starts_with("error: forbidden: pods \"frontend-6d8f7c9b5-2lq8x\" is forbidden: "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "\n  kubectl-deny needs to get pods in namespace production; check with: kubectl auth can-i get pods -n production\n"
        ),
        "{}",
        out.stderr
    );
    server.clear_faults();
    server.inject(Fault::new("GET", "/api/v1/pods").status(403));
    let out = run(&server, &["list"]);
    expect_code(&out, 2);
    assert!(out.stderr.contains("check with: kubectl auth can-i list pods --all-namespaces"), "{}", out.stderr);
}

#[test]
fn unavailable_servers_answer_at_once_without_retries() {
    let server = ApiServer::start(examples());
    for (code, retry_after) in [(503, Some(30)), (429, None), (500, None)] {
        server.clear_faults();
        server.clear_log();
        let mut fault = Fault::new("GET", "/api/v1/namespaces/production/pods/*").status(code);
        if let Some(secs) = retry_after {
            fault = fault.retry_after(secs);
        }
        server.inject(fault);
        let started = Instant::now();
        let out = run(&server, WHY);
        expect_code(&out, 2);
        assert!(started.elapsed() < Duration::from_secs(5), "{code} took {:?}", started.elapsed());
        assert!(
            out.stderr.starts_with(&format!(
                "error: the API server {} answered {code} while trying to get pods frontend-6d8f7c9b5-2lq8x in namespace production: ",
                server.url()
            )),
            "{}",
            out.stderr
        );
        let tried = server.count("GET", "/api/v1/namespaces/production/pods/frontend");
        assert_eq!(tried, 1, "{code} is not retried:\n{}", server.request_lines());
        match (code, retry_after) {
            (503, Some(secs)) => assert!(out.stderr.contains(&format!("asks to retry in {secs}s")), "{}", out.stderr),
            (429, None) => assert!(out.stderr.contains("busy or unavailable, try again shortly"), "{}", out.stderr),
            _ => assert!(!out.stderr.contains("try again"), "{}", out.stderr),
        }
    }
}

#[test]
fn a_namespace_that_does_not_exist_is_named_by_every_command() {
    let server = ApiServer::start(examples());
    for args in [
        &["list", "-n", "prodution"][..],
        &["matrix", "-n", "prodution"],
        &["why", "prodution/a", "production/b"],
        &["why", "production/postgres-0", "prodution/svc/b"],
    ] {
        let out = run(&server, args);
        expect_code(&out, 2);
        assert_eq!(out.stderr, "error: namespace \"prodution\" not found\n  did you mean: production?\n", "{args:?}");
    }
}

#[test]
fn a_response_that_is_not_from_kubernetes_is_reported_as_such() {
    let server = ApiServer::start(examples());
    server.inject(Fault::new("GET", "/api/v1/pods").body(serde_json::json!("<html>login</html>")));
    let out = run(&server, &["list"]);
    expect_code(&out, 2);
    assert!(out.stderr.contains("reading the list of pods from the API server: unexpected response"), "{}", out.stderr);
}

// --- --request-timeout ---------------------------------------------------------------------------

#[test]
fn a_request_timeout_beyond_what_kubectl_takes_is_refused_before_connecting() {
    let server = ApiServer::start(examples());
    // A bare integer is seconds, bounded like a duration with a unit (issue 11.2: it overflowed
    // inside hyper and ended in "channel closed").
    for huge in ["9300000000000000000", "9223372037", "2562048h"] {
        let out = run(&server, &with_timeout(&["list"], huge));
        expect_code(&out, 2);
        assert!(
            out.stderr.starts_with(&format!(
                "error: invalid --request-timeout {huge:?}: out of range: the longest timeout kubectl takes is \
                 9223372036 seconds"
            )),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    assert_eq!(server.requests().len(), 0, "nothing is sent:\n{}", server.request_lines());
}

#[test]
fn the_longest_request_timeout_is_a_bound_that_never_fires() {
    let server = ApiServer::start(examples());
    for longest in ["9223372036", "2562047h47m16.854775807s", "0.1ns"] {
        let out = run(&server, &with_timeout(WHY, longest));
        expect_code(&out, 0);
        assert!(!out.stderr.contains("panicked"), "{longest}: {}", out.stderr);
    }
}

#[test]
fn an_odd_length_utf16_kubeconfig_is_named_not_a_crash() {
    // kube-client 5.0.0 panics reading these (issue 11.1): every command that connects crashed.
    let dir = support::TempDir::new("utf16-kubeconfig");
    for (name, bytes, order) in
        [("le", &[0xFF_u8, 0xFE, 0x41][..], "little-endian"), ("be", &[0xFE, 0xFF, 0x00][..], "big-endian")]
    {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for args in [&["list"][..], WHY] {
            let env = [("KUBECONFIG", path.display().to_string())];
            let out = support::run(args, &env);
            expect_code(&out, 2);
            assert_eq!(
                out.stderr,
                format!(
                    "error: kubeconfig {}: it starts with a UTF-16 {order} byte-order mark but has an odd number of \
                     bytes after it (1), so it is truncated or not UTF-16; save it as UTF-8\n",
                    path.display()
                )
            );
        }
    }
}
