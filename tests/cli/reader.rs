//! Reading manifests (`-f`, `-k`) the way kubectl and the API server read them: nothing read is an
//! error, unknown fields and objects read twice are warned about, files that are not Kubernetes
//! objects are skipped with a note, values kubectl's YAML decoder types differently are errors
//! with the fix, and objects the API server would reject are errors naming file, document, line
//! and field.

use std::path::Path;

use crate::harness::{Deny, Run};

/// Writes `files` (relative path, content) under a new temporary directory.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn path(dir: &tempfile::TempDir, file: &str) -> String {
    dir.path().join(file).display().to_string()
}

fn stdin(args: &[&str], text: &str) -> Run {
    Deny::new(args).stdin(text.as_bytes()).run()
}

const POD_A: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop, labels: {app: a}}\n";
const POD_B: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: shop, labels: {app: b}}\n";

// ---------------------------------------------------------------------------------------------
// Nothing read (issue 10.4)

#[test]
fn an_empty_file_is_an_error_for_every_command() {
    let dir = tree(&[("empty.yaml", "")]);
    let file = path(&dir, "empty.yaml");
    for args in [
        vec!["list", "-f", &file, "--exit-code"],
        vec!["matrix", "-f", &file, "-A"],
        vec!["why", "-f", &file, "shop/a", "shop/b"],
        vec!["init", "-f", &file, "-n", "shop", "-o", "yaml"],
    ] {
        Deny::new(&args)
            .run()
            .error()
            .stderr_has("nothing was read from -f")
            .stderr_has("empty.yaml: empty")
            .stderr_has("kubectl get");
    }
}

#[test]
fn an_empty_stdin_is_an_error_that_points_at_the_command_before_the_pipe() {
    stdin(&["list", "-f", "-", "--exit-code"], "")
        .error()
        .stderr_has("nothing was read from -f: stdin: empty (0 bytes)")
        .stderr_has("the command before the pipe");
}

#[test]
fn objects_of_kinds_the_tool_does_not_read_are_nothing() {
    stdin(&["list", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n# only a comment\n")
        .error()
        .stderr_has("stdin: 1 ConfigMap")
        .stderr_has("none of the kinds kubectl deny reads");
}

#[test]
fn a_namespace_alone_is_something() {
    stdin(&["list", "-f", "-", "--all"], "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
        .success()
        .stdout_has("shop");
}

// ---------------------------------------------------------------------------------------------
// Unknown fields (issue 10.5)

#[test]
fn an_unknown_field_in_a_policy_is_a_warning_with_file_document_line_and_path() {
    let text = format!(
        "{POD_A}---\n{POD_B}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np, namespace: shop}}\n\
         spec:\n  podSelector:\n    matchlabels: {{app: b}}\n  ingress:\n  - from:\n    - podSelector: {{matchLabels: {{app: a}}}}\n      namespaceSelectr: {{}}\n"
    );
    let run = stdin(&["why", "-f", "-", "shop/a", "shop/b:80"], &text);
    assert_eq!(run.code, Some(0), "{run}");
    run.stderr_has(
        "Warning: stdin: document 3, line 14: NetworkPolicy shop/np: spec.podSelector.matchlabels: unknown field",
    )
    .stderr_has("did you mean matchLabels?")
    .stderr_has("the API server drops it")
    .stderr_has("line 18: NetworkPolicy shop/np: spec.ingress[0].from[0].namespaceSelectr: unknown field")
    .stderr_has("did you mean namespaceSelector?");
}

#[test]
fn unknown_fields_that_feed_verdicts_are_warned_about_on_pods_and_services() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: shop\n  label: {app: a}\nspec:\n  hostnetwork: true\n  containers:\n  - name: c\n    ports:\n    - containerport: 80\n      containerPort: 80\n---\n\
                apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec:\n  selectors: {app: a}\n  ports: [{port: 80, targetport: 8080}]\n";
    let run = stdin(&["list", "-f", "-", "--all"], text);
    assert_eq!(run.code, Some(0), "{run}");
    run.stderr_has("Pod shop/a: metadata.label: unknown field")
        .stderr_has("did you mean labels?")
        .stderr_has("Pod shop/a: spec.hostnetwork: unknown field")
        .stderr_has("Pod shop/a: spec.containers[0].ports[0].containerport: unknown field")
        .stderr_has("Service shop/s: spec.selectors: unknown field")
        .stderr_has("Service shop/s: spec.ports[0].targetport: unknown field");
}

#[test]
fn known_fields_the_tool_does_not_read_are_not_warned_about() {
    let text = concat!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: shop, annotations: {a: b}, uid: x}\n",
        "spec:\n  replicas: 2\n  strategy: {type: Recreate}\n  selector: {matchLabels: {app: d}}\n",
        "  template:\n    metadata: {labels: {app: d}}\n    spec:\n      serviceAccountName: s\n      containers:\n",
        "      - name: c\n        image: nginx\n        resources: {}\n        ports: [{containerPort: 80, hostIP: 1.2.3.4}]\n",
    );
    stdin(&["list", "-f", "-", "--all"], text).success();
}

