//! The krew manifest (`krew/deny.yaml`) and the krew-release-bot template (`.krew.yaml`) follow
//! krew's own rules, so the krew-index submission and the bot's pull requests pass review.
//!
//! The rules are those of krew's `pkg/index/validation` (apiVersion, kind, safe name equal to the
//! file name, `v`-prefixed semver, sha256 as 64 lowercase hex digits, selectors with only `os`
//! and `arch`, bin and file operations set) and `cmd/validate-krew-manifest` (no two platforms
//! selecting the same os/arch, every selector matching a platform, description lines of at
//! most 80 columns), plus krew-index's review guidelines (a short description of at most 50
//! characters, no usage examples in the description, LICENSE installed) and this project's
//! release layout (archive names, `.exe` on Windows only, the version of Cargo.toml).
//! Each rule has a negative case below that feeds a broken manifest and expects that violation.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

// ---------------------------------------------------------------------------------------------
// The manifest as krew reads it (krew's index.Plugin).

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Plugin {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Spec {
    #[serde(default)]
    version: String,
    #[serde(default)]
    homepage: String,
    #[serde(default)]
    short_description: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    caveats: String,
    #[serde(default)]
    platforms: Vec<Platform>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Platform {
    selector: Option<Selector>,
    #[serde(default)]
    uri: String,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    files: Vec<FileOperation>,
    #[serde(default)]
    bin: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Selector {
    match_labels: Option<BTreeMap<String, String>>,
    match_expressions: Option<Vec<Requirement>>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Requirement {
    key: String,
    operator: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct FileOperation {
    from: String,
    to: String,
}

// ---------------------------------------------------------------------------------------------
// The rules.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// The text parses as YAML into krew's manifest shape (unknown fields are typos).
    Yaml,
    /// `.krew.yaml` uses only the template syntax krew-release-bot renders.
    Template,
    ApiVersion,
    Kind,
    /// Safe name (`^[\w-]+$`, not a reserved Windows file name) equal to the file name.
    Name,
    /// `v`-prefixed semantic version (krew: `v` + k8s ParseSemantic).
    Version,
    /// The version released is the one in Cargo.toml.
    CargoVersion,
    Homepage,
    ShortDescription,
    Description,
    Caveats,
    Platforms,
    Selector,
    Overlap,
    Uri,
    Sha256,
    Bin,
    Files,
    License,
    /// The uri names this project's release archive for the platform's os/arch and version.
    Archive,
}

#[derive(Debug)]
struct Violation {
    rule: Rule,
    message: String,
}

/// What a manifest must agree with.
struct Expect<'a> {
    /// The file name without `.yaml`, which krew requires to equal metadata.name.
    name: &'a str,
    /// `v` + Cargo.toml's version.
    version: String,
    homepage: &'a str,
    /// The text is krew-release-bot's template, rendered by `render_template`: sha256 values are
    /// the bot's placeholder and every release platform must be present.
    template: bool,
}

impl Expect<'static> {
    fn manifest() -> Self {
        Expect { name: "deny", version: cargo_tag(), homepage: env!("CARGO_PKG_REPOSITORY"), template: false }
    }

    fn template() -> Self {
        Expect { template: true, ..Expect::manifest() }
    }
}

fn cargo_tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

const API_VERSION: &str = "krew.googlecontainertools.github.com/v1alpha2";
/// What `render_template` writes where krew-release-bot writes the sha256 it computed.
const TEMPLATE_SHA256: &str = "TEMPLATE-SHA256-FILLED-IN-BY-KREW-RELEASE-BOT";
const MAX_SHORT_DESCRIPTION: usize = 50;
const MAX_LINE: usize = 80;

/// The platforms this project releases: os, arch, archive extension, bin.
const RELEASE_PLATFORMS: [(&str, &str, &str, &str); 5] = [
    ("linux", "amd64", "tar.gz", "kubectl-deny"),
    ("linux", "arm64", "tar.gz", "kubectl-deny"),
    ("darwin", "amd64", "tar.gz", "kubectl-deny"),
    ("darwin", "arm64", "tar.gz", "kubectl-deny"),
    ("windows", "amd64", "zip", "kubectl-deny.exe"),
];

/// The os/arch pairs krew runs on, for checking that selectors match something and never two
/// platforms the same pair.
const KREW_PLATFORMS: [(&str, &str); 12] = [
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("linux", "s390x"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
];

const WINDOWS_RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2",
    "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn validate(text: &str, expect: &Expect) -> Vec<Violation> {
    let mut v = Vec::new();
    let mut fail = |rule: Rule, message: String| v.push(Violation { rule, message });
    let plugin: Plugin = match serde_saphyr::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            fail(Rule::Yaml, format!("not a krew manifest: {e}"));
            return v;
        }
    };
    if plugin.api_version != API_VERSION {
        fail(Rule::ApiVersion, format!("apiVersion is {:?}, krew supports only {API_VERSION:?}", plugin.api_version));
    }
    if plugin.kind != "Plugin" {
        fail(Rule::Kind, format!("kind is {:?}, krew supports only \"Plugin\"", plugin.kind));
    }
    let name = &plugin.metadata.name;
    let safe = !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !WINDOWS_RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name));
    if !safe {
        fail(Rule::Name, format!("plugin name {name:?} is not allowed, it must match ^[\\w-]+$"));
    } else if name != expect.name {
        fail(Rule::Name, format!("plugin should be named {:?} (the file name), not {name:?}", expect.name));
    }

    let spec = &plugin.spec;
    if let Err(why) = parse_krew_version(&spec.version) {
        fail(Rule::Version, format!("version {:?}: {why}", spec.version));
    } else if spec.version != expect.version {
        fail(Rule::CargoVersion, format!("version {} differs from Cargo.toml's {}", spec.version, expect.version));
    }
    if spec.homepage != expect.homepage || !spec.homepage.starts_with("https://") {
        fail(Rule::Homepage, format!("homepage {:?} should be {:?}", spec.homepage, expect.homepage));
    }

    let short = spec.short_description.trim();
    if short.is_empty() {
        fail(Rule::ShortDescription, "should have a short description".into());
    } else if short.chars().count() > MAX_SHORT_DESCRIPTION || short.contains('\n') {
        fail(
            Rule::ShortDescription,
            format!(
                "shortDescription is {} characters, at most {MAX_SHORT_DESCRIPTION} on one line",
                short.chars().count()
            ),
        );
    }
    if spec.description.trim().is_empty() {
        fail(Rule::Description, "should have a description".into());
    }
    for line in long_lines(&spec.description) {
        fail(Rule::Description, format!("description line longer than {MAX_LINE} columns: {line:?}"));
    }
    for line in spec.description.lines().filter(|l| is_usage_example(l)) {
        fail(Rule::Description, format!("description holds a usage example (krew-index asks for none): {line:?}"));
    }
    for line in long_lines(&spec.caveats) {
        fail(Rule::Caveats, format!("caveats line longer than {MAX_LINE} columns: {line:?}"));
    }
    for needed in ["NetworkPolicy", "Flannel", "completion"] {
        if !spec.caveats.contains(needed) {
            fail(Rule::Caveats, format!("caveats should mention {needed}: policy enforcement and completion setup"));
        }
    }

    if spec.platforms.is_empty() {
        fail(Rule::Platforms, "should have a platform specified".into());
    }
    let mut selected: Vec<Option<(String, String)>> = Vec::new();
    for (i, p) in spec.platforms.iter().enumerate() {
        let at = format!("platforms[{i}]");
        let os_arch = check_selector(p.selector.as_ref(), &at, &mut fail);
        selected.push(os_arch.clone());

        if p.uri.is_empty() {
            fail(Rule::Uri, format!("{at}: uri has to be set"));
        } else if !p.uri.starts_with("https://") {
            fail(Rule::Uri, format!("{at}: uri {:?} must be https", p.uri));
        }
        let template_sha = expect.template && p.sha256 == TEMPLATE_SHA256;
        if !template_sha && !is_sha256(&p.sha256) {
            fail(Rule::Sha256, format!("{at}: sha256 {:?} is not 64 lowercase hex digits", p.sha256));
        }
        if p.bin.is_empty() || p.bin.contains("..") || p.bin.starts_with('/') {
            fail(Rule::Bin, format!("{at}: bin {:?} must name a file inside the plugin directory", p.bin));
        }
        if p.files.is_empty() {
            fail(Rule::Files, format!("{at}: can't have a plugin without specifying file operations"));
        } else if !p.files.iter().any(|f| f.from == p.bin || f.from == "*") {
            fail(Rule::Files, format!("{at}: no file operation installs bin {:?}", p.bin));
        }
        if !p.files.iter().any(|f| f.from == "LICENSE" && !f.to.is_empty()) {
            fail(Rule::License, format!("{at}: files must install LICENSE (from: LICENSE)"));
        }
        if let Some((os, arch)) = &os_arch {
            let windows = os == "windows";
            if windows != p.bin.ends_with(".exe") {
                fail(Rule::Bin, format!("{at}: bin {:?} on {os}: .exe on Windows and only there", p.bin));
            }
            check_archive(p, os, arch, &spec.version, expect, &at, &mut fail);
        }
    }

    for (os, arch) in KREW_PLATFORMS {
        let matching: Vec<usize> = spec
            .platforms
            .iter()
            .enumerate()
            .filter(|(_, p)| p.selector.as_ref().is_some_and(|s| selector_matches(s, os, arch)))
            .map(|(i, _)| i)
            .collect();
        if matching.len() > 1 {
            fail(
                Rule::Overlap,
                format!("platforms {matching:?} have overlapping selectors that select os={os}/arch={arch}"),
            );
        }
    }
    let expected_pairs: Vec<(String, String)> =
        RELEASE_PLATFORMS.iter().map(|(o, a, _, _)| (o.to_string(), a.to_string())).collect();
    let present: Vec<(String, String)> = selected.into_iter().flatten().collect();
    if expect.template {
        for pair in &expected_pairs {
            if !present.contains(pair) {
                fail(Rule::Platforms, format!("the template lacks the release platform {}/{}", pair.0, pair.1));
            }
        }
    }
    for pair in &present {
        if !expected_pairs.contains(pair) {
            fail(Rule::Platforms, format!("{}/{} is not a platform the release builds", pair.0, pair.1));
        }
    }
    v
}

