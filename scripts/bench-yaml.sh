#!/usr/bin/env bash
# `list -f` and `why -f` on a block-style YAML snapshot (what `kubectl get -o yaml` writes)
# against the bare event parse of the same file (issue 16.1): granit-parser (the parser
# serde-saphyr runs on, and kubectl-deny's fast path reads), serde-saphyr into IgnoredAny with
# kubectl-deny's options (parser plus serde layer), saphyr-parser, and libyaml when its headers
# are installed (Debian/Ubuntu: libyaml-dev). Runs alternate, so that a busy machine slows every
# command alike; prints the median, the spread (min-max) and the ratio to granit-parser's parse,
# and fails when list or why takes more than 1.5x that parse.
#
# Usage: scripts/bench-yaml.sh [--sizes medium,large,...] [--runs R] [--no-build]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
sizes=medium
runs=7
build=true
while (($#)); do
    case $1 in
    --sizes) sizes=${2:?--sizes needs a list}; shift 2 ;;
    --sizes=*) sizes=${1#*=}; shift ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --no-build) build=false; shift ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-yaml.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

IFS=, read -r -a size_list <<<"$sizes"
for s in "${size_list[@]}"; do
    case $s in
    small | medium | large | xlarge | huge | lean | nca) ;;
    *) echo "bench-yaml.sh: unknown size '$s' in --sizes; use small, medium, large, xlarge, huge, lean or nca" >&2; exit 2 ;;
    esac
done

if $build; then
    cargo build --release --locked --quiet -p kubectl-deny -p kubectl-deny-synth --bins
fi
deny=target/release/kubectl-deny
synth=target/release/synth
scan=target/release/yaml-scan
dir=${KUBECTL_DENY_BENCH_DIR:-target/bench-inputs}
mkdir -p "$dir"
libyaml=""
if cc -O2 -o target/release/libyaml-scan scripts/libyaml-scan.c -lyaml 2>/dev/null; then
    libyaml=target/release/libyaml-scan
fi
status=0

for preset in "${size_list[@]}"; do
file=$dir/$preset.yaml
if [[ ! -s $file ]]; then
    "$synth" --preset "$preset" --format yaml --out "$file.partial"
    mv "$file.partial" "$file"
fi

# A frontend pod and an api pod of one app namespace, as scripts/bench.sh picks them.
read -r from to < <("$synth" --preset "$preset" --list-pods | awk -F/ '
    $2 ~ /^frontend-/ && !($1 in fe) { fe[$1] = $0; order[++n] = $1 }
    $2 ~ /^api-/ && !($1 in api) { api[$1] = $0 }
    END { for (i = 1; i <= n; i++) if (order[i] in api) { print fe[order[i]], api[order[i]] ":8080"; exit } }')

names=("granit-parser events" "saphyr-parser events" "serde-saphyr into IgnoredAny" "libyaml events" "list -f" "why -f")
commands=(
    "$scan --parser granit $file"
    "$scan --parser saphyr $file"
    "$scan --parser serde $file"
    "${libyaml:+$libyaml $file}"
    "$deny list -f $file"
    "$deny why -f $file $from $to"
)
unset times
declare -A times
for _ in $(seq "$runs"); do
    for i in "${!commands[@]}"; do
        [[ -n ${commands[$i]} ]] || continue
        start=$(date +%s%N)
        # why exits 1 for a blocked flow. The command is split into words on purpose.
        # shellcheck disable=SC2086
        ${commands[$i]} >/dev/null 2>&1 || [[ $? -eq 1 ]]
        end=$(date +%s%N)
        times[$i]+="$(((end - start) / 1000000)) "
    done
done

summary() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { printf "%d %d %d\n", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
read -r base _ _ < <(echo "${times[0]}" | summary)
echo "| command | median | min-max | / granit-parser |"
echo "|---|---:|---:|---:|"
for i in "${!commands[@]}"; do
    if [[ -z ${commands[$i]} ]]; then
        echo "| ${names[$i]} | not built (no libyaml headers) | | |"
        continue
    fi
    read -r median low high < <(echo "${times[$i]}" | summary)
    ratio=$(awk -v t="$median" -v b="$base" 'BEGIN { printf "%.2f", t / b }')
    echo "| ${names[$i]} | $median ms | $low-$high ms | ${ratio}x |"
    if ((i >= 4)) && awk -v r="$ratio" 'BEGIN { exit !(r > 1.5) }'; then status=1; fi
done
echo
echo "$(stat -c %s "$file" | awk '{ printf "%.1f MB", $1 / 1e6 }') of YAML ($preset preset), $runs alternating runs, $(nproc) cores, $(date -u +%Y-%m-%d)."
echo
done
if ((status)); then
    echo "bench-yaml.sh: list or why takes more than 1.5x granit-parser's parse" >&2
fi
exit $status
