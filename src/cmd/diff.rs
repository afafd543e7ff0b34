//! `kubectl deny diff`: placeholder replaced below.
use std::io::Write;

use crate::cli::DiffArgs;
use crate::context::Context;
use crate::error::Error;
use crate::exit::Exit;

pub fn run(_ctx: &Context, _args: &DiffArgs, _out: &mut dyn Write, _err: &mut dyn Write) -> Result<Exit, Error> {
    Err(Error::Usage("diff".into()))
}
