//! `kubectl deny init --baseline`: the cluster-wide form of the starter kit, ONE Baseline-tier
//! policy (`kit::baseline`) instead of three NetworkPolicies per namespace.
//!
//! The form follows what the server serves (discovery, one request): ClusterNetworkPolicy
//! `v1beta1`, else `v1alpha2`, else the BaselineAdminNetworkPolicy `default` (`v1alpha1`); none: an
//! error naming the CRDs to install. `--baseline-api` chooses instead; offline (`-f ... -o yaml`)
//! the default is `v1alpha2`, and the YAML says so in a comment. Before anything is sent, the
//! output states which namespaces lose what and which are exempt and why. The same safety as the
//! namespace kit: server-side apply with the field manager, `--dry-run=client|server`, `-o yaml`;
//! an existing object of that name that the field manager did not apply is left untouched (a
//! conflict, exit 2, unless `--force-conflicts`), or reported in place when it has the same spec;
//! nothing is ever deleted. `-o yaml` from the cluster leaves such an object out the same way;
//! offline, a policy of that name in the manifests with the same spec is not printed again, and
//! one with another spec is printed with a note (its owner is not known from manifests).

use std::io::Write;

use kube::api::{Patch, PatchParams};
use kube::core::Request;
use serde::Serialize;
use serde_json::Value;

use crate::cli::{DryRun, InitArgs, OutputFormat};
use crate::context::{ClusterSpec, Context, SourceSpec, validate_namespace_name};
use crate::engine::Policy;
use crate::error::Error;
use crate::exit::Exit;
use crate::kit::baseline::{self, Exempt, Form, Loss, Object};
use crate::kit::build::{DESCRIPTION_ANNOTATION, Options};
use crate::kit::detect::{self, Detection};
use crate::kit::plan::Outcome;
use crate::kit::read;
use crate::source::SourceError;
use crate::source::cluster::{self, Call, ClusterError, Connection};
use crate::source::discovery::{self, Discovery};
use crate::source::fetch::{self, ListOptions, NETWORK_POLICIES};
use crate::source::tiers::GROUP;

/// What the invocation asks for.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Apply { dry_run: Option<DryRun>, format: OutputFormat },
    Manifests,
}

pub fn run(ctx: &Context, args: &InitArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let mode = mode(ctx, args)?;
    let options = super::init::options(args)?;
    let chosen = args.baseline_api.as_deref().and_then(Form::of_version);
    match &ctx.source {
        SourceSpec::Files(_) | SourceSpec::Kustomize(_) => {
            let Mode::Manifests = mode else {
                return Err(Error::Usage(
                    "init --baseline with -f reads the manifests to render the policy, and cannot apply it: add -o \
                     yaml to print it, or drop -f to install it into the cluster"
                        .into(),
                ));
            };
            let snapshot = super::load::read_manifests(ctx, "default", err)?;
            let detection = detect::detect(&snapshot, detect::Extra::default());
            let form = chosen.unwrap_or(Form::ClusterV1alpha2);
            let why = match chosen {
                Some(_) => "chosen with --baseline-api".to_string(),
                None => "the default offline, with no server to ask (--baseline-api v1beta1, or v1alpha1 for the \
                         BaselineAdminNetworkPolicy default, writes the other forms)"
                    .to_string(),
            };
            let plan = Plan::new(form, &detection, &options, args);
            let namespaces: Vec<String> = snapshot.namespaces.iter().map(|n| n.name.clone()).collect();
            let losses = baseline::losses(&namespaces, &snapshot.policies, &plan.exempt);
            // The manifests may hold the policy already (this command's earlier output, or
            // someone's); who owns it is not known offline.
            let held =
                snapshot.cluster_policies.iter().find(|p| p.kind.as_str() == form.kind() && p.name == form.name());
            if let Some(held) = held {
                let text = serde_json::to_string(&plan.object).map_err(|e| Error::Internal(e.to_string()))?;
                let ours = crate::source::file::load_str(&text, "the Baseline policy", "default")
                    .map_err(|e| Error::Internal(format!("the Baseline policy does not read back: {e}")))?;
                if ours.cluster_policies.first() == Some(held) {
                    statement(out, "# ", &plan, &why, &losses, &detection).map_err(Error::Output)?;
                    writeln!(
                        out,
                        "# Nothing to print: the manifests hold {} {} with this spec already",
                        form.kind(),
                        form.name()
                    )
                    .map_err(Error::Output)?;
                    return Ok(Exit::Success);
                }
                writeln!(
                    err,
                    "note: the manifests hold {} {} with another spec; the document printed replaces it when \
                     applied (who owns it is not known offline: compare before applying)",
                    form.kind(),
                    form.name()
                )
                .map_err(Error::Output)?;
            }
            manifests(out, &plan, &why, &losses, &detection).map_err(Error::Output)?;
            Ok(Exit::Success)
        }
        SourceSpec::Cluster(spec) => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
                SourceError::from(ClusterError::Other {
                    what: "starting the I/O runtime".into(),
                    message: e.to_string(),
                })
            })?;
            runtime.block_on(run_live(ctx, args, spec, mode, &options, chosen, out, err))
        }
    }
}

