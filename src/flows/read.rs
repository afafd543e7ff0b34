//! Reading flow files: each input (a file, or `-` for stdin; gzip recognised by its magic bytes)
//! is read line by line into one reused buffer, its format told by its first line, and every
//! record folded at once into per-endpoint-pair totals. Endpoints are interned on first sight
//! (their labels and workloads decoded only then), so memory grows with the distinct endpoints
//! and flows, never with the number of records. Bad records are counted and the first few kept
//! with their line; reading fails only when nothing could be read.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Labels, ObservedAt, Parsed, RawEnd, Record, Seen, Skip};
use crate::engine::{self, Protocol};

/// How many bad records are kept with their line; the rest are only counted.
pub const BAD_KEPT: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Hubble,
    Calico,
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Hubble => "Hubble",
            Format::Calico => "Calico",
            Format::Csv => "CSV",
        }
    }

    /// What each line of the format must be, for the message that asks to fix a bad one.
    pub fn line_shape(self) -> &'static str {
        match self {
            Format::Hubble => "a Hubble line is one flow as hubble observe -o json or -o jsonpb prints it",
            Format::Calico => {
                "a Calico line is one flow log record in JSON (dest_port, proto, action, reporter, source_* and dest_*)"
            }
            Format::Csv => "a CSV line is from,to,port,protocol[,count], endpoints as why takes them",
        }
    }
}

/// How to mend the bad lines of these inputs: fix or remove them, each format's line shape.
pub fn fix_hint(inputs: &[InputSummary]) -> String {
    let mut shapes: Vec<&str> = Vec::new();
    for format in inputs.iter().filter(|i| i.bad > 0).filter_map(|i| i.format) {
        if !shapes.contains(&format.line_shape()) {
            shapes.push(format.line_shape());
        }
    }
    if shapes.is_empty() {
        "fix or remove those lines".to_string()
    } else {
        format!("fix or remove those lines ({})", shapes.join("; "))
    }
}

/// An endpoint as the records name it, first seen.
#[derive(Debug, Clone)]
pub struct End {
    /// Empty for an address.
    pub namespace: String,
    /// A pod name, a Calico aggregated name's prefix (`aggregated`), a workload (`deploy/web`,
    /// CSV), or empty for an address.
    pub name: String,
    pub aggregated: bool,
    /// The first address seen for it.
    pub ip: Option<IpAddr>,
    pub labels: Option<engine::Labels>,
    /// Hubble `reserved:` labels (`world`, `host`, `kube-apiserver`), Calico's `pub`/`pvt`.
    pub reserved: Vec<String>,
    /// Hubble's `workloads` (kind, name).
    pub workloads: Vec<(String, String)>,
}

/// Totals of the records of one flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Flows the records stand for (a Calico record or a CSV line may stand for several).
    pub count: u64,
    pub forwarded: u64,
    pub dropped_by_policy: u64,
    pub dropped_otherwise: u64,
    pub unknown: u64,
    /// Of `forwarded`: observed at the source's egress only, which proves the egress allows the
    /// flow and says nothing of the destination's ingress.
    #[serde(skip)]
    pub forwarded_at_egress: u64,
    /// Of `dropped_by_policy`: observed at the source's egress (its egress policies dropped it)
    /// and at the destination's ingress; the rest does not say where.
    #[serde(skip)]
    pub dropped_at_egress: u64,
    #[serde(skip)]
    pub dropped_at_ingress: u64,
    /// Unix seconds.
    #[serde(skip)]
    pub first: Option<i64>,
    #[serde(skip)]
    pub last: Option<i64>,
}

impl Stats {
    fn add(&mut self, record: &Record) {
        let n = record.count;
        self.count += n;
        match (record.seen, record.at) {
            (Seen::Forwarded, Some(ObservedAt::Egress)) => {
                self.forwarded += n;
                self.forwarded_at_egress += n;
            }
            (Seen::Forwarded, _) => self.forwarded += n,
            (Seen::Dropped { by_policy: true }, at) => {
                self.dropped_by_policy += n;
                match at {
                    Some(ObservedAt::Egress) => self.dropped_at_egress += n,
                    Some(ObservedAt::Ingress) => self.dropped_at_ingress += n,
                    None => {}
                }
            }
            (Seen::Dropped { by_policy: false }, _) => self.dropped_otherwise += n,
            (Seen::Unknown, _) => self.unknown += n,
        }
        if let Some(t) = record.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }

