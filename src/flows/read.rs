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

use super::{Labels, Parsed, RawEnd, Record, Seen, Skip};
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
        match record.seen {
            Seen::Forwarded => self.forwarded += n,
            Seen::Dropped { by_policy: true } => self.dropped_by_policy += n,
            Seen::Dropped { by_policy: false } => self.dropped_otherwise += n,
            Seen::Unknown => self.unknown += n,
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

/// Everything read, aggregated per (source, destination, port, protocol) of endpoints as named.
#[derive(Debug, Default)]
pub struct Observed {
    pub ends: Vec<End>,
    pub flows: HashMap<(u32, u32, u16, Protocol), Stats>,
    pub records: u64,
    pub skipped: BTreeMap<Skip, u64>,
    pub bad: Vec<BadRecord>,
    pub bad_count: u64,
    pub inputs: Vec<InputSummary>,
    interner: Interner,
}

#[derive(Debug, Default)]
struct Interner {
    named: HashMap<Box<str>, HashMap<Box<str>, u32>>,
    addresses: HashMap<IpAddr, u32>,
    reserved: HashMap<Box<str>, u32>,
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
        "no flow could be read from {inputs}: {bad} bad record(s){first}; give Hubble JSON (hubble observe -o \
         jsonpb), Calico flow logs (JSON lines) or CSV lines from,to,port,protocol[,count]"
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
        let mut reader = BufReader::with_capacity(1 << 20, raw);
        let gzip = reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        if gzip {
            let decoder = flate2::bufread::MultiGzDecoder::new(reader);
            observed.read_lines(BufReader::with_capacity(1 << 20, decoder), &name, true, default_namespace)?;
        } else {
            observed.read_lines(reader, &name, false, default_namespace)?;
        }
    }
    let names = || inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    if observed.flows.is_empty() {
        if observed.bad_count > 0 {
            let first = observed
                .bad
                .first()
                .map(|b| format!(" (the first, {} line {}: {})", b.input, b.line, b.message))
                .unwrap_or_default();
            return Err(ReadError::NothingRead { inputs: names(), bad: observed.bad_count, first });
        }
        let skipped: Vec<String> = observed.skipped.iter().map(|(s, n)| format!("{n} {}", s.describe())).collect();
        let skipped = if skipped.is_empty() { String::new() } else { format!(" (skipped: {})", skipped.join(", ")) };
        return Err(ReadError::Empty { inputs: names(), skipped });
    }
    Ok(observed)
}

/// Reads flows from text already in memory (tests, benchmarks).
pub fn read_str(text: &str, default_namespace: &str) -> Result<Observed, ReadError> {
    let mut bytes = text.as_bytes();
    read(&[PathBuf::from("-")], default_namespace, &mut bytes)
}

impl Observed {
    fn read_lines(
        &mut self,
        mut reader: impl BufRead,
        input: &str,
        gzip: bool,
        default_namespace: &str,
    ) -> Result<(), ReadError> {
        let mut buf: Vec<u8> = Vec::with_capacity(4096);
        let mut summary = InputSummary { input: input.to_string(), format: None, gzip, lines: 0, records: 0, bad: 0 };
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|source| ReadError::Io { input: input.to_string(), source })?;
            if n == 0 {
                break;
            }
            summary.lines += 1;
            let line_number = summary.lines;
            let line = match std::str::from_utf8(&buf) {
                Ok(text) => text.trim(),
                Err(_) => {
                    self.bad(input, line_number, "not UTF-8 text".into(), &mut summary);
                    continue;
                }
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let format = match summary.format {
                Some(f) => f,
                None => {
                    let f = if line.starts_with('{') {
                        if super::calico::looks_like(line) { Format::Calico } else { Format::Hubble }
                    } else {
                        Format::Csv
                    };
                    summary.format = Some(f);
                    if f == Format::Csv && super::csv::is_header(line) {
                        continue;
                    }
                    f
                }
            };
            let parsed = match format {
                Format::Hubble => super::hubble::parse(line),
                Format::Calico => super::calico::parse(line),
                Format::Csv => super::csv::parse(line, default_namespace),
            };
            match parsed {
                Ok(Parsed::Record(record)) => {
                    summary.records += 1;
                    self.add(&record, format);
                }
                Ok(Parsed::Skipped(why)) => *self.skipped.entry(why).or_default() += 1,
                Err(message) => {
                    let message = match format {
                        Format::Csv => message,
                        _ => format!("{} record: {message}", format.as_str()),
                    };
                    self.bad(input, line_number, message, &mut summary);
                }
            }
        }
        self.inputs.push(summary);
        Ok(())
    }

    fn bad(&mut self, input: &str, line: u64, message: String, summary: &mut InputSummary) {
        self.bad_count += 1;
        summary.bad += 1;
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