/// Refuses what does not apply to one cluster-wide policy, and decides the output.
fn mode(ctx: &Context, args: &InitArgs) -> Result<Mode, Error> {
    let refuse = |flag: &str, why: &str| Err(Error::Usage(format!("--baseline {why}: leave out {flag}")));
    if !ctx.namespaces.is_empty() {
        return refuse("-n", "covers every namespace but the exempt ones (leave namespaces out with --exclude)");
    }
    if ctx.all_namespaces {
        return refuse("-A", "covers every namespace already, and those created later");
    }
    if args.selector.selector.is_some() {
        return refuse("-l", "covers every namespace but the exempt ones (leave namespaces out with --exclude)");
    }
    if args.kyverno {
        return refuse("--kyverno", "needs no generator: one policy covers namespaces created later too");
    }
    if args.widen {
        return refuse("--widen", "widens nothing: a namespace's own NetworkPolicies keep deciding for their pods");
    }
    if args.allow_same_namespace {
        return refuse(
            "--allow-same-namespace",
            "cannot say \"the same namespace\": the tiers' peers have no such selector (use the namespace kit, or \
             a NetworkPolicy per namespace)",
        );
    }
    if args.allow_apiserver {
        return refuse(
            "--allow-apiserver",
            "does not build the API server allow (use the namespace kit with --allow-apiserver where pods need it)",
        );
    }
    for ns in &args.exclude {
        validate_namespace_name(ns)
            .map_err(|why| Error::Usage(format!("invalid namespace {ns:?} given with --exclude: {why}")))?;
    }
    let dry_run = match args.dry_run {
        DryRun::None => None,
        other => Some(other),
    };
    let format = ctx.output_format(
        "init --baseline",
        &[OutputFormat::Table, OutputFormat::Json, OutputFormat::Yaml, OutputFormat::Name],
    )?;
    if format == OutputFormat::Yaml {
        if dry_run == Some(DryRun::Server) {
            return Err(Error::Usage(
                "-o yaml prints the policy without sending it, and --dry-run=server sends it for validation: use one \
                 or the other"
                    .into(),
            ));
        }
        return Ok(Mode::Manifests);
    }
    Ok(Mode::Apply { dry_run, format })
}

/// The policy and the namespaces it leaves out.
struct Plan {
    form: Form,
    /// What `--ingress-namespace` / `--no-ingress` asked for.
    options_ingress: crate::kit::build::IngressChoice,
    exempt: Vec<Exempt>,
    object: Object,
}

impl Plan {
    fn new(form: Form, detection: &Detection, options: &Options, args: &InitArgs) -> Plan {
        let protected = super::init::protected(detection, options);
        let exempt = baseline::exempt(&protected, args.include_system, &args.exclude);
        let object = baseline::build(form, detection, options, &exempt);
        Plan { form, options_ingress: options.ingress.clone(), exempt, object }
    }

    fn description(&self) -> &str {
        self.object.metadata.annotations.get(DESCRIPTION_ANNOTATION).map(String::as_str).unwrap_or_default()
    }
}

