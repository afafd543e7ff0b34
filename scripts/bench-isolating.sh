#!/usr/bin/env bash
# `why` against `list` on one file where N NetworkPolicies isolate the same pod (issue 11.9):
# the hints of `why` once searched the policy list for each isolating policy, so `why` was
# quadratic in N (242 s at 80,000) while `list` is linear. Times both, release build, and
# fails when `why` takes more than 2x `list`.
#
# Usage: scripts/bench-isolating.sh [N] [--runs R] [--no-build]   (N defaults to 80000)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
n=80000
runs=3
build=true
while (($#)); do
    case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --no-build) build=false; shift ;;
    -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) n=$1; shift ;;
    *) echo "bench-isolating.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

if $build; then
    cargo build --release --locked --quiet
fi
bin=target/release/kubectl-deny
dir=${KUBECTL_DENY_BENCH_DIR:-target/bench-inputs}
mkdir -p "$dir"
file="$dir/isolating-$n.json"

# One namespace, a client and a database, and N policies that all select the database for
# ingress, each admitting a different app (never the client): every one isolates the pod and
# every one is a near miss that `why` explains.
if [ ! -s "$file" ]; then
    awk -v n="$n" 'BEGIN {
        printf "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n"
        printf "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\",\"labels\":{\"kubernetes.io/metadata.name\":\"shop\"}}},\n"
        printf "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"client\",\"namespace\":\"shop\",\"labels\":{\"app\":\"client\"}},\"spec\":{\"containers\":[{\"name\":\"c\"}]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.1\",\"podIPs\":[{\"ip\":\"10.0.0.1\"}]}},\n"
        printf "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"db\",\"namespace\":\"shop\",\"labels\":{\"app\":\"db\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"name\":\"pg\",\"containerPort\":5432}]}]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.2\",\"podIPs\":[{\"ip\":\"10.0.0.2\"}]}}"
        for (i = 0; i < n; i++) {
            printf ",\n{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"db-from-app-%d\",\"namespace\":\"shop\"},\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"db\"}},\"policyTypes\":[\"Ingress\"],\"ingress\":[{\"from\":[{\"podSelector\":{\"matchLabels\":{\"app\":\"app-%d\"}}}],\"ports\":[{\"port\":5432}]}]}}", i, i
        }
        printf "\n]}\n"
    }' > "$file"
fi

# Wall time of one run, in seconds (exit 1, a blocked flow, is not a failure).
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null || [ $? -eq 1 ]
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# why and list alternate, so that a busy machine slows both alike.
why_times=() list_times=()
for _ in $(seq "$runs"); do
    why_times+=("$(seconds "$bin" why -f "$file" shop/client shop/db:5432)")
    list_times+=("$(seconds "$bin" list -f "$file" --all)")
done
size=$(du -h "$file" | cut -f1)
why=$(printf '%s\n' "${why_times[@]}" | median)
list=$(printf '%s\n' "${list_times[@]}" | median)
ratio=$(echo "scale=2; $why / $list" | bc)
echo "| policies isolating one pod | file | why -f | list -f | why / list |"
echo "|---:|---:|---:|---:|---:|"
printf '| %s | %s | %.2f s | %.2f s | %sx |\n' "$n" "$size" "$why" "$list" "$ratio"
if [ "$(echo "$why > 2 * $list" | bc)" -eq 1 ]; then
    echo "bench-isolating.sh: why takes more than 2x list" >&2
    exit 1
fi
