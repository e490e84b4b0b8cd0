#!/usr/bin/env bash
# Build the release binaries and the checksum list install.sh trusts.
#
#   scripts/release.sh [x86_64|aarch64|all]     (default: all)
#
# Writes dist/gitea-gate-<version>-<arch>-linux and release/SHA256SUMS (sha256sum format). Each
# binary is linked statically (-C target-feature=+crt-static): it then runs on older-glibc runner
# images, and under qemu-user (a dynamically linked aarch64 binary deadlocks on its first thread
# start there). Without the `jit` feature: no Cranelift, about half the size; the binary runs the
# embedded guest precompiled for its own arch (build.rs; wasmtime's all-arch feature lets an x86_64
# machine precompile for aarch64). Every binary built runs `selftest` (aarch64 under qemu-aarch64,
# which must be installed: apt-get install qemu-user) and all must print the same verdict digest;
# otherwise no checksum list is written.
#
# Static glibc note: gitea-gate resolves host names with getaddrinfo, which in a static binary
# still loads the runner's NSS modules for names in /etc/hosts or DNS. IP-literal URLs need none.
#
# Cutting a release (maintainer):
#   1. bump [workspace.package] version in Cargo.toml; scripts/release.sh all
#   2. commit release/SHA256SUMS; tag vX.Y.Z; push the tag
#   3. create the Gitea release vX.Y.Z and upload dist/gitea-gate-X.Y.Z-{x86_64,aarch64}-linux
#   4. move the major tag: git tag -f v1 vX.Y.Z && git push -f origin v1
# install.sh verifies downloads against release/SHA256SUMS as committed at the tag being run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
which=${1:-all}
mkdir -p dist release

build() {
  local arch=$1 triple=$1-unknown-linux-gnu
  echo "== building $triple (static)" >&2
  if [[ $arch == x86_64 ]]; then
    RUSTFLAGS="-C target-feature=+crt-static" \
      cargo build --release --locked -p gitea-gate --no-default-features --target "$triple"
  else
    # rustup here has only the x86_64 target; Debian's toolchain carries aarch64's std
    # (apt-get install libstd-rust-web-dev:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross).
    RUSTC=/usr/bin/rustc CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
      RUSTFLAGS="-C target-feature=+crt-static" \
      /usr/bin/cargo build --release --locked -p gitea-gate --no-default-features --target "$triple"
  fi
  cp "target/$triple/release/gitea-gate" "dist/gitea-gate-$version-$arch-linux"
}

selftest() {
  local arch=$1 bin="dist/gitea-gate-$version-$1-linux"
  if [[ $arch == aarch64 && $(uname -m) != aarch64 ]]; then
    # No unchecked binary is released: without qemu the arm64 identity cannot be shown.
    if ! command -v qemu-aarch64 >/dev/null; then
      echo "error: qemu-aarch64 is needed to selftest $bin (apt-get install qemu-user)" >&2
      exit 1
    fi
    qemu-aarch64 "$bin" selftest
  else
    "$bin" selftest
  fi
}

case $which in
  all) arches=(x86_64 aarch64) ;;
  x86_64|aarch64) arches=("$which") ;;
  *) echo "usage: $0 [x86_64|aarch64|all]" >&2; exit 2 ;;
esac
for arch in "${arches[@]}"; do build "$arch"; done

digests=()
for arch in "${arches[@]}"; do
  out=$(selftest "$arch" | tail -n1)
  echo "$arch: $out" >&2
  [[ -n "$out" ]] || { echo "error: $arch selftest printed no digest; not releasing" >&2; exit 1; }
  digests+=("$out")
done
if [[ ${#digests[@]} -gt 1 && $(printf '%s\n' "${digests[@]}" | sort -u | wc -l) -ne 1 ]]; then
  echo "error: the architectures disagree on the golden corpus; not releasing" >&2
  exit 1
fi

# The checksum list covers every asset present in dist/ for this version.
(cd dist && sha256sum gitea-gate-"$version"-*-linux) | sort -k2 >release/SHA256SUMS
ls -l dist/gitea-gate-"$version"-*-linux >&2
cat release/SHA256SUMS
