//! kubectl's plugin completion protocol: when the binary is started as `kubectl_complete-deny`,
//! it prints completion candidates for the words typed after `kubectl deny` instead of running a
//! command.
//!
//! kubectl (1.26+) runs `kubectl_complete-deny WORD... PARTIAL` (the last word possibly empty)
//! and reads one candidate per line, `value` or `value<TAB>description`, then a last line
//! `:<directive>` with cobra's ShellCompDirective bits. Nothing is ever written to stderr: kubectl
//! passes it straight to the terminal in the middle of the user's command line.
//!
//! `line` maps the words onto the clap definition; `source` holds the provider interface and
//! deadline for dynamic candidates; `kubeconfig` is the provider for kubeconfig names, `cluster` the
//! one for names read from the cluster, `files` the one for names read from `-f` manifests. This module owns the process entry point and the output
//! format; it never touches a cluster itself.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;

pub mod cluster;
pub mod files;
pub mod kubeconfig;
pub mod line;
pub mod source;

pub use source::{Candidate, CandidateSource, EndpointKind, LookupError, Query, Scope, Sources};

/// The executable kubectl looks for on PATH to complete `kubectl deny ...`.
pub const HELPER_NAME: &str = "kubectl_complete-deny";

/// cobra's ShellCompDirective: how the shell should treat the candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Directive(u32);

impl Directive {
    /// Let the shell do its default (file completion when there are no candidates).
    pub const DEFAULT: Directive = Directive(0);
    /// Something went wrong; the shell ignores the candidates.
    pub const ERROR: Directive = Directive(1);
    /// No space after the completed word.
    pub const NO_SPACE: Directive = Directive(2);
    /// No file completion, even with no candidates.
    pub const NO_FILE_COMP: Directive = Directive(4);
    /// The candidates are file extensions to filter file completion by.
    pub const FILTER_FILE_EXT: Directive = Directive(8);
    /// Complete directory names only.
    pub const FILTER_DIRS: Directive = Directive(16);
    /// Keep the candidates in the order given instead of sorting them.
    pub const KEEP_ORDER: Directive = Directive(32);

    pub const fn bits(self) -> u32 {
        self.0
    }

    pub const fn contains(self, other: Directive) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Directive {
    type Output = Directive;
    fn bitor(self, rhs: Directive) -> Directive {
        Directive(self.0 | rhs.0)
    }
}

/// The answer to one completion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completions {
    pub candidates: Vec<Candidate>,
    pub directive: Directive,
}

impl Completions {
    pub fn new(candidates: Vec<Candidate>, directive: Directive) -> Self {
        Completions { candidates, directive }
    }

    /// Writes the protocol's text: one candidate per line, then `:<directive>`. Values a shell
    /// could not insert as one word (empty, or with whitespace) are left out; descriptions are
    /// cut to their first line.
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for c in &self.candidates {
            if c.value.is_empty() || c.value.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
                continue;
            }
            let description = c.description.as_deref().and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()));
            match description {
                Some(d) => writeln!(out, "{}\t{}", c.value, d.replace(|ch: char| ch.is_control(), " "))?,
                None => writeln!(out, "{}", c.value)?,
            }
        }
        writeln!(out, ":{}", self.directive.bits())
    }
}

/// The environment the helper reads, captured once at its entry point.
#[derive(Debug, Clone, Default)]
pub struct HelperEnv {
    /// `$KUBECONFIG`, a path list.
    pub kubeconfig: Option<OsString>,
    /// The home directory, for `~/.kube/config` and `~/` in a typed `--kubeconfig`.
    pub home: Option<PathBuf>,
}

impl HelperEnv {
    pub fn from_process() -> Self {
        let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).filter(|h| !h.is_empty());
        HelperEnv { kubeconfig: std::env::var_os("KUBECONFIG"), home: home.map(PathBuf::from) }
    }
}

/// Whether `argv0` (the name the process was started as) is the completion helper's name, with
/// or without Windows' `.exe`, whatever directory it was run from.
pub fn is_helper_invocation(argv0: &OsStr) -> bool {
    let Some(name) = Path::new(argv0).file_name().and_then(OsStr::to_str) else {
        return false;
    };
    // Windows file names are case-insensitive, and so is its lookup of `.exe`.
    name == HELPER_NAME
        || name.len() == HELPER_NAME.len() + 4
            && name.is_char_boundary(HELPER_NAME.len())
            && name[..HELPER_NAME.len()].eq_ignore_ascii_case(HELPER_NAME)
            && name[HELPER_NAME.len()..].eq_ignore_ascii_case(".exe")
}

