#!/usr/bin/env bash
# Diagnose the GHCR state of the grok2api package (see docs/deployment.md).
# Needs a personal access token with read:packages in GHCR_TOKEN.
set -euo pipefail

OWNER=gdtiti
TOKEN="${GHCR_TOKEN:?set GHCR_TOKEN to a PAT with read:packages}"
BEARER="$(printf '%s' "$TOKEN" | base64 | tr -d '\n')"

echo "== tags =="
curl https://ghcr.io/v2/gdtiti/grok2api/tags/list \
  -fsSL -H "Authorization: Bearer ${BEARER}" | jq -r '.tags[]'

echo "== manifest for latest (registry API) =="
curl -fsSI -H "Authorization: Bearer ${BEARER}" \
  -H "Accept: application/vnd.oci.image.index.v1+json" \
  https://ghcr.io/v2/gdtiti/grok2api/manifests/latest

echo "== manifest for latest (docker) =="
docker manifest inspect ghcr.io/gdtiti/grok2api-api:latest | jq -r '.manifests[].platform.architecture'

echo "== Docker Hub mirror =="
if docker manifest inspect docker.io/gdtiti/grok2api:latest >/dev/null 2>&1; then
  echo "mirror present"
else
  echo "no mirror on docker.io"
fi

echo "== package settings =="
echo "https://github.com/gdtiti/grok2api/pkgs/container/grok2api"
gh api "/users/${OWNER}/packages/container/grok2api" --jq '.visibility' \
  || echo "package not found: it was deleted, and its name stays reserved"
