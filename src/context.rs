//! Resolves the raw global flags once into the settings every command receives.
//!
//! Nothing else reads the environment: the terminal check, `NO_COLOR`, `TERM` and the flags are
//! consulted here and the result is passed down as plain values.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{ColorChoice, GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::render::palette::Palette;

/// Where cluster state comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// `-f`: manifests (files, directories, `-` for stdin).
    Files(Vec<PathBuf>),
    /// `-k`: a kustomization directory, rendered by `kubectl kustomize`.
    Kustomize(PathBuf),
    /// A live cluster, selected through kubeconfig.
    Cluster(ClusterSpec),
}

/// kubeconfig selection and request bounds for the live cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterSpec {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    /// `None`: no bound (`--request-timeout=0`, kubectl's default).
    pub request_timeout: Option<Duration>,
}

/// The resolved settings of one invocation.
#[derive(Debug, Clone)]
pub struct Context {
    pub source: SourceSpec,
    /// `-n` as given (possibly several); empty means "the default namespace of the source".
    pub namespaces: Vec<String>,
    pub all_namespaces: bool,
    pub output: Option<OutputFormat>,
    pub palette: Palette,
    pub kube_env: crate::source::cluster::KubeEnv,
}

/// What the process environment says about the terminal, read once by `main`.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub stdout_is_terminal: bool,
    pub no_color: Option<std::ffi::OsString>,
    pub term: Option<String>,
    /// `$KUBECONFIG`, `$HOME`, in-cluster: where kubeconfig comes from.
    pub kube: crate::source::cluster::KubeEnv,
}

impl Environment {
    pub fn from_process() -> Self {
        use std::io::IsTerminal;
        Environment {
            stdout_is_terminal: std::io::stdout().is_terminal(),
            no_color: std::env::var_os("NO_COLOR"),
            term: std::env::var("TERM").ok(),
            kube: crate::source::cluster::KubeEnv::from_process(),
        }
    }
}

impl Context {
    pub fn resolve(args: &GlobalArgs, env: &Environment) -> Result<Context, Error> {
        let palette = match args.color {
            ColorChoice::Always => Palette::COLORED,
            ColorChoice::Never => Palette::PLAIN,
            ColorChoice::Auto => Palette::auto(env.stdout_is_terminal, env.no_color.as_deref(), env.term.as_deref()),
        };
        let request_timeout = parse_duration(&args.request_timeout).map_err(|why| {
            Error::Usage(format!(
                "invalid --request-timeout {:?}: {why}; use a number with a unit, such as 10s, 2m or 1m30s (0 means no bound)",
                args.request_timeout
            ))
        })?;
        for ns in &args.namespaces {
            validate_namespace_name(ns)
                .map_err(|why| Error::Usage(format!("invalid namespace {ns:?} given with -n: {why}")))?;
        }
        let source = if let Some(dir) = &args.kustomize {
            SourceSpec::Kustomize(dir.clone())
        } else if args.filenames.is_empty() {
            SourceSpec::Cluster(ClusterSpec {
                kubeconfig: args.kubeconfig.clone(),
                context: args.context.clone(),
                cluster: args.cluster.clone(),
                user: args.user.clone(),
                request_timeout,
            })
        } else {
            SourceSpec::Files(args.filenames.clone())
        };
        Ok(Context {
            source,
            namespaces: args.namespaces.clone(),
            all_namespaces: args.all_namespaces,
            output: args.output,
            palette,
            kube_env: env.kube.clone(),
        })
    }

    /// The output format, checked against the formats a command supports.
    pub fn output_format(&self, command: &str, supported: &[OutputFormat]) -> Result<OutputFormat, Error> {
        let format = self.output.unwrap_or(OutputFormat::Table);
        if supported.contains(&format) {
            Ok(format)
        } else {
            let names: Vec<&str> = supported.iter().map(|f| f.as_str()).collect();
            Err(Error::Usage(format!(
                "{command} does not support -o {}; supported: {}",
                format.as_str(),
                names.join(", ")
            )))
        }
    }
}

/// Validates a namespace name as the API server does (an RFC 1123 DNS label).
pub fn validate_namespace_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a namespace name may not be empty".into());
    }
    if name.len() > 63 {
        return Err("a namespace name must be at most 63 characters".into());
    }
    let ok_chars = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let ok_ends = name.as_bytes()[0].is_ascii_alphanumeric() && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric();
    if !ok_chars || !ok_ends {
        return Err("a namespace name must consist of lower case letters, digits and '-', and start and end with a letter or digit".into());
    }
    Ok(())
}

/// Parses a duration the way kubectl's `--request-timeout` does: Go duration syntax (`300ms`,
/// `10s`, `2m`, `1h30m`, `1.5h`) or a bare number of seconds; zero means no bound.
pub fn parse_duration(s: &str) -> Result<Option<Duration>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = s.parse::<u64>() {
        return Ok((secs > 0).then(|| Duration::from_secs(secs)));
    }
    let mut rest = s;
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| format!("bad number {:?}", &rest[..num_len]))?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err("missing unit (ns, us, ms, s, m, h)".into()),
            other => return Err(format!("unknown unit {other:?} (use ns, us, ms, s, m or h)")),
        };
        total += value * scale;
    }
    if !total.is_finite() || total > 1e9 {
        return Err("duration out of range".into());
    }
    Ok((total > 0.0).then(|| Duration::from_secs_f64(total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timeout_accepts_kubectl_syntax() {
        assert_eq!(parse_duration("0").unwrap(), None);
        assert_eq!(parse_duration("0s").unwrap(), None);
        assert_eq!(parse_duration("10").unwrap(), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("10s").unwrap(), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m").unwrap(), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m30s").unwrap(), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5h").unwrap(), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms").unwrap(), Some(Duration::from_millis(250)));
    }

    #[test]
    fn request_timeout_rejects_garbage() {
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn namespace_names_are_dns_labels() {
        assert!(validate_namespace_name("prod-1").is_ok());
        assert!(validate_namespace_name("Prod").is_err());
        assert!(validate_namespace_name("-prod").is_err());
        assert!(validate_namespace_name(&"a".repeat(64)).is_err());
    }
}
