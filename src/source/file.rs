//! Manifests given with `-f`: files, directories (recursive) and stdin, in YAML or JSON; and the
//! output of `kubectl kustomize` for `-k`.
//!
//! A file is read into memory once (mapped from 1 MB on, the pages already read given back as the
//! reader moves on: `Mapped`, `Behind`) and parsed with strings borrowed from it; objects go to the
//! `SnapshotBuilder` as they are parsed, so a List is never held whole. A large JSON document is
//! parsed on one thread while another converts (`read_document_in_two`). JSON (text whose first
//! character is `{` or `[`, as kubectl decides, unless a line holds a `---` document marker) is
//! read in one pass. YAML is split into its documents, each read in one pass too unless an object
//! puts a field before its `kind`; then the document is probed for its kinds and read again (see
//! `wire::DocumentSeed`). Kinds kubectl-deny does not read and empty documents are skipped;
//! documents that are not Kubernetes objects at all (Helm values, a `Chart.yaml`, a template, a
//! JSON array) are skipped with a note. Errors name the file, the document (1-based) and the line.
//! Reading nothing at all is an error: an empty input is a failed `kubectl get` upstream far more
//! often than an empty cluster. This module owns paths and text; conversion into the snapshot is
//! `convert`'s.

use std::cell::{Cell, OnceCell};
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer};
use serde_json::value::RawValue;

use super::convert::SnapshotBuilder;
use super::wire::{DocumentSeed, NotObject, Object, Probe, Shape, Sink, Stopped};
use super::{Location, Notice, ParseError, SourceError, yaml, yaml_events};
use crate::engine::Snapshot;

/// The file extensions read from a directory. A file named explicitly is read whatever its name.
const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The stack the reader runs on (and the thread converting what it reads): serde reads nested
/// maps and lists recursively, and YAML allows `yaml::MAX_DEPTH` levels (CustomResourceDefinition
/// schemas nest deep); a Calico selector's parser recurses as deep as its parentheses.
const READER_STACK: usize = 256 << 20;

/// What was read: the snapshot, and the notes and warnings to show with the answer.
pub struct Loaded {
    pub snapshot: Snapshot,
    pub notices: Vec<Notice>,
}

/// Reads every path in order: `-` is stdin (at most once), a directory is searched recursively
/// for `*.yaml`, `*.yml` and `*.json` in sorted order, skipping hidden files and directories.
/// Namespaced objects without a namespace get `default_namespace`. Reading no object of a kind
/// kubectl-deny reads is an error (`SourceError::NothingRead`).
pub fn read(paths: &[PathBuf], default_namespace: &str, stdin: &mut dyn Read) -> Result<Loaded, SourceError> {
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(SourceError::StdinTwice);
    }
    let mut stdin_bytes = None;
    if paths.iter().any(|p| p.as_os_str() == "-") {
        let mut bytes = Vec::new();
        stdin.read_to_end(&mut bytes).map_err(|source| SourceError::Io { path: "stdin".into(), source })?;
        stdin_bytes = Some(bytes);
    }
    on_reader_stack(move || {
        let mut loader = Loader::new(default_namespace);
        for path in paths {
            if path.as_os_str() == "-" {
                loader.add_bytes(stdin_bytes.take().unwrap_or_default(), "stdin")?;
                continue;
            }
            let metadata = fs::metadata(path).map_err(|source| io_error(path, source))?;
            if metadata.is_dir() {
                let files = manifests_in(path)?;
                if files.is_empty() {
                    return Err(SourceError::NoManifests { path: path.display().to_string() });
                }
                for file in files {
                    loader.add_file(&file)?;
                }
            } else {
                loader.add_file(path)?;
            }
        }
        loader.finish("-f")
    })
}

/// `read`, for callers that need only the snapshot.
pub fn load(paths: &[PathBuf], default_namespace: &str, stdin: &mut dyn Read) -> Result<Snapshot, SourceError> {
    read(paths, default_namespace, stdin).map(|loaded| loaded.snapshot)
}

/// `-k DIR`: the kustomization rendered by `kubectl kustomize DIR`, as kubectl users expect.
pub fn read_kustomization(dir: &Path, default_namespace: &str) -> Result<Loaded, SourceError> {
    let shown = dir.display().to_string();
    let output = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| SourceError::Kustomize {
            dir: shown.clone(),
            message: match e.kind() {
                std::io::ErrorKind::NotFound => format!(
                    "-k needs kubectl on PATH to render the kustomization (kubectl kustomize {shown}); install \
                     kubectl, or render it yourself: kustomize build {shown} | kubectl deny ... -f -"
                ),
                _ => format!("cannot run kubectl kustomize {shown}: {e}"),
            },
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said: Vec<&str> = stderr
            .lines()
            .map(|line| line.trim().trim_start_matches("error: ").trim_start_matches("Error: "))
            .filter(|l| !l.is_empty())
            .take(5)
            .collect();
        return Err(SourceError::Kustomize {
            dir: shown.clone(),
            message: format!(
                "kubectl kustomize {shown} failed ({}){}",
                output.status,
                if said.is_empty() { String::new() } else { format!(": {}", said.join("; ")) }
            ),
        });
    }
    let origin = format!("kubectl kustomize {shown}");
    on_reader_stack(move || {
        let mut loader = Loader::new(default_namespace);
        loader.add_bytes(output.stdout, &origin)?;
        loader.finish(&format!("-k {shown}"))
    })
}

/// Reads manifests from text; `origin` names it in errors (`stdin`, a file name). Reading nothing
/// is not an error here.
pub fn read_str(text: &str, origin: &str, default_namespace: &str) -> Result<Loaded, SourceError> {
    on_reader_stack(|| {
        let mut loader = Loader::new(default_namespace);
        loader.add_text(text, origin)?;
        Ok(Loaded { snapshot: loader.builder.finish(), notices: loader.notices })
    })
}

/// `read_str`, for callers that need only the snapshot.
pub fn load_str(text: &str, origin: &str, default_namespace: &str) -> Result<Snapshot, SourceError> {
    read_str(text, origin, default_namespace).map(|loaded| loaded.snapshot)
}

