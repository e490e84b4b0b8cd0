#!/usr/bin/env bash
# Put a verified gitea-gate binary on the runner and print `binary=PATH` and `sha256=HEX` to
# $GITHUB_OUTPUT.
#
# 0. GITEA_GATE_BINARY (action input `binary`): a binary installed on the runner beforehand,
#    used only if its sha256 is the one release/SHA256SUMS lists and its selftest prints
#    release/VERDICTS' digest.
# 1. A cached binary for this version and arch, if its sha256 still matches the checksum list.
# 2. Otherwise the release asset for this arch, downloaded from the first source that has it, in
#    this order (`--print-sources` lists them):
#      a. GITEA_GATE_DOWNLOAD_URL (action input `download-url`): a mirror holding the assets;
#      b. the Gitea instance running the job: the release of the action's repository there
#         (GITHUB_SERVER_URL/GITHUB_ACTION_REPOSITORY/releases/download/vX.Y.Z);
#      c. the instance's generic package registry, under the action repository's owner
#         (GITHUB_SERVER_URL/api/packages/OWNER/generic/gitea-gate/X.Y.Z; docs/releasing.md has
#         the one-command upload);
#      d. where the action itself came from: the origin remote of its checkout (github.com for a
#         plain `uses: OWNER/gitea-gate@v1` under Gitea's default DEFAULT_ACTIONS_URL, the host of
#         `uses: https://HOST/OWNER/…`).
#    GITEA_GATE_INSTALL_TOKEN (action input `install-token`, else the gate's `token`) is sent to
#    sources on the instance's own host, and to no other (so a private action repository there
#    works); never on the command line, where `ps` would show it. A source that answers with a
#    web page (a sign-in redirect), a 404 or nothing is "not there": the next one is tried, and
#    each gives up within seconds on an offline runner. A download is verified against
#    release/SHA256SUMS — the list committed in the action's own repository at the tag being run,
#    so a tampered download is refused — and then runs `selftest` on the runner and is refused
#    unless its verdict digest equals release/VERDICTS: the same verdicts as the release machine,
#    on this runner's own CPU.
# 3. Only when GITEA_GATE_BUILD_FROM_SOURCE=true: a build from the action's source with cargo
#    (--locked), in a private target directory. Otherwise an unreleased checkout (no checksum for
#    this asset), or a release whose downloads all fail, stops at once listing every source and
#    what it answered: a build takes minutes, and for a release it is not the release's bytes.
# Never runs an unverified binary.
#
# The tool cache is shared on host-mode runners: another job may replace a cached file at any
# moment, including after it was verified. So the binary that is reported is never the cached
# file itself: it is a copy in a private directory (mktemp -d under RUNNER_TEMP, mode 0700), and
# it is the COPY whose sha256 is checked. run.sh then executes exactly that path (and checks the
# sha256 once more). Nothing that runs with the token is ever read from a shared path twice.
#
# Environment (the runner sets most of it; docs/gitea.md §8.1):
#   GITHUB_ACTION_PATH        the action's checkout (default: this script's repository)
#   GITHUB_SERVER_URL, GITHUB_ACTION_REPOSITORY   where the release lives
#   RUNNER_ARCH               X64/ARM64 (docker mode) or amd64/arm64 (host mode)
#   RUNNER_TOOL_CACHE         cache root (default ~/.cache)
#   GITEA_GATE_CACHE          this tool's cache directory (default $RUNNER_TOOL_CACHE/gitea-gate)
#   RUNNER_TEMP               the job's temporary directory (default $TMPDIR, else /tmp); the
#                             private copy lives in a fresh directory beneath it
#   GITEA_GATE_DOWNLOAD_URL   a mirror holding the release assets, tried first (the checksums
#                             still come from the action's repository); GATE_DOWNLOAD_URL (the
#                             action input) wins over it
#   GITEA_GATE_BINARY         a pre-installed binary (GATE_BINARY_PATH, the input, wins)
#   GITEA_GATE_INSTALL_TOKEN  a token for the instance's own sources
#
# `install.sh --print-assets` prints the asset names of this version, one a line (the names
# release/SHA256SUMS must list); `install.sh --print-sources` prints the download base URLs it
# would try, in order. Neither downloads anything.
set -euo pipefail

