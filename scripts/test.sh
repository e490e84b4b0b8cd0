#!/usr/bin/env bash
# Every test, the way CI runs them (.ci/run installs the toolchain, then calls this).
#   scripts/test.sh            all of it
#   SKIP_GUEST_CHECK=1 ...     skip the wasm rebuild-and-compare (machines without a wasm toolchain)
#   SKIP_ARM64=1 ...           skip the aarch64 build under qemu and the reproducibility rebuild
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }

# What the tests need beyond rustup's toolchain (scripts/prereqs.sh has the list). As root on
# Debian it installs what is missing, as .ci/run does; elsewhere it stops with one line per
# missing tool naming its package.
step "prerequisites"
if ! scripts/prereqs.sh --check >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    scripts/prereqs.sh --install
  else
    scripts/prereqs.sh --check
    echo "error: install the packages above (as root: scripts/prereqs.sh --install), then run $0 again" >&2
    exit 2
  fi
fi

# Lints while the tests build: clippy-driver compiles the workspace's own crates (what `cargo
# clippy` does in check mode, here in build mode; CLIPPY_ARGS is how cargo-clippy hands it
# `-D warnings`), so the dependencies compile once, for the tests, instead of once more for a
# check. Every later cargo command of this lane runs with the same settings, so nothing is
# rebuilt; the release builds never do and neither does the guest's (`xtask release` and
# `xtask build-guest` clear them); set before the release lane starts, whose name-resolution tests
# share this lane's test build.
RUSTC_WORKSPACE_WRAPPER=$(command -v clippy-driver) ||
  { echo "error: clippy-driver not found (rustup component add clippy; rust-toolchain.toml names it)" >&2; exit 2; }
export RUSTC_WORKSPACE_WRAPPER
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"


# The shipped configuration (static, release, no JIT) for both architectures: the aarch64 binary
# runs selftest under qemu-aarch64 and must print the x86_64 binary's verdict digest; and the
# x86_64 binary must come out byte-identical when built from a checkout at another path.
# These builds need only the prerequisites and the committed guest until they are linked (the
# machine code is attached afterwards), so they run beside the other steps (release builds lock
# target/release and target/<triple>/release, the other steps target/debug and
# target/guest-build): what one leaves of the two cores — link and LTO tails, tests waiting on
# the network — the other uses. Their log is printed at the end. The lane is the build tool's
# (`xtask release ci`), built for it without Cranelift (`--no-default-features`: two minutes on
# 2 cores, where the full tool comes only with the test build, ten minutes in) and into its own
# target directory, so that its features never change what the test build compiles; it waits
# for the machine code the full tool precompiles below.
# SKIP_ARM64=1 leaves this out of a quick local run; CI always runs it.
release_pid=
if [[ -z "${SKIP_ARM64:-}" ]]; then
  step "release lane started: arm64 identity and reproducibility, beside the steps below"
  release_log=$(mktemp "${TMPDIR:-/tmp}/gitea-gate-release.XXXXXX")
  # Its own session, so that a failing step below can stop it with everything it started.
  # It links both binaries, then waits for the machine code this lane precompiles (below).
  lane_xtask=$root/target/lane/debug/xtask
  GITEA_GATE_AOT_WAIT=3600 setsid bash -c 'CARGO_TARGET_DIR="$1/target/lane" cargo build --locked --quiet -p xtask \
      --no-default-features && "$2" release ci' lane "$root" "$lane_xtask" >"$release_log" 2>&1 </dev/null &
  release_pid=$!
  trap '[[ -n "$release_pid" ]] && kill -- -"$release_pid" 2>/dev/null; true' EXIT
fi

step "formatting"
cargo fmt --all --check

step "lints and the test build: every target of every crate compiled by clippy-driver, warnings denied"
cargo test --workspace --all-targets --no-run --quiet
xtask=${CARGO_TARGET_DIR:-$root/target}/debug/xtask

if [[ -z "${SKIP_GUEST_CHECK:-}" ]]; then
  step "guest artifact: rebuild from guest/ and compare bytes"
  "$xtask" build-guest --check
fi

# The guest's machine code for every release target, with the compiler the test build just
# made: the release lane attaches it to its binaries, the black-box tests to theirs. Never
# committed (host/src/sandbox/machine_code.rs says why).
step "machine code: the committed wasm precompiled for x86_64 and aarch64 (target/guest-aot)"
"$xtask" precompile

# Release builds leave out the JIT (`xtask release`): that configuration must build cleanly too.
cargo clippy -p gitea-gate --no-default-features --quiet -- -D warnings

step "tests: guest units, host units, golden corpus (native + wasm), sandbox, CLI black-box, action scripts, e2e under act"
cargo test --workspace --quiet

# The gates' CLI tests once more against the fake imitating other servers (what each changes is
# in tests/fake-gitea/src/server.rs): Gitea 1.22.6, the oldest supported (large files as
# `content: ""`, /raw without fallback, other error texts; docs/gitea.md §14); Forgejo 15, its
# maintained long-term line (those answers too, plus `warning` that blocks, no `skipped`, no
# `Link` on team lists, a 401 that quotes the token); Forgejo 11, the oldest Forgejo followed (§16).
cli_suites=(cli_drift:: cli_approvals:: cli_checklist:: cli_trust:: cli_contributors:: cli_policy::
  cli_status:: cli_sweep:: cli_shared_head:: cli_pin:: cli_replay:: cli_volume:: cli_review_requests::)
for server in 1.22.6 15.0.3+gitea-1.22.0 11.0.15+gitea-1.22.0; do
  step "CLI tests against the fake as $server"
  FAKE_GITEA_VERSION=$server cargo test --quiet -p gitea-gate --test integration -- "${cli_suites[@]}"
done

# A short fuzz run on every CI (the long runs, --release, are in the README's Security model
# section). Here the test build's guest is reused, unoptimised: a release build of it would cost
# three minutes of compiling to save half a minute of running, and debug assertions and
# overflow checks make the run stricter.
step "fuzz: 50 000 mutated inputs through the guest"
cargo run --quiet -p gitea-gate-fuzz -- 50000 "$(date +%j)"

if [[ -n "$release_pid" ]]; then
  step "release lane: waiting for it"
  lane=0
  wait "$release_pid" || lane=$?
  release_pid=
  cat "$release_log"
  if [[ $lane != 0 ]]; then
    echo "error: the release lane failed (exit $lane; its log is above)" >&2
    exit 1
  fi
  # Last, on a quiet machine: start-up is a ratio to --version, but a process with a guest
  # thread suffers more from two busy cores than one without.
  step "budgets: binary sizes, guest size, trust's start-up against --version (README, Performance)"
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
  python3 scripts/bench/budgets.py "dist/gitea-gate-$version-x86_64-linux" "dist/gitea-gate-$version-aarch64-linux"
fi

step "done"