/// Runs `f` on a thread with `READER_STACK` of stack (or on this one if none can be started).
fn on_reader_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let slot = std::sync::Mutex::new(Some(f));
    let run = || (slot.lock().unwrap_or_else(|e| e.into_inner()).take().expect("run once"))();
    std::thread::scope(|scope| {
        match std::thread::Builder::new().name("reader".into()).stack_size(READER_STACK).spawn_scoped(scope, run) {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => run(),
        }
    })
}

fn io_error(path: &Path, source: std::io::Error) -> SourceError {
    SourceError::Io { path: path.display().to_string(), source }
}

/// What one input (a file, stdin, kustomize's output) held, for the error when nothing was read.
struct InputRecord {
    name: String,
    bytes: usize,
    documents: usize,
    other: BTreeMap<String, usize>,
    skipped: usize,
    /// Why the first skipped document was skipped.
    skip_reason: Option<String>,
}

/// Reads inputs into one builder, keeping the notes and what each input held.
struct Loader {
    builder: SnapshotBuilder,
    notices: Vec<Notice>,
    inputs: Vec<InputRecord>,
}

impl Loader {
    fn new(default_namespace: &str) -> Self {
        Loader { builder: SnapshotBuilder::new(default_namespace), notices: Vec::new(), inputs: Vec::new() }
    }

    fn add_file(&mut self, path: &Path) -> Result<(), SourceError> {
        let origin = path.display().to_string();
        if let Some(map) = Mapped::open(path) {
            return self.add_mapped(&map, &origin);
        }
        let bytes = fs::read(path).map_err(|source| io_error(path, source))?;
        self.add_bytes(bytes, &origin)
    }

    /// A large file, mapped: checked as UTF-8 and read with the pages behind the reader given back
    /// as it goes (see `Behind`).
    fn add_mapped(&mut self, map: &Mapped, origin: &str) -> Result<(), SourceError> {
        let bytes: &[u8] = &map.map;
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return self.add_bytes(bytes.to_vec(), origin);
        }
        let behind = Behind::of(map);
        let text = utf8_in_steps(bytes, origin, &behind)?;
        behind.restart();
        self.add_text_behind(text, origin, &behind)
    }

    /// Decodes UTF-8, or UTF-16 with a byte order mark (what Windows PowerShell's `>` writes).
    fn add_bytes(&mut self, bytes: Vec<u8>, origin: &str) -> Result<(), SourceError> {
        let text = decode(bytes, origin)?;
        self.add_text(&text, origin)
    }

    fn add_text(&mut self, text: &str, origin: &str) -> Result<(), SourceError> {
        self.add_text_behind(text, origin, &Behind::none())
    }

    fn add_text_behind(&mut self, text: &str, origin: &str, behind: &Behind<'_>) -> Result<(), SourceError> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let file: Arc<str> = Arc::from(origin);
        if is_json(text) {
            let mut input = Input::new(&file, text, behind);
            let result = self.add_json(&mut input);
            let yaml_stream = input.yaml_stream;
            match result {
                Ok(()) if yaml_stream => {
                    // Read again from the start as YAML; the first document is read twice, in the
                    // same place, which changes nothing.
                    let _ = self.builder.take_warnings();
                    let mut input = Input::new(&file, text, behind);
                    let result = self.add_yaml(&mut input);
                    self.take_warnings(&input);
                    return self.end_input(result, &input, origin);
                }
                Err(json_error) if input.json_syntax_first => {
                    // Flow-style YAML starts with `{` too: give it a chance before reporting the
                    // JSON error.
                    let _ = self.builder.take_warnings();
                    let mut input = Input::new(&file, text, behind);
                    let result = self.add_yaml(&mut input).map_err(|_| json_error);
                    self.take_warnings(&input);
                    return self.end_input(result, &input, origin);
                }
                result => {
                    self.take_warnings(&input);
                    return self.end_input(result, &input, origin);
                }
            }
        }
        // A byte order mark may start any document of a stream; the parser wants none.
        let cleaned;
        let text = if text.contains('\u{FEFF}') {
            cleaned = without_byte_order_marks(text);
            cleaned.as_str()
        } else {
            text
        };
        let mut input = Input::new(&file, text, behind);
        let result = self.add_yaml(&mut input);
        self.take_warnings(&input);
        self.end_input(result, &input, origin)
    }

    /// Records what the input held and notes the documents skipped.
    fn end_input(
        &mut self,
        result: Result<(), SourceError>,
        input: &Input<'_>,
        origin: &str,
    ) -> Result<(), SourceError> {
        let result = result.map_err(|e| input.with_line(e));
        result?;
        let other = self.builder.take_other_kinds();
        if other.contains_key("Kustomization") {
            self.notices.push(Notice::note(format!(
                "{origin} holds a Kustomization: -f reads the files it lists as they are, unpatched; to read what \
                 it renders, use -k {}",
                Path::new(origin).parent().map_or(".".to_string(), |d| d.display().to_string())
            )));
        }
        let name_of = |origin: &str| Path::new(origin).file_name().map(|n| n.to_string_lossy().to_string());
        let reason_for = |reason: &Skip| reason.describe(name_of(origin).as_deref(), origin);
        match input.skipped.as_slice() {
            [] => {}
            [(_, reason), ..] if input.skipped.len() == input.documents => {
                self.notices.push(Notice::note(format!("skipped {origin}: {}", reason_for(reason))));
            }
            skipped => {
                for (document, reason) in skipped {
                    self.notices
                        .push(Notice::note(format!("skipped {origin} document {document}: {}", reason_for(reason))));
                }
            }
        }
        self.inputs.push(InputRecord {
            name: origin.to_string(),
            bytes: input.text.len(),
            documents: input.documents,
            other,
            skipped: input.skipped.len(),
            skip_reason: input.skipped.first().map(|(_, reason)| reason_for(reason)),
        });
        Ok(())
    }

    /// The builder's warnings about the input just read, with their lines.
    fn take_warnings(&mut self, input: &Input<'_>) {
        for mut warning in self.builder.take_warnings() {
            if warning.line.is_none() {
                warning.line = warning.at.and_then(|at| input.line_of(at));
            }
            self.notices.push(Notice::warning(warning.to_string()));
        }
    }

    /// The snapshot, or the error when nothing at all was read.
    fn finish(mut self, flag: &str) -> Result<Loaded, SourceError> {
        self.notices.extend(self.builder.take_warnings().into_iter().map(|w| Notice::warning(w.to_string())));
        if let Some(more) = self.builder.take_suppressed() {
            self.notices.push(Notice::warning(more.to_string()));
        }
        if self.builder.objects_read() == 0 {
            return Err(nothing_read(flag, &self.inputs));
        }
        let snapshot = self.builder.finish();
        give_back_freed_memory();
        Ok(Loaded { snapshot, notices: self.notices })
    }
}

