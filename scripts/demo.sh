#!/usr/bin/env bash
# The main job, the way a user sees it: a sync-providers-yaml gate
# against a fake Gitea on loopback that holds controlplane's canonical providers.yaml.
#
#   trust        — a push run, and what a missing secret means on a schedule and on a fork PR
#   drift        — in sync; drifted (with the diff); token missing on a schedule (fails, names the
#                  secret); token missing on a fork pull request (skips with a warning)
#   pin verify   — the offline backstop, before and after a hand edit
#   approvals    — the qa/security review gates: the job token vs a team PAT
#   checklist    — the SOP checklist on a tier:low pull request
#
# Builds what it needs first (the first build takes several minutes: wasmtime).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --quiet --manifest-path "$root/Cargo.toml" -p gitea-gate -p fake-gitea -p xtask
events="$root/tests/events"
work=$(mktemp -d)
fake_pid=
cleanup() { [[ -n "$fake_pid" ]] && kill "$fake_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The binary as it ships: the guest's machine code attached (precompiled once per guest change
# into target/guest-aot/, as `xtask release` does), so that every run below starts in
# milliseconds instead of compiling the guest.
wasm=$(cut -d' ' -f1 "$root/host/guest/gitea-gate-guest.wasm.sha256")
grep -qx "$wasm  gitea-gate-guest.wasm" "$root/target/guest-aot/aot.sha256" 2>/dev/null ||
  "$root/target/debug/xtask" precompile 2>/dev/null
bin="$work/gitea-gate"
"$root/target/debug/xtask" attach "$root/target/debug/gitea-gate" --target "$(uname -m)-unknown-linux-gnu" --out "$bin"

# A fake Gitea holding the canonical file (tests/fixtures/gitea-world.json).
"$root/target/debug/fake-gitea" --fixture "$root/tests/fixtures/gitea-world.json" > "$work/fake.out" 2>&1 &
fake_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/fake.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/fake.out")
[[ -n "$url" ]] || { echo "fake-gitea did not start:"; cat "$work/fake.out"; exit 1; }

# A checkout whose synced copy matches the canonical file.
core="$work/core"
mkdir -p "$core/internal/providers"
python3 - "$root/tests/fixtures/gitea-world.json" "$core/internal/providers/providers.yaml" <<'EOF'
import json, sys
fixture = json.load(open(sys.argv[1]))
repo = next(r for r in fixture["repos"] if r["name"] == "controlplane")
open(sys.argv[2], "w").write(repo["commits"][0]["files"]["internal/providers/providers.yaml"]["text"])
EOF
cd "$core"

canonical=acme/controlplane@main:internal/providers/providers.yaml
local_copy=internal/providers/providers.yaml
show() {
  local title=$1; shift
  printf '\n\033[1m▶ %s\033[0m\n' "$title"
  : > "$work/out"
  set +e
  env -i PATH="$PATH" GITHUB_OUTPUT="$work/out" GITHUB_API_URL="$url/api/v1" GITHUB_REPOSITORY=acme/core "$@"
  local code=$?
  set -e
  printf '  → exit %s; step outputs: %s\n' "$code" "$(python3 -c '
import re, sys
text = open(sys.argv[1]).read()
print("; ".join(f"{name}={value!r}" for name, _, value in re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S)))
' "$work/out")"
}

echo "gitea-gate $("$bin" --version | cut -d' ' -f2-) · fake Gitea at $url"

show "trust: a push to main with AUTO_SYNC_TOKEN provisioned" \
  env AUTO_SYNC_TOKEN=demo-auto-sync-token GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$events/push.json" \
  "$bin" trust --require-secret AUTO_SYNC_TOKEN

show "drift: the synced copy matches controlplane@main" \
  env AUTO_SYNC_TOKEN=demo-auto-sync-token GITHUB_EVENT_NAME=schedule GITHUB_EVENT_PATH="$events/schedule.json" \
  "$bin" drift --canonical "$canonical" --local "$local_copy" --token-env AUTO_SYNC_TOKEN

show "pin update: record the copy's sha256 (the offline backstop)" \
  env GITHUB_EVENT_NAME=push "$bin" pin update "$local_copy"
