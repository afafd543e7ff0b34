//! Manifests given with `-f`: files, directories (recursive) and stdin, in YAML or JSON.
//!
//! A file is read into memory once and parsed with strings borrowed from it; objects go to the
//! `SnapshotBuilder` as they are parsed, so a List is never held whole. JSON (text whose first
//! character is `{` or `[`, as kubectl decides) is read in one pass. YAML is split into its
//! documents, each read in one pass too unless an object puts a field before its `kind`; then the
//! document is probed for its kinds and read again (see `wire::DocumentSeed`). Kinds kubectl-deny
//! does not read and empty documents are skipped. Errors name the file, the document (1-based) and
//! the line. This module owns paths and text; conversion into the snapshot is `convert`'s.

use std::cell::Cell;
use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer};
use serde_json::value::RawValue;

use super::convert::SnapshotBuilder;
use super::wire::{DocumentSeed, Object, Probe, Sink, Stopped};
use super::{Location, ParseError, SourceError};
use crate::engine::Snapshot;

/// The file extensions read from a directory. A file named explicitly is read whatever its name.
const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Reads every path in order: `-` is stdin (at most once), a directory is searched recursively
/// for `*.yaml`, `*.yml` and `*.json` in sorted order, skipping hidden files and directories.
/// Namespaced objects without a namespace get `default_namespace`.
pub fn load(paths: &[PathBuf], default_namespace: &str, stdin: &mut dyn Read) -> Result<Snapshot, SourceError> {
    let mut builder = SnapshotBuilder::new(default_namespace);
    let mut stdin_read = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if std::mem::replace(&mut stdin_read, true) {
                return Err(SourceError::StdinTwice);
            }
            let mut bytes = Vec::new();
            stdin.read_to_end(&mut bytes).map_err(|source| SourceError::Io { path: "stdin".into(), source })?;
            add_bytes(&mut builder, bytes, "stdin")?;
            continue;
        }
        let metadata = fs::metadata(path).map_err(|source| io_error(path, source))?;
        if metadata.is_dir() {
            let files = manifests_in(path)?;
            if files.is_empty() {
                return Err(SourceError::NoManifests { path: path.display().to_string() });
            }
            for file in files {
                add_file(&mut builder, &file)?;
            }
        } else {
            add_file(&mut builder, path)?;
        }
    }
    Ok(builder.finish())
}

/// Reads manifests from text; `origin` names it in errors (`stdin`, a file name).
pub fn load_str(text: &str, origin: &str, default_namespace: &str) -> Result<Snapshot, SourceError> {
    let mut builder = SnapshotBuilder::new(default_namespace);
    add_text(&mut builder, text, origin)?;
    Ok(builder.finish())
}

fn io_error(path: &Path, source: std::io::Error) -> SourceError {
    SourceError::Io { path: path.display().to_string(), source }
}

fn add_file(builder: &mut SnapshotBuilder, path: &Path) -> Result<(), SourceError> {
    let bytes = fs::read(path).map_err(|source| io_error(path, source))?;
    add_bytes(builder, bytes, &path.display().to_string())
}

/// Decodes UTF-8, or UTF-16 with a byte order mark (what Windows PowerShell's `>` writes).
fn add_bytes(builder: &mut SnapshotBuilder, bytes: Vec<u8>, origin: &str) -> Result<(), SourceError> {
    let utf16 = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(u16::from_le_bytes as fn([u8; 2]) -> u16),
        Some([0xFE, 0xFF]) => Some(u16::from_be_bytes as fn([u8; 2]) -> u16),
        _ => None,
    };
    let text = match utf16 {
        Some(decode) => {
            let units: Vec<u16> =
                bytes[2..].chunks(2).map(|pair| decode([pair[0], *pair.get(1).unwrap_or(&0)])).collect();
            String::from_utf16(&units).map_err(|_| {
                SourceError::Parse(Box::new(ParseError {
                    file: origin.to_string(),
                    document: None,
                    line: None,
                    column: None,
                    field: None,
                    message: "is not valid UTF-16 text".to_string(),
                }))
            })?
        }
        None => String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            SourceError::Parse(Box::new(ParseError {
                file: origin.to_string(),
                document: None,
                line: Some(1 + newlines(valid)),
                column: None,
                field: None,
                message: format!(
                    "is not UTF-8 text (byte 0x{:02x} at offset {}); save the file as UTF-8",
                    e.as_bytes()[valid.len()],
                    valid.len()
                ),
            }))
        })?,
    };
    add_text(builder, &text, origin)
}

