//! Reads the words typed after `kubectl deny` against the clap definition and decides what the
//! last, partial word can become: a subcommand, a flag, a flag's value, or a positional value.
//!
//! Everything static (subcommands, flags, value enums) comes from the built `clap::Command`, so a
//! new flag completes without touching this file. Only values that need knowledge (kubeconfig
//! names, namespaces, `why` endpoints, durations, manifest files) are special-cased, by the
//! flag's long name or value name, which are part of the command-line contract.

use std::collections::{HashMap, HashSet};

use clap::{Arg, ArgAction, Command, ValueHint};

use super::source::{Candidate, EndpointKind, Query, Scope, Sources};
use super::{Completions, Directive, HelperEnv};

/// Completes the last of `words` (the partial word; empty when the user typed a space).
pub fn complete(cmd: &Command, words: &[String], env: &HelperEnv, sources: &Sources) -> Completions {
    let (typed, current) = match words.split_last() {
        Some((last, rest)) => (rest, last.as_str()),
        None => (&[][..], ""),
    };
    let Some(line) = Line::parse(cmd, typed) else {
        // An unknown subcommand: nothing after it can be completed truthfully.
        return Completions::new(Vec::new(), Directive::NO_FILE_COMP);
    };
    let ask = Ask { line: &line, env, sources };

    if let Some(arg) = line.pending {
        return ask.values(arg, current, "");
    }
    if !line.after_double_dash {
        if let Some(body) = current.strip_prefix("--") {
            if let Some((name, value)) = body.split_once('=') {
                return match find_long(line.leaf, name) {
                    // The shells put `--flag=` back in front of each candidate themselves.
                    Some(arg) if takes_value(arg) => ask.values(arg, value, ""),
                    _ => Completions::new(Vec::new(), Directive::NO_FILE_COMP),
                };
            }
            return flag_names(&line, current);
        }
        if current.len() > 1 && current.starts_with('-') {
            return ask.short_cluster(current);
        }
        if current == "-" {
            return flag_names(&line, current);
        }
    }
    if line.leaf.has_subcommands() {
        let candidates = line
            .leaf
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name().starts_with(current))
            .map(|s| described(s.get_name(), s.get_about().map(|a| a.to_string())))
            .collect();
        return Completions::new(candidates, Directive::NO_FILE_COMP | Directive::KEEP_ORDER);
    }
    match positional_at(line.leaf, line.positionals.len()) {
        Some(arg) => ask.values(arg, current, ""),
        None => Completions::new(Vec::new(), Directive::NO_FILE_COMP),
    }
}

/// The words before the partial one, as clap would read them.
struct Line<'c> {
    /// The deepest subcommand typed (the root when none).
    leaf: &'c Command,
    /// Positional values typed for `leaf`.
    positionals: Vec<String>,
    /// Flags typed, by id, for hiding flags that cannot be repeated.
    seen: HashSet<String>,
    /// Values typed for flags, by long name, in order.
    values: HashMap<String, Vec<String>>,
    /// A flag whose value is the partial word (`--context <TAB>`).
    pending: Option<&'c Arg>,
    after_double_dash: bool,
}