/// Returns to the system the memory freed while reading: the parsed objects, freed by the
/// thread that converted them into the arena of the thread that parsed them, and the builder's
/// indexes. glibc keeps both for reuse, but the command that follows allocates from its own
/// thread's arena, so they would only add to its peak (issue 16.2: 5 MB on the lean snapshot).
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `SourceError::NothingRead`, saying what each input held.
fn nothing_read(flag: &str, inputs: &[InputRecord]) -> SourceError {
    let describe = |input: &InputRecord| {
        let held = if input.bytes == 0 {
            if input.name == "stdin" { "empty (0 bytes)".to_string() } else { "empty".to_string() }
        } else if input.documents == 0 {
            "no documents (only comments or blank lines)".to_string()
        } else if !input.other.is_empty() {
            let kinds: Vec<String> = input.other.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
            kinds.join(", ")
        } else if input.skipped > 0 {
            match &input.skip_reason {
                Some(reason) if input.skipped == 1 => format!("skipped, {reason}"),
                Some(reason) => format!("{} documents skipped, the first {reason}", input.skipped),
                None => "nothing that is a Kubernetes object".to_string(),
            }
        } else {
            "no objects".to_string()
        };
        format!("{}: {held}", input.name)
    };
    let mut parts: Vec<String> = inputs.iter().take(5).map(describe).collect();
    if inputs.len() > 5 {
        parts.push(format!("and {} more inputs", inputs.len() - 5));
    }
    SourceError::NothingRead {
        flag: flag.to_string(),
        what: parts.join("; "),
        from_stdin: inputs.iter().any(|i| i.name == "stdin"),
    }
}

/// UTF-8, or UTF-16 with a byte order mark.
fn decode(bytes: Vec<u8>, origin: &str) -> Result<String, SourceError> {
    let utf16 = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(u16::from_le_bytes as fn([u8; 2]) -> u16),
        Some([0xFE, 0xFF]) => Some(u16::from_be_bytes as fn([u8; 2]) -> u16),
        _ => None,
    };
    match utf16 {
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
            })
        }
        None => String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            not_utf8(valid, e.as_bytes()[valid.len()], origin)
        }),
    }
}

/// The error for text that stops being UTF-8 after `valid`, at the byte `bad`.
fn not_utf8(valid: &[u8], bad: u8, origin: &str) -> SourceError {
    SourceError::Parse(Box::new(ParseError {
        file: origin.to_string(),
        document: None,
        line: Some(1 + newlines(valid)),
        column: None,
        field: None,
        message: format!("is not UTF-8 text (byte 0x{bad:02x} at offset {}); save the file as UTF-8", valid.len()),
    }))
}

/// JSON as kubectl tells it: the first character is `{` or `[`. (JSON documents separated by
/// `---`, a YAML stream, are found after the first value and read as YAML.)
fn is_json(text: &str) -> bool {
    text.trim_start().starts_with(['{', '['])
}

/// The text without the byte order marks that start lines (where a document may start).
fn without_byte_order_marks(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        cleaned.push_str(line.trim_start_matches('\u{FEFF}'));
    }
    cleaned
}

/// Why a document was skipped.
enum Skip {
    NotObject(NotObject),
    Template,
    NotManifest,
}

impl Skip {
    fn describe(&self, file_name: Option<&str>, origin: &str) -> String {
        let dir = Path::new(origin).parent().map_or(".".to_string(), |d| d.display().to_string());
        match (self, file_name) {
            (Skip::Template, _) => {
                "a template ({{ }}), not a manifest: render it first (helm template ..., then -f -)".to_string()
            }
            (Skip::NotObject(NotObject::NoKind), Some("Chart.yaml" | "Chart.yml")) => {
                "a Helm chart's Chart.yaml, not a Kubernetes object".to_string()
            }
            (
                Skip::NotObject(NotObject::NoKind),
                Some("kustomization.yaml" | "kustomization.yml" | "Kustomization"),
            ) => {
                format!(
                    "a kustomization, not a Kubernetes object: -f reads the files it lists as they are, unpatched; \
                     to read what it renders, use -k {dir}"
                )
            }
            (Skip::NotObject(NotObject::NoKind), _) => "not a Kubernetes object (no kind)".to_string(),
            (Skip::NotObject(NotObject::Sequence), _) => "a list, not a Kubernetes object".to_string(),
            (Skip::NotObject(NotObject::Scalar), _) => "a single value, not a Kubernetes object".to_string(),
            (Skip::NotManifest, _) => "not YAML that kubectl reads, and no kind: not a Kubernetes object".to_string(),
        }
    }
}

/// The text being read, and what its documents turned out to be.
struct Input<'t> {
    file: &'t Arc<str>,
    text: &'t str,
    behind: &'t Behind<'t>,
    /// Where each line starts, built on first need.
    lines: OnceCell<Vec<usize>>,
    /// Skipped documents (1-based index) and why.
    skipped: Vec<(usize, Skip)>,
    documents: usize,
    /// JSON whose first value has a syntax error: perhaps flow-style YAML.
    json_syntax_first: bool,
    /// JSON values separated by `---` lines: a YAML stream.
    yaml_stream: bool,
}

impl<'t> Input<'t> {
    fn new(file: &'t Arc<str>, text: &'t str, behind: &'t Behind<'t>) -> Self {
        Input {
            file,
            text,
            behind,
            lines: OnceCell::new(),
            skipped: Vec::new(),
            documents: 0,
            json_syntax_first: false,
            yaml_stream: false,
        }
    }