fn add_text(builder: &mut SnapshotBuilder, text: &str, origin: &str) -> Result<(), SourceError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let file: Arc<str> = Arc::from(origin);
    if text.trim_start().starts_with(['{', '[']) {
        match add_json(builder, text, &file) {
            // Flow-style YAML also starts with `{`: give it a chance before reporting the JSON error.
            Err(JsonFailure { error, first_document_syntax: true }) => {
                add_yaml(builder, text, &file).map_err(|_| error)
            }
            other => other.map_err(|failure| failure.error),
        }
    } else {
        add_yaml(builder, text, &file)
    }
}

/// Why reading a document stopped: the parser failed, or the builder rejected an object.
enum Failure<E> {
    Parse(E),
    Rejected(SourceError),
}

/// How a document is read (see `DocumentSeed`).
#[derive(Clone, Copy)]
enum Mode<'p> {
    Json,
    Probed(&'p Probe),
    InOrder(&'p Cell<bool>),
}

impl<'p> Mode<'p> {
    fn seed<'s, 'de>(self, sink: &'s mut Sink<'s, 'de>) -> DocumentSeed<'p, 's, 'de>
    where
        'p: 's,
    {
        match self {
            Mode::Json => DocumentSeed::json(sink),
            Mode::Probed(probe) => DocumentSeed::probed(probe, sink),
            Mode::InOrder(needs_probe) => DocumentSeed::in_order(needs_probe, sink),
        }
    }
}

/// Reads one document and hands its objects to the builder as they are read.
fn read_document<'de, D: Deserializer<'de>>(
    deserializer: D,
    mode: Mode<'_>,
    builder: &mut SnapshotBuilder,
    at: &Location,
) -> Result<(), Failure<D::Error>> {
    let mut rejected = None;
    let mut location = at.clone();
    let mut sink = |object: Object<'de>, items: &[usize]| {
        location.items.clear();
        location.items.extend_from_slice(items);
        builder.add(object, &location).map_err(|e| {
            rejected = Some(e);
            Stopped
        })
    };
    let parsed = mode.seed(&mut sink).deserialize(deserializer);
    match (rejected, parsed) {
        (Some(e), _) => Err(Failure::Rejected(e)),
        (None, Err(e)) => Err(Failure::Parse(e)),
        (None, Ok(())) => Ok(()),
    }
}

struct JsonFailure {
    error: SourceError,
    first_document_syntax: bool,
}

impl From<SourceError> for JsonFailure {
    fn from(error: SourceError) -> Self {
        JsonFailure { error, first_document_syntax: false }
    }
}

/// A JSON file: one value, or (rarely) several in a row.
fn add_json(builder: &mut SnapshotBuilder, text: &str, file: &Arc<str>) -> Result<(), JsonFailure> {
    let start = text.len() - text.trim_start().len();
    let at = Location::document(file, 1, 1 + newlines(&text.as_bytes()[..start]));
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match read_document(&mut deserializer, Mode::Json, builder, &at) {
        Ok(()) => {}
        Err(Failure::Rejected(e)) => return Err(e.into()),
        Err(Failure::Parse(e)) => {
            let first_document_syntax = e.is_syntax();
            let error = json_error(&e, file, 1, &text[start..], (0, 0));
            return Err(JsonFailure { error, first_document_syntax });
        }
    }
    if deserializer.end().is_ok() {
        return Ok(());
    }
    // More values follow. Only now find where each one starts (an extra scan), then read the rest.
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    values.next();
    for document in 2.. {
        let rest = &text[values.byte_offset()..];
        let raw = match values.next() {
            None => return Ok(()),
            Some(Ok(raw)) => raw.get(),
            Some(Err(e)) => return Err(json_error(&e, file, document, rest.trim_start(), (0, 0)).into()),
        };
        let offset = raw.as_ptr() as usize - text.as_ptr() as usize;
        let line_start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
        let line = 1 + newlines(&text.as_bytes()[..offset]);
        let at = Location::document(file, document, line);
        match read_document(&mut serde_json::Deserializer::from_str(raw), Mode::Json, builder, &at) {
            Ok(()) => {}
            Err(Failure::Rejected(e)) => return Err(e.into()),
            Err(Failure::Parse(e)) => {
                return Err(json_error(&e, file, document, raw, (line - 1, offset - line_start)).into());
            }
        }
    }
    Ok(())
}

/// A JSON parse error at its line and column in the file: `shift` is the line and column (both
/// 0-based) where `document`, which the error's position is relative to, starts.
fn json_error(
    error: &serde_json::Error,
    file: &Arc<str>,
    document: usize,
    text: &str,
    shift: (usize, usize),
) -> SourceError {
    let (line, column) = match (error.line(), error.column()) {
        (1, column) => (1 + shift.0, column + shift.1),
        (line, column) => (line + shift.0, column),
    };
    SourceError::Parse(Box::new(ParseError {
        file: file.to_string(),
        document: Some(document),
        line: Some(line).filter(|&l| l > 0),
        column: Some(column).filter(|&c| c > 0),
        field: json_field(text),
        message: super::plain_message(&super::wire::without_position(error)),
    }))
}

/// Where in the document a JSON error happened, found by reading it again with the path tracked:
/// free when nothing fails.
fn json_field(document: &str) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_str(document);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(&mut deserializer, &mut track);
    let _ = DocumentSeed::json(&mut |_, _| Ok(())).deserialize(tracked);
    field_of(&track.path())
}