/// The selector's single os/arch, after checking it the way krew does.
fn check_selector(
    selector: Option<&Selector>,
    at: &str,
    fail: &mut impl FnMut(Rule, String),
) -> Option<(String, String)> {
    let Some(selector) = selector else {
        fail(Rule::Selector, format!("{at}: nil selector is not supported"));
        return None;
    };
    if selector.match_expressions.is_some() {
        fail(Rule::Selector, format!("{at}: use matchLabels with os and arch only, not matchExpressions"));
    }
    let labels = match &selector.match_labels {
        Some(labels) if !labels.is_empty() => labels,
        Some(_) => {
            fail(Rule::Selector, format!("{at}: matchLabels specified but empty"));
            return None;
        }
        None => {
            fail(Rule::Selector, format!("{at}: empty selector is not supported"));
            return None;
        }
    };
    for key in labels.keys().filter(|k| *k != "os" && *k != "arch") {
        fail(Rule::Selector, format!("{at}: selector key {key:?} not supported (only os and arch)"));
    }
    if !KREW_PLATFORMS.iter().any(|(os, arch)| selector_matches(selector, os, arch)) {
        fail(Rule::Selector, format!("{at}: selector {labels:?} doesn't match any supported platform"));
        return None;
    }
    match (labels.get("os"), labels.get("arch")) {
        (Some(os), Some(arch)) => Some((os.clone(), arch.clone())),
        _ => {
            fail(Rule::Selector, format!("{at}: the selector must name both os and arch (one archive per platform)"));
            None
        }
    }
}