    /// The 1-based line of the byte at `address`, when it lies in this input's text (strings the
    /// reader borrowed from the text carry their address).
    fn line_of(&self, address: usize) -> Option<usize> {
        let start = self.text.as_ptr() as usize;
        let offset = address.checked_sub(start).filter(|&offset| offset <= self.text.len())?;
        let lines = self.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1))
                .collect()
        });
        Some(lines.partition_point(|&line_start| line_start <= offset))
    }

    /// An error about an object, with the line of the field when it was read from this text.
    fn with_line(&self, error: SourceError) -> SourceError {
        match error {
            SourceError::Invalid(mut invalid) if invalid.line.is_none() => {
                invalid.line = invalid.at.and_then(|at| self.line_of(at));
                SourceError::Invalid(invalid)
            }
            other => other,
        }
    }
}

/// A file of at least `Mapped::FROM` bytes, mapped into memory rather than read: the reader
/// borrows its strings from the mapping as it would from a `String`, and gives back the pages it
/// has moved past (`Behind`), so that reading a 63 MB snapshot holds the snapshot, not the file
/// and the snapshot (issue 16.2). The file must not change while it is read, as with any reader
/// that borrows from a buffer; a file truncated meanwhile ends the process with SIGBUS, which
/// `kubectl get ... > dump.json` does not do once it has finished.
struct Mapped {
    map: memmap2::Mmap,
}

impl Mapped {
    /// Smaller files are read: mapping costs more than it saves there.
    const FROM: u64 = 1 << 20;

    /// The file mapped, when it is a regular file of at least `FROM` bytes and can be mapped;
    /// otherwise `None`, and the file is read as usual (which reports any error).
    fn open(path: &Path) -> Option<Mapped> {
        let file = fs::File::open(path).ok()?;
        let metadata = file.metadata().ok()?;
        if !metadata.is_file() || metadata.len() < Self::FROM {
            return None;
        }
        // SAFETY: the mapping is read-only; its contents change only if another process writes the
        // file while it is read (see the type's documentation).
        let map = unsafe { memmap2::MmapOptions::new().map(&file) }.ok()?;
        let _ = map.advise(memmap2::Advice::Sequential);
        Some(Mapped { map })
    }
}

/// Gives back the pages of a mapped file that the reader has moved past, in steps of `STEP`,
/// keeping the last `KEEP` bytes behind it. A page given back and touched again (an error's line
/// is counted from the start, a document read a second time) is read again from the file: giving
/// back costs memory nothing and changes nothing that is read.
struct Behind<'m> {
    map: Option<&'m memmap2::Mmap>,
    /// Bytes from the start of the mapping already given back.
    released: AtomicUsize,
}

impl<'m> Behind<'m> {
    const STEP: usize = 1 << 20;
    const KEEP: usize = 256 << 10;

    /// For text that is not mapped: gives back nothing.
    fn none() -> Behind<'static> {
        Behind { map: None, released: AtomicUsize::new(0) }
    }

    fn of(mapped: &'m Mapped) -> Self {
        Behind { map: Some(&mapped.map), released: AtomicUsize::new(0) }
    }

    /// The reader has reached `address` (in the mapping or not): gives back what lies more than
    /// `KEEP` bytes behind it, once that is a `STEP` more than was given back already.
    fn reached(&self, address: Option<usize>) {
        let (Some(map), Some(address)) = (self.map, address) else { return };
        let Some(offset) = address.checked_sub(map.as_ptr() as usize).filter(|&offset| offset <= map.len()) else {
            return;
        };
        // One thread gives back at a time (the reader's, or the one that converts its objects).
        let released = self.released.load(Ordering::Relaxed);
        if offset < released + Self::STEP + Self::KEEP {
            return;
        }
        let until = offset - Self::KEEP;
        // SAFETY: the mapping is of a file (not anonymous memory), so a page given back is read
        // again from the file when touched; nothing that is read changes (see `Mapped`).
        if unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, released, until - released) }.is_ok()
        {
            self.released.store(until, Ordering::Relaxed);
        }
    }

    /// Gives back the whole mapping and starts again from its start (after a first pass over
    /// the whole file).
    fn restart(&self) {
        if let Some(map) = self.map {
            // SAFETY: as in `reached`.
            let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, 0, map.len()) };
        }
        self.released.store(0, Ordering::Relaxed);
    }
}

