#!/usr/bin/env bash
# Build the release binaries and the checksum list install.sh trusts; check that a build is
# reproducible and that both architectures decide identically.
#
#   scripts/release.sh [all|x86_64|aarch64]   build, selftest, write release/SHA256SUMS and
#                                             release/VERDICTS (default: all)
#   scripts/release.sh identity               build both arches, selftest both (aarch64 under
#                                             qemu-aarch64), fail unless the verdict digests are
#                                             equal; then `names`; writes nothing under release/
#                                             (CI runs this)
#   scripts/release.sh names                  the static x86_64 binary reaches the fake Gitea by
#                                             host name (hosts file, loopback DNS) without NSS
#   scripts/release.sh reproducible           build x86_64 twice, from this checkout and from a
#                                             clone at another path; fail unless byte-identical
#   scripts/release.sh ci                     identity, honest, then the release workflow under
#                                             act (host/tests/integration/e2e_release.rs: both
#                                             arches rebuilt at another path, byte-identical),
#                                             timed (scripts/test.sh runs it beside the other
#                                             steps, then the budgets on the binaries it leaves
#                                             in dist/)
#   scripts/release.sh verify [DIR]           rebuild every asset release/SHA256SUMS names (into
#                                             DIR, default a scratch directory) and compare:
#                                             anyone can check a published binary against the
#                                             source at its tag
#   scripts/release.sh honest                 main never claims a release it is not: a version
#                                             without a pre-release part must have its assets in
#                                             release/SHA256SUMS, and any assets listed for this
#                                             version must be the binaries just built in dist/
#                                             (CI runs this after `identity`)
#   scripts/release.sh prepare X.Y.Z [NEXT]   cut a release: set the version, move CHANGELOG.md's
#                                             Unreleased section under it, build both arches
#                                             (`all`), commit, tag vX.Y.Z, then set main to NEXT
#                                             (default X.Y.(Z+1)-dev) and commit; pushing is yours
#   scripts/release.sh publish TAG            what .gitea/workflows/release.yml runs on a tag push:
#                                             rebuild both binaries from the tag, prove them
#                                             byte-identical to release/SHA256SUMS and their
#                                             selftest digests equal to release/VERDICTS (aarch64
#                                             under qemu), publish the release with its assets
#                                             (`xtask publish`), then `move-major`
#   scripts/release.sh move-major TAG         point the major tag (v1 for v1.4.2) at TAG on origin,
#                                             unless TAG is a pre-release or origin has a newer
#                                             vMAJOR.x.y release tag (a backport stays behind)
#
# docs/releasing.md tells the maintainer's side (one command, one push) and what the workflow
# proves.
# Each binary is linked statically (-C target-feature=+crt-static): it then runs on older-glibc
# runner images, and under qemu-user (a dynamically linked aarch64 binary deadlocks on its first
# thread start there). Without the `jit` feature: no Cranelift, about half the size. The binary
# runs the guest's machine code for its own arch, attached after linking: `scripts/xtask
# precompile` compiles the committed wasm with the host's pinned wasmtime and settings into
# target/guest-aot/ (never committed), `xtask attach` appends it (host/src/sandbox/machine_code.rs).
# Every binary built runs `selftest` and all must print the same verdict digest; otherwise no
# checksum list is written.
#
# GITEA_GATE_AOT_WAIT=SECONDS: another process makes target/guest-aot/ (scripts/test.sh's first
# lane, whose test build has the compiler already): link first, then wait up to SECONDS for it.
#
# Reproducible builds: the same source gives the same bytes, whatever the checkout path and
# CARGO_HOME. What makes it hold: the toolchains are pinned (rust-toolchain.toml for x86_64,
# Debian's rustc-web for aarch64, whose version the release notes record), dependencies are
# --locked, cargo hands rustc the workspace's sources by relative path and the registry's are
# remapped (--remap-path-prefix CARGO_HOME=/cargo; the toolchains' own std paths are fixed already),
# `strip = true` drops debug info, build.rs embeds
# nothing but committed files (the guest, the corpus) and their digests, codegen is deterministic
# for a fixed codegen-units, and so is Cranelift's precompiling of the guest (a host test proves
# two compiles equal). The release workflow's end-to-end test (`ci`) proves the path independence
# of both binaries on every CI run.
#
# Prerequisites: x86_64 needs rustup's toolchain only; aarch64 needs Debian's cross toolchain and
# qemu (scripts/prereqs.sh --install arm64 installs them):
#   dpkg --add-architecture arm64
#   apt-get install libstd-rust-web-dev:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
#
# Cutting a release (maintainer): scripts/release.sh prepare X.Y.Z, then
# `git push origin HEAD vX.Y.Z`; the release workflow does the rest (`publish`).
# install.sh verifies downloads against release/SHA256SUMS as committed at the tag being run.
#
# CARGO_TARGET_DIR, when set, is the target directory of every build here (default target/).
#   The end-to-end test of the release workflow points it at the CI build's, so the rebuild from
#   a copy of the tree reuses what is compiled and the comparison still covers every byte.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
which=${1:-all}
cargo_home=${CARGO_HOME:-${HOME:-/root}/.cargo}
target=${CARGO_TARGET_DIR:-$root/target}
die() { echo "error: $*" >&2; exit 1; }

