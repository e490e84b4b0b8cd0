#!/usr/bin/env bash
# Process start → verdict, for the AOT path (the default) and the JIT fallback, on a push event
# (no network). Prints the median/min/max of each and writes target/bench/startup.json.
#
# Usage: scripts/bench-startup.sh [RUNS]      (default 200; needs hyperfine: apt-get install hyperfine)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-200}
command -v hyperfine >/dev/null || { echo "error: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 2; }

# The JIT build (for the fallback row), with the guest's machine code attached (the default row).
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p gitea-gate -p xtask
out="$root/target/bench"
mkdir -p "$out"
"$root/target/release/xtask" precompile --out "$out/guest-aot"
bin="$out/gitea-gate-jit"
"$root/target/release/xtask" attach "$root/target/release/gitea-gate" --target "$(uname -m)-unknown-linux-gnu" \
  --aot "$out/guest-aot" --out "$bin"
event="$root/tests/events/push.json"

# A clean environment: no runner variables, so both runs do exactly the same work.
cmd="env -i $bin trust --event-name push --event-path $event --format json"
hyperfine --style basic -N --warmup 10 --runs "$runs" \
  --export-json "$out/startup.json" \
  -n aot "$cmd" \
  -n jit "$cmd --engine jit" >&2

python3 - "$out/startup.json" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
print(f"{'path':<6} {'median':>10} {'min':>10} {'max':>10}  runs")
for r in data["results"]:
    t = sorted(r["times"])
    print(f"{r['command']:<6} {r['median']*1000:>8.2f}ms {t[0]*1000:>8.2f}ms {t[-1]*1000:>8.2f}ms  {len(t)}")
EOF