/// A path from serde_path_to_error, without the root (`.`) and without the unknown segments (`?`)
/// a syntax error leaves.
fn field_of(path: &serde_path_to_error::Path) -> Option<String> {
    let path = path.to_string();
    let known = path.split(".?").next().unwrap_or_default();
    (known != "." && known != "?" && !known.is_empty()).then(|| known.to_string())
}

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// A YAML stream, document by document: in one pass when every object names its kind first, as is
/// usual; otherwise probed for its kinds, then read again.
fn add_yaml(builder: &mut SnapshotBuilder, text: &str, file: &Arc<str>) -> Result<(), SourceError> {
    for document in yaml_documents(text) {
        let at = Location::document(file, document.index, document.line);
        let needs_probe = Cell::new(false);
        let in_order = read_yaml(document.text, Mode::InOrder(&needs_probe), builder, &at);
        let probe = match (in_order, needs_probe.get()) {
            (Ok(()), _) => continue,
            (Err(Failure::Rejected(e)), _) => return Err(e),
            (Err(Failure::Parse(e)), false) => {
                return Err(yaml_error(&e, &document, file, Some(Mode::InOrder(&needs_probe))));
            }
            (Err(Failure::Parse(_)), true) => {
                serde_saphyr::from_str_with_options::<Option<Probe>>(document.text, yaml_options())
                    .map_err(|e| yaml_error(&e, &document, file, None))?
            }
        };
        let Some(probe) = probe else { continue };
        match read_yaml(document.text, Mode::Probed(&probe), builder, &at) {
            Ok(()) => {}
            Err(Failure::Rejected(e)) => return Err(e),
            Err(Failure::Parse(e)) => return Err(yaml_error(&e, &document, file, Some(Mode::Probed(&probe)))),
        }
    }
    Ok(())
}

fn read_yaml(
    text: &str,
    mode: Mode<'_>,
    builder: &mut SnapshotBuilder,
    at: &Location,
) -> Result<(), Failure<serde_saphyr::Error>> {
    let mut rejected = None;
    let parsed =
        serde_saphyr::with_deserializer_from_str_with_options(text, yaml_options(), |de| {
            match read_document(de, mode, builder, at) {
                Ok(()) => Ok(()),
                Err(Failure::Parse(e)) => Err(e),
                Err(Failure::Rejected(e)) => {
                    rejected = Some(e);
                    Ok(())
                }
            }
        });
    match (rejected, parsed) {
        (Some(e), _) => Err(Failure::Rejected(e)),
        (None, Err(e)) => Err(Failure::Parse(e)),
        (None, Ok(())) => Ok(()),
    }
}