/// Label-selector semantics (metav1.LabelSelectorAsSelector) against {os, arch}.
fn selector_matches(selector: &Selector, os: &str, arch: &str) -> bool {
    let label = |key: &str| match key {
        "os" => Some(os),
        "arch" => Some(arch),
        _ => None,
    };
    let labels_ok = selector.match_labels.iter().flatten().all(|(k, v)| label(k) == Some(v.as_str()));
    let exprs_ok = selector.match_expressions.iter().flatten().all(|r| match r.operator.as_str() {
        "In" => label(&r.key).is_some_and(|v| r.values.iter().any(|x| x == v)),
        "NotIn" => label(&r.key).is_none_or(|v| !r.values.iter().any(|x| x == v)),
        "Exists" => label(&r.key).is_some(),
        "DoesNotExist" => label(&r.key).is_none(),
        _ => false,
    });
    labels_ok && exprs_ok
}

fn check_archive(
    p: &Platform,
    os: &str,
    arch: &str,
    version: &str,
    expect: &Expect,
    at: &str,
    fail: &mut impl FnMut(Rule, String),
) {
    let Some((_, _, ext, bin)) = RELEASE_PLATFORMS.iter().find(|(o, a, _, _)| *o == os && *a == arch) else {
        return; // reported as a platform the release does not build
    };
    let archive = format!("kubectl-deny_{version}_{os}_{arch}.{ext}");
    let uri = format!("{}/releases/download/{version}/{archive}", expect.homepage);
    if p.uri != uri {
        fail(Rule::Archive, format!("{at}: uri {:?} should be the release archive {uri:?}", p.uri));
    }
    if p.bin != *bin {
        fail(Rule::Bin, format!("{at}: bin {:?} should be {bin:?}", p.bin));
    }
}

