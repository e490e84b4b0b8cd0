#!/usr/bin/env bash
# Build the guest (guest/) for wasm32-wasip1 and install it where the host embeds it:
#   host/guest/gitea-gate-guest.wasm          the module
#   host/guest/gitea-gate-guest.wasm.sha256   its digest, in sha256sum format
#   host/guest/PROVENANCE                     toolchain, flags and a digest of the guest sources
# (Its machine code is not committed: `scripts/xtask precompile` makes it at build time.)
#
# Usage: scripts/build-guest.sh           build and install
#        scripts/build-guest.sh --check   rebuild into a scratch directory and prove the committed
#                                         artifact is byte-identical (what CI runs)
#
# Toolchain: a rustup toolchain with the wasm32-wasip1 target when one is installed (the ordinary
# path), otherwise Debian's rustc-web with std built from source (scripts/prereqs.sh names the
# packages: rustc-web cargo-web rust-web-src rust-web-llvm lld-22 wasi-libc).
# The committed artifact records which one built it; --check rebuilds with the same kind, because
# two different compilers never produce the same bytes.
set -euo pipefail
# The guest is compiled by Debian's rustc alone, never through a wrapper (scripts/test.sh lints
# the host's builds through rustup's clippy-driver, which cannot build for this toolchain).
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest="$root/host/guest"
mode=install
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

target=wasm32-wasip1
name=gitea-gate-guest
# A separate target dir: RUSTFLAGS differ from the host build's and would evict its cache.
target_dir="$root/target/guest-build"
cargo_home=${CARGO_HOME:-${HOME:-/root}/.cargo}
# Paths differ between machines; the bytes must not. Debian's std sources live at the same
# absolute path everywhere, the workspace and the registry do not.
remap=(--remap-path-prefix="$root=/gitea-gate" --remap-path-prefix="$cargo_home=/cargo")

have_rustup_target() {
  command -v rustup >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx "$target"
}
if [[ "${GUEST_TOOLCHAIN:-}" == debian ]] || { [[ -z "${GUEST_TOOLCHAIN:-}" ]] && ! have_rustup_target; }; then
  # One line per missing piece, naming its package (or: rustup target add wasm32-wasip1).
  if ! "$BASH" "$root/scripts/prereqs.sh" --check guest >&2; then
    echo "error: the guest cannot be built for $target; install the packages above (scripts/prereqs.sh --install)" >&2
    exit 2
  fi
  kind=debian
  rustc=/usr/bin/rustc
  build() {
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$target_dir" \
      RUSTFLAGS="-L /usr/lib/wasm32-wasi -C link-self-contained=no -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o -Zlocation-detail=none ${remap[*]}" \
      /usr/bin/cargo build --locked --quiet --manifest-path "$root/Cargo.toml" -p "$name" --bin "$name" \
      --profile guest --target "$target" -Zbuild-std=std,panic_abort
  }
else
  kind=rustup
  rustc="rustc"
  build() {
    CARGO_TARGET_DIR="$target_dir" RUSTFLAGS="${remap[*]}" \
      cargo build --locked --quiet --manifest-path "$root/Cargo.toml" -p "$name" --bin "$name" \
      --profile guest --target "$target"
  }
fi

toolchain=$("$rustc" -V)
# The sources the artifact is built from (the guest and the protocol crate it shares with the
# host), digested in a stable order. The host's tests recompute
# this to catch a guest edit without a rebuild, even on machines that cannot build wasm.
source_digest() {
  (cd "$root" && { echo guest/Cargo.toml; echo protocol/Cargo.toml;
                   find guest/src protocol/src -type f -name '*.rs' | LC_ALL=C sort; } |
    while read -r f; do printf '%s  %s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"; done |
    sha256sum | cut -d' ' -f1)
}

echo "building the guest with $toolchain ($kind) …" >&2
start=$(date +%s)
build
built="$target_dir/$target/guest/$name.wasm"
echo "built $(stat -c %s "$built") bytes in $(( $(date +%s) - start )) s" >&2
digest=$(sha256sum "$built" | cut -d' ' -f1)

if [[ $mode == check ]]; then
  committed="$dest/$name.wasm"
  recorded=$(grep '^toolchain: ' "$dest/PROVENANCE" | cut -d' ' -f2-)
  if [[ "$recorded" != "$toolchain ($kind)" ]]; then
    cat >&2 <<EOF
error: the committed guest was built with '$recorded', this machine has '$toolchain ($kind)';
       bytes can only be compared with the same compiler (GUEST_TOOLCHAIN=debian or rustup picks one).
       To re-bless the guest with this compiler in one step: scripts/build-guest.sh && git add host/guest
       That changes the wasm bytes and their sha256 (host/guest/PROVENANCE, the guest digest that
       gitea-gate --version prints), not any verdict: the selftest digest must stay the same.
EOF
    exit 1
  fi
  if ! cmp -s "$built" "$committed"; then
    echo "error: host/guest/$name.wasm does not match the guest source." >&2
    echo "       committed: $(sha256sum "$committed" | cut -d' ' -f1)" >&2
    echo "       rebuilt:   $digest" >&2
    echo "       run scripts/build-guest.sh and commit host/guest/." >&2
    exit 1
  fi
  if ! (cd "$dest" && sha256sum --quiet -c "$name.wasm.sha256"); then
    echo "error: host/guest/$name.wasm.sha256 does not match the artifact; run scripts/build-guest.sh." >&2
    exit 1
  fi
  echo "ok: host/guest/$name.wasm is byte-identical to a fresh build of guest/ (sha256 $digest)" >&2
  exit 0
fi

mkdir -p "$dest"
cp "$built" "$dest/$name.wasm"
(cd "$dest" && sha256sum "$name.wasm" > "$name.wasm.sha256")
cat > "$dest/PROVENANCE" <<EOF
# Written by scripts/build-guest.sh; checked by scripts/build-guest.sh --check and the host's tests.
artifact: $name.wasm
sha256: $digest
toolchain: $toolchain ($kind)
target: $target
profile: guest
source-digest: $(source_digest)
EOF
echo "installed host/guest/$name.wasm (sha256 $digest)" >&2