// ---------------------------------------------------------------------------------------------
// The same object read twice (issue 10.6)

#[test]
fn the_same_policy_in_two_inputs_is_a_warning_naming_both_and_the_one_used() {
    let deny = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec: {podSelector: {}}\n";
    let allow = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec:\n  podSelector: {}\n  ingress: [{}]\n";
    let dir = tree(&[("pods.yaml", &format!("{POD_A}---\n{POD_B}")), ("deny.yaml", deny), ("allow.yaml", allow)]);
    let (pods, deny, allow) = (path(&dir, "pods.yaml"), path(&dir, "deny.yaml"), path(&dir, "allow.yaml"));
    let run = Deny::new(&["why", "-f", &pods, "-f", &deny, "-f", &allow, "shop/a", "shop/b:80"]).run();
    assert_eq!(run.code, Some(0), "the last one read (allow) is used:\n{run}");
    run.stderr_has("Warning: NetworkPolicy shop/np is read twice, differently:")
        .stderr_has(&format!("{deny}: document 1 (line 1)"))
        .stderr_has(&format!("{allow}: document 1 (line 1)"))
        .stderr_has("the last one read is used");
    // The same object twice, identical: nothing to warn about.
    Deny::new(&["list", "-f", &pods, "-f", &allow, "-f", &allow, "--all"]).run().success();
}

// ---------------------------------------------------------------------------------------------
// GitOps repositories, kustomize, JSON in YAML files (issue 10.12)

#[test]
fn files_that_are_not_kubernetes_objects_are_skipped_with_one_note_each() {
    let dir = tree(&[
        ("app/pods.yaml", &format!("{POD_A}---\n{POD_B}")),
        ("chart/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n"),
        ("chart/values.yaml", "replicaCount: 2\nimage: {repository: nginx}\n"),
        (
            "chart/templates/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n    {{- include \"web.labels\" . | nindent 4 }}\n",
        ),
        ("renovate.json", "[{\"packageRules\": []}]\n"),
        ("config.yaml", "# settings\nlogLevel: debug\n"),
    ]);
    let run = Deny::new(&["list", "-f", &dir.path().display().to_string(), "--all"]).run();
    assert_eq!(run.code, Some(0), "{run}");
    run.stdout_has("shop")
        .stderr_has("note: skipped ")
        .stderr_has("Chart.yaml: a Helm chart's Chart.yaml, not a Kubernetes object")
        .stderr_has("values.yaml: not a Kubernetes object (no kind)")
        .stderr_has("deployment.yaml: a template ({{ }}), not a manifest: render it first")
        .stderr_has("renovate.json: a list, not a Kubernetes object")
        .stderr_has("config.yaml: not a Kubernetes object (no kind)");
    assert_eq!(run.stderr.matches("note: skipped").count(), 5, "{run}");
}

#[test]
fn a_malformed_kubernetes_object_in_a_repository_is_still_an_error() {
    let dir = tree(&[
        ("a.yaml", POD_A),
        ("chart/values.yaml", "replicaCount: 2\n"),
        ("b.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: b, labels: [x]}\n"),
    ]);
    Deny::new(&["list", "-f", &dir.path().display().to_string()])
        .run()
        .error()
        .stderr_has("b.yaml: document 1, line 3")
        .stderr_has("metadata.labels");
}