/// krew's line-length rule: a line may be longer only when it is a single word.
fn long_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.chars().count() > MAX_LINE && l.trim().contains(' ')).collect()
}

fn is_usage_example(line: &str) -> bool {
    let trimmed = line.trim_start();
    let lower = trimmed.to_ascii_lowercase();
    trimmed.starts_with("$ ")
        || lower.starts_with("kubectl ")
        || lower.starts_with("usage")
        || lower.starts_with("example")
        || lower.contains("usage:")
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// krew's semver: a leading `v`, then MAJOR.MINOR.PATCH without leading zeros, an optional
/// `-PRERELEASE` and `+BUILD` of dot-separated alphanumeric identifiers.
fn parse_krew_version(s: &str) -> Result<(), String> {
    let rest = s.strip_prefix('v').ok_or("does not start with 'v'")?;
    let (rest, build) = match rest.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (rest, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() != 3 {
        return Err("needs MAJOR.MINOR.PATCH".into());
    }
    let numeric = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'));
    if !numbers.iter().all(|n| numeric(n)) {
        return Err("MAJOR.MINOR.PATCH must be numbers without leading zeros".into());
    }
    let identifiers_ok = |part: &str, check_numeric: bool| {
        part.split('.').all(|id| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && (!check_numeric || !id.bytes().all(|b| b.is_ascii_digit()) || numeric(id))
        })
    };
    if pre.is_some_and(|p| !identifiers_ok(p, true)) {
        return Err("bad pre-release".into());
    }
    if build.is_some_and(|b| !identifiers_ok(b, false)) {
        return Err("bad build metadata".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// krew-release-bot's template, rendered as the bot renders it (Go text/template with
// `addURIAndSha` writing "uri: URL\n    sha256: SHA"), except that the sha256 is a placeholder.

fn render_template(text: &str, tag: &str) -> Result<String, String> {
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.contains("addURIAndSha") {
            let (indent, call) = line.split_at(line.len() - line.trim_start().len());
            let body = call
                .trim_end()
                .strip_prefix("{{")
                .and_then(|b| b.strip_suffix("}}"))
                .ok_or(format!("line {}: addURIAndSha must be alone in its {{{{ }}}}", n + 1))?
                .trim();
            let (call, pipe) = match body.split_once('|') {
                Some((c, p)) => (c.trim(), Some(p.trim())),
                None => (body, None),
            };
            let args = call.strip_prefix("addURIAndSha").ok_or(format!("line {}: not an addURIAndSha call", n + 1))?;
            let args = args.trim();
            let (url, after) = args
                .strip_prefix('"')
                .and_then(|a| a.split_once('"'))
                .ok_or(format!("line {}: addURIAndSha takes a quoted URL", n + 1))?;
            if after.trim() != ".TagName" {
                return Err(format!("line {}: addURIAndSha's second argument must be .TagName", n + 1));
            }
            let url = substitute_tag(url, tag, n)?;
            // The bot's default output indents sha256 by four spaces; `| indent N` re-indents.
            let rendered = match pipe {
                None => format!("uri: {url}\n    sha256: {TEMPLATE_SHA256}"),
                Some(p) => {
                    let spaces: usize = p
                        .strip_prefix("indent")
                        .and_then(|s| s.trim().parse().ok())
                        .ok_or(format!("line {}: unknown pipeline {p:?}", n + 1))?;
                    format!("uri: {url}\n{}sha256: {TEMPLATE_SHA256}", " ".repeat(spaces))
                }
            };
            out.push_str(indent);
            out.push_str(&rendered);
        } else {
            out.push_str(&substitute_tag(line, tag, n)?);
        }
        out.push('\n');
    }
    Ok(out)
}

fn substitute_tag(line: &str, tag: &str, n: usize) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").ok_or(format!("line {}: unclosed {{{{", n + 1))? + start;
        let action = rest[start + 2..end].trim();
        if action != ".TagName" {
            return Err(format!("line {}: template action {{{{ {action} }}}} is not one the bot renders here", n + 1));
        }
        out.push_str(tag);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn validate_template(text: &str, expect: &Expect) -> Vec<Violation> {
    let mut violations = Vec::new();
    if !text.lines().any(|l| l.trim() == "version: {{ .TagName }}" || l.trim() == "version: {{.TagName}}") {
        violations.push(Violation {
            rule: Rule::Template,
            message: "spec.version must be {{ .TagName }}, filled in per release".into(),
        });
    }
    match render_template(text, &expect.version) {
        Ok(rendered) => violations.extend(validate(&rendered, expect)),
        Err(e) => violations.push(Violation { rule: Rule::Template, message: e }),
    }
    violations
}

fn describe(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("  {:?}: {}", v.rule, v.message)).collect::<Vec<_>>().join("\n")
}

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()))
}

// ---------------------------------------------------------------------------------------------
// The checked-in files.

#[test]
fn krew_manifest_follows_krew_rules() {
    let violations = validate(&read("krew/deny.yaml"), &Expect::manifest());
    assert!(
        violations.is_empty(),
        "krew/deny.yaml breaks krew's rules (regenerate it with scripts/krew-manifest.sh):\n{}",
        describe(&violations)
    );
}

#[test]
fn krew_release_bot_template_follows_krew_rules() {
    let violations = validate_template(&read(".krew.yaml"), &Expect::template());
    assert!(violations.is_empty(), ".krew.yaml breaks krew's rules:\n{}", describe(&violations));
}

#[test]
fn krew_manifest_is_the_template_rendered() {
    let manifest: Plugin = serde_saphyr::from_str(&read("krew/deny.yaml")).unwrap();
    let template: Plugin =
        serde_saphyr::from_str(&render_template(&read(".krew.yaml"), &cargo_tag()).unwrap()).unwrap();
    let stale = "krew/deny.yaml is out of date with .krew.yaml: regenerate it with scripts/krew-manifest.sh";
    assert_eq!(manifest.metadata.name, template.metadata.name, "{stale}");
    let text = |s: &Spec| {
        (s.version.clone(), s.homepage.clone(), s.short_description.clone(), s.description.clone(), s.caveats.clone())
    };
    assert_eq!(text(&manifest.spec), text(&template.spec), "{stale}");
    for p in &manifest.spec.platforms {
        let twin = template.spec.platforms.iter().find(|t| t.selector == p.selector);
        let twin = twin.unwrap_or_else(|| panic!("{stale}: no template platform selects {:?}", p.selector));
        assert_eq!((&p.uri, &p.files, &p.bin), (&twin.uri, &twin.files, &twin.bin), "{stale}");
    }
}

/// The script renders exactly the checked-in manifest from the checksums it records.
#[cfg(unix)]
#[test]
fn krew_manifest_script_reproduces_the_checked_in_manifest() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let checked_in = read("krew/deny.yaml");
    let manifest: Plugin = serde_saphyr::from_str(&checked_in).unwrap();
    let dir = std::env::temp_dir().join(format!("kubectl-deny-krew-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sums: String = manifest
        .spec
        .platforms
        .iter()
        .map(|p| format!("{}  {}\n", p.sha256, p.uri.rsplit('/').next().unwrap()))
        .collect();
    let sums_path = dir.join("checksums.txt");
    std::fs::write(&sums_path, sums).unwrap();
    let out = dir.join("deny.yaml");
    let status = std::process::Command::new("bash")
        .arg(repo.join("scripts/krew-manifest.sh"))
        .arg("--checksums")
        .arg(&sums_path)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "krew-manifest.sh failed: {}", String::from_utf8_lossy(&status.stderr));
    let rendered = std::fs::read_to_string(&out).unwrap();
    let body = |t: &str| t.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&rendered), body(&checked_in), "scripts/krew-manifest.sh renders a different manifest");

    // --release refuses to leave a platform out.
    let one = format!("{}  kubectl-deny_{}_linux_amd64.tar.gz\n", "a".repeat(64), cargo_tag());
    std::fs::write(&sums_path, one).unwrap();
    let status = std::process::Command::new("bash")
        .arg(repo.join("scripts/krew-manifest.sh"))
        .args(["--release", "--checksums"])
        .arg(&sums_path)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!status.status.success(), "--release accepted a missing platform");
    assert!(String::from_utf8_lossy(&status.stderr).contains("missing for"));
    let _ = std::fs::remove_dir_all(dir);
}

