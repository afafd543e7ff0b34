
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-deny' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-deny'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-deny' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate (repeatable; needs --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'UID to impersonate (needs --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a CA certificate file (PEM) to check the API server''s certificate with')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file (PEM) for TLS authentication')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to the client certificate''s key file (PEM)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the API server''s certificate (insecure: HTTPS without server authentication)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'Explain why one flow is allowed or blocked')
            [CompletionResult]::new('matrix', 'matrix', [CompletionResultType]::ParameterValue, 'Show who can reach whom, for many flows at once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List namespaces lacking default-deny')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Install the default-deny starter kit into namespaces')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Replay observed flows against today''s policies and the starter kit')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what a change to the policies does to reachability, before it is applied')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version and git commit')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-deny;why' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Not for why, which explains one flow: refused with what to use instead (matrix -l)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Not for why, which explains one flow: refused with what to use instead (matrix -l)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate (repeatable; needs --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'UID to impersonate (needs --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a CA certificate file (PEM) to check the API server''s certificate with')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file (PEM) for TLS authentication')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to the client certificate''s key file (PEM)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb')
            [CompletionResult]::new('--suggest', '--suggest', [CompletionResultType]::ParameterName, 'Instead of the explanation, print NetworkPolicies that allow the flow if it is blocked (YAML; a JSON List with -o json), checked with the engine before they are printed. Exit 0 when policies were printed, 1 when the flow is allowed already')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the API server''s certificate (insecure: HTTPS without server authentication)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-deny;matrix' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A port to evaluate, PORT[/PROTOCOL] (repeatable) [default: each destination''s declared container ports]')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label query (kubectl''s syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key; commas join requirements that must all hold)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label query (kubectl''s syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key; commas join requirements that must all hold)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate (repeatable; needs --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'UID to impersonate (needs --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a CA certificate file (PEM) to check the API server''s certificate with')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file (PEM) for TLS authentication')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to the client certificate''s key file (PEM)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb')
            [CompletionResult]::new('--all-ports', '--all-ports', [CompletionResultType]::ParameterName, 'Every port and protocol: for each pair, which ports (if any) are allowed. JSON lists {"flows":[{"from","to","ports":[...]}]} for the pairs that allow some port')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print the tables without their header lines')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the API server''s certificate (insecure: HTTPS without server authentication)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-deny;list' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label query (kubectl''s syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key; commas join requirements that must all hold)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label query (kubectl''s syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key; commas join requirements that must all hold)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate (repeatable; needs --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'UID to impersonate (needs --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a CA certificate file (PEM) to check the API server''s certificate with')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file (PEM) for TLS authentication')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to the client certificate''s key file (PEM)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also list namespaces that have default-deny in both directions')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 1 when any listed namespace lacks default-deny')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print the table without its header line')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the API server''s certificate (insecure: HTTPS without server authentication)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-deny;init' {
            [CompletionResult]::new('--baseline-api', '--baseline-api', [CompletionResultType]::ParameterName, 'With --baseline: the API to write it in, v1beta1 or v1alpha2 (ClusterNetworkPolicy) or v1alpha1 (BaselineAdminNetworkPolicy); default: the newest the server serves, or v1alpha2 offline with -f')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'With -A, --baseline or --kyverno: a namespace to leave out (repeatable)')
            [CompletionResult]::new('--ingress-namespace', '--ingress-namespace', [CompletionResultType]::ParameterName, 'The ingress controller''s namespace, instead of detecting it')
            [CompletionResult]::new('--allow-monitoring', '--allow-monitoring', [CompletionResultType]::ParameterName, 'Add allow-monitoring: ingress from this namespace (e.g. Prometheus scrapes)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only print (client) or only validate on the server (server); bare --dry-run means client')
            [CompletionResult]::new('--field-manager', '--field-manager', [CompletionResultType]::ParameterName, 'The field manager of the server-side apply')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label query (kubectl''s syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key; commas join requirements that must all hold)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label query (kubectl''s syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key; commas join requirements that must all hold)')
            [CompletionResult]::new('--flows', '--flows', [CompletionResultType]::ParameterName, 'Observed flows (as audit --flows takes them): before installing, refuse (exit 1, the flows listed) when the kit would cut an observed flow that nothing allows. Repeatable')
            [CompletionResult]::new('--group-cidr', '--group-cidr', [CompletionResultType]::ParameterName, 'With --flows: addresses in this CIDR count as one peer (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate (repeatable; needs --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'UID to impersonate (needs --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a CA certificate file (PEM) to check the API server''s certificate with')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file (PEM) for TLS authentication')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to the client certificate''s key file (PEM)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'Install the cluster-wide form instead: ONE Baseline-tier policy (ClusterNetworkPolicy, or the BaselineAdminNetworkPolicy default where only v1alpha1 is served) denying ingress and egress in every namespace but the system and infrastructure ones, allowing DNS and the ingress controller')
            [CompletionResult]::new('--include-system', '--include-system', [CompletionResultType]::ParameterName, 'Also install into kube-system, kube-public, kube-node-lease and the namespaces running the cluster DNS, the ingress controller, a mesh control plane or the --allow-monitoring namespace (refused with -n, skipped by -A and exempt from --baseline otherwise)')
            [CompletionResult]::new('--no-ingress', '--no-ingress', [CompletionResultType]::ParameterName, 'Leave out allow-ingress-controller')
            [CompletionResult]::new('--no-dns', '--no-dns', [CompletionResultType]::ParameterName, 'Leave out allow-dns')
            [CompletionResult]::new('--allow-same-namespace', '--allow-same-namespace', [CompletionResultType]::ParameterName, 'Add allow-same-namespace: pods may talk to each other within the namespace')
            [CompletionResult]::new('--allow-apiserver', '--allow-apiserver', [CompletionResultType]::ParameterName, 'Add allow-apiserver: egress to the Kubernetes API server''s endpoints at their real ports')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take over policies of the same name owned by another field manager')
            [CompletionResult]::new('--kyverno', '--kyverno', [CompletionResultType]::ParameterName, 'Print a Kyverno ClusterPolicy that generates the kit in every new namespace')
            [CompletionResult]::new('--widen', '--widen', [CompletionResultType]::ParameterName, 'Add allow-dns and allow-ingress-controller (which admit their peer to every pod) even where the namespace already admits DNS or the ingress controller to some pods only, through policies of its own')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print the result table without its header line')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --flows: install even if observed flows would be cut')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the API server''s certificate (insecure: HTTPS without server authentication)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-deny;audit' {
            [CompletionResult]::new('--flows', '--flows', [CompletionResultType]::ParameterName, 'Observed flows: a file (gzip or not) or - for stdin. Repeatable')
            [CompletionResult]::new('--group-cidr', '--group-cidr', [CompletionResultType]::ParameterName, 'Addresses in this CIDR count as one peer, e.g. an external service''s range (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate (repeatable; needs --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'UID to impersonate (needs --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a CA certificate file (PEM) to check the API server''s certificate with')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file (PEM) for TLS authentication')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to the client certificate''s key file (PEM)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb')
            [CompletionResult]::new('--include-system', '--include-system', [CompletionResultType]::ParameterName, 'Also audit kube-system and the namespaces running DNS, the ingress controller or a mesh control plane, as init --include-system would install the kit there')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the API server''s certificate (insecure: HTTPS without server authentication)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-deny;diff' {
            [CompletionResult]::new('--with', '--with', [CompletionResultType]::ParameterName, 'Manifests to add or replace (a file, a directory, or -). Repeatable')
            [CompletionResult]::new('--without', '--without', [CompletionResultType]::ParameterName, 'A NetworkPolicy to remove, NS/NAME (NAME alone: in -n''s namespace). Repeatable')
            [CompletionResult]::new('--flows', '--flows', [CompletionResultType]::ParameterName, 'Only the flows observed in this file (as audit --flows takes them). Repeatable')
            [CompletionResult]::new('--group-cidr', '--group-cidr', [CompletionResultType]::ParameterName, 'With --flows: addresses in this CIDR count as one peer (repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate (repeatable; needs --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'UID to impersonate (needs --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a CA certificate file (PEM) to check the API server''s certificate with')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file (PEM) for TLS authentication')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to the client certificate''s key file (PEM)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb')
            [CompletionResult]::new('--all-ports', '--all-ports', [CompletionResultType]::ParameterName, 'Compare every port and protocol instead of the declared container ports')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the API server''s certificate (insecure: HTTPS without server authentication)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-deny;completion' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate (repeatable; needs --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'UID to impersonate (needs --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a CA certificate file (PEM) to check the API server''s certificate with')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file (PEM) for TLS authentication')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to the client certificate''s key file (PEM)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the API server''s certificate (insecure: HTTPS without server authentication)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-deny;version' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address of the Kubernetes API server, overriding the kubeconfig''s (works without a kubeconfig)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the API server, instead of the kubeconfig user''s credentials')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate (repeatable; needs --as)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'UID to impersonate (needs --as)')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a CA certificate file (PEM) to check the API server''s certificate with')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file (PEM) for TLS authentication')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to the client certificate''s key file (PEM)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--kustomize', '--kustomize', [CompletionResultType]::ParameterName, 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl''s -k does')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the API server''s certificate (insecure: HTTPS without server authentication)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on all namespaces (ignores -n) where a command works on namespaces')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-deny;help' {
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'Explain why one flow is allowed or blocked')
            [CompletionResult]::new('matrix', 'matrix', [CompletionResultType]::ParameterValue, 'Show who can reach whom, for many flows at once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List namespaces lacking default-deny')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Install the default-deny starter kit into namespaces')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Replay observed flows against today''s policies and the starter kit')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what a change to the policies does to reachability, before it is applied')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version and git commit')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-deny;help;why' {
            break
        }
        'kubectl-deny;help;matrix' {
            break
        }
        'kubectl-deny;help;list' {
            break
        }
        'kubectl-deny;help;init' {
            break
        }
        'kubectl-deny;help;audit' {
            break
        }
        'kubectl-deny;help;diff' {
            break
        }
        'kubectl-deny;help;completion' {
            break
        }
        'kubectl-deny;help;version' {
            break
        }
        'kubectl-deny;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