    pub fn merge(&mut self, other: &Stats) {
        self.count += other.count;
        self.forwarded += other.forwarded;
        self.dropped_by_policy += other.dropped_by_policy;
        self.dropped_otherwise += other.dropped_otherwise;
        self.unknown += other.unknown;
        self.forwarded_at_egress += other.forwarded_at_egress;
        self.dropped_at_egress += other.dropped_at_egress;
        self.dropped_at_ingress += other.dropped_at_ingress;
        for t in [other.first, other.last].into_iter().flatten() {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

/// A line that could not be read as a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRecord {
    pub input: String,
    pub line: u64,
    pub message: String,
}

/// What one input held.
#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    pub input: String,
    pub format: Option<Format>,
    pub gzip: bool,
    pub lines: u64,
    pub records: u64,
    pub bad: u64,
}

/// A fast hasher for the aggregation's small keys (ids, names, addresses): the multiply-rotate
/// hash rustc uses for its own tables. Not for untrusted keys an attacker could choose to
/// collide, which flow files are not (a collision costs time, never correctness).
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

pub type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// Everything read, aggregated per (source, destination, port, protocol) of endpoints as named.
#[derive(Debug, Default)]
pub struct Observed {
    pub ends: Vec<End>,
    pub flows: FastMap<(u32, u32, u16, Protocol), Stats>,
    pub records: u64,
    pub skipped: BTreeMap<Skip, u64>,
    pub bad: Vec<BadRecord>,
    pub bad_count: u64,
    pub inputs: Vec<InputSummary>,
    interner: Interner,
}

#[derive(Debug, Default)]
struct Interner {
    named: FastMap<Box<str>, FastMap<Box<str>, u32>>,
    addresses: FastMap<IpAddr, u32>,
    reserved: FastMap<Box<str>, u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read flows from {input}: {source}")]
    Io {
        input: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot read flows from {input}: its gzip stream is cut short or corrupt ({source}); nothing was replayed. \
         Check it with gzip -t, and export it again (a file still being written ends early)"
    )]
    Gzip {
        input: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no flow could be read from {inputs}: {bad} bad record(s){first}; flows are read from Hubble JSON (hubble \
         observe -o jsonpb), Calico flow logs (JSON lines) or CSV lines from,to,port,protocol[,count]"
    )]
    NothingRead { inputs: String, bad: u64, first: String },
    #[error(
        "{inputs} held no flow to replay{skipped}; give Hubble JSON (hubble observe -o jsonpb), Calico flow logs \
         (JSON lines) or CSV lines from,to,port,protocol[,count]"
    )]
    Empty { inputs: String, skipped: String },
}

/// Reads every input (`-` is `stdin`) into one aggregate; CSV names without a namespace are in
/// `default_namespace`.
pub fn read(inputs: &[PathBuf], default_namespace: &str, stdin: &mut dyn Read) -> Result<Observed, ReadError> {
    let mut observed = Observed::default();
    let mut stdin = Some(stdin);
    for path in inputs {
        let name = if path.as_os_str() == "-" { "stdin".to_string() } else { path.display().to_string() };
        let io = |source| ReadError::Io { input: name.clone(), source };
        let raw: Box<dyn Read + '_> = if path.as_os_str() == "-" {
            match stdin.take() {
                Some(s) => Box::new(s),
                None => {
                    return Err(io(std::io::Error::other("stdin (-) may be given only once")));
                }
            }
        } else {
            Box::new(File::open(path).map_err(io)?)
        };
        let mut reader = BufReader::with_capacity(1 << 16, raw);
        let gzip = reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        if gzip {
            let decoder = flate2::bufread::MultiGzDecoder::new(reader);
            observed.read_lines(decoder, &name, true, default_namespace).map_err(|e| match e {
                ReadError::Io { input, source } => ReadError::Gzip { input, source },
                other => other,
            })?;
        } else {
            observed.read_lines(reader, &name, false, default_namespace)?;
        }
    }
    let names = || inputs.iter().map(|p| display(p)).collect::<Vec<_>>().join(", ");
    if observed.flows.is_empty() {
        if observed.bad_count > 0 {
            let first = observed
                .bad
                .first()
                .map(|b| format!(" (the first, {} line {}: {})", b.input, b.line, b.message))
                .unwrap_or_default();
            let first = format!("{first}; {}", fix_hint(&observed.inputs));
            return Err(ReadError::NothingRead { inputs: names(), bad: observed.bad_count, first });
        }
        let skipped: Vec<String> = observed.skipped.iter().map(|(s, n)| format!("{n} {}", s.describe())).collect();
        let skipped = if skipped.is_empty() { String::new() } else { format!(" (skipped: {})", skipped.join(", ")) };
        return Err(ReadError::Empty { inputs: names(), skipped });
    }
    Ok(observed)
}