/// With every release archive's checksum, as in the release workflow, the script renders all
/// five platforms, and the result follows krew's rules.
#[cfg(unix)]
#[test]
fn krew_manifest_script_renders_every_release_platform() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("kubectl-deny-krew-all-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tag = cargo_tag();
    let sums: String = RELEASE_PLATFORMS
        .iter()
        .enumerate()
        .map(|(i, (os, arch, ext, _))| {
            format!("{}  kubectl-deny_{tag}_{os}_{arch}.{ext}\n", format!("{i:x}").repeat(64))
        })
        .collect();
    let sums_path = dir.join("kubectl-deny_checksums.txt");
    std::fs::write(&sums_path, sums).unwrap();
    let out = dir.join("deny.yaml");
    let run = std::process::Command::new("bash")
        .arg(repo.join("scripts/krew-manifest.sh"))
        .args(["--release", "--checksums"])
        .arg(&sums_path)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "krew-manifest.sh failed: {}", String::from_utf8_lossy(&run.stderr));
    let rendered = std::fs::read_to_string(&out).unwrap();
    let violations = validate(&rendered, &Expect::manifest());
    assert!(violations.is_empty(), "{}\n{rendered}", describe(&violations));
    let plugin: Plugin = serde_saphyr::from_str(&rendered).unwrap();
    assert_eq!(plugin.spec.platforms.len(), RELEASE_PLATFORMS.len());
    assert_eq!(plugin.spec.platforms[4].sha256, "4".repeat(64));
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Each rule can fail: a valid manifest, broken one way at a time.