echo "  gitea-gate.sha256: $(cat gitea-gate.sha256)"

# Someone hand-edits the synced copy.
sed -i 's/region: eu/region: us-east/' "$local_copy"

show "drift: the copy was hand-edited — fails with sizes, sha256s, position and the diff" \
  env AUTO_SYNC_TOKEN=demo-auto-sync-token GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$events/push.json" \
  "$bin" drift --canonical "$canonical" --local "$local_copy" --token-env AUTO_SYNC_TOKEN

show "pin verify: the backstop catches the same edit without any network or token" \
  env GITHUB_EVENT_NAME=push "$bin" pin verify

show "drift on the daily schedule with AUTO_SYNC_TOKEN missing: a trusted run — fails and names the fix (the silent pass, fixed)" \
  env GITHUB_EVENT_NAME=schedule GITHUB_EVENT_PATH="$events/schedule.json" \
  "$bin" drift --canonical "$canonical" --local "$local_copy" --token-env AUTO_SYNC_TOKEN

show "drift on a fork pull request, AUTO_SYNC_TOKEN missing: forks get no secrets — skips with a warning" \
  env GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$events/pull_request_fork.json" \
  "$bin" drift --canonical "$canonical" --local "$local_copy" --token-env AUTO_SYNC_TOKEN

show "drift against a ref that does not exist: never a pass (/raw would have served main)" \
  env AUTO_SYNC_TOKEN=demo-auto-sync-token GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$events/push.json" \
  "$bin" drift --canonical acme/controlplane@no-such-branch:internal/providers/providers.yaml --local "$local_copy" --token-env AUTO_SYNC_TOKEN

# The qa-review / security-review gates and the SOP checklist, on PR #1368.
job_token=0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4
show "approvals with the job token: it can never read team membership — exit 3 names the token and what its owner needs" \
  env SOP_TIER_CHECK_TOKEN=$job_token GITHUB_EVENT_NAME=workflow_dispatch GITHUB_EVENT_PATH="$events/workflow_dispatch.json" \
  "$bin" approvals --team acme/qa --pr 1368 --token-env SOP_TIER_CHECK_TOKEN

show "approvals with SOP_TIER_CHECK_TOKEN (a PAT of a member of qa and security): alice's approval counts; status posted" \
  env SOP_TIER_CHECK_TOKEN=demo-sop-tier-check-token GITHUB_EVENT_NAME=workflow_dispatch GITHUB_EVENT_PATH="$events/workflow_dispatch.json" \
  "$bin" approvals --team acme/qa --pr 1368 --token-env SOP_TIER_CHECK_TOKEN --status-context "qa-review / approved"

show "security approvals, blocking on change requests: core-be's REQUEST_CHANGES blocks" \
  env SOP_TIER_CHECK_TOKEN=demo-sop-tier-check-token GITHUB_EVENT_NAME=workflow_dispatch GITHUB_EVENT_PATH="$events/workflow_dispatch.json" \
  "$bin" approvals --team acme/security --pr 1368 --token-env SOP_TIER_CHECK_TOKEN --block-on-changes-requested

cat > sop.json <<'JSON'
{"items": [{"id": "comprehensive-testing", "title": "Comprehensive testing performed"},
           {"id": "local-postgres-e2e", "title": "Local Postgres e2e"},
           {"id": "staging-smoke", "title": "Staging smoke test"}],
 "ack_teams": ["acme/qa", "acme/security"]}
JSON
show "checklist on a tier:low PR: informational — its status line names the gaps" \
  env SOP_CHECKLIST_GATE_TOKEN=demo-sop-tier-check-token GITHUB_EVENT_NAME=workflow_dispatch GITHUB_EVENT_PATH="$events/workflow_dispatch.json" \
  "$bin" checklist --config sop.json --pr 1368 --token-env SOP_CHECKLIST_GATE_TOKEN --status-context "sop-checklist / all-items-acked"
echo "  statuses posted: $(curl -s "$url/_fake/statuses" | python3 -c 'import json, sys; print("; ".join(s["context"] + " = " + s["state"] + ": " + s["description"] for s in json.load(sys.stdin)))')"

show "selftest: the golden corpus through this binary's sandbox, one digest of all verdicts" \
  "$bin" selftest