fn yaml_options() -> serde_saphyr::Options {
    // Manifests are the user's own files and kubectl dumps of whole clusters run to millions of
    // nodes: lift the size limits, keep the guards against alias bombs and deep nesting.
    serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: None,
            max_events: usize::MAX,
            max_nodes: usize::MAX,
            max_documents: usize::MAX,
            max_total_scalar_bytes: usize::MAX,
        },
    }
}

/// `mode` is how the failed read went; `None` for the probe itself.
fn yaml_error(
    error: &serde_saphyr::Error,
    document: &YamlDocument<'_>,
    file: &Arc<str>,
    mode: Option<Mode<'_>>,
) -> SourceError {
    let location = error.location();
    let mut message = error.without_snippet().to_string();
    if let Some(at) = &location {
        let suffix = format!(" at line {}, column {}", at.line(), at.column());
        if let Some(bare) = message.strip_suffix(&suffix) {
            message = bare.to_string();
        }
    }
    // serde-saphyr's advice names its own options, which mean nothing to a user.
    if let Some((bare, _)) = message.split_once(", set DuplicateKeyPolicy") {
        message = bare.to_string();
    }
    let line = location.as_ref().map(|at| document.line + usize::try_from(at.line()).unwrap_or(1).max(1) - 1);
    let column = location.as_ref().and_then(|at| usize::try_from(at.column()).ok()).filter(|&c| c > 0);
    SourceError::Parse(Box::new(ParseError {
        file: file.to_string(),
        document: Some(document.index),
        line: line.or(Some(document.line)),
        column,
        field: yaml_field(document.text, mode),
        message: super::plain_message(&message),
    }))
}

/// Where in the document a YAML error happened, by reading it again the same way with the path
/// tracked.
fn yaml_field(text: &str, mode: Option<Mode<'_>>) -> Option<String> {
    let mut track = serde_path_to_error::Track::new();
    let _ = serde_saphyr::with_deserializer_from_str_with_options(text, yaml_options(), |de| {
        let de = serde_path_to_error::Deserializer::new(de, &mut track);
        match mode {
            Some(mode) => mode.seed(&mut |_, _| Ok(())).deserialize(de),
            None => Option::<Probe>::deserialize(de).map(drop),
        }
    });
    field_of(&track.path())
}

/// One document of a YAML stream.
struct YamlDocument<'t> {
    text: &'t str,
    /// 1-based, counting every document the stream has, empty ones included.
    index: usize,
    /// 1-based line of the file where the document's text starts.
    line: usize,
}

/// Splits a YAML stream at its document markers: a line that starts with `---` (followed by
/// nothing or a space) begins a document, one that starts with `...` ends one. YAML forbids
/// either inside a document, so this split is exact. Text before the first marker that holds only
/// comments and directives is not a document.
fn yaml_documents(text: &str) -> Vec<YamlDocument<'_>> {
    fn is_marker(line: &str, marker: &str) -> bool {
        line.strip_prefix(marker).is_some_and(|rest| rest.chars().next().is_none_or(char::is_whitespace))
    }
    fn has_content(text: &str) -> bool {
        text.lines().any(|line| {
            let line = line.trim_start();
            !line.is_empty() && !line.starts_with('#') && !line.starts_with('%') && !is_marker(line, "...")
        })
    }

    let (mut start, mut start_line, mut explicit) = (0, 1, false);
    let (mut offset, mut line_no) = (0, 1);
    let mut found: Vec<(usize, usize, usize, bool)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if is_marker(line, "---") {
            found.push((start, offset, start_line, explicit));
            (start, start_line, explicit) = (offset, line_no, true);
        } else if is_marker(line, "...") {
            found.push((start, offset + line.len(), start_line, explicit));
            (start, start_line, explicit) = (offset + line.len(), line_no + 1, false);
        }
        offset += line.len();
        line_no += 1;
    }
    found.push((start, text.len(), start_line, explicit));

    let mut documents = Vec::new();
    for (from, to, line, explicit) in found {
        let chunk = &text[from..to];
        if explicit || has_content(chunk) {
            let index = documents.len() + 1;
            documents.push(YamlDocument { text: chunk, index, line });
        }
    }
    documents
}