/// The form the server serves, newest first, or the one `chosen` if served.
fn form_served(discovery: &Discovery, chosen: Option<Form>) -> Result<Form, Error> {
    let served = |f: Form| discovery.served(GROUP, f.version(), f.resource().plural);
    if let Some(form) = chosen {
        if served(form) {
            return Ok(form);
        }
        return Err(Error::NotFound(format!(
            "--baseline-api {}: the server does not serve {} ({}); nothing was applied (leave --baseline-api out to \
             use what it serves, or install that CRD from kubernetes-sigs/network-policy-api){}",
            form.version(),
            form.kind(),
            form.api_version(),
            unknown_note(discovery)
        )));
    }
    Form::PREFERENCE.into_iter().find(|f| served(*f)).ok_or_else(|| {
        Error::NotFound(format!(
            "the server serves neither ClusterNetworkPolicy ({GROUP}/v1beta1 or v1alpha2) nor \
             BaselineAdminNetworkPolicy ({GROUP}/v1alpha1), so there is no Baseline tier to install into; nothing \
             was applied. Install the ClusterNetworkPolicy CRD of kubernetes-sigs/network-policy-api \
             (config/crd/*/policy.networking.k8s.io_clusternetworkpolicies.yaml), or the BaselineAdminNetworkPolicy \
             CRD of its release v0.1.7, with a network plugin that enforces it; or install the namespace kit: \
             kubectl deny init -A{}",
            unknown_note(discovery)
        ))
    })
}