# build ARCH [SOURCE_DIR]: link the static release binary of SOURCE_DIR (default: this checkout),
# without machine code, as target/<triple>/release/gitea-gate.
build() {
  local arch=$1 src=${2:-$root} triple=$1-unknown-linux-gnu
  # Workspace sources reach rustc as relative paths already; only the registry's are absolute.
  # (Remapping the checkout too would put the path into RUSTFLAGS, and with it into every
  # dependency's fingerprint: a second path would rebuild the world.)
  local flags="-C target-feature=+crt-static --remap-path-prefix=$cargo_home=/cargo"
  echo "== building $triple (static) from $src" >&2
  local started=$(date +%s)
  # A release binary is compiled by the pinned rustc alone, never through a wrapper
  # (scripts/test.sh lints its own builds through clippy-driver): the subshells unset it.
  if [[ $arch == x86_64 ]]; then
    (cd "$src" && unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS && CARGO_TARGET_DIR="$target" RUSTFLAGS="$flags" \
      cargo build --release --locked --quiet -p gitea-gate --no-default-features --target "$triple")
  else
    # rustup here has only the x86_64 target; Debian's toolchain carries aarch64's std.
    (cd "$src" && unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS && CARGO_TARGET_DIR="$target" RUSTC=/usr/bin/rustc \
      CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc RUSTFLAGS="$flags" \
      /usr/bin/cargo build --release --locked --quiet -p gitea-gate --no-default-features --target "$triple")
  fi
  echo "   linked $triple in $(( $(date +%s) - started )) s" >&2
}

# machine_code: target/guest-aot/ holds the committed wasm's machine code for every release
# target (scripts/xtask precompile), made here unless GITEA_GATE_AOT_WAIT says another process
# makes it.
machine_code() {
  local manifest="$target/guest-aot/aot.sha256" wasm waited=0
  wasm=$(cut -d' ' -f1 "$root/host/guest/gitea-gate-guest.wasm.sha256")
  fresh() { [[ -s $manifest ]] && grep -qx "$wasm  gitea-gate-guest.wasm" "$manifest"; }
  if [[ -n ${GITEA_GATE_AOT_WAIT:-} ]]; then
    until fresh; do
      (( waited < GITEA_GATE_AOT_WAIT )) || { echo "error: no machine code in $target/guest-aot/ after ${waited}s" >&2; exit 1; }
      sleep 5; waited=$(( waited + 5 ))
    done
    echo "== machine code ready in target/guest-aot/ (waited ${waited}s)" >&2
  elif ! fresh; then
    echo "== precompiling the guest for every release target (scripts/xtask precompile)" >&2
    (unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS; CARGO_TARGET_DIR="$target" cargo build --locked --quiet -p xtask)
    CARGO_TARGET_DIR="$target" "$target/debug/xtask" precompile
  fi
}

# ship ARCH [OUT]: the linked ARCH binary with its machine code attached, as OUT.
ship() {
  local arch=$1 out=${2:-dist/gitea-gate-$version-$1-linux}
  mkdir -p "$(dirname "$out")"
  "$target/debug/xtask" attach "$target/$arch-unknown-linux-gnu/release/gitea-gate" \
    --target "$arch-unknown-linux-gnu" --aot "$target/guest-aot" --out "$out"
  echo "   $out: $(stat -c %s "$out") bytes" >&2
}

