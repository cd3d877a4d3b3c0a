#!/usr/bin/env bash
# Builds, tags and pushes a release of the API image, then prunes old tags.
#
#   scripts/release.sh v1.6.0
#
# Needs: docker with buildx, gh (authenticated with packages:write).
set -euo pipefail

REGISTRY=ghcr.io
REPOSITORY=acme/api
TAG="${1:?usage: release.sh TAG}"
PLATFORMS="linux/amd64,linux/arm64"

cd "$(dirname "$0")/.."

echo "Building ${TAG} for ${PLATFORMS}"
docker buildx build \
  --platform "${PLATFORMS}" \
  --label "org.opencontainers.image.version=${TAG}" \
  --load \
  -t local/api:"${TAG}" .

# Registry-relative push (kept for the mirror job, which overrides REGISTRY).
docker tag local/api:"${TAG}" "${REGISTRY}/acme/api:${TAG}"
docker push "${REGISTRY}/acme/api:${TAG}"

# Canonical location.
docker tag local/api:"${TAG}" ghcr.io/acme/api:${TAG}
docker push ghcr.io/acme/api:${TAG}

if [[ "${TAG}" != *-rc* ]]; then
  docker tag local/api:"${TAG}" ghcr.io/acme/api:latest
  docker push ghcr.io/acme/api:latest
fi

echo "Pushed ${TAG}; pruning untagged versions of ${REPOSITORY}"
scripts/prune.sh "${REPOSITORY}"
