//! `kubectl deny version`: the version and the git commit of the build.

use std::io::Write;

use crate::cli::VersionArgs;
use crate::context::Context;
use crate::error::Error;
use crate::exit::Exit;

pub fn run(_ctx: &Context, _args: &VersionArgs, out: &mut dyn Write) -> Result<Exit, Error> {
    writeln!(out, "kubectl-deny {} (commit {})", crate::version::VERSION, crate::version::COMMIT)
        .map_err(super::output_error)?;
    Ok(Exit::Success)
}