impl Observed {
    /// The bad records as one warning, for outputs with no room for them (YAML, `diff`, `init`):
    /// how many, the first ones with their input and line, and how to mend them. `None` when
    /// every record was read.
    pub fn bad_warning(&self) -> Option<String> {
        if self.bad_count == 0 {
            return None;
        }
        let mut text =
            format!("{} bad flow record(s) skipped, not replayed; {}:", self.bad_count, fix_hint(&self.inputs));
        for b in &self.bad {
            text.push_str(&format!("\n  {} line {}: {}", b.input, b.line, b.message));
        }
        if self.bad_count > self.bad.len() as u64 {
            text.push_str(&format!("\n  ... and {} more", self.bad_count - self.bad.len() as u64));
        }
        Some(text)
    }
}

/// Reads flows from text already in memory (tests, benchmarks).
pub fn read_str(text: &str, default_namespace: &str) -> Result<Observed, ReadError> {
    let mut bytes = text.as_bytes();
    read(&[PathBuf::from("-")], default_namespace, &mut bytes)
}

/// Bytes handed to a worker at once, cut at a line end.
pub const BLOCK_BYTES: usize = 4 << 20;

/// What one worker made of its blocks: the same aggregate, merged into the input's at the end.
#[derive(Default)]
struct Part {
    observed: Observed,
    lines: u64,
    records: u64,
    bad: u64,
    /// The blocks parsed: (index, lines).
    blocks: Vec<(usize, u64)>,
    /// The block of each bad record kept, whose line is counted from that block's start.
    bad_blocks: Vec<usize>,
}

