//! The command line as clap sees it: raw flags, nothing resolved.
//!
//! `context::Context::resolve` turns these into settings once (source, namespaces, output format,
//! palette); commands never read flags or the environment themselves.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

/// The name users type; kubectl finds the binary `kubectl-deny` and runs it as `kubectl deny`.
pub const DISPLAY_NAME: &str = "kubectl deny";

const AFTER_HELP: &str = "\
Exit status:
  0  success (why: the flow is allowed; why --suggest: policies were printed)
  1  why: the flow is blocked; why --suggest: nothing to suggest, the flow is allowed already;
     list --exit-code: a namespace lacks default-deny; audit: the kit would cut an observed flow;
     init --flows: refused; diff: the change blocks something that was allowed
  2  error: bad input, object not found, cluster unreachable or forbidden

Examples:
  kubectl deny why frontend db:5432            # explain one flow against the live cluster
  kubectl deny why -f examples/ -n production deploy/frontend deploy/api:http
  kubectl deny list                            # namespaces lacking default-deny
  kubectl deny matrix -n prod --port 80        # who can reach whom
  kubectl deny init -n prod --dry-run=server   # install the default-deny starter kit
  kubectl deny audit -n prod --flows flows.json  # what the kit would cut of observed traffic
  kubectl deny diff -n prod --with pr/         # what a change does to reachability";

#[derive(Debug, Parser)]
#[command(
    name = "kubectl-deny",
    bin_name = DISPLAY_NAME,
    version = crate::version::SHORT,
    long_version = crate::version::LONG,
    about = "Make Kubernetes default-deny networking real: install it, explain it, audit it.",
    long_about = "Make Kubernetes default-deny networking real.\n\n\
        Installs a correct default-deny starter kit into namespaces, explains exactly why one pod \
        can or cannot reach another against live cluster state (or manifest files), and lists the \
        namespaces that are still open.",
    after_help = AFTER_HELP,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// kubectl's global flags; accepted before or after the subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]
    #[arg(long, global = true, value_name = "PATH", help_heading = "Cluster")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME", help_heading = "Cluster")]
    pub context: Option<String>,

    /// The kubeconfig cluster to use
    #[arg(long, global = true, value_name = "NAME", help_heading = "Cluster")]
    pub cluster: Option<String>,

    /// The kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME", help_heading = "Cluster")]
    pub user: Option<String>,

    /// The address of the Kubernetes API server, overriding the kubeconfig's (works without a
    /// kubeconfig)
    #[arg(short = 's', long, global = true, value_name = "URL", help_heading = "Cluster")]
    pub server: Option<String>,

    /// Bearer token for the API server, instead of the kubeconfig user's credentials
    #[arg(long, global = true, value_name = "TOKEN", help_heading = "Cluster")]
    pub token: Option<String>,

    /// Username to impersonate (a user, or a service account: system:serviceaccount:NS:NAME)
    #[arg(long = "as", global = true, value_name = "USER", help_heading = "Cluster")]
    pub as_user: Option<String>,

    /// Group to impersonate (repeatable; needs --as)
    #[arg(long = "as-group", global = true, value_name = "GROUP", action = ArgAction::Append, requires = "as_user", help_heading = "Cluster")]
    pub as_groups: Vec<String>,

    /// UID to impersonate (needs --as)
    #[arg(long = "as-uid", global = true, value_name = "UID", requires = "as_user", help_heading = "Cluster")]
    pub as_uid: Option<String>,

    /// Path to a CA certificate file (PEM) to check the API server's certificate with
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        conflicts_with = "insecure_skip_tls_verify",
        help_heading = "Cluster"
    )]
    pub certificate_authority: Option<PathBuf>,

    /// Do not check the API server's certificate (insecure: HTTPS without server authentication)
    #[arg(long, global = true, help_heading = "Cluster")]
    pub insecure_skip_tls_verify: bool,

    /// Path to a client certificate file (PEM) for TLS authentication
    #[arg(long, global = true, value_name = "PATH", help_heading = "Cluster")]
    pub client_certificate: Option<PathBuf>,

    /// Path to the client certificate's key file (PEM)
    #[arg(long, global = true, value_name = "PATH", help_heading = "Cluster")]
    pub client_key: Option<PathBuf>,

    /// Namespace for bare pod names and namespaced commands (repeatable where a command takes
    /// several) [default: the context's namespace, then "default"]
    #[arg(short = 'n', long = "namespace", global = true, value_name = "NS", action = ArgAction::Append, help_heading = "Cluster")]
    pub namespaces: Vec<String>,

    /// Work on all namespaces (ignores -n) where a command works on namespaces
    #[arg(short = 'A', long, global = true, help_heading = "Cluster")]
    pub all_namespaces: bool,

    /// Read cluster state from manifests instead of a live cluster: a file, a directory
    /// (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable
    #[arg(short = 'f', long = "filename", global = true, value_name = "PATH", action = ArgAction::Append, help_heading = "Cluster")]
    pub filenames: Vec<PathBuf>,

    /// Read cluster state from a kustomization directory instead, rendered with `kubectl kustomize
    /// DIR` (needs kubectl on PATH), as kubectl's -k does
    #[arg(
        short = 'k',
        long = "kustomize",
        global = true,
        value_name = "DIR",
        conflicts_with = "filenames",
        help_heading = "Cluster"
    )]
    pub kustomize: Option<PathBuf>,

    /// Bound on each API call, as kubectl takes it (10s, 2m, 1m30s, or seconds; 0 = no bound, but
    /// connecting and the TLS handshake are always bounded: 10s by default)
    #[arg(long, global = true, value_name = "DURATION", default_value = "0", help_heading = "Cluster")]
    pub request_timeout: String,

    /// Output format
    #[arg(short = 'o', long = "output", global = true, value_name = "FORMAT", help_heading = "Output")]
    pub output: Option<OutputFormat>,

    /// When to colour the output: auto colours only on a terminal, never with NO_COLOR or TERM=dumb
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto", help_heading = "Output")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Wide,
    Json,
    Yaml,
    /// One `kind/name` line per object, as kubectl prints them (list, init)
    Name,
}