/// The bytes as text, checked as UTF-8 a step at a time, each step given back once checked.
fn utf8_in_steps<'b>(bytes: &'b [u8], origin: &str, behind: &Behind<'_>) -> Result<&'b str, SourceError> {
    let mut checked = 0;
    while checked < bytes.len() {
        let end = (checked + Behind::STEP).min(bytes.len());
        match std::str::from_utf8(&bytes[checked..end]) {
            Ok(_) => checked = end,
            // A character cut by the step's end: check it with the next step.
            Err(e) if e.error_len().is_none() && end < bytes.len() => checked += e.valid_up_to(),
            Err(e) => {
                let valid = checked + e.valid_up_to();
                return Err(not_utf8(&bytes[..valid], bytes[valid], origin));
            }
        }
        behind.reached(Some(bytes.as_ptr() as usize + checked));
    }
    // SAFETY: every byte was checked above, in steps that end on character boundaries.
    Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// Why reading a document stopped: the parser failed, or the builder rejected an object.
enum Failure<E> {
    Parse(E),
    Rejected(SourceError),
}

/// How a document is read (see `DocumentSeed`).
#[derive(Clone, Copy)]
enum Mode<'p> {
    Json(&'p Cell<bool>),
    Probed(&'p Probe),
    InOrder(&'p Cell<bool>),
}

impl<'p> Mode<'p> {
    fn seed<'s, 'de>(self, sink: &'s mut Sink<'s, 'de>) -> DocumentSeed<'p, 's, 'de>
    where
        'p: 's,
    {
        match self {
            Mode::Json(needs_probe) => DocumentSeed::json(needs_probe, sink),
            Mode::Probed(probe) => DocumentSeed::probed(probe, sink),
            Mode::InOrder(needs_probe) => DocumentSeed::in_order(needs_probe, sink),
        }
    }
}

/// Adds an object read at `items` of the Lists of the document at `location`, then gives back the
/// pages behind it.
fn add_object(
    builder: &mut SnapshotBuilder,
    location: &mut Location,
    object: Object<'_>,
    items: &[usize],
    behind: &Behind<'_>,
) -> Result<(), SourceError> {
    location.items.clear();
    location.items.extend_from_slice(items);
    let address = object.address();
    builder.add(object, location)?;
    behind.reached(address);
    Ok(())
}

/// Reads one document and hands its objects to the builder as they are read.
fn read_document<'de, D: Deserializer<'de>>(
    deserializer: D,
    mode: Mode<'_>,
    builder: &mut SnapshotBuilder,
    at: &Location,
    behind: &Behind<'_>,
) -> Result<Shape, Failure<D::Error>> {
    let mut rejected = None;
    let mut location = at.clone();
    let mut sink = |object: Object<'de>, items: &[usize]| {
        add_object(builder, &mut location, object, items, behind).map_err(|e| {
            rejected = Some(e);
            Stopped
        })
    };
    let parsed = mode.seed(&mut sink).deserialize(deserializer);
    match (rejected, parsed) {
        (Some(e), _) => Err(Failure::Rejected(e)),
        (None, Err(e)) => Err(Failure::Parse(e)),
        (None, Ok(shape)) => Ok(shape),
    }
}

/// A JSON document: read by two threads when it is large and there are two cores.
fn read_json<'de>(
    deserializer: &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    raw: &str,
    mode: Mode<'_>,
    builder: &mut SnapshotBuilder,
    at: &Location,
    behind: &Behind<'_>,
) -> Result<Shape, Failure<serde_json::Error>> {
    if raw.len() >= TWO_THREADS_FROM && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        read_document_in_two(deserializer, mode, builder, at, behind)
    } else {
        read_document(deserializer, mode, builder, at, behind)
    }
}

/// JSON documents from this size on are read by two threads when there are two cores: one parses,
/// the other converts what it parsed (`read_document_in_two`).
const TWO_THREADS_FROM: usize = 1 << 20;

/// Objects handed from the parsing thread to the converting one at a time.
const BATCH: usize = 256;

/// `read_document`, with the parsing on this thread and the conversion into the snapshot on
/// another, in the same order: the same objects, warnings and errors as `read_document`, in about
/// the time of the slower half on two cores (issue 16.2). An object the builder rejects stops the
/// parsing at the next object, and is the error, as it is when one thread does both (the parser
/// may have read a little further, which changes nothing: what it read is dropped unconverted).
fn read_document_in_two<'de, D: Deserializer<'de>>(
    deserializer: D,
    mode: Mode<'_>,
    builder: &mut SnapshotBuilder,
    at: &Location,
    behind: &Behind<'_>,
) -> Result<Shape, Failure<D::Error>> {
    /// Objects with their List indices, all in one vector per batch.
    type Batch<'de> = (Vec<(Object<'de>, std::ops::Range<usize>)>, Vec<usize>);
    let stop = AtomicBool::new(false);
    let (to_converter, batches) = std::sync::mpsc::sync_channel::<Batch<'de>>(4);
    let outcome = std::thread::scope(|scope| {
        let stop = &stop;
        let builder = &mut *builder;
        // The reader's stack: converting recurses as deep as what was read (a Calico selector).
        let converter = std::thread::Builder::new().name("converter".into()).stack_size(READER_STACK);
        let converter = converter.spawn_scoped(scope, move || {
            let mut location = at.clone();
            for (objects, indices) in batches {
                for (object, items) in objects {
                    if let Err(e) = add_object(builder, &mut location, object, &indices[items], behind) {
                        stop.store(true, Ordering::Relaxed);
                        return Some(e);
                    }
                }
            }
            None
        });
        let Ok(converter) = converter else { return Err(deserializer) };
        let mut batch: Batch<'de> = (Vec::with_capacity(BATCH), Vec::new());
        let mut sink = |object: Object<'de>, items: &[usize]| {
            if stop.load(Ordering::Relaxed) {
                return Err(Stopped);
            }
            let start = batch.1.len();
            batch.1.extend_from_slice(items);
            batch.0.push((object, start..batch.1.len()));
            if batch.0.len() == BATCH {
                let full = std::mem::replace(&mut batch, (Vec::with_capacity(BATCH), Vec::new()));
                to_converter.send(full).map_err(|_| Stopped)?;
            }
            Ok(())
        };
        let parsed = mode.seed(&mut sink).deserialize(deserializer);
        if !batch.0.is_empty() {
            // The objects read before a syntax error are added too, as by `read_document`.
            let _ = to_converter.send(batch);
        }
        drop(to_converter);
        let rejected = converter.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Ok(match (rejected, parsed) {
            (Some(e), _) => Err(Failure::Rejected(e)),
            (None, Err(e)) => Err(Failure::Parse(e)),
            (None, Ok(shape)) => Ok(shape),
        })
    });
    match outcome {
        Ok(read) => read,
        // No second thread to be had: this one does both.
        Err(deserializer) => read_document(deserializer, mode, builder, at, behind),
    }
}

/// A document that failed: a template or a text without a kind is skipped rather than an error.
fn skip_failed(text: &str) -> Option<Skip> {
    if text.contains("{{") && text.contains("}}") {
        return Some(Skip::Template);
    }
    // Conservative: any mention of a kind makes it a manifest whose error is reported.
    (!text.contains("kind")).then_some(Skip::NotManifest)
}

