//! kubectl's plugin completion protocol, through the real binary started as
//! `kubectl_complete-deny` (a link in a temporary directory), and through kubectl itself when
//! it is installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Helper {
    dir: PathBuf,
    path: PathBuf,
}

impl Helper {
    /// A directory holding `kubectl-deny` and `kubectl_complete-deny` pointing at the built binary,
    /// as the installation instructions make it.
    fn install(tag: &str) -> Helper {
        let dir = std::env::temp_dir().join(format!("kubectl-deny-helper-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let exe = std::env::consts::EXE_SUFFIX;
        let binary = dir.join(format!("kubectl-deny{exe}"));
        let path = dir.join(format!("kubectl_complete-deny{exe}"));
        link(Path::new(env!("CARGO_BIN_EXE_kubectl-deny")), &binary);
        link(&binary, &path);
        Helper { dir, path }
    }

    fn run(&self, words: &[&str], kubeconfig: Option<&Path>) -> Output {
        let mut cmd = Command::new(&self.path);
        cmd.args(words).env_remove("KUBECONFIG").env("HOME", &self.dir).env("USERPROFILE", &self.dir);
        if let Some(kc) = kubeconfig {
            cmd.env("KUBECONFIG", kc);
        }
        cmd.output().unwrap()
    }

    /// Runs the helper and splits its answer into candidate lines and the directive.
    fn complete(&self, words: &[&str], kubeconfig: Option<&Path>) -> (Vec<String>, u32) {
        let output = self.run(words, kubeconfig);
        assert!(output.status.success(), "helper exited with {:?}", output.status);
        assert!(output.stderr.is_empty(), "helper wrote to stderr: {}", String::from_utf8_lossy(&output.stderr));
        parse(&String::from_utf8(output.stdout).unwrap())
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(unix)]
fn link(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[cfg(not(unix))]
fn link(target: &Path, link: &Path) {
    // Symbolic links need a privilege on Windows; the file name is what the helper looks at.
    std::fs::copy(target, link).unwrap();
}

fn parse(text: &str) -> (Vec<String>, u32) {
    assert!(text.ends_with('\n'), "output does not end with a newline: {text:?}");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines.pop().expect("a directive line");
    let directive =
        last.strip_prefix(':').and_then(|d| d.parse().ok()).unwrap_or_else(|| panic!("bad directive {last:?}"));
    (lines, directive)
}

fn values(lines: &[String]) -> Vec<&str> {
    lines.iter().map(|l| l.split('\t').next().unwrap()).collect()
}

const KUBECONFIG: &str = "\
apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod-eu
  cluster: {server: 'https://prod.example:6443'}
users:
- name: alice
  user: {token: secret}
contexts:
- name: prod
  context: {cluster: prod-eu, user: alice, namespace: shop}
- name: dev
  context: {cluster: prod-eu, user: alice, namespace: sandbox}
";

#[test]
fn helper_answers_with_subcommands_and_a_directive() {
    let helper = Helper::install("subcommands");
    let (lines, directive) = helper.complete(&[""], None);
    assert_eq!(values(&lines), ["why", "matrix", "list", "init", "audit", "diff", "completion", "version", "help"]);
    assert!(lines[0].starts_with("why\tExplain why"), "{:?}", lines[0]);
    assert_eq!(directive, 4 | 32, "no file completion, keep order");
}

#[test]
fn helper_completes_flags_and_their_values() {
    let helper = Helper::install("flags");
    let (lines, directive) = helper.complete(&["list", "--exit"], None);
    assert_eq!((values(&lines), directive), (vec!["--exit-code"], 4));
    let (lines, _) = helper.complete(&["why", "-o", ""], None);
    assert_eq!(values(&lines), ["table", "wide", "json", "yaml", "name"]);
    let (lines, directive) = helper.complete(&["why", "-f", ""], None);
    assert_eq!((values(&lines), directive), (vec!["json", "yaml", "yml"], 8));
}

#[test]
fn helper_reads_contexts_from_kubeconfig_env_path_list_and_flag() {
    let helper = Helper::install("kubeconfig");
    let kc = helper.dir.join("config");
    std::fs::write(&kc, KUBECONFIG).unwrap();
    let list = std::env::join_paths([helper.dir.join("missing"), kc.clone()]).unwrap();
    let (lines, directive) = helper.complete(&["--context", ""], Some(Path::new(&list)));
    assert_eq!(values(&lines), ["prod", "dev"]);
    assert_eq!(lines[0], "prod\tcurrent, cluster prod-eu, namespace shop");
    assert_eq!(directive, 4);
    let (lines, _) = helper.complete(&["--kubeconfig", kc.to_str().unwrap(), "list", "-n", ""], None);
    assert_eq!(values(&lines), ["shop", "sandbox"]);
    // ~/.kube/config when neither is given.
    std::fs::create_dir_all(helper.dir.join(".kube")).unwrap();
    std::fs::write(helper.dir.join(".kube").join("config"), KUBECONFIG).unwrap();
    let (lines, _) = helper.complete(&["--cluster", ""], None);
    assert_eq!(values(&lines), ["prod-eu"]);
}

#[test]
fn helper_stays_silent_on_a_broken_kubeconfig() {
    let helper = Helper::install("broken");
    let kc = helper.dir.join("config");
    std::fs::write(&kc, "contexts: [this is not: valid").unwrap();
    let (lines, directive) = helper.complete(&["--context", ""], Some(&kc));
    assert!(lines.is_empty());
    assert_eq!(directive, 4);
}

#[test]
fn the_same_binary_under_its_own_name_runs_commands_not_completion() {
    let helper = Helper::install("own-name");
    let binary = helper.dir.join(format!("kubectl-deny{}", std::env::consts::EXE_SUFFIX));
    let output = Command::new(binary).arg("version").output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8(output.stdout).unwrap().starts_with("kubectl-deny "));
}

/// kubectl itself finds the helper on PATH and relays its answer (kubectl 1.26+). Skipped, with
/// a note, where kubectl is not installed.
#[test]
fn kubectl_relays_the_helper_answer() {
    let helper = Helper::install("kubectl");
    let path = std::env::join_paths(
        std::iter::once(helper.dir.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let run = Command::new("kubectl").args(["__complete", "deny", "init", "--dry-run="]).env("PATH", &path).output();
    let Ok(output) = run else {
        eprintln!("kubectl not found: skipping the end-to-end check through kubectl");
        return;
    };
    let (lines, directive) = parse(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(
        values(&lines),
        ["client", "server", "none"],
        "kubectl said: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(directive, 4 | 32);
}

/// `-f examples/` from the repository's root, where completion runs offline.
fn complete_offline(helper: &Helper, words: &[&str]) -> (Vec<String>, u32) {
    let output = Command::new(&helper.path)
        .args(words)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("KUBECONFIG")
        .env("HOME", &helper.dir)
        .env("USERPROFILE", &helper.dir)
        .output()
        .unwrap();
    assert!(output.status.success() && output.stderr.is_empty(), "{output:?}");
    parse(&String::from_utf8(output.stdout).unwrap())
}

/// Issue 10, item 14: with `-f`, completion reads the manifests, with no cluster at all.
#[test]
fn with_f_completion_reads_the_manifests_offline() {
    let helper = Helper::install("offline");
    let (lines, _) = complete_offline(&helper, &["why", "-f", "examples/", "-n", "production", "post"]);
    assert_eq!(values(&lines), ["postgres-0"]);
    let (lines, _) = complete_offline(&helper, &["why", "-f", "examples/", "-n", "production", "deploy/"]);
    assert_eq!(values(&lines), ["deploy/api", "deploy/frontend"]);
    let (lines, _) = complete_offline(&helper, &["list", "-f", "examples/", "-n", ""]);
    assert!(values(&lines).contains(&"staging") && values(&lines).contains(&"kube-system"), "{lines:?}");
    let (lines, _) = complete_offline(&helper, &["why", "-f", "examples/", "-n", "production", "x", "svc/api:"]);
    assert_eq!(values(&lines), ["svc/api:http"]);
}

/// `matrix --port` offers the ports the pods of the scope declare.
#[test]
fn matrix_port_completes_the_declared_ports() {
    let helper = Helper::install("ports");
    let (lines, _) = complete_offline(&helper, &["matrix", "-f", "examples/", "-n", "production", "--port", ""]);
    assert_eq!(values(&lines), ["5432", "8080", "9102"], "{lines:?}");
    assert!(lines[1].contains("TCP http: "), "{lines:?}");
    let (lines, _) = complete_offline(&helper, &["matrix", "-f", "examples/", "-A", "--port", "5"]);
    assert_eq!(values(&lines), ["53", "53/udp", "5432"], "{lines:?}");
}

/// A `NS/` or `KIND/` among the candidates continues the word: no space after it.
#[test]
fn namespace_and_kind_prefixes_get_no_trailing_space() {
    let helper = Helper::install("nospace");
    let (lines, directive) = complete_offline(&helper, &["why", "-f", "examples/", "-n", "staging", ""]);
    assert!(values(&lines).contains(&"production/") && values(&lines).contains(&"debug"), "{lines:?}");
    assert_eq!(directive & 2, 2, "NO_SPACE: {directive}");
    let (lines, directive) = complete_offline(&helper, &["why", "-f", "examples/", "-n", "staging", "deb"]);
    assert_eq!((values(&lines), directive & 2), (vec!["debug"], 0));
}