impl OutputFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Wide => "wide",
            OutputFormat::Json => "json",
            OutputFormat::Yaml => "yaml",
            OutputFormat::Name => "name",
        }
    }
}

/// `-l/--selector`, as kubectl takes it.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectorArg {
    /// Label query (kubectl's syntax: key=value, key!=value, key in (a,b), key notin (a), key,
    /// !key; commas join requirements that must all hold)
    #[arg(short = 'l', long = "selector", value_name = "QUERY")]
    pub selector: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Why(WhyArgs),
    Matrix(MatrixArgs),
    List(ListArgs),
    Init(InitArgs),
    Audit(AuditArgs),
    Diff(DiffArgs),
    Completion(CompletionArgs),
    Version(VersionArgs),
}

/// Explain why one flow is allowed or blocked.
#[derive(Debug, Args)]
#[command(
    long_about = "Explain why traffic from FROM to TO is allowed or blocked by NetworkPolicies.\n\n\
        Both sides must allow a flow: the source's egress and the destination's ingress. For each \
        side the output names the policies that isolate the pod, the rule that allows the flow, \
        or, when it is blocked, each isolating policy's nearest miss.",
    after_help = "\
Endpoints (FROM and TO):
  NAME, NS/NAME, pod/NAME, NS/pod/NAME     a pod
  deploy/NAME, sts/NAME, ds/NAME, ...      a workload, evaluated for its pods' labels
  svc/NAME                                 (TO only) the Service's backends, at the target port
  10.0.0.7, 2001:db8::7                    an IP address outside the cluster, or a node (not a
                                           range: name one address of a CIDR)
  (-n sets the namespace of names without one, else the context's; -A and -l do not apply:
  why explains one flow, so name each end; matrix -l shows every pod a selector picks)

Port and protocol (on TO):
  :5432, :http                             a number, or a named container port of the destination
  /udp, /sctp                              the protocol (tcp when omitted; any case)
  no port                                  which ports, if any, are allowed

Suggested policies (--suggest):
  For each blocked side, a NetworkPolicy in that side's namespace that selects the pod (a
  workload's or Service's selector, or the pod's labels less pod-template-hash and the like) and
  allows the other end on the flow's port only. Names already in use are never reused.

Exit status:
  0 allowed, 1 blocked, 2 error
  With --suggest: 0 the policies were printed (the flow is blocked), 1 nothing to suggest (the
  flow is allowed already), 2 error; so `--suggest > allow.yaml && kubectl apply -f allow.yaml`
  applies only what was suggested

