#!/usr/bin/env bash
# Turn the action's inputs (GATE_* variables, set by action.yml through env:) into one gitea-gate
# command line. Every user value is its own argument; nothing is evaluated by the shell.
set -euo pipefail

fail() { printf 'gitea-gate action: %s\n' "$1" >&2; exit 2; }
is_true() { case "${1,,}" in true|yes|1|on) return 0 ;; false|no|0|off|"") return 1 ;; *) fail "expected true or false, got '$1'" ;; esac; }
valid_name() { [[ "$1" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; }

bin=${GATE_BINARY:?the install step gave no binary}
# install.sh reports a private copy it verified; check it once more right before it runs (it
# must never be a file another job can reach — see install.sh).
if [[ -n "${GATE_BINARY_SHA256:-}" ]]; then
  actual=$(sha256sum "$bin" | cut -d' ' -f1) || actual=""
  if [[ "$actual" != "$GATE_BINARY_SHA256" ]]; then
    printf 'gitea-gate action: %s changed after it was verified (sha256 %s, expected %s); refusing to run it\n' \
      "$bin" "${actual:-unreadable}" "$GATE_BINARY_SHA256" >&2
    exit 3
  fi
fi
args=(--format "${GATE_FORMAT:-github}")
[[ -n "${GATE_REPORT:-}" ]] && args+=(--report "$GATE_REPORT")
[[ -n "${GATE_RECORD:-}" ]] && args+=(--record "$GATE_RECORD")
if is_true "${GATE_ALLOW_HTTP:-false}"; then args+=(--allow-http); fi
[[ -n "${GATE_TIMEOUT:-}" ]] && args+=(--timeout "$GATE_TIMEOUT")
[[ -n "${GATE_RETRIES:-}" ]] && args+=(--retries "$GATE_RETRIES")
[[ -n "${GATE_API_URL:-}" ]] && args+=(--api-url "$GATE_API_URL")

# The token travels in an environment variable named after the secret, so that every message
# names what the user has to fix (e.g. SOP_TIER_CHECK_TOKEN), never a generic "token".
token_name=${GATE_TOKEN_NAME:-GITEA_GATE_TOKEN}
valid_name "$token_name" || fail "token-name '$token_name' is not a variable name (letters, digits, _)"
export "$token_name=${GATE_TOKEN:-}"

check=${GATE_CHECK:-}
if is_true "${GATE_REQUEST_REVIEWS:-false}" && [[ "$check" != approvals && "$check" != policy ]]; then
  fail "request-reviews applies to check: approvals or policy only (got check: $check)"
fi
if is_true "${GATE_KEEP_ACROSS_BASE_MERGES:-false}" && [[ "$check" != approvals && "$check" != policy ]]; then
  fail "keep-across-base-merges applies to check: approvals or policy only (got check: $check)"
fi
case "$check" in
  trust)
    args+=(trust)
    if [[ -n "${GATE_SECRET_NAME:-}" ]]; then
      valid_name "$GATE_SECRET_NAME" || fail "secret-name '$GATE_SECRET_NAME' is not a variable name"
      export "$GATE_SECRET_NAME=${GATE_SECRET:-}"
      args+=(--require-secret "$GATE_SECRET_NAME")
    fi
    [[ -n "${GATE_TOKEN:-}" ]] && args+=(--token-env "$token_name")
    ;;
  drift)
    args+=(drift --token-env "$token_name")
    if [[ -n "${GATE_MANIFEST:-}" ]]; then
      args+=(--manifest "$GATE_MANIFEST")
    else
      [[ -n "${GATE_CANONICAL:-}" && -n "${GATE_LOCAL:-}" ]] || fail "drift needs canonical and local (or manifest)"
      args+=(--canonical "$GATE_CANONICAL" --local "$GATE_LOCAL")
    fi
    [[ -n "${GATE_MAX_SIZE:-}" ]] && args+=(--max-size "$GATE_MAX_SIZE")
    [[ -n "${GATE_CONTEXT_LINES:-}" ]] && args+=(--context-lines "$GATE_CONTEXT_LINES")
    [[ -n "${GATE_MAX_DIFF_LINES:-}" ]] && args+=(--max-diff-lines "$GATE_MAX_DIFF_LINES")
    allow_repo=${GATE_ALLOW_REPO:-}
    read -r -a allowed_repos <<<"${allow_repo//[,$'\n']/ }"
    for repo in "${allowed_repos[@]}"; do args+=(--allow-repo "$repo"); done
    ;;
  pin)
    case "${GATE_PIN_ACTION:-verify}" in
      verify|update) args+=(pin "${GATE_PIN_ACTION:-verify}" --lock "${GATE_LOCK:-gitea-gate.sha256}") ;;
      *) fail "pin-action must be verify or update, got '${GATE_PIN_ACTION}'" ;;
    esac
    [[ -n "${GATE_MAX_SIZE:-}" ]] && args+=(--max-size "$GATE_MAX_SIZE")
    ;;
  approvals|checklist|policy)
    args+=("$check" --token-env "$token_name")
    if is_true "${GATE_KEEP_ACROSS_BASE_MERGES:-false}"; then args+=(--keep-across-base-merges); fi
    if is_true "${GATE_REQUEST_REVIEWS:-false}"; then args+=(--request-reviews); fi
    if [[ "$check" == approvals ]]; then
      read -r -a teams <<<"${GATE_TEAMS//[,$'\n']/ }"
      [[ ${#teams[@]} -gt 0 ]] || fail "approvals needs teams (ORG/NAME or id)"
      for team in "${teams[@]}"; do args+=(--team "$team"); done
      args+=(--min "${GATE_MIN:-1}")
      if is_true "${GATE_ALLOW_STALE:-false}"; then args+=(--allow-stale); fi
      if is_true "${GATE_ALLOW_CONTRIBUTORS:-false}"; then args+=(--allow-contributors); fi
      if is_true "${GATE_BLOCK_ON_CHANGES_REQUESTED:-false}"; then args+=(--block-on-changes-requested); fi
      waivable_by="${GATE_WAIVABLE_BY:-}"
      read -r -a waivable <<<"${waivable_by//[,$'\n']/ }"
      for team in "${waivable[@]}"; do args+=(--waivable-by "$team"); done
      if [[ -n "${GATE_RULE:-}" ]]; then args+=(--rule "$GATE_RULE"); fi
    elif [[ "$check" == policy ]]; then
      [[ -n "${GATE_CONFIG:-}" ]] || fail "policy needs config (the policy file, YAML or JSON)"
      args+=(--config "$GATE_CONFIG")
    else
      [[ -n "${GATE_CONFIG:-}" ]] || fail "checklist needs config (a JSON file)"
      args+=(--config "$GATE_CONFIG")
    fi
    # `prs: open` is the old name of `pr: open`: still read (v1 workflows use it), with a notice.
    if [[ -n "${GATE_PRS:-}" ]]; then
      echo "gitea-gate action: the input 'prs' is the old name of 'pr: open'; write 'pr: open' (prs goes in v2)" >&2
      [[ "$GATE_PRS" == open ]] || fail "prs takes only 'open' (sweep every open pull request), got '${GATE_PRS}'"
      [[ -z "${GATE_PR:-}" || "$GATE_PR" == open ]] || fail "give either pr: N or prs: open, not both"
      GATE_PR=open
    fi
    case "${GATE_PR:-}" in
      "") ;;
      open) args+=(--open-prs) ;;
      *[!0-9]*) fail "pr must be a pull request number or 'open', got '${GATE_PR}'" ;;
      *) args+=(--pr "$GATE_PR") ;;
    esac
    if [[ -n "${GATE_MAX_PRS:-}" ]]; then
      [[ "${GATE_PR:-}" == open ]] || fail "max-prs applies only with pr: open"
      args+=(--max-prs "$GATE_MAX_PRS")
    fi
    [[ -n "${GATE_STATUS_CONTEXT:-}" ]] && args+=(--status-context "$GATE_STATUS_CONTEXT")
    if [[ -n "${GATE_TARGET_URL:-}" ]]; then
      [[ -n "${GATE_STATUS_CONTEXT:-}" ]] || fail "target-url needs status-context (it is the status's link)"
      args+=(--target-url "$GATE_TARGET_URL")
    fi
    ;;
  *) fail "check must be one of trust, drift, pin, approvals, checklist, policy (got '$check')" ;;
esac

unset GATE_TOKEN GATE_SECRET
exec "$bin" "${args[@]}"
