//! `kubectl deny init`: install the default-deny starter kit into namespaces, the way a careful
//! platform engineer would by hand.
//!
//! Three modes: apply (server-side apply, field manager `kubectl-deny` or `--field-manager`,
//! allows before the deny in every namespace, conflicts reported and never overwritten unless
//! `--force-conflicts`, nothing ever deleted), `-o yaml` (print the manifests, from the cluster or
//! fully offline from `-f`), and `--kyverno` (print a ClusterPolicy that generates the kit in new
//! namespaces). In the first two, what a namespace holds already is respected (`plan::
//! against_existing`): a policy with the kit's spec is in place, a kit name someone else uses is
//! never replaced, and an allow the namespace states narrowly is not widened unless `--widen`.
//! Every check that can refuse the command (flags, protected and missing namespaces, an invalid
//! kit) runs before the first write. Detection, building and the apply decisions are `kit`'s;
//! this file reads, writes and hands the results to `render::init`. `--baseline` (the kit's
//! cluster-wide form, one Baseline-tier policy) is `init_baseline`'s.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{Patch, PatchParams};
use kube::core::Request;

use crate::cli::{DryRun, InitArgs, OutputFormat};
use crate::context::{ClusterSpec, Context, SourceSpec, validate_namespace_name};
use crate::engine::{Engine, Policy, Snapshot};
use crate::error::Error;
use crate::exit::Exit;
use crate::kit::build::{self, IngressChoice, Role};
use crate::kit::detect::{self, Detection};
use crate::kit::plan::{self, Existing, NamespaceResult, Outcome, PolicyResult, Step, Targets};
use crate::kit::{Kit, kyverno, read, validate};
use crate::render::Palette;
use crate::render::init as render;
use crate::source::SourceError;
use crate::source::cluster::{self, Call, ClusterError, Connection};
use crate::source::fetch::NETWORK_POLICIES;

/// Namespaces installed at once. Within a namespace the policies go one after the other, allows
/// first; across namespaces there is no order to keep.
const CONCURRENCY: usize = 4;

enum Mode {
    Apply { dry_run: Option<DryRun>, format: OutputFormat },
    Manifests,
    Kyverno { format: OutputFormat },
}

pub fn run(ctx: &Context, args: &InitArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    if args.baseline {
        return super::init_baseline::run(ctx, args, out, err);
    }
    let mode = mode(ctx, args)?;
    let options = options(args)?;
    let selector = match &args.selector.selector {
        Some(query) => Some(super::label_query::parse(query).map_err(|e| Error::Usage(e.describe(query)))?),
        None => None,
    };
    if !args.flows.is_empty() && matches!(mode, Mode::Kyverno { .. }) {
        return Err(Error::Usage(
            "--flows checks the namespaces init installs into; --kyverno installs into none (it generates the kit \
             in new namespaces): use one or the other"
                .into(),
        ));
    }
    if !args.flows.is_empty() {
        if let SourceSpec::Files(paths) = &ctx.source
            && paths.iter().any(|p| p.as_os_str() == "-")
        {
            return Err(Error::Usage("init --flows reads the manifests twice: give -f a file, not -".into()));
        }
        if let Some(refused) = super::audit::guard(ctx, args, &options, selector.as_ref(), err)? {
            return Ok(refused);
        }
    }
    match &ctx.source {
        SourceSpec::Files(_) | SourceSpec::Kustomize(_) => {
            if let Mode::Apply { .. } = mode {
                return Err(Error::Usage(
                    "init with -f reads the manifests to render the kit, and cannot apply it: add -o yaml to print \
                     the manifests (or --kyverno), or drop -f to install the kit into the cluster"
                        .into(),
                ));
            }
            let default_namespace = ctx.namespaces.first().map(String::as_str).unwrap_or("default");
            let snapshot = super::load::read_manifests(ctx, default_namespace, err)?;
            let detection = detect::detect(&snapshot, detect::Extra::default());
            let kit = kit(&detection, &options, true)?;
            let names: Vec<String> = match &selector {
                Some(sel) => {
                    snapshot.namespaces.iter().filter(|n| sel.matches(&n.labels)).map(|n| n.name.clone()).collect()
                }
                None => snapshot.namespaces.iter().map(|n| n.name.clone()).collect(),
            };
            let inputs =
                render::Inputs { detection: &detection, kit: &kit, options: &options, read_notes: &[], forbidden: &[] };
            match mode {
                Mode::Kyverno { format } => print_kyverno(&inputs, args, format, out),
                Mode::Manifests => {
                    let all = (ctx.all_namespaces || selector.is_some()).then_some(names.as_slice());
                    let targets = manifest_targets(ctx, args, &detection, &options, all)?;
                    let planner = Planner::new(snapshot.clone(), &detection, &options, &kit, args.widen)?;
                    let steps: Vec<(String, Vec<Step>)> = targets
                        .namespaces
                        .iter()
                        .map(|ns| (ns.clone(), planner.steps(ns, &super::after::existing(&snapshot, ns))))
                        .collect();
                    render::manifests(out, &inputs, &targets, &steps).map_err(Error::Output)?;
                    Ok(Exit::Success)
                }
                Mode::Apply { .. } => unreachable!("refused above"),
            }
        }
        SourceSpec::Cluster(spec) => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
                SourceError::from(ClusterError::Other {
                    what: "starting the I/O runtime".into(),
                    message: e.to_string(),
                })
            })?;
            let selector = args.selector.selector.as_deref().filter(|_| selector.is_some());
            runtime.block_on(run_live(ctx, args, spec, &mode, &options, selector, out, err))
        }
    }
}