fn valid() -> String {
    let tag = cargo_tag();
    let mut platforms = String::new();
    for (os, arch, ext, bin) in RELEASE_PLATFORMS {
        platforms.push_str(&format!(
            "  - selector:\n      matchLabels:\n        os: {os}\n        arch: {arch}\n    \
             uri: https://github.com/kubectl-deny/kubectl-deny/releases/download/{tag}/kubectl-deny_{tag}_{os}_{arch}.{ext}\n    \
             sha256: {sha}\n    files:\n    - from: {bin}\n      to: .\n    - from: LICENSE\n      to: .\n    bin: {bin}\n",
            sha = "0123456789abcdef".repeat(4),
        ));
    }
    format!(
        "apiVersion: krew.googlecontainertools.github.com/v1alpha2\nkind: Plugin\nmetadata:\n  name: deny\nspec:\n  \
         version: {tag}\n  homepage: https://github.com/kubectl-deny/kubectl-deny\n  \
         shortDescription: Install, explain and audit default-deny policies\n  description: |\n    \
         Makes default-deny networking real.\n  caveats: |\n    \
         NetworkPolicy needs a network plugin that enforces it; Flannel alone does not.\n    \
         Shell completion: kubectl deny completion kubectl.\n  platforms:\n{platforms}"
    )
}

/// Applies `from -> to` (which must occur), validates, and returns the rules violated.
fn broken(from: &str, to: &str) -> Vec<Rule> {
    broken_with(&valid(), from, to, &Expect::manifest())
}

fn broken_with(base: &str, from: &str, to: &str, expect: &Expect) -> Vec<Rule> {
    assert!(base.contains(from), "the mutation {from:?} does not apply");
    let text = base.replacen(from, to, 1);
    let violations = if expect.template { validate_template(&text, expect) } else { validate(&text, expect) };
    violations.into_iter().map(|v| v.rule).collect()
}

#[test]
fn the_valid_example_passes() {
    let violations = validate(&valid(), &Expect::manifest());
    assert!(violations.is_empty(), "{}", describe(&violations));
}

#[test]
fn rule_yaml_rejects_unparsable_text_and_unknown_fields() {
    assert!(broken("kind: Plugin", "kind: [Plugin").contains(&Rule::Yaml));
    assert!(broken("shortDescription:", "shortDescripton:").contains(&Rule::Yaml));
}

#[test]
fn rule_api_version_is_krews() {
    assert!(broken("/v1alpha2", "/v1alpha1").contains(&Rule::ApiVersion));
}

#[test]
fn rule_kind_is_plugin() {
    assert!(broken("kind: Plugin", "kind: Plugins").contains(&Rule::Kind));
}

#[test]
fn rule_name_equals_the_file_name_and_is_safe() {
    assert!(broken("name: deny", "name: denyy").contains(&Rule::Name));
    assert!(broken("name: deny", "name: ../deny").contains(&Rule::Name));
    assert!(broken("name: deny", "name: nul").contains(&Rule::Name));
}