/// Completes the last of `words` (the words after `kubectl deny`).
pub fn complete(words: &[String], env: &HelperEnv, sources: &Sources) -> Completions {
    let mut cmd = Cli::command();
    // Building propagates the global flags into every subcommand and adds --help and --version,
    // so the command tree is exactly what the parser accepts.
    cmd.build();
    line::complete(&cmd, words, env, sources)
}

/// The helper's process entry point: `words` are the arguments after the program name.
pub fn main(words: &[OsString]) -> ExitCode {
    // A bug here must not print a panic message into the user's command line.
    std::panic::set_hook(Box::new(|_| {}));
    let words: Vec<String> = words.iter().map(|w| w.to_string_lossy().into_owned()).collect();
    let env = HelperEnv::from_process();
    let completions = std::panic::catch_unwind(|| complete(&words, &env, &Sources::standard()))
        .unwrap_or_else(|_| Completions::new(Vec::new(), Directive::ERROR));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = completions.write_to(&mut out).and_then(|()| out.flush());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A stand-in for the live-cluster source: answers cluster queries from fixed data, and
    /// records the scope it was asked with.
    struct FakeCluster {
        seen: std::sync::Mutex<Vec<(Scope, Query)>>,
    }

    impl FakeCluster {
        fn new() -> std::sync::Arc<FakeCluster> {
            std::sync::Arc::new(FakeCluster { seen: std::sync::Mutex::new(Vec::new()) })
        }
    }

    struct Shared(std::sync::Arc<FakeCluster>);

    impl CandidateSource for Shared {
        fn lookup(&self, scope: &Scope, query: &Query) -> Result<Vec<Candidate>, LookupError> {
            self.0.seen.lock().unwrap().push((scope.clone(), query.clone()));
            let ns = |n: &Option<String>| n.clone().or(scope.namespace.clone()).unwrap_or_else(|| "default".into());
            let names: Vec<&str> = match query {
                Query::Namespaces => vec!["default", "prod", "kube-system"],
                Query::Pods { namespace } if ns(namespace) == "prod" => vec!["web-1", "db-0"],
                Query::Pods { .. } => vec!["frontend-7d4b9", "db-5f6c8"],
                Query::Workloads { kind: EndpointKind::Deployment, .. } => vec!["web", "api"],
                Query::Workloads { .. } => vec![],
                Query::Services { .. } => vec!["api", "db"],
                Query::NamedPorts { name, .. } if name == "db-0" => {
                    return Ok(vec![
                        Candidate::described("postgres", "5432/TCP"),
                        Candidate::described("metrics", "9187/TCP"),
                    ]);
                }
                _ => vec![],
            };
            Ok(names.into_iter().map(Candidate::new).collect())
        }
    }

    fn run(words: &[&str], sources: &Sources) -> (Vec<String>, Directive) {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let got = complete(&words, &HelperEnv::default(), sources);
        (got.candidates.into_iter().map(|c| c.value).collect(), got.directive)
    }

    fn values(words: &[&str]) -> Vec<String> {
        run(words, &Sources::none()).0
    }

    fn with_cluster(words: &[&str]) -> (Vec<String>, Directive) {
        run(words, &Sources::none().with(Shared(FakeCluster::new())))
    }

    #[test]
    fn helper_is_recognised_by_file_name_only() {
        for name in [
            "kubectl_complete-deny",
            "/home/u/.krew/bin/kubectl_complete-deny",
            "kubectl_complete-deny.exe",
            r"C:\Users\u\.krew\bin\KUBECTL_COMPLETE-DENY.EXE",
        ] {
            let name = name.replace('\\', std::path::MAIN_SEPARATOR_STR);
            assert!(is_helper_invocation(OsStr::new(&name)), "{name}");
        }
        for name in ["kubectl-deny", "kubectl_complete-deny.sh", "kubectl_complete-denyx", "/x/kubectl_complete-deny/y"]
        {
            assert!(!is_helper_invocation(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn empty_line_offers_subcommands_in_contract_order() {
        let (got, directive) = run(&[""], &Sources::none());
        assert_eq!(got, ["why", "matrix", "list", "init", "audit", "diff", "completion", "version", "help"]);
        assert_eq!(directive, Directive::NO_FILE_COMP | Directive::KEEP_ORDER);
        assert_eq!(values(&["m"]), ["matrix"]);
        // No words at all is the same as one empty word.
        assert_eq!(run(&[], &Sources::none()).0.len(), 9);
    }

    #[test]
    fn subcommands_are_offered_after_global_flags() {
        assert_eq!(values(&["--context", "prod", "-n", "x", "w"]), ["why"]);
        assert_eq!(values(&["-A", "--color=never", "l"]), ["list"]);
    }

    #[test]
    fn flags_come_from_the_cli_definition_including_globals() {
        let got = values(&["init", "--"]);
        for flag in ["--exclude", "--dry-run", "--dry-run=", "--kyverno", "--context", "--namespace", "--help"] {
            assert!(got.contains(&flag.to_string()), "{flag} missing from {got:?}");
        }
        assert!(!got.contains(&"--exit-code".to_string()), "list's flag offered for init");
        assert_eq!(values(&["list", "--exit"]), ["--exit-code"]);
        let shorts = values(&["why", "-"]);
        for flag in ["-n", "-A", "-f", "-o", "-h"] {
            assert!(shorts.contains(&flag.to_string()), "{flag} missing from {shorts:?}");
        }
    }

    #[test]
    fn flags_already_given_are_not_offered_again_unless_repeatable() {
        let got = values(&["list", "--all", "--exit-code", "-n", "a", "--"]);
        assert!(!got.contains(&"--all".to_string()));
        assert!(!got.contains(&"--exit-code".to_string()));
        assert!(got.contains(&"--namespace".to_string()), "-n is repeatable");
    }

    #[test]
    fn a_flag_ending_in_equals_gets_no_space() {
        let (got, directive) = run(&["init", "--dry-run="], &Sources::none());
        assert_eq!(got, ["client", "server", "none"]);
        assert_eq!(directive, Directive::NO_FILE_COMP | Directive::KEEP_ORDER);
        let (got, directive) = run(&["init", "--dry-run=s"], &Sources::none());
        assert_eq!((got, directive.contains(Directive::NO_FILE_COMP)), (vec!["server".to_string()], true));
        let (_, directive) = run(&["init", "--kyv"], &Sources::none());
        assert!(!directive.contains(Directive::NO_SPACE));
    }

    #[test]
    fn value_enums_complete_after_space_equals_and_attached_short() {
        assert_eq!(values(&["list", "-o", ""]), ["table", "wide", "json", "yaml", "name"]);
        assert_eq!(values(&["list", "--output", "j"]), ["json"]);
        assert_eq!(values(&["--output=y"]), ["yaml"]);
        assert_eq!(values(&["list", "-oj"]), ["-ojson"]);
        assert_eq!(values(&["list", "-o=w"]), ["-o=wide"]);
        assert_eq!(values(&["--color", ""]), ["auto", "always", "never"]);
        assert_eq!(values(&["completion", ""]), ["bash", "zsh", "fish", "powershell", "kubectl"]);
        assert!(values(&["completion", "bash", ""]).is_empty(), "completion takes one shell");
    }

    #[test]
    fn files_complete_with_kubectl_extensions_for_filename_and_paths_for_kubeconfig() {
        let (got, directive) = run(&["why", "-f", ""], &Sources::none());
        assert_eq!(
            (got, directive),
            (vec!["json".to_string(), "yaml".into(), "yml".into()], Directive::FILTER_FILE_EXT)
        );
        let (got, directive) = run(&["--kubeconfig", ""], &Sources::none());
        assert_eq!((got.len(), directive), (0, Directive::DEFAULT));
    }

    #[test]
    fn request_timeout_offers_examples_of_its_syntax() {
        assert_eq!(values(&["--request-timeout", "1"]), ["10s", "1m"]);
    }

    #[test]
    fn unknown_subcommand_and_extra_positionals_offer_nothing() {
        assert_eq!(run(&["frobnicate", ""], &Sources::none()), (vec![], Directive::NO_FILE_COMP));
        assert_eq!(run(&["version", ""], &Sources::none()), (vec![], Directive::NO_FILE_COMP));
        assert!(with_cluster(&["why", "a", "b", ""]).0.is_empty());
    }

    #[test]
    fn words_after_double_dash_are_positionals() {
        let (got, _) = with_cluster(&["why", "--", "-"]);
        assert!(got.is_empty(), "{got:?}");
        let (got, _) = with_cluster(&["why", "--", "fr"]);
        assert_eq!(got, ["frontend-7d4b9"]);
    }

    #[test]
    fn kubeconfig_names_complete_from_the_typed_kubeconfig() {
        let dir = std::env::temp_dir().join(format!("kubectl-deny-complete-kc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(
            &path,
            "clusters: [{name: c1, cluster: {server: https://c1}}]\n\
             users: [{name: u1, user: {}}]\n\
             contexts: [{name: one, context: {cluster: c1, user: u1, namespace: team-a}}, {name: two, context: {cluster: c1}}]\n\
             current-context: one\n",
        )
        .unwrap();
        let kc = path.to_str().unwrap();
        let sources = Sources::standard();
        assert_eq!(run(&["--kubeconfig", kc, "--context", ""], &sources).0, ["one", "two"]);
        assert_eq!(run(&["--kubeconfig", kc, "--context=t"], &sources).0, ["two"]);
        assert_eq!(run(&["--kubeconfig", kc, "list", "--cluster", ""], &sources).0, ["c1"]);
        assert_eq!(run(&["--kubeconfig", kc, "--user", ""], &sources).0, ["u1"]);
        assert_eq!(run(&[&format!("--kubeconfig={kc}"), "init", "-n", ""], &sources).0, ["team-a"]);
        // $KUBECONFIG is honoured when --kubeconfig is not typed.
        let env = HelperEnv { kubeconfig: Some(std::env::join_paths(["/nonexistent", kc]).unwrap()), home: None };
        let got = complete(&["--context".into(), "".into()], &env, &sources);
        assert_eq!(got.candidates.iter().map(|c| c.value.as_str()).collect::<Vec<_>>(), ["one", "two"]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn namespace_valued_flags_ask_for_namespaces() {
        for words in [
            &["-n", ""][..],
            &["list", "--namespace", ""],
            &["init", "--exclude", ""],
            &["init", "--ingress-namespace", ""],
            &["init", "--allow-monitoring", ""],
        ] {
            assert_eq!(with_cluster(words).0, ["default", "prod", "kube-system"], "{words:?}");
        }
        assert_eq!(with_cluster(&["list", "-nk"]).0, ["-nkube-system"]);
    }

    #[test]
    fn why_endpoints_offer_pods_kinds_and_namespaces() {
        let (got, directive) = with_cluster(&["why", ""]);
        assert_eq!(
            got,
            ["pod/", "deploy/", "sts/", "ds/", "frontend-7d4b9", "db-5f6c8", "default/", "prod/", "kube-system/"]
        );
        // A `NS/` or `KIND/` continues the word: no space after the completion (issue 10, item 14).
        assert_eq!(directive, Directive::NO_FILE_COMP | Directive::NO_SPACE);
        assert!(!got.contains(&"svc/".to_string()), "a Service is not a source");
        assert!(with_cluster(&["why", "web", ""]).0.contains(&"svc/".to_string()), "TO may be a Service");
        let (got, directive) = with_cluster(&["why", "d"]);
        assert_eq!(got, ["deploy/", "ds/", "db-5f6c8", "default/"]);
        assert_eq!(directive, Directive::NO_FILE_COMP | Directive::NO_SPACE);
        let (got, directive) = with_cluster(&["why", "db"]);
        assert_eq!((got, directive), (vec!["db-5f6c8".to_string()], Directive::NO_FILE_COMP));
        let (got, directive) = with_cluster(&["why", "s"]);
        assert_eq!((got, directive), (vec!["sts/".to_string()], Directive::NO_FILE_COMP | Directive::NO_SPACE));
    }

    #[test]
    fn why_endpoints_after_a_kind_or_namespace() {
        assert_eq!(with_cluster(&["why", "web", "svc/"]).0, ["svc/api", "svc/db"]);
        assert_eq!(with_cluster(&["why", "deploy/w"]).0, ["deploy/web"]);
        assert_eq!(
            with_cluster(&["why", "prod/"]).0,
            ["prod/pod/", "prod/deploy/", "prod/sts/", "prod/ds/", "prod/web-1", "prod/db-0"]
        );
        assert_eq!(with_cluster(&["why", "prod/deploy/a"]).0, ["prod/deploy/api"]);
        // -n sets the namespace of bare names.
        assert_eq!(with_cluster(&["-n", "prod", "why", "w"]).0, ["web-1"]);
    }

    #[test]
    fn named_ports_and_protocols_after_the_destination() {
        let (got, _) = with_cluster(&["why", "web", "prod/db-0:"]);
        assert_eq!(got, ["prod/db-0:postgres", "prod/db-0:metrics"]);
        assert_eq!(with_cluster(&["why", "web", "prod/db-0:p"]).0, ["prod/db-0:postgres"]);
        assert_eq!(with_cluster(&["why", "web", "db:53/u"]).0, ["db:53/udp"]);
        assert_eq!(with_cluster(&["why", "web", "db:53/"]).0, ["db:53/tcp", "db:53/udp", "db:53/sctp"]);
        // An IPv6 address is not a pod with ports; FROM takes no port.
        assert!(with_cluster(&["why", "web", "2001:db8::"]).0.is_empty());
        assert!(with_cluster(&["why", "db-0:"]).0.is_empty());
    }

    #[test]
    fn the_scope_carries_the_selection_typed_anywhere_on_the_line() {
        let cluster = FakeCluster::new();
        let sources = Sources::none().with(Shared(cluster.clone()));
        run(
            &["--context", "ctx", "why", "--cluster=cl", "--user", "me", "-nprod", "--kubeconfig", "/k", "web", "x:"],
            &sources,
        );
        let seen = cluster.seen.lock().unwrap();
        let (scope, query) = seen.last().unwrap();
        assert_eq!(
            *scope,
            Scope {
                kubeconfig: vec![PathBuf::from("/k")],
                context: Some("ctx".into()),
                cluster: Some("cl".into()),
                user: Some("me".into()),
                namespace: Some("prod".into()),
                files: Vec::new(),
            }
        );
        assert_eq!(*query, Query::NamedPorts { namespace: None, kind: EndpointKind::Pod, name: "x".into() });
    }

    #[test]
    fn a_hung_source_is_cut_off_by_the_typed_request_timeout() {
        struct Hang;
        impl CandidateSource for Hang {
            fn lookup(&self, _: &Scope, _: &Query) -> Result<Vec<Candidate>, LookupError> {
                std::thread::sleep(Duration::from_secs(60));
                Ok(vec![Candidate::new("never")])
            }
        }
        let started = std::time::Instant::now();
        let (got, _) = run(&["--request-timeout", "50ms", "-n", ""], &Sources::none().with(Hang));
        assert!(got.is_empty());
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    }

    #[test]
    fn output_is_one_candidate_per_line_then_the_directive() {
        let completions = Completions::new(
            vec![
                Candidate::described("prod", "current, cluster prod-eu"),
                Candidate::new("dev"),
                Candidate::described("multi", "first line\nsecond line"),
                Candidate::new("has space"),
                Candidate::new(""),
                Candidate::described("tabbed", "a\tb"),
            ],
            Directive::NO_FILE_COMP | Directive::KEEP_ORDER,
        );
        let mut out = Vec::new();
        completions.write_to(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "prod\tcurrent, cluster prod-eu\ndev\nmulti\tfirst line\ntabbed\ta b\n:36\n"
        );
    }

    #[test]
    fn directive_bits_are_cobras() {
        let all = [
            (Directive::DEFAULT, 0),
            (Directive::ERROR, 1),
            (Directive::NO_SPACE, 2),
            (Directive::NO_FILE_COMP, 4),
            (Directive::FILTER_FILE_EXT, 8),
            (Directive::FILTER_DIRS, 16),
            (Directive::KEEP_ORDER, 32),
        ];
        for (directive, bits) in all {
            assert_eq!(directive.bits(), bits);
        }
    }
}