impl<'c> Line<'c> {
    fn parse(root: &'c Command, words: &[String]) -> Option<Line<'c>> {
        let mut line = Line {
            leaf: root,
            positionals: Vec::new(),
            seen: HashSet::new(),
            values: HashMap::new(),
            pending: None,
            after_double_dash: false,
        };
        for word in words {
            if let Some(arg) = line.pending.take() {
                line.record(arg, word);
                continue;
            }
            if line.after_double_dash || word == "-" || !word.starts_with('-') {
                line.positional(word)?;
            } else if word == "--" {
                line.after_double_dash = true;
            } else if let Some(body) = word.strip_prefix("--") {
                let (name, value) = match body.split_once('=') {
                    Some((name, value)) => (name, Some(value)),
                    None => (body, None),
                };
                if let Some(arg) = find_long(line.leaf, name) {
                    line.seen.insert(arg.get_id().to_string());
                    match value {
                        Some(value) => line.record(arg, value),
                        None if needs_next_word(arg) => line.pending = Some(arg),
                        None => {}
                    }
                }
            } else {
                let body = &word[1..];
                for (at, c) in body.char_indices() {
                    let Some(arg) = find_short(line.leaf, c) else { break };
                    line.seen.insert(arg.get_id().to_string());
                    if takes_value(arg) {
                        let rest = &body[at + c.len_utf8()..];
                        let rest = rest.strip_prefix('=').unwrap_or(rest);
                        if !rest.is_empty() {
                            line.record(arg, rest);
                        } else if needs_next_word(arg) {
                            line.pending = Some(arg);
                        }
                        break;
                    }
                }
            }
        }
        Some(line)
    }

    fn record(&mut self, arg: &Arg, value: &str) {
        if let Some(long) = arg.get_long() {
            self.values.entry(long.to_string()).or_default().push(value.to_string());
        }
    }

    /// A positional word: a subcommand name while the leaf has subcommands, else a value.
    /// `None` when it names no subcommand of a command that needs one.
    fn positional(&mut self, word: &str) -> Option<()> {
        if self.leaf.has_subcommands() && !self.after_double_dash {
            let sub =
                self.leaf.get_subcommands().find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))?;
            self.leaf = sub;
            self.positionals.clear();
        } else {
            self.positionals.push(word.to_string());
        }
        Some(())
    }

    fn last_value(&self, long: &str) -> Option<&str> {
        self.values.get(long).and_then(|v| v.last()).map(String::as_str)
    }

    fn scope(&self, env: &HelperEnv) -> Scope {
        Scope {
            kubeconfig: super::kubeconfig::kubeconfig_paths(
                self.last_value("kubeconfig"),
                env.kubeconfig.as_deref(),
                env.home.as_deref(),
            ),
            context: self.last_value("context").map(str::to_string),
            cluster: self.last_value("cluster").map(str::to_string),
            user: self.last_value("user").map(str::to_string),
            namespace: self.last_value("namespace").map(str::to_string),
            files: self
                .values
                .get("filename")
                .into_iter()
                .flatten()
                .filter(|f| f.as_str() != "-")
                .map(std::path::PathBuf::from)
                .collect(),
        }
    }
}

/// What to ask the sources, for the line being completed.
struct Ask<'a, 'c> {
    line: &'a Line<'c>,
    env: &'a HelperEnv,
    sources: &'a Sources,
}

impl Ask<'_, '_> {
    /// Candidates for a value of `arg`, those starting with `partial`, each written with `prefix`
    /// in front (for `-nVALUE`, where the shell will not add it back).
    fn values(&self, arg: &Arg, partial: &str, prefix: &str) -> Completions {
        let possible: Vec<_> = arg.get_possible_values().into_iter().filter(|v| !v.is_hide_set()).collect();
        if !possible.is_empty() {
            let candidates = possible
                .iter()
                .filter(|v| v.get_name().starts_with(partial))
                .map(|v| described(&format!("{prefix}{}", v.get_name()), v.get_help().map(|h| h.to_string())))
                .collect();
            return Completions::new(candidates, Directive::NO_FILE_COMP | Directive::KEEP_ORDER);
        }
        let query = match (arg.get_long(), arg.get_value_names().and_then(|n| n.first()).map(|n| n.as_str())) {
            (Some("filename"), _) => {
                // As kubectl's own -f: files with these extensions, and directories.
                let exts = ["json", "yaml", "yml"].map(Candidate::new).to_vec();
                return Completions::new(exts, Directive::FILTER_FILE_EXT);
            }
            (Some("request-timeout"), _) => {
                let candidates = DURATIONS
                    .iter()
                    .filter(|(v, _)| v.starts_with(partial))
                    .map(|(v, d)| Candidate::described(format!("{prefix}{v}"), *d))
                    .collect();
                return Completions::new(candidates, Directive::NO_FILE_COMP | Directive::KEEP_ORDER);
            }
            (Some("port"), _) if self.line.leaf.get_name() == "matrix" => Query::DeclaredPorts {
                namespaces: self.line.values.get("namespace").cloned().unwrap_or_default(),
                all: self.line.seen.contains("all_namespaces"),
            },
            (Some("context"), _) => Query::Contexts,
            (Some("cluster"), _) => Query::Clusters,
            (Some("user"), _) => Query::Users,
            (_, Some("NS")) => Query::Namespaces,
            (None, _) if self.line.leaf.get_name() == "why" => return self.endpoint(arg, partial),
            _ => {
                let directive = match arg.get_value_hint() {
                    ValueHint::AnyPath | ValueHint::FilePath | ValueHint::ExecutablePath => Directive::DEFAULT,
                    ValueHint::DirPath => Directive::FILTER_DIRS,
                    _ => Directive::NO_FILE_COMP,
                };
                return Completions::new(Vec::new(), directive);
            }
        };
        let found = self.lookup(vec![query]).remove(0);
        let candidates = found
            .into_iter()
            .filter(|c| c.value.starts_with(partial))
            .map(|c| Candidate { value: format!("{prefix}{}", c.value), ..c })
            .collect();
        Completions::new(candidates, Directive::NO_FILE_COMP)
    }