#[test]
fn rule_version_is_v_prefixed_semver() {
    let tag = cargo_tag();
    for bad in [&tag[1..], "v1.2", "v01.2.3", "v1.2.3-", "v1.2.3-01", "v 1.2.3"] {
        assert!(broken(&format!("version: {tag}"), &format!("version: \"{bad}\"")).contains(&Rule::Version), "{bad}");
    }
    for good in ["v0.0.0", "v1.2.3-beta.2+foo.bar", "v10.20.30-rc1"] {
        assert_eq!(parse_krew_version(good), Ok(()), "{good}");
    }
}

#[test]
fn rule_cargo_version_is_the_version_released() {
    let tag = cargo_tag();
    let rules = broken(&format!("version: {tag}"), "version: v99.0.0");
    assert!(rules.contains(&Rule::CargoVersion) && !rules.contains(&Rule::Version), "{rules:?}");
}

#[test]
fn rule_homepage_is_the_repository() {
    assert!(broken("homepage: https://", "homepage: http://").contains(&Rule::Homepage));
}

#[test]
fn rule_short_description_is_at_most_50_characters() {
    let long = "Install, explain and audit default-deny NetworkPolicies";
    assert!(long.len() > 50);
    assert_eq!(broken("Install, explain and audit default-deny policies", long), [Rule::ShortDescription]);
    assert_eq!(
        broken("shortDescription: Install, explain and audit default-deny policies", "shortDescription: \"\""),
        [Rule::ShortDescription]
    );
}

#[test]
fn rule_description_lines_fit_80_columns_and_hold_no_usage_examples() {
    let long = format!("    Makes default-deny networking real{}.", " and more".repeat(6));
    assert_eq!(broken("    Makes default-deny networking real.", &long), [Rule::Description]);
    let example = "    Makes default-deny networking real.\n    $ kubectl deny why web db:5432";
    assert_eq!(broken("    Makes default-deny networking real.", example), [Rule::Description]);
    let usage = "    Makes default-deny networking real.\n    Usage: kubectl deny list";
    assert_eq!(broken("    Makes default-deny networking real.", usage), [Rule::Description]);
    // One long word (a URL) may exceed the width, as krew allows.
    let url = format!("    https://example.com/{}", "x".repeat(90));
    assert!(broken("    Makes default-deny networking real.", &url).is_empty());
}

#[test]
fn rule_caveats_fit_80_columns_and_name_enforcement_and_completion() {
    let long = format!("    NetworkPolicy needs a network plugin that enforces it{}", "; indeed".repeat(4));
    assert!(broken("    NetworkPolicy needs a network plugin that enforces it", &long).contains(&Rule::Caveats));
    assert!(broken("Flannel alone does not.", "some plugins do not.").contains(&Rule::Caveats));
    assert!(broken("Shell completion: kubectl deny completion kubectl.", "See the README.").contains(&Rule::Caveats));
}

#[test]
fn rule_platforms_are_the_release_platforms() {
    assert!(broken("os: linux\n        arch: arm64", "os: linux\n        arch: s390x").contains(&Rule::Platforms));
    let empty = valid().split("  platforms:\n").next().unwrap().to_string() + "  platforms: []\n";
    let rules: Vec<Rule> = validate(&empty, &Expect::manifest()).into_iter().map(|v| v.rule).collect();
    assert_eq!(rules, [Rule::Platforms]);
}

#[test]
fn rule_selector_uses_only_os_and_arch_match_labels() {
    assert!(
        broken("        os: darwin\n        arch: amd64", "        os: darwin\n        cpu: amd64")
            .contains(&Rule::Selector)
    );
    assert!(
        broken("      matchLabels:\n        os: darwin\n        arch: amd64", "      matchLabels: {}")
            .contains(&Rule::Selector)
    );
    let expression = "      matchExpressions:\n      - {key: os, operator: In, values: [darwin]}\n      matchLabels:\n        os: darwin\n        arch: amd64";
    assert!(
        broken("      matchLabels:\n        os: darwin\n        arch: amd64", expression).contains(&Rule::Selector)
    );
    assert!(
        broken("        os: darwin\n        arch: amd64", "        os: plan9\n        arch: amd64")
            .contains(&Rule::Selector)
    );
    assert!(
        broken("  - selector:\n      matchLabels:\n        os: darwin\n        arch: amd64\n", "  - selector_: {}\n")
            .contains(&Rule::Yaml)
    );
}

#[test]
fn rule_overlap_no_two_platforms_select_the_same_os_arch() {
    assert!(broken("os: linux\n        arch: arm64", "os: linux\n        arch: amd64").contains(&Rule::Overlap));
    // A selector naming only the os overlaps every arch of that os.
    assert!(broken("        os: darwin\n        arch: amd64", "        os: darwin").contains(&Rule::Overlap));
}

