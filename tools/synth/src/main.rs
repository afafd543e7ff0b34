//! The `synth` command line: flags in, one generated cluster out (stdout or `--out FILE`).

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use kubectl_deny_synth::{Config, DEFAULT_SEED, Error, Format, Preset, generate, plan};

#[derive(Parser, Debug)]
#[command(
    name = "synth",
    version,
    about = "Generate a realistic synthetic Kubernetes cluster (a kind: List of Namespaces, Nodes, \
             workloads, Pods, Services, EndpointSlices and NetworkPolicies) for kubectl-deny benchmarks.",
    after_help = "Presets (namespaces / pods / policies):\n  \
                  small    16 /     100 /     60   (the default)\n  \
                  medium   30 /   1,000 /    250\n  \
                  large   120 /   5,000 /  1,000\n  \
                  xlarge  500 /  20,000 /  5,000\n  \
                  huge  5,000 / 100,000 / 20,000\n  \
                  lean  5,000 / 100,000 / 16,000   (Namespaces, Pods, NetworkPolicies; only the fields that matter)\n  \
                  nca      30 /     400 /    200   (small enough for network-config-analyzer)\n\n\
                  Counts are totals: --namespaces includes the 6 system namespaces, --pods the system pods.\n\
                  The same flags always produce the same bytes."
)]
struct Args {
    /// Start from a preset; --namespaces, --pods and --policies override its numbers.
    #[arg(long, value_enum)]
    preset: Option<PresetArg>,

    /// Same as --preset nca: a cluster small enough for network-config-analyzer.
    #[arg(long, conflicts_with = "preset")]
    nca: bool,

    /// Total namespaces, including the 6 system namespaces.
    #[arg(long, value_name = "N")]
    namespaces: Option<usize>,

    /// Total pods, including system pods, spread over the app namespaces.
    #[arg(long, value_name = "P")]
    pods: Option<usize>,

    /// Total NetworkPolicies (approximate: capped by what the app namespaces can use).
    #[arg(long, value_name = "Q")]
    policies: Option<usize>,

    /// Also generate Q Calico policies (projectcalico.org/v3 NetworkPolicy and
    /// GlobalNetworkPolicy, default tier only: what network-config-analyzer reads).
    #[arg(long, value_name = "Q", default_value_t = 0)]
    calico_policies: usize,

    /// Also generate Q Cilium policies (cilium.io/v2 CiliumNetworkPolicy and
    /// CiliumClusterwideNetworkPolicy, for benchmarks on a Cilium cluster).
    #[arg(long, value_name = "Q", default_value_t = 0)]
    cilium_policies: usize,

    /// Seed for the generator; the same seed and flags give identical output.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
    seed: u64,

    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: FormatArg,

    /// Include metadata.managedFields, as a live `kubectl get -o json` prints them.
    #[arg(long)]
    managed_fields: bool,

    /// Only Namespaces, Pods and NetworkPolicies, with only the fields kubectl-deny reads.
    #[arg(long)]
    lean: bool,

    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,

    /// Print object counts, bytes and the time taken to stderr.
    #[arg(long)]
    stats: bool,

    /// Print the cluster's pods instead, NAMESPACE/NAME one a line in the order the generated
    /// file lists them (scripts pick real endpoints for `kubectl deny why` this way).
    #[arg(long, conflicts_with_all = ["out", "stats"])]
    list_pods: bool,

    /// Print N Hubble flow records (hubble observe -o jsonpb lines) between the cluster's pods
    /// instead of the cluster, for `kubectl deny audit --flows` benchmarks.
    #[arg(long, value_name = "N", conflicts_with = "list_pods")]
    hubble_flows: Option<usize>,

    /// With --hubble-flows: how many distinct flows the records cycle through.
    #[arg(long, value_name = "D", default_value_t = 10_000, requires = "hubble_flows")]
    distinct_flows: usize,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PresetArg {
    Small,
    Medium,
    Large,
    Xlarge,
    Huge,
    Lean,
    Nca,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Json,
    Yaml,
}

impl Args {
    fn config(&self) -> Config {
        let preset = match (self.nca, self.preset) {
            (true, _) | (_, Some(PresetArg::Nca)) => Preset::Nca,
            (_, Some(PresetArg::Small)) | (_, None) => Preset::Small,
            (_, Some(PresetArg::Medium)) => Preset::Medium,
            (_, Some(PresetArg::Large)) => Preset::Large,
            (_, Some(PresetArg::Xlarge)) => Preset::Xlarge,
            (_, Some(PresetArg::Huge)) => Preset::Huge,
            (_, Some(PresetArg::Lean)) => Preset::Lean,
        };
        let mut config = preset.config(self.seed, self.managed_fields);
        config.namespaces = self.namespaces.unwrap_or(config.namespaces);
        config.pods = self.pods.unwrap_or(config.pods);
        config.policies = self.policies.unwrap_or(config.policies);
        config.calico_policies = self.calico_policies;
        config.cilium_policies = self.cilium_policies;
        config.lean |= self.lean;
        config
    }
}

fn run(args: &Args) -> Result<(), Error> {
    let config = args.config();
    if args.list_pods {
        let cluster = plan(&config)?;
        let mut out = io::BufWriter::new(io::stdout().lock());
        for (namespace, name) in cluster.pods() {
            writeln!(out, "{namespace}/{name}")?;
        }
        out.flush()?;
        return Ok(());
    }
    if let Some(records) = args.hubble_flows {
        let cluster = plan(&config)?;
        let started = Instant::now();
        let bytes = match &args.out {
            Some(path) => {
                let file = File::create(path).map_err(|e| {
                    Error::Io(io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display())))
                })?;
                kubectl_deny_synth::flows::hubble(&cluster, records, args.distinct_flows, args.seed, file)?
            }
            None => kubectl_deny_synth::flows::hubble(
                &cluster,
                records,
                args.distinct_flows,
                args.seed,
                io::stdout().lock(),
            )?,
        };
        if args.stats {
            let _ = writeln!(
                io::stderr().lock(),
                "synth: {records} Hubble flow records, {bytes} bytes, {:.2}s",
                started.elapsed().as_secs_f64()
            );
        }
        return Ok(());
    }
    let format = match args.format {
        FormatArg::Json => Format::Json,
        FormatArg::Yaml => Format::Yaml,
    };
    let started = Instant::now();
    let stats = match &args.out {
        Some(path) => {
            let file = File::create(path)
                .map_err(|e| Error::Io(io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display()))))?;
            generate(&config, format, file)?
        }
        None => generate(&config, format, io::stdout().lock())?,
    };
    if args.stats {
        let elapsed = started.elapsed();
        let mut err = io::stderr().lock();
        let kinds: Vec<String> = stats.kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let _ = writeln!(
            err,
            "synth: {} objects ({}), {} bytes, {:.2}s",
            stats.objects(),
            kinds.join(", "),
            stats.bytes,
            elapsed.as_secs_f64()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`synth | head`) is the reader's choice, not a failure.
        Err(Error::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth: {e}");
            ExitCode::from(2)
        }
    }
}
