//! One file per subcommand, each with one `run` entry point. `main` parses, resolves the context
//! once, dispatches, and maps the outcome to the exit status.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::context::{Context, Environment};
use crate::error::Error;
use crate::exit::Exit;

pub mod after;
pub mod audit;
pub mod completion;
pub mod diff;
pub mod endpoint;
pub mod init;
pub mod init_baseline;
pub mod label_query;
pub mod list;
pub mod load;
pub mod matrix;
pub mod resolve;
pub mod version;
pub mod why;

/// The process entry point shared by the binary.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    // Started as kubectl_complete-deny (a link to this binary): answer kubectl's completion request.
    if args.first().is_some_and(|argv0| crate::complete::is_helper_invocation(argv0)) {
        return crate::complete::main(&args[1..]);
    }
    let env = Environment::from_process();
    let stdout = std::io::stdout();
    let mut out = PipeSafe::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock()));
    let exit = run(args, &env, &mut out, &mut std::io::stderr());
    // Output that fit in the buffer is written only now: a failure here (a full disk) is an error.
    if let Err(e) = out.flush() {
        let _ = writeln!(std::io::stderr(), "error: cannot write output: {e}");
        return Exit::Error.into();
    }
    exit.into()
}

/// Parses `args` and runs the command, writing results to `out` and errors to `err`.
pub fn run(args: Vec<OsString>, env: &Environment, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let e = without_far_suggestions(e, &args);
            // --help and --version are not errors; clap renders both kinds.
            let exit = if e.use_stderr() { Exit::Error } else { Exit::Success };
            let rendered = e.render().to_string();
            let target: &mut dyn Write = if e.use_stderr() { err } else { out };
            let _ = target.write_all(rendered.as_bytes());
            return exit;
        }
    };
    match dispatch(&cli, env, out, err) {
        Ok(exit) => exit,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            Exit::Error
        }
    }
}

/// clap's "a similar argument exists" tip, kept only when the flag typed is a prefix of the one
/// suggested or a typo of it (`--nmespace`): for `--as` (a kubectl flag) it names `--namespace`,
/// which misleads.
fn without_far_suggestions(e: clap::Error, args: &[OsString]) -> clap::Error {
    use clap::error::{ContextKind, ContextValue};
    let typed = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.trim_start_matches('-').to_string(),
        _ => return e,
    };
    let suggested: Vec<String> = match e.get(ContextKind::SuggestedArg) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => return e,
    };
    let close = |s: &String| {
        let s = s.trim_start_matches('-');
        s.starts_with(&typed) || strsim::levenshtein(&typed, s) <= (typed.chars().count() / 3).max(1)
    };
    if suggested.iter().all(close) {
        return e;
    }
    let mut command = <Cli as clap::CommandFactory>::command();
    command.build();
    // The usage clap shows names the suggested flag too: show the command's own instead.
    let subcommand = args.iter().skip(1).filter_map(|a| a.to_str()).find(|a| command.find_subcommand(a).is_some());
    let usage = match subcommand.and_then(|name| command.find_subcommand_mut(name)) {
        Some(sub) => sub.render_usage(),
        None => command.render_usage(),
    };
    let mut plain = clap::Error::new(e.kind()).with_cmd(&command);
    for (kind, value) in e.context() {
        match kind {
            ContextKind::SuggestedArg => {}
            ContextKind::Usage => {
                plain.insert(kind, ContextValue::StyledStr(usage.clone()));
            }
            _ => {
                plain.insert(kind, value.clone());
            }
        }
    }
    plain
}

fn dispatch(cli: &Cli, env: &Environment, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let ctx = Context::resolve(&cli.global, env)?;
    match &cli.command {
        Command::Version(args) => version::run(&ctx, args, out),
        Command::Why(args) => why::run(&ctx, args, out, err),
        Command::Matrix(args) => matrix::run(&ctx, args, out, err),
        Command::List(args) => list::run(&ctx, args, out, err),
        Command::Completion(args) => completion::run(&ctx, args, out),
        Command::Init(args) => init::run(&ctx, args, out, err),
        Command::Audit(args) => audit::run(&ctx, args, out, err),
        Command::Diff(args) => diff::run(&ctx, args, out, err),
    }
}

/// A writer that treats a closed pipe as the end of output, not as an error: `kubectl deny why
/// ... | head -1` still exits with the verdict's status.
pub struct PipeSafe<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> PipeSafe<W> {
    pub fn new(inner: W) -> Self {
        PipeSafe { inner, closed: false }
    }
}

impl<W: Write> Write for PipeSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

/// Maps a write failure to the command error (a closed pipe never reaches here: see `PipeSafe`).
pub(crate) fn output_error(e: std::io::Error) -> Error {
    Error::Output(e)
}
