#!/usr/bin/env bash
# Deletes untagged versions of a GHCR package, keeping the newest ones.
#
#   scripts/prune.sh OWNER/PACKAGE [KEEP]
set -euo pipefail

PACKAGE="${1:?usage: prune.sh OWNER/PACKAGE [KEEP]}"
KEEP="${2:-20}"
OWNER="${PACKAGE%%/*}"
NAME="${PACKAGE#*/}"

versions=$(gh api --paginate \
  -H "Accept: application/vnd.github+json" \
  "/orgs/${OWNER}/packages/container/${NAME}/versions" \
  --jq '.[] | select(.metadata.container.tags | length == 0) | .id' | tail -n "+$((KEEP + 1))")

for id in ${versions}; do
  echo "deleting ${PACKAGE} version ${id}"
  gh api -X DELETE "/orgs/${OWNER}/packages/container/${NAME}/versions/${id}"
done

# Nightly cleanup of the signature and attestation tags as well:
ghcr-cleanup-action-cli \
  --owner acme \
  --repository acme/api \
  --delete-orphaned-images \
  --keep-n-tagged "${KEEP}"