fn unknown_note(discovery: &Discovery) -> String {
    discovery.unknown().map(|note| format!(" (note: {note})")).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn run_live(
    ctx: &Context,
    args: &InitArgs,
    spec: &ClusterSpec,
    mode: Mode,
    options: &Options,
    chosen: Option<Form>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    let conn = cluster::connect(spec, &ctx.kube_env).await.map_err(SourceError::from)?;
    let discovery = discovery::discover(&conn).await?;
    let form = form_served(discovery, chosen)?;
    let facts = read::facts(&conn, false).await?;
    let extra = detect::Extra { node_local_corefile: facts.node_local_corefile.as_deref() };
    let detection = detect::detect(&facts.snapshot, extra);
    let plan = Plan::new(form, &detection, options, args);
    let namespaces = read::namespace_names(&conn).await?;
    let policies = all_policies(&conn).await?;
    let losses = baseline::losses(&namespaces, &policies, &plan.exempt);
    let why = match chosen {
        Some(_) => "chosen with --baseline-api".to_string(),
        None => "the newest the server serves".to_string(),
    };
    let existing = match fetch::get(&conn, form.resource(), None, form.name()).await? {
        Some(text) => {
            Some(serde_json::from_str::<Value>(&text).map_err(|e| fetch::unexpected(form.resource(), &e.to_string()))?)
        }
        None => None,
    };
    let desired = serde_json::to_value(&plan.object).map_err(|e| Error::Internal(e.to_string()))?;
    let Mode::Apply { dry_run, format } = mode else {
        // As the namespace kit's -o yaml: what is in place or someone else's is left out.
        return match blocked(existing.as_ref(), &desired, form, args) {
            None => {
                manifests(out, &plan, &why, &losses, &detection).map_err(Error::Output)?;
                Ok(Exit::Success)
            }
            Some(Outcome::Conflict { message, .. }) => {
                statement(out, "# ", &plan, &why, &losses, &detection).map_err(Error::Output)?;
                writeln!(out, "# Left out: {message}").map_err(Error::Output)?;
                writeln!(err, "error: {message}").map_err(Error::Output)?;
                Ok(Exit::Error)
            }
            Some(other) => {
                statement(out, "# ", &plan, &why, &losses, &detection).map_err(Error::Output)?;
                let message = match other {
                    Outcome::InPlace { message } => message,
                    _ => String::new(),
                };
                writeln!(out, "# Nothing to print: {message}").map_err(Error::Output)?;
                Ok(Exit::Success)
            }
        };
    };
    if format == OutputFormat::Table {
        statement(out, "", &plan, &why, &losses, &detection).map_err(Error::Output)?;
        writeln!(out).map_err(Error::Output)?;
    }
    let outcome = apply(&conn, existing.as_ref(), &desired, form, args, dry_run).await;
    let mut notes: Vec<String> = facts.notes.clone();
    if !facts.forbidden.is_empty() {
        notes.push(format!(
            "not allowed (403 Forbidden) to {}: detection went on without them",
            facts.forbidden.join(", ")
        ));
    }
    report(out, err, &plan, &losses, dry_run, format, &outcome, &notes).map_err(Error::Output)?;
    Ok(if outcome.is_done() { Exit::Success } else { Exit::Error })
}

/// Every NetworkPolicy of the cluster, as the engine reads them: which namespaces have their own.
async fn all_policies(conn: &Connection) -> Result<Vec<Policy>, Error> {
    let mut text = String::new();
    for page in fetch::list(conn, &NETWORK_POLICIES, None, &ListOptions::default()).await? {
        #[derive(serde::Deserialize)]
        struct Page {
            items: Option<Vec<Value>>,
        }
        let page: Page =
            serde_json::from_str(&page).map_err(|e| fetch::unexpected(&NETWORK_POLICIES, &e.to_string()))?;
        for mut item in page.items.unwrap_or_default() {
            // List items carry neither; the reader wants them.
            item["apiVersion"] = Value::from("networking.k8s.io/v1");
            item["kind"] = Value::from("NetworkPolicy");
            text.push_str(&item.to_string());
            text.push('\n');
        }
    }
    let read = crate::source::file::load_str(&text, "the cluster's NetworkPolicies", "default")
        .map_err(|e| Error::Internal(format!("the cluster's NetworkPolicies do not read back: {e}")))?;
    Ok(read.policies)
}

/// The managers of an object kubectl-deny (`manager`) did not apply: `None` when it did.
fn foreign_managers(object: &Value, manager: &str) -> Option<Vec<String>> {
    let entries = object["metadata"]["managedFields"].as_array().cloned().unwrap_or_default();
    let ours = entries.iter().any(|e| e["manager"] == manager && e["operation"] == "Apply");
    if ours {
        return None;
    }
    let mut managers: Vec<String> = entries.iter().filter_map(|e| e["manager"].as_str().map(str::to_string)).collect();
    managers.dedup();
    if managers.is_empty() {
        managers.push("unknown (no managedFields)".into());
    }
    Some(managers)
}

/// What stops the apply before anything is sent: an object of that name that the field manager
/// did not apply, with the same spec (in place) or another one (a conflict, unless
/// `--force-conflicts`). `None`: apply.
fn blocked(existing: Option<&Value>, desired: &Value, form: Form, args: &InitArgs) -> Option<Outcome> {
    let before = existing?;
    let managers = foreign_managers(before, &args.field_manager)?;
    let what = format!("{} {}", form.kind(), form.name());
    if before["spec"] == desired["spec"] {
        return Some(Outcome::InPlace {
            message: format!(
                "{what} already exists with this spec (managed by {}); left as it is",
                managers.join(", ")
            ),
        });
    }
    if args.force_conflicts {
        return None;
    }
    Some(Outcome::Conflict {
        message: format!(
            "{what} already exists with another spec and is managed by {}; it was left untouched, as kubectl deny \
             never replaces a policy it does not own (compare with: kubectl get {}.{GROUP} {} -o yaml; to take it \
             over, re-run with --force-conflicts)",
            managers.join(", "),
            form.resource().plural,
            form.name()
        ),
        managers,
    })
}

async fn apply(
    conn: &Connection,
    existing: Option<&Value>,
    desired: &Value,
    form: Form,
    args: &InitArgs,
    dry_run: Option<DryRun>,
) -> Outcome {
    if let Some(outcome) = blocked(existing, desired, form, args) {
        return outcome;
    }
    let predicted = match existing {
        None => Outcome::Created,
        Some(e) if e["spec"] == desired["spec"] && foreign_managers(e, &args.field_manager).is_none() => {
            Outcome::Unchanged
        }
        Some(_) => Outcome::Configured,
    };
    if dry_run == Some(DryRun::Client) {
        return predicted;
    }
    let server_dry_run = dry_run == Some(DryRun::Server);
    match patch(conn, desired, form, args, server_dry_run).await {
        Ok(_) if server_dry_run => predicted,
        Ok(answer) => match existing {
            None => Outcome::Created,
            Some(before) if before["metadata"]["resourceVersion"] == answer["metadata"]["resourceVersion"] => {
                Outcome::Unchanged
            }
            Some(_) => Outcome::Configured,
        },
        Err(ClusterError::Conflict { message, .. }) => Outcome::Conflict {
            message: format!("{message}; nothing was changed (to take the fields over, re-run with --force-conflicts)"),
            managers: Vec::new(),
        },
        Err(e) => Outcome::Failed { reason: super::init::reason(&e).into(), message: e.to_string() },
    }
}

/// Server-side apply of the policy (cluster-scoped).
async fn patch(
    conn: &Connection,
    desired: &Value,
    form: Form,
    args: &InitArgs,
    dry_run: bool,
) -> Result<Value, ClusterError> {
    let mut params = PatchParams::apply(&args.field_manager);
    if args.force_conflicts {
        params = params.force();
    }
    if dry_run {
        params = params.dry_run();
    }
    let resource = form.resource();
    let request = Request::new(resource.collection(None))
        .patch(form.name(), &params, &Patch::Apply(desired))
        .map_err(|e| ClusterError::Other { what: "building an apply request".into(), message: e.to_string() })?;
    let call = Call { verb: "patch", resource: resource.rbac, namespace: None, name: Some(form.name()) };
    conn.run(call, conn.client.request::<Value>(request)).await
}

/// What the policy does, before anything is sent: which namespaces lose what (and which keep
/// their own policies deciding), which are exempt and why. Each line starts with `prefix` (`# `
/// in YAML).
fn statement(
    out: &mut dyn Write,
    prefix: &str,
    plan: &Plan,
    why: &str,
    losses: &[Loss],
    detection: &Detection,
) -> std::io::Result<()> {
    writeln!(out, "{prefix}{}: {why}", plan.form.describe())?;
    writeln!(out, "{prefix}{}", plan.description())?;
    writeln!(out, "{prefix}Namespaces the Baseline deny covers ({}; and those created later):", losses.len())?;
    let width = losses.iter().map(|l| l.namespace.len()).chain(plan.exempt.iter().map(|e| e.namespace.len())).max();
    let width = width.unwrap_or(0);
    for loss in losses {
        let text = |name: &str, d: &baseline::DirectionLoss| match (d.denied_by_default, d.policies.is_empty()) {
            (true, true) => format!("{name} denied by default"),
            (true, false) => format!(
                "{name} denied by default but for the pods its NetworkPolicies select ({})",
                d.policies.join(", ")
            ),
            (false, _) => {
                format!("{name} unchanged: its NetworkPolicies select every pod ({})", d.policies.join(", "))
            }
        };
        writeln!(
            out,
            "{prefix}  {:width$}  {}; {}",
            loss.namespace,
            text("ingress", &loss.ingress),
            text("egress", &loss.egress)
        )?;
    }
    writeln!(out, "{prefix}Exempt ({}):", plan.exempt.len())?;
    for e in &plan.exempt {
        writeln!(out, "{prefix}  {:width$}  {}", e.namespace, e.reason)?;
    }
    for note in baseline::NOTES.iter().map(|s| s.to_string()).chain(detection.notes.iter().cloned()) {
        writeln!(out, "{prefix}Note: {note}")?;
    }
    if plan.object.spec.ingress.iter().all(|r| r.name != "allow-ingress-controller")
        && !matches!(plan.options_ingress, crate::kit::build::IngressChoice::Off)
    {
        writeln!(
            out,
            "{prefix}Note: no ingress controller found: nothing is let into the covered namespaces (name the \
             controller's namespace with --ingress-namespace, or pass --no-ingress to silence this)"
        )?;
    }
    if detection.ingress_controllers.iter().any(|c| c.host_network) {
        writeln!(
            out,
            "{prefix}Note: the ingress controller runs on the host network: its traffic comes from node addresses, \
             which no Baseline ingress rule matches, so the deny does not block it"
        )?;
    }
    Ok(())
}

fn manifests(
    out: &mut dyn Write,
    plan: &Plan,
    why: &str,
    losses: &[Loss],
    detection: &Detection,
) -> std::io::Result<()> {
    statement(out, "# ", plan, why, losses, detection)?;
    crate::render::yaml_document(out, &plan.object)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    api_version: String,
    kind: &'static str,
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Option<&'static str>,
    #[serde(flatten)]
    outcome: &'a Outcome,
    covered: &'a [Loss],
    exempt: &'a [Exempt],
    notes: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn report(
    out: &mut dyn Write,
    err: &mut dyn Write,
    plan: &Plan,
    losses: &[Loss],
    dry_run: Option<DryRun>,
    format: OutputFormat,
    outcome: &Outcome,
    notes: &[String],
) -> std::io::Result<()> {
    let suffix = match dry_run {
        Some(DryRun::Client) => " (dry run)",
        Some(DryRun::Server) => " (server dry run)",
        _ => "",
    };
    match format {
        OutputFormat::Json => {
            let mut all: Vec<String> = baseline::NOTES.iter().map(|s| s.to_string()).collect();
            all.extend(notes.iter().cloned());
            let report = JsonReport {
                api_version: plan.form.api_version(),
                kind: plan.form.kind(),
                name: plan.form.name(),
                dry_run: dry_run.map(|d| if d == DryRun::Server { "server" } else { "client" }),
                outcome,
                covered: losses,
                exempt: &plan.exempt,
                notes: all,
            };
            serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        OutputFormat::Name => {
            if outcome.is_done() {
                writeln!(out, "{}", plan.form.object_name())?;
            }
        }
        _ => writeln!(out, "{} {}{suffix}", plan.form.object_name(), outcome.word())?,
    }
    match outcome {
        Outcome::Conflict { message, .. } => writeln!(err, "error: {message}")?,
        Outcome::Failed { message, .. } => writeln!(err, "error: {message}; nothing was applied")?,
        Outcome::InPlace { message } if format == OutputFormat::Table => writeln!(out, "{message}")?,
        _ => {}
    }
    if format == OutputFormat::Table {
        for note in notes {
            writeln!(err, "note: {note}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_served_form_is_chosen() {
        let both = Discovery::serving(&[
            (GROUP, "v1alpha2", "clusternetworkpolicies"),
            (GROUP, "v1alpha1", "baselineadminnetworkpolicies"),
        ]);
        assert_eq!(form_served(&both, None).unwrap(), Form::ClusterV1alpha2);
        let beta = Discovery::serving(&[
            (GROUP, "v1alpha2", "clusternetworkpolicies"),
            (GROUP, "v1beta1", "clusternetworkpolicies"),
        ]);
        assert_eq!(form_served(&beta, None).unwrap(), Form::ClusterV1beta1);
        let old = Discovery::serving(&[(GROUP, "v1alpha1", "baselineadminnetworkpolicies")]);
        assert_eq!(form_served(&old, None).unwrap(), Form::BaselineAdmin);
        assert!(form_served(&old, Some(Form::ClusterV1alpha2)).is_err());
        let none = Discovery::serving(&[]);
        let message = form_served(&none, None).unwrap_err().to_string();
        assert!(message.contains("clusternetworkpolicies.yaml") && message.contains("v0.1.7"), "{message}");
    }

    #[test]
    fn an_object_we_applied_is_ours() {
        let ours =
            serde_json::json!({"metadata": {"managedFields": [{"manager": "kubectl-deny", "operation": "Apply"}]}});
        assert_eq!(foreign_managers(&ours, "kubectl-deny"), None);
        assert_eq!(foreign_managers(&ours, "other"), Some(vec!["kubectl-deny".to_string()]));
        let bare = serde_json::json!({"metadata": {}});
        assert_eq!(foreign_managers(&bare, "kubectl-deny"), Some(vec!["unknown (no managedFields)".to_string()]));
    }
}
