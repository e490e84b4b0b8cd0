#!/usr/bin/env bash
# Drift on 1 KiB, 10 MiB and 100 MiB files against the fake Gitea on loopback: wall time and
# peak RSS per run (median, min, max over RUNS runs), with the file fetched, hashed and compared
# end to end. Files above 10 MiB take Gitea's large-file path (/contents says content: null, the
# bytes come from /raw by full commit sha and are checked against the blob id).
#
# Usage: scripts/bench/drift.sh [RUNS]     (default 5). Writes target/bench/drift.json.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-5}
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p gitea-gate -p fake-gitea
bin="$root/target/release/gitea-gate"
out="$root/target/bench"
work=$(mktemp -d)
fake_pid=
cleanup() { [[ -n "$fake_pid" ]] && kill "$fake_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$out"

sizes=(1024 10485760 104857600)
sha=1111111111111111111111111111111111111111
python3 - "$work/fixture.json" "$sha" "${sizes[@]}" <<'EOF'
import json, sys
path, sha, *sizes = sys.argv[1:]
files = {f"f{size}.txt": {"generated": {"size": int(size), "seed": 7}} for size in sizes}
json.dump({"repos": [{"owner": "acme", "name": "big", "id": 1, "branches": {"main": sha},
                      "commits": [{"sha": sha, "files": files}]}]}, open(path, "w"))
EOF
"$root/target/release/fake-gitea" --fixture "$work/fixture.json" > "$work/fake.out" 2>&1 &
fake_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/fake.out" 2>/dev/null && break; sleep 0.05; done
api="$(sed -n 's/^listening on //p' "$work/fake.out")/api/v1"

results=()
for size in "${sizes[@]}"; do
  file="f$size.txt"
  curl -sf "$api/repos/acme/big/raw/$file?ref=$sha" -o "$work/$file"
  for i in $(seq "$runs"); do
    # /usr/bin/time gives the peak RSS; its wall clock has 10 ms steps, so time with date(1).
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$work/time" \
      env -i "$bin" drift --api-url "$api" --event-name push --format json \
      --canonical "acme/big@main:$file" --local "$work/$file" > "$work/verdict.json" 2> "$work/stderr" \
      || { echo "drift failed:"; cat "$work/stderr" "$work/verdict.json"; exit 1; }
    grep -q '"verdict": "pass"' "$work/verdict.json" || { echo "not a pass"; cat "$work/verdict.json"; exit 1; }
    t1=$(date +%s%N)
    results+=("$size $(( (t1 - t0) / 1000 )) $(cat "$work/time")")
  done
done

printf '%s\n' "${results[@]}" | python3 -c '
import json, statistics, sys
rows = {}
for line in sys.stdin:
    size, micros, kib = line.split()
    rows.setdefault(int(size), []).append((int(micros) / 1e6, int(kib) * 1024))
report = []
print("%10s %8s %8s %8s %10s %9s" % ("file", "median", "min", "max", "peak RSS", "RSS/size"))
for size, samples in rows.items():
    times = sorted(t for t, _ in samples)
    rss = max(r for _, r in samples)
    label = f"{size / 1048576:.0f} MiB" if size >= 1048576 else f"{size / 1024:.0f} KiB"
    print(f"{label:>10} {statistics.median(times):>7.3f}s {times[0]:>7.3f}s {times[-1]:>7.3f}s {rss / 1048576:>8.1f}MiB {rss / size:>8.2f}x")
    report.append({"bytes": size, "median_s": statistics.median(times), "min_s": times[0], "max_s": times[-1], "peak_rss_bytes": rss})
json.dump(report, open(sys.argv[1], "w"), indent=2)
' "$out/drift.json"
