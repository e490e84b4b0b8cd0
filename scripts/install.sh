#!/usr/bin/env bash
# Put a verified gitea-gate binary on the runner and print `binary=PATH` to $GITHUB_OUTPUT.
#
# 1. A cached binary for this version and arch, if its sha256 still matches the checksum list.
# 2. Otherwise the release asset for this arch, downloaded from the Gitea instance the action came
#    from, and verified against release/SHA256SUMS — the list committed in the action's own
#    repository at the tag being run, so a tampered download is refused.
# 3. Otherwise, if cargo is available, a build from the action's source (--locked).
# Never runs an unverified binary.
#
# Environment (the runner sets most of it; docs/gitea.md §8.1):
#   GITHUB_ACTION_PATH        the action's checkout (default: this script's repository)
#   GITHUB_SERVER_URL, GITHUB_ACTION_REPOSITORY   where the release lives
#   RUNNER_ARCH               X64/ARM64 (docker mode) or amd64/arm64 (host mode)
#   RUNNER_TOOL_CACHE         cache root (default ~/.cache)
#   GITEA_GATE_CACHE          this tool's cache directory (default $RUNNER_TOOL_CACHE/gitea-gate)
#   GITEA_GATE_DOWNLOAD_URL   a mirror holding the release assets (the checksums still come
#                             from the action's repository)
set -euo pipefail

say() { printf 'gitea-gate install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
sums="$action_path/release/SHA256SUMS"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n1)
[[ -n "$version" ]] || die "cannot read the version from $action_path/Cargo.toml"

raw_arch=${RUNNER_ARCH:-$(uname -m)}
case "${raw_arch,,}" in
  x64|amd64|x86_64) arch=x86_64 ;;
  arm64|aarch64) arch=aarch64 ;;
  *) die "unsupported runner architecture '$raw_arch' (gitea-gate ships x86_64 and aarch64 Linux binaries)" ;;
esac
asset="gitea-gate-$version-$arch-linux"
cache_dir="${GITEA_GATE_CACHE:-${RUNNER_TOOL_CACHE:-$HOME/.cache}/gitea-gate}/$version/$arch"
cached="$cache_dir/gitea-gate"

# emit PATH HOW: report the binary to the action (or print it when run by hand) and stop.
emit() {
  say "using $1 ($2)"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then printf 'binary=%s\n' "$1" >>"$GITHUB_OUTPUT"; else printf '%s\n' "$1"; fi
  exit 0
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

expected=""
if [[ -f "$sums" ]]; then
  expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$sums" | head -n1)
fi

if [[ -n "$expected" ]]; then
  if [[ -x "$cached" && "$(sha256_of "$cached")" == "$expected" ]]; then
    emit "$cached" "cached, sha256 verified"
  fi
  if [[ -n "${GITEA_GATE_DOWNLOAD_URL:-}" ]]; then
    base=${GITEA_GATE_DOWNLOAD_URL%/}
  elif [[ -n "${GITHUB_SERVER_URL:-}" && -n "${GITHUB_ACTION_REPOSITORY:-}" ]]; then
    base="${GITHUB_SERVER_URL%/}/$GITHUB_ACTION_REPOSITORY/releases/download/v$version"
  else
    base=""
  fi
  if [[ -n "$base" ]]; then
    mkdir -p "$cache_dir"
    tmp=$(mktemp "$cache_dir/.download.XXXXXX")
    trap 'rm -f "$tmp"' EXIT
    say "downloading $base/$asset"
    if curl -fsSL --retry 3 --retry-delay 1 --connect-timeout 10 --max-time 300 -o "$tmp" "$base/$asset"; then
      actual=$(sha256_of "$tmp")
      if [[ "$actual" != "$expected" ]]; then
        die "checksum mismatch for $asset: expected $expected (release/SHA256SUMS at this tag), got $actual. Refusing to run it: the download was altered or the release assets do not match this tag."
      fi
      chmod 0755 "$tmp"
      mv -f "$tmp" "$cached"
      trap - EXIT
      emit "$cached" "downloaded, sha256 verified"
    fi
    say "download failed; trying a build from source"
  fi
else
  say "no checksum for $asset in release/SHA256SUMS (an unreleased checkout); building from source"
fi

command -v cargo >/dev/null 2>&1 ||
  die "no verified release binary for $asset and no cargo to build one. Pin the action to a release tag (uses: OWNER/gitea-gate@v1), or install Rust on the runner."
say "building from source with cargo --locked: this takes several minutes (wasmtime is large); pin a release tag to download a verified binary instead"
target_dir="$cache_dir/build"
cargo build --release --locked --quiet --manifest-path "$action_path/Cargo.toml" -p gitea-gate --target-dir "$target_dir" >&2
emit "$target_dir/release/gitea-gate" "built from source"