#[test]
fn rule_uri_is_https() {
    assert!(broken("uri: https://github.com", "uri: http://github.com").contains(&Rule::Uri));
    assert!(broken("uri: https://github.com", "uri: file:///tmp/github.com").contains(&Rule::Uri));
}

#[test]
fn rule_sha256_is_64_lowercase_hex_digits() {
    let sha = "0123456789abcdef".repeat(4);
    assert_eq!(broken(&sha, &sha.to_uppercase()), [Rule::Sha256]);
    assert_eq!(broken(&sha, &sha[1..]), [Rule::Sha256]);
    assert_eq!(broken(&sha, TEMPLATE_SHA256), [Rule::Sha256], "placeholders belong in .krew.yaml only");
}

#[test]
fn rule_bin_ends_in_exe_on_windows_only() {
    assert!(broken("bin: kubectl-deny.exe", "bin: kubectl-deny").contains(&Rule::Bin));
    assert!(broken("    bin: kubectl-deny\n", "    bin: kubectl-deny.exe\n").contains(&Rule::Bin));
    assert!(broken("    bin: kubectl-deny\n", "    bin: ../kubectl-deny\n").contains(&Rule::Bin));
}

#[test]
fn rule_files_install_the_bin() {
    assert!(broken("    - from: kubectl-deny\n      to: .\n", "").contains(&Rule::Files));
    let no_files = "    files:\n    - from: kubectl-deny\n      to: .\n    - from: LICENSE\n      to: .\n";
    assert!(broken(no_files, "").contains(&Rule::Files));
}

#[test]
fn rule_license_is_installed_on_every_platform() {
    assert_eq!(
        broken("    - from: LICENSE\n      to: .\n    bin: kubectl-deny.exe", "    bin: kubectl-deny.exe"),
        [Rule::License]
    );
}

#[test]
fn rule_archive_is_the_release_archive_of_the_platform() {
    assert_eq!(broken("_darwin_arm64.tar.gz", "_darwin_amd64.tar.gz"), [Rule::Archive]);
    assert_eq!(broken("_windows_amd64.zip", "_windows_amd64.tar.gz"), [Rule::Archive]);
    assert_eq!(broken("releases/download/v", "releases/download/latest/v"), [Rule::Archive]);
}

#[test]
fn rule_template_renders_only_what_the_bot_renders() {
    let template = read(".krew.yaml");
    let expect = Expect::template();
    assert!(validate_template(&template, &expect).is_empty());
    // A hard-coded version goes stale at the next release.
    assert_eq!(
        broken_with(&template, "version: {{ .TagName }}", &format!("version: {}", cargo_tag()), &expect),
        [Rule::Template]
    );
    assert!(broken_with(&template, "{{ .TagName }}", "{{ .Tag }}", &expect).contains(&Rule::Template));
    assert!(broken_with(&template, "\" .TagName }}", "\" .Version }}", &expect).contains(&Rule::Template));
    // addURIAndSha indents sha256 by four spaces: deeper platform fields break the YAML unless
    // piped through `indent`.
    let deeper = template.replace("\n    ", "\n      ").replace("\n  - selector", "\n  -   selector");
    assert!(!validate_template(&deeper, &expect).is_empty());
    // A placeholder is fine in the template, and a platform left out is not.
    let windows = template.find("  - selector:\n      matchLabels:\n        os: windows").unwrap();
    let without_windows = &template[..windows];
    assert!(broken_with(without_windows, "kind: Plugin", "kind: Plugin", &expect).contains(&Rule::Platforms));
}

#[test]
fn render_template_matches_the_bots_output() {
    let tag = "v1.2.3";
    let line = "    {{ addURIAndSha \"https://x/{{ .TagName }}/a_{{ .TagName }}.tar.gz\" .TagName }}";
    assert_eq!(
        render_template(line, tag).unwrap(),
        format!("    uri: https://x/v1.2.3/a_v1.2.3.tar.gz\n    sha256: {TEMPLATE_SHA256}\n")
    );
    let piped = "      {{addURIAndSha \"https://x/{{ .TagName }}.zip\" .TagName | indent 6 }}";
    assert_eq!(
        render_template(piped, tag).unwrap(),
        format!("      uri: https://x/v1.2.3.zip\n      sha256: {TEMPLATE_SHA256}\n")
    );
}
