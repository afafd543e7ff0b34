//! `yaml-scan [--parser granit|saphyr|serde] FILE`: the baselines `kubectl deny ... -f` is measured
//! against on YAML (issue 16). `granit` (the default) reads the file and pulls every event from
//! granit-parser, the event parser serde-saphyr runs on, building nothing: the least any reader
//! on that parser must do. `saphyr` does the same with saphyr-parser, for comparison. `serde` deserializes every document with serde-saphyr, kubectl-deny's
//! options, into `IgnoredAny`: the parser plus the serde layer, without kubectl-deny's own
//! conversion. scripts/bench-yaml.sh times the whole process; the line printed splits that time
//! into reading and parsing.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde::de::IgnoredAny;

enum Parser {
    Granit,
    Saphyr,
    Serde,
}

fn main() -> ExitCode {
    let mut parser = Parser::Granit;
    let mut path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--parser" => match args.next().as_deref() {
                Some("granit") => parser = Parser::Granit,
                Some("saphyr") => parser = Parser::Saphyr,
                Some("serde") => parser = Parser::Serde,
                other => {
                    eprintln!("yaml-scan: --parser takes granit, saphyr or serde, not {}", other.unwrap_or("nothing"));
                    return ExitCode::from(2);
                }
            },
            _ if path.is_none() => path = Some(PathBuf::from(arg)),
            _ => path = None,
        }
    }
    let Some(path) = path else {
        eprintln!(
            "usage: yaml-scan [--parser granit|saphyr|serde] FILE\nParses the YAML stream in FILE without building anything."
        );
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("yaml-scan: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let read = started.elapsed();
    let (what, count) = match parser {
        Parser::Granit => {
            let mut events = 0usize;
            for event in granit_parser::Parser::new_from_str(&text) {
                if let Err(e) = event {
                    eprintln!("yaml-scan: {} is not YAML: {e}", path.display());
                    return ExitCode::from(2);
                }
                events += 1;
            }
            ("events", events)
        }
        Parser::Saphyr => {
            let mut events = 0usize;
            for event in saphyr_parser::Parser::new_from_str(&text) {
                if let Err(e) = event {
                    eprintln!("yaml-scan: {} is not YAML: {e}", path.display());
                    return ExitCode::from(2);
                }
                events += 1;
            }
            ("events", events)
        }
        Parser::Serde => {
            // kubectl-deny's options (src/source/yaml.rs): YAML 1.1 typing, repeated keys passed on.
            let options = serde_saphyr::options! { with_snippet: false, no_schema: true,
                duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough, budget: serde_saphyr::budget! {
                max_reader_input_bytes: None, max_events: usize::MAX, max_nodes: usize::MAX,
                max_documents: usize::MAX, max_total_scalar_bytes: usize::MAX,
            } };
            match serde_saphyr::from_multiple_with_options::<IgnoredAny>(&text, options) {
                Ok(documents) => ("documents", documents.len()),
                Err(e) => {
                    eprintln!("yaml-scan: {} is not YAML: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
        }
    };
    let total = started.elapsed();
    let parse = total - read;
    println!(
        "yaml-scan: {}: {} bytes, {count} {what}, read {:.1} ms, parse {:.1} ms ({:.1} MB/s)",
        path.display(),
        text.len(),
        read.as_secs_f64() * 1e3,
        parse.as_secs_f64() * 1e3,
        text.len() as f64 / 1e6 / parse.as_secs_f64().max(1e-9)
    );
    ExitCode::SUCCESS
}
