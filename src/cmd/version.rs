//! `kubectl deny version`: the version and the git commit of the build.

use std::io::Write;

use crate::cli::{OutputFormat, VersionArgs};
use crate::context::Context;
use crate::error::Error;
use crate::exit::Exit;

/// `kubectl version`'s shape: `-o json|yaml` print an object, anything else a line.
pub fn run(ctx: &Context, _args: &VersionArgs, out: &mut dyn Write) -> Result<Exit, Error> {
    let format = ctx.output_format("version", &[OutputFormat::Table, OutputFormat::Json, OutputFormat::Yaml])?;
    let info = serde_json::json!({ "version": crate::version::VERSION, "gitCommit": crate::version::COMMIT });
    match format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&info).unwrap_or_default()),
        OutputFormat::Yaml => out.write_all(serde_saphyr::to_string(&info).unwrap_or_default().as_bytes()),
        _ => writeln!(out, "kubectl-deny {} (commit {})", crate::version::VERSION, crate::version::COMMIT),
    }
    .map_err(super::output_error)?;
    Ok(Exit::Success)
}
