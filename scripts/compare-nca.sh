#!/usr/bin/env bash
# Runs network-config-analyzer (NCA, IBM np-guard) and `kubectl-deny matrix` on the same
# generated clusters and reports their times and whether the allowed connections agree
# (issue 6). The work is done by scripts/compare_nca.py; this script provides its inputs: NCA in
# a venv under target/, release binaries, and the synthetic clusters.
#
# Usage: scripts/compare-nca.sh [--sizes corners,small,nca-200,nca] [--runs N] [--nca-runs N]
#                               [--markdown FILE] [--no-build]
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/compare-nca.sh [OPTIONS]

Compares kubectl-deny with network-config-analyzer on the same manifests.

Options:
  --sizes LIST      comma-separated inputs (default: corners,small,nca-200,nca):
                      corners   scripts/testdata/nca-corners.json: 10 pods, the rules evaluators get wrong
                      small     synth --preset small                (100 pods,    60 policies)
                      nca-200   synth --preset nca --pods 200 --policies 100
                      nca       synth --preset nca                  (400 pods,   200 policies)
                      medium    synth --preset medium               (1,000 pods, 250 policies; NCA takes minutes)
  --runs N          kubectl-deny runs per measurement, median (default 5)
  --nca-runs N      NCA runs per input, median (default 1)
  --max-why N       kubectl-deny why calls used to classify disagreements (default 200)
  --markdown FILE   also write the report to FILE
  --no-build        use the binaries already in target/release
  -h, --help        this help

NCA is installed with pip into target/nca-venv on first use (PyPI: network-config-analyzer,
version $NCA_VERSION, default 2.1.0). Exit status: 0 when the tools agree apart from the
documented exceptions, 1 when a genuine disagreement is listed, 2 on errors.
EOF
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

sizes=corners,small,nca-200,nca
runs=5
nca_runs=1
max_why=200
markdown=""
build=true
dir=${KUBECTL_DENY_BENCH_DIR:-target/bench-inputs}
venv=target/nca-venv
nca_version=${NCA_VERSION:-2.1.0}

while (($#)); do
    case $1 in
    --sizes) sizes=${2:?--sizes needs a list}; shift 2 ;;
    --sizes=*) sizes=${1#*=}; shift ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --runs=*) runs=${1#*=}; shift ;;
    --nca-runs) nca_runs=${2:?--nca-runs needs a number}; shift 2 ;;
    --nca-runs=*) nca_runs=${1#*=}; shift ;;
    --max-why) max_why=${2:?--max-why needs a number}; shift 2 ;;
    --max-why=*) max_why=${1#*=}; shift ;;
    --markdown) markdown=${2:?--markdown needs a file}; shift 2 ;;
    --markdown=*) markdown=${1#*=}; shift ;;
    --no-build) build=false; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare-nca.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
for n in "$runs" "$nca_runs" "$max_why"; do
    [[ $n =~ ^[0-9]+$ ]] || { echo "compare-nca.sh: '$n' is not a number" >&2; exit 2; }
done

IFS=, read -r -a size_list <<<"$sizes"
for size in "${size_list[@]}"; do
    case $size in
    corners | small | nca-200 | nca | medium) ;;
    *) echo "compare-nca.sh: unknown size '$size' in --sizes; use corners, small, nca-200, nca or medium" >&2; exit 2 ;;
    esac
done
command -v python3 >/dev/null || { echo "compare-nca.sh: python3 is needed (3.9 or later)" >&2; exit 2; }

if [[ ! -x $venv/bin/nca ]]; then
    echo "compare-nca.sh: installing network-config-analyzer $nca_version into $venv ..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "network-config-analyzer==$nca_version"
fi

if $build; then
    echo "compare-nca.sh: building release binaries ..." >&2
    cargo build --release --quiet -p kubectl-deny -p kubectl-deny-synth --bins
fi
deny=target/release/kubectl-deny
synth=target/release/synth
for bin in "$deny" "$synth"; do
    [[ -x $bin ]] || { echo "compare-nca.sh: $bin is missing; run without --no-build" >&2; exit 2; }
done

mkdir -p "$dir"
inputs=()
for size in "${size_list[@]}"; do
    case $size in
    corners) inputs+=(scripts/testdata/nca-corners.json); continue ;;
    nca-200) args=(--preset nca --pods 200 --policies 100) ;;
    *) args=(--preset "$size") ;;
    esac
    file=$dir/$size.json
    if [[ ! -f $file ]]; then
        echo "compare-nca.sh: generating $file ..." >&2
        "$synth" "${args[@]}" --out "$file.partial"
        mv "$file.partial" "$file"
    fi
    inputs+=("$file")
done

exec python3 scripts/compare_nca.py --deny "$deny" --nca "$venv/bin/nca" --workdir target/nca-compare \
    --runs "$runs" --nca-runs "$nca_runs" --max-why "$max_why" ${markdown:+--markdown "$markdown"} "${inputs[@]}"
