#!/usr/bin/env bash
# Regenerates the shell completion scripts checked in under completions/ from the current CLI
# definition. Run it after changing a flag or subcommand; `cargo test --test completions` fails
# until the checked-in scripts match. Equivalent: UPDATE_COMPLETIONS=1 cargo test --test completions
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --locked --bin kubectl-deny
bin=target/debug/kubectl-deny
mkdir -p completions
# shell, file: the names each shell looks for when loading completions from a directory.
for pair in bash:kubectl-deny.bash zsh:_kubectl-deny fish:kubectl-deny.fish powershell:_kubectl-deny.ps1; do
  shell=${pair%%:*}
  file=completions/${pair#*:}
  "$bin" completion "$shell" >"$file.tmp"
  mv "$file.tmp" "$file"
  echo "wrote $file"
done
