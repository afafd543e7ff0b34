//! `kubectl deny completion SHELL`: shell completion scripts, and how to install kubectl's plugin
//! completion helper.
//!
//! The scripts are generated from `crate::cli::Cli` by clap_complete, so they can never describe a
//! flag the parser does not have. They complete the command users type directly, `kubectl-deny`;
//! TAB after `kubectl deny` goes through kubectl, which asks the helper `kubectl_complete-deny`
//! (see `crate::complete`). The same scripts are checked in under `completions/`; a test keeps
//! them equal to what this module generates. This module never reads the environment.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionArgs, CompletionShell};
use crate::context::Context;
use crate::error::Error;
use crate::exit::Exit;

/// The command the generated scripts complete: the binary's own name, since a shell completes the
/// first word of a line and `kubectl deny` is two words.
pub const COMPLETED_COMMAND: &str = "kubectl-deny";

/// The shells with a generated script, and the file each one is checked in as under
/// `completions/` (the names each shell looks for when it loads completions from a directory).
pub const SCRIPTS: [(Shell, &str); 4] = [
    (Shell::Bash, "kubectl-deny.bash"),
    (Shell::Zsh, "_kubectl-deny"),
    (Shell::Fish, "kubectl-deny.fish"),
    (Shell::PowerShell, "_kubectl-deny.ps1"),
];

pub fn run(_ctx: &Context, args: &CompletionArgs, out: &mut dyn Write) -> Result<Exit, Error> {
    let text = match args.shell {
        CompletionShell::Bash => script(Shell::Bash),
        CompletionShell::Zsh => script(Shell::Zsh),
        CompletionShell::Fish => script(Shell::Fish),
        CompletionShell::Powershell => script(Shell::PowerShell),
        CompletionShell::Kubectl => KUBECTL_HELPER_SETUP.to_string(),
    };
    out.write_all(text.as_bytes()).map_err(super::output_error)?;
    Ok(Exit::Success)
}

/// The completion script for `shell`, generated from the current command-line definition.
pub fn script(shell: Shell) -> String {
    // A fresh command each time: clap_complete sets the bin name before building, and a command
    // built earlier would keep `kubectl deny` (two words, which no shell can complete) as the
    // subcommands' bin name prefix.
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, COMPLETED_COMMAND, &mut buf);
    let text = String::from_utf8(buf).expect("clap_complete writes UTF-8");
    if shell == Shell::Bash { fix_bash_subcommand_states(&text) } else { text }
}

/// clap_complete's bash script names the state for `kubectl-deny list` `kubectl__deny__subcmd__list`
/// while walking the words, but labels the matching `case` arm `kubectl__subcmd__deny__subcmd__list`
/// (it escapes the `-` of a hyphenated bin name as a subcommand separator), so no subcommand's
/// flags ever complete (clap-rs/clap#6421). Spell the arms the way the walk does. When clap fixes
/// it, this finds nothing to replace, and the bash test in tests/completions.rs still holds.
fn fix_bash_subcommand_states(script: &str) -> String {
    let escaped = COMPLETED_COMMAND.replace('-', "__");
    let broken = COMPLETED_COMMAND.replace('-', "__subcmd__");
    script.replace(&format!("{broken}__subcmd__"), &format!("{escaped}__subcmd__"))
}

/// What `kubectl deny completion kubectl` prints: one POSIX shell command (with comments), to be
/// run once as `kubectl deny completion kubectl | sh`. The helper's name is spelled out literally;
/// a test checks it against `HELPER_NAME`. Windows is covered by `completion --help`.
const KUBECTL_HELPER_SETUP: &str = r#"# TAB after `kubectl deny` (kubectl 1.26 or newer): kubectl runs an executable named
# kubectl_complete-deny from PATH. This links it to kubectl-deny, next to it (krew's link or
# any other install; the link follows upgrades). Run once: kubectl deny completion kubectl | sh
ln -sf kubectl-deny "$(dirname "$(command -v kubectl-deny)")/kubectl_complete-deny"
"#;

/// The helper setup text, for tests and documentation.
pub fn kubectl_helper_setup() -> &'static str {
    KUBECTL_HELPER_SETUP
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::complete::HELPER_NAME;

    #[test]
    fn scripts_complete_the_binary_name_not_kubectl_deny() {
        for (shell, _) in SCRIPTS {
            let text = script(shell);
            assert!(text.contains(COMPLETED_COMMAND), "{shell} script does not mention {COMPLETED_COMMAND}");
            assert!(!text.contains("kubectl deny"), "{shell} script completes `kubectl deny`, which no shell can");
        }
    }

    #[test]
    fn scripts_know_every_subcommand_and_global_flag() {
        let bash = script(Shell::Bash);
        for word in ["why", "matrix", "list", "init", "completion", "version", "--kubeconfig", "--context", "--color"] {
            assert!(bash.contains(word), "bash script lacks {word}");
        }
    }

    #[test]
    fn kubectl_helper_setup_is_one_command_naming_the_helper_kubectl_looks_for() {
        let text = kubectl_helper_setup();
        let commands: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).collect();
        assert_eq!(commands.len(), 1, "{text}");
        assert!(commands[0].ends_with(&format!("/{HELPER_NAME}\"")), "{text}");
    }
}