impl Observed {
    /// Reads one input in blocks of whole lines, parsed by as many workers as there are cores
    /// (each with its own aggregate, merged at the end): records are independent, so the order
    /// of parsing changes nothing but the order endpoints were first seen in.
    fn read_lines(
        &mut self,
        mut reader: impl Read,
        input: &str,
        gzip: bool,
        default_namespace: &str,
    ) -> Result<(), ReadError> {
        let io = |source| ReadError::Io { input: input.to_string(), source };
        let mut summary = InputSummary { input: input.to_string(), format: None, gzip, lines: 0, records: 0, bad: 0 };
        // The first block decides the format, from its first line that is not blank or a comment.
        let mut carry: Vec<u8> = Vec::new();
        let Some(first) = next_block(&mut reader, &mut carry).map_err(io)? else {
            self.inputs.push(summary);
            return Ok(());
        };
        let format = first
            .split(|b| *b == b'\n')
            .filter_map(|l| std::str::from_utf8(l).ok())
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|line| {
                if line.starts_with('{') {
                    if super::calico::looks_like(line) { Format::Calico } else { Format::Hubble }
                } else {
                    Format::Csv
                }
            });
        summary.format = format;
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let parts: Vec<Part> = if workers == 1 || first.len() < BLOCK_BYTES {
            // Small inputs (and single cores): parsed here.
            let mut part = Part::default();
            let mut index = 0;
            let mut block = Some(first);
            while let Some(b) = block {
                part.parse(&b, index, format, input, default_namespace);
                index += 1;
                block = next_block(&mut reader, &mut carry).map_err(io)?;
            }
            vec![part]
        } else {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(workers * 2);
            let rx = std::sync::Mutex::new(rx);
            std::thread::scope(|scope| -> Result<Vec<Part>, ReadError> {
                let handles: Vec<_> = (0..workers)
                    .map(|_| {
                        let rx = &rx;
                        scope.spawn(move || {
                            let mut part = Part::default();
                            loop {
                                let job = match rx.lock() {
                                    Ok(r) => r.recv(),
                                    Err(_) => break,
                                };
                                match job {
                                    Ok((block, index)) => {
                                        part.parse(&block, index, format, input, default_namespace);
                                    }
                                    Err(_) => break,
                                }
                            }
                            part
                        })
                    })
                    .collect();
                let mut index = 0;
                let mut block = Some(first);
                let mut failure = None;
                while let Some(b) = block {
                    if tx.send((b, index)).is_err() {
                        break;
                    }
                    index += 1;
                    match next_block(&mut reader, &mut carry) {
                        Ok(next) => block = next,
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
                drop(tx);
                let parts: Vec<Part> =
                    handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect();
                match failure {
                    Some(e) => Err(io(e)),
                    None => Ok(parts),
                }
            })?
        };
        // Line numbers: each block's lines after those of the blocks before it.
        let mut counts: Vec<u64> = Vec::new();
        for part in &parts {
            for &(index, lines) in &part.blocks {
                if counts.len() <= index {
                    counts.resize(index + 1, 0);
                }
                counts[index] = lines;
            }
        }
        let offsets: Vec<u64> = counts
            .iter()
            .scan(0u64, |sum, n| {
                let before = *sum;
                *sum += n;
                Some(before)
            })
            .collect();
        for mut part in parts {
            for (bad, index) in part.observed.bad.iter_mut().zip(&part.bad_blocks) {
                bad.line += offsets[*index];
            }
            part.observed.bad.truncate(part.bad_blocks.len());
            summary.lines += part.lines;
            summary.records += part.records;
            summary.bad += part.bad;
            self.merge(part.observed);
        }
        self.bad.sort_by(|a, b| (&a.input, a.line).cmp(&(&b.input, b.line)));
        self.bad.truncate(BAD_KEPT);
        self.inputs.push(summary);
        Ok(())
    }

    /// Adds another aggregate's endpoints and flows to this one.
    fn merge(&mut self, other: Observed) {
        let ids: Vec<u32> = other.ends.iter().map(|end| self.intern_end(end)).collect();
        for ((from, to, port, protocol), stats) in other.flows {
            self.flows.entry((ids[from as usize], ids[to as usize], port, protocol)).or_default().merge(&stats);
        }
        self.records += other.records;
        for (skip, n) in other.skipped {
            *self.skipped.entry(skip).or_default() += n;
        }
        self.bad_count += other.bad_count;
        self.bad.extend(other.bad);
    }

    /// The id of an endpoint already decoded (by another worker).
    fn intern_end(&mut self, end: &End) -> u32 {
        let next = self.ends.len() as u32;
        let reserved = end.reserved.first().map_or("unknown", String::as_str);
        let found = if !end.name.is_empty() {
            self.interner.named.get(end.namespace.as_str()).and_then(|m| m.get(end.name.as_str())).copied()
        } else if let Some(ip) = end.ip {
            self.interner.addresses.get(&ip).copied()
        } else {
            self.interner.reserved.get(reserved).copied()
        };
        if let Some(id) = found {
            let known = &mut self.ends[id as usize];
            if known.labels.is_none() {
                known.labels.clone_from(&end.labels);
            }
            return id;
        }
        if !end.name.is_empty() {
            self.interner
                .named
                .entry(end.namespace.as_str().into())
                .or_default()
                .insert(end.name.as_str().into(), next);
        } else if let Some(ip) = end.ip {
            self.interner.addresses.insert(ip, next);
        } else {
            self.interner.reserved.insert(reserved.into(), next);
        }
        self.ends.push(end.clone());
        next
    }

    fn bad(&mut self, input: &str, line: u64, message: String) {
        self.bad_count += 1;
        if self.bad.len() < BAD_KEPT {
            self.bad.push(BadRecord { input: input.to_string(), line, message });
        }
    }

    fn add(&mut self, record: &Record, format: Format) {
        self.records += 1;
        let from = self.intern(&record.from, format);
        let to = self.intern(&record.to, format);
        self.flows.entry((from, to, record.port, record.protocol)).or_default().add(record);
    }

    fn intern(&mut self, raw: &RawEnd, format: Format) -> u32 {
        let next = self.ends.len() as u32;
        let (id, new) = if !raw.name.is_empty() {
            let names = match self.interner.named.get_mut(raw.namespace.as_ref()) {
                Some(m) => m,
                None => self.interner.named.entry(raw.namespace.as_ref().into()).or_default(),
            };
            match names.get(raw.name.as_ref()) {
                Some(id) => (*id, false),
                None => {
                    names.insert(raw.name.as_ref().into(), next);
                    (next, true)
                }
            }
        } else if let Some(ip) = raw.ip {
            match self.interner.addresses.get(&ip) {
                Some(id) => (*id, false),
                None => {
                    self.interner.addresses.insert(ip, next);
                    (next, true)
                }
            }
        } else {
            let key = raw.reserved.as_deref().unwrap_or("unknown");
            match self.interner.reserved.get(key) {
                Some(id) => (*id, false),
                None => {
                    self.interner.reserved.insert(key.into(), next);
                    (next, true)
                }
            }
        };
        if new {
            let mut end = End {
                namespace: raw.namespace.to_string(),
                name: raw.name.to_string(),
                aggregated: raw.aggregated,
                ip: raw.ip,
                labels: None,
                reserved: raw.reserved.iter().map(|r| r.to_string()).collect(),
                workloads: raw.workloads.map(super::hubble::workloads).unwrap_or_default(),
            };
            decode_labels(&mut end, raw.labels, format);
            self.ends.push(end);
        } else {
            let end = &mut self.ends[id as usize];
            if end.labels.is_none() && !matches!(raw.labels, Labels::None) {
                decode_labels(end, raw.labels, format);
            }
            if end.ip.is_none() && raw.ip.is_some() {
                end.ip = raw.ip;
            }
        }
        id
    }
}

impl Part {
    /// Parses the lines of block `index` (whole lines, the last one possibly without its
    /// newline); bad records are numbered from the block's start until `read_lines` knows the
    /// lines before it.
    fn parse(&mut self, block: &[u8], index: usize, format: Option<Format>, input: &str, default_namespace: &str) {
        let body = block.strip_suffix(b"\n").unwrap_or(block);
        let mut n = 0;
        match std::str::from_utf8(body) {
            // The usual case: one validation for the block, lines found with the str searcher.
            Ok(text) => {
                for line in text.split('\n') {
                    n += 1;
                    self.line(Ok(line), n, index, format, input, default_namespace);
                }
            }
            Err(_) => {
                for raw in body.split(|b| *b == b'\n') {
                    n += 1;
                    self.line(std::str::from_utf8(raw), n, index, format, input, default_namespace);
                }
            }
        }
        self.lines += n;
        self.blocks.push((index, n));
    }