#[test]
fn json_documents_separated_by_markers_in_a_yaml_file_are_read() {
    let text = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"a\", \"namespace\": \"shop\"}}\n---\n\
                {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"b\", \"namespace\": \"shop\"}}\n";
    let dir = tree(&[("pods.yaml", text)]);
    let run = Deny::new(&["matrix", "-f", &path(&dir, "pods.yaml"), "-n", "shop", "--port", "80"]).run();
    run.success().stdout_has("a, b");
}

#[test]
fn a_tab_in_a_flow_sequence_is_read_as_kubectl_reads_it_or_named_with_the_fix() {
    let text = format!(
        "{POD_A}---\n{POD_B}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np, namespace: shop}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress,\tEgress]\n"
    );
    let run = stdin(&["list", "-f", "-", "--all"], &text);
    if run.code == Some(0) {
        run.stdout_has("deny      deny");
    } else {
        run.error().stderr_has("line 9").stderr_has("tab").stderr_has("replace");
    }
}

#[test]
fn kustomize_renders_with_kubectl_from_path() {
    let dir = tree(&[
        ("overlay/kustomization.yaml", "resources: [pods.yaml]\n"),
        ("bin/rendered.yaml", &format!("{POD_A}---\n{POD_B}")),
        ("bin/kubectl", "#!/bin/sh\n[ \"$1\" = kustomize ] || exit 3\nexec /bin/cat \"${0%/*}/rendered.yaml\"\n"),
    ]);
    let kubectl = dir.path().join("bin/kubectl");
    make_executable(&kubectl);
    let overlay = path(&dir, "overlay");
    let bin = path(&dir, "bin");
    Deny::new(&["matrix", "-k", &overlay, "-n", "shop", "--port", "80"])
        .env("PATH", Some(&bin))
        .run()
        .success()
        .stdout_has("shop/a");
    Deny::new(&["list", "-k", &overlay])
        .env("PATH", Some("/nonexistent"))
        .run()
        .error()
        .stderr_has("-k needs kubectl on PATH")
        .stderr_has("kustomize build");
    Deny::new(&["list", "-k", &overlay, "-f", &overlay]).run().error().stderr_has("-k");
}

#[test]
fn a_failing_kustomize_build_is_an_error_with_its_message() {
    let dir = tree(&[("bin/kubectl", "#!/bin/sh\necho 'error: accumulating resources: missing.yaml' >&2\nexit 1\n")]);
    make_executable(&dir.path().join("bin/kubectl"));
    Deny::new(&["list", "-k", &dir.path().display().to_string()])
        .env("PATH", Some(&path(&dir, "bin")))
        .run()
        .error()
        .stderr_has("kubectl kustomize")
        .stderr_has("accumulating resources: missing.yaml");
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

// ---------------------------------------------------------------------------------------------
// What the API server would reject (issues 11.4, 11.5)

#[test]
fn suggest_on_a_pod_label_the_api_server_would_never_store_is_an_input_error() {
    let text = format!(
        "{POD_A}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  namespace: shop\n  labels: {{app: \"d:b\"}}\n---\n\
         apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: shop}}\nspec: {{podSelector: {{}}}}\n"
    );
    stdin(&["why", "-f", "-", "shop/a", "shop/b:80", "--suggest"], &text)
        .error()
        .stderr_has("stdin: document 2, line 10: Pod shop/b: metadata.labels: label value \"d:b\" contains ':'")
        .stderr_has("fix:")
        .stderr_lacks("internal error");
    let text = text.replace("app: \"d:b\"", "ap====p: x");
    stdin(&["why", "-f", "-", "shop/a", "shop/b:80", "--suggest"], &text)
        .error()
        .stderr_has("label key \"ap====p\"")
        .stderr_lacks("internal error");
}

#[test]
fn init_on_a_dns_service_with_an_invalid_selector_key_is_an_input_error() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Service\n\
                metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}\n\
                spec:\n  selector: {k8s app: kube-dns}\n  ports: [{name: dns, port: 53, protocol: UDP}]\n";
    stdin(&["init", "-f", "-", "-n", "shop", "-o", "yaml"], text)
        .error()
        .stderr_has("Service kube-system/kube-dns: spec.selector: label key \"k8s app\" contains ' '")
        .stderr_lacks("bug in kubectl-deny");
}

