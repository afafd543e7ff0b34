//! Black-box tests of the built `kubectl-deny` binary on named fixture manifests
//! (`tests/fixtures/cli/<rule>/`), checking exit status, stdout and stderr together.
//!
//! Contents:
//! - `harness`: running the binary in a clean environment; `Run` assertions; snapshots
//!   (`tests/fixtures/cli/expected/`, rewritten with `UPDATE_SNAPSHOTS=1`).
//! - `why`: one fixture per NetworkPolicy rule and per pitfall evaluators get wrong: the verdict,
//!   the deciding policy and rule, the nearest miss, hints and caveats, and the `-o json` fields.
//! - `matrix`: grouping, `--port`, default declared ports, the JSON shape, agreement with `why`.
//! - `list`: every default-deny state, `--all`, `-o wide`, `-o json`, `--exit-code`.
//! - `errors`: bad input of every kind: exit 2, one `error:` line saying what, where and how to
//!   fix it, never a panic.
//! - `output`: snapshots of representative answers, JSON and YAML shapes, colour, a closed pipe,
//!   a failing stdout.
//! - `reader`: reading manifests as kubectl and the API server read them: nothing read, unknown
//!   fields, objects read twice, files skipped in a repository, `-k`, validation, YAML typing.
//!
//! Tests marked `#[ignore = "bug: ..."]` reproduce known bugs; they fail until the bug is fixed.

mod harness;

mod errors;
mod flows;
mod hints_service;
mod list;
mod matrix;
mod output;
mod reader;
mod suggest;
mod tiers;
mod why;
