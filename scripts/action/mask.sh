#!/usr/bin/env bash
# Mask the token and the secret under test before any other step prints anything (docs/gitea.md
# §8.2: ::add-mask:: lines are dropped from the log and the value is shown as *** afterwards).
# Each line of a multi-line value is masked on its own, as the runner masks per line.
set -euo pipefail
for value in "${GATE_TOKEN:-}" "${GATE_SECRET:-}" "${GATE_INSTALL_TOKEN:-}"; do
  [[ -z "$value" ]] && continue
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ -n "${line//[[:space:]]/}" ]] && printf '::add-mask::%s\n' "$line"
  done <<<"$value"
done