#[test]
fn names_are_validated_per_kind_as_the_api_server_does() {
    for (doc, field, what) in [
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: Web, namespace: shop}\n", "metadata.name", "\"Web\""),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: 1web, namespace: shop}\n",
            "metadata.name",
            "start with a letter",
        ),
        ("apiVersion: v1\nkind: Namespace\nmetadata: {name: a.b}\n", "metadata.name", "\"a.b\""),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: Shop}\n", "metadata.namespace", "\"Shop\""),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: \"np\\u0007\", namespace: shop}\n",
            "metadata.name",
            "\\u{7}",
        ),
    ] {
        stdin(&["list", "-f", "-"], doc).error().stderr_has(&format!("{field}: ")).stderr_has(what).stderr_has("fix:");
    }
    let long = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {}, namespace: shop}}\n", "a".repeat(300));
    stdin(&["list", "-f", "-"], &long).error().stderr_has("metadata.name").stderr_has("300 characters");
}

#[test]
fn labels_of_namespaces_and_workload_templates_and_port_names_are_validated() {
    for (doc, needle) in [
        ("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: \"a b\"}}\n", "label value \"a b\""),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: shop}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {\"-app\": d}}\n",
            "spec.template.metadata.labels: label key \"-app\"",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: c\n    ports: [{name: HTTP, containerPort: 80}]\n",
            "spec.containers[0].ports[0].name: port name \"HTTP\"",
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec:\n  ports: [{name: Web_1, port: 80}]\n",
            "spec.ports[0].name",
        ),
    ] {
        stdin(&["list", "-f", "-"], doc).error().stderr_has(needle);
    }
}

