#!/usr/bin/env bash
# Builds the release archive for one platform into dist/, with the layout the release uses:
#   dist/kubectl-deny_vVERSION_OS_ARCH.tar.gz   (.zip on Windows)
#     kubectl-deny (kubectl-deny.exe on Windows), LICENSE, README.md
# and dist/<archive>.sha256 beside it. The release workflow runs this once per platform.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/package.sh [--target TRIPLE] [--release] [--dist DIR]

  --target TRIPLE  Rust target to build (default: the host; on Linux the host's musl target
                   when it is installed, as the release uses static musl builds)
  --release        Release mode: README.md must exist and Linux builds must be musl
  --dist DIR       Where to write the archive (default: dist)

Then render a krew manifest for it and install it locally:
  scripts/krew-manifest.sh --local
  kubectl krew install --manifest=krew/deny.yaml --archive=dist/<archive>
EOF
}

cd "$(dirname "$0")/.."
target="" release=0 dist=dist
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target=${2:?--target needs a value}; shift 2 ;;
    --target=*) target=${1#*=}; shift ;;
    --release) release=1; shift ;;
    --dist) dist=${2:?--dist needs a value}; shift 2 ;;
    --dist=*) dist=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "package.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

fail() { echo "package.sh: $*" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[[ -n "$version" ]] || fail "cannot read the package version from Cargo.toml"
tag="v$version"

host=$(rustc -vV | sed -n 's/^host: //p')
if [[ -z "$target" ]]; then
  target=$host
  if [[ "$host" == *-linux-gnu ]]; then
    musl=${host%-linux-gnu}-linux-musl
    if rustup target list --installed 2>/dev/null | grep -qx "$musl"; then
      target=$musl
    else
      echo "package.sh: note: $musl is not installed (rustup target add $musl);" \
        "building $host, which links glibc dynamically, unlike the release" >&2
    fi
  fi
fi

case "$target" in
  x86_64-*) arch=amd64 ;;
  aarch64-*) arch=arm64 ;;
  *) fail "unsupported target $target: the release has amd64 and arm64 builds only" ;;
esac
case "$target" in
  *-linux-*) os=linux ;;
  *-apple-darwin) os=darwin ;;
  *-windows-*) os=windows ;;
  *) fail "unsupported target $target: the release has linux, darwin and windows builds only" ;;
esac
if [[ $release == 1 && $os == linux && "$target" != *-musl ]]; then
  fail "release Linux builds are static: use --target ${target%%-*}-unknown-linux-musl"
fi

exe=""
[[ $os == windows ]] && exe=.exe
ext=tar.gz
[[ $os == windows ]] && ext=zip
archive="kubectl-deny_${tag}_${os}_${arch}.${ext}"

files=(LICENSE)
if [[ -f README.md ]]; then
  files+=(README.md)
elif [[ $release == 1 ]]; then
  fail "README.md is missing: every release archive carries it"
else
  echo "package.sh: warning: README.md is missing; the archive leaves it out (a release fails)" >&2
fi
[[ -f LICENSE ]] || fail "LICENSE is missing: every archive carries it, and krew installs it"

echo "package.sh: building kubectl-deny $tag for $target" >&2
cargo build --release --locked --target "$target"
binary="target/$target/release/kubectl-deny$exe"
[[ -f "$binary" ]] || fail "the build produced no $binary"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$binary" "$stage/kubectl-deny$exe"
cp "${files[@]}" "$stage/"
contents=("kubectl-deny$exe" "${files[@]}")

# Fixed timestamps and owners, so the same binary always gives the same archive.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}
stamp=$(date -u -d "@$epoch" +%Y%m%d%H%M.%S 2>/dev/null || date -u -r "$epoch" +%Y%m%d%H%M.%S)
(cd "$stage" && TZ=UTC touch -t "$stamp" "${contents[@]}")

mkdir -p "$dist"
out="$(cd "$dist" && pwd)/$archive"
rm -f "$out"
if [[ $ext == zip ]]; then
  if command -v zip >/dev/null 2>&1; then
    (cd "$stage" && zip -q -X "$out" "${contents[@]}")
  elif command -v 7z >/dev/null 2>&1; then
    (cd "$stage" && 7z a -tzip -bd "$out" "${contents[@]}" >/dev/null)
  else
    fail "no zip tool found (zip or 7z)"
  fi
else
  if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$stage" -cf - "${contents[@]}" | gzip -9n >"$out"
  else
    # bsdtar (macOS)
    tar --uid 0 --gid 0 -C "$stage" -cf - "${contents[@]}" | gzip -9n >"$out"
  fi
fi

if command -v sha256sum >/dev/null 2>&1; then
  sum=$(sha256sum "$out" | cut -d' ' -f1)
else
  sum=$(shasum -a 256 "$out" | cut -d' ' -f1)
fi
printf '%s  %s\n' "$sum" "$archive" >"$out.sha256"
echo "$dist/$archive"
echo "sha256 $sum" >&2