Examples:
  kubectl deny why frontend db:5432
  kubectl deny why -n shop deploy/web svc/api
  kubectl deny why web kube-system/coredns-5d78c9869d-x2x4v:53/udp
  kubectl deny why -f examples/ -n production deploy/frontend deploy/api:http -o json
  kubectl deny why -n shop deploy/web svc/api:8080 --suggest > allow-web-to-api.yaml"
)]
pub struct WhyArgs {
    /// The source: a pod, a workload or an IP address
    #[arg(value_name = "FROM")]
    pub from: String,

    /// The destination, with an optional :PORT and /PROTOCOL
    #[arg(value_name = "TO[:PORT][/PROTOCOL]")]
    pub to: String,

    /// Not for why, which explains one flow: refused with what to use instead (matrix -l)
    #[arg(short = 'l', long = "selector", value_name = "QUERY", hide = true)]
    pub selector: Option<String>,

    /// Instead of the explanation, print NetworkPolicies that allow the flow if it is blocked
    /// (YAML; a JSON List with -o json), checked with the engine before they are printed. Exit 0
    /// when policies were printed, 1 when the flow is allowed already
    #[arg(long)]
    pub suggest: bool,
}

/// Show who can reach whom, for many flows at once.
#[derive(Debug, Args)]
#[command(
    long_about = "Show reachability between every pair of pods in the chosen namespaces.\n\n\
        Every cell is the verdict `kubectl deny why` gives for that flow. Pods with identical \
        namespace, labels and ports are grouped. -o json prints one cell per pod pair and port, \
        as scripts read it; with --grouped, the groups and one cell per group pair and port \
        (plus exceptions for node-local pairs of host-network pods), whose size grows with the \
        groups rather than pods squared.",
    after_help = "\
Examples:
  kubectl deny matrix -n prod --port 80 --port 53/udp
  kubectl deny matrix -n prod --all-ports          # which ports each pair may use
  kubectl deny matrix -A -o json                   # one cell per pod pair and port (scripts)
  kubectl deny matrix -A -o json --grouped         # one per group pair: for big scopes
  kubectl deny matrix -f examples/ -n production"
)]
pub struct MatrixArgs {
    /// A port to evaluate, PORT[/PROTOCOL] (repeatable) [default: each destination's declared
    /// container ports]
    #[arg(long = "port", value_name = "PORT[/PROTOCOL]", action = ArgAction::Append)]
    pub ports: Vec<String>,

    /// Every port and protocol: for each pair, which ports (if any) are allowed. JSON lists
    /// {"flows":[{"from","to","ports":[...]}]} for the pairs that allow some port
    #[arg(long, conflicts_with = "ports")]
    pub all_ports: bool,

    /// With -o json: the groups of pods no policy tells apart (id, namespace, labels, pods), then
    /// one cell per group pair and port, instead of one per pod pair (size grows with groups, not
    /// pods squared); plain -o json stays per pod
    #[arg(long, conflicts_with = "all_ports")]
    pub grouped: bool,

    /// Only the pods whose labels match: both ends of every flow are among them
    #[command(flatten)]
    pub selector: SelectorArg,

    /// Print the tables without their header lines
    #[arg(long)]
    pub no_headers: bool,
}

/// List namespaces lacking default-deny.
#[derive(Debug, Args)]
#[command(
    long_about = "List the namespaces that lack default-deny, per direction.\n\n\
        States: deny (a policy selecting every pod isolates the direction, nothing re-opens it \
        and no pod is allowed everything, so pods created tomorrow are covered too), allow-all \
        (isolated, but the rules together admit every pod of the cluster on every port: \
        namespaceSelector {}, ipBlock 0.0.0.0/0, a CIDR covering every pod IP), pods (every \
        current pod is isolated, but nothing covers a new pod), partial (some pods isolated, or \
        some allowed everything), none (no pod isolated). NOT ISOLATED marks the pods isolated \
        but allowed everything with \"allowed all\".\n\n\
        All namespaces are examined unless -n narrows the scope.",
    after_help = "\
Examples:
  kubectl deny list
  kubectl deny list --all -o wide
  kubectl deny list --exit-code            # CI gate: exit 1 when a namespace lacks default-deny
  kubectl deny list -f cluster-dump.yaml -o json
  kubectl deny list -f examples/ --all -o wide   # offline, on the bundled example cluster"
)]
pub struct ListArgs {
    /// Also list namespaces that have default-deny in both directions
    #[arg(long)]
    pub all: bool,

