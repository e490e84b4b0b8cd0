#!/usr/bin/env bash
# The main job, shown on the bundled example events (tests/events): what a user sees in the log
# and in the step outputs for each kind of run. Builds the binary first if needed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --quiet --manifest-path "$root/Cargo.toml" -p gitea-gate
bin="$root/target/debug/gitea-gate"
events="$root/tests/events"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

show() {
  local title=$1; shift
  printf '\n\033[1m▶ %s\033[0m\n$ %s\n' "$title" "$*"
  : > "$scratch/out"
  set +e
  env -i PATH="$PATH" GITHUB_OUTPUT="$scratch/out" "$@"
  local code=$?
  set -e
  printf '  → exit %s; outputs: %s\n' "$code" "$(grep -v '^ghadelimiter_' "$scratch/out" | paste -sd' ' | sed -E 's/<<ghadelimiter_[0-9a-f]+ /=/g')"
}

"$bin" --version
show "schedule, AUTO_SYNC_TOKEN missing: a trusted run fails and says how to fix it" \
  "$bin" trust --require-secret AUTO_SYNC_TOKEN --event-name schedule --event-path "$events/schedule.json"
show "fork pull request, AUTO_SYNC_TOKEN missing: forks get no secrets, so the gate skips with a warning" \
  "$bin" trust --require-secret AUTO_SYNC_TOKEN --event-name pull_request --event-path "$events/pull_request_fork.json"
show "same-repository pull request, AUTO_SYNC_TOKEN present" \
  env AUTO_SYNC_TOKEN=example "$bin" trust --require-secret AUTO_SYNC_TOKEN --event-name pull_request --event-path "$events/pull_request_same_repo.json"
show "AGit pull request: looks same-repo in the payload, but Gitea treats it as a fork" \
  "$bin" trust --require-secret AUTO_SYNC_TOKEN --event-name pull_request --event-path "$events/pull_request_agit.json"
show "pull_request_review on a fork: Gitea runs the head's workflow with secrets — untrusted, with a warning" \
  env AUTO_SYNC_TOKEN=example "$bin" trust --require-secret AUTO_SYNC_TOKEN --event-name pull_request_review --event-path "$events/pull_request_review_fork.json"
show "an event gitea-gate does not know: treated as trusted, so the missing secret fails" \
  "$bin" trust --require-secret AUTO_SYNC_TOKEN --event-name merge_group
show "inside a runner (--format github): human lines fenced against command injection, plus annotations" \
  env GITHUB_ACTIONS=true "$bin" trust --require-secret AUTO_SYNC_TOKEN --event-name pull_request --event-path "$events/pull_request_fork.json"
show "selftest: the golden corpus through this binary's sandbox, one digest of all verdicts" \
  "$bin" selftest