    /// `-X...`: a cluster of short flags, possibly ending in a value (`-nkube`, `-An`).
    fn short_cluster(&self, current: &str) -> Completions {
        let body = &current[1..];
        for (at, c) in body.char_indices() {
            let Some(arg) = find_short(self.line.leaf, c) else { break };
            if takes_value(arg) {
                let split = 1 + at + c.len_utf8();
                let (prefix, rest) = current.split_at(split);
                if rest.is_empty() {
                    break;
                }
                let (prefix, rest) = match rest.strip_prefix('=') {
                    Some(stripped) => (&current[..split + 1], stripped),
                    None => (prefix, rest),
                };
                return self.values(arg, rest, prefix);
            }
        }
        flag_names(self.line, current)
    }

    /// A `why` endpoint: `NAME`, `NS/NAME`, `KIND/NAME`, `NS/KIND/NAME`, and on TO `:PORT/PROTO`.
    fn endpoint(&self, arg: &Arg, partial: &str) -> Completions {
        let is_to = arg.get_id() == "to";
        if is_to && let Some((target, port)) = partial.split_once(':') {
            return self.port(target, port);
        }
        let kinds: Vec<EndpointKind> =
            EndpointKind::ALL.into_iter().filter(|k| is_to || *k != EndpointKind::Service).collect();
        let segments: Vec<&str> = partial.split('/').collect();
        let kind_prefixes = |ns_prefix: &str, name_partial: &str| -> Vec<Candidate> {
            kinds
                .iter()
                .filter(|k| k.prefix().starts_with(name_partial))
                .map(|k| Candidate::described(format!("{ns_prefix}{}/", k.prefix()), k.description()))
                .collect()
        };
        let (candidates, names_prefix, queries) = match segments.as_slice() {
            [name] => {
                let queries = vec![Query::Pods { namespace: None }, Query::Namespaces];
                (kind_prefixes("", name), String::new(), queries)
            }
            [first, _] => match EndpointKind::from_prefix(first).filter(|k| kinds.contains(k)) {
                Some(kind) => (Vec::new(), format!("{first}/"), vec![by_kind(None, kind)]),
                None => {
                    let ns = Some(first.to_string());
                    (
                        kind_prefixes(&format!("{first}/"), segments[1]),
                        format!("{first}/"),
                        vec![Query::Pods { namespace: ns }],
                    )
                }
            },
            [ns, kind, _] => match EndpointKind::from_prefix(kind).filter(|k| kinds.contains(k)) {
                Some(kind) => {
                    (Vec::new(), format!("{ns}/{}/", kind.prefix()), vec![by_kind(Some(ns.to_string()), kind)])
                }
                None => return Completions::new(Vec::new(), Directive::NO_FILE_COMP),
            },
            _ => return Completions::new(Vec::new(), Directive::NO_FILE_COMP),
        };
        let mut found = self.lookup(queries).into_iter();
        let mut all = candidates;
        // Names of the first query (pods or the kind's objects), then namespaces as `NS/`.
        if let Some(names) = found.next() {
            all.extend(names.into_iter().map(|c| Candidate { value: format!("{names_prefix}{}", c.value), ..c }));
        }
        if let Some(namespaces) = found.next() {
            all.extend(namespaces.into_iter().map(|c| Candidate { value: format!("{}/", c.value), ..c }));
        }
        all.retain(|c| c.value.starts_with(partial));
        // A `NS/` or `KIND/` candidate continues: no space after it. The directive holds for the
        // whole answer, so a pod name picked among them gets none either.
        let continues = all.iter().any(|c| c.value.ends_with('/'));
        let directive = if continues { Directive::NO_FILE_COMP | Directive::NO_SPACE } else { Directive::NO_FILE_COMP };
        Completions::new(all, directive)
    }

    /// `TARGET:PORT[/PROTO]`: named ports of the target's pods, then the protocols.
    fn port(&self, target: &str, port: &str) -> Completions {
        if let Some((number, proto)) = port.split_once('/') {
            let candidates = ["tcp", "udp", "sctp"]
                .into_iter()
                .filter(|p| p.starts_with(&proto.to_ascii_lowercase()))
                .map(|p| Candidate::new(format!("{target}:{number}/{p}")))
                .collect();
            return Completions::new(candidates, Directive::NO_FILE_COMP | Directive::KEEP_ORDER);
        }
        let Some((namespace, kind, name)) = parse_target(target) else {
            return Completions::new(Vec::new(), Directive::NO_FILE_COMP);
        };
        let found = self.lookup(vec![Query::NamedPorts { namespace, kind, name }]).remove(0);
        let candidates = found
            .into_iter()
            .filter(|c| c.value.starts_with(port))
            .map(|c| Candidate { value: format!("{target}:{}", c.value), ..c })
            .collect();
        Completions::new(candidates, Directive::NO_FILE_COMP)
    }