#[test]
fn control_characters_never_reach_the_output() {
    // A kind is not validated (any custom resource may exist); it is named in the nothing-read error.
    let run = stdin(&["list", "-f", "-"], "apiVersion: v1\nkind: \"Conf\\u001b[2Jig\"\nmetadata: {name: c}\n");
    run.error().stderr_has("1 Conf\\u{1b}[2Jig");
    assert!(!run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'), "{run}");
    // An ownerReference name is not validated by the API server either: kept escaped.
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: shop\n  labels: {app: a}\n  ownerReferences: [{kind: ReplicaSet, name: \"x\\u001b[2Jy\", controller: true}]\n";
    let run = stdin(&["list", "-f", "-", "--all", "-o", "wide"], text);
    assert!(!run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'), "{run}");
}

// ---------------------------------------------------------------------------------------------
// Values kubectl's YAML decoder reads as another type (issue 11.6)

#[test]
fn unquoted_booleans_and_numbers_as_label_values_are_errors_with_the_fix() {
    for (value, reads) in [
        ("on", "the boolean true"),
        ("yes", "the boolean true"),
        ("true", "the boolean true"),
        ("N", "the boolean false"),
        ("0755", "the number 493 (octal)"),
        ("1e3", "the number 1000"),
        ("0x1F", "the number 31"),
        ("1.0", "the number 1"),
    ] {
        let doc =
            format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\n  labels:\n    v: {value}\n");
        stdin(&["list", "-f", "-"], &doc)
            .error()
            .stderr_has("stdin: document 1, line 7")
            .stderr_has("metadata.labels.v:")
            .stderr_has(&format!("kubectl reads the unquoted {value} as {reads}"))
            .stderr_has(&format!("quote it: \"{value}\""));
    }
    // Quoted, they are strings; in JSON too.
    stdin(
        &["list", "-f", "-", "--all"],
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop, labels: {v: \"on\"}}\n",
    )
    .success();
}

#[test]
fn a_quoted_boolean_is_a_string_where_a_boolean_is_required() {
    let doc = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  hostNetwork: \"true\"\n";
    stdin(&["list", "-f", "-"], doc)
        .error()
        .stderr_has("spec.hostNetwork")
        .stderr_has("a string where a boolean is required")
        .stderr_has("write true without quotes");
    // An unquoted YAML 1.1 boolean is a boolean to kubectl.
    let doc = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  hostNetwork: yes\n";
    stdin(&["list", "-f", "-", "--all"], doc).success();
}

#[test]
fn an_octal_port_says_what_kubectl_reads() {
    let doc = format!(
        "{POD_A}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np, namespace: shop}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - ports:\n    - port: 0755\n"
    );
    stdin(&["list", "-f", "-"], &doc)
        .error()
        .stderr_has("spec.ingress[0].ports[0].port")
        .stderr_has("0755 is the octal number 493 to kubectl")
        .stderr_lacks("755.0");
}

// ---------------------------------------------------------------------------------------------
// JSON and YAML read the same text the same way (issue 11.7)

#[test]
fn a_duplicate_kind_keeps_the_last_value_in_json_and_yaml() {
    let json = r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"shop","labels":{"app":"a"}},"kind":"Pod"}"#;
    let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop, labels: {app: a}}\nkind: Pod\n";
    for text in [json, yaml] {
        let run = stdin(&["list", "-f", "-", "--all", "-o", "json"], text);
        assert_eq!(run.code, Some(0), "{run}");
        assert_eq!(run.json()["namespaces"][0]["pods"], 1, "{run}");
    }
}

#[test]
fn items_before_the_list_kind_and_apiversion_keep_their_kind() {
    let json = r#"{"kind":"PodList","items":[{"metadata":{"name":"a","namespace":"shop"}}],"apiVersion":"v1"}"#;
    let yaml = "kind: PodList\nitems:\n- metadata: {name: a, namespace: shop}\napiVersion: v1\n";
    let reversed = r#"{"items":[{"metadata":{"name":"a","namespace":"shop"}}],"apiVersion":"v1","kind":"PodList"}"#;
    for text in [json, yaml, reversed] {
        let run = stdin(&["list", "-f", "-", "--all", "-o", "json"], text);
        assert_eq!(run.code, Some(0), "{run}");
        assert_eq!(run.json()["namespaces"][0]["pods"], 1, "{run}");
    }
}

#[test]
fn items_are_read_the_same_wherever_the_kind_key_stands() {
    let before = r#"{"items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"shop"}}],"kind":"ConfigMap","apiVersion":"v1"}"#;
    let after = r#"{"kind":"ConfigMap","apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"shop"}}]}"#;
    let yaml_after = "kind: ConfigMap\napiVersion: v1\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: shop}}\n";
    let answers: Vec<String> = [before, after, yaml_after]
        .iter()
        .map(|text| stdin(&["list", "-f", "-", "--all", "-o", "json"], text).to_string())
        .collect();
    let outcome = |run: &str| run.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(outcome(&answers[0]), outcome(&answers[1]));
    assert_eq!(outcome(&answers[1]), outcome(&answers[2]));
}

// ---------------------------------------------------------------------------------------------
// Valid files refused, limits in the user's terms (issue 11.8)

#[test]
fn a_byte_order_mark_at_the_start_of_a_later_document_is_read() {
    let text = format!("{POD_A}---\n\u{FEFF}{POD_B}");
    stdin(&["matrix", "-f", "-", "-n", "shop", "--port", "80"], &text).success().stdout_has("shop/b");
    let text = format!("\u{FEFF}{POD_A}\u{FEFF}---\n{POD_B}");
    stdin(&["matrix", "-f", "-", "-n", "shop", "--port", "80"], &text).success().stdout_has("shop/b");
}

#[test]
fn deep_nesting_inside_a_kind_the_tool_skips_does_not_abort_the_load() {
    let mut schema = String::new();
    for depth in 0..100 {
        schema.push_str(&format!(
            "{}properties:\n{}  f{depth}:\n",
            "  ".repeat(2 * depth + 2),
            "  ".repeat(2 * depth + 2)
        ));
    }
    let crd = format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {{name: x.example.com}}\nspec:\n  schema:\n{schema}{}type: string\n",
        "  ".repeat(202)
    );
    let text = format!("{crd}---\n{POD_A}");
    stdin(&["list", "-f", "-", "--all"], &text).success().stdout_has("shop");
}

#[test]
fn limits_are_named_in_the_users_terms() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..12 {
        let prev = (b'a' + level - 1) as char;
        let name = (b'a' + level) as char;
        bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let text =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  {}", bomb.replace('\n', "\n  "));
    let run = stdin(&["list", "-f", "-"], &text);
    run.error().stderr_has("alias").stderr_lacks("Budget").stderr_lacks("budget");

    let deep = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: shop, annotations: {{a: {}{}}}}}\n",
        "[".repeat(2000),
        "]".repeat(2000)
    );
    stdin(&["list", "-f", "-"], &deep)
        .error()
        .stderr_has("nested deeper than")
        .stderr_lacks("Budget")
        .stderr_lacks("budget");
}
