//! Exit statuses: the contract scripts rely on, in one place.
//!
//! Like `kubectl diff`: 0 is the positive answer, 1 the negative one (a blocked flow, a namespace
//! lacking default-deny with `--exit-code`), 2 an error of any kind.

/// What a command concluded, mapped to the process exit status by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `why`: allowed; any other command: done.
    Success,
    /// `why`: blocked; `list --exit-code`: some namespace lacks default-deny.
    Negative,
    /// Bad input, object not found, cluster unreachable or forbidden, a failed apply.
    Error,
}

impl Exit {
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Negative => 1,
            Exit::Error => 2,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    #[test]
    fn exit_codes_follow_kubectl_diff() {
        assert_eq!(Exit::Success.code(), 0);
        assert_eq!(Exit::Negative.code(), 1);
        assert_eq!(Exit::Error.code(), 2);
    }
}