    /// Exit 1 when any listed namespace lacks default-deny
    #[arg(long)]
    pub exit_code: bool,

    /// Only the namespaces whose labels match
    #[command(flatten)]
    pub selector: SelectorArg,

    /// Print the table without its header line
    #[arg(long)]
    pub no_headers: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    /// Print what would be applied; send nothing
    Client,
    /// Ask the API server to validate the change without persisting it
    Server,
    /// Apply for real (the default)
    None,
}

/// Install the default-deny starter kit into namespaces.
#[derive(Debug, Args)]
#[command(
    long_about = "Install the default-deny starter kit into namespaces: default-deny-all, \
        allow-dns (egress to the cluster DNS pods on their real port), and \
        allow-ingress-controller (ingress from the ingress controller's namespace).\n\n\
        The namespaces are those named with -n, all of them with -A, those whose labels match \
        -l, or the kubeconfig context's namespace. Allows are applied before the deny, so no \
        namespace is left without DNS. Server-side apply with field manager kubectl-deny (or \
        --field-manager): running it twice changes nothing. Nothing is ever deleted, replaced or \
        widened: a policy with the kit's spec (under any name) is in place already; a policy of a \
        kit name with another spec, owned by someone else, is a conflict, never overwritten unless \
        --force-conflicts; where the namespace already admits the ingress controller or DNS to some \
        pods only, the kit's namespace-wide allow is left out unless --widen (and the deny waits \
        for DNS). Errors go to stderr, with the refused reads in one note after the result.",
    after_help = "\
Examples:
  kubectl deny init -n prod --dry-run=server
  kubectl deny init -l team=shop -o name                     # the namespaces labelled team=shop
  kubectl deny init -A --exclude legacy --allow-monitoring monitoring
  kubectl deny init -n prod -o yaml > networkpolicies.yaml   # GitOps: print, don't apply
  kubectl deny init -f examples/ -n staging -o yaml          # offline, from manifests
  kubectl deny init --kyverno > kyverno-default-deny.yaml
  kubectl deny init --baseline --dry-run=server              # one cluster-wide Baseline deny"
)]
pub struct InitArgs {
    /// Install the cluster-wide form instead: ONE Baseline-tier policy (ClusterNetworkPolicy, or
    /// the BaselineAdminNetworkPolicy default where only v1alpha1 is served) denying ingress and
    /// egress in every namespace but the system and infrastructure ones, allowing DNS and the
    /// ingress controller
    #[arg(long)]
    pub baseline: bool,

    /// With --baseline: the API to write it in, v1beta1 or v1alpha2 (ClusterNetworkPolicy) or
    /// v1alpha1 (BaselineAdminNetworkPolicy); default: the newest the server serves, or v1alpha2
    /// offline with -f
    #[arg(long, value_name = "VERSION", requires = "baseline", value_parser = ["v1beta1", "v1alpha2", "v1alpha1"])]
    pub baseline_api: Option<String>,

    /// With -A, --baseline or --kyverno: a namespace to leave out (repeatable)
    #[arg(long, value_name = "NS", action = ArgAction::Append)]
    pub exclude: Vec<String>,

    /// Also install into kube-system, kube-public, kube-node-lease and the namespaces running the
    /// cluster DNS, the ingress controller, a mesh control plane or the --allow-monitoring
    /// namespace (refused with -n, skipped by -A and exempt from --baseline otherwise)
    #[arg(long)]
    pub include_system: bool,

    /// The ingress controller's namespace, instead of detecting it
    #[arg(long, value_name = "NS", conflicts_with = "no_ingress")]
    pub ingress_namespace: Option<String>,

    /// Leave out allow-ingress-controller
    #[arg(long)]
    pub no_ingress: bool,

    /// Leave out allow-dns
    #[arg(long)]
    pub no_dns: bool,

    /// Add allow-same-namespace: pods may talk to each other within the namespace
    #[arg(long)]
    pub allow_same_namespace: bool,

    /// Add allow-apiserver: egress to the Kubernetes API server's endpoints at their real ports
    #[arg(long)]
    pub allow_apiserver: bool,

    /// Add allow-monitoring: ingress from this namespace (e.g. Prometheus scrapes)
    #[arg(long, value_name = "NS")]
    pub allow_monitoring: Option<String>,

    /// Take over policies of the same name owned by another field manager
    #[arg(long)]
    pub force_conflicts: bool,