/// What the kit leaves to do in each namespace, given its existing policies: the kit, its
/// policies as the engine reads them, and what detection read (for matching existing policies'
/// peers against the DNS pods and the ingress controller).
pub(super) struct Planner {
    snapshot: Snapshot,
    detection: Detection,
    options: build::Options,
    kit: Kit,
    pub(super) models: Vec<Policy>,
    widen: bool,
}

impl Planner {
    pub(super) fn new(
        snapshot: Snapshot,
        detection: &Detection,
        options: &build::Options,
        kit: &Kit,
        widen: bool,
    ) -> Result<Planner, Error> {
        let models = plan::models(kit)
            .map_err(|e| Error::Internal(format!("the kit does not read back as NetworkPolicies: {e}")))?;
        Ok(Planner {
            snapshot,
            detection: detection.clone(),
            options: options.clone(),
            kit: kit.clone(),
            models,
            widen,
        })
    }

    pub(super) fn steps(&self, namespace: &str, existing: &[Existing]) -> Vec<Step> {
        let engine = Engine::new(&self.snapshot);
        let against =
            plan::Against { engine: &engine, detection: &self.detection, options: &self.options, widen: self.widen };
        plan::against_existing(&self.kit, &self.models, namespace, existing, &against)
    }
}

/// The existing policies of a namespace as read from the API server, as the engine reads them,
/// with whether `manager` applied them and whether they carry the kit's label.
fn existing_of(
    objects: &BTreeMap<String, NetworkPolicy>,
    namespace: &str,
    manager: &str,
) -> Result<Vec<Existing>, String> {
    let mut text = String::new();
    for np in objects.values() {
        text.push_str(&serde_json::to_string(np).map_err(|e| e.to_string())?);
        text.push('\n');
    }
    let read = crate::source::file::load_str(&text, "the namespace's NetworkPolicies", namespace)
        .map_err(|e| e.to_string())?;
    Ok(read
        .policies
        .into_iter()
        .map(|policy| {
            let object = objects.get(&policy.name);
            let ours = object.is_some_and(|np| plan::foreign_managers(np, manager).is_none());
            let labelled = object.is_some_and(|np| {
                np.metadata.labels.as_ref().and_then(|l| l.get(build::MANAGED_BY_LABEL)).map(String::as_str)
                    == Some(build::MANAGED_BY)
            });
            Existing { policy, ours, labelled }
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn run_live(
    ctx: &Context,
    args: &InitArgs,
    spec: &ClusterSpec,
    mode: &Mode,
    options: &build::Options,
    selector: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    let conn = cluster::connect(spec, &ctx.kube_env).await.map_err(SourceError::from)?;
    let mut facts = read::facts(&conn, options.api_server).await?;
    let named_peers = [
        (
            "--ingress-namespace",
            match &options.ingress {
                IngressChoice::Namespace(ns) => Some(ns),
                _ => None,
            },
        ),
        ("--allow-monitoring", options.monitoring.as_ref()),
    ];
    for (flag, ns) in named_peers {
        if let Some(ns) = ns
            && read::namespace_exists(&conn, ns).await? == Some(false)
        {
            facts.notes.push(format!(
                "namespace {ns} given with {flag} does not exist (yet); the policy admits it once it does"
            ));
        }
    }
    let extra = detect::Extra { node_local_corefile: facts.node_local_corefile.as_deref() };
    let detection = detect::detect(&facts.snapshot, extra);
    let kit = kit(&detection, options, false)?;
    if let Mode::Kyverno { format } = mode {
        let inputs = render::Inputs {
            detection: &detection,
            kit: &kit,
            options,
            read_notes: &facts.notes,
            forbidden: &facts.forbidden,
        };
        return print_kyverno(&inputs, args, *format, out);
    }
    // The namespaces the kit's peers live in, with their labels: an existing policy may name them
    // by label.
    let mut peer_namespaces: Vec<&str> = vec![detection.dns.namespace.as_str()];
    peer_namespaces.extend(detection.ingress_controllers.iter().map(|c| c.namespace.as_str()));
    if let IngressChoice::Namespace(ns) = &options.ingress {
        peer_namespaces.push(ns);
    }
    peer_namespaces.sort_unstable();
    peer_namespaces.dedup();
    let mut planning = facts.snapshot.clone();
    planning.namespaces = read::namespaces_with_labels(&conn, &peer_namespaces, &mut facts.forbidden).await?;
    let planner = Arc::new(Planner::new(planning, &detection, options, &kit, args.widen)?);
    let inputs = render::Inputs {
        detection: &detection,
        kit: &kit,
        options,
        read_notes: &facts.notes,
        forbidden: &facts.forbidden,
    };
    let selected = match selector {
        Some(query) => Some(read::namespaces_selected(&conn, query).await?),
        None => None,
    };
    match mode {
        Mode::Kyverno { .. } => unreachable!("printed above"),
        Mode::Manifests => {
            let all = if ctx.all_namespaces { Some(read::namespace_names(&conn).await?) } else { selected };
            let targets = manifest_targets(ctx, args, &detection, options, all.as_deref())?;
            if !ctx.all_namespaces && selector.is_none() {
                require_existing(&conn, &targets.namespaces).await?;
            }
            let mut steps = Vec::new();
            for ns in &targets.namespaces {
                let objects = read::policies_in(&conn, ns).await?;
                let existing = existing_of(&objects, ns, &args.field_manager).map_err(Error::Usage)?;
                steps.push((ns.clone(), planner.steps(ns, &existing)));
            }
            render::manifests(out, &inputs, &targets, &steps).map_err(Error::Output)?;
            Ok(Exit::Success)
        }
        Mode::Apply { dry_run, format } => {
            let infrastructure = protected(&detection, options);
            let targets = if ctx.all_namespaces {
                plan::all(&read::namespace_names(&conn).await?, &args.exclude, args.include_system, &infrastructure)
            } else if let Some(names) = selected {
                if names.is_empty() {
                    return Err(Error::NotFound(format!(
                        "no namespace matches the label selector {:?}; nothing was applied (check with: kubectl get \
                         namespaces -l '{}')",
                        selector.unwrap_or_default(),
                        selector.unwrap_or_default()
                    )));
                }
                plan::all(&names, &args.exclude, args.include_system, &infrastructure)
            } else {
                // Without -n, the kubeconfig context's namespace, as kubectl does.
                let named =
                    if ctx.namespaces.is_empty() { vec![conn.namespace.clone()] } else { ctx.namespaces.clone() };
                let targets = plan::named(&named, args.include_system, &infrastructure).map_err(Error::Usage)?;
                require_existing(&conn, &targets.namespaces).await?;
                targets
            };
            let settings = Settings {
                dry_run: *dry_run,
                force: args.force_conflicts,
                manager: Arc::from(args.field_manager.as_str()),
            };
            let results = install(&conn, &kit, &planner, &targets.namespaces, settings).await;
            let report = render::Report { inputs, dry_run: *dry_run, results: &results, skipped: &targets.skipped };
            match format {
                OutputFormat::Json => render::json(out, &report),
                OutputFormat::Name => render::names(out, &report),
                _ => render::table(out, err, &report, ctx.palette, Palette::PLAIN, !args.no_headers),
            }
            .map_err(Error::Output)?;
            Ok(if results.iter().all(|r| r.done) { Exit::Success } else { Exit::Error })
        }
    }
}

/// Decides what the invocation asks for and refuses combinations that make no sense.
fn mode(ctx: &Context, args: &InitArgs) -> Result<Mode, Error> {
    let dry_run = match args.dry_run {
        DryRun::None => None,
        other => Some(other),
    };
    for ns in &args.exclude {
        validate_namespace_name(ns)
            .map_err(|why| Error::Usage(format!("invalid namespace {ns:?} given with --exclude: {why}")))?;
    }
    if args.kyverno {
        let format = match ctx.output {
            None => OutputFormat::Yaml,
            Some(_) => ctx.output_format("init --kyverno", &[OutputFormat::Yaml, OutputFormat::Json])?,
        };
        if !ctx.namespaces.is_empty() || ctx.all_namespaces {
            return Err(Error::Usage(
                "--kyverno generates the kit in every new namespace, so -n and -A do not apply; leave namespaces \
                 out with --exclude, and install the kit into existing ones with kubectl deny init -n NS"
                    .into(),
            ));
        }
        if dry_run == Some(DryRun::Server) {
            return Err(Error::Usage(
                "--kyverno only prints the ClusterPolicy; --dry-run=server does not apply".into(),
            ));
        }
        return Ok(Mode::Kyverno { format });
    }
    if !args.exclude.is_empty() && !ctx.all_namespaces {
        return Err(Error::Usage(
            "--exclude leaves namespaces out of -A (or --kyverno); with -n, name only the namespaces you want".into(),
        ));
    }
    if args.selector.selector.is_some() && (ctx.all_namespaces || !ctx.namespaces.is_empty()) {
        return Err(Error::Usage(
            "-l chooses the namespaces by their labels, as -n names them and -A takes all: use one of the three".into(),
        ));
    }
    let format =
        ctx.output_format("init", &[OutputFormat::Table, OutputFormat::Json, OutputFormat::Yaml, OutputFormat::Name])?;
    if format == OutputFormat::Yaml {
        if dry_run == Some(DryRun::Server) {
            return Err(Error::Usage(
                "-o yaml prints the manifests without sending them, and --dry-run=server sends them for validation: \
                 use one or the other"
                    .into(),
            ));
        }
        return Ok(Mode::Manifests);
    }
    Ok(Mode::Apply { dry_run, format })
}

/// The kit choices the flags make.
pub(super) fn options(args: &InitArgs) -> Result<build::Options, Error> {
    let check = |flag: &str, ns: &str| {
        validate_namespace_name(ns)
            .map_err(|why| Error::Usage(format!("invalid namespace {ns:?} given with {flag}: {why}")))
    };
    let ingress = match (&args.ingress_namespace, args.no_ingress) {
        (_, true) => IngressChoice::Off,
        (Some(ns), false) => {
            check("--ingress-namespace", ns)?;
            IngressChoice::Namespace(ns.clone())
        }
        (None, false) => IngressChoice::Detected,
    };
    if let Some(ns) = &args.allow_monitoring {
        check("--allow-monitoring", ns)?;
    }
    Ok(build::Options {
        dns: !args.no_dns,
        ingress,
        same_namespace: args.allow_same_namespace,
        api_server: args.allow_apiserver,
        monitoring: args.allow_monitoring.clone(),
    })
}

/// Builds the kit and checks every object against the API's validation before anything is used.
pub(super) fn kit(detection: &Detection, options: &build::Options, from_manifests: bool) -> Result<Kit, Error> {
    let kit = build::build(detection, options, from_manifests).map_err(|e| Error::NotFound(e.to_string()))?;
    for policy in &kit.policies {
        let violations = validate::network_policy(&policy.manifest(Some("default")));
        if !violations.is_empty() {
            let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
            return Err(Error::Usage(format!(
                "the {} policy built from what was detected would be rejected by the API server ({}); this is a \
                 bug in kubectl-deny, please report it with the output of -o yaml",
                policy.name,
                list.join("; ")
            )));
        }
    }
    Ok(kit)
}

fn print_kyverno(
    inputs: &render::Inputs<'_>,
    args: &InitArgs,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<Exit, Error> {
    let mut excluded: Vec<String> = crate::engine::coverage::SYSTEM_NAMESPACES.iter().map(|s| s.to_string()).collect();
    excluded.extend(protected(inputs.detection, inputs.options).into_iter().map(|(ns, _)| ns));
    excluded.extend(args.exclude.iter().cloned());
    let policy = kyverno::cluster_policy(inputs.kit, &excluded);
    render::kyverno(out, inputs, &policy, format).map_err(Error::Output)?;
    Ok(Exit::Success)
}

/// The namespaces `-o yaml` renders for: `-A`, `-n`, or none (namespace-free manifests, for
/// kustomize and `kubectl apply -n`).
fn manifest_targets(
    ctx: &Context,
    args: &InitArgs,
    detection: &Detection,
    options: &build::Options,
    all: Option<&[String]>,
) -> Result<Targets, Error> {
    let infrastructure = protected(detection, options);
    if ctx.all_namespaces {
        let names = all.unwrap_or_default();
        return Ok(plan::all(names, &args.exclude, args.include_system, &infrastructure));
    }
    plan::named(&ctx.namespaces, args.include_system, &infrastructure).map_err(Error::Usage)
}

/// The namespaces a default deny would break the cluster's networking from, with the reason:
/// where DNS, ingress and a mesh control plane run, and the monitoring namespace the kit admits
/// (its scrapers need egress to every namespace).
pub(super) fn protected(detection: &Detection, options: &build::Options) -> Vec<(String, String)> {
    let mut out = detection.infrastructure_namespaces();
    if let Some(ns) = &options.monitoring
        && !out.iter().any(|(known, _)| known == ns)
    {
        out.push((
            ns.clone(),
            "it runs the monitoring that --allow-monitoring admits: a default deny there blocks its scrapes of \
             every namespace"
                .to_string(),
        ));
    }
    out
}

/// Refuses the command, before anything is applied, when a named namespace does not exist.
async fn require_existing(conn: &Connection, namespaces: &[String]) -> Result<(), Error> {
    let mut missing = Vec::new();
    for ns in namespaces {
        if read::namespace_exists(conn, ns).await? == Some(false) {
            missing.push(ns.as_str());
        }
    }
    match missing.as_slice() {
        [] => Ok(()),
        [one] => Err(Error::NotFound(format!(
            "namespace {one:?} not found; nothing was applied (check the name with: kubectl get namespaces)"
        ))),
        several => Err(Error::NotFound(format!(
            "namespaces {} not found; nothing was applied (check the names with: kubectl get namespaces)",
            several.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
        ))),
    }
}

#[derive(Debug, Clone)]
struct Settings {
    dry_run: Option<DryRun>,
    force: bool,
    /// The field manager of the applies.
    manager: Arc<str>,
}

/// Installs the kit into every namespace, a few at a time, each namespace in order.
async fn install(
    conn: &Connection,
    kit: &Kit,
    planner: &Arc<Planner>,
    namespaces: &[String],
    settings: Settings,
) -> Vec<NamespaceResult> {
    let mut results: Vec<Option<NamespaceResult>> = vec![None; namespaces.len()];
    let mut tasks = tokio::task::JoinSet::new();
    let mut queue = namespaces.iter().enumerate();
    let spawn = |tasks: &mut tokio::task::JoinSet<(usize, NamespaceResult)>, i: usize, ns: &String| {
        let conn = conn.clone();
        let policies: Vec<(Role, NetworkPolicy)> =
            kit.policies.iter().map(|p| (p.role, p.manifest(Some(ns)))).collect();
        let ns = ns.clone();
        let (planner, settings) = (planner.clone(), settings.clone());
        tasks.spawn(async move { (i, install_namespace(&conn, ns, policies, &planner, settings).await) });
    };
    for (i, ns) in queue.by_ref().take(CONCURRENCY) {
        spawn(&mut tasks, i, ns);
    }
    while let Some(joined) = tasks.join_next().await {
        let (i, result) = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        results[i] = Some(result);
        if let Some((i, ns)) = queue.next() {
            spawn(&mut tasks, i, ns);
        }
    }
    results.into_iter().map(|r| r.expect("every namespace was installed")).collect()
}

/// One namespace: read what is there, leave what it holds already, apply each allow, then the
/// deny only if every allow is in place (or already in force).
async fn install_namespace(
    conn: &Connection,
    namespace: String,
    policies: Vec<(Role, NetworkPolicy)>,
    planner: &Planner,
    settings: Settings,
) -> NamespaceResult {
    let name_of = |np: &NetworkPolicy| np.metadata.name.clone().unwrap_or_default();
    let existing = match read::policies_in(conn, &namespace).await {
        Ok(existing) => existing,
        Err(e) => {
            let skipped = policies
                .iter()
                .map(|(_, np)| PolicyResult {
                    name: name_of(np),
                    outcome: Outcome::Skipped {
                        message: "not attempted: the namespace's NetworkPolicies could not be read".into(),
                    },
                })
                .collect();
            return NamespaceResult::new(namespace, Some(e.to_string()), skipped);
        }
    };
    let steps = match existing_of(&existing, &namespace, &settings.manager) {
        Ok(models) => planner.steps(&namespace, &models),
        Err(e) => {
            let skipped = policies
                .iter()
                .map(|(_, np)| PolicyResult {
                    name: name_of(np),
                    outcome: Outcome::Skipped {
                        message: "not attempted: the namespace's NetworkPolicies could not be read".into(),
                    },
                })
                .collect();
            return NamespaceResult::new(namespace, Some(e), skipped);
        }
    };
    let mut results: Vec<PolicyResult> = Vec::new();
    // After a failure (not a conflict, which concerns one object) the next calls would most likely
    // fail the same way: the namespace's remaining allows are not attempted.
    let mut failed: Option<String> = None;
    for ((role, desired), step) in policies.iter().zip(steps) {
        let name = name_of(desired);
        let outcome = match (step, role, plan::deny_gate(&results), &failed) {
            (Step::InPlace { message, same_name }, ..) => {
                let managers = existing
                    .get(&name)
                    .filter(|_| same_name)
                    .and_then(|np| plan::foreign_managers(np, &settings.manager))
                    .map(|m| format!(" (managed by {})", m.join(", ")))
                    .unwrap_or_default();
                Outcome::InPlace { message: format!("{message}{managers}; left as it is") }
            }
            (Step::LeftOut { message }, ..) => Outcome::LeftOut { message },
            (Step::Held { message }, ..) => Outcome::Skipped { message: format!("not applied: {message}") },
            (_, Role::Deny, Some(skipped), _) => skipped,
            (_, Role::Allow, _, Some(first)) => {
                Outcome::Skipped { message: format!("not attempted after {first} failed") }
            }
            _ => apply_policy(conn, &namespace, existing.get(&name), desired, &settings).await,
        };
        if matches!(outcome, Outcome::Failed { .. }) && failed.is_none() {
            failed = Some(name.clone());
        }
        results.push(PolicyResult { name, outcome });
    }
    NamespaceResult::new(namespace, None, results)
}

async fn apply_policy(
    conn: &Connection,
    namespace: &str,
    existing: Option<&NetworkPolicy>,
    desired: &NetworkPolicy,
    settings: &Settings,
) -> Outcome {
    let name = desired.metadata.name.as_deref().unwrap_or_default();
    if let Some(before) = existing
        && !settings.force
        && let Some(managers) = plan::foreign_managers(before, &settings.manager)
    {
        return plan::conflict(name, managers);
    }
    match settings.dry_run {
        Some(DryRun::Client) => return plan::predict(existing, desired, settings.force, &settings.manager),
        Some(DryRun::Server) | Some(DryRun::None) | None => {}
    }
    let server_dry_run = settings.dry_run == Some(DryRun::Server);
    match patch(conn, namespace, desired, settings, server_dry_run).await {
        Ok(_) if server_dry_run => plan::predict(existing, desired, settings.force, &settings.manager),
        Ok(answer) => plan::applied(existing, &answer),
        Err(ClusterError::Conflict { message, .. }) => {
            let managers = conflicting_managers(&message);
            Outcome::Conflict {
                message: format!(
                    "{message}; nothing was changed (to take the fields over, re-run with --force-conflicts)"
                ),
                managers,
            }
        }
        Err(e) => Outcome::Failed { reason: reason(&e).into(), message: e.to_string() },
    }
}

/// Server-side apply of one policy.
async fn patch(
    conn: &Connection,
    namespace: &str,
    policy: &NetworkPolicy,
    settings: &Settings,
    dry_run: bool,
) -> Result<NetworkPolicy, ClusterError> {
    let name = policy.metadata.name.as_deref().unwrap_or_default();
    let mut params = PatchParams::apply(&settings.manager);
    if settings.force {
        params = params.force();
    }
    if dry_run {
        params = params.dry_run();
    }
    let request = Request::new(NETWORK_POLICIES.collection(Some(namespace)))
        .patch(name, &params, &Patch::Apply(policy))
        .map_err(|e| ClusterError::Other { what: "building an apply request".into(), message: e.to_string() })?;
    let call = Call { verb: "patch", resource: NETWORK_POLICIES.rbac, namespace: Some(namespace), name: Some(name) };
    conn.run(call, conn.client.request::<NetworkPolicy>(request)).await
}

/// The managers a 409 names: `conflict with "helm" using networking.k8s.io/v1: ...`.
fn conflicting_managers(message: &str) -> Vec<String> {
    let mut managers: Vec<String> = Vec::new();
    for part in message.split("conflict").skip(1) {
        let part = part.trim_start_matches('s');
        if let Some(rest) = part.trim_start().strip_prefix("with \"")
            && let Some((manager, _)) = rest.split_once('"')
            && !managers.iter().any(|m| m == manager)
        {
            managers.push(manager.to_string());
        }
    }
    managers
}

/// A failure in a word, for the table.
pub(super) fn reason(e: &ClusterError) -> &'static str {
    match e {
        ClusterError::Forbidden { .. } => "forbidden",
        ClusterError::NotFound { .. } => "not found",
        ClusterError::Timeout { .. } => "timeout",
        ClusterError::Unreachable { .. } => "unreachable",
        ClusterError::Unauthorized { .. } => "unauthorized",
        ClusterError::Server { code, .. } if *code == 422 => "invalid",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_messages_name_their_managers() {
        assert_eq!(
            conflicting_managers(
                r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using networking.k8s.io/v1: .spec.podSelector"#
            ),
            ["kubectl-client-side-apply"]
        );
        assert_eq!(
            conflicting_managers(
                "Apply failed with 2 conflicts: conflicts with \"helm\":\n- .spec.podSelector\n- .spec.policyTypes"
            ),
            ["helm"]
        );
    }
}
