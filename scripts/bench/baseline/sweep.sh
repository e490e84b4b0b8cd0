#!/usr/bin/env bash
# Baseline: the usual hand-written refire approach (review-refire-status.sh run over every in-flight pull
# request), re-implemented in bash + curl + jq for the benchmark, one process per call: list the
# open pull requests page by page; for each, read its reviews (until an empty page) and its
# comments, probe GET /teams/{id}/members/{user} once per approver with its own curl, and POST the
# status on the head. Sequential, as such scripts are; no cache across pull requests.
#
# Usage: sweep.sh API_URL OWNER/REPO TEAM_ID MIN CONTEXT   (token in GITEA_TOKEN)
set -euo pipefail
api=$1 repo=$2 team_id=$3 min=$4 context=$5
auth=(-H "Authorization: token ${GITEA_TOKEN:?GITEA_TOKEN is not set}")

pulls=()
page=1
while :; do
  batch=$(curl -sf "${auth[@]}" "$api/repos/$repo/pulls?state=open&page=$page&limit=50")
  [[ $(jq 'length' <<<"$batch") -eq 0 ]] && break
  mapfile -t -O "${#pulls[@]}" pulls < <(jq -r '.[] | "\(.number) \(.head.sha)"' <<<"$batch")
  page=$((page + 1))
done

undecided=0
for entry in "${pulls[@]}"; do
  read -r pr sha <<<"$entry"
  reviews='[]'
  page=1
  ok=1
  while :; do
    batch=$(curl -sf "${auth[@]}" "$api/repos/$repo/pulls/$pr/reviews?page=$page&limit=50") || { ok=0; break; }
    [[ $(jq 'length' <<<"$batch") -eq 0 ]] && break
    reviews=$(jq -s 'add' <(echo "$reviews") <(echo "$batch"))
    page=$((page + 1))
  done
  comments=$(curl -sf "${auth[@]}" "$api/repos/$repo/issues/$pr/comments") || ok=0
  acks=$(jq -r '[.[] | select(.body | startswith("/sop-ack")) | .user.login] | unique | length' <<<"${comments:-[]}")
  approvers=$(jq -r '[.[] | select(.state == "APPROVED" and .dismissed == false and .user != null) | .user.login] | unique | .[]' <<<"$reviews")
  count=0
  for user in $approvers; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$api/teams/$team_id/members/$user")
    [[ $code == 200 || $code == 204 ]] && count=$((count + 1))
  done
  if [[ $ok -eq 0 ]]; then state=error; undecided=$((undecided + 1))
  elif [[ $count -ge $min ]]; then state=success
  else state=failure; fi
  body=$(jq -n --arg s "$state" --arg c "$context" --arg d "$count approvals, $acks ackers" \
    '{state: $s, context: $c, description: $d}')
  curl -sf -o /dev/null "${auth[@]}" -H 'Content-Type: application/json' -X POST -d "$body" \
    "$api/repos/$repo/statuses/$sha"
  echo "#$pr $state ($count approvals)"
done
echo "${#pulls[@]} pull requests, $undecided undecided"
[[ $undecided -eq 0 ]]
