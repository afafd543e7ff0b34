//! The `kubectl-deny` binary: parse, dispatch, map the outcome to the exit status.

use std::process::ExitCode;

fn main() -> ExitCode {
    kubectl_deny::cmd::main()
}