    fn line(
        &mut self,
        text: Result<&str, std::str::Utf8Error>,
        n: u64,
        index: usize,
        format: Option<Format>,
        input: &str,
        default_namespace: &str,
    ) {
        let line = match text {
            Ok(text) => text.trim(),
            Err(_) => return self.bad(input, n, index, "not UTF-8 text".into()),
        };
        if line.is_empty() || line.starts_with('#') {
            return;
        }
        let Some(format) = format else { return };
        let parsed = match format {
            Format::Hubble => super::hubble::parse(line),
            Format::Calico => super::calico::parse(line),
            Format::Csv if super::csv::is_header(line) => return,
            Format::Csv => super::csv::parse(line, default_namespace),
        };
        match parsed {
            Ok(Parsed::Record(record)) => {
                self.records += 1;
                self.observed.add(&record, format);
            }
            Ok(Parsed::Skipped(why)) => *self.observed.skipped.entry(why).or_default() += 1,
            Err(message) => {
                let message = match format {
                    Format::Csv => message,
                    _ => format!("{} record: {message}", format.as_str()),
                };
                self.bad(input, n, index, message);
            }
        }
    }

    fn bad(&mut self, input: &str, line: u64, index: usize, message: String) {
        self.bad += 1;
        if self.observed.bad.len() < BAD_KEPT {
            self.bad_blocks.push(index);
        }
        self.observed.bad(input, line, message);
    }
}

/// The next block of whole lines (at least `BLOCK_BYTES` bytes unless the input ends first), `None` at
/// the end. `carry` holds the start of a line the previous block cut off.
fn next_block(reader: &mut impl Read, carry: &mut Vec<u8>) -> std::io::Result<Option<Vec<u8>>> {
    let mut block = std::mem::take(carry);
    block.reserve(BLOCK_BYTES + (64 << 10));
    loop {
        let want = (BLOCK_BYTES + (64 << 10)).saturating_sub(block.len()).max(64 << 10) as u64;
        let n = reader.by_ref().take(want).read_to_end(&mut block)?;
        if n == 0 {
            return Ok(if block.is_empty() { None } else { Some(block) });
        }
        if block.len() >= BLOCK_BYTES
            && let Some(cut) = block.iter().rposition(|b| *b == b'\n')
        {
            *carry = block.split_off(cut + 1);
            return Ok(Some(block));
        }
    }
}

fn decode_labels(end: &mut End, labels: Labels, format: Format) {
    let Labels::Json(raw) = labels else { return };
    match format {
        Format::Hubble => {
            if let Ok((labels, reserved)) = super::hubble::labels(raw) {
                end.labels = (!labels.is_empty()).then_some(labels);
                for r in reserved {
                    if !end.reserved.contains(&r) {
                        end.reserved.push(r);
                    }
                }
            }
        }
        Format::Calico => end.labels = super::calico::labels(raw).ok().filter(|l| !l.is_empty()),
        Format::Csv => {}
    }
}

/// The path of an input, for messages.
pub fn display(path: &Path) -> String {
    if path.as_os_str() == "-" { "stdin".to_string() } else { path.display().to_string() }
}
