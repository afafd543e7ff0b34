# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_deny_global_optspecs
    string join \n kubeconfig= context= cluster= user= s/server= token= as= as-group= as-uid= certificate-authority= insecure-skip-tls-verify client-certificate= client-key= n/namespace= A/all-namespaces f/filename= k/kustomize= request-timeout= o/output= color= h/help V/version
end

function __fish_kubectl_deny_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_deny_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_deny_using_subcommand
    set -l cmd (__fish_kubectl_deny_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -s s -l server -d 'The address of the Kubernetes API server, overriding the kubeconfig\'s (works without a kubeconfig)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l token -d 'Bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l as -d 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l certificate-authority -d 'Path to a CA certificate file (PEM) to check the API server\'s certificate with' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l client-certificate -d 'Path to a client certificate file (PEM) for TLS authentication' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l client-key -d 'Path to the client certificate\'s key file (PEM)' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -s n -l namespace -d 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context\'s namespace, then "default"]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -s f -l filename -d 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -s k -l kustomize -d 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl\'s -k does' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l request-timeout -d 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t'One `kind/name` line per object, as kubectl prints them (list, init)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l color -d 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure: HTTPS without server authentication)'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -s A -l all-namespaces -d 'Work on all namespaces (ignores -n) where a command works on namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -f -a "why" -d 'Explain why one flow is allowed or blocked'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -f -a "matrix" -d 'Show who can reach whom, for many flows at once'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -f -a "list" -d 'List namespaces lacking default-deny'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -f -a "init" -d 'Install the default-deny starter kit into namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -f -a "audit" -d 'Replay observed flows against today\'s policies and the starter kit'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -f -a "diff" -d 'Show what a change to the policies does to reachability, before it is applied'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -f -a "version" -d 'Print the version and git commit'
complete -c kubectl-deny -n "__fish_kubectl_deny_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -s l -l selector -d 'Not for why, which explains one flow: refused with what to use instead (matrix -l)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -s s -l server -d 'The address of the Kubernetes API server, overriding the kubeconfig\'s (works without a kubeconfig)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l token -d 'Bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l as -d 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l certificate-authority -d 'Path to a CA certificate file (PEM) to check the API server\'s certificate with' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l client-certificate -d 'Path to a client certificate file (PEM) for TLS authentication' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l client-key -d 'Path to the client certificate\'s key file (PEM)' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -s n -l namespace -d 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context\'s namespace, then "default"]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -s f -l filename -d 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -s k -l kustomize -d 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl\'s -k does' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l request-timeout -d 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t'One `kind/name` line per object, as kubectl prints them (list, init)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l color -d 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l suggest -d 'Instead of the explanation, print NetworkPolicies that allow the flow if it is blocked (YAML; a JSON List with -o json), checked with the engine before they are printed. Exit 0 when policies were printed, 1 when the flow is allowed already'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure: HTTPS without server authentication)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -s A -l all-namespaces -d 'Work on all namespaces (ignores -n) where a command works on namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand why" -s V -l version -d 'Print version'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l port -d 'A port to evaluate, PORT[/PROTOCOL] (repeatable) [default: each destination\'s declared container ports]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -s l -l selector -d 'Label query (kubectl\'s syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key; commas join requirements that must all hold)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -s s -l server -d 'The address of the Kubernetes API server, overriding the kubeconfig\'s (works without a kubeconfig)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l token -d 'Bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l as -d 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l certificate-authority -d 'Path to a CA certificate file (PEM) to check the API server\'s certificate with' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l client-certificate -d 'Path to a client certificate file (PEM) for TLS authentication' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l client-key -d 'Path to the client certificate\'s key file (PEM)' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -s n -l namespace -d 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context\'s namespace, then "default"]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -s f -l filename -d 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -s k -l kustomize -d 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl\'s -k does' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l request-timeout -d 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t'One `kind/name` line per object, as kubectl prints them (list, init)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l color -d 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l all-ports -d 'Every port and protocol: for each pair, which ports (if any) are allowed. JSON lists {"flows":[{"from","to","ports":[...]}]} for the pairs that allow some port'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l grouped -d 'With -o json: the groups of pods no policy tells apart (id, namespace, labels, pods), then one cell per group pair and port, instead of one per pod pair (size grows with groups, not pods squared); plain -o json stays per pod'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l no-headers -d 'Print the tables without their header lines'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure: HTTPS without server authentication)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -s A -l all-namespaces -d 'Work on all namespaces (ignores -n) where a command works on namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand matrix" -s V -l version -d 'Print version'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -s l -l selector -d 'Label query (kubectl\'s syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key; commas join requirements that must all hold)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -s s -l server -d 'The address of the Kubernetes API server, overriding the kubeconfig\'s (works without a kubeconfig)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l token -d 'Bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l as -d 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l certificate-authority -d 'Path to a CA certificate file (PEM) to check the API server\'s certificate with' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l client-certificate -d 'Path to a client certificate file (PEM) for TLS authentication' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l client-key -d 'Path to the client certificate\'s key file (PEM)' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -s n -l namespace -d 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context\'s namespace, then "default"]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -s f -l filename -d 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -s k -l kustomize -d 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl\'s -k does' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l request-timeout -d 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t'One `kind/name` line per object, as kubectl prints them (list, init)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l color -d 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l all -d 'Also list namespaces that have default-deny in both directions'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l exit-code -d 'Exit 1 when any listed namespace lacks default-deny'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l no-headers -d 'Print the table without its header line'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure: HTTPS without server authentication)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -s A -l all-namespaces -d 'Work on all namespaces (ignores -n) where a command works on namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand list" -s V -l version -d 'Print version'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l baseline-api -d 'With --baseline: the API to write it in, v1beta1 or v1alpha2 (ClusterNetworkPolicy) or v1alpha1 (BaselineAdminNetworkPolicy); default: the newest the server serves, or v1alpha2 offline with -f' -r -f -a "v1beta1\t''
v1alpha2\t''
v1alpha1\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l exclude -d 'With -A, --baseline or --kyverno: a namespace to leave out (repeatable)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l ingress-namespace -d 'The ingress controller\'s namespace, instead of detecting it' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l allow-monitoring -d 'Add allow-monitoring: ingress from this namespace (e.g. Prometheus scrapes)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l dry-run -d 'Only print (client) or only validate on the server (server); bare --dry-run means client' -r -f -a "client\t'Print what would be applied; send nothing'
server\t'Ask the API server to validate the change without persisting it'
none\t'Apply for real (the default)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l field-manager -d 'The field manager of the server-side apply' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -s l -l selector -d 'Label query (kubectl\'s syntax: key=value, key!=value, key in (a,b), key notin (a), key, !key; commas join requirements that must all hold)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l flows -d 'Observed flows (as audit --flows takes them): before installing, refuse (exit 1, the flows listed) when the kit (or the Baseline deny, with --baseline) would cut an observed flow that nothing allows. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l group-cidr -d 'With --flows: addresses in this CIDR count as one peer (repeatable)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -s s -l server -d 'The address of the Kubernetes API server, overriding the kubeconfig\'s (works without a kubeconfig)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l token -d 'Bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l as -d 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l certificate-authority -d 'Path to a CA certificate file (PEM) to check the API server\'s certificate with' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l client-certificate -d 'Path to a client certificate file (PEM) for TLS authentication' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l client-key -d 'Path to the client certificate\'s key file (PEM)' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -s n -l namespace -d 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context\'s namespace, then "default"]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -s f -l filename -d 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -s k -l kustomize -d 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl\'s -k does' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l request-timeout -d 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t'One `kind/name` line per object, as kubectl prints them (list, init)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l color -d 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l baseline -d 'Install the cluster-wide form instead: ONE Baseline-tier policy (ClusterNetworkPolicy, or the BaselineAdminNetworkPolicy default where only v1alpha1 is served) denying ingress and egress in every namespace but the system and infrastructure ones, allowing DNS and the ingress controller'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l include-system -d 'Also install into kube-system, kube-public, kube-node-lease and the namespaces running the cluster DNS, the ingress controller, a mesh control plane or the --allow-monitoring namespace (refused with -n, skipped by -A and exempt from --baseline otherwise)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l no-ingress -d 'Leave out allow-ingress-controller'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l no-dns -d 'Leave out allow-dns'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l allow-same-namespace -d 'Add allow-same-namespace: pods may talk to each other within the namespace'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l allow-apiserver -d 'Add allow-apiserver: egress to the Kubernetes API server\'s endpoints at their real ports'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l force-conflicts -d 'Take over policies of the same name owned by another field manager'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l kyverno -d 'Print a Kyverno ClusterPolicy that generates the kit in every new namespace'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l widen -d 'Add allow-dns and allow-ingress-controller (which admit their peer to every pod) even where the namespace already admits DNS or the ingress controller to some pods only, through policies of its own'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l no-headers -d 'Print the result table without its header line'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l force -d 'With --flows: install even if observed flows would be cut'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure: HTTPS without server authentication)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -s A -l all-namespaces -d 'Work on all namespaces (ignores -n) where a command works on namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand init" -s V -l version -d 'Print version'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l flows -d 'Observed flows: a file (gzip or not) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l group-cidr -d 'Addresses in this CIDR count as one peer, e.g. an external service\'s range (repeatable)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l baseline-api -d 'With --baseline: the API it is evaluated in, v1beta1 or v1alpha2 (ClusterNetworkPolicy) or v1alpha1 (BaselineAdminNetworkPolicy); default: the newest the server serves, or v1alpha2 offline with -f' -r -f -a "v1beta1\t''
v1alpha2\t''
v1alpha1\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l exclude -d 'With --baseline: a namespace the Baseline deny leaves out (repeatable)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -s s -l server -d 'The address of the Kubernetes API server, overriding the kubeconfig\'s (works without a kubeconfig)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l token -d 'Bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l as -d 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l certificate-authority -d 'Path to a CA certificate file (PEM) to check the API server\'s certificate with' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l client-certificate -d 'Path to a client certificate file (PEM) for TLS authentication' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l client-key -d 'Path to the client certificate\'s key file (PEM)' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -s n -l namespace -d 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context\'s namespace, then "default"]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -s f -l filename -d 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -s k -l kustomize -d 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl\'s -k does' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l request-timeout -d 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t'One `kind/name` line per object, as kubectl prints them (list, init)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l color -d 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l include-system -d 'Also audit kube-system and the namespaces running DNS, the ingress controller or a mesh control plane, as init --include-system would install the kit there (with --baseline: cover them too)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l baseline -d 'Audit the cluster-wide form of the kit instead, as init --baseline would install it: ONE Baseline-tier deny in every namespace but the exempt ones (refused with -n and -A)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure: HTTPS without server authentication)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -s A -l all-namespaces -d 'Work on all namespaces (ignores -n) where a command works on namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand audit" -s V -l version -d 'Print version'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l with -d 'Manifests to add or replace (a file, a directory, or -). Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l without -d 'A policy to remove: a NetworkPolicy as NS/NAME (NAME alone: in -n\'s namespace), another kind as TYPE/NS/NAME or, cluster-wide, TYPE/NAME (TYPE: cnp, ccnp, anp, banp, clusternetworkpolicy, networkpolicy.projectcalico.org, gnp). Repeatable' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l flows -d 'Only the flows observed in this file (as audit --flows takes them). Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l group-cidr -d 'With --flows: addresses in this CIDR count as one peer (repeatable)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -s s -l server -d 'The address of the Kubernetes API server, overriding the kubeconfig\'s (works without a kubeconfig)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l token -d 'Bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l as -d 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l certificate-authority -d 'Path to a CA certificate file (PEM) to check the API server\'s certificate with' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l client-certificate -d 'Path to a client certificate file (PEM) for TLS authentication' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l client-key -d 'Path to the client certificate\'s key file (PEM)' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -s n -l namespace -d 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context\'s namespace, then "default"]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -s f -l filename -d 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -s k -l kustomize -d 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl\'s -k does' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l request-timeout -d 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t'One `kind/name` line per object, as kubectl prints them (list, init)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l color -d 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l all-ports -d 'Compare every port and protocol instead of the declared container ports'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure: HTTPS without server authentication)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -s A -l all-namespaces -d 'Work on all namespaces (ignores -n) where a command works on namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand diff" -s V -l version -d 'Print version'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -s s -l server -d 'The address of the Kubernetes API server, overriding the kubeconfig\'s (works without a kubeconfig)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l token -d 'Bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l as -d 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l certificate-authority -d 'Path to a CA certificate file (PEM) to check the API server\'s certificate with' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l client-certificate -d 'Path to a client certificate file (PEM) for TLS authentication' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l client-key -d 'Path to the client certificate\'s key file (PEM)' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -s n -l namespace -d 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context\'s namespace, then "default"]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -s f -l filename -d 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -s k -l kustomize -d 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl\'s -k does' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l request-timeout -d 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t'One `kind/name` line per object, as kubectl prints them (list, init)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l color -d 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure: HTTPS without server authentication)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -s A -l all-namespaces -d 'Work on all namespaces (ignores -n) where a command works on namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand completion" -s V -l version -d 'Print version'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -s s -l server -d 'The address of the Kubernetes API server, overriding the kubeconfig\'s (works without a kubeconfig)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l token -d 'Bearer token for the API server, instead of the kubeconfig user\'s credentials' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l as -d 'Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l certificate-authority -d 'Path to a CA certificate file (PEM) to check the API server\'s certificate with' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l client-certificate -d 'Path to a client certificate file (PEM) for TLS authentication' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l client-key -d 'Path to the client certificate\'s key file (PEM)' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -s n -l namespace -d 'Namespace for bare pod names and namespaced commands (repeatable where a command takes several) [default: the context\'s namespace, then "default"]' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -s f -l filename -d 'Read cluster state from manifests instead of a live cluster: a file, a directory (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -s k -l kustomize -d 'Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize DIR` (needs kubectl on PATH), as kubectl\'s -k does' -r -F
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l request-timeout -d 'Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but connecting and the TLS handshake are always bounded: 10s by default)' -r
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t'One `kind/name` line per object, as kubectl prints them (list, init)'"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l color -d 'When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (insecure: HTTPS without server authentication)'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -s A -l all-namespaces -d 'Work on all namespaces (ignores -n) where a command works on namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand version" -s V -l version -d 'Print version'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand help; and not __fish_seen_subcommand_from why matrix list init audit diff completion version help" -f -a "why" -d 'Explain why one flow is allowed or blocked'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand help; and not __fish_seen_subcommand_from why matrix list init audit diff completion version help" -f -a "matrix" -d 'Show who can reach whom, for many flows at once'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand help; and not __fish_seen_subcommand_from why matrix list init audit diff completion version help" -f -a "list" -d 'List namespaces lacking default-deny'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand help; and not __fish_seen_subcommand_from why matrix list init audit diff completion version help" -f -a "init" -d 'Install the default-deny starter kit into namespaces'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand help; and not __fish_seen_subcommand_from why matrix list init audit diff completion version help" -f -a "audit" -d 'Replay observed flows against today\'s policies and the starter kit'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand help; and not __fish_seen_subcommand_from why matrix list init audit diff completion version help" -f -a "diff" -d 'Show what a change to the policies does to reachability, before it is applied'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand help; and not __fish_seen_subcommand_from why matrix list init audit diff completion version help" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand help; and not __fish_seen_subcommand_from why matrix list init audit diff completion version help" -f -a "version" -d 'Print the version and git commit'
complete -c kubectl-deny -n "__fish_kubectl_deny_using_subcommand help; and not __fish_seen_subcommand_from why matrix list init audit diff completion version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
