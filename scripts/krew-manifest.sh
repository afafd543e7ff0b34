#!/usr/bin/env bash
# Renders krew/deny.yaml from the krew-release-bot template .krew.yaml, the way the bot does:
# the tag for {{ .TagName }}, and for each platform the archive's uri and real sha256. The sha256
# values come from the archives in dist/ (scripts/package.sh builds them) or from a release's
# checksums file. A platform whose archive is not found is left out, or, with --release, fails.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/krew-manifest.sh [--local] [--release] [--checksums FILE] [--dist DIR] [--out FILE]

  --local           uri: file:// paths of the archives in dist/, for trying an install before
                    tagging; otherwise the release download URLs of this version
  --release         every platform's archive must be found (the release workflow uses this)
  --checksums FILE  take the sha256 values from FILE ("<sha256>  <archive>" lines, as the
                    release's kubectl-deny_vX.Y.Z_checksums.txt) instead of hashing dist/
  --dist DIR        where the archives are (default: dist)
  --out FILE        where to write (default: krew/deny.yaml)

Before tagging (host platform only):
  scripts/package.sh && scripts/krew-manifest.sh --local --out /tmp/deny.yaml
  kubectl krew install --manifest=/tmp/deny.yaml --archive=dist/kubectl-deny_vX.Y.Z_linux_amd64.tar.gz
After the release, the checked-in manifest from the published checksums:
  gh release download vX.Y.Z -p '*_checksums.txt' -D dist
  scripts/krew-manifest.sh --release --checksums dist/kubectl-deny_vX.Y.Z_checksums.txt
EOF
}

cd "$(dirname "$0")/.."
local_uris=0 release=0 checksums="" dist=dist out=krew/deny.yaml
while [[ $# -gt 0 ]]; do
  case "$1" in
    --local) local_uris=1; shift ;;
    --release) release=1; shift ;;
    --checksums) checksums=${2:?--checksums needs a file}; shift 2 ;;
    --checksums=*) checksums=${1#*=}; shift ;;
    --dist) dist=${2:?--dist needs a directory}; shift 2 ;;
    --dist=*) dist=${1#*=}; shift ;;
    --out) out=${2:?--out needs a file}; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "krew-manifest.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

fail() { echo "krew-manifest.sh: $*" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[[ -n "$version" ]] || fail "cannot read the package version from Cargo.toml"
tag="v$version"
template=.krew.yaml
[[ -f "$template" ]] || fail "$template is missing"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# archive name -> sha256, one "name sha" line each, for the archives the template names.
# (A read loop rather than mapfile: macOS still ships bash 3.2.)
archives=()
while IFS= read -r name; do
  archives+=("$name")
done < <(sed -n 's|.*addURIAndSha "[^"]*/\([^"/]*\)" .*|\1|p' "$template" | sed "s/{{ *\.TagName *}}/$tag/g")
[[ ${#archives[@]} -gt 0 ]] || fail "$template names no archive (no addURIAndSha)"
sums=$(mktemp)
trap 'rm -f "$sums"' EXIT
found=() missing=()
for name in "${archives[@]}"; do
  sum=""
  if [[ -n "$checksums" ]]; then
    [[ -f "$checksums" ]] || fail "checksums file $checksums not found"
    sum=$(awk -v n="$name" '{ f = $2; sub(/^\*/, "", f) } f == n { print $1; exit }' "$checksums")
  elif [[ -f "$dist/$name" ]]; then
    sum=$(sha256_of "$dist/$name")
  fi
  if [[ -n "$sum" ]]; then
    [[ "$sum" =~ ^[0-9a-f]{64}$ ]] || fail "sha256 of $name is not 64 lowercase hex digits: $sum"
    echo "$name $sum" >>"$sums"
    found+=("$name")
  else
    missing+=("$name")
  fi
done
if [[ ${#found[@]} -eq 0 ]]; then
  fail "no archive of $tag found in ${checksums:-$dist/}: build one with scripts/package.sh"
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $release == 1 ]] && fail "missing for $tag: ${missing[*]}"
  echo "krew-manifest.sh: leaving out the platforms without an archive: ${missing[*]}" >&2
fi

base_uri="https://github.com/kubectl-deny/kubectl-deny/releases/download/$tag"
if [[ $local_uris == 1 ]]; then
  [[ -z "$checksums" ]] || fail "--local needs the archives themselves, not --checksums"
  abs_dist=$(cd "$dist" && pwd)
  base_uri="file://$abs_dist"
fi
if [[ -n "$checksums" ]]; then source="from $(basename "$checksums")"; else source="of the archives in $dist/"; fi

mkdir -p "$(dirname "$out")"
tmp_out="$out.tmp"
{
  echo "# Rendered by scripts/krew-manifest.sh from .krew.yaml for $tag; do not edit by hand."
  echo "# sha256 values $source: ${found[*]}"
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "# Left out, no archive found: ${missing[*]}"
  fi
  echo "# Regenerate: see scripts/krew-manifest.sh --help (after a release: from its checksums)."
  # The template's own leading comment is about the template; leave it out.
  awk -v tag="$tag" -v base="$base_uri" -v sums="$sums" '
    BEGIN {
      while ((getline line < sums) > 0) { split(line, kv, " "); sha[kv[1]] = kv[2] }
      preamble = 1
    }
    function flush() { if (inblock && keep) printf "%s", block; block = ""; inblock = 0 }
    preamble && /^#/ { next }
    { preamble = 0 }
    /addURIAndSha/ {
      if (!match($0, /addURIAndSha "[^"]*"/)) { print "bad addURIAndSha line: " $0 > "/dev/stderr"; exit 1 }
      url = substr($0, RSTART + 14, RLENGTH - 15)
      gsub(/\{\{ *\.TagName *\}\}/, tag, url)
      n = split(url, parts, "/"); name = parts[n]
      indent = $0; sub(/[^ ].*$/, "", indent)
      if (name in sha) {
        block = block indent "uri: " base "/" name "\n" indent "sha256: " sha[name] "\n"
      } else {
        keep = 0
      }
      next
    }
    {
      gsub(/\{\{ *\.TagName *\}\}/, tag)
      if (index($0, "{{") > 0) { print "unknown template syntax: " $0 > "/dev/stderr"; exit 1 }
    }
    /^  - / { flush(); inblock = 1; keep = 1; block = $0 "\n"; next }
    inblock && (/^    / || /^ *$/) { block = block $0 "\n"; next }
    { flush(); print }
    END { flush() }
  ' "$template"
} >"$tmp_out"
mv "$tmp_out" "$out"
echo "krew-manifest.sh: wrote $out for $tag (${found[*]})" >&2
