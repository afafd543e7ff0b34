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
    /// `--server`, `--token`, `--as`, ...: applied over what the kubeconfig selects (boxed: rarely
    /// set, and large).
    pub overrides: Box<ClusterOverrides>,
}

/// kubectl's connection and authentication flags, applied over the kubeconfig the way kubectl
/// applies them (`cluster::apply_cluster_overrides` and `cluster::apply_user_overrides` say how).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClusterOverrides {
    /// `-s/--server`: replaces the selected cluster's server; with no kubeconfig (or no context
    /// to use), the whole cluster.
    pub server: Option<String>,
    /// `--certificate-authority`: replaces the cluster's CA (and its insecure setting).
    pub certificate_authority: Option<PathBuf>,
    /// `--insecure-skip-tls-verify`: drops the cluster's CA.
    pub insecure_skip_tls_verify: bool,
    /// `--token`: replaces the user's credentials (token file, exec plugin, auth provider, basic).
    pub token: Option<String>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// `--as`, `--as-group`, `--as-uid`: impersonation headers.
    pub impersonate: Option<String>,
    pub impersonate_groups: Vec<String>,
    pub impersonate_uid: Option<String>,
}

impl std::fmt::Debug for ClusterOverrides {
    /// Never prints the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterOverrides")
            .field("server", &self.server)
            .field("certificate_authority", &self.certificate_authority)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("client_certificate", &self.client_certificate)
            .field("client_key", &self.client_key)
            .field("impersonate", &self.impersonate)
            .field("impersonate_groups", &self.impersonate_groups)
            .field("impersonate_uid", &self.impersonate_uid)
            .finish()
    }
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
        let overrides = resolve_overrides(args)?;
        let source = if let Some(dir) = &args.kustomize {
            SourceSpec::Kustomize(dir.clone())
        } else if args.filenames.is_empty() {
            SourceSpec::Cluster(ClusterSpec {
                kubeconfig: args.kubeconfig.clone(),
                context: args.context.clone(),
                cluster: args.cluster.clone(),
                user: args.user.clone(),
                request_timeout,
                overrides: Box::new(overrides),
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

/// The connection and authentication flags, checked as kubectl checks them.
fn resolve_overrides(args: &GlobalArgs) -> Result<ClusterOverrides, Error> {
    let nonempty = |flag: &str, value: &Option<String>| match value.as_deref() {
        Some("") => Err(Error::Usage(format!("{flag} needs a value; leave the flag out to use the kubeconfig's"))),
        _ => Ok(value.clone()),
    };
    let server = match nonempty("--server", &args.server)? {
        Some(url) => Some(server_url(&url).map_err(|why| Error::Usage(format!("invalid --server {url:?}: {why}")))?),
        None => None,
    };
    for group in &args.as_groups {
        if group.is_empty() {
            return Err(Error::Usage("--as-group needs a group name".into()));
        }
    }
    Ok(ClusterOverrides {
        server,
        certificate_authority: args.certificate_authority.clone(),
        insecure_skip_tls_verify: args.insecure_skip_tls_verify,
        token: nonempty("--token", &args.token)?,
        client_certificate: args.client_certificate.clone(),
        client_key: args.client_key.clone(),
        impersonate: nonempty("--as", &args.as_user)?,
        impersonate_groups: args.as_groups.clone(),
        impersonate_uid: nonempty("--as-uid", &args.as_uid)?,
    })
}

/// An API server address: `https://host[:port][/path]` or `http://...`; a bare `host[:port]`
/// is taken as `https://host[:port]`. Returns the address with its scheme.
pub fn server_url(url: &str) -> Result<String, String> {
    let with_scheme = if url.contains("://") { url.to_string() } else { format!("https://{url}") };
    let Some((scheme, rest)) = with_scheme.split_once("://") else { unreachable!("a scheme was added") };
    if !matches!(scheme, "http" | "https") {
        return Err(format!("the scheme must be https:// or http://, not {scheme}://"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() || authority.starts_with(':') {
        return Err("no host".into());
    }
    if with_scheme.contains(|c: char| c.is_whitespace() || c.is_control() || c == '?' || c == '#') {
        return Err("an address has no blanks, query (?) or fragment (#)".into());
    }
    Ok(with_scheme)
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

/// The largest duration Go's `time.Duration` holds (2^63-1 ns, about 292 years): kubectl's
/// `--request-timeout` cannot exceed it, with or without a unit.
pub const MAX_DURATION: Duration = Duration::from_nanos(i64::MAX as u64);

/// Parses a duration the way kubectl's `--request-timeout` does: a bare integer is a number of
/// seconds, anything else is Go's `time.ParseDuration` syntax (`300ms`, `10s`, `1h30m`, `1.5h`,
/// `-2m`; units `ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`). Both are bounded by what Go's
/// `time.Duration` holds ([`MAX_DURATION`]); beyond it is an error, as in Go. A duration of zero,
/// also one that rounds down to zero nanoseconds (`0.1ns`), means no bound, as kubectl takes `0`.
/// A negative duration is refused: kubectl would silently not bound the request.
pub fn parse_duration(s: &str) -> Result<Option<Duration>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let nanos = if s.bytes().all(|b| b.is_ascii_digit()) {
        // kubectl: strconv.ParseInt(s, 10, 64) then that many seconds.
        let secs: u64 = s.parse().map_err(|_| out_of_range())?;
        secs.checked_mul(1_000_000_000).filter(|&n| n <= i64::MAX as u64).ok_or_else(out_of_range)?
    } else {
        match parse_go_duration(s)? {
            GoDuration::Negative => {
                return Err("a timeout cannot be negative".into());
            }
            GoDuration::Nanos(n) => n,
        }
    };
    Ok((nanos > 0).then(|| Duration::from_nanos(nanos)))
}

fn out_of_range() -> String {
    format!("out of range: the longest timeout kubectl takes is {} seconds (about 292 years)", MAX_DURATION.as_secs())
}

/// A parsed Go duration: its size in nanoseconds, or negative (whatever its size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GoDuration {
    Nanos(u64),
    Negative,
}

/// Go's `time.ParseDuration`, rule for rule: `[-+]?([0-9]*(\.[0-9]*)?[a-zµμ]+)+`, or a lone `0`;
/// each number needs a unit; fractions beyond nanosecond precision are truncated; a total above
/// 2^63-1 ns is an overflow error (2^63 is allowed only for a negative duration, as in Go).
fn parse_go_duration(orig: &str) -> Result<GoDuration, String> {
    const OVERFLOW: u64 = 1 << 63;
    let mut s = orig;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(GoDuration::Nanos(0));
    }
    if s.is_empty() {
        return Err(format!("{orig:?} has no number"));
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(format!("expected a number at {s:?}"));
        }
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut value: u64 = 0;
        for b in s[..int_len].bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                .filter(|&v| v <= OVERFLOW)
                .ok_or_else(out_of_range)?;
        }
        s = &s[int_len..];
        let (mut fraction, mut scale, mut fraction_len) = (0u64, 1f64, 0usize);
        let had_point = s.starts_with('.');
        if had_point {
            s = &s[1..];
            fraction_len = s.bytes().take_while(u8::is_ascii_digit).count();
            // Digits past what 63 bits hold only lose precision, as in Go.
            let mut full = false;
            for b in s[..fraction_len].bytes() {
                if full {
                    continue;
                }
                match fraction.checked_mul(10).map(|f| f + u64::from(b - b'0')) {
                    Some(f) if f <= OVERFLOW && fraction <= (i64::MAX as u64) / 10 => {
                        fraction = f;
                        scale *= 10.0;
                    }
                    _ => full = true,
                }
            }
            s = &s[fraction_len..];
        }
        if int_len == 0 && fraction_len == 0 {
            return Err(format!("{orig:?} has a point without digits"));
        }
        let unit_len = s.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(s.len());
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let unit_nanos: u64 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err("a number without a unit (use ns, us, ms, s, m or h; a bare number is seconds)".into()),
            other => return Err(format!("unknown unit {other:?} (use ns, us, µs, ms, s, m or h)")),
        };
        if value > OVERFLOW / unit_nanos {
            return Err(out_of_range());
        }
        value *= unit_nanos;
        if fraction > 0 {
            // As Go: float64 keeps a fraction of an hour nanosecond-accurate; truncated.
            value += (fraction as f64 * (unit_nanos as f64 / scale)) as u64;
            if value > OVERFLOW {
                return Err(out_of_range());
            }
        }
        total = total.checked_add(value).filter(|&t| t <= OVERFLOW).ok_or_else(out_of_range)?;
    }
    if negative && total > 0 {
        return Ok(GoDuration::Negative);
    }
    if total > i64::MAX as u64 {
        return Err(out_of_range());
    }
    Ok(GoDuration::Nanos(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n))
    }

    #[test]
    fn request_timeout_accepts_kubectl_syntax() {
        assert_eq!(parse_duration("10s").unwrap(), secs(10));
        assert_eq!(parse_duration("2m").unwrap(), secs(120));
        assert_eq!(parse_duration("1m30s").unwrap(), secs(90));
        assert_eq!(parse_duration("1h30m").unwrap(), secs(5400));
        assert_eq!(parse_duration("250ms").unwrap(), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration(" 10s ").unwrap(), secs(10), "surrounding blanks are ignored");
    }

    #[test]
    fn request_timeout_a_bare_integer_is_seconds() {
        assert_eq!(parse_duration("10").unwrap(), secs(10));
        assert_eq!(parse_duration("007").unwrap(), secs(7));
        assert_eq!(parse_duration("9223372036").unwrap(), secs(9_223_372_036), "the largest Go holds");
    }

    #[test]
    fn request_timeout_zero_means_no_bound() {
        for zero in ["0", "00", "0s", "-0", "+0", "0.0s", "0h0m0s"] {
            assert_eq!(parse_duration(zero).unwrap(), None, "{zero}");
        }
    }

    #[test]
    fn request_timeout_that_rounds_to_zero_nanoseconds_means_no_bound() {
        assert_eq!(parse_duration("0.1ns").unwrap(), None);
        assert_eq!(parse_duration("0.0000000009s").unwrap(), None);
        assert_eq!(parse_duration("0.000000001s").unwrap(), Some(Duration::from_nanos(1)));
    }

    #[test]
    fn request_timeout_every_go_unit() {
        assert_eq!(parse_duration("5ns").unwrap(), Some(Duration::from_nanos(5)));
        assert_eq!(parse_duration("5us").unwrap(), Some(Duration::from_micros(5)));
        assert_eq!(parse_duration("5\u{b5}s").unwrap(), Some(Duration::from_micros(5)), "U+00B5 micro sign");
        assert_eq!(parse_duration("5\u{3bc}s").unwrap(), Some(Duration::from_micros(5)), "U+03BC Greek mu");
        assert_eq!(parse_duration("5ms").unwrap(), Some(Duration::from_millis(5)));
        assert_eq!(parse_duration("5s").unwrap(), secs(5));
        assert_eq!(parse_duration("5m").unwrap(), secs(300));
        assert_eq!(parse_duration("5h").unwrap(), secs(18_000));
    }

    #[test]
    fn request_timeout_units_are_case_sensitive_and_required() {
        assert!(parse_duration("5S").unwrap_err().contains("unknown unit \"S\""));
        assert!(parse_duration("5sec").unwrap_err().contains("unknown unit \"sec\""));
        assert!(parse_duration("1m30").unwrap_err().contains("without a unit"), "only a lone integer is seconds");
        assert!(parse_duration("1.5").unwrap_err().contains("without a unit"), "a fraction needs a unit");
    }

    #[test]
    fn request_timeout_fractions_follow_go() {
        assert_eq!(parse_duration("1.5h").unwrap(), secs(5400));
        assert_eq!(parse_duration(".5s").unwrap(), Some(Duration::from_millis(500)), "no integer part");
        assert_eq!(parse_duration("1.s").unwrap(), secs(1), "no fraction digits");
        assert_eq!(parse_duration("1.0000000001s").unwrap(), secs(1), "past nanoseconds is truncated");
        assert_eq!(parse_duration("0.3333333333333333333333333333s").unwrap(), Some(Duration::from_nanos(333_333_333)));
        assert!(parse_duration(".s").is_err(), "a point without digits");
        assert!(parse_duration("1..5s").is_err());
    }

    #[test]
    fn request_timeout_sign() {
        assert_eq!(parse_duration("+10s").unwrap(), secs(10));
        assert!(parse_duration("-10s").unwrap_err().contains("cannot be negative"));
        assert!(parse_duration("-1").unwrap_err().contains("without a unit"), "a signed integer is Go syntax");
        assert!(parse_duration("+").is_err());
        assert!(parse_duration("--1s").is_err());
    }

    #[test]
    fn request_timeout_overflow_is_an_error_with_or_without_a_unit() {
        // The value: a bare integer far beyond what Go's time.Duration holds.
        let err = parse_duration("9300000000000000000").unwrap_err();
        assert!(err.starts_with("out of range: the longest timeout kubectl takes is 9223372036 seconds"), "{err}");
        assert!(parse_duration("9223372037").unwrap_err().starts_with("out of range"));
        assert!(parse_duration("99999999999999999999999").unwrap_err().starts_with("out of range"));
        assert!(parse_duration("2562048h").unwrap_err().starts_with("out of range"));
        assert!(parse_duration("9223372036854775808ns").unwrap_err().starts_with("out of range"));
        assert!(parse_duration("2562047h47m16.854775808s").unwrap_err().starts_with("out of range"));
        assert!(parse_duration("2562047h2562047h").unwrap_err().starts_with("out of range"), "sum overflows");
        assert_eq!(parse_duration("9223372036854775807ns").unwrap(), Some(MAX_DURATION));
        assert_eq!(parse_duration("2562047h47m16.854775807s").unwrap(), Some(MAX_DURATION));
    }

    #[test]
    fn request_timeout_rejects_garbage() {
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1s ms").is_err());
        assert!(parse_duration("0x10s").is_err());
    }

    #[test]
    fn server_addresses_as_kubectl_takes_them() {
        assert_eq!(server_url("https://k8s.example:6443").unwrap(), "https://k8s.example:6443");
        assert_eq!(server_url("http://127.0.0.1:8080/prefix").unwrap(), "http://127.0.0.1:8080/prefix");
        assert_eq!(server_url("k8s.example:6443").unwrap(), "https://k8s.example:6443", "https when bare");
        assert!(server_url("ftp://x").unwrap_err().contains("https:// or http://"));
        assert!(server_url("https://").unwrap_err().contains("no host"));
        assert!(server_url("https://:6443").unwrap_err().contains("no host"));
        assert!(server_url("https://a b").is_err());
        assert!(server_url("https://a/?x=1").is_err());
    }

    #[test]
    fn namespace_names_are_dns_labels() {
        assert!(validate_namespace_name("prod-1").is_ok());
        assert!(validate_namespace_name("Prod").is_err());
        assert!(validate_namespace_name("-prod").is_err());
        assert!(validate_namespace_name(&"a".repeat(64)).is_err());
    }
}