say() { printf 'gitea-gate install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
sums="$action_path/release/SHA256SUMS"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n1)
[[ -n "$version" ]] || die "cannot read the version from $action_path/Cargo.toml"

# The one naming of release assets (`xtask release` names dist/ files the same way).
asset_name() { printf 'gitea-gate-%s-%s-linux\n' "$version" "$1"; }
if [[ "${1:-}" == --print-assets ]]; then
  asset_name x86_64
  asset_name aarch64
  exit 0
fi

raw_arch=${RUNNER_ARCH:-$(uname -m)}
case "${raw_arch,,}" in
  x64|amd64|x86_64) arch=x86_64 ;;
  arm64|aarch64) arch=aarch64 ;;
  *) die "unsupported runner architecture '$raw_arch' (gitea-gate ships x86_64 and aarch64 Linux binaries)" ;;
esac
asset=$(asset_name "$arch")
cache_dir="${GITEA_GATE_CACHE:-${RUNNER_TOOL_CACHE:-$HOME/.cache}/gitea-gate}/$version/$arch"
cached="$cache_dir/gitea-gate"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# A directory only this job can use: mktemp -d creates it with mode 0700 under a fresh name.
private_dir() {
  local base=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
  private=$(mktemp -d "$base/gitea-gate.XXXXXXXX") || die "cannot create a private directory under $base"
  chmod 0700 "$private"
}

# report PATH SHA256 HOW: tell the action which binary to run (or print it when run by hand), stop.
report() {
  say "using $1 ($3)"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf 'binary=%s\nsha256=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  else
    printf '%s\n' "$1"
  fi
  exit 0
}

# private_copy SOURCE EXPECTED: copy SOURCE into a private directory and verify the COPY against
# EXPECTED; sets $copy. The source may be swapped at any time; the copy cannot be.
private_copy() {
  private_dir
  copy="$private/gitea-gate"
  cp "$1" "$copy" || die "cannot copy $1 into $private"
  chmod 0700 "$copy"
  if [[ "$(sha256_of "$copy")" != "$2" ]]; then
    rm -rf "$private"
    return 1
  fi
}