    /// Only print (client) or only validate on the server (server); bare --dry-run means client
    #[arg(long, value_name = "MODE", num_args = 0..=1, default_missing_value = "client", default_value = "none", require_equals = true)]
    pub dry_run: DryRun,

    /// Print a Kyverno ClusterPolicy that generates the kit in every new namespace
    #[arg(long)]
    pub kyverno: bool,

    /// Add allow-dns and allow-ingress-controller (which admit their peer to every pod) even where
    /// the namespace already admits DNS or the ingress controller to some pods only, through
    /// policies of its own
    #[arg(long)]
    pub widen: bool,

    /// The field manager of the server-side apply
    #[arg(long, value_name = "NAME", default_value = "kubectl-deny")]
    pub field_manager: String,

    /// Install into the namespaces whose labels match (instead of -n or -A)
    #[command(flatten)]
    pub selector: SelectorArg,

    /// Print the result table without its header line
    #[arg(long)]
    pub no_headers: bool,

    /// Observed flows (as audit --flows takes them): before installing, refuse (exit 1, the flows
    /// listed) when the kit (or the Baseline deny, with --baseline) would cut an observed flow that
    /// nothing allows. Repeatable
    #[arg(long = "flows", value_name = "FILE", action = ArgAction::Append)]
    pub flows: Vec<PathBuf>,

    /// With --flows: install even if observed flows would be cut
    #[arg(long, requires = "flows")]
    pub force: bool,

    /// With --flows: addresses in this CIDR count as one peer (repeatable)
    #[arg(long, value_name = "CIDR", action = ArgAction::Append, requires = "flows")]
    pub group_cidr: Vec<String>,
}

/// Replay observed flows against today's policies and the starter kit.
#[derive(Debug, Args)]
#[command(
    long_about = "Replay the traffic observed today against the current state and against the state after \
        the starter kit, as init would install it in the chosen namespaces (-n, -A, or the context's).\n\n\
        Flows come from Hubble (hubble observe -o jsonpb or -o json), Calico flow logs (JSON lines) or \
        CSV/TSV lines from,to,port,protocol[,count] with the endpoint forms why takes; gzip is read as \
        is, - is stdin. Replies are not flows. Flows are aggregated per workload pair, port and \
        protocol: pods that no longer exist map to their workload by the workload recorded, their \
        name (pod-template-hash) or their labels. For each namespace: the flows allowed today and \
        after, the flows the kit would cut (the blast radius), the flows observed dropped, and every \
        contradiction between what was observed and the verdict computed today, with what may \
        explain it.\n\n\
        With --baseline, the state after is that of init --baseline: one cluster-wide Baseline-tier \
        deny covering every namespace but the exempt ones (system and infrastructure namespaces, \
        --exclude), so every namespace is audited and an exempt one loses nothing.\n\n\
        -o yaml prints instead the NetworkPolicies that keep every observed flow working once the \
        kit is in place: one ingress policy per destination and one egress policy per source, \
        selecting workloads as why --suggest does, checked with the kit before they are printed, \
        with the pod pairs and ports they open beyond the observed flows.",
    after_help = "\
Exit status:
  0  no observed flow would be cut (-o yaml: the allows were printed and cover every flow)
  1  some observed flow would be cut (-o yaml: some flow cannot be allowed by any policy)
  2  error

Examples:
  hubble observe --since 24h -o jsonpb > flows.json
  kubectl deny audit --flows flows.json -n shop
  kubectl deny audit --flows flows.json -n shop -o yaml > allows.yaml
  kubectl deny audit --flows calico-flows.log.gz -A -o json
  kubectl deny audit --flows flows.json --baseline            # the cluster-wide Baseline deny
  kubectl deny audit -f examples/ -n staging --flows examples/flows/hubble.jsonl"
)]
pub struct AuditArgs {
    /// Observed flows: a file (gzip or not) or - for stdin. Repeatable
    #[arg(long = "flows", value_name = "FILE", action = ArgAction::Append, required = true)]
    pub flows: Vec<PathBuf>,

    /// Addresses in this CIDR count as one peer, e.g. an external service's range (repeatable)
    #[arg(long, value_name = "CIDR", action = ArgAction::Append)]
    pub group_cidr: Vec<String>,

    /// Also audit kube-system and the namespaces running DNS, the ingress controller or a mesh
    /// control plane, as init --include-system would install the kit there (with --baseline: cover
    /// them too)
    #[arg(long)]
    pub include_system: bool,

