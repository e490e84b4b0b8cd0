#!/usr/bin/env bash
# Baseline: a typical hand-written review-check.sh in bash + curl + jq, for the
# benchmark: list the reviews, take every APPROVED reviewer, and probe
# GET /teams/{id}/members/{user} once per reviewer with its own curl, one after another; a 403
# is skipped (the fix from PR #1368); exit 0 when at least MIN approvers are members.
#
# Usage: review-check.sh API_URL OWNER/REPO PR TEAM_ID MIN   (token in GITEA_TOKEN)
set -euo pipefail
api=$1 repo=$2 pr=$3 team_id=$4 min=$5
auth=(-H "Authorization: token ${GITEA_TOKEN:?GITEA_TOKEN is not set}")

reviews='[]'
page=1
while :; do
  batch=$(curl -sf "${auth[@]}" "$api/repos/$repo/pulls/$pr/reviews?page=$page&limit=50")
  [[ $(jq 'length' <<<"$batch") -eq 0 ]] && break
  reviews=$(jq -s 'add' <(echo "$reviews") <(echo "$batch"))
  page=$((page + 1))
done

approvers=$(jq -r '[.[] | select(.state == "APPROVED" and .dismissed == false and .user != null) | .user.login] | unique | .[]' <<<"$reviews")
count=0
for user in $approvers; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$api/teams/$team_id/members/$user")
  case $code in
    200|204) count=$((count + 1)) ;;
    403) echo "skip $user: 403" >&2; continue ;;
    *) ;;
  esac
done
echo "approved by $count team members (need $min)"
[[ $count -ge $min ]]