# git_config_file: the git config of the action checkout: `.git/config` of a clone, or, for a
# worktree (forgejo-runner checks each action ref out as a worktree of one cached clone: `.git` is
# a file `gitdir: …/worktrees/NAME`, whose `commondir` names the clone's git directory), the
# shared config of that clone. Empty when there is none.
git_config_file() {
  local dot="$action_path/.git" gitdir common
  if [[ -d "$dot" ]]; then
    printf '%s\n' "$dot/config"
    return 0
  fi
  [[ -f "$dot" ]] || return 0
  gitdir=$(sed -n 's/^gitdir:[[:space:]]*//p' "$dot" | head -n1)
  [[ -n "$gitdir" ]] || return 0
  [[ "$gitdir" == /* ]] || gitdir="$action_path/$gitdir"
  common=$gitdir
  if [[ -f "$gitdir/commondir" ]]; then
    common=$(head -n1 "$gitdir/commondir")
    [[ "$common" == /* ]] || common="$gitdir/$common"
  fi
  printf '%s\n' "$common/config"
}

# origin_url: the action checkout's origin remote as an https:// (or http://) repository URL,
# without credentials and without .git; empty when there is none. The runner cloned the action
# from there, so its release lives there too.
origin_url() {
  local url="" config
  [[ -e "$action_path/.git" ]] || return 0
  if command -v git >/dev/null 2>&1; then
    url=$(git -C "$action_path" config --get remote.origin.url 2>/dev/null || true)
  fi
  config=$(git_config_file)
  if [[ -z "$url" && -n "$config" && -f "$config" ]]; then
    url=$(awk '/^\[remote "origin"\]/ { o = 1; next } /^\[/ { o = 0 } o && $1 == "url" { sub(/^[^=]*=[ \t]*/, ""); print; exit }' \
      "$config")
  fi
  url=${url%/}
  url=${url%.git}
  case "$url" in
    http://* | https://*)
      local scheme=${url%%://*} rest=${url#*://}
      local authority=${rest%%/*} path=${rest#*/}
      [[ "$rest" == */* ]] || path=""
      printf '%s://%s/%s\n' "$scheme" "${authority##*@}" "$path"
      ;;
    ssh://*)
      local rest=${url#ssh://}
      local authority=${rest%%/*} path=${rest#*/}
      authority=${authority##*@}
      printf 'https://%s/%s\n' "${authority%%:*}" "$path"
      ;;
    *@*:*)
      local host=${url#*@}
      printf 'https://%s/%s\n' "${host%%:*}" "${host#*:}"
      ;;
  esac
}

# The download base URLs, in the order tried (see the top of this file).
download_url=${GATE_DOWNLOAD_URL:-${GITEA_GATE_DOWNLOAD_URL:-}}
sources=()
add_source() {
  local known
  for known in "${sources[@]}"; do [[ "$known" == "$1" ]] && return 0; done
  sources+=("$1")
}
[[ -z "$download_url" ]] || add_source "${download_url%/}"
server=${GITHUB_SERVER_URL:-}
server=${server%/}
if [[ -n "$server" && -n "${GITHUB_ACTION_REPOSITORY:-}" ]]; then
  add_source "$server/$GITHUB_ACTION_REPOSITORY/releases/download/v$version"
  add_source "$server/api/packages/${GITHUB_ACTION_REPOSITORY%%/*}/generic/gitea-gate/$version"
fi
origin=$(origin_url)
[[ -z "$origin" ]] || add_source "$origin/releases/download/v$version"
if [[ "${1:-}" == --print-sources ]]; then
  printf '%s\n' "${sources[@]}"
  exit 0
fi

# web_page FILE CONTENT_TYPE: is the answer a web page (served as HTML, or starting with `<`)?
# No release asset is: the source does not have the asset for us (a login redirect on an instance
# that requires signing in, an error page), which is not the same as an altered download.
web_page() {
  local start
  start=$(head -c 64 "$1" | tr -d ' \t\r\n\0')
  [[ "${2,,}" == text/html* || "$start" == "<"* ]]
}

# prove_on_runner BINARY RELEASED: run its selftest here, on this runner's CPU, and refuse it
# unless the verdict digest equals the one committed with the release (release/VERDICTS, written
# by `xtask release`). An unreleased checkout (RELEASED=false: this version has no checksum)
# is not the release VERDICTS describes; its selftest must still pass.
verdicts="$action_path/release/VERDICTS"
prove_on_runner() {
  local out got want=""
  [[ "$2" == true && -f "$verdicts" ]] && want=$(head -n1 "$verdicts")
  if ! out=$("$1" selftest 2>&1); then
    say "$(printf '%s\n' "$out" | tail -n3)"
    say "error: refusing $asset: its selftest failed on this runner (the binary cannot reproduce the release's verdicts here)"
    return 1
  fi
  got=$(printf '%s\n' "$out" | tail -n1)
  if [[ -n "$want" && "$got" != "$want" ]]; then
    say "error: refusing $asset: its selftest on this runner printed '$got', but release/VERDICTS at this tag says '$want'. The binary decides differently here than on the release machine; report it, and pin the previous release meanwhile."
    return 1
  fi
  say "selftest on this runner: ${got}${want:+ (equals release/VERDICTS)}"
}

# same_host URL URL: the same scheme, host and port.
same_host() {
  local a=${1,,} b=${2,,}
  [[ -n "$b" ]] || return 1
  a=${a%%\?*}; b=${b%%\?*}
  [[ "${a%%://*}" == "${b%%://*}" ]] || return 1
  a=${a#*://}; b=${b#*://}
  [[ "${a%%/*}" == "${b%%/*}" ]]
}

# fetch URL FILE: download URL into FILE; success only for the asset itself. Otherwise prints
# what the source answered (an HTTP status, a web page, no answer). The install token goes to the
# instance's own host only, read by curl from a private file, and curl never forwards it to
# another host on a redirect.
fetch() {
  local url=$1 out=$2 header="" meta code type effective rc=0
  local auth=()
  if [[ -n "${GITEA_GATE_INSTALL_TOKEN:-}" ]] && same_host "$url" "$server"; then
    header="$private/.authorization"
    (umask 077 && printf 'Authorization: token %s\n' "$GITEA_GATE_INSTALL_TOKEN" >"$header")
    auth=(-H "@$header")
  fi
  # Short connection attempts, and a source that stalls (under 1 KB/s for 5 s) is given up: on an
  # offline runner, or against a server that accepts and never answers, each source costs seconds.
  meta=$(curl -sSL --retry 1 --retry-delay 1 --connect-timeout 4 --speed-limit 1024 --speed-time 5 --max-time 300 \
    "${auth[@]}" \
    -w '%{http_code} %{content_type} %{url_effective}' -o "$out" "$url" 2>"$private/.curl-error") || rc=$?
  [[ -z "$header" ]] || rm -f "$header"
  if (( rc != 0 )); then
    printf 'no answer (%s)' "$(tail -n1 "$private/.curl-error" | sed 's/^curl: ([0-9]*) //')"
    return 1
  fi
  code=${meta%% *}; meta=${meta#* }; type=${meta%% *}; effective=${meta#* }
  if [[ "$code" != 200 ]]; then
    printf 'HTTP %s (not there)' "$code"
    return 1
  fi
  if web_page "$out" "$type"; then
    # No release asset is a web page: a sign-in redirect, an error page. Not an altered download.
    printf 'a web page (%s), not the asset: does the instance require signing in? (install-token)' "${effective%%\?*}"
    return 1
  fi
}

expected=""
if [[ -f "$sums" ]]; then
  expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$sums" | head -n1)
fi

preinstalled=${GATE_BINARY_PATH:-${GITEA_GATE_BINARY:-}}
if [[ -n "$preinstalled" ]]; then
  [[ -n "$expected" ]] ||
    die "binary: $preinstalled cannot be verified: release/SHA256SUMS lists no $asset for v$version (an unreleased checkout). Pin a release tag of the action."
  [[ -f "$preinstalled" ]] || die "binary: there is no file at $preinstalled on this runner"
  if ! private_copy "$preinstalled" "$expected"; then
    die "binary: $preinstalled is not the release's $asset: its sha256 is $(sha256_of "$preinstalled"), release/SHA256SUMS at this tag says $expected. Install v$version's asset there, or drop the input to download it."
  fi
  prove_on_runner "$copy" true || { rm -rf "$private"; exit 1; }
  report "$copy" "$expected" "pre-installed $preinstalled, sha256 verified on the private copy, selftest digest verified"
fi

if [[ -n "$expected" ]]; then
  if [[ -f "$cached" ]]; then
    if private_copy "$cached" "$expected"; then
      report "$copy" "$expected" "cached, sha256 verified on the private copy"
    fi
    say "the cached $cached does not match release/SHA256SUMS; not using it"
  fi
  tried=()
  for base in "${sources[@]}"; do
    # Downloaded straight into the private directory and verified there; the cache only gets a
    # copy for the next job (which verifies its own private copy again).
    private_dir
    copy="$private/gitea-gate"
    say "downloading $base/$asset"
    if answer=$(fetch "$base/$asset" "$copy"); then
      rm -f "$private/.curl-error"
      actual=$(sha256_of "$copy")
      if [[ "$actual" != "$expected" ]]; then
        rm -rf "$private"
        die "checksum mismatch for $asset from $base: expected $expected (release/SHA256SUMS at this tag), got $actual. Refusing to run it: the download was altered or the release assets do not match this tag."
      fi
      chmod 0700 "$copy"
      prove_on_runner "$copy" true || { rm -rf "$private"; exit 1; }
      if mkdir -p "$cache_dir" && tmp=$(mktemp "$cache_dir/.download.XXXXXX"); then
        { cp "$copy" "$tmp" && chmod 0755 "$tmp" && mv -f "$tmp" "$cached"; } || { rm -f "$tmp"; say "could not cache $cached"; }
      fi
      report "$copy" "$expected" "downloaded, sha256 verified on the private copy, selftest digest verified; from $base"
    fi
    rm -rf "$private"
    say "$base: $answer; trying the next source"
    tried+=("$base/$asset: $answer")
  done
  build_wanted=false
  case "${GITEA_GATE_BUILD_FROM_SOURCE:-}" in true|1|yes) build_wanted=true ;; esac
  if ! $build_wanted || ! command -v cargo >/dev/null 2>&1; then
    how="set GITEA_GATE_BUILD_FROM_SOURCE=true to build it from the action's source with cargo (several minutes)"
    command -v cargo >/dev/null 2>&1 || how="or install Rust on the runner and set GITEA_GATE_BUILD_FROM_SOURCE=true to build it"
    if [[ ${#tried[@]} -eq 0 ]]; then
      die "no verified release binary for $asset: no download source is known (no origin remote in $action_path, no GITHUB_SERVER_URL/GITHUB_ACTION_REPOSITORY). Set GITEA_GATE_DOWNLOAD_URL to a URL holding the release assets; $how."
    fi
    say "error: cannot download $asset; every source was tried:"
    printf '  %s\n' "${tried[@]}" >&2
    die "put the release assets of v$version where a runner can reach them: the action input download-url (or GITEA_GATE_DOWNLOAD_URL) naming a mirror, or the instance's generic package registry (docs/releasing.md); $how."
  fi
  say "trying a build from source (GITEA_GATE_BUILD_FROM_SOURCE)"
else
  case "${GITEA_GATE_BUILD_FROM_SOURCE:-}" in
    true|1|yes) say "no checksum for $asset in release/SHA256SUMS (an unreleased checkout); building from source" ;;
    *) die "v$version is not a release: release/SHA256SUMS lists no $asset (an unreleased checkout, e.g. main). Pin a release tag (uses: OWNER/gitea-gate@v1), or set GITEA_GATE_BUILD_FROM_SOURCE=true to build this checkout with cargo (several minutes)." ;;
  esac
fi

command -v cargo >/dev/null 2>&1 ||
  die "no verified release binary for $asset and no cargo to build one. Pin the action to a release tag (uses: OWNER/gitea-gate@v1), or install Rust on the runner."
say "building from source with cargo --locked: this takes several minutes (wasmtime is large); pin a release tag to download a verified binary instead"
# A private target directory: a shared one could be written by another job between the build and
# the run (and its build scripts run with this job's environment).
private_dir
# The binary and the build tool, which precompiles the guest (the committed wasm) and attaches its
# machine code, as the release does (`xtask release`). The build keeps the JIT: the tool needs
# Cranelift, and building the runtime a second time without it would cost more than it saves.
cargo build --release --locked --quiet --manifest-path "$action_path/Cargo.toml" -p gitea-gate -p xtask \
  --target-dir "$private/build" >&2
[[ -x "$private/build/release/xtask" ]] || die "cargo reported success but produced no $private/build/release/xtask"
"$private/build/release/xtask" precompile --out "$private/aot" >&2 || die "could not precompile the guest"
built="$private/gitea-gate"
"$private/build/release/xtask" attach "$private/build/release/gitea-gate" --target "$(uname -m)-unknown-linux-gnu" \
  --aot "$private/aot" --out "$built" >&2 || die "could not attach the guest's machine code to the binary"
[[ -f "$built" ]] || die "cargo reported success but produced no $built"
prove_on_runner "$built" "$([[ -n "$expected" ]] && echo true || echo false)" || exit 1
report "$built" "$(sha256_of "$built")" "built from source in $private"