    fn lookup(&self, queries: Vec<Query>) -> Vec<Vec<Candidate>> {
        let mut sources = self.sources.clone();
        // A --request-timeout typed on the line bounds the lookups too, as in kubectl.
        if let Some(Ok(Some(bound))) = self.line.last_value("request-timeout").map(crate::context::parse_duration) {
            let deadline = bound.min(sources.deadline());
            sources = sources.with_deadline(deadline);
        }
        sources.lookup(&self.line.scope(self.env), &queries)
    }
}

/// A few request timeouts, as examples of the syntax.
const DURATIONS: [(&str, &str); 4] =
    [("0", "no bound (the default)"), ("10s", "ten seconds"), ("30s", "thirty seconds"), ("1m", "one minute")];

fn by_kind(namespace: Option<String>, kind: EndpointKind) -> Query {
    match kind {
        EndpointKind::Pod => Query::Pods { namespace },
        EndpointKind::Service => Query::Services { namespace },
        kind => Query::Workloads { namespace, kind },
    }
}

/// `NAME`, `NS/NAME`, `KIND/NAME` or `NS/KIND/NAME`, as typed before `:PORT`. An IP address (or
/// anything else) yields `None`: it has no named ports.
fn parse_target(target: &str) -> Option<(Option<String>, EndpointKind, String)> {
    let looks_like_ip = target.parse::<std::net::IpAddr>().is_ok()
        || target.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') && target.contains(['.', ':']);
    let segments: Vec<&str> = target.split('/').collect();
    let parsed = match segments.as_slice() {
        [name] => (None, EndpointKind::Pod, *name),
        [first, name] => match EndpointKind::from_prefix(first) {
            Some(kind) => (None, kind, *name),
            None => (Some(first.to_string()), EndpointKind::Pod, *name),
        },
        [ns, kind, name] => (Some(ns.to_string()), EndpointKind::from_prefix(kind)?, *name),
        _ => return None,
    };
    (!looks_like_ip && !parsed.2.is_empty()).then(|| (parsed.0, parsed.1, parsed.2.to_string()))
}

fn flag_names(line: &Line, current: &str) -> Completions {
    let mut candidates = Vec::new();
    for arg in line.leaf.get_arguments() {
        if arg.is_positional() || arg.is_hide_set() {
            continue;
        }
        let repeatable = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
        if line.seen.contains(arg.get_id().as_str()) && !repeatable {
            continue;
        }
        let help = arg.get_help().map(|h| h.to_string());
        if let Some(long) = arg.get_long() {
            candidates.push(described(&format!("--{long}"), help.clone()));
            if arg.is_require_equals_set() && takes_value(arg) {
                candidates.push(described(&format!("--{long}="), help.clone()));
            }
        }
        if let Some(short) = arg.get_short() {
            candidates.push(described(&format!("-{short}"), help));
        }
    }
    candidates.retain(|c| c.value.starts_with(current));
    let directive = match candidates.as_slice() {
        [only] if only.value.ends_with('=') => Directive::NO_SPACE | Directive::NO_FILE_COMP,
        _ => Directive::NO_FILE_COMP,
    };
    Completions::new(candidates, directive)
}

fn positional_at(cmd: &Command, index: usize) -> Option<&Arg> {
    let positionals: Vec<&Arg> = cmd.get_positionals().filter(|a| !a.is_hide_set()).collect();
    match positionals.get(index) {
        Some(arg) => Some(arg),
        // A last positional taking many values keeps taking them.
        None => positionals.last().copied().filter(|a| a.get_num_args().is_some_and(|r| r.max_values() > 1)),
    }
}

fn find_long<'c>(cmd: &'c Command, name: &str) -> Option<&'c Arg> {
    cmd.get_arguments().find(|a| a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name)))
}

fn find_short(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments()
        .find(|a| a.get_short() == Some(c) || a.get_all_short_aliases().is_some_and(|al| al.contains(&c)))
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

/// Whether clap takes the next word as this flag's value (`--context NAME`); not for flags whose
/// value is optional or must follow `=` (`--dry-run[=MODE]`).
fn needs_next_word(arg: &Arg) -> bool {
    takes_value(arg) && !arg.is_require_equals_set() && arg.get_num_args().is_none_or(|r| r.min_values() > 0)
}

fn described(value: &str, help: Option<String>) -> Candidate {
    match help {
        Some(h) if !h.is_empty() => Candidate::described(value, h),
        _ => Candidate::new(value),
    }
}
