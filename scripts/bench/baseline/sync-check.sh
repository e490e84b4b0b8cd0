#!/usr/bin/env bash
# Baseline: a sync-providers-yaml compare in bash + curl + cmp:
# download the canonical file and byte-compare it with the synced copy.
#
# Usage: sync-check.sh API_URL OWNER/REPO REF PATH LOCAL   (token in GITEA_TOKEN, optional)
set -euo pipefail
api=$1 repo=$2 ref=$3 path=$4 local=$5
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
auth=()
[[ -n "${GITEA_TOKEN:-}" ]] && auth=(-H "Authorization: token $GITEA_TOKEN")
curl -sf "${auth[@]}" "$api/repos/$repo/raw/$path?ref=$ref" -o "$tmp"
cmp -s "$tmp" "$local" && echo "in sync" || { echo "drift: $local differs from $repo@$ref:$path"; exit 1; }