/// The manifest files under `dir`, sorted by path, following symbolic links once.
fn manifests_in(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let mut files = Vec::new();
    let mut visited = HashSet::new();
    walk(dir, &mut files, &mut visited)?;
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, visited: &mut HashSet<PathBuf>) -> Result<(), SourceError> {
    let canonical = fs::canonicalize(dir).map_err(|source| io_error(dir, source))?;
    if !visited.insert(canonical) {
        return Ok(());
    }
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|source| io_error(dir, source))? {
        let entry = entry.map_err(|source| io_error(dir, source))?;
        entries.push(entry.file_name());
    }
    entries.sort();
    for name in entries {
        // Hidden entries are tool state (.git, .github workflows), not manifests.
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = dir.join(&name);
        let metadata = fs::metadata(&path).map_err(|source| io_error(&path, source))?;
        if metadata.is_dir() {
            walk(&path, files, visited)?;
        } else if metadata.is_file() && has_manifest_extension(&path) {
            files.push(path);
        }
    }
    Ok(())
}

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| MANIFEST_EXTENSIONS.iter().any(|known| ext.eq_ignore_ascii_case(known)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source").join(path)
    }

    fn load_text(text: &str) -> Snapshot {
        load_str(text, "test.yaml", "default").unwrap_or_else(|e| panic!("{e}"))
    }

    fn load_error(text: &str) -> String {
        load_str(text, "test.yaml", "default").map(|_| ()).unwrap_err().to_string()
    }

    fn pod_names(snapshot: &Snapshot) -> Vec<&str> {
        snapshot.pods.iter().map(|p| p.name.as_str()).collect()
    }

    /// A directory under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("kubectl-deny-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn multi_document_yaml_reads_every_document() {
        let s = load_text(
            "kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n...\n---\nkind: Pod\nmetadata: {name: c}\n",
        );
        assert_eq!(pod_names(&s), ["a", "b", "c"]);
    }

    #[test]
    fn empty_documents_and_other_kinds_are_skipped() {
        let s = load_text(
            "---\n# nothing here\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n---\napiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: calico}\nspec: {selector: all(), types: [Ingress]}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\n---\nkind: Pod\nmetadata: {name: p}\n",
        );
        assert_eq!(pod_names(&s), ["p"]);
        assert!(s.policies.is_empty(), "a Calico NetworkPolicy is not a Kubernetes one");
    }

    #[test]
    fn yaml_list_kind_and_nested_lists_are_read() {
        let s = load_text(
            "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: List\n  items:\n  - kind: Pod\n    metadata: {name: b}\n- apiVersion: v1\n  kind: PodList\n  items:\n  - metadata: {name: c}\n",
        );
        assert_eq!(pod_names(&s), ["a", "b", "c"]);
    }

    #[test]
    fn yaml_keys_may_come_in_any_order() {
        // `kubectl get -o yaml` sorts keys, which puts a List's items before its kind.
        let s = load_text("items:\n- metadata: {name: a}\n  kind: Pod\n  apiVersion: v1\nkind: List\napiVersion: v1\n");
        assert_eq!(pod_names(&s), ["a"]);
    }

    #[test]
    fn json_single_object_list_and_stream_are_read() {
        let s = load_text(r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}"#);
        assert_eq!(pod_names(&s), ["a"]);
        let s = load_text(
            r#"{"apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}},{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod","metadata":{"name":"b"}}]}],"kind":"List","metadata":{"resourceVersion":""}}"#,
        );
        assert_eq!(pod_names(&s), ["a", "b"]);
        let s = load_text(
            "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}\n\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"}}\nnull\n",
        );
        assert_eq!(pod_names(&s), ["a", "b"]);
    }

    #[test]
    fn flow_style_yaml_starting_with_a_brace_is_read_as_yaml() {
        let s = load_text("{kind: Pod, metadata: {name: a}}\n");
        assert_eq!(pod_names(&s), ["a"]);
    }

    #[test]
    fn stdin_is_read_from_the_given_reader() {
        let mut stdin = "kind: Pod\nmetadata: {name: from-stdin}\n".as_bytes();
        let s = load(&[PathBuf::from("-")], "dev", &mut stdin).unwrap();
        assert_eq!(pod_names(&s), ["from-stdin"]);
        assert_eq!(s.pods[0].namespace, "dev");
    }

    #[test]
    fn stdin_can_be_given_only_once() {
        let e = load(&[PathBuf::from("-"), PathBuf::from("-")], "default", &mut "".as_bytes()).unwrap_err();
        assert!(matches!(e, SourceError::StdinTwice));
    }

    #[test]
    fn errors_from_stdin_name_stdin() {
        let mut stdin = "kind: Pod\nmetadata: {name: [x]}\n".as_bytes();
        let e = load(&[PathBuf::from("-")], "default", &mut stdin).unwrap_err().to_string();
        assert!(e.starts_with("stdin: document 1, line 2"), "{e}");
    }

    #[test]
    fn directory_is_read_recursively_in_sorted_order_skipping_hidden_and_other_files() {
        let s = load(&[fixture("tree")], "default", &mut std::io::empty()).unwrap();
        assert_eq!(pod_names(&s), ["web"]);
        assert_eq!(s.policies[0].name, "default-deny");
        assert_eq!(s.services[0].name, "web");
        assert_eq!(s.namespaces.len(), 1);
        assert!(s.namespaces[0].known);
    }

    #[test]
    fn explicit_files_are_read_in_the_order_given() {
        let tree = fixture("tree");
        let s = load(&[tree.join("b/d.json"), tree.join("a.yaml")], "default", &mut std::io::empty()).unwrap();
        assert_eq!(s.services[0].name, "web");
        assert_eq!(pod_names(&s), ["web"]);
    }

    #[test]
    fn directory_without_manifests_is_an_error() {
        let dir = TempDir::new("empty");
        fs::write(dir.0.join("README.md"), "no manifests").unwrap();
        let e = load(std::slice::from_ref(&dir.0), "default", &mut std::io::empty()).unwrap_err().to_string();
        assert!(
            e.ends_with("no manifests found (looked for *.yaml, *.yml and *.json files, hidden ones skipped)"),
            "{e}"
        );
        assert!(e.starts_with(&dir.0.display().to_string()), "{e}");
    }

    #[test]
    fn missing_path_is_an_error_naming_it() {
        let e = load(&[PathBuf::from("no/such/manifests.yaml")], "default", &mut std::io::empty()).unwrap_err();
        assert_eq!(e.to_string(), "cannot read no/such/manifests.yaml: no such file or directory");
    }

    #[test]
    fn yaml_syntax_error_names_file_document_and_line() {
        let e = load_error(
            "kind: Pod\nmetadata: {name: a}\n---\n# second\nkind: Pod\nmetadata:\n  name: b\n  labels: {app: [\n",
        );
        assert!(e.starts_with("test.yaml: document 2, line "), "{e}");
        let line: usize = e["test.yaml: document 2, line ".len()..].split([',', ':']).next().unwrap().parse().unwrap();
        assert!((8..=9).contains(&line), "line {line} is not where the broken document breaks: {e}");
    }

    #[test]
    fn yaml_type_error_names_the_field() {
        let e = load_error(
            "kind: Pod\nmetadata: {name: a}\n---\nkind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  ingress:\n  - ports:\n    - port: [80]\n",
        );
        assert!(e.starts_with("test.yaml: document 2, line 9, column "), "{e}");
        assert!(e.contains(": spec.ingress[0].ports[0].port: "), "{e}");
    }

    #[test]
    fn json_syntax_error_names_file_document_and_line() {
        let e = load_error(
            "{\"kind\": \"Pod\",\n \"metadata\": {\"name\": \"a\"}}\n{\"kind\": \"Pod\",\n \"metadata\": {\"name\": \"b\"\n",
        );
        // The object is cut short: the parser notices at the end of the text.
        assert!(e.starts_with("test.yaml: document 2, line 5: metadata: EOF while parsing an object"), "{e}");
        let e = load_error(
            "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}}\n{\"kind\": \"Pod\",\n \"spec\": {\"hostNetwork\": 1}}\n",
        );
        assert!(
            e.starts_with("test.yaml: document 2, line 3, column 28: spec.hostNetwork: invalid type: integer"),
            "{e}"
        );
    }

    #[test]
    fn json_type_error_names_the_field() {
        let e = load_error(
            "{\"kind\": \"Pod\",\n \"metadata\": {\"name\": \"a\"},\n \"spec\": {\"containers\": [{\"ports\": [{\"containerPort\": \"80\"}]}]}}",
        );
        assert!(e.starts_with("test.yaml: document 1, line 3, column "), "{e}");
        assert!(
            e.contains(": spec.containers[0].ports[0].containerPort: invalid type: string \"80\", expected an integer"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_yaml_keys_are_reported_plainly() {
        let e = load_error("kind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n");
        assert!(e.contains("duplicate mapping key"), "{e}");
        assert!(!e.contains("DuplicateKeyPolicy"), "{e}");
    }

    #[test]
    fn document_without_kind_is_an_error() {
        let e = load_error("apiVersion: v1\nmetadata: {name: a}\n");
        assert!(e.starts_with("test.yaml: document 1, line "), "{e}");
        assert!(e.contains("missing `kind`"), "{e}");
        let e = load_error("[1, 2]\n");
        assert!(e.contains("expected a Kubernetes object"), "{e}");
    }

    #[test]
    fn validation_errors_name_the_document_and_list_item() {
        let e = load_error(
            "kind: Pod\nmetadata: {name: a}\n---\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: b}\n- kind: NetworkPolicy\n  metadata: {name: np}\n  spec: {ingress: [{from: [{}]}]}\n",
        );
        assert!(
            e.starts_with(
                "test.yaml: document 2 (line 3), items[1]: NetworkPolicy default/np: spec.ingress[0].from[0]: "
            ),
            "{e}"
        );
    }

    #[test]
    fn document_index_ignores_a_leading_comment_block() {
        let e = load_error("# header\n---\nkind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {}\n");
        assert!(e.starts_with("test.yaml: document 2 (line 5): Pod without a name"), "{e}");
    }

    #[test]
    fn byte_order_marks_and_utf16_are_decoded() {
        let dir = TempDir::new("utf16");
        let text = "kind: Pod\nmetadata: {name: a}\n";
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        fs::write(dir.0.join("le.yaml"), utf16).unwrap();
        fs::write(dir.0.join("bom.yaml"), format!("\u{FEFF}{}", text.replace("a}", "b}"))).unwrap();
        let s = load(std::slice::from_ref(&dir.0), "default", &mut std::io::empty()).unwrap();
        assert_eq!(pod_names(&s), ["b", "a"]);
    }

    #[test]
    fn non_utf8_file_is_an_error_with_its_line() {
        let dir = TempDir::new("latin1");
        let path = dir.0.join("bad.yaml");
        fs::write(&path, b"kind: Pod\nmetadata: {name: caf\xe9}\n").unwrap();
        let e = load(std::slice::from_ref(&path), "default", &mut std::io::empty()).unwrap_err().to_string();
        assert!(
            e.ends_with("bad.yaml: line 2: is not UTF-8 text (byte 0xe9 at offset 30); save the file as UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn yaml_document_split_follows_the_markers() {
        let docs = yaml_documents("%YAML 1.2\n---\na: 1\n--- # two\nb: 2\n...\n# trailing comment\n---\n");
        let summary: Vec<(usize, usize, &str)> = docs.iter().map(|d| (d.index, d.line, d.text)).collect();
        assert_eq!(summary, [(1, 2, "---\na: 1\n"), (2, 4, "--- # two\nb: 2\n...\n"), (3, 8, "---\n")]);
        let docs = yaml_documents("a: |\n  ---not a marker\n----\n");
        assert_eq!(docs.len(), 1);
    }

    #[test]
    fn yaml_plain_scalars_read_as_the_type_the_field_needs() {
        let s = load_text(
            "kind: Pod\nmetadata:\n  name: p\n  labels: {version: 1.0, canary: true, build: 0042}\nspec:\n  hostNetwork: true\n  containers:\n  - ports:\n    - containerPort: 8080\n",
        );
        let labels = &s.pods[0].labels;
        assert_eq!(
            (labels["version"].as_str(), labels["canary"].as_str(), labels["build"].as_str()),
            ("1.0", "true", "0042")
        );
        assert!(s.pods[0].host_network);
    }

    #[test]
    fn yaml_anchors_and_aliases_are_expanded() {
        let s = load_text(
            "kind: List\nitems:\n- kind: Pod\n  metadata: &meta\n    name: a\n    labels: {app: web}\n- kind: Service\n  metadata: *meta\n",
        );
        assert_eq!(s.services[0].name, "a");
    }
}