# selftest BINARY ARCH: the verdict digest line the binary prints for the golden corpus.
selftest() {
  local bin=$1 arch=$2
  if [[ $arch == aarch64 && $(uname -m) != aarch64 ]]; then
    # No unchecked binary is released: without qemu the arm64 identity cannot be shown.
    if ! command -v qemu-aarch64 >/dev/null; then
      echo "error: qemu-aarch64 is needed to selftest $bin (apt-get install qemu-user)" >&2
      exit 1
    fi
    qemu-aarch64 "$bin" selftest | tail -n1
  else
    "$bin" selftest | tail -n1
  fi
}

# identical_digests ARCH…: selftest each dist binary; print each digest; fail unless all equal.
identical_digests() {
  local arch out digests=()
  for arch in "$@"; do
    out=$(selftest "dist/gitea-gate-$version-$arch-linux" "$arch")
    echo "selftest $arch: $out" >&2
    [[ -n "$out" ]] || { echo "error: $arch selftest printed no digest" >&2; return 1; }
    digests+=("$out")
  done
  if [[ $(printf '%s\n' "${digests[@]}" | sort -u | wc -l) -ne 1 ]]; then
    echo "error: the architectures disagree on the golden corpus" >&2
    return 1
  fi
  printf '%s\n' "${digests[0]}"
}

# names: the static x86_64 binary resolves host names without the runner's NSS — it reaches the
# fake Gitea by a hosts-file name and by a DNS answer from a loopback name server, and reports an
# unknown name as "cannot resolve" (host/tests/integration/resolve.rs, run against dist/'s binary).
names() {
  local bin="$root/dist/gitea-gate-$version-x86_64-linux"
  echo "== name resolution of the static $bin" >&2
  GITEA_GATE_RESOLVE_BINARY="$bin" cargo test --quiet --locked -p gitea-gate --test integration -- resolve:: >&2
  echo "ok: the static x86_64 binary resolves by hosts file and DNS without NSS" >&2
}