    /// Audit the cluster-wide form of the kit instead, as init --baseline would install it: ONE
    /// Baseline-tier deny in every namespace but the exempt ones (refused with -n and -A)
    #[arg(long)]
    pub baseline: bool,

    /// With --baseline: the API it is evaluated in, v1beta1 or v1alpha2 (ClusterNetworkPolicy) or
    /// v1alpha1 (BaselineAdminNetworkPolicy); default: the newest the server serves, or v1alpha2
    /// offline with -f
    #[arg(long, value_name = "VERSION", requires = "baseline", value_parser = ["v1beta1", "v1alpha2", "v1alpha1"])]
    pub baseline_api: Option<String>,

    /// With --baseline: a namespace the Baseline deny leaves out (repeatable)
    #[arg(long, value_name = "NS", action = ArgAction::Append, requires = "baseline")]
    pub exclude: Vec<String>,
}

/// Show what a change to the policies does to reachability, before it is applied.
#[derive(Debug, Args)]
#[command(
    long_about = "Compare reachability between pod groups in the current state (live or -f) with the same \
        state changed by --with (objects added, or replacing those of the same kind, namespace and \
        name; Cilium and Calico policies and the cluster-wide tiers included) and --without \
        (policies removed). Lists the flows newly blocked and newly \
        allowed, per destination port (the declared container ports, or every port with \
        --all-ports), or with --flows only the flows observed.",
    after_help = "\
Exit status:
  0  nothing that was allowed becomes blocked
  1  the change blocks something that was allowed (a CI gate for a pull request)
  2  error

Examples:
  kubectl deny diff -n shop --with new-policies.yaml
  kubectl deny diff -A --without shop/allow-frontend
  kubectl deny diff -A --without cnp/shop/api --without ccnp/default-deny
  kubectl deny diff -f cluster/ -A --with pr/ --flows flows.json -o json"
)]
pub struct DiffArgs {
    /// Manifests to add or replace (a file, a directory, or -). Repeatable
    #[arg(long = "with", value_name = "PATH", action = ArgAction::Append)]
    pub with: Vec<PathBuf>,

    /// A policy to remove: a NetworkPolicy as NS/NAME (NAME alone: in -n's namespace), another kind
    /// as TYPE/NS/NAME or, cluster-wide, TYPE/NAME (TYPE: cnp, ccnp, anp, banp,
    /// clusternetworkpolicy, networkpolicy.projectcalico.org, gnp). Repeatable
    #[arg(long = "without", value_name = "[TYPE/]NS/NAME", action = ArgAction::Append)]
    pub without: Vec<String>,

    /// Compare every port and protocol instead of the declared container ports
    #[arg(long, conflicts_with = "flows")]
    pub all_ports: bool,

    /// Only the flows observed in this file (as audit --flows takes them). Repeatable
    #[arg(long = "flows", value_name = "FILE", action = ArgAction::Append)]
    pub flows: Vec<PathBuf>,

    /// With --flows: addresses in this CIDR count as one peer (repeatable)
    #[arg(long, value_name = "CIDR", action = ArgAction::Append, requires = "flows")]
    pub group_cidr: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    /// How to install kubectl's plugin completion helper (kubectl_complete-deny)
    Kubectl,
}

/// Print a shell completion script.
#[derive(Debug, Args)]
#[command(after_help = "\
kubectl:
  TAB after `kubectl deny` (kubectl 1.26+) needs an executable named kubectl_complete-deny on
  PATH, a link to kubectl-deny. `kubectl deny completion kubectl` prints the one command that
  makes it; on Windows (PowerShell; a symbolic link needs Developer Mode or an elevated prompt):
    $bin = Split-Path (Get-Command kubectl-deny).Source
    New-Item -ItemType SymbolicLink -Force -Path (Join-Path $bin 'kubectl_complete-deny.exe') \
-Target (Join-Path $bin 'kubectl-deny.exe')

Examples:
  source <(kubectl-deny completion bash)
  kubectl-deny completion zsh > \"${fpath[1]}/_kubectl-deny\"
  kubectl deny completion kubectl | sh     # TAB after `kubectl deny` (kubectl 1.26+)")]
pub struct CompletionArgs {
    #[arg(value_name = "SHELL")]
    pub shell: CompletionShell,
}

/// Print the version and git commit.
#[derive(Debug, Args)]
pub struct VersionArgs {}