impl Loader {
    /// A JSON text: one value, or (rarely) several in a row.
    fn add_json(&mut self, input: &mut Input<'_>) -> Result<(), SourceError> {
        let text = input.text;
        let file = input.file;
        let mut values = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
        let mut first = true;
        for document in 1.. {
            // The first value is read in place (no extra scan); only a stream of several values
            // needs each one's extent first.
            let (raw, offset) = if first {
                first = false;
                let start = text.len() - text.trim_start().len();
                (&text[start..], start)
            } else {
                let rest_at = values.byte_offset();
                match values.next() {
                    None => return Ok(()),
                    Some(Ok(raw)) => {
                        let raw = raw.get();
                        (raw, raw.as_ptr() as usize - text.as_ptr() as usize)
                    }
                    Some(Err(e)) => {
                        return Err(json_error(&e, file, document, text[rest_at..].trim_start(), (0, 0)));
                    }
                }
            };
            if raw.is_empty() {
                return Ok(());
            }
            input.documents = document;
            let line_start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
            let line = 1 + newlines(&text.as_bytes()[..offset]);
            let at = Location::document(file, document, line);
            let needs_probe = Cell::new(false);
            let mut deserializer = serde_json::Deserializer::from_str(raw);
            let mut outcome =
                read_json(&mut deserializer, raw, Mode::Json(&needs_probe), &mut self.builder, &at, input.behind);
            if matches!(outcome, Err(Failure::Parse(_))) && needs_probe.get() {
                let probe = Probe::deserialize(&mut serde_json::Deserializer::from_str(raw))
                    .map_err(|e| json_error(&e, file, document, raw, (line - 1, offset - line_start)))?;
                deserializer = serde_json::Deserializer::from_str(raw);
                outcome = read_json(&mut deserializer, raw, Mode::Probed(&probe), &mut self.builder, &at, input.behind);
            }
            match outcome {
                Ok(Shape::NotObject(why)) => input.skipped.push((document, Skip::NotObject(why))),
                Ok(_) => {}
                Err(failure) => {
                    if document == 1 && matches!(&failure, Failure::Parse(e) if e.is_syntax()) {
                        input.json_syntax_first = true;
                    }
                    if let Some(skip) = skip_failed(raw) {
                        input.skipped.push((document, skip));
                    } else {
                        return Err(match failure {
                            Failure::Rejected(e) => e,
                            Failure::Parse(e) => json_error(&e, file, document, raw, (line - 1, offset - line_start)),
                        });
                    }
                }
            }
            if document == 1 {
                if deserializer.end().is_ok() {
                    return Ok(());
                }
                // More values follow: find where each one starts (an extra scan), then read the rest.
                values.next();
                if text[values.byte_offset()..]
                    .trim_start()
                    .split('\n')
                    .next()
                    .is_some_and(|line| is_marker(line, "---"))
                {
                    // JSON documents separated by YAML's document markers: a YAML stream.
                    input.yaml_stream = true;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// A YAML stream, document by document: in one pass when every object names its kind first, as
    /// is usual; otherwise probed for its kinds, then read again.
    fn add_yaml(&mut self, input: &mut Input<'_>) -> Result<(), SourceError> {
        let file = input.file;
        for document in yaml_documents(input.text) {
            input.documents = document.index;
            let at = Location::document(file, document.index, document.line);
            let needs_probe = Cell::new(false);
            let mut outcome =
                read_yaml(document.text, Mode::InOrder(&needs_probe), &mut self.builder, &at, input.behind);
            let mut probe = None;
            if matches!(outcome, Err(Failure::Parse(_))) && needs_probe.get() {
                match serde_saphyr::from_str_with_options::<Option<Probe>>(document.text, yaml::options()) {
                    Ok(Some(found)) => {
                        probe = Some(found);
                        let probe = probe.as_ref().expect("just set");
                        outcome = read_yaml(document.text, Mode::Probed(probe), &mut self.builder, &at, input.behind);
                    }
                    Ok(None) => outcome = Ok(Shape::Empty),
                    Err(e) => outcome = Err(Failure::Parse(e)),
                }
            }
            match outcome {
                Ok(Shape::NotObject(why)) => input.skipped.push((document.index, Skip::NotObject(why))),
                Ok(_) => input.behind.reached(Some(document.text.as_ptr() as usize)),
                Err(failure) => {
                    if let Some(skip) = skip_failed(document.text) {
                        input.skipped.push((document.index, skip));
                        continue;
                    }
                    return Err(match failure {
                        Failure::Rejected(e) => e,
                        Failure::Parse(e) => {
                            let mode = match &probe {
                                Some(probe) => Some(Mode::Probed(probe)),
                                None if needs_probe.get() => None,
                                None => Some(Mode::InOrder(&needs_probe)),
                            };
                            yaml_error(&e, &document, file, mode)
                        }
                    });
                }
            }
        }
        Ok(())
    }
}

/// Reads a YAML document: first straight from the parser's events (`yaml_events`), which reads
/// the usual manifest in a third of the time; a document it refuses is read again with
/// serde-saphyr, from the start, with the notes of the first try taken back.
fn read_yaml(
    text: &str,
    mode: Mode<'_>,
    builder: &mut SnapshotBuilder,
    at: &Location,
    behind: &Behind<'_>,
) -> Result<Shape, Failure<serde_saphyr::Error>> {
    if let Mode::InOrder(needs_probe) = mode {
        let checkpoint = builder.checkpoint();
        match yaml_events::read_document(text, |events| match read_document(events, mode, builder, at, behind) {
            Ok(shape) => Ok(Ok(shape)),
            Err(Failure::Rejected(e)) => Ok(Err(e)),
            Err(Failure::Parse(refused)) => Err(refused),
        }) {
            Ok(Ok(shape)) => return Ok(shape),
            Ok(Err(rejected)) => return Err(Failure::Rejected(rejected)),
            Err(_) => {
                builder.rewind(checkpoint);
                needs_probe.set(false);
            }
        }
    }
    let mut rejected = None;
    let mut shape = Shape::Empty;
    let parsed =
        serde_saphyr::with_deserializer_from_str_with_options(text, yaml::options(), |de| {
            match read_document(de, mode, builder, at, behind) {
                Ok(read) => {
                    shape = read;
                    Ok(())
                }
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
        (None, Ok(())) => Ok(shape),
    }
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
    let raw = super::wire::without_position(error);
    let message = if raw.contains("recursion limit") {
        "nested deeper than 128 levels of maps and lists inside a field kubectl deny reads: a manifest that deep \
         was generated wrongly"
            .to_string()
    } else {
        super::plain_message(&raw)
    };
    SourceError::Parse(Box::new(ParseError {
        file: file.to_string(),
        document: Some(document),
        line: Some(line).filter(|&l| l > 0),
        column: Some(column).filter(|&c| c > 0),
        field: json_field(text),
        message,
    }))
}

/// Where in the document a JSON error happened, found by reading it again with the path tracked:
/// free when nothing fails.
fn json_field(document: &str) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_str(document);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(&mut deserializer, &mut track);
    let needs_probe = Cell::new(false);
    let _ = DocumentSeed::json(&needs_probe, &mut |_, _| Ok(())).deserialize(tracked);
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

/// `mode` is how the failed read went; `None` for the probe itself.
fn yaml_error(
    error: &serde_saphyr::Error,
    document: &YamlDocument<'_>,
    file: &Arc<str>,
    mode: Option<Mode<'_>>,
) -> SourceError {
    let location = error.location();
    let position = location
        .as_ref()
        .and_then(|at| Some((usize::try_from(at.line()).ok()?, usize::try_from(at.column()).ok()?)))
        .filter(|&(line, column)| line > 0 && column > 0);
    let scalar = position.and_then(|(line, column)| yaml::scalar_at(document.text, line, column));
    let message = match yaml::message(error, scalar) {
        Some(message) => message,
        None => {
            let mut message = yaml::original(error).to_string();
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
            if message.contains('\t') || message.to_ascii_lowercase().contains("tab") {
                message.push_str(
                    "; YAML indents with spaces only: replace the tab with spaces (kubectl's decoder reads a tab only \
                     between the items of a [...] or {...})",
                );
            }
            super::plain_message(&message)
        }
    };
    let line = position.map(|(line, _)| document.line + line - 1);
    SourceError::Parse(Box::new(ParseError {
        file: file.to_string(),
        document: Some(document.index),
        line: line.or(Some(document.line)),
        column: position.map(|(_, column)| column),
        field: yaml_field(document.text, mode),
        message,
    }))
}

/// Where in the document a YAML error happened, by reading it again the same way with the path
/// tracked.
fn yaml_field(text: &str, mode: Option<Mode<'_>>) -> Option<String> {
    let mut track = serde_path_to_error::Track::new();
    let _ = serde_saphyr::with_deserializer_from_str_with_options(text, yaml::options(), |de| {
        let de = serde_path_to_error::Deserializer::new(de, &mut track);
        match mode {
            Some(mode) => mode.seed(&mut |_, _| Ok(())).deserialize(de).map(drop),
            None => Option::<Probe>::deserialize(de).map(drop),
        }
    });
    field_of(&track.path())
}

/// A line that starts with `marker` followed by nothing or a space.
fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker).is_some_and(|rest| rest.chars().next().is_none_or(char::is_whitespace))
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
    fn duplicate_keys_are_reported_plainly_in_yaml_and_json_alike() {
        let e = load_error("kind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n");
        assert!(e.contains("metadata is given twice in one object"), "{e}");
        assert!(!e.contains("DuplicateKeyPolicy"), "{e}");
        let e = load_error(r#"{"kind": "Pod", "metadata": {"name": "a"}, "metadata": {"name": "b"}}"#);
        assert!(e.contains("metadata is given twice in one object"), "{e}");
    }

    #[test]
    fn documents_that_are_not_objects_are_skipped_with_a_note() {
        let notes = |text: &str| -> Vec<String> {
            read_str(text, "dir/test.yaml", "default").unwrap().notices.iter().map(ToString::to_string).collect()
        };
        assert_eq!(
            notes("apiVersion: v1\nmetadata: {name: a}\n"),
            ["note: skipped dir/test.yaml: not a Kubernetes object (no kind)"]
        );
        assert_eq!(notes("[1, 2]\n"), ["note: skipped dir/test.yaml: a list, not a Kubernetes object"]);
        assert_eq!(
            notes("kind: Pod\nmetadata: {name: a}\n---\n- x\n"),
            ["note: skipped dir/test.yaml document 2: a list, not a Kubernetes object"]
        );
        let templated = "kind: Pod\nmetadata:\n  name: {{ .Values.name }}\n";
        assert!(notes(templated)[0].contains("a template ({{ }}), not a manifest"));
        let e = load_error("kind: Pod\nmetadata: {name: [a]}\n");
        assert!(e.contains("metadata.name"), "a Kubernetes object that is malformed stays an error: {e}");
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

    /// A JSON List of `pods` pods, the `n`th with an annotation whose "€" (3 bytes) starts one
    /// byte before the first UTF-8 step's end, so that the step cuts it.
    fn large_list(pods: usize, cut_at: usize) -> String {
        let mut text = String::from("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n");
        for i in 0..pods {
            if i > 0 {
                text.push_str(",\n");
            }
            let head = format!(
                "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"p{i}\", \"namespace\": \"ns\", \
                 \"labels\": {{\"app\": \"web\", \"n\": \"{}\"}}, \"annotations\": {{\"note\": \"",
                i % 1000
            );
            text.push_str(&head);
            if text.len() < cut_at && text.len() + 400 > cut_at {
                text.push_str(&" ".repeat(cut_at - 1 - text.len()));
            }
            text.push_str("€\"}}, \"status\": {\"podIP\": \"10.0.0.1\"}}");
        }
        text.push_str("\n]}\n");
        text
    }

    #[test]
    fn a_large_file_is_mapped_and_reads_as_its_text_does() {
        let dir = TempDir::new("mapped");
        let path = dir.0.join("large.json");
        let text = large_list(9_000, Behind::STEP);
        assert!(text.len() as u64 > Mapped::FROM && text.len() > Behind::STEP + 2 * Behind::KEEP, "{}", text.len());
        assert_eq!(&text.as_bytes()[Behind::STEP - 1..Behind::STEP + 2], "€".as_bytes(), "the step cuts the €");
        fs::write(&path, &text).unwrap();
        let map = Mapped::open(&path).expect("a file this large is mapped");
        let behind = Behind::of(&map);
        behind.reached(Some(map.map.as_ptr() as usize + Behind::STEP + Behind::KEEP - 1));
        assert_eq!(behind.released.load(Ordering::Relaxed), 0, "less than a step behind");
        behind.reached(Some(map.map.as_ptr() as usize + Behind::STEP + 2 * Behind::KEEP));
        assert_eq!(behind.released.load(Ordering::Relaxed), Behind::STEP + Behind::KEEP);
        assert!(map.map[..] == *text.as_bytes(), "pages given back read the same again");
        let mapped = load(std::slice::from_ref(&path), "default", &mut std::io::empty()).unwrap();
        let read = load_str(&text, "large.json", "default").unwrap();
        assert_eq!(mapped.pods.len(), 9_000);
        assert_eq!(mapped.pods, read.pods);
    }

    /// One thread or two: the same objects, warnings and error, whatever goes wrong where.
    #[test]
    fn two_threads_read_a_document_as_one_does() {
        let valid = large_list(7_000, 0);
        assert!(valid.len() >= TWO_THREADS_FROM);
        let after = |text: &str, marker: &str, from: &str, to: &str| {
            let at = text.find(marker).expect("marker") + marker.len();
            format!("{}{}", &text[..at], text[at..].replacen(from, to, 1))
        };
        let invalid = after(&valid, "\"p4000\"", "10.0.0.1", "10.0.0.x");
        let typos =
            after(&after(&valid, "\"p10\"", "\"status\"", "\"statuz\""), "\"p6990\"", "\"labels\"", "\"lables\"");
        let cases = [
            ("valid", valid.clone()),
            ("unknown fields, early and late", typos),
            ("an invalid pod in the middle", invalid.clone()),
            ("an invalid pod, then a syntax error", invalid[..invalid.len() - 40].to_string()),
            ("a syntax error", valid[..valid.len() - 40].to_string()),
        ];
        for (case, text) in cases {
            let read = |two: bool| {
                let mut builder = SnapshotBuilder::new("default");
                let file: Arc<str> = "large.json".into();
                let at = Location::document(&file, 1, 1);
                let needs_probe = Cell::new(false);
                let mut deserializer = serde_json::Deserializer::from_str(&text);
                let (mode, behind) = (Mode::Json(&needs_probe), Behind::none());
                let outcome = match two {
                    true => read_document_in_two(&mut deserializer, mode, &mut builder, &at, &behind),
                    false => read_document(&mut deserializer, mode, &mut builder, &at, &behind),
                };
                let outcome = match outcome {
                    Ok(shape) => format!("{shape:?}"),
                    Err(Failure::Rejected(e)) => format!("rejected: {e}"),
                    Err(Failure::Parse(e)) => format!("parse error: {e}"),
                };
                let warnings: Vec<String> = builder.take_warnings().iter().map(ToString::to_string).collect();
                (outcome, warnings, builder.finish().pods)
            };
            let (one, two) = (read(false), read(true));
            assert_eq!(one, two, "{case}");
            let expected = match case {
                "valid" | "unknown fields, early and late" => "Object",
                "a syntax error" => "parse error",
                _ => "rejected",
            };
            assert!(one.0.starts_with(expected), "{case}: {}", one.0);
            assert_eq!(one.1.len(), if case.starts_with("unknown") { 2 } else { 0 }, "{case}: {:?}", one.1);
        }
    }

    /// The converting thread has the reader's stack: a Calico selector nested 20,000 deep in a
    /// large document reads as it does in a small one (it overflowed a default thread's stack).
    #[test]
    fn the_converting_thread_reads_what_deep_nesting_the_reader_reads() {
        let depth = 20_000;
        let selector = format!("{}all(){}", "(".repeat(depth), ")".repeat(depth));
        let deep = format!(
            "{{\"apiVersion\": \"projectcalico.org/v3\", \"kind\": \"GlobalNetworkPolicy\", \"metadata\": {{\"name\": \
             \"deep\"}}, \"spec\": {{\"selector\": \"{selector}\", \"types\": [\"Ingress\"]}}}},\n"
        );
        let text = large_list(7_000, 0).replacen("\"items\": [\n", &format!("\"items\": [\n{deep}"), 1);
        assert!(text.len() >= TWO_THREADS_FROM);
        let snapshot = load_str(&text, "deep.json", "default").unwrap();
        assert_eq!((snapshot.calico.policies.len(), snapshot.pods.len()), (1, 7_000));
    }

    #[test]
    fn a_mapped_file_that_is_not_utf8_is_the_same_error() {
        let dir = TempDir::new("mapped-latin1");
        let path = dir.0.join("large.json");
        let mut bytes = large_list(9_000, Behind::STEP).into_bytes();
        let at = bytes.len() - 100;
        bytes[at] = 0xe9;
        let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
        fs::write(&path, &bytes).unwrap();
        assert!(Mapped::open(&path).is_some());
        let e = load(std::slice::from_ref(&path), "default", &mut std::io::empty()).unwrap_err().to_string();
        let expected =
            format!("large.json: line {line}: is not UTF-8 text (byte 0xe9 at offset {at}); save the file as UTF-8");
        assert!(e.ends_with(&expected), "{e}");
        assert!(Mapped::open(&dir.0).is_none(), "a directory is not mapped");
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
    fn yaml_plain_scalars_are_typed_as_kubectl_types_them() {
        let s = load_text(
            "kind: Pod\nmetadata:\n  name: p\n  labels: {version: '1.0', canary: \"true\", build: v0042}\nspec:\n  hostNetwork: on\n  containers:\n  - ports:\n    - containerPort: 8080\n",
        );
        let labels = &s.pods[0].labels;
        assert_eq!(
            (labels["version"].as_str(), labels["canary"].as_str(), labels["build"].as_str()),
            ("1.0", "true", "v0042")
        );
        assert!(s.pods[0].host_network, "an unquoted on is a boolean to kubectl");
        for (value, reads) in [("1.0", "the number 1"), ("true", "the boolean true"), ("0042", "the number 34 (octal)")]
        {
            let e = load_error(&format!("kind: Pod\nmetadata:\n  name: p\n  labels: {{v: {value}}}\n"));
            assert!(e.contains(&format!("metadata.labels.v: kubectl reads the unquoted {value} as {reads}")), "{e}");
        }
    }

    #[test]
    fn yaml_anchors_and_aliases_are_expanded() {
        let s = load_text(
            "kind: List\nitems:\n- kind: Pod\n  metadata: &meta\n    name: a\n    labels: {app: web}\n- kind: Service\n  metadata: *meta\n",
        );
        assert_eq!(s.services[0].name, "a");
    }
}