case $which in
  all | x86_64 | aarch64)
    if [[ $which == all ]]; then arches=(x86_64 aarch64); else arches=("$which"); fi
    for arch in "${arches[@]}"; do build "$arch"; done
    machine_code
    for arch in "${arches[@]}"; do ship "$arch"; done
    digest=$(identical_digests "${arches[@]}") || { echo "not releasing" >&2; exit 1; }
    mkdir -p release
    # The checksum list covers every asset present in dist/ for this version.
    (cd dist && sha256sum gitea-gate-"$version"-*-linux) | sort -k2 >release/SHA256SUMS
    # What selftest must print on every runner (install.sh checks it after a download).
    printf '%s\n' "$digest" >release/VERDICTS
    ls -l dist/gitea-gate-"$version"-*-linux >&2
    cat release/SHA256SUMS release/VERDICTS
    ;;
  identity)
    build x86_64
    build aarch64
    machine_code
    ship x86_64
    ship aarch64
    identical_digests x86_64 aarch64 >/dev/null
    echo "ok: x86_64 and aarch64 print the same verdict digest" >&2
    names
    ;;
  names)
    build x86_64
    machine_code
    ship x86_64
    names
    ;;
  reproducible)
    other=$(mktemp -d "${TMPDIR:-/tmp}/gitea-gate-repro.XXXXXX")
    trap 'rm -rf "$other"' EXIT
    git clone --quiet --no-hardlinks "$root" "$other/src"
    # Uncommitted changes travel too, so the two trees hold the same source.
    git diff HEAD | (cd "$other/src" && git apply --allow-empty)
    machine_code
    build x86_64 "$root"
    ship x86_64 "$other/first"
    build x86_64 "$other/src"
    ship x86_64 "$other/second"
    a=$(sha256sum <"$other/first" | cut -d' ' -f1)
    b=$(sha256sum <"$other/second" | cut -d' ' -f1)
    echo "x86_64 from $root:      $a" >&2
    echo "x86_64 from $other/src: $b" >&2
    [[ $a == "$b" ]] || { echo "error: the same source built at two paths differs" >&2; exit 1; }
    echo "ok: byte-identical from two checkout paths" >&2
    ;;
  ci)
    started=$(date +%s)
    echo "== arm64 identity: static release binaries for x86_64 and aarch64 decide identically"
    "$0" identity
    echo "== honest version: main's version and release/SHA256SUMS agree with what was just built"
    "$0" honest
    # The release workflow's run rebuilds both binaries from a copy of the tree at another path
    # and requires them byte-identical to dist/: the reproducibility proof, for both arches
    # (`reproducible` alone checks x86_64 and stays for manual use).
    echo "== the release workflow under act: a tag push rebuilds both arches at another path, compares, publishes ($(( $(date +%s) - started ))s into the lane)"
    GITEA_GATE_RELEASE_DIST="$root/dist" cargo test --quiet --locked -p gitea-gate --test integration -- e2e_release:: >&2
    echo "== release lane done in $(( $(date +%s) - started ))s"
    ;;
  verify)
    [[ -s release/SHA256SUMS ]] || { echo "error: release/SHA256SUMS is missing or empty" >&2; exit 1; }
    if [[ -n ${2:-} ]]; then
      scratch=$2
      mkdir -p "$scratch"
    else
      scratch=$(mktemp -d "${TMPDIR:-/tmp}/gitea-gate-verify.XXXXXX")
      trap 'rm -rf "$scratch"' EXIT
    fi
    machine_code
    # x86_64 first (its build is the shorter), and the first mismatch ends it: one differing
    # binary already means the list cannot be trusted, and the next would cost another build.
    while read -r sum name; do
      arch=${name#gitea-gate-"$version"-}
      arch=${arch%-linux}
      build "$arch"
      ship "$arch" "$scratch/$name"
      got=$(sha256sum <"$scratch/$name" | cut -d' ' -f1)
      if [[ $got != "$sum" ]]; then
        echo "MISMATCH: $name rebuilt as $got, the list says $sum" >&2
        exit 1
      fi
      echo "ok: $name matches release/SHA256SUMS" >&2
    done < <(sort -k2 -r release/SHA256SUMS)
    ;;
  honest)
    listed=$(awk -v v="gitea-gate-$version-" 'index($2, v) == 1' release/SHA256SUMS 2>/dev/null || true)
    if [[ -z $listed ]]; then
      [[ $version == *-* ]] || die "Cargo.toml says $version, a release version, but release/SHA256SUMS lists no asset of it: release with scripts/release.sh prepare, or give main a pre-release version (X.Y.Z-dev)"
      echo "ok: $version is a pre-release and release/SHA256SUMS claims nothing for it" >&2
      exit 0
    fi
    while read -r sum name; do
      [[ -f dist/$name ]] || die "release/SHA256SUMS lists $name, but this build made no dist/$name"
      got=$(sha256sum <"dist/$name" | cut -d' ' -f1)
      [[ $got == "$sum" ]] || die "main says version $version, and release/SHA256SUMS lists $name as $sum, but this tree builds $got: a version's checksums are only true at its tag (scripts/release.sh prepare moves main to the next -dev version)"
      echo "ok: dist/$name is what release/SHA256SUMS lists for $version" >&2
    done <<<"$listed"
    ;;
  prepare)
    new=${2:-}
    [[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] || die "usage: $0 prepare X.Y.Z [NEXT] (got '${new}')"
    if [[ -n ${3:-} ]]; then
      next=$3
    elif [[ $new == *-* ]]; then
      next=$version
    else
      IFS=. read -r major minor patch <<<"$new"
      next="$major.$minor.$((patch + 1))-dev"
    fi
    [[ $next == *-* ]] || die "main's next version must be a pre-release (X.Y.Z-dev), not $next"
    [[ -z $(git status --porcelain) ]] || die "the working tree has changes; a release is cut from a clean checkout"
    git rev-parse -q --verify "refs/tags/v$new" >/dev/null && die "the tag v$new exists already"
    set_version() {
      sed -i "0,/^version = \".*\"$/s//version = \"$1\"/" Cargo.toml
      cargo metadata --offline --format-version 1 >/dev/null # refreshes Cargo.lock's own versions
    }
    # The CHANGELOG first: it may still refuse (an empty Unreleased section) before anything
    # else is touched. After it, a failure leaves the tree half-prepared, and says how to undo it.
    (unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS; CARGO_TARGET_DIR="$target" cargo build --locked --quiet -p xtask)
    "$target/debug/xtask" changelog-release "$new" "$(date -u +%F)"
    trap 'echo "prepare failed half-way: git checkout -- . restores the tree" >&2' ERR
    set_version "$new"
    "$0" all
    git add Cargo.toml Cargo.lock CHANGELOG.md release/SHA256SUMS release/VERDICTS
    git commit -q -m "Release $new"
    git tag -a "v$new" -m "gitea-gate $new"
    set_version "$next"
    git add Cargo.toml Cargo.lock
    git commit -q -m "Main is $next again, after releasing $new"
    echo "released v$new locally; main is $next. Publish with:" >&2
    echo "  git push origin HEAD v$new" >&2
    ;;
  publish)
    tag=${2:-${GITHUB_REF_NAME:-}}
    [[ $tag == "v$version" ]] || die "the tag '$tag' is not v$version, the version Cargo.toml has at this commit"
    if tagged=$(git rev-parse -q --verify "refs/tags/$tag^{commit}"); then
      [[ $tagged == "$(git rev-parse HEAD)" ]] || die "the checkout is not the commit $tag names"
    fi
    for arch in x86_64 aarch64; do
      grep -q " gitea-gate-$version-$arch-linux\$" release/SHA256SUMS 2>/dev/null ||
        die "release/SHA256SUMS at $tag lists no gitea-gate-$version-$arch-linux (scripts/release.sh prepare writes it)"
    done
    echo "== rebuilding every asset from $tag and comparing it with release/SHA256SUMS" >&2
    rm -f dist/gitea-gate-"$version"-*-linux
    "$0" verify dist || die "not publishing: a binary built from $tag differs from release/SHA256SUMS"
    echo "== selftest of both binaries against release/VERDICTS" >&2
    digest=$(identical_digests x86_64 aarch64) || die "not publishing: the architectures disagree"
    [[ $digest == "$(head -n1 release/VERDICTS)" ]] ||
      die "not publishing: the binaries print '$digest', release/VERDICTS says '$(head -n1 release/VERDICTS)'"
    echo "ok: both binaries print release/VERDICTS' digest" >&2
    # (`verify` built the tool unless the target directory had it: CI's, built from this tree.)
    [[ -x $target/debug/xtask ]] ||
      (unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS; CARGO_TARGET_DIR="$target" cargo build --locked --quiet -p xtask)
    "$target/debug/xtask" publish --tag "$tag" --notes CHANGELOG.md \
      dist/gitea-gate-"$version"-x86_64-linux dist/gitea-gate-"$version"-aarch64-linux \
      release/SHA256SUMS release/VERDICTS
    "$0" move-major "$tag"
    ;;
  move-major)
    tag=${2:-}
    [[ $tag =~ ^v([0-9]+)\.[0-9]+\.[0-9]+(-.*)?$ ]] || die "usage: $0 move-major vX.Y.Z (got '$tag')"
    major="v${BASH_REMATCH[1]}"
    if [[ -n ${BASH_REMATCH[2]} ]]; then
      echo "$tag is a pre-release: $major stays where it is" >&2
      exit 0
    fi
    commit=$(git rev-parse -q --verify "refs/tags/$tag^{commit}") || die "no tag $tag in this checkout"
    newest=$(git ls-remote --tags --refs origin "refs/tags/$major.*" | sed 's|.*refs/tags/||' |
      grep -E "^$major\.[0-9]+\.[0-9]+$" | sort -V | tail -n1 || true)
    if [[ -n $newest && $newest != "$tag" && $(printf '%s\n%s\n' "$newest" "$tag" | sort -V | tail -n1) == "$newest" ]]; then
      echo "$major stays at $newest, which is newer than $tag" >&2
      exit 0
    fi
    git push --force --quiet origin "$commit:refs/tags/$major"
    echo "ok: $major now names $tag ($commit)" >&2
    ;;
  *) echo "usage: $0 [all|x86_64|aarch64|identity|names|reproducible|ci|verify|honest|prepare|publish|move-major]" >&2; exit 2 ;;
esac
